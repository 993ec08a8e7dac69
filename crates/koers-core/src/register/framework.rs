//! The choice framework (keuzekader): a versioned, per-organisation set of rules that decide
//! at which level a choice must be taken and which instruments (DPIA, IAMA, ...) it needs.
//!
//! A rule has a condition over attributes of the application and the choice, combined with
//! `all`/`any`, and an outcome. [`evaluate`] takes the highest level among the matching rules
//! (official when none match), the union of their instruments, and explains which rule put
//! the choice where.

use crate::access::Role;
use crate::error::{FieldError, Invalid};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

use super::application::{AiActRiskGroup, ApplicationDraft, ImpactLevel};
use super::choice::{Choice, ChoiceType};

/// Who takes the decision; ordered from lowest to highest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecisionLevel {
    /// Ambtelijk: the civil service decides (mandated).
    Official,
    /// Management (directie / managementteam).
    Management,
    /// Bestuur: the executive board (e.g. Gedeputeerde Staten, college van B&W).
    Board,
}

impl DecisionLevel {
    pub const ALL: [DecisionLevel; 3] = [
        DecisionLevel::Official,
        DecisionLevel::Management,
        DecisionLevel::Board,
    ];

    /// The level's code, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            DecisionLevel::Official => "official",
            DecisionLevel::Management => "management",
            DecisionLevel::Board => "board",
        }
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            DecisionLevel::Official => "ambtelijk",
            DecisionLevel::Management => "management",
            DecisionLevel::Board => "bestuur",
        }
    }
}

/// An instrument the choice requires.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Instrument {
    /// Data protection impact assessment.
    Dpia,
    /// Impact Assessment Mensenrechten en Algoritmes.
    Iama,
    /// Data transfer impact assessment.
    Dtia,
    /// Kinderrechten impact assessment.
    Kia,
    /// AI impact assessment.
    Aiia,
    /// Conformity assessment of the AI Act.
    ConformityAssessment,
    /// Publication in the Algoritmeregister.
    AlgorithmRegister,
}

impl Instrument {
    pub const ALL: [Instrument; 7] = [
        Instrument::Dpia,
        Instrument::Iama,
        Instrument::Dtia,
        Instrument::Kia,
        Instrument::Aiia,
        Instrument::ConformityAssessment,
        Instrument::AlgorithmRegister,
    ];

    /// The instrument's code, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Instrument::Dpia => "dpia",
            Instrument::Iama => "iama",
            Instrument::Dtia => "dtia",
            Instrument::Kia => "kia",
            Instrument::Aiia => "aiia",
            Instrument::ConformityAssessment => "conformity_assessment",
            Instrument::AlgorithmRegister => "algorithm_register",
        }
    }
}

/// A condition over the facts of an application and a choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// Every sub-condition holds.
    All { conditions: Vec<Condition> },
    /// At least one sub-condition holds.
    Any { conditions: Vec<Condition> },
    /// The AI Act risk group is this one.
    RiskGroupIs { value: AiActRiskGroup },
    /// The AI Act risk group is one of these.
    RiskGroupIn { values: Vec<AiActRiskGroup> },
    /// The application affects citizens (any level above none).
    ImpactsCitizens,
    /// The impact on citizens is at least this level.
    CitizenImpactAtLeast { level: ImpactLevel },
    /// The yearly cost is known and strictly above the threshold (whole euros).
    CostAbove { euros: u64 },
    /// Core data is outsourced.
    CoreDataOutsourced,
    /// Personal data is processed.
    PersonalData,
    /// The choice is of one of these types.
    ChoiceTypeIn { values: Vec<ChoiceType> },
}

/// One rule of the framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub condition: Condition,
    pub level: DecisionLevel,
    #[serde(default)]
    pub instruments: Vec<Instrument>,
}

/// A versioned framework of one organisation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    /// The organisation it belongs to (its id or code).
    pub organisation: String,
    pub version: u32,
    pub name: String,
    pub rules: Vec<Rule>,
    /// Who may decide at each level; a level not named here has its [`Deciders::default_for`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub deciders: BTreeMap<DecisionLevel, Deciders>,
}

/// Who may take the decisions of one level (decide, send back, reject, defer): anyone with
/// one of `roles`, and the named `members` (user ids) whatever their roles.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Deciders {
    #[serde(default)]
    pub roles: Vec<Role>,
    #[serde(default)]
    pub members: Vec<String>,
}

impl Deciders {
    /// Who decides at a level the organisation has not set: those who keep the register
    /// (analysts, data stewards, policy owners, administrators) at the official level, policy
    /// owners for the management, board members for the board.
    pub fn default_for(level: DecisionLevel) -> Deciders {
        let roles = match level {
            DecisionLevel::Official => vec![
                Role::Analyst,
                Role::DataSteward,
                Role::PolicyOwner,
                Role::Administrator,
            ],
            DecisionLevel::Management => vec![Role::PolicyOwner],
            DecisionLevel::Board => vec![Role::BoardMember],
        };
        Deciders {
            roles,
            members: Vec::new(),
        }
    }

    /// Whether someone with `roles`, as user `user_id`, is among them.
    pub fn include(&self, roles: &[Role], user_id: &str) -> bool {
        self.roles.iter().any(|r| roles.contains(r)) || self.members.iter().any(|m| m == user_id)
    }

    fn is_empty(&self) -> bool {
        self.roles.is_empty() && self.members.is_empty()
    }
}

/// The facts a condition reads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Facts {
    pub risk_group: Option<AiActRiskGroup>,
    pub citizen_impact: ImpactLevel,
    pub yearly_cost_eur: Option<u64>,
    pub core_data_outsourced: bool,
    pub personal_data: bool,
    pub choice_type: ChoiceType,
}

impl Facts {
    pub fn of(app: &ApplicationDraft, choice: &Choice) -> Self {
        Facts {
            risk_group: app.risk_group(),
            citizen_impact: app.citizen_impact,
            yearly_cost_eur: app.yearly_cost_eur,
            core_data_outsourced: app.core_data_outsourced,
            personal_data: app.personal_data,
            choice_type: choice.choice_type,
        }
    }
}

/// One fact that made a rule's condition hold; the interface words it in its language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Reason {
    /// The application's AI risk group is one the rule names.
    RiskGroup {
        group: AiActRiskGroup,
    },
    /// The application affects citizens, at this level.
    CitizenImpact {
        impact: ImpactLevel,
    },
    /// The impact on citizens reaches the rule's threshold.
    CitizenImpactAtLeast {
        impact: ImpactLevel,
        threshold: ImpactLevel,
    },
    /// The yearly cost, in euros, is above the rule's limit.
    CostAbove {
        cost: u64,
        limit: u64,
    },
    CoreDataOutsourced,
    PersonalData,
    /// The choice is of a type the rule names.
    ChoiceType {
        choice_type: ChoiceType,
    },
}

/// A rule that matched, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatchedRule {
    pub rule: String,
    /// The facts that made the condition hold, in the order the condition names them.
    pub reasons: Vec<Reason>,
    pub level: DecisionLevel,
    pub instruments: Vec<Instrument>,
}

/// Where a choice goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Routing {
    pub level: DecisionLevel,
    /// Sorted, without duplicates.
    pub instruments: Vec<Instrument>,
    pub matched_rules: Vec<MatchedRule>,
}

impl Routing {
    /// The matched rules that put the choice at its level (a rule asking a lower level only
    /// adds its instruments), for the one-sentence explanation.
    pub fn deciding_rules(&self) -> impl Iterator<Item = &MatchedRule> {
        self.matched_rules.iter().filter(|m| m.level == self.level)
    }
}

impl Condition {
    /// Whether the condition holds; when it does, the facts that make it hold.
    pub fn check(&self, f: &Facts) -> Option<Vec<Reason>> {
        match self {
            Condition::All { conditions } => {
                let mut why = Vec::new();
                for c in conditions {
                    why.extend(c.check(f)?);
                }
                Some(why)
            }
            Condition::Any { conditions } => {
                let why: Vec<Reason> = conditions
                    .iter()
                    .filter_map(|c| c.check(f))
                    .flatten()
                    .collect();
                if why.is_empty() { None } else { Some(why) }
            }
            Condition::RiskGroupIs { value } => {
                (f.risk_group == Some(*value)).then(|| vec![Reason::RiskGroup { group: *value }])
            }
            Condition::RiskGroupIn { values } => f
                .risk_group
                .filter(|g| values.contains(g))
                .map(|group| vec![Reason::RiskGroup { group }]),
            Condition::ImpactsCitizens => f.citizen_impact.affects_citizens().then(|| {
                vec![Reason::CitizenImpact {
                    impact: f.citizen_impact,
                }]
            }),
            Condition::CitizenImpactAtLeast { level } => (f.citizen_impact >= *level).then(|| {
                vec![Reason::CitizenImpactAtLeast {
                    impact: f.citizen_impact,
                    threshold: *level,
                }]
            }),
            Condition::CostAbove { euros } => f.yearly_cost_eur.filter(|c| c > euros).map(|cost| {
                vec![Reason::CostAbove {
                    cost,
                    limit: *euros,
                }]
            }),
            Condition::CoreDataOutsourced => f
                .core_data_outsourced
                .then(|| vec![Reason::CoreDataOutsourced]),
            Condition::PersonalData => f.personal_data.then(|| vec![Reason::PersonalData]),
            Condition::ChoiceTypeIn { values } => values.contains(&f.choice_type).then(|| {
                vec![Reason::ChoiceType {
                    choice_type: f.choice_type,
                }]
            }),
        }
    }
}

/// Routes a choice about an application through the framework.
pub fn evaluate(framework: &Framework, app: &ApplicationDraft, choice: &Choice) -> Routing {
    evaluate_facts(framework, &Facts::of(app, choice))
}

/// Routes the given facts through the framework.
pub fn evaluate_facts(framework: &Framework, facts: &Facts) -> Routing {
    let mut level = DecisionLevel::Official;
    let mut instruments = BTreeSet::new();
    let mut matched_rules = Vec::new();
    for rule in &framework.rules {
        if let Some(reasons) = rule.condition.check(facts) {
            level = level.max(rule.level);
            instruments.extend(rule.instruments.iter().copied());
            let mut own: Vec<Instrument> = rule.instruments.clone();
            own.sort();
            own.dedup();
            matched_rules.push(MatchedRule {
                rule: rule.name.clone(),
                reasons,
                level: rule.level,
                instruments: own,
            });
        }
    }
    Routing {
        level,
        instruments: instruments.into_iter().collect(),
        matched_rules,
    }
}

const MAX_DEPTH: usize = 8;
const MAX_RULES: usize = 200;

fn problem(errs: &mut Vec<FieldError>, name: &str, code: &str, reason: &str) {
    errs.push(FieldError::new(name, code, reason));
}

fn validate_condition(c: &Condition, path: &str, depth: usize, errs: &mut Vec<FieldError>) {
    if depth > MAX_DEPTH {
        problem(
            errs,
            path,
            "too_deep",
            &format!("mag hoogstens {MAX_DEPTH} niveaus diep genest zijn"),
        );
        return;
    }
    match c {
        Condition::All { conditions } | Condition::Any { conditions } => {
            if conditions.is_empty() {
                problem(
                    errs,
                    &format!("{path}.conditions"),
                    "required",
                    "noem minstens één voorwaarde",
                );
            }
            for (i, sub) in conditions.iter().enumerate() {
                validate_condition(sub, &format!("{path}.conditions[{i}]"), depth + 1, errs);
            }
        }
        Condition::RiskGroupIn { values } if values.is_empty() => {
            problem(
                errs,
                &format!("{path}.values"),
                "required",
                "noem minstens één risicogroep",
            );
        }
        Condition::ChoiceTypeIn { values } if values.is_empty() => {
            problem(
                errs,
                &format!("{path}.values"),
                "required",
                "noem minstens één soort keuze",
            );
        }
        _ => {}
    }
}

impl Framework {
    /// Who may decide at `level` in this organisation.
    pub fn deciders(&self, level: DecisionLevel) -> Deciders {
        self.deciders
            .get(&level)
            .filter(|d| !d.is_empty())
            .cloned()
            .unwrap_or_else(|| Deciders::default_for(level))
    }

    /// Whether someone with `roles`, as user `user_id`, may decide a choice at `level`.
    pub fn may_decide(&self, level: DecisionLevel, roles: &[Role], user_id: &str) -> bool {
        self.deciders(level).include(roles, user_id)
    }

    /// Parses and validates a user-edited framework in its JSON form, listing every problem.
    pub fn from_json(json: &str) -> Result<Framework, Invalid> {
        let f: Framework = serde_json::from_str(json).map_err(|e| {
            Invalid::one(
                "framework",
                "json",
                &format!(
                    "is geen geldig keuzekader (regel {}, kolom {}): {e}",
                    e.line(),
                    e.column()
                ),
            )
        })?;
        f.validate()?;
        Ok(f)
    }

    /// Checks the framework, listing every problem at once.
    pub fn validate(&self) -> Result<(), Invalid> {
        let mut errs = Vec::new();
        if self.organisation.trim().is_empty() {
            problem(&mut errs, "organisation", "required", "is verplicht");
        }
        if self.version == 0 {
            problem(&mut errs, "version", "range", "moet 1 of hoger zijn");
        }
        if self.name.trim().is_empty() {
            problem(&mut errs, "name", "required", "is verplicht");
        } else if self.name.chars().count() > 200 {
            problem(
                &mut errs,
                "name",
                "too_long",
                "mag hoogstens 200 tekens zijn",
            );
        }
        if self.rules.len() > MAX_RULES {
            problem(
                &mut errs,
                "rules",
                "too_many",
                &format!("mag hoogstens {MAX_RULES} regels bevatten"),
            );
        }
        let mut seen = BTreeSet::new();
        for (i, r) in self.rules.iter().enumerate() {
            let p = format!("rules[{i}]");
            let name = r.name.trim();
            if name.is_empty() {
                problem(&mut errs, &format!("{p}.name"), "required", "is verplicht");
            } else if name.chars().count() > 200 {
                problem(
                    &mut errs,
                    &format!("{p}.name"),
                    "too_long",
                    "mag hoogstens 200 tekens zijn",
                );
            } else if !seen.insert(name.to_string()) {
                problem(
                    &mut errs,
                    &format!("{p}.name"),
                    "duplicate",
                    "komt al voor bij een andere regel",
                );
            }
            if r.description.chars().count() > 2000 {
                problem(
                    &mut errs,
                    &format!("{p}.description"),
                    "too_long",
                    "mag hoogstens 2000 tekens zijn",
                );
            }
            validate_condition(&r.condition, &format!("{p}.condition"), 1, &mut errs);
            if r.level == DecisionLevel::Official && r.instruments.is_empty() {
                problem(
                    &mut errs,
                    &format!("{p}.level"),
                    "no_effect",
                    "de regel heeft geen effect: kies een hoger niveau of een instrument",
                );
            }
        }
        for (level, d) in &self.deciders {
            if d.members.len() > 500 || d.members.iter().any(|m| m.trim().is_empty()) {
                problem(
                    &mut errs,
                    &format!("deciders.{}.members", level.as_str()),
                    "invalid",
                    "noem hoogstens 500 leden, elk met een gebruikers-id",
                );
            }
        }
        if errs.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errs))
        }
    }

    /// The JSON form, for editing.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }

    /// A sensible starting point for an organisation, in Dutch.
    pub fn default_for(organisation: &str) -> Framework {
        let rule =
            |name: &str, description: &str, condition, level, instruments: &[Instrument]| Rule {
                name: name.into(),
                description: description.into(),
                condition,
                level,
                instruments: instruments.to_vec(),
            };
        Framework {
            organisation: organisation.into(),
            version: 1,
            name: "Standaard keuzekader".into(),
            deciders: BTreeMap::new(),
            rules: vec![
                rule(
                    "Verboden AI",
                    "Een verboden AI-praktijk mag niet worden ingezet; het bestuur besluit over beëindiging.",
                    Condition::RiskGroupIs {
                        value: AiActRiskGroup::Prohibited,
                    },
                    DecisionLevel::Board,
                    &[],
                ),
                rule(
                    "Hoog-risico AI",
                    "Keuzes over hoog-risico AI-systemen neemt het bestuur, na een IAMA.",
                    Condition::RiskGroupIs {
                        value: AiActRiskGroup::HighRisk,
                    },
                    DecisionLevel::Board,
                    &[Instrument::Iama, Instrument::AlgorithmRegister],
                ),
                rule(
                    "Persoonsgegevens",
                    "Bij verwerking van persoonsgegevens is een DPIA (of ten minste de pre-scan) nodig.",
                    Condition::PersonalData,
                    DecisionLevel::Official,
                    &[Instrument::Dpia],
                ),
                rule(
                    "Kosten boven € 250.000",
                    "Keuzes met jaarlijkse kosten boven € 250.000 neemt het bestuur.",
                    Condition::CostAbove { euros: 250_000 },
                    DecisionLevel::Board,
                    &[],
                ),
                rule(
                    "Uitbesteden van kerngegevens",
                    "Wie kerngegevens uitbesteedt, legt dat voor aan het bestuur.",
                    Condition::CoreDataOutsourced,
                    DecisionLevel::Board,
                    &[],
                ),
                rule(
                    "Hoge impact op burgers",
                    "Bij hoge impact op burgers besluit het management, na een IAMA.",
                    Condition::CitizenImpactAtLeast {
                        level: ImpactLevel::High,
                    },
                    DecisionLevel::Management,
                    &[Instrument::Iama, Instrument::AlgorithmRegister],
                ),
            ],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::register::application::{self, ApplicationInput};
    use crate::register::choice;
    use proptest::prelude::*;

    fn facts() -> Facts {
        Facts {
            risk_group: Some(AiActRiskGroup::NotHighRisk),
            citizen_impact: ImpactLevel::Low,
            yearly_cost_eur: Some(100_000),
            core_data_outsourced: false,
            personal_data: false,
            choice_type: ChoiceType::Hosting,
        }
    }

    fn level_of(f: &Facts) -> DecisionLevel {
        evaluate_facts(&Framework::default_for("pv26"), f).level
    }

    #[test]
    fn default_framework_is_valid() {
        Framework::default_for("pv26").validate().unwrap();
        let json = Framework::default_for("pv26").to_json();
        assert_eq!(
            Framework::from_json(&json).unwrap(),
            Framework::default_for("pv26")
        );
    }

    #[test]
    fn no_match_is_official() {
        let r = evaluate_facts(&Framework::default_for("pv26"), &facts());
        assert_eq!(r.level, DecisionLevel::Official);
        assert!(r.instruments.is_empty());
        assert!(r.matched_rules.is_empty());
    }

    #[test]
    fn default_rules_route_as_intended() {
        let high = Facts {
            risk_group: Some(AiActRiskGroup::HighRisk),
            ..facts()
        };
        let r = evaluate_facts(&Framework::default_for("pv26"), &high);
        assert_eq!(r.level, DecisionLevel::Board);
        assert_eq!(
            r.instruments,
            vec![Instrument::Iama, Instrument::AlgorithmRegister]
        );
        assert_eq!(r.matched_rules[0].rule, "Hoog-risico AI");
        assert_eq!(
            r.matched_rules[0].reasons,
            vec![Reason::RiskGroup {
                group: AiActRiskGroup::HighRisk
            }]
        );

        let personal = Facts {
            personal_data: true,
            ..facts()
        };
        let r = evaluate_facts(&Framework::default_for("pv26"), &personal);
        assert_eq!(
            (r.level, r.instruments.clone()),
            (DecisionLevel::Official, vec![Instrument::Dpia])
        );

        assert_eq!(
            level_of(&Facts {
                yearly_cost_eur: Some(250_000),
                ..facts()
            }),
            DecisionLevel::Official
        );
        assert_eq!(
            level_of(&Facts {
                yearly_cost_eur: Some(250_001),
                ..facts()
            }),
            DecisionLevel::Board
        );
        assert_eq!(
            level_of(&Facts {
                core_data_outsourced: true,
                ..facts()
            }),
            DecisionLevel::Board
        );
        assert_eq!(
            level_of(&Facts {
                citizen_impact: ImpactLevel::High,
                ..facts()
            }),
            DecisionLevel::Management
        );
        assert_eq!(
            level_of(&Facts {
                risk_group: Some(AiActRiskGroup::Prohibited),
                ..facts()
            }),
            DecisionLevel::Board
        );
    }

    #[test]
    fn highest_level_wins_and_explains_which_rule() {
        let f = Facts {
            citizen_impact: ImpactLevel::High,
            yearly_cost_eur: Some(300_000),
            personal_data: true,
            ..facts()
        };
        let r = evaluate_facts(&Framework::default_for("pv26"), &f);
        assert_eq!(r.level, DecisionLevel::Board);
        assert_eq!(
            r.instruments,
            vec![
                Instrument::Dpia,
                Instrument::Iama,
                Instrument::AlgorithmRegister
            ]
        );
        let names: Vec<&str> = r.matched_rules.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(
            names,
            vec![
                "Persoonsgegevens",
                "Kosten boven € 250.000",
                "Hoge impact op burgers"
            ]
        );
        assert_eq!(
            r.matched_rules[1].reasons,
            vec![Reason::CostAbove {
                cost: 300_000,
                limit: 250_000
            }]
        );
        let deciding: Vec<&str> = r.deciding_rules().map(|m| m.rule.as_str()).collect();
        assert_eq!(deciding, vec!["Kosten boven € 250.000"]);
    }

    #[test]
    fn all_and_any_combine() {
        let fw = Framework {
            deciders: BTreeMap::new(),
            organisation: "pv26".into(),
            version: 2,
            name: "test".into(),
            rules: vec![Rule {
                name: "Cloud met persoonsgegevens".into(),
                description: String::new(),
                condition: Condition::All {
                    conditions: vec![
                        Condition::ChoiceTypeIn {
                            values: vec![ChoiceType::Hosting, ChoiceType::DataSharing],
                        },
                        Condition::Any {
                            conditions: vec![
                                Condition::PersonalData,
                                Condition::CoreDataOutsourced,
                            ],
                        },
                    ],
                },
                level: DecisionLevel::Management,
                instruments: vec![Instrument::Dtia],
            }],
        };
        fw.validate().unwrap();
        assert!(evaluate_facts(&fw, &facts()).matched_rules.is_empty());
        let r = evaluate_facts(
            &fw,
            &Facts {
                personal_data: true,
                ..facts()
            },
        );
        assert_eq!(r.level, DecisionLevel::Management);
        assert_eq!(
            r.matched_rules[0].reasons,
            vec![
                Reason::ChoiceType {
                    choice_type: ChoiceType::Hosting
                },
                Reason::PersonalData
            ]
        );
        let r = evaluate_facts(
            &fw,
            &Facts {
                personal_data: true,
                choice_type: ChoiceType::OpenSource,
                ..facts()
            },
        );
        assert!(r.matched_rules.is_empty());
    }

    #[test]
    fn unknown_risk_group_matches_no_risk_condition() {
        let f = Facts {
            risk_group: None,
            ..facts()
        };
        assert!(
            Condition::RiskGroupIn {
                values: AiActRiskGroup::ALL.to_vec()
            }
            .check(&f)
            .is_none()
        );
    }

    #[test]
    fn evaluates_application_and_choice() {
        let app = application::ApplicationDraft::parse(&ApplicationInput {
            ai_act_risk_group: "high_risk".into(),
            ..application::tests::input()
        })
        .unwrap();
        let ch = choice::Choice::parse(&choice::tests::input()).unwrap();
        let r = evaluate(&Framework::default_for("pv26"), &app, &ch);
        assert_eq!(r.level, DecisionLevel::Board);
        // High-risk AI and outsourcing of core data both put it at the board.
        let names: Vec<&str> = r.matched_rules.iter().map(|m| m.rule.as_str()).collect();
        assert_eq!(
            names,
            vec!["Hoog-risico AI", "Uitbesteden van kerngegevens"]
        );
    }

    #[test]
    fn validation_lists_every_problem() {
        let json = r#"{
            "organisation": "", "version": 0, "name": "",
            "rules": [
                {"name": "A", "condition": {"type": "any", "conditions": []}, "level": "board"},
                {"name": "A", "condition": {"type": "risk_group_in", "values": []}, "level": "official"},
                {"name": " ", "condition": {"type": "choice_type_in", "values": []}, "level": "management"}
            ]
        }"#;
        let errs = Framework::from_json(json).unwrap_err().0;
        let got: Vec<(String, String)> = errs
            .iter()
            .map(|e| (e.name.clone(), e.code.clone()))
            .collect();
        for (n, c) in [
            ("organisation", "required"),
            ("version", "range"),
            ("name", "required"),
            ("rules[0].condition.conditions", "required"),
            ("rules[1].name", "duplicate"),
            ("rules[1].condition.values", "required"),
            ("rules[1].level", "no_effect"),
            ("rules[2].name", "required"),
            ("rules[2].condition.values", "required"),
        ] {
            assert!(
                got.contains(&(n.to_string(), c.to_string())),
                "missing {n}/{c} in {got:?}"
            );
        }
    }

    #[test]
    fn malformed_json_is_one_clear_error() {
        let errs = Framework::from_json(r#"{"organisation":"x","version":1,"name":"n","rules":[{"name":"a","condition":{"type":"moon_phase"},"level":"board"}]}"#)
            .unwrap_err()
            .0;
        assert_eq!(errs.len(), 1);
        assert_eq!(errs[0].code, "json");
    }

    #[test]
    fn nesting_depth_is_limited() {
        let mut c = Condition::PersonalData;
        for _ in 0..12 {
            c = Condition::All {
                conditions: vec![c],
            };
        }
        let fw = Framework {
            deciders: BTreeMap::new(),
            organisation: "o".into(),
            version: 1,
            name: "n".into(),
            rules: vec![Rule {
                name: "diep".into(),
                description: String::new(),
                condition: c,
                level: DecisionLevel::Board,
                instruments: vec![],
            }],
        };
        assert_eq!(fw.validate().unwrap_err().0[0].code, "too_deep");
    }

    prop_compose! {
        fn arb_facts()(
            risk_group in proptest::option::of(proptest::sample::select(AiActRiskGroup::ALL.to_vec())),
            citizen_impact in proptest::sample::select(ImpactLevel::ALL.to_vec()),
            yearly_cost_eur in proptest::option::of(0u64..1_000_000),
            core_data_outsourced in any::<bool>(),
            personal_data in any::<bool>(),
            choice_type in proptest::sample::select(ChoiceType::ALL.to_vec()),
        ) -> Facts {
            Facts {
                risk_group,
                citizen_impact,
                yearly_cost_eur,
                core_data_outsourced,
                personal_data,
                choice_type,
            }
        }
    }

    fn arb_leaf() -> impl Strategy<Value = Condition> {
        prop_oneof![
            proptest::sample::select(AiActRiskGroup::ALL.to_vec())
                .prop_map(|value| Condition::RiskGroupIs { value }),
            proptest::sample::subsequence(AiActRiskGroup::ALL.to_vec(), 1..5)
                .prop_map(|values| Condition::RiskGroupIn { values }),
            Just(Condition::ImpactsCitizens),
            proptest::sample::select(ImpactLevel::ALL.to_vec())
                .prop_map(|level| Condition::CitizenImpactAtLeast { level }),
            (0u64..1_000_000).prop_map(|euros| Condition::CostAbove { euros }),
            Just(Condition::CoreDataOutsourced),
            Just(Condition::PersonalData),
            proptest::sample::subsequence(ChoiceType::ALL.to_vec(), 1..6)
                .prop_map(|values| Condition::ChoiceTypeIn { values }),
        ]
    }

    fn arb_condition() -> impl Strategy<Value = Condition> {
        arb_leaf().prop_recursive(3, 16, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 1..4)
                    .prop_map(|conditions| Condition::All { conditions }),
                proptest::collection::vec(inner, 1..4)
                    .prop_map(|conditions| Condition::Any { conditions }),
            ]
        })
    }

    fn arb_rule() -> impl Strategy<Value = Rule> {
        (
            "[a-z]{1,8}",
            arb_condition(),
            proptest::sample::select(vec![
                DecisionLevel::Official,
                DecisionLevel::Management,
                DecisionLevel::Board,
            ]),
            proptest::sample::subsequence(
                vec![
                    Instrument::Dpia,
                    Instrument::Iama,
                    Instrument::Dtia,
                    Instrument::Kia,
                    Instrument::Aiia,
                ],
                0..3,
            ),
        )
            .prop_map(|(name, condition, level, instruments)| Rule {
                name,
                description: String::new(),
                condition,
                level,
                instruments,
            })
    }

    fn arb_framework() -> impl Strategy<Value = Framework> {
        proptest::collection::vec(arb_rule(), 0..8).prop_map(|rules| Framework {
            deciders: BTreeMap::new(),
            organisation: "o".into(),
            version: 1,
            name: "n".into(),
            rules,
        })
    }

    proptest! {
        #[test]
        fn evaluation_is_deterministic(fw in arb_framework(), f in arb_facts()) {
            prop_assert_eq!(evaluate_facts(&fw, &f), evaluate_facts(&fw, &f));
        }

        #[test]
        fn adding_a_matching_rule_never_lowers_the_level(fw in arb_framework(), f in arb_facts(), extra in arb_rule()) {
            let before = evaluate_facts(&fw, &f);
            let matches = extra.condition.check(&f).is_some();
            let mut more = fw.clone();
            more.rules.push(extra.clone());
            let after = evaluate_facts(&more, &f);
            prop_assert!(after.level >= before.level);
            if matches {
                prop_assert!(after.level >= extra.level);
                prop_assert_eq!(after.matched_rules.len(), before.matched_rules.len() + 1);
            } else {
                prop_assert_eq!(after, before);
            }
        }

        #[test]
        fn instruments_contain_every_matching_rules_instruments(fw in arb_framework(), f in arb_facts()) {
            let r = evaluate_facts(&fw, &f);
            for rule in &fw.rules {
                if rule.condition.check(&f).is_some() {
                    for i in &rule.instruments {
                        prop_assert!(r.instruments.contains(i));
                    }
                    prop_assert!(r.level >= rule.level);
                }
            }
            // And nothing else: the union of matched rules' instruments exactly.
            let union: BTreeSet<Instrument> = r.matched_rules.iter().flat_map(|m| m.instruments.iter().copied()).collect();
            prop_assert_eq!(r.instruments.clone(), union.into_iter().collect::<Vec<_>>());
            let max = r.matched_rules.iter().map(|m| m.level).max().unwrap_or(DecisionLevel::Official);
            prop_assert_eq!(r.level, max);
        }
    }
}
