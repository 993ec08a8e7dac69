//! Data question operations shared by the pages and the API.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use crate::upload::{SavedUpload, bad_form, save_field};
use koers_app::catalog::RemoveOnDrop;
use koers_core::Permission;
use koers_core::attachments;
use koers_core::questions::{
    Assignments, QuestionDraft, Refused, Status, TaskDraft, TransitionInput, check_transition,
};
use koers_store::questions::{Attachment, NewAttachment, PolicyTask, Question};

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

pub async fn create_task(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<PolicyTask, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let name = input.text("name");
    let theme = input.text("theme");
    let description = input.text("description");
    let goals = input.text("goals");
    let d = input.finish(TaskDraft::parse(&name, &theme, &description, &goals))?;
    Ok(state
        .store
        .create_task(&ctx.org.id, &d, Some(&ctx.user.id), &ctx.actor())
        .await?)
}

pub async fn create_question(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let task_id = input.text("taskId");
    let question = input.text("question");
    let goal = input.text("policyGoal");
    let asked_by = input.text("askedBy");
    let due = input.text("dueDate");
    let mut priority = input.text("priority");
    if priority.is_empty() {
        priority = "normal".into();
    }
    let competences = input.texts("competences");
    let a = Assignments {
        question_owner: opt(input.text("questionOwner")).or_else(|| Some(ctx.user.id.clone())),
        analyst: opt(input.text("analyst")),
        data_steward: opt(input.text("dataSteward")),
        decision_maker: opt(input.text("decisionMaker")),
    };
    let d = input.finish(QuestionDraft::parse(
        &question,
        &goal,
        &asked_by,
        &due,
        &priority,
        &competences,
    ))?;
    state.store.task(&ctx.org.id, &task_id).await.map_err(|_| {
        AppError::Invalid(koers_core::Invalid::one(
            "taskId",
            "unknown",
            "kies een opgave van deze organisatie",
        ))
    })?;
    state
        .store
        .create_question(&ctx.org.id, &task_id, &d, &a, &ctx.actor())
        .await
        .map_err(not_a_member)
}

/// Moves a question, if the rules allow it for this person.
pub async fn transition(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let to_raw = input.text("to");
    let t = TransitionInput {
        note: input.text("note"),
        decision_date: input.text("decisionDate"),
        decision_maker: input.text("decisionMaker"),
        decision_reference: input.text("decisionReference"),
        evaluation_changed: input.text("evaluationChanged"),
        evaluation_learned: input.text("evaluationLearned"),
    };
    let to = input.finish(Status::parse(&to_raw))?;
    let stands_in = ctx.require(Permission::ManageMembers).is_ok();
    check_transition(
        q.status,
        to,
        q.parked_from,
        &ctx.user.id,
        &q.assignments,
        stands_in,
        &t,
    )
    .map_err(|r| match r {
        Refused::Invalid(i) => AppError::Invalid(i),
        Refused::WrongPerson(_) => AppError::Forbidden,
        other => AppError::Conflict(other.to_string()),
    })?;
    Ok(state
        .store
        .record_transition(&q, to, &t, &ctx.actor())
        .await?)
}

/// Links a dataset or analysis of the organisation, or an information product (a URL), as
/// evidence.
pub async fn link(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let kind = input.text("kind");
    let target = input.text("target");
    input.finish(Ok(()))?;
    let label = match kind.as_str() {
        "dataset" => state
            .store
            .dataset(&ctx.org.id, &target)
            .await
            .map(|d| d.meta.title)
            .map_err(|_| bad_target())?,
        "analysis" => state
            .store
            .analysis(&ctx.org.id, &target)
            .await
            .map(|a| a.title)
            .map_err(|_| bad_target())?,
        "product" => {
            let t = target.trim();
            if !(t.starts_with('/') && !t.starts_with("//")
                || t.starts_with("https://")
                || t.starts_with("http://"))
                || t.len() > 500
            {
                return Err(AppError::Invalid(koers_core::Invalid::one(
                    "target",
                    "format",
                    "geef een pad in koers of een http(s)-adres",
                )));
            }
            t.to_string()
        }
        _ => {
            return Err(AppError::Invalid(koers_core::Invalid::one(
                "kind",
                "enum",
                "moet dataset, analysis of product zijn",
            )));
        }
    };
    state
        .store
        .link_evidence(&q, &kind, target.trim(), &label, &ctx.actor())
        .await?;
    Ok(q)
}

fn bad_target() -> AppError {
    AppError::Invalid(koers_core::Invalid::one(
        "target",
        "unknown",
        "onbekend in deze organisatie",
    ))
}

pub async fn comment(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<koers_store::questions::Comment, AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let body = input.text("body");
    let body = input.finish(koers_core::error::text("body", &body, 5000))?;
    Ok(state.store.add_comment(&q, &body, &ctx.actor()).await?)
}

/// Changes who holds which role on a question; the people newly given a role are notified.
pub async fn assign(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Question, AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let a = Assignments {
        question_owner: opt(input.text("questionOwner")),
        analyst: opt(input.text("analyst")),
        data_steward: opt(input.text("dataSteward")),
        decision_maker: opt(input.text("decisionMaker")),
    };
    input.finish(Ok(()))?;
    state
        .store
        .update_assignments(&q, &a, &ctx.actor())
        .await
        .map_err(not_a_member)
}

fn not_a_member(e: koers_store::StoreError) -> AppError {
    match e {
        koers_store::StoreError::NotFound => AppError::Invalid(koers_core::Invalid::one(
            "questionOwner",
            "unknown",
            "iedereen met een rol op de vraag moet lid zijn van de organisatie",
        )),
        other => other.into(),
    }
}

/// Where attachments of an organisation are kept: one file per content, named by its hash.
fn attachment_dir(state: &AppState, org_id: &str) -> std::path::PathBuf {
    state.ws.data_dir().join("attachments").join(org_id)
}

/// Attaches a file uploaded as a multipart form (one `file` part) to a question after
/// checking its name, size and content; the file is moved into the organisation's attachment
/// folder under its hash. The question is looked up before the body is read, so an unknown
/// question is 404 whatever was sent.
pub async fn attach(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    req: axum::extract::Request,
) -> Result<Attachment, AppError> {
    use axum::extract::FromRequest;
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let mp = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let Some(upload) = read_attachment_form(state, mp).await? else {
        return Err(AppError::Invalid(koers_core::Invalid::one(
            "file",
            "required",
            "kies een bestand",
        )));
    };
    let temp = RemoveOnDrop(upload.path.clone());
    let kind = attachments::check(
        &upload.file_name,
        upload.size,
        &upload.head,
        state.cfg.max_attachment_bytes,
    )?;
    let dir = attachment_dir(state, &ctx.org.id);
    tokio::fs::create_dir_all(&dir)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let target = dir.join(&upload.sha256);
    if tokio::fs::metadata(&target).await.is_err() {
        tokio::fs::rename(&upload.path, &target)
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?;
    }
    drop(temp);
    let file_name = attachments::clean_file_name(&upload.file_name);
    let size_bytes =
        i64::try_from(upload.size).map_err(|_| AppError::Internal("te groot".into()))?;
    Ok(state
        .store
        .add_attachment(
            &q,
            &NewAttachment {
                file_name,
                content_type: kind.content_type.to_string(),
                size_bytes,
                sha256: upload.sha256.clone(),
                stored_as: upload.sha256,
            },
            &ctx.actor(),
        )
        .await?)
}

/// An attachment of a question of the organisation, with its bytes.
pub async fn attachment_file(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>), AppError> {
    ctx.require(Permission::Read)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let a = state.store.attachment(&q.id, attachment_id).await?;
    let bytes = tokio::fs::read(attachment_dir(state, &ctx.org.id).join(&a.stored_as))
        .await
        .map_err(|e| AppError::Internal(format!("bijlage {}: {e}", a.id)))?;
    Ok((a, bytes))
}

/// Removes an attachment; the file goes too when no other attachment has the same content.
pub async fn detach(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    attachment_id: &str,
) -> Result<(), AppError> {
    ctx.require(Permission::ManageQuestions)?;
    let q = state.store.question(&ctx.org.id, id).await?;
    let a = state.store.attachment(&q.id, attachment_id).await?;
    let still_used = state.store.remove_attachment(&q, &a, &ctx.actor()).await?;
    if !still_used {
        let _ = tokio::fs::remove_file(attachment_dir(state, &ctx.org.id).join(&a.stored_as)).await;
    }
    Ok(())
}

/// Reads a multipart form with one `file` field.
async fn read_attachment_form(
    state: &AppState,
    mut mp: axum::extract::Multipart,
) -> Result<Option<SavedUpload>, AppError> {
    let mut saved = None;
    while let Some(field) = mp.next_field().await.map_err(bad_form)? {
        if field.name() == Some("file") && !field.file_name().unwrap_or_default().is_empty() {
            saved = Some(save_field(state, field, state.cfg.max_attachment_bytes).await?);
        }
    }
    Ok(saved)
}

/// The download of an attachment: served as an attachment (never shown inline, so an HTML or
/// SVG file could not run in koers' origin even if one slipped through), with its clean name.
pub fn attachment_response(a: &Attachment, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let ascii: String = a
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    (
        [
            (header::CONTENT_TYPE, a.content_type.clone()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{ascii}\""),
            ),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        bytes,
    )
        .into_response()
}
