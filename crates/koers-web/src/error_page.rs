//! How an error leaves the server: problem+json under `/api` (and the OGC API), elsewhere a
//! page in the reader's language. Who is signed in keeps the shell around it (navigation,
//! organisation, account), so a dead link or a page their roles do not open is not a dead
//! end; who is not sees a plain page, or the sign-in page where one is needed.

use crate::auth::{Ctx, Resolved};
use crate::error::{AppError, ErrorInfo, problem_response};
use crate::i18n::Lang;
use crate::shell;
use crate::state::AppState;
use crate::templates::Templates;
use axum::extract::{Request, State};
use axum::http::{Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::{Value, context};

fn generic_detail(status: StatusCode) -> String {
    match status {
        StatusCode::NOT_FOUND => AppError::NotFound.detail(),
        StatusCode::PAYLOAD_TOO_LARGE => AppError::PayloadTooLarge.detail(),
        StatusCode::METHOD_NOT_ALLOWED => "Deze methode is hier niet toegestaan".into(),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => "Dit soort inhoud wordt hier niet aangenomen".into(),
        s if s.is_server_error() => AppError::Internal(String::new()).detail(),
        _ => "Het verzoek is niet geldig".into(),
    }
}

fn content_type(resp: &Response) -> &str {
    resp.headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
}

/// The part of the site a path is in (`/bronnen/…` → `/bronnen`), for the navigation to
/// mark.
fn section(path: &str) -> String {
    format!(
        "/{}",
        path.trim_start_matches('/').split('/').next().unwrap_or("")
    )
}

/// The page an unsafe request was sent from: the path of its `Referer`, only ever a path of
/// this site (a `Referer` that `safe_next` turns into the home page counts only when it was
/// the home page).
fn sent_from(req: &Request) -> Option<String> {
    if req.method() == Method::GET || req.method() == Method::HEAD {
        return None;
    }
    let referer = req.headers().get(header::REFERER)?.to_str().ok()?;
    let url = url::Url::parse(referer).ok()?;
    let page = shell::safe_next(Some(&url[url::Position::BeforePath..]));
    (page != "/" || url.path() == "/").then_some(page)
}

/// What the request was, kept for the page after the handler has taken the request.
struct Asked {
    path: String,
    /// The path with its query.
    target: String,
    method: Method,
    lang: Lang,
    /// The page a form was sent from (its `Referer`, a path of this site), to go back to.
    sent_from: Option<String>,
}

/// Gives every error response its final form: problem+json under `/api`, elsewhere a
/// Dutch (or English) page, or for a page that needs a signed-in user, the sign-in page.
/// Errors that axum or tower produce themselves (413, 405, …) get the same treatment.
pub async fn finish_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let asked = Asked {
        path: req.uri().path().to_string(),
        target: req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_string())
            .unwrap_or_else(|| "/".into()),
        method: req.method().clone(),
        lang: Lang::from_headers(req.headers()),
        sent_from: sent_from(&req),
    };
    let resp = next.run(req).await;
    let status = resp.status();
    // Readiness answers 503 with its checks as JSON, for the load balancer and the operator.
    if !(status.is_client_error() || status.is_server_error()) || asked.path.starts_with("/health")
    {
        return resp;
    }
    let info = resp.extensions().get::<ErrorInfo>().cloned();
    let (detail, fields) = match info {
        Some(i) => (i.detail, i.fields),
        None => (generic_detail(status), Vec::new()),
    };
    // The API and the OGC API answer errors as problem+json (the OGC API adds its own
    // exception fields).
    let path = asked.path.as_str();
    if path.starts_with("/api/") || path == "/ogc" || path.starts_with("/ogc/") {
        if content_type(&resp).starts_with("application/problem+json") {
            return resp;
        }
        let mut out = problem_response(status, detail, fields);
        for name in [header::RETRY_AFTER, header::WWW_AUTHENTICATE] {
            if let Some(v) = resp.headers().get(&name) {
                out.headers_mut().insert(name, v.clone());
            }
        }
        return out;
    }
    if content_type(&resp).starts_with("text/html") {
        return resp;
    }
    if status == StatusCode::UNAUTHORIZED {
        let next =
            serde_urlencoded::to_string([("next", asked.target.as_str())]).unwrap_or_default();
        return Redirect::to(&format!("/login?{next}")).into_response();
    }
    let page =
        context! { status => status.as_u16(), detail => detail, sent_from => asked.sent_from };
    let html = match resp.extensions().get::<Resolved>() {
        Some(r) => in_shell(&state, r.clone(), &asked, page.clone()).await,
        None => None,
    }
    .unwrap_or_else(|| plain(asked.lang, page));
    let mut out = (status, Html(html)).into_response();
    if let Some(v) = resp.headers().get(header::RETRY_AFTER) {
        out.headers_mut().insert(header::RETRY_AFTER, v.clone());
    }
    out
}

/// The error page inside the shell of the signed-in user `resolved` stands for; `None` when
/// that cannot be drawn (the store is what failed, say), and the plain page serves.
async fn in_shell(
    state: &AppState,
    resolved: Resolved,
    asked: &Asked,
    page: Value,
) -> Option<String> {
    let here = (asked.method == Method::GET).then(|| asked.target.clone());
    let ctx = Ctx::of_session(state, resolved, asked.lang, here)
        .await
        .ok()?;
    let html = shell::page(&ctx, "error.html", &section(&asked.path), page)
        .await
        .ok()?;
    Some(html.0)
}

/// The error page without a shell: for who is not signed in.
fn plain(lang: Lang, page: Value) -> String {
    let status = page.get_attr("status").unwrap_or_default();
    Templates::render("error.html", context! { lang => lang.code(), ..page })
        .unwrap_or_else(|_| format!("<!doctype html><title>{status}</title><p>{status}</p>"))
}

#[cfg(test)]
mod tests {
    use super::section;

    #[test]
    fn a_path_is_in_the_section_of_its_first_segment() {
        assert_eq!(section("/bronnen/abc/kolommen"), "/bronnen");
        assert_eq!(section("/datavragen"), "/datavragen");
        assert_eq!(section("/"), "/");
    }
}
