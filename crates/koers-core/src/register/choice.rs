//! A choice about an application, recorded in the shape of MADR 4 (Markdown Architectural
//! Decision Records): context and problem, decision drivers, options considered with their
//! pros and cons, the chosen option with its rationale and consequences, and who decided,
//! was consulted and was informed.
//!
//! Status moves `proposed → advised → decided → superseded`; an advised (or deferred) choice
//! may also be **sent back** to its proposer (who revises it: proposed again), **rejected**,
//! or **deferred** to a later meeting, and the board may decide on another option than the
//! one proposed, saying why. Four eyes: the proposer does not advise their own choice, and
//! whoever advised a choice does not decide on it.

use crate::error::{Collector, FieldError, Invalid, parse_enum, text};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

/// What the choice is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceType {
    AlgorithmSelection,
    BuildBuyOutsourceReuse,
    Hosting,
    DataSharing,
    OpenSource,
    Other,
}

impl ChoiceType {
    pub const ALL: [ChoiceType; 6] = [
        ChoiceType::AlgorithmSelection,
        ChoiceType::BuildBuyOutsourceReuse,
        ChoiceType::Hosting,
        ChoiceType::DataSharing,
        ChoiceType::OpenSource,
        ChoiceType::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceType::AlgorithmSelection => "algorithm_selection",
            ChoiceType::BuildBuyOutsourceReuse => "build_buy_outsource_reuse",
            ChoiceType::Hosting => "hosting",
            ChoiceType::DataSharing => "data_sharing",
            ChoiceType::OpenSource => "open_source",
            ChoiceType::Other => "other",
        }
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            ChoiceType::AlgorithmSelection => "keuze van het algoritme",
            ChoiceType::BuildBuyOutsourceReuse => "zelf bouwen, kopen, uitbesteden of hergebruiken",
            ChoiceType::Hosting => "hosting",
            ChoiceType::DataSharing => "delen van gegevens",
            ChoiceType::OpenSource => "open source",
            ChoiceType::Other => "overig",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "choiceType",
            s,
            &ChoiceType::ALL,
            ChoiceType::as_str,
            "moet algorithm_selection, build_buy_outsource_reuse, hosting, data_sharing, open_source of other zijn",
        )
    }
}

/// The status of a choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChoiceStatus {
    Proposed,
    Advised,
    /// Put off to a later meeting.
    Deferred,
    /// Returned to the proposer with a reason, to revise.
    SentBack,
    Rejected,
    Decided,
    Superseded,
}

impl ChoiceStatus {
    pub const ALL: [ChoiceStatus; 7] = [
        ChoiceStatus::Proposed,
        ChoiceStatus::Advised,
        ChoiceStatus::Deferred,
        ChoiceStatus::SentBack,
        ChoiceStatus::Rejected,
        ChoiceStatus::Decided,
        ChoiceStatus::Superseded,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ChoiceStatus::Proposed => "proposed",
            ChoiceStatus::Advised => "advised",
            ChoiceStatus::Deferred => "deferred",
            ChoiceStatus::SentBack => "sent_back",
            ChoiceStatus::Rejected => "rejected",
            ChoiceStatus::Decided => "decided",
            ChoiceStatus::Superseded => "superseded",
        }
    }

    pub fn label_nl(self) -> &'static str {
        match self {
            ChoiceStatus::Proposed => "voorgesteld",
            ChoiceStatus::Advised => "geadviseerd",
            ChoiceStatus::Deferred => "aangehouden",
            ChoiceStatus::SentBack => "teruggestuurd",
            ChoiceStatus::Rejected => "afgewezen",
            ChoiceStatus::Decided => "besloten",
            ChoiceStatus::Superseded => "vervangen",
        }
    }

    /// What whoever decides may make of an advised choice: decide it, send it back, reject
    /// or defer it.
    pub const DECISIONS: &'static [ChoiceStatus] = &[
        ChoiceStatus::Decided,
        ChoiceStatus::SentBack,
        ChoiceStatus::Rejected,
        ChoiceStatus::Deferred,
    ];

    /// Whether this status is one of the [`Self::DECISIONS`].
    pub fn is_decision(self) -> bool {
        Self::DECISIONS.contains(&self)
    }

    /// The statuses reachable in one step (a sent-back choice becomes proposed again by
    /// being revised, see [`Choice::revise`]).
    pub fn next(self) -> &'static [ChoiceStatus] {
        match self {
            ChoiceStatus::Proposed => &[ChoiceStatus::Advised],
            ChoiceStatus::Advised | ChoiceStatus::Deferred => Self::DECISIONS,
            ChoiceStatus::Decided => &[ChoiceStatus::Superseded],
            ChoiceStatus::SentBack | ChoiceStatus::Rejected | ChoiceStatus::Superseded => &[],
        }
    }

    /// Whether the proposer may still change the choice.
    pub fn editable(self) -> bool {
        matches!(self, ChoiceStatus::Proposed | ChoiceStatus::SentBack)
    }

    /// Whether a meeting's decision list records it: the board decided, sent it back,
    /// rejected or deferred it (or it was since superseded).
    pub fn has_outcome(self) -> bool {
        !matches!(self, ChoiceStatus::Proposed | ChoiceStatus::Advised)
    }

    /// Whether the choice waits for a decision (on an agenda).
    pub fn open(self) -> bool {
        matches!(
            self,
            ChoiceStatus::Proposed | ChoiceStatus::Advised | ChoiceStatus::Deferred
        )
    }
}

/// One option considered, with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub title: String,
    pub description: Option<String>,
    pub pros: Vec<String>,
    pub cons: Vec<String>,
}

/// Whether a consequence is good, neutral or bad.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Valence {
    Good,
    Neutral,
    Bad,
}

impl Valence {
    pub const ALL: [Valence; 3] = [Valence::Good, Valence::Neutral, Valence::Bad];
}

/// A consequence of the decision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Consequence {
    pub valence: Valence,
    pub text: String,
}

/// Raw input for an option.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct OptionInput {
    pub title: String,
    pub description: String,
    pub pros: Vec<String>,
    pub cons: Vec<String>,
}

/// Raw input for a consequence; `valence` is `good`, `neutral` or `bad`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ConsequenceInput {
    pub valence: String,
    pub text: String,
}

/// Raw input for a new (proposed) choice.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ChoiceInput {
    pub title: String,
    pub choice_type: String,
    pub context: String,
    pub drivers: Vec<String>,
    pub options: Vec<OptionInput>,
    /// The title of one of the options; may stay empty while proposed.
    pub chosen_option: String,
    pub rationale: String,
    pub consequences: Vec<ConsequenceInput>,
    pub decision_makers: Vec<String>,
    pub consulted: Vec<String>,
    pub informed: Vec<String>,
    /// Ids of evidence snapshots (frozen monitors and indicators) the proposal rests on.
    pub evidence: Vec<String>,
}

/// A recorded choice.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Choice {
    pub title: String,
    pub choice_type: ChoiceType,
    pub context: String,
    pub drivers: Vec<String>,
    pub options: Vec<ChoiceOption>,
    pub chosen_option: Option<String>,
    pub rationale: Option<String>,
    pub consequences: Vec<Consequence>,
    pub decision_makers: Vec<String>,
    pub consulted: Vec<String>,
    pub informed: Vec<String>,
    pub status: ChoiceStatus,
    pub decided_on: Option<NaiveDate>,
    pub decided_by: Option<String>,
    /// The id of the choice that replaced this one.
    pub superseded_by: Option<String>,
    /// The advice given before the decision, and who gave it (also among `consulted`).
    #[serde(default)]
    pub advice: Option<String>,
    #[serde(default)]
    pub advised_by: Option<String>,
    /// Who (a user id) proposed it, recorded the advice and decided on it: the four-eyes rule.
    #[serde(default)]
    pub proposed_by_user: Option<String>,
    #[serde(default)]
    pub advice_by_user: Option<String>,
    #[serde(default)]
    pub decided_by_user: Option<String>,
    /// Why the board sent it back, rejected or deferred it, or chose another option.
    #[serde(default)]
    pub board_reason: Option<String>,
    /// The meeting or date a deferred choice is put off to.
    #[serde(default)]
    pub deferred_to: Option<String>,
    /// The option the proposal named, where the board chose another.
    #[serde(default)]
    pub proposed_option: Option<String>,
    /// How many times it was revised after being sent back.
    #[serde(default)]
    pub revision: u32,
    /// Ids of the evidence snapshots (what the board saw, frozen with its hash) the proposal
    /// rests on.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<String>,
}

/// A requested status change.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Transition {
    /// The advice (its text) and who gave it.
    Advised {
        #[serde(default)]
        advice: String,
        #[serde(default)]
        adviser: String,
    },
    Decided {
        date: Option<NaiveDate>,
        decision_maker: String,
        /// Another option than the one proposed (empty: the proposed one), with `rationale`.
        #[serde(default)]
        option: String,
        #[serde(default)]
        rationale: String,
    },
    SentBack {
        #[serde(default)]
        reason: String,
    },
    Rejected {
        #[serde(default)]
        reason: String,
        date: Option<NaiveDate>,
    },
    Deferred {
        /// The meeting or date it is put off to.
        #[serde(default)]
        until: String,
        #[serde(default)]
        reason: String,
    },
    Superseded {
        by: String,
    },
}

const SHORT: usize = 200;
const LONG: usize = 10_000;

fn list(
    name: &str,
    raw: &[String],
    max_len: usize,
    max_items: usize,
) -> Result<Vec<String>, Invalid> {
    let mut out = Vec::new();
    let mut errs = Vec::new();
    for (i, s) in raw.iter().enumerate() {
        if s.trim().is_empty() {
            continue;
        }
        match text(&format!("{name}[{i}]"), s, max_len) {
            Ok(t) if !out.contains(&t) => out.push(t),
            Ok(_) => {}
            Err(Invalid(mut e)) => errs.append(&mut e),
        }
    }
    if out.len() > max_items {
        errs.push(FieldError::new(
            name,
            "too_many",
            format!("mag hoogstens {max_items} items bevatten"),
        ));
    }
    if errs.is_empty() {
        Ok(out)
    } else {
        Err(Invalid(errs))
    }
}

fn optional_text(name: &str, raw: &str, max: usize) -> Result<Option<String>, Invalid> {
    if raw.trim().is_empty() {
        Ok(None)
    } else {
        text(name, raw, max).map(Some)
    }
}

impl Choice {
    /// Validates a new choice, reporting every problem at once. The status is `proposed`.
    pub fn parse(input: &ChoiceInput) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let title = c.take(text("title", &input.title, SHORT));
        let choice_type = c.take(ChoiceType::parse(&input.choice_type));
        let context = c.take(text("context", &input.context, LONG));
        let drivers = c.take(list("drivers", &input.drivers, 1000, 50));
        let mut options = Vec::new();
        for (i, o) in input.options.iter().enumerate() {
            let n = format!("options[{i}]");
            let title = c.take(text(&format!("{n}.title"), &o.title, SHORT));
            let description = c.take(optional_text(
                &format!("{n}.description"),
                &o.description,
                LONG,
            ));
            let pros = c.take(list(&format!("{n}.pros"), &o.pros, 1000, 50));
            let cons = c.take(list(&format!("{n}.cons"), &o.cons, 1000, 50));
            if let (Some(title), Some(description), Some(pros), Some(cons)) =
                (title, description, pros, cons)
            {
                if options.iter().any(|x: &ChoiceOption| x.title == title) {
                    c.take::<()>(Err(Invalid::one(
                        &format!("{n}.title"),
                        "duplicate",
                        "komt al voor bij een andere optie",
                    )));
                } else {
                    options.push(ChoiceOption {
                        title,
                        description,
                        pros,
                        cons,
                    });
                }
            }
        }
        if input.options.is_empty() {
            c.take::<()>(Err(Invalid::one(
                "options",
                "required",
                "noem minstens één overwogen optie",
            )));
        } else if input.options.len() > 20 {
            c.take::<()>(Err(Invalid::one(
                "options",
                "too_many",
                "mag hoogstens 20 opties bevatten",
            )));
        }
        let chosen_option = c.take(optional_text("chosenOption", &input.chosen_option, SHORT));
        if let Some(Some(chosen)) = &chosen_option
            && !input.options.iter().any(|o| o.title.trim() == chosen)
        {
            c.take::<()>(Err(Invalid::one(
                "chosenOption",
                "not_an_option",
                "moet een van de overwogen opties zijn",
            )));
        }
        let rationale = c.take(optional_text("rationale", &input.rationale, LONG));
        let mut consequences = Vec::new();
        for (i, q) in input.consequences.iter().enumerate() {
            let n = format!("consequences[{i}]");
            let valence = c.take(match q.valence.trim() {
                "good" => Ok(Valence::Good),
                "neutral" => Ok(Valence::Neutral),
                "bad" => Ok(Valence::Bad),
                _ => Err(Invalid::one(
                    &format!("{n}.valence"),
                    "enum",
                    "moet good, neutral of bad zijn",
                )),
            });
            let t = c.take(text(&format!("{n}.text"), &q.text, 1000));
            if let (Some(valence), Some(text)) = (valence, t) {
                consequences.push(Consequence { valence, text });
            }
        }
        let decision_makers = c.take(list("decisionMakers", &input.decision_makers, SHORT, 50));
        let consulted = c.take(list("consulted", &input.consulted, SHORT, 100));
        let informed = c.take(list("informed", &input.informed, SHORT, 100));
        let evidence = c
            .take(list("evidence", &input.evidence, 100, 20))
            .unwrap_or_default();
        c.build(|| {
            Some(Choice {
                title: title?,
                choice_type: choice_type?,
                context: context?,
                drivers: drivers?,
                options,
                chosen_option: chosen_option?,
                rationale: rationale?,
                consequences,
                decision_makers: decision_makers?,
                consulted: consulted?,
                informed: informed?,
                status: ChoiceStatus::Proposed,
                decided_on: None,
                decided_by: None,
                superseded_by: None,
                advice: None,
                advised_by: None,
                proposed_by_user: None,
                advice_by_user: None,
                decided_by_user: None,
                board_reason: None,
                deferred_to: None,
                proposed_option: None,
                revision: 0,
                evidence,
            })
        })
    }

    /// Moves the choice to the next status when that step is allowed and complete, taken by
    /// the user `by` (their id): the four-eyes rule holds. On error the choice is unchanged.
    pub fn transition(&mut self, t: Transition, by: &str) -> Result<(), Invalid> {
        let target = match &t {
            Transition::Advised { .. } => ChoiceStatus::Advised,
            Transition::Decided { .. } => ChoiceStatus::Decided,
            Transition::SentBack { .. } => ChoiceStatus::SentBack,
            Transition::Rejected { .. } => ChoiceStatus::Rejected,
            Transition::Deferred { .. } => ChoiceStatus::Deferred,
            Transition::Superseded { .. } => ChoiceStatus::Superseded,
        };
        if !self.status.next().contains(&target) {
            return Err(Invalid::one(
                "status",
                "transition",
                &format!(
                    "kan niet van {} naar {}",
                    self.status.label_nl(),
                    target.label_nl()
                ),
            ));
        }
        let four_eyes = |who: &Option<String>, message: &str| {
            if who.as_deref() == Some(by) {
                Err(Invalid::one("status", "four_eyes", message))
            } else {
                Ok(())
            }
        };
        match target {
            ChoiceStatus::Advised => four_eyes(
                &self.proposed_by_user,
                "wie een keuze voorstelt, adviseert er niet zelf over (vier ogen)",
            )?,
            ChoiceStatus::Superseded => {}
            _ => four_eyes(
                &self.advice_by_user,
                "wie over een keuze adviseerde, besluit er niet zelf over (vier ogen)",
            )?,
        }
        let mut c = Collector::default();
        if matches!(target, ChoiceStatus::Advised) {
            if self.chosen_option.is_none() {
                c.take::<()>(Err(Invalid::one(
                    "chosenOption",
                    "required",
                    "kies eerst een optie",
                )));
            }
            if self.rationale.is_none() {
                c.take::<()>(Err(Invalid::one(
                    "rationale",
                    "required",
                    "geef eerst de motivering",
                )));
            }
        }
        let reason = |c: &mut Collector, raw: &str, what: &str| {
            if raw.trim().is_empty() {
                c.take::<()>(Err(Invalid::one(
                    "reason",
                    "required",
                    &format!("geef de reden om {what}"),
                )));
                None
            } else {
                c.take(text("reason", raw, LONG))
            }
        };
        match t {
            Transition::Advised { advice, adviser } => {
                let advice = c.take(text("advice", &advice, LONG));
                let adviser = c.take(text("adviser", &adviser, SHORT));
                c.finish()?;
                if let Some(a) = &adviser
                    && !self.consulted.contains(a)
                {
                    self.consulted.push(a.clone());
                }
                self.advice = advice;
                self.advised_by = adviser;
                self.advice_by_user = Some(by.to_string());
            }
            Transition::Decided {
                date,
                decision_maker,
                option,
                rationale,
            } => {
                if date.is_none() {
                    c.take::<()>(Err(Invalid::one(
                        "date",
                        "required",
                        "de besluitdatum is verplicht",
                    )));
                }
                let maker = c.take(text("decisionMaker", &decision_maker, SHORT));
                // Another option than proposed: one of those considered, and why.
                let other = match option.trim() {
                    "" => None,
                    o if self.chosen_option.as_deref() == Some(o) => None,
                    o if !self.options.iter().any(|x| x.title == o) => {
                        c.take::<()>(Err(Invalid::one(
                            "option",
                            "not_an_option",
                            "moet een van de overwogen opties zijn",
                        )));
                        None
                    }
                    o => Some(o.to_string()),
                };
                let why = match &other {
                    Some(_) => reason(&mut c, &rationale, "een andere optie te kiezen"),
                    None => None,
                };
                c.finish()?;
                if let Some(maker) = maker {
                    if !self.decision_makers.contains(&maker) {
                        self.decision_makers.push(maker.clone());
                    }
                    self.decided_by = Some(maker);
                }
                if let Some(o) = other {
                    self.proposed_option = self.chosen_option.replace(o);
                    self.board_reason = why;
                }
                self.decided_on = date;
                self.decided_by_user = Some(by.to_string());
            }
            Transition::SentBack { reason: raw } => {
                let why = reason(&mut c, &raw, "de keuze terug te sturen");
                c.finish()?;
                self.board_reason = why;
            }
            Transition::Rejected { reason: raw, date } => {
                let why = reason(&mut c, &raw, "de keuze af te wijzen");
                c.finish()?;
                self.board_reason = why;
                self.decided_on = date;
                self.decided_by_user = Some(by.to_string());
            }
            Transition::Deferred { until, reason: raw } => {
                let until = c.take(text("until", &until, SHORT));
                let why = optional_text("reason", &raw, LONG);
                let why = c.take(why);
                c.finish()?;
                self.deferred_to = until;
                self.board_reason = why.flatten();
            }
            Transition::Superseded { by: new } => {
                let new = c.take(text("supersededBy", &new, SHORT));
                c.finish()?;
                self.superseded_by = new;
            }
        }
        self.status = target;
        Ok(())
    }

    /// The proposer's revision of a proposed or sent-back choice: the new content, proposed
    /// again (advice and the board's reason start afresh), its revision counted.
    pub fn revise(&mut self, mut next: Choice) -> Result<(), Invalid> {
        if !self.status.editable() {
            return Err(Invalid::one(
                "status",
                "transition",
                "alleen een voorgestelde of teruggestuurde keuze kan worden gewijzigd",
            ));
        }
        next.status = ChoiceStatus::Proposed;
        next.proposed_by_user = self.proposed_by_user.take();
        next.revision = self.revision + u32::from(self.status == ChoiceStatus::SentBack);
        *self = next;
        Ok(())
    }
}

/// Collapses a text to one line, for list items and headings.
fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Quotes a value for YAML front matter.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn yaml_list(items: &[String]) -> String {
    format!(
        "[{}]",
        items
            .iter()
            .map(|s| yaml_str(s))
            .collect::<Vec<_>>()
            .join(", ")
    )
}

/// Renders the choice as a MADR 4 markdown document (front matter with `status`, `date`,
/// `decision-makers`, `consulted`, `informed`; then the MADR sections, headed in Dutch).
pub fn render_madr(choice: &Choice) -> String {
    let mut md = String::new();
    let status = match choice.status {
        ChoiceStatus::Proposed => "proposed".to_string(),
        ChoiceStatus::Advised => "advised".to_string(),
        ChoiceStatus::Deferred => "deferred".to_string(),
        ChoiceStatus::SentBack => "sent back".to_string(),
        ChoiceStatus::Rejected => "rejected".to_string(),
        ChoiceStatus::Decided => "accepted".to_string(),
        ChoiceStatus::Superseded => format!(
            "superseded by {}",
            choice.superseded_by.as_deref().unwrap_or("?")
        ),
    };
    md.push_str("---\n");
    md.push_str(&format!("status: {}\n", yaml_str(&status)));
    if let Some(d) = choice.decided_on {
        md.push_str(&format!("date: {}\n", d.format("%Y-%m-%d")));
    }
    md.push_str(&format!(
        "decision-makers: {}\n",
        yaml_list(&choice.decision_makers)
    ));
    md.push_str(&format!("consulted: {}\n", yaml_list(&choice.consulted)));
    md.push_str(&format!("informed: {}\n", yaml_list(&choice.informed)));
    md.push_str("---\n\n");
    md.push_str(&format!("# {}\n\n", one_line(&choice.title)));
    md.push_str(&format!(
        "Soort keuze: {}\n\n",
        choice.choice_type.label_nl()
    ));
    md.push_str("## Context en probleemstelling\n\n");
    md.push_str(choice.context.trim());
    md.push_str("\n\n");
    if !choice.drivers.is_empty() {
        md.push_str("## Beslisfactoren\n\n");
        for d in &choice.drivers {
            md.push_str(&format!("* {}\n", one_line(d)));
        }
        md.push('\n');
    }
    md.push_str("## Overwogen opties\n\n");
    for o in &choice.options {
        md.push_str(&format!("* {}\n", one_line(&o.title)));
    }
    md.push('\n');
    md.push_str("## Besluit\n\n");
    match (&choice.chosen_option, &choice.rationale) {
        (Some(o), Some(r)) => md.push_str(&format!(
            "Gekozen optie: \"{}\", omdat {}\n",
            one_line(o),
            r.trim()
        )),
        (Some(o), None) => md.push_str(&format!("Gekozen optie: \"{}\"\n", one_line(o))),
        (None, _) => md.push_str("Nog geen optie gekozen.\n"),
    }
    if let (Some(by), Some(advice)) = (&choice.advised_by, &choice.advice) {
        md.push_str(&format!(
            "\nAdvies van {}: {}\n",
            one_line(by),
            advice.trim()
        ));
    }
    if let (Some(by), Some(d)) = (&choice.decided_by, choice.decided_on) {
        md.push_str(&format!(
            "\nBesloten door {} op {}.\n",
            one_line(by),
            d.format("%Y-%m-%d")
        ));
    }
    md.push('\n');
    if !choice.consequences.is_empty() {
        md.push_str("### Gevolgen\n\n");
        for q in &choice.consequences {
            let v = match q.valence {
                Valence::Good => "Goed",
                Valence::Neutral => "Neutraal",
                Valence::Bad => "Slecht",
            };
            md.push_str(&format!("* {v}, omdat {}\n", one_line(&q.text)));
        }
        md.push('\n');
    }
    md.push_str("## Voor- en nadelen van de opties\n\n");
    for o in &choice.options {
        md.push_str(&format!("### {}\n\n", one_line(&o.title)));
        if let Some(d) = &o.description {
            md.push_str(d.trim());
            md.push_str("\n\n");
        }
        for p in &o.pros {
            md.push_str(&format!("* Goed, omdat {}\n", one_line(p)));
        }
        for p in &o.cons {
            md.push_str(&format!("* Slecht, omdat {}\n", one_line(p)));
        }
        if !o.pros.is_empty() || !o.cons.is_empty() {
            md.push('\n');
        }
    }
    md
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use proptest::prelude::*;

    pub(crate) fn input() -> ChoiceInput {
        ChoiceInput {
            title: "Hosting van de digitale tweeling".into(),
            choice_type: "hosting".into(),
            context: "De digitale tweeling combineert ruimtelijke en economische gegevens.".into(),
            drivers: vec!["Soevereiniteit van gegevens".into(), "Kosten".into()],
            options: vec![
                OptionInput {
                    title: "Eigen rekencentrum".into(),
                    description: "".into(),
                    pros: vec!["gegevens blijven in eigen beheer".into()],
                    cons: vec!["beheerlast".into()],
                },
                OptionInput {
                    title: "Publieke cloud".into(),
                    description: "Bij een grote aanbieder.".into(),
                    pros: vec!["schaalbaar".into()],
                    cons: vec!["afhankelijk van buitenlandse aanbieder".into()],
                },
            ],
            chosen_option: "Eigen rekencentrum".into(),
            rationale: "de gegevens kernregistraties raken.".into(),
            consequences: vec![ConsequenceInput {
                valence: "bad".into(),
                text: "hogere beheerkosten".into(),
            }],
            decision_makers: vec!["Gedeputeerde Staten".into()],
            consulted: vec!["CISO".into()],
            informed: vec!["Provinciale Staten".into()],
            evidence: vec![],
        }
    }

    #[test]
    fn parses_a_proposal() {
        let c = Choice::parse(&input()).unwrap();
        assert_eq!(c.status, ChoiceStatus::Proposed);
        assert_eq!(c.choice_type, ChoiceType::Hosting);
        assert_eq!(c.options.len(), 2);
        assert_eq!(c.options[0].description, None);
        assert_eq!(c.consequences[0].valence, Valence::Bad);
    }

    #[test]
    fn chosen_option_must_be_an_option() {
        let errs = Choice::parse(&ChoiceInput {
            chosen_option: "Iets anders".into(),
            ..input()
        })
        .unwrap_err()
        .0;
        assert_eq!(errs[0].code, "not_an_option");
    }

    #[test]
    fn reports_every_problem_at_once() {
        let errs = Choice::parse(&ChoiceInput {
            title: "".into(),
            choice_type: "gok".into(),
            context: "".into(),
            options: vec![],
            consequences: vec![ConsequenceInput {
                valence: "mwah".into(),
                text: "".into(),
            }],
            chosen_option: "".into(),
            ..input()
        })
        .unwrap_err()
        .0;
        let names: Vec<&str> = errs.iter().map(|e| e.name.as_str()).collect();
        for n in [
            "title",
            "choiceType",
            "context",
            "options",
            "consequences[0].valence",
            "consequences[0].text",
        ] {
            assert!(names.contains(&n), "missing {n} in {names:?}");
        }
    }

    #[test]
    fn duplicate_option_titles_are_rejected() {
        let mut i = input();
        i.options[1].title = "Eigen rekencentrum".into();
        let errs = Choice::parse(&i).unwrap_err().0;
        assert_eq!(errs[0].name, "options[1].title");
    }

    #[test]
    fn status_follows_the_state_machine() {
        let mut c = Choice::parse(&input()).unwrap();
        let date = NaiveDate::from_ymd_opt(2026, 3, 1);
        // Cannot skip advice, cannot supersede a proposal.
        assert!(
            c.transition(
                Transition::Decided {
                    option: String::new(),
                    rationale: String::new(),
                    date,
                    decision_maker: "GS".into()
                },
                "u"
            )
            .is_err()
        );
        assert!(
            c.transition(Transition::Superseded { by: "c2".into() }, "u")
                .is_err()
        );
        c.transition(advised(), "adviser").unwrap();
        assert_eq!(c.advice.as_deref(), Some("Kies de tweede optie."));
        assert!(c.consulted.contains(&"CIO-office".to_string()));
        assert!(c.transition(advised(), "adviser").is_err());
        // Deciding needs a date and a decision maker; errors leave the choice unchanged.
        let errs = c
            .transition(
                Transition::Decided {
                    option: String::new(),
                    rationale: String::new(),
                    date: None,
                    decision_maker: " ".into(),
                },
                "u",
            )
            .unwrap_err()
            .0;
        assert_eq!(errs.len(), 2);
        assert_eq!(c.status, ChoiceStatus::Advised);
        c.transition(
            Transition::Decided {
                option: String::new(),
                rationale: String::new(),
                date,
                decision_maker: "GS".into(),
            },
            "u",
        )
        .unwrap();
        assert_eq!(c.decided_by.as_deref(), Some("GS"));
        assert!(c.decision_makers.contains(&"GS".to_string()));
        // Superseding needs the id of the new choice.
        assert!(
            c.transition(Transition::Superseded { by: "".into() }, "u")
                .is_err()
        );
        c.transition(
            Transition::Superseded {
                by: "keuze-42".into(),
            },
            "u",
        )
        .unwrap();
        assert_eq!(c.status, ChoiceStatus::Superseded);
        assert!(c.transition(advised(), "adviser").is_err());
    }

    fn advised() -> Transition {
        Transition::Advised {
            advice: "Kies de tweede optie.".into(),
            adviser: "CIO-office".into(),
        }
    }

    #[test]
    fn advice_needs_a_chosen_option_and_rationale() {
        let mut c = Choice::parse(&ChoiceInput {
            chosen_option: "".into(),
            rationale: "".into(),
            ..input()
        })
        .unwrap();
        let errs = c.transition(advised(), "adviser").unwrap_err().0;
        assert_eq!(errs.len(), 2);
        // The advice itself and its adviser are needed too.
        let mut c = Choice::parse(&input()).unwrap();
        let errs = c
            .transition(
                Transition::Advised {
                    advice: " ".into(),
                    adviser: "".into(),
                },
                "u",
            )
            .unwrap_err()
            .0;
        let names: Vec<&str> = errs.iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["advice", "adviser"]);
        assert_eq!(c.status, ChoiceStatus::Proposed);
    }

    #[test]
    fn the_board_sends_back_rejects_defers_or_chooses_another_option_with_four_eyes() {
        let date = NaiveDate::from_ymd_opt(2026, 3, 1);
        let fresh = || {
            let mut c = Choice::parse(&input()).unwrap();
            c.proposed_by_user = Some("proposer".into());
            c
        };
        // The proposer does not advise their own choice; the adviser does not decide.
        let mut c = fresh();
        let e = c.transition(advised(), "proposer").unwrap_err();
        assert_eq!(e.0[0].code, "four_eyes");
        c.transition(advised(), "adviser").unwrap();
        assert_eq!(c.advice_by_user.as_deref(), Some("adviser"));
        let decide = |option: &str, rationale: &str| Transition::Decided {
            date,
            decision_maker: "GS".into(),
            option: option.into(),
            rationale: rationale.into(),
        };
        let e = c.transition(decide("", ""), "adviser").unwrap_err();
        assert_eq!(e.0[0].code, "four_eyes");
        // Sending back, rejecting and choosing another option need their reason.
        for t in [
            Transition::SentBack { reason: " ".into() },
            Transition::Rejected {
                reason: "".into(),
                date,
            },
            decide("Publieke cloud", ""),
        ] {
            let e = c.transition(t, "board").unwrap_err();
            assert_eq!(e.0[0].name, "reason");
            assert_eq!(c.status, ChoiceStatus::Advised, "unchanged");
        }
        assert_eq!(
            c.transition(decide("Bestaat niet", "x"), "board")
                .unwrap_err()
                .0[0]
                .code,
            "not_an_option"
        );
        // Deferred to a later meeting, then decided on another option, with its rationale.
        c.transition(
            Transition::Deferred {
                until: "GS 12 maart".into(),
                reason: "".into(),
            },
            "board",
        )
        .unwrap();
        assert_eq!(
            (c.status, c.deferred_to.as_deref()),
            (ChoiceStatus::Deferred, Some("GS 12 maart"))
        );
        let proposed = c.chosen_option.clone();
        c.transition(decide("Publieke cloud", "Data blijft binnen."), "board")
            .unwrap();
        assert_eq!(c.status, ChoiceStatus::Decided);
        assert_eq!(c.chosen_option.as_deref(), Some("Publieke cloud"));
        assert_eq!(c.proposed_option, proposed);
        assert_eq!(c.board_reason.as_deref(), Some("Data blijft binnen."));
        assert_eq!(c.decided_by_user.as_deref(), Some("board"));
        // Sent back: the proposer revises, and it is proposed again, counted.
        let mut c = fresh();
        c.transition(advised(), "adviser").unwrap();
        c.transition(
            Transition::SentBack {
                reason: "Werk de kosten uit.".into(),
            },
            "board",
        )
        .unwrap();
        assert!(c.status.editable() && !c.status.open() && c.status.has_outcome());
        assert!(c.status.next().is_empty(), "only a revision moves it on");
        let mut changed = input();
        changed.context = "Met kosten: 40.000 euro per jaar.".into();
        c.revise(Choice::parse(&changed).unwrap()).unwrap();
        assert_eq!((c.status, c.revision), (ChoiceStatus::Proposed, 1));
        assert_eq!(c.proposed_by_user.as_deref(), Some("proposer"));
        assert!(c.advice.is_none() && c.board_reason.is_none());
        // Rejected is final; a decided choice is no longer revised.
        c.transition(advised(), "adviser").unwrap();
        c.transition(
            Transition::Rejected {
                reason: "Past niet in het beleid.".into(),
                date,
            },
            "board",
        )
        .unwrap();
        assert!(c.status.next().is_empty() && !c.status.editable());
        assert!(c.revise(Choice::parse(&input()).unwrap()).is_err());
    }

    #[test]
    fn transition_from_json() {
        let t: Transition =
            serde_json::from_str(r#"{"to":"decided","date":"2026-03-01","decision_maker":"GS"}"#)
                .unwrap();
        assert!(matches!(
            t,
            Transition::Decided { ref option, .. } if option.is_empty()
        ));
    }

    #[test]
    fn what_a_decider_makes_of_an_advised_choice() {
        assert_eq!(ChoiceStatus::Advised.next(), ChoiceStatus::DECISIONS);
        let decisions: Vec<_> = ChoiceStatus::ALL
            .into_iter()
            .filter(|s| s.is_decision())
            .map(ChoiceStatus::as_str)
            .collect();
        assert_eq!(decisions, ["deferred", "sent_back", "rejected", "decided"]);
    }

    #[test]
    fn renders_madr() {
        let mut c = Choice::parse(&input()).unwrap();
        c.transition(advised(), "adviser").unwrap();
        c.transition(
            Transition::Decided {
                option: String::new(),
                rationale: String::new(),
                date: NaiveDate::from_ymd_opt(2026, 3, 1),
                decision_maker: "Gedeputeerde Staten".into(),
            },
            "u",
        )
        .unwrap();
        let md = render_madr(&c);
        assert!(
            md.starts_with("---\nstatus: \"accepted\"\ndate: 2026-03-01\n"),
            "{md}"
        );
        assert!(
            md.contains("Advies van CIO-office: Kies de tweede optie."),
            "{md}"
        );
        assert!(md.contains("decision-makers: [\"Gedeputeerde Staten\"]"));
        assert!(md.contains("# Hosting van de digitale tweeling\n"));
        assert!(md.contains("## Context en probleemstelling"));
        assert!(md.contains("* Soevereiniteit van gegevens\n"));
        assert!(md.contains(
            "Gekozen optie: \"Eigen rekencentrum\", omdat de gegevens kernregistraties raken."
        ));
        assert!(md.contains("* Slecht, omdat hogere beheerkosten"));
        assert!(md.contains(
            "### Publieke cloud\n\nBij een grote aanbieder.\n\n* Goed, omdat schaalbaar\n"
        ));
        c.transition(
            Transition::Superseded {
                by: "keuze-7".into(),
            },
            "u",
        )
        .unwrap();
        assert!(render_madr(&c).starts_with("---\nstatus: \"superseded by keuze-7\""));
    }

    proptest! {
        #[test]
        fn rendering_never_breaks_the_front_matter(title in ".{1,80}", maker in ".{1,40}") {
            if let Ok(mut c) = Choice::parse(&ChoiceInput { title, decision_makers: vec![maker], ..input() }) {
                c.transition(advised(), "adviser").unwrap();
                let md = render_madr(&c);
                // Exactly one front-matter block, and the title on one line.
                prop_assert_eq!(md.matches("\n---\n").count(), 1);
                let heading = md.lines().find(|l| l.starts_with("# ")).unwrap();
                prop_assert!(!heading.contains('\n'));
            }
        }
    }
}
