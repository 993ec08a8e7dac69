use super::*;
use crate::engine::EngineConfig;
use datafusion::arrow::array::{Date32Array, Float64Array, Int64Array, StringArray};
use datafusion::arrow::util::pretty::pretty_format_batches;
use datafusion::parquet::arrow::ArrowWriter;
use std::path::Path;

/// Rows `(g, v, w, day)`: a group, an integer, a double and a date (days since 1970).
type Row = (&'static str, i64, f64, i32);

fn write(dir: &Path, name: &str, rows: &[Row]) -> TableRef {
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Utf8, true),
        Field::new("v", DataType::Int64, true),
        Field::new("w", DataType::Float64, true),
        Field::new("d", DataType::Date32, true),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from_iter_values(rows.iter().map(|r| r.0))),
            Arc::new(Int64Array::from_iter_values(rows.iter().map(|r| r.1))),
            Arc::new(Float64Array::from_iter_values(rows.iter().map(|r| r.2))),
            Arc::new(Date32Array::from_iter_values(rows.iter().map(|r| r.3))),
        ],
    )
    .unwrap();
    let path = dir.join(format!("{name}.parquet"));
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    TableRef::new("t", path)
}

fn names(dir: &Path) -> TableRef {
    let schema = Arc::new(Schema::new(vec![
        Field::new("g", DataType::Utf8, false),
        Field::new("naam", DataType::Utf8, false),
    ]));
    let batch = RecordBatch::try_new(
        schema.clone(),
        vec![
            Arc::new(StringArray::from(vec!["a", "b", "c"])),
            Arc::new(StringArray::from(vec!["Aa", "Bee", "Cee"])),
        ],
    )
    .unwrap();
    let path = dir.join("names.parquet");
    let mut w = ArrowWriter::try_new(std::fs::File::create(&path).unwrap(), schema, None).unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
    TableRef::new("names", path)
}

const OLD: &[Row] = &[
    ("a", 1, 0.5, 19000),
    ("a", 4, 1.5, 19010),
    ("b", 2, 2.0, 19040),
    ("b", 7, -1.0, 19041),
    ("c", 3, 3.25, 19100),
];

const NEW: &[Row] = &[
    ("a", 10, 0.25, 19050),
    ("d", 5, 4.0, 19120),
    ("b", -3, 1.0, 19041),
];

struct Fixture {
    _dir: tempfile::TempDir,
    before: Vec<TableRef>,
    after: Vec<TableRef>,
    delta: TableRef,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let all: Vec<Row> = OLD.iter().chain(NEW).copied().collect();
    let names = names(dir.path());
    Fixture {
        before: vec![write(dir.path(), "v1", OLD), names.clone()],
        after: vec![write(dir.path(), "v2", &all), names],
        delta: write(dir.path(), "delta", NEW),
        _dir: dir,
    }
}

fn engine() -> Engine {
    Engine::new(EngineConfig {
        target_partitions: 2,
        ..EngineConfig::default()
    })
}

fn shown(out: &QueryOutput) -> String {
    pretty_format_batches(&out.batches).unwrap().to_string()
}

/// The query's answer after the append: computed in full, and from the state kept before
/// it plus the appended rows. Returns both and whether the second was incremental.
async fn both(sql: &str) -> (String, String, bool) {
    let f = fixture();
    let e = engine();
    let kept = e
        .query_kept(sql, &f.before, None, 1000, None)
        .await
        .unwrap();
    assert!(!kept.output.incremental);
    assert_eq!(
        shown(&kept.output),
        shown(&e.query(sql, &f.before).await.unwrap()),
        "a kept state gives the same answer as the plain query: {sql}"
    );
    let growth = kept.state.map(|state| Growth {
        table: "t".into(),
        deltas: vec![f.delta.clone()],
        state,
    });
    let full = e.query(sql, &f.after).await.unwrap();
    let grown = e
        .query_kept(sql, &f.after, growth, 1000, None)
        .await
        .unwrap();
    (shown(&full), shown(&grown.output), grown.output.incremental)
}

#[tokio::test]
async fn grouped_sums_counts_extremes_and_averages_grow_from_the_appended_rows_only() {
    for sql in [
        "SELECT g, SUM(v), COUNT(*), COUNT(w), MIN(v), MAX(w), AVG(v), AVG(w) FROM t GROUP BY g ORDER BY g",
        "SELECT COUNT(*) AS n, SUM(v) AS total, AVG(v) AS mean FROM t",
        "SELECT g, SUM(v) AS s FROM t GROUP BY g HAVING SUM(v) > 5 ORDER BY s DESC",
        "SELECT date_trunc('month', d) AS maand, COUNT(*) AS n FROM t GROUP BY 1 ORDER BY 1",
        "SELECT n.naam, COUNT(*) AS n, SUM(t.v) AS v FROM t JOIN names n ON t.g = n.g WHERE t.v > 1 GROUP BY n.naam ORDER BY n DESC, n.naam LIMIT 2",
        "SELECT t.g, MAX(n.naam) AS naam, SUM(v) FILTER (WHERE w > 0) AS positief FROM t LEFT JOIN names n ON t.g = n.g GROUP BY t.g ORDER BY t.g",
        "SELECT x.g, x.s * 2 AS dubbel FROM (SELECT g, SUM(v) AS s FROM t GROUP BY g) x ORDER BY dubbel",
        // Several aggregates, joined with each other and with a lookup table.
        "WITH o AS (SELECT g, COUNT(*) AS n FROM t GROUP BY g), d AS (SELECT g, SUM(v) AS s FROM t WHERE w > 0 GROUP BY g) \
         SELECT n.naam, o.n, d.s FROM names n LEFT JOIN o ON o.g = n.g LEFT JOIN d ON d.g = n.g ORDER BY n.naam",
        "WITH a AS (SELECT g, COUNT(*) AS c FROM t GROUP BY g), b AS (SELECT g, COUNT(*) AS k FROM names GROUP BY g) \
         SELECT a.g, c, k FROM a JOIN b ON a.g = b.g ORDER BY 1",
        // A year beside the year before; windows over the groups.
        "WITH y AS (SELECT EXTRACT(YEAR FROM d) AS jaar, g, COUNT(*) AS n FROM t GROUP BY 1, 2) \
         SELECT a.g, a.jaar, a.n, b.n AS vorig FROM y a LEFT JOIN y b ON a.g = b.g AND b.jaar = a.jaar - 1 ORDER BY 1, 2",
        "SELECT g, SUM(v) AS s, SUM(SUM(v)) OVER () AS total, RANK() OVER (ORDER BY SUM(v) DESC, g) AS r FROM t GROUP BY g ORDER BY g",
        // A scalar subquery above the aggregates: its own aggregate is kept too.
        "SELECT x.g, x.s FROM (SELECT g, SUM(v) AS s, MAX(d) AS last FROM t GROUP BY g) x \
         WHERE x.last + 20 <= (SELECT MAX(d) FROM t) ORDER BY x.g",
        "SELECT g, COUNT(*) AS n, (SELECT COUNT(*) FROM t) AS alle FROM t GROUP BY g ORDER BY g",
        // koers' bounded text functions are volatile to the optimizer only.
        "SELECT g || '-' || CAST(EXTRACT(YEAR FROM d) AS VARCHAR) AS sleutel, COUNT(*) AS n FROM t GROUP BY 1 ORDER BY 1",
        "SELECT concat(g, 'x') AS g, SUM(v) FROM t GROUP BY 1 ORDER BY 1",
    ] {
        let (full, grown, incremental) = both(sql).await;
        assert!(incremental, "incremental: {sql}");
        assert_eq!(full, grown, "{sql}");
    }
}

#[tokio::test]
async fn queries_that_cannot_simply_add_rows_run_in_full_with_the_same_answer() {
    for sql in [
        // Not one aggregate of sums, counts and extremes.
        "SELECT g, v FROM t ORDER BY g, v",
        "SELECT g, COUNT(DISTINCT v) FROM t GROUP BY g ORDER BY g",
        "SELECT g, SUM(v) OVER (PARTITION BY g) FROM t ORDER BY 1, 2",
        "SELECT g, MEDIAN(v) FROM t GROUP BY g ORDER BY g",
        "SELECT g, SUM(v) FROM t GROUP BY ROLLUP(g) ORDER BY g",
        "SELECT g, SUM(v + random() * 0) FROM t GROUP BY g ORDER BY g",
        // Time-dependent: tomorrow another answer over the same rows.
        "SELECT g, COUNT(*) FROM t WHERE d <= current_date GROUP BY g ORDER BY g",
        "SELECT g, COUNT(*) FROM t WHERE CAST(d AS TIMESTAMP) > now() - INTERVAL '100 years' GROUP BY g ORDER BY g",
        "SELECT g, COUNT(*) FROM t WHERE v > (SELECT AVG(v) FROM t) GROUP BY g ORDER BY g",
        "SELECT g, v FROM t WHERE d <= (SELECT MAX(d) FROM t) ORDER BY g, v",
        "SELECT x.g FROM (SELECT g, SUM(v) AS s FROM t GROUP BY g) x WHERE x.g IN (SELECT g FROM t WHERE v > 5) ORDER BY 1",
        // The grown table read twice, or on the side an anti join drops.
        "SELECT a.g, COUNT(*) FROM t a JOIN t b ON a.g = b.g GROUP BY a.g ORDER BY a.g",
        "SELECT n.naam, COUNT(*) FROM names n LEFT JOIN t ON t.g = n.g GROUP BY n.naam ORDER BY 1",
        "SELECT n.naam, COUNT(*) FROM names n WHERE n.g NOT IN ('z') AND NOT EXISTS (SELECT 1 FROM t WHERE t.g = n.g) GROUP BY n.naam ORDER BY 1",
        // Rows appended to a grouped subquery change its groups, not add new ones above.
        "SELECT COUNT(*) FROM (SELECT g, SUM(v) AS s FROM t GROUP BY g) x WHERE s > 3",
        // The grown table read outside an aggregate as well.
        "SELECT t.g, t.v, s.total FROM t JOIN (SELECT g, SUM(v) AS total FROM t GROUP BY g) s ON s.g = t.g ORDER BY 1, 2",
    ] {
        let (full, grown, incremental) = both(sql).await;
        assert!(!incremental, "not incremental: {sql}");
        assert_eq!(full, grown, "{sql}");
    }
}

/// An answer is timeless when it depends on the rows read alone: not on the clock, nor on
/// chance, in the query or in any of its subqueries.
#[tokio::test]
async fn an_answer_says_whether_the_same_rows_always_give_it() {
    let f = fixture();
    let e = engine();
    for (sql, timeless) in [
        ("SELECT g, v FROM t ORDER BY g, v", true),
        ("SELECT g || '-' || naam AS x FROM names ORDER BY 1", true),
        ("SELECT g, COUNT(*) FROM t GROUP BY g ORDER BY g", true),
        ("SELECT g, v FROM t WHERE d <= (SELECT MAX(d) FROM t)", true),
        ("SELECT g, v * random() FROM t", false),
        (
            "SELECT g, COUNT(*) FROM t WHERE d <= current_date GROUP BY g",
            false,
        ),
        (
            "SELECT g, v FROM t WHERE CAST(d AS TIMESTAMP) > (SELECT now() - INTERVAL '1 day')",
            false,
        ),
    ] {
        let kept = e
            .query_kept(sql, &f.before, None, 1000, None)
            .await
            .unwrap();
        assert_eq!(kept.timeless, timeless, "{sql}");
    }
}

#[tokio::test]
async fn a_state_without_appended_rows_answers_without_reading_the_data() {
    let f = fixture();
    let e = engine();
    let sql = "SELECT g, SUM(v) FROM t GROUP BY g ORDER BY g";
    let kept = e.query_kept(sql, &f.after, None, 1000, None).await.unwrap();
    assert_eq!(kept.tables, vec!["t".to_string()]);
    let growth = Growth {
        table: "t".into(),
        deltas: Vec::new(),
        state: kept.state.clone().unwrap(),
    };
    // The data file is gone: the answer comes from the state alone.
    let gone = vec![TableRef::new("t", f._dir.path().join("nowhere.parquet"))];
    let again = e
        .query_kept(sql, &f.after, Some(growth.clone()), 1000, None)
        .await;
    let again = again.unwrap();
    assert!(again.output.incremental);
    assert_eq!(shown(&again.output), shown(&kept.output));
    assert!(e.query(sql, &gone).await.is_err());
}

/// A kept state that is damaged, and appended rows whose columns are not the table's (the
/// names table's file): the query is computed again in full, with the full answer.
#[tokio::test]
async fn unusable_growth_is_computed_again_in_full() {
    let f = fixture();
    let e = engine();
    let sql = "SELECT g, SUM(v) FROM t GROUP BY g ORDER BY g";
    let kept = e
        .query_kept(sql, &f.before, None, 1000, None)
        .await
        .unwrap();
    for (deltas, state) in [
        (vec![f.delta.clone()], b"not arrow".to_vec()),
        (vec![names(f._dir.path())], kept.state.clone().unwrap()),
    ] {
        let growth = Growth {
            table: "t".into(),
            deltas,
            state,
        };
        let grown = e
            .query_kept(sql, &f.after, Some(growth), 1000, None)
            .await
            .unwrap();
        assert!(!grown.output.incremental);
        assert_eq!(
            shown(&grown.output),
            shown(&e.query(sql, &f.after).await.unwrap())
        );
        assert!(grown.state.is_some());
    }
}

#[tokio::test]
async fn the_row_limit_and_the_sandbox_hold_as_for_any_query() {
    let f = fixture();
    let e = engine();
    let kept = e
        .query_kept(
            "SELECT g, COUNT(*) FROM t GROUP BY g ORDER BY g",
            &f.after,
            None,
            2,
            None,
        )
        .await
        .unwrap();
    assert!(kept.output.truncated);
    assert_eq!(kept.output.row_count(), 2);
    let refused = e
        .query_kept("SELECT * FROM secret", &f.after, None, 10, None)
        .await;
    assert!(refused.is_err());
}

fn opts(dir: &Path, name: &str) -> crate::ImportOptions {
    crate::ImportOptions {
        output_dir: dir.to_path_buf(),
        file_name: format!("{name}.parquet"),
        ..crate::ImportOptions::default()
    }
}

fn path(t: &TableRef) -> std::path::PathBuf {
    match &t.location {
        crate::TableLocation::File(p) => p.clone(),
        crate::TableLocation::Object(_) => unreachable!(),
    }
}

#[tokio::test]
async fn appended_rows_are_found_after_an_unchanged_start_and_appending_writes_the_whole() {
    let f = fixture();
    let dir = f._dir.path();
    let (v1, v2) = (path(&f.before[0]), path(&f.after[0]));
    let added = crate::import::split_appended(&v1, &v2, &opts(dir, "added"))
        .unwrap()
        .unwrap();
    assert_eq!(added.row_count, NEW.len() as u64);
    let e = engine();
    let sql = "SELECT * FROM t";
    let read = |p: &Path| vec![TableRef::new("t", p)];
    assert_eq!(
        shown(&e.query(sql, &read(&added.path)).await.unwrap()),
        shown(&e.query(sql, std::slice::from_ref(&f.delta)).await.unwrap())
    );
    // Fewer rows, a changed first row, or the same rows: no append.
    assert!(
        crate::import::split_appended(&v2, &v1, &opts(dir, "x"))
            .unwrap()
            .is_none()
    );
    let changed: Vec<Row> = [("z", 1, 0.5, 19000)]
        .into_iter()
        .chain(OLD[1..].iter().copied())
        .chain(NEW.iter().copied())
        .collect();
    let changed = path(&write(dir, "changed", &changed));
    assert!(
        crate::import::split_appended(&v1, &changed, &opts(dir, "x"))
            .unwrap()
            .is_none()
    );
    assert!(
        crate::import::split_appended(&v1, &v1, &opts(dir, "x"))
            .unwrap()
            .is_none()
    );

    // Appending the new rows to v1 makes v2's rows, in order.
    let whole = crate::import::append_version(
        &v1,
        &path(&f.delta),
        &opts(dir, "whole"),
        &crate::NoProgress,
    )
    .unwrap();
    assert_eq!(whole.row_count, (OLD.len() + NEW.len()) as u64);
    assert_eq!(
        shown(&e.query(sql, &read(&whole.path)).await.unwrap()),
        shown(&e.query(sql, &read(&v2)).await.unwrap())
    );
    // Rows with other columns are refused, naming the difference.
    let other = f.before[1].clone();
    let err =
        crate::import::append_version(&v1, &path(&other), &opts(dir, "bad"), &crate::NoProgress)
            .unwrap_err();
    assert!(matches!(err, EngineError::NotAnAppend(_)));
    assert!(err.to_string().contains("ontbreekt: v (Int64)"), "{err}");
    assert!(err.to_string().contains("nieuw: naam (Utf8)"), "{err}");
    assert!(!dir.join("bad.parquet").exists());
}

#[test]
fn numbers_of_two_runs_agree_up_to_the_order_doubles_were_added_in() {
    assert!(same_number(0.1 + 0.2, 0.3));
    assert!(same_number(1e12 + 0.0001, 1e12));
    // ROUND(SUM(x), 1) of a sum that lies on .x5: one step either way.
    assert!(same_number(83.4, 83.5));
    assert!(same_number(7.0, 8.0));
    // The same, with the noise of arithmetic after the rounding (a sum of rounded values).
    assert!(same_number(731_192.0, 731_192.100_000_000_1));
    assert!(same_number(731_192.100_000_000_1, 731_192.0));
    assert!(!same_number(731_192.0, 731_192.200_000_000_1));
    assert!(!same_number(83.3, 83.5));
    assert!(!same_number(1.25, 1.35));
    assert!(!same_number(2.0, 4.0));
}

#[test]
fn answers_agree_as_rows_in_either_order_with_numbers_as_the_same() {
    use serde_json::json;
    let a = json!({"rows": [["b", 2, 1.25], ["a", 1, 0.1]], "n": 2});
    let b = json!({"rows": [["a", 1, 0.1000000000001], ["b", 2, 1.25]], "n": 2});
    assert!(same_answer(&a, &b));
    assert!(!same_answer(
        &a,
        &json!({"rows": [["a", 1, 0.1], ["b", 3, 1.25]], "n": 2})
    ));
    assert!(!same_answer(&a, &json!({"rows": [["a", 1, 0.1]], "n": 2})));
    assert!(!same_answer(
        &a,
        &json!({"rows": [["a", 1, 0.1], ["b", 2, 1.25]]})
    ));
}
