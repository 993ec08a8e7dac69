//! Leertrajecten (M7): programmes with modules and live sessions, cohorts with their group
//! fill, CSV import, balanced split and moves, the attendance and progress register of a
//! group, make-track projects, a participant's standing and certificate, and "my learning
//! track" for the signed-in participant. Who may do what is decided by the use cases in
//! [`koers_app::learning`]; a page only asks whether to show the coordinator's forms.

use super::views::certificate_response;
use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::FormInput;
use crate::shell::{
    Done, after_form, confirmed, form_outcome, form_problem, page_with_status, run_form,
    when_confirmed,
};
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::learning::{self as uc, Enrolment, Entry};
use koers_core::Permission;
use koers_core::guests::GuestObject;
use koers_core::learning::model::{DEFAULT_LEVELS, DEFAULT_TARGET_GROUPS};
use koers_core::learning::{
    Attendance, MAX_ROSTER_BYTES, Progress, ProjectStatus, attendance_percent,
};
use koers_core::paging::Page;
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/leertrajecten" => get(index).post(add_programme),
        "/leertrajecten/leergangen/{id}" => get(programme),
        "/leertrajecten/leergangen/{id}/wijzigen" => post(change_programme),
        "/leertrajecten/leergangen/{id}/verwijderen" => post(remove_programme),
        "/leertrajecten/leergangen/{id}/sessies.ics" => get(programme_calendar),
        "/leertrajecten/leergangen/{id}/beweging" => get(movement),
        "/leertrajecten/leergangen/{id}/modules" => post(add_module),
        "/leertrajecten/leergangen/{id}/sessies" => post(add_session),
        "/leertrajecten/leergangen/{id}/cohorten" => post(add_cohort),
        "/leertrajecten/cohorten/{id}" => get(cohort),
        "/leertrajecten/cohorten/{id}/importeren" =>
            post(import).layer(DefaultBodyLimit::max(MAX_ROSTER_BYTES + 64 * 1024)),
        "/leertrajecten/cohorten/{id}/verdelen" => post(split),
        "/leertrajecten/cohorten/{id}/groepen" => post(add_group),
        "/leertrajecten/cohorten/{id}/projecten" => post(add_project),
        "/leertrajecten/cohorten/{id}/sessies/{session_id}" => get(session_register).post(save_session_register),
        "/leertrajecten/groepen/{id}" => get(group).post(save_register),
        "/leertrajecten/deelnemers/{id}/groep" => post(enrol),
        "/leertrajecten/deelnemers/{id}" => get(participant),
        "/leertrajecten/deelnemers/{id}/uitschrijven" => post(unenrol),
        "/leertrajecten/deelnemers/{id}/certificaat" => get(certificate),
        "/leertrajecten/deelnemers/{id}/open-badge.jwt" => get(open_badge),
        "/leertrajecten/deelnemers/{id}/zelfscan" => get(self_scan).post(save_self_scan),
        "/leertrajecten/deelnemers/{id}/doelgroep" => post(change_target_group),
        "/leertrajecten/deelnemers/{id}/sessies.ics" => get(participant_calendar),
        "/leertrajecten/deelnemers/{id}/modules/{module_id}" => get(study).post(mark_progress),
        "/leertrajecten/deelnemers/{id}/modules/{module_id}/antwoorden/{content_id}" => post(respond),
        "/leertrajecten/modules/{id}" => get(module_content).post(add_content),
        "/leertrajecten/modules/{id}/bestanden" =>
            post(add_file).layer(DefaultBodyLimit::disable()),
        "/leertrajecten/modules/{id}/inhoud/{content_id}/bestand" => get(content_file),
        "/leertrajecten/modules/{id}/wijzigen" => post(change_module),
        "/leertrajecten/modules/{id}/verwijderen" => post(remove_module),
        "/leertrajecten/sessies/{id}" => get(session_page).post(change_session),
        "/leertrajecten/sessies/{id}/verwijderen" => post(remove_session),
        "/leertrajecten/modules/{id}/inhoud/{content_id}/verwijderen" => post(remove_content),
        "/leertrajecten/projecten/{id}" => get(project).post(save_project),
        "/leertrajecten/projecten/{id}/gasten" => post(invite_student),
        "/leertrajecten/projecten/{id}/gasten/{grant}/intrekken" => post(revoke_student),
    }
}

const HOME: &str = "/leertrajecten";

fn can_coordinate(ctx: &Ctx) -> bool {
    ctx.who.may(Permission::CoordinateLearning)
}

async fn render_index(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let programmes = uc::programmes(ctx.ws(), &ctx.who).await?;
    let mine: Vec<Value> = uc::my_enrolments(ctx.ws(), &ctx.who)
        .await?
        .into_iter()
        .map(|s| context! { participant => s.participant, programme => s.programme, cohort => s.cohort, complete => s.missing.is_empty() })
        .collect();
    page_with_status(
        ctx,
        status,
        "learning.html",
        HOME,
        context! {
            programmes => programmes, mine => mine, can_coordinate => can_coordinate(ctx),
            default_levels => DEFAULT_LEVELS, default_target_groups => DEFAULT_TARGET_GROUPS,
            ..extra
        },
    )
    .await
}

async fn index(ctx: Ctx) -> Reply {
    render_index(&ctx, StatusCode::OK, context! {}).await
}

async fn add_programme(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::create_programme(ctx.ws(), &ctx.who, input).await,
        |p| Done::To(format!("{HOME}/leergangen/{}", p.id)),
        |status, extra| render_index(&ctx, status, extra),
    )
    .await
}

async fn render_programme(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let d = uc::programme(ctx.ws(), &ctx.who, id).await?;
    page_with_status(
        ctx,
        status,
        "learning_programme.html",
        HOME,
        context! {
            p => d.programme, mods => d.modules, sessions => d.sessions,
            cohorts => d.cohorts, can_coordinate => can_coordinate(ctx), ..extra
        },
    )
    .await
}

async fn programme(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_programme(&ctx, &id, StatusCode::OK, context! {}).await
}

/// After one of the programme page's forms (`sent`: which, as the page names its problems and
/// values): on to `to`, or the page again with that form as it was sent.
async fn programme_outcome<T>(
    ctx: &Ctx,
    id: &str,
    (form, sent): (FormInput, &'static str),
    act: impl AsyncFnOnce(koers_app::Input) -> Result<T, koers_app::Error>,
    to: impl FnOnce(T) -> String,
) -> Reply {
    run_form(
        form,
        act,
        |made| Done::To(to(made)),
        |status, extra| render_programme(ctx, id, status, context! { sent => sent, ..extra }),
    )
    .await
}

async fn add_module(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| uc::add_module(ctx.ws(), &ctx.who, &id, input).await;
    let to = |m: uc::Module| format!("{HOME}/leergangen/{}#modules", m.programme_id);
    programme_outcome(&ctx, &id, (form, "modules"), act, to).await
}

async fn change_programme(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| uc::update_programme(ctx.ws(), &ctx.who, &id, input).await;
    let to = |p: uc::Programme| format!("{HOME}/leergangen/{}", p.id);
    programme_outcome(&ctx, &id, (form, "wijzigen"), act, to).await
}

/// How the programme's participants moved on its leadership model (coordinators).
async fn movement(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let m = uc::movement(ctx.ws(), &ctx.who, &id).await?;
    page_with_status(
        &ctx,
        StatusCode::OK,
        "learning_movement.html",
        HOME,
        context! { p => m.programme, rows => m.movement, min_group => m.min_group },
    )
    .await
}

async fn render_self_scan(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let s = uc::self_assessment(ctx.ws(), &ctx.who, id).await?;
    page_with_status(
        ctx,
        status,
        "learning_self_scan.html",
        HOME,
        context! {
            p => s.standing.participant, programme => s.standing.programme,
            levels => s.levels.iter().map(|(d, l)| context! { dimension => d, start => l[0], end => l[1] }).collect::<Vec<_>>(),
            next => s.next.as_str(),
            ..extra
        },
    )
    .await
}

/// The participant's own self-assessment, with the form for the next moment.
async fn self_scan(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_self_scan(&ctx, &id, StatusCode::OK, context! {}).await
}

/// Saves the self-assessment: `moment`, and per dimension a field `niveau:<dimension>`.
async fn save_self_scan(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let value = form.value();
    let mut input = form.0;
    let moment = input.text("moment");
    let answers: std::collections::BTreeMap<String, String> = input.texts_under("niveau:");
    let r = uc::save_self_assessment(ctx.ws(), &ctx.who, &id, &moment, &answers).await;
    form_outcome(
        r,
        value,
        |_| {
            Done::Back(
                format!("{HOME}/deelnemers/{id}/zelfscan"),
                "self_scan_saved",
            )
        },
        |status, extra| render_self_scan(&ctx, &id, status, extra),
    )
    .await
}

/// The coordinator puts a participant in a target group.
async fn change_target_group(
    ctx: Ctx,
    Path(id): Path<String>,
    FormInput(input): FormInput,
) -> Reply {
    let r = uc::set_target_group(ctx.ws(), &ctx.who, &id, input).await;
    form_outcome(
        r,
        Value::UNDEFINED,
        |p| Done::To(format!("{HOME}/deelnemers/{}", p.id)),
        |status, extra| render_participant(&ctx, &id, status, extra),
    )
    .await
}

/// The sessions one participant is expected at, for their agenda.
async fn participant_calendar(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (p, ics) = uc::participant_calendar(ctx.ws(), &ctx.who, &id).await?;
    Ok(calendar_download(&p.name, ics))
}

async fn add_session(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| uc::add_session(ctx.ws(), &ctx.who, &id, input).await;
    let to = |s: uc::LiveSession| format!("{HOME}/leergangen/{}#sessies", s.programme_id);
    programme_outcome(&ctx, &id, (form, "sessies"), act, to).await
}

async fn add_cohort(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| uc::create_cohort(ctx.ws(), &ctx.who, &id, input).await;
    let to = |c: uc::Cohort| format!("{HOME}/cohorten/{}", c.id);
    programme_outcome(&ctx, &id, (form, "cohorten"), act, to).await
}

/// The coordinator's question to a cohort's participant list, as the page's search form
/// sends it.
#[derive(Deserialize, Default)]
struct Find {
    zoek: Option<String>,
    groep: Option<String>,
    stand: Option<String>,
    pagina: Option<String>,
}

/// How many participants the cohort's list shows at a time.
const PARTICIPANTS_PER_PAGE: usize = 50;

async fn render_cohort(
    ctx: &Ctx,
    id: &str,
    status: StatusCode,
    find: &Find,
    extra: Value,
) -> Reply {
    let d = uc::cohort_detail(ctx.ws(), &ctx.who, id).await?;
    let choices = uc::project_choices(ctx.ws(), &ctx.who).await?;
    let (search, group, standing) = (
        find.zoek.as_deref().unwrap_or(""),
        find.groep.as_deref().unwrap_or(""),
        find.stand.as_deref().unwrap_or(""),
    );
    // A question the list cannot answer is said above the list, which then shows everyone
    // (from the first page).
    let (filter, mut find_errors) = match d.filter(search, group, standing) {
        Ok(f) => (f, Vec::new()),
        Err(e) => (uc::ParticipantFilter::default(), e.0),
    };
    let all = d.rows();
    let matching: Vec<&uc::CohortRow> = all.iter().filter(|r| r.matches(&filter)).collect();
    let asked = find.pagina.as_deref().unwrap_or("");
    let page = Page::parse(asked, PARTICIPANTS_PER_PAGE, matching.len()).unwrap_or_else(|e| {
        find_errors.extend(e.0);
        Page::first(PARTICIPANTS_PER_PAGE, matching.len())
    });
    let status = if find_errors.is_empty() {
        status
    } else {
        StatusCode::BAD_REQUEST
    };
    let row = |r: &&uc::CohortRow| {
        context! { p => r.participant, done => r.record.modules_done, total => r.record.modules_total,
        attendance => attendance_percent(&r.record), complete => r.missing.is_empty() }
    };
    let rows: Vec<Value> = matching[page.range()].iter().map(row).collect();
    let counts = d.counts(&all);
    page_with_status(
        ctx,
        status,
        "learning_cohort.html",
        HOME,
        context! {
            c => d.cohort, p => d.programme, groups => d.groups, rows => rows,
            sessions => d.sessions,
            counts => counts,
            find => context! { zoek => search, groep => group, stand => standing, active => !filter.is_any() },
            shown => matching.len(), paging => crate::templates::paging(&page),
            find_errors => find_errors,
            standings => uc::StandingFilter::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            projects => d.projects,
            questions => choices.questions,
            indicators => choices.indicators,
            monitors => choices.monitors,
            statuses => ProjectStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await
}

async fn cohort(ctx: Ctx, Path(id): Path<String>, Query(find): Query<Find>) -> Reply {
    render_cohort(&ctx, &id, StatusCode::OK, &find, context! {}).await
}

/// After a form on the cohort page: the page with a notice, or with the problem; besides
/// invalid input, a conflict (a full group, nobody to split) and a file over the limit are
/// shown on the page too.
async fn cohort_outcome<T>(
    ctx: &Ctx,
    id: &str,
    r: Result<T, AppError>,
    notice: &'static str,
) -> Reply {
    let everyone = Find::default();
    let render = |status, extra| render_cohort(ctx, id, status, &everyone, extra);
    match r {
        Err(e @ (AppError::Conflict(_) | AppError::PayloadTooLarge)) => {
            render(e.status(), form_problem(&e)).await
        }
        r => {
            let back = Done::Back(format!("{HOME}/cohorten/{id}"), notice);
            form_outcome(r, Value::UNDEFINED, |_| back, render).await
        }
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

async fn import(ctx: Ctx, Path(id): Path<String>, mp: Multipart) -> Reply {
    let r = match read_roster(mp).await {
        Ok(bytes) => uc::import_roster(ctx.ws(), &ctx.who, &id, &bytes)
            .await
            .map_err(AppError::from),
        Err(e) => Err(e),
    };
    cohort_outcome(&ctx, &id, r, "imported").await
}

/// Splits the cohort into groups anew: it replaces the groups there are, so it asks for
/// confirmation.
async fn split(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = when_confirmed(&input, ctx.lang, uc::split(ctx.ws(), &ctx.who, &id)).await;
    cohort_outcome(&ctx, &id, r, "split").await
}

async fn add_group(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = uc::add_group(ctx.ws(), &ctx.who, &id, input).await;
    cohort_outcome(&ctx, &id, r.map_err(AppError::from), "group_added").await
}

async fn add_project(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    match uc::create_project(ctx.ws(), &ctx.who, &id, input).await {
        Ok(x) => {
            Ok(axum::response::Redirect::to(&format!("{HOME}/projecten/{}", x.id)).into_response())
        }
        Err(e) => cohort_outcome::<()>(&ctx, &id, Err(e.into()), "").await,
    }
}

/// Moves a participant to a group; the form sits on the cohort page and problems are
/// shown there.
async fn enrol(ctx: Ctx, Path(id): Path<String>, FormInput(mut input): FormInput) -> Reply {
    let group_id = input.text("groupId");
    input.finish(Ok(()))?;
    let (p, r) = uc::move_to_group(ctx.ws(), &ctx.who, &id, &group_id).await?;
    let notice = match &r {
        Ok((_, Enrolment::Waiting)) => "waiting",
        _ => "enrolled",
    };
    cohort_outcome(&ctx, &p.cohort_id, r.map_err(AppError::from), notice).await
}

async fn render_group(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let g = uc::group_register(ctx.ws(), &ctx.who, id).await?;
    let attendance: std::collections::HashMap<String, &str> = g
        .attendance
        .iter()
        .map(|((s, p), a)| (format!("{p}.{s}"), a.as_str()))
        .collect();
    let progress: std::collections::HashMap<String, &str> = g
        .progress
        .iter()
        .map(|((m, p), st)| (format!("{p}.{m}"), st.as_str()))
        .collect();
    page_with_status(
        ctx,
        status,
        "learning_group.html",
        HOME,
        context! {
            g => g.group, c => g.cohort, members => g.members,
            sessions => g.sessions,
            mods => g.modules,
            attendance => attendance, progress => progress,
            attendance_values => Attendance::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            progress_values => Progress::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await
}

async fn group(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_group(&ctx, &id, StatusCode::OK, context! {}).await
}

/// Saves the register: fields `a.<participant>.<session>` (attendance) and
/// `p.<participant>.<module>` (progress); an empty value records nothing.
async fn save_register(ctx: Ctx, Path(id): Path<String>, body: Bytes) -> Reply {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(&body)
        .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
    // "Iedereen aanwezig" under a session's heading marks the whole group present there.
    let all_present = pairs
        .iter()
        .find(|(k, _)| k == "allPresent")
        .map(|(_, v)| v.clone());
    let (mut attendance, mut progress) = (Vec::new(), Vec::new());
    for (k, mut v) in pairs {
        let mut parts = k.splitn(3, '.');
        let (Some(kind), Some(pid), Some(target)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        if kind == "a" && all_present.as_deref() == Some(target) {
            v = Attendance::Present.as_str().to_string();
        }
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
    let r = uc::save_group_register(ctx.ws(), &ctx.who, &id, &attendance, &progress).await;
    after_form(
        r,
        (format!("{HOME}/groepen/{id}"), "saved"),
        |status, extra| render_group(&ctx, &id, status, extra),
    )
    .await
}

async fn render_session_register(
    ctx: &Ctx,
    (cohort, session): (&str, &str),
    status: StatusCode,
    extra: Value,
) -> Reply {
    let r = uc::session_register(ctx.ws(), &ctx.who, cohort, session).await?;
    let recorded = r.recorded().len();
    let rows: Vec<Value> = r
        .rows
        .iter()
        .map(|(p, a)| context! { p => p, a => a.map(Attendance::as_str) })
        .collect();
    page_with_status(
        ctx,
        status,
        "learning_session_register.html",
        HOME,
        context! {
            c => r.cohort, s => r.session, groups => r.groups, rows => rows, recorded => recorded,
            attendance_values => Attendance::ALL.iter().map(|a| a.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await
}

async fn session_register(ctx: Ctx, Path((id, session)): Path<(String, String)>) -> Reply {
    render_session_register(&ctx, (&id, &session), StatusCode::OK, context! {}).await
}

/// Saves a live session's register for the cohort: fields `a.<participant>` (an empty value
/// records nothing), and with the button `rest=present` everyone else present.
async fn save_session_register(
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let rest = input.fields().get("rest").and_then(|v| v.as_str()) == Some("present");
    let chosen: Vec<(String, String)> = input
        .texts_under::<Vec<(String, String)>>("a.")
        .into_iter()
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let r = uc::save_session_register(ctx.ws(), &ctx.who, &id, &session, &chosen, rest).await;
    let back = format!("{HOME}/cohorten/{id}/sessies/{session}");
    after_form(r, (back, "saved"), |status, extra| {
        render_session_register(&ctx, (&id, &session), status, extra)
    })
    .await
}

async fn participant(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_participant(&ctx, &id, StatusCode::OK, context! {}).await
}

/// Takes the participant out of their group after a confirmation; back to their cohort.
async fn unenrol(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    if let Err(e) = confirmed(&input, ctx.lang) {
        return render_participant(&ctx, &id, e.status(), form_problem(&e)).await;
    }
    let p = uc::unenrol(ctx.ws(), &ctx.who, &id).await?;
    cohort_outcome(&ctx, &p.cohort_id, Ok::<_, AppError>(()), "unenrolled").await
}

async fn render_participant(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let o = uc::participant_overview(ctx.ws(), &ctx.who, id).await?;
    let s = o.standing;
    let modules: Vec<Value> = o
        .modules
        .into_iter()
        .map(|(m, st)| context! { m => m, status => st.as_str() })
        .collect();
    let sessions: Vec<Value> = o
        .sessions
        .into_iter()
        .map(|(x, st)| context! { s => x, status => st.map(|a| a.as_str()) })
        .collect();
    page_with_status(
        ctx,
        status,
        "learning_participant.html",
        HOME,
        context! {
            p => s.participant, c => s.cohort, programme => s.programme, r => context! {
                done => s.record.modules_done, total => s.record.modules_total,
                present => s.record.sessions_present, sessions => s.record.sessions_total,
                percent => attendance_percent(&s.record),
            },
            missing => s.missing.iter().map(|m| crate::learning::views::missing(ctx.lang, m)).collect::<Vec<_>>(),
            group => o.group,
            waiting_for => o.waiting_for,
            mods => modules, sessions => sessions, projects => o.projects,
            can_coordinate => can_coordinate(ctx),
            own => o.own.map(|s| context! {
                next => s.next.as_str(),
                levels => s.levels.iter().map(|(d, l)| context! { dimension => d, start => l[0], end => l[1] }).collect::<Vec<_>>(),
            }),
            ..extra
        },
    )
    .await
}

/// A module's content as a page shows it: Markdown as safe HTML under a heading of level
/// `below`; a quiz as its questions and options, with the right ones only where `reveal`
/// says so (the coordinator), or once the participant answered (their `responses`).
fn contents_view(
    contents: Vec<uc::Content>,
    below: usize,
    responses: &[uc::Response],
    reveal: bool,
) -> Vec<Value> {
    contents
        .into_iter()
        .map(|c| {
            let mine = responses.iter().find(|r| r.content_id == c.id);
            let quiz = (c.kind == uc::ContentKind::Quiz)
                .then(|| koers_core::learning::quiz::Quiz::parse(&c.body).ok())
                .flatten();
            let chosen: Vec<usize> = mine
                .and_then(|r| serde_json::from_str(&r.answer).ok())
                .unwrap_or_default();
            let questions = quiz.map(|q| {
                q.questions
                    .into_iter()
                    .enumerate()
                    .map(|(i, x)| {
                        let shown = reveal || mine.is_some();
                        context! {
                            n => i + 1, text => x.text, options => x.options,
                            correct => shown.then_some(x.correct), chosen => chosen.get(i),
                        }
                    })
                    .collect::<Vec<_>>()
            });
            let html = if c.kind == uc::ContentKind::Quiz {
                String::new()
            } else {
                crate::markdown::to_html(&c.body, below)
            };
            context! {
                id => c.id, kind => c.kind.as_str(), title => c.title, url => c.url, file => c.file,
                html => Value::from_safe_string(html), questions => questions,
                answer => mine.filter(|_| c.kind == uc::ContentKind::Reflection).map(|r| r.answer.clone()),
                right => mine.and_then(|r| r.quiz_right), total => mine.and_then(|r| r.quiz_total),
            }
        })
        .collect()
}

/// A module's content for the coordinator: what it holds, a form to add to it.
async fn render_module_content(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let m = uc::module_content(ctx.ws(), &ctx.who, id).await?;
    page_with_status(
        ctx,
        status,
        "learning_module.html",
        HOME,
        context! {
            p => m.programme, m => m.module, contents => contents_view(m.contents, 3, &[], true),
            responses => m.responses,
            kinds => uc::ContentKind::ALL.iter().filter(|k| **k != uc::ContentKind::File).map(|k| k.as_str()).collect::<Vec<_>>(),
            ..context! { ..extra, ..crate::questions::upload_limits(ctx) }
        },
    )
    .await
}

async fn module_content(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_module_content(&ctx, &id, StatusCode::OK, context! {}).await
}

/// Receives a file for the module (a multipart form: `title`, `file`).
pub(super) async fn receive_file(
    ctx: &Ctx,
    module_id: &str,
    req: axum::extract::Request,
) -> Result<uc::Content, AppError> {
    uc::may_add_file(ctx.ws(), &ctx.who, module_id).await?;
    let (upload, fields) = crate::questions::read_upload_with(ctx, req, &["title"])
        .await
        .map_err(|e| crate::questions::too_large_as_field(ctx, e))?;
    let title = fields.get("title").map_or("", String::as_str);
    let max = ctx.state.cfg.max_attachment_bytes;
    Ok(uc::add_file(ctx.ws(), &ctx.who, module_id, title, upload, max).await?)
}

async fn add_file(ctx: Ctx, Path(id): Path<String>, req: axum::extract::Request) -> Reply {
    let r = receive_file(&ctx, &id, req).await;
    let back = format!("{HOME}/modules/{id}");
    after_form(r, (back, "content_added"), async |status, extra| {
        render_module_content(&ctx, &id, status, extra).await
    })
    .await
}

/// A module's file, for its coordinators and the participants of its programme.
pub(super) async fn file_response(ctx: &Ctx, module_id: &str, content_id: &str) -> Reply {
    let (f, bytes) = uc::content_file(ctx.ws(), &ctx.who, module_id, content_id).await?;
    Ok(crate::questions::kept_file_response(
        &f.file_name,
        &f.content_type,
        bytes,
    ))
}

async fn content_file(ctx: Ctx, Path((id, content_id)): Path<(String, String)>) -> Reply {
    file_response(&ctx, &id, &content_id).await
}

async fn add_content(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::add_content(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("{HOME}/modules/{id}"), "content_added"),
        async |status, extra| render_module_content(&ctx, &id, status, extra).await,
    )
    .await
}

async fn remove_content(
    ctx: Ctx,
    Path((id, content_id)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = when_confirmed(
        &input,
        ctx.lang,
        uc::remove_content(ctx.ws(), &ctx.who, &id, &content_id),
    )
    .await;
    let back = format!("{HOME}/modules/{id}");
    after_form(r, (back, "content_removed"), async |status, extra| {
        render_module_content(&ctx, &id, status, extra).await
    })
    .await
}

async fn change_module(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::update_module(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("{HOME}/modules/{id}"), "module_changed"),
        async |status, extra| render_module_content(&ctx, &id, status, extra).await,
    )
    .await
}

/// Removes a programme with everything in it, after its confirmation; back to the list.
async fn remove_programme(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    if let Err(e) = confirmed(&input, ctx.lang) {
        return render_programme(&ctx, &id, e.status(), form_problem(&e)).await;
    }
    uc::remove_programme(ctx.ws(), &ctx.who, &id).await?;
    Ok(Redirect::to(HOME).into_response())
}

/// Removes a module after its confirmation; back to the programme.
async fn remove_module(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    if let Err(e) = confirmed(&input, ctx.lang) {
        return render_module_content(&ctx, &id, e.status(), form_problem(&e)).await;
    }
    let p = uc::remove_module(ctx.ws(), &ctx.who, &id).await?;
    Ok(Redirect::to(&format!("/leertrajecten/leergangen/{}#modules", p.id)).into_response())
}

/// A live session to change or remove (coordinators).
async fn render_session(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let (p, x) = uc::coordinated_session(ctx.ws(), &ctx.who, id).await?;
    let mods = uc::programme(ctx.ws(), &ctx.who, &p.id).await?.modules;
    page_with_status(
        ctx,
        status,
        "learning_session.html",
        HOME,
        context! { p => p, s => x, mods => mods, ..extra },
    )
    .await
}

async fn session_page(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_session(&ctx, &id, StatusCode::OK, context! {}).await
}

async fn change_session(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::update_session(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("{HOME}/sessies/{id}"), "session_changed"),
        async |status, extra| render_session(&ctx, &id, status, extra).await,
    )
    .await
}

/// Removes a live session after its confirmation; back to the programme.
async fn remove_session(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    if let Err(e) = confirmed(&input, ctx.lang) {
        return render_session(&ctx, &id, e.status(), form_problem(&e)).await;
    }
    let p = uc::remove_session(ctx.ws(), &ctx.who, &id).await?;
    Ok(Redirect::to(&format!("/leertrajecten/leergangen/{}#modules", p.id)).into_response())
}

/// A participant working through one module: its content, and how far they are.
async fn render_study(
    ctx: &Ctx,
    (id, module_id): (&str, &str),
    status: StatusCode,
    extra: Value,
) -> Reply {
    let s = uc::study(ctx.ws(), &ctx.who, id, module_id).await?;
    page_with_status(
        ctx,
        status,
        "learning_study.html",
        HOME,
        context! {
            p => s.standing.participant, programme => s.standing.programme, m => s.module,
            contents => contents_view(s.contents, 2, &s.responses, false), progress => s.progress.as_str(),
            statuses => Progress::ALL.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
            ..extra
        },
    )
    .await
}

/// Which content the participant just answered (`beantwoord`), after their answer.
#[derive(Deserialize)]
struct Answered {
    beantwoord: Option<String>,
}

async fn study(
    ctx: Ctx,
    Path((id, module_id)): Path<(String, String)>,
    Query(a): Query<Answered>,
) -> Reply {
    let extra = context! { answered => a.beantwoord };
    render_study(&ctx, (&id, &module_id), StatusCode::OK, extra).await
}

/// The participant answers a reflection or quiz of the module; the module again, with it.
async fn respond(
    ctx: Ctx,
    Path((id, module_id, content_id)): Path<(String, String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = uc::respond(ctx.ws(), &ctx.who, (&id, &module_id, &content_id), input).await;
    // Back to the module with the answer named, for its score beside the notice.
    let back = format!("{HOME}/deelnemers/{id}/modules/{module_id}?beantwoord={content_id}");
    after_form(r, (back, "answer_saved"), async |status, extra| {
        let extra = context! { ..extra, ..context! { answered => content_id.clone() } };
        render_study(&ctx, (&id, &module_id), status, extra).await
    })
    .await
}

async fn mark_progress(
    ctx: Ctx,
    Path((id, module_id)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = uc::mark_progress(ctx.ws(), &ctx.who, &id, &module_id, input).await;
    let back = format!("{HOME}/deelnemers/{id}/modules/{module_id}");
    after_form(r, (back, "progress_saved"), async |status, extra| {
        render_study(&ctx, (&id, &module_id), status, extra).await
    })
    .await
}

/// The programme's live sessions to add to an agenda.
async fn programme_calendar(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (p, ics) = uc::programme_calendar(ctx.ws(), &ctx.who, &id).await?;
    Ok(calendar_download(&p.name, ics))
}

/// An iCalendar file to save, named after the programme.
fn calendar_download(name: &str, ics: String) -> axum::response::Response {
    crate::download::download(
        "text/calendar; charset=utf-8",
        &format!("{}.ics", crate::download::stem(name, "sessies")),
        ics.into_bytes(),
    )
}

async fn certificate(ctx: Ctx, Path(id): Path<String>) -> Reply {
    certificate_response(&ctx, &id).await
}

/// The Open Badge as a signed file to keep (a wallet or portfolio reads it).
async fn open_badge(ctx: Ctx, headers: axum::http::HeaderMap, Path(id): Path<String>) -> Reply {
    let b = super::views::badge_of(&ctx, &headers, &id).await?;
    let name = b.credential["name"].as_str().unwrap_or("leertraject");
    Ok(crate::download::download(
        "application/vc+jwt",
        &format!(
            "open-badge-{}.jwt",
            crate::download::stem(name, "leertraject")
        ),
        b.jwt.into_bytes(),
    ))
}

async fn render_project(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let d = uc::project_detail(ctx.ws(), &ctx.who, id).await?;
    let choices = uc::project_choices(ctx.ws(), &ctx.who).await?;
    let students = d
        .project
        .students
        .iter()
        .map(|s| format!("{}; {}", s.name, s.institution))
        .collect::<Vec<_>>()
        .join("\n");
    page_with_status(
        ctx,
        status,
        "learning_project.html",
        HOME,
        context! {
            x => d.project, c => d.cohort, question => d.question,
            people => d.participants,
            questions => choices.questions,
            indicators => choices.indicators,
            monitors => choices.monitors,
            dashboards => choices.dashboards,
            statuses => ProjectStatus::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            students => students,
            guests => d.guests,
            ..extra
        },
    )
    .await
}

async fn project(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_project(&ctx, &id, StatusCode::OK, context! {}).await
}

/// Invites a student to the project as a guest; the page shows the link (once) to pass on.
async fn invite_student(
    ctx: Ctx,
    headers: axum::http::HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    let base = ctx.state.cfg.base_url(&headers);
    let object = (GuestObject::LearningProject, id.as_str());
    let r = koers_app::guests::invite(ctx.ws(), &ctx.who, object, form.0, &base).await;
    form_outcome(
        r,
        value,
        |i| Done::Show(context! { invited => context! { link => i.link, mailed => i.mailed }, notice => "guest_invited" }),
        |status, extra| render_project(&ctx, &id, status, extra),
    )
    .await
}

/// Withdraws a student's invitation, after its confirmation.
async fn revoke_student(
    ctx: Ctx,
    Path((id, grant)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = when_confirmed(
        &input,
        ctx.lang,
        koers_app::guests::revoke(ctx.ws(), &ctx.who, &grant),
    )
    .await;
    form_outcome(
        r,
        Value::UNDEFINED,
        |_| Done::Back(format!("{HOME}/projecten/{id}"), "guest_revoked"),
        |status, extra| render_project(&ctx, &id, status, extra),
    )
    .await
}

async fn save_project(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = uc::update_project(ctx.ws(), &ctx.who, &id, input).await;
    after_form(
        r,
        (format!("{HOME}/projecten/{id}"), "saved"),
        |status, extra| render_project(&ctx, &id, status, extra),
    )
    .await
}
