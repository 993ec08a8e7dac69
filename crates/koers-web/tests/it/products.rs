//! Information products (M3): an indicator on a saved analysis over an imported CSV,
//! refreshed, judged and shown as key figure, chart and table; monitors; bad input listed
//! field by field; viewers cannot define; other organisations see nothing.

use crate::helpers::{TestApp, invalid_names};
use crate::session::Session;
use koers_core::Role;
use serde_json::{Value, json};

const CSV: &str = "jaar,regio,ritten\n2022,Utrecht,800\n2022,Amersfoort,500\n2023,Utrecht,700\n2023,Amersfoort,450\n2024,Utrecht,600\n2024,Amersfoort,350\n";

/// Imports the freight movements as `vracht` for A and saves an analysis over them.
pub(crate) async fn with_freight(app: &TestApp) -> String {
    import_freight(app, CSV).await;
    app.save_analysis(
        &app.org_a.id,
        "Vrachtritten per jaar en regio",
        "SELECT jaar, regio, ritten FROM vracht ORDER BY jaar, regio",
        &[],
    )
    .await
}

/// Imports `csv` as (a new version of) A's dataset `vracht`.
async fn import_freight(app: &TestApp, csv: &str) {
    app.import(&app.org_a, "vracht", "csv", csv).await;
}

pub(crate) fn definition(analysis: &str) -> Value {
    json!({
        "name": "Vrachtritten", "description": "Ritten per jaar, Utrecht plus Amersfoort.",
        "unit": "ritten", "analysisId": analysis,
        "periodColumn": "jaar", "valueColumn": "ritten", "regionColumn": "regio",
        "grain": "year", "direction": "down", "target": 900,
        "greenThreshold": 1000, "amberThreshold": 1200
    })
}

#[tokio::test]
pub(crate) async fn an_indicator_is_refreshed_judged_and_shown() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let i = c.create("/api/v1/indicators", &definition(&analysis)).await;
    let id = i["id"].as_str().unwrap().to_string();
    assert_eq!(i["direction"], "down");
    assert_eq!(i["greenThreshold"], 1000.0);
    // Before the first refresh there is no value.
    let v: Value = c.get_json(&format!("/api/v1/indicators/{id}")).await;
    assert_eq!(v["value"], Value::Null);
    assert_eq!(v["computedAt"], Value::Null);
    // Refresh: per year the sum over regions; 950 is at or below green (lower is better).
    let v = c
        .post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await
        .expect(200)
        .json();
    assert_eq!(v["value"], 950.0);
    assert_eq!(v["period"], "2024");
    assert_eq!(v["status"], "green");
    assert_eq!(v["trend"], "down");
    assert_eq!(v["stale"], false);
    let series: Vec<(String, f64)> = v["series"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["period"].as_str().unwrap().to_string(),
                p["value"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        series,
        vec![
            ("2022".to_string(), 1300.0),
            ("2023".to_string(), 1150.0),
            ("2024".to_string(), 950.0)
        ]
    );
    assert_eq!(v["points"].as_array().unwrap().len(), 6);
    // A monitor follows it.
    let m = c
        .create(
            "/api/v1/monitors",
            &json!({"name": "Logistieke bewegingen", "indicatorIds": [id]}),
        )
        .await;
    let mid = m["id"].as_str().unwrap().to_string();
    let mv: Value = c.get_json(&format!("/api/v1/monitors/{mid}")).await;
    assert_eq!(mv["indicators"][0]["status"], "green");
    let list: Value = c.get_json("/api/v1/monitors").await;
    assert_eq!(list.as_array().unwrap().len(), 1);

    // Every saved change to the monitor is a version; a stale save is refused; restore.
    let monitor = format!("/api/v1/monitors/{mid}");
    let put = async |body: Value| c.put_json(&monitor, &body).await;
    let r =
        put(json!({"version": 1, "name": "Logistiek 2026", "indicatorIds": [], "note": "leeg"}))
            .await
            .expect(200);
    assert_eq!(r.json()["version"], 2);
    put(json!({"version": 1, "name": "Overschreven", "indicatorIds": [id]}))
        .await
        .assert_status(409);
    put(json!({"version": "x", "name": "", "indicatorIds": ["onbekend"]}))
        .await
        .assert_status(400);
    put(json!({"version": 2, "name": "Spion", "indicatorIds": ["onbekend"]}))
        .await
        .assert_status(400);
    let versions: Value = c
        .get_json(&format!("/api/v1/monitors/{mid}/versions"))
        .await;
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(versions[1]["indicatorIds"], json!([id]));
    let restored = c
        .post(&format!("/api/v1/monitors/{mid}/versions/1/restore"))
        .await
        .json();
    assert_eq!(restored["version"], 3);
    assert_eq!(restored["name"], "Logistieke bewegingen");
    assert_eq!(restored["indicatorIds"], json!([id]));
    let v = app.api_as("viewer@pv26.example").await;
    v.put_json(
        &format!("/api/v1/monitors/{mid}"),
        &json!({"version": 3, "name": "x", "indicatorIds": []}),
    )
    .await
    .assert_status(403);

    // The pages: key figure, status in text, chart with target line, table, CSV.
    let p = app.page_as("admin@pv26.example").await;
    let page = p
        .page(&format!("/informatieproducten/monitoren/{mid}"))
        .await;
    assert!(page.contains("versie 1 teruggezet") && page.contains("− Vrachtritten"));
    // The figures behind the chart wait behind a toggle, as on a dashboard.
    let folded = page
        .find(r#"<details class="koers-details"><summary>Tabel met de cijfers</summary>"#)
        .expect("the table behind a toggle");
    let inside = &page[folded..page[folded..].find("</details>").unwrap() + folded];
    assert!(inside.contains("Waarden per periode"), "{inside}");
    let form = [
        ("version", "3"),
        ("name", "Logistieke bewegingen"),
        ("indicatorIds", id.as_str()),
    ];
    let monitor_page = format!("/informatieproducten/monitoren/{mid}");
    p.submit(&monitor_page, &form)
        .await
        .assert_shows(200, &["Opgeslagen als nieuwe versie."]);
    p.post_form(&monitor_page, &form).await.assert_status(409);
    let html = p
        .page(&format!("/informatieproducten/indicatoren/{id}"))
        .await;
    assert!(html.contains("<strong>950 ritten</strong>"), "{html}");
    assert!(html.contains(">Groen</span>"));
    assert!(html.contains("Dalend"));
    assert!(
        html.contains("role=\"img\"")
            && html.contains("aria-label=\"Vrachtritten (ritten) per periode, doel 900\"")
    );
    assert!(html.contains("stroke-dasharray"));
    assert!(html.contains("<caption class=\"utrecht-table__caption\""));
    assert!(html.contains("<th scope=\"row\" class=\"utrecht-table__header-cell\">2023</th><td class=\"utrecht-table__cell\">1.150</td>"));
    assert!(!html.contains("Verouderd"));
    let overview = p.page("/informatieproducten").await;
    assert!(overview.contains("Vrachtritten") && overview.contains("Logistieke bewegingen"));
    assert!(!overview.contains("nog niet gebouwd"));
    let monitor = p
        .page(&format!("/informatieproducten/monitoren/{mid}"))
        .await;
    assert!(
        monitor.contains("<strong>950 ritten</strong>")
            && monitor.contains("<svg class=\"koers-chart\"")
    );
    let r = p
        .get(&format!("/informatieproducten/indicatoren/{id}/data.csv"))
        .await;
    assert!(r.header("content-type").starts_with("text/csv"));
    let csv = r.text();
    assert!(csv.starts_with("period,region,value\n"));
    assert!(csv.contains("2024,Amersfoort,350"));
    // A reader takes the monitor and an indicator to a meeting as PDF: the pictures carry
    // the key figures; the monitor's version stands in the footer.
    let reader = app.page_as("viewer@pv26.example").await;
    let monitor = reader
        .page(&format!("/informatieproducten/monitoren/{mid}"))
        .await;
    let link = format!("/informatieproducten/monitoren/{mid}/monitor.pdf");
    assert!(
        monitor.contains(&format!(
            "href=\"{link}\" download>Monitor downloaden (PDF)</a>"
        )),
        "{monitor}"
    );
    let pdf = reader.get(&link).await;
    assert_eq!(pdf.header("content-type"), "application/pdf");
    assert!(
        pdf.header("content-disposition")
            .contains("filename=\"logistieke-bewegingen.pdf\"")
    );
    let bytes = pdf.bytes().to_vec();
    let text = crate::maturity::pdf_text(&bytes);
    assert!(
        text.contains("Logistieke bewegingen") && text.contains("Versie 4 · koers"),
        "{text}"
    );
    let image = b"/Subtype /Image";
    assert!(
        bytes.windows(image.len()).any(|w| w == image),
        "the key figure's picture"
    );
    let pdf = reader
        .get(&format!(
            "/informatieproducten/indicatoren/{id}/indicator.pdf"
        ))
        .await
        .bytes()
        .to_vec();
    let text = crate::maturity::pdf_text(&pdf);
    assert!(
        text.contains("Vrachtritten") && text.contains("Ritten per jaar, Utrecht plus Amersfoort."),
        "{text}"
    );
    // An unknown monitor, or another organisation's, is not found.
    reader
        .get("/informatieproducten/monitoren/onbekend/monitor.pdf")
        .await
        .assert_status(404);
    app.page_as("admin@gm0796.example")
        .await
        .get(&link)
        .await
        .assert_status(404);

    // Once the analysis changes, the cached result is stale until refreshed.
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    app.store
        .catalog()
        .update_analysis(
            &app.org_a.id,
            &analysis,
            &koers_store::catalog::AnalysisFields {
                title: "Vrachtritten per jaar en regio".into(),
                description: "bijgewerkt".into(),
                sql: "SELECT jaar, regio, ritten FROM vracht WHERE regio <> 'Amersfoort'".into(),
                ..Default::default()
            },
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let v: Value = c.get_json(&format!("/api/v1/indicators/{id}")).await;
    assert_eq!(v["stale"], true);
    let html = p
        .page(&format!("/informatieproducten/indicatoren/{id}"))
        .await;
    assert!(html.contains("Verouderd"), "{html}");
    // Refreshing through the page: without Amersfoort 2024 has 600 rides, still green.
    let html = p
        .submit(
            &format!("/informatieproducten/indicatoren/{id}/verversen"),
            &[],
        )
        .await
        .expect(200)
        .text();
    assert!(html.contains("<strong>600 ritten</strong>"), "{html}");
    assert!(!html.contains("Verouderd"));
}

#[tokio::test]
async fn bad_definitions_are_listed_field_by_field() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let url = "/api/v1/indicators";
    // An analysis that is not the organisation's.
    let mut d = definition("no-such-analysis");
    let r = c.post_json(url, &d).await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["analysisId"]);
    // Columns not in the result.
    d = definition(&analysis);
    d["periodColumn"] = json!("maand");
    d["regionColumn"] = json!("provincie");
    let r = c.post_json(url, &d).await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["periodColumn", "regionColumn"]);
    // Amber and green against the direction, together with other problems.
    d = definition(&analysis);
    d["name"] = json!("");
    d["valueColumn"] = json!("gewicht");
    d["direction"] = json!("up");
    d["grain"] = json!("decade");
    let r = c.post_json(url, &d).await;
    r.assert_status(400);
    assert_eq!(
        invalid_names(&r.json()),
        ["name", "valueColumn", "grain", "amberThreshold"]
    );
    // Through the page the form comes back with the problems beside the fields.
    let p = app.page_as("admin@pv26.example").await;
    p.post_form(
        "/informatieproducten/indicatoren",
        &[
            ("name", "Ritten"),
            ("unit", "ritten"),
            ("analysisId", analysis.as_str()),
            ("periodColumn", "jaar"),
            ("valueColumn", "ritten"),
            ("grain", "year"),
            ("direction", "down"),
            ("greenThreshold", "1200"),
            ("amberThreshold", "1000"),
        ],
    )
    .await
    .assert_shows(400, &["id=\"amberThreshold-error\"", "value=\"Ritten\""]);
    assert!(
        app.store
            .indicators()
            .indicators(&app.org_a.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn viewers_cannot_define_and_other_organisations_see_nothing() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let v = app.api_as("viewer@pv26.example").await;
    v.post_json("/api/v1/indicators", &definition(&analysis))
        .await
        .assert_status(403);
    let c = app.api_as("admin@pv26.example").await;
    let r = c
        .post_json("/api/v1/indicators", &definition(&analysis))
        .await;
    let id = r.id();
    // The viewer reads, but does not refresh.
    v.get(&format!("/api/v1/indicators/{id}"))
        .await
        .assert_status(200);
    v.post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await
        .assert_status(403);
    // Organisation B.
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("/api/v1/indicators/{id}"))
        .await
        .assert_status(404);
    let list: Value = b.get_json("/api/v1/indicators").await;
    assert_eq!(list, json!([]));
    // B cannot define an indicator on A's analysis either.
    let r = b
        .post_json("/api/v1/indicators", &definition(&analysis))
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["analysisId"]);
    let bp = app.page_as("admin@gm0796.example").await;
    for path in [
        format!("/informatieproducten/indicatoren/{id}"),
        format!("/informatieproducten/indicatoren/{id}/data.csv"),
    ] {
        let r = bp.get(&path).await;
        assert_eq!(r.status(), 404, "{path}");
    }
}

/// A monthly indicator reads its months as months ("nov 2025", "Nov 2025"), on the axis, in
/// its table and beside its value, and says what its chart shows in the reader's language.
#[tokio::test]
async fn an_indicators_months_read_as_months_in_either_language() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "ritten",
        "csv",
        "dag,ritten\n2025-11-03,40\n2025-11-20,25\n2025-12-01,50\n",
    )
    .await;
    let analysis = app
        .save_analysis(
            &app.org_a.id,
            "Ritten per dag",
            "SELECT dag, ritten FROM ritten",
            &[],
        )
        .await;
    let c = app.api_as("admin@pv26.example").await;
    let mut d = definition(&analysis);
    d["periodColumn"] = json!("dag");
    d["regionColumn"] = json!("");
    d["grain"] = json!("month");
    let id = c.create("/api/v1/indicators", &d).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let v = c
        .post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await
        .expect(200)
        .json();
    // The API keeps the period as data.
    assert_eq!(v["period"], "2025-12");
    let p = app.page_as("admin@pv26.example").await;
    let page = format!("/informatieproducten/indicatoren/{id}");
    let html = p.page(&page).await;
    for part in [
        "<strong>50 ritten</strong> (dec 2025)",
        "<th scope=\"row\" class=\"utrecht-table__header-cell\">nov 2025</th><td class=\"utrecht-table__cell\">65</td>",
        ">nov 2025</text>",
    ] {
        assert!(html.contains(part), "{part} missing: {html}");
    }
    assert!(!html.contains("2025-11"), "{html}");
    // A dashboard's key figure of it reads the month too.
    let d = c
        .create(
            "/api/v1/dashboards",
            &json!({"name": "Ritten", "definition": {"widgets": [
                {"kind": "kpi", "title": "Ritten deze maand", "indicatorId": id}
            ]}}),
        )
        .await;
    let board = format!("/dashboards/{}", d["id"].as_str().unwrap());
    let html = p.page(&board).await;
    assert!(
        html.contains("<span class=\"koers-hint\">(dec 2025)</span>"),
        "{html}"
    );
    p.get("/lang/en?next=/").await;
    assert!(p.page(&board).await.contains("(Dec 2025)"));
    let html = p.page(&page).await;
    assert!(
        html.contains("(Dec 2025)")
            && html.contains("aria-label=\"Vrachtritten (ritten) by period, target 900\""),
        "{html}"
    );
}

/// A policy owner builds a simple indicator on a saved analysis: the analysis and its
/// columns are chosen from lists that read the catalog's titles, no SQL is asked; writing SQL
/// and composing monitors stay with analysts.
#[tokio::test]
async fn a_policy_owner_defines_an_indicator_on_a_saved_analysis() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    app.add_user("beleid@pv26.example", Role::PolicyOwner).await;
    let p = app.page_as("beleid@pv26.example").await;
    let html = p.page("/informatieproducten").await;
    assert!(
        html.contains("id=\"nieuwe-indicator\"")
            && html.contains("id=\"i-value\" name=\"valueColumn\""),
        "{html}"
    );
    assert!(!html.contains("id=\"nieuwe-monitor\""), "{html}");
    let page = p.page(&format!("/analyses/{analysis}")).await;
    assert!(
        page.contains("#nieuwe-indicator\">Indicator maken van deze analyse"),
        "{page}"
    );
    let r = p
        .post_form(
            "/informatieproducten/indicatoren",
            &[
                ("name", "Vrachtritten"),
                ("unit", "ritten"),
                ("analysisId", analysis.as_str()),
                ("periodColumn", "jaar"),
                ("valueColumn", "ritten"),
                ("regionColumn", ""),
                ("grain", "year"),
                ("direction", "down"),
                ("greenThreshold", "1000"),
                ("amberThreshold", "1200"),
            ],
        )
        .await
        .expect(303);
    let at = r.header("location").to_string();
    let id = at.rsplit('/').next().unwrap().to_string();
    // They refresh it on its page and read the value.
    let html = p
        .submit(&format!("{at}/verversen"), &[])
        .await
        .expect(200)
        .text();
    assert!(html.contains("950"), "{html}");
    // Through the API as well; but no SQL and no monitor.
    let api = app.api_as("beleid@pv26.example").await;
    api.post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await
        .assert_status(200);
    api.post_json("/api/v1/queries", &json!({"sql": "SELECT 1"}))
        .await
        .assert_status(403);
    api.post_json(
        "/api/v1/monitors",
        &json!({"name": "Logistiek", "indicatorIds": [id]}),
    )
    .await
    .assert_status(403);
}

/// A reader finds the dashboards they may open by name on the products page, and counts
/// read in the singular for one.
#[tokio::test]
async fn a_reader_finds_the_dashboards_they_may_open_by_name() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let shared = c
        .create(
            "/api/v1/dashboards",
            &json!({"name": "Vracht in beeld", "description": "Voor de commissie"}),
        )
        .await;
    c.create("/api/v1/dashboards", &json!({"name": "Werkversie"}))
        .await;
    c.put_json(
        &format!(
            "/api/v1/dashboards/{}/sharing",
            shared["id"].as_str().unwrap()
        ),
        &json!({"visibility": "roles", "roles": ["viewer"]}),
    )
    .await
    .assert_status(200);
    let i = c.create("/api/v1/indicators", &definition(&analysis)).await;
    let m = c
        .create(
            "/api/v1/monitors",
            &json!({"name": "Logistiek", "indicatorIds": [i["id"]]}),
        )
        .await;
    // Who saved a version is named as members know them, not by e-mail address.
    let history = app
        .page_as("viewer@pv26.example")
        .await
        .page(&format!(
            "/informatieproducten/monitoren/{}",
            m["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        history.contains("<td class=\"utrecht-table__cell\">admin</td>")
            && !history.contains("admin@pv26.example"),
        "{history}"
    );

    let html = app
        .page_as("viewer@pv26.example")
        .await
        .page("/informatieproducten")
        .await;
    assert!(
        html.contains(&format!(
            "href=\"/dashboards/{}\">Vracht in beeld</a> — Voor de commissie",
            shared["id"].as_str().unwrap()
        )),
        "{html}"
    );
    assert!(!html.contains("Werkversie"), "{html}");
    assert!(html.contains(">Logistiek</a> (1 indicator)"), "{html}");
    // One parameter, in the singular; in English as well.
    app.save_analysis(
        &app.org_a.id,
        "Ritten in een jaar",
        "SELECT ritten FROM vracht WHERE jaar = {{jaar}}",
        &[("jaar", "integer", "2024")],
    )
    .await;
    let p = app.page_as("viewer@pv26.example").await;
    let html = p.page("/analyses").await;
    assert!(
        html.contains("Ritten in een jaar</a> <span class=\"koers-hint\">(1 parameter)</span>"),
        "{html}"
    );
    p.get("/lang/en?next=/").await;
    let html = p.page("/informatieproducten").await;
    assert!(
        html.contains(">Logistiek</a> (1 indicator)") && html.contains("All dashboards"),
        "{html}"
    );
}

/// The policy owner on a phone, by keyboard: the columns are chosen by their titles.
#[tokio::test]
async fn a_policy_owner_chooses_an_indicators_columns_by_their_titles_on_a_phone() {
    use crate::browser::{
        browser_as, check_axe, end_session, enter_and_wait, keys_at, type_into, wait_for,
    };
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let vracht = app
        .datasets_of(&app.org_a.id)
        .await
        .into_iter()
        .find(|d| d.name == "vracht")
        .unwrap()
        .id;
    let steward = app.api_as("admin@pv26.example").await;
    steward
        .put_json(
            &format!("/api/v1/datasets/{vracht}/columns/ritten"),
            &json!({"title": "Vrachtritten", "unit": "ritten"}),
        )
        .await
        .assert_status(200);
    app.add_user("beleid@pv26.example", Role::PolicyOwner).await;
    // A monthly analysis starts the form at a value per month, its period column chosen.
    let monthly = app
        .save_analysis(
            &app.org_a.id,
            "Ritten per maand",
            "SELECT regio, jaar AS ts_maand, ritten FROM vracht",
            &[],
        )
        .await;
    let form = app
        .page_as("beleid@pv26.example")
        .await
        .page(&format!("/informatieproducten?analyse={monthly}"))
        .await;
    assert!(
        form.contains("<option value=\"month\" selected>Maand</option>")
            && form.contains("<option value=\"ts_maand\" selected>"),
        "{form}"
    );
    let (_driver, b, _profile) = browser_as(&app, "beleid@pv26.example", (390, 844)).await;
    b.goto(&app.url(&format!(
        "/informatieproducten?analyse={analysis}#nieuwe-indicator"
    )))
    .await
    .unwrap();
    wait_for(&b, Locator::Id("i-name")).await;
    check_axe(&b, "the new indicator form for a policy owner").await;
    // Choosing another analysis by keyboard chooses its likely columns and grain too.
    let chosen = async || {
        b.execute(
            "return ['i-period', 'i-value', 'i-grain'].map(id => document.getElementById(id).value).join(' ')",
            vec![],
        )
        .await
        .unwrap()
    };
    assert_eq!(chosen().await, json!("jaar ritten year"));
    keys_at(&b, "#i-analysis", "Ritten per m").await;
    assert_eq!(chosen().await, json!("ts_maand ritten month"));
    // A select's type-ahead starts again after a pause.
    tokio::time::sleep(std::time::Duration::from_millis(1200)).await;
    keys_at(&b, "#i-analysis", "Vrachtritten").await;
    assert_eq!(chosen().await, json!("jaar ritten year"));
    type_into(&b, Locator::Id("i-name"), "Vrachtritten per jaar").await;
    type_into(&b, Locator::Id("i-unit"), "ritten").await;
    // The value column is picked by typing its title, as a select takes keys.
    keys_at(&b, "#i-value", "Vrachtritten").await;
    let shown = b
        .execute(
            "return document.querySelector('#i-value').selectedOptions[0].text",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(shown, json!("Vrachtritten (ritten) — ritten"));
    keys_at(&b, "#i-direction", "lager").await;
    type_into(&b, Locator::Id("i-green"), "1000").await;
    type_into(&b, Locator::Id("i-amber"), "1200").await;
    enter_and_wait(
        &b,
        "form[aria-labelledby='nieuwe-indicator'] button[type=submit]",
        // The new indicator's page, which they may refresh.
        Locator::Css("form[action$='/verversen']"),
    )
    .await;
    let made = app
        .store
        .indicators()
        .indicators(&app.org_a.id)
        .await
        .unwrap();
    assert_eq!(made.len(), 1);
    assert_eq!(made[0].value_column, "ritten");
    assert_eq!(made[0].period_column, "jaar");
    end_session(b).await;
}

#[tokio::test]
async fn product_pages_pass_axe_in_the_browser() {
    use crate::browser::{check_axe, sign_in, start_browser, text_of, type_into, wait_text};
    use fantoccini::Locator;
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let r = c
        .post_json("/api/v1/indicators", &definition(&analysis))
        .await;
    let id = r.id();
    c.post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await;
    let r = c
        .post_json(
            "/api/v1/monitors",
            &json!({"name": "Logistiek", "indicatorIds": [id]}),
        )
        .await;
    let mid = r.id();
    let (_driver, b, _profile) = start_browser().await;
    sign_in(&b, &app, "admin@pv26.example").await;
    for path in [
        "/informatieproducten".to_string(),
        format!("/informatieproducten/indicatoren/{id}"),
        format!("/informatieproducten/monitoren/{mid}"),
    ] {
        b.goto(&app.url(&path)).await.unwrap();
        check_axe(&b, &path).await;
    }
    // Take a snapshot of the monitor by keyboard; its page opens and passes too.
    type_into(
        &b,
        Locator::Id("snap-note"),
        "PS-vergadering 12 maart\u{E007}",
    )
    .await;
    let hash = wait_text(&b, Locator::Css(".koers-facts code")).await;
    assert!(hash.starts_with("sha256:"), "{hash}");
    let ok = text_of(&b, Locator::Css(".utrecht-alert--ok")).await;
    assert!(ok.contains("ongewijzigd"), "{ok}");
    check_axe(&b, "snapshot").await;
    let _ = b.close().await;
}

#[tokio::test]
pub(crate) async fn snapshots_freeze_what_was_shown_and_crossing_a_threshold_alerts() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let owner = app
        .add_user("beleid@pv26.example", koers_core::Role::PolicyOwner)
        .await;
    // An analyst of A, who should hear of threshold crossings.
    let analyst = app
        .store
        .users()
        .create_user(
            &koers_core::UserDraft::parse(
                "analist@pv26.example",
                "Analist",
                crate::helpers::PASSWORD,
            )
            .unwrap(),
            "hash",
            false,
            &app.org_a.id,
            &[koers_core::Role::Analyst],
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let c = app.api_as("admin@pv26.example").await;
    let (id, mid) = in_a_monitor(&c, definition(&analysis), "Logistiek").await;

    // Freeze the monitor for the board meeting.
    let snap = c
        .create(
            &format!("/api/v1/monitors/{mid}/snapshots"),
            &json!({"note": "GS 12 maart"}),
        )
        .await;
    let sid = snap["id"].as_str().unwrap().to_string();
    assert_eq!(snap["intact"], true);
    assert_eq!(
        snap["contentHash"],
        koers_core::snapshot::content_hash(&snap["content"])
    );
    let item = &snap["content"]["content"]["indicators"][0];
    assert_eq!(item["result"]["value"], 950.0);
    assert_eq!(item["result"]["status"], "green");
    assert_eq!(
        item["analysis"]["sql"],
        "SELECT jaar, regio, ritten FROM vracht ORDER BY jaar, regio"
    );
    assert_eq!(item["datasetVersions"][0]["query"], "vracht@1");

    // New data: 2024 now has 1 300 movements, past amber; the analyst is alerted.
    import_freight(&app, &CSV.replace("2024,Utrecht,600", "2024,Utrecht,950")).await;
    let r = c
        .post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await;
    let v: Value = r.json();
    assert_eq!(v["status"], "red");
    let told = app.notifications_of(&analyst.id, 10).await;
    assert_eq!(told.len(), 1, "{told:?}");
    assert_eq!(told[0].kind, "indicator.threshold");
    assert_eq!(told[0].params["status"], "red");
    // The policy owner, who may define indicators and owns the policy, hears of it too; a
    // viewer does not.
    assert_eq!(app.notifications_of(&owner.id, 10).await.len(), 1);
    assert!(app.notifications_of(&app.viewer_a.id, 10).await.is_empty());
    // Refreshing again without a change of light alerts nobody again.
    c.post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await;
    assert_eq!(app.notifications_of(&analyst.id, 10).await.len(), 1);

    // The snapshot still shows what the board saw, unchanged.
    let again: Value = c.get_json(&format!("/api/v1/snapshots/{sid}")).await;
    assert_eq!(again["content"], snap["content"]);
    assert_eq!(again["intact"], true);
    let list = c.get_json("/api/v1/snapshots").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert!(list[0].get("content").is_none());
    // The page says it is intact and names the pinned version; the download hashes to it.
    let p = app.page_as("viewer@pv26.example").await;
    let html = p
        .page(&format!("/informatieproducten/momentopnamen/{sid}"))
        .await;
    assert!(
        html.contains("De inhoud is ongewijzigd")
            && html.contains("vracht@1")
            && html.contains("950"),
        "{html}"
    );
    // Written as the board reads them: numbers in Dutch, the time in words, not as frozen.
    assert!(
        html.contains(">1.300</td>") && html.contains("Berekend: <time datetime="),
        "{html}"
    );
    let bytes = p
        .get(&format!(
            "/informatieproducten/momentopnamen/{sid}/inhoud.json"
        ))
        .await
        .bytes()
        .to_vec();
    use sha2::Digest;
    assert_eq!(
        format!("sha256:{}", hex::encode(sha2::Sha256::digest(&bytes))),
        snap["contentHash"].as_str().unwrap()
    );

    // Bad input: a note too long, a viewer, an unknown monitor, another organisation.
    c.post_json(
        &format!("/api/v1/monitors/{mid}/snapshots"),
        &json!({"note": "x".repeat(501)}),
    )
    .await
    .assert_status(400);
    let v = app.api_as("viewer@pv26.example").await;
    v.post_json(&format!("/api/v1/monitors/{mid}/snapshots"), &json!({}))
        .await
        .assert_status(403);
    c.post_json("/api/v1/monitors/onbekend/snapshots", &json!({}))
        .await
        .assert_status(404);
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("/api/v1/snapshots/{sid}"))
        .await
        .assert_status(404);
    assert_eq!(
        app.store
            .snapshots()
            .snapshots(&app.org_a.id, None)
            .await
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test]
pub(crate) async fn scheduled_refreshes_run_once_when_due() {
    let app = TestApp::spawn().await;
    let analysis = with_freight(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let i = c.create("/api/v1/indicators", &definition(&analysis)).await;
    let id = i["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/indicators/{id}/schedule");
    let put = async |c: &Session, body: Value| c.put_json(&url, &body).await;
    let s = put(&c, json!({"every": "daily"})).await.expect(200).json();
    assert_eq!(s["every"], "daily");
    assert!(s["nextDue"].as_str().is_some());

    // Nothing is due yet.
    let now = chrono::Utc::now();
    assert_eq!(
        koers_app::products::run_due_refreshes(&app.state.ws, now).await,
        0
    );
    // A day and a bit later it is, once: a second run at the same moment finds it claimed.
    let later = now + chrono::Duration::hours(25);
    assert_eq!(
        koers_app::products::run_due_refreshes(&app.state.ws, later).await,
        1
    );
    assert_eq!(
        koers_app::products::run_due_refreshes(&app.state.ws, later).await,
        0
    );
    let v: Value = c.get_json(&format!("/api/v1/indicators/{id}")).await;
    assert_eq!(v["value"], 950.0);
    let res = app.latest_result(&id).await.expect("refreshed");
    assert_eq!(res.computed_by, "koers (schema)");

    // The page shows the schedule.
    let p = app.page_as("admin@pv26.example").await;
    let html = p
        .page(&format!("/informatieproducten/indicatoren/{id}"))
        .await;
    assert!(
        html.contains("Elke dag") && html.contains("volgende keer"),
        "{html}"
    );

    // Bad input: an unknown cadence, a viewer, another organisation; manual stops it.
    put(&c, json!({"every": "yearly"})).await.assert_status(400);
    let v = app.api_as("viewer@pv26.example").await;
    assert_eq!(put(&v, json!({"every": "hourly"})).await.status(), 403);
    let b = app.api_as("admin@gm0796.example").await;
    assert_eq!(put(&b, json!({"every": "hourly"})).await.status(), 404);
    let r = put(&c, json!({"every": "manual"})).await;
    assert_eq!(r.json()["every"], "manual");
    let much_later = now + chrono::Duration::days(30);
    assert_eq!(
        koers_app::products::run_due_refreshes(&app.state.ws, much_later).await,
        0
    );
}

/// Makes the indicator `definition`, refreshes it and puts it in a new monitor `name`;
/// returns the indicator's and the monitor's ids.
pub(crate) async fn in_a_monitor(c: &Session, definition: Value, name: &str) -> (String, String) {
    let i = c.create("/api/v1/indicators", &definition).await;
    let id = i["id"].as_str().unwrap().to_string();
    c.post_json(&format!("/api/v1/indicators/{id}/refresh"), &json!({}))
        .await
        .assert_status(200);
    let m = c
        .create(
            "/api/v1/monitors",
            &json!({"name": name, "indicatorIds": [id]}),
        )
        .await;
    (id, m["id"].as_str().unwrap().to_string())
}

/// The SHA-256 of `bytes`, written as a snapshot's hash.
fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    format!("sha256:{}", hex::encode(sha2::Sha256::digest(bytes)))
}

#[tokio::test]
pub(crate) async fn snapshots_of_awkward_numbers_and_text_verify_byte_for_byte() {
    let app = TestApp::spawn().await;
    // Sums whose shortest text does not survive a careless parse (11281.099999999999),
    // the largest and the smallest double, and names beyond ASCII.
    import_freight(
        &app,
        "jaar,regio,ritten\n2022,Súdwest-Fryslân,0.1\n2022,’s-Hertogenbosch 🚲,0.2\n\
         2023,Súdwest-Fryslân,5640.549999999999\n2023,’s-Hertogenbosch 🚲,5640.55\n\
         2024,Súdwest-Fryslân,1.7976931348623157e308\n2025,’s-Hertogenbosch 🚲,5e-324\n",
    )
    .await;
    let analysis = app
        .save_analysis(
            &app.org_a.id,
            "Ritten per jaar",
            "SELECT jaar, regio, ritten FROM vracht ORDER BY jaar, regio",
            &[],
        )
        .await;
    let c = app.api_as("admin@pv26.example").await;
    let mut def = definition(&analysis);
    def["regionColumn"] = Value::Null;
    def["name"] = json!("Ritten ’s-Hertogenbosch 🚲");
    let (id, mid) = in_a_monitor(&c, def, "Ritten").await;

    let mut taken = Vec::new();
    for path in [
        format!("/api/v1/monitors/{mid}/snapshots"),
        format!("/api/v1/indicators/{id}/snapshots"),
    ] {
        let snap = c.create(&path, &json!({"note": "GS — 12 maart"})).await;
        assert_eq!(snap["intact"], true, "{snap}");
        taken.push(snap);
    }
    // The frozen bytes hold the awkward numbers as they were, and hash to the snapshot's hash.
    let check = |c: Session, snap: Value| {
        let url = format!("/api/v1/snapshots/{}", snap["id"].as_str().unwrap());
        async move {
            let r = c.get(&format!("{url}/content")).await;
            let bytes = r.bytes();
            let text = std::str::from_utf8(bytes).unwrap();
            assert_eq!(sha256(bytes), snap["contentHash"].as_str().unwrap());
            assert!(text.contains("11281.099999999999"), "{text}");
            assert!(text.contains("1.7976931348623157e+308"), "{text}");
            assert!(text.contains("5e-324"), "{text}");
            assert!(text.contains("’s-Hertogenbosch 🚲"), "{text}");
            let again = c.get_json(&url).await;
            assert_eq!(again["intact"], true);
            assert_eq!(again["content"], snap["content"]);
        }
    };
    for snap in &taken {
        check(c.clone(), snap.clone()).await;
    }
    // A second process on the same store (as after a restart) reads the same bytes.
    let sibling = app.spawn_sibling().await;
    let c2 = sibling.api_as("admin@pv26.example").await;
    for snap in &taken {
        check(c2.clone(), snap.clone()).await;
    }
    let checks = app
        .store
        .snapshots()
        .verify_snapshots(Some(&app.org_a.id))
        .await
        .unwrap();
    assert_eq!((checks[0].count, checks[0].broken.len()), (2, 0));
    // An unknown snapshot's content is a 404 problem.
    c.get("/api/v1/snapshots/onbekend/content")
        .await
        .assert_status(404);
}
