//! Maturity over the years (`/volwassenheid/rondes/{id}/verloop`): which earlier round a
//! round follows and how its dimensions continue that round's, and one organisation's scores
//! beside the benchmark over the years, as a chart and a table.

use super::views::fmt_score;
use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::i18n::{builtin, t};
use crate::input::FormInput;
use crate::shell::{Done, page_with_status, run_form};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use koers_app::maturity as uc;
use koers_core::maturity::trend::overall;
use koers_svg::chart::{Series, Shape, Width, series_svg};
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/volwassenheid/rondes/{id}/verloop" => get(show).post(link),
    }
}

#[derive(Deserialize, Default)]
struct Chosen {
    /// The participating organisation whose trend is shown.
    organisatie: Option<String>,
}

async fn render(ctx: &Ctx, id: &str, chosen: &Chosen, status: StatusCode, extra: Value) -> Reply {
    let v = uc::link_view(ctx.ws(), &ctx.who, id).await?;
    let lang = ctx.lang;
    let dims: Vec<Value> = v
        .framework
        .framework
        .dimensions
        .iter()
        .map(|d| {
            context! {
                key => d.key, name => builtin(lang, &d.name),
                continues => v.round.dimension_map.get(&d.key).cloned().flatten(),
            }
        })
        .collect();
    let older: Vec<Value> = v
        .previous
        .as_ref()
        .map(|(_, fw)| {
            fw.framework
                .dimensions
                .iter()
                .map(|d| context! { key => d.key, name => builtin(lang, &d.name) })
                .collect()
        })
        .unwrap_or_default();
    let trend = match chosen.organisatie.as_deref().filter(|p| !p.is_empty()) {
        Some(pid) => Some(trend_view(ctx, id, pid).await?),
        None => None,
    };
    page_with_status(
        ctx,
        status,
        "maturity_trend.html",
        "/volwassenheid",
        context! {
            round => v.round, candidates => v.candidates,
            previous => v.previous.as_ref().map(|(r, _)| r),
            dims => dims, older => older,
            participants => v.participants, chosen => chosen.organisatie,
            trend => trend,
            ..extra
        },
    )
    .await
}

/// The chart and the table of one organisation over the years.
async fn trend_view(ctx: &Ctx, id: &str, pid: &str) -> Result<Value, AppError> {
    let tr = uc::trend(ctx.ws(), &ctx.who, id, pid).await?;
    let lang = ctx.lang;
    let years: Vec<String> = tr.rounds.iter().map(|r| r.year.to_string()).collect();
    let (mine, bench) = overall(&tr.lines);
    let caption = format!(
        "{} {}",
        t(lang, "maturity.trend_caption"),
        tr.participant.name
    );
    let series = [
        Series {
            name: tr.participant.name.clone(),
            values: mine.clone(),
        },
        Series {
            name: t(lang, "maturity.average"),
            values: bench.clone(),
        },
    ];
    let chart = series_svg(Width::Wide, Shape::Line, &years, &series, None, &caption);
    let cell = |v: &Option<f64>, b: &Option<f64>| context! { value => fmt_score(lang, *v), benchmark => fmt_score(lang, *b) };
    Ok(context! {
        participant => tr.participant,
        years => years,
        chart => chart,
        caption => caption,
        overall => mine.iter().zip(&bench).map(|(v, b)| cell(v, b)).collect::<Vec<_>>(),
        lines => tr.lines.iter().map(|l| context! {
            name => builtin(lang, &l.name),
            cells => l.values.iter().zip(&l.benchmark).map(|(v, b)| cell(v, b)).collect::<Vec<_>>(),
        }).collect::<Vec<_>>(),
    })
}

async fn show(ctx: Ctx, Path(id): Path<String>, Query(chosen): Query<Chosen>) -> Reply {
    render(&ctx, &id, &chosen, StatusCode::OK, context! {}).await
}

/// Saves which round this one follows and how its dimensions continue.
async fn link(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let none = Chosen::default();
    run_form(
        form,
        async |input| uc::link_round(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("/volwassenheid/rondes/{id}/verloop"), "linked"),
        |status, extra| render(&ctx, &id, &none, status, extra),
    )
    .await
}
