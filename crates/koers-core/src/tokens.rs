//! Personal API tokens: a user's credential for scripts and other systems. A token acts in
//! one organisation with the user's roles there at the moment of each request, within its
//! scope, until it expires or is revoked.
//!
//! The token a client holds is `koers_<id>.<secret>`: the id finds the stored token, the
//! secret (32 random bytes) is compared with the SHA-256 kept of it.

use crate::dates::parse_date;
use crate::error::{Collector, Invalid, parse_enum, text};
use chrono::{DateTime, Days, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

/// How far ahead a token may expire at most.
pub const MAX_DAYS: u64 = 365;

const PREFIX: &str = "koers_";

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Reading only: every method but GET, HEAD and OPTIONS is refused.
    Read,
    /// Whatever the user's roles allow.
    ReadWrite,
}

impl TokenScope {
    pub const ALL: [TokenScope; 2] = [TokenScope::Read, TokenScope::ReadWrite];

    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::ReadWrite => "read_write",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        parse_enum(
            "scope",
            s,
            &TokenScope::ALL,
            TokenScope::as_str,
            "moet read of read_write zijn",
        )
    }

    /// Whether the scope allows a request with this HTTP method to this API path. A
    /// read-only token reads: GET, HEAD and OPTIONS, and the two requests that only read
    /// although their question comes in a POST body — running read-only SQL
    /// (`/api/v1/queries`) and running a saved analysis (`/api/v1/analyses/{id}/runs`).
    pub fn allows(self, method: &str, path: &str) -> bool {
        self == TokenScope::ReadWrite
            || matches!(method, "GET" | "HEAD" | "OPTIONS")
            || (method == "POST" && only_reads(path))
    }
}

/// Whether a POST to `path` only reads (see [`TokenScope::allows`]).
fn only_reads(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    match segments.as_slice() {
        ["", "api", "v1", "queries"] => true,
        ["", "api", "v1", "analyses", id, "runs"] => !id.is_empty(),
        _ => false,
    }
}

/// A new token as asked for: validated, not yet made.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenDraft {
    pub name: String,
    pub scope: TokenScope,
    /// The token works until this moment (the start of the chosen day, UTC).
    pub expires_at: DateTime<Utc>,
}

impl TokenDraft {
    /// A name (at most 100 characters), a scope, and the day it expires (`YYYY-MM-DD`):
    /// after `today`, and at most [`MAX_DAYS`] days after it. Every problem is reported.
    pub fn parse(
        name: &str,
        scope: &str,
        expires_on: &str,
        today: NaiveDate,
    ) -> Result<TokenDraft, Invalid> {
        let mut c = Collector::default();
        let name = c.take(text("name", name, 100));
        let scope = c.take(TokenScope::parse(scope));
        let expires = c.take(expiry(expires_on, today));
        c.build(|| {
            Some(TokenDraft {
                name: name?,
                scope: scope?,
                expires_at: expires?,
            })
        })
    }
}

fn expiry(raw: &str, today: NaiveDate) -> Result<DateTime<Utc>, Invalid> {
    if raw.trim().is_empty() {
        return Err(Invalid::one("expiresOn", "required", "is verplicht"));
    }
    let day = parse_date("expiresOn", raw)?;
    let day = NaiveDate::parse_from_str(&day, "%Y-%m-%d")
        .map_err(|_| Invalid::one("expiresOn", "format", "moet een datum zijn (JJJJ-MM-DD)"))?;
    let last = today.checked_add_days(Days::new(MAX_DAYS)).unwrap_or(today);
    if day <= today || day > last {
        return Err(Invalid::one(
            "expiresOn",
            "range",
            &format!("moet na vandaag liggen en hoogstens {MAX_DAYS} dagen vooruit"),
        ));
    }
    Ok(day.and_time(chrono::NaiveTime::MIN).and_utc())
}

/// The token handed to the client, from its id and secret.
pub fn compose(id: &str, secret: &str) -> String {
    format!("{PREFIX}{id}.{secret}")
}

/// The id and the secret of a presented token; `None` when it does not have the form.
pub fn split(token: &str) -> Option<(&str, &str)> {
    let (id, secret) = token.strip_prefix(PREFIX)?.split_once('.')?;
    (!id.is_empty() && !secret.is_empty()).then_some((id, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
    }

    #[test]
    fn a_valid_draft() {
        let d = TokenDraft::parse(" Nachtelijke export ", "read", "2027-03-01", today()).unwrap();
        assert_eq!(d.name, "Nachtelijke export");
        assert_eq!(d.scope, TokenScope::Read);
        assert_eq!(d.expires_at.to_rfc3339(), "2027-03-01T00:00:00+00:00");
        let last = TokenDraft::parse("x", "read_write", "2027-12-01", today()).unwrap();
        assert_eq!(last.scope, TokenScope::ReadWrite);
    }

    #[test]
    fn the_expiry_is_required_in_the_future_and_within_a_year() {
        for (raw, code) in [
            ("", "required"),
            ("2026-12-01", "range"),
            ("2026-11-30", "range"),
            ("2027-12-02", "range"),
            ("9999-01-01", "format"),
            ("2027-02-30", "format"),
            ("morgen", "format"),
        ] {
            let e = TokenDraft::parse("x", "read", raw, today()).unwrap_err();
            assert_eq!(e.0.len(), 1, "{raw}");
            assert_eq!(
                (e.0[0].name.as_str(), e.0[0].code.as_str()),
                ("expiresOn", code),
                "{raw}"
            );
        }
    }

    #[test]
    fn every_problem_is_reported() {
        let e = TokenDraft::parse("", "admin", "", today()).unwrap_err();
        let names: Vec<_> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["name", "scope", "expiresOn"]);
        let long = "x".repeat(101);
        let e = TokenDraft::parse(&long, "read", "2027-01-01", today()).unwrap_err();
        assert_eq!(e.0[0].code, "too_long");
    }

    #[test]
    fn read_only_tokens_only_read() {
        for m in ["GET", "HEAD", "OPTIONS"] {
            assert!(TokenScope::Read.allows(m, "/api/v1/datasets"));
        }
        for m in ["POST", "PUT", "PATCH", "DELETE", "PROPFIND"] {
            assert!(!TokenScope::Read.allows(m, "/api/v1/datasets"), "{m}");
            assert!(TokenScope::ReadWrite.allows(m, "/api/v1/datasets"), "{m}");
        }
        // Running read-only SQL or a saved analysis is reading, though it is a POST.
        assert!(TokenScope::Read.allows("POST", "/api/v1/queries"));
        assert!(TokenScope::Read.allows("POST", "/api/v1/analyses/0190a5f2/runs"));
        for path in [
            "/api/v1/analyses",
            "/api/v1/analyses//runs",
            "/api/v1/analyses/x/runs/y",
            "/api/v1/queries/x",
            "/api/v2/queries",
        ] {
            assert!(!TokenScope::Read.allows("POST", path), "{path}");
        }
        assert!(!TokenScope::Read.allows("PUT", "/api/v1/queries"));
    }

    #[test]
    fn tokens_compose_and_split() {
        let t = compose("0190a5f2-7c1e-7000-8000-000000000001", "abc_-DEF");
        assert_eq!(
            split(&t),
            Some(("0190a5f2-7c1e-7000-8000-000000000001", "abc_-DEF"))
        );
        for bad in [
            "",
            "koers_",
            "koers_.x",
            "koers_id.",
            "id.secret",
            "Bearer koers_a.b",
        ] {
            assert_eq!(split(bad), None, "{bad}");
        }
    }
}
