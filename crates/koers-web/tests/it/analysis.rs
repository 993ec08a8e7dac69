//! Analyses in the pages: SQL over the catalog with spatial functions, results, map,
//! exports, saved analyses with parameters, and hostile SQL refused with the server up.

use crate::helpers::TestApp;
use crate::session::Session;

const GEOJSON: &str = r#"{"type":"FeatureCollection","features":[
 {"type":"Feature","properties":{"statcode":"GM0344","statnaam":"Utrecht","inwoners":367984},"geometry":{"type":"Polygon","coordinates":[[[5.0,52.0],[5.2,52.0],[5.2,52.2],[5.0,52.2],[5.0,52.0]]]}},
 {"type":"Feature","properties":{"statcode":"GM0345","statnaam":"Veenendaal","inwoners":68000},"geometry":{"type":"Polygon","coordinates":[[[5.5,52.0],[5.6,52.0],[5.6,52.1],[5.5,52.1],[5.5,52.0]]]}}]}"#;

/// Imports the two-municipality file as `gemeenten` for organisation A.
async fn with_gemeenten(app: &TestApp) {
    app.import(&app.org_a, "gemeenten", "geojson", GEOJSON)
        .await;
}

async fn run(c: &Session, sql: &str) -> (u16, String) {
    let r = c.post_form("/analyses/uitvoeren", &[("sql", sql)]).await;
    (r.status().as_u16(), r.text())
}

#[tokio::test]
async fn spatial_sql_with_results_map_and_exports() {
    let app = TestApp::spawn().await;
    with_gemeenten(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    let editor = c.page("/analyses").await;
    assert!(
        editor.contains("<code>gemeenten</code>"),
        "schema browser lists the table"
    );
    let sql = "SELECT statnaam, ROUND(ST_Area(ST_Transform(geom, 28992)) / 1e6) AS km2, geom FROM gemeenten WHERE ST_Contains(geom, ST_Point(5.1, 52.1)) ORDER BY statnaam";
    let (status, html) = run(&c, sql).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("1 rij in"), "one row, said in the singular");
    assert!(html.contains(">Utrecht<") && !html.contains(">Veenendaal<"));
    assert!(html.contains("<svg class=\"koers-map\""));
    // Exports of the same result.
    for (format, probe) in [
        ("csv", "statnaam,km2,geom"),
        ("geojson", "\"FeatureCollection\""),
    ] {
        let r = c
            .post_form("/analyses/exporteren", &[("sql", sql), ("format", format)])
            .await;
        r.assert_status(200);
        assert!(
            r.header("content-disposition")
                .contains(&format!("resultaat.{format}"))
        );
        let body = r.text();
        assert!(body.contains(probe), "{format}: {body}");
    }
    let r = c
        .post_form(
            "/analyses/exporteren",
            &[("sql", sql), ("format", "parquet")],
        )
        .await;
    let bytes = r.bytes();
    assert_eq!(&bytes[..4], b"PAR1");
    c.post_form("/analyses/exporteren", &[("sql", sql), ("format", "xls")])
        .await
        .assert_status(400);
}

#[tokio::test]
pub(crate) async fn saved_analyses_with_parameters() {
    let app = TestApp::spawn().await;
    with_gemeenten(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    let r = c
        .post_form(
            "/analyses/opslaan",
            &[
                ("title", "Grote gemeenten"),
                (
                    "sql",
                    "SELECT statnaam FROM gemeenten WHERE inwoners > {{minimum}}",
                ),
                ("paramName", "minimum"),
                ("paramKind", "integer"),
                ("paramDefault", "100000"),
            ],
        )
        .await;
    // Saving from the editor without parameter rows fails: {{minimum}} is undeclared there.
    let html = if r.status() == 303 {
        String::new()
    } else {
        r.text()
    };
    assert!(html.is_empty(), "{html}");
    let a = app.analyses().await.remove(0);
    // Run by its address: the values are in the link, to reload, keep or share.
    let run_url = format!("/analyses/{}/uitvoeren", a.id);
    let with = |minimum: &str| {
        let q = serde_urlencoded::to_string([("p_minimum", minimum)]).unwrap();
        format!("{run_url}?{q}")
    };
    let html = c.page(&run_url).await;
    assert!(
        html.contains(">Utrecht<") && !html.contains(">Veenendaal<"),
        "default 100000"
    );
    assert!(
        html.contains(&format!(
            "action=\"/analyses/{}/uitvoeren#resultaat\"",
            a.id
        )) && !html.contains("csrf_token=")
    );
    let html = c.page(&with("1000")).await;
    assert!(html.contains(">Veenendaal<") && html.contains("value=\"1000\""));
    // An injection attempt through a parameter is a type error, not SQL.
    c.get(&with("0; DROP TABLE gemeenten"))
        .await
        .assert_shows(400, &["geheel getal"]);
    // A change refused (SQL with a mistake) keeps what the analyst typed in the form.
    let edited = "SELECT statnaam FROM gemeenten WHERE inwoners > {{minimum}} AND kapot";
    c.post_form(
        &format!("/analyses/{}/opslaan", a.id),
        &[
            ("title", "Grote gemeenten, herzien"),
            ("sql", edited),
            ("paramName", "minimum"),
            ("paramKind", "integer"),
            ("paramDefault", "250000"),
        ],
    )
    .await
    .assert_shows(
        400,
        &[
            "AND kapot</textarea>",
            "value=\"Grote gemeenten, herzien\"",
            "value=\"250000\"",
        ],
    );
    assert_eq!(app.analyses().await[0].title, "Grote gemeenten");
    // A viewer may run it but not write SQL.
    let v = app.page_as("viewer@pv26.example").await;
    assert_eq!(v.get(&run_url).await.status(), 200);
    assert_eq!(run(&v, "SELECT 1").await.0, 403);
    // Another organisation does not see it.
    let b = app.page_as("admin@gm0796.example").await;
    assert_eq!(b.get(&format!("/analyses/{}", a.id)).await.status(), 404);
    assert_eq!(b.get(&run_url).await.status(), 404);
    assert_eq!(
        b.post_form(&format!("/analyses/{}/verwijderen", a.id), &[])
            .await
            .status(),
        404
    );
    assert_eq!(app.analyses().await.len(), 1);
    // Deleting asks for confirmation: without it the page says so and nothing is deleted.
    let owner = app.page_as("admin@pv26.example").await;
    let delete = format!("/analyses/{}/verwijderen", a.id);
    owner
        .post_form(&delete, &[])
        .await
        .assert_shows(400, &["Vink aan dat u dit zeker weet."]);
    assert_eq!(app.analyses().await.len(), 1);
    owner
        .post_form(&delete, &[("confirm", "on")])
        .await
        .assert_status(303);
    assert!(app.analyses().await.is_empty());
}

/// A reader runs an analysis by choosing a municipality by its name, not by typing its CBS
/// code, and reads a coded column of the result as its words; a value from a link that is no
/// municipality stays what it was, and runs.
#[tokio::test]
async fn a_parameter_of_municipality_codes_is_chosen_by_name() {
    let app = TestApp::spawn().await;
    with_gemeenten(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    c.post_form(
        "/analyses/opslaan",
        &[
            ("title", "Inwoners van een gemeente"),
            ("description", "Hoeveel mensen er in een gemeente wonen."),
            (
                "sql",
                "SELECT statnaam, inwoners, CASE WHEN inwoners > 100000 THEN 'groot' ELSE 'klein' END AS grootte FROM gemeenten WHERE {{gemeente}} = '' OR statcode = {{gemeente}}",
            ),
            ("paramName", "gemeente"),
            ("paramKind", "text"),
            ("paramDefault", ""),
        ],
    )
    .await
    .assert_status(303);
    let a = app.analyses().await.remove(0);
    let v = app.page_as("viewer@pv26.example").await;
    // The list says what each analysis answers.
    let list = v.page("/analyses").await;
    assert!(
        list.contains(
            r#"<span class="koers-hint">Hoeveel mensen er in een gemeente wonen.</span>"#
        ),
        "{list}"
    );
    let html = v.page(&format!("/analyses/{}", a.id)).await;
    // Who may not write SQL reads it on request, without the SQL editor's tables beside it.
    assert!(
        html.contains("<summary>De SQL-query tonen</summary>")
            && !html.contains(r#"class="koers-schema""#),
        "{html}"
    );
    assert!(
        html.contains(r#"<label class="utrecht-form-label" for="p-gemeente">Gemeente</label>"#)
            && html.contains(r#"<select class="utrecht-select utrecht-select--html-select" id="p-gemeente" name="p_gemeente">"#)
            && html.contains(r#"<option value="" selected>(geen keuze)</option>"#)
            && html.contains(r#"<option value="GM0345">Veenendaal</option>"#),
        "{html}"
    );
    let run = |code: &str| format!("/analyses/{}/uitvoeren?p_gemeente={code}", a.id);
    let html = v.page(&run("GM0345")).await;
    assert!(
        html.contains(r#"<option value="GM0345" selected>Veenendaal</option>"#)
            && html.contains(">68.000<")
            && !html.contains(">367.984<"),
        "{html}"
    );
    // Chosen "none": every municipality, and the choice stays "none".
    let html = v.page(&run("")).await;
    assert!(
        html.contains(r#"<option value="" selected>(geen keuze)</option>"#)
            && html.contains(">367.984<"),
        "{html}"
    );
    // A column with a code list reads as its words in the result.
    c.post_form(
        &format!("/analyses/{}/kolommen", a.id),
        &[
            ("column", "grootte"),
            ("title", "Grootte"),
            ("unit", ""),
            (
                "codes",
                "groot = Meer dan 100.000 inwoners\nklein = Tot 100.000 inwoners",
            ),
        ],
    )
    .await
    .assert_status(303);
    let html = v.page(&run("GM0345")).await;
    assert!(
        html.contains(">Grootte<")
            && html.contains(">Tot 100.000 inwoners<")
            && !html.contains(">klein<"),
        "{html}"
    );
    // A code from a link that is no municipality is kept as it was sent, not swapped.
    let html = v.page(&run("GM9999")).await;
    assert!(
        html.contains(r#"<option value="GM9999" selected>GM9999</option>"#),
        "{html}"
    );
}

#[tokio::test]
async fn hostile_sql_is_refused_and_the_server_stays_up() {
    let app = TestApp::spawn().await;
    with_gemeenten(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    for sql in [
        "DROP TABLE gemeenten",
        "SELECT 1; DROP TABLE gemeenten",
        "COPY gemeenten TO '/tmp/x.csv'",
        "CREATE EXTERNAL TABLE pw STORED AS CSV LOCATION '/etc/passwd'",
        "SELECT * FROM '/etc/passwd'",
        "INSERT INTO gemeenten VALUES (1)",
        "SET datafusion.execution.batch_size = 1",
        "SELECT * FROM datasets",
    ] {
        let (status, html) = run(&c, sql).await;
        assert_eq!(status, 400, "{sql}: {html}");
        assert!(html.contains("utrecht-alert--error"), "{sql}");
    }
    // Another organisation's (non-public) dataset is not there for B.
    let b = app.page_as("admin@gm0796.example").await;
    let (status, _) = run(&b, "SELECT * FROM gemeenten").await;
    assert_eq!(status, 400);
    // A cross join that would never end is stopped by the time limit.
    let (status, html) = run(&c, "SELECT COUNT(*) FROM generate_series(1, 100000000000) a, generate_series(1, 100000000000) b").await;
    assert!(status == 422 || status == 400, "{status}: {html}");
    // And the server still answers.
    let (status, _) = run(&c, "SELECT COUNT(*) AS n FROM gemeenten").await;
    assert_eq!(status, 200);
    if app.store.backend() == koers_store::Backend::Sqlite {
        assert!(app.ws.data_dir().join("koers.db").exists());
    }
}

#[tokio::test]
async fn a_type_mismatch_reads_in_words_with_a_hint_and_the_original_behind_a_toggle() {
    let app = TestApp::spawn().await;
    with_gemeenten(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    let (status, html) = run(&c, "SELECT statnaam + 1 FROM gemeenten").await;
    assert_eq!(status, 400);
    assert!(
        html.contains("de soorten waarden passen niet bij elkaar: tekst + geheel getal; zet een van beide om met CAST"),
        "{html}"
    );
    assert!(html.contains("De oorspronkelijke melding van de query-engine"));
    assert!(html.contains("Cannot coerce arithmetic expression"));
    // In English, the same in English.
    c.get("/lang/en?next=/analyses").await;
    let (_, html) = run(&c, "SELECT inwoners FROM gemeenten WHERE inwoners = 'veel'").await;
    assert!(
        html.contains("the value &#x27;veel&#x27; is not a whole number"),
        "{html}"
    );
}
