//! `/policy-tasks` and `/data-questions`: the policy cycle through the API.

use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::questions::{attachment_response, receive_attachment};
use crate::schema;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Path};
use axum::http::StatusCode;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::questions::{
    self, Attachment, Comment, PolicyTask, Question, QuestionEvent, QuestionFilter, QuestionLink,
};
use koers_core::questions::Status;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/policy-tasks" => get(list_tasks).post(add_task),
        "/policy-tasks/{task_id}" => get(get_task),
        "/data-questions" => get(list_questions).post(ask),
        "/data-questions/{question_id}" => get(get_question),
        "/data-questions/{question_id}/transitions" => post(move_question),
        "/data-questions/{question_id}/evidence" => post(add_evidence),
        "/data-questions/{question_id}/comments" => get(list_comments).post(add_comment),
        "/data-questions/{question_id}/assignments" => put(set_assignments),
        "/data-questions/{question_id}/attachments" =>
            get(list_attachments).post(add_attachment).layer(DefaultBodyLimit::disable()),
        "/data-questions/{question_id}/attachments/{attachment_id}" =>
            get(download_attachment).delete(remove_attachment),
    }
}

/// A policy task (opgave).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskOut {
    pub id: String,
    pub name: String,
    pub theme: String,
    pub description: String,
    pub goals: String,
}

impl From<&PolicyTask> for TaskOut {
    fn from(t: &PolicyTask) -> Self {
        TaskOut {
            id: t.id.clone(),
            name: t.name.clone(),
            theme: t.theme.clone(),
            description: t.description.clone(),
            goals: t.goals.clone(),
        }
    }
}

/// A policy task with the state of its policy cycle per question.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TaskCycleOut {
    pub task: TaskOut,
    pub questions: Vec<CycleRowOut>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CycleRowOut {
    pub question_id: String,
    #[schema(value_type = schema::Status)]
    pub status: Status,
    pub closed: bool,
    /// The first missing link: dataset, analysis, product, decision or evaluation.
    pub open_at: Option<String>,
}

/// A data question.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionOut {
    pub id: String,
    pub task_id: String,
    pub question: String,
    pub policy_goal: String,
    pub asked_by: String,
    pub question_owner: Option<String>,
    pub analyst: Option<String>,
    pub data_steward: Option<String>,
    pub decision_maker: Option<String>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    pub priority: String,
    pub competences: Vec<String>,
    #[schema(value_type = schema::Status)]
    pub status: Status,
    #[schema(format = Date)]
    pub decision_date: Option<String>,
    pub decision_by: Option<String>,
    pub decision_reference: Option<String>,
    pub evaluation_changed: Option<String>,
    pub evaluation_learned: Option<String>,
}

impl From<&Question> for QuestionOut {
    fn from(q: &Question) -> Self {
        QuestionOut {
            id: q.id.clone(),
            task_id: q.task_id.clone(),
            question: q.question.clone(),
            policy_goal: q.policy_goal.clone(),
            asked_by: q.asked_by.clone(),
            question_owner: q.assignments.question_owner.clone(),
            analyst: q.assignments.analyst.clone(),
            data_steward: q.assignments.data_steward.clone(),
            decision_maker: q.assignments.decision_maker.clone(),
            due_date: q.due_date.clone(),
            priority: q.priority.clone(),
            competences: q.competences.clone(),
            status: q.status,
            decision_date: q.decision_date.clone(),
            decision_by: q.decision_by.clone(),
            decision_reference: q.decision_reference.clone(),
            evaluation_changed: q.evaluation_changed.clone(),
            evaluation_learned: q.evaluation_learned.clone(),
        }
    }
}

/// A question with its evidence, history and comments.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionDetailOut {
    pub question: QuestionOut,
    pub evidence: Vec<EvidenceOut>,
    pub history: Vec<QuestionEventOut>,
}

/// Evidence linked to a question (field names as stored: snake_case).
#[derive(Serialize, ToSchema)]
pub struct EvidenceOut {
    /// dataset, analysis or product.
    pub kind: String,
    /// The dataset or analysis id, or the product's address.
    pub target: String,
    pub label: String,
}

impl From<&QuestionLink> for EvidenceOut {
    fn from(l: &QuestionLink) -> Self {
        EvidenceOut {
            kind: l.kind.clone(),
            target: l.target.clone(),
            label: l.label.clone(),
        }
    }
}

/// One step a question took (field names as stored: snake_case).
#[derive(Serialize, ToSchema)]
pub struct QuestionEventOut {
    #[schema(format = DateTime)]
    pub at: String,
    pub actor_label: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

impl From<&QuestionEvent> for QuestionEventOut {
    fn from(e: &QuestionEvent) -> Self {
        QuestionEventOut {
            at: e.at.clone(),
            actor_label: e.actor_label.clone(),
            from_status: e.from_status.clone(),
            to_status: e.to_status.clone(),
            note: e.note.clone(),
        }
    }
}

/// A new policy task.
#[derive(ToSchema)]
pub struct TaskIn {
    pub name: String,
    /// nitrogen, energy, mobility, housing, nature, roads, bathing_water or other.
    pub theme: String,
    pub description: Option<String>,
    pub goals: Option<String>,
}

/// A new data question; roles are user ids of members.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct QuestionIn {
    pub task_id: String,
    pub question: String,
    pub policy_goal: Option<String>,
    pub asked_by: Option<String>,
    pub question_owner: Option<String>,
    pub analyst: Option<String>,
    pub data_steward: Option<String>,
    pub decision_maker: Option<String>,
    #[schema(format = Date)]
    pub due_date: Option<String>,
    pub priority: Option<String>,
    pub competences: Option<Vec<String>>,
}

/// A step in the workflow.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TransitionIn {
    #[schema(value_type = schema::Status)]
    pub to: Status,
    pub note: Option<String>,
    #[schema(format = Date)]
    pub decision_date: Option<String>,
    pub decision_maker: Option<String>,
    pub decision_reference: Option<String>,
    pub evaluation_changed: Option<String>,
    pub evaluation_learned: Option<String>,
}

/// Evidence to link.
#[derive(ToSchema)]
pub struct EvidenceIn {
    /// dataset, analysis or product; or monitor, indicator, dashboard or snapshot (a product
    /// of koers by its id).
    pub kind: String,
    /// A dataset, analysis, monitor, indicator, dashboard or snapshot id, or the address of an
    /// information product: a page of koers (`/dashboards/{id}`, an evidence snapshot's
    /// `/informatieproducten/momentopnamen/{id}`) is named by the product's name, a web
    /// address by itself.
    pub target: String,
}

/// A comment.
#[derive(ToSchema)]
pub struct CommentIn {
    pub body: String,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct CommentOut {
    pub id: String,
    #[schema(format = DateTime)]
    pub at: String,
    pub author_label: String,
    pub body: String,
}

impl From<&Comment> for CommentOut {
    fn from(c: &Comment) -> Self {
        CommentOut {
            id: c.id.clone(),
            at: c.at.clone(),
            author_label: c.author_label.clone(),
            body: c.body.clone(),
        }
    }
}

/// The organisation's policy tasks.
#[utoipa::path(get, path = "/policy-tasks", tag = "datavragen", responses((status = 200, description = "Opgaven", body = Vec<TaskOut>)))]
pub async fn list_tasks(ctx: Ctx) -> JsonReply<Vec<TaskOut>> {
    let tasks = questions::tasks(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&tasks)))
}

/// Add a policy task.
#[utoipa::path(post, path = "/policy-tasks", tag = "datavragen", request_body = TaskIn, responses((status = 201, description = "Toegevoegd", body = TaskOut)))]
pub async fn add_task(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let t = questions::create_task(ctx.ws(), &ctx.who, input).await?;
    Ok(created(TaskOut::from(&t)))
}

/// A policy task and its policy cycle.
#[utoipa::path(get, path = "/policy-tasks/{taskId}", tag = "datavragen", params(("taskId" = String, Path, description = "Id van de opgave")),
    responses((status = 200, description = "De opgave", body = TaskCycleOut)))]
pub async fn get_task(ctx: Ctx, Path(id): Path<String>) -> JsonReply<TaskCycleOut> {
    let (task, rows) = questions::task_cycle(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(TaskCycleOut {
        task: (&task).into(),
        questions: rows
            .into_iter()
            .map(|r| CycleRowOut {
                question_id: r.question.id,
                status: r.question.status,
                closed: r.cycle.closed,
                open_at: r.cycle.open_at.map(str::to_string),
            })
            .collect(),
    }))
}

/// The organisation's data questions.
#[utoipa::path(get, path = "/data-questions", tag = "datavragen", responses((status = 200, description = "Datavragen", body = Vec<QuestionOut>)))]
pub async fn list_questions(ctx: Ctx) -> JsonReply<Vec<QuestionOut>> {
    let qs = questions::questions(ctx.ws(), &ctx.who, &QuestionFilter::default()).await?;
    Ok(Json(outs(&qs)))
}

/// Ask a data question under a policy task.
#[utoipa::path(post, path = "/data-questions", tag = "datavragen", request_body = QuestionIn, responses((status = 201, description = "Gesteld", body = QuestionOut)))]
pub async fn ask(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let q = questions::create_question(ctx.ws(), &ctx.who, input).await?;
    Ok(created(QuestionOut::from(&q)))
}

/// A data question with its evidence and history.
#[utoipa::path(get, path = "/data-questions/{questionId}", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "De datavraag", body = QuestionDetailOut)))]
pub async fn get_question(ctx: Ctx, Path(id): Path<String>) -> JsonReply<QuestionDetailOut> {
    let d = questions::question(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(QuestionDetailOut {
        question: (&d.question).into(),
        evidence: outs(&d.links),
        history: outs(&d.events),
    }))
}

/// Take a step in the workflow (only the responsible person may).
#[utoipa::path(post, path = "/data-questions/{questionId}/transitions", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = TransitionIn, responses((status = 200, description = "Stap gezet", body = QuestionOut),
        (status = 409, description = "Deze stap kan niet vanuit de huidige status", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn move_question(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<QuestionOut> {
    let q = questions::transition(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&q).into()))
}

/// Link evidence: a dataset, an analysis or an information product.
#[utoipa::path(post, path = "/data-questions/{questionId}/evidence", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = EvidenceIn, responses((status = 200, description = "Gekoppeld", body = QuestionOut)))]
pub async fn add_evidence(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<QuestionOut> {
    let q = questions::link(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&q).into()))
}

/// The comments on a question.
#[utoipa::path(get, path = "/data-questions/{questionId}/comments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "Reacties", body = Vec<CommentOut>)))]
pub async fn list_comments(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<CommentOut>> {
    let comments = questions::comments(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&comments)))
}

/// Comment on a question.
#[utoipa::path(post, path = "/data-questions/{questionId}/comments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = CommentIn, responses((status = 201, description = "Geplaatst", body = CommentOut)))]
pub async fn add_comment(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let c = questions::comment(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(CommentOut::from(&c)))
}

/// Who holds which role on a question (user ids; absent or empty for nobody).
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssignmentsIn {
    pub question_owner: Option<String>,
    pub analyst: Option<String>,
    pub data_steward: Option<String>,
    pub decision_maker: Option<String>,
}

/// Set who holds which role; everyone newly given a role gets a notification.
#[utoipa::path(put, path = "/data-questions/{questionId}/assignments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = AssignmentsIn, responses((status = 200, description = "Rollen opgeslagen", body = QuestionOut)))]
pub async fn set_assignments(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<QuestionOut> {
    let q = questions::assign(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&q).into()))
}

/// A file attached to a question.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AttachmentOut {
    pub id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// SHA-256 of the content.
    pub sha256: String,
    pub uploaded_by: String,
    #[schema(format = DateTime)]
    pub uploaded_at: String,
}

impl From<&Attachment> for AttachmentOut {
    fn from(a: &Attachment) -> Self {
        AttachmentOut {
            id: a.id.clone(),
            file_name: a.file_name.clone(),
            content_type: a.content_type.clone(),
            size_bytes: a.size_bytes,
            sha256: a.sha256.clone(),
            uploaded_by: a.uploaded_by.clone(),
            uploaded_at: a.uploaded_at.clone(),
        }
    }
}

/// An attachment upload: multipart with one `file` part.
#[derive(ToSchema)]
pub struct AttachmentIn {
    /// PDF, DOCX, XLSX, PPTX, ODT, ODS, ODP, CSV, TXT, MD, PNG or JPEG.
    #[schema(format = Binary)]
    pub file: String,
}

/// The attachments of a question.
#[utoipa::path(get, path = "/data-questions/{questionId}/attachments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "Bijlagen", body = Vec<AttachmentOut>)))]
pub async fn list_attachments(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<AttachmentOut>> {
    let attachments = questions::attachments(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&attachments)))
}

/// Attach a file (type checked by name and content, size limited); the people on the
/// question are notified.
#[utoipa::path(post, path = "/data-questions/{questionId}/attachments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body(content = AttachmentIn, content_type = "multipart/form-data"),
    responses((status = 201, description = "Toegevoegd", body = AttachmentOut)))]
pub async fn add_attachment(
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Reply {
    let a = receive_attachment(&ctx, &id, req).await?;
    Ok(created(AttachmentOut::from(&a)))
}

/// Download an attachment.
#[utoipa::path(get, path = "/data-questions/{questionId}/attachments/{attachmentId}", tag = "datavragen",
    params(("questionId" = String, Path, description = "Id van de datavraag"), ("attachmentId" = String, Path, description = "Id van de bijlage")),
    responses((status = 200, description = "Het bestand, met het mediatype van de bijlage (PDF, Office, OpenDocument, PNG, JPEG, CSV, tekst)", content_type = "*/*", body = Vec<u8>)))]
pub async fn download_attachment(
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Reply {
    let (a, bytes) = questions::attachment_file(ctx.ws(), &ctx.who, &id, &attachment_id).await?;
    Ok(attachment_response(&a, bytes))
}

/// Remove an attachment.
#[utoipa::path(delete, path = "/data-questions/{questionId}/attachments/{attachmentId}", tag = "datavragen",
    params(("questionId" = String, Path, description = "Id van de datavraag"), ("attachmentId" = String, Path, description = "Id van de bijlage")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn remove_attachment(
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    questions::detach(ctx.ws(), &ctx.who, &id, &attachment_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_tasks,
    add_task,
    get_task,
    list_questions,
    ask,
    get_question,
    move_question,
    add_evidence,
    list_comments,
    add_comment,
    set_assignments,
    list_attachments,
    add_attachment,
    download_attachment,
    remove_attachment,
))]
pub struct Doc;
