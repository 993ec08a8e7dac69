//! A meeting of a body that decides (Gedeputeerde Staten, Provinciale Staten, the management
//! team): its name and date. Its agenda holds choices routed to the board that wait for a
//! decision, in an order; after the meeting the choices' outcomes form its decision list
//! (besluitenlijst).

use super::framework::DecisionLevel;
use crate::error::{Collector, Invalid, text};
use chrono::NaiveDate;
use serde::Serialize;

/// The bodies a province's choices usually go to, offered in the form; any other name (up
/// to 80 characters) is accepted too.
pub const BODIES: [&str; 3] = [
    "Gedeputeerde Staten",
    "Provinciale Staten",
    "Managementteam",
];

/// A meeting to record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MeetingDraft {
    pub body: String,
    pub held_on: NaiveDate,
    /// The level whose choices the body decides: its agenda is built from them.
    pub level: DecisionLevel,
}

impl MeetingDraft {
    /// The body's name, the date (`YYYY-MM-DD`) and the level it decides at (`management` or
    /// `board`; empty: the management for a management team, else the board), every problem
    /// at once.
    pub fn parse(body: &str, held_on: &str, level: &str) -> Result<MeetingDraft, Invalid> {
        let mut c = Collector::default();
        let body = c.take(text("body", body, 80));
        let held_on = c.take(
            NaiveDate::parse_from_str(held_on.trim(), "%Y-%m-%d")
                .map_err(|_| Invalid::one("heldOn", "date", "moet een datum zijn als 2026-03-12")),
        );
        let level = c.take(match level.trim() {
            "" => Ok(None),
            "management" => Ok(Some(DecisionLevel::Management)),
            "board" => Ok(Some(DecisionLevel::Board)),
            _ => Err(Invalid::one(
                "level",
                "enum",
                "moet management of board zijn",
            )),
        });
        c.build(|| {
            let body = body?;
            Some(MeetingDraft {
                level: level?.unwrap_or_else(|| Self::level_of(&body)),
                body,
                held_on: held_on?,
            })
        })
    }

    /// The level a body decides at when none is named: a management team decides for the
    /// management, any other body for the board.
    pub fn level_of(body: &str) -> DecisionLevel {
        let b = body.to_lowercase();
        if b.contains("management") || b.contains("directie") || b == "mt" {
            DecisionLevel::Management
        } else {
            DecisionLevel::Board
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_has_a_body_and_a_day() {
        let m = MeetingDraft::parse(" Gedeputeerde Staten ", "2026-03-12", "").unwrap();
        assert_eq!(m.body, "Gedeputeerde Staten");
        assert_eq!(m.held_on, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap());
        assert_eq!(m.level, DecisionLevel::Board);
        let e = MeetingDraft::parse("", "12 maart", "koning").unwrap_err().0;
        let names: Vec<&str> = e.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["body", "heldOn", "level"]);
        assert!(MeetingDraft::parse(&"x".repeat(81), "2026-03-12", "").is_err());
        assert!(MeetingDraft::parse("GS", "2026-02-30", "").is_err());
    }

    #[test]
    fn a_management_team_decides_for_the_management_unless_told_otherwise() {
        let mt = MeetingDraft::parse("Managementteam", "2026-03-12", "").unwrap();
        assert_eq!(mt.level, DecisionLevel::Management);
        let named = MeetingDraft::parse("Directieoverleg", "2026-03-12", "board").unwrap();
        assert_eq!(named.level, DecisionLevel::Board);
    }
}
