//! The frame and the controls on any screen, in Chromium: on a phone the navigation folds
//! behind a menu button that the keyboard opens and Escape closes; a checked radio button or
//! checkbox looks different from an unchecked one.

use crate::browser::{
    browser_as, check_axe, click, end_session, press, screenshot, script, sign_in, wait_for,
};
use crate::helpers::TestApp;
use fantoccini::key::Key;
use fantoccini::{Client, Locator};
use serde_json::json;

/// A browser of `size` with the administrator signed in, on the page at `path`.
async fn admin_on(
    app: &TestApp,
    path: &str,
    size: (u32, u32),
) -> (crate::browser::Driver, Client, tempfile::TempDir) {
    let (driver, c, profile) = browser_as(app, "admin@pv26.example", size).await;
    c.goto(&app.url(path)).await.unwrap();
    (driver, c, profile)
}

async fn nav_shown(c: &Client) -> bool {
    script(
        c,
        "const n = document.getElementById('hoofdmenu'); return n.getClientRects().length > 0;",
    )
    .await
    .as_bool()
    .unwrap()
}

#[tokio::test]
async fn the_menu_folds_on_a_phone_and_controls_show_their_state() {
    let app = TestApp::spawn().await;
    let id = app.empty_dashboard().await;
    let (_driver, c, _profile) = browser_as(&app, "admin@pv26.example", (390, 844)).await;
    let button = wait_for(&c, Locator::Css(".koers-menu-button")).await;
    // Folded: the page's own content comes first on the screen.
    assert!(!nav_shown(&c).await, "the navigation is folded on a phone");
    assert_eq!(
        button.attr("aria-expanded").await.unwrap().as_deref(),
        Some("false")
    );
    check_axe(&c, "overview with the menu folded").await;
    // The header is one band: the account and signing out are in the menu, not in rows of
    // their own above every page.
    let header = script(
        &c,
        "const h = document.querySelector('.koers-header');
         const out = h.querySelector('form[action=\"/logout\"]');
         return [h.getBoundingClientRect().height < 130, out.getClientRects().length === 0];",
    )
    .await;
    assert_eq!(header, json!([true, true]), "a low header on a phone");
    // Enter opens it; the first link is then reachable with Tab.
    press(&c, ".koers-menu-button", Key::Enter).await;
    assert!(nav_shown(&c).await, "Enter opens the menu");
    assert_eq!(
        button.attr("aria-expanded").await.unwrap().as_deref(),
        Some("true")
    );
    screenshot(&c, "menu-open-390.png").await;
    check_axe(&c, "overview with the menu open").await;
    press(&c, "#hoofdmenu a", Key::Escape).await;
    assert!(!nav_shown(&c).await, "Escape closes the menu");
    let focused = script(
        &c,
        "return document.activeElement.classList.contains('koers-menu-button');",
    )
    .await;
    assert_eq!(focused, json!(true), "focus returns to the menu button");
    // Signing out from the menu.
    press(&c, ".koers-menu-button", Key::Enter).await;
    let account = script(
        &c,
        "return [...document.querySelectorAll('#hoofdmenu a')].some(a => a.getAttribute('href') === '/account' && a.getClientRects().length > 0);",
    )
    .await;
    assert_eq!(account, json!(true), "the account is in the menu");
    click(&c, Locator::Css("#hoofdmenu form[action='/logout'] button")).await;
    wait_for(&c, Locator::Id("email")).await;
    sign_in(&c, &app, "admin@pv26.example").await;
    let button = wait_for(&c, Locator::Css(".koers-menu-button")).await;
    // On a wide screen the navigation is simply there, and the button is not.
    c.set_window_size(1440, 900).await.unwrap();
    // The page hears of the new width through a media-query event, a moment after the resize.
    let mut shown = false;
    for _ in 0..50 {
        shown = nav_shown(&c).await;
        if shown {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(shown, "the navigation shows on a wide screen");
    assert!(!button.is_displayed().await.unwrap());

    // A checked control is drawn differently from an unchecked one.
    c.goto(&app.url(&format!("/dashboards/{id}/bewerken")))
        .await
        .unwrap();
    let private = wait_for(&c, Locator::Id("vis-private")).await;
    let public = c.find(Locator::Id("vis-public")).await.unwrap();
    assert!(private.is_selected().await.unwrap());
    assert!(!public.is_selected().await.unwrap());
    let checked = private.screenshot().await.unwrap();
    let unchecked = public.screenshot().await.unwrap();
    assert_ne!(
        checked, unchecked,
        "a checked radio button looks like an unchecked one"
    );
    let role = c
        .find(Locator::Css("input.utrecht-checkbox[name=roles]"))
        .await
        .unwrap();
    let before = role.screenshot().await.unwrap();
    role.click().await.unwrap();
    let after = role.screenshot().await.unwrap();
    assert_ne!(
        before, after,
        "a checked checkbox looks like an unchecked one"
    );
    end_session(c).await;
}

/// On a phone a table wider than the screen scrolls in its box without breaking the words of
/// the choices in it ("Vie wer"), and its caption wraps within what is seen instead of being
/// cut off at the screen's edge: the administrator's members and their roles.
#[tokio::test]
async fn a_wide_table_on_a_phone_keeps_its_words_and_its_caption_in_view() {
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = admin_on(&app, "/organisatie", (390, 844)).await;
    wait_for(&c, Locator::Id("tabel-leden")).await;
    let measured = script(
        &c,
        "const caption = document.getElementById('tabel-leden');
         const box = caption.closest('.koers-table-scroll').getBoundingClientRect();
         const labels = Array.from(caption.closest('table').querySelectorAll('.koers-check'));
         return [
           labels.length > 0 && labels.every(l => l.getBoundingClientRect().height < 40),
           box.width < box.right && caption.getBoundingClientRect().right <= box.right + 1,
         ];",
    )
    .await;
    assert_eq!(
        measured,
        json!([true, true]),
        "labels whole, caption in view"
    );
    screenshot(&c, "members-390.png").await;
    end_session(c).await;
}

/// On a phone the board of data questions stacks its columns, and an empty column is only
/// its heading: the questions are not pushed a screen down by columns with nothing in them.
#[tokio::test]
async fn on_a_phone_an_empty_column_of_the_board_is_only_its_heading() {
    let app = TestApp::spawn().await;
    let api = app.as_admin().await;
    crate::overview::ask(&api, json!({"question": "Hoeveel laadpalen staan er?"})).await;
    let (_driver, c, _profile) = admin_on(&app, "/datavragen", (390, 844)).await;
    wait_for(&c, Locator::Css(".koers-board")).await;
    let heights = script(
        &c,
        "return Array.from(document.querySelectorAll('.koers-board__column')).map(col => {
           const h = col.querySelector('h2').getBoundingClientRect().height;
           return [col.querySelectorAll('.koers-card').length, col.getBoundingClientRect().height - h];
         });",
    )
    .await;
    let columns = heights.as_array().unwrap();
    assert!(columns.len() >= 7, "{heights}");
    for col in columns {
        let (cards, below_heading) = (col[0].as_u64().unwrap(), col[1].as_f64().unwrap());
        if cards == 0 {
            assert!(below_heading < 48.0, "an empty column's height: {heights}");
        }
    }
    end_session(c).await;
}

/// What an alert holds stacks: after adding a member, the initial password stands under the
/// notice, not beside it as a second column (the library lays an alert out in a row, for an
/// icon beside its text).
#[tokio::test]
async fn an_alert_stacks_what_it_holds() {
    use crate::browser::{click, type_into};
    let app = TestApp::spawn().await;
    let (_driver, c, _profile) = admin_on(&app, "/organisatie", (1440, 900)).await;
    type_into(&c, Locator::Id("m-email"), "nieuw@pv26.example").await;
    type_into(&c, Locator::Id("m-name"), "Nina Nieuw").await;
    click(
        &c,
        Locator::Css("form[action='/organisatie/leden'] input[name=roles][value=viewer]"),
    )
    .await;
    press(&c, "#m-name", Key::Enter).await;
    wait_for(&c, Locator::Css(".koers-secret")).await;
    let stacked = script(
        &c,
        "const ps = document.querySelector('.koers-secret').closest('.utrecht-alert').querySelectorAll('p');
         return ps.length === 2 && ps[1].getBoundingClientRect().top >= ps[0].getBoundingClientRect().bottom;",
    )
    .await;
    assert_eq!(stacked, json!(true), "the password under the notice");
    end_session(c).await;
}
