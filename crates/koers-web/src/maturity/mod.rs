//! Volwassenheid (the maturity monitor) over HTTP: the pages under `/volwassenheid`, the
//! public survey at `/enquete/{token}` and the API under `/maturity`. What may be done, and
//! by whom, is decided by the use cases in [`koers_app::maturity`]; this module only reads
//! requests and draws answers.

pub mod api;
pub mod pages;
pub mod views;

use crate::state::AppState;
use axum::http::{HeaderMap, header};

/// The address survey links point to: this server as the researcher reached it.
pub fn base_url(state: &AppState, headers: &HeaderMap) -> String {
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    format!("{}://{host}", state.cfg.scheme())
}
