//! Signing in through OpenID Connect against a real provider: the npm package oidc-provider
//! (tests/oidc/oidc-server.mjs) on a random loopback port, driven with plain HTTP.

use crate::browser::free_port;
use crate::helpers::{PASSWORD, TestApp, repo_root};
use crate::session::{Resp, Session};
use koers_core::Role;
use koers_core::oidc::ClaimMapping;
use koers_web::WebConfig;
use koers_web::config::OidcProviderConfig;
use reqwest::header::{LOCATION, SET_COOKIE};
use reqwest::{Client, Response, Url};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

/// The test provider's node process, stopped when dropped.
pub(crate) struct Provider {
    child: Child,
    pub base: String,
}

impl Drop for Provider {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Provider {
    /// Starts the provider on `port` for the koers at `app`; waits until it listens.
    async fn start(port: u16, app: &TestApp) -> Provider {
        let script = repo_root().join("crates/koers-web/tests/oidc/oidc-server.mjs");
        assert!(
            repo_root().join("node_modules/oidc-provider").exists(),
            "oidc-provider is missing: run ./scripts/test (it installs the test tools)"
        );
        let mut child = Command::new("node")
            .arg(script)
            .arg(port.to_string())
            .arg(app.url("/login/oidc/test/callback"))
            .arg(app.url("/login"))
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start node");
        let stdout = child.stdout.take().expect("stdout");
        // Reads the output to its end (the provider writes notices later on), and says when
        // the provider listens.
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if line.trim() == "ready" {
                    let _ = tx.send(());
                }
            }
        });
        let ready = tokio::task::spawn_blocking(move || {
            rx.recv_timeout(std::time::Duration::from_secs(60)).is_ok()
        })
        .await
        .expect("join");
        assert!(ready, "the provider did not start");
        Provider {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// Merges `claims` into an account of the provider.
    pub async fn set_claims(&self, account: &str, claims: Value) {
        let r = Client::new()
            .post(format!("{}/test/accounts/{account}", self.base))
            .json(&claims)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }

    /// Makes the next ID token forged: `aud`, `exp` or `key`.
    pub async fn forge(&self, how: &str) {
        let r = Client::new()
            .post(format!("{}/test/forge", self.base))
            .body(how.to_string())
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 204);
    }
}

/// The settings of the test provider, issuer on `port`.
pub(crate) fn provider_config(id: &str, port: u16) -> OidcProviderConfig {
    OidcProviderConfig {
        id: id.into(),
        name: "Testdienst".into(),
        issuer: format!("http://127.0.0.1:{port}"),
        client_id: "koers".into(),
        client_secret: Some(openidconnect::ClientSecret::new("koers-secret".into())),
        client_secret_env: None,
        scopes: vec!["email".into(), "profile".into()],
        link_verified_email: false,
        claims: ClaimMapping {
            organisation_claim: Some("koers_org".into()),
            organisation: None,
            roles_claim: "groups".into(),
            roles: BTreeMap::from([
                ("koers-analyst".into(), Role::Analyst),
                ("koers-admin".into(), Role::Administrator),
            ]),
            default_role: None,
        },
    }
}

/// A koers with the test provider `test` (and `down`, a provider nobody answers for), and
/// the provider running.
pub(crate) async fn app_with_provider() -> (TestApp, Provider) {
    app_with(false).await
}

/// As [`app_with_provider`], with linking by verified e-mail address allowed or not.
async fn app_with(link_verified_email: bool) -> (TestApp, Provider) {
    let port = free_port();
    let cfg = WebConfig {
        oidc: vec![
            OidcProviderConfig {
                link_verified_email,
                ..provider_config("test", port)
            },
            provider_config("down", free_port()),
        ],
        ..Default::default()
    };
    let app = TestApp::spawn_with(cfg).await;
    let provider = Provider::start(port, &app).await;
    (app, provider)
}

fn location(r: &Response) -> Url {
    let loc = r
        .headers()
        .get(LOCATION)
        .unwrap_or_else(|| panic!("a redirect from {}: {}", r.url(), r.status()))
        .to_str()
        .unwrap();
    r.url().join(loc).unwrap()
}

/// Starts signing in at koers and signs in at the provider as `account`; returns the
/// callback address the provider sends the browser back to (not yet visited). The browser
/// crosses to the provider and back, so the requests are built on the raw client.
async fn at_provider(c: &Session, account: &str) -> Url {
    let browser = c.client();
    let mut r = browser.get(c.url("/login/oidc/test")).send().await.unwrap();
    let interaction = loop {
        assert!(r.status().is_redirection(), "{}: {}", r.url(), r.status());
        let next = location(&r);
        if next.path().starts_with("/interaction/") {
            break next;
        }
        r = browser.get(next).send().await.unwrap();
    };
    let page = browser.get(interaction.clone()).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let mut r = browser
        .post(format!("{interaction}/login"))
        .form(&[("user", account)])
        .send()
        .await
        .unwrap();
    loop {
        let next = location(&r);
        if next.as_str().starts_with(&c.url("")) {
            return next;
        }
        r = browser.get(next).send().await.unwrap();
    }
}

/// The whole sign-in as `account`; returns koers' answer to the callback.
async fn sign_in(c: &Session, account: &str) -> Resp {
    let callback = at_provider(c, account).await;
    c.send(c.client().get(callback)).await
}

/// The provider the user `user_id` is linked to, from the store.
async fn provider_of(app: &TestApp, user_id: &str) -> Option<String> {
    app.store.oidc().oidc_provider_of(user_id).await.unwrap()
}

async fn signed_in_as(c: &Session) -> Option<Value> {
    let r = c.get("/api/v1/sessions/current").await;
    if r.status() == 200 {
        Some(r.json())
    } else {
        r.assert_status(401);
        None
    }
}

/// A refused sign-in: the sign-in page with `message`, with status `status`, and no session.
async fn assert_refused(c: &Session, r: Resp, status: u16, message: &str) {
    r.assert_status(status);
    assert!(
        !r.headers().get_all(SET_COOKIE).iter().any(|v| v
            .to_str()
            .unwrap()
            .starts_with("koers_session=")
            && !v.to_str().unwrap().starts_with("koers_session=;")),
        "no session cookie"
    );
    let html = r.text();
    assert!(html.contains(message), "{message} in {html}");
    assert!(html.contains("id=\"password\""), "the sign-in page");
    assert!(signed_in_as(c).await.is_none());
}

#[tokio::test]
async fn sign_in_creates_the_user_with_mapped_roles_and_follows_the_claims() {
    let (app, provider) = app_with_provider().await;

    // The sign-in page and the API offer the provider.
    let html = app.anonymous().page("/login").await;
    assert!(html.contains("Inloggen met Testdienst"));
    assert!(html.contains("href=\"/login/oidc/test?next="));
    let list = app.anonymous().get_json("/api/v1/auth-providers").await;
    assert_eq!(list[0]["id"], "test");
    assert_eq!(list[0]["loginUrl"], "/login/oidc/test");
    assert_eq!(list[0]["issuer"], provider.base);

    // The first sign-in makes the user, with the roles the groups map to.
    let c = app.anonymous();
    let r = sign_in(&c, "alice").await;
    r.assert_status(303);
    assert_eq!(r.headers()[LOCATION], "/");
    assert!(c.get_ok("/").await.text().contains("koers-nav"));
    let me = signed_in_as(&c).await.expect("signed in");
    assert_eq!(me["user"]["email"], "alice@pv26.example");
    assert_eq!(me["user"]["displayName"], "Alice Analist");
    assert_eq!(me["organisation"]["id"], app.org_a.id.as_str());
    assert_eq!(me["roles"], json!(["analyst"]));

    // Changed groups at the provider change the roles at the next sign-in.
    provider
        .set_claims("alice", json!({"groups": ["koers-admin", "koers-analyst"]}))
        .await;
    let mut c2 = app.anonymous();
    assert_eq!(sign_in(&c2, "alice").await.status(), 303);
    let me2 = signed_in_as(&c2).await.expect("signed in");
    assert_eq!(me2["user"]["id"], me["user"]["id"], "the same user");
    assert_eq!(me2["roles"], json!(["analyst", "administrator"]));
    let log = app.audit_log(5).await;
    let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions[..3],
        ["member.roles_set", "member.added", "oidc.linked"]
    );

    // The provider's user has no password in koers.
    for password in ["", PASSWORD] {
        app.anonymous()
            .try_sign_in("alice@pv26.example", password)
            .await
            .assert_status(401);
    }

    // Signing out ends the koers session and offers signing out at the provider.
    c2.open_form("/").await;
    let r = c2.post_form("/logout", &[]).await.expect(303);
    assert_eq!(r.headers()[LOCATION], "/login?signed_out=test");
    assert!(signed_in_as(&c2).await.is_none());
    let html = c2.page("/login?signed_out=test").await;
    assert!(html.contains("href=\"/login/oidc/test/logout\""));
    // Signing out at the provider leaves koers: the raw client reads the redirect.
    let r = c2
        .client()
        .get(c2.url("/login/oidc/test/logout"))
        .send()
        .await
        .unwrap();
    let end = location(&r);
    assert_eq!(end.path(), "/session/end");
    let query: BTreeMap<_, _> = end.query_pairs().into_owned().collect();
    assert_eq!(query["client_id"], "koers");
    assert_eq!(query["post_logout_redirect_uri"], app.url("/login"));
    // The other session lives on.
    assert!(signed_in_as(&c).await.is_some());
}

#[tokio::test]
async fn refused_sign_ins_leave_no_session() {
    let (app, provider) = app_with_provider().await;

    // No group that maps to a role.
    let c = app.anonymous();
    let r = sign_in(&c, "bob").await;
    assert_refused(&c, r, 403, "geen groep die toegang geeft").await;
    assert!(
        app.user_by_email("bob@pv26.example").await.is_none(),
        "no user made"
    );

    // The address of a local account: not linked (the provider may not take it over).
    let c = app.anonymous();
    let r = sign_in(&c, "admin").await;
    assert_refused(&c, r, 409, "Er bestaat al een koers-account").await;
    assert_eq!(
        app.roles_of(&app.admin_a.id, &app.org_a.id).await,
        vec![Role::Administrator]
    );

    // A tampered state, and a state from another browser.
    let c = app.anonymous();
    let mut callback = at_provider(&c, "alice").await;
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .into_owned()
        .map(|(k, v)| {
            if k == "state" {
                (k, format!("{v}x"))
            } else {
                (k, v)
            }
        })
        .collect();
    callback.query_pairs_mut().clear().extend_pairs(pairs);
    let r = c.send(c.client().get(callback.clone())).await;
    assert_refused(&c, r, 400, "niet in deze browser begonnen").await;
    let c = app.anonymous();
    let callback = at_provider(&c, "alice").await;
    let other_browser = app.anonymous();
    let r = other_browser
        .send(other_browser.client().get(callback.clone()))
        .await;
    assert_refused(&other_browser, r, 400, "niet in deze browser begonnen").await;
    // The right browser once; a replay is refused.
    assert_eq!(c.send(c.client().get(callback.clone())).await.status(), 303);
    let r = c.send(c.client().get(callback)).await;
    assert_eq!(r.status(), 400);

    // Forged ID tokens: another audience, expired, signed with an unpublished key.
    for how in ["aud", "exp", "key"] {
        provider.forge(how).await;
        let c = app.anonymous();
        let r = sign_in(&c, "alice").await;
        assert_refused(&c, r, 400, "kon niet worden vertrouwd").await;
    }

    // Cancelled (or refused) at the provider.
    let c = app.anonymous();
    let r = c
        .client()
        .get(c.url("/login/oidc/test"))
        .send()
        .await
        .unwrap();
    let authorize = location(&r);
    let (_, state) = authorize
        .query_pairs()
        .find(|(k, _)| k == "state")
        .expect("a state");
    let mut callback = Url::parse(&app.url("/login/oidc/test/callback")).unwrap();
    callback
        .query_pairs_mut()
        .append_pair("error", "access_denied")
        .append_pair("state", &state);
    let r = c.send(c.client().get(callback)).await;
    assert_refused(&c, r, 403, "afgebroken of geweigerd").await;

    // A provider that does not answer, and one that is not configured.
    let c = app.anonymous();
    let r = c.get("/login/oidc/down").await;
    assert_refused(&c, r, 502, "niet bereikbaar").await;
    c.get("/login/oidc/nope").await.assert_status(404);
    c.get("/login/oidc/nope/callback?code=x&state=y")
        .await
        .assert_status(404);
    // A callback without any state.
    let r = c.get("/login/oidc/test/callback?code=x").await;
    assert_refused(&c, r, 400, "niet in deze browser begonnen").await;
}

/// The link page's form, after the callback sent the browser there; its CSRF token.
async fn link_page(c: &Session, r: Resp) -> String {
    r.assert_status(303);
    assert_eq!(r.header(LOCATION.as_str()), "/login/koppelen");
    let html = c.get_ok("/login/koppelen").await.text();
    assert!(
        html.contains("Er bestaat al een koers-account met het e-mailadres"),
        "{html}"
    );
    assert!(html.contains("Testdienst"));
    crate::helpers::hidden_csrf(&html)
}

async fn confirm(c: &Session, csrf: &str, password: &str) -> Resp {
    let form = [("csrf_token", csrf), ("password", password)];
    c.send(c.client().post(c.url("/login/koppelen")).form(&form))
        .await
}

#[tokio::test]
async fn a_verified_address_links_to_the_local_account_after_its_password() {
    let (app, provider) = app_with(true).await;
    // Not verified: refused all the same.
    provider
        .set_claims("admin", json!({"email_verified": false}))
        .await;
    let c = app.anonymous();
    let r = sign_in(&c, "admin").await;
    assert_refused(&c, r, 409, "Er bestaat al een koers-account").await;
    // Verified: nothing is linked until the person proves the account is theirs.
    provider
        .set_claims(
            "admin",
            json!({"email_verified": true, "groups": ["koers-analyst", "koers-admin"]}),
        )
        .await;
    let c = app.anonymous();
    let r = sign_in(&c, "admin").await;
    assert!(
        !r.headers()
            .get_all(SET_COOKIE)
            .iter()
            .any(|v| v.to_str().unwrap().starts_with("koers_session=")),
        "no session yet"
    );
    let csrf = link_page(&c, r).await;
    assert!(signed_in_as(&c).await.is_none());
    assert_eq!(provider_of(&app, &app.admin_a.id).await, None);
    // A wrong password links nothing; the page says so and may be tried again.
    let r = confirm(&c, &csrf, "wrong password").await.expect(401);
    assert!(r.text().contains("E-mailadres of wachtwoord onjuist"));
    assert!(signed_in_as(&c).await.is_none());
    assert_eq!(provider_of(&app, &app.admin_a.id).await, None);
    // Another browser has no link waiting.
    let other = app.anonymous();
    let r = other.get("/login/koppelen").await;
    assert_refused(&other, r, 400, "niet in deze browser begonnen").await;
    // The right password: linked, signed in, roles as the claims say.
    let r = confirm(&c, &csrf, PASSWORD).await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[LOCATION], "/");
    let me = signed_in_as(&c).await.expect("signed in");
    assert_eq!(me["user"]["id"], app.admin_a.id.as_str());
    assert_eq!(me["organisation"]["id"], app.org_a.id.as_str());
    assert_eq!(me["roles"], json!(["analyst", "administrator"]));
    assert_eq!(
        provider_of(&app, &app.admin_a.id).await.as_deref(),
        Some("test")
    );
    // The waiting link is used up; the next sign-in goes straight through.
    let r = c.get("/login/koppelen").await;
    assert_eq!(r.status(), 400);
    let c = app.anonymous();
    let r = sign_in(&c, "admin").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()[LOCATION], "/");
    assert_eq!(
        signed_in_as(&c).await.expect("signed in")["user"]["id"],
        app.admin_a.id.as_str()
    );
    // The local password still works for a linked local account.
    app.api_as("admin@pv26.example").await;
}

/// An administrator of one organisation makes a local account with the address of a person
/// of another organisation, with a password the administrator knows, before that person
/// first signs in through their organisation's provider. The provider's identity is never
/// linked to that account: not across organisations, and not without its password.
#[tokio::test]
async fn another_organisations_administrator_cannot_take_over_a_provider_identity() {
    let (app, _provider) = app_with(true).await;
    let b = app.api_as("admin@gm0796.example").await;
    let planted = "planted password 4321";
    b.post_json(
        &format!("/api/v1/organisations/{}/members", app.org_b.id),
        &json!({"email": "alice@pv26.example", "displayName": "Alice", "roles": ["viewer"], "password": planted}),
    )
    .await
    .assert_status(201);
    let account = app
        .user_by_email("alice@pv26.example")
        .await
        .expect("the planted account");

    // Alice signs in through PV26's provider (verified address): refused, nothing linked,
    // no link page offered.
    let c = app.anonymous();
    let r = sign_in(&c, "alice").await;
    assert_refused(&c, r, 409, "Er bestaat al een koers-account").await;
    c.get("/login/koppelen").await.assert_status(400);
    assert_eq!(provider_of(&app, &account.id).await, None);
    assert!(app.roles_of(&account.id, &app.org_a.id).await.is_empty());
    // The planted password opens nothing of PV26.
    let planter = app.anonymous();
    let session = planter
        .try_sign_in("alice@pv26.example", planted)
        .await
        .expect(201)
        .json();
    assert_eq!(
        session["organisation"]["id"],
        app.org_b.id.as_str(),
        "{session}"
    );
    let rb = planter
        .client()
        .patch(planter.url("/api/v1/sessions/current"));
    planter
        .send(
            rb.header("x-csrf-token", session["csrfToken"].as_str().unwrap())
                .json(&json!({"organisationId": app.org_a.id})),
        )
        .await
        .assert_status(404);
}
