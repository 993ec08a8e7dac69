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
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use koers_app::storage::ObjectStorage;
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

/// A process of the cluster; with `storage`, it reads dataset versions kept there too.
pub async fn run(command: BallistaCommand, storage: Option<ObjectStorage>) -> Result<()> {
    match command {
        BallistaCommand::Scheduler { bind } => scheduler(bind, storage).await,
        BallistaCommand::Executor {
            scheduler,
            bind,
            work_dir,
            concurrency,
        } => executor(scheduler, bind, work_dir, concurrency, storage).await,
    }
}

/// Registers the bucket of `storage`, if any, in `runtime`.
fn register(
    runtime: &datafusion::execution::runtime_env::RuntimeEnv,
    storage: Option<&ObjectStorage>,
) {
    if let Some(s) = storage {
        runtime.register_object_store(s.bucket_url(), s.store());
    }
}

async fn scheduler(bind: SocketAddr, storage: Option<ObjectStorage>) -> Result<()> {
    // The scheduler lists a table's files when it plans a scan.
    let kept = storage.clone();
    let session = move |config| {
        let state = koers_engine::distributed::cluster_state(config)?;
        register(state.runtime_env(), kept.as_ref());
        Ok(state)
    };
    let config = SchedulerConfig::default()
        .with_hostname(bind.ip().to_string())
        .with_port(bind.port())
        .with_scheduler_policy(TaskSchedulingPolicy::PullStaged)
        .with_override_session_builder(Arc::new(session));
    let config = SchedulerConfig {
        override_physical_codec: Some(Arc::new(
            koers_engine::distributed::KoersPhysicalCodec::default(),
        )),
        ..config
    };
    let cluster = BallistaCluster::new_from_config(&config)
        .await
        .map_err(|e| anyhow!("{e}"))?;
    println!(
        "koers Ballista-scheduler op {bind} (ballista://{bind}){}",
        reads(storage.as_ref())
    );
    start_server(cluster, bind, Arc::new(config))
        .await
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| format!("de scheduler op {bind} is gestopt"))
}

/// What a process says it reads besides the data folder.
fn reads(storage: Option<&ObjectStorage>) -> String {
    storage
        .map(|s| format!(", leest ook {}", s.describe()))
        .unwrap_or_default()
}

async fn executor(
    (scheduler_host, scheduler_port): (String, u16),
    bind: SocketAddr,
    work_dir: Option<PathBuf>,
    concurrency: Option<usize>,
    storage: Option<ObjectStorage>,
) -> Result<()> {
    // Without a work folder of its own, one in the temporary folder for this process.
    let dir = work_dir.unwrap_or_else(|| {
        std::env::temp_dir().join(format!("koers-executor-{}", std::process::id()))
    });
    std::fs::create_dir_all(&dir)
        .with_context(|| format!("kan werkmap {} niet aanmaken", dir.display()))?;
    let Some(work_dir) = dir.to_str().map(str::to_string) else {
        bail!("werkmap {} heeft geen UTF-8-pad", dir.display());
    };
    // Every task's runtime: its temporary files in the work folder, and the bucket's store.
    let (temp, kept) = (work_dir.clone(), storage.clone());
    let runtime: ballista_core::RuntimeProducer = Arc::new(move |_| {
        let runtime = RuntimeEnvBuilder::new()
            .with_temp_file_path(temp.clone())
            .build()?;
        register(&runtime, kept.as_ref());
        Ok(Arc::new(runtime))
    });
    let functions = koers_engine::distributed::cluster_functions()?;
    let config = ExecutorProcessConfig {
        bind_host: bind.ip().to_string(),
        external_host: (!bind.ip().is_unspecified()).then(|| bind.ip().to_string()),
        port: bind.port(),
        scheduler_host: scheduler_host.clone(),
        scheduler_port,
        task_scheduling_policy: TaskSchedulingPolicy::PullStaged,
        vcores: concurrency.unwrap_or(0),
        work_dir: Some(work_dir),
        override_runtime_producer: Some(runtime),
        override_function_registry: Some(Arc::new(functions)),
        override_physical_codec: Some(Arc::new(
            koers_engine::distributed::KoersPhysicalCodec::default(),
        )),
        ..ExecutorProcessConfig::default()
    };
    println!(
        "koers Ballista-executor op {bind}, scheduler {scheduler_host}:{scheduler_port}{}",
        reads(storage.as_ref())
    );
    start_executor_process(Arc::new(config))
        .await
        .map_err(|e| anyhow!("{e}"))
        .with_context(|| {
            format!("de executor kon niet (verder) werken met scheduler {scheduler_host}:{scheduler_port}")
        })
}
