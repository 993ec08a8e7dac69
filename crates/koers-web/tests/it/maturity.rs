//! The maturity monitor over HTTP: the anonymity threshold in the API, the pages, the
//! exports and the reports; single-use token links answered signed out; closing freezes a
//! round; documents are checked, extracted and coded.

use crate::helpers::{TestApp, field_of_each, find_by, hidden_csrf};
use crate::session::Session;
use koers_store::testing::organisation;
use serde_json::{Value, json};

/// Starts a round with two provinces and returns (session, round id, [participant ids]).
pub(crate) async fn round_with_two(app: &TestApp) -> (Session, String, Vec<String>) {
    let c = app.api_as("admin@pv26.example").await;
    let round = c
        .create(
            "/api/v1/maturity/rounds",
            &json!({"name": "Meting 2026", "year": "2026"}),
        )
        .await;
    assert_eq!(round["minRespondents"], 5);
    let id = round["id"].as_str().unwrap().to_string();
    let mut ps = Vec::new();
    for (name, code) in [
        ("Provincie Flevoland", "PV24"),
        ("Provincie Gelderland", "PV25"),
    ] {
        let p = c
            .create(
                &format!("/api/v1/maturity/rounds/{id}/participants"),
                &json!({"name": name, "cbsCode": code}),
            )
            .await;
        ps.push(p["id"].as_str().unwrap().to_string());
    }
    (c, id, ps)
}

async fn links(c: &Session, round: &str, participant: &str, n: usize) -> Vec<String> {
    let links = c
        .create(
            &format!("/api/v1/maturity/rounds/{round}/invitations"),
            &json!({"participantId": participant, "count": n.to_string()}),
        )
        .await;
    field_of_each(&links, "url")
        .into_iter()
        .map(str::to_string)
        .collect()
}

/// Answers a survey link signed out, through the form: every statement `value`, the open
/// question `comment`. Returns the status and page.
async fn answer(link: &str, value: &str, comment: &str) -> (u16, String) {
    answer_in_group(link, value, comment, "").await
}

/// [`answer`], saying which respondent group one is in (`""`: prefers not to say).
async fn answer_in_group(link: &str, value: &str, comment: &str, group: &str) -> (u16, String) {
    // A browser signed out, following the absolute link.
    let c = Session::new("");
    let html = c.get(link).await.expect(200).text();
    let csrf = hidden_csrf(&html);
    let mut form = vec![
        ("csrf_token".to_string(), csrf),
        ("group".to_string(), group.to_string()),
    ];
    for part in html.split("name=\"item_").skip(1) {
        let id = part.split('"').next().unwrap().to_string();
        let field = format!("item_{id}");
        if form.iter().any(|(k, _)| *k == field) {
            continue;
        }
        let is_open = part.starts_with(&format!("{id}\" rows"));
        form.push((field, if is_open { comment } else { value }.to_string()));
    }
    let r = c.send(c.client().post(link).form(&form)).await;
    // Went through: back to the link, which thanks once.
    let r = match r.status().as_u16() {
        303 => {
            let origin = &link[..link.find("/enquete/").expect("a survey link")];
            c.get(&format!("{origin}{}", r.header("location"))).await
        }
        _ => r,
    };
    (r.status().as_u16(), r.text())
}

pub(crate) fn pdf_text(pdf: &[u8]) -> String {
    let doc = lopdf::Document::load_mem(pdf).expect("a valid PDF");
    let pages: Vec<u32> = doc.get_pages().keys().copied().collect();
    doc.extract_text(&pages).expect("text")
}

#[tokio::test]
async fn no_figure_below_the_threshold_anywhere() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let flevo = links(&c, &round, &ps[0], 6).await;
    let gelre = links(&c, &round, &ps[1], 5).await;
    for l in &flevo[..4] {
        let (status, html) = answer(l, "2", "Flevo-opmerking-geheim").await;
        assert_eq!(status, 200, "{html}");
        assert!(html.contains("Dank u wel"));
    }
    // Opened again, the link says it was used; nothing is sent again.
    let again = Session::new("").get(&flevo[0]).await;
    again.assert_shows(410, &["Deze link is al gebruikt"]);
    for l in &gelre {
        assert_eq!(answer(l, "4", "Gelre-opmerking").await.0, 200);
    }
    // The API: Flevoland (4 respondents) has no survey figure, Gelderland (5) has.
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    let by_name = |n: &str| find_by(&scores["participants"], "name", n).clone();
    let f = by_name("Provincie Flevoland");
    assert_eq!(f["surveyShown"], false);
    assert_eq!(f["comments"], json!([]));
    for d in f["dimensions"].as_array().unwrap() {
        assert!(d["survey"].is_null() && d["score"].is_null(), "{d}");
        assert!(d["surveyRespondents"].is_null());
        for i in d["items"].as_array().unwrap() {
            assert!(i["aggregate"].is_null());
        }
    }
    let g = by_name("Provincie Gelderland");
    assert_eq!(g["surveyShown"], true);
    assert_eq!(g["dimensions"][0]["survey"], 4.0);
    assert_eq!(g["dimensions"][0]["items"][0]["aggregate"]["n"], 5);
    assert_eq!(g["comments"].as_array().unwrap().len(), 5);
    // The benchmark (API, page, CSV) and the reports (HTML, PDF).
    let bench: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/benchmark"))
        .await;
    let frow = find_by(&bench["rows"], "label", "Provincie Flevoland");
    assert!(
        frow["scores"]
            .as_array()
            .unwrap()
            .iter()
            .all(Value::is_null)
    );
    let pc = app.page_as("admin@pv26.example").await;
    let get = async |path: String| pc.get(&path).await;
    let csv = get(format!("/volwassenheid/rondes/{round}/benchmark.csv"))
        .await
        .text();
    let fline = csv.lines().find(|l| l.contains("Flevoland")).unwrap();
    assert!(!fline.contains("2.00"), "{fline}");
    assert!(
        csv.lines()
            .any(|l| l.contains("Gelderland") && l.contains("4.00"))
    );
    let html = get(format!(
        "/volwassenheid/rondes/{round}/organisaties/{}",
        ps[0]
    ))
    .await
    .text();
    assert!(html.contains("Te weinig respondenten"));
    assert!(!html.contains("2,0") && !html.contains("Flevo-opmerking-geheim"));
    let html = get(format!(
        "/volwassenheid/rondes/{round}/organisaties/{}",
        ps[1]
    ))
    .await
    .text();
    assert!(html.contains("4,0") && html.contains("Gelre-opmerking"));
    // Weights and scores as a reader of each language writes numbers.
    assert!(html.contains("Enquête 0,5, Documenten 0,25"), "{html}");
    pc.get("/lang/en?next=/").await;
    let en = get(format!(
        "/volwassenheid/rondes/{round}/organisaties/{}",
        ps[1]
    ))
    .await
    .text();
    assert!(en.contains("4.0") && !en.contains("4,0"), "{en}");
    assert!(en.contains("Survey 0.5, Documents 0.25"), "{en}");
    pc.get("/lang/nl?next=/").await;
    let pdf = get(format!(
        "/volwassenheid/rondes/{round}/organisaties/{}/rapport.pdf",
        ps[0]
    ))
    .await;
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    // The file's name says what it is: whose report, of which round.
    let disposition = pdf.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .to_string();
    assert!(
        disposition.contains("volwassenheid-provincie-flevoland-"),
        "{disposition}"
    );
    let text = pdf_text(pdf.bytes());
    assert!(
        text.contains("Volwassenheidsrapport Provincie Flevoland"),
        "{text}"
    );
    assert!(
        !text.contains("2,0") && !text.contains("Flevo-opmerking"),
        "{text}"
    );
    let api_pdf = c
        .get(&format!(
            "/api/v1/maturity/rounds/{round}/participants/{}/report",
            ps[1]
        ))
        .await
        .bytes()
        .to_vec();
    let text = pdf_text(&api_pdf);
    assert!(
        text.contains("Gelderland") && text.contains("4,0"),
        "{text}"
    );
    assert!(text.contains("Aanbeveling"));
    let bench_html = get(format!("/volwassenheid/rondes/{round}/benchmark"))
        .await
        .text();
    assert!(!bench_html.contains("2,0"));
    // A phone draws its own chart, names above the bars, instead of shrinking the wide one.
    assert!(
        bench_html.contains("<svg class=\"koers-chart koers-chart--narrow\"")
            && bench_html.contains("text-anchor=\"start\">Provincie Flevoland<"),
        "{bench_html}"
    );
    // The study's publication: the benchmark, the method and both reports in one PDF, with
    // the threshold applied as everywhere (page and API alike).
    let book = get(format!("/volwassenheid/rondes/{round}/publicatie.pdf")).await;
    assert_eq!(book.headers()["content-type"], "application/pdf");
    let text = pdf_text(book.bytes());
    for part in [
        "Meting 2026",
        "Volwassenheidsrapport Provincie Flevoland",
        "Volwassenheidsrapport Provincie Gelderland",
        "Gelre-opmerking",
        "4,0",
    ] {
        assert!(
            text.contains(part),
            "the publication lacks {part:?}: {text}"
        );
    }
    assert!(
        !text.contains("2,0") && !text.contains("Flevo-opmerking"),
        "{text}"
    );
    let api_book = c
        .get(&format!("/api/v1/maturity/rounds/{round}/publication"))
        .await
        .expect(200);
    assert_eq!(pdf_text(api_book.bytes()), text);
    app.as_viewer()
        .await
        .get(&format!("/api/v1/maturity/rounds/{round}/publication"))
        .await
        .assert_status(403);
    // The fifth respondent lifts Flevoland over the threshold: now the figure shows.
    assert_eq!(answer(&flevo[4], "2", "x").await.0, 200);
    let html = get(format!(
        "/volwassenheid/rondes/{round}/organisaties/{}",
        ps[0]
    ))
    .await
    .text();
    assert!(html.contains("2,0") && html.contains("Flevo-opmerking-geheim"));
    // Anonymised: letters, no names, no codes.
    let anon: Value = c
        .get_json(&format!(
            "/api/v1/maturity/rounds/{round}/benchmark?anonymous=true"
        ))
        .await;
    let labels = field_of_each(&anon["rows"], "label");
    assert_eq!(labels, ["Provincie A", "Provincie B"]);
    assert!(!anon.to_string().contains("Flevoland") && !anon.to_string().contains("PV24"));
}

#[tokio::test]
pub(crate) async fn tokens_are_single_use_and_bad_links_change_nothing() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let l = links(&c, &round, &ps[0], 2).await;
    let token = l[0].rsplit('/').next().unwrap();
    assert!(token.len() >= 43, "256 random bits, base64");
    assert_ne!(l[0], l[1]);
    // The store keeps no token: nothing in the invitations reveals it.
    let invs: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/invitations"))
        .await;
    assert!(!invs.to_string().contains(token));
    assert_eq!(answer(&l[0], "3", "").await.0, 200);
    let count = || async {
        let v: Value = c
            .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
            .await;
        v["participants"][0]["responded"].as_i64().unwrap()
            + v["participants"][1]["responded"].as_i64().unwrap()
    };
    assert_eq!(count().await, 1);
    // Used: a clear page, on GET and on POST, and nothing recorded.
    // Signed out, following the absolute links.
    let mut anon = Session::new("");
    let r = anon.get(&l[0]).await.expect(410);
    assert!(r.text().contains("al gebruikt"));
    anon.open_form(&l[1]).await;
    anon.post_form(&l[0], &[]).await.assert_status(410);
    // Unknown: not found, explained.
    let r = anon
        .get(&app.url("/enquete/AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"))
        .await
        .expect(404);
    assert!(r.text().contains("bestaat niet"));
    // An empty answer is refused with the form again.
    let r = anon.post_form(&l[1], &[]).await;
    r.assert_shows(
        400,
        &[
            "Controleer wat u invulde:",
            "href=\"#answers-error\">Antwoorden: beantwoord minstens één vraag</a>",
        ],
    );
    // The summary names no internal field.
    assert!(!r.text().contains("answers beantwoord"), "{}", r.text());
    assert_eq!(count().await, 1);
    // Reminders replace the unanswered link; the old one stops working.
    let fresh = c
        .post(&format!("/api/v1/maturity/rounds/{round}/reminders"))
        .await
        .expect(200)
        .json();
    assert_eq!(fresh.as_array().unwrap().len(), 1);
    anon.get(&l[1]).await.assert_status(404);
    let new_link = fresh[0]["url"].as_str().unwrap();
    // Closing freezes: the new link says so, and no participant can be added.
    c.post(&format!("/api/v1/maturity/rounds/{round}/close"))
        .await
        .assert_status(200);
    let r = anon.get(new_link).await.expect(410);
    assert!(r.text().contains("gesloten"));
    c.post_json(
        &format!("/api/v1/maturity/rounds/{round}/participants"),
        &json!({"name": "Provincie Zeeland"}),
    )
    .await
    .assert_status(409);
    assert_eq!(count().await, 1);
    // A viewer may not run research.
    let v = app.api_as("viewer@pv26.example").await;
    v.post_json(
        "/api/v1/maturity/rounds",
        &json!({"name": "x", "year": "2026"}),
    )
    .await
    .assert_status(403);
}

#[tokio::test]
async fn invitation_links_are_shown_once_to_copy_and_as_csv() {
    let app = TestApp::spawn().await;
    let (_c, round, ps) = round_with_two(&app).await;
    let pc = app.page_as("admin@pv26.example").await;
    let r = pc
        .post_form(
            &format!("/volwassenheid/rondes/{round}/uitnodigingen"),
            &[
                ("participantId", ps[1].as_str()),
                ("count", "3"),
                ("label", "gedeputeerde"),
            ],
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.header("cache-control"), "no-store");
    let html = r.text();
    assert!(html.contains("3 nieuwe links om uit te delen"), "{html}");
    assert_eq!(
        html.matches("class=\"utrecht-textbox koers-copy__value\"")
            .count(),
        3
    );
    assert_eq!(
        html.matches("Provincie Gelderland — gedeputeerde").count(),
        3
    );
    // The same links as CSV, in the page itself (nothing of them is kept on the server).
    let csv = html
        .split("href=\"data:text/csv;charset=utf-8,")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap();
    assert!(
        csv.contains("Provincie%20Gelderland%2CPV25%2Cgedeputeerde%2Chttp"),
        "{csv}"
    );
    // Without SMTP, personal links for addresses are shown too.
    let r = pc
        .post_form(
            &format!("/volwassenheid/rondes/{round}/uitnodigingen"),
            &[
                ("participantId", ps[1].as_str()),
                ("emails", "cio@gelderland.example"),
            ],
        )
        .await;
    let html = r.text();
    assert!(
        html.contains("Provincie Gelderland — cio@gelderland.example"),
        "{html}"
    );
    // A bad count is shown on the round page; nothing is created.
    let chosen = format!("value=\"{}\" selected", ps[1]);
    pc.post_form(
        &format!("/volwassenheid/rondes/{round}/uitnodigingen"),
        &[
            ("participantId", ps[1].as_str()),
            ("count", "0"),
            ("label", "directeur"),
        ],
    )
    .await
    .assert_shows(
        400,
        &[
            "geef een aantal van 1 tot 200",
            // What was typed and chosen stays in the form.
            "name=\"label\" value=\"directeur\"",
            "name=\"count\" inputmode=\"numeric\" value=\"0\"",
            &chosen,
        ],
    );
}

#[tokio::test]
async fn personal_invitations_are_mailed_when_smtp_is_configured() {
    let (mailer, mut mails) = crate::notifications::smtp_sink().await;
    let app = TestApp::spawn_full(koers_web::WebConfig::default(), Some(mailer)).await;
    let (_c, round, ps) = round_with_two(&app).await;
    let pc = app.page_as("admin@pv26.example").await;
    let invitations = format!("/volwassenheid/rondes/{round}/uitnodigingen");
    let send = async |emails: &str| {
        pc.post_form(
            &invitations,
            &[
                ("participantId", ps[1].as_str()),
                ("count", "5"),
                ("emails", emails),
            ],
        )
        .await
    };
    // A bad address is named; nothing is sent or created.
    let html = send("cio@gelderland.example\nniet-een-adres")
        .await
        .expect(400)
        .text();
    assert!(html.contains("geen geldig e-mailadres: niet-een-adres"));
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), mails.recv())
            .await
            .is_err()
    );
    // Two addresses: two personal links, mailed; the page says so.
    let html = send("cio@gelderland.example\n\ncdo@gelderland.example")
        .await
        .expect(200)
        .text();
    assert!(
        html.contains("2 persoonlijke links zijn per e-mail verstuurd"),
        "{html}"
    );
    // Mailed links are not shown again on the page.
    assert!(!html.contains("nieuwe links om uit te delen"));
    let mut got = Vec::new();
    for _ in 0..2 {
        let m = tokio::time::timeout(std::time::Duration::from_secs(10), mails.recv())
            .await
            .unwrap()
            .unwrap();
        got.push(m.replace("=\n", ""));
    }
    assert!(
        got.iter()
            .any(|m| m.contains("RCPT TO:<cio@gelderland.example>"))
    );
    assert!(
        got.iter()
            .any(|m| m.contains("RCPT TO:<cdo@gelderland.example>"))
    );
    // The mailed link opens the survey, signed out.
    let link = got[0]
        .split_whitespace()
        .find(|w| w.contains("/enquete/"))
        .unwrap()
        .to_string();
    Session::new("").get(&link).await.assert_status(200);
}

#[tokio::test]
async fn the_framework_is_edited_in_the_page_as_a_new_version() {
    let app = TestApp::spawn().await;
    let fw = app
        .store
        .maturity()
        .maturity_frameworks(&app.org_a.id, &koers_store::Actor::cli())
        .await
        .unwrap()
        .remove(0)
        .framework;
    let pc = app.page_as("admin@pv26.example").await;
    let page = pc.page("/volwassenheid/kader").await;
    assert!(page.contains("Kader bewerken (nieuwe versie)"), "{page}");
    // The form as the page fills it: every dimension, the first renamed, plus a new one.
    let mut form: Vec<(String, String)> = vec![
        ("csrf_token".into(), pc.csrf().to_string()),
        ("name".into(), fw.name.clone()),
        ("dimensions".into(), (fw.dimensions.len() + 1).to_string()),
    ];
    for (i, d) in fw.dimensions.iter().enumerate() {
        let name = if i == 0 {
            "Visie en koers".to_string()
        } else {
            d.name.clone()
        };
        form.push((format!("d{i}.key"), d.key.clone()));
        form.push((format!("d{i}.name"), name));
        form.push((format!("d{i}.description"), d.description.clone()));
        form.push((format!("d{i}.statement"), d.statement.clone()));
        for (l, text) in d.levels.iter().enumerate() {
            form.push((format!("d{i}.level{}", l + 1), text.clone()));
        }
    }
    let n = fw.dimensions.len();
    let mut with_new = form.clone();
    with_new.push((format!("d{n}.key"), "open_data".into()));
    with_new.push((format!("d{n}.name"), "Open data".into()));
    // The new dimension lacks its levels: refused, with the reason beside each field of its
    // row, what was typed kept (the renamed first dimension too), and nothing saved.
    let framework = pc.url("/volwassenheid/kader");
    let refused = pc.send(pc.client().post(&framework).form(&with_new)).await;
    refused.assert_shows(
        400,
        &[
            &format!("id=\"dimensions[{n}].levels[0]-error\""),
            &format!("id=\"dimensions[{n}].statement-error\""),
            "value=\"Visie en koers\"",
            "value=\"open_data\"",
        ],
    );
    // A dimension taken away (key and name emptied) moves the rows after it up, yet each
    // problem stays with the row it was sent in.
    let mut gap = with_new.clone();
    for (k, v) in gap.iter_mut() {
        if k == "d0.key" || k == "d0.name" {
            v.clear();
        }
    }
    pc.send(pc.client().post(&framework).form(&gap))
        .await
        .assert_shows(400, &[&format!("id=\"dimensions[{n}].levels[0]-error\"")]);
    let versions = |app: &TestApp| {
        let store = app.store.clone();
        let org = app.org_a.id.clone();
        async move {
            store
                .maturity()
                .maturity_frameworks(&org, &koers_store::Actor::cli())
                .await
                .unwrap()
                .len()
        }
    };
    assert_eq!(versions(&app).await, 1);
    for l in 1..=5 {
        with_new.push((
            format!("d{n}.level{l}"),
            format!("Niveau {l} van open data"),
        ));
    }
    with_new.push((
        format!("d{n}.statement"),
        "Wij publiceren onze data open.".into(),
    ));
    with_new.push((format!("d{n}.description"), "Data open publiceren.".into()));
    let back = pc
        .send(pc.client().post(&framework).form(&with_new))
        .await
        .expect(303);
    let html = pc.page(back.header("location")).await;
    assert!(
        html.contains("opgeslagen als nieuwe versie")
            && html.contains("Visie en koers")
            && html.contains("Open data")
    );
    assert_eq!(versions(&app).await, 2);
    // A viewer may not.
    let v = app.page_as("viewer@pv26.example").await;
    let mut as_viewer = form.clone();
    as_viewer[0] = ("csrf_token".into(), v.csrf().to_string());
    v.send(v.client().post(&framework).form(&as_viewer))
        .await
        .assert_status(403);
    assert_eq!(versions(&app).await, 2);
}

#[tokio::test]
async fn a_coding_mistake_is_removed_while_the_round_is_open() {
    let app = TestApp::spawn().await;
    let (round, _p, source) = objects_of_a(&app).await;
    let r = app.round(&round).await;
    let code = app.store.maturity().codes(&r).await.unwrap().remove(0).id;
    let url = format!("/api/v1/maturity/rounds/{round}/sources/{source}/codes/{code}");
    // A viewer may not; another organisation does not find it; an unknown code is unknown.
    let v = app.api_as("viewer@pv26.example").await;
    v.delete(&url).await.assert_status(403);
    let b = app.api_as("admin@gm0796.example").await;
    b.delete(&url).await.assert_status(404);
    let c = app.api_as("admin@pv26.example").await;
    let unknown = url.replace(&code, "onbekend");
    c.delete(&unknown).await.assert_status(404);
    assert_eq!(app.store.maturity().codes(&r).await.unwrap().len(), 1);
    // Through the page: the button removes it.
    let p = app.page_as("admin@pv26.example").await;
    let page = p
        .page(&format!("/volwassenheid/rondes/{round}/bronnen/{source}"))
        .await;
    assert!(page.contains("Codering verwijderen"));
    p.post_form(
        &format!("/volwassenheid/rondes/{round}/bronnen/{source}/codes/{code}/verwijderen"),
        &[],
    )
    .await
    .assert_status(303);
    assert!(app.store.maturity().codes(&r).await.unwrap().is_empty());
    c.delete(&url).await.assert_status(404);
}

#[tokio::test]
async fn documents_are_checked_extracted_and_coded() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let pc = app.page_as("admin@pv26.example").await;
    let documents = format!("/volwassenheid/rondes/{round}/documenten");
    let upload = async |name: &'static str, bytes: Vec<u8>| {
        let form = reqwest::multipart::Form::new()
            .text("participantId", ps[1].clone())
            .text("title", "Visie")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes).file_name(name),
            );
        pc.upload(&documents, form).await
    };
    let r = upload("programma.exe", b"MZ\x90\x00binary".to_vec()).await;
    r.assert_status(400);
    assert!(r.text().contains("alleen PDF, DOCX"));
    let r = upload("visie.pdf", b"%PDF-1.7 kapot".to_vec()).await;
    r.assert_status(400);
    assert!(r.text().contains("beschadigd"));
    upload("groot.txt", vec![b'a'; 11 * 1024 * 1024])
        .await
        .assert_status(413);
    let r = upload(
        "../../etc/visie.txt",
        "Wij sturen op data in elk besluit.\nTweede regel."
            .as_bytes()
            .to_vec(),
    )
    .await;
    r.assert_status(303);
    let to = r.header("location").to_string();
    let source_id = to.rsplit('/').next().unwrap().to_string();
    let detail: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}"))
        .await;
    assert_eq!(
        detail["sources"].as_array().unwrap().len(),
        1,
        "refused uploads left nothing"
    );
    assert!(
        detail["sources"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Wij sturen op data")
    );
    let stored: Vec<_> = std::fs::read_dir(app.ws.data_dir().join("maturity"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    assert_eq!(stored.len(), 1);
    assert!(stored[0].ends_with(".txt") && !stored[0].contains("visie"));
    // Coding: the passage must occur in the text; the level counts in the score.
    let codes = format!("/api/v1/maturity/rounds/{round}/sources/{source_id}/codes");
    let code = async |passage: &str, level: &str| {
        c.post_json(
            &codes,
            &json!({"dimension": "decisions", "level": level, "passage": passage}),
        )
        .await
    };
    assert_eq!(code("Iets anders", "3").await.status(), 400);
    assert_eq!(
        code("Wij sturen op data in elk besluit.", "9")
            .await
            .status(),
        400
    );
    assert_eq!(
        code("Wij sturen op data in elk besluit.", "4")
            .await
            .status(),
        201
    );
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    let g = find_by(&scores["participants"], "name", "Provincie Gelderland");
    let d = find_by(&g["dimensions"], "key", "decisions");
    assert_eq!(d["documents"], 4.0);
    assert_eq!(d["score"], 4.0, "only documents: their weight becomes 1");
    assert_eq!(d["applied"]["documents"], 1.0);
    assert_eq!(
        d["codes"][0]["passage"],
        "Wij sturen op data in elk besluit."
    );
    // Interview notes are coded the same way; the coding page shows the codes.
    // Interviews record whom they were with, by role.
    let interview = c
        .create(
            &format!("/api/v1/maturity/rounds/{round}/interviews"),
            &json!({"participantId": ps[1], "title": "Gesprek CIO", "notes": "De CIO zegt: data is van iedereen.", "intervieweeRole": "civil_servant"}),
        )
        .await;
    assert_eq!(interview["intervieweeRole"], "civil_servant");
    let p = c
        .post_json(
            &format!("/api/v1/maturity/rounds/{round}/interviews"),
            &json!({"participantId": ps[1], "title": "Gesprek", "notes": "x", "intervieweeRole": "burger"}),
        )
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&p, &["intervieweeRole"]);
    let html = pc.page(&to).await;
    assert!(html.contains("Wij sturen op data in elk besluit."));
    let round_page = pc.page(&format!("/volwassenheid/rondes/{round}")).await;
    assert!(
        round_page
            .contains("Gesprek CIO</a> <span class=\"koers-badge\">Interview</span> Ambtenaar"),
        "{round_page}"
    );
}

/// A round of organisation A with a participant and a source, for the isolation walk.
/// Adds the notes of an interview with participant `participant_id` to `round`, in the
/// store; the source.
pub(crate) async fn add_interview(
    app: &TestApp,
    round: &koers_store::maturity::Round,
    participant_id: &str,
    title: &str,
    text: &str,
) -> koers_store::maturity::Source {
    let draft = koers_store::maturity::SourceDraft {
        participant_id,
        kind: "interview",
        title,
        file: None,
        text,
        interviewee_role: Some("civil_servant"),
    };
    app.store
        .maturity()
        .add_source(round, &draft, &koers_store::Actor::cli())
        .await
        .unwrap()
}

pub(crate) async fn objects_of_a(app: &TestApp) -> (String, String, String) {
    use koers_core::maturity::{ParticipantDraft, RoundDraft, Weights, default_items};
    let actor = koers_store::Actor::cli();
    let fw = app
        .store
        .maturity()
        .maturity_frameworks(&app.org_a.id, &actor)
        .await
        .unwrap();
    let round = app
        .store
        .maturity()
        .create_round(
            &app.org_a.id,
            &fw[0].id,
            &RoundDraft::parse("Geheim", "2026", "", Ok(Weights::default())).unwrap(),
            &default_items(&fw[0].framework),
            false,
            &actor,
        )
        .await
        .unwrap();
    let p = app
        .store
        .maturity()
        .add_participant(
            &round,
            &ParticipantDraft::parse("Geheime provincie", "").unwrap(),
            &actor,
        )
        .await
        .unwrap();
    let s = add_interview(app, &round, &p.id, "Geheim gesprek", "Geheim").await;
    let key = fw[0].framework.dimensions[0].key.clone();
    app.store
        .maturity()
        .add_code(
            &round,
            &s,
            &koers_core::maturity::CodeDraft::parse(&fw[0].framework, &key, "2", "Geheim", "")
                .unwrap(),
            &actor,
        )
        .await
        .unwrap();
    (round.id, p.id, s.id)
}

#[tokio::test]
async fn another_organisation_gets_404_on_every_round_page() {
    let app = TestApp::spawn().await;
    let (round, p, s) = objects_of_a(&app).await;
    let c = app.page_as("admin@gm0796.example").await;
    for path in [
        format!("/volwassenheid/rondes/{round}"),
        format!("/volwassenheid/rondes/{round}/bronnen/{s}"),
        format!("/volwassenheid/rondes/{round}/organisaties/{p}"),
        format!("/volwassenheid/rondes/{round}/organisaties/{p}/rapport.pdf"),
        format!("/volwassenheid/rondes/{round}/benchmark"),
        format!("/volwassenheid/rondes/{round}/benchmark.csv"),
    ] {
        assert_eq!(c.get(&path).await.status(), 404, "{path}");
    }
    for path in [
        "deelnemers",
        "vragen",
        "uitnodigingen",
        "herinneringen",
        "sluiten",
        "interviews",
    ] {
        let r = c
            .post_form(
                &format!("/volwassenheid/rondes/{round}/{path}"),
                &[("name", "x"), ("participantId", p.as_str()), ("count", "1")],
            )
            .await;
        assert_eq!(r.status(), 404, "{path}");
    }
    let html = c.page("/volwassenheid").await;
    assert!(!html.contains("Geheim"));
    let a_round = app.round(&round).await;
    assert!(a_round.is_open());
    assert_eq!(
        app.store
            .maturity()
            .round_participants(&a_round)
            .await
            .unwrap()
            .len(),
        1
    );
}

/// A researcher starts a round with the weights written as a Dutch reader writes them; a
/// weight that is no number is refused beside its own field, named in the summary.
#[tokio::test]
async fn a_round_takes_its_weights_with_a_decimal_comma() {
    let app = TestApp::spawn().await;
    let pc = app.page_as("admin@pv26.example").await;
    let html = pc.page("/volwassenheid").await;
    for default in ["value=\"0,5\"", "value=\"0,25\""] {
        assert!(html.contains(default), "{default}: {html}");
    }
    let round = |survey| {
        [
            ("name", "Meting 2027"),
            ("year", "2027"),
            ("minRespondents", "5"),
            ("weightSurvey", survey),
            ("weightDocuments", "0,2"),
            ("weightInterviews", "0,2"),
        ]
    };
    let refused = pc.post_form("/volwassenheid", &round("veel")).await;
    refused.assert_shows(
        400,
        &[
            "Gewicht enquête: moet een getal zijn",
            r#"name="weightSurvey" inputmode="decimal" value="veel" aria-invalid="true" aria-describedby="weightSurvey-error""#,
        ],
    );
    assert!(!refused.text().contains("weightDocuments-error"));
    pc.submit("/volwassenheid", &round("0,6"))
        .await
        .assert_shows(200, &["Meting 2027"]);
    let rounds = pc.get("/api/v1/maturity/rounds").await.json();
    let made = rounds
        .as_array()
        .and_then(|r| r.iter().find(|r| r["name"] == "Meting 2027"))
        .unwrap_or_else(|| panic!("no round made: {rounds}"));
    assert_eq!(
        made["weights"],
        json!({"survey": 0.6, "documents": 0.2, "interviews": 0.2})
    );
}

/// koers' built-in framework reads in the reader's language; in Dutch it is as written.
#[tokio::test]
async fn the_built_in_framework_reads_in_english() {
    let app = TestApp::spawn().await;
    let pc = app.page_as("admin@pv26.example").await;
    let nl = pc.page("/volwassenheid/kader").await;
    assert!(nl.contains("Visie en strategie"), "{nl}");
    pc.get("/lang/en?next=/").await;
    let en = pc.page("/volwassenheid/kader").await;
    assert!(en.contains("Digital maturity (koers default)"), "{en}");
    // Shown in English; the edit form keeps the words as stored, to change them.
    assert!(en.contains("1. Vision and strategy") && !en.contains("1. Visie en strategie"));
}

/// A round of `year` on framework `framework` (the newest when `None`) with Flevoland and
/// Gelderland, whose respondents answer every statement with the values given (as many
/// respondents as values). Returns the round and Flevoland's participant id.
pub(crate) async fn yearly_round(
    c: &Session,
    year: &str,
    framework: Option<&str>,
    flevo: &[&str],
    gelre: &[&str],
) -> (String, String) {
    let round = c
        .create(
            "/api/v1/maturity/rounds",
            &json!({"name": format!("Meting {year}"), "year": year, "frameworkId": framework}),
        )
        .await;
    let id = round["id"].as_str().unwrap().to_string();
    let mut flevo_id = String::new();
    for (name, code, values) in [
        ("Provincie Flevoland", "PV24", flevo),
        ("Provincie Gelderland", "PV25", gelre),
    ] {
        let p = c
            .create(
                &format!("/api/v1/maturity/rounds/{id}/participants"),
                &json!({"name": name, "cbsCode": code}),
            )
            .await;
        let pid = p["id"].as_str().unwrap().to_string();
        if code == "PV24" {
            flevo_id = pid.clone();
        }
        if values.is_empty() {
            continue;
        }
        for (l, v) in links(c, &id, &pid, values.len())
            .await
            .iter()
            .zip(values.iter())
        {
            assert_eq!(answer(l, v, "").await.0, 200);
        }
    }
    (id, flevo_id)
}

#[tokio::test]
async fn a_province_over_three_years_with_the_threshold_per_round() {
    let app = TestApp::spawn().await;
    let c = app.api_as("admin@pv26.example").await;
    // 2024: both provinces above the threshold (5).
    let (r24, _) = yearly_round(&c, "2024", None, &["2"; 5], &["4"; 5]).await;
    // 2025: Flevoland has three respondents, below the threshold: no figure that year.
    let (r25, _) = yearly_round(&c, "2025", None, &["5"; 3], &["4"; 5]).await;
    // 2026 on a new framework version whose first dimension has a new key.
    let versions: Value = c.get_json("/api/v1/maturity/framework").await;
    let mut fw = versions.as_array().unwrap().last().unwrap()["framework"].clone();
    let old_key = fw["dimensions"][0]["key"].as_str().unwrap().to_string();
    fw["dimensions"][0]["key"] = json!("visie_en_strategie");
    let v2 = c
        .put_json("/api/v1/maturity/framework", &fw)
        .await
        .expect(201)
        .json();
    let (r26, flevo) = yearly_round(&c, "2026", v2["id"].as_str(), &["3"; 5], &["5"; 5]).await;

    // Link the chain; the renamed dimension is mapped, the rest continue by key.
    let link = |round: &str| format!("/api/v1/maturity/rounds/{round}/previous");
    let linked = c
        .put_json(&link(&r25), &json!({"previousRoundId": r24}))
        .await
        .expect(200)
        .json();
    assert_eq!(linked["previousRoundId"], r24.as_str());
    assert_eq!(linked["dimensionMap"][&old_key], old_key.as_str());
    let linked = c
        .put_json(
            &link(&r26),
            &json!({"previousRoundId": r25, "dimensionMap": {"visie_en_strategie": old_key}}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(
        linked["dimensionMap"]["visie_en_strategie"],
        old_key.as_str()
    );

    let trend: Value = c
        .get_json(&format!(
            "/api/v1/maturity/rounds/{r26}/participants/{flevo}/trend"
        ))
        .await;
    let years: Vec<i64> = trend["rounds"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["year"].as_i64().unwrap())
        .collect();
    assert_eq!(years, [2024, 2025, 2026]);
    let first = &trend["dimensions"][0];
    assert_eq!(first["key"], "visie_en_strategie");
    // Flevoland's own figure is absent in 2025 (three respondents); the benchmark of 2025
    // is Gelderland's alone.
    assert_eq!(first["values"], json!([2.0, null, 3.0]), "{trend}");
    assert_eq!(first["benchmark"], json!([3.0, 4.0, 4.0]));
    assert_eq!(trend["overall"], json!([2.0, null, 3.0]));
    // The three respondents of 2025 leave no trace anywhere in the answer.
    assert!(!trend.to_string().contains("5.0"), "{trend}");

    // The page: the chain, the chart and the table.
    let pages = app.page_as("admin@pv26.example").await;
    let html = pages
        .get(&format!(
            "/volwassenheid/rondes/{r26}/verloop?organisatie={flevo}"
        ))
        .await
        .expect(200)
        .text();
    assert!(
        html.contains("<svg") && html.contains(">Meting 2025</option>"),
        "{html}"
    );
    // A round's name that says its year is not followed by the year again.
    assert!(!html.contains("Meting 2025 (2025)"), "{html}");
    assert!(
        html.contains("3,0 <span class=\"koers-hint\">(4,0)</span>"),
        "{html}"
    );
    // The page's forms: the previous round, then the map (a wrong choice shown at its field).
    let page = format!("/volwassenheid/rondes/{r26}/verloop");
    pages
        .submit(&page, &[("previousRoundId", &r25)])
        .await
        .assert_shows(
            200,
            &["De koppeling is opgeslagen", "Dimensies door de jaren"],
        );
    let kept: Value = c.get_json(&format!("/api/v1/maturity/rounds/{r26}")).await;
    assert_eq!(
        kept["round"]["dimensionMap"]["visie_en_strategie"],
        old_key.as_str()
    );
    let field = "map.visie_en_strategie";
    pages
        .post_form(&page, &[("previousRoundId", &r25), (field, "weg")])
        .await
        .assert_shows(
            400,
            &["deze dimensie staat niet in het kader van de vorige ronde"],
        );
    pages
        .submit(&page, &[("previousRoundId", &r25), (field, &old_key)])
        .await
        .assert_status(200);

    // Bad input: an unknown round, a later year, unknown and doubled dimensions.
    let p = c
        .put_json(&link(&r26), &json!({"previousRoundId": "onbekend"}))
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&p, &["previousRoundId"]);
    c.put_json(&link(&r24), &json!({"previousRoundId": r26}))
        .await
        .assert_status(400);
    let p = c
        .put_json(
            &link(&r26),
            &json!({"previousRoundId": r25, "dimensionMap": {"bestaat_niet": old_key}}),
        )
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&p, &["dimensionMap.bestaat_niet"]);
    let second = fw["dimensions"][1]["key"].as_str().unwrap();
    c.put_json(
        &link(&r26),
        &json!({"previousRoundId": r25, "dimensionMap": {"visie_en_strategie": second}}),
    )
    .await
    .assert_status(400);
    c.put_json(&link(&r26), &json!({"previousRoundId": 7}))
        .await
        .assert_status(400);
    // Nothing of that changed the link.
    let still: Value = c.get_json(&format!("/api/v1/maturity/rounds/{r26}")).await;
    assert_eq!(still["round"]["previousRoundId"], r25.as_str());
    // A viewer may not link, and may not read the trend.
    let v = app.as_viewer().await;
    v.put_json(&link(&r26), &json!({"previousRoundId": r25}))
        .await
        .assert_status(403);
    v.get(&format!(
        "/api/v1/maturity/rounds/{r26}/participants/{flevo}/trend"
    ))
    .await
    .assert_status(403);
}

#[tokio::test]
async fn the_researcher_writes_recommendations_beside_the_generated_ones() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let url = |key: &str| {
        format!(
            "/api/v1/maturity/rounds/{round}/participants/{}/recommendations/{key}",
            ps[0]
        )
    };
    c.put_json(
        &url("vision"),
        &json!({"text": "Begin met een datastrategie die het college vaststelt."}),
    )
    .await
    .assert_status(204);
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    let f = find_by(&scores["participants"], "name", "Provincie Flevoland");
    let vision = find_by(&f["dimensions"], "key", "vision");
    assert_eq!(
        vision["recommendation"],
        "Begin met een datastrategie die het college vaststelt."
    );
    // On the report page and in its PDF.
    let pages = app.page_as("admin@pv26.example").await;
    pages
        .get(&format!(
            "/volwassenheid/rondes/{round}/organisaties/{}",
            ps[0]
        ))
        .await
        .assert_shows(
            200,
            &[
                "Aanbeveling van de onderzoeker",
                "Begin met een datastrategie",
            ],
        );
    let pdf = c
        .get(&format!(
            "/api/v1/maturity/rounds/{round}/participants/{}/report",
            ps[0]
        ))
        .await;
    assert!(pdf_text(pdf.bytes()).contains("Begin met een datastrategie"));
    // Through the page's form; an empty text removes it.
    let form = format!(
        "/volwassenheid/rondes/{round}/organisaties/{}/aanbevelingen/vision",
        ps[0]
    );
    let r = pages.post_form(&form, &[("text", "")]).await;
    assert_eq!(r.status(), 303);
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    let f = find_by(&scores["participants"], "name", "Provincie Flevoland");
    assert!(find_by(&f["dimensions"], "key", "vision")["recommendation"].is_null());
    // Bad input: too long, a dimension the framework lacks, a viewer, a closed round.
    c.put_json(&url("vision"), &json!({"text": "x".repeat(2001)}))
        .await
        .assert_status(400);
    pages
        .post_form(&form, &[("text", &"x".repeat(2001))])
        .await
        .assert_shows(400, &["mag hoogstens 2000 tekens zijn"]);
    c.put_json(&url("bestaat_niet"), &json!({"text": "x"}))
        .await
        .assert_status(404);
    app.as_viewer()
        .await
        .put_json(&url("vision"), &json!({"text": "x"}))
        .await
        .assert_status(403);
    c.post(&format!("/api/v1/maturity/rounds/{round}/close"))
        .await
        .assert_status(200);
    c.put_json(&url("vision"), &json!({"text": "Te laat"}))
        .await
        .assert_status(409);
}

#[tokio::test]
async fn participants_are_corrected_or_removed_while_the_round_is_open() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let one = |pid: &str| format!("/api/v1/maturity/rounds/{round}/participants/{pid}");
    // A typo in the name, and a code added.
    let p = c
        .put_json(
            &one(&ps[0]),
            &json!({"name": "Provincie Flevoland ", "cbsCode": "PV24"}),
        )
        .await
        .expect(200)
        .json();
    assert_eq!(p["name"], "Provincie Flevoland");
    // Bad input: a name another participant has, an empty name, a wrong code.
    let e = c
        .put_json(&one(&ps[0]), &json!({"name": "Provincie Gelderland"}))
        .await
        .expect(400)
        .json();
    crate::helpers::assert_invalid(&e, &["name"]);
    c.put_json(&one(&ps[0]), &json!({"name": "", "cbsCode": "XX"}))
        .await
        .assert_status(400);
    c.put_json(&one("onbekend"), &json!({"name": "X"}))
        .await
        .assert_status(404);
    // Gelderland answered and its contact was invited; removing it takes all of that along.
    for l in links(&c, &round, &ps[1], 5).await {
        assert_eq!(answer(&l, "4", "Gelre-verdwijnt").await.0, 200);
    }
    c.create(
        &format!("/api/v1/maturity/rounds/{round}/participants/{}/guests", ps[1]),
        &json!({"email": "contact@gelderland.example", "name": "G", "affiliation": "Provincie Gelderland", "abilities": ["comment"]}),
    )
    .await;
    // Through the page: the confirmation first.
    let pages = app.page_as("admin@pv26.example").await;
    let remove = format!(
        "/volwassenheid/rondes/{round}/organisaties/{}/verwijderen",
        ps[1]
    );
    pages
        .post_form(&remove, &[])
        .await
        .assert_shows(400, &["Ja, verwijder deze organisatie"]);
    let r = pages.post_form(&remove, &[("confirm", "on")]).await;
    assert_eq!(r.status(), 303);
    let list: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/participants"))
        .await;
    assert_eq!(field_of_each(&list, "name"), ["Provincie Flevoland"]);
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    assert!(
        !scores.to_string().contains("Gelre-verdwijnt"),
        "its answers are gone"
    );
    let grants: Value = c
        .get_json(&format!(
            "/api/v1/maturity/rounds/{round}/participants/{}/guests",
            ps[1]
        ))
        .await;
    assert_eq!(grants["status"], 404, "{grants}");
    // A viewer may not; after closing, nobody may.
    app.as_viewer()
        .await
        .delete(&one(&ps[0]))
        .await
        .assert_status(403);
    c.post(&format!("/api/v1/maturity/rounds/{round}/close"))
        .await
        .assert_status(200);
    c.put_json(&one(&ps[0]), &json!({"name": "Flevoland"}))
        .await
        .assert_status(409);
    c.delete(&one(&ps[0])).await.assert_status(409);
}

#[tokio::test]
async fn survey_items_are_corrected_or_removed_while_the_round_is_open() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let detail: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}"))
        .await;
    let first = detail["items"][0].clone();
    let item = first["id"].as_str().unwrap().to_string();
    let url = format!("/api/v1/maturity/rounds/{round}/items/{item}");
    let changed = c
        .put_json(&url, &json!({"dimension": first["dimensionKey"], "text": "Wij hebben een vastgestelde visie op data."}))
        .await
        .expect(200)
        .json();
    assert_eq!(
        changed["text"],
        "Wij hebben een vastgestelde visie op data."
    );
    assert_eq!(changed["kind"], first["kind"]);
    // Bad input: no text, a dimension the framework lacks, an unknown item.
    let e = c
        .put_json(&url, &json!({"dimension": "bestaat_niet", "text": ""}))
        .await
        .expect(400)
        .json();
    assert_eq!(crate::helpers::invalid_names(&e).len(), 2, "{e}");
    c.put_json(
        &format!("/api/v1/maturity/rounds/{round}/items/onbekend"),
        &json!({"text": "x"}),
    )
    .await
    .assert_status(404);
    // Removing it through the page asks for a confirmation; then it is gone with its answers.
    for l in links(&c, &round, &ps[1], 1).await {
        assert_eq!(answer(&l, "4", "").await.0, 200);
    }
    let pages = app.page_as("admin@pv26.example").await;
    let remove = format!("/volwassenheid/rondes/{round}/vragen/{item}/verwijderen");
    pages
        .post_form(&remove, &[])
        .await
        .assert_shows(400, &["Ja, verwijder deze vraag"]);
    // Back to the list of questions (the removed one's place is gone), which says so.
    let removed = pages.post_form(&remove, &[("confirm", "on")]).await;
    assert_eq!(
        removed.header("location"),
        format!("/volwassenheid/rondes/{round}#vragen")
    );
    let html = pages.follow(removed).await.text();
    let questions = html.split("id=\"vragen\"").nth(1).unwrap_or_default();
    assert!(questions.contains("De vraag is verwijderd."), "{html}");
    let detail: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}"))
        .await;
    assert!(!detail.to_string().contains(&item));
    // Correcting through the page.
    let second = detail["items"][0]["id"].as_str().unwrap().to_string();
    let dim = detail["items"][0]["dimensionKey"]
        .as_str()
        .unwrap()
        .to_string();
    let form = format!("/volwassenheid/rondes/{round}/vragen/{second}");
    // A statement belongs to a dimension: the page says so at the item.
    pages
        .post_form(&form, &[("dimension", ""), ("text", "Zonder dimensie.")])
        .await
        .assert_shows(400, &["een stelling hoort bij een dimensie"]);
    let r = pages
        .post_form(
            &form,
            &[
                ("dimension", &dim),
                ("text", "Wij delen data met gemeenten."),
            ],
        )
        .await;
    assert_eq!(
        r.header("location"),
        format!("/volwassenheid/rondes/{round}#vragen")
    );
    let html = pages.follow(r).await.text();
    assert!(html.contains("De vraag is gewijzigd."), "{html}");
    // Once: the page opened again says nothing.
    let html = pages.page(&format!("/volwassenheid/rondes/{round}")).await;
    assert!(!html.contains("De vraag is gewijzigd."));
    // A viewer may not; once closed, nobody may.
    app.as_viewer().await.delete(&url).await.assert_status(403);
    c.post(&format!("/api/v1/maturity/rounds/{round}/close"))
        .await
        .assert_status(200);
    c.delete(&format!("/api/v1/maturity/rounds/{round}/items/{second}"))
        .await
        .assert_status(409);
}

/// Respondents say which group they are in; the results per group show only groups above the
/// threshold, and never leave a single small group to be worked out by subtraction.
#[tokio::test]
async fn results_per_group_pass_the_threshold_and_give_no_group_away() {
    let app = TestApp::spawn().await;
    let (c, round, ps) = round_with_two(&app).await;
    let l = links(&c, &round, &ps[0], 17).await;
    // A group that does not exist is refused, and the link stays unused.
    let (status, html) = answer_in_group(&l[0], "3", "", "wethouder").await;
    assert_eq!(status, 400, "{html}");
    assert!(html.contains("kies bestuurder (executive)"), "{html}");
    for (range, value, group) in [
        (0..5, "2", "executive"),
        (5..10, "4", "manager"),
        (10..12, "5", "employee"),
    ] {
        for link in &l[range] {
            assert_eq!(answer_in_group(link, value, "", group).await.0, 200);
        }
    }
    let groups = async || -> Value {
        let scores: Value = c
            .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
            .await;
        find_by(&scores["participants"], "name", "Provincie Flevoland")["groups"].clone()
    };
    // Two employees are too few; left alone they would follow from the total, so the
    // smallest shown group (the executives) is held back too.
    let g = groups().await;
    assert_eq!(field_of_each(&g, "group"), ["manager"], "{g}");
    assert_eq!(g[0]["respondents"], 5);
    assert_eq!(g[0]["dimensions"][0], 4.0);
    // Three more employees: every group shows.
    for link in &l[12..15] {
        assert_eq!(answer_in_group(link, "5", "", "employee").await.0, 200);
    }
    let g = groups().await;
    assert_eq!(
        field_of_each(&g, "group"),
        ["executive", "manager", "employee"],
        "{g}"
    );
    assert_eq!(
        g.as_array()
            .unwrap()
            .iter()
            .map(|x| x["dimensions"][0].as_f64().unwrap())
            .collect::<Vec<_>>(),
        [2.0, 4.0, 5.0]
    );
    // One who prefers not to say is a hidden pool of one: the smallest group steps back.
    assert_eq!(answer_in_group(&l[15], "1", "", "").await.0, 200);
    assert_eq!(groups().await.as_array().unwrap().len(), 2);
    // The report page shows the table.
    let page = app.page_as("admin@pv26.example").await;
    page.get(&format!(
        "/volwassenheid/rondes/{round}/organisaties/{}",
        ps[0]
    ))
    .await
    .assert_shows(200, &["Enquête per groep", "Managers", "Medewerkers"]);
    // The other province has nobody: no groups at all.
    let scores: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{round}/scores"))
        .await;
    assert_eq!(
        find_by(&scores["participants"], "name", "Provincie Gelderland")["groups"],
        json!([])
    );
}

/// An umbrella body (IPO) lists its member organisations, has them all take part in a round,
/// and each member reads its own report in its own workspace once the round is final — and
/// nobody else's; bad input is refused by field.
#[tokio::test]
async fn an_umbrella_body_runs_a_round_and_each_member_reads_its_own_final_report() {
    use koers_core::Role;
    let app = TestApp::spawn().await;
    let ipo = organisation(&app.store, "Interprovinciaal Overleg", "umbrella", "").await;
    crate::helpers::user(
        &app.store,
        "onderzoek@ipo.example",
        &ipo,
        &[Role::Administrator],
        false,
    )
    .await;
    let c = app.api_as("onderzoek@ipo.example").await;
    let members = format!("/api/v1/organisations/{}/member-organisations", ipo.id);
    // Bad input: an unknown code, the umbrella itself; a member twice is a conflict.
    let e = c
        .post_json(&members, &json!({"code": "PV99"}))
        .await
        .expect(400)
        .json();
    assert_eq!(e["invalidParams"][0]["name"], "code");
    c.post_json(&members, &json!({"code": ipo.id}))
        .await
        .assert_status(400);
    c.create(&members, &json!({"code": "pv26"})).await;
    c.post_json(&members, &json!({"code": "PV26"}))
        .await
        .assert_status(409);
    c.create(&members, &json!({"code": app.org_b.cbs_code}))
        .await;
    let listed: Value = c.get_json(&members).await;
    assert_eq!(listed.as_array().unwrap().len(), 2);
    // A province is no umbrella body; a province's administrator cannot touch IPO's list.
    let a = app.as_admin().await;
    let e = a
        .post_json(
            &format!(
                "/api/v1/organisations/{}/member-organisations",
                app.org_a.id
            ),
            &json!({"code": "GM0796"}),
        )
        .await
        .expect(400)
        .json();
    assert_eq!(e["invalidParams"][0]["code"], "not_umbrella");
    a.post_json(&members, &json!({"code": "GM0796"}))
        .await
        .assert_status(404);

    // The round: every member takes part in one step, once.
    let round = c
        .create(
            "/api/v1/maturity/rounds",
            &json!({"name": "IPO-meting 2026", "year": "2026"}),
        )
        .await;
    let rid = round["id"].as_str().unwrap();
    let take_part = format!("/api/v1/maturity/rounds/{rid}/member-participants");
    assert_eq!(
        c.post_json(&take_part, &json!({})).await.expect(200).json()["added"],
        2
    );
    assert_eq!(
        c.post_json(&take_part, &json!({})).await.expect(200).json()["added"],
        0
    );
    a.post_json(&take_part, &json!({})).await.assert_status(404);
    let ps: Value = c
        .get_json(&format!("/api/v1/maturity/rounds/{rid}/participants"))
        .await;
    let utrecht = find_by(&ps, "memberOrganisationId", app.org_a.id.as_str())["id"]
        .as_str()
        .unwrap()
        .to_string();
    for l in links(&c, rid, &utrecht, 5).await {
        assert_eq!(answer(&l, "4", "").await.0, 200);
    }
    // Not final yet: the member sees nothing.
    let v = app.as_viewer().await;
    assert_eq!(
        v.get_json("/api/v1/maturity/member-reports").await,
        json!([])
    );
    v.get(&format!("/api/v1/maturity/member-reports/{utrecht}"))
        .await
        .assert_status(404);
    c.post(&format!("/api/v1/maturity/rounds/{rid}/close"))
        .await
        .assert_status(200);
    // Final: PV26's viewer reads its own report; the municipality does not get PV26's.
    let list: Value = v.get_json("/api/v1/maturity/member-reports").await;
    assert_eq!(list[0]["umbrella"], "Interprovinciaal Overleg");
    let report: Value = v
        .get_json(&format!("/api/v1/maturity/member-reports/{utrecht}"))
        .await;
    assert_eq!(report["result"]["surveyShown"], true);
    assert_eq!(report["result"]["dimensions"][0]["survey"], 4.0);
    let b = app.api_as("admin@gm0796.example").await;
    b.get(&format!("/api/v1/maturity/member-reports/{utrecht}"))
        .await
        .assert_status(404);
    let theirs: Value = b.get_json("/api/v1/maturity/member-reports").await;
    assert_eq!(theirs.as_array().unwrap().len(), 1, "their own report only");
    assert_ne!(theirs[0]["participantId"], utrecht.as_str());
    // The pages: a viewer's entry to the module leads to these reports.
    let page = app.page_as("viewer@pv26.example").await;
    let r = page.get("/volwassenheid").await;
    assert_eq!(r.status(), 303);
    page.get("/volwassenheid/koepelrapporten")
        .await
        .assert_shows(200, &["Interprovinciaal Overleg", "IPO-meting 2026"]);
    page.get(&format!("/volwassenheid/koepelrapporten/{utrecht}"))
        .await
        .assert_shows(200, &["Enquête per groep", "Interprovinciaal Overleg"]);
    // Taken off the list, the member keeps its past reports.
    c.delete(&format!("{members}/{}", app.org_a.id))
        .await
        .assert_status(204);
    assert_eq!(
        v.get_json("/api/v1/maturity/member-reports")
            .await
            .as_array()
            .unwrap()
            .len(),
        1
    );
}
