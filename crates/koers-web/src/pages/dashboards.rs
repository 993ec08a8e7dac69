//! Dashboards (M3) in the pages: the list, the dashboard with its global filters (a time
//! slider among them), drill-down from a province to its municipalities, the 3D view's
//! angle, refresh with progress, exports; the editor (widgets, filters, sharing); the
//! history with comparison and restore; and the public page and embed behind a link.

use crate::auth::Ctx;
use crate::dashboards::export::{board_pdf, board_svg, png, widget_csv, widget_svg};
use crate::dashboards::render::{Drawn, View, draw};
use crate::dashboards::{
    Board, board, changes, chosen_filters, create, delete, editable, list, restore, save, schedule,
    share, visible,
};
use crate::error::AppError;
use crate::i18n::Lang;
use crate::input::Input;
use crate::shell::{after_form, page};
use crate::state::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_app::jobs::JobStatus;
use koers_core::Permission;
use koers_core::Role;
use koers_core::dashboards::{Definition, Filter, FilterKind, Level, Widget, WidgetKind};
use koers_store::dashboards::Dashboard;
use koers_store::schedules::Scheduled;
use minijinja::{Value, context};
use std::collections::BTreeMap;

type Params = Query<BTreeMap<String, String>>;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboards", get(overview).post(add))
        .route("/dashboards/{id}", get(show))
        .route("/dashboards/{id}/verversen", post(refresh))
        .route("/dashboards/{id}/schema", post(set_schedule))
        .route("/dashboards/{id}/taken/{job}", get(job_progress))
        .route("/dashboards/{id}/dashboard.png", get(board_png))
        .route("/dashboards/{id}/dashboard.pdf", get(board_pdf_file))
        .route("/dashboards/{id}/onderdelen/{file}", get(widget_file))
        .route("/dashboards/{id}/bewerken", get(editor).post(edit))
        .route("/dashboards/{id}/versies", get(history))
        .route(
            "/dashboards/{id}/versies/{version}/terugzetten",
            post(restore_version),
        )
        .route("/openbaar/{token}", get(public_show))
        .route(
            "/openbaar/{token}/onderdelen/{file}",
            get(public_widget_file),
        )
        .route("/embed/{token}", get(embed_show))
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

fn drawn(board: &Board, base: &str, q: &BTreeMap<String, String>) -> Vec<Drawn> {
    let link = |p: &str, v: &str| link_with(base, &board.filters, p, v);
    let angles = angles(q);
    let view = View {
        link: &link,
        angles: &angles,
    };
    board.widgets.iter().map(|w| draw(w, &view)).collect()
}

/// What the dashboard templates need besides the widgets: filters with their values.
fn filters_ctx(d: &Dashboard, board: &Board) -> Vec<Value> {
    d.definition
        .filters
        .iter()
        .map(|f| {
            context! {
                param => f.param, label => f.label, kind => f.kind.as_str(),
                options => f.options, min => f.min, max => f.max,
                value => board.filters.get(&f.param).cloned().unwrap_or_default(),
            }
        })
        .collect()
}

async fn overview(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_overview(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn render_overview(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let dashboards = list(state, ctx).await?;
    let html = page(
        state,
        ctx,
        "dashboards.html",
        "/informatieproducten",
        context! { dashboards => dashboards, can_edit => ctx.require(Permission::Analyse).is_ok(), ..extra },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn add(State(state): State<AppState>, ctx: Ctx, body: Bytes) -> Result<Response, AppError> {
    let form = crate::input::form_value(&crate::input::form(&body)?);
    match create(&state, &ctx, crate::input::form(&body)?).await {
        Ok(d) => Ok(Redirect::to(&format!("/dashboards/{}/bewerken", d.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            render_overview(
                &state,
                &ctx,
                StatusCode::BAD_REQUEST,
                context! { form => form, ..crate::shell::form_problem(&e) },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

async fn show(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    let chosen = chosen_filters(&q);
    let (board, problem) = match board(&state, &d, &chosen, false, None).await {
        Ok(b) => (b, None),
        // A bad filter value in the address: the dashboard with its defaults, and why.
        Err(e @ AppError::Invalid(_)) => (
            board(&state, &d, &BTreeMap::new(), false, None).await?,
            Some(e),
        ),
        Err(e) => return Err(e),
    };
    let base = format!("/dashboards/{}", d.id);
    let widgets = drawn(&board, &base, &q);
    let query = serde_urlencoded::to_string(&q).unwrap_or_default();
    let status = if problem.is_some() {
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let public_link = d.public_token.as_ref().map(|t| {
        format!(
            "{}/openbaar/{t}",
            state.cfg.public_url.as_deref().unwrap_or("")
        )
    });
    let embed = d.public_token.as_ref().map(|t| {
        format!(
            "<iframe src=\"{}/embed/{t}\" title=\"{}\" width=\"100%\" height=\"720\" style=\"border:0\"></iframe>",
            state.cfg.public_url.as_deref().unwrap_or(""),
            crate::chart::escape(&d.name)
        )
    });
    let html = page(
        &state,
        &ctx,
        "dashboard.html",
        "/informatieproducten",
        context! {
            d => d, widgets => widgets, filters => filters_ctx(&d, &board), base => base,
            query => query, public_link => public_link, embed => embed,
            can_edit => ctx.require(Permission::Analyse).is_ok(),
            error => problem.as_ref().map(|e| e.detail()),
            panel => super::products::snapshot_panel(&state, &ctx, "dashboards", &d.id).await?,
            schedule => state.store.schedule(Scheduled::Dashboard, &d.id).await?.map(|(e, next)| context! { every => e.as_str(), next => next }),
        },
    )
    .await?;
    Ok((status, html).into_response())
}

/// Starts a refresh of every widget for the current filters, in the background with
/// progress; the page follows it.
async fn refresh(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let d = editable(&state, &ctx, &id).await?;
    let mut input = crate::input::form(&body)?;
    let query = input.text("query");
    let q: BTreeMap<String, String> = serde_urlencoded::from_str(&query).unwrap_or_default();
    let chosen = chosen_filters(&q);
    d.definition.filter_values(&chosen)?;
    let job = state
        .ws
        .jobs
        .start(&ctx.org.id, &format!("dashboard {}", d.name));
    let (st, j) = (state.clone(), job.clone());
    tokio::spawn(async move {
        let status = match board(&st, &d, &chosen, true, Some(j.as_ref())).await {
            Ok(_) => JobStatus::Done { result: d.id },
            Err(e) => JobStatus::Failed { error: e.detail() },
        };
        j.finish(status);
    });
    let back = if query.is_empty() {
        String::new()
    } else {
        format!("?terug={}", urlencode(&query))
    };
    Ok(Redirect::to(&format!("/dashboards/{id}/taken/{}{back}", job.id)).into_response())
}

async fn set_schedule(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    schedule(&state, &ctx, &id, crate::input::form(&body)?).await?;
    Ok(Redirect::to(&format!("/dashboards/{id}#schema")).into_response())
}

fn urlencode(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)])
        .unwrap_or_default()
        .trim_start_matches("x=")
        .to_string()
}

async fn job_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, job)): Path<(String, String)>,
    Query(q): Params,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    let job = state
        .ws
        .jobs
        .get(&ctx.org.id, &job)
        .ok_or(AppError::NotFound)?;
    let back = match q.get("terug") {
        Some(t) if !t.is_empty() => format!("/dashboards/{}?{t}", d.id),
        _ => format!("/dashboards/{}", d.id),
    };
    let extra = context! {
        d => d, job => job.view(),
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
    Ok(page(
        &state,
        &ctx,
        "dashboard_job.html",
        "/informatieproducten",
        extra,
    )
    .await?
    .into_response())
}

fn file_response(content_type: &str, name: &str, body: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, content_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
            (header::CACHE_CONTROL, "no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

/// A file name made of letters, digits and dashes.
fn stem(name: &str) -> String {
    let s: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    let s = s.trim_matches('-').to_string();
    if s.is_empty() { "dashboard".into() } else { s }
}

/// `<widget>.csv` or `<widget>.png` of a dashboard for the filters in the query.
async fn serve_widget_file(
    state: &AppState,
    d: &Dashboard,
    file: &str,
    q: &BTreeMap<String, String>,
    base: &str,
) -> Result<Response, AppError> {
    let (wid, ext) = file.rsplit_once('.').ok_or(AppError::NotFound)?;
    if d.definition.widget(wid).is_none() {
        return Err(AppError::NotFound);
    }
    let board = board(state, d, &chosen_filters(q), false, None).await?;
    let name = format!("{}-{wid}", stem(&d.name));
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
                widget_csv(w)?.into_bytes(),
            ))
        }
        "png" => {
            let all = drawn(&board, base, q);
            let one = all.iter().find(|w| w.id == wid).ok_or(AppError::NotFound)?;
            let (svg, _) = widget_svg(one).ok_or_else(|| {
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
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, file)): Path<(String, String)>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    serve_widget_file(&state, &d, &file, &q, &format!("/dashboards/{id}")).await
}

async fn board_png(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    let b = board(&state, &d, &chosen_filters(&q), false, None).await?;
    let svg = board_svg(&d.name, &drawn(&b, "", &q));
    Ok(file_response(
        "image/png",
        &format!("{}.png", stem(&d.name)),
        png(&svg)?,
    ))
}

async fn board_pdf_file(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    let b = board(&state, &d, &chosen_filters(&q), false, None).await?;
    let footer = format!("{} · versie {} · koers", ctx.org.name, d.version);
    let pdf = board_pdf(&d.name, &d.description, &b, &drawn(&b, "", &q), &footer)?;
    Ok(file_response(
        "application/pdf",
        &format!("{}.pdf", stem(&d.name)),
        pdf,
    ))
}

async fn editor(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_editor(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

async fn render_editor(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let d = editable(state, ctx, id).await?;
    let analyses = state.store.analyses(&ctx.org.id).await?;
    let indicators = state.store.indicators(&ctx.org.id).await?;
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
    let html = page(
        state,
        ctx,
        "dashboard_edit.html",
        "/informatieproducten",
        context! {
            d => d, widgets => widgets, analyses => analyses, indicators => indicators,
            kinds => WidgetKind::ALL.iter().map(|k| k.as_str()).collect::<Vec<_>>(),
            roles => Role::ALL.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            shared => d.shared_roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
            visibility => d.visibility.as_str(),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// The widget described by the editor's form.
fn widget_from(input: &mut Input) -> Result<Widget, AppError> {
    let kind = input.text("kind");
    let kind = WidgetKind::parse(&kind).ok_or_else(|| {
        AppError::Invalid(koers_core::Invalid::one(
            "kind",
            "enum",
            "kies een soort onderdeel",
        ))
    })?;
    let level = input.text("level");
    Ok(Widget {
        id: String::new(),
        kind,
        title: input.text("title"),
        analysis_id: opt(input.text("analysisId")).filter(|_| kind.needs_analysis()),
        indicator_id: opt(input.text("indicatorId")).filter(|_| kind == WidgetKind::Kpi),
        category_column: opt(input.text("categoryColumn")),
        value_column: opt(input.text("valueColumn")),
        series_column: opt(input.text("seriesColumn")).filter(|_| kind.is_chart()),
        level: Level::parse(&level).filter(|_| kind.is_regional()),
        drill_param: opt(input.text("drillParam")).filter(|_| kind == WidgetKind::Choropleth),
        drill_analysis_id: opt(input.text("drillAnalysisId"))
            .filter(|_| kind == WidgetKind::Choropleth),
        drill_category_column: opt(input.text("drillCategoryColumn"))
            .filter(|_| kind == WidgetKind::Choropleth),
        text: input.text("text"),
        wide: input.flag("wide"),
    })
}

fn filter_from(input: &mut Input) -> Result<Filter, AppError> {
    let kind = input.text("filterKind");
    let kind = FilterKind::parse(&kind).ok_or_else(|| {
        AppError::Invalid(koers_core::Invalid::one(
            "filterKind",
            "enum",
            "kies keuzelijst of schuif",
        ))
    })?;
    let int = |s: String| s.trim().parse::<i64>().ok();
    Ok(Filter {
        param: input.text("param").trim().to_string(),
        label: input.text("label"),
        kind,
        options: input
            .text("options")
            .split([',', '\n'])
            .map(|o| o.trim().to_string())
            .filter(|o| !o.is_empty())
            .collect(),
        min: int(input.text("min")),
        max: int(input.text("max")),
        default: input.text("default").trim().to_string(),
    })
}

/// One change from the editor: `action` says which; each saves a new version made from
/// the form's `version`.
async fn apply(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    body: &Bytes,
) -> Result<&'static str, AppError> {
    let d = editable(state, ctx, id).await?;
    let mut input = crate::input::form(body)?;
    let action = input.text("action");
    let base: i64 = input
        .text("version")
        .parse()
        .map_err(|_| AppError::BadRequest("de versie van het formulier ontbreekt".into()))?;
    let mut def: Definition = d.definition.clone();
    let (mut name, mut description) = (d.name.clone(), d.description.clone());
    let target = input.text("widget");
    let (note, notice) = match action.as_str() {
        "details" => {
            name = input.text("name").trim().to_string();
            description = input.text("description").trim().to_string();
            koers_core::error::text("name", &name, 120)?;
            ("naam en beschrijving", "dash.saved")
        }
        "add_widget" => {
            let w = widget_from(&mut input)?;
            def.widgets.push(w);
            ("onderdeel toegevoegd", "dash.widget_added")
        }
        "up" | "down" => {
            if !def.move_widget(&target, if action == "up" { -1 } else { 1 }) {
                return Err(AppError::NotFound);
            }
            ("onderdeel verplaatst", "dash.saved")
        }
        "remove_widget" => {
            if !def.remove_widget(&target) {
                return Err(AppError::NotFound);
            }
            ("onderdeel verwijderd", "dash.saved")
        }
        "add_filter" => {
            def.filters.push(filter_from(&mut input)?);
            ("filter toegevoegd", "dash.saved")
        }
        "remove_filter" => {
            if !def.remove_filter(&input.text("param")) {
                return Err(AppError::NotFound);
            }
            ("filter verwijderd", "dash.saved")
        }
        "share" => {
            share(state, ctx, id, input).await?;
            return Ok("dash.shared");
        }
        "delete" => {
            delete(state, ctx, id).await?;
            return Ok("dash.deleted");
        }
        _ => return Err(AppError::BadRequest("onbekende handeling".into())),
    };
    input.finish(Ok(()))?;
    let s = koers_store::dashboards::DashboardSave {
        name: &name,
        description: &description,
        definition: &def,
        note,
    };
    save(state, ctx, &d, base, &s).await?;
    Ok(notice)
}

async fn edit(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::input::form_value(&crate::input::form(&body)?);
    let r = apply(&state, &ctx, &id, &body).await;
    let notice = match &r {
        Ok("dash.deleted") => return Ok(Redirect::to("/dashboards").into_response()),
        // Someone saved in between: the editor as it is now, and why nothing changed.
        Err(AppError::Conflict(m)) => {
            let extra = context! { error => m };
            return render_editor(&state, &ctx, &id, StatusCode::CONFLICT, extra).await;
        }
        Ok(n) => *n,
        Err(_) => "dash.saved",
    };
    after_form(r.map(|_| ()), notice, |status, extra| async move {
        // The entered values come back only when they were refused.
        let form = if status.is_success() {
            None
        } else {
            Some(form)
        };
        render_editor(
            &state,
            &ctx,
            &id,
            status,
            context! { form => form, ..extra },
        )
        .await
    })
    .await
}

async fn history(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = visible(&state, &ctx, &id).await?;
    let versions = state.store.dashboard_versions(&d).await?;
    let num = |k: &str| q.get(k).and_then(|v| v.parse::<i64>().ok());
    let (from, to) = (num("van"), num("tot"));
    let compared = match (from, to) {
        (Some(a), Some(b)) => Some(changes(&state, &ctx, &id, a, b).await?),
        _ => None,
    };
    let html = page(
        &state,
        &ctx,
        "dashboard_history.html",
        "/informatieproducten",
        context! {
            d => d, versions => versions, compared => compared, from => from, to => to,
            can_edit => ctx.require(Permission::Analyse).is_ok(),
        },
    )
    .await?;
    Ok(html.into_response())
}

async fn restore_version(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
    body: Bytes,
) -> Result<Response, AppError> {
    crate::input::form(&body)?;
    restore(&state, &ctx, &id, version).await?;
    Ok(Redirect::to(&format!("/dashboards/{id}/versies")).into_response())
}

/// The public page or embed: only this dashboard, read-only, no session needed.
async fn public_board(
    state: &AppState,
    token: &str,
    q: &BTreeMap<String, String>,
    base: &str,
) -> Result<(Dashboard, Board, Vec<Drawn>, Option<AppError>), AppError> {
    let d = state.store.public_dashboard(token).await?;
    let chosen = chosen_filters(q);
    let (b, problem) = match board(state, &d, &chosen, false, None).await {
        Ok(b) => (b, None),
        Err(e @ AppError::Invalid(_)) => (
            board(state, &d, &BTreeMap::new(), false, None).await?,
            Some(e),
        ),
        Err(e) => return Err(e),
    };
    let widgets = drawn(&b, base, q);
    Ok((d, b, widgets, problem))
}

async fn render_public(
    state: &AppState,
    headers: &HeaderMap,
    token: &str,
    q: &BTreeMap<String, String>,
    embed: bool,
) -> Result<Response, AppError> {
    let base = if embed {
        format!("/embed/{token}")
    } else {
        format!("/openbaar/{token}")
    };
    let (d, b, widgets, problem) = public_board(state, token, q, &base).await?;
    let lang = Lang::from_headers(headers);
    let org = state
        .store
        .organisation(&d.org_id)
        .await
        .map(|o| o.name)
        .unwrap_or_default();
    let html = Templates::render(
        "dashboard_public.html",
        context! {
            lang => lang.code(), d => context! { id => d.id, name => d.name, description => d.description },
            organisation => org, widgets => widgets, filters => filters_ctx(&d, &b),
            base => base, token => token, embed => embed,
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
) -> Result<Response, AppError> {
    render_public(&state, &headers, &token, &q, false).await
}

async fn embed_show(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(token): Path<String>,
    Query(q): Params,
) -> Result<Response, AppError> {
    render_public(&state, &headers, &token, &q, true).await
}

async fn public_widget_file(
    State(state): State<AppState>,
    Path((token, file)): Path<(String, String)>,
    Query(q): Params,
) -> Result<Response, AppError> {
    let d = state.store.public_dashboard(&token).await?;
    serve_widget_file(&state, &d, &file, &q, &format!("/openbaar/{token}")).await
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
        assert_eq!(stem("Logistiek <2025>"), "logistiek--2025");
        assert_eq!(stem("!!"), "dashboard");
    }
}
