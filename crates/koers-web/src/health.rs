//! The operational endpoints: `/health` (liveness, and readiness of the store and the
//! object storage) and `/metrics` (Prometheus text format, from [`crate::metrics`]). They
//! carry no organisation data, so they need no sign-in.

use crate::state::AppState;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};

pub fn router() -> Router<AppState> {
    routes! {
        "/health" => get(ready),
        "/health/live" => get(live),
        "/health/ready" => get(ready),
        "/metrics" => get(metrics),
    }
}

async fn live() -> Json<serde_json::Value> {
    Json(serde_json::json!({ "status": "ok" }))
}

async fn ready(State(state): State<AppState>) -> Response {
    let mut checks = serde_json::Map::new();
    let mut ready = true;
    let store = check(state.ws.check_store().await, "store", &mut ready);
    checks.insert("store".into(), store.into());
    if let Some(r) = state.ws.check_storage().await {
        let objects = check(r, "object storage", &mut ready);
        checks.insert("objectStorage".into(), objects.into());
    }
    let (status, word) = if ready {
        (StatusCode::OK, "ok")
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
    };
    (
        status,
        Json(serde_json::json!({ "status": word, "checks": checks })),
    )
        .into_response()
}

/// A dependency's check as `/health/ready` reports it: `ok`, or `unavailable` (logged, and
/// koers not ready).
fn check(r: Result<(), impl std::fmt::Display>, what: &str, ready: &mut bool) -> &'static str {
    match r {
        Ok(()) => "ok",
        Err(e) => {
            tracing::error!(error = %e, "{what} not ready");
            *ready = false;
            "unavailable"
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let mut text = state.metrics.render();
    // How much of its budget the column cache uses: what `column_cache_mb` is sized by.
    let cache = state.ws.column_cache();
    for (name, help, value) in [
        (
            "koers_column_cache_bytes",
            "Bytes of decoded dataset columns kept in memory between queries.",
            cache.bytes,
        ),
        (
            "koers_column_cache_budget_bytes",
            "The most the column cache keeps (column_cache_mb).",
            cache.budget,
        ),
        (
            "koers_column_cache_columns",
            "Columns of dataset versions the column cache keeps.",
            cache.columns,
        ),
    ] {
        crate::metrics::gauge(&mut text, name, help, value);
    }
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], text).into_response()
}
