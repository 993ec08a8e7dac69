//! The engine: isolation, sandbox, limits.

use std::time::{Duration, Instant};

use koers_engine::{CancelToken, Engine, EngineConfig, EngineError, TableRef};

use crate::helpers::{Work, engine, table};

fn numbers(w: &Work, rows: usize) -> TableRef {
    let mut csv = String::from("n,label\n");
    for i in 0..rows {
        csv.push_str(&format!("{i},r{i}\n"));
    }
    let src = w.write("n.csv", csv.as_bytes());
    table("numbers", &w.import(&src, "numbers@1.parquet"))
}

#[tokio::test]
async fn queries_only_the_given_tables() {
    let w = Work::new();
    let t = numbers(&w, 10);
    let out = engine()
        .query("SELECT sum(n) AS s FROM numbers", std::slice::from_ref(&t))
        .await
        .expect("runs");
    assert_eq!(out.row_count(), 1);
    assert!(!out.truncated);
    let r = engine().query("SELECT * FROM numbers", &[]).await;
    match r {
        Err(EngineError::Query(m)) => assert!(m.contains("onbekende tabel"), "{m}"),
        other => panic!("{other:?}"),
    }
    // Versioned names are quoted in SQL.
    let v = TableRef {
        name: "numbers@1".into(),
        ..t.clone()
    };
    let out = engine()
        .query("SELECT count(*) FROM \"numbers@1\"", &[v])
        .await
        .expect("runs");
    assert_eq!(out.row_count(), 1);
}

#[tokio::test]
async fn hostile_sql_is_refused() {
    let w = Work::new();
    let t = numbers(&w, 3);
    for sql in [
        "DROP TABLE numbers",
        "SELECT 1; DROP TABLE numbers",
        "COPY numbers TO '/tmp/x.csv'",
        "CREATE EXTERNAL TABLE p STORED AS CSV LOCATION '/etc/passwd'",
        "INSERT INTO numbers VALUES (1, 'x')",
        "SET datafusion.execution.batch_size = 1",
        "SELECT * FROM read_csv('/etc/passwd')",
    ] {
        let r = engine().query(sql, std::slice::from_ref(&t)).await;
        assert!(
            matches!(
                r,
                Err(EngineError::Forbidden(_)) | Err(EngineError::Syntax(_))
            ),
            "{sql}: {r:?}"
        );
    }
    let r = engine()
        .query("SELECT * FROM '/etc/passwd'", std::slice::from_ref(&t))
        .await;
    assert!(matches!(r, Err(EngineError::Query(_))), "{r:?}");
}

#[tokio::test]
async fn row_limit_truncates() {
    let w = Work::new();
    let t = numbers(&w, 100);
    let out = engine()
        .query_with("SELECT * FROM numbers", &[t], 10, None)
        .await
        .expect("runs");
    assert_eq!(out.row_count(), 10);
    assert!(out.truncated);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endless_cross_join_is_stopped_by_the_time_limit() {
    let w = Work::new();
    let t = numbers(&w, 3000);
    let engine = Engine::new(EngineConfig {
        time_limit: Duration::from_secs(2),
        target_partitions: 2,
        ..EngineConfig::default()
    });
    let start = Instant::now();
    let r = engine
        .query(
            "SELECT count(*) FROM numbers a, numbers b, numbers c WHERE a.n + b.n + c.n = -1",
            &[t],
        )
        .await;
    assert!(matches!(r, Err(EngineError::Timeout(_))), "{r:?}");
    assert!(
        start.elapsed() < Duration::from_secs(20),
        "{:?}",
        start.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_query_can_be_cancelled() {
    let w = Work::new();
    let t = numbers(&w, 3000);
    let token = CancelToken::new();
    let t2 = token.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(300)).await;
        t2.cancel();
    });
    let r = engine()
        .query_with(
            "SELECT count(*) FROM numbers a, numbers b, numbers c WHERE a.n + b.n + c.n = -1",
            &[t],
            10,
            Some(&token),
        )
        .await;
    assert!(matches!(r, Err(EngineError::Cancelled)), "{r:?}");
}

#[tokio::test]
async fn memory_limit_stops_a_heavy_query() {
    let w = Work::new();
    let t = numbers(&w, 20_000);
    let engine = Engine::new(EngineConfig {
        memory_limit_bytes: 64 * 1024,
        target_partitions: 1,
        ..EngineConfig::default()
    });
    let r = engine
        .query(
            "SELECT a.label, array_agg(b.label) FROM numbers a JOIN numbers b ON a.n = b.n GROUP BY a.label",
            &[t],
        )
        .await;
    assert!(
        matches!(r, Err(EngineError::ResourcesExhausted(_))),
        "{r:?}"
    );
}
