//! API fuzzing: schemathesis generates requests from the OpenAPI document (valid and
//! invalid ones) and sends them with a signed-in administrator's session. No answer may be
//! a server error, and every answer must match the document (status code, content type,
//! schema). A short, seeded run; `scripts/api-fuzz` runs longer against the demo workspace.

use crate::helpers::{PASSWORD, TestApp, session_id};
use crate::ogc::{python, text};
use serde_json::Value;

#[tokio::test]
async fn schemathesis_finds_no_server_error_or_mismatch() {
    let app = TestApp::spawn().await;
    let r = reqwest::Client::new()
        .post(app.url("/api/v1/sessions"))
        .json(&serde_json::json!({ "email": "admin@pv26.example", "password": PASSWORD }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let cookie = format!("koers_session={}", session_id(r.headers()));
    let body: Value = r.json().await.unwrap();
    let csrf = body["csrfToken"].as_str().expect("csrf").to_string();
    let st = python().with_file_name("st");
    assert!(
        st.exists(),
        "{} is missing: run ./scripts/test (it installs schemathesis in the Python venv)",
        st.display()
    );
    let args: Vec<String> = [
        "run",
        &app.url("/api/v1/openapi.json"),
        "--header",
        &format!("Cookie: {cookie}"),
        "--header",
        &format!("X-CSRF-Token: {csrf}"),
        "--checks",
        "not_a_server_error,response_schema_conformance,content_type_conformance,status_code_conformance",
        // Signing out would end the session the run works with.
        "--exclude-operation-id",
        "end_session",
        "--phases",
        "examples,fuzzing",
        "--max-examples",
        "4",
        "--seed",
        "26",
        "--workers",
        "2",
        "--no-color",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    // In a folder of its own: schemathesis keeps a cache in the folder it runs in.
    let work = tempfile::tempdir().unwrap();
    let cwd = work.path().to_path_buf();
    let o = tokio::task::spawn_blocking(move || {
        std::process::Command::new(&st)
            .args(&args)
            .current_dir(cwd)
            .output()
            .unwrap_or_else(|e| panic!("{}: {e}", st.display()))
    })
    .await
    .unwrap();
    assert!(
        o.status.success(),
        "schemathesis found problems:\n{}",
        text(&o)
    );
}

/// Found by schemathesis: saving a monitor or a dashboard "on top of" the largest version
/// number overflowed (a panic: the connection closed without an answer). It is a stale
/// version like any other: 409, and nothing changes.
#[tokio::test]
async fn the_largest_version_number_is_stale_not_a_crash() {
    let app = TestApp::spawn().await;
    let o = crate::isolation::objects_of_a(&app).await;
    let c = app.as_admin().await;
    for (path, body) in [
        (
            format!("/api/v1/monitors/{}", o.monitor),
            serde_json::json!({"name": "M", "description": "", "indicatorIds": [], "version": i64::MAX}),
        ),
        (
            format!("/api/v1/dashboards/{}", o.dashboard),
            serde_json::json!({"name": "D", "definition": {"widgets": []}, "version": i64::MAX}),
        ),
    ] {
        let before: Value = c.get_json(&path).await;
        let r = c.put_json(&path, &body).await;
        assert_eq!(r.status(), 409, "{path}");
        let after: Value = c.get_json(&path).await;
        assert_eq!(before, after, "{path}");
    }
}

/// Found by schemathesis: two operations' types had the same name, so the document described
/// one with the other's schema (a dataset version as a dashboard version, the choice framework
/// as the maturity framework), absent objects were not marked nullable, and a version's
/// columns and quality figures (lists) were described as objects.
#[tokio::test]
async fn the_document_names_every_type_once_and_allows_absent_objects() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    let schemas = &doc["components"]["schemas"];
    assert!(schemas["DatasetVersionOut"]["properties"]["rowCount"].is_object());
    for list in ["columns", "quality"] {
        assert_eq!(
            schemas["DatasetVersionOut"]["properties"][list]["type"],
            "array"
        );
    }
    assert!(schemas["VersionOut"]["properties"]["definition"].is_object());
    assert!(schemas["ChoiceFrameworkOut"]["properties"]["framework"].is_object());
    assert!(schemas["FrameworkOut"]["properties"]["framework"].is_object());
    assert!(schemas["ChoiceTransitionIn"]["properties"]["superseded_by"].is_null());
    assert!(schemas["ChoiceTransitionIn"]["properties"]["supersededBy"].is_object());
    assert!(schemas["TransitionIn"]["properties"]["decisionDate"].is_object());
    let nullable = |s: &Value| {
        s["type"]
            .as_array()
            .is_some_and(|t| t.iter().any(|t| t == "null"))
    };
    assert!(nullable(
        &schemas["ApplicationOut"]["properties"]["aiActAssessment"]
    ));
    assert!(nullable(
        &schemas["ApplicationOut"]["properties"]["prescan"]
    ));
    assert!(nullable(&schemas["WidgetData"]["properties"]["data"]));
}
