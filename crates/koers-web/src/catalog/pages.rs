//! Bronnen (M1): the catalog of datasets, importing with progress, and a dataset's page
//! with its DCAT-AP-NL metadata, schema, quality history, preview, map and (for a dataset
//! read from a service) its source. The source's own forms are in [`crate::sources`], which
//! draws this page again through [`render_dataset`].

use super::read_import_form;
use super::views::{SourceOut, describe_failure};
use crate::auth::Ctx;
use crate::dashboards::render::MapOut;
use crate::error::{AppError, Reply};
use crate::input::{FormInput, Input};
use crate::shell::{Done, form_outcome, page, page_with_status, run_form};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use axum::routing::{get, post};
use koers_app::catalog;
use koers_app::results::Results;
use koers_core::Permission;
use koers_core::catalog::{AccessRights, CADENCES, LICENCES, THEMES};
use koers_svg::map;
use minijinja::{Value, context};

/// Rows read for a dataset's preview and map (the table shows the first 20).
const PREVIEW_ROWS: usize = 500;

pub fn router() -> Router<AppState> {
    routes! {
        "/bronnen" => get(list),
        // The upload streams to disk with its own size check.
        "/bronnen/importeren" => post(import).layer(DefaultBodyLimit::disable()),
        "/bronnen/importeren/controle" => post(import_checked),
        "/bronnen/taken/{job_id}" => get(job_page),
        "/bronnen/taken/{job_id}/voortgang" => get(job_fragment),
        "/bronnen/{id}" => get(show),
        "/bronnen/{id}/metadata" => post(edit_meta),
        "/bronnen/{id}/kolommen" => post(label_column),
    }
}

async fn render_list(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let all = catalog::datasets(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "catalog.html",
        "/bronnen",
        context! {
            own => all.own,
            public => all.public,
            can_import => ctx.may(Permission::ManageData),
            max_upload_mb => ctx.state.cfg.max_upload_bytes / (1024 * 1024),
            ..extra
        },
    )
    .await
}

async fn list(ctx: Ctx) -> Reply {
    render_list(&ctx, StatusCode::OK, context! {}).await
}

async fn import(ctx: Ctx, mp: Multipart) -> Reply {
    // Rights before reading the form: nothing of a viewer's upload is kept.
    ctx.require(Permission::ManageData)?;
    let fields = read_import_form(&ctx.state, mp).await?;
    if fields.check {
        return match catalog::stage_import(ctx.ws(), &ctx.who, fields)
            .await
            .map_err(AppError::from)
        {
            Ok(staged) => render_check(&ctx, &staged, StatusCode::OK, context! {}).await,
            Err(e @ (AppError::Invalid(_) | AppError::BadRequest(_))) => {
                render_list(&ctx, e.status(), crate::shell::form_problem(&e)).await
            }
            Err(e) => Err(e),
        };
    }
    let started = catalog::start_import(ctx.ws(), &ctx.who, fields, describe_failure);
    to_job(&ctx, started).await
}

/// An import that started goes to its progress page; one refused shows the list again
/// with why.
async fn to_job(ctx: &Ctx, started: koers_app::Result<std::sync::Arc<koers_app::Job>>) -> Reply {
    form_outcome(
        started,
        Value::UNDEFINED,
        |job| Done::To(format!("/bronnen/taken/{}", job.id)),
        |status, extra| render_list(ctx, status, extra),
    )
    .await
}

/// The columns of a staged CSV file with their detected types, to check before importing.
async fn render_check(
    ctx: &Ctx,
    staged: &catalog::Staged,
    status: StatusCode,
    extra: Value,
) -> Reply {
    page_with_status(
        ctx,
        status,
        "import_check.html",
        "/bronnen",
        context! {
            token => staged.token, name => staged.name, columns => staged.columns, mode => staged.mode,
            types => catalog::ColumnType::ALL.iter().map(|t| t.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await
}

/// Imports a checked CSV file with the chosen column types (`type.<column>`); refused, the
/// check form again with the problems beside its fields and the choices as sent.
async fn import_checked(ctx: Ctx, form: FormInput) -> Reply {
    let value = form.value();
    let mut input = form.0;
    let token = input.text("token");
    let name = input.text("name");
    let types: std::collections::BTreeMap<String, String> = input.texts_under("type.");
    let mode = input.text("mode");
    let started = catalog::import_staged(
        ctx.ws(),
        &ctx.who,
        &token,
        &name,
        &types,
        &mode,
        describe_failure,
    );
    match started {
        Err(koers_app::Error::Invalid(i)) => {
            let staged = catalog::staged(ctx.ws(), &ctx.who, &token, &name, &mode).await?;
            let problem = crate::shell::form_problem(&AppError::Invalid(i));
            let extra = context! { form => value, ..problem };
            render_check(&ctx, &staged, StatusCode::BAD_REQUEST, extra).await
        }
        started => to_job(&ctx, started).await,
    }
}

/// The job's state for the templates and, once an import is done, its summary: what the
/// new version holds (rows, columns and their types, empty values, geometry) and what to
/// do next.
async fn job_context(ctx: &Ctx, view: &koers_app::JobView) -> Result<Value, AppError> {
    let summary = match &view.result {
        Some(id) => {
            let ds = catalog::dataset(ctx.ws(), &ctx.who, id).await?;
            let versions = catalog::versions(ctx.ws(), &ctx.who, id).await?;
            versions.first().map(|v| {
                let columns = v.columns.as_array().cloned().unwrap_or_default();
                let with_empty = v
                    .quality
                    .as_array()
                    .map(|q| {
                        q.iter()
                            .filter(|c| c["null_count"].as_i64().unwrap_or(0) > 0)
                            .count()
                    })
                    .unwrap_or(0);
                context! {
                    id => ds.id, name => ds.name, title => ds.meta.title, version => v.version,
                    rows => v.row_count, columns => columns, with_empty => with_empty,
                    geometry => v.geometry.as_ref().and_then(|g| g["column"].as_str()),
                    appended => v.appended.as_ref().map(|a| a.rows),
                }
            })
        }
        None => None,
    };
    Ok(context! { job => Value::from_serialize(view), summary => summary })
}

async fn job_page(ctx: Ctx, Path(job_id): Path<String>) -> Result<Html<String>, AppError> {
    let job = catalog::job(ctx.ws(), &ctx.who, &job_id).await?;
    let extra = job_context(&ctx, &job).await?;
    page(&ctx, "job.html", "/bronnen", extra).await
}

/// The progress part of the job page, polled by the page every second.
async fn job_fragment(ctx: Ctx, Path(job_id): Path<String>) -> Reply {
    let job = catalog::job(ctx.ws(), &ctx.who, &job_id).await?;
    let extra = job_context(&ctx, &job).await?;
    let html = crate::templates::Templates::render(
        "job_progress.html",
        context! { lang => ctx.lang.code(), ..extra },
    )?;
    Ok(Html(html).into_response())
}

/// A dataset's page, with `extra` for the template (a notice, a form's problems).
pub async fn render_dataset(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let catalog::DatasetPage {
        dataset: ds,
        versions,
        preview,
    } = catalog::dataset_page(ctx.ws(), &ctx.who, id, PREVIEW_ROWS).await?;
    let latest = versions.first();
    let (preview, map_svg) = match preview {
        Some(out) => {
            let results = Results::from_output(&out)?;
            let title = crate::i18n::tr(ctx.lang, "catalog.map_of", &[("title", &ds.meta.title)]);
            let svg = map::svg(&results.features(), &title);
            let rows: Vec<Vec<String>> = results
                .rows
                .iter()
                .take(20)
                .map(|r| {
                    r.iter()
                        .zip(&results.columns)
                        .map(|(v, c)| crate::i18n::cell_of(ctx.lang, c, v))
                        .collect()
                })
                .collect();
            (
                Some(context! { columns => results.columns, rows => rows }),
                svg,
            )
        }
        None => (None, None),
    };
    // A map of every point, from vector tiles, for each pair of longitude and latitude.
    let columns = latest.map(|v| v.column_names()).unwrap_or_default();
    let pairs = koers_app::tiles::point_pairs(&columns);
    let chosen = extra
        .get_attr("kaart")
        .ok()
        .and_then(|k| k.as_str().map(str::to_string))
        .and_then(|k| pairs.iter().find(|(lon, _)| *lon == k).cloned())
        .or_else(|| pairs.first().cloned());
    let points = chosen.map(|(lon, lat)| {
        let q = serde_urlencoded::to_string([("lon", &lon), ("lat", &lat)]).unwrap_or_default();
        context! {
            lon => lon,
            pairs => pairs.iter().map(|p| p.0.clone()).collect::<Vec<_>>(),
            map => MapOut::tiles(format!("/api/v1/datasets/{}/tiles/{{z}}/{{x}}/{{y}}?{q}", ds.id)),
        }
    });
    let own = ds.org_id == ctx.org.id;
    let source = koers_app::sources::source_if_any(ctx.ws(), &ctx.who, &ds.id)
        .await?
        .map(SourceOut::from);
    page_with_status(
        ctx,
        status,
        "dataset.html",
        "/bronnen",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            ds => ds,
            own => own,
            versions => versions,
            latest => latest,
            preview => preview,
            map_svg => map_svg,
            points => points,
            can_edit => own && ctx.may(Permission::ManageData),
            can_analyse => ctx.may(Permission::Analyse),
            themes => THEMES,
            licences => LICENCES.iter().map(|(id, _)| *id).collect::<Vec<_>>(),
            access_rights => AccessRights::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            cadences => CADENCES,
            access_uri => ds.meta.access_rights.uri(),
            source => source,
            ..extra
        },
    )
    .await
}

/// A dataset's page; `?kolom=<name>` opens the form that says what that column means.
async fn show(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Reply {
    let extra = context! { kaart => q.get("kaart"), ..chosen_column(&q) };
    render_dataset(&ctx, &id, StatusCode::OK, extra).await
}

/// The column whose form a page opens (`?kolom=<name>`): a dataset's or an analysis'.
pub(crate) fn chosen_column(q: &std::collections::BTreeMap<String, String>) -> Value {
    match q.get("kolom") {
        Some(c) => context! { column_form => context! { column => c } },
        None => context! {},
    }
}

/// Says what a column means: title, unit, code list (data stewards).
async fn label_column(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    label_column_form(
        input,
        &format!("/bronnen/{id}"),
        async |column, input| catalog::label_column(ctx.ws(), &ctx.who, &id, &column, input).await,
        async |status, extra| render_dataset(&ctx, &id, status, extra).await,
    )
    .await
}

/// The form that says what a column means (`column_labels.html`), of a dataset or an
/// analysis (its page at `page`): `label` saves it; back to the page with the same column
/// chosen and a notice, or the page again with the form as sent (`column_form`) and its
/// problems.
pub(crate) async fn label_column_form<T>(
    mut input: Input,
    page: &str,
    label: impl AsyncFnOnce(String, Input) -> Result<T, koers_app::Error>,
    render: impl AsyncFnOnce(StatusCode, Value) -> Reply,
) -> Reply {
    let column = input.text("column");
    let fields = context! {
        column => column, title => input.text("title"), unit => input.text("unit"),
        codes => input.text("codes"),
    };
    let chosen = serde_urlencoded::to_string([("kolom", &column)]).unwrap_or_default();
    let back = format!("{page}?{chosen}#kolom-beschrijven");
    let r = label(column, input).await;
    form_outcome(
        r,
        Value::UNDEFINED,
        |_| Done::Back(back, "column_saved"),
        async |status, extra| render(status, context! { column_form => fields, ..extra }).await,
    )
    .await
}

async fn edit_meta(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| catalog::update_meta(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("/bronnen/{id}"), "meta_saved"),
        |status, extra| render_dataset(&ctx, &id, status, extra),
    )
    .await
}
