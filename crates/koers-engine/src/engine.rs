//! The query engine: DataFusion with koers' spatial functions and join, behind the sandbox,
//! with a memory limit, a time limit and a row limit per query.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use datafusion::arrow::datatypes::SchemaRef;
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::common::TableReference;
use datafusion::execution::cache::cache_manager::{CacheManager, CacheManagerConfig};
use datafusion::execution::context::SQLOptions;
use datafusion::execution::memory_pool::{FairSpillPool, MemoryConsumer, MemoryPool};
use datafusion::execution::runtime_env::RuntimeEnvBuilder;
use datafusion::execution::session_state::{SessionState, SessionStateBuilder};
use datafusion::execution::{FunctionRegistry, SendableRecordBatchStream};
use datafusion::logical_expr::LogicalPlan;
use datafusion::prelude::{ParquetReadOptions, SessionConfig, SessionContext};
use futures::StreamExt;
use object_store::ObjectStore;
use object_store::path::Path as ObjectPath;
use std::path::PathBuf;
use tokio::sync::Notify;
use url::Url;

use crate::bounded;
use crate::cache::{CacheUse, CachedTable, ColumnCache, FileSource};
use crate::datetime;
use crate::distributed::{self, EngineMode};
use crate::eager;
use crate::error::{EngineError, Result};
use crate::filter;
use crate::lookup;
use crate::params::Sql;
use crate::sandbox;
use crate::spatial;
use crate::stats;

/// Limits and parallelism of the engine.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Memory one query may hold for joins, sorts and aggregations; beyond it the query spills
    /// or fails with [`EngineError::ResourcesExhausted`].
    pub memory_limit_bytes: usize,
    /// Wall time one query may take before it is cancelled ([`EngineError::Timeout`]).
    pub time_limit: Duration,
    /// Partitions (threads) one query uses.
    pub target_partitions: usize,
    /// Rows a query returns at most; more set [`QueryOutput::truncated`].
    pub row_limit: usize,
    /// Where queries run: in this process or on a Ballista cluster.
    pub mode: EngineMode,
    /// Bytes of decoded dataset columns kept in memory between queries (see
    /// [`crate::cache`]; default a quarter of the machine's memory); 0 keeps none.
    pub column_cache_bytes: usize,
}

impl Default for EngineConfig {
    fn default() -> Self {
        EngineConfig {
            memory_limit_bytes: 1 << 30,
            time_limit: Duration::from_secs(60),
            target_partitions: std::thread::available_parallelism()
                .map(usize::from)
                .unwrap_or(2),
            row_limit: 100_000,
            mode: EngineMode::Embedded,
            column_cache_bytes: machine_memory() / 4,
        }
    }
}

/// The machine's memory in bytes (`MemTotal` of `/proc/meminfo`), or 4 GiB when unknown.
pub fn machine_memory() -> usize {
    std::fs::read_to_string("/proc/meminfo")
        .ok()
        .and_then(|m| {
            m.lines()
                .find_map(|l| l.strip_prefix("MemTotal:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        })
        .map(|kib| kib.saturating_mul(1024))
        .unwrap_or(4 << 30)
}

/// A table a query may read: a dataset version the caller has access to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableRef {
    /// The name in SQL, e.g. `gemeenten` or `movements@2` (quoted in SQL: `"movements@2"`).
    pub name: String,
    /// Where the Parquet version file is.
    pub location: TableLocation,
}

/// Where a table's Parquet file is: in the data folder, or on object storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TableLocation {
    /// A local file.
    File(PathBuf),
    /// An object, e.g. `s3://bucket/prefix/datasets/…/v.parquet`, read through the object
    /// store the engine was given for its bucket ([`Engine::with_object_store`]).
    Object(Url),
}

impl TableRef {
    /// A table named `name` reading the local file `path`.
    pub fn new(name: impl Into<String>, path: impl Into<PathBuf>) -> Self {
        TableRef {
            name: name.into(),
            location: TableLocation::File(path.into()),
        }
    }

    /// A table named `name` reading the object at `url`.
    pub fn object(name: impl Into<String>, url: Url) -> Self {
        TableRef {
            name: name.into(),
            location: TableLocation::Object(url),
        }
    }
}

/// The result of a query.
#[derive(Debug, Clone)]
pub struct QueryOutput {
    /// Schema of the result.
    pub schema: SchemaRef,
    /// The rows.
    pub batches: Vec<RecordBatch>,
    /// Whether rows beyond the row limit were cut off.
    pub truncated: bool,
    /// How long the query took.
    pub elapsed: Duration,
    /// Whether the answer was brought up to date from a kept state and the rows appended
    /// since, not computed in full (see [`crate::incremental`]).
    pub incremental: bool,
}

impl QueryOutput {
    /// Number of rows returned.
    pub fn row_count(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The names of the result's columns, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
}

/// Lets someone else cancel a running query (a "stop" button).
#[derive(Debug, Clone, Default)]
pub struct CancelToken {
    inner: Arc<(AtomicBool, Notify)>,
}

impl CancelToken {
    /// A fresh token.
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancel the query holding this token.
    pub fn cancel(&self) {
        self.inner.0.store(true, Ordering::SeqCst);
        self.inner.1.notify_waiters();
    }

    /// Whether [`cancel`](Self::cancel) was called.
    pub fn is_cancelled(&self) -> bool {
        self.inner.0.load(Ordering::SeqCst)
    }

    async fn cancelled(&self) {
        loop {
            let notified = self.inner.1.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}

/// Add koers' functions to a session: the spatial `ST_*` functions, the faster date
/// functions, and the bounded versions of the functions whose results can outgrow their
/// arguments, counting what they make against `pool` (see [`bounded`]).
pub(crate) fn install_functions(
    state: &mut SessionState,
    pool: &Arc<dyn MemoryPool>,
) -> Result<()> {
    state.register_function_rewrite(Arc::new(datetime::FastDateRewrite::default()))?;
    for f in spatial::functions::all() {
        state.register_udf(Arc::new(f))?;
    }
    bounded::install(state, pool)?;
    Ok(())
}

/// The query engine. Cheap to share; each query gets its own DataFusion session.
#[derive(Debug, Clone)]
pub struct Engine {
    config: EngineConfig,
    /// Object stores by bucket URL (`s3://bucket`), for tables on object storage.
    object_stores: Vec<(Url, Arc<dyn ObjectStore>)>,
    /// Decoded columns of the versions queries read, shared by every clone.
    cache: Arc<ColumnCache>,
    /// DataFusion's caches of Parquet footers and file statistics, shared by every query's
    /// context (each entry is checked against the file's size and time of change), so a
    /// query does not read and parse again the footer the one before it read (`None`: each
    /// query has its own).
    file_caches: Option<Arc<CacheManager>>,
}

impl Engine {
    /// An engine with these limits.
    pub fn new(config: EngineConfig) -> Self {
        Engine {
            cache: Arc::new(ColumnCache::new(config.column_cache_bytes)),
            config,
            object_stores: Vec::new(),
            file_caches: CacheManager::try_new(&CacheManagerConfig::default()).ok(),
        }
    }

    /// This engine, also reading tables under `url` (`s3://bucket`) through `store`.
    pub fn with_object_store(mut self, url: Url, store: Arc<dyn ObjectStore>) -> Self {
        self.object_stores.push((url, store));
        self
    }

    /// This engine (with its object stores) under other limits.
    pub fn with_config(&self, config: EngineConfig) -> Self {
        Engine {
            config,
            object_stores: self.object_stores.clone(),
            cache: self.cache.clone(),
            file_caches: self.file_caches.clone(),
        }
    }

    /// What the column cache holds now.
    pub fn cache_usage(&self) -> CacheUse {
        self.cache.usage()
    }

    /// Where `location` is read from, for the column cache: the local file system or the
    /// object store registered for its bucket.
    fn file_source(&self, location: &TableLocation) -> Option<FileSource> {
        match location {
            TableLocation::File(path) => Some(FileSource {
                store: Arc::new(object_store::local::LocalFileSystem::new()),
                path: ObjectPath::from_filesystem_path(path).ok()?,
                location: path.to_string_lossy().into_owned(),
            }),
            TableLocation::Object(url) => {
                let (_, store) = self.object_stores.iter().find(|(bucket, _)| {
                    bucket.scheme() == url.scheme() && bucket.host_str() == url.host_str()
                })?;
                Some(FileSource {
                    store: store.clone(),
                    path: ObjectPath::from_url_path(url.path()).ok()?,
                    location: url.to_string(),
                })
            }
        }
    }

    /// The limits in force.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// A DataFusion context with koers' functions and spatial join and the given tables only.
    /// No sandbox check: for trusted callers (tests, bench, indicator computation).
    pub async fn context(&self, tables: &[TableRef]) -> Result<SessionContext> {
        let pool: Arc<dyn MemoryPool> =
            Arc::new(FairSpillPool::new(self.config.memory_limit_bytes));
        let mut runtime = RuntimeEnvBuilder::new().with_memory_pool(pool.clone());
        if let Some(shared) = &self.file_caches {
            runtime = runtime.with_cache_manager(
                CacheManagerConfig::default()
                    .with_file_metadata_cache(Some(shared.get_file_metadata_cache()))
                    .with_file_statistics_cache(shared.get_file_statistic_cache()),
            );
        }
        let runtime = runtime.build_arc()?;
        for (url, store) in &self.object_stores {
            runtime.register_object_store(url, store.clone());
        }
        let mut config = SessionConfig::new()
            .with_target_partitions(self.config.target_partitions.max(1))
            .with_information_schema(false);
        // Join order from estimated join outputs (see `stats`), not from DataFusion's
        // estimate, which takes a fact table joined to a lookup table for the lookup table.
        config.options_mut().optimizer.use_statistics_registry = true;
        let state = SessionStateBuilder::new()
            .with_config(config)
            .with_runtime_env(runtime)
            .with_default_features()
            .with_statistics_registry(stats::registry())
            .with_optimizer_rule(Arc::new(eager::EagerAggregation))
            .with_physical_optimizer_rule(Arc::new(spatial::join::SpatialJoinRule));
        let mut state = match self.config.mode.scheduler_url() {
            // Filters and joins' filters koers' way, then joins to a lookup table, in this
            // process (a cluster runs DataFusion's).
            None => state
                .with_physical_optimizer_rule(Arc::new(filter::FilterRule))
                .with_physical_optimizer_rule(Arc::new(lookup::LookupJoinRule))
                .build(),
            #[cfg(feature = "ballista")]
            Some(url) => {
                distributed::check_reachable(&url).await?;
                distributed::remote_state(state.build(), &url)?
            }
            #[cfg(not(feature = "ballista"))]
            Some(_) => return Err(distributed::not_built()),
        };
        // After Ballista's upgrade, which replaces the function lists.
        install_functions(&mut state, &pool)?;
        let ctx = SessionContext::new_with_state(state);
        // Embedded queries read kept columns; a cluster's executors read the files.
        let cached = self.config.mode.scheduler_url().is_none() && self.cache.budget() > 0;
        for t in tables {
            let location = match &t.location {
                TableLocation::File(path) => path.to_str().ok_or_else(|| {
                    EngineError::Query(format!(
                        "dataset file of table {} has no UTF-8 path",
                        t.name
                    ))
                })?,
                TableLocation::Object(url) => url.as_str(),
            };
            let name = TableReference::bare(t.name.as_str());
            ctx.register_parquet(name.clone(), location, ParquetReadOptions::default())
                .await?;
            if let Some(source) = self.file_source(&t.location).filter(|_| cached) {
                let inner = ctx.table_provider(name.clone()).await?;
                ctx.deregister_table(name.clone())?;
                ctx.register_table(
                    name,
                    Arc::new(CachedTable::new(inner, source, self.cache.clone())),
                )?;
            }
        }
        Ok(ctx)
    }

    /// Check `sql` with the sandbox, bind its parameters and plan it over `tables`, returning
    /// the result stream. Dropping the stream cancels the query. The time limit is not applied
    /// here.
    pub async fn stream(
        &self,
        sql: &Sql,
        tables: &[TableRef],
    ) -> Result<SendableRecordBatchStream> {
        let (ctx, plan) = self.plan(sql, tables).await?;
        self.execute(&ctx, plan).await
    }

    /// `sql` checked by the sandbox, its parameters bound, as a logical plan over `tables`
    /// (not yet optimised), with the context it runs in.
    pub(crate) async fn plan(
        &self,
        sql: &Sql,
        tables: &[TableRef],
    ) -> Result<(SessionContext, LogicalPlan)> {
        let names: Vec<&str> = tables.iter().map(|t| t.name.as_str()).collect();
        let (statement, read) = sandbox::statement_reading(sql, &names)?;
        // Only the tables the query names are opened (each costs a read of its file's footer).
        let reading: Vec<TableRef> = tables
            .iter()
            .filter(|t| read.contains(&t.name))
            .cloned()
            .collect();
        let ctx = self.context(&reading).await?;
        // Defence in depth: DataFusion itself refuses DDL, DML and SET as well.
        let options = SQLOptions::new()
            .with_allow_ddl(false)
            .with_allow_dml(false)
            .with_allow_statements(false);
        let plan = ctx.state().statement_to_plan(statement).await?;
        options.verify_plan(&plan)?;
        Ok((ctx, plan))
    }

    /// The result stream of `plan` in `ctx`: run in this process, or on the cluster.
    async fn execute(
        &self,
        ctx: &SessionContext,
        plan: LogicalPlan,
    ) -> Result<SendableRecordBatchStream> {
        let df = ctx.execute_logical_plan(plan).await?;
        Ok(match self.config.mode.scheduler_url() {
            None => df.execute_stream().await?,
            #[cfg(feature = "ballista")]
            Some(url) => distributed::execute(df, &url).await?,
            #[cfg(not(feature = "ballista"))]
            Some(_) => return Err(distributed::not_built()),
        })
    }

    /// The rows of `plan` in `ctx` up to `row_limit`, counted against the query's memory
    /// pool (see [`collect`](Self::collect)).
    pub(crate) async fn run_plan(
        &self,
        ctx: &SessionContext,
        plan: LogicalPlan,
        row_limit: usize,
        start: Instant,
    ) -> Result<QueryOutput> {
        let stream = self.execute(ctx, plan).await?;
        let pool = ctx.runtime_env().memory_pool.clone();
        self.collect(stream, &pool, row_limit, start).await
    }

    /// Run a query with the engine's limits.
    pub async fn query(&self, sql: impl Into<Sql>, tables: &[TableRef]) -> Result<QueryOutput> {
        self.query_with(sql, tables, self.config.row_limit, None)
            .await
    }

    /// Run a query with a row limit and an optional cancel token.
    pub async fn query_with(
        &self,
        sql: impl Into<Sql>,
        tables: &[TableRef],
        row_limit: usize,
        cancel: Option<&CancelToken>,
    ) -> Result<QueryOutput> {
        let sql = sql.into();
        let start = Instant::now();
        let work = async {
            let (ctx, plan) = self.plan(&sql, tables).await?;
            self.run_plan(&ctx, plan, row_limit, start).await
        };
        self.within_limits(work, cancel).await
    }

    /// Runs `work` within the time limit, stopping it when `cancel` is cancelled.
    pub(crate) async fn within_limits<T>(
        &self,
        work: impl Future<Output = Result<T>>,
        cancel: Option<&CancelToken>,
    ) -> Result<T> {
        let limit = self.config.time_limit;
        let never = CancelToken::new();
        let token = cancel.unwrap_or(&never);
        // A span entered across an await would make the future !Send; instrument instead.
        let work = tracing::Instrument::instrument(work, tracing::info_span!("query"));
        tokio::select! {
            r = tokio::time::timeout(limit, work) => r.map_err(|_| EngineError::Timeout(limit))?,
            _ = token.cancelled() => Err(EngineError::Cancelled),
        }
    }

    /// The rows of `stream` up to `row_limit` (more set `truncated`), counted against the
    /// query's memory `pool`; stops at the time limit counted from `start`.
    pub(crate) async fn collect(
        &self,
        mut stream: SendableRecordBatchStream,
        pool: &Arc<dyn MemoryPool>,
        row_limit: usize,
        start: Instant,
    ) -> Result<QueryOutput> {
        let limit = self.config.time_limit;
        let schema = stream.schema();
        // The rows kept for the answer count against the query's memory limit too.
        let kept = MemoryConsumer::new("query result").register(pool);
        let mut batches = Vec::new();
        let mut rows = 0usize;
        let mut truncated = false;
        while let Some(b) = stream.next().await {
            let b = b?;
            if start.elapsed() > limit {
                return Err(EngineError::Timeout(limit));
            }
            // DataFusion's CPU work returns Ready without end; yield so the time limit
            // and a cancel can be seen between batches.
            tokio::task::yield_now().await;
            let b = if rows + b.num_rows() > row_limit {
                truncated = true;
                b.slice(0, row_limit - rows)
            } else {
                b
            };
            kept.try_grow(b.get_array_memory_size())?;
            rows += b.num_rows();
            if b.num_rows() > 0 || !truncated {
                batches.push(b);
            }
            if truncated {
                break;
            }
        }
        Ok(QueryOutput {
            schema,
            batches,
            truncated,
            elapsed: start.elapsed(),
            incremental: false,
        })
    }
}
