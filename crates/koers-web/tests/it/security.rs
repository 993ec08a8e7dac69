//! Security hardening: response headers, the sign-in rate limit, session fixation, the
//! authorization matrix over every API route, and escaping of hostile input.

use crate::helpers::{PASSWORD, SendText, TestApp, session_id};
use crate::session::Session;
use koers_web::WebConfig;
use reqwest::header::HeaderMap;
use serde_json::{Value, json};

fn assert_strict_headers(h: &HeaderMap, what: &str) {
    let csp = h["content-security-policy"].to_str().unwrap();
    assert!(csp.contains("default-src 'self'"), "{what}: {csp}");
    assert!(csp.contains("script-src 'self'"), "{what}: {csp}");
    assert!(!csp.contains("unsafe-inline"), "{what}: {csp}");
    assert!(csp.contains("frame-ancestors 'none'"), "{what}: {csp}");
    assert_eq!(h["x-content-type-options"], "nosniff", "{what}");
    assert_eq!(h["x-frame-options"], "DENY", "{what}");
    assert_eq!(h["referrer-policy"], "same-origin", "{what}");
}

#[tokio::test]
async fn every_kind_of_response_carries_the_security_headers() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    for path in [
        "/",
        "/login",
        "/catalogus",
        "/bestaat-niet",
        "/api/v1/sessions/current",
        "/api/v1/openapi.json",
        "/api/v1/bestaat-niet",
        "/assets/koers.css",
        "/assets/vendor/htmx/htmx.min.js",
        "/health",
    ] {
        let r = c.get(path).await;
        assert_strict_headers(r.headers(), path);
        assert!(
            !r.headers().contains_key("strict-transport-security"),
            "no HSTS over plain http: {path}"
        );
    }
    // Without a session too (401 from the API, a redirect from pages).
    let anon = app.anonymous();
    for path in ["/api/v1/sessions/current", "/catalogus"] {
        assert_strict_headers(anon.get(path).await.headers(), path);
    }
}

#[tokio::test]
async fn embed_paths_may_be_framed_and_nothing_else() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/embed/bestaat-niet").await;
    let csp = r.header("content-security-policy");
    assert!(csp.contains("frame-ancestors *"), "{csp}");
    assert!(!r.headers().contains_key("x-frame-options"));
    assert_eq!(r.headers()["x-content-type-options"], "nosniff");
}

#[tokio::test]
async fn hsts_only_over_tls() {
    let app = TestApp::spawn_with(WebConfig {
        public_url: Some("https://koers.provincie.example".into()),
        ..WebConfig::default()
    })
    .await;
    let r = app.anonymous().get("/login").await;
    assert!(r.header("strict-transport-security").contains("max-age="));
    // Behind a TLS-terminating proxy that says so.
    let app = TestApp::spawn().await;
    let anon = app.anonymous();
    let r = anon
        .send(
            anon.client()
                .get(anon.url("/login"))
                .header("x-forwarded-proto", "https"),
        )
        .await;
    assert!(r.headers().contains_key("strict-transport-security"));
}

#[tokio::test]
async fn a_successful_sign_in_resets_the_failures() {
    let app = TestApp::spawn_with_login_limit(3).await;
    let c = app.anonymous();
    // Two failures and a success, twice: four failures in all, still allowed, since the
    // success began the count again.
    for _ in 0..2 {
        for _ in 0..2 {
            c.try_sign_in("viewer@pv26.example", "fout fout fout")
                .await
                .assert_status(401);
        }
        c.try_sign_in("viewer@pv26.example", PASSWORD)
            .await
            .assert_status(201);
    }
    for _ in 0..3 {
        c.try_sign_in("viewer@pv26.example", "fout fout fout").await;
    }
    let r = c.try_sign_in("viewer@pv26.example", PASSWORD).await;
    assert_eq!(r.status(), 429);
    let wait: u64 = r.header("retry-after").parse().unwrap();
    assert!((1..=15 * 60).contains(&wait), "{wait}");
    // The limit is per account: another account from the same address may still sign in.
    app.api_as("admin@pv26.example").await;
}

#[tokio::test]
async fn the_sign_in_page_explains_the_limit_in_dutch() {
    let app = TestApp::spawn_with_login_limit(2).await;
    let mut c = app.anonymous();
    c.open_form("/login").await;
    let attempt = async |password: &str| {
        c.post_form(
            "/login",
            &[
                ("email", "viewer@pv26.example"),
                ("password", password),
                ("next", "/"),
            ],
        )
        .await
    };
    for _ in 0..2 {
        attempt("fout fout fout").await.assert_status(401);
    }
    let r = attempt(PASSWORD).await.expect(429);
    assert!(r.headers().contains_key("retry-after"));
    assert!(r.header("content-type").starts_with("text/html"));
    let html = r.text();
    assert!(html.contains("Te veel pogingen"), "{html}");
    // Nothing was signed in.
    c.get("/api/v1/sessions/current").await.assert_status(401);
}

/// A sign-in through the API as `email`, from a client that says it is `forwarded_for`.
async fn sign_in_from(app: &TestApp, forwarded_for: &str, email: &str, password: &str) -> u16 {
    let c = app.anonymous();
    let rb = c.client().post(c.url("/api/v1/sessions"));
    c.send(
        rb.header("x-forwarded-for", forwarded_for)
            .json(&json!({"email": email, "password": password})),
    )
    .await
    .status()
    .as_u16()
}

#[tokio::test]
async fn behind_a_trusted_proxy_each_client_is_limited_on_its_own() {
    let app = TestApp::spawn_with(WebConfig {
        login_max_failures: 2,
        trusted_proxies: "127.0.0.0/8".parse().unwrap(),
        ..WebConfig::default()
    })
    .await;
    // One client tries eight accounts (four times the maximum): its address is limited.
    for i in 0..8 {
        let email = format!("raden{i}@pv26.example");
        assert_eq!(
            sign_in_from(&app, "198.51.100.1", &email, "fout fout fout").await,
            401
        );
    }
    let status = sign_in_from(&app, "198.51.100.1", "nog1@pv26.example", "fout fout fout").await;
    assert_eq!(status, 429);
    // Another client behind the same proxy is not.
    let status = sign_in_from(&app, "198.51.100.2", "nog2@pv26.example", "fout fout fout").await;
    assert_eq!(status, 401);
    let status = sign_in_from(
        &app,
        "6.6.6.6, 198.51.100.3",
        "viewer@pv26.example",
        PASSWORD,
    )
    .await;
    assert_eq!(
        status, 201,
        "the address the proxy appended counts, not the forged one"
    );
    let status = sign_in_from(
        &app,
        "198.51.100.1, 198.51.100.4",
        "admin@pv26.example",
        PASSWORD,
    )
    .await;
    assert_eq!(status, 201);
}

#[tokio::test]
async fn a_forged_forwarding_header_from_an_untrusted_peer_is_ignored() {
    let app = TestApp::spawn_with_login_limit(2).await;
    for i in 0..8 {
        let (forged, email) = (format!("198.51.100.{i}"), format!("raden{i}@pv26.example"));
        assert_eq!(
            sign_in_from(&app, &forged, &email, "fout fout fout").await,
            401
        );
    }
    let status = sign_in_from(&app, "203.0.113.77", "nog@pv26.example", "fout fout fout").await;
    assert_eq!(
        status, 429,
        "every attempt counted under the peer's own address"
    );
}

#[tokio::test]
async fn parallel_wrong_passwords_never_pass_the_limit() {
    let app = std::sync::Arc::new(TestApp::spawn_with_login_limit(5).await);
    let mut attempts = tokio::task::JoinSet::new();
    for _ in 0..30 {
        let app = app.clone();
        attempts.spawn(async move {
            app.anonymous()
                .try_sign_in("viewer@pv26.example", "fout fout fout")
                .await
                .status()
                .as_u16()
        });
    }
    let mut statuses = attempts.join_all().await;
    statuses.sort_unstable();
    let wrong = statuses.iter().filter(|s| **s == 401).count();
    let limited = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!((wrong, limited), (5, 25), "{statuses:?}");
    // Locked: the right password is refused too.
    let r = app
        .anonymous()
        .try_sign_in("viewer@pv26.example", PASSWORD)
        .await;
    assert_eq!(r.status(), 429);
}

async fn whoami(app: &TestApp, token: &str) -> u16 {
    app.current_session_with(token).await.status().as_u16()
}

#[tokio::test]
async fn signing_in_issues_a_new_session_and_ends_the_old_one() {
    let app = TestApp::spawn().await;
    // Through the API: a first session, then signing in again with it.
    let c = app.anonymous();
    let r = c.try_sign_in("viewer@pv26.example", PASSWORD).await;
    let first = session_id(r.headers());
    assert_eq!(whoami(&app, &first).await, 200);
    let r = c.try_sign_in("viewer@pv26.example", PASSWORD).await;
    assert_eq!(r.status(), 201);
    let second = session_id(r.headers());
    assert_ne!(first, second);
    assert_eq!(whoami(&app, &first).await, 401, "the old session is ended");
    assert_eq!(whoami(&app, &second).await, 200);

    // Through the sign-in page, with a session planted by someone else (another user's).
    let (planted, _) = app
        .store
        .sessions()
        .create_session(&app.admin_a.id, &app.org_a.id, Default::default())
        .await
        .unwrap();
    let c = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let cookie = format!("koers_session={planted}");
    let html = c
        .get(app.url("/"))
        .header("cookie", &cookie)
        .send_text()
        .await;
    let csrf = crate::helpers::hidden_csrf(&html);
    let r = c
        .post(app.url("/login"))
        .header("cookie", &cookie)
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "viewer@pv26.example"),
            ("password", PASSWORD),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let fresh = session_id(r.headers());
    assert_ne!(fresh, planted);
    assert_eq!(whoami(&app, &planted).await, 401);
    let me: Value = app.current_session_with(&fresh).await.json().await.unwrap();
    assert_eq!(me["user"]["email"], "viewer@pv26.example", "{me}");
}

/// Routes anyone may call without a session.
const PUBLIC: &[(&str, &str)] = &[
    ("post", "/sessions"),
    ("get", "/openapi.json"),
    // The catalog of public datasets (DCAT-AP-NL) is open data by design.
    ("get", "/public-catalog"),
    // The sign-in providers, for a client to offer before anyone signs in.
    ("get", "/auth-providers"),
    // An organisation's published decisions (Woo) are for everyone.
    ("get", "/public-decisions/{orgCode}"),
    // An invitation's link is its own credential: whoever holds it may see and take it up.
    ("get", "/invitations/{token}"),
    ("post", "/invitations/{token}"),
    // A badge issuer's profile and key: anyone checking a badge needs them.
    ("get", "/badges/issuers/{organisationId}"),
];

/// Calls a viewer may make that are not GET: running a saved analysis and the AI Act
/// decision aid's questions read; the people around a data question (every reader) may
/// comment on it and attach files.
const VIEWER_MAY: &[(&str, &str)] = &[
    ("post", "/analyses/{analysisId}/runs"),
    ("post", "/applications/{applicationId}/ai-act-assessment"),
    ("post", "/data-questions/{questionId}/comments"),
    ("post", "/data-questions/{questionId}/attachments"),
    // Everyone manages their own personal API tokens.
    ("post", "/tokens"),
    ("delete", "/tokens/{tokenId}"),
];

/// Routes whose permission depends on the input, so it is read before the refusal: which
/// transition of a data question is asked for.
const INPUT_DECIDES: &[(&str, &str)] = &[("post", "/data-questions/{questionId}/transitions")];

#[tokio::test]
async fn authorization_matrix_over_every_api_route() {
    use koers_core::Role;
    let app = TestApp::spawn().await;
    let o = crate::isolation::objects_of_a(&app).await;
    // The fixture records an attachment; give it its file.
    let attachments = app.ws.data_dir().join("attachments").join(&app.org_a.id);
    std::fs::create_dir_all(&attachments).unwrap();
    std::fs::write(attachments.join("0".repeat(64)), b"%PDF-").unwrap();
    let doc = app.openapi().await;
    let mut routes: Vec<(String, String)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for method in item.as_object().unwrap().keys() {
            routes.push((method.clone(), path.clone()));
        }
    }
    // Reads first, removals last, so that objects live as long as possible.
    let rank = |m: &str| match m {
        "get" => 0,
        "delete" => 2,
        _ => 1,
    };
    routes.sort_by_key(|(m, p)| (rank(m), p.clone()));
    let body = json!({"email": "iemand@pv26.example", "displayName": "Iemand", "roles": ["administrator"],
        "password": "fout fout fout", "title": "Matrix", "name": "Matrix", "sql": "SELECT 1", "publisher": "x",
        "theme": "GOVE", "licence": "CC0-1.0", "accessRights": "public", "cadence": "NEVER", "body": "x"});
    let mut problems = Vec::new();

    let anon = app.anonymous();
    for (method, path) in &routes {
        let url = app.url(&format!("/api/v1{}", crate::isolation::concrete(path, &o)));
        let r = crate::helpers::request(anon.client(), method, &url)
            .json(&body)
            .send()
            .await
            .unwrap();
        let public = PUBLIC.contains(&(method.as_str(), path.as_str()));
        let status = r.status().as_u16();
        if status >= 500 || (!public && status != 401 && status != 403) {
            problems.push(format!("anonymous {method} {path}: {status}"));
        }
    }

    // Least rights first; each role with a session and with a personal API token (the
    // same rights, no CSRF token), and with a read-only token (which changes nothing).
    let roles = [
        Role::Viewer,
        Role::BoardMember,
        Role::PolicyOwner,
        Role::Analyst,
        Role::DataSteward,
        Role::Administrator,
    ];
    let plain = reqwest::Client::new();
    for role in roles {
        let email = format!("matrix-{}@pv26.example", role.as_str().replace('_', "-"));
        let user = app.add_user(&email, role).await;
        let c = app.api_as(&email).await;
        let token = app.token_for(&user, &app.org_a.id, "read_write").await;
        let read_only = app.token_for(&user, &app.org_a.id, "read").await;
        for (method, path) in &routes {
            if method == "delete" && path == "/sessions/current" {
                continue; // signing out is tested on its own
            }
            let url = app.url(&format!("/api/v1{}", crate::isolation::concrete(path, &o)));
            let reads = ["/queries", "/analyses/{analysisId}/runs"].contains(&path.as_str());
            if method != "get" && !reads {
                let r = crate::helpers::request(&plain, method, &url)
                    .bearer_auth(&read_only)
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                if r.status() != 403 {
                    problems.push(format!(
                        "{role:?} read-only token may {method} {path}: {}",
                        r.status()
                    ));
                }
            }
            let with_session =
                crate::helpers::request(c.client(), method, &url).header("x-csrf-token", c.csrf());
            let with_token = crate::helpers::request(&plain, method, &url).bearer_auth(&token);
            for (how, req) in [("session", with_session), ("token", with_token)] {
                let r = req.json(&body).send().await.unwrap();
                let status = r.status().as_u16();
                if status >= 500 {
                    problems.push(format!("{role:?} ({how}) {method} {path}: {status}"));
                }
                let viewer_may = VIEWER_MAY.contains(&(method.as_str(), path.as_str()))
                    || PUBLIC.contains(&(method.as_str(), path.as_str()));
                if role == Role::Viewer && method != "get" && !viewer_may && status < 300 {
                    problems.push(format!("viewer ({how}) may {method} {path}: {status}"));
                }
                let input_decides = INPUT_DECIDES.contains(&(method.as_str(), path.as_str()));
                if role == Role::Viewer
                    && method != "get"
                    && !viewer_may
                    && !input_decides
                    && status == 400
                {
                    problems.push(format!(
                        "viewer ({how}) {method} {path}: validated before refused"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

const SCRIPT: &str = "<script>alert(1)</script>";
const IMG: &str = "\"><img src=x onerror=alert(1)>";

/// Sends `body` and expects a success; returns the answer.
async fn create(c: &Session, method: &str, path: &str, body: Value) -> Value {
    let rb = crate::helpers::request(c.client(), method, &c.url(path));
    let r = c
        .send(rb.header("x-csrf-token", c.csrf()).json(&body))
        .await;
    assert!(
        r.status().is_success(),
        "{method} {path}: {} {}",
        r.status(),
        r.text()
    );
    serde_json::from_slice(r.bytes()).unwrap_or(Value::Null)
}

/// Every page reachable by links from `/`, breadth first (at most `limit`).
async fn crawl(c: &Session, limit: usize) -> Vec<(String, String)> {
    let mut seen = std::collections::BTreeSet::new();
    let mut queue = std::collections::VecDeque::from(["/".to_string()]);
    let mut pages = Vec::new();
    while let Some(path) = queue.pop_front() {
        if pages.len() >= limit || !seen.insert(path.clone()) {
            continue;
        }
        let r = c.get(&path).await;
        let html = r
            .headers()
            .get("content-type")
            .is_some_and(|v| v.to_str().unwrap_or("").starts_with("text/html"));
        if !html {
            continue;
        }
        let text = r.text();
        for part in text.split("href=\"").skip(1) {
            let link = part.split('"').next().unwrap_or("").replace("&amp;", "&");
            let link = link.split('#').next().unwrap_or("").to_string();
            if link.starts_with('/')
                && !link.starts_with("//")
                && !link.starts_with("/assets/")
                && !link.starts_with("/lang/")
                && !link.starts_with("/api/")
            {
                queue.push_back(link);
            }
        }
        pages.push((path, text));
    }
    pages
}

#[tokio::test]
async fn hostile_input_is_escaped_on_every_page() {
    let app = TestApp::spawn().await;
    let o = crate::isolation::objects_of_a(&app).await;
    let c = app.api_as("admin@pv26.example").await;
    let api = |p: &str| format!("/api/v1{p}");
    let both = format!("{SCRIPT} {IMG}");

    let mut ds = create(
        &c,
        "get",
        &api(&format!("/datasets/{}", o.dataset)),
        Value::Null,
    )
    .await;
    ds["title"] = json!(both);
    ds["description"] = json!(both);
    create(
        &c,
        "put",
        &api(&format!("/datasets/{}/metadata", o.dataset)),
        ds,
    )
    .await;
    create(
        &c,
        "post",
        &api("/analyses"),
        json!({"title": both, "description": both, "sql": "SELECT 1 AS x"}),
    )
    .await;
    let task = create(
        &c,
        "post",
        &api("/policy-tasks"),
        json!({"name": both, "theme": "nature", "description": both, "goals": both}),
    )
    .await;
    let question = create(
        &c,
        "post",
        &api("/data-questions"),
        json!({"taskId": task["id"], "question": format!("Hoeveel {both}?"), "policyGoal": both}),
    )
    .await;
    create(
        &c,
        "post",
        &api(&format!(
            "/data-questions/{}/comments",
            question["id"].as_str().unwrap()
        )),
        json!({"body": both}),
    )
    .await;
    create(
        &c,
        "post",
        &api("/applications"),
        json!({
        "name": both, "kind": "digital_twin", "purpose": both, "department": both,
        "lifecyclePhase": "monitoring-en-beheer", "suppliers": [both], "hosting": "saas",
        "status": "in_use", "aiActRiskGroup": "high_risk", "citizenImpact": "medium",
        "personalData": true, "yearlyCostEur": "300.000"}),
    )
    .await;
    let indicator = create(
        &c,
        "post",
        &api("/indicators"),
        json!({
        "name": both, "description": both, "unit": SCRIPT, "analysisId": o.analysis,
        "periodColumn": "gm", "valueColumn": "naam", "grain": "year", "direction": "up",
        "greenThreshold": "2", "amberThreshold": "1"}),
    )
    .await;
    create(
        &c,
        "post",
        &api("/monitors"),
        json!({"name": both, "description": both, "indicatorIds": [indicator["id"]]}),
    )
    .await;
    create(
        &c,
        "post",
        &api("/maturity/rounds"),
        json!({"name": both, "year": "2026"}),
    )
    .await;
    create(
        &c,
        "post",
        &api("/learning/programmes"),
        json!({"name": both, "description": both}),
    )
    .await;

    let pc = app.page_as("admin@pv26.example").await;
    let pages = crawl(&pc, 400).await;
    let mut escaped = 0;
    for (path, html) in &pages {
        assert!(!html.contains(SCRIPT), "unescaped script on {path}");
        assert!(
            !html.contains("<img src=x"),
            "unescaped attribute break-out on {path}"
        );
        if html.contains("&lt;script&gt;alert(1)") {
            escaped += 1;
        }
    }
    assert!(pages.len() >= 20, "crawled only {} pages", pages.len());
    assert!(
        escaped >= 8,
        "the payload showed (escaped) on only {escaped} pages"
    );
}
