//! The data plane of koers.
//!
//! koers lets a public organisation ask questions of its data: datasets in a catalog, and SQL
//! with spatial functions over them. This crate is where the data itself is touched, kept apart
//! from the web server and the workspace store so that it can be tested, benchmarked and
//! reasoned about alone (the ROAPI/columnq shape):
//!
//! - [`import`]: a CSV, GeoJSON, Parquet or Excel file becomes one immutable Parquet *version*
//!   file, streamed in batches, written to a temporary name and renamed, with schema, geometry
//!   and quality figures. One reader per format lives in [`source`], behind one trait.
//! - [`engine`]: DataFusion with a memory pool, a time limit and a row limit per query; only
//!   the tables the caller passes are visible, which is how organisations stay apart.
//! - [`distributed`]: the same queries on an Apache DataFusion Ballista cluster
//!   (`--engine ballista://HOST:PORT`), with koers' functions on the scheduler and executors.
//! - [`sandbox`]: the gate every user query passes first: one read-only query, no table
//!   functions, no tables beyond the given ones.
//! - [`bounded`]: koers' versions of the functions whose results can outgrow their arguments
//!   (`repeat`, `lpad`, `array_repeat`, `range`, `||`, …), which reserve their results in the
//!   query's memory pool before making them.
//! - [`spatial`]: geometry as EWKB, EPSG:4326 ↔ EPSG:28992 transforms, `ST_*` functions with
//!   PostGIS names, and an R-tree spatial join that replaces DataFusion's nested-loop join.
//! - [`incremental`]: answers of one `GROUP BY` over rows that only grow, kept as a state and
//!   brought up to date from the appended rows alone.
//! - [`eager`]: eager aggregation, so a `GROUP BY` over a fact table joined to a lookup table
//!   aggregates the facts per join key before the join; [`lookup`]: the join to a lookup
//!   table on a short code, looked up as the code's string view.
//! - [`filter`]: filters evaluated koers' way where that is faster and the same — a period
//!   in one pass ([`range`]), short texts compared as their string views ([`views`]).
//! - [`export`]: results as CSV, GeoJSON or Parquet.
//! - [`bench`]: the reference workload of `../shared/bench`, with DuckDB's digest, so koers'
//!   answers and speed can be set beside other engines'.

pub mod bench;
pub mod bounded;
pub mod cache;
pub mod datetime;
pub mod distributed;
pub mod eager;
pub mod engine;
pub mod error;
pub mod export;
pub mod filter;
pub mod import;
pub mod incremental;
pub mod lookup;
pub mod params;
pub(crate) mod probe;
pub mod progress;
pub mod quality;
pub mod range;
pub mod sandbox;
pub mod source;
pub mod spatial;
pub mod stats;
#[cfg(test)]
pub(crate) mod testing;
pub mod tiles;
pub mod views;

pub use distributed::EngineMode;
pub use engine::{CancelToken, Engine, EngineConfig, QueryOutput, TableLocation, TableRef};
pub use error::EngineError;
pub use import::{ColumnInfo, ImportOptions, ImportedVersion, import_file};
pub use params::Sql;
pub use progress::{NoProgress, Progress, Unit};
pub use source::Format;
