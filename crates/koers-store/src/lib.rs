//! The workspace store of koers.
//!
//! Everything koers remembers about the work of an organisation — organisations, users and
//! their roles, sessions, the audit log, and the records of every module — lives here, in
//! SQLite by default or PostgreSQL for shared deployments. This is the only crate that writes
//! SQL for state. One module per aggregate; every change that matters writes its audit row in
//! the same transaction, so an acknowledged change and its trace stand or fall together.

/// Declares an aggregate's repository: `Repo`, the part of the store one aggregate's
/// reads and writes live in, and the accessor `Store::<name>()` that gives it
/// (`store.learning().modules(…)`). A repository reads through to the store's pool and its
/// helpers ([`Store::write`], [`Store::all`], …).
macro_rules! repository {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Copy)]
        pub struct Repo<'a>(&'a crate::Store);

        impl std::ops::Deref for Repo<'_> {
            type Target = crate::Store;

            fn deref(&self) -> &crate::Store {
                self.0
            }
        }

        impl crate::Store {
            $(#[$doc])*
            pub fn $name(&self) -> Repo<'_> {
                Repo(self)
            }
        }
    };
}
pub(crate) use repository;

pub mod audit;
pub mod backup;
pub mod catalog;
pub mod dashboards;
pub mod guests;
pub mod indicators;
pub mod jobs;
pub mod learning;
pub mod maturity;
mod migrations;
pub mod notifications;
pub mod oidc;
pub mod organisations;
pub mod questions;
pub mod register;
pub mod schedules;
pub mod sessions;
pub mod snapshots;
pub mod sources;
mod sql;
pub mod tokens;
pub mod users;

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Row};
use std::path::Path;

pub use audit::{Actor, AuditEvent};
pub use catalog::{Analysis, Dataset, DatasetVersion, NewVersion};
pub use organisations::Organisation;
pub use register::{Application, ChainCheck, ChoiceRecord, FrameworkVersion};
pub use sessions::Session;
pub use users::{Member, User};

/// What can go wrong in the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The object does not exist, or is not visible to the asker.
    #[error("niet gevonden")]
    NotFound,
    /// A unique value is taken (an e-mail address, a CBS code).
    #[error("bestaat al: {0}")]
    Conflict(String),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("migratie: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("opgeslagen gegevens onleesbaar: {0}")]
    Corrupt(String),
    /// The operation does not exist for this backend.
    #[error("{0}")]
    Unsupported(String),
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Which database is behind the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// The workspace store: a pool of connections to SQLite or PostgreSQL.
#[derive(Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
}

impl Store {
    /// Opens the SQLite store in `data_dir` (creating it) and migrates it.
    pub async fn open_in(data_dir: &Path) -> Result<Store> {
        let url = format!("sqlite://{}?mode=rwc", data_dir.join("koers.db").display());
        Store::connect(&url).await
    }

    /// Connects to `url` (`sqlite://…` or `postgres://…`) and brings the schema up to date.
    pub async fn connect(url: &str) -> Result<Store> {
        install_default_drivers();
        let backend = if url.starts_with("postgres") {
            Backend::Postgres
        } else {
            Backend::Sqlite
        };
        let pool = AnyPoolOptions::new()
            .max_connections(if backend == Backend::Sqlite { 8 } else { 16 })
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        sqlx::query("PRAGMA foreign_keys = ON")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA busy_timeout = 10000")
                            .execute(&mut *conn)
                            .await?;
                        sqlx::query("PRAGMA synchronous = NORMAL")
                            .execute(&mut *conn)
                            .await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await?;
        if backend == Backend::Sqlite {
            sqlx::query("PRAGMA journal_mode = WAL")
                .execute(&pool)
                .await?;
        }
        let store = Store { pool, backend };
        store.migrate().await?;
        Ok(store)
    }

    /// Brings the schema up to date (see `migrations` for how one file serves both).
    async fn migrate(&self) -> Result<()> {
        migrations::migrator(self.backend, i64::MAX)
            .run(&self.pool)
            .await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Readiness: the database answers a query.
    pub async fn ping(&self) -> Result<()> {
        let row = sqlx::query("SELECT 1 AS one").fetch_one(&self.pool).await?;
        let one: i64 = row.try_get("one")?;
        if one == 1 {
            Ok(())
        } else {
            Err(StoreError::Corrupt("SELECT 1".into()))
        }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Begins a write transaction. On SQLite it takes the write lock at once (`BEGIN
    /// IMMEDIATE`, waiting up to the busy timeout): a deferred transaction that reads first
    /// fails at its first write with "database is locked", without waiting, when another
    /// connection wrote in between.
    pub(crate) async fn begin(&self) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => self.pool.begin().await?,
        })
    }
}

/// The current time as stored: RFC 3339 UTC with microseconds, which sorts as text.
pub(crate) fn now() -> String {
    stamp(chrono::Utc::now())
}

pub(crate) fn stamp(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parses a stored timestamp.
pub fn parse_stamp(s: &str) -> Result<chrono::DateTime<chrono::Utc>> {
    chrono::DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&chrono::Utc))
        .map_err(|e| StoreError::Corrupt(format!("tijdstip {s}: {e}")))
}

/// A new identifier (UUID v7: unguessable enough to expose, and ordered by time).
pub(crate) fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Takes turns on `key` (e.g. `"decision_events:<org id>"`) until the transaction ends, for a
/// change that reads a sequence's last number and writes the next. SQLite has one writer at a
/// time already; PostgreSQL gets a transaction-scoped advisory lock, so that concurrent
/// transactions (of one or several koers processes) wait instead of colliding on the number.
pub(crate) async fn take_turn(conn: &mut sqlx::AnyConnection, key: &str) -> Result<()> {
    if conn.backend_name() == "PostgreSQL" {
        sqlx::query("SELECT pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(key)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Maps a unique-constraint violation to [`StoreError::Conflict`].
pub(crate) fn conflict_on_unique<E: Into<StoreError>>(what: &str) -> impl Fn(E) -> StoreError + '_ {
    move |e| match e.into() {
        StoreError::Db(sqlx::Error::Database(d)) if d.is_unique_violation() => {
            StoreError::Conflict(what.into())
        }
        e => e,
    }
}

#[cfg(any(test, feature = "testing"))]
pub mod testing;

#[cfg(test)]
mod migration_0018;
#[cfg(test)]
mod migration_0036;
#[cfg(test)]
mod migration_0043;
