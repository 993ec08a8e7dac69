//! The pages over HTTP: sign-in, CSRF, forms with errors, escaping, language.

use crate::helpers::{PASSWORD, SendText, TestApp, hidden, hidden_csrf};
use serde_json::json;

#[tokio::test]
async fn pages_need_a_session_and_say_where_to_sign_in() {
    let app = TestApp::spawn().await;
    let r = app.anonymous().get("/organisatie").await.expect(303);
    assert_eq!(r.header("location"), "/login?next=%2Forganisatie");
}

#[tokio::test]
async fn sign_in_form_needs_its_csrf_token() {
    let app = TestApp::spawn().await;
    let c = app.anonymous();
    let r = c
        .client()
        .post(app.url("/login"))
        .form(&[("email", "admin@pv26.example"), ("password", PASSWORD)])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 403);
    let html = r.text().await.unwrap();
    assert!(html.contains("CSRF"), "{html}");
}

#[tokio::test]
async fn wrong_password_shows_the_form_again() {
    let app = TestApp::spawn().await;
    let mut c = app.anonymous();
    c.open_form("/login").await;
    c.post_form(
        "/login",
        &[
            ("email", "admin@pv26.example"),
            ("password", "wrong password!"),
        ],
    )
    .await
    .assert_shows(
        401,
        &[
            "E-mailadres of wachtwoord onjuist",
            "value=\"admin@pv26.example\"",
        ],
    );
}

#[tokio::test]
pub(crate) async fn a_planted_session_id_is_never_adopted() {
    let app = TestApp::spawn().await;
    let c = app.anonymous();
    let html = c
        .client()
        .get(app.url("/login"))
        .header("cookie", "koers_session=planted")
        .send_text()
        .await;
    let token = hidden_csrf(&html);
    let r = c
        .client()
        .post(app.url("/login"))
        .header(
            "cookie",
            format!("koers_session=planted; koers_csrf={token}"),
        )
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", "admin@pv26.example"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 303);
    let set = r.headers()["set-cookie"].to_str().unwrap();
    assert!(set.starts_with("koers_session=") && !set.starts_with("koers_session=planted"));
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
}

#[tokio::test]
pub(crate) async fn add_member_form_lists_every_problem_and_escapes_user_text() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let before = app.member_count().await;
    c.post_form(
        "/organisatie/leden",
        &[
            ("email", "geen-adres"),
            ("displayName", ""),
            ("password", "kort"),
        ],
    )
    .await
    .assert_shows(
        400,
        &[
            "is geen geldig e-mailadres",
            "kies minstens één rol",
            "aria-invalid=\"true\"",
        ],
    );
    assert_eq!(app.member_count().await, before);

    let xss = "<script>alert('x')</script>";
    let html = c
        .post_form(
            "/organisatie/leden",
            &[
                ("email", "xss@pv26.example"),
                ("displayName", xss),
                ("roles", "viewer"),
                ("roles", "analyst"),
            ],
        )
        .await
        .expect(200)
        .text();
    assert!(
        html.contains("Beginwachtwoord"),
        "the generated password is shown once"
    );
    assert!(!html.contains(xss));
    assert!(html.contains("&lt;script&gt;"));
}

/// A form that makes something shown once (here a member with an initial password) goes once
/// a session: the browser's "send again?" after a reload, or the form back from the history,
/// makes nothing a second time and says so, with the way back to the form's page.
#[tokio::test]
async fn a_form_that_makes_a_password_is_sent_once() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let page = c.page("/organisatie").await;
    let key = hidden(&page, "form_key");
    let before = app.member_count().await;
    let member = [
        ("email", "nieuw@pv26.example"),
        ("displayName", "Nieuw Lid"),
        ("roles", "viewer"),
    ];
    let send = |key: &str, referer: Option<&str>| {
        let mut form = vec![("csrf_token", c.csrf()), ("form_key", key)];
        form.extend_from_slice(&member);
        let mut rb = c.client().post(c.url("/organisatie/leden")).form(&form);
        if let Some(r) = referer {
            rb = rb.header("referer", c.url(r));
        }
        c.send(rb)
    };
    send(&key, Some("/organisatie"))
        .await
        .assert_shows(200, &["Beginwachtwoord"]);
    assert_eq!(app.member_count().await, before + 1);
    // Sent again, as a reload does: refused before anything is done, with the way back.
    let again = send(&key, Some("/organisatie")).await;
    again.assert_shows(
        409,
        &[
            "Dit formulier was al verstuurd en is niet nog eens uitgevoerd",
            "href=\"&#x2f;organisatie\"",
            "Terug naar de pagina van het formulier",
            "Uitloggen",
            "<title>Niet uitgevoerd (409) · koers</title>",
        ],
    );
    assert!(!again.text().contains("Beginwachtwoord"));
    // Without a page it came from (or from another site), no way back is offered.
    for referer in [None, Some("//evil.example/x")] {
        let r = send(&key, referer).await.expect(409).text();
        assert!(
            !r.contains("Terug naar de pagina van het formulier"),
            "{referer:?}"
        );
    }
    // A key koers did not make is refused, and makes nothing.
    send("kort", Some("/organisatie")).await.assert_shows(
        400,
        &["Het formulier is niet compleet; open de pagina opnieuw"],
    );
    assert_eq!(app.member_count().await, before + 1);
    // The page drawn again carries a new key, and the form goes through again.
    let fresh = hidden(&c.page("/organisatie").await, "form_key");
    assert_ne!(fresh, key);
    let mut form = vec![("form_key", fresh.as_str())];
    form.extend_from_slice(&[
        ("email", "tweede@pv26.example"),
        ("displayName", "Tweede Lid"),
        ("roles", "viewer"),
    ]);
    c.post_form("/organisatie/leden", &form).await.expect(200);
    assert_eq!(app.member_count().await, before + 2);
    // A form refused did nothing: sent again from the history, corrected, it goes.
    let third = hidden(&c.page("/organisatie").await, "form_key");
    let mut third_member = [
        ("form_key", third.as_str()),
        ("email", "geen-adres"),
        ("displayName", "Derde Lid"),
        ("roles", "viewer"),
    ];
    c.post_form("/organisatie/leden", &third_member)
        .await
        .expect(400);
    third_member[1].1 = "derde@pv26.example";
    c.post_form("/organisatie/leden", &third_member)
        .await
        .expect(200);
    assert_eq!(app.member_count().await, before + 3);
    // In English the refusal and the way back are English.
    c.get("/lang/en?next=/").await;
    send(&key, Some("/organisatie")).await.assert_shows(
        409,
        &[
            "This form had been sent already and was not carried out again",
            "Back to the page of the form",
        ],
    );
}

#[tokio::test]
async fn language_switch_and_error_pages() {
    let app = TestApp::spawn().await;
    let c = app.page_as("viewer@pv26.example").await;
    let nl = c.page("/informatieproducten").await;
    assert!(
        nl.contains("<h1 class=\"utrecht-heading-1\">Informatieproducten"),
        "{nl}"
    );
    assert!(nl.contains("<html lang=\"nl\""));
    let r = c.get("/lang/en?next=/informatieproducten").await;
    assert_eq!(r.headers()["location"], "/informatieproducten");
    let en = c.page("/informatieproducten").await;
    assert!(
        en.contains("<h1 class=\"utrecht-heading-1\">Information products"),
        "{en}"
    );
    assert!(en.contains("<html lang=\"en\""));
    let r = c.get("/nergens").await;
    r.assert_status(404);
    assert!(r.text().contains("Page not found"));
    // A viewer has no audit log.
    c.get("/organisatie/logboek").await.assert_status(403);
}

/// Who is signed in and follows a dead link, or opens a page their roles do not, keeps the
/// menu, is told why and where to turn; who is not signed in sees a plain page.
#[tokio::test]
async fn error_pages_keep_the_menu_and_say_where_to_turn() {
    let app = TestApp::spawn().await;
    let c = app.page_as("viewer@pv26.example").await;
    let html = c.get("/bronnen/onbekend").await.expect(404).text();
    assert!(html.contains("id=\"hoofdmenu\""), "{html}");
    assert!(
        html.contains("href=\"/bronnen\" aria-current=\"page\""),
        "{html}"
    );
    assert!(html.contains("Deze pagina bestaat niet (meer)"), "{html}");
    assert!(html.contains(&app.org_a.name), "{html}");
    let html = c.get("/organisatie/logboek").await.expect(403).text();
    assert!(html.contains("id=\"hoofdmenu\""), "{html}");
    assert!(
        html.contains(&format!("Uw rollen in {}:", app.org_a.name))
            && html.contains("<span class=\"koers-badge\">Lezer</span>")
            && html.contains("href=\"/organisatie#tabel-leden\""),
        "{html}"
    );
    c.get("/lang/en?next=/").await;
    let html = c.get("/organisatie/logboek").await.expect(403).text();
    assert!(
        html.contains("Your roles in") && html.contains(">Viewer</span>"),
        "{html}"
    );
    // A form refused for the role keeps the shell too.
    let html = c
        .post_form("/dashboards", &[("name", "Mijn bord")])
        .await
        .expect(403)
        .text();
    assert!(html.contains("id=\"hoofdmenu\""), "{html}");
    // Not signed in: no menu, nothing of an organisation.
    let html = app.anonymous().get("/nergens").await.expect(404).text();
    assert!(html.contains("Pagina niet gevonden"), "{html}");
    assert!(
        !html.contains("hoofdmenu") && !html.contains(&app.org_a.name),
        "{html}"
    );
}

#[tokio::test]
async fn the_audit_log_says_what_happened_in_words_with_the_code_beside_it() {
    let app = TestApp::spawn().await;
    app.save_analysis(&app.org_a.id, "Tel", "SELECT 1", &[])
        .await;
    let c = app.page_as("admin@pv26.example").await;
    let html = c.page("/organisatie/logboek").await;
    assert!(
        html.contains("Analyse opgeslagen<br><code class=\"koers-hint\">analysis.created</code>"),
        "{html}"
    );
    assert!(html.contains(">Analyse</a></td>"), "{html}");
    // The details read as fields, not as JSON.
    assert!(
        html.contains("<dt>Titel</dt><dd>Tel</dd>") && !html.contains("{&quot;title"),
        "{html}"
    );
    c.get("/lang/en?next=/").await;
    let html = c.page("/organisatie/logboek").await;
    assert!(html.contains("Analysis saved<br>"), "{html}");
    assert!(html.contains("<dt>Title</dt><dd>Tel</dd>"), "{html}");
}

#[tokio::test]
async fn the_language_switch_keeps_the_page_and_its_query() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    let html = c.page("/datavragen?zoek=wegen&weergave=lijst").await;
    let next = "/lang/en?next=/datavragen%3Fzoek%3Dwegen%26weergave%3Dlijst";
    assert!(
        html.replace("&#x2f;", "/").contains(next),
        "the switch should come back here: {html}"
    );
    let r = c.get(next).await;
    r.assert_status(303);
    assert_eq!(
        r.header("location"),
        "/datavragen?zoek=wegen&weergave=lijst"
    );
}

/// In English, koers' own refusals read in English too: a form's problems and a query's
/// error; what a person wrote is left as it is.
#[tokio::test]
async fn refusals_read_in_the_chosen_language() {
    let app = TestApp::spawn().await;
    let c = app.page_as("admin@pv26.example").await;
    c.post_form("/dashboards", &[("name", "")])
        .await
        .assert_shows(400, &["is verplicht"]);
    c.get("/lang/en?next=/").await;
    let html = c
        .post_form("/dashboards", &[("name", "")])
        .await
        .expect(400)
        .text();
    assert!(
        html.contains("is required") && !html.contains("is verplicht"),
        "{html}"
    );
}

/// In English, no main page says anything in Dutch: the words on the page (without tags,
/// scripts and the organisation's name) contain none of the most common Dutch words.
#[tokio::test]
async fn english_pages_have_no_dutch_words() {
    const DUTCH: &[&str] = &[
        "de", "het", "een", "van", "niet", "voor", "zijn", "wordt", "geen", "naar", "met", "bij",
        "nog", "uw", "en", "op", "te", "deze", "wat", "wie", "alle", "nieuwe", "periode", "doel",
        "kaart",
    ];
    let app = TestApp::spawn().await;
    // Pages of things as well: a dataset with its map, an analysis, an indicator's chart.
    app.import(&app.org_a, "gemeenten", "geojson", crate::catalog::GEOJSON)
        .await;
    let analysis = crate::products::with_freight(&app).await;
    let api = app.api_as("admin@pv26.example").await;
    let indicator = api
        .create(
            "/api/v1/indicators",
            &crate::products::definition(&analysis),
        )
        .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    api.post_json(
        &format!("/api/v1/indicators/{indicator}/refresh"),
        &json!({}),
    )
    .await
    .assert_status(200);
    let dataset = app.datasets_of(&app.org_a.id).await[0].id.clone();
    let things = [
        format!("/bronnen/{dataset}"),
        format!("/analyses/{analysis}"),
        format!("/informatieproducten/indicatoren/{indicator}"),
    ];
    let c = app.page_as("admin@pv26.example").await;
    c.get("/lang/en?next=/").await;
    // The organisation's own words: its name and what it called its analysis.
    let own = |text: &str| {
        text.replace(&app.org_a.name, " ")
            .replace("Vrachtritten per jaar en regio", " ")
    };
    let paths = crate::helpers::MAIN_PAGES
        .iter()
        .map(|p| p.to_string())
        .chain(things);
    for path in paths {
        let path = path.as_str();
        let html = c.page(path).await;
        let main = html
            .split("<main")
            .nth(1)
            .and_then(|m| m.split("</main>").next())
            .unwrap_or(&html);
        // What a form holds to be edited is the organisation's own words, as stored.
        let main: String = main
            .split("<textarea")
            .enumerate()
            .map(|(i, part)| {
                if i == 0 {
                    part
                } else {
                    part.split_once("</textarea>").map_or("", |(_, rest)| rest)
                }
            })
            .collect();
        // The text starts inside the <main …> tag; what a screen reader reads of a chart or
        // a control (its aria-label, its title) counts too.
        let mut text = crate::helpers::text_of_markup(&format!("<{}", own(&main)));
        for attr in [" aria-label=\"", " title=\""] {
            for part in main.split(attr).skip(1) {
                text.push(' ');
                text.push_str(part.split('"').next().unwrap_or_default());
            }
        }
        let text = own(&text);
        // An id or a number ("…-30c3de") is no word.
        let found: Vec<&str> = text
            .split_whitespace()
            .filter(|w| !w.chars().any(|c| c.is_ascii_digit()))
            .flat_map(|w| w.split(|c: char| !c.is_alphabetic()))
            .filter(|w| DUTCH.contains(&w.to_lowercase().as_str()))
            .collect();
        assert!(found.is_empty(), "{path}: Dutch words {found:?} in: {text}");
    }
}
