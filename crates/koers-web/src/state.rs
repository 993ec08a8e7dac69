//! What every handler may use: the one koers it serves (its use cases, through
//! [`koers_app::Workspace`]) and the web application's own settings and counters. This
//! module sits at the bottom of the crate: it imports no page, API or router module, so
//! that those can all import it without a circle; routes are assembled only at the top
//! ([`crate::app`]).

use crate::config::WebConfig;
use crate::metrics::Metrics;
use koers_app::Workspace;
use koers_app::accounts::LoginLimiter;
use std::sync::Arc;

/// Everything a handler may use.
#[derive(Clone)]
pub struct AppState {
    /// The koers the use cases act on (its store, engine and jobs); handlers reach it only
    /// through `koers_app`'s use cases.
    pub ws: Workspace,
    pub cfg: Arc<WebConfig>,
    pub limiter: Arc<LoginLimiter>,
    pub metrics: Arc<Metrics>,
}

impl AppState {
    pub fn new(ws: Workspace, cfg: WebConfig) -> Self {
        let limiter = LoginLimiter::new(cfg.login_max_failures, cfg.login_window);
        AppState {
            ws,
            cfg: Arc::new(cfg),
            limiter: Arc::new(limiter),
            metrics: Arc::new(Metrics::default()),
        }
    }
}
