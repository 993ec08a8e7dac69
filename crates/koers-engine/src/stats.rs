//! Join cardinality estimates for choosing hash-join build sides.
//!
//! DataFusion's built-in estimate of an equi-join's output divides the product of the input
//! row counts by the larger number of distinct key values. Parquet files seldom carry distinct
//! counts, so DataFusion takes the row count as that number: a fact table of 10 M rows joined
//! with a lookup table of 342 rows is then estimated at 342 rows, the opposite of the truth.
//! A second join on that result (movements joined to municipalities twice, for origin and
//! destination) then builds its hash table on the 10 M-row side and probes it with the
//! 342-row side.
//!
//! [`KeyJoinStatistics`] estimates such joins the way most planners do without distinct
//! counts: as a key/foreign-key join, where each row of the larger input finds about one
//! partner in the smaller input, so the output has about as many rows as the larger input.
//! With distinct counts on both sides of every key it uses the usual formula. The provider
//! sits in DataFusion's statistics registry, which the join-selection rule consults when
//! `datafusion.optimizer.use_statistics_registry` is on.

use std::sync::Arc;

use datafusion::common::stats::Precision;
use datafusion::common::{JoinType, Result, Statistics};
use datafusion::physical_expr::expressions::Column;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::joins::{HashJoinExec, JoinOnRef, SortMergeJoinExec};
use datafusion::physical_plan::operator_statistics::{
    ExtendedStatistics, StatisticsProvider, StatisticsRegistry, StatisticsResult,
};
use datafusion::physical_plan::statistics::{StatisticsArgs, StatisticsContext};

/// Equi-join output estimate: key/foreign-key unless distinct counts are known.
#[derive(Debug, Default)]
pub struct KeyJoinStatistics;

/// The registry the engine plans with: [`KeyJoinStatistics`] first, then DataFusion's
/// built-in providers.
pub fn registry() -> StatisticsRegistry {
    let mut r = StatisticsRegistry::default_with_builtin_providers();
    r.register(Arc::new(KeyJoinStatistics));
    r
}

fn distinct(
    stats: &Statistics,
    key: &Arc<dyn datafusion::physical_expr::PhysicalExpr>,
) -> Option<usize> {
    key.downcast_ref::<Column>()
        .and_then(|c| stats.column_statistics.get(c.index()))
        .and_then(|s| s.distinct_count.get_value().copied())
        .filter(|&n| n > 0)
}

/// Rows of an inner equi-join of `left_rows` and `right_rows` rows on `on`.
fn inner_estimate(
    on: JoinOnRef,
    left: &Statistics,
    right: &Statistics,
    l: usize,
    r: usize,
) -> usize {
    if on.is_empty() {
        return l.saturating_mul(r);
    }
    // The most selective key (as Spark and DataFusion do for several keys), if every key has
    // distinct counts on both sides.
    let mut divisor: Option<usize> = Some(1);
    for (lk, rk) in on {
        divisor = match (divisor, distinct(left, lk), distinct(right, rk)) {
            (Some(d), Some(a), Some(b)) => Some(d.max(a.max(b))),
            _ => None,
        };
    }
    match divisor {
        Some(d) if d > 0 => ((l as u128 * r as u128) / d as u128).min(usize::MAX as u128) as usize,
        // Key/foreign-key: every row of the larger side matches about one row of the other.
        _ => l.max(r),
    }
}

impl StatisticsProvider for KeyJoinStatistics {
    fn compute_statistics(
        &self,
        plan: &dyn ExecutionPlan,
        child_stats: &[ExtendedStatistics],
    ) -> Result<StatisticsResult> {
        let (on, join_type) = if let Some(j) = plan.downcast_ref::<HashJoinExec>() {
            (j.on(), *j.join_type())
        } else if let Some(j) = plan.downcast_ref::<SortMergeJoinExec>() {
            (j.on(), j.join_type())
        } else {
            return Ok(StatisticsResult::Delegate);
        };
        let [left, right] = child_stats else {
            return Ok(StatisticsResult::Delegate);
        };
        let (left, right) = (left.base(), right.base());
        let (Some(&l), Some(&r)) = (left.num_rows.get_value(), right.num_rows.get_value()) else {
            return Ok(StatisticsResult::Delegate);
        };
        let inner = inner_estimate(on, left, right, l, r);
        let rows = match join_type {
            JoinType::Inner => inner,
            JoinType::Left => inner.max(l),
            JoinType::Right => inner.max(r),
            JoinType::Full => inner.max(l.saturating_add(r).saturating_sub(inner)),
            JoinType::LeftSemi => inner.min(l),
            JoinType::RightSemi => inner.min(r),
            JoinType::LeftAnti => l.saturating_sub(inner.min(l)),
            JoinType::RightAnti => r.saturating_sub(inner.min(r)),
            JoinType::LeftMark => l,
            JoinType::RightMark => r,
        };
        // Keep the operator's own column statistics; scale its byte size, if any, to the rows.
        let mut base =
            Arc::unwrap_or_clone(StatisticsContext::new().compute(plan, &StatisticsArgs::new())?);
        base.total_byte_size = match (base.num_rows.get_value(), base.total_byte_size.get_value()) {
            (Some(&old), Some(&bytes)) if old > 0 => {
                Precision::Inexact((bytes as f64 * rows as f64 / old as f64).round() as usize)
            }
            _ => Precision::Absent,
        };
        base.num_rows = Precision::Inexact(rows);
        Ok(StatisticsResult::Computed(ExtendedStatistics::new(base)))
    }
}
