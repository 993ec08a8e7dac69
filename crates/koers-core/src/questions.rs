//! Data questions and the policy cycle (module M4). A policy task (opgave) owns data
//! questions; a question moves through a fixed workflow, and each step may only be taken by
//! the person who holds the responsible role on that question. Closing the policy cycle means
//! the decision and its evaluation point back to the question and its evidence.

use crate::error::{Collector, Invalid, text};
use serde::{Deserialize, Serialize};

/// The themes of policy tasks.
pub const THEMES: [&str; 8] = [
    "nitrogen",
    "energy",
    "mobility",
    "housing",
    "nature",
    "roads",
    "bathing_water",
    "other",
];

/// Where a question stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Asked,
    Sharpened,
    DataFound,
    Analysed,
    Delivered,
    Decided,
    Evaluated,
    /// Put aside for now; resumes where it was.
    Parked,
    /// Not taken up.
    Rejected,
}

impl Status {
    /// The main line, in order.
    pub const FLOW: [Status; 7] = *Status::ALL.first_chunk().unwrap();
    /// The main line, then the two ways off it.
    pub const ALL: [Status; 9] = [
        Status::Asked,
        Status::Sharpened,
        Status::DataFound,
        Status::Analysed,
        Status::Delivered,
        Status::Decided,
        Status::Evaluated,
        Status::Parked,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Asked => "asked",
            Status::Sharpened => "sharpened",
            Status::DataFound => "data_found",
            Status::Analysed => "analysed",
            Status::Delivered => "delivered",
            Status::Decided => "decided",
            Status::Evaluated => "evaluated",
            Status::Parked => "parked",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        Status::ALL
            .into_iter()
            .find(|x| x.as_str() == s)
            .ok_or_else(|| Invalid::one("to", "enum", "onbekende status"))
    }

    /// The status after this one on the main line (none once evaluated, parked or rejected).
    pub fn next_on_main_line(self) -> Option<Status> {
        let i = Status::FLOW.iter().position(|s| *s == self)?;
        Status::FLOW.get(i + 1).copied()
    }

    /// Whether nothing follows (evaluated or rejected).
    pub fn is_final(self) -> bool {
        matches!(self, Status::Evaluated | Status::Rejected)
    }
}

/// The roles people hold on one question.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum QuestionRole {
    QuestionOwner,
    Analyst,
    DataSteward,
    DecisionMaker,
}

impl QuestionRole {
    pub fn as_str(self) -> &'static str {
        match self {
            QuestionRole::QuestionOwner => "question_owner",
            QuestionRole::Analyst => "analyst",
            QuestionRole::DataSteward => "data_steward",
            QuestionRole::DecisionMaker => "decision_maker",
        }
    }
}

/// Who holds which role on a question (user ids).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignments {
    pub question_owner: Option<String>,
    pub analyst: Option<String>,
    pub data_steward: Option<String>,
    pub decision_maker: Option<String>,
}

impl Assignments {
    /// The roles in the order they are shown.
    pub const ROLES: [QuestionRole; 4] = [
        QuestionRole::QuestionOwner,
        QuestionRole::Analyst,
        QuestionRole::DataSteward,
        QuestionRole::DecisionMaker,
    ];

    /// Who gained a role compared with `before` (a person who already held that same role is
    /// not told again), leaving out `actor`, who made the change.
    pub fn newly_assigned(&self, before: &Assignments, actor: &str) -> Vec<(String, QuestionRole)> {
        Assignments::ROLES
            .iter()
            .filter_map(|&role| {
                let now = self.holder(role)?;
                (before.holder(role) != Some(now) && now != actor).then(|| (now.to_string(), role))
            })
            .collect()
    }

    /// Everyone holding a role, each once, leaving out `actor`: the people told when the
    /// question moves, gets a comment or an attachment.
    pub fn people_except(&self, actor: &str) -> Vec<String> {
        let mut people: Vec<String> = Vec::new();
        for role in Assignments::ROLES {
            if let Some(p) = self.holder(role)
                && p != actor
                && !people.iter().any(|q| q == p)
            {
                people.push(p.to_string());
            }
        }
        people
    }

    pub fn holder(&self, role: QuestionRole) -> Option<&str> {
        match role {
            QuestionRole::QuestionOwner => self.question_owner.as_deref(),
            QuestionRole::Analyst => self.analyst.as_deref(),
            QuestionRole::DataSteward => self.data_steward.as_deref(),
            QuestionRole::DecisionMaker => self.decision_maker.as_deref(),
        }
    }
}

/// The role responsible for moving a question from `from` to `to`.
pub fn responsible(from: Status, to: Status) -> Option<QuestionRole> {
    use Status::*;
    match (from, to) {
        (Asked, Sharpened) => Some(QuestionRole::QuestionOwner),
        (Sharpened, DataFound) => Some(QuestionRole::DataSteward),
        (DataFound, Analysed) | (Analysed, Delivered) => Some(QuestionRole::Analyst),
        (Delivered, Decided) => Some(QuestionRole::DecisionMaker),
        (Decided, Evaluated) => Some(QuestionRole::QuestionOwner),
        (f, Parked | Rejected) if !f.is_final() && f != Parked => Some(QuestionRole::QuestionOwner),
        (Parked, Rejected) => Some(QuestionRole::QuestionOwner),
        _ => None,
    }
}

/// The next step on a question's main line that `user` takes, with the role they hold for
/// it: `None` when the question is parked, final, or the step is someone else's.
pub fn next_step_for(
    status: Status,
    assignments: &Assignments,
    user: &str,
) -> Option<(Status, QuestionRole)> {
    let next = status.next_on_main_line()?;
    let role = responsible(status, next)?;
    (assignments.holder(role) == Some(user)).then_some((next, role))
}

/// What a transition brings along.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct TransitionInput {
    /// Why: required for parking and rejecting.
    pub note: String,
    /// For `decided`: the date (YYYY-MM-DD), who decided, and the reference (besluitnummer).
    pub decision_date: String,
    pub decision_maker: String,
    pub decision_reference: String,
    /// For `evaluated`: what the insight changed, and what was learned.
    pub evaluation_changed: String,
    pub evaluation_learned: String,
}

/// Why a transition is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refused {
    #[error("van {from} naar {to} kan niet")]
    NotAllowed {
        from: &'static str,
        to: &'static str,
    },
    #[error("alleen {0} mag deze stap zetten")]
    WrongPerson(&'static str),
    #[error("{0}")]
    Invalid(Invalid),
}

fn role_label(r: QuestionRole) -> &'static str {
    match r {
        QuestionRole::QuestionOwner => "de vraageigenaar",
        QuestionRole::Analyst => "de analist",
        QuestionRole::DataSteward => "de datasteward",
        QuestionRole::DecisionMaker => "de besluitnemer",
    }
}

/// Checks a transition: allowed from here, by this person, with what it needs. `parked_from`
/// is the status a parked question resumes to. Administrators of the organisation may step in
/// for anyone (`stands_in`); an unassigned role falls to the question owner.
pub fn check_transition(
    from: Status,
    to: Status,
    parked_from: Option<Status>,
    who: &str,
    assignments: &Assignments,
    stands_in: bool,
    input: &TransitionInput,
) -> Result<(), Refused> {
    let role = if from == Status::Parked && Some(to) == parked_from {
        Some(QuestionRole::QuestionOwner)
    } else if from.next_on_main_line() == Some(to)
        || matches!(to, Status::Parked | Status::Rejected)
    {
        responsible(from, to)
    } else {
        None
    };
    let Some(role) = role else {
        return Err(Refused::NotAllowed {
            from: from.as_str(),
            to: to.as_str(),
        });
    };
    let holder = assignments
        .holder(role)
        .or(assignments.question_owner.as_deref());
    if !stands_in && holder != Some(who) {
        return Err(Refused::WrongPerson(role_label(role)));
    }
    let mut c = Collector::default();
    if matches!(to, Status::Parked | Status::Rejected) {
        c.take(text("note", &input.note, 2000));
    }
    if to == Status::Decided {
        c.take(crate::dates::parse_date(
            "decisionDate",
            &input.decision_date,
        ));
        c.take(text("decisionMaker", &input.decision_maker, 200));
        c.take(text("decisionReference", &input.decision_reference, 200));
    }
    if to == Status::Evaluated {
        c.take(text("evaluationChanged", &input.evaluation_changed, 5000));
        c.take(text("evaluationLearned", &input.evaluation_learned, 5000));
    }
    c.finish().map_err(Refused::Invalid)
}

/// The competences a question can need (from Gelderland's roles and competences).
pub const COMPETENCES: [&str; 5] = [
    "recognise_opportunities",
    "formulate_questions",
    "combine_sources",
    "analyse",
    "decide",
];

/// Priorities.
pub const PRIORITIES: [&str; 3] = ["low", "normal", "high"];

/// A validated new policy task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    pub name: String,
    pub theme: String,
    pub description: String,
    pub goals: String,
}

impl TaskDraft {
    pub fn parse(name: &str, theme: &str, description: &str, goals: &str) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 200));
        if !THEMES.contains(&theme) {
            c.take::<()>(Err(Invalid::one("theme", "enum", "onbekend thema")));
        }
        if description.chars().count() > 5000 || goals.chars().count() > 5000 {
            c.take::<()>(Err(Invalid::one(
                "description",
                "too_long",
                "mag hoogstens 5000 tekens zijn",
            )));
        }
        c.finish()?;
        Ok(TaskDraft {
            name: name.unwrap_or_default(),
            theme: theme.into(),
            description: description.trim().into(),
            goals: goals.trim().into(),
        })
    }
}

/// A validated new data question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QuestionDraft {
    pub question: String,
    pub policy_goal: String,
    pub asked_by: String,
    pub due_date: Option<String>,
    pub priority: String,
    pub competences: Vec<String>,
}

impl QuestionDraft {
    pub fn parse(
        question: &str,
        policy_goal: &str,
        asked_by: &str,
        due_date: &str,
        priority: &str,
        competences: &[String],
    ) -> Result<Self, Invalid> {
        let mut c = Collector::default();
        let question = c.take(text("question", question, 1000));
        let policy_goal = policy_goal.trim().chars().take(1000).collect();
        let asked_by = asked_by.trim().chars().take(200).collect();
        let due_date = if due_date.trim().is_empty() {
            Some(None)
        } else {
            c.take(crate::dates::parse_date("dueDate", due_date))
                .map(Some)
        };
        if !PRIORITIES.contains(&priority) {
            c.take::<()>(Err(Invalid::one(
                "priority",
                "enum",
                "moet low, normal of high zijn",
            )));
        }
        if competences
            .iter()
            .any(|x| !COMPETENCES.contains(&x.as_str()))
        {
            c.take::<()>(Err(Invalid::one(
                "competences",
                "enum",
                "onbekende competentie",
            )));
        }
        c.finish()?;
        Ok(QuestionDraft {
            question: question.unwrap_or_default(),
            policy_goal,
            asked_by,
            due_date: due_date.flatten(),
            priority: priority.into(),
            competences: competences.to_vec(),
        })
    }
}

/// An information product made in koers that a question's evidence may name by its page's
/// address, so the question shows its name instead of the address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProductPage {
    Analysis,
    Dashboard,
    Monitor,
    Indicator,
    /// An evidence snapshot: what a monitor, indicator or dashboard showed when it was frozen.
    Snapshot,
}

impl ProductPage {
    pub const ALL: [ProductPage; 5] = [
        ProductPage::Analysis,
        ProductPage::Dashboard,
        ProductPage::Monitor,
        ProductPage::Indicator,
        ProductPage::Snapshot,
    ];

    /// How a form names the kind (`monitor:<id>`).
    pub fn as_str(self) -> &'static str {
        match self {
            ProductPage::Analysis => "analysis",
            ProductPage::Dashboard => "dashboard",
            ProductPage::Monitor => "monitor",
            ProductPage::Indicator => "indicator",
            ProductPage::Snapshot => "snapshot",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|p| p.as_str() == s)
    }

    fn prefix(self) -> &'static str {
        match self {
            ProductPage::Analysis => "/analyses/",
            ProductPage::Dashboard => "/dashboards/",
            ProductPage::Monitor => "/informatieproducten/monitoren/",
            ProductPage::Indicator => "/informatieproducten/indicatoren/",
            ProductPage::Snapshot => "/informatieproducten/momentopnamen/",
        }
    }

    /// The address of the product's page.
    pub fn path(self, id: &str) -> String {
        format!("{}{id}", self.prefix())
    }

    /// The product a koers address names, and its id: `/dashboards/<id>`, also with a query
    /// or fragment after it (a dashboard's filter choice). `None` for a web address, a page
    /// below a product's (`/dashboards/<id>/versies`) or any other page.
    pub fn of_path(address: &str) -> Option<(Self, &str)> {
        let page = address.split(['?', '#']).next().unwrap_or_default();
        Self::ALL.into_iter().find_map(|p| {
            let id = page.strip_prefix(p.prefix())?;
            (!id.is_empty() && !id.contains('/')).then_some((p, id))
        })
    }
}

/// What a closed policy cycle needs, and the first step still missing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CycleState {
    pub closed: bool,
    /// The first missing link: `dataset`, `analysis`, `product`, `decision`, `evaluation`.
    pub open_at: Option<&'static str>,
}

/// Whether a question closes the policy cycle: evidence (a dataset and an analysis), an
/// information product, a decision and an evaluation, all pointing back to it.
pub fn cycle_state(
    has_dataset: bool,
    has_analysis: bool,
    has_product: bool,
    has_decision: bool,
    has_evaluation: bool,
) -> CycleState {
    let steps = [
        ("dataset", has_dataset),
        ("analysis", has_analysis),
        ("product", has_product),
        ("decision", has_decision),
        ("evaluation", has_evaluation),
    ];
    let open_at = steps.iter().find(|(_, ok)| !ok).map(|(n, _)| *n);
    CycleState {
        closed: open_at.is_none(),
        open_at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_product_page_is_known_by_its_address() {
        assert_eq!(
            ProductPage::of_path("/dashboards/d1?f.jaar=2023#kaart"),
            Some((ProductPage::Dashboard, "d1"))
        );
        assert_eq!(
            ProductPage::of_path("/informatieproducten/monitoren/m1"),
            Some((ProductPage::Monitor, "m1"))
        );
        assert_eq!(
            ProductPage::of_path("/informatieproducten/momentopnamen/s1"),
            Some((ProductPage::Snapshot, "s1"))
        );
        for p in ProductPage::ALL {
            assert_eq!(ProductPage::of_path(&p.path("x")), Some((p, "x")));
            assert_eq!(ProductPage::parse(p.as_str()), Some(p));
        }
        for other in [
            "/dashboards/",
            "/dashboards/d1/versies",
            "/informatieproducten",
            "https://example.org/dashboards/d1",
            "/bronnen/b1",
        ] {
            assert_eq!(ProductPage::of_path(other), None, "{other}");
        }
        assert_eq!(ProductPage::parse("dataset"), None);
    }

    #[test]
    fn the_next_step_waits_on_the_holder_of_its_role_only() {
        let a = people();
        assert_eq!(
            next_step_for(Status::Asked, &a, "owner"),
            Some((Status::Sharpened, QuestionRole::QuestionOwner))
        );
        assert_eq!(next_step_for(Status::Asked, &a, "analyst"), None);
        assert_eq!(
            next_step_for(Status::Sharpened, &a, "steward"),
            Some((Status::DataFound, QuestionRole::DataSteward))
        );
        assert_eq!(
            next_step_for(Status::Delivered, &a, "board"),
            Some((Status::Decided, QuestionRole::DecisionMaker))
        );
        // Nothing waits on anyone once a question is evaluated, rejected or parked.
        for s in [Status::Evaluated, Status::Rejected, Status::Parked] {
            assert_eq!(next_step_for(s, &a, "owner"), None);
        }
        // An unassigned role waits on no one.
        assert_eq!(
            next_step_for(Status::Asked, &Assignments::default(), "owner"),
            None
        );
    }

    fn people() -> Assignments {
        Assignments {
            question_owner: Some("owner".into()),
            analyst: Some("analyst".into()),
            data_steward: Some("steward".into()),
            decision_maker: Some("board".into()),
        }
    }

    fn decision() -> TransitionInput {
        TransitionInput {
            decision_date: "2026-03-01".into(),
            decision_maker: "GS".into(),
            decision_reference: "GS-2026-17".into(),
            ..Default::default()
        }
    }

    #[test]
    fn only_new_holders_other_than_the_actor_are_told_of_an_assignment() {
        let before = people();
        let mut after = people();
        after.analyst = Some("new".into());
        after.data_steward = Some("owner".into());
        after.decision_maker = None;
        assert_eq!(
            after.newly_assigned(&before, "owner"),
            vec![("new".to_string(), QuestionRole::Analyst)]
        );
        assert_eq!(
            after.newly_assigned(&before, "someone"),
            vec![
                ("new".to_string(), QuestionRole::Analyst),
                ("owner".to_string(), QuestionRole::DataSteward)
            ]
        );
        assert!(people().newly_assigned(&people(), "x").is_empty());
        assert_eq!(
            people()
                .newly_assigned(&Assignments::default(), "owner")
                .len(),
            3
        );
    }

    #[test]
    fn everyone_on_a_question_is_told_once_but_not_the_actor() {
        let mut a = people();
        a.decision_maker = Some("owner".into());
        assert_eq!(a.people_except("analyst"), vec!["owner", "steward"]);
        assert!(Assignments::default().people_except("x").is_empty());
    }

    /// [`check_transition`] with nothing parked, nobody standing in and no input.
    fn plain(from: Status, to: Status, who: &str, a: &Assignments) -> Result<(), Refused> {
        check_transition(from, to, None, who, a, false, &TransitionInput::default())
    }

    #[test]
    fn the_main_line_needs_the_right_person_at_each_step() {
        let a = people();
        let steps = [
            (Status::Asked, Status::Sharpened, "owner"),
            (Status::Sharpened, Status::DataFound, "steward"),
            (Status::DataFound, Status::Analysed, "analyst"),
            (Status::Analysed, Status::Delivered, "analyst"),
        ];
        for (from, to, who) in steps {
            assert!(plain(from, to, who, &a).is_ok());
            assert!(matches!(
                plain(from, to, "someone", &a),
                Err(Refused::WrongPerson(_))
            ));
        }
        let (delivered, decided) = (Status::Delivered, Status::Decided);
        assert!(
            check_transition(delivered, decided, None, "board", &a, false, &decision()).is_ok()
        );
        assert!(matches!(
            plain(delivered, decided, "board", &a),
            Err(Refused::Invalid(_))
        ));
    }

    #[test]
    fn no_skipping_and_no_way_back() {
        let a = people();
        let none = TransitionInput::default();
        assert!(matches!(
            check_transition(
                Status::Asked,
                Status::Analysed,
                None,
                "owner",
                &a,
                true,
                &none
            ),
            Err(Refused::NotAllowed { .. })
        ));
        assert!(
            check_transition(
                Status::Analysed,
                Status::DataFound,
                None,
                "analyst",
                &a,
                true,
                &none
            )
            .is_err()
        );
        let note = TransitionInput {
            note: "x".into(),
            ..Default::default()
        };
        assert!(
            check_transition(
                Status::Evaluated,
                Status::Parked,
                None,
                "owner",
                &a,
                true,
                &note
            )
            .is_err()
        );
    }

    #[test]
    fn parking_needs_a_reason_and_resumes_where_it_was() {
        let a = people();
        let why = TransitionInput {
            note: "wacht op data van CBS".into(),
            ..Default::default()
        };
        assert!(plain(Status::DataFound, Status::Parked, "owner", &a).is_err());
        assert!(
            check_transition(
                Status::DataFound,
                Status::Parked,
                None,
                "owner",
                &a,
                false,
                &why
            )
            .is_ok()
        );
        let resume = |to| {
            let none = TransitionInput::default();
            let was = Some(Status::DataFound);
            check_transition(Status::Parked, to, was, "owner", &a, false, &none)
        };
        assert!(resume(Status::DataFound).is_ok());
        assert!(resume(Status::Analysed).is_err());
    }

    #[test]
    fn unassigned_roles_fall_to_the_owner() {
        let a = Assignments {
            question_owner: Some("owner".into()),
            ..Default::default()
        };
        assert!(plain(Status::Sharpened, Status::DataFound, "owner", &a).is_ok());
    }

    #[test]
    fn the_cycle_closes_only_with_everything() {
        assert_eq!(
            cycle_state(true, true, true, true, true),
            CycleState {
                closed: true,
                open_at: None
            }
        );
        assert_eq!(
            cycle_state(true, false, true, true, true).open_at,
            Some("analysis")
        );
        assert_eq!(
            cycle_state(true, true, true, true, false).open_at,
            Some("evaluation")
        );
    }

    #[test]
    fn drafts_list_every_problem() {
        let e = QuestionDraft::parse("", "", "", "31-12-2026", "urgent", &["juggling".into()])
            .unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["question", "dueDate", "priority", "competences"]);
        assert!(TaskDraft::parse("Stikstof", "nitrogen", "", "").is_ok());
        assert!(TaskDraft::parse("", "weather", "", "").is_err());
    }

    fn any_status() -> impl Strategy<Value = Status> {
        (0..Status::ALL.len()).prop_map(|i| Status::ALL[i])
    }

    proptest! {
        /// Whatever the states and the person, a transition is allowed only one step forward
        /// on the main line, to parked/rejected from an open state, or back from parked; and
        /// never from a final state.
        #[test]
        fn transitions_follow_the_workflow(from in any_status(), to in any_status(), parked_from in proptest::option::of(any_status()), stands_in: bool, who in "owner|analyst|steward|board|x") {
            let input = TransitionInput { note: "n".into(), evaluation_changed: "c".into(), evaluation_learned: "l".into(), ..decision() };
            let ok = check_transition(from, to, parked_from, &who, &people(), stands_in, &input).is_ok();
            if ok {
                prop_assert!(!from.is_final());
                let forward = from.next_on_main_line() == Some(to);
                let exit = matches!(to, Status::Parked | Status::Rejected) && from != Status::Parked || (from == Status::Parked && to == Status::Rejected);
                let resume = from == Status::Parked && Some(to) == parked_from;
                prop_assert!(forward || exit || resume);
            }
        }

        /// Only the responsible person (or an administrator standing in) moves a question.
        #[test]
        fn only_the_right_person(from in any_status(), to in any_status(), who in "[a-z]{1,8}") {
            let input = TransitionInput { note: "n".into(), evaluation_changed: "c".into(), evaluation_learned: "l".into(), ..decision() };
            let a = people();
            if check_transition(from, to, Some(Status::Asked), &who, &a, false, &input).is_ok() {
                prop_assert!(["owner", "analyst", "steward", "board"].contains(&who.as_str()));
            }
        }
    }
}
