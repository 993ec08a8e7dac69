//! The use cases of koers that join the workspace store and the data plane.
//!
//! Importing a dataset touches a file (the engine writes an immutable Parquet version) and
//! the store (the catalog row, its audit entry); running an analysis needs the store (which
//! datasets may this organisation see?) and the engine (the query itself). Both the web
//! application and the command line do these things, so they live here once, between
//! `koers-web`/`koers` above and `koers-store`/`koers-engine` below.

pub mod admission;
pub mod catalog;
pub mod documents;
pub mod fetch;
pub mod jobs;
pub mod mail;
pub mod results;
pub mod source_fetch;
pub mod sources;
pub mod storage;

pub use catalog::{Workspace, WorkspaceConfig};
pub use jobs::{Job, JobStatus, JobView, Jobs};

use koers_core::Invalid;
use koers_engine::EngineError;
use koers_store::StoreError;

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(Invalid),
    #[error("niet gevonden")]
    NotFound,
    /// The data could not be read, or the query was refused or failed: the message is for
    /// the person who gave the file or wrote the SQL.
    #[error("{0}")]
    Data(EngineError),
    /// A URL that koers will not fetch, or a download that failed.
    #[error("{0}")]
    Fetch(String),
    #[error("opslag: {0}")]
    Store(StoreError),
    #[error("bestand: {0}")]
    Io(#[from] std::io::Error),
    /// Object storage (S3) refused or could not be reached, or is set up wrongly.
    #[error("{0}")]
    ObjectStorage(String),
    /// Too many queries run or wait already (see [`admission`]): try again later.
    #[error(
        "koers is druk: er lopen al te veel queries; probeer het over {} seconden opnieuw",
        retry_after.as_secs()
    )]
    Busy { retry_after: std::time::Duration },
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            other => Error::Store(other),
        }
    }
}

impl From<EngineError> for Error {
    fn from(e: EngineError) -> Self {
        Error::Data(e)
    }
}

impl From<Invalid> for Error {
    fn from(e: Invalid) -> Self {
        Error::Invalid(e)
    }
}

pub type Result<T> = std::result::Result<T, Error>;
