//! The overview in Chromium, as the people it is for: a board member on a phone and a policy
//! officer at a desk each start on their own task list and reach their first task in one
//! step, by keyboard (focus the task's link, Enter); both languages checked with axe.

use crate::browser::{check_axe, screenshot, sign_in, start_browser, wait_for};
use crate::helpers::TestApp;
use crate::register::{application, board_member, choice};
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

/// Opens the first task of the overview by keyboard and returns the page it leads to.
async fn open_first_task(c: &Client) -> String {
    let link = c
        .find(Locator::Css(
            ".koers-tasks li:first-child .koers-task__title a",
        ))
        .await
        .expect("a task");
    let href = link.attr("href").await.unwrap().unwrap();
    c.execute(
        "document.querySelector('.koers-tasks li:first-child .koers-task__title a').focus();",
        vec![],
    )
    .await
    .unwrap();
    c.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    href
}

#[tokio::test]
async fn each_role_reaches_its_first_task_from_the_overview() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let admin = app.as_admin().await;
    let a = admin
        .post_json("/api/v1/applications", &application())
        .await
        .expect(201)
        .json();
    let aid = a["id"].as_str().unwrap();
    let ch = admin
        .post_json(&format!("/api/v1/applications/{aid}/choices"), &choice())
        .await
        .expect(201)
        .json();
    let cid = ch["id"].as_str().unwrap();
    admin
        .post_json(
            &format!("/api/v1/applications/{aid}/choices/{cid}/transitions"),
            &json!({"to": "advised"}),
        )
        .await
        .assert_status(200);
    let task = admin
        .post_json(
            "/api/v1/policy-tasks",
            &json!({"name": "Wegen", "theme": "roads", "goals": "Veilige wegen"}),
        )
        .await
        .expect(201)
        .json();
    let q = admin
        .post_json(
            "/api/v1/data-questions",
            &json!({"taskId": task["id"], "question": "Hoeveel kilometer weg is aan vervanging toe?"}),
        )
        .await
        .expect(201)
        .json();

    let (_driver, c, _profile) = start_browser().await;
    // The board member, on a phone: the decision waits on the board agenda.
    c.set_window_size(390, 844).await.unwrap();
    sign_in(&c, &app, "bestuur@pv26.example").await;
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
    let (_driver2, c2, _profile2) = start_browser().await;
    c2.set_window_size(1440, 900).await.unwrap();
    sign_in(&c2, &app, "admin@pv26.example").await;
    wait_for(&c2, Locator::Css(".koers-tasks")).await;
    let kinds: Vec<String> = c2
        .execute(
            "return [...document.querySelectorAll('.koers-task__kind')].map(e => e.textContent.trim());",
            vec![],
        )
        .await
        .unwrap()
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
    wait_for(&c2, Locator::Css(".koers-tasks")).await;
    let text = c2
        .find(Locator::Css(".koers-tasks"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("Data question waiting for you"), "{text}");
    check_axe(&c2, "overview (English)").await;
    c.close().await.unwrap();
    c2.close().await.unwrap();
}
