//! The scheduler: once a minute, the due refreshes of indicators
//! ([`crate::products::run_due_refreshes`]), dashboards ([`crate::dashboards::run_due`])
//! and datasets read from a service ([`run_due_datasets`]). It acts for the deployment,
//! under the actor "koers (schema)"; every due item is claimed by one process only.

use crate::Workspace;
use koers_store::Actor;
use koers_store::schedules::Scheduled;
use std::sync::Arc;

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
            run_due_datasets(&ws, now).await;
        }
    });
}

/// Reads again every dataset whose scheduled refresh from its service is due at `now`
/// (each claimed by one process only); a failure is recorded with the source and tried
/// again at the next turn. Returns how many were read.
pub async fn run_due_datasets(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match ws.store.claim_due(Scheduled::Dataset, now).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled dataset refresh: {e}");
            return 0;
        }
    };
    let actor = actor();
    let mut done = 0;
    for (org_id, id) in due {
        let r = async {
            let org = ws.store.organisation(&org_id).await?;
            let ds = ws.store.dataset(&org_id, &id).await?;
            ws.refresh_source(&org, &actor, &ds, Arc::new(koers_engine::NoProgress))
                .await
        };
        match r.await {
            Ok(_) => done += 1,
            Err(e) => tracing::warn!("scheduled refresh of dataset {id}: {e}"),
        }
    }
    done
}
