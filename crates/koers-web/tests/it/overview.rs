//! The overview: each member's own task list, most urgent first, built from every module as
//! the person whose turn it is; the same list in the API; nobody sees another
//! organisation's work.

use crate::helpers::{TestApp, field_of_each};
use crate::register::{application, board_member, choice};
use crate::session::Session;
use serde_json::{Value, json};

fn kinds(tasks: &Value) -> Vec<&str> {
    field_of_each(tasks, "kind")
}

/// A data question under a new policy task, asked by the session's user with `fields`
/// (`question` and any roles or due date); its JSON.
pub(crate) async fn ask(api: &Session, fields: Value) -> Value {
    let task = json!({"name": "Wegen", "theme": "roads", "goals": "Veilige wegen"});
    api.ask_question(task, fields).await
}

/// A choice the default framework routes to the board, on a new application: its
/// application id and id.
pub(crate) async fn board_choice(api: &Session) -> (String, String) {
    let a = api.create("/api/v1/applications", &application()).await;
    let aid = a["id"].as_str().unwrap().to_string();
    let ch = api
        .create(&format!("/api/v1/applications/{aid}/choices"), &choice())
        .await;
    (aid, ch["id"].as_str().unwrap().to_string())
}

/// Records advice on the choice, which puts it before the board — by an analyst, as the
/// proposer does not advise on their own choice (four eyes).
/// The organisation's adviser (an analyst), made on first use; their e-mail address.
pub(crate) async fn adviser(app: &TestApp) -> String {
    let email = "adviseur@pv26.example";
    if app.user_by_email(email).await.is_none() {
        app.add_user(email, koers_core::Role::Analyst).await;
    }
    email.to_string()
}

pub(crate) async fn advise(app: &TestApp, aid: &str, cid: &str) {
    let api = app.api_as(&adviser(app).await).await;
    api.post_json(
        &format!("/api/v1/applications/{aid}/choices/{cid}/transitions"),
        &json!({"to": "advised", "advice": "Doen.", "adviser": "CIO-office"}),
    )
    .await
    .assert_status(200);
}

#[tokio::test]
async fn each_member_sees_the_work_that_waits_on_them() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let admin = app.as_admin().await;
    let viewer = app.as_viewer().await;
    let board = app.api_as("bestuur@pv26.example").await;
    // Nothing yet: an empty list, for everyone.
    assert_eq!(admin.get_json("/api/v1/tasks").await, json!([]));

    // A question owned by the administrator, analysed by the viewer, overdue.
    let q = ask(
        &admin,
        json!({
            "question": "Hoeveel kilometer weg is aan vervanging toe?",
            "analyst": app.viewer_a.id, "dueDate": "2026-01-31"
        }),
    )
    .await;
    let qid = q["id"].as_str().unwrap();
    let tasks = admin.get_json("/api/v1/tasks").await;
    assert_eq!(kinds(&tasks), ["question_step"]);
    assert_eq!(
        tasks[0]["title"],
        "Hoeveel kilometer weg is aan vervanging toe?"
    );
    assert_eq!(tasks[0]["step"], "sharpened");
    assert_eq!(tasks[0]["overdue"], true);
    assert_eq!(tasks[0]["link"], format!("/datavragen/{qid}"));
    // The analyst's turn has not come.
    assert_eq!(viewer.get_json("/api/v1/tasks").await, json!([]));
    let url = format!("/api/v1/data-questions/{qid}/transitions");
    for to in ["sharpened", "data_found"] {
        admin
            .post_json(&url, &json!({"to": to}))
            .await
            .assert_status(200);
    }
    // Now it waits on the analyst, not on the owner.
    let tasks = viewer.get_json("/api/v1/tasks").await;
    assert_eq!(kinds(&tasks), ["question_step"]);
    assert_eq!(tasks[0]["step"], "analysed");
    assert_eq!(admin.get_json("/api/v1/tasks").await, json!([]));

    // A choice routed to the board: advice first (those who record choices), then the
    // board decides; the overdue question step stays on top.
    let (aid, cid) = board_choice(&admin).await;
    // Not the proposer: another who records choices advises (four eyes).
    assert_eq!(admin.get_json("/api/v1/tasks").await, json!([]));
    let analyst = app.api_as(&adviser(&app).await).await;
    let tasks = analyst.get_json("/api/v1/tasks").await;
    assert_eq!(kinds(&tasks), ["advise"]);
    assert_eq!(tasks[0]["step"], "board");
    assert_eq!(
        tasks[0]["link"],
        format!("/toepassingen/{aid}/keuzes/{cid}")
    );
    assert_eq!(board.get_json("/api/v1/tasks").await, json!([]));
    advise(&app, &aid, &cid).await;
    let tasks = board.get_json("/api/v1/tasks").await;
    assert_eq!(kinds(&tasks), ["decide"]);
    assert_eq!(
        tasks[0]["link"],
        format!("/toepassingen/bestuursagenda#besluit-{cid}")
    );
    // Administrators do not decide for the board.
    assert_eq!(admin.get_json("/api/v1/tasks").await, json!([]));
    assert_eq!(
        kinds(&viewer.get_json("/api/v1/tasks").await),
        ["question_step"]
    );

    // Another organisation sees none of it.
    let other = app.api_as("admin@gm0796.example").await;
    assert_eq!(other.get_json("/api/v1/tasks").await, json!([]));
    // Signed out: a problem, not a list.
    let r = app.anonymous().get("/api/v1/tasks").await;
    r.assert_status(401);
    assert!(
        r.header("content-type")
            .starts_with("application/problem+json")
    );
}

#[tokio::test]
async fn the_overview_page_lists_the_tasks_in_either_language() {
    let app = TestApp::spawn().await;
    let admin = app.page_as("admin@pv26.example").await;
    // Nothing to do: the page says so and where to begin.
    let html = admin.page("/").await;
    assert!(html.contains("Er wacht nu niets op u"), "{html}");
    assert!(html.contains(r#"href="/bronnen""#));
    let api = app.as_admin().await;
    let q = ask(
        &api,
        json!({"question": "Zijn er <genoeg> zwemplekken?", "dueDate": "2026-01-31"}),
    )
    .await;
    let html = admin.page("/").await;
    assert!(html.contains("Datavraag wacht op u"), "{html}");
    assert!(html.contains("Volgende stap: Aangescherpt"));
    assert!(html.contains("te laat"));
    assert!(html.contains("31 januari 2026"));
    // The question's own text is escaped.
    assert!(html.contains("Zijn er &lt;genoeg&gt; zwemplekken?"));
    // Links built in koers are escaped as every value is (`/` as `&#x2f;`).
    let link = format!("/datavragen/{}", q["id"].as_str().unwrap());
    assert!(
        html.replace("&#x2f;", "/")
            .contains(&format!(r#"href="{link}""#))
    );
    // The viewer may ask no questions and import nothing: no such invitations.
    let viewer = app.page_as("viewer@pv26.example").await;
    let html = viewer.page("/").await;
    assert!(html.contains("Er wacht nu niets op u"));
    assert!(!html.contains("/datavragen/nieuw"));
    assert!(!html.contains(r#"href="/bronnen""#) || !html.contains("Een bron importeren"));
    // In English.
    admin.get("/lang/en?next=/").await;
    let html = admin.page("/").await;
    assert!(html.contains("Data question waiting for you"), "{html}");
    assert!(html.contains("Next step: Sharpened"), "{html}");
    assert!(html.contains("31 January 2026"));
}
