//! A partner's path in Chromium, by keyboard: the policy officer invites a partner to a data
//! question from its page; the partner opens the link on a phone, makes an account, reads
//! the question and comments on it. Every page checked with axe-core.

use crate::browser::{
    check_axe, end_session, keys_at, main_text, press, screenshot, sign_in, start_browser, wait_for,
};
use crate::helpers::{PASSWORD, TestApp};
use fantoccini::Locator;
use fantoccini::key::Key;

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
    keys_at(&p, "#c-body", "Wij hebben de dakgegevens per postcode.").await;
    press(
        &p,
        "form[action$='/reacties'] button[type=submit]",
        Key::Enter,
    )
    .await;
    wait_for(&p, Locator::Css(".utrecht-alert--ok")).await;
    let text = main_text(&p).await;
    assert!(
        text.contains("sam@netbeheer.example (gast, Netbeheerder Oost)"),
        "{text}"
    );
    screenshot(&p, "guest-question-phone.png").await;
    end_session(p).await;
}
