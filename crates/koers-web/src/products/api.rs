//! `/indicators`, `/monitors` and `/snapshots`: information products (M3) through the API.
//! Each handler reads the request, calls one use case of [`koers_app::products`] and
//! answers with its `*Out` type.

use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{JsonReply, Reply};
use crate::input::{Input, JsonInput};
use crate::schedules::{ScheduleIn, ScheduleOut};
use crate::schema;
use crate::snapshots::{SnapshotOut, snapshot_of, snapshot_out};
use crate::state::AppState;
use axum::extract::Path;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::products::{
    self as products, Direction, Grain, Indicator, IndicatorDefinition, Light, MonitorVersion,
    Point, Trend,
};
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/indicators" => get(list_indicators).post(add_indicator),
        "/indicators/{indicator_id}" => get(get_indicator),
        "/indicators/{indicator_id}/refresh" => post(refresh_indicator),
        "/monitors" => get(list_monitors).post(add_monitor),
        "/monitors/{monitor_id}" => get(get_monitor).put(update_monitor),
        "/monitors/{monitor_id}/versions" => get(list_monitor_versions),
        "/monitors/{monitor_id}/versions/{version}/restore" => post(restore_monitor_version),
        "/monitors/{monitor_id}/snapshots" => post(snapshot_monitor),
        "/indicators/{indicator_id}/snapshots" => post(snapshot_indicator),
        "/indicators/{indicator_id}/schedule" => put(set_schedule),
        "/snapshots" => get(list_snapshots),
        "/snapshots/{snapshot_id}" => get(get_snapshot),
        "/snapshots/{snapshot_id}/content" => get(get_snapshot_content),
    }
}

/// A new indicator on one of the organisation's saved analyses.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IndicatorIn {
    pub name: String,
    pub description: Option<String>,
    pub unit: String,
    pub analysis_id: String,
    /// The result column that holds the period.
    pub period_column: String,
    /// The result column that holds the measure.
    pub value_column: String,
    pub region_column: Option<String>,
    /// day, week, month, quarter or year.
    pub grain: String,
    /// up (higher is better) or down.
    pub direction: String,
    pub target: Option<f64>,
    pub green_threshold: f64,
    pub amber_threshold: f64,
}

/// A new monitor: indicators in the order shown.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorIn {
    pub name: String,
    pub description: Option<String>,
    pub indicator_ids: Vec<String>,
}

/// A JSON body in which these numbers may be given as numbers or as text.
fn numbers_as_text(input: Input, fields: &[&str]) -> Input {
    let mut all = input.fields().clone();
    for f in fields {
        if let Some(Value::Number(n)) = all.get(*f) {
            let s = n.to_string();
            all.insert((*f).to_string(), Value::String(s));
        }
    }
    Input::from_object(all)
}

/// The organisation's indicators.
#[utoipa::path(get, path = "/indicators", tag = "informatieproducten", responses((status = 200, description = "Indicatoren", body = Vec<IndicatorOut>)))]
pub async fn list_indicators(ctx: Ctx) -> JsonReply<Vec<IndicatorOut>> {
    let all = products::indicators(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&all)))
}

/// Define an indicator on a saved analysis (analysts, data stewards and policy owners); every
/// problem is listed per field.
#[utoipa::path(post, path = "/indicators", tag = "informatieproducten", request_body = IndicatorIn, responses((status = 201, description = "Gedefinieerd", body = IndicatorOut)))]
pub async fn add_indicator(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let input = numbers_as_text(input, &["target", "greenThreshold", "amberThreshold"]);
    let i = products::create_indicator(ctx.ws(), &ctx.who, input).await?;
    Ok(created(IndicatorOut::from(&i)))
}

/// An indicator with its latest cached result: value, status, trend, series, staleness.
#[utoipa::path(get, path = "/indicators/{indicatorId}", tag = "informatieproducten", params(("indicatorId" = String, Path, description = "Id van de indicator")),
    responses((status = 200, description = "De indicator", body = IndicatorView)))]
pub async fn get_indicator(ctx: Ctx, Path(id): Path<String>) -> JsonReply<IndicatorView> {
    Ok(Json(
        products::indicator(ctx.ws(), &ctx.who, &id).await?.into(),
    ))
}

/// Recompute an indicator now: run its analysis and cache the series (who may define indicators).
#[utoipa::path(post, path = "/indicators/{indicatorId}/refresh", tag = "informatieproducten", params(("indicatorId" = String, Path, description = "Id van de indicator")),
    responses((status = 200, description = "Ververst", body = IndicatorView)))]
pub async fn refresh_indicator(ctx: Ctx, Path(id): Path<String>) -> JsonReply<IndicatorView> {
    Ok(Json(
        products::refresh(ctx.ws(), &ctx.who, &id).await?.into(),
    ))
}

/// The organisation's monitors.
#[utoipa::path(get, path = "/monitors", tag = "informatieproducten", responses((status = 200, description = "Monitoren", body = Vec<MonitorOut>)))]
pub async fn list_monitors(ctx: Ctx) -> JsonReply<Vec<MonitorOut>> {
    let all = products::monitors(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&all)))
}

/// Compose a monitor from the organisation's indicators (analysts).
#[utoipa::path(post, path = "/monitors", tag = "informatieproducten", request_body = MonitorIn, responses((status = 201, description = "Samengesteld", body = MonitorOut)))]
pub async fn add_monitor(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let m = products::create_monitor(ctx.ws(), &ctx.who, input).await?;
    Ok(created(MonitorOut::from(&m)))
}

/// A monitor with the key figures of its indicators.
#[utoipa::path(get, path = "/monitors/{monitorId}", tag = "informatieproducten", params(("monitorId" = String, Path, description = "Id van de monitor")),
    responses((status = 200, description = "De monitor", body = MonitorView)))]
pub async fn get_monitor(ctx: Ctx, Path(id): Path<String>) -> JsonReply<MonitorView> {
    Ok(Json(
        products::monitor_view(ctx.ws(), &ctx.who, &id)
            .await?
            .into(),
    ))
}

/// A save of a monitor: everything, on top of the version it was made from.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MonitorSaveIn {
    /// The version this change was made from; 409 when someone saved in between.
    pub version: i64,
    pub name: String,
    pub description: Option<String>,
    pub indicator_ids: Vec<String>,
    /// Why (shown in the history).
    pub note: Option<String>,
}

/// Save a new version of a monitor (analysts).
#[utoipa::path(put, path = "/monitors/{monitorId}", tag = "informatieproducten", params(("monitorId" = String, Path, description = "Id van de monitor")),
    request_body = MonitorSaveIn,
    responses((status = 200, description = "Opgeslagen als nieuwe versie", body = MonitorOut), (status = 409, description = "Intussen door iemand anders opgeslagen")))]
pub async fn update_monitor(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<MonitorOut> {
    let input = numbers_as_text(input, &["version"]);
    let m = products::save_monitor(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&m).into()))
}

/// Every saved version of a monitor, newest first.
#[utoipa::path(get, path = "/monitors/{monitorId}/versions", tag = "informatieproducten", params(("monitorId" = String, Path, description = "Id van de monitor")),
    responses((status = 200, description = "Versies", body = Vec<MonitorVersionOut>)))]
pub async fn list_monitor_versions(
    ctx: Ctx,
    Path(id): Path<String>,
) -> JsonReply<Vec<MonitorVersionOut>> {
    let all = products::monitor_versions(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(all)))
}

/// Bring back an older version of a monitor as a new version (analysts).
#[utoipa::path(post, path = "/monitors/{monitorId}/versions/{version}/restore", tag = "informatieproducten",
    params(("monitorId" = String, Path, description = "Id van de monitor"), ("version" = i64, Path, description = "Versienummer")),
    responses((status = 200, description = "Teruggezet als nieuwe versie", body = MonitorOut)))]
pub async fn restore_monitor_version(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> JsonReply<MonitorOut> {
    Ok(Json(
        (&products::restore_monitor(ctx.ws(), &ctx.who, &id, version).await?).into(),
    ))
}

/// Why a snapshot is taken.
#[derive(ToSchema)]
pub struct SnapshotIn {
    /// For example the meeting it is for (at most 500 characters).
    pub note: Option<String>,
}

/// Freeze what a monitor shows now (analysts and board members).
#[utoipa::path(post, path = "/monitors/{monitorId}/snapshots", tag = "informatieproducten", params(("monitorId" = String, Path, description = "Id van de monitor")),
    request_body = SnapshotIn, responses((status = 201, description = "Vastgelegd", body = SnapshotOut)))]
pub async fn snapshot_monitor(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    snapshot_of(&ctx, "monitor", &id, input).await
}

/// Freeze what an indicator shows now (analysts and board members).
#[utoipa::path(post, path = "/indicators/{indicatorId}/snapshots", tag = "informatieproducten", params(("indicatorId" = String, Path, description = "Id van de indicator")),
    request_body = SnapshotIn, responses((status = 201, description = "Vastgelegd", body = SnapshotOut)))]
pub async fn snapshot_indicator(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    snapshot_of(&ctx, "indicator", &id, input).await
}

/// The organisation's snapshots, newest first.
#[utoipa::path(get, path = "/snapshots", tag = "informatieproducten",
    responses((status = 200, description = "Momentopnamen", body = Vec<SnapshotOut>)))]
pub async fn list_snapshots(ctx: Ctx) -> JsonReply<Vec<SnapshotOut>> {
    let all = products::readable_snapshots(ctx.ws(), &ctx.who, None).await?;
    Ok(Json(
        all.into_iter().map(|s| snapshot_out(s, false)).collect(),
    ))
}

/// One snapshot with its content, and whether its hash still holds.
#[utoipa::path(get, path = "/snapshots/{snapshotId}", tag = "informatieproducten", params(("snapshotId" = String, Path, description = "Id van de momentopname")),
    responses((status = 200, description = "De momentopname", body = SnapshotOut)))]
pub async fn get_snapshot(ctx: Ctx, Path(id): Path<String>) -> JsonReply<SnapshotOut> {
    Ok(Json(snapshot_out(
        products::readable_snapshot(ctx.ws(), &ctx.who, &id).await?,
        true,
    )))
}

/// A snapshot's content exactly as it was frozen and hashed: the SHA-256 of these bytes is
/// the snapshot's `contentHash` (`sha256sum` checks it without koers).
#[utoipa::path(get, path = "/snapshots/{snapshotId}/content", tag = "informatieproducten", params(("snapshotId" = String, Path, description = "Id van de momentopname")),
    responses((status = 200, description = "De bevroren inhoud, byte voor byte zoals gehasht", content_type = "application/json", body = Object)))]
pub async fn get_snapshot_content(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let s = products::readable_snapshot(ctx.ws(), &ctx.who, &id).await?;
    Ok(([(header::CONTENT_TYPE, "application/json")], s.content_text).into_response())
}

/// Set how often the indicator refreshes by itself (who may define indicators). A refresh that moves it to
/// another light alerts those who may define indicators and the board members.
#[utoipa::path(put, path = "/indicators/{indicatorId}/schedule", tag = "informatieproducten", params(("indicatorId" = String, Path, description = "Id van de indicator")),
    request_body = ScheduleIn, responses((status = 200, description = "Schema opgeslagen", body = ScheduleOut)))]
pub async fn set_schedule(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ScheduleOut> {
    let s = products::schedule(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(ScheduleOut::from(s)))
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
    #[schema(value_type = schema::Grain)]
    pub grain: Grain,
    #[schema(value_type = schema::Direction)]
    pub direction: Direction,
    pub target: Option<f64>,
    pub green_threshold: f64,
    pub amber_threshold: f64,
}

impl From<IndicatorDefinition> for IndicatorOut {
    fn from(i: IndicatorDefinition) -> Self {
        IndicatorOut {
            id: i.id,
            name: i.name,
            description: i.description,
            unit: i.unit,
            analysis_id: i.analysis_id,
            period_column: i.period_column,
            value_column: i.value_column,
            region_column: i.region_column,
            grain: i.grain,
            direction: i.direction,
            target: i.target,
            green_threshold: i.green_threshold,
            amber_threshold: i.amber_threshold,
        }
    }
}

impl From<&Indicator> for IndicatorOut {
    fn from(i: &Indicator) -> Self {
        IndicatorDefinition::from(i).into()
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
    #[schema(value_type = Option<schema::Light>)]
    pub status: Option<Light>,
    #[schema(value_type = Option<schema::Trend>)]
    pub trend: Option<Trend>,
    /// The headline series: per period, the sum over regions.
    pub series: Vec<SeriesPoint>,
    /// Every value read, with its region.
    #[schema(value_type = Vec<schema::Point>)]
    pub points: Vec<Point>,
    #[schema(format = DateTime)]
    pub computed_at: Option<String>,
    /// The cached result is older than the analysis' last change or its datasets' last import.
    pub stale: bool,
}

impl From<products::IndicatorView> for IndicatorView {
    fn from(v: products::IndicatorView) -> Self {
        IndicatorView {
            indicator: v.indicator.into(),
            value: v.value,
            period: v.period,
            status: v.status,
            trend: v.trend,
            series: v
                .series
                .into_iter()
                .map(|s| SeriesPoint {
                    period: s.period,
                    value: s.value,
                })
                .collect(),
            points: v.points,
            computed_at: v.computed_at,
            stale: v.stale,
        }
    }
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

impl From<&products::Monitor> for MonitorOut {
    fn from(m: &products::Monitor) -> Self {
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

impl From<MonitorVersion> for MonitorVersionOut {
    fn from(v: MonitorVersion) -> Self {
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

impl From<products::MonitorView> for MonitorView {
    fn from(m: products::MonitorView) -> Self {
        MonitorView {
            monitor: (&m.monitor).into(),
            indicators: outs(m.indicators),
        }
    }
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_indicators,
    add_indicator,
    get_indicator,
    refresh_indicator,
    list_monitors,
    add_monitor,
    get_monitor,
    update_monitor,
    list_monitor_versions,
    restore_monitor_version,
    snapshot_monitor,
    snapshot_indicator,
    set_schedule,
    list_snapshots,
    get_snapshot,
    get_snapshot_content,
))]
pub struct Doc;
