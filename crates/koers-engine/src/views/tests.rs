use super::*;
use crate::testing::filters_answer_alike;
use datafusion::arrow::array::{ArrayRef, RecordBatch};
use datafusion::arrow::datatypes::Field;
use datafusion::datasource::MemTable;

/// Texts of every length around 12 bytes, alike and not, with nulls; `short` holds only
/// short ones, `long` some longer than a view, `sliced` short ones in an array that also
/// holds data buffers (a slice of one with long strings).
fn table() -> Arc<MemTable> {
    let short = [
        Some("GM0344"),
        Some("GM0307"),
        Some(""),
        None,
        Some("twaalf-bytes"),
        Some("PV20"),
        Some("road"),
        Some("GM0344"),
    ];
    let long = [
        Some("GM0344"),
        Some("GM0308"),
        Some(""),
        Some("x"),
        Some("twaalf-bytes"),
        Some("een veel langere tekst dan twaalf"),
        None,
        Some("een veel langere tekst dan twaalf"),
    ];
    let mut padded: Vec<Option<&str>> = vec![Some("een veel langere tekst dan twaalf")];
    padded.extend(short);
    let sliced = StringViewArray::from(padded).slice(1, short.len());
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("short", Arc::new(StringViewArray::from(short.to_vec()))),
        ("long", Arc::new(StringViewArray::from(long.to_vec()))),
        ("sliced", Arc::new(sliced)),
    ];
    crate::testing::table(columns, 2)
}

#[tokio::test]
async fn texts_compared_as_views_keep_every_row_arrow_keeps() {
    let compared = [
        "SELECT * FROM t WHERE short <> long",
        "SELECT * FROM t WHERE sliced <> long",
        "SELECT * FROM t WHERE 'GM0344' <> short",
        "SELECT * FROM t WHERE long <> ''",
        "SELECT * FROM t WHERE sliced = 'road' OR long = short",
        "SELECT * FROM t WHERE NOT (short = long)",
        // Joins' filters: a hash join's, and a nested loop's (q5's shape).
        "SELECT a.short, b.long FROM t a JOIN t b ON a.short = b.short AND a.long <> b.sliced",
        "SELECT a.short, b.long FROM t a JOIN t b ON a.short = b.long OR a.sliced = b.short",
        "SELECT a.short, b.sliced FROM t a JOIN t b ON a.short = b.sliced OR b.long = 'twaalf-bytes'",
        "SELECT a.short, b.long FROM t a JOIN t b \
         ON a.long = 'een veel langere tekst dan twaalf' OR a.short = 'GM0344' AND b.long <> ''",
    ];
    let kept = [
        "SELECT * FROM t WHERE short < long",
        "SELECT * FROM t WHERE short LIKE 'GM%'",
        "SELECT * FROM t WHERE short IS NOT DISTINCT FROM long",
        // A filter's `=`: DataFusion knows equal columns and constants from it, and what it
        // planned above may rest on that (see `crate::filter`).
        "SELECT * FROM t WHERE short = long",
        "SELECT * FROM t WHERE short = sliced",
        "SELECT * FROM t WHERE short = 'GM0344'",
        "SELECT * FROM t WHERE long = 'twaalf-bytes'",
        "SELECT * FROM t WHERE long = 'een veel langere tekst dan twaalf'",
    ];
    filters_answer_alike(table(), "(views)", &compared, &kept).await;
}

/// The fast path and Arrow's comparison agree row by row, nulls included, whichever side
/// the literal stands on.
#[test]
fn a_comparison_of_views_is_arrows_comparison() {
    let schema = Schema::new(vec![
        Field::new("a", DataType::Utf8View, true),
        Field::new("b", DataType::Utf8View, true),
    ]);
    let a: ArrayRef = Arc::new(StringViewArray::from(vec![
        Some("kort"),
        None,
        Some("precies12byt"),
        Some("dertien bytes"),
        Some(""),
    ]));
    let b: ArrayRef = Arc::new(StringViewArray::from(vec![
        Some("kort"),
        Some("x"),
        Some("precies12byt"),
        Some("dertien bytes"),
        None,
    ]));
    let batch = RecordBatch::try_new(Arc::new(schema), vec![a, b]).unwrap();
    let col = |n: &str, i| -> Arc<dyn PhysicalExpr> {
        Arc::new(datafusion::physical_expr::expressions::Column::new(n, i))
    };
    let lit = |s: &str| -> Arc<dyn PhysicalExpr> {
        Arc::new(datafusion::physical_expr::expressions::Literal::new(
            ScalarValue::Utf8View(Some(s.into())),
        ))
    };
    for negated in [false, true] {
        for (left, right) in [
            (col("a", 0), col("b", 1)),
            (col("a", 0), lit("kort")),
            (lit("precies12byt"), col("b", 1)),
            (col("a", 0), lit("dertien bytes")),
        ] {
            let ours = ViewsEqual {
                left: Arc::clone(&left),
                right: Arc::clone(&right),
                negated,
            };
            let op = if negated {
                Operator::NotEq
            } else {
                Operator::Eq
            };
            let arrow = BinaryExpr::new(left, op, right);
            let got = ours.evaluate(&batch).unwrap().into_array(5).unwrap();
            let expected = arrow.evaluate(&batch).unwrap().into_array(5).unwrap();
            assert_eq!(got.as_boolean(), expected.as_boolean(), "{ours}");
        }
    }
}

/// Short texts lose their data buffers and keep their values and nulls; arrays with a longer
/// text, or without buffers, are left as they are.
#[test]
fn short_texts_are_inlined() {
    let mut padded: Vec<Option<&str>> = vec![Some("een veel langere tekst dan twaalf")];
    padded.extend([Some("GM0344"), None, Some(""), Some("twaalf-bytes")]);
    let from_buffers = StringViewArray::from(padded.clone());
    // A null whose view still points at the long text.
    let null_over_long = StringViewArray::new(
        from_buffers.views().clone(),
        from_buffers.data_buffers().to_vec(),
        Some(NullBuffer::from(vec![false, true, false, true, true])),
    );
    for a in [from_buffers.slice(1, 4), null_over_long] {
        assert!(!a.data_buffers().is_empty());
        let before: ArrayRef = Arc::new(a.clone());
        let after = inlined(&before).expect("all short");
        let after = after.as_string_view();
        assert!(after.data_buffers().is_empty());
        assert_eq!(after, &a, "same values and nulls");
    }
    assert!(
        inlined(&(Arc::new(from_buffers) as ArrayRef)).is_none(),
        "a long text"
    );
    let no_buffers: ArrayRef = Arc::new(StringViewArray::from(vec![Some("PV26"), None]));
    assert!(inlined(&no_buffers).is_none(), "nothing to drop");
    let other: ArrayRef = Arc::new(datafusion::arrow::array::Int32Array::from(vec![1]));
    assert!(inlined(&other).is_none(), "not text");
}
