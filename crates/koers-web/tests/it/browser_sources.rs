//! Importing from a service in Chromium: choose CBS OData on the catalog page, list what the
//! table offers, import it with progress, and refresh it from the dataset's page; every page
//! checked with axe-core.

use crate::browser::{axe, sign_in, start_browser};
use crate::helpers::TestApp;
use fantoccini::{Client, Locator};

async fn check_axe(c: &Client, what: &str) {
    let v = axe(c).await;
    assert!(v.is_empty(), "axe violations on {what}: {v:?}");
}

#[tokio::test]
async fn steward_imports_a_cbs_table_and_refreshes_it() {
    let f = crate::sources::fixture().await;
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.goto(&app.url("/bronnen")).await.unwrap();
    check_axe(&c, "bronnen").await;
    c.find(Locator::Id("s-kind"))
        .await
        .unwrap()
        .select_by_value("odata")
        .await
        .unwrap();
    c.find(Locator::Id("s-url"))
        .await
        .unwrap()
        .send_keys(&format!("{}/odata/85318NED", f.base))
        .await
        .unwrap();
    c.find(Locator::Css(
        "form[method=get][action='/bronnen/dienst'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    c.wait().for_element(Locator::Id("s-name")).await.unwrap();
    check_axe(&c, "dienst").await;
    let listed = c.source().await.unwrap();
    assert!(listed.contains("TypedDataSet"), "{listed}");
    c.find(Locator::Id("s-name"))
        .await
        .unwrap()
        .send_keys("kerncijfers")
        .await
        .unwrap();
    c.find(Locator::Id("s-every"))
        .await
        .unwrap()
        .select_by_value("daily")
        .await
        .unwrap();
    c.find(Locator::Css(
        "form[method=post][action='/bronnen/dienst'] button",
    ))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    let link = c
        .wait()
        .for_element(Locator::Css("#taak a[href^='/bronnen/']"))
        .await
        .unwrap();
    check_axe(&c, "taak").await;
    link.click().await.unwrap();
    c.wait()
        .for_element(Locator::Css("form[action$='/verversen'] button"))
        .await
        .unwrap();
    check_axe(&c, "bron met dienst").await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Elke dag"), "{page}");
    // The columns with what CBS says they mean.
    assert!(page.contains("Aantal inwoners (aantal)"), "{page}");
    crate::browser::screenshot(&c, "dataset-cbs.png").await;
    c.find(Locator::Css("form[action$='/verversen'] button"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    c.wait()
        .for_element(Locator::Css("#taak a[href^='/bronnen/']"))
        .await
        .unwrap();
    let ds = app.store.catalog().datasets(&app.org_a.id).await.unwrap();
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].name, "kerncijfers");
    let source = app.store.sources().dataset_source(&ds[0].id).await.unwrap();
    assert_eq!(source.outcome.as_deref(), Some("unchanged"));
    c.close().await.unwrap();
}
