//! Long work in the background (imports, refreshes), with progress that a page can poll —
//! on any koers process of the same database: the process running a job writes where it
//! stands to the store as it goes (a few times a second at most), and a process asked about
//! a job it does not run reads it from there.

use koers_engine::{Progress, Unit};
use koers_store::Store;
use koers_store::jobs::JobRow;
use serde::Serialize;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Where a job stands.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum JobStatus {
    Running,
    /// Finished; `result` names what was made (e.g. the dataset id).
    Done {
        result: String,
    },
    Failed {
        error: String,
    },
}

/// One job: its organisation (only that organisation may see it), work done and in all.
pub struct Job {
    pub id: String,
    pub org_id: String,
    pub label: String,
    /// Work in all (0 while not known) and what it counts, changed together.
    total: Mutex<(u64, Unit)>,
    done: AtomicU64,
    status: Mutex<JobStatus>,
}

impl Job {
    pub fn status(&self) -> JobStatus {
        self.status
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn finish(&self, status: JobStatus) {
        *self.status.lock().unwrap_or_else(|p| p.into_inner()) = status;
    }

    /// Where the job stands, at once, for a page or the API: work done, in all and its unit
    /// are read together (a source import counts features or rows, then bytes).
    pub fn view(&self) -> JobView {
        let (state, result, error) = match self.status() {
            JobStatus::Running => ("running", None, None),
            JobStatus::Done { result } => ("done", Some(result), None),
            JobStatus::Failed { error } => ("failed", None, Some(error)),
        };
        let (done, total, unit) = {
            let total = self.total.lock().unwrap_or_else(|p| p.into_inner());
            (self.done.load(Ordering::Relaxed), total.0, total.1)
        };
        JobView {
            id: self.id.clone(),
            label: self.label.clone(),
            state,
            result,
            error,
            done,
            total,
            unit: unit.as_str(),
            percent: (done.min(total) * 100).checked_div(total).unwrap_or(0),
        }
    }
}

/// A job as pages and the API show it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct JobView {
    pub id: String,
    pub label: String,
    /// `running`, `done` or `failed`.
    pub state: &'static str,
    /// What was made, when done (e.g. the dataset id).
    pub result: Option<String>,
    /// What went wrong, when failed.
    pub error: Option<String>,
    pub done: u64,
    /// 0 when not yet known.
    pub total: u64,
    /// What `done` and `total` count: `bytes`, `features`, `rows` or `steps`.
    pub unit: &'static str,
    pub percent: u64,
}

impl Progress for Job {
    fn set_total(&self, total: u64, unit: Unit) {
        let mut t = self.total.lock().unwrap_or_else(|p| p.into_inner());
        *t = (total, unit);
        self.done.store(0, Ordering::Relaxed);
    }

    fn advance(&self, amount: u64) {
        self.done.fetch_add(amount, Ordering::Relaxed);
    }
}

impl JobView {
    /// A job another process runs, as stored.
    fn of(row: JobRow) -> JobView {
        // The stored codes are this program's own; anything else reads as the first choice.
        let pick = |value: &str, codes: &[&'static str]| {
            codes
                .iter()
                .copied()
                .find(|c| *c == value)
                .unwrap_or(codes[0])
        };
        let (done, total) = (row.done.max(0) as u64, row.total.max(0) as u64);
        JobView {
            id: row.id,
            label: row.label,
            state: pick(&row.state, &["running", "done", "failed"]),
            result: row.result,
            error: row.error,
            done,
            total,
            unit: pick(&row.unit, &["bytes", "features", "rows", "steps"]),
            percent: (done.min(total) * 100).checked_div(total).unwrap_or(0),
        }
    }

    fn row(&self, org_id: &str) -> JobRow {
        JobRow {
            id: self.id.clone(),
            org_id: org_id.into(),
            label: self.label.clone(),
            state: self.state.into(),
            result: self.result.clone(),
            error: self.error.clone(),
            done: i64::try_from(self.done).unwrap_or(i64::MAX),
            total: i64::try_from(self.total).unwrap_or(i64::MAX),
            unit: self.unit.into(),
        }
    }
}

/// The jobs of this process, and through the store those of the others. Finished jobs are
/// kept in memory until a newer job pushes them out.
#[derive(Default, Clone)]
pub struct Jobs {
    inner: Arc<Mutex<HashMap<String, Arc<Job>>>>,
    /// Where jobs are shared with the other processes (none in unit tests).
    store: Option<Store>,
}

/// How often a running job's progress is written for the other processes.
const SHARE_EVERY: std::time::Duration = std::time::Duration::from_millis(250);

/// Writes where `job` stands to the store whenever it changed, until it has ended.
async fn share(store: Store, job: Arc<Job>) {
    let mut last: Option<JobView> = None;
    loop {
        let view = job.view();
        if last.as_ref() != Some(&view) {
            if let Err(e) = store.jobs().save_job(&view.row(&job.org_id)).await {
                tracing::warn!(error = %e, job = %job.id, "could not share the job's progress");
            }
            last = Some(view.clone());
        }
        if view.state != "running" {
            break;
        }
        tokio::time::sleep(SHARE_EVERY).await;
    }
}

impl Jobs {
    const KEEP: usize = 200;

    /// Jobs shared through `store` with every process on it.
    pub fn shared(store: Store) -> Jobs {
        Jobs {
            inner: Arc::default(),
            store: Some(store),
        }
    }

    /// Where job `id` of `org_id` stands, whichever process runs it; `None` when the
    /// organisation has no such job.
    pub async fn view(&self, org_id: &str, id: &str) -> crate::Result<Option<JobView>> {
        if let Some(j) = self.get(org_id, id) {
            return Ok(Some(j.view()));
        }
        match &self.store {
            Some(store) => match store.jobs().job(org_id, id).await {
                Ok(row) => Ok(Some(JobView::of(row))),
                Err(koers_store::StoreError::NotFound) => Ok(None),
                Err(e) => Err(e.into()),
            },
            None => Ok(None),
        }
    }

    pub fn start(&self, org_id: &str, label: &str) -> Arc<Job> {
        let job = Arc::new(Job {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: org_id.into(),
            label: label.into(),
            total: Mutex::new((0, Unit::Bytes)),
            done: AtomicU64::new(0),
            status: Mutex::new(JobStatus::Running),
        });
        let mut map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        if map.len() >= Self::KEEP {
            let finished: Vec<String> = map
                .iter()
                .filter(|(_, j)| j.status() != JobStatus::Running)
                .map(|(k, _)| k.clone())
                .collect();
            for k in finished {
                map.remove(&k);
            }
        }
        map.insert(job.id.clone(), job.clone());
        drop(map);
        if let Some(store) = &self.store {
            tokio::spawn(share(store.clone(), job.clone()));
        }
        job
    }

    /// The job, if it exists and belongs to `org_id`.
    pub fn get(&self, org_id: &str, id: &str) -> Option<Arc<Job>> {
        let map = self.inner.lock().unwrap_or_else(|p| p.into_inner());
        map.get(id).filter(|j| j.org_id == org_id).cloned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_are_private_to_their_organisation() {
        let jobs = Jobs::default();
        let j = jobs.start("a", "import");
        j.set_total(200, Unit::Features);
        j.advance(50);
        let v = j.view();
        assert_eq!(
            (v.done, v.total, v.unit, v.percent),
            (50, 200, "features", 25)
        );
        j.set_total(1000, Unit::Bytes);
        let v = j.view();
        assert_eq!((v.done, v.total, v.unit, v.percent), (0, 1000, "bytes", 0));
        assert!(jobs.get("a", &j.id).is_some());
        assert!(jobs.get("b", &j.id).is_none());
        j.finish(JobStatus::Done { result: "x".into() });
        assert_eq!(
            jobs.get("a", &j.id).unwrap().status(),
            JobStatus::Done { result: "x".into() }
        );
    }
}
