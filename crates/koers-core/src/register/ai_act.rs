//! The AI Act decision aid (Beslishulp AI-verordening, MinBZK), driven by its published
//! `decision-tree.yaml`, which ships in `reference/` and is parsed as data.
//!
//! The tree has questions with answers; an answer sets labels and leads to a next question,
//! a conclusion, or a list of redirects whose `if` conditions are evaluated on the labels
//! collected so far (including the answer's own). The first redirect whose condition holds is
//! taken. Conditions use a tiny language: `"label" in labels`, `!`, `&&`, `||` and brackets.
//!
//! The tree does not give answers an id; an answer's id is its position (0-based) in the
//! question's list of answers.

use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use super::application::AiActRiskGroup;

const DECISION_TREE_YAML: &str =
    include_str!("../../reference/ai-verordening-beslishulp/decision-tree.yaml");

/// At most this many answers lead to a conclusion in any walk (the tree has 22 questions).
pub const MAX_STEPS: usize = 64;

/// Problems with the tree or with an answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    #[error("de beslisboom kan niet worden gelezen: {0}")]
    Load(String),
    #[error("vraag {question} heeft geen antwoord {answer}")]
    InvalidAnswer { question: String, answer: usize },
    #[error("de beslishulp is al afgerond")]
    Finished,
    #[error("geen doorverwijzing past bij antwoord {answer} op vraag {question}")]
    NoRedirect { question: String, answer: usize },
    #[error("de beslishulp is na {0} antwoorden nog niet afgerond")]
    Incomplete(usize),
    #[error("de beslishulp kwam na {0} stappen niet tot een conclusie")]
    TooManySteps(usize),
}

#[derive(Debug, Clone, Deserialize)]
struct RawTree {
    version: String,
    name: String,
    questions: Vec<RawQuestion>,
    conclusions: Vec<RawConclusion>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawQuestion {
    question_id: String,
    question: String,
    #[serde(default)]
    explanation: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    category: String,
    #[serde(default)]
    subcategory: String,
    #[serde(default)]
    sources: Vec<Source>,
    answers: Vec<RawAnswer>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawAnswer {
    answer: String,
    #[serde(default)]
    next_question_id: Option<String>,
    #[serde(default)]
    next_conclusion_id: Option<String>,
    #[serde(default)]
    subresult: Option<String>,
    #[serde(default)]
    labels: Vec<String>,
    #[serde(default)]
    answer_comment: Option<String>,
    #[serde(default)]
    redirects: Vec<RawRedirect>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRedirect {
    #[serde(default)]
    next_question_id: Option<String>,
    #[serde(default)]
    next_conclusion_id: Option<String>,
    #[serde(rename = "if")]
    condition: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawConclusion {
    conclusion_id: String,
    conclusion: String,
    #[serde(default)]
    conclusion_comment: Option<String>,
    #[serde(default)]
    obligation: String,
    #[serde(default)]
    sources: Vec<Source>,
}

/// A reference to a source, such as an article of the AI Act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    pub source: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// A condition on the collected labels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LabelExpr {
    Has(String),
    Not(Box<LabelExpr>),
    And(Box<LabelExpr>, Box<LabelExpr>),
    Or(Box<LabelExpr>, Box<LabelExpr>),
}

impl LabelExpr {
    pub fn eval(&self, labels: &BTreeSet<String>) -> bool {
        match self {
            LabelExpr::Has(l) => labels.contains(l),
            LabelExpr::Not(e) => !e.eval(labels),
            LabelExpr::And(a, b) => a.eval(labels) && b.eval(labels),
            LabelExpr::Or(a, b) => a.eval(labels) || b.eval(labels),
        }
    }

    /// Parses `"x" in labels`, `!`, `&&`, `||` and brackets; anything else is an error.
    pub fn parse(src: &str) -> Result<LabelExpr, String> {
        let mut p = LabelParser {
            s: src.as_bytes(),
            i: 0,
            src,
        };
        let e = p.or()?;
        p.ws();
        if p.i != p.s.len() {
            return Err(format!("onverwachte tekst op positie {} in '{src}'", p.i));
        }
        Ok(e)
    }
}

struct LabelParser<'a> {
    s: &'a [u8],
    i: usize,
    src: &'a str,
}

impl LabelParser<'_> {
    fn ws(&mut self) {
        while self.i < self.s.len() && self.s[self.i].is_ascii_whitespace() {
            self.i += 1;
        }
    }
    fn eat(&mut self, tok: &str) -> bool {
        self.ws();
        if self.s[self.i..].starts_with(tok.as_bytes()) {
            self.i += tok.len();
            true
        } else {
            false
        }
    }
    fn err(&self, what: &str) -> String {
        format!("{what} verwacht op positie {} in '{}'", self.i, self.src)
    }
    fn or(&mut self) -> Result<LabelExpr, String> {
        let mut e = self.and()?;
        while self.eat("||") {
            e = LabelExpr::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }
    fn and(&mut self) -> Result<LabelExpr, String> {
        let mut e = self.unary()?;
        while self.eat("&&") {
            e = LabelExpr::And(Box::new(e), Box::new(self.unary()?));
        }
        Ok(e)
    }
    fn unary(&mut self) -> Result<LabelExpr, String> {
        if self.eat("!") {
            return Ok(LabelExpr::Not(Box::new(self.unary()?)));
        }
        if self.eat("(") {
            let e = self.or()?;
            if !self.eat(")") {
                return Err(self.err("')'"));
            }
            return Ok(e);
        }
        if self.eat("\"") {
            let start = self.i;
            while self.i < self.s.len() && self.s[self.i] != b'"' {
                self.i += 1;
            }
            if self.i >= self.s.len() {
                return Err(self.err("'\"'"));
            }
            let label = self.src[start..self.i].to_string();
            self.i += 1;
            if !self.eat("in") || !self.eat("labels") {
                return Err(self.err("'in labels'"));
            }
            return Ok(LabelExpr::Has(label));
        }
        Err(self.err("een label, '!' of '('"))
    }
}

/// Where an answer or redirect leads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "id", rename_all = "snake_case")]
pub enum Target {
    Question(String),
    Conclusion(String),
}

#[derive(Debug, Clone)]
struct Redirect {
    target: Target,
    condition: LabelExpr,
}

#[derive(Debug, Clone)]
enum Next {
    Direct(Target),
    Redirects(Vec<Redirect>),
}

/// An answer to a question, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AnswerView {
    pub id: usize,
    pub text: String,
    pub comment: Option<String>,
}

/// A question, as shown to the user.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuestionView {
    pub id: String,
    pub question: String,
    pub explanation: String,
    pub description: Option<String>,
    pub category: String,
    pub subcategory: String,
    pub sources: Vec<Source>,
    pub answers: Vec<AnswerView>,
}

#[derive(Debug, Clone)]
struct Answer {
    view: AnswerView,
    labels: Vec<String>,
    subresult: Option<String>,
    next: Next,
}

#[derive(Debug, Clone)]
struct Question {
    view: QuestionView,
    answers: Vec<Answer>,
}

#[derive(Debug, Clone)]
struct ConclusionData {
    id: String,
    text: String,
    comment: Option<String>,
    obligation: String,
    sources: Vec<Source>,
}

/// The parsed decision tree.
#[derive(Debug, Clone)]
pub struct DecisionTree {
    pub version: String,
    pub name: String,
    first: String,
    questions: BTreeMap<String, Question>,
    conclusions: BTreeMap<String, ConclusionData>,
}

/// The category a decision-aid label belongs to (from the upstream README's label table).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LabelCategory {
    SystemType,
    Operational,
    RiskGroup,
    Role,
    SystemicRisk,
    Transparency,
    OpenSource,
    ConformityBody,
}

/// Every label the decision aid uses, with its category.
pub const LABELS: [(&str, LabelCategory); 24] = [
    ("AI-systeem", LabelCategory::SystemType),
    (
        "AI-systeem voor algemene doeleinden",
        LabelCategory::SystemType,
    ),
    (
        "AI-model voor algemene doeleinden",
        LabelCategory::SystemType,
    ),
    ("geen algoritme", LabelCategory::SystemType),
    ("in gebruik", LabelCategory::Operational),
    ("in ontwikkeling", LabelCategory::Operational),
    ("hoog-risico AI", LabelCategory::RiskGroup),
    ("geen hoog-risico AI", LabelCategory::RiskGroup),
    ("verboden AI", LabelCategory::RiskGroup),
    ("uitzondering van toepassing", LabelCategory::RiskGroup),
    ("aanbieder", LabelCategory::Role),
    ("gebruiksverantwoordelijke", LabelCategory::Role),
    ("importeur", LabelCategory::Role),
    ("distributeur", LabelCategory::Role),
    ("systeemrisico", LabelCategory::SystemicRisk),
    ("geen systeemrisico", LabelCategory::SystemicRisk),
    ("transparantieverplichting", LabelCategory::Transparency),
    (
        "geen transparantieverplichting",
        LabelCategory::Transparency,
    ),
    ("open-source", LabelCategory::OpenSource),
    ("geen open-source", LabelCategory::OpenSource),
    (
        "beoordeling door derde partij",
        LabelCategory::ConformityBody,
    ),
    ("niet van toepassing", LabelCategory::ConformityBody),
    // Not in the README's table but the same vocabulary as the task registry.
    ("impactvol algoritme", LabelCategory::SystemType),
    ("niet-impactvol algoritme", LabelCategory::SystemType),
];

/// The category of a label, if the label is known.
pub fn label_category(label: &str) -> Option<LabelCategory> {
    LABELS.iter().find(|(l, _)| *l == label).map(|(_, c)| *c)
}

fn target(q: &Option<String>, c: &Option<String>) -> Option<Target> {
    match (q, c) {
        (Some(q), None) => Some(Target::Question(q.clone())),
        (None, Some(c)) => Some(Target::Conclusion(c.clone())),
        _ => None,
    }
}

impl DecisionTree {
    /// The shipped tree, parsed once.
    pub fn load() -> Result<&'static DecisionTree, Error> {
        static TREE: OnceLock<Result<DecisionTree, Error>> = OnceLock::new();
        TREE.get_or_init(|| DecisionTree::parse(DECISION_TREE_YAML))
            .as_ref()
            .map_err(Clone::clone)
    }

    /// Parses and checks a tree: every reference resolves and every condition parses.
    pub fn parse(yaml: &str) -> Result<DecisionTree, Error> {
        let raw: RawTree = serde_yaml_ng::from_str(yaml).map_err(|e| Error::Load(e.to_string()))?;
        let first = raw
            .questions
            .first()
            .map(|q| q.question_id.clone())
            .ok_or_else(|| Error::Load("geen vragen".into()))?;
        let mut questions = BTreeMap::new();
        for q in raw.questions {
            let mut answers = Vec::new();
            for (i, a) in q.answers.into_iter().enumerate() {
                let next = if a.redirects.is_empty() {
                    Next::Direct(
                        target(&a.next_question_id, &a.next_conclusion_id).ok_or_else(|| {
                            Error::Load(format!(
                                "antwoord {i} op vraag {} leidt nergens heen",
                                q.question_id
                            ))
                        })?,
                    )
                } else {
                    let mut rs = Vec::new();
                    for r in a.redirects {
                        rs.push(Redirect {
                            target: target(&r.next_question_id, &r.next_conclusion_id).ok_or_else(
                                || {
                                    Error::Load(format!(
                                        "doorverwijzing bij vraag {} leidt nergens heen",
                                        q.question_id
                                    ))
                                },
                            )?,
                            condition: LabelExpr::parse(&r.condition).map_err(Error::Load)?,
                        });
                    }
                    Next::Redirects(rs)
                };
                answers.push(Answer {
                    view: AnswerView {
                        id: i,
                        text: a.answer,
                        comment: a.answer_comment,
                    },
                    labels: a.labels,
                    subresult: a.subresult,
                    next,
                });
            }
            let view = QuestionView {
                id: q.question_id.clone(),
                question: q.question,
                explanation: q.explanation.trim().to_string(),
                description: q.description,
                category: q.category,
                subcategory: q.subcategory,
                sources: q.sources,
                answers: answers.iter().map(|a| a.view.clone()).collect(),
            };
            if questions
                .insert(q.question_id.clone(), Question { view, answers })
                .is_some()
            {
                return Err(Error::Load(format!(
                    "vraag {} komt twee keer voor",
                    q.question_id
                )));
            }
        }
        let conclusions: BTreeMap<String, ConclusionData> = raw
            .conclusions
            .into_iter()
            .map(|c| {
                (
                    c.conclusion_id.clone(),
                    ConclusionData {
                        id: c.conclusion_id,
                        text: c.conclusion.trim().to_string(),
                        comment: c.conclusion_comment,
                        obligation: c.obligation.trim().to_string(),
                        sources: c.sources,
                    },
                )
            })
            .collect();
        let tree = DecisionTree {
            version: raw.version,
            name: raw.name,
            first,
            questions,
            conclusions,
        };
        for q in tree.questions.values() {
            for a in &q.answers {
                let targets: Vec<&Target> = match &a.next {
                    Next::Direct(t) => vec![t],
                    Next::Redirects(rs) => rs.iter().map(|r| &r.target).collect(),
                };
                for t in targets {
                    let ok = match t {
                        Target::Question(id) => tree.questions.contains_key(id),
                        Target::Conclusion(id) => tree.conclusions.contains_key(id),
                    };
                    if !ok {
                        return Err(Error::Load(format!(
                            "vraag {} verwijst naar onbekende {t:?}",
                            q.view.id
                        )));
                    }
                }
            }
        }
        Ok(tree)
    }

    /// A question by id.
    pub fn question(&self, id: &str) -> Option<&QuestionView> {
        self.questions.get(id).map(|q| &q.view)
    }

    /// Every label the tree can set.
    pub fn labels(&self) -> BTreeSet<&str> {
        self.questions
            .values()
            .flat_map(|q| {
                q.answers
                    .iter()
                    .flat_map(|a| a.labels.iter().map(String::as_str))
            })
            .collect()
    }

    /// Starts a new session at the first question.
    pub fn start(&self) -> Session<'_> {
        Session {
            tree: self,
            at: Target::Question(self.first.clone()),
            labels: Vec::new(),
            path: Vec::new(),
            subresults: Vec::new(),
        }
    }

    /// Replays stored answers from the start; they must end in a conclusion.
    pub fn replay(&self, answers: &[usize]) -> Result<Outcome, Error> {
        let mut s = self.start();
        for a in answers {
            s.answer(*a)?;
        }
        s.outcome().ok_or(Error::Incomplete(answers.len()))
    }

    fn conclusion(&self, id: &str, labels: &[String]) -> Option<Conclusion> {
        let c = self.conclusions.get(id)?;
        let of = |cat: LabelCategory| -> Vec<String> {
            labels
                .iter()
                .filter(|l| label_category(l) == Some(cat))
                .cloned()
                .collect()
        };
        let first = |cat| of(cat).into_iter().next();
        Some(Conclusion {
            id: c.id.clone(),
            text: c.text.clone(),
            comment: c.comment.clone(),
            obligation: c.obligation.clone(),
            sources: c.sources.clone(),
            roles: of(LabelCategory::Role),
            system_type: first(LabelCategory::SystemType),
            risk_group: first(LabelCategory::RiskGroup),
            transparency: first(LabelCategory::Transparency),
            systemic_risk: first(LabelCategory::SystemicRisk),
            open_source: first(LabelCategory::OpenSource),
            conformity_assessment: first(LabelCategory::ConformityBody),
            operational: first(LabelCategory::Operational),
            labels: labels.to_vec(),
        })
    }
}

/// The end of the decision aid: the conclusion text and obligations as the tree gives them,
/// and the collected labels sorted into their categories.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Conclusion {
    pub id: String,
    pub text: String,
    pub comment: Option<String>,
    /// The obligations (HTML as in the source).
    pub obligation: String,
    pub sources: Vec<Source>,
    /// `aanbieder`, `gebruiksverantwoordelijke`, `importeur`, `distributeur`.
    pub roles: Vec<String>,
    /// `AI-systeem`, `AI-systeem voor algemene doeleinden`, `AI-model voor algemene doeleinden`, `geen algoritme`.
    pub system_type: Option<String>,
    /// `hoog-risico AI`, `geen hoog-risico AI`, `verboden AI`, `uitzondering van toepassing`.
    pub risk_group: Option<String>,
    /// `transparantieverplichting` or `geen transparantieverplichting`.
    pub transparency: Option<String>,
    pub systemic_risk: Option<String>,
    pub open_source: Option<String>,
    pub conformity_assessment: Option<String>,
    pub operational: Option<String>,
    /// All labels in the order they were set.
    pub labels: Vec<String>,
}

impl Conclusion {
    /// The risk group for the register; `NotApplicable` when the AI Act does not apply.
    pub fn register_risk_group(&self) -> AiActRiskGroup {
        self.risk_group
            .as_deref()
            .and_then(AiActRiskGroup::from_label)
            .unwrap_or(AiActRiskGroup::NotApplicable)
    }

    /// True when the tree found a transparency obligation.
    pub fn has_transparency_obligation(&self) -> bool {
        self.transparency.as_deref() == Some("transparantieverplichting")
    }
}

/// The result of one answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Step {
    Question(QuestionView),
    Conclusion(Box<Conclusion>),
}

/// A finished walk: the conclusion and how it was reached.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    pub conclusion: Conclusion,
    /// (question id, answer id) in order.
    pub path: Vec<(String, usize)>,
    /// Intermediate results shown along the way.
    pub subresults: Vec<String>,
    pub tree_version: String,
}

impl Outcome {
    /// The answer ids alone, to store and [`DecisionTree::replay`] later.
    pub fn answers(&self) -> Vec<usize> {
        self.path.iter().map(|(_, a)| *a).collect()
    }
}

/// A walk through the tree in progress.
#[derive(Debug, Clone)]
pub struct Session<'t> {
    tree: &'t DecisionTree,
    at: Target,
    labels: Vec<String>,
    path: Vec<(String, usize)>,
    subresults: Vec<String>,
}

impl<'t> Session<'t> {
    /// The question to answer now; `None` once concluded.
    pub fn current_question(&self) -> Option<&'t QuestionView> {
        match &self.at {
            Target::Question(id) => self.tree.question(id),
            Target::Conclusion(_) => None,
        }
    }

    /// The labels collected so far, in order.
    pub fn labels(&self) -> &[String] {
        &self.labels
    }

    /// The answer ids given so far.
    pub fn answers(&self) -> Vec<usize> {
        self.path.iter().map(|(_, a)| *a).collect()
    }

    /// Answers the current question. On error the session is unchanged.
    pub fn answer(&mut self, answer_id: usize) -> Result<Step, Error> {
        let qid = match &self.at {
            Target::Question(id) => id.clone(),
            Target::Conclusion(_) => return Err(Error::Finished),
        };
        if self.path.len() >= MAX_STEPS {
            return Err(Error::TooManySteps(self.path.len()));
        }
        let q = self
            .tree
            .questions
            .get(&qid)
            .ok_or_else(|| Error::Load(format!("onbekende vraag {qid}")))?;
        let a = q
            .answers
            .get(answer_id)
            .ok_or_else(|| Error::InvalidAnswer {
                question: qid.clone(),
                answer: answer_id,
            })?;
        let mut labels = self.labels.clone();
        for l in &a.labels {
            if !labels.contains(l) {
                labels.push(l.clone());
            }
        }
        let next = match &a.next {
            Next::Direct(t) => t.clone(),
            Next::Redirects(rs) => {
                let set: BTreeSet<String> = labels.iter().cloned().collect();
                rs.iter()
                    .find(|r| r.condition.eval(&set))
                    .map(|r| r.target.clone())
                    .ok_or_else(|| Error::NoRedirect {
                        question: qid.clone(),
                        answer: answer_id,
                    })?
            }
        };
        self.labels = labels;
        self.path.push((qid, answer_id));
        if let Some(s) = &a.subresult {
            self.subresults.push(s.clone());
        }
        self.at = next;
        self.step()
    }

    fn step(&self) -> Result<Step, Error> {
        match &self.at {
            Target::Question(id) => self
                .tree
                .question(id)
                .cloned()
                .map(Step::Question)
                .ok_or_else(|| Error::Load(format!("onbekende vraag {id}"))),
            Target::Conclusion(id) => self
                .tree
                .conclusion(id, &self.labels)
                .map(|c| Step::Conclusion(Box::new(c)))
                .ok_or_else(|| Error::Load(format!("onbekende conclusie {id}"))),
        }
    }

    /// The outcome, once concluded.
    pub fn outcome(&self) -> Option<Outcome> {
        match &self.at {
            Target::Conclusion(id) => {
                self.tree
                    .conclusion(id, &self.labels)
                    .map(|conclusion| Outcome {
                        conclusion,
                        path: self.path.clone(),
                        subresults: self.subresults.clone(),
                        tree_version: self.tree.version.clone(),
                    })
            }
            Target::Question(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn tree() -> &'static DecisionTree {
        DecisionTree::load().unwrap()
    }

    /// Answers by their text, so the tests read like the questionnaire.
    fn walk(answers: &[(&str, &str)]) -> Outcome {
        let t = tree();
        let mut s = t.start();
        for (qid, text) in answers {
            let q = s
                .current_question()
                .unwrap_or_else(|| panic!("concluded before {qid}"));
            assert_eq!(q.id, *qid, "labels so far: {:?}", s.labels());
            let a = q
                .answers
                .iter()
                .find(|a| a.text == *text)
                .unwrap_or_else(|| panic!("no answer {text} on {qid}"));
            s.answer(a.id).unwrap();
        }
        s.outcome().unwrap_or_else(|| {
            panic!(
                "not concluded, at {:?}",
                s.current_question().map(|q| &q.id)
            )
        })
    }

    #[test]
    fn tree_loads_and_is_consistent() {
        let t = tree();
        assert_eq!(t.version, "1.0.0");
        assert_eq!(t.name, "Beslishulp AI-verordening");
        assert_eq!(t.questions.len(), 22);
        let first = t.start();
        let q = first.current_question().unwrap();
        assert_eq!(q.id, "1.1");
        assert_eq!(q.question, "Bevat de (beoogde) toepassing een algoritme?");
        assert_eq!(q.answers.len(), 2);
        // Every label in the tree has a known category.
        for l in t.labels() {
            assert!(label_category(l).is_some(), "unknown label {l}");
        }
    }

    #[test]
    fn no_algorithm() {
        let o = walk(&[("1.1", "Nee")]);
        assert_eq!(o.conclusion.id, "11.0");
        assert_eq!(o.conclusion.system_type.as_deref(), Some("geen algoritme"));
        assert_eq!(
            o.conclusion.register_risk_group(),
            AiActRiskGroup::NotApplicable
        );
        assert!(o.conclusion.obligation.contains("AVG"));
    }

    #[test]
    fn not_an_ai_system() {
        let o = walk(&[
            ("1.1", "Ja"),
            (
                "1.2",
                "We gebruiken een extern ontwikkelde toepassing zonder aanpassingen",
            ),
            ("1.3", "In gebruik"),
            ("1.4.1", "Nee, het is geen AI-systeem"),
            ("1.4.2", "Geen van bovenstaande"),
        ]);
        assert_eq!(o.conclusion.id, "11.1");
        assert_eq!(o.conclusion.roles, vec!["gebruiksverantwoordelijke"]);
        assert_eq!(o.conclusion.system_type, None);
    }

    #[test]
    fn high_risk_deployer_without_transparency_obligation() {
        let o = walk(&[
            ("1.1", "Ja"),
            (
                "1.2",
                "We gebruiken een extern ontwikkelde toepassing zonder aanpassingen",
            ),
            ("1.3", "In gebruik"),
            ("1.4.1", "Ja, het is een AI-systeem"),
            ("1.5", "Nee"),
            ("2.0", "Naar risicogroep bepaling"),
            ("2.1", "Nee"),
            ("2.3", "Ja Sectie B van Bijlage I"),
            ("2.9", "Nee"),
        ]);
        let c = &o.conclusion;
        assert_eq!(c.id, "13.0.2");
        assert!(
            c.text
                .contains("gebruiksverantwoordelijke van een hoog-risico AI-systeem")
        );
        assert_eq!(c.roles, vec!["gebruiksverantwoordelijke"]);
        assert_eq!(c.system_type.as_deref(), Some("AI-systeem"));
        assert_eq!(c.risk_group.as_deref(), Some("hoog-risico AI"));
        assert_eq!(
            c.transparency.as_deref(),
            Some("geen transparantieverplichting")
        );
        assert_eq!(c.operational.as_deref(), Some("in gebruik"));
        assert_eq!(c.register_risk_group(), AiActRiskGroup::HighRisk);
        assert!(!c.has_transparency_obligation());
        assert!(!c.obligation.is_empty());
    }

    #[test]
    fn prohibited_system_of_a_provider_and_deployer() {
        let o = walk(&[
            ("1.1", "Ja"),
            ("1.2", "We ontwikkelen en gebruiken het zelf"),
            ("1.3", "In ontwikkeling"),
            ("1.4.1", "Ja, het is een AI-systeem"),
            ("1.5", "Nee"),
            ("2.0", "Naar risicogroep bepaling"),
            ("2.1", "Ja"),
            ("2.2", "Nee"),
        ]);
        assert_eq!(o.conclusion.id, "14.0.0");
        assert_eq!(o.conclusion.risk_group.as_deref(), Some("verboden AI"));
        assert_eq!(
            o.conclusion.roles,
            vec!["aanbieder", "gebruiksverantwoordelijke"]
        );
        assert_eq!(
            o.conclusion.register_risk_group(),
            AiActRiskGroup::Prohibited
        );
    }

    #[test]
    fn transparency_obligation_for_a_non_high_risk_deployer() {
        let o = walk(&[
            ("1.1", "Ja"),
            (
                "1.2",
                "We gebruiken een extern ontwikkelde toepassing zonder aanpassingen",
            ),
            ("1.3", "In gebruik"),
            ("1.4.1", "Ja, het is een AI-systeem"),
            ("1.5", "Nee"),
            ("2.0", "Naar risicogroep bepaling"),
            ("2.1", "Nee"),
            ("2.3", "Geen van beide"),
            ("2.4", "Nee"),
            ("2.11", "Nee"),
            ("2.9", "Ja"),
            ("2.10", "Nee"),
        ]);
        let c = &o.conclusion;
        assert_eq!(c.id, "13.0.3");
        assert!(c.has_transparency_obligation());
        assert_eq!(c.risk_group.as_deref(), Some("geen hoog-risico AI"));
        assert_eq!(c.open_source.as_deref(), Some("geen open-source"));
        assert_eq!(c.register_risk_group(), AiActRiskGroup::NotHighRisk);
    }

    #[test]
    fn distributor_of_a_general_purpose_model_is_redirected() {
        let o = walk(&[
            ("1.1", "Ja"),
            (
                "1.2",
                "We kopen van een leverancier binnen de EU en verkopen het",
            ),
            ("1.3", "In gebruik"),
            ("1.4.1", "Nee, het is geen AI-systeem"),
            ("1.4.2", "AI-model voor algemene doeleinden"),
        ]);
        assert_eq!(o.conclusion.id, "16.2.1");
        assert_eq!(o.conclusion.roles, vec!["distributeur"]);
    }

    #[test]
    fn replay_reproduces_the_outcome() {
        let o = walk(&[("1.1", "Ja"), ("1.2", "Geen van bovenstaande")]);
        assert_eq!(o.conclusion.id, "11.3");
        let again = tree().replay(&o.answers()).unwrap();
        assert_eq!(again, o);
        assert_eq!(tree().replay(&[0]).unwrap_err(), Error::Incomplete(1));
        assert_eq!(tree().replay(&[1, 0]).unwrap_err(), Error::Finished);
    }

    #[test]
    fn invalid_answer_id_is_an_error_and_changes_nothing() {
        let t = tree();
        let mut s = t.start();
        let err = s.answer(7).unwrap_err();
        assert_eq!(
            err,
            Error::InvalidAnswer {
                question: "1.1".into(),
                answer: 7
            }
        );
        assert_eq!(err.to_string(), "vraag 1.1 heeft geen antwoord 7");
        assert_eq!(s.current_question().unwrap().id, "1.1");
        assert!(s.answers().is_empty());
        assert!(matches!(s.answer(0).unwrap(), Step::Question(q) if q.id == "1.2"));
    }

    #[test]
    fn label_expressions() {
        let e =
            LabelExpr::parse(r#"!("a" in labels) && ("b" in labels || "c d" in labels)"#).unwrap();
        let set = |xs: &[&str]| xs.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
        assert!(e.eval(&set(&["c d"])));
        assert!(!e.eval(&set(&["a", "b"])));
        assert!(!e.eval(&set(&[])));
        assert!(LabelExpr::parse(r#""a" in things"#).is_err());
        assert!(LabelExpr::parse(r#""a" in labels &&"#).is_err());
        assert!(LabelExpr::parse(r#"("a" in labels"#).is_err());
        assert!(LabelExpr::parse(r#""a" in labels extra"#).is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn any_random_walk_ends_in_a_conclusion(choices in proptest::collection::vec(any::<prop::sample::Index>(), MAX_STEPS)) {
            let t = tree();
            let mut s = t.start();
            let mut steps = 0;
            while let Some(q) = s.current_question() {
                prop_assert!(steps < MAX_STEPS, "no conclusion after {steps} steps");
                let a = choices[steps].index(q.answers.len());
                let step = s.answer(a);
                prop_assert!(step.is_ok(), "{:?} at {} with labels {:?}", step, q.id, s.labels());
                steps += 1;
            }
            let o = s.outcome().unwrap();
            prop_assert_eq!(t.replay(&o.answers()).unwrap(), o);
        }
    }
}
