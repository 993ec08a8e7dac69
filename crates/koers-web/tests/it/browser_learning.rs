//! The learning track's main path in Chromium: create a programme, start a cohort, import
//! its CSV, split it automatically, record attendance and progress, and view the
//! certificate; every page checked with axe-core.

use crate::browser::{
    browser_as, check_axe, click, enter_and_wait, fetched_kind, fill_in, keys_at, main_text,
    mark_page, screenshot, script, sign_in, start_browser, submit, text_of, type_into, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::Locator;
use serde_json::json;

/// The learning participant of organisation A with the address `email`, from the store.
async fn participant(app: &TestApp, email: &str) -> koers_store::learning::Participant {
    app.store
        .learning()
        .participants_by_email(&app.org_a.id, email)
        .await
        .unwrap()
        .remove(0)
}

#[tokio::test]
async fn coordinator_runs_a_cohort_to_a_certificate() {
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.goto(&app.url("/leertrajecten")).await.unwrap();
    check_axe(&c, "leertrajecten").await;
    fill_in(&c, "p-name", "Digitaal Leiderschap").await;
    fill_in(&c, "p-dims", "Visie\nSturen").await;
    // No project needed in this run, so attendance and modules complete it.
    click(&c, Locator::Css("input[name=requiresProject]")).await;
    submit(&c, "form[action='/leertrajecten']").await;
    wait_for(&c, Locator::Id("c-name")).await;
    check_axe(&c, "programme").await;
    fill_in(&c, "s-title", "Aftrap").await;
    script(
        &c,
        "document.getElementById('s-date').value = '2026-02-03';
         document.getElementById('s-start').value = '15:00';
         document.getElementById('s-end').value = '16:30';",
    )
    .await;
    submit(&c, "form[action$='/sessies']").await;
    // Wait for the new page to list the session (the old page has the form too).
    wait_for(&c, Locator::XPath("//*[contains(text(), 'Aftrap')]")).await;
    fill_in(&c, "c-name", "Cohort 2026").await;
    submit(&c, "form[action$='/cohorten']").await;
    wait_for(&c, Locator::Id("i-file")).await;
    check_axe(&c, "cohort").await;

    // Import 45 participants from a file, then split into three groups of 15.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cohort.csv");
    let mut csv = String::from("naam,e-mail,afdeling,rol\n");
    csv.push_str("Bea Beheer,admin@pv26.example,ICT,teamleider\n");
    for i in 1..45 {
        csv.push_str(&format!(
            "Deelnemer {i},d{i}@pv26.example,Afdeling {},Rol {}\n",
            i % 4,
            i % 2
        ));
    }
    std::fs::write(&path, csv).unwrap();
    type_into(&c, Locator::Id("i-file"), &path.display().to_string()).await;
    submit(&c, "form[enctype='multipart/form-data']").await;
    wait_for(&c, Locator::Css(".utrecht-alert--ok")).await;
    submit(&c, "form[action$='/verdelen']").await;
    wait_for(&c, Locator::Css("a[href^='/leertrajecten/groepen/']")).await;
    let groups = c
        .find_all(Locator::Css("a[href^='/leertrajecten/groepen/']"))
        .await
        .unwrap();
    assert_eq!(groups.len(), 3);
    check_axe(&c, "cohort after split").await;

    // Find Bea's group and record her attendance and progress there.
    let bea = participant(&app, "admin@pv26.example").await;
    let group = bea.group_id.clone().unwrap();
    c.goto(&app.url(&format!("/leertrajecten/groepen/{group}")))
        .await
        .unwrap();
    check_axe(&c, "group register").await;
    // Everyone present at the first session, in one step.
    let all = c
        .find(Locator::Css("button[name=allPresent]"))
        .await
        .unwrap();
    let session = all.attr("value").await.unwrap().unwrap();
    all.click().await.unwrap();
    wait_for(&c, Locator::Css(".utrecht-alert--ok")).await;
    let marked = c
        .execute(
            "return [...document.querySelectorAll('select[name^=\"a.\"]')]
                 .filter(s => s.name.endsWith('.' + arguments[0])).map(s => s.value);",
            vec![json!(session)],
        )
        .await
        .unwrap();
    let marked = marked.as_array().unwrap();
    assert!(
        marked.len() > 1 && marked.iter().all(|v| v == "present"),
        "{marked:?}"
    );
    for sel in c
        .find_all(Locator::Css(&format!("select[name^='a.{}.']", bea.id)))
        .await
        .unwrap()
    {
        sel.select_by_value("present").await.unwrap();
    }
    for sel in c
        .find_all(Locator::Css(&format!("select[name^='p.{}.']", bea.id)))
        .await
        .unwrap()
    {
        sel.select_by_value("done").await.unwrap();
    }
    // On a phone every choice in the register shows its whole value ("aanwezig",
    // "afgerond"), the tables scrolling sideways in their own box.
    c.set_window_size(390, 844).await.unwrap();
    let cut = c
        .execute(
            "const out = [];
             for (const s of document.querySelectorAll('td > select')) {
               const text = s.selectedOptions[0] ? s.selectedOptions[0].text : '';
               const m = document.createElement('span');
               m.style.font = getComputedStyle(s).font;
               m.style.whiteSpace = 'nowrap';
               m.style.position = 'absolute';
               m.textContent = text;
               document.body.appendChild(m);
               const need = m.getBoundingClientRect().width;
               m.remove();
               const cs = getComputedStyle(s);
               const room = s.clientWidth - parseFloat(cs.paddingLeft) - parseFloat(cs.paddingRight);
               if (need > room) out.push(text + ': ' + need + ' > ' + room);
             }
             return out;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(cut, json!([]), "choices cut off on a phone");
    c.set_window_size(1280, 900).await.unwrap();
    // Saved: the page the answer brings (not the one before it) says so.
    script(&c, "window.koersMark = 1;").await;
    click(
        &c,
        Locator::Css("form[action^='/leertrajecten/groepen/'] .utrecht-button--primary-action"),
    )
    .await;
    let mut reloaded = false;
    for _ in 0..50 {
        let gone = script(&c, "return window.koersMark === undefined;").await;
        if gone == json!(true) {
            reloaded = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(reloaded, "the register was not saved");
    wait_for(&c, Locator::Css(".utrecht-alert--ok")).await;

    // The participant's page offers the certificate, and it is a PDF.
    c.goto(&app.url(&format!("/leertrajecten/deelnemers/{}", bea.id)))
        .await
        .unwrap();
    check_axe(&c, "participant").await;
    let link = c
        .find(Locator::Css("a[href$='/certificaat']"))
        .await
        .expect("certificate link");
    let href = link.attr("href").await.unwrap().unwrap();
    assert_eq!(fetched_kind(&c, &href).await, "application/pdf %PDF-");
    // Another participant still misses everything and is told what.
    let other = participant(&app, "d1@pv26.example").await;
    c.goto(&app.url(&format!("/leertrajecten/deelnemers/{}", other.id)))
        .await
        .unwrap();
    let html = c.source().await.unwrap();
    assert!(html.contains("0 van de 5 modules afgerond"), "{html}");
    assert!(
        c.find(Locator::Css("a[href$='/certificaat']"))
            .await
            .is_err()
    );
}

/// A coordinator on a phone finds someone among sixty: the list reads fifty at a time, the
/// next page by keyboard; typing a piece of a name narrows the list without a new page (focus
/// stays in the field, the address follows, the live region says how many are shown), and the
/// group list narrows it further by keyboard.
#[tokio::test]
async fn a_coordinator_finds_someone_among_many_by_keyboard() {
    let app = TestApp::spawn().await;
    let a = app.api_as("admin@pv26.example").await;
    let (_, cohort) = crate::learning::programme_and_cohort(&a, "20").await;
    let cid = cohort["id"].as_str().unwrap();
    let people = format!("/api/v1/learning/cohorts/{cid}/participants");
    let mut csv =
        String::from("naam,e-mail,afdeling,rol\nAnna de Vries,anna@pv26.example,Ruimte,jurist\n");
    for i in 1..60 {
        csv.push_str(&format!(
            "Deelnemer {i},d{i}@pv26.example,Afdeling {},Rol\n",
            i % 4
        ));
    }
    a.post_csv(&people, &csv).await.assert_status(201);
    a.post_json(&format!("/api/v1/learning/cohorts/{cid}/split"), &json!({}))
        .await
        .assert_status(200);
    a.post_csv(
        &people,
        "naam,e-mail,afdeling,rol\nZeger de Vries,zeger@pv26.example,Ruimte,jurist\n",
    )
    .await
    .assert_status(201);

    let pid = cohort["programmeId"].as_str().unwrap();
    a.create(&format!("/api/v1/learning/programmes/{pid}/sessions"), &json!({"title": "Aftrap", "date": "2026-02-03", "startTime": "15:00", "endTime": "16:30", "link": "https://vergaderen.example/x", "afterModule": "0"})).await;

    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    // Sixty-one read fifty at a time: the next page by keyboard.
    c.goto(&app.url(&format!("/leertrajecten/cohorten/{cid}")))
        .await
        .unwrap();
    enter_and_wait(
        &c,
        ".koers-pagination a[rel=next]",
        Locator::XPath("//*[@data-koers-count][contains(., 'hier 51 tot en met 61')]"),
    )
    .await;
    assert_eq!(
        script(&c, "return [document.querySelectorAll('#deelnemers-resultaat tbody tr').length, document.querySelector('.koers-pagination [aria-current=page]').textContent.trim()];").await,
        json!([11, "pagina 2"])
    );
    check_axe(&c, "cohort, second page").await;
    c.goto(&app.url(&format!("/leertrajecten/cohorten/{cid}")))
        .await
        .unwrap();
    mark_page(&c).await;
    keys_at(&c, "#f-zoek", "VRIES").await;
    wait_for(
        &c,
        Locator::XPath("//*[@id='deelnemers-status'][contains(., '2 van 61 deelnemers')]"),
    )
    .await;
    let state = script(&c, "return [window.koersOldPage === true, document.activeElement.id, location.search, document.querySelectorAll('#deelnemers-resultaat tbody tr').length];").await;
    assert_eq!(
        state,
        json!([true, "f-zoek", "?zoek=VRIES&groep=&stand=", 2])
    );
    // "Zonder groep" by typing its first letter on the closed list.
    keys_at(&c, "#f-groep", "Z").await;
    wait_for(
        &c,
        Locator::XPath("//*[@id='deelnemers-status'][contains(., '1 van 61 deelnemers')]"),
    )
    .await;
    assert!(
        text_of(&c, Locator::Css("#deelnemers-resultaat tbody"))
            .await
            .contains("Zeger de Vries")
    );
    assert_eq!(
        script(&c, "return window.koersOldPage === true;").await,
        json!(true)
    );
    check_axe(&c, "cohort, searched").await;
    screenshot(&c, "learning-cohort-find-390.png").await;

    // After the session: one absentee chosen, the rest saved as present, for all 61.
    enter_and_wait(&c, "#sessies + p + ul a", Locator::Css("#tabel-sessie")).await;
    check_axe(&c, "session register").await;
    script(&c, "const s = [...document.querySelectorAll('table select')].find(s => s.getAttribute('aria-label').endsWith('Anna de Vries')); s.id = 'anna'; s.scrollIntoView();").await;
    keys_at(&c, "#anna", "af").await;
    enter_and_wait(&c, "button[name=rest]", Locator::Css(".utrecht-alert--ok")).await;
    assert!(
        main_text(&c)
            .await
            .contains("Vastgelegd voor 61 van 61 deelnemers.")
    );
    let anna = script(&c, "return [...document.querySelectorAll('table select')].find(s => s.getAttribute('aria-label').endsWith('Anna de Vries')).value;").await;
    assert_eq!(anna, json!("absent"));
    screenshot(&c, "learning-session-register-390.png").await;
    // Her absence was a mistake: the mark is taken away by keyboard and saved on its own.
    script(&c, "const s = [...document.querySelectorAll('table select')].find(s => s.getAttribute('aria-label').endsWith('Anna de Vries')); s.id = 'anna'; s.scrollIntoView();").await;
    keys_at(&c, "#anna", "n").await;
    enter_and_wait(
        &c,
        ".koers-actions button:not([name=rest])",
        Locator::XPath("//p[contains(., 'Vastgelegd voor 60 van 61 deelnemers.')]"),
    )
    .await;
    let anna = script(&c, "return [...document.querySelectorAll('table select')].find(s => s.getAttribute('aria-label').endsWith('Anna de Vries')).value;").await;
    assert_eq!(anna, json!(""));
}

/// A participant on a phone finds their programme under "my learning track", opens a module
/// the coordinator filled, reads it and marks it done — by keyboard only.
#[tokio::test]
async fn a_participant_works_through_a_module_by_keyboard() {
    use crate::browser::{end_session, keys_at, press, screenshot};
    use fantoccini::key::Key;
    use koers_core::learning::*;
    let app = TestApp::spawn().await;
    let actor = koers_store::Actor::cli();
    let d = koers_store::testing::programme_draft(false);
    let store = app.store.learning();
    let p = store
        .create_programme(&app.org_a.id, &d, &d.default_modules(), &actor)
        .await
        .unwrap();
    let module = store.modules(&p.id).await.unwrap().remove(0);
    for (kind, title, body, url) in [
        (
            "page",
            "Waarom data?",
            "## Drie vragen\n\n- Wat wil je weten?\n- Wie beslist?\n- Welke gegevens zijn er?",
            "",
        ),
        (
            "video",
            "Lezing van de CIO",
            "",
            "https://video.example/cio",
        ),
        (
            "assignment",
            "Jouw beleidsvraag",
            "Schrijf één vraag op en bespreek hem in je groep.",
            "",
        ),
    ] {
        store
            .add_content(
                &app.org_a.id,
                &module,
                (&ContentDraft::parse(kind, title, body, url).unwrap(), None),
                &actor,
            )
            .await
            .unwrap();
    }
    let c = store
        .create_cohort(&p, &CohortDraft::parse("2026", "", "").unwrap(), &actor)
        .await
        .unwrap();
    let people = parse_roster(
        "naam,e-mail,afdeling,rol\nVera Viewer,viewer@pv26.example,Mobiliteit,beleidsmaker\n",
        &Default::default(),
        &[],
    )
    .unwrap();
    store
        .import_participants(&c, &people, false, &actor)
        .await
        .unwrap();
    let me = participant(&app, "viewer@pv26.example").await;

    let (_driver, b, _profile) = browser_as(&app, "viewer@pv26.example", (390, 844)).await;
    b.goto(&app.url("/leertrajecten")).await.unwrap();
    press(
        &b,
        &format!("a[href='/leertrajecten/deelnemers/{}']", me.id),
        Key::Enter,
    )
    .await;
    let link = format!(
        "a[href='/leertrajecten/deelnemers/{}/modules/{}']",
        me.id, module.id
    );
    wait_for(&b, Locator::Css(&link)).await;
    check_axe(&b, "my programme").await;
    enter_and_wait(&b, &link, Locator::Id("voortgang")).await;
    check_axe(&b, "a module to work through").await;
    let text = crate::browser::main_text(&b).await;
    for part in [
        "Drie vragen",
        "Welke gegevens zijn er?",
        "Bekijk de video",
        "Jouw beleidsvraag",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
    // From "not started", two steps down the group of choices is "done"; Enter saves.
    press(&b, "#st-not_started", Key::Down).await;
    press(&b, "#st-started", Key::Down).await;
    keys_at(&b, "#st-done", &Key::Enter.to_string()).await;
    wait_for(&b, Locator::Css(".utrecht-alert--ok")).await;
    screenshot(&b, "learning-module-390.png").await;
    let progress = store.progress(&c).await.unwrap();
    assert_eq!(
        progress.get(&(module.id.clone(), me.id.clone())),
        Some(&Progress::Done),
        "the coordinator sees the module done"
    );
    end_session(b).await;
}

/// A participant on a phone fills in their self-assessment by keyboard (the start, then the
/// end); the coordinator reads the movement over the group on a wide screen.
#[tokio::test]
async fn a_participant_assesses_themselves_by_keyboard_and_the_coordinator_sees_the_movement() {
    use crate::browser::{end_session, keys_at, press, screenshot};
    use crate::learning_model::{participant_of, programme_with};
    use fantoccini::key::Key;
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let others: Vec<String> = (1..=4).map(|i| format!("leider{i}@pv26.example")).collect();
    for e in &others {
        app.add_user(e, koers_core::Role::Viewer).await;
    }
    let mut people: Vec<(&str, &str)> = others.iter().map(|e| (e.as_str(), "")).collect();
    people.push(("viewer@pv26.example", "Beleidsmakers"));
    let (pid, cid) = programme_with(&a, &people).await;
    for e in &others {
        let id = participant_of(&a, &cid, e).await;
        let url = format!("/api/v1/learning/participants/{id}/self-assessment");
        let s = app.api_as(e).await;
        for (moment, level) in [("start", 1), ("end", 3)] {
            s.put_json(
                &url,
                &json!({"moment": moment, "levels": {"Visie": level, "Data": 2}}),
            )
            .await
            .assert_status(200);
        }
    }
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;

    let (_driver, b, _profile) = browser_as(&app, "viewer@pv26.example", (390, 844)).await;
    b.goto(&app.url(&format!("/leertrajecten/deelnemers/{me}")))
        .await
        .unwrap();
    let go = format!("a[href='/leertrajecten/deelnemers/{me}/zelfscan']");
    wait_for(&b, Locator::Css(&go)).await;
    enter_and_wait(&b, &go, Locator::Id("invullen")).await;
    check_axe(&b, "the self-assessment").await;
    // The start is chosen already; on each dimension, from the first level one step down
    // chooses the second; Enter saves.
    for dim in ["Visie", "Data"] {
        press(
            &b,
            &format!("input[name='niveau:{dim}'][value='1']"),
            Key::Down,
        )
        .await;
    }
    keys_at(
        &b,
        "input[name='niveau:Data'][value='2']",
        &Key::Enter.to_string(),
    )
    .await;
    wait_for(&b, Locator::Css(".utrecht-alert--ok")).await;
    // Now the end: it is the moment offered; Visie three steps up from the first.
    let end = b
        .find(Locator::Css("input[name='moment'][value='end']"))
        .await
        .unwrap();
    assert_eq!(end.prop("checked").await.unwrap().as_deref(), Some("true"));
    press(&b, "input[name='niveau:Visie'][value='1']", Key::Down).await;
    press(&b, "input[name='niveau:Visie'][value='2']", Key::Down).await;
    press(&b, "input[name='niveau:Data'][value='1']", Key::Down).await;
    crate::browser::mark_page(&b).await;
    keys_at(
        &b,
        "input[name='niveau:Data'][value='2']",
        &Key::Enter.to_string(),
    )
    .await;
    crate::browser::wait_new_page(&b).await;
    wait_for(&b, Locator::Css(".utrecht-alert--ok")).await;
    let text = crate::browser::main_text(&b).await;
    assert!(
        text.contains("2 · Verkennend") && text.contains("3 · Toepassend"),
        "{text}"
    );
    check_axe(&b, "the self-assessment, both given").await;
    crate::browser_tables::tables_scroll_in_their_own_box(&b, "the self-assessment at 390 px")
        .await;
    screenshot(&b, "learning-self-scan-390.png").await;
    end_session(b).await;

    let (_driver, b, _profile) = browser_as(&app, "admin@pv26.example", (1440, 900)).await;
    b.goto(&app.url(&format!("/leertrajecten/leergangen/{pid}")))
        .await
        .unwrap();
    let link = format!("a[href='/leertrajecten/leergangen/{pid}/beweging']");
    wait_for(&b, Locator::Css(&link)).await;
    check_axe(&b, "the programme").await;
    enter_and_wait(&b, &link, Locator::Id("tabel-beweging")).await;
    check_axe(&b, "the movement").await;
    let text = crate::browser::main_text(&b).await;
    // Visie: four went 1 → 3 and one 2 → 3: start 1,2, end 3, +1,8.
    assert!(text.contains("1,2") && text.contains("+1,8"), "{text}");
    screenshot(&b, "learning-movement-1440.png").await;
    end_session(b).await;
}

/// On a phone, by keyboard: a participant writes a reflection and takes a module's quiz
/// (the score said at once); then a student invited to a make-track project opens it as a
/// guest. Both pages checked with axe-core.
#[tokio::test]
async fn a_participant_takes_a_quiz_and_a_student_opens_the_project_by_keyboard() {
    use crate::browser::{end_session, keys_at, press, screenshot};
    use crate::learning_model::{participant_of, programme_with};
    use fantoccini::key::Key;
    use serde_json::json;
    let app = TestApp::spawn().await;
    let a = app.as_admin().await;
    let (pid, cid) = programme_with(&a, &[("viewer@pv26.example", "")]).await;
    let module = crate::learning_model::first_module(&a, &pid).await;
    let content = format!("/api/v1/learning/modules/{module}/content");
    a.create(
        &content,
        &json!({"kind": "reflection", "title": "Terugblik", "body": "Wat neem je mee?"}),
    )
    .await;
    let quiz = a
        .create(&content, &json!({"kind": "quiz", "title": "Toets", "body": "? Wie is eigenaar van een dataset?\n- Iedereen\n* De data-eigenaar\n"}))
        .await;
    let me = participant_of(&a, &cid, "viewer@pv26.example").await;

    let (_driver, b, _profile) = browser_as(&app, "viewer@pv26.example", (390, 844)).await;
    b.goto(&app.url(&format!("/leertrajecten/deelnemers/{me}/modules/{module}")))
        .await
        .unwrap();
    wait_for(&b, Locator::Css("textarea[name=answer]")).await;
    check_axe(&b, "a module with a reflection and a quiz").await;
    keys_at(&b, "textarea[name=answer]", "Vaker eerst de vraag stellen.").await;
    keys_at(&b, "textarea[name=answer]", &Key::Tab.to_string()).await;
    b.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    wait_for(&b, Locator::Css(".utrecht-alert--ok")).await;
    // The quiz: from the first option one step down is the second; Enter checks it.
    let first = format!(
        "input[name=q1][id$='-0'][id^='q-{}']",
        quiz["id"].as_str().unwrap()
    );
    press(&b, &first, Key::Down).await;
    crate::browser::mark_page(&b).await;
    b.active_element()
        .await
        .unwrap()
        .send_keys(&Key::Enter.to_string())
        .await
        .unwrap();
    crate::browser::wait_new_page(&b).await;
    let notice = crate::browser::wait_text(&b, Locator::Css(".utrecht-alert--ok")).await;
    assert!(notice.contains("Uw score: 1 / 1"), "{notice}");
    check_axe(&b, "the quiz, answered").await;
    screenshot(&b, "learning-quiz-390.png").await;
    end_session(b).await;

    // The student: invited to the project (on a data question), signs in, opens it.
    let token = crate::learning_model::project_with_student(&a, &cid, "Zonnedaken in beeld").await;
    crate::guests::accept_new(&app, &token).await;
    let (_driver, b, _profile) = browser_as(&app, "student@uu.example", (390, 844)).await;
    let link = "main a[href^='/gast/']";
    wait_for(&b, Locator::Css(link)).await;
    press(&b, link, Key::Enter).await;
    let h1 = crate::browser::wait_text(&b, Locator::Css("h1")).await;
    assert_eq!(h1, "Zonnedaken in beeld");
    check_axe(&b, "a make-track project as its student sees it").await;
    let w = script(
        &b,
        "return [document.documentElement.scrollWidth, window.innerWidth];",
    )
    .await;
    assert!(
        w[0].as_i64() <= w[1].as_i64(),
        "wider than the screen: {w:?}"
    );
    screenshot(&b, "learning-student-390.png").await;
    end_session(b).await;
}
