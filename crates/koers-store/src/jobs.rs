//! Background jobs and how far they are, kept in the database so that every koers process
//! on it can follow a job another process runs. Progress is not an audited change: a job's
//! row is written as it goes and its outcome (a dataset version, a refreshed dashboard) is
//! audited where it is made.

use crate::sql::from_row;
use crate::{Result, StoreError, now};
use serde::Serialize;
use sqlx::Row;

/// A job as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct JobRow {
    pub id: String,
    pub org_id: String,
    pub label: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub result: Option<String>,
    pub error: Option<String>,
    pub done: i64,
    pub total: i64,
    /// What `done` and `total` count: `bytes`, `features`, `rows` or `steps`.
    pub unit: String,
}

from_row!(r => JobRow { id, org_id, label, state, result, error, done, total, unit; });

crate::repository!(
    /// Background jobs' progress.
    jobs
);

impl Repo<'_> {
    /// Records where a job stands (the first time: that it exists).
    pub async fn save_job(&self, j: &JobRow) -> Result<()> {
        self.exec(
            "INSERT INTO jobs (id, org_id, label, state, result, error, done, total, unit, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) \
             ON CONFLICT (id) DO UPDATE SET state = excluded.state, result = excluded.result, \
             error = excluded.error, done = excluded.done, total = excluded.total, \
             unit = excluded.unit, updated_at = excluded.updated_at",
            (
                &j.id, &j.org_id, &j.label, &j.state, &j.result, &j.error, j.done, j.total,
                &j.unit, now(),
            ),
        )
        .await?;
        Ok(())
    }

    /// The organisation's job `id`; another organisation's is not found.
    pub async fn job(&self, org_id: &str, id: &str) -> Result<JobRow> {
        self.optional(
            "SELECT id, org_id, label, state, result, error, done, total, unit FROM jobs WHERE org_id = $1 AND id = $2",
            (org_id, id),
        )
        .await?
        .ok_or(StoreError::NotFound)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    async fn a_job_is_saved_again_as_it_goes_and_stays_in_its_organisation(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let mut j = JobRow {
            id: "j1".into(),
            org_id: org.id.clone(),
            label: "import".into(),
            state: "running".into(),
            result: None,
            error: None,
            done: 10,
            total: 100,
            unit: "bytes".into(),
        };
        s.jobs().save_job(&j).await.unwrap();
        j.done = 100;
        j.state = "done".into();
        j.result = Some("ds1".into());
        s.jobs().save_job(&j).await.unwrap();
        assert_eq!(s.jobs().job(&org.id, "j1").await.unwrap(), j);
        assert!(matches!(
            s.jobs().job("other", "j1").await,
            Err(StoreError::NotFound)
        ));
    }

    on_both_backends!(a_job_is_saved_again_as_it_goes_and_stays_in_its_organisation);
}
