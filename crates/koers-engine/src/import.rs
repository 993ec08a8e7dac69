//! Import: a source file becomes one immutable Parquet version file.
//!
//! The file is written under a temporary name in the output directory and renamed when
//! complete, so an interrupted or failed import leaves no file behind.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::{Schema, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::progress::Progress;
use crate::quality::{ColumnQuality, QualityCollector};
use crate::source::{self, Format, Source};
use crate::spatial::crs;

/// How to import a file.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Directory the version file is written to (created if missing).
    pub output_dir: PathBuf,
    /// File name of the version, e.g. `movements@3.parquet`.
    pub file_name: String,
    /// The source format; taken from the file extension when `None` (see [`Format::parse`]
    /// for names a user may type).
    pub format: Option<Format>,
    /// CRS of the source's geometry, `EPSG:28992` or `EPSG:4326`, overriding what the file says.
    pub crs: Option<String>,
    /// The layer (feature table) to import from a GeoPackage with several; only for GeoPackages.
    pub layer: Option<String>,
    /// Types a person chose for columns of a CSV file (by name) over the detected ones.
    pub column_types: std::collections::BTreeMap<String, source::csv::ColumnType>,
}

/// One column of an imported version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnInfo {
    /// Column name, as in the source.
    pub name: String,
    /// Arrow type, e.g. `Int64`, `Utf8`, `Binary`.
    pub data_type: String,
    /// Whether NULLs are allowed.
    pub nullable: bool,
    /// What the column means, in words, when the source says (e.g. CBS' `DataProperties`
    /// title of `AantalInwoners_5`: "Aantal inwoners"). Files carry none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

/// The geometry column of an imported version.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct GeometryInfo {
    /// Column name (`geom` for GeoJSON).
    pub column: String,
    /// `EPSG:4326` or `EPSG:28992`.
    pub crs: String,
    /// Geometry types seen, e.g. `["MultiPolygon", "Polygon"]`.
    pub types: Vec<String>,
}

/// What an import produced.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ImportedVersion {
    /// Full path of the Parquet version file.
    pub path: PathBuf,
    /// Source format.
    pub format: Format,
    /// Rows written.
    pub row_count: u64,
    /// Size of the version file in bytes.
    pub byte_size: u64,
    /// The schema.
    pub columns: Vec<ColumnInfo>,
    /// The geometry column, if any.
    pub geometry: Option<GeometryInfo>,
    /// Quality figures per column.
    pub quality: Vec<ColumnQuality>,
}

/// Removes the temporary file unless the import completed.
struct TempFile {
    path: PathBuf,
    keep: bool,
}

impl Drop for TempFile {
    fn drop(&mut self) {
        if !self.keep {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}

/// Import `src` into a new Parquet version file.
///
/// Blocking: from async code, call it inside `tokio::task::spawn_blocking`.
pub fn import_file(
    src: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportedVersion> {
    let _span = tracing::info_span!("import", file = %src.display()).entered();
    let format = match opts.format {
        Some(f) => f,
        None => Format::from_path(src)?,
    }
    .refine(src)?;
    let srid = opts.crs.as_deref().map(crs::parse_crs).transpose()?;
    if opts.file_name.is_empty()
        || opts.file_name.contains(['/', '\\'])
        || opts.file_name.starts_with('.')
    {
        return Err(EngineError::UnfitOption(format!(
            "ongeldige bestandsnaam voor de versie: {:?}",
            opts.file_name
        )));
    }
    let layer = opts
        .layer
        .as_deref()
        .map(str::trim)
        .filter(|l| !l.is_empty());
    let mut reader: Box<dyn source::Source> = if opts.column_types.is_empty() {
        source::open(format, src, srid, layer, progress)?
    } else if format == Format::Csv {
        Box::new(source::csv::CsvSource::open_with(
            src,
            progress,
            &opts.column_types,
        )?)
    } else {
        return Err(EngineError::UnfitOption(format!(
            "alleen voor een CSV-bestand zijn kolomsoorten te kiezen, niet voor een {}-bestand",
            format.label()
        )));
    };
    write_version(reader.as_mut(), format, opts)
}

/// Writes what `reader` reads as a version file (see [`import_file`]); `format` is what it was
/// read from.
fn write_version(
    reader: &mut dyn source::Source,
    format: Format,
    opts: &ImportOptions,
) -> Result<ImportedVersion> {
    let schema = reader.schema();
    let geometry = reader.geometry();

    std::fs::create_dir_all(&opts.output_dir)?;
    let final_path = opts.output_dir.join(&opts.file_name);
    let tmp = TempFile {
        path: opts.output_dir.join(format!(
            ".{}.{}.partial",
            opts.file_name,
            std::process::id()
        )),
        keep: false,
    };
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(ZstdLevel::default()))
        .build();
    let mut writer = ArrowWriter::try_new(File::create(&tmp.path)?, schema.clone(), Some(props))?;
    let mut quality = QualityCollector::new(
        &schema,
        geometry.as_ref().map(|g| (g.column.as_str(), g.srid)),
    )?;
    let mut rows = 0u64;
    while let Some(batch) = reader.next_batch()? {
        rows += batch.num_rows() as u64;
        quality.update(&batch)?;
        writer.write(&batch)?;
    }
    if rows == 0 {
        return Err(EngineError::Empty);
    }
    let file = writer.into_inner()?;
    file.sync_all()?;
    drop(file);
    std::fs::rename(&tmp.path, &final_path)?;
    let mut tmp = tmp;
    tmp.keep = true;

    let (quality, types) = quality.finish()?;
    Ok(ImportedVersion {
        byte_size: std::fs::metadata(&final_path)?.len(),
        path: final_path,
        format,
        row_count: rows,
        columns: schema
            .fields()
            .iter()
            .map(|f| ColumnInfo {
                name: f.name().clone(),
                data_type: f.data_type().to_string(),
                nullable: f.is_nullable(),
                title: None,
            })
            .collect(),
        geometry: geometry.map(|g| GeometryInfo {
            column: g.column,
            crs: crs::crs_name(g.srid),
            types,
        }),
        quality,
    })
}

/// A source that reads one source to its end, then another with the same columns.
struct Then<'a> {
    first: Box<dyn Source + 'a>,
    then: Box<dyn Source + 'a>,
    first_done: bool,
}

impl Source for Then<'_> {
    fn schema(&self) -> SchemaRef {
        self.first.schema()
    }

    fn geometry(&self) -> Option<source::SourceGeometry> {
        self.first.geometry()
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        if !self.first_done {
            match self.first.next_batch()? {
                Some(b) => return Ok(Some(b)),
                None => self.first_done = true,
            }
        }
        match self.then.next_batch()? {
            // Under the first's schema (the same columns; field metadata may differ).
            Some(b) => Ok(Some(RecordBatch::try_new(
                self.first.schema(),
                b.columns().to_vec(),
            )?)),
            None => Ok(None),
        }
    }
}

/// Why the columns of `added` do not fit `previous`'s to append to it, if they do not.
fn column_difference(previous: &Schema, added: &Schema) -> Option<String> {
    let describe = |s: &Schema| {
        s.fields()
            .iter()
            .map(|f| format!("{} ({})", f.name(), f.data_type()))
            .collect::<Vec<_>>()
    };
    let (p, a) = (describe(previous), describe(added));
    if p == a {
        return None;
    }
    let missing: Vec<&String> = p.iter().filter(|c| !a.contains(c)).collect();
    let extra: Vec<&String> = a.iter().filter(|c| !p.contains(c)).collect();
    let list = |v: Vec<&String>| v.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ");
    Some(match (missing.is_empty(), extra.is_empty()) {
        (true, true) => "de kolommen staan in een andere volgorde".to_string(),
        (false, true) => format!("ontbreekt: {}", list(missing)),
        (true, false) => format!("nieuw: {}", list(extra)),
        (false, false) => format!("ontbreekt: {}; nieuw: {}", list(missing), list(extra)),
    })
}

/// A new version file (written as `opts` says) of the rows of version file `previous`, then
/// those of version file `added` — the rows an import appends. Both must have the same columns,
/// name for name and type for type, in the same order. Blocking, like [`import_file`].
pub fn append_version(
    previous: &Path,
    added: &Path,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<ImportedVersion> {
    let first = source::parquet::ParquetSource::open(previous, None, progress)?;
    let then = source::parquet::ParquetSource::open(added, None, &crate::NoProgress)?;
    if let Some(why) = column_difference(&first.schema(), &then.schema()) {
        return Err(EngineError::NotAnAppend(why));
    }
    let mut both = Then {
        first: Box::new(first),
        then: Box::new(then),
        first_done: false,
    };
    write_version(&mut both, Format::Parquet, opts)
}

/// Rows of a source, taken a given number at a time across its batches.
struct Rows<'a> {
    src: Box<dyn Source + 'a>,
    pending: Option<RecordBatch>,
}

impl Rows<'_> {
    /// Up to `n` of the next rows (fewer at a batch's end); `None` at the end.
    fn take(&mut self, n: usize) -> Result<Option<RecordBatch>> {
        let b = match self.pending.take() {
            Some(b) => b,
            None => match self.src.next_batch()? {
                Some(b) => b,
                None => return Ok(None),
            },
        };
        if b.num_rows() > n {
            self.pending = Some(b.slice(n, b.num_rows() - n));
            Ok(Some(b.slice(0, n)))
        } else {
            Ok(Some(b))
        }
    }
}

impl Source for Rows<'_> {
    fn schema(&self) -> SchemaRef {
        self.src.schema()
    }

    fn geometry(&self) -> Option<source::SourceGeometry> {
        self.src.geometry()
    }

    fn next_batch(&mut self) -> Result<Option<RecordBatch>> {
        self.take(usize::MAX)
    }
}

/// When version file `whole` holds, row for row, every row of version file `start` first and
/// then more: those further rows, written as a version file as `opts` says. `None` when it
/// does not (other columns, other or fewer rows). Blocking, like [`import_file`].
pub fn split_appended(
    start: &Path,
    whole: &Path,
    opts: &ImportOptions,
) -> Result<Option<ImportedVersion>> {
    let mut start = source::parquet::ParquetSource::open(start, None, &crate::NoProgress)?;
    let whole = source::parquet::ParquetSource::open(whole, None, &crate::NoProgress)?;
    if column_difference(&start.schema(), &whole.schema()).is_some() {
        return Ok(None);
    }
    let mut rows = Rows {
        src: Box::new(whole),
        pending: None,
    };
    while let Some(b) = start.next_batch()? {
        let mut at = 0;
        while at < b.num_rows() {
            let Some(w) = rows.take(b.num_rows() - at)? else {
                return Ok(None);
            };
            let same = w
                .columns()
                .iter()
                .zip(b.slice(at, w.num_rows()).columns())
                .all(|(x, y)| x.to_data() == y.to_data());
            if !same {
                return Ok(None);
            }
            at += w.num_rows();
        }
    }
    match write_version(&mut rows, Format::Parquet, opts) {
        Ok(v) => Ok(Some(v)),
        Err(EngineError::Empty) => Ok(None),
        Err(e) => Err(e),
    }
}
