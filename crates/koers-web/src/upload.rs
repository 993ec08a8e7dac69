//! Receiving a file from a multipart form: streamed to a temporary file in the data folder,
//! hashed on the way, refused past a size limit (and then nothing is kept).

use crate::error::AppError;
use crate::state::AppState;
use axum::extract::multipart::{Field, MultipartError};
use sha2::{Digest, Sha256};
use std::path::PathBuf;
use tokio::io::AsyncWriteExt;

/// How many leading bytes are kept to check what a file is.
const HEAD: usize = 512;

/// A file received and written to a temporary path.
pub struct SavedUpload {
    pub path: PathBuf,
    /// What the user's file was called.
    pub file_name: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The first bytes, to check the content against the name.
    pub head: Vec<u8>,
}

/// A bad multipart request, in words.
pub fn bad_form(e: MultipartError) -> AppError {
    AppError::BadRequest(format!("Ongeldig formulier: {e}"))
}

/// Streams a file field to a temporary file named with the file's own (plain) extension.
/// More than `max` bytes is refused with 413, and the partial file removed.
pub async fn save_field(
    state: &AppState,
    mut field: Field<'_>,
    max: u64,
) -> Result<SavedUpload, AppError> {
    let file_name = field.file_name().unwrap_or_default().to_string();
    let ext = std::path::Path::new(&file_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .filter(|e| e.chars().all(|c| c.is_ascii_alphanumeric()) && e.len() <= 10)
        .unwrap_or_else(|| "bin".into());
    let path = state.ws.temp_path(&ext)?;
    let mut file = tokio::fs::File::create(&path)
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut size = 0u64;
    let mut hasher = Sha256::new();
    let mut head = Vec::with_capacity(HEAD);
    let result: Result<(), AppError> = async {
        while let Some(chunk) = field.chunk().await.map_err(bad_form)? {
            size += chunk.len() as u64;
            if size > max {
                return Err(AppError::PayloadTooLarge);
            }
            if head.len() < HEAD {
                let take = (HEAD - head.len()).min(chunk.len());
                head.extend_from_slice(&chunk[..take]);
            }
            hasher.update(&chunk);
            file.write_all(&chunk)
                .await
                .map_err(|e| AppError::Internal(e.to_string()))?;
        }
        file.flush()
            .await
            .map_err(|e| AppError::Internal(e.to_string()))
    }
    .await;
    if let Err(e) = result {
        let _ = tokio::fs::remove_file(&path).await;
        return Err(e);
    }
    Ok(SavedUpload {
        path,
        file_name,
        size,
        sha256: hex::encode(hasher.finalize()),
        head,
    })
}
