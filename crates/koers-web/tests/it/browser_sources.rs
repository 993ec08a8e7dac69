//! Importing from a service in Chromium: choose CBS OData on the catalog page, list what the
//! table offers, import it with progress, and refresh it from the dataset's page; every page
//! checked with axe-core.

use crate::browser::{check_axe, click, select, sign_in, start_browser, type_into, wait_for};
use crate::helpers::TestApp;
use fantoccini::Locator;

#[tokio::test]
async fn steward_imports_a_cbs_table_and_refreshes_it() {
    let f = crate::sources::fixture().await;
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.goto(&app.url("/bronnen")).await.unwrap();
    check_axe(&c, "bronnen").await;
    select(&c, Locator::Id("s-kind"), "odata").await;
    type_into(
        &c,
        Locator::Id("s-url"),
        &format!("{}/odata/85318NED", f.base),
    )
    .await;
    click(
        &c,
        Locator::Css("form[method=get][action='/bronnen/dienst'] button"),
    )
    .await;
    wait_for(&c, Locator::Id("s-name")).await;
    check_axe(&c, "dienst").await;
    let listed = c.source().await.unwrap();
    assert!(listed.contains("TypedDataSet"), "{listed}");
    type_into(&c, Locator::Id("s-name"), "kerncijfers").await;
    select(&c, Locator::Id("s-every"), "daily").await;
    click(
        &c,
        Locator::Css("form[method=post][action='/bronnen/dienst'] button"),
    )
    .await;
    let link = wait_for(&c, Locator::Css("#taak a[href^='/bronnen/']")).await;
    check_axe(&c, "taak").await;
    link.click().await.unwrap();
    wait_for(&c, Locator::Css("form[action$='/verversen'] button")).await;
    check_axe(&c, "bron met dienst").await;
    let page = c.source().await.unwrap();
    assert!(page.contains("Elke dag"), "{page}");
    // The columns with what CBS says they mean.
    assert!(page.contains("Aantal inwoners (aantal)"), "{page}");
    crate::browser::screenshot(&c, "dataset-cbs.png").await;
    click(&c, Locator::Css("form[action$='/verversen'] button")).await;
    wait_for(&c, Locator::Css("#taak a[href^='/bronnen/']")).await;
    let ds = app.datasets_of(&app.org_a.id).await;
    assert_eq!(ds.len(), 1);
    assert_eq!(ds[0].name, "kerncijfers");
    let source = app.store.sources().dataset_source(&ds[0].id).await.unwrap();
    assert_eq!(source.outcome.as_deref(), Some("unchanged"));
    c.close().await.unwrap();
}
