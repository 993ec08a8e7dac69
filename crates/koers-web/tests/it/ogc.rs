//! OGC API – Features at `/ogc` and the catalog as DCAT-AP-NL: over HTTP, with GDAL's OAPIF
//! driver and OWSLib as real clients, and the RDF validated with pyshacl against the
//! DCAT-AP-NL shapes. Only published datasets are reachable; everything else answers 404.

use crate::helpers::{ImportOptions, SendText, TestApp, field_of_each, plain_get_json, repo_root};
use koers_core::catalog::{AccessRights, DatasetMeta};
use koers_store::Organisation;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Output;

const CRS84: &str = "http://www.opengis.net/def/crs/OGC/1.3/CRS84";
const RD: &str = "http://www.opengis.net/def/crs/EPSG/0/28992";

/// Imports the result of `sql` (run by the engine, written as Parquet) as dataset `name` of
/// `org` with the given access rights.
async fn dataset(app: &TestApp, org: &Organisation, name: &str, access: AccessRights, sql: &str) {
    let out = app.ws.engine.query(sql, &[]).await.expect("query");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(format!("{name}.parquet"));
    let mut bytes = Vec::new();
    koers_engine::export::to_parquet(&out, &mut bytes).expect("parquet");
    std::fs::write(&file, bytes).unwrap();
    let mut meta = DatasetMeta::for_new(&format!("Titel van {name}"), &org.name);
    meta.access_rights = access;
    meta.description = format!("Beschrijving van \"{name}\"\nmet een tweede regel");
    meta.contact_name = "Team Data".into();
    meta.contact_email = "data@pv26.example".into();
    meta.theme = "TRAN".into();
    meta.tags = vec!["wegen".into(), "test".into()];
    let options = ImportOptions {
        meta: Some(meta),
        ..Default::default()
    };
    app.import_path(org, file, name, options)
        .await
        .expect("import");
}

/// 25 points on a 5 × 5 grid from (5.0, 52.0) in steps of 0.1°, with a date per point
/// (2025-01-01 for the first, a day later for each next).
fn grid_sql() -> String {
    let rows: Vec<String> = (0..25)
        .map(|i| {
            format!(
                "({}, 'w{}', DATE '2025-01-01' + INTERVAL '{i} days', {}, {})",
                i + 1,
                i + 1,
                5.0 + f64::from(i % 5) * 0.1,
                52.0 + f64::from(i / 5) * 0.1
            )
        })
        .collect();
    format!(
        "SELECT nr, naam, CAST(dag AS DATE) AS dag, ST_Point(x, y, 4326) AS geom FROM (VALUES {}) AS t(nr, naam, dag, x, y)",
        rows.join(", ")
    )
}

/// A koers with: A's public `wegen` (WGS84, dates) and `percelen` (RD New), A's public
/// non-spatial `tabel`, A's internal `geheim`, and B's restricted `prive`.
async fn published_app() -> TestApp {
    let app = TestApp::spawn().await;
    let (a, b) = (app.org_a.clone(), app.org_b.clone());
    dataset(&app, &a, "wegen", AccessRights::Public, &grid_sql()).await;
    dataset(
        &app,
        &a,
        "percelen",
        AccessRights::Public,
        "SELECT * FROM (VALUES (1, ST_Point(136000.0, 455000.0, 28992)), (2, ST_Point(137000.0, 456000.0, 28992))) AS t(perceel, geom)",
    )
    .await;
    dataset(
        &app,
        &a,
        "tabel",
        AccessRights::Public,
        "SELECT * FROM (VALUES (1, 'een')) AS t(n, s)",
    )
    .await;
    dataset(&app, &a, "geheim", AccessRights::NonPublic, &grid_sql()).await;
    dataset(&app, &b, "prive", AccessRights::Restricted, &grid_sql()).await;
    app
}

async fn get(app: &TestApp, path: &str) -> (u16, String, reqwest::header::HeaderMap, Value) {
    let r = reqwest::get(app.url(path)).await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let body: Value = r.json().await.unwrap_or(Value::Null);
    (status, ct, headers, body)
}

fn ids(fc: &Value) -> Vec<u64> {
    fc["features"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["id"].as_u64().unwrap())
        .collect()
}

fn link<'a>(v: &'a Value, rel: &str) -> Option<&'a str> {
    v["links"]
        .as_array()?
        .iter()
        .find(|l| l["rel"] == rel)?
        .get("href")?
        .as_str()
}

#[tokio::test]
async fn landing_conformance_and_collections() {
    let app = published_app().await;
    let (s, ct, _, landing) = get(&app, "/ogc").await;
    assert_eq!((s, ct.as_str()), (200, "application/json"));
    for rel in ["self", "service-desc", "conformance", "data"] {
        assert!(link(&landing, rel).is_some(), "{rel}: {landing}");
    }
    assert_eq!(
        link(&landing, "data"),
        Some(app.url("/ogc/collections").as_str())
    );
    let (s, _, _, conf) = get(&app, "/ogc/conformance").await;
    assert_eq!(s, 200);
    let classes: Vec<&str> = conf["conformsTo"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for c in ["core", "geojson", "oas30"] {
        assert!(
            classes
                .iter()
                .any(|x| x.ends_with(&format!("features-1/1.0/conf/{c}")))
        );
    }
    assert!(
        classes
            .iter()
            .any(|x| x.ends_with("features-2/1.0/conf/crs"))
    );
    let (s, ct, _, api) = get(&app, "/ogc/api").await;
    assert_eq!(s, 200);
    assert!(ct.starts_with("application/vnd.oai.openapi+json"), "{ct}");
    assert_eq!(api["openapi"], "3.0.3");
    assert!(api["paths"]["/collections/{collectionId}/items"].is_object());

    // Only A's public spatial datasets: not the table, not the internal or B's restricted one.
    let (s, _, _, cols) = get(&app, "/ogc/collections?f=json").await;
    assert_eq!(s, 200);
    let names = field_of_each(&cols["collections"], "id");
    assert_eq!(names, ["pv26_percelen", "pv26_wegen"]);

    let (s, _, _, c) = get(&app, "/ogc/collections/pv26_wegen").await;
    assert_eq!(s, 200);
    assert_eq!(c["title"], "Titel van wegen");
    assert_eq!(c["storageCrs"], CRS84);
    assert_eq!(c["crs"], serde_json::json!([CRS84, RD]));
    let bbox: Vec<f64> = c["extent"]["spatial"]["bbox"][0]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_f64().unwrap())
        .collect();
    for (got, want) in bbox.iter().zip([5.0, 52.0, 5.4, 52.4]) {
        assert!((got - want).abs() < 1e-9, "{bbox:?}");
    }
    assert_eq!(c["temporalProperty"], "dag");
    assert_eq!(
        c["extent"]["temporal"]["interval"],
        serde_json::json!([["2025-01-01", "2025-01-25"]])
    );
    assert!(link(&c, "items").is_some());
    let (_, _, _, p) = get(&app, "/ogc/collections/pv26_percelen").await;
    assert_eq!(p["storageCrs"], RD);
    assert!(p.get("temporalProperty").is_none());
}

#[tokio::test]
async fn items_page_filter_and_transform() {
    let app = published_app().await;
    let (s, ct, h, page) = get(&app, "/ogc/collections/pv26_wegen/items").await;
    assert_eq!((s, ct.as_str()), (200, "application/geo+json"));
    assert_eq!(h["content-crs"], format!("<{CRS84}>").as_str());
    assert_eq!(page["type"], "FeatureCollection");
    assert_eq!(page["numberMatched"], 25);
    assert_eq!(page["numberReturned"], 10);
    assert_eq!(ids(&page), (1..=10).collect::<Vec<_>>());
    assert!(link(&page, "prev").is_none());
    let first = &page["features"][0];
    assert_eq!(first["properties"]["naam"], "w1");
    assert_eq!(first["properties"]["nr"], 1);
    assert!(first["properties"].get("__koers_fid").is_none());
    assert_eq!(
        first["geometry"]["coordinates"],
        serde_json::json!([5.0, 52.0])
    );

    // Follow next to the end, and back.
    let next = link(&page, "next").unwrap().to_string();
    let p2: Value = plain_get_json(&next).await;
    assert_eq!(ids(&p2), (11..=20).collect::<Vec<_>>());
    assert!(link(&p2, "prev").is_some());
    let p3: Value = plain_get_json(link(&p2, "next").unwrap()).await;
    assert_eq!(ids(&p3), (21..=25).collect::<Vec<_>>());
    assert!(link(&p3, "next").is_none());
    let back: Value = plain_get_json(link(&p3, "prev").unwrap()).await;
    assert_eq!(ids(&back), (11..=20).collect::<Vec<_>>());
    // A limit above the maximum is served as the maximum; an offset past the end is empty.
    let (_, _, _, all) = get(&app, "/ogc/collections/pv26_wegen/items?limit=5000").await;
    assert_eq!(all["numberReturned"], 25);
    let (_, _, _, none) = get(&app, "/ogc/collections/pv26_wegen/items?offset=30").await;
    assert_eq!(
        (
            none["numberReturned"].as_u64(),
            none["numberMatched"].as_u64()
        ),
        (Some(0), Some(25))
    );

    // bbox in CRS84: the two points at (5.0, 52.0) and (5.1, 52.0).
    let (s, _, _, b) = get(
        &app,
        "/ogc/collections/pv26_wegen/items?bbox=4.95,51.95,5.15,52.05",
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&b), [1, 2]);
    assert_eq!(b["numberMatched"], 2);
    // The next link keeps the filter.
    let (_, _, _, small) = get(
        &app,
        "/ogc/collections/pv26_wegen/items?bbox=4.95,51.95,5.25,52.05&limit=2",
    )
    .await;
    assert_eq!(small["numberMatched"], 3);
    assert!(
        link(&small, "next")
            .unwrap()
            .contains("bbox=4.95%2C51.95%2C5.25%2C52.05")
    );

    // Output in RD New, and a bbox in RD New around the first point.
    let (s, _, h, one) = get(
        &app,
        &format!("/ogc/collections/pv26_wegen/items/1?crs={RD}"),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(h["content-crs"], format!("<{RD}>").as_str());
    assert_eq!(one["id"], 1);
    let xy = &one["geometry"]["coordinates"];
    let (x, y) = (xy[0].as_f64().unwrap(), xy[1].as_f64().unwrap());
    // (5.0 E, 52.0 N) is RD (128 410, 445 806), 26 km west and 17 km south of Amersfoort.
    assert!(
        (x - 128_410.0).abs() < 5.0 && (y - 445_806.0).abs() < 5.0,
        "{x} {y}"
    );
    let (s, _, _, rd) = get(
        &app,
        &format!(
            "/ogc/collections/pv26_wegen/items?bbox={},{},{},{}&bbox-crs={RD}&crs={RD}",
            x - 100.0,
            y - 100.0,
            x + 100.0,
            y + 100.0
        ),
    )
    .await;
    assert_eq!(s, 200);
    assert_eq!(ids(&rd), [1]);
    assert_eq!(rd["features"][0]["geometry"], one["geometry"]);

    // A dataset stored in RD New comes out in CRS84 by default, and filters on a CRS84 bbox.
    let (_, _, _, perc) = get(&app, "/ogc/collections/pv26_percelen/items").await;
    let lonlat = &perc["features"][0]["geometry"]["coordinates"];
    assert!((lonlat[0].as_f64().unwrap() - 5.15).abs() < 0.1, "{lonlat}");
    assert!(
        (lonlat[1].as_f64().unwrap() - 52.08).abs() < 0.1,
        "{lonlat}"
    );
    let (_, _, _, pb) = get(
        &app,
        &format!(
            "/ogc/collections/pv26_percelen/items?bbox={},{},{},{}",
            lonlat[0].as_f64().unwrap() - 0.001,
            lonlat[1].as_f64().unwrap() - 0.001,
            lonlat[0].as_f64().unwrap() + 0.001,
            lonlat[1].as_f64().unwrap() + 0.001
        ),
    )
    .await;
    assert_eq!(ids(&pb), [1]);

    // datetime on the date column `dag`.
    for (q, want) in [
        ("2025-01-03", vec![3]),
        ("2025-01-01/2025-01-05", (1..=5).collect()),
        ("../2025-01-02", vec![1, 2]),
        ("2025-01-24T00:00:00Z/..", vec![24, 25]),
    ] {
        let (s, _, _, d) = get(
            &app,
            &format!("/ogc/collections/pv26_wegen/items?datetime={q}&limit=100"),
        )
        .await;
        assert_eq!(s, 200, "{q}: {d}");
        assert_eq!(ids(&d), want, "{q}");
    }
}

/// OGC API – Tiles: a published collection lists its vector tileset, describes it, and serves
/// Mapbox Vector Tiles in WebMercatorQuad (tileMatrix/tileRow/tileCol = z/y/x); RD New
/// geometries land where they are.
#[tokio::test]
async fn published_collections_serve_vector_tiles() {
    let app = published_app().await;
    let (_, _, _, conf) = get(&app, "/ogc/conformance").await;
    for class in [
        "core",
        "tileset",
        "tilesets-list",
        "geodata-tilesets",
        "mvt",
    ] {
        let uri = format!("http://www.opengis.net/spec/ogcapi-tiles-1/1.0/conf/{class}");
        assert!(conf["conformsTo"].to_string().contains(&uri), "{class}");
    }
    let (_, _, _, col) = get(&app, "/ogc/collections/pv26_wegen").await;
    let sets = link(
        &col,
        "http://www.opengis.net/def/rel/ogc/1.0/tilesets-vector",
    )
    .unwrap();
    assert_eq!(sets, app.url("/ogc/collections/pv26_wegen/tiles"));
    let (s, _, _, list) = get(&app, "/ogc/collections/pv26_wegen/tiles").await;
    assert_eq!(s, 200);
    assert_eq!(
        list["tilesets"][0]["tileMatrixSetURI"],
        "http://www.opengis.net/def/tilematrixset/OGC/1.0/WebMercatorQuad"
    );
    let (s, _, _, set) = get(&app, "/ogc/collections/pv26_wegen/tiles/WebMercatorQuad").await;
    assert_eq!((s, set["dataType"].as_str()), (200, Some("vector")));
    let template = set["links"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["rel"] == "item")
        .unwrap()["href"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(template.ends_with("/WebMercatorQuad/{tileMatrix}/{tileRow}/{tileCol}"));
    // The grid lies in 6/32/21 (x 32, y 21): tileRow 21, tileCol 32; the tile beside it is empty.
    let base = "/ogc/collections/pv26_wegen/tiles/WebMercatorQuad";
    let r = reqwest::get(app.url(&format!("{base}/6/21/32")))
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.mapbox-vector-tile"
    );
    let full = r.bytes().await.unwrap().to_vec();
    let bytes = |path: String| async move {
        reqwest::get(path)
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap()
            .to_vec()
    };
    let empty = bytes(app.url(&format!("{base}/6/21/31"))).await;
    assert!(
        full.len() > empty.len() + 100,
        "{} {}",
        full.len(),
        empty.len()
    );
    // RD New points (Utrecht) are in Utrecht's tile too.
    let rd = bytes(app.url("/ogc/collections/pv26_percelen/tiles/WebMercatorQuad/6/21/32")).await;
    assert!(rd.len() > empty.len(), "{} {}", rd.len(), empty.len());
    // Bad addresses are OGC exceptions.
    for (path, status) in [
        (format!("{base}/25/0/0"), 400),
        (format!("{base}/a/0/0"), 400),
        (format!("{base}/1/2/0"), 400),
        (format!("{base}/0/0/0?kleur=rood"), 400),
        (
            "/ogc/collections/pv26_wegen/tiles/WorldCRS84Quad/0/0/0".to_string(),
            404,
        ),
        (
            "/ogc/collections/pv26_wegen/tiles/WorldCRS84Quad".to_string(),
            404,
        ),
    ] {
        let (s, ct, _, body) = get(&app, &path).await;
        assert_eq!(
            (s, ct.as_str()),
            (status, "application/problem+json"),
            "{path}"
        );
        assert!(
            body["code"].is_string() && body["description"].is_string(),
            "{path}"
        );
    }
}

#[tokio::test]
async fn bad_requests_are_400_exceptions() {
    let app = published_app().await;
    for q in [
        "bbox=1,2,3",
        "bbox=a,b,c,d",
        "bbox=6,52,5,53",
        "bbox-crs=http://www.opengis.net/def/crs/EPSG/0/28992",
        "bbox=5,52,6,53&bbox-crs=EPSG:28992",
        "limit=0",
        "limit=-3",
        "limit=tien",
        "offset=-1",
        "crs=http://www.opengis.net/def/crs/EPSG/0/4326",
        "crs=EPSG:28992",
        "datetime=gisteren",
        "datetime=2025-02-01/2025-01-01",
        "f=html",
        "limit=1&limit=2",
        "properties=naam",
    ] {
        let (s, ct, _, e) = get(&app, &format!("/ogc/collections/pv26_wegen/items?{q}")).await;
        assert_eq!(s, 400, "{q}: {e}");
        assert_eq!(ct, "application/problem+json", "{q}");
        assert_eq!(e["code"], "InvalidParameterValue", "{q}");
        assert!(
            e["description"].as_str().is_some_and(|d| !d.is_empty()),
            "{q}"
        );
    }
    // datetime on a collection without a date column.
    let (s, _, _, _) = get(
        &app,
        "/ogc/collections/pv26_percelen/items?datetime=2025-01-01",
    )
    .await;
    assert_eq!(s, 400);
    let (s, _, _, _) = get(&app, "/ogc/collections?foo=1").await;
    assert_eq!(s, 400);
    for path in [
        "/ogc/collections/pv26_onbekend",
        "/ogc/collections/pv26_onbekend/items",
        "/ogc/collections/pv26_wegen/items/0",
        "/ogc/collections/pv26_wegen/items/26",
        "/ogc/collections/pv26_wegen/items/abc",
        "/ogc/bestaat-niet",
    ] {
        let (s, ct, _, e) = get(&app, path).await;
        assert_eq!(
            (s, ct.as_str()),
            (404, "application/problem+json"),
            "{path}: {e}"
        );
    }
}

#[tokio::test]
async fn unpublished_and_other_organisations_data_is_unreachable() {
    let app = published_app().await;
    // Signed in as A's administrator makes no difference to /ogc.
    let c = app.as_admin().await;
    for id in ["pv26_geheim", "gm0796_prive", "pv26_tabel"] {
        for path in [
            format!("/ogc/collections/{id}"),
            format!("/ogc/collections/{id}/items"),
            format!("/ogc/collections/{id}/items/1"),
            format!("/ogc/collections/{id}/tiles"),
            format!("/ogc/collections/{id}/tiles/WebMercatorQuad/0/0/0"),
        ] {
            let (s, _, _, _) = get(&app, &path).await;
            assert_eq!(s, 404, "{path}");
            let r = c.get(&path).await;
            assert_eq!(r.status(), 404, "{path}");
        }
    }
    let (_, _, _, cols) = get(&app, "/ogc/collections").await;
    let listed = cols.to_string();
    assert!(!listed.contains("geheim") && !listed.contains("prive") && !listed.contains("tabel"));
    // Making a dataset internal takes it off /ogc at once.
    app.set_access(&app.org_a.id, "percelen", AccessRights::NonPublic)
        .await;
    let (s, _, _, _) = get(&app, "/ogc/collections/pv26_percelen/items").await;
    assert_eq!(s, 404);

    // The public catalog lists only public datasets; B's catalog holds only B's.
    let ttl = reqwest::Client::new()
        .get(app.url("/api/v1/public-catalog"))
        .header("accept", "text/turtle")
        .send_text()
        .await;
    assert!(ttl.contains("Titel van wegen") && ttl.contains("Titel van tabel"));
    assert!(!ttl.contains("geheim") && !ttl.contains("prive") && !ttl.contains("percelen"));
    let cb = app.api_as("admin@gm0796.example").await;
    let b_cat = cb.page("/api/v1/catalog").await;
    assert!(b_cat.contains("Titel van prive") && !b_cat.contains("Titel van wegen"));
    // The organisation's catalog needs a sign-in.
    let r = reqwest::get(app.url("/api/v1/catalog")).await.unwrap();
    assert_eq!(r.status(), 401);
}

/// The Python of the test venv (owslib, pyshacl), made by ./scripts/test.
pub(crate) fn python() -> PathBuf {
    let p = std::env::var("KOERS_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|_| {
            PathBuf::from(std::env::var("HOME").unwrap_or_default())
                .join(".cache/koers-py/venv/bin/python")
        });
    assert!(
        p.exists(),
        "{} is missing: run ./scripts/test (it makes a Python venv with owslib and pyshacl)",
        p.display()
    );
    p
}

/// Runs a program off the async threads (the server runs on them).
async fn run(program: PathBuf, args: Vec<String>) -> Output {
    tokio::task::spawn_blocking(move || {
        std::process::Command::new(&program)
            .args(&args)
            .env("GDAL_HTTP_TIMEOUT", "30")
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", program.display()))
    })
    .await
    .unwrap()
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

#[tokio::test]
async fn gdal_reads_the_collections() {
    let app = published_app().await;
    let ogrinfo = PathBuf::from("/usr/bin/ogrinfo");
    assert!(
        ogrinfo.exists(),
        "ogrinfo is missing: run ./scripts/test (it installs gdal-bin)"
    );
    let src = format!("OAPIF:{}", app.url("/ogc"));
    let o = run(
        ogrinfo.clone(),
        vec!["-ro".into(), "-al".into(), "-so".into(), src.clone()],
    )
    .await;
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("Layer name: pv26_wegen"), "{out}");
    assert!(out.contains("Layer name: pv26_percelen"), "{out}");
    assert!(out.contains("Feature Count: 25"), "{out}");
    assert!(!out.contains("geheim") && !out.contains("prive"), "{out}");
    // Features within a bbox: GDAL sends it as bbox= and pages through the result.
    let o = run(
        ogrinfo,
        vec![
            "-ro".into(),
            "-q".into(),
            src,
            "pv26_wegen".into(),
            "-spat".into(),
            "4.95".into(),
            "51.95".into(),
            "5.15".into(),
            "52.05".into(),
        ],
    )
    .await;
    let out = text(&o);
    assert!(o.status.success(), "{out}");
    assert!(out.contains("naam (String) = w1"), "{out}");
    assert!(out.contains("naam (String) = w2"), "{out}");
    assert!(!out.contains("naam (String) = w3"), "{out}");
}

#[tokio::test]
async fn owslib_reads_the_collections() {
    let app = published_app().await;
    let script = r#"
import sys
from owslib.ogcapi.features import Features
w = Features(sys.argv[1])
ids = sorted(c["id"] for c in w.collections()["collections"])
assert ids == ["pv26_percelen", "pv26_wegen"], ids
assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in w.conformance()["conformsTo"]
page = w.collection_items("pv26_wegen", bbox=[4.95, 51.95, 5.15, 52.05], limit=10)
names = sorted(f["properties"]["naam"] for f in page["features"])
assert names == ["w1", "w2"], names
assert page["numberMatched"] == 2
one = w.collection_item("pv26_wegen", "3")
assert one["properties"]["naam"] == "w3", one
print("owslib ok")
"#;
    let o = run(python(), vec!["-c".into(), script.into(), app.url("/ogc")]).await;
    let out = text(&o);
    assert!(o.status.success() && out.contains("owslib ok"), "{out}");
}

#[tokio::test]
async fn catalogs_validate_against_the_dcat_ap_nl_shapes() {
    let app = published_app().await;
    let c = app.as_admin().await;
    let dir = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (path, name) in [
        ("/api/v1/catalog", "org"),
        ("/api/v1/public-catalog", "public"),
    ] {
        for (accept, ext) in [("text/turtle", "ttl"), ("application/ld+json", "jsonld")] {
            let r = c
                .client()
                .get(app.url(path))
                .header("accept", accept)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
            assert!(
                r.headers()["content-type"]
                    .to_str()
                    .unwrap()
                    .starts_with(accept)
            );
            let file = dir.path().join(format!("{name}.{ext}"));
            std::fs::write(&file, r.bytes().await.unwrap()).unwrap();
            files.push(file.display().to_string());
        }
    }
    let shapes = repo_root().join("reference/standards/dcat-ap-nl");
    let script = r#"
import sys
from rdflib import Graph
from rdflib.compare import isomorphic
from pyshacl import validate
shapes = Graph()
for f in ["dcat-ap-SHACL.ttl", "dcat-ap-nl-SHACL.ttl"]:
    shapes.parse(sys.argv[1] + "/" + f, format="turtle")
files = sys.argv[2:]
for ttl, jsonld in zip(files[0::2], files[1::2]):
    g = Graph().parse(ttl, format="turtle")
    j = Graph().parse(jsonld, format="json-ld")
    assert len(g) > 20, len(g)
    assert isomorphic(g, j), ttl + " and " + jsonld + " differ"
    conforms, _, report = validate(g, shacl_graph=shapes, inference="none")
    assert conforms, ttl + "\n" + report
print("shacl ok")
"#;
    let mut args = vec![
        "-c".to_string(),
        script.into(),
        shapes.display().to_string(),
    ];
    args.extend(files);
    let o = run(python(), args).await;
    let out = text(&o);
    assert!(o.status.success() && out.contains("shacl ok"), "{out}");
}

#[tokio::test]
async fn real_municipalities_by_bbox_in_rd_new() {
    let app = TestApp::spawn().await;
    let mut meta = DatasetMeta::for_new("Gemeentegrenzen 2025", "CBS / Kadaster");
    meta.access_rights = AccessRights::Public;
    let options = ImportOptions {
        meta: Some(meta),
        ..Default::default()
    };
    let file = repo_root().join("data/nl/municipalities_2025.geojson");
    app.import_path(&app.org_a, file, "gemeenten", options)
        .await
        .expect("import");
    // The Dom tower in Utrecht, as a 200 m square in RD New.
    let (s, _, h, fc) = get(
        &app,
        &format!(
            "/ogc/collections/pv26_gemeenten/items?bbox=136900,455900,137100,456100&bbox-crs={RD}&crs={RD}"
        ),
    )
    .await;
    assert_eq!(s, 200, "{fc}");
    assert_eq!(h["content-crs"], format!("<{RD}>").as_str());
    assert_eq!(fc["numberMatched"], 1, "{fc}");
    assert_eq!(fc["features"][0]["properties"]["statnaam"], "Utrecht");
    let (_, _, _, all) = get(&app, "/ogc/collections/pv26_gemeenten/items?limit=1000").await;
    assert_eq!(all["numberReturned"], 342);
    assert!(link(&all, "next").is_none());
}
