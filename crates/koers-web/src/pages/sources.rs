//! Bronnen uit een dienst: choosing a service (OGC API – Features, WFS, CBS OData, CKAN),
//! what to read from what it offers, importing with progress; on a dataset's page its
//! source, schedule and "Nu verversen".

use super::catalog::render_dataset;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::shell::{after_form, form_problem, page};
use crate::sources::{offers, read_source, replace, source, start_import, start_refresh};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_core::Permission;
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/bronnen/dienst", get(choose).post(import))
        .route("/bronnen/{id}/dienst", post(set_source))
        .route("/bronnen/{id}/verversen", post(refresh))
}

/// The fields of the service forms, to fill them in again.
#[derive(Deserialize, Default, serde::Serialize)]
#[serde(default)]
struct ServiceForm {
    kind: String,
    url: String,
    /// The CKAN package (step 1), or the chosen collection/layer/table (step 2).
    item: String,
    resource: String,
    name: String,
    crs: String,
    bbox: String,
    every: String,
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    f: &ServiceForm,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::ManageData)?;
    let listed = if f.kind.is_empty() && f.url.is_empty() {
        Ok(None)
    } else {
        offers(state, ctx, &f.kind, &f.url, &f.item).await.map(Some)
    };
    let (offered, problem) = match listed {
        Ok(o) => (o, extra),
        Err(e @ (AppError::Invalid(_) | AppError::BadRequest(_) | AppError::NotFound)) => {
            (None, context! { ..form_problem(&e), ..extra })
        }
        Err(e) => return Err(e),
    };
    let status = if offered.is_none() && !f.url.is_empty() {
        StatusCode::BAD_REQUEST
    } else {
        status
    };
    let ckan = f.kind == "ckan";
    let form = context! {
        kind => f.kind, url => f.url, name => f.name, crs => f.crs, bbox => f.bbox,
        every => if f.every.is_empty() { "manual" } else { &f.every },
        package => if ckan { f.item.as_str() } else { "" },
        chosen => match f.kind.as_str() {
            "ckan" => f.resource.as_str(),
            // A CBS table's data, rather than its first entity set (TableInfos).
            "odata" if f.item.is_empty() => koers_app::sources::ODATA_DEFAULT_SET,
            _ => f.item.as_str(),
        },
    };
    let html = page(
        state,
        ctx,
        "service.html",
        "/bronnen",
        context! { form => form, offers => offered, ..problem },
    )
    .await?;
    Ok((status, html).into_response())
}

/// Step 1 and 2: the service, and (once given) what it offers.
async fn choose(
    State(state): State<AppState>,
    ctx: Ctx,
    Query(f): Query<ServiceForm>,
) -> Result<Response, AppError> {
    render(&state, &ctx, StatusCode::OK, &f, context! {}).await
}

/// Starts the import; the job page shows its progress.
async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    ctx.require(Permission::ManageData)?;
    let f: ServiceForm = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
    let started =
        read_source(crate::input::form(&body)?).and_then(|src| start_import(&state, &ctx, src));
    match started {
        Ok(job) => Ok(Redirect::to(&format!("/bronnen/taken/{}", job.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let problem = form_problem(&e);
            render(&state, &ctx, StatusCode::BAD_REQUEST, &f, problem).await
        }
        Err(e) => Err(e),
    }
}

/// The source part of a dataset's page: for the organisation's own datasets with a source.
pub(super) async fn dataset_context(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<Value, AppError> {
    match source(state, ctx, id).await {
        Ok(v) => Ok(Value::from_serialize(crate::api::sources::SourceOut::from(
            v,
        ))),
        Err(AppError::NotFound) => Ok(Value::from(())),
        Err(e) => Err(e),
    }
}

/// Saves the schedule (and the definition, sent along) of a dataset's source.
async fn set_source(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = replace(&state, &ctx, &id, crate::input::form(&body)?).await;
    after_form(r, "", |status, extra| async move {
        let extra = context! { source_notice => status == StatusCode::OK, ..extra };
        render_dataset(&state, &ctx, &id, status, extra).await
    })
    .await
}

/// "Nu verversen": reads the dataset from its source again; the job page shows progress.
async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let job = start_refresh(&state, &ctx, &id).await?;
    Ok(Redirect::to(&format!("/bronnen/taken/{}", job.id)).into_response())
}
