//! Dataset versions on S3-compatible object storage, against a real S3 server: moto
//! (`moto[server]` from PyPI, Apache-2.0), started by each test on a random loopback port.

use crate::catalog::{GEOJSON, dataset_files};
use crate::helpers::{ImportOptions, TestApp, plain_get_json, plain_get_text};
use crate::incremental::{csv_upload, newest_version};
use koers_app::storage::{ObjectStorage, S3Options};
use koers_core::catalog::AccessRights;
use koers_store::{Actor, Organisation};
use serde_json::{Value, json};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

const CSV: &str = "code,aantal\nGM0344,10\nGM0345,20\n";

/// A moto S3 server on a free loopback port, stopped when dropped.
struct Moto {
    child: Child,
    url: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    /// Starts moto; `auth` makes it check every request's credentials (none are valid).
    async fn start(auth: bool) -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let mut cmd = Command::new(crate::ogc::python());
        cmd.args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if auth {
            cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", "0");
        }
        let child = cmd
            .spawn()
            .expect("moto: run ./scripts/test once (it installs moto[server] in the venv)");
        let moto = Moto {
            child,
            url: format!("http://127.0.0.1:{port}"),
        };
        for _ in 0..300 {
            if reqwest::get(format!("{}/moto-api/", moto.url))
                .await
                .is_ok()
            {
                return moto;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("moto did not start on {}", moto.url);
    }

    /// Creates a bucket (moto takes unsigned requests).
    async fn bucket(&self, name: &str) {
        let r = reqwest::Client::new()
            .put(format!("{}/{name}", self.url))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success(), "create bucket: {}", r.status());
    }

    /// The keys in a bucket, and the multipart uploads still open in it.
    async fn contents(&self, bucket: &str) -> (Vec<String>, usize) {
        let list = plain_get_text(format!("{}/{bucket}?list-type=2", self.url)).await;
        let keys = list
            .split("<Key>")
            .skip(1)
            .filter_map(|s| s.split("</Key>").next())
            .map(str::to_string)
            .collect();
        let uploads = plain_get_text(format!("{}/{bucket}?uploads", self.url)).await;
        (keys, uploads.matches("<Upload>").count())
    }

    /// Storage in `bucket` under `prefix`, reached at `endpoint` (moto, or a proxy to it).
    fn storage(endpoint: &str, bucket: &str, prefix: &str) -> ObjectStorage {
        ObjectStorage::s3(
            &format!("s3://{bucket}/{prefix}"),
            &S3Options {
                endpoint: Some(endpoint.to_string()),
                region: Some("us-east-1".into()),
                access_key_id: Some("koers-test".into()),
                secret_access_key: Some("koers-test-secret".into()),
                allow_http: true,
                virtual_hosted: false,
            },
        )
        .expect("storage")
    }
}

/// Moves the local dataset files of `app` to `target`, as the command line does.
async fn migrate(
    app: &TestApp,
    target: &ObjectStorage,
) -> koers_app::Result<koers_app::storage::MigrationReport> {
    koers_app::storage::migrate(
        &app.store,
        app.ws.data_dir(),
        target,
        &Actor::cli(),
        &koers_engine::NoProgress,
    )
    .await
}

/// Imports `body` (a file called `file_name`) as `name` of `org` through the workspace.
async fn import(
    app: &TestApp,
    org: &Organisation,
    file_name: &str,
    body: &str,
    name: &str,
) -> Result<(koers_store::Dataset, koers_store::DatasetVersion), koers_app::Error> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(file_name);
    std::fs::write(&path, body).unwrap();
    app.import_path(org, path, name, ImportOptions::default())
        .await
}

/// Asserts that importing a CSV file into `app` fails with the upload to `target`, and
/// leaves no dataset and no local file.
async fn assert_upload_fails(app: &TestApp, target: &str) {
    let e = import(app, &app.org_a, "t.csv", CSV, "tellingen")
        .await
        .unwrap_err()
        .to_string();
    assert!(e.contains(&format!("upload naar {target} mislukt")), "{e}");
    assert!(app.datasets_of(&app.org_a.id).await.is_empty());
    assert_eq!(dataset_files(app), 0);
}

/// Runs SQL through the API; `format` gives a file instead of JSON.
#[tokio::test]
async fn versions_on_s3_are_imported_queried_exported_and_served() {
    let moto = Moto::start(false).await;
    moto.bucket("koers").await;
    let storage = Moto::storage(&moto.url, "koers", "pv");
    storage.check().await.expect("the bucket answers");
    let app = TestApp::spawn_with_storage(storage).await;
    let c = app.as_admin().await;

    // GeoJSON through the API upload (a job), CSV through the workspace.
    let form = reqwest::multipart::Form::new()
        .part(
            "file",
            reqwest::multipart::Part::bytes(GEOJSON.as_bytes().to_vec())
                .file_name("gemeenten.geojson"),
        )
        .text("name", "gemeenten");
    let state = c.upload_job(form).await;
    assert_eq!(state["state"], "done", "{state}");
    let (_, tel) = import(&app, &app.org_a, "tellingen.csv", CSV, "tellingen")
        .await
        .expect("csv import");
    assert!(
        tel.file.starts_with("s3://koers/pv/datasets/"),
        "{}",
        tel.file
    );
    // Both versions are objects in the bucket; nothing stays in the data folder.
    let (keys, open) = moto.contents("koers").await;
    assert_eq!(keys.len(), 2, "{keys:?}");
    assert!(keys.iter().all(|k| k.starts_with("pv/datasets/")));
    assert_eq!(open, 0, "no multipart upload left open");
    assert_eq!(dataset_files(&app), 0, "no local version or temporary file");

    // A query joining both, with a spatial function, read straight from the bucket.
    let sql = "SELECT g.statnaam, t.aantal, ST_Contains(g.geom, ST_Point(5.1, 52.1, 4326)) AS binnen \
               FROM gemeenten g JOIN tellingen t ON t.code = g.statcode ORDER BY t.aantal";
    let res = c.post_query(sql, None).await.expect(200).json();
    assert_eq!(
        res["rows"],
        json!([["Utrecht", 10, true], ["Veenendaal", 20, false]])
    );
    // Exports.
    let r = c
        .post_query(
            "SELECT code, aantal FROM tellingen ORDER BY code",
            Some("csv"),
        )
        .await;
    r.assert_status(200);
    assert_eq!(r.text(), "code,aantal\nGM0344,10\nGM0345,20\n");
    let r = c
        .post_query("SELECT * FROM gemeenten", Some("parquet"))
        .await;
    r.assert_status(200);
    let bytes = r.bytes();
    assert!(bytes.starts_with(b"PAR1") && bytes.len() > 100);
    // The preview on the dataset page.
    let ds = app.datasets_of(&app.org_a.id).await;
    let gem = ds.iter().find(|d| d.name == "gemeenten").unwrap();
    let pc = app.page_as("admin@pv26.example").await;
    let html = pc.page(&format!("/bronnen/{}", gem.id)).await;
    assert!(html.contains("Veenendaal"), "the preview rows");

    // A second version; the first stays readable as name@1.
    let one = "{\"type\":\"FeatureCollection\",\"features\":[{\"type\":\"Feature\",\"properties\":{\"statcode\":\"GM0344\",\"statnaam\":\"Utrecht\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[5.1,52.1]}}]}";
    let (_, v2) = import(&app, &app.org_a, "g.geojson", one, "gemeenten")
        .await
        .expect("second version");
    assert_eq!(v2.version, 2);
    let r = c.post_query("SELECT (SELECT COUNT(*) FROM gemeenten) AS nu, (SELECT COUNT(*) FROM \"gemeenten@1\") AS eerst",
        None,
    )
    .await;
    let res: Value = r.json();
    assert_eq!(res["rows"], json!([[1, 2]]), "{res}");

    // Published, its items come from the bucket through the OGC API.
    app.set_access(&app.org_a.id, "gemeenten", AccessRights::Public)
        .await;
    let items: Value = plain_get_json(app.url("/ogc/collections/pv26_gemeenten/items")).await;
    assert_eq!(items["numberReturned"], 1, "{items}");
    assert_eq!(items["features"][0]["properties"]["statnaam"], "Utrecht");

    // Readiness reports the object storage.
    let ready: Value = plain_get_json(app.url("/health/ready")).await;
    assert_eq!(
        ready,
        json!({"status": "ok", "checks": {"store": "ok", "objectStorage": "ok"}})
    );
    // With the server gone, readiness says so (and the store is still fine).
    drop(moto);
    let r = reqwest::get(app.url("/health/ready")).await.unwrap();
    assert_eq!(r.status(), 503);
    let ready: Value = r.json().await.unwrap();
    assert_eq!(ready["checks"]["objectStorage"], "unavailable");
    assert_eq!(ready["checks"]["store"], "ok");
}

/// A data steward appends rows to a dataset whose versions are kept on object storage, as
/// they would in the data folder: the new version and its appended rows are objects in the
/// bucket, and a saved analysis is brought up to date from those rows alone, with the answer
/// a full run gives. A whole file that starts with the old rows is found to append too (the
/// old version read back from the bucket); no copy stays behind in the data folder.
#[tokio::test]
async fn rows_appended_to_a_version_on_s3_refresh_an_analysis_from_them() {
    let moto = Moto::start(false).await;
    moto.bucket("koers").await;
    let app = TestApp::spawn_with_storage(Moto::storage(&moto.url, "koers", "pv")).await;
    let c = app.as_admin().await;
    let rows = |from: usize, to: usize| -> String {
        let body: String = (from..to)
            .map(|i| format!("GM{:04},{}\n", 340 + i % 7, i % 13))
            .collect();
        format!("gemeente,aantal\n{body}")
    };
    let sql = "SELECT gemeente, COUNT(*) AS n, SUM(aantal) AS totaal, MAX(aantal) AS hoogst \
               FROM tellingen GROUP BY gemeente ORDER BY gemeente";
    let first = c
        .upload_job(csv_upload("tellingen", rows(0, 100), None))
        .await;
    assert_eq!(first["state"], "done", "{first}");
    let id = first["datasetId"].as_str().unwrap().to_string();
    let analysis = app
        .save_analysis(&app.org_a.id, "Per gemeente", sql, &[])
        .await;
    let run = c.run_analysis(&analysis, &json!({})).await;
    assert_eq!(run["incremental"], false);

    let appended = c
        .upload_job(csv_upload("tellingen", rows(100, 130), Some("append")))
        .await;
    assert_eq!(appended["state"], "done", "{appended}");
    assert_eq!(newest_version(&c, &id).await, (json!(130), json!(30)));
    let (keys, open) = moto.contents("koers").await;
    assert_eq!(
        keys.len(),
        3,
        "two versions and the appended rows: {keys:?}"
    );
    assert_eq!(
        keys.iter()
            .filter(|k| k.ends_with(".added.parquet"))
            .count(),
        1,
        "{keys:?}"
    );
    assert_eq!(open, 0, "no multipart upload left open");
    let run = c.run_analysis(&analysis, &json!({})).await;
    assert_eq!(run["incremental"], true, "{run}");
    assert_eq!(run["rows"], c.query(sql).await["rows"]);

    let whole = c
        .upload_job(csv_upload("tellingen", rows(0, 150), None))
        .await;
    assert_eq!(whole["state"], "done", "{whole}");
    assert_eq!(newest_version(&c, &id).await, (json!(150), json!(20)));
    let run = c.run_analysis(&analysis, &json!({})).await;
    assert_eq!(run["incremental"], true, "{run}");
    assert_eq!(run["rows"], c.query(sql).await["rows"]);
    assert_eq!(
        dataset_files(&app),
        0,
        "no local version, copy or temporary file"
    );

    // The latest version's object gone from the bucket (behind koers' back): appending to it
    // fails as the storage's failures do (the details go to the operator's log), and records
    // and leaves nothing.
    let s = Moto::storage(&moto.url, "koers", "pv");
    let latest = app.store.catalog().dataset_versions(&id).await.unwrap();
    s.delete(&s.key_of(&latest[0].file).unwrap()).await.unwrap();
    let failed = c
        .upload_job(csv_upload("tellingen", rows(150, 160), Some("append")))
        .await;
    assert_eq!(failed["state"], "failed", "{failed}");
    assert!(
        failed["error"].as_str().unwrap().contains("aan onze kant"),
        "{failed}"
    );
    let after = app.store.catalog().dataset_versions(&id).await.unwrap();
    assert_eq!(after.len(), latest.len());
    assert_eq!(
        moto.contents("koers").await.0.len(),
        4,
        "the versions left, nothing added"
    );
    assert_eq!(dataset_files(&app), 0);
}

/// A TCP proxy to `target` that, once `cut` is set, drops every connection that sends an
/// upload part (a request with `partNumber=`), as a store that goes down mid-upload.
async fn proxy(target: String, cut: Arc<AtomicBool>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let target = target.clone();
            let cut = cut.clone();
            tokio::spawn(async move {
                let Ok(mut outbound) = tokio::net::TcpStream::connect(&target).await else {
                    return;
                };
                let (mut ri, mut wi) = inbound.split();
                let (mut ro, mut wo) = outbound.split();
                let up = async {
                    let mut buf = vec![0u8; 1 << 16];
                    loop {
                        let n = ri.read(&mut buf).await?;
                        if n == 0 {
                            return Ok::<_, std::io::Error>(());
                        }
                        let chunk = &buf[..n];
                        if cut.load(Ordering::SeqCst)
                            && chunk.windows(11).any(|w| w == b"partNumber=")
                        {
                            return Err(std::io::Error::other("cut"));
                        }
                        wo.write_all(chunk).await?;
                    }
                };
                let down = tokio::io::copy(&mut ro, &mut wi);
                tokio::select! {
                    _ = up => {}
                    _ = down => {}
                }
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_failing_store_records_nothing_and_leaves_nothing() {
    let moto = Moto::start(false).await;
    moto.bucket("koers").await;

    // A bucket that does not exist: refused at start-up, and an import records nothing.
    let missing = Moto::storage(&moto.url, "bestaat-niet", "");
    let e = missing.check().await.unwrap_err().to_string();
    assert!(
        e.contains("s3://bestaat-niet") && e.contains("niet bereikbaar"),
        "{e}"
    );
    let app = TestApp::spawn_with_storage(missing).await;
    assert_upload_fails(&app, "s3://bestaat-niet").await;

    // The store goes down while the parts are sent: the upload is aborted, nothing is
    // recorded, no object and no open upload remain, and the local file is gone.
    let cut = Arc::new(AtomicBool::new(true));
    let via = proxy(
        moto.url.trim_start_matches("http://").to_string(),
        cut.clone(),
    )
    .await;
    let app = TestApp::spawn_with_storage(Moto::storage(&via, "koers", "pv")).await;
    assert_upload_fails(&app, "s3://koers/pv").await;
    assert_eq!(moto.contents("koers").await, (Vec::new(), 0));
    // Back up, the same import succeeds.
    cut.store(false, Ordering::SeqCst);
    import(&app, &app.org_a, "t.csv", CSV, "tellingen")
        .await
        .expect("import once the store is back");
    assert_eq!(moto.contents("koers").await.0.len(), 1);

    // Credentials the server does not accept: refused at start-up.
    let strict = Moto::start(true).await;
    let e = Moto::storage(&strict.url, "koers", "")
        .check()
        .await
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("niet bereikbaar") && e.contains("InvalidAccessKeyId"),
        "{e}"
    );
}

#[tokio::test]
async fn local_versions_migrate_to_s3_and_stay_queryable() {
    let moto = Moto::start(false).await;
    moto.bucket("koers").await;
    let app = TestApp::spawn().await;
    let (_, v1) = import(&app, &app.org_a, "t.csv", CSV, "tellingen")
        .await
        .unwrap();
    let (_, v2) = import(&app, &app.org_a, "g.geojson", GEOJSON, "gemeenten")
        .await
        .unwrap();
    assert!(!v1.on_object_storage());
    assert!(app.ws.data_dir().join(&v1.file).exists());
    let target = Moto::storage(&moto.url, "koers", "archief");
    let report = migrate(&app, &target).await.expect("migrate");
    assert_eq!((report.moved, report.skipped), (2, 0));
    assert_eq!(report.bytes, (v1.byte_size + v2.byte_size) as u64);
    assert_eq!(dataset_files(&app), 0, "the local files are removed");
    let moved = app.store.catalog().all_dataset_versions().await.unwrap();
    assert!(
        moved
            .iter()
            .all(|v| v.file.starts_with("s3://koers/archief/datasets/"))
    );
    assert_eq!(moto.contents("koers").await.0.len(), 2);
    // Again: nothing to do.
    let again = migrate(&app, &target).await.unwrap();
    assert_eq!((again.moved, again.skipped), (0, 2));
    // A koers without the storage cannot append to a moved version, and says why.
    let dir = tempfile::tempdir().unwrap();
    let more = dir.path().join("meer.csv");
    std::fs::write(&more, "code,aantal\nGM0346,5\n").unwrap();
    let append = ImportOptions {
        append: true,
        ..Default::default()
    };
    let e = app
        .import_path(&app.org_a, more.clone(), "tellingen", append)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, koers_app::Error::Invalid(_))
            && e.to_string().contains("geen objectopslag ingesteld"),
        "{e}"
    );
    assert_eq!(
        app.store
            .catalog()
            .all_dataset_versions()
            .await
            .unwrap()
            .len(),
        2
    );
    // A koers with that storage queries the moved versions.
    let ws = koers_app::Workspace::new(
        app.store.clone(),
        koers_app::WorkspaceConfig {
            storage: Some(target),
            ..koers_app::WorkspaceConfig::in_folder(app.ws.data_dir())
        },
    )
    .unwrap();
    let out = ws
        .query(
            &app.org_a.id,
            "SELECT SUM(aantal) AS n, (SELECT COUNT(*) FROM gemeenten WHERE ST_Area(geom) > 0) AS g FROM tellingen",
            10,
            None,
        )
        .await
        .expect("query moved versions");
    let res = koers_app::results::Results::from_output(&out).unwrap();
    assert_eq!(res.rows, vec![vec![json!(30), json!(2)]]);
    // With it, rows are appended to the moved version (read back from the bucket).
    let req = koers_app::catalog::ImportRequest {
        source: koers_app::catalog::ImportSource::Path(more),
        name: Some("tellingen".into()),
        crs: None,
        format: None,
        layer: None,
        meta: None,
        generated: false,
        column_types: Default::default(),
        append: true,
    };
    let (_, v3) = ws
        .import(
            &app.org_a,
            &Actor::cli(),
            req,
            Arc::new(koers_engine::NoProgress),
        )
        .await
        .expect("append to a moved version");
    assert_eq!((v3.row_count, v3.appended.map(|a| a.rows)), (3, Some(1)));
}
