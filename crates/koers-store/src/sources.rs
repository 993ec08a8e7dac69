//! The remote service a dataset is read from (OGC API – Features, WFS, CBS OData, CKAN):
//! its definition, the hash of the data fetched last, and how the last check went. The
//! definition's rules live in `koers_app::sources`; here it is kept as JSON.

use crate::audit::Actor;
use crate::sql::{from_row, json};
use crate::{Result, StoreError, now};
use serde::Serialize;
use serde_json::Value;
use sqlx::Row;

/// A dataset's source as stored.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetSource {
    pub dataset_id: String,
    /// `ogcapi`, `wfs`, `odata` or `ckan`.
    pub kind: String,
    pub definition: Value,
    /// SHA-256 of the data fetched last (none after the definition changed).
    pub content_hash: Option<String>,
    pub checked_at: Option<String>,
    /// `imported`, `unchanged` or `failed`.
    pub outcome: Option<String>,
    /// What went wrong, when the last check failed.
    pub message: String,
    pub updated_at: String,
}

/// How a check of a source went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The data changed and is now a new version.
    Imported,
    /// The data is as it was; no new version.
    Unchanged,
    /// The service could not be read; the dataset keeps its version.
    Failed,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Imported => "imported",
            Outcome::Unchanged => "unchanged",
            Outcome::Failed => "failed",
        }
    }
}

from_row!(r => DatasetSource { dataset_id, kind, content_hash, checked_at, outcome, message, updated_at;
    definition: json(r, "definition")?,
});

crate::repository!(
    /// The external sources of datasets and how their last check went.
    sources
);

impl Repo<'_> {
    /// Sets the source of a dataset of `org_id` (replacing one it had). `content_hash` is the
    /// hash of the data just imported from it, or `None` when the definition changed without
    /// a fetch (the next refresh then always makes a version).
    pub async fn set_dataset_source(
        &self,
        org_id: &str,
        dataset_id: &str,
        kind: &str,
        definition: &Value,
        content_hash: Option<&str>,
        actor: &Actor,
    ) -> Result<DatasetSource> {
        let mut w = self.write(actor, Some(org_id)).await?;
        let owned = sqlx::query("SELECT id FROM datasets WHERE id = $1 AND org_id = $2")
            .bind(dataset_id)
            .bind(org_id)
            .fetch_optional(w.conn())
            .await?;
        if owned.is_none() {
            return Err(StoreError::NotFound);
        }
        let at = now();
        w.exec(
            "DELETE FROM dataset_sources WHERE dataset_id = $1",
            (dataset_id,),
        )
        .await?;
        let (checked_at, outcome) = match content_hash {
            Some(_) => (Some(at.as_str()), Some(Outcome::Imported.as_str())),
            None => (None, None),
        };
        w.exec("INSERT INTO dataset_sources (dataset_id, kind, definition, content_hash, checked_at, outcome, message, updated_at) VALUES ($1, $2, $3, $4, $5, $6, '', $7)", (dataset_id, kind, definition.to_string(), content_hash, checked_at, outcome, &at)).await?;
        // The audit log keeps the definition for good: without the URL's credentials (the
        // source row keeps them, for its refreshes, and only the organisation reads it).
        let mut logged = definition.clone();
        if let Some(Value::String(url)) = logged.get_mut("url") {
            *url = koers_core::catalog::redact_urls(url);
        }
        let detail = serde_json::json!({ "kind": kind, "definition": logged });
        w.commit("dataset.source_set", ("dataset", dataset_id), detail)
            .await?;
        self.dataset_source(dataset_id).await
    }

    /// The source of a dataset, if it has one (the caller checked that it may be seen).
    pub async fn dataset_source(&self, dataset_id: &str) -> Result<DatasetSource> {
        self.one(
            "SELECT * FROM dataset_sources WHERE dataset_id = $1",
            (dataset_id,),
        )
        .await
    }

    /// Records a check of a dataset's source: its outcome, the hash of the data when it was
    /// imported, and what went wrong when it failed.
    pub async fn record_source_check(
        &self,
        org_id: &str,
        dataset_id: &str,
        outcome: Outcome,
        content_hash: Option<&str>,
        message: &str,
        actor: &Actor,
    ) -> Result<DatasetSource> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec_found("UPDATE dataset_sources SET checked_at = $1, outcome = $2, message = $3, content_hash = COALESCE($4, content_hash)
             WHERE dataset_id = $5 AND dataset_id IN (SELECT id FROM datasets WHERE org_id = $6)", (now(), outcome.as_str(), message, content_hash, dataset_id, org_id)).await?;
        let detail = serde_json::json!({ "outcome": outcome.as_str(), "message": message });
        w.commit("dataset.source_checked", ("dataset", dataset_id), detail)
            .await?;
        self.dataset_source(dataset_id).await
    }
}
