//! The model case of module M3 in the demo: the logistics-movement monitor of Provincie
//! Utrecht. Movements of goods between the real 2025 municipalities are GENERATED the way
//! `bench/gen_movements.py` generates the reference workload (same columns, same
//! distributions, deterministic for a seed), or imported from a folder that script wrote.
//! On them: saved analyses with named parameters, indicators, and the monitor
//! "Logistieke bewegingen", refreshed once so that it shows results.

use crate::{input, principal, save_analysis};
use anyhow::{Context, Result, anyhow, bail};
use datafusion::arrow::array::{
    ArrayRef, Float64Array, Int32Array, Int64Array, StringArray, TimestampMicrosecondArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, TimeUnit};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use indicatif::{ProgressBar, ProgressStyle};
use koers_app::Workspace;
use koers_app::catalog::ImportSource;
use koers_app::products;
use koers_app::results::Results;
use koers_core::analysis::{Param, ParamKind};
use koers_core::catalog::DatasetMeta;
use koers_store::{Organisation, User};
use rand::{Rng, RngCore};
use serde_json::{Value, json};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The seed of `gen_movements.py`.
const SEED: u64 = 536;
/// Interior points per municipality.
const POOL: usize = 200;
/// Rows per Parquet batch while writing the generated movements.
const BATCH: usize = 65_536;
/// The most rows the demo generates.
const MAX_ROWS: usize = 50_000_000;

/// Dutch places with their population (GeoNames, CC BY 4.0): longitude, latitude, population.
const PLACES: &str = include_str!("../../../data/places/nl_places.csv");

const MODES: [&str; 4] = ["road", "inland_water", "rail", "sea"];
const MODE_SHARES: [f64; 4] = [0.82, 0.11, 0.05, 0.02];
const MEAN_TONNES: [f64; 4] = [14.0, 950.0, 620.0, 4800.0];
/// Shares (percent) of the NST 2007 chapters 1..=20.
const NST_SHARES: [f64; 20] = [
    6.0, 3.0, 8.0, 12.0, 2.0, 4.0, 5.0, 7.0, 9.0, 6.0, 4.0, 3.0, 2.0, 5.0, 3.0, 3.0, 2.0, 8.0, 6.0,
    2.0,
];
/// Weights of Monday..Sunday.
const DAY_WEIGHTS: [f64; 7] = [1.0, 1.0, 1.0, 1.0, 0.9, 0.35, 0.2];
/// 2021-01-01T00:00:00Z in seconds since the epoch (a Friday).
const START: i64 = 1_609_459_200;
/// 2021-01-01 up to 2026-01-01.
const DAYS: usize = 1826;
const LOGNORMAL_SIGMA: f64 = 0.55;

/// The columns the analyses read from `movements.parquet`.
const MOVEMENT_COLUMNS: [&str; 12] = [
    "id",
    "ts",
    "origin_gm",
    "dest_gm",
    "origin_lon",
    "origin_lat",
    "dest_lon",
    "dest_lat",
    "mode",
    "nst_chapter",
    "tonnes",
    "distance_km",
];
const MUNICIPALITY_HEADER: &str = "gm_code,name,province_code,province_name,weight";

/// Where the demo's logistics movements come from.
#[derive(Debug, Clone, clap::Args)]
pub struct MovementArgs {
    /// How many logistics movements the demo generates.
    #[arg(long, env = "KOERS_DEMO_MOVEMENTS_ROWS", default_value_t = 200_000)]
    pub movements_rows: usize,
    /// Import movements.parquet and municipalities.csv from this folder (as written by
    /// bench/gen_movements.py) instead of generating the movements.
    #[arg(long, value_name = "DIR")]
    pub movements: Option<PathBuf>,
}

impl Default for MovementArgs {
    fn default() -> Self {
        MovementArgs {
            movements_rows: 200_000,
            movements: None,
        }
    }
}

impl MovementArgs {
    /// Checks the request before anything is written: a sensible row count, or a folder
    /// with the two files and the columns the analyses need.
    pub fn check(&self) -> Result<()> {
        match &self.movements {
            None if self.movements_rows == 0 || self.movements_rows > MAX_ROWS => bail!(
                "--movements-rows moet tussen 1 en {MAX_ROWS} liggen, niet {}",
                self.movements_rows
            ),
            None => Ok(()),
            Some(dir) => check_folder(dir),
        }
    }
}

fn check_folder(dir: &Path) -> Result<()> {
    let parquet = dir.join("movements.parquet");
    let file = std::fs::File::open(&parquet)
        .with_context(|| format!("kan {} niet openen", parquet.display()))?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file)
        .with_context(|| format!("{} is geen leesbaar Parquet-bestand", parquet.display()))?;
    let schema = builder.schema();
    let missing: Vec<&str> = MOVEMENT_COLUMNS
        .into_iter()
        .filter(|c| schema.field_with_name(c).is_err())
        .collect();
    if !missing.is_empty() {
        bail!(
            "{} mist de kolom(men) {}",
            parquet.display(),
            missing.join(", ")
        );
    }
    let csv = dir.join("municipalities.csv");
    let text = std::fs::read_to_string(&csv)
        .with_context(|| format!("kan {} niet lezen", csv.display()))?;
    if text.lines().next().map(str::trim) != Some(MUNICIPALITY_HEADER) {
        bail!(
            "{} moet beginnen met de kopregel {MUNICIPALITY_HEADER}",
            csv.display()
        );
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Geometry: the boundaries shipped in the binary, and even-odd ray casting.

/// Polygons, each a list of rings, each a list of (lon, lat).
type Polygons = Vec<Vec<Vec<[f64; 2]>>>;

#[derive(Debug, Clone, Copy)]
struct BBox {
    x0: f64,
    y0: f64,
    x1: f64,
    y1: f64,
}

impl BBox {
    fn of(polys: &Polygons) -> BBox {
        let mut b = BBox {
            x0: f64::INFINITY,
            y0: f64::INFINITY,
            x1: f64::NEG_INFINITY,
            y1: f64::NEG_INFINITY,
        };
        for [x, y] in polys.iter().flatten().flatten() {
            b.x0 = b.x0.min(*x);
            b.y0 = b.y0.min(*y);
            b.x1 = b.x1.max(*x);
            b.y1 = b.y1.max(*y);
        }
        b
    }

    fn contains(&self, x: f64, y: f64) -> bool {
        self.x0 <= x && x <= self.x1 && self.y0 <= y && y <= self.y1
    }
}

/// Even-odd ray casting over every ring of every polygon (holes handled), as
/// `gen_movements.py` does.
fn inside(polys: &Polygons, x: f64, y: f64) -> bool {
    let mut hit = false;
    for ring in polys.iter().flatten() {
        let n = ring.len();
        let mut j = n.wrapping_sub(1);
        for i in 0..n {
            let [xi, yi] = ring[i];
            let [xj, yj] = ring[j];
            if (yi > y) != (yj > y) && x < (xj - xi) * (y - yi) / (yj - yi) + xi {
                hit = !hit;
            }
            j = i;
        }
    }
    hit
}

/// A province or municipality: CBS code, name, polygons.
struct Area {
    code: String,
    name: String,
    polys: Polygons,
    bbox: BBox,
}

/// The features of a boundary file, ordered by code.
fn areas(geojson: &[u8]) -> Result<Vec<Area>> {
    let doc: Value = serde_json::from_slice(geojson)?;
    let features = doc
        .get("features")
        .and_then(Value::as_array)
        .ok_or_else(|| anyhow!("grenzenbestand zonder features"))?;
    let mut out = Vec::with_capacity(features.len());
    for f in features {
        let prop = |k: &str| {
            f.pointer(&format!("/properties/{k}"))
                .and_then(Value::as_str)
                .map(str::to_string)
                .ok_or_else(|| anyhow!("feature zonder {k}"))
        };
        let geometry = f
            .get("geometry")
            .ok_or_else(|| anyhow!("feature zonder geometrie"))?;
        let coords = geometry.get("coordinates").cloned().unwrap_or(Value::Null);
        let polys: Polygons = match geometry.get("type").and_then(Value::as_str) {
            Some("Polygon") => vec![serde_json::from_value(coords)?],
            Some("MultiPolygon") => serde_json::from_value(coords)?,
            other => bail!("onverwacht geometrietype {other:?}"),
        };
        out.push(Area {
            code: prop("statcode")?,
            name: prop("statnaam")?,
            bbox: BBox::of(&polys),
            polys,
        });
    }
    out.sort_by(|a, b| a.code.cmp(&b.code));
    Ok(out)
}

fn boundary(name: &str) -> Result<Vec<Area>> {
    let (_, _, bytes) = crate::BOUNDARIES
        .iter()
        .find(|b| b.0 == name)
        .ok_or_else(|| anyhow!("geen grenzen {name} in de demo"))?;
    areas(bytes)
}

/// (longitude, latitude, population) of the shipped places.
fn places() -> Result<Vec<(f64, f64, f64)>> {
    PLACES
        .lines()
        .skip(1)
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: Vec<f64> = l
                .split(',')
                .map(|c| c.trim().parse::<f64>())
                .collect::<std::result::Result<_, _>>()
                .with_context(|| format!("ongeldige plaats {l:?}"))?;
            match v[..] {
                [x, y, p] => Ok((x, y, p)),
                _ => bail!("ongeldige plaats {l:?}"),
            }
        })
        .collect()
}

fn round_to(v: f64, digits: i32) -> f64 {
    let f = 10f64.powi(digits);
    (v * f).round() / f
}

// ---------------------------------------------------------------------------------------
// Sampling.

/// xoshiro256++ (Blackman and Vigna), seeded through SplitMix64: deterministic, and fast
/// enough in a debug build that `cargo run -- serve --demo` starts quickly. Used through
/// rand's [`Rng`] methods.
pub struct Xoshiro([u64; 4]);

impl Xoshiro {
    pub fn seed_from_u64(seed: u64) -> Xoshiro {
        let mut z = seed;
        let mut s = [0u64; 4];
        for x in &mut s {
            z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
            let mut r = z;
            r = (r ^ (r >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
            r = (r ^ (r >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
            *x = r ^ (r >> 31);
        }
        Xoshiro(s)
    }
}

impl RngCore for Xoshiro {
    fn next_u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[0].wrapping_add(s[3]).rotate_left(23).wrapping_add(s[0]);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }

    fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        for chunk in dest.chunks_mut(8) {
            let bytes = self.next_u64().to_le_bytes();
            chunk.copy_from_slice(&bytes[..chunk.len()]);
        }
    }

    fn try_fill_bytes(&mut self, dest: &mut [u8]) -> std::result::Result<(), rand::Error> {
        self.fill_bytes(dest);
        Ok(())
    }
}

/// A standard normal draw (Box–Muller).
fn normal(rng: &mut Xoshiro) -> f64 {
    let u1 = 1.0 - rng.r#gen::<f64>();
    let u2 = rng.r#gen::<f64>();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

/// A Gamma(shape, 1) draw for shape >= 1 (Marsaglia and Tsang).
fn gamma(rng: &mut Xoshiro, shape: f64) -> f64 {
    let d = shape - 1.0 / 3.0;
    let c = 1.0 / (9.0 * d).sqrt();
    loop {
        let x = normal(rng);
        let v = 1.0 + c * x;
        if v <= 0.0 {
            continue;
        }
        let v = v * v * v;
        let u = 1.0 - rng.r#gen::<f64>();
        if u < 1.0 - 0.0331 * x.powi(4) || u.ln() < 0.5 * x * x + d * (1.0 - v + v.ln()) {
            return d * v;
        }
    }
}

/// A Beta(a, b) draw for a, b >= 1.
fn beta(rng: &mut Xoshiro, a: f64, b: f64) -> f64 {
    let x = gamma(rng, a);
    let y = gamma(rng, b);
    x / (x + y)
}

/// A draw from a lognormal with mean exp(sigma²/2) (mu = 0).
fn lognormal(rng: &mut Xoshiro, sigma: f64) -> f64 {
    (sigma * normal(rng)).exp()
}

/// Draws an index with probability proportional to its weight.
struct Weighted(Vec<f64>);

impl Weighted {
    fn new(weights: impl IntoIterator<Item = f64>) -> Weighted {
        let mut sum = 0.0;
        Weighted(
            weights
                .into_iter()
                .map(|w| {
                    sum += w;
                    sum
                })
                .collect(),
        )
    }

    fn sample(&self, rng: &mut Xoshiro) -> usize {
        let total = self.0.last().copied().unwrap_or(0.0);
        let u = rng.r#gen::<f64>() * total;
        self.0
            .partition_point(|c| *c <= u)
            .min(self.0.len().saturating_sub(1))
    }
}

// ---------------------------------------------------------------------------------------
// The generator.

/// A municipality with its province (by the votes of its first interior points), its weight
/// (2000 plus the population of the places inside it) and its pool of interior points.
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub province_code: String,
    pub province_name: String,
    pub weight: f64,
    pool: Vec<[f64; 2]>,
}

/// The municipalities of 2025 with their interior point pools, drawn from `rng`.
fn municipalities(rng: &mut Xoshiro) -> Result<Vec<Municipality>> {
    let provinces = boundary("provincies")?;
    let places = places()?;
    let mut out = Vec::new();
    for m in boundary("gemeenten")? {
        let b = m.bbox;
        let mut pool = Vec::with_capacity(POOL);
        let mut tries = 0u64;
        while pool.len() < POOL {
            tries += 1;
            if tries > 10_000_000 {
                bail!("geen punten binnen gemeente {} gevonden", m.code);
            }
            let x = round_to(rng.gen_range(b.x0..=b.x1), 6);
            let y = round_to(rng.gen_range(b.y0..=b.y1), 6);
            if inside(&m.polys, x, y) {
                pool.push([x, y]);
            }
        }
        let mut votes = vec![0usize; provinces.len()];
        for [x, y] in &pool[..15] {
            for (v, p) in votes.iter_mut().zip(&provinces) {
                if p.bbox.contains(*x, *y) && inside(&p.polys, *x, *y) {
                    *v += 1;
                }
            }
        }
        // The most votes; on a tie the first province in code order.
        let best = votes
            .iter()
            .enumerate()
            .filter(|(_, v)| **v > 0)
            .max_by(|a, b| a.1.cmp(b.1).then(b.0.cmp(&a.0)))
            .map(|(i, _)| &provinces[i]);
        let weight = 2000.0
            + places
                .iter()
                .filter(|(x, y, _)| b.contains(*x, *y) && inside(&m.polys, *x, *y))
                .map(|(_, _, p)| p)
                .sum::<f64>();
        out.push(Municipality {
            code: m.code,
            name: m.name,
            province_code: best.map(|p| p.code.clone()).unwrap_or_default(),
            province_name: best.map(|p| p.name.clone()).unwrap_or_default(),
            weight,
            pool,
        });
    }
    Ok(out)
}

/// One movement of goods.
#[derive(Debug, Clone, PartialEq)]
pub struct Movement {
    pub id: i64,
    /// Microseconds since the epoch (UTC, no time zone).
    pub ts: i64,
    /// Indexes into the municipalities.
    pub origin: usize,
    pub dest: usize,
    pub from: [f64; 2],
    pub to: [f64; 2],
    /// Index into [`MODES`].
    pub mode: usize,
    pub nst_chapter: i32,
    pub tonnes: f64,
    pub distance_km: f64,
}

/// Great-circle distance in km between two (lon, lat) points.
fn haversine_km(a: [f64; 2], b: [f64; 2]) -> f64 {
    let (lat1, lat2) = (a[1].to_radians(), b[1].to_radians());
    let dphi = lat2 - lat1;
    let dl = (b[0] - a[0]).to_radians();
    let h = (dphi / 2.0).sin().powi(2) + lat1.cos() * lat2.cos() * (dl / 2.0).sin().powi(2);
    6371.0 * 2.0 * h.sqrt().asin()
}

/// An endless, deterministic stream of movements over the municipalities.
pub struct Generator {
    munis: Vec<Municipality>,
    rng: Xoshiro,
    origin: Weighted,
    /// The municipalities of each municipality's province.
    province_members: Vec<Arc<Vec<usize>>>,
    days: Weighted,
    modes: Weighted,
    chapters: Weighted,
    next_id: i64,
}

impl Generator {
    /// The municipalities and the stream of movements for a seed.
    pub fn new(seed: u64) -> Result<Generator> {
        let mut rng = Xoshiro::seed_from_u64(seed);
        let munis = municipalities(&mut rng)?;
        let mut by_province: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
        for (i, m) in munis.iter().enumerate() {
            by_province
                .entry(m.province_code.as_str())
                .or_default()
                .push(i);
        }
        let groups: BTreeMap<&str, Arc<Vec<usize>>> = by_province
            .into_iter()
            .map(|(k, v)| (k, Arc::new(v)))
            .collect();
        let province_members = munis
            .iter()
            .map(|m| groups[m.province_code.as_str()].clone())
            .collect();
        let days = Weighted::new(
            (0..DAYS).map(|d| DAY_WEIGHTS[(d + 4) % 7] * (1.0 + 0.03 * (d as f64 / 365.0))),
        );
        Ok(Generator {
            origin: Weighted::new(munis.iter().map(|m| m.weight)),
            province_members,
            munis,
            rng,
            days,
            modes: Weighted::new(MODE_SHARES),
            chapters: Weighted::new(NST_SHARES),
            next_id: 1,
        })
    }

    pub fn municipalities(&self) -> &[Municipality] {
        &self.munis
    }

    fn movement(&mut self) -> Movement {
        let rng = &mut self.rng;
        let origin = self.origin.sample(rng);
        // Half of the movements stay inside the origin's province.
        let dest = if rng.r#gen::<f64>() < 0.5 {
            let members = &self.province_members[origin];
            members[rng.gen_range(0..members.len())]
        } else {
            self.origin.sample(rng)
        };
        let from = self.munis[origin].pool[rng.gen_range(0..POOL)];
        let to = self.munis[dest].pool[rng.gen_range(0..POOL)];
        let day = self.days.sample(rng) as i64;
        let secs = (beta(rng, 2.2, 2.2) * 86_400.0) as i64;
        let mode = self.modes.sample(rng);
        let tonnes = round_to(
            MEAN_TONNES[mode] * lognormal(rng, LOGNORMAL_SIGMA)
                / (LOGNORMAL_SIGMA * LOGNORMAL_SIGMA / 2.0).exp(),
            3,
        );
        let nst_chapter = self.chapters.sample(rng) as i32 + 1;
        let id = self.next_id;
        self.next_id += 1;
        Movement {
            id,
            ts: (START + day * 86_400 + secs) * 1_000_000,
            origin,
            dest,
            from,
            to,
            mode,
            nst_chapter,
            tonnes,
            distance_km: round_to(haversine_km(from, to) * 1.25 + 1.0, 2),
        }
    }
}

impl Iterator for Generator {
    type Item = Movement;

    fn next(&mut self) -> Option<Movement> {
        Some(self.movement())
    }
}

/// The municipalities as `gen_movements.py` writes `municipalities.csv`.
fn municipalities_csv(munis: &[Municipality]) -> String {
    use koers_core::csv::quote;
    let mut s = format!("{MUNICIPALITY_HEADER}\n");
    for m in munis {
        s.push_str(&format!(
            "{},{},{},{},{}\n",
            quote(&m.code),
            quote(&m.name),
            quote(&m.province_code),
            quote(&m.province_name),
            m.weight as i64
        ));
    }
    s
}

fn movement_schema() -> Arc<Schema> {
    let f = |name: &str, t: DataType| Field::new(name, t, false);
    Arc::new(Schema::new(vec![
        f("id", DataType::Int64),
        f("ts", DataType::Timestamp(TimeUnit::Microsecond, None)),
        f("origin_gm", DataType::Utf8),
        f("dest_gm", DataType::Utf8),
        f("origin_lon", DataType::Float64),
        f("origin_lat", DataType::Float64),
        f("dest_lon", DataType::Float64),
        f("dest_lat", DataType::Float64),
        f("mode", DataType::Utf8),
        f("nst_chapter", DataType::Int32),
        f("tonnes", DataType::Float64),
        f("distance_km", DataType::Float64),
    ]))
}

fn batch(schema: &Arc<Schema>, munis: &[Municipality], rows: &[Movement]) -> Result<RecordBatch> {
    let f64s = |g: fn(&Movement) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from_iter_values(rows.iter().map(g)))
    };
    let codes = |g: fn(&Movement) -> usize| -> ArrayRef {
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|m| munis[g(m)].code.as_str()),
        ))
    };
    let columns: Vec<ArrayRef> = vec![
        Arc::new(Int64Array::from_iter_values(rows.iter().map(|m| m.id))),
        Arc::new(TimestampMicrosecondArray::from_iter_values(
            rows.iter().map(|m| m.ts),
        )),
        codes(|m| m.origin),
        codes(|m| m.dest),
        f64s(|m| m.from[0]),
        f64s(|m| m.from[1]),
        f64s(|m| m.to[0]),
        f64s(|m| m.to[1]),
        Arc::new(StringArray::from_iter_values(
            rows.iter().map(|m| MODES[m.mode]),
        )),
        Arc::new(Int32Array::from_iter_values(
            rows.iter().map(|m| m.nst_chapter),
        )),
        f64s(|m| m.tonnes),
        f64s(|m| m.distance_km),
    ];
    Ok(RecordBatch::try_new(schema.clone(), columns)?)
}

/// Generates `rows` movements into a Parquet file and the municipalities into a CSV file.
pub fn generate_files(rows: usize, movements: &Path, municipalities: &Path) -> Result<()> {
    let pb = ProgressBar::new(rows as u64);
    pb.set_style(
        ProgressStyle::with_template("{spinner} {msg} [{bar:40}] {pos}/{len} ({eta})")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    pb.set_message("bewegingen genereren");
    let generator = Generator::new(SEED)?;
    std::fs::write(
        municipalities,
        municipalities_csv(generator.municipalities()),
    )?;
    write_movements(generator, rows, movements, |m| m, &pb)?;
    pb.finish_and_clear();
    Ok(())
}

/// Generates `rows` movements of the month after the generated years (January 2026), with
/// ids from `first_id` on, into the Parquet file `movements` (the columns of
/// [`generate_files`]): what a new month of data appends.
pub fn generate_month(rows: usize, first_id: i64, movements: &Path) -> Result<()> {
    let mut generator = Generator::new(SEED + 1)?;
    generator.next_id = first_id;
    const MONTH: i64 = 31 * 86_400;
    let next = START + DAYS as i64 * 86_400;
    let shift = |mut m: Movement| {
        m.ts = (next + (m.ts / 1_000_000 - START).rem_euclid(MONTH)) * 1_000_000;
        m
    };
    write_movements(generator, rows, movements, shift, &ProgressBar::hidden())
}

/// Writes `rows` movements of `generator` (each as `each` makes it) to `path`.
fn write_movements(
    mut generator: Generator,
    rows: usize,
    path: &Path,
    each: impl Fn(Movement) -> Movement,
    pb: &ProgressBar,
) -> Result<()> {
    let schema = movement_schema();
    let mut writer = ArrowWriter::try_new(std::fs::File::create(path)?, schema.clone(), None)?;
    let mut left = rows;
    let mut chunk = Vec::with_capacity(BATCH.min(rows));
    while left > 0 {
        let n = left.min(BATCH);
        chunk.clear();
        chunk.extend(generator.by_ref().take(n).map(&each));
        writer.write(&batch(&schema, generator.municipalities(), &chunk)?)?;
        left -= n;
        pb.inc(n as u64);
    }
    writer.close()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------
// Into the workspace.

/// Imports generated data as dataset `name`; `crs` names the coordinates' CRS where the file
/// does not (GeoJSON in RD New).
pub(crate) async fn import_as(
    ws: &Workspace,
    org: &Organisation,
    source: ImportSource,
    (name, crs): (&str, Option<&str>),
    meta: DatasetMeta,
) -> Result<()> {
    let pb = crate::console::bar();
    pb.set_message(format!("{name} importeren"));
    let progress = Arc::new(crate::console::Bar(pb.clone()));
    let r = crate::import(ws, org, source, (name, crs, true), meta, progress).await;
    pb.finish_and_clear();
    let (ds, v) = r?;
    println!("Bron {} geïmporteerd: {} rijen.", ds.name, v.row_count);
    Ok(())
}

fn meta(title: &str, description: String, org: &Organisation) -> DatasetMeta {
    DatasetMeta {
        description,
        theme: "TRAN".into(),
        cadence: "ANNUAL".into(),
        tags: vec![
            "demo".into(),
            "gegenereerd".into(),
            "logistiek".into(),
            "goederenvervoer".into(),
        ],
        ..DatasetMeta::for_new(title, &org.name)
    }
}

/// Generates (or reads from `--movements DIR`) the movements and imports them as the
/// datasets `movements` and `municipalities`.
async fn import_movements(ws: &Workspace, org: &Organisation, args: &MovementArgs) -> Result<()> {
    let (sources, how) = match &args.movements {
        Some(dir) => (
            [
                ImportSource::Path(dir.join("movements.parquet")),
                ImportSource::Path(dir.join("municipalities.csv")),
            ],
            format!("ingelezen uit {}", dir.display()),
        ),
        None => {
            let (mv, mu) = (ws.temp_path("parquet")?, ws.temp_path("csv")?);
            let rows = args.movements_rows;
            let (a, b) = (mv.clone(), mu.clone());
            let made = tokio::task::spawn_blocking(move || generate_files(rows, &a, &b))
                .await
                .map_err(|e| anyhow!("genereren afgebroken: {e}"));
            if let Err(e) = made.and_then(|r| r) {
                let _ = std::fs::remove_file(&mv);
                let _ = std::fs::remove_file(&mu);
                return Err(e);
            }
            (
                [
                    ImportSource::Upload {
                        path: mv,
                        file_name: "movements.parquet".into(),
                    },
                    ImportSource::Upload {
                        path: mu,
                        file_name: "municipalities.csv".into(),
                    },
                ],
                format!("gegenereerd door koers (zaad {SEED})"),
            )
        }
    };
    let temp: Vec<PathBuf> = sources
        .iter()
        .filter_map(|s| match s {
            ImportSource::Upload { path, .. } => Some(path.clone()),
            _ => None,
        })
        .collect();
    let [mv, mu] = sources;
    let r = async {
        import_as(
            ws,
            org,
            mv,
            ("movements", None),
            meta(
                "Gegenereerde goederenbewegingen (demo)",
                format!(
                    "GEGENEREERDE gegevens, geen waarnemingen: vervoersbewegingen van goederen tussen de echte gemeenten van 2025, 2021–2025, over weg, binnenvaart, spoor en zee ({how}, zoals bench/gen_movements.py). Kolommen: id, ts, origin_gm, dest_gm, origin_lon, origin_lat, dest_lon, dest_lat (WGS84, binnen de gemeente), mode (road, inland_water, rail, sea), nst_chapter (NST 2007-hoofdstuk), tonnes, distance_km. Het model voor de monitor logistieke bewegingen; koppel de echte bronnen (CBS, Rijkswaterstaat) via de catalogus."
                ),
                org,
            ),
        )
        .await?;
        import_as(
            ws,
            org,
            mu,
            ("municipalities", None),
            meta(
                "Gemeenten met provincie en gewicht (demo)",
                format!(
                    "Hulptabel bij de GEGENEREERDE goederenbewegingen ({how}): per gemeente van 2025 (gm_code, name) de provincie (province_code, province_name) en het gewicht waarmee bewegingen er beginnen (2000 plus de inwoners van de plaatsen erin; GeoNames, CC BY 4.0)."
                ),
                org,
            ),
        )
        .await
    }
    .await;
    for t in temp {
        let _ = std::fs::remove_file(t);
    }
    r
}

// ---------------------------------------------------------------------------------------
// Analyses, indicators, monitor.

/// A saved analysis of the monitor: title, description, SQL, parameters (name, type,
/// default). An empty text or a 0 year means "all".
type AnalysisDef = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, ParamKind, &'static str)],
);

const JAAR: (&str, ParamKind, &str) = ("jaar", ParamKind::Integer, "2025");
const ALLE_JAREN: (&str, ParamKind, &str) = ("jaar", ParamKind::Integer, "0");
const UTRECHT: (&str, ParamKind, &str) = ("provincie", ParamKind::Text, "PV26");
const ALLE_PROVINCIES: (&str, ParamKind, &str) = ("provincie", ParamKind::Text, "");
const ALLE_MODALITEITEN: (&str, ParamKind, &str) = ("modaliteit", ParamKind::Text, "");

/// The analyses, in the order the report lists them.
pub const ANALYSES: [AnalysisDef; 7] = [
    (
        "Goederenvervoer per week, provincie en modaliteit",
        "Tonnen en bewegingen per week (maandag) per provincie van herkomst en modaliteit. Alleen hele weken: weken die in het gekozen jaar beginnen en waarvan de gegevens voorbij het einde reiken. Provincie en modaliteit: geen keuze = alle.",
        "SELECT w.* FROM (SELECT CAST(date_trunc('week', m.ts) AS DATE) AS week, g.province_code, g.province_name, m.mode, COUNT(*) AS movements, ROUND(SUM(m.tonnes), 1) AS tonnes \
         FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm \
         WHERE EXTRACT(YEAR FROM date_trunc('week', m.ts)) = {{jaar}} \
         AND ({{provincie}} = '' OR g.province_code = {{provincie}}) \
         AND ({{modaliteit}} = '' OR m.mode = {{modaliteit}}) \
         GROUP BY 1, 2, 3, 4) w \
         WHERE CAST(w.week AS TIMESTAMP) + INTERVAL '7 days' <= (SELECT MAX(ts) FROM movements) ORDER BY 1, 2, 4",
        &[JAAR, UTRECHT, ALLE_MODALITEITEN],
    ),
    (
        "Modal split in tonkilometers per maand",
        "Aandeel van elke modaliteit in de tonkilometers (gewicht × afstand) per maand. Jaar: 0 = alle jaren; provincie van herkomst: geen keuze = heel Nederland.",
        "WITH t AS (SELECT CAST(date_trunc('month', m.ts) AS DATE) AS month, m.mode, SUM(m.tonnes * m.distance_km) AS tonne_km \
         FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm \
         WHERE ({{jaar}} = 0 OR EXTRACT(YEAR FROM m.ts) = {{jaar}}) \
         AND ({{provincie}} = '' OR g.province_code = {{provincie}}) \
         GROUP BY 1, 2) \
         SELECT month, mode, ROUND(tonne_km, 0) AS tonne_km, ROUND(100.0 * tonne_km / SUM(tonne_km) OVER (PARTITION BY month), 2) AS share_pct \
         FROM t ORDER BY month, mode",
        &[ALLE_JAREN, ALLE_PROVINCIES],
    ),
    (
        "Aandeel spoor en binnenvaart in tonkilometers per maand",
        "Het deel van de tonkilometers dat over spoor en binnenvaart gaat, per maand, in procenten. Jaar: 0 = alle jaren; provincie van herkomst: geen keuze = heel Nederland.",
        "SELECT CAST(date_trunc('month', m.ts) AS DATE) AS month, \
         ROUND(100.0 * SUM(CASE WHEN m.mode IN ('rail', 'inland_water') THEN m.tonnes * m.distance_km ELSE 0 END) / SUM(m.tonnes * m.distance_km), 2) AS share_pct, \
         ROUND(SUM(CASE WHEN m.mode IN ('rail', 'inland_water') THEN m.tonnes * m.distance_km ELSE 0 END), 0) AS tonne_km_rail_water, \
         ROUND(SUM(m.tonnes * m.distance_km), 0) AS tonne_km \
         FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm \
         WHERE ({{jaar}} = 0 OR EXTRACT(YEAR FROM m.ts) = {{jaar}}) \
         AND ({{provincie}} = '' OR g.province_code = {{provincie}}) \
         GROUP BY 1 ORDER BY 1",
        &[ALLE_JAREN, ALLE_PROVINCIES],
    ),
    (
        "Goederenstromen tussen provincies",
        "Bewegingen, tonnen en tonkilometers van provincie van herkomst naar provincie van bestemming. Jaar: 0 = alle jaren; modaliteit: geen keuze = alle.",
        "SELECT o.province_code AS origin_province_code, o.province_name AS origin_province_name, d.province_code AS dest_province_code, d.province_name AS dest_province_name, \
         COUNT(*) AS movements, ROUND(SUM(m.tonnes), 1) AS tonnes, ROUND(SUM(m.tonnes * m.distance_km), 0) AS tonne_km \
         FROM movements m JOIN municipalities o ON o.gm_code = m.origin_gm JOIN municipalities d ON d.gm_code = m.dest_gm \
         WHERE ({{jaar}} = 0 OR EXTRACT(YEAR FROM m.ts) = {{jaar}}) \
         AND ({{modaliteit}} = '' OR m.mode = {{modaliteit}}) \
         GROUP BY 1, 2, 3, 4 ORDER BY tonnes DESC, 1, 3",
        &[JAAR, ALLE_MODALITEITEN],
    ),
    (
        "Verandering ten opzichte van vorig jaar per provincie",
        "Tonnen per jaar per provincie van herkomst, met het jaar ervoor en de verandering in procenten (leeg in het eerste jaar). Provincie en modaliteit: geen keuze = alle.",
        "WITH y AS (SELECT g.province_code, g.province_name, CAST(EXTRACT(YEAR FROM m.ts) AS BIGINT) AS year, COUNT(*) AS movements, SUM(m.tonnes) AS tonnes \
         FROM movements m JOIN municipalities g ON g.gm_code = m.origin_gm \
         WHERE ({{provincie}} = '' OR g.province_code = {{provincie}}) \
         AND ({{modaliteit}} = '' OR m.mode = {{modaliteit}}) \
         GROUP BY 1, 2, 3), \
         c AS (SELECT province_code, province_name, year, movements, tonnes, LAG(tonnes) OVER (PARTITION BY province_code ORDER BY year) AS previous FROM y) \
         SELECT province_code, province_name, year, movements, ROUND(tonnes, 1) AS tonnes, ROUND(previous, 1) AS tonnes_previous_year, \
         ROUND(100.0 * (tonnes - previous) / previous, 2) AS change_pct \
         FROM c ORDER BY province_code, year",
        &[UTRECHT, ALLE_MODALITEITEN],
    ),
    (
        "Tonnen per gemeente",
        "Per gemeente, voor een kaart van de gemeenten, de vertrekkende en aankomende bewegingen en tonnen. Jaar: 0 = alle jaren; modaliteit: geen keuze = alle; provincie: om in te zoomen (geen keuze = alle gemeenten).",
        "WITH f AS (SELECT * FROM movements WHERE ({{jaar}} = 0 OR EXTRACT(YEAR FROM ts) = {{jaar}}) AND ({{modaliteit}} = '' OR mode = {{modaliteit}})), \
         o AS (SELECT origin_gm AS gm_code, COUNT(*) AS departures, SUM(tonnes) AS tonnes_out FROM f GROUP BY 1), \
         d AS (SELECT dest_gm AS gm_code, COUNT(*) AS arrivals, SUM(tonnes) AS tonnes_in FROM f GROUP BY 1) \
         SELECT g.gm_code, g.name, g.province_code, COALESCE(o.departures, 0) AS departures, ROUND(COALESCE(o.tonnes_out, 0), 1) AS tonnes_out, \
         COALESCE(d.arrivals, 0) AS arrivals, ROUND(COALESCE(d.tonnes_in, 0), 1) AS tonnes_in \
         FROM municipalities g LEFT JOIN o ON o.gm_code = g.gm_code LEFT JOIN d ON d.gm_code = g.gm_code \
         WHERE ({{provincie}} = '' OR g.province_code = {{provincie}}) \
         ORDER BY g.gm_code",
        &[JAAR, ALLE_MODALITEITEN, ALLE_PROVINCIES],
    ),
    (
        "Tonnen per provincie",
        "Per provincie, voor een kaart, de vertrekkende en aankomende bewegingen, tonnen en de tonkilometers van vertrek. Jaar: 0 = alle jaren; modaliteit: geen keuze = alle.",
        "WITH f AS (SELECT * FROM movements WHERE ({{jaar}} = 0 OR EXTRACT(YEAR FROM ts) = {{jaar}}) AND ({{modaliteit}} = '' OR mode = {{modaliteit}})), \
         o AS (SELECT g.province_code, COUNT(*) AS departures, SUM(f.tonnes) AS tonnes_out, SUM(f.tonnes * f.distance_km) AS tonne_km FROM f JOIN municipalities g ON g.gm_code = f.origin_gm GROUP BY 1), \
         d AS (SELECT g.province_code, COUNT(*) AS arrivals, SUM(f.tonnes) AS tonnes_in FROM f JOIN municipalities g ON g.gm_code = f.dest_gm GROUP BY 1), \
         p AS (SELECT DISTINCT province_code, province_name FROM municipalities) \
         SELECT p.province_code, p.province_name, COALESCE(o.departures, 0) AS departures, ROUND(COALESCE(o.tonnes_out, 0), 1) AS tonnes_out, \
         COALESCE(d.arrivals, 0) AS arrivals, ROUND(COALESCE(d.tonnes_in, 0), 1) AS tonnes_in, ROUND(COALESCE(o.tonne_km, 0), 0) AS tonne_km \
         FROM p LEFT JOIN o ON o.province_code = p.province_code LEFT JOIN d ON d.province_code = p.province_code \
         ORDER BY p.province_code",
        &[JAAR, ALLE_MODALITEITEN],
    ),
];

fn params(ps: &[(&str, ParamKind, &str)]) -> Vec<Param> {
    ps.iter()
        .map(|(name, kind, default)| Param {
            name: (*name).into(),
            kind: *kind,
            default: (*default).into(),
        })
        .collect()
}

/// A number from the first cell of a query's answer.
async fn scalar(ws: &Workspace, org: &Organisation, sql: &str) -> Result<Option<f64>> {
    let out = ws
        .query(&org.id, sql, 10, None)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    let r = Results::from_output(&out)?;
    Ok(r.rows
        .first()
        .and_then(|row| row.first())
        .and_then(Value::as_f64))
}

/// An indicator on the analysis at `index` of [`ANALYSES`].
struct IndicatorDef {
    analysis: usize,
    name: &'static str,
    description: &'static str,
    unit: &'static str,
    period: &'static str,
    value: &'static str,
    region: &'static str,
    grain: &'static str,
    target: String,
    green: String,
    amber: String,
}

/// Seeds the movements, the analyses, the indicators and the monitor, and refreshes the
/// indicators once.
/// What the logistics demo made: the analyses' ids in the order of [`ANALYSES`] and the
/// indicators' ids.
pub struct Seeded {
    pub analyses: Vec<String>,
    pub indicators: Vec<String>,
}

/// What the movements' columns mean, as a data steward says it: titles and units, and the
/// modes' code list, so that pages read "Weg" and "Binnenvaart" instead of codes.
pub fn column_labels() -> Vec<(&'static str, serde_json::Value)> {
    vec![
        (
            "mode",
            serde_json::json!({"title": "Modaliteit", "codes": {"road": "Weg", "rail": "Spoor", "inland_water": "Binnenvaart", "sea": "Zeevaart"}}),
        ),
        (
            "tonnes",
            serde_json::json!({"title": "Vervoerd gewicht", "unit": "ton"}),
        ),
        (
            "distance_km",
            serde_json::json!({"title": "Afstand", "unit": "km"}),
        ),
        ("ts", serde_json::json!({"title": "Moment van vertrek"})),
    ]
}

pub async fn seed(
    ws: &Workspace,
    org: &Organisation,
    analyst: &User,
    args: &MovementArgs,
) -> Result<Seeded> {
    import_movements(ws, org, args).await?;
    let who = principal(ws, org, analyst).await?;
    let mut analysis_ids = Vec::new();
    for (title, description, sql, ps) in ANALYSES {
        let description = format!("{description} Op gegenereerde demogegevens.");
        let a = save_analysis(ws, &who, (title, &description, sql), &params(ps)).await?;
        analysis_ids.push(a.id);
    }
    // The weekly target follows the data: at least the 2024 average, 3% growth as target.
    // A query over many rows may outlast the query time limit: the demo then goes on
    // without (a warning says what to do), rather than leave half a workspace.
    let weekly = scalar(
        ws,
        org,
        "SELECT SUM(m.tonnes) / COUNT(DISTINCT date_trunc('week', m.ts)) FROM movements m \
         JOIN municipalities g ON g.gm_code = m.origin_gm \
         WHERE g.province_code = 'PV26' AND EXTRACT(YEAR FROM m.ts) = 2024",
    )
    .await
    .unwrap_or_else(|e| {
        eprintln!("waarschuwing: weekgemiddelde 2024 niet berekend ({e}); drempels op 0");
        None
    })
    .unwrap_or(0.0);
    let defs = [
        IndicatorDef {
            analysis: 0,
            name: "Tonnen per week, provincie Utrecht",
            description: "Goederen die per week vanuit een Utrechtse gemeente vertrekken, over alle modaliteiten. Groen vanaf het weekgemiddelde van 2024, doel 3% groei. Gegenereerde demogegevens.",
            unit: "ton",
            period: "week",
            value: "tonnes",
            region: "province_code",
            grain: "week",
            target: format!("{:.0}", weekly * 1.03),
            green: format!("{weekly:.0}"),
            amber: format!("{:.0}", weekly * 0.85),
        },
        IndicatorDef {
            analysis: 2,
            name: "Aandeel spoor en binnenvaart in tonkilometers",
            description: "Het deel van de tonkilometers over spoor en binnenvaart in heel Nederland, per maand. Doel 60%; groen vanaf 60%, oranje vanaf 50%. Gegenereerde demogegevens.",
            unit: "%",
            period: "month",
            value: "share_pct",
            region: "",
            grain: "month",
            target: "60".into(),
            green: "60".into(),
            amber: "50".into(),
        },
        IndicatorDef {
            analysis: 4,
            name: "Groei goederenvervoer Utrecht ten opzichte van vorig jaar",
            description: "Verandering van de tonnen die vanuit Utrecht vertrekken, ten opzichte van het jaar ervoor. Doel 3% groei; groen vanaf 2%, oranje vanaf 0%. Gegenereerde demogegevens.",
            unit: "%",
            period: "year",
            value: "change_pct",
            region: "province_code",
            grain: "year",
            target: "3".into(),
            green: "2".into(),
            amber: "0".into(),
        },
    ];
    // Each indicator is checked against its analysis' columns as it is created; one whose
    // analysis outlasts the query time limit is left out with a warning.
    let mut indicators = Vec::new();
    for d in defs {
        let made = products::create_indicator(
            ws,
            &who,
            input(json!({
                "name": d.name,
                "description": d.description,
                "unit": d.unit,
                "analysisId": analysis_ids[d.analysis],
                "periodColumn": d.period,
                "valueColumn": d.value,
                "regionColumn": d.region,
                "grain": d.grain,
                "direction": "up",
                "target": d.target,
                "greenThreshold": d.green,
                "amberThreshold": d.amber,
            })),
        )
        .await;
        match made {
            Ok(i) => indicators.push(i),
            Err(e) => eprintln!(
                "waarschuwing: indicator {} niet aangemaakt ({}); maak hem op de pagina Producten, zo nodig met een ruimere query_seconds",
                d.name,
                e.detail()
            ),
        }
    }
    let ids: Vec<String> = indicators.iter().map(|i| i.id.clone()).collect();
    products::create_monitor(
        ws,
        &who,
        input(json!({
            "name": "Logistieke bewegingen",
            "description": "De modelcasus van Provincie Utrecht: goederenvervoer over weg, water en spoor per week, de modal split en de groei ten opzichte van vorig jaar. Op GEGENEREERDE demogegevens.",
            "indicatorIds": ids,
        })),
    )
    .await?;
    for i in indicators {
        let name = i.name.clone();
        if let Err(e) = products::refresh_now(ws, &who.actor(), i).await {
            eprintln!(
                "waarschuwing: indicator {name} is niet ververst ({e}); ververs hem op zijn pagina, zo nodig met een ruimere query_seconds"
            );
        }
    }
    println!(
        "Demo-monitor Logistieke bewegingen: {} analyses, {} indicatoren (gegenereerde gegevens).",
        ANALYSES.len(),
        ids.len()
    );
    Ok(Seeded {
        analyses: analysis_ids,
        indicators: ids,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(n: usize) -> (Generator, Vec<Movement>) {
        let mut g = Generator::new(SEED).unwrap();
        let rows: Vec<Movement> = g.by_ref().take(n).collect();
        (g, rows)
    }

    #[test]
    fn deterministic_for_a_seed() {
        let (_, a) = sample(500);
        let (_, b) = sample(500);
        assert_eq!(a, b);
        let mut other = Generator::new(SEED + 1).unwrap();
        let c: Vec<Movement> = other.by_ref().take(500).collect();
        assert_ne!(a, c);
    }

    #[test]
    fn distributions_match_the_reference_generator() {
        let n = 40_000;
        let (g, rows) = sample(n);
        let munis = g.municipalities();
        assert_eq!(munis.len(), 342);
        assert!(munis.iter().all(|m| m.province_code.starts_with("PV")));
        let provinces: std::collections::BTreeSet<&str> =
            munis.iter().map(|m| m.province_code.as_str()).collect();
        assert_eq!(provinces.len(), 12);
        let utrecht = munis.iter().find(|m| m.code == "GM0344").unwrap();
        assert_eq!(utrecht.province_code, "PV26");
        assert!(utrecht.weight > 250_000.0, "{}", utrecht.weight);

        // Mode shares within two percentage points.
        for (i, share) in MODE_SHARES.iter().enumerate() {
            let got = rows.iter().filter(|m| m.mode == i).count() as f64 / n as f64;
            assert!((got - share).abs() < 0.02, "{}: {got}", MODES[i]);
        }
        // About half (the intra half plus the chance hits of the other half) stay inside.
        let intra = rows
            .iter()
            .filter(|m| munis[m.origin].province_code == munis[m.dest].province_code)
            .count() as f64
            / n as f64;
        assert!((0.5..0.65).contains(&intra), "{intra}");
        // Every timestamp in 2021–2025; weekdays busier than Sundays; slow growth.
        let end = (START + DAYS as i64 * 86_400) * 1_000_000;
        assert!(rows.iter().all(|m| m.ts >= START * 1_000_000 && m.ts < end));
        let dow = |m: &Movement| ((m.ts / 1_000_000 - START) / 86_400 + 4) % 7;
        let mondays = rows.iter().filter(|m| dow(m) == 0).count();
        let sundays = rows.iter().filter(|m| dow(m) == 6).count();
        assert!(mondays > 3 * sundays, "{mondays} {sundays}");
        let year = |m: &Movement| (m.ts / 1_000_000 - START) / (365 * 86_400);
        let first = rows.iter().filter(|m| year(m) == 0).count();
        let last = rows.iter().filter(|m| year(m) == 4).count();
        assert!(last > first, "{first} {last}");
        // Tonnes: lognormal around the mode's mean; distances from the haversine rule.
        let road: Vec<f64> = rows
            .iter()
            .filter(|m| m.mode == 0)
            .map(|m| m.tonnes)
            .collect();
        let mean = road.iter().sum::<f64>() / road.len() as f64;
        assert!((mean - 14.0).abs() < 0.5, "{mean}");
        assert!(rows.iter().all(|m| m.tonnes > 0.0 && m.distance_km >= 1.0));
        for m in rows.iter().take(100) {
            let want = round_to(haversine_km(m.from, m.to) * 1.25 + 1.0, 2);
            assert_eq!(m.distance_km, want);
        }
        assert!(
            rows.iter()
                .all(|m| (1..=20).contains(&m.nst_chapter) && m.id >= 1)
        );
        // Time of day: beta(2.2, 2.2) peaks at noon.
        let hour = |m: &Movement| (m.ts / 1_000_000).rem_euclid(86_400) / 3600;
        let noon = rows.iter().filter(|m| (10..14).contains(&hour(m))).count();
        let night = rows.iter().filter(|m| hour(m) < 4).count();
        assert!(noon > 4 * night, "{noon} {night}");
    }

    #[test]
    fn points_lie_inside_their_municipality() {
        use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
        let (g, rows) = sample(2_000);
        let munis = g.municipalities();
        let shapes: BTreeMap<String, MultiPolygon<f64>> = boundary("gemeenten")
            .unwrap()
            .into_iter()
            .map(|a| {
                let polys = a
                    .polys
                    .iter()
                    .map(|rings| {
                        let ls = |r: &Vec<[f64; 2]>| {
                            LineString::from(
                                r.iter()
                                    .map(|[x, y]| Coord { x: *x, y: *y })
                                    .collect::<Vec<_>>(),
                            )
                        };
                        Polygon::new(ls(&rings[0]), rings[1..].iter().map(ls).collect())
                    })
                    .collect::<Vec<_>>();
                (a.code, MultiPolygon::new(polys))
            })
            .collect();
        for m in &rows {
            for (i, [x, y]) in [(m.origin, m.from), (m.dest, m.to)] {
                let shape = &shapes[&munis[i].code];
                assert!(
                    shape.contains(&Point::new(x, y)),
                    "{x},{y} outside {}",
                    munis[i].code
                );
            }
        }
    }

    #[test]
    fn samplers_have_the_right_moments() {
        let mut rng = Xoshiro::seed_from_u64(7);
        let n = 50_000;
        let b: Vec<f64> = (0..n).map(|_| beta(&mut rng, 2.2, 2.2)).collect();
        let mean = b.iter().sum::<f64>() / n as f64;
        let var = b.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / n as f64;
        // Beta(a, a): mean 1/2, variance 1 / (4 (2a + 1)).
        assert!((mean - 0.5).abs() < 0.01, "{mean}");
        assert!((var - 1.0 / (4.0 * 5.4)).abs() < 0.003, "{var}");
        assert!(b.iter().all(|x| (0.0..=1.0).contains(x)));
        let l: Vec<f64> = (0..n).map(|_| lognormal(&mut rng, 0.55)).collect();
        let mean = l.iter().sum::<f64>() / n as f64;
        assert!((mean - (0.55f64 * 0.55 / 2.0).exp()).abs() < 0.02, "{mean}");
        let w = Weighted::new([1.0, 0.0, 3.0]);
        let picks: Vec<usize> = (0..10_000).map(|_| w.sample(&mut rng)).collect();
        assert!(!picks.contains(&1));
        let threes = picks.iter().filter(|p| **p == 2).count();
        assert!((7_200..7_800).contains(&threes), "{threes}");
    }

    #[test]
    fn csv_and_parquet_have_the_reference_columns() {
        let dir = tempfile::tempdir().unwrap();
        let (mv, mu) = (dir.path().join("m.parquet"), dir.path().join("g.csv"));
        generate_files(1_000, &mv, &mu).unwrap();
        let text = std::fs::read_to_string(&mu).unwrap();
        assert!(text.starts_with(&format!("{MUNICIPALITY_HEADER}\nGM0014,Groningen,PV20,")));
        assert_eq!(text.lines().count(), 343);
        let b =
            ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&mv).unwrap()).unwrap();
        assert_eq!(b.metadata().file_metadata().num_rows(), 1_000);
        let names: Vec<&String> = b.schema().fields().iter().map(|f| f.name()).collect();
        assert_eq!(names, MOVEMENT_COLUMNS);
    }

    #[test]
    fn analyses_are_valid_and_bad_requests_are_refused() {
        for (title, _, sql, ps) in ANALYSES {
            let used = koers_engine::params::names(sql).unwrap();
            koers_core::analysis::parse_analysis(title, sql, &params(ps), &used).unwrap();
        }
        let rows = |n| MovementArgs {
            movements_rows: n,
            movements: None,
        };
        assert!(rows(0).check().is_err());
        assert!(rows(MAX_ROWS + 1).check().is_err());
        assert!(rows(10).check().is_ok());
        let dir = tempfile::tempdir().unwrap();
        let folder = MovementArgs {
            movements_rows: 10,
            movements: Some(dir.path().to_path_buf()),
        };
        assert!(format!("{:#}", folder.check().unwrap_err()).contains("movements.parquet"));
        std::fs::write(dir.path().join("movements.parquet"), b"not parquet").unwrap();
        assert!(format!("{:#}", folder.check().unwrap_err()).contains("Parquet"));
        generate_files(
            10,
            &dir.path().join("movements.parquet"),
            &dir.path().join("municipalities.csv"),
        )
        .unwrap();
        assert!(folder.check().is_ok());
        std::fs::write(dir.path().join("municipalities.csv"), "a,b\n").unwrap();
        assert!(format!("{:#}", folder.check().unwrap_err()).contains("kopregel"));
    }
}
