//! Guests: someone from outside invited to one data question sees and does only that, on
//! every route, in either organisation; invitations are audited, can be revoked, and bad input
//! is refused field by field.

use crate::helpers::{PASSWORD, TestApp, assert_invalid};
use crate::session::Session;
use serde_json::{Value, json};

/// A policy task and a data question of A, asked by A's administrator; the question's id.
pub(crate) async fn question_of_a(c: &Session) -> String {
    let task = json!({"name": "Energie", "theme": "energy"});
    let q = json!({"question": "Hoeveel daken kunnen zonnepanelen dragen?", "policyGoal": "Meer zonne-energie"});
    c.ask_question(task, q).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Invites `email` to question `qid` with `abilities`; the invitation's answer.
async fn invite(c: &Session, qid: &str, email: &str, abilities: &[&str]) -> Value {
    c.create(
        &format!("/api/v1/data-questions/{qid}/guests"),
        &json!({"email": email, "name": "Sam de Vries", "affiliation": "Netbeheerder Oost", "abilities": abilities, "days": 14}),
    )
    .await
}

/// The secret of an invitation's link.
pub(crate) fn token_of(invited: &Value) -> String {
    let link = invited["link"].as_str().unwrap();
    link.rsplit('/').next().unwrap().to_string()
}

/// Takes invitation `token` up with a new account, through the API; the guest's session.
pub(crate) async fn accept_new(app: &TestApp, token: &str) -> (Session, Value) {
    let mut guest = app.anonymous();
    let r = guest
        .post_json(
            &format!("/api/v1/invitations/{token}"),
            &json!({"displayName": "Sam de Vries", "password": PASSWORD}),
        )
        .await
        .expect(201);
    let accepted = r.json();
    guest.set_csrf(accepted["session"]["csrfToken"].as_str().unwrap());
    (guest, accepted)
}

fn pdf_form(name: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".to_vec())
            .file_name(name.to_string()),
    )
}

#[tokio::test]
async fn a_partner_works_on_one_question_as_a_guest_until_revoked() {
    let app = TestApp::spawn().await;
    let admin = app.as_admin().await;
    let qid = question_of_a(&admin).await;
    let invited = invite(
        &admin,
        &qid,
        "Sam@Netbeheer.example",
        &["comment", "upload"],
    )
    .await;
    assert_eq!(invited["guest"]["email"], "sam@netbeheer.example");
    assert_eq!(invited["guest"]["state"], "invited");
    assert_eq!(invited["mailed"], false);
    let link = invited["link"].as_str().unwrap();
    assert!(
        link.starts_with(&app.base) && link.contains("/uitnodiging/"),
        "{link}"
    );
    let token = token_of(&invited);
    // Only the digest is kept: the link's secret is nowhere in the store's answer.
    let listed: Value = admin
        .get_json(&format!("/api/v1/data-questions/{qid}/guests"))
        .await;
    assert!(!listed.to_string().contains(&token));

    // Whoever holds the link sees what it is for, before signing in.
    let anon = app.anonymous();
    let inv: Value = anon.get_json(&format!("/api/v1/invitations/{token}")).await;
    assert_eq!(inv["organisation"], app.org_a.name.as_str());
    assert_eq!(inv["title"], "Hoeveel daken kunnen zonnepanelen dragen?");
    assert_eq!(inv["hasAccount"], false);

    let (guest, accepted) = accept_new(&app, &token).await;
    let grant = accepted["shared"]["id"].as_str().unwrap().to_string();
    assert_eq!(accepted["session"]["roles"], json!([]));
    // The link works once.
    anon.get(&format!("/api/v1/invitations/{token}"))
        .await
        .assert_status(409);

    // What is shared, and the question as a guest sees it.
    let shared: Value = guest.get_json("/api/v1/shared").await;
    assert_eq!(shared.as_array().unwrap().len(), 1, "{shared}");
    let view: Value = guest.get_json(&format!("/api/v1/shared/{grant}")).await;
    assert_eq!(view["question"]["policyGoal"], "Meer zonne-energie");
    assert_eq!(view["question"]["status"], "asked");
    assert!(view.get("report").is_none());
    guest
        .create(
            &format!("/api/v1/shared/{grant}/comments"),
            &json!({"body": "Wij hebben de dakgegevens per postcode."}),
        )
        .await;
    let a = guest
        .post_multipart(
            &format!("/api/v1/shared/{grant}/attachments"),
            pdf_form("daken.pdf"),
        )
        .await
        .expect(201)
        .json();
    guest
        .get(&format!(
            "/api/v1/shared/{grant}/attachments/{}",
            a["id"].as_str().unwrap()
        ))
        .await
        .assert_status(200);

    // The organisation sees the guest's work under their address and organisation.
    let comments: Value = admin
        .get_json(&format!("/api/v1/data-questions/{qid}/comments"))
        .await;
    let label = "sam@netbeheer.example (gast, Netbeheerder Oost)";
    assert_eq!(comments[0]["authorLabel"], label, "{comments}");
    let files: Value = admin
        .get_json(&format!("/api/v1/data-questions/{qid}/attachments"))
        .await;
    assert_eq!(files[0]["uploadedBy"], label);
    let log = app.audit_log(50).await;
    for action in ["guest.invited", "guest.accepted", "question.commented"] {
        assert!(
            log.iter()
                .any(|e| e.action == action && e.org_id.as_deref() == Some(app.org_a.id.as_str())),
            "no {action} in {:?}",
            log.iter().map(|e| &e.action).collect::<Vec<_>>()
        );
    }
    let accepted_entry = log.iter().find(|e| e.action == "guest.accepted").unwrap();
    assert_eq!(accepted_entry.actor_label, label);

    // Revoked: the guest loses the question, and with it the session (nothing else of A
    // is theirs).
    let revoked = admin
        .delete(&format!("/api/v1/guests/{grant}"))
        .await
        .expect(200)
        .json();
    assert_eq!(revoked["state"], "revoked");
    guest
        .get(&format!("/api/v1/shared/{grant}"))
        .await
        .assert_status(401);
    admin
        .delete(&format!("/api/v1/guests/{grant}"))
        .await
        .assert_status(409);
    // Signing in again does not bring it back.
    let again = app.anonymous();
    again
        .try_sign_in("sam@netbeheer.example", PASSWORD)
        .await
        .assert_status(401);
}

#[tokio::test]
async fn a_guest_reaches_nothing_else_on_any_route_in_either_organisation() {
    let app = TestApp::spawn().await;
    let o = crate::isolation::objects_of_a(&app).await;
    let admin = app.as_admin().await;
    let qid = question_of_a(&admin).await;
    let invited = invite(
        &admin,
        &qid,
        "student@hogeschool.example",
        &["comment", "upload"],
    )
    .await;
    let (guest, accepted) = accept_new(&app, &token_of(&invited)).await;
    let own = accepted["shared"]["id"].as_str().unwrap().to_string();
    // B has a question too; its id stands in where a route names one of B's objects.
    let b = app.api_as("admin@gm0796.example").await;
    let b_question = question_of_a(&b).await;
    let doc = app.openapi().await;
    let body = json!({"email": "x@y.example", "displayName": "X", "name": "X", "roles": ["administrator"],
        "password": PASSWORD, "title": "gekaapt", "sql": "SELECT 1", "body": "gekaapt", "question": "gekaapt",
        "affiliation": "X", "taskId": o.task});
    let mut problems = Vec::new();
    let mut walked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["security"] == json!([{}]) {
                continue; // public: an organisation's publications, an invitation's own link
            }
            if path == "/sessions/current" && method == "delete" {
                continue; // signing out ends the walk's own session
            }
            for (whose, objects_path) in [
                ("A", crate::isolation::concrete(path, &o)),
                (
                    "B",
                    crate::isolation::concrete(path, &o).replace(&o.question, &b_question),
                ),
            ] {
                let url = app.url(&format!("/api/v1{objects_path}"));
                let r = crate::helpers::request(guest.client(), method, &url)
                    .header("x-csrf-token", guest.csrf())
                    .json(&body)
                    .send()
                    .await
                    .unwrap();
                let status = r.status().as_u16();
                // The guest's own things: the list of what is shared with them, and their
                // session. Everything else is refused or does not exist.
                let own_route = path == "/shared"
                    || path == "/sessions/current"
                    || (path == "/sessions" && method == "post")
                    // their own notifications, memberships and API tokens (none)
                    || (["/notifications", "/organisations", "/tokens"].contains(&path.as_str())
                        && method == "get");
                if !own_route && status < 400 {
                    problems.push(format!("guest {method} {path} ({whose}): {status}"));
                }
                if status >= 500 {
                    problems.push(format!("guest {method} {path} ({whose}): {status}"));
                }
                walked += 1;
            }
        }
    }
    assert!(walked > 200, "walked only {walked}");
    assert!(problems.is_empty(), "{}", problems.join("\n"));
    // A's grant of the fixture is someone else's: not found for this guest.
    guest
        .get(&format!("/api/v1/shared/{}", o.grant))
        .await
        .assert_status(404);
    // Their own still works, and nothing of A's changed.
    guest
        .get(&format!("/api/v1/shared/{own}"))
        .await
        .assert_status(200);
    let q: Value = admin
        .get_json(&format!("/api/v1/data-questions/{}", o.question))
        .await;
    assert_eq!(q["question"]["question"], "Geheime vraag?");
    // The pages: the guest's home is what is shared; every member page is refused.
    let pages = app.page_as("student@hogeschool.example").await;
    let r = pages.get("/").await;
    assert_eq!(r.status(), 303);
    assert_eq!(r.header("location"), "/gast");
    // A list to read on a phone, each with who shared it, what they may and until when.
    let home = pages.get("/gast").await;
    home.assert_shows(
        200,
        &[
            "Hoeveel daken kunnen zonnepanelen dragen?",
            "Datavraag · Gedeeld door ",
            "U mag lezen",
            "Geldig tot",
        ],
    );
    assert!(!home.text().contains("<table"), "a list, not a table");
    for path in crate::helpers::MAIN_PAGES {
        // Their home, their own (empty) notifications and their account are theirs.
        if ["/", "/meldingen", "/account"].contains(path) {
            continue;
        }
        let r = pages.get(path).await;
        assert!(
            matches!(r.status().as_u16(), 403 | 404),
            "guest page {path}: {}",
            r.status()
        );
        // The refusal points the guest to what is shared with them.
        if r.status() == 403 {
            let html = r.text();
            assert!(
                html.contains("Deze pagina is niet met u gedeeld")
                    && html
                        .contains("<a class=\"utrecht-link\" href=\"/gast\">Gedeeld met mij</a>"),
                "guest page {path}: {html}"
            );
        }
    }
    for path in [
        format!("/datavragen/{qid}"),
        format!("/datavragen/{}", o.question),
        format!("/gast/{}", o.grant),
    ] {
        let r = pages.get(&path).await;
        assert!(
            matches!(r.status().as_u16(), 403 | 404),
            "guest page {path}: {}",
            r.status()
        );
    }
}

#[tokio::test]
async fn invitations_refuse_bad_input_and_other_peoples_questions() {
    let app = TestApp::spawn().await;
    let admin = app.as_admin().await;
    let qid = question_of_a(&admin).await;
    let url = format!("/api/v1/data-questions/{qid}/guests");
    // Every wrong field at once.
    let p = admin
        .post_json(
            &url,
            &json!({"email": "geen adres", "name": "", "affiliation": "", "abilities": ["delete"], "days": "400"}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&p, &["email", "name", "affiliation", "abilities", "days"]);
    admin
        .post_json(&url, &json!({"email": "a@b.example", "name": "A", "affiliation": "B", "abilities": "comment", "days": 7}))
        .await
        .assert_status(201);
    admin
        .post_json(
            &url,
            &json!({"email": "a@b.example", "name": "A", "affiliation": "B", "abilities": [1]}),
        )
        .await
        .assert_status(400);
    // A viewer may not share; an unknown question and one of B's are not found.
    app.as_viewer()
        .await
        .post_json(
            &url,
            &json!({"email": "a@b.example", "name": "A", "affiliation": "B"}),
        )
        .await
        .assert_status(403);
    admin
        .post_json(
            "/api/v1/data-questions/onbekend/guests",
            &json!({"email": "a@b.example", "name": "A", "affiliation": "B"}),
        )
        .await
        .assert_status(404);
    let b = app.api_as("admin@gm0796.example").await;
    b.post_json(
        &url,
        &json!({"email": "a@b.example", "name": "A", "affiliation": "B"}),
    )
    .await
    .assert_status(404);
    b.delete("/api/v1/guests/onbekend").await.assert_status(404);

    // A link that does not exist; a password too short; an address with an account.
    let anon = app.anonymous();
    anon.get("/api/v1/invitations/verzonnen")
        .await
        .assert_status(404);
    let invited = invite(&admin, &qid, "lezer@elders.example", &[]).await;
    let token = token_of(&invited);
    let p = anon
        .post_json(
            &format!("/api/v1/invitations/{token}"),
            &json!({"displayName": "", "password": "kort"}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&p, &["displayName", "password"]);
    let member = invite(&admin, &qid, "viewer@pv26.example", &[]).await;
    anon.post_json(
        &format!("/api/v1/invitations/{}", token_of(&member)),
        &json!({"displayName": "V", "password": PASSWORD}),
    )
    .await
    .assert_status(409);
    // Nothing was made by the refusals.
    assert!(app.user_by_email("lezer@elders.example").await.is_none());

    // A guest who may only read cannot comment or upload.
    let (guest, accepted) = accept_new(&app, &token).await;
    let grant = accepted["shared"]["id"].as_str().unwrap();
    guest
        .post_json(
            &format!("/api/v1/shared/{grant}/comments"),
            &json!({"body": "Mag dit?"}),
        )
        .await
        .assert_status(403);
    guest
        .post_multipart(
            &format!("/api/v1/shared/{grant}/attachments"),
            pdf_form("x.pdf"),
        )
        .await
        .assert_status(403);
    let comments: Value = admin
        .get_json(&format!("/api/v1/data-questions/{qid}/comments"))
        .await;
    assert_eq!(comments, json!([]));
}

#[tokio::test]
async fn a_member_invites_and_a_guest_works_through_the_pages() {
    let app = TestApp::spawn_with_attachment_limit(64 * 1024).await;
    let admin = app.page_as("admin@pv26.example").await;
    let api = app.as_admin().await;
    let qid = question_of_a(&api).await;
    api.post_json(
        &format!("/api/v1/data-questions/{qid}/evidence"),
        &json!({"kind": "product", "target": "https://www.zonatlas.nl/utrecht"}),
    )
    .await
    .assert_status(200);
    let page = format!("/datavragen/{qid}");
    let html = admin.page(&page).await;
    assert!(html.contains("Gast uitnodigen"), "{html}");
    // No guests yet: a line under the list's caption, not a grid of headings to scroll on a
    // phone.
    let empty = &html[html
        .find(r#"<div class="koers-table-empty" id="gasten-tabel">"#)
        .expect("the empty list")..];
    let empty = &empty[..empty.find("</div>").unwrap()];
    assert!(
        empty.contains("Uitgenodigde gasten") && empty.contains("Nog geen gasten uitgenodigd."),
        "{empty}"
    );
    assert!(!empty.contains("<table"), "{empty}");
    // The viewer sees no guest section.
    let viewer = app.page_as("viewer@pv26.example").await;
    assert!(!viewer.page(&page).await.contains("Gast uitnodigen"));
    // Invalid: the page again with every field's problem.
    admin
        .post_form(
            &format!("{page}/gasten"),
            &[
                ("email", "fout"),
                ("name", ""),
                ("affiliation", "Hogeschool"),
            ],
        )
        .await
        .assert_shows(400, &["is geen geldig e-mailadres", "value=\"Hogeschool\""]);
    let r = admin
        .post_form(
            &format!("{page}/gasten"),
            &[
                ("email", "kim@hogeschool.example"),
                ("name", "Kim"),
                ("affiliation", "Hogeschool"),
                ("abilities", "comment"),
                ("abilities", "upload"),
                ("days", "30"),
            ],
        )
        .await;
    r.assert_shows(200, &["De gast is uitgenodigd", "Uitgenodigd"]);
    let html = r.text().replace("&#x2f;", "/");
    let start = html.find("/uitnodiging/").unwrap() + "/uitnodiging/".len();
    let token: String = html[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();

    // The guest opens the link, makes an account and lands on the question.
    let mut guest = app.anonymous();
    let inv = guest.open_form(&format!("/uitnodiging/{token}")).await;
    assert!(inv.contains("Maak uw account") && inv.contains("kim@hogeschool.example"));
    guest
        .post_form(
            &format!("/uitnodiging/{token}"),
            &[("displayName", "Kim"), ("password", "kort")],
        )
        .await
        .assert_shows(400, &["moet minstens 12 tekens zijn"]);
    let r = guest
        .post_form(
            &format!("/uitnodiging/{token}"),
            &[("displayName", "Kim"), ("password", PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), 303, "{}", r.text());
    let to = r.header("location").to_string();
    assert!(to.starts_with("/gast/"), "{to}");
    let guest = app.page_as("kim@hogeschool.example").await;
    let mut guest = guest;
    let html = guest.open_form(&to).await;
    assert!(html.contains("Hoeveel daken kunnen zonnepanelen dragen?"));
    assert!(html.contains("Gedeeld met mij"));
    // The evidence by its kind and name; the comments say there are none yet.
    assert!(
        html.contains("informatieproduct: https:&#x2f;&#x2f;www.zonatlas.nl&#x2f;utrecht"),
        "{html}"
    );
    assert!(html.contains("<li>Nog geen reacties.</li>"), "{html}");
    assert!(
        !html.contains("href=\"/bronnen\""),
        "a guest sees no modules"
    );
    guest
        .submit(&format!("{to}/reacties"), &[("body", "Wij kunnen helpen.")])
        .await
        .assert_shows(
            200,
            &[
                "Reactie geplaatst",
                "Wij kunnen helpen.",
                "kim@hogeschool.example (gast, Hogeschool)",
            ],
        );
    guest
        .post_form(&format!("{to}/reacties"), &[("body", "")])
        .await
        .assert_shows(400, &["is verplicht"]);
    // Too large a file: the field's problem on the page, nothing kept.
    let big = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes([b"%PDF-".as_slice(), &vec![b'x'; 70 * 1024]].concat())
            .file_name("groot.pdf"),
    );
    guest
        .upload(&format!("{to}/bijlagen"), big)
        .await
        .assert_shows(400, &["het bestand is groter dan"]);
    let sent = guest
        .upload(&format!("{to}/bijlagen"), pdf_form("plan.pdf"))
        .await;
    guest.follow(sent).await.assert_shows(200, &["plan.pdf"]);

    // Revoking asks for a confirmation first.
    let grant = to.trim_start_matches("/gast/");
    let revoke = format!("{page}/gasten/{grant}/intrekken");
    admin
        .post_form(&revoke, &[])
        .await
        .assert_shows(400, &["Ja, trek de uitnodiging in"]);
    guest.get(&to).await.assert_status(200);
    admin
        .submit(&revoke, &[("confirm", "on")])
        .await
        .assert_shows(200, &["De uitnodiging is ingetrokken", "Ingetrokken"]);
    let r = guest.get(&to).await;
    assert_eq!(r.status(), 303, "signed out: back to the sign-in page");
}

#[tokio::test]
async fn someone_with_an_account_elsewhere_accepts_signed_in() {
    let app = TestApp::spawn().await;
    let admin = app.as_admin().await;
    let qid = question_of_a(&admin).await;
    // B's administrator, invited by A as a partner.
    let invited = invite(&admin, &qid, "admin@gm0796.example", &["comment"]).await;
    let token = token_of(&invited);
    let anon = app.anonymous();
    let inv: Value = anon.get_json(&format!("/api/v1/invitations/{token}")).await;
    assert_eq!(inv["hasAccount"], true);
    // Not signed in, no account is made for an address that has one.
    anon.post_json(
        &format!("/api/v1/invitations/{token}"),
        &json!({"displayName": "Spion", "password": PASSWORD}),
    )
    .await
    .assert_status(409);
    // Someone else signed in may not take it.
    app.as_viewer()
        .await
        .post_json(&format!("/api/v1/invitations/{token}"), &json!({}))
        .await
        .assert_status(400);
    // With a personal API token neither: it needs the person's session.
    let b_admin = app.user_by_email("admin@gm0796.example").await.unwrap();
    let script = app.with_token(&app.token_for(&b_admin, &app.org_b.id, "read_write").await);
    script
        .post_json(&format!("/api/v1/invitations/{token}"), &json!({}))
        .await
        .assert_status(403);
    let b = app.api_as("admin@gm0796.example").await;
    let accepted = b
        .post_json(&format!("/api/v1/invitations/{token}"), &json!({}))
        .await
        .expect(201)
        .json();
    assert!(accepted.get("session").is_none(), "{accepted}");
    let grant = accepted["shared"]["id"].as_str().unwrap();
    // They keep working in B, and see A's question as a guest beside it.
    let session: Value = b.get_json("/api/v1/sessions/current").await;
    assert_eq!(session["organisation"]["id"], app.org_b.id.as_str());
    b.create(
        &format!("/api/v1/shared/{grant}/comments"),
        &json!({"body": "Vanuit Oss: wij doen mee."}),
    )
    .await;
    b.get(&format!("/api/v1/data-questions/{qid}"))
        .await
        .assert_status(404);
    // The page frame offers what is shared with them.
    let pages = app.page_as("admin@gm0796.example").await;
    assert!(pages.page("/").await.contains("href=\"/gast\""));
}

#[tokio::test]
async fn a_provinces_contact_reads_and_comments_on_its_own_report_until_final() {
    let app = TestApp::spawn().await;
    let (c, rid, ps) = crate::maturity::round_with_two(&app).await;
    let url = format!(
        "/api/v1/maturity/rounds/{rid}/participants/{}/guests",
        ps[0]
    );
    // Files are for data questions only.
    let p = c
        .post_json(&url, &json!({"email": "contact@flevoland.example", "name": "Fenna", "affiliation": "Provincie Flevoland", "abilities": ["comment", "upload"]}))
        .await
        .expect(400)
        .json();
    assert_invalid(&p, &["abilities"]);
    let invited = c
        .create(&url, &json!({"email": "contact@flevoland.example", "name": "Fenna", "affiliation": "Provincie Flevoland", "abilities": ["comment"]}))
        .await;
    assert_eq!(invited["guest"]["objectType"], "maturity_report");
    let inv: Value = app
        .anonymous()
        .get_json(&format!("/api/v1/invitations/{}", token_of(&invited)))
        .await;
    assert_eq!(inv["title"], "Provincie Flevoland — Meting 2026 (2026)");
    let (guest, accepted) = accept_new(&app, &token_of(&invited)).await;
    let grant = accepted["shared"]["id"].as_str().unwrap().to_string();
    let view: Value = guest.get_json(&format!("/api/v1/shared/{grant}")).await;
    assert_eq!(view["report"]["round"], "Meting 2026");
    assert_eq!(view["report"]["final"], false);
    assert_eq!(view["report"]["surveyShown"], false);
    assert!(view["report"]["dimensions"].as_array().unwrap().len() >= 5);
    assert!(view.get("question").is_none());
    guest
        .create(
            &format!("/api/v1/shared/{grant}/comments"),
            &json!({"body": "De score voor data klopt niet met ons datalab."}),
        )
        .await;
    // The contact reaches nothing else: not Gelderland's report, not the round.
    guest
        .get(&format!(
            "/api/v1/maturity/rounds/{rid}/participants/{}/report",
            ps[1]
        ))
        .await
        .assert_status(403);
    guest
        .get(&format!("/api/v1/maturity/rounds/{rid}/scores"))
        .await
        .assert_status(403);
    guest
        .post_multipart(
            &format!("/api/v1/shared/{grant}/attachments"),
            pdf_form("x.pdf"),
        )
        .await
        .assert_status(403);
    // The researcher sees the comment beside the report, under the contact's name.
    let pages = app.page_as("admin@pv26.example").await;
    pages
        .get(&format!(
            "/volwassenheid/rondes/{rid}/organisaties/{}",
            ps[0]
        ))
        .await
        .assert_shows(
            200,
            &[
                "De score voor data klopt niet",
                "contact@flevoland.example (gast, Provincie Flevoland)",
                "Actief",
            ],
        );
    // The contact's pages: the report and its PDF.
    let contact = app.page_as("contact@flevoland.example").await;
    contact.get(&format!("/gast/{grant}")).await.assert_shows(
        200,
        &[
            "Volwassenheidsrapport Provincie Flevoland",
            "nog niet definitief",
            "Uw reactie op het rapport",
        ],
    );
    let pdf = contact
        .get(&format!("/gast/{grant}/rapport.pdf"))
        .await
        .expect(200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    // Once the round is closed the report is final: no more comments.
    c.post(&format!("/api/v1/maturity/rounds/{rid}/close"))
        .await
        .assert_status(200);
    guest
        .post_json(
            &format!("/api/v1/shared/{grant}/comments"),
            &json!({"body": "Nog iets"}),
        )
        .await
        .assert_status(409);
    contact
        .get(&format!("/gast/{grant}"))
        .await
        .assert_shows(200, &["dit rapport is definitief"]);
    let comments: Value = guest.get_json(&format!("/api/v1/shared/{grant}")).await;
    assert_eq!(comments["report"]["comments"].as_array().unwrap().len(), 1);
}

/// A make-track project delivers a dashboard, and its student takes part as a guest: they
/// read the project and its data question, comment and add a file there, and reach nothing
/// else (not the project's own API, not the dashboard); bad input and someone else's
/// dashboard are refused.
#[tokio::test]
async fn a_student_works_on_a_make_track_project_as_a_guest() {
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let qid = question_of_a(&a).await;
    let (_, c) = crate::learning::programme_and_cohort(&a, "20").await;
    let x = a
        .create(
            &format!(
                "/api/v1/learning/cohorts/{}/projects",
                c["id"].as_str().unwrap()
            ),
            &json!({"title": "Zonnedaken in beeld"}),
        )
        .await;
    let xid = x["id"].as_str().unwrap();
    let guests = format!("/api/v1/learning/projects/{xid}/guests");
    let student = json!({"email": "student@uu.example", "name": "Sara Öztürk",
                         "affiliation": "Universiteit Utrecht", "abilities": ["comment", "upload"]});
    // Without a data question there is nowhere for the student's work to go.
    a.post_json(&guests, &student).await.assert_status(409);

    // The project delivers a dashboard: an unknown one and another organisation's are refused.
    let dash = a
        .create("/api/v1/dashboards", &json!({"name": "Zonnedaken"}))
        .await;
    let theirs = app
        .api_as("admin@gm0796.example")
        .await
        .create("/api/v1/dashboards", &json!({"name": "Van B"}))
        .await;
    let url = format!("/api/v1/learning/projects/{xid}");
    for bad in ["onbekend", theirs["id"].as_str().unwrap()] {
        let e = a
            .put_json(
                &url,
                &json!({"title": "Zonnedaken in beeld", "questionId": qid, "dashboardId": bad}),
            )
            .await
            .expect(400)
            .json();
        assert_invalid(&e, &["dashboardId"]);
    }
    let x = a
        .put_json(&url, &json!({"title": "Zonnedaken in beeld", "status": "running", "questionId": qid, "dashboardId": dash["id"]}))
        .await
        .expect(200)
        .json();
    assert_eq!(x["dashboardId"], dash["id"]);

    // A viewer may not invite; bad input is refused by field; the coordinator invites.
    app.as_viewer()
        .await
        .post_json(&guests, &student)
        .await
        .assert_status(403);
    let e = a
        .post_json(
            &guests,
            &json!({"email": "geen-adres", "name": "", "affiliation": "UU"}),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&e, &["email", "name"]);
    let invited = a.create(&guests, &student).await;
    assert_eq!(invited["guest"]["objectType"], "learning_project");
    let listed: Value = a.get_json(&guests).await;
    assert_eq!(listed.as_array().unwrap().len(), 1);
    let (s, accepted) = accept_new(&app, &token_of(&invited)).await;
    let gid = accepted["shared"]["id"].as_str().unwrap().to_string();

    // What the student sees: the project, what it delivers by name, its question.
    let shared: Value = s.get_json(&format!("/api/v1/shared/{gid}")).await;
    let project = &shared["project"];
    assert_eq!(project["title"], "Zonnedaken in beeld");
    assert_eq!(project["deliverables"], json!(["Zonnedaken"]));
    assert_eq!(
        project["question"]["question"],
        "Hoeveel daken kunnen zonnepanelen dragen?"
    );
    // A deliverable removed since is left out; the project stays readable.
    a.delete(&format!(
        "/api/v1/dashboards/{}",
        dash["id"].as_str().unwrap()
    ))
    .await
    .assert_status(204);
    let shared: Value = s.get_json(&format!("/api/v1/shared/{gid}")).await;
    assert_eq!(shared["project"]["deliverables"], json!([]));
    // Commenting and adding a file land on the project's question.
    s.create(
        &format!("/api/v1/shared/{gid}/comments"),
        &json!({"body": "Eerste kaart van de daken staat klaar."}),
    )
    .await;
    s.post_multipart(
        &format!("/api/v1/shared/{gid}/attachments"),
        pdf_form("daken.pdf"),
    )
    .await
    .assert_status(201);
    let comments: Value = a
        .get_json(&format!("/api/v1/data-questions/{qid}/comments"))
        .await;
    assert!(
        comments.to_string().contains("Eerste kaart van de daken"),
        "{comments}"
    );
    assert!(
        comments
            .to_string()
            .contains("student@uu.example (gast, Universiteit Utrecht)"),
        "{comments}"
    );
    // Nothing else: the project's own API, the dashboard, the question's own API.
    for path in [
        url.clone(),
        format!("/api/v1/dashboards/{}", dash["id"].as_str().unwrap()),
        format!("/api/v1/data-questions/{qid}"),
    ] {
        let status = s.get(&path).await.status();
        assert!(status == 403 || status == 404, "{path}: {status}");
    }
    // The page shows it to the student; revoking ends it.
    let page = s.page(&format!("/gast/{gid}")).await;
    assert!(
        page.contains("Zonnedaken in beeld") && page.contains("Zonnedaken"),
        "{page}"
    );
    a.delete(&format!(
        "/api/v1/guests/{}",
        invited["guest"]["id"].as_str().unwrap()
    ))
    .await
    .assert_status(200);
    s.get(&format!("/api/v1/shared/{gid}"))
        .await
        .assert_status(401);
}

#[tokio::test]
async fn the_invitation_mail_says_until_when_in_words() {
    let (mailer, mut mails) = crate::notifications::smtp_sink().await;
    let app = TestApp::spawn_full(koers_web::WebConfig::default(), Some(mailer)).await;
    let admin = app.as_admin().await;
    let qid = question_of_a(&admin).await;
    let invited = invite(&admin, &qid, "sam@netbeheer.example", &["comment"]).await;
    assert_eq!(invited["mailed"], true, "{invited}");
    let mail = tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
        .await
        .unwrap()
        .unwrap();
    let until = invited["guest"]["expiresAt"].as_str().unwrap();
    let in_words = koers_core::dates::long_date_nl(until);
    assert!(
        mail.contains(&format!("geldig tot {in_words}")) && !mail.contains(&until[..10]),
        "{in_words}: {mail}"
    );
}
