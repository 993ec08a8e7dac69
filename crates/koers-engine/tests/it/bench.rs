//! The reference workload against DuckDB's answers. Needs generated data, so it only runs
//! when asked: `KOERS_BENCH_DATA=bench-data [KOERS_BENCH_DUCKDB=duckdb.jsonl] cargo test
//! -p koers-engine --release -- --ignored bench`.

use std::path::{Path, PathBuf};

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs data from gen_movements.py"]
async fn bench_digests_match_duckdb() {
    let Ok(data) = std::env::var("KOERS_BENCH_DATA") else {
        return;
    };
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let queries = std::env::var("KOERS_BENCH_QUERIES")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("../shared/bench/queries"));
    let runs = std::env::var("KOERS_BENCH_RUNS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(1);
    let results = koers_engine::bench::run_bench(
        Path::new(&data),
        &queries,
        &root.join("data/nl"),
        runs,
        &koers_engine::EngineMode::Embedded,
    )
    .await
    .expect("bench runs");
    for r in &results {
        assert!(r.error.is_none(), "{}: {:?}", r.query, r.error);
    }
    let Ok(duck) = std::env::var("KOERS_BENCH_DUCKDB") else {
        return;
    };
    let text = std::fs::read_to_string(duck).expect("duckdb results");
    for line in text.lines() {
        let v: serde_json::Value = serde_json::from_str(line).expect("json line");
        let q = v["query"].as_str().expect("query");
        let ours = results.iter().find(|r| r.query == q).expect("same query");
        let theirs = v["digest"].as_object().expect("digest");
        assert_eq!(ours.rows as u64, v["rows"].as_u64().expect("rows"), "{q}");
        assert_eq!(
            ours.digest.len(),
            theirs.len(),
            "{q}: {:?} vs {theirs:?}",
            ours.digest
        );
        for (k, d) in &ours.digest {
            assert_eq!(theirs.get(k).and_then(|x| x.as_f64()), Some(*d), "{q} {k}");
        }
    }
}
