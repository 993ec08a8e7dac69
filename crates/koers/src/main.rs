//! The `koers` binary: `koers serve` runs the web application; the other subcommands are
//! the command line for the data folder (demo workspace, organisations, users).

mod demo;
mod settings;

use anyhow::{Context, Result, bail};
use clap::{Parser, Subcommand};
use koers_core::access::parse_roles;
use koers_core::secret::{generate_password, hash_password};
use koers_core::{OrganisationDraft, UserDraft};
use koers_store::Actor;
use settings::{FileSettings, ServeArgs, StoreArgs, StoreSettings};
use std::io::Read;

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
    Demo,
    /// Manage organisations.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Manage users.
    #[command(subcommand)]
    User(UserCommand),
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

fn main() -> Result<()> {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("KOERS_LOG")
                .unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();
    let cli = Cli::parse();
    let runtime = tokio::runtime::Runtime::new().context("kan de runtime niet starten")?;
    runtime.block_on(run(cli))
}

async fn run(cli: Cli) -> Result<()> {
    let file = FileSettings::load(cli.store.config.as_deref())?;
    let store_settings = StoreSettings::resolve(&cli.store, &file);
    match cli.command {
        Command::Serve(args) => serve(&store_settings, &file, &args).await,
        Command::Demo => {
            let store = store_settings.open().await?;
            demo::seed(&store, &store_settings.data_dir).await
        }
        Command::Org(OrgCommand::Add {
            name,
            kind,
            cbs,
            tooi,
        }) => {
            let store = store_settings.open().await?;
            let draft = OrganisationDraft::parse(&name, &kind, &cbs, &tooi)?;
            let org = store.create_organisation(&draft, &Actor::cli()).await?;
            println!(
                "Organisatie aangemaakt: {} ({})",
                org.name,
                org.cbs_code.unwrap_or_default()
            );
            Ok(())
        }
        Command::Org(OrgCommand::List) => {
            let store = store_settings.open().await?;
            for o in store.organisations().await? {
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
        Command::User(UserCommand::Add {
            email,
            name,
            roles,
            org,
            instance_admin,
            password_stdin,
        }) => {
            let store = store_settings.open().await?;
            let org = match org {
                Some(code) => store
                    .organisation_by_cbs(&code)
                    .await
                    .with_context(|| format!("geen organisatie met CBS-code {code}"))?,
                None => match store.default_organisation().await {
                    Ok(o) => o,
                    Err(koers_store::StoreError::NotFound) => bail!(
                        "deze datamap heeft nog geen organisatie; maak er eerst een met `koers org add --name … --kind … --cbs …`"
                    ),
                    Err(e) => return Err(e.into()),
                },
            };
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
    let store = store_settings.open().await?;
    if args.demo {
        demo::seed_if_empty(&store, &store_settings.data_dir).await?;
    }
    let cfg = settings::web_config(args, file);
    println!("koers {}", env!("CARGO_PKG_VERSION"));
    println!("  opslag:            {}", store_settings.describe());
    println!("  datamap:           {}", store_settings.data_dir.display());
    println!("  adres:             http://{}", cfg.bind);
    println!("  secure cookies:    {}", cfg.secure_cookies);
    println!("  max. verzoek:      {} bytes", cfg.max_body_bytes);
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
    koers_web::serve(listener, koers_web::AppState::new(store, cfg)).await?;
    Ok(())
}
