//! Guests: people from outside an organisation (a partner organisation, a student, another
//! government) invited by e-mail to one object only: a data question, a make-track project
//! (its students), or the report of a participating organisation in a maturity round (its
//! contact). A guest reads that object and, as the invitation
//! allows, comments on it or uploads a file to it; nothing else of the organisation exists
//! for them. An invitation holds until it expires or is revoked, and whatever a guest does is
//! audited under their address and the organisation they come from.

use crate::error::{Collector, Invalid, text};
use crate::user::Email;
use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

/// How long an invitation (and the access it gives) lasts when the inviter does not say.
pub const DEFAULT_DAYS: i64 = 30;
/// How long it may last at most.
pub const MAX_DAYS: i64 = 365;

/// What a guest may be invited to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GuestObject {
    /// A data question: its question, status, evidence, comments and attachments.
    Question,
    /// One participating organisation's report in a maturity round, for its contact to read
    /// and comment on before the round is final.
    MaturityReport,
    /// A make-track project of the learning track, for the students working on it: the
    /// project and the data question it works out, whose comments and files are the
    /// project's.
    LearningProject,
}

impl GuestObject {
    pub const ALL: [GuestObject; 3] = [
        GuestObject::Question,
        GuestObject::MaturityReport,
        GuestObject::LearningProject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GuestObject::Question => "question",
            GuestObject::MaturityReport => "maturity_report",
            GuestObject::LearningProject => "learning_project",
        }
    }

    /// What a guest may be allowed here: files on a data question and a project, not on a
    /// report.
    pub fn offers(self, a: Ability) -> bool {
        match self {
            GuestObject::Question | GuestObject::LearningProject => true,
            GuestObject::MaturityReport => a == Ability::Comment,
        }
    }

    /// Refuses abilities this kind of object does not offer.
    pub fn check(self, abilities: &[Ability]) -> Result<(), Invalid> {
        if abilities.iter().all(|a| self.offers(*a)) {
            Ok(())
        } else {
            Err(Invalid::one(
                "abilities",
                "not_offered",
                "bij een rapport kan een gast lezen en reageren, geen bestanden toevoegen",
            ))
        }
    }

    /// The kind a stored name stands for.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// What a guest may do beyond reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Ability {
    /// Write comments on the object.
    Comment,
    /// Add a file to it (evidence, a deliverable).
    Upload,
}

impl Ability {
    pub const ALL: [Ability; 2] = [Ability::Comment, Ability::Upload];

    pub fn as_str(self) -> &'static str {
        match self {
            Ability::Comment => "comment",
            Ability::Upload => "upload",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Self::ALL
            .into_iter()
            .find(|a| a.as_str() == s.trim())
            .ok_or_else(|| {
                Invalid::one(
                    "abilities",
                    "enum",
                    "onbekende bevoegdheid; kies uit comment en upload",
                )
            })
    }
}

/// Abilities as stored: their names, comma-separated, in order.
pub fn abilities_to_str(a: &[Ability]) -> String {
    a.iter().map(|a| a.as_str()).collect::<Vec<_>>().join(",")
}

/// Abilities from their stored form; unknown names are left out.
pub fn abilities_from_str(s: &str) -> Vec<Ability> {
    s.split(',')
        .filter_map(|a| Ability::parse(a).ok())
        .collect()
}

/// An invitation as the inviter writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GuestInvite {
    pub email: Email,
    pub name: String,
    /// The organisation the guest comes from (a partner, a school, another government).
    pub affiliation: String,
    pub abilities: Vec<Ability>,
    /// How many days the invitation and the access it gives last.
    pub days: i64,
}

impl GuestInvite {
    /// Checks every field: `email`, `name` and `affiliation` are required, `abilities` are
    /// `comment` and/or `upload` (none: reading only), `days` is 1 to [`MAX_DAYS`] (empty:
    /// [`DEFAULT_DAYS`]).
    pub fn parse(
        email: &str,
        name: &str,
        affiliation: &str,
        abilities: &[String],
        days: &str,
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let email = c.take(Email::parse(email));
        let name = c.take(text("name", name, 200));
        let affiliation = c.take(text("affiliation", affiliation, 200));
        let mut abilities = c
            .take(
                abilities
                    .iter()
                    .filter(|a| !a.trim().is_empty())
                    .map(|a| Ability::parse(a))
                    .collect::<Result<Vec<_>, _>>(),
            )
            .unwrap_or_default();
        abilities.sort();
        abilities.dedup();
        let days = c.take(parse_days(days));
        c.build(|| {
            Some(GuestInvite {
                email: email?,
                name: name?,
                affiliation: affiliation?,
                abilities,
                days: days?,
            })
        })
    }

    /// When the invitation made at `now` ends.
    pub fn expires_at(&self, now: DateTime<Utc>) -> DateTime<Utc> {
        now + Duration::days(self.days)
    }
}

fn parse_days(raw: &str) -> Result<i64, Invalid> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(DEFAULT_DAYS);
    }
    match raw.parse::<i64>() {
        Ok(d) if (1..=MAX_DAYS).contains(&d) => Ok(d),
        _ => Err(Invalid::one(
            "days",
            "range",
            &format!("geef een aantal dagen van 1 tot en met {MAX_DAYS}"),
        )),
    }
}

/// Where an invitation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GrantState {
    /// Sent, not yet taken up.
    Invited,
    /// Taken up: the guest has access.
    Active,
    /// Past its end: no access, the link no longer works.
    Expired,
    /// Withdrawn by the organisation.
    Revoked,
}

impl GrantState {
    pub const ALL: [GrantState; 4] = [
        GrantState::Invited,
        GrantState::Active,
        GrantState::Expired,
        GrantState::Revoked,
    ];

    /// The state of an invitation accepted or not, revoked or not, ending at `expires_at`.
    pub fn of(
        accepted: bool,
        revoked: bool,
        expires_at: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Self {
        if revoked {
            GrantState::Revoked
        } else if expires_at <= now {
            GrantState::Expired
        } else if accepted {
            GrantState::Active
        } else {
            GrantState::Invited
        }
    }
}

/// How the audit log names a guest: their address and the organisation they come from.
pub fn audit_label(email: &str, affiliation: &str) -> String {
    format!("{email} (gast, {affiliation})")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn an_invitation_needs_an_address_a_name_and_where_the_guest_comes_from() {
        let i = GuestInvite::parse(
            " Student@HAN.nl ",
            "Sam",
            "Hogeschool",
            &s(&["upload", "comment", "comment"]),
            "",
        )
        .unwrap();
        assert_eq!(i.email.as_str(), "student@han.nl");
        assert_eq!(i.abilities, vec![Ability::Comment, Ability::Upload]);
        assert_eq!(i.days, DEFAULT_DAYS);
        let e = GuestInvite::parse("geen-adres", "", "", &s(&["delete"]), "0").unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            fields,
            ["email", "name", "affiliation", "abilities", "days"]
        );
    }

    #[test]
    fn reading_only_needs_no_ability_and_days_stay_within_a_year() {
        let i = GuestInvite::parse("a@b.nl", "A", "B", &s(&["", " "]), "365").unwrap();
        assert!(i.abilities.is_empty());
        assert_eq!(i.days, 365);
        for bad in ["366", "-1", "drie", "1.5"] {
            assert!(
                GuestInvite::parse("a@b.nl", "A", "B", &[], bad).is_err(),
                "{bad}"
            );
        }
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
        assert_eq!(
            i.expires_at(now),
            Utc.with_ymd_and_hms(2027, 12, 5, 12, 0, 0).unwrap()
        );
    }

    #[test]
    fn an_invitation_ends_when_revoked_or_expired() {
        let now = Utc.with_ymd_and_hms(2026, 12, 5, 12, 0, 0).unwrap();
        let later = now + Duration::days(1);
        let earlier = now - Duration::seconds(1);
        assert_eq!(
            GrantState::of(false, false, later, now),
            GrantState::Invited
        );
        assert_eq!(GrantState::of(true, false, later, now), GrantState::Active);
        assert_eq!(
            GrantState::of(true, false, earlier, now),
            GrantState::Expired
        );
        assert_eq!(GrantState::of(true, false, now, now), GrantState::Expired);
        assert_eq!(GrantState::of(true, true, later, now), GrantState::Revoked);
    }

    #[test]
    fn names_roundtrip() {
        for k in GuestObject::ALL {
            assert_eq!(GuestObject::parse(k.as_str()), Some(k));
        }
        assert_eq!(GuestObject::parse("dataset"), None);
        assert!(
            GuestObject::Question
                .check(&[Ability::Comment, Ability::Upload])
                .is_ok()
        );
        assert!(
            GuestObject::MaturityReport
                .check(&[Ability::Comment])
                .is_ok()
        );
        assert!(
            GuestObject::MaturityReport
                .check(&[Ability::Upload])
                .is_err()
        );
        assert!(
            GuestObject::LearningProject
                .check(&[Ability::Comment, Ability::Upload])
                .is_ok()
        );
        let a = vec![Ability::Comment, Ability::Upload];
        assert_eq!(abilities_from_str(&abilities_to_str(&a)), a);
        assert!(abilities_from_str("").is_empty());
        assert_eq!(
            audit_label("sam@han.nl", "Hogeschool"),
            "sam@han.nl (gast, Hogeschool)"
        );
    }
}
