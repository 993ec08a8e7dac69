//! `/tokens`: the signed-in person's personal API tokens, for scripts and other systems
//! (`Authorization: Bearer <token>`).

use crate::auth::Ctx;
use crate::client::ClientIp;
use crate::error::AppError;
use crate::state::AppState;
use crate::tokens;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get};
use axum::{Json, Router};
use koers_core::tokens::TokenScope;
use koers_store::tokens::ApiToken;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/tokens", get(list_tokens).post(create_token))
        .route("/tokens/{token_id}", delete(revoke_token))
}

/// A personal API token (never its secret).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TokenOut {
    pub id: String,
    pub name: String,
    /// `read`: only GET; `read_write`: whatever the user's roles allow.
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
    pub scope: TokenScope,
    /// The day it stops working (`YYYY-MM-DD`, UTC): after today, at most 365 days ahead.
    #[schema(format = Date)]
    pub expires_on: String,
}

/// Your personal API tokens, newest first.
#[utoipa::path(get, path = "/tokens", tag = "sessies",
    responses((status = 200, description = "Tokens", body = Vec<TokenOut>)))]
pub async fn list_tokens(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<TokenOut>>, AppError> {
    let all = tokens::list(&state, &ctx).await?;
    Ok(Json(all.iter().map(TokenOut::from).collect()))
}

/// Make a personal API token acting in the organisation you work in, with your roles there.
/// Only with a session (signed in with a password or through your organisation), not with
/// another token. The answer holds the token itself, once.
#[utoipa::path(post, path = "/tokens", tag = "sessies", request_body = TokenIn,
    responses((status = 201, description = "Gemaakt; het token staat alleen in dit antwoord", body = TokenCreatedOut)))]
pub async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let input = crate::input::json(&headers, &body)?;
    let (token, made) = tokens::create(&state, &ctx, client, input).await?;
    let out = TokenCreatedOut {
        token,
        details: (&made).into(),
    };
    Ok((StatusCode::CREATED, Json(out)).into_response())
}

/// Revoke one of your tokens; it is refused from then on.
#[utoipa::path(delete, path = "/tokens/{tokenId}", tag = "sessies",
    params(("tokenId" = String, Path, description = "Id van het token")),
    responses((status = 204, description = "Ingetrokken")))]
pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    tokens::revoke(&state, &ctx, client, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_tokens, create_token, revoke_token,))]
pub struct Doc;
