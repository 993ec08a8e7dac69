//! The learning track through the API: programme, cohort import (good and bad files),
//! balanced split, capacity under concurrent enrolment, attendance and progress, projects
//! linked to a data question and a monitor of the same organisation only, the completion
//! rule and the certificate PDF, and another organisation's objects.

use crate::helpers::TestApp;
use serde_json::{Value, json};

/// Learning objects of organisation A: (programme, cohort, group, participant, project).
pub async fn objects_of_a(app: &TestApp) -> (String, String, String, String, String) {
    use koers_core::learning::*;
    let actor = koers_store::Actor::cli();
    let d = ProgrammeDraft::parse("Geheime leergang", "", "", "", true).unwrap();
    let p = app
        .store
        .learning()
        .create_programme(&app.org_a.id, &d, &d.default_modules(), &actor)
        .await
        .unwrap();
    let c = app
        .store
        .learning()
        .create_cohort(&p, &CohortDraft::parse("2026", "", "").unwrap(), &actor)
        .await
        .unwrap();
    let people = parse_roster(
        "naam,e-mail,afdeling,rol\nGeheim,geheim@pv26.example,ICT,teamleider\n",
        &Default::default(),
    )
    .unwrap();
    app.store
        .learning()
        .import_participants(&c, &people, false, &actor)
        .await
        .unwrap();
    let participant = app
        .store
        .learning()
        .participants(&c)
        .await
        .unwrap()
        .remove(0);
    let g = app
        .store
        .learning()
        .add_group(&c, &GroupDraft::parse("A", "", 20).unwrap(), &actor)
        .await
        .unwrap();
    let x = app
        .store
        .learning()
        .create_project(
            &c,
            &ProjectDraft::parse("Geheim project", "", "", "").unwrap(),
            &Default::default(),
            &actor,
        )
        .await
        .unwrap();
    (p.id, c.id, g.id, participant.id, x.id)
}

struct Api {
    c: reqwest::Client,
    csrf: String,
    base: String,
}

impl Api {
    async fn login(app: &TestApp, email: &str) -> Api {
        let (c, csrf) = app.api_login(email).await;
        Api {
            c,
            csrf,
            base: app.url("/api/v1"),
        }
    }

    async fn post(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn put(&self, path: &str, body: Value) -> (u16, Value) {
        let r = self
            .c
            .put(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn csv(&self, path: &str, body: &str) -> (u16, Value) {
        let r = self
            .c
            .post(format!("{}{path}", self.base))
            .header("x-csrf-token", &self.csrf)
            .header("content-type", "text/csv")
            .body(body.to_string())
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self
            .c
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

/// A roster of `n` participants over five departments and three roles.
fn roster(n: usize) -> String {
    let mut s = String::from("naam,e-mail,afdeling,rol\n");
    for i in 0..n {
        s.push_str(&format!(
            "Deelnemer {i},d{i}@pv26.example,Afdeling {},Rol {}\n",
            i % 5,
            i % 3
        ));
    }
    s
}

async fn programme_and_cohort(a: &Api, capacity: &str) -> (Value, Value) {
    let (s, p) = a
        .post(
            "/learning/programmes",
            json!({"name": "Digitaal Leiderschap", "dimensions": ["Visie", "Sturen", "Ethiek"], "requiresProject": true}),
        )
        .await;
    assert_eq!(s, 201, "{p}");
    let pid = p["id"].as_str().unwrap();
    let (s, c) = a
        .post(
            &format!("/learning/programmes/{pid}/cohorts"),
            json!({"name": "Cohort 2026", "capacity": capacity}),
        )
        .await;
    assert_eq!(s, 201, "{c}");
    (p, c)
}

#[tokio::test]
async fn import_split_and_bad_files() {
    let app = TestApp::spawn().await;
    let a = Api::login(&app, "admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "").await;
    let (_, detail) = a
        .get(&format!(
            "/learning/programmes/{}",
            p["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(detail["modules"].as_array().unwrap().len(), 5);
    assert_eq!(detail["modules"][3]["dimension"], "Visie");
    let cid = c["id"].as_str().unwrap();
    let path = format!("/learning/cohorts/{cid}/participants");

    // Every bad row is reported with its line, and nothing is imported.
    let bad = "naam,e-mail,afdeling,rol\nAnna,anna@pv26.example,ICT,teamleider\n,geen-adres,ICT,x\nBert,anna@pv26.example,ICT,x\n";
    let (s, problem) = a.csv(&path, bad).await;
    assert_eq!(s, 400);
    let reasons: Vec<&str> = problem["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["reason"].as_str().unwrap())
        .collect();
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].starts_with("regel 3"));
    assert!(reasons[2].starts_with("regel 4"));
    let (_, cohort) = a.get(&format!("/learning/cohorts/{cid}")).await;
    assert_eq!(cohort["participants"], json!([]));
    // A wrong type, a missing header, a file too large.
    let (s, _) = a.post(&path, json!({"csv": "x"})).await;
    assert_eq!(s, 415);
    let (s, problem) = a.csv(&path, "name;email\nA;a@b.nl\n").await;
    assert_eq!(s, 400);
    assert_eq!(problem["invalidParams"][0]["code"], "header");
    let (s, _) = a.csv(&path, &"x".repeat(600 * 1024)).await;
    assert_eq!(s, 413);

    // 143 good rows: split into 8 groups of 17 or 18, departments spread.
    let (s, out) = a.csv(&path, &roster(143)).await;
    assert_eq!(s, 201, "{out}");
    assert_eq!(out["imported"], 143);
    let (s, groups) = a
        .post(&format!("/learning/cohorts/{cid}/split"), json!({}))
        .await;
    assert_eq!(s, 200, "{groups}");
    let sizes: Vec<u64> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["filled"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 8);
    assert!(sizes.iter().all(|n| (17..=18).contains(n)), "{sizes:?}");
    let (_, cohort) = a.get(&format!("/learning/cohorts/{cid}")).await;
    let people = cohort["participants"].as_array().unwrap();
    assert!(people.iter().all(|p| p["groupId"].is_string()));
    // Importing the same people again is refused row by row.
    let (s, problem) = a.csv(&path, &roster(2)).await;
    assert_eq!(s, 400);
    assert_eq!(problem["invalidParams"].as_array().unwrap().len(), 2);

    // A viewer may read programmes, not run them or see the cohort.
    let v = Api::login(&app, "viewer@pv26.example").await;
    let (s, _) = v.post("/learning/programmes", json!({"name": "Nee"})).await;
    assert_eq!(s, 403);
    let (s, _) = v.get(&format!("/learning/cohorts/{cid}")).await;
    assert_eq!(s, 403);
    // Unknown ids are 404.
    let (s, _) = a.get("/learning/cohorts/onbekend").await;
    assert_eq!(s, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
pub(crate) async fn capacity_holds_under_concurrent_enrolment() {
    let app = TestApp::spawn().await;
    let a = Api::login(&app, "admin@pv26.example").await;
    let (_, c) = programme_and_cohort(&a, "6").await;
    let cid = c["id"].as_str().unwrap().to_string();
    let (s, _) = a
        .csv(
            &format!("/learning/cohorts/{cid}/participants"),
            &roster(30),
        )
        .await;
    assert_eq!(s, 201);
    let (s, g) = a
        .post(
            &format!("/learning/cohorts/{cid}/groups"),
            json!({"name": "Groep A"}),
        )
        .await;
    assert_eq!(s, 201, "{g}");
    let gid = g["id"].as_str().unwrap().to_string();
    let (_, cohort) = a.get(&format!("/learning/cohorts/{cid}")).await;
    let ids: Vec<String> = cohort["participants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["id"].as_str().unwrap().to_string())
        .collect();
    let a = std::sync::Arc::new(a);
    let mut tasks = Vec::new();
    for id in ids {
        let (a, gid) = (a.clone(), gid.clone());
        tasks.push(tokio::spawn(async move {
            a.post(
                &format!("/learning/groups/{gid}/enrolments"),
                json!({"participantId": id}),
            )
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        let (s, body) = t.await.unwrap();
        assert_eq!(s, 200, "{body}");
        outcomes.push(body["outcome"].as_str().unwrap().to_string());
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "placed").count(), 6);
    assert_eq!(outcomes.iter().filter(|o| *o == "waiting").count(), 24);
    let (_, cohort) = a.get(&format!("/learning/cohorts/{cid}")).await;
    let people = cohort["participants"].as_array().unwrap();
    assert_eq!(
        people
            .iter()
            .filter(|p| p["groupId"] == gid.as_str())
            .count(),
        6
    );
    assert_eq!(
        people
            .iter()
            .filter(|p| p["waitingFor"] == gid.as_str())
            .count(),
        24
    );
    assert_eq!(cohort["groups"][0]["filled"], 6);
}

#[tokio::test]
pub(crate) async fn completion_rule_certificate_and_links() {
    let app = TestApp::spawn().await;
    let a = Api::login(&app, "admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "").await;
    let pid = p["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let (s, session) = a
        .post(
            &format!("/learning/programmes/{pid}/sessions"),
            json!({"title": "Aftrap", "date": "2026-02-03", "startTime": "15:00", "endTime": "16:30", "link": "https://vergaderen.example/x", "afterModule": "0"}),
        )
        .await;
    assert_eq!(s, 201, "{session}");
    let (s, problem) = a
        .post(
            &format!("/learning/programmes/{pid}/sessions"),
            json!({"title": "", "date": "2026-02-30", "startTime": "15:00", "endTime": "14:00", "link": "http://x"}),
        )
        .await;
    assert_eq!(s, 400);
    assert_eq!(problem["invalidParams"].as_array().unwrap().len(), 4);
    a.csv(
        &format!("/learning/cohorts/{cid}/participants"),
        "naam,e-mail,afdeling,rol\nBea Beheer,admin@pv26.example,ICT,teamleider\n",
    )
    .await;
    let (_, cohort) = a.get(&format!("/learning/cohorts/{cid}")).await;
    let me = cohort["participants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Nothing done yet: no certificate, and the reasons are named.
    let r =
        a.c.get(app.url(&format!("/api/v1/learning/participants/{me}/certificate")))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 409);
    let problem: Value = r.json().await.unwrap();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("0 van de 5 modules"), "{detail}");
    assert!(detail.contains("maakproject"), "{detail}");

    // Progress on every module, attendance at the one session.
    let (_, prog) = a.get(&format!("/learning/programmes/{pid}")).await;
    for m in prog["modules"].as_array().unwrap() {
        let (s, b) = a
            .post(
                &format!("/learning/participants/{me}/progress"),
                json!({"moduleId": m["id"], "status": "done"}),
            )
            .await;
        assert_eq!(s, 204, "{b}");
    }
    let (s, _) = a
        .post(
            &format!("/learning/participants/{me}/attendance"),
            json!({"sessionId": session["id"], "status": "maybe"}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = a
        .post(
            &format!("/learning/participants/{me}/attendance"),
            json!({"sessionId": "onbekend", "status": "present"}),
        )
        .await;
    assert_eq!(s, 400);
    let (s, _) = a
        .post(
            &format!("/learning/participants/{me}/attendance"),
            json!({"sessionId": session["id"], "status": "present"}),
        )
        .await;
    assert_eq!(s, 204);

    // A project on a question (M4) and a monitor (M3) of the organisation; those of another
    // organisation cannot be linked.
    let (_, task) = a
        .post(
            "/policy-tasks",
            json!({"name": "Mobiliteit", "theme": "mobility"}),
        )
        .await;
    let (_, question) = a
        .post(
            "/data-questions",
            json!({"taskId": task["id"], "question": "Hoe druk is het op de N201?"}),
        )
        .await;
    let (s, monitor) = a
        .post(
            "/monitors",
            json!({"name": "Tijdmachine", "indicatorIds": []}),
        )
        .await;
    assert_eq!(s, 201, "{monitor}");
    let b = Api::login(&app, "admin@gm0796.example").await;
    let (_, task_b) = b
        .post(
            "/policy-tasks",
            json!({"name": "Wonen", "theme": "housing"}),
        )
        .await;
    let (_, question_b) = b
        .post(
            "/data-questions",
            json!({"taskId": task_b["id"], "question": "Van B?"}),
        )
        .await;
    let (_, monitor_b) = b.post("/monitors", json!({"name": "Van B"})).await;
    let (s, problem) = a
        .post(
            &format!("/learning/cohorts/{cid}/projects"),
            json!({"title": "Kaping", "questionId": question_b["id"], "productKind": "monitor", "productId": monitor_b["id"]}),
        )
        .await;
    assert_eq!(s, 400);
    let names: Vec<&str> = problem["invalidParams"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["questionId", "productId"]);
    let (s, project) = a
        .post(
            &format!("/learning/cohorts/{cid}/projects"),
            json!({"title": "Mobiliteitsdashboard", "questionId": question["id"], "members": [me],
                   "students": ["Eva Willems; JADS"]}),
        )
        .await;
    assert_eq!(s, 201, "{project}");
    assert_eq!(project["questionId"], question["id"]);
    assert_eq!(project["students"][0]["institution"], "JADS");
    let xid = project["id"].as_str().unwrap();
    let (s, done) = a
        .put(
            &format!("/learning/projects/{xid}"),
            json!({"title": "Mobiliteitsdashboard", "status": "delivered", "outcome": "In gebruik",
                   "questionId": question["id"], "productKind": "monitor", "productId": monitor["id"], "members": [me]}),
        )
        .await;
    assert_eq!(s, 200, "{done}");
    assert_eq!(done["productId"], monitor["id"]);
    // B cannot reach A's project or participant.
    let (s, _) = b.get(&format!("/learning/projects/{xid}")).await;
    assert_eq!(s, 404);
    let (s, _) = b
        .get(&format!("/learning/participants/{me}/certificate"))
        .await;
    assert_eq!(s, 404);

    // Now complete: the participant's own view says so, and the certificate reads back.
    let (_, mine) = a.get("/learning/me").await;
    assert_eq!(mine[0]["complete"], true, "{mine}");
    let r =
        a.c.get(app.url(&format!("/api/v1/learning/participants/{me}/certificate")))
            .send()
            .await
            .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    let pdf = r.bytes().await.unwrap();
    let doc = lopdf::Document::load_mem(&pdf).unwrap();
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    let text = doc.extract_text(&pages).unwrap();
    for needle in [
        "Certificaat",
        "Bea Beheer",
        "Digitaal Leiderschap",
        "Provincie Utrecht",
        "Aanwezig bij 1 van de 1 live sessies (100%)",
    ] {
        assert!(text.contains(needle), "{needle} missing in {text}");
    }
    // Another member without the coordinating role cannot fetch someone else's certificate.
    let v = Api::login(&app, "viewer@pv26.example").await;
    let (s, _) = v
        .get(&format!("/learning/participants/{me}/certificate"))
        .await;
    assert_eq!(s, 403);
    let (_, mine) = v.get("/learning/me").await;
    assert_eq!(mine, json!([]));
}

#[tokio::test]
async fn every_page_renders_and_another_organisation_gets_404() {
    let app = TestApp::spawn().await;
    let (programme, cohort, group, participant, project) = objects_of_a(&app).await;
    let (c, _) = app.page_login("admin@pv26.example").await;
    let pages = [
        "/leertrajecten".to_string(),
        format!("/leertrajecten/leergangen/{programme}"),
        format!("/leertrajecten/cohorten/{cohort}"),
        format!("/leertrajecten/groepen/{group}"),
        format!("/leertrajecten/deelnemers/{participant}"),
        format!("/leertrajecten/projecten/{project}"),
    ];
    for p in &pages {
        let r = c.get(app.url(p)).send().await.unwrap();
        let status = r.status();
        let html = r.text().await.unwrap();
        assert_eq!(status, 200, "{p}: {html}");
    }
    let (b, _) = app.page_login("admin@gm0796.example").await;
    for p in &pages[1..] {
        let r = b.get(app.url(p)).send().await.unwrap();
        assert_eq!(r.status(), 404, "{p}");
    }
}
