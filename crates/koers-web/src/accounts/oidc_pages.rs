//! Signing in through an OpenID Connect provider: the start, the provider's way back,
//! linking to an existing local account (after its password), and signing out at the
//! provider. Failures show on the sign-in page.

use super::oidc::{self, Callback, Failure, Finished, SignInError};
use super::pages::{before_sign_in, render_login};
use crate::auth::session_cookie;
use crate::client::ClientIp;
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, t};
use crate::input::FormInput;
use crate::shell::safe_next;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{AppendHeaders, IntoResponse, Redirect};
use axum::routing::get;
use minijinja::context;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/login/oidc/{provider}" => get(begin),
        "/login/oidc/{provider}/callback" => get(callback),
        "/login/oidc/{provider}/logout" => get(logout),
        "/login/koppelen" => get(link_form).post(link),
    }
}

#[derive(Deserialize)]
struct Begin {
    next: Option<String>,
}

/// The sign-in page with the message of `failure`, and the state cookie ended.
fn failed(state: &AppState, headers: &HeaderMap, failure: Failure) -> Reply {
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

/// A sign-in step that did not go through: a refusal (by the provider, or of what it sent)
/// shows the sign-in page with it ([`failed`]); any other error is answered as usual.
fn refused(state: &AppState, headers: &HeaderMap, e: SignInError) -> Reply {
    match e {
        SignInError::Failed(f) => failed(state, headers, f),
        SignInError::App(e) => Err(e),
    }
}

/// Sets the `cookies` and sends the browser on to `to`.
fn redirect_setting<const N: usize>(cookies: [String; N], to: &str) -> Reply {
    let cookies = AppendHeaders(cookies.map(|c| (header::SET_COOKIE, c)));
    Ok((cookies, Redirect::to(to)).into_response())
}

async fn begin(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(q): Query<Begin>,
) -> Reply {
    let p = oidc::provider(&state, &id)?;
    match oidc::start(&state, &headers, p, safe_next(q.next.as_deref())).await {
        Ok((url, cookie)) => redirect_setting([cookie], &url),
        Err(e) => refused(&state, &headers, e),
    }
}

async fn callback(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
    Query(cb): Query<Callback>,
) -> Reply {
    let p = oidc::provider(&state, &id)?;
    match oidc::finish(&state, &headers, p, cb).await {
        Ok(Finished::ConfirmLink(token)) => redirect_setting(
            [
                oidc::link_cookie(&state, &token),
                oidc::clear_state_cookie(&state),
            ],
            "/login/koppelen",
        ),
        Ok(Finished::SignedIn { token, next }) => redirect_setting(
            [
                session_cookie(&state, &token),
                oidc::clear_state_cookie(&state),
            ],
            &next,
        ),
        Err(e) => refused(&state, &headers, e),
    }
}

/// Signs out at the provider too, when it offers that; back to the sign-in page otherwise.
async fn logout(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Reply {
    let p = oidc::provider(&state, &id)?;
    match oidc::end_session_url(&state, &headers, p).await {
        Ok(Some(url)) => Ok(Redirect::to(&url).into_response()),
        Ok(None) => Ok(Redirect::to("/login").into_response()),
        Err(f) => failed(&state, &headers, f),
    }
}

/// The page that asks for the password of the local account a provider identity would be
/// linked to, with `error`.
async fn render_link(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    error: Option<String>,
) -> Reply {
    let (pending, user) = match oidc::waiting_link(state, headers).await {
        Ok(x) => x,
        Err(e) => return refused(state, headers, e),
    };
    let provider = oidc::provider(state, &pending.provider)
        .map(|p| p.name.clone())
        .unwrap_or(pending.provider);
    before_sign_in(
        state,
        headers,
        status,
        "oidc_link.html",
        context! { email => user.email, provider => provider, error => error },
    )
}

async fn link_form(State(state): State<AppState>, headers: HeaderMap) -> Reply {
    render_link(&state, &headers, StatusCode::OK, None).await
}

/// Links the waiting provider identity once the account's password is right, and signs in.
async fn link(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    FormInput(mut input): FormInput,
) -> Reply {
    let password = input.text("password");
    match oidc::confirm_link(&state, &headers, &password, ip).await {
        Ok((token, next)) => redirect_setting(
            [
                session_cookie(&state, &token),
                oidc::clear_link_cookie(&state),
            ],
            &next,
        ),
        Err(SignInError::App(e @ (AppError::BadCredentials | AppError::TooManyRequests(_)))) => {
            let mut resp = render_link(&state, &headers, e.status(), Some(e.detail())).await?;
            e.set_retry_after(&mut resp);
            Ok(resp)
        }
        Err(SignInError::Failed(f)) => {
            let mut resp = failed(&state, &headers, f)?;
            if let Ok(c) = oidc::clear_link_cookie(&state).parse() {
                resp.headers_mut().append(header::SET_COOKIE, c);
            }
            Ok(resp)
        }
        Err(SignInError::App(e)) => Err(e),
    }
}
