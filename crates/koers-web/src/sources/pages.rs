//! Bronnen uit een dienst: choosing a service (OGC API – Features, WFS, CBS OData, CKAN),
//! what to read from what it offers, importing with progress; on a dataset's page its
//! source, schedule and "Nu verversen".

use crate::auth::Ctx;
use crate::catalog::pages::render_dataset;
use crate::catalog::views::describe_failure;
use crate::error::{AppError, Reply};
use crate::input::FormInput;
use crate::shell::{Done, after_form, form_outcome, form_problem, page_with_status};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::sources;
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/bronnen/dienst" => get(choose).post(import),
        "/bronnen/{id}/dienst" => post(set_source),
        "/bronnen/{id}/verversen" => post(refresh),
    }
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

async fn render(ctx: &Ctx, status: StatusCode, f: &ServiceForm, extra: Value) -> Reply {
    let listed = if f.kind.is_empty() && f.url.is_empty() {
        // Nothing to list yet; the page is still for data stewards only.
        ctx.require(koers_core::Permission::ManageData)
            .map(|()| None)
            .map_err(AppError::from)
    } else {
        sources::offers(ctx.ws(), &ctx.who, &f.kind, &f.url, &f.item)
            .await
            .map(Some)
            .map_err(AppError::from)
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
            "odata" if f.item.is_empty() => sources::ODATA_DEFAULT_SET,
            _ => f.item.as_str(),
        },
    };
    page_with_status(
        ctx,
        status,
        "service.html",
        "/bronnen",
        context! { form => form, offers => offered, ..problem },
    )
    .await
}

/// Step 1 and 2: the service, and (once given) what it offers.
async fn choose(ctx: Ctx, Query(f): Query<ServiceForm>) -> Reply {
    render(&ctx, StatusCode::OK, &f, context! {}).await
}

/// Starts the import; the job page shows its progress.
async fn import(ctx: Ctx, form: FormInput) -> Reply {
    let f: ServiceForm = serde_json::from_value(serde_json::Value::Object(form.0.fields().clone()))
        .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
    let started = sources::start_import(ctx.ws(), &ctx.who, form.0, describe_failure);
    form_outcome(
        started,
        minijinja::Value::UNDEFINED,
        |job| Done::To(format!("/bronnen/taken/{}", job.id)),
        |status, problem| render(&ctx, status, &f, problem),
    )
    .await
}

/// Saves the schedule (and the definition, sent along) of a dataset's source.
async fn set_source(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = sources::replace(ctx.ws(), &ctx.who, &id, input).await;
    after_form(
        r,
        (format!("/bronnen/{id}"), "source_saved"),
        async |status, extra| render_dataset(&ctx, &id, status, extra).await,
    )
    .await
}

/// "Nu verversen": reads the dataset from its source again; the job page shows progress.
async fn refresh(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let job = sources::start_refresh(ctx.ws(), &ctx.who, &id, describe_failure).await?;
    Ok(Redirect::to(&format!("/bronnen/taken/{}", job.id)).into_response())
}
