//! The scheduler: once a minute, the due refreshes of indicators
//! ([`crate::products::run_due_refreshes`]), dashboards ([`crate::dashboards::run_due`])
//! and datasets read from a service ([`crate::sources::run_due`]), the e-mail reminders of
//! live sessions ([`crate::learning::send_reminders`]); and it removes expired
//! sign-in sessions, so a table of dead tokens does not grow, and dashboards deleted more
//! than 30 days ago. It acts for the deployment,
//! under the actor "koers (schema)"; every due item is claimed by one process only.

use crate::Workspace;
use koers_store::Actor;

/// Who the audit log names for a scheduled refresh.
pub(crate) fn actor() -> Actor {
    Actor {
        user_id: None,
        label: "koers (schema)".into(),
    }
}

/// Starts the scheduler on `ws`, in the background, for as long as the process runs.
pub fn spawn(ws: Workspace) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            let now = chrono::Utc::now();
            crate::products::run_due_refreshes(&ws, now).await;
            crate::dashboards::run_due(&ws, now).await;
            crate::dashboards::purge_deleted(&ws, now).await;
            crate::sources::run_due(&ws, now).await;
            crate::learning::send_reminders(&ws, now).await;
            crate::catalog::purge_staged(&ws);
            if let Err(e) = ws.store.sessions().purge_expired_sessions().await {
                tracing::warn!("removing expired sessions failed: {e}");
            }
        }
    });
}
