//! The top of the crate: the application assembled from every module's routes and the
//! layers around them, served until a signal. Nothing below imports this module.

use crate::auth::session_layer;
use crate::error_page::finish_errors;
use crate::metrics::track;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use std::net::SocketAddr;

/// The whole application.
pub fn build_app(state: AppState) -> Router {
    Router::new()
        .merge(pages())
        .nest("/api/v1", api())
        .merge(crate::ogc::router())
        .merge(crate::health::router())
        .route("/assets/{*path}", axum::routing::get(crate::assets::asset))
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), session_layer))
        .layer(from_fn_with_state(state.clone(), finish_errors))
        .layer(from_fn_with_state(
            state.cfg.secure_cookies,
            crate::notice::layer,
        ))
        .layer(DefaultBodyLimit::max(state.cfg.max_body_bytes))
        .layer(from_fn_with_state(
            std::sync::Arc::new(crate::security::Policies::new(&state.cfg)),
            crate::security::security_headers,
        ))
        .layer(from_fn(crate::api::version_header))
        .layer(from_fn_with_state(state.metrics.clone(), track))
        .layer(from_fn_with_state(
            (
                state.cfg.trusted_proxies.clone(),
                state.cfg.forwarded_header,
            ),
            crate::client::client_layer,
        ))
        .with_state(state)
}

/// The pages: every module's.
fn pages() -> Router<AppState> {
    Router::new()
        .merge(crate::accounts::pages::router())
        .merge(crate::accounts::oidc_pages::router())
        .merge(crate::overview::pages::router())
        .merge(crate::organisations::pages::router())
        .merge(crate::catalog::pages::router())
        .merge(crate::analysis::pages::router())
        .merge(crate::sources::pages::router())
        .merge(crate::products::pages::router())
        .merge(crate::dashboards::pages::router())
        .merge(crate::questions::pages::router())
        .merge(crate::guests::pages::router())
        .merge(crate::register::pages::router())
        .merge(crate::maturity::pages::router())
        .merge(crate::maturity::trend::router())
        .merge(crate::learning::pages::router())
        .merge(crate::notifications::pages::router())
}

/// The JSON API under `/api/v1`: every module's operations.
fn api() -> Router<AppState> {
    Router::new()
        .route("/openapi.json", axum::routing::get(openapi_json))
        .merge(crate::accounts::api::router())
        .merge(crate::organisations::api::router())
        .merge(crate::catalog::api::router())
        .merge(crate::analysis::api::router())
        .merge(crate::sources::api::router())
        .merge(crate::products::api::router())
        .merge(crate::dashboards::api::router())
        .merge(crate::questions::api::router())
        .merge(crate::guests::api::router())
        .merge(crate::register::api::router())
        .merge(crate::maturity::api::router())
        .merge(crate::learning::api::router())
        .merge(crate::notifications::api::router())
        .merge(crate::overview::api::router())
}

/// Every module's operations in the API.
fn api_docs() -> Vec<utoipa::openapi::OpenApi> {
    use utoipa::OpenApi;
    vec![
        crate::accounts::api::Doc::openapi(),
        crate::organisations::api::Doc::openapi(),
        crate::catalog::api::Doc::openapi(),
        crate::analysis::api::Doc::openapi(),
        crate::sources::api::Doc::openapi(),
        crate::products::api::Doc::openapi(),
        crate::dashboards::api::Doc::openapi(),
        crate::questions::api::Doc::openapi(),
        crate::guests::api::Doc::openapi(),
        crate::register::api::Doc::openapi(),
        crate::maturity::api::Doc::openapi(),
        crate::learning::api::Doc::openapi(),
        crate::notifications::api::Doc::openapi(),
        crate::overview::api::Doc::openapi(),
    ]
}

/// The OpenAPI document of the whole API.
async fn openapi_json() -> axum::Json<serde_json::Value> {
    axum::Json(crate::api::openapi(api_docs()))
}

/// Serves the application on `listener` until SIGINT or SIGTERM, then finishes the
/// requests in flight. Beside it run the scheduled refreshes and, with a mailer, the e-mail
/// outbox.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    koers_app::scheduler::spawn(state.ws.clone());
    koers_app::notifications::spawn_outbox(state.ws.clone(), state.cfg.public_url.clone(), |n| {
        crate::notifications::views::text(crate::i18n::Lang::Nl, n)
    });
    let app = build_app(state);
    axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down: finishing requests in flight");
}
