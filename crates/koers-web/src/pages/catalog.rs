//! Bronnen (M1): the catalog of datasets, importing with progress, and a dataset's page
//! with its DCAT-AP-NL metadata, schema, quality history, preview and map.

use crate::auth::Ctx;
use crate::catalog::{read_import_form, start_import, update_meta};
use crate::error::AppError;
use crate::map;
use crate::shell::{form_problem, page};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_app::results::{Results, display};
use koers_core::Permission;
use koers_core::catalog::{AccessRights, CADENCES, LICENCES, THEMES};
use minijinja::{Value, context};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bronnen", get(list))
        .route(
            "/bronnen/importeren",
            // The upload streams to disk with its own size check.
            post(import).layer(DefaultBodyLimit::disable()),
        )
        .route("/bronnen/taken/{job_id}", get(job_page))
        .route("/bronnen/taken/{job_id}/voortgang", get(job_fragment))
        .route("/bronnen/{id}", get(show))
        .route("/bronnen/{id}/metadata", post(edit_meta))
}

async fn render_list(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let own = state.store.datasets(&ctx.org.id).await?;
    let public = state.store.public_datasets_elsewhere(&ctx.org.id).await?;
    let html = page(
        state,
        ctx,
        "catalog.html",
        "/bronnen",
        context! {
            own => own,
            public => public,
            can_import => ctx.require(Permission::ManageData).is_ok(),
            max_upload_mb => state.cfg.max_upload_bytes / (1024 * 1024),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_list(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    mp: Multipart,
) -> Result<Response, AppError> {
    ctx.require(Permission::ManageData)?;
    let form = read_import_form(&state, mp, state.cfg.max_upload_bytes).await?;
    match start_import(&state, &ctx, form) {
        Ok(job) => Ok(Redirect::to(&format!("/bronnen/taken/{}", job.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! { error => e.detail() };
            render_list(&state, &ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

/// The job's state for the templates.
fn job_context(job: &koers_app::Job) -> Value {
    Value::from_serialize(job.view())
}

async fn job_page(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(job_id): Path<String>,
) -> Result<Html<String>, AppError> {
    ctx.require(Permission::Read)?;
    let job = state
        .ws
        .jobs
        .get(&ctx.org.id, &job_id)
        .ok_or(AppError::NotFound)?;
    page(
        &state,
        &ctx,
        "job.html",
        "/bronnen",
        context! { job => job_context(&job) },
    )
    .await
}

/// The progress part of the job page, polled by the page every second.
async fn job_fragment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(job_id): Path<String>,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let job = state
        .ws
        .jobs
        .get(&ctx.org.id, &job_id)
        .ok_or(AppError::NotFound)?;
    let html = crate::templates::Templates::render(
        "job_progress.html",
        context! { lang => ctx.lang.code(), job => job_context(&job) },
    )?;
    Ok(Html(html).into_response())
}

pub(super) async fn render_dataset(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let ds = state.store.dataset(&ctx.org.id, id).await?;
    let versions = state.ws.versions_seen_by(&ctx.org.id, &ds).await?;
    let latest = versions.first();
    let (preview, map_svg) = match latest {
        Some(v) => {
            let out = state.ws.preview(&ctx.org.id, &ds, v.version, 500).await?;
            let results = Results::from_output(&out)?;
            let svg = map::svg(&results.features(), &format!("Kaart van {}", ds.meta.title));
            let rows: Vec<Vec<String>> = results
                .rows
                .iter()
                .take(20)
                .map(|r| r.iter().map(display).collect())
                .collect();
            (
                Some(context! { columns => results.columns, rows => rows }),
                svg,
            )
        }
        None => (None, None),
    };
    let own = ds.org_id == ctx.org.id;
    let source = super::sources::dataset_context(state, ctx, &ds.id).await?;
    let html = page(
        state,
        ctx,
        "dataset.html",
        "/bronnen",
        context! {
            ds => ds,
            own => own,
            versions => versions,
            latest => latest,
            preview => preview,
            map_svg => map_svg,
            can_edit => own && ctx.require(Permission::ManageData).is_ok(),
            themes => THEMES,
            licences => LICENCES.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            access_rights => AccessRights::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            cadences => CADENCES,
            access_uri => ds.meta.access_rights.uri(),
            source => source,
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_dataset(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

async fn edit_meta(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    match update_meta(&state, &ctx, &id, crate::input::form(&body)?).await {
        Ok(_) => {
            render_dataset(
                &state,
                &ctx,
                &id,
                StatusCode::OK,
                context! { notice => true },
            )
            .await
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = form_problem(&e);
            render_dataset(&state, &ctx, &id, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}
