//! The catalog over HTTP: the pages of Bronnen (the list, importing with progress, a
//! dataset's page with its DCAT-AP-NL metadata), the API's `/datasets` and `/jobs`, and the
//! catalogs as DCAT-AP-NL RDF (`/catalog`, `/public-catalog`). What may be seen and done,
//! and by whom, is decided by the use cases in [`koers_app::catalog`].

pub mod api;
pub mod pages;
pub mod views;

use crate::error::AppError;
use crate::state::AppState;
use crate::upload::{bad_form, save_field};
use axum::extract::Multipart;
use koers_app::catalog::{ImportFields, Upload};

/// Reads a multipart import form (a `file` and the fields `url`, `name`, `crs`, `format`,
/// `layer`, `mode`), streaming the file to a temporary file in the data folder and refusing more
/// than the upload limit (nothing is kept then).
pub async fn read_import_form(
    state: &AppState,
    mut mp: Multipart,
) -> Result<ImportFields, AppError> {
    let mut form = ImportFields::default();
    while let Some(field) = mp.next_field().await.map_err(bad_form)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            if field.file_name().unwrap_or_default().is_empty() {
                continue;
            }
            let saved = save_field(state, field, state.cfg.max_upload_bytes).await?;
            form.upload = Some(Upload {
                path: saved.path,
                file_name: saved.file_name,
            });
        } else {
            let text = field.text().await.map_err(bad_form)?;
            match name.as_str() {
                "url" => form.url = text,
                "name" => form.name = text,
                "crs" => form.crs = text,
                "format" => form.format = text,
                "layer" => form.layer = text,
                "mode" => form.mode = text,
                "check" => form.check = text == "on",
                _ => {}
            }
        }
    }
    Ok(form)
}
