//! Datavragen (M4): policy tasks, data questions on a kanban board and in a list, a
//! question's page with its workflow, evidence, decision, evaluation and comments, the
//! policy-cycle view per task, and the roles matrix.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::FormInput;
use crate::questions::{attachment_response, receive_attachment};
use crate::shell::{Done, form_outcome, form_problem, page};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use koers_app::questions::{self, QuestionFilter};
use koers_core::Permission;
use koers_core::questions::{COMPETENCES, PRIORITIES, Status, THEMES};
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

async fn board(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<Filter>,
) -> Result<Response, AppError> {
    let tasks = questions::tasks(&state.ws, &ctx.who).await?;
    let filter = QuestionFilter {
        task: f.opgave.clone(),
        status: f.status.clone(),
        search: f.zoek.clone(),
    };
    let qs = questions::questions(&state.ws, &ctx.who, &filter).await?;
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
            can_ask => ctx.may(Permission::ManageQuestions),
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
    let tasks = questions::tasks(&state.ws, &ctx.who).await?;
    let members = questions::members(&state.ws, &ctx.who).await?;
    let html = page(state, ctx, "question_new.html", "/datavragen", context! {
        tasks => tasks, members => members, priorities => PRIORITIES, competences => COMPETENCES, ..extra
    }).await?;
    Ok((status, html).into_response())
}

async fn new_form(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_new(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormInput,
) -> Result<Response, AppError> {
    let value = form.value();
    let r = questions::create_question(&state.ws, &ctx.who, form.0).await;
    form_outcome(
        r,
        value,
        |q| Done::To(format!("/datavragen/{}", q.id)),
        |status, extra| render_new(&state, &ctx, status, extra),
    )
    .await
}

async fn render_tasks(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let tasks = questions::tasks(&state.ws, &ctx.who).await?;
    let html = page(state, ctx, "tasks.html", "/datavragen", context! {
        tasks => tasks, themes => THEMES, can_edit => ctx.may(Permission::ManageQuestions), ..extra
    }).await?;
    Ok((status, html).into_response())
}

async fn tasks(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_tasks(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn add_task(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormInput,
) -> Result<Response, AppError> {
    let value = form.value();
    let r = questions::create_task(&state.ws, &ctx.who, form.0).await;
    form_outcome(
        r,
        value,
        |t| Done::To(format!("/datavragen/opgaven/{}", t.id)),
        |status, extra| render_tasks(&state, &ctx, status, extra),
    )
    .await
}

/// The policy cycle of one task: per question, whether the loop is closed or where it is open.
async fn cycle(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let (task, cycle) = questions::task_cycle(&state.ws, &ctx.who, &id).await?;
    let closed = cycle.iter().filter(|r| r.cycle.closed).count();
    let rows: Vec<Value> = cycle
        .iter()
        .map(|r| context! { q => r.question, cycle => r.cycle, links => r.links })
        .collect();
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
    let qs = questions::questions(&state.ws, &ctx.who, &QuestionFilter::default()).await?;
    let members = questions::members(&state.ws, &ctx.who).await?;
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
    let p = questions::question_page(&state.ws, &ctx.who, id).await?;
    let names: HashMap<&str, &str> = p
        .members
        .iter()
        .map(|m| (m.user.id.as_str(), m.user.display_name.as_str()))
        .collect();
    let next: Vec<&str> = p.next.iter().map(|s| s.as_str()).collect();
    let html = page(
        state,
        ctx,
        "question.html",
        "/datavragen",
        context! {
            q => p.detail.question, task => p.task, names => names, next => next,
            links => p.detail.links,
            events => p.detail.events,
            comments => p.comments,
            datasets => p.datasets,
            analyses => p.analyses,
            can_link => ctx.may(Permission::ManageQuestions),
            members => p.members.iter().map(|m| &m.user).collect::<Vec<_>>(),
            attachments => p.attachments,
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

/// The question's page again after one of its forms: with `notice` when it went through,
/// with the problem when the input was invalid, the step not allowed from here (409) or not
/// for this person (403); other errors as usual.
async fn outcome<T, E: Into<AppError>>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: Result<T, E>,
    notice: &'static str,
) -> Result<Response, AppError> {
    match r.map_err(Into::into) {
        Err(e @ (AppError::Conflict(_) | AppError::Forbidden)) => {
            render_question(state, ctx, id, e.status(), form_problem(&e)).await
        }
        r => {
            form_outcome(
                r,
                Value::UNDEFINED,
                |_| Done::Notice(notice),
                |status, extra| render_question(state, ctx, id, status, extra),
            )
            .await
        }
    }
}

async fn step(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormInput(input): FormInput,
) -> Result<Response, AppError> {
    let r = questions::transition(&state.ws, &ctx.who, &id, input).await;
    outcome(&state, &ctx, &id, r, "moved").await
}

async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormInput(input): FormInput,
) -> Result<Response, AppError> {
    let r = questions::link(&state.ws, &ctx.who, &id, input).await;
    outcome(&state, &ctx, &id, r, "linked").await
}

async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormInput(input): FormInput,
) -> Result<Response, AppError> {
    let r = questions::comment(&state.ws, &ctx.who, &id, input).await;
    outcome(&state, &ctx, &id, r, "commented").await
}

async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    FormInput(input): FormInput,
) -> Result<Response, AppError> {
    let r = questions::assign(&state.ws, &ctx.who, &id, input).await;
    outcome(&state, &ctx, &id, r, "assigned").await
}

async fn upload(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let r = receive_attachment(&state, &ctx, &id, req)
        .await
        .map_err(|e| match e {
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
    let (a, bytes) = questions::attachment_file(&state.ws, &ctx.who, &id, &attachment).await?;
    Ok(attachment_response(&a, bytes))
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let r = questions::detach(&state.ws, &ctx.who, &id, &attachment).await;
    outcome(&state, &ctx, &id, r, "detached").await
}
