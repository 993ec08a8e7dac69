//! What a member has to do: the overview's task list, and the order it is read in.
//!
//! The use-case layer gathers the tasks from every module (question steps, choices, indicators,
//! survey rounds, live sessions); the rules here say which comes first. Notifications are
//! listed beside the tasks, newest first, as everywhere else.

/// What kind of work a task is, from most to least urgent when nothing is overdue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum TaskKind {
    /// A choice routed to this person's level waits for the decision.
    Decide,
    /// An indicator's latest value is red.
    IndicatorRed,
    /// A data question waits for the step this person's role on it takes.
    QuestionStep,
    /// A proposed choice waits for advice.
    Advise,
    /// A survey round this person runs is open.
    RoundOpen,
    /// A live session of a learning programme comes up.
    Session,
}

impl TaskKind {
    pub const ALL: [TaskKind; 6] = [
        TaskKind::Decide,
        TaskKind::IndicatorRed,
        TaskKind::QuestionStep,
        TaskKind::Advise,
        TaskKind::RoundOpen,
        TaskKind::Session,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            TaskKind::Decide => "decide",
            TaskKind::IndicatorRed => "indicator_red",
            TaskKind::QuestionStep => "question_step",
            TaskKind::Advise => "advise",
            TaskKind::RoundOpen => "round_open",
            TaskKind::Session => "session",
        }
    }
}

/// What a task is about: the object the overview links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    Question {
        id: String,
    },
    Choice {
        application: String,
        id: String,
    },
    /// A choice on the board's agenda, decided there.
    AgendaItem {
        id: String,
    },
    Indicator {
        id: String,
    },
    Round {
        id: String,
    },
    Programme {
        id: String,
    },
}

/// One thing to do.
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    pub kind: TaskKind,
    pub subject: Subject,
    /// The object's own name (a question, a choice's title, an indicator's name, …).
    pub title: String,
    /// The state or step it is in, as a code the page translates (a question's next status,
    /// a choice's level, a session's start time); empty when the kind says it all.
    pub step: String,
    /// When it is due (YYYY-MM-DD): a question's due date, a session's date.
    pub due: Option<String>,
    /// Since when it waits (a timestamp).
    pub since: String,
}

impl Task {
    /// Whether it was due before `today` (YYYY-MM-DD) and is still to do. A session in the
    /// past is gone, not overdue.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.kind != TaskKind::Session && self.due.as_deref().is_some_and(|d| d < today)
    }
}

/// Puts tasks in the order a person should take them up: overdue work first, then by kind
/// ([`TaskKind`]'s order), within a kind the earliest due date first (undated last), then the
/// longest waiting.
pub fn order(tasks: &mut [Task], today: &str) {
    tasks.sort_by(|a, b| {
        let rank = |t: &Task| (!t.is_overdue(today), t.kind);
        rank(a)
            .cmp(&rank(b))
            .then_with(|| match (&a.due, &b.due) {
                (Some(x), Some(y)) => x.cmp(y),
                (Some(_), None) => std::cmp::Ordering::Less,
                (None, Some(_)) => std::cmp::Ordering::Greater,
                (None, None) => std::cmp::Ordering::Equal,
            })
            .then_with(|| a.since.cmp(&b.since))
            .then_with(|| a.title.cmp(&b.title))
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(kind: TaskKind, title: &str, due: Option<&str>, since: &str) -> Task {
        Task {
            kind,
            subject: Subject::Question { id: title.into() },
            title: title.into(),
            step: String::new(),
            due: due.map(str::to_owned),
            since: since.into(),
        }
    }

    fn titles(tasks: &[Task]) -> Vec<&str> {
        tasks.iter().map(|t| t.title.as_str()).collect()
    }

    #[test]
    fn overdue_work_comes_first_then_by_kind() {
        let mut t = vec![
            task(TaskKind::Session, "sessie", None, "2026-12-01T10:00:00Z"),
            task(
                TaskKind::QuestionStep,
                "vraag op tijd",
                Some("2026-12-20"),
                "2026-11-01T00:00:00Z",
            ),
            task(TaskKind::Advise, "advies", None, "2026-11-01T00:00:00Z"),
            task(
                TaskKind::QuestionStep,
                "vraag te laat",
                Some("2026-12-01"),
                "2026-11-05T00:00:00Z",
            ),
            task(TaskKind::Decide, "besluit", None, "2026-11-20T00:00:00Z"),
            task(
                TaskKind::IndicatorRed,
                "indicator",
                None,
                "2026-11-21T00:00:00Z",
            ),
        ];
        order(&mut t, "2026-12-04");
        assert_eq!(
            titles(&t),
            [
                "vraag te laat",
                "besluit",
                "indicator",
                "vraag op tijd",
                "advies",
                "sessie"
            ]
        );
    }

    #[test]
    fn within_a_kind_the_earliest_due_then_the_longest_waiting() {
        let mut t = vec![
            task(
                TaskKind::QuestionStep,
                "zonder datum, nieuw",
                None,
                "2026-11-10T00:00:00Z",
            ),
            task(
                TaskKind::QuestionStep,
                "zonder datum, oud",
                None,
                "2026-10-01T00:00:00Z",
            ),
            task(
                TaskKind::QuestionStep,
                "later",
                Some("2027-02-01"),
                "2026-09-01T00:00:00Z",
            ),
            task(
                TaskKind::QuestionStep,
                "eerder",
                Some("2027-01-01"),
                "2026-11-30T00:00:00Z",
            ),
        ];
        order(&mut t, "2026-12-04");
        assert_eq!(
            titles(&t),
            [
                "eerder",
                "later",
                "zonder datum, oud",
                "zonder datum, nieuw"
            ]
        );
    }

    #[test]
    fn sessions_are_never_overdue() {
        assert!(!task(TaskKind::Session, "x", Some("2026-01-01"), "").is_overdue("2026-12-04"));
        assert!(task(TaskKind::Advise, "x", Some("2026-01-01"), "").is_overdue("2026-12-04"));
        assert!(!task(TaskKind::Advise, "x", Some("2026-12-04"), "").is_overdue("2026-12-04"));
    }
}
