//! Hostile and mutated input to every importer and the SQL gate: errors are expected, panics
//! are not. A cheap, deterministic companion of the fuzz targets in `fuzz/` (`scripts/fuzz`).

use koers_engine::{Format, NoProgress};

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
    let hostile: [&[u8]; 6] = [
        b"",
        b"\xef\xbb\xbf",
        b"PK\x03\x04\x14\x00\x00\x00",
        b"SQLite format 3\x00",
        b"{\"type\":\"FeatureCollection\",\"features\":[[[[[[[[[[[[[[[[",
        b"a,b\n\"unterminated\n",
    ];
    let targets = [
        (Format::Csv, "csv", &csv),
        (Format::GeoJson, "geojson", &geojson),
        (Format::Xlsx, "xlsx", &csv),
        (Format::Shapefile, "zip", &csv),
        (Format::GeoPackage, "gpkg", &csv),
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
