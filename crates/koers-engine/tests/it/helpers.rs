//! Shared helpers: temporary workspaces, small files, the real boundary files.

use std::path::{Path, PathBuf};

use datafusion::arrow::datatypes::Field;
use datafusion::prelude::SessionContext;
use koers_engine::{
    Engine, EngineConfig, EngineError, Format, ImportOptions, ImportedVersion, NoProgress,
    TableRef, import_file,
};

/// A temporary directory with a `data` output folder.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Self {
        Work {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn opts(&self, file_name: &str) -> ImportOptions {
        ImportOptions {
            output_dir: self.out(),
            file_name: file_name.into(),
            format: None,
            crs: None,
            layer: None,
            ..Default::default()
        }
    }

    pub fn import(&self, src: &Path, file_name: &str) -> ImportedVersion {
        import_file(src, &self.opts(file_name), &NoProgress).expect("imports")
    }

    /// Imports `src`, which must be refused as invalid input; the message.
    pub fn refused(&self, src: &Path, file_name: &str) -> String {
        invalid_message(import_file(src, &self.opts(file_name), &NoProgress))
    }

    /// Files in the output folder (to check that failed imports leave nothing).
    pub fn outputs(&self) -> Vec<String> {
        match std::fs::read_dir(self.out()) {
            Err(_) => vec![],
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect(),
        }
    }
}

/// The real CBS boundary files, in the repository's `data/nl`.
pub fn boundaries(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/nl")
        .join(name)
}

pub fn engine() -> Engine {
    Engine::new(EngineConfig {
        target_partitions: 2,
        ..EngineConfig::default()
    })
}

pub fn table(name: &str, v: &ImportedVersion) -> TableRef {
    TableRef::new(name, v.path.clone())
}

/// The message of an import refused as invalid input; panics on anything else.
pub fn invalid_message(r: Result<ImportedVersion, EngineError>) -> String {
    match r {
        Err(EngineError::InvalidInput { message, .. }) => message,
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// Checks what the import of a vector file made: `rows` rows read as `format`, these
/// columns with their types, and a `geom` column in `crs` holding geometries of `types`.
pub fn assert_vector(
    v: &ImportedVersion,
    rows: u64,
    format: Format,
    columns: &[(&str, &str)],
    crs: &str,
    types: &[&str],
) {
    assert_eq!((v.row_count, v.format), (rows, format));
    assert_eq!(column_types(v), columns);
    let g = v.geometry.as_ref().expect("geometry");
    assert_eq!((g.column.as_str(), g.crs.as_str()), ("geom", crs));
    assert_eq!(g.types, types);
}

/// The name and data type of every column of an imported version, in order.
pub fn column_types(v: &ImportedVersion) -> Vec<(&str, &str)> {
    v.columns
        .iter()
        .map(|c| (c.name.as_str(), c.data_type.as_str()))
        .collect()
}

/// The plan DataFusion makes for `sql` in `ctx`, as text (`EXPLAIN`).
pub async fn explain(ctx: &SessionContext, sql: &str) -> String {
    let batches = ctx
        .sql(&format!("EXPLAIN {sql}"))
        .await
        .expect("plans")
        .collect()
        .await
        .expect("explains");
    datafusion::arrow::util::pretty::pretty_format_batches(&batches)
        .expect("formats")
        .to_string()
}

/// The field `geom` of the Parquet file at `path`.
pub fn geom_field(path: &Path) -> Field {
    let file = std::fs::File::open(path).expect("open");
    datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .expect("parquet")
        .schema()
        .field_with_name("geom")
        .expect("geom")
        .clone()
}
