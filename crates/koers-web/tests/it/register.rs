//! The register (M5) end to end: applications, choices routed by the framework, the board's
//! agenda, the decision aid, the pre-scan, measures, the Algoritmeregister export and the
//! decision history — over the API and the pages.

use crate::helpers::{PASSWORD, TestApp, assert_invalid, field_of_each, find_by, invalid_names};
use crate::session::Session;
use koers_core::secret::hash_password;
use koers_core::{Role, UserDraft};
use koers_store::Actor;
use serde_json::{Value, json};

pub(crate) fn application() -> Value {
    json!({
        "name": "Digitale tweeling mobiliteit",
        "kind": "digital_twin",
        "purpose": "Ruimtelijke en economische gegevens combineren voor verkeersbesluiten.",
        "department": "Mobiliteit",
        "lifecyclePhase": "monitoring-en-beheer",
        "suppliers": ["Leverancier A"],
        "hosting": "saas",
        "status": "in_use",
        "aiActRiskGroup": "high_risk",
        "citizenImpact": "medium",
        "personalData": true,
        "yearlyCostEur": "300.000",
    })
}

pub(crate) fn choice() -> Value {
    json!({
        "title": "Hosting van de digitale tweeling",
        "choiceType": "hosting",
        "context": "Waar draait de tweeling?",
        "drivers": ["Soevereiniteit"],
        "options": [
            {"title": "Eigen rekencentrum", "pros": ["eigen beheer"], "cons": ["beheerlast"]},
            {"title": "Publieke cloud", "description": "Grote aanbieder", "pros": ["schaalbaar"]}
        ],
        "chosenOption": "Eigen rekencentrum",
        "rationale": "de gegevens kernregistraties raken.",
        "decisionMakers": ["Gedeputeerde Staten"]
    })
}

/// An application no rule of the default framework looks at, apart from `citizen_impact`:
/// no high-risk AI, cheap, no personal data.
pub(crate) fn modest_application(citizen_impact: &str) -> Value {
    let mut a = application();
    a["aiActRiskGroup"] = json!("not_high_risk");
    a["yearlyCostEur"] = json!("1000");
    a["personalData"] = json!(false);
    a["citizenImpact"] = json!(citizen_impact);
    a
}

/// Registers `application` and proposes [`choice`] about it: the application's id and the
/// choice as the API answered.
pub(crate) async fn propose(c: &Session, application: &Value) -> (String, Value) {
    let id = c.create("/api/v1/applications", application).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let ch = c
        .create(&format!("/api/v1/applications/{id}/choices"), &choice())
        .await;
    (id, ch)
}

pub(crate) async fn board_member(app: &TestApp) {
    let hash = hash_password(PASSWORD).unwrap();
    let d = UserDraft::parse("bestuur@pv26.example", "Bestuurder", PASSWORD).unwrap();
    app.store
        .users()
        .create_user(
            &d,
            &hash,
            false,
            &app.org_a.id,
            &[Role::BoardMember],
            &Actor::cli(),
        )
        .await
        .unwrap();
}

/// The adviser's advice "Akkoord." on choice `cid` of the choices at `choices`.
async fn advise_agreed(adviser: &Session, choices: &str, cid: &str) {
    adviser
        .post_json(
            &format!("{choices}/{cid}/transitions"),
            &json!({"to": "advised", "advice": "Akkoord.", "adviser": "CIO-office"}),
        )
        .await
        .assert_status(200);
}

/// Asserts that every organisation's decision history still chains (nothing was changed
/// behind its back).
async fn assert_chains_intact(app: &TestApp) {
    let checks = app
        .store
        .register()
        .verify_register_chain(None)
        .await
        .unwrap();
    assert!(checks.iter().all(|c| c.is_intact()));
}

#[tokio::test]
pub(crate) async fn choices_are_routed_to_the_board_and_decided_with_a_reference() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let c = app.as_admin().await;
    let a = c.create("/api/v1/applications", &application()).await;
    let id = a["id"].as_str().unwrap().to_string();
    assert_eq!(a["aiActRiskGroup"], "high_risk");
    assert_eq!(a["yearlyCostEur"], 300000);
    // High-risk AI and cost above the threshold: the default framework routes to the board.
    let ch = c
        .create(&format!("/api/v1/applications/{id}/choices"), &choice())
        .await;
    let cid = ch["id"].as_str().unwrap().to_string();
    assert_eq!(ch["status"], "proposed");
    assert_eq!(ch["level"], "board");
    assert_eq!(ch["routing"]["level"], "board");
    let rules = field_of_each(&ch["routing"]["matched_rules"], "rule");
    assert!(rules.contains(&"Hoog-risico AI"), "{rules:?}");
    let explanation = ch["routing"]["explanation"].as_str().unwrap();
    assert!(explanation.contains("op niveau bestuur"), "{explanation}");
    assert!(explanation.contains("€ 300.000 per jaar"), "{explanation}");
    // Each rule's reasons are data too, for clients that word them themselves.
    let high = find_by(&ch["routing"]["matched_rules"], "rule", "Hoog-risico AI");
    assert_eq!(
        high["reasons"],
        json!([{"kind": "risk_group", "group": "high_risk"}])
    );
    // The choice's page words the routing in the reader's language.
    let en = app.page_as("bestuur@pv26.example").await;
    en.get("/lang/en?next=/").await;
    let page = en.page(&format!("/toepassingen/{id}/keuzes/{cid}")).await;
    assert!(
        page.contains("The choice is made at board level because of rule"),
        "{page}"
    );
    assert!(page.contains("the cost of € 300,000 a year is above € 250,000"));
    // The built-in framework's rule names read in English too.
    assert!(page.contains("Costs above € 250,000"), "{page}");
    let fw = en.page("/toepassingen/keuzekader").await;
    assert!(fw.contains("Default choice framework") && fw.contains("High-risk AI"));
    assert!(!page.contains("wordt op niveau"));
    assert!(ch["madr"].as_str().unwrap().contains("## Overwogen opties"));
    // On the agenda.
    let agenda: Value = c.get_json("/api/v1/board-agenda").await;
    assert_eq!(agenda.as_array().unwrap().len(), 1);
    // Advice (by another than the proposer: four eyes), then the administrator may not
    // decide for the board.
    let tr = format!("/api/v1/applications/{id}/choices/{cid}/transitions");
    let own = c
        .post_json(
            &tr,
            &json!({"to": "advised", "advice": "Eigen advies.", "adviser": "Ik"}),
        )
        .await;
    own.assert_status(400);
    assert_eq!(own.json()["invalidParams"][0]["code"], "four_eyes");
    let adviser = app.api_as(&crate::overview::adviser(&app).await).await;
    adviser
        .post_json(&tr, &json!({"to": "advised", "advice": "Akkoord, met een exitstrategie.", "adviser": "CIO-office"}))
        .await
        .assert_status(200);
    c.post_json(&tr, &json!({"to": "decided", "date": "2026-03-01", "decisionMaker": "GS", "reference": "GS-2026-12"})).await.assert_status(403);
    // On the agenda of a meeting.
    let m = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Gedeputeerde Staten", "heldOn": "2026-02-26"}),
        )
        .await;
    let mid = m["id"].as_str().unwrap();
    c.post_json(
        &format!("/api/v1/meetings/{mid}/items"),
        &json!({"choiceId": cid}),
    )
    .await
    .assert_status(200);
    // The board member records the decision through the agenda page, where the proposal
    // reads as a whole: context, options with their pros and cons, rationale and advice; the
    // meeting it is on names the decision maker and the day.
    let b = app.page_as("bestuur@pv26.example").await;
    let html = b.page("/toepassingen/bestuursagenda").await;
    let item = &html[html
        .find(&format!("id=\"besluit-{cid}\""))
        .expect("the item")..];
    for part in [
        "Hosting van de digitale tweeling",
        "Waar draait de tweeling?",
        "Eigen rekencentrum (voorgesteld)",
        "Voordeel: eigen beheer",
        "Nadeel: beheerlast",
        "de gegevens kernregistraties raken.",
        "Akkoord, met een exitstrategie.",
        "Op de agenda van <a class=\"utrecht-link\"",
        "Gedeputeerde Staten, <time datetime=\"2026-02-26\">26 februari 2026</time>",
        "name=\"decisionMaker\" value=\"Gedeputeerde Staten\"",
        "name=\"date\" value=\"2026-02-26\"",
    ] {
        assert!(item.contains(part), "{part} missing: {item}");
    }
    // The API's agenda names the meeting too.
    let agenda: Value = c.get_json("/api/v1/board-agenda").await;
    assert_eq!(agenda[0]["id"], cid.as_str());
    assert_eq!(agenda[0]["meeting"]["id"], mid);
    assert_eq!(agenda[0]["meeting"]["heldOn"], "2026-02-26");
    let page = b.page(&format!("/toepassingen/{id}/keuzes/{cid}")).await;
    assert!(
        page.contains("<dt>Op de agenda van</dt>"),
        "the choice's page names its meeting: {page}"
    );
    // Without a reference: every problem listed, nothing decided.
    b.post_form(
        &format!("/toepassingen/bestuursagenda/{cid}"),
        &[
            ("to", "decided"),
            ("date", "2026-03-01"),
            ("decisionMaker", ""),
            ("reference", ""),
        ],
    )
    .await
    .assert_shows(400, &["kenmerk"]);
    b.submit(
        &format!("/toepassingen/bestuursagenda/{cid}"),
        &[
            ("to", "decided"),
            ("date", "2026-03-01"),
            ("decisionMaker", "Gedeputeerde Staten"),
            ("reference", "GS-2026-12"),
        ],
    )
    .await
    .assert_status(200);
    let ch: Value = c
        .get_json(&format!("/api/v1/applications/{id}/choices/{cid}"))
        .await;
    assert_eq!(ch["status"], "decided");
    assert!(
        b.page(&format!("/toepassingen/{id}/keuzes/{cid}"))
            .await
            .contains("Eigen rekencentrum (gekozen)")
    );
    assert_eq!(ch["boardReference"], "GS-2026-12");
    assert_eq!(ch["record"]["decided_on"], "2026-03-01");
    let agenda: Value = c.get_json("/api/v1/board-agenda").await;
    assert_eq!(agenda, json!([]));
    // The history is intact and holds every decision event.
    let h: Value = c.get_json("/api/v1/decision-history").await;
    assert_eq!(h["intact"], true);
    assert_eq!(h["entries"], 3);
    assert_chains_intact(&app).await;
}

#[tokio::test]
async fn bad_input_is_listed_field_by_field() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let p = c.post_json("/api/v1/applications", &json!({"name": "", "kind": "kasteel", "purpose": 5, "yearlyCostEur": "veel", "productLinks": ["javascript:alert(1)"]})).await.expect(400).json();
    assert_invalid(
        &p,
        &[
            "name",
            "kind",
            "purpose",
            "yearlyCostEur",
            "productLinks[0]",
            "lifecyclePhase",
        ],
    );
    let a = c.create("/api/v1/applications", &application()).await;
    let id = a["id"].as_str().unwrap();
    let p = c
        .post_json(
            &format!("/api/v1/applications/{id}/choices"),
            &json!({"title": "", "options": [{"title": 3}], "chosenOption": "Niets"}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&p, &["title", "choiceType", "context", "options[0].title"]);
    // A framework with problems is refused with every problem; nothing is saved.
    let p = c.put_json("/api/v1/choice-framework", &json!({"name": "", "rules": [{"name": "x", "condition": {"type": "personal_data"}, "level": "official"}]})).await.expect(400).json();
    assert_eq!(p["invalidParams"].as_array().unwrap().len(), 2, "{p}");
    let v: Value = c.get_json("/api/v1/choice-framework/versions").await;
    assert_eq!(v, json!([]));
    // A viewer may look but not register.
    let v = app.as_viewer().await;
    v.post_json("/api/v1/applications", &application())
        .await
        .assert_status(403);
    assert_eq!(
        v.get(&format!("/api/v1/applications/{id}")).await.status(),
        200
    );
}

#[tokio::test]
pub(crate) async fn the_framework_is_versioned_and_reroutes_choices() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let (id, ch) = propose(&c, &modest_application("low")).await;
    let id = id.as_str();
    assert_eq!(ch["level"], "official");
    assert_eq!(ch["frameworkVersion"], Value::Null);
    // Through the page: hosting choices go to management from now on. The framework is a
    // form (a condition builder), not JSON.
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page("/toepassingen/keuzekader").await;
    assert!(html.contains("Hoog-risico AI"));
    assert!(
        html.contains("de kosten per jaar liggen boven € 250.000"),
        "{html}"
    );
    assert!(
        !html.contains("&quot;type&quot;") && !html.contains("\"type\":"),
        "the condition reads in words, not JSON"
    );
    let form = |euros: &'static str, action: &'static str| {
        vec![
            ("name", "Keuzekader PU"),
            ("rules[0].name", "Hosting"),
            ("rules[0].join", "all"),
            ("rules[0].clauses[0].kind", "choice_type_in"),
            ("rules[0].clauses[0].choice_types", "hosting"),
            ("rules[0].level", "management"),
            ("rules[1].name", "Duur"),
            ("rules[1].join", "all"),
            ("rules[1].clauses[0].kind", "cost_above"),
            ("rules[1].clauses[0].euros", euros),
            ("rules[1].level", "board"),
            ("deciders.official.roles", "analyst"),
            ("deciders.management.roles", "policy_owner"),
            ("deciders.board.roles", "board_member"),
            ("action", action),
        ]
    };
    // Adding a clause keeps what was typed and adds an empty row.
    let more = p
        .post_form("/toepassingen/keuzekader", &form("veel", "add_clause:1"))
        .await;
    more.assert_shows(200, &["rules[1].clauses[1].kind", "value=\"veel\""]);
    // A wrong amount is named in words at its field; nothing is saved.
    let bad = p
        .post_form("/toepassingen/keuzekader", &form("veel", "preview"))
        .await;
    bad.assert_shows(
        400,
        &[
            "vul een bedrag in hele euro",
            "rules[1].clauses[0].euros-error",
        ],
    );
    assert!(!bad.text().contains("expected"), "no serde words");
    assert_eq!(
        bad.text().matches("role=\"alert\"").count(),
        1,
        "one summary"
    );
    assert_eq!(
        c.get_json("/api/v1/choice-framework").await["version"],
        Value::Null
    );
    // The preview names the open choice that would go to the management.
    let preview = p
        .post_form("/toepassingen/keuzekader", &form("€ 500.000", "preview"))
        .await;
    preview.assert_shows(
        200,
        &[
            "Gevolgen voor lopende keuzes",
            "Hosting van de digitale tweeling",
            "Opslaan als nieuwe versie",
        ],
    );
    assert_eq!(
        c.get_json("/api/v1/choice-framework").await["version"],
        Value::Null,
        "a preview saves nothing"
    );
    p.submit("/toepassingen/keuzekader", &form("€ 500.000", "save"))
        .await
        .assert_shows(200, &["Opgeslagen"]);
    let f: Value = c.get_json("/api/v1/choice-framework").await;
    assert_eq!(f["version"], 1);
    let ch = c
        .create(&format!("/api/v1/applications/{id}/choices"), &choice())
        .await;
    assert_eq!(ch["level"], "management");
    assert_eq!(ch["frameworkVersion"], 1);
    assert_eq!(ch["routing"]["matched_rules"][0]["rule"], "Hosting");
    // A second version, compared side by side with the first.
    p.submit("/toepassingen/keuzekader", &form("€ 100.000", "save"))
        .await
        .assert_status(200);
    let cmp = p
        .page("/toepassingen/keuzekader/vergelijken?van=1&naar=2")
        .await;
    assert!(
        cmp.contains("gewijzigd") && cmp.contains("ongewijzigd"),
        "{cmp}"
    );
    assert!(
        cmp.contains("€ 500.000") && cmp.contains("€ 100.000"),
        "{cmp}"
    );
    p.get("/toepassingen/keuzekader/vergelijken?van=1&naar=9")
        .await
        .assert_status(404);
}

/// A proposal rests on evidence snapshots of its own organisation; the proposal document
/// names each with its hash, so the board can check what it was shown.
#[tokio::test]
async fn a_proposal_names_its_evidence_with_its_hash() {
    let app = TestApp::spawn().await;
    let snapshot = |org: String, title: &'static str| {
        let store = app.store.clone();
        async move {
            store
                .snapshots()
                .create_snapshot(
                    &org,
                    &koers_store::snapshots::NewSnapshot {
                        subject_kind: "indicator",
                        subject_id: "vrachtverkeer",
                        title,
                        note: "voor GS 12 maart",
                        content: &koers_core::snapshot::Frozen::of(&json!({"waarde": 42})),
                    },
                    &Actor::cli(),
                )
                .await
                .unwrap()
        }
    };
    let ours = snapshot(app.org_a.id.clone(), "Monitor vrachtverkeer maart").await;
    let theirs = snapshot(app.org_b.id.clone(), "Andermans monitor").await;
    let c = app.as_admin().await;
    let id = c.create("/api/v1/applications", &application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let choices = format!("/api/v1/applications/{id}/choices");
    for bad in [theirs.id.as_str(), "geen-momentopname"] {
        let mut ch = choice();
        ch["evidence"] = json!([bad]);
        let r = c.post_json(&choices, &ch).await;
        r.assert_status(400);
        assert_eq!(invalid_names(&r.json()), ["evidence"]);
    }
    let mut ch = choice();
    ch["evidence"] = json!([ours.id]);
    let created = c.create(&choices, &ch).await;
    assert_eq!(created["record"]["evidence"], json!([ours.id]));
    let cid = created["id"].as_str().unwrap();
    let p = app.page_as("admin@pv26.example").await;
    let page = p.page(&format!("/toepassingen/{id}/keuzes/{cid}")).await;
    assert!(page.contains("Monitor vrachtverkeer maart"), "{page}");
    assert!(page.contains(&format!("/informatieproducten/momentopnamen/{}", ours.id)));
    let form = p.page(&format!("/toepassingen/{id}/keuzes/nieuw")).await;
    assert!(form.contains("Monitor vrachtverkeer maart") && !form.contains("Andermans"));
    let doc = odt_text(
        p.get(&format!("/toepassingen/{id}/keuzes/{cid}/voorstel.odt"))
            .await
            .expect(200)
            .bytes(),
    );
    assert!(doc.contains("Monitor vrachtverkeer maart"), "{doc}");
    assert!(doc.contains(&ours.content_hash[..16]), "{doc}");
}

/// A decided choice is published for everyone on the organisation's page of decisions (Woo),
/// without the parts marked for redaction; only decided or rejected choices, only by those
/// who plan the board's work, only the organisation's own.
#[tokio::test]
async fn decisions_are_published_for_everyone_without_what_is_redacted() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let c = app.as_admin().await;
    let (id, ch) = propose(&c, &application()).await;
    let cid = ch["id"].as_str().unwrap().to_string();
    let publication = format!("/api/v1/applications/{id}/choices/{cid}/publication");
    let r = c.put_json(&publication, &json!({"redacted": []})).await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["status"]);
    crate::overview::advise(&app, &id, &cid).await;
    app.api_as("bestuur@pv26.example")
        .await
        .post_json(
            &format!("/api/v1/applications/{id}/choices/{cid}/transitions"),
            &json!({"to": "decided", "date": "2026-03-12", "decisionMaker": "Gedeputeerde Staten", "reference": "GS-2026-031"}),
        )
        .await
        .assert_status(200);
    // Wrong fields, another organisation, a viewer: refused, nothing published.
    let r = c
        .put_json(&publication, &json!({"redacted": ["rationale", "salaris"]}))
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["redacted"]);
    app.api_as("admin@gm0796.example")
        .await
        .put_json(&publication, &json!({"redacted": []}))
        .await
        .assert_status(404);
    app.api_as("viewer@pv26.example")
        .await
        .put_json(&publication, &json!({"redacted": []}))
        .await
        .assert_status(403);
    let anon = app.anonymous();
    let public: Value = anon.get_json("/api/v1/public-decisions/PV26").await;
    assert_eq!(public["decisions"], json!([]));
    // Published without its rationale.
    let p: Value = c
        .put_json(&publication, &json!({"redacted": ["rationale"]}))
        .await
        .json();
    assert_eq!(p["publicPage"], "/besluiten/PV26");
    let public: Value = anon.get_json("/api/v1/public-decisions/PV26").await;
    let d = &public["decisions"][0];
    assert_eq!(d["title"], "Hosting van de digitale tweeling");
    assert_eq!(d["decision"], "Eigen rekencentrum");
    assert_eq!(d["reference"], "GS-2026-031");
    assert_eq!(d["date"], "2026-03-12");
    assert_eq!(d["rationale"], Value::Null);
    assert_eq!(d["redacted"], json!(["rationale"]));
    let html = anon.get("/besluiten/PV26").await.expect(200).text();
    assert!(
        html.contains("Hosting van de digitale tweeling") && html.contains("GS-2026-031"),
        "{html}"
    );
    assert!(
        !html.contains("kernregistraties"),
        "the rationale is left out"
    );
    assert!(
        html.contains("Weggelaten") && html.contains("Motivering"),
        "{html}"
    );
    // Through the page, the whole decision; then taken off again.
    let page = app.page_as("admin@pv26.example").await;
    let shown = page.page(&format!("/toepassingen/{id}/keuzes/{cid}")).await;
    assert!(shown.contains("Openbaar maken (Woo)"), "{shown}");
    assert!(
        shown.contains(">12 maart 2026</time>"),
        "decided on, written out: {shown}"
    );
    page.submit(
        &format!("/toepassingen/{id}/keuzes/{cid}/openbaar"),
        &[("action", "publish")],
    )
    .await
    .assert_shows(200, &["Openbaar gemaakt op"]);
    let html = anon.get("/besluiten/PV26").await.expect(200).text();
    assert!(html.contains("kernregistraties"), "{html}");
    c.delete(&publication).await.assert_status(204);
    c.delete(&publication).await.assert_status(404);
    let html = anon.get("/besluiten/PV26").await.expect(200).text();
    assert!(html.contains("nog geen besluiten"), "{html}");
    anon.get("/besluiten/XX99").await.assert_status(404);
    anon.get("/api/v1/public-decisions/XX99")
        .await
        .assert_status(404);
}

/// Below the board, those the framework names decide on the choice's own page: one form with
/// the four acts in words (never a key), the reason asked for where one is needed and what
/// was typed kept; whoever keeps the register but does not decide is told who does.
#[tokio::test]
async fn a_manager_sends_a_choice_back_on_its_page() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let manager = app.add_user("mt@pv26.example", Role::PolicyOwner).await;
    let (id, ch) = propose(&c, &modest_application("high")).await;
    assert_eq!(ch["level"], "management", "{ch}");
    let cid = ch["id"].as_str().unwrap();
    crate::overview::advise(&app, &id, cid).await;
    let path = format!("/toepassingen/{id}/keuzes/{cid}");
    let admin = app.page_as("admin@pv26.example").await;
    let html = admin.page(&path).await;
    assert!(html.contains("besluiten: "), "{html}");
    assert!(!html.contains("name=\"reason\""), "{html}");
    let mt = app.page_as("mt@pv26.example").await;
    let html = mt.page(&path).await;
    for act in [
        "Besluiten",
        "Terugsturen naar de indiener",
        "Afwijzen",
        "Aanhouden",
    ] {
        assert!(html.contains(act), "{act}: {html}");
    }
    assert!(
        !html.contains("register.to.") && !html.contains("register.act."),
        "{html}"
    );
    // Not the board's decision: the management's, taken by whoever signs it here.
    assert!(html.contains(">Het besluit</legend>") && !html.contains("Besluit van het bestuur"));
    let signed = format!("name=\"decisionMaker\" value=\"{}\"", manager.display_name);
    assert!(html.contains(&signed), "{html}");
    // Sent back without a reason: refused, the reason asked for, the act chosen kept.
    let status = format!("{path}/status");
    let r = mt
        .post_form(
            &status,
            &[
                ("to", "sent_back"),
                ("reason", " "),
                ("decisionMaker", "MT"),
            ],
        )
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text();
    assert!(html.contains("id=\"reason-error\""), "{html}");
    assert!(html.contains("value=\"sent_back\" checked"), "{html}");
    assert!(html.contains("value=\"MT\""), "{html}");
    // A decision maker cleared on purpose stays cleared when the form comes back.
    let r = mt
        .post_form(&status, &[("to", "decided"), ("decisionMaker", "")])
        .await;
    assert_eq!(r.status(), 400);
    let html = r.text();
    assert!(html.contains("id=\"decisionMaker-error\""), "{html}");
    assert!(html.contains("name=\"decisionMaker\" value=\"\""), "{html}");
    assert!(
        !html.contains("<code>reason</code>"),
        "said in words only: {html}"
    );
    let api = format!("/api/v1/applications/{id}/choices/{cid}");
    assert_eq!(c.get_json(&api).await["status"], "advised");
    // With its reason it goes back to the proposer: the answer leads back to the choice's
    // own page (reloading it sends nothing again), which says so once and says why.
    let reason = "Eerst de kosten per jaar uitwerken.";
    let r = mt
        .post_form(&status, &[("to", "sent_back"), ("reason", reason)])
        .await
        .expect(303);
    assert_eq!(r.header("location"), path);
    let said = "Het besluit is vastgelegd.";
    let html = mt.page(&path).await;
    assert!(html.contains(said) && html.contains(reason), "{html}");
    assert_eq!(c.get_json(&api).await["status"], "sent_back");
    let again = mt.page(&path).await;
    assert!(!again.contains(said) && again.contains(reason), "{again}");
}

/// A choice at management level is decided by those the framework names for that level
/// (policy owners unless the organisation sets otherwise), not by any analyst.
#[tokio::test]
async fn management_choices_are_decided_by_those_the_framework_names() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let high_impact = modest_application("high");
    let advised = async || {
        let (id, ch) = propose(&c, &high_impact).await;
        assert_eq!(ch["level"], "management", "{ch}");
        let cid = ch["id"].as_str().unwrap().to_string();
        crate::overview::advise(&app, &id, &cid).await;
        format!("/api/v1/applications/{id}/choices/{cid}/transitions")
    };
    let decide = json!({"to": "decided", "date": "2026-03-01", "decisionMaker": "Directieteam"});
    let analyst = app.add_user("analist2@pv26.example", Role::Analyst).await;
    app.add_user("mt@pv26.example", Role::PolicyOwner).await;
    let tr = advised().await;
    // The overview asks the management's deciders, and not an analyst, to decide.
    let decide_tasks = async |who: &str| {
        let tasks = app.api_as(who).await.get_json("/api/v1/tasks").await;
        tasks
            .as_array()
            .unwrap()
            .iter()
            .filter(|t| t["kind"] == "decide")
            .count()
    };
    assert_eq!(decide_tasks("mt@pv26.example").await, 1);
    assert_eq!(decide_tasks("analist2@pv26.example").await, 0);
    for who in ["analist2@pv26.example", "admin@pv26.example"] {
        let api = app.api_as(who).await;
        api.post_json(&tr, &json!({"to": "sent_back", "reason": "nee"}))
            .await
            .assert_status(403);
        api.post_json(&tr, &decide).await.assert_status(403);
    }
    let mt = app.api_as("mt@pv26.example").await;
    mt.post_json(&tr, &decide).await.assert_status(200);
    // The organisation names the analyst for the management level.
    let mut fw: Value = c.get_json("/api/v1/choice-framework").await;
    fw["framework"]["deciders"] = json!({"management": {"members": ["no-such-user"]}});
    c.put_json("/api/v1/choice-framework", &fw["framework"])
        .await
        .assert_status(400);
    fw["framework"]["deciders"] = json!({"management": {"members": [analyst.id]}});
    c.put_json("/api/v1/choice-framework", &fw["framework"])
        .await
        .assert_status(200);
    let page = app.page_as("viewer@pv26.example").await;
    let html = page.page("/toepassingen/keuzekader").await;
    assert!(html.contains("Wie besluit per niveau"), "{html}");
    let tr = advised().await;
    mt.post_json(&tr, &decide).await.assert_status(403);
    app.api_as("analist2@pv26.example")
        .await
        .post_json(&tr, &decide)
        .await
        .assert_status(200);
    // A management team meets on the management's choices; the board's are not for it.
    let meeting = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Managementteam", "heldOn": "2026-12-20"}),
        )
        .await;
    assert_eq!(meeting["level"], "management");
    let items = format!("/api/v1/meetings/{}/items", meeting["id"].as_str().unwrap());
    let (_, ours) = propose(&c, &high_impact).await;
    let page = app.page_as("admin@pv26.example").await;
    let html = page
        .page(&format!(
            "/toepassingen/vergaderingen/{}",
            meeting["id"].as_str().unwrap()
        ))
        .await;
    assert!(
        html.contains("Hosting van de digitale tweeling"),
        "offered: {html}"
    );
    c.post_json(&items, &json!({"choiceId": ours["id"]}))
        .await
        .assert_status(200);
    let (_, boards) = propose(&c, &application()).await;
    let r = c
        .post_json(&items, &json!({"choiceId": boards["id"]}))
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["choiceId"]);
    c.post_json(
        "/api/v1/meetings",
        &json!({"body": "MT", "heldOn": "2026-12-20", "level": "official"}),
    )
    .await
    .assert_status(400);
}

#[tokio::test]
async fn export_validates_against_the_publication_standard() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let a = c.create("/api/v1/applications", &application()).await;
    let id = a["id"].as_str().unwrap();
    let url = format!("/api/v1/applications/{id}/algoritmeregister");
    let e: Value = c.get_json(&url).await;
    assert_eq!(e["valid"], false);
    let missing = field_of_each(&e["problems"], "name");
    assert!(missing.contains(&"description_short"), "{missing:?}");
    assert!(missing.contains(&"contact_email"), "{missing:?}");
    // On the page each problem is said in words and leads to its field of the form.
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page(&format!("/toepassingen/{id}")).await;
    assert!(
        html.contains(r##"<a class="utrecht-link" href="#p-description_short">Korte omschrijving is verplicht</a>"##)
            && html.contains(r#"id="p-description_short""#)
            && !html.contains("<code>description_short</code>"),
        "{html}"
    );
    // In English the form and its problems speak English, the standard's own (Dutch) title
    // beside each field.
    p.get("/lang/en?next=/").await;
    let html = p.page(&format!("/toepassingen/{id}")).await;
    assert!(
        html.contains(r##"href="#p-description_short">Short description is required</a>"##)
            && html.contains(r#"for="p-description_short">Short description <span class="koers-hint" lang="nl">(Korte omschrijving)</span>"#),
        "{html}"
    );
    assert_eq!(e["record"]["organization"], "Provincie Utrecht");
    assert_eq!(
        e["record"]["publication_category"],
        "Hoog-risico AI-systeem"
    );
    c.put_json(&format!("/api/v1/applications/{id}/publication"), &json!({"description_short": "Een digitale tweeling voor verkeersbesluiten.", "contact_email": "algoritmes@provincie-utrecht.nl"})).await.assert_status(200);
    let e: Value = c.get_json(&url).await;
    assert_eq!(e["valid"], true, "{e}");
    // The record validates against the shipped standard by itself, too.
    let record: koers_core::register::algoritmeregister::AlgoritmeregisterRecord =
        serde_json::from_value(json!({ "fields": e["record"] })).unwrap();
    koers_core::register::algoritmeregister::validate(&record).unwrap();
    let r = c.get(&format!("{url}?format=csv")).await;
    assert_eq!(r.status(), 200);
    assert!(r.header("content-type").starts_with("text/csv"));
    let csv = r.text();
    let mut lines = csv.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("name,description_short,organization")
    );
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("Digitale tweeling mobiliteit,")
    );
    let r = c.get(&format!("{url}?format=xml")).await;
    assert_eq!(r.status(), 400);
    // The page offers both downloads and says the export is valid.
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page(&format!("/toepassingen/{id}")).await;
    assert!(html.contains("algoritmeregister.json"));
    assert!(html.contains("voldoet aan publicatiestandaard"));
    // Amounts as people write them.
    assert!(html.contains("€&nbsp;300.000"), "{html}");
    // In English the register's values are English too.
    p.get("/lang/en?next=/").await;
    let html = p.page(&format!("/toepassingen/{id}")).await;
    assert!(html.contains("<dd>high-risk AI</dd>"), "{html}");
    assert!(html.contains(">AI Act does not apply</option>"), "{html}");
    assert!(html.contains("€&nbsp;300,000"), "{html}");
    p.get("/lang/nl?next=/").await;
    let v = p
        .get(&format!("/toepassingen/{id}/algoritmeregister.json"))
        .await
        .expect(200)
        .json();
    assert_eq!(v["name"], "Digitale tweeling mobiliteit");
}

#[tokio::test]
pub(crate) async fn the_decision_aid_sets_the_risk_group_and_the_requirements() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let mut input = application();
    input["aiActRiskGroup"] = json!("");
    let a = c.create("/api/v1/applications", &input).await;
    let id = a["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/applications/{id}/ai-act-assessment");
    // Walk the tree through the API, always taking the last answer, until it concludes.
    let mut answers: Vec<u64> = Vec::new();
    let mut concluded = None;
    for _ in 0..70 {
        let r = c.post_json(&url, &json!({ "answers": answers })).await;
        assert_eq!(r.status(), 200);
        let s: Value = r.json();
        if s["concluded"] == true {
            concluded = Some(s);
            break;
        }
        let n = s["question"]["answers"].as_array().unwrap().len() as u64;
        answers.push(n - 1);
    }
    let s = concluded.expect("the decision aid concludes");
    let group = s["riskGroup"].as_str().unwrap().to_string();
    let a: Value = c.get_json(&format!("/api/v1/applications/{id}")).await;
    assert_eq!(a["aiActRiskGroup"], group.as_str());
    assert_eq!(a["aiActRiskSource"], "decision_aid");
    assert!(a["aiActAssessment"]["conclusion"].is_string());
    // A wrong answer is refused.
    let r = c.post_json(&url, &json!({ "answers": [999] })).await;
    assert_eq!(r.status(), 400);
    // The questionnaire page: one question at a time, radio buttons.
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page(&format!("/toepassingen/{id}/ai-verordening")).await;
    assert!(html.contains("type=\"radio\""));
    let html = p
        .post_form(
            &format!("/toepassingen/{id}/ai-verordening"),
            &[("answers", ""), ("answer", "0"), ("action", "next")],
        )
        .await
        .expect(200)
        .text();
    assert!(html.contains("name=\"answers\" value=\"0\"") || html.contains("role=\"status\""));
    // The aid's explanations keep their little markup (line breaks, bold), never shown as tags.
    assert!(
        html.contains("<br>") && !html.contains("&lt;br&gt;"),
        "{html}"
    );
    // The application's page says what the AI Act asks, as the aid concluded; a reader (who
    // cannot take the aid) is not offered it.
    let obligation = s["conclusion"]["obligation"].as_str().unwrap_or_default();
    let html = p.page(&format!("/toepassingen/{id}")).await;
    assert!(
        !html.contains("&lt;strong&gt;") && !html.contains("&lt;br&gt;"),
        "{html}"
    );
    assert!(!obligation.is_empty(), "{s}");
    assert!(html.contains("Wat de AI-verordening vraagt"), "{html}");
    assert!(html.contains("Beslishulp doorlopen"), "{html}");
    let reader = app.page_as("viewer@pv26.example").await;
    let html = reader.page(&format!("/toepassingen/{id}")).await;
    assert!(
        !html.contains("Beslishulp doorlopen")
            && html.contains("De vragen van de pre-scan bekijken"),
        "{html}"
    );
    // "Next" without an answer asks for one, in the reader's language.
    let ask = async |p: &crate::session::Session| {
        p.post_form(
            &format!("/toepassingen/{id}/ai-verordening"),
            &[("answers", ""), ("answer", ""), ("action", "next")],
        )
        .await
        .expect(200)
        .text()
    };
    assert!(ask(&p).await.contains("Kies een antwoord."));
    p.get("/lang/en?next=/").await;
    let html = ask(&p).await;
    assert!(html.contains("Choose an answer."), "{html}");
    // The government's questions are in Dutch only: said, and marked as Dutch for a reader.
    assert!(
        html.contains("in Dutch only") && html.contains(r#"<span lang="nl">Bevat de"#),
        "{html}"
    );
    p.get("/lang/nl?next=/").await;
    // Measures for the profile, with status, responsible person and evidence.
    let measures = a["applicableMeasures"].as_array().unwrap();
    assert!(!a["requirements"].as_array().unwrap().is_empty());
    if let Some(m) = measures.first() {
        let a = c.put_json(&format!("/api/v1/applications/{id}/measures"), &json!({"measure": m["urn"], "status": "in_progress", "responsible": "CISO", "evidence": "Plan van aanpak"})).await.expect(200).json();
        let m2 = find_by(&a["applicableMeasures"], "urn", m["urn"].clone()).clone();
        assert_eq!(m2["status"], "in_progress");
        assert_eq!(m2["responsible"], "CISO");
    }
    let p = c
        .put_json(
            &format!("/api/v1/applications/{id}/measures"),
            &json!({"measure": "urn:nl:ak:mtr:bestaat-niet", "status": "klaar"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(p["invalidParams"].as_array().unwrap().len(), 2);
    // The pre-scan through the API: an unknown question is refused.
    c.put_json(
        &format!("/api/v1/applications/{id}/prescan"),
        &json!({"answers": {"geen-vraag": "ja"}}),
    )
    .await
    .assert_status(400);
    c.put_json(
        &format!("/api/v1/applications/{id}/prescan"),
        &json!({"answers": {}}),
    )
    .await
    .assert_status(200);
    assert!(
        app.store
            .register()
            .verify_register_chain(Some(&app.org_a.id))
            .await
            .unwrap()[0]
            .is_intact()
    );
}

#[tokio::test]
async fn the_pages_register_applications_and_choices() {
    let app = TestApp::spawn().await;
    let p = app.page_as("admin@pv26.example").await;
    let html = p.page("/toepassingen").await;
    assert!(html.contains("Toepassing registreren"));
    // Bad input: the form comes back with the problems and the values typed.
    p.post_form(
        "/toepassingen",
        &[
            ("name", "Monitor vrachtverkeer"),
            ("kind", "monitor"),
            ("purpose", ""),
            ("department", "Mobiliteit"),
            ("lifecyclePhase", "monitoring-en-beheer"),
            ("hosting", "saas"),
            ("status", "in_use"),
            ("citizenImpact", "none"),
            ("yearlyCostEur", "duur"),
        ],
    )
    .await
    .assert_shows(
        400,
        &["aria-invalid=\"true\"", "value=\"Monitor vrachtverkeer\""],
    );
    let r = p
        .post_form(
            "/toepassingen",
            &[
                ("name", "Monitor vrachtverkeer"),
                ("kind", "monitor"),
                ("purpose", "Inzicht in transportbewegingen."),
                ("department", "Mobiliteit"),
                ("lifecyclePhase", "monitoring-en-beheer"),
                ("hosting", "saas"),
                ("status", "in_use"),
                ("citizenImpact", "none"),
                ("suppliers", "Leverancier A\nLeverancier B"),
                ("productLinks", "/informatieproducten/vracht"),
            ],
        )
        .await;
    r.assert_status(303);
    let loc = r.header("location").to_string();
    let id = loc.rsplit('/').next().unwrap().to_string();
    let html = p.page(&loc).await;
    assert!(html.contains("Leverancier B"));
    assert!(
        html.contains(
            "/toepassingen/{id}/ai-verordening"
                .replace("{id}", &id)
                .as_str()
        )
    );
    // A choice with options through the MADR form.
    let r = p
        .post_form(
            &format!("/toepassingen/{id}/keuzes/nieuw"),
            &[
                ("title", "Zelf bouwen of kopen"),
                ("choiceType", "build_buy_outsource_reuse"),
                ("context", "De monitor moet vernieuwd worden."),
                ("drivers", "Kosten\nOnafhankelijkheid"),
                ("optionTitle", "Zelf bouwen"),
                ("optionDescription", ""),
                ("optionPros", "eigen regie"),
                ("optionCons", "capaciteit"),
                ("optionTitle", "Kopen"),
                ("optionDescription", "Standaardpakket"),
                ("optionPros", "snel"),
                ("optionCons", ""),
                ("optionTitle", ""),
                ("optionDescription", ""),
                ("optionPros", ""),
                ("optionCons", ""),
                // The chosen option is marked among the options (the second), not typed.
                ("chosenIndex", "1"),
                ("rationale", "het snel beschikbaar is."),
            ],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text());
    let loc = r.header("location").to_string();
    let cid = loc.rsplit('/').next().unwrap();
    let chosen = app
        .as_admin()
        .await
        .get_json(&format!("/api/v1/applications/{id}/choices/{cid}"))
        .await;
    assert_eq!(chosen["record"]["chosen_option"], "Kopen", "{chosen}");
    let html = p.page(&loc).await;
    assert!(html.contains("Standaardpakket"));
    assert!(html.contains("Geen regel van het keuzekader"));
    // Status buttons: advise (another than the proposer: four eyes), then decide (official
    // level, so no board needed). Advice without its text or adviser: both named, nothing
    // recorded.
    let proposer = p;
    let p = app.page_as(&crate::overview::adviser(&app).await).await;
    p.post_form(&format!("{loc}/status"), &[("to", "advised")])
        .await
        .assert_shows(400, &["Advies", "is verplicht"]);
    let html = p
        .submit(
            &format!("{loc}/status"),
            &[
                ("to", "advised"),
                ("advice", "Kopen is goedkoper dan bouwen."),
                ("adviser", "Informatiemanager"),
            ],
        )
        .await
        .expect(200)
        .text();
    assert!(html.contains("Kopen is goedkoper dan bouwen."), "{html}");
    assert!(html.contains("Informatiemanager"));
    // The adviser does not decide; the proposer may (not on a day that does not exist).
    let decide = async |who: &Session, date: &str| {
        who.post_form(
            &format!("{loc}/status"),
            &[
                ("to", "decided"),
                ("date", date),
                ("decisionMaker", "Afdelingshoofd"),
            ],
        )
        .await
    };
    decide(&p, "2026-02-28")
        .await
        .assert_shows(400, &["vier ogen"]);
    let p = proposer;
    decide(&p, "2026-02-30").await.assert_status(400);
    p.follow(decide(&p, "2026-02-28").await)
        .await
        .assert_shows(200, &["2026-02-28"]);
    // The pre-scan page lists questions and stores answers.
    let html = p.page(&format!("/toepassingen/{id}/pre-scan")).await;
    assert!(html.contains("Pre-scan"));
    p.post_form(&format!("/toepassingen/{id}/pre-scan"), &[])
        .await
        .assert_status(303);
    // Every page of the module renders.
    for path in [
        "/toepassingen".to_string(),
        "/toepassingen/keuzekader".into(),
        "/toepassingen/bestuursagenda".into(),
        format!("/toepassingen/{id}"),
        format!("/toepassingen/{id}/keuzes/nieuw"),
    ] {
        let r = p.get(&path).await;
        assert_eq!(r.status(), 200, "{path}");
    }
}

#[tokio::test]
pub(crate) async fn another_organisation_sees_nothing_of_the_register() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let a = c.create("/api/v1/applications", &application()).await;
    let id = a["id"].as_str().unwrap();
    let ch = c
        .create(&format!("/api/v1/applications/{id}/choices"), &choice())
        .await;
    let cid = ch["id"].as_str().unwrap();
    let b = app.page_as("admin@gm0796.example").await;
    for path in [
        format!("/toepassingen/{id}"),
        format!("/toepassingen/{id}/ai-verordening"),
        format!("/toepassingen/{id}/pre-scan"),
        format!("/toepassingen/{id}/keuzes/nieuw"),
        format!("/toepassingen/{id}/keuzes/{cid}"),
        format!("/toepassingen/{id}/algoritmeregister.json"),
        format!("/toepassingen/{id}/algoritmeregister.csv"),
    ] {
        let r = b.get(&path).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    for path in [
        format!("/toepassingen/{id}"),
        format!("/toepassingen/{id}/keuzes/{cid}/status"),
        format!("/toepassingen/bestuursagenda/{cid}"),
        format!("/toepassingen/{id}/ai-verordening"),
        format!("/toepassingen/{id}/publicatie"),
    ] {
        let r = b.post_form(&path, &[("to", "decided")]).await;
        assert_eq!(r.status(), 404, "{path}");
    }
    for path in ["/toepassingen", "/toepassingen/bestuursagenda"] {
        let html = b.page(path).await;
        assert!(
            !html.contains("Digitale tweeling mobiliteit"),
            "{path} leaks"
        );
    }
    let bc = app.api_as("admin@gm0796.example").await;
    for path in ["/api/v1/applications", "/api/v1/board-agenda"] {
        let v: Value = bc.get_json(path).await;
        assert_eq!(v, json!([]), "{path}");
    }
    let h: Value = bc.get_json("/api/v1/decision-history").await;
    assert_eq!(h["entries"], 0);
}

/// An application and a choice of organisation A, for the isolation walk; their ids.
pub async fn objects_of_a(app: &TestApp) -> (String, String) {
    let draft = koers_core::register::application::ApplicationDraft::parse(
        &serde_json::from_value(application()).unwrap(),
    )
    .unwrap();
    let a = app
        .store
        .register()
        .create_application(&app.org_a.id, &draft, &[], &[], &Actor::cli())
        .await
        .unwrap();
    let ch =
        koers_core::register::choice::Choice::parse(&serde_json::from_value(choice()).unwrap())
            .unwrap();
    let c = app
        .store
        .register()
        .create_choice(
            &app.org_a.id,
            &a.id,
            &ch,
            koers_core::register::framework::DecisionLevel::Board,
            None,
            &Actor::cli(),
        )
        .await
        .unwrap();
    (a.id, c.id)
}

/// Every page of the module passes axe-core (WCAG 2.1 AA), with data in it, and the decision
/// aid can be answered by keyboard.
#[tokio::test]
async fn the_register_pages_pass_axe_and_work_by_keyboard() {
    use crate::browser::{axe, start_browser, wait_for};
    use fantoccini::{Locator, key::Key};
    let app = TestApp::spawn().await;
    let (id, cid) = objects_of_a(&app).await;
    let (_driver, c, _profile) = start_browser().await;
    crate::browser::sign_in(&c, &app, "admin@pv26.example").await;
    for path in [
        "/toepassingen".to_string(),
        format!("/toepassingen/{id}"),
        format!("/toepassingen/{id}/keuzes/nieuw"),
        format!("/toepassingen/{id}/keuzes/{cid}"),
        format!("/toepassingen/{id}/ai-verordening"),
        format!("/toepassingen/{id}/pre-scan"),
        "/toepassingen/keuzekader".into(),
        "/toepassingen/bestuursagenda".into(),
    ] {
        c.goto(&app.url(&path)).await.unwrap();
        let v = axe(&c).await;
        assert!(v.is_empty(), "{path}: {v:?}");
    }
    // The questionnaire by keyboard: focus the first answer, select it with Space, submit.
    c.goto(&app.url(&format!("/toepassingen/{id}/ai-verordening")))
        .await
        .unwrap();
    let radio = c.find(Locator::Css("input[type=radio]")).await.unwrap();
    radio.send_keys(" ").await.unwrap();
    radio.send_keys(&Key::Enter.to_string()).await.unwrap();
    wait_for(&c, Locator::Css("input[name=answers][value='0']")).await;
    let v = axe(&c).await;
    assert!(v.is_empty(), "second question: {v:?}");
    // Its explanation reads as text with line breaks, not as tags.
    let explanation = c
        .find(Locator::Id("q-explanation"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(!explanation.contains("<br>"), "{explanation}");
    assert!(explanation.lines().count() > 1, "{explanation}");
}

#[tokio::test]
async fn data_protection_measures_only_for_personal_data() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let mut a = application();
    let with = c.create("/api/v1/applications", &a).await;
    a["personalData"] = json!(false);
    a["name"] = json!("Dashboard vrachtverkeer");
    let without = c.create("/api/v1/applications", &a).await;
    let count = |v: &Value| v["applicableMeasures"].as_array().unwrap().len();
    assert!(
        count(&without) < count(&with),
        "{} measures without personal data, {} with",
        count(&without),
        count(&with)
    );
    // The page says which requirements were set aside, and why.
    let p = app.page_as("admin@pv26.example").await;
    let html = p
        .page(&format!(
            "/toepassingen/{}",
            without["id"].as_str().unwrap()
        ))
        .await;
    assert!(html.contains("Niet van toepassing"), "{html}");
    assert!(html.contains("verwerkt geen persoonsgegevens"), "{html}");
    // The page's own list of what the export still misses is not a form's error summary.
    assert!(!html.contains("Controleer wat u invulde"), "{html}");
}

/// The board decides: it sends a choice back (the proposer revises it, proposed again and
/// counted), defers it to a later meeting, rejects it, or decides on another option than
/// proposed with its rationale — by the right person only (four eyes), the proposer notified,
/// every step in the intact hash chain.
#[tokio::test]
async fn the_board_sends_back_defers_rejects_or_chooses_another_option() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let c = app.as_admin().await;
    let id = c.create("/api/v1/applications", &application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let choices = format!("/api/v1/applications/{id}/choices");
    let adviser = app.api_as(&crate::overview::adviser(&app).await).await;
    let board = app.api_as("bestuur@pv26.example").await;
    let board_page = app.page_as("bestuur@pv26.example").await;
    let advise = async |cid: &str| advise_agreed(&adviser, &choices, cid).await;
    let cid = c.create(&choices, &choice()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let tr = format!("{choices}/{cid}/transitions");
    // A proposed choice is not the board's yet; the adviser may not act for the board.
    board
        .post_json(&tr, &json!({"to": "sent_back", "reason": "Te vroeg."}))
        .await
        .assert_status(400);
    advise(&cid).await;
    adviser
        .post_json(&tr, &json!({"to": "rejected", "reason": "Nee."}))
        .await
        .assert_status(403);
    // Sending back needs a reason; then the proposer hears of it and revises.
    let r = board.post_json(&tr, &json!({"to": "sent_back"})).await;
    r.assert_status(400);
    assert_eq!(r.json()["invalidParams"][0]["name"], "reason");
    let sent = board
        .post_json(
            &tr,
            &json!({"to": "sent_back", "reason": "Werk de exitstrategie uit."}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(sent["status"], "sent_back");
    assert_eq!(sent["record"]["board_reason"], "Werk de exitstrategie uit.");
    let notes = c.get_json("/api/v1/notifications").await.to_string();
    assert!(
        notes.contains("teruggestuurd") && notes.contains("exitstrategie"),
        "{notes}"
    );
    // The choice's page says why and offers the revision form, filled in.
    let pages = app.page_as("admin@pv26.example").await;
    let page = pages
        .page(&format!("/toepassingen/{id}/keuzes/{cid}"))
        .await;
    assert!(page.contains("Werk de exitstrategie uit.") && page.contains("/wijzigen"));
    let form = pages
        .page(&format!("/toepassingen/{id}/keuzes/{cid}/wijzigen"))
        .await;
    assert!(form.contains("Teruggestuurd door het bestuur: Werk de exitstrategie uit."));
    assert!(form.contains("value=\"Hosting van de digitale tweeling\""));
    // Only the proposer's revision moves it on; the revision is counted and routed afresh.
    board
        .post_json(&tr, &json!({"to": "decided", "date": "2026-03-01", "decisionMaker": "GS", "reference": "GS-1"}))
        .await
        .assert_status(400);
    let mut revised = choice();
    revised["context"] =
        json!("Waar draait de tweeling? Met exitstrategie: data terug in 30 dagen.");
    let r = c
        .put_json(&format!("{choices}/{cid}"), &revised)
        .await
        .expect(200)
        .json();
    assert_eq!(
        (r["status"].as_str(), r["record"]["revision"].as_u64()),
        (Some("proposed"), Some(1))
    );
    assert!(r["record"]["advice"].is_null(), "advice starts afresh");
    // A bad revision is refused by name and changes nothing.
    let mut bad = choice();
    bad["options"] = json!([]);
    c.put_json(&format!("{choices}/{cid}"), &bad)
        .await
        .assert_status(400);
    // Deferred on the agenda page, to a later meeting; then decided on another option.
    advise(&cid).await;
    board_page
        .submit(
            &format!("/toepassingen/bestuursagenda/{cid}"),
            &[("to", "deferred"), ("until", "GS 12 maart"), ("reason", "")],
        )
        .await
        .assert_status(200);
    let agenda = board_page.page("/toepassingen/bestuursagenda").await;
    assert!(
        agenda.contains("Aangehouden tot: GS 12 maart"),
        "still on the agenda"
    );
    board_page
        .post_form(
            &format!("/toepassingen/bestuursagenda/{cid}"),
            &[
                ("to", "decided"),
                ("option", "Publieke cloud"),
                ("reason", ""),
                ("date", "2026-03-12"),
                ("decisionMaker", "Gedeputeerde Staten"),
                ("reference", "GS-2026-20"),
            ],
        )
        .await
        .assert_shows(400, &["reden om een andere optie te kiezen"]);
    board_page
        .submit(
            &format!("/toepassingen/bestuursagenda/{cid}"),
            &[
                ("to", "decided"),
                ("option", "Publieke cloud"),
                ("reason", "Schaalbaarheid weegt zwaarder."),
                ("date", "2026-03-12"),
                ("decisionMaker", "Gedeputeerde Staten"),
                ("reference", "GS-2026-20"),
            ],
        )
        .await
        .assert_status(200);
    let done: Value = c.get_json(&format!("{choices}/{cid}")).await;
    assert_eq!(done["status"], "decided");
    assert_eq!(done["record"]["chosen_option"], "Publieke cloud");
    assert_eq!(done["record"]["proposed_option"], "Eigen rekencentrum");
    assert_eq!(
        done["record"]["board_reason"],
        "Schaalbaarheid weegt zwaarder."
    );
    // A decided choice is no longer revised, in the page either.
    pages
        .get(&format!("/toepassingen/{id}/keuzes/{cid}/wijzigen"))
        .await
        .assert_status(403);
    // A second choice is rejected, with its reason; rejected is final.
    let other = c.create(&choices, &choice()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    advise(&other).await;
    let tr2 = format!("{choices}/{other}/transitions");
    board
        .post_json(
            &tr2,
            &json!({"to": "rejected", "reason": "Past niet in het beleid.", "date": "2026-03-12"}),
        )
        .await
        .assert_status(200);
    c.put_json(&format!("{choices}/{other}"), &choice())
        .await
        .assert_status(400);
    assert_eq!(c.get_json("/api/v1/board-agenda").await, json!([]));
    // Every step is in the decision history, and it is intact.
    let h: Value = c.get_json("/api/v1/decision-history").await;
    assert_eq!(h["intact"], true, "{h}");
    assert_chains_intact(&app).await;
}

/// Meetings: a body's meeting with a date, its agenda built from the choices that wait for
/// the board (in the order placed, the board members notified), and after the meeting its
/// decision list; over the API and the pages, with bad input and another organisation's.
#[tokio::test]
async fn meetings_have_an_agenda_and_a_decision_list() {
    let app = TestApp::spawn().await;
    board_member(&app).await;
    let c = app.as_admin().await;
    let id = c.create("/api/v1/applications", &application()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let choices = format!("/api/v1/applications/{id}/choices");
    let first = c.create(&choices, &choice()).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut second_choice = choice();
    second_choice["title"] = json!("Open source of niet");
    let second = c.create(&choices, &second_choice).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    // Bad input, in words.
    let r = c
        .post_json(
            "/api/v1/meetings",
            &json!({"body": "", "heldOn": "12 maart"}),
        )
        .await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["body", "heldOn"]);
    let m = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Gedeputeerde Staten", "heldOn": "2026-03-12"}),
        )
        .await;
    let mid = m["id"].as_str().unwrap().to_string();
    let items = format!("/api/v1/meetings/{mid}/items");
    for cid in [&second, &first] {
        c.post_json(&items, &json!({"choiceId": cid}))
            .await
            .assert_status(200);
    }
    // Twice on one agenda: a conflict; an unknown choice: refused by name.
    c.post_json(&items, &json!({"choiceId": first}))
        .await
        .assert_status(409);
    let r = c.post_json(&items, &json!({"choiceId": "onbekend"})).await;
    r.assert_status(400);
    assert_eq!(r.json()["invalidParams"][0]["name"], "choiceId");
    let a: Value = c.get_json(&format!("/api/v1/meetings/{mid}")).await;
    assert_eq!(
        field_of_each(&a["agenda"], "title"),
        ["Open source of niet", "Hosting van de digitale tweeling"],
        "in the order placed"
    );
    assert_eq!(a["decisionList"], json!([]));
    // The agenda can be ordered: the hosting choice one place up; the top one goes no higher.
    let moved: Value = c
        .post_json(
            &format!("{items}/{first}/position"),
            &json!({"direction": "up"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        field_of_each(&moved["agenda"], "title"),
        ["Hosting van de digitale tweeling", "Open source of niet"]
    );
    c.post_json(
        &format!("{items}/{first}/position"),
        &json!({"direction": "up"}),
    )
    .await
    .assert_status(200);
    let r = c
        .post_json(
            &format!("{items}/{first}/position"),
            &json!({"direction": "sideways"}),
        )
        .await;
    r.assert_status(400);
    assert_eq!(r.json()["invalidParams"][0]["name"], "direction");
    c.post_json(
        &format!("{items}/onbekend/position"),
        &json!({"direction": "up"}),
    )
    .await
    .assert_status(404);
    // And back, through the page's own button.
    app.page_as("admin@pv26.example")
        .await
        .post_form(
            &format!("/toepassingen/vergaderingen/{mid}/agendapunten/{first}"),
            &[("direction", "down")],
        )
        .await
        .assert_status(303);
    // The board member hears of it.
    let board = app.api_as("bestuur@pv26.example").await;
    let notes = board.get_json("/api/v1/notifications").await.to_string();
    assert!(
        notes.contains("staat op de agenda van Gedeputeerde Staten"),
        "{notes}"
    );
    // The sentence a person reads writes the meeting's date out.
    let bell = app
        .page_as("bestuur@pv26.example")
        .await
        .page("/meldingen")
        .await;
    assert!(
        bell.contains("staat op de agenda van Gedeputeerde Staten van 12 maart 2026"),
        "{bell}"
    );
    // After the meeting: one rejected, one deferred — the decision list says so.
    let adviser = app.api_as(&crate::overview::adviser(&app).await).await;
    for cid in [&first, &second] {
        advise_agreed(&adviser, &choices, cid).await;
    }
    let decide = async |cid: &str, step: Value| {
        board
            .post_json(&format!("{choices}/{cid}/transitions"), &step)
            .await
            .assert_status(200);
    };
    decide(
        &first,
        json!({"to": "rejected", "reason": "Te duur.", "date": "2026-03-12"}),
    )
    .await;
    decide(&second, json!({"to": "deferred", "until": "GS 26 maart"})).await;
    let a: Value = c.get_json(&format!("/api/v1/meetings/{mid}")).await;
    assert_eq!(
        field_of_each(&a["decisionList"], "status"),
        ["deferred", "rejected"]
    );
    // A decided choice is not placed on another agenda.
    let later = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Gedeputeerde Staten", "heldOn": "2026-03-26"}),
        )
        .await;
    let r = c
        .post_json(
            &format!("/api/v1/meetings/{}/items", later["id"].as_str().unwrap()),
            &json!({"choiceId": first}),
        )
        .await;
    r.assert_status(400);
    // The pages: the list, the agenda in order, the decision list with the reason.
    let p = app.page_as("bestuur@pv26.example").await;
    let list = p.page("/toepassingen/vergaderingen").await;
    assert!(list.contains("12 maart 2026") && list.contains("Gedeputeerde Staten"));
    let page = p.page(&format!("/toepassingen/vergaderingen/{mid}")).await;
    let agenda = &page[page.find("tabel-agendapunten").unwrap()..];
    assert!(
        agenda.find("Open source of niet").unwrap()
            < agenda.find("Hosting van de digitale tweeling").unwrap()
    );
    assert!(
        page.contains("Besluitenlijst")
            && page.contains("Te duur.")
            && page.contains("GS 26 maart")
    );
    // The meeting documents a secretary uploads: agenda, proposals, decision list (PDF).
    let document = async |name: &str| {
        p.get(&format!("/toepassingen/vergaderingen/{mid}/{name}"))
            .await
    };
    let r = document("vergaderstukken.pdf").await;
    r.assert_status(200);
    assert_eq!(r.headers()["content-type"], "application/pdf");
    // Lines as the PDF breaks them, joined again.
    let text = crate::maturity::pdf_text(r.bytes())
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for part in [
        "Vergaderstukken Gedeputeerde Staten, 12 maart 2026",
        "Voorstel",
        "Open source of niet",
        "Eigen rekencentrum",
        "Akkoord.",
        "Besluitenlijst",
        "Te duur.",
        "GS 26 maart",
    ] {
        assert!(text.contains(part), "{part} missing from the PDF: {text}");
    }
    // The same documents as OpenDocument text, to edit before uploading; the decision list
    // by itself as PDF, ODT and JSON.
    let r = document("vergaderstukken.odt").await;
    r.assert_status(200);
    assert_eq!(
        r.headers()["content-type"],
        "application/vnd.oasis.opendocument.text"
    );
    let odt = odt_text(r.bytes());
    for part in [
        "Vergaderstukken Gedeputeerde Staten, 12 maart 2026",
        "Open source of niet",
        "Akkoord.",
        "Te duur.",
        "GS 26 maart",
    ] {
        assert!(odt.contains(part), "{part} missing from the ODT: {odt}");
    }
    let list = crate::maturity::pdf_text(document("besluitenlijst.pdf").await.expect(200).bytes());
    assert!(
        list.contains("Besluitenlijst") && list.contains("Te duur."),
        "{list}"
    );
    let list = odt_text(document("besluitenlijst.odt").await.expect(200).bytes());
    assert!(
        list.contains("Te duur.") && !list.contains("Eigen rekencentrum"),
        "{list}"
    );
    let json_list = document("besluitenlijst.json").await.expect(200).json();
    let api_list: Value = c
        .get_json(&format!("/api/v1/meetings/{mid}/decision-list"))
        .await;
    assert_eq!(json_list, api_list);
    assert_eq!(
        field_of_each(&api_list["decisions"], "outcome"),
        ["deferred", "rejected"]
    );
    assert_eq!(api_list["decisions"][1]["reason"], "Te duur.");
    // One proposal by itself.
    let aid = id.to_string();
    let proposal = odt_text(
        p.get(&format!("/toepassingen/{aid}/keuzes/{second}/voorstel.odt"))
            .await
            .expect(200)
            .bytes(),
    );
    assert!(
        proposal.contains("Voorstel") && proposal.contains("Open source of niet"),
        "{proposal}"
    );
    assert!(
        proposal.contains("Uitgevoerde instrumenten")
            && proposal.contains("Maatregelen uit het Algoritmekader: 0 van"),
        "{proposal}"
    );
    p.get(&format!("/toepassingen/{aid}/keuzes/{second}/voorstel.pdf"))
        .await
        .assert_status(200);
    // Deferred to a meeting still to come, the item goes on its agenda; a past meeting or
    // another organisation's is refused.
    let soon = (chrono::Utc::now().date_naive() + chrono::Days::new(30)).to_string();
    let next = c
        .create(
            "/api/v1/meetings",
            &json!({"body": "Gedeputeerde Staten", "heldOn": soon}),
        )
        .await;
    let next_id = next["id"].as_str().unwrap();
    let defer = async |until: &str| {
        board
            .post_json(
                &format!("{choices}/{second}/transitions"),
                &json!({"to": "deferred", "untilMeeting": until}),
            )
            .await
    };
    let r = defer(later["id"].as_str().unwrap()).await;
    r.assert_status(400);
    assert_eq!(invalid_names(&r.json()), ["untilMeeting"]);
    defer("no-such-meeting").await.assert_status(400);
    defer(next_id).await.assert_status(200);
    let n: Value = c.get_json(&format!("/api/v1/meetings/{next_id}")).await;
    assert_eq!(field_of_each(&n["agenda"], "id"), [second.as_str()]);
    assert_eq!(
        n["agenda"][0]["record"]["deferred_to"],
        format!("Gedeputeerde Staten {soon}")
    );
    // Another organisation sees none of it; a viewer may not plan.
    let other = app.api_as("admin@gm0796.example").await;
    other
        .get(&format!("/api/v1/meetings/{mid}"))
        .await
        .assert_status(404);
    for doc in [
        "vergaderstukken.odt",
        "besluitenlijst.pdf",
        "besluitenlijst.json",
    ] {
        app.page_as("admin@gm0796.example")
            .await
            .get(&format!("/toepassingen/vergaderingen/{mid}/{doc}"))
            .await
            .assert_status(404);
    }
    other
        .get(&format!("/api/v1/meetings/{mid}/decision-list"))
        .await
        .assert_status(404);
    assert_eq!(other.get_json("/api/v1/meetings").await, json!([]));
    app.api_as("viewer@pv26.example")
        .await
        .post_json(
            "/api/v1/meetings",
            &json!({"body": "MT", "heldOn": "2026-04-01"}),
        )
        .await
        .assert_status(403);
}

/// The text of an OpenDocument text file: its content.xml without the markup.
pub(crate) fn odt_text(odt: &[u8]) -> String {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(odt)).expect("an ODT is a zip");
    let mut xml = String::new();
    zip.by_name("content.xml")
        .expect("content.xml")
        .read_to_string(&mut xml)
        .unwrap();
    let text = crate::helpers::text_of_markup(&xml)
        .replace("&amp;", "&")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'");
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
