//! Hostile and mutated input to every importer and the SQL gate: errors are expected, panics
//! are not. A cheap, deterministic companion of the fuzz targets in `fuzz/` (`scripts/fuzz`).

use koers_engine::{Engine, EngineConfig, EngineError, Format, NoProgress};

/// Writes `data` to `input.{ext}` and reads it as `format` to the end, as the fuzz targets do.
fn import(format: Format, ext: &str, data: &[u8]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(format!("input.{ext}"));
    std::fs::write(&path, data).unwrap();
    if let Ok(mut source) = koers_engine::source::open(format, &path, None, None, &NoProgress) {
        while let Ok(Some(_)) = source.next_batch() {}
    }
}

/// Without libFuzzer: each target on a few hostile inputs and on mutations of a valid
/// one (a cheap smoke run; `scripts/fuzz` does the real search).
#[test]
fn targets_survive_hostile_and_mutated_input() {
    let csv = b"gm,naam\nGM0344,Utrecht\n\"GM0307\",\"Amers\"\"foort\"\n".to_vec();
    let geojson = br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"a":1},"geometry":{"type":"Point","coordinates":[5.1,52.1]}}]}"#.to_vec();
    let cityjson = std::fs::read(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures/3dbag-utrecht.city.jsonl"),
    )
    .unwrap();
    let records = br#"[{"naam":"Zwolle","inwoners":129840,"lat":52.5},{"naam":"Urk","extra":[1,{"a":null}]}]"#.to_vec();
    let lines = b"{\"a\":1,\"b\":\"x\"}\n{\"a\":2.5,\"c\":true}\n".to_vec();
    let hostile: [&[u8]; 8] = [
        b"",
        b"\xef\xbb\xbf",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"SQLite format 3\x00",
        b"{\"type\":\"FeatureCollection\",\"features\":[[[[[[[[[[[[[[[[",
        b"a,b\n\"unterminated\n",
        b"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
        b"[{\"a\":1},{\"a\":\"x\"},{},null,\"text\"]",
    ];
    let targets = [
        (Format::Csv, "csv", &csv),
        (Format::GeoJson, "geojson", &geojson),
        (Format::Xlsx, "xlsx", &csv),
        (Format::Shapefile, "zip", &csv),
        (Format::GeoPackage, "gpkg", &csv),
        (Format::CityJson, "jsonl", &cityjson),
        (Format::Json, "json", &records),
        (Format::Json, "ndjson", &lines),
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for (format, ext, valid) in targets {
        for h in hostile {
            import(format, ext, h);
        }
        for _ in 0..100 {
            let mut data = valid.clone();
            for _ in 0..(next() % 4 + 1) {
                let i = (next() as usize) % data.len();
                data[i] = next() as u8;
            }
            data.truncate((next() as usize) % (data.len() + 1));
            import(format, ext, &data);
        }
    }
    for sql in [
        "",
        "SELECT",
        "SELECT * FROM gemeenten;;",
        "WITH RECURSIVE x AS (",
        "\u{0}",
    ] {
        let _ = koers_engine::sandbox::check(sql, &["gemeenten"]);
    }
}

/// Every input a fuzz target crashed on (kept in `tests/fuzzed/<target>/`, named as
/// libFuzzer left it in `fuzz/artifacts/`) is read again: it must now end in an error or in
/// data, never a panic.
#[test]
fn inputs_the_fuzzers_crashed_on_stay_fixed() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fuzzed");
    let mut seen = 0;
    for (target, format, ext) in [
        ("csv", Some(Format::Csv), "csv"),
        ("geojson", Some(Format::GeoJson), "geojson"),
        ("xlsx", Some(Format::Xlsx), "xlsx"),
        ("shapefile", Some(Format::Shapefile), "zip"),
        ("geopackage", Some(Format::GeoPackage), "gpkg"),
        ("sandbox", None, "sql"),
    ] {
        let Ok(entries) = std::fs::read_dir(root.join(target)) else {
            continue;
        };
        for entry in entries {
            let data = std::fs::read(entry.unwrap().path()).unwrap();
            match format {
                Some(format) => import(format, ext, &data),
                None => {
                    let sql = String::from_utf8_lossy(&data);
                    let _ = koers_engine::sandbox::check(&sql, &["gemeenten", "provincies"]);
                }
            }
            seen += 1;
        }
    }
    assert!(seen > 0, "no inputs in {}", root.display());
}

/// The GeoJSON crash (a position with one number inside a polygon ring) through the import
/// and through `ST_GeomFromGeoJSON`: a clear error both ways.
#[tokio::test]
async fn a_position_with_one_number_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ring.geojson");
    std::fs::write(
        &path,
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"naam":"x"},"geometry":{"type":"Polygon","coordinates":[[[5,52],[6,52],[59],[5,52]]]}}]}"#,
    )
    .unwrap();
    let e = koers_engine::source::open(Format::GeoJson, &path, None, None, &NoProgress)
        .err()
        .expect("refused");
    assert!(e.to_string().contains("at least two numbers"), "{e}");
    let e = crate::helpers::engine()
        .query(
            r#"SELECT ST_AsText(ST_GeomFromGeoJSON('{"type":"LineString","coordinates":[[5,52],[6]]}'))"#,
            &[],
        )
        .await
        .expect_err("refused");
    assert!(e.to_string().contains("at least two numbers"), "{e}");
}

/// `n` nested `WITH` queries, each putting the previous value twice side by side with `op`
/// (e.g. `concat({0}, {0})`): 2ⁿ times the first value.
fn doubling(first: &str, op: &str, n: usize) -> String {
    let mut sql = format!("WITH t0 AS (SELECT {first} AS s)");
    for i in 1..=n {
        let twice = op.replace("{0}", "s");
        sql.push_str(&format!(", t{i} AS (SELECT {twice} AS s FROM t{})", i - 1));
    }
    sql.push_str(&format!(" SELECT s FROM t{n}"));
    sql
}

/// Functions whose result can be far larger than their arguments fail with a clear error
/// before they allocate, whether the optimizer would fold them or execution run them; before
/// koers bounded them, each of these aborted the whole process (or grew it by gigabytes).
#[tokio::test]
async fn result_size_functions_are_bounded_by_the_memory_limit() {
    let engine = crate::helpers::engine();
    let mut hostile: Vec<String> = [
        "SELECT repeat(arrow_cast('x', 'LargeUtf8'), 1000000000000)",
        "SELECT repeat('x', 2147483647) AS a, repeat('y', 2147483647) AS b",
        "SELECT length(repeat('x', 1000000000000))",
        "SELECT repeat('x', 100000000) FROM unnest(range(100000))",
        "SELECT lpad('', 2147483647)",
        "SELECT rpad('x', 2147483647, 'yz')",
        "SELECT replace(repeat('a', 100000), 'a', repeat('b', 100000))",
        "SELECT regexp_replace(repeat('a', 100000), '', repeat('b', 100000), 'g')",
        "SELECT array_repeat(1, 1000000000000)",
        "SELECT array_repeat(repeat('x', 1000000), 100000)",
        "SELECT array_resize(make_array(1), 1000000000000)",
        "SELECT range(1000000000000)",
        "SELECT generate_series(1, 1000000000000)",
        "SELECT count(*) FROM unnest(range(1000000000000))",
        "SELECT range(TIMESTAMP '1970-01-01', TIMESTAMP '2100-01-01', INTERVAL '1 nanosecond')",
        "SELECT array_to_string(range(1000000), repeat('x', 100000))",
        "SELECT arrow_cast(NULL, 'FixedSizeBinary(2147483647)') FROM unnest(range(10))",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // 2⁴⁰ bytes, folded by the optimizer or computed one level after another.
    for op in ["{0} || {0}", "concat({0}, {0})", "concat_ws(',', {0}, {0})"] {
        hostile.push(doubling("'x'", op, 40));
    }
    for op in [
        "make_array({0}, {0})",
        "[{0}, {0}]",
        "array_concat({0}, {0})",
        "{0} || {0}",
    ] {
        hostile.push(doubling("make_array(1)", op, 40));
    }
    for sql in &hostile {
        match engine.query(sql, &[]).await {
            Err(EngineError::ResourcesExhausted(m)) => {
                assert!(m.contains("memory limit"), "{sql}: {m}")
            }
            Err(EngineError::Query(m)) if m.contains("arrow_cast") => {}
            other => panic!("{sql}: expected a refusal, got {other:?}"),
        }
    }
}

/// What the bounded functions make, and what a query keeps for its answer, counts against the
/// query's memory limit together: each of these is small per value but not in all.
#[tokio::test]
async fn function_results_and_kept_rows_count_against_the_memory_limit() {
    let engine = Engine::new(EngineConfig {
        memory_limit_bytes: 64 << 20,
        target_partitions: 2,
        ..EngineConfig::default()
    });
    let columns: Vec<String> = (0..20)
        .map(|i| format!("repeat('x', 5000000) AS c{i}"))
        .collect();
    for sql in [
        format!("SELECT {}", columns.join(", ")),
        "SELECT repeat('x', 1000) FROM unnest(range(1000000))".to_string(),
        // A literal copied into every row: only the kept rows count.
        format!(
            "SELECT '{}' AS s FROM unnest(range(1000000))",
            "x".repeat(1000)
        ),
    ] {
        match engine.query_with(&sql, &[], 10_000_000, None).await {
            Err(EngineError::ResourcesExhausted(_)) => {}
            other => panic!("{sql}: expected ResourcesExhausted, got {other:?}"),
        }
    }
    // One of them alone fits.
    let out = engine
        .query("SELECT length(repeat('x', 5000000)) AS n", &[])
        .await
        .unwrap();
    assert_eq!(out.row_count(), 1);
}

/// The bounded functions still answer as DataFusion's own.
#[tokio::test]
async fn bounded_functions_answer_as_before() {
    let engine = crate::helpers::engine();
    let out = engine
        .query(
            "SELECT repeat('ab', 3) AS r, lpad('7', 3, '0') AS l, rpad('7', 3) AS p, \
             'a' || 'b' AS c, ('a' || NULL) IS NULL AS n, 1 || 'x' AS m, \
             concat('a', NULL, 'b') AS k, concat_ws('-', 'a', 'b') AS w, \
             replace('aXbX', 'X', 'yy') AS x, regexp_replace('a1b22', '[0-9]+', '#', 'g') AS g, \
             array_to_string(array_repeat(1, 3), ',') AS ar, \
             array_to_string(range(1, 4), ',') AS rg, \
             array_to_string(generate_series(1, 3), ',') AS gs, \
             cardinality(array_resize(make_array(1), 5, 0)) AS rs, \
             cardinality(range(DATE '2025-01-01', DATE '2026-01-01', INTERVAL '1 month')) AS months, \
             array_to_string(make_array(1, 2) || make_array(3), ',') AS ac",
            &[],
        )
        .await
        .unwrap();
    let batch = &out.batches[0];
    let text = |name: &str| {
        let col = batch
            .column_by_name(name)
            .unwrap_or_else(|| panic!("{name}"));
        datafusion::arrow::util::display::array_value_to_string(col, 0).unwrap()
    };
    for (name, want) in [
        ("r", "ababab"),
        ("l", "007"),
        ("p", "7  "),
        ("c", "ab"),
        ("n", "true"),
        ("m", "1x"),
        ("k", "ab"),
        ("w", "a-b"),
        ("x", "ayybyy"),
        ("g", "a#b#"),
        ("ar", "1,1,1"),
        ("rg", "1,2,3"),
        ("gs", "1,2,3"),
        ("rs", "5"),
        ("months", "12"),
        ("ac", "1,2,3"),
    ] {
        assert_eq!(text(name), want, "{name}");
    }
    // A series of numbers as a table, a million rows long, is fine.
    let out = engine
        .query("SELECT count(*) AS n FROM unnest(range(1000000))", &[])
        .await
        .unwrap();
    let n = datafusion::arrow::util::display::array_value_to_string(out.batches[0].column(0), 0)
        .unwrap();
    assert_eq!(n, "1000000");
}
