//! The notice a page shows once after one of its forms went through. A form that succeeds
//! answers 303 See Other to its page (Post/Redirect/Get: reloading the page does not send the
//! form again, and the address bar holds the page's own address, to keep or share); the
//! notice rides along in a short-lived cookie that the page reads ([`read`], through
//! `Ctx::notice`) and its answer clears ([`layer`]). A bottom module.

use crate::cookies::{cookie, set_cookie};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};

const COOKIE: &str = "koers_notice";

/// How long a notice waits for its page, in seconds.
const WAITS: i64 = 60;

/// The notice a redirect carries to its page; [`layer`] turns it into the cookie.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Notice(&'static str);

/// 303 See Other to `url`, whose page then shows `notice` once.
pub fn back(url: &str, notice: &'static str) -> Response {
    let mut r = Redirect::to(url).into_response();
    r.extensions_mut().insert(Notice(notice));
    r
}

/// The notice a request carries, when it is one a page can name (a short key of lowercase
/// letters, digits, `_` and `.`): anything else in the cookie is passed over.
pub fn read(headers: &HeaderMap) -> Option<String> {
    cookie(headers, COOKIE).filter(|n| {
        (1..=64).contains(&n.len())
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.')
    })
}

/// Sets the cookie on a redirect that carries a notice, and clears it once a page (HTML that
/// is not a redirect) answered a request that carried it. `secure`: cookies only over TLS.
pub async fn layer(State(secure): State<bool>, req: Request, next: Next) -> Response {
    let carried = cookie(req.headers(), COOKIE).is_some();
    let mut resp = next.run(req).await;
    let set = match resp.extensions().get::<Notice>() {
        Some(Notice(n)) => Some(set_cookie(COOKIE, n, Some(WAITS), secure, true)),
        None if carried && is_page(&resp) => Some(set_cookie(COOKIE, "", Some(0), secure, true)),
        None => None,
    };
    if let Some(v) = set.and_then(|c| HeaderValue::from_str(&c).ok()) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    resp
}

/// Whether an answer is a page a person reads: HTML, and not on its way elsewhere.
fn is_page(resp: &Response) -> bool {
    !resp.status().is_redirection()
        && resp
            .headers()
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|t| t.starts_with("text/html"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_cookie(v: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_str(v).unwrap());
        h
    }

    #[test]
    fn a_notice_is_a_short_key_or_nothing() {
        assert_eq!(
            read(&with_cookie("koers_notice=saved")).as_deref(),
            Some("saved")
        );
        assert_eq!(
            read(&with_cookie("a=1; koers_notice=ip.monitor_saved")).as_deref(),
            Some("ip.monitor_saved")
        );
        for odd in ["", "Saved", "<b>", "a b", &"x".repeat(65)] {
            assert_eq!(
                read(&with_cookie(&format!("koers_notice={odd}"))),
                None,
                "{odd}"
            );
        }
        assert_eq!(read(&HeaderMap::new()), None);
    }

    #[test]
    fn back_is_a_see_other_that_carries_its_notice() {
        let r = back("/toepassingen/1", "saved");
        assert_eq!(r.status(), axum::http::StatusCode::SEE_OTHER);
        assert_eq!(r.headers()[header::LOCATION], "/toepassingen/1");
        assert_eq!(r.extensions().get::<Notice>(), Some(&Notice("saved")));
    }
}
