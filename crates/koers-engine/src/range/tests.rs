use super::*;
use datafusion::arrow::array::{
    Date32Array, Float64Array, Int32Array, Int64Array, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::Field;
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::datasource::MemTable;
use datafusion::execution::SessionStateBuilder;
use datafusion::physical_plan::displayable;
use datafusion::prelude::{SessionConfig, SessionContext};

/// Values at every edge a range has: the type's least and greatest, around zero, nulls.
fn table() -> Arc<MemTable> {
    let ints: Vec<Option<i32>> = vec![
        Some(i32::MIN),
        Some(-5),
        Some(-1),
        Some(0),
        Some(1),
        Some(4),
        Some(5),
        None,
        Some(10),
        Some(i32::MAX),
    ];
    let bigs: Vec<Option<i64>> = vec![
        Some(i64::MIN),
        Some(i64::MIN + 1),
        Some(-1),
        Some(0),
        None,
        Some(7),
        Some(1_000_000_000_000),
        Some(i64::MAX - 1),
        Some(i64::MAX),
        Some(3),
    ];
    // Around the turn of 2024 and 2025, in microseconds.
    let year = 1_704_067_200_000_000_i64;
    let next = 1_735_689_600_000_000_i64;
    let times: Vec<Option<i64>> = vec![
        Some(year - 1),
        Some(year),
        Some(year + 1),
        None,
        Some(next - 1),
        Some(next),
        Some(next + 1),
        Some(0),
        Some(i64::MIN),
        Some(i64::MAX),
    ];
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("i", Arc::new(Int32Array::from(ints))),
        ("b", Arc::new(Int64Array::from(bigs))),
        ("ts", Arc::new(TimestampMicrosecondArray::from(times))),
        (
            "d",
            Arc::new(Date32Array::from(vec![
                Some(19_722),
                Some(19_723),
                None,
                Some(20_088),
                Some(20_089),
                Some(0),
                Some(-1),
                Some(19_800),
                Some(i32::MAX),
                Some(i32::MIN),
            ])),
        ),
        (
            "f",
            Arc::new(Float64Array::from(vec![
                Some(f64::NAN),
                Some(-0.0),
                Some(0.0),
                Some(1.5),
                None,
                Some(f64::INFINITY),
                Some(2.0),
                Some(-2.0),
                Some(3.0),
                Some(0.5),
            ])),
        ),
    ];
    let schema = Arc::new(Schema::new(
        columns
            .iter()
            .map(|(n, a)| Field::new(*n, a.data_type().clone(), true))
            .collect::<Vec<_>>(),
    ));
    let batch =
        RecordBatch::try_new(schema.clone(), columns.into_iter().map(|c| c.1).collect()).unwrap();
    // Two partitions, the second a slice that does not start at zero.
    let parts = vec![vec![batch.slice(0, 3)], vec![batch.slice(3, 7)]];
    Arc::new(MemTable::try_new(schema, parts).unwrap())
}

fn context(rule: bool) -> SessionContext {
    let mut builder = SessionStateBuilder::new()
        .with_config(SessionConfig::new().with_target_partitions(2))
        .with_default_features();
    if rule {
        builder = builder.with_physical_optimizer_rule(Arc::new(crate::filter::FilterRule));
    }
    let ctx = SessionContext::new_with_state(builder.build());
    ctx.register_table("t", table()).unwrap();
    ctx
}

/// The rows, sorted, and whether the plan tests a range in one pass.
async fn answer(ctx: &SessionContext, sql: &str) -> (String, bool) {
    let df = ctx.sql(sql).await.unwrap();
    let plan = df.clone().create_physical_plan().await.unwrap();
    let shown = displayable(plan.as_ref()).indent(true).to_string();
    let mut lines: Vec<String> = pretty_format_batches(&df.collect().await.unwrap())
        .unwrap()
        .to_string()
        .lines()
        .map(str::to_string)
        .collect();
    lines.sort();
    (lines.join("\n"), shown.contains("(one pass)"))
}

#[tokio::test]
async fn a_range_in_one_pass_keeps_every_row_the_comparisons_keep() {
    let fused = [
        "SELECT * FROM t WHERE ts >= TIMESTAMP '2024-01-01 00:00:00' AND ts < TIMESTAMP '2025-01-01 00:00:00'",
        "SELECT * FROM t WHERE ts > TIMESTAMP '2024-01-01 00:00:00' AND ts <= TIMESTAMP '2025-01-01 00:00:00'",
        "SELECT i FROM t WHERE i >= -1 AND i < 5",
        "SELECT i FROM t WHERE -1 <= i AND 5 > i",
        "SELECT i FROM t WHERE i > -6 AND i <= 4 AND i >= -5 AND i < 100",
        "SELECT i FROM t WHERE i >= 5 AND i < 5",
        "SELECT i FROM t WHERE i > 5 AND i < 3",
        "SELECT i FROM t WHERE i >= -2147483648 AND i <= 2147483647",
        "SELECT i FROM t WHERE i > 2147483646 AND i <= 2147483647",
        "SELECT i FROM t WHERE i >= -2147483648 AND i < -2147483647",
        "SELECT b FROM t WHERE b >= -9223372036854775808 AND b < 1",
        "SELECT b FROM t WHERE b > 0 AND b <= 9223372036854775807",
        "SELECT b FROM t WHERE b > -9223372036854775808 AND b < 9223372036854775807",
        "SELECT b FROM t WHERE b > 9223372036854775806 AND b <= 9223372036854775807",
        "SELECT d FROM t WHERE d >= DATE '2024-01-01' AND d < DATE '2025-01-01'",
        "SELECT i, b FROM t WHERE i >= 0 AND b >= 0 AND i < 10 AND b < 100 AND f > 0",
        "SELECT i FROM t WHERE i >= 0 AND i < 10 AND (b IS NULL OR b > 5)",
    ];
    let kept = [
        // One side only, floats, a column against a column, a bound that is null.
        "SELECT i FROM t WHERE i >= 0",
        "SELECT f FROM t WHERE f >= -0.0 AND f < 3",
        "SELECT f FROM t WHERE f > 0 AND f <= 'NaN'::double",
        "SELECT i FROM t WHERE i >= b AND i < 10",
        "SELECT i FROM t WHERE i >= CAST(NULL AS INT) AND i < 10",
        "SELECT i FROM t WHERE i >= 0 OR i < -3",
    ];
    let plain = context(false);
    let ranged = context(true);
    for (sqls, one_pass) in [(&fused[..], true), (&kept[..], false)] {
        for sql in sqls {
            let (expected, _) = answer(&plain, sql).await;
            let (got, fused) = answer(&ranged, sql).await;
            assert_eq!(got, expected, "{sql}");
            assert_eq!(fused, one_pass, "{sql}");
        }
    }
}

#[tokio::test]
async fn a_range_reads_as_the_bounds_it_was_written_with() {
    let ctx = context(true);
    let df = ctx
        .sql("SELECT i FROM t WHERE i > 3 AND i >= 1 AND i <= 9 AND i < 20")
        .await
        .unwrap();
    let plan = df.create_physical_plan().await.unwrap();
    let shown = displayable(plan.as_ref()).indent(true).to_string();
    assert!(shown.contains("i@0 > 3 AND i@0 <= 9 (one pass)"), "{shown}");
}
