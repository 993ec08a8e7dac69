//! Information product operations (M3) shared by the pages and the API: defining
//! indicators on saved analyses, refreshing them (running the analysis and caching the
//! series), and monitors that follow indicators.
//!
//! Staleness: a cached result is shown as stale when it was computed before its sources
//! last changed — the analysis' last edit, or the last import of a dataset its SQL names.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_app::analysis::{run_saved, run_saved_in};
use koers_app::results::Results;
use koers_core::indicators::{
    Direction, Every, Grain, IndicatorDraft, IndicatorInput, Light, MonitorDraft, Point, Trend,
    check_columns, headline, status, trend,
};
use koers_core::{FieldError, Invalid, Permission};
use koers_store::dashboards::Dashboard;
use koers_store::indicators::{Indicator, IndicatorResult, Monitor};
use koers_store::snapshots::Snapshot;
use koers_store::{Actor, StoreError};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::ToSchema;

/// The order in which problems with an indicator are listed.
const FIELD_ORDER: [&str; 12] = [
    "name",
    "description",
    "unit",
    "analysisId",
    "periodColumn",
    "valueColumn",
    "regionColumn",
    "grain",
    "direction",
    "target",
    "greenThreshold",
    "amberThreshold",
];

fn field_rank(f: &FieldError) -> usize {
    FIELD_ORDER
        .iter()
        .position(|n| *n == f.name)
        .unwrap_or(FIELD_ORDER.len())
}

/// Defines an indicator (analysts). Every problem is listed at once: the fields, whether
/// the analysis is one of the organisation's, and whether its result has the columns.
pub async fn create_indicator(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Indicator, AppError> {
    ctx.require(Permission::Analyse)?;
    let raw = IndicatorInput {
        name: input.text("name"),
        description: input.text("description"),
        unit: input.text("unit"),
        analysis_id: input.text("analysisId"),
        period_column: input.text("periodColumn"),
        value_column: input.text("valueColumn"),
        region_column: input.text("regionColumn"),
        grain: input.text("grain"),
        direction: input.text("direction"),
        target: input.text("target"),
        green: input.text("greenThreshold"),
        amber: input.text("amberThreshold"),
    };
    let mut errors: Vec<FieldError> = Vec::new();
    let parsed = IndicatorDraft::parse(&raw);
    if let Err(Invalid(e)) = &parsed {
        errors.extend(e.iter().cloned());
    }
    if !raw.analysis_id.trim().is_empty() {
        match state
            .store
            .analysis(&ctx.org.id, raw.analysis_id.trim())
            .await
        {
            Ok(a) => match run_saved(&state.ws, &ctx.who, &a.id, &BTreeMap::new()).await {
                Ok((_, out)) => {
                    let res = Results::from_output(&out)?;
                    if let Err(Invalid(e)) = check_columns(
                        &raw.period_column,
                        &raw.value_column,
                        &raw.region_column,
                        &res.columns,
                    ) {
                        errors.extend(e);
                    }
                }
                Err(e) => errors.push(FieldError {
                    name: "analysisId".into(),
                    code: "failed".into(),
                    reason: format!(
                        "de analyse kon niet worden uitgevoerd: {}",
                        AppError::from(e).detail()
                    ),
                }),
            },
            Err(StoreError::NotFound) => errors.push(FieldError {
                name: "analysisId".into(),
                code: "unknown".into(),
                reason: "kies een opgeslagen analyse van deze organisatie".into(),
            }),
            Err(e) => return Err(e.into()),
        }
    }
    errors.sort_by_key(field_rank);
    let checked = if errors.is_empty() {
        parsed
    } else {
        Err(Invalid(errors))
    };
    let d = input.finish(checked)?;
    Ok(state
        .store
        .create_indicator(&ctx.org.id, &d, &ctx.actor())
        .await?)
}

fn as_number(v: &Value) -> Option<f64> {
    match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().replace(',', ".").parse().ok(),
        Value::Bool(b) => Some(if *b { 1.0 } else { 0.0 }),
        _ => None,
    }
}

fn as_label(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        other => Some(other.to_string()),
    }
}

/// The points of an indicator in an analysis result; rows without a period or a number
/// are left out.
pub fn points_of(i: &Indicator, res: &Results) -> Result<Vec<Point>, AppError> {
    let col = |name: &str| {
        res.columns.iter().position(|c| c == name).ok_or_else(|| {
            AppError::Unprocessable(format!(
                "kolom {name} zit niet (meer) in het resultaat van de analyse"
            ))
        })
    };
    let p = col(&i.period_column)?;
    let v = col(&i.value_column)?;
    let r = i.region_column.as_deref().map(col).transpose()?;
    Ok(res
        .rows
        .iter()
        .filter_map(|row| {
            Some(Point {
                period: as_label(row.get(p)?)?,
                region: r.and_then(|r| row.get(r)).and_then(as_label),
                value: as_number(row.get(v)?)?,
            })
        })
        .collect())
}

/// Runs the indicator's analysis now and caches the series (analysts).
pub async fn refresh(state: &AppState, ctx: &Ctx, id: &str) -> Result<IndicatorView, AppError> {
    ctx.require(Permission::Read)?;
    let i = state.store.indicator(&ctx.org.id, id).await?;
    ctx.require(Permission::Analyse)?;
    refresh_now(state, &ctx.actor(), i).await
}

/// Runs an indicator's analysis, caches the series, and alerts when the light changed
/// (also used by `koers demo` to fill its monitor).
pub async fn refresh_now(
    state: &AppState,
    actor: &Actor,
    i: Indicator,
) -> Result<IndicatorView, AppError> {
    let (_, out) = run_saved_in(&state.ws, &i.org_id, &i.analysis_id, &BTreeMap::new()).await?;
    let res = Results::from_output(&out)?;
    let points = points_of(&i, &res)?;
    let series = headline(&points, i.grain);
    let latest = series.last().map(|(_, v)| *v);
    let light = latest.map(|v| status(v, &i.thresholds, i.direction));
    let previous = state
        .store
        .latest_indicator_result(&i)
        .await?
        .and_then(|r| r.status);
    state
        .store
        .save_indicator_result(&i, &points, latest, light, actor)
        .await?;
    if let Some(now) = light
        && koers_core::indicators::crossed(previous, light)
    {
        alert(state, actor, &i, now, latest).await?;
    }
    view(state, i).await
}

/// Tells the organisation's analysts and board members that an indicator crossed a
/// threshold (in koers, and by e-mail through the outbox).
async fn alert(
    state: &AppState,
    actor: &Actor,
    i: &Indicator,
    now: Light,
    value: Option<f64>,
) -> Result<(), AppError> {
    let people: Vec<String> = state
        .store
        .members(&i.org_id)
        .await?
        .into_iter()
        .filter(|m| {
            koers_core::access::permitted(&m.roles, Permission::Analyse)
                || koers_core::access::permitted(&m.roles, Permission::DecideAsBoard)
        })
        .map(|m| m.user.id)
        .collect();
    let shown = value.map(|v| format!("{v} {}", i.unit)).unwrap_or_default();
    state
        .store
        .notify(
            &i.org_id,
            &people,
            actor,
            "indicator.threshold",
            &serde_json::json!({ "indicator": i.name, "status": now.as_str(), "value": shown }),
            &format!("/informatieproducten/indicatoren/{}", i.id),
        )
        .await?;
    Ok(())
}

/// Sets how often an indicator refreshes by itself (`manual`, `hourly`, `daily`, `weekly`).
pub async fn schedule(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Option<(Every, String)>, AppError> {
    ctx.require(Permission::Read)?;
    let i = state.store.indicator(&ctx.org.id, id).await?;
    ctx.require(Permission::Analyse)?;
    let every = input.text("every");
    let every = input.finish(Every::parse(&every))?;
    Ok(state
        .store
        .set_indicator_schedule(&i, every, &ctx.actor())
        .await?)
}

/// Refreshes every indicator whose scheduled refresh is due at `now` (each claimed by one
/// process only); a failure is logged and the indicator tried again at its next turn.
/// Returns how many were refreshed.
pub async fn run_due_refreshes(state: &AppState, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match state.store.claim_due_indicators(now).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled refresh: {e}");
            return 0;
        }
    };
    let actor = Actor {
        user_id: None,
        label: "koers (schema)".into(),
    };
    let mut done = 0;
    for i in due {
        let (id, name) = (i.id.clone(), i.name.clone());
        match refresh_now(state, &actor, i).await {
            Ok(_) => done += 1,
            Err(e) => tracing::warn!("scheduled refresh of {name} ({id}): {e}"),
        }
    }
    done
}

/// Starts the scheduler: once a minute, the due refreshes of indicators, dashboards and
/// datasets read from a service run.
pub fn spawn_scheduler(state: AppState) {
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            let now = chrono::Utc::now();
            run_due_refreshes(&state, now).await;
            crate::dashboards::run_due(&state, now).await;
            koers_app::sources::run_due(&state.ws, now).await;
        }
    });
}

/// One period of the headline series.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub period: String,
    pub value: f64,
}

/// An indicator's definition.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorOut {
    pub id: String,
    pub name: String,
    pub description: String,
    pub unit: String,
    pub analysis_id: String,
    pub period_column: String,
    pub value_column: String,
    pub region_column: Option<String>,
    pub grain: Grain,
    pub direction: Direction,
    pub target: Option<f64>,
    pub green_threshold: f64,
    pub amber_threshold: f64,
}

impl From<&Indicator> for IndicatorOut {
    fn from(i: &Indicator) -> Self {
        IndicatorOut {
            id: i.id.clone(),
            name: i.name.clone(),
            description: i.description.clone(),
            unit: i.unit.clone(),
            analysis_id: i.analysis_id.clone(),
            period_column: i.period_column.clone(),
            value_column: i.value_column.clone(),
            region_column: i.region_column.clone(),
            grain: i.grain,
            direction: i.direction,
            target: i.target,
            green_threshold: i.thresholds.green,
            amber_threshold: i.thresholds.amber,
        }
    }
}

/// An indicator with its latest cached result as a key figure.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorView {
    pub indicator: IndicatorOut,
    /// The value of the latest period; absent before the first refresh or without data.
    pub value: Option<f64>,
    pub period: Option<String>,
    pub status: Option<Light>,
    pub trend: Option<Trend>,
    /// The headline series: per period, the sum over regions.
    pub series: Vec<SeriesPoint>,
    /// Every value read, with its region.
    pub points: Vec<Point>,
    #[schema(format = DateTime)]
    pub computed_at: Option<String>,
    /// The cached result is older than the analysis' last change or its datasets' last import.
    pub stale: bool,
}

/// The key figure of an indicator from its latest cached result.
pub async fn view(state: &AppState, i: Indicator) -> Result<IndicatorView, AppError> {
    let res: Option<IndicatorResult> = state.store.latest_indicator_result(&i).await?;
    let changed = state.store.sources_changed_at(&i).await?;
    let (points, computed_at) = match res {
        Some(r) => (r.points, Some(r.computed_at)),
        None => (Vec::new(), None),
    };
    let series: Vec<SeriesPoint> = headline(&points, i.grain)
        .into_iter()
        .map(|(period, value)| SeriesPoint { period, value })
        .collect();
    let values: Vec<f64> = series.iter().map(|s| s.value).collect();
    let last = series.last();
    Ok(IndicatorView {
        value: last.map(|s| s.value),
        period: last.map(|s| s.period.clone()),
        status: last.map(|s| status(s.value, &i.thresholds, i.direction)),
        trend: computed_at.as_ref().map(|_| trend(&values)),
        stale: computed_at.as_ref().is_some_and(|c| *c < changed),
        computed_at,
        series,
        points,
        indicator: (&i).into(),
    })
}

/// A monitor with its indicators in order.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorOut {
    pub id: String,
    pub name: String,
    pub description: String,
    pub indicator_ids: Vec<String>,
    /// The current version: every saved change adds one.
    pub version: i64,
}

impl From<&Monitor> for MonitorOut {
    fn from(m: &Monitor) -> Self {
        MonitorOut {
            id: m.id.clone(),
            name: m.name.clone(),
            description: m.description.clone(),
            indicator_ids: m.indicator_ids.clone(),
            version: m.version,
        }
    }
}

/// One saved version of a monitor.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorVersionOut {
    pub version: i64,
    pub name: String,
    pub description: String,
    pub indicator_ids: Vec<String>,
    pub note: String,
    pub saved_by: String,
    #[schema(format = DateTime)]
    pub saved_at: String,
}

impl From<koers_store::indicators::MonitorVersion> for MonitorVersionOut {
    fn from(v: koers_store::indicators::MonitorVersion) -> Self {
        MonitorVersionOut {
            version: v.version,
            name: v.name,
            description: v.description,
            indicator_ids: v.indicator_ids,
            note: v.note,
            saved_by: v.saved_by,
            saved_at: v.saved_at,
        }
    }
}

/// A monitor with the key figures of its indicators.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorView {
    pub monitor: MonitorOut,
    pub indicators: Vec<IndicatorView>,
}

pub async fn monitor_view(state: &AppState, ctx: &Ctx, id: &str) -> Result<MonitorView, AppError> {
    ctx.require(Permission::Read)?;
    let m = state.store.monitor(&ctx.org.id, id).await?;
    let mut indicators = Vec::new();
    for i in &m.indicator_ids {
        let i = state.store.indicator(&ctx.org.id, i).await?;
        indicators.push(view(state, i).await?);
    }
    Ok(MonitorView {
        monitor: (&m).into(),
        indicators,
    })
}

/// Composes a monitor from the organisation's indicators (analysts).
pub async fn create_monitor(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Monitor, AppError> {
    ctx.require(Permission::Analyse)?;
    let d = monitor_draft(&mut input);
    let d = input.finish(d)?;
    state
        .store
        .create_monitor(&ctx.org.id, &d, &ctx.actor())
        .await
        .map_err(unknown_indicators)
}

fn monitor_draft(input: &mut Input) -> Result<MonitorDraft, Invalid> {
    let name = input.text("name");
    let description = input.text("description");
    let ids = input.texts("indicatorIds");
    MonitorDraft::parse(&name, &description, &ids)
}

/// Another organisation's (or no) indicator in a monitor is a problem of the field.
fn unknown_indicators(e: StoreError) -> AppError {
    match e {
        StoreError::NotFound => AppError::Invalid(Invalid::one(
            "indicatorIds",
            "unknown",
            "kies indicatoren van deze organisatie",
        )),
        other => other.into(),
    }
}

/// Saves a new version of a monitor (analysts): name, description, indicators in order, and
/// `version`, the version the change was made from (a stale one is refused with 409).
pub async fn save_monitor(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Monitor, AppError> {
    ctx.require(Permission::Read)?;
    let m = state.store.monitor(&ctx.org.id, id).await?;
    ctx.require(Permission::Analyse)?;
    let base = input.text("version");
    let note = input.text("note");
    let d = monitor_draft(&mut input);
    let base: Option<i64> = base.trim().parse().ok();
    let d = input.finish(match (d, base) {
        (Ok(d), Some(_)) => Ok(d),
        (d, _) => {
            let mut errors = d.err().map(|i| i.0).unwrap_or_default();
            if base.is_none() {
                errors.push(koers_core::FieldError {
                    name: "version".into(),
                    code: "required".into(),
                    reason: "geef de versie waarop de wijziging is gemaakt".into(),
                });
            }
            Err(Invalid(errors))
        }
    })?;
    let note = koers_core::dashboards::long_text("note", &note, 500)?;
    state
        .store
        .save_monitor(&m, base.unwrap_or(m.version), &d, &note, &ctx.actor())
        .await
        .map_err(unknown_indicators)
}

/// Brings back an older version of a monitor as a new version (analysts). Indicators that
/// no longer exist are left out.
pub async fn restore_monitor(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    version: i64,
) -> Result<Monitor, AppError> {
    ctx.require(Permission::Read)?;
    let m = state.store.monitor(&ctx.org.id, id).await?;
    ctx.require(Permission::Analyse)?;
    let old = state
        .store
        .monitor_versions(&m)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(AppError::NotFound)?;
    let mut ids = Vec::new();
    for i in old.indicator_ids {
        if state.store.indicator(&ctx.org.id, &i).await.is_ok() {
            ids.push(i);
        }
    }
    let d = MonitorDraft::parse(&old.name, &old.description, &ids)?;
    let note = format!("versie {version} teruggezet");
    Ok(state
        .store
        .save_monitor(&m, m.version, &d, &note, &ctx.actor())
        .await?)
}

/// The indicator's values as CSV: period, region (when it has one) and value.
pub fn csv(v: &IndicatorView) -> String {
    use koers_core::csv::spreadsheet_cell as cell;
    let mut out = String::new();
    if v.indicator.region_column.is_some() {
        out.push_str("period,region,value\n");
        for p in &v.points {
            out.push_str(&format!(
                "{},{},{}\n",
                cell(&p.period),
                cell(p.region.as_deref().unwrap_or("")),
                p.value
            ));
        }
    } else {
        out.push_str("period,value\n");
        for s in &v.series {
            out.push_str(&format!("{},{}\n", cell(&s.period), s.value));
        }
    }
    out
}

/// What a snapshot freezes of one indicator: its definition, the analysis' SQL, the dataset
/// versions the SQL reads, and the cached result shown.
/// The dataset versions an SQL text reads now, each as `name@version` to query it again.
pub(crate) async fn versions_read(
    state: &AppState,
    org_id: &str,
    sql: &str,
) -> Result<Vec<Value>, AppError> {
    Ok(state
        .store
        .versions_read_by(org_id, sql)
        .await?
        .into_iter()
        .map(|(name, version, id)| serde_json::json!({ "dataset": name, "version": version, "versionId": id, "query": format!("{name}@{version}") }))
        .collect())
}

async fn indicator_evidence(
    state: &AppState,
    ctx: &Ctx,
    v: &IndicatorView,
) -> Result<Value, AppError> {
    let i = state.store.indicator(&ctx.org.id, &v.indicator.id).await?;
    let a = state.store.analysis(&ctx.org.id, &i.analysis_id).await?;
    let versions = versions_read(state, &ctx.org.id, &a.sql).await?;
    Ok(serde_json::json!({
        "indicator": v.indicator,
        "analysis": { "id": a.id, "title": a.title, "sql": a.sql, "updatedAt": a.updated_at },
        "datasetVersions": versions,
        "result": {
            "computedAt": v.computed_at, "stale": v.stale, "value": v.value, "period": v.period,
            "status": v.status, "trend": v.trend, "series": v.series,
        },
    }))
}

/// Analysts and board members may freeze what a monitor or indicator shows.
pub fn may_snapshot(ctx: &Ctx) -> bool {
    ctx.require(Permission::Analyse).is_ok() || ctx.require(Permission::DecideAsBoard).is_ok()
}

/// Freezes what a monitor, an indicator or a dashboard (for a filter choice) shows now — results, SQL, dataset versions — with
/// a content hash (analysts and board members). Nothing can change it afterwards.
pub async fn take_snapshot(
    state: &AppState,
    ctx: &Ctx,
    kind: &str,
    id: &str,
    mut input: Input,
) -> Result<koers_store::snapshots::Snapshot, AppError> {
    if !(ctx.require(Permission::Analyse).is_ok() || ctx.require(Permission::DecideAsBoard).is_ok())
    {
        return Err(AppError::Forbidden);
    }
    let note = input.text("note");
    let (title, content) = match kind {
        "monitor" => {
            let m = monitor_view(state, ctx, id).await?;
            let mut items = Vec::new();
            for v in &m.indicators {
                items.push(indicator_evidence(state, ctx, v).await?);
            }
            let title = m.monitor.name.clone();
            (
                title,
                serde_json::json!({ "monitor": m.monitor, "indicators": items }),
            )
        }
        "dashboard" => {
            let d = crate::dashboards::visible(state, ctx, id).await?;
            // The filter choice: `filters` (API) or the page's query string (`f.jaar=2024`).
            let chosen = match input.structured("filters") {
                Some(f) => f,
                None => crate::dashboards::chosen_filters(
                    &serde_urlencoded::from_str(&input.text("query")).unwrap_or_default(),
                ),
            };
            let content = crate::dashboards::evidence(state, &d, &chosen).await?;
            (d.name, content)
        }
        _ => {
            let i = state.store.indicator(&ctx.org.id, id).await?;
            let v = view(state, i).await?;
            let title = v.indicator.name.clone();
            (
                title,
                serde_json::json!({ "indicators": [indicator_evidence(state, ctx, &v).await?] }),
            )
        }
    };
    let note = input.finish(if note.chars().count() > 500 {
        Err(Invalid::one("note", "too_long", "ten hoogste 500 tekens"))
    } else {
        Ok(note.trim().to_string())
    })?;
    let content = serde_json::json!({
        "kind": kind,
        "organisation": { "name": ctx.org.name, "cbsCode": ctx.org.cbs_code },
        "takenAt": chrono::Utc::now().to_rfc3339(),
        "takenBy": ctx.user.email,
        "content": content,
    });
    let frozen = koers_core::snapshot::Frozen::of(&content);
    Ok(state
        .store
        .create_snapshot(
            &ctx.org.id,
            &koers_store::snapshots::NewSnapshot {
                subject_kind: kind,
                subject_id: id,
                title: &title,
                note: &note,
                content: &frozen,
            },
            &ctx.actor(),
        )
        .await?)
}

/// Whether the member may read snapshot `s`: the rules of what it froze. A dashboard's
/// snapshot follows the dashboard's sharing ([`crate::dashboards::may_open`], with the
/// organisation's `dashboards`); a monitor's or an indicator's is open to every member who
/// may read, as the monitor and indicator are.
fn may_read_snapshot(ctx: &Ctx, s: &Snapshot, dashboards: &[Dashboard]) -> bool {
    match s.subject_kind.as_str() {
        "dashboard" => {
            crate::dashboards::may_open(ctx, dashboards.iter().find(|d| d.id == s.subject_id))
        }
        _ => true,
    }
}

/// The snapshots the member may read (of one subject, or all of the organisation), newest
/// first; the others are left out.
pub async fn readable_snapshots(
    state: &AppState,
    ctx: &Ctx,
    subject_id: Option<&str>,
) -> Result<Vec<Snapshot>, AppError> {
    ctx.require(Permission::Read)?;
    let all = state.store.snapshots(&ctx.org.id, subject_id).await?;
    let dashboards = state.store.dashboards(&ctx.org.id).await?;
    Ok(all
        .into_iter()
        .filter(|s| may_read_snapshot(ctx, s, &dashboards))
        .collect())
}

/// One snapshot, if the member may read it; one they may not is not found, like another
/// organisation's.
pub async fn readable_snapshot(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<Snapshot, AppError> {
    ctx.require(Permission::Read)?;
    let s = state.store.snapshot(&ctx.org.id, id).await?;
    let dashboards = state.store.dashboards(&ctx.org.id).await?;
    if may_read_snapshot(ctx, &s, &dashboards) {
        Ok(s)
    } else {
        Err(AppError::NotFound)
    }
}

/// Whether a snapshot's stored bytes still have the hash they were taken with.
pub fn snapshot_intact(s: &koers_store::snapshots::Snapshot) -> bool {
    koers_core::snapshot::verify(&s.content_text, &s.content_hash)
}
