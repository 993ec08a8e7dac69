//! The main path in a real browser: Debian's Chromium driven through chromedriver. Sign in
//! by keyboard, visit every module, check each shell page with axe-core (WCAG 2.1 AA), sign
//! out.

use crate::helpers::{PASSWORD, TestApp, repo_root};
use fantoccini::{Client, ClientBuilder, Locator, elements::Element, key::Key};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A chromedriver process on a free loopback port, stopped when dropped.
pub(crate) struct Driver {
    child: Child,
    port: u16,
}

impl Drop for Driver {
    /// Stops chromedriver and the Chromium it started (its process group: killing only
    /// chromedriver would leave the browser running).
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.child.id())])
            .status();
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

pub(crate) async fn start_browser() -> (Driver, Client, tempfile::TempDir) {
    let driver_bin =
        std::env::var("CHROMEDRIVER").unwrap_or_else(|_| "/usr/bin/chromedriver".into());
    assert!(
        std::path::Path::new(&driver_bin).exists(),
        "chromedriver is missing: run ./scripts/test (it installs chromium and chromium-driver)"
    );
    let port = free_port();
    use std::os::unix::process::CommandExt;
    let child = Command::new(&driver_bin)
        .arg(format!("--port={port}"))
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let driver = Driver { child, port };
    let profile = tempfile::tempdir().expect("profile dir");
    let mut caps = serde_json::Map::new();
    caps.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into()),
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                // WebGL in software for the interactive maps (trusted pages of the test).
                "--enable-unsafe-swiftshader",
                "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--window-size=1280,900",
                format!("--user-data-dir={}", profile.path().display()),
            ]
        }),
    );
    let url = format!("http://127.0.0.1:{}", driver.port);
    let mut last_err = None;
    for _ in 0..50 {
        match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
            .capabilities(caps.clone())
            .connect(&url)
            .await
        {
            Ok(c) => return (driver, c, profile),
            Err(e) => {
                last_err = Some(e);
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }
    }
    panic!("could not reach chromedriver: {last_err:?}");
}

/// Ends the WebDriver session. All checks have run by then, so a session that does not end
/// cleanly (a slow Chromium quitting on a busy CI machine) is reported, not failed: the
/// [`Driver`] guard stops chromedriver and its browser either way.
pub(crate) async fn end_session(c: Client) {
    match tokio::time::timeout(Duration::from_secs(20), c.close()).await {
        Ok(Ok(())) => {}
        Ok(Err(e)) => eprintln!("the browser session did not end cleanly: {e}"),
        Err(_) => eprintln!("the browser session did not end within 20 s"),
    }
}

/// Runs axe-core on the current page; returns the WCAG 2.1 A/AA violations.
pub(crate) async fn axe(c: &Client) -> Vec<String> {
    let src = std::fs::read_to_string(repo_root().join("node_modules/axe-core/axe.min.js"))
        .expect("axe-core is missing: run ./scripts/test (it installs the test tools)");
    c.execute(&src, vec![]).await.expect("inject axe");
    let v = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'] } })
                .then(r => done(r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' ')).join(' | '))));",
            vec![],
        )
        .await
        .expect("run axe");
    serde_json::from_value::<Vec<String>>(v).unwrap_or_default()
}

/// Asserts that axe-core finds no WCAG 2.2 A/AA violations on the current page (2.1's rules
/// and 2.2's own, such as the size of a target).
pub(crate) async fn check_axe(c: &Client, what: &str) {
    let v = axe(c).await;
    assert!(v.is_empty(), "axe violations on {what}: {v:?}");
}

/// Types `text` into the element `at`.
pub(crate) async fn type_into(c: &Client, at: Locator<'_>, text: &str) {
    c.find(at).await.unwrap().send_keys(text).await.unwrap();
}

/// Types `text` into the field with id `id`.
pub(crate) async fn fill_in(c: &Client, id: &str, text: &str) {
    type_into(c, Locator::Id(id), text).await;
}

/// Clicks the element `at`.
pub(crate) async fn click(c: &Client, at: Locator<'_>) {
    c.find(at).await.unwrap().click().await.unwrap();
}

/// Chooses `value` in the select element `at`.
pub(crate) async fn select(c: &Client, at: Locator<'_>, value: &str) {
    c.find(at)
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

/// The text of the element `at`.
pub(crate) async fn text_of(c: &Client, at: Locator<'_>) -> String {
    c.find(at).await.unwrap().text().await.unwrap()
}

/// The text of the page's `main` element.
pub(crate) async fn main_text(c: &Client) -> String {
    text_of(c, Locator::Css("main")).await
}

/// Waits until the element `at` is on the page; the element.
pub(crate) async fn wait_for(c: &Client, at: Locator<'_>) -> Element {
    c.wait().for_element(at).await.unwrap()
}

/// Waits until a copy button's live region says what it copied (the clipboard answers
/// asynchronously); that sentence.
pub(crate) async fn copied(c: &Client) -> String {
    wait_text(
        c,
        Locator::XPath("//*[@data-copy-status][string-length(normalize-space(.)) > 0]"),
    )
    .await
}

/// Waits until the element `at` is on the page; its text.
pub(crate) async fn wait_text(c: &Client, at: Locator<'_>) -> String {
    wait_for(c, at).await.text().await.unwrap()
}

/// Runs `js` in the page; what it returns.
pub(crate) async fn script(c: &Client, js: &str) -> Value {
    c.execute(js, vec![]).await.unwrap()
}

/// Marks the page shown, so that [`wait_new_page`] can tell when the next one has loaded (a
/// notice of the page before must not pass for the next one's).
pub(crate) async fn mark_page(c: &Client) {
    script(c, "window.koersOldPage = true;").await;
}

/// Waits until a page other than the one [`mark_page`] marked has loaded.
pub(crate) async fn wait_new_page(c: &Client) {
    for _ in 0..600 {
        // While the browser navigates a script may fail: not loaded yet.
        let old = c
            .execute("return window.koersOldPage === true;", vec![])
            .await;
        if matches!(old, Ok(serde_json::Value::Bool(false))) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the next page did not load");
}

/// Focuses the first element matching `css` and presses `key` there, as a keyboard user does.
pub(crate) async fn press(c: &Client, css: &str, key: Key) {
    keys_at(c, css, &key.to_string()).await;
}

/// Presses Enter at the first element matching `css` and waits for the element `at` that
/// it leads to; that element.
pub(crate) async fn enter_and_wait(c: &Client, css: &str, at: Locator<'_>) -> Element {
    press(c, css, Key::Enter).await;
    wait_for(c, at).await
}

/// Waits (up to a minute) until the job page of an import links to its dataset; the link.
pub(crate) async fn imported_dataset_link(c: &Client) -> Element {
    c.wait()
        .at_most(Duration::from_secs(60))
        .for_element(Locator::Css("#taak a[href^='/bronnen/']"))
        .await
        .unwrap()
}

/// Focuses the first element matching `css` and types `keys` there (on a closed list: the
/// start of an option's label, which chooses it).
pub(crate) async fn keys_at(c: &Client, css: &str, keys: &str) {
    c.execute(
        "document.querySelector(arguments[0]).focus();",
        vec![serde_json::json!(css)],
    )
    .await
    .unwrap();
    c.active_element()
        .await
        .unwrap()
        .send_keys(keys)
        .await
        .unwrap();
}

/// Clicks the submit button of the form `form_css`.
pub(crate) async fn submit(c: &Client, form_css: &str) {
    click(c, Locator::Css(&format!("{form_css} button[type=submit]"))).await;
}

/// Signs in through the sign-in page by keyboard: type, Enter.
pub(crate) async fn sign_in(c: &Client, app: &TestApp, email: &str) {
    c.goto(&app.url("/login")).await.unwrap();
    type_into(c, Locator::Id("email"), email).await;
    type_into(
        c,
        Locator::Id("password"),
        &format!("{PASSWORD}{}", Key::Enter),
    )
    .await;
    wait_for(c, Locator::Css(".koers-nav")).await;
}

/// A browser window of `size` (width, height) signed in as `email`; keep the driver and
/// profile alive as long as the window.
pub(crate) async fn browser_as(
    app: &TestApp,
    email: &str,
    (width, height): (u32, u32),
) -> (Driver, Client, tempfile::TempDir) {
    let (driver, c, profile) = start_browser().await;
    c.set_window_size(width, height).await.unwrap();
    sign_in(&c, app, email).await;
    (driver, c, profile)
}

async fn heading(c: &Client) -> String {
    c.find(Locator::Css("h1"))
        .await
        .expect("h1")
        .text()
        .await
        .expect("text")
}

/// What the link `href` of the page serves, as the browser fetches it (with the session's
/// cookie): its media type and its first five bytes (`application/pdf %PDF-`).
pub(crate) async fn fetched_kind(c: &Client, href: &str) -> String {
    let kind = c
        .execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0]).then(r => r.arrayBuffer().then(b => done(r.headers.get('content-type') + ' ' + new TextDecoder().decode(b.slice(0, 5)))));",
            vec![serde_json::Value::String(href.to_string())],
        )
        .await
        .expect("fetch the link");
    kind.as_str().unwrap_or_default().to_string()
}

pub(crate) async fn screenshot(c: &Client, name: &str) {
    if let Ok(png) = c.screenshot().await {
        let dir = repo_root().join("target/screenshots");
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(dir.join(name), png);
    }
}

#[tokio::test]
async fn sign_in_visit_every_module_and_sign_out() {
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;

    c.goto(&app.url("/login")).await.unwrap();
    assert_eq!(heading(&c).await, "Inloggen");
    check_axe(&c, "login page").await;

    // The first Tab reaches the skip link.
    c.find(Locator::Css("body")).await.unwrap();
    script(&c, "document.activeElement.blur(); window.focus();").await;
    let active: Value = script(
        &c,
        "return document.activeElement === document.body || document.activeElement === null;",
    )
    .await;
    assert_eq!(active, json!(true));

    // Sign in by keyboard: type, Tab, type, Enter.
    let email = c.find(Locator::Id("email")).await.unwrap();
    email
        .send_keys(&format!("admin@pv26.example{}", Key::Tab))
        .await
        .unwrap();
    let focused: Value = script(&c, "return document.activeElement.id;").await;
    assert_eq!(focused, json!("password"));
    let pw = c.find(Locator::Id("password")).await.unwrap();
    pw.send_keys(&format!("{PASSWORD}{}", Key::Enter))
        .await
        .unwrap();
    wait_for(&c, Locator::Css(".koers-nav")).await;
    assert!(heading(&c).await.starts_with("Welkom"));
    screenshot(&c, "home.png").await;
    check_axe(&c, "home").await;

    // Every module through the navigation.
    let links = c.find_all(Locator::Css(".koers-nav__link")).await.unwrap();
    let mut hrefs = Vec::new();
    for l in links {
        hrefs.push(l.attr("href").await.unwrap().unwrap_or_default());
    }
    for slug in [
        "/bronnen",
        "/analyses",
        "/informatieproducten",
        "/datavragen",
        "/toepassingen",
        "/volwassenheid",
        "/leertrajecten",
        "/organisatie",
        "/organisatie/logboek",
        "/beheer/organisaties",
    ] {
        assert!(
            hrefs.iter().any(|h| h == slug),
            "navigation lacks {slug}: {hrefs:?}"
        );
        c.goto(&app.url(slug)).await.unwrap();
        let current: Value = script(
            &c,
            "return document.querySelector('[aria-current=page]').getAttribute('href');",
        )
        .await;
        assert_eq!(current, json!(slug));
        check_axe(&c, slug).await;
    }
    screenshot(&c, "organisation.png").await;

    // English is one click away.
    c.goto(&app.url("/organisatie")).await.unwrap();
    click(&c, Locator::LinkText("English")).await;
    wait_for(&c, Locator::LinkText("Nederlands")).await;
    check_axe(&c, "English organisation page").await;

    // Sign out.
    click(&c, Locator::Css("form[action='/logout'] button")).await;
    wait_for(&c, Locator::Id("email")).await;
    assert!(c.current_url().await.unwrap().path().starts_with("/login"));
    c.goto(&app.url("/organisatie")).await.unwrap();
    assert!(
        c.current_url().await.unwrap().path().starts_with("/login"),
        "signed out for real"
    );
    end_session(c).await;
}

#[tokio::test]
async fn import_a_file_and_analyse_it_in_the_browser() {
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    // Import the real municipality boundaries through the upload form.
    let file = repo_root().join("data/nl/municipalities_2025.geojson");
    c.goto(&app.url("/bronnen")).await.unwrap();
    check_axe(&c, "catalog").await;
    type_into(
        &c,
        Locator::Id("i-file"),
        &file.canonicalize().unwrap().display().to_string(),
    )
    .await;
    type_into(&c, Locator::Id("i-name"), "gemeenten").await;
    click(
        &c,
        Locator::Css("form[data-koers-upload] button[type=submit]"),
    )
    .await;
    // The job page follows the import and links to the dataset when done.
    let link = imported_dataset_link(&c).await;
    link.click().await.unwrap();
    wait_for(&c, Locator::Css("svg.koers-map")).await;
    assert_eq!(heading(&c).await, "gemeenten");
    screenshot(&c, "dataset.png").await;
    check_axe(&c, "dataset page").await;

    // Analyse it: which municipalities lie around Utrecht's centre?
    c.goto(&app.url("/analyses")).await.unwrap();
    let sql = "SELECT statnaam, ROUND(ST_Area(ST_Transform(geom, 28992)) / 1e6, 1) AS km2, geom FROM gemeenten WHERE ST_DWithin(ST_Transform(ST_Centroid(geom), 28992), ST_Transform(ST_Point(5.1214, 52.0907, 4326), 28992), 15000) ORDER BY statnaam";
    type_into(&c, Locator::Id("sql"), sql).await;
    click(
        &c,
        Locator::Css("form[action='/analyses/uitvoeren'] button"),
    )
    .await;
    wait_for(&c, Locator::Id("resultaat")).await;
    let table = text_of(&c, Locator::Css(".koers-table-scroll table")).await;
    assert!(
        table.contains("Utrecht") && table.contains("Nieuwegein"),
        "{table}"
    );
    c.find(Locator::Css("svg.koers-map")).await.unwrap();
    screenshot(&c, "analysis.png").await;
    check_axe(&c, "analysis page").await;
    end_session(c).await;
}

/// An administrator on a phone asks the audit log who changed what: typing a piece of a name
/// narrows the log without a new page (focus stays, the address follows, the live region
/// says how many are found), and an event's object opens that object's whole history.
#[tokio::test]
async fn an_administrator_searches_the_audit_log_by_keyboard() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    api.put_json(
        &format!(
            "/api/v1/organisations/{}/members/{}",
            app.org_a.id, app.viewer_a.id
        ),
        &json!({"roles": ["analyst"]}),
    )
    .await
    .assert_status(200);
    app.save_analysis(&app.org_a.id, "Tel", "SELECT 1", &[])
        .await;
    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    c.goto(&app.url("/organisatie/logboek")).await.unwrap();
    mark_page(&c).await;
    keys_at(&c, "#f-wie", "ADMIN@").await;
    wait_for(
        &c,
        Locator::XPath("//*[@id='logboek-status'][contains(., 'Gevonden:')]"),
    )
    .await;
    let state = script(&c, "return [window.koersOldPage === true, document.activeElement.id, location.search.includes('wie=ADMIN%40')];").await;
    assert_eq!(state, json!([true, "f-wie", true]));
    let rows = text_of(&c, Locator::Css("#logboek-resultaat tbody")).await;
    assert!(
        rows.contains("admin@pv26.example") && !rows.contains("koers-cli"),
        "{rows}"
    );
    // The details read as fields, in words.
    assert!(
        rows.contains("Rollen") && rows.contains("Analist"),
        "{rows}"
    );
    check_axe(&c, "audit log, searched").await;
    screenshot(&c, "audit-log-search-390.png").await;
    // One object's history, from its link.
    enter_and_wait(
        &c,
        "#logboek-resultaat tbody td a",
        Locator::XPath("//p[contains(., 'De geschiedenis van één object.')]"),
    )
    .await;
    assert!(script(&c, "return location.search.startsWith('?object=');").await == json!(true));
    end_session(c).await;
}

#[tokio::test]
async fn a_data_question_on_the_board_moves_by_keyboard() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    let task: Value = api
        .post_json(
            "/api/v1/policy-tasks",
            &json!({"name": "Natuur", "theme": "nature"}),
        )
        .await
        .json();
    let q: Value = api.post_json("/api/v1/data-questions", &json!({"taskId": task["id"], "question": "Hoe gaat het met de dieren en planten in onze natuurgebieden?"})).await.json();
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;
    c.set_window_size(1440, 900).await.unwrap();
    c.goto(&app.url("/datavragen")).await.unwrap();
    check_axe(&c, "board").await;
    // Every column of the board is on the screen, none behind a sideways scroll.
    let visible = script(
        &c,
        "return [...document.querySelectorAll('.koers-board__column')]
               .every(col => col.getBoundingClientRect().right <= window.innerWidth)
               && document.querySelectorAll('.koers-board__column').length === 9;",
    )
    .await;
    assert_eq!(
        visible,
        json!(true),
        "a board column is off-screen at 1440 px"
    );
    let column = text_of(&c, Locator::Css("#kol-asked")).await;
    assert!(column.contains('1'), "{column}");
    // Drag the card onto a column: only the columns it may go to accept it, and dropping it
    // opens the step's form with that step chosen and the note to fill in.
    let refused = script(&c, "const card = document.querySelector('.koers-card[data-question]');
             const dt = new DataTransfer();
             card.dispatchEvent(new DragEvent('dragstart', {bubbles: true, dataTransfer: dt}));
             const over = (s) => { const e = new DragEvent('dragover', {bubbles: true, cancelable: true, dataTransfer: dt});
                                   document.querySelector(`[data-status=${s}]`).dispatchEvent(e); return e.defaultPrevented; };
             const result = [over('decided'), over('sharpened')];
             document.querySelector('[data-status=sharpened]').dispatchEvent(new DragEvent('drop', {bubbles: true, cancelable: true, dataTransfer: dt}));
             return result;").await;
    assert_eq!(refused, json!([false, true]), "drop targets");
    wait_for(&c, Locator::Css(".koers-steps")).await;
    check_axe(&c, "question page").await;
    let chosen = script(&c, "return [location.search, document.querySelector('input[name=to]:checked').value, document.activeElement.id];").await;
    assert_eq!(chosen, json!(["?naar=sharpened", "sharpened", "s-note"]));
    // The same by keyboard: the card's link to the step, then the note and Enter.
    c.goto(&app.url("/datavragen")).await.unwrap();
    enter_and_wait(
        &c,
        "section[aria-labelledby=kol-asked] a[href*='naar=sharpened']",
        Locator::Css(".koers-steps"),
    )
    .await;
    let note = c.find(Locator::Id("s-note")).await.unwrap();
    note.send_keys(&format!("Scherper gemaakt{}", Key::Enter))
        .await
        .unwrap();
    wait_for(&c, Locator::Css(".utrecht-alert--ok")).await;
    let current = text_of(&c, Locator::Css("[aria-current=step]")).await;
    assert_eq!(current, "Aangescherpt");
    screenshot(&c, "question.png").await;
    c.goto(&app.url(&format!(
        "/datavragen/opgaven/{}",
        task["id"].as_str().unwrap()
    )))
    .await
    .unwrap();
    check_axe(&c, "cycle page").await;
    for path in [
        "/datavragen?weergave=lijst",
        "/datavragen/rollen",
        "/datavragen/nieuw",
        "/datavragen/opgaven",
    ] {
        c.goto(&app.url(path)).await.unwrap();
        check_axe(&c, path).await;
    }
    assert_eq!(
        app.store
            .questions()
            .question(&app.org_a.id, q["id"].as_str().unwrap())
            .await
            .unwrap()
            .status,
        koers_core::questions::Status::Sharpened
    );

    // Give the viewer the analyst's role, by keyboard, and attach a note.
    let qid = q["id"].as_str().unwrap();
    c.goto(&app.url(&format!("/datavragen/{qid}")))
        .await
        .unwrap();
    let summary = c.find(Locator::Css("#rollen")).await.unwrap();
    summary.send_keys(&Key::Enter.to_string()).await.unwrap();
    select(&c, Locator::Id("r-analyst"), &app.viewer_a.id).await;
    type_into(
        &c,
        Locator::Css("form[action$='/rollen'] button[type=submit]"),
        &Key::Enter.to_string(),
    )
    .await;
    wait_for(&c, Locator::Css(".utrecht-alert--ok")).await;
    let note = tempfile::Builder::new().suffix(".txt").tempfile().unwrap();
    std::fs::write(note.path(), "Meetpunten uit de zwemwaterlijst van 2026.\n").unwrap();
    type_into(
        &c,
        Locator::Id("a-file"),
        &note.path().display().to_string(),
    )
    .await;
    click(
        &c,
        Locator::Css("form[action*='/bijlagen'] button[type=submit]"),
    )
    .await;
    let listed = wait_text(&c, Locator::Css("a[download]")).await;
    assert!(listed.ends_with(".txt"), "{listed}");
    check_axe(&c, "question page with roles and attachments").await;

    // The viewer finds both in Meldingen, with the count in the header.
    c.delete_all_cookies().await.unwrap();
    sign_in(&c, &app, "viewer@pv26.example").await;
    let bell = c.find(Locator::Css("a.koers-bell")).await.unwrap();
    assert!(bell.text().await.unwrap().contains('2'));
    bell.click().await.unwrap();
    let list = wait_text(&c, Locator::Css(".koers-notifications")).await;
    assert!(list.contains("U bent Analist van de datavraag"), "{list}");
    assert!(list.contains(".txt"), "{list}");
    screenshot(&c, "notifications.png").await;
    check_axe(&c, "notifications").await;
    end_session(c).await;
}

#[tokio::test]
async fn a_double_click_asks_a_question_once() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    api.create(
        "/api/v1/policy-tasks",
        &json!({"name": "Zwemwater", "theme": "nature"}),
    )
    .await;
    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (1280, 900)).await;
    c.goto(&app.url("/datavragen/nieuw")).await.unwrap();
    type_into(&c, Locator::Id("n-q"), "Zijn er genoeg zwemplekken?").await;
    // Two sends of the form in a row, as a double click makes them: the page lets the first
    // go and holds the second back (a listener after koers' own counts what goes out).
    let sent = c
        .execute(
            "let out = 0; \
             document.addEventListener('submit', e => { if (!e.defaultPrevented) out++; e.preventDefault(); }); \
             const f = document.querySelector('form[action=\"/datavragen\"]'); \
             f.requestSubmit(); f.requestSubmit(); return out;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(sent, json!(1));
    // Sent for real, one question is made and shown.
    c.execute(
        "const f = document.querySelector('form[action=\"/datavragen\"]'); \
         f.removeAttribute('data-sent'); HTMLFormElement.prototype.submit.call(f);",
        vec![],
    )
    .await
    .unwrap();
    wait_for(&c, Locator::Css("[aria-current=step]")).await;
    let asked = api.get_json("/api/v1/data-questions").await;
    assert_eq!(crate::helpers::items(&asked).len(), 1, "{asked}");
    end_session(c).await;
}

/// A form sent with a problem the browser cannot see (a question of only spaces): the error
/// summary above it takes the focus, and its link leads by keyboard into the field, on a
/// phone.
#[tokio::test]
async fn an_error_summary_leads_into_its_field_by_keyboard() {
    let app = TestApp::spawn().await;
    app.as_admin()
        .await
        .create(
            "/api/v1/policy-tasks",
            &json!({"name": "Zwemwater", "theme": "nature"}),
        )
        .await;
    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    c.goto(&app.url("/datavragen/nieuw")).await.unwrap();
    keys_at(&c, "#n-q", "   ").await;
    mark_page(&c).await;
    press(
        &c,
        "form[action='/datavragen'] button[type=submit]",
        Key::Enter,
    )
    .await;
    wait_new_page(&c).await;
    let summary_focused =
        "return document.activeElement.classList.contains('koers-error-summary');";
    assert_eq!(script(&c, summary_focused).await, json!(true));
    check_axe(&c, "question refused").await;
    screenshot(&c, "error-summary-phone.png").await;
    // Tab to the summary's link, Enter: into the field it names.
    for (key, asked, expected) in [
        (
            Key::Tab,
            "return document.activeElement.getAttribute('href');",
            "#question-error",
        ),
        (Key::Enter, "return document.activeElement.id;", "n-q"),
    ] {
        let at = c.active_element().await.unwrap();
        at.send_keys(&key.to_string()).await.unwrap();
        assert_eq!(script(&c, asked).await, json!(expected));
    }
    end_session(c).await;
}
