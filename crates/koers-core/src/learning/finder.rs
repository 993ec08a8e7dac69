//! Finding participants in a cohort. A coordinator with 140 people looks one up by a piece
//! of a name, an e-mail address, a department or a job title, or lists who has no group yet,
//! who waits for a place, who has not yet earned the certificate, or who falls short of the
//! attendance rule.

use super::Missing;
use crate::error::{Collector, Invalid, parse_enum};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// The longest search text accepted.
pub const MAX_SEARCH: usize = 200;

/// Which group a participant must be in.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GroupFilter {
    /// Anyone.
    #[default]
    Any,
    /// In no group and on no waiting list.
    Without,
    /// On a group's waiting list.
    Waiting,
    /// In this group (its id).
    In(String),
}

/// Where a participant must stand against the programme's completion rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum StandingFilter {
    #[default]
    Any,
    /// The certificate is earned.
    Complete,
    /// Something is still missing.
    Incomplete,
    /// Attendance is below the programme's minimum.
    BelowAttendance,
}

impl StandingFilter {
    pub const ALL: [StandingFilter; 4] = [
        StandingFilter::Any,
        StandingFilter::Complete,
        StandingFilter::Incomplete,
        StandingFilter::BelowAttendance,
    ];

    /// The value in a query string; empty for any.
    pub fn as_str(self) -> &'static str {
        match self {
            StandingFilter::Any => "",
            StandingFilter::Complete => "complete",
            StandingFilter::Incomplete => "incomplete",
            StandingFilter::BelowAttendance => "below_attendance",
        }
    }
}

/// What the filter looks at of one participant.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Name, e-mail address, department and job title.
    pub texts: [&'a str; 4],
    pub group_id: Option<&'a str>,
    pub waiting: bool,
    /// What is missing for the certificate (empty: earned).
    pub missing: &'a [Missing],
}

/// A coordinator's question to the participant list: every word of the search must occur in
/// one of the participant's texts (case and accents aside), and the group and standing must
/// match.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ParticipantFilter {
    words: Vec<String>,
    pub group: GroupFilter,
    pub standing: StandingFilter,
}

impl ParticipantFilter {
    /// Reads the three fields as a query string gives them: `search` free text, `group`
    /// empty, `none`, `waiting` or the id of one of `groups`, `standing` empty or one of
    /// [`StandingFilter::as_str`]. Every problem at once.
    pub fn parse(
        search: &str,
        group: &str,
        standing: &str,
        groups: &[&str],
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let search = search.trim();
        let words = c.take(if search.chars().count() > MAX_SEARCH {
            Err(Invalid::one(
                "search",
                "too_long",
                &format!("mag hoogstens {MAX_SEARCH} tekens zijn"),
            ))
        } else {
            Ok(fold(search)
                .split_whitespace()
                .map(str::to_string)
                .collect::<Vec<_>>())
        });
        let group = c.take(match group.trim() {
            "" => Ok(GroupFilter::Any),
            "none" => Ok(GroupFilter::Without),
            "waiting" => Ok(GroupFilter::Waiting),
            id if groups.contains(&id) => Ok(GroupFilter::In(id.to_string())),
            _ => Err(Invalid::one(
                "group",
                "unknown",
                "is geen groep van dit cohort",
            )),
        });
        let standing = c.take(parse_enum(
            "standing",
            standing,
            &StandingFilter::ALL,
            StandingFilter::as_str,
            "is geen keuze uit de lijst",
        ));
        c.build(|| {
            Some(ParticipantFilter {
                words: words?,
                group: group?,
                standing: standing?,
            })
        })
    }

    /// Whether it lets everyone through.
    pub fn is_any(&self) -> bool {
        *self == ParticipantFilter::default()
    }

    pub fn matches(&self, c: &Candidate) -> bool {
        let texts: Vec<String> = c.texts.iter().map(|t| fold(t)).collect();
        let words = self
            .words
            .iter()
            .all(|w| texts.iter().any(|t| t.contains(w.as_str())));
        let group = match &self.group {
            GroupFilter::Any => true,
            GroupFilter::Without => c.group_id.is_none() && !c.waiting,
            GroupFilter::Waiting => c.waiting,
            GroupFilter::In(id) => c.group_id == Some(id.as_str()),
        };
        let standing = match self.standing {
            StandingFilter::Any => true,
            StandingFilter::Complete => c.missing.is_empty(),
            StandingFilter::Incomplete => !c.missing.is_empty(),
            StandingFilter::BelowAttendance => c
                .missing
                .iter()
                .any(|m| matches!(m, Missing::Attendance { .. })),
        };
        words && group && standing
    }
}

/// Text as a search compares it: lower case, without accents (`José` is `jose`).
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const GROUPS: [&str; 2] = ["g1", "g2"];

    fn anna<'a>(missing: &'a [Missing]) -> Candidate<'a> {
        Candidate {
            texts: [
                "Anna de Vries",
                "anna@example.org",
                "Ruimte",
                "Beleidsadviseur",
            ],
            group_id: Some("g1"),
            waiting: false,
            missing,
        }
    }

    fn filter(search: &str, group: &str, standing: &str) -> ParticipantFilter {
        ParticipantFilter::parse(search, group, standing, &GROUPS).unwrap()
    }

    #[test]
    fn folding_drops_case_and_accents() {
        assert_eq!(fold("José Ünal-Çelik"), "jose unal-celik");
        assert_eq!(fold("Zoë"), "zoe");
    }

    #[test]
    fn every_word_must_occur_in_some_text() {
        assert!(filter("de vries", "", "").matches(&anna(&[])));
        assert!(filter("VRIES ruimte", "", "").matches(&anna(&[])));
        assert!(filter("example.org", "", "").matches(&anna(&[])));
        assert!(!filter("vries mobiliteit", "", "").matches(&anna(&[])));
        let jose = Candidate {
            texts: ["José Bakker", "", "", ""],
            ..anna(&[])
        };
        assert!(filter("jose", "", "").matches(&jose));
        assert!(filter("  ", "", "").is_any());
    }

    #[test]
    fn group_filters() {
        assert!(filter("", "g1", "").matches(&anna(&[])));
        assert!(!filter("", "g2", "").matches(&anna(&[])));
        assert!(!filter("", "none", "").matches(&anna(&[])));
        let loose = Candidate {
            group_id: None,
            ..anna(&[])
        };
        assert!(filter("", "none", "").matches(&loose));
        assert!(!filter("", "waiting", "").matches(&loose));
        let waiting = Candidate {
            waiting: true,
            ..loose
        };
        assert!(filter("", "waiting", "").matches(&waiting));
        assert!(!filter("", "none", "").matches(&waiting));
    }

    #[test]
    fn standing_filters() {
        let short = [Missing::Attendance {
            percent: 50,
            required: 80,
        }];
        let modules = [Missing::Modules { done: 1, total: 5 }];
        assert!(filter("", "", "complete").matches(&anna(&[])));
        assert!(!filter("", "", "complete").matches(&anna(&modules)));
        assert!(filter("", "", "incomplete").matches(&anna(&modules)));
        assert!(filter("", "", "below_attendance").matches(&anna(&short)));
        assert!(!filter("", "", "below_attendance").matches(&anna(&modules)));
    }

    #[test]
    fn bad_input_names_every_field() {
        let long = "x".repeat(MAX_SEARCH + 1);
        let e = ParticipantFilter::parse(&long, "g9", "late", &GROUPS).unwrap_err();
        let fields: Vec<_> =
            e.0.iter()
                .map(|f| (f.name.as_str(), f.code.as_str()))
                .collect();
        assert_eq!(
            fields,
            [
                ("search", "too_long"),
                ("group", "unknown"),
                ("standing", "enum")
            ]
        );
    }
}
