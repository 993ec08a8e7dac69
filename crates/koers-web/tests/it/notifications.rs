//! Assignments with notifications (in koers and by e-mail) and attachments on data questions,
//! through the API and the pages, with bad input and other organisations' data.

use crate::helpers::TestApp;
use crate::session::Session;
use serde_json::{Value, json};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};

/// A task and a question owned by the admin of A, with nobody else on it.
async fn question(c: &Session) -> String {
    let task = json!({"name": "Zwemwater", "theme": "bathing_water"});
    let q = json!({"question": "Zijn er voldoende veilige zwemwaterlocaties?"});
    c.ask_question(task, q).await["id"]
        .as_str()
        .unwrap()
        .to_string()
}

async fn notifications(c: &Session) -> Vec<Value> {
    serde_json::from_value(c.get_ok("/api/v1/notifications").await.json()).unwrap()
}

#[tokio::test]
pub(crate) async fn assignments_steps_and_comments_notify_the_people_on_a_question() {
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let v = app.api_as("viewer@pv26.example").await;
    let qid = question(&c).await;
    let assignments = format!("/api/v1/data-questions/{qid}/assignments");

    // The viewer becomes the analyst and is told; the admin, who did it, is not.
    let q = c
        .put_json(
            &assignments,
            &json!({"questionOwner": app.admin_a.id, "analyst": app.viewer_a.id}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(q["analyst"], app.viewer_a.id.as_str());
    let mine = notifications(&v).await;
    assert_eq!(mine.len(), 1, "{mine:?}");
    assert_eq!(mine[0]["kind"], "question.assigned");
    let text = mine[0]["text"].as_str().unwrap();
    assert!(
        text.contains("Analist") && text.contains("zwemwaterlocaties"),
        "{text}"
    );
    // Who did it, by their name as a member, not their e-mail address.
    assert!(
        text.contains("door admin)") && !text.contains('@'),
        "{text}"
    );
    assert_eq!(mine[0]["link"], format!("/datavragen/{qid}"));
    assert!(notifications(&c).await.is_empty());

    // Saving the same roles again tells nobody anything new.
    c.put_json(
        &assignments,
        &json!({"questionOwner": app.admin_a.id, "analyst": app.viewer_a.id}),
    )
    .await;
    assert_eq!(notifications(&v).await.len(), 1);

    // A step and a comment by the admin reach the viewer.
    c.post_json(
        &format!("/api/v1/data-questions/{qid}/transitions"),
        &json!({"to": "sharpened"}),
    )
    .await
    .assert_status(200);
    c.post_json(
        &format!("/api/v1/data-questions/{qid}/comments"),
        &json!({"body": "Graag voor de zomer"}),
    )
    .await
    .assert_status(201);
    let mine = notifications(&v).await;
    let kinds: Vec<&str> = mine.iter().filter_map(|n| n["kind"].as_str()).collect();
    assert_eq!(
        kinds,
        ["question.commented", "question.moved", "question.assigned"]
    );

    // Marking read: one's own only; someone else's id is unknown.
    let id = mine[0]["id"].as_str().unwrap();
    let url = format!("/api/v1/notifications/{id}");
    assert_eq!(
        c.patch_json(&url, &json!({"read": true})).await.status(),
        404
    );
    v.patch_json(&url, &json!({"read": "ja"}))
        .await
        .assert_status(400);
    assert_eq!(
        v.patch_json(&url, &json!({"read": true})).await.status(),
        204
    );
    let unread = v.get_json("/api/v1/notifications?unread=true").await;
    assert_eq!(unread.as_array().unwrap().len(), 2);

    // Bad assignments: someone outside the organisation, a wrong type; nothing changes.
    let _b = app.api_as("admin@gm0796.example").await;
    let outsider = app.user_by_email("admin@gm0796.example").await.unwrap().id;
    c.put_json(&assignments, &json!({"analyst": outsider}))
        .await
        .assert_status(400);
    c.put_json(&assignments, &json!({"analyst": 7}))
        .await
        .assert_status(400);
    // The viewer may not change roles.
    v.put_json(&assignments, &json!({"analyst": app.viewer_a.id}))
        .await
        .assert_status(403);
    let q: Value = c.get_json(&format!("/api/v1/data-questions/{qid}")).await;
    assert_eq!(q["question"]["analyst"], app.viewer_a.id.as_str(), "{q}");
}

fn file_part(name: &str, bytes: Vec<u8>) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(bytes).file_name(name.to_string()),
    )
}

fn temp_files(app: &TestApp) -> usize {
    std::fs::read_dir(app.ws.data_dir().join("tmp"))
        .map(|d| d.count())
        .unwrap_or(0)
}

#[tokio::test]
async fn attachments_are_checked_stored_once_and_served_as_downloads() {
    let app = TestApp::spawn_with_attachment_limit(64 * 1024).await;
    let c = app.api_as("admin@pv26.example").await;
    let qid = question(&c).await;
    c.put_json(
        &format!("/api/v1/data-questions/{qid}/assignments"),
        &json!({"questionOwner": app.admin_a.id, "dataSteward": app.viewer_a.id}),
    )
    .await;
    let url = format!("/api/v1/data-questions/{qid}/attachments");
    let pdf = b"%PDF-1.7\n1 0 obj <<>> endobj\n%%EOF\n".to_vec();
    let upload =
        async |name: &str, bytes: Vec<u8>| c.post_multipart(&url, file_part(name, bytes)).await;
    let a = upload("../../Zwemwater nota.pdf", pdf.clone())
        .await
        .expect(201)
        .json();
    assert_eq!(a["fileName"], "Zwemwater nota.pdf");
    assert_eq!(a["contentType"], "application/pdf");
    assert_eq!(a["sizeBytes"], pdf.len());
    // The same content again is stored once.
    let copy = upload("kopie.pdf", pdf.clone()).await.expect(201).json();
    let stored = app.ws.data_dir().join("attachments").join(&app.org_a.id);
    assert_eq!(std::fs::read_dir(&stored).unwrap().count(), 1);

    // The download is the same bytes, as an attachment, never inline.
    let r = c
        .get_ok(&format!("{url}/{}", a["id"].as_str().unwrap()))
        .await;
    assert!(
        r.header("content-disposition")
            .starts_with("attachment; filename=\"Zwemwater nota.pdf\"")
    );
    assert_eq!(r.bytes(), pdf);

    // The data steward heard of it.
    let v = app.api_as("viewer@pv26.example").await;
    let mine = notifications(&v).await;
    assert!(
        mine.iter().any(|n| n["kind"] == "question.attachment"
            && n["text"].as_str().unwrap().contains("Zwemwater nota.pdf")),
        "{mine:?}"
    );

    // Bad input: every kind is refused with a reason, and nothing is kept.
    let cases: Vec<(&str, Vec<u8>, u16, &str)> = vec![
        ("setup.exe", b"MZ\x90\x00".to_vec(), 400, "type"),
        (
            "nota.pdf",
            b"<html><script>alert(1)</script>".to_vec(),
            400,
            "content",
        ),
        ("leeg.pdf", Vec::new(), 400, "empty"),
        (
            "groot.pdf",
            [b"%PDF-".as_slice(), &vec![b'x'; 70 * 1024]].concat(),
            413,
            "",
        ),
    ];
    for (name, bytes, status, code) in cases {
        let r = upload(name, bytes).await;
        assert_eq!(r.status(), status, "{name}");
        assert_eq!(
            r.header("content-type"),
            "application/problem+json",
            "{name}"
        );
        if !code.is_empty() {
            let p = r.json();
            assert_eq!(p["invalidParams"][0]["code"], code, "{name}: {p}");
        }
    }
    // No file part at all.
    c.post_multipart(&url, reqwest::multipart::Form::new().text("note", "x"))
        .await
        .assert_status(400);
    // Without the CSRF token.
    c.send(
        c.client()
            .post(c.url(&url))
            .multipart(file_part("x.pdf", pdf.clone())),
    )
    .await
    .assert_status(403);
    assert_eq!(temp_files(&app), 0, "refused uploads leave nothing behind");
    let list = c.get_json(&url).await;
    assert_eq!(list.as_array().unwrap().len(), 2);

    // Unknown ids, and another organisation's question and attachment: 404.
    c.get(&format!("{url}/onbekend")).await.assert_status(404);
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("{url}/{}", a["id"].as_str().unwrap()))
        .await
        .assert_status(404);
    b.post_multipart(&url, file_part("x.pdf", pdf.clone()))
        .await
        .assert_status(404);

    // Removing: the viewer may not; the admin may; the file goes with the last reference.
    let first = format!("{url}/{}", a["id"].as_str().unwrap());
    v.delete(&first).await.assert_status(403);
    for id in [a["id"].as_str().unwrap(), copy["id"].as_str().unwrap()] {
        c.delete(&format!("{url}/{id}")).await.assert_status(204);
        let left = std::fs::read_dir(&stored).unwrap().count();
        assert_eq!(left, usize::from(id == a["id"].as_str().unwrap()));
    }
}

#[tokio::test]
async fn the_pages_assign_attach_and_show_notifications() {
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    let qid = question(&c).await;
    let p = app.page_as("admin@pv26.example").await;
    let page = p.page(&format!("/datavragen/{qid}")).await;
    assert!(page.contains("Rollen wijzigen") && page.contains("Bijlagen"));
    p.submit(
        &format!("/datavragen/{qid}/rollen"),
        &[
            ("questionOwner", app.admin_a.id.as_str()),
            ("analyst", app.viewer_a.id.as_str()),
        ],
    )
    .await
    .assert_shows(200, &["De rollen zijn opgeslagen"]);
    // A refused upload shows its reason on the question's page.
    let html = p
        .upload(
            &format!("/datavragen/{qid}/bijlagen"),
            file_part("script.pdf", b"<svg onload=alert(1)>".to_vec()),
        )
        .await
        .expect(400)
        .text();
    assert!(html.contains("de inhoud is geen PDF-bestand"), "{html}");
    let sent = p
        .upload(
            &format!("/datavragen/{qid}/bijlagen"),
            file_part("kaart.png", b"\x89PNG\r\n\x1a\n0000".to_vec()),
        )
        .await;
    let r = p.follow(sent).await;
    r.assert_status(200);
    assert!(r.text().contains("kaart.png"));

    // The viewer sees the count in the header, the list, and marks all read.
    let v = app.page_as("viewer@pv26.example").await;
    let html = v.page("/meldingen").await;
    assert!(html.contains("koers-badge\">2"), "two unread: {html}");
    assert!(html.contains("U bent Analist van de datavraag"));
    assert!(html.contains("voegde ‘kaart.png’ toe"));
    v.post_form("/meldingen/gelezen", &[])
        .await
        .assert_status(303);
    let html = v.page("/meldingen").await;
    assert!(!html.contains("koers-badge\">"));
}

/// A minimal SMTP server that records each message it receives, and a mailer that sends to it.
pub(crate) async fn smtp_sink() -> (
    koers_app::mail::Mailer,
    tokio::sync::mpsc::UnboundedReceiver<String>,
) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((sock, _)) = listener.accept().await {
            let tx = tx.clone();
            tokio::spawn(async move {
                let (r, mut w) = sock.into_split();
                let mut lines = BufReader::new(r).lines();
                let _ = w.write_all(b"220 sink ESMTP\r\n").await;
                let mut message = String::new();
                let mut in_data = false;
                while let Ok(Some(line)) = lines.next_line().await {
                    if in_data {
                        if line == "." {
                            in_data = false;
                            let _ = tx.send(std::mem::take(&mut message));
                            let _ = w.write_all(b"250 queued\r\n").await;
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.get(..4).unwrap_or("").to_ascii_uppercase();
                    let reply: &[u8] = match verb.as_str() {
                        "EHLO" | "HELO" => b"250 sink\r\n",
                        "DATA" => {
                            in_data = true;
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            let _ = w.write_all(b"221 bye\r\n").await;
                            break;
                        }
                        _ => {
                            if verb.starts_with("RCPT") || verb.starts_with("MAIL") {
                                message.push_str(&line);
                                message.push('\n');
                            }
                            b"250 ok\r\n"
                        }
                    };
                    let _ = w.write_all(reply).await;
                }
            });
        }
    });
    let mailer = koers_app::mail::Mailer::new(&koers_app::mail::MailConfig {
        smtp_url: format!("smtp://127.0.0.1:{port}"),
        from: "koers <koers@pv26.example>".into(),
    })
    .unwrap();
    (mailer, rx)
}

#[tokio::test]
async fn notifications_are_mailed_when_smtp_is_configured() {
    let (mailer, mut mails) = smtp_sink().await;
    let app = TestApp::spawn_full(
        koers_web::WebConfig {
            public_url: Some("https://koers.pv26.example".into()),
            ..Default::default()
        },
        Some(mailer),
    )
    .await;
    let c = app.api_as("admin@pv26.example").await;
    let qid = question(&c).await;
    c.put_json(
        &format!("/api/v1/data-questions/{qid}/assignments"),
        &json!({"analyst": app.viewer_a.id}),
    )
    .await;
    let mail = tokio::time::timeout(Duration::from_secs(20), mails.recv())
        .await
        .expect("a mail within 20 s")
        .expect("mail");
    assert!(mail.contains("RCPT TO:<viewer@pv26.example>"), "{mail}");
    assert!(
        mail.contains("Subject: koers: U bent Analist") || mail.contains("Subject: =?utf-8?"),
        "{mail}"
    );
    // The body is quoted-printable: undo its soft line breaks to read the link.
    let body = mail.replace("=\n", "");
    assert!(
        body.contains(&format!("https://koers.pv26.example/datavragen/{qid}")),
        "{mail}"
    );
    // Sent once: the outbox marks it.
    assert!(
        tokio::time::timeout(Duration::from_secs(5), mails.recv())
            .await
            .is_err(),
        "no second mail"
    );
}
