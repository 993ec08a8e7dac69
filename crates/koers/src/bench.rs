//! `koers bench`: the reference workload, with DuckDB measured in the same run.

use anyhow::{Context, Result, bail};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

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
    /// Where koers runs the queries.
    pub engine: koers_engine::EngineMode,
    /// Generate this many movements into `data` first (koers' own generator).
    pub generate: Option<usize>,
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

/// The movements of `opts.data`, generated first when asked.
fn movements(opts: &BenchOptions) -> Result<()> {
    movements_in(&opts.data, opts.generate)
}

/// The movements of `data`, `generate` of them generated first when asked.
fn movements_in(data: &Path, generate: Option<usize>) -> Result<()> {
    if let Some(rows) = generate {
        std::fs::create_dir_all(data)
            .with_context(|| format!("kan {} niet aanmaken", data.display()))?;
        koers_demo::movements::generate_files(
            rows,
            &data.join("movements.parquet"),
            &data.join("municipalities.csv"),
        )?;
    }
    if !data.join("movements.parquet").exists() {
        bail!(
            "{} bevat geen movements.parquet; maak de gegevens met bench/gen_movements.py (zie bench/README.md)",
            data.display()
        );
    }
    Ok(())
}

pub async fn run(opts: BenchOptions) -> Result<()> {
    movements(&opts)?;
    let ours = koers_engine::bench::run_bench(
        &opts.data,
        &opts.queries,
        &opts.geo,
        opts.runs,
        &opts.engine,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    // run_bench prints koers' own lines as it goes.
    if opts.engine.scheduler_url().is_some() {
        embedded_beside(&opts, &ours).await?;
    }
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

/// The same workload in this process, after a run on a cluster: per query the cluster's time
/// beside the embedded engine's, their ratio, and whether the answers are the same.
async fn embedded_beside(
    opts: &BenchOptions,
    cluster: &[koers_engine::bench::BenchResult],
) -> Result<()> {
    let embedded = koers_engine::bench::run_bench(
        &opts.data,
        &opts.queries,
        &opts.geo,
        opts.runs,
        &koers_engine::EngineMode::Embedded,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{e}"))?;
    for c in cluster {
        let Some(e) = embedded.iter().find(|e| e.query == c.query) else {
            continue;
        };
        let answer = |r: &koers_engine::bench::BenchResult| {
            let line: Value = serde_json::from_str(&r.json_line()).unwrap_or(Value::Null);
            (line.get("rows").cloned(), line.get("digest").cloned())
        };
        println!(
            "{}",
            json!({
                "query": c.query,
                "cluster_median_s": c.median_s,
                "embedded_median_s": e.median_s,
                "ratio": if e.median_s > 0.0 { c.median_s / e.median_s } else { f64::NAN },
                "same_answer": answer(c) == answer(e),
            })
        );
    }
    Ok(())
}

/// p50 and p95 of tile times, in milliseconds.
fn spread(times: &mut [f64]) -> (f64, f64) {
    use koers_engine::bench::percentile;
    (percentile(times, 50.0), percentile(times, 95.0))
}

/// The tile benchmark: every non-empty tile of zoom 6 to 10 over the movements' origins, cut
/// by koers from its point index, then — with `--compare` — by PostGIS `ST_AsMVT` in the
/// same run (`bench/run_postgis_tiles.py`), with the ratio of p50 and p95 per zoom and
/// whether each tile holds the same points.
pub async fn tiles(opts: BenchOptions) -> Result<()> {
    movements(&opts)?;
    let ours = koers_engine::bench::run_tile_bench(&opts.data, 6..=10, opts.runs)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    println!(
        "{}",
        json!({"engine": ours.engine, "bench": "tiles", "indexed": ours.indexed,
               "index_build_s": ours.build_s, "tiles": ours.tiles.len()})
    );
    for t in &ours.tiles {
        println!("{}", serde_json::to_string(t)?);
    }
    let Some(python) = &opts.compare else {
        return Ok(());
    };
    let list = std::env::temp_dir().join(format!("koers-bench-tiles-{}.txt", std::process::id()));
    let text: String = ours
        .tiles
        .iter()
        .map(|t| format!("{}/{}/{}\n", t.z, t.x, t.y))
        .collect();
    std::fs::write(&list, text)?;
    let out = Command::new(python)
        .arg(opts.queries.join("../run_postgis_tiles.py"))
        .arg("--data")
        .arg(&opts.data)
        .arg("--geo")
        .arg(&opts.geo)
        .arg("--runs")
        .arg(opts.runs.to_string())
        .arg("--tiles")
        .arg(&list)
        .output()
        .with_context(|| format!("kan {} niet starten", python.display()));
    let _ = std::fs::remove_file(&list);
    let out = out?;
    if !out.status.success() {
        bail!(
            "PostGIS-vergelijking mislukt: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let mut theirs: HashMap<(u64, u64, u64), Value> = HashMap::new();
    for line in String::from_utf8_lossy(&out.stdout).lines() {
        if let Ok(v) = serde_json::from_str::<Value>(line) {
            let at = |k: &str| v.get(k).and_then(Value::as_u64).unwrap_or(u64::MAX);
            theirs.insert((at("z"), at("x"), at("y")), v.clone());
        }
    }
    // Where the answers differ, by how much (points on a tile's edge: PostGIS' && takes them
    // into both tiles, koers into one).
    for t in &ours.tiles {
        if let Some(d) = theirs.get(&(u64::from(t.z), u64::from(t.x), u64::from(t.y)))
            && d.get("points").and_then(Value::as_u64) != Some(t.points)
        {
            println!(
                "{}",
                json!({"bench": "tiles", "differs": format!("{}/{}/{}", t.z, t.x, t.y),
                       "koers_points": t.points, "postgis_points": d.get("points"),
                       "koers_features": t.features, "postgis_features": d.get("features")})
            );
        }
    }
    let mut zooms: Vec<Option<u8>> = ours.tiles.iter().map(|t| Some(t.z)).collect();
    zooms.dedup();
    zooms.push(None);
    for zoom in zooms {
        let (mut mine, mut other, mut same_points, mut same_features, mut n) =
            (Vec::new(), Vec::new(), 0, 0, 0);
        for t in ours.tiles.iter().filter(|t| zoom.is_none_or(|z| t.z == z)) {
            let Some(d) = theirs.get(&(u64::from(t.z), u64::from(t.x), u64::from(t.y))) else {
                continue;
            };
            n += 1;
            mine.push(t.ms);
            other.push(d.get("ms").and_then(Value::as_f64).unwrap_or(f64::NAN));
            same_points += usize::from(d.get("points").and_then(Value::as_u64) == Some(t.points));
            same_features +=
                usize::from(d.get("features").and_then(Value::as_u64) == Some(t.features as u64));
        }
        let ((k50, k95), (p50, p95)) = (spread(&mut mine), spread(&mut other));
        println!(
            "{}",
            json!({
                "bench": "tiles",
                "zoom": zoom.map_or("6-10".to_string(), |z| z.to_string()),
                "tiles": n,
                "koers_p50_ms": k50, "postgis_p50_ms": p50, "ratio_p50": k50 / p50,
                "koers_p95_ms": k95, "postgis_p95_ms": p95, "ratio_p95": k95 / p95,
                "same_points": format!("{same_points}/{n}"),
                "same_features": format!("{same_features}/{n}"),
            })
        );
    }
    Ok(())
}

/// The dashboard benchmark: the demo workspace over the movements in `data` (as written by
/// gen_movements.py), then a full refresh of the logistics monitor (its indicators) and of the
/// dashboard, and `requests` views of the dashboard answered from the cache — the server's
/// work per view (cache, staleness check, drawing every widget) — with p50 and p95. Then a
/// month of movements is appended and both are refreshed from it, and in full, side by side
/// (see [`append_month`]). With `generate`, that many movements are generated into `data`
/// first.
pub async fn dashboard(data: &Path, generate: Option<usize>, requests: usize) -> Result<()> {
    movements_in(data, generate)?;
    let dir = std::env::temp_dir().join(format!("koers-bench-dashboard-{}", std::process::id()));
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    let result = dashboard_in(&dir, data, requests).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn dashboard_in(dir: &Path, data: &Path, requests: usize) -> Result<()> {
    std::fs::create_dir_all(dir)?;
    let store = koers_store::Store::open_in(dir).await?;
    let engine = koers_engine::EngineConfig {
        time_limit: std::time::Duration::from_secs(600),
        ..koers_engine::EngineConfig::default()
    };
    let ws = koers_app::Workspace::new(
        store,
        koers_app::WorkspaceConfig {
            engine,
            ..koers_app::WorkspaceConfig::in_folder(dir)
        },
    )?;
    let started = Instant::now();
    koers_demo::seed(
        &ws,
        &koers_demo::movements::MovementArgs {
            movements: Some(data.to_path_buf()),
            ..Default::default()
        },
    )
    .await?;
    let seed_s = started.elapsed().as_secs_f64();
    // The province of the demo: the organisation whose movements the monitor reads.
    let mut found = None;
    for org in ws.store.organisations().organisations().await? {
        let datasets = ws.store.catalog().datasets(&org.id).await?;
        if let Some(d) = datasets.into_iter().find(|d| d.name == "movements") {
            found = Some((org, d));
            break;
        }
    }
    let (org, movements) = found.ok_or_else(|| anyhow::anyhow!("geen movements"))?;
    let rows = ws
        .store
        .catalog()
        .dataset_versions(&movements.id)
        .await?
        .iter()
        .map(|v| v.row_count)
        .max()
        .unwrap_or_default();
    let d = ws
        .store
        .dashboards()
        .dashboards(&org.id)
        .await?
        .into_iter()
        .next()
        .ok_or_else(|| anyhow::anyhow!("geen dashboard"))?;
    let actor = koers_store::Actor::cli();

    // A full refresh of the monitor: every indicator's analysis over all rows (the states the
    // demo's first refresh kept forgotten, or nothing would be read).
    forget_kept(&ws, &org.id).await?;
    let t = Instant::now();
    for i in ws.store.indicators().indicators(&org.id).await? {
        koers_app::products::refresh_now(&ws, &actor, i)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    let monitor_s = t.elapsed().as_secs_f64();
    let none = std::collections::BTreeMap::new();
    let t = Instant::now();
    koers_app::dashboards::board(&ws, &d, &none, true, None)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let dashboard_s = t.elapsed().as_secs_f64();

    // Views from the cache: read, judge staleness, draw every widget.
    let angles = std::collections::BTreeMap::new();
    let link = |p: &str, v: &str| format!("?f.{p}={v}");
    let view = koers_web::dashboards::render::View {
        link: &link,
        angles: &angles,
        filters: &none,
        labels: &koers_core::catalog::labels::Labels::default(),
        words: &koers_web::dashboards::render::Words::new(koers_web::i18n::Lang::Nl),
        tiles: true,
    };
    let mut times = Vec::with_capacity(requests);
    for _ in 0..requests.max(1) {
        let t = Instant::now();
        let b = koers_app::dashboards::board(&ws, &d, &none, false, None)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let drawn: Vec<_> = b
            .widgets
            .iter()
            .map(|w| koers_web::dashboards::render::draw(w, &view))
            .collect();
        std::hint::black_box(drawn);
        times.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    times.sort_by(f64::total_cmp);
    let pct = |p: f64| times[((times.len() as f64 * p).ceil() as usize).clamp(1, times.len()) - 1];
    println!(
        "{}",
        json!({
            "bench": "dashboard",
            "rows": rows,
            "widgets": d.definition.widgets.len(),
            "seed_s": seed_s,
            "monitor_refresh_s": monitor_s,
            "dashboard_refresh_s": dashboard_s,
            "requests": times.len(),
            "cached_view_p50_ms": pct(0.50),
            "cached_view_p95_ms": pct(0.95),
        })
    );
    append_month(&ws, &org, &d, rows).await
}

/// A month of new movements (a sixtieth of the rows) appended, then the monitor and the
/// dashboard refreshed from those rows alone and, with the kept states forgotten, in full;
/// prints both times, their ratio and whether the answers are the same.
async fn append_month(
    ws: &koers_app::Workspace,
    org: &koers_store::Organisation,
    d: &koers_store::dashboards::Dashboard,
    rows: i64,
) -> Result<()> {
    let actor = koers_store::Actor::cli();
    let month = (rows / 60).max(1);
    std::fs::create_dir_all(ws.data_dir().join("tmp"))?;
    let file = ws.data_dir().join("tmp").join("month.parquet");
    koers_demo::movements::generate_month(month as usize, rows + 1, &file)?;
    let req = koers_app::catalog::ImportRequest {
        source: koers_app::catalog::ImportSource::Path(file.clone()),
        name: Some("movements".into()),
        crs: None,
        format: Some("parquet".into()),
        layer: None,
        meta: None,
        generated: true,
        column_types: Default::default(),
        append: true,
    };
    let t = Instant::now();
    let (_, v) = ws
        .import(
            org,
            &actor,
            req,
            std::sync::Arc::new(koers_engine::NoProgress),
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let append_s = t.elapsed().as_secs_f64();
    std::fs::remove_file(&file)?;
    if v.appended.is_none() {
        bail!("de maand is niet als toegevoegde rijen vastgelegd");
    }
    let incremental = refresh_all(ws, org, d).await?;
    let forgotten = forget_kept(ws, &org.id).await?;
    let full = refresh_all(ws, org, d).await?;
    let same = koers_engine::incremental::same_answer(&incremental.answers, &full.answers);
    if !same {
        // Both answers kept for a look at where they part.
        for (name, answers) in [
            ("incremental", &incremental.answers),
            ("full", &full.answers),
        ] {
            let path = std::env::temp_dir().join(format!("koers-bench-{name}.json"));
            std::fs::write(&path, serde_json::to_string_pretty(answers)?)?;
            eprintln!("{name}: {}", path.display());
        }
    }
    println!(
        "{}",
        json!({
            "bench": "append",
            "rows": v.row_count,
            "appended_rows": month,
            "append_import_s": append_s,
            "states_kept": forgotten,
            "monitor_incremental_s": incremental.monitor_s,
            "monitor_full_s": full.monitor_s,
            "monitor_ratio": incremental.monitor_s / full.monitor_s,
            "dashboard_incremental_s": incremental.dashboard_s,
            "dashboard_full_s": full.dashboard_s,
            "dashboard_ratio": incremental.dashboard_s / full.dashboard_s,
            "same_answer": same,
        })
    );
    Ok(())
}

/// Forgets what refreshes of `org_id`'s analyses build on — the kept states, and what the
/// widgets' cached results were made of — so that the next refresh is a full one; returns
/// how many states there were.
async fn forget_kept(ws: &koers_app::Workspace, org_id: &str) -> Result<u64> {
    let states = ws.store.catalog().forget_states(org_id).await?;
    ws.store.dashboards().forget_bases(org_id).await?;
    Ok(states)
}

/// What one refresh of the monitor and the dashboard took and answered.
struct Refreshed {
    monitor_s: f64,
    dashboard_s: f64,
    answers: Value,
}

async fn refresh_all(
    ws: &koers_app::Workspace,
    org: &koers_store::Organisation,
    d: &koers_store::dashboards::Dashboard,
) -> Result<Refreshed> {
    let actor = koers_store::Actor::cli();
    let err = |e: koers_app::Error| anyhow::anyhow!("{e}");
    let mut series = Vec::new();
    let t = Instant::now();
    for i in ws.store.indicators().indicators(&org.id).await? {
        let v = koers_app::products::refresh_now(ws, &actor, i)
            .await
            .map_err(err)?;
        series.push(serde_json::to_value(&v.series)?);
    }
    let monitor_s = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let b = koers_app::dashboards::board(ws, d, &std::collections::BTreeMap::new(), true, None)
        .await
        .map_err(err)?;
    let dashboard_s = t.elapsed().as_secs_f64();
    let widgets: Vec<Value> = b.widgets.iter().map(|w| json!(w.data)).collect();
    Ok(Refreshed {
        monitor_s,
        dashboard_s,
        answers: json!({ "series": series, "widgets": widgets }),
    })
}
