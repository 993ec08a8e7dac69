//! Decoded columns of dataset versions, kept in memory between queries.
//!
//! A dataset version is a Parquet file that never changes: a new import writes a new file.
//! Monitors, dashboards and analysts read the same few versions again and again, and most of
//! a query over a large version goes into reading its file and decoding the same columns
//! each time. [`ColumnCache`] keeps the columns a query decoded, as Arrow arrays in the
//! engine's own types (strings as string views), so that the next query over that version
//! reads them from memory. It holds at most its budget in bytes and lets the least recently
//! used columns go first.
//!
//! [`CachedTable`] stands in for a version's table in a query. It decodes (and keeps) the
//! columns a scan needs that are not kept yet, and answers the scan from memory. It leaves
//! the scan to the table's own Parquet reader when keeping would not pay: a scan with a row
//! limit and no filter (a preview reads a few rows, not whole columns), a scan of no columns
//! (`COUNT(*)` from the file's footer), columns that would take more than half the budget or
//! more than the query may use (decoding counts against the query's memory limit), and any
//! file it cannot read as expected. A version is known by its location, size and
//! time of change, so a file replaced in place is read afresh.
//!
//! The cache serves only tables a query was given: which versions a caller may read is
//! decided before (see [`crate::Engine::context`]), never here.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use bytes::Bytes;
use datafusion::arrow::array::ArrayRef;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::arrow::record_batch::RecordBatch;
use datafusion::catalog::{Session, TableProvider};
use datafusion::common::Result;
use datafusion::datasource::memory::MemorySourceConfig;
use datafusion::execution::memory_pool::{MemoryConsumer, MemoryPool};
use datafusion::logical_expr::{Expr, TableProviderFilterPushDown, TableType};
use datafusion::parquet::arrow::ProjectionMask;
use datafusion::parquet::arrow::arrow_reader::ArrowReaderOptions;
use datafusion::parquet::arrow::async_reader::{AsyncFileReader, ParquetRecordBatchStreamBuilder};
use datafusion::parquet::errors::ParquetError;
use datafusion::parquet::file::metadata::{ParquetMetaData, ParquetMetaDataReader};
use datafusion::physical_plan::ExecutionPlan;
use futures::future::BoxFuture;
use futures::{FutureExt, TryStreamExt};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, ObjectStoreExt};

/// Rows per decoded chunk: the batch size queries run with.
const CHUNK_ROWS: usize = 8192;

/// A version file as the cache knows it: where, how large, and when it last changed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct FileKey {
    location: String,
    size: u64,
    modified: i64,
}

#[derive(Debug)]
struct Column {
    /// The column's values, [`CHUNK_ROWS`] rows a chunk, in file order.
    chunks: Vec<ArrayRef>,
    bytes: usize,
    last_used: u64,
}

#[derive(Debug, Default)]
struct Kept {
    columns: HashMap<(FileKey, usize), Column>,
    used: usize,
    clock: u64,
}

/// What the cache holds now (for tests and metrics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CacheUse {
    /// Bytes of the columns kept.
    pub bytes: usize,
    /// Columns kept (of all versions together).
    pub columns: usize,
    /// The budget in bytes.
    pub budget: usize,
}

/// Decoded columns of version files, at most `budget` bytes; see the module documentation.
#[derive(Debug)]
pub struct ColumnCache {
    budget: usize,
    kept: Mutex<Kept>,
}

impl ColumnCache {
    /// A cache of at most `budget` bytes (0: keep nothing).
    pub fn new(budget: usize) -> Self {
        ColumnCache {
            budget,
            kept: Mutex::new(Kept::default()),
        }
    }

    /// The budget in bytes.
    pub fn budget(&self) -> usize {
        self.budget
    }

    /// What the cache holds now.
    pub fn usage(&self) -> CacheUse {
        let kept = self.lock();
        CacheUse {
            bytes: kept.used,
            columns: kept.columns.len(),
            budget: self.budget,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Kept> {
        // A panic while holding the lock leaves a consistent map (every change is one
        // insert or remove with its byte count), so a poisoned lock is still usable.
        self.kept.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The kept chunks of `columns` of `file`, marking them used; `None` for each not kept.
    fn take(&self, file: &FileKey, columns: &[usize]) -> Vec<Option<Vec<ArrayRef>>> {
        let mut kept = self.lock();
        kept.clock += 1;
        let now = kept.clock;
        columns
            .iter()
            .map(|&c| {
                kept.columns.get_mut(&(file.clone(), c)).map(|col| {
                    col.last_used = now;
                    col.chunks.clone()
                })
            })
            .collect()
    }

    /// Keep `chunks` as column `column` of `file`, letting the least recently used columns
    /// go until everything fits the budget.
    fn keep(&self, file: &FileKey, column: usize, chunks: Vec<ArrayRef>) {
        let bytes: usize = chunks.iter().map(|a| a.get_array_memory_size()).sum();
        if bytes > self.budget {
            return;
        }
        let mut kept = self.lock();
        kept.clock += 1;
        let now = kept.clock;
        if let Some(old) = kept.columns.insert(
            (file.clone(), column),
            Column {
                chunks,
                bytes,
                last_used: now,
            },
        ) {
            kept.used -= old.bytes;
        }
        kept.used += bytes;
        while kept.used > self.budget {
            let Some(oldest) = kept
                .columns
                .iter()
                .filter(|(_, c)| c.last_used != now)
                .min_by_key(|(_, c)| c.last_used)
                .map(|(k, _)| k.clone())
            else {
                break;
            };
            if let Some(gone) = kept.columns.remove(&oldest) {
                kept.used -= gone.bytes;
            }
        }
    }
}

/// Where a version file is read from: an object store and the path in it.
#[derive(Debug, Clone)]
pub(crate) struct FileSource {
    pub store: Arc<dyn ObjectStore>,
    pub path: ObjectPath,
    /// The location as the query names it (file path or URL), for the cache key.
    pub location: String,
}

/// A version's table answered from the [`ColumnCache`]; see the module documentation.
#[derive(Debug)]
pub(crate) struct CachedTable {
    inner: Arc<dyn TableProvider>,
    source: FileSource,
    cache: Arc<ColumnCache>,
}

impl CachedTable {
    /// `inner` (the table's own Parquet reader over `source`) with the cache in front.
    pub fn new(inner: Arc<dyn TableProvider>, source: FileSource, cache: Arc<ColumnCache>) -> Self {
        CachedTable {
            inner,
            source,
            cache,
        }
    }

    /// The projected columns in chunks, from the cache or decoded now and kept; `None` when
    /// the scan should read the file itself.
    async fn columns(
        &self,
        columns: &[usize],
        pool: &Arc<dyn MemoryPool>,
    ) -> Result<Option<Vec<Vec<ArrayRef>>>> {
        let schema = self.inner.schema();
        let meta = self.source.store.head(&self.source.path).await?;
        let key = FileKey {
            location: self.source.location.clone(),
            size: meta.size,
            modified: meta.last_modified.timestamp_micros(),
        };
        let mut found = self.cache.take(&key, columns);
        // (where in `found`, which column) of each column not kept yet.
        let missing: Vec<(usize, usize)> = found
            .iter()
            .zip(columns)
            .enumerate()
            .filter(|(_, (f, _))| f.is_none())
            .map(|(slot, (_, &c))| (slot, c))
            .collect();
        if !missing.is_empty() {
            let reader = StoreReader {
                store: self.source.store.clone(),
                path: meta.location,
                size: meta.size,
            };
            let options = ArrowReaderOptions::new().with_schema(schema.clone());
            let builder =
                ParquetRecordBatchStreamBuilder::new_with_options(reader, options).await?;
            let estimate: usize = missing
                .iter()
                .map(|&(_, c)| estimated_bytes(builder.metadata(), c, schema.field(c).data_type()))
                .sum();
            // Decoding counts against the query's memory limit like any other work of the
            // query; what is kept afterwards counts against the cache's budget.
            let decoding = MemoryConsumer::new("koers column cache").register(pool);
            if estimate > self.cache.budget() / 2 || decoding.try_grow(estimate).is_err() {
                return Ok(None);
            }
            let mask =
                ProjectionMask::roots(builder.parquet_schema(), missing.iter().map(|&(_, c)| c));
            let batches: Vec<RecordBatch> = builder
                .with_projection(mask)
                .with_batch_size(CHUNK_ROWS)
                .build()?
                .try_collect()
                .await?;
            for (i, &(slot, c)) in missing.iter().enumerate() {
                // Short codes kept as their views alone: the decoded page they were read from
                // is not held, and comparing and grouping them takes Arrow's fast path.
                let chunks: Vec<ArrayRef> = batches
                    .iter()
                    .map(|b| {
                        crate::views::inlined(b.column(i)).unwrap_or_else(|| b.column(i).clone())
                    })
                    .collect();
                self.cache.keep(&key, c, chunks.clone());
                found[slot] = Some(chunks);
            }
        }
        Ok(found.into_iter().collect())
    }
}

/// Reads a file's bytes and footer from its object store.
struct StoreReader {
    store: Arc<dyn ObjectStore>,
    path: ObjectPath,
    size: u64,
}

impl AsyncFileReader for StoreReader {
    fn get_bytes(
        &mut self,
        range: std::ops::Range<u64>,
    ) -> BoxFuture<'_, datafusion::parquet::errors::Result<Bytes>> {
        async move {
            self.store
                .get_range(&self.path, range)
                .await
                .map_err(|e| ParquetError::External(Box::new(e)))
        }
        .boxed()
    }

    fn get_metadata<'a>(
        &'a mut self,
        _options: Option<&'a ArrowReaderOptions>,
    ) -> BoxFuture<'a, datafusion::parquet::errors::Result<Arc<ParquetMetaData>>> {
        async move {
            let size = self.size;
            let meta = ParquetMetaDataReader::new()
                .load_and_finish(self, size)
                .await?;
            Ok(Arc::new(meta))
        }
        .boxed()
    }
}

/// About how many bytes column `c` takes decoded: a fixed width a row (16 for a string or
/// binary view), or its uncompressed pages where those are larger (long strings).
fn estimated_bytes(meta: &ParquetMetaData, c: usize, data_type: &DataType) -> usize {
    let width = match data_type {
        DataType::Utf8View | DataType::BinaryView => 16,
        t => t.primitive_width().unwrap_or(0),
    };
    meta.row_groups()
        .iter()
        .map(|rg| {
            let pages = rg.columns().get(c).map_or(0, |col| {
                usize::try_from(col.uncompressed_size()).unwrap_or(0)
            });
            let rows = usize::try_from(rg.num_rows()).unwrap_or(0);
            pages.max(rows * width)
        })
        .sum()
}

#[async_trait]
impl TableProvider for CachedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        // The file reader's answer (inexact for Parquet), so the filters stay in the plan
        // above the scan whichever way it reads.
        self.inner.supports_filters_pushdown(filters)
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let schema = self.inner.schema();
        let columns: Vec<usize> = match projection {
            Some(p) => p.clone(),
            None => (0..schema.fields().len()).collect(),
        };
        let preview = limit.is_some() && filters.is_empty();
        if preview || columns.is_empty() {
            return self.inner.scan(state, projection, filters, limit).await;
        }
        let pool = state.runtime_env().memory_pool.clone();
        let chunks = match self.columns(&columns, &pool).await {
            Ok(Some(chunks)) => chunks,
            Ok(None) => return self.inner.scan(state, projection, filters, limit).await,
            Err(e) => {
                tracing::debug!(error = %e, "column cache: reading the file directly");
                return self.inner.scan(state, projection, filters, limit).await;
            }
        };
        let count = chunks.first().map_or(0, Vec::len);
        let aligned = chunks
            .iter()
            .all(|c| c.len() == count && c.iter().zip(&chunks[0]).all(|(a, b)| a.len() == b.len()));
        if !aligned {
            return self.inner.scan(state, projection, filters, limit).await;
        }
        let projected = Arc::new(schema.project(&columns)?);
        let batches = (0..count)
            .map(|i| {
                RecordBatch::try_new(
                    projected.clone(),
                    chunks.iter().map(|c| c[i].clone()).collect(),
                )
            })
            .collect::<std::result::Result<Vec<_>, _>>()?;
        // Contiguous runs of chunks, one a partition, so that rows keep their file order
        // within a partition as with the file reader.
        let parts = state.config().target_partitions().max(1);
        let per = count.div_ceil(parts).max(1);
        let mut partitions: Vec<Vec<RecordBatch>> =
            batches.chunks(per).map(<[RecordBatch]>::to_vec).collect();
        if partitions.is_empty() {
            partitions.push(Vec::new());
        }
        let exec = MemorySourceConfig::try_new_exec(&partitions, projected, None)?;
        Ok(exec)
    }
}
