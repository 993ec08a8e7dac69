//! koers' vector tiles against PostGIS `ST_AsMVT` on the same points: every non-empty tile of
//! zoom 6 to 10 holds the same number of features and stands for the same number of points,
//! one by one where a tile has at most 4,096 and counted per cell of a 128 × 128 grid where it
//! has more. PostGIS runs in the test PostgreSQL server (`scripts/postgres` makes the database
//! `koers_postgis` with the extension; `scripts/test` installs PostGIS).

use std::sync::Arc;

use datafusion::arrow::array::{Float64Array, RecordBatch};
use datafusion::arrow::datatypes::{DataType, Field, Schema};
use koers_engine::tiles::{GRID, MAX_POINTS, PointIndex, TileId};
use sqlx::{Connection, Row};

/// The tile's points, half-open like koers' grid: west and north edges in, east and south out.
const INSIDE: &str = "geom && env AND ST_X(geom) >= ST_XMin(env) AND ST_X(geom) < ST_XMax(env) \
                      AND ST_Y(geom) > ST_YMin(env) AND ST_Y(geom) <= ST_YMax(env)";

fn cut_sql(many: bool) -> String {
    let e = "WITH e AS (SELECT ST_TileEnvelope($1, $2, $3) AS env)";
    if many {
        format!(
            "{e}, b AS (SELECT env, ST_XMin(env) AS x0, ST_YMax(env) AS y1, \
             (ST_XMax(env) - ST_XMin(env)) / {GRID} AS w FROM e), \
             c AS (SELECT least(floor((ST_X(geom) - b.x0) / b.w)::int, {g}) AS cx, \
                          least(floor((b.y1 - ST_Y(geom)) / b.w)::int, {g}) AS cy \
                   FROM tegelpunten, b WHERE {INSIDE}), \
             g AS (SELECT cx, cy, count(*) AS aantal FROM c GROUP BY cx, cy), \
             q AS (SELECT ST_AsMVTGeom(ST_SetSRID(ST_MakePoint(b.x0 + (g.cx + 0.5) * b.w, \
                     b.y1 - (g.cy + 0.5) * b.w), 3857), b.env, 4096, 0, false) AS geom, g.aantal \
                   FROM g, b) \
             SELECT length(ST_AsMVT(q, 'punten', 4096, 'geom')), count(*), coalesce(sum(aantal), 0)::bigint FROM q",
            g = GRID - 1
        )
    } else {
        format!(
            "{e}, q AS (SELECT ST_AsMVTGeom(geom, env, 4096, 0, false) AS geom, 1 AS aantal \
             FROM tegelpunten, e WHERE {INSIDE}) \
             SELECT length(ST_AsMVT(q, 'punten', 4096, 'geom')), count(*), coalesce(sum(aantal), 0)::bigint FROM q"
        )
    }
}

/// Deterministic places: a dense town (so that low zooms aggregate) and points across the
/// Netherlands.
fn places() -> (Vec<f64>, Vec<f64>) {
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed >> 11) as f64 / (1u64 << 53) as f64
    };
    let (mut lon, mut lat) = (Vec::new(), Vec::new());
    for _ in 0..6_000 {
        lon.push(5.10 + next() * 0.05);
        lat.push(52.07 + next() * 0.04);
    }
    for _ in 0..3_000 {
        lon.push(3.4 + next() * 3.7);
        lat.push(50.8 + next() * 2.6);
    }
    (lon, lat)
}

#[tokio::test]
async fn tiles_hold_what_postgis_st_asmvt_cuts_from_the_same_points() {
    let url = std::env::var("KOERS_TEST_POSTGRES_URL")
        .expect("KOERS_TEST_POSTGRES_URL: scripts/test starts PostgreSQL with PostGIS");
    let base = url.rsplit_once('/').expect("a database in the URL").0;
    let mut db = sqlx::PgConnection::connect(&format!("{base}/koers_postgis"))
        .await
        .expect(
            "the koers_postgis database (scripts/postgres makes it where PostGIS is installed)",
        );
    let (lon, lat) = places();
    sqlx::query("CREATE TEMP TABLE tegelpunten (geom geometry(Point, 3857))")
        .execute(&mut db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO tegelpunten SELECT ST_Transform(ST_SetSRID(ST_MakePoint(x, y), 4326), 3857) \
         FROM unnest($1::float8[], $2::float8[]) AS t(x, y)",
    )
    .bind(&lon)
    .bind(&lat)
    .execute(&mut db)
    .await
    .unwrap();
    let schema = Arc::new(Schema::new(vec![
        Field::new("lon", DataType::Float64, false),
        Field::new("lat", DataType::Float64, false),
    ]));
    let batch = RecordBatch::try_new(
        schema,
        vec![
            Arc::new(Float64Array::from(lon.clone())),
            Arc::new(Float64Array::from(lat.clone())),
        ],
    )
    .unwrap();
    let index = PointIndex::from_batches(&[batch]).unwrap();
    assert_eq!(index.len(), lon.len());
    let (mut compared, mut aggregated) = (0, 0);
    for z in 6..=10u8 {
        for t in TileId::covering(z, 3.0, 50.5, 7.5, 53.8) {
            let n = index.count(t);
            let ours = index.features(t);
            let many = n > MAX_POINTS;
            let row = sqlx::query(&cut_sql(many))
                .bind(i32::from(t.z))
                .bind(t.x as i32)
                .bind(t.y as i32)
                .fetch_one(&mut db)
                .await
                .unwrap();
            let (bytes, features, points): (Option<i32>, i64, i64) =
                (row.get(0), row.get(1), row.get(2));
            assert_eq!(
                (
                    ours.len() as i64,
                    ours.iter().map(|f| f.2).sum::<u64>() as i64
                ),
                (features, points),
                "tile {z}/{}/{}: features and points, koers against PostGIS",
                t.x,
                t.y
            );
            if n > 0 {
                assert!(
                    bytes.unwrap_or(0) > 0,
                    "PostGIS cut tile {z}/{}/{}",
                    t.x,
                    t.y
                );
                compared += 1;
                aggregated += usize::from(many);
            }
        }
    }
    assert!(
        compared > 40 && aggregated >= 5,
        "{compared} tiles, {aggregated} aggregated"
    );
}
