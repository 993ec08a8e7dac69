//! `/policy-tasks` and `/data-questions`: the policy cycle through the API.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::questions::{
    assign, attach, attachment_file, comment, create_question, create_task, detach, link,
    transition,
};
use crate::state::AppState;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_core::Permission;
use koers_core::questions::{Status, cycle_state};
use koers_store::questions::{
    Attachment, Comment, PolicyTask, Question, QuestionEvent, QuestionLink,
};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/policy-tasks", get(list_tasks).post(add_task))
        .route("/policy-tasks/{task_id}", get(get_task))
        .route("/data-questions", get(list_questions).post(ask))
        .route("/data-questions/{question_id}", get(get_question))
        .route(
            "/data-questions/{question_id}/transitions",
            post(move_question),
        )
        .route("/data-questions/{question_id}/evidence", post(add_evidence))
        .route(
            "/data-questions/{question_id}/comments",
            get(list_comments).post(add_comment),
        )
        .route(
            "/data-questions/{question_id}/assignments",
            put(set_assignments),
        )
        .route(
            "/data-questions/{question_id}/attachments",
            get(list_attachments)
                .post(add_attachment)
                .layer(DefaultBodyLimit::disable()),
        )
        .route(
            "/data-questions/{question_id}/attachments/{attachment_id}",
            get(download_attachment).delete(remove_attachment),
        )
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
    #[schema(value_type = Vec<Object>)]
    pub evidence: Vec<QuestionLink>,
    #[schema(value_type = Vec<Object>)]
    pub history: Vec<QuestionEvent>,
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
    /// dataset, analysis or product.
    pub kind: String,
    /// A dataset or analysis id, or the address of an information product.
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
pub async fn list_tasks(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<TaskOut>>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .tasks(&ctx.org.id)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Add a policy task.
#[utoipa::path(post, path = "/policy-tasks", tag = "datavragen", request_body = TaskIn, responses((status = 201, description = "Toegevoegd", body = TaskOut)))]
pub async fn add_task(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let t = create_task(&state, &ctx, crate::input::json(&headers, &body)?).await?;
    Ok((StatusCode::CREATED, Json(TaskOut::from(&t))).into_response())
}

/// A policy task and its policy cycle.
#[utoipa::path(get, path = "/policy-tasks/{taskId}", tag = "datavragen", params(("taskId" = String, Path, description = "Id van de opgave")),
    responses((status = 200, description = "De opgave", body = TaskCycleOut)))]
pub async fn get_task(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<TaskCycleOut>, AppError> {
    ctx.require(Permission::Read)?;
    let task = state.store.task(&ctx.org.id, &id).await?;
    let mut questions = Vec::new();
    for q in state.store.questions(&ctx.org.id, Some(&task.id)).await? {
        let links = state.store.question_links(&q.id).await?;
        let has = |k: &str| links.iter().any(|l| l.kind == k);
        let c = cycle_state(
            has("dataset"),
            has("analysis"),
            has("product"),
            q.decision_date.is_some(),
            q.evaluation_learned.is_some(),
        );
        questions.push(CycleRowOut {
            question_id: q.id,
            status: q.status,
            closed: c.closed,
            open_at: c.open_at.map(str::to_string),
        });
    }
    Ok(Json(TaskCycleOut {
        task: (&task).into(),
        questions,
    }))
}

/// The organisation's data questions.
#[utoipa::path(get, path = "/data-questions", tag = "datavragen", responses((status = 200, description = "Datavragen", body = Vec<QuestionOut>)))]
pub async fn list_questions(
    State(state): State<AppState>,
    ctx: Ctx,
) -> Result<Json<Vec<QuestionOut>>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(Json(
        state
            .store
            .questions(&ctx.org.id, None)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Ask a data question under a policy task.
#[utoipa::path(post, path = "/data-questions", tag = "datavragen", request_body = QuestionIn, responses((status = 201, description = "Gesteld", body = QuestionOut)))]
pub async fn ask(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let q = create_question(&state, &ctx, crate::input::json(&headers, &body)?).await?;
    Ok((StatusCode::CREATED, Json(QuestionOut::from(&q))).into_response())
}

/// A data question with its evidence and history.
#[utoipa::path(get, path = "/data-questions/{questionId}", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "De datavraag", body = QuestionDetailOut)))]
pub async fn get_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<QuestionDetailOut>, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, &id).await?;
    Ok(Json(QuestionDetailOut {
        evidence: state.store.question_links(&q.id).await?,
        history: state.store.question_events(&q.id).await?,
        question: (&q).into(),
    }))
}

/// Take a step in the workflow (only the responsible person may).
#[utoipa::path(post, path = "/data-questions/{questionId}/transitions", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = TransitionIn, responses((status = 200, description = "Stap gezet", body = QuestionOut),
        (status = 409, description = "Deze stap kan niet vanuit de huidige status", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn move_question(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QuestionOut>, AppError> {
    Ok(Json(
        (&transition(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?).into(),
    ))
}

/// Link evidence: a dataset, an analysis or an information product.
#[utoipa::path(post, path = "/data-questions/{questionId}/evidence", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = EvidenceIn, responses((status = 200, description = "Gekoppeld", body = QuestionOut)))]
pub async fn add_evidence(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QuestionOut>, AppError> {
    Ok(Json(
        (&link(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?).into(),
    ))
}

/// The comments on a question.
#[utoipa::path(get, path = "/data-questions/{questionId}/comments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "Reacties", body = Vec<CommentOut>)))]
pub async fn list_comments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<CommentOut>>, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, &id).await?;
    Ok(Json(
        state
            .store
            .comments(&q.id)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Comment on a question.
#[utoipa::path(post, path = "/data-questions/{questionId}/comments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = CommentIn, responses((status = 201, description = "Geplaatst", body = CommentOut)))]
pub async fn add_comment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, AppError> {
    let c = comment(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?;
    Ok((StatusCode::CREATED, Json(CommentOut::from(&c))).into_response())
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
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<QuestionOut>, AppError> {
    Ok(Json(
        (&assign(&state, &ctx, &id, crate::input::json(&headers, &body)?).await?).into(),
    ))
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
pub async fn list_attachments(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<Json<Vec<AttachmentOut>>, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, &id).await?;
    Ok(Json(
        state
            .store
            .attachments(&q.id)
            .await?
            .iter()
            .map(Into::into)
            .collect(),
    ))
}

/// Attach a file (type checked by name and content, size limited); the people on the
/// question are notified.
#[utoipa::path(post, path = "/data-questions/{questionId}/attachments", tag = "datavragen", params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body(content = AttachmentIn, content_type = "multipart/form-data"),
    responses((status = 201, description = "Toegevoegd", body = AttachmentOut)))]
pub async fn add_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    let a = attach(&state, &ctx, &id, req).await?;
    Ok((StatusCode::CREATED, Json(AttachmentOut::from(&a))).into_response())
}

/// Download an attachment.
#[utoipa::path(get, path = "/data-questions/{questionId}/attachments/{attachmentId}", tag = "datavragen",
    params(("questionId" = String, Path, description = "Id van de datavraag"), ("attachmentId" = String, Path, description = "Id van de bijlage")),
    responses((status = 200, description = "Het bestand, met het mediatype van de bijlage (PDF, Office, OpenDocument, PNG, JPEG, CSV, tekst)", content_type = "*/*", body = Vec<u8>)))]
pub async fn download_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (a, bytes) = attachment_file(&state, &ctx, &id, &attachment_id).await?;
    Ok(crate::questions::attachment_response(&a, bytes))
}

/// Remove an attachment.
#[utoipa::path(delete, path = "/data-questions/{questionId}/attachments/{attachmentId}", tag = "datavragen",
    params(("questionId" = String, Path, description = "Id van de datavraag"), ("attachmentId" = String, Path, description = "Id van de bijlage")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn remove_attachment(
    State(state): State<AppState>,
    ctx: Ctx,
    Path((id, attachment_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    detach(&state, &ctx, &id, &attachment_id).await?;
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
