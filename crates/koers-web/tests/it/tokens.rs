//! Personal API tokens: made on the account page and through the API, shown once, used as
//! `Authorization: Bearer`, scoped, acting with the user's current roles in one
//! organisation, audited, revocable.

use crate::helpers::TestApp;
use crate::session::Resp;
use koers_core::Role;
use serde_json::{Value, json};

fn in_days(n: u64) -> String {
    (chrono::Utc::now().date_naive() + chrono::Days::new(n)).to_string()
}

/// Asserts `r` is a problem+json answer with `status`; returns its detail.
fn problem(r: Resp, status: u16) -> String {
    r.assert_status(status);
    let ct = r.header("content-type");
    assert!(ct.starts_with("application/problem+json"), "{ct}");
    let body = r.json();
    assert_eq!(body["status"], status);
    body["detail"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn tokens_are_made_listed_used_and_revoked_through_the_api() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let made = c
        .create(
            "/api/v1/tokens",
            &json!({"name": "Nachtelijke export", "scope": "read_write", "expiresOn": in_days(30)}),
        )
        .await;
    let token = made["token"].as_str().unwrap().to_string();
    let id = made["id"].as_str().unwrap().to_string();
    assert!(token.starts_with(&format!("koers_{id}.")), "{made}");
    assert_eq!(made["organisationId"], app.org_a.id.as_str());
    assert_eq!(made["scope"], "read_write");
    assert!(
        made["expiresAt"]
            .as_str()
            .unwrap()
            .starts_with(&in_days(30))
    );

    // The list never shows the secret again.
    let list = c.get("/api/v1/tokens").await;
    let text = list.text();
    assert!(!text.contains(&token[token.len() - 20..]), "{text}");
    let list: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["name"], "Nachtelijke export");
    assert_eq!(list[0]["lastUsedAt"], Value::Null);

    // Used with any client, no cookie and no CSRF token.
    let me: Value = app
        .with_token(&token)
        .get("/api/v1/sessions/current")
        .await
        .json();
    assert_eq!(me["user"]["email"], "admin@pv26.example");
    assert_eq!(me["organisation"]["id"], app.org_a.id.as_str());
    assert!(me.get("csrfToken").is_none(), "{me}");
    app.with_token(&token)
        .post_json(
            "/api/v1/analyses",
            &json!({"title": "Met token", "sql": "SELECT 1 AS x"}),
        )
        .await
        .assert_status(201);
    let list: Value = c.get_json("/api/v1/tokens").await;
    assert!(list[0]["lastUsedAt"].is_string(), "{list}");

    // The write is audited under the user, naming the token.
    let events = app.audit_log(5).await;
    let write = events
        .iter()
        .find(|e| e.action.starts_with("analysis."))
        .expect("the analysis was audited");
    assert_eq!(write.actor_id.as_deref(), Some(app.admin_a.id.as_str()));
    assert!(
        write.actor_label.contains("Nachtelijke export") && write.actor_label.contains(&id),
        "{}",
        write.actor_label
    );
    let created = events
        .iter()
        .find(|e| e.action == "api_token.created")
        .expect("creation audited");
    assert_eq!(created.object_id.as_deref(), Some(id.as_str()));
    assert_eq!(created.detail["client"], "127.0.0.1");

    // A token makes no tokens and has no session to switch or end.
    let r = app
        .with_token(&token)
        .post_json(
            "/api/v1/tokens",
            &json!({"name": "Nog een", "scope": "read", "expiresOn": in_days(30)}),
        )
        .await;
    let detail = problem(r, 403);
    assert!(detail.contains("API-token"), "{detail}");
    let r = app
        .with_token(&token)
        .delete("/api/v1/sessions/current")
        .await;
    problem(r, 403);
    let r = app
        .with_token(&token)
        .patch_json(
            "/api/v1/sessions/current",
            &json!({"organisationId": app.org_a.id}),
        )
        .await;
    problem(r, 403);

    // Revoked, it is refused.
    c.delete(&format!("/api/v1/tokens/{id}"))
        .await
        .assert_status(204);
    let r = app.with_token(&token).get("/api/v1/datasets").await;
    assert_eq!(
        r.headers()["www-authenticate"],
        "Bearer error=\"invalid_token\""
    );
    problem(r, 401);
    let events = app.audit_log(1).await;
    assert_eq!(events[0].action, "api_token.revoked");
    let r = c.delete(&format!("/api/v1/tokens/{id}")).await;
    problem(r, 404);
}

#[tokio::test]
async fn a_token_needs_a_name_a_scope_and_an_expiry_within_a_year() {
    let app = TestApp::spawn().await;
    let c = app.as_viewer().await;
    for body in [
        json!({"name": "x", "scope": "read"}),
        json!({"name": "x", "scope": "read", "expiresOn": in_days(366)}),
        json!({"name": "x", "scope": "read", "expiresOn": in_days(0)}),
        json!({"name": "x", "scope": "admin", "expiresOn": in_days(3)}),
        json!({"name": "", "scope": "read", "expiresOn": in_days(3)}),
    ] {
        let r = c.post_json("/api/v1/tokens", &body).await;
        assert_eq!(r.status(), 400, "{body}");
        let p: Value = r.json();
        assert_eq!(p["invalidParams"].as_array().unwrap().len(), 1, "{p}");
    }
    assert!(
        app.store
            .tokens()
            .api_tokens(&app.viewer_a.id)
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn a_read_only_token_only_reads() {
    let app = TestApp::spawn().await;
    let token = app.token_for(&app.admin_a, &app.org_a.id, "read").await;
    app.with_token(&token)
        .get("/api/v1/datasets")
        .await
        .assert_status(200);
    let r = app
        .with_token(&token)
        .post_json(
            "/api/v1/analyses",
            &json!({"title": "Mag niet", "sql": "SELECT 1"}),
        )
        .await;
    let detail = problem(r, 403);
    assert!(detail.contains("alleen lezen"), "{detail}");
    assert!(app.analyses().await.is_empty());
    // Running read-only SQL reads, though it is a POST: a script may fetch figures.
    let r = app
        .with_token(&token)
        .post_json(
            "/api/v1/queries",
            &json!({"sql": "SELECT 41 + 1 AS antwoord"}),
        )
        .await;
    assert!(r.expect(200).text().contains("42"));
}

#[tokio::test]
async fn wrong_and_expired_tokens_are_refused_with_401() {
    let app = TestApp::spawn().await;
    let today = chrono::Utc::now().date_naive();
    let draft = koers_core::tokens::TokenDraft {
        expires_at: chrono::Utc::now() - chrono::Duration::seconds(1),
        ..koers_core::tokens::TokenDraft::parse("Oud", "read", &in_days(1), today).unwrap()
    };
    let (expired, made) = app
        .store
        .tokens()
        .create_api_token(
            &app.admin_a.id,
            &app.org_a.id,
            &draft,
            &koers_store::Actor::cli(),
            "127.0.0.1",
        )
        .await
        .unwrap();
    let live = app.token_for(&app.admin_a, &app.org_a.id, "read").await;
    let (id, _) = koers_core::tokens::split(&live).unwrap();
    for wrong in [
        expired.clone(),
        "onzin".to_string(),
        koers_core::tokens::compose(id, "geraden"),
        koers_core::tokens::compose(&made.id, "geraden"),
        String::new(),
    ] {
        let r = app.with_token(&wrong).get("/api/v1/sessions/current").await;
        let detail = problem(r, 401);
        assert!(detail.contains("API-token"), "{wrong}: {detail}");
    }
    // A wrong token is not made good by a session cookie beside it.
    let c = app.as_admin().await;
    let r = c
        .send(
            c.client()
                .get(app.url("/api/v1/sessions/current"))
                .bearer_auth("onzin")
                .header("x-csrf-token", c.csrf()),
        )
        .await;
    problem(r, 401);
}

#[tokio::test]
async fn csrf_is_needed_with_a_cookie_but_not_with_a_bearer_token() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let body = json!({"title": "CSRF", "sql": "SELECT 1 AS x"});
    let r = c
        .send(c.client().post(app.url("/api/v1/analyses")).json(&body))
        .await;
    let detail = problem(r, 403);
    assert!(detail.contains("CSRF"), "{detail}");
    c.post_json("/api/v1/analyses", &body)
        .await
        .assert_status(201);
    let token = app
        .token_for(&app.admin_a, &app.org_a.id, "read_write")
        .await;
    app.with_token(&token)
        .post_json("/api/v1/analyses", &body)
        .await
        .assert_status(201);
    // Pages take no bearer token: a form still needs its session and CSRF token.
    let pc = app.page_as("admin@pv26.example").await;
    let r = pc
        .client()
        .post(app.url("/account/tokens"))
        .bearer_auth(&token)
        .form(&[("name", "x"), ("scope", "read"), ("expiresOn", &in_days(3))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
}

#[tokio::test]
async fn a_token_acts_with_the_users_current_roles() {
    let app = TestApp::spawn().await;
    let analyst = app.add_user("analist@pv26.example", Role::Analyst).await;
    let token = app.token_for(&analyst, &app.org_a.id, "read_write").await;
    let script = app.with_token(&token);
    let post = |title: &str| {
        let (script, body) = (&script, json!({"title": title, "sql": "SELECT 1 AS x"}));
        async move { script.post_json("/api/v1/analyses", &body).await }
    };
    post("Eerste").await.assert_status(201);
    let cli = koers_store::Actor::cli();
    app.store
        .users()
        .set_roles(&app.org_a.id, &analyst.id, &[Role::Viewer], &cli)
        .await
        .unwrap();
    problem(post("Tweede").await, 403);
    app.store
        .users()
        .remove_member(&app.org_a.id, &analyst.id, &cli)
        .await
        .unwrap();
    problem(post("Derde").await, 401);
}

#[tokio::test]
async fn another_organisations_objects_stay_hidden_from_a_token() {
    let app = TestApp::spawn().await;
    let o = crate::isolation::objects_of_a(&app).await;
    let intruder = app.user_by_email("admin@gm0796.example").await.unwrap();
    let token = app.token_for(&intruder, &app.org_b.id, "read_write").await;
    for path in [
        format!("/api/v1/analyses/{}", o.analysis),
        format!("/api/v1/datasets/{}", o.dataset),
        format!("/api/v1/organisations/{}", o.org),
        format!("/api/v1/organisations/{}/members", o.org),
    ] {
        let r = app.with_token(&token).get(&path).await;
        problem(r, 404);
    }
    let r = app
        .with_token(&token)
        .delete(&format!("/api/v1/tokens/{}", o.token))
        .await;
    problem(r, 404);

    // A member of both organisations: the token acts only in the one it was made for.
    app.store
        .users()
        .set_roles(
            &app.org_b.id,
            &app.admin_a.id,
            &[Role::Viewer],
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let in_a = app.token_for(&app.admin_a, &app.org_a.id, "read").await;
    let r = app
        .with_token(&in_a)
        .get(&format!("/api/v1/organisations/{}", app.org_b.id))
        .await;
    problem(r, 404);
}

#[tokio::test]
async fn tokens_on_the_account_page() {
    let app = TestApp::spawn().await;
    let c = app.page_as("viewer@pv26.example").await;
    let html = c.page("/account").await;
    assert!(html.contains("API-tokens") && html.contains("U heeft nog geen API-tokens"));
    assert!(html.contains("type=\"date\""));

    // The form, sent with an expiry `days` ahead.
    let create = |days: u64| {
        let (c, expires) = (&c, in_days(days));
        async move {
            c.post_form(
                "/account/tokens",
                &[
                    ("name", "Script"),
                    ("scope", "read"),
                    ("expiresOn", &expires),
                ],
            )
            .await
        }
    };
    // Invalid: the form comes back with the problem, in Dutch.
    let html = create(400).await.expect(400).text();
    assert!(html.contains("hoogstens 365 dagen"), "{html}");
    assert!(
        html.contains("value=\"Script\""),
        "the form keeps its input"
    );

    let html = create(60).await.expect(200).text();
    assert!(html.contains("maar één keer"), "the copy hint");
    let start = html.find("id=\"new-token\"").expect("the token field");
    let value = &html[start..];
    let value = &value[value.find("value=\"").unwrap() + 7..];
    let token = value[..value.find('"').unwrap()].to_string();
    assert!(token.starts_with("koers_"), "{token}");
    app.with_token(&token)
        .get("/api/v1/sessions/current")
        .await
        .assert_status(200);

    // Shown once: the page lists the token, never its secret again.
    let html = c.page("/account").await;
    assert!(!html.contains(&token));
    assert!(html.contains("Script") && html.contains("Alleen lezen"));
    assert!(html.contains("Provincie Utrecht"));
    let id = koers_core::tokens::split(&token).unwrap().0.to_string();
    assert!(html.contains(&format!("/account/tokens/{id}/intrekken")));
    // Its expiry and last use as people write dates and local times, not as stored.
    let nl = koers_web::i18n::Lang::Nl;
    let expires = koers_web::templates::long_date(nl, &in_days(60));
    assert!(html.contains(&format!(">{expires}</time>")), "{html}");
    let used = koers_web::templates::long_datetime(nl, &chrono::Utc::now().to_rfc3339());
    let used_on = &used[..used.find(',').unwrap()];
    assert!(html.contains(&format!(">{used_on}, ")), "last used: {html}");
    assert!(!html.contains("(UTC)"), "times are local, not UTC: {html}");

    // English too.
    c.get("/lang/en").await;
    let en = c.page("/account").await;
    assert!(
        en.contains("API tokens") && en.contains("Read only"),
        "{en}"
    );
    c.get("/lang/nl").await;

    // Revoking needs the CSRF token, then works.
    let revoke = format!("/account/tokens/{id}/intrekken");
    let r = c
        .client()
        .post(c.url(&revoke))
        .form(&[("x", "y")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    c.post_form(&revoke, &[]).await.assert_status(303);
    app.with_token(&token)
        .get("/api/v1/sessions/current")
        .await
        .assert_status(401);
}

#[tokio::test]
async fn the_openapi_document_declares_the_bearer_scheme() {
    let app = TestApp::spawn().await;
    let doc = app.openapi().await;
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["apiToken"]["type"], "http");
    assert_eq!(schemes["apiToken"]["scheme"], "bearer");
    assert_eq!(schemes["sessie"]["in"], "cookie");
    assert_eq!(doc["security"], json!([{"sessie": []}, {"apiToken": []}]));
    for (method, path) in [
        ("get", "/tokens"),
        ("post", "/tokens"),
        ("delete", "/tokens/{tokenId}"),
    ] {
        assert!(doc["paths"][path][method].is_object(), "{method} {path}");
    }
}
