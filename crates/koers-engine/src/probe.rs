//! What koers' own joins ([`crate::spatial::join`], [`crate::lookup`]) share: the physical
//! rule that puts them in a plan, the build side collected once within the query's memory,
//! and every partition of the probe side joined against it as its batches come.

use std::future::Future;
use std::sync::Arc;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::concat_batches;
use datafusion::common::Result;
use datafusion::common::tree_node::{Transformed, TransformedResult, TreeNode};
use datafusion::error::DataFusionError;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryReservation};
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::stream::RecordBatchStreamAdapter;
use futures::{StreamExt, TryStreamExt};

/// `plan` with every node `rewrite` has a replacement for replaced, bottom up.
pub(crate) fn replace_each(
    plan: Arc<dyn ExecutionPlan>,
    rewrite: impl Fn(&Arc<dyn ExecutionPlan>) -> Result<Option<Arc<dyn ExecutionPlan>>>,
) -> Result<Arc<dyn ExecutionPlan>> {
    plan.transform_up(|p| match rewrite(&p)? {
        Some(new) => Ok(Transformed::yes(new)),
        None => Ok(Transformed::no(p)),
    })
    .data()
}

/// The rows of a join's build side in one batch, with their memory reserved in the query's
/// pool under `name`: the batch and `more` bytes on top of it (what the join builds over it).
pub(crate) async fn collect_build(
    left: Arc<dyn ExecutionPlan>,
    ctx: Arc<TaskContext>,
    name: &str,
    more: impl FnOnce(&RecordBatch) -> usize,
) -> Result<(RecordBatch, MemoryReservation)> {
    let schema = left.schema();
    let pool = Arc::clone(ctx.memory_pool());
    let batches = datafusion::physical_plan::collect(left, ctx).await?;
    let batch = concat_batches(&schema, &batches)?;
    drop(batches);
    let reservation = MemoryConsumer::new(name).register(&pool);
    reservation.try_grow(batch.get_array_memory_size() + more(&batch))?;
    Ok((batch, reservation))
}

/// The joined batches of probe partition `partition` of `right`: the build side made by
/// `make` once for all partitions (kept in `cell`), then each probe batch joined by `probe`.
pub(crate) fn probe_stream<B, F>(
    (cell, make): (
        Arc<tokio::sync::OnceCell<Arc<B>>>,
        impl FnOnce() -> F + Send + 'static,
    ),
    (right, partition, context): (Arc<dyn ExecutionPlan>, usize, Arc<TaskContext>),
    schema: datafusion::arrow::datatypes::SchemaRef,
    probe: impl Fn(&B, RecordBatch) -> Result<RecordBatch> + Send + 'static,
) -> Result<SendableRecordBatchStream>
where
    B: Send + Sync + 'static,
    F: Future<Output = Result<Arc<B>>> + Send,
{
    let fut = async move {
        let build = cell.get_or_try_init(make).await?.clone();
        let stream = right.execute(partition, context)?;
        Ok::<_, DataFusionError>(stream.map(move |b| probe(&build, b?)))
    };
    let stream = futures::stream::once(fut).try_flatten();
    Ok(Box::pin(RecordBatchStreamAdapter::new(schema, stream)))
}
