//! `/datasets`, `/jobs`, `/queries` and `/analyses`: the catalog and analyses through the API.

use crate::analysis::{download, export_format, results, run_saved, run_sql, save};
use crate::auth::Ctx;
use crate::catalog::{ImportForm, read_import_form, start_import, update_meta};
use crate::error::AppError;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::results::Results;
use koers_core::Permission;
use koers_core::analysis::Param;
use koers_core::catalog::AccessRights;
use koers_store::{Analysis, Dataset, DatasetVersion};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/datasets",
            get(list_datasets)
                .post(import_dataset)
                .layer(DefaultBodyLimit::disable()),
        )
        .route("/datasets/{dataset_id}", get(get_dataset))
        .route("/datasets/{dataset_id}/metadata", put(set_metadata))
        .route("/datasets/{dataset_id}/versions", get(list_versions))
        .route("/jobs/{job_id}", get(get_job))
        .route("/queries", post(run_query))
        .route("/analyses", get(list_analyses).post(create_analysis))
        .route(
            "/analyses/{analysis_id}",
            get(get_analysis)
                .put(update_analysis)
                .delete(delete_analysis),
        )
        .route("/analyses/{analysis_id}/runs", post(run_analysis))
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
    pub access_rights: AccessRights,
    pub cadence: String,
    pub tags: Vec<String>,
    pub generated: bool,
    pub latest_version: Option<i64>,
    #[schema(format = DateTime)]
    pub updated_at: String,
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
    /// `csv`, `geojson`, `parquet`, `xlsx`, `shp` (a zipped shapefile) or `gpkg`.
    pub format: Option<String>,
    /// The layer of a GeoPackage with several feature tables.
    pub layer: Option<String>,
}

/// A background job and its progress.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobOut {
    pub id: String,
    pub label: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub percent: u64,
    /// Work done, in `unit`.
    pub done: u64,
    /// Work in all, in `unit`; 0 while not yet known.
    pub total: u64,
    /// What `done` and `total` count: `bytes`, `features` (read from a web service), `rows`
    /// or `steps`. A source import counts features or rows first, then bytes.
    pub unit: String,
    /// The dataset id, when done.
    pub dataset_id: Option<String>,
    /// What went wrong, when failed.
    pub error: Option<String>,
}

pub(crate) fn job_out(j: &koers_app::Job) -> JobOut {
    let v = j.view();
    JobOut {
        id: v.id,
        label: v.label,
        state: v.state.into(),
        percent: v.percent,
        done: v.done,
        total: v.total,
        unit: v.unit.into(),
        dataset_id: v.result,
        error: v.error,
    }
}

/// SQL to run.
#[derive(ToSchema)]
pub struct QueryIn {
    /// SELECT or WITH; read-only.
    pub sql: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FormatQuery {
    /// Return a file instead of JSON: `csv` (for spreadsheets: text cells that would start a
    /// formula, with `=`, `+`, `-`, `@`, a tab or a carriage return, get a leading `'`),
    /// `csv-raw` (every cell as it is, for scripts), `geojson` or `parquet`.
    pub format: Option<String>,
}

/// A query result: column names and rows; the geometry column holds GeoJSON (WGS84).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResultsOut {
    pub columns: Vec<String>,
    pub rows: Vec<Vec<serde_json::Value>>,
    pub geometry_column: Option<String>,
    pub truncated: bool,
    pub elapsed_ms: u64,
}

impl From<Results> for ResultsOut {
    fn from(r: Results) -> Self {
        ResultsOut {
            columns: r.columns,
            rows: r.rows,
            geometry_column: r.geometry_column,
            truncated: r.truncated,
            elapsed_ms: r.elapsed_ms as u64,
        }
    }
}

/// A saved analysis.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisOut {
    pub id: String,
    pub title: String,
    pub description: String,
    pub sql: String,
    pub parameters: Vec<Param>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&Analysis> for AnalysisOut {
    fn from(a: &Analysis) -> Self {
        AnalysisOut {
            id: a.id.clone(),
            title: a.title.clone(),
            description: a.description.clone(),
            sql: a.sql.clone(),
            parameters: a.parameters.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// A saved analysis to store: SQL with `{{name}}` parameters, declared with type and default.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisIn {
    pub title: String,
    pub description: Option<String>,
    pub sql: String,
    pub param_name: Option<Vec<String>>,
    pub param_kind: Option<Vec<String>>,
    pub param_default: Option<Vec<String>>,
}

/// Parameter values for a run.
#[derive(ToSchema)]
pub struct RunIn {
    #[schema(value_type = Object)]
    pub params: Option<BTreeMap<String, String>>,
}

/// The datasets of the organisation and the public ones of others.
#[utoipa::path(get, path = "/datasets", tag = "bronnen",
    responses((status = 200, description = "Bronnen", body = Vec<DatasetOut>)))]
pub async fn list_datasets(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<DatasetOut>>, AppError> {
    ctx.require(Permission::Read)?;
    let mut all = state.store.datasets(&ctx.org.id).await?;
    all.extend(state.store.public_datasets_elsewhere(&ctx.org.id).await?);
    Ok(Json(all.iter().map(Into::into).collect()))
}

/// Import a dataset: a JSON body with a URL, or a multipart upload. Answers 202 with the job.
#[utoipa::path(post, path = "/datasets", tag = "bronnen", request_body(content = ImportIn, content_type = "application/json"),
    responses((status = 202, description = "Import gestart", body = JobOut)))]
pub async fn import_dataset(
    State(state): State<AppState>,
    ctx: Ctx,
    req: Request,
) -> Result<Response, AppError> {
    ctx.require(Permission::ManageData)?;
    let is_multipart = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));
    let form = if is_multipart {
        let mp = Multipart::from_request(req, &state)
            .await
            .map_err(|e| AppError::BadRequest(e.body_text()))?;
        read_import_form(&state, mp, state.cfg.max_upload_bytes).await?
    } else {
        let headers = req.headers().clone();
        let body = axum::body::to_bytes(req.into_body(), state.cfg.max_body_bytes)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        let mut input = crate::input::json(&headers, &body)?;
        let form = ImportForm {
            upload: None,
            url: input.text("url"),
            name: input.text("name"),
            crs: input.text("crs"),
            format: input.text("format"),
            layer: input.text("layer"),
        };
        input.finish(Ok(()))?;
        form
    };
    let job = start_import(&state, &ctx, form)?;
    Ok((
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/jobs/{}", job.id))],
        Json(job_out(&job)),
    )
        .into_response())
}

/// One dataset.
#[utoipa::path(get, path = "/datasets/{datasetId}", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "De bron", body = DatasetOut)))]
pub async fn get_dataset(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<DatasetOut>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json((&state.store.dataset(&ctx.org.id, &id).await?).into()))
}

/// Replace a dataset's metadata (data stewards).
#[utoipa::path(put, path = "/datasets/{datasetId}/metadata", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    request_body = DatasetOut,
    responses((status = 200, description = "Opgeslagen", body = DatasetOut)))]
pub async fn set_metadata(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<DatasetOut>, AppError> {
    let ds = update_meta(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?;
    Ok(Json((&ds).into()))
}

/// Every version of a dataset, newest first; of another organisation's public dataset only
/// what the public catalog shows (no source, no importer).
#[utoipa::path(get, path = "/datasets/{datasetId}/versions", tag = "bronnen",
    params(("datasetId" = String, Path, description = "Id van de bron")),
    responses((status = 200, description = "Versies", body = Vec<VersionOut>)))]
pub async fn list_versions(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<VersionOut>>, AppError> {
    ctx.require(Permission::Read)?;
    let ds = state.store.dataset(&ctx.org.id, &id).await?;
    Ok(Json(
        state
            .ws
            .versions_seen_by(&ctx.org.id, &ds)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// A background job (an import) and its progress.
#[utoipa::path(get, path = "/jobs/{jobId}", tag = "bronnen",
    params(("jobId" = String, Path, description = "Id van de taak")),
    responses((status = 200, description = "De taak", body = JobOut)))]
pub async fn get_job(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<JobOut>, AppError> {
    ctx.require(Permission::Read)?;
    let job = state
        .ws
        .jobs
        .get(&ctx.org.id, &id)
        .ok_or(AppError::NotFound)?;
    Ok(Json(job_out(&job)))
}

fn answer(
    out: &koers_engine::QueryOutput,
    format: Option<&str>,
    stem: &str,
) -> Result<Response, AppError> {
    match format {
        Some(f) => download(out, export_format(f)?, stem),
        None => Ok(Json(ResultsOut::from(results(out)?)).into_response()),
    }
}

/// Run read-only SQL over the datasets the organisation may see (analysts).
#[utoipa::path(post, path = "/queries", tag = "analyses", params(FormatQuery), request_body = QueryIn,
    responses((status = 200, description = "Het resultaat", body = ResultsOut)))]
pub async fn run_query(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(q): Query<FormatQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let mut input = crate::input::json(&headers, &body)?;
    let sql = input.text("sql");
    input.finish(Ok(()))?;
    let out = run_sql(&state, &ctx, &sql).await?;
    answer(&out, q.format.as_deref(), "resultaat")
}

/// The organisation's saved analyses.
#[utoipa::path(get, path = "/analyses", tag = "analyses",
    responses((status = 200, description = "Analyses", body = Vec<AnalysisOut>)))]
pub async fn list_analyses(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<AnalysisOut>>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .analyses(&ctx.org.id)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Save an analysis (analysts).
#[utoipa::path(post, path = "/analyses", tag = "analyses", request_body = AnalysisIn,
    responses((status = 201, description = "Opgeslagen", body = AnalysisOut)))]
pub async fn create_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let a = save(&state, &ctx, None, crate::input::json(&headers, &body)?).await?;
    Ok((StatusCode::CREATED, Json(AnalysisOut::from(&a))).into_response())
}

/// One saved analysis.
#[utoipa::path(get, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    responses((status = 200, description = "De analyse", body = AnalysisOut)))]
pub async fn get_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<AnalysisOut>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json(
        (&state.store.analysis(&ctx.org.id, &id).await?).into(),
    ))
}

/// Replace a saved analysis (analysts).
#[utoipa::path(put, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    request_body = AnalysisIn,
    responses((status = 200, description = "Opgeslagen", body = AnalysisOut)))]
pub async fn update_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<AnalysisOut>, AppError> {
    state.store.analysis(&ctx.org.id, &id).await?;
    let a = save(
        &state,
        &ctx,
        Some(&id),
        crate::input::json(&headers, &body)?,
    )
    .await?;
    Ok(Json((&a).into()))
}

/// Delete a saved analysis (analysts).
#[utoipa::path(delete, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, AppError> {
    state.store.analysis(&ctx.org.id, &id).await?;
    ctx.require(Permission::Analyse)?;
    state
        .store
        .delete_analysis(&ctx.org.id, &id, &ctx.actor())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a saved analysis with parameter values (defaults for the rest).
#[utoipa::path(post, path = "/analyses/{analysisId}/runs", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse"), FormatQuery),
    request_body = RunIn,
    responses((status = 200, description = "Het resultaat", body = ResultsOut)))]
pub async fn run_analysis(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let values: BTreeMap<String, String> = if body.is_empty() {
        BTreeMap::new()
    } else {
        crate::input::json(&headers, &body)?;
        let v: serde_json::Value =
            serde_json::from_slice(&body).map_err(|e| AppError::BadRequest(e.to_string()))?;
        match v.get("params") {
            None | Some(serde_json::Value::Null) => BTreeMap::new(),
            Some(serde_json::Value::Object(m)) => m
                .iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        match v {
                            serde_json::Value::String(s) => s.clone(),
                            other => other.to_string(),
                        },
                    )
                })
                .collect(),
            Some(_) => {
                return Err(AppError::Invalid(koers_core::Invalid::one(
                    "params",
                    "type",
                    "moet een object zijn",
                )));
            }
        }
    };
    let (a, out) = run_saved(&state, &ctx, &id, &values).await?;
    answer(&out, q.format.as_deref(), &a.title.replace(' ', "_"))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_datasets,
    import_dataset,
    get_dataset,
    set_metadata,
    list_versions,
    get_job,
    run_query,
    list_analyses,
    create_analysis,
    get_analysis,
    update_analysis,
    delete_analysis,
    run_analysis,
))]
pub struct Doc;
