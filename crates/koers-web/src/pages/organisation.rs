//! The organisation page: its members and their roles, adding and removing members, the
//! audit log, and switching between organisations.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::shell::{form_problem, page};
use crate::state::AppState;
use crate::workspace;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_core::{Permission, Role};
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisatie", get(show))
        .route("/organisatie/leden", post(add))
        .route("/organisatie/leden/{user_id}/rollen", post(set_roles))
        .route("/organisatie/leden/{user_id}/verwijderen", post(remove))
        .route("/organisatie/wisselen", post(switch))
        .route("/organisatie/logboek", get(audit))
}

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// Renders the organisation page, with a form's outcome (errors or a notice) if any.
async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let members = workspace::members(state, ctx, &ctx.org.id).await?;
    let tooi_uri = ctx
        .org
        .tooi_code
        .as_deref()
        .and_then(|c| koers_core::TooiCode::parse(c).ok())
        .map(|c| c.uri(ctx.org.kind));
    let html = page(
        state,
        ctx,
        "organisation.html",
        "/organisatie",
        context! { members => members, all_roles => role_names(), tooi_uri => tooi_uri, ..extra },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&state, &ctx, StatusCode::OK, context! {}).await
}

/// Shows a form error on the page itself (with the fields named), other errors as usual.
async fn form_outcome<T>(
    state: &AppState,
    ctx: &Ctx,
    r: Result<T, AppError>,
    form: Value,
    ok: impl FnOnce(T) -> Value,
) -> Result<Response, AppError> {
    match r {
        Ok(v) => render(state, ctx, StatusCode::OK, ok(v)).await,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { form => form, ..form_problem(&e) };
            render(state, ctx, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

async fn add(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, AppError> {
    let input = crate::input::form(&body)?;
    let form: Value = crate::input::form_value(&crate::input::form(&body)?);
    let r = workspace::add_member(&state, &ctx, &ctx.org.id, input).await;
    form_outcome(&state, &ctx, r, form, |added| {
        context! { notice => "member_added", added => added.member, initial_password => added.initial_password }
    })
    .await
}

async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let input = crate::input::form(&body)?;
    let r = workspace::set_roles(&state, &ctx, &ctx.org.id, &user_id, input).await;
    form_outcome(
        &state,
        &ctx,
        r,
        context! {},
        |_| context! { notice => "roles_saved" },
    )
    .await
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
) -> Result<Response, AppError> {
    let r = workspace::remove_member(&state, &ctx, &ctx.org.id, &user_id).await;
    form_outcome(
        &state,
        &ctx,
        r,
        context! {},
        |_| context! { notice => "member_removed" },
    )
    .await
}

async fn switch(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut input = crate::input::form(&body)?;
    let org_id = input.text("orgId");
    workspace::switch_org(&state, &ctx, &org_id).await?;
    Ok(Redirect::to("/").into_response())
}

#[derive(Deserialize)]
struct Before {
    before: Option<i64>,
}

async fn audit(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<Before>,
) -> Result<Html<String>, AppError> {
    ctx.require(Permission::ReadAudit)?;
    let events = state.store.audit_events(&ctx.org.id, 50, q.before).await?;
    let older = (events.len() == 50)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    page(
        &state,
        &ctx,
        "audit.html",
        "/organisatie/logboek",
        context! { events => events, older => older },
    )
    .await
}
