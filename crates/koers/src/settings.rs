//! Typed settings: flags, then `KOERS_*` environment variables, then `koers.toml`, then
//! defaults — in that order of precedence.

use anyhow::{Context, Result};
use clap::Args;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

/// Settings shared by every command that opens the data folder.
#[derive(Debug, Clone, Args, Default)]
pub struct StoreArgs {
    /// The data folder: store, dataset files, demo accounts.
    #[arg(long, env = "KOERS_DATA_DIR", global = true)]
    pub data_dir: Option<PathBuf>,
    /// A database URL (postgres://… or sqlite://…) instead of the data folder's SQLite store.
    #[arg(long, env = "KOERS_DATABASE_URL", global = true)]
    pub database: Option<String>,
    /// The configuration file [default: ./koers.toml when it exists].
    #[arg(long, env = "KOERS_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    /// Where dataset versions go: s3://bucket/prefix on S3-compatible object storage
    /// [default: the data folder]. Endpoint and credentials: KOERS_S3_* or AWS_*.
    #[arg(long, env = "KOERS_STORAGE", global = true)]
    pub storage: Option<String>,
}

/// Where queries run, for `koers serve`, `koers query` and `koers bench`.
#[derive(Debug, Clone, Args, Default)]
pub struct EngineArgs {
    /// Where queries run: `embedded` (in this process) or `ballista://HOST:PORT` (a Ballista
    /// cluster of `koers ballista` processes) [default: `engine` in koers.toml, else embedded].
    #[arg(long, env = "KOERS_ENGINE", value_parser = parse_engine)]
    pub engine: Option<koers_engine::EngineMode>,
}

fn parse_engine(s: &str) -> Result<koers_engine::EngineMode, String> {
    s.parse()
}

/// The engine mode: the flag, else `engine` in koers.toml, else embedded.
pub fn engine_mode(
    flag: Option<&koers_engine::EngineMode>,
    file: &FileSettings,
) -> Result<koers_engine::EngineMode> {
    match (flag, &file.engine) {
        (Some(m), _) => Ok(m.clone()),
        (None, Some(s)) => s
            .parse()
            .map_err(|e: String| anyhow::anyhow!("engine in de instellingen is ongeldig: {e}")),
        (None, None) => Ok(koers_engine::EngineMode::Embedded),
    }
}

/// Flags of `koers serve`.
#[derive(Debug, Clone, Args, Default)]
pub struct ServeArgs {
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "KOERS_BIND")]
    pub bind: Option<SocketAddr>,
    /// Mark cookies Secure and send HSTS (set when koers is served over TLS).
    #[arg(long, env = "KOERS_SECURE_COOKIES")]
    pub secure_cookies: Option<bool>,
    /// The largest request body in bytes [default: 1048576].
    #[arg(long, env = "KOERS_MAX_BODY_BYTES")]
    pub max_body_bytes: Option<usize>,
    /// Fill an empty data folder with the demo workspace first.
    #[arg(long)]
    pub demo: bool,
    /// The demo's logistics movements (with --demo).
    #[command(flatten)]
    pub movements: koers_demo::movements::MovementArgs,
    #[command(flatten)]
    pub engine: EngineArgs,
}

/// The `koers.toml` file; every key optional.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FileSettings {
    pub bind: Option<SocketAddr>,
    pub data_dir: Option<PathBuf>,
    pub database_url: Option<String>,
    pub secure_cookies: Option<bool>,
    pub max_body_bytes: Option<usize>,
    pub session_idle_minutes: Option<i64>,
    pub session_max_hours: Option<i64>,
    pub login_max_failures: Option<u32>,
    /// The reverse proxies in front of koers (addresses or CIDR ranges); only from them is
    /// the client's address in `forwarded_header` believed [default: none].
    pub trusted_proxies: Option<koers_web::client::TrustedProxies>,
    /// `x-forwarded-for` or `forwarded` (RFC 7239) [default: x-forwarded-for].
    pub forwarded_header: Option<koers_web::client::ForwardedHeader>,
    pub max_upload_bytes: Option<u64>,
    /// The largest attachment to a data question, in bytes [default: 25 MiB].
    pub max_attachment_bytes: Option<u64>,
    /// The address people reach koers at, for links in e-mail.
    pub public_url: Option<String>,
    /// A MapLibre style URL for the base map of the interactive maps (e.g. PDOK's BRT
    /// Achtergrondkaart) [default: none: the offline base map of built-in boundaries].
    pub map_style: Option<koers_web::config::MapStyle>,
    /// Memory one query may use, in MiB.
    pub query_memory_mb: Option<usize>,
    /// Seconds one query may run.
    pub query_seconds: Option<u64>,
    /// Rows one query returns at most.
    pub query_rows: Option<usize>,
    /// Memory all running queries together may use, in MiB [default: half the machine's].
    pub query_memory_budget_mb: Option<usize>,
    /// Decoded dataset columns kept in memory between queries, in MiB [default: a quarter of
    /// the machine's memory; 0 keeps none].
    pub column_cache_mb: Option<usize>,
    /// Queries running at once [default: twice the cores, at least 4].
    pub max_running_queries: Option<usize>,
    /// Queries of one organisation running at once [default: half of `max_running_queries`].
    pub max_running_queries_per_organisation: Option<usize>,
    /// Queries of one organisation waiting for a slot [default: twice the previous].
    pub query_queue_length: Option<usize>,
    /// Seconds a query waits for a slot before it is refused with 503 [default: 10].
    pub query_queue_seconds: Option<u64>,
    /// Hosts that import-from-URL may fetch even though they resolve to internal addresses.
    pub import_allow_hosts: Option<Vec<String>>,
    /// The SMTP server for e-mail (notifications, invitations); none means no e-mail.
    pub smtp_url: Option<String>,
    /// The sender of koers' e-mail [default: koers <koers@localhost>].
    pub mail_from: Option<String>,
    /// OpenID Connect providers to sign in with (`[[oidc]]` tables; see the README).
    #[serde(default)]
    pub oidc: Vec<koers_web::config::OidcProviderConfig>,
    /// Where queries run: `embedded` or `ballista://HOST:PORT`.
    pub engine: Option<String>,
    /// Where dataset versions go: `s3://bucket/prefix` [default: the data folder].
    pub storage: Option<String>,
    /// The S3 service, e.g. `http://127.0.0.1:9000` (MinIO) [default: AWS_ENDPOINT, or AWS].
    pub s3_endpoint: Option<String>,
    /// [default: AWS_REGION]
    pub s3_region: Option<String>,
    /// [default: AWS_ACCESS_KEY_ID]
    pub s3_access_key_id: Option<String>,
    /// [default: AWS_SECRET_ACCESS_KEY]
    pub s3_secret_access_key: Option<String>,
    /// Allow a plain-http S3 endpoint (a local MinIO) [default: false].
    pub s3_allow_http: Option<bool>,
    /// Address buckets as `bucket.host` instead of path style `host/bucket` [default: false].
    pub s3_virtual_hosted: Option<bool>,
}

impl FileSettings {
    /// Reads the configuration file: the named one (which must exist), else `./koers.toml`
    /// if present, else nothing.
    pub fn load(explicit: Option<&Path>) -> Result<FileSettings> {
        let path = match explicit {
            Some(p) => Some(p.to_path_buf()),
            None if Path::new("koers.toml").exists() => Some(PathBuf::from("koers.toml")),
            None => None,
        };
        let mut table = match &path {
            Some(path) => {
                let text = std::fs::read_to_string(path).with_context(|| {
                    format!("kan configuratiebestand {} niet lezen", path.display())
                })?;
                text.parse::<toml::Table>().with_context(|| {
                    format!("configuratiebestand {} is ongeldig", path.display())
                })?
            }
            None => toml::Table::new(),
        };
        apply_env(&mut table, std::env::vars());
        let where_ = path
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "KOERS_*-omgevingsvariabelen".into());
        let mut settings: FileSettings = toml::Value::Table(table)
            .try_into()
            .with_context(|| format!("instellingen in {where_} zijn ongeldig"))?;
        settings.oidc = std::mem::take(&mut settings.oidc)
            .into_iter()
            .map(|p| p.resolve().map_err(anyhow::Error::msg))
            .collect::<Result<_>>()
            .with_context(|| format!("instellingen in {where_} zijn ongeldig"))?;
        Ok(settings)
    }
}

/// Every setting of `koers.toml` can also be given as `KOERS_<NAME>` (upper case), which wins
/// over the file: `KOERS_QUERY_SECONDS=30`, `KOERS_IMPORT_ALLOW_HOSTS='["data.intern"]'`.
fn apply_env(table: &mut toml::Table, vars: impl Iterator<Item = (String, String)>) {
    for (k, v) in vars {
        let Some(name) = k.strip_prefix("KOERS_") else {
            continue;
        };
        let key = name.to_ascii_lowercase();
        if !FILE_KEYS.contains(&key.as_str()) {
            continue;
        }
        // A value that reads as TOML (a number, a boolean, a list) is taken as such.
        let value = format!("v = {v}")
            .parse::<toml::Table>()
            .ok()
            .and_then(|mut t| t.remove("v"))
            .unwrap_or(toml::Value::String(v));
        table.insert(key, value);
    }
}

const FILE_KEYS: [&str; 34] = [
    "bind",
    "data_dir",
    "database_url",
    "secure_cookies",
    "max_body_bytes",
    "session_idle_minutes",
    "session_max_hours",
    "login_max_failures",
    "trusted_proxies",
    "forwarded_header",
    "max_upload_bytes",
    "max_attachment_bytes",
    "public_url",
    "map_style",
    "query_memory_mb",
    "query_seconds",
    "query_rows",
    "query_memory_budget_mb",
    "column_cache_mb",
    "max_running_queries",
    "max_running_queries_per_organisation",
    "query_queue_length",
    "query_queue_seconds",
    "import_allow_hosts",
    "smtp_url",
    "mail_from",
    "engine",
    "storage",
    "s3_endpoint",
    "s3_region",
    "s3_access_key_id",
    "s3_secret_access_key",
    "s3_allow_http",
    "s3_virtual_hosted",
];

/// Where the store lives.
pub struct StoreSettings {
    pub data_dir: PathBuf,
    pub database_url: Option<String>,
    /// The `--engine` flag of the command, if it has one and it was given.
    pub engine: Option<koers_engine::EngineMode>,
    /// `s3://bucket/prefix` for dataset versions, or the data folder when `None`.
    pub storage: Option<String>,
}

impl StoreSettings {
    pub fn resolve(args: &StoreArgs, file: &FileSettings) -> StoreSettings {
        StoreSettings {
            data_dir: args
                .data_dir
                .clone()
                .or_else(|| file.data_dir.clone())
                .unwrap_or_else(|| PathBuf::from("koers-data")),
            database_url: args.database.clone().or_else(|| file.database_url.clone()),
            engine: None,
            storage: args
                .storage
                .clone()
                .or_else(|| file.storage.clone())
                .filter(|s| !s.trim().is_empty()),
        }
    }

    /// The object storage at `url` (`s3://bucket/prefix`), reachable with the S3 settings;
    /// checked by listing the bucket, so that wrong credentials or a missing bucket stop
    /// koers at once.
    pub async fn object_storage(
        url: &str,
        file: &FileSettings,
    ) -> Result<koers_app::storage::ObjectStorage> {
        let storage = koers_app::storage::ObjectStorage::s3(
            url,
            &koers_app::storage::S3Options {
                endpoint: file.s3_endpoint.clone(),
                region: file.s3_region.clone(),
                access_key_id: file.s3_access_key_id.clone(),
                secret_access_key: file.s3_secret_access_key.clone(),
                allow_http: file.s3_allow_http.unwrap_or(false),
                virtual_hosted: file.s3_virtual_hosted.unwrap_or(false),
            },
        )?;
        storage.check().await?;
        Ok(storage)
    }

    /// The workspace and the organisation a command acts in (by its CBS code, or the data
    /// folder's first; see [`crate::cli::organisation`]).
    pub async fn workspace_in(
        &self,
        file: &FileSettings,
        org: Option<&str>,
    ) -> Result<(koers_app::Workspace, koers_store::Organisation)> {
        let ws = self.workspace(file).await?;
        let org = crate::cli::organisation(&ws.store, org).await?;
        Ok((ws, org))
    }

    /// The workspace: the store, the engine with its limits, and the fetch policy.
    pub async fn workspace(&self, file: &FileSettings) -> Result<koers_app::Workspace> {
        let store = self.open().await?;
        let mut engine = koers_engine::EngineConfig {
            mode: engine_mode(self.engine.as_ref(), file)?,
            ..koers_engine::EngineConfig::default()
        };
        if let Some(mb) = file.query_memory_mb {
            engine.memory_limit_bytes = mb.max(16) * 1024 * 1024;
        }
        if let Some(s) = file.query_seconds {
            engine.time_limit = std::time::Duration::from_secs(s.max(1));
        }
        if let Some(r) = file.query_rows {
            engine.row_limit = r.max(1);
        }
        if let Some(mb) = file.column_cache_mb {
            engine.column_cache_bytes = mb.saturating_mul(1024 * 1024);
        }
        let admission = admission(file);
        engine.memory_limit_bytes = query_memory_limit(
            engine.memory_limit_bytes,
            file.query_memory_budget_mb
                .map(|mb| mb.saturating_mul(1024 * 1024))
                .unwrap_or_else(default_memory_budget),
            admission.max_running,
        );
        let mut fetch = koers_app::fetch::FetchPolicy::default();
        if let Some(hosts) = &file.import_allow_hosts {
            fetch.allow_hosts = hosts.clone();
        }
        if let Some(max) = file.max_upload_bytes {
            fetch.max_bytes = max;
        }
        let mailer = file
            .smtp_url
            .as_ref()
            .map(|url| {
                koers_app::mail::Mailer::new(&koers_app::mail::MailConfig {
                    smtp_url: url.clone(),
                    from: file
                        .mail_from
                        .clone()
                        .unwrap_or_else(|| "koers <koers@localhost>".into()),
                })
            })
            .transpose()?;
        let storage = match &self.storage {
            Some(url) => Some(Self::object_storage(url, file).await?),
            None => None,
        };
        koers_app::Workspace::new(
            store,
            koers_app::WorkspaceConfig {
                data_dir: self.data_dir.clone(),
                engine,
                fetch,
                mailer,
                storage,
            },
        )
        .and_then(|ws| ws.with_admission(admission))
        .context("kan de query-threads niet starten")
    }

    /// Opens (creating and migrating) the store.
    pub async fn open(&self) -> Result<koers_store::Store> {
        std::fs::create_dir_all(&self.data_dir)
            .with_context(|| format!("kan datamap {} niet aanmaken", self.data_dir.display()))?;
        let store = match &self.database_url {
            Some(url) => koers_store::Store::connect(url).await,
            None => koers_store::Store::open_in(&self.data_dir).await,
        };
        store.with_context(|| "kan de opslag niet openen".to_string())
    }

    /// The database as printed at start: credentials hidden.
    pub fn describe(&self) -> String {
        match &self.database_url {
            Some(url) => redact(url),
            None => format!("SQLite in {}", self.data_dir.join("koers.db").display()),
        }
    }
}

/// The admission limits of `koers.toml`, defaults derived from the cores.
pub fn admission(file: &FileSettings) -> koers_app::admission::AdmissionConfig {
    let mut a = koers_app::admission::AdmissionConfig::default();
    if let Some(n) = file.max_running_queries {
        a.max_running = n.max(1);
        a.max_running_per_org = (a.max_running / 2).max(1);
    }
    if let Some(n) = file.max_running_queries_per_organisation {
        a.max_running_per_org = n.clamp(1, a.max_running);
    }
    a.max_queued_per_org = file.query_queue_length.unwrap_or(2 * a.max_running_per_org);
    if let Some(s) = file.query_queue_seconds {
        a.max_wait = std::time::Duration::from_secs(s);
    }
    a
}

/// Half the machine's memory.
fn default_memory_budget() -> usize {
    koers_engine::engine::machine_memory() / 2
}

/// One query's memory limit: `per_query`, but no more than its share of `budget` when
/// `running` queries run at once (and at least 16 MiB).
fn query_memory_limit(per_query: usize, budget: usize, running: usize) -> usize {
    per_query.min(budget / running.max(1)).max(16 << 20)
}

/// Hides the password in a URL such as `postgres://user:secret@host/db`.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

/// The web configuration from flags, file and defaults.
pub fn web_config(args: &ServeArgs, file: &FileSettings) -> koers_web::WebConfig {
    let d = koers_web::WebConfig::default();
    let mut ttl = d.session_ttl;
    if let Some(m) = file.session_idle_minutes {
        ttl.idle = chrono::Duration::minutes(m.max(1));
    }
    if let Some(h) = file.session_max_hours {
        ttl.absolute = chrono::Duration::hours(h.max(1));
    }
    koers_web::WebConfig {
        bind: args.bind.or(file.bind).unwrap_or(d.bind),
        secure_cookies: args
            .secure_cookies
            .or(file.secure_cookies)
            .unwrap_or(d.secure_cookies),
        max_body_bytes: args
            .max_body_bytes
            .or(file.max_body_bytes)
            .unwrap_or(d.max_body_bytes),
        max_upload_bytes: file.max_upload_bytes.unwrap_or(d.max_upload_bytes),
        max_attachment_bytes: file.max_attachment_bytes.unwrap_or(d.max_attachment_bytes),
        public_url: file
            .public_url
            .as_ref()
            .map(|u| u.trim_end_matches('/').to_string()),
        session_ttl: ttl,
        login_max_failures: file.login_max_failures.unwrap_or(d.login_max_failures),
        login_window: d.login_window,
        trusted_proxies: file.trusted_proxies.clone().unwrap_or_default(),
        forwarded_header: file.forwarded_header.unwrap_or_default(),
        oidc: file.oidc.clone(),
        map_style: file.map_style.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_passwords() {
        assert_eq!(
            redact("postgres://koers:geheim@db:5432/koers"),
            "postgres://koers:***@db:5432/koers"
        );
        assert_eq!(redact("postgres://db/koers"), "postgres://db/koers");
    }

    #[test]
    fn engine_from_flag_then_file() {
        use koers_engine::EngineMode;
        let none = FileSettings::default();
        assert_eq!(engine_mode(None, &none).unwrap(), EngineMode::Embedded);
        let file: FileSettings = toml::from_str("engine = \"ballista://sched:50050\"").unwrap();
        let m = engine_mode(None, &file).unwrap();
        assert_eq!(m.to_string(), "ballista://sched:50050");
        assert_eq!(
            engine_mode(Some(&EngineMode::Embedded), &file).unwrap(),
            EngineMode::Embedded
        );
        let bad: FileSettings = toml::from_str("engine = \"ballista://sched\"").unwrap();
        let e = engine_mode(None, &bad).unwrap_err().to_string();
        assert!(e.contains("engine") && e.contains("port"), "{e}");
    }

    #[test]
    fn flags_win_over_file() {
        let file: FileSettings =
            toml::from_str("bind = \"0.0.0.0:9000\"\nmax_body_bytes = 10").unwrap();
        let args = ServeArgs {
            max_body_bytes: Some(20),
            ..Default::default()
        };
        let c = web_config(&args, &file);
        assert_eq!(c.bind.port(), 9000);
        assert_eq!(c.max_body_bytes, 20);
    }

    #[test]
    fn environment_overrides_the_file() {
        let mut t: toml::Table = "query_seconds = 60\nbind = \"127.0.0.1:1\""
            .parse()
            .unwrap();
        let vars = [
            ("KOERS_QUERY_SECONDS".to_string(), "5".to_string()),
            ("KOERS_BIND".to_string(), "0.0.0.0:9".to_string()),
            (
                "KOERS_IMPORT_ALLOW_HOSTS".to_string(),
                "[\"data.intern\"]".to_string(),
            ),
            ("KOERS_UNRELATED".to_string(), "x".to_string()),
            ("HOME".to_string(), "/root".to_string()),
        ];
        apply_env(&mut t, vars.into_iter());
        let f: FileSettings = toml::Value::Table(t).try_into().unwrap();
        assert_eq!(f.query_seconds, Some(5));
        assert_eq!(f.bind.map(|b| b.port()), Some(9));
        assert_eq!(f.import_allow_hosts, Some(vec!["data.intern".to_string()]));
    }

    #[test]
    fn oidc_providers_are_read() {
        let file: FileSettings = toml::from_str(
            r#"
[[oidc]]
id = "keycloak"
name = "Keycloak"
issuer = "https://sso.example.nl/realms/koers"
client_id = "koers"
client_secret = "s"
[oidc.claims]
organisation_claim = "koers_org"
roles = { "koers-analyst" = "analyst" }
"#,
        )
        .unwrap();
        let p = file.oidc[0].clone().resolve().unwrap();
        assert_eq!(p.scopes, ["email", "profile"]);
        assert!(!p.link_verified_email);
        assert_eq!(
            p.claims.roles.get("koers-analyst"),
            Some(&koers_core::Role::Analyst)
        );
        assert!(
            !format!("{p:?}").contains("\"s\""),
            "the secret is not printed"
        );
        let bad_id = koers_web::config::OidcProviderConfig {
            id: "Key Cloak".into(),
            ..p.clone()
        };
        assert!(bad_id.resolve().is_err());
        let missing_env = koers_web::config::OidcProviderConfig {
            client_secret_env: Some("KOERS_TEST_SURELY_UNSET_SECRET".into()),
            ..p
        };
        assert!(missing_env.resolve().is_err());
    }

    #[test]
    fn storage_from_flag_environment_or_file() {
        let file: FileSettings = toml::from_str(
            "storage = \"s3://from-file/p\"\ns3_endpoint = \"http://127.0.0.1:9000\"\ns3_allow_http = true",
        )
        .unwrap();
        assert_eq!(file.s3_allow_http, Some(true));
        let s = StoreSettings::resolve(&StoreArgs::default(), &file);
        assert_eq!(s.storage.as_deref(), Some("s3://from-file/p"));
        let args = StoreArgs {
            storage: Some("s3://from-flag".into()),
            ..Default::default()
        };
        let s = StoreSettings::resolve(&args, &file);
        assert_eq!(s.storage.as_deref(), Some("s3://from-flag"));
        let mut t = toml::Table::new();
        apply_env(
            &mut t,
            [
                ("KOERS_STORAGE".to_string(), "s3://from-env".to_string()),
                ("KOERS_S3_ALLOW_HTTP".to_string(), "true".to_string()),
            ]
            .into_iter(),
        );
        let f: FileSettings = toml::Value::Table(t).try_into().unwrap();
        assert_eq!(f.storage.as_deref(), Some("s3://from-env"));
        assert_eq!(f.s3_allow_http, Some(true));
        assert!(
            StoreSettings::resolve(&StoreArgs::default(), &FileSettings::default())
                .storage
                .is_none()
        );
    }

    #[test]
    fn trusted_proxies_from_the_file_or_the_environment() {
        let file: FileSettings = toml::from_str(
            "trusted_proxies = [\"10.0.0.0/8\", \"192.0.2.7\"]\nforwarded_header = \"forwarded\"",
        )
        .unwrap();
        let c = web_config(&ServeArgs::default(), &file);
        assert!(c.trusted_proxies.contains("10.9.8.7".parse().unwrap()));
        assert!(!c.trusted_proxies.contains("192.0.2.8".parse().unwrap()));
        assert_eq!(
            c.forwarded_header,
            koers_web::client::ForwardedHeader::Forwarded
        );
        let d = web_config(&ServeArgs::default(), &FileSettings::default());
        assert!(
            !d.trusted_proxies.contains("127.0.0.1".parse().unwrap()),
            "none by default"
        );
        let mut t = toml::Table::new();
        apply_env(
            &mut t,
            [(
                "KOERS_TRUSTED_PROXIES".to_string(),
                "10.0.0.1, 10.0.0.2".to_string(),
            )]
            .into_iter(),
        );
        let f: FileSettings = toml::Value::Table(t).try_into().unwrap();
        let c = web_config(&ServeArgs::default(), &f);
        assert!(c.trusted_proxies.contains("10.0.0.2".parse().unwrap()));
        let bad: Result<FileSettings, _> = toml::from_str("trusted_proxies = [\"proxy.intern\"]");
        assert!(bad.unwrap_err().to_string().contains("CIDR"));
        let map: FileSettings =
            toml::from_str("map_style = \"https://service.pdok.nl/style.json\"").unwrap();
        let c = web_config(&ServeArgs::default(), &map);
        assert_eq!(c.map_style.unwrap().origin, "https://service.pdok.nl");
        let bad: Result<FileSettings, _> = toml::from_str("map_style = \"http://tiles.example/s\"");
        assert!(bad.unwrap_err().to_string().contains("https"));
    }

    #[test]
    fn running_queries_share_the_memory_budget() {
        let gib = 1usize << 30;
        assert_eq!(query_memory_limit(gib, 8 * gib, 4), gib);
        assert_eq!(query_memory_limit(gib, 2 * gib, 4), gib / 2);
        assert_eq!(query_memory_limit(gib, 0, 4), 16 << 20);
        assert!(default_memory_budget() >= 16 << 20);
    }

    #[test]
    fn admission_from_the_file() {
        let file: FileSettings = toml::from_str(
            "max_running_queries = 6\nquery_queue_length = 1\nquery_queue_seconds = 3",
        )
        .unwrap();
        let a = admission(&file);
        assert_eq!(
            (a.max_running, a.max_running_per_org, a.max_queued_per_org),
            (6, 3, 1)
        );
        assert_eq!(a.max_wait, std::time::Duration::from_secs(3));
        let d = admission(&FileSettings::default());
        assert!(d.max_running >= 4 && d.max_running_per_org >= 1);
    }

    #[test]
    fn unknown_keys_are_refused() {
        assert!(toml::from_str::<FileSettings>("bnd = 1").is_err());
    }
}
