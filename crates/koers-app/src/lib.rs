//! The use cases of koers: everything koers does, once, for every client.
//!
//! Each use case takes a [`Principal`] (who asks, in which organisation, with which roles)
//! and plain input ([`Input`] or typed values), checks the permission it needs once, joins
//! the store (`koers-store`) and the data plane (`koers-engine`) and returns domain values
//! or one [`Error`]. The web application (pages and API) and the command line call these
//! functions; they never reach the store or the engine themselves. One module per product
//! module; [`Workspace`] is the one koers they act on: its store, engine and jobs.

pub mod accounts;
pub mod admission;
pub mod analysis;
pub mod catalog;
pub mod dashboards;
pub mod dcat;
pub mod documents;
pub mod fetch;
pub mod guests;
pub mod input;
pub mod jobs;
pub mod learning;
pub mod mail;
pub mod maturity;
pub mod notifications;
pub mod organisations;
pub mod overview;
pub mod principal;
pub mod products;
pub mod questions;
pub mod register;
pub mod results;
pub mod scheduler;
pub mod sources;
pub mod storage;
pub mod tiles;

pub use catalog::{Workspace, WorkspaceConfig};
pub use input::Input;
pub use jobs::{Job, JobStatus, JobView, Jobs};
pub use principal::Principal;

use koers_core::Invalid;
use koers_engine::EngineError;
use koers_store::StoreError;

/// What a person reads when something inside koers failed (the details go to the log).
pub const INTERNAL: &str = "Er ging iets mis aan onze kant. Probeer het later opnieuw.";

/// Refuses with [`Error::Forbidden`] unless `allowed`: every permission check ends here.
pub(crate) fn allow(allowed: bool) -> Result<()> {
    if allowed {
        Ok(())
    } else {
        Err(Error::Forbidden)
    }
}

/// What can go wrong in a use case.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Invalid(Invalid),
    #[error("niet gevonden")]
    NotFound,
    /// No one is signed in, or the session ended (a membership that ended ends it too).
    #[error("U moet ingelogd zijn")]
    Unauthenticated,
    /// A sign-in that failed: one message whatever was wrong (see
    /// [`accounts::BAD_CREDENTIALS`]).
    #[error("{}", accounts::BAD_CREDENTIALS)]
    BadCredentials,
    /// Too many failed sign-ins (see [`accounts::LoginLimiter`]): try again later.
    #[error(
        "Te veel pogingen; probeer het over {} seconden opnieuw",
        retry_after.as_secs()
    )]
    TooManyAttempts { retry_after: std::time::Duration },
    /// Only a session (a password or OpenID Connect sign-in) may do this, not an API token.
    #[error(
        "Dit kan alleen na inloggen (met wachtwoord of via uw organisatie), niet met een API-token"
    )]
    SessionRequired,
    /// The principal's roles do not permit this.
    #[error("U heeft geen recht op deze handeling")]
    Forbidden,
    /// It exists already, or its state does not allow this step now.
    #[error("{0}")]
    Conflict(String),
    /// The request cannot be understood as given (a file that is not what it says).
    #[error("{0}")]
    Rejected(String),
    /// Understood, but it cannot be done (a query over its limits, a report without data).
    #[error("{0}")]
    Unprocessable(String),
    /// Something inside koers failed; the message is for the log, not the user.
    #[error("interne fout: {0}")]
    Internal(String),
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
    #[error("{}", busy_message(retry_after.as_secs()))]
    Busy { retry_after: std::time::Duration },
}

/// What a person reads when koers turns a query away because too many run already.
pub fn busy_message(retry_after_secs: u64) -> String {
    format!(
        "koers is druk: er lopen al te veel queries. Probeer het over {} seconden opnieuw",
        retry_after_secs.max(1)
    )
}

impl Error {
    /// Whether something inside koers failed (rather than the request): the web answers
    /// it with 500, and a widget's computation stops on it instead of showing it.
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Error::Internal(_)
                | Error::Store(_)
                | Error::Io(_)
                | Error::ObjectStorage(_)
                | Error::Data(EngineError::Io(_))
        )
    }

    /// The query engine's own words for a failure koers told in its own (Dutch, with a
    /// hint), for who wants to see them.
    pub fn original(&self) -> Option<String> {
        match self {
            Error::Data(EngineError::Explained { original, .. }) => Some(original.clone()),
            _ => None,
        }
    }

    /// The message shown to the person, as the web shows it; internal details stay in the
    /// log. Kept with what is computed (a widget's error, a failed background job).
    pub fn detail(&self) -> String {
        match self {
            e if e.is_internal() => INTERNAL.into(),
            Error::Invalid(i) => i.summary(),
            Error::NotFound => "Niet gevonden".into(),
            other => other.to_string(),
        }
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict(what) => Error::Conflict(format!("Bestaat al: {what}")),
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
