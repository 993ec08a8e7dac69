//! Importing from a service in Chromium: choose CBS OData on the catalog page, list what the
//! table offers, import it with progress, and refresh it from the dataset's page; every page
//! checked with axe-core.

use crate::browser::{
    check_axe, click, end_session, script, select, sign_in, start_browser, type_into, wait_for,
};
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
    end_session(c).await;
}

/// A data steward sees every point of a dataset on its page: the map of all points is drawn
/// from koers' vector tiles of the longitude and latitude columns, and the page passes
/// axe-core.
#[tokio::test]
async fn a_dataset_page_maps_every_point_from_vector_tiles() {
    let app = TestApp::spawn().await;
    let mut csv = String::from("naam,lon,lat\n");
    for i in 0..300 {
        csv.push_str(&format!(
            "p{i},{},{}\n",
            5.0 + (i % 20) as f64 * 0.01,
            52.0 + (i / 20) as f64 * 0.01
        ));
    }
    let id = app.import(&app.org_a, "palen", "csv", &csv).await.id;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;
    c.goto(&app.url(&format!("/bronnen/{id}"))).await.unwrap();
    wait_for(&c, Locator::Css("#puntenkaart")).await;
    wait_for(&c, Locator::Css(".koers-live-map[data-koers-ready]")).await;
    check_axe(&c, "dataset page with its points map").await;
    // The map is drawn with its tile source (MapLibre fetches the tiles in its worker; the
    // tiles themselves are checked in catalog::a_dataset_serves_vector_tiles…).
    let shown = script(&c, "const box = document.querySelector('.koers-live-map');
             return [box.hidden, JSON.parse(box.dataset.koersMap).tiles.includes('/tiles/{z}/{x}/{y}?lon=lon&lat=lat'),
                     box.querySelector('canvas').getAttribute('aria-label')];").await;
    assert_eq!(
        shown,
        serde_json::json!([false, true, "Kaart van alle punten"])
    );
}
