//! The pages over HTTP: sign-in, CSRF, forms with errors, escaping, language.

use crate::helpers::{PASSWORD, TestApp, hidden_csrf};

#[tokio::test]
async fn pages_need_a_session_and_say_where_to_sign_in() {
    let app = TestApp::spawn().await;
    let r = TestApp::client()
        .get(app.url("/organisatie"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(r.headers()["location"], "/login?next=%2Forganisatie");
}

#[tokio::test]
async fn sign_in_form_needs_its_csrf_token() {
    let app = TestApp::spawn().await;
    let c = TestApp::client();
    let r = c
        .post(app.url("/login"))
        .form(&[("email", "admin@pv26.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("CSRF"), "{html}");
}

#[tokio::test]
async fn wrong_password_shows_the_form_again() {
    let app = TestApp::spawn().await;
    let c = TestApp::client();
    let html = c
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden_csrf(&html);
    let r = c
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin@pv26.example"),
            ("password", "wrong password!"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    let html = r.text().await.unwrap();
    assert!(html.contains("E-mailadres of wachtwoord onjuist"));
    assert!(
        html.contains("value=\"admin@pv26.example\""),
        "the address is kept"
    );
}

#[tokio::test]
pub(crate) async fn a_planted_session_id_is_never_adopted() {
    let app = TestApp::spawn().await;
    let c = TestApp::client();
    let html = c
        .get(app.url("/login"))
        .header("cookie", "koers_session=planted")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let token = hidden_csrf(&html);
    let r = c
        .post(app.url("/login"))
        .header(
            "cookie",
            format!("koers_session=planted; koers_csrf={token}"),
        )
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin@pv26.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("koers_session=") && !set.starts_with("koers_session=planted"));
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
}

#[tokio::test]
pub(crate) async fn add_member_form_lists_every_problem_and_escapes_user_text() {
    let app = TestApp::spawn().await;
    let (c, csrf) = app.page_login("admin@pv26.example").await;
    let before = app.store.members(&app.org_a.id).await.unwrap().len();
    let r = c
        .post(app.url("/organisatie/leden"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "geen-adres"),
            ("displayName", ""),
            ("password", "kort"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let html = r.text().await.unwrap();
    assert!(html.contains("is geen geldig e-mailadres"));
    assert!(html.contains("kies minstens één rol"));
    assert!(html.contains("aria-invalid=\"true\""));
    assert_eq!(
        app.store.members(&app.org_a.id).await.unwrap().len(),
        before
    );

    let xss = "<script>alert('x')</script>";
    let r = c
        .post(app.url("/organisatie/leden"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("email", "xss@pv26.example"),
            ("displayName", xss),
            ("roles", "viewer"),
            ("roles", "analyst"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("Beginwachtwoord"),
        "the generated password is shown once"
    );
    assert!(!html.contains(xss));
    assert!(html.contains("&lt;script&gt;"));
}

#[tokio::test]
async fn language_switch_and_error_pages() {
    let app = TestApp::spawn().await;
    let (c, _) = app.page_login("viewer@pv26.example").await;
    let nl = c
        .get(app.url("/informatieproducten"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        nl.contains("<h1 class=\"utrecht-heading-1\">Informatieproducten"),
        "{nl}"
    );
    assert!(nl.contains("<html lang=\"nl\""));
    let r = c
        .get(app.url("/lang/en?next=/informatieproducten"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["location"], "/informatieproducten");
    let en = c
        .get(app.url("/informatieproducten"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        en.contains("<h1 class=\"utrecht-heading-1\">Information products"),
        "{en}"
    );
    assert!(en.contains("<html lang=\"en\""));
    let r = c.get(app.url("/nergens")).send().await.unwrap();
    assert_eq!(r.status(), 404);
    assert!(r.text().await.unwrap().contains("Page not found"));
    // A viewer has no audit log.
    let r = c.get(app.url("/organisatie/logboek")).send().await.unwrap();
    assert_eq!(r.status(), 403);
}
