//! Incremental refresh: every `GROUP BY` of `SUM`, `COUNT`, `MIN`, `MAX` and `AVG` in a query
//! keeps its *state* (per group the sums, counts, minima and maxima; an average as its sum and
//! count). When rows are appended to one table the query reads, each such aggregate over that
//! table merges the same aggregate over the appended rows alone into its kept state, and the
//! rest of the query — what stands above and beside the aggregates: `HAVING`, joins of
//! aggregates with each other or with lookup tables, windows, the select list, `ORDER BY`,
//! `LIMIT` — runs as always over the finished aggregates.
//!
//! Appended rows may simply be added when every read of the grown table sits below such an
//! aggregate, once, where every row of the aggregate's input comes from one row of the grown
//! table unchanged by the others: below it only filters, projections and joins that keep the
//! grown table's rows (an inner join, or an outer or semi join on its side) stand, and nothing
//! is random or a subquery. Anything else — and any query on a cluster — runs in full
//! ([`QueryOutput::incremental`] says which).

use std::sync::Arc;
use std::time::Instant;

use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::compute::cast as cast_array;
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use datafusion::arrow::ipc::reader::StreamReader;
use datafusion::arrow::ipc::writer::StreamWriter;
use datafusion::common::Column;
use datafusion::common::tree_node::{Transformed, TreeNode, TreeNodeRecursion};
use datafusion::datasource::{MemTable, provider_as_source};
use datafusion::functions_aggregate::count::count_udaf;
use datafusion::functions_aggregate::min_max::{max_udaf, min_udaf};
use datafusion::functions_aggregate::sum::sum_udaf;
use datafusion::logical_expr::TableSource;
use datafusion::logical_expr::expr::AggregateFunction;
use datafusion::logical_expr::{
    Aggregate, AggregateUDF, Expr, ExprSchemable, JoinType, LogicalPlan, LogicalPlanBuilder, cast,
    col, lit,
};
use datafusion::prelude::{SessionContext, coalesce, nullif};

use crate::engine::{CancelToken, Engine, QueryOutput, TableRef};
use crate::error::{EngineError, Result};
use crate::params::Sql;

/// A kept state holds at most this many groups; a larger one is not kept (the query then
/// runs in full each time).
pub const MAX_STATE_ROWS: usize = 100_000;

/// The name the state is read under in the plans that merge and finish it.
const STATE: &str = "__koers_state";

/// What a query answered (whether from a kept state: [`QueryOutput::incremental`]), and the
/// state kept for adding appended rows later.
#[derive(Debug, Clone)]
pub struct Kept {
    pub output: QueryOutput,
    /// The aggregate's state (Arrow IPC), when the query is one that can grow.
    pub state: Option<Vec<u8>>,
    /// The tables the query read.
    pub tables: Vec<String>,
    /// Whether the answer depends on the rows of those tables alone: nothing in the query is
    /// random or reads the clock, so over the same versions it is the same answer.
    pub timeless: bool,
}

/// The rows appended to one table since a state was kept: the state, and the appended rows
/// of each version since, oldest first (none: nothing changed since).
#[derive(Debug, Clone)]
pub struct Growth {
    pub table: String,
    pub deltas: Vec<TableRef>,
    pub state: Vec<u8>,
}

/// How one aggregate of the answer is kept and merged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Part {
    Sum,
    Count,
    Min,
    Max,
    /// As a sum (of the values as doubles) and a count.
    Avg,
}

/// An aggregate of a query whose state can be kept.
struct Decomposed {
    aggregate: Aggregate,
    parts: Vec<Part>,
}

/// The aggregates of `plan` whose states are kept: each outermost aggregate that can be
/// ([`decomposable`]), top down — in a node, those of its scalar subqueries
/// (`… <= (SELECT MAX(ts) FROM t)`) before those of its inputs; `None` when there is none, or
/// when something outside them holds another kind of subquery (`IN`, `EXISTS`, or one that
/// refers to the outer query), whose rows could not be followed.
fn decompose(plan: &LogicalPlan) -> Option<Vec<Decomposed>> {
    fn walk(plan: &LogicalPlan, out: &mut Vec<Decomposed>) -> bool {
        if let LogicalPlan::Aggregate(a) = plan
            && let Some(d) = decomposable(a)
        {
            out.push(d);
            return true;
        }
        let Some(subqueries) = scalar_subqueries(plan) else {
            return false;
        };
        !matches!(plan, LogicalPlan::Subquery(_))
            && subqueries.iter().all(|s| walk(s, out))
            && plan.inputs().into_iter().all(|i| walk(i, out))
    }
    let mut out = Vec::new();
    (walk(plan, &mut out) && !out.is_empty()).then_some(out)
}

/// The plans of the scalar subqueries in `plan`'s own expressions that stand alone (refer to
/// nothing of the outer query), in the order of its expressions; `None` when it holds any
/// other subquery.
fn scalar_subqueries(plan: &LogicalPlan) -> Option<Vec<Arc<LogicalPlan>>> {
    let mut found = Vec::new();
    let mut other = false;
    for e in plan.expressions() {
        let _ = e.apply(|x| {
            match x {
                Expr::ScalarSubquery(s) if s.outer_ref_columns.is_empty() => {
                    found.push(Arc::clone(&s.subquery));
                }
                Expr::ScalarSubquery(_)
                | Expr::InSubquery(_)
                | Expr::Exists(_)
                | Expr::SetComparison(_) => other = true,
                _ => {}
            }
            Ok(TreeNodeRecursion::Continue)
        });
    }
    (!other).then_some(found)
}

/// How many times `plan` reads `table` outside its kept aggregates (see [`decompose`]).
fn reads_outside(plan: &LogicalPlan, table: &str) -> usize {
    match plan {
        LogicalPlan::Aggregate(a) if decomposable(a).is_some() => 0,
        LogicalPlan::TableScan(s) => usize::from(s.table_name.table() == table),
        other => {
            let subqueries: usize = scalar_subqueries(other)
                .unwrap_or_default()
                .iter()
                .map(|s| reads_outside(s, table))
                .sum();
            let inputs: usize = other
                .inputs()
                .into_iter()
                .map(|i| reads_outside(i, table))
                .sum();
            subqueries + inputs
        }
    }
}

/// `plan` with each of its kept aggregates (top down, as [`decompose`] found them) replaced
/// by the next of `finished`.
fn replace_aggregates(
    plan: &LogicalPlan,
    finished: &mut impl Iterator<Item = LogicalPlan>,
) -> Result<LogicalPlan> {
    if let LogicalPlan::Aggregate(a) = plan
        && decomposable(a).is_some()
    {
        return finished
            .next()
            .ok_or_else(|| EngineError::Query("an aggregate without its state".into()));
    }
    // Its scalar subqueries first, as `decompose` found them.
    let mut failed = None;
    let plan = plan
        .clone()
        .map_subqueries(|sub| match sub {
            LogicalPlan::Subquery(mut s) => match replace_aggregates(&s.subquery, finished) {
                Ok(p) => {
                    s.subquery = Arc::new(p);
                    Ok(Transformed::yes(LogicalPlan::Subquery(s)))
                }
                Err(e) => {
                    failed = Some(e);
                    Ok(Transformed::no(LogicalPlan::Subquery(s)))
                }
            },
            other => Ok(Transformed::no(other)),
        })?
        .data;
    if let Some(e) = failed {
        return Err(e);
    }
    let inputs = plan.inputs();
    if inputs.is_empty() {
        return Ok(plan);
    }
    let inputs = inputs
        .into_iter()
        .map(|i| replace_aggregates(i, finished))
        .collect::<Result<Vec<_>>>()?;
    Ok(plan.with_new_exprs(plan.expressions(), inputs)?)
}

/// `aggregate`, when its functions can be kept and merged.
fn decomposable(aggregate: &Aggregate) -> Option<Decomposed> {
    if aggregate
        .group_expr
        .iter()
        .any(|e| matches!(e, Expr::GroupingSet(_)) || !plain(e))
    {
        return None;
    }
    let input = aggregate.input.schema();
    let parts = aggregate
        .aggr_expr
        .iter()
        .map(|e| {
            let f = function(e)?;
            let p = &f.params;
            if p.distinct || !p.order_by.is_empty() || p.null_treatment.is_some() {
                return None;
            }
            if !p.args.iter().all(plain) || p.filter.as_deref().is_some_and(|f| !plain(f)) {
                return None;
            }
            match f.func.name() {
                "sum" => Some(Part::Sum),
                "count" => Some(Part::Count),
                "min" => Some(Part::Min),
                "max" => Some(Part::Max),
                // A decimal's average is exact in its own type, not through a double.
                "avg" => match p.args.first()?.get_type(input.as_ref()).ok()? {
                    t if t.is_integer() || t.is_floating() => Some(Part::Avg),
                    _ => None,
                },
                _ => None,
            }
        })
        .collect::<Option<Vec<Part>>>()?;
    Some(Decomposed {
        aggregate: aggregate.clone(),
        parts,
    })
}

/// An expression without subqueries and without anything random or time-dependent
/// ([`timeless`]).
fn plain(e: &Expr) -> bool {
    timeless(e)
        && !e
            .exists(|x| {
                Ok(matches!(
                    x,
                    Expr::ScalarSubquery(_) | Expr::InSubquery(_) | Expr::Exists(_)
                ))
            })
            .unwrap_or(true)
}

/// An expression without anything random or time-dependent: every function in it gives the
/// same answer for the same arguments at any time (`now()` and `current_date` are *stable*,
/// not volatile — the same within one query, another tomorrow — so a state or an answer kept
/// over them would go stale).
fn timeless(e: &Expr) -> bool {
    !e.exists(|x| {
        Ok(match x {
            Expr::ScalarFunction(f) => !crate::bounded::immutable(&f.func),
            other => other.is_volatile_node(),
        })
    })
    .unwrap_or(true)
}

/// Whether every expression of `plan` and of its subqueries is [`timeless`]: then its answer
/// depends on the rows of the tables it reads alone.
fn timeless_plan(plan: &LogicalPlan) -> bool {
    let mut all = true;
    let _ = plan.apply_with_subqueries(|n| {
        all = n.expressions().iter().all(timeless);
        Ok(if all {
            TreeNodeRecursion::Continue
        } else {
            TreeNodeRecursion::Stop
        })
    });
    all
}

fn function(e: &Expr) -> Option<&AggregateFunction> {
    match e {
        Expr::Alias(a) => function(&a.expr),
        Expr::AggregateFunction(f) => Some(f),
        _ => None,
    }
}

/// How many times `plan` reads `table`, when appended rows of `table` only add rows to what
/// `plan` makes; `None` otherwise.
fn reads(plan: &LogicalPlan, table: &str) -> Option<usize> {
    if !plan.expressions().iter().all(plain) {
        return None;
    }
    match plan {
        LogicalPlan::TableScan(s) => Some(usize::from(s.table_name.table() == table)),
        LogicalPlan::Projection(_) | LogicalPlan::Filter(_) | LogicalPlan::SubqueryAlias(_) => {
            reads(plan.inputs().first()?, table)
        }
        LogicalPlan::Join(j) => {
            let (l, r) = (reads(&j.left, table)?, reads(&j.right, table)?);
            let keeps = match (l, r) {
                (0, 0) => true,
                (_, 0) => matches!(
                    j.join_type,
                    JoinType::Inner | JoinType::Left | JoinType::LeftSemi | JoinType::LeftAnti
                ),
                (0, _) => matches!(
                    j.join_type,
                    JoinType::Inner | JoinType::Right | JoinType::RightSemi | JoinType::RightAnti
                ),
                _ => false,
            };
            keeps.then_some(l + r)
        }
        // Anything else may stand where it does not read the table.
        other => {
            let mut n = 0;
            for input in other.inputs() {
                n += reads(input, table)?;
            }
            (n == 0).then_some(0)
        }
    }
}

/// The tables `plan` reads, subqueries included.
fn tables_read(plan: &LogicalPlan) -> Vec<String> {
    let mut names = Vec::new();
    let _ = plan.apply_with_subqueries(|n| {
        if let LogicalPlan::TableScan(s) = n {
            names.push(s.table_name.table().to_string());
        }
        Ok(TreeNodeRecursion::Continue)
    });
    names.sort();
    names.dedup();
    names
}

fn aggregate_call(f: &AggregateFunction, func: Arc<AggregateUDF>, args: Vec<Expr>) -> Expr {
    Expr::AggregateFunction(AggregateFunction::new_udf(
        func,
        args,
        false,
        f.params.filter.clone(),
        Vec::new(),
        None,
    ))
}

fn state_column(i: usize) -> String {
    format!("__s{i}")
}

fn count_column(i: usize) -> String {
    format!("__c{i}")
}

fn group_column(k: usize) -> String {
    format!("__g{k}")
}

impl Decomposed {
    /// The aggregate's state over its input: the groups as `__g0…`, each aggregate's state
    /// as `__s0…` (and an average's count as `__c…`).
    fn state_plan(&self) -> Result<LogicalPlan> {
        self.state_over(self.aggregate.input.as_ref().clone())
    }

    /// The aggregate's state over `input`, rows of the same kind as its own input.
    fn state_over(&self, input: LogicalPlan) -> Result<LogicalPlan> {
        let mut exprs = Vec::new();
        for (i, (e, part)) in self.aggregate.aggr_expr.iter().zip(&self.parts).enumerate() {
            let f = function(e).ok_or_else(|| EngineError::Query("no aggregate".into()))?;
            match part {
                Part::Avg => {
                    let arg = f.params.args.first().cloned().unwrap_or(lit(1));
                    exprs.push(
                        aggregate_call(f, sum_udaf(), vec![cast(arg.clone(), DataType::Float64)])
                            .alias(state_column(i)),
                    );
                    exprs.push(aggregate_call(f, count_udaf(), vec![arg]).alias(count_column(i)));
                }
                _ => exprs.push(Expr::AggregateFunction(f.clone()).alias(state_column(i))),
            }
        }
        let groups = self.aggregate.group_expr.len();
        let plan = LogicalPlanBuilder::from(input)
            .aggregate(self.aggregate.group_expr.clone(), exprs)?
            .build()?;
        let named: Vec<Expr> = plan
            .schema()
            .iter()
            .enumerate()
            .map(|(k, (q, f))| {
                let c = Expr::Column(Column::new(q.cloned(), f.name()));
                if k < groups {
                    c.alias(group_column(k))
                } else {
                    c
                }
            })
            .collect();
        Ok(LogicalPlanBuilder::from(plan).project(named)?.build()?)
    }

    /// The state `kept` with the state over `added` (rows of the same kind as the
    /// aggregate's input) merged in, as one plan.
    fn grown_plan(&self, kept: &State, added: LogicalPlan) -> Result<LogicalPlan> {
        let added = self.state_over(added)?;
        // The added state's columns as the kept one's, by position (a state read back from
        // the store has every column nullable).
        let conformed: Vec<Expr> = added
            .schema()
            .columns()
            .into_iter()
            .zip(kept.schema.fields())
            .map(|(c, f)| cast(Expr::Column(c), f.data_type().clone()).alias(f.name()))
            .collect();
        if conformed.len() != kept.schema.fields().len() {
            return Err(EngineError::Query(
                "the kept state has other columns".into(),
            ));
        }
        let added = LogicalPlanBuilder::from(added)
            .project(conformed)?
            .build()?;
        let both =
            LogicalPlanBuilder::scan(STATE, provider_as_source(Arc::new(kept.table()?)), None)?
                .union(added)?
                .build()?;
        self.merge_plan(both)
    }

    /// The states in `states` merged into one.
    fn merge_plan(&self, states: LogicalPlan) -> Result<LogicalPlan> {
        let groups: Vec<Expr> = (0..self.aggregate.group_expr.len())
            .map(|k| col(group_column(k)))
            .collect();
        let mut exprs = Vec::new();
        for (i, part) in self.parts.iter().enumerate() {
            let s = state_column(i);
            let merged = match part {
                Part::Min => min_udaf().call(vec![col(&s)]),
                Part::Max => max_udaf().call(vec![col(&s)]),
                Part::Sum | Part::Count | Part::Avg => sum_udaf().call(vec![col(&s)]),
            };
            exprs.push(merged.alias(s));
            if *part == Part::Avg {
                let c = count_column(i);
                exprs.push(sum_udaf().call(vec![col(&c)]).alias(c));
            }
        }
        Ok(LogicalPlanBuilder::from(states)
            .aggregate(groups, exprs)?
            .build()?)
    }

    /// The aggregate's answer finished from `state`: its columns, named as the aggregate names
    /// them.
    fn finished(&self, state: MemTable) -> Result<LogicalPlan> {
        let groups = self.aggregate.group_expr.len();
        let exprs: Vec<Expr> = self
            .aggregate
            .schema
            .iter()
            .enumerate()
            .map(|(k, (q, f))| {
                let e = if k < groups {
                    col(group_column(k))
                } else {
                    let i = k - groups;
                    let s = col(state_column(i));
                    match self.parts[i] {
                        Part::Count => coalesce(vec![s, lit(0i64)]),
                        Part::Avg => {
                            cast(s, DataType::Float64)
                                / nullif(cast(col(count_column(i)), DataType::Float64), lit(0f64))
                        }
                        _ => s,
                    }
                };
                cast(e, f.data_type().clone()).alias_qualified(q.cloned(), f.name())
            })
            .collect();
        Ok(
            LogicalPlanBuilder::scan(STATE, provider_as_source(Arc::new(state)), None)?
                .project(exprs)?
                .build()?,
        )
    }
}

/// A state's rows under one schema in which every column may be null (states from the
/// store and from a new run then always fit one table).
#[derive(Debug, Clone)]
struct State {
    schema: SchemaRef,
    batches: Vec<RecordBatch>,
}

impl State {
    fn new(schema: &Schema, batches: Vec<RecordBatch>) -> Result<State> {
        let fields: Vec<Field> = schema
            .fields()
            .iter()
            .map(|f| f.as_ref().clone().with_nullable(true))
            .collect();
        let schema = Arc::new(Schema::new(fields));
        let batches = batches
            .into_iter()
            .map(|b| conform(&b, &schema))
            .collect::<Result<Vec<_>>>()?;
        Ok(State { schema, batches })
    }

    fn table(&self) -> Result<MemTable> {
        Ok(MemTable::try_new(
            self.schema.clone(),
            vec![self.batches.clone()],
        )?)
    }

    /// States as one byte string: each as an Arrow IPC stream, after its length.
    fn encode_all(states: &[State]) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        for s in states {
            let mut buf = Vec::new();
            let mut w = StreamWriter::try_new(&mut buf, &s.schema)?;
            for b in &s.batches {
                w.write(b)?;
            }
            w.finish()?;
            drop(w);
            out.extend_from_slice(&(buf.len() as u64).to_le_bytes());
            out.extend_from_slice(&buf);
        }
        Ok(out)
    }

    fn decode_all(mut bytes: &[u8]) -> Result<Vec<State>> {
        let damaged = || EngineError::Query("the kept state is damaged".into());
        let mut states = Vec::new();
        while !bytes.is_empty() {
            let (len, rest) = bytes.split_first_chunk::<8>().ok_or_else(damaged)?;
            let len = usize::try_from(u64::from_le_bytes(*len)).map_err(|_| damaged())?;
            if len > rest.len() {
                return Err(damaged());
            }
            let (one, rest) = rest.split_at(len);
            let r = StreamReader::try_new(one, None)?;
            let schema = r.schema();
            let batches = r.collect::<std::result::Result<Vec<_>, _>>()?;
            states.push(State::new(&schema, batches)?);
            bytes = rest;
        }
        Ok(states)
    }
}

/// `b`'s columns cast to `schema`'s types, under `schema`.
fn conform(b: &RecordBatch, schema: &SchemaRef) -> Result<RecordBatch> {
    if b.num_columns() != schema.fields().len() {
        return Err(EngineError::Query(
            "the kept state has other columns".into(),
        ));
    }
    let columns = b
        .columns()
        .iter()
        .zip(schema.fields())
        .map(|(c, f)| cast_array(c, f.data_type()))
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Whether `p` and `q`, a number of one answer of a query computed two ways (from a kept
/// state, in full; or in full on other partitions), are the same answer: equal up to the last
/// digits of a sum of doubles, which depend on the order the values were added in — and so,
/// where they are rounded to at most two decimals (`ROUND(SUM(x), 1)`), at most one step of
/// that rounding apart.
pub fn same_number(p: f64, q: f64) -> bool {
    let d = (p - q).abs();
    let noise = 1e-9 * p.abs().max(q.abs()).max(1.0);
    if d <= noise {
        return true;
    }
    // The decimals a value was rounded to, read past the noise of later arithmetic on it
    // (`731192.1000000001` is one decimal), of whichever of the two has more.
    let decimals = |v: f64| {
        let text = format!("{v:.6}");
        text.split('.')
            .nth(1)
            .map_or(0, |f| f.trim_end_matches('0').len())
    };
    let decimals = decimals(p).max(decimals(q));
    decimals <= 2 && d <= 10f64.powi(-(decimals as i32)) + noise
}

/// Whether `a` and `b`, one answer computed two ways (as JSON: rows, or documents holding
/// them), are the same answer: numbers as [`same_number`] says, and lists of rows in either
/// order where rows tie in the `ORDER BY` — ordered by their values that are not doubles.
pub fn same_answer(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(p), Value::Number(q)) if p.is_f64() || q.is_f64() => same_number(
            p.as_f64().unwrap_or(f64::NAN),
            q.as_f64().unwrap_or(f64::NAN),
        ),
        (Value::Array(x), Value::Array(y)) => {
            let order = |rows: &[Value]| {
                let mut rows = rows.to_vec();
                if rows.iter().all(Value::is_array) {
                    rows.sort_by_key(|r| {
                        r.as_array()
                            .into_iter()
                            .flatten()
                            .filter(|v| !v.is_f64())
                            .map(Value::to_string)
                            .collect::<Vec<_>>()
                    });
                }
                rows
            };
            x.len() == y.len()
                && order(x)
                    .iter()
                    .zip(&order(y))
                    .all(|(u, w)| same_answer(u, w))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, u)| y.get(k).is_some_and(|w| same_answer(u, w)))
        }
        _ => a == b,
    }
}

impl Engine {
    /// Runs `sql` over `tables` like [`query_with`](Engine::query_with), keeping the state of
    /// its aggregate where it has one that can grow (see the module). With `growth` — a state
    /// kept by an earlier run of the same query, and the rows appended since to one table —
    /// the answer is made from that state and the appended rows, when the query allows; else
    /// in full.
    pub async fn query_kept(
        &self,
        sql: impl Into<Sql>,
        tables: &[TableRef],
        growth: Option<Growth>,
        row_limit: usize,
        cancel: Option<&CancelToken>,
    ) -> Result<Kept> {
        let sql = sql.into();
        let start = Instant::now();
        let work = async {
            let (ctx, plan) = self.plan(&sql, tables).await?;
            let planned = start.elapsed();
            let read = tables_read(&plan);
            let timeless = timeless_plan(&plan);
            let decomposed = match self.config().mode.scheduler_url() {
                // The cluster cannot read the in-memory state.
                Some(_) => None,
                None => decompose(&plan),
            };
            let Some(d) = decomposed else {
                return self
                    .plain(&ctx, plan, row_limit, start, (read, timeless))
                    .await;
            };
            let grown = match growth {
                Some(g) => match self.grow(&ctx, (&plan, &d), g, start).await {
                    Ok(s) => s,
                    Err(e @ (EngineError::Timeout(_) | EngineError::Cancelled)) => return Err(e),
                    Err(e) => {
                        tracing::warn!(error = %e, "kept state not usable; computing in full");
                        None
                    }
                },
                None => None,
            };
            let incremental = grown.is_some();
            let grown_at = start.elapsed();
            let states = match grown {
                Some(s) => s,
                None => {
                    let mut states = Vec::with_capacity(d.len());
                    for one in &d {
                        match self.state_of(&ctx, one, start).await? {
                            Some(s) => states.push(s),
                            None => {
                                return self
                                    .plain(&ctx, plan, row_limit, start, (read, timeless))
                                    .await;
                            }
                        }
                    }
                    states
                }
            };
            let finished = d
                .iter()
                .zip(&states)
                .map(|(one, s)| one.finished(s.table()?))
                .collect::<Result<Vec<_>>>()?;
            let whole = replace_aggregates(&plan, &mut finished.into_iter())?;
            let mut output = self.run_plan(&ctx, whole, row_limit, start).await?;
            output.incremental = incremental;
            tracing::debug!(
                incremental,
                planned_ms = planned.as_secs_f64() * 1e3,
                // Adding the appended rows to the kept states, then the rest.
                grown_ms = (grown_at - planned).as_secs_f64() * 1e3,
                answered_ms = (start.elapsed() - grown_at).as_secs_f64() * 1e3,
                "kept query answered"
            );
            Ok(Kept {
                output,
                state: Some(State::encode_all(&states)?),
                tables: read,
                timeless,
            })
        };
        self.within_limits(work, cancel).await
    }

    async fn plain(
        &self,
        ctx: &SessionContext,
        plan: LogicalPlan,
        row_limit: usize,
        start: Instant,
        (tables, timeless): (Vec<String>, bool),
    ) -> Result<Kept> {
        Ok(Kept {
            output: self.run_plan(ctx, plan, row_limit, start).await?,
            state: None,
            tables,
            timeless,
        })
    }

    /// The state of `d` over its input in `ctx`; `None` when it has too many groups to keep.
    async fn state_of(
        &self,
        ctx: &SessionContext,
        d: &Decomposed,
        start: Instant,
    ) -> Result<Option<State>> {
        self.state_from(ctx, d.state_plan()?, start).await
    }

    /// What `plan` (of a state) makes in `ctx`; `None` when it has too many groups to keep.
    async fn state_from(
        &self,
        ctx: &SessionContext,
        plan: LogicalPlan,
        start: Instant,
    ) -> Result<Option<State>> {
        let out = self.run_plan(ctx, plan, MAX_STATE_ROWS, start).await?;
        if out.truncated {
            return Ok(None);
        }
        Ok(Some(State::new(&out.schema, out.batches)?))
    }

    /// The kept states of `growth` with the appended rows merged in (one per kept aggregate of
    /// `plan`, `d`, run in `ctx`); `None` when the query does not let appended rows of that
    /// table simply add.
    async fn grow(
        &self,
        ctx: &SessionContext,
        (plan, d): (&LogicalPlan, &[Decomposed]),
        growth: Growth,
        start: Instant,
    ) -> Result<Option<Vec<State>>> {
        let mut states = State::decode_all(&growth.state)?;
        if states.len() != d.len() {
            return Err(EngineError::Query(
                "the kept state is of another query".into(),
            ));
        }
        if growth.deltas.is_empty() {
            return Ok(Some(states));
        }
        if reads_outside(plan, &growth.table) != 0 {
            return Ok(None);
        }
        let mut grows = Vec::with_capacity(d.len());
        for one in d {
            match reads(&one.aggregate.input, &growth.table) {
                Some(0) => grows.push(false),
                Some(1) => grows.push(true),
                _ => return Ok(None),
            }
        }
        for delta in growth.deltas {
            // Each aggregate's input as it is, reading the appended rows where it read the
            // grown table: the query is not planned again.
            let appended = TableRef {
                name: growth.table.clone(),
                location: delta.location,
            };
            let source = provider_as_source(
                self.context(std::slice::from_ref(&appended))
                    .await?
                    .table_provider(appended.name.as_str())
                    .await?,
            );
            for (i, one) in d.iter().enumerate().filter(|(i, _)| grows[*i]) {
                let Some(added) = reading(&one.aggregate.input, &growth.table, &source)? else {
                    return Ok(None);
                };
                let t = Instant::now();
                let grown = one.grown_plan(&states[i], added)?;
                let Some(grown) = self.state_from(ctx, grown, start).await? else {
                    return Ok(None);
                };
                tracing::debug!(
                    ms = t.elapsed().as_secs_f64() * 1e3,
                    groups = grown
                        .batches
                        .iter()
                        .map(RecordBatch::num_rows)
                        .sum::<usize>(),
                    "appended rows added to a kept state"
                );
                states[i] = grown;
            }
        }
        Ok(Some(states))
    }
}

/// `input` reading `source` wherever it reads `table`; `None` when `source` has other
/// columns than the table had.
fn reading(
    input: &LogicalPlan,
    table: &str,
    source: &Arc<dyn TableSource>,
) -> Result<Option<LogicalPlan>> {
    let mut alike = true;
    let out = input.clone().transform_up(|n| match n {
        LogicalPlan::TableScan(mut scan) if scan.table_name.table() == table => {
            alike &= scan.source.schema() == source.schema();
            scan.source = Arc::clone(source);
            Ok(Transformed::yes(LogicalPlan::TableScan(scan)))
        }
        other => Ok(Transformed::no(other)),
    })?;
    Ok(alike.then_some(out.data))
}

#[cfg(test)]
mod tests;
