//! One error type for the whole data plane.
//!
//! Every variant carries a message written for the person who caused it (an analyst who typed
//! SQL, a steward who uploaded a file): it names the line, column or table, and never leaks a
//! server path beyond the file the user gave.

use datafusion::error::DataFusionError;

/// What can go wrong in the data plane.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// The input file could not be read as the format it claims to be.
    #[error("invalid {format} input: {message}")]
    InvalidInput {
        /// The source format (`CSV`, `GeoJSON`, …).
        format: &'static str,
        /// What is wrong, with the line or feature where possible.
        message: String,
    },
    /// The input file holds no rows.
    #[error("the file is empty: no rows to import")]
    Empty,
    /// The format could not be told from the file name and none was given.
    #[error("unknown file format: {0}")]
    UnknownFormat(String),
    /// The coordinate reference system is not one koers knows.
    #[error(
        "unsupported coordinate reference system {0:?}: koers supports EPSG:4326 (WGS84) and EPSG:28992 (RD New)"
    )]
    UnknownCrs(String),
    /// The SQL was refused by the sandbox before planning.
    #[error("query not allowed: {0}")]
    Forbidden(String),
    /// The SQL could not be parsed.
    #[error("SQL syntax error: {0}")]
    Syntax(String),
    /// The query ran longer than its time limit and was cancelled.
    #[error("query cancelled: it ran longer than the time limit of {0:?}")]
    Timeout(std::time::Duration),
    /// The query was cancelled by the user.
    #[error("query cancelled")]
    Cancelled,
    /// The query needed more memory than the limit allows.
    #[error("query needs more memory than allowed: {0}")]
    ResourcesExhausted(String),
    /// Planning or execution failed (unknown table or column, type error, …).
    #[error("query failed: {0}")]
    Query(String),
    /// A geometry could not be decoded or processed.
    #[error("geometry error: {0}")]
    Geometry(String),
    /// Reading or writing a file failed.
    #[error("I/O error: {0}")]
    Io(#[from] std::io::Error),
}

impl From<DataFusionError> for EngineError {
    fn from(e: DataFusionError) -> Self {
        match e.find_root() {
            DataFusionError::ResourcesExhausted(m) => EngineError::ResourcesExhausted(m.clone()),
            DataFusionError::SQL(p, _) => EngineError::Syntax(p.to_string()),
            DataFusionError::External(inner) => match inner.downcast_ref::<EngineError>() {
                Some(EngineError::Geometry(m)) => EngineError::Geometry(m.clone()),
                _ => EngineError::Query(inner.to_string()),
            },
            root => EngineError::Query(root.message().to_string()),
        }
    }
}

impl From<datafusion::arrow::error::ArrowError> for EngineError {
    fn from(e: datafusion::arrow::error::ArrowError) -> Self {
        EngineError::Query(e.to_string())
    }
}

impl From<datafusion::parquet::errors::ParquetError> for EngineError {
    fn from(e: datafusion::parquet::errors::ParquetError) -> Self {
        EngineError::InvalidInput {
            format: "Parquet",
            message: e.to_string(),
        }
    }
}

/// Shorthand used across the crate.
pub type Result<T, E = EngineError> = std::result::Result<T, E>;
