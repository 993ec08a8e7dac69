//! `/datasets`, `/jobs`, `/catalog` and `/public-catalog`: the catalog through the API —
//! datasets with their metadata and versions, imports as background jobs, and the catalogs
//! as DCAT-AP-NL RDF (JSON-LD by default, Turtle with `Accept: text/turtle`).

use super::read_import_form;
use super::views::{JobOut, accepted, describe_failure};
use crate::api::outs;
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use crate::tiles::TileColumns;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, put};
use axum::{Json, Router};
use koers_app::catalog::{self as catalog, Dataset, DatasetVersion, ImportFields};
use koers_app::dcat::{CatalogInfo, Graph, RdfFormat, catalog_graph};
use koers_core::catalog::AccessRights;
use koers_core::catalog::labels::ColumnLabels;
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/datasets" => get(list_datasets).post(import_dataset).layer(DefaultBodyLimit::disable()),
        "/datasets/{dataset_id}" => get(get_dataset),
        "/datasets/{dataset_id}/metadata" => put(set_metadata),
        "/datasets/{dataset_id}/columns/{column}" => put(set_column_labels),
        "/datasets/{dataset_id}/versions" => get(list_versions),
        "/datasets/{dataset_id}/tiles/{z}/{x}/{y}" => get(get_tile),
        "/jobs/{job_id}" => get(get_job),
        "/catalog" => get(organisation_catalog),
        "/public-catalog" => get(public_catalog),
    }
}

/// A dataset with its DCAT-AP-NL metadata.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DatasetOut {
    pub id: String,
    /// The name in SQL.
    pub name: String,
    pub title: String,
    pub description: String,
    pub publisher: String,
    pub contact_name: String,
    pub contact_email: String,
    /// EU data theme code.
    pub theme: String,
    /// SPDX licence id.
    pub licence: String,
    #[schema(value_type = schema::AccessRights)]
    pub access_rights: AccessRights,
    pub cadence: String,
    pub tags: Vec<String>,
    pub generated: bool,
    pub latest_version: Option<i64>,
    /// What its columns mean to a reader, by column name: title, unit and code list.
    #[schema(value_type = Object)]
    pub column_labels: BTreeMap<String, ColumnLabels>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// What a column means to a reader.
#[derive(ToSchema)]
pub struct ColumnLabelsIn {
    /// What the column holds, in words (`Vervoerd gewicht`); empty for none.
    pub title: Option<String>,
    /// Its unit (`ton`); empty for none.
    pub unit: Option<String>,
    /// Code → what it stands for (`{"road": "Weg"}`); at most 1000.
    #[schema(value_type = Option<Object>)]
    pub codes: Option<BTreeMap<String, String>>,
}

impl From<&Dataset> for DatasetOut {
    fn from(d: &Dataset) -> Self {
        let m = &d.meta;
        DatasetOut {
            id: d.id.clone(),
            name: d.name.clone(),
            title: m.title.clone(),
            description: m.description.clone(),
            publisher: m.publisher.clone(),
            contact_name: m.contact_name.clone(),
            contact_email: m.contact_email.clone(),
            theme: m.theme.clone(),
            licence: m.licence.clone(),
            access_rights: m.access_rights,
            cadence: m.cadence.clone(),
            tags: m.tags.clone(),
            generated: d.generated,
            latest_version: d.latest_version,
            column_labels: d.column_labels.clone(),
            updated_at: d.updated_at.clone(),
        }
    }
}

/// One immutable version of a dataset, with its schema and quality figures.
#[derive(Serialize, ToSchema)]
#[schema(as = DatasetVersionOut)]
#[serde(rename_all = "camelCase")]
pub struct VersionOut {
    pub version: i64,
    /// Where it came from (a file name, or a URL without credentials); only for the
    /// organisation's own datasets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub format: String,
    pub row_count: i64,
    pub byte_size: i64,
    /// One object per column: `name`, `data_type`, `nullable`, and `title` (what the column
    /// means) when the source gave one, such as a CBS table's `DataProperties`.
    #[schema(value_type = Vec<Object>)]
    pub columns: serde_json::Value,
    #[schema(value_type = Option<Object>)]
    pub geometry: Option<serde_json::Value>,
    /// One object per column: counts of empty and distinct values, minimum, maximum.
    #[schema(value_type = Vec<Object>)]
    pub quality: serde_json::Value,
    #[schema(format = DateTime)]
    pub created_at: String,
    /// Who imported it; only for the organisation's own datasets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub created_by: Option<String>,
    /// How many rows it appends to the version before it, when it only appends rows
    /// (analyses over it are then refreshed from those rows alone).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub appended_rows: Option<i64>,
}

impl From<&DatasetVersion> for VersionOut {
    fn from(v: &DatasetVersion) -> Self {
        VersionOut {
            version: v.version,
            // Empty in another organisation's view (see `koers_app::catalog::outsider_view`).
            source: (!v.source.is_empty()).then(|| v.source.clone()),
            format: v.format.clone(),
            row_count: v.row_count,
            byte_size: v.byte_size,
            columns: v.columns.clone(),
            geometry: v.geometry.clone(),
            quality: v.quality.clone(),
            created_at: v.created_at.clone(),
            created_by: (!v.created_by.is_empty()).then(|| v.created_by.clone()),
            appended_rows: v.appended.as_ref().map(|a| a.rows),
        }
    }
}

/// Import from a URL (JSON), or upload a file (multipart with a `file` part).
#[derive(ToSchema)]
pub struct ImportIn {
    /// An http(s) URL to fetch.
    pub url: Option<String>,
    /// The SQL name; from the file name when absent.
    pub name: Option<String>,
    /// `EPSG:28992` or `EPSG:4326`.
    pub crs: Option<String>,
    /// `csv`, `geojson`, `parquet`, `xlsx`, `shp` (a zipped shapefile), `gpkg` or `cityjson`
    /// (CityJSON or a CityJSON Text Sequence, such as a 3D BAG tile).
    pub format: Option<String>,
    /// The layer of a GeoPackage with several feature tables.
    pub layer: Option<String>,
    /// `replace` (default): the file is the dataset's whole new version; when it starts with
    /// every row of the latest version, the rows after them count as appended. `append`: the
    /// file holds only rows to add to the latest version (same columns); the new version is
    /// that version's rows, then these. Analyses over appended rows are refreshed from those
    /// rows alone.
    pub mode: Option<String>,
}

/// The datasets of the organisation and the public ones of others.
#[utoipa::path(get, path = "/datasets", tag = "bronnen",
    responses((status = 200, description = "Bronnen", body = Vec<DatasetOut>)))]
pub async fn list_datasets(ctx: Ctx) -> JsonReply<Vec<DatasetOut>> {
    let all = catalog::datasets(ctx.ws(), &ctx.who).await?;
    Ok(Json(
        all.own.iter().chain(&all.public).map(Into::into).collect(),
    ))
}

/// Import a dataset: a JSON body with a URL, or a multipart upload. Answers 202 with the job.
#[utoipa::path(post, path = "/datasets", tag = "bronnen", request_body(content = ImportIn, content_type = "application/json"),
    responses((status = 202, description = "Import gestart", body = JobOut)))]
pub async fn import_dataset(ctx: Ctx, req: Request) -> Reply {
    // Rights before reading the body: nothing of a viewer's upload is kept.
    ctx.require(koers_core::Permission::ManageData)?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let fields = if is_multipart {
        let mp = Multipart::from_request(req, &ctx.state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        read_import_form(&ctx.state, mp).await?
    } else {
        // The route takes uploads of any size; a JSON body keeps the usual limit.
        let headers = req.headers().clone();
        let body = axum::body::to_bytes(req.into_body(), ctx.state.cfg.max_body_bytes)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        ImportFields::read(crate::input::json(&headers, &body)?)?
    };
    let job = catalog::start_import(ctx.ws(), &ctx.who, fields, describe_failure)?;
    Ok(accepted(&job))
}

/// One dataset.
#[utoipa::path(get, path = "/datasets/{datasetId}", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "De bron", body = DatasetOut)))]
pub async fn get_dataset(ctx: Ctx, Path(id): Path<String>) -> JsonReply<DatasetOut> {
    Ok(Json(
        (&catalog::dataset(ctx.ws(), &ctx.who, &id).await?).into(),
    ))
}

/// Replace a dataset's metadata (data stewards).
#[utoipa::path(put, path = "/datasets/{datasetId}/metadata", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    request_body = DatasetOut,
    responses((status = 200, description = "Opgeslagen", body = DatasetOut)))]
pub async fn set_metadata(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<DatasetOut> {
    let ds = catalog::update_meta(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&ds).into()))
}

/// Say what a column of a dataset means: title, unit and code list (data stewards); all
/// empty forgets it. Pages, filters, legends and tables then show the labels.
#[utoipa::path(put, path = "/datasets/{datasetId}/columns/{column}", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron"), ("column" = String, Path, description = "Naam van de kolom")),
    request_body = ColumnLabelsIn,
    responses((status = 200, description = "Opgeslagen", body = DatasetOut)))]
pub async fn set_column_labels(
    ctx: Ctx,
    Path((id, column)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<DatasetOut> {
    let ds = catalog::label_column(ctx.ws(), &ctx.who, &id, &column, input).await?;
    Ok(Json((&ds).into()))
}

/// Every version of a dataset, newest first; of another organisation's public dataset only
/// what the public catalog shows (no source, no importer).
#[utoipa::path(get, path = "/datasets/{datasetId}/versions", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "Versies", body = Vec<VersionOut>)))]
pub async fn list_versions(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<VersionOut>> {
    let versions = catalog::versions(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&versions)))
}

/// A vector tile of the points of a dataset's newest version (Mapbox Vector Tile 2.1, layer
/// `punten`, extent 4096): every point with `aantal` 1, or, in a tile with more than 4,096
/// points, one point per cell of a 128 × 128 grid with the number of points in it. Same
/// access as the dataset. The index behind the tiles is built on the first request for a
/// version.
#[utoipa::path(get, path = "/datasets/{datasetId}/tiles/{z}/{x}/{y}", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron"),
        ("z" = u32, Path, description = "Zoomniveau, 0 tot en met 24"),
        ("x" = u32, Path, description = "Kolom van de tegel"),
        ("y" = u32, Path, description = "Rij van de tegel"),
        TileColumns),
    responses((status = 200, description = "De tegel", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>)))]
pub async fn get_tile(
    ctx: Ctx,
    Path((id, z, x, y)): Path<(String, String, String, String)>,
    Query(q): Query<TileColumns>,
) -> Reply {
    let tile = koers_app::tiles::dataset_tile(
        ctx.ws(),
        &ctx.who,
        &id,
        crate::tiles::address((&z, &x, &y))?,
        q.lon.as_deref(),
        q.lat.as_deref(),
    )
    .await?;
    Ok(crate::tiles::answer(tile))
}

/// A background job (an import) and its progress.
#[utoipa::path(get, path = "/jobs/{jobId}", tag = "bronnen",
    params(("jobId" = String, Path, description = "Id van de taak")),
    responses((status = 200, description = "De taak", body = JobOut)))]
pub async fn get_job(ctx: Ctx, Path(id): Path<String>) -> JsonReply<JobOut> {
    let job = catalog::job(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(JobOut::from(job)))
}

fn rdf_response(headers: &HeaderMap, graph: &Graph) -> Response {
    let format = RdfFormat::from_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let mut resp = format.write(graph).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    resp
}

/// The organisation's catalog as DCAT-AP-NL: every dataset with its metadata, whatever its
/// access rights (which the catalog states).
#[utoipa::path(get, path = "/catalog", tag = "bronnen",
    responses((status = 200, description = "De catalogus (DCAT-AP-NL)",
        content((Object = "application/ld+json"), (String = "text/turtle")))))]
pub async fn organisation_catalog(ctx: Ctx, headers: HeaderMap) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    let list = catalog::organisation_catalog(ctx.ws(), &ctx.who).await?;
    let title = format!("Catalogus van {}", ctx.org.name);
    let info = CatalogInfo {
        iri: format!("{base}/api/v1/catalog#{}", ctx.org.id),
        title: &title,
        description: "De bronnen van de organisatie in koers, met hun metadata (DCAT-AP-NL).",
        publisher_iri: format!("{base}/api/v1/organisations/{}", ctx.org.id),
        publisher_name: &ctx.org.name,
    };
    Ok(rdf_response(&headers, &catalog_graph(&base, &info, &list)))
}

/// The published datasets of every organisation on this koers, as DCAT-AP-NL; no sign-in
/// needed.
#[utoipa::path(get, path = "/public-catalog", tag = "bronnen", security(()),
    responses((status = 200, description = "De openbare catalogus (DCAT-AP-NL)",
        content((Object = "application/ld+json"), (String = "text/turtle")))))]
pub async fn public_catalog(State(state): State<AppState>, headers: HeaderMap) -> Reply {
    let base = state.cfg.base_url(&headers);
    let list = catalog::public_catalog(&state.ws).await?;
    let info = CatalogInfo {
        iri: format!("{base}/api/v1/public-catalog"),
        title: "Openbare datasets op koers",
        description: "De datasets die organisaties op deze koers openbaar hebben gemaakt (toegangsrechten: publiek).",
        publisher_iri: format!("{base}/"),
        publisher_name: "koers",
    };
    Ok(rdf_response(&headers, &catalog_graph(&base, &info, &list)))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_datasets,
    import_dataset,
    get_dataset,
    set_metadata,
    set_column_labels,
    list_versions,
    get_tile,
    get_job,
    organisation_catalog,
    public_catalog,
))]
pub struct Doc;
