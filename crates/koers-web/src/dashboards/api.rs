//! `/dashboards`: dashboards (M3) through the API — definitions saved as versions (a save
//! names the version it was made from; a stale save is refused with 409), their data per
//! filter choice from the cache, refresh, history with comparison and restore, sharing.
//! Each handler reads the request, calls one use case of [`koers_app::dashboards`] and
//! answers with its `*Out` type.

use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::schedules::{ScheduleIn, ScheduleOut};
use crate::schema;
use crate::snapshots::{SnapshotOut, snapshot_of};
use crate::state::AppState;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::dashboards::{
    self as dashboards, Change, Dashboard, DashboardVersion, Definition, Visibility, Widget,
    chosen_filters,
};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/dashboards" => get(list_dashboards).post(add_dashboard),
        "/dashboards/{dashboard_id}" =>
            get(get_dashboard).put(save_dashboard).delete(delete_dashboard),
        "/dashboards/{dashboard_id}/data" => get(dashboard_data),
        "/dashboards/{dashboard_id}/refresh" => post(refresh_dashboard),
        "/dashboards/{dashboard_id}/restore" => post(restore_deleted_dashboard),
        "/dashboards/{dashboard_id}/sharing" => put(share_dashboard),
        "/dashboards/{dashboard_id}/schedule" => put(schedule_dashboard),
        "/dashboards/{dashboard_id}/versions" => get(list_dashboard_versions),
        "/dashboards/{dashboard_id}/versions/{version}" => get(get_dashboard_version),
        "/dashboards/{dashboard_id}/versions/{version}/restore" => post(restore_dashboard_version),
        "/dashboards/{dashboard_id}/changes" => get(compare_dashboard_versions),
        "/dashboards/{dashboard_id}/snapshots" => post(snapshot_dashboard),
    }
}

/// A dashboard with its current definition.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DashboardOut {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner_id: String,
    #[schema(value_type = schema::Visibility)]
    pub visibility: Visibility,
    /// The roles that see it (with visibility roles or public).
    pub shared_roles: Vec<String>,
    /// The public page, while public.
    pub public_path: Option<String>,
    /// The embed page, while public.
    pub embed_path: Option<String>,
    pub version: i64,
    #[schema(value_type = schema::Definition)]
    pub definition: Definition,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Dashboard> for DashboardOut {
    fn from(d: &Dashboard) -> Self {
        DashboardOut {
            id: d.id.clone(),
            name: d.name.clone(),
            description: d.description.clone(),
            owner_id: d.owner_id.clone(),
            visibility: d.visibility,
            shared_roles: d.shared_roles.iter().map(|r| r.as_str().into()).collect(),
            public_path: d.public_token.as_ref().map(|t| format!("/openbaar/{t}")),
            embed_path: d.public_token.as_ref().map(|t| format!("/embed/{t}")),
            version: d.version,
            definition: d.definition.clone(),
            created_at: d.created_at.clone(),
            updated_at: d.updated_at.clone(),
        }
    }
}

/// One saved version.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct VersionOut {
    pub version: i64,
    pub name: String,
    pub description: String,
    #[schema(value_type = schema::Definition)]
    pub definition: Definition,
    pub note: String,
    pub saved_by: String,
    #[schema(format = DateTime)]
    pub saved_at: String,
}

impl From<DashboardVersion> for VersionOut {
    fn from(v: DashboardVersion) -> Self {
        VersionOut {
            version: v.version,
            name: v.name,
            description: v.description,
            definition: v.definition,
            note: v.note,
            saved_by: v.saved_by,
            saved_at: v.saved_at,
        }
    }
}

/// One widget with its data as shown.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct WidgetData {
    #[schema(value_type = schema::Widget)]
    pub widget: Widget,
    /// The data behind the widget (absent for text): for analyses `columns`, `rows`,
    /// `geometryColumn`, `truncated`, `level` and `drilled`; for a key figure the indicator's
    /// view; `error` when it could not be computed.
    #[schema(value_type = Option<Object>)]
    pub data: Option<Value>,
    #[schema(format = DateTime)]
    pub computed_at: Option<String>,
    /// Computed before a source (analysis or dataset) last changed.
    pub stale: bool,
    /// The chosen filters that reach this widget, with their values.
    #[schema(value_type = Vec<schema::AppliedFilter>)]
    pub applied: Vec<koers_app::dashboards::Applied>,
    /// The labels of chosen filters that do not reach this widget.
    pub unfiltered: Vec<String>,
    /// Where its figures come from: the analysis' title, or the indicator's name.
    pub source: Option<String>,
}

/// A dashboard's widgets for one filter choice.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Board {
    /// The filter values that apply (chosen or default).
    pub filters: BTreeMap<String, String>,
    pub widgets: Vec<WidgetData>,
}

impl From<dashboards::Board> for Board {
    fn from(b: dashboards::Board) -> Self {
        Board {
            filters: b.filters,
            widgets: b
                .widgets
                .into_iter()
                .map(|w| WidgetData {
                    widget: w.widget,
                    data: w.data,
                    computed_at: w.computed_at,
                    stale: w.stale,
                    applied: w.applied,
                    unfiltered: w.unfiltered,
                    source: w.source,
                })
                .collect(),
        }
    }
}

/// A new dashboard.
#[derive(ToSchema)]
pub struct DashboardIn {
    pub name: String,
    pub description: Option<String>,
    /// Widgets and filters; empty when left out. Widget ids are given by koers.
    #[schema(value_type = Option<schema::Definition>)]
    pub definition: Option<Definition>,
}

/// A save: the whole definition, on top of the version it was made from.
#[derive(ToSchema)]
pub struct DashboardSaveIn {
    /// The version this change was made from; 409 when someone saved in between.
    pub version: i64,
    pub name: String,
    pub description: Option<String>,
    #[schema(value_type = Option<schema::Definition>)]
    pub definition: Option<Definition>,
    /// Why (shown in the history).
    pub note: Option<String>,
}

/// Who may see a dashboard.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharingIn {
    /// private, roles or public.
    pub visibility: String,
    /// Roles that see it (viewer, analyst, data_steward, policy_owner, board_member, administrator).
    pub roles: Option<Vec<String>>,
    /// Replace the public link by a new one (the old one stops working).
    pub new_link: Option<bool>,
}

/// The versions to compare.
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompareQuery {
    /// The older version.
    pub from: Option<i64>,
    /// The newer version.
    pub to: Option<i64>,
}

/// The organisation's dashboards this member may open.
#[utoipa::path(get, path = "/dashboards", tag = "informatieproducten", responses((status = 200, description = "Dashboards", body = Vec<DashboardOut>)))]
pub async fn list_dashboards(ctx: Ctx) -> JsonReply<Vec<DashboardOut>> {
    let all = dashboards::list(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&all)))
}

/// Make a dashboard (analysts); it starts private to its maker.
#[utoipa::path(post, path = "/dashboards", tag = "informatieproducten", request_body = DashboardIn, responses((status = 201, description = "Gemaakt", body = DashboardOut)))]
pub async fn add_dashboard(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let d = dashboards::create(ctx.ws(), &ctx.who, input).await?;
    Ok(created(DashboardOut::from(&d)))
}

/// A dashboard with its current definition.
#[utoipa::path(get, path = "/dashboards/{dashboardId}", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    responses((status = 200, description = "Het dashboard", body = DashboardOut)))]
pub async fn get_dashboard(ctx: Ctx, Path(id): Path<String>) -> JsonReply<DashboardOut> {
    Ok(Json(
        (&dashboards::visible(ctx.ws(), &ctx.who, &id).await?).into(),
    ))
}

/// Save a new version (analysts): the whole definition, made from `version`.
#[utoipa::path(put, path = "/dashboards/{dashboardId}", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    request_body = DashboardSaveIn,
    responses((status = 200, description = "Opgeslagen als nieuwe versie", body = DashboardOut), (status = 409, description = "Intussen door iemand anders opgeslagen")))]
pub async fn save_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<DashboardOut> {
    let d = dashboards::replace(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&d).into()))
}

/// Delete a dashboard (analysts); for 30 days it can be restored.
#[utoipa::path(delete, path = "/dashboards/{dashboardId}", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    responses((status = 204, description = "Verwijderd (30 dagen terug te zetten)")))]
pub async fn delete_dashboard(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    dashboards::delete(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Undo the deletion of a dashboard (analysts), within 30 days of it.
#[utoipa::path(post, path = "/dashboards/{dashboardId}/restore", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het verwijderde dashboard")),
    responses((status = 200, description = "Teruggezet", body = DashboardOut), (status = 404, description = "Geen verwijderd dashboard met dit id")))]
pub async fn restore_deleted_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
) -> JsonReply<DashboardOut> {
    let d = dashboards::undelete(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&d).into()))
}

/// The widgets' data for a filter choice, from the cache (what is missing is computed and
/// cached). Every query parameter is a filter choice: `?jaar=2024&provincie=PV26`.
#[utoipa::path(get, path = "/dashboards/{dashboardId}/data", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    responses((status = 200, description = "De onderdelen met hun gegevens", body = Board)))]
pub async fn dashboard_data(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> JsonReply<Board> {
    let (_, b) = dashboards::data(ctx.ws(), &ctx.who, &id, &q).await?;
    Ok(Json(b.into()))
}

/// Compute every widget again for a filter choice (analysts); query as for the data.
#[utoipa::path(post, path = "/dashboards/{dashboardId}/refresh", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    responses((status = 200, description = "Ververst", body = Board)))]
pub async fn refresh_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<BTreeMap<String, String>>,
) -> JsonReply<Board> {
    let chosen = if q.keys().any(|k| k.starts_with("f.")) {
        chosen_filters(&q)
    } else {
        q
    };
    Ok(Json(
        dashboards::refresh(ctx.ws(), &ctx.who, &id, &chosen)
            .await?
            .into(),
    ))
}

/// Set who may see a dashboard (analysts); public gives a link without login.
#[utoipa::path(put, path = "/dashboards/{dashboardId}/sharing", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    request_body = SharingIn,
    responses((status = 200, description = "Gedeeld", body = DashboardOut)))]
pub async fn share_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<DashboardOut> {
    let d = dashboards::share(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&d).into()))
}

/// Every saved version, newest first.
#[utoipa::path(get, path = "/dashboards/{dashboardId}/versions", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    responses((status = 200, description = "Versies", body = Vec<VersionOut>)))]
pub async fn list_dashboard_versions(
    ctx: Ctx,
    Path(id): Path<String>,
) -> JsonReply<Vec<VersionOut>> {
    let all = dashboards::versions(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(all)))
}

/// One saved version.
#[utoipa::path(get, path = "/dashboards/{dashboardId}/versions/{version}", tag = "informatieproducten",
    params(("dashboardId" = String, Path, description = "Id van het dashboard"), ("version" = i64, Path, description = "Versienummer")),
    responses((status = 200, description = "De versie", body = VersionOut)))]
pub async fn get_dashboard_version(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> JsonReply<VersionOut> {
    Ok(Json(
        dashboards::version(ctx.ws(), &ctx.who, &id, version)
            .await?
            .into(),
    ))
}

/// Bring back an older version as a new version (analysts).
#[utoipa::path(post, path = "/dashboards/{dashboardId}/versions/{version}/restore", tag = "informatieproducten",
    params(("dashboardId" = String, Path, description = "Id van het dashboard"), ("version" = i64, Path, description = "Versienummer")),
    responses((status = 200, description = "Teruggezet als nieuwe versie", body = DashboardOut)))]
pub async fn restore_dashboard_version(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> JsonReply<DashboardOut> {
    Ok(Json(
        (&dashboards::restore(ctx.ws(), &ctx.who, &id, version).await?).into(),
    ))
}

/// What changed between two versions: widgets and filters added, removed, changed, moved.
#[utoipa::path(get, path = "/dashboards/{dashboardId}/changes", tag = "informatieproducten",
    params(("dashboardId" = String, Path, description = "Id van het dashboard"), CompareQuery),
    responses((status = 200, description = "Verschillen", body = Vec<schema::Change>)))]
pub async fn compare_dashboard_versions(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<CompareQuery>,
) -> JsonReply<Vec<Change>> {
    match (q.from, q.to) {
        (Some(from), Some(to)) => Ok(Json(
            dashboards::changes(ctx.ws(), &ctx.who, &id, from, to).await?,
        )),
        _ => {
            dashboards::visible(ctx.ws(), &ctx.who, &id).await?;
            Err(AppError::BadRequest(
                "geef de versies om te vergelijken: from en to".into(),
            ))
        }
    }
}

/// Why a dashboard snapshot is taken, and for which filter choice.
#[derive(ToSchema)]
pub struct DashboardSnapshotIn {
    /// For example the meeting it is for (at most 500 characters).
    pub note: Option<String>,
    /// The filter choice (default values for the rest), e.g. `{"jaar": "2024"}`.
    pub filters: Option<BTreeMap<String, String>>,
}

/// Freeze what a dashboard shows now for a filter choice: every widget's figures, the exact
/// SQL behind them and the dataset versions read, with a content hash (analysts and board
/// members).
#[utoipa::path(post, path = "/dashboards/{dashboardId}/snapshots", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    request_body = DashboardSnapshotIn, responses((status = 201, description = "Vastgelegd", body = SnapshotOut)))]
pub async fn snapshot_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    snapshot_of(&ctx, "dashboard", &id, input).await
}

/// Set how often the dashboard computes its figures again by itself, for the default filter
/// choice (analysts).
#[utoipa::path(put, path = "/dashboards/{dashboardId}/schedule", tag = "informatieproducten", params(("dashboardId" = String, Path, description = "Id van het dashboard")),
    request_body = ScheduleIn, responses((status = 200, description = "Schema opgeslagen", body = ScheduleOut)))]
pub async fn schedule_dashboard(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ScheduleOut> {
    let s = dashboards::schedule(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(s.into()))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_dashboards,
    add_dashboard,
    get_dashboard,
    save_dashboard,
    delete_dashboard,
    restore_deleted_dashboard,
    dashboard_data,
    refresh_dashboard,
    share_dashboard,
    list_dashboard_versions,
    get_dashboard_version,
    restore_dashboard_version,
    compare_dashboard_versions,
    snapshot_dashboard,
    schedule_dashboard,
))]
pub struct Doc;
