//! Informatieproducten (M3) in the pages: indicators defined on saved analyses and monitors
//! that follow them. An indicator's page shows its latest result as a key figure (value,
//! unit, status in text and colour, trend, target), a line chart drawn as SVG with the
//! table of its values as text alternative, a button to refresh it now, and a CSV export.
//! Snapshots of monitors, indicators and dashboards are taken and shown here too.

use crate::auth::Ctx;
use crate::dashboards::export::document_pdf;
use crate::dashboards::render::key_figure;
use crate::download::{CSV, download, stem, uncached_download};
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, t};
use crate::input::FormInput;
use crate::shell::{Done, after_form, page_with_status, run_form};
use crate::snapshots::snapshot_panel;
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::products::{self as products, Grain, IndicatorView, Likely};
use koers_core::Permission;
use koers_svg::chart::{Width, format_number, line_svg};
use minijinja::{Value, context};
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    routes! {
        "/informatieproducten" => get(overview),
        "/informatieproducten/indicatoren" => post(add_indicator),
        "/informatieproducten/indicatoren/{id}" => get(show_indicator),
        "/informatieproducten/indicatoren/{id}/verversen" => post(refresh_indicator),
        "/informatieproducten/indicatoren/{id}/data.csv" => get(export_csv),
        "/informatieproducten/indicatoren/{id}/indicator.pdf" => get(indicator_pdf),
        "/informatieproducten/indicatoren/{id}/schema" => post(set_schedule),
        "/informatieproducten/monitoren" => post(add_monitor),
        "/informatieproducten/monitoren/{id}" => get(show_monitor).post(edit_monitor),
        "/informatieproducten/monitoren/{id}/monitor.pdf" => get(monitor_pdf),
        "/informatieproducten/monitoren/{id}/versies/{version}/terugzetten" =>
            post(restore_monitor_version),
        "/informatieproducten/{kind}/{id}/momentopnamen" => post(snapshot),
        "/informatieproducten/momentopnamen/{id}" => get(show_snapshot),
        "/informatieproducten/momentopnamen/{id}/inhoud.json" => get(snapshot_json),
    }
}

async fn snapshot(
    ctx: Ctx,
    Path((kind, id)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let kind = match kind.as_str() {
        "monitoren" => "monitor",
        "indicatoren" => "indicator",
        "dashboards" => "dashboard",
        _ => return Err(AppError::NotFound),
    };
    let s = products::take_snapshot(ctx.ws(), &ctx.who, kind, &id, input).await?;
    Ok(Redirect::to(&format!("/informatieproducten/momentopnamen/{}", s.id)).into_response())
}

async fn show_snapshot(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let s = products::readable_snapshot(ctx.ws(), &ctx.who, &id).await?;
    let subject_link = match s.subject_kind.as_str() {
        "monitor" => format!("/informatieproducten/monitoren/{}", s.subject_id),
        "dashboard" => format!("/dashboards/{}", s.subject_id),
        _ => format!("/informatieproducten/indicatoren/{}", s.subject_id),
    };
    page_with_status(
        &ctx,
        StatusCode::OK,
        "snapshot.html",
        "/informatieproducten",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            intact => products::snapshot_intact(&s),
            figures => frozen_figures(&s.content, ctx.lang),
            s => s,
            subject_link => subject_link,
        },
    )
    .await
}

/// A snapshot's frozen indicators as the page reads them, in their order: the value and the
/// series with periods in words and numbers as the language writes them ("week 52, 2025",
/// "18.765,8"). The frozen JSON itself stays as it was hashed.
fn frozen_figures(content: &serde_json::Value, lang: Lang) -> Vec<Value> {
    let items = content["content"]["indicators"].as_array();
    items
        .into_iter()
        .flatten()
        .map(|item| {
            let result = &item["result"];
            let series = result["series"].as_array().into_iter().flatten();
            let series = series
                .filter_map(|p| Some((p["period"].as_str()?.to_string(), p["value"].as_f64()?)))
                .collect();
            let (series, period) =
                crate::templates::series_periods(lang, series, result["period"].as_str());
            let number = |v: f64| crate::templates::number(lang, v);
            let rows: Vec<Value> = series
                .iter()
                .map(|(period, value)| context! { period => period, value => number(*value) })
                .collect();
            context! {
                value => result["value"].as_f64().map(number),
                period => period,
                rows => rows,
            }
        })
        .collect()
}

/// The frozen content exactly as hashed: `sha256sum` of this file is the snapshot's hash.
async fn snapshot_json(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let s = products::readable_snapshot(ctx.ws(), &ctx.who, &id).await?;
    let name = format!("momentopname-{}.json", s.id);
    Ok(download("application/json", &name, s.content_text))
}

/// What a template needs to show an indicator: its view, chart and formatted numbers.
fn card(v: &IndicatorView, lang: Lang) -> Value {
    let (series, period) = crate::templates::series_periods(
        lang,
        v.series
            .iter()
            .map(|s| (s.period.clone(), s.value))
            .collect(),
        v.period.as_deref(),
    );
    let caption = crate::templates::series_caption(
        lang,
        (&v.indicator.name, &v.indicator.unit),
        v.indicator.target,
    );
    let rows: Vec<Value> = series
        .iter()
        .map(|(period, value)| context! { period => period, value => format_number(*value) })
        .collect();
    context! {
        v => v,
        period => period,
        value => v.value.map(format_number),
        target => v.indicator.target.map(format_number),
        green => format_number(v.indicator.green_threshold),
        amber => format_number(v.indicator.amber_threshold),
        chart => line_svg(Width::Wide, &series, v.indicator.target, &caption),
        chart_narrow => line_svg(Width::Narrow, &series, v.indicator.target, &caption),
        rows => rows,
    }
}

async fn render_overview(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let o = products::overview(ctx.ws(), &ctx.who).await?;
    // Each analysis' columns and what the form chooses for it at first (the page's script
    // chooses the same when another analysis is chosen: field id → value).
    let likely: Vec<(&str, Likely)> = o
        .analyses
        .iter()
        .map(|a| (a.id.as_str(), Likely::of(&a.columns)))
        .collect();
    let columns: BTreeMap<&str, Value> = o
        .analyses
        .iter()
        .zip(&likely)
        .map(|(a, (id, l))| {
            let grain = l.grain.as_str();
            let shape = context! { names => a.columns, period => l.period, value => l.value, grain => grain };
            (*id, shape)
        })
        .collect();
    let names: BTreeMap<&str, &Vec<String>> = o
        .analyses
        .iter()
        .map(|a| (a.id.as_str(), &a.columns))
        .collect();
    let chosen: BTreeMap<&str, BTreeMap<&str, &str>> = likely
        .iter()
        .map(|(id, l)| {
            let fields = [
                ("i-period", l.period.as_str()),
                ("i-value", l.value.as_str()),
                ("i-grain", l.grain.as_str()),
            ];
            (*id, fields.into_iter().collect())
        })
        .collect();
    let columns_json = serde_json::to_string(&names).unwrap_or_else(|_| "{}".into());
    let chosen_json = serde_json::to_string(&chosen).unwrap_or_else(|_| "{}".into());
    let (shown, shown_json) = crate::templates::column_choices(&o.analyses, &o.labels);
    page_with_status(
        ctx,
        status,
        "products.html",
        "/informatieproducten",
        context! {
            dashboards => o.dashboards, indicators => o.indicators, monitors => o.monitors,
            analyses => o.analyses,
            columns => columns, columns_json => columns_json, chosen_json => chosen_json,
            shown => shown, shown_json => shown_json,
            grains => Grain::ALL.iter().map(|g| g.as_str()).collect::<Vec<_>>(),
            can_define => ctx.may(Permission::DefineIndicators),
            can_edit => ctx.may(Permission::Analyse),
            ..extra
        },
    )
    .await
}

/// Which analysis the new-indicator form starts with (`?analyse=<id>`, from an analysis'
/// page).
#[derive(serde::Deserialize)]
struct Start {
    analyse: Option<String>,
}

async fn overview(ctx: Ctx, Query(start): Query<Start>) -> Reply {
    let extra = match start.analyse {
        Some(id) => context! { form => context! { analysisId => id }, open => "indicator" },
        None => context! {},
    };
    render_overview(&ctx, StatusCode::OK, extra).await
}

async fn add_indicator(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| products::create_indicator(ctx.ws(), &ctx.who, input).await,
        |i| Done::To(format!("/informatieproducten/indicatoren/{}", i.id)),
        |status, extra| render_overview(&ctx, status, context! { open => "indicator", ..extra }),
    )
    .await
}

async fn add_monitor(ctx: Ctx, form: FormInput) -> Reply {
    let value = form.value();
    match products::create_monitor(ctx.ws(), &ctx.who, form.0)
        .await
        .map_err(AppError::from)
    {
        Ok(m) => {
            Ok(Redirect::to(&format!("/informatieproducten/monitoren/{}", m.id)).into_response())
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! { monitor_error => e.detail(), monitor_field_errors => e.field_errors(), monitor_form => value };
            render_overview(&ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn render_indicator(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let d = products::indicator_details(ctx.ws(), &ctx.who, id).await?;
    let schedule = d
        .schedule
        .map(|(every, next)| context! { every => every.as_str(), next => next });
    page_with_status(
        ctx,
        status,
        "indicator.html",
        "/informatieproducten",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            c => koers_svg::chart::written_as(ctx.lang.separators(), || card(&d.view, ctx.lang)),
            analysis => d.analysis,
            can_refresh => ctx.may(Permission::DefineIndicators),
            schedule => schedule,
            panel => snapshot_panel(ctx, "indicatoren", id).await?,
            ..extra
        },
    )
    .await
}

async fn show_indicator(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_indicator(&ctx, &id, StatusCode::OK, context! {}).await
}

async fn refresh_indicator(ctx: Ctx, Path(id): Path<String>) -> Reply {
    match products::refresh(ctx.ws(), &ctx.who, &id)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => {
            let back = format!("/informatieproducten/indicatoren/{id}");
            Ok(crate::notice::back(&back, "refreshed"))
        }
        Err(e @ (AppError::Unprocessable(_) | AppError::BadRequest(_) | AppError::Invalid(_))) => {
            let extra = context! { error => e.detail() };
            render_indicator(&ctx, &id, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

async fn export_csv(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let v = products::indicator(ctx.ws(), &ctx.who, &id).await?;
    let name: String = v
        .indicator
        .name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .take(60)
        .collect();
    Ok(download(CSV, &format!("{name}.csv"), products::csv(&v)))
}

/// An indicator as PDF, for a meeting: its description, key figure and chart, with the
/// analysis it rests on and when it was computed.
async fn indicator_pdf(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let d = products::indicator_details(ctx.ws(), &ctx.who, &id).await?;
    let drawn = koers_svg::chart::written_as(ctx.lang.separators(), || {
        vec![key_figure(&d.view, Some(d.analysis.title), ctx.lang)]
    });
    let footer = format!("{} · koers", ctx.org.name);
    let i = &d.view.indicator;
    let pdf = document_pdf((&i.name, &i.description, None), &drawn, &footer, ctx.lang)?;
    Ok(pdf_file(&i.name, "indicator", pdf))
}

/// A monitor as PDF, for a meeting: every indicator's key figure and chart, each with the
/// analysis it rests on and when it was computed; the monitor's version in the footer.
async fn monitor_pdf(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let m = products::monitor_view(ctx.ws(), &ctx.who, &id).await?;
    let titles: BTreeMap<String, String> = koers_app::analysis::analyses(ctx.ws(), &ctx.who)
        .await?
        .into_iter()
        .map(|a| (a.id, a.title))
        .collect();
    let drawn = koers_svg::chart::written_as(ctx.lang.separators(), || {
        m.indicators
            .iter()
            .map(|v| {
                let source = titles.get(&v.indicator.analysis_id).cloned();
                key_figure(v, source, ctx.lang)
            })
            .collect::<Vec<_>>()
    });
    let footer = format!(
        "{} · {} {} · koers",
        ctx.org.name,
        t(ctx.lang, "dash.version"),
        m.monitor.version
    );
    let (name, description) = (&m.monitor.name, &m.monitor.description);
    let pdf = document_pdf((name, description, None), &drawn, &footer, ctx.lang)?;
    Ok(pdf_file(name, "monitor", pdf))
}

/// A PDF to save, named after what it shows.
fn pdf_file(name: &str, fallback: &str, pdf: Vec<u8>) -> axum::response::Response {
    let file = format!("{}.pdf", stem(name, fallback));
    uncached_download("application/pdf", &file, "no-store", pdf)
}

async fn show_monitor(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_monitor(&ctx, &id, StatusCode::OK, context! {}).await
}

/// The monitor with its key figures, its editor (analysts) and its versions, each with the
/// indicators it added and removed.
async fn render_monitor(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let products::MonitorDetails {
        view: m,
        versions,
        indicators,
    } = products::monitor_details(ctx.ws(), &ctx.who, id).await?;
    let cards: Vec<Value> = koers_svg::chart::written_as(ctx.lang.separators(), || {
        m.indicators.iter().map(|v| card(v, ctx.lang)).collect()
    });
    let name_of = |i: &String| {
        indicators
            .iter()
            .find(|x| &x.id == i)
            .map(|x| x.name.clone())
            .unwrap_or_else(|| i.clone())
    };
    let history: Vec<Value> = versions
        .iter()
        .enumerate()
        .map(|(k, v)| {
            let before = versions
                .get(k + 1)
                .map(|p| p.indicator_ids.clone())
                .unwrap_or_default();
            let (added, removed) = koers_core::indicators::list_changes(&before, &v.indicator_ids);
            context! {
                v => v,
                added => added.iter().map(name_of).collect::<Vec<_>>(),
                removed => removed.iter().map(name_of).collect::<Vec<_>>(),
            }
        })
        .collect();
    page_with_status(
        ctx,
        status,
        "monitor.html",
        "/informatieproducten",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            // The monitor as the API shows it, which the template reads.
            m => context! {
                monitor => super::api::MonitorOut::from(&m.monitor), indicators => m.indicators,
            },
            cards => cards, version => m.monitor.version, indicators => indicators,
            history => history, can_edit => ctx.may(Permission::Analyse),
            panel => snapshot_panel(ctx, "monitoren", id).await?,
            ..extra
        },
    )
    .await
}

async fn edit_monitor(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    match products::save_monitor(ctx.ws(), &ctx.who, &id, input)
        .await
        .map_err(AppError::from)
    {
        Err(AppError::Conflict(m)) => {
            render_monitor(&ctx, &id, StatusCode::CONFLICT, context! { error => m }).await
        }
        r => {
            let back = format!("/informatieproducten/monitoren/{id}");
            after_form(r, (back, "ip.monitor_saved"), |status, extra| {
                render_monitor(&ctx, &id, status, extra)
            })
            .await
        }
    }
}

async fn restore_monitor_version(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
    _form: FormInput,
) -> Reply {
    products::restore_monitor(ctx.ws(), &ctx.who, &id, version).await?;
    Ok(Redirect::to(&format!("/informatieproducten/monitoren/{id}#versies")).into_response())
}

async fn set_schedule(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = products::schedule(ctx.ws(), &ctx.who, &id, input).await;
    let back = format!("/informatieproducten/indicatoren/{id}");
    after_form(r, (back, "scheduled"), |status, extra| {
        render_indicator(&ctx, &id, status, extra)
    })
    .await
}
