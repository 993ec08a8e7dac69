//! The reference workload (`../shared/bench`): the same queries over the same files as DuckDB
//! and PostGIS, printed as the same JSON lines with the same answer digest.
//!
//! Tables: `movements` (the generated Parquet file), `municipalities` (the generated CSV,
//! imported), `gemeenten` and `provincies` (the CBS boundary GeoJSON files, imported). Each
//! query runs once to warm up and give the answer, then `runs` times for the timing.

use std::fmt::Write as _;
use std::path::Path;
use std::time::Instant;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int8Type, Int16Type, Int32Type, Int64Type, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use datafusion::arrow::record_batch::RecordBatch;
use serde::Serialize;

use crate::distributed::EngineMode;
use crate::engine::{Engine, EngineConfig, TableRef};
use crate::error::{EngineError, Result};
use crate::import::{ImportOptions, import_file};
use crate::progress::NoProgress;

/// One query's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct BenchResult {
    /// Engine name and version.
    pub engine: String,
    /// Threads (partitions) used.
    pub threads: usize,
    /// Query file name.
    pub query: String,
    /// Median seconds over the timed runs.
    pub median_s: f64,
    /// Fastest run in seconds.
    pub min_s: f64,
    /// Rows in the answer.
    pub rows: usize,
    /// Per numeric column, the sum rounded to 6 significant digits (in column order).
    pub digest: Vec<(String, f64)>,
    /// The error, if the query failed.
    pub error: Option<String>,
}

/// Python's `repr(float)`, which `json.dumps` uses.
pub fn python_float(v: f64) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "Infinity" } else { "-Infinity" }.into();
    }
    if v == 0.0 {
        return if v.is_sign_negative() { "-0.0" } else { "0.0" }.into();
    }
    // Shortest round-trip digits and the decimal exponent.
    let e = format!("{v:e}");
    let (mant, exp) = e.split_once('e').unwrap_or((e.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    let neg = mant.starts_with('-');
    let digits: String = mant.chars().filter(char::is_ascii_digit).collect();
    let sign = if neg { "-" } else { "" };
    if (-4..16).contains(&exp) {
        let n = digits.len() as i32;
        let s = if exp >= n - 1 {
            format!("{digits}{}.0", "0".repeat((exp - n + 1) as usize))
        } else if exp >= 0 {
            let (a, b) = digits.split_at((exp + 1) as usize);
            format!("{a}.{b}")
        } else {
            format!("0.{}{digits}", "0".repeat((-exp - 1) as usize))
        };
        format!("{sign}{s}")
    } else {
        let (a, b) = digits.split_at(1);
        let m = if b.is_empty() {
            a.to_string()
        } else {
            format!("{a}.{b}")
        };
        format!(
            "{sign}{m}e{}{:02}",
            if exp < 0 { '-' } else { '+' },
            exp.abs()
        )
    }
}

/// `sig(x, 6)` of `run_duckdb.py`: round to 6 significant digits.
pub fn sig6(x: f64) -> f64 {
    if x == 0.0 || !x.is_finite() {
        return x;
    }
    format!("{x:.5e}").parse().unwrap_or(x)
}

macro_rules! int_sum {
    ($a:expr, $t:ty, $acc:expr) => {{
        for v in $a.as_primitive::<$t>().iter().flatten() {
            $acc += v as i128;
        }
    }};
}

/// The digest of `run_duckdb.py`: per numeric column with at least one non-null value, the
/// sum (NaN skipped; integers summed exactly, floats in row order) to 6 significant digits.
pub fn digest(batches: &[RecordBatch]) -> Vec<(String, f64)> {
    let Some(first) = batches.first() else {
        return vec![];
    };
    let schema = first.schema();
    let mut out = Vec::new();
    for (c, field) in schema.fields().iter().enumerate() {
        let t = field.data_type();
        let is_int = t.is_integer();
        let is_float = matches!(t, DataType::Float32 | DataType::Float64);
        if !is_int && !is_float {
            continue;
        }
        let non_null: usize = batches
            .iter()
            .map(|b| b.column(c).len() - b.column(c).null_count())
            .sum();
        if non_null == 0 {
            continue;
        }
        let mut isum: i128 = 0;
        let mut fsum: f64 = 0.0;
        for b in batches {
            let a = b.column(c);
            match t {
                DataType::Int8 => int_sum!(a, Int8Type, isum),
                DataType::Int16 => int_sum!(a, Int16Type, isum),
                DataType::Int32 => int_sum!(a, Int32Type, isum),
                DataType::Int64 => int_sum!(a, Int64Type, isum),
                DataType::UInt8 => int_sum!(a, UInt8Type, isum),
                DataType::UInt16 => int_sum!(a, UInt16Type, isum),
                DataType::UInt32 => int_sum!(a, UInt32Type, isum),
                DataType::UInt64 => int_sum!(a, UInt64Type, isum),
                DataType::Float32 => {
                    for v in a.as_primitive::<Float32Type>().iter().flatten() {
                        if !v.is_nan() {
                            fsum += f64::from(v);
                        }
                    }
                }
                _ => {
                    for v in a.as_primitive::<Float64Type>().iter().flatten() {
                        if !v.is_nan() {
                            fsum += v;
                        }
                    }
                }
            }
        }
        let total = if is_int { isum as f64 } else { fsum };
        out.push((field.name().clone(), sig6(total)));
    }
    out
}

fn json_str(s: &str) -> String {
    serde_json::to_string(s).unwrap_or_else(|_| "\"\"".into())
}

fn round4(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

impl BenchResult {
    /// The JSON line, formatted as Python's `json.dumps` formats `run_duckdb.py`'s.
    pub fn json_line(&self) -> String {
        let mut d = String::from("{");
        for (i, (k, v)) in self.digest.iter().enumerate() {
            if i > 0 {
                d.push_str(", ");
            }
            let _ = write!(d, "{}: {}", json_str(k), python_float(*v));
        }
        d.push('}');
        let mut line = format!(
            "{{\"engine\": {}, \"threads\": {}, \"query\": {}, \"median_s\": {}, \"min_s\": {}, \"rows\": {}, \"digest\": {d}",
            json_str(&self.engine),
            self.threads,
            json_str(&self.query),
            python_float(round4(self.median_s)),
            python_float(round4(self.min_s)),
            self.rows,
        );
        if let Some(e) = &self.error {
            let _ = write!(line, ", \"error\": {}", json_str(e));
        }
        line.push('}');
        line
    }
}

fn import_to(src: &Path, dir: &Path, name: &str) -> Result<TableRef> {
    let v = import_file(
        src,
        &ImportOptions {
            output_dir: dir.to_path_buf(),
            file_name: format!("{name}.parquet"),
            format: None,
            crs: None,
            layer: None,
            ..Default::default()
        },
        &NoProgress,
    )?;
    Ok(TableRef::new(name, v.path))
}

/// Run every `q*.sql` and `s*.sql` in `queries_dir` over the files in `data_dir` (from
/// `gen_movements.py`) and the boundary GeoJSON files in `geo_dir`; print and return one
/// result per query.
pub async fn run_bench(
    data_dir: &Path,
    queries_dir: &Path,
    geo_dir: &Path,
    runs: usize,
    mode: &EngineMode,
) -> Result<Vec<BenchResult>> {
    let work = std::env::temp_dir().join(format!("koers-bench-{}", std::process::id()));
    std::fs::create_dir_all(&work)?;
    let tables = vec![
        TableRef::new("movements", data_dir.join("movements.parquet")),
        import_to(
            &data_dir.join("municipalities.csv"),
            &work,
            "municipalities",
        )?,
        import_to(
            &geo_dir.join("municipalities_2025.geojson"),
            &work,
            "gemeenten",
        )?,
        import_to(&geo_dir.join("provinces_2025.geojson"), &work, "provincies")?,
    ];
    let config = EngineConfig {
        time_limit: std::time::Duration::from_secs(3600),
        row_limit: usize::MAX,
        memory_limit_bytes: 4 << 30,
        mode: mode.clone(),
        ..EngineConfig::default()
    };
    let threads = config.target_partitions;
    let engine = Engine::new(config);
    let ctx = engine.context(&tables).await?;
    let mut paths: Vec<_> = std::fs::read_dir(queries_dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let n = p.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            (n.starts_with('q') || n.starts_with('s')) && n.ends_with(".sql")
        })
        .collect();
    paths.sort();
    let name = match mode {
        EngineMode::Embedded => format!(
            "koers {} (datafusion {})",
            env!("CARGO_PKG_VERSION"),
            datafusion::DATAFUSION_VERSION
        ),
        #[cfg(feature = "ballista")]
        EngineMode::Ballista { .. } => format!(
            "koers {} (datafusion {}, ballista {})",
            env!("CARGO_PKG_VERSION"),
            datafusion::DATAFUSION_VERSION,
            ballista_core::BALLISTA_VERSION
        ),
        #[cfg(not(feature = "ballista"))]
        EngineMode::Ballista { .. } => return Err(crate::distributed::not_built()),
    };
    let mut results = Vec::new();
    for path in paths {
        let sql = std::fs::read_to_string(&path)?;
        let query = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default()
            .to_string();
        let run = || async {
            let df = ctx.sql(&sql).await?;
            df.collect().await.map_err(EngineError::from)
        };
        let mut r = BenchResult {
            engine: name.clone(),
            threads,
            query,
            median_s: 0.0,
            min_s: 0.0,
            rows: 0,
            digest: vec![],
            error: None,
        };
        match run().await {
            Err(e) => r.error = Some(e.to_string()),
            Ok(batches) => {
                r.rows = batches.iter().map(RecordBatch::num_rows).sum();
                r.digest = digest(&batches);
                let mut times = Vec::with_capacity(runs);
                for _ in 0..runs {
                    let t0 = Instant::now();
                    run().await?;
                    times.push(t0.elapsed().as_secs_f64());
                }
                if !times.is_empty() {
                    r.median_s = median(&mut times);
                    r.min_s = times[0];
                }
            }
        }
        println!("{}", r.json_line());
        results.push(r);
    }
    let _ = std::fs::remove_dir_all(&work);
    Ok(results)
}

/// One tile of the tile benchmark: where, how long (median of the runs) and what it holds.
#[derive(Debug, Clone, Serialize)]
pub struct TileTime {
    pub z: u8,
    pub x: u32,
    pub y: u32,
    /// Median milliseconds to cut and encode the tile.
    pub ms: f64,
    /// Features in the tile (points, or occupied cells of an aggregated tile).
    pub features: usize,
    /// Points the features stand for (the sum of `aantal`).
    pub points: u64,
    /// The tile's size in bytes.
    pub bytes: usize,
}

/// The tile benchmark's outcome.
#[derive(Debug, Clone, Serialize)]
pub struct TileBench {
    pub engine: String,
    /// Points in the index (rows with a place).
    pub indexed: usize,
    /// Seconds to read the column pair and build the index.
    pub build_s: f64,
    pub tiles: Vec<TileTime>,
}

/// The box the reference workload's places lie in (the Netherlands, with a margin).
const NL_BOX: (f64, f64, f64, f64) = (3.0, 50.5, 7.5, 53.8);

/// Every non-empty tile of `zooms` over the movements' origins (`movements.parquet` in
/// `data_dir`): the index is built once, then each tile is cut `runs` times after a warm-up.
pub async fn run_tile_bench(
    data_dir: &Path,
    zooms: std::ops::RangeInclusive<u8>,
    runs: usize,
) -> Result<TileBench> {
    use crate::tiles::{PointIndex, TileId};
    let engine = Engine::new(EngineConfig {
        time_limit: std::time::Duration::from_secs(3600),
        row_limit: usize::MAX,
        memory_limit_bytes: 4 << 30,
        ..EngineConfig::default()
    });
    let table = TableRef::new("movements", data_dir.join("movements.parquet"));
    let t0 = Instant::now();
    let stream = engine
        .stream(
            &"SELECT origin_lon, origin_lat FROM movements".into(),
            &[table],
        )
        .await?;
    let index = PointIndex::build(stream).await?;
    let build_s = t0.elapsed().as_secs_f64();
    let (west, south, east, north) = NL_BOX;
    let mut tiles = Vec::new();
    for z in zooms {
        for t in TileId::covering(z, west, south, east, north) {
            if index.count(t) == 0 {
                continue;
            }
            let bytes = index.tile(t).len();
            let mut times: Vec<f64> = (0..runs.max(1))
                .map(|_| {
                    let t0 = Instant::now();
                    std::hint::black_box(index.tile(t));
                    t0.elapsed().as_secs_f64() * 1000.0
                })
                .collect();
            let features = index.features(t);
            tiles.push(TileTime {
                z: t.z,
                x: t.x,
                y: t.y,
                ms: median(&mut times),
                features: features.len(),
                points: features.iter().map(|f| f.2).sum(),
                bytes,
            });
        }
    }
    Ok(TileBench {
        engine: format!("koers {}", env!("CARGO_PKG_VERSION")),
        indexed: index.len(),
        build_s,
        tiles,
    })
}

/// The `p`-th percentile (0–100) of `values`, nearest rank; NaN when empty.
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return f64::NAN;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil() as usize;
    values[rank.clamp(1, values.len()) - 1]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_floats_like_python() {
        assert_eq!(python_float(0.2134), "0.2134");
        assert_eq!(python_float(123456.0), "123456.0");
        assert_eq!(python_float(1234570000.0), "1234570000.0");
        assert_eq!(python_float(1.23457e20), "1.23457e+20");
        assert_eq!(python_float(1e16), "1e+16");
        assert_eq!(python_float(0.0001), "0.0001");
        assert_eq!(python_float(0.00001234), "1.234e-05");
        assert_eq!(python_float(-2.5), "-2.5");
    }

    #[test]
    fn percentiles_are_nearest_rank() {
        let mut v: Vec<f64> = (1..=20).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut v, 50.0), 10.0);
        assert_eq!(percentile(&mut v, 95.0), 19.0);
        assert_eq!(percentile(&mut v, 100.0), 20.0);
        assert!(percentile(&mut [], 50.0).is_nan());
        assert_eq!(median(&mut [3.0, 1.0, 2.0, 10.0]), 2.5);
    }

    #[test]
    fn rounds_to_six_digits() {
        assert_eq!(sig6(123456789.0), 123457000.0);
        assert_eq!(sig6(0.123456789), 0.123457);
        assert_eq!(sig6(-1.0), -1.0);
    }
}
