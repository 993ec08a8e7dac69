//! Distributed queries on an Apache DataFusion Ballista cluster.
//!
//! With [`EngineMode::Ballista`] (`--engine ballista://HOST:PORT`) a query still passes the
//! sandbox and is planned in a koers session with the caller's tables only, but the session's
//! query planner is Ballista's: the optimised logical plan goes to the scheduler, which plans
//! it into stages for the executors, and the result streams back from them.
//!
//! The scheduler and the executors must know koers' `ST_*` functions, so koers runs its own
//! (`koers ballista scheduler` / `executor`) with [`cluster_state`] and [`cluster_functions`].
//! koers' R-tree spatial join ([`crate::spatial::join`]) is left out of the distributed plan:
//! Ballista would have to ship it to the executors, and its build side is one in-memory tree
//! per process, which does not fit Ballista's stages; DataFusion's own join with the same
//! predicate gives the same answers, only slower.
//!
//! Dropping a result stream before its end (the time limit, a cancel, a row limit) cancels the
//! job on the scheduler, once the scheduler has accepted it.

use std::fmt;
use std::pin::Pin;
use std::str::FromStr;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ballista_core::config::BALLISTA_CLIENT_PULL;
use ballista_core::execution_plans::DistributedQueryExec;
use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::CancelJobParams;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::utils::create_grpc_client_endpoint;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::physical_plan::{ExecutionPlan, RecordBatchStream, execute_stream};
use datafusion::prelude::{DataFrame, SessionConfig};
use datafusion_proto::protobuf::LogicalPlanNode;
use futures::Stream;

use crate::engine::install_functions;
use crate::error::{EngineError, Result};
use crate::stats;

/// How long koers waits for the scheduler to answer before calling the cluster unreachable.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Where queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EngineMode {
    /// In this process (DataFusion).
    #[default]
    Embedded,
    /// On the Ballista cluster whose scheduler listens at `host:port`.
    Ballista {
        /// The scheduler's host name or IP address.
        host: String,
        /// The scheduler's gRPC port.
        port: u16,
    },
}

impl EngineMode {
    /// The scheduler's gRPC address, for Ballista.
    pub fn scheduler_url(&self) -> Option<String> {
        match self {
            EngineMode::Embedded => None,
            EngineMode::Ballista { host, port } => Some(format!("http://{host}:{port}")),
        }
    }
}

impl fmt::Display for EngineMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineMode::Embedded => f.write_str("embedded"),
            EngineMode::Ballista { host, port } => write!(f, "ballista://{host}:{port}"),
        }
    }
}

impl FromStr for EngineMode {
    type Err = String;

    /// `embedded`, or `ballista://HOST:PORT` (a host name, an IPv4 address or `[IPv6]`).
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "embedded" {
            return Ok(EngineMode::Embedded);
        }
        let usage =
            "expected `embedded` or `ballista://HOST:PORT`, e.g. ballista://127.0.0.1:50050";
        let Some(rest) = s.strip_prefix("ballista://") else {
            return Err(format!("unknown engine {s:?}: {usage}"));
        };
        let Some((host, port)) = rest.rsplit_once(':') else {
            return Err(format!("{s:?} has no port: {usage}"));
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{s:?} has no valid port (1–65535): {usage}"))?;
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .filter(|h| h.parse::<std::net::Ipv6Addr>().is_ok());
        let valid = bare.is_some()
            || (!host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        if !valid {
            return Err(format!("{s:?} has no valid host: {usage}"));
        }
        Ok(EngineMode::Ballista {
            host: host.to_string(),
            port,
        })
    }
}

/// Turn a koers session into one whose queries run on the cluster at `scheduler_url`.
/// Ballista replaces the function lists, so install koers' functions afterwards.
pub(crate) fn remote_state(state: SessionState, scheduler_url: &str) -> Result<SessionState> {
    let mut state = state.upgrade_for_ballista(scheduler_url.to_string())?;
    // The client asks for the job's status: it learns the job id when the scheduler accepts
    // the job, so that a stream dropped while the job runs can cancel it. (Pushed status
    // updates carry the id only with the first change of state, which may be the end.)
    state
        .config_mut()
        .options_mut()
        .set(BALLISTA_CLIENT_PULL, "true")?;
    Ok(state)
}

/// Fail fast, with a clear message, when the scheduler cannot be reached.
pub(crate) async fn check_reachable(scheduler_url: &str) -> Result<()> {
    let unreachable = |e: &dyn fmt::Display| {
        EngineError::Query(format!(
            "the Ballista cluster at {scheduler_url} cannot be reached: {e}"
        ))
    };
    let endpoint = create_grpc_client_endpoint(scheduler_url.to_string(), None)
        .map_err(|e| unreachable(&e))?
        .connect_timeout(CONNECT_TIMEOUT);
    match tokio::time::timeout(CONNECT_TIMEOUT, endpoint.connect()).await {
        Ok(Ok(_)) => Ok(()),
        Ok(Err(e)) => Err(unreachable(&e)),
        Err(_) => Err(unreachable(&"no answer within 5 seconds")),
    }
}

/// Run `df` (planned in a [`remote_state`] session) on the cluster.
pub(crate) async fn execute(
    df: DataFrame,
    scheduler_url: &str,
) -> Result<SendableRecordBatchStream> {
    let task = Arc::new(df.task_ctx());
    let plan = df.create_physical_plan().await?;
    let inner = execute_stream(Arc::clone(&plan), task)?;
    Ok(Box::pin(ClusterStream {
        inner,
        plan,
        scheduler_url: scheduler_url.to_string(),
        finished: false,
    }))
}

/// The result stream of a cluster job; dropped before its end, it cancels the job.
struct ClusterStream {
    inner: SendableRecordBatchStream,
    plan: Arc<dyn ExecutionPlan>,
    scheduler_url: String,
    finished: bool,
}

impl Stream for ClusterStream {
    type Item = datafusion::error::Result<RecordBatch>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        let polled = self.inner.as_mut().poll_next(cx);
        if matches!(polled, Poll::Ready(None | Some(Err(_)))) {
            self.finished = true;
        }
        polled
    }
}

impl RecordBatchStream for ClusterStream {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }
}

impl Drop for ClusterStream {
    fn drop(&mut self) {
        if self.finished {
            return;
        }
        let job = self
            .plan
            .downcast_ref::<DistributedQueryExec<LogicalPlanNode>>()
            .and_then(DistributedQueryExec::job_id);
        let (Some(job), Ok(runtime)) = (job, tokio::runtime::Handle::try_current()) else {
            return;
        };
        let url = self.scheduler_url.clone();
        runtime.spawn(async move {
            let job_id: String = job.into();
            let cancelled = match SchedulerGrpcClient::connect(url).await {
                Ok(mut client) => client
                    .cancel_job(CancelJobParams {
                        job_id: job_id.clone(),
                    })
                    .await
                    .map(|_| ())
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            match cancelled {
                Ok(()) => tracing::info!(job_id, "cancelled the Ballista job"),
                Err(e) => tracing::warn!(job_id, "could not cancel the Ballista job: {e}"),
            }
        });
    }
}

/// The session of koers' scheduler: DataFusion's and Ballista's rules, koers' functions and
/// join statistics, without the spatial join (see the module documentation).
pub fn cluster_state(config: SessionConfig) -> datafusion::error::Result<SessionState> {
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(Arc::new(RuntimeEnvBuilder::new().build()?))
        .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules())
        .with_statistics_registry(stats::registry())
        .build();
    install_functions(&mut state).map_err(|e| {
        datafusion::error::DataFusionError::Configuration(format!(
            "cannot install koers' functions: {e}"
        ))
    })?;
    Ok(state)
}

/// The functions koers' executors know: DataFusion's and koers' own.
pub fn cluster_functions() -> datafusion::error::Result<BallistaFunctionRegistry> {
    Ok(BallistaFunctionRegistry::from(&cluster_state(
        SessionConfig::new_with_ballista(),
    )?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engine_urls() {
        assert_eq!("embedded".parse(), Ok(EngineMode::Embedded));
        let m: EngineMode = "ballista://127.0.0.1:50050".parse().expect("valid");
        assert_eq!(m.scheduler_url().as_deref(), Some("http://127.0.0.1:50050"));
        assert_eq!(m.to_string(), "ballista://127.0.0.1:50050");
        assert!("ballista://[::1]:1".parse::<EngineMode>().is_ok());
        for bad in [
            "",
            "ballista",
            "ballista://",
            "ballista://host",
            "ballista://host:0",
            "ballista://host:70000",
            "ballista://:50050",
            "ballista://ho st:50050",
            "ballista://host/x:50050",
            "df://host:50050",
            "http://host:50050",
        ] {
            assert!(bad.parse::<EngineMode>().is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn cluster_knows_koers_functions() {
        let registry = cluster_functions().expect("registry");
        for f in crate::spatial::functions::all() {
            assert!(
                registry.scalar_functions.contains_key(f.name()),
                "{} missing",
                f.name()
            );
        }
        assert!(registry.scalar_functions.contains_key("date_trunc"));
    }
}
