//! Analysis operations shared by the pages and the API: running SQL for a user, running
//! a saved analysis with parameters, saving, and exporting results.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use koers_app::results::Results;
use koers_core::Permission;
use koers_core::analysis::{Param, ParamKind, bind, parse_analysis};
use koers_engine::export::{ExportFormat, export};
use koers_engine::{QueryOutput, Sql};
use koers_store::Analysis;
use std::collections::BTreeMap;

/// Runs ad-hoc SQL (analysts and data stewards).
pub async fn run_sql(state: &AppState, ctx: &Ctx, sql: &str) -> Result<QueryOutput, AppError> {
    ctx.require(Permission::Analyse)?;
    if sql.trim().is_empty() {
        return Err(AppError::Invalid(koers_core::Invalid::one(
            "sql",
            "required",
            "is verplicht",
        )));
    }
    let limit = state.ws.engine.config().row_limit;
    Ok(state.ws.query(&ctx.org.id, sql, limit, None).await?)
}

/// A saved analysis as a query: its SQL with the typed values of its parameters (the given
/// ones, defaults for the rest), which the engine binds into the parsed statement. Every run
/// of a saved analysis (API, pages, indicators, dashboards) goes through here.
pub fn bound_sql(a: &Analysis, values: &BTreeMap<String, String>) -> Result<Sql, AppError> {
    Ok(Sql::new(a.sql.clone(), bind(&a.parameters, values)?))
}

/// Runs a saved analysis (everyone who may read).
pub async fn run_saved(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    values: &BTreeMap<String, String>,
) -> Result<(Analysis, QueryOutput), AppError> {
    ctx.require(Permission::Read)?;
    run_saved_in(state, &ctx.org.id, id, values).await
}

/// Runs a saved analysis of an organisation, for whoever may (scheduled refreshes, which
/// have no signed-in person, come here directly).
pub async fn run_saved_in(
    state: &AppState,
    org_id: &str,
    id: &str,
    values: &BTreeMap<String, String>,
) -> Result<(Analysis, QueryOutput), AppError> {
    let a = state.store.analysis(org_id, id).await?;
    let sql = bound_sql(&a, values)?;
    let limit = state.ws.engine.config().row_limit;
    let out = state.ws.query(org_id, sql, limit, None).await?;
    Ok((a, out))
}

/// Reads parameters from parallel lists `paramName`, `paramKind`, `paramDefault`.
fn read_params(input: &mut Input) -> Result<Vec<Param>, AppError> {
    let names = input.texts("paramName");
    let kinds = input.texts("paramKind");
    let defaults = input.texts("paramDefault");
    let mut out = Vec::new();
    for (i, name) in names.iter().enumerate() {
        if name.trim().is_empty() {
            continue;
        }
        let kind = ParamKind::parse(kinds.get(i).map(String::as_str).unwrap_or("text"))?;
        out.push(Param {
            name: name.trim().to_string(),
            kind,
            default: defaults.get(i).cloned().unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Saves a new analysis, or replaces the one with `id` (analysts).
pub async fn save(
    state: &AppState,
    ctx: &Ctx,
    id: Option<&str>,
    mut input: Input,
) -> Result<Analysis, AppError> {
    ctx.require(Permission::Analyse)?;
    let title = input.text("title");
    let description = input.text("description");
    let sql = input.text("sql");
    let params = read_params(&mut input)?;
    let used =
        koers_engine::params::names(&sql).map_err(|e| AppError::BadRequest(e.to_string()))?;
    let (title, sql) = input.finish(parse_analysis(&title, &sql, &params, &used))?;
    // The SQL must pass the sandbox with its defaults before it is saved.
    let defaults = Sql::new(sql.as_str(), bind(&params, &BTreeMap::new())?);
    let (refs, _) = state.ws.tables(&ctx.org.id).await?;
    let names: Vec<&str> = refs.iter().map(|t| t.name.as_str()).collect();
    koers_engine::sandbox::statement(&defaults, &names)
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    let actor = ctx.actor();
    let fields = koers_store::catalog::AnalysisFields {
        title,
        description,
        sql,
        parameters: params,
    };
    Ok(match id {
        Some(id) => {
            state
                .store
                .update_analysis(&ctx.org.id, id, &fields, &actor)
                .await?
        }
        None => {
            state
                .store
                .create_analysis(&ctx.org.id, &fields, &actor)
                .await?
        }
    })
}

/// Parses an export format name.
pub fn export_format(name: &str) -> Result<ExportFormat, AppError> {
    match name {
        "csv" => Ok(ExportFormat::Csv),
        "csv-raw" => Ok(ExportFormat::CsvRaw),
        "geojson" => Ok(ExportFormat::GeoJson),
        "parquet" => Ok(ExportFormat::Parquet),
        other => Err(AppError::Invalid(koers_core::Invalid::one(
            "format",
            "enum",
            &format!("onbekend exportformaat {other:?}; kies csv, csv-raw, geojson of parquet"),
        ))),
    }
}

/// A result as a downloadable file.
pub fn download(out: &QueryOutput, format: ExportFormat, stem: &str) -> Result<Response, AppError> {
    let mut buf = Vec::new();
    export(out, format, &mut buf).map_err(|e| AppError::Internal(e.to_string()))?;
    let (mime, ext) = match format {
        ExportFormat::Csv | ExportFormat::CsvRaw => ("text/csv; charset=utf-8", "csv"),
        ExportFormat::GeoJson => ("application/geo+json", "geojson"),
        ExportFormat::Parquet => ("application/vnd.apache.parquet", "parquet"),
    };
    let safe: String = stem
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .take(60)
        .collect();
    let name = if safe.is_empty() {
        "resultaat".to_string()
    } else {
        safe
    };
    Ok((
        [
            (header::CONTENT_TYPE, mime.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{ext}\""),
            ),
        ],
        buf,
    )
        .into_response())
}

/// Results for showing.
pub fn results(out: &QueryOutput) -> Result<Results, AppError> {
    Ok(Results::from_output(out)?)
}
