//! Exports to CSV, GeoJSON and Parquet.

use koers_engine::export::{ExportFormat, export};

use crate::helpers::{Work, engine, geom_field, table};

#[tokio::test]
async fn exports_three_formats() {
    let w = Work::new();
    let src = w.write("n.csv", b"name,n\nOLV-toren,1\nelders,2\n");
    let t = table("plekken", &w.import(&src, "plekken.parquet"));
    let out = engine()
        .query(
            "SELECT name, n, CASE WHEN n = 1 THEN ST_Point(155000, 463000, 28992) END AS geom FROM plekken ORDER BY n",
            &[t],
        )
        .await
        .expect("runs");

    let mut csv = Vec::new();
    export(&out, ExportFormat::Csv, &mut csv).expect("csv");
    let csv = String::from_utf8(csv).expect("utf8");
    assert!(csv.starts_with("name,n,geom\n"), "{csv}");
    assert!(csv.contains("OLV-toren,1,POINT(155000 463000)"), "{csv}");

    let mut gj = Vec::new();
    export(&out, ExportFormat::GeoJson, &mut gj).expect("geojson");
    let v: serde_json::Value = serde_json::from_slice(&gj).expect("json");
    let f = &v["features"][0];
    assert_eq!(f["properties"]["name"], "OLV-toren");
    assert_eq!(f["properties"]["n"], 1);
    let c = &f["geometry"]["coordinates"];
    let (lon, lat) = (c[0].as_f64().expect("lon"), c[1].as_f64().expect("lat"));
    assert!(
        (lon - 5.38720).abs() < 1e-4 && (lat - 52.15517).abs() < 1e-4,
        "{lon} {lat}"
    );
    assert!(v["features"][1]["geometry"].is_null());
    // Dates and times as text, not as the numbers stored.
    let when = engine()
        .query(
            "SELECT TIMESTAMP '2024-03-01 08:30:00' AS t, DATE '2024-03-01' AS d, CAST(1.50 AS DECIMAL(5, 2)) AS x",
            &[],
        )
        .await
        .expect("runs");
    let mut gj = Vec::new();
    export(&when, ExportFormat::GeoJson, &mut gj).expect("geojson");
    let v: serde_json::Value = serde_json::from_slice(&gj).expect("json");
    let p = &v["features"][0]["properties"];
    assert_eq!(p["t"], "2024-03-01T08:30:00");
    assert_eq!(p["d"], "2024-03-01");
    assert_eq!(p["x"], "1.50");

    let path = w.dir.path().join("out.parquet");
    let file = std::fs::File::create(&path).expect("create");
    export(&out, ExportFormat::Parquet, file).expect("parquet");
    let field = geom_field(&path);
    assert_eq!(
        field
            .metadata()
            .get("ARROW:extension:metadata")
            .map(String::as_str),
        Some("{\"crs\":\"EPSG:28992\"}")
    );
}

#[tokio::test]
async fn exports_geometry_read_from_a_version_file() {
    let w = Work::new();
    let src = w.write(
        "p.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"naam":"Dom"},"geometry":{"type":"Point","coordinates":[5.1214,52.0907]}}]}"#,
    );
    let t = table("plekken", &w.import(&src, "plekken.parquet"));
    let out = engine()
        .query("SELECT * FROM plekken", &[t])
        .await
        .expect("runs");
    let mut gj = Vec::new();
    export(&out, ExportFormat::GeoJson, &mut gj).expect("geojson");
    let v: serde_json::Value = serde_json::from_slice(&gj).expect("json");
    assert_eq!(v["features"][0]["properties"]["naam"], "Dom");
    assert_eq!(v["features"][0]["geometry"]["coordinates"][0], 5.1214);
    let path = w.dir.path().join("again.parquet");
    export(
        &out,
        ExportFormat::Parquet,
        std::fs::File::create(&path).expect("create"),
    )
    .expect("parquet");
    // The export is itself importable, geometry and CRS intact.
    let again = w.import(&path, "again@1.parquet");
    assert_eq!(again.geometry.map(|g| g.crs), Some("EPSG:4326".to_string()));
}

#[tokio::test]
async fn features_in_a_chosen_crs_with_an_id() {
    let out = engine()
        .query(
            "SELECT * FROM (VALUES (7, 'OLV-toren', ST_Point(155000, 463000, 28992)), (8, 'zonder', NULL)) AS t(fid, name, geom)",
            &[],
        )
        .await
        .expect("runs");
    // Kept in RD New: the coordinates as stored; the id column is the feature id.
    let rd = koers_engine::export::features(&out, 28992, Some("fid")).expect("features");
    assert_eq!(rd.len(), 2);
    assert_eq!(rd[0]["id"], 7);
    assert!(rd[0]["properties"].get("fid").is_none());
    assert_eq!(rd[0]["properties"]["name"], "OLV-toren");
    assert_eq!(
        rd[0]["geometry"]["coordinates"],
        serde_json::json!([155000.0, 463000.0])
    );
    assert!(rd[1]["geometry"].is_null());
    // In WGS84, and without an id column.
    let wgs = koers_engine::export::features(&out, 4326, None).expect("features");
    assert!(wgs[0].get("id").is_none());
    assert_eq!(wgs[0]["properties"]["fid"], 7);
    let c = &wgs[0]["geometry"]["coordinates"];
    assert!((c[0].as_f64().expect("lon") - 5.38720).abs() < 1e-4, "{c}");
}
