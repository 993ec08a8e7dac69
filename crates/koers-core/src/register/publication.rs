//! Public accountability (Woo, Wet open overheid): a decided or rejected choice can be
//! published on the organisation's public page of decisions — its title, outcome, date, the
//! body that took it, the decision and its rationale — leaving out the fields marked for
//! redaction. The title, the outcome and the date are always public: a decision without them
//! says nothing.

use super::choice::{Choice, ChoiceStatus};
use crate::error::Invalid;
use serde::{Deserialize, Serialize};

/// A part of a decision that may be left out of its publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WooField {
    /// The context of the proposal.
    Context,
    /// The option decided on.
    Decision,
    /// Why it was decided so (or rejected).
    Rationale,
    /// The body or person who decided.
    Body,
    /// The body's reference (decision number).
    Reference,
}

impl WooField {
    pub const ALL: [WooField; 5] = [
        WooField::Context,
        WooField::Decision,
        WooField::Rationale,
        WooField::Body,
        WooField::Reference,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            WooField::Context => "context",
            WooField::Decision => "decision",
            WooField::Rationale => "rationale",
            WooField::Body => "body",
            WooField::Reference => "reference",
        }
    }

    /// The fields named in `raw` (codes as in [`WooField::as_str`]), each once, in order.
    pub fn parse_all(raw: &[String]) -> Result<Vec<WooField>, Invalid> {
        let mut out = Vec::new();
        for r in raw.iter().map(|r| r.trim()).filter(|r| !r.is_empty()) {
            match WooField::ALL.into_iter().find(|f| f.as_str() == r) {
                Some(f) if !out.contains(&f) => out.push(f),
                Some(_) => {}
                None => {
                    return Err(Invalid::one(
                        "redacted",
                        "enum",
                        "kies uit context, decision, rationale, body en reference",
                    ));
                }
            }
        }
        out.sort();
        Ok(out)
    }
}

/// A decision as the public reads it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WooRecord {
    pub title: String,
    /// `decided` or `rejected`.
    pub outcome: String,
    /// The day it was decided or rejected, `YYYY-MM-DD`.
    pub date: Option<String>,
    pub body: Option<String>,
    pub context: Option<String>,
    pub decision: Option<String>,
    pub rationale: Option<String>,
    pub reference: Option<String>,
    /// What was left out, so a reader knows something was.
    pub redacted: Vec<WooField>,
}

/// Whether a choice in this status can be published: only once decided or rejected.
pub fn publishable(status: ChoiceStatus) -> Result<(), Invalid> {
    match status {
        ChoiceStatus::Decided | ChoiceStatus::Rejected => Ok(()),
        _ => Err(Invalid::one(
            "status",
            "not_decided",
            "alleen een besloten of afgewezen keuze wordt openbaar gemaakt",
        )),
    }
}

/// The public record of a decided or rejected choice, without the `redacted` fields.
pub fn woo_record(c: &Choice, reference: Option<&str>, redacted: &[WooField]) -> WooRecord {
    let keep = |f: WooField, v: Option<String>| {
        v.filter(|v| !v.trim().is_empty())
            .filter(|_| !redacted.contains(&f))
    };
    // A rejection's rationale is the board's reason; a decision's the proposal's rationale,
    // or the board's where it chose another option.
    let rationale = match c.status {
        ChoiceStatus::Rejected => c.board_reason.clone(),
        _ => c.board_reason.clone().or_else(|| c.rationale.clone()),
    };
    WooRecord {
        title: c.title.clone(),
        outcome: c.status.as_str().into(),
        date: c.decided_on.map(|d| d.to_string()),
        body: keep(WooField::Body, c.decided_by.clone()),
        context: keep(WooField::Context, Some(c.context.clone())),
        decision: keep(
            WooField::Decision,
            c.chosen_option
                .clone()
                .filter(|_| c.status == ChoiceStatus::Decided),
        ),
        rationale: keep(WooField::Rationale, rationale),
        reference: keep(WooField::Reference, reference.map(str::to_string)),
        redacted: redacted.to_vec(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::choice::{ChoiceInput, Transition};

    fn decided() -> Choice {
        let mut c = Choice::parse(&ChoiceInput {
            title: "Hosting".into(),
            choice_type: "hosting".into(),
            context: "Waar draait het?".into(),
            options: vec![
                crate::register::choice::OptionInput {
                    title: "Eigen rekencentrum".into(),
                    ..Default::default()
                },
                crate::register::choice::OptionInput {
                    title: "Publieke cloud".into(),
                    ..Default::default()
                },
            ],
            chosen_option: "Eigen rekencentrum".into(),
            rationale: "soevereiniteit.".into(),
            ..Default::default()
        })
        .unwrap();
        c.transition(
            Transition::Advised {
                advice: "Doen.".into(),
                adviser: "CIO".into(),
            },
            "adviser",
        )
        .unwrap();
        c.transition(
            Transition::Decided {
                date: chrono::NaiveDate::from_ymd_opt(2026, 3, 12),
                decision_maker: "Gedeputeerde Staten".into(),
                option: String::new(),
                rationale: String::new(),
            },
            "board",
        )
        .unwrap();
        c
    }

    #[test]
    fn only_decided_or_rejected_choices_are_published() {
        assert!(publishable(ChoiceStatus::Decided).is_ok());
        assert!(publishable(ChoiceStatus::Rejected).is_ok());
        for s in [
            ChoiceStatus::Proposed,
            ChoiceStatus::Advised,
            ChoiceStatus::Deferred,
            ChoiceStatus::SentBack,
            ChoiceStatus::Superseded,
        ] {
            assert!(publishable(s).is_err(), "{s:?}");
        }
    }

    #[test]
    fn redacted_fields_are_left_out_and_named() {
        let c = decided();
        let all = woo_record(&c, Some("GS-12"), &[]);
        assert_eq!(all.decision.as_deref(), Some("Eigen rekencentrum"));
        assert_eq!(all.rationale.as_deref(), Some("soevereiniteit."));
        assert_eq!(all.body.as_deref(), Some("Gedeputeerde Staten"));
        assert_eq!(all.date.as_deref(), Some("2026-03-12"));
        let some = woo_record(
            &c,
            Some("GS-12"),
            &WooField::parse_all(&["rationale".into(), "context".into()]).unwrap(),
        );
        assert_eq!(some.rationale, None);
        assert_eq!(some.context, None);
        assert_eq!(some.title, "Hosting");
        assert_eq!(some.reference.as_deref(), Some("GS-12"));
        assert_eq!(some.redacted, vec![WooField::Context, WooField::Rationale]);
    }

    #[test]
    fn unknown_fields_are_refused() {
        assert!(WooField::parse_all(&["title".into()]).is_err());
        assert_eq!(
            WooField::parse_all(&["body".into(), "body".into(), " ".into()]).unwrap(),
            vec![WooField::Body]
        );
    }
}
