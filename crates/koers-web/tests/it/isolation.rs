//! Organisations are isolated: a user of one organisation gets 404 for every object of
//! another, on every route of the API (walked from the OpenAPI document, so a new route
//! is covered the day it is documented) and of the pages.

use crate::helpers::{PASSWORD, TestApp};
use serde_json::{Value, json};

/// One object of organisation A of every kind a path parameter names, by id.
pub(crate) struct ObjectsOfA {
    pub org: String,
    pub user: String,
    pub dataset: String,
    pub analysis: String,
    pub job: String,
    pub task: String,
    pub question: String,
    pub application: String,
    pub choice: String,
    /// A meeting with the choice on its agenda.
    pub meeting: String,
    pub indicator: String,
    pub monitor: String,
    pub attachment: String,
    pub notification: String,
    pub snapshot: String,
    pub m_round: String,
    pub m_participant: String,
    pub m_source: String,
    pub m_code: String,
    pub m_item: String,
    pub learning: crate::learning::LearningOfA,
    pub dashboard: String,
    /// A personal API token of A's viewer.
    pub token: String,
    /// A guest's invitation to the question, and its link's token.
    pub grant: String,
    pub invitation: String,
}

/// Creates one object of every kind in organisation A.
pub(crate) async fn objects_of_a(app: &TestApp) -> ObjectsOfA {
    // Objects of A of every kind: a private dataset, a saved analysis, a job.
    let dataset = app
        .import(&app.org_a, "geheim", "csv", "gm,naam\nGM0344,Utrecht\n")
        .await;
    let analysis = app
        .save_analysis(&app.org_a.id, "Geheim", "SELECT * FROM geheim", &[])
        .await;
    let job = app.ws.jobs.start(&app.org_a.id, "geheim.csv");
    let task = app
        .store
        .questions()
        .create_task(
            &app.org_a.id,
            &koers_core::questions::TaskDraft::parse("Wegen", "roads", "", "").unwrap(),
            None,
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let question = app
        .store
        .questions()
        .create_question(
            &app.org_a.id,
            &task.id,
            &koers_core::questions::QuestionDraft::parse(
                "Geheime vraag?",
                "",
                "",
                "",
                "normal",
                &[],
            )
            .unwrap(),
            &koers_core::questions::Assignments {
                question_owner: Some(app.admin_a.id.clone()),
                ..Default::default()
            },
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let (application, choice) = crate::register::objects_of_a(app).await;
    let admin = app.as_admin().await;
    let meeting = admin
        .create(
            "/api/v1/meetings",
            &serde_json::json!({"body": "Gedeputeerde Staten", "heldOn": "2026-03-12"}),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    admin
        .post_json(
            &format!("/api/v1/meetings/{meeting}/items"),
            &serde_json::json!({"choiceId": choice}),
        )
        .await
        .assert_status(200);
    let indicator = app
        .store
        .indicators()
        .create_indicator(
            &app.org_a.id,
            &koers_core::indicators::IndicatorDraft::parse(
                &koers_core::indicators::IndicatorInput {
                    name: "Geheim getal".into(),
                    unit: "stuks".into(),
                    analysis_id: analysis.clone(),
                    period_column: "gm".into(),
                    value_column: "naam".into(),
                    grain: "year".into(),
                    direction: "up".into(),
                    green: "2".into(),
                    amber: "1".into(),
                    ..Default::default()
                },
            )
            .unwrap(),
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let monitor = app
        .store
        .indicators()
        .create_monitor(
            &app.org_a.id,
            &koers_core::indicators::MonitorDraft::parse(
                "Geheim",
                "",
                std::slice::from_ref(&indicator.id),
            )
            .unwrap(),
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let attachment = app
        .store
        .questions()
        .add_attachment(
            &question,
            &koers_store::questions::NewAttachment {
                file_name: "geheim.pdf".into(),
                content_type: "application/pdf".into(),
                size_bytes: 5,
                sha256: "0".repeat(64),
                stored_as: "0".repeat(64),
            },
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    app.store
        .notifications()
        .notify(
            &app.org_a.id,
            std::slice::from_ref(&app.viewer_a.id),
            &koers_store::Actor::cli(),
            "question.commented",
            &json!({"question": "Geheime vraag?"}),
            "/datavragen/x",
        )
        .await
        .unwrap();
    let notification = app.notifications_of(&app.viewer_a.id, 1).await.remove(0);
    let snapshot = app
        .store
        .snapshots()
        .create_snapshot(
            &app.org_a.id,
            &koers_store::snapshots::NewSnapshot {
                subject_kind: "monitor",
                subject_id: &monitor.id,
                title: "Geheim",
                note: "",
                content: &koers_core::snapshot::Frozen::of(&json!({})),
            },
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap();
    let (m_round, m_participant, m_source) = crate::maturity::objects_of_a(app).await;
    let m_code = {
        let round = app.round(&m_round).await;
        app.store
            .maturity()
            .codes(&round)
            .await
            .unwrap()
            .remove(0)
            .id
    };
    let m_item = {
        let round = app.round(&m_round).await;
        app.store
            .maturity()
            .items(&round)
            .await
            .unwrap()
            .remove(0)
            .id
    };
    let learning = crate::learning::objects_of_a(app).await;
    let dashboard = app
        .store
        .dashboards()
        .create_dashboard(
            &app.org_a.id,
            &app.viewer_a.id,
            &koers_store::dashboards::DashboardSave {
                name: "Geheim",
                description: "",
                definition: &koers_core::dashboards::Definition::default(),
                note: "",
            },
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap()
        .id;
    let token = app.token_for(&app.viewer_a, &app.org_a.id, "read").await;
    let token = koers_core::tokens::split(&token).unwrap().0.to_string();
    let invitation = koers_core::secret::new_token();
    let grant = app
        .store
        .guests()
        .invite(
            &app.org_a.id,
            (koers_core::guests::GuestObject::Question, &question.id),
            &koers_core::guests::GuestInvite::parse(
                "partner@elders.example",
                "Partner",
                "Elders",
                &["comment".into()],
                "",
            )
            .unwrap(),
            &koers_core::secret::token_digest(&invitation),
            &koers_store::Actor::cli(),
        )
        .await
        .unwrap()
        .id;
    ObjectsOfA {
        org: app.org_a.id.clone(),
        user: app.viewer_a.id.clone(),
        dataset: dataset.id,
        analysis,
        job: job.id.clone(),
        task: task.id,
        question: question.id,
        application,
        choice,
        meeting,
        indicator: indicator.id,
        monitor: monitor.id,
        attachment: attachment.id,
        notification: notification.id,
        snapshot: snapshot.id,
        m_round,
        m_participant,
        m_source,
        m_code,
        m_item,
        learning,
        dashboard,
        token,
        grant,
        invitation,
    }
}

/// `path` of the OpenAPI document with every parameter filled in with A's objects.
pub(crate) fn concrete(path: &str, o: &ObjectsOfA) -> String {
    path.replace("{organisationId}", &o.org)
        .replace("{userId}", &o.user)
        .replace("{datasetId}", &o.dataset)
        .replace("{analysisId}", &o.analysis)
        .replace("{jobId}", &o.job)
        .replace("{applicationId}", &o.application)
        .replace("{choiceId}", &o.choice)
        .replace("{meetingId}", &o.meeting)
        .replace("{taskId}", &o.task)
        .replace("{questionId}", &o.question)
        .replace("{indicatorId}", &o.indicator)
        .replace("{monitorId}", &o.monitor)
        .replace("{attachmentId}", &o.attachment)
        .replace("{notificationId}", &o.notification)
        .replace("{snapshotId}", &o.snapshot)
        .replace("{roundId}", &o.m_round)
        .replace("{participantId}", &o.m_participant)
        .replace("{sourceId}", &o.m_source)
        .replace("{codeId}", &o.m_code)
        .replace("{itemId}", &o.m_item)
        .replace("{programmeId}", &o.learning.programme)
        .replace("{cohortId}", &o.learning.cohort)
        .replace("{groupId}", &o.learning.group)
        .replace("{participantId}", &o.learning.participant)
        .replace("{projectId}", &o.learning.project)
        .replace("{moduleId}", &o.learning.module)
        .replace("{contentId}", &o.learning.content)
        .replace("{sessionId}", &o.learning.session)
        .replace("{dashboardId}", &o.dashboard)
        .replace("{tokenId}", &o.token)
        .replace("{grantId}", &o.grant)
        .replace("{memberId}", &o.org)
        .replace("{dimensionKey}", "vision")
        .replace("{token}", &o.invitation)
        .replace("{orgCode}", "PV26")
        .replace("{column}", "naam")
        .replace("{version}", "1")
        .replace("{z}/{x}/{y}", "0/0/0")
}

#[tokio::test]
pub(crate) async fn every_api_route_hides_another_organisations_objects() {
    let app = TestApp::spawn().await;
    let o = objects_of_a(&app).await;
    let doc = app.openapi().await;
    // The intruder administers organisation B and has every right there.
    let c = app.api_as("admin@gm0796.example").await;
    let members_before = app.member_count().await;
    let roles_before = app.roles_of(&app.viewer_a.id, &app.org_a.id).await;
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        if !path.contains('{') {
            continue;
        }
        let concrete = concrete(path, &o);
        assert!(
            !concrete.contains('{'),
            "the walk does not know a parameter of {path}"
        );
        for (method, op) in item.as_object().unwrap() {
            // What an organisation publishes (its public decisions) is for everyone.
            if op["security"] == json!([{}]) {
                continue;
            }
            let url = app.url(&format!("/api/v1{concrete}"));
            let req = crate::helpers::request(c.client(), method, &url);
            let body = json!({"email": "spion@gm0796.example", "displayName": "Spion", "roles": ["administrator"], "password": PASSWORD,
                "title": "gekaapt", "sql": "SELECT 1", "publisher": "x", "theme": "GOVE", "licence": "CC0-1.0", "accessRights": "public", "cadence": "NEVER"});
            let r = req
                .header("x-csrf-token", c.csrf())
                .json(&body)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 404, "{method} {path}");
            walked += 1;
        }
    }
    assert!(walked >= 15, "walked only {walked} routes");
    // Lists and queries do not reach A's objects either.
    let list: Value = c.get_json("/api/v1/datasets").await;
    assert_eq!(list, json!([]));
    let list: Value = c.get_json("/api/v1/analyses").await;
    assert_eq!(list, json!([]));
    c.post_json("/api/v1/queries", &json!({"sql": "SELECT * FROM geheim"}))
        .await
        .assert_status(400);
    assert_eq!(
        app.store
            .catalog()
            .analysis(&app.org_a.id, &o.analysis)
            .await
            .unwrap()
            .title,
        "Geheim"
    );
    assert_eq!(app.dataset(&o.dataset).await.meta.title, "geheim");
    assert!(app.dataset(&o.dataset).await.column_labels.is_empty());
    // Lists show only the intruder's own organisation.
    let orgs: Value = c.get_json("/api/v1/organisations").await;
    assert_eq!(orgs.as_array().unwrap().len(), 1);
    assert_eq!(orgs[0]["id"], app.org_b.id.as_str());
    // Switching into A is refused as well.
    c.patch_json(
        "/api/v1/sessions/current",
        &json!({"organisationId": app.org_a.id}),
    )
    .await
    .assert_status(404);
    // And nothing changed in A.
    assert_eq!(app.member_count().await, members_before);
    assert_eq!(
        app.roles_of(&app.viewer_a.id, &app.org_a.id).await,
        roles_before
    );
}

#[tokio::test]
async fn every_page_route_hides_another_organisations_objects() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@gm0796.example").await;
    let a_user = &app.viewer_a.id;
    for path in [
        format!("/organisatie/leden/{a_user}/rollen"),
        format!("/organisatie/leden/{a_user}/verwijderen"),
    ] {
        let r = c.post_form(&path, &[("roles", "administrator")]).await;
        assert_eq!(r.status(), 404, "{path}");
        assert!(r.text().contains("Pagina niet gevonden"));
    }
    c.post_form("/organisatie/wisselen", &[("orgId", app.org_a.id.as_str())])
        .await
        .assert_status(404);
    // The organisation page and the audit log show B's own data only.
    for path in ["/organisatie", "/organisatie/logboek", "/"] {
        let html = c.page(path).await;
        assert!(
            !html.contains("viewer@pv26.example"),
            "{path} leaks a member of A"
        );
        assert!(
            !html.contains("Provincie Utrecht"),
            "{path} leaks organisation A"
        );
    }
    assert_eq!(
        app.roles_of(a_user, &app.org_a.id).await,
        vec![koers_core::Role::Viewer]
    );
}
