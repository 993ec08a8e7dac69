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
