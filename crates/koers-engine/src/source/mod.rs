//! Source readers: one file per format, all behind [`Source`].
//!
//! A reader turns a file into a stream of Arrow record batches with a fixed schema. Geometry
//! comes out as an EWKB `Binary` column tagged with GeoArrow metadata (see [`crate::spatial`]).
//! Readers stream: no reader holds a whole CSV or GeoJSON file in memory (Excel workbooks are
//! the exception, being zip archives of XML that `calamine` reads whole).

pub mod cityjson;
mod column;
pub mod csv;
pub mod geojson;
pub mod geopackage;
pub mod json;
pub mod parquet;
pub mod shapefile;
pub mod xlsx;

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::progress::Progress;

/// Rows per batch when reading sources.
pub const BATCH_ROWS: usize = 8192;

/// A file format koers can import.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Comma-, semicolon- or tab-separated text with a header row, UTF-8.
    Csv,
    /// A GeoJSON FeatureCollection.
    GeoJson,
    /// Apache Parquet (GeoParquet and GeoArrow WKB geometry columns recognised).
    Parquet,
    /// Excel `.xlsx`: the first sheet, first row as header.
    Xlsx,
    /// An Esri shapefile: a `.shp` with its `.dbf` beside it, or a `.zip` holding one set.
    Shapefile,
    /// An OGC GeoPackage (`.gpkg`): one feature table, chosen by name when there are several.
    GeoPackage,
    /// CityJSON or a CityJSON Text Sequence (the 3D BAG): one row per building, its footprint
    /// as the geometry.
    #[serde(rename = "cityjson")]
    CityJson,
    /// JSON records: a list of objects, or one object per line (`.ndjson`).
    Json,
}

/// The formats as users name them, for messages.
pub const FORMAT_NAMES: &str = "CSV, GeoJSON, JSON (een lijst van objecten, of één object per regel: .ndjson), Parquet, Excel (.xlsx), shapefile (.shp of gezipt in een .zip), GeoPackage (.gpkg) en CityJSON (.city.json, .city.jsonl)";

impl Format {
    /// Parse a format name (`csv`, `geojson`, `json`, `parquet`, `xlsx`, `shp`, `shapefile`,
    /// `zip`, `gpkg`, `geopackage`, `cityjson`, `ndjson`; a `.json` list is JSON records, see
    /// [`Format::refine`]).
    pub fn parse(s: &str) -> Result<Format> {
        match s.trim().to_ascii_lowercase().as_str() {
            "csv" | "tsv" | "txt" => Ok(Format::Csv),
            "geojson" | "json" => Ok(Format::GeoJson),
            "parquet" | "geoparquet" | "pq" => Ok(Format::Parquet),
            "xlsx" | "excel" => Ok(Format::Xlsx),
            "shp" | "shapefile" | "zip" => Ok(Format::Shapefile),
            "gpkg" | "geopackage" => Ok(Format::GeoPackage),
            "cityjson" | "jsonl" | "cityjsonseq" => Ok(Format::CityJson),
            "ndjson" | "records" => Ok(Format::Json),
            other => Err(EngineError::UnknownFormat(format!(
                "{other:?}; koers leest {FORMAT_NAMES}"
            ))),
        }
    }

    /// Tell the format from the file's extension; the refusal says what koers does read (and
    /// what to do with an old Excel file), not the file's name, which may be a stored one.
    pub fn from_path(p: &Path) -> Result<Format> {
        let ext = p
            .extension()
            .and_then(|e| e.to_str())
            .unwrap_or_default()
            .to_ascii_lowercase();
        Format::parse(&ext).map_err(|_| {
            EngineError::UnknownFormat(match ext.as_str() {
                "" => format!(
                    "aan een bestand zonder extensie is het formaat niet te zien; geef het formaat op of noem het bestand naar zijn formaat: {FORMAT_NAMES}"
                ),
                "xls" => "een .xls-bestand (Excel 97-2003) leest koers niet; sla het in Excel op als .xlsx-werkmap".to_string(),
                ext => format!("een .{ext}-bestand leest koers niet; koers leest {FORMAT_NAMES}"),
            })
        })
    }

    /// Display name for messages.
    pub fn label(self) -> &'static str {
        match self {
            Format::Csv => "CSV",
            Format::GeoJson => "GeoJSON",
            Format::Parquet => "Parquet",
            Format::Xlsx => "Excel",
            Format::Shapefile => "Shapefile",
            Format::GeoPackage => "GeoPackage",
            Format::CityJson => "CityJSON",
            Format::Json => "JSON",
        }
    }

    /// The format the file's content tells, where its name cannot: a `.json` file of type
    /// CityJSON is CityJSON, and a `.json` file holding a list of objects, or an object that
    /// is no GeoJSON, is JSON records ([`json::is_records`]; a `.geojson` file stays GeoJSON,
    /// and is refused as such).
    pub fn refine(self, path: &Path) -> Result<Format> {
        if self == Format::GeoJson && cityjson::is_cityjson(path)? {
            return Ok(Format::CityJson);
        }
        let named_json = path
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"));
        if self == Format::GeoJson && named_json && json::is_records(path)? {
            return Ok(Format::Json);
        }
        Ok(self)
    }
}

/// The geometry column a source produces.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceGeometry {
    /// Column name.
    pub column: String,
    /// EPSG code of the coordinates.
    pub srid: i32,
}

/// A reader that yields record batches of one schema.
pub trait Source {
    /// The schema of every batch.
    fn schema(&self) -> SchemaRef;
    /// The geometry column, if the source has one.
    fn geometry(&self) -> Option<SourceGeometry>;
    /// The next batch, `None` at the end.
    fn next_batch(&mut self) -> Result<Option<RecordBatch>>;
}

/// Open a source of the given format. `srid` overrides the CRS of geometry columns; `layer`
/// names the table of a GeoPackage with several.
pub fn open<'a>(
    format: Format,
    path: &Path,
    srid: Option<i32>,
    layer: Option<&str>,
    progress: &'a dyn Progress,
) -> Result<Box<dyn Source + 'a>> {
    let len = std::fs::metadata(path)?.len();
    if len == 0 {
        return Err(EngineError::Empty);
    }
    if layer.is_some() && format != Format::GeoPackage {
        return Err(EngineError::UnfitOption(format!(
            "alleen in een GeoPackage is een laag te kiezen, niet in een {}-bestand",
            format.label()
        )));
    }
    match format {
        Format::Csv => Ok(Box::new(csv::CsvSource::open(path, progress)?)),
        Format::GeoJson => Ok(Box::new(geojson::GeoJsonSource::open(
            path, srid, progress,
        )?)),
        Format::Parquet => Ok(Box::new(parquet::ParquetSource::open(
            path, srid, progress,
        )?)),
        Format::Xlsx => Ok(Box::new(xlsx::XlsxSource::open(path, progress)?)),
        Format::Shapefile => Ok(Box::new(shapefile::ShapefileSource::open(
            path, srid, progress,
        )?)),
        Format::GeoPackage => Ok(Box::new(geopackage::GeoPackageSource::open(
            path, srid, layer, progress,
        )?)),
        Format::CityJson => Ok(Box::new(cityjson::CityJsonSource::open(
            path, srid, progress,
        )?)),
        Format::Json => Ok(Box::new(json::JsonSource::open(path, progress)?)),
    }
}

/// Whether the file starts with these bytes.
pub(crate) fn starts_with(path: &Path, magic: &[u8]) -> Result<bool> {
    let mut buf = vec![0u8; magic.len()];
    let mut f = File::open(path)?;
    let mut got = 0;
    while got < buf.len() {
        match f.read(&mut buf[got..])? {
            0 => return Ok(false),
            n => got += n,
        }
    }
    Ok(buf == magic)
}

/// A reader that reports the bytes it reads to a [`Progress`].
pub(crate) struct Counting<'a, R> {
    inner: R,
    progress: &'a dyn Progress,
}

impl<'a> Counting<'a, std::io::BufReader<File>> {
    pub(crate) fn open(path: &Path, progress: &'a dyn Progress) -> Result<Self> {
        Ok(Counting {
            inner: std::io::BufReader::with_capacity(1 << 20, File::open(path)?),
            progress,
        })
    }
}

impl<R: Read> Read for Counting<'_, R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.advance(n as u64);
        Ok(n)
    }
}

/// The bytes a source's reader thread has read, reported to the source's [`Progress`] as its
/// batches go out (the thread itself does not hold the progress).
pub(crate) struct ReadCount {
    read: Arc<AtomicU64>,
    reported: u64,
}

impl ReadCount {
    pub(crate) fn new() -> Self {
        ReadCount {
            read: Arc::new(AtomicU64::new(0)),
            reported: 0,
        }
    }

    /// `inner`, counting what it reads into this count (for the reader thread).
    pub(crate) fn counted<R>(&self, inner: R) -> Counted<R> {
        Counted {
            inner,
            read: Arc::clone(&self.read),
        }
    }

    /// Advances `progress` by what was read since the last report.
    pub(crate) fn report(&mut self, progress: &dyn Progress) {
        let read = self.read.load(Ordering::Relaxed);
        progress.advance(read.saturating_sub(self.reported));
        self.reported = read;
    }
}

/// A reader that adds the bytes it reads to a [`ReadCount`].
pub(crate) struct Counted<R> {
    inner: R,
    read: Arc<AtomicU64>,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

impl<R: Seek> Seek for Counted<R> {
    fn seek(&mut self, pos: SeekFrom) -> std::io::Result<u64> {
        self.inner.seek(pos)
    }
}
