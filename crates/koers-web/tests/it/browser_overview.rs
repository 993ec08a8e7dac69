//! The overview in Chromium, as the people it is for: a board member on a phone and a policy
//! officer at a desk each start on their own task list and reach their first task in one
//! step, by keyboard (focus the task's link, Enter); both languages checked with axe.

use crate::browser::{
    browser_as, check_axe, end_session, press, screenshot, script, wait_for, wait_text,
};
use crate::helpers::TestApp;
use crate::overview::{advise, ask, board_choice};
use crate::register::board_member;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

/// Opens the first task of the overview by keyboard and returns the page it leads to.
async fn open_first_task(c: &Client) -> String {
    const FIRST: &str = ".koers-tasks li:first-child .koers-task__title a";
    let link = c.find(Locator::Css(FIRST)).await.expect("a task");
    let href = link.attr("href").await.unwrap().unwrap();
    press(c, FIRST, Key::Enter).await;
    href
}

#[tokio::test]
async fn each_role_reaches_its_first_task_from_the_overview() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let admin = app.as_admin().await;
    let (aid, cid) = board_choice(&admin).await;
    advise(&app, &aid, &cid).await;
    let q = ask(
        &admin,
        json!({"question": "Hoeveel kilometer weg is aan vervanging toe?"}),
    )
    .await;

    // The board member, on a phone: the decision waits on the board agenda.
    let (_driver, c, _profile) = browser_as(&app, "bestuur@pv26.example", (390, 844)).await;
    wait_for(&c, Locator::Css(".koers-tasks")).await;
    screenshot(&c, "overview-board-390.png").await;
    check_axe(&c, "overview (board member, 390 px)").await;
    let href = open_first_task(&c).await;
    assert_eq!(href, format!("/toepassingen/bestuursagenda#besluit-{cid}"));
    wait_for(&c, Locator::Id(&format!("besluit-{cid}"))).await;
    let decide = c
        .find(Locator::Css(&format!(
            "form[action='/toepassingen/bestuursagenda/{cid}']"
        )))
        .await;
    assert!(decide.is_ok(), "the decision form is on the page");
    c.goto(&app.url("/logout")).await.ok();

    // The administrator at a desk owns the question: its next step is theirs.
    let (_driver2, c2, _profile2) = browser_as(&app, "admin@pv26.example", (1440, 900)).await;
    wait_for(&c2, Locator::Css(".koers-tasks")).await;
    let kinds: Vec<String> = script(&c2, "return [...document.querySelectorAll('.koers-task__kind')].map(e => e.textContent.trim());").await
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    assert_eq!(kinds, ["Datavraag wacht op u"], "{kinds:?}");
    screenshot(&c2, "overview-owner-1440.png").await;
    let href = open_first_task(&c2).await;
    assert_eq!(href, format!("/datavragen/{}", q["id"].as_str().unwrap()));
    wait_for(&c2, Locator::Css("form[action$='/stap']")).await;
    // In English the same list, checked again.
    c2.goto(&app.url("/lang/en?next=/")).await.unwrap();
    let text = wait_text(&c2, Locator::Css(".koers-tasks")).await;
    assert!(text.contains("Data question waiting for you"), "{text}");
    check_axe(&c2, "overview (English)").await;
    end_session(c).await;
    end_session(c2).await;
}
