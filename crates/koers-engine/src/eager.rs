//! Eager aggregation (Yan and Larson, "Eager Aggregation and Lazy Aggregation", VLDB 1995):
//! a `GROUP BY` over the join of a large table with a lookup table is computed by first
//! aggregating the large side per join key (and its own grouping expressions), then joining
//! that — much smaller — result, then aggregating again.
//!
//! Monitors and dashboards are mostly such queries: tonnes per province per year over
//! movements joined to municipalities. Without this rule the join probes and copies every
//! movement; with it the join sees one row per municipality and year.
//!
//! The rewrite is exact for inner equi-joins and the decomposable aggregates SUM, COUNT, MIN
//! and MAX (COUNT's partial counts are summed): a row of the large side that meets k rows of
//! the lookup side counted k times before, and its partial group is met k times after.
//! Not rewritten: other joins, join filters, DISTINCT, FILTER or ORDER BY in an aggregate,
//! grouping sets, aggregates without `GROUP BY` (their empty-input answer differs), grouping
//! expressions or aggregates reading both sides, and grouping on a column of the large side
//! that is likely unique per row (timestamps, floating point, decimals), where the first
//! aggregation would not shrink anything.

use std::sync::Arc;

use datafusion::arrow::datatypes::DataType;
use datafusion::common::tree_node::Transformed;
use datafusion::common::{Column, DFSchema, ExprSchema, Result};
use datafusion::functions_aggregate::count::Count;
use datafusion::functions_aggregate::min_max::{Max, Min, max_udaf, min_udaf};
use datafusion::functions_aggregate::sum::{Sum, sum_udaf};
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, AggregateUDF, Expr, Join, JoinType, LogicalPlan, Projection, cast,
};
use datafusion::optimizer::{ApplyOrder, OptimizerConfig, OptimizerRule};

/// Prefix of the columns this rule introduces; a side already carrying them was aggregated
/// by this rule and is left alone.
const PREFIX: &str = "__koers_eager_";

/// The logical optimizer rule; see the module documentation.
#[derive(Debug, Default)]
pub struct EagerAggregation;

impl OptimizerRule for EagerAggregation {
    fn name(&self) -> &str {
        "koers_eager_aggregation"
    }

    fn apply_order(&self) -> Option<ApplyOrder> {
        Some(ApplyOrder::TopDown)
    }

    fn rewrite(
        &self,
        plan: LogicalPlan,
        _config: &dyn OptimizerConfig,
    ) -> Result<Transformed<LogicalPlan>> {
        let LogicalPlan::Aggregate(agg) = plan else {
            return Ok(Transformed::no(plan));
        };
        match eager(&agg)? {
            Some(rewritten) => Ok(Transformed::yes(rewritten)),
            None => Ok(Transformed::no(LogicalPlan::Aggregate(agg))),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Side {
    Left,
    Right,
}

/// Which side of the join an expression reads: `Ok(None)` for no column at all, `Err(())`
/// for both sides.
fn side_of(expr: &Expr, left: &DFSchema, right: &DFSchema) -> Result<Option<Side>, ()> {
    let mut side = None;
    for c in expr.column_refs() {
        let s = if left.has_column(c) {
            Side::Left
        } else if right.has_column(c) {
            Side::Right
        } else {
            return Err(());
        };
        match side {
            Some(prev) if prev != s => return Err(()),
            _ => side = Some(s),
        }
    }
    Ok(side)
}

/// How the partial results of an aggregate are combined, or `None` when it cannot be split.
fn combiner(f: &AggregateFunction) -> Option<Arc<AggregateUDF>> {
    let p = &f.params;
    if p.distinct || p.filter.is_some() || !p.order_by.is_empty() || p.null_treatment.is_some() {
        return None;
    }
    let inner = f.func.inner();
    if inner.is::<Sum>() || inner.is::<Count>() {
        Some(sum_udaf())
    } else if inner.is::<Min>() {
        Some(min_udaf())
    } else if inner.is::<Max>() {
        Some(max_udaf())
    } else {
        None
    }
}

/// Whether grouping on this column of the large side is likely to leave about one group per
/// row, which would make the first aggregation pure overhead.
fn likely_unique(expr: &Expr, schema: &DFSchema) -> bool {
    let Expr::Column(c) = expr else {
        return false;
    };
    schema.field_from_column(c).is_ok_and(|f| {
        matches!(
            f.data_type(),
            DataType::Timestamp(..)
                | DataType::Float16
                | DataType::Float32
                | DataType::Float64
                | DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        )
    })
}

/// The join under an aggregate, looking through a projection that only picks columns.
fn join_below(plan: &LogicalPlan) -> Option<&Join> {
    match plan {
        LogicalPlan::Join(join) => Some(join),
        LogicalPlan::Projection(p) if p.expr.iter().all(|e| matches!(e, Expr::Column(_))) => {
            match p.input.as_ref() {
                LogicalPlan::Join(join) => Some(join),
                _ => None,
            }
        }
        _ => None,
    }
}

fn eager(agg: &Aggregate) -> Result<Option<LogicalPlan>> {
    let Some(join) = join_below(&agg.input) else {
        return Ok(None);
    };
    if join.join_type != JoinType::Inner
        || join.filter.is_some()
        || join.on.is_empty()
        || agg.group_expr.is_empty()
        || agg.aggr_expr.is_empty()
        || agg
            .group_expr
            .iter()
            .any(|e| matches!(e, Expr::GroupingSet(_)))
    {
        return Ok(None);
    }
    let (left, right) = (join.left.schema(), join.right.schema());

    // The aggregates: decomposable, all reading one side (the large one), which has not been
    // aggregated by this rule already.
    let mut aggregates = Vec::new();
    let mut fact: Option<Side> = None;
    for e in &agg.aggr_expr {
        let Expr::AggregateFunction(f) = e.clone().unalias() else {
            return Ok(None);
        };
        let Some(combine) = combiner(&f) else {
            return Ok(None);
        };
        for arg in &f.params.args {
            match side_of(arg, left, right) {
                Err(()) => return Ok(None),
                Ok(None) => {}
                Ok(Some(s)) if fact.is_some_and(|prev| prev != s) => return Ok(None),
                Ok(Some(s)) => fact = Some(s),
            }
        }
        aggregates.push((f, combine));
    }
    // COUNT(*) alone reads no side: the left one, where SQL puts the table named first.
    let fact = fact.unwrap_or(Side::Left);
    let (fact_plan, fact_schema) = match fact {
        Side::Left => (&join.left, left),
        Side::Right => (&join.right, right),
    };
    if fact_schema
        .fields()
        .iter()
        .any(|f| f.name().starts_with(PREFIX))
    {
        return Ok(None);
    }

    // The first aggregation groups the large side by its join keys and its own grouping
    // expressions; the final one keeps the other side's grouping expressions.
    let mut first_groups: Vec<Expr> = Vec::new();
    for (l, r) in &join.on {
        let key = if fact == Side::Left { l } else { r };
        if !matches!(key, Expr::Column(_)) {
            return Ok(None);
        }
        if !first_groups.contains(key) {
            first_groups.push(key.clone());
        }
    }
    let mut final_groups = Vec::with_capacity(agg.group_expr.len());
    for (i, g) in agg.group_expr.iter().enumerate() {
        match side_of(g, left, right) {
            Err(()) => return Ok(None),
            Ok(Some(s)) if s == fact => {
                if likely_unique(g, fact_schema) {
                    return Ok(None);
                }
                if matches!(g, Expr::Column(_)) {
                    if !first_groups.contains(g) {
                        first_groups.push(g.clone());
                    }
                    final_groups.push(g.clone());
                } else {
                    let name = format!("{PREFIX}g{i}");
                    first_groups.push(g.clone().alias(&name));
                    final_groups.push(Expr::Column(Column::from_name(name)));
                }
            }
            Ok(_) => final_groups.push(g.clone()),
        }
    }
    let mut first_aggregates = Vec::with_capacity(aggregates.len());
    let mut final_aggregates = Vec::with_capacity(aggregates.len());
    for (i, (f, combine)) in aggregates.into_iter().enumerate() {
        let partial = format!("{PREFIX}a{i}");
        first_aggregates.push(Expr::AggregateFunction(f).alias(&partial));
        final_aggregates.push(
            Expr::AggregateFunction(AggregateFunction::new_udf(
                combine,
                vec![Expr::Column(Column::from_name(partial))],
                false,
                None,
                vec![],
                None,
            ))
            .alias(format!("{PREFIX}f{i}")),
        );
    }

    let first = Arc::new(LogicalPlan::Aggregate(Aggregate::try_new(
        Arc::clone(fact_plan),
        first_groups,
        first_aggregates,
    )?));
    let (new_left, new_right) = match fact {
        Side::Left => (first, Arc::clone(&join.right)),
        Side::Right => (Arc::clone(&join.left), first),
    };
    let joined = Join::try_new(
        new_left,
        new_right,
        join.on.clone(),
        None,
        JoinType::Inner,
        join.join_constraint,
        join.null_equality,
        join.null_aware,
    )?;
    let last = Aggregate::try_new(
        Arc::new(LogicalPlan::Join(joined)),
        final_groups,
        final_aggregates,
    )?;

    // The same columns, names and types as before, for the plan above.
    let mut restore = Vec::with_capacity(agg.schema.fields().len());
    for (i, (qualifier, field)) in agg.schema.iter().enumerate() {
        let (q, f) = last.schema.qualified_field(i);
        let mut e = Expr::Column(Column::from((q, f)));
        if f.data_type() != field.data_type() {
            e = cast(e, field.data_type().clone());
        }
        restore.push(e.alias_qualified(qualifier.cloned(), field.name()));
    }
    let projection = Projection::try_new(restore, Arc::new(LogicalPlan::Aggregate(last)))?;
    Ok(Some(LogicalPlan::Projection(projection)))
}
