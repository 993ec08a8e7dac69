//! The Algoritmekader's requirements (vereisten) and measures (maatregelen) from the MinBZK
//! task registry, shipped as one generated JSON file in `reference/task-registry/`, filtered
//! by an application's AI Act profile.
//!
//! A requirement applies when it is `always_applicable`, or when one of its `ai_act_profile`
//! entries matches: every non-empty dimension of the entry (type, risk group, role, open
//! source, systemic risk, transparency, conformity assessment body) shares a label with the
//! profile. An empty dimension places no restriction.

use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::ai_act::{Conclusion, LabelCategory, label_category};

const DATA_JSON: &str =
    include_str!("../../reference/task-registry/requirements-and-measures.json");

/// One entry of a requirement's `ai_act_profile`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileEntry {
    #[serde(rename = "type", default)]
    pub types: Vec<String>,
    #[serde(default)]
    pub risk_group: Vec<String>,
    #[serde(default)]
    pub role: Vec<String>,
    #[serde(default)]
    pub open_source: Vec<String>,
    #[serde(default)]
    pub systemic_risk: Vec<String>,
    #[serde(default)]
    pub transparency_obligations: Vec<String>,
    #[serde(default)]
    pub conformity_assessment_body: Vec<String>,
}

/// A requirement (vereiste) of the Algoritmekader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub urn: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub subject: Vec<String>,
    #[serde(default)]
    pub lifecycle: Vec<String>,
    /// URNs of the measures that help meet it.
    #[serde(default)]
    pub links: Vec<String>,
    #[serde(default)]
    pub ai_act_profile: Vec<ProfileEntry>,
    #[serde(default)]
    pub always_applicable: u8,
}

/// A measure (maatregel) of the Algoritmekader.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Measure {
    pub urn: String,
    pub name: String,
    #[serde(default)]
    pub description: String,
    #[serde(default)]
    pub explanation: String,
    #[serde(default)]
    pub url: String,
    #[serde(default)]
    pub subject: Vec<String>,
    #[serde(default)]
    pub suggested_roles: Vec<String>,
    #[serde(default)]
    pub lifecycle: Vec<String>,
    /// URNs of the requirements it helps meet.
    #[serde(default)]
    pub links: Vec<String>,
}

/// Where a measure stands for an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Todo,
    InProgress,
    InReview,
    Done,
    NotImplemented,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 5] = [
        MeasureStatus::Todo,
        MeasureStatus::InProgress,
        MeasureStatus::InReview,
        MeasureStatus::Done,
        MeasureStatus::NotImplemented,
    ];

    /// The status's code, as in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            MeasureStatus::Todo => "todo",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::InReview => "in_review",
            MeasureStatus::Done => "done",
            MeasureStatus::NotImplemented => "not_implemented",
        }
    }
}

#[derive(Deserialize)]
struct Data {
    requirements: Vec<Requirement>,
    measures: Vec<Measure>,
}

/// The shipped requirements and measures, parsed once.
pub struct Registry {
    pub requirements: Vec<Requirement>,
    pub measures: Vec<Measure>,
}

impl Registry {
    pub fn load() -> Result<&'static Registry, String> {
        static R: OnceLock<Result<Registry, String>> = OnceLock::new();
        R.get_or_init(|| {
            serde_json::from_str::<Data>(DATA_JSON)
                .map(|d| Registry {
                    requirements: d.requirements,
                    measures: d.measures,
                })
                .map_err(|e| format!("vereisten kunnen niet worden gelezen: {e}"))
        })
        .as_ref()
        .map_err(Clone::clone)
    }

    /// The measures that help meet any of these requirements, in registry order.
    pub fn measures_for(&self, requirements: &[Requirement]) -> Vec<Measure> {
        let wanted: BTreeSet<&str> = requirements
            .iter()
            .flat_map(|r| r.links.iter().map(String::as_str))
            .collect();
        let urns: BTreeSet<&str> = requirements.iter().map(|r| r.urn.as_str()).collect();
        self.measures
            .iter()
            .filter(|m| {
                wanted.contains(m.urn.as_str()) || m.links.iter().any(|l| urns.contains(l.as_str()))
            })
            .cloned()
            .collect()
    }
}

/// An application's AI Act profile: the labels of the decision aid (and `impactvol algoritme` /
/// `niet-impactvol algoritme` as a type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiActProfile {
    pub labels: BTreeSet<String>,
}

impl AiActProfile {
    pub fn from_labels<S: AsRef<str>>(labels: &[S]) -> Self {
        AiActProfile {
            labels: labels.iter().map(|l| l.as_ref().to_string()).collect(),
        }
    }

    /// The profile of a decision-aid conclusion.
    pub fn from_conclusion(c: &Conclusion) -> Self {
        Self::from_labels(&c.labels)
    }

    fn has_any(&self, wanted: &[String]) -> bool {
        wanted.is_empty() || wanted.iter().any(|w| self.labels.contains(w))
    }

    /// Whether one profile entry of a requirement matches.
    pub fn matches(&self, e: &ProfileEntry) -> bool {
        self.has_any(&e.types)
            && self.has_any(&e.risk_group)
            && self.has_any(&e.role)
            && self.has_any(&e.open_source)
            && self.has_any(&e.systemic_risk)
            && self.has_any(&e.transparency_obligations)
            && self.has_any(&e.conformity_assessment_body)
    }

    /// Labels that are not part of the vocabulary.
    pub fn unknown_labels(&self) -> Vec<&str> {
        self.labels
            .iter()
            .map(String::as_str)
            .filter(|l| label_category(l).is_none())
            .collect()
    }

    /// The roles in the profile.
    pub fn roles(&self) -> Vec<&str> {
        self.labels
            .iter()
            .map(String::as_str)
            .filter(|l| label_category(l) == Some(LabelCategory::Role))
            .collect()
    }
}

/// Whether a requirement applies to the profile.
pub fn applies(r: &Requirement, profile: &AiActProfile) -> bool {
    r.always_applicable == 1 || r.ai_act_profile.iter().any(|e| profile.matches(e))
}

/// The requirements that apply to the profile, in registry order.
/// The subject of the requirements that come from data-protection law (the AVG/GDPR).
pub const DATA_PROTECTION: &str = "privacy-en-gegevensbescherming";

/// The requirements for an application of `profile`, split into those that apply and those
/// set aside as not applicable: data-protection requirements do not apply to an application
/// that processes no personal data.
pub fn applicable_and_set_aside(
    profile: &AiActProfile,
    personal_data: bool,
) -> (Vec<Requirement>, Vec<Requirement>) {
    applicable(profile)
        .into_iter()
        .partition(|r| personal_data || !r.subject.iter().any(|s| s == DATA_PROTECTION))
}

pub fn applicable(profile: &AiActProfile) -> Vec<Requirement> {
    Registry::load()
        .map(|reg| {
            reg.requirements
                .iter()
                .filter(|r| applies(r, profile))
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_the_json_names() {
        for m in MeasureStatus::ALL {
            assert_eq!(serde_json::to_value(m).unwrap(), m.as_str());
        }
        for i in crate::register::framework::Instrument::ALL {
            assert_eq!(serde_json::to_value(i).unwrap(), i.as_str());
        }
    }
    #[test]
    fn data_protection_applies_only_to_personal_data() {
        let p = AiActProfile::default();
        let (with, none_aside) = applicable_and_set_aside(&p, true);
        assert!(none_aside.is_empty());
        let (without, aside) = applicable_and_set_aside(&p, false);
        assert!(!aside.is_empty());
        assert!(
            aside
                .iter()
                .all(|r| r.subject.iter().any(|s| s == DATA_PROTECTION))
        );
        assert!(
            without
                .iter()
                .all(|r| !r.subject.iter().any(|s| s == DATA_PROTECTION))
        );
        assert_eq!(with.len(), without.len() + aside.len());
    }
    use crate::register::ai_act::DecisionTree;

    fn urns(rs: &[Requirement]) -> BTreeSet<String> {
        rs.iter().map(|r| r.urn.clone()).collect()
    }

    #[test]
    fn registry_loads() {
        let reg = Registry::load().unwrap();
        assert_eq!(reg.requirements.len(), 63);
        assert_eq!(reg.measures.len(), 105);
        assert_eq!(
            reg.requirements
                .iter()
                .filter(|r| r.always_applicable == 1)
                .count(),
            23
        );
        // Every profile label in the data is in the decision aid's vocabulary.
        for r in &reg.requirements {
            for e in &r.ai_act_profile {
                let p = AiActProfile::from_labels(
                    &[
                        &e.types,
                        &e.risk_group,
                        &e.role,
                        &e.open_source,
                        &e.systemic_risk,
                        &e.transparency_obligations,
                        &e.conformity_assessment_body,
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>(),
                );
                assert!(
                    p.unknown_labels().is_empty(),
                    "{}: {:?}",
                    r.urn,
                    p.unknown_labels()
                );
            }
        }
    }

    #[test]
    fn empty_profile_gets_the_always_applicable_ones() {
        let rs = applicable(&AiActProfile::default());
        // The 23 always-applicable ones, plus aia-37 whose only profile entry restricts nothing.
        assert_eq!(rs.len(), 24);
        let unrestricted: Vec<&str> = rs
            .iter()
            .filter(|r| r.always_applicable != 1)
            .map(|r| r.urn.as_str())
            .collect();
        assert_eq!(unrestricted, vec!["urn:nl:ak:ver:aia-37"]);
    }

    #[test]
    fn high_risk_provider_gets_human_oversight_deployer_does_not() {
        let provider = applicable(&AiActProfile::from_labels(&[
            "aanbieder",
            "AI-systeem",
            "hoog-risico AI",
        ]));
        let deployer = applicable(&AiActProfile::from_labels(&[
            "gebruiksverantwoordelijke",
            "AI-systeem",
            "hoog-risico AI",
        ]));
        assert!(urns(&provider).contains("urn:nl:ak:ver:aia-09"));
        assert!(!urns(&deployer).contains("urn:nl:ak:ver:aia-09"));
        // The deployer's own obligation to keep logs.
        assert!(urns(&deployer).contains("urn:nl:ak:ver:aia-23"));
        assert!(provider.len() > 23 && deployer.len() > 23);
        // Not high-risk: fewer requirements than high-risk for the same role.
        let low = applicable(&AiActProfile::from_labels(&[
            "aanbieder",
            "AI-systeem",
            "geen hoog-risico AI",
        ]));
        assert!(low.len() < provider.len());
    }

    #[test]
    fn profile_from_a_decision_aid_conclusion() {
        let tree = DecisionTree::load().unwrap();
        // Deployer of an external high-risk AI system (see ai_act tests for this path).
        let o = tree.replay(&[0, 4, 0, 0, 1, 0, 1, 1, 1]).unwrap();
        assert_eq!(o.conclusion.id, "13.0.2");
        let p = AiActProfile::from_conclusion(&o.conclusion);
        assert_eq!(p.roles(), vec!["gebruiksverantwoordelijke"]);
        let rs = applicable(&p);
        assert!(urns(&rs).contains("urn:nl:ak:ver:aia-23"));
        let measures = Registry::load().unwrap().measures_for(&rs);
        assert!(!measures.is_empty());
    }

    #[test]
    fn measure_status_labels() {
        assert_eq!(MeasureStatus::ALL.len(), 5);
        assert_eq!(
            serde_json::to_string(&MeasureStatus::NotImplemented).unwrap(),
            "\"not_implemented\""
        );
    }
}
