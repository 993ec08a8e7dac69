//! Datavragen (M4): policy tasks, data questions on a kanban board and in a list, a
//! question's page with its workflow, evidence, decision, evaluation and comments, the
//! policy-cycle view per task, and the roles matrix.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::questions::{
    assign, attach, attachment_file, attachment_response, comment, create_question, create_task,
    detach, link, transition,
};
use crate::shell::{form_problem, page};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_core::Permission;
use koers_core::questions::{COMPETENCES, PRIORITIES, Status, THEMES, cycle_state};
use koers_store::questions::Question;
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/datavragen", get(board).post(ask))
        .route("/datavragen/nieuw", get(new_form))
        .route("/datavragen/opgaven", get(tasks).post(add_task))
        .route("/datavragen/opgaven/{id}", get(cycle))
        .route("/datavragen/rollen", get(roles_matrix))
        .route("/datavragen/{id}", get(show))
        .route("/datavragen/{id}/stap", post(step))
        .route("/datavragen/{id}/bewijs", post(add_evidence))
        .route("/datavragen/{id}/reacties", post(add_comment))
        .route("/datavragen/{id}/rollen", post(set_roles))
        .route(
            "/datavragen/{id}/bijlagen",
            post(upload).layer(DefaultBodyLimit::disable()),
        )
        .route("/datavragen/{id}/bijlagen/{attachment}", get(download))
        .route(
            "/datavragen/{id}/bijlagen/{attachment}/verwijderen",
            post(remove),
        )
}

#[derive(Deserialize, Default)]
struct Filter {
    opgave: Option<String>,
    status: Option<String>,
    zoek: Option<String>,
    weergave: Option<String>,
}

/// Names of the organisation's members by user id, for showing who holds a role.
async fn names(state: &AppState, ctx: &Ctx) -> Result<HashMap<String, String>, AppError> {
    Ok(state
        .store
        .members(&ctx.org.id)
        .await?
        .into_iter()
        .map(|m| (m.user.id, m.user.display_name))
        .collect())
}

async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let tasks = state.store.tasks(&ctx.org.id).await?;
    let needle = f.zoek.clone().unwrap_or_default().to_lowercase();
    let qs: Vec<Question> = state
        .store
        .questions(&ctx.org.id, f.opgave.as_deref().filter(|s| !s.is_empty()))
        .await?
        .into_iter()
        .filter(|q| {
            f.status
                .as_deref()
                .filter(|s| !s.is_empty())
                .is_none_or(|s| q.status.as_str() == s)
        })
        .filter(|q| needle.is_empty() || q.question.to_lowercase().contains(&needle))
        .collect();
    let columns: Vec<Value> = Status::ALL
        .iter()
        .map(|s| context! { status => s.as_str(), items => qs.iter().filter(|q| q.status == *s).collect::<Vec<_>>() })
        .collect();
    let task_names: HashMap<String, String> = tasks
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    let html = page(
        &state,
        &ctx,
        "questions.html",
        "/datavragen",
        context! {
            columns => columns, questions => qs, tasks => tasks, task_names => task_names,
            statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            filter => context! { opgave => f.opgave, status => f.status, zoek => f.zoek },
            list => f.weergave.as_deref() == Some("lijst"),
            can_ask => ctx.require(Permission::ManageQuestions).is_ok(),
        },
    )
    .await?;
    Ok(html.into_response())
}

async fn render_new(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let tasks = state.store.tasks(&ctx.org.id).await?;
    let members = state.store.members(&ctx.org.id).await?;
    let html = page(state, ctx, "question_new.html", "/datavragen", context! {
        tasks => tasks, members => members, priorities => PRIORITIES, competences => COMPETENCES, ..extra
    }).await?;
    Ok((status, html).into_response())
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_new(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn ask(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, AppError> {
    let form = crate::input::form_value(&crate::input::form(&body)?);
    match create_question(&state, &ctx, crate::input::form(&body)?).await {
        Ok(q) => Ok(Redirect::to(&format!("/datavragen/{}", q.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! { form => form, ..form_problem(&e) };
            render_new(&state, &ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn render_tasks(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let tasks = state.store.tasks(&ctx.org.id).await?;
    let html = page(state, ctx, "tasks.html", "/datavragen", context! {
        tasks => tasks, themes => THEMES, can_edit => ctx.require(Permission::ManageQuestions).is_ok(), ..extra
    }).await?;
    Ok((status, html).into_response())
}

async fn tasks(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_tasks(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn add_task(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    match create_task(&state, &ctx, crate::input::form(&body)?).await {
        Ok(t) => Ok(Redirect::to(&format!("/datavragen/opgaven/{}", t.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let extra = form_problem(&e);
            render_tasks(&state, &ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

/// The policy cycle of one task: per question, whether the loop is closed or where it is open.
async fn cycle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let task = state.store.task(&ctx.org.id, &id).await?;
    let mut rows = Vec::new();
    for q in state.store.questions(&ctx.org.id, Some(&task.id)).await? {
        let links = state.store.question_links(&q.id).await?;
        let has = |k: &str| links.iter().any(|l| l.kind == k);
        let c = cycle_state(
            has("dataset"),
            has("analysis"),
            has("product"),
            q.decision_date.is_some(),
            q.evaluation_learned.is_some(),
        );
        rows.push(context! { q => q, cycle => c, links => links });
    }
    let closed = rows
        .iter()
        .filter(|r| {
            r.get_attr("cycle")
                .and_then(|c| c.get_attr("closed"))
                .is_ok_and(|v| v.is_true())
        })
        .count();
    let html = page(
        &state,
        &ctx,
        "task_cycle.html",
        "/datavragen",
        context! { task => task, rows => rows, closed => closed },
    )
    .await?;
    Ok(html.into_response())
}

async fn roles_matrix(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let qs = state.store.questions(&ctx.org.id, None).await?;
    let members = state.store.members(&ctx.org.id).await?;
    let html = page(
        &state,
        &ctx,
        "question_roles.html",
        "/datavragen",
        context! {
            questions => qs, members => members, competences => COMPETENCES,
        },
    )
    .await?;
    Ok(html.into_response())
}

async fn render_question(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let task = state.store.task(&ctx.org.id, &q.task_id).await?;
    let next: Vec<&str> = Status::ALL
        .iter()
        .filter(|to| {
            koers_core::questions::check_transition(
                q.status,
                **to,
                q.parked_from,
                "",
                &q.assignments,
                true,
                &koers_core::questions::TransitionInput {
                    note: "x".into(),
                    decision_date: "2000-01-01".into(),
                    decision_maker: "x".into(),
                    decision_reference: "x".into(),
                    evaluation_changed: "x".into(),
                    evaluation_learned: "x".into(),
                },
            )
            .is_ok()
        })
        .map(|s| s.as_str())
        .collect();
    let html = page(
        state,
        ctx,
        "question.html",
        "/datavragen",
        context! {
            q => q, task => task, names => names(state, ctx).await?, next => next,
            links => state.store.question_links(&q.id).await?,
            events => state.store.question_events(&q.id).await?,
            comments => state.store.comments(&q.id).await?,
            datasets => state.store.datasets(&ctx.org.id).await?,
            analyses => state.store.analyses(&ctx.org.id).await?,
            can_link => ctx.require(Permission::ManageQuestions).is_ok(),
            members => state.store.members(&ctx.org.id).await?.into_iter().map(|m| m.user).collect::<Vec<_>>(),
            attachments => state.store.attachments(&q.id).await?,
            accept => koers_core::attachments::accepted_extensions().iter().map(|e| format!(".{e}")).collect::<Vec<_>>().join(","),
            max_attachment_mb => state.cfg.max_attachment_bytes / (1024 * 1024),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_question(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

/// Form errors shown on the question's own page; other errors as usual.
async fn outcome<T>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: Result<T, AppError>,
    notice: &str,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => {
            render_question(
                state,
                ctx,
                id,
                StatusCode::OK,
                context! { notice => notice },
            )
            .await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::Forbidden)) => {
            let extra = form_problem(&e);
            render_question(state, ctx, id, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = transition(&state, &ctx, &id, crate::input::form(&body)?).await;
    outcome(&state, &ctx, &id, r, "moved").await
}

async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = link(&state, &ctx, &id, crate::input::form(&body)?).await;
    outcome(&state, &ctx, &id, r, "linked").await
}

async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = comment(&state, &ctx, &id, crate::input::form(&body)?).await;
    outcome(&state, &ctx, &id, r, "commented").await
}

async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = assign(&state, &ctx, &id, crate::input::form(&body)?).await;
    outcome(&state, &ctx, &id, r, "assigned").await
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let r = attach(&state, &ctx, &id, req).await.map_err(|e| match e {
        AppError::PayloadTooLarge => AppError::Invalid(koers_core::Invalid::one(
            "file",
            "too_large",
            &format!(
                "het bestand is groter dan {} MB",
                state.cfg.max_attachment_bytes / (1024 * 1024)
            ),
        )),
        other => other,
    });
    outcome(&state, &ctx, &id, r, "attached").await
}

async fn download(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (a, bytes) = attachment_file(&state, &ctx, &id, &attachment).await?;
    Ok(attachment_response(&a, bytes))
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let r = detach(&state, &ctx, &id, &attachment).await;
    outcome(&state, &ctx, &id, r, "detached").await
}
