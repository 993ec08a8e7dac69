//! Leertrajecten (M7): programmes with modules and live sessions, cohorts with their group
//! fill, CSV import, balanced split and moves, the attendance and progress register of a
//! group, make-track projects, a participant's standing and certificate, and "my learning
//! track" for the signed-in participant.

use crate::api::learning::pdf_response;
use crate::auth::Ctx;
use crate::error::AppError;
use crate::learning::{self as ops, Entry};
use crate::shell::{after_form, form_problem, page};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_core::Permission;
use koers_core::learning::{
    Attendance, MAX_ROSTER_BYTES, Progress, ProjectStatus, attendance_percent,
};
use koers_store::learning::{Cohort, Enrolment};
use minijinja::{Value, context};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/leertrajecten", get(index).post(add_programme))
        .route("/leertrajecten/leergangen/{id}", get(programme))
        .route("/leertrajecten/leergangen/{id}/modules", post(add_module))
        .route("/leertrajecten/leergangen/{id}/sessies", post(add_session))
        .route("/leertrajecten/leergangen/{id}/cohorten", post(add_cohort))
        .route("/leertrajecten/cohorten/{id}", get(cohort))
        .route(
            "/leertrajecten/cohorten/{id}/importeren",
            post(import).layer(DefaultBodyLimit::max(MAX_ROSTER_BYTES + 64 * 1024)),
        )
        .route("/leertrajecten/cohorten/{id}/verdelen", post(split))
        .route("/leertrajecten/cohorten/{id}/groepen", post(add_group))
        .route("/leertrajecten/cohorten/{id}/projecten", post(add_project))
        .route(
            "/leertrajecten/groepen/{id}",
            get(group).post(save_register),
        )
        .route("/leertrajecten/deelnemers/{id}/groep", post(enrol))
        .route("/leertrajecten/deelnemers/{id}", get(participant))
        .route(
            "/leertrajecten/deelnemers/{id}/certificaat",
            get(certificate),
        )
        .route(
            "/leertrajecten/projecten/{id}",
            get(project).post(save_project),
        )
}

const HOME: &str = "/leertrajecten";

fn can_coordinate(ctx: &Ctx) -> bool {
    ctx.require(Permission::CoordinateLearning).is_ok()
}

async fn render_index(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let programmes = state.store.programmes(&ctx.org.id).await?;
    let mut mine = Vec::new();
    for p in state
        .store
        .participants_by_email(&ctx.org.id, &ctx.user.email)
        .await?
    {
        let s = ops::standing(state, p, &ctx.org.id).await?;
        mine.push(context! { participant => s.participant, programme => s.programme, cohort => s.cohort, complete => s.missing.is_empty() });
    }
    let html = page(
        state,
        ctx,
        "learning.html",
        HOME,
        context! { programmes => programmes, mine => mine, can_coordinate => can_coordinate(ctx), ..extra },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn index(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render_index(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn add_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    let form = crate::input::form_value(&crate::input::form(&body)?);
    match ops::create_programme(&state, &ctx, crate::input::form(&body)?).await {
        Ok(p) => Ok(Redirect::to(&format!("{HOME}/leergangen/{}", p.id)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! { form => form, ..form_problem(&e) };
            render_index(&state, &ctx, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn render_programme(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let p = state.store.programme(&ctx.org.id, id).await?;
    let cohorts = if can_coordinate(ctx) {
        state.store.cohorts(&p).await?
    } else {
        Vec::new()
    };
    let html = page(
        state,
        ctx,
        "learning_programme.html",
        HOME,
        context! {
            p => p, mods => state.store.modules(&p.id).await?, sessions => state.store.sessions(&p.id).await?,
            cohorts => cohorts, can_coordinate => can_coordinate(ctx), ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn programme(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_programme(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

/// After a form on the programme page: to `target` when it worked, the page with the
/// problem when it did not.
async fn programme_outcome<T>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: Result<T, AppError>,
    target: impl FnOnce(T) -> String,
) -> Result<Response, AppError> {
    match r {
        Ok(v) => Ok(Redirect::to(&target(v)).into_response()),
        Err(e @ AppError::Invalid(_)) => {
            let extra = form_problem(&e);
            render_programme(state, ctx, id, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn add_module(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = ops::add_module(&state, &ctx, &id, crate::input::form(&body)?).await;
    programme_outcome(&state, &ctx, &id, r, |m| {
        format!("{HOME}/leergangen/{}#modules", m.programme_id)
    })
    .await
}

async fn add_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = ops::add_session(&state, &ctx, &id, crate::input::form(&body)?).await;
    programme_outcome(&state, &ctx, &id, r, |s| {
        format!("{HOME}/leergangen/{}#sessies", s.programme_id)
    })
    .await
}

async fn add_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = ops::create_cohort(&state, &ctx, &id, crate::input::form(&body)?).await;
    programme_outcome(&state, &ctx, &id, r, |c| {
        format!("{HOME}/cohorten/{}", c.id)
    })
    .await
}

async fn render_cohort(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    let c = ops::cohort(state, ctx, id).await?;
    let p = state.store.programme(&ctx.org.id, &c.programme_id).await?;
    let groups = state.store.groups(&c).await?;
    let people = state.store.participants(&c).await?;
    let records = state.store.records(&c).await?;
    let rows: Vec<Value> = people
        .iter()
        .map(|x| {
            let r = records.get(&x.id).cloned().unwrap_or_default();
            let missing = koers_core::learning::missing_for_certificate(
                &r,
                p.min_attendance,
                p.requires_project,
            );
            context! { p => x, done => r.modules_done, total => r.modules_total,
            attendance => attendance_percent(&r), complete => missing.is_empty() }
        })
        .collect();
    let waiting: Vec<_> = people.iter().filter(|x| x.waiting_for.is_some()).collect();
    let unassigned = people
        .iter()
        .filter(|x| x.group_id.is_none() && x.waiting_for.is_none())
        .count();
    let complete = rows
        .iter()
        .filter(|r| r.get_attr("complete").is_ok_and(|v| v.is_true()))
        .count();
    let html = page(
        state,
        ctx,
        "learning_cohort.html",
        HOME,
        context! {
            c => c, p => p, groups => groups, rows => rows, waiting => waiting,
            unassigned => unassigned, complete => complete, count => people.len(),
            projects => state.store.projects(&c).await?,
            questions => state.store.questions(&ctx.org.id, None).await?,
            indicators => state.store.indicators(&ctx.org.id).await?,
            monitors => state.store.monitors(&ctx.org.id).await?,
            statuses => ProjectStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_cohort(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

/// After a form on the cohort page: the page with a notice, or with the problem.
async fn cohort_outcome<T>(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    r: Result<T, AppError>,
    notice: &str,
) -> Result<Response, AppError> {
    match r {
        Ok(_) => {
            render_cohort(
                state,
                ctx,
                id,
                StatusCode::OK,
                context! { notice => notice },
            )
            .await
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_) | AppError::PayloadTooLarge)) => {
            let extra = form_problem(&e);
            render_cohort(state, ctx, id, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// Reads the uploaded cohort file, refusing more than the limit.
async fn read_roster(mut mp: Multipart) -> Result<Vec<u8>, AppError> {
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(format!("Ongeldig formulier: {e}"))
        }
    };
    while let Some(mut field) = mp.next_field().await.map_err(bad)? {
        if field.name() != Some("file") {
            continue;
        }
        let mut out = Vec::new();
        while let Some(chunk) = field.chunk().await.map_err(bad)? {
            out.extend_from_slice(&chunk);
            if out.len() > MAX_ROSTER_BYTES {
                return Err(AppError::PayloadTooLarge);
            }
        }
        return Ok(out);
    }
    Err(AppError::Invalid(koers_core::Invalid::one(
        "file",
        "required",
        "kies een CSV-bestand",
    )))
}

async fn import(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    mp: Multipart,
) -> Result<Response, AppError> {
    let r = match read_roster(mp).await {
        Ok(bytes) => ops::import_roster(&state, &ctx, &id, &bytes).await,
        Err(e) => Err(e),
    };
    cohort_outcome(&state, &ctx, &id, r, "imported").await
}

async fn split(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let r = ops::split(&state, &ctx, &id).await;
    cohort_outcome(&state, &ctx, &id, r, "split").await
}

async fn add_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = ops::add_group(&state, &ctx, &id, crate::input::form(&body)?).await;
    cohort_outcome(&state, &ctx, &id, r, "group_added").await
}

async fn add_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    match ops::create_project(&state, &ctx, &id, crate::input::form(&body)?).await {
        Ok(x) => Ok(Redirect::to(&format!("{HOME}/projecten/{}", x.id)).into_response()),
        r => cohort_outcome(&state, &ctx, &id, r, "").await,
    }
}

async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    // The form sits on the cohort page; problems are shown there.
    ctx.require(Permission::CoordinateLearning)?;
    let p = state.store.participant(&ctx.org.id, &id).await?;
    let mut input = crate::input::form(&body)?;
    let group_id = input.text("groupId");
    input.finish(Ok(()))?;
    let r = match state.store.group(&ctx.org.id, &group_id).await {
        Ok(g) => ops::enrol(&state, &ctx, &g.id, &p.id).await,
        Err(_) => Err(AppError::Invalid(koers_core::Invalid::one(
            "groupId",
            "unknown",
            "kies een groep van dit cohort",
        ))),
    };
    let notice = match &r {
        Ok((_, Enrolment::Waiting)) => "waiting",
        _ => "enrolled",
    };
    cohort_outcome(&state, &ctx, &p.cohort_id, r, notice).await
}

async fn render_group(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let g = state.store.group(&ctx.org.id, id).await?;
    let c = state.store.cohort(&ctx.org.id, &g.cohort_id).await?;
    let members: Vec<_> = state
        .store
        .participants(&c)
        .await?
        .into_iter()
        .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
        .collect();
    let attendance: std::collections::HashMap<String, &str> = state
        .store
        .attendance(&c)
        .await?
        .into_iter()
        .map(|((s, p), a)| (format!("{p}.{s}"), a.as_str()))
        .collect();
    let progress: std::collections::HashMap<String, &str> = state
        .store
        .progress(&c)
        .await?
        .into_iter()
        .map(|((m, p), st)| (format!("{p}.{m}"), st.as_str()))
        .collect();
    let html = page(
        state,
        ctx,
        "learning_group.html",
        HOME,
        context! {
            g => g, c => c, members => members,
            sessions => state.store.sessions(&c.programme_id).await?,
            mods => state.store.modules(&c.programme_id).await?,
            attendance => attendance, progress => progress,
            attendance_values => Attendance::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            progress_values => Progress::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_group(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

/// Saves the register: fields `a.<participant>.<session>` (attendance) and
/// `p.<participant>.<module>` (progress); an empty value records nothing.
async fn save_register(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let g = state.store.group(&ctx.org.id, &id).await?;
    let c: Cohort = state.store.cohort(&ctx.org.id, &g.cohort_id).await?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
    let (mut attendance, mut progress) = (Vec::new(), Vec::new());
    for (k, v) in pairs {
        let mut parts = k.splitn(3, '.');
        let (Some(kind), Some(pid), Some(target)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if v.is_empty() {
            continue;
        }
        let e = Entry {
            participant_id: pid.into(),
            target: target.into(),
            status: v,
        };
        match kind {
            "a" => attendance.push(e),
            "p" => progress.push(e),
            _ => {}
        }
    }
    match ops::record_register(&state, &ctx, &c, &attendance, &progress).await {
        Ok(()) => {
            render_group(
                &state,
                &ctx,
                &id,
                StatusCode::OK,
                context! { notice => "saved" },
            )
            .await
        }
        Err(e @ AppError::Invalid(_)) => {
            let extra = form_problem(&e);
            render_group(&state, &ctx, &id, StatusCode::BAD_REQUEST, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let p = ops::participant(&state, &ctx, &id).await?;
    let s = ops::standing(&state, p, &ctx.org.id).await?;
    let groups = state.store.groups(&s.cohort).await?;
    let progress = state.store.progress(&s.cohort).await?;
    let attendance = state.store.attendance(&s.cohort).await?;
    let pid = s.participant.id.clone();
    let modules: Vec<Value> = state
        .store
        .modules(&s.programme.id)
        .await?
        .into_iter()
        .map(|m| {
            let st = progress
                .get(&(m.id.clone(), pid.clone()))
                .map_or("not_started", |x| x.as_str());
            context! { m => m, status => st }
        })
        .collect();
    let sessions: Vec<Value> = state
        .store
        .sessions(&s.programme.id)
        .await?
        .into_iter()
        .map(|x| {
            let st = attendance
                .get(&(x.id.clone(), pid.clone()))
                .map(|a| a.as_str());
            context! { s => x, status => st }
        })
        .collect();
    let projects: Vec<_> = state
        .store
        .projects(&s.cohort)
        .await?
        .into_iter()
        .filter(|x| x.members.contains(&pid))
        .collect();
    let html = page(
        &state,
        &ctx,
        "learning_participant.html",
        HOME,
        context! {
            p => s.participant, c => s.cohort, programme => s.programme, r => context! {
                done => s.record.modules_done, total => s.record.modules_total,
                present => s.record.sessions_present, sessions => s.record.sessions_total,
                percent => attendance_percent(&s.record),
            },
            missing => s.missing.iter().map(|m| m.message()).collect::<Vec<_>>(),
            group => groups.iter().find(|g| Some(&g.id) == s.participant.group_id.as_ref()),
            waiting_for => groups.iter().find(|g| Some(&g.id) == s.participant.waiting_for.as_ref()),
            mods => modules, sessions => sessions, projects => projects,
            can_coordinate => can_coordinate(&ctx),
        },
    )
    .await?;
    Ok(html.into_response())
}

async fn certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    Ok(pdf_response(ops::certificate(&state, &ctx, &id).await?))
}

async fn render_project(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let x = state.store.project(&ctx.org.id, id).await?;
    let c = state.store.cohort(&ctx.org.id, &x.cohort_id).await?;
    let question = match &x.question_id {
        Some(q) => state.store.question(&ctx.org.id, q).await.ok(),
        None => None,
    };
    let html = page(
        state,
        ctx,
        "learning_project.html",
        HOME,
        context! {
            x => x, c => c, question => question,
            people => state.store.participants(&c).await?,
            questions => state.store.questions(&ctx.org.id, None).await?,
            indicators => state.store.indicators(&ctx.org.id).await?,
            monitors => state.store.monitors(&ctx.org.id).await?,
            statuses => ProjectStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            students => x.students.iter().map(|s| format!("{}; {}", s.name, s.institution)).collect::<Vec<_>>().join("\n"),
            ..extra
        },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    render_project(&state, &ctx, &id, StatusCode::OK, context! {}).await
}

async fn save_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, AppError> {
    let r = ops::update_project(&state, &ctx, &id, crate::input::form(&body)?).await;
    after_form(r, "saved", |status, extra| {
        render_project(&state, &ctx, &id, status, extra)
    })
    .await
}
