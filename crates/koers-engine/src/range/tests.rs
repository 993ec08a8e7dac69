use super::*;
use crate::testing::filters_answer_alike;
use datafusion::arrow::array::{
    Date32Array, Float64Array, Int32Array, Int64Array, TimestampMicrosecondArray,
};
use datafusion::datasource::MemTable;

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
    crate::testing::table(columns, 2)
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
        "SELECT b FROM t WHERE b >= -9223372036854775808 AND b < 1",
        "SELECT b FROM t WHERE b > 0 AND b <= 9223372036854775807",
        "SELECT b FROM t WHERE b > -9223372036854775808 AND b < 9223372036854775807",
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
        // A range of one value: DataFusion knows the column is constant there, and what it
        // planned above may rest on that (see `crate::filter`).
        "SELECT i FROM t WHERE i > 2147483646 AND i <= 2147483647",
        "SELECT i FROM t WHERE i >= -2147483648 AND i < -2147483647",
        "SELECT b FROM t WHERE b > 9223372036854775806 AND b <= 9223372036854775807",
    ];
    filters_answer_alike(table(), "(one pass)", &fused, &kept).await;
}

#[tokio::test]
async fn a_range_reads_as_the_bounds_it_was_written_with() {
    let ctx = crate::testing::session(2, vec![Arc::new(crate::filter::FilterRule)]);
    ctx.register_table("t", table()).unwrap();
    let sql = "SELECT i FROM t WHERE i > 3 AND i >= 1 AND i <= 9 AND i < 20";
    let (_, shown) = crate::testing::run(&ctx, sql).await;
    assert!(shown.contains("i@0 > 3 AND i@0 <= 9 (one pass)"), "{shown}");
}

#[test]
fn a_range_written_as_sql_is_its_bounds() {
    let schema = Schema::new(vec![datafusion::arrow::datatypes::Field::new(
        "i",
        DataType::Int32,
        true,
    )]);
    let bound = |op, v: i32| -> Arc<dyn PhysicalExpr> {
        Arc::new(BinaryExpr::new(
            Arc::new(Column::new("i", 0)),
            op,
            Arc::new(Literal::new(ScalarValue::Int32(Some(v)))),
        ))
    };
    let predicate = conjunction([bound(Operator::Gt, 3), bound(Operator::LtEq, 9)]);
    let range = fused(&predicate, &schema).unwrap().expect("a range");
    let sql = datafusion::physical_expr_common::physical_expr::fmt_sql(range.as_ref());
    assert_eq!(sql.to_string(), "i > 3 AND i <= 9");
}
