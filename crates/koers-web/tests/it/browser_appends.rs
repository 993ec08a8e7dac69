//! A data steward adds a month of rows to a dataset on a phone, by keyboard, and the analyst's
//! saved analysis then says it was brought up to date from those rows alone.

use crate::browser::{
    browser_as, check_axe, end_session, enter_and_wait, imported_dataset_link, main_text, press,
    screenshot, script, type_into, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};

/// Uploads `file` through the import form with `mode` chosen by keyboard, and opens the
/// dataset once the import is done; what the finished import said.
async fn import(c: &Client, app: &TestApp, file: &std::path::Path, mode: &str) -> String {
    c.goto(&app.url("/bronnen")).await.unwrap();
    type_into(c, Locator::Id("i-file"), &file.display().to_string()).await;
    type_into(c, Locator::Id("i-name"), "bewegingen").await;
    // The radio buttons: Space chooses the focused one.
    press(c, &format!("#i-mode-{mode}"), Key::Space).await;
    let checked = c
        .execute(
            "return document.getElementById(arguments[0]).checked;",
            vec![serde_json::json!(format!("i-mode-{mode}"))],
        )
        .await
        .unwrap();
    assert_eq!(checked, serde_json::json!(true));
    press(c, "form[data-koers-upload] button[type=submit]", Key::Enter).await;
    let link = imported_dataset_link(c).await;
    let done = main_text(c).await;
    link.click().await.unwrap();
    wait_for(c, Locator::Id("tabel-versies")).await;
    done
}

async fn scroll_to(c: &Client, id: &str) {
    c.execute(
        "document.getElementById(arguments[0]).scrollIntoView({block: 'center'});",
        vec![serde_json::json!(id)],
    )
    .await
    .unwrap();
}

#[tokio::test]
async fn a_steward_appends_a_month_and_the_analysis_reads_only_those_rows() {
    let app = TestApp::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let rows = |from: usize, to: usize| -> String {
        (from..to)
            .map(|i| format!("GM{:04},2025-{:02}-01,{}\n", 340 + i % 5, 1 + i % 12, i % 9))
            .collect()
    };
    let first = dir.path().join("bewegingen.csv");
    std::fs::write(&first, format!("gemeente,maand,aantal\n{}", rows(0, 120))).unwrap();
    let month = dir.path().join("januari.csv");
    std::fs::write(&month, format!("gemeente,maand,aantal\n{}", rows(120, 150))).unwrap();

    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    import(&c, &app, &first, "replace").await;
    let analysis = app
        .save_analysis(
            &app.org_a.id,
            "Aantal per gemeente",
            "SELECT gemeente, COUNT(*) AS bewegingen_in_de_periode, SUM(aantal) AS totaal_vervoerde_aantal, MIN(maand) AS eerste_maand_met_gegevens, MAX(maand) AS laatste_maand_met_gegevens FROM bewegingen GROUP BY gemeente ORDER BY gemeente",
            &[],
        )
        .await;
    let run = |c: &Client| {
        let c = c.clone();
        let url = app.url(&format!("/analyses/{analysis}"));
        async move {
            c.goto(&url).await.unwrap();
            enter_and_wait(
                &c,
                "form[action*='/uitvoeren'] button[type=submit]",
                Locator::Id("resultaat"),
            )
            .await;
            main_text(&c).await
        }
    };
    assert!(!run(&c).await.contains("toegevoegde rijen"));

    // The new month, as rows to add.
    c.goto(&app.url("/bronnen")).await.unwrap();
    check_axe(&c, "catalog with the import choice").await;
    scroll_to(&c, "i-mode-append").await;
    screenshot(&c, "import-choice.png").await;
    let done = import(&c, &app, &month, "append").await;
    assert!(
        done.contains("150 · waarvan 30 toegevoegd aan versie 1"),
        "{done}"
    );
    let versions = main_text(&c).await;
    assert!(versions.contains("+30 rijen toegevoegd"), "{versions}");
    scroll_to(&c, "tabel-versies").await;
    screenshot(&c, "appended-version.png").await;
    check_axe(&c, "dataset with an appended version").await;

    let shown = run(&c).await;
    assert!(
        shown.contains("bijgewerkt uit alleen de toegevoegde rijen"),
        "{shown}"
    );
    assert!(shown.contains("GM0340"), "{shown}");
    // The result's table scrolls in its own box: the page stays as wide as the phone.
    let widths = script(
        &c,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert!(widths[0].as_i64() <= widths[1].as_i64(), "{widths}");
    screenshot(&c, "incremental-run.png").await;
    end_session(c).await;
}
