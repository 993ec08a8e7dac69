//! Signing in through an OpenID Connect provider: the start, the provider's way back, and
//! signing out at the provider. Failures show on the sign-in page.

use super::session::{render_login, safe_next};
use crate::auth::{session_cookie, start_session};
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::oidc::{self, Callback, Failure, SignInError};
use crate::startup::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect, Response};
use axum::routing::get;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/login/oidc/{provider}", get(begin))
        .route("/login/oidc/{provider}/callback", get(callback))
        .route("/login/oidc/{provider}/logout", get(logout))
}

#[derive(Deserialize)]
struct Begin {
    next: Option<String>,
}

/// The sign-in page with the message of `failure`, and the state cookie ended.
fn failed(state: &AppState, headers: &HeaderMap, failure: Failure) -> Result<Response, AppError> {
    let message = t(Lang::from_headers(headers), failure.key());
    let mut resp = render_login(
        state,
        headers,
        failure.status(),
        "/",
        "",
        Some(message),
        None,
    )?;
    if let Ok(c) = oidc::clear_state_cookie(state).parse() {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

async fn begin(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Begin>,
) -> Result<Response, AppError> {
    let p = oidc::provider(&state, &id)?;
    match oidc::start(&state, &headers, p, safe_next(q.next.as_deref())).await {
        Ok((url, cookie)) => Ok((
            AppendHeaders([(header::SET_COOKIE, cookie)]),
            Redirect::to(&url),
        )
            .into_response()),
        Err(SignInError::Failed(f)) => failed(&state, &headers, f),
        Err(SignInError::App(e)) => Err(e),
    }
}

async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Result<Response, AppError> {
    let p = oidc::provider(&state, &id)?;
    match oidc::finish(&state, &headers, p, cb).await {
        Ok((user, org_id, next)) => {
            let (token, _) = start_session(&state, &headers, &user.id, &org_id).await?;
            Ok((
                AppendHeaders([
                    (header::SET_COOKIE, session_cookie(&state, &token)),
                    (header::SET_COOKIE, oidc::clear_state_cookie(&state)),
                ]),
                Redirect::to(&next),
            )
                .into_response())
        }
        Err(SignInError::Failed(f)) => failed(&state, &headers, f),
        Err(SignInError::App(e)) => Err(e),
    }
}

/// Signs out at the provider too, when it offers that; back to the sign-in page otherwise.
async fn logout(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let p = oidc::provider(&state, &id)?;
    match oidc::end_session_url(&state, &headers, p).await {
        Ok(Some(url)) => Ok(Redirect::to(&url).into_response()),
        Ok(None) => Ok(Redirect::to("/login").into_response()),
        Err(f) => failed(&state, &headers, f),
    }
}
