//! The learning track's leadership model in use: participants assess themselves at the start
//! and the end (theirs alone), the programme's movement shown only above the minimum group,
//! target groups deciding who a live session is for, a model that changes only where nothing
//! depends on it, and the e-mail reminder before a session.

use crate::helpers::{TestApp, assert_invalid, field_of_each};
use crate::session::Session;
use koers_core::Role;
use serde_json::{Value, json};

/// A programme with two dimensions and two target groups, a cohort with the given people
/// (address, target group) split into groups.
pub(crate) async fn programme_with(a: &Session, people: &[(&str, &str)]) -> (String, String) {
    let p = a
        .create(
            "/api/v1/learning/programmes",
            &json!({"name": "Digitaal Leiderschap", "dimensions": ["Visie", "Data"],
                    "targetGroups": ["Beleidsmakers", "Uitvoerders"]}),
        )
        .await;
    let pid = p["id"].as_str().unwrap().to_string();
    assert_eq!(
        p["levels"],
        json!(["Bewust", "Verkennend", "Toepassend", "Leidend"])
    );
    let c = a
        .create(
            &format!("/api/v1/learning/programmes/{pid}/cohorts"),
            &json!({"name": "Cohort 2026", "capacity": "20"}),
        )
        .await;
    let cid = c["id"].as_str().unwrap().to_string();
    let mut csv = String::from("naam,e-mail,afdeling,rol,doelgroep\n");
    for (i, (email, group)) in people.iter().enumerate() {
        csv.push_str(&format!(
            "Deelnemer {i},{email},Mobiliteit,adviseur,{group}\n"
        ));
    }
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        &csv,
    )
    .await
    .assert_status(201);
    a.post_json(&format!("/api/v1/learning/cohorts/{cid}/split"), &json!({}))
        .await
        .assert_status(200);
    (pid, cid)
}

/// A make-track project of cohort `cid`, titled `title`, on a new data question of A, with a
/// student of Universiteit Utrecht invited to it; the secret of the student's invitation.
pub(crate) async fn project_with_student(a: &Session, cid: &str, title: &str) -> String {
    let qid = crate::guests::question_of_a(a).await;
    let x = a
        .create(
            &format!("/api/v1/learning/cohorts/{cid}/projects"),
            &json!({"title": title, "questionId": qid}),
        )
        .await;
    let invited = a
        .create(
            &format!(
                "/api/v1/learning/projects/{}/guests",
                x["id"].as_str().unwrap()
            ),
            &json!({"email": "student@uu.example", "name": "Sara", "affiliation": "Universiteit Utrecht"}),
        )
        .await;
    crate::guests::token_of(&invited)
}

/// The id of the first module of programme `pid`.
pub(crate) async fn first_module(a: &Session, pid: &str) -> String {
    let prog = a
        .get_json(&format!("/api/v1/learning/programmes/{pid}"))
        .await;
    prog["modules"][0]["id"].as_str().unwrap().to_string()
}

/// The participant id of `email` in the cohort.
pub(crate) async fn participant_of(a: &Session, cid: &str, email: &str) -> String {
    let c: Value = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    c["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == email)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[tokio::test]
async fn participants_assess_themselves_and_the_movement_shows_above_the_group() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let emails: Vec<String> = (1..=5).map(|i| format!("leider{i}@pv26.example")).collect();
    for e in &emails {
        app.add_user(e, Role::Viewer).await;
    }
    let mut people: Vec<(&str, &str)> = emails.iter().map(|e| (e.as_str(), "")).collect();
    people.push(("viewer@pv26.example", "Beleidsmakers"));
    let (pid, cid) = programme_with(&a, &people).await;
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;
    let v = app.as_viewer().await;
    let url = format!("/api/v1/learning/participants/{me}/self-assessment");

    // Nothing given yet: the start comes first.
    let s: Value = v.get_json(&url).await;
    assert_eq!(s["next"], "start");
    assert_eq!(
        s["dimensions"][0],
        json!({"dimension": "Visie", "start": null, "end": null})
    );

    // Bad input, each named; nothing is saved.
    let put = async |body: Value| v.put_json(&url, &body).await;
    let e = put(json!({"moment": "end", "levels": {"Visie": 2, "Data": 2}}))
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["moment"]);
    let e = put(json!({"moment": "start", "levels": {"Visie": 9, "Anders": 1}}))
        .await
        .expect(400)
        .json();
    let reasons = field_of_each(&e["invalidParams"], "reason");
    assert!(
        reasons.contains(&"‘Anders’ is geen dimensie van deze leergang"),
        "{e}"
    );
    assert!(
        reasons.contains(&"kies een niveau van 1 tot en met 4 voor ‘Visie’"),
        "{e}"
    );
    assert!(
        reasons.contains(&"kies een niveau van 1 tot en met 4 voor ‘Data’"),
        "{e}"
    );
    for bad in [
        json!({"moment": "start", "levels": {"Visie": "twee", "Data": 1}}),
        json!({"moment": "start", "levels": [1, 2]}),
        json!({"moment": "halverwege", "levels": {"Visie": 1, "Data": 1}}),
        json!({"moment": 1, "levels": {"Visie": 1, "Data": 1}}),
    ] {
        put(bad).await.assert_status(400);
    }
    assert_eq!(v.get_json(&url).await["next"], "start");

    // Start, then end; giving a moment again replaces it.
    put(json!({"moment": "start", "levels": {"Visie": 1, "Data": 2}}))
        .await
        .assert_status(200);
    put(json!({"moment": "start", "levels": {"Visie": 2, "Data": 2}}))
        .await
        .assert_status(200);
    let s = put(json!({"moment": "end", "levels": {"Visie": 3, "Data": 2}}))
        .await
        .expect(200)
        .json();
    assert_eq!(
        s["dimensions"][0],
        json!({"dimension": "Visie", "start": 2, "end": 3})
    );
    assert_eq!(s["next"], "end");

    // Theirs alone: the coordinator may not read or give it; another organisation finds
    // nothing; a colleague who is not the participant is refused.
    a.get(&url).await.assert_status(403);
    a.put_json(
        &url,
        &json!({"moment": "start", "levels": {"Visie": 4, "Data": 4}}),
    )
    .await
    .assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .get(&url)
        .await
        .assert_status(404);
    app.api_as(&emails[0])
        .await
        .get(&url)
        .await
        .assert_status(403);

    // One pair is too few: counts, no figures.
    let movement = format!("/api/v1/learning/programmes/{pid}/movement");
    let m: Value = a.get_json(&movement).await;
    assert_eq!(m["minGroup"], 5);
    assert_eq!(m["dimensions"][0]["pairs"], 1);
    assert_eq!(m["dimensions"][0]["start"], Value::Null);
    v.get(&movement).await.assert_status(403);

    // Four more do both: Visie 1 → 2 each. Five pairs: (2+1+1+1+1)/5 = 1.2 → (3+2+2+2+2)/5.
    for e in &emails[..4] {
        let s = app.api_as(e).await;
        let id = participant_of(&a, &cid, e).await;
        let url = format!("/api/v1/learning/participants/{id}/self-assessment");
        for (moment, level) in [("start", 1), ("end", 2)] {
            s.put_json(
                &url,
                &json!({"moment": moment, "levels": {"Visie": level, "Data": 3}}),
            )
            .await
            .assert_status(200);
        }
    }
    let m: Value = a.get_json(&movement).await;
    let visie = &m["dimensions"][0];
    assert_eq!(
        (visie["started"].as_u64(), visie["pairs"].as_u64()),
        (Some(5), Some(5))
    );
    assert!((visie["start"].as_f64().unwrap() - 1.2).abs() < 1e-9, "{m}");
    assert!((visie["end"].as_f64().unwrap() - 2.2).abs() < 1e-9, "{m}");
    assert_eq!(visie["rose"], 100);
    let data = &m["dimensions"][1];
    assert!((data["change"].as_f64().unwrap() - 0.0).abs() < 1e-9, "{m}");

    // The pages: the participant's own, the coordinator's movement.
    let page = app.page_as("viewer@pv26.example").await;
    page.get(&format!("/leertrajecten/deelnemers/{me}"))
        .await
        .assert_shows(
            200,
            &[
                "Zelfscan leiderschapsmodel",
                "Visie: 2 · Verkennend → 3 · Toepassend",
            ],
        );
    page.post_form(
        &format!("/leertrajecten/deelnemers/{me}/zelfscan"),
        &[("moment", "end"), ("niveau:Visie", "4")],
    )
    .await
    .assert_shows(400, &["kies een niveau van 1 tot en met 4 voor ‘Data’"]);
    page.submit(
        &format!("/leertrajecten/deelnemers/{me}/zelfscan"),
        &[
            ("moment", "end"),
            ("niveau:Visie", "4"),
            ("niveau:Data", "3"),
        ],
    )
    .await
    .assert_shows(200, &["Uw zelfscan is opgeslagen.", "4 · Leidend"]);
    let coordinator = app.page_as("admin@pv26.example").await;
    coordinator
        .get(&format!("/leertrajecten/leergangen/{pid}/beweging"))
        .await
        .assert_shows(200, &["Beweging op het leiderschapsmodel", "1,2", "2,4"]);
    coordinator
        .get(&format!("/leertrajecten/deelnemers/{me}/zelfscan"))
        .await
        .assert_status(403);
}

#[tokio::test]
async fn target_groups_decide_who_a_session_is_for() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(
        &a,
        &[
            ("viewer@pv26.example", "Beleidsmakers"),
            ("uitvoerder@pv26.example", "Uitvoerders"),
        ],
    )
    .await;
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;
    let other = participant_of(&a, &cid, "uitvoerder@pv26.example").await;
    let sessions = format!("/api/v1/learning/programmes/{pid}/sessions");
    let session = async |title: &str, group: &str| {
        a.post_json(
            &sessions,
            &json!({"title": title, "date": "2026-03-10", "startTime": "13:00",
                    "endTime": "14:00", "afterModule": "1", "targetGroup": group}),
        )
        .await
    };
    // A group the programme lacks is refused by name.
    let e = session("Voor iedereen?", "Iedereen")
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["targetGroup"]);
    let all = session("Aftrap", "").await.expect(201).json();
    let policy = session("Beleidsintervisie", "Beleidsmakers")
        .await
        .expect(201)
        .json();
    assert_eq!(policy["targetGroup"], "Beleidsmakers");

    // The policy maker is expected at both, the other at one; their calendars say so.
    let standing = async |id: &str| -> Value {
        a.get_json(&format!("/api/v1/learning/participants/{id}"))
            .await
    };
    assert_eq!(
        standing(&me).await["sessionsTotal"],
        2,
        "{}",
        standing(&me).await
    );
    assert_eq!(standing(&other).await["sessionsTotal"], 1);
    app.as_viewer()
        .await
        .get(&format!("/api/v1/learning/participants/{me}/calendar"))
        .await
        .assert_shows(200, &["SUMMARY:Beleidsintervisie (Beleidsmakers)"]);
    let theirs = a
        .get(&format!("/api/v1/learning/participants/{other}/calendar"))
        .await
        .expect(200)
        .text();
    assert!(theirs.contains("SUMMARY:Aftrap") && !theirs.contains("Beleidsintervisie"));
    app.as_viewer()
        .await
        .get(&format!("/api/v1/learning/participants/{other}/calendar"))
        .await
        .assert_status(403);

    // Attendance at a session that is not for someone's group is refused.
    let attendance = format!("/api/v1/learning/participants/{other}/attendance");
    let e = a
        .post_json(
            &attendance,
            &json!({"sessionId": policy["id"], "status": "present"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(
        e["invalidParams"][0]["reason"],
        "deze sessie is voor de doelgroep Beleidsmakers"
    );
    a.post_json(
        &attendance,
        &json!({"sessionId": all["id"], "status": "present"}),
    )
    .await
    .assert_status(204);

    // Moving someone to another group: a group the programme lacks is refused; the move
    // changes what they are expected at.
    let group = format!("/api/v1/learning/participants/{other}/target-group");
    let e = a
        .put_json(&group, &json!({"targetGroup": "Bestuurders"}))
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["targetGroup"]);
    app.as_viewer()
        .await
        .put_json(&group, &json!({"targetGroup": "Beleidsmakers"}))
        .await
        .assert_status(403);
    let moved = a
        .put_json(&group, &json!({"targetGroup": "Beleidsmakers"}))
        .await
        .expect(200)
        .json();
    assert_eq!(moved["targetGroup"], "Beleidsmakers");
    assert_eq!(standing(&other).await["sessionsTotal"], 2);

    // The register shows "not for this target group" instead of a choice.
    let page = app.page_as("admin@pv26.example").await;
    page.post_form(
        &format!("/leertrajecten/deelnemers/{other}/doelgroep"),
        &[("targetGroup", "Uitvoerders")],
    )
    .await
    .assert_status(303);
    let c: Value = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    let gid = c["groups"][0]["id"].as_str().unwrap();
    page.get(&format!("/leertrajecten/groepen/{gid}"))
        .await
        .assert_shows(200, &["niet voor deze doelgroep", "Beleidsmakers"]);
}

#[tokio::test]
async fn a_programme_model_changes_only_where_nothing_depends_on_it() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(&a, &[("viewer@pv26.example", "Uitvoerders")]).await;
    let url = format!("/api/v1/learning/programmes/{pid}");
    // The first five modules are on Visie and Data in turn; a new dimension and renamed
    // levels are fine.
    let changed = a
        .put_json(
            &url,
            &json!({"name": "Digitaal Leiderschap", "dimensions": ["Visie", "Data", "Ethiek"],
                    "levels": ["Laag", "Midden", "Hoog", "Top"]}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["dimensions"], json!(["Visie", "Data", "Ethiek"]));
    assert_eq!(
        changed["targetGroups"],
        json!(["Beleidsmakers", "Uitvoerders"])
    );
    // Taking away a module's dimension or a group in use is refused, each by name.
    let e = a
        .put_json(
            &url,
            &json!({"name": "X", "dimensions": ["Ethiek"], "targetGroups": ["Beleidsmakers"]}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["dimensions", "targetGroups"]);
    let e = a
        .put_json(&url, &json!({"name": "X", "levels": ["Een"]}))
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["levels"]);
    // Once someone assessed themselves, the number of levels stays.
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;
    app.as_viewer()
        .await
        .put_json(
            &format!("/api/v1/learning/participants/{me}/self-assessment"),
            &json!({"moment": "start", "levels": {"Visie": 4, "Data": 1, "Ethiek": 2}}),
        )
        .await
        .assert_status(200);
    let e = a
        .put_json(&url, &json!({"name": "X", "levels": ["Laag", "Hoog"]}))
        .await
        .expect(400)
        .json();
    assert_eq!(
        e["invalidParams"][0]["reason"],
        "er zijn al zelfscans op 4 niveaus; geef weer 4 niveaus (andere namen mag)"
    );
    let now: Value = a.get_json(&url).await;
    assert_eq!(
        now["programme"]["levels"],
        json!(["Laag", "Midden", "Hoog", "Top"])
    );
    // Through the page: the form holds the model, a refused change keeps what was typed.
    let page = app.page_as("admin@pv26.example").await;
    page.post_form(
        &format!("/leertrajecten/leergangen/{pid}/wijzigen"),
        &[
            ("name", "Digitaal Leiderschap"),
            ("dimensions", "Ethiek"),
            ("levels", "Laag\nMidden\nHoog\nTop"),
            ("targetGroups", "Beleidsmakers\nUitvoerders"),
        ],
    )
    .await
    .assert_shows(
        400,
        &[
            "‘Visie’ is de dimensie van module ‘Module 1’",
            ">Ethiek</textarea>",
        ],
    );
}

#[tokio::test]
async fn session_reminders_are_mailed_once_with_the_session_attached() {
    let (mailer, mut mails) = crate::notifications::smtp_sink().await;
    let app = TestApp::spawn_full(koers_web::WebConfig::default(), Some(mailer)).await;
    let a = app.as_admin().await;
    let (pid, _) = programme_with(
        &a,
        &[
            ("viewer@pv26.example", "Beleidsmakers"),
            ("uitvoerder@pv26.example", "Uitvoerders"),
        ],
    )
    .await;
    // Sessions tomorrow at 10:00 (Dutch time), one for everyone and one for a group, and
    // one in a week.
    let now: chrono::DateTime<chrono::Utc> = "2026-03-09T12:00:00Z".parse().unwrap();
    for (title, date, group) in [
        ("Aftrap", "2026-03-10", ""),
        ("Beleidsintervisie", "2026-03-10", "Beleidsmakers"),
        ("Later", "2026-03-17", ""),
    ] {
        a.create(
            &format!("/api/v1/learning/programmes/{pid}/sessions"),
            &json!({"title": title, "date": date, "startTime": "10:00", "endTime": "11:00",
                    "link": "https://meet.example/dl", "afterModule": "1", "targetGroup": group}),
        )
        .await;
    }
    let sent = koers_app::learning::send_reminders(&app.state.ws, now).await;
    assert_eq!(
        sent, 3,
        "two for the kick-off, one for the policy makers' session"
    );
    let mut got = Vec::new();
    for _ in 0..3 {
        got.push(
            tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
                .await
                .unwrap()
                .unwrap(),
        );
    }
    let to_viewer: Vec<&String> = got
        .iter()
        .filter(|m| m.contains("RCPT TO:<viewer@pv26.example>"))
        .collect();
    assert_eq!(to_viewer.len(), 2, "{got:?}");
    let intervisie = got
        .iter()
        .find(|m| m.contains("Beleidsintervisie"))
        .unwrap();
    assert!(
        intervisie.contains("RCPT TO:<viewer@pv26.example>"),
        "{intervisie}"
    );
    assert!(intervisie.contains("text/calendar"), "{intervisie}");
    // The date as a Dutch letter writes it.
    assert!(
        intervisie.contains("Beleidsintervisie op 10 maart 2026 om 10:00")
            && !intervisie.contains("op 2026-03-10"),
        "{intervisie}"
    );
    assert!(intervisie.contains("BEGIN:VEVENT"), "{intervisie}");
    // Once: a second round sends nothing; the session in a week is not yet due.
    assert_eq!(
        koers_app::learning::send_reminders(&app.state.ws, now).await,
        0
    );
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), mails.recv())
            .await
            .is_err()
    );
    let week = now + chrono::Duration::days(7);
    assert_eq!(
        koers_app::learning::send_reminders(&app.state.ws, week).await,
        2
    );
}

/// A module's reflection and quiz: the coordinator writes them (a bad quiz is refused by its
/// line), the participant answers — the quiz marked, its right answers hidden until then —
/// and the coordinator reads everyone's answers; nobody answers for someone else.
#[tokio::test]
async fn a_participant_reflects_and_takes_a_quiz_the_coordinator_reads() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(&a, &[("viewer@pv26.example", "")]).await;
    let module = first_module(&a, &pid).await;
    let content = format!("/api/v1/learning/modules/{module}/content");
    let e = a
        .post_json(
            &content,
            &json!({"kind": "quiz", "title": "Toets", "body": "? Vraag\n- a\n- b\n"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(
        e["invalidParams"][0]["reason"],
        "regel 1: markeer precies één goed antwoord met *"
    );
    let reflection = a
        .create(&content, &json!({"kind": "reflection", "title": "Terugblik", "body": "Wat neem je mee naar je team?"}))
        .await;
    let quiz = a
        .create(&content, &json!({"kind": "quiz", "title": "Toets", "body": "? Wie is eigenaar van een dataset?\n- Iedereen\n* De data-eigenaar\n? Wat is een indicator?\n* Een gemeten grootheid\n- Een dashboard\n"}))
        .await;
    let page_piece = a
        .create(
            &content,
            &json!({"kind": "page", "title": "Lezen", "body": "Tekst"}),
        )
        .await;
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;
    let v = app.as_viewer().await;
    let study = format!("/api/v1/learning/participants/{me}/modules/{module}");
    // Before answering, the quiz comes without its key.
    let s: Value = v.get_json(&study).await;
    let q = s["content"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "quiz")
        .unwrap();
    assert_eq!(q["body"], "");
    assert_eq!(
        q["quiz"][0]["options"],
        json!(["Iedereen", "De data-eigenaar"])
    );
    assert!(!s.to_string().contains("* De data-eigenaar"));
    let answer = |id: &Value| format!("{study}/content/{}/response", id["id"].as_str().unwrap());
    // Bad answers, each named; nothing is saved.
    v.put_json(&answer(&reflection), &json!({"answer": "  "}))
        .await
        .assert_status(400);
    let e = v
        .put_json(&answer(&quiz), &json!({"choices": ["1"]}))
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["q2"]);
    v.put_json(&answer(&quiz), &json!({"choices": ["1", "7"]}))
        .await
        .assert_status(400);
    v.put_json(&answer(&page_piece), &json!({"answer": "x"}))
        .await
        .assert_status(400);
    v.put_json(
        &format!("{study}/content/onbekend/response"),
        &json!({"answer": "x"}),
    )
    .await
    .assert_status(404);
    // Answers: the reflection kept, the quiz marked (one of two right).
    v.put_json(
        &answer(&reflection),
        &json!({"answer": "Vaker eerst de vraag stellen."}),
    )
    .await
    .assert_status(200);
    let s = v
        .put_json(&answer(&quiz), &json!({"choices": ["1", "1"]}))
        .await
        .expect(200)
        .json();
    let marked = s["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["contentId"] == quiz["id"])
        .unwrap()
        .clone();
    assert_eq!(
        (marked["quizRight"].as_u64(), marked["quizTotal"].as_u64()),
        (Some(1), Some(2))
    );
    // Nobody answers for someone else: not the coordinator, not another organisation.
    a.put_json(&answer(&reflection), &json!({"answer": "Namens Vera"}))
        .await
        .assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .put_json(&answer(&reflection), &json!({"answer": "x"}))
        .await
        .assert_status(404);
    // The coordinator reads everyone's answers.
    let listed: Value = a.get_json(&content).await;
    let texts = field_of_each(&listed["responses"], "answer");
    assert!(texts.contains(&"Vaker eerst de vraag stellen."), "{listed}");
    // Through the page: a quiz answered by form fields, the score shown with the key.
    let page = app.page_as("viewer@pv26.example").await;
    let form = format!(
        "/leertrajecten/deelnemers/{me}/modules/{module}/antwoorden/{}",
        quiz["id"].as_str().unwrap()
    );
    page.post_form(&form, &[("q1", "1")])
        .await
        .assert_shows(400, &["kies een antwoord bij vraag 2"]);
    page.submit(&form, &[("q1", "1"), ("q2", "0")])
        .await
        .assert_shows(
            200,
            &["Uw antwoord is opgeslagen.", "Uw score: 2 / 2", "(goed)"],
        );
    let coordinator = app.page_as("admin@pv26.example").await;
    coordinator
        .get(&format!("/leertrajecten/modules/{module}"))
        .await
        .assert_shows(
            200,
            &[
                "Antwoorden van deelnemers (1)",
                "Vaker eerst de vraag stellen.",
                "2 / 2",
            ],
        );
}

/// The coordinator adds a file to a module (checked as an attachment); the participants of
/// the programme download it, nobody else; a refused file keeps nothing.
#[tokio::test]
async fn a_module_file_reaches_the_participants_only() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(&a, &[("viewer@pv26.example", "")]).await;
    let module = first_module(&a, &pid).await;
    let files = format!("/api/v1/learning/modules/{module}/files");
    let form = |title: &str, name: &str, bytes: &[u8]| {
        reqwest::multipart::Form::new()
            .text("title", title.to_string())
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.to_vec()).file_name(name.to_string()),
            )
    };
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n";
    let dir = app.ws.data_dir().join("attachments").join(&app.org_a.id);
    let stored = || std::fs::read_dir(&dir).map_or(0, |d| d.count());
    // Refused: a script dressed as a PDF, no title, no file, a file piece without a file.
    let e = a
        .post_multipart(
            &files,
            form("Reader", "reader.pdf", b"<svg onload=alert(1)>"),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["file"]);
    let e = a
        .post_multipart(&files, form("", "reader.pdf", pdf))
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["title"]);
    a.post_multipart(
        &files,
        reqwest::multipart::Form::new().text("title", "Leeg"),
    )
    .await
    .assert_status(400);
    a.post_json(
        &format!("/api/v1/learning/modules/{module}/content"),
        &json!({"kind": "file", "title": "X"}),
    )
    .await
    .assert_status(400);
    assert_eq!(stored(), 0, "nothing kept");
    app.as_viewer()
        .await
        .post_multipart(&files, form("Reader", "reader.pdf", pdf))
        .await
        .assert_status(403);
    // Added: listed with its name and size.
    let c = a
        .post_multipart(&files, form("Reader digitale visie", "reader.pdf", pdf))
        .await
        .expect(201)
        .json();
    assert_eq!(c["kind"], "file");
    assert_eq!(c["file"]["fileName"], "reader.pdf");
    let url = format!(
        "/api/v1/learning/modules/{module}/content/{}/file",
        c["id"].as_str().unwrap()
    );
    // The participant downloads it, from the module page too; nobody else.
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;
    let v = app.as_viewer().await;
    let r = v.get(&url).await;
    r.assert_status(200);
    assert_eq!(r.bytes(), pdf);
    assert!(r.header("content-disposition").contains("reader.pdf"));
    let page = app.page_as("viewer@pv26.example").await;
    page.get(&format!("/leertrajecten/deelnemers/{me}/modules/{module}"))
        .await
        .assert_shows(200, &["Bestand downloaden: reader.pdf"]);
    app.add_user("buiten@pv26.example", Role::Viewer).await;
    app.api_as("buiten@pv26.example")
        .await
        .get(&url)
        .await
        .assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .get(&url)
        .await
        .assert_status(404);
}

/// The coordinator removes a programme with everything in it, after a confirmation; students
/// invited to its projects lose their access with it.
#[tokio::test]
async fn a_programme_is_removed_with_everything_in_it() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(&a, &[("viewer@pv26.example", "Uitvoerders")]).await;
    let token = project_with_student(&a, &cid, "Zonnedaken").await;
    let (student, _) = crate::guests::accept_new(&app, &token).await;
    student.get("/api/v1/shared").await.assert_status(200);
    // The page asks for a confirmation; a viewer may not; another organisation finds nothing.
    let page = app.page_as("admin@pv26.example").await;
    let remove = format!("/leertrajecten/leergangen/{pid}/verwijderen");
    page.post_form(&remove, &[])
        .await
        .assert_shows(400, &["Leergang verwijderen"]);
    let url = format!("/api/v1/learning/programmes/{pid}");
    app.as_viewer().await.delete(&url).await.assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .delete(&url)
        .await
        .assert_status(404);
    let r = page.post_form(&remove, &[("confirm", "on")]).await;
    assert_eq!(r.status(), 303);
    a.get(&url).await.assert_status(404);
    a.get(&format!("/api/v1/learning/cohorts/{cid}"))
        .await
        .assert_status(404);
    assert_eq!(a.get_json("/api/v1/learning/programmes").await, json!([]));
    // The student's invitation went with it.
    let status = student.get("/api/v1/shared").await.status();
    assert!(status == 401 || status == 403, "{status}");
}
