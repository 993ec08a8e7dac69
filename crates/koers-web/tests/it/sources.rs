//! Datasets read from remote services, against servers on loopback that speak the real
//! protocols: koers' own `/ogc` (OGC API – Features), pygeoapi (when installed), and fixture
//! servers shaped like PDOK's WFS, CBS' OData and data.overheid.nl's CKAN, serving the files
//! in `tests/fixtures/sources`. Bad services (unreachable, HTML, a broken page halfway, an
//! unknown layer, an internal address, an oversized answer) are refused and change nothing.

use crate::helpers::{ImportOptions, TestApp, assert_invalid};
use crate::session::Session;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use koers_core::catalog::AccessRights;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

/// The fixture services: `/odata/85318NED` (CBS), `/ckan/api/3/action` (CKAN), `/wfs`
/// (PDOK-like WFS, at most 2 features per page), `/html` (a web page), `/big` (11 MB).
pub(crate) struct Fixture {
    pub(crate) base: String,
    /// Page 2 of the OData table is cut off halfway.
    broken: AtomicBool,
    /// The OData table's data changed (Amsterdam grew).
    changed: AtomicBool,
}

fn fixture_file(name: &str) -> String {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources")
        .join(name);
    std::fs::read_to_string(&p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

fn answer(ct: &str, body: String) -> Response {
    ([(header::CONTENT_TYPE, ct.to_string())], body).into_response()
}

async fn serve_fixture(
    State(f): State<Arc<Fixture>>,
    uri: Uri,
    Query(q): Query<HashMap<String, String>>,
) -> Response {
    let fill = |name: &str| fixture_file(name).replace("{base}", &f.base);
    let path = uri.path();
    match path {
        "/odata/85318NED" => answer("application/json", fill("odata_service.json")),
        "/odata/85318NED/$metadata" => answer("application/xml", fill("odata_metadata.xml")),
        "/odata/85318NED/DataProperties" => answer("application/json", fill("odata_properties.json")),
        "/odata/85318NED/TableInfos" => answer("application/json", fill("odata_tableinfos.json")),
        "/odata/85318NED/TypedDataSet" if q.contains_key("$skip") => {
            let page = fill("odata_page2.json");
            if f.broken.load(Ordering::SeqCst) {
                answer("application/json", page[..page.len() / 2].to_string())
            } else if f.changed.load(Ordering::SeqCst) {
                answer("application/json", page.replace("918117", "931298"))
            } else {
                answer("application/json", page)
            }
        }
        "/odata/85318NED/TypedDataSet" => answer("application/json", fill("odata_page1.json")),
        "/ckan/api/3/action/package_show" => match q.get("id").map(String::as_str) {
            Some("wegen-utrecht") => answer("application/json", fill("ckan_package_show.json")),
            _ => (
                StatusCode::NOT_FOUND,
                [(header::CONTENT_TYPE, "application/json")],
                json!({"success": false, "error": {"message": "Not found", "__type": "Not Found Error"}}).to_string(),
            )
                .into_response(),
        },
        "/files/wegen.csv" => answer("text/csv", fill("ckan_wegen.csv")),
        "/wfs" => wfs(&q, &fill),
        p if p.starts_with("/html") => answer(
            "text/html",
            "<!doctype html><html><head><title>Onderhoud</title></head><body><h1>Wij zijn zo terug</h1></body></html>".into(),
        ),
        p if p.starts_with("/big") => answer(
            "application/json",
            format!("{{\"value\": [\"{}\"]}}", "x".repeat(11 * 1024 * 1024)),
        ),
        _ => (StatusCode::NOT_FOUND, "not found").into_response(),
    }
}

/// A WFS 2.0.0 as PDOK's answer: GetCapabilities, and GetFeature as GeoJSON with `count`
/// (at most 2) and `startIndex`; an unknown type name is an OWS exception report.
fn wfs(q: &HashMap<String, String>, fill: &dyn Fn(&str) -> String) -> Response {
    let get = |k: &str| {
        q.iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(k))
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    };
    match get("request") {
        "GetCapabilities" => answer("application/xml", fill("wfs_capabilities.xml")),
        "GetFeature" if get("typeNames") == "wijkenbuurten:wijken" => {
            assert_eq!(get("outputFormat"), "application/json");
            assert_eq!(get("version"), "2.0.0");
            let all: Value = serde_json::from_str(&fill("wfs_wijken.geojson")).unwrap();
            let features = all["features"].as_array().unwrap();
            let count: usize = get("count").parse().unwrap_or(1000).min(2);
            let start: usize = get("startIndex").parse().unwrap_or(0);
            let page: Vec<Value> = features.iter().skip(start).take(count).cloned().collect();
            let body = json!({
                "type": "FeatureCollection",
                "numberMatched": features.len(),
                "numberReturned": page.len(),
                "timeStamp": chrono::Utc::now().to_rfc3339(),
                "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::28992"}},
                "features": page,
            });
            answer("application/geo+json", body.to_string())
        }
        _ => (
            StatusCode::BAD_REQUEST,
            [(header::CONTENT_TYPE, "application/xml")],
            r#"<?xml version="1.0"?><ows:ExceptionReport xmlns:ows="http://www.opengis.net/ows/1.1" version="2.0.0"><ows:Exception exceptionCode="InvalidParameterValue" locator="typeNames"><ows:ExceptionText>Feature type onbekend niet gevonden</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#,
        )
            .into_response(),
    }
}

/// Starts the fixture services on a random port; their base is `http://localhost:PORT`.
pub(crate) async fn fixture() -> Arc<Fixture> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let f = Arc::new(Fixture {
        base: format!("http://localhost:{port}"),
        broken: AtomicBool::new(false),
        changed: AtomicBool::new(false),
    });
    let app = axum::Router::new()
        .fallback(serve_fixture)
        .with_state(f.clone());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    f
}

/// Posts a source import and waits for it: the job's last state.
async fn import(c: &Session, body: Value) -> Value {
    let r = c.post_json("/api/v1/source-imports", &body).await;
    assert_eq!(r.status(), 202, "{body}");
    c.job_end(&r.json()).await
}

/// What the service at `url` offers to import, as `kind`.
async fn offers_of(c: &Session, kind: &str, url: &str) -> Value {
    c.get_ok(&format!("/api/v1/service-offers?kind={kind}&url={url}"))
        .await
        .json()
}

fn assert_offered(offers: &Value, id: &str) {
    assert!(
        offers.as_array().unwrap().iter().any(|o| o["id"] == id),
        "{offers}"
    );
}

/// A finished import or refresh that failed with `error` in its message.
fn assert_failed(job: &Value, error: &str) {
    assert_eq!(job["state"], "failed", "{job}");
    assert!(job["error"].as_str().unwrap().contains(error), "{job}");
}

async fn versions_of(c: &Session, id: &str) -> Value {
    c.get_ok(&format!("/api/v1/datasets/{id}/versions"))
        .await
        .json()
}

async fn source_of(c: &Session, id: &str) -> Value {
    c.get_ok(&format!("/api/v1/datasets/{id}/source"))
        .await
        .json()
}

async fn refresh(c: &Session, id: &str) -> Value {
    let job = c
        .post(&format!("/api/v1/datasets/{id}/refreshes"))
        .await
        .expect(202)
        .json();
    c.job_end(&job).await
}

async fn rows(app: &TestApp, sql: &str) -> Vec<Vec<Value>> {
    let out = app.ws.query(&app.org_a.id, sql, 100, None).await.unwrap();
    let r = koers_app::results::Results::from_output(&out).unwrap();
    r.rows
}

#[tokio::test]
async fn cbs_odata_imports_pages_refreshes_only_on_change_and_keeps_a_version_on_a_broken_page() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let url = format!("{}/odata/85318NED", f.base);
    // What the table offers.
    let offers = offers_of(&c, "odata", &url).await;
    assert_offered(&offers, "TypedDataSet");
    let done = import(&c, json!({"kind": "odata", "url": url, "every": "daily"})).await;
    assert_eq!(done["state"], "done", "{done}");
    let id = done["datasetId"].as_str().unwrap().to_string();
    let ds = c.get_ok(&format!("/api/v1/datasets/{id}")).await.json();
    assert_eq!(ds["name"], "cbs_85318ned");
    // The catalog entry starts from what CBS says the table is.
    assert_eq!(ds["title"], "Kerncijfers wijken en buurten 2023");
    assert_eq!(ds["cadence"], "ANNUAL");
    assert!(
        ds["description"]
            .as_str()
            .unwrap()
            .starts_with("Kerncijfers over bevolking"),
        "{ds}"
    );
    // What the columns mean, from CBS' DataProperties, with the unit.
    let versions = versions_of(&c, &id).await;
    let columns = versions[0]["columns"].as_array().unwrap().clone();
    let title = |name: &str| {
        columns
            .iter()
            .find(|c| c["name"] == name)
            .map(|c| c["title"].clone())
    };
    assert_eq!(
        title("Bevolkingsdichtheid_33"),
        Some(json!("Bevolkingsdichtheid (aantal inwoners per km²)"))
    );
    assert_eq!(title("Gemeentenaam_1"), Some(json!("Gemeentenaam")));
    assert_eq!(title("ID"), Some(Value::Null));
    let p = app.page_as("admin@pv26.example").await;
    let html = p.get_ok(&format!("/bronnen/{id}")).await.text();
    assert!(
        html.contains("<code>AantalInwoners_5</code><br><span class=\"koers-hint koers-column-title\">Aantal inwoners (aantal)</span>"),
        "{html}"
    );
    // Both pages, the dimension keys as text without CBS' padding, the topics as numbers.
    let got = rows(
        &app,
        "SELECT \"WijkenEnBuurten\", \"AantalInwoners_5\" + 0, \"Bevolkingsdichtheid_33\" FROM cbs_85318ned ORDER BY \"ID\"",
    )
    .await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[0][0], "GM0344");
    assert_eq!(got[2][0], "GM0363");
    assert_eq!(got[2][1], 918117);
    assert_eq!(got[1][1], Value::Null);
    let source = source_of(&c, &id).await;
    assert_eq!(source["kind"], "odata");
    assert_eq!(source["item"], "TypedDataSet");
    assert_eq!(source["every"], "daily");
    assert_eq!(source["outcome"], "imported");
    // The same data again: no new version.
    let r = refresh(&c, &id).await;
    assert_eq!(r["state"], "done", "{r}");
    let versions = versions_of(&c, &id).await;
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let source = source_of(&c, &id).await;
    assert_eq!(source["outcome"], "unchanged");
    // A page cut off halfway: the refresh fails, nothing of it is kept.
    f.broken.store(true, Ordering::SeqCst);
    let r = refresh(&c, &id).await;
    assert_eq!(r["state"], "failed", "{r}");
    assert!(r["error"].as_str().unwrap().contains("geen JSON"), "{r}");
    let versions = versions_of(&c, &id).await;
    assert_eq!(versions.as_array().unwrap().len(), 1);
    let source = source_of(&c, &id).await;
    assert_eq!(source["outcome"], "failed");
    assert!(source["message"].as_str().unwrap().contains("geen JSON"));
    // Changed data: a new version.
    f.broken.store(false, Ordering::SeqCst);
    f.changed.store(true, Ordering::SeqCst);
    let r = refresh(&c, &id).await;
    assert_eq!(r["state"], "done", "{r}");
    let versions = versions_of(&c, &id).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    let got = rows(
        &app,
        "SELECT \"AantalInwoners_5\" FROM cbs_85318ned WHERE \"ID\" = 2",
    )
    .await;
    assert_eq!(got[0][0], 931298);
    // The scheduled refresh: due a day later, claimed once, unchanged data makes no version.
    let later = chrono::Utc::now() + chrono::Duration::days(2);
    assert_eq!(koers_app::sources::run_due(&app.state.ws, later).await, 1);
    assert_eq!(koers_app::sources::run_due(&app.state.ws, later).await, 0);
    let versions = versions_of(&c, &id).await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    // Replacing the source with an unknown entity set: refused at the next refresh.
    let s = c
        .put_json(
            &format!("/api/v1/datasets/{id}/source"),
            &json!({"kind": "odata", "url": url, "item": "Onbekend", "every": "manual"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(s["every"], "manual");
    assert_eq!(s["nextDue"], Value::Null);
    let r = refresh(&c, &id).await;
    assert_failed(&r, "Onbekend");
    // Every change is in the audit log.
    let log = app.audit_log(200).await;
    let actions: Vec<&str> = log.iter().map(|e| e.action.as_str()).collect();
    for a in [
        "dataset.source_set",
        "dataset.source_checked",
        "dataset.scheduled",
    ] {
        assert!(actions.contains(&a), "{a} in {actions:?}");
    }
}

#[tokio::test]
async fn ckan_resource_and_wfs_layer_are_imported() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    // CKAN: package_show as data.overheid.nl answers, the first readable resource.
    let ckan = format!("{}/ckan/api/3/action/package_show?id=wegen-utrecht", f.base);
    let offers = offers_of(&c, "ckan", &urlencode(&ckan)).await;
    assert_eq!(offers[1]["id"], "res-csv", "{offers}");
    let done = import(&c, json!({"kind": "ckan", "url": ckan, "name": "wegen"})).await;
    assert_eq!(done["state"], "done", "{done}");
    let got = rows(&app, "SELECT weg, lengte_km FROM wegen ORDER BY weg").await;
    assert_eq!(got.len(), 3);
    assert_eq!(got[0][0], "A12");
    // A resource koers cannot read, and an unknown package.
    let bad = import(
        &c,
        json!({"kind": "ckan", "url": ckan, "resource": "res-pdf", "name": "toelichting"}),
    )
    .await;
    assert_failed(&bad, "niet lezen");
    let bad = import(
        &c,
        json!({"kind": "ckan", "url": format!("{}/ckan", f.base), "item": "bestaat-niet"}),
    )
    .await;
    assert_failed(&bad, "404");

    // WFS: GetCapabilities lists the layers; GetFeature pages of 2 by startIndex.
    let wfs = format!("{}/wfs?request=GetCapabilities&service=WFS", f.base);
    let offers = offers_of(&c, "wfs", &urlencode(&wfs)).await;
    assert_eq!(offers[0]["id"], "wijkenbuurten:wijken", "{offers}");
    assert_eq!(offers[1]["title"], "Buurten");
    let done = import(
        &c,
        json!({"kind": "wfs", "url": wfs, "item": "wijkenbuurten:wijken"}),
    )
    .await;
    assert_eq!(done["state"], "done", "{done}");
    let id = done["datasetId"].as_str().unwrap();
    let got = rows(
        &app,
        "SELECT wijkcode, aantal_inwoners FROM wijken ORDER BY wijkcode",
    )
    .await;
    assert_eq!(got.len(), 5);
    assert_eq!(got[4][1], 5000);
    let v = versions_of(&c, id).await;
    assert_eq!(
        v[0]["geometry"]["crs"], "EPSG:28992",
        "{}",
        v[0]["geometry"]
    );
    // The pages carry a timestamp, but the features are the same: no new version.
    let r = refresh(&c, id).await;
    assert_eq!(r["state"], "done");
    let v = versions_of(&c, id).await;
    assert_eq!(v.as_array().unwrap().len(), 1);
    // An unknown layer: the OWS exception is the message.
    let bad = import(&c, json!({"kind": "wfs", "url": wfs, "item": "onbekend"})).await;
    assert_failed(&bad, "400");
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("u", s)]).unwrap()[2..].to_string()
}

/// A koers that publishes a dataset through `/ogc`, to be read by another.
async fn publishing_app() -> TestApp {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("wijken.geojson");
    std::fs::write(&file, fixture_file("wfs_wijken.geojson")).unwrap();
    let mut meta = koers_core::catalog::DatasetMeta::for_new("Wijken", &app.org_a.name);
    meta.access_rights = AccessRights::Public;
    let options = ImportOptions {
        crs: Some("EPSG:28992"),
        meta: Some(meta),
        ..Default::default()
    };
    app.import_path(&app.org_a, file, "wijken", options)
        .await
        .unwrap();
    app
}

#[tokio::test]
async fn ogc_api_features_of_another_koers_is_imported() {
    let publisher = publishing_app().await;
    let ogc = publisher.base.replace("127.0.0.1", "localhost") + "/ogc";
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let offers = offers_of(&c, "ogcapi", &ogc).await;
    assert_offered(&offers, "pv26_wijken");
    for crs in ["EPSG:4326", "EPSG:28992"] {
        let name = format!("wijken_{}", &crs[5..]);
        let done = import(&c, json!({"kind": "ogcapi", "url": format!("{ogc}/collections/pv26_wijken/items?f=json"), "crs": crs, "name": name})).await;
        assert_eq!(done["state"], "done", "{done}");
        let got = rows(
            &app,
            &format!("SELECT wijkcode, ST_X(ST_Centroid(geom)) FROM {name} ORDER BY wijkcode"),
        )
        .await;
        assert_eq!(got.len(), 5, "{crs}");
        let x = got[0][1].as_f64().unwrap();
        if crs == "EPSG:28992" {
            assert!((x - 136400.0).abs() < 1.0, "{x}");
        } else {
            assert!((4.0..6.0).contains(&x), "{x}");
        }
    }
    // A bounding box keeps what lies in it.
    let done = import(&c, json!({"kind": "ogcapi", "url": ogc, "item": "pv26_wijken", "crs": "EPSG:28992", "bbox": "135000,454000,138500,457000", "name": "wijken_bbox"})).await;
    assert_eq!(done["state"], "done", "{done}");
    let got = rows(&app, "SELECT COUNT(*) FROM wijken_bbox").await;
    assert!(got[0][0].as_i64().unwrap() < 5, "{got:?}");
    // An unknown collection.
    let bad = import(
        &c,
        json!({"kind": "ogcapi", "url": ogc, "item": "onbekend"}),
    )
    .await;
    assert_failed(&bad, "404");
}

#[tokio::test]
async fn bad_services_and_bad_input_are_refused() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let port = f.base.rsplit(':').next().unwrap().to_string();
    for (body, expect) in [
        // Nothing listens on port 1.
        (
            json!({"kind": "ogcapi", "url": "http://localhost:1/ogc", "item": "x"}),
            "ophalen mislukt",
        ),
        (
            json!({"kind": "ogcapi", "url": format!("{}/html", f.base), "item": "x"}),
            "geen JSON maar text/html",
        ),
        (
            json!({"kind": "odata", "url": format!("{}/html", f.base), "item": "x"}),
            "geen",
        ),
        // An internal address that is not allow-listed.
        (
            json!({"kind": "odata", "url": format!("http://127.0.0.1:{port}/odata/85318NED")}),
            "privé",
        ),
        (
            json!({"kind": "ogcapi", "url": format!("{}/big", f.base), "item": "x"}),
            "grens",
        ),
    ] {
        let r = import(&c, body.clone()).await;
        assert_eq!(r["state"], "failed", "{body}");
        assert!(r["error"].as_str().unwrap().contains(expect), "{body}: {r}");
    }
    // The HTML page as a listing: a clear problem.
    let p = c
        .get(&format!(
            "/api/v1/service-offers?kind=ogcapi&url={}/html",
            f.base
        ))
        .await
        .expect(400)
        .json();
    assert!(p["detail"].as_str().unwrap().contains("text/html"), "{p}");
    // Invalid definitions: every problem at once, as problem+json, and no dataset.
    let r = c.post_json("/api/v1/source-imports", &json!({"kind": "gopher", "url": "file:///etc/passwd", "bbox": "1,2", "every": "yearly", "name": "Slecht Naam"})).await;
    r.assert_status(400);
    assert!(
        r.headers()[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .contains("problem+json")
    );
    let p: Value = r.json();
    assert_invalid(&p, &["kind", "url", "bbox", "every", "name"]);
    c.post_json("/api/v1/source-imports", &json!({"kind": 3, "url": ["x"]}))
        .await
        .assert_status(400);
    assert!(app.datasets_of(&app.org_a.id).await.is_empty());
    // A viewer may not import.
    let v = app.api_as("viewer@pv26.example").await;
    v.post_json(
        "/api/v1/source-imports",
        &json!({"kind": "odata", "url": format!("{}/odata/85318NED", f.base)}),
    )
    .await
    .assert_status(403);
}

#[tokio::test]
async fn another_organisations_source_is_not_found() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let done = import(
        &c,
        json!({"kind": "odata", "url": format!("{}/odata/85318NED", f.base)}),
    )
    .await;
    let id = done["datasetId"].as_str().unwrap().to_string();
    // Published to everyone, still not B's to read the source of or refresh.
    app.set_dataset_access(&app.org_a.id, &id, AccessRights::Public)
        .await;
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("/api/v1/datasets/{id}/source"))
        .await
        .assert_status(404);
    b.put_json(
        &format!("/api/v1/datasets/{id}/source"),
        &json!({"kind": "odata", "url": "https://opendata.cbs.nl/ODataApi/odata/85318NED"}),
    )
    .await
    .assert_status(404);
    b.post(&format!("/api/v1/datasets/{id}/refreshes"))
        .await
        .assert_status(404);
    let p = app.page_as("admin@gm0796.example").await;
    for path in [
        format!("/bronnen/{id}/verversen"),
        format!("/bronnen/{id}/dienst"),
    ] {
        let r = p
            .post_form(
                &path,
                &[("kind", "odata"), ("url", "https://opendata.cbs.nl/x")],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let source = app.store.sources().dataset_source(&id).await.unwrap();
    assert_eq!(
        source.definition["url"],
        format!("{}/odata/85318NED", f.base)
    );
}

#[tokio::test]
async fn the_pages_list_a_service_import_it_and_refresh() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let html = c.get_ok("/bronnen").await.text();
    assert!(html.contains("action=\"/bronnen/dienst\""));
    let url = format!("{}/wfs", f.base);
    let html = c
        .get_ok(&format!("/bronnen/dienst?kind=wfs&url={}", urlencode(&url)))
        .await
        .text();
    assert!(html.contains("value=\"wijkenbuurten:buurten\""), "{html}");
    // A bad area: the form again with the problem.
    c.post_form(
        "/bronnen/dienst",
        &[
            ("kind", "wfs"),
            ("url", url.as_str()),
            ("item", "wijkenbuurten:wijken"),
            ("bbox", "9,9,1,1"),
            ("every", "weekly"),
        ],
    )
    .await
    .assert_shows(400, &["minx moet kleiner"]);
    let r = c
        .post_form(
            "/bronnen/dienst",
            &[
                ("kind", "wfs"),
                ("url", url.as_str()),
                ("item", "wijkenbuurten:wijken"),
                ("every", "weekly"),
            ],
        )
        .await;
    r.assert_status(303);
    let job = r.headers()[header::LOCATION].to_str().unwrap().to_string();
    let html = crate::catalog::wait_job(&c, &job).await;
    let id = html
        .split("href=\"/bronnen/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .unwrap()
        .to_string();
    let page = c.get_ok(&format!("/bronnen/{id}")).await.text();
    assert!(page.contains("Nu verversen"), "{page}");
    assert!(page.contains("Elke week"));
    c.submit(
        &format!("/bronnen/{id}/dienst"),
        &[
            ("kind", "wfs"),
            ("url", url.as_str()),
            ("item", "wijkenbuurten:wijken"),
            ("crs", "EPSG:28992"),
            ("every", "daily"),
        ],
    )
    .await
    .assert_shows(200, &["Het schema is opgeslagen"]);
    c.post_form(&format!("/bronnen/{id}/verversen"), &[])
        .await
        .assert_status(303);
}

/// Stops a server process when the test ends.
/// A server process started in a process group of its own, stopped with everything it
/// started (pygeoapi's Flask server runs a reloader child) when dropped.
struct Kill(std::process::Child);

impl Drop for Kill {
    fn drop(&mut self) {
        let _ = std::process::Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0.id())])
            .status();
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// pygeoapi (from the test venv) serving `pygeoapi_gemeenten.geojson` as collection
/// `gemeenten`, 2 features per page, on a free port; its base URL.
async fn pygeoapi(dir: &std::path::Path) -> (Kill, String) {
    let python = crate::ogc::python();
    let bin = python.with_file_name("pygeoapi");
    assert!(
        bin.exists(),
        "{} is missing: run ./scripts/test (it installs pygeoapi)",
        bin.display()
    );
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let data = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/sources/pygeoapi_gemeenten.geojson");
    let cfg = fixture_file("pygeoapi.yml")
        .replace("PORT", &port.to_string())
        .replace("DATA", &data.display().to_string());
    std::fs::write(dir.join("cfg.yml"), cfg).unwrap();
    let generated = std::process::Command::new(&bin)
        .args([
            "openapi",
            "generate",
            "cfg.yml",
            "--output-file",
            "openapi.yml",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(
        generated.status.success(),
        "{}",
        String::from_utf8_lossy(&generated.stderr)
    );
    use std::os::unix::process::CommandExt;
    let child = std::process::Command::new(&bin)
        .arg("serve")
        .process_group(0)
        .current_dir(dir)
        .env("PYGEOAPI_CONFIG", dir.join("cfg.yml"))
        .env("PYGEOAPI_OPENAPI", dir.join("openapi.yml"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let guard = Kill(child);
    let base = format!("http://localhost:{port}");
    for _ in 0..300 {
        if reqwest::get(format!("{base}/collections?f=json"))
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            return (guard, base);
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("pygeoapi did not start on {base}");
}

#[tokio::test]
async fn pygeoapi_collection_is_read_page_by_page() {
    let dir = tempfile::tempdir().unwrap();
    let (_server, base) = pygeoapi(dir.path()).await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let offers = offers_of(&c, "ogcapi", &base).await;
    assert_eq!(offers[0]["id"], "gemeenten", "{offers}");
    let done = import(
        &c,
        json!({"kind": "ogcapi", "url": base, "item": "gemeenten"}),
    )
    .await;
    assert_eq!(done["state"], "done", "{done}");
    // Five features over three pages of two.
    let got = rows(&app, "SELECT code, ST_X(geom) FROM gemeenten ORDER BY code").await;
    assert_eq!(got.len(), 5);
    assert_eq!(got[4][0], "GM0344");
    assert!((got[4][1].as_f64().unwrap() - 5.4).abs() < 1e-9);
}

#[tokio::test]
async fn a_source_job_counts_features_then_bytes_in_the_page_and_the_api() {
    use koers_engine::{Progress, Unit};
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let job = app.ws.jobs.start(&app.org_a.id, "PDOK WFS buurten");
    job.set_total(1200, Unit::Features);
    job.advance(300);
    let fragment = format!("/bronnen/taken/{}/voortgang", job.id);
    let html = c.get_ok(&fragment).await.text();
    assert!(html.contains("25% · 300 / 1.200 objecten"), "{html}");
    assert!(!html.contains("MB"), "{html}");
    let api = app.api_as("admin@pv26.example").await;
    let out = api.get_ok(&format!("/api/v1/jobs/{}", job.id)).await.json();
    assert_eq!(
        (&out["done"], &out["total"], &out["unit"], &out["percent"]),
        (&json!(300), &json!(1200), &json!("features"), &json!(25))
    );
    // Rows of a statistical service whose total is not known: no percentage, an open bar.
    job.set_total(0, Unit::Rows);
    job.advance(500);
    let html = c.get_ok(&fragment).await.text();
    assert!(html.contains(">500 rijen<"), "{html}");
    assert!(!html.contains("value="), "{html}");
    // Then the import of what was fetched, in bytes.
    job.set_total(3 << 20, Unit::Bytes);
    job.advance(1 << 20);
    let html = c.get_ok(&fragment).await.text();
    assert!(html.contains("33% · 1 / 3 MB"), "{html}");
}

/// A URL with a user name, a password and tokens in it: the version's source keeps none of
/// them (nor does the audit log), a refresh still reads the service with them, and another
/// organisation sees of a public dataset's versions only what the public catalog shows.
#[tokio::test]
async fn credentials_in_an_import_url_are_never_shown_and_outsiders_see_the_catalog_only() {
    let f = fixture().await;
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let secret_base = f.base.replace("http://", "http://jan:geheim@");
    let secrets = ["geheim", "abc123", "k3y"];

    // A file from a URL.
    let job = c.post_json("/api/v1/datasets", &json!({"url": format!("{secret_base}/files/wegen.csv?jaar=2024&token=abc123"), "name": "wegen"})).await.expect(202).json();
    let done = c.job_end(&job).await;
    assert_eq!(done["state"], "done", "{done}");
    let wegen = done["datasetId"].as_str().unwrap().to_string();
    // A service, refreshed with the credentials kept for it.
    let wfs = format!("{secret_base}/wfs?request=GetCapabilities&service=WFS&apikey=k3y");
    let done = import(
        &c,
        json!({"kind": "wfs", "url": wfs, "item": "wijkenbuurten:wijken"}),
    )
    .await;
    assert_eq!(done["state"], "done", "{done}");
    let wijken = done["datasetId"].as_str().unwrap().to_string();
    assert_eq!(refresh(&c, &wijken).await["state"], "done");

    let own = versions_of(&c, &wegen).await;
    assert_eq!(
        own[0]["source"],
        format!("{}/files/wegen.csv?jaar=2024&token=***", f.base)
    );
    assert_eq!(own[0]["createdBy"], "admin@pv26.example");
    let own = versions_of(&c, &wijken).await;
    assert!(
        own[0]["source"].as_str().unwrap().contains("apikey=***"),
        "{own}"
    );
    let page = c.get_ok(&format!("/bronnen/{wegen}")).await.text();
    let log = serde_json::to_string(
        &app.audit_log(100)
            .await
            .iter()
            .map(|e| &e.detail)
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(
        log.contains("apikey=***") && log.contains("token=***"),
        "{log}"
    );
    for shown in [own.to_string(), page, log] {
        for s in secrets {
            assert!(!shown.contains(s), "{s} in {shown}");
        }
    }

    // Public: another organisation sees what the catalog shows, not where it came from or
    // who imported it — in the API and on the page.
    for id in [&wegen, &wijken] {
        app.set_dataset_access(&app.org_a.id, id, AccessRights::Public)
            .await;
    }
    let b = app.api_as("admin@gm0796.example").await;
    for id in [&wegen, &wijken] {
        let seen = versions_of(&b, id).await;
        let v = &seen[0];
        assert_eq!(v["version"], 1, "{seen}");
        assert!(v["rowCount"].as_i64().unwrap() > 0);
        assert!(
            v.get("source").is_none() && v.get("createdBy").is_none(),
            "{v}"
        );
        let page = b.get_ok(&format!("/bronnen/{id}")).await.text();
        for shown in [seen.to_string(), page] {
            for s in secrets
                .iter()
                .chain(&["admin@pv26.example", f.base.as_str()])
            {
                assert!(!shown.contains(s), "{s} in {shown}");
            }
        }
    }
}
