//! Signing in through an OpenID Connect provider: which organisation and which roles the
//! claims of an ID token give, and when an identity may be linked to an existing account.
//!
//! For a user who signs in through a provider, the claims are the truth: every sign-in sets
//! the roles in the mapped organisation to what the claims say.

use crate::access::Role;
use serde::Deserialize;
use serde_json::{Map, Value};
use std::collections::BTreeMap;

/// How the claims of one provider map to an organisation and roles.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClaimMapping {
    /// The claim that holds the organisation's CBS code (`koers_org` = `PV26`).
    #[serde(default)]
    pub organisation_claim: Option<String>,
    /// The one organisation (its CBS code) every user of this provider works in; used when
    /// `organisation_claim` is not set, or the claim is missing from the token.
    #[serde(default)]
    pub organisation: Option<String>,
    /// The claim that holds the user's groups or roles: a string or a list of strings.
    #[serde(default = "default_roles_claim")]
    pub roles_claim: String,
    /// Group (claim value) → role in koers, e.g. `"koers-analyst" = "analyst"`.
    #[serde(default)]
    pub roles: BTreeMap<String, Role>,
    /// The role of a user none of whose groups is mapped; without one, such a user is refused.
    #[serde(default)]
    pub default_role: Option<Role>,
}

fn default_roles_claim() -> String {
    "groups".into()
}

/// Why the claims give no organisation or no role.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// Neither the organisation claim nor a fixed organisation names one.
    NoOrganisation,
    /// None of the user's groups maps to a role, and there is no default role.
    NoRole,
}

/// Where the claims put the user: the organisation's CBS code and the roles there (sorted,
/// without duplicates, never empty).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Placement {
    pub organisation: String,
    pub roles: Vec<Role>,
}

impl ClaimMapping {
    /// Checks the mapping itself: some organisation source, no empty names.
    pub fn check(&self) -> Result<(), String> {
        if self.organisation_claim.is_none() && self.organisation.is_none() {
            return Err("organisation_claim of organisation ontbreekt".into());
        }
        if self.roles_claim.trim().is_empty() {
            return Err("roles_claim is leeg".into());
        }
        Ok(())
    }

    /// The organisation and roles the claims give.
    pub fn place(&self, claims: &Map<String, Value>) -> Result<Placement, Refusal> {
        let from_claim = self
            .organisation_claim
            .as_ref()
            .and_then(|c| claims.get(c))
            .and_then(Value::as_str)
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_uppercase);
        let organisation = from_claim
            .or_else(|| self.organisation.clone())
            .ok_or(Refusal::NoOrganisation)?;
        let groups: Vec<&str> = match claims.get(&self.roles_claim) {
            Some(Value::String(s)) => vec![s.as_str()],
            Some(Value::Array(items)) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        let mut roles: Vec<Role> = groups
            .iter()
            .filter_map(|g| self.roles.get(*g).copied())
            .collect();
        if roles.is_empty() {
            roles.extend(self.default_role);
        }
        if roles.is_empty() {
            return Err(Refusal::NoRole);
        }
        roles.sort();
        roles.dedup();
        Ok(Placement {
            organisation,
            roles,
        })
    }
}

/// Whether a provider identity seen for the first time may take over the existing local
/// account with the same e-mail address. Only when the provider vouches for the address
/// (`email_verified` is true) and the administrator allowed it for this provider; otherwise
/// a matching address is refused rather than linked, so nobody gains a local account by
/// registering its address at a provider.
pub fn may_link_by_email(allowed_by_config: bool, email_verified: Option<bool>) -> bool {
    allowed_by_config && email_verified == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn mapping() -> ClaimMapping {
        ClaimMapping {
            organisation_claim: Some("koers_org".into()),
            organisation: None,
            roles_claim: "groups".into(),
            roles: BTreeMap::from([
                ("koers-analyst".into(), Role::Analyst),
                ("koers-admin".into(), Role::Administrator),
                ("koers-lezer".into(), Role::Viewer),
            ]),
            default_role: None,
        }
    }

    fn claims(v: Value) -> Map<String, Value> {
        v.as_object().cloned().unwrap()
    }

    #[test]
    fn groups_map_to_sorted_roles_in_the_claimed_organisation() {
        let p = mapping()
            .place(&claims(json!({
                "koers_org": " pv26 ",
                "groups": ["koers-admin", "other", "koers-analyst", "koers-analyst"]
            })))
            .unwrap();
        assert_eq!(p.organisation, "PV26");
        assert_eq!(p.roles, vec![Role::Analyst, Role::Administrator]);
    }

    #[test]
    fn a_single_string_is_one_group() {
        let p = mapping()
            .place(&claims(
                json!({"koers_org": "GM0796", "groups": "koers-lezer"}),
            ))
            .unwrap();
        assert_eq!(p.roles, vec![Role::Viewer]);
    }

    #[test]
    fn no_mapped_group_is_refused_without_a_default_role() {
        let m = mapping();
        for c in [
            json!({"koers_org": "PV26", "groups": ["other"]}),
            json!({"koers_org": "PV26"}),
            json!({"koers_org": "PV26", "groups": 3}),
            json!({"koers_org": "PV26", "groups": [1, null]}),
        ] {
            assert_eq!(m.place(&claims(c)), Err(Refusal::NoRole));
        }
        let with_default = ClaimMapping {
            default_role: Some(Role::Viewer),
            ..m
        };
        let p = with_default
            .place(&claims(json!({"koers_org": "PV26", "groups": ["other"]})))
            .unwrap();
        assert_eq!(p.roles, vec![Role::Viewer]);
    }

    #[test]
    fn the_organisation_comes_from_the_claim_or_the_fixed_one() {
        let m = mapping();
        assert_eq!(
            m.place(&claims(json!({"groups": ["koers-admin"]}))),
            Err(Refusal::NoOrganisation)
        );
        assert_eq!(
            m.place(&claims(json!({"koers_org": "", "groups": ["koers-admin"]}))),
            Err(Refusal::NoOrganisation)
        );
        let fixed = ClaimMapping {
            organisation_claim: None,
            organisation: Some("PV26".into()),
            ..m.clone()
        };
        let p = fixed
            .place(&claims(
                json!({"koers_org": "GM0796", "groups": ["koers-admin"]}),
            ))
            .unwrap();
        assert_eq!(
            p.organisation, "PV26",
            "a claim is ignored when not configured"
        );
        let both = ClaimMapping {
            organisation: Some("PV26".into()),
            ..m
        };
        let p = both
            .place(&claims(json!({"groups": ["koers-admin"]})))
            .unwrap();
        assert_eq!(p.organisation, "PV26", "the fixed one is the fallback");
    }

    #[test]
    fn a_mapping_needs_an_organisation_source() {
        assert!(mapping().check().is_ok());
        let none = ClaimMapping {
            organisation_claim: None,
            ..mapping()
        };
        assert!(none.check().is_err());
    }

    #[test]
    fn mapping_reads_from_toml_like_config() {
        let m: ClaimMapping = serde_json::from_value(json!({
            "organisation": "PV26",
            "roles": {"g1": "data_steward"},
            "default_role": "viewer"
        }))
        .unwrap();
        assert_eq!(m.roles_claim, "groups");
        assert_eq!(m.roles.get("g1"), Some(&Role::DataSteward));
        assert_eq!(m.default_role, Some(Role::Viewer));
    }

    #[test]
    fn linking_by_email_needs_config_and_a_verified_address() {
        assert!(may_link_by_email(true, Some(true)));
        assert!(!may_link_by_email(true, Some(false)));
        assert!(!may_link_by_email(true, None));
        assert!(!may_link_by_email(false, Some(true)));
    }
}
