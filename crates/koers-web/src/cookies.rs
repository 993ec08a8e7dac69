//! Reading and writing cookies: the one place that knows their syntax and their flags
//! (HttpOnly, SameSite=Lax, Secure when configured). A bottom module.

use axum::http::{HeaderMap, header};

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
