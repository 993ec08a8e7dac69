//! `/service-offers`, `/source-imports` and `/datasets/{id}/source`: datasets read from a
//! remote service (OGC API – Features, WFS, CBS OData, CKAN), with a scheduled refresh.

use super::datasets::{JobOut, job_out};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::sources::{
    SourceView, offers, read_source, replace, source, start_import, start_refresh,
};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use koers_core::Permission;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/service-offers", get(list_offers))
        .route("/source-imports", post(import_from_source))
        .route(
            "/datasets/{dataset_id}/source",
            get(get_source).put(put_source),
        )
        .route("/datasets/{dataset_id}/refreshes", post(refresh))
}

/// A remote service and what to read from it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceIn {
    /// `ogcapi` (OGC API – Features), `wfs` (WFS 2.0.0), `odata` (CBS StatLine) or `ckan`.
    pub kind: String,
    /// The service: an OGC API landing page, a WFS endpoint, a CBS table's OData root
    /// (`https://opendata.cbs.nl/ODataApi/odata/85318NED`) or a CKAN site.
    pub url: String,
    /// The collection (ogcapi), feature type (wfs), entity set (odata; `TypedDataSet` when
    /// empty) or package id (ckan).
    pub item: String,
    /// CKAN only: the resource, by id or format (`CSV`, `GeoJSON`); the first readable one
    /// when empty.
    pub resource: Option<String>,
    /// `EPSG:4326` (CRS84) or `EPSG:28992`.
    pub crs: Option<String>,
    /// `minx,miny,maxx,maxy` in that CRS (ogcapi and wfs).
    pub bbox: Option<String>,
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub every: Option<String>,
    /// The SQL name of the new dataset (when importing); suggested when empty.
    pub name: Option<String>,
}

/// A dataset's source: the service, the schedule and how the last check went.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceOut {
    pub kind: String,
    pub url: String,
    pub item: String,
    pub resource: String,
    pub crs: String,
    pub bbox: Option<String>,
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub every: String,
    /// When the next scheduled refresh is due.
    #[schema(format = DateTime)]
    pub next_due: Option<String>,
    #[schema(format = DateTime)]
    pub checked_at: Option<String>,
    /// `imported`, `unchanged` or `failed`.
    pub outcome: Option<String>,
    /// What went wrong, when the last check failed.
    pub message: String,
}

impl From<SourceView> for SourceOut {
    fn from(v: SourceView) -> Self {
        let d = v.def;
        SourceOut {
            kind: d.kind.as_str().into(),
            url: d.url.to_string(),
            item: d.item,
            resource: d.resource,
            crs: d.crs,
            bbox: d.bbox.map(|b| b.map(|x| x.to_string()).join(",")),
            every: v
                .schedule
                .as_ref()
                .map_or("manual", |(e, _)| e.as_str())
                .into(),
            next_due: v.schedule.map(|(_, n)| n),
            checked_at: v.stored.checked_at,
            outcome: v.stored.outcome,
            message: v.stored.message,
        }
    }
}

/// Something a service offers to read.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OfferOut {
    /// What to give as `item` (ckan: as `resource`).
    pub id: String,
    pub title: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OfferQuery {
    /// `ogcapi`, `wfs`, `odata` or `ckan`.
    pub kind: String,
    /// The service's address.
    pub url: String,
    /// CKAN: the package id.
    pub item: Option<String>,
}

/// What a service offers: its collections, feature types, entity sets, or a CKAN package's
/// resources (data stewards).
#[utoipa::path(get, path = "/service-offers", tag = "bronnen", params(OfferQuery),
    responses((status = 200, description = "Wat de dienst aanbiedt", body = Vec<OfferOut>)))]
pub async fn list_offers(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<OfferQuery>,
) -> Result<Json<Vec<OfferOut>>, AppError> {
    let item = q.item.unwrap_or_default();
    let found = offers(&state, &ctx, &q.kind, &q.url, &item).await?;
    Ok(Json(
        found
            .into_iter()
            .map(|o| OfferOut {
                id: o.id,
                title: o.title,
            })
            .collect(),
    ))
}

fn accepted(job: &koers_app::Job) -> Response {
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/jobs/{}", job.id))],
        Json(job_out(job)),
    )
        .into_response()
}

/// Read a new dataset from a service (data stewards). Answers 202 with the job; its
/// `datasetId` is the dataset when done.
#[utoipa::path(post, path = "/source-imports", tag = "bronnen", request_body = SourceIn,
    responses((status = 202, description = "Import gestart", body = JobOut)))]
pub async fn import_from_source(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    // Rights before input: a viewer learns nothing from validation messages.
    ctx.require(Permission::ManageData)?;
    let src = read_source(crate::input::json(&headers, &body)?)?;
    let job = start_import(&state, &ctx, src)?;
    Ok(accepted(&job))
}

/// A dataset's source and schedule (own datasets with a source only).
#[utoipa::path(get, path = "/datasets/{datasetId}/source", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "De dienst van de bron", body = SourceOut)))]
pub async fn get_source(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<SourceOut>, AppError> {
    Ok(Json(source(&state, &ctx, &id).await?.into()))
}

/// Replace a dataset's source and schedule (data stewards); the next refresh reads it anew.
#[utoipa::path(put, path = "/datasets/{datasetId}/source", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    request_body = SourceIn,
    responses((status = 200, description = "Opgeslagen", body = SourceOut)))]
pub async fn put_source(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<SourceOut>, AppError> {
    let v = replace(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?;
    Ok(Json(v.into()))
}

/// Read a dataset from its source again now (data stewards): a new version only when the
/// data changed. Answers 202 with the job.
#[utoipa::path(post, path = "/datasets/{datasetId}/refreshes", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 202, description = "Verversen gestart", body = JobOut)))]
pub async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let job = start_refresh(&state, &ctx, &id).await?;
    Ok(accepted(&job))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_offers, import_from_source, get_source, put_source, refresh,))]
pub struct Doc;
