//! Crash safety: `koers serve` on the demo workspace is killed with SIGKILL at a random moment
//! while it imports datasets, refreshes an indicator and a dashboard and writes register
//! decisions, then started again — round after round. After every kill:
//!
//! - the store passes its integrity check and `koers audit verify` (the hash chain) passes;
//! - every recorded dataset version is a finished Parquet file in the data folder (not a
//!   temporary file) that opens and holds the recorded number of rows, and every dataset has
//!   a version (nothing half-written is visible);
//! - after the restart, every write the client saw acknowledged (HTTP 2xx, an import job
//!   reported done) is there, as acknowledged.
//!
//! `KOERS_CRASH_ROUNDS` sets the number of rounds (5 here by default; `scripts/crash-test`
//! runs 50).

use datafusion::parquet::file::reader::{FileReader, SerializedFileReader};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const ADMIN: &str = "beheerder@provincie-utrecht.example";
/// Advises on the administrator's proposals (four eyes: no one advises their own).
const ADVISER: &str = "analist@provincie-utrecht.example";

/// The writes koers acknowledged, to be found again after a crash.
#[derive(Default)]
struct Acked {
    /// Application id → its name.
    applications: BTreeMap<String, String>,
    /// (application id, choice id) → the status it was acknowledged in.
    choices: BTreeMap<(String, String), String>,
    /// (dataset id, version) → its row count.
    versions: BTreeMap<(String, i64), i64>,
    refreshes: usize,
}

#[test]
fn killed_koers_loses_nothing_acknowledged_and_shows_nothing_half_written() {
    let rounds: usize = std::env::var("KOERS_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(5);
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = super::koers(d, &["demo"]);
    assert!(o.status.success(), "{:?}", super::text(&o));
    let accounts = std::fs::read_to_string(d.join("demo-accounts.txt")).unwrap();
    let password_of = |who: &str| {
        accounts
            .lines()
            .find_map(|l| l.strip_prefix(&format!("{who}\t")).map(str::to_string))
            .and_then(|rest| rest.split('\t').next().map(str::to_string))
            .expect("a demo account's password")
    };
    let (password, adviser_password) = (password_of(ADMIN), password_of(ADVISER));
    let rt = tokio::runtime::Runtime::new().unwrap();
    let acked = Arc::new(Mutex::new(Acked::default()));
    let csv = d.join("crash.csv");
    let mut text = String::from("gm,naam,inwoners\n");
    for i in 0..5_000 {
        text.push_str(&format!("GM{i:04},Gemeente {i},{}\n", i * 37));
    }
    std::fs::write(&csv, text).unwrap();
    for round in 0..=rounds {
        let log = d.join(format!("serve-{round}.log"));
        let (mut child, base) = start(d, &log);
        let c = rt.block_on(sign_in(&base, (ADMIN, &password), &log));
        let adviser = rt.block_on(sign_in(&base, (ADVISER, &adviser_password), &log));
        rt.block_on(check_acknowledged(&c, &base, &acked.lock().unwrap()));
        if round == rounds {
            child.kill().unwrap();
            child.wait().unwrap();
            break;
        }
        let kill_after = Duration::from_millis(150 + rand::random::<u64>() % 2500);
        rt.block_on(async {
            tokio::select! {
                _ = workload((&c, &adviser), &base, &csv, round, acked.clone()) => {},
                _ = tokio::time::sleep(kill_after) => {},
            }
        });
        // SIGKILL: no shutdown, no flushing, no cleanup.
        child.kill().unwrap();
        child.wait().unwrap();
        check_at_rest(d, &rt);
        let a = acked.lock().unwrap();
        eprintln!(
            "round {}/{rounds}: killed after {} ms; acknowledged so far: {} applications, {} choices, {} versions, {} refreshes",
            round + 1,
            kill_after.as_millis(),
            a.applications.len(),
            a.choices.len(),
            a.versions.len(),
            a.refreshes
        );
    }
    let a = acked.lock().unwrap();
    assert!(
        !a.applications.is_empty() && !a.choices.is_empty(),
        "the rounds acknowledged no decision writes; nothing was tested"
    );
}

/// Starts `koers serve` on the data folder and a free port; waits until it is ready.
fn start(d: &Path, log: &Path) -> (Child, String) {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let log_file = std::fs::File::create(log).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_koers"))
        .arg("--data-dir")
        .arg(d)
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("KOERS_LOG", "warn,koers_web=info")
        .stdout(Stdio::null())
        .stderr(log_file)
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return (child, base);
        }
        if let Ok(Some(status)) = child.try_wait() {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            panic!("koers did not start after a crash ({status}): {log}");
        }
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "koers did not start"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A client signed in as a demo account (cookie kept; CSRF token sent as header).
async fn sign_in(base: &str, (email, password): (&str, &str), log: &Path) -> Client {
    let http = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let r = http
        .post(format!("{base}/api/v1/sessions"))
        .json(&json!({ "email": email, "password": password }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "sign-in after a restart");
    let body: Value = r.json().await.unwrap();
    Client {
        http,
        csrf: body["csrfToken"].as_str().unwrap().to_string(),
        log: log.to_path_buf(),
    }
}

struct Client {
    http: reqwest::Client,
    csrf: String,
    /// koers' log, shown when an answer is wrong.
    log: PathBuf,
}

impl Client {
    async fn get(&self, url: String) -> (u16, Value) {
        let r = self.http.get(url).send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// A changing request: the answer's body, which must have status `want`; None when koers
    /// did not answer (it was killed).
    async fn send(
        &self,
        method: reqwest::Method,
        url: String,
        body: Value,
        want: u16,
    ) -> Option<Value> {
        let r = self
            .http
            .request(method, url.as_str())
            .header("x-csrf-token", &self.csrf)
            .json(&body)
            .send()
            .await
            .ok()?;
        let status = r.status().as_u16();
        let body: Value = r.json().await.ok()?;
        assert_eq!(status, want, "{url}: {body}\n{}", self.log());
        Some(body)
    }

    fn log(&self) -> String {
        format!(
            "koers' log:\n{}",
            std::fs::read_to_string(&self.log).unwrap_or_default()
        )
    }
}

/// Writes until koers is killed: decisions in the register, dataset imports, refreshes.
async fn workload(
    (c, adviser): (&Client, &Client),
    base: &str,
    csv: &Path,
    round: usize,
    acked: Arc<Mutex<Acked>>,
) {
    tokio::join!(
        decisions((c, adviser), base, round, acked.clone()),
        imports(c, base, csv, acked.clone()),
        refreshes(c, base, acked),
    );
}

async fn decisions(
    (c, adviser): (&Client, &Client),
    base: &str,
    round: usize,
    acked: Arc<Mutex<Acked>>,
) {
    use reqwest::Method;
    for i in 0.. {
        let name = format!("Crashproef {round}.{i}");
        let app = json!({
            "name": name, "kind": "monitor", "purpose": "Blijft bewaard na een crash.",
            "department": "Informatievoorziening", "lifecyclePhase": "monitoring-en-beheer",
            "hosting": "saas", "status": "in_use"
        });
        let Some(a) = c
            .send(
                Method::POST,
                format!("{base}/api/v1/applications"),
                app,
                201,
            )
            .await
        else {
            return;
        };
        let app_id = a["id"].as_str().unwrap().to_string();
        acked
            .lock()
            .unwrap()
            .applications
            .insert(app_id.clone(), name);
        let choice = json!({
            "title": "Hosting", "choiceType": "hosting", "context": "Waar draait het?",
            "options": [{"title": "Eigen rekencentrum"}, {"title": "Publieke cloud"}],
            "chosenOption": "Eigen rekencentrum", "rationale": "eigen beheer"
        });
        let url = format!("{base}/api/v1/applications/{app_id}/choices");
        let Some(ch) = c.send(Method::POST, url, choice, 201).await else {
            return;
        };
        let choice_id = ch["id"].as_str().unwrap().to_string();
        let key = (app_id.clone(), choice_id.clone());
        acked
            .lock()
            .unwrap()
            .choices
            .insert(key.clone(), ch["status"].as_str().unwrap().to_string());
        let url = format!("{base}/api/v1/applications/{app_id}/choices/{choice_id}/transitions");
        let Some(ch) = adviser
            .send(
                Method::POST,
                url,
                json!({"to": "advised", "advice": "Doen.", "adviser": "CIO"}),
                200,
            )
            .await
        else {
            return;
        };
        assert_eq!(ch["status"], "advised");
        acked
            .lock()
            .unwrap()
            .choices
            .insert(key, "advised".to_string());
    }
}

/// Imports a CSV as new versions of one dataset.
async fn imports(c: &Client, base: &str, csv: &Path, acked: Arc<Mutex<Acked>>) {
    let bytes = std::fs::read(csv).unwrap();
    loop {
        let form = reqwest::multipart::Form::new()
            .text("name", "crashproef")
            .part(
                "file",
                reqwest::multipart::Part::bytes(bytes.clone()).file_name("crashproef.csv"),
            );
        let Ok(r) = c
            .http
            .post(format!("{base}/api/v1/datasets"))
            .header("x-csrf-token", &c.csrf)
            .multipart(form)
            .send()
            .await
        else {
            return;
        };
        assert_eq!(r.status(), 202);
        let Ok(job) = r.json::<Value>().await else {
            return;
        };
        let job_url = format!("{base}/api/v1/jobs/{}", job["id"].as_str().unwrap());
        let dataset = loop {
            let Ok(r) = c.http.get(&job_url).send().await else {
                return;
            };
            let Ok(j) = r.json::<Value>().await else {
                return;
            };
            match j["state"].as_str() {
                Some("done") => break j["datasetId"].as_str().unwrap().to_string(),
                Some("running") => tokio::time::sleep(Duration::from_millis(20)).await,
                _ => panic!("import failed: {j}\n{}", c.log()),
            }
        };
        let Ok(r) = c
            .http
            .get(format!("{base}/api/v1/datasets/{dataset}/versions"))
            .send()
            .await
        else {
            return;
        };
        let Ok(versions) = r.json::<Value>().await else {
            return;
        };
        let newest = &versions[0];
        acked.lock().unwrap().versions.insert(
            (dataset, newest["version"].as_i64().unwrap()),
            newest["rowCount"].as_i64().unwrap(),
        );
    }
}

async fn refreshes(c: &Client, base: &str, acked: Arc<Mutex<Acked>>) {
    use reqwest::Method;
    let (_, indicators) = c.get(format!("{base}/api/v1/indicators")).await;
    let (_, dashboards) = c.get(format!("{base}/api/v1/dashboards")).await;
    let indicator = indicators[0]["id"].as_str().expect("a demo indicator");
    let dashboard = dashboards[0]["id"].as_str().expect("a demo dashboard");
    loop {
        for url in [
            format!("{base}/api/v1/indicators/{indicator}/refresh"),
            format!("{base}/api/v1/dashboards/{dashboard}/refresh"),
        ] {
            if c.send(Method::POST, url, json!({}), 200).await.is_none() {
                return;
            }
            acked.lock().unwrap().refreshes += 1;
        }
    }
}

/// After a restart: every acknowledged write is there, as acknowledged.
async fn check_acknowledged(c: &Client, base: &str, acked: &Acked) {
    for (id, name) in &acked.applications {
        let (status, a) = c.get(format!("{base}/api/v1/applications/{id}")).await;
        assert_eq!(status, 200, "acknowledged application {name} lost");
        assert_eq!(&a["name"], name);
    }
    for ((app, choice), want) in &acked.choices {
        let (status, ch) = c
            .get(format!("{base}/api/v1/applications/{app}/choices/{choice}"))
            .await;
        assert_eq!(status, 200, "acknowledged choice {choice} lost");
        // The acknowledged status, or the next one when koers was killed after committing
        // the transition but before answering.
        let order = ["proposed", "advised"];
        let at = |s: &str| order.iter().position(|o| *o == s);
        let found = ch["status"].as_str().unwrap_or_default();
        assert!(
            at(found).is_some() && at(found) >= at(want),
            "choice {choice}: acknowledged {want}, found {found}"
        );
    }
    let mut by_dataset: BTreeMap<&str, Vec<(i64, i64)>> = BTreeMap::new();
    for ((dataset, version), rows) in &acked.versions {
        by_dataset
            .entry(dataset)
            .or_default()
            .push((*version, *rows));
    }
    for (dataset, want) in by_dataset {
        let (status, versions) = c
            .get(format!("{base}/api/v1/datasets/{dataset}/versions"))
            .await;
        assert_eq!(status, 200, "acknowledged dataset {dataset} lost");
        for (version, rows) in want {
            let found = versions
                .as_array()
                .unwrap()
                .iter()
                .find(|v| v["version"] == version)
                .unwrap_or_else(|| panic!("acknowledged version {version} of {dataset} lost"));
            assert_eq!(found["rowCount"], rows);
        }
    }
    let (status, _) = c.get(format!("{base}/api/v1/dashboards")).await;
    assert_eq!(status, 200);
}

/// With koers down: the store is sound, the audit chain verifies, every recorded dataset
/// version is a finished Parquet file with its row count.
fn check_at_rest(d: &Path, rt: &tokio::runtime::Runtime) {
    rt.block_on(async {
        let store = koers_store::Store::open_in(d).await.unwrap();
        store.integrity_check().await.expect("integrity check");
        for org in store.organisations().organisations().await.unwrap() {
            for ds in store.catalog().datasets(&org.id).await.unwrap() {
                let versions = store.catalog().dataset_versions(&ds.id).await.unwrap();
                assert!(
                    !versions.is_empty(),
                    "dataset {} without a version",
                    ds.name
                );
                for v in versions {
                    let file = PathBuf::from(&v.file);
                    assert!(
                        file.extension().is_some_and(|e| e == "parquet")
                            && !file.starts_with("tmp"),
                        "version {} of {} is not a finished file: {}",
                        v.version,
                        ds.name,
                        v.file
                    );
                    let f = std::fs::File::open(d.join(&file))
                        .unwrap_or_else(|e| panic!("{}: {e}", v.file));
                    let reader = SerializedFileReader::new(f)
                        .unwrap_or_else(|e| panic!("{} does not open: {e}", v.file));
                    assert_eq!(
                        reader.metadata().file_metadata().num_rows(),
                        v.row_count,
                        "{}",
                        v.file
                    );
                }
            }
        }
    });
    let o = super::koers(d, &["audit", "verify"]);
    assert!(
        o.status.success(),
        "audit verify after a crash: {:?}",
        super::text(&o)
    );
}
