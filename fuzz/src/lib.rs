//! What the fuzz targets share: feeding bytes to an importer as a file.

use koers_engine::{Format, NoProgress};

/// Writes `data` to a file named `input.{ext}` and reads it as `format` to the end. Errors
/// are fine (that is what bad input should give); panics, hangs and crashes are not.
pub fn import(format: Format, ext: &str, data: &[u8]) {
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join(format!("input.{ext}"));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(mut source) = koers_engine::source::open(format, &path, None, None, &NoProgress) {
        while let Ok(Some(_)) = source.next_batch() {}
    }
}
