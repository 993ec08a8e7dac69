//! Who is asking, and may they: cookies, server-side sessions, CSRF, the sign-in rate
//! limit, and [`Ctx`], the extractor every signed-in route takes.

use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use koers_app::Principal;
use koers_core::Email;
use koers_core::secret::{constant_time_eq, new_token};
use koers_store::sessions::LoginAttempt;
use koers_store::tokens::ApiToken;
use koers_store::{Actor, Session, Store, User};
use std::net::IpAddr;
use std::time::Duration;

pub const SESSION_COOKIE: &str = "koers_session";
/// The double-submit CSRF cookie that protects the sign-in form (before there is a session).
pub const CSRF_COOKIE: &str = "koers_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";

/// The value of cookie `name` in the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// A `Set-Cookie` value: HttpOnly, SameSite=Lax, path `/`, Secure when configured.
pub fn set_cookie(
    name: &str,
    value: &str,
    max_age: Option<i64>,
    secure: bool,
    http_only: bool,
) -> String {
    let mut c = format!("{name}={value}; Path=/; SameSite=Lax");
    if http_only {
        c.push_str("; HttpOnly");
    }
    if secure {
        c.push_str("; Secure");
    }
    if let Some(age) = max_age {
        c.push_str(&format!("; Max-Age={age}"));
    }
    c
}

/// The session a request carries, resolved once by [`session_layer`].
#[derive(Clone)]
pub struct Resolved {
    pub token: String,
    pub session: Session,
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Requests that need no CSRF token: signing in through the API, which demands a JSON body
/// (a cross-site form cannot send one) and has no session yet to protect.
fn csrf_exempt(method: &Method, path: &str) -> bool {
    *method == Method::POST && path == "/api/v1/sessions"
}

/// A personal API token a request to the API presents, resolved by [`session_layer`].
#[derive(Clone)]
pub struct Bearer(pub ApiToken);

/// The token in `Authorization: Bearer …`, if the header says Bearer.
fn bearer_token(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ').unwrap_or((value, ""));
    scheme
        .eq_ignore_ascii_case("bearer")
        .then_some(token.trim())
}

/// Resolves who is asking. Under `/api/`, `Authorization: Bearer` with a personal API token
/// wins over any cookie: an unknown, expired or revoked token is refused (401), a read-only
/// token on anything but reading (403; see `TokenScope::allows`), and no CSRF token is asked (a browser never sends
/// this header to another site on its own). Otherwise the session cookie is resolved and
/// CSRF enforced on every unsafe method: the token must come in the `X-CSRF-Token` header or
/// the `csrf_token` form field, and equal the session's token (or, before sign-in, the CSRF
/// cookie).
pub async fn session_layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with("/api/")
        && let Some(presented) = bearer_token(req.headers())
    {
        let token = match state.store.api_token(presented).await {
            Ok(Some(t)) => t,
            Ok(None) => return AppError::InvalidToken.into_response(),
            Err(e) => return AppError::from(e).into_response(),
        };
        if !token.scope.allows(req.method().as_str(), req.uri().path()) {
            return AppError::ReadOnlyToken.into_response();
        }
        let mut req = req;
        req.extensions_mut().insert(None::<Resolved>);
        req.extensions_mut().insert(Bearer(token));
        return next.run(req).await;
    }
    let resolved = match cookie(req.headers(), SESSION_COOKIE) {
        Some(token) => match state.store.session(&token, state.cfg.session_ttl).await {
            Ok(Some(session)) => Some(Resolved { token, session }),
            Ok(None) => None,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let mut req = req;
    if is_unsafe(req.method()) && !csrf_exempt(req.method(), req.uri().path()) {
        let expected = match &resolved {
            Some(r) => Some(r.session.csrf_token.clone()),
            None => cookie(req.headers(), CSRF_COOKIE),
        };
        let (provided, rebuilt) = match provided_token(req, state.cfg.max_body_bytes).await {
            Ok(x) => x,
            Err(e) => return e.into_response(),
        };
        req = rebuilt;
        let ok = matches!((&expected, &provided), (Some(e), Some(p)) if !e.is_empty() && constant_time_eq(e, p));
        if !ok {
            return AppError::Csrf.into_response();
        }
    }
    req.extensions_mut().insert(resolved);
    next.run(req).await
}

/// The CSRF token a request offers, from the header or (for forms) the body, and the
/// request rebuilt around the body that had to be read for it.
async fn provided_token(req: Request, limit: usize) -> Result<(Option<String>, Request), AppError> {
    if let Some(v) = req.headers().get(CSRF_HEADER).and_then(|v| v.to_str().ok()) {
        let v = v.to_string();
        return Ok((Some(v), req));
    }
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    // A file upload cannot be read for its token without reading the whole file first, so
    // an upload form carries the token in its action URL instead.
    if content_type.starts_with("multipart/form-data") {
        let token = req.uri().query().and_then(|q| {
            serde_urlencoded::from_str::<Vec<(String, String)>>(q)
                .ok()
                .and_then(|pairs| {
                    pairs
                        .into_iter()
                        .find(|(k, _)| k == CSRF_FIELD)
                        .map(|(_, v)| v)
                })
        });
        return Ok((token, req));
    }
    let is_form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !is_form {
        return Ok((None, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let token = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&bytes)
        .ok()
        .and_then(|pairs| {
            pairs
                .into_iter()
                .find(|(k, _)| k == CSRF_FIELD)
                .map(|(_, v)| v)
        });
    Ok((token, Request::from_parts(parts, Body::from(bytes))))
}

/// How a request proved who is asking.
#[derive(Clone)]
pub enum Credential {
    /// A session (after a password or OpenID Connect sign-in): its cookie token and its
    /// CSRF token.
    Session { token: String, csrf: String },
    /// A personal API token (`Authorization: Bearer`).
    ApiToken(ApiToken),
}

/// A signed-in request: who asks (the [`Principal`] every use case takes; `ctx.org`,
/// `ctx.require(…)` read through to it), how they proved it, and the language they read.
#[derive(Clone)]
pub struct Ctx {
    pub who: Principal,
    pub credential: Credential,
    pub lang: Lang,
}

impl std::ops::Deref for Ctx {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.who
    }
}

impl Ctx {
    /// The session's cookie token; refused (403) for an API token, which has no session to
    /// switch, end or mint tokens with.
    pub fn session_token(&self) -> Result<&str, AppError> {
        match &self.credential {
            Credential::Session { token, .. } => Ok(token),
            Credential::ApiToken(_) => Err(AppError::SessionRequired),
        }
    }

    /// The session's CSRF token (none with an API token, which needs none).
    pub fn csrf(&self) -> Option<&str> {
        match &self.credential {
            Credential::Session { csrf, .. } => Some(csrf),
            Credential::ApiToken(_) => None,
        }
    }
}

impl FromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    /// The user, organisation and current roles of the session or API token: a token acts
    /// with its user's roles at this moment, so a membership that ended ends it too.
    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, AppError> {
        let (user_id, org_id, credential) = if let Some(Bearer(t)) =
            parts.extensions.get::<Bearer>().cloned()
        {
            (t.user_id.clone(), t.org_id.clone(), Credential::ApiToken(t))
        } else {
            let Some(Some(resolved)) = parts.extensions.get::<Option<Resolved>>().cloned() else {
                return Err(AppError::Unauthorized);
            };
            let s = resolved.session;
            let credential = Credential::Session {
                token: resolved.token,
                csrf: s.csrf_token,
            };
            (s.user_id, s.org_id, credential)
        };
        let user = state.store.user(&user_id).await?;
        let org = state.store.organisation(&org_id).await?;
        let roles = state.store.roles_in(&user.id, &org.id).await?;
        if roles.is_empty() {
            // The membership ended while the session or token lived.
            return Err(AppError::Unauthorized);
        }
        let (actor, via_token) = match &credential {
            Credential::Session { .. } => (Actor::user(&user.id, &user.email), false),
            Credential::ApiToken(t) => (
                Actor::user_with_token(&user.id, &user.email, &t.id, &t.name),
                true,
            ),
        };
        Ok(Ctx {
            who: Principal {
                user,
                org,
                roles,
                actor,
                via_token,
            },
            credential,
            lang: Lang::from_headers(&parts.headers),
        })
    }
}

/// Counts failed sign-ins per e-mail address and per client address in a sliding window.
/// The counts live in the store, so several koers processes on one database share them.
pub struct LoginLimiter {
    max: u32,
    window: Duration,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        LoginLimiter { max, window }
    }

    fn email_key(email: &str) -> String {
        format!("email:{email}")
    }

    /// The keys a failure counts under, with how many failures each may have: a client
    /// address may try a few accounts (an office behind one address), an account only few
    /// passwords.
    fn keys(&self, email: &str, ip: IpAddr) -> [(String, u32); 2] {
        [
            (Self::email_key(email), self.max),
            (format!("ip:{ip}"), self.max.saturating_mul(4)),
        ]
    }

    /// Lets one sign-in attempt go ahead, or refuses with 429 (and the seconds to wait) while
    /// either key has had too many failures in the window. The attempt counts as failed from
    /// here on, in the same step as the check, so that parallel attempts cannot pass the
    /// limit together; [`LoginLimiter::succeed`] takes it back. Returns the attempt's id.
    pub async fn attempt(
        &self,
        store: &Store,
        email: &str,
        ip: IpAddr,
    ) -> Result<String, AppError> {
        let since = chrono::Utc::now()
            - chrono::Duration::from_std(self.window)
                .unwrap_or_else(|_| chrono::Duration::days(365));
        match store
            .begin_login_attempt(&self.keys(email, ip), since)
            .await?
        {
            LoginAttempt::Granted(attempt) => Ok(attempt),
            LoginAttempt::Refused { first } => {
                let passed = (chrono::Utc::now() - first).to_std().unwrap_or_default();
                let wait = self.window.saturating_sub(passed).as_secs().max(1);
                tracing::warn!(%ip, wait, "sign-in refused: too many failed attempts");
                Err(AppError::TooManyRequests(wait))
            }
        }
    }

    /// The attempt succeeded: it no longer counts, and the account's failures are forgotten
    /// (not the address's, so that one account of one's own does not reset guessing at
    /// others).
    pub async fn succeed(&self, store: &Store, email: &str, attempt: &str) -> Result<(), AppError> {
        store
            .login_succeeded(attempt, &Self::email_key(email))
            .await?;
        Ok(())
    }
}

/// The one message for every failed sign-in, so it reveals nothing about which accounts exist.
pub const BAD_CREDENTIALS: &str = "E-mailadres of wachtwoord onjuist";

/// Signs a user in: rate limit, password check, a fresh session (never a reused one, so a
/// planted session id is worthless), and the session the request carried before (`headers`)
/// ended. Returns the cookie token and the session.
pub async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    email: &str,
    password: &str,
    ip: IpAddr,
) -> Result<(String, Session, User), AppError> {
    let email = Email::parse(email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_default();
    let limiter = &state.limiter;
    let attempt = limiter.attempt(&state.store, &email, ip).await?;
    // Every way out before the end leaves the attempt counted as a failure.
    let refused = || {
        tracing::info!(%ip, "sign-in refused: wrong e-mail address or password");
        Err(AppError::BadCredentials)
    };
    let found = if email.is_empty() {
        None
    } else {
        state.store.user_for_login(&email).await?
    };
    let user = match found {
        Some((user, hash)) if crate::passwords::verify(password, &hash).await? => user,
        // A user without a password (who signs in through an OpenID Connect provider) takes
        // as long to refuse as an unknown address.
        Some((_, hash)) if !hash.is_empty() => return refused(),
        _ => {
            crate::passwords::verify_against_nothing(password).await?;
            return refused();
        }
    };
    let Some(org) = state
        .store
        .organisations_of(&user.id)
        .await?
        .into_iter()
        .next()
    else {
        return refused();
    };
    limiter.succeed(&state.store, &email, &attempt).await?;
    let (token, session) = start_session(state, headers, &user.id, &org.id).await?;
    Ok((token, session, user))
}

/// A fresh session for a user who proved who they are (never a reused one, so a planted
/// session id is worthless), and the session the request carried before ended. Returns the
/// cookie token and the session.
pub async fn start_session(
    state: &AppState,
    headers: &HeaderMap,
    user_id: &str,
    org_id: &str,
) -> Result<(String, Session), AppError> {
    let (token, session) = state
        .store
        .create_session(user_id, org_id, state.cfg.session_ttl)
        .await?;
    if let Some(previous) = cookie(headers, SESSION_COOKIE) {
        state.store.end_session(&previous).await?;
    }
    Ok((token, session))
}

/// The `Set-Cookie` value that carries a new session's token.
pub fn session_cookie(state: &AppState, token: &str) -> String {
    set_cookie(
        SESSION_COOKIE,
        token,
        Some(state.cfg.session_ttl.absolute.num_seconds()),
        state.cfg.secure_cookies,
        true,
    )
}

/// A fresh CSRF token for the sign-in form, with the cookie that carries it.
pub fn login_csrf(headers: &HeaderMap, secure: bool) -> (String, Option<String>) {
    match cookie(headers, CSRF_COOKIE) {
        Some(t) if t.len() >= 32 => (t, None),
        _ => {
            let t = new_token();
            let c = set_cookie(CSRF_COOKIE, &t, None, secure, true);
            (t, Some(c))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_from_any_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; koers_session=abc".parse().unwrap());
        h.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[tokio::test]
    async fn limiter_blocks_after_max_failures_and_clears_on_success() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let l = LoginLimiter::new(2, Duration::from_secs(60));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        // Two attempts that fail (they are never taken back).
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        match l.attempt(&store, "a@b.nl", other).await {
            Err(AppError::TooManyRequests(secs)) => assert!((1..=60).contains(&secs)),
            _ => panic!("the account is limited from any address"),
        }
        let ok = l
            .attempt(&store, "c@d.nl", ip)
            .await
            .expect("per account, not global");
        l.succeed(&store, "c@d.nl", &ok).await.unwrap();
        // Many accounts from one address: the address is limited at four times the maximum.
        for i in 0..8 {
            l.attempt(&store, &format!("u{i}@b.nl"), other)
                .await
                .unwrap();
        }
        assert!(l.attempt(&store, "new@b.nl", other).await.is_err());
        let ok = l.attempt(&store, "new@b.nl", ip).await.unwrap();
        l.succeed(&store, "new@b.nl", &ok).await.unwrap();
        // Successful sign-ins do not use up the address's allowance.
        for _ in 0..10 {
            let ok = l.attempt(&store, "c@d.nl", ip).await.unwrap();
            l.succeed(&store, "c@d.nl", &ok).await.unwrap();
        }
    }

    #[tokio::test]
    async fn failures_outside_the_window_do_not_count() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let l = LoginLimiter::new(1, Duration::from_millis(200));
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        assert!(l.attempt(&store, "a@b.nl", ip).await.is_err());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(l.attempt(&store, "a@b.nl", ip).await.is_ok());
    }

    #[test]
    fn session_cookie_flags() {
        let c = set_cookie(SESSION_COOKIE, "t", Some(60), true, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "t", None, false, true).contains("Secure"));
    }
}
