//! Dashboards (M3) in the pages: the list, the dashboard with its global filters (a time
//! slider among them), drill-down from a province to its municipalities, the 3D view's
//! angle, refresh with progress, exports; the editor (widgets, filters, sharing); the
//! history with comparison and restore; and the public page and embed behind a link.

use super::export::{board_pdf, board_svg, png, widget_csv, widget_svg};
use super::render::{Drawn, View, Words, draw};
use crate::auth::Ctx;
use crate::download::{stem, uncached_download};
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, t};
use crate::input::FormInput;
use crate::shell::{Done, after_form, confirmed, page, page_with_status, run_form};
use crate::state::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_app::dashboards::{
    self as dashboards, Board, Dashboard, Edit, WidgetData, WidgetKind, chosen_filters,
};
use koers_core::catalog::labels::Labels;
use koers_core::dashboards::Filter;
use koers_core::{Permission, Role};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::BTreeMap;

type Params = Query<BTreeMap<String, String>>;

pub fn router() -> Router<AppState> {
    routes! {
        "/dashboards" => get(overview).post(add),
        "/dashboards/onderdeel-uit-analyse" => get(widget_from_analysis),
        "/dashboards/{id}" => get(show),
        "/dashboards/{id}/herstellen" => post(undelete),
        "/dashboards/{id}/verversen" => post(refresh),
        "/dashboards/{id}/schema" => post(set_schedule),
        "/dashboards/{id}/taken/{job}" => get(job_progress),
        "/dashboards/{id}/dashboard.png" => get(board_png),
        "/dashboards/{id}/dashboard.pdf" => get(board_pdf_file),
        "/dashboards/{id}/onderdelen/{file}" => get(widget_file),
        "/dashboards/{id}/bewerken" => get(editor).post(edit),
        "/dashboards/{id}/versies" => get(history),
        "/dashboards/{id}/versies/{version}/terugzetten" => post(restore_version),
        "/openbaar/{token}" => get(public_show),
        "/openbaar/{token}/onderdelen/{file}" => get(public_widget_file),
        "/embed/{token}" => get(embed_show),
        "/kaart/grenzen/{file}" => get(boundaries),
    }
}

/// The built-in boundaries (`provincies.geojson`, `gemeenten.geojson`) the interactive maps
/// draw their regions and their offline base map from: public shapes (CBS / Kadaster,
/// CC BY 4.0), the same for everyone, so they are cached like the other static files.
async fn boundaries(Path(file): Path<String>) -> Response {
    use koers_core::regions::{MUNICIPALITIES_GEOJSON, PROVINCES_GEOJSON};
    let body = match file.as_str() {
        "provincies.geojson" => PROVINCES_GEOJSON,
        "gemeenten.geojson" => MUNICIPALITIES_GEOJSON,
        _ => return AppError::NotFound.into_response(),
    };
    (
        [
            (axum::http::header::CONTENT_TYPE, "application/geo+json"),
            (axum::http::header::CACHE_CONTROL, "public, max-age=86400"),
        ],
        body,
    )
        .into_response()
}

/// The query string of the current filter choice with `param` set to `value`.
fn link_with(base: &str, chosen: &BTreeMap<String, String>, param: &str, value: &str) -> String {
    let mut q = chosen.clone();
    q.insert(param.to_string(), value.to_string());
    let pairs: Vec<(String, String)> = q.into_iter().map(|(k, v)| (format!("f.{k}"), v)).collect();
    format!(
        "{base}?{}",
        serde_urlencoded::to_string(pairs).unwrap_or_default()
    )
}

/// The 3D view's angles per widget from the query (`rot.<id>`, `tilt.<id>`).
fn angles(q: &BTreeMap<String, String>) -> BTreeMap<String, (i64, i64)> {
    let mut out = BTreeMap::new();
    for (k, v) in q {
        if let Some(id) = k.strip_prefix("rot.") {
            let tilt = q
                .get(&format!("tilt.{id}"))
                .and_then(|t| t.parse().ok())
                .unwrap_or(45);
            let rot = v.parse::<i64>().unwrap_or(20).rem_euclid(360);
            out.insert(id.to_string(), (rot, tilt.clamp(15, 90)));
        }
    }
    out
}

/// The widgets drawn for a page at `base`; `tiles` lets point maps read the analysis'
/// vector tiles (signed-in pages only).
fn drawn(
    board: &Board,
    (base, tiles): (&str, bool),
    q: &BTreeMap<String, String>,
    lang: Lang,
) -> Vec<Drawn> {
    let link = |p: &str, v: &str| link_with(base, &board.filters, p, v);
    let angles = angles(q);
    let words = Words::new(lang);
    // Each widget reads its columns by its own analyses' labels.
    koers_svg::chart::written_as(lang.separators(), || {
        board
            .widgets
            .iter()
            .map(|w: &WidgetData| {
                let view = View {
                    link: &link,
                    angles: &angles,
                    filters: &board.filters,
                    labels: &w.labels,
                    words: &words,
                    tiles,
                };
                draw(w, &view)
            })
            .collect()
    })
}

/// A filter's options as (value, what a reader reads: its label from the catalog).
fn options_shown(f: &Filter, labels: &Labels) -> Vec<(String, String)> {
    f.options
        .iter()
        .map(|o| (o.clone(), labels.show(&f.param, o)))
        .collect()
}

/// What the dashboard templates need besides the widgets: filters with their values.
fn filters_ctx(d: &Dashboard, board: &Board) -> Vec<Value> {
    d.definition
        .filters
        .iter()
        .map(|f| {
            context! {
                param => f.param, label => f.label, kind => f.kind.as_str(),
                options => options_shown(f, &board.labels),
                min => f.min, max => f.max,
                value => board.filters.get(&f.param).cloned().unwrap_or_default(),
            }
        })
        .collect()
}

#[derive(Deserialize)]
struct OverviewQuery {
    /// A dashboard just deleted: the page offers to undo it.
    verwijderd: Option<String>,
    /// A dashboard just restored: the page says so.
    teruggezet: Option<String>,
}

async fn overview(ctx: Ctx, Query(q): Query<OverviewQuery>) -> Reply {
    let deleted = match q.verwijderd {
        Some(id) => dashboards::deleted(ctx.ws(), &ctx.who, &id).await.ok(),
        None => None,
    };
    let all = dashboards::list(ctx.ws(), &ctx.who).await?;
    let restored = q
        .teruggezet
        .and_then(|id| all.iter().find(|d| d.id == id).map(|d| d.name.clone()));
    render_overview(
        &ctx,
        StatusCode::OK,
        context! { deleted => deleted, restored => restored },
    )
    .await
}

/// Undoes a deletion from the notice on the overview; the overview then says so.
async fn undelete(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let d = dashboards::undelete(ctx.ws(), &ctx.who, &id).await?;
    Ok(Redirect::to(&format!("/dashboards?teruggezet={}", d.id)).into_response())
}

async fn render_overview(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let all = dashboards::list(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "dashboards.html",
        "/informatieproducten",
        context! { dashboards => all, can_edit => ctx.may(Permission::Analyse), ..extra },
    )
    .await
}

async fn add(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| dashboards::create(ctx.ws(), &ctx.who, input).await,
        |d| Done::To(format!("/dashboards/{}/bewerken", d.id)),
        |status, extra| render_overview(&ctx, status, extra),
    )
    .await
}

async fn show(ctx: Ctx, Path(id): Path<String>, Query(q): Params, headers: HeaderMap) -> Reply {
    let dashboards::DashboardView {
        dashboard: d,
        board,
        problem,
        schedule,
    } = dashboards::dashboard_view(ctx.ws(), &ctx.who, &id, &chosen_filters(&q)).await?;
    let problem = problem.map(AppError::from);
    let base = format!("/dashboards/{}", d.id);
    let widgets = drawn(&board, (&base, true), &q, ctx.lang);
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    // Absolute, so the link and the embed work from another site too.
    let origin = ctx.state.cfg.base_url(&headers);
    let public_link = d
        .public_token
        .as_ref()
        .map(|t| format!("{origin}/openbaar/{t}"));
    let embed = d.public_token.as_ref().map(|t| {
        format!(
            "<iframe src=\"{origin}/embed/{t}\" title=\"{}\" width=\"100%\" height=\"720\" style=\"border:0\"></iframe>",
            koers_svg::chart::escape(&d.name)
        )
    });
    page_with_status(
        &ctx,
        status,
        "dashboard.html",
        "/informatieproducten",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            d => d, widgets => widgets, filters => filters_ctx(&d, &board), base => base,
            basemap => ctx.state.cfg.map_style.as_ref().map(|s| s.url.clone()),
            query => query, public_link => public_link, embed => embed,
            can_edit => ctx.may(Permission::Analyse),
            error => problem.as_ref().map(|e| e.detail()),
            panel => crate::snapshots::snapshot_panel(&ctx, "dashboards", &d.id).await?,
            schedule => schedule.map(|(e, next)| context! { every => e.as_str(), next => next }),
        },
    )
    .await
}

/// Starts a refresh of every widget for the current filters, in the background with
/// progress; the page follows it.
async fn refresh(ctx: Ctx, Path(id): Path<String>, FormInput(mut input): FormInput) -> Reply {
    let query = input.text("query");
    let q: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap_or_default();
    let job = dashboards::start_refresh(ctx.ws(), &ctx.who, &id, chosen_filters(&q)).await?;
    let back = if query.is_empty() {
        String::new()
    } else {
        format!("?terug={}", urlencode(&query))
    };
    Ok(Redirect::to(&format!("/dashboards/{id}/taken/{}{back}", job.id)).into_response())
}

async fn set_schedule(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    dashboards::schedule(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Redirect::to(&format!("/dashboards/{id}#schema")).into_response())
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_string()
}

async fn job_progress(
    ctx: Ctx,
    Path((id, job)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Reply {
    let (d, job) = dashboards::refresh_job(ctx.ws(), &ctx.who, &id, &job).await?;
    let back = match q.get("terug") {
        Some(t) if !t.is_empty() => format!("/dashboards/{}?{t}", d.id),
        _ => format!("/dashboards/{}", d.id),
    };
    let extra = context! {
        d => d, job => job,
        back => back, terug => q.get("terug").cloned().unwrap_or_default(),
    };
    // htmx asks for the progress part only.
    if headers.contains_key("hx-request") {
        let html = Templates::render(
            "dashboard_job_progress.html",
            context! { lang => ctx.lang.code(), ..extra },
        )?;
        return Ok(Html(html).into_response());
    }
    Ok(
        page(&ctx, "dashboard_job.html", "/informatieproducten", extra)
            .await?
            .into_response(),
    )
}

fn file_response(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    uncached_download(content_type, name, "no-store", body)
}

/// `<widget>.csv` or `<widget>.png` of a dashboard for the filters in the query.
async fn serve_widget_file(
    state: &AppState,
    d: &Dashboard,
    file: &str,
    q: &BTreeMap<String, String>,
    base: &str,
    lang: Lang,
) -> Reply {
    let (wid, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    if d.definition.widget(wid).is_none() {
        return Err(AppError::NotFound);
    }
    let board = dashboards::board(&state.ws, d, &chosen_filters(q), false, None).await?;
    let name = format!("{}-{wid}", stem(&d.name, "dashboard"));
    match ext {
        "csv" => {
            let w = board
                .widgets
                .iter()
                .find(|w| w.widget.id == wid)
                .ok_or(AppError::NotFound)?;
            Ok(file_response(
                "text/csv; charset=utf-8",
                &format!("{name}.csv"),
                widget_csv(
                    w,
                    (q.get("formaat").map(String::as_str) == Some("excel-nl")).then_some(&w.labels),
                )?
                .into_bytes(),
            ))
        }
        "png" => {
            let all = drawn(&board, (base, false), q, lang);
            let one = all.iter().find(|w| w.id == wid).ok_or(AppError::NotFound)?;
            let (svg, _) = widget_svg(one, lang).ok_or_else(|| {
                AppError::Unprocessable("dit onderdeel heeft geen afbeelding; neem de CSV".into())
            })?;
            Ok(file_response(
                "image/png",
                &format!("{name}.png"),
                png(&svg)?,
            ))
        }
        _ => Err(AppError::NotFound),
    }
}

async fn widget_file(
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
    Query(q): Params,
) -> Reply {
    let d = dashboards::visible(ctx.ws(), &ctx.who, &id).await?;
    let base = format!("/dashboards/{id}");
    serve_widget_file(&ctx.state, &d, &file, &q, &base, ctx.lang).await
}

async fn board_png(ctx: Ctx, Path(id): Path<String>, Query(q): Params) -> Reply {
    let (d, b) = dashboards::data(ctx.ws(), &ctx.who, &id, &chosen_filters(&q)).await?;
    let svg = board_svg(&d.name, &drawn(&b, ("", false), &q, ctx.lang), ctx.lang);
    Ok(file_response(
        "image/png",
        &format!("{}.png", stem(&d.name, "dashboard")),
        png(&svg)?,
    ))
}

async fn board_pdf_file(ctx: Ctx, Path(id): Path<String>, Query(q): Params) -> Reply {
    let (d, b) = dashboards::data(ctx.ws(), &ctx.who, &id, &chosen_filters(&q)).await?;
    let footer = format!(
        "{} · {} {} · koers",
        ctx.org.name,
        t(ctx.lang, "dash.version"),
        d.version
    );
    let drawn = drawn(&b, ("", false), &q, ctx.lang);
    let pdf = board_pdf(&d, &b, &drawn, &footer, ctx.lang)?;
    Ok(file_response(
        "application/pdf",
        &format!("{}.pdf", stem(&d.name, "dashboard")),
        pdf,
    ))
}

/// The editor; `?onderdeel=<id>` opens that widget's form to change it in place,
/// `?analyse=<id>` starts a new widget with what fits that analysis' result.
async fn editor(ctx: Ctx, Path(id): Path<String>, Query(q): Params) -> Reply {
    let extra = match (q.get("onderdeel"), q.get("analyse")) {
        (Some(w), _) => context! { editing => w },
        (None, Some(a)) => {
            let w = dashboards::suggested_widget(ctx.ws(), &ctx.who, a).await?;
            context! { suggested => w }
        }
        _ => context! {},
    };
    render_editor(&ctx, &id, StatusCode::OK, extra).await
}

/// From an analysis' page to the editor of the chosen dashboard, with a new widget for the
/// analysis suggested (`?dashboard=<id>&analyse=<id>`).
async fn widget_from_analysis(Query(q): Params) -> Reply {
    let id = |k: &str| {
        q.get(k)
            .filter(|v| !v.is_empty() && v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-'))
            .cloned()
            .ok_or_else(|| AppError::BadRequest(format!("{k} ontbreekt of is ongeldig")))
    };
    let (d, a) = (id("dashboard")?, id("analyse")?);
    Ok(Redirect::to(&format!(
        "/dashboards/{d}/bewerken?analyse={a}#nieuw-onderdeel"
    ))
    .into_response())
}

async fn render_editor(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let dashboards::Editor {
        dashboard: d,
        analyses,
        indicators,
        labels,
    } = dashboards::editor(ctx.ws(), &ctx.who, id).await?;
    let (shown, shown_json) = crate::templates::column_choices(&analyses, &labels);
    // The filters' options read by the datasets' labels, as on the dashboard.
    let dataset_labels = labels.of([]);
    let title_of = |aid: &Option<String>| {
        aid.as_ref()
            .and_then(|a| analyses.iter().find(|x| &x.id == a))
            .map(|a| a.title.clone())
    };
    let widgets: Vec<Value> = d
        .definition
        .widgets
        .iter()
        .map(|w| {
            let source = title_of(&w.analysis_id).or_else(|| {
                w.indicator_id
                    .as_ref()
                    .and_then(|i| indicators.iter().find(|x| &x.id == i))
                    .map(|i| i.name.clone())
            });
            context! { w => w, kind => w.kind.as_str(), source => source }
        })
        .collect();
    // The widget being changed fills the form, unless the form comes back refused.
    let editing = extra
        .get_attr("editing")
        .ok()
        .and_then(|v| v.as_str().map(str::to_string))
        .and_then(|w| d.definition.widget(&w).cloned());
    let columns_json = serde_json::to_string(
        &analyses
            .iter()
            .map(|a| (a.id.as_str(), &a.columns))
            .collect::<std::collections::BTreeMap<_, _>>(),
    )
    .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut all_columns: Vec<&String> = analyses.iter().flat_map(|a| &a.columns).collect();
    all_columns.sort();
    all_columns.dedup();
    page_with_status(
        ctx,
        status,
        "dashboard_edit.html",
        "/informatieproducten",
        context! {
            d => d, widgets => widgets, analyses => analyses, indicators => indicators,
            columns_json => columns_json, all_columns => all_columns,
            shown => shown, shown_json => shown_json,
            filter_options => d
                .definition
                .filters
                .iter()
                .map(|f| (f.param.as_str(), options_shown(f, &dataset_labels)))
                .collect::<BTreeMap<_, _>>(),
            columns_by_id => analyses
                .iter()
                .map(|a| (a.id.as_str(), &a.columns))
                .collect::<std::collections::BTreeMap<_, _>>(),
            editing_widget => editing,
            kinds => WidgetKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            shared => d.shared_roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            visibility => d.visibility.as_str(),
            ..extra
        },
    )
    .await
}

async fn edit(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let value = form.value();
    let deleting = form.0.fields().get("action").and_then(|a| a.as_str()) == Some("delete");
    let r = match deleting.then(|| confirmed(&form.0, ctx.lang)) {
        Some(Err(e)) => Err(e),
        _ => dashboards::edit(ctx.ws(), &ctx.who, &id, form.0)
            .await
            .map_err(AppError::from),
    };
    let notice = match &r {
        Ok(Edit::Deleted) => {
            return Ok(Redirect::to(&format!("/dashboards?verwijderd={id}")).into_response());
        }
        // Someone saved in between: the editor as it is now, and why nothing changed.
        Err(AppError::Conflict(m)) => {
            let extra = context! { error => m };
            return render_editor(&ctx, &id, StatusCode::CONFLICT, extra).await;
        }
        Ok(Edit::WidgetAdded) => "dash.widget_added",
        Ok(Edit::Shared) => "dash.shared",
        Ok(Edit::Saved) | Err(_) => "dash.saved",
    };
    let back = format!("/dashboards/{id}/bewerken");
    // Refused: the editor again with the values as entered.
    after_form(
        r.map(|_| ()),
        (back, notice),
        async |status: StatusCode, extra| {
            render_editor(&ctx, &id, status, context! { form => value, ..extra }).await
        },
    )
    .await
}

async fn history(ctx: Ctx, Path(id): Path<String>, Query(q): Params) -> Reply {
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let (from, to) = (num("van"), num("tot"));
    let dashboards::History {
        dashboard: d,
        versions,
        compared,
    } = dashboards::history(ctx.ws(), &ctx.who, &id, from.zip(to)).await?;
    page_with_status(
        &ctx,
        StatusCode::OK,
        "dashboard_history.html",
        "/informatieproducten",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            d => d, versions => versions, compared => compared, from => from, to => to,
            can_edit => ctx.may(Permission::Analyse),
        },
    )
    .await
}

async fn restore_version(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
    _form: FormInput,
) -> Reply {
    dashboards::restore(ctx.ws(), &ctx.who, &id, version).await?;
    Ok(Redirect::to(&format!("/dashboards/{id}/versies")).into_response())
}

async fn render_public(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    q: &BTreeMap<String, String>,
    embed: bool,
) -> Reply {
    let base = if embed {
        format!("/embed/{token}")
    } else {
        format!("/openbaar/{token}")
    };
    let dashboards::PublicView {
        dashboard: d,
        organisation: org,
        board: b,
        problem,
    } = dashboards::public_view(&state.ws, token, &chosen_filters(q)).await?;
    let problem = problem.map(AppError::from);
    let lang = Lang::from_headers(headers);
    let widgets = drawn(&b, (&base, false), q, lang);
    let html = Templates::render(
        "dashboard_public.html",
        context! {
            lang => lang.code(), d => context! { id => d.id, name => d.name, description => d.description },
            organisation => org, widgets => widgets, filters => filters_ctx(&d, &b),
            base => base, token => token, embed => embed,
            basemap => state.cfg.map_style.as_ref().map(|s| s.url.clone()),
            query => serde_urlencoded::to_string(q).unwrap_or_default(),
            error => problem.as_ref().map(|e| e.detail()),
        },
    )?;
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    Ok((status, Html(html)).into_response())
}

async fn public_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Params,
) -> Reply {
    render_public(&state, &headers, &token, &q, false).await
}

async fn embed_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Params,
) -> Reply {
    render_public(&state, &headers, &token, &q, true).await
}

async fn public_widget_file(
    State(state): State<AppState>,
    Path((token, file)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Reply {
    let d = dashboards::public_dashboard(&state.ws, &token).await?;
    let base = format!("/openbaar/{token}");
    serve_widget_file(&state, &d, &file, &q, &base, Lang::from_headers(&headers)).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn links_keep_other_choices_and_angles_stay_in_range() {
        let chosen: BTreeMap<String, String> = [("jaar".to_string(), "2024".to_string())].into();
        assert_eq!(
            link_with("/d/1", &chosen, "provincie", "PV26"),
            "/d/1?f.jaar=2024&f.provincie=PV26"
        );
        let q: BTreeMap<String, String> = [
            ("rot.w1".to_string(), "-30".to_string()),
            ("tilt.w1".to_string(), "200".to_string()),
            ("rot.w2".to_string(), "x".to_string()),
        ]
        .into();
        let a = angles(&q);
        assert_eq!(a.get("w1"), Some(&(330, 90)));
        assert_eq!(a.get("w2"), Some(&(20, 45)));
        assert_eq!(stem("Logistiek <2025>", "dashboard"), "logistiek--2025");
        assert_eq!(stem("!!", "dashboard"), "dashboard");
    }
}
