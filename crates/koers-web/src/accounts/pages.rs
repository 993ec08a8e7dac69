//! Signing in and out, the language switch, switching organisation, and the user's own
//! account page: changing the password, and personal API tokens.

use crate::auth::{Ctx, ended_session_cookie, login_csrf, session_cookie, sign_in};
use crate::client::ClientIp;
use crate::config::OidcProviderConfig;
use crate::cookies::set_cookie;
use crate::error::{AppError, Reply};
use crate::i18n::{LANG_COOKIE, Lang};
use crate::input::FormInput;
use crate::shell::{form_problem, page_with_status, safe_next};
use crate::state::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::accounts::{self, tokens};
use koers_app::organisations;
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/login" => get(login_form).post(login),
        "/logout" => post(logout),
        "/lang/{code}" => get(switch_lang),
        "/organisatie/wisselen" => post(switch),
        "/account" => get(show_account),
        "/account/wachtwoord" => post(change_password),
        "/account/tokens" => post(create_token),
        "/account/tokens/{token_id}/intrekken" => post(revoke_token),
    }
}

#[derive(Deserialize)]
struct Next {
    next: Option<String>,
    /// The provider the person just signed out of koers through (offers signing out there).
    signed_out: Option<String>,
}

/// The sign-in page: the password form, a button per OpenID Connect provider, and `error`.
pub(super) fn render_login(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    next: &str,
    email: &str,
    error: Option<String>,
    signed_out_of: Option<&OidcProviderConfig>,
) -> Reply {
    let providers: Vec<_> = state
        .cfg
        .oidc
        .iter()
        .map(|p| context! { id => p.id, name => p.name })
        .collect();
    let signed_out = signed_out_of.map(|p| context! { id => p.id, name => p.name });
    before_sign_in(
        state,
        headers,
        status,
        "login.html",
        context! { next => next, email => email, error => error, providers => providers, signed_out => signed_out },
    )
}

/// A page for someone not signed in yet, in the browser's language and with the pre-sign-in
/// CSRF token (`csrf`; its cookie is set when the browser had none) beside `ctx`.
pub(crate) fn before_sign_in(
    state: &AppState,
    headers: &HeaderMap,
    status: StatusCode,
    template: &str,
    ctx: minijinja::Value,
) -> Reply {
    let (csrf, set) = login_csrf(headers, state.cfg.secure_cookies);
    let html = Templates::render(
        template,
        context! { lang => Lang::from_headers(headers).code(), csrf => csrf, ..ctx },
    )?;
    let mut resp = (status, Html(html)).into_response();
    if let Some(c) = set.and_then(|c| c.parse().ok()) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(resp)
}

async fn login_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(q): Query<Next>,
) -> Reply {
    let signed_out_of = q
        .signed_out
        .as_deref()
        .and_then(|id| super::oidc::provider(&state, id).ok());
    render_login(
        &state,
        &headers,
        StatusCode::OK,
        &safe_next(q.next.as_deref()),
        "",
        None,
        signed_out_of,
    )
}

async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    FormInput(mut input): FormInput,
) -> Reply {
    let email = input.text("email");
    let password = input.text("password");
    let next = safe_next(Some(&input.text("next")));
    match sign_in(&state, &headers, ip, &email, &password)
        .await
        .map_err(AppError::from)
    {
        Ok(signed_in) => {
            let cookie = session_cookie(&state, &signed_in.token);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&next)).into_response())
        }
        Err(e @ (AppError::BadCredentials | AppError::TooManyRequests(_))) => {
            let mut resp = render_login(
                &state,
                &headers,
                e.status(),
                &next,
                &email,
                Some(e.detail()),
                None,
            )?;
            e.set_retry_after(&mut resp);
            Ok(resp)
        }
        Err(e) => Err(e),
    }
}

async fn logout(ctx: Ctx) -> Reply {
    let provider = accounts::sign_out(ctx.ws(), &ctx.who, ctx.session_token()?).await?;
    let cookie = ended_session_cookie(&ctx.state);
    // Someone who came through a provider is offered to sign out there too.
    let to = match provider {
        Some(id) if super::oidc::provider(&ctx.state, &id).is_ok() => {
            format!("/login?signed_out={id}")
        }
        _ => "/login".to_string(),
    };
    Ok(([(header::SET_COOKIE, cookie)], Redirect::to(&to)).into_response())
}

async fn switch_lang(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Query(q): Query<Next>,
) -> Reply {
    let lang = Lang::parse(&code).ok_or(AppError::NotFound)?;
    let cookie = set_cookie(
        LANG_COOKIE,
        lang.code(),
        Some(365 * 24 * 3600),
        state.cfg.secure_cookies,
        false,
    );
    Ok((
        [(header::SET_COOKIE, cookie)],
        Redirect::to(&safe_next(q.next.as_deref())),
    )
        .into_response())
}

/// Switches the session to another organisation the user is a member of.
async fn switch(ctx: Ctx, FormInput(mut input): FormInput) -> Reply {
    let org_id = input.text("orgId");
    accounts::switch_organisation(ctx.ws(), &ctx.who, ctx.session_token()?, &org_id).await?;
    Ok(Redirect::to("/").into_response())
}

/// The account page with the user's tokens and `extra` (a new token, a form's problems).
async fn render_account(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let orgs = organisations::mine(ctx.ws(), &ctx.who).await?;
    let list: Vec<Value> = tokens::list(ctx.ws(), &ctx.who)
        .await?
        .iter()
        .map(|t| {
            let org = orgs
                .iter()
                .find(|o| o.id == t.org_id)
                .map_or(t.org_id.as_str(), |o| o.name.as_str());
            context! {
                id => t.id, name => t.name, scope => t.scope.as_str(), organisation => org,
                expires => t.expires_at, last_used => t.last_used_at,
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
    page_with_status(
        ctx,
        status,
        "account.html",
        "/account",
        context! { ..extra, ..base },
    )
    .await
}

async fn show_account(ctx: Ctx) -> Reply {
    render_account(&ctx, StatusCode::OK, context! {}).await
}

async fn change_password(ctx: Ctx, FormInput(input): FormInput) -> Reply {
    match accounts::change_password(ctx.ws(), &ctx.who, input)
        .await
        .map_err(AppError::from)
    {
        // Every session ended with the old password; sign in again with the new one.
        Ok(()) => {
            let cookie = ended_session_cookie(&ctx.state);
            Ok(([(header::SET_COOKIE, cookie)], Redirect::to("/login")).into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            render_account(&ctx, StatusCode::BAD_REQUEST, form_problem(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// Makes a token and shows it, this once, on the account page; the token form's problems
/// have their own names on that page.
async fn create_token(ctx: Ctx, ClientIp(client): ClientIp, form: FormInput) -> Reply {
    let fields = form.value();
    match tokens::create(ctx.ws(), &ctx.who, client, form.0)
        .await
        .map_err(AppError::from)
    {
        Ok(made) => {
            let extra = context! { new_token => made.secret, new_token_name => made.token.name };
            render_account(&ctx, StatusCode::OK, extra).await
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! {
                token_error => e.detail(), token_field_errors => e.field_errors(), token_form => fields,
            };
            render_account(&ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn revoke_token(ctx: Ctx, ClientIp(client): ClientIp, Path(id): Path<String>) -> Reply {
    tokens::revoke(ctx.ws(), &ctx.who, client, &id).await?;
    Ok(Redirect::to("/account#api-tokens").into_response())
}
