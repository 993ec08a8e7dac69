//! Datavragen over HTTP: the pages (`/datavragen`) and the API (`/policy-tasks`,
//! `/data-questions`) on top of [`koers_app::questions`], which holds the rules and who may
//! do what. Here: receiving an attachment from a multipart form and serving one back.

pub mod api;
pub mod pages;

use crate::auth::Ctx;
use crate::download::uncached_download;
use crate::error::AppError;
use crate::upload::{bad_form, save_field};
use axum::extract::{FromRequest, Multipart, Request};
use koers_app::questions::{self, Attachment, Upload};

/// Attaches the file of a multipart form (one `file` part) to question `id`. The question is
/// looked up before the body is read, so an unknown question is 404 whatever was sent.
pub async fn receive_attachment(ctx: &Ctx, id: &str, req: Request) -> Result<Attachment, AppError> {
    questions::may_attach(ctx.ws(), &ctx.who, id).await?;
    let upload = read_upload(ctx, req).await?;
    let max = ctx.state.cfg.max_attachment_bytes;
    Ok(questions::attach(ctx.ws(), &ctx.who, id, upload, max).await?)
}

/// The file of a multipart form's `file` part, saved to a temporary file within the
/// attachment size limit (`None`: no file was chosen).
pub async fn read_upload(ctx: &Ctx, req: Request) -> Result<Option<Upload>, AppError> {
    Ok(read_upload_with(ctx, req, &[]).await?.0)
}

/// [`read_upload`], with the form's text fields named in `texts` (at most 1,000 characters
/// each; others are left out).
pub async fn read_upload_with(
    ctx: &Ctx,
    req: Request,
    texts: &[&str],
) -> Result<(Option<Upload>, std::collections::HashMap<String, String>), AppError> {
    let max = ctx.state.cfg.max_attachment_bytes;
    let mut mp = Multipart::from_request(req, &ctx.state)
        .await
        .map_err(|e| AppError::BadRequest(e.body_text()))?;
    let mut upload = None;
    let mut fields = std::collections::HashMap::new();
    while let Some(field) = mp.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if texts.contains(&name.as_str()) {
            let text = field.text().await.map_err(bad_form)?;
            fields.insert(name, text.chars().take(1000).collect());
        } else if name == "file" && !field.file_name().unwrap_or_default().is_empty() {
            let saved = save_field(&ctx.state, field, max).await?;
            upload = Some(Upload {
                path: saved.path,
                file_name: saved.file_name,
                size: saved.size,
                sha256: saved.sha256,
                head: saved.head,
            });
        }
    }
    Ok((upload, fields))
}

/// The section of a question's page (a member's or a guest's) where a form's outcome is seen,
/// by its notice: the page returns to it (the address's fragment) and shows the notice there,
/// so that whoever added a comment far down the page is not sent back to the top. `None`:
/// at the top, for what changes the question as a whole (a step taken).
fn section_of(notice: &str) -> Option<&'static str> {
    match notice {
        "linked" => Some("bewijs"),
        "commented" => Some("reacties"),
        "attached" | "detached" => Some("bijlagen"),
        "guest_revoked" => Some("gasten"),
        _ => None,
    }
}

/// The address of a question's page at `base` to return to after a form with `notice`.
pub fn back_to(base: String, notice: &'static str) -> (String, &'static str) {
    match section_of(notice) {
        Some(section) => (format!("{base}#{section}"), notice),
        None => (base, notice),
    }
}

/// A file over the attachment limit as the problem of the form's `file` field.
pub fn too_large_as_field(ctx: &Ctx, e: AppError) -> AppError {
    match e {
        AppError::PayloadTooLarge => AppError::Invalid(koers_core::Invalid::one(
            "file",
            "too_large",
            &format!(
                "het bestand is groter dan {} MB",
                ctx.state.cfg.max_attachment_bytes / (1024 * 1024)
            ),
        )),
        other => other,
    }
}

/// The download of an attachment: served as an attachment (never shown inline, so an HTML or
/// SVG file could not run in koers' origin even if one slipped through), with its clean name.
pub fn attachment_response(a: &Attachment, bytes: Vec<u8>) -> axum::response::Response {
    kept_file_response(&a.file_name, &a.content_type, bytes)
}

/// A kept file (an attachment, a module's file) as a download under its clean name, never
/// inline.
pub fn kept_file_response(
    file_name: &str,
    content_type: &str,
    bytes: Vec<u8>,
) -> axum::response::Response {
    let ascii: String = file_name
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
    uncached_download(content_type, &ascii, "private, no-store", bytes)
}

/// Where a question's page shows the notice of the form that led to it: `notice_at` is the
/// section's id, or `top` (see [`section_of`]).
pub(crate) fn notice_place(ctx: &Ctx) -> minijinja::Value {
    let at = ctx
        .notice
        .as_deref()
        .map(|n| section_of(n).unwrap_or("top"));
    minijinja::context! { notice_at => at }
}

/// What the upload form says of the files it takes.
pub(crate) fn upload_limits(ctx: &Ctx) -> minijinja::Value {
    let accept: Vec<String> = koers_core::attachments::accepted_extensions()
        .iter()
        .map(|e| format!(".{e}"))
        .collect();
    minijinja::context! {
        accept => accept.join(","),
        max_attachment_mb => ctx.state.cfg.max_attachment_bytes / (1024 * 1024),
    }
}
