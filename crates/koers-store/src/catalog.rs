//! The catalog: datasets with their DCAT-AP-NL metadata, their immutable versions (each a
//! Parquet file in the data folder, with schema and quality figures), and saved analyses.

use crate::audit::Actor;
use crate::sql::{FromRow, columns, corrupt, from_row, json};
use crate::{Result, conflict_on_unique, new_id, now};
use koers_core::analysis::Param;
use koers_core::analysis::builder::Definition;
use koers_core::catalog::labels::ColumnLabels;
use koers_core::catalog::{AccessRights, DatasetMeta};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::BTreeMap;

/// A dataset in the catalog.
#[derive(Debug, Clone, Serialize)]
pub struct Dataset {
    pub id: String,
    pub org_id: String,
    /// The SQL name.
    pub name: String,
    pub meta: DatasetMeta,
    pub owner_id: Option<String>,
    /// Generated (synthetic) data, such as the demo's; shown as such.
    pub generated: bool,
    pub created_at: String,
    pub updated_at: String,
    /// The newest version number, if any.
    pub latest_version: Option<i64>,
    /// What its columns mean to a reader, by column name.
    pub column_labels: BTreeMap<String, ColumnLabels>,
}

/// One immutable version of a dataset.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetVersion {
    pub id: String,
    pub dataset_id: String,
    pub version: i64,
    /// The Parquet file: a path relative to the data folder, or an object URL
    /// (`s3://bucket/…`) when the version is on object storage.
    pub file: String,
    /// Where it came from: a file name or URL.
    pub source: String,
    pub format: String,
    pub row_count: i64,
    pub byte_size: i64,
    pub columns: Value,
    pub geometry: Option<Value>,
    pub quality: Value,
    pub created_at: String,
    pub created_by: String,
    /// When this version only appends rows to the version before it: which, and those rows.
    pub appended: Option<Appended>,
}

/// Rows a version appends to the version before it (which is, row for row, its start).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Appended {
    /// The version it appends to.
    pub to: String,
    /// The appended rows alone, as a Parquet file beside the version's (same kind of
    /// location as [`DatasetVersion::file`]).
    pub file: String,
    pub rows: i64,
}

/// How long a query's kept state stays without the query running again.
pub const STATES_KEPT_DAYS: i64 = 90;

/// The aggregate state of a query kept for incremental refresh, with the dataset version
/// each table it read was at (table name → version id).
#[derive(Debug, Clone)]
pub struct KeptState {
    pub versions: BTreeMap<String, String>,
    pub state: Vec<u8>,
}

/// Whether a version's `file` (or its appended rows' file) is an object on object storage
/// (`s3://…`), not a path in the data folder.
pub fn on_object_storage(file: &str) -> bool {
    file.contains("://")
}

impl DatasetVersion {
    /// Whether the file is an object on object storage (`s3://…`), not in the data folder.
    pub fn on_object_storage(&self) -> bool {
        on_object_storage(&self.file)
    }

    /// The names of its columns, in order.
    pub fn column_names(&self) -> Vec<String> {
        self.columns
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|c| c.get("name").and_then(|n| n.as_str()).map(str::to_string))
            .collect()
    }
}

/// What an import produced, to be recorded as a version.
#[derive(Debug, Clone)]
pub struct NewVersion {
    pub id: String,
    pub file: String,
    pub source: String,
    pub format: String,
    pub row_count: i64,
    pub byte_size: i64,
    pub columns: Value,
    pub geometry: Option<Value>,
    pub quality: Value,
    /// When it only appends rows to the latest version; recorded so only while that version is
    /// still the latest.
    pub appended: Option<Appended>,
}

/// What a user writes of an analysis.
#[derive(Debug, Clone, Default)]
pub struct AnalysisFields {
    pub title: String,
    pub description: String,
    pub sql: String,
    pub parameters: Vec<Param>,
    /// The query builder's choices the SQL was made from, if it was.
    pub builder: Option<Definition>,
    /// The names of the result's columns.
    pub columns: Vec<String>,
}

/// A saved analysis.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub id: String,
    pub org_id: String,
    pub title: String,
    pub description: String,
    pub sql: String,
    pub parameters: Vec<Param>,
    pub builder: Option<Definition>,
    /// The names of the result's columns, as last saved (empty for analyses saved before
    /// koers kept them).
    pub columns: Vec<String>,
    /// What its result's columns mean to a reader, by column name.
    pub column_labels: BTreeMap<String, ColumnLabels>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

const DS_COLUMNS: &str = "d.id, d.org_id, d.name, d.title, d.description, d.publisher, d.contact_name, d.contact_email, d.theme, d.licence, d.access_rights, d.cadence, d.tags, d.owner_id, d.generated, d.column_labels, d.created_at, d.updated_at, (SELECT MAX(v.version) FROM dataset_versions v WHERE v.dataset_id = d.id) AS latest_version";

impl FromRow for Dataset {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let tags: String = r.try_get("tags")?;
        let access: String = r.try_get("access_rights")?;
        let generated: i64 = r.try_get("generated")?;
        Ok(Dataset {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            name: r.try_get("name")?,
            meta: DatasetMeta {
                title: r.try_get("title")?,
                description: r.try_get("description")?,
                publisher: r.try_get("publisher")?,
                contact_name: r.try_get("contact_name")?,
                contact_email: r.try_get("contact_email")?,
                theme: r.try_get("theme")?,
                licence: r.try_get("licence")?,
                access_rights: AccessRights::parse(&access).map_err(corrupt)?,
                cadence: r.try_get("cadence")?,
                tags: serde_json::from_str(&tags).map_err(corrupt)?,
            },
            owner_id: r.try_get("owner_id")?,
            generated: generated != 0,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
            latest_version: r.try_get("latest_version")?,
            column_labels: {
                let l: String = r.try_get("column_labels")?;
                serde_json::from_str(&l).map_err(corrupt)?
            },
        })
    }
}

const V_COLUMNS: &str = "id, dataset_id, version, file, source, format, row_count, byte_size, columns, geometry, quality, created_at, created_by";
const V_SELECT: &str = "id, dataset_id, version, file, source, format, row_count, byte_size, columns, geometry, quality, created_at, created_by, appended_to, added_file, added_rows";

impl FromRow for DatasetVersion {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let json = |col: &str| -> Result<Value> {
            let s: String = r.try_get(col)?;
            serde_json::from_str(&s).map_err(corrupt)
        };
        let geometry: Option<String> = r.try_get("geometry")?;
        let appended_to: Option<String> = r.try_get("appended_to")?;
        let added_file: Option<String> = r.try_get("added_file")?;
        let added_rows: Option<i64> = r.try_get("added_rows")?;
        Ok(
            columns!(r => DatasetVersion { id, dataset_id, version, file, source, format, row_count, byte_size, created_at, created_by;
                columns: json("columns")?,
                geometry: geometry
                .map(|g| serde_json::from_str(&g).map_err(corrupt))
                .transpose()?,
                quality: json("quality")?,
                appended: match (appended_to, added_file) {
                    (Some(to), Some(file)) => Some(Appended { to, file, rows: added_rows.unwrap_or(0) }),
                    _ => None,
                },
            }),
        )
    }
}

from_row!(r => Analysis { id, org_id, title, description, created_by, created_at, updated_at;
    sql: r.try_get("sql_text")?,
    parameters: json(r, "parameters")?,
    builder: {
        let b: Option<String> = r.try_get("builder")?;
        b.map(|b| serde_json::from_str(&b).map_err(corrupt)).transpose()?
    },
    columns: json(r, "result_columns")?,
    column_labels: json(r, "column_labels")?,
});

/// Whose columns are labelled: a dataset's or a saved analysis'.
#[derive(Debug, Clone, Copy)]
pub enum Labelled {
    Dataset,
    Analysis,
}

/// An analysis' parameters, builder choices and result columns as stored (JSON).
fn analysis_json(f: &AnalysisFields) -> Result<(String, Option<String>, String)> {
    Ok((
        serde_json::to_string(&f.parameters).map_err(corrupt)?,
        f.builder
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(corrupt)?,
        serde_json::to_string(&f.columns).map_err(corrupt)?,
    ))
}

crate::repository!(
    /// The catalog: datasets, their versions and metadata, and saved analyses.
    catalog
);

impl Repo<'_> {
    /// Records an imported version of dataset `name` in `org_id`: a new dataset with `meta`
    /// when the name is new, otherwise the next version of the existing one (whose metadata
    /// stays as it is). One transaction, with its audit row.
    #[allow(clippy::too_many_arguments)]
    pub async fn record_import(
        &self,
        org_id: &str,
        name: &str,
        meta: &DatasetMeta,
        generated: bool,
        v: &NewVersion,
        actor: &Actor,
    ) -> Result<(Dataset, DatasetVersion)> {
        let mut w = self.write(actor, Some(org_id)).await?;
        let at = now();
        let existing: Option<String> =
            sqlx::query("SELECT id FROM datasets WHERE org_id = $1 AND name = $2")
                .bind(org_id)
                .bind(name)
                .fetch_optional(w.conn())
                .await?
                .map(|r| r.try_get("id"))
                .transpose()?;
        let dataset_id = match existing {
            Some(id) => id,
            None => {
                let id = new_id();
                w.exec("INSERT INTO datasets (id, org_id, name, title, description, publisher, contact_name, contact_email, theme, licence, access_rights, cadence, tags, owner_id, generated, created_at, updated_at)
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)", (&id, org_id, name, &meta.title, &meta.description, &meta.publisher, &meta.contact_name, &meta.contact_email, &meta.theme, &meta.licence, meta.access_rights.as_str(), &meta.cadence, serde_json::to_string(&meta.tags).map_err(corrupt)?, actor.user_id.as_deref(), i64::from(generated), &at, &at)).await
                .map_err(conflict_on_unique("name"))?;
                id
            }
        };
        w.take_turn(&format!("dataset_versions:{dataset_id}"))
            .await?;
        let next: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS n FROM dataset_versions WHERE dataset_id = $1",
        )
        .bind(&dataset_id)
        .fetch_one(w.conn())
        .await?
        .try_get("n")?;
        w.exec(&format!(
            "INSERT INTO dataset_versions ({V_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ), (&v.id, &dataset_id, next, &v.file, &v.source, &v.format, v.row_count, v.byte_size, v.columns.to_string(), v.geometry.as_ref().map(Value::to_string), v.quality.to_string(), &at, &actor.label)).await?;
        // An append is one only to the version that is still the latest.
        if let Some(a) = &v.appended {
            w.exec(
                "UPDATE dataset_versions SET appended_to = $1, added_file = $2, added_rows = $3 WHERE id = $4 AND $1 = (SELECT p.id FROM dataset_versions p WHERE p.dataset_id = $5 AND p.version = $6)",
                (&a.to, &a.file, a.rows, &v.id, &dataset_id, next - 1),
            )
            .await?;
        }
        w.exec(
            "UPDATE datasets SET updated_at = $1 WHERE id = $2",
            (&at, &dataset_id),
        )
        .await?;
        let detail = serde_json::json!({ "name": name, "version": next, "rows": v.row_count, "source": v.source, "appendedRows": v.appended.as_ref().map(|a| a.rows) });
        w.commit("dataset.version_imported", ("dataset", &dataset_id), detail)
            .await?;
        let ds = self.dataset(org_id, &dataset_id).await?;
        let ver = self.dataset_version(&dataset_id, next).await?;
        Ok((ds, ver))
    }

    /// The organisation's own datasets, by name.
    pub async fn datasets(&self, org_id: &str) -> Result<Vec<Dataset>> {
        self.all(
            &format!("SELECT {DS_COLUMNS} FROM datasets d WHERE d.org_id = $1 ORDER BY d.name"),
            (org_id,),
        )
        .await
    }

    /// Public datasets of other organisations, by organisation and name.
    pub async fn public_datasets_elsewhere(&self, org_id: &str) -> Result<Vec<Dataset>> {
        self.all(&format!(
            "SELECT {DS_COLUMNS} FROM datasets d WHERE d.org_id <> $1 AND d.access_rights = 'public' ORDER BY d.org_id, d.name"
        ), (org_id,)).await
    }

    /// Every organisation's public datasets (those published to everyone, also to people
    /// without an account), by organisation and name.
    pub async fn public_datasets(&self) -> Result<Vec<Dataset>> {
        self.all(&format!(
            "SELECT {DS_COLUMNS} FROM datasets d WHERE d.access_rights = 'public' ORDER BY d.org_id, d.name"
        ), ()).await
    }

    /// A dataset visible to `org_id`: its own, or another organisation's public one.
    pub async fn dataset(&self, org_id: &str, id: &str) -> Result<Dataset> {
        self.one(&format!(
            "SELECT {DS_COLUMNS} FROM datasets d WHERE d.id = $1 AND (d.org_id = $2 OR d.access_rights = 'public')"
        ), (id, org_id)).await
    }

    /// Replaces a dataset's metadata (own datasets only).
    pub async fn update_dataset_meta(
        &self,
        org_id: &str,
        id: &str,
        meta: &DatasetMeta,
        actor: &Actor,
    ) -> Result<Dataset> {
        let audit = (
            "dataset.metadata_changed",
            ("dataset", id),
            serde_json::to_value(meta).map_err(corrupt)?,
        );
        self.write_one(actor, org_id, "UPDATE datasets SET title = $1, description = $2, publisher = $3, contact_name = $4, contact_email = $5, theme = $6, licence = $7, access_rights = $8, cadence = $9, tags = $10, updated_at = $11
             WHERE id = $12 AND org_id = $13", (&meta.title, &meta.description, &meta.publisher, &meta.contact_name, &meta.contact_email, &meta.theme, &meta.licence, meta.access_rights.as_str(), &meta.cadence, serde_json::to_string(&meta.tags).map_err(corrupt)?, now(), id, org_id), audit).await?;
        self.dataset(org_id, id).await
    }

    /// Sets what one column of a dataset or of an analysis' result means (empty labels
    /// forget them), audited; read the dataset or analysis again for the labels it now has.
    pub async fn set_column_labels(
        &self,
        (what, org_id, id): (Labelled, &str, &str),
        (column, labels): (&str, &ColumnLabels),
        actor: &Actor,
    ) -> Result<()> {
        let (table, kind, mut all) = match what {
            Labelled::Dataset => {
                let all = self.dataset(org_id, id).await?.column_labels;
                ("datasets", "dataset", all)
            }
            Labelled::Analysis => {
                let all = self.analysis(org_id, id).await?.column_labels;
                ("analyses", "analysis", all)
            }
        };
        if labels.is_empty() {
            all.remove(column);
        } else {
            all.insert(column.to_string(), labels.clone());
        }
        let sql = format!(
            "UPDATE {table} SET column_labels = $1, updated_at = $2 WHERE id = $3 AND org_id = $4"
        );
        let all = serde_json::to_string(&all).map_err(corrupt)?;
        let action = format!("{kind}.column_labels_changed");
        let detail = serde_json::json!({ "column": column, "labels": labels });
        self.write_one(
            actor,
            org_id,
            &sql,
            (all, now(), id, org_id),
            (&action, (kind, id), detail),
        )
        .await
    }

    /// Every version of a dataset, newest first.
    pub async fn dataset_versions(&self, dataset_id: &str) -> Result<Vec<DatasetVersion>> {
        self.all(&format!(
            "SELECT {V_SELECT} FROM dataset_versions WHERE dataset_id = $1 ORDER BY version DESC"
        ), (dataset_id,)).await
    }

    /// Every version of the datasets `org_id` may query (its own and every public one), by
    /// dataset, newest first: what a query's tables are made of, in one read.
    pub async fn versions_readable_by(&self, org_id: &str) -> Result<Vec<DatasetVersion>> {
        self.all(&format!(
            "SELECT {V_SELECT} FROM dataset_versions WHERE dataset_id IN (SELECT id FROM datasets WHERE org_id = $1 OR access_rights = 'public') ORDER BY dataset_id, version DESC"
        ), (org_id,)).await
    }

    pub async fn dataset_version(&self, dataset_id: &str, version: i64) -> Result<DatasetVersion> {
        self.one(
            &format!(
                "SELECT {V_SELECT} FROM dataset_versions WHERE dataset_id = $1 AND version = $2"
            ),
            (dataset_id, version),
        )
        .await
    }

    /// Every dataset version of every organisation, oldest first (for moving files).
    pub async fn all_dataset_versions(&self) -> Result<Vec<DatasetVersion>> {
        self.all(
            &format!("SELECT {V_SELECT} FROM dataset_versions ORDER BY created_at, id"),
            (),
        )
        .await
    }

    /// Records that the file of version `version_id` now lives at `file` (the same bytes,
    /// moved to other storage). Its appended rows' file stays behind, so from then on it
    /// counts as a whole version (queries over it are refreshed in full). One transaction,
    /// with its audit row.
    pub async fn relocate_version(
        &self,
        version_id: &str,
        file: &str,
        actor: &Actor,
    ) -> Result<DatasetVersion> {
        let mut w = self.write(actor, None).await?;
        let (old, dataset_id, org_id): (String, String, String) = w.one(
            "SELECT v.file AS file, v.dataset_id AS dataset_id, d.org_id AS org_id FROM dataset_versions v JOIN datasets d ON d.id = v.dataset_id WHERE v.id = $1",
            (version_id,),
        )
        .await?;
        w.set_org(&org_id);
        w.exec(
            "UPDATE dataset_versions SET file = $1, appended_to = NULL, added_file = NULL, added_rows = NULL WHERE id = $2",
            (file, version_id),
        )
        .await?;
        let detail = serde_json::json!({ "version_id": version_id, "from": old, "to": file });
        w.commit(
            "dataset.version_relocated",
            ("dataset", &dataset_id),
            detail,
        )
        .await?;
        let sql = format!("SELECT {V_SELECT} FROM dataset_versions WHERE id = $1");
        self.one(&sql, (version_id,)).await
    }

    /// The state kept for query `key` of `org_id`, if any.
    pub async fn kept_state(&self, org_id: &str, key: &str) -> Result<Option<KeptState>> {
        let row = sqlx::query(
            "SELECT versions, state FROM kept_states WHERE org_id = $1 AND query_key = $2",
        )
        .bind(org_id)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|r| {
            let versions: String = r.try_get("versions")?;
            Ok(KeptState {
                versions: serde_json::from_str(&versions).map_err(corrupt)?,
                state: r.try_get("state")?,
            })
        })
        .transpose()
    }

    /// Keeps the state of query `key` of `org_id`, replacing the one before (a cache: no
    /// audit row). States of the organisation's queries that did not run for
    /// [`STATES_KEPT_DAYS`] days go (a query with parameter values no one chooses again).
    pub async fn keep_state(&self, org_id: &str, key: &str, kept: &KeptState) -> Result<()> {
        let cutoff = crate::stamp(chrono::Utc::now() - chrono::Duration::days(STATES_KEPT_DAYS));
        sqlx::query("DELETE FROM kept_states WHERE org_id = $1 AND computed_at < $2")
            .bind(org_id)
            .bind(cutoff)
            .execute(self.pool())
            .await?;
        let versions = serde_json::to_string(&kept.versions).map_err(corrupt)?;
        sqlx::query(
            "INSERT INTO kept_states (org_id, query_key, versions, state, computed_at) VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (org_id, query_key) DO UPDATE SET versions = $3, state = $4, computed_at = $5",
        )
        .bind(org_id)
        .bind(key)
        .bind(versions)
        .bind(&kept.state)
        .bind(now())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Forgets every state kept for `org_id`'s queries: their next runs are in full.
    pub async fn forget_states(&self, org_id: &str) -> Result<u64> {
        Ok(sqlx::query("DELETE FROM kept_states WHERE org_id = $1")
            .bind(org_id)
            .execute(self.pool())
            .await?
            .rows_affected())
    }

    /// The version with id `id`.
    pub async fn version_by_id(&self, id: &str) -> Result<DatasetVersion> {
        self.one(
            &format!("SELECT {V_SELECT} FROM dataset_versions WHERE id = $1"),
            (id,),
        )
        .await
    }

    /// Saves a new analysis.
    pub async fn create_analysis(
        &self,
        org_id: &str,
        f: &AnalysisFields,
        actor: &Actor,
    ) -> Result<Analysis> {
        let (title, description, sql) = (&f.title, &f.description, &f.sql);
        let (params, builder, columns) = analysis_json(f)?;
        let id = new_id();
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO analyses (id, org_id, title, description, sql_text, parameters, builder, result_columns, created_by, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", (&id, org_id, title, description, sql, params, builder, columns, &actor.label, &at, &at)).await?;
        w.commit(
            "analysis.created",
            ("analysis", &id),
            serde_json::json!({ "title": title }),
        )
        .await?;
        self.analysis(org_id, &id).await
    }

    /// Replaces an analysis' title, description, SQL and parameters.
    pub async fn update_analysis(
        &self,
        org_id: &str,
        id: &str,
        f: &AnalysisFields,
        actor: &Actor,
    ) -> Result<Analysis> {
        let (title, description, sql) = (&f.title, &f.description, &f.sql);
        let (params, builder, columns) = analysis_json(f)?;
        let detail = serde_json::json!({ "title": title, "sql": sql });
        self.write_one(actor, org_id, "UPDATE analyses SET title = $1, description = $2, sql_text = $3, parameters = $4, builder = $5, result_columns = $6, updated_at = $7 WHERE id = $8 AND org_id = $9", (title, description, sql, params, builder, columns, now(), id, org_id), ("analysis.changed", ("analysis", id), detail)).await?;
        self.analysis(org_id, id).await
    }

    pub async fn delete_analysis(&self, org_id: &str, id: &str, actor: &Actor) -> Result<()> {
        self.write_one(
            actor,
            org_id,
            "DELETE FROM analyses WHERE id = $1 AND org_id = $2",
            (id, org_id),
            ("analysis.deleted", ("analysis", id), serde_json::json!({})),
        )
        .await
    }

    pub async fn analyses(&self, org_id: &str) -> Result<Vec<Analysis>> {
        self.all("SELECT id, org_id, title, description, sql_text, parameters, builder, result_columns, column_labels, created_by, created_at, updated_at FROM analyses WHERE org_id = $1 ORDER BY title, id", (org_id,)).await
    }

    pub async fn analysis(&self, org_id: &str, id: &str) -> Result<Analysis> {
        self.one("SELECT id, org_id, title, description, sql_text, parameters, builder, result_columns, column_labels, created_by, created_at, updated_at FROM analyses WHERE id = $1 AND org_id = $2", (id, org_id)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;
    use crate::{Store, StoreError};

    fn fields(title: &str, sql: &str) -> AnalysisFields {
        AnalysisFields {
            title: title.into(),
            description: String::new(),
            sql: sql.into(),
            ..AnalysisFields::default()
        }
    }

    fn version(id: &str) -> NewVersion {
        NewVersion {
            id: id.into(),
            file: format!("datasets/x/{id}.parquet"),
            source: "gemeenten.geojson".into(),
            format: "geojson".into(),
            row_count: 342,
            byte_size: 1000,
            columns: serde_json::json!([{"name": "statcode"}]),
            geometry: Some(serde_json::json!({"column": "geom", "crs": "EPSG:4326"})),
            quality: serde_json::json!([]),
            appended: None,
        }
    }

    async fn an_append_is_recorded_only_onto_the_latest_version_and_states_are_kept(s: Store) {
        let a = crate::testing::organisation(&s, "A", "province", "PV26").await;
        let meta = DatasetMeta::for_new("Bewegingen", "A");
        let import = async |v: NewVersion| record(&s, &a.id, ("bewegingen", &meta), &v).await.1;
        let v1 = import(version("v1")).await;
        let appended = |to: &str| Appended {
            to: to.into(),
            file: "datasets/x/v2.added.parquet".into(),
            rows: 170,
        };
        let v2 = import(NewVersion {
            appended: Some(appended(&v1.id)),
            ..version("v2")
        })
        .await;
        assert_eq!(v2.appended, Some(appended("v1")));
        assert_eq!(
            s.catalog().version_by_id("v2").await.unwrap().appended,
            v2.appended
        );
        // Made on v1 while v2 came in: no longer an append to the latest.
        let v3 = import(NewVersion {
            appended: Some(appended(&v1.id)),
            ..version("v3")
        })
        .await;
        assert_eq!(v3.appended, None);
        // Moved elsewhere, a version counts as whole.
        let moved = s
            .catalog()
            .relocate_version("v2", "s3://b/v2.parquet", &Actor::cli())
            .await
            .unwrap();
        assert_eq!(moved.appended, None);

        let state = async |org: &str, key: &str| s.catalog().kept_state(org, key).await.unwrap();
        let keep = async |key: &str, v: &str, bytes: &[u8]| {
            let kept = KeptState {
                versions: BTreeMap::from([("bewegingen".to_string(), v.to_string())]),
                state: bytes.to_vec(),
            };
            s.catalog().keep_state(&a.id, key, &kept).await.unwrap()
        };
        assert!(state(&a.id, "q").await.is_none());
        keep("q", "v1", &[0, 1, 255]).await;
        keep("q", "v2", &[7; 3000]).await;
        let back = state(&a.id, "q").await.unwrap();
        assert_eq!(
            (back.versions, back.state),
            (
                BTreeMap::from([("bewegingen".to_string(), "v2".to_string())]),
                vec![7; 3000]
            )
        );
        let other = crate::testing::organisation(&s, "B", "province", "PV27").await;
        assert!(state(&other.id, "q").await.is_none());
        assert_eq!(s.catalog().forget_states(&other.id).await.unwrap(), 0);
        assert_eq!(s.catalog().forget_states(&a.id).await.unwrap(), 1);
        assert!(state(&a.id, "q").await.is_none());
        // A state whose query has not run for long goes when another is kept.
        keep("old", "v1", &[1]).await;
        sqlx::query("UPDATE kept_states SET computed_at = '2020-01-01T00:00:00Z'")
            .execute(s.pool())
            .await
            .unwrap();
        keep("new", "v2", &[2]).await;
        assert!(state(&a.id, "old").await.is_none());
        assert!(state(&a.id, "new").await.is_some());
    }

    async fn versions_accumulate_and_other_orgs_see_only_public_datasets(s: Store) {
        let (a, meta, ds, v1) = gemeenten_in_a(&s).await;
        let b = crate::testing::organisation(&s, "B", "province", "PV27").await;
        assert_eq!(v1.version, 1);
        let (ds2, v2) = record(&s, &a.id, ("gemeenten", &meta), &version("v2")).await;
        assert_eq!((ds2.id.as_str(), v2.version), (ds.id.as_str(), 2));
        assert_eq!(s.catalog().dataset_versions(&ds.id).await.unwrap().len(), 2);
        assert_eq!(
            s.catalog()
                .dataset(&a.id, &ds.id)
                .await
                .unwrap()
                .latest_version,
            Some(2)
        );
        // Not public: B cannot see it.
        assert!(matches!(
            s.catalog().dataset(&b.id, &ds.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            s.catalog()
                .public_datasets_elsewhere(&b.id)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(s.catalog().public_datasets().await.unwrap().is_empty());
        // Made public: B sees it, but cannot change it.
        let mut public = meta.clone();
        public.access_rights = AccessRights::Public;
        s.catalog()
            .update_dataset_meta(&a.id, &ds.id, &public, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(
            s.catalog().dataset(&b.id, &ds.id).await.unwrap().name,
            "gemeenten"
        );
        assert_eq!(
            s.catalog()
                .public_datasets_elsewhere(&b.id)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(s.catalog().public_datasets().await.unwrap().len(), 1);
        assert!(matches!(
            s.catalog()
                .update_dataset_meta(&b.id, &ds.id, &meta, &Actor::cli())
                .await,
            Err(StoreError::NotFound)
        ));
    }

    async fn analyses_belong_to_their_organisation(s: Store) {
        let a = crate::testing::organisation(&s, "A", "province", "PV26").await;
        let b = crate::testing::organisation(&s, "B", "province", "PV27").await;
        let an = s
            .catalog()
            .create_analysis(&a.id, &fields("Tel", "SELECT 1"), &Actor::cli())
            .await
            .unwrap();
        assert!(matches!(
            s.catalog().analysis(&b.id, &an.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.catalog()
                .delete_analysis(&b.id, &an.id, &Actor::cli())
                .await,
            Err(StoreError::NotFound)
        ));
        // Its columns' labels: set, kept through a change of its SQL, forgotten when empty;
        // never through another organisation.
        let labels = ColumnLabels {
            title: "Vertrekkend gewicht".into(),
            unit: "ton".into(),
            ..Default::default()
        };
        let set = |org: &str, l: &ColumnLabels| {
            let (s, org, id, l) = (s.clone(), org.to_string(), an.id.clone(), l.clone());
            async move {
                let whose = (Labelled::Analysis, org.as_str(), id.as_str());
                let c = s.catalog();
                c.set_column_labels(whose, ("tonnes_out", &l), &Actor::cli())
                    .await?;
                c.analysis(&org, &id).await
            }
        };
        assert!(matches!(
            set(&b.id, &labels).await,
            Err(StoreError::NotFound)
        ));
        let labelled = set(&a.id, &labels).await.unwrap();
        assert_eq!(labelled.column_labels["tonnes_out"], labels);
        let changed = s
            .catalog()
            .update_analysis(&a.id, &an.id, &fields("Tel 2", "SELECT 2"), &Actor::cli())
            .await
            .unwrap();
        assert_eq!(changed.sql, "SELECT 2");
        assert_eq!(changed.column_labels["tonnes_out"], labels);
        let forgotten = set(&a.id, &ColumnLabels::default()).await.unwrap();
        assert!(forgotten.column_labels.is_empty());
        s.catalog()
            .delete_analysis(&a.id, &an.id, &Actor::cli())
            .await
            .unwrap();
        assert!(s.catalog().analyses(&a.id).await.unwrap().is_empty());
    }

    /// On both backends. On SQLite a deferred transaction that reads before it writes met
    /// "database is locked" under concurrent writers (found by the crash test: an import
    /// failed while decisions were written); write transactions now begin immediate.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_imports_number_their_versions_in_turn() {
        for backend in [crate::Backend::Sqlite, crate::Backend::Postgres] {
            if let Some((s, _guard)) = crate::testing::store_on(backend).await {
                concurrent_imports(s).await;
            }
        }
    }

    /// Organisation A with a dataset `gemeenten` at version 1.
    async fn gemeenten_in_a(
        s: &Store,
    ) -> (crate::Organisation, DatasetMeta, Dataset, DatasetVersion) {
        let a = crate::testing::organisation(s, "A", "province", "PV26").await;
        let meta = DatasetMeta::for_new("Gemeenten", "A");
        let (ds, v1) = record(s, &a.id, ("gemeenten", &meta), &version("v1")).await;
        (a, meta, ds, v1)
    }

    /// Records `v` as the next version of the dataset `name` (described by `meta`) of
    /// organisation `org_id`.
    async fn record(
        s: &Store,
        org_id: &str,
        (name, meta): (&str, &DatasetMeta),
        v: &NewVersion,
    ) -> (Dataset, DatasetVersion) {
        s.catalog()
            .record_import(org_id, name, meta, false, v, &Actor::cli())
            .await
            .unwrap()
    }

    async fn concurrent_imports(s: Store) {
        let (a, meta, ds, _) = gemeenten_in_a(&s).await;
        let mut tasks = Vec::new();
        for n in 2..=13 {
            let (s, org, meta) = (s.clone(), a.id.clone(), meta.clone());
            tasks.push(tokio::spawn(async move {
                record(&s, &org, ("gemeenten", &meta), &version(&format!("v{n}"))).await
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let mut numbers: Vec<i64> = s
            .catalog()
            .dataset_versions(&ds.id)
            .await
            .unwrap()
            .iter()
            .map(|v| v.version)
            .collect();
        numbers.sort_unstable();
        assert_eq!(numbers, (1..=13).collect::<Vec<_>>());
    }

    async fn a_version_is_relocated_with_an_audit_row(s: Store) {
        let (a, _, ds, v1) = gemeenten_in_a(&s).await;
        let all = s.catalog().all_dataset_versions().await.unwrap();
        assert_eq!(all.len(), 1);
        let moved = s
            .catalog()
            .relocate_version(&v1.id, "s3://b/datasets/x/v1.parquet", &Actor::cli())
            .await
            .unwrap();
        assert_eq!(moved.file, "s3://b/datasets/x/v1.parquet");
        assert!(!v1.on_object_storage() && moved.on_object_storage());
        assert_eq!((moved.version, moved.row_count), (1, v1.row_count));
        assert_eq!(
            s.catalog().dataset_version(&ds.id, 1).await.unwrap().file,
            moved.file
        );
        let events = s.audit().audit_events(&a.id, 10, None).await.unwrap();
        assert_eq!(events[0].action, "dataset.version_relocated");
        assert_eq!(events[0].detail["from"], "datasets/x/v1.parquet");
        assert!(matches!(
            s.catalog()
                .relocate_version("nope", "s3://b/x", &Actor::cli())
                .await,
            Err(StoreError::NotFound)
        ));
    }

    on_both_backends!(
        versions_accumulate_and_other_orgs_see_only_public_datasets,
        an_append_is_recorded_only_onto_the_latest_version_and_states_are_kept,
        analyses_belong_to_their_organisation,
        a_version_is_relocated_with_an_audit_row
    );
}
