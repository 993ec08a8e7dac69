//! The `koers` binary: `koers serve` runs the web application; the other subcommands are
//! the command line for the data folder (demo workspace, organisations, users).

mod backup;
#[cfg(feature = "ballista")]
mod ballista;
mod bench;
mod cli;
mod settings;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use koers_core::access::parse_roles;
use koers_core::secret::{generate_password, hash_password};
use koers_core::{OrganisationDraft, UserDraft};
use koers_store::Actor;
use settings::{EngineArgs, FileSettings, ServeArgs, StoreArgs, StoreSettings};
use std::io::Read;
use std::path::PathBuf;

/// koers: the data-driven work of a Dutch public organisation in one place.
#[derive(Parser)]
#[command(name = "koers", version, about, long_about = None)]
struct Cli {
    #[command(flatten)]
    store: StoreArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the web application and its API.
    Serve(ServeArgs),
    /// Fill an empty data folder with the demo workspace (Provincie Utrecht, a user per role).
    Demo(koers_demo::movements::MovementArgs),
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
    /// The catalog: import and list datasets.
    #[command(subcommand)]
    Dataset(DatasetCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Run the reference workload and compare it with DuckDB in the same run.
    Bench(BenchArgs),
    /// Copy the store and the data files into a new folder, with a manifest of checksums
    /// (safe while koers serves).
    Backup {
        /// The folder to write the backup to (new or empty).
        dest: PathBuf,
    },
    /// Bring a backup back into an empty data folder (--data-dir), checking every file first.
    Restore {
        /// The folder of the backup.
        src: PathBuf,
        /// Replace the store and files in a data folder that is not empty.
        #[arg(long)]
        force: bool,
    },
    /// Dataset files on object storage (S3).
    #[command(subcommand)]
    Storage(StorageCommand),
    /// Run SQL over the datasets an organisation may see (read-only, within the limits).
    Query {
        /// The SQL (SELECT or WITH).
        sql: String,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: cli::QueryFormat,
        /// The organisation's CBS code [default: the data folder's first organisation].
        #[arg(long)]
        org: Option<String>,
        #[command(flatten)]
        engine: EngineArgs,
    },
    /// Run a process of a Ballista cluster for distributed queries (--engine ballista://…).
    #[cfg(feature = "ballista")]
    #[command(subcommand)]
    Ballista(ballista::BallistaCommand),
}

#[derive(Subcommand)]
enum StorageCommand {
    /// Copy every dataset version in the data folder to object storage, check each copy
    /// (size and SHA-256), then switch the version to it and remove the local file.
    /// Versions already moved are skipped: run it again after an interruption.
    Migrate {
        /// The bucket and prefix, s3://bucket/prefix [default: the storage setting].
        #[arg(long)]
        to: Option<String>,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain of decision events and that no recorded row was changed behind
    /// koers' back. Exits non-zero when anything is wrong.
    Verify {
        /// Only this organisation (CBS code).
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(clap::Args)]
struct BenchArgs {
    /// The folder made by bench/gen_movements.py (movements.parquet, municipalities.csv).
    #[arg(long)]
    data: PathBuf,
    /// The folder of the reference queries.
    #[arg(long, default_value = "bench/queries")]
    queries: PathBuf,
    /// The folder of the boundary files (provinces_2025.geojson, municipalities_2025.geojson).
    #[arg(long, default_value = "data/nl")]
    geo: PathBuf,
    /// Timed runs per query (after one warm-up run).
    #[arg(long, default_value_t = 5)]
    runs: usize,
    /// A Python with duckdb installed: run DuckDB on the same files and print the ratios.
    #[arg(long)]
    compare: Option<PathBuf>,
    /// Let DuckDB run s1 with its spatial extension too (needs duckdb-extension-spatial).
    #[arg(long)]
    spatial: bool,
    /// Instead of the queries: the demo workspace over these movements, a full refresh of the
    /// logistics monitor and dashboard, and this many dashboard views from the cache (p50, p95).
    #[arg(long, value_name = "VIEWS")]
    dashboard: Option<usize>,
    /// Instead of the queries: every vector tile of zoom 6 to 10 over the movements' origins,
    /// p50 and p95 per tile, with --compare against PostGIS ST_AsMVT (psycopg in that Python).
    #[arg(long, conflicts_with = "dashboard")]
    tiles: bool,
    /// Generate this many movements (and the municipalities) into --data first, with koers'
    /// own generator instead of bench/gen_movements.py.
    #[arg(long, value_name = "ROWS")]
    generate: Option<usize>,
    #[command(flatten)]
    engine: EngineArgs,
}

#[derive(Subcommand)]
enum DatasetCommand {
    /// Import a file or an http(s) URL as a new dataset, or a new version of one.
    Import {
        /// A local path or an http(s) URL.
        source: String,
        #[command(flatten)]
        how: cli::ImportArgs,
        /// The organisation's CBS code [default: the data folder's first organisation].
        #[arg(long)]
        org: Option<String>,
    },
    /// Read a dataset from a remote service (OGC API – Features, WFS, CBS OData, CKAN) and
    /// keep the service with it, so that it can be refreshed.
    ImportSource {
        /// ogcapi, wfs, odata or ckan.
        #[arg(long)]
        kind: String,
        /// The service: an OGC API landing page, a WFS endpoint, a CBS table's OData root
        /// (https://opendata.cbs.nl/ODataApi/odata/85318NED) or a CKAN site; a copied items,
        /// GetCapabilities or package_show URL is understood too.
        #[arg(long)]
        url: String,
        /// What to read: the collection (ogcapi), layer (wfs), entity set (odata, default
        /// TypedDataSet) or package (ckan).
        #[arg(
            long,
            alias = "collection",
            alias = "layer",
            alias = "table",
            alias = "package",
            default_value = ""
        )]
        item: String,
        /// CKAN: the resource, by id or format (CSV, GeoJSON, …) [default: the first readable].
        #[arg(long, default_value = "", hide_default_value = true)]
        resource: String,
        /// EPSG:4326 or EPSG:28992 [default: CRS84 for ogcapi, EPSG:28992 for wfs].
        #[arg(long, default_value = "", hide_default_value = true)]
        crs: String,
        /// minx,miny,maxx,maxy in that CRS (ogcapi and wfs).
        #[arg(long, default_value = "", hide_default_value = true)]
        bbox: String,
        /// The dataset's SQL name [default: from the collection, layer, table or package].
        #[arg(long)]
        name: Option<String>,
        /// Refresh by itself: manual, hourly, daily or weekly.
        #[arg(long, default_value = "manual")]
        schedule: String,
        #[arg(long)]
        org: Option<String>,
    },
    /// Read a dataset from its service again: a new version only when the data changed.
    Refresh {
        /// The dataset's SQL name.
        name: String,
        #[arg(long)]
        org: Option<String>,
    },
    /// List the datasets of an organisation.
    List {
        #[arg(long)]
        org: Option<String>,
    },
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add an organisation.
    Add {
        /// Name, e.g. "Provincie Utrecht".
        #[arg(long)]
        name: String,
        /// province, municipality, water_board or other.
        #[arg(long)]
        kind: String,
        /// CBS code, e.g. PV26 or GM0344.
        #[arg(long, default_value = "")]
        cbs: String,
        /// TOOI code [default: derived from the CBS code].
        #[arg(long, default_value = "")]
        tooi: String,
    },
    /// List the organisations.
    List,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user to an organisation (the first administrator, for instance).
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// Role(s): viewer, analyst, data_steward, policy_owner, board_member, administrator.
        #[arg(long = "role", default_value = "administrator")]
        roles: Vec<String>,
        /// The organisation's CBS code [default: the data folder's first organisation].
        #[arg(long)]
        org: Option<String>,
        /// Let this user manage every organisation on this koers.
        #[arg(long)]
        instance_admin: bool,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
}

fn main() -> std::process::ExitCode {
    match run_main() {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            // A readable message, not a backtrace: the causes, one per line.
            eprintln!("fout: {e}");
            for cause in e.chain().skip(1) {
                eprintln!("  oorzaak: {cause}");
            }
            std::process::ExitCode::FAILURE
        }
    }
}

fn run_main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KOERS_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn,geo=error".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().context("kan de runtime niet starten")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    let file = FileSettings::load(cli.store.config.as_deref())?;
    let mut store_settings = StoreSettings::resolve(&cli.store, &file);
    match cli.command {
        Command::Serve(args) => {
            store_settings.engine = args.engine.engine.clone();
            serve(&store_settings, &file, &args).await
        }
        #[cfg(feature = "ballista")]
        Command::Ballista(command) => {
            // Versions on object storage: the cluster reads them with the deployment's S3
            // settings (koers.toml or KOERS_S3_* / AWS_*, never in a plan or a log).
            let storage = match &store_settings.storage {
                Some(url) => Some(StoreSettings::object_storage(url, &file).await?),
                None => None,
            };
            ballista::run(command, storage).await
        }
        Command::Demo(movements) => {
            let ws = store_settings.workspace(&file).await?;
            koers_demo::seed(&ws, &movements).await
        }
        Command::Org(OrgCommand::Add {
            name,
            kind,
            cbs,
            tooi,
        }) => {
            let store = store_settings.open().await?;
            let draft = OrganisationDraft::parse(&name, &kind, &cbs, &tooi)?;
            let org = store
                .organisations()
                .create_organisation(&draft, &Actor::cli())
                .await?;
            println!(
                "Organisatie aangemaakt: {} ({})",
                org.name,
                org.cbs_code.unwrap_or_default()
            );
            Ok(())
        }
        Command::Org(OrgCommand::List) => {
            let store = store_settings.open().await?;
            for o in store.organisations().organisations().await? {
                println!(
                    "{}\t{}\t{}\t{}",
                    o.cbs_code.unwrap_or_default(),
                    o.kind.as_str(),
                    o.name,
                    o.id
                );
            }
            Ok(())
        }
        Command::Dataset(DatasetCommand::Import { source, how, org }) => {
            let (ws, org) = store_settings.workspace_in(&file, org.as_deref()).await?;
            cli::import(&ws, &org, &source, how).await
        }
        Command::Dataset(DatasetCommand::ImportSource {
            kind,
            url,
            item,
            resource,
            crs,
            bbox,
            name,
            schedule,
            org,
        }) => {
            let def =
                koers_app::sources::SourceDef::parse(&kind, &url, &item, &resource, &crs, &bbox)?;
            let every = koers_core::indicators::Every::parse(&schedule)?;
            let (ws, org) = store_settings.workspace_in(&file, org.as_deref()).await?;
            cli::import_source(&ws, &org, &def, name, every).await
        }
        Command::Dataset(DatasetCommand::Refresh { name, org }) => {
            let (ws, org) = store_settings.workspace_in(&file, org.as_deref()).await?;
            cli::refresh(&ws, &org, &name).await
        }
        Command::Dataset(DatasetCommand::List { org }) => {
            let (ws, org) = store_settings.workspace_in(&file, org.as_deref()).await?;
            cli::list(&ws, &org).await
        }
        Command::Audit(AuditCommand::Verify { org }) => {
            let store = store_settings.open().await?;
            let org_id = match org {
                Some(code) => Some(cli::organisation(&store, Some(&code)).await?.id),
                None => None,
            };
            cli::verify(&store, org_id.as_deref()).await
        }
        Command::Bench(BenchArgs {
            data,
            dashboard: Some(views),
            generate,
            ..
        }) => bench::dashboard(&data, generate, views).await,
        Command::Bench(b) if b.tiles => {
            bench::tiles(bench::BenchOptions {
                data: b.data,
                queries: b.queries,
                geo: b.geo,
                runs: b.runs.max(1),
                compare: b.compare,
                spatial: false,
                engine: koers_engine::EngineMode::Embedded,
                generate: b.generate,
            })
            .await
        }
        Command::Bench(b) => {
            let engine = settings::engine_mode(b.engine.engine.as_ref(), &file)?;
            bench::run(bench::BenchOptions {
                data: b.data,
                queries: b.queries,
                geo: b.geo,
                runs: b.runs.max(1),
                compare: b.compare,
                spatial: b.spatial,
                engine,
                generate: b.generate,
            })
            .await
        }
        Command::Backup { dest } => {
            let store = store_settings.open().await?;
            backup::backup(&store, &store_settings.data_dir, &dest).await
        }
        Command::Storage(StorageCommand::Migrate { to }) => {
            let Some(to) = to.or_else(|| store_settings.storage.clone()) else {
                anyhow::bail!("geef de objectopslag op: --to s3://bucket/prefix");
            };
            let target = StoreSettings::object_storage(&to, &file).await?;
            let store = store_settings.open().await?;
            cli::migrate_storage(&store, &store_settings.data_dir, &target).await
        }
        Command::Restore { src, force } => {
            if store_settings.database_url.is_some() {
                anyhow::bail!("terugzetten kan alleen in de SQLite-opslag van een datamap");
            }
            backup::restore(&src, &store_settings.data_dir, force).await
        }
        Command::Query {
            sql,
            format,
            org,
            engine,
        } => {
            store_settings.engine = engine.engine;
            let (ws, org) = store_settings.workspace_in(&file, org.as_deref()).await?;
            cli::query(&ws, &org, &sql, format).await
        }
        Command::User(UserCommand::Add {
            email,
            name,
            roles,
            org,
            instance_admin,
            password_stdin,
        }) => {
            let store = store_settings.open().await?;
            let org = cli::organisation(&store, org.as_deref()).await?;
            let (password, generated) = if password_stdin {
                let mut s = String::new();
                std::io::stdin()
                    .read_to_string(&mut s)
                    .context("kan het wachtwoord niet lezen")?;
                (s.trim_end_matches(['\n', '\r']).to_string(), false)
            } else {
                (generate_password(), true)
            };
            let roles = parse_roles(roles.iter().map(String::as_str))?;
            let draft = UserDraft::parse(&email, &name, &password)?;
            let hash =
                hash_password(draft.password.expose()).map_err(|e| anyhow::anyhow!("{e}"))?;
            let user = store
                .users()
                .create_user(
                    &draft,
                    &hash,
                    instance_admin,
                    &org.id,
                    &roles,
                    &Actor::cli(),
                )
                .await?;
            println!("Gebruiker aangemaakt: {} in {}", user.email, org.name);
            if generated {
                println!("Wachtwoord (wordt niet opnieuw getoond): {password}");
            }
            Ok(())
        }
    }
}

async fn serve(
    store_settings: &StoreSettings,
    file: &FileSettings,
    args: &ServeArgs,
) -> Result<()> {
    let ws = store_settings.workspace(file).await?;
    if args.demo {
        koers_demo::seed_if_empty(&ws, &args.movements).await?;
    }
    let cfg = settings::web_config(args, file);
    println!("koers {}", env!("CARGO_PKG_VERSION"));
    println!("  opslag:            {}", store_settings.describe());
    println!("  datamap:           {}", store_settings.data_dir.display());
    println!("  query-engine:      {}", ws.engine.config().mode);
    if let Some(s) = ws.storage() {
        println!("  datasetbestanden:  {}", s.describe());
    }
    println!("  adres:             http://{}", cfg.bind);
    println!("  secure cookies:    {}", cfg.secure_cookies);
    println!("  max. verzoek:      {} bytes", cfg.max_body_bytes);
    println!(
        "  proxy's:           {} ({})",
        cfg.trusted_proxies,
        match cfg.forwarded_header {
            koers_web::client::ForwardedHeader::XForwardedFor => "X-Forwarded-For",
            koers_web::client::ForwardedHeader::Forwarded => "Forwarded",
        }
    );
    println!(
        "  sessies:           {} min. inactief, {} uur maximaal",
        cfg.session_ttl.idle.num_minutes(),
        cfg.session_ttl.absolute.num_hours()
    );
    let listener = tokio::net::TcpListener::bind(cfg.bind)
        .await
        .with_context(|| format!("kan niet luisteren op {}", cfg.bind))?;
    println!(
        "Klaar: open http://{} in uw browser (Ctrl+C stopt).",
        listener.local_addr()?
    );
    koers_web::serve(listener, koers_web::AppState::new(ws, cfg)).await?;
    Ok(())
}
