//! The catalog: datasets in, answers out. [`Workspace`] (the one koers the use cases act on)
//! imports files into the catalog and queries what an organisation may see; the catalog's use
//! cases at the end of this module list, show and edit datasets, start imports in the
//! background, and give the catalogs (DCAT-AP-NL) their entries.
//!
//! Who may do what: everyone who may read (`Read`) sees the organisation's datasets and the
//! public ones of others (of those only what the public catalog shows, see
//! [`outsider_view`]), their versions and the organisation's jobs; data stewards
//! (`ManageData`) import and edit the metadata of the organisation's own datasets. The public
//! catalog needs no sign-in.

use crate::admission::{Admission, AdmissionConfig};
use crate::fetch::{FetchPolicy, download};
use crate::storage::ObjectStorage;
use crate::{Error, Input, Principal, Result};
use koers_core::Permission;
use koers_core::catalog::labels::{ColumnLabels, Labels};
use koers_core::catalog::{AccessRights, DatasetMeta, parse_dataset_name, suggest_dataset_name};
use koers_engine::{
    CancelToken, ColumnInfo, Engine, EngineConfig, ImportOptions, ImportedVersion, Progress,
    QueryOutput, Sql, TableRef,
};
use koers_store::catalog::Labelled;
use koers_store::{Actor, NewVersion, Store};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use koers_store::dashboards::Basis;
pub use koers_store::{Dataset, DatasetVersion, Organisation};

/// Where the data lives and the limits of the engine.
#[derive(Debug, Clone)]
pub struct WorkspaceConfig {
    pub data_dir: PathBuf,
    pub engine: EngineConfig,
    pub fetch: FetchPolicy,
    /// SMTP for notifications and invitations; without it, koers sends no e-mail.
    pub mailer: Option<crate::mail::Mailer>,
    /// Where new dataset versions go: object storage, or the data folder when `None`.
    pub storage: Option<ObjectStorage>,
}

impl WorkspaceConfig {
    /// Data in `data_dir` and the defaults for the rest: the engine's and the fetch
    /// policy's own, no e-mail, no object storage.
    pub fn in_folder(data_dir: impl Into<PathBuf>) -> Self {
        WorkspaceConfig {
            data_dir: data_dir.into(),
            engine: EngineConfig::default(),
            fetch: FetchPolicy::default(),
            mailer: None,
            storage: None,
        }
    }
}

/// The store and the engine of one koers, with the jobs running on it.
#[derive(Clone)]
pub struct Workspace {
    pub store: Store,
    pub engine: Engine,
    pub jobs: crate::Jobs,
    cfg: Arc<WorkspaceConfig>,
    /// Queries run on their own threads, so that a heavy one never stalls the web server
    /// (see [`QueryThreads::start`]).
    queries: Arc<QueryThreads>,
    /// How many queries may run at once (see [`crate::admission`]).
    admission: Arc<Admission>,
    /// The point indexes vector tiles are cut from (see [`crate::tiles`]).
    pub(crate) tiles: Arc<crate::tiles::TileCache>,
}

/// The query runtime; shut down without waiting when the last workspace goes, which may be
/// inside async code where a blocking drop would panic.
struct QueryThreads(Option<tokio::runtime::Runtime>);

impl Drop for QueryThreads {
    fn drop(&mut self) {
        if let Some(rt) = self.0.take() {
            rt.shutdown_background();
        }
    }
}

impl QueryThreads {
    /// Threads for every partition of every query that may run at once, so that a running
    /// query never waits for a thread another one holds (a heavy operator can keep its
    /// thread for seconds between two yields); the operating system shares the cores.
    fn start(engine: &EngineConfig, admission: &AdmissionConfig) -> std::io::Result<Self> {
        let threads = engine
            .target_partitions
            .max(1)
            .saturating_mul(admission.max_running.max(1))
            .min(256);
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(threads)
            .thread_name("koers-query")
            .enable_all()
            .build()?;
        Ok(QueryThreads(Some(rt)))
    }

    fn spawn<F>(&self, f: F) -> Result<tokio::task::JoinHandle<F::Output>>
    where
        F: std::future::Future + Send + 'static,
        F::Output: Send + 'static,
    {
        match &self.0 {
            Some(rt) => Ok(rt.spawn(f)),
            None => Err(Error::Fetch("de query-threads zijn gestopt".into())),
        }
    }
}

/// Where an import reads from.
#[derive(Debug, Clone)]
pub enum ImportSource {
    /// A file on this machine (the command line).
    Path(PathBuf),
    /// A file uploaded through the web page, saved under a temporary name; `file_name` is
    /// what the user's file was called.
    Upload { path: PathBuf, file_name: String },
    /// An http(s) URL.
    Url(String),
    /// What was read from a remote service (see [`crate::sources`]), in a temporary file;
    /// `label` says which service, `titles` what its columns mean (column name → title).
    Service {
        path: PathBuf,
        label: String,
        titles: BTreeMap<String, String>,
    },
}

impl ImportSource {
    /// `columns` with the titles a service gave for them.
    fn titled(&self, mut columns: Vec<ColumnInfo>) -> Vec<ColumnInfo> {
        if let ImportSource::Service { titles, .. } = self {
            for c in &mut columns {
                c.title = titles.get(&c.name).cloned();
            }
        }
        columns
    }

    /// The name shown as the version's source.
    fn label(&self) -> String {
        match self {
            ImportSource::Path(p) => p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default(),
            ImportSource::Upload { file_name, .. } => file_name.clone(),
            ImportSource::Url(u) => u.clone(),
            ImportSource::Service { label, .. } => label.clone(),
        }
    }

    /// The file name the format is told from.
    fn file_name(&self) -> String {
        match self {
            ImportSource::Url(u) => u
                .split(['?', '#'])
                .next()
                .and_then(|p| p.rsplit('/').next())
                .unwrap_or_default()
                .to_string(),
            ImportSource::Service { path, .. } => ImportSource::Path(path.clone()).label(),
            other => other.label(),
        }
    }
}

/// What to import.
#[derive(Debug, Clone)]
pub struct ImportRequest {
    pub source: ImportSource,
    /// The SQL name; suggested from the file name when absent.
    pub name: Option<String>,
    /// `EPSG:4326` or `EPSG:28992`, when the file does not say.
    pub crs: Option<String>,
    /// `csv`, `geojson`, `parquet`, `xlsx`, `shp` or `gpkg`, when the file name does not say.
    pub format: Option<String>,
    /// The layer of a GeoPackage with several feature tables.
    pub layer: Option<String>,
    /// Metadata for a new dataset; defaults otherwise.
    pub meta: Option<DatasetMeta>,
    /// Marks generated (synthetic) data.
    pub generated: bool,
    /// Types a person chose for columns of a CSV file over the detected ones.
    pub column_types: BTreeMap<String, koers_engine::source::csv::ColumnType>,
    /// The file holds rows to append to the dataset's latest version (the new version is
    /// that version's rows, then these), not a whole new version.
    pub append: bool,
}

/// A table a query can read, as the schema browser shows it.
#[derive(Debug, Clone, Serialize)]
pub struct TableInfo {
    /// The name in SQL.
    pub name: String,
    pub dataset_id: String,
    pub title: String,
    /// Whether the dataset belongs to the asking organisation.
    pub own: bool,
    /// The organisation that publishes it, when it is another's.
    pub organisation: Option<String>,
    /// Another organisation's table that cannot be queried under `name`, because one of the
    /// asking organisation's own datasets has that name (own names win).
    pub shadowed: bool,
    pub version: i64,
    pub columns: serde_json::Value,
    /// The geometry column, if the dataset has one.
    pub geometry: Option<String>,
    pub generated: bool,
}

impl Workspace {
    pub fn new(store: Store, cfg: WorkspaceConfig) -> std::io::Result<Self> {
        let admission = AdmissionConfig::default();
        let queries = QueryThreads::start(&cfg.engine, &admission)?;
        let mut engine = Engine::new(cfg.engine.clone());
        if let Some(s) = &cfg.storage {
            engine = engine.with_object_store(s.bucket_url().clone(), s.store());
        }
        Ok(Workspace {
            jobs: crate::Jobs::shared(store.clone()),
            store,
            engine,
            cfg: Arc::new(cfg),
            queries: Arc::new(queries),
            admission: Arc::new(Admission::new(admission)),
            tiles: Arc::default(),
        })
    }

    /// This workspace (sharing its store and engine) under other admission limits, with its
    /// own query threads and slots.
    pub fn with_admission(mut self, cfg: AdmissionConfig) -> std::io::Result<Self> {
        self.queries = Arc::new(QueryThreads::start(self.engine.config(), &cfg)?);
        self.admission = Arc::new(Admission::new(cfg));
        Ok(self)
    }

    /// The admission limits in force.
    pub fn admission(&self) -> &AdmissionConfig {
        self.admission.config()
    }

    pub fn data_dir(&self) -> &Path {
        &self.cfg.data_dir
    }

    /// The object storage new versions go to, when not the data folder.
    pub fn storage(&self) -> Option<&ObjectStorage> {
        self.cfg.storage.as_ref()
    }

    /// What may be fetched from other servers.
    pub fn fetch_policy(&self) -> &FetchPolicy {
        &self.cfg.fetch
    }

    /// The mailer, when this deployment sends e-mail.
    pub fn mailer(&self) -> Option<&crate::mail::Mailer> {
        self.cfg.mailer.as_ref()
    }

    /// A temporary file name in the data folder (same file system as the datasets, so a
    /// finished file can be renamed into place).
    pub fn temp_path(&self, ext: &str) -> Result<PathBuf> {
        let dir = self.cfg.data_dir.join("tmp");
        std::fs::create_dir_all(&dir)?;
        Ok(dir.join(format!("{}.{ext}", uuid::Uuid::new_v4())))
    }

    /// Imports a file as a new version of a dataset of `org`. The version file is written
    /// under a temporary name and renamed when complete (with object storage: then uploaded,
    /// and the local file removed), then recorded in the store; if uploading or recording
    /// fails the file or object is removed, so nothing is ever half there.
    pub async fn import(
        &self,
        org: &Organisation,
        actor: &Actor,
        req: ImportRequest,
        progress: Arc<dyn Progress + Send + Sync>,
    ) -> Result<(Dataset, DatasetVersion)> {
        let file_name = req.source.file_name();
        let name = match &req.name {
            Some(n) if !n.trim().is_empty() => parse_dataset_name(n)?,
            _ => parse_dataset_name(&suggest_dataset_name(&file_name))?,
        };
        let ext = Path::new(&file_name)
            .extension()
            .map(|e| e.to_string_lossy().to_lowercase())
            .unwrap_or_else(|| "bin".into());
        let (src, downloaded) = match &req.source {
            ImportSource::Path(p) => (p.clone(), None),
            ImportSource::Upload { path, .. } | ImportSource::Service { path, .. } => {
                (path.clone(), None)
            }
            ImportSource::Url(u) => {
                let tmp = self.temp_path(&ext)?;
                let guard = RemoveOnDrop(tmp.clone());
                download(u, &tmp, &self.cfg.fetch, progress.as_ref()).await?;
                (tmp, Some(guard))
            }
        };
        let version_id = uuid::Uuid::now_v7().to_string();
        let rel_file = PathBuf::from("datasets")
            .join(&org.id)
            .join(&name)
            .join(format!("{version_id}.parquet"))
            .to_string_lossy()
            .into_owned();
        let output_dir = match &self.cfg.storage {
            // Written locally first, then uploaded.
            Some(_) => self.cfg.data_dir.join("tmp"),
            None => self
                .cfg
                .data_dir
                .join(Path::new(&rel_file).parent().unwrap_or(Path::new(""))),
        };
        let opts = ImportOptions {
            output_dir,
            file_name: format!("{version_id}.parquet"),
            format: req
                .format
                .as_deref()
                .map(koers_engine::source::Format::parse)
                .transpose()?,
            crs: req.crs.clone(),
            layer: req.layer.clone(),
            column_types: req.column_types.clone(),
        };
        let append = req.append;
        let latest = self.latest_version(org, &name, append).await?;
        let (p, o) = (progress.clone(), opts.clone());
        let imported =
            blocking(move || Ok(koers_engine::import_file(&src, &o, p.as_ref())?)).await?;
        drop(downloaded);
        let file_guard = RemoveOnDrop(imported.path.clone());
        let previous = match latest {
            Some(v) => {
                self.readable_copy(v, append, imported.row_count, progress.as_ref())
                    .await?
            }
            None => None,
        };
        let p = progress.clone();
        let (imported, added) = blocking(move || {
            let previous = previous.as_ref().map(|(path, v, _)| (path.as_path(), v));
            appended_rows(imported, previous, append, &opts, p.as_ref())
        })
        .await?;
        let added_guard = added.as_ref().map(|(a, _)| RemoveOnDrop(a.path.clone()));
        let rel_added = added_name(&rel_file);
        // The version's file, then its appended rows' beside it; with object storage, the
        // objects uploaded so far are removed again should anything after them fail.
        let mut uploaded = Uploaded::default();
        let recorded = async {
            let (file, added_file) = match &self.cfg.storage {
                Some(s) => {
                    let file = uploaded
                        .upload(s, &imported.path, &rel_file, progress.as_ref())
                        .await?;
                    let added_file = match &added {
                        Some((a, _)) => Some(
                            uploaded
                                .upload(s, &a.path, &rel_added, progress.as_ref())
                                .await?,
                        ),
                        None => None,
                    };
                    (file, added_file)
                }
                None => (rel_file, Some(rel_added)),
            };
            let appended = added.as_ref().zip(added_file).map(|((a, to), file)| {
                koers_store::catalog::Appended {
                    to: to.clone(),
                    file,
                    rows: a.row_count as i64,
                }
            });
            let meta = req
                .meta
                .clone()
                .unwrap_or_else(|| DatasetMeta::for_new(&name, &org.name));
            let v = NewVersion {
                id: version_id.clone(),
                file,
                // Shown to everyone who may read the dataset: no credentials (a dataset read
                // from a service keeps its full definition apart, for its refreshes).
                source: koers_core::catalog::redact_urls(&req.source.label()),
                format: imported.format.label().to_lowercase(),
                row_count: imported.row_count as i64,
                byte_size: imported.byte_size as i64,
                columns: serde_json::to_value(req.source.titled(imported.columns.clone()))
                    .unwrap_or_default(),
                geometry: imported
                    .geometry
                    .as_ref()
                    .and_then(|g| serde_json::to_value(g).ok()),
                quality: serde_json::to_value(&imported.quality).unwrap_or_default(),
                appended,
            };
            Ok::<_, Error>(
                self.store
                    .catalog()
                    .record_import(&org.id, &name, &meta, req.generated, &v, actor)
                    .await?,
            )
        }
        .await;
        let recorded = match recorded {
            Ok(r) => r,
            Err(e) => {
                // Nothing is half there: what was uploaded for it goes again.
                uploaded.remove().await;
                return Err(e);
            }
        };
        // A local version file stays; an uploaded one's local copy goes with the guard.
        if self.cfg.storage.is_none() {
            std::mem::forget(file_guard);
            std::mem::forget(added_guard);
        }
        Ok(recorded)
    }

    /// The latest version of `org`'s dataset `name`, `None` for a new dataset. With `append`,
    /// the rows must have a version to go to.
    async fn latest_version(
        &self,
        org: &Organisation,
        name: &str,
        append: bool,
    ) -> Result<Option<DatasetVersion>> {
        let existing = self.store.catalog().datasets(&org.id).await?;
        let latest = match existing.iter().find(|d| d.name == name) {
            Some(d) => self
                .store
                .catalog()
                .dataset_versions(&d.id)
                .await?
                .into_iter()
                .next(),
            None => None,
        };
        if latest.is_none() && append {
            return Err(refuse_append(&format!(
                "er is nog geen dataset {name} om rijen aan toe te voegen; importeer het bestand eerst als nieuwe dataset"
            )));
        }
        Ok(latest)
    }

    /// A local file of version `v` to append `rows` rows to, or to find them appended to:
    /// its file in the data folder, or a copy of its object (removed with the guard; its
    /// download told to `progress`). An
    /// object is copied only when it is needed: to append to it, or when the new file has
    /// more rows than it (its old rows may start the new file). `None` when there is nothing
    /// to compare with.
    async fn readable_copy(
        &self,
        v: DatasetVersion,
        append: bool,
        rows: u64,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<Option<(PathBuf, DatasetVersion, Option<RemoveOnDrop>)>> {
        if !v.on_object_storage() {
            return Ok(Some((self.cfg.data_dir.join(&v.file), v, None)));
        }
        if !append && rows <= v.row_count as u64 {
            return Ok(None);
        }
        let Some(s) = &self.cfg.storage else {
            return if append {
                Err(refuse_append(
                    "de laatste versie staat op objectopslag, maar er is geen objectopslag ingesteld",
                ))
            } else {
                Ok(None)
            };
        };
        let copy = self.temp_path("parquet")?;
        let guard = RemoveOnDrop(copy.clone());
        s.download(&s.key_of(&v.file)?, &copy, progress).await?;
        Ok(Some((copy, v, Some(guard))))
    }

    /// Every table `org_id` may query: its own datasets by name (and every version as
    /// `name@N`), and other organisations' public datasets as `<prefix>_<name>` (see
    /// [`qualified_name`]). Own names win: another organisation's table whose name is one of
    /// the own datasets' is not registered (it is listed, `shadowed`), so no one else's
    /// publication can hide or break an organisation's own table.
    pub async fn tables(&self, org_id: &str) -> Result<(Vec<TableRef>, Vec<TableInfo>)> {
        let (refs, infos, _) = self.tables_and_versions(org_id).await?;
        Ok((refs, infos))
    }

    /// [`tables`](Self::tables), with the version each table reads.
    async fn tables_and_versions(
        &self,
        org_id: &str,
    ) -> Result<(
        Vec<TableRef>,
        Vec<TableInfo>,
        BTreeMap<String, DatasetVersion>,
    )> {
        let mut read = BTreeMap::new();
        let mut refs = Vec::new();
        let mut infos = Vec::new();
        let own = self.store.catalog().datasets(org_id).await?;
        let others = self
            .store
            .catalog()
            .public_datasets_elsewhere(org_id)
            .await?;
        let own_names: std::collections::BTreeSet<&str> =
            own.iter().map(|d| d.name.as_str()).collect();
        let mut by_dataset: BTreeMap<String, Vec<DatasetVersion>> = BTreeMap::new();
        for v in self.store.catalog().versions_readable_by(org_id).await? {
            by_dataset.entry(v.dataset_id.clone()).or_default().push(v);
        }
        let mut organisations: BTreeMap<&str, Organisation> = BTreeMap::new();
        for (d, is_own) in own
            .iter()
            .map(|d| (d, true))
            .chain(others.iter().map(|d| (d, false)))
        {
            let Some(versions) = by_dataset.get(&d.id) else {
                continue;
            };
            let Some(latest) = versions.first() else {
                continue;
            };
            let (name, organisation) = if is_own {
                (d.name.clone(), None)
            } else {
                let org = match organisations.get(d.org_id.as_str()) {
                    Some(o) => o,
                    None => {
                        let o = self.store.organisations().organisation(&d.org_id).await?;
                        organisations.entry(&d.org_id).or_insert(o)
                    }
                };
                (qualified_name(org, &d.name), Some(org.name.clone()))
            };
            let shadowed = !is_own && own_names.contains(name.as_str());
            if !shadowed {
                refs.push(self.table_ref(name.clone(), latest)?);
                read.insert(name.clone(), latest.clone());
            }
            if is_own {
                for v in versions {
                    let pinned = format!("{}@{}", d.name, v.version);
                    refs.push(self.table_ref(pinned.clone(), v)?);
                    read.insert(pinned, v.clone());
                }
            }
            infos.push(TableInfo {
                name,
                dataset_id: d.id.clone(),
                title: d.meta.title.clone(),
                own: is_own,
                organisation,
                shadowed,
                version: latest.version,
                columns: latest.columns.clone(),
                geometry: latest
                    .geometry
                    .as_ref()
                    .and_then(|g| g.get("column"))
                    .and_then(|c| c.as_str())
                    .map(str::to_string),
                generated: d.generated,
            });
        }
        Ok((refs, infos, read))
    }

    /// The table `name` reading `version`'s file: in the data folder, or an object URL.
    pub(crate) fn table_ref(&self, name: String, version: &DatasetVersion) -> Result<TableRef> {
        self.file_ref(name, &version.file, &version.id)
    }

    /// The table `name` reading `file` (of version `id`): a path in the data folder, or an
    /// object URL.
    fn file_ref(&self, name: String, file: &str, id: &str) -> Result<TableRef> {
        if koers_store::catalog::on_object_storage(file) {
            let url = url::Url::parse(file).map_err(|e| {
                Error::ObjectStorage(format!(
                    "versie {id} heeft een ongeldige objectlocatie: {e}"
                ))
            })?;
            Ok(TableRef::object(name, url))
        } else {
            Ok(TableRef::new(name, self.cfg.data_dir.join(file)))
        }
    }

    /// What the engine's column cache holds now (for `/metrics`).
    pub fn column_cache(&self) -> koers_engine::cache::CacheUse {
        self.engine.cache_usage()
    }

    /// Whether the store's database answers.
    pub async fn check_store(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// Whether the object storage answers; `None` when versions are in the data folder.
    pub async fn check_storage(&self) -> Option<Result<()>> {
        match &self.cfg.storage {
            Some(s) => Some(s.check().await),
            None => None,
        }
    }

    /// Runs a user's SQL (with the values of its parameters, if any) over what `org_id` may
    /// see, within the engine's limits.
    pub async fn query(
        &self,
        org_id: &str,
        sql: impl Into<Sql>,
        row_limit: usize,
        cancel: Option<&CancelToken>,
    ) -> Result<QueryOutput> {
        let sql = sql.into();
        let (refs, _) = self.tables(org_id).await?;
        let (engine, cancel) = (self.engine.clone(), cancel.cloned());
        self.run_on(org_id, async move {
            engine
                .query_with(sql, &refs, row_limit, cancel.as_ref())
                .await
        })
        .await
    }

    /// Runs a query of `org_id` that keeps its aggregate's state (a saved analysis: for an
    /// indicator, a dashboard widget, a page): when the rows of one table it reads were only
    /// appended to since the state was kept, the answer is brought up to date from the appended
    /// rows alone (see [`koers_engine::incremental`]; the answer's `incremental` says so);
    /// otherwise it runs in full. With the answer comes what it was made of, when that alone
    /// decides it ([`Basis`]; see [`Readable::still_holds`]).
    pub async fn query_kept(
        &self,
        org_id: &str,
        sql: impl Into<Sql>,
        row_limit: usize,
    ) -> Result<(QueryOutput, Option<Basis>)> {
        let readable = self.readable(org_id).await?;
        self.query_kept_over(org_id, &readable, sql.into(), row_limit)
            .await
    }

    /// [`query_kept`](Self::query_kept) over the tables `org_id` may read as `readable` found
    /// them: several queries in a row (a dashboard's widgets) read them once.
    pub async fn query_kept_over(
        &self,
        org_id: &str,
        readable: &Readable,
        sql: Sql,
        row_limit: usize,
    ) -> Result<(QueryOutput, Option<Basis>)> {
        let Readable {
            refs,
            versions: read,
        } = readable;
        let key = query_key(&sql);
        let growth = match self.store.catalog().kept_state(org_id, &key).await? {
            Some(k) => self.growth(k, read).await?,
            None => None,
        };
        // Answered from a state nothing was added to: the kept one stays as it is.
        let unchanged = growth.as_ref().is_some_and(|g| g.deltas.is_empty());
        let (engine, refs) = (self.engine.clone(), refs.clone());
        let kept = self
            .run_on(org_id, async move {
                engine.query_kept(sql, &refs, growth, row_limit, None).await
            })
            .await?;
        let versions: Option<BTreeMap<String, String>> = kept
            .tables
            .iter()
            .map(|t| read.get(t).map(|v| (t.clone(), v.id.clone())))
            .collect();
        if let Some(versions) = &versions
            && let Some(state) = kept
                .state
                .filter(|_| !(unchanged && kept.output.incremental))
        {
            let k = koers_store::catalog::KeptState {
                versions: versions.clone(),
                state,
            };
            self.store.catalog().keep_state(org_id, &key, &k).await?;
        }
        let basis = versions.filter(|_| kept.timeless).map(|versions| Basis {
            query: key,
            versions,
        });
        Ok((kept.output, basis))
    }

    /// The tables `org_id` may query now, with the version each reads.
    pub async fn readable(&self, org_id: &str) -> Result<Readable> {
        let (refs, _, versions) = self.tables_and_versions(org_id).await?;
        Ok(Readable { refs, versions })
    }

    /// How the tables a state was kept over grew since: nothing changed, or one table had
    /// rows appended (each version since appends to the one before). `None` otherwise.
    async fn growth(
        &self,
        kept: koers_store::catalog::KeptState,
        read: &BTreeMap<String, DatasetVersion>,
    ) -> Result<Option<koers_engine::incremental::Growth>> {
        let mut changed = Vec::new();
        for (table, id) in &kept.versions {
            match read.get(table) {
                Some(v) if &v.id == id => {}
                Some(v) => changed.push((table, v.clone(), id)),
                None => return Ok(None),
            }
        }
        let (table, deltas) = match changed.as_slice() {
            [] => (String::new(), Vec::new()),
            [(table, now, since)] => {
                let mut deltas = Vec::new();
                let mut v = now.clone();
                loop {
                    let Some(a) = v.appended.clone() else {
                        return Ok(None);
                    };
                    deltas.push(self.file_ref(table.to_string(), &a.file, &v.id)?);
                    if &a.to == *since {
                        break;
                    }
                    if deltas.len() >= MAX_APPENDS {
                        return Ok(None);
                    }
                    v = match self.store.catalog().version_by_id(&a.to).await {
                        Ok(v) => v,
                        Err(koers_store::StoreError::NotFound) => return Ok(None),
                        Err(e) => return Err(e.into()),
                    };
                }
                deltas.reverse();
                (table.to_string(), deltas)
            }
            _ => return Ok(None),
        };
        Ok(Some(koers_engine::incremental::Growth {
            table,
            deltas,
            state: kept.state,
        }))
    }

    /// Runs a query on the query threads, once admitted in `lane`'s (an organisation's) and
    /// the process's slots. The engine stops it at its time limit; should it not yield in
    /// time, the caller is answered anyway and the task is aborted.
    async fn run_on<T: Send + 'static>(
        &self,
        lane: &str,
        query: impl Future<Output = koers_engine::error::Result<T>> + Send + 'static,
    ) -> Result<T> {
        // Every engine a query runs on here keeps this one's time limit.
        let limit = self.engine.config().time_limit;
        let _ticket = self.admission.admit(lane).await?;
        let task = self.queries.spawn(query)?;
        let abort = task.abort_handle();
        match tokio::time::timeout(limit + std::time::Duration::from_secs(1), task).await {
            Ok(Ok(r)) => Ok(r?),
            Ok(Err(e)) => Err(Error::Fetch(format!("query afgebroken: {e}"))),
            Err(_) => {
                abort.abort();
                Err(Error::Data(koers_engine::EngineError::Timeout(limit)))
            }
        }
    }

    /// A dataset's versions, newest first, as `org_id` sees them: all of its own; of another
    /// organisation's (public) dataset only what the public catalog shows ([`outsider_view`]).
    pub async fn versions_seen_by(
        &self,
        org_id: &str,
        dataset: &Dataset,
    ) -> Result<Vec<DatasetVersion>> {
        let versions = self.store.catalog().dataset_versions(&dataset.id).await?;
        Ok(if dataset.org_id == org_id {
            versions
        } else {
            versions.into_iter().map(outsider_view).collect()
        })
    }

    /// The first rows of a dataset version visible to `org_id`.
    pub async fn preview(
        &self,
        org_id: &str,
        dataset: &Dataset,
        version: i64,
        rows: usize,
    ) -> Result<QueryOutput> {
        let v = self
            .store
            .catalog()
            .dataset_version(&dataset.id, version)
            .await?;
        if dataset.org_id != org_id
            && dataset.meta.access_rights != koers_core::catalog::AccessRights::Public
        {
            return Err(Error::NotFound);
        }
        self.query_version(
            &v,
            "preview",
            format!("SELECT * FROM preview LIMIT {rows}"),
            rows,
        )
        .await
    }

    /// Runs `sql` over one dataset version, known in the query as `table`. The caller has
    /// checked that the version may be read. The file is scanned as one partition, in file
    /// order, so that `ROW_NUMBER() OVER ()` numbers rows the same way on every run (the OGC
    /// API's feature ids rely on it).
    pub async fn query_version(
        &self,
        version: &DatasetVersion,
        table: &str,
        sql: String,
        row_limit: usize,
    ) -> Result<QueryOutput> {
        let refs = vec![self.table_ref(table.to_string(), version)?];
        // In this process: the single file-order partition is what keeps row numbers stable.
        let engine = self.engine.with_config(EngineConfig {
            target_partitions: 1,
            mode: koers_engine::EngineMode::Embedded,
            ..self.engine.config().clone()
        });
        // Reads of one dataset (previews, the OGC API, open to anyone for a public dataset)
        // share a lane of their own.
        let lane = format!("dataset {}", version.dataset_id);
        self.run_on(&lane, async move {
            engine.query_with(sql, &refs, row_limit, None).await
        })
        .await
    }
}

/// The name by which other organisations (and the OGC API) know a dataset:
/// `<prefix>_<name>`, e.g. `pv26_gemeenten`, with the organisation's stored prefix (its CBS
/// code in lower case, else `o` and eight hex digits, unique; see
/// [`koers_core::table_prefix`]). A prefix holds no `_`, so no two datasets share the name.
pub fn qualified_name(org: &Organisation, name: &str) -> String {
    format!("{}_{name}", org.table_prefix)
}

/// What another organisation (or anyone outside) sees of a version of a public dataset: what
/// the public catalog shows — its number, format, size, rows, columns, geometry, quality
/// figures and when it was made — and not where it came from, who imported it or where its
/// file is (those are left empty).
pub fn outsider_view(v: DatasetVersion) -> DatasetVersion {
    DatasetVersion {
        source: String::new(),
        created_by: String::new(),
        file: String::new(),
        appended: v.appended.map(|a| koers_store::catalog::Appended {
            file: String::new(),
            ..a
        }),
        ..v
    }
}

/// Removes a file when dropped (unless forgotten, or moved away first).
pub struct RemoveOnDrop(pub PathBuf);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

// ---------------------------------------------------------------------------------------
// The catalog's use cases.
// ---------------------------------------------------------------------------------------

/// How a failed background job's error reads for the person who started it (the web
/// application's problem detail); the job keeps that text.
pub type Describe = fn(Error) -> String;

/// Runs `work` in the background as a job of `org_id` labelled `label`; when done, the job's
/// result is the dataset id `work` gives.
pub(crate) fn background(
    ws: &Workspace,
    org_id: &str,
    label: &str,
    describe: Describe,
    work: impl FnOnce(Arc<crate::Job>) -> futures::future::BoxFuture<'static, Result<String>>,
) -> Arc<crate::Job> {
    let job = ws.jobs.start(org_id, label);
    let run = work(job.clone());
    let j = job.clone();
    tokio::spawn(async move {
        j.finish(match run.await {
            Ok(result) => crate::JobStatus::Done { result },
            Err(e) => {
                tracing::info!(error = %e, "background job failed");
                crate::JobStatus::Failed { error: describe(e) }
            }
        });
    });
    job
}

/// The organisation's datasets and the public ones of other organisations.
pub struct Datasets {
    pub own: Vec<Dataset>,
    pub public: Vec<Dataset>,
}

/// The datasets the organisation sees (everyone who may read).
pub async fn datasets(ws: &Workspace, who: &Principal) -> Result<Datasets> {
    who.require(Permission::Read)?;
    Ok(Datasets {
        own: ws.store.catalog().datasets(&who.org.id).await?,
        public: ws
            .store
            .catalog()
            .public_datasets_elsewhere(&who.org.id)
            .await?,
    })
}

/// One dataset the organisation sees: its own, or another organisation's public one.
pub async fn dataset(ws: &Workspace, who: &Principal, id: &str) -> Result<Dataset> {
    who.require(Permission::Read)?;
    Ok(ws.store.catalog().dataset(&who.org.id, id).await?)
}

/// A dataset's versions, newest first, as the organisation sees them (see
/// [`Workspace::versions_seen_by`]).
pub async fn versions(ws: &Workspace, who: &Principal, id: &str) -> Result<Vec<DatasetVersion>> {
    let ds = dataset(ws, who, id).await?;
    ws.versions_seen_by(&who.org.id, &ds).await
}

/// What a dataset's page shows: the dataset, its versions as the organisation sees them and
/// the first rows of the newest one.
pub struct DatasetPage {
    pub dataset: Dataset,
    pub versions: Vec<DatasetVersion>,
    /// At most `preview_rows` rows of the newest version, when there is one.
    pub preview: Option<QueryOutput>,
}

/// A dataset with its versions and a preview of `preview_rows` rows (everyone who may read).
pub async fn dataset_page(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    preview_rows: usize,
) -> Result<DatasetPage> {
    let dataset = dataset(ws, who, id).await?;
    let versions = ws.versions_seen_by(&who.org.id, &dataset).await?;
    let preview = match versions.first() {
        Some(v) => Some(
            ws.preview(&who.org.id, &dataset, v.version, preview_rows)
                .await?,
        ),
        None => None,
    };
    Ok(DatasetPage {
        dataset,
        versions,
        preview,
    })
}

/// Sets what a column of an own dataset means (data stewards): `title`, `unit` and `codes`
/// (one `code = label` a line); all empty forgets them. The column must be one of the
/// newest version's.
pub async fn label_column(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    column: &str,
    input: Input,
) -> Result<Dataset> {
    let ds = ws.store.catalog().dataset(&who.org.id, id).await?;
    who.require(Permission::ManageData)?;
    if ds.org_id != who.org.id {
        return Err(Error::Forbidden);
    }
    let versions = ws.store.catalog().dataset_versions(&ds.id).await?;
    let known = versions
        .first()
        .map(|v| v.column_names())
        .unwrap_or_default();
    label(ws, who, (Labelled::Dataset, id), (column, &known), input).await?;
    Ok(ws.store.catalog().dataset(&who.org.id, id).await?)
}

/// Sets what a column of the organisation's dataset or analysis means, from `input`: `title`,
/// `unit` and `codes` (one `code = label` a line, or an object code → label). A column not
/// among `known` (its columns) is not found.
pub(crate) async fn label(
    ws: &Workspace,
    who: &Principal,
    (what, id): (Labelled, &str),
    (column, known): (&str, &[String]),
    input: Input,
) -> Result<()> {
    if !known.iter().any(|c| c == column) {
        return Err(Error::NotFound);
    }
    let labels = column_labels(input)?;
    let whose = (what, who.org.id.as_str(), id);
    Ok(ws
        .store
        .catalog()
        .set_column_labels(whose, (column, &labels), &who.actor())
        .await?)
}

/// A column's labels as a form or the API sends them.
fn column_labels(mut input: Input) -> Result<ColumnLabels> {
    let codes = if input.fields().get("codes").is_some_and(|c| c.is_object()) {
        input
            .structured::<BTreeMap<String, String>>("codes")
            .unwrap_or_default()
            .iter()
            .map(|(k, v)| format!("{k} = {v}"))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        input.text("codes")
    };
    let (title, unit) = (input.text("title"), input.text("unit"));
    input.finish(koers_core::catalog::labels::parse_column_labels(
        &title, &unit, &codes,
    ))
}

/// The labels of the organisation's own datasets' columns (and the regions' names), to show
/// values and headings as a reader reads them.
pub async fn labels(ws: &Workspace, org_id: &str) -> Result<Labels> {
    let datasets = ws.store.catalog().datasets(org_id).await?;
    Ok(Labels::new(datasets.iter().map(|d| &d.column_labels)))
}

/// What the organisation's columns mean: its datasets' labels, and each saved analysis' own
/// labels of its result columns.
#[derive(Debug, Clone, Default)]
pub struct OrgLabels {
    datasets: Vec<BTreeMap<String, ColumnLabels>>,
    analyses: BTreeMap<String, BTreeMap<String, ColumnLabels>>,
}

impl OrgLabels {
    /// The labels to read the results of these analyses by: their own first (an analysis
    /// names its columns for itself, not for the others), then the datasets'.
    pub fn of<'a>(&self, analysis_ids: impl IntoIterator<Item = &'a str>) -> Labels {
        let own: Vec<&BTreeMap<String, ColumnLabels>> = analysis_ids
            .into_iter()
            .filter_map(|id| self.analyses.get(id))
            .collect();
        Labels::new(own.into_iter().chain(self.datasets.iter()))
    }
}

/// The organisation's labels, datasets' and analyses' ([`OrgLabels`]).
pub async fn org_labels(ws: &Workspace, org_id: &str) -> Result<OrgLabels> {
    let analyses = ws.store.catalog().analyses(org_id).await?;
    Ok(OrgLabels {
        datasets: dataset_labels(ws, org_id).await?,
        analyses: analyses
            .into_iter()
            .map(|a| (a.id, a.column_labels))
            .collect(),
    })
}

/// The labels to read the results of the analysis `a` by ([`OrgLabels::of`]), without
/// reading the organisation's other analyses.
pub async fn labels_of(
    ws: &Workspace,
    org_id: &str,
    a: &koers_store::catalog::Analysis,
) -> Result<Labels> {
    let labels = OrgLabels {
        datasets: dataset_labels(ws, org_id).await?,
        analyses: BTreeMap::from([(a.id.clone(), a.column_labels.clone())]),
    };
    Ok(labels.of([a.id.as_str()]))
}

/// The labels of the organisation's datasets' columns.
async fn dataset_labels(
    ws: &Workspace,
    org_id: &str,
) -> Result<Vec<BTreeMap<String, ColumnLabels>>> {
    let datasets = ws.store.catalog().datasets(org_id).await?;
    Ok(datasets.into_iter().map(|d| d.column_labels).collect())
}

/// Replaces the DCAT-AP-NL metadata of one of the organisation's own datasets (data
/// stewards): `title`, `description`, `publisher`, `contactName`, `contactEmail`, `theme`,
/// `licence`, `accessRights`, `cadence` and the list `tags`.
pub async fn update_meta(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Dataset> {
    who.require(Permission::ManageData)?;
    let ds = ws.store.catalog().dataset(&who.org.id, id).await?;
    if ds.org_id != who.org.id {
        return Err(Error::Forbidden);
    }
    let f: Vec<String> = [
        "title",
        "description",
        "publisher",
        "contactName",
        "contactEmail",
        "theme",
        "licence",
        "accessRights",
        "cadence",
    ]
    .iter()
    .map(|k| input.text(k))
    .collect();
    let tags = input.texts("tags");
    let meta = input.finish(DatasetMeta::parse(
        &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &tags,
    ))?;
    Ok(ws
        .store
        .catalog()
        .update_dataset_meta(&who.org.id, id, &meta, &who.actor())
        .await?)
}

/// A file received for an import, in a temporary file that the import removes when done.
pub struct Upload {
    pub path: PathBuf,
    /// What the user's file was called.
    pub file_name: String,
}

/// What to import, as a form or a JSON body gives it: a file or a URL, and how to read it
/// (empty fields are not given).
#[derive(Default)]
pub struct ImportFields {
    pub upload: Option<Upload>,
    /// Check the columns' types before importing (a CSV file).
    pub check: bool,
    pub url: String,
    pub name: String,
    pub crs: String,
    pub format: String,
    pub layer: String,
    /// `replace` (or empty) or `append` (see [`ImportRequest::append`]).
    pub mode: String,
}

impl ImportFields {
    /// Whether the rows are to be appended to the latest version.
    fn append(mode: &str) -> Result<bool> {
        match mode.trim() {
            "" | "replace" => Ok(false),
            "append" => Ok(true),
            _ => Err(Error::Invalid(koers_core::Invalid::one(
                "mode",
                "enum",
                "kies replace (een hele nieuwe versie) of append (rijen toevoegen)",
            ))),
        }
    }

    /// The fields `url`, `name`, `crs`, `format`, `layer` and `mode` of a JSON body (no file).
    pub fn read(mut input: Input) -> Result<ImportFields> {
        let fields = ImportFields {
            upload: None,
            check: false,
            url: input.text("url"),
            name: input.text("name"),
            crs: input.text("crs"),
            format: input.text("format"),
            layer: input.text("layer"),
            mode: input.text("mode"),
        };
        input.finish(Ok(fields))
    }
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Starts an import in the background (data stewards); the job reports progress and, when
/// done, the dataset id. An uploaded file is removed when the import ends.
pub fn start_import(
    ws: &Workspace,
    who: &Principal,
    fields: ImportFields,
    describe: Describe,
) -> Result<Arc<crate::Job>> {
    // Removes the upload also when the import is refused or never starts.
    let upload = fields.upload.map(|u| (RemoveOnDrop(u.path.clone()), u));
    who.require(Permission::ManageData)?;
    let source = match (&upload, non_empty(&fields.url)) {
        (Some((_, u)), _) => ImportSource::Upload {
            path: u.path.clone(),
            file_name: u.file_name.clone(),
        },
        (None, Some(url)) => ImportSource::Url(url),
        (None, None) => {
            return Err(Error::Invalid(koers_core::Invalid::one(
                "file",
                "required",
                "kies een bestand of geef een URL",
            )));
        }
    };
    let format = non_empty(&fields.format);
    if let (Some((_, u)), None) = (&upload, &format) {
        // A file koers cannot read by its name is refused now, beside its field, not after a
        // job has started.
        if let Err(koers_engine::EngineError::UnknownFormat(why)) =
            koers_engine::source::Format::from_path(Path::new(&u.file_name))
        {
            return Err(Error::Invalid(koers_core::Invalid::one(
                "file", "format", &why,
            )));
        }
    }
    let label = source.label();
    let req = ImportRequest {
        source,
        name: non_empty(&fields.name),
        crs: non_empty(&fields.crs),
        format,
        layer: non_empty(&fields.layer),
        meta: None,
        generated: false,
        column_types: Default::default(),
        append: ImportFields::append(&fields.mode)?,
    };
    Ok(import_job(ws, who, req, &label, upload, describe))
}

/// Runs `req` as a background import of `who`'s organisation; `keep` (the uploaded file)
/// lives until the import ends. The job's result is the dataset's id.
fn import_job<K: Send + 'static>(
    ws: &Workspace,
    who: &Principal,
    req: ImportRequest,
    label: &str,
    keep: K,
    describe: Describe,
) -> Arc<crate::Job> {
    let (w, org, actor) = (ws.clone(), who.org.clone(), who.actor());
    background(ws, &who.org.id, label, describe, move |job| {
        Box::pin(async move {
            let _keep = keep;
            let (ds, _) = w.import(&org, &actor, req, job).await?;
            Ok(ds.id)
        })
    })
}

pub use koers_engine::source::csv::{ColumnType, DetectedColumn};

/// An uploaded CSV file kept until its column types are checked and it is imported.
pub struct Staged {
    /// What the import form sends back to import it.
    pub token: String,
    /// The dataset name suggested from the file's name (or the one given).
    pub name: String,
    pub columns: Vec<DetectedColumn>,
    /// `replace` or `append`, as the import form said (see [`ImportFields::mode`]).
    pub mode: String,
}

/// Where a staged upload of organisation `org_id` is kept.
fn staged_path(ws: &Workspace, org_id: &str, token: &str) -> Result<PathBuf> {
    if token.len() != 32 || !token.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(Error::NotFound);
    }
    let dir = ws.cfg.data_dir.join("staged");
    std::fs::create_dir_all(&dir)?;
    Ok(dir.join(format!("{org_id}-{token}.csv")))
}

/// The version `imported` makes and the rows it appends to `previous` (and that version's
/// id), if any. With `append`, `imported` holds only the rows to append: the version is
/// `previous`'s rows, then those. Otherwise, when `imported` starts with every row of
/// `previous` and has more, those further rows are what it appends. Blocking.
fn appended_rows(
    imported: ImportedVersion,
    previous: Option<(&Path, &DatasetVersion)>,
    append: bool,
    opts: &ImportOptions,
    progress: &dyn Progress,
) -> Result<(ImportedVersion, Option<(ImportedVersion, String)>)> {
    let Some((path, previous)) = previous else {
        return Ok((imported, None));
    };
    let added_opts = ImportOptions {
        file_name: added_name(&opts.file_name),
        ..opts.clone()
    };
    if append {
        let added_path = opts.output_dir.join(&added_opts.file_name);
        std::fs::rename(&imported.path, &added_path)?;
        let added_guard = RemoveOnDrop(added_path.clone());
        let whole = koers_engine::import::append_version(path, &added_path, opts, progress)?;
        std::mem::forget(added_guard);
        let added = ImportedVersion {
            path: added_path,
            ..imported
        };
        return Ok((whole, Some((added, previous.id.clone()))));
    }
    if imported.row_count <= previous.row_count as u64 {
        return Ok((imported, None));
    }
    let added = koers_engine::import::split_appended(path, &imported.path, &added_opts)?;
    Ok((imported, added.map(|a| (a, previous.id.clone()))))
}

/// Runs blocking work (reading and writing files) on a blocking thread.
async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Fetch(format!("import afgebroken: {e}")))?
}

/// Why rows cannot be appended, as a problem of the import's mode.
fn refuse_append(why: &str) -> Error {
    Error::Invalid(koers_core::Invalid::one("mode", "append", why))
}

/// The objects an import uploaded, to remove them again when it fails after them.
#[derive(Default)]
struct Uploaded(Vec<(crate::storage::ObjectStorage, object_store::path::Path)>);

impl Uploaded {
    /// Uploads the local file `local` as `relative` (its path below the data folder); the
    /// object's URL.
    async fn upload(
        &mut self,
        s: &crate::storage::ObjectStorage,
        local: &Path,
        relative: &str,
        progress: &(dyn Progress + Send + Sync),
    ) -> Result<String> {
        let key = s.key(relative)?;
        s.upload(local, &key, progress).await?;
        let url = s.object_url(&key);
        self.0.push((s.clone(), key));
        Ok(url)
    }

    /// Removes every object uploaded (what failed is already said; a failed removal is
    /// logged).
    async fn remove(self) {
        for (s, key) in self.0 {
            if let Err(e) = s.delete(&key).await {
                tracing::warn!(error = %e, "could not remove the object of an unrecorded version");
            }
        }
    }
}

/// The file of the rows a version appends, beside the version's own `file`.
fn added_name(file: &str) -> String {
    file.replace(".parquet", ".added.parquet")
}

/// How many appended versions in a row a kept state is brought up to date over; past that,
/// a query runs in full.
const MAX_APPENDS: usize = 50;

/// The key of a query's kept state: its SQL and parameter values, hashed.
pub(crate) fn query_key(sql: &Sql) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(format!("{sql:?}").as_bytes()))
}

/// The tables an organisation may query, as they are at one moment: each one's location and
/// the dataset version it reads ([`Workspace::readable`]).
#[derive(Debug, Clone)]
pub struct Readable {
    refs: Vec<TableRef>,
    versions: BTreeMap<String, DatasetVersion>,
}

impl Readable {
    /// Whether an answer made of `basis` is what `sql` answers over these tables: the same
    /// query over the same versions.
    pub fn still_holds(&self, basis: &Basis, sql: &Sql) -> bool {
        basis.query == query_key(sql)
            && basis
                .versions
                .iter()
                .all(|(t, v)| self.versions.get(t).is_some_and(|now| &now.id == v))
    }
}

/// Keeps an uploaded CSV file and reads its columns with the types koers detects, so a
/// data steward can check and correct them before importing ([`import_staged`]).
pub async fn stage_import(ws: &Workspace, who: &Principal, fields: ImportFields) -> Result<Staged> {
    // Removes the upload also when it is refused.
    let upload = fields.upload.map(|u| (RemoveOnDrop(u.path.clone()), u));
    who.require(Permission::ManageData)?;
    let Some((_, u)) = &upload else {
        return Err(Error::Invalid(koers_core::Invalid::one(
            "file",
            "required",
            "kies een CSV-bestand om de kolommen van te controleren",
        )));
    };
    ImportFields::append(&fields.mode)?;
    let csv = matches!(
        koers_engine::source::Format::from_path(Path::new(&u.file_name)),
        Ok(koers_engine::source::Format::Csv)
    );
    if !csv {
        return Err(Error::Invalid(koers_core::Invalid::one(
            "file",
            "format",
            "kolomtypen controleren kan bij een CSV-bestand",
        )));
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    let path = staged_path(ws, &who.org.id, &token)?;
    std::fs::rename(&u.path, &path)?;
    let kept = RemoveOnDrop(path.clone());
    let columns = detect_columns(path).await?;
    std::mem::forget(kept);
    let name = non_empty(&fields.name)
        .unwrap_or_else(|| koers_core::catalog::suggest_dataset_name(&u.file_name));
    Ok(Staged {
        token,
        name,
        columns,
        mode: fields.mode,
    })
}

/// The columns of the CSV file at `path` with the types koers detects. Blocking work, on a
/// blocking thread.
async fn detect_columns(path: PathBuf) -> Result<Vec<DetectedColumn>> {
    tokio::task::spawn_blocking(move || koers_engine::source::csv::detect(&path))
        .await
        .map_err(|e| Error::Internal(e.to_string()))?
        .map_err(Into::into)
}

/// A staged upload as [`stage_import`] read it, under the `name` and `mode` the check form
/// was sent with: to show that form again when what it sent is refused (data stewards).
pub async fn staged(
    ws: &Workspace,
    who: &Principal,
    token: &str,
    name: &str,
    mode: &str,
) -> Result<Staged> {
    who.require(Permission::ManageData)?;
    let path = staged_path(ws, &who.org.id, token)?;
    if !path.exists() {
        return Err(Error::NotFound);
    }
    Ok(Staged {
        token: token.into(),
        name: name.into(),
        columns: detect_columns(path).await?,
        mode: mode.into(),
    })
}

/// Imports a staged CSV file as dataset `name` with the column types chosen in `types`
/// (column name → `text`, `integer`, `number` or `date`), as a whole new version or rows to
/// append (`mode`, see [`ImportFields::mode`]), as a background job; the staged
/// file goes once the import ends (data stewards).
pub fn import_staged(
    ws: &Workspace,
    who: &Principal,
    token: &str,
    name: &str,
    types: &BTreeMap<String, String>,
    mode: &str,
    describe: Describe,
) -> Result<Arc<crate::Job>> {
    who.require(Permission::ManageData)?;
    let append = ImportFields::append(mode)?;
    let path = staged_path(ws, &who.org.id, token)?;
    if !path.exists() {
        return Err(Error::NotFound);
    }
    let mut column_types = BTreeMap::new();
    let mut errors = Vec::new();
    if let Err(koers_core::Invalid(mut e)) = koers_core::catalog::parse_dataset_name(name) {
        errors.append(&mut e);
    }
    for (column, t) in types {
        match koers_engine::source::csv::ColumnType::parse(t) {
            Some(t) => {
                column_types.insert(column.clone(), t);
            }
            None => errors.push(koers_core::FieldError::new(
                format!("type.{column}"),
                "enum",
                "kies tekst, geheel getal, getal of datum",
            )),
        }
    }
    koers_core::Invalid::unless_empty(errors)?;
    let req = ImportRequest {
        source: ImportSource::Upload {
            path: path.clone(),
            file_name: format!("{}.csv", name.trim()),
        },
        name: non_empty(name),
        crs: None,
        format: Some("csv".into()),
        layer: None,
        meta: None,
        generated: false,
        column_types,
        append,
    };
    let label = req.source.label();
    Ok(import_job(
        ws,
        who,
        req,
        &label,
        RemoveOnDrop(path),
        describe,
    ))
}

/// Removes staged uploads older than a day that were never imported (the scheduler).
pub fn purge_staged(ws: &Workspace) {
    let Ok(entries) = std::fs::read_dir(ws.cfg.data_dir.join("staged")) else {
        return;
    };
    let day = std::time::Duration::from_secs(24 * 3600);
    for e in entries.flatten() {
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > day);
        if old {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// Where one of the organisation's background jobs stands, whichever koers process runs it
/// (everyone who may read).
pub async fn job(ws: &Workspace, who: &Principal, id: &str) -> Result<crate::JobView> {
    who.require(Permission::Read)?;
    ws.jobs.view(&who.org.id, id).await?.ok_or(Error::NotFound)
}

/// One dataset in a catalog, with what the catalog says about it.
pub struct Entry {
    pub dataset: Dataset,
    pub org: Organisation,
    pub version: Option<DatasetVersion>,
    /// The OGC API – Features collection serving it, when it is published and spatial.
    pub ogc_collection: Option<String>,
}

/// The entries of `datasets`: each with its organisation, newest version and, when public
/// and spatial, its OGC API collection ([`qualified_name`]).
async fn entries(ws: &Workspace, datasets: Vec<Dataset>) -> Result<Vec<Entry>> {
    let mut out = Vec::with_capacity(datasets.len());
    for d in datasets {
        let org = ws.store.organisations().organisation(&d.org_id).await?;
        let version = match d.latest_version {
            Some(v) => Some(ws.store.catalog().dataset_version(&d.id, v).await?),
            None => None,
        };
        let ogc_collection = (d.meta.access_rights == AccessRights::Public
            && version.as_ref().is_some_and(|v| v.geometry.is_some()))
        .then(|| qualified_name(&org, &d.name));
        out.push(Entry {
            dataset: d,
            org,
            version,
            ogc_collection,
        });
    }
    Ok(out)
}

/// The organisation's catalog: every dataset of its own with its metadata, whatever its
/// access rights (which the catalog states); everyone who may read.
pub async fn organisation_catalog(ws: &Workspace, who: &Principal) -> Result<Vec<Entry>> {
    who.require(Permission::Read)?;
    let own = ws.store.catalog().datasets(&who.org.id).await?;
    entries(ws, own).await
}

/// The published datasets (access rights public) of every organisation on this koers; open
/// to anyone, also without an account (the public catalog and the OGC API).
pub async fn public_catalog(ws: &Workspace) -> Result<Vec<Entry>> {
    let public = ws.store.catalog().public_datasets().await?;
    entries(ws, public).await
}
