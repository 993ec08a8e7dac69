//! The maturity monitor in a real browser: a round from the default framework, an
//! organisation and its invitations, the survey answered through token links signed out,
//! the round closed, the report and the benchmark; axe-core on every page.

use crate::browser::{
    check_axe, click, end_session, main_text, sign_in, start_browser, type_into, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::{Locator, key::Key};

#[tokio::test]
async fn a_round_from_start_to_report_and_benchmark() {
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.goto(&app.url("/volwassenheid/kader")).await.unwrap();
    assert!(main_text(&c).await.contains("Visie en strategie"));
    check_axe(&c, "framework").await;

    c.goto(&app.url("/volwassenheid")).await.unwrap();
    check_axe(&c, "rounds").await;
    type_into(
        &c,
        Locator::Id("r-name"),
        &format!("Meting 2026{}", Key::Enter),
    )
    .await;
    wait_for(&c, Locator::Id("deelnemers")).await;
    let url = c.current_url().await.unwrap();
    let round_id = url.path().rsplit('/').next().unwrap().to_string();
    let round_url = app.url(&format!("/volwassenheid/rondes/{round_id}"));
    check_axe(&c, "round").await;

    // An organisation, by keyboard.
    type_into(&c, Locator::Id("p-name"), "Provincie Utrecht").await;
    type_into(&c, Locator::Id("p-code"), &format!("PV26{}", Key::Enter)).await;
    wait_for(&c, Locator::LinkText("Provincie Utrecht")).await;
    // Invitations: the page shows the new links once, each with a copy button.
    click(&c, Locator::Css("form[action$='/uitnodigingen'] button")).await;
    wait_for(&c, Locator::Id("nieuwe-links")).await;
    check_axe(&c, "links").await;
    let fields = c
        .find_all(Locator::Css(".koers-copy__value"))
        .await
        .unwrap();
    let mut tokens = Vec::new();
    for f in &fields {
        let url = f.prop("value").await.unwrap().unwrap();
        assert!(url.starts_with(&app.url("/enquete/")), "{url}");
        tokens.push(url.rsplit('/').next().unwrap().to_string());
    }
    assert_eq!(tokens.len(), 5);
    click(&c, Locator::Css("[data-copy='link-1']")).await;
    let status = crate::browser::copied(&c).await;
    assert!(status.starts_with("Gekopieerd"), "{status}");
    let round = app.round(&round_id).await;
    let p = app
        .store
        .maturity()
        .round_participants(&round)
        .await
        .unwrap()
        .remove(0);
    // Interview notes, coded by keyboard on their page.
    let s = crate::maturity::add_interview(
        &app,
        &round,
        &p.id,
        "Gesprek met de CIO",
        "Wij hebben een datastrategie die in de begroting is vertaald.",
    )
    .await;
    c.goto(&app.url(&format!(
        "/volwassenheid/rondes/{round_id}/bronnen/{}",
        s.id
    )))
    .await
    .unwrap();
    check_axe(&c, "coding").await;
    type_into(
        &c,
        Locator::Id("c-passage"),
        "Wij hebben een datastrategie die in de begroting is vertaald.",
    )
    .await;
    click(&c, Locator::Css("form[action$='/codes'] button")).await;
    wait_for(&c, Locator::Css("blockquote")).await;

    // Signed out, each link answered once.
    click(&c, Locator::Css("form[action='/logout'] button")).await;
    wait_for(&c, Locator::Id("email")).await;
    for (k, t) in tokens.iter().enumerate() {
        c.goto(&app.url(&format!("/enquete/{t}"))).await.unwrap();
        if k == 0 {
            check_axe(&c, "survey").await;
        }
        for radio in c
            .find_all(Locator::Css("input[type=radio][value='4']"))
            .await
            .unwrap()
        {
            radio.click().await.unwrap();
        }
        click(&c, Locator::Css("main form button[type=submit]")).await;
        wait_for(&c, Locator::XPath("//h1[contains(., 'Dank u wel')]")).await;
    }
    c.goto(&app.url(&format!("/enquete/{}", tokens[0])))
        .await
        .unwrap();
    assert!(main_text(&c).await.contains("al gebruikt"));
    check_axe(&c, "used link").await;

    // Back in: close, report, benchmark.
    sign_in(&c, &app, "admin@pv26.example").await;
    c.goto(&round_url).await.unwrap();
    click(&c, Locator::Css("form[action$='/sluiten'] button")).await;
    wait_for(
        &c,
        Locator::XPath("//*[contains(., 'Deze ronde is gesloten')]"),
    )
    .await;
    check_axe(&c, "closed round").await;
    click(&c, Locator::LinkText("Provincie Utrecht")).await;
    wait_for(&c, Locator::Css("svg.koers-chart")).await;
    let report = main_text(&c).await;
    assert!(report.contains("Volwassenheidsrapport Provincie Utrecht"));
    assert!(report.contains("4,0"), "{report}");
    assert!(
        c.source()
            .await
            .unwrap()
            .contains("Wij hebben een datastrategie")
    );
    check_axe(&c, "report").await;
    c.goto(&app.url(&format!(
        "/volwassenheid/rondes/{round_id}/benchmark?anoniem=1"
    )))
    .await
    .unwrap();
    let bench = main_text(&c).await;
    assert!(bench.contains("Provincie A") && !bench.contains("PV26"));
    check_axe(&c, "benchmark").await;
    end_session(c).await;
}
