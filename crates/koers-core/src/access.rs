//! Roles and what they permit. Every route asks for a [`Permission`]; a user holds it
//! through one of their roles in the organisation they are working in.

use crate::error::Invalid;
use serde::{Deserialize, Serialize};

/// A role a user holds in one organisation. A user may hold several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Reads what the organisation shares internally.
    Viewer,
    /// Writes analyses and builds information products.
    Analyst,
    /// Looks after datasets, their metadata and quality.
    DataSteward,
    /// Owns policy tasks and data questions.
    PolicyOwner,
    /// Member of the board (Gedeputeerde Staten, college van B&W): takes board decisions.
    BoardMember,
    /// Manages the organisation's members, roles and settings.
    Administrator,
}

/// Something a route lets a user do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read the organisation's internal work.
    Read,
    /// Write and run analyses, build information products.
    Analyse,
    /// Define indicators on the organisation's saved analyses and refresh them: choose an
    /// analysis and its columns, no SQL.
    DefineIndicators,
    /// Register datasets and maintain their metadata.
    ManageData,
    /// Create and move data questions and policy tasks.
    ManageQuestions,
    /// Record a decision at board level.
    DecideAsBoard,
    /// Add members, change their roles, edit the organisation.
    ManageMembers,
    /// Read the audit log.
    ReadAudit,
    /// Run maturity research: frameworks, survey rounds, coding, reports and benchmarks.
    Research,
    /// Run the learning track: programmes, cohorts, groups, attendance, progress, projects.
    CoordinateLearning,
}

impl Role {
    pub const ALL: [Role; 6] = [
        Role::Viewer,
        Role::Analyst,
        Role::DataSteward,
        Role::PolicyOwner,
        Role::BoardMember,
        Role::Administrator,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Viewer => "viewer",
            Role::Analyst => "analyst",
            Role::DataSteward => "data_steward",
            Role::PolicyOwner => "policy_owner",
            Role::BoardMember => "board_member",
            Role::Administrator => "administrator",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::one(
                    "roles",
                    "enum",
                    "onbekende rol; kies uit viewer, analyst, data_steward, policy_owner, board_member, administrator",
                )
            })
    }

    /// What this role permits.
    pub fn permits(self, p: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Viewer => matches!(p, Read),
            Role::Analyst => {
                matches!(
                    p,
                    Read | Analyse | DefineIndicators | ManageQuestions | Research
                )
            }
            Role::DataSteward => {
                matches!(
                    p,
                    Read | Analyse | DefineIndicators | ManageData | ManageQuestions
                )
            }
            Role::PolicyOwner => matches!(
                p,
                Read | DefineIndicators | ManageQuestions | CoordinateLearning
            ),
            Role::BoardMember => matches!(p, Read | DecideAsBoard),
            Role::Administrator => !matches!(p, DecideAsBoard),
        }
    }
}

/// Whether any of `roles` permits `p`.
pub fn permitted(roles: &[Role], p: Permission) -> bool {
    roles.iter().any(|r| r.permits(p))
}

/// Parses a list of role names; an empty list is invalid, duplicates collapse.
pub fn parse_roles<'a>(raw: impl IntoIterator<Item = &'a str>) -> Result<Vec<Role>, Invalid> {
    let mut roles = raw
        .into_iter()
        .filter(|s| !s.trim().is_empty())
        .map(Role::parse)
        .collect::<Result<Vec<_>, _>>()?;
    roles.sort();
    roles.dedup();
    if roles.is_empty() {
        return Err(Invalid::one("roles", "required", "kies minstens één rol"));
    }
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_role_can_read() {
        for r in Role::ALL {
            assert!(r.permits(Permission::Read), "{r:?}");
        }
    }

    #[test]
    fn only_administrators_manage_members_and_read_audit() {
        for r in Role::ALL {
            let admin = r == Role::Administrator;
            assert_eq!(r.permits(Permission::ManageMembers), admin);
            assert_eq!(r.permits(Permission::ReadAudit), admin);
        }
    }

    #[test]
    fn policy_owners_define_indicators_without_writing_sql() {
        assert!(Role::PolicyOwner.permits(Permission::DefineIndicators));
        assert!(!Role::PolicyOwner.permits(Permission::Analyse));
        // Whoever analyses may define indicators; who only reads or decides may not.
        for r in Role::ALL {
            if r.permits(Permission::Analyse) {
                assert!(r.permits(Permission::DefineIndicators), "{r:?}");
            }
        }
        for r in [Role::Viewer, Role::BoardMember] {
            assert!(!r.permits(Permission::DefineIndicators), "{r:?}");
        }
    }

    #[test]
    fn only_the_board_decides_as_board() {
        for r in Role::ALL {
            assert_eq!(r.permits(Permission::DecideAsBoard), r == Role::BoardMember);
        }
    }

    #[test]
    fn administrators_and_policy_owners_coordinate_learning() {
        for r in Role::ALL {
            assert_eq!(
                r.permits(Permission::CoordinateLearning),
                matches!(r, Role::Administrator | Role::PolicyOwner)
            );
        }
    }

    #[test]
    fn viewer_only_reads() {
        assert!(!permitted(&[Role::Viewer], Permission::Analyse));
        assert!(permitted(
            &[Role::Viewer, Role::Analyst],
            Permission::Analyse
        ));
    }

    #[test]
    fn role_names_roundtrip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()).unwrap(), r);
        }
        assert!(Role::parse("root").is_err());
        assert_eq!(
            parse_roles(["analyst", "viewer", "analyst"]).unwrap(),
            vec![Role::Viewer, Role::Analyst]
        );
        assert!(parse_roles(["", " "]).is_err());
    }
}
