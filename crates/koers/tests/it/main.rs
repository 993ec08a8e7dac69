//! The command line as a user runs it: the real binary on a temporary data folder.

use std::path::Path;
use std::process::{Command, Output};

#[cfg(feature = "ballista")]
mod ballista;
mod cluster_script;
mod crash;
mod movements;

fn koers(data: &Path, args: &[&str]) -> Output {
    koers_with(data, &[], args)
}

/// `koers` with `env` (object storage settings, say) besides the usual.
fn koers_with(data: &Path, env: &[(&str, &str)], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_koers"))
        .arg("--data-dir")
        .arg(data)
        .args(args)
        .envs(env.iter().copied())
        .env_remove("RUST_BACKTRACE")
        // The demo's generated movements, few enough for a debug build.
        .env("KOERS_DEMO_MOVEMENTS_ROWS", "2000")
        .output()
        .expect("run koers")
}

fn text(o: &Output) -> (String, String) {
    (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    )
}

#[test]
fn demo_catalog_query_and_bad_input() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = koers(d, &["demo"]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(out.contains("beheerder@provincie-utrecht.example"));
    assert!(d.join("demo-accounts.txt").exists());
    // A second demo into the same folder is refused, nothing changes.
    let o = koers(d, &["demo"]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("bevat al een werkruimte"));

    let (out, _) = text(&koers(d, &["dataset", "list"]));
    for t in [
        "gemeenten",
        "provincies",
        "wegvakken",
        "zwemlocaties",
        "soorten",
    ] {
        assert!(out.contains(t), "{t} in {out}");
    }
    assert_eq!(
        query_csv(d, "SELECT statnaam FROM provincies WHERE statcode = 'PV26'"),
        "statnaam\nUtrecht\n"
    );

    // Hostile SQL: a readable error, exit code 1.
    let o = koers(d, &["query", "DROP TABLE gemeenten"]);
    assert_eq!(o.status.code(), Some(1));
    let (_, err) = text(&o);
    assert!(
        err.starts_with("fout: ") && err.contains("niet toegestaan"),
        "{err}"
    );
    assert!(!err.contains("backtrace"));

    // A ragged CSV: refused with its line, nothing registered.
    let bad = d.join("kapot.csv");
    std::fs::write(&bad, "a,b\n1,2\n3\n").unwrap();
    let o = koers(d, &["dataset", "import", bad.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("regel 3"), "{}", text(&o).1);
    assert!(!text(&koers(d, &["dataset", "list"])).0.contains("kapot"));
    // A good one becomes a dataset.
    let good = d.join("inwoners.csv");
    std::fs::write(&good, "gm,inwoners\nGM0344,367984\n").unwrap();
    assert!(import_as(d, &good, "inwoners").contains("inwoners versie 1"));
    // Rows appended to it: a new version of both, saying what it appends.
    let append = |csv: &str| {
        let more = d.join("meer.csv");
        std::fs::write(&more, csv).unwrap();
        let args = ["dataset", "import", "--append", "--name", "inwoners"];
        koers(d, &[&args[..], &[more.to_str().unwrap()]].concat())
    };
    let o = append("gm,inwoners\nGM0345,68000\n");
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert!(
        out.contains("inwoners versie 2") && out.contains("2 rijen"),
        "{out}"
    );
    assert!(
        out.contains("waarvan 1 rijen toegevoegd aan versie 1"),
        "{out}"
    );
    // Rows with other columns are refused, and the dataset stays as it was.
    let o = append("gm,naam\nGM0345,Veenendaal\n");
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o).1.contains("de kolommen moeten dezelfde zijn"),
        "{}",
        text(&o).1
    );
    assert_eq!(query_csv(d, "SELECT COUNT(*) AS n FROM inwoners"), "n\n2\n");
    let o = koers(d, &["dataset", "import", "file:///etc/passwd"]);
    assert_eq!(o.status.code(), Some(1));
    let o = koers(d, &["query", "--org", "GM9999", "SELECT 1"]);
    assert!(text(&o).1.contains("geen organisatie met CBS-code GM9999"));
}

#[test]
fn audit_verify_finds_a_row_changed_behind_koers_back() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    assert!(koers(d, &["demo"]).status.success());
    let o = koers(d, &["audit", "verify"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("keten intact"));
    // Someone edits the database directly: moves the board's choice to the official level.
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", d.join("koers.db").display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        let n = sqlx::query(
            "UPDATE choices SET level = 'official' WHERE id = (SELECT MIN(id) FROM choices)",
        )
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(n.rows_affected(), 1);
        pool.close().await;
    });
    let o = koers(d, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1));
    let (out, err) = text(&o);
    assert!(out.contains("probleem"), "{out}");
    assert!(err.contains("aangetast"), "{err}");
}

#[test]
fn help_explains_every_command() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["dataset", "import", "--help"],
        vec!["query", "--help"],
        vec!["bench", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["user", "add", "--help"],
        vec!["storage", "migrate", "--help"],
    ] {
        let o = koers(dir.path(), &args);
        assert!(o.status.success(), "{args:?}");
        assert!(!text(&o).0.is_empty());
    }
}

#[test]
fn a_malformed_or_unreachable_storage_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (url, says) in [
        ("ftp://host/x", "schema \"ftp\" wordt niet ondersteund"),
        ("s3://", "geen bucket"),
        ("bucket-zonder-schema", "verwacht s3://bucket"),
    ] {
        let o = koers(d, &["--storage", url, "dataset", "list"]);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{url}");
        assert!(
            err.contains("ongeldige opslag") && err.contains(says),
            "{url}: {err}"
        );
        // Through the environment and for the migration too.
        let o = Command::new(env!("CARGO_BIN_EXE_koers"))
            .arg("--data-dir")
            .arg(d)
            .args(["storage", "migrate"])
            .env("KOERS_STORAGE", url)
            .output()
            .unwrap();
        assert!(!o.status.success());
        assert!(text(&o).1.contains("ongeldige opslag"), "{url}");
    }
    // Nothing listens on port 9: refused at start-up, within seconds.
    let o = Command::new(env!("CARGO_BIN_EXE_koers"))
        .arg("--data-dir")
        .arg(d)
        .args(["--storage", "s3://koers", "dataset", "list"])
        .env("KOERS_S3_ENDPOINT", "http://127.0.0.1:9")
        .env("KOERS_S3_ALLOW_HTTP", "true")
        .env("KOERS_S3_REGION", "us-east-1")
        .env("KOERS_S3_ACCESS_KEY_ID", "k")
        .env("KOERS_S3_SECRET_ACCESS_KEY", "s")
        .output()
        .unwrap();
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(
        err.contains("objectopslag s3://koers is niet bereikbaar"),
        "{err}"
    );
    // Without a target, migrate says what to give.
    let o = koers(d, &["storage", "migrate"]);
    assert!(text(&o).1.contains("--to s3://"), "{:?}", text(&o));
}

/// A GeoPackage with two point layers in RD New: `bomen` (two trees) and `banken` (one bench).
fn geopackage(path: &Path) {
    let c = rusqlite::Connection::open(path).unwrap();
    c.execute_batch(
        "CREATE TABLE gpkg_spatial_ref_sys (srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY,
           organization TEXT NOT NULL, organization_coordsys_id INTEGER NOT NULL,
           definition TEXT NOT NULL, description TEXT);
         INSERT INTO gpkg_spatial_ref_sys VALUES
           ('Amersfoort / RD New', 28992, 'EPSG', 28992, 'PROJCS[\"Amersfoort / RD New\"]', NULL);
         CREATE TABLE gpkg_contents (table_name TEXT PRIMARY KEY, data_type TEXT NOT NULL,
           identifier TEXT, description TEXT, last_change DATETIME, min_x DOUBLE, min_y DOUBLE,
           max_x DOUBLE, max_y DOUBLE, srs_id INTEGER);
         CREATE TABLE gpkg_geometry_columns (table_name TEXT, column_name TEXT,
           geometry_type_name TEXT, srs_id INTEGER, z TINYINT, m TINYINT);",
    )
    .unwrap();
    for (layer, rows) in [
        (
            "bomen",
            vec![("Eik", 155000.0, 463000.0), ("Linde", 155010.0, 463020.0)],
        ),
        ("banken", vec![("Bank", 155005.0, 463005.0)]),
    ] {
        c.execute_batch(&format!(
            "CREATE TABLE {layer} (fid INTEGER PRIMARY KEY, geom POINT, soort TEXT);
             INSERT INTO gpkg_contents (table_name, data_type, srs_id) VALUES ('{layer}', 'features', 28992);
             INSERT INTO gpkg_geometry_columns VALUES ('{layer}', 'geom', 'POINT', 28992, 0, 0);"
        ))
        .unwrap();
        for (soort, x, y) in rows {
            let mut blob = b"GP\x00\x01".to_vec();
            blob.extend_from_slice(&28992i32.to_le_bytes());
            blob.push(1);
            blob.extend_from_slice(&1u32.to_le_bytes());
            blob.extend_from_slice(&f64::to_le_bytes(x));
            blob.extend_from_slice(&f64::to_le_bytes(y));
            c.execute(
                &format!("INSERT INTO {layer} (geom, soort) VALUES (?1, ?2)"),
                rusqlite::params![blob, soort],
            )
            .unwrap();
        }
    }
}

#[test]
fn import_a_geopackage_layer() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let o = koers(
        d,
        &[
            "org", "add", "--name", "Utrecht", "--kind", "province", "--cbs", "PV26",
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    let gpkg = d.join("groen.gpkg");
    geopackage(&gpkg);
    let src = gpkg.to_str().unwrap();
    // Two layers and none chosen: refused with the layers named.
    let o = koers(d, &["dataset", "import", src]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(
        err.contains("banken, bomen") && err.contains("--layer"),
        "{err}"
    );
    let o = koers(d, &["dataset", "import", src, "--layer", "bomen"]);
    assert!(o.status.success(), "{:?}", text(&o));
    let out = text(&o).0;
    assert!(
        out.contains("groen versie 1") && out.contains("2 rijen") && out.contains("EPSG:28992"),
        "{out}"
    );
    let o = koers(
        d,
        &[
            "query",
            "--format",
            "csv",
            "SELECT soort, ST_X(geom) AS x FROM groen ORDER BY soort",
        ],
    );
    assert_eq!(
        text(&o).0,
        "soort,x\nEik,155000.0\nLinde,155010.0\n",
        "{:?}",
        text(&o)
    );
    // The help names the formats and the option.
    let help = text(&koers(d, &["dataset", "import", "--help"])).0;
    assert!(help.contains("gpkg") && help.contains("--layer"), "{help}");
}

/// Sends one HTTP/1.1 request to `addr`; returns the status code and the whole response.
fn http(addr: &str, request: &str) -> (u16, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    s.write_all(request.as_bytes()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out
        .split(' ')
        .nth(1)
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    (status, out)
}

/// Stops the server when the test ends, passed or not.
/// `koers serve` on a free port of the data folder `data`, stopped when dropped.
struct Server(std::process::Child, String);

impl Server {
    fn start(data: &Path) -> Server {
        Server::start_with(data, &[])
    }

    /// `koers serve` with the global options `options` (such as `--database`).
    fn start_with(data: &Path, options: &[&str]) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let addr = format!("127.0.0.1:{port}");
        let server = Server(
            Command::new(env!("CARGO_BIN_EXE_koers"))
                .arg("--data-dir")
                .arg(data)
                .args(options)
                .args(["serve", "--bind", &addr])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .expect("start koers serve"),
            addr,
        );
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed().as_secs() < 30,
                "koers serve did not start"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        server
    }
}

impl Server {
    /// Signs the demo administrator of `data` in; returns the session cookie and CSRF token.
    fn sign_in(&self, data: &Path) -> (String, String) {
        let accounts = std::fs::read_to_string(data.join("demo-accounts.txt")).unwrap();
        let password = accounts
            .lines()
            .find(|l| l.starts_with("beheerder@"))
            .and_then(|l| l.split('\t').nth(1))
            .unwrap();
        let body = serde_json::json!({"email": "beheerder@provincie-utrecht.example", "password": password}).to_string();
        let (status, out) = self.send("POST", "/api/v1/sessions", "", &body);
        assert_eq!(status, 201, "{out}");
        let cookie = out
            .lines()
            .find_map(|l| l.strip_prefix("set-cookie: koers_session="))
            .and_then(|v| v.split(';').next())
            .expect("session cookie")
            .to_string();
        let json: serde_json::Value = serde_json::from_str(body_of(&out)).unwrap();
        (cookie, json["csrfToken"].as_str().unwrap().to_string())
    }

    /// One request with a JSON body (and a session cookie and CSRF token, `cookie;csrf`).
    fn send(&self, method: &str, path: &str, session: &str, body: &str) -> (u16, String) {
        let addr = &self.1;
        let mut extra = String::new();
        if let Some((cookie, csrf)) = session.split_once(';') {
            extra = format!("Cookie: koers_session={cookie}\r\nX-CSRF-Token: {csrf}\r\n");
        }
        http(
            addr,
            &format!(
                "{method} {path} HTTP/1.1\r\nHost: {addr}\r\n{extra}Content-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            ),
        )
    }
}

/// The body of a whole HTTP/1.1 response (not chunked).
fn body_of(response: &str) -> &str {
    response.split_once("\r\n\r\n").map_or("", |(_, b)| b)
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_commands_and_the_server_run_on_postgres() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let Some(db) = rt.block_on(koers_store::testing::TestDatabase::create()) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let on = |args: &[&str]| {
        let mut all = vec!["--database", db.url.as_str()];
        all.extend_from_slice(args);
        koers(d, &all)
    };
    let o = on(&["demo"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(!d.join("koers.db").exists(), "the store is in PostgreSQL");
    assert!(!on(&["demo"]).status.success());
    let o = on(&[
        "query",
        "--format",
        "csv",
        "SELECT statnaam FROM provincies WHERE statcode = 'PV26'",
    ]);
    assert_eq!(text(&o).0, "statnaam\nUtrecht\n");
    let csv = d.join("inwoners.csv");
    std::fs::write(&csv, "gm,inwoners\nGM0344,367984\n").unwrap();
    for version in ["versie 1", "versie 2"] {
        let o = on(&["dataset", "import", csv.to_str().unwrap()]);
        assert!(text(&o).0.contains(version), "{:?}", text(&o));
    }
    let o = on(&["audit", "verify"]);
    assert!(text(&o).0.contains("keten intact"), "{:?}", text(&o));

    // koers serve on the same database: the demo administrator signs in over HTTP.
    let server = Server::start_with(d, &["--database", &db.url]);
    let (cookie, csrf) = server.sign_in(d);
    let (status, out) = server.send("GET", "/api/v1/datasets", &format!("{cookie};{csrf}"), "");
    assert_eq!(status, 200, "{out}");
    assert!(
        out.contains("\"inwoners\"") && out.contains("\"gemeenten\""),
        "{out}"
    );
}

/// `koers dataset import FILE --name NAME` in `data`, which must succeed; what it printed.
fn import_as(data: &Path, file: &Path, name: &str) -> String {
    let o = koers(
        data,
        &["dataset", "import", file.to_str().unwrap(), "--name", name],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    text(&o).0
}

fn query_csv(data: &Path, sql: &str) -> String {
    let o = koers(data, &["query", "--format", "csv", sql]);
    assert!(o.status.success(), "{:?}", text(&o));
    text(&o).0
}

#[test]
fn backup_while_serving_and_restore() {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    assert!(koers(&live, &["demo"]).status.success());
    let server = Server::start(&live);
    // Evidence for a meeting: the demo's logistics monitor, frozen; its bytes hash to its hash.
    let (cookie, csrf) = server.sign_in(&live);
    let session = format!("{cookie};{csrf}");
    let (status, out) = server.send("GET", "/api/v1/monitors", &session, "");
    assert_eq!(status, 200, "{out}");
    let monitors: serde_json::Value = serde_json::from_str(body_of(&out)).unwrap();
    let monitor = monitors[0]["id"].as_str().unwrap();
    let (status, out) = server.send(
        "POST",
        &format!("/api/v1/monitors/{monitor}/snapshots"),
        &session,
        r#"{"note":"GS 12 maart"}"#,
    );
    assert_eq!(status, 201, "{out}");
    let snap: serde_json::Value = serde_json::from_str(body_of(&out)).unwrap();
    assert_eq!(snap["intact"], true, "{snap}");
    let snapshot_content = |server: &Server, session: &str| {
        let (status, out) = server.send(
            "GET",
            &format!("/api/v1/snapshots/{}/content", snap["id"].as_str().unwrap()),
            session,
            "",
        );
        assert_eq!(status, 200, "{out}");
        body_of(&out).to_string()
    };
    let frozen = snapshot_content(&server, &session);
    use sha2::Digest;
    assert_eq!(
        format!(
            "sha256:{}",
            hex::encode(sha2::Sha256::digest(frozen.as_bytes()))
        ),
        snap["contentHash"].as_str().unwrap()
    );
    let backup = dir.path().join("backup");
    let o = koers(&live, &["backup", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("Reservekopie gemaakt"),
        "{:?}",
        text(&o)
    );
    drop(server);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(backup.join("manifest.json")).unwrap()).unwrap();
    let files = manifest["files"].as_array().unwrap();
    assert!(files.iter().any(|f| f["path"] == "koers.db"));
    assert!(
        files
            .iter()
            .any(|f| f["path"].as_str().unwrap().ends_with(".parquet")),
        "{manifest}"
    );
    assert!(
        files
            .iter()
            .all(|f| f["sha256"].as_str().unwrap().len() == 64)
    );
    // A second backup into the same folder is refused.
    let o = koers(&live, &["backup", backup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("niet leeg"), "{:?}", text(&o));

    let restored = dir.path().join("restored");
    let o = koers(&restored, &["restore", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));
    for sql in [
        "SELECT statcode, statnaam FROM provincies ORDER BY statcode",
        "SELECT COUNT(*) AS n FROM gemeenten",
    ] {
        assert_eq!(query_csv(&live, sql), query_csv(&restored, sql), "{sql}");
    }
    // The records (datasets, data questions) and the audit chain came along.
    assert_eq!(
        text(&koers(&live, &["dataset", "list"])).0,
        text(&koers(&restored, &["dataset", "list"])).0
    );
    let o = koers(&restored, &["audit", "verify"]);
    assert!(o.status.success(), "{:?}", text(&o));
    assert!(text(&o).0.contains("keten intact"));
    assert!(
        text(&o).0.contains("1 momentopname(n), alle ongewijzigd"),
        "{:?}",
        text(&o)
    );
    // Served from the restored folder, the snapshot's bytes are the same ones, still intact.
    {
        let server = Server::start(&restored);
        let (cookie, csrf) = server.sign_in(&restored);
        let session = format!("{cookie};{csrf}");
        assert_eq!(snapshot_content(&server, &session), frozen);
        let (_, out) = server.send(
            "GET",
            &format!("/api/v1/snapshots/{}", snap["id"].as_str().unwrap()),
            &session,
            "",
        );
        assert!(out.contains("\"intact\":true"), "{out}");
    }
    let count = |data: &Path| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        rt.block_on(async {
            sqlx::any::install_default_drivers();
            let url = format!("sqlite://{}", data.join("koers.db").display());
            let pool = sqlx::AnyPool::connect(&url).await.unwrap();
            let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM data_questions")
                .fetch_one(&pool)
                .await
                .unwrap();
            pool.close().await;
            n
        })
    };
    assert!(count(&restored) > 0);
    assert_eq!(count(&live), count(&restored));

    // Changed behind koers' back (the trigger that forbids it dropped first), the snapshot
    // no longer verifies: `audit verify` names it and fails.
    tokio::runtime::Runtime::new().unwrap().block_on(async {
        sqlx::any::install_default_drivers();
        let url = format!("sqlite://{}", restored.join("koers.db").display());
        let pool = sqlx::AnyPool::connect(&url).await.unwrap();
        for sql in [
            "DROP TRIGGER evidence_snapshots_no_update",
            "UPDATE evidence_snapshots SET content = REPLACE(content, 'beheerder@', 'iemand@')",
        ] {
            sqlx::query(sql).execute(&pool).await.unwrap();
        }
        pool.close().await;
    });
    let o = koers(&restored, &["audit", "verify"]);
    assert_eq!(o.status.code(), Some(1), "{:?}", text(&o));
    assert!(
        text(&o).0.contains("1 van 1 momentopname(n) gewijzigd"),
        "{:?}",
        text(&o)
    );

    // Into a folder that is not empty: refused, unless forced.
    let o = koers(&restored, &["restore", backup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("--force"), "{:?}", text(&o));
    let o = koers(&restored, &["restore", "--force", backup.to_str().unwrap()]);
    assert!(o.status.success(), "{:?}", text(&o));

    // A damaged backup restores nothing.
    let parquet = files
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .find(|p| p.ends_with(".parquet"))
        .unwrap();
    std::fs::write(backup.join(parquet), b"kapot").unwrap();
    let empty = dir.path().join("empty");
    let o = koers(&empty, &["restore", backup.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o).1;
    assert!(err.contains("beschadigd") && err.contains(parquet), "{err}");
    assert!(!empty.join("koers.db").exists());
    // A manifest that points outside the backup is refused.
    let evil = dir.path().join("evil");
    std::fs::create_dir(&evil).unwrap();
    std::fs::write(
        evil.join("manifest.json"),
        r#"{"format":"koers-backup/1","koersVersion":"0","createdAt":"x","files":[{"path":"koers.db","bytes":0,"sha256":"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},{"path":"../../etc/passwd","bytes":0,"sha256":"x"}]}"#,
    )
    .unwrap();
    std::fs::write(evil.join("koers.db"), b"").unwrap();
    let o = koers(&empty, &["restore", evil.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("ongeldig pad"), "{:?}", text(&o));
    // Not a backup at all.
    let o = koers(&empty, &["restore", dir.path().to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(1));
    assert!(text(&o).1.contains("manifest.json"), "{:?}", text(&o));
}
