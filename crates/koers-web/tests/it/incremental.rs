//! Incremental refresh as a data steward and an analyst use it: rows appended to a dataset
//! (an import that says "append", or a new whole file that starts with the old rows) bring a
//! saved analysis up to date from those rows alone — with the answer a full run gives — and
//! everything else runs in full.

use crate::helpers::{TestApp, assert_invalid};
use crate::session::Session;
use serde_json::{Value, json};
use std::collections::BTreeMap;

pub(crate) fn csv_upload(
    name: &str,
    content: String,
    mode: Option<&str>,
) -> reqwest::multipart::Form {
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(content.into_bytes()).file_name(format!("{name}.csv")),
        )
        .text("name", name.to_string());
    match mode {
        Some(m) => form.text("mode", m.to_string()),
        None => form,
    }
}

/// Rows `from..to` of a movements file: a municipality, a month, a count and a distance.
fn rows(from: usize, to: usize) -> String {
    (from..to)
        .map(|i| {
            format!(
                "GM{:04},2025-{:02}-01,{},{}.5\n",
                340 + i % 7,
                1 + i % 12,
                i % 13,
                i % 29
            )
        })
        .collect()
}

const HEADER: &str = "gemeente,maand,aantal,afstand\n";

const SQL: &str = "SELECT gemeente, COUNT(*) AS n, SUM(aantal) AS totaal, MIN(maand) AS eerste, \
    MAX(afstand) AS verst, AVG(aantal) AS gemiddeld FROM bewegingen GROUP BY gemeente ORDER BY gemeente";

/// The newest version of dataset `id`: its rows, and how many of them it appended (null when
/// it appends none).
pub(crate) async fn newest_version(c: &Session, id: &str) -> (Value, Value) {
    let versions = c.get_json(&format!("/api/v1/datasets/{id}/versions")).await;
    let newest = &versions[0];
    (
        newest["rowCount"].clone(),
        newest.get("appendedRows").cloned().unwrap_or(Value::Null),
    )
}

/// A saved analysis' run, and the same SQL as a plain query.
async fn run_and_full(c: &Session, analysis: &str) -> (Value, Value) {
    (
        c.run_analysis(analysis, &json!({})).await,
        c.query(SQL).await,
    )
}

#[tokio::test]
async fn appended_rows_refresh_an_analysis_from_those_rows_alone_with_the_full_answer() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    let first = c
        .upload_job(csv_upload(
            "bewegingen",
            format!("{HEADER}{}", rows(0, 200)),
            None,
        ))
        .await;
    assert_eq!(first["state"], "done", "{first}");
    let id = first["datasetId"].as_str().unwrap().to_string();
    let analysis = app
        .save_analysis(&app.org_a.id, "Per gemeente", SQL, &[])
        .await;
    let (run, full) = run_and_full(&c, &analysis).await;
    assert_eq!(run["incremental"], false);
    assert_eq!(run["rows"], full["rows"]);

    // A month of new rows, appended: only they are read for the next run.
    let appended = c
        .upload_job(csv_upload(
            "bewegingen",
            format!("{HEADER}{}", rows(200, 260)),
            Some("append"),
        ))
        .await;
    assert_eq!(appended["state"], "done", "{appended}");
    let versions = c.get_json(&format!("/api/v1/datasets/{id}/versions")).await;
    assert_eq!(versions[0]["rowCount"], 260);
    assert_eq!(versions[0]["appendedRows"], 60);
    assert!(versions[1].get("appendedRows").is_none());
    let (run, full) = run_and_full(&c, &analysis).await;
    assert_eq!(run["incremental"], true, "{run}");
    assert_eq!(run["rows"], full["rows"]);
    assert_eq!(run["rows"].as_array().unwrap().len(), 7);

    // Nothing changed since: answered from the kept state.
    let (again, _) = run_and_full(&c, &analysis).await;
    assert_eq!(
        (again["incremental"].clone(), again["rows"].clone()),
        (json!(true), run["rows"].clone())
    );

    // The whole file again with more rows at its end: found to append those.
    let whole = c
        .upload_job(csv_upload(
            "bewegingen",
            format!("{HEADER}{}", rows(0, 300)),
            None,
        ))
        .await;
    assert_eq!(whole["state"], "done", "{whole}");
    assert_eq!(newest_version(&c, &id).await, (json!(300), json!(40)));
    let (run, full) = run_and_full(&c, &analysis).await;
    assert_eq!(run["incremental"], true);
    assert_eq!(run["rows"], full["rows"]);

    // A file whose old rows changed is a whole new version: the analysis runs in full.
    let changed = c
        .upload_job(csv_upload(
            "bewegingen",
            format!("{HEADER}{}", rows(1, 320)),
            None,
        ))
        .await;
    assert_eq!(changed["state"], "done");
    assert_eq!(newest_version(&c, &id).await, (json!(319), Value::Null));
    let (run, full) = run_and_full(&c, &analysis).await;
    assert_eq!(run["incremental"], false);
    assert_eq!(run["rows"], full["rows"]);

    // The saved analysis' page says where its answer came from.
    c.upload_job(csv_upload(
        "bewegingen",
        format!("{HEADER}{}", rows(500, 510)),
        Some("append"),
    ))
    .await;
    c.get(&format!("/analyses/{analysis}/uitvoeren"))
        .await
        .assert_shows(200, &["bijgewerkt uit alleen de toegevoegde rijen"]);
}

#[tokio::test]
async fn rows_that_do_not_fit_are_refused_and_change_nothing() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    // Appending to a dataset that does not exist yet.
    let r = c
        .upload_job(csv_upload(
            "nieuw",
            format!("{HEADER}{}", rows(0, 5)),
            Some("append"),
        ))
        .await;
    assert_eq!(r["state"], "failed", "{r}");
    assert!(
        r["error"]
            .as_str()
            .unwrap()
            .contains("nog geen dataset nieuw"),
        "{r}"
    );
    // An unknown mode.
    let p = c
        .post_multipart(
            "/api/v1/datasets",
            csv_upload("x", format!("{HEADER}{}", rows(0, 5)), Some("bijvoegen")),
        )
        .await
        .expect(400)
        .json();
    assert_invalid(&p, &["mode"]);
    // Other columns.
    let first = c
        .upload_job(csv_upload(
            "bewegingen",
            format!("{HEADER}{}", rows(0, 20)),
            None,
        ))
        .await;
    let id = first["datasetId"].as_str().unwrap().to_string();
    let other = c
        .upload_job(csv_upload(
            "bewegingen",
            "gemeente,maand\nGM0344,2025-01-01\n".into(),
            Some("append"),
        ))
        .await;
    assert_eq!(other["state"], "failed", "{other}");
    let why = other["error"].as_str().unwrap();
    assert!(
        why.contains("de kolommen moeten dezelfde zijn") && why.contains("ontbreekt: aantal"),
        "{why}"
    );
    let versions = c.get_json(&format!("/api/v1/datasets/{id}/versions")).await;
    assert_eq!(versions.as_array().unwrap().len(), 1);
    assert_eq!(versions[0]["rowCount"], 20);
    // No version file of the refused import is left behind.
    let dir = app.dataset_folder(&app.org_a, "bewegingen");
    assert_eq!(std::fs::read_dir(dir).unwrap().count(), 1);
}

/// Appends each row of `org`'s dataset `d` once more; the new version's row count.
async fn append_again(
    ws: &koers_app::Workspace,
    org: &koers_store::Organisation,
    d: &koers_store::Dataset,
) -> i64 {
    let v = &ws.store.catalog().dataset_versions(&d.id).await.unwrap()[0];
    let req = koers_app::catalog::ImportRequest {
        source: koers_app::catalog::ImportSource::Path(ws.data_dir().join(&v.file)),
        name: Some(d.name.clone()),
        crs: None,
        format: Some("parquet".into()),
        layer: None,
        meta: None,
        generated: d.generated,
        column_types: Default::default(),
        append: true,
    };
    let (_, nv) = ws
        .import(
            org,
            &koers_store::Actor::cli(),
            req,
            std::sync::Arc::new(koers_engine::NoProgress),
        )
        .await
        .unwrap_or_else(|e| panic!("append to {}: {e}", d.name));
    assert_eq!(nv.row_count, 2 * v.row_count);
    assert_eq!(nv.appended.map(|a| a.rows), Some(v.row_count));
    nv.row_count
}

/// Runs every analysis of `org` as kept (from its state where it can) and in full; asserts
/// the same answers and returns the titles of those brought up to date from appended rows.
async fn same_answers(ws: &koers_app::Workspace, org: &koers_store::Organisation) -> Vec<String> {
    let mut incremental = Vec::new();
    for a in ws.store.catalog().analyses(&org.id).await.unwrap() {
        let (_, kept) = koers_app::analysis::run_saved_in(ws, &org.id, &a.id, &BTreeMap::new())
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", a.title));
        let sql = koers_app::analysis::bound_sql(&a, &BTreeMap::new()).unwrap();
        let full = ws.query(&org.id, sql, 100_000, None).await.unwrap();
        assert!(!full.incremental);
        let (k, f) = (
            koers_app::results::Results::from_output(&kept).unwrap(),
            koers_app::results::Results::from_output(&full).unwrap(),
        );
        assert_eq!(k.columns, f.columns, "{}", a.title);
        // Rows that tie in the ORDER BY come in either order; sums of doubles may differ in
        // their last digits by the order they were added in.
        let (kr, fr) = (serde_json::json!(k.rows), serde_json::json!(f.rows));
        assert!(
            koers_engine::incremental::same_answer(&kr, &fr),
            "{}: {kr} ≠ {fr}",
            a.title
        );
        if kept.incremental {
            incremental.push(a.title.clone());
        }
    }
    incremental
}

/// Every analysis of the demo gives the same answer after rows are appended — to the
/// movements alone, then to every dataset — refreshed from the kept states where it can be
/// and in full where not.
#[test]
fn every_demo_analysis_answers_the_same_after_an_append() {
    koers_demo::on_main_stack(seed_append_and_compare);
}

async fn seed_append_and_compare() {
    let dir = tempfile::tempdir().unwrap();
    let store = koers_store::Store::open_in(dir.path()).await.unwrap();
    let ws = koers_app::Workspace::new(store, koers_app::WorkspaceConfig::in_folder(dir.path()))
        .unwrap();
    let args = koers_demo::movements::MovementArgs {
        movements_rows: 3000,
        movements: None,
    };
    koers_demo::seed(&ws, &args).await.expect("demo");
    let mut analyses = 0;
    for org in ws.store.organisations().organisations().await.unwrap() {
        let count = ws.store.catalog().analyses(&org.id).await.unwrap().len();
        if count == 0 {
            continue;
        }
        analyses += count;
        // Kept states made, and used while nothing changed.
        same_answers(&ws, &org).await;
        let unchanged = same_answers(&ws, &org).await;
        assert!(!unchanged.is_empty() && unchanged.len() <= count);
        let datasets = ws.store.catalog().datasets(&org.id).await.unwrap();
        if let Some(m) = datasets.iter().find(|d| d.name == "movements") {
            append_again(&ws, &org, m).await;
            let grown = same_answers(&ws, &org).await;
            // The monitor's and the dashboard's analyses over the movements grow.
            for title in [
                "Goederenvervoer per week, provincie en modaliteit",
                "Goederenstromen tussen provincies",
                "Modal split in tonkilometers per maand",
                "Tonnen per gemeente",
                "Verandering ten opzichte van vorig jaar per provincie",
            ] {
                assert!(grown.iter().any(|g| g == title), "{title} in {grown:?}");
            }
        }
        for d in &datasets {
            append_again(&ws, &org, d).await;
        }
        same_answers(&ws, &org).await;
    }
    assert!(analyses >= 10, "{analyses} analyses");
}
