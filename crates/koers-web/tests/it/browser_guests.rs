//! A partner's path in Chromium, by keyboard: the policy officer invites a partner to a data
//! question from its page; the partner opens the link on a phone, makes an account, reads
//! the question and comments on it. Every page checked with axe-core.

use crate::browser::{
    check_axe, end_session, enter_and_wait, keys_at, main_text, mark_page, press, screenshot,
    script, sign_in, start_browser, wait_for, wait_new_page,
};
use crate::helpers::{PASSWORD, TestApp};
use fantoccini::Locator;
use fantoccini::key::Key;

/// Types `text` into the comment field and sends it with Enter on its button, as a keyboard
/// user does; waits for the page to confirm.
async fn comment_by_keyboard(c: &fantoccini::Client, text: &str) {
    keys_at(c, "#c-body", text).await;
    enter_and_wait(
        c,
        "form[action$='/reacties'] button[type=submit]",
        Locator::Css(".utrecht-alert--ok"),
    )
    .await;
}

#[tokio::test]
async fn a_partner_is_invited_and_comments_by_keyboard() {
    let app = TestApp::spawn().await;
    let qid = crate::guests::question_of_a(&app.as_admin().await).await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;
    c.goto(&app.url(&format!("/datavragen/{qid}#gasten")))
        .await
        .unwrap();
    check_axe(&c, "question with guests").await;
    // Open the invitation form by keyboard and fill it in.
    press(&c, "#gasten ~ details > summary", Key::Enter).await;
    keys_at(&c, "#g-email", "sam@netbeheer.example").await;
    keys_at(&c, "#g-name", "Sam de Vries").await;
    keys_at(&c, "#g-affiliation", "Netbeheerder Oost").await;
    // Adding files is not for this partner: Space unticks it.
    press(&c, "#g-ability-upload", Key::Space).await;
    press(&c, "#g-days", Key::Enter).await;
    let link = wait_for(&c, Locator::Id("g-link"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    assert!(link.contains("/uitnodiging/"), "{link}");
    check_axe(&c, "guest invited").await;
    screenshot(&c, "guest-invited.png").await;
    // Back in the history the form is there as it was sent: sent again it invites nobody a
    // second time, says so, and leads back to the question.
    mark_page(&c).await;
    c.back().await.unwrap();
    wait_new_page(&c).await;
    script(
        &c,
        "document.querySelector('#gasten ~ details').open = true;",
    )
    .await;
    if script(&c, "return document.querySelector('#g-email').value;").await == "" {
        keys_at(&c, "#g-email", "sam@netbeheer.example").await;
        keys_at(&c, "#g-name", "Sam de Vries").await;
    }
    mark_page(&c).await;
    press(&c, "#g-days", Key::Enter).await;
    wait_new_page(&c).await;
    let text = main_text(&c).await;
    assert!(text.contains("Dit formulier was al verstuurd"), "{text}");
    check_axe(&c, "form sent again").await;
    screenshot(&c, "form-sent-again.png").await;
    enter_and_wait(
        &c,
        &format!("main a[href='/datavragen/{qid}']"),
        Locator::Id("g-email"),
    )
    .await;
    let text = main_text(&c).await;
    assert_eq!(text.matches("sam@netbeheer.example").count(), 1, "{text}");
    end_session(c).await;

    // The partner, on a phone, not signed in.
    let (_driver, p, _profile) = start_browser().await;
    p.set_window_size(390, 844).await.unwrap();
    p.goto(&link).await.unwrap();
    wait_for(&p, Locator::Id("i-password")).await;
    check_axe(&p, "invitation").await;
    assert!(
        main_text(&p)
            .await
            .contains("Hoeveel daken kunnen zonnepanelen dragen?")
    );
    keys_at(&p, "#i-password", &format!("{PASSWORD}{}", Key::Enter)).await;
    wait_for(&p, Locator::Id("c-body")).await;
    check_axe(&p, "shared question").await;
    let text = main_text(&p).await;
    assert!(text.contains("Gedeeld door Provincie Utrecht"), "{text}");
    // Reading and commenting only: no file form.
    assert!(p.find(Locator::Id("a-file")).await.is_err());
    comment_by_keyboard(&p, "Wij hebben de dakgegevens per postcode.").await;
    let text = main_text(&p).await;
    assert!(
        text.contains("sam@netbeheer.example (gast, Netbeheerder Oost)"),
        "{text}"
    );
    screenshot(&p, "guest-question-phone.png").await;
    end_session(p).await;
}

#[tokio::test]
async fn a_researcher_follows_a_province_and_its_contact_comments_by_keyboard() {
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let (r25, _) = crate::maturity::yearly_round(&c, "2025", None, &["2"; 5], &["4"; 5]).await;
    let (r26, flevo) = crate::maturity::yearly_round(&c, "2026", None, &["3"; 5], &["4"; 5]).await;
    c.put_json(
        &format!("/api/v1/maturity/rounds/{r26}/previous"),
        &serde_json::json!({"previousRoundId": r25}),
    )
    .await
    .assert_status(200);

    // The researcher: the round's trend page, the province chosen by keyboard.
    let (_driver, b, _profile) = start_browser().await;
    sign_in(&b, &app, "admin@pv26.example").await;
    b.goto(&app.url(&format!("/volwassenheid/rondes/{r26}/verloop")))
        .await
        .unwrap();
    keys_at(&b, "#t-org", "Provincie Flevo").await;
    enter_and_wait(
        &b,
        "form[method=get] button[type=submit]",
        Locator::Id("tabel-verloop"),
    )
    .await;
    check_axe(&b, "trend").await;
    let text = main_text(&b).await;
    assert!(
        text.contains("2,0 (3,0)") && text.contains("3,0 (3,5)"),
        "{text}"
    );
    // Then invites Flevoland's contact from the province's report.
    b.goto(&app.url(&format!(
        "/volwassenheid/rondes/{r26}/organisaties/{flevo}#gasten"
    )))
    .await
    .unwrap();
    press(&b, "#gasten ~ details > summary", Key::Enter).await;
    keys_at(&b, "#g-email", "contact@flevoland.example").await;
    keys_at(&b, "#g-name", "Fenna Flevo").await;
    keys_at(
        &b,
        "#g-affiliation",
        &format!("Provincie Flevoland{}", Key::Enter),
    )
    .await;
    let link = wait_for(&b, Locator::Id("g-link"))
        .await
        .prop("value")
        .await
        .unwrap()
        .unwrap();
    check_axe(&b, "report with contact invited").await;
    end_session(b).await;

    // The contact, on a phone: account, report, comment.
    let (_driver, p, _profile) = start_browser().await;
    p.set_window_size(390, 844).await.unwrap();
    p.goto(&link).await.unwrap();
    keys_at(&p, "#i-password", &format!("{PASSWORD}{}", Key::Enter)).await;
    wait_for(&p, Locator::Id("c-body")).await;
    check_axe(&p, "contact's report").await;
    assert!(
        main_text(&p)
            .await
            .contains("Volwassenheidsrapport Provincie Flevoland")
    );
    comment_by_keyboard(&p, "Ons datalab ontbreekt in de scores.").await;
    assert!(
        main_text(&p)
            .await
            .contains("Ons datalab ontbreekt in de scores.")
    );
    screenshot(&p, "contact-report-phone.png").await;
    end_session(p).await;
}
