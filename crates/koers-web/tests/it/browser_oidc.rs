//! Signing in through the test OpenID Connect provider in a real browser: the button on the
//! sign-in page (checked with axe-core), the provider's page, and back in koers signed in.

use crate::browser::{check_axe, click, end_session, start_browser, wait_for};
use crate::oidc::app_with_provider;
use fantoccini::Locator;

#[tokio::test]
async fn sign_in_with_the_provider_in_a_browser() {
    let (app, _provider) = app_with_provider().await;
    let (_driver, c, _profile) = start_browser().await;
    c.goto(&app.url("/login")).await.unwrap();
    check_axe(&c, "sign-in page").await;
    click(&c, Locator::LinkText("Inloggen met Testdienst")).await;
    wait_for(&c, Locator::Css("button[value=alice]"))
        .await
        .click()
        .await
        .unwrap();
    wait_for(&c, Locator::Css(".koers-nav")).await;
    let url = c.current_url().await.unwrap();
    assert_eq!(url.as_str(), app.url("/"));
    let me = app
        .user_by_email("alice@pv26.example")
        .await
        .expect("the user was made");
    assert_eq!(
        app.roles_of(&me.id, &app.org_a.id).await,
        vec![koers_core::Role::Analyst]
    );
    end_session(c).await;
}
