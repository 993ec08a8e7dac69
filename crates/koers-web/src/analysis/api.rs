//! `/queries` and `/analyses`: SQL over the datasets and saved analyses through the API,
//! with results as JSON or, with `format`, as a file.

use super::views::download;
use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::catalog::api::ColumnLabelsIn;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::analysis::{self as analysis, Analysis, QueryOutput, export_format};
use koers_app::results::Results;
use koers_core::analysis::Param;
use koers_core::analysis::builder::Definition;
use koers_core::catalog::labels::ColumnLabels;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/queries" => post(run_query),
        "/analyses" => get(list_analyses).post(create_analysis),
        "/analyses/{analysis_id}" => get(get_analysis).put(update_analysis).delete(delete_analysis),
        "/analyses/{analysis_id}/runs" => post(run_analysis),
        "/analyses/{analysis_id}/columns/{column}" => put(set_analysis_column_labels),
        "/analyses/{analysis_id}/tiles/{z}/{x}/{y}" => get(get_analysis_tile),
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
    /// `csv-raw` (every cell as it is, for scripts), `csv-nl` (for Dutch Excel: `;`, decimal
    /// comma, byte order mark), `geojson` or `parquet`.
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
    /// Brought up to date from the rows appended to a dataset since the analysis last ran,
    /// not computed in full (the same answer, sooner).
    pub incremental: bool,
}

impl From<Results> for ResultsOut {
    fn from(r: Results) -> Self {
        ResultsOut {
            columns: r.columns,
            rows: r.rows,
            geometry_column: r.geometry_column,
            truncated: r.truncated,
            elapsed_ms: r.elapsed_ms as u64,
            incremental: r.incremental,
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
    #[schema(value_type = Vec<schema::Param>)]
    pub parameters: Vec<Param>,
    /// The query builder's choices the SQL was made from; absent for SQL written by hand.
    #[schema(value_type = Option<Object>)]
    pub builder: Option<Definition>,
    /// The names of the result's columns.
    pub columns: Vec<String>,
    /// What its result's columns mean to a reader, by column name: title, unit and code list
    /// (dashboards and monitors built on it show these).
    #[schema(value_type = Object)]
    pub column_labels: BTreeMap<String, ColumnLabels>,
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
            builder: a.builder.clone(),
            columns: a.columns.clone(),
            column_labels: a.column_labels.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// A saved analysis to store: SQL with `{{name}}` parameters, declared with type and default,
/// or instead of SQL the query builder's choices (`builder`), from which koers writes the SQL
/// and its parameters.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AnalysisIn {
    pub title: String,
    pub description: Option<String>,
    pub sql: Option<String>,
    /// The query builder's choices, instead of `sql`: `{"dataset": "movements", "join":
    /// {"dataset": "municipalities", "on": {"kind": "key", "left": "origin_gm", "right":
    /// "gm_code"}}, "filters": [{"column": "ts", "op": {"kind": "year", "year": 2024},
    /// "param": "jaar"}], "groups": [{"column": "municipalities.province_name"}, {"column":
    /// "ts", "grain": "month"}], "measures": [{"fn": "sum", "column": "tonnes"}], "sort":
    /// {"column": "tonnes", "descending": true}, "limit": 10}`. Joins are `key` or `within`
    /// ("lies in", with `lon`/`lat` columns or the geometry); filters `in` (`values`),
    /// `between` (`from`, `to`) or `year`; grains `week`, `month`, `quarter`, `year`; functions
    /// `count`, `sum`, `avg`, `min`, `max`, `median`, `share`, `change`. A column of the joined
    /// dataset is written `<dataset>.<column>`; an unknown column is refused by name.
    #[schema(value_type = Option<Object>)]
    pub builder: Option<serde_json::Value>,
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

/// A result as JSON, or as a file in `format`.
async fn answer(ctx: &Ctx, out: &QueryOutput, format: Option<&str>, stem: &str) -> Reply {
    match format {
        Some(f) => download(ctx, out, export_format(f)?, stem).await,
        None => Ok(Json(ResultsOut::from(Results::from_output(out)?)).into_response()),
    }
}

/// Run read-only SQL over the datasets the organisation may see (analysts).
#[utoipa::path(post, path = "/queries", tag = "analyses", params(FormatQuery), request_body = QueryIn,
    responses((status = 200, description = "Het resultaat", body = ResultsOut)))]
pub async fn run_query(
    ctx: Ctx,
    Query(q): Query<FormatQuery>,
    JsonInput(mut input): JsonInput,
) -> Reply {
    let sql = input.text("sql");
    input.finish(Ok(()))?;
    let out = analysis::run_sql(ctx.ws(), &ctx.who, &sql).await?;
    answer(&ctx, &out, q.format.as_deref(), "resultaat").await
}

/// The organisation's saved analyses.
#[utoipa::path(get, path = "/analyses", tag = "analyses",
    responses((status = 200, description = "Analyses", body = Vec<AnalysisOut>)))]
pub async fn list_analyses(ctx: Ctx) -> JsonReply<Vec<AnalysisOut>> {
    let all = analysis::analyses(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&all)))
}

/// Save an analysis (analysts).
#[utoipa::path(post, path = "/analyses", tag = "analyses", request_body = AnalysisIn,
    responses((status = 201, description = "Opgeslagen", body = AnalysisOut)))]
pub async fn create_analysis(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let a = analysis::save(ctx.ws(), &ctx.who, None, input).await?;
    Ok(created(AnalysisOut::from(&a)))
}

/// One saved analysis.
#[utoipa::path(get, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    responses((status = 200, description = "De analyse", body = AnalysisOut)))]
pub async fn get_analysis(ctx: Ctx, Path(id): Path<String>) -> JsonReply<AnalysisOut> {
    let a = analysis::analysis(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&a).into()))
}

/// Replace a saved analysis (analysts).
#[utoipa::path(put, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    request_body = AnalysisIn,
    responses((status = 200, description = "Opgeslagen", body = AnalysisOut)))]
pub async fn update_analysis(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<AnalysisOut> {
    let a = analysis::save(ctx.ws(), &ctx.who, Some(&id), input).await?;
    Ok(Json((&a).into()))
}

/// Say what a result column of a saved analysis means: title, unit and code list (analysts);
/// all empty forgets it. Dashboards and monitors built on the analysis then show the labels.
#[utoipa::path(put, path = "/analyses/{analysisId}/columns/{column}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse"), ("column" = String, Path, description = "Naam van de kolom in het resultaat")),
    request_body = ColumnLabelsIn,
    responses((status = 200, description = "Opgeslagen", body = AnalysisOut)))]
pub async fn set_analysis_column_labels(
    ctx: Ctx,
    Path((id, column)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<AnalysisOut> {
    let a = analysis::label_column(ctx.ws(), &ctx.who, &id, &column, input).await?;
    Ok(Json((&a).into()))
}

/// Delete a saved analysis (analysts).
#[utoipa::path(delete, path = "/analyses/{analysisId}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_analysis(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    analysis::delete(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Run a saved analysis with parameter values (defaults for the rest).
#[utoipa::path(post, path = "/analyses/{analysisId}/runs", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse"), FormatQuery),
    request_body = RunIn,
    responses((status = 200, description = "Het resultaat", body = ResultsOut)))]
pub async fn run_analysis(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<FormatQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    let values: BTreeMap<String, String> = if body.is_empty() {
        BTreeMap::new()
    } else {
        let input = crate::input::json(&headers, &body)?;
        match input.fields().get("params") {
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
    let (a, out) = analysis::run_saved(ctx.ws(), &ctx.who, &id, &values).await?;
    answer(&ctx, &out, q.format.as_deref(), &a.title.replace(' ', "_")).await
}

/// A vector tile of the points of a saved analysis' result (Mapbox Vector Tile 2.1, layer
/// `punten`, extent 4096), as the dataset tiles: every point, or in a tile with more than
/// 4,096 points one point per cell of a 128 × 128 grid with their number (`aantal`). The
/// points are the result's longitude and latitude columns, or else the middle of its
/// geometry. Every other query parameter is a parameter of the analysis, by name (the
/// defaults for the rest). At most ten million points.
#[utoipa::path(get, path = "/analyses/{analysisId}/tiles/{z}/{x}/{y}", tag = "analyses",
    params(("analysisId" = String, Path, description = "Id van de analyse"),
        ("z" = u32, Path, description = "Zoomniveau, 0 tot en met 24"),
        ("x" = u32, Path, description = "Kolom van de tegel"),
        ("y" = u32, Path, description = "Rij van de tegel"),
        crate::tiles::TileColumns),
    responses((status = 200, description = "De tegel", content_type = "application/vnd.mapbox-vector-tile", body = Vec<u8>)))]
pub async fn get_analysis_tile(
    ctx: Ctx,
    Path((id, z, x, y)): Path<(String, String, String, String)>,
    Query(mut q): Query<BTreeMap<String, String>>,
) -> Reply {
    let (lon, lat) = (q.remove("lon"), q.remove("lat"));
    let tile = koers_app::tiles::analysis_tile(
        ctx.ws(),
        &ctx.who,
        &id,
        crate::tiles::address((&z, &x, &y))?,
        &q,
        (lon.as_deref(), lat.as_deref()),
    )
    .await?;
    Ok(crate::tiles::answer(tile))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    get_analysis_tile,
    run_query,
    list_analyses,
    create_analysis,
    get_analysis,
    update_analysis,
    set_analysis_column_labels,
    delete_analysis,
    run_analysis,
))]
pub struct Doc;
