//! The security headers every response carries: a strict content security policy, no MIME
//! sniffing, no referrer to other sites, no framing, and HSTS when koers is reached over TLS.
//!
//! One hook decides what may be framed: [`frameable`]. Pages under [`EMBED_PREFIX`] may be
//! shown in another site's `<iframe>`; everything else refuses it.

use crate::config::WebConfig;
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// Paths under this prefix may be framed by other sites (embeddable charts and maps).
pub const EMBED_PREFIX: &str = "/embed/";

macro_rules! csp {
    ($frame:literal) => {
        concat!(
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; ",
            "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors ",
            $frame
        )
    };
}
const CSP: &str = csp!("'none'");
const CSP_EMBED: &str = csp!("*");

/// What the security headers of this koers are, made once at start from its configuration:
/// the content security policies for pages and for pages that may be framed (with a
/// configured base map's origin admitted), and whether koers itself is served over TLS.
#[derive(Debug, Clone)]
pub struct Policies {
    page: HeaderValue,
    embed: HeaderValue,
    /// Secure cookies, or an https public address.
    tls: bool,
}

impl Policies {
    pub fn new(cfg: &WebConfig) -> Policies {
        let origin = cfg.map_style.as_ref().map(|s| s.origin.as_str());
        let make = |policy: &'static str| match origin {
            Some(origin) => HeaderValue::from_str(&with_map_origin(policy, origin))
                .unwrap_or(HeaderValue::from_static(policy)),
            None => HeaderValue::from_static(policy),
        };
        Policies {
            page: make(CSP),
            embed: make(CSP_EMBED),
            tls: cfg.secure_cookies
                || cfg
                    .public_url
                    .as_deref()
                    .is_some_and(|u| u.starts_with("https://")),
        }
    }
}

/// The policy with a configured base map's origin admitted for what a map fetches (its
/// style, tiles, sprites and glyphs, as data and as images) — that origin and no other.
fn with_map_origin(policy: &str, origin: &str) -> String {
    policy.replacen(
        "img-src 'self' data:;",
        &format!("img-src 'self' data: {origin}; connect-src 'self' {origin};"),
        1,
    )
}
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Whether the page at `path` may be shown inside another site's frame.
pub fn frameable(path: &str) -> bool {
    path.starts_with(EMBED_PREFIX)
}

/// Whether the request reached koers over TLS: koers itself is configured for it (secure
/// cookies, an https public address), or the proxy in front says so.
fn over_tls(policies: &Policies, headers: &HeaderMap) -> bool {
    policies.tls
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.trim().eq_ignore_ascii_case("https"))
}

/// Middleware: adds the security headers a handler did not set itself.
pub async fn security_headers(
    State(policies): State<Arc<Policies>>,
    req: Request,
    next: Next,
) -> Response {
    let frame = frameable(req.uri().path());
    let tls = over_tls(&policies, req.headers());
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    let policy = if frame {
        &policies.embed
    } else {
        &policies.page
    };
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(policy.clone());
    let mut add = |name: HeaderName, value: &'static str| {
        h.entry(name).or_insert(HeaderValue::from_static(value));
    };
    add(header::X_CONTENT_TYPE_OPTIONS, "nosniff");
    add(header::REFERRER_POLICY, "same-origin");
    if !frame {
        add(header::X_FRAME_OPTIONS, "DENY");
    }
    if tls {
        add(header::STRICT_TRANSPORT_SECURITY, HSTS);
    }
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_embed_paths_may_be_framed() {
        assert!(frameable("/embed/indicatoren/1"));
        assert!(!frameable("/embedded"));
        assert!(!frameable("/catalogus"));
        assert!(CSP.ends_with("frame-ancestors 'none'"));
        assert!(CSP_EMBED.ends_with("frame-ancestors *"));
    }

    #[test]
    fn a_configured_base_map_admits_its_origin_only() {
        let p = with_map_origin(CSP, "https://service.pdok.nl");
        assert!(p.contains("img-src 'self' data: https://service.pdok.nl;"));
        assert!(p.contains("connect-src 'self' https://service.pdok.nl;"));
        assert!(p.contains("script-src 'self';") && p.ends_with("frame-ancestors 'none'"));
        let cfg = WebConfig {
            map_style: Some(
                crate::config::MapStyle::parse("https://service.pdok.nl/s.json").unwrap(),
            ),
            ..WebConfig::default()
        };
        let made = Policies::new(&cfg);
        assert_eq!(made.page.to_str().unwrap(), p);
        assert!(made.embed.to_str().unwrap().ends_with("frame-ancestors *"));
        let plain = Policies::new(&WebConfig::default());
        assert_eq!((plain.page.to_str().unwrap(), plain.tls), (CSP, false));
        use crate::config::MapStyle;
        let s = MapStyle::parse("https://service.pdok.nl/brt/achtergrondkaart/style.json").unwrap();
        assert_eq!(s.origin, "https://service.pdok.nl");
        assert_eq!(
            MapStyle::parse("http://127.0.0.1:8099/style.json")
                .unwrap()
                .origin,
            "http://127.0.0.1:8099"
        );
        assert!(MapStyle::parse("http://tiles.example.nl/style.json").is_err());
        assert!(MapStyle::parse("ftp://x/style.json").is_err());
        assert!(MapStyle::parse("https://a b/style.json").is_err());
        assert!(MapStyle::parse("https://x.nl;script-src */s.json").is_err());
    }
}
