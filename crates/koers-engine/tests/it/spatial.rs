//! Spatial SQL over the real boundaries: functions, the indexed join, metric measures.

use datafusion::arrow::array::{Array, ArrayRef, AsArray, RecordBatch};
use datafusion::arrow::datatypes::{Float64Type, Int64Type};
use koers_engine::TableRef;

use crate::helpers::{Work, boundaries, engine, explain, table};

fn setup(w: &Work) -> Vec<TableRef> {
    let g = w.import(
        &boundaries("municipalities_2025.geojson"),
        "gemeenten.parquet",
    );
    let p = w.import(&boundaries("provinces_2025.geojson"), "provincies.parquet");
    // A grid of points over the Netherlands, with a weight.
    let mut csv = String::from("id,lon,lat,tonnes\n");
    let mut id = 0;
    for i in 0..60 {
        for j in 0..50 {
            let lon = 3.3 + 4.0 * f64::from(i) / 60.0;
            let lat = 50.75 + 2.8 * f64::from(j) / 50.0;
            csv.push_str(&format!("{id},{lon},{lat},{}.5\n", id % 7));
            id += 1;
        }
    }
    let src = w.write("pts.csv", csv.as_bytes());
    let m = w.import(&src, "movements.parquet");
    vec![
        table("gemeenten", &g),
        table("provincies", &p),
        table("movements", &m),
    ]
}

fn strings(a: &ArrayRef) -> Vec<String> {
    let a = datafusion::arrow::compute::cast(a, &datafusion::arrow::datatypes::DataType::Utf8)
        .expect("casts");
    let s = a.as_string::<i32>();
    (0..s.len()).map(|i| s.value(i).to_string()).collect()
}

fn counts(batches: &[RecordBatch]) -> Vec<(String, i64, f64)> {
    let mut out = Vec::new();
    for b in batches {
        let codes = strings(b.column(0));
        for (r, code) in codes.into_iter().enumerate() {
            out.push((
                code,
                b.column(1).as_primitive::<Int64Type>().value(r),
                b.column(2).as_primitive::<Float64Type>().value(r),
            ));
        }
    }
    out
}

const S1: &str = "SELECT g.statcode, COUNT(*) AS movements, SUM(t.tonnes) AS tonnes
FROM movements t
JOIN gemeenten g ON ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326))
GROUP BY g.statcode
ORDER BY g.statcode";

// The same question, worded so that the planner keeps the nested-loop join.
const S1_NESTED: &str = "SELECT g.statcode, COUNT(*) AS movements, SUM(t.tonnes) AS tonnes
FROM movements t
JOIN gemeenten g ON ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326)) OR g.statcode = 'nooit'
GROUP BY g.statcode
ORDER BY g.statcode";

#[tokio::test]
async fn indexed_join_equals_nested_loop() {
    let w = Work::new();
    let tables = setup(&w);
    let e = engine();
    let ctx = e.context(&tables).await.expect("context");
    let text = explain(&ctx, S1).await;
    assert!(text.contains("SpatialJoinExec"), "{text}");
    let nested_text = explain(&ctx, S1_NESTED).await;
    assert!(!nested_text.contains("SpatialJoinExec"), "{nested_text}");

    let fast = e.query(S1, &tables).await.expect("indexed join runs");
    let slow = e.query(S1_NESTED, &tables).await.expect("nested loop runs");
    let (a, b) = (counts(&fast.batches), counts(&slow.batches));
    assert!(a.len() > 100, "{}", a.len());
    assert_eq!(a, b);
    // ST_Within with the arguments the other way round, and ST_Intersects, agree.
    let within = e
        .query(
            &S1.replace(
                "ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326))",
                "ST_Within(ST_Point(t.lon, t.lat, 4326), g.geom)",
            ),
            &tables,
        )
        .await
        .expect("within runs");
    assert_eq!(counts(&within.batches), a);
}

#[tokio::test]
async fn a_condition_beside_the_spatial_predicate_keeps_the_index() {
    let w = Work::new();
    let tables = setup(&w);
    let e = engine();
    // The extra condition reads both sides, so it cannot move below the join.
    let cond =
        "ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326)) AND t.tonnes < LENGTH(g.statcode)";
    let indexed = S1.replace("ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326))", cond);
    let nested = S1_NESTED.replace(
        "ST_Contains(g.geom, ST_Point(t.lon, t.lat, 4326))",
        &format!("({cond})"),
    );
    let ctx = e.context(&tables).await.expect("context");
    let text = explain(&ctx, &indexed).await;
    assert!(text.contains("SpatialJoinExec"), "{text}");
    let fast = e.query(&indexed, &tables).await.expect("indexed join runs");
    let slow = e.query(&nested, &tables).await.expect("nested loop runs");
    let all = e.query(S1, &tables).await.expect("runs");
    let (a, b) = (counts(&fast.batches), counts(&slow.batches));
    assert!(!a.is_empty());
    assert_eq!(a, b);
    // The condition removed rows: fewer movements than without it.
    let total = |c: &[(String, i64, f64)]| c.iter().map(|r| r.1).sum::<i64>();
    assert!(total(&a) < total(&counts(&all.batches)));
}

#[tokio::test]
async fn polygon_polygon_join_uses_the_index() {
    let w = Work::new();
    let tables = setup(&w);
    let out = engine()
        .query(
            "SELECT p.statcode, COUNT(*) AS n FROM provincies p JOIN gemeenten g
             ON ST_Contains(p.geom, ST_Centroid(g.geom)) GROUP BY p.statcode ORDER BY p.statcode",
            &tables,
        )
        .await
        .expect("runs");
    let mut total = 0;
    for b in &out.batches {
        total += b
            .column(1)
            .as_primitive::<Int64Type>()
            .values()
            .iter()
            .sum::<i64>();
    }
    assert_eq!(out.row_count(), 12);
    assert!((330..=342).contains(&total), "{total}");
}

#[tokio::test]
async fn areas_and_distances_in_rd() {
    let w = Work::new();
    let tables = setup(&w);
    let sql = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/it/s2_area_and_distance_rd.sql"),
    )
    .expect("query");
    let out = engine().query(&sql, &tables).await.expect("runs");
    assert_eq!(out.row_count(), 12);
    let b = &out.batches[0];
    let codes = strings(b.column(0));
    let area = b.column(1).as_primitive::<Float64Type>();
    let km = b.column(2).as_primitive::<Float64Type>();
    for (r, code) in codes.iter().enumerate() {
        if code == "PV26" {
            // Utrecht: about 1,560 km² (generalised boundary), 0 km from itself.
            assert!(
                (1400.0..1650.0).contains(&area.value(r)),
                "{}",
                area.value(r)
            );
            assert!(km.value(r).abs() < 1e-9);
        }
        if code == "PV20" {
            // Groningen's centroid lies roughly 150 km from Utrecht's.
            assert!((120.0..190.0).contains(&km.value(r)), "{}", km.value(r));
        }
    }
}

#[tokio::test]
async fn self_intersecting_polygon_is_not_valid_in_sql() {
    let w = Work::new();
    let src = w.write(
        "bow.geojson",
        br#"{"type":"FeatureCollection","features":[{"type":"Feature","properties":{"id":1},"geometry":{"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]}}]}"#,
    );
    let v = w.import(&src, "bow.parquet");
    let out = engine()
        .query(
            "SELECT ST_IsValid(geom) AS ok, ST_GeometryType(geom) AS t FROM bow",
            &[table("bow", &v)],
        )
        .await
        .expect("runs");
    let b = &out.batches[0];
    assert!(!b.column(0).as_boolean().value(0));
    assert_eq!(strings(b.column(1)), ["ST_Polygon"]);
}
