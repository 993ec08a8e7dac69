//! Long work in the background (imports), with progress that a page can poll.

use koers_engine::{Progress, Unit};
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
    total: AtomicU64,
    done: AtomicU64,
    unit: Mutex<Unit>,
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

    /// What [`Job::progress`] counts now (a source import counts features, then bytes).
    pub fn unit(&self) -> Unit {
        *self.unit.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Work done and in all, in [`Job::unit`] (in all is 0 when not yet known).
    pub fn progress(&self) -> (u64, u64) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }

    /// Percentage done, 0–100.
    pub fn percent(&self) -> u64 {
        let (d, t) = self.progress();
        (d.min(t) * 100).checked_div(t).unwrap_or(0)
    }

    /// Where the job stands, at once, for a page or the API.
    pub fn view(&self) -> JobView {
        let (state, result, error) = match self.status() {
            JobStatus::Running => ("running", None, None),
            JobStatus::Done { result } => ("done", Some(result), None),
            JobStatus::Failed { error } => ("failed", None, Some(error)),
        };
        let (done, total) = self.progress();
        JobView {
            id: self.id.clone(),
            label: self.label.clone(),
            state,
            result,
            error,
            done,
            total,
            unit: self.unit().as_str(),
            percent: self.percent(),
        }
    }
}

/// A job as pages and the API show it.
#[derive(Debug, Clone, Serialize)]
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
        *self.unit.lock().unwrap_or_else(|p| p.into_inner()) = unit;
        self.total.store(total, Ordering::Relaxed);
        self.done.store(0, Ordering::Relaxed);
    }

    fn advance(&self, amount: u64) {
        self.done.fetch_add(amount, Ordering::Relaxed);
    }
}

/// The jobs of this process. Finished jobs are kept until a newer job pushes them out.
#[derive(Default, Clone)]
pub struct Jobs {
    inner: Arc<Mutex<HashMap<String, Arc<Job>>>>,
}

impl Jobs {
    const KEEP: usize = 200;

    pub fn start(&self, org_id: &str, label: &str) -> Arc<Job> {
        let job = Arc::new(Job {
            id: uuid::Uuid::new_v4().to_string(),
            org_id: org_id.into(),
            label: label.into(),
            total: AtomicU64::new(0),
            done: AtomicU64::new(0),
            unit: Mutex::new(Unit::Bytes),
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
        assert_eq!(j.percent(), 25);
        assert_eq!(j.unit(), Unit::Features);
        j.set_total(1000, Unit::Bytes);
        assert_eq!((j.progress(), j.unit()), ((0, 1000), Unit::Bytes));
        assert!(jobs.get("a", &j.id).is_some());
        assert!(jobs.get("b", &j.id).is_none());
        j.finish(JobStatus::Done { result: "x".into() });
        assert_eq!(
            jobs.get("a", &j.id).unwrap().status(),
            JobStatus::Done { result: "x".into() }
        );
    }
}
