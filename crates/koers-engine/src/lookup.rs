//! Joins of a table to a lookup table on a text key.
//!
//! Most joins in koers' monitors and dashboards join a large table of facts (10 M movements)
//! to a small lookup table (342 municipalities) on a short code (`GM0344`). DataFusion's hash
//! join hashes every probe row's key, finds its bucket and then compares the strings byte by
//! byte: in the reference workload's q2 (two such joins of 10 M rows) that was about half of
//! the time. A string of at most 12 bytes stands whole inside its 16-byte Arrow string view
//! (its length, then its bytes, zero-padded), so two such keys are equal exactly when their
//! views are: one 128-bit number.
//!
//! [`LookupJoinRule`] replaces DataFusion's inner hash joins on one text key whose build side
//! is collected once (`CollectLeft`), without a row limit, by [`LookupJoinExec`]. It maps
//! each key of the build side — a short one as its view, a longer one as its bytes — to its
//! rows, looks every probe row's key up directly, keeps the pairs the join's filter holds
//! for (q2's `o.province_code <> d.province_code` stands in its second join), and passes the
//! probe side's columns through untouched where every probe row met exactly one build row
//! (a foreign key into a lookup table). The answer is the same join: the same rows, the same
//! columns after the join's own projection, in the probe side's order, with the hash join's
//! plan properties. Embedded queries only: a cluster runs DataFusion's join.

use std::fmt;
use std::sync::Arc;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, RecordBatch, RecordBatchOptions, UInt32Array,
};
use datafusion::arrow::compute::{filter_record_batch, take};
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::common::config::ConfigOptions;
use datafusion::common::tree_node::TreeNodeRecursion;
use datafusion::common::{DataFusionError, HashMap, JoinSide, JoinType, NullEquality, Result};
use datafusion::execution::memory_pool::MemoryReservation;
use datafusion::execution::{SendableRecordBatchStream, TaskContext};
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::joins::utils::JoinFilter;
use datafusion::physical_plan::joins::{HashJoinExec, PartitionMode};
use datafusion::physical_plan::{
    DisplayAs, DisplayFormatType, Distribution, ExecutionPlan, PlanProperties,
};

use crate::views::{SHORT_BYTES, length, view_of};

/// Replaces hash joins to a lookup table by [`LookupJoinExec`]; see the module.
#[derive(Debug, Default)]
pub struct LookupJoinRule;

impl PhysicalOptimizerRule for LookupJoinRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        crate::probe::replace_each(plan, |p| Ok(LookupJoinExec::replacing(p)))
    }

    fn name(&self) -> &str {
        "koers_lookup_join"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// Whether a key of this type is joined here: text, the same type on both sides.
fn text(t: &DataType) -> bool {
    matches!(t, DataType::Utf8View | DataType::Utf8 | DataType::LargeUtf8)
}

/// An inner join of `left` (the build side, collected once) and `right` (the probe side) on
/// one text key; see the module.
pub struct LookupJoinExec {
    left: Arc<dyn ExecutionPlan>,
    right: Arc<dyn ExecutionPlan>,
    left_key: Arc<dyn PhysicalExpr>,
    right_key: Arc<dyn PhysicalExpr>,
    /// What else a pair of rows must meet.
    filter: Option<JoinFilter>,
    /// The output's columns among the left's then the right's (all of them: `None`).
    projection: Option<Vec<usize>>,
    /// The hash join's: the same rows in the same partitions and order.
    properties: Arc<PlanProperties>,
    build: Arc<tokio::sync::OnceCell<Arc<Build>>>,
}

impl fmt::Debug for LookupJoinExec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LookupJoinExec")
            .field("left_key", &self.left_key)
            .field("right_key", &self.right_key)
            .field("filter", &self.filter)
            .field("projection", &self.projection)
            .finish()
    }
}

impl LookupJoinExec {
    /// The lookup join standing for `plan`, when it is a hash join this one answers alike.
    fn replacing(plan: &Arc<dyn ExecutionPlan>) -> Option<Arc<dyn ExecutionPlan>> {
        let h = plan.downcast_ref::<HashJoinExec>()?;
        let [(left_key, right_key)] = h.on() else {
            return None;
        };
        let (l, r) = (
            left_key.data_type(&h.left().schema()).ok()?,
            right_key.data_type(&h.right().schema()).ok()?,
        );
        let joins_alike = *h.join_type() == JoinType::Inner
            && *h.partition_mode() == PartitionMode::CollectLeft
            && h.null_equality() == NullEquality::NullEqualsNothing
            && !h.null_aware
            && h.fetch().is_none()
            && text(&l)
            && l == r;
        joins_alike.then(|| {
            Arc::new(LookupJoinExec {
                left: Arc::clone(h.left()),
                right: Arc::clone(h.right()),
                left_key: Arc::clone(left_key),
                right_key: Arc::clone(right_key),
                filter: h.filter().cloned(),
                projection: h.projection.as_ref().map(|p| p.to_vec()),
                properties: Arc::clone(h.properties()),
                build: Arc::new(tokio::sync::OnceCell::new()),
            }) as Arc<dyn ExecutionPlan>
        })
    }
}

impl DisplayAs for LookupJoinExec {
    fn fmt_as(&self, _t: DisplayFormatType, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "LookupJoinExec: {} = {}", self.left_key, self.right_key)?;
        match &self.filter {
            Some(j) => write!(f, ", filter={}", j.expression()),
            None => Ok(()),
        }
    }
}

/// A short key (at most [`SHORT_BYTES`] bytes) as its string view: its length, then its
/// bytes, with the bytes after them zero.
fn short_key(view: u128) -> Option<u128> {
    SHORT.get(length(view)).map(|mask| view & mask)
}

/// Per length up to [`SHORT_BYTES`], the bits of a view its length and bytes take.
const SHORT: [u128; SHORT_BYTES + 1] = {
    let mut masks = [u128::MAX; SHORT_BYTES + 1];
    let mut len = 0;
    while len < SHORT_BYTES {
        masks[len] = (1u128 << (32 + 8 * len)) - 1;
        len += 1;
    }
    masks
};

/// The build side: its rows, and per key the first of the rows with that key.
struct Build {
    _reservation: MemoryReservation,
    batch: RecordBatch,
    short: HashMap<u128, u32>,
    long: HashMap<Box<[u8]>, u32>,
    /// The next row with the same key as this one ([`NONE`] after the last).
    next: Vec<u32>,
    /// Whether no two rows have the same key (a lookup table's): no chain to follow.
    unique: bool,
}

const NONE: u32 = u32::MAX;

impl Build {
    /// The first build row with the key whose view is `view` (a short key is its view; a
    /// long one is found by its `bytes`, read only then).
    fn first<'a>(&self, view: u128, bytes: impl FnOnce() -> &'a [u8]) -> u32 {
        let found = match short_key(view) {
            Some(k) => self.short.get(&k),
            None => self.long.get(bytes()),
        };
        found.copied().unwrap_or(NONE)
    }
}

/// The text of row `i` of a text array as bytes (`None` when it is null).
fn bytes_at(a: &ArrayRef, i: usize) -> Option<&[u8]> {
    if a.is_null(i) {
        return None;
    }
    Some(match a.data_type() {
        DataType::Utf8View => a.as_string_view().value(i).as_bytes(),
        DataType::Utf8 => a.as_string::<i32>().value(i).as_bytes(),
        _ => a.as_string::<i64>().value(i).as_bytes(),
    })
}

async fn build_side(
    left: Arc<dyn ExecutionPlan>,
    key: Arc<dyn PhysicalExpr>,
    ctx: Arc<TaskContext>,
) -> Result<Arc<Build>> {
    // The rows, and per row a chain link and a map entry with its key.
    let (batch, reservation) =
        crate::probe::collect_build(left, ctx, "LookupJoinExec build side", |b| {
            b.num_rows() * 48
        })
        .await?;
    let rows = batch.num_rows();
    let index = u32::try_from(rows)
        .ok()
        .filter(|n| *n < NONE)
        .ok_or_else(|| DataFusionError::Execution("join: build side too large".into()))?;
    let keys = key.evaluate(&batch)?.into_array(rows)?;
    let mut build = Build {
        _reservation: reservation,
        batch,
        short: HashMap::with_capacity(rows),
        long: HashMap::default(),
        next: vec![NONE; rows],
        unique: true,
    };
    // Last row first, so that each key's chain lists its rows in order.
    for i in (0..index).rev() {
        let Some(bytes) = bytes_at(&keys, i as usize) else {
            continue;
        };
        let head = match short_key(view_of(bytes)) {
            Some(k) => build.short.insert(k, i),
            None => build.long.insert(bytes.into(), i),
        };
        build.next[i as usize] = head.unwrap_or(NONE);
        build.unique &= head.is_none();
    }
    Ok(Arc::new(build))
}

/// Joins one probe batch.
struct Probe {
    right_key: Arc<dyn PhysicalExpr>,
    filter: Option<JoinFilter>,
    projection: Option<Vec<usize>>,
    schema: SchemaRef,
}

impl Probe {
    fn batch(&self, build: &Build, batch: RecordBatch) -> Result<RecordBatch> {
        let rows = batch.num_rows();
        let keys = self.right_key.evaluate(&batch)?.into_array(rows)?;
        let (mut bi, mut pi) = (Vec::with_capacity(rows), Vec::with_capacity(rows));
        // Whether no probe row met more than one build row.
        let mut single = true;
        let mut add = |i: usize, mut row: u32| {
            if build.unique {
                // At most one build row: no chain to follow.
                if row != NONE {
                    bi.push(row);
                    pi.push(i as u32);
                }
                return;
            }
            single &= row == NONE || build.next[row as usize] == NONE;
            while row != NONE {
                bi.push(row);
                pi.push(i as u32);
                row = build.next[row as usize];
            }
        };
        if let Some(a) = keys.as_string_view_opt() {
            for i in 0..rows {
                match a.is_null(i) {
                    true => add(i, NONE),
                    false => add(i, build.first(a.views()[i], || a.value(i).as_bytes())),
                }
            }
        } else {
            for i in 0..rows {
                add(
                    i,
                    bytes_at(&keys, i).map_or(NONE, |b| build.first(view_of(b), || b)),
                );
            }
        }
        let (bi, pi) = (UInt32Array::from(bi), UInt32Array::from(pi));
        // Every probe row met exactly one build row: its columns pass as they are.
        let once = single && pi.len() == rows;
        let left = build.batch.num_columns();
        let column = |c: usize| -> Result<ArrayRef> {
            Ok(match c.checked_sub(left) {
                None => take(build.batch.column(c).as_ref(), &bi, None)?,
                Some(r) if once => Arc::clone(batch.column(r)),
                Some(r) => take(batch.column(r).as_ref(), &pi, None)?,
            })
        };
        let chosen: Vec<usize> = match &self.projection {
            Some(p) => p.clone(),
            None => (0..left + batch.num_columns()).collect(),
        };
        let columns = chosen.iter().map(|c| column(*c)).collect::<Result<_>>()?;
        let opts = RecordBatchOptions::new().with_row_count(Some(bi.len()));
        let joined = RecordBatch::try_new_with_options(Arc::clone(&self.schema), columns, &opts)?;
        let Some(f) = &self.filter else {
            return Ok(joined);
        };
        // The filter over the joined rows, from the columns made for them where it can.
        let columns = f
            .column_indices()
            .iter()
            .map(|ci| {
                let c = match ci.side {
                    JoinSide::Left => ci.index,
                    _ => left + ci.index,
                };
                match chosen.iter().position(|x| *x == c) {
                    Some(at) => Ok(Arc::clone(joined.column(at))),
                    None => column(c),
                }
            })
            .collect::<Result<_>>()?;
        let pairs = RecordBatch::try_new_with_options(Arc::clone(f.schema()), columns, &opts)?;
        let holds = f.expression().evaluate(&pairs)?.into_array(bi.len())?;
        let holds = holds.as_boolean_opt().ok_or_else(|| {
            DataFusionError::Internal("a join filter that is not true or false".into())
        })?;
        // Where the filter is null it holds as little as where it is false.
        Ok(filter_record_batch(&joined, holds)?)
    }
}

impl ExecutionPlan for LookupJoinExec {
    fn name(&self) -> &'static str {
        "LookupJoinExec"
    }

    fn properties(&self) -> &Arc<PlanProperties> {
        &self.properties
    }

    fn children(&self) -> Vec<&Arc<dyn ExecutionPlan>> {
        vec![&self.left, &self.right]
    }

    fn required_input_distribution(&self) -> Vec<Distribution> {
        vec![
            Distribution::SinglePartition,
            Distribution::UnspecifiedDistribution,
        ]
    }

    fn maintains_input_order(&self) -> Vec<bool> {
        vec![false, true]
    }

    fn apply_expressions(
        &self,
        f: &mut dyn FnMut(&Arc<dyn PhysicalExpr>) -> Result<TreeNodeRecursion>,
    ) -> Result<TreeNodeRecursion> {
        let filter = self.filter.as_ref().map(JoinFilter::expression);
        for e in [Some(&self.left_key), Some(&self.right_key), filter]
            .into_iter()
            .flatten()
        {
            if f(e)? == TreeNodeRecursion::Stop {
                return Ok(TreeNodeRecursion::Stop);
            }
        }
        Ok(TreeNodeRecursion::Continue)
    }

    fn with_new_children(
        self: Arc<Self>,
        children: Vec<Arc<dyn ExecutionPlan>>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let [left, right] = crate::error::exactly(children, "LookupJoinExec's inputs")?;
        Ok(Arc::new(LookupJoinExec {
            left,
            right,
            left_key: Arc::clone(&self.left_key),
            right_key: Arc::clone(&self.right_key),
            filter: self.filter.clone(),
            projection: self.projection.clone(),
            properties: Arc::clone(&self.properties),
            build: Arc::new(tokio::sync::OnceCell::new()),
        }))
    }

    fn execute(
        &self,
        partition: usize,
        context: Arc<TaskContext>,
    ) -> Result<SendableRecordBatchStream> {
        let (left, left_key) = (Arc::clone(&self.left), Arc::clone(&self.left_key));
        let probe = Probe {
            right_key: Arc::clone(&self.right_key),
            filter: self.filter.clone(),
            projection: self.projection.clone(),
            schema: self.schema(),
        };
        let ctx = Arc::clone(&context);
        crate::probe::probe_stream(
            (Arc::clone(&self.build), move || {
                build_side(left, left_key, ctx)
            }),
            (Arc::clone(&self.right), partition, context),
            self.schema(),
            move |build, batch| probe.batch(build, batch),
        )
    }
}

#[cfg(test)]
mod tests;
