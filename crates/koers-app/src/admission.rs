//! Admission control: how many queries run at once.
//!
//! Every query takes a slot of its organisation and a slot of the process before it runs. A
//! query that finds no free slot waits in its organisation's short queue, at most
//! [`AdmissionConfig::max_wait`]; when the queue is full or the wait is over it is refused
//! with [`Error::Busy`] (HTTP 503 with `Retry-After`). So a few heavy queries of one
//! organisation cannot take every slot: the other organisations keep theirs. With the
//! engine's memory limit per query at most the process budget divided by the process's slots
//! (see `koers::settings`), the running queries together stay within that budget.

use crate::{Error, Result};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// The limits of [`Admission`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AdmissionConfig {
    /// Queries running at once in this process.
    pub max_running: usize,
    /// Queries of one organisation running at once.
    pub max_running_per_org: usize,
    /// Queries of one organisation waiting for a slot; more are refused at once.
    pub max_queued_per_org: usize,
    /// How long a query waits for a slot before it is refused.
    pub max_wait: Duration,
}

impl AdmissionConfig {
    /// The defaults for a machine with `cores` cores: twice as many running queries (at least
    /// 4), half of them for one organisation, a queue of twice that per organisation and a
    /// wait of 10 seconds.
    pub fn for_cores(cores: usize) -> Self {
        let max_running = (2 * cores).max(4);
        let max_running_per_org = (max_running / 2).max(1);
        AdmissionConfig {
            max_running,
            max_running_per_org,
            max_queued_per_org: 2 * max_running_per_org,
            max_wait: Duration::from_secs(10),
        }
    }
}

impl Default for AdmissionConfig {
    fn default() -> Self {
        Self::for_cores(
            std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2),
        )
    }
}

/// One organisation's slots and how many of its queries wait.
struct Lane {
    running: Arc<Semaphore>,
    queued: usize,
}

/// Hands out the slots (see the module documentation).
pub struct Admission {
    cfg: AdmissionConfig,
    process: Arc<Semaphore>,
    lanes: Mutex<HashMap<String, Lane>>,
}

/// The slots a running query holds; dropping it frees them.
pub struct Ticket {
    _org: OwnedSemaphorePermit,
    _process: OwnedSemaphorePermit,
}

/// Takes a waiting query off its organisation's queue when the wait ends either way.
struct Queued<'a> {
    admission: &'a Admission,
    key: &'a str,
}

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        let mut lanes = self.admission.lanes();
        if let Some(lane) = lanes.get_mut(self.key) {
            lane.queued = lane.queued.saturating_sub(1);
        }
    }
}

impl Admission {
    pub fn new(cfg: AdmissionConfig) -> Self {
        Admission {
            process: Arc::new(Semaphore::new(cfg.max_running.max(1))),
            cfg,
            lanes: Mutex::new(HashMap::new()),
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &AdmissionConfig {
        &self.cfg
    }

    fn lanes(&self) -> std::sync::MutexGuard<'_, HashMap<String, Lane>> {
        self.lanes.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The slots for one query of `key` (an organisation), waiting in its queue if need be.
    pub async fn admit(&self, key: &str) -> Result<Ticket> {
        let running = {
            let mut lanes = self.lanes();
            // Lanes nobody holds or waits in are forgotten, so the map stays small.
            let per_org = self.cfg.max_running_per_org.max(1);
            lanes
                .retain(|k, l| k == key || l.queued > 0 || l.running.available_permits() < per_org);
            let lane = lanes.entry(key.to_string()).or_insert_with(|| Lane {
                running: Arc::new(Semaphore::new(per_org)),
                queued: 0,
            });
            if let (Ok(org), Ok(process)) = (
                lane.running.clone().try_acquire_owned(),
                self.process.clone().try_acquire_owned(),
            ) {
                return Ok(Ticket {
                    _org: org,
                    _process: process,
                });
            }
            if lane.queued >= self.cfg.max_queued_per_org {
                return Err(self.busy());
            }
            lane.queued += 1;
            lane.running.clone()
        };
        let _queued = Queued {
            admission: self,
            key,
        };
        let wait = async {
            let org = running.acquire_owned().await;
            let process = self.process.clone().acquire_owned().await;
            match (org, process) {
                (Ok(org), Ok(process)) => Some(Ticket {
                    _org: org,
                    _process: process,
                }),
                _ => None,
            }
        };
        match tokio::time::timeout(self.cfg.max_wait, wait).await {
            Ok(Some(ticket)) => Ok(ticket),
            _ => Err(self.busy()),
        }
    }

    fn busy(&self) -> Error {
        Error::Busy {
            retry_after: self.cfg.max_wait.max(Duration::from_secs(1)),
        }
    }
}
