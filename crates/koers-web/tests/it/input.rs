//! Input that must not change meaning: parameters of saved analyses are values, CSV cells
//! are not formulas, and `next` never leaves the site.

use crate::helpers::{TestApp, field_of_each, invalid_names};
use crate::session::{Resp, Session};
use serde_json::{Value, json};

/// Imports `csv` as the organisation A's dataset `name`.
async fn with_csv(app: &TestApp, name: &str, csv: &str) {
    app.import(&app.org_a, name, "csv", csv).await;
}

/// Saves an analysis through the API; its id.
async fn save(c: &Session, body: Value) -> String {
    c.post_json("/api/v1/analyses", &body)
        .await
        .expect(201)
        .id()
}

async fn run(c: &Session, id: &str, params: Value) -> Resp {
    c.post_json(
        &format!("/api/v1/analyses/{id}/runs"),
        &json!({ "params": params }),
    )
    .await
}

#[tokio::test]
async fn saved_analysis_parameters_are_bound_as_values() {
    let app = TestApp::spawn().await;
    with_csv(
        &app,
        "plaatsen",
        "naam,inwoners\nUtrecht,361000\nAmersfoort,160000\n",
    )
    .await;
    let c = app.as_admin().await;

    // `0-{{n}}` with n = -1 is 1 (spliced as text it was `0--1`, a comment to the line's end).
    let id = save(&c, json!({"title": "Min", "sql": "SELECT 0-{{n}} AS a, 7 AS b", "paramName": ["n"], "paramKind": ["integer"], "paramDefault": ["0"]})).await;
    let res: Value = run(&c, &id, json!({"n": -1})).await.json();
    assert_eq!(res["rows"], json!([[1, 7]]), "{res}");

    // A value cannot close a comment or a string.
    let id = save(&c, json!({"title": "Naam", "sql": "SELECT count(*) AS c FROM plaatsen /* {{naam}} */ WHERE naam = {{naam}}", "paramName": ["naam"], "paramKind": ["text"], "paramDefault": ["Utrecht"]})).await;
    let res: Value = run(&c, &id, json!({})).await.json();
    assert_eq!(res["rows"], json!([[1]]), "{res}");
    for hostile in ["*/ OR 1=1 --", "Utrecht' OR '1'='1", "x */ WHERE 1=1 /*"] {
        let res: Value = run(&c, &id, json!({ "naam": hostile })).await.json();
        assert_eq!(res["rows"], json!([[0]]), "{hostile}: {res}");
    }

    // Every type binds as itself.
    let id = save(&c, json!({
        "title": "Typen",
        "sql": "SELECT {{t}} AS t, {{d}} + INTERVAL '1' DAY AS d, {{x}} * 2 AS x, NOT {{b}} AS b, {{i}} AS i",
        "paramName": ["t", "d", "x", "b", "i"],
        "paramKind": ["text", "date", "number", "boolean", "integer"],
        "paramDefault": ["a", "2024-01-01", "1", "true", "1"]})).await;
    let res: Value = run(
        &c,
        &id,
        json!({"t": "'s-Hertogenbosch", "d": "2024-02-29", "x": -1.25, "b": false, "i": "-9"}),
    )
    .await
    .json();
    assert_eq!(
        res["rows"],
        json!([["'s-Hertogenbosch", "2024-03-01", -2.5, true, -9]]),
        "{res}"
    );

    // Wrong types are named, field by field.
    let p = run(
        &c,
        &id,
        json!({"d": "2024-13-01", "x": "1,5", "b": "ja", "i": "1.5", "z": 1}),
    )
    .await
    .expect(400)
    .json();
    let mut names = invalid_names(&p);
    names.sort();
    assert_eq!(
        names,
        ["params.b", "params.d", "params.i", "params.x", "params.z"],
        "{p}"
    );

    // A parameter inside quotes would not be filled in: saving says so.
    let p = c.post_json("/api/v1/analyses", &json!({"title": "Quotes", "sql": "SELECT * FROM plaatsen WHERE naam LIKE '%{{naam}}%'", "paramName": ["naam"], "paramKind": ["text"], "paramDefault": ["U"]})).await.expect(400).json();
    assert!(
        p["detail"]
            .as_str()
            .unwrap()
            .contains("tussen aanhalingstekens"),
        "{p}"
    );
}

#[tokio::test]
async fn csv_exports_are_spreadsheet_safe_with_a_raw_variant() {
    let app = TestApp::spawn().await;
    with_csv(
        &app,
        "cellen",
        "nr,tekst\n1,\"=HYPERLINK(\"\"https://evil.example\"\",\"\"klik\"\")\"\n2,+31 30 123\n3,-2+3\n4,@SUM(A1)\n5,\"\tx\"\n6,-5\n7,gewoon\n",
    )
    .await;
    let c = app.as_admin().await;
    let get = |format: &'static str| {
        let c = &c;
        async move {
            c.post_json(
                &format!("/api/v1/queries?format={format}"),
                &json!({"sql": "SELECT -nr AS min_nr, tekst FROM cellen ORDER BY nr"}),
            )
            .await
            .expect(200)
            .text()
        }
    };
    let get_sql = |format: &'static str, sql: &'static str| {
        let c = &c;
        async move {
            c.post_json(
                &format!("/api/v1/queries?format={format}"),
                &json!({ "sql": sql }),
            )
            .await
            .expect(200)
            .text()
        }
    };
    let safe = get("csv").await;
    assert_eq!(
        safe,
        "min_nr,tekst\n-1,\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"klik\"\")\"\n-2,'+31 30 123\n-3,'-2+3\n-4,'@SUM(A1)\n-5,'\tx\n-6,-5\n-7,gewoon\n"
    );
    let raw = get("csv-raw").await;
    assert_eq!(
        raw,
        "min_nr,tekst\n-1,\"=HYPERLINK(\"\"https://evil.example\"\",\"\"klik\"\")\"\n-2,+31 30 123\n-3,-2+3\n-4,@SUM(A1)\n-5,\tx\n-6,-5\n-7,gewoon\n"
    );
    // For Dutch Excel: a byte order mark, `;`, a decimal comma; text still defused.
    let nl = get_sql(
        "csv-nl",
        "SELECT nr, nr / 4.0 AS kwart, tekst FROM cellen WHERE nr IN (1, 6) ORDER BY nr",
    )
    .await;
    assert_eq!(
        nl,
        "\u{feff}nr;kwart;tekst\n1;0,25;\"'=HYPERLINK(\"\"https://evil.example\"\",\"\"klik\"\")\"\n6;1,5;-5\n"
    );
    // The result page offers all three.
    let p = app.page_as("admin@pv26.example").await;
    let html = p
        .post_form(
            "/analyses/uitvoeren",
            &[("sql", "SELECT tekst FROM cellen")],
        )
        .await
        .text();
    assert!(
        html.contains("value=\"csv-raw\">CSV (ruw, voor scripts)<"),
        "{html}"
    );
    assert!(html.contains("value=\"csv-nl\">Excel (NL)<"), "{html}");
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::spawn().await;
    let mut c = app.anonymous();
    for (next, to) in [
        ("/%09/evil.example", "/"),
        ("/%0a/evil.example", "/"),
        ("%0d%0a//evil.example", "/"),
        ("/%5cevil.example", "/"),
        ("https://evil.example", "/"),
        ("/..//evil.example", "/"),
        ("/organisatie?x=1", "/organisatie?x=1"),
    ] {
        let r = c.get(&format!("/lang/en?next={next}")).await;
        assert_eq!(r.status(), 303, "{next}");
        assert_eq!(r.headers()["location"], to, "{next}");
    }
    // The sign-in form carries the safe `next` only, and the sign-in follows it.
    let html = c.open_form("/login?next=/%09/evil.example").await;
    assert!(html.contains("name=\"next\" value=\"&#x2f;\""), "{html}");
    let r = c
        .post_form(
            "/login",
            &[
                ("email", "admin@pv26.example"),
                ("password", crate::helpers::PASSWORD),
                ("next", "/\t/evil.example"),
            ],
        )
        .await;
    r.assert_status(303);
    assert_eq!(r.headers()["location"], "/");
}

/// The verdict of an independent validator (Python `jsonschema`, given a JSON Schema built
/// from the standard's files by `algoritmeregister_jsonschema.py`) on each record: the paths
/// of the fields it finds invalid.
fn independent_verdicts(records: &[Value]) -> Vec<Vec<String>> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let reference = dir.join("../koers-core/reference/algoritmeregister");
    let mut child = std::process::Command::new(crate::ogc::python())
        .arg(dir.join("tests/it/algoritmeregister_jsonschema.py"))
        .arg(reference.join("backend_app_schemas_config_v1_0.json"))
        .arg(reference.join("formats_v1_0.json"))
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(serde_json::to_string(records).unwrap().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{} (run ./scripts/test: it installs jsonschema in the Python venv)",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test]
async fn export_verdict_equals_an_independent_validator() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let a: Value = c
        .post_json("/api/v1/applications", &crate::register::application())
        .await
        .json();
    let id = a["id"].as_str().unwrap();
    let valid = json!({
        "description_short": "Een digitale tweeling voor verkeersbesluiten.",
        "contact_email": "algoritmes@provincie-utrecht.nl",
        "website": "https://www.provincie-utrecht.nl/verkeer",
        "url": "https://algoritmes.provincie-utrecht.nl",
        "begin_date": "2023-01",
        "end_date": "2025-12",
        "category": "Verkeer",
    });
    let with = |k: &str, v: &str| {
        let mut b = valid.clone();
        b[k] = json!(v);
        b
    };
    // (fields sent, the field koers must find invalid; None when the record is valid)
    let cases = [
        (valid.clone(), None),
        (
            with("contact_email", "https://www.provincie-utrecht.nl/contact"),
            None,
        ),
        (with("end_date", ""), None),
        (with("begin_date", "2025-13"), Some("begin_date")),
        (with("begin_date", "2025-1"), Some("begin_date")),
        (with("end_date", "2025-12-01"), Some("end_date")),
        (
            with("website", "http://www.provincie-utrecht.nl"),
            Some("website"),
        ),
        (with("url", "algoritmes.provincie-utrecht.nl"), Some("url")),
        (with("contact_email", "algoritmes"), Some("contact_email")),
        (
            with("contact_email", "algoritmes@utrecht"),
            Some("contact_email"),
        ),
        (
            with("description_short", &"x".repeat(401)),
            Some("description_short"),
        ),
        (with("description_short", ""), Some("description_short")),
        (with("category", "Verkeer\nOnzin"), Some("category")),
    ];
    let url = format!("/api/v1/applications/{id}/algoritmeregister");
    let mut records = Vec::new();
    let mut koers = Vec::new();
    for (fields, _) in &cases {
        c.put_json(&format!("/api/v1/applications/{id}/publication"), fields)
            .await
            .assert_status(200);
        let e: Value = c.get_json(&url).await;
        records.push(e["record"].clone());
        koers.push(e);
    }
    let independent = independent_verdicts(&records);
    for (((fields, bad), e), theirs) in cases.iter().zip(&koers).zip(&independent) {
        let ours = field_of_each(&e["problems"], "name");
        assert_eq!(e["valid"], bad.is_none(), "{fields}: {e}");
        assert_eq!(theirs.is_empty(), bad.is_none(), "{fields}: {theirs:?}");
        if let Some(bad) = bad {
            assert!(
                ours.iter().all(|n| n.starts_with(bad)),
                "{fields}: {ours:?}"
            );
            assert!(
                theirs.iter().all(|n| n.starts_with(bad)),
                "{fields}: {theirs:?}"
            );
            // The page names the problem in Dutch.
            let reason = e["problems"][0]["reason"].as_str().unwrap();
            assert!(
                ["moet", "mag"].iter().any(|w| reason.starts_with(w))
                    || reason.contains("verplicht"),
                "{reason}"
            );
        }
    }
}

/// A Dutch Excel CSV comes in with its numbers as numbers, goes out as "Excel (NL)", and
/// comes in again as the same figures.
#[tokio::test]
async fn a_dutch_excel_csv_makes_the_round_trip() {
    let app = TestApp::spawn().await;
    let file = "\u{feff}gemeente;inwoners;aandeel;code\nUtrecht;361.924;12,5;0344\nAmersfoort;160.000;7,25;0307\n's-Hertogenbosch;157.486;-0,5;0796\n";
    app.import(&app.org_a, "gemeenten_nl", "csv", file).await;
    let c = app.as_admin().await;
    let query = async |sql: &str, format: Option<&str>| c.post_query(sql, format).await.expect(200);
    let first = query("SELECT * FROM gemeenten_nl ORDER BY gemeente", None)
        .await
        .json();
    assert_eq!(
        first["rows"][2],
        json!(["Utrecht", 361924.0, 12.5, "0344"]),
        "numbers as numbers, codes as text"
    );
    let out = query(
        "SELECT * FROM gemeenten_nl ORDER BY gemeente",
        Some("csv-nl"),
    )
    .await
    .text();
    assert!(out.contains("Utrecht;361924,0;12,5;0344"), "{out}");
    app.import(&app.org_a, "terug", "csv", &out).await;
    let again = query("SELECT * FROM terug ORDER BY gemeente", None)
        .await
        .json();
    assert_eq!(
        again["rows"], first["rows"],
        "the same figures after the round trip"
    );
}
