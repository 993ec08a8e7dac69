//! A personal API token in Chromium, as an analyst who wants a script to fetch figures: make
//! one on the account page by keyboard, copy it from the one-time field, use it, revoke it;
//! the page checked with axe-core.

use crate::browser::{
    check_axe, end_session, screenshot, sign_in, start_browser, text_of, type_into, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::{Locator, key::Key};

#[tokio::test]
async fn an_analyst_makes_uses_and_revokes_an_api_token() {
    let app = TestApp::spawn().await;
    app.add_user("analist@pv26.example", koers_core::Role::Analyst)
        .await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "analist@pv26.example").await;
    c.goto(&app.url("/account")).await.unwrap();
    check_axe(&c, "account page").await;

    // Name it and press Enter: read-only and an expiry a few months ahead are the defaults.
    type_into(
        &c,
        Locator::Id("token-name"),
        &format!("Nachtelijke export{}", Key::Enter),
    )
    .await;
    let field = wait_for(&c, Locator::Id("new-token")).await;
    let token = field.prop("value").await.unwrap().unwrap_or_default();
    assert!(token.starts_with("koers_"), "{token}");
    let listed = text_of(&c, Locator::Css("table")).await;
    assert!(
        listed.contains("Nachtelijke export") && listed.contains("Alleen lezen"),
        "{listed}"
    );
    screenshot(&c, "account-tokens.png").await;
    check_axe(&c, "account page with a token").await;

    // The script reads with it, and runs read-only SQL.
    let script = app.with_token(&token);
    script.get("/api/v1/datasets").await.assert_status(200);
    // The secret is shown once: the page, opened again, no longer holds it.
    c.goto(&app.url("/account")).await.unwrap();
    assert!(!c.source().await.unwrap().contains(&token));

    // Revoke it by keyboard: the script is refused from then on.
    let revoke = c
        .find(Locator::Css("form[action$='/intrekken'] button"))
        .await
        .unwrap();
    revoke.send_keys(&Key::Enter.to_string()).await.unwrap();
    let mut revoked = false;
    for _ in 0..50 {
        if c.source().await.unwrap().contains("nog geen API-tokens") {
            revoked = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(revoked, "{}", c.source().await.unwrap());
    script.get("/api/v1/datasets").await.assert_status(401);
    end_session(c).await;
}
