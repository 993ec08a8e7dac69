//! Data questions through the pages and the API: the workflow with the right person at each
//! step, evidence, decision and evaluation closing the policy cycle, and bad input.

use crate::helpers::{ImportOptions, TestApp, field_of_each};
use crate::session::{Resp, Session};
use serde_json::{Value, json};

#[tokio::test]
pub(crate) async fn a_question_closes_the_policy_cycle() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let task = c
        .create(
            "/api/v1/policy-tasks",
            &json!({"name": "Wegen", "theme": "roads", "goals": "Veilige wegen"}),
        )
        .await;
    let task_id = task["id"].as_str().unwrap();
    // The viewer is the analyst; the admin owns the question and decides.
    let q = c.create("/api/v1/data-questions", &json!({
        "taskId": task_id, "question": "Hoeveel kilometer weg is aan vervanging toe?", "priority": "high",
        "analyst": app.viewer_a.id, "decisionMaker": app.admin_a.id, "dueDate": "2026-12-31", "competences": ["analyse"]
    })).await;
    let qid = q["id"].as_str().unwrap().to_string();
    assert_eq!(q["status"], "asked");
    let step = |to: &str| json!({"to": to});
    let url = format!("/api/v1/data-questions/{qid}/transitions");
    assert_eq!(c.post_json(&url, &step("sharpened")).await.status(), 200);
    // Skipping a step is a conflict; nothing changes.
    assert_eq!(c.post_json(&url, &step("delivered")).await.status(), 409);
    // The data steward role is unassigned, so it falls to the owner.
    assert_eq!(c.post_json(&url, &step("data_found")).await.status(), 200);
    // Analysing is the analyst's step: the owner is refused (administrators may stand in,
    // so use the viewer's own session to prove the analyst can, after the owner cannot as
    // a non-admin would).
    let v = app.as_viewer().await;
    assert_eq!(v.post_json(&url, &step("analysed")).await.status(), 200);
    assert_eq!(v.post_json(&url, &step("delivered")).await.status(), 200);
    // The viewer is not the decision maker.
    let decide = json!({"to": "decided", "decisionDate": "2026-03-01", "decisionMaker": "GS", "decisionReference": "GS-2026-17"});
    assert_eq!(v.post_json(&url, &decide.clone()).await.status(), 403);
    // A decision needs its date, maker and reference: every missing one is listed.
    let p = c
        .post_json(&url, &json!({"to": "decided"}))
        .await
        .expect(400)
        .json();
    assert_eq!(p["invalidParams"].as_array().unwrap().len(), 3);
    assert_eq!(c.post_json(&url, &decide).await.status(), 200);
    // Its dates as people read them: the board (due), the question and its task (decided).
    let pc = app.page_as("admin@pv26.example").await;
    for page in [
        "/datavragen",
        "/datavragen?weergave=lijst",
        &format!("/datavragen/{qid}"),
    ] {
        let html = pc.page(page).await;
        assert!(html.contains(">31 december 2026</time>"), "{page}: {html}");
        assert!(!html.contains(">2026-12-31<"), "{page}: {html}");
    }
    for page in [
        format!("/datavragen/{qid}"),
        format!("/datavragen/opgaven/{task_id}"),
    ] {
        let html = pc.page(&page).await;
        assert!(html.contains(">1 maart 2026</time>"), "{page}: {html}");
    }
    // Evidence: the cycle is open at the dataset until evidence is linked.
    let cycle: Value = c.get_json(&format!("/api/v1/policy-tasks/{task_id}")).await;
    assert_eq!(cycle["questions"][0]["openAt"], "dataset");
    let analysis = app
        .save_analysis(&app.org_a.id, "Wegvakken slecht", "SELECT 1", &[])
        .await;
    let ev = format!("/api/v1/data-questions/{qid}/evidence");
    let link = async |kind: &str, target: &str| {
        c.post_json(&ev, &json!({"kind": kind, "target": target}))
            .await
            .status()
    };
    for (kind, target) in [("dataset", "nope"), ("product", "javascript:alert(1)")] {
        assert_eq!(link(kind, target).await, 400, "{kind} {target}");
    }
    let tmp = app.ws.temp_path("csv").unwrap();
    std::fs::write(&tmp, "wegvak,conditie\nN201-1,3\n").unwrap();
    let options = ImportOptions {
        generated: true,
        ..Default::default()
    };
    let (ds, _) = app
        .import_path(&app.org_a, tmp, "wegvakken", options)
        .await
        .unwrap();
    for (kind, target) in [
        ("dataset", ds.id.as_str()),
        ("analysis", analysis.as_str()),
        ("product", "/informatieproducten/wegen"),
    ] {
        assert_eq!(link(kind, target).await, 200, "{kind} {target}");
    }
    c.post_json(&url, &json!({"to": "evaluated", "evaluationChanged": "Budget naar de N201", "evaluationLearned": "Conditiedata jaarlijks verversen"})).await.assert_status(200);
    let cycle: Value = c.get_json(&format!("/api/v1/policy-tasks/{task_id}")).await;
    assert_eq!(cycle["questions"][0]["closed"], true);
    // The history says who did what.
    let detail: Value = c.get_json(&format!("/api/v1/data-questions/{qid}")).await;
    let steps = field_of_each(&detail["history"], "to_status");
    assert_eq!(
        steps,
        [
            "asked",
            "sharpened",
            "data_found",
            "analysed",
            "delivered",
            "decided",
            "evaluated"
        ]
    );
    // Nothing follows an evaluation.
    assert_eq!(
        c.post_json(&url, &json!({"to": "parked", "note": "x"}))
            .await
            .status(),
        409
    );
}

#[tokio::test]
pub(crate) async fn pages_for_the_board_list_question_and_cycle() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    // A task through the page, then bad input, then a question.
    c.post_form("/datavragen/opgaven", &[("name", ""), ("theme", "weather")])
        .await
        .assert_status(400);
    c.post_form(
        "/datavragen/opgaven",
        &[("name", "Zwemwater"), ("theme", "bathing_water")],
    )
    .await
    .assert_status(303);
    let task = app
        .store
        .questions()
        .tasks(&app.org_a.id)
        .await
        .unwrap()
        .remove(0);
    c.post_form(
        "/datavragen",
        &[
            ("taskId", task.id.as_str()),
            ("question", ""),
            ("dueDate", "morgen"),
        ],
    )
    .await
    .assert_shows(
        400,
        // The summary above the form names each field in words.
        &[
            "href=\"#question-error\">Datavraag: is verplicht</a>",
            "href=\"#dueDate-error\">Gewenst klaar: ",
            "JJJJ-MM-DD",
        ],
    );
    let r = c
        .post_form(
            "/datavragen",
            &[
                ("taskId", task.id.as_str()),
                (
                    "question",
                    "Zijn er voldoende veilige zwemwaterlocaties? <b>",
                ),
                ("priority", "normal"),
            ],
        )
        .await;
    r.assert_status(303);
    let location = r.header("location").to_string();
    let html = c.page(&location).await;
    assert!(html.contains("zwemwaterlocaties? &lt;b&gt;"));
    let r = c
        .post_form(&format!("{location}/stap"), &[("to", "parked")])
        .await;
    assert_eq!(r.status(), 400, "parking needs a reason");
    // Evidence that is no source or analysis is refused, what was typed kept in the form.
    c.post_form(
        &format!("{location}/bewijs"),
        &[("kind", "product"), ("target", "Geen bron")],
    )
    .await
    .assert_shows(
        400,
        &[
            "geef een pad in koers of een http(s)-adres",
            "name=\"target\" value=\"Geen bron\"",
        ],
    );
    c.submit(
        &format!("{location}/stap"),
        &[("to", "parked"), ("note", "wacht op RWS-data")],
    )
    .await
    .assert_status(200);
    // A comment far down the page returns to the comments, with its notice there, not at the
    // top of the page.
    let sent = c
        .post_form(
            &format!("{location}/reacties"),
            &[("body", "Zie ook de Zwemwaterkaart")],
        )
        .await;
    assert_eq!(sent.header("location"), format!("{location}#reacties"));
    let html = c.follow(sent).await.text();
    assert!(html.contains("Zwemwaterkaart"));
    let comments = &html[html.find(r#"id="reacties""#).unwrap()..];
    assert!(comments.contains("Reactie geplaatst"), "{html}");
    assert_eq!(html.matches("Reactie geplaatst").count(), 1, "{html}");
    // The comment is signed with the member's name, as the history names them.
    assert!(
        html.contains(r#"<p class="koers-hint">admin · <time"#)
            && !html.contains("admin@pv26.example · <time"),
        "{html}"
    );
    for path in [
        "/datavragen",
        "/datavragen?weergave=lijst&status=parked",
        "/datavragen/rollen",
        &format!("/datavragen/opgaven/{}", task.id),
    ] {
        let r = c.get(path).await;
        assert_eq!(r.status(), 200, "{path}");
        assert!(r.text().contains("zwemwaterlocaties"), "{path}");
    }
    // Another organisation sees none of it.
    let b = app.page_as("admin@gm0796.example").await;
    assert_eq!(b.get(&location).await.status(), 404);
    assert_eq!(
        b.post_form(&format!("{location}/reacties"), &[("body", "x")])
            .await
            .status(),
        404
    );
    assert!(!b.page("/datavragen").await.contains("zwemwaterlocaties"));
}

#[tokio::test]
async fn the_step_form_is_shown_only_to_whose_turn_it_is() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    // The viewer is the analyst; the administrator owns the question.
    let q = crate::overview::ask(
        &api,
        json!({"question": "Waar zijn de wegen slecht?", "analyst": app.viewer_a.id}),
    )
    .await;
    let path = format!("/datavragen/{}", q["id"].as_str().unwrap());
    let viewer = app.page_as("viewer@pv26.example").await;
    let html = viewer.page(&path).await;
    assert!(
        !html.contains("/stap\""),
        "no step form for the viewer: {html}"
    );
    assert!(html.contains("De volgende stap is aan"), "{html}");
    assert!(html.contains("(Vraageigenaar): Aangescherpt."), "{html}");
    // The owner gets the form.
    let owner = app.page_as("admin@pv26.example").await;
    assert!(owner.page(&path).await.contains("/stap\""));
}

#[tokio::test]
async fn evidence_is_chosen_by_name_on_the_page() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    let q = crate::overview::ask(&api, json!({"question": "Hoe veilig is het zwemwater?"})).await;
    let analysis = app
        .save_analysis(&app.org_a.id, "Zwemplekken per gemeente", "SELECT 1", &[])
        .await;
    let path = format!("/datavragen/{}", q["id"].as_str().unwrap());
    let page = app.page_as("admin@pv26.example").await;
    let html = page.page(&path).await;
    // The list shows the analysis by its title; the value carries the id.
    assert!(
        html.contains(&format!(
            r#"<option value="analysis:{}">Zwemplekken per gemeente</option>"#,
            analysis
        )),
        "{html}"
    );
    choose_evidence(&page, &path, &format!("analysis:{analysis}"))
        .await
        .assert_shows(200, &["Zwemplekken per gemeente"]);
    // Neither chosen nor typed: the page says what is missing.
    page.post_form(
        &format!("{path}/bewijs"),
        &[("evidence", ""), ("kind", "product"), ("target", "")],
    )
    .await
    .assert_status(400);
}

/// Sends the evidence form of the question page at `path` with `evidence` chosen in its list.
async fn choose_evidence(page: &Session, path: &str, evidence: &str) -> Resp {
    let form = [("evidence", evidence), ("kind", "product"), ("target", "")];
    page.submit(&format!("{path}/bewijs"), &form).await
}

/// A monitor, indicator or dashboard of koers is linked as the product by choosing its name,
/// and shown by its name, also when its page's address is given
/// through the API; a web address elsewhere stays as typed; another organisation's product
/// is unknown here and changes nothing.
#[tokio::test]
async fn a_product_of_koers_is_linked_and_shown_by_its_name() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    let q = crate::overview::ask(&api, json!({"question": "Hoe druk is het op de N201?"})).await;
    let qid = q["id"].as_str().unwrap();
    let monitor = api
        .create("/api/v1/monitors", &json!({"name": "Monitor wegen"}))
        .await;
    let mid = monitor["id"].as_str().unwrap();
    let path = format!("/datavragen/{qid}");
    let page = app.page_as("admin@pv26.example").await;
    let html = page.page(&path).await;
    assert!(
        html.contains(&format!(
            r#"<optgroup label="Monitoren"><option value="monitor:{mid}">Monitor wegen</option>"#
        )),
        "{html}"
    );
    choose_evidence(&page, &path, &format!("monitor:{mid}"))
        .await
        .assert_shows(
        200,
        &[&format!(
            r#"informatieproduct: <a class="utrecht-link" href="&#x2f;informatieproducten&#x2f;monitoren&#x2f;{mid}">Monitor wegen</a>"#
        )],
    );

    // Through the API: a page of koers by its name, a web address by itself.
    let ev = format!("/api/v1/data-questions/{qid}/evidence");
    let other = app.api_as("admin@gm0796.example").await;
    let theirs = other
        .create("/api/v1/monitors", &json!({"name": "Hun monitor"}))
        .await;
    let theirs = format!(
        "/informatieproducten/monitoren/{}",
        theirs["id"].as_str().unwrap()
    );
    for (kind, target) in [("product", theirs.as_str()), ("monitor", "onbekend")] {
        let e = api
            .post_json(&ev, &json!({"kind": kind, "target": target}))
            .await
            .expect(400)
            .json();
        assert_eq!(e["invalidParams"][0]["name"], "target", "{e}");
    }
    let snapshot = api
        .create(
            &format!("/api/v1/monitors/{mid}/snapshots"),
            &json!({"note": "GS 12 maart"}),
        )
        .await;
    for target in [
        format!("/informatieproducten/monitoren/{mid}?jaar=2025"),
        format!(
            "/informatieproducten/momentopnamen/{}",
            snapshot["id"].as_str().unwrap()
        ),
        "https://www.provincie-utrecht.nl/wegen".to_string(),
    ] {
        api.post_json(&ev, &json!({"kind": "product", "target": target}))
            .await
            .assert_status(200);
    }
    let detail: Value = api.get_json(&format!("/api/v1/data-questions/{qid}")).await;
    let labels = field_of_each(&detail["evidence"], "label");
    assert_eq!(
        labels,
        [
            "Monitor wegen",
            "Monitor wegen",
            "Monitor wegen (GS 12 maart)",
            "https://www.provincie-utrecht.nl/wegen"
        ],
        "{detail}"
    );
}
