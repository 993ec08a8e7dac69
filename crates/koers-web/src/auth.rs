//! Who is asking, over HTTP: the session cookie and the bearer token a request presents,
//! CSRF, and [`Ctx`], the extractor every signed-in route takes. What a session or token
//! stands for, and signing in, are use cases ([`koers_app::accounts`]).

use crate::cookies::{cookie, set_cookie};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::state::AppState;
use crate::templates::FORM_KEY_FIELD;
use axum::body::Body;
use axum::extract::{FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use koers_app::accounts::{self, ApiToken, Presented, Session, SignedIn};
use koers_app::{Principal, Workspace};
use koers_core::secret::{constant_time_eq, new_token};
use std::net::IpAddr;

pub const SESSION_COOKIE: &str = "koers_session";
/// The double-submit CSRF cookie that protects the sign-in form (before there is a session).
pub const CSRF_COOKIE: &str = "koers_csrf";
pub const CSRF_HEADER: &str = "x-csrf-token";
pub const CSRF_FIELD: &str = "csrf_token";
/// What a form sent again is told (see [`FORM_KEY_FIELD`]).
const SENT_BEFORE: &str = "Dit formulier was al verstuurd en is niet nog eens uitgevoerd (een pagina herladen of teruggaan stuurt het opnieuw). Open de pagina opnieuw om iets nieuws te maken.";

/// The session a request carries, resolved once by [`session_layer`].
#[derive(Clone)]
pub struct Resolved {
    pub token: String,
    pub session: Session,
}

fn is_unsafe(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// Requests that need no CSRF token: signing in and taking an invitation up through the API,
/// which demand a JSON body (a cross-site form cannot send one).
fn csrf_exempt(method: &Method, path: &str) -> bool {
    *method == Method::POST
        && (path == "/api/v1/sessions" || path.starts_with("/api/v1/invitations/"))
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
        let token = match accounts::api_token(&state.ws, presented).await {
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
        Some(token) => match accounts::session(&state.ws, &token, state.cfg.session_ttl).await {
            Ok(Some(session)) => Some(Resolved { token, session }),
            Ok(None) => None,
            Err(e) => return AppError::from(e).into_response(),
        },
        None => None,
    };
    let mut req = req;
    // The key of a form sent once that this request spends (see `FORM_KEY_FIELD`).
    let mut spent = None;
    if is_unsafe(req.method()) && !csrf_exempt(req.method(), req.uri().path()) {
        let expected = match &resolved {
            Some(r) => Some(r.session.csrf_token.clone()),
            None => cookie(req.headers(), CSRF_COOKIE),
        };
        let (offered, rebuilt) = match offered(req, state.cfg.max_body_bytes).await {
            Ok(x) => x,
            Err(e) => return e.into_response(),
        };
        req = rebuilt;
        let ok = matches!((&expected, &offered.csrf), (Some(e), Some(p)) if !e.is_empty() && constant_time_eq(e, p));
        if !ok {
            return AppError::Csrf.into_response();
        }
        if let (Some(key), Some(r)) = (&offered.form_key, &resolved) {
            let refused = match accounts::send_form_once(&state.ws, &r.token, key).await {
                Ok(true) => {
                    spent = Some(key.clone());
                    None
                }
                Ok(false) => Some(AppError::Conflict(SENT_BEFORE.into())),
                Err(e) => Some(AppError::from(e)),
            };
            if let Some(e) = refused {
                // Answered in the signed-in user's shell, as any error page (see below).
                let mut resp = e.into_response();
                resp.extensions_mut().insert(r.clone());
                return resp;
            }
        }
    }
    req.extensions_mut().insert(resolved.clone());
    let mut resp = next.run(req).await;
    let failed = resp.status().is_client_error() || resp.status().is_server_error();
    if let Some(r) = resolved
        && failed
    {
        // A form refused or failed did nothing: sent again from the history, it may go.
        if let Some(key) = spent
            && let Err(e) = accounts::form_not_sent(&state.ws, &r.token, &key).await
        {
            tracing::warn!(error = %e, "could not take back a form key");
        }
        // An error page keeps the signed-in user's shell (see `error_page`).
        resp.extensions_mut().insert(r);
    }
    resp
}

/// What an unsafe request offers to be let through: its CSRF token, from the header or (for
/// forms) the body, and the key of a form that may be sent once ([`FORM_KEY_FIELD`]).
#[derive(Default)]
struct Offered {
    csrf: Option<String>,
    form_key: Option<String>,
}

/// What a request offers ([`Offered`]), and the request rebuilt around the body that had to
/// be read for it.
async fn offered(req: Request, limit: usize) -> Result<(Offered, Request), AppError> {
    let header_token = req
        .headers()
        .get(CSRF_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    // A file upload is not read whole for its token: the page's upload form sends the token
    // as its first field (browsers send fields in document order), read here from the head
    // of the body, which goes on whole. A client may put it in the query instead.
    if content_type.starts_with("multipart/form-data") && header_token.is_none() {
        let query = req
            .uri()
            .query()
            .and_then(|q| field(serde_urlencoded::from_str(q), CSRF_FIELD));
        let boundary = content_type
            .split(';')
            .filter_map(|p| p.trim().strip_prefix("boundary="))
            .map(|b| b.trim_matches('"').to_string())
            .next();
        let Some(boundary) = boundary else {
            let offered = Offered {
                csrf: query,
                ..Offered::default()
            };
            return Ok((offered, req));
        };
        let (token, req) = first_field_token(req, &boundary).await;
        let offered = Offered {
            csrf: token.or(query),
            ..Offered::default()
        };
        return Ok((offered, req));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        let offered = Offered {
            csrf: header_token,
            ..Offered::default()
        };
        return Ok((offered, req));
    }
    let (parts, body) = req.into_parts();
    let bytes = axum::body::to_bytes(body, limit)
        .await
        .map_err(|_| AppError::PayloadTooLarge)?;
    let fields = || serde_urlencoded::from_bytes(&bytes);
    let offered = Offered {
        csrf: header_token.or_else(|| field(fields(), CSRF_FIELD)),
        form_key: field(fields(), FORM_KEY_FIELD),
    };
    Ok((offered, Request::from_parts(parts, Body::from(bytes))))
}

/// How much of an upload's body is read for its first field, at the most.
const FIRST_FIELD_LIMIT: usize = 16 * 1024;

/// The token an upload sends as its first field (`csrf_token`), read from the head of the
/// body without the file after it, and the request with its body whole again.
async fn first_field_token(req: Request, boundary: &str) -> (Option<String>, Request) {
    use futures::StreamExt;
    let (parts, body) = req.into_parts();
    let mut rest = body.into_data_stream();
    let mut head: Vec<u8> = Vec::new();
    let mut failed = None;
    let mut token = None;
    while head.len() < FIRST_FIELD_LIMIT {
        match rest.next().await {
            Some(Ok(chunk)) => head.extend_from_slice(&chunk),
            Some(Err(e)) => {
                failed = Some(e);
                break;
            }
            None => break,
        }
        if let Some(found) = first_field(&head, boundary) {
            token = found;
            break;
        }
    }
    let head = futures::stream::iter(
        [Ok(axum::body::Bytes::from(head))]
            .into_iter()
            .chain(failed.map(Err)),
    );
    let body = Body::from_stream(head.chain(rest));
    (token, Request::from_parts(parts, body))
}

/// The first field of a multipart body's head: `None` while the head does not yet hold it
/// whole, then the token when that field is `csrf_token` (and `Some(None)` when it is not).
fn first_field(head: &[u8], boundary: &str) -> Option<Option<String>> {
    let open = format!("--{boundary}\r\n");
    let close = format!("\r\n--{boundary}");
    let find = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).position(|w| w == needle);
    if head.len() < open.len() {
        return None;
    }
    if !head.starts_with(open.as_bytes()) {
        return Some(None);
    }
    let part = &head[open.len()..];
    let headers_end = find(part, b"\r\n\r\n")?;
    let headers = String::from_utf8_lossy(&part[..headers_end]).to_ascii_lowercase();
    let named = headers.lines().any(|l| {
        l.starts_with("content-disposition:") && l.contains(&format!("name=\"{CSRF_FIELD}\""))
    });
    if !named {
        // Another field first (a file, say): nothing more to read for the token.
        return Some(None);
    }
    let value = &part[headers_end + 4..];
    let value_end = find(value, close.as_bytes())?;
    Some(String::from_utf8(value[..value_end].to_vec()).ok())
}

/// The field `name` of URL-encoded fields (a query or a form body), if they parse.
fn field(
    fields: Result<Vec<(String, String)>, serde_urlencoded::de::Error>,
    name: &str,
) -> Option<String> {
    fields
        .ok()?
        .into_iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v)
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

/// A signed-in request: what the handler may use ([`AppState`]; `ctx.ws()` is the
/// workspace every use case acts on), who asks (the [`Principal`] every use case takes;
/// `ctx.org`, `ctx.require(…)` read through to it), how they proved it, and the language
/// they read.
#[derive(Clone)]
pub struct Ctx {
    pub state: AppState,
    pub who: Principal,
    pub credential: Credential,
    pub lang: Lang,
    /// The page asked for, with its query, when it was a GET: where the language switch
    /// returns to.
    pub here: Option<String>,
    /// What the form that led to this page (a GET) did, to show once ([`crate::notice`]).
    pub notice: Option<String>,
    /// Where a form was sent (the path of any other method than GET): of the forms a page
    /// shows again, the one sent there shows its problems.
    pub sent_to: Option<String>,
}

impl std::ops::Deref for Ctx {
    type Target = Principal;

    fn deref(&self) -> &Principal {
        &self.who
    }
}

impl Ctx {
    /// The workspace the use cases act on.
    pub fn ws(&self) -> &Workspace {
        &self.state.ws
    }

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
        let here = (parts.method == axum::http::Method::GET)
            .then(|| parts.uri.path_and_query().map(|p| p.as_str().to_owned()))
            .flatten();
        let lang = Lang::from_headers(&parts.headers);
        let mut ctx = Ctx::of(state, (&user_id, &org_id), credential, lang, here).await?;
        if parts.method == axum::http::Method::GET {
            ctx.notice = crate::notice::read(&parts.headers);
        } else {
            ctx.sent_to = Some(parts.uri.path().to_owned());
        }
        Ok(ctx)
    }
}

impl Ctx {
    /// The context of `credential`, a session or an API token of `user_id` in `org_id`, for
    /// a request in `lang` that asked for `here` with a GET.
    async fn of(
        state: &AppState,
        (user_id, org_id): (&str, &str),
        credential: Credential,
        lang: Lang,
        here: Option<String>,
    ) -> Result<Ctx, AppError> {
        let via = match &credential {
            Credential::Session { .. } => None,
            Credential::ApiToken(t) => Some(t),
        };
        let who = accounts::principal(&state.ws, user_id, org_id, via).await?;
        Ok(Ctx {
            state: state.clone(),
            who,
            credential,
            lang,
            here,
            notice: None,
            sent_to: None,
        })
    }

    /// The context of a session [`session_layer`] resolved, once the handler has answered:
    /// for the error page's shell.
    pub async fn of_session(
        state: &AppState,
        resolved: Resolved,
        lang: Lang,
        here: Option<String>,
    ) -> Result<Ctx, AppError> {
        let s = resolved.session;
        let credential = Credential::Session {
            token: resolved.token,
            csrf: s.csrf_token,
        };
        Ctx::of(state, (&s.user_id, &s.org_id), credential, lang, here).await
    }
}

/// A request that may or may not be signed in (an invitation's page): `None` when no one is,
/// or the session ended; other failures as usual.
impl axum::extract::OptionalFromRequestParts<AppState> for Ctx {
    type Rejection = AppError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Option<Self>, AppError> {
        match <Ctx as FromRequestParts<AppState>>::from_request_parts(parts, state).await {
            Ok(ctx) => Ok(Some(ctx)),
            Err(AppError::Unauthorized) => Ok(None),
            Err(e) => Err(e),
        }
    }
}

/// The token of the session the request carries, if any (a sign-in ends it).
pub fn presented_session(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

/// Signs in with an e-mail address and password sent from `client`; the session the request
/// presented, if any, ends (see [`accounts::sign_in`]).
pub async fn sign_in(
    state: &AppState,
    headers: &HeaderMap,
    client: IpAddr,
    email: &str,
    password: &str,
) -> koers_app::Result<SignedIn> {
    let previous = presented_session(headers);
    let presented = Presented {
        email,
        password,
        client,
        previous: previous.as_deref(),
    };
    accounts::sign_in(&state.ws, &state.limiter, state.cfg.session_ttl, presented).await
}

/// The API's answer that starts a session: 201 Created with `body` as JSON and the cookie
/// that carries the session's `token`.
pub fn session_created(state: &AppState, token: &str, body: impl serde::Serialize) -> Response {
    let cookie = session_cookie(state, token);
    (
        axum::http::StatusCode::CREATED,
        [(header::SET_COOKIE, cookie)],
        axum::Json(body),
    )
        .into_response()
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

/// The `Set-Cookie` value that ends the session cookie (signing out, a changed password).
pub fn ended_session_cookie(state: &AppState) -> String {
    set_cookie(SESSION_COOKIE, "", Some(0), state.cfg.secure_cookies, true)
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
    fn an_upload_s_token_is_its_first_field() {
        let b = "XyZ";
        let body = format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\ntok123\r\n\
             --{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.csv\"\r\n\r\n\
             a,b\r\n--{b}--\r\n"
        );
        assert_eq!(first_field(body.as_bytes(), b), Some(Some("tok123".into())));
        // Not whole yet: read on.
        assert_eq!(first_field(&body.as_bytes()[..40], b), None);
        // Another field first, or no multipart at all: no token from the body.
        let other = body.replacen("csrf_token", "title", 1);
        assert_eq!(first_field(other.as_bytes(), b), Some(None));
        assert_eq!(first_field(b"no multipart body at all", b), Some(None));
    }

    #[test]
    fn cookies_are_read_from_any_header() {
        let mut h = HeaderMap::new();
        h.append(header::COOKIE, "a=1; koers_session=abc".parse().unwrap());
        h.append(header::COOKIE, "b=2".parse().unwrap());
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc"));
        assert_eq!(cookie(&h, "b").as_deref(), Some("2"));
        assert_eq!(cookie(&h, "c"), None);
    }

    #[test]
    fn session_cookie_flags() {
        let c = set_cookie(SESSION_COOKIE, "t", Some(60), true, true);
        assert!(c.contains("HttpOnly") && c.contains("SameSite=Lax") && c.contains("Secure"));
        assert!(!set_cookie(SESSION_COOKIE, "t", None, false, true).contains("Secure"));
    }
}
