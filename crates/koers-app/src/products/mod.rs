//! Information products (M3): indicators defined on saved analyses, refreshing them
//! (running the analysis and caching the series, by hand or on a schedule), monitors that
//! follow indicators, and evidence snapshots ([`snapshots`]).
//!
//! Who may do what: every member who may read sees the organisation's indicators, monitors
//! and their key figures; analysts define, refresh, schedule and change them. Refreshes
//! without a person behind them (the scheduler, the command line) act for the deployment
//! through [`refresh_now`] and [`run_due_refreshes`].
//!
//! Staleness: a cached result is shown as stale when it was computed before its sources
//! last changed — the analysis' last edit, or the last import of a dataset its SQL names.

pub mod snapshots;

pub use koers_core::indicators::{Direction, Every, Grain, Light, Likely, Point, Trend};
pub use koers_store::catalog::Analysis;
pub use koers_store::indicators::{Indicator, Monitor, MonitorVersion};
pub use snapshots::{
    Snapshot, may_snapshot, readable_snapshot, readable_snapshots, snapshot_intact, take_snapshot,
};

use crate::analysis::run_saved_in;
use crate::results::Results;
use crate::{Error, Principal, Result, Workspace};
use koers_core::indicators::{
    IndicatorDraft, IndicatorInput, MonitorDraft, check_columns, headline, status, trend,
};
use koers_core::questions::ProductPage;
use koers_core::{FieldError, Invalid, Permission};
use koers_store::{Actor, StoreError};
use serde::Serialize;
use serde_json::Value;
use std::collections::BTreeMap;

use crate::Input;

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

/// The organisation's indicators (everyone who may read).
pub async fn indicators(ws: &Workspace, who: &Principal) -> Result<Vec<Indicator>> {
    who.require(Permission::Read)?;
    Ok(ws.store.indicators().indicators(&who.org.id).await?)
}

/// The organisation's monitors (everyone who may read).
pub async fn monitors(ws: &Workspace, who: &Principal) -> Result<Vec<Monitor>> {
    who.require(Permission::Read)?;
    Ok(ws.store.indicators().monitors(&who.org.id).await?)
}

/// What the overview of information products lists: indicators, monitors, and the saved
/// analyses an indicator can be defined on.
#[derive(Debug, Clone)]
pub struct Overview {
    /// The dashboards this member may open.
    pub dashboards: Vec<koers_store::dashboards::Dashboard>,
    pub indicators: Vec<Indicator>,
    pub monitors: Vec<Monitor>,
    pub analyses: Vec<Analysis>,
    /// What the analyses' columns mean, to offer them by their headings.
    pub labels: crate::catalog::OrgLabels,
}

/// The overview of the organisation's information products (everyone who may read).
pub async fn overview(ws: &Workspace, who: &Principal) -> Result<Overview> {
    who.require(Permission::Read)?;
    Ok(Overview {
        dashboards: crate::dashboards::list(ws, who).await?,
        indicators: ws.store.indicators().indicators(&who.org.id).await?,
        monitors: ws.store.indicators().monitors(&who.org.id).await?,
        analyses: crate::analysis::with_columns(ws, &who.org.id).await?,
        labels: crate::catalog::org_labels(ws, &who.org.id).await?,
    })
}

/// Defines an indicator on a saved analysis (analysts, data stewards and policy owners: no
/// SQL). Every problem is listed at once: the fields, whether the analysis is one of the
/// organisation's, and whether its result has the columns.
pub async fn create_indicator(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<Indicator> {
    who.require(Permission::DefineIndicators)?;
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
        match ws
            .store
            .catalog()
            .analysis(&who.org.id, raw.analysis_id.trim())
            .await
        {
            Ok(a) => match run_saved_in(ws, &who.org.id, &a.id, &BTreeMap::new()).await {
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
                Err(e) => errors.push(FieldError::new(
                    "analysisId",
                    "failed",
                    format!("de analyse kon niet worden uitgevoerd: {}", e.detail()),
                )),
            },
            Err(StoreError::NotFound) => errors.push(FieldError::new(
                "analysisId",
                "unknown",
                "kies een opgeslagen analyse van deze organisatie",
            )),
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
    Ok(ws
        .store
        .indicators()
        .create_indicator(&who.org.id, &d, &who.actor())
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
pub fn points_of(i: &Indicator, res: &Results) -> Result<Vec<Point>> {
    let col = |name: &str| {
        res.columns.iter().position(|c| c == name).ok_or_else(|| {
            Error::Unprocessable(format!(
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

/// Runs the indicator's analysis now and caches the series (who may define indicators).
pub async fn refresh(ws: &Workspace, who: &Principal, id: &str) -> Result<IndicatorView> {
    let i = readable_indicator(ws, who, id).await?;
    who.require(Permission::DefineIndicators)?;
    refresh_now(ws, &who.actor(), i).await
}

/// Runs an indicator's analysis, caches the series, and alerts when the light changed.
/// For callers without a signed-in person, who act for the deployment: the scheduler and
/// the command line (the demo and the bench).
pub async fn refresh_now(ws: &Workspace, actor: &Actor, i: Indicator) -> Result<IndicatorView> {
    let (_, out) = run_saved_in(ws, &i.org_id, &i.analysis_id, &BTreeMap::new()).await?;
    let res = Results::from_output(&out)?;
    let points = points_of(&i, &res)?;
    let series = headline(&points, i.grain);
    let latest = series.last().map(|(_, v)| *v);
    let light = latest.map(|v| status(v, &i.thresholds, i.direction));
    let previous = ws
        .store
        .indicators()
        .latest_indicator_result(&i)
        .await?
        .and_then(|r| r.status);
    ws.store
        .indicators()
        .save_indicator_result(&i, &points, latest, light, actor)
        .await?;
    if let Some(now) = light
        && koers_core::indicators::crossed(previous, light)
    {
        alert(ws, actor, &i, now, latest).await?;
    }
    view(ws, i).await
}

/// Tells who keeps the organisation's indicators (analysts, data stewards, policy owners) and
/// its board members that an indicator crossed a threshold (in koers, and by e-mail through
/// the outbox).
async fn alert(
    ws: &Workspace,
    actor: &Actor,
    i: &Indicator,
    now: Light,
    value: Option<f64>,
) -> Result<()> {
    let people: Vec<String> = ws
        .store
        .users()
        .members(&i.org_id)
        .await?
        .into_iter()
        .filter(|m| {
            koers_core::access::permitted(&m.roles, Permission::DefineIndicators)
                || koers_core::access::permitted(&m.roles, Permission::DecideAsBoard)
        })
        .map(|m| m.user.id)
        .collect();
    let shown = value.map(|v| format!("{v} {}", i.unit)).unwrap_or_default();
    ws.store
        .notifications()
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

/// Sets how often an indicator refreshes by itself (`manual`, `hourly`, `daily`, `weekly`;
/// who may define indicators). Returns the schedule and when it is next due, `None` for
/// manual.
pub async fn schedule(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Option<(Every, String)>> {
    let i = readable_indicator(ws, who, id).await?;
    who.require(Permission::DefineIndicators)?;
    let every = input.text("every");
    let every = input.finish(Every::parse(&every))?;
    Ok(ws
        .store
        .indicators()
        .set_indicator_schedule(&i, every, &who.actor())
        .await?)
}

/// Refreshes every indicator whose scheduled refresh is due at `now` (each claimed by one
/// process only); a failure is logged and the indicator tried again at its next turn.
/// Returns how many were refreshed.
pub async fn run_due_refreshes(ws: &Workspace, now: chrono::DateTime<chrono::Utc>) -> usize {
    let due = match ws.store.indicators().claim_due_indicators(now).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!("scheduled refresh: {e}");
            return 0;
        }
    };
    let actor = crate::scheduler::actor();
    let mut done = 0;
    for i in due {
        let (id, name) = (i.id.clone(), i.name.clone());
        match refresh_now(ws, &actor, i).await {
            Ok(_) => done += 1,
            Err(e) => tracing::warn!("scheduled refresh of {name} ({id}): {e}"),
        }
    }
    done
}

/// One period of the headline series.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SeriesPoint {
    pub period: String,
    pub value: f64,
}

/// An indicator's definition as it is shown and frozen (in a key figure widget's data and
/// in snapshots).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorDefinition {
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

impl From<&Indicator> for IndicatorDefinition {
    fn from(i: &Indicator) -> Self {
        IndicatorDefinition {
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
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorView {
    pub indicator: IndicatorDefinition,
    /// The value of the latest period; absent before the first refresh or without data.
    pub value: Option<f64>,
    pub period: Option<String>,
    pub status: Option<Light>,
    pub trend: Option<Trend>,
    /// The headline series: per period, the sum over regions.
    pub series: Vec<SeriesPoint>,
    /// Every value read, with its region.
    pub points: Vec<Point>,
    pub computed_at: Option<String>,
    /// The cached result is older than the analysis' last change or its datasets' last import.
    pub stale: bool,
}

/// An indicator of the organisation, for a member who may read.
async fn readable_indicator(ws: &Workspace, who: &Principal, id: &str) -> Result<Indicator> {
    who.require(Permission::Read)?;
    Ok(ws.store.indicators().indicator(&who.org.id, id).await?)
}

/// A monitor of the organisation, for a member who may read.
async fn readable_monitor(ws: &Workspace, who: &Principal, id: &str) -> Result<Monitor> {
    who.require(Permission::Read)?;
    Ok(ws.store.indicators().monitor(&who.org.id, id).await?)
}

/// The key figure of an indicator from its latest cached result.
pub(crate) async fn view(ws: &Workspace, i: Indicator) -> Result<IndicatorView> {
    let res = ws.store.indicators().latest_indicator_result(&i).await?;
    let changed = ws.store.indicators().sources_changed_at(&i).await?;
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

/// One indicator with its key figure (everyone who may read).
pub async fn indicator(ws: &Workspace, who: &Principal, id: &str) -> Result<IndicatorView> {
    let i = readable_indicator(ws, who, id).await?;
    view(ws, i).await
}

/// What an indicator's page shows: its key figure, the analysis it is defined on, and its
/// schedule with when it is next due (`None` for manual).
#[derive(Debug, Clone)]
pub struct IndicatorDetails {
    pub view: IndicatorView,
    pub analysis: Analysis,
    pub schedule: Option<(Every, String)>,
}

/// An indicator with its analysis and schedule (everyone who may read).
pub async fn indicator_details(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<IndicatorDetails> {
    let i = readable_indicator(ws, who, id).await?;
    let analysis = ws
        .store
        .catalog()
        .analysis(&who.org.id, &i.analysis_id)
        .await?;
    let schedule = ws.store.indicators().indicator_schedule(&i).await?;
    Ok(IndicatorDetails {
        view: view(ws, i).await?,
        analysis,
        schedule,
    })
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

/// A monitor with the key figures of its indicators in order.
#[derive(Debug, Clone)]
pub struct MonitorView {
    pub monitor: Monitor,
    pub indicators: Vec<IndicatorView>,
}

/// A monitor with its key figures (everyone who may read).
pub async fn monitor_view(ws: &Workspace, who: &Principal, id: &str) -> Result<MonitorView> {
    let m = readable_monitor(ws, who, id).await?;
    let mut indicators = Vec::new();
    for i in &m.indicator_ids {
        let i = ws.store.indicators().indicator(&who.org.id, i).await?;
        indicators.push(view(ws, i).await?);
    }
    Ok(MonitorView {
        monitor: m,
        indicators,
    })
}

/// Every saved version of a monitor, newest first (everyone who may read).
pub async fn monitor_versions(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<Vec<MonitorVersion>> {
    let m = readable_monitor(ws, who, id).await?;
    Ok(ws.store.indicators().monitor_versions(&m).await?)
}

/// What a monitor's page shows: the monitor with its key figures, its versions (newest
/// first), and the organisation's indicators to compose it from.
#[derive(Debug, Clone)]
pub struct MonitorDetails {
    pub view: MonitorView,
    pub versions: Vec<MonitorVersion>,
    pub indicators: Vec<Indicator>,
}

/// A monitor with its history and the indicators to choose from (everyone who may read).
pub async fn monitor_details(ws: &Workspace, who: &Principal, id: &str) -> Result<MonitorDetails> {
    let view = monitor_view(ws, who, id).await?;
    Ok(MonitorDetails {
        versions: ws
            .store
            .indicators()
            .monitor_versions(&view.monitor)
            .await?,
        indicators: ws.store.indicators().indicators(&who.org.id).await?,
        view,
    })
}

/// Composes a monitor from the organisation's indicators (analysts).
pub async fn create_monitor(ws: &Workspace, who: &Principal, mut input: Input) -> Result<Monitor> {
    who.require(Permission::Analyse)?;
    let d = monitor_draft(&mut input);
    let d = input.finish(d)?;
    ws.store
        .indicators()
        .create_monitor(&who.org.id, &d, &who.actor())
        .await
        .map_err(unknown_indicators)
}

fn monitor_draft(input: &mut Input) -> std::result::Result<MonitorDraft, Invalid> {
    let name = input.text("name");
    let description = input.text("description");
    let ids = input.texts("indicatorIds");
    MonitorDraft::parse(&name, &description, &ids)
}

/// Another organisation's (or no) indicator in a monitor is a problem of the field.
fn unknown_indicators(e: StoreError) -> Error {
    match e {
        StoreError::NotFound => Error::Invalid(Invalid::one(
            "indicatorIds",
            "unknown",
            "kies indicatoren van deze organisatie",
        )),
        other => other.into(),
    }
}

/// Saves a new version of a monitor (analysts): name, description, indicators in order, and
/// `version`, the version the change was made from (a stale one is refused as a conflict).
pub async fn save_monitor(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Monitor> {
    let m = readable_monitor(ws, who, id).await?;
    who.require(Permission::Analyse)?;
    let base = input.text("version");
    let note = input.text("note");
    let d = monitor_draft(&mut input);
    let base: Option<i64> = base.trim().parse().ok();
    let d = input.finish(match (d, base) {
        (Ok(d), Some(_)) => Ok(d),
        (d, _) => {
            let mut errors = d.err().map(|i| i.0).unwrap_or_default();
            if base.is_none() {
                errors.push(FieldError::new(
                    "version",
                    "required",
                    "geef de versie waarop de wijziging is gemaakt",
                ));
            }
            Err(Invalid(errors))
        }
    })?;
    let note = koers_core::dashboards::long_text("note", &note, 500)?;
    ws.store
        .indicators()
        .save_monitor(&m, base.unwrap_or(m.version), &d, &note, &who.actor())
        .await
        .map_err(unknown_indicators)
}

/// Brings back an older version of a monitor as a new version (analysts). Indicators that
/// no longer exist are left out.
pub async fn restore_monitor(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    version: i64,
) -> Result<Monitor> {
    let m = readable_monitor(ws, who, id).await?;
    who.require(Permission::Analyse)?;
    let old = ws
        .store
        .indicators()
        .monitor_versions(&m)
        .await?
        .into_iter()
        .find(|v| v.version == version)
        .ok_or(Error::NotFound)?;
    let mut ids = Vec::new();
    for i in old.indicator_ids {
        if ws
            .store
            .indicators()
            .indicator(&who.org.id, &i)
            .await
            .is_ok()
        {
            ids.push(i);
        }
    }
    let d = MonitorDraft::parse(&old.name, &old.description, &ids)?;
    let note = format!("versie {version} teruggezet");
    Ok(ws
        .store
        .indicators()
        .save_monitor(&m, m.version, &d, &note, &who.actor())
        .await?)
}

/// The dataset versions an SQL text reads now, each as `name@version` to query it again.
pub(crate) async fn versions_read(ws: &Workspace, org_id: &str, sql: &str) -> Result<Vec<Value>> {
    Ok(ws
        .store
        .indicators()
        .versions_read_by(org_id, sql)
        .await?
        .into_iter()
        .map(|(name, version, id)| serde_json::json!({ "dataset": name, "version": version, "versionId": id, "query": format!("{name}@{version}") }))
        .collect())
}

/// The name of an information product of organisation `org_id`, by the kind of its page:
/// how a question's evidence and a project's deliverables name what they point at.
pub(crate) async fn name_of(
    ws: &Workspace,
    org_id: &str,
    page: ProductPage,
    id: &str,
) -> std::result::Result<String, StoreError> {
    let s = &ws.store;
    match page {
        ProductPage::Analysis => s.catalog().analysis(org_id, id).await.map(|a| a.title),
        ProductPage::Dashboard => s.dashboards().dashboard(org_id, id).await.map(|d| d.name),
        ProductPage::Monitor => s.indicators().monitor(org_id, id).await.map(|m| m.name),
        ProductPage::Indicator => s.indicators().indicator(org_id, id).await.map(|i| i.name),
        // What it froze, and why when that was said ("Monitor wegen (GS 12 maart)").
        ProductPage::Snapshot => {
            s.snapshots()
                .snapshot(org_id, id)
                .await
                .map(|x| match x.note.trim() {
                    "" => x.title,
                    note => format!("{} ({note})", x.title),
                })
        }
    }
}
