//! One query, or one organisation's queries, must not take koers down or stall everybody
//! else. (That sign-ins hash passwords off the async workers is a unit test in
//! `koers_app::accounts::passwords`.)

use crate::helpers::TestApp;
use crate::session::Session;
use koers_app::admission::AdmissionConfig;
use koers_web::{AppState, WebConfig};
use std::time::{Duration, Instant};

/// The resident memory of this process (the test and the koers it runs), in bytes.
fn resident_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kib| kib * 1024)
}

/// Queries whose functions would make terabytes are a 422 problem+json naming the memory
/// limit, and koers keeps answering (before, each aborted the process).
#[tokio::test]
async fn hostile_queries_do_not_take_the_server_down() {
    let app = TestApp::spawn().await;
    let c = app.as_admin().await;
    for sql in [
        "SELECT repeat(arrow_cast('x','LargeUtf8'), 1000000000000)",
        "SELECT repeat('x', 2147483647) AS a, repeat('y', 2147483647) AS b",
        "SELECT lpad('', 2147483647)",
        "SELECT array_repeat(1, 1000000000000)",
        "SELECT count(*) FROM unnest(range(1000000000000))",
    ] {
        let r = c.post_query(sql, None).await;
        assert_eq!(r.status(), 422, "{sql}");
        assert_eq!(r.header("content-type"), "application/problem+json");
        let body = r.json();
        let detail = body["detail"].as_str().unwrap();
        assert!(detail.contains("memory limit"), "{sql}: {detail}");
    }
    c.post_query("SELECT 1 AS een", None)
        .await
        .assert_status(200);
    let rss = resident_bytes();
    assert!(rss < 2 << 30, "the process holds {rss} bytes");
}

/// While an organisation's slots are held by slow queries, its next query waits in the queue
/// and then gets 503 with Retry-After, one beyond the queue gets it at once, and another
/// organisation's `SELECT 1` answers at once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_organisation_queues_then_gets_503_and_others_still_answer() {
    let app = TestApp::spawn().await;
    let ws = app
        .ws
        .clone()
        .with_admission(AdmissionConfig {
            max_running: 3,
            max_running_per_org: 1,
            max_queued_per_org: 1,
            max_wait: Duration::from_secs(1),
        })
        .unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(koers_web::serve(
        listener,
        AppState::new(ws, WebConfig::default()),
    ));
    let a = Session::sign_in(&base, "admin@pv26.example").await;
    let b = Session::sign_in(&base, "admin@gm0796.example").await;
    // Runs until the time limit of the tests' engine (3 s).
    let slow = "SELECT count(*) FROM unnest(range(100000)) AS a(x), \
                unnest(range(100000)) AS b(y) WHERE x * y = -1";
    let holding = tokio::spawn({
        let a = a.clone();
        async move { a.post_query(slow, None).await.status() }
    });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let queued = tokio::spawn({
        let a = a.clone();
        async move {
            let start = Instant::now();
            let r = a.post_query(slow, None).await;
            (
                r.status(),
                start.elapsed(),
                r.headers().get("retry-after").cloned(),
            )
        }
    });
    tokio::time::sleep(Duration::from_millis(200)).await;
    // The queue is full: refused at once.
    let r = a.post_query("SELECT 1", None).await.expect(503);
    assert_eq!(r.header("retry-after"), "1");
    assert_eq!(r.header("content-type"), "application/problem+json");
    let body = r.json();
    assert!(body["detail"].as_str().unwrap().contains("druk"), "{body}");
    // Another organisation is not held up.
    let start = Instant::now();
    b.post_query("SELECT 1", None).await.assert_status(200);
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "{:?}",
        start.elapsed()
    );
    // The queued one waited for its slot, then gave up.
    let (status, waited, retry) = queued.await.unwrap();
    assert_eq!(status, 503);
    assert!(waited >= Duration::from_millis(900), "{waited:?}");
    assert_eq!(retry.unwrap(), "1");
    assert_eq!(
        holding.await.unwrap(),
        422,
        "the slow query ends at its time limit"
    );
    // With the slot free again, the organisation's queries run.
    a.post_query("SELECT 1", None).await.assert_status(200);
}
