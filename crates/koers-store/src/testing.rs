//! Test support (the `testing` feature, and this crate's own tests): a fresh, empty store on
//! SQLite or PostgreSQL.
//!
//! PostgreSQL tests use the server named by `KOERS_TEST_POSTGRES_URL` (`scripts/postgres` starts
//! one and prints its URL). Each test creates its own database there, so tests run in parallel,
//! and drops it when it ends. Without the variable a PostgreSQL test fails when `CI` is set and
//! is skipped, with a note, otherwise.

use crate::{Backend, Store};
use sqlx::{Connection, Executor, PgConnection};

/// The environment variable that names the PostgreSQL server for tests.
pub const POSTGRES_URL_VAR: &str = "KOERS_TEST_POSTGRES_URL";

/// The URL of the PostgreSQL server for tests; `None` when there is none and this is not CI.
///
/// # Panics
/// When the variable is unset and `CI` is set: in CI the PostgreSQL tests must run.
pub fn postgres_url() -> Option<String> {
    match test_server(
        std::env::var(POSTGRES_URL_VAR).ok(),
        std::env::var("CI").ok(),
    ) {
        Ok(Some(url)) => Some(url),
        Ok(None) => {
            eprintln!(
                "note: {POSTGRES_URL_VAR} is not set; this PostgreSQL test is skipped \
                 (export {POSTGRES_URL_VAR}=\"$(scripts/postgres)\" to run it)"
            );
            None
        }
        Err(e) => panic!("{e}"),
    }
}

/// The test server from the variables: its URL, none (skip), or an error in CI.
fn test_server(url: Option<String>, ci: Option<String>) -> Result<Option<String>, String> {
    if let Some(url) = url.map(|u| u.trim().to_string())
        && !url.is_empty()
    {
        return Ok(Some(url));
    }
    if ci.is_some_and(|v| !matches!(v.as_str(), "" | "0" | "false")) {
        return Err(format!(
            "{POSTGRES_URL_VAR} is not set, but CI is: the PostgreSQL tests must run. Start a \
             server and export its URL: export {POSTGRES_URL_VAR}=\"$(scripts/postgres)\" \
             (scripts/test does this)."
        ));
    }
    Ok(None)
}

/// A database of its own on the test server, dropped (with its connections) when this is.
pub struct TestDatabase {
    /// The URL of the new database.
    pub url: String,
    server_url: String,
    name: String,
}

impl TestDatabase {
    /// Creates an empty database on the test server; `None` when the test is skipped.
    ///
    /// # Panics
    /// When the server cannot be reached or refuses: a test cannot go on without it.
    pub async fn create() -> Option<TestDatabase> {
        let server_url = postgres_url()?;
        let name = format!("koers_t_{}", uuid::Uuid::new_v4().simple());
        let mut conn = PgConnection::connect(&server_url)
            .await
            .unwrap_or_else(|e| panic!("PostgreSQL for tests at {server_url}: {e}"));
        conn.execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        let _ = conn.close().await;
        let url = with_database(&server_url, &name);
        Some(TestDatabase {
            url,
            server_url,
            name,
        })
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        // Drop runs inside the test's runtime, which cannot block on itself: a thread of its own.
        let (server_url, name) = (self.server_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            rt.block_on(async {
                let mut conn = PgConnection::connect(&server_url)
                    .await
                    .map_err(|e| e.to_string())?;
                // No new connections first (a failed test may leave tasks that reconnect).
                for sql in [
                    format!("ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false"),
                    format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"),
                ] {
                    conn.execute(sql.as_str())
                        .await
                        .map_err(|e| e.to_string())?;
                }
                conn.close().await.map_err(|e| e.to_string())
            })
        })
        .join();
        if let Ok(Err(e)) = dropped {
            eprintln!("note: test database {} not dropped: {e}", self.name);
        }
    }
}

/// `url` with its database replaced by `name` (query parameters kept).
fn with_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{name}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// What keeps a test store's database alive: its folder, or its PostgreSQL database.
pub enum Guard {
    Sqlite(tempfile::TempDir),
    Postgres(TestDatabase),
}

/// A fresh, migrated store on `backend`; `None` when a PostgreSQL test is skipped.
///
/// # Panics
/// When the store cannot be opened.
pub async fn store_on(backend: Backend) -> Option<(Store, Guard)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let s = Store::open_in(dir.path()).await.expect("open store");
            Some((s, Guard::Sqlite(dir)))
        }
        Backend::Postgres => {
            let db = TestDatabase::create().await?;
            let s = Store::connect(&db.url)
                .await
                .unwrap_or_else(|e| panic!("open store on {}: {e}", db.url));
            Some((s, Guard::Postgres(db)))
        }
    }
}

/// Runs each named `async fn(Store)` test twice: `<name>::sqlite` and `<name>::postgres`, each
/// on a fresh store.
#[cfg(test)]
macro_rules! on_both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    let (s, _guard) = $crate::testing::store_on($crate::Backend::Sqlite)
                        .await
                        .expect("SQLite is always there");
                    super::$name(s).await;
                }

                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    if let Some((s, _guard)) =
                        $crate::testing::store_on($crate::Backend::Postgres).await
                    {
                        super::$name(s).await;
                    }
                }
            }
        )+
    };
}
#[cfg(test)]
pub(crate) use on_both_backends;

/// An empty database on `backend` (its URL) for a migration test, which brings the schema up
/// itself; `None` when a PostgreSQL test is skipped.
#[cfg(test)]
pub(crate) async fn empty_database(backend: Backend) -> Option<(String, Guard)> {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("tempdir");
            let url = format!(
                "sqlite://{}?mode=rwc",
                dir.path().join("koers.db").display()
            );
            Some((url, Guard::Sqlite(dir)))
        }
        Backend::Postgres => {
            let db = TestDatabase::create().await?;
            Some((db.url.clone(), Guard::Postgres(db)))
        }
    }
}

/// A pool of one connection to the database at `url`, its schema migrated up to `version`:
/// where a migration test writes the rows the next migrations must keep.
#[cfg(test)]
pub(crate) async fn pool_at_migration(url: &str, backend: Backend, version: i64) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    let pool = sqlx::any::AnyPoolOptions::new()
        .max_connections(1)
        .connect(url)
        .await
        .unwrap();
    crate::migrations::migrator(backend, version)
        .run(&pool)
        .await
        .unwrap();
    pool
}

/// Runs each named `async fn(&str, Backend)` migration test twice, `<name>::sqlite` and
/// `<name>::postgres`, each on an empty database (see [`empty_database`]).
#[cfg(test)]
macro_rules! on_both_databases {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    let backend = $crate::Backend::Sqlite;
                    if let Some((url, _guard)) = $crate::testing::empty_database(backend).await {
                        super::$name(&url, backend).await;
                    }
                }

                #[tokio::test]
                async fn postgres() {
                    let backend = $crate::Backend::Postgres;
                    if let Some((url, _guard)) = $crate::testing::empty_database(backend).await {
                        super::$name(&url, backend).await;
                    }
                }
            }
        )+
    };
}
#[cfg(test)]
pub(crate) use on_both_databases;

/// An organisation for a test, created from the command line (`kind` and `code` as
/// [`koers_core::OrganisationDraft::parse`] takes them).
pub async fn organisation(s: &Store, name: &str, kind: &str, code: &str) -> crate::Organisation {
    let d = koers_core::OrganisationDraft::parse(name, kind, code, "").unwrap();
    s.organisations()
        .create_organisation(&d, &crate::Actor::cli())
        .await
        .unwrap()
}

/// A learning programme for a test: "Digitaal Leiderschap" along one dimension, Visie.
pub fn programme_draft(requires_project: bool) -> koers_core::learning::ProgrammeDraft {
    let model = koers_core::learning::ModelText {
        dimensions: "Visie",
        ..Default::default()
    };
    koers_core::learning::ProgrammeDraft::parse(
        "Digitaal Leiderschap",
        "",
        model,
        "",
        requires_project,
    )
    .unwrap()
}

/// A member of `org_id` with `roles` for a store test (password hash `h`).
#[cfg(test)]
pub(crate) async fn member(
    s: &Store,
    org_id: &str,
    email: &str,
    name: &str,
    roles: &[koers_core::Role],
) -> crate::User {
    let d = koers_core::UserDraft::parse(email, name, "a long password").unwrap();
    s.users()
        .create_user(&d, "h", false, org_id, roles, &crate::Actor::cli())
        .await
        .unwrap()
}

#[cfg(test)]
mod tests {
    use super::{test_server, with_database};

    #[test]
    fn without_a_server_tests_skip_except_in_ci() {
        let url = || Some("postgres://h/db".to_string());
        assert_eq!(test_server(url(), None), Ok(url()));
        assert_eq!(test_server(url(), Some("true".into())), Ok(url()));
        assert_eq!(test_server(None, None), Ok(None));
        assert_eq!(
            test_server(Some(" ".into()), Some("false".into())),
            Ok(None)
        );
        let e = test_server(None, Some("true".into())).unwrap_err();
        assert!(e.contains("KOERS_TEST_POSTGRES_URL") && e.contains("scripts/postgres"));
    }

    #[test]
    fn the_database_of_a_url_is_replaced() {
        assert_eq!(
            with_database("postgres://k:p@127.0.0.1:5432/koers_test", "x"),
            "postgres://k:p@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://h/koers?sslmode=disable", "x"),
            "postgres://h/x?sslmode=disable"
        );
        assert_eq!(with_database("postgres://h", "x"), "postgres://h/x");
    }
}
