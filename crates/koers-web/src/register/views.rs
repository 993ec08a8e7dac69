//! How the register's domain values read on a page and in the API, in either language.

use crate::i18n::{Lang, builtin, join, t, tr};
use crate::templates::{long_date, number};
use koers_core::register::choice::ChoiceStatus;
use koers_core::register::framework::{Condition, MatchedRule, Reason, Routing};
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

/// A rule's condition in words: `the AI risk group is high-risk AI or prohibited AI and …`.
pub fn condition_words(lang: Lang, c: &Condition) -> String {
    let or = |items: Vec<String>| match items.as_slice() {
        [init @ .., last] if !init.is_empty() => {
            format!("{} {} {last}", init.join(", "), t(lang, "list.or"))
        }
        _ => items.concat(),
    };
    let group = |conditions: &[Condition], key: &str| {
        let parts: Vec<String> = conditions
            .iter()
            .map(|c| match c {
                Condition::All { .. } | Condition::Any { .. } => {
                    format!("({})", condition_words(lang, c))
                }
                leaf => condition_words(lang, leaf),
            })
            .collect();
        parts.join(&format!(" {} ", t(lang, key)))
    };
    match c {
        Condition::All { conditions } => group(conditions, "cond.and"),
        Condition::Any { conditions } => group(conditions, "cond.or"),
        Condition::RiskGroupIs { value } => tr(
            lang,
            "cond.risk_group_in",
            &[("groups", &label(lang, "risk", value.as_str()))],
        ),
        Condition::RiskGroupIn { values } => tr(
            lang,
            "cond.risk_group_in",
            &[(
                "groups",
                &or(values
                    .iter()
                    .map(|v| label(lang, "risk", v.as_str()))
                    .collect()),
            )],
        ),
        Condition::ImpactsCitizens => t(lang, "cond.impacts_citizens"),
        Condition::CitizenImpactAtLeast { level } => tr(
            lang,
            "cond.citizen_impact_at_least",
            &[("impact", &label(lang, "impact", level.as_str()))],
        ),
        Condition::CostAbove { euros: n } => {
            tr(lang, "cond.cost_above", &[("limit", &euros(lang, *n))])
        }
        Condition::CoreDataOutsourced => t(lang, "routing.why.core_data_outsourced"),
        Condition::PersonalData => t(lang, "routing.why.personal_data"),
        Condition::ChoiceTypeIn { values } => tr(
            lang,
            "routing.why.choice_type",
            &[(
                "type",
                &or(values
                    .iter()
                    .map(|v| label(lang, "ctype", v.as_str()))
                    .collect()),
            )],
        ),
    }
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

/// A document a board's secretary downloads, as PDF or as OpenDocument text (to edit and
/// upload to iBabs, NotuBiz or the like).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Pdf,
    Odt,
}

impl DocFormat {
    /// The file for `doc` named `stem`: its content type, its name and its bytes.
    pub fn file(
        self,
        doc: &koers_pdf::Document,
        stem: &str,
        lang: Lang,
    ) -> (&'static str, String, Vec<u8>) {
        match self {
            DocFormat::Pdf => (
                "application/pdf",
                format!("{stem}.pdf"),
                koers_pdf::render(doc),
            ),
            DocFormat::Odt => (
                "application/vnd.oasis.opendocument.text",
                format!("{stem}.odt"),
                koers_pdf::render_odt(doc, lang.code()),
            ),
        }
    }
}

/// One proposal ("voorstel"): context, options with their pros and cons, the proposed option
/// and why, the advice, the routing and the instruments it asks, and how far the application's
/// pre-scan and AI Act assessment are.
fn push_proposal(
    doc: &mut koers_pdf::Document,
    heading: String,
    x: &koers_app::register::AgendaItem,
    lang: Lang,
) {
    use koers_pdf::{Block, Table};
    let c = &x.choice.record.choice;
    doc.push(Block::Heading(heading));
    doc.push(Block::Note(format!(
        "{} · {} · {} {}",
        x.application.draft.name,
        label(lang, "cstatus", c.status.as_str()),
        t(lang, "register.version"),
        c.revision + 1
    )));
    doc.push(Block::Subheading(t(lang, "register.c.context")));
    doc.push(Block::Paragraph(c.context.clone()));
    doc.push(Block::Subheading(t(lang, "register.c.options")));
    doc.push(Block::Table(Table {
        header: vec![
            t(lang, "register.c.title"),
            t(lang, "register.pros"),
            t(lang, "register.cons"),
        ],
        rows: c
            .options
            .iter()
            .map(|o| vec![o.title.clone(), o.pros.join("; "), o.cons.join("; ")])
            .collect(),
        weights: vec![2.0, 3.0, 3.0],
    }));
    if let Some(chosen) = c.proposed_option.as_ref().or(c.chosen_option.as_ref()) {
        doc.push(Block::Paragraph(format!(
            "{}: {chosen}. {}",
            t(lang, "register.proposed_option_was"),
            c.rationale.clone().unwrap_or_default()
        )));
    }
    if let Some(advice) = &c.advice {
        doc.push(Block::Subheading(t(lang, "register.c.advice")));
        doc.push(Block::Quote(format!(
            "{advice} ({})",
            c.advised_by.clone().unwrap_or_default()
        )));
    }
    doc.push(Block::Subheading(t(lang, "register.routing")));
    let r = &x.choice.routing;
    let instruments: Vec<String> = r
        .instruments
        .iter()
        .map(|i| label(lang, "instrument", i.as_str()))
        .collect();
    doc.push(Block::Paragraph(format!(
        "{} {}: {}",
        explanation(lang, r),
        t(lang, "register.c.instruments"),
        if instruments.is_empty() {
            "—".into()
        } else {
            instruments.join(", ")
        }
    )));
    // What has been done of the instruments: the pre-scan's outcome and the AI Act assessment.
    let mut done = Vec::new();
    if let Some(p) = koers_app::register::prescan_result(&x.application) {
        let needed: Vec<String> = [
            ("dpia", p.dpia),
            ("dtia", p.dtia),
            ("kia", p.kia),
            ("iama", p.iama),
        ]
        .into_iter()
        .filter(|(_, n)| *n)
        .map(|(i, _)| label(lang, "instrument", i))
        .collect();
        done.push(tr(
            lang,
            "register.doc.prescan",
            &[(
                "needed",
                &if needed.is_empty() {
                    "—".into()
                } else {
                    needed.join(", ")
                },
            )],
        ));
    } else {
        done.push(t(lang, "register.doc.no_prescan"));
    }
    // How far the Algoritmekader's measures for this application are carried out.
    let (_, measures) = koers_app::register::requirements_of(&x.application);
    let done_measures = measures
        .iter()
        .filter(|m| {
            x.application.measures.get(&m.urn).map(|s| s.status)
                == Some(koers_core::register::requirements::MeasureStatus::Done)
        })
        .count();
    done.push(tr(
        lang,
        "register.doc.measures",
        &[
            ("done", &done_measures.to_string()),
            ("total", &measures.len().to_string()),
        ],
    ));
    if let Some(g) = x.application.draft.risk_group() {
        done.push(tr(
            lang,
            "register.doc.ai_act",
            &[("group", &label(lang, "risk", g.as_str()))],
        ));
    }
    doc.push(Block::Subheading(t(lang, "register.doc.instruments_done")));
    doc.push(Block::Paragraph(done.join(" ")));
    // The evidence the proposal rests on, each verifiable by its hash.
    if !x.evidence.is_empty() {
        doc.push(Block::Subheading(t(lang, "register.c.evidence")));
        doc.push(Block::Table(Table {
            header: vec![
                t(lang, "register.c.title"),
                t(lang, "register.doc.frozen_on"),
                t(lang, "register.doc.hash"),
            ],
            rows: x
                .evidence
                .iter()
                .map(|s| {
                    vec![
                        s.title.clone(),
                        s.created_at.chars().take(10).collect(),
                        s.content_hash.chars().take(16).collect(),
                    ]
                })
                .collect(),
            weights: vec![4.0, 2.0, 3.0],
        }));
    }
}

fn agenda_table(a: &koers_app::register::MeetingAgenda, lang: Lang) -> koers_pdf::Block {
    koers_pdf::Block::Table(koers_pdf::Table {
        header: vec![
            "#".into(),
            t(lang, "register.c.title"),
            t(lang, "register.application"),
        ],
        rows: a
            .items
            .iter()
            .enumerate()
            .map(|(i, x)| {
                vec![
                    (i + 1).to_string(),
                    x.choice.record.choice.title.clone(),
                    x.application.draft.name.clone(),
                ]
            })
            .collect(),
        weights: vec![0.5, 4.0, 4.0],
    })
}

fn decision_table(a: &koers_app::register::MeetingAgenda, lang: Lang) -> koers_pdf::Block {
    use koers_pdf::{Block, Table};
    let rows: Vec<Vec<String>> = a
        .items
        .iter()
        .enumerate()
        .filter(|(_, x)| x.choice.record.choice.status.has_outcome())
        .map(|(i, x)| {
            let c = &x.choice.record.choice;
            vec![
                (i + 1).to_string(),
                c.title.clone(),
                label(lang, "cstatus", c.status.as_str()),
                // Only a decision chooses an option; otherwise it is the one proposed.
                c.chosen_option
                    .clone()
                    .filter(|_| c.status == ChoiceStatus::Decided)
                    .unwrap_or_default(),
                c.board_reason
                    .clone()
                    .or_else(|| c.deferred_to.clone())
                    .unwrap_or_default(),
                x.choice.record.board_reference.clone().unwrap_or_default(),
            ]
        })
        .collect();
    if rows.is_empty() {
        return Block::Paragraph(t(lang, "register.decision_list_empty"));
    }
    Block::Table(Table {
        header: vec![
            "#".into(),
            t(lang, "register.c.title"),
            t(lang, "register.c.status"),
            t(lang, "register.c.chosenOption"),
            t(lang, "register.c.board_reason"),
            t(lang, "register.c.reference"),
        ],
        rows,
        weights: vec![0.5, 3.0, 1.5, 2.0, 3.0, 1.5],
    })
}

fn titled(title: String, footer: String) -> koers_pdf::Document {
    let mut doc = koers_pdf::Document::new(title.clone());
    doc.footer = Some(footer);
    doc.push(koers_pdf::Block::Title(title));
    doc
}

/// A document of `m` titled `what` (a locale key) with the meeting's body and date, which
/// its footer repeats.
fn meeting_titled(
    m: &koers_app::register::MeetingRecord,
    what: &str,
    lang: Lang,
) -> koers_pdf::Document {
    let held_on = long_date(lang, &m.held_on);
    titled(
        format!("{} {}, {held_on}", t(lang, what), m.body),
        format!("koers · {}, {held_on}", m.body),
    )
}

/// A meeting's documents a board's secretary can upload: the agenda, each proposal, and the
/// decision list so far.
pub fn meeting_document(a: &koers_app::register::MeetingAgenda, lang: Lang) -> koers_pdf::Document {
    use koers_pdf::Block;
    let mut doc = meeting_titled(&a.meeting, "register.meeting_documents", lang);
    doc.push(Block::Heading(t(lang, "register.meeting_agenda")));
    doc.push(agenda_table(a, lang));
    for (i, x) in a.items.iter().enumerate() {
        doc.push(Block::PageBreak);
        let heading = format!(
            "{}. {} — {}",
            i + 1,
            t(lang, "register.proposal"),
            x.choice.record.choice.title
        );
        push_proposal(&mut doc, heading, x, lang);
    }
    doc.push(Block::PageBreak);
    doc.push(Block::Heading(t(lang, "register.decision_list")));
    doc.push(decision_table(a, lang));
    doc
}

/// The decision list ("besluitenlijst") of a meeting: each item with an outcome, its
/// decision or reason and the board's reference.
pub fn decision_list_document(
    a: &koers_app::register::MeetingAgenda,
    lang: Lang,
) -> koers_pdf::Document {
    let mut doc = meeting_titled(&a.meeting, "register.decision_list", lang);
    doc.push(decision_table(a, lang));
    doc
}

/// One proposal by itself.
pub fn proposal_document(x: &koers_app::register::AgendaItem, lang: Lang) -> koers_pdf::Document {
    let title = format!(
        "{} — {}",
        t(lang, "register.proposal"),
        x.choice.record.choice.title
    );
    let mut doc = titled(
        title.clone(),
        format!("koers · {}", x.application.draft.name),
    );
    push_proposal(&mut doc, x.application.draft.name.clone(), x, lang);
    doc
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
