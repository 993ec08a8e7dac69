//! The logistics-movement monitor of the demo: generated movements, or a folder as
//! `bench/gen_movements.py` writes it, with analyses, indicators and a monitor.

use super::{koers, query_csv, text};
use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use koers_core::analysis::{Param, ParamKind};
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

fn db(d: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(d.join("koers.db")).unwrap()
}

fn count(c: &rusqlite::Connection, sql: &str) -> i64 {
    c.query_row(sql, [], |r| r.get(0)).unwrap()
}

/// Every saved analysis of the monitor, run through `koers query` with its defaults: the
/// columns it answers with.
/// The SQL with each parameter written as its default (`koers query` takes plain SQL; the
/// demo's defaults are plain numbers and texts, so writing them in is safe here).
fn with_defaults(sql: &str, params: &[Param]) -> String {
    let mut sql = sql.to_string();
    for p in params {
        let literal = match p.kind {
            ParamKind::Text => format!("'{}'", p.default.replace('\'', "''")),
            _ => format!("({})", p.default),
        };
        sql = sql.replace(&format!("{{{{{}}}}}", p.name), &literal);
    }
    sql
}

fn run_analyses(d: &Path) -> BTreeMap<String, Vec<String>> {
    let c = db(d);
    let mut st = c
        .prepare(
            "SELECT title, sql_text, parameters FROM analyses WHERE sql_text LIKE '%movements%'",
        )
        .unwrap();
    let rows: Vec<(String, String, String)> = st
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = BTreeMap::new();
    for (title, sql, params) in rows {
        let params: Vec<Param> = serde_json::from_str(&params).unwrap();
        let sql = with_defaults(&sql, &params);
        let o = koers(d, &["query", "--format", "csv", &sql]);
        let (stdout, err) = text(&o);
        assert!(o.status.success(), "{title}: {err}");
        let header = stdout.lines().next().unwrap_or_default();
        out.insert(title, header.split(',').map(str::to_string).collect());
    }
    out
}

#[test]
fn demo_generates_movements_with_a_monitor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = koers(d, &["demo", "--movements-rows", "5000"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("Bron movements geïmporteerd: 5000 rijen."),
        "{out}"
    );
    assert!(
        out.contains("Bron municipalities geïmporteerd: 342 rijen."),
        "{out}"
    );

    let (list, _) = text(&koers(d, &["dataset", "list"]));
    assert!(
        list.contains("Gegenereerde goederenbewegingen (demo)"),
        "{list}"
    );
    let o = koers(
        d,
        &[
            "query",
            "--format",
            "csv",
            "SELECT COUNT(*) AS n, MIN(ts) >= TIMESTAMP '2021-01-01' AND MAX(ts) < TIMESTAMP '2026-01-01' AS in_range, COUNT(DISTINCT mode) AS modes FROM movements",
        ],
    );
    assert_eq!(
        text(&o).0,
        "n,in_range,modes\n5000,true,4\n",
        "{}",
        text(&o).1
    );
    assert_eq!(
        query_csv(
            d,
            "SELECT province_code FROM municipalities WHERE gm_code = 'GM0344'"
        ),
        "province_code\nPV26\n"
    );

    let c = db(d);
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM datasets WHERE name IN ('movements', 'municipalities') AND generated = 1"
        ),
        2
    );
    // The logistics case's three (the demo's other monitor follows bathing water).
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM indicators i JOIN analyses a ON a.id = i.analysis_id WHERE a.sql_text LIKE '%movements%'"
        ),
        3
    );
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM monitors m JOIN monitor_indicators i ON i.monitor_id = m.id WHERE m.name = 'Logistieke bewegingen'"
        ),
        3
    );
    // Every indicator was refreshed once and has a value, the bathing water one too.
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(DISTINCT indicator_id) FROM indicator_results WHERE latest_value IS NOT NULL"
        ),
        4
    );
    // The digital twin: the generated buildings and plans, marked as generated.
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM datasets WHERE name IN ('gebouwen_utrecht', 'geplande_gebouwen') AND generated = 1"
        ),
        2
    );
    // The administrator's audit log reads every action and object the demo wrote in words,
    // in Dutch and in English.
    for (kind, column) in [("action", "action"), ("object", "object_type")] {
        let mut q = c
            .prepare(&format!("SELECT DISTINCT {column} FROM audit_log"))
            .unwrap();
        let codes: Vec<String> = q
            .query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        assert!(codes.len() > 20, "{codes:?}");
        for code in codes {
            for lang in [koers_web::i18n::Lang::Nl, koers_web::i18n::Lang::En] {
                let key = format!("audit.{kind}.{code}");
                assert!(
                    koers_web::i18n::known(lang, &key).is_some(),
                    "{key} in {lang:?}"
                );
            }
        }
    }
    // The board member finds a choice waiting: advised, on the agenda of a meeting to come.
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM choices ch JOIN meeting_items i ON i.choice_id = ch.id \
             JOIN meetings m ON m.id = i.meeting_id \
             WHERE ch.status = 'advised' AND m.held_on > date('now')"
        ),
        1
    );
    // Their analyst said what the result columns mean: the dashboards read words.
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(*) FROM analyses WHERE title = 'Tonnen per provincie' \
             AND column_labels LIKE '%\"tonnes_out\":{\"title\":\"Vertrekkend gewicht\",\"unit\":\"ton\"}%'"
        ),
        1
    );
    // The monitor's seven analyses and the modal-shift scenario's two.
    let columns = run_analyses(d);
    assert_eq!(columns.len(), 9, "{columns:?}");
    assert_eq!(
        columns["Scenario modal shift: stromen tussen provincies"],
        [
            "origin_province_code",
            "dest_province_code",
            "wegvervoer_ton",
            "binnenvaart_ton"
        ]
    );
    assert_eq!(
        columns["Goederenvervoer per week, provincie en modaliteit"],
        [
            "week",
            "province_code",
            "province_name",
            "mode",
            "movements",
            "tonnes"
        ]
    );
    assert_eq!(columns["Tonnen per gemeente"][0], "gm_code");
    assert_eq!(columns["Tonnen per provincie"][0], "province_code");
    assert!(
        columns["Verandering ten opzichte van vorig jaar per provincie"]
            .contains(&"change_pct".to_string())
    );

    // Bad requests change nothing.
    let other = tempfile::tempdir().unwrap();
    let o = koers(other.path(), &["demo", "--movements-rows", "0"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("--movements-rows"), "{}", text(&o).1);
    let o = koers(
        other.path(),
        &[
            "demo",
            "--movements",
            other.path().join("nergens").to_str().unwrap(),
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("movements.parquet"), "{}", text(&o).1);
    assert_eq!(text(&koers(other.path(), &["org", "list"])).0, "");
}

/// A tiny folder as `gen_movements.py` writes it: two municipalities, `n` movements.
fn folder(dir: &Path, n: usize) {
    std::fs::write(
        dir.join("municipalities.csv"),
        "gm_code,name,province_code,province_name,weight\nGM0344,Utrecht,PV26,Utrecht,370000\nGM0014,Groningen,PV20,Groningen,240000\n",
    )
    .unwrap();
    // From 2024-01-01 on, one movement every 12 hours.
    let start = 1_704_067_200_000_000i64;
    let ids: Vec<i64> = (1..=n as i64).collect();
    let gm = |i: usize| {
        if i.is_multiple_of(3) {
            "GM0014"
        } else {
            "GM0344"
        }
    };
    let columns: Vec<(&str, ArrayRef)> = vec![
        ("id", Arc::new(Int64Array::from(ids.clone()))),
        (
            "ts",
            Arc::new(TimestampMicrosecondArray::from_iter_values(
                ids.iter().map(|i| start + i * 43_200_000_000),
            )),
        ),
        (
            "origin_gm",
            Arc::new(StringArray::from_iter_values((0..n).map(gm))),
        ),
        (
            "dest_gm",
            Arc::new(StringArray::from_iter_values((1..=n).map(gm))),
        ),
        ("origin_lon", Arc::new(Float64Array::from(vec![5.1; n]))),
        ("origin_lat", Arc::new(Float64Array::from(vec![52.09; n]))),
        ("dest_lon", Arc::new(Float64Array::from(vec![6.56; n]))),
        ("dest_lat", Arc::new(Float64Array::from(vec![53.21; n]))),
        (
            "mode",
            Arc::new(StringArray::from_iter_values(
                (0..n).map(|i| ["road", "inland_water", "rail", "sea"][i % 4]),
            )),
        ),
        ("nst_chapter", Arc::new(Int32Array::from(vec![4; n]))),
        ("tonnes", Arc::new(Float64Array::from(vec![20.0; n]))),
        ("distance_km", Arc::new(Float64Array::from(vec![180.5; n]))),
    ];
    let batch = RecordBatch::try_from_iter(columns).unwrap();
    let mut w = ArrowWriter::try_new(
        std::fs::File::create(dir.join("movements.parquet")).unwrap(),
        batch.schema(),
        None,
    )
    .unwrap();
    w.write(&batch).unwrap();
    w.close().unwrap();
}

#[test]
fn demo_imports_a_folder_of_movements() {
    let src = tempfile::tempdir().unwrap();
    folder(src.path(), 1400);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = koers(d, &["demo", "--movements", src.path().to_str().unwrap()]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("Bron movements geïmporteerd: 1400 rijen."),
        "{out}"
    );
    let o = koers(
        d,
        &[
            "query",
            "--format",
            "csv",
            "SELECT g.province_code, COUNT(*) AS n FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm GROUP BY 1 ORDER BY 1",
        ],
    );
    assert_eq!(
        text(&o).0,
        "province_code,n\nPV20,467\nPV26,933\n",
        "{}",
        text(&o).1
    );
    assert_eq!(run_analyses(d).len(), 9);
    let c = db(d);
    assert_eq!(
        count(
            &c,
            "SELECT COUNT(DISTINCT r.indicator_id) FROM indicator_results r JOIN indicators i ON i.id = r.indicator_id JOIN analyses a ON a.id = i.analysis_id WHERE a.sql_text LIKE '%movements%'"
        ),
        3
    );
    let desc: String = c
        .query_row(
            "SELECT description FROM datasets WHERE name = 'movements'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        desc.contains("GEGENEREERDE") && desc.contains("ingelezen uit"),
        "{desc}"
    );

    // A folder whose Parquet lacks the columns is refused before anything is made.
    let bad = tempfile::tempdir().unwrap();
    folder(bad.path(), 3);
    std::fs::write(bad.path().join("municipalities.csv"), "code,naam\n").unwrap();
    let other = tempfile::tempdir().unwrap();
    let o = koers(
        other.path(),
        &["demo", "--movements", bad.path().to_str().unwrap()],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("kopregel"), "{}", text(&o).1);
    assert_eq!(text(&koers(other.path(), &["org", "list"])).0, "");
}
