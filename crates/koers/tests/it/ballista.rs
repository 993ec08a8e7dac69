//! Distributed queries: a Ballista scheduler and two executors as `koers ballista` processes
//! on this machine, the reference queries through them and through the embedded engine.

use super::{import_as, koers, koers_with, text};
use koers_engine::{Engine, EngineConfig, EngineError, EngineMode, TableRef};
use serde_json::Value;
use std::collections::BTreeMap;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A free loopback port (free when asked; the cluster binds it right after).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The cluster's processes, killed when the test ends, also when it fails.
struct Cluster {
    children: Vec<(String, Child)>,
    logs: PathBuf,
    port: u16,
    env: Vec<(String, String)>,
}

impl Cluster {
    fn start(dir: &Path) -> Cluster {
        Cluster::start_with(dir, &[])
    }

    /// A cluster whose processes have `env` (object storage settings) besides the usual.
    fn start_with(dir: &Path, env: &[(&str, &str)]) -> Cluster {
        let logs = dir.join("logs");
        std::fs::create_dir_all(&logs).unwrap();
        let port = free_port();
        let mut cluster = Cluster {
            children: Vec::new(),
            logs,
            port,
            env: env
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
        };
        let scheduler = format!("127.0.0.1:{port}");
        cluster.spawn(
            "scheduler",
            &["ballista", "scheduler", "--bind", &scheduler],
        );
        cluster.wait_for(port);
        for i in 1..=2 {
            let bind = format!("127.0.0.1:{}", free_port());
            let work = dir.join(format!("executor-{i}"));
            let work = work.to_str().unwrap();
            cluster.spawn(
                &format!("executor-{i}"),
                &[
                    "ballista",
                    "executor",
                    "--scheduler",
                    &scheduler,
                    "--bind",
                    &bind,
                    "--work-dir",
                    work,
                    "--concurrency",
                    "2",
                ],
            );
            let flight: u16 = bind.rsplit_once(':').unwrap().1.parse().unwrap();
            cluster.wait_for(flight);
        }
        cluster
    }

    fn spawn(&mut self, name: &str, args: &[&str]) {
        let log = std::fs::File::create(self.logs.join(format!("{name}.log"))).unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_koers"))
            .args(args)
            .envs(self.env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("KOERS_LOG", "info")
            .stdout(log.try_clone().unwrap())
            .stderr(log)
            .stdin(Stdio::null())
            .spawn()
            .expect("start koers ballista");
        self.children.push((name.to_string(), child));
    }

    /// Wait until the last started process listens on `port`.
    fn wait_for(&mut self, port: u16) {
        let start = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            let (name, child) = self.children.last_mut().unwrap();
            let name = name.clone();
            if let Some(status) = child.try_wait().unwrap() {
                panic!("{name} stopped ({status}):\n{}", self.log(&name));
            }
            assert!(
                start.elapsed() < Duration::from_secs(60),
                "{name} does not listen on {port}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.logs.join(format!("{name}.log"))).unwrap_or_default()
    }

    fn url(&self) -> String {
        format!("ballista://127.0.0.1:{}", self.port)
    }
}

impl Drop for Cluster {
    fn drop(&mut self) {
        for (_, child) in &mut self.children {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `koers bench --runs 1` over the folder `data` with the repository's queries.
fn run_bench(ws: &Path, data: &Path, extra: &[&str]) -> Output {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let queries = root.join("bench/queries");
    let geo = root.join("data/nl");
    let mut args = vec![
        "bench",
        "--data",
        data.to_str().unwrap(),
        "--queries",
        queries.to_str().unwrap(),
        "--geo",
        geo.to_str().unwrap(),
        "--runs",
        "1",
    ];
    args.extend_from_slice(extra);
    koers(ws, &args)
}

/// [`run_bench`]: per query, (rows, digest).
fn bench(ws: &Path, data: &Path, extra: &[&str]) -> BTreeMap<String, (u64, Value)> {
    let o = run_bench(ws, data, extra);
    let (out, err) = text(&o);
    assert!(o.status.success(), "bench {extra:?}: {out}{err}");
    answers(&out)
}

/// The answers in a bench's output: per query, (rows, digest) — of the first run, where a
/// cluster's run is followed by the embedded one.
fn answers(out: &str) -> BTreeMap<String, (u64, Value)> {
    let mut answers = BTreeMap::new();
    for v in out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("digest").is_some() || v.get("error").is_some())
    {
        assert!(v.get("error").is_none(), "{v}");
        answers
            .entry(v["query"].as_str().unwrap().to_string())
            .or_insert((v["rows"].as_u64().unwrap(), v["digest"].clone()));
    }
    answers
}

/// The organisation of the workspace `ws`.
fn add_province(ws: &Path, env: &[(&str, &str)]) {
    let args = [
        "org",
        "add",
        "--name",
        "Provincie Utrecht",
        "--kind",
        "province",
        "--cbs",
        "PV26",
    ];
    let o = koers_with(ws, env, &args);
    assert!(o.status.success(), "{:?}", text(&o));
}

#[test]
fn ballista_cluster_answers_as_the_embedded_engine() {
    let dir = tempfile::tempdir().unwrap();
    let ws = dir.path().join("ws");
    let data = dir.path().join("bench");

    // The reference queries in this process, over freshly generated movements.
    let embedded = bench(&ws, &data, &["--generate", "5000"]);
    for q in ["q1", "q2", "q3", "q4", "q5", "s1"] {
        assert!(
            embedded.keys().any(|k| k.starts_with(q)),
            "{q} in {embedded:?}"
        );
    }

    // A malformed --engine is a usage error, before anything runs.
    for bad in [
        "ballista://127.0.0.1",
        "ballista://:50050",
        "spark://h:1",
        "x",
    ] {
        let o = koers(&ws, &["query", "--engine", bad, "SELECT 1"]);
        let (_, err) = text(&o);
        assert_eq!(o.status.code(), Some(2), "{bad}: {err}");
        assert!(err.contains("--engine"), "{bad}: {err}");
    }

    // A workspace with the movements, for `koers query`.
    add_province(&ws, &[]);
    let movements = data.join("movements.parquet");
    import_as(&ws, &movements, "movements");

    // Nobody listens: a clear error, quickly, and hostile SQL is refused before any
    // connection is tried.
    let dead = format!("ballista://127.0.0.1:{}", free_port());
    let start = Instant::now();
    let o = koers(
        &ws,
        &["query", "--engine", &dead, "SELECT COUNT(*) FROM movements"],
    );
    let (_, err) = text(&o);
    assert!(!o.status.success());
    assert!(err.contains("cannot be reached"), "{err}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
    let o = run_bench(&ws, &data, &["--engine", &dead]);
    assert!(!o.status.success());
    assert!(text(&o).1.contains("cannot be reached"), "{:?}", text(&o));
    for hostile in [
        "DROP TABLE movements",
        "SELECT * FROM read_parquet('/etc/passwd')",
        "COPY movements TO '/tmp/x.parquet'",
    ] {
        let o = koers(&ws, &["query", "--engine", &dead, hostile]);
        let (_, err) = text(&o);
        assert!(!o.status.success(), "{hostile}");
        assert!(err.contains("niet toegestaan"), "{hostile}: {err}");
        assert!(!err.contains("cannot be reached"), "{hostile}: {err}");
    }

    // The cluster: a scheduler and two executors.
    let cluster = Cluster::start(dir.path());
    let url = cluster.url();
    let o = run_bench(&ws, &data, &["--engine", &url]);
    let (out, err) = text(&o);
    assert!(o.status.success(), "{out}{err}");
    assert_eq!(embedded, answers(&out));
    let scheduler = cluster.log("scheduler");
    assert!(
        scheduler.contains("Job finished successfully"),
        "{scheduler}"
    );
    // s1 on the cluster joins through koers' R-tree, not a nested loop.
    assert!(scheduler.contains("SpatialJoinExec"), "{scheduler}");
    // The bench puts the embedded engine beside the cluster, query by query.
    let beside: Vec<Value> = out
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v.get("cluster_median_s").is_some())
        .collect();
    assert_eq!(beside.len(), embedded.len(), "{out}");
    for v in &beside {
        assert_eq!(v["same_answer"], true, "{v}");
        assert!(v["ratio"].as_f64().is_some_and(|r| r > 0.0), "{v}");
    }

    // `koers query` through the workspace's engine gives the same rows.
    let sql = "SELECT mode, COUNT(*) AS n, SUM(tonnes) AS tonnes FROM movements GROUP BY mode ORDER BY mode";
    let here = koers(&ws, &["query", "--format", "csv", sql]);
    let there = koers(&ws, &["query", "--format", "csv", "--engine", &url, sql]);
    assert!(there.status.success(), "{:?}", text(&there));
    assert_eq!(text(&here).0, text(&there).0);
    assert!(text(&there).0.lines().count() > 2, "{:?}", text(&there));
    let o = koers(&ws, &["query", "--engine", &url, "DROP TABLE movements"]);
    assert!(text(&o).1.contains("niet toegestaan"), "{:?}", text(&o));

    // The time limit holds on the cluster, and the job is cancelled there.
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let engine = Engine::new(EngineConfig {
        time_limit: Duration::from_secs(2),
        mode: url.parse::<EngineMode>().unwrap(),
        ..EngineConfig::default()
    });
    let tables = [TableRef::new("movements", &movements)];
    // An inequality join with costly work per pair: well beyond the time limit (without the
    // arithmetic it finished in 1.95 s on a quiet machine), its memory small (COUNT only).
    let slow = "SELECT COUNT(*) FROM movements a JOIN movements b ON a.tonnes < b.tonnes AND a.distance_km < b.distance_km AND sqrt(a.tonnes * b.distance_km) + ln(b.tonnes + 1) * cos(a.distance_km) > sin(b.tonnes) * atan(a.tonnes) - exp(-b.distance_km)";
    let start = Instant::now();
    let r = runtime.block_on(engine.query(slow, &tables));
    assert!(matches!(r, Err(EngineError::Timeout(_))), "{r:?}");
    assert!(
        start.elapsed() < Duration::from_secs(10),
        "{:?}",
        start.elapsed()
    );
    let start = Instant::now();
    while !cluster
        .log("scheduler")
        .contains("Received cancellation request")
    {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no cancellation: {}",
            cluster.log("scheduler")
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    drop(runtime);
    drop(cluster);
}

/// A moto S3 server (`moto[server]` in the test Python) on a free loopback port, stopped when
/// dropped, with one bucket.
struct Moto {
    child: Child,
    port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Moto {
    fn start(bucket: &str) -> Moto {
        let python = std::env::var("KOERS_PYTHON")
            .map(PathBuf::from)
            .unwrap_or_else(|_| {
                PathBuf::from(std::env::var("HOME").unwrap_or_default())
                    .join(".cache/koers-py/venv/bin/python")
            });
        let port = free_port();
        let child = Command::new(python)
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("moto: run ./scripts/test once (it installs moto[server] in the venv)");
        let moto = Moto { child, port };
        let start = Instant::now();
        // moto takes an unsigned request to make a bucket.
        loop {
            if let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) {
                use std::io::{Read, Write};
                write!(
                    s,
                    "PUT /{bucket} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                )
                .unwrap();
                let mut answer = String::new();
                let _ = s.read_to_string(&mut answer);
                assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
                return moto;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "moto does not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

#[test]
fn the_cluster_reads_versions_kept_on_object_storage() {
    const SECRET: &str = "s3cr3t-never-in-a-plan-or-log";
    let dir = tempfile::tempdir().unwrap();
    let moto = Moto::start("koers-cluster");
    let endpoint = format!("http://127.0.0.1:{}", moto.port);
    let env = [
        ("KOERS_STORAGE", "s3://koers-cluster/versies"),
        ("KOERS_S3_ENDPOINT", endpoint.as_str()),
        ("KOERS_S3_ALLOW_HTTP", "true"),
        ("KOERS_S3_REGION", "eu-west-1"),
        ("KOERS_S3_ACCESS_KEY_ID", "koers-test"),
        ("KOERS_S3_SECRET_ACCESS_KEY", SECRET),
    ];
    let ws = dir.path().join("ws");
    let data = dir.path().join("bench");
    bench(&ws, &data, &["--generate", "3000"]);
    add_province(&ws, &env);
    let movements = data.join("movements.parquet");
    let o = koers_with(
        &ws,
        &env,
        &[
            "dataset",
            "import",
            "--name",
            "movements",
            movements.to_str().unwrap(),
        ],
    );
    assert!(o.status.success(), "{:?}", text(&o));
    // The version is an object in the bucket, not a file in the data folder.
    assert!(
        !ws.join("datasets").exists()
            || std::fs::read_dir(ws.join("datasets")).unwrap().count() == 0
    );

    let cluster = Cluster::start_with(dir.path(), &env);
    let sql = "SELECT mode, COUNT(*) AS n, ROUND(SUM(tonnes), 3) AS tonnes FROM movements GROUP BY mode ORDER BY mode";
    let here = koers_with(&ws, &env, &["query", "--format", "csv", sql]);
    assert!(here.status.success(), "{:?}", text(&here));
    let url = cluster.url();
    let there = koers_with(
        &ws,
        &env,
        &["query", "--format", "csv", "--engine", &url, sql],
    );
    assert!(there.status.success(), "{:?}", text(&there));
    assert_eq!(text(&here).0, text(&there).0);
    assert!(text(&there).0.lines().count() > 2, "{:?}", text(&there));
    for name in ["scheduler", "executor-1", "executor-2"] {
        let log = cluster.log(name);
        assert!(!log.contains(SECRET), "{name} logged the secret");
        assert!(
            log.contains("s3://koers-cluster") || name != "scheduler" || log.contains("Job"),
            "{log}"
        );
    }
    assert!(!text(&there).0.contains(SECRET) && !text(&there).1.contains(SECRET));

    // A cluster that was not told about the storage cannot read it, and says so.
    drop(cluster);
    let blind = Cluster::start(dir.path());
    let o = koers_with(&ws, &env, &["query", "--engine", &blind.url(), sql]);
    assert!(!o.status.success());
    let (_, err) = text(&o);
    assert!(
        err.contains("fout: de query mislukte") && err.contains("s3://koers-cluster"),
        "{err}"
    );
    assert!(!err.contains(SECRET), "{err}");
}
