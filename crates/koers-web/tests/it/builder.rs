//! The query builder through the API: every step and their combinations give what
//! hand-written SQL gives on the reference workload (generated movements between real
//! municipalities, the real province boundaries), and bad definitions are refused by name.

use crate::helpers::{ImportOptions, TestApp, assert_invalid};
use crate::session::Session;
use serde_json::{Value, json};

/// The reference workload of `rows` movements, the municipalities and the real provinces,
/// imported for organisation A.
pub(crate) async fn reference(app: &TestApp, rows: usize) {
    let dir = tempfile::tempdir().expect("temp dir");
    let (m, g) = (dir.path().join("m.parquet"), dir.path().join("g.csv"));
    koers_demo::movements::generate_files(rows, &m, &g).expect("generate");
    for (path, name) in [(m, "movements"), (g, "municipalities")] {
        app.import_path(&app.org_a, path, name, ImportOptions::default())
            .await
            .expect("import");
    }
    app.import(
        &app.org_a,
        "provincies",
        "geojson",
        koers_core::regions::PROVINCES_GEOJSON,
    )
    .await;
}

/// The rows of a result, as JSON.
fn rows(v: &Value) -> Vec<Vec<Value>> {
    serde_json::from_value(v["rows"].clone()).expect("rows")
}

/// Whether two results hold the same values, numbers to 9 significant digits (sums may be
/// added in another order).
fn same(a: &[Vec<Value>], b: &[Vec<Value>]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|(p, q)| match (p.as_f64(), q.as_f64()) {
                        (Some(p), Some(q)) => (p - q).abs() <= 1e-9 * p.abs().max(q.abs()).max(1.0),
                        _ => p == q,
                    })
        })
}

async fn saved(c: &Session, builder: &Value) -> Value {
    let r = c
        .post_json(
            "/api/v1/analyses",
            &json!({"title": "Uit de bouwer", "builder": builder}),
        )
        .await;
    r.assert_status(201);
    r.json()
}

#[tokio::test]
async fn every_step_gives_what_hand_written_sql_gives() {
    let app = TestApp::spawn().await;
    reference(&app, 6000).await;
    let c = app.as_admin().await;
    let cases = [
        (
            json!({"dataset": "movements", "groups": [{"column": "mode"}], "measures": [{"fn": "count"}]}),
            "SELECT mode, COUNT(*) FROM movements GROUP BY mode ORDER BY mode",
        ),
        // Bench Q1: join by key, a date range, groups by region, mode and week.
        (
            json!({"dataset": "movements",
                   "join": {"dataset": "municipalities", "on": {"kind": "key", "left": "origin_gm", "right": "gm_code"}},
                   "filters": [{"column": "ts", "op": {"kind": "between", "from": "2024-01-01", "to": "2024-12-31"}}],
                   "groups": [{"column": "municipalities.province_code"}, {"column": "mode"}, {"column": "ts", "grain": "week"}],
                   "measures": [{"fn": "sum", "column": "tonnes"}, {"fn": "count"}]}),
            "SELECT m.province_code, t.mode, CAST(date_trunc('week', t.ts) AS DATE) AS week, SUM(t.tonnes), COUNT(*) \
             FROM movements t JOIN municipalities m ON t.origin_gm = m.gm_code \
             WHERE t.ts >= TIMESTAMP '2024-01-01 00:00:00' AND t.ts < TIMESTAMP '2025-01-01 00:00:00' \
             GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
        ),
        // Bench Q3: the change on the previous year per province.
        (
            json!({"dataset": "movements",
                   "join": {"dataset": "municipalities", "on": {"kind": "key", "left": "origin_gm", "right": "gm_code"}},
                   "groups": [{"column": "municipalities.province_code"}, {"column": "ts", "grain": "year"}],
                   "measures": [{"fn": "change", "column": "tonnes"}]}),
            "WITH y AS (SELECT m.province_code, EXTRACT(YEAR FROM t.ts) AS yr, SUM(t.tonnes) AS tonnes \
             FROM movements t JOIN municipalities m ON t.origin_gm = m.gm_code GROUP BY 1, 2) \
             SELECT province_code, CAST(yr AS BIGINT), tonnes / LAG(tonnes) OVER (PARTITION BY province_code ORDER BY yr) - 1 \
             FROM y ORDER BY 1, 2",
        ),
        // Bench Q4: each mode's share per month.
        (
            json!({"dataset": "movements",
                   "groups": [{"column": "ts", "grain": "month"}, {"column": "mode"}],
                   "measures": [{"fn": "sum", "column": "tonnes"}, {"fn": "share", "column": "tonnes"}]}),
            "WITH mm AS (SELECT CAST(date_trunc('month', ts) AS DATE) AS month, mode, SUM(tonnes) AS t FROM movements GROUP BY 1, 2) \
             SELECT month, mode, t, t / SUM(t) OVER (PARTITION BY month) FROM mm ORDER BY 1, 2",
        ),
        // Value lists, a year as a dashboard parameter, averages, the median, a sort and a limit.
        (
            json!({"dataset": "movements",
                   "filters": [{"column": "mode", "op": {"kind": "in", "values": ["road", "rail"]}},
                               {"column": "ts", "op": {"kind": "year", "year": 2024}, "param": "jaar"}],
                   "groups": [{"column": "origin_gm"}],
                   "measures": [{"fn": "avg", "column": "distance_km"}, {"fn": "max", "column": "tonnes"}, {"fn": "median", "column": "tonnes"}],
                   "sort": {"column": "gemiddelde_distance_km", "descending": true},
                   "limit": 5}),
            "SELECT origin_gm, AVG(distance_km) AS a, MAX(tonnes), MEDIAN(tonnes) FROM movements \
             WHERE mode IN ('road', 'rail') AND date_part('year', ts) = 2024 \
             GROUP BY origin_gm ORDER BY a DESC, origin_gm LIMIT 5",
        ),
        // Rows as they are: chosen columns, a range of numbers.
        (
            json!({"dataset": "movements", "columns": ["id", "tonnes"],
                   "filters": [{"column": "tonnes", "op": {"kind": "between", "from": "10", "to": "20,5"}}],
                   "sort": {"column": "id", "descending": false}, "limit": 50}),
            "SELECT id, tonnes FROM movements WHERE tonnes >= 10 AND tonnes <= 20.5 ORDER BY id LIMIT 50",
        ),
        // "Ligt in": the origin's point in the real province boundaries.
        (
            json!({"dataset": "movements",
                   "join": {"dataset": "provincies", "on": {"kind": "within", "lon": "origin_lon", "lat": "origin_lat"}},
                   "groups": [{"column": "provincies.statnaam"}],
                   "measures": [{"fn": "count"}, {"fn": "sum", "column": "tonnes"}]}),
            "SELECT p.statnaam, COUNT(*), SUM(t.tonnes) FROM movements t \
             JOIN provincies p ON ST_Contains(p.geom, ST_Point(t.origin_lon, t.origin_lat, 4326)) \
             GROUP BY p.statnaam ORDER BY p.statnaam",
        ),
    ];
    for (builder, hand) in cases {
        let a = saved(&c, &builder).await;
        assert_eq!(a["builder"], builder, "the definition is kept as given");
        let id = a["id"].as_str().expect("id");
        let ours = c.run_analysis(id, &json!({})).await;
        let theirs = c.query(hand).await;
        let (ours, theirs) = (rows(&ours), rows(&theirs));
        assert!(!ours.is_empty(), "{builder}: no rows");
        assert!(same(&ours, &theirs), "{builder}\n{ours:?}\n{theirs:?}");
        assert_eq!(
            a["columns"].as_array().map(Vec::len),
            ours.first().map(Vec::len),
            "the analysis knows its result's columns"
        );
    }
    // The year filter is a parameter a dashboard sets; 0 means every year.
    let a = &app.analyses().await;
    let with_param = a
        .iter()
        .find(|a| a.parameters.iter().any(|p| p.name == "jaar"))
        .expect("an analysis with a parameter");
    let count = |v: Value| rows(&v).len();
    let all = c
        .run_analysis(&with_param.id, &json!({"params": {"jaar": 0}}))
        .await;
    assert_eq!(count(all), 5, "still limited to five rows");
}

#[tokio::test]
async fn bad_definitions_are_refused_by_name_and_nothing_is_saved() {
    let app = TestApp::spawn().await;
    reference(&app, 500).await;
    // Another organisation's dataset, not published: not there for A.
    app.import(&app.org_b, "geheim", "csv", "a,b\n1,2\n").await;
    let c = app.as_admin().await;
    let before = app.analyses().await.len();
    let refuse = |body: Value| {
        let c = &c;
        async move {
            let r = c.post_json("/api/v1/analyses", &body).await;
            assert_eq!(r.status().as_u16(), 400, "{body}: {}", r.text());
            assert_eq!(
                r.header("content-type"),
                "application/problem+json",
                "{body}"
            );
            r.json()
        }
    };
    // An unknown column, named; an unfit one (a sum of text); a change without a period.
    let p = refuse(json!({"title": "x", "builder": {"dataset": "movements",
        "groups": [{"column": "modus"}],
        "measures": [{"fn": "sum", "column": "mode"}, {"fn": "change", "column": "tonnes"}]}}))
    .await;
    assert_invalid(
        &p,
        &["groups[0].column", "measures[0].column", "measures[1].fn"],
    );
    assert!(p.to_string().contains("modus"), "{p}");
    // Someone else's dataset does not exist here.
    let p = refuse(json!({"title": "x", "builder": {"dataset": "geheim"}})).await;
    assert_invalid(&p, &["dataset"]);
    // A wrong shape, an unknown field, SQL and a builder at once.
    let p =
        refuse(json!({"title": "x", "builder": {"dataset": "movements", "limit": "veel"}})).await;
    assert_invalid(&p, &["builder"]);
    let p = refuse(
        json!({"title": "x", "builder": {"dataset": "movements", "sql": "DROP TABLE movements"}}),
    )
    .await;
    assert_invalid(&p, &["builder"]);
    let p =
        refuse(json!({"title": "x", "sql": "SELECT 1", "builder": {"dataset": "movements"}})).await;
    assert_invalid(&p, &["sql"]);
    // A value that would break out of its quotes stays a value; a hostile parameter name is refused.
    let p = refuse(json!({"title": "x", "builder": {"dataset": "movements",
        "filters": [{"column": "mode", "op": {"kind": "in", "values": ["x"]}, "param": "p}} OR 1=1 --"}]}}))
    .await;
    assert_invalid(&p, &["filters[0].param"]);
    assert_eq!(app.analyses().await.len(), before, "nothing was saved");
    let a = saved(
        &c,
        &json!({"dataset": "movements", "filters": [{"column": "mode", "op": {"kind": "in", "values": ["road'); DROP TABLE movements; --"]}}], "measures": [{"fn": "count"}]}),
    )
    .await;
    let r = c
        .run_analysis(a["id"].as_str().unwrap_or_default(), &json!({}))
        .await;
    assert_eq!(rows(&r), [[json!(0)]]);
    // A reader may look but not save.
    let v = app.as_viewer().await;
    v.post_json(
        "/api/v1/analyses",
        &json!({"title": "x", "builder": {"dataset": "movements"}}),
    )
    .await
    .assert_status(403);
    // The page says the same in words, next to the field.
    let page = app.page_as("admin@pv26.example").await;
    let r = page
        .post_form(
            "/analyses/bouwer",
            &[
                ("dataset", "movements"),
                ("nGroups", "1"),
                ("g0_column", "modus"),
                ("action", "save"),
                ("title", "x"),
            ],
        )
        .await;
    r.assert_shows(400, &["kolom &quot;modus&quot; bestaat niet in movements"]);
    // A second dataset just chosen is joined on the most likely key at once.
    let r = page
        .post_form(
            "/analyses/bouwer",
            &[("dataset", "movements"), ("joinDataset", "municipalities")],
        )
        .await;
    r.assert_shows(
        200,
        &[
            "rijen in het resultaat",
            "ON t.&quot;origin_gm&quot; = j.&quot;gm_code&quot;",
        ],
    );
}

#[tokio::test]
async fn the_builder_names_its_suggestion_by_the_columns_headings() {
    let app = TestApp::spawn().await;
    reference(&app, 200).await;
    let movements = app.datasets_of(&app.org_a.id).await;
    let movements = movements.iter().find(|d| d.name == "movements").unwrap();
    app.as_admin()
        .await
        .put_json(
            &format!("/api/v1/datasets/{}/columns/mode", movements.id),
            &json!({"title": "Modaliteit"}),
        )
        .await
        .assert_status(200);
    let page = app.page_as("admin@pv26.example").await;
    let html = page
        .post_form(
            "/analyses/bouwer",
            &[
                ("dataset", "movements"),
                ("nGroups", "1"),
                ("g0_column", "mode"),
                ("nMeasures", "1"),
                ("m0_fn", "count"),
            ],
        )
        .await
        .expect(200)
        .text();
    let line = &html[html.find("Past het best als").expect("a suggestion")..];
    let line = &line[..line.find("</p>").unwrap()];
    assert!(line.contains(" × Modaliteit)"), "{line}");
    // The sort offers the result's columns by their headings too.
    assert!(
        html.contains("<option value=\"mode\">Modaliteit — mode</option>"),
        "{html}"
    );
    // A source is offered by its title, its SQL name beside it only when that differs.
    let title = &movements.meta.title;
    let expected = if title == "movements" {
        "<option value=\"movements\" selected>movements</option>".to_string()
    } else {
        format!("<option value=\"movements\" selected>{title} (movements)</option>")
    };
    assert!(html.contains(&expected), "{expected}: {html}");
    assert!(!html.contains("movements (movements)"), "{html}");
    // Bars over 342 municipalities cannot be read: the suggestion is the table.
    let html = page
        .post_form(
            "/analyses/bouwer",
            &[
                ("dataset", "municipalities"),
                ("nGroups", "1"),
                ("g0_column", "name"),
                ("nMeasures", "1"),
                ("m0_fn", "count"),
            ],
        )
        .await
        .expect(200)
        .text();
    assert!(
        html.contains("Past het best als: <strong>Tabel</strong>"),
        "{html}"
    );
}
