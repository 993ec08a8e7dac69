//! `/learning/...`: the learning track through the API.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::learning::{self as ops, Entry};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use koers_core::Permission;
use koers_core::learning::{MAX_ROSTER_BYTES, Missing};
use koers_store::learning::{Cohort, Enrolment, Group, Participant, Programme, Project};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route(
            "/learning/programmes",
            get(list_programmes).post(add_programme),
        )
        .route("/learning/programmes/{programme_id}", get(get_programme))
        .route(
            "/learning/programmes/{programme_id}/modules",
            post(add_module),
        )
        .route(
            "/learning/programmes/{programme_id}/sessions",
            post(add_session),
        )
        .route(
            "/learning/programmes/{programme_id}/cohorts",
            post(add_cohort),
        )
        .route("/learning/cohorts/{cohort_id}", get(get_cohort))
        .route(
            "/learning/cohorts/{cohort_id}/participants",
            post(import_participants),
        )
        .route("/learning/cohorts/{cohort_id}/split", post(split_cohort))
        .route("/learning/cohorts/{cohort_id}/groups", post(add_group))
        .route("/learning/cohorts/{cohort_id}/projects", post(add_project))
        .route("/learning/groups/{group_id}/enrolments", post(enrol))
        .route(
            "/learning/participants/{participant_id}",
            get(get_participant),
        )
        .route(
            "/learning/participants/{participant_id}/attendance",
            post(set_attendance),
        )
        .route(
            "/learning/participants/{participant_id}/progress",
            post(set_progress),
        )
        .route(
            "/learning/participants/{participant_id}/certificate",
            get(get_certificate),
        )
        .route(
            "/learning/projects/{project_id}",
            get(get_project).put(put_project),
        )
        .route("/learning/me", get(my_enrolments))
}

/// A programme with its modules, live sessions and cohorts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeDetailOut {
    #[schema(value_type = Object)]
    pub programme: Programme,
    #[schema(value_type = Vec<Object>)]
    pub modules: Vec<koers_store::learning::Module>,
    #[schema(value_type = Vec<Object>)]
    pub sessions: Vec<koers_store::learning::LiveSession>,
    #[schema(value_type = Vec<Object>)]
    pub cohorts: Vec<Cohort>,
}

/// A cohort with its groups, participants and projects.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortDetailOut {
    #[schema(value_type = Object)]
    pub cohort: Cohort,
    #[schema(value_type = Vec<Object>)]
    pub groups: Vec<Group>,
    #[schema(value_type = Vec<Object>)]
    pub participants: Vec<Participant>,
    #[schema(value_type = Vec<Object>)]
    pub projects: Vec<Project>,
}

/// A participant and where they stand against the completion rule.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StandingOut {
    #[schema(value_type = Object)]
    pub participant: Participant,
    pub modules_done: u32,
    pub modules_total: u32,
    pub sessions_present: u32,
    pub sessions_total: u32,
    pub project_delivered: bool,
    /// Whether the certificate is earned.
    pub complete: bool,
    /// What is still missing, with a message for each.
    pub missing: Vec<MissingOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MissingOut {
    /// modules, attendance or project.
    pub kind: String,
    pub message: String,
}

impl From<ops::Standing> for StandingOut {
    fn from(s: ops::Standing) -> Self {
        let missing = s
            .missing
            .iter()
            .map(|m| MissingOut {
                kind: match m {
                    Missing::Modules { .. } => "modules",
                    Missing::Attendance { .. } => "attendance",
                    Missing::Project => "project",
                }
                .into(),
                message: m.message(),
            })
            .collect::<Vec<_>>();
        StandingOut {
            complete: missing.is_empty(),
            missing,
            modules_done: s.record.modules_done,
            modules_total: s.record.modules_total,
            sessions_present: s.record.sessions_present,
            sessions_total: s.record.sessions_total,
            project_delivered: s.record.project_delivered,
            participant: s.participant,
        }
    }
}

/// A new programme; five modules are made along the model's dimensions.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeIn {
    pub name: String,
    pub description: Option<String>,
    /// The dimensions of the leadership model, in order.
    pub dimensions: Option<Vec<String>>,
    /// Share of live sessions to attend, in percent (default 80).
    pub min_attendance: Option<String>,
    /// Whether a delivered project is needed for the certificate.
    pub requires_project: Option<bool>,
}

#[derive(ToSchema)]
pub struct ModuleIn {
    pub title: String,
    pub description: Option<String>,
    /// A dimension of the programme's leadership model.
    pub dimension: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionIn {
    pub title: String,
    #[schema(format = Date)]
    pub date: String,
    /// HH:MM
    pub start_time: String,
    /// HH:MM
    pub end_time: String,
    /// The online meeting's https address.
    pub link: Option<String>,
    /// How many modules come before it (default: all).
    pub after_module: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortIn {
    pub name: String,
    #[schema(format = Date)]
    pub start_date: Option<String>,
    /// The largest group (default 20).
    pub capacity: Option<String>,
}

#[derive(ToSchema)]
pub struct GroupIn {
    pub name: String,
    pub capacity: Option<String>,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentIn {
    pub participant_id: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EnrolmentOut {
    pub group_id: String,
    /// placed, or waiting when the group is full.
    pub outcome: String,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttendanceIn {
    pub session_id: String,
    /// present, absent or excused.
    pub status: String,
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgressIn {
    pub module_id: String,
    /// not_started, started or done.
    pub status: String,
}

/// A make-track project.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProjectIn {
    pub title: String,
    /// proposed, running, delivered or stopped.
    pub status: Option<String>,
    pub outcome: Option<String>,
    /// Outside students, each `name; institution`.
    pub students: Option<Vec<String>>,
    /// A data question of the same organisation.
    pub question_id: Option<String>,
    /// indicator or monitor.
    pub product_kind: Option<String>,
    /// An indicator or monitor of the same organisation.
    pub product_id: Option<String>,
    /// Participant ids of the same cohort.
    pub members: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportOut {
    pub imported: usize,
}

fn created<T: Serialize>(v: T) -> Response {
    (StatusCode::CREATED, Json(v)).into_response()
}

/// The organisation's learning programmes.
#[utoipa::path(get, path = "/learning/programmes", tag = "leertrajecten", responses((status = 200, description = "Leergangen", body = Vec<Object>)))]
pub async fn list_programmes(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<Programme>>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json(state.store.programmes(&ctx.org.id).await?))
}

/// Define a programme.
#[utoipa::path(post, path = "/learning/programmes", tag = "leertrajecten", request_body = ProgrammeIn, responses((status = 201, description = "Aangemaakt", body = Object)))]
pub async fn add_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::create_programme(&state, &ctx, crate::input::json(&headers, &body)?).await?,
    ))
}

/// A programme with its modules, sessions and cohorts.
#[utoipa::path(get, path = "/learning/programmes/{programmeId}", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    responses((status = 200, description = "De leergang", body = ProgrammeDetailOut)))]
pub async fn get_programme(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<ProgrammeDetailOut>, AppError> {
    ctx.require(Permission::Read)?;
    let p = state.store.programme(&ctx.org.id, &id).await?;
    let cohorts = if ctx.require(Permission::CoordinateLearning).is_ok() {
        state.store.cohorts(&p).await?
    } else {
        Vec::new()
    };
    Ok(Json(ProgrammeDetailOut {
        modules: state.store.modules(&p.id).await?,
        sessions: state.store.sessions(&p.id).await?,
        cohorts,
        programme: p,
    }))
}

/// Add a module after the last.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/modules", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = ModuleIn, responses((status = 201, description = "Toegevoegd", body = Object)))]
pub async fn add_module(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::add_module(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// Plan a live session.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/sessions", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = SessionIn, responses((status = 201, description = "Gepland", body = Object)))]
pub async fn add_session(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::add_session(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// Start a cohort.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/cohorts", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = CohortIn, responses((status = 201, description = "Aangemaakt", body = Object)))]
pub async fn add_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::create_cohort(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// A cohort with its groups (fill), participants and projects.
#[utoipa::path(get, path = "/learning/cohorts/{cohortId}", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    responses((status = 200, description = "Het cohort", body = CohortDetailOut)))]
pub async fn get_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<CohortDetailOut>, AppError> {
    let c = ops::cohort(&state, &ctx, &id).await?;
    Ok(Json(CohortDetailOut {
        groups: state.store.groups(&c).await?,
        participants: state.store.participants(&c).await?,
        projects: state.store.projects(&c).await?,
        cohort: c,
    }))
}

/// Import participants from CSV (`naam,e-mail,afdeling,rol`); every bad row is reported
/// with its line number, and nothing is imported when any row is bad.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/participants", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body(content = String, content_type = "text/csv"), responses((status = 201, description = "Geïmporteerd", body = ImportOut)))]
pub async fn import_participants(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    // Another organisation's cohort is not found, whatever the body.
    ops::cohort(&state, &ctx, &id).await?;
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !ct.starts_with("text/csv") {
        return Err(AppError::UnsupportedMediaType("text/csv"));
    }
    if body.len() > MAX_ROSTER_BYTES {
        return Err(AppError::PayloadTooLarge);
    }
    let imported = ops::import_roster(&state, &ctx, &id, &body).await?;
    Ok(created(ImportOut { imported }))
}

/// Split the whole cohort into balanced groups (replaces its groups).
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/split", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    responses((status = 200, description = "De nieuwe groepen", body = Vec<Object>)))]
pub async fn split_cohort(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<Group>>, AppError> {
    Ok(Json(ops::split(&state, &ctx, &id).await?))
}

/// Add an (empty) group.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/groups", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body = GroupIn, responses((status = 201, description = "Toegevoegd", body = Object)))]
pub async fn add_group(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::add_group(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// Start a make-track project.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/projects", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body = ProjectIn, responses((status = 201, description = "Aangemaakt", body = Object)))]
pub async fn add_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    Ok(created(
        ops::create_project(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// Enrol a participant in a group; when it is full they go on its waiting list (a
/// participant moving from another group is refused with 409).
#[utoipa::path(post, path = "/learning/groups/{groupId}/enrolments", tag = "leertrajecten", params(("groupId" = String, Path, description = "Id van de groep")),
    request_body = EnrolmentIn, responses((status = 200, description = "Ingedeeld of op de wachtlijst", body = EnrolmentOut), (status = 409, description = "De groep is vol")))]
pub async fn enrol(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<EnrolmentOut>, AppError> {
    let mut input = crate::input::json(&headers, &body)?;
    let pid = input.text("participantId");
    input.finish(Ok(()))?;
    let (g, outcome) = ops::enrol(&state, &ctx, &id, &pid).await?;
    Ok(Json(EnrolmentOut {
        group_id: g.id,
        outcome: match outcome {
            Enrolment::Placed => "placed",
            Enrolment::Waiting => "waiting",
        }
        .into(),
    }))
}

/// A participant and what they still miss for the certificate.
#[utoipa::path(get, path = "/learning/participants/{participantId}", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "De deelnemer", body = StandingOut)))]
pub async fn get_participant(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<StandingOut>, AppError> {
    let p = ops::participant(&state, &ctx, &id).await?;
    Ok(Json(ops::standing(&state, p, &ctx.org.id).await?.into()))
}

async fn one_entry(
    state: &AppState,
    ctx: &Ctx,
    participant_id: &str,
    target_field: &str,
    mut input: Input,
) -> Result<(koers_store::learning::Cohort, Entry), AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let p = state.store.participant(&ctx.org.id, participant_id).await?;
    let c = state.store.cohort(&ctx.org.id, &p.cohort_id).await?;
    let target = input.text(target_field);
    let status = input.text("status");
    input.finish(Ok(()))?;
    Ok((
        c,
        Entry {
            participant_id: p.id,
            target,
            status,
        },
    ))
}

/// Record attendance at a live session.
#[utoipa::path(post, path = "/learning/participants/{participantId}/attendance", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = AttendanceIn, responses((status = 204, description = "Vastgelegd")))]
pub async fn set_attendance(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let (c, e) = one_entry(
        &state,
        &ctx,
        &id,
        "sessionId",
        crate::input::json(&headers, &body)?,
    )
    .await?;
    ops::record_register(&state, &ctx, &c, &[e], &[]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record progress on a module.
#[utoipa::path(post, path = "/learning/participants/{participantId}/progress", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = ProgressIn, responses((status = 204, description = "Vastgelegd")))]
pub async fn set_progress(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<StatusCode, AppError> {
    let (c, e) = one_entry(
        &state,
        &ctx,
        &id,
        "moduleId",
        crate::input::json(&headers, &body)?,
    )
    .await?;
    ops::record_register(&state, &ctx, &c, &[], &[e]).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The participant's certificate (PDF), when the completion rule is met; otherwise 409
/// naming what is missing.
#[utoipa::path(get, path = "/learning/participants/{participantId}/certificate", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "Het certificaat", content_type = "application/pdf", body = Vec<u8>), (status = 409, description = "Nog niet afgerond; detail noemt wat ontbreekt")))]
pub async fn get_certificate(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Response, AppError> {
    let pdf = ops::certificate(&state, &ctx, &id).await?;
    Ok(pdf_response(pdf))
}

/// A PDF download.
pub fn pdf_response(pdf: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, "application/pdf"),
            (
                header::CONTENT_DISPOSITION,
                "attachment; filename=\"certificaat.pdf\"",
            ),
        ],
        pdf,
    )
        .into_response()
}

/// A make-track project.
#[utoipa::path(get, path = "/learning/projects/{projectId}", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    responses((status = 200, description = "Het project", body = Object)))]
pub async fn get_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Project>, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    Ok(Json(state.store.project(&ctx.org.id, &id).await?))
}

/// Update a project: status, outcome, links, team.
#[utoipa::path(put, path = "/learning/projects/{projectId}", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    request_body = ProjectIn, responses((status = 200, description = "Bijgewerkt", body = Object)))]
pub async fn put_project(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<Project>, AppError> {
    Ok(Json(
        ops::update_project(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?,
    ))
}

/// The signed-in user's own enrolments (matched by e-mail address).
#[utoipa::path(get, path = "/learning/me", tag = "leertrajecten", responses((status = 200, description = "Eigen inschrijvingen", body = Vec<StandingOut>)))]
pub async fn my_enrolments(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<StandingOut>>, AppError> {
    ctx.require(Permission::Read)?;
    let mut out = Vec::new();
    for p in state
        .store
        .participants_by_email(&ctx.org.id, &ctx.user.email)
        .await?
    {
        out.push(ops::standing(&state, p, &ctx.org.id).await?.into());
    }
    Ok(Json(out))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_programmes,
    add_programme,
    get_programme,
    add_module,
    add_session,
    add_cohort,
    get_cohort,
    import_participants,
    split_cohort,
    add_group,
    add_project,
    enrol,
    get_participant,
    set_attendance,
    set_progress,
    get_certificate,
    get_project,
    put_project,
    my_enrolments,
))]
pub struct Doc;
