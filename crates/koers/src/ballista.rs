//! `koers ballista scheduler|executor`: an Apache DataFusion Ballista cluster that knows koers'
//! functions, for `--engine ballista://HOST:PORT`.
//!
//! Both run Ballista's own scheduler and executor (the library crates) with koers' session
//! state (`koers_engine::distributed`). Executors pull their tasks from the scheduler, so an
//! executor needs one port only: the Arrow Flight port its results are fetched from.

use anyhow::{Context, Result, anyhow, bail};
use ballista_core::config::TaskSchedulingPolicy;
use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
use ballista_scheduler::cluster::BallistaCluster;
use ballista_scheduler::config::SchedulerConfig;
use ballista_scheduler::scheduler_process::start_server;
use clap::Subcommand;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

/// The two kinds of cluster process.
#[derive(Subcommand)]
pub enum BallistaCommand {
    /// Run a Ballista scheduler with koers' functions (queries reach it at
    /// ballista://HOST:PORT).
    Scheduler {
        /// Address to listen on for clients and executors.
        #[arg(long, default_value = "127.0.0.1:50050")]
        bind: SocketAddr,
    },
    /// Run a Ballista executor with koers' functions; it reads the dataset files by their
    /// paths, so run it where those files are.
    Executor {
        /// The scheduler, HOST:PORT.
        #[arg(long, default_value = "127.0.0.1:50050", value_parser = host_port)]
        scheduler: (String, u16),
        /// Address the executor serves its results on (Arrow Flight).
        #[arg(long, default_value = "127.0.0.1:50051")]
        bind: SocketAddr,
        /// Folder for intermediate (shuffle) files [default: a new temporary folder].
        #[arg(long)]
        work_dir: Option<PathBuf>,
        /// Tasks run at the same time [default: the number of CPU cores].
        #[arg(long)]
        concurrency: Option<usize>,
    },
}

/// `HOST:PORT`, with a port from 1 to 65535.
fn host_port(s: &str) -> Result<(String, u16), String> {
    let (host, port) = s
        .rsplit_once(':')
        .ok_or_else(|| format!("{s:?} is not HOST:PORT"))?;
    let port = port
        .parse::<u16>()
        .ok()
        .filter(|p| *p > 0)
        .ok_or_else(|| format!("{s:?} has no valid port (1–65535)"))?;
    if host.is_empty() {
        return Err(format!("{s:?} has no host"));
    }
    Ok((host.to_string(), port))
}

pub async fn run(command: BallistaCommand) -> Result<()> {
    match command {
        BallistaCommand::Scheduler { bind } => scheduler(bind).await,
        BallistaCommand::Executor {
            scheduler,
            bind,
            work_dir,
            concurrency,
        } => executor(scheduler, bind, work_dir, concurrency).await,
    }
}

async fn scheduler(bind: SocketAddr) -> Result<()> {
    let config = SchedulerConfig::default()
        .with_hostname(bind.ip().to_string())
        .with_port(bind.port())
        .with_scheduler_policy(TaskSchedulingPolicy::PullStaged)
        .with_override_session_builder(Arc::new(koers_engine::distributed::cluster_state));
    let config = SchedulerConfig {
        override_physical_codec: Some(Arc::new(
            koers_engine::distributed::KoersPhysicalCodec::default(),
        )),
        ..config
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!("koers Ballista-scheduler op {bind} (ballista://{bind})");
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("de scheduler op {bind} is gestopt"))
}

async fn executor(
    (scheduler_host, scheduler_port): (String, u16),
    bind: SocketAddr,
    work_dir: Option<PathBuf>,
    concurrency: Option<usize>,
) -> Result<()> {
    let work_dir = match work_dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("kan werkmap {} niet aanmaken", dir.display()))?;
            match dir.to_str() {
                Some(d) => Some(d.to_string()),
                None => bail!("werkmap {} heeft geen UTF-8-pad", dir.display()),
            }
        }
        None => None,
    };
    let functions = koers_engine::distributed::cluster_functions()?;
    let config = ExecutorProcessConfig {
        bind_host: bind.ip().to_string(),
        external_host: (!bind.ip().is_unspecified()).then(|| bind.ip().to_string()),
        port: bind.port(),
        scheduler_host: scheduler_host.clone(),
        scheduler_port,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        vcores: concurrency.unwrap_or(0),
        work_dir,
        override_function_registry: Some(Arc::new(functions)),
        override_physical_codec: Some(Arc::new(
            koers_engine::distributed::KoersPhysicalCodec::default(),
        )),
        ..ExecutorProcessConfig::default()
    };
    println!("koers Ballista-executor op {bind}, scheduler {scheduler_host}:{scheduler_port}");
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| {
            format!("de executor kon niet (verder) werken met scheduler {scheduler_host}:{scheduler_port}")
        })
}
