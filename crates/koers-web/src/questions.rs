//! Data question operations shared by the pages and the API.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::startup::AppState;
use koers_core::Permission;
use koers_core::questions::{
    Assignments, QuestionDraft, Refused, Status, TaskDraft, TransitionInput, check_transition,
};
use koers_store::questions::{PolicyTask, Question};

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

pub async fn create_task(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<PolicyTask, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let name = input.text("name");
    let theme = input.text("theme");
    let description = input.text("description");
    let goals = input.text("goals");
    let d = input.finish(TaskDraft::parse(&name, &theme, &description, &goals))?;
    Ok(state
        .store
        .create_task(&ctx.org.id, &d, Some(&ctx.user.id), &ctx.actor())
        .await?)
}

pub async fn create_question(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let task_id = input.text("taskId");
    let question = input.text("question");
    let goal = input.text("policyGoal");
    let asked_by = input.text("askedBy");
    let due = input.text("dueDate");
    let mut priority = input.text("priority");
    if priority.is_empty() {
        priority = "normal".into();
    }
    let competences = input.texts("competences");
    let a = Assignments {
        question_owner: opt(input.text("questionOwner")).or_else(|| Some(ctx.user.id.clone())),
        analyst: opt(input.text("analyst")),
        data_steward: opt(input.text("dataSteward")),
        decision_maker: opt(input.text("decisionMaker")),
    };
    let d = input.finish(QuestionDraft::parse(
        &question,
        &goal,
        &asked_by,
        &due,
        &priority,
        &competences,
    ))?;
    state.store.task(&ctx.org.id, &task_id).await.map_err(|_| {
        AppError::Invalid(koers_core::Invalid::one(
            "taskId",
            "unknown",
            "kies een opgave van deze organisatie",
        ))
    })?;
    state
        .store
        .create_question(&ctx.org.id, &task_id, &d, &a, &ctx.actor())
        .await
        .map_err(|e| match e {
            koers_store::StoreError::NotFound => AppError::Invalid(koers_core::Invalid::one(
                "questionOwner",
                "unknown",
                "iedereen met een rol op de vraag moet lid zijn van de organisatie",
            )),
            other => other.into(),
        })
}

/// Moves a question, if the rules allow it for this person.
pub async fn transition(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let to_raw = input.text("to");
    let t = TransitionInput {
        note: input.text("note"),
        decision_date: input.text("decisionDate"),
        decision_maker: input.text("decisionMaker"),
        decision_reference: input.text("decisionReference"),
        evaluation_changed: input.text("evaluationChanged"),
        evaluation_learned: input.text("evaluationLearned"),
    };
    let to = input.finish(Status::parse(&to_raw))?;
    let stands_in = ctx.require(Permission::ManageMembers).is_ok();
    check_transition(
        q.status,
        to,
        q.parked_from,
        &ctx.user.id,
        &q.assignments,
        stands_in,
        &t,
    )
    .map_err(|r| match r {
        Refused::Invalid(i) => AppError::Invalid(i),
        Refused::WrongPerson(_) => AppError::Forbidden,
        other => AppError::Conflict(other.to_string()),
    })?;
    Ok(state
        .store
        .record_transition(&q, to, &t, &ctx.actor())
        .await?)
}

/// Links a dataset or analysis of the organisation, or an information product (a URL), as
/// evidence.
pub async fn link(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let kind = input.text("kind");
    let target = input.text("target");
    input.finish(Ok(()))?;
    let label = match kind.as_str() {
        "dataset" => state
            .store
            .dataset(&ctx.org.id, &target)
            .await
            .map(|d| d.meta.title)
            .map_err(|_| bad_target())?,
        "analysis" => state
            .store
            .analysis(&ctx.org.id, &target)
            .await
            .map(|a| a.title)
            .map_err(|_| bad_target())?,
        "product" => {
            let t = target.trim();
            if !(t.starts_with('/') && !t.starts_with("//")
                || t.starts_with("https://")
                || t.starts_with("http://"))
                || t.len() > 500
            {
                return Err(AppError::Invalid(koers_core::Invalid::one(
                    "target",
                    "format",
                    "geef een pad in koers of een http(s)-adres",
                )));
            }
            t.to_string()
        }
        _ => {
            return Err(AppError::Invalid(koers_core::Invalid::one(
                "kind",
                "enum",
                "moet dataset, analysis of product zijn",
            )));
        }
    };
    state
        .store
        .link_evidence(&q, &kind, target.trim(), &label, &ctx.actor())
        .await?;
    Ok(q)
}

fn bad_target() -> AppError {
    AppError::Invalid(koers_core::Invalid::one(
        "target",
        "unknown",
        "onbekend in deze organisatie",
    ))
}

pub async fn comment(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<koers_store::questions::Comment, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let body = input.text("body");
    let body = input.finish(koers_core::error::text("body", &body, 5000))?;
    Ok(state.store.add_comment(&q, &body, &ctx.actor()).await?)
}
