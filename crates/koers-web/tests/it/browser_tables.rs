//! Wide tables on a phone, in Chromium: at 390 px the register list and the catalog stay as
//! wide as the screen, each table scrolling sideways in its own box that the keyboard can
//! reach and that its caption names; the pages checked with axe-core.

use crate::browser::{
    browser_as, check_axe, end_session, press, screenshot, script, sign_in, start_browser, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::{Value, json};

/// Asserts that the page is no wider than the window and that every table sits in a
/// focusable region named by the table's caption.
pub(crate) async fn tables_scroll_in_their_own_box(c: &Client, what: &str) {
    // The page's width against the window's, and against the window's inside its vertical
    // scroll bar; on failure, what sticks out (outside the tables' own boxes).
    let widths = script(
        c,
        "const d = document.documentElement;
             const wide = [...document.querySelectorAll('main *')]
                 .filter(e => !e.closest('table') && e.scrollWidth > e.clientWidth + 1
                     && getComputedStyle(e).overflowX === 'visible')
                 .map(e => e.tagName + '.' + e.className);
             return [d.scrollWidth, window.innerWidth, d.clientWidth, wide];",
    )
    .await;
    let (page, window, viewport) = (
        widths[0].as_i64().unwrap(),
        widths[1].as_i64().unwrap(),
        widths[2].as_i64().unwrap(),
    );
    assert!(
        page <= window && page <= viewport,
        "{what}: the page is {page} px wide in a {window} px window ({viewport} px inside its scroll bar); too wide: {}",
        widths[3]
    );
    let tables: Value = script(
        c,
        "return [...document.querySelectorAll('main table')].map(t => {
                 const box = t.closest('.koers-table-scroll[role=region][tabindex=\"0\"]');
                 const caption = t.querySelector('caption');
                 return {
                     caption: caption ? caption.textContent : '',
                     boxed: !!box && !!caption && caption.id !== ''
                         && box.getAttribute('aria-labelledby') === caption.id,
                     scrolls: !!box && getComputedStyle(box).overflowX === 'auto',
                 };
             });",
    )
    .await;
    let tables = tables.as_array().unwrap();
    assert!(!tables.is_empty(), "{what}: no tables");
    for t in tables {
        assert_eq!(t["boxed"], json!(true), "{what}: {t}");
        assert_eq!(t["scrolls"], json!(true), "{what}: {t}");
    }
}

#[tokio::test]
async fn wide_tables_scroll_in_their_own_box_on_a_phone() {
    let app = TestApp::spawn().await;
    let admin = app.as_admin().await;
    for (name, department) in [
        (
            "Digitale tweeling mobiliteit en bereikbaarheid",
            "Mobiliteit, Infrastructuur en Bereikbaarheid",
        ),
        (
            "Voorspelmodel onderhoud provinciale wegen",
            "Beheer en Onderhoud Wegen en Vaarwegen",
        ),
        ("Monitor vrachtverkeer", "Economie"),
    ] {
        let mut a = crate::register::application();
        a["name"] = json!(name);
        a["department"] = json!(department);
        admin
            .post_json("/api/v1/applications", &a)
            .await
            .expect(201);
    }
    app.import(
        &app.org_a,
        "bevolking_per_gemeente_en_leeftijdsgroep",
        "csv",
        "gemeente,inwoners\nUtrecht,361966\nAmersfoort,158531\n",
    )
    .await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.set_window_size(1440, 900).await.unwrap();
    c.goto(&app.url("/toepassingen")).await.unwrap();
    wait_for(&c, Locator::Css("main table")).await;
    screenshot(&c, "register-list-1440.png").await;

    c.set_window_size(390, 844).await.unwrap();
    for path in ["/toepassingen", "/bronnen"] {
        c.goto(&app.url(path)).await.unwrap();
        wait_for(&c, Locator::Css("main table")).await;
        tables_scroll_in_their_own_box(&c, path).await;
        check_axe(&c, path).await;
    }
    c.goto(&app.url("/toepassingen")).await.unwrap();
    wait_for(&c, Locator::Css("main table")).await;
    script(
        &c,
        "document.querySelector('.koers-table-scroll').scrollIntoView();",
    )
    .await;
    screenshot(&c, "register-list-390.png").await;
    end_session(c).await;
}

/// The page's width against the window's: what sticks out when it is wider.
pub(crate) async fn page_fits(c: &Client, what: &str) {
    let widths = script(
        c,
        "const d = document.documentElement;
             const wide = [...document.querySelectorAll('main *')]
                 .filter(e => e.getBoundingClientRect().right > window.innerWidth + 1
                     && !e.closest('.koers-table-scroll, .koers-board'))
                 .slice(0, 5).map(e => e.tagName + '.' + e.className);
             return [d.scrollWidth, window.innerWidth, wide];",
    )
    .await;
    let (page, window) = (widths[0].as_i64().unwrap(), widths[1].as_i64().unwrap());
    assert!(
        page <= window,
        "{what}: the page is {page} px wide in a {window} px window; sticking out: {}",
        widths[2]
    );
}

#[tokio::test]
async fn no_main_page_is_wider_than_a_phone() {
    let app = TestApp::spawn().await;
    let admin = app.as_admin().await;
    admin
        .post_json("/api/v1/applications", &crate::register::application())
        .await
        .expect(201);
    crate::overview::ask(
        &admin,
        json!({"question": "Welke provinciale wegen moeten als eerste worden vervangen?"}),
    )
    .await;
    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    for path in crate::helpers::MAIN_PAGES {
        c.goto(&app.url(path)).await.unwrap();
        wait_for(&c, Locator::Css("main h1")).await;
        page_fits(&c, path).await;
        // Every word of the page's title fits the screen whole ("Informatieproducten" was
        // broken after its last letter but one).
        let longest = c
            .execute(
                "const h = document.querySelector('main h1'); const s = document.createElement('span'); \
                 s.style.whiteSpace = 'nowrap'; h.appendChild(s); let w = 0; \
                 for (const word of h.firstChild.textContent.split(/\\s+/)) { s.textContent = word; w = Math.max(w, s.getBoundingClientRect().width); } \
                 s.remove(); return [w, h.clientWidth];",
                vec![],
            )
            .await
            .unwrap();
        let (word, room) = (longest[0].as_f64().unwrap(), longest[1].as_f64().unwrap());
        assert!(
            word <= room,
            "{path}: a word of the title needs {word}px of {room}px"
        );
        // Each part of the page stands apart from the text before it: its heading does not
        // stick to the last line above (the library's margins only hold where switched on).
        let glued = script(
            &c,
            "return [...document.querySelectorAll('main h2')].filter(h => {
                 const p = h.previousElementSibling;
                 return h.offsetParent && p && p.offsetParent
                     && getComputedStyle(p).position !== 'absolute';
             }).map(h => [h.textContent.trim(),
                 h.getBoundingClientRect().top - h.previousElementSibling.getBoundingClientRect().bottom])
               .filter(([, gap]) => gap < 16);",
        )
        .await;
        assert_eq!(
            glued,
            json!([]),
            "{path}: headings close under the text above"
        );
    }
    end_session(c).await;
}

#[tokio::test]
async fn a_reader_reads_a_saved_analysis_on_a_phone() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "inwoners",
        "csv",
        "gemeente,inwoners\nUtrecht,361966\nAmersfoort,158531\n",
    )
    .await;
    // A query written on one long line, as the analysts of the demo write them.
    let columns = (1..=40)
        .map(|i| format!("inwoners * {i} AS inwoners_maal_{i}"))
        .collect::<Vec<_>>()
        .join(", ");
    let id = app
        .save_analysis(
            &app.org_a.id,
            "Inwoners maal veertig",
            &format!("SELECT gemeente, {columns} FROM inwoners"),
            &[],
        )
        .await;
    let (_driver, c, _profile) = browser_as(&app, "viewer@pv26.example", (390, 844)).await;
    c.goto(&app.url(&format!("/analyses/{id}"))).await.unwrap();
    // A reader may not change it: the part says how the result is made, not "Bewerken", and
    // the query opens on request (by keyboard, as any summary), within the screen's width.
    let heading = crate::browser::wait_text(&c, Locator::Id("bewerken")).await;
    assert_eq!(heading, "Hoe het wordt berekend");
    press(&c, "main details summary", Key::Enter).await;
    wait_for(&c, Locator::Css("main details[open] pre")).await;
    page_fits(&c, "a saved analysis, read-only").await;
    // Nor make an indicator of it: no link to a form they would not find.
    let links = script(
        &c,
        "return [...document.querySelectorAll('main a')].map(a => a.getAttribute('href'));",
    )
    .await;
    assert!(!links.to_string().contains("#nieuwe-indicator"), "{links}");
    check_axe(&c, "a saved analysis, read-only").await;
    screenshot(&c, "analysis-reader-390.png").await;
    end_session(c).await;
}

/// A reader chooses a municipality by its name, by keyboard only, and runs the analysis: no
/// CBS code to know.
#[tokio::test]
async fn a_reader_chooses_a_municipality_by_name_and_runs_an_analysis() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "inwoners",
        "csv",
        "gm_code,gemeente,inwoners\nGM0344,Utrecht,361966\nGM0345,Veenendaal,68000\n",
    )
    .await;
    let id = app
        .save_analysis(
            &app.org_a.id,
            "Inwoners van een gemeente",
            "SELECT gemeente, inwoners FROM inwoners WHERE {{gemeente}} = '' OR gm_code = {{gemeente}}",
            &[("gemeente", "text", "")],
        )
        .await;
    let (_driver, c, _profile) = browser_as(&app, "viewer@pv26.example", (390, 844)).await;
    c.goto(&app.url(&format!("/analyses/{id}"))).await.unwrap();
    wait_for(&c, Locator::Id("p-gemeente")).await;
    // Typing a name in the list chooses it; Enter on the button runs.
    crate::browser::keys_at(&c, "#p-gemeente", "Veenendaal").await;
    let chosen = script(&c, "return document.getElementById('p-gemeente').value;").await;
    assert_eq!(chosen, json!("GM0345"));
    press(&c, "form[action$='#resultaat'] button", Key::Enter).await;
    wait_for(&c, Locator::Css("#resultaat, [id^='tabel-resultaat']")).await;
    let shown = script(
        &c,
        "return [...document.querySelectorAll('main table td')].map(td => td.textContent.trim());",
    )
    .await;
    assert_eq!(shown, json!(["Veenendaal", "68.000"]), "{shown}");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .contains("p_gemeente=GM0345"),
        "the choice is in the address, to keep or share"
    );
    check_axe(&c, "an analysis run with a municipality chosen by name").await;
    screenshot(&c, "analysis-choice-390.png").await;
    end_session(c).await;
}

#[tokio::test]
async fn every_page_names_the_icon_it_is_shown_with() {
    let app = TestApp::spawn().await;
    let signed_in = app.page_as("viewer@pv26.example").await;
    let anon = app.anonymous();
    for (c, path) in [
        (&signed_in, "/"),
        (&anon, "/login"),
        (&anon, "/besluiten/PV26"),
    ] {
        let html = c.get(path).await.expect(200).text();
        assert!(
            html.contains(r#"<link rel="icon" href="/assets/favicon.svg" type="image/svg+xml">"#),
            "{path}"
        );
    }
    let icon = anon.get("/assets/favicon.svg").await.expect(200);
    assert_eq!(icon.header("content-type"), "image/svg+xml");
}
