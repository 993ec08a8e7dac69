//! Import: a source file becomes one immutable Parquet version file.
//!
//! The file is written under a temporary name in the output directory and renamed when
//! complete, so an interrupted or failed import leaves no file behind.

use std::fs::File;
use std::path::{Path, PathBuf};

use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use serde::{Deserialize, Serialize};

use crate::error::{EngineError, Result};
use crate::progress::Progress;
use crate::quality::{ColumnQuality, QualityCollector};
use crate::source::{self, Format};
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
        return Err(EngineError::InvalidInput {
            format: "options",
            message: format!("invalid version file name {:?}", opts.file_name),
        });
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
        return Err(EngineError::InvalidInput {
            format: "options",
            message: format!(
                "column types can only be chosen for a CSV file, not for a {} file",
                format.label()
            ),
        });
    };
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
