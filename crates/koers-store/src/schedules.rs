//! Scheduled refreshes of indicators, dashboards and datasets read from a service: how often, and when the next one is due.
//! A due refresh is claimed with a conditional update that moves `next_due` on by one period,
//! so that of several koers processes on one database only one runs it.

use crate::audit::Actor;
use crate::{Result, StoreError, stamp};
use koers_core::indicators::Every;
use sqlx::Row;

/// What refreshes on a schedule: its table, the column of its id, and its audit names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scheduled {
    Indicator,
    Dashboard,
    /// A dataset read again from its remote service.
    Dataset,
}

impl Scheduled {
    fn table(self) -> &'static str {
        match self {
            Scheduled::Indicator => "indicator_schedules",
            Scheduled::Dataset => "dataset_schedules",
            Scheduled::Dashboard => "dashboard_schedules",
        }
    }

    fn id_column(self) -> &'static str {
        match self {
            Scheduled::Indicator => "indicator_id",
            Scheduled::Dataset => "dataset_id",
            Scheduled::Dashboard => "dashboard_id",
        }
    }

    /// The table of the scheduled things themselves (for their organisation).
    fn subjects(self) -> &'static str {
        match self {
            Scheduled::Indicator => "indicators",
            Scheduled::Dataset => "datasets",
            Scheduled::Dashboard => "dashboards",
        }
    }

    /// The condition a subject must meet to be refreshed (a deleted dashboard waits).
    fn live(self) -> &'static str {
        match self {
            Scheduled::Dashboard => " AND x.deleted_at IS NULL",
            Scheduled::Indicator | Scheduled::Dataset => "",
        }
    }

    fn name(self) -> &'static str {
        match self {
            Scheduled::Indicator => "indicator",
            Scheduled::Dataset => "dataset",
            Scheduled::Dashboard => "dashboard",
        }
    }
}

crate::repository!(
    /// Scheduled refreshes, each claimed by one process.
    schedules
);

impl Repo<'_> {
    /// Sets (or with `None` removes) how often something refreshes by itself; the first
    /// refresh is due one period from now.
    pub async fn set_schedule(
        &self,
        kind: Scheduled,
        org_id: &str,
        id: &str,
        every: Option<Every>,
        actor: &Actor,
    ) -> Result<Option<(Every, String)>> {
        let (table, col) = (kind.table(), kind.id_column());
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("DELETE FROM {table} WHERE {col} = $1"), (id,))
            .await?;
        let out = match every {
            Some(e) => {
                let next = stamp(e.next_after(chrono::Utc::now()));
                w.exec(
                    &format!("INSERT INTO {table} ({col}, every, next_due) VALUES ($1, $2, $3)"),
                    (id, e.as_str(), &next),
                )
                .await?;
                Some((e, next))
            }
            None => None,
        };
        let detail = serde_json::json!({ "every": every.map(Every::as_str) });
        w.commit(
            &format!("{}.scheduled", kind.name()),
            (kind.name(), id),
            detail,
        )
        .await?;
        Ok(out)
    }

    /// How often something refreshes by itself and when the next refresh is due.
    pub async fn schedule(&self, kind: Scheduled, id: &str) -> Result<Option<(Every, String)>> {
        let row = sqlx::query(&format!(
            "SELECT every, next_due FROM {} WHERE {} = $1",
            kind.table(),
            kind.id_column()
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let every: String = r.try_get("every")?;
            let e = Every::parse(&every)
                .ok()
                .flatten()
                .ok_or_else(|| StoreError::Corrupt(format!("schema {every}")))?;
            Ok((e, r.try_get("next_due")?))
        })
        .transpose()
    }

    /// Claims what is due at `now` (of every organisation), as (organisation, id) pairs:
    /// each claim moves `next_due` on by one period with a conditional update, so a refresh
    /// is claimed by one caller only, even with several processes on one database.
    pub async fn claim_due(
        &self,
        kind: Scheduled,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<(String, String)>> {
        let (table, col, subjects, live) =
            (kind.table(), kind.id_column(), kind.subjects(), kind.live());
        let rows = sqlx::query(&format!("SELECT s.{col} AS id, x.org_id AS org_id, s.every AS every, s.next_due AS next_due FROM {table} s JOIN {subjects} x ON x.id = s.{col} WHERE s.next_due <= $1{live} ORDER BY s.next_due"))
            .bind(stamp(now))
            .fetch_all(self.pool())
            .await?;
        let mut claimed = Vec::new();
        for r in rows {
            let id: String = r.try_get("id")?;
            let org_id: String = r.try_get("org_id")?;
            let every: String = r.try_get("every")?;
            let due: String = r.try_get("next_due")?;
            let Some(e) = Every::parse(&every).ok().flatten() else {
                continue;
            };
            let won = self
                .exec(
                    &format!("UPDATE {table} SET next_due = $1 WHERE {col} = $2 AND next_due = $3"),
                    (stamp(e.next_after(now)), &id, &due),
                )
                .await?;
            if won == 1 {
                claimed.push((org_id, id));
            }
        }
        Ok(claimed)
    }
}
