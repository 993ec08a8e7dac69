//! The README's example of koers on more than one process (`scripts/cluster --check`):
//! PostgreSQL, a Ballista scheduler with two executors and two web processes on loopback
//! ports, the reference workload through the cluster, and a sign-in and a query across the
//! two web processes. The script stops everything it started, also when a step fails.

use std::path::Path;
use std::process::Command;

#[test]
fn the_cluster_example_runs_the_workload_across_processes() {
    if std::env::var("KOERS_TEST_POSTGRES_URL").is_err() {
        assert!(
            std::env::var("CI").is_err(),
            "CI needs PostgreSQL for the cluster example: run ./scripts/test"
        );
        eprintln!("skipped: KOERS_TEST_POSTGRES_URL is not set (./scripts/test sets it)");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let out = Command::new("bash")
        .arg(root.join("scripts/cluster"))
        .arg("--check")
        .current_dir(&root)
        .env("KOERS", env!("CARGO_BIN_EXE_koers"))
        .env("ROWS", "5000")
        .env_remove("KOERS_DATABASE_URL")
        .env_remove("KOERS_DATA_DIR")
        .output()
        .expect("run scripts/cluster");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "scripts/cluster --check failed:\n{err}"
    );
    assert!(err.contains("all held: 5000 movements"), "{err}");
}
