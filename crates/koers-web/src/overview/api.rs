//! `/tasks`: what the signed-in member has to do now in the current organisation.

use crate::auth::Ctx;
use crate::error::JsonReply;
use crate::overview::views::{link, today};
use crate::state::AppState;
use axum::routing::get;
use axum::{Json, Router};
use koers_app::overview;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/tasks" => get(my_tasks),
    }
}

/// One thing to do.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskOut {
    /// `decide`, `indicator_red`, `question_step`, `advise`, `round_open` or `session`.
    #[schema(example = "question_step")]
    pub kind: String,
    /// The name of what it is about (a question, a choice, an indicator, …).
    pub title: String,
    /// The step or state: a question's next status, a choice's level, a session's start time.
    pub step: String,
    /// When it is due: a question's due date, a session's date.
    #[schema(format = Date)]
    pub due: Option<String>,
    /// Whether the due date has passed.
    pub overdue: bool,
    /// Since when it waits.
    #[schema(format = DateTime)]
    pub since: String,
    /// The page in koers to do it on.
    pub link: String,
}

/// Your tasks in the current organisation, most urgent first: overdue work, choices to
/// decide, red indicators, question steps your role takes, choices to advise, open survey
/// rounds and the next live sessions.
#[utoipa::path(get, path = "/tasks", tag = "overzicht",
    responses((status = 200, description = "Taken", body = Vec<TaskOut>)))]
pub async fn my_tasks(ctx: Ctx) -> JsonReply<Vec<TaskOut>> {
    let o = overview::overview(ctx.ws(), &ctx.who).await?;
    let today = today();
    Ok(Json(
        o.tasks
            .iter()
            .map(|t| TaskOut {
                kind: t.kind.as_str().to_owned(),
                title: t.title.clone(),
                step: t.step.clone(),
                due: t.due.clone(),
                overdue: t.is_overdue(&today),
                since: t.since.clone(),
                link: link(&t.subject),
            })
            .collect(),
    ))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(my_tasks))]
pub struct Doc;
