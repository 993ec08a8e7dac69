//! The predicates of filters and joins, evaluated koers' way where that is faster and the
//! same.
//!
//! [`FilterRule`] rewrites the predicate of every filter of an embedded query, and the filter
//! of every hash join and nested-loop join: bounds of a range of one column become one pass
//! over it ([`crate::range`]), and `=`/`<>` between short texts compare their string views
//! ([`crate::views`]) — q2's join filter `o.province_code <> d.province_code`, q5's
//! `t.origin_gm = m.gm_code OR t.dest_gm = m.gm_code` over every pair of its nested loop.
//! A filter is rewritten only where the plan then knows as much of its rows as before (see
//! `faster_filter`); a join's filter plays no part in what the plan knows. The rule runs
//! before [`crate::lookup::LookupJoinRule`], so a lookup join keeps the rewritten filter of
//! the hash join it replaces. A cluster's plans are sent as DataFusion's own
//! expressions, so the rule is not used there.

use std::sync::Arc;

use datafusion::arrow::datatypes::Schema;
use datafusion::common::Result;
use datafusion::common::config::ConfigOptions;
use datafusion::physical_expr::PhysicalExpr;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::ExecutionPlan;
use datafusion::physical_plan::filter::{FilterExec, FilterExecBuilder};
use datafusion::physical_plan::joins::utils::JoinFilter;
use datafusion::physical_plan::joins::{
    HashJoinExec, HashJoinExecBuilder, NestedLoopJoinExec, NestedLoopJoinExecBuilder,
};

/// Rewrites filters' and joins' predicates; see the module.
#[derive(Debug, Default)]
pub struct FilterRule;

impl PhysicalOptimizerRule for FilterRule {
    fn optimize(
        &self,
        plan: Arc<dyn ExecutionPlan>,
        _config: &ConfigOptions,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        crate::probe::replace_each(plan, |p| {
            let rewritten: Arc<dyn ExecutionPlan> =
                if let Some(filter) = p.downcast_ref::<FilterExec>() {
                    let Some(faster) = faster_filter(filter)? else {
                        return Ok(None);
                    };
                    Arc::new(faster)
                } else if let Some(join) = p.downcast_ref::<HashJoinExec>() {
                    let Some(filter) = faster_join(join.filter())? else {
                        return Ok(None);
                    };
                    Arc::new(
                        HashJoinExecBuilder::from(join)
                            .with_filter(Some(filter))
                            .build()?,
                    )
                } else if let Some(join) = p.downcast_ref::<NestedLoopJoinExec>() {
                    let Some(filter) = faster_join(join.filter())? else {
                        return Ok(None);
                    };
                    let builder = NestedLoopJoinExecBuilder::from(join).with_filter(Some(filter));
                    Arc::new(builder.build()?)
                } else {
                    return Ok(None);
                };
            Ok(Some(rewritten))
        })
    }

    fn name(&self) -> &str {
        "koers_filter"
    }

    fn schema_check(&self) -> bool {
        true
    }
}

/// `predicate` over rows of `schema` with its ranges in one pass, and that with its short
/// texts compared as views as well; each `None` where it changes nothing.
fn rewrites(
    predicate: &Arc<dyn PhysicalExpr>,
    schema: &Schema,
) -> Result<[Option<Arc<dyn PhysicalExpr>>; 2]> {
    let ranged = crate::range::fused(predicate, schema)?;
    let viewed = crate::views::rewrite(ranged.as_ref().unwrap_or(predicate), schema)?;
    Ok([ranged, viewed])
}

/// `filter` with its predicate's [`rewrites`] — both, else the ranges alone — as long as the
/// plan knows as much of its rows as before: DataFusion reads constants and equal columns
/// from a filter's `=` (`province_code = 'PV26'`, `a.x = b.x`), and what it planned above
/// the filter (a sort left out, a window's order) rests on them. `None` when neither keeps
/// that.
fn faster_filter(filter: &FilterExec) -> Result<Option<FilterExec>> {
    let known = |f: &FilterExec| f.properties().equivalence_properties().to_string();
    let before = known(filter);
    let [ranged, viewed] = rewrites(filter.predicate(), &filter.input().schema())?;
    for predicate in [viewed, ranged].into_iter().flatten() {
        let rewritten = FilterExecBuilder::from(filter)
            .with_predicate(predicate)
            .build()?;
        if known(&rewritten) == before {
            return Ok(Some(rewritten));
        }
    }
    Ok(None)
}

/// A join's filter with its predicate's [`rewrites`] (both where there are both), or `None`
/// when there is none or it stays as it is.
fn faster_join(filter: Option<&JoinFilter>) -> Result<Option<JoinFilter>> {
    let Some(f) = filter else {
        return Ok(None);
    };
    let [ranged, viewed] = rewrites(f.expression(), f.schema())?;
    Ok(viewed
        .or(ranged)
        .map(|e| JoinFilter::new(e, f.column_indices().to_vec(), Arc::clone(f.schema()))))
}
