//! The board decides, in a browser, by keyboard: a board member defers a proposal to the next
//! meeting and then decides on another option than proposed, on a phone; a board member takes
//! a monitor to a meeting as PDF; an administrator
//! changes the choice framework with the condition builder and looks at what it would change
//! before saving it; a manager sends a choice decided below the board back from its own page.

use crate::browser::{
    browser_as, check_axe, end_session, enter_and_wait, fetched_kind, keys_at, main_text, press,
    screenshot, sign_in, start_browser, type_into, wait_for,
};
use crate::helpers::TestApp;
use crate::register::{application, board_member, modest_application, propose};
use fantoccini::{Locator, key::Key};
use serde_json::{Value, json};

/// A board member on a phone finds the monitor among the information products by keyboard
/// and takes it to the meeting as a PDF.
#[tokio::test]
async fn a_board_member_takes_a_monitor_to_a_meeting_as_pdf() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let analysis = crate::products::with_freight(&app).await;
    let c = app.as_admin().await;
    let definition = crate::products::definition(&analysis);
    let (_, mid) = crate::products::in_a_monitor(&c, definition, "Vracht in beeld").await;

    let (_driver, b, _profile) = browser_as(&app, "bestuur@pv26.example", (390, 844)).await;
    b.goto(&app.url("/informatieproducten")).await.unwrap();
    let monitor = format!("a[href='/informatieproducten/monitoren/{mid}']");
    enter_and_wait(&b, &monitor, Locator::Css("a[href$='/monitor.pdf']")).await;
    check_axe(&b, "monitor").await;
    screenshot(&b, "board-monitor-phone.png").await;
    let link = b
        .find(Locator::Css("a[href$='/monitor.pdf']"))
        .await
        .expect("the PDF link");
    assert_eq!(link.text().await.unwrap(), "Monitor downloaden (PDF)");
    let href = link.attr("href").await.unwrap().unwrap();
    assert_eq!(fetched_kind(&b, &href).await, "application/pdf %PDF-");
    end_session(b).await;
}

#[tokio::test]
async fn a_board_member_defers_and_then_decides_another_option_by_keyboard() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let c = app.as_admin().await;
    let (id, ch) = propose(&c, &application()).await;
    let cid = ch["id"].as_str().unwrap().to_string();
    crate::overview::advise(&app, &id, &cid).await;
    let soon = (chrono::Utc::now().date_naive() + chrono::Days::new(14)).to_string();
    let next = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Gedeputeerde Staten", "heldOn": soon}),
        )
        .await;
    let next_id = next["id"].as_str().unwrap().to_string();

    let (_driver, b, _profile) = browser_as(&app, "bestuur@pv26.example", (390, 844)).await;
    b.goto(&app.url("/toepassingen/bestuursagenda"))
        .await
        .unwrap();
    wait_for(&b, Locator::Id(&format!("besluit-{cid}"))).await;
    // The proposal reads beside the form: what it is about, the options, the advice.
    let text = main_text(&b).await;
    for part in [
        "Waar draait de tweeling?",
        "Voordeel: eigen beheer",
        "Advies",
    ] {
        assert!(text.contains(part), "{part} missing: {text}");
    }
    // Enter on the form's button records the act; the page confirms it.
    let submit = format!("form[action='/toepassingen/bestuursagenda/{cid}'] button[type=submit]");
    let record_act = async || {
        enter_and_wait(&b, &submit, Locator::Css(".utrecht-alert--ok")).await;
    };
    check_axe(&b, "the board's agenda").await;
    // Defer: arrow from "decide" to "defer" in the group of acts, pick the next meeting.
    press(&b, &format!("#d-to-decided-0-{cid}"), Key::Down).await;
    press(&b, &format!("#d-to-sent_back-1-{cid}"), Key::Down).await;
    press(&b, &format!("#d-to-rejected-2-{cid}"), Key::Down).await;
    let deferred = b
        .find(Locator::Id(&format!("d-to-deferred-3-{cid}")))
        .await
        .unwrap();
    assert!(
        deferred.is_selected().await.unwrap(),
        "arrows choose an act"
    );
    keys_at(&b, &format!("#d-meeting-{cid}"), "Gedeputeerde").await;
    screenshot(&b, "board-defer-390.png").await;
    record_act().await;
    let n: Value = c.get_json(&format!("/api/v1/meetings/{next_id}")).await;
    assert_eq!(
        n["agenda"][0]["id"],
        cid.as_str(),
        "on the next meeting's agenda"
    );
    assert_eq!(n["agenda"][0]["record"]["status"], "deferred");

    // At that meeting: decide on the other option, with the rationale and the reference.
    keys_at(&b, &format!("#d-option-{cid}"), "Publieke").await;
    type_into(
        &b,
        Locator::Id(&format!("d-reason-{cid}")),
        "Schaalbaar en goedkoper.",
    )
    .await;
    type_into(&b, Locator::Css("input[name=reference]"), "GS-2026-114").await;
    // The meeting it is on names who decides: nothing to type.
    let maker = b
        .find(Locator::Css("input[name=decisionMaker]"))
        .await
        .unwrap();
    assert_eq!(
        maker.prop("value").await.unwrap().as_deref(),
        Some("Gedeputeerde Staten")
    );
    record_act().await;
    screenshot(&b, "board-decided-390.png").await;
    let ch: Value = c
        .get_json(&format!("/api/v1/applications/{id}/choices/{cid}"))
        .await;
    assert_eq!(ch["record"]["status"], "decided", "{ch}");
    assert_eq!(ch["record"]["chosen_option"], "Publieke cloud");
    assert_eq!(ch["record"]["proposed_option"], "Eigen rekencentrum");
    assert_eq!(ch["record"]["board_reason"], "Schaalbaar en goedkoper.");
    assert_eq!(ch["record"]["decided_by"], "Gedeputeerde Staten");
    // The meeting's decision list says so.
    b.goto(&app.url(&format!("/toepassingen/vergaderingen/{next_id}")))
        .await
        .unwrap();
    let text = main_text(&b).await;
    assert!(text.contains("Publieke cloud"), "{text}");
    check_axe(&b, "the meeting with its decision list").await;
    end_session(b).await;
}

#[tokio::test]
async fn a_manager_sends_a_choice_back_from_its_page_by_keyboard() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    app.add_user("mt@pv26.example", koers_core::Role::PolicyOwner)
        .await;
    let (id, ch) = propose(&c, &modest_application("high")).await;
    assert_eq!(ch["level"], "management");
    let cid = ch["id"].as_str().unwrap().to_string();
    crate::overview::advise(&app, &id, &cid).await;

    let (_driver, b, _profile) = browser_as(&app, "mt@pv26.example", (390, 844)).await;
    b.goto(&app.url(&format!("/toepassingen/{id}/keuzes/{cid}")))
        .await
        .unwrap();
    wait_for(&b, Locator::Id("status")).await;
    check_axe(&b, "a choice to decide on below the board").await;
    // Arrow from "decide" to "send back", and send it without a reason: the reason is asked
    // for and the act stays chosen.
    press(&b, &format!("#d-to-decided-0-{cid}"), Key::Down).await;
    let submit = "form[aria-labelledby=status] button[type=submit]";
    enter_and_wait(&b, submit, Locator::Id("reason-error")).await;
    let sent_back = format!("d-to-sent_back-1-{cid}");
    let act = b.find(Locator::Id(&sent_back)).await.unwrap();
    assert!(act.is_selected().await.unwrap(), "the act chosen stays");
    screenshot(&b, "choice-send-back-refused-390.png").await;
    type_into(
        &b,
        Locator::Id(&format!("d-reason-{cid}")),
        "Eerst de kosten per jaar uitwerken.",
    )
    .await;
    enter_and_wait(&b, submit, Locator::Css(".utrecht-alert--ok")).await;
    let text = main_text(&b).await;
    assert!(
        text.contains("Eerst de kosten per jaar uitwerken."),
        "{text}"
    );
    // Back on the choice's own address: reloading sends nothing again and says nothing again.
    let here = b.current_url().await.unwrap();
    assert_eq!(here.path(), format!("/toepassingen/{id}/keuzes/{cid}"));
    b.refresh().await.unwrap();
    let text = main_text(&b).await;
    assert!(
        !text.contains("Het besluit is vastgelegd.") && text.contains("teruggestuurd"),
        "{text}"
    );
    let ch: Value = c
        .get_json(&format!("/api/v1/applications/{id}/choices/{cid}"))
        .await;
    assert_eq!(ch["record"]["status"], "sent_back", "{ch}");
    end_session(b).await;
}

#[tokio::test]
async fn an_administrator_changes_the_framework_by_keyboard_after_a_preview() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let (_, ch) = propose(&c, &modest_application("low")).await;
    assert_eq!(ch["level"], "official");

    let (_driver, b, _profile) = start_browser().await;
    sign_in(&b, &app, "admin@pv26.example").await;
    b.goto(&app.url("/toepassingen/keuzekader")).await.unwrap();
    wait_for(&b, Locator::Id("bewerken")).await;
    check_axe(&b, "the framework and its editor").await;
    // A new rule: hosting choices are for the management.
    press(&b, "button[value=add_rule]", Key::Enter).await;
    let name = wait_for(&b, Locator::Id("r6-name")).await;
    name.send_keys("Hosting").await.unwrap();
    keys_at(&b, "#r6-c0-kind", "Soort").await;
    // The builder shows the kinds of choice, and only those.
    let types = b
        .find(Locator::Css("#regel-6 [data-for-kind=choice_type_in]"))
        .await
        .unwrap();
    assert!(
        types.is_displayed().await.unwrap(),
        "the kinds of choice show"
    );
    let amount = b.find(Locator::Id("r6-c0-euros")).await.unwrap();
    assert!(!amount.is_displayed().await.unwrap(), "the amount hides");
    press(&b, "#r6-c0-type-hosting", Key::Space).await;
    keys_at(&b, "#r6-level", "man").await;
    check_axe(&b, "the editor with a new rule").await;
    // Enter in a text field looks at the consequences.
    enter_and_wait(&b, "#r6-name", Locator::Id("gevolgen")).await;
    let text = main_text(&b).await;
    assert!(
        text.contains("Hosting van de digitale tweeling") && text.contains("management"),
        "{text}"
    );
    assert_eq!(
        c.get_json("/api/v1/choice-framework").await["version"],
        Value::Null,
        "nothing saved before the preview is confirmed"
    );
    screenshot(&b, "framework-preview-1440.png").await;
    check_axe(&b, "the preview").await;
    enter_and_wait(&b, "button[value=save]", Locator::Css(".utrecht-alert--ok")).await;
    let f: Value = c.get_json("/api/v1/choice-framework").await;
    assert_eq!(f["version"], 1);
    let rules = f["framework"]["rules"].as_array().unwrap();
    assert_eq!(rules.len(), 7);
    assert_eq!(
        rules[6]["condition"],
        json!({"type": "choice_type_in", "values": ["hosting"]})
    );
    assert_eq!(rules[6]["level"], "management");
    end_session(b).await;
}
