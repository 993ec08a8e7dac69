//! `/api/v1/sessions`, `/tokens` and `/auth-providers`: signing in and out through the API,
//! the signed-in person's personal API tokens (for scripts and other systems:
//! `Authorization: Bearer <token>`), and the OpenID Connect providers one may sign in with.

use crate::api::created;
use crate::auth::{Ctx, ended_session_cookie, session_created, sign_in};
use crate::client::ClientIp;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::organisations::api::{OrganisationOut, UserOut};
use crate::schema;
use crate::state::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use koers_app::Principal;
use koers_app::accounts::{self, ApiToken, tokens};
use koers_core::Role;
use koers_core::tokens::TokenScope;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/sessions" => post(create_session),
        "/sessions/current" => get(current_session).patch(switch_organisation).delete(end_session),
        "/tokens" => get(list_tokens).post(create_token),
        "/tokens/{token_id}" => delete(revoke_token),
        "/auth-providers" => get(list_auth_providers),
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
    #[schema(value_type = Vec<schema::Role>)]
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

impl SessionOut {
    /// The session of `who`, with its CSRF token (none with an API token).
    pub(crate) fn of(who: &Principal, csrf: Option<String>) -> Self {
        SessionOut {
            csrf_token: csrf,
            user: (&who.user).into(),
            organisation: (&who.org).into(),
            roles: who.roles.clone(),
        }
    }
}

/// A personal API token (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOut {
    pub id: String,
    pub name: String,
    /// `read`: only GET; `read_write`: whatever the user's roles allow.
    #[schema(value_type = schema::TokenScope)]
    pub scope: TokenScope,
    /// The organisation the token acts in.
    pub organisation_id: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// From this moment on the token is refused.
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub last_used_at: Option<String>,
}

impl From<&ApiToken> for TokenOut {
    fn from(t: &ApiToken) -> Self {
        TokenOut {
            id: t.id.clone(),
            name: t.name.clone(),
            scope: t.scope,
            organisation_id: t.org_id.clone(),
            created_at: t.created_at.clone(),
            expires_at: t.expires_at.clone(),
            last_used_at: t.last_used_at.clone(),
        }
    }
}

/// A token just made: the only time its secret is shown.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenCreatedOut {
    /// Send it as `Authorization: Bearer <token>`. Keep it secret; koers keeps only its hash
    /// and cannot show it again.
    pub token: String,
    #[serde(flatten)]
    pub details: TokenOut,
}

/// A new token.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenIn {
    /// What it is for (at most 100 characters).
    pub name: String,
    /// `read` or `read_write`.
    #[schema(value_type = schema::TokenScope)]
    pub scope: TokenScope,
    /// The day it stops working (`YYYY-MM-DD`, UTC): after today, at most 365 days ahead.
    #[schema(format = Date)]
    pub expires_on: String,
}

/// An OpenID Connect provider people may sign in with, beside e-mail address and password.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthProviderOut {
    /// Short name of the provider.
    pub id: String,
    /// Its name as the sign-in page shows it.
    pub name: String,
    /// The issuer of its ID tokens.
    pub issuer: String,
    /// The page that starts signing in there (in a browser).
    pub login_url: String,
}

/// Sign in; sets the session cookie.
#[utoipa::path(post, path = "/sessions", tag = "sessies", request_body = LoginIn,
    responses((status = 201, description = "Ingelogd", body = SessionOut)))]
pub async fn create_session(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    JsonInput(mut input): JsonInput,
) -> Reply {
    let email = input.text("email");
    let password = input.text("password");
    input.finish(Ok(()))?;
    let signed_in = sign_in(&state, &headers, ip, &email, &password).await?;
    let out = SessionOut::of(&signed_in.who, Some(signed_in.session.csrf_token));
    Ok(session_created(&state, &signed_in.token, out))
}

/// The current session.
#[utoipa::path(get, path = "/sessions/current", tag = "sessies",
    responses((status = 200, description = "De huidige sessie", body = SessionOut)))]
pub async fn current_session(ctx: Ctx) -> Json<SessionOut> {
    Json(SessionOut::of(&ctx.who, ctx.csrf().map(str::to_string)))
}

/// Switch to another organisation the user is a member of.
#[utoipa::path(patch, path = "/sessions/current", tag = "sessies", request_body = SwitchIn,
    responses((status = 200, description = "Gewisseld", body = SessionOut),
        (status = 404, description = "Geen lid van die organisatie (of zij bestaat niet)", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn switch_organisation(
    ctx: Ctx,
    JsonInput(mut input): JsonInput,
) -> JsonReply<SessionOut> {
    let org_id = input.text("organisationId");
    input.finish(Ok(()))?;
    let who =
        accounts::switch_organisation(ctx.ws(), &ctx.who, ctx.session_token()?, &org_id).await?;
    Ok(Json(SessionOut::of(&who, ctx.csrf().map(str::to_string))))
}

/// Sign out.
#[utoipa::path(delete, path = "/sessions/current", tag = "sessies",
    responses((status = 204, description = "Uitgelogd")))]
pub async fn end_session(ctx: Ctx) -> Reply {
    accounts::sign_out(ctx.ws(), &ctx.who, ctx.session_token()?).await?;
    let cookie = ended_session_cookie(&ctx.state);
    Ok((StatusCode::NO_CONTENT, [(header::SET_COOKIE, cookie)]).into_response())
}

/// Your personal API tokens, newest first.
#[utoipa::path(get, path = "/tokens", tag = "sessies",
    responses((status = 200, description = "Tokens", body = Vec<TokenOut>)))]
pub async fn list_tokens(ctx: Ctx) -> JsonReply<Vec<TokenOut>> {
    let all = tokens::list(ctx.ws(), &ctx.who).await?;
    Ok(Json(all.iter().map(TokenOut::from).collect()))
}

/// Make a personal API token acting in the organisation you work in, with your roles there.
/// Only with a session (signed in with a password or through your organisation), not with
/// another token. The answer holds the token itself, once.
#[utoipa::path(post, path = "/tokens", tag = "sessies", request_body = TokenIn,
    responses((status = 201, description = "Gemaakt; het token staat alleen in dit antwoord", body = TokenCreatedOut)))]
pub async fn create_token(
    ctx: Ctx,
    ClientIp(client): ClientIp,
    JsonInput(input): JsonInput,
) -> Reply {
    let made = tokens::create(ctx.ws(), &ctx.who, client, input).await?;
    let out = TokenCreatedOut {
        token: made.secret,
        details: (&made.token).into(),
    };
    Ok(created(out))
}

/// Revoke one of your tokens; it is refused from then on.
#[utoipa::path(delete, path = "/tokens/{tokenId}", tag = "sessies",
    params(("tokenId" = String, Path, description = "Id van het token")),
    responses((status = 204, description = "Ingetrokken")))]
pub async fn revoke_token(
    ctx: Ctx,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    tokens::revoke(ctx.ws(), &ctx.who, client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The sign-in providers of this koers; no sign-in needed.
#[utoipa::path(get, path = "/auth-providers", tag = "sessies", security(()),
    responses((status = 200, description = "De inlogdiensten", body = Vec<AuthProviderOut>)))]
pub async fn list_auth_providers(State(state): State<AppState>) -> Json<Vec<AuthProviderOut>> {
    Json(
        state
            .cfg
            .oidc
            .iter()
            .map(|p| AuthProviderOut {
                id: p.id.clone(),
                name: p.name.clone(),
                issuer: p.issuer.clone(),
                login_url: format!("/login/oidc/{}", p.id),
            })
            .collect(),
    )
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    create_session,
    current_session,
    switch_organisation,
    end_session,
    list_tokens,
    create_token,
    revoke_token,
    list_auth_providers,
))]
pub struct Doc;
