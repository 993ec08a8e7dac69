//! The query builder in Chromium, as an analyst who does not write SQL: from the analyses
//! page to an indicator, by keyboard only, without typing SQL or a column name — every
//! dataset, column, period and measure is chosen from a list; axe-core on the way.

use crate::browser::{
    check_axe, fill_in, keys_at, main_text, press, screenshot, script, sign_in, start_browser,
    wait_for,
};
use crate::helpers::TestApp;
use fantoccini::{Client, Locator, key::Key};
use koers_core::Role;
use std::time::{Duration, Instant};

/// Marks the current document, so a reload can be waited for.
async fn mark(c: &Client) {
    script(c, "window.__koersOld = true;").await;
}

/// Waits until the marked document is replaced by a loaded new one.
async fn reloaded(c: &Client) {
    let start = Instant::now();
    loop {
        let done = c
            .execute(
                "return window.__koersOld === undefined && document.readyState === 'complete';",
                vec![],
            )
            .await
            .map(|v| v.as_bool() == Some(true))
            .unwrap_or(false);
        if done {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "the page did not reload"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Chooses in the list `id` by typing the start of an option's label, as a keyboard user
/// does on a closed list; the builder refreshes itself and focus comes back to the list.
async fn pick(c: &Client, id: &str, typed: &str) {
    mark(c).await;
    keys_at(c, &format!("#{id}"), typed).await;
    reloaded(c).await;
    let focused = script(c, "return document.activeElement.id;").await;
    assert_eq!(focused, serde_json::json!(id), "focus returns to the list");
}

/// Presses Enter on the element `css` and waits for the next page.
async fn enter(c: &Client, css: &str) {
    mark(c).await;
    press(c, css, Key::Enter).await;
    reloaded(c).await;
}

#[tokio::test]
async fn an_analyst_builds_an_indicator_from_scratch_by_keyboard() {
    let app = TestApp::spawn().await;
    crate::builder::reference(&app, 800).await;
    app.add_user("analist@pv26.example", Role::Analyst).await;
    app.api_as("analist@pv26.example")
        .await
        .create(
            "/api/v1/dashboards",
            &serde_json::json!({"name": "Vervoer"}),
        )
        .await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "analist@pv26.example").await;

    c.goto(&app.url("/analyses")).await.unwrap();
    enter(&c, "a[href='/analyses/bouwer']").await;
    check_axe(&c, "empty builder").await;
    pick(&c, "b-dataset", "movements").await;
    // Per year: a grouping on the moment of the movement, by year.
    enter(&c, "button[value='add-group']").await;
    pick(&c, "b-g0_column", "ts").await;
    pick(&c, "b-g0_grain", "Jaar").await;
    // The tonnes, summed.
    enter(&c, "button[value='add-measure']").await;
    pick(&c, "b-m0_fn", "Som").await;
    pick(&c, "b-m0_column", "tonnes").await;
    let text = main_text(&c).await;
    assert!(text.contains("rijen in het resultaat"), "{text}");
    assert!(
        text.contains("ts_jaar") && text.contains("tonnes"),
        "{text}"
    );
    check_axe(&c, "builder with a preview").await;
    screenshot(&c, "builder.png").await;

    assert!(text.contains("Past het best als: Lijngrafiek"), "{text}");

    // Saved under a title: the only words typed.
    fill_in(&c, "b-title", "Tonnen per jaar").await;
    enter(&c, "button[value='save']").await;
    assert!(main_text(&c).await.contains("Openen in de bouwer"));
    let analysis_page = c.current_url().await.unwrap();

    // On a dashboard: the editor opens with the widget that fits, its columns filled in.
    enter(
        &c,
        "form[action='/dashboards/onderdeel-uit-analyse'] button",
    )
    .await;
    let text = main_text(&c).await;
    assert!(
        text.contains("Voorgestelde weergave voor deze analyse: Lijngrafiek"),
        "{text}"
    );
    let category = c.find(Locator::Css("#w-cat option:checked")).await.unwrap();
    assert_eq!(category.text().await.unwrap(), "ts_jaar");
    check_axe(&c, "editor with a suggested widget").await;
    enter(
        &c,
        "form[aria-labelledby='nieuw-onderdeel'] button[type=submit]",
    )
    .await;
    assert!(main_text(&c).await.contains("Het onderdeel is toegevoegd."));
    c.goto(analysis_page.as_str()).await.unwrap();
    let sql = app.analyses().await;
    assert!(
        sql.iter().any(|a| a.title == "Tonnen per jaar"
            && a.sql.contains("SUM(t.\"tonnes\")")
            && a.builder.is_some()),
        "saved as a builder analysis"
    );

    // From the analysis to an indicator: its columns are offered, the likely ones chosen.
    enter(&c, "a[href^='/informatieproducten?analyse=']").await;
    let period = wait_for(&c, Locator::Css("#i-period option:checked")).await;
    assert_eq!(period.text().await.unwrap(), "ts_jaar");
    let value = c
        .find(Locator::Css("#i-value option:checked"))
        .await
        .unwrap();
    assert_eq!(value.text().await.unwrap(), "tonnes");
    check_axe(&c, "new indicator with column lists").await;
    fill_in(&c, "i-name", "Vervoerde tonnen").await;
    fill_in(&c, "i-unit", "ton").await;
    fill_in(&c, "i-green", "100").await;
    fill_in(&c, "i-amber", "50").await;
    enter(
        &c,
        "form[action='/informatieproducten/indicatoren'] button[type=submit]",
    )
    .await;
    let text = main_text(&c).await;
    assert!(text.contains("Vervoerde tonnen"), "{text}");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .path()
            .starts_with("/informatieproducten/indicatoren/"),
        "the indicator's page"
    );
}
