//! `/service-offers`, `/source-imports` and `/datasets/{id}/source`: datasets read from a
//! remote service (OGC API – Features, WFS, CBS OData, CKAN), with a scheduled refresh.

use crate::auth::Ctx;
use crate::catalog::views::{JobOut, SourceOut, accepted, describe_failure};
use crate::error::{JsonReply, Reply};
use crate::input::JsonInput;
use crate::state::AppState;
use axum::extract::{Path, Query};
use axum::routing::{get, post};
use axum::{Json, Router};
use koers_app::sources;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/service-offers" => get(list_offers),
        "/source-imports" => post(import_from_source),
        "/datasets/{dataset_id}/source" => get(get_source).put(put_source),
        "/datasets/{dataset_id}/refreshes" => post(refresh),
    }
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
pub async fn list_offers(ctx: Ctx, Query(q): Query<OfferQuery>) -> JsonReply<Vec<OfferOut>> {
    let item = q.item.unwrap_or_default();
    let found = sources::offers(ctx.ws(), &ctx.who, &q.kind, &q.url, &item).await?;
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

/// Read a new dataset from a service (data stewards). Answers 202 with the job; its
/// `datasetId` is the dataset when done.
#[utoipa::path(post, path = "/source-imports", tag = "bronnen", request_body = SourceIn,
    responses((status = 202, description = "Import gestart", body = JobOut)))]
pub async fn import_from_source(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let job = sources::start_import(ctx.ws(), &ctx.who, input, describe_failure)?;
    Ok(accepted(&job))
}

/// A dataset's source and schedule (own datasets with a source only).
#[utoipa::path(get, path = "/datasets/{datasetId}/source", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "De dienst van de bron", body = SourceOut)))]
pub async fn get_source(ctx: Ctx, Path(id): Path<String>) -> JsonReply<SourceOut> {
    Ok(Json(sources::source(ctx.ws(), &ctx.who, &id).await?.into()))
}

/// Replace a dataset's source and schedule (data stewards); the next refresh reads it anew.
#[utoipa::path(put, path = "/datasets/{datasetId}/source", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    request_body = SourceIn,
    responses((status = 200, description = "Opgeslagen", body = SourceOut)))]
pub async fn put_source(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<SourceOut> {
    let v = sources::replace(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(v.into()))
}

/// Read a dataset from its source again now (data stewards): a new version only when the
/// data changed. Answers 202 with the job.
#[utoipa::path(post, path = "/datasets/{datasetId}/refreshes", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 202, description = "Verversen gestart", body = JobOut)))]
pub async fn refresh(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let job = sources::start_refresh(ctx.ws(), &ctx.who, &id, describe_failure).await?;
    Ok(accepted(&job))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_offers, import_from_source, get_source, put_source, refresh,))]
pub struct Doc;
