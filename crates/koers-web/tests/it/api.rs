//! The JSON API: sign-in, CSRF, bad input of every kind, roles, the OpenAPI document.

use crate::helpers::{
    PASSWORD, TestApp, assert_invalid, plain_get_json, plain_get_text, repo_root,
};
use crate::session::Resp;
use koers_web::WebConfig;
use serde_json::{Value, json};

fn problem(r: Resp, status: u16) -> Value {
    r.assert_status(status);
    assert_eq!(r.header("content-type"), "application/problem+json");
    assert_eq!(r.header("api-version"), "1.0.0");
    let body = r.json();
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string());
    body
}

#[tokio::test]
async fn wrong_password_and_unknown_user_look_the_same() {
    let app = TestApp::spawn().await;
    let c = app.anonymous();
    let wrong = problem(
        c.try_sign_in("admin@pv26.example", "not the password")
            .await,
        401,
    );
    let unknown = problem(
        c.try_sign_in("nobody@pv26.example", "not the password")
            .await,
        401,
    );
    assert_eq!(wrong["detail"], unknown["detail"]);
}

#[tokio::test]
async fn sign_in_is_rate_limited() {
    let app = TestApp::spawn_with_login_limit(3).await;
    let c = app.anonymous();
    for _ in 0..3 {
        c.try_sign_in("admin@pv26.example", "wrong wrong wrong")
            .await
            .assert_status(401);
    }
    // Even the right password is refused while the limit holds.
    let r = c.try_sign_in("admin@pv26.example", PASSWORD).await;
    assert!(r.headers().contains_key("retry-after"));
    problem(r, 429);
}

#[tokio::test]
pub(crate) async fn session_lifecycle_and_tampered_cookies() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let me: Value = c.get_json("/api/v1/sessions/current").await;
    assert_eq!(me["organisation"]["cbsCode"], "PV26");
    assert_eq!(me["roles"], json!(["administrator"]));

    // A forged cookie is nobody.
    let r = app.current_session_with("forged-value").await;
    problem(Resp::read("a forged cookie", r).await, 401);

    // An expired session is nobody either.
    let short = koers_store::sessions::SessionTtl {
        idle: chrono::Duration::hours(1),
        absolute: chrono::Duration::seconds(-1),
    };
    let (token, _) = app
        .store
        .sessions()
        .create_session(&app.admin_a.id, &app.org_a.id, short)
        .await
        .unwrap();
    let r = app.current_session_with(&token).await;
    problem(Resp::read("an expired session", r).await, 401);

    // Sign out ends the session.
    c.delete("/api/v1/sessions/current")
        .await
        .assert_status(204);
    problem(c.get("/api/v1/sessions/current").await, 401);
}

#[tokio::test]
async fn changes_need_the_csrf_token() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let url = format!("/api/v1/organisations/{}/members", app.org_a.id);
    let body = json!({"email": "nieuw@pv26.example", "displayName": "Nieuw", "roles": ["viewer"]});
    let before = app.member_count().await;
    problem(c.send(c.client().post(c.url(&url)).json(&body)).await, 403);
    problem(
        c.send(
            c.client()
                .post(c.url(&url))
                .header("x-csrf-token", "wrong")
                .json(&body),
        )
        .await,
        403,
    );
    assert_eq!(app.member_count().await, before, "nothing written");
    let added = c.create(&url, &body).await;
    assert!(added["initialPassword"].as_str().unwrap().len() >= 12);
    assert_eq!(app.member_count().await, before + 1);
}

#[tokio::test]
async fn bad_input_is_refused_with_every_problem_and_nothing_written() {
    let app = TestApp::spawn_with(WebConfig {
        max_body_bytes: 4096,
        ..WebConfig::default()
    })
    .await;
    let c = app.as_admin().await;
    let url = format!("/api/v1/organisations/{}/members", app.org_a.id);
    let before = app.member_count().await;

    // Malformed JSON.
    let r = c.post_body(&url, "application/json", "{\"email\": ").await;
    let p = problem(r, 400);
    assert!(p["detail"].as_str().unwrap().contains("regel 1"));

    // Wrong content type.
    let r = c.post_body(&url, "text/plain", "x").await;
    problem(r, 415);

    // Every invalid field listed at once, wrong types included.
    let r = c.post_json(&url, &json!({"email": "not-an-address", "displayName": 42, "roles": ["emperor"], "password": "short"})).await;
    let p = problem(r, 400);
    assert_invalid(&p, &["email", "displayName", "roles", "password"]);

    // Oversized body.
    let big = json!({"email": "x@y.nl", "displayName": "a".repeat(10_000), "roles": ["viewer"]});
    let r = c.post_json(&url, &big).await;
    problem(r, 413);

    // Unknown ids.
    problem(c.get("/api/v1/organisations/does-not-exist").await, 404);
    problem(
        c.get(&format!(
            "/api/v1/organisations/{}/members/nobody",
            app.org_a.id
        ))
        .await,
        404,
    );
    problem(c.get("/api/v1/no-such-route").await, 404);
    let r = c
        .get(&format!(
            "/api/v1/organisations/{}/audit-events?limit=many",
            app.org_a.id
        ))
        .await;
    problem(r, 400);

    assert_eq!(app.member_count().await, before, "nothing written");
}

#[tokio::test]
pub(crate) async fn roles_are_checked() {
    let app = TestApp::spawn().await;
    let c = app.as_viewer().await;
    let url = format!("/api/v1/organisations/{}/members", app.org_a.id);
    // A viewer may read the members, not add one, nor read the audit log, nor create organisations.
    assert_eq!(c.get(&url).await.status(), 200);
    let r = c
        .post_json(
            &url,
            &json!({"email": "n@pv26.example", "displayName": "N", "roles": ["administrator"]}),
        )
        .await;
    problem(r, 403);
    let r = c
        .get(&format!(
            "/api/v1/organisations/{}/audit-events",
            app.org_a.id
        ))
        .await;
    problem(r, 403);
    let r = c
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "X", "kind": "other"}),
        )
        .await;
    problem(r, 403);
}

#[tokio::test]
async fn the_last_administrator_stays() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let url = format!(
        "/api/v1/organisations/{}/members/{}",
        app.org_a.id, app.admin_a.id
    );
    let r = c.put_json(&url, &json!({"roles": ["viewer"]})).await;
    problem(r, 409);
    let r = c.delete(&url).await;
    problem(r, 409);
    assert_eq!(
        app.roles_of(&app.admin_a.id, &app.org_a.id).await,
        vec![koers_core::Role::Administrator]
    );
}

#[tokio::test]
pub(crate) async fn changes_are_in_the_audit_log() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let url = format!(
        "/api/v1/organisations/{}/members/{}",
        app.org_a.id, app.viewer_a.id
    );
    let r = c
        .put_json(&url, &json!({"roles": ["analyst", "viewer"]}))
        .await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["api-version"], "1.0.0");
    let events: Value = c
        .get_json(&format!(
            "/api/v1/organisations/{}/audit-events?limit=1",
            app.org_a.id
        ))
        .await;
    assert_eq!(events[0]["action"], "member.roles_set");
    assert_eq!(events[0]["actorLabel"], "admin@pv26.example");
    assert_eq!(events[0]["detail"]["roles"], json!(["viewer", "analyst"]));
}

/// An administrator asks the audit log what happened to one kind of object, to one object or
/// by one person, through the API and on the page; a question it cannot answer is refused
/// readably, and nothing of another organisation is found.
#[tokio::test]
async fn the_audit_log_is_searched_by_object_and_person() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let member = format!(
        "/api/v1/organisations/{}/members/{}",
        app.org_a.id, app.viewer_a.id
    );
    c.put_json(&member, &json!({"roles": ["analyst"]}))
        .await
        .assert_status(200);
    app.save_analysis(&app.org_a.id, "Tel", "SELECT 1", &[])
        .await;
    let log = format!("/api/v1/organisations/{}/audit-events", app.org_a.id);
    let of = |v: &Value| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap().to_string())
            .collect()
    };
    let members = c.get_json(&format!("{log}?objectType=user")).await;
    let actions = of(&members);
    assert_eq!(actions[0], "member.roles_set");
    assert!(
        actions.iter().all(|a| a.starts_with("member.")),
        "{actions:?}"
    );
    let id = members[0]["objectId"].as_str().unwrap().to_string();
    let one = c.get_json(&format!("{log}?objectId={id}")).await;
    assert!(of(&one).iter().all(|a| a.starts_with("member.")), "{one}");
    let by_admin = c.get_json(&format!("{log}?actor=ADMIN%40pv26")).await;
    assert!(of(&by_admin).contains(&"member.roles_set".to_string()));
    let nobody = c.get_json(&format!("{log}?actor=niemand%25")).await;
    assert_eq!(nobody, json!([]));
    // A question it cannot answer: every field named, nothing else.
    let problem = c
        .get(&format!(
            "{log}?objectType=DROP%20TABLE&objectId=a%20b&actor={}",
            "x".repeat(101)
        ))
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&problem, &["objectType", "objectId", "actor"]);
    // Another organisation's log is not found for this administrator.
    c.get(&format!(
        "/api/v1/organisations/{}/audit-events?objectType=user",
        app.org_b.id
    ))
    .await
    .assert_status(404);

    // On the page: by kind of object, and one object's history from its link.
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page("/organisatie/logboek?soort=user").await;
    assert!(
        html.contains("Rollen van een lid gewijzigd") && !html.contains("Analyse opgeslagen"),
        "{html}"
    );
    assert!(
        html.contains(&format!("Gevonden: {} op deze pagina", actions.len())),
        "{html}"
    );
    let history = format!("/organisatie/logboek?object={id}");
    assert!(html.contains(&history), "{html}");
    let html = p.page(&format!("/organisatie/logboek?object={id}")).await;
    assert!(html.contains("De geschiedenis van één object."), "{html}");
    let html = p.page("/organisatie/logboek?wie=admin").await;
    assert!(html.contains("Analyse opgeslagen") || html.contains("Rollen van een lid gewijzigd"));
    p.get("/organisatie/logboek?soort=Keuze%21")
        .await
        .assert_shows(
            400,
            &[
                "Deze vraag kan het logboek niet beantwoorden",
                "href=\"#f-soort\">",
                "onbekende soort object",
            ],
        );
}

#[tokio::test]
pub(crate) async fn instance_admins_create_organisations() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let org = c
        .create(
            "/api/v1/organisations",
            &json!({"name": "Waterschap Aa en Maas", "kind": "water_board", "cbsCode": "WS0654"}),
        )
        .await;
    assert_eq!(
        org["tooiUri"],
        "https://identifier.overheid.nl/tooi/id/waterschap/ws0654"
    );
    // A duplicate CBS code is a conflict.
    let r = c
        .post_json(
            "/api/v1/organisations",
            &json!({"name": "Dubbel", "kind": "water_board", "cbsCode": "WS0654"}),
        )
        .await;
    problem(r, 409);
}

#[tokio::test]
async fn health_and_metrics() {
    let app = TestApp::spawn().await;
    let h: Value = plain_get_json(app.url("/health/ready")).await;
    assert_eq!(h["checks"]["store"], "ok");
    assert_eq!(
        reqwest::get(app.url("/health/live"))
            .await
            .unwrap()
            .status(),
        200
    );
    let m = plain_get_text(app.url("/metrics")).await;
    assert!(
        m.contains(
            "koers_http_requests_total{method=\"GET\",route=\"/health/ready\",status=\"200\"} 1"
        ),
        "{m}"
    );
    assert!(m.contains("koers_http_request_duration_seconds_bucket"));

    // The column cache: its budget, and what a query over a dataset left in it.
    let gauge = |m: &str, name: &str| -> usize {
        m.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} ")))
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} in {m}"))
    };
    assert!(gauge(&m, "koers_column_cache_budget_bytes") > 0);
    assert_eq!(gauge(&m, "koers_column_cache_columns"), 0);
    app.import(&app.org_a, "wegen", "csv", "naam,km\nA2,10\nA12,20\n")
        .await;
    let c = app.as_admin().await;
    c.query("SELECT SUM(km) AS km FROM wegen WHERE km > 5")
        .await;
    let m = plain_get_text(app.url("/metrics")).await;
    assert_eq!(gauge(&m, "koers_column_cache_columns"), 1, "{m}");
    assert!(gauge(&m, "koers_column_cache_bytes") > 0);
}

/// Series of `/metrics` (the lines of `koers_http_requests_total`).
async fn request_series(app: &TestApp) -> Vec<String> {
    let m = plain_get_text(app.url("/metrics")).await;
    m.lines()
        .filter(|l| l.starts_with("koers_http_requests_total{"))
        .map(|l| l.rsplit_once(' ').unwrap().0.to_string())
        .collect()
}

#[tokio::test]
async fn made_up_methods_and_paths_add_no_metrics_series() {
    let app = TestApp::spawn().await;
    let c = reqwest::Client::new();
    let send = |method: String, path: String| {
        let c = c.clone();
        let url = app.url(&path);
        async move {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            c.request(m, url).send().await.unwrap().status().as_u16()
        }
    };
    // One of each kind first: a made-up method on a route and elsewhere, a made-up path.
    send("FOO".into(), "/health/live".into()).await;
    send("FOO".into(), "/nope".into()).await;
    send("GET".into(), "/nope".into()).await;
    request_series(&app).await; // `/metrics` itself
    let before = request_series(&app).await;
    assert!(
        before.iter().any(|l| l.contains("method=\"other\"")),
        "{before:?}"
    );
    for i in 0..300 {
        send(format!("X{i}"), "/health/live".into()).await;
        send(format!("M{i}"), format!("/made/up/{i}")).await;
        send("GET".into(), format!("/made/up/{i}?q={i}")).await;
    }
    let after = request_series(&app).await;
    assert_eq!(before, after, "made-up requests added series");
    assert!(
        !after
            .iter()
            .any(|l| l.contains("X1") || l.contains("/made/up"))
    );
}

#[tokio::test]
async fn openapi_is_self_contained_and_passes_the_nl_api_design_rules() {
    let app = TestApp::spawn().await;
    let r = reqwest::get(app.url("/api/v1/openapi.json")).await.unwrap();
    assert_eq!(r.headers()["api-version"], "1.0.0");
    let text = r.text().await.unwrap();
    let doc: Value = serde_json::from_str(&text).unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    // No external references.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(!refs.is_empty());
    assert!(
        refs.iter().all(|r| r.starts_with("#/")),
        "external $ref: {refs:?}"
    );

    let root = repo_root();
    let spectral = root.join("node_modules/.bin/spectral");
    assert!(
        spectral.exists(),
        "spectral is missing: run ./scripts/test (it installs the test tools)"
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let out = std::process::Command::new(&spectral)
        .arg("lint")
        .arg("--fail-severity")
        .arg("warn")
        .arg("-r")
        .arg(root.join("reference/standards/adr-spectral-ruleset.yaml"))
        .arg(&file)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "spectral:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                if k == "$ref" {
                    out.push(x.as_str().unwrap_or_default().to_string());
                } else {
                    collect_refs(x, out);
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
pub(crate) async fn catalog_and_analyses_through_the_api() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    // Upload a CSV (multipart, CSRF in the header).
    let form = crate::helpers::inwoners_upload();
    let state = c.upload_job(form).await;
    assert_eq!(state["state"], "done", "{state}");
    let id = state["datasetId"].as_str().unwrap();
    let versions: Value = c.get_json(&format!("/api/v1/datasets/{id}/versions")).await;
    assert_eq!(versions[0]["rowCount"], 2);
    // Query as JSON and as CSV.
    let res = c
        .query("SELECT naam, inwoners FROM inwoners ORDER BY inwoners DESC")
        .await;
    assert_eq!(res["columns"], json!(["naam", "inwoners"]));
    assert_eq!(res["rows"][0], json!(["Utrecht", 367984]));
    let csv = c
        .post_json(
            "/api/v1/queries?format=csv",
            &json!({"sql": "SELECT naam FROM inwoners ORDER BY naam"}),
        )
        .await
        .text();
    assert_eq!(csv, "naam\nUtrecht\nVeenendaal\n");
    // Hostile SQL is a problem+json 400.
    let r = c
        .post_json("/api/v1/queries", &json!({"sql": "DROP TABLE inwoners"}))
        .await;
    problem(r, 400);
    // A saved analysis with a parameter, run with a value.
    let a = c.create("/api/v1/analyses", &json!({"title": "Groot", "sql": "SELECT naam FROM inwoners WHERE inwoners > {{min}}", "paramName": ["min"], "paramKind": ["integer"], "paramDefault": ["100000"]})).await;
    let run = format!("/api/v1/analyses/{}/runs", a["id"].as_str().unwrap());
    let res: Value = c
        .post_json(&run, &json!({"params": {"min": 1000}}))
        .await
        .json();
    assert_eq!(res["rows"].as_array().unwrap().len(), 2);
    let r = c
        .post_json(&run, &json!({"params": {"min": "1; DROP TABLE x"}}))
        .await;
    problem(r, 400);
    // Import from a loopback URL is refused once the job runs.
    c.post_json("/api/v1/datasets", &json!({"url": app.url("/health")}))
        .await
        .assert_status(202);
}
