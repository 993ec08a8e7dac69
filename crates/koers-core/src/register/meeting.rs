//! A meeting of a body that decides (Gedeputeerde Staten, Provinciale Staten, the management
//! team): its name and date. Its agenda holds choices routed to the board that wait for a
//! decision, in an order; after the meeting the choices' outcomes form its decision list
//! (besluitenlijst).

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
}

impl MeetingDraft {
    /// The body's name and the date (`YYYY-MM-DD`), every problem at once.
    pub fn parse(body: &str, held_on: &str) -> Result<MeetingDraft, Invalid> {
        let mut c = Collector::default();
        let body = c.take(text("body", body, 80));
        let held_on = c.take(
            NaiveDate::parse_from_str(held_on.trim(), "%Y-%m-%d")
                .map_err(|_| Invalid::one("heldOn", "date", "moet een datum zijn als 2026-03-12")),
        );
        c.finish()?;
        match (body, held_on) {
            (Some(body), Some(held_on)) => Ok(MeetingDraft { body, held_on }),
            _ => Err(Invalid::one("body", "invalid", "ongeldige invoer")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_meeting_has_a_body_and_a_day() {
        let m = MeetingDraft::parse(" Gedeputeerde Staten ", "2026-03-12").unwrap();
        assert_eq!(m.body, "Gedeputeerde Staten");
        assert_eq!(m.held_on, NaiveDate::from_ymd_opt(2026, 3, 12).unwrap());
        let e = MeetingDraft::parse("", "12 maart").unwrap_err().0;
        let names: Vec<&str> = e.iter().map(|x| x.name.as_str()).collect();
        assert_eq!(names, ["body", "heldOn"]);
        assert!(MeetingDraft::parse(&"x".repeat(81), "2026-03-12").is_err());
        assert!(MeetingDraft::parse("GS", "2026-02-30").is_err());
    }
}
