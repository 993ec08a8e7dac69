//! Catalog operations shared by the pages and the API: reading an upload to disk, starting
//! an import in the background, and editing metadata.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use crate::upload::{bad_form, save_field};
use axum::extract::Multipart;
use koers_app::catalog::{ImportRequest, ImportSource};
use koers_app::{Job, JobStatus};
use koers_core::Permission;
use koers_core::catalog::DatasetMeta;
use koers_store::Dataset;
use std::path::PathBuf;
use std::sync::Arc;

/// The fields of an import form: a file or a URL, and how to read it.
#[derive(Default)]
pub struct ImportForm {
    pub upload: Option<(PathBuf, String)>,
    pub url: String,
    pub name: String,
    pub crs: String,
    pub format: String,
    pub layer: String,
}

/// Reads a multipart import form, streaming the file to a temporary file in the data folder
/// and refusing more than `max` bytes (nothing is kept then).
pub async fn read_import_form(
    state: &AppState,
    mut mp: Multipart,
    max: u64,
) -> Result<ImportForm, AppError> {
    let mut form = ImportForm::default();
    while let Some(field) = mp.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if field.file_name().unwrap_or_default().is_empty() {
                continue;
            }
            let saved = save_field(state, field, max).await?;
            form.upload = Some((saved.path, saved.file_name));
        } else {
            let text = field.text().await.map_err(bad_form)?;
            match name.as_str() {
                "url" => form.url = text,
                "name" => form.name = text,
                "crs" => form.crs = text,
                "format" => form.format = text,
                "layer" => form.layer = text,
                _ => {}
            }
        }
    }
    Ok(form)
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// Starts an import in the background; the job reports progress and, when done, the
/// dataset id.
pub fn start_import(state: &AppState, ctx: &Ctx, form: ImportForm) -> Result<Arc<Job>, AppError> {
    ctx.require(Permission::ManageData)?;
    let source = match (form.upload, non_empty(&form.url)) {
        (Some((path, file_name)), _) => ImportSource::Upload { path, file_name },
        (None, Some(url)) => ImportSource::Url(url),
        (None, None) => {
            return Err(AppError::Invalid(koers_core::Invalid::one(
                "file",
                "required",
                "kies een bestand of geef een URL",
            )));
        }
    };
    let label = match &source {
        ImportSource::Upload { file_name, .. } => file_name.clone(),
        ImportSource::Url(u) => u.clone(),
        ImportSource::Path(p) => p.display().to_string(),
        ImportSource::Service { label, .. } => label.clone(),
    };
    let upload_path = match &source {
        ImportSource::Upload { path, .. } => Some(path.clone()),
        _ => None,
    };
    let req = ImportRequest {
        source,
        name: non_empty(&form.name),
        crs: non_empty(&form.crs),
        format: non_empty(&form.format),
        layer: non_empty(&form.layer),
        meta: None,
        generated: false,
    };
    let job = state.ws.jobs.start(&ctx.org.id, &label);
    let (ws, org, actor, j) = (state.ws.clone(), ctx.org.clone(), ctx.actor(), job.clone());
    tokio::spawn(async move {
        let progress: Arc<dyn koers_engine::Progress + Send + Sync> = j.clone();
        let outcome = ws.import(&org, &actor, req, progress).await;
        if let Some(p) = upload_path {
            let _ = tokio::fs::remove_file(p).await;
        }
        j.finish(match outcome {
            Ok((ds, _)) => JobStatus::Done { result: ds.id },
            Err(e) => {
                tracing::info!(error = %e, "import failed");
                JobStatus::Failed {
                    error: AppError::from(e).detail(),
                }
            }
        });
    });
    Ok(job)
}

/// A dataset of the user's own organisation that they may edit.
pub async fn own_dataset(state: &AppState, ctx: &Ctx, id: &str) -> Result<Dataset, AppError> {
    let ds = state.store.dataset(&ctx.org.id, id).await?;
    if ds.org_id != ctx.org.id {
        return Err(AppError::Forbidden);
    }
    Ok(ds)
}

/// Replaces a dataset's DCAT-AP-NL metadata (data stewards).
pub async fn update_meta(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    mut input: Input,
) -> Result<Dataset, AppError> {
    ctx.require(Permission::ManageData)?;
    own_dataset(state, ctx, id).await?;
    let f: Vec<String> = [
        "title",
        "description",
        "publisher",
        "contactName",
        "contactEmail",
        "theme",
        "licence",
        "accessRights",
        "cadence",
    ]
    .iter()
    .map(|k| input.text(k))
    .collect();
    let tags = input.texts("tags");
    let meta = input.finish(DatasetMeta::parse(
        &f[0], &f[1], &f[2], &f[3], &f[4], &f[5], &f[6], &f[7], &f[8], &tags,
    ))?;
    Ok(state
        .store
        .update_dataset_meta(&ctx.org.id, id, &meta, &ctx.actor())
        .await?)
}
