//! `/learning/...`: the learning track through the API. Who may do what is decided by
//! the use cases in [`koers_app::learning`]: members read programmes, coordinators run the
//! track, a participant reads their own standing and certificate.

use super::views::certificate_response;
use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::guests::api::{GuestIn, GuestOut, InvitedOut};
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use koers_app::learning::{
    self as uc, Cohort, Enrolment, Group, LiveSession, Missing, Module, Participant, Programme,
    Project, Record,
};
use koers_core::guests::GuestObject;
use koers_core::learning::{MAX_ROSTER_BYTES, ProjectStatus, Student};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/learning/programmes" => get(list_programmes).post(add_programme),
        "/learning/programmes/{programme_id}" =>
            get(get_programme).put(put_programme).delete(delete_programme),
        "/learning/programmes/{programme_id}/calendar" => get(get_programme_calendar),
        "/learning/programmes/{programme_id}/modules" => post(add_module),
        "/learning/programmes/{programme_id}/sessions" => post(add_session),
        "/learning/programmes/{programme_id}/cohorts" => post(add_cohort),
        "/learning/cohorts/{cohort_id}" => get(get_cohort),
        "/learning/cohorts/{cohort_id}/sessions/{session_id}/attendance" => get(session_attendance).put(record_session_attendance),
        "/learning/cohorts/{cohort_id}/participants" => get(find_participants).post(import_participants),
        "/learning/cohorts/{cohort_id}/split" => post(split_cohort),
        "/learning/cohorts/{cohort_id}/groups" => post(add_group),
        "/learning/cohorts/{cohort_id}/projects" => post(add_project),
        "/learning/groups/{group_id}/enrolments" => post(enrol),
        "/learning/participants/{participant_id}" => get(get_participant),
        "/learning/participants/{participant_id}/enrolment" => delete(delete_enrolment),
        "/learning/participants/{participant_id}/attendance" => post(set_attendance),
        "/learning/participants/{participant_id}/progress" => post(set_progress),
        "/learning/participants/{participant_id}/certificate" => get(get_certificate),
        "/learning/participants/{participant_id}/badge" => get(get_badge),
        "/badges/issuers/{organisation_id}" => get(get_issuer),
        "/learning/participants/{participant_id}/self-assessment" =>
            get(get_self_assessment).put(put_self_assessment),
        "/learning/participants/{participant_id}/target-group" => put(put_target_group),
        "/learning/participants/{participant_id}/calendar" => get(get_participant_calendar),
        "/learning/programmes/{programme_id}/movement" => get(get_movement),
        "/learning/participants/{participant_id}/modules/{module_id}" => get(get_study),
        "/learning/participants/{participant_id}/modules/{module_id}/content/{content_id}/response" =>
            put(put_response),
        "/learning/modules/{module_id}" => put(put_module).delete(delete_module),
        "/learning/sessions/{session_id}" => put(put_session).delete(delete_session),
        "/learning/modules/{module_id}/content" => get(get_module_content).post(add_content),
        "/learning/modules/{module_id}/content/{content_id}" => delete(remove_content),
        "/learning/modules/{module_id}/files" =>
            post(add_file).layer(axum::extract::DefaultBodyLimit::disable()),
        "/learning/modules/{module_id}/content/{content_id}/file" => get(get_file),
        "/learning/projects/{project_id}" => get(get_project).put(put_project),
        "/learning/projects/{project_id}/guests" => get(list_students).post(invite_student),
        "/learning/me" => get(my_enrolments),
    }
}

/// A learning programme.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeOut {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    /// The dimensions of the leadership model, in order.
    pub dimensions: Vec<String>,
    /// The model's levels, lowest first (a self-assessment gives 1 for the first).
    pub levels: Vec<String>,
    /// The target groups participants are in and sessions may be for.
    pub target_groups: Vec<String>,
    /// Share of live sessions to attend, in percent.
    pub min_attendance: u32,
    /// Whether a delivered project is needed for the certificate.
    pub requires_project: bool,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Programme> for ProgrammeOut {
    fn from(p: Programme) -> Self {
        ProgrammeOut {
            id: p.id,
            org_id: p.org_id,
            name: p.name,
            description: p.description,
            dimensions: p.dimensions,
            levels: p.levels,
            target_groups: p.target_groups,
            min_attendance: p.min_attendance,
            requires_project: p.requires_project,
            created_at: p.created_at,
        }
    }
}

/// A module of a programme.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeModuleOut {
    pub id: String,
    pub programme_id: String,
    pub position: u32,
    pub title: String,
    pub description: String,
    pub dimension: String,
}

impl From<Module> for ProgrammeModuleOut {
    fn from(m: Module) -> Self {
        ProgrammeModuleOut {
            id: m.id,
            programme_id: m.programme_id,
            position: m.position,
            title: m.title,
            description: m.description,
            dimension: m.dimension,
        }
    }
}

/// A live session of a programme.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LiveSessionOut {
    pub id: String,
    pub programme_id: String,
    pub title: String,
    #[schema(format = Date)]
    pub date: String,
    /// HH:MM
    pub start_time: String,
    /// HH:MM
    pub end_time: String,
    /// The online meeting's address.
    pub link: String,
    /// How many modules come before it.
    pub after_module: u32,
    /// The target group it is for; empty for everyone.
    pub target_group: String,
}

impl From<LiveSession> for LiveSessionOut {
    fn from(s: LiveSession) -> Self {
        LiveSessionOut {
            id: s.id,
            programme_id: s.programme_id,
            title: s.title,
            date: s.date,
            start_time: s.start_time,
            end_time: s.end_time,
            link: s.link,
            after_module: s.after_module,
            target_group: s.target_group,
        }
    }
}

/// A cohort of a programme.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortOut {
    pub id: String,
    pub org_id: String,
    pub programme_id: String,
    pub name: String,
    #[schema(format = Date)]
    pub start_date: Option<String>,
    /// The largest group.
    pub capacity: u32,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Cohort> for CohortOut {
    fn from(c: Cohort) -> Self {
        CohortOut {
            id: c.id,
            org_id: c.org_id,
            programme_id: c.programme_id,
            name: c.name,
            start_date: c.start_date,
            capacity: c.capacity,
            created_at: c.created_at,
        }
    }
}

/// A group of a cohort and how full it is.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortGroupOut {
    pub id: String,
    pub cohort_id: String,
    pub position: u32,
    pub name: String,
    pub capacity: u32,
    pub filled: u32,
}

impl From<Group> for CohortGroupOut {
    fn from(g: Group) -> Self {
        CohortGroupOut {
            id: g.id,
            cohort_id: g.cohort_id,
            position: g.position,
            name: g.name,
            capacity: g.capacity,
            filled: g.filled,
        }
    }
}

/// A participant of a cohort.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LearnerOut {
    pub id: String,
    pub cohort_id: String,
    pub name: String,
    pub email: String,
    pub department: String,
    pub role: String,
    /// One of the programme's target groups; empty for none.
    pub target_group: String,
    pub group_id: Option<String>,
    /// The group whose waiting list they are on.
    pub waiting_for: Option<String>,
    #[schema(format = DateTime)]
    pub waiting_since: Option<String>,
    /// Made up by the demo, not a real person.
    pub generated: bool,
}

impl From<Participant> for LearnerOut {
    fn from(p: Participant) -> Self {
        LearnerOut {
            id: p.id,
            cohort_id: p.cohort_id,
            name: p.name,
            email: p.email,
            department: p.department,
            role: p.role,
            target_group: p.target_group,
            group_id: p.group_id,
            waiting_for: p.waiting_for,
            waiting_since: p.waiting_since,
            generated: p.generated,
        }
    }
}

/// A make-track project.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct LearningProjectOut {
    pub id: String,
    pub cohort_id: String,
    pub title: String,
    pub question_id: Option<String>,
    /// indicator or monitor.
    pub product_kind: Option<String>,
    pub product_id: Option<String>,
    /// A dashboard it delivers.
    pub dashboard_id: Option<String>,
    #[schema(value_type = schema::ProjectStatus)]
    pub status: ProjectStatus,
    pub outcome: String,
    #[schema(value_type = Vec<schema::Student>)]
    pub students: Vec<Student>,
    /// Participant ids of the team.
    pub members: Vec<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<Project> for LearningProjectOut {
    fn from(x: Project) -> Self {
        LearningProjectOut {
            id: x.id,
            cohort_id: x.cohort_id,
            title: x.title,
            question_id: x.question_id,
            product_kind: x.product_kind,
            product_id: x.product_id,
            dashboard_id: x.dashboard_id,
            status: x.status,
            outcome: x.outcome,
            students: x.students,
            members: x.members,
            created_at: x.created_at,
            updated_at: x.updated_at,
        }
    }
}

/// A programme with its modules, live sessions and cohorts.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeDetailOut {
    pub programme: ProgrammeOut,
    pub modules: Vec<ProgrammeModuleOut>,
    pub sessions: Vec<LiveSessionOut>,
    /// Only for coordinators.
    pub cohorts: Vec<CohortOut>,
}

/// A cohort with its groups, participants and projects.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortDetailOut {
    pub cohort: CohortOut,
    pub groups: Vec<CohortGroupOut>,
    pub participants: Vec<LearnerOut>,
    pub projects: Vec<LearningProjectOut>,
    pub counts: CohortCountsOut,
}

/// How a cohort stands.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CohortCountsOut {
    pub participants: usize,
    /// In no group and on no waiting list.
    pub unassigned: usize,
    /// Waiting for a place in a full group.
    pub waiting: usize,
    /// Who earned the certificate.
    pub complete: usize,
}

impl From<uc::CohortCounts> for CohortCountsOut {
    fn from(c: uc::CohortCounts) -> Self {
        Self {
            participants: c.participants,
            unassigned: c.unassigned,
            waiting: c.waiting,
            complete: c.complete,
        }
    }
}

/// A participant and where they stand against the completion rule.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StandingOut {
    pub participant: LearnerOut,
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

impl StandingOut {
    fn of(participant: &Participant, record: &Record, missing: &[Missing]) -> Self {
        let missing = missing
            .iter()
            .map(|m| MissingOut {
                kind: match m {
                    Missing::Modules { .. } => "modules",
                    Missing::Attendance { .. } => "attendance",
                    Missing::Project => "project",
                }
                .into(),
                message: crate::learning::views::missing(crate::i18n::Lang::Nl, m),
            })
            .collect::<Vec<_>>();
        StandingOut {
            complete: missing.is_empty(),
            missing,
            modules_done: record.modules_done,
            modules_total: record.modules_total,
            sessions_present: record.sessions_present,
            sessions_total: record.sessions_total,
            project_delivered: record.project_delivered,
            participant: participant.clone().into(),
        }
    }
}

impl From<uc::Standing> for StandingOut {
    fn from(s: uc::Standing) -> Self {
        StandingOut::of(&s.participant, &s.record, &s.missing)
    }
}

/// A new programme; five modules are made along the model's dimensions.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProgrammeIn {
    pub name: String,
    pub description: Option<String>,
    /// The dimensions of the leadership model, in order. On a change, left out keeps them;
    /// a dimension a module covers cannot go.
    pub dimensions: Option<Vec<String>>,
    /// The model's levels, lowest first (2 to 7; default Bewust, Verkennend, Toepassend,
    /// Leidend). On a change, left out keeps them; once anyone assessed themselves their
    /// number stays.
    pub levels: Option<Vec<String>>,
    /// The target groups (at most 12). On a change, left out keeps them; one with
    /// participants or sessions cannot go.
    pub target_groups: Option<Vec<String>>,
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
    /// One of the programme's target groups; empty or left out for everyone.
    pub target_group: Option<String>,
}

/// A participant's self-assessment at one moment.
#[derive(ToSchema)]
pub struct SelfAssessmentIn {
    /// start or end (the end after the start).
    pub moment: String,
    /// Every dimension of the programme's model with a level, from 1 (the lowest) to the
    /// number of levels.
    pub levels: std::collections::BTreeMap<String, u32>,
}

/// Which target group a participant is in.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TargetGroupIn {
    /// One of the programme's target groups; empty for none.
    pub target_group: String,
}

/// A participant's own self-assessment.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SelfAssessmentOut {
    pub participant_id: String,
    /// The model's levels, lowest first.
    pub levels: Vec<String>,
    /// Per dimension the level (from 1) at the start and at the end, when given.
    pub dimensions: Vec<DimensionLevelsOut>,
    /// The moment to fill in next: start until it is given, then end.
    pub next: String,
}

#[derive(Serialize, ToSchema)]
pub struct DimensionLevelsOut {
    pub dimension: String,
    pub start: Option<u32>,
    pub end: Option<u32>,
}

impl From<uc::SelfScan> for SelfAssessmentOut {
    fn from(s: uc::SelfScan) -> Self {
        SelfAssessmentOut {
            participant_id: s.standing.participant.id,
            levels: s.standing.programme.levels,
            dimensions: s
                .levels
                .into_iter()
                .map(|(dimension, [start, end])| DimensionLevelsOut {
                    dimension,
                    start,
                    end,
                })
                .collect(),
            next: s.next.as_str().into(),
        }
    }
}

/// How the participants of a programme moved on its model.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MovementOut {
    pub programme_id: String,
    pub levels: Vec<String>,
    /// The fewest participants with both assessments a dimension's figures need.
    pub min_group: usize,
    pub dimensions: Vec<DimensionMovementOut>,
}

/// The movement on one dimension; the averages are left out (null) below the minimum group.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DimensionMovementOut {
    pub dimension: String,
    pub started: usize,
    pub ended: usize,
    /// Participants with both a start and an end assessment.
    pub pairs: usize,
    pub start: Option<f64>,
    pub end: Option<f64>,
    pub change: Option<f64>,
    /// Share of the pairs (percent) who rose at least one level.
    pub rose: Option<u32>,
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
    /// `present`, `absent` or `excused`; `clear` takes a recorded mark away.
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
    /// A dashboard of the same organisation the coordinator can see.
    pub dashboard_id: Option<String>,
    /// Participant ids of the same cohort.
    pub members: Option<Vec<String>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ImportOut {
    pub imported: usize,
}

/// The organisation's learning programmes.
#[utoipa::path(get, path = "/learning/programmes", tag = "leertrajecten", responses((status = 200, description = "Leergangen", body = Vec<ProgrammeOut>)))]
pub async fn list_programmes(ctx: Ctx) -> JsonReply<Vec<ProgrammeOut>> {
    Ok(Json(outs(uc::programmes(ctx.ws(), &ctx.who).await?)))
}

/// Define a programme.
#[utoipa::path(post, path = "/learning/programmes", tag = "leertrajecten", request_body = ProgrammeIn, responses((status = 201, description = "Aangemaakt", body = ProgrammeOut)))]
pub async fn add_programme(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let p = uc::create_programme(ctx.ws(), &ctx.who, input).await?;
    Ok(created(ProgrammeOut::from(p)))
}

/// A programme with its modules, sessions and cohorts.
#[utoipa::path(get, path = "/learning/programmes/{programmeId}", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    responses((status = 200, description = "De leergang", body = ProgrammeDetailOut)))]
pub async fn get_programme(ctx: Ctx, Path(id): Path<String>) -> JsonReply<ProgrammeDetailOut> {
    let d = uc::programme(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(ProgrammeDetailOut {
        programme: d.programme.into(),
        modules: outs(d.modules),
        sessions: outs(d.sessions),
        cohorts: outs(d.cohorts),
    }))
}

/// Change a programme: name, description, attendance rule, whether a project is needed, and
/// its leadership model and target groups as long as what is in use stays (a module's
/// dimension, a target group with participants or sessions, the number of levels once
/// anyone assessed themselves).
#[utoipa::path(put, path = "/learning/programmes/{programmeId}", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = ProgrammeIn, responses((status = 200, description = "Gewijzigd", body = ProgrammeOut)))]
pub async fn put_programme(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ProgrammeOut> {
    let p = uc::update_programme(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(p.into()))
}

/// The programme's live sessions as an iCalendar file (RFC 5545) to add to an agenda.
#[utoipa::path(get, path = "/learning/programmes/{programmeId}/calendar", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    responses((status = 200, description = "De live sessies (iCalendar)", content_type = "text/calendar", body = String)))]
pub async fn get_programme_calendar(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (_, ics) = uc::programme_calendar(ctx.ws(), &ctx.who, &id).await?;
    Ok(calendar_file(ics))
}

fn calendar_file(ics: String) -> axum::response::Response {
    axum::response::IntoResponse::into_response((
        [(header::CONTENT_TYPE, "text/calendar; charset=utf-8")],
        ics,
    ))
}

/// The live sessions one participant is expected at (for everyone and for their target
/// group) as an iCalendar file: the participant themselves or a coordinator.
#[utoipa::path(get, path = "/learning/participants/{participantId}/calendar", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "De eigen live sessies (iCalendar)", content_type = "text/calendar", body = String)))]
pub async fn get_participant_calendar(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (_, ics) = uc::participant_calendar(ctx.ws(), &ctx.who, &id).await?;
    Ok(calendar_file(ics))
}

/// The participant's own self-assessment on the programme's leadership model (only the
/// participant themselves: a coordinator sees the movement over everyone, not one person's
/// answers).
#[utoipa::path(get, path = "/learning/participants/{participantId}/self-assessment", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "De eigen zelfscan", body = SelfAssessmentOut)))]
pub async fn get_self_assessment(ctx: Ctx, Path(id): Path<String>) -> JsonReply<SelfAssessmentOut> {
    Ok(Json(
        uc::self_assessment(ctx.ws(), &ctx.who, &id).await?.into(),
    ))
}

/// Give (or give again) the self-assessment at the start or the end: a level for every
/// dimension. Only the participant themselves.
#[utoipa::path(put, path = "/learning/participants/{participantId}/self-assessment", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = SelfAssessmentIn, responses((status = 200, description = "Opgeslagen", body = SelfAssessmentOut)))]
pub async fn put_self_assessment(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> JsonReply<SelfAssessmentOut> {
    let moment = input.text("moment");
    let levels: Option<std::collections::BTreeMap<String, u32>> = input.structured("levels");
    let answers = input.finish(Ok(levels.unwrap_or_default()))?;
    let answers = answers
        .into_iter()
        .map(|(d, l)| (d, l.to_string()))
        .collect();
    let s = uc::save_self_assessment(ctx.ws(), &ctx.who, &id, &moment, &answers).await?;
    Ok(Json(s.into()))
}

/// Put a participant in one of the programme's target groups, or none (coordinators).
#[utoipa::path(put, path = "/learning/participants/{participantId}/target-group", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = TargetGroupIn, responses((status = 200, description = "Opgeslagen", body = LearnerOut)))]
pub async fn put_target_group(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<LearnerOut> {
    Ok(Json(
        uc::set_target_group(ctx.ws(), &ctx.who, &id, input)
            .await?
            .into(),
    ))
}

/// How the programme's participants moved on its leadership model, per dimension
/// (coordinators): counts always; averages only over enough participants with both a start
/// and an end assessment.
#[utoipa::path(get, path = "/learning/programmes/{programmeId}/movement", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    responses((status = 200, description = "De beweging", body = MovementOut)))]
pub async fn get_movement(ctx: Ctx, Path(id): Path<String>) -> JsonReply<MovementOut> {
    let m = uc::movement(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(MovementOut {
        programme_id: m.programme.id,
        levels: m.programme.levels,
        min_group: m.min_group,
        dimensions: m
            .movement
            .into_iter()
            .map(|d| DimensionMovementOut {
                dimension: d.dimension,
                started: d.started,
                ended: d.ended,
                pairs: d.pairs,
                start: d.start,
                end: d.end,
                change: d.change,
                rose: d.rose,
            })
            .collect(),
    }))
}

/// Add a module after the last.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/modules", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = ModuleIn, responses((status = 201, description = "Toegevoegd", body = ProgrammeModuleOut)))]
pub async fn add_module(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let m = uc::add_module(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(ProgrammeModuleOut::from(m)))
}

/// Change a module's title, description and dimension (coordinators).
#[utoipa::path(put, path = "/learning/modules/{moduleId}", tag = "leertrajecten", params(("moduleId" = String, Path, description = "Id van de module")),
    request_body = ModuleIn, responses((status = 200, description = "Gewijzigd", body = ProgrammeModuleOut)))]
pub async fn put_module(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ProgrammeModuleOut> {
    Ok(Json(
        uc::update_module(ctx.ws(), &ctx.who, &id, input)
            .await?
            .into(),
    ))
}

/// Remove a programme with everything in it — modules, content, sessions, cohorts with their
/// participants, attendance, progress, answers and projects (coordinators); the students
/// invited to its projects lose their invitations.
#[utoipa::path(delete, path = "/learning/programmes/{programmeId}", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_programme(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    uc::remove_programme(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Remove a module with its content and the progress on it (coordinators); the modules and
/// sessions after it move up one place.
#[utoipa::path(delete, path = "/learning/modules/{moduleId}", tag = "leertrajecten", params(("moduleId" = String, Path, description = "Id van de module")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_module(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    uc::remove_module(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Change a live session (coordinators).
#[utoipa::path(put, path = "/learning/sessions/{sessionId}", tag = "leertrajecten", params(("sessionId" = String, Path, description = "Id van de live sessie")),
    request_body = SessionIn, responses((status = 200, description = "Gewijzigd", body = LiveSessionOut)))]
pub async fn put_session(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<LiveSessionOut> {
    Ok(Json(
        uc::update_session(ctx.ws(), &ctx.who, &id, input)
            .await?
            .into(),
    ))
}

/// Remove a live session and the attendance recorded for it (coordinators).
#[utoipa::path(delete, path = "/learning/sessions/{sessionId}", tag = "leertrajecten", params(("sessionId" = String, Path, description = "Id van de live sessie")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_session(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    uc::remove_session(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Plan a live session.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/sessions", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = SessionIn, responses((status = 201, description = "Gepland", body = LiveSessionOut)))]
pub async fn add_session(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let s = uc::add_session(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(LiveSessionOut::from(s)))
}

/// Start a cohort.
#[utoipa::path(post, path = "/learning/programmes/{programmeId}/cohorts", tag = "leertrajecten", params(("programmeId" = String, Path, description = "Id van de leergang")),
    request_body = CohortIn, responses((status = 201, description = "Aangemaakt", body = CohortOut)))]
pub async fn add_cohort(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let c = uc::create_cohort(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(CohortOut::from(c)))
}

/// A cohort with its groups (fill), participants and projects.
#[utoipa::path(get, path = "/learning/cohorts/{cohortId}", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    responses((status = 200, description = "Het cohort", body = CohortDetailOut)))]
pub async fn get_cohort(ctx: Ctx, Path(id): Path<String>) -> JsonReply<CohortDetailOut> {
    let d = uc::cohort_detail(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(CohortDetailOut {
        counts: d.counts(&d.rows()).into(),
        cohort: d.cohort.into(),
        groups: outs(d.groups),
        participants: outs(d.participants),
        projects: outs(d.projects),
    }))
}

/// Which participants of a cohort to list; every word of `search` must occur in the name,
/// e-mail address, department or job title (case and accents aside).
#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ParticipantQuery {
    /// Words to look for (at most 200 characters).
    pub search: Option<String>,
    /// `none` (no group, not waiting), `waiting` (on a waiting list) or a group's id.
    pub group: Option<String>,
    /// `complete`, `incomplete` or `below_attendance` (under the programme's minimum).
    pub standing: Option<String>,
}

/// A cohort's participants and where each stands, found by search, group and standing.
#[utoipa::path(get, path = "/learning/cohorts/{cohortId}/participants", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort"), ParticipantQuery),
    responses((status = 200, description = "De deelnemers die passen", body = Vec<StandingOut>), (status = 400, description = "Een onbekende groep of stand, of een te lange zoektekst")))]
pub async fn find_participants(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ParticipantQuery>,
) -> JsonReply<Vec<StandingOut>> {
    let d = uc::cohort_detail(ctx.ws(), &ctx.who, &id).await?;
    let filter = d.filter(
        q.search.as_deref().unwrap_or(""),
        q.group.as_deref().unwrap_or(""),
        q.standing.as_deref().unwrap_or(""),
    )?;
    Ok(Json(
        d.find(&filter)
            .iter()
            .map(|r| StandingOut::of(r.participant, &r.record, &r.missing))
            .collect(),
    ))
}

/// A live session's register for a cohort: everyone the session is for, with their mark.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionMarkOut {
    pub participant: LearnerOut,
    /// `present`, `absent` or `excused`; absent when nothing is recorded.
    pub status: Option<String>,
}

/// Marks for a live session: per participant id a status, and whether everyone else the
/// session is for (nothing chosen, nothing recorded) is present.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SessionMarksIn {
    /// Participant id → `present`, `absent` or `excused`; `clear` takes a recorded mark
    /// away.
    pub marks: Option<std::collections::BTreeMap<String, String>>,
    pub rest_present: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct RecordedOut {
    /// How many marks were recorded.
    pub recorded: usize,
}

/// A live session's attendance for the whole cohort.
#[utoipa::path(get, path = "/learning/cohorts/{cohortId}/sessions/{sessionId}/attendance", tag = "leertrajecten",
    params(("cohortId" = String, Path, description = "Id van het cohort"), ("sessionId" = String, Path, description = "Id van de live sessie")),
    responses((status = 200, description = "Wie de sessie aangaat, met wat is vastgelegd", body = Vec<SessionMarkOut>)))]
pub async fn session_attendance(
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
) -> JsonReply<Vec<SessionMarkOut>> {
    let r = uc::session_register(ctx.ws(), &ctx.who, &id, &session).await?;
    Ok(Json(
        r.rows
            .into_iter()
            .map(|(p, a)| SessionMarkOut {
                participant: p.into(),
                status: a.map(|a| a.as_str().to_string()),
            })
            .collect(),
    ))
}

/// Record a live session's attendance for the whole cohort at once, all or none.
#[utoipa::path(put, path = "/learning/cohorts/{cohortId}/sessions/{sessionId}/attendance", tag = "leertrajecten",
    params(("cohortId" = String, Path, description = "Id van het cohort"), ("sessionId" = String, Path, description = "Id van de live sessie")),
    request_body = SessionMarksIn, responses((status = 200, description = "Vastgelegd", body = RecordedOut)))]
pub async fn record_session_attendance(
    ctx: Ctx,
    Path((id, session)): Path<(String, String)>,
    JsonInput(mut input): JsonInput,
) -> JsonReply<RecordedOut> {
    let marks: Vec<(String, String)> = input
        .structured::<std::collections::BTreeMap<String, String>>("marks")
        .unwrap_or_default()
        .into_iter()
        .collect();
    let rest = input.flag("restPresent");
    input.finish(Ok(()))?;
    let recorded =
        uc::save_session_register(ctx.ws(), &ctx.who, &id, &session, &marks, rest).await?;
    Ok(Json(RecordedOut { recorded }))
}

/// Import participants from CSV (`naam,e-mail,afdeling,rol`); every bad row is reported
/// with its line number, and nothing is imported when any row is bad.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/participants", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body(content = String, content_type = "text/csv"), responses((status = 201, description = "Geïmporteerd", body = ImportOut)))]
pub async fn import_participants(
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Reply {
    // Another organisation's cohort is not found, whatever the body.
    uc::cohort(ctx.ws(), &ctx.who, &id).await?;
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
    let imported = uc::import_roster(ctx.ws(), &ctx.who, &id, &body).await?;
    Ok(created(ImportOut { imported }))
}

/// Split the whole cohort into balanced groups (replaces its groups).
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/split", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    responses((status = 200, description = "De nieuwe groepen", body = Vec<CohortGroupOut>), (status = 409, description = "Het cohort heeft nog geen deelnemers")))]
pub async fn split_cohort(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<CohortGroupOut>> {
    Ok(Json(outs(uc::split(ctx.ws(), &ctx.who, &id).await?)))
}

/// Add an (empty) group.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/groups", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body = GroupIn, responses((status = 201, description = "Toegevoegd", body = CohortGroupOut)))]
pub async fn add_group(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let g = uc::add_group(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(CohortGroupOut::from(g)))
}

/// Start a make-track project.
#[utoipa::path(post, path = "/learning/cohorts/{cohortId}/projects", tag = "leertrajecten", params(("cohortId" = String, Path, description = "Id van het cohort")),
    request_body = ProjectIn, responses((status = 201, description = "Aangemaakt", body = LearningProjectOut)))]
pub async fn add_project(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let x = uc::create_project(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(LearningProjectOut::from(x)))
}

/// Enrol a participant in a group; when it is full they go on its waiting list (a
/// participant moving from another group is refused with 409).
#[utoipa::path(post, path = "/learning/groups/{groupId}/enrolments", tag = "leertrajecten", params(("groupId" = String, Path, description = "Id van de groep")),
    request_body = EnrolmentIn, responses((status = 200, description = "Ingedeeld of op de wachtlijst", body = EnrolmentOut), (status = 409, description = "De groep is vol")))]
pub async fn enrol(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> JsonReply<EnrolmentOut> {
    let pid = input.text("participantId");
    input.finish(Ok(()))?;
    let (g, outcome) = uc::enrol(ctx.ws(), &ctx.who, &id, &pid).await?;
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
pub async fn get_participant(ctx: Ctx, Path(id): Path<String>) -> JsonReply<StandingOut> {
    Ok(Json(uc::standing(ctx.ws(), &ctx.who, &id).await?.into()))
}

/// Record attendance at a live session.
#[utoipa::path(post, path = "/learning/participants/{participantId}/attendance", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = AttendanceIn, responses((status = 204, description = "Vastgelegd")))]
pub async fn set_attendance(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<StatusCode, AppError> {
    uc::record_attendance(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A piece of a module's content.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentOut {
    pub id: String,
    pub position: u32,
    /// `page`, `link`, `video`, `assignment`, `reflection` or `quiz`.
    pub kind: String,
    pub title: String,
    /// Markdown (a page, assignment or reflection's prompt); a quiz's lines for its
    /// coordinator, empty for a participant (who gets `quiz`, without the right answers).
    pub body: String,
    pub url: String,
    /// A quiz's questions and options as a participant sees them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quiz: Option<Vec<QuizQuestionOut>>,
    /// A file piece's file (download it from `…/content/{contentId}/file`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<ContentFileOut>,
}

/// A module's file.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ContentFileOut {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
}

/// A file for a module: its title and the file (checked as an attachment).
#[derive(ToSchema)]
pub struct ContentFileIn {
    pub title: String,
    #[schema(format = Binary, content_media_type = "application/octet-stream")]
    pub file: String,
}

/// Add a file after the module's last piece (coordinators; multipart: `title`, `file`).
#[utoipa::path(post, path = "/learning/modules/{moduleId}/files", tag = "leertrajecten", params(("moduleId" = String, Path, description = "Id van de module")),
    request_body(content = ContentFileIn, content_type = "multipart/form-data"),
    responses((status = 201, description = "Toegevoegd", body = ContentOut)))]
pub async fn add_file(ctx: Ctx, Path(id): Path<String>, req: axum::extract::Request) -> Reply {
    let c = super::pages::receive_file(&ctx, &id, req).await?;
    Ok(created(ContentOut::from(c)))
}

/// A module's file (its coordinators and the participants of its programme).
#[utoipa::path(get, path = "/learning/modules/{moduleId}/content/{contentId}/file", tag = "leertrajecten",
    params(("moduleId" = String, Path, description = "Id van de module"), ("contentId" = String, Path, description = "Id van het onderdeel")),
    responses((status = 200, description = "Het bestand", content_type = "application/octet-stream", body = Vec<u8>)))]
pub async fn get_file(ctx: Ctx, Path((id, content)): Path<(String, String)>) -> Reply {
    super::pages::file_response(&ctx, &id, &content).await
}

/// A quiz question as a participant answers it.
#[derive(Serialize, ToSchema)]
pub struct QuizQuestionOut {
    pub text: String,
    /// The options, chosen by their index from 0.
    pub options: Vec<String>,
}

impl ContentOut {
    /// The piece as a participant may see it: a quiz without its right answers.
    fn for_participant(c: uc::Content) -> Self {
        if c.kind != uc::ContentKind::Quiz {
            return c.into();
        }
        let quiz = koers_core::learning::quiz::Quiz::parse(&c.body)
            .map(|q| {
                q.questions
                    .into_iter()
                    .map(|x| QuizQuestionOut {
                        text: x.text,
                        options: x.options,
                    })
                    .collect()
            })
            .ok();
        ContentOut {
            body: String::new(),
            quiz,
            ..c.into()
        }
    }
}

/// A participant's answer to a reflection or quiz.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ResponseOut {
    pub content_id: String,
    pub participant_id: String,
    pub participant_name: String,
    /// The reflection's text, or the quiz's chosen options as a JSON list.
    pub answer: String,
    pub quiz_right: Option<u32>,
    pub quiz_total: Option<u32>,
    #[schema(format = DateTime)]
    pub answered_at: String,
}

impl From<uc::Response> for ResponseOut {
    fn from(r: uc::Response) -> Self {
        ResponseOut {
            content_id: r.content_id,
            participant_id: r.participant_id,
            participant_name: r.participant_name,
            answer: r.answer,
            quiz_right: r.quiz_right,
            quiz_total: r.quiz_total,
            answered_at: r.answered_at,
        }
    }
}

/// An answer to a reflection (`answer`) or a quiz (`choices`).
#[derive(ToSchema)]
pub struct ResponseIn {
    /// The reflection's text.
    pub answer: Option<String>,
    /// The option chosen per question of a quiz, from 0.
    pub choices: Option<Vec<String>>,
}

impl From<uc::Content> for ContentOut {
    fn from(c: uc::Content) -> Self {
        ContentOut {
            id: c.id,
            position: c.position,
            kind: c.kind.as_str().into(),
            title: c.title,
            body: c.body,
            url: c.url,
            quiz: None,
            file: c.file.map(|f| ContentFileOut {
                file_name: f.file_name,
                content_type: f.content_type,
                size_bytes: f.size_bytes,
            }),
        }
    }
}

/// A piece of content to add to a module.
#[derive(ToSchema)]
pub struct ContentIn {
    /// `page`, `link`, `video`, `assignment`, `reflection` or `quiz`.
    pub kind: String,
    pub title: String,
    /// Markdown: required for a page, assignment or reflection; a quiz's lines (`? question`,
    /// `- option`, `* the right option`) for a quiz.
    pub body: Option<String>,
    /// `https://…`: required for a link or video.
    pub url: Option<String>,
}

/// A module with its content.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ModuleContentOut {
    pub module: ProgrammeModuleOut,
    pub content: Vec<ContentOut>,
    /// Everyone's answers to its reflections and quizzes.
    pub responses: Vec<ResponseOut>,
}

/// A module and its content (coordinators).
#[utoipa::path(get, path = "/learning/modules/{moduleId}/content", tag = "leertrajecten", params(("moduleId" = String, Path, description = "Id van de module")),
    responses((status = 200, description = "De module en haar inhoud", body = ModuleContentOut)))]
pub async fn get_module_content(ctx: Ctx, Path(id): Path<String>) -> JsonReply<ModuleContentOut> {
    let m = uc::module_content(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(ModuleContentOut {
        module: m.module.into(),
        content: outs(m.contents),
        responses: outs(m.responses),
    }))
}

/// Add a page, link, video or assignment after the module's last piece (coordinators).
#[utoipa::path(post, path = "/learning/modules/{moduleId}/content", tag = "leertrajecten", params(("moduleId" = String, Path, description = "Id van de module")),
    request_body = ContentIn, responses((status = 201, description = "Toegevoegd", body = ContentOut)))]
pub async fn add_content(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let c = uc::add_content(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(ContentOut::from(c)))
}

/// Remove a piece of a module's content (coordinators).
#[utoipa::path(delete, path = "/learning/modules/{moduleId}/content/{contentId}", tag = "leertrajecten",
    params(("moduleId" = String, Path, description = "Id van de module"), ("contentId" = String, Path, description = "Id van het onderdeel")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn remove_content(
    ctx: Ctx,
    Path((module, content)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    uc::remove_content(ctx.ws(), &ctx.who, &module, &content).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A module as the participant works through it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct StudyOut {
    pub module: ProgrammeModuleOut,
    pub content: Vec<ContentOut>,
    /// `not_started`, `started` or `done`.
    pub progress: String,
    /// The participant's own answers to its reflections and quizzes.
    pub responses: Vec<ResponseOut>,
}

impl From<uc::Study> for StudyOut {
    fn from(s: uc::Study) -> Self {
        StudyOut {
            module: s.module.into(),
            content: s
                .contents
                .into_iter()
                .map(ContentOut::for_participant)
                .collect(),
            progress: s.progress.as_str().into(),
            responses: outs(s.responses),
        }
    }
}

/// Answer a reflection or quiz of a module (the participant themselves; answering again
/// replaces the answer); the module with the participant's answers, a quiz marked.
#[utoipa::path(put, path = "/learning/participants/{participantId}/modules/{moduleId}/content/{contentId}/response", tag = "leertrajecten",
    params(("participantId" = String, Path, description = "Id van de deelnemer"), ("moduleId" = String, Path, description = "Id van de module"), ("contentId" = String, Path, description = "Id van het onderdeel")),
    request_body = ResponseIn, responses((status = 200, description = "Opgeslagen", body = StudyOut)))]
pub async fn put_response(
    ctx: Ctx,
    Path((participant, module, content)): Path<(String, String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<StudyOut> {
    let s = uc::respond(ctx.ws(), &ctx.who, (&participant, &module, &content), input).await?;
    Ok(Json(s.into()))
}

/// One module of the participant's programme with its content and their progress (the
/// participant themselves or a coordinator).
#[utoipa::path(get, path = "/learning/participants/{participantId}/modules/{moduleId}", tag = "leertrajecten",
    params(("participantId" = String, Path, description = "Id van de deelnemer"), ("moduleId" = String, Path, description = "Id van de module")),
    responses((status = 200, description = "De module", body = StudyOut)))]
pub async fn get_study(
    ctx: Ctx,
    Path((participant, module)): Path<(String, String)>,
) -> JsonReply<StudyOut> {
    let s = uc::study(ctx.ws(), &ctx.who, &participant, &module).await?;
    Ok(Json(s.into()))
}

/// Take a participant out of their group and off any waiting list (coordinators); the free
/// place goes to the first one waiting. Attendance and progress are kept.
#[utoipa::path(delete, path = "/learning/participants/{participantId}/enrolment", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 204, description = "Uit de groep gehaald")))]
pub async fn delete_enrolment(ctx: Ctx, Path(id): Path<String>) -> Result<StatusCode, AppError> {
    uc::unenrol(ctx.ws(), &ctx.who, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Record progress on a module (`moduleId`, `status`): the participant themselves or a
/// coordinator.
#[utoipa::path(post, path = "/learning/participants/{participantId}/progress", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = ProgressIn, responses((status = 204, description = "Vastgelegd")))]
pub async fn set_progress(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(mut input): JsonInput,
) -> Result<StatusCode, AppError> {
    let module = input.text("moduleId");
    uc::mark_progress(ctx.ws(), &ctx.who, &id, &module, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The participant's certificate (PDF), when the completion rule is met; otherwise 409
/// naming what is missing.
#[utoipa::path(get, path = "/learning/participants/{participantId}/certificate", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "Het certificaat", content_type = "application/pdf", body = Vec<u8>), (status = 409, description = "Nog niet afgerond; detail noemt wat ontbreekt")))]
pub async fn get_certificate(ctx: Ctx, Path(id): Path<String>) -> Reply {
    certificate_response(&ctx, &id).await
}

/// The participant's Open Badges 3.0 credential, when the completion rule is met (the
/// participant themselves or a coordinator): the credential and the same signed as a VC-JWT
/// (EdDSA; the issuer's key in its header and in the issuer's profile); otherwise 409 naming
/// what is missing.
#[utoipa::path(get, path = "/learning/participants/{participantId}/badge", tag = "leertrajecten", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "De badge", body = BadgeOut), (status = 409, description = "Nog niet afgerond; detail noemt wat ontbreekt")))]
pub async fn get_badge(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> JsonReply<BadgeOut> {
    let b = super::views::badge_of(&ctx, &headers, &id).await?;
    Ok(Json(BadgeOut {
        credential: b.credential,
        jwt: b.jwt,
    }))
}

/// An Open Badges 3.0 credential.
#[derive(Serialize, ToSchema)]
pub struct BadgeOut {
    /// The OpenBadgeCredential (Verifiable Credentials 2.0).
    #[schema(value_type = Object)]
    pub credential: serde_json::Value,
    /// The same, signed: a VC-JWT (Open Badges 3.0 §8.2).
    pub jwt: String,
}

/// A badge issuer's profile with the public key (JWK, Ed25519) its badges verify with; for
/// everyone, so anyone can check a badge.
#[utoipa::path(get, path = "/badges/issuers/{organisationId}", tag = "leertrajecten", security(()),
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    responses((status = 200, description = "Het profiel van de uitgever", body = Object)))]
pub async fn get_issuer(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> JsonReply<serde_json::Value> {
    let base = state.cfg.base_url(&headers);
    Ok(Json(uc::issuer_profile(&state.ws, &id, &base).await?))
}

/// A make-track project.
#[utoipa::path(get, path = "/learning/projects/{projectId}", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    responses((status = 200, description = "Het project", body = LearningProjectOut)))]
pub async fn get_project(ctx: Ctx, Path(id): Path<String>) -> JsonReply<LearningProjectOut> {
    Ok(Json(uc::project(ctx.ws(), &ctx.who, &id).await?.into()))
}

/// Update a project: status, outcome, links, team.
#[utoipa::path(put, path = "/learning/projects/{projectId}", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    request_body = ProjectIn, responses((status = 200, description = "Bijgewerkt", body = LearningProjectOut)))]
pub async fn put_project(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<LearningProjectOut> {
    let x = uc::update_project(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(x.into()))
}

/// The students invited to a project as guests (coordinators).
#[utoipa::path(get, path = "/learning/projects/{projectId}/guests", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    responses((status = 200, description = "Uitnodigingen", body = Vec<GuestOut>)))]
pub async fn list_students(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<GuestOut>> {
    let object = (GuestObject::LearningProject, id.as_str());
    let grants = koers_app::guests::guests_of(ctx.ws(), &ctx.who, object).await?;
    Ok(Json(outs(&grants)))
}

/// Invite a student to a make-track project (coordinators): they see the project and its data
/// question and, as allowed, comment and add files there. The project needs a data question
/// (409 otherwise); the link is mailed when the deployment sends e-mail.
#[utoipa::path(post, path = "/learning/projects/{projectId}/guests", tag = "leertrajecten", params(("projectId" = String, Path, description = "Id van het project")),
    request_body = GuestIn, responses((status = 201, description = "Uitgenodigd", body = InvitedOut)))]
pub async fn invite_student(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    let object = (GuestObject::LearningProject, id.as_str());
    let i = koers_app::guests::invite(ctx.ws(), &ctx.who, object, input, &base).await?;
    Ok(created(InvitedOut::from(&i)))
}

/// The signed-in user's own enrolments (matched by e-mail address).
#[utoipa::path(get, path = "/learning/me", tag = "leertrajecten", responses((status = 200, description = "Eigen inschrijvingen", body = Vec<StandingOut>)))]
pub async fn my_enrolments(ctx: Ctx) -> JsonReply<Vec<StandingOut>> {
    Ok(Json(outs(uc::my_enrolments(ctx.ws(), &ctx.who).await?)))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_programmes,
    add_programme,
    get_programme,
    put_programme,
    delete_programme,
    add_module,
    add_session,
    add_cohort,
    get_cohort,
    find_participants,
    session_attendance,
    record_session_attendance,
    import_participants,
    split_cohort,
    add_group,
    add_project,
    enrol,
    get_participant,
    set_attendance,
    set_progress,
    get_programme_calendar,
    delete_enrolment,
    put_module,
    delete_module,
    put_session,
    delete_session,
    get_study,
    put_response,
    add_file,
    get_file,
    get_module_content,
    add_content,
    remove_content,
    get_certificate,
    get_badge,
    get_issuer,
    get_participant_calendar,
    get_self_assessment,
    put_self_assessment,
    put_target_group,
    get_movement,
    get_project,
    put_project,
    list_students,
    invite_student,
    my_enrolments,
))]
pub struct Doc;
