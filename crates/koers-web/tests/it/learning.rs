//! The learning track through the API: programme, cohort import (good and bad files),
//! balanced split, capacity under concurrent enrolment, attendance and progress, projects
//! linked to a data question and a monitor of the same organisation only, the completion
//! rule and the certificate PDF, and another organisation's objects.

use crate::helpers::{TestApp, assert_invalid, field_of_each, invalid_names};
use crate::session::Session;
use serde_json::{Value, json};

/// Learning objects of organisation A.
pub struct LearningOfA {
    pub programme: String,
    pub cohort: String,
    pub group: String,
    pub participant: String,
    pub project: String,
    pub module: String,
    pub content: String,
    pub session: String,
}

/// One learning object of every kind in organisation A.
pub async fn objects_of_a(app: &TestApp) -> LearningOfA {
    use koers_core::learning::*;
    let actor = koers_store::Actor::cli();
    let d = ProgrammeDraft::parse("Geheime leergang", "", ModelText::default(), "", true).unwrap();
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
        &[],
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
    let module = app.store.learning().modules(&p.id).await.unwrap().remove(0);
    let content = app
        .store
        .learning()
        .add_content(
            &app.org_a.id,
            &module,
            (
                &ContentDraft::parse("page", "Geheime pagina", "Geheim.", "").unwrap(),
                None,
            ),
            &actor,
        )
        .await
        .unwrap();
    let session = app
        .store
        .learning()
        .add_session(
            &p,
            &SessionDraft::parse("Geheime sessie", "2026-03-10", "13:00", "14:00", "", "1", 5)
                .unwrap(),
            &actor,
        )
        .await
        .unwrap();
    LearningOfA {
        session: session.id,
        programme: p.id,
        cohort: c.id,
        group: g.id,
        participant: participant.id,
        project: x.id,
        module: module.id,
        content: content.id,
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

/// A programme (three dimensions, a project required) with a cohort of `capacity` places.
pub(crate) async fn programme_and_cohort(a: &Session, capacity: &str) -> (Value, Value) {
    let p = a.create("/api/v1/learning/programmes", &json!({"name": "Digitaal Leiderschap", "dimensions": ["Visie", "Sturen", "Ethiek"], "requiresProject": true})).await;
    let pid = p["id"].as_str().unwrap();
    let c = a
        .create(
            &format!("/api/v1/learning/programmes/{pid}/cohorts"),
            &json!({"name": "Cohort 2026", "capacity": capacity, "startDate": "2026-01-12"}),
        )
        .await;
    (p, c)
}

#[tokio::test]
async fn import_split_and_bad_files() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "").await;
    let detail = a
        .get_json(&format!(
            "/api/v1/learning/programmes/{}",
            p["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(detail["modules"].as_array().unwrap().len(), 5);
    assert_eq!(detail["modules"][3]["dimension"], "Visie");
    let cid = c["id"].as_str().unwrap();
    let path = format!("/api/v1/learning/cohorts/{cid}/participants");

    // Every bad row is reported with its line, and nothing is imported.
    let bad = "naam,e-mail,afdeling,rol\nAnna,anna@pv26.example,ICT,teamleider\n,geen-adres,ICT,x\nBert,anna@pv26.example,ICT,x\n";
    let problem = a.post_csv(&path, bad).await.expect(400).json();
    let reasons = field_of_each(&problem["invalidParams"], "reason");
    assert_eq!(reasons.len(), 3, "{reasons:?}");
    assert!(reasons[0].starts_with("regel 3"));
    assert!(reasons[2].starts_with("regel 4"));
    let cohort = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    assert_eq!(cohort["participants"], json!([]));
    // A wrong type, a missing header, a file too large.
    a.post_json(&path, &json!({"csv": "x"}))
        .await
        .assert_status(415);
    let problem = a
        .post_csv(&path, "name;email\nA;a@b.nl\n")
        .await
        .expect(400)
        .json();
    assert_eq!(problem["invalidParams"][0]["code"], "header");
    a.post_csv(&path, &"x".repeat(600 * 1024))
        .await
        .assert_status(413);

    // 143 good rows: split into 8 groups of 17 or 18, departments spread.
    let out = a.post_csv(&path, &roster(143)).await.expect(201).json();
    assert_eq!(out["imported"], 143);
    let counts = |c: &Value| c["counts"].clone();
    let before = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    assert_eq!(
        counts(&before),
        json!({"participants": 143, "unassigned": 143, "waiting": 0, "complete": 0})
    );
    let groups = a
        .post_json(&format!("/api/v1/learning/cohorts/{cid}/split"), &json!({}))
        .await
        .expect(200)
        .json();
    let sizes: Vec<u64> = groups
        .as_array()
        .unwrap()
        .iter()
        .map(|g| g["filled"].as_u64().unwrap())
        .collect();
    assert_eq!(sizes.len(), 8);
    assert!(sizes.iter().all(|n| (17..=18).contains(n)), "{sizes:?}");
    let cohort = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    let people = cohort["participants"].as_array().unwrap();
    assert!(people.iter().all(|p| p["groupId"].is_string()));
    assert_eq!(counts(&cohort)["unassigned"], 0);
    // The page counts the same way.
    // On the page, splitting again replaces the groups: without confirmation it is refused
    // and the groups stay as they are.
    let page = app.page_as("admin@pv26.example").await;
    page.get(&format!("/leertrajecten/cohorten/{cid}"))
        .await
        .assert_shows(200, &["<dt>Zonder groep</dt><dd>0</dd>", "<dd>143</dd>"]);
    let split = format!("/leertrajecten/cohorten/{cid}/verdelen");
    page.post_form(&split, &[])
        .await
        .assert_shows(400, &["Vink aan dat u dit zeker weet."]);
    let after = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    assert_eq!(after["participants"], cohort["participants"]);
    page.submit(&split, &[("confirm", "on")])
        .await
        .assert_status(200);
    // Importing the same people again is refused row by row.
    let problem = a.post_csv(&path, &roster(2)).await.expect(400).json();
    assert_eq!(problem["invalidParams"].as_array().unwrap().len(), 2);

    // A viewer may read programmes, not run them or see the cohort.
    let v = app.api_as("viewer@pv26.example").await;
    v.post_json("/api/v1/learning/programmes", &json!({"name": "Nee"}))
        .await
        .assert_status(403);
    v.get(&format!("/api/v1/learning/cohorts/{cid}"))
        .await
        .assert_status(403);
    // Unknown ids are 404.
    a.get("/api/v1/learning/cohorts/onbekend")
        .await
        .assert_status(404);
}

/// A coordinator finds people in a cohort by a piece of their name (accents aside), by group
/// (none, waiting, one group) and by where they stand against the certificate rule, on the
/// page and through the API; a question the list cannot answer is refused readably and
/// another organisation's cohort is not found.
#[tokio::test]
async fn the_coordinator_finds_participants_by_name_group_and_standing() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "2").await;
    let (pid, cid) = (p["id"].as_str().unwrap(), c["id"].as_str().unwrap());
    let people = format!("/api/v1/learning/cohorts/{cid}/participants");
    a.post_csv(&people, "naam,e-mail,afdeling,rol\nJosé Álvarez,jose@pv26.example,Mobiliteit,teamleider\nAnna de Vries,anna@pv26.example,Ruimte,beleidsadviseur\nBert de Vries,bert@pv26.example,Mobiliteit,analist\nChantal Jansen,chantal@pv26.example,Economie,teamleider\n").await.assert_status(201);
    let groups = a
        .post_json(&format!("/api/v1/learning/cohorts/{cid}/split"), &json!({}))
        .await
        .expect(200)
        .json();
    let g1 = groups[0]["id"].as_str().unwrap();
    // Two newcomers after the split: one without a group, one waiting for the full group 1.
    a.post_csv(&people, "naam,e-mail,afdeling,rol\nDaan Dijkstra,daan@pv26.example,Ruimte,jurist\nEva Eekhof,eva@pv26.example,Ruimte,jurist\n").await.assert_status(201);
    let names = |list: &Value| -> Vec<String> {
        let mut n: Vec<String> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["participant"]["name"].as_str().unwrap().to_string())
            .collect();
        n.sort();
        n
    };
    let eva = a.get_json(&format!("{people}?search=eekhof")).await[0]["participant"]["id"].clone();
    a.post_json(
        &format!("/api/v1/learning/groups/{g1}/enrolments"),
        &json!({"participantId": eva}),
    )
    .await
    .assert_status(200);
    // One session, attended by José only: the others fall below the 80 % rule.
    let session = a.create(&format!("/api/v1/learning/programmes/{pid}/sessions"), &json!({"title": "Aftrap", "date": "2026-02-03", "startTime": "15:00", "endTime": "16:30", "link": "https://vergaderen.example/x", "afterModule": "0"})).await;
    let jose = a.get_json(&format!("{people}?search=JOSE")).await;
    assert_eq!(names(&jose), ["José Álvarez"]);
    a.post_json(
        &format!(
            "/api/v1/learning/participants/{}/attendance",
            jose[0]["participant"]["id"].as_str().unwrap()
        ),
        &json!({"sessionId": session["id"], "status": "present"}),
    )
    .await
    .assert_status(204);

    assert_eq!(
        names(&a.get_json(&format!("{people}?search=de%20vries")).await),
        ["Anna de Vries", "Bert de Vries"]
    );
    assert_eq!(
        names(
            &a.get_json(&format!("{people}?search=mobiliteit%20teamleider"))
                .await
        ),
        ["José Álvarez"]
    );
    assert_eq!(
        names(&a.get_json(&format!("{people}?group=none")).await),
        ["Daan Dijkstra"]
    );
    assert_eq!(
        names(&a.get_json(&format!("{people}?group=waiting")).await),
        ["Eva Eekhof"]
    );
    assert_eq!(
        a.get_json(&format!("{people}?group={g1}"))
            .await
            .as_array()
            .unwrap()
            .len(),
        2
    );
    let below = a
        .get_json(&format!("{people}?standing=below_attendance"))
        .await;
    assert_eq!(below.as_array().unwrap().len(), 5);
    assert!(!names(&below).contains(&"José Álvarez".to_string()));
    assert_eq!(
        a.get_json(&format!("{people}?standing=complete")).await,
        json!([])
    );
    assert_eq!(
        a.get_json(&format!("{people}?standing=incomplete&search=jose"))
            .await[0]["missing"][0]["kind"],
        "modules"
    );

    // Bad questions: every field's problem at once; the list is not a place to guess ids.
    let problem = a
        .get(&format!(
            "{people}?group=onbekend&standing=late&search={}",
            "x".repeat(201)
        ))
        .await
        .expect(400)
        .json();
    assert_invalid(&problem, &["search", "group", "standing"]);
    app.api_as("admin@gm0796.example")
        .await
        .get(&format!("{people}?search=jose"))
        .await
        .assert_status(404);
    app.api_as("viewer@pv26.example")
        .await
        .get(&people)
        .await
        .assert_status(403);

    // On the page: the count, only the matches, the search kept in its field.
    let page = app.page_as("admin@pv26.example").await;
    let cohort = format!("/leertrajecten/cohorten/{cid}");
    let found = page
        .get(&format!("{cohort}?zoek=vries&groep=&stand="))
        .await;
    found.assert_shows(
        200,
        &[
            "2 van 6 deelnemers",
            "Anna de Vries",
            "Bert de Vries",
            "value=\"vries\"",
            "Iedereen tonen",
        ],
    );
    assert!(!found.text().contains("Chantal Jansen"));
    page.get(&format!("{cohort}?zoek=xyz")).await.assert_shows(
        200,
        &["0 van 6 deelnemers", "Geen deelnemers die hierbij passen."],
    );
    // A question it cannot answer: said above the list, which shows everyone.
    page.get(&format!("{cohort}?groep=onbekend&stand=late"))
        .await
        .assert_shows(
            400,
            &[
                "Met deze zoekvraag kan de lijst niets",
                "href=\"#f-groep\">Groep: is geen groep van dit cohort",
                "Certificaat: is geen keuze uit de lijst",
                "6 deelnemers",
                "Chantal Jansen",
            ],
        );
}

/// A cohort of 120 reads fifty at a time: the count says which, the pages keep the search,
/// a page past the end is the last, and a page that is no number is said above the list.
#[tokio::test]
async fn a_long_participant_list_is_read_a_page_at_a_time() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (_, c) = programme_and_cohort(&a, "20").await;
    let cid = c["id"].as_str().unwrap();
    let mut csv = String::from("naam,e-mail,afdeling,rol\n");
    for n in 1..=120 {
        let dept = if n % 2 == 0 { "Ruimte" } else { "ICT" };
        csv.push_str(&format!("Deelnemer {n:03},d{n}@pv26.example,{dept},x\n"));
    }
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        &csv,
    )
    .await
    .assert_status(201);
    let page = app.page_as("admin@pv26.example").await;
    let cohort = format!("/leertrajecten/cohorten/{cid}");
    let first = page.get(&cohort).await.expect(200).text();
    assert!(
        first.contains("120 deelnemers; hier 1 tot en met 50"),
        "{first}"
    );
    assert!(first.contains("Deelnemer 050") && !first.contains("Deelnemer 051"));
    assert!(
        first.contains(&format!(
            "{}?zoek=&amp;groep=&amp;stand=&amp;pagina=2#deelnemers\"><span class=\"koers-visually-hidden\">pagina </span>2</a>",
            cohort.replace('/', "&#x2f;")
        )),
        "{first}"
    );
    assert!(first.contains(
        "aria-current=\"page\"><span class=\"koers-visually-hidden\">pagina </span>1</a>"
    ));
    let last = page
        .get(&format!("{cohort}?pagina=3"))
        .await
        .expect(200)
        .text();
    assert!(last.contains("hier 101 tot en met 120") && last.contains("Deelnemer 120"));
    assert!(last.contains("rel=\"prev\"") && !last.contains("rel=\"next\""));
    // Past the end (a link kept from a longer list): the last page.
    page.get(&format!("{cohort}?pagina=9"))
        .await
        .assert_shows(200, &["hier 101 tot en met 120"]);
    // The search narrows across pages and keeps to its own: 60 in Ruimte, on two pages.
    let found = page
        .get(&format!("{cohort}?zoek=ruimte&groep=&stand=&pagina=2"))
        .await
        .expect(200)
        .text();
    assert!(
        found.contains("60 van 120 deelnemers; hier 51 tot en met 60"),
        "{found}"
    );
    assert!(found.contains("pagina=1#deelnemers") && found.contains("zoek=ruimte&amp;"));
    // No number: said above the list, which then shows the first page.
    page.get(&format!("{cohort}?pagina=twee"))
        .await
        .assert_shows(
            400,
            &["<li>Pagina: is geen paginanummer", "hier 1 tot en met 50"],
        );
    page.get("/lang/en?next=/").await;
    page.get(&format!("{cohort}?pagina=0"))
        .await
        .assert_shows(400, &["Page: is not a page number", "here 1 to 50", "Next"]);
}

/// After a live session the coordinator marks only the exceptions for the whole cohort and
/// saves the rest as present, on the page and through the API; bad marks change nothing.
#[tokio::test]
async fn a_session_is_marked_for_the_whole_cohort_at_once() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "2").await;
    let (pid, cid) = (p["id"].as_str().unwrap(), c["id"].as_str().unwrap());
    a.post_csv(&format!("/api/v1/learning/cohorts/{cid}/participants"), "naam,e-mail,afdeling,rol\nAnna,anna@pv26.example,ICT,x\nBert,bert@pv26.example,ICT,x\nChantal,chantal@pv26.example,Ruimte,x\nDaan,daan@pv26.example,Ruimte,x\n").await.assert_status(201);
    a.post_json(&format!("/api/v1/learning/cohorts/{cid}/split"), &json!({}))
        .await
        .assert_status(200);
    let new_session = |title: &str| json!({"title": title, "date": "2026-02-03", "startTime": "15:00", "endTime": "16:30", "link": "https://vergaderen.example/x", "afterModule": "0"});
    let sid = a
        .create(
            &format!("/api/v1/learning/programmes/{pid}/sessions"),
            &new_session("Aftrap"),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let register = format!("/api/v1/learning/cohorts/{cid}/sessions/{sid}/attendance");
    let marks = async || -> Vec<(String, Value)> {
        let mut m: Vec<(String, Value)> = a
            .get_json(&register)
            .await
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["participant"]["name"].as_str().unwrap().to_string(),
                    r["status"].clone(),
                )
            })
            .collect();
        m.sort_by(|x, y| x.0.cmp(&y.0));
        m
    };
    assert!(marks().await.iter().all(|(_, s)| s.is_null()));
    let id_of = async |name: &str| -> String {
        a.get_json(&format!(
            "/api/v1/learning/cohorts/{cid}/participants?search={name}"
        ))
        .await[0]["participant"]["id"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let (anna, bert) = (id_of("anna").await, id_of("bert").await);

    // Bert was absent; the rest present.
    let out = a
        .put_json(
            &register,
            &json!({"marks": {&bert: "absent"}, "restPresent": true}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(out["recorded"], 4);
    assert_eq!(
        marks().await,
        [
            ("Anna".into(), json!("present")),
            ("Bert".into(), json!("absent")),
            ("Chantal".into(), json!("present")),
            ("Daan".into(), json!("present"))
        ]
    );

    // Bad marks are refused whole, naming the field; nothing changes.
    let before = marks().await;
    let problem = a
        .put_json(&register, &json!({"marks": {&anna: "maybe"}}))
        .await
        .expect(400)
        .json();
    assert_invalid(&problem, &["status"]);
    let problem = a
        .put_json(
            &register,
            &json!({"marks": {"onbekend": "present"}, "restPresent": true}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&problem, &["participantId"]);
    let problem = a
        .put_json(&register, &json!({"marks": "present"}))
        .await
        .expect(400)
        .json();
    assert_invalid(&problem, &["marks"]);
    assert_eq!(marks().await, before);
    // Another programme's session, another organisation, a viewer.
    let (other, _) = programme_and_cohort(&a, "").await;
    let foreign = a
        .create(
            &format!(
                "/api/v1/learning/programmes/{}/sessions",
                other["id"].as_str().unwrap()
            ),
            &new_session("Elders"),
        )
        .await;
    a.get(&format!(
        "/api/v1/learning/cohorts/{cid}/sessions/{}/attendance",
        foreign["id"].as_str().unwrap()
    ))
    .await
    .assert_status(404);
    app.api_as("admin@gm0796.example")
        .await
        .get(&register)
        .await
        .assert_status(404);
    app.api_as("viewer@pv26.example")
        .await
        .put_json(&register, &json!({"restPresent": true}))
        .await
        .assert_status(403);

    // On the page: the count, and Anna excused by form; the others stay as recorded.
    let page = app.page_as("admin@pv26.example").await;
    let path = format!("/leertrajecten/cohorten/{cid}/sessies/{sid}");
    page.get(&format!("/leertrajecten/cohorten/{cid}"))
        .await
        .assert_shows(200, &[&path]);
    page.get(&path).await.assert_shows(
        200,
        &[
            "Aanwezigheid: Aftrap",
            "Vastgelegd voor 4 van 4 deelnemers.",
        ],
    );
    page.submit(
        &path,
        &[
            (&format!("a.{anna}"), "excused"),
            (&format!("a.{bert}"), ""),
        ],
    )
    .await
    .assert_shows(200, &["Opgeslagen."]);
    assert_eq!(
        marks().await[..2],
        [
            ("Anna".into(), json!("excused")),
            ("Bert".into(), json!("absent"))
        ]
    );
    let bad = page
        .post_form(&path, &[(&format!("a.{anna}"), "maybe")])
        .await;
    bad.assert_shows(400, &["moet present, absent, excused of clear zijn"]);
    let said = bad
        .text()
        .matches("moet present, absent, excused of clear zijn")
        .count();
    assert_eq!(
        said,
        2,
        "one summary, and once above the register: {}",
        bad.text()
    );

    // A mark recorded by mistake is taken away: on the page (a recorded mark offers it
    // instead of the empty choice) and through the API; "the rest present" leaves it away.
    page.get(&path).await.assert_shows(
        200,
        &[r#"<option value="clear">niets vastgelegd (wissen)</option>"#],
    );
    page.submit(
        &path,
        &[(&format!("a.{anna}"), "clear"), ("rest", "present")],
    )
    .await
    .assert_shows(200, &["Opgeslagen.", "Vastgelegd voor 3 van 4 deelnemers."]);
    assert_eq!(marks().await[0], ("Anna".into(), Value::Null));
    a.put_json(&register, &json!({"marks": {&bert: "clear"}}))
        .await
        .assert_status(200);
    assert_eq!(
        marks().await[..2],
        [("Anna".into(), Value::Null), ("Bert".into(), Value::Null)]
    );
    // Taking away what is not there changes nothing; the group register clears the same way.
    a.put_json(&register, &json!({"marks": {&bert: "clear"}}))
        .await
        .assert_status(200);
    let group = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await["participants"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "Chantal")
        .unwrap()["groupId"]
        .as_str()
        .unwrap()
        .to_string();
    let chantal = id_of("chantal").await;
    let group_page = format!("/leertrajecten/groepen/{group}");
    page.submit(&group_page, &[(&format!("a.{chantal}.{sid}"), "clear")])
        .await
        .assert_shows(200, &["Opgeslagen."]);
    assert_eq!(marks().await[2], ("Chantal".into(), Value::Null));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
pub(crate) async fn capacity_holds_under_concurrent_enrolment() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (_, c) = programme_and_cohort(&a, "6").await;
    let cid = c["id"].as_str().unwrap().to_string();
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        &roster(30),
    )
    .await
    .assert_status(201);
    let g = a
        .create(
            &format!("/api/v1/learning/cohorts/{cid}/groups"),
            &json!({"name": "Groep A"}),
        )
        .await;
    let gid = g["id"].as_str().unwrap().to_string();
    let cohort = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
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
            a.post_json(
                &format!("/api/v1/learning/groups/{gid}/enrolments"),
                &json!({"participantId": id}),
            )
            .await
        }));
    }
    let mut outcomes = Vec::new();
    for t in tasks {
        let body = t.await.unwrap().expect(200).json();
        outcomes.push(body["outcome"].as_str().unwrap().to_string());
    }
    assert_eq!(outcomes.iter().filter(|o| *o == "placed").count(), 6);
    assert_eq!(outcomes.iter().filter(|o| *o == "waiting").count(), 24);
    let cohort = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
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
    let a = app.api_as("admin@pv26.example").await;
    let (p, c) = programme_and_cohort(&a, "").await;
    let pid = p["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let session = a.create(&format!("/api/v1/learning/programmes/{pid}/sessions"), &json!({"title": "Aftrap", "date": "2026-02-03", "startTime": "15:00", "endTime": "16:30", "link": "https://vergaderen.example/x", "afterModule": "0"})).await;
    let problem = a.post_json(&format!("/api/v1/learning/programmes/{pid}/sessions"), &json!({"title": "", "date": "2026-02-30", "startTime": "15:00", "endTime": "14:00", "link": "http://x"})).await.expect(400).json();
    assert_eq!(problem["invalidParams"].as_array().unwrap().len(), 4);
    let programme = app
        .page_as("admin@pv26.example")
        .await
        .page(&format!("/leertrajecten/leergangen/{pid}"))
        .await;
    assert!(
        programme.contains(">3 februari 2026</time> 15:00"),
        "{programme}"
    );
    assert!(
        programme.contains(">12 januari 2026</time>"),
        "the cohort's start: {programme}"
    );
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        "naam,e-mail,afdeling,rol\nBea Beheer,admin@pv26.example,ICT,teamleider\n",
    )
    .await;
    let cohort = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    let me = cohort["participants"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();

    // Nothing done yet: no certificate or badge, and the reasons are named.
    let r = a
        .get(&format!("/api/v1/learning/participants/{me}/certificate"))
        .await;
    r.assert_status(409);
    let problem = r.json();
    let detail = problem["detail"].as_str().unwrap();
    assert!(detail.contains("0 van de 5 modules"), "{detail}");
    assert!(detail.contains("maakproject"), "{detail}");
    a.get(&format!("/api/v1/learning/participants/{me}/badge"))
        .await
        .assert_status(409);
    // In English, the same refusal reads in English.
    a.get("/lang/en?next=/").await;
    let r = a
        .get(&format!("/api/v1/learning/participants/{me}/certificate"))
        .await;
    r.assert_status(409);
    let detail = r.json()["detail"].as_str().unwrap().to_string();
    assert!(
        detail.starts_with("No certificate yet: 0 of 5 modules completed"),
        "{detail}"
    );
    a.get("/lang/nl?next=/").await;

    // Progress on every module, attendance at the one session.
    let prog = a
        .get_json(&format!("/api/v1/learning/programmes/{pid}"))
        .await;
    for m in prog["modules"].as_array().unwrap() {
        a.post_json(
            &format!("/api/v1/learning/participants/{me}/progress"),
            &json!({"moduleId": m["id"], "status": "done"}),
        )
        .await
        .assert_status(204);
    }
    a.post_json(
        &format!("/api/v1/learning/participants/{me}/attendance"),
        &json!({"sessionId": session["id"], "status": "maybe"}),
    )
    .await
    .assert_status(400);
    a.post_json(
        &format!("/api/v1/learning/participants/{me}/attendance"),
        &json!({"sessionId": "onbekend", "status": "present"}),
    )
    .await
    .assert_status(400);
    a.post_json(
        &format!("/api/v1/learning/participants/{me}/attendance"),
        &json!({"sessionId": session["id"], "status": "present"}),
    )
    .await
    .assert_status(204);

    // A project on a question (M4) and a monitor (M3) of the organisation; those of another
    // organisation cannot be linked.
    let (question, monitor) = question_and_monitor(&a, "Hoe druk is het op de N201?").await;
    let b = app.api_as("admin@gm0796.example").await;
    let (question_b, monitor_b) = question_and_monitor(&b, "Van B?").await;
    let problem = a.post_json(&format!("/api/v1/learning/cohorts/{cid}/projects"), &json!({"title": "Kaping", "questionId": question_b["id"], "productKind": "monitor", "productId": monitor_b["id"]})).await.expect(400).json();
    let names = invalid_names(&problem);
    assert_eq!(names, ["questionId", "productId"]);
    let project = a
        .create(
            &format!("/api/v1/learning/cohorts/{cid}/projects"),
            &json!({"title": "Mobiliteitsdashboard", "questionId": question["id"], "members": [me],
                   "students": ["Eva Willems; JADS"]}),
        )
        .await;
    assert_eq!(project["questionId"], question["id"]);
    assert_eq!(project["students"][0]["institution"], "JADS");
    let xid = project["id"].as_str().unwrap();
    let done = a.put_json(&format!("/api/v1/learning/projects/{xid}"), &json!({"title": "Mobiliteitsdashboard", "status": "delivered", "outcome": "In gebruik",
                   "questionId": question["id"], "productKind": "monitor", "productId": monitor["id"], "members": [me]})).await.expect(200).json();
    assert_eq!(done["productId"], monitor["id"]);
    // B cannot reach A's project or participant.
    b.get(&format!("/api/v1/learning/projects/{xid}"))
        .await
        .assert_status(404);
    b.get(&format!("/api/v1/learning/participants/{me}/certificate"))
        .await
        .assert_status(404);

    // Now complete: the participant's own view says so, and the certificate reads back.
    let mine = a.get_json("/api/v1/learning/me").await;
    assert_eq!(mine[0]["complete"], true, "{mine}");
    let r = a
        .get(&format!("/api/v1/learning/participants/{me}/certificate"))
        .await;
    r.assert_status(200);
    assert_eq!(r.header("content-type"), "application/pdf");
    assert!(
        r.header("content-disposition")
            .contains("certificaat-bea-beheer-"),
        "{}",
        r.header("content-disposition")
    );
    // In Dutch, and in English for who reads koers in English; issued on a day written out.
    let today = chrono::Local::now().date_naive().to_string();
    for (lang, needles) in [
        (
            "nl",
            &[
                "Certificaat",
                "Bea Beheer",
                "Digitaal Leiderschap",
                "Provincie Utrecht",
                "Aanwezig bij 1 van de 1 live sessies (100%)",
            ][..],
        ),
        (
            "en",
            &[
                "Certificate",
                "has successfully completed",
                "Present at 1 of the 1 live sessions (100%)",
                "Issued on",
            ][..],
        ),
    ] {
        a.get(&format!("/lang/{lang}?next=/")).await;
        let r = a
            .get(&format!("/api/v1/learning/participants/{me}/certificate"))
            .await;
        let text = crate::maturity::pdf_text(r.bytes());
        for needle in needles {
            assert!(text.contains(needle), "{needle} missing in {text}");
        }
        assert!(!text.contains(&today), "{text}");
    }
    a.get("/lang/nl?next=/").await;
    // Another member without the coordinating role cannot fetch someone else's certificate.
    let v = app.api_as("viewer@pv26.example").await;
    v.get(&format!("/api/v1/learning/participants/{me}/certificate"))
        .await
        .assert_status(403);
    let mine = v.get_json("/api/v1/learning/me").await;
    assert_eq!(mine, json!([]));
    open_badge_verifies(&app, &me).await;
}

/// The completed participant's Open Badge: an OpenBadgeCredential whose VC-JWT verifies, by
/// an independent Ed25519 implementation (Python's `cryptography`), against the key in the
/// issuer's public profile; nobody else gets it.
async fn open_badge_verifies(app: &TestApp, me: &str) {
    let a = app.api_as("admin@pv26.example").await;
    let badge: Value = a
        .get_json(&format!("/api/v1/learning/participants/{me}/badge"))
        .await;
    let c = &badge["credential"];
    assert_eq!(
        c["type"],
        json!(["VerifiableCredential", "OpenBadgeCredential"])
    );
    assert_eq!(c["issuer"]["name"], "Provincie Utrecht");
    assert_eq!(
        c["credentialSubject"]["achievement"]["name"],
        "Digitaal Leiderschap"
    );
    assert!(
        !badge.to_string().contains("admin@pv26.example"),
        "the address is hashed"
    );
    let issuer = c["issuer"]["id"].as_str().unwrap();
    let path = &issuer[issuer.find("/api/v1/").unwrap()..];
    let profile: Value = app.anonymous().get_json(path).await;
    assert_eq!(profile["publicKey"]["crv"], "Ed25519");
    let script = r#"
import base64, json, sys
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
jwt, x = sys.argv[1], sys.argv[2]
b = lambda s: base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
h, p, s = jwt.split(".")
Ed25519PublicKey.from_public_bytes(b(x)).verify(b(s), f"{h}.{p}".encode())
claims = json.loads(b(p))
print(json.loads(b(h))["alg"], claims["type"][1], claims["iss"] == claims["issuer"]["id"], claims["jti"] == claims["id"])
"#;
    let out = std::process::Command::new(crate::ogc::python())
        .args([
            "-c",
            script,
            badge["jwt"].as_str().unwrap(),
            profile["publicKey"]["x"].as_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "EdDSA OpenBadgeCredential True True"
    );
    // The file to keep, from the participant's page.
    let page = app.page_as("admin@pv26.example").await;
    let r = page
        .get(&format!("/leertrajecten/deelnemers/{me}/open-badge.jwt"))
        .await;
    r.assert_status(200);
    assert_eq!(r.text().split('.').count(), 3);
    // Someone else of the organisation: refused; another organisation: not found.
    app.as_viewer()
        .await
        .get(&format!("/api/v1/learning/participants/{me}/badge"))
        .await
        .assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .get(&format!("/api/v1/learning/participants/{me}/badge"))
        .await
        .assert_status(404);
    app.anonymous()
        .get("/api/v1/badges/issuers/onbekend")
        .await
        .assert_status(404);
}

#[tokio::test]
async fn every_page_renders_and_another_organisation_gets_404() {
    let app = TestApp::spawn().await;
    let LearningOfA {
        programme,
        cohort,
        group,
        participant,
        project,
        module,
        ..
    } = objects_of_a(&app).await;
    let c = app.page_as("admin@pv26.example").await;
    let pages = [
        "/leertrajecten".to_string(),
        format!("/leertrajecten/leergangen/{programme}"),
        format!("/leertrajecten/cohorten/{cohort}"),
        format!("/leertrajecten/groepen/{group}"),
        format!("/leertrajecten/deelnemers/{participant}"),
        format!("/leertrajecten/projecten/{project}"),
        format!("/leertrajecten/modules/{module}"),
        format!("/leertrajecten/deelnemers/{participant}/modules/{module}"),
    ];
    for p in &pages {
        c.get(p).await.assert_status(200);
    }
    let b = app.page_as("admin@gm0796.example").await;
    for p in &pages[1..] {
        b.get(p).await.assert_status(404);
    }
}

/// A data question `question` (on a new policy task) and an empty monitor of the
/// organisation `c` acts in, made through the API.
/// A coordinator fills a module with a page, a video and an assignment; the participant
/// (signed in with the address the cohort lists) reads it, marks it done, and the coordinator
/// sees that. Hostile Markdown shows as text; bad content and someone else's module are refused.
#[tokio::test]
async fn a_participant_works_through_a_module_the_coordinator_filled() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (p, c) = programme_and_cohort(&a, "20").await;
    let pid = p["id"].as_str().unwrap();
    let cid = c["id"].as_str().unwrap();
    let module = crate::learning_model::first_module(&a, pid).await;
    let content = format!("/api/v1/learning/modules/{module}/content");
    // Bad content: every problem named.
    let problem = a
        .post_json(
            &content,
            &json!({"kind": "podcast", "title": "", "url": "javascript:alert(1)"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(invalid_names(&problem), ["kind", "title", "url"]);
    a.post_json(&content, &json!({"kind": "video", "title": "Lezing"}))
        .await
        .assert_status(400);
    a.create(&content, &json!({"kind": "page", "title": "Wat is datagedreven werken?",
        "body": "# Inleiding\n\nDatagedreven werken **begint bij de vraag**.\n\n<script>alert(1)</script> [klik](javascript:alert(1))"}))
        .await;
    a.create(
        &content,
        &json!({"kind": "video", "title": "Lezing van de CIO", "url": "https://video.example/cio"}),
    )
    .await;
    let assignment = a
        .create(&content, &json!({"kind": "assignment", "title": "Opdracht: jouw vraag", "body": "Schrijf één beleidsvraag op."}))
        .await;
    let listed = a.get_json(&content).await;
    assert_eq!(
        field_of_each(&listed["content"], "kind"),
        ["page", "video", "assignment"]
    );
    // The viewer of A is a participant of the cohort.
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        "naam,e-mail,afdeling,rol\nVera Viewer,viewer@pv26.example,Mobiliteit,beleidsmaker\n",
    )
    .await
    .assert_status(201);
    let v = app.api_as("viewer@pv26.example").await;
    let mine = v.get_json("/api/v1/learning/me").await;
    let me = mine[0]["participant"]["id"].as_str().unwrap().to_string();
    // The participant reads the module and marks it done; the page escapes hostile text.
    let page = app.page_as("viewer@pv26.example").await;
    let study = format!("/leertrajecten/deelnemers/{me}/modules/{module}");
    let html = page.page(&study).await;
    assert!(
        html.contains("<h2>Inleiding</h2>") || html.contains("Inleiding"),
        "{html}"
    );
    assert!(
        html.contains("<strong>begint bij de vraag</strong>"),
        "{html}"
    );
    assert!(
        !html.contains("<script>alert(1)</script>"),
        "hostile markup is text"
    );
    assert!(!html.contains("href=\"javascript:"), "{html}");
    assert!(html.contains("<h3>Inleiding</h3>"), "{html}");
    assert!(html.contains("video.example&#x2f;cio"), "{html}");
    page.submit(&study, &[("status", "done")])
        .await
        .assert_shows(200, &["Uw voortgang is opgeslagen"]);
    page.post_form(&study, &[("status", "klaar")])
        .await
        .assert_status(400);
    // The coordinator sees it.
    let overview = a
        .get_json(&format!("/api/v1/learning/participants/{me}"))
        .await;
    assert_eq!(overview["modulesDone"], 1, "{overview}");
    let got = v
        .get_json(&format!(
            "/api/v1/learning/participants/{me}/modules/{module}"
        ))
        .await;
    assert_eq!(got["progress"], "done");
    // Someone else's progress, another programme's module, another organisation: refused.
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&content).await.assert_status(404);
    b.post_json(
        &content,
        &json!({"kind": "page", "title": "x", "body": "y"}),
    )
    .await
    .assert_status(404);
    v.post_json(
        &content,
        &json!({"kind": "page", "title": "x", "body": "y"}),
    )
    .await
    .assert_status(403);
    let (p2, _) = programme_and_cohort(&a, "10").await;
    let foreign = a
        .get_json(&format!(
            "/api/v1/learning/programmes/{}",
            p2["id"].as_str().unwrap()
        ))
        .await["modules"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    v.get(&format!(
        "/api/v1/learning/participants/{me}/modules/{foreign}"
    ))
    .await
    .assert_status(404);
    // The coordinator removes a part, after confirming.
    let coordinator = app.page_as("admin@pv26.example").await;
    let remove = format!(
        "/leertrajecten/modules/{module}/inhoud/{}/verwijderen",
        assignment["id"].as_str().unwrap()
    );
    coordinator.post_form(&remove, &[]).await.assert_status(400);
    coordinator
        .submit(&remove, &[("confirm", "on")])
        .await
        .assert_status(200);
    assert_eq!(
        a.get_json(&content).await["content"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

/// The programme's live sessions as an .ics file that an independent parser (Python's
/// icalendar) reads back: the sessions in Dutch time, escaped titles, the meeting link; for
/// members only, and another organisation's programme is not found.
#[tokio::test]
async fn the_live_sessions_download_as_a_calendar_a_parser_reads() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (p, _) = programme_and_cohort(&a, "20").await;
    let pid = p["id"].as_str().unwrap();
    for (title, date, start, end) in [
        (
            "Aftrap; kennismaking, doelen",
            "2026-03-10",
            "13:30",
            "15:00",
        ),
        ("Terugkomdag", "2026-11-03", "09:00", "12:00"),
    ] {
        a.create(
            &format!("/api/v1/learning/programmes/{pid}/sessions"),
            &json!({"title": title, "date": date, "startTime": start, "endTime": end,
                    "link": "https://meet.example/digitaal-leiderschap", "afterModule": "1"}),
        )
        .await;
    }
    let r = a
        .get(&format!("/api/v1/learning/programmes/{pid}/calendar"))
        .await;
    r.assert_status(200);
    assert!(r.header("content-type").starts_with("text/calendar"));
    let ics = r.text();
    let page = app.page_as("viewer@pv26.example").await;
    let download = page
        .get(&format!("/leertrajecten/leergangen/{pid}/sessies.ics"))
        .await;
    download.assert_status(200);
    assert!(download.header("content-disposition").contains(".ics"));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("sessies.ics");
    std::fs::write(&file, &ics).unwrap();
    let script = r#"
import sys, icalendar
cal = icalendar.Calendar.from_ical(open(sys.argv[1], "rb").read())
for e in cal.walk("VEVENT"):
    s = e.decoded("DTSTART")
    print(f"{e.get('SUMMARY')}|{s.isoformat()}|{s.utcoffset()}|{e.get('URL')}")
"#;
    let out = std::process::Command::new(crate::ogc::python())
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines,
        [
            "Aftrap; kennismaking, doelen|2026-03-10T13:30:00+01:00|1:00:00|https://meet.example/digitaal-leiderschap",
            "Terugkomdag|2026-11-03T09:00:00+01:00|1:00:00|https://meet.example/digitaal-leiderschap",
        ]
    );
    // Summer time: a session in June is at +02:00.
    a.create(
        &format!("/api/v1/learning/programmes/{pid}/sessions"),
        &json!({"title": "Zomersessie", "date": "2026-06-16", "startTime": "10:00", "endTime": "11:00", "afterModule": "2"}),
    )
    .await;
    std::fs::write(
        &file,
        a.get(&format!("/api/v1/learning/programmes/{pid}/calendar"))
            .await
            .text(),
    )
    .unwrap();
    let out = std::process::Command::new(crate::ogc::python())
        .args(["-c", script, file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Zomersessie|2026-06-16T10:00:00+02:00"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    app.assert_only_a_reads(&format!("/api/v1/learning/programmes/{pid}/calendar"))
        .await;
}

/// The coordinator changes and removes modules and live sessions, after a confirmation on
/// the pages; the modules and sessions after a removed module move up; bad input and another
/// organisation are refused.
#[tokio::test]
async fn the_coordinator_changes_and_removes_modules_and_sessions() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (p, _) = programme_and_cohort(&a, "20").await;
    let pid = p["id"].as_str().unwrap();
    let prog = a
        .get_json(&format!("/api/v1/learning/programmes/{pid}"))
        .await;
    let ids: Vec<String> = field_of_each(&prog["modules"], "id")
        .into_iter()
        .map(String::from)
        .collect();
    let session = a
        .create(
            &format!("/api/v1/learning/programmes/{pid}/sessions"),
            &json!({"title": "Na module 3", "date": "2026-04-01", "startTime": "10:00", "endTime": "11:00", "afterModule": "3"}),
        )
        .await;
    let sid = session["id"].as_str().unwrap().to_string();
    // Change a module; bad input named.
    let changed = a
        .put_json(
            &format!("/api/v1/learning/modules/{}", ids[1]),
            &json!({"title": "Sturen op data", "description": "Met cijfers", "dimension": "Sturen"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["title"], "Sturen op data");
    let problem = a
        .put_json(
            &format!("/api/v1/learning/modules/{}", ids[1]),
            &json!({"title": "", "dimension": "Dromen"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(invalid_names(&problem), ["title", "dimension"]);
    // Remove module 2 on the page: first without, then with the confirmation.
    let page = app.page_as("admin@pv26.example").await;
    let remove = format!("/leertrajecten/modules/{}/verwijderen", ids[1]);
    page.post_form(&remove, &[]).await.assert_status(400);
    let r = page.post_form(&remove, &[("confirm", "on")]).await;
    r.assert_status(303);
    let prog = a
        .get_json(&format!("/api/v1/learning/programmes/{pid}"))
        .await;
    assert_eq!(prog["modules"].as_array().unwrap().len(), 4);
    assert_eq!(
        prog["modules"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["position"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [1, 2, 3, 4]
    );
    assert_eq!(
        prog["sessions"][0]["afterModule"], 2,
        "the session moved up with its module"
    );
    // Change the session on its page, then remove it through the API.
    let html = page.page(&format!("/leertrajecten/sessies/{sid}")).await;
    assert!(html.contains("Na module 3"));
    page.post_form(
        &format!("/leertrajecten/sessies/{sid}"),
        &[
            ("title", "Terugkomdag"),
            ("date", "2026-04-02"),
            ("startTime", "09:00"),
            ("endTime", "08:00"),
            ("link", ""),
            ("afterModule", "2"),
        ],
    )
    .await
    .assert_status(400);
    page.submit(
        &format!("/leertrajecten/sessies/{sid}"),
        &[
            ("title", "Terugkomdag"),
            ("date", "2026-04-02"),
            ("startTime", "09:00"),
            ("endTime", "12:00"),
            ("link", ""),
            ("afterModule", "2"),
        ],
    )
    .await
    .assert_shows(200, &["De sessie is gewijzigd"]);
    // Another organisation and a viewer are refused; nothing changes.
    let b = app.api_as("admin@gm0796.example").await;
    b.delete(&format!("/api/v1/learning/sessions/{sid}"))
        .await
        .assert_status(404);
    b.put_json(
        &format!("/api/v1/learning/modules/{}", ids[0]),
        &json!({"title": "x"}),
    )
    .await
    .assert_status(404);
    app.as_viewer()
        .await
        .delete(&format!("/api/v1/learning/sessions/{sid}"))
        .await
        .assert_status(403);
    a.delete(&format!("/api/v1/learning/sessions/{sid}"))
        .await
        .assert_status(204);
    a.delete(&format!("/api/v1/learning/sessions/{sid}"))
        .await
        .assert_status(404);
    let prog = a
        .get_json(&format!("/api/v1/learning/programmes/{pid}"))
        .await;
    assert_eq!(prog["sessions"], json!([]));
    assert_eq!(prog["modules"][1]["title"], "Module 3");
}

/// The coordinator takes a participant out of a full group, after a confirmation on the page:
/// the first one waiting gets the place; a viewer and another organisation are refused.
#[tokio::test]
async fn taking_someone_out_of_a_full_group_gives_the_place_to_who_waits() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (_, c) = programme_and_cohort(&a, "1").await;
    let cid = c["id"].as_str().unwrap();
    a.post_csv(
        &format!("/api/v1/learning/cohorts/{cid}/participants"),
        &roster(2),
    )
    .await
    .assert_status(201);
    let g = a
        .create(
            &format!("/api/v1/learning/cohorts/{cid}/groups"),
            &json!({"name": "Groep A", "capacity": "1"}),
        )
        .await;
    let gid = g["id"].as_str().unwrap();
    let detail = a.get_json(&format!("/api/v1/learning/cohorts/{cid}")).await;
    let people: Vec<String> = field_of_each(&detail["participants"], "id")
        .into_iter()
        .map(String::from)
        .collect();
    for p in &people {
        a.post_json(
            &format!("/api/v1/learning/groups/{gid}/enrolments"),
            &json!({"participantId": p}),
        )
        .await;
    }
    let group_of = async |id: &str| {
        a.get_json(&format!("/api/v1/learning/participants/{id}"))
            .await["participant"]["groupId"]
            .clone()
    };
    assert_eq!(group_of(&people[0]).await, gid);
    assert_eq!(group_of(&people[1]).await, Value::Null, "the second waits");
    // Refused without the confirmation, for a viewer and for another organisation.
    let page = app.page_as("admin@pv26.example").await;
    let out = format!("/leertrajecten/deelnemers/{}/uitschrijven", people[0]);
    page.post_form(&out, &[]).await.assert_status(400);
    app.as_viewer()
        .await
        .delete(&format!(
            "/api/v1/learning/participants/{}/enrolment",
            people[0]
        ))
        .await
        .assert_status(403);
    app.api_as("admin@gm0796.example")
        .await
        .delete(&format!(
            "/api/v1/learning/participants/{}/enrolment",
            people[0]
        ))
        .await
        .assert_status(404);
    assert_eq!(group_of(&people[0]).await, gid);
    page.submit(&out, &[("confirm", "on")])
        .await
        .assert_shows(200, &["De deelnemer is uit de groep gehaald"]);
    assert_eq!(group_of(&people[0]).await, Value::Null);
    assert_eq!(
        group_of(&people[1]).await,
        gid,
        "the one waiting got the place"
    );
    a.delete(&format!(
        "/api/v1/learning/participants/{}/enrolment",
        people[1]
    ))
    .await
    .assert_status(204);
    assert_eq!(group_of(&people[1]).await, Value::Null);
}

async fn question_and_monitor(c: &Session, question: &str) -> (Value, Value) {
    let task = json!({"name": "Mobiliteit", "theme": "mobility"});
    let question = c.ask_question(task, json!({"question": question})).await;
    let monitor = c
        .create(
            "/api/v1/monitors",
            &json!({"name": "Tijdmachine", "indicatorIds": []}),
        )
        .await;
    (question, monitor)
}

#[tokio::test]
async fn the_coordinator_changes_a_programme_leaving_its_model_out() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (p, _) = programme_and_cohort(&a, "10").await;
    let id = p["id"].as_str().unwrap();
    let url = format!("/api/v1/learning/programmes/{id}");
    let changed = a
        .put_json(
            &url,
            &json!({"name": "Digitaal Leiderschap 2027", "description": "Tweede lichting", "minAttendance": 70}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(changed["name"], "Digitaal Leiderschap 2027");
    assert_eq!(changed["minAttendance"], 70);
    assert_eq!(changed["requiresProject"], false);
    // Left out, the leadership model stays (changing it: learning_model.rs).
    assert_eq!(changed["dimensions"], p["dimensions"]);
    // Bad input: every field's problem at once; nothing changes.
    let e = a
        .put_json(&url, &json!({"name": "", "minAttendance": 150}))
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&e, &["name", "minAttendance"]);
    a.put_json(&url, &json!({"name": "X", "minAttendance": "veel"}))
        .await
        .assert_status(400);
    let now: Value = a.get_json(&url).await;
    assert_eq!(
        now["programme"]["name"], "Digitaal Leiderschap 2027",
        "{now}"
    );
    // A viewer may not; an unknown programme is not found.
    app.as_viewer()
        .await
        .put_json(&url, &json!({"name": "Nee"}))
        .await
        .assert_status(403);
    a.put_json(
        "/api/v1/learning/programmes/onbekend",
        &json!({"name": "X"}),
    )
    .await
    .assert_status(404);
    // Through the page.
    let pages = app.page_as("admin@pv26.example").await;
    let form = format!("/leertrajecten/leergangen/{id}/wijzigen");
    pages
        .post_form(&form, &[("name", ""), ("minAttendance", "77")])
        .await
        .assert_shows(400, &["is verplicht", "value=\"77\""]);
    // Each form of the page keeps its own problems and what was typed: a session refused
    // shows its title again, and its problem beside its own field only (the module and
    // cohort forms have a title and a name too).
    let refused = pages
        .post_form(
            &format!("/leertrajecten/leergangen/{id}/sessies"),
            &[("title", "Terugkomdag"), ("date", "morgen")],
        )
        .await;
    refused.assert_shows(
        400,
        &["id=\"s-title\" name=\"title\" required value=\"Terugkomdag\""],
    );
    let html = refused.text();
    assert!(
        html.contains("id=\"m-title\" name=\"title\" required value=\"\""),
        "{html}"
    );
    assert_eq!(html.matches("id=\"date-error\"").count(), 1, "{html}");
    pages
        .post_form(
            &format!("/leertrajecten/leergangen/{id}/cohorten"),
            &[("name", ""), ("capacity", "12")],
        )
        .await
        .assert_shows(
            400,
            &["id=\"c-cap\" name=\"capacity\" inputmode=\"numeric\" value=\"12\""],
        );
    let r = pages
        .post_form(
            &form,
            &[
                ("name", "Datagedreven leiden"),
                ("minAttendance", "80"),
                ("requiresProject", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), 303);
    pages
        .get(&format!("/leertrajecten/leergangen/{id}"))
        .await
        .assert_shows(200, &["Datagedreven leiden", "80%"]);
}
