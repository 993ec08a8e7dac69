//! `koers bench`: the reference workload, with DuckDB measured in the same run.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Options of `koers bench`.
pub struct BenchOptions {
    pub data: PathBuf,
    pub queries: PathBuf,
    pub geo: PathBuf,
    pub runs: usize,
    /// A Python with duckdb installed, to run `bench/run_duckdb.py` in the same invocation.
    pub compare: Option<PathBuf>,
    /// Let DuckDB run s1 with its spatial extension as well.
    pub spatial: bool,
}

fn duckdb(opts: &BenchOptions, python: &Path) -> Result<HashMap<String, Value>> {
    let script = opts.queries.join("../run_duckdb.py");
    let mut cmd = Command::new(python);
    cmd.arg(&script)
        .arg("--data")
        .arg(&opts.data)
        .arg("--runs")
        .arg(opts.runs.to_string());
    if opts.spatial {
        cmd.arg("--spatial");
    }
    let out = cmd
        .output()
        .with_context(|| format!("kan {} niet starten", python.display()))?;
    if !out.status.success() {
        bail!(
            "DuckDB-vergelijking mislukt: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut by_query = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line)
            && let Some(q) = v.get("query").and_then(Value::as_str)
        {
            println!("{line}");
            by_query.insert(q.to_string(), v);
        }
    }
    Ok(by_query)
}

pub async fn run(opts: BenchOptions) -> Result<()> {
    if !opts.data.join("movements.parquet").exists() {
        bail!(
            "{} bevat geen movements.parquet; maak de gegevens met bench/gen_movements.py (zie bench/README.md)",
            opts.data.display()
        );
    }
    let ours = koers_engine::bench::run_bench(&opts.data, &opts.queries, &opts.geo, opts.runs)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    // run_bench prints koers' own lines as it goes.
    let Some(python) = &opts.compare else {
        return Ok(());
    };
    let theirs = duckdb(&opts, python)?;
    for r in &ours {
        let Some(d) = theirs.get(&r.query) else {
            continue;
        };
        let their_s = d
            .get("median_s")
            .and_then(Value::as_f64)
            .unwrap_or(f64::NAN);
        let ours_line: Value = serde_json::from_str(&r.json_line()).unwrap_or(Value::Null);
        let same =
            ours_line.get("digest") == d.get("digest") && ours_line.get("rows") == d.get("rows");
        println!(
            "{}",
            json!({
                "query": r.query,
                "koers_median_s": r.median_s,
                "duckdb_median_s": their_s,
                "ratio": if their_s > 0.0 { r.median_s / their_s } else { f64::NAN },
                "same_answer": same,
            })
        );
    }
    Ok(())
}
