//! A registered digital application (monitor, dashboard, digital twin, model, algorithm) with
//! its purpose, owner, lifecycle phase and suppliers, plus the attributes that the choice
//! framework reads: AI Act risk group, impact on citizens, personal data, outsourcing of core
//! data and yearly cost.

use crate::error::{Collector, FieldError, Invalid, parse_enum, text};
use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// The lifecycle phases of the Algoritmekader, as published in the task registry.
const LIFECYCLES_YAML: &str = include_str!("../../reference/task-registry/lifecycles.yaml");

/// The kind of application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppKind {
    Monitor,
    Dashboard,
    DigitalTwin,
    Model,
    Algorithm,
    Other,
}

impl AppKind {
    pub const ALL: [AppKind; 6] = [
        AppKind::Monitor,
        AppKind::Dashboard,
        AppKind::DigitalTwin,
        AppKind::Model,
        AppKind::Algorithm,
        AppKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppKind::Monitor => "monitor",
            AppKind::Dashboard => "dashboard",
            AppKind::DigitalTwin => "digital_twin",
            AppKind::Model => "model",
            AppKind::Algorithm => "algorithm",
            AppKind::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "kind",
            s,
            &AppKind::ALL,
            AppKind::as_str,
            "moet monitor, dashboard, digital_twin, model, algorithm of other zijn",
        )
    }
}

/// Where the application runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Hosting {
    OnPremise,
    PrivateCloud,
    PublicCloud,
    Saas,
    SharedService,
    Other,
}

impl Hosting {
    pub const ALL: [Hosting; 6] = [
        Hosting::OnPremise,
        Hosting::PrivateCloud,
        Hosting::PublicCloud,
        Hosting::Saas,
        Hosting::SharedService,
        Hosting::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Hosting::OnPremise => "on_premise",
            Hosting::PrivateCloud => "private_cloud",
            Hosting::PublicCloud => "public_cloud",
            Hosting::Saas => "saas",
            Hosting::SharedService => "shared_service",
            Hosting::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "hosting",
            s,
            &Hosting::ALL,
            Hosting::as_str,
            "moet on_premise, private_cloud, public_cloud, saas, shared_service of other zijn",
        )
    }
}

/// Whether the application is in use; the values of the Algoritmeregister's `status`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AppStatus {
    InDevelopment,
    InUse,
    OutOfUse,
}

impl AppStatus {
    pub const ALL: [AppStatus; 3] = [
        AppStatus::InDevelopment,
        AppStatus::InUse,
        AppStatus::OutOfUse,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AppStatus::InDevelopment => "in_development",
            AppStatus::InUse => "in_use",
            AppStatus::OutOfUse => "out_of_use",
        }
    }

    /// The Dutch label, identical to the Algoritmeregister's permitted value.
    pub fn label_nl(self) -> &'static str {
        match self {
            AppStatus::InDevelopment => "In ontwikkeling",
            AppStatus::InUse => "In gebruik",
            AppStatus::OutOfUse => "Buiten gebruik",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "status",
            s,
            &AppStatus::ALL,
            AppStatus::as_str,
            "moet in_development, in_use of out_of_use zijn",
        )
    }
}

/// The AI Act risk group of an application. The first four are the risk-group labels of the
/// decision aid; `NotApplicable` means the AI Act does not apply (no AI system or model).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AiActRiskGroup {
    NotApplicable,
    Exception,
    NotHighRisk,
    HighRisk,
    Prohibited,
}

impl AiActRiskGroup {
    pub const ALL: [AiActRiskGroup; 5] = [
        AiActRiskGroup::NotApplicable,
        AiActRiskGroup::Exception,
        AiActRiskGroup::NotHighRisk,
        AiActRiskGroup::HighRisk,
        AiActRiskGroup::Prohibited,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AiActRiskGroup::NotApplicable => "not_applicable",
            AiActRiskGroup::Exception => "exception",
            AiActRiskGroup::NotHighRisk => "not_high_risk",
            AiActRiskGroup::HighRisk => "high_risk",
            AiActRiskGroup::Prohibited => "prohibited",
        }
    }

    /// The label the decision aid uses, or a Dutch description for `NotApplicable`.
    pub fn label_nl(self) -> &'static str {
        match self {
            AiActRiskGroup::NotApplicable => "AI-verordening niet van toepassing",
            AiActRiskGroup::Exception => "uitzondering van toepassing",
            AiActRiskGroup::NotHighRisk => "geen hoog-risico AI",
            AiActRiskGroup::HighRisk => "hoog-risico AI",
            AiActRiskGroup::Prohibited => "verboden AI",
        }
    }

    /// The risk group of a decision-aid label (`hoog-risico AI`, ...), if it is one.
    pub fn from_label(label: &str) -> Option<Self> {
        AiActRiskGroup::ALL
            .into_iter()
            .filter(|g| *g != AiActRiskGroup::NotApplicable)
            .find(|g| g.label_nl() == label)
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "aiActRiskGroup",
            s,
            &AiActRiskGroup::ALL,
            AiActRiskGroup::as_str,
            "moet not_applicable, exception, not_high_risk, high_risk of prohibited zijn",
        )
    }
}

/// Where the risk group came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskSource {
    /// The result of the AI Act decision aid ([`super::ai_act`]).
    DecisionAid,
    /// Set by hand.
    Manual,
}

/// The AI Act risk group with its provenance.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiActRisk {
    pub group: AiActRiskGroup,
    pub source: RiskSource,
}

/// How strongly the application affects citizens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ImpactLevel {
    None,
    Low,
    Medium,
    High,
}

impl ImpactLevel {
    pub const ALL: [ImpactLevel; 4] = [
        ImpactLevel::None,
        ImpactLevel::Low,
        ImpactLevel::Medium,
        ImpactLevel::High,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ImpactLevel::None => "none",
            ImpactLevel::Low => "low",
            ImpactLevel::Medium => "medium",
            ImpactLevel::High => "high",
        }
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            ImpactLevel::None => "geen",
            ImpactLevel::Low => "laag",
            ImpactLevel::Medium => "middel",
            ImpactLevel::High => "hoog",
        }
    }

    /// True when there is any impact on citizens.
    pub fn affects_citizens(self) -> bool {
        self != ImpactLevel::None
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "citizenImpact",
            s,
            &ImpactLevel::ALL,
            ImpactLevel::as_str,
            "moet none, low, medium of high zijn",
        )
    }
}

/// One phase of the Algoritmekader lifecycle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LifecyclePhase {
    /// The slug used by the task registry, e.g. `monitoring-en-beheer`.
    pub id: String,
    /// The Dutch name, e.g. `Monitoring en beheer`.
    pub name: String,
}

#[derive(Deserialize)]
struct LifecyclesFile {
    lifecycles: Vec<String>,
}

/// The lifecycle phases in order, parsed once from the shipped task-registry data.
pub fn lifecycle_phases() -> &'static [LifecyclePhase] {
    static PHASES: OnceLock<Vec<LifecyclePhase>> = OnceLock::new();
    PHASES.get_or_init(|| {
        // The shipped file is tested to parse; an empty list is the safe fallback.
        serde_yaml_ng::from_str::<LifecyclesFile>(LIFECYCLES_YAML)
            .map(|f| {
                f.lifecycles
                    .into_iter()
                    .map(|name| LifecyclePhase {
                        id: name.to_lowercase().replace(' ', "-"),
                        name,
                    })
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// Looks a lifecycle phase up by its id (slug).
pub fn lifecycle_phase(id: &str) -> Option<&'static LifecyclePhase> {
    lifecycle_phases().iter().find(|p| p.id == id.trim())
}

/// Raw input for an application, as a form or an API client sends it.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicationInput {
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub department: String,
    pub lifecycle_phase: String,
    pub suppliers: Vec<String>,
    pub hosting: String,
    pub status: String,
    /// Empty when unknown; set by hand here, or from the decision aid (see `risk_from_decision_aid`).
    pub ai_act_risk_group: String,
    pub risk_from_decision_aid: bool,
    pub citizen_impact: String,
    pub personal_data: bool,
    pub core_data_outsourced: bool,
    /// Whole euros per year, e.g. `250000`, `250.000` or `€ 250.000`; empty when unknown.
    pub yearly_cost_eur: String,
}

/// A validated application, ready to be stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApplicationDraft {
    pub name: String,
    pub kind: AppKind,
    pub purpose: String,
    pub department: String,
    /// The id of a [`LifecyclePhase`].
    pub lifecycle_phase: String,
    pub suppliers: Vec<String>,
    pub hosting: Hosting,
    pub status: AppStatus,
    pub ai_act_risk: Option<AiActRisk>,
    pub citizen_impact: ImpactLevel,
    pub personal_data: bool,
    pub core_data_outsourced: bool,
    pub yearly_cost_eur: Option<u64>,
}

impl ApplicationDraft {
    /// Validates raw input, reporting every problem at once.
    pub fn parse(input: &ApplicationInput) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", &input.name, 200));
        let kind = c.take(AppKind::parse(&input.kind));
        let purpose = c.take(text("purpose", &input.purpose, 4000));
        let department = c.take(text("department", &input.department, 200));
        let lifecycle_phase = c.take(match lifecycle_phase(&input.lifecycle_phase) {
            Some(p) => Ok(p.id.clone()),
            None => Err(Invalid::one(
                "lifecyclePhase",
                "enum",
                &format!(
                    "moet een fase van de levenscyclus zijn: {}",
                    lifecycle_phases()
                        .iter()
                        .map(|p| p.id.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )),
        });
        let suppliers = c.take(parse_suppliers(&input.suppliers));
        let hosting = c.take(Hosting::parse(&input.hosting));
        let status = c.take(AppStatus::parse(&input.status));
        let ai_act_risk = if input.ai_act_risk_group.trim().is_empty() {
            Some(None)
        } else {
            c.take(AiActRiskGroup::parse(&input.ai_act_risk_group))
                .map(|group| {
                    Some(AiActRisk {
                        group,
                        source: if input.risk_from_decision_aid {
                            RiskSource::DecisionAid
                        } else {
                            RiskSource::Manual
                        },
                    })
                })
        };
        let citizen_impact = if input.citizen_impact.trim().is_empty() {
            Some(ImpactLevel::None)
        } else {
            c.take(ImpactLevel::parse(&input.citizen_impact))
        };
        let yearly_cost_eur = c.take(parse_euros("yearlyCostEur", &input.yearly_cost_eur));
        c.build(|| {
            Some(ApplicationDraft {
                name: name?,
                kind: kind?,
                purpose: purpose?,
                department: department?,
                lifecycle_phase: lifecycle_phase?,
                suppliers: suppliers?,
                hosting: hosting?,
                status: status?,
                ai_act_risk: ai_act_risk?,
                citizen_impact: citizen_impact?,
                personal_data: input.personal_data,
                core_data_outsourced: input.core_data_outsourced,
                yearly_cost_eur: yearly_cost_eur?,
            })
        })
    }

    /// The risk group, if known.
    pub fn risk_group(&self) -> Option<AiActRiskGroup> {
        self.ai_act_risk.map(|r| r.group)
    }
}

/// Trims each supplier, drops empty lines and duplicates, and checks length and count.
fn parse_suppliers(raw: &[String]) -> Result<Vec<String>, Invalid> {
    let mut out: Vec<String> = Vec::new();
    let mut errs = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        if s.trim().is_empty() {
            continue;
        }
        match text(&format!("suppliers[{i}]"), s, 200) {
            Ok(t) => {
                if !out.contains(&t) {
                    out.push(t);
                }
            }
            Err(Invalid(mut e)) => errs.append(&mut e),
        }
    }
    if out.len() > 50 {
        errs.push(FieldError::new(
            "suppliers",
            "too_many",
            "mag hoogstens 50 leveranciers bevatten",
        ));
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errs))
    }
}

/// Parses whole euros: digits with optional `€`, spaces and `.` as thousands separator.
/// Empty input means unknown.
pub fn parse_euros(name: &str, raw: &str) -> Result<Option<u64>, Invalid> {
    let t = raw.trim().trim_start_matches('€').trim();
    if t.is_empty() {
        return Ok(None);
    }
    let bad = || {
        Invalid::one(
            name,
            "amount",
            "moet een bedrag in hele euro's zijn, zoals 250000 of 250.000",
        )
    };
    let groups: Vec<&str> = t.split('.').collect();
    let grouped_ok = groups.len() == 1
        || (groups[0].len() <= 3
            && !groups[0].is_empty()
            && groups[1..].iter().all(|g| g.len() == 3));
    let digits: String = groups.concat();
    if !grouped_ok || digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    digits.parse::<u64>().map(Some).map_err(|_| bad())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn input() -> ApplicationInput {
        ApplicationInput {
            name: "Monitor vrachtverkeer".into(),
            kind: "monitor".into(),
            purpose: "Inzicht in logistieke transportbewegingen in de provincie.".into(),
            department: "Mobiliteit".into(),
            lifecycle_phase: "monitoring-en-beheer".into(),
            suppliers: vec!["Leverancier A".into(), " ".into(), "Leverancier A".into()],
            hosting: "saas".into(),
            status: "in_use".into(),
            ai_act_risk_group: "not_high_risk".into(),
            risk_from_decision_aid: true,
            citizen_impact: "low".into(),
            personal_data: false,
            core_data_outsourced: true,
            yearly_cost_eur: "€ 120.000".into(),
        }
    }

    #[test]
    fn lifecycle_phases_come_from_the_task_registry() {
        let phases = lifecycle_phases();
        assert_eq!(phases.len(), 9);
        assert_eq!(phases[0].name, "Organisatieverantwoordelijkheden");
        assert_eq!(phases[7].id, "monitoring-en-beheer");
        assert_eq!(phases[7].name, "Monitoring en beheer");
        assert!(lifecycle_phase("uitfaseren").is_some());
        assert!(lifecycle_phase("bestaat-niet").is_none());
    }

    #[test]
    fn parses_a_complete_application() {
        let a = ApplicationDraft::parse(&input()).unwrap();
        assert_eq!(a.kind, AppKind::Monitor);
        assert_eq!(a.suppliers, vec!["Leverancier A".to_string()]);
        assert_eq!(a.yearly_cost_eur, Some(120_000));
        assert_eq!(
            a.ai_act_risk,
            Some(AiActRisk {
                group: AiActRiskGroup::NotHighRisk,
                source: RiskSource::DecisionAid
            })
        );
        assert_eq!(a.citizen_impact, ImpactLevel::Low);
        assert!(a.core_data_outsourced);
    }

    #[test]
    fn reports_every_problem_at_once() {
        let bad = ApplicationInput {
            name: " ".into(),
            kind: "robot".into(),
            lifecycle_phase: "nergens".into(),
            hosting: "zolder".into(),
            status: "kapot".into(),
            ai_act_risk_group: "enorm".into(),
            citizen_impact: "heel veel".into(),
            yearly_cost_eur: "12,5".into(),
            ..ApplicationInput::default()
        };
        let errs = ApplicationDraft::parse(&bad).unwrap_err().0;
        let names: Vec<&str> = errs.iter().map(|e| e.name.as_str()).collect();
        for n in [
            "name",
            "kind",
            "purpose",
            "department",
            "lifecyclePhase",
            "hosting",
            "status",
            "aiActRiskGroup",
            "citizenImpact",
            "yearlyCostEur",
        ] {
            assert!(names.contains(&n), "missing {n} in {names:?}");
        }
    }

    #[test]
    fn empty_optional_fields() {
        let a = ApplicationDraft::parse(&ApplicationInput {
            ai_act_risk_group: "".into(),
            citizen_impact: "".into(),
            yearly_cost_eur: "".into(),
            ..input()
        })
        .unwrap();
        assert_eq!(a.ai_act_risk, None);
        assert_eq!(a.citizen_impact, ImpactLevel::None);
        assert_eq!(a.yearly_cost_eur, None);
    }

    #[test]
    fn euros() {
        assert_eq!(parse_euros("c", "250000").unwrap(), Some(250_000));
        assert_eq!(parse_euros("c", "250.000").unwrap(), Some(250_000));
        assert_eq!(parse_euros("c", "€ 1.250.000").unwrap(), Some(1_250_000));
        assert_eq!(parse_euros("c", " ").unwrap(), None);
        assert!(parse_euros("c", "25.00").is_err());
        assert!(parse_euros("c", "-5").is_err());
        assert!(parse_euros("c", "1e6").is_err());
        assert!(parse_euros("c", "99999999999999999999999").is_err());
    }

    #[test]
    fn risk_group_labels_round_trip() {
        for g in AiActRiskGroup::ALL {
            if g != AiActRiskGroup::NotApplicable {
                assert_eq!(AiActRiskGroup::from_label(g.label_nl()), Some(g));
            }
        }
        assert_eq!(AiActRiskGroup::from_label("AI-systeem"), None);
    }

    proptest! {
        #[test]
        fn euros_round_trip(n in 0u64..10_000_000_000) {
            prop_assert_eq!(parse_euros("c", &n.to_string()).unwrap(), Some(n));
        }

        #[test]
        fn parse_never_panics(name in ".{0,300}", kind in "[a-z_]{0,12}", cost in ".{0,20}") {
            let _ = ApplicationDraft::parse(&ApplicationInput {
                name, kind, yearly_cost_eur: cost, ..input()
            });
        }
    }
}
