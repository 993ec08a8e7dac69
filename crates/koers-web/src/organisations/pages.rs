//! The organisation page (its members and their roles, adding and removing members), its
//! audit log, and the deployment administrator's list of organisations.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::FormInput;
use crate::shell::{Done, form_outcome_with_conflicts, page};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use koers_app::organisations;
use koers_core::{OrgKind, Role};
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/organisatie", get(show))
        .route("/organisatie/leden", post(add))
        .route("/organisatie/leden/{user_id}/rollen", post(set_roles))
        .route("/organisatie/leden/{user_id}/verwijderen", post(remove))
        .route("/organisatie/logboek", get(audit))
        .route("/beheer/organisaties", get(list_all).post(create))
}

/// How many audit events a page shows.
const AUDIT_PAGE: i64 = 50;

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
    let members = organisations::members(&state.ws, &ctx.who, &ctx.org.id).await?;
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

async fn add(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormInput,
) -> Result<Response, AppError> {
    let fields = form.value();
    let r = organisations::add_member(&state.ws, &ctx.who, &ctx.org.id, form.0).await;
    form_outcome_with_conflicts(
        r,
        fields,
        |added| {
            Done::Show(context! {
                notice => "member_added", added => added.member, initial_password => added.initial_password,
            })
        },
        |status, extra| render(&state, &ctx, status, extra),
    )
    .await
}

async fn set_roles(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
    FormInput(input): FormInput,
) -> Result<Response, AppError> {
    let r = organisations::set_roles(&state.ws, &ctx.who, &ctx.org.id, &user_id, input).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Notice("roles_saved"),
        |status, extra| render(&state, &ctx, status, extra),
    )
    .await
}

async fn remove(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(user_id): Path<String>,
) -> Result<Response, AppError> {
    let r = organisations::remove_member(&state.ws, &ctx.who, &ctx.org.id, &user_id).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Notice("member_removed"),
        |status, extra| render(&state, &ctx, status, extra),
    )
    .await
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
    let events =
        organisations::audit_events(&state.ws, &ctx.who, &ctx.org.id, AUDIT_PAGE, q.before).await?;
    let older = (events.len() as i64 == AUDIT_PAGE)
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

/// The administrator's list of every organisation, with the form to create one.
async fn render_all(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let all = organisations::all(&state.ws, &ctx.who).await?;
    let kinds: Vec<_> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let html = page(
        state,
        ctx,
        "admin_orgs.html",
        "/beheer/organisaties",
        context! { all => all, kinds => kinds, ..extra },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn list_all(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_all(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    form: FormInput,
) -> Result<Response, AppError> {
    let fields = form.value();
    let r = organisations::create(&state.ws, &ctx.who, form.0).await;
    form_outcome_with_conflicts(
        r,
        fields,
        |org| Done::Show(context! { created => org }),
        |status, extra| render_all(&state, &ctx, status, extra),
    )
    .await
}
