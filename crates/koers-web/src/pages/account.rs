//! The user's own account: changing the password.

use super::{form_problem, page};
use crate::auth::{Ctx, SESSION_COOKIE, set_cookie};
use crate::error::AppError;
use crate::input::Input;
use crate::startup::AppState;
use crate::workspace;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/account", get(show))
        .route("/account/wachtwoord", post(change_password))
}

async fn show(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    Ok(page(&state, &ctx, "account.html", "/account", context! {})
        .await?
        .into_response())
}

async fn change_password(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    match workspace::change_password(&state, &ctx, Input::form(&body)?).await {
        // Every session ended with the old password; sign in again with the new one.
        Ok(()) => {
            let cookie = set_cookie(SESSION_COOKIE, "", Some(0), state.cfg.secure_cookies, true);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = form_problem(&e);
            let html = page(&state, &ctx, "account.html", "/account", extra).await?;
            Ok((StatusCode::BAD_REQUEST, html).into_response())
        }
        Err(e) => Err(e),
    }
}
