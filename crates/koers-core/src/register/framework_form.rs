//! The choice framework as a form: rules whose condition is built from clauses picked from
//! lists (AI Act risk group, personal data, cost above an amount, …) joined by "all" or "any",
//! instead of a JSON text. [`FrameworkForm`] holds what the form shows and sends — texts, as
//! typed — so a form with a mistake comes back as it was sent; [`FrameworkForm::parse`] turns
//! it into a [`Framework`] listing every problem under the form's own field names.
//!
//! Also here: what a new version would change — [`moves`] (which choices would go to another
//! level) and [`compare`] (two versions side by side, rule by rule).

use super::application::{AiActRiskGroup, ImpactLevel};
use super::choice::ChoiceType;
use super::framework::{Condition, Deciders, DecisionLevel, Framework, Instrument, Routing, Rule};
use crate::access::Role;
use crate::error::{FieldError, Invalid};
use serde::Serialize;
use std::collections::BTreeMap;

/// The kinds of clause the condition builder offers, as the form names them.
pub const CLAUSE_KINDS: [&str; 7] = [
    "risk_group_in",
    "personal_data",
    "cost_above",
    "core_data_outsourced",
    "impacts_citizens",
    "citizen_impact_at_least",
    "choice_type_in",
];

/// One clause of a rule's condition as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct ClauseForm {
    /// One of [`CLAUSE_KINDS`]; empty: no clause (the row is left out).
    pub kind: String,
    /// For `risk_group_in`.
    pub risk_groups: Vec<String>,
    /// For `citizen_impact_at_least`.
    pub impact: String,
    /// For `cost_above`: whole euros, as typed (`250.000` and `250000` both read).
    pub euros: String,
    /// For `choice_type_in`.
    pub choice_types: Vec<String>,
}

/// One rule as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct RuleForm {
    pub name: String,
    pub description: String,
    /// `all` (every clause holds) or `any` (at least one).
    pub join: String,
    pub clauses: Vec<ClauseForm>,
    /// A condition nested deeper than the builder shows (saved through the API), as JSON; kept
    /// as it is while `clauses` is empty.
    pub nested: String,
    pub level: String,
    pub instruments: Vec<String>,
}

/// Who decides at one level, as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct DecidersForm {
    pub level: String,
    pub roles: Vec<String>,
    pub members: Vec<String>,
}

/// The whole framework as the form holds it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize)]
pub struct FrameworkForm {
    pub name: String,
    pub rules: Vec<RuleForm>,
    /// One entry per level, lowest first.
    pub deciders: Vec<DecidersForm>,
}

impl ClauseForm {
    /// The clause a leaf condition is, or `None` for `all`/`any`.
    fn of(c: &Condition) -> Option<ClauseForm> {
        let kind = |k: &str| ClauseForm {
            kind: k.into(),
            ..ClauseForm::default()
        };
        Some(match c {
            Condition::All { .. } | Condition::Any { .. } => return None,
            Condition::RiskGroupIs { value } => ClauseForm {
                risk_groups: vec![value.as_str().into()],
                ..kind("risk_group_in")
            },
            Condition::RiskGroupIn { values } => ClauseForm {
                risk_groups: values.iter().map(|v| v.as_str().into()).collect(),
                ..kind("risk_group_in")
            },
            Condition::ImpactsCitizens => kind("impacts_citizens"),
            Condition::CitizenImpactAtLeast { level } => ClauseForm {
                impact: level.as_str().into(),
                ..kind("citizen_impact_at_least")
            },
            Condition::CostAbove { euros } => ClauseForm {
                euros: euros.to_string(),
                ..kind("cost_above")
            },
            Condition::CoreDataOutsourced => kind("core_data_outsourced"),
            Condition::PersonalData => kind("personal_data"),
            Condition::ChoiceTypeIn { values } => ClauseForm {
                choice_types: values.iter().map(|v| v.as_str().into()).collect(),
                ..kind("choice_type_in")
            },
        })
    }

    /// The condition this clause stands for; problems are named under `path`.
    fn condition(&self, path: &str, errs: &mut Vec<FieldError>) -> Option<Condition> {
        let mut fail = |field: &str, reason: &str| {
            errs.push(FieldError::new(
                format!("{path}.{field}"),
                "invalid",
                reason,
            ));
            None
        };
        match self.kind.as_str() {
            "risk_group_in" => {
                let values: Option<Vec<AiActRiskGroup>> = self
                    .risk_groups
                    .iter()
                    .map(|v| AiActRiskGroup::ALL.into_iter().find(|g| g.as_str() == v))
                    .collect();
                match values {
                    Some(v) if v.len() == 1 => Some(Condition::RiskGroupIs { value: v[0] }),
                    Some(v) if !v.is_empty() => Some(Condition::RiskGroupIn { values: v }),
                    _ => fail("risk_groups", "kies minstens één risicogroep"),
                }
            }
            "personal_data" => Some(Condition::PersonalData),
            "core_data_outsourced" => Some(Condition::CoreDataOutsourced),
            "impacts_citizens" => Some(Condition::ImpactsCitizens),
            "citizen_impact_at_least" => {
                match ImpactLevel::ALL
                    .into_iter()
                    .find(|l| l.as_str() == self.impact)
                {
                    Some(level) => Some(Condition::CitizenImpactAtLeast { level }),
                    None => fail("impact", "kies een niveau van impact"),
                }
            }
            "cost_above" => match whole_euros(&self.euros) {
                Some(euros) => Some(Condition::CostAbove { euros }),
                None => fail(
                    "euros",
                    "vul een bedrag in hele euro's in, zoals 250000 of 250.000",
                ),
            },
            "choice_type_in" => {
                let values: Option<Vec<ChoiceType>> = self
                    .choice_types
                    .iter()
                    .map(|v| ChoiceType::ALL.into_iter().find(|t| t.as_str() == v))
                    .collect();
                match values {
                    Some(v) if !v.is_empty() => Some(Condition::ChoiceTypeIn { values: v }),
                    _ => fail("choice_types", "kies minstens één soort keuze"),
                }
            }
            _ => fail("kind", "kies een soort voorwaarde uit de lijst"),
        }
    }
}

/// Whole euros as people type them: digits with optional `.`, `,` or space between thousands,
/// optionally after `€`.
fn whole_euros(raw: &str) -> Option<u64> {
    let t = raw.trim().trim_start_matches('€').trim();
    if t.is_empty() || !t.chars().all(|c| c.is_ascii_digit() || ".,  ".contains(c)) {
        return None;
    }
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    digits.parse().ok()
}

impl RuleForm {
    fn of(r: &Rule) -> RuleForm {
        let (join, clauses, nested) = match &r.condition {
            Condition::All { conditions } | Condition::Any { conditions } => {
                let join = if matches!(r.condition, Condition::All { .. }) {
                    "all"
                } else {
                    "any"
                };
                match conditions.iter().map(ClauseForm::of).collect() {
                    Some(clauses) => (join, clauses, String::new()),
                    None => (
                        join,
                        Vec::new(),
                        serde_json::to_string(&r.condition).unwrap_or_default(),
                    ),
                }
            }
            leaf => (
                "all",
                ClauseForm::of(leaf).into_iter().collect(),
                String::new(),
            ),
        };
        RuleForm {
            name: r.name.clone(),
            description: r.description.clone(),
            join: join.into(),
            clauses,
            nested,
            level: r.level.as_str().into(),
            instruments: r.instruments.iter().map(|i| i.as_str().into()).collect(),
        }
    }

    /// Whether nothing was filled in (an unused row of the form).
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.description.trim().is_empty()
            && self.nested.is_empty()
            && self.clauses.iter().all(|c| c.kind.is_empty())
    }

    fn rule(&self, path: &str, errs: &mut Vec<FieldError>) -> Rule {
        let clauses: Vec<Condition> = self
            .clauses
            .iter()
            .enumerate()
            .filter(|(_, c)| !c.kind.is_empty())
            .filter_map(|(j, c)| c.condition(&format!("{path}.clauses[{j}]"), errs))
            .collect();
        let filled = self.clauses.iter().filter(|c| !c.kind.is_empty()).count();
        let condition = if filled == 0 && !self.nested.is_empty() {
            serde_json::from_str(&self.nested).unwrap_or_else(|_| {
                errs.push(FieldError::new(
                    format!("{path}.clauses"),
                    "invalid",
                    "de samengestelde voorwaarde is onleesbaar; stel haar opnieuw samen",
                ));
                Condition::All { conditions: vec![] }
            })
        } else if filled == 0 {
            errs.push(FieldError::new(
                format!("{path}.clauses"),
                "required",
                "kies minstens één voorwaarde",
            ));
            Condition::All { conditions: vec![] }
        } else if clauses.len() == 1 && filled == 1 {
            clauses
                .into_iter()
                .next()
                .unwrap_or(Condition::All { conditions: vec![] })
        } else if self.join == "any" {
            Condition::Any {
                conditions: clauses,
            }
        } else {
            Condition::All {
                conditions: clauses,
            }
        };
        if !matches!(self.join.as_str(), "all" | "any") {
            errs.push(FieldError::new(
                format!("{path}.join"),
                "enum",
                "kies 'alle voorwaarden' of 'minstens één voorwaarde'",
            ));
        }
        let level = DecisionLevel::ALL
            .into_iter()
            .find(|l| l.as_str() == self.level)
            .unwrap_or_else(|| {
                errs.push(FieldError::new(
                    format!("{path}.level"),
                    "enum",
                    "kies het niveau waarop besloten wordt",
                ));
                DecisionLevel::Official
            });
        let mut instruments = Vec::new();
        for raw in &self.instruments {
            match Instrument::ALL.into_iter().find(|i| i.as_str() == raw) {
                Some(i) if !instruments.contains(&i) => instruments.push(i),
                Some(_) => {}
                None => errs.push(FieldError::new(
                    format!("{path}.instruments"),
                    "enum",
                    "kies instrumenten uit de lijst",
                )),
            }
        }
        Rule {
            name: self.name.trim().into(),
            description: self.description.trim().into(),
            condition,
            level,
            instruments,
        }
    }
}

impl FrameworkForm {
    /// The form of a saved framework.
    pub fn of(f: &Framework) -> FrameworkForm {
        FrameworkForm {
            name: f.name.clone(),
            rules: f.rules.iter().map(RuleForm::of).collect(),
            deciders: DecisionLevel::ALL
                .into_iter()
                .map(|level| {
                    let d = f.deciders(level);
                    DecidersForm {
                        level: level.as_str().into(),
                        roles: d.roles.iter().map(|r| r.as_str().into()).collect(),
                        members: d.members,
                    }
                })
                .collect(),
        }
    }

    /// Adds an empty rule with one empty clause, to be filled in.
    pub fn add_rule(&mut self) {
        self.rules.push(RuleForm {
            join: "all".into(),
            level: DecisionLevel::Official.as_str().into(),
            clauses: vec![ClauseForm::default()],
            ..RuleForm::default()
        });
    }

    /// Adds an empty clause to rule `i` (nothing when there is no such rule).
    pub fn add_clause(&mut self, i: usize) {
        if let Some(r) = self.rules.get_mut(i) {
            r.clauses.push(ClauseForm::default());
        }
    }

    /// Removes rule `i` (nothing when there is no such rule).
    pub fn remove_rule(&mut self, i: usize) {
        if i < self.rules.len() {
            self.rules.remove(i);
        }
    }

    /// The framework this form describes, as version `version` of `organisation`; every
    /// problem is named by the form's field (`rules[1].clauses[0].euros`, …). Blank rule rows
    /// are left out; `members` are the organisation's user ids a decider may be chosen from.
    pub fn parse(
        &self,
        organisation: &str,
        version: u32,
        members: &[String],
    ) -> Result<Framework, Invalid> {
        let mut errs = Vec::new();
        let rules: Vec<Rule> = self
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| !r.is_blank())
            .map(|(i, r)| r.rule(&format!("rules[{i}]"), &mut errs))
            .collect();
        let mut deciders = BTreeMap::new();
        for d in &self.deciders {
            let Some(level) = DecisionLevel::ALL
                .into_iter()
                .find(|l| l.as_str() == d.level)
            else {
                errs.push(FieldError::new("deciders", "enum", "onbekend niveau"));
                continue;
            };
            let path = format!("deciders.{}", level.as_str());
            let mut roles = Vec::new();
            for raw in &d.roles {
                match Role::ALL.into_iter().find(|r| r.as_str() == raw) {
                    Some(r) if !roles.contains(&r) => roles.push(r),
                    Some(_) => {}
                    None => errs.push(FieldError::new(
                        format!("{path}.roles"),
                        "enum",
                        "kies rollen uit de lijst",
                    )),
                }
            }
            if d.members.iter().any(|m| !members.contains(m)) {
                errs.push(FieldError::new(
                    format!("{path}.members"),
                    "unknown",
                    "kies leden van deze organisatie",
                ));
            }
            let chosen = Deciders {
                roles,
                members: d.members.clone(),
            };
            if chosen.roles.is_empty() && chosen.members.is_empty() {
                errs.push(FieldError::new(
                    format!("{path}.roles"),
                    "required",
                    "kies minstens één rol of lid dat op dit niveau besluit",
                ));
            } else if chosen != Deciders::default_for(level) {
                deciders.insert(level, chosen);
            }
        }
        let f = Framework {
            organisation: organisation.into(),
            version,
            name: self.name.trim().into(),
            rules,
            deciders,
        };
        if let Err(Invalid(more)) = f.validate() {
            // A rule with problems in its fields already says what is wrong with it; the
            // condition's problems belong to the rule's clauses in the form.
            let rule_of = |n: &str| n.split('.').next().unwrap_or_default().to_string();
            let reported: Vec<String> = errs.iter().map(|e| rule_of(&e.name)).collect();
            for mut m in more {
                let rule = rule_of(&m.name);
                if rule.starts_with("rules[") && reported.contains(&rule) {
                    continue;
                }
                if m.name.starts_with(&format!("{rule}.condition")) {
                    m.name = format!("{rule}.clauses");
                }
                errs.push(m);
            }
        }
        if errs.is_empty() {
            Ok(f)
        } else {
            Err(Invalid(errs))
        }
    }
}

/// How a choice would be routed differently under a new framework.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Move {
    pub before: Routing,
    pub after: Routing,
}

impl Move {
    /// Whether the level changes (and not only the instruments).
    pub fn changes_level(&self) -> bool {
        self.before.level != self.after.level
    }

    /// Instruments the new framework adds.
    pub fn instruments_added(&self) -> Vec<Instrument> {
        let mut v: Vec<Instrument> = self.after.instruments.clone();
        v.retain(|i| !self.before.instruments.contains(i));
        v
    }

    /// Instruments the new framework no longer asks for.
    pub fn instruments_dropped(&self) -> Vec<Instrument> {
        let mut v: Vec<Instrument> = self.before.instruments.clone();
        v.retain(|i| !self.after.instruments.contains(i));
        v
    }
}

/// How the choice with these facts moves from `old` to `new`: `None` when level and
/// instruments stay the same.
pub fn moves(old: &Framework, new: &Framework, facts: &super::framework::Facts) -> Option<Move> {
    let before = super::framework::evaluate_facts(old, facts);
    let after = super::framework::evaluate_facts(new, facts);
    (before.level != after.level || before.instruments != after.instruments)
        .then_some(Move { before, after })
}

/// One rule in a comparison of two versions: the rule of the same name in each.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleChange {
    pub name: String,
    pub before: Option<Rule>,
    pub after: Option<Rule>,
}

impl RuleChange {
    /// `added`, `removed`, `changed` or `same`.
    pub fn kind(&self) -> &'static str {
        match (&self.before, &self.after) {
            (None, Some(_)) => "added",
            (Some(_), None) => "removed",
            (Some(a), Some(b)) if a != b => "changed",
            _ => "same",
        }
    }
}

/// Two versions side by side: the rules of `a` in their order, each beside the rule of the
/// same name in `b`, then the rules only `b` has.
pub fn compare(a: &Framework, b: &Framework) -> Vec<RuleChange> {
    let mut out: Vec<RuleChange> = a
        .rules
        .iter()
        .map(|r| RuleChange {
            name: r.name.clone(),
            before: Some(r.clone()),
            after: b.rules.iter().find(|x| x.name == r.name).cloned(),
        })
        .collect();
    out.extend(
        b.rules
            .iter()
            .filter(|r| !a.rules.iter().any(|x| x.name == r.name))
            .map(|r| RuleChange {
                name: r.name.clone(),
                before: None,
                after: Some(r.clone()),
            }),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::super::framework::Facts;
    use super::*;

    fn names(e: &Invalid) -> Vec<&str> {
        e.0.iter().map(|f| f.name.as_str()).collect()
    }

    #[test]
    fn the_default_framework_goes_through_the_form_unchanged() {
        let f = Framework::default_for("pv26");
        let form = FrameworkForm::of(&f);
        assert_eq!(form.rules[0].clauses[0].kind, "risk_group_in");
        assert_eq!(form.rules[3].clauses[0].euros, "250000");
        assert_eq!(form.deciders.len(), 3);
        assert_eq!(form.parse("pv26", 1, &[]).unwrap(), f);
    }

    #[test]
    fn clauses_join_with_all_or_any_and_amounts_read_as_typed() {
        let mut form = FrameworkForm {
            name: "Kader".into(),
            ..FrameworkForm::default()
        };
        form.add_rule();
        let r = &mut form.rules[0];
        r.name = "Duur en persoonlijk".into();
        r.level = "management".into();
        r.join = "any".into();
        r.clauses[0] = ClauseForm {
            kind: "cost_above".into(),
            euros: "€ 100.000".into(),
            ..ClauseForm::default()
        };
        r.clauses.push(ClauseForm {
            kind: "personal_data".into(),
            ..ClauseForm::default()
        });
        // An unused row is left out.
        form.add_clause(0);
        form.add_rule();
        let f = form.parse("pv26", 2, &[]).unwrap();
        assert_eq!(f.rules.len(), 1);
        assert_eq!(
            f.rules[0].condition,
            Condition::Any {
                conditions: vec![
                    Condition::CostAbove { euros: 100_000 },
                    Condition::PersonalData
                ]
            }
        );
        assert_eq!(f.rules[0].level, DecisionLevel::Management);
    }

    #[test]
    fn every_problem_is_named_by_its_form_field() {
        let mut form = FrameworkForm::of(&Framework::default_for("pv26"));
        form.rules[3].clauses[0].euros = "veel".into();
        form.rules[0].clauses[0].risk_groups.clear();
        form.rules[1].name = String::new();
        form.rules[2].level = "koning".into();
        form.rules[4].clauses[0].kind = "maanstand".into();
        form.deciders[1].roles.clear();
        form.deciders[2].members = vec!["iemand-anders".into()];
        let e = form.parse("pv26", 2, &["u1".into()]).unwrap_err();
        let n = names(&e);
        for want in [
            "rules[3].clauses[0].euros",
            "rules[0].clauses[0].risk_groups",
            "rules[1].name",
            "rules[2].level",
            "rules[4].clauses[0].kind",
            "deciders.management.roles",
            "deciders.board.members",
        ] {
            assert!(n.contains(&want), "{want} missing in {n:?}");
        }
        // No English serde words reach the user.
        assert!(e.0.iter().all(|f| !f.reason.contains("expected")));
    }

    #[test]
    fn a_rule_nested_deeper_than_the_builder_is_kept() {
        let mut f = Framework::default_for("pv26");
        f.rules[0].condition = Condition::All {
            conditions: vec![
                Condition::PersonalData,
                Condition::Any {
                    conditions: vec![Condition::CoreDataOutsourced, Condition::ImpactsCitizens],
                },
            ],
        };
        let form = FrameworkForm::of(&f);
        assert!(form.rules[0].clauses.is_empty());
        assert!(!form.rules[0].nested.is_empty());
        assert_eq!(form.parse("pv26", 1, &[]).unwrap(), f);
    }

    #[test]
    fn deciders_other_than_the_default_are_kept() {
        let mut form = FrameworkForm::of(&Framework::default_for("pv26"));
        form.deciders[1].roles = vec!["administrator".into()];
        form.deciders[1].members = vec!["u7".into()];
        let f = form.parse("pv26", 2, &["u7".into()]).unwrap();
        let m = f.deciders(DecisionLevel::Management);
        assert!(m.include(&[Role::Administrator], "x"));
        assert!(m.include(&[Role::Viewer], "u7"));
        assert!(!m.include(&[Role::PolicyOwner], "x"));
        assert!(!f.deciders.contains_key(&DecisionLevel::Board));
        assert!(f.may_decide(DecisionLevel::Board, &[Role::BoardMember], "x"));
        assert!(!f.may_decide(DecisionLevel::Board, &[Role::Administrator], "x"));
    }

    #[test]
    fn a_preview_names_the_choices_that_move_and_a_comparison_the_rules() {
        let old = Framework::default_for("pv26");
        let mut new = old.clone();
        new.rules[3].condition = Condition::CostAbove { euros: 50_000 };
        new.rules.remove(2);
        new.rules.push(Rule {
            name: "Open source".into(),
            description: String::new(),
            condition: Condition::ChoiceTypeIn {
                values: vec![ChoiceType::OpenSource],
            },
            level: DecisionLevel::Management,
            instruments: vec![],
        });
        let facts = Facts {
            risk_group: Some(AiActRiskGroup::NotHighRisk),
            citizen_impact: ImpactLevel::Low,
            yearly_cost_eur: Some(100_000),
            core_data_outsourced: false,
            personal_data: true,
            choice_type: ChoiceType::Hosting,
        };
        let m = moves(&old, &new, &facts).unwrap();
        assert!(m.changes_level());
        assert_eq!(m.before.level, DecisionLevel::Official);
        assert_eq!(m.after.level, DecisionLevel::Board);
        assert_eq!(m.instruments_dropped(), vec![Instrument::Dpia]);
        let cheap = Facts {
            yearly_cost_eur: Some(10),
            personal_data: false,
            ..facts
        };
        assert_eq!(moves(&old, &new, &cheap), None);
        let kinds: Vec<(&str, &str)> = compare(&old, &new)
            .iter()
            .map(|c| (c.kind(), if c.name == "Open source" { "os" } else { "" }))
            .collect();
        assert_eq!(kinds.iter().filter(|k| k.0 == "changed").count(), 1);
        assert_eq!(kinds.iter().filter(|k| k.0 == "removed").count(), 1);
        assert_eq!(kinds.last(), Some(&("added", "os")));
    }
}
