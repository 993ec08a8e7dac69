//! Evidence snapshots as the API and the pages show them, for every information product
//! that takes them (monitors, indicators, dashboards): the snapshot's API type, taking one,
//! and the panel on a product's page.

use crate::api::created;
use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::Input;
use koers_app::products::{self as products, Snapshot};
use minijinja::{Value, context};
use serde::Serialize;
use utoipa::ToSchema;

/// An evidence snapshot: what a monitor, indicator or dashboard showed, frozen with a
/// content hash.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SnapshotOut {
    pub id: String,
    /// `monitor`, `indicator` or `dashboard`.
    pub subject_kind: String,
    pub subject_id: String,
    pub title: String,
    pub note: String,
    /// `sha256:` and the hex SHA-256 of the canonical JSON of `content`.
    pub content_hash: String,
    /// Whether the content still has that hash.
    pub intact: bool,
    pub created_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// The frozen content: results, SQL, dataset versions (absent in lists).
    #[schema(value_type = Option<Object>)]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub content: Option<serde_json::Value>,
}

pub(crate) fn snapshot_out(s: Snapshot, with_content: bool) -> SnapshotOut {
    SnapshotOut {
        intact: products::snapshot_intact(&s),
        id: s.id,
        subject_kind: s.subject_kind,
        subject_id: s.subject_id,
        title: s.title,
        note: s.note,
        content_hash: s.content_hash,
        created_by: s.created_by,
        created_at: s.created_at,
        content: with_content.then_some(s.content),
    }
}

/// Freezes what `kind` `id` shows now and answers with the snapshot (201).
pub(crate) async fn snapshot_of(ctx: &Ctx, kind: &str, id: &str, input: Input) -> Reply {
    let s = products::take_snapshot(ctx.ws(), &ctx.who, kind, id, input).await?;
    Ok(created(snapshot_out(s, true)))
}

/// The snapshot panel's context for a monitor's, indicator's or dashboard's page.
pub(crate) async fn snapshot_panel(ctx: &Ctx, kind: &str, id: &str) -> Result<Value, AppError> {
    Ok(context! {
        snapshots => products::readable_snapshots(ctx.ws(), &ctx.who, Some(id)).await?,
        snapshot_action => format!("/informatieproducten/{kind}/{id}/momentopnamen"),
        can_snapshot => products::may_snapshot(&ctx.who),
    })
}
