//! Analyses (M2): the SQL editor with the schema browser, a paged result table, a map of
//! geometry results and exports; saved analyses with parameters.

use super::views::download;
use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::{FormInput, Input};
use crate::shell::{Done, form_outcome, form_problem, page_with_status, when_confirmed};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::analysis::{self as analysis, Analysis, export_format};
use koers_app::results::Results;
use koers_core::Permission;
use koers_core::catalog::labels::Labels;
use koers_svg::map;
use minijinja::{Value, context};
use std::collections::BTreeMap;

const PAGE: usize = 100;

pub fn router() -> Router<AppState> {
    routes! {
        "/analyses" => get(editor),
        "/analyses/bouwer" => get(super::builder::new).post(super::builder::change),
        "/analyses/{id}/bouwer" => get(super::builder::open),
        "/analyses/uitvoeren" => post(run),
        "/analyses/exporteren" => post(export_adhoc),
        "/analyses/opslaan" => post(save_new),
        "/analyses/{id}" => get(saved),
        "/analyses/{id}/uitvoeren" => get(run_saved_page),
        "/analyses/{id}/exporteren" => post(export_saved),
        "/analyses/{id}/opslaan" => post(save_existing),
        "/analyses/{id}/kolommen" => post(label_column),
        "/analyses/{id}/verwijderen" => post(delete),
    }
}

/// The result table's page and the map, for the template.
/// A result's page of rows, read with `labels` where a saved analysis has them: a value of a
/// column with a code list reads as its words.
fn result_context(
    r: &Results,
    page_no: usize,
    (lang, labels): (crate::i18n::Lang, &Labels),
) -> Value {
    let pages = r.rows.len().div_ceil(PAGE).max(1);
    let page_no = page_no.clamp(1, pages);
    let rows: Vec<Vec<String>> = r
        .rows
        .iter()
        .skip((page_no - 1) * PAGE)
        .take(PAGE)
        .map(|row| {
            row.iter()
                .zip(&r.columns)
                .map(|(v, c)| match v {
                    serde_json::Value::String(s) => labels
                        .coded(c, s)
                        .unwrap_or_else(|| crate::i18n::cell(lang, v)),
                    v => crate::i18n::cell_of(lang, c, v),
                })
                .collect()
        })
        .collect();
    let svg = map::svg(
        &r.features().into_iter().take(5000).collect::<Vec<_>>(),
        &crate::i18n::t(lang, "analysis.result_map"),
    );
    context! {
        columns => r.columns, rows => rows, total => r.rows.len(), page => page_no, pages => pages,
        truncated => r.truncated, elapsed_ms => r.elapsed_ms as u64, map_svg => svg, incremental => r.incremental,
    }
}

async fn render(
    ctx: &Ctx,
    template: &str,
    current: &str,
    status: StatusCode,
    extra: Value,
) -> Reply {
    let bench = analysis::workbench(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        template,
        current,
        context! {
            tables => bench.tables,
            saved => bench.saved,
            can_analyse => ctx.may(Permission::Analyse),
            can_define => ctx.may(Permission::DefineIndicators),
            ..extra
        },
    )
    .await
}

async fn editor(ctx: Ctx) -> Reply {
    render(
        &ctx,
        "analysis.html",
        "/analyses",
        StatusCode::OK,
        context! { sql => "" },
    )
    .await
}

/// A failed query shown on its page, next to the SQL that caused it: its status, and the
/// message with the engine's own words for the toggle; a failure of koers itself goes on.
fn query_problem(e: koers_app::Error) -> Result<(StatusCode, Value), AppError> {
    let original = e.original();
    let e = AppError::from(e);
    if !query_error(&e) {
        return Err(e);
    }
    Ok((
        e.status(),
        context! { error => e.detail(), original => original },
    ))
}

/// Shows a query's problem on the page itself, next to the SQL that caused it.
fn query_error(e: &AppError) -> bool {
    matches!(
        e,
        AppError::BadRequest(_)
            | AppError::Invalid(_)
            | AppError::Unprocessable(_)
            | AppError::Busy(_)
    )
}

async fn run(ctx: Ctx, FormInput(input): FormInput) -> Reply {
    run_with(ctx, input).await
}

/// Runs the SQL of a form in the editor and shows it with its result or its problem.
pub async fn run_with(ctx: Ctx, mut input: Input) -> Reply {
    let sql = input.text("sql");
    let page_no: usize = input.text("page").parse().unwrap_or(1);
    match analysis::run_sql(ctx.ws(), &ctx.who, &sql).await {
        Ok(out) => {
            let r = Results::from_output(&out)?;
            let extra = context! { sql => sql, result => result_context(&r, page_no, (ctx.lang, &Labels::default())) };
            render(&ctx, "analysis.html", "/analyses", StatusCode::OK, extra).await
        }
        Err(e) => {
            let (status, problem) = query_problem(e)?;
            let extra = context! { sql => sql, ..problem };
            render(&ctx, "analysis.html", "/analyses", status, extra).await
        }
    }
}

async fn export_adhoc(ctx: Ctx, FormInput(mut input): FormInput) -> Reply {
    let sql = input.text("sql");
    let format = export_format(&input.text("format"))?;
    let out = analysis::run_sql(ctx.ws(), &ctx.who, &sql).await?;
    download(&ctx, &out, format, "resultaat").await
}

async fn save_new(ctx: Ctx, form: FormInput) -> Reply {
    let sql = form.value().get_attr("sql").unwrap_or_default();
    match analysis::save(ctx.ws(), &ctx.who, None, form.0)
        .await
        .map_err(AppError::from)
    {
        Ok(a) => Ok(Redirect::to(&format!("/analyses/{}", a.id)).into_response()),
        Err(e) if query_error(&e) => {
            let extra = context! { sql => sql, ..form_problem(&e) };
            render(&ctx, "analysis.html", "/analyses", e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// The values of a saved analysis' parameters in a form (`p_<name>`), the empty ones left
/// out (their defaults apply).
fn param_values(input: &mut Input, a: &Analysis) -> BTreeMap<String, String> {
    a.parameters
        .iter()
        .map(|p| (p.name.clone(), input.text(&format!("p_{}", p.name))))
        .filter(|(_, v)| !v.is_empty())
        .collect()
}

/// A saved analysis' page, read first.
async fn render_saved(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let s = analysis::saved(ctx.ws(), &ctx.who, id).await?;
    render_read(ctx, &s, status, extra).await
}

/// A saved analysis' page from what was read of it.
async fn render_read(ctx: &Ctx, s: &analysis::Saved, status: StatusCode, extra: Value) -> Reply {
    // The dashboards its result can be put on.
    let dashboards = if ctx.may(Permission::Analyse) {
        koers_app::dashboards::list(ctx.ws(), &ctx.who).await?
    } else {
        Vec::new()
    };
    render(
        ctx,
        "analysis_saved.html",
        "/analyses",
        status,
        context! { a => &s.analysis, fields => s.fields(), dashboards => dashboards, ..extra },
    )
    .await
}

/// A saved analysis' page; `?kolom=<name>` opens the form that says what that column means.
async fn saved(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<std::collections::BTreeMap<String, String>>,
) -> Reply {
    let extra = crate::catalog::pages::chosen_column(&q);
    render_saved(&ctx, &id, StatusCode::OK, extra).await
}

/// Runs a saved analysis with the parameter values (`p_<name>`) and result page (`page`) of
/// the address: a GET, so the result can be reloaded, kept and shared as a link.
async fn run_saved_page(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(asked): Query<Vec<(String, String)>>,
) -> Reply {
    let mut input = Input::from_pairs(asked);
    let s = analysis::saved(ctx.ws(), &ctx.who, &id).await?;
    let values = param_values(&mut input, &s.analysis);
    let page_no: usize = input.text("page").parse().unwrap_or(1);
    match analysis::run(ctx.ws(), &ctx.who, &s.analysis, &values).await {
        Ok(out) => {
            let r = Results::from_output(&out)?;
            let hidden: Vec<(String, String)> = values
                .iter()
                .map(|(k, v)| (format!("p_{k}"), v.clone()))
                .collect();
            // The columns as the analysis and the catalog name them.
            let headings: Vec<String> = r.columns.iter().map(|c| s.labels.heading(c)).collect();
            let result = context! { columns => headings, ..result_context(&r, page_no, (ctx.lang, &s.labels)) };
            let extra = context! { values => values, hidden => hidden, result => result };
            render_read(&ctx, &s, StatusCode::OK, extra).await
        }
        Err(e) => {
            let (status, problem) = query_problem(e)?;
            render_read(&ctx, &s, status, context! { values => values, ..problem }).await
        }
    }
}

async fn export_saved(ctx: Ctx, Path(id): Path<String>, FormInput(mut input): FormInput) -> Reply {
    let a = analysis::analysis(ctx.ws(), &ctx.who, &id).await?;
    let values = param_values(&mut input, &a);
    let format = export_format(&input.text("format"))?;
    let out = analysis::run(ctx.ws(), &ctx.who, &a, &values).await?;
    download(&ctx, &out, format, &a.title.replace(' ', "_")).await
}

async fn save_existing(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let sent = sent_analysis(input.clone());
    match analysis::save(ctx.ws(), &ctx.who, Some(&id), input)
        .await
        .map_err(AppError::from)
    {
        Ok(a) => Ok(Redirect::to(&format!("/analyses/{}", a.id)).into_response()),
        Err(e) if query_error(&e) => {
            let extra = context! { sent => sent, ..form_problem(&e) };
            render_saved(&ctx, &id, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// A saved analysis' form as it was sent, in the shape of the analysis (`title`,
/// `description`, `sql`, `parameters`), to show again when saving it is refused.
fn sent_analysis(mut sent: koers_app::Input) -> Value {
    let (names, kinds, defaults) = (
        sent.texts("paramName"),
        sent.texts("paramKind"),
        sent.texts("paramDefault"),
    );
    let parameters: Vec<Value> = names
        .iter()
        .zip(&kinds)
        .zip(&defaults)
        .filter(|((name, _), _)| !name.trim().is_empty())
        .map(|((name, kind), default)| context! { name => name, kind => kind, default => default })
        .collect();
    context! {
        title => sent.text("title"),
        description => sent.text("description"),
        sql => sent.text("sql"),
        parameters => parameters,
    }
}

/// Says what a result column means: title, unit, code list (analysts).
async fn label_column(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    crate::catalog::pages::label_column_form(
        input,
        &format!("/analyses/{id}"),
        async |column, input| analysis::label_column(ctx.ws(), &ctx.who, &id, &column, input).await,
        async |status, extra| render_saved(&ctx, &id, status, extra).await,
    )
    .await
}

/// Deletes a saved analysis once the form confirms it; otherwise its page again, saying so.
async fn delete(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = when_confirmed(&input, ctx.lang, analysis::delete(ctx.ws(), &ctx.who, &id)).await;
    form_outcome(
        r,
        Value::UNDEFINED,
        |()| Done::To("/analyses".into()),
        async |status, extra| render_saved(&ctx, &id, status, extra).await,
    )
    .await
}
