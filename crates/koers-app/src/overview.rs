//! The overview: what a member has to do now, gathered from every module and put in the
//! order of [`koers_core::tasks::order`], with their unread notifications beside it.
//!
//! Each module contributes only what the person may act on: question steps their role on
//! the question takes, choices they may advise or decide, red indicators (everyone who reads),
//! open survey rounds (researchers), and the next live session of the programmes they follow
//! or coordinate.

use crate::notifications::Notification;
use crate::register::may_register;
use crate::{Principal, Result, Workspace};
use koers_core::Permission;
use koers_core::indicators::Light;
use koers_core::questions::next_step_for;
use koers_core::register::choice::ChoiceStatus;
use koers_core::register::framework::DecisionLevel;
use koers_core::tasks::{Subject, Task, TaskKind, order};
use std::collections::BTreeMap;

pub use koers_core::tasks;

/// How many unread notifications the overview shows.
const NOTIFICATIONS_SHOWN: usize = 5;

/// What the overview shows a member.
pub struct Overview {
    /// Most urgent first.
    pub tasks: Vec<Task>,
    /// Unread, newest first (at most five).
    pub notifications: Vec<Notification>,
    /// How many are unread in all.
    pub unread: usize,
}

/// The member's tasks and unread notifications in the organisation they act in.
pub async fn overview(ws: &Workspace, who: &Principal) -> Result<Overview> {
    who.require(Permission::Read)?;
    let mut tasks = Vec::new();
    question_steps(ws, who, &mut tasks).await?;
    choices(ws, who, &mut tasks).await?;
    red_indicators(ws, who, &mut tasks).await?;
    open_rounds(ws, who, &mut tasks).await?;
    next_sessions(ws, who, &mut tasks).await?;
    let today = chrono::Utc::now().date_naive().to_string();
    order(&mut tasks, &today);
    let mut notifications = crate::notifications::notifications(ws, who, true).await?;
    let unread = notifications.len();
    notifications.truncate(NOTIFICATIONS_SHOWN);
    Ok(Overview {
        tasks,
        notifications,
        unread,
    })
}

async fn question_steps(ws: &Workspace, who: &Principal, out: &mut Vec<Task>) -> Result<()> {
    for q in ws.store.questions().questions(&who.org.id, None).await? {
        if let Some((next, _)) = next_step_for(q.status, &q.assignments, &who.user.id) {
            out.push(Task {
                kind: TaskKind::QuestionStep,
                subject: Subject::Question { id: q.id },
                title: q.question,
                step: next.as_str().to_owned(),
                due: q.due_date,
                since: q.updated_at,
            });
        }
    }
    Ok(())
}

/// Proposed choices wait for advice from those who record choices (not the proposer);
/// advised and deferred ones for the decision of those the framework names at their level
/// (not the adviser).
async fn choices(ws: &Workspace, who: &Principal, out: &mut Vec<Task>) -> Result<()> {
    let registers = may_register(who);
    let framework = crate::register::framework_in_force(ws, who).await?;
    let decides = |level: DecisionLevel| {
        framework
            .framework()
            .may_decide(level, &who.roles, &who.user.id)
    };
    if !registers && !DecisionLevel::ALL.into_iter().any(decides) {
        return Ok(());
    }
    for r in ws.store.register().open_choices(&who.org.id).await? {
        let at_board = r.level == DecisionLevel::Board;
        // Four eyes: nobody is asked to advise on their own proposal or decide on their advice.
        let me = Some(&who.user.id);
        let (proposer, adviser) = (
            r.choice.proposed_by_user.as_ref() == me,
            r.choice.advice_by_user.as_ref() == me,
        );
        let waits = matches!(
            r.choice.status,
            ChoiceStatus::Advised | ChoiceStatus::Deferred
        );
        let kind = match r.choice.status {
            ChoiceStatus::Proposed if registers && !proposer => TaskKind::Advise,
            _ if waits && decides(r.level) && !adviser => TaskKind::Decide,
            _ => continue,
        };
        // The board decides on its agenda; everything else on the choice's own page.
        let subject = if kind == TaskKind::Decide && at_board {
            Subject::AgendaItem { id: r.id }
        } else {
            Subject::Choice {
                application: r.application_id,
                id: r.id,
            }
        };
        out.push(Task {
            kind,
            subject,
            title: r.choice.title,
            step: r.level.as_str().to_owned(),
            due: None,
            since: r.updated_at,
        });
    }
    Ok(())
}

async fn red_indicators(ws: &Workspace, who: &Principal, out: &mut Vec<Task>) -> Result<()> {
    for i in ws.store.indicators().indicators(&who.org.id).await? {
        let Some(latest) = ws.store.indicators().latest_indicator_result(&i).await? else {
            continue;
        };
        if latest.status == Some(Light::Red) {
            out.push(Task {
                kind: TaskKind::IndicatorRed,
                subject: Subject::Indicator { id: i.id },
                title: i.name,
                step: String::new(),
                due: None,
                since: latest.computed_at,
            });
        }
    }
    Ok(())
}

async fn open_rounds(ws: &Workspace, who: &Principal, out: &mut Vec<Task>) -> Result<()> {
    if !who.may(Permission::Research) {
        return Ok(());
    }
    for r in ws.store.maturity().rounds(&who.org.id).await? {
        if r.status == "open" {
            out.push(Task {
                kind: TaskKind::RoundOpen,
                subject: Subject::Round { id: r.id },
                title: r.name,
                step: String::new(),
                due: None,
                since: r.created_at,
            });
        }
    }
    Ok(())
}

/// The next live session (today or later) of each programme the member follows as a
/// participant or, as coordinator, runs.
async fn next_sessions(ws: &Workspace, who: &Principal, out: &mut Vec<Task>) -> Result<()> {
    let learning = ws.store.learning();
    let mut programmes = BTreeMap::new();
    if who.may(Permission::CoordinateLearning) {
        for p in learning.programmes(&who.org.id).await? {
            programmes.insert(p.id.clone(), p);
        }
    }
    for p in learning
        .participants_by_email(&who.org.id, &who.user.email)
        .await?
    {
        let cohort = learning.cohort(&who.org.id, &p.cohort_id).await?;
        let programme = learning
            .programme(&who.org.id, &cohort.programme_id)
            .await?;
        programmes.insert(programme.id.clone(), programme);
    }
    let today = chrono::Utc::now().date_naive().to_string();
    for (id, p) in programmes {
        let next = learning
            .sessions(&id)
            .await?
            .into_iter()
            .find(|s| s.date >= today);
        if let Some(s) = next {
            out.push(Task {
                kind: TaskKind::Session,
                subject: Subject::Programme { id },
                title: format!("{}: {}", p.name, s.title),
                step: s.start_time,
                due: Some(s.date),
                since: String::new(),
            });
        }
    }
    Ok(())
}
