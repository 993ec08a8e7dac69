//! Dashboards (M3): widgets over saved analyses with global filters as parameters, drill
//! down from a province to its municipalities, cached data that turns stale, versions that
//! cannot overwrite each other and can be compared and restored, sharing by role and by
//! public link (which shows nothing else), exports as CSV, PNG and PDF, and bad input.

use crate::helpers::{TestApp, assert_invalid, field_of_each, invalid_names, items};
use crate::session::Session;
use serde_json::{Value, json};

const CSV: &str = "jaar,provincie,gemeente,modaliteit,tonnen\n\
2023,PV26,GM0344,weg,100\n2023,PV26,GM0307,spoor,40\n2023,PV27,GM0363,weg,300\n\
2024,PV26,GM0344,weg,120\n2024,PV26,GM0307,weg,60\n2024,PV26,GM0344,spoor,30\n2024,PV27,GM0363,binnenvaart,500\n";

/// Organisation A's freight with three analyses: per province (by year), per year and
/// mode, and per municipality of a province (the drill-down).
pub(crate) async fn freight(app: &TestApp) -> (String, String, String) {
    app.import(&app.org_a, "vracht", "csv", CSV).await;
    let per_province = app.save_analysis(
        &app.org_a.id,
        "Tonnen per provincie",
        "SELECT provincie, SUM(tonnen) AS tonnen FROM vracht WHERE jaar = {{jaar}} GROUP BY provincie ORDER BY provincie",
        &[("jaar", "integer", "2024")],
    )
    .await;
    let per_mode = app.save_analysis(
        &app.org_a.id,
        "Tonnen per jaar en modaliteit",
        "SELECT jaar, modaliteit, SUM(tonnen) AS tonnen FROM vracht GROUP BY jaar, modaliteit ORDER BY jaar, modaliteit",
        &[],
    )
    .await;
    let per_municipality = app.save_analysis(
        &app.org_a.id,
        "Tonnen per gemeente",
        "SELECT gemeente, SUM(tonnen) AS tonnen FROM vracht WHERE jaar = {{jaar}} AND provincie = {{provincie}} GROUP BY gemeente ORDER BY gemeente",
        &[("jaar", "integer", "2024"), ("provincie", "text", "PV26")],
    )
    .await;
    (per_province, per_mode, per_municipality)
}

/// Organisation A's freight ([`freight`]) on a dashboard "Logistiek" ([`definition`]) its
/// administrator made; the dashboard's id and the three analyses' ids.
pub(crate) async fn freight_dashboard(app: &TestApp) -> (String, (String, String, String)) {
    let (p, m, g) = freight(app).await;
    let id = app
        .api_as("admin@pv26.example")
        .await
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Logistiek", "definition": definition(&p, &m, &g)}),
        )
        .await
        .id();
    (id, (p, m, g))
}

/// Forgets what `column` means through the page form at `action` (all fields empty); the
/// page says so beside the form.
async fn forget_column(pc: &Session, action: &str, column: &str) {
    let fields = [
        ("column", column),
        ("title", ""),
        ("unit", ""),
        ("codes", ""),
    ];
    let sent = pc.post_form(action, &fields).await.expect(303);
    // Back to the page, with the same column's form open.
    let page = action.trim_end_matches("/kolommen");
    let back = format!("{page}?kolom={column}#kolom-beschrijven");
    assert_eq!(sent.header("location"), back);
    let html = pc.page(&back).await;
    let said = format!("Opgeslagen wat kolom {column} betekent.");
    assert!(html.contains(&said), "{html}");
    let chosen = format!("<option value=\"{column}\" selected>");
    assert!(html.contains(&chosen), "{html}");
}

pub(crate) fn definition(per_province: &str, per_mode: &str, per_municipality: &str) -> Value {
    json!({
        "widgets": [
            {"kind": "stacked", "title": "Tonnen per jaar en modaliteit", "analysisId": per_mode,
             "categoryColumn": "jaar", "valueColumn": "tonnen", "seriesColumn": "modaliteit"},
            {"kind": "choropleth", "title": "Tonnen per provincie", "analysisId": per_province,
             "categoryColumn": "provincie", "valueColumn": "tonnen", "level": "province",
             "drillParam": "provincie", "drillAnalysisId": per_municipality, "drillCategoryColumn": "gemeente"},
            {"kind": "extrude", "title": "Tonnen in 3D", "analysisId": per_province,
             "categoryColumn": "provincie", "valueColumn": "tonnen", "level": "province"},
            {"kind": "table", "title": "Tabel", "analysisId": per_mode},
            {"kind": "text", "title": "Toelichting", "text": "Gegenereerde cijfers.\n\nTweede alinea.", "wide": true}
        ],
        "filters": [
            {"param": "jaar", "label": "Jaar", "kind": "slider", "min": 2023, "max": 2024, "default": "2024"},
            {"param": "provincie", "label": "Provincie", "kind": "select", "options": ["PV26", "PV27"]}
        ]
    })
}

fn widget<'a>(board: &'a Value, id: &str) -> &'a Value {
    items(&board["widgets"])
        .iter()
        .find(|w| w["widget"]["id"] == id)
        .unwrap()
}

#[tokio::test]
pub(crate) async fn a_dashboard_filters_drills_down_keeps_versions_and_refuses_bad_input() {
    let app = TestApp::spawn().await;
    let (p, m, g) = freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let d = c.create("/api/v1/dashboards", &json!({"name": "Logistiek", "description": "Goederenvervoer", "definition": definition(&p, &m, &g)})).await;
    let id = d["id"].as_str().unwrap().to_string();
    assert_eq!(d["version"], 1);
    assert_eq!(d["visibility"], "private");
    let ids = field_of_each(&d["definition"]["widgets"], "id");
    assert_eq!(ids, vec!["w1", "w2", "w3", "w4", "w5"]);

    // Data with the default filters (2024, all provinces).
    let b: Value = c.get_json(&format!("/api/v1/dashboards/{id}/data")).await;
    assert_eq!(b["filters"]["jaar"], "2024");
    let map = &widget(&b, "w2")["data"];
    assert_eq!(map["level"], "province");
    assert_eq!(map["rows"], json!([["PV26", 210], ["PV27", 500]]));
    assert!(widget(&b, "w5")["data"].is_null());

    // The time slider: 2023. Drill-down: province PV26 shows its municipalities.
    let b: Value = c
        .get_json(&format!(
            "/api/v1/dashboards/{id}/data?jaar=2023&provincie=PV26"
        ))
        .await;
    let map = &widget(&b, "w2")["data"];
    assert_eq!(map["drilled"], true, "{map}");
    assert_eq!(map["level"], "municipality");
    assert_eq!(map["rows"], json!([["GM0307", 40], ["GM0344", 100]]));
    // The other province widget has no drill-down and ignores the province filter, and says so.
    assert_eq!(
        widget(&b, "w3")["data"]["rows"],
        json!([["PV26", 140], ["PV27", 300]])
    );
    assert_eq!(widget(&b, "w3")["unfiltered"], json!(["Provincie"]));
    assert_eq!(widget(&b, "w3")["source"], "Tonnen per provincie");
    assert_eq!(widget(&b, "w2")["unfiltered"], json!([]));
    assert_eq!(widget(&b, "w1")["unfiltered"], json!(["Jaar", "Provincie"]));
    // What did reach a widget, with its value: what its picture names as its filter choice.
    assert_eq!(
        widget(&b, "w3")["applied"],
        json!([{"param": "jaar", "label": "Jaar", "value": "2023"}])
    );
    assert_eq!(widget(&b, "w1")["applied"], json!([]));
    let page = app
        .page_as("admin@pv26.example")
        .await
        .page(&format!("/dashboards/{id}?f.jaar=2023&f.provincie=PV26"))
        .await;
    assert!(
        page.contains("Ingezoomd op de gemeenten van <strong>Utrecht</strong>"),
        "{page}"
    );
    assert!(page.contains("Terug naar alle provincies") && page.contains("f.provincie=\""));
    assert!(page.contains("Niet gefilterd op: Provincie"));

    // Evidence: what the board saw for 2023, with the exact SQL and the dataset versions.
    let snap = c
        .create(
            &format!("/api/v1/dashboards/{id}/snapshots"),
            &json!({"note": "PS 12 maart", "filters": {"jaar": "2023"}}),
        )
        .await;
    let content = &snap["content"]["content"];
    assert_eq!(content["filters"]["jaar"], "2023");
    let w2 = &content["widgets"][1];
    assert!(
        w2["query"]["sql"]
            .as_str()
            .unwrap()
            .contains("jaar = {{jaar}}")
    );
    assert_eq!(w2["query"]["parameters"], json!({"jaar": 2023}));
    assert_eq!(w2["query"]["datasetVersions"][0]["query"], "vracht@1");
    assert_eq!(w2["data"]["rows"], json!([["PV26", 140], ["PV27", 300]]));
    assert!(snap["contentHash"].as_str().unwrap().starts_with("sha256:"));
    assert_eq!(snap["intact"], true, "{snap}");

    // Bad filter values are named; hostile text never reaches SQL.
    let r = c
        .get(&format!(
            "/api/v1/dashboards/{id}/data?jaar=1999&provincie=x'%20OR%201=1"
        ))
        .await;
    r.assert_status(400);
    assert_eq!(r.header("content-type"), "application/problem+json");
    let problem: Value = r.json();
    assert_eq!(
        invalid_names(&problem),
        vec!["filter.jaar", "filter.provincie"]
    );

    // A save names the version it was made from; a stale one is refused and changes nothing.
    let mut def2 = d["definition"].clone();
    def2["widgets"].as_array_mut().unwrap().remove(3);
    def2["widgets"][0]["kind"] = json!("line");
    let r = c
        .put_json(
            &format!("/api/v1/dashboards/{id}"),
            &json!({"version": 1, "name": "Logistiek", "definition": def2, "note": "tabel weg"}),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.json()["version"], 2);
    c.put_json(
        &format!("/api/v1/dashboards/{id}"),
        &json!({"version": 1, "name": "Overschreven", "definition": {"widgets": []}}),
    )
    .await
    .assert_status(409);
    let now: Value = c.get_json(&format!("/api/v1/dashboards/{id}")).await;
    assert_eq!(
        (now["version"].as_i64(), now["name"].as_str()),
        (Some(2), Some("Logistiek"))
    );

    // Compare and restore.
    let changes: Value = c
        .get_json(&format!("/api/v1/dashboards/{id}/changes?from=1&to=2"))
        .await;
    let said: Vec<String> = changes
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            format!(
                "{} {}",
                c["change"].as_str().unwrap(),
                c["key"].as_str().unwrap()
            )
        })
        .collect();
    assert_eq!(said, vec!["changed w1", "removed w4"]);
    let r = c
        .post_json(
            &format!("/api/v1/dashboards/{id}/versions/1/restore"),
            &json!({}),
        )
        .await;
    let restored: Value = r.json();
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["definition"], d["definition"]);
    let versions: Value = c
        .get_json(&format!("/api/v1/dashboards/{id}/versions"))
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 3);
    assert_eq!(versions[0]["note"], "versie 1 teruggezet");
    c.get(&format!("/api/v1/dashboards/{id}/versions/99"))
        .await
        .assert_status(404);

    // Bad definitions: every problem named; another organisation's analysis is unknown.
    let b_analysis = {
        app.import(&app.org_b, "geheim", "csv", "a,b\n1,2\n").await;
        app.save_analysis(&app.org_b.id, "B", "SELECT a, b FROM geheim", &[])
            .await
    };
    let problem = c.post_json("/api/v1/dashboards", &json!({"name": "", "definition": {"widgets": [
            {"kind": "table", "title": "x", "analysisId": b_analysis},
            {"kind": "choropleth", "title": "", "analysisId": p},
            {"kind": "text", "title": "t", "text": "<script>alert(1)</script>", "drillParam": "jaar"}
        ], "filters": [{"param": "1x", "label": "X", "kind": "slider", "min": 5, "max": 1}]}}))
    .await.expect(400).json();
    let got = invalid_names(&problem);
    for expected in [
        "name",
        "filters[0].param",
        "filters[0].max",
        "widgets[1].title",
        "widgets[1].categoryColumn",
        "widgets[1].level",
        "widgets[2].drillParam",
        "widgets[0].analysisId",
    ] {
        assert!(
            got.contains(&expected.to_string()),
            "{expected} missing in {got:?}"
        );
    }
    for body in [
        json!({"name": "x", "definition": "widgets"}),
        json!({"name": "x", "definition": {"widgets": [{"kind": "pie", "title": "x"}]}}),
        json!({"name": 5}),
    ] {
        c.post_json("/api/v1/dashboards", &body)
            .await
            .assert_status(400);
    }
    let problem = c
        .post_body("/api/v1/dashboards", "application/json", "{not json")
        .await
        .expect(400)
        .json();
    assert_eq!(
        problem["detail"],
        "Ongeldige JSON: regel 1, kolom 2: een sleutel hoort een tekst tussen aanhalingstekens"
    );
    assert_eq!(
        app.store
            .dashboards()
            .dashboards(&app.org_a.id)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
pub(crate) async fn sharing_by_role_and_by_public_link_shows_only_that_dashboard() {
    let app = TestApp::spawn().await;
    let (p, m, g) = freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let mk = async |name: &str, def: Value| {
        c.post_json(
            "/api/v1/dashboards",
            &json!({"name": name, "definition": def}),
        )
        .await
        .expect(201)
        .id()
    };
    let id = mk("Logistiek openbaar", definition(&p, &m, &g)).await;
    let secret_def = json!({"widgets": [{"kind": "text", "title": "Geheim onderdeel", "text": "Vertrouwelijk 987654"}]});
    let secret = mk("Geheim dashboard", secret_def).await;

    // A viewer sees neither while they are private, and may not make one.
    let v = app.api_as("viewer@pv26.example").await;
    for d in [&id, &secret] {
        v.get(&format!("/api/v1/dashboards/{d}"))
            .await
            .assert_status(404);
    }
    v.post_json("/api/v1/dashboards", &json!({"name": "x"}))
        .await
        .assert_status(403);
    let listed: Value = v.get_json("/api/v1/dashboards").await;
    assert!(listed.as_array().unwrap().is_empty());

    // Shared with viewers: readable, not changeable.
    c.put_json(
        &format!("/api/v1/dashboards/{id}/sharing"),
        &json!({"visibility": "roles", "roles": ["viewer"]}),
    )
    .await
    .assert_status(200);
    v.get(&format!("/api/v1/dashboards/{id}/data"))
        .await
        .assert_status(200);
    v.put_json(
        &format!("/api/v1/dashboards/{id}/sharing"),
        &json!({"visibility": "public"}),
    )
    .await
    .assert_status(403);
    let r = c
        .put_json(
            &format!("/api/v1/dashboards/{id}/sharing"),
            &json!({"visibility": "everyone", "roles": ["king"]}),
        )
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), vec!["visibility", "roles"]);

    // Public: a link without login, read-only, with only this dashboard's data.
    let r = c
        .put_json(
            &format!("/api/v1/dashboards/{id}/sharing"),
            &json!({"visibility": "public", "roles": ["viewer"]}),
        )
        .await;
    let shared: Value = r.json();
    let path = shared["publicPath"].as_str().unwrap().to_string();
    // The dashboard's page shows the link and an embed snippet with this server's address,
    // so the snippet works on another site.
    let page = app
        .page_as("admin@pv26.example")
        .await
        .page(&format!("/dashboards/{id}"))
        .await
        .replace("&#x2f;", "/");
    let origin = app.url("");
    assert!(page.contains(&format!("{origin}{path}")), "{page}");
    assert!(
        page.contains(&format!("src=&quot;{origin}/embed/")),
        "{page}"
    );
    let anon = app.anonymous();
    let html = anon.get(&path).await.expect(200).text();
    assert!(html.contains("Logistiek openbaar") && html.contains("Tonnen per provincie"));
    assert!(!html.contains("Geheim") && !html.contains("987654"));
    assert!(!html.contains("/api/v1") && !html.contains("csrf"));
    let r = anon
        .get(&format!("{path}/onderdelen/w2.csv?f.jaar=2023"))
        .await;
    r.assert_status(200);
    assert_eq!(r.text(), "provincie,tonnen\r\nPV26,140\r\nPV27,300\r\n");
    let png = anon.get(&format!("{path}/onderdelen/w2.png")).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert_eq!(&png.bytes()[..4], b"\x89PNG");
    // Nothing else through the link: another dashboard's widget, the API, the pages.
    for other in [
        format!("{path}/onderdelen/w9.csv"),
        format!("{path}/onderdelen/../../dashboards/{secret}"),
        "/openbaar/onbekend".to_string(),
        format!("/api/v1/dashboards/{secret}"),
        format!("/dashboards/{id}"),
    ] {
        let r = anon.get(&other).await;
        assert!(
            matches!(r.status().as_u16(), 401 | 404)
                || r.headers()
                    .get("location")
                    .is_some_and(|l| l.to_str().unwrap().starts_with("/login")),
            "{other}: {}",
            r.status()
        );
    }
    anon.get(shared["embedPath"].as_str().unwrap())
        .await
        .assert_status(200);
    // A bad filter on the public page is explained, not an error page.
    let r = anon.get(&format!("{path}?f.jaar=abc")).await;
    r.assert_status(400);
    assert!(r.text().contains("Jaar moet een geheel getal"));

    // A new link replaces the old; private again closes it.
    let r = c
        .put_json(
            &format!("/api/v1/dashboards/{id}/sharing"),
            &json!({"visibility": "public", "newLink": true}),
        )
        .await;
    let renewed: Value = r.json();
    assert_ne!(renewed["publicPath"], shared["publicPath"]);
    let old = anon.get(&path).await;
    assert_eq!(old.status(), 404, "{path} {renewed} {}", old.text());
    c.put_json(
        &format!("/api/v1/dashboards/{id}/sharing"),
        &json!({"visibility": "private"}),
    )
    .await;
    let newer = renewed["publicPath"].as_str().unwrap();
    assert_eq!(anon.get(newer).await.status(), 404);

    // Organisation B sees nothing of A's.
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("/api/v1/dashboards/{id}/data"))
        .await
        .assert_status(404);
    let listed: Value = b.get_json("/api/v1/dashboards").await;
    assert!(listed.as_array().unwrap().is_empty());
}

#[tokio::test]
async fn pages_build_refresh_and_export_a_dashboard_and_show_stale_data() {
    let app = TestApp::spawn().await;
    let (id, (p, _, _)) = freight_dashboard(&app).await;
    let c = app.api_as("admin@pv26.example").await;

    let pc = app.page_as("admin@pv26.example").await;
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(html.contains("<svg class=\"koers-chart\""));
    assert!(html.contains("koers-map--3d"));
    // A map's legend names its measure in words: the column is not in the catalog, so the
    // widget's title names it, not `tonnen` as the query calls it.
    assert!(html.contains("Legenda: Tonnen per provincie<"), "{html}");
    // Drill-down links keep the other choices.
    assert!(html.contains("href=\"/dashboards/".to_string().as_str()));
    assert!(html.contains("f.jaar=2024&amp;f.provincie=PV26"));
    assert!(html.contains("Gegenereerde cijfers."));
    let html = pc
        .page(&format!(
            "/dashboards/{id}?f.provincie=PV26&rot.w3=90&tilt.w3=30"
        ))
        .await;
    assert!(html.contains("Utrecht") && html.contains("Amersfoort"));
    assert!(html.contains("value=\"90\""));

    // Exports: CSV, PNG of a widget and of the dashboard, PDF with the figures.
    let csv = pc.get(&format!("/dashboards/{id}/onderdelen/w4.csv")).await;
    assert!(
        csv.header("content-disposition")
            .contains("logistiek-w4.csv")
    );
    assert!(
        csv.text()
            .starts_with("jaar,modaliteit,tonnen\r\n2023,spoor,40")
    );
    let nl = pc
        .get(&format!(
            "/dashboards/{id}/onderdelen/w4.csv?formaat=excel-nl"
        ))
        .await;
    assert!(
        nl.text()
            .starts_with("\u{feff}jaar;modaliteit;tonnen\r\n2023;spoor;40"),
        "{}",
        nl.text()
    );
    for file in ["onderdelen/w1.png", "dashboard.png"] {
        let r = pc.get(&format!("/dashboards/{id}/{file}")).await;
        assert_eq!(r.status(), 200, "{file}");
        assert_eq!(&r.bytes()[..4], b"\x89PNG");
    }
    pc.get(&format!("/dashboards/{id}/onderdelen/w5.png"))
        .await
        .assert_status(422);
    pc.get(&format!("/dashboards/{id}/onderdelen/w5.csv"))
        .await
        .assert_status(404);
    let pdf = pc
        .get(&format!("/dashboards/{id}/dashboard.pdf"))
        .await
        .bytes()
        .to_vec();
    let text = crate::maturity::pdf_text(&pdf);
    assert!(
        text.contains("Logistiek")
            && text.contains("Tonnen per provincie")
            && text.contains("PV27")
    );
    // For a filter choice: the filters by their labels and values as people read them; a
    // widget the choice does not reach says so.
    let pdf = pc
        .get(&format!(
            "/dashboards/{id}/dashboard.pdf?f.jaar=2023&f.provincie=PV27"
        ))
        .await
        .bytes()
        .to_vec();
    let text = crate::maturity::pdf_text(&pdf);
    assert!(
        text.contains("Filters — Jaar: 2023, Provincie: Noord-Holland"),
        "{text}"
    );
    assert!(
        text.contains("Tabel\nBron: Tonnen per jaar en modaliteit · Berekend op ")
            && text.contains("Niet gefilterd op: Jaar, Provincie\njaar"),
        "the table of a source without parameters: {text}"
    );

    // The editor: add a widget by form; a form made from an old version is refused.
    let editor = format!("/dashboards/{id}/bewerken");
    // The filters are listed with their options as readers read them, not as codes.
    let html = pc.page(&editor).await;
    assert!(
        html.contains("keuzelijst: Utrecht, Noord-Holland)"),
        "{html}"
    );
    let form = |version, title| {
        [
            ("version", version),
            ("action", "add_widget"),
            ("kind", "bar"),
            ("title", title),
            ("analysisId", p.as_str()),
            ("categoryColumn", "provincie"),
            ("valueColumn", "tonnen"),
        ]
    };
    pc.submit(&editor, &form("1", "Staven"))
        .await
        .assert_shows(200, &["Het onderdeel is toegevoegd."]);
    pc.post_form(&editor, &form("1", "Dubbel"))
        .await
        .assert_shows(409, &["intussen door iemand anders opgeslagen"]);
    let mut bad = form("2", "");
    bad[2].1 = "pie";
    pc.post_form(&editor, &bad).await.assert_status(400);
    let d = app.dashboard(&id).await;
    assert_eq!(d.version, 2);
    assert_eq!(d.definition.widgets.len(), 6);
    // Without the CSRF token nothing happens.
    pc.send(pc.client().post(pc.url(&editor)).form(&form("2", "x")))
        .await
        .assert_status(403);

    // Refresh with progress, then a new import makes the cached figures stale.
    let r = pc
        .post_form(
            &format!("/dashboards/{id}/verversen"),
            &[("query", "f.jaar=2023")],
        )
        .await;
    let job_page = r.header("location").to_string();
    assert!(job_page.starts_with(&format!("/dashboards/{id}/taken/")));
    let mut done = false;
    for _ in 0..100 {
        let html = pc.page(&job_page).await;
        if html.contains("terug-naar-dashboard") {
            done = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(done, "refresh did not finish");
    let before: Value = c.get_json(&format!("/api/v1/dashboards/{id}/data")).await;
    assert_eq!(widget(&before, "w2")["stale"], false);
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.import(
        &app.org_a,
        "vracht",
        "csv",
        "jaar,provincie,gemeente,modaliteit,tonnen\n2024,PV26,GM0344,weg,1\n",
    )
    .await;
    let after: Value = c.get_json(&format!("/api/v1/dashboards/{id}/data")).await;
    assert_eq!(widget(&after, "w2")["stale"], true);
    assert_eq!(widget(&after, "w2")["data"], widget(&before, "w2")["data"]);
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(html.contains("Verouderd"));
    let fresh: Value = c
        .post_json(&format!("/api/v1/dashboards/{id}/refresh"), &json!({}))
        .await
        .json();
    assert_eq!(widget(&fresh, "w2")["stale"], false);
    assert_eq!(widget(&fresh, "w2")["data"]["rows"], json!([["PV26", 1]]));

    // A schedule: the due refresh runs once (claimed), on the default filters.
    let r = c
        .put_json(
            &format!("/api/v1/dashboards/{id}/schedule"),
            &json!({"every": "hourly"}),
        )
        .await;
    assert_eq!(r.json()["every"], "hourly");
    c.put_json(
        &format!("/api/v1/dashboards/{id}/schedule"),
        &json!({"every": "yearly"}),
    )
    .await
    .assert_status(400);
    let v = app.api_as("viewer@pv26.example").await;
    v.put_json(
        &format!("/api/v1/dashboards/{id}/schedule"),
        &json!({"every": "daily"}),
    )
    .await
    .assert_status(404);
    let later = chrono::Utc::now() + chrono::Duration::hours(2);
    assert_eq!(
        koers_app::dashboards::run_due(&app.state.ws, later).await,
        1
    );
    assert_eq!(
        koers_app::dashboards::run_due(&app.state.ws, later).await,
        0
    );
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(html.contains("Elk uur"), "the page names the schedule");

    // History page compares and restores.
    let hist = pc
        .page(&format!("/dashboards/{id}/versies?van=1&tot=2"))
        .await;
    assert!(hist.contains("Toegevoegd") && hist.contains("Staven"));
    // When each version was saved, as people write it (no raw timestamps).
    let saved = hist
        .split("<time datetime=\"")
        .skip(1)
        .map(|t| &t[t.find('>').unwrap() + 1..t.find("</time>").unwrap()])
        .collect::<Vec<_>>();
    assert!(!saved.is_empty(), "{hist}");
    for s in saved {
        assert!(!s.contains('T') && s.contains(", "), "{s}");
    }
    let r = pc
        .post_form(&format!("/dashboards/{id}/versies/1/terugzetten"), &[])
        .await;
    assert!(r.status().is_redirection());
    assert_eq!(app.dashboard(&id).await.definition.widgets.len(), 5);
}

/// A refresh keeps a widget's result made of the same query over the same dataset versions
/// (marked as computed now) and computes the others: a widget whose analysis reads the clock
/// every time, and every widget once its data has a new version.
#[tokio::test]
async fn a_refresh_computes_only_what_new_data_or_the_clock_can_change() {
    let app = TestApp::spawn().await;
    app.import(&app.org_a, "vracht", "csv", CSV).await;
    let total = app
        .save_analysis(
            &app.org_a.id,
            "Tonnen",
            "SELECT SUM(tonnen) AS tonnen FROM vracht",
            &[],
        )
        .await;
    let clock = app
        .save_analysis(
            &app.org_a.id,
            "Tonnen en tijd",
            "SELECT SUM(tonnen) AS tonnen, CAST(now() AS VARCHAR) AS nu FROM vracht",
            &[],
        )
        .await;
    let c = app.api_as("admin@pv26.example").await;
    let id = new_dashboard(
        &c,
        "Verversen",
        json!({"widgets": [
            {"kind": "table", "title": "Totaal", "analysisId": total},
            {"kind": "table", "title": "Met klok", "analysisId": clock}
        ]}),
    )
    .await;
    let refresh = || async {
        let r = c
            .post_json(&format!("/api/v1/dashboards/{id}/refresh"), &json!({}))
            .await;
        r.json()
    };
    let first: Value = refresh().await;
    assert_eq!(widget(&first, "w1")["data"]["rows"], json!([[1150]]));

    // The data files gone behind koers' back: what needs no computing is kept all the same,
    // what reads the clock is computed again — and cannot be.
    let files = app.dataset_folder(&app.org_a, "vracht");
    std::fs::rename(&files, files.with_extension("weg")).unwrap();
    let second: Value = refresh().await;
    assert_eq!(widget(&second, "w1")["data"], widget(&first, "w1")["data"]);
    assert!(
        widget(&second, "w1")["computedAt"].as_str() > widget(&first, "w1")["computedAt"].as_str()
    );
    assert!(
        widget(&second, "w2")["data"]["error"].is_string(),
        "{second}"
    );
    std::fs::rename(files.with_extension("weg"), &files).unwrap();

    // A new version: computed again from it.
    app.import(
        &app.org_a,
        "vracht",
        "csv",
        "jaar,provincie,gemeente,modaliteit,tonnen\n2024,PV26,GM0344,weg,7\n",
    )
    .await;
    let third: Value = refresh().await;
    assert_eq!(widget(&third, "w1")["data"]["rows"], json!([[7]]));
    assert_eq!(widget(&third, "w2")["data"]["rows"][0][0], 7);
}

#[tokio::test]
async fn a_chart_over_dates_reads_the_periods_in_the_page_language() {
    let app = TestApp::spawn().await;
    freight(&app).await;
    let per_month = app
        .save_analysis(
            &app.org_a.id,
            "Tonnen per maand",
            "SELECT CAST(CAST(jaar AS VARCHAR) || '-03-01' AS DATE) AS maand, SUM(tonnen) AS tonnen \
             FROM vracht GROUP BY 1 ORDER BY 1",
            &[],
        )
        .await;
    let c = app.api_as("admin@pv26.example").await;
    let id = c
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Per maand", "definition": {"widgets": [
                {"kind": "line", "title": "Tonnen per maand", "analysisId": per_month,
                 "categoryColumn": "maand", "valueColumn": "tonnen"}]}}),
        )
        .await
        .id();
    let pc = app.page_as("admin@pv26.example").await;
    let html = pc.page(&format!("/dashboards/{id}")).await;
    // On the axis, in the points' titles and in the table behind the chart: months, no ISO dates.
    assert!(
        html.contains(">mrt 2023<") && html.contains(">mrt 2024<"),
        "{html}"
    );
    assert!(!html.contains("2023-03-01"), "{html}");
    pc.get("/lang/en?next=/").await;
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(html.contains(">Mar 2024<"), "{html}");
}

#[tokio::test]
async fn an_analysts_column_titles_head_the_dashboards_built_on_the_analysis() {
    let app = TestApp::spawn().await;
    let (id, (p, _, _)) = freight_dashboard(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let column = format!("/api/v1/analyses/{p}/columns/tonnen");
    // Bad input: a code list that is not one, a column the analysis does not return, another
    // organisation's or a reader's attempt — refused, nothing changed.
    let r = c
        .put_json(&column, &json!({"title": "x", "codes": "weg"}))
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["codes"]);
    c.put_json(
        &format!("/api/v1/analyses/{p}/columns/bestaat_niet"),
        &json!({"title": "x"}),
    )
    .await
    .assert_status(404);
    app.api_as("admin@gm0796.example")
        .await
        .put_json(&column, &json!({"title": "x"}))
        .await
        .assert_status(404);
    app.api_as("viewer@pv26.example")
        .await
        .put_json(&column, &json!({"title": "x"}))
        .await
        .assert_status(403);
    let a: Value = c.get_json(&format!("/api/v1/analyses/{p}")).await;
    assert_eq!(a["columnLabels"], json!({}));
    // Labelled: the analysis says so, and the map's legend and table read the title.
    let a = c
        .put_json(
            &column,
            &json!({"title": "Vertrekkend gewicht", "unit": "ton"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(a["columnLabels"]["tonnen"]["title"], "Vertrekkend gewicht");
    let pc = app.page_as("admin@pv26.example").await;
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(
        html.contains("Legenda: Vertrekkend gewicht (ton)<"),
        "{html}"
    );
    // Only that analysis: the table of another analysis with a column `tonnen` keeps its name.
    let other = &html[html.find("Tabel</h").expect("the table widget")..];
    assert!(other.contains(">tonnen</th>"), "{other}");
    // The lists to choose a column from offer it by its heading (indicator form, editor).
    for form in [
        format!("/informatieproducten?analyse={p}"),
        format!("/dashboards/{id}/bewerken?analyse={p}"),
    ] {
        let html = pc.page(&form).await;
        assert!(
            html.contains(">Vertrekkend gewicht (ton) — tonnen</option>"),
            "{form}: {html}"
        );
    }
    // The analysis page lists the columns as shown; all empty forgets the labels again.
    let page = pc.page(&format!("/analyses/{p}")).await;
    assert!(page.contains("Vertrekkend gewicht (ton)"), "{page}");
    // Run, its result table is headed by the column's title, not its name.
    let run = pc.page(&format!("/analyses/{p}/uitvoeren")).await;
    assert!(
        run.contains(">Vertrekkend gewicht (ton)</th>") && !run.contains(">tonnen</th>"),
        "{run}"
    );
    forget_column(&pc, &format!("/analyses/{p}/kolommen"), "tonnen").await;
    let html = pc.page(&format!("/dashboards/{id}")).await;
    assert!(!html.contains("Vertrekkend gewicht"), "{html}");
    // The page's form shows a bad code list again, with its problem and what was typed.
    let html = pc
        .post_form(
            &format!("/analyses/{p}/kolommen"),
            &[
                ("column", "tonnen"),
                ("title", "Gewicht"),
                ("unit", ""),
                ("codes", "zomaar"),
            ],
        )
        .await
        .expect(400)
        .text();
    assert!(
        html.contains("schrijf code = omschrijving") && html.contains("value=\"Gewicht\""),
        "{html}"
    );
}

#[tokio::test]
async fn a_dashboard_snapshot_is_read_only_by_those_the_dashboard_is_shared_with() {
    let app = TestApp::spawn().await;
    let (p, m, g) = freight(&app).await;
    app.add_user("bestuur@pv26.example", koers_core::Role::BoardMember)
        .await;
    let c = app.api_as("admin@pv26.example").await;
    let mut def = definition(&p, &m, &g);
    def["widgets"][4]["text"] = json!("Vertrouwelijk 987654");
    let r = c
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Bestuursdashboard", "definition": def}),
        )
        .await;
    let id = r.id();
    let sharing = format!("/api/v1/dashboards/{id}/sharing");
    let share = async |roles: Value| {
        c.put_json(&sharing, &json!({"visibility": "roles", "roles": roles}))
            .await
    };
    assert_eq!(share(json!(["board_member"])).await.status(), 200);

    // A board member freezes what the board saw.
    let board = app.api_as("bestuur@pv26.example").await;
    let r = board
        .post_json(
            &format!("/api/v1/dashboards/{id}/snapshots"),
            &json!({"note": "PS 12 maart"}),
        )
        .await;
    r.assert_status(201);
    let sid = r.id();
    let paths = [
        format!("/api/v1/snapshots/{sid}"),
        format!("/informatieproducten/momentopnamen/{sid}"),
        format!("/informatieproducten/momentopnamen/{sid}/inhoud.json"),
    ];
    let listed = async |c: &Session| {
        c.get_json("/api/v1/snapshots")
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["id"].as_str().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    async fn statuses(c: &Session, paths: &[String]) -> Vec<u16> {
        let mut out = Vec::new();
        for path in paths {
            let r = c.get(path).await;
            let status = r.status().as_u16();
            let body = r.text();
            if status == 404 {
                assert!(
                    !body.contains("987654") && !body.contains("SUM(tonnen)"),
                    "{path}"
                );
            }
            out.push(status);
        }
        out
    }
    assert_eq!(statuses(&board, &paths).await, [200, 200, 200]);
    assert_eq!(listed(&board).await, [sid.as_str()]);

    // A viewer, with whom the dashboard is not shared, neither lists nor reads it: not
    // the text widget, not the figures, not the SQL.
    let viewer = app.api_as("viewer@pv26.example").await;
    let viewer_page = app.page_as("viewer@pv26.example").await;
    assert_eq!(statuses(&viewer, &paths).await, [404, 404, 404]);
    assert_eq!(statuses(&viewer_page, &paths[1..]).await, [404, 404]);
    assert!(listed(&viewer).await.is_empty());

    // Shared with viewers as well: now they may.
    assert_eq!(share(json!(["board_member", "viewer"])).await.status(), 200);
    assert_eq!(statuses(&viewer, &paths).await, [200, 200, 200]);
    assert_eq!(listed(&viewer).await, [sid.as_str()]);

    // Once the dashboard is gone its sharing is unknown: only analysts and administrators
    // still read what it froze.
    let r = c.delete(&format!("/api/v1/dashboards/{id}")).await;
    assert!(r.status().is_success(), "{}", r.status());
    assert_eq!(statuses(&viewer, &paths).await, [404, 404, 404]);
    assert!(listed(&viewer).await.is_empty());
    assert_eq!(statuses(&board, &paths).await, [404, 404, 404]);
    assert_eq!(statuses(&c, &paths).await, [200, 200, 200]);
    assert_eq!(listed(&c).await, [sid]);
}

/// Deleting a dashboard asks for confirmation and can be undone from the notice that follows
/// (for 30 days); a viewer may not undo it, another organisation cannot see it, and the API
/// restores it too.
#[tokio::test]
async fn a_deleted_dashboard_comes_back_with_undo() {
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let id = c
        .post_json("/api/v1/dashboards", &json!({"name": "Prullenbak"}))
        .await
        .id();
    let pc = app.page_as("admin@pv26.example").await;
    let editor = format!("/dashboards/{id}/bewerken");
    let html = pc.page(&editor).await;
    let version = html
        .split("name=\"version\" value=\"")
        .nth(1)
        .and_then(|v| v.split('"').next())
        .unwrap()
        .to_string();
    // Without the confirmation nothing happens.
    pc.post_form(&editor, &[("action", "delete"), ("version", &version)])
        .await
        .assert_status(400);
    assert_eq!(
        c.get(&format!("/api/v1/dashboards/{id}")).await.status(),
        200
    );
    // Confirmed: gone, and the overview offers to undo it.
    let r = pc
        .post_form(
            &editor,
            &[
                ("action", "delete"),
                ("version", &version),
                ("confirm", "on"),
            ],
        )
        .await;
    assert_eq!(r.header("location"), format!("/dashboards?verwijderd={id}"));
    assert_eq!(
        c.get(&format!("/api/v1/dashboards/{id}")).await.status(),
        404
    );
    let html = pc.page(&format!("/dashboards?verwijderd={id}")).await;
    assert!(
        html.contains("Dashboard ‘Prullenbak’ is verwijderd"),
        "{html}"
    );
    let undo = format!("/dashboards/{id}/herstellen");
    assert!(html.contains(&undo.replace('/', "&#x2f;")) || html.contains(&undo));
    // A viewer may not undo it; another organisation does not know it.
    app.page_as("viewer@pv26.example")
        .await
        .post_form(&undo, &[])
        .await
        .assert_status(403);
    app.page_as("admin@gm0796.example")
        .await
        .post_form(&undo, &[])
        .await
        .assert_status(404);
    // Undone: back in the list, and the page says so.
    let r = pc.post_form(&undo, &[]).await;
    assert_eq!(r.header("location"), format!("/dashboards?teruggezet={id}"));
    let html = pc.page(&format!("/dashboards?teruggezet={id}")).await;
    assert!(
        html.contains("Dashboard ‘Prullenbak’ is teruggezet"),
        "{html}"
    );
    assert_eq!(
        c.get(&format!("/api/v1/dashboards/{id}")).await.status(),
        200
    );
    // Undoing twice, or something never deleted, is not found.
    pc.post_form(&undo, &[]).await.assert_status(404);
    // The API: delete, restore, restore again.
    c.delete(&format!("/api/v1/dashboards/{id}")).await;
    let back = c
        .post_json(&format!("/api/v1/dashboards/{id}/restore"), &json!({}))
        .await;
    back.assert_status(200);
    assert_eq!(back.json()["name"], "Prullenbak");
    c.post_json(&format!("/api/v1/dashboards/{id}/restore"), &json!({}))
        .await
        .assert_status(404);
}

#[tokio::test]
async fn widgets_name_only_columns_their_analysis_has_and_change_in_place() {
    let app = TestApp::spawn().await;
    let (p, m, g) = freight(&app).await;
    let c = app.as_admin().await;
    // The API refuses a widget with a column its analysis does not return, by name.
    let mut def = definition(&p, &m, &g);
    def["widgets"][0]["valueColumn"] = json!("ton");
    let r = c
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Logistiek", "definition": def}),
        )
        .await;
    r.assert_status(400);
    let problem = r.json();
    assert_invalid(&problem, &["widgets[0].valueColumn"]);
    assert!(
        problem.to_string().contains("jaar, modaliteit, tonnen"),
        "{problem}"
    );
    let d = c
        .create(
            "/api/v1/dashboards",
            &json!({"name": "Logistiek", "definition": definition(&p, &m, &g)}),
        )
        .await;
    let id = d["id"].as_str().expect("id").to_string();

    // The editor offers the analysis' columns and refuses one typed around it.
    let pc = app.page_as("admin@pv26.example").await;
    let editor = format!("/dashboards/{id}/bewerken");
    let html = pc.page(&editor).await;
    assert!(
        html.contains("<option value=\"modaliteit\""),
        "columns to choose from"
    );
    let add = [
        ("version", "1"),
        ("action", "add_widget"),
        ("kind", "bar"),
        ("title", "Staven"),
        ("analysisId", p.as_str()),
        ("categoryColumn", "provincie"),
        ("valueColumn", "gewicht"),
    ];
    pc.post_form(&editor, &add).await.assert_shows(
        400,
        &["kolom &quot;gewicht&quot; zit niet in het resultaat"],
    );
    assert_eq!(app.dashboard(&id).await.version, 1, "nothing saved");
    // Each problem named by the part and field it is about, in words, once.
    let html = pc
        .post_form(
            &editor,
            &[("version", "1"), ("action", "add_widget"), ("kind", "bar")],
        )
        .await
        .expect(400)
        .text();
    for said in [
        "Onderdeel 6, Titel: geef het onderdeel een titel",
        "Onderdeel 6, Analyse: kies een opgeslagen analyse",
    ] {
        assert!(html.contains(said), "{said}: {html}");
    }
    // Beside each field of the part's form too, and only there.
    for field in ["title", "analysisId"] {
        let at = format!("id=\"widgets[5].{field}-error\"");
        assert_eq!(html.matches(&at).count(), 1, "{field}: {html}");
    }
    assert!(
        html.contains("id=\"w-title\" aria-invalid=\"true\""),
        "{html}"
    );
    assert_eq!(html.matches("koers-error-summary").count(), 1, "{html}");

    // Change a widget in place: its form opens filled in, and it keeps its id and place.
    let first = app.dashboard(&id).await.definition.widgets[0].clone();
    let html = pc.page(&format!("{editor}?onderdeel={}", first.id)).await;
    assert!(html.contains("value=\"update_widget\"") && html.contains(&first.title));
    pc.submit(
        &editor,
        &[
            ("version", "1"),
            ("action", "update_widget"),
            ("widget", first.id.as_str()),
            ("kind", "bar"),
            ("title", "Tonnen per jaar (staven)"),
            ("analysisId", m.as_str()),
            ("categoryColumn", "jaar"),
            ("valueColumn", "tonnen"),
            ("seriesColumn", "modaliteit"),
        ],
    )
    .await
    .assert_status(200);
    let d = app.dashboard(&id).await;
    assert_eq!(d.definition.widgets[0].id, first.id);
    assert_eq!(d.definition.widgets[0].title, "Tonnen per jaar (staven)");
    assert_eq!(d.definition.widgets.len(), 5);
    // Duplicate it: the copy stands right after it with an id of its own.
    pc.submit(
        &editor,
        &[
            ("version", "2"),
            ("action", "duplicate_widget"),
            ("widget", first.id.as_str()),
        ],
    )
    .await
    .assert_status(200);
    let d = app.dashboard(&id).await;
    assert_eq!(d.definition.widgets.len(), 6);
    assert_eq!(
        d.definition.widgets[1].title,
        "Tonnen per jaar (staven) (kopie)"
    );
    assert_ne!(d.definition.widgets[1].id, first.id);
    // A suggested widget from an analysis; an unknown analysis or a hostile id is refused.
    let r = pc
        .get(&format!(
            "/dashboards/onderdeel-uit-analyse?dashboard={id}&analyse={p}"
        ))
        .await;
    let to = r.header("location").to_string();
    assert_eq!(
        to,
        format!("/dashboards/{id}/bewerken?analyse={p}#nieuw-onderdeel")
    );
    let html = pc
        .page(&format!("/dashboards/{id}/bewerken?analyse={p}"))
        .await;
    assert!(
        html.contains("Voorgestelde weergave")
            && html.contains("<option value=\"provincie\" selected>"),
        "{html}"
    );
    pc.get("/dashboards/onderdeel-uit-analyse?dashboard=https://evil.example/&analyse=x")
        .await
        .assert_status(400);
    pc.get(&format!("/dashboards/{id}/bewerken?analyse=onbekend"))
        .await
        .assert_status(404);
    // Unknown widgets are not found.
    pc.post_form(
        &editor,
        &[
            ("version", "3"),
            ("action", "duplicate_widget"),
            ("widget", "w99"),
        ],
    )
    .await
    .assert_status(404);
}

#[tokio::test]
async fn codes_read_as_names_once_a_steward_says_what_they_mean() {
    let app = TestApp::spawn().await;
    let (p, m, g) = freight(&app).await;
    let vracht = app.datasets_of(&app.org_a.id).await[0].id.clone();
    let c = app.as_admin().await;
    let d = c
        .create(
            "/api/v1/dashboards",
            &json!({"name": "Logistiek", "definition": definition(&p, &m, &g)}),
        )
        .await;
    let id = d["id"].as_str().expect("id").to_string();
    // Through the API: a code list and a title with its unit.
    let ds = c
        .put_json(
            &format!("/api/v1/datasets/{vracht}/columns/modaliteit"),
            &json!({"title": "Modaliteit", "codes": {"weg": "Weg", "spoor": "Spoor", "binnenvaart": "Binnenvaart"}}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        ds["columnLabels"]["modaliteit"]["codes"]["binnenvaart"],
        "Binnenvaart"
    );
    c.put_json(
        &format!("/api/v1/datasets/{vracht}/columns/tonnen"),
        &json!({"title": "Vervoerd gewicht", "unit": "ton"}),
    )
    .await
    .assert_status(200);
    // The dashboard reads names: in the legend and table, the headings, the filter's options.
    let pc = app.page_as("admin@pv26.example").await;
    let page = pc.page(&format!("/dashboards/{id}")).await;
    assert!(
        page.contains(">Binnenvaart<") && !page.contains(">binnenvaart<"),
        "{page}"
    );
    assert!(page.contains("Vervoerd gewicht (ton)"));
    assert!(page.contains("<option value=\"PV26\"") && page.contains(">Utrecht</option>"));
    let w1 = app.dashboard(&id).await.definition.widgets[0].id.clone();
    let nl = pc
        .get(&format!(
            "/dashboards/{id}/onderdelen/{w1}.csv?formaat=excel-nl"
        ))
        .await
        .text();
    assert!(
        nl.starts_with("\u{feff}jaar;Modaliteit;Vervoerd gewicht (ton)\r\n")
            && nl.contains(";Binnenvaart;"),
        "{nl}"
    );

    // The SQL editor's "Excel (NL)" reads the same: titles as headings, codes as labels.
    let xl = c
        .post_json(
            "/api/v1/queries?format=csv-nl",
            &json!({"sql": "SELECT provincie, modaliteit, tonnen FROM vracht WHERE jaar = 2024 ORDER BY tonnen DESC LIMIT 1"}),
        )
        .await
        .expect(200)
        .text();
    assert_eq!(
        xl,
        "\u{feff}provincie;Modaliteit;Vervoerd gewicht (ton)\nNoord-Holland;Binnenvaart;500\n"
    );
    // In the page: a code list line that is no pair is named; nothing changes.
    let r = pc
        .post_form(
            &format!("/bronnen/{vracht}/kolommen"),
            &[
                ("column", "modaliteit"),
                ("title", "Modus"),
                ("codes", "weg = Weg\nspoor Spoor"),
            ],
        )
        .await;
    r.assert_shows(400, &["regel 2: schrijf code = omschrijving"]);
    let html = pc.page(&format!("/bronnen/{vracht}?kolom=tonnen")).await;
    assert!(
        html.contains("value=\"Vervoerd gewicht\""),
        "the form shows what is set"
    );
    forget_column(&pc, &format!("/bronnen/{vracht}/kolommen"), "tonnen").await;
    assert!(
        !app.dataset(&vracht)
            .await
            .column_labels
            .contains_key("tonnen"),
        "emptied: forgotten"
    );
    assert_eq!(
        app.dataset(&vracht).await.column_labels["modaliteit"].title,
        "Modaliteit"
    );
    // An unknown column, a reader, another organisation's dataset.
    c.put_json(
        &format!("/api/v1/datasets/{vracht}/columns/nergens"),
        &json!({"title": "x"}),
    )
    .await
    .assert_status(404);
    app.as_viewer()
        .await
        .put_json(
            &format!("/api/v1/datasets/{vracht}/columns/tonnen"),
            &json!({"title": "x"}),
        )
        .await
        .assert_status(403);
    let b = app.import(&app.org_b, "elders", "csv", "a,b\n1,2\n").await;
    c.put_json(
        &format!("/api/v1/datasets/{}/columns/a", b.id),
        &json!({"title": "x"}),
    )
    .await
    .assert_status(404);
    c.put_json(
        &format!("/api/v1/datasets/{vracht}/columns/tonnen"),
        &json!({"codes": ["weg"]}),
    )
    .await
    .assert_status(400);
}

/// The boundaries the live maps draw are public, cached, and only the two built-in files;
/// the dashboard page hands its maps their regions in an attribute that survives names
/// with an apostrophe ('s-Hertogenbosch) and markup in titles.
#[tokio::test]
async fn the_live_maps_get_public_boundaries_and_their_data_in_the_page() {
    let app = TestApp::spawn().await;
    let http = app.anonymous();
    let r = http.get("/kaart/grenzen/provincies.geojson").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/geo+json");
    assert!(
        r.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("max-age")
    );
    let doc: Value = r.json();
    assert_eq!(items(&doc["features"]).len(), 12);
    let m: Value = http.get("/kaart/grenzen/gemeenten.geojson").await.json();
    assert!(
        items(&m["features"])
            .iter()
            .any(|f| f["properties"]["statnaam"] == "'s-Hertogenbosch")
    );
    for bad in [
        "/kaart/grenzen/wegen.geojson",
        "/kaart/grenzen/..%2F..%2FCargo.toml",
        "/kaart/grenzen/provincies.json",
    ] {
        assert_eq!(http.get(bad).await.status(), 404, "{bad}");
    }

    app.import(
        &app.org_a,
        "gm",
        "csv",
        "gemeente,tonnen\nGM0796,5\nGM0344,7\n",
    )
    .await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Per gemeente",
            "SELECT gemeente, tonnen FROM gm",
            &[],
        )
        .await;
    let def = json!({"widgets": [{"kind": "choropleth", "title": "Tonnen <b>per</b> gemeente",
        "analysisId": a, "categoryColumn": "gemeente", "valueColumn": "tonnen",
        "level": "municipality"}]});
    let c = app.as_admin().await;
    let id = c
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Logistiek", "definition": def}),
        )
        .await
        .id();
    let html = c.get(&format!("/dashboards/{id}")).await.text();
    let start = html.find("data-koers-map='").expect("a live map") + "data-koers-map='".len();
    let end = start + html[start..].find('\'').unwrap();
    let attr = html[start..end]
        .replace("&quot;", "\"")
        .replace("&amp;", "&");
    let map: Value = serde_json::from_str(&attr).expect("the attribute holds all of the JSON");
    assert_eq!(
        (&map["kind"], &map["level"]),
        (&json!("areas"), &json!("gemeenten"))
    );
    let names = field_of_each(&map["areas"], "name");
    assert_eq!(names, vec!["Utrecht", "'s-Hertogenbosch"]);
    assert!(!html.contains("<b>per</b>"), "the title is escaped");
}

/// A policy officer's flow map: made in the editor from an origin–destination analysis, drawn
/// as arcs named by their regions, the largest flows listed beside it (open, not folded), a
/// flow without a destination refused by name.
#[tokio::test]
async fn a_flow_map_joins_regions_and_lists_the_largest_flows() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "stromen",
        "csv",
        "herkomst,bestemming,tonnen\nPV26,PV27,30\nPV26,PV27,12\nPV27,PV26,5\nPV26,PV26,100\nPV26,XX99,1\n",
    )
    .await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Stromen",
            "SELECT herkomst, bestemming, tonnen FROM stromen",
            &[],
        )
        .await;
    let c = app.as_admin().await;
    let id = c
        .post_json(
            "/api/v1/dashboards",
            &json!({"name": "Stromen", "definition": {"widgets": []}}),
        )
        .await
        .id();
    let pc = app.page_as("admin@pv26.example").await;
    let editor = format!("/dashboards/{id}/bewerken");
    pc.page(&editor).await;
    let form = |version, destination| {
        [
            ("version", version),
            ("action", "add_widget"),
            ("kind", "flow"),
            ("title", "Tonnen tussen provincies"),
            ("analysisId", a.as_str()),
            ("categoryColumn", "herkomst"),
            ("seriesColumn", destination),
            ("valueColumn", "tonnen"),
            ("level", "province"),
        ]
    };
    pc.post_form(&editor, &form("1", ""))
        .await
        .assert_shows(400, &["kies de kolom met de gebiedscode van de bestemming"]);
    pc.submit(&editor, &form("1", "bestemming"))
        .await
        .assert_shows(200, &["Het onderdeel is toegevoegd."]);
    let html = pc.page(&format!("/dashboards/{id}")).await;
    // The arcs say where from and where to; the SVG and the live map carry the same flows.
    assert!(
        html.contains("Utrecht → Noord-Holland: 42"),
        "summed per pair"
    );
    assert!(html.contains("Noord-Holland → Utrecht: 5"));
    assert!(
        !html.contains("Utrecht → Utrecht"),
        "a flow within a region is not drawn"
    );
    let start = html.find("data-koers-map='").unwrap() + "data-koers-map='".len();
    let end = start + html[start..].find('\'').unwrap();
    let map: Value = serde_json::from_str(
        &html[start..end]
            .replace("&quot;", "\"")
            .replace("&amp;", "&"),
    )
    .unwrap();
    assert_eq!(map["kind"], "flows");
    // The largest last, drawn on top.
    assert_eq!(
        field_of_each(&map["flows"], "label"),
        vec!["Noord-Holland → Utrecht: 5", "Utrecht → Noord-Holland: 42"]
    );
    assert!(
        map["flows"][1]["width"].as_f64().unwrap() > map["flows"][0]["width"].as_f64().unwrap()
    );
    // The table is open beside the map: flows between regions first, then within one.
    let table = &html[html.find("id=\"tabel-").unwrap()..];
    assert!(!html[..html.find("id=\"tabel-").unwrap()].ends_with("<summary>"));
    let order: Vec<usize> = [
        "Noord-Holland</td><td class=\"utrecht-table__cell\">42",
        "XX99",
        "Utrecht</td><td class=\"utrecht-table__cell\">100",
    ]
    .iter()
    .map(|t| table.find(t).unwrap_or_else(|| panic!("{t} in the table")))
    .collect();
    assert!(order[0] < order[2] && order[1] < order[2], "{order:?}");
    assert!(!html.contains(
        "<details class=\"koers-details\"><summary>Tabel met de cijfers</summary>\n  <table"
    ));
}

/// A 3D BAG tile in its own form — a GeoPackage (layer lod12_2d, EPSG:7415) made with GDAL —
/// imported as `bag`, and an analysis of its buildings with their height above the ground
/// (`hoogte`) and construction year (`bouwjaar`); the analysis' id.
pub(crate) async fn bag_buildings(app: &TestApp) -> String {
    let tmp = app.ws.temp_path("gpkg").unwrap();
    std::fs::copy(
        concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../koers-engine/tests/fixtures/3dbag-utrecht.gpkg"
        ),
        &tmp,
    )
    .unwrap();
    app.import_path(&app.org_a, tmp, "bag", Default::default())
        .await
        .expect("a 3D BAG tile imports");
    app.save_analysis(
        &app.org_a.id,
        "Gebouwen",
        "SELECT identificatie, oorspronkelijkbouwjaar AS bouwjaar, \
         b3_h_dak_50p - b3_h_maaiveld AS hoogte, geom FROM bag",
        &[],
    )
    .await
}

/// A new dashboard with this definition, made through the API; its id.
pub(crate) async fn new_dashboard(c: &Session, name: &str, definition: Value) -> String {
    c.post_json(
        "/api/v1/dashboards",
        &json!({"name": name, "definition": definition}),
    )
    .await
    .id()
}

/// The live map's description in a page (the first, or the one after `after`).
fn live_map_in(html: &str, after: usize) -> Value {
    let start = after + html[after..].find("data-koers-map='").unwrap() + "data-koers-map='".len();
    let end = start + html[start..].find('\'').unwrap();
    serde_json::from_str(
        &html[start..end]
            .replace("&quot;", "\"")
            .replace("&#x27;", "'")
            .replace("&amp;", "&"),
    )
    .unwrap()
}

#[tokio::test]
async fn a_3d_bag_tile_stands_in_3d_on_a_dashboard() {
    let app = TestApp::spawn().await;
    let a = bag_buildings(&app).await;
    let c = app.as_admin().await;
    let id = new_dashboard(&c, "Stad", json!({"widgets": []})).await;
    let pc = app.page_as("admin@pv26.example").await;
    let editor = format!("/dashboards/{id}/bewerken");
    // The editor suggests buildings for footprints with a height.
    let suggestion = pc.page(&format!("{editor}?analyse={a}")).await;
    assert!(suggestion.contains("Gebouwen in 3D"), "suggested kind");
    let form = |height| {
        [
            ("version", "1"),
            ("action", "add_widget"),
            ("kind", "buildings"),
            ("title", "Binnenstad in 3D"),
            ("analysisId", a.as_str()),
            ("categoryColumn", "identificatie"),
            ("valueColumn", height),
            ("seriesColumn", "bouwjaar"),
        ]
    };
    pc.post_form(&editor, &form(""))
        .await
        .assert_shows(400, &["kies de kolom met de hoogte in meter"]);
    pc.submit(&editor, &form("hoogte"))
        .await
        .assert_shows(200, &["Het onderdeel is toegevoegd."]);
    let html = pc.page(&format!("/dashboards/{id}")).await;
    let map = live_map_in(&html, 0);
    assert_eq!(map["kind"], "buildings");
    let features = map["points"]["features"].as_array().unwrap();
    // The building without a measured roof is left out of the 3D view; it stays in the table.
    assert_eq!(features.len(), 3);
    let mut heights: Vec<f64> = features
        .iter()
        .map(|f| f["properties"]["hoogte"].as_f64().unwrap())
        .collect();
    heights.sort_by(f64::total_cmp);
    let expected = [12.5, 29.1, 110.2];
    for (h, e) in heights.iter().zip(expected) {
        assert!((h - e).abs() < 1e-6, "{heights:?}");
    }
    // Footprints arrive in WGS84, in the centre of Utrecht.
    let lon = features[0]["geometry"]["coordinates"][0][0][0]
        .as_f64()
        .unwrap();
    assert!((5.11..5.13).contains(&lon), "{lon}");
    assert!(
        html.contains("NL.IMBAG.Pand.0344100000000004"),
        "the table has every row"
    );
    // The 3D controls turn it, as they do the 3D provinces.
    assert!(html.contains("koers-3d-controls"));
}

#[tokio::test]
async fn a_map_under_the_year_slider_keeps_one_colour_scale() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "jaren",
        "csv",
        "jaar,pv,tonnen\n2021,PV26,10\n2021,PV27,20\n2022,PV26,1250.5\n2022,PV27,400\n",
    )
    .await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Per jaar",
            "SELECT pv, tonnen FROM jaren WHERE jaar = {{jaar}}",
            &[("jaar", "integer", "2022")],
        )
        .await;
    let c = app.as_admin().await;
    let id = new_dashboard(
        &c,
        "Jaren",
        json!({
            "widgets": [{"kind": "choropleth", "title": "Tonnen", "analysisId": a,
                         "categoryColumn": "pv", "valueColumn": "tonnen", "level": "province"}],
            "filters": [{"param": "jaar", "label": "Jaar", "kind": "slider",
                         "min": 2021, "max": 2022, "default": "2022"}]}),
    )
    .await;
    let pc = app.page_as("admin@pv26.example").await;
    let page = |year: &str| {
        let pc = &pc;
        let url = format!("/dashboards/{id}?f.jaar={year}");
        async move { pc.page(&url).await }
    };
    let (early, late) = (page("2021").await, page("2022").await);
    // The time machine plays through the years (with script).
    assert!(early.contains("data-koers-player=\"f-jaar\"") && early.contains("Afspelen"));
    let (m1, m2) = (live_map_in(&early, 0), live_map_in(&late, 0));
    // One legend for both years, up to the largest value of any year.
    assert_eq!(m1["legend"], m2["legend"]);
    assert!(
        m1["legend"].to_string().contains("1.250,5"),
        "{}",
        m1["legend"]
    );
    let colour = |m: &Value, code: &str| {
        m["areas"]
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .unwrap()["colour"]
            .clone()
    };
    // 20 tonnes in 2021 is not coloured like 400 tonnes in 2022.
    assert_ne!(colour(&m1, "PV27"), colour(&m2, "PV27"));
    // Numbers are written the reader's way: Dutch, or English once English is chosen.
    assert!(late.contains("1.250,5") && !late.contains("1,250.5"));
    pc.get("/lang/en?next=/").await;
    let english = page("2022").await;
    assert!(
        english.contains("1,250.5") && !english.contains("1.250,5"),
        "an English page writes 1,250.5"
    );
    let legend = live_map_in(&english, 0)["legend"].to_string();
    assert!(legend.contains("400 – 1,250.5"), "{legend}");
    // A snapshot of a slider's position (a year, a scenario's share) keeps the value with
    // the SQL it was bound to.
    let r = c
        .post_json(
            &format!("/api/v1/dashboards/{id}/snapshots"),
            &json!({"note": "Scenario 2021", "filters": {"jaar": "2021"}}),
        )
        .await;
    r.assert_status(201);
    let snapshot = c.get_json(&format!("/api/v1/snapshots/{}", r.id())).await;
    let content = &snapshot["content"]["content"];
    assert_eq!(content["filters"]["jaar"], "2021", "{snapshot}");
    let query = &content["widgets"][0]["query"];
    assert!(query["sql"].as_str().unwrap().contains("jaar"), "{query}");
    assert!(query["parameters"].to_string().contains("2021"), "{query}");
}

#[tokio::test]
async fn a_point_map_of_many_points_reads_them_from_the_analysis_tiles() {
    let app = TestApp::spawn().await;
    let mut csv = String::from("naam,soort,lon,lat\n");
    for i in 0..10_200 {
        let soort = if i % 2 == 0 { "laadpaal" } else { "fietsenrek" };
        csv.push_str(&format!(
            "P{i},{soort},{},{}\n",
            5.0 + (i % 100) as f64 * 0.002,
            52.0 + (i / 100) as f64 * 0.002
        ));
    }
    app.import(&app.org_a, "punten", "csv", &csv).await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Punten",
            "SELECT naam, soort, lon, lat, ST_Point(lon, lat) AS geom FROM punten WHERE {{soort}} = '' OR soort = {{soort}}",
            &[("soort", "text", "")],
        )
        .await;
    let c = app.as_admin().await;
    let id = new_dashboard(
        &c,
        "Punten",
        json!({
            "widgets": [{"kind": "points", "title": "Alle punten", "analysisId": a,
                         "categoryColumn": "naam"}],
            "filters": [{"param": "soort", "label": "Soort", "kind": "select",
                         "options": ["laadpaal", "fietsenrek"]}]}),
    )
    .await;
    let pc = app.page_as("admin@pv26.example").await;
    // 5,100 charging points: more than a page carries, so the map reads the analysis' tiles,
    // asked with the filter values the analysis reads.
    let html = pc.page(&format!("/dashboards/{id}?f.soort=laadpaal")).await;
    let map = live_map_in(&html, 0);
    assert_eq!(map["kind"], "tiles");
    let url = map["tiles"].as_str().unwrap();
    assert_eq!(
        url,
        format!("/api/v1/analyses/{a}/tiles/{{z}}/{{x}}/{{y}}?soort=laadpaal")
    );
    c.get(&url.replace("{z}/{x}/{y}", "0/0/0"))
        .await
        .assert_status(200);
    // The public page carries the first points itself (its readers have no session).
    let shared = c
        .put_json(
            &format!("/api/v1/dashboards/{id}/sharing"),
            &json!({"visibility": "public"}),
        )
        .await
        .json();
    let public = app
        .anonymous()
        .get(shared["publicPath"].as_str().unwrap())
        .await
        .text();
    let map = live_map_in(&public, 0);
    assert_eq!(map["kind"], "points");
    assert_eq!(map["points"]["features"].as_array().unwrap().len(), 5000);
}

/// A list filter left without options takes the values koers knows for its parameter (the
/// provinces for `provincie`, by name); one koers knows nothing of is refused at its field.
#[tokio::test]
async fn a_list_filter_without_options_takes_the_values_koers_knows() {
    let app = TestApp::spawn().await;
    let id = &app.empty_dashboard().await;
    let pc = app.page_as("admin@pv26.example").await;
    let editor = format!("/dashboards/{id}/bewerken");
    let add = |version: &'static str, param: &'static str| {
        [
            ("version", version),
            ("action", "add_filter"),
            ("param", param),
            ("label", "Keuze"),
            ("filterKind", "select"),
            ("options", ""),
            ("min", ""),
            ("max", ""),
            ("default", ""),
        ]
    };
    pc.submit(&editor, &add("1", "provincie"))
        .await
        .assert_status(200);
    let filters = app.dashboard(id).await.definition.filters;
    assert_eq!(filters[0].options.len(), 12, "{filters:?}");
    assert_eq!(
        filters[0].options[0], "PV22",
        "ordered by name: Drenthe first"
    );
    let html = pc.page(&editor).await;
    assert!(
        html.contains("keuzelijst: Drenthe, Flevoland, Fryslân"),
        "{html}"
    );
    // Nothing known for the name: the field says what to do.
    pc.post_form(&editor, &add("2", "zoekterm"))
        .await
        .assert_shows(400, &["geef 1 tot 400 keuzes"]);
    assert_eq!(app.dashboard(id).await.definition.filters.len(), 1);
}

/// A widget started from an analysis whose result lists more than bars can show is suggested
/// as its table; a short list as bars.
#[tokio::test]
async fn a_widget_from_a_long_list_is_suggested_as_its_table() {
    let app = TestApp::spawn().await;
    let csv = |n: usize| {
        let mut s = String::from("naam,aantal\n");
        for i in 0..n {
            s.push_str(&format!("plaats {i},{i}\n"));
        }
        s
    };
    app.import(&app.org_a, "kort", "csv", &csv(5)).await;
    app.import(&app.org_a, "lang", "csv", &csv(70)).await;
    let short = app
        .save_analysis(&app.org_a.id, "Kort", "SELECT naam, aantal FROM kort", &[])
        .await;
    let long = app
        .save_analysis(&app.org_a.id, "Lang", "SELECT naam, aantal FROM lang", &[])
        .await;
    let id = app.empty_dashboard().await;
    let pc = app.page_as("admin@pv26.example").await;
    let kind = |html: &str| {
        let at = html.find("id=\"w-kind\"").expect("the kind field");
        let rest = &html[at..];
        let sel = rest.find(" selected>").expect("a kind chosen");
        let value = &rest[..sel];
        value[value.rfind("value=\"").unwrap() + 7..value.len() - 1].to_string()
    };
    let html = pc
        .page(&format!("/dashboards/{id}/bewerken?analyse={short}"))
        .await;
    assert_eq!(kind(&html), "bar");
    let html = pc
        .page(&format!("/dashboards/{id}/bewerken?analyse={long}"))
        .await;
    assert_eq!(kind(&html), "table");
}
