//! The user's own account: changing the password, and personal API tokens.

use crate::auth::{Ctx, SESSION_COOKIE, set_cookie};
use crate::client::ClientIp;
use crate::error::AppError;
use crate::shell::{form_problem, page};
use crate::state::AppState;
use crate::{tokens, workspace};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::{Value, context};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/wachtwoord", post(change_password))
        .route("/account/tokens", post(create_token))
        .route("/account/tokens/{token_id}/intrekken", post(revoke_token))
}

/// The account page with the user's tokens and `extra` (a new token, a form's problems).
async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let orgs = state.store.organisations_of(&ctx.user.id).await?;
    let list: Vec<Value> = tokens::list(state, ctx)
        .await?
        .iter()
        .map(|t| {
            let org = orgs
                .iter()
                .find(|o| o.id == t.org_id)
                .map_or(t.org_id.as_str(), |o| o.name.as_str());
            context! {
                id => t.id, name => t.name, scope => t.scope.as_str(), organisation => org,
                expires => t.expires_at.get(..10), last_used => t.last_used_at.as_deref().and_then(|u| u.get(..16)),
                expired => t.expired(),
            }
        })
        .collect();
    let today = chrono::Utc::now().date_naive();
    let day = |n: u64| {
        today
            .checked_add_days(chrono::Days::new(n))
            .map(|d| d.to_string())
    };
    let base = context! {
        tokens => list,
        expires_default => day(90),
        expires_min => day(1),
        expires_max => day(koers_core::tokens::MAX_DAYS),
    };
    let html = page(
        state,
        ctx,
        "account.html",
        "/account",
        context! { ..extra, ..base },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    match workspace::change_password(&state, &ctx, crate::input::form(&body)?).await {
        // Every session ended with the old password; sign in again with the new one.
        Ok(()) => {
            let cookie = set_cookie(SESSION_COOKIE, "", Some(0), state.cfg.secure_cookies, true);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            render(&state, &ctx, StatusCode::BAD_REQUEST, form_problem(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// Makes a token and shows it, this once, on the account page.
async fn create_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::input::form_value(&crate::input::form(&body)?);
    match tokens::create(&state, &ctx, client, crate::input::form(&body)?).await {
        Ok((secret, made)) => {
            let extra = context! { new_token => secret, new_token_name => made.name };
            render(&state, &ctx, StatusCode::OK, extra).await
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! {
                token_error => e.detail(), token_field_errors => e.field_errors(), token_form => form,
            };
            render(&state, &ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(
    State(state): State<AppState>,
    ctx: Ctx,
    ClientIp(client): ClientIp,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    tokens::revoke(&state, &ctx, client, &id).await?;
    Ok(Redirect::to("/account#api-tokens").into_response())
}
