//! `/sessions`: signing in and out through the API.

use super::organisations::OrganisationOut;
use crate::auth::{Ctx, SESSION_COOKIE, set_cookie, sign_in};
use crate::client::ClientIp;
use crate::error::AppError;
use crate::state::AppState;
use crate::workspace;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use koers_core::Role;
use koers_store::User;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/sessions", post(create_session))
        .route(
            "/sessions/current",
            axum::routing::get(current_session)
                .patch(switch_organisation)
                .delete(end_session),
        )
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub instance_admin: bool,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            instance_admin: u.instance_admin,
        }
    }
}

/// The signed-in session: who, in which organisation, with which roles, and the token to
/// send as `X-CSRF-Token` with every request that changes something.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionOut {
    /// Absent when asked with an API token, which needs no CSRF token.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub csrf_token: Option<String>,
    pub user: UserOut,
    pub organisation: OrganisationOut,
    pub roles: Vec<Role>,
}

/// Sign in with e-mail address and password.
#[derive(ToSchema)]
pub struct LoginIn {
    pub email: String,
    pub password: String,
}

/// Switch the organisation the session works in.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SwitchIn {
    pub organisation_id: String,
}

async fn session_out(
    state: &AppState,
    ctx_user: &User,
    org_id: &str,
    csrf: Option<String>,
) -> Result<SessionOut, AppError> {
    let org = state.store.organisation(org_id).await?;
    let roles = state.store.roles_in(&ctx_user.id, org_id).await?;
    Ok(SessionOut {
        csrf_token: csrf,
        user: ctx_user.into(),
        organisation: (&org).into(),
        roles,
    })
}

/// Sign in; sets the session cookie.
#[utoipa::path(post, path = "/sessions", tag = "sessies", request_body = LoginIn,
    responses((status = 201, description = "Ingelogd", body = SessionOut)))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut input = crate::input::json(&headers, &body)?;
    let email = input.text("email");
    let password = input.text("password");
    input.finish(Ok(()))?;
    let (token, session, user) = sign_in(&state, &headers, &email, &password, ip).await?;
    let out = session_out(&state, &user, &session.org_id, Some(session.csrf_token)).await?;
    let cookie = set_cookie(
        SESSION_COOKIE,
        &token,
        Some(state.cfg.session_ttl.absolute.num_seconds()),
        state.cfg.secure_cookies,
        true,
    );
    Ok((
        StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        Json(out),
    )
        .into_response())
}

/// The current session.
#[utoipa::path(get, path = "/sessions/current", tag = "sessies",
    responses((status = 200, description = "De huidige sessie", body = SessionOut)))]
pub async fn current_session(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<SessionOut>, AppError> {
    Ok(Json(
        session_out(
            &state,
            &ctx.user,
            &ctx.org.id,
            ctx.csrf().map(str::to_string),
        )
        .await?,
    ))
}

/// Switch to another organisation the user is a member of.
#[utoipa::path(patch, path = "/sessions/current", tag = "sessies", request_body = SwitchIn,
    responses((status = 200, description = "Gewisseld", body = SessionOut),
        (status = 404, description = "Geen lid van die organisatie (of zij bestaat niet)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn switch_organisation(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SessionOut>, AppError> {
    let mut input = crate::input::json(&headers, &body)?;
    let org_id = input.text("organisationId");
    input.finish(Ok(()))?;
    workspace::switch_org(&state, &ctx, &org_id).await?;
    Ok(Json(
        session_out(&state, &ctx.user, &org_id, ctx.csrf().map(str::to_string)).await?,
    ))
}

/// Sign out.
#[utoipa::path(delete, path = "/sessions/current", tag = "sessies",
    responses((status = 204, description = "Uitgelogd")))]
pub async fn end_session(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    state.store.end_session(ctx.session_token()?).await?;
    let cookie = set_cookie(SESSION_COOKIE, "", Some(0), state.cfg.secure_cookies, true);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(create_session, current_session, switch_organisation, end_session,))]
pub struct Doc;
