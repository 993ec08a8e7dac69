//! What the unit tests of koers' plan rewrites share: a table in memory, a session with or
//! without a rule, and a query's answer beside its plan.

use std::sync::Arc;

use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::{Field, Schema};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_optimizer::PhysicalOptimizerRule;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{SessionConfig, SessionContext};

/// A table of `columns` (all nullable), its rows spread over `partitions` partitions (each
/// after the first a slice that does not start at row zero).
pub(crate) fn table(columns: Vec<(&str, ArrayRef)>, partitions: usize) -> Arc<MemTable> {
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema.clone(), columns.into_iter().map(|c| c.1).collect()).unwrap();
    let rows = batch.num_rows();
    let per = rows.div_ceil(partitions);
    let parts = (0..partitions)
        .map(|p| vec![batch.slice(p * per, per.min(rows - p * per))])
        .collect();
    Arc::new(MemTable::try_new(schema, parts).unwrap())
}

/// A session of `partitions` partitions with DataFusion's rules, and `rules` after them in
/// their order.
pub(crate) fn session(
    partitions: usize,
    rules: Vec<Arc<dyn PhysicalOptimizerRule + Send + Sync>>,
) -> SessionContext {
    let mut builder = SessionStateBuilder::new()
        .with_config(SessionConfig::new().with_target_partitions(partitions))
        .with_default_features();
    for rule in rules {
        builder = builder.with_physical_optimizer_rule(rule);
    }
    SessionContext::new_with_state(builder.build())
}

/// The answer to `sql` as a table, and the plan it ran by.
pub(crate) async fn run(ctx: &SessionContext, sql: &str) -> (String, String) {
    let df = ctx.sql(sql).await.unwrap();
    let plan = df.clone().create_physical_plan().await.unwrap();
    let shown = displayable(plan.as_ref()).indent(true).to_string();
    let batches = df.collect().await.unwrap();
    (pretty_format_batches(&batches).unwrap().to_string(), shown)
}

/// [`run`], with the answer's lines sorted (for queries without an order).
pub(crate) async fn run_sorted(ctx: &SessionContext, sql: &str) -> (String, String) {
    let (answer, plan) = run(ctx, sql).await;
    let mut lines: Vec<&str> = answer.lines().collect();
    lines.sort_unstable();
    (lines.join("\n"), plan)
}

/// `table` as `t` in a session with koers' [`crate::filter::FilterRule`] and in one without:
/// each query in `rewritten` answers alike in both and shows `marker` in its plan, each in
/// `kept` answers alike and does not.
pub(crate) async fn filters_answer_alike(
    table: Arc<MemTable>,
    marker: &str,
    rewritten: &[&str],
    kept: &[&str],
) {
    let plain = session(2, vec![]);
    let ours = session(2, vec![Arc::new(crate::filter::FilterRule)]);
    for ctx in [&plain, &ours] {
        ctx.register_table("t", Arc::clone(&table) as _).unwrap();
    }
    for (sqls, shown) in [(rewritten, true), (kept, false)] {
        for sql in sqls {
            let (expected, _) = run_sorted(&plain, sql).await;
            let (got, plan) = run_sorted(&ours, sql).await;
            assert_eq!(got, expected, "{sql}");
            assert_eq!(plan.contains(marker), shown, "{sql}\n{plan}");
        }
    }
}
