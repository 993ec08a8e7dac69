//! Dashboards in Chromium: build one in the editor (filters, a province map with drill-down,
//! a chart), move the time slider by keyboard, drill down to municipalities, share it
//! publicly and open the link signed out, and follow the export links; axe-core throughout.

use crate::browser::{
    check_axe, click, main_text, screenshot, script, sign_in, start_browser, submit, text_of,
    wait_for,
};
use crate::helpers::TestApp;
use fantoccini::{Client, Locator, key::Key};
use serde_json::json;

async fn fill(c: &Client, id: &str, text: &str) {
    let e = c.find(Locator::Id(id)).await.unwrap();
    e.clear().await.unwrap();
    e.send_keys(text).await.unwrap();
}

async fn choose(c: &Client, id: &str, value: &str) {
    click(c, Locator::Css(&format!("#{id} option[value='{value}']"))).await;
}

async fn wait_for_text(c: &Client, text: &str) {
    c.wait()
        .for_element(Locator::XPath(&format!("//*[contains(., '{text}')]")))
        .await
        .unwrap_or_else(|_| panic!("{text} did not appear"));
}

#[tokio::test]
async fn build_filter_drill_down_share_and_export_a_dashboard() {
    let app = TestApp::spawn().await;
    let (per_province, per_mode, per_municipality) = crate::dashboards::freight(&app).await;
    let (_driver, c, _profile) = start_browser().await;
    sign_in(&c, &app, "admin@pv26.example").await;

    c.goto(&app.url("/dashboards")).await.unwrap();
    check_axe(&c, "dashboards").await;
    fill(&c, "d-name", "Logistiek").await;
    submit(&c, "form[action='/dashboards']").await;
    wait_for(&c, Locator::Id("w-kind")).await;
    check_axe(&c, "editor").await;
    let editor = c.current_url().await.unwrap().path().to_string();
    let id = editor
        .trim_start_matches("/dashboards/")
        .trim_end_matches("/bewerken")
        .to_string();

    // Two filters: the year slider (the time machine) and a province list.
    fill(&c, "f-param", "jaar").await;
    fill(&c, "f-label", "Jaar").await;
    choose(&c, "f-kind", "slider").await;
    fill(&c, "f-min", "2023").await;
    fill(&c, "f-max", "2024").await;
    fill(&c, "f-default", "2024").await;
    submit(&c, "form[aria-labelledby='filters']").await;
    wait_for_text(&c, "schuif 2023").await;
    fill(&c, "f-param", "provincie").await;
    fill(&c, "f-label", "Provincie").await;
    choose(&c, "f-kind", "select").await;
    fill(&c, "f-options", "PV26, PV27").await;
    submit(&c, "form[aria-labelledby='filters']").await;
    // Listed as readers read the options.
    wait_for_text(&c, "keuzelijst: Utrecht, Noord-Holland").await;

    // A province map that drills down to municipalities, and a stacked chart.
    choose(&c, "w-kind", "choropleth").await;
    fill(&c, "w-title", "Tonnen per provincie").await;
    choose(&c, "w-analysis", &per_province).await;
    choose(&c, "w-cat", "provincie").await;
    choose(&c, "w-val", "tonnen").await;
    choose(&c, "w-level", "province").await;
    choose(&c, "w-drill", "provincie").await;
    choose(&c, "w-drill-a", &per_municipality).await;
    choose(&c, "w-drill-cat", "gemeente").await;
    submit(&c, "form[aria-labelledby='nieuw-onderdeel']").await;
    wait_for_text(&c, "Het onderdeel is toegevoegd.").await;
    choose(&c, "w-kind", "stacked").await;
    fill(&c, "w-title", "Tonnen per modaliteit").await;
    choose(&c, "w-analysis", &per_mode).await;
    choose(&c, "w-cat", "jaar").await;
    choose(&c, "w-val", "tonnen").await;
    choose(&c, "w-series", "modaliteit").await;
    submit(&c, "form[aria-labelledby='nieuw-onderdeel']").await;
    wait_for_text(&c, "Tonnen per modaliteit").await;
    check_axe(&c, "editor with widgets").await;

    c.goto(&app.url(&format!("/dashboards/{id}")))
        .await
        .unwrap();
    wait_for(&c, Locator::Css("svg.koers-map")).await;
    check_axe(&c, "dashboard").await;
    screenshot(&c, "dashboard.png").await;

    // The time slider by keyboard: one step left is 2023, applied when let go, without
    // reloading the page (a mark set on the window survives), focus kept on the slider.
    script(&c, "window.koersMark = 1;").await;
    let slider = c.find(Locator::Id("f-jaar")).await.unwrap();
    slider.send_keys(&Key::Left.to_string()).await.unwrap();
    assert!(
        address_gets(&c, "f.jaar=2023").await,
        "the slider did not apply 2023"
    );
    wait_for_text(&c, "Dashboard bijgewerkt").await;
    let table = main_text(&c).await;
    assert!(table.contains("140"), "2023 figures: {table}");
    let kept = script(
        &c,
        "return [window.koersMark === 1, document.activeElement && document.activeElement.id];",
    )
    .await;
    assert_eq!(kept, json!([true, "f-jaar"]), "reloaded or lost focus");

    // Drill down from the table alternative (keyboard-reachable links) to Utrecht's municipalities.
    click(
        &c,
        Locator::Css("#onderdeel-w1 details.koers-details summary"),
    )
    .await;
    click(
        &c,
        Locator::Css("#onderdeel-w1 table a[href*='f.provincie=PV26']"),
    )
    .await;
    wait_for_text(&c, "Ingezoomd").await;
    let source = c.source().await.unwrap();
    assert!(source.contains("Amersfoort: 40") && source.contains("Utrecht: 100"));
    check_axe(&c, "drilled dashboard").await;
    // Only the widgets and filters changed: no reload, the address and the province filter
    // follow, and focus is on the heading of the widget that was drilled.
    let drilled = script(
        &c,
        "const a = document.activeElement;
             return [window.koersMark === 1, location.search.includes('f.provincie=PV26'),
                     document.getElementById('f-provincie').value,
                     a.tagName, !!a.closest('.koers-widget')];",
    )
    .await;
    assert_eq!(
        drilled,
        json!([true, true, "PV26", "H2", true]),
        "drill-down reloaded or lost its place"
    );
    // Back returns to the provinces, still without a reload.
    c.back().await.unwrap();
    for _ in 0..50 {
        if !main_text(&c).await.contains("Ingezoomd") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        !main_text(&c).await.contains("Ingezoomd"),
        "Back did not return"
    );
    let mark = script(&c, "return window.koersMark === 1;").await;
    assert_eq!(mark, json!(true));

    // On a phone the page stays as wide as the screen, and a chart is drawn again for its
    // width: the narrow drawing shows (the wide one is hidden), fits its figure without
    // scrolling, and its text stays readable.
    c.set_window_size(390, 844).await.unwrap();
    c.goto(&app.url(&format!("/dashboards/{id}")))
        .await
        .unwrap();
    wait_for(&c, Locator::Css("svg.koers-chart--narrow")).await;
    let fit = script(
        &c,
        "const narrow = document.querySelector('svg.koers-chart--narrow');
             const f = narrow.closest('figure');
             const wide = f.querySelector('svg.koers-chart:not(.koers-chart--narrow)');
             const label = narrow.querySelector('text');
             return [document.documentElement.scrollWidth <= window.innerWidth,
                     getComputedStyle(wide).display, getComputedStyle(narrow).display,
                     f.scrollWidth <= f.clientWidth,
                     label.getBoundingClientRect().height >= 11];",
    )
    .await;
    assert_eq!(
        fit,
        json!([true, "none", "block", true, true]),
        "phone layout"
    );
    check_axe(&c, "dashboard on a phone").await;
    c.set_window_size(1440, 900).await.unwrap();

    // Share publicly.
    c.goto(&app.url(&editor)).await.unwrap();
    click(&c, Locator::Id("vis-public")).await;
    submit(&c, "form[aria-labelledby='delen']").await;
    wait_for_text(&c, "Het delen is opgeslagen.").await;
    c.goto(&app.url(&format!("/dashboards/{id}")))
        .await
        .unwrap();
    let link = c
        .find(Locator::Id("publieke-link"))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    // The link and the embed snippet are shown open, each with a copy button.
    check_axe(&c, "shared dashboard").await;
    click(&c, Locator::Css("[data-copy='embed-code']")).await;
    let copied = crate::browser::copied(&c).await;
    assert!(copied.starts_with("Gekopieerd: <iframe"), "{copied}");
    let exports: Vec<String> = {
        let mut out = Vec::new();
        for a in c.find_all(Locator::Css("a[download]")).await.unwrap() {
            out.push(a.attr("href").await.unwrap().unwrap());
        }
        out
    };
    assert!(exports.iter().any(|h| h.ends_with("dashboard.pdf")));
    assert!(exports.iter().any(|h| h.contains("/onderdelen/w1.png")));
    assert!(exports.iter().any(|h| h.contains("/onderdelen/w2.csv")));

    // Signed out, the link shows the dashboard read-only.
    c.delete_all_cookies().await.unwrap();
    // The link is absolute: this server's address.
    assert!(link.starts_with(&app.url("/openbaar/")), "{link}");
    c.goto(&link).await.unwrap();
    wait_for(&c, Locator::Css("svg.koers-map")).await;
    assert_eq!(text_of(&c, Locator::Css("h1")).await, "Logistiek");
    assert!(c.find(Locator::Css(".koers-nav")).await.is_err());
    check_axe(&c, "public dashboard").await;
    screenshot(&c, "dashboard-public.png").await;
    // Its exports work without a session.
    let http = app.anonymous();
    for a in c.find_all(Locator::Css("a[download]")).await.unwrap() {
        let href = a.attr("href").await.unwrap().unwrap();
        let r = http.get(&href).await;
        assert_eq!(r.status(), 200, "{href}");
    }
}

/// A dashboard with the freight figures' maps, opened in Chromium as `who`.
/// The app, the browser's driver and profile (kept alive with it), and the browser.
async fn freight_dashboard(
    who: &str,
) -> (TestApp, (crate::browser::Driver, tempfile::TempDir), Client) {
    let app = TestApp::spawn().await;
    let (p, m, g) = crate::dashboards::freight(&app).await;
    let id = crate::dashboards::new_dashboard(
        &app.as_admin().await,
        "Logistiek",
        crate::dashboards::definition(&p, &m, &g),
    )
    .await;
    let (driver, c, profile) = start_browser().await;
    sign_in(&c, &app, who).await;
    c.goto(&app.url(&format!("/dashboards/{id}")))
        .await
        .unwrap();
    (app, (driver, profile), c)
}

/// A dashboard of this definition, opened (at `query`) in Chromium by A's administrator once
/// the live map of its first widget is ready.
async fn open_dashboard(
    app: &TestApp,
    definition: serde_json::Value,
    query: &str,
) -> ((crate::browser::Driver, tempfile::TempDir), Client) {
    let id = crate::dashboards::new_dashboard(&app.as_admin().await, "Kaart", definition).await;
    let (driver, c, profile) = start_browser().await;
    sign_in(&c, app, "admin@pv26.example").await;
    c.goto(&app.url(&format!("/dashboards/{id}{query}")))
        .await
        .unwrap();
    wait_for(
        &c,
        Locator::Css("#onderdeel-w1 .koers-live-map[data-koers-ready]"),
    )
    .await;
    ((driver, profile), c)
}

/// Runs `js` in the page until it answers `want` (up to five seconds); its last answer.
async fn until(c: &Client, js: &str, want: &serde_json::Value) -> serde_json::Value {
    let mut got = serde_json::Value::Null;
    for _ in 0..50 {
        got = script(c, js).await;
        if &got == want {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    got
}

/// The 3D view turns in place: the arrow key on the rotation slider turns the live map
/// without fetching the widgets anew, the address carries the angle, focus stays.
#[tokio::test]
async fn the_3d_view_turns_without_a_reload() {
    let (_app, _browser, c) = freight_dashboard("admin@pv26.example").await;
    let c = &c;
    wait_for(
        c,
        Locator::Css("#onderdeel-w3 .koers-live-map[data-koers-ready]"),
    )
    .await;
    // The widget's own element survives a turn: nothing was redrawn from the server.
    script(
        c,
        "window.koersMark = 1; document.getElementById('onderdeel-w3').koersMark = 1;",
    )
    .await;
    let slider = c.find(Locator::Id("rot-w3")).await.unwrap();
    slider.send_keys(&Key::Right.to_string()).await.unwrap();
    assert!(
        address_gets(c, "rot.w3=").await,
        "the rotation was not applied"
    );
    let kept = script(
        c,
        "const w = document.getElementById('onderdeel-w3');
             return [window.koersMark === 1, w.koersMark === 1, document.activeElement.id,
                     location.search.includes('rot.w3=' + document.getElementById('rot-w3').value),
                     document.getElementById('rot-w3').value !== '20',
                     w.querySelector('.koers-3d-controls button').hidden,
                     w.querySelector('.koers-figure').hidden];",
    )
    .await;
    assert_eq!(
        kept,
        json!([true, true, "rot-w3", true, true, true, true]),
        "reloaded, lost focus, or the server view still shows"
    );
}

/// The interactive map as a policy officer uses it by keyboard: the map takes focus, names
/// the region in its middle with its value (and shows it in a tooltip), Enter drills down to
/// that province's municipalities; the legend stands beside the map, the table stays the
/// text alternative, and the page passes axe-core.
#[tokio::test]
async fn the_interactive_map_names_regions_and_drills_down_by_keyboard() {
    let (_app, _browser, c) = freight_dashboard("admin@pv26.example").await;
    let c = &c;
    wait_for(
        c,
        Locator::Css("#onderdeel-w2 .koers-live-map[data-koers-ready]"),
    )
    .await;
    let canvas = c
        .find(Locator::Css("#onderdeel-w2 .koers-live-map canvas"))
        .await
        .unwrap();
    // The server-drawn map gives way; its legend now stands beside or under the live map.
    let layout = script(
        c,
        "const w = document.getElementById('onderdeel-w2');
             const map = w.querySelector('.koers-live-map__canvas').getBoundingClientRect();
             const legend = w.querySelector('.koers-legend').getBoundingClientRect();
             const overlaps = !(legend.left >= map.right || legend.top >= map.bottom);
             return [w.querySelector('.koers-figure').hidden, overlaps,
                     w.querySelectorAll('.koers-legend li').length > 1,
                     !!w.querySelector('table'),
                     w.querySelector('canvas').getAttribute('aria-label')];",
    )
    .await;
    assert_eq!(
        layout,
        json!([true, false, true, true, "Tonnen per provincie"]),
        "live map layout"
    );
    check_axe(c, "dashboard with live maps").await;
    canvas.send_keys("=").await.unwrap();
    let named = wait_for_centre(c, "onderdeel-w2").await;
    assert!(named.starts_with("In het midden: "), "{named}");
    let tip = script(
        c,
        "const t = document.querySelector('#onderdeel-w2 .koers-live-map__tip');
             return t.hidden ? null : t.textContent;",
    )
    .await;
    assert_eq!(
        tip.as_str().map(|t| format!("In het midden: {t}")),
        Some(named.clone()),
        "the tooltip names the same region"
    );
    screenshot(c, "dashboard-live-map.png").await;
    canvas.send_keys(&Key::Enter.to_string()).await.unwrap();
    assert!(
        address_gets(c, "f.provincie=PV").await,
        "Enter did not drill down"
    );
    wait_for_text(c, "Ingezoomd op de gemeenten van").await;
    let province = named
        .trim_start_matches("In het midden: ")
        .split(':')
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(
        main_text(c)
            .await
            .contains(&format!("Ingezoomd op de gemeenten van {province}")),
        "drilled into another province than the one named"
    );
}

/// Waits (up to ten seconds) until the live map in `widget` (an element id) names what is in
/// its middle.
async fn wait_for_centre(c: &Client, widget: &str) -> String {
    for _ in 0..100 {
        let v = c
            .execute(
                &format!(
                    "return document.querySelector('#{widget} .koers-live-map__centre').textContent;"
                ),
                vec![],
            )
            .await
            .unwrap();
        let text = v.as_str().unwrap_or_default().to_string();
        if !text.is_empty() {
            return text;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("the map never named the region in its middle");
}

/// Waits (up to five seconds) until the page's address has `part` in its query.
async fn address_gets(c: &Client, part: &str) -> bool {
    for _ in 0..50 {
        let url = c.current_url().await.unwrap();
        if url.query().is_some_and(|q| q.contains(part)) {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    false
}

/// The time machine as a policy officer uses it by keyboard: Play runs the year slider from
/// the first year to the last, the widgets redraw at each, the map keeps one legend for all
/// years, and the button says Play again at the end.
#[tokio::test]
async fn the_time_machine_plays_the_years_with_one_colour_scale() {
    let (_app, _browser, c) = freight_dashboard("admin@pv26.example").await;
    let c = &c;
    wait_for(
        c,
        Locator::Css("#onderdeel-w2 .koers-live-map[data-koers-ready]"),
    )
    .await;
    let legend = "return [...document.querySelectorAll('#onderdeel-w2 .koers-live-map .koers-legend li')].map(l => l.textContent.trim()).join('|');";
    let last_year = script(c, legend).await;
    let play = c
        .find(Locator::Css(
            "[data-koers-player='f-jaar'] [data-koers-play]",
        ))
        .await
        .unwrap();
    assert!(
        play.is_displayed().await.unwrap(),
        "the player shows with script"
    );
    play.send_keys(&Key::Enter.to_string()).await.unwrap();
    assert!(
        address_gets(c, "f.jaar=2023").await,
        "Play starts at the first year"
    );
    wait_for(
        c,
        Locator::Css("#onderdeel-w2 .koers-live-map[data-koers-ready]"),
    )
    .await;
    let first_year = script(c, legend).await;
    assert_eq!(
        first_year, last_year,
        "the colour scale moved with the year"
    );
    assert!(
        address_gets(c, "f.jaar=2024").await,
        "Play goes on to the next year"
    );
    // At the last year it stops, and says Play again.
    let end = json!(["false", "Afspelen", "2024"]);
    let state = until(
        c,
        "const b = document.querySelector('[data-koers-play]');
         return [b.getAttribute('aria-pressed'), b.textContent.trim(),
                 document.getElementById('f-jaar').value];",
        &end,
    )
    .await;
    assert_eq!(state, end, "the player did not stop at the last year");
    // A step back by keyboard goes one year back.
    c.find(Locator::Css(
        "[data-koers-player='f-jaar'] [data-koers-step='-1']",
    ))
    .await
    .unwrap()
    .send_keys(&Key::Enter.to_string())
    .await
    .unwrap();
    assert!(address_gets(c, "f.jaar=2023").await, "Step back");
}

/// The digital twin: a 3D BAG tile (a GeoPackage made with GDAL) on a dashboard stands in
/// 3D, each building at its own height — read back from the features MapLibre drew.
#[tokio::test]
async fn buildings_from_the_3d_bag_stand_at_their_heights() {
    let app = TestApp::spawn().await;
    let a = crate::dashboards::bag_buildings(&app).await;
    let (_browser, c) = open_dashboard(
        &app,
        json!({"widgets": [
            {"kind": "buildings", "title": "Binnenstad in 3D", "analysisId": a, "wide": true,
             "categoryColumn": "identificatie", "valueColumn": "hoogte", "seriesColumn": "bouwjaar"}]}),
        "?tilt.w1=90",
    )
    .await;
    let c = &c;
    let heights = until(
        c,
        "const m = document.querySelector('#onderdeel-w1 .koers-live-map').koersMap;
         if (!m.loaded()) return null;
         return [...new Set(m.queryRenderedFeatures({layers: ['gegevens']})
           .map(f => Math.round(f.properties.hoogte * 10) / 10))].sort((a, b) => a - b);",
        &json!([12.5, 29.1, 110.2]),
    )
    .await;
    assert_eq!(heights, json!([12.5, 29.1, 110.2]), "the buildings drawn");
    // The legend names the colour's measure, and the 3D controls turn the city by keyboard.
    let side = script(
        c,
        "const w = document.getElementById('onderdeel-w1');
             return [w.querySelector('.koers-live-map__heading').textContent.trim(),
                     !!w.querySelector('#rot-w1'), w.querySelector('.koers-figure').hidden];",
    )
    .await;
    assert_eq!(side, json!(["Legenda: bouwjaar", true, true]));
    c.find(Locator::Id("rot-w1"))
        .await
        .unwrap()
        .send_keys(&Key::Right.to_string())
        .await
        .unwrap();
    assert!(address_gets(c, "rot.w1=").await, "the city did not turn");
    check_axe(c, "dashboard with buildings in 3D").await;
    screenshot(c, "dashboard-buildings-3d").await;
}

/// A map of any result with a geometry draws its areas, lines and points as they are, on the
/// offline base map: no request leaves the machine.
#[tokio::test]
async fn a_map_of_any_geometry_draws_areas_lines_and_points_offline() {
    let app = TestApp::spawn().await;
    app.import(
        &app.org_a,
        "vormen",
        "geojson",
        r#"{"type":"FeatureCollection","features":[
          {"type":"Feature","properties":{"naam":"Park"},"geometry":{"type":"Polygon","coordinates":[[[5.10,52.08],[5.13,52.08],[5.13,52.10],[5.10,52.10],[5.10,52.08]]]}},
          {"type":"Feature","properties":{"naam":"Singel"},"geometry":{"type":"LineString","coordinates":[[5.09,52.11],[5.14,52.115]]}},
          {"type":"Feature","properties":{"naam":"Dom"},"geometry":{"type":"Point","coordinates":[5.1214,52.0907]}}]}"#,
    )
    .await;
    let a = app
        .save_analysis(
            &app.org_a.id,
            "Vormen",
            "SELECT naam, geom FROM vormen",
            &[],
        )
        .await;
    let (_browser, c) = open_dashboard(
        &app,
        json!({"widgets": [
            {"kind": "points", "title": "Vormen", "analysisId": a, "categoryColumn": "naam", "wide": true}]}),
        "",
    )
    .await;
    let c = &c;
    let want = json!([["naam: Park"], ["naam: Singel"], ["naam: Dom"]]);
    let drawn = until(
        c,
        "const m = document.querySelector('#onderdeel-w1 .koers-live-map').koersMap;
         if (!m.loaded()) return null;
         const names = (layer) => [...new Set(m.queryRenderedFeatures({layers: [layer]})
           .map(f => f.properties.lines.split('\\n')[0]))];
         return [names('gegevens-vlak'), names('gegevens-lijn'), names('gegevens')];",
        &want,
    )
    .await;
    assert_eq!(drawn, want, "area, line and point each in their layer");
    let elsewhere = script(
        c,
        "return performance.getEntriesByType('resource').map(e => e.name)
               .filter(n => !n.startsWith(location.origin));",
    )
    .await;
    assert_eq!(elsewhere, json!([]), "a request left the machine");
}

/// An analyst names a result column on a phone, by keyboard; the dashboard's legend reads it.
#[tokio::test]
async fn an_analyst_names_a_result_column_and_the_dashboard_reads_it() {
    let app = TestApp::spawn().await;
    let (id, (p, _, _)) = crate::dashboards::freight_dashboard(&app).await;
    let (_driver, c, _profile) =
        crate::browser::browser_as(&app, "admin@pv26.example", (390, 844)).await;
    c.goto(&app.url(&format!("/analyses/{p}"))).await.unwrap();
    wait_for(&c, Locator::Id("k-column")).await;
    // Choose the column by typing its start, as a keyboard user does in a list.
    crate::browser::keys_at(&c, "#k-column", "tonnen").await;
    crate::browser::keys_at(&c, "#k-title", "Vertrekkend gewicht").await;
    crate::browser::keys_at(&c, "#k-unit", "ton").await;
    crate::browser::enter_and_wait(
        &c,
        "form[action*='/kolommen'] button[type=submit]",
        Locator::XPath("//td[contains(., 'Vertrekkend gewicht (ton)')]"),
    )
    .await;
    // Said where the form is, and the page opens there.
    let said =
        crate::browser::wait_text(&c, Locator::Css("#kolom-beschrijven ~ .utrecht-alert--ok"))
            .await;
    assert_eq!(said, "Opgeslagen wat kolom tonnen betekent.");
    // (Within a pixel: the browser may scroll a fraction past a heading's top.)
    let at_form = script(
        &c,
        "const r = document.getElementById('kolom-beschrijven').getBoundingClientRect(); return r.top > -1 && r.top < window.innerHeight;",
    )
    .await;
    assert_eq!(
        at_form,
        serde_json::json!(true),
        "the page opens at the form"
    );
    crate::browser_tables::page_fits(&c, "an analysis' columns, named").await;
    // The column just named stays chosen, with what it now says.
    let title = c.find(Locator::Id("k-title")).await.unwrap();
    assert_eq!(
        title.prop("value").await.unwrap().as_deref(),
        Some("Vertrekkend gewicht")
    );
    check_axe(&c, "an analysis' columns, named").await;
    script(
        &c,
        "document.getElementById('tabel-kolommen').scrollIntoView();",
    )
    .await;
    screenshot(&c, "analysis-columns-390.png").await;
    c.goto(&app.url(&format!("/dashboards/{id}")))
        .await
        .unwrap();
    wait_for(&c, Locator::Css(".koers-live-map__heading")).await;
    let text = main_text(&c).await;
    assert!(
        text.contains("Legenda: Vertrekkend gewicht (ton)"),
        "{text}"
    );
    // The indicator form offers the column by that name once the analysis is chosen there
    // (the list is filled again for the analysis chosen by keyboard).
    c.goto(&app.url("/informatieproducten")).await.unwrap();
    wait_for(&c, Locator::Id("i-analysis")).await;
    crate::browser::keys_at(&c, "#i-analysis", "Tonnen per p").await;
    let offered = script(
        &c,
        "return [...document.querySelectorAll('#i-value option')].map(o => o.value + '=' + o.text);",
    )
    .await;
    assert!(
        offered
            .to_string()
            .contains("tonnen=Vertrekkend gewicht (ton) — tonnen"),
        "{offered}"
    );
    crate::browser::end_session(c).await;
}
