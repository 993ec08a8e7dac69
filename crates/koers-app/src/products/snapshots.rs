//! Evidence snapshots: what a monitor, an indicator or a dashboard (for a filter choice)
//! showed, frozen with its SQL and the dataset versions read, under a content hash.
//!
//! Analysts and board members take them; a member who may read reads a monitor's or an
//! indicator's snapshot, and a dashboard's only when they may open the dashboard
//! ([`crate::dashboards::may_open`]). Nothing can change a snapshot afterwards.

pub use koers_store::snapshots::Snapshot;

use super::{IndicatorView, monitor_view, versions_read, view};
use crate::dashboards::{Dashboard, chosen_filters, evidence, may_open, visible};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::{Invalid, Permission};
use serde_json::{Value, json};

/// What a snapshot freezes of one indicator: its definition, the analysis' SQL, the dataset
/// versions the SQL reads, and the cached result shown.
async fn indicator_evidence(ws: &Workspace, who: &Principal, v: &IndicatorView) -> Result<Value> {
    let i = ws
        .store
        .indicators()
        .indicator(&who.org.id, &v.indicator.id)
        .await?;
    let a = ws
        .store
        .catalog()
        .analysis(&who.org.id, &i.analysis_id)
        .await?;
    let versions = versions_read(ws, &who.org.id, &a.sql).await?;
    Ok(json!({
        "indicator": v.indicator,
        "analysis": { "id": a.id, "title": a.title, "sql": a.sql, "updatedAt": a.updated_at },
        "datasetVersions": versions,
        "result": {
            "computedAt": v.computed_at, "stale": v.stale, "value": v.value, "period": v.period,
            "status": v.status, "trend": v.trend, "series": v.series,
        },
    }))
}

/// Analysts and board members may freeze what a monitor, indicator or dashboard shows.
pub fn may_snapshot(who: &Principal) -> bool {
    who.may(Permission::Analyse) || who.may(Permission::DecideAsBoard)
}

/// Freezes what a monitor, an indicator or a dashboard shows now (`kind` is `monitor`,
/// `indicator` or `dashboard`) — results, SQL, dataset versions — with a content hash
/// (analysts and board members). A dashboard is frozen for the filter choice in `filters`
/// (an object) or `query` (the page's query string, `f.jaar=2024`); `note` says why.
pub async fn take_snapshot(
    ws: &Workspace,
    who: &Principal,
    kind: &str,
    id: &str,
    mut input: Input,
) -> Result<Snapshot> {
    if !may_snapshot(who) {
        return Err(Error::Forbidden);
    }
    let note = input.text("note");
    let (title, content) = match kind {
        "monitor" => {
            let m = monitor_view(ws, who, id).await?;
            let mut items = Vec::new();
            for v in &m.indicators {
                items.push(indicator_evidence(ws, who, v).await?);
            }
            let monitor = &m.monitor;
            let frozen = json!({
                "id": monitor.id, "name": monitor.name, "description": monitor.description,
                "indicatorIds": monitor.indicator_ids, "version": monitor.version,
            });
            (
                monitor.name.clone(),
                json!({ "monitor": frozen, "indicators": items }),
            )
        }
        "dashboard" => {
            let d = visible(ws, who, id).await?;
            let chosen = match input.structured("filters") {
                Some(f) => f,
                None => chosen_filters(
                    &serde_urlencoded::from_str(&input.text("query")).unwrap_or_default(),
                ),
            };
            let content = evidence(ws, &d, &chosen).await?;
            (d.name, content)
        }
        _ => {
            let i = ws.store.indicators().indicator(&who.org.id, id).await?;
            let v = view(ws, i).await?;
            let title = v.indicator.name.clone();
            (
                title,
                json!({ "indicators": [indicator_evidence(ws, who, &v).await?] }),
            )
        }
    };
    let note = input.finish(if note.chars().count() > 500 {
        Err(Invalid::one("note", "too_long", "ten hoogste 500 tekens"))
    } else {
        Ok(note.trim().to_string())
    })?;
    let content = json!({
        "kind": kind,
        "organisation": { "name": who.org.name, "cbsCode": who.org.cbs_code },
        "takenAt": chrono::Utc::now().to_rfc3339(),
        "takenBy": who.user.email,
        "content": content,
    });
    let frozen = koers_core::snapshot::Frozen::of(&content);
    Ok(ws
        .store
        .snapshots()
        .create_snapshot(
            &who.org.id,
            &koers_store::snapshots::NewSnapshot {
                subject_kind: kind,
                subject_id: id,
                title: &title,
                note: &note,
                content: &frozen,
            },
            &who.actor(),
        )
        .await?)
}

/// Whether the member may read snapshot `s`: the rules of what it froze. A dashboard's
/// snapshot follows the dashboard's sharing ([`may_open`], with the organisation's
/// `dashboards`); a monitor's or an indicator's is open to every member who may read, as
/// the monitor and indicator are.
fn may_read_snapshot(who: &Principal, s: &Snapshot, dashboards: &[Dashboard]) -> bool {
    match s.subject_kind.as_str() {
        "dashboard" => may_open(who, dashboards.iter().find(|d| d.id == s.subject_id)),
        _ => true,
    }
}

/// The snapshots the member may read (of one subject, or all of the organisation), newest
/// first; the others are left out.
pub async fn readable_snapshots(
    ws: &Workspace,
    who: &Principal,
    subject_id: Option<&str>,
) -> Result<Vec<Snapshot>> {
    who.require(Permission::Read)?;
    let all = ws
        .store
        .snapshots()
        .snapshots(&who.org.id, subject_id)
        .await?;
    let dashboards = ws.store.dashboards().dashboards(&who.org.id).await?;
    Ok(all
        .into_iter()
        .filter(|s| may_read_snapshot(who, s, &dashboards))
        .collect())
}

/// One snapshot, if the member may read it; one they may not is not found, like another
/// organisation's.
pub async fn readable_snapshot(ws: &Workspace, who: &Principal, id: &str) -> Result<Snapshot> {
    who.require(Permission::Read)?;
    let s = ws.store.snapshots().snapshot(&who.org.id, id).await?;
    let dashboards = ws.store.dashboards().dashboards(&who.org.id).await?;
    if may_read_snapshot(who, &s, &dashboards) {
        Ok(s)
    } else {
        Err(Error::NotFound)
    }
}

/// Whether a snapshot's stored bytes still have the hash they were taken with.
pub fn snapshot_intact(s: &Snapshot) -> bool {
    koers_core::snapshot::verify(&s.content_text, &s.content_hash)
}
