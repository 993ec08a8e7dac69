//! The Ballista side of [`super`]: the client session, the cancelling result stream, and the
//! sessions of koers' scheduler and executors.

use std::fmt;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use ballista_core::config::{BALLISTA_ADAPTIVE_PLANNER_ENABLED, BALLISTA_CLIENT_PULL};
use ballista_core::execution_plans::DistributedQueryExec;
use ballista_core::extension::{SessionConfigExt, SessionStateExt};
use ballista_core::registry::BallistaFunctionRegistry;
use ballista_core::serde::protobuf::CancelJobParams;
use ballista_core::serde::protobuf::scheduler_grpc_client::SchedulerGrpcClient;
use ballista_core::utils::create_grpc_client_endpoint;
use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::execution::SendableRecordBatchStream;
use datafusion::execution::memory_pool::{GreedyMemoryPool, MemoryPool};
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
    // The static planner plans with the scheduler session's physical rules ([`cluster_state`]),
    // among them koers' spatial join; Ballista's adaptive planner uses a fixed list of its own.
    state
        .config_mut()
        .options_mut()
        .set(BALLISTA_ADAPTIVE_PLANNER_ENABLED, "false")?;
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

/// The session of koers' scheduler: DataFusion's and Ballista's rules, koers' functions, join
/// statistics and the R-tree spatial join (see the module documentation).
pub fn cluster_state(config: SessionConfig) -> datafusion::error::Result<SessionState> {
    let mut state = SessionStateBuilder::new()
        .with_default_features()
        .with_config(config)
        .with_runtime_env(Arc::new(RuntimeEnvBuilder::new().build()?))
        .with_optimizer_rules(ballista_core::optimizer::ballista_default_optimizer_rules())
        .with_statistics_registry(stats::registry())
        .with_physical_optimizer_rule(Arc::new(crate::spatial::join::SpatialJoinRule))
        .build();
    // An executor's functions count what they make against one budget of a query's memory
    // limit, shared by the queries it runs (its sessions are Ballista's, not koers').
    let pool: Arc<dyn MemoryPool> = Arc::new(GreedyMemoryPool::new(
        crate::EngineConfig::default().memory_limit_bytes,
    ));
    install_functions(&mut state, &pool).map_err(|e| {
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
