//! Builds the application: state, routes, layers; and serves it until a signal.

use crate::auth::{LoginLimiter, session_layer};
use crate::config::WebConfig;
use crate::error::finish_errors;
use crate::metrics::{Metrics, track};
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::middleware::{from_fn, from_fn_with_state};
use koers_app::Workspace;
use koers_store::Store;
use std::net::SocketAddr;
use std::sync::Arc;

/// Everything a handler may use.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    /// The store and the data plane together, for the catalog and analyses.
    pub ws: Workspace,
    pub cfg: Arc<WebConfig>,
    pub limiter: Arc<LoginLimiter>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(ws: Workspace, cfg: WebConfig) -> Self {
        let limiter = LoginLimiter::new(cfg.login_max_failures, cfg.login_window);
        AppState {
            store: ws.store.clone(),
            ws,
            cfg: Arc::new(cfg),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::default()),
        }
    }
}

/// The whole application.
pub fn build_app(state: AppState) -> Router {
    Router::new()
        .merge(crate::pages::router())
        .nest("/api/v1", crate::api::router())
        .merge(crate::ogc::router())
        .merge(crate::metrics::router())
        .route("/assets/{*path}", axum::routing::get(crate::assets::asset))
        .fallback(|| async { crate::error::AppError::NotFound })
        .layer(from_fn_with_state(state.clone(), session_layer))
        .layer(from_fn(finish_errors))
        .layer(DefaultBodyLimit::max(state.cfg.max_body_bytes))
        .layer(from_fn_with_state(
            state.clone(),
            crate::security::security_headers,
        ))
        .layer(from_fn(crate::api::version_header))
        .layer(from_fn_with_state(state.clone(), track))
        .layer(from_fn_with_state(
            state.clone(),
            crate::client::client_layer,
        ))
        .with_state(state)
}

/// Serves the application on `listener` until SIGINT or SIGTERM, then finishes the
/// requests in flight. Beside it run the scheduled refreshes and, with a mailer, the e-mail
/// outbox.
pub async fn serve(listener: tokio::net::TcpListener, state: AppState) -> std::io::Result<()> {
    crate::notifications::spawn_outbox(state.clone());
    crate::products::spawn_scheduler(state.clone());
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
