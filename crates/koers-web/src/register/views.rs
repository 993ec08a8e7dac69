//! How the register's domain values read on a page and in the API, in either language.

use crate::i18n::{Lang, builtin, join, t, tr};
use crate::templates::number;
use koers_core::register::framework::{MatchedRule, Reason, Routing};
use serde_json::{Value, json};

/// A code's label from the locales, as `reg.<group>.<code>`.
pub fn label(lang: Lang, group: &str, code: &str) -> String {
    t(lang, &format!("reg.{group}.{code}"))
}

fn euros(lang: Lang, n: u64) -> String {
    format!("€ {}", number(lang, n as f64))
}

/// One fact that made a rule hold, as a clause (`the AI risk group is high-risk AI`).
fn reason(lang: Lang, r: &Reason) -> String {
    match r {
        Reason::RiskGroup { group } => tr(
            lang,
            "routing.why.risk_group",
            &[("group", &label(lang, "risk", group.as_str()))],
        ),
        Reason::CitizenImpact { impact } => tr(
            lang,
            "routing.why.citizen_impact",
            &[("impact", &label(lang, "impact", impact.as_str()))],
        ),
        Reason::CitizenImpactAtLeast { impact, threshold } => tr(
            lang,
            "routing.why.citizen_impact_at_least",
            &[
                ("impact", &label(lang, "impact", impact.as_str())),
                ("threshold", &label(lang, "impact", threshold.as_str())),
            ],
        ),
        Reason::CostAbove { cost, limit } => tr(
            lang,
            "routing.why.cost_above",
            &[
                ("cost", &euros(lang, *cost)),
                ("limit", &euros(lang, *limit)),
            ],
        ),
        Reason::CoreDataOutsourced => t(lang, "routing.why.core_data_outsourced"),
        Reason::PersonalData => t(lang, "routing.why.personal_data"),
        Reason::ChoiceType { choice_type } => tr(
            lang,
            "routing.why.choice_type",
            &[("type", &label(lang, "ctype", choice_type.as_str()))],
        ),
    }
}

/// Why a rule matched, as one sentence part.
pub fn why(lang: Lang, m: &MatchedRule) -> String {
    let clauses: Vec<String> = m.reasons.iter().map(|r| reason(lang, r)).collect();
    join(lang, &clauses)
}

fn level(lang: Lang, r: &Routing) -> String {
    t(lang, &format!("level.{}", r.level.as_str()))
}

/// One sentence: at which level the choice is made, and which rules put it there.
pub fn explanation(lang: Lang, r: &Routing) -> String {
    let deciding: Vec<String> = r
        .deciding_rules()
        .map(|m| {
            tr(
                lang,
                "routing.rule",
                &[("rule", &builtin(lang, &m.rule)), ("why", &why(lang, m))],
            )
        })
        .collect();
    if deciding.is_empty() {
        tr(lang, "routing.none", &[("level", &level(lang, r))])
    } else {
        tr(
            lang,
            "routing.because",
            &[
                ("level", &level(lang, r)),
                ("rules", &join(lang, &deciding)),
            ],
        )
    }
}

/// The routing for a page: the level, instruments, each matched rule and the explanation.
pub fn routing_context(lang: Lang, r: &Routing) -> minijinja::Value {
    minijinja::context! {
        routing_level => level(lang, r),
        instruments => r.instruments.iter().map(|i| label(lang, "instrument", i.as_str())).collect::<Vec<_>>(),
        rules => r.matched_rules.iter().map(|m| minijinja::context! {
            rule => builtin(lang, &m.rule),
            why => why(lang, m),
            level => t(lang, &format!("level.{}", m.level.as_str())),
        }).collect::<Vec<_>>(),
        explanation => explanation(lang, r),
    }
}

/// The routing for the API: the domain value (with each rule's `reasons` as data), and the
/// same sentences as the page shows, in `lang`.
pub fn routing_json(lang: Lang, r: &Routing) -> Value {
    json!({
        "level": r.level,
        "instruments": r.instruments,
        "matched_rules": r.matched_rules.iter().map(|m| json!({
            "rule": m.rule,
            "reasons": m.reasons,
            "why": why(lang, m),
            "level": m.level,
            "instruments": m.instruments,
        })).collect::<Vec<_>>(),
        "explanation": explanation(lang, r),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use koers_core::register::application::AiActRiskGroup;
    use koers_core::register::choice::ChoiceType;
    use koers_core::register::framework::DecisionLevel;

    fn routing() -> Routing {
        Routing {
            level: DecisionLevel::Board,
            instruments: vec![],
            matched_rules: vec![
                MatchedRule {
                    rule: "Kosten".into(),
                    reasons: vec![Reason::CostAbove {
                        cost: 320_000,
                        limit: 250_000,
                    }],
                    level: DecisionLevel::Board,
                    instruments: vec![],
                },
                MatchedRule {
                    rule: "Cloud".into(),
                    reasons: vec![
                        Reason::ChoiceType {
                            choice_type: ChoiceType::Hosting,
                        },
                        Reason::RiskGroup {
                            group: AiActRiskGroup::HighRisk,
                        },
                    ],
                    level: DecisionLevel::Management,
                    instruments: vec![],
                },
            ],
        }
    }

    #[test]
    fn the_explanation_reads_in_either_language() {
        let r = routing();
        assert_eq!(
            explanation(Lang::Nl, &r),
            "De keuze wordt op niveau bestuur genomen vanwege regel \"Kosten\" (de kosten van € 320.000 per jaar liggen boven € 250.000)."
        );
        assert_eq!(
            explanation(Lang::En, &r),
            "The choice is made at board level because of rule \"Kosten\" (the cost of € 320,000 a year is above € 250,000)."
        );
        assert_eq!(
            why(Lang::En, &r.matched_rules[1]),
            "it is a choice about hosting and the AI risk group is high-risk AI"
        );
        let none = Routing {
            level: DecisionLevel::Official,
            instruments: vec![],
            matched_rules: vec![],
        };
        assert!(explanation(Lang::En, &none).starts_with("No rule of the choice framework"));
    }
}
