//! `koers backup` and `koers restore`: a consistent copy of a data folder while koers
//! serves, and bringing one back.
//!
//! A backup is a folder: `koers.db` (a snapshot of the store taken with `VACUUM INTO`), the
//! data files (dataset versions, attachments, documents) copied after the snapshot, and
//! `manifest.json` with the size and SHA-256 of every file, written last. Data files are
//! written under a temporary name and renamed into place when complete, and never change
//! afterwards, so every file the snapshot refers to is complete when it is copied.
//!
//! Dataset versions on object storage (S3) are not copied: the backup says how many there
//! are, and the bucket's own versioning or replication keeps them.

use anyhow::{Context, Result, bail};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::path::{Component, Path, PathBuf};

/// The store's file in a data folder and in a backup.
const DB: &str = "koers.db";
const MANIFEST: &str = "manifest.json";
const FORMAT: &str = "koers-backup/1";

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    format: String,
    koers_version: String,
    created_at: String,
    files: Vec<FileEntry>,
}

#[derive(Debug, Serialize, Deserialize)]
struct FileEntry {
    /// Relative to the folder, with `/` separators.
    path: String,
    bytes: u64,
    sha256: String,
}

/// Whether a file in the data folder belongs in a backup: not the live database and its
/// journals, not temporary or half-written files.
fn belongs(rel: &Path) -> bool {
    let name = rel.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let first = rel.components().next();
    !(name.starts_with(DB)
        || name.ends_with(".partial")
        || name.ends_with(".tmp")
        || first == Some(Component::Normal("tmp".as_ref())))
}

/// Every file under `root` (relative paths, sorted), leaving out `skip` (the backup itself
/// when it is made inside the data folder).
fn files_under(root: &Path, skip: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut dirs = vec![root.to_path_buf()];
    while let Some(dir) = dirs.pop() {
        for entry in
            std::fs::read_dir(&dir).with_context(|| format!("kan {} niet lezen", dir.display()))?
        {
            let entry = entry?;
            let path = entry.path();
            if path == skip {
                continue;
            }
            let kind = entry.file_type()?;
            if kind.is_dir() {
                dirs.push(path);
            } else if kind.is_file() {
                out.push(path.strip_prefix(root)?.to_path_buf());
            }
        }
    }
    out.sort();
    Ok(out)
}

/// `/`-separated text of a relative path.
fn slash_path(rel: &Path) -> Result<String> {
    let parts: Option<Vec<&str>> = rel.components().map(|c| c.as_os_str().to_str()).collect();
    parts
        .map(|p| p.join("/"))
        .with_context(|| format!("bestandsnaam is geen geldige UTF-8: {}", rel.display()))
}

/// A manifest path as a safe relative path: no root, no `..`, nothing but names.
fn safe_relative(path: &str) -> Result<PathBuf> {
    let p = Path::new(path);
    if path.is_empty() || !p.components().all(|c| matches!(c, Component::Normal(_))) {
        bail!("het manifest noemt een ongeldig pad: {path:?}");
    }
    Ok(p.to_path_buf())
}

/// Copies `from` to `to` (or only reads it, without `to`), returning size and SHA-256.
fn copy_hashed(
    from: &Path,
    to: Option<&Path>,
    bar: &indicatif::ProgressBar,
) -> Result<(u64, String)> {
    let mut src =
        std::fs::File::open(from).with_context(|| format!("kan {} niet openen", from.display()))?;
    let mut dst = match to {
        Some(t) => {
            if let Some(parent) = t.parent() {
                std::fs::create_dir_all(parent)?;
            }
            Some(
                std::fs::File::create_new(t)
                    .with_context(|| format!("kan {} niet schrijven", t.display()))?,
            )
        }
        None => None,
    };
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0u64;
    loop {
        let n = src.read(&mut buf)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
        if let Some(d) = dst.as_mut() {
            d.write_all(&buf[..n])?;
        }
        total += n as u64;
        bar.inc(n as u64);
    }
    if let Some(d) = dst {
        d.sync_all()?;
    }
    Ok((total, hex::encode(hasher.finalize())))
}

fn is_empty_dir(dir: &Path) -> Result<bool> {
    Ok(!dir.exists() || std::fs::read_dir(dir)?.next().is_none())
}

/// `koers backup DEST`: the store's snapshot, then the data files, then the manifest.
pub async fn backup(store: &koers_store::Store, data_dir: &Path, dest: &Path) -> Result<()> {
    if !is_empty_dir(dest)? {
        bail!(
            "{} bestaat al en is niet leeg; kies een nieuwe map",
            dest.display()
        );
    }
    std::fs::create_dir_all(dest)
        .with_context(|| format!("kan {} niet aanmaken", dest.display()))?;
    let dest = dest.canonicalize()?;
    let data_dir = data_dir.canonicalize()?;
    store
        .snapshot_into(&dest.join(DB))
        .await
        .context("kan geen momentopname van de opslag maken")?;
    let files: Vec<PathBuf> = files_under(&data_dir, &dest)?
        .into_iter()
        .filter(|f| belongs(f))
        .collect();
    let mut total = std::fs::metadata(dest.join(DB))?.len();
    for f in &files {
        total += std::fs::metadata(data_dir.join(f))?.len();
    }
    let bar = koers_demo::console::bar();
    bar.set_length(total);
    bar.set_message("reservekopie");
    let (bytes, sha256) = copy_hashed(&dest.join(DB), None, &bar)?;
    let mut entries = vec![FileEntry {
        path: DB.into(),
        bytes,
        sha256,
    }];
    for f in &files {
        let (bytes, sha256) = copy_hashed(&data_dir.join(f), Some(&dest.join(f)), &bar)?;
        entries.push(FileEntry {
            path: slash_path(f)?,
            bytes,
            sha256,
        });
    }
    bar.finish_and_clear();
    let manifest = Manifest {
        format: FORMAT.into(),
        koers_version: env!("CARGO_PKG_VERSION").into(),
        created_at: chrono::Utc::now().to_rfc3339(),
        files: entries,
    };
    // The manifest last, under a temporary name: a backup without one is incomplete.
    let tmp = dest.join(format!("{MANIFEST}.tmp"));
    std::fs::write(&tmp, serde_json::to_vec_pretty(&manifest)?)?;
    std::fs::rename(&tmp, dest.join(MANIFEST))?;
    println!(
        "Reservekopie gemaakt in {}: {} bestanden, {} bytes",
        dest.display(),
        manifest.files.len(),
        total
    );
    let remote = store
        .catalog()
        .all_dataset_versions()
        .await?
        .iter()
        .filter(|v| v.on_object_storage())
        .count();
    if remote > 0 {
        println!(
            "Let op: {remote} datasetversie(s) staan in objectopslag (S3) en zitten NIET in deze reservekopie; bewaar die met de middelen van de opslag zelf (versiebeheer of replicatie van de bucket)."
        );
    }
    Ok(())
}

/// Reads the manifest of the backup in `src` and checks every file against it.
fn verified_manifest(src: &Path) -> Result<Manifest> {
    let raw = std::fs::read(src.join(MANIFEST)).with_context(|| {
        format!(
            "{} heeft geen {MANIFEST}: geen (volledige) reservekopie",
            src.display()
        )
    })?;
    let manifest: Manifest = serde_json::from_slice(&raw).context("het manifest is onleesbaar")?;
    if manifest.format != FORMAT {
        bail!("onbekend formaat van reservekopie: {}", manifest.format);
    }
    if !manifest.files.iter().any(|f| f.path == DB) {
        bail!("de reservekopie bevat geen {DB}");
    }
    let bar = koers_demo::console::bar();
    bar.set_length(manifest.files.iter().map(|f| f.bytes).sum());
    bar.set_message("controleren");
    let mut wrong = Vec::new();
    for f in &manifest.files {
        let rel = safe_relative(&f.path)?;
        match copy_hashed(&src.join(&rel), None, &bar) {
            Ok((bytes, sha)) if bytes == f.bytes && sha == f.sha256 => {}
            Ok(_) => wrong.push(format!("{}: inhoud gewijzigd", f.path)),
            Err(_) => wrong.push(format!("{}: ontbreekt", f.path)),
        }
    }
    bar.finish_and_clear();
    if !wrong.is_empty() {
        bail!(
            "de reservekopie is beschadigd; er is niets teruggezet:\n  {}",
            wrong.join("\n  ")
        );
    }
    Ok(manifest)
}

/// `koers restore SRC`: checks the whole backup first, then copies it into the data folder
/// (empty, or with `force` replacing what is there) and opens the store to check it.
pub async fn restore(src: &Path, data_dir: &Path, force: bool) -> Result<()> {
    let manifest = verified_manifest(src)?;
    if !is_empty_dir(data_dir)? {
        if !force {
            bail!(
                "datamap {} is niet leeg; gebruik een lege map, of --force om te vervangen wat er staat",
                data_dir.display()
            );
        }
        // The old store and its journals go: a journal must never meet another database.
        for suffix in ["", "-wal", "-shm", "-journal"] {
            let p = data_dir.join(format!("{DB}{suffix}"));
            if p.exists() {
                std::fs::remove_file(&p)
                    .with_context(|| format!("kan {} niet verwijderen", p.display()))?;
            }
        }
    }
    std::fs::create_dir_all(data_dir)?;
    let bar = koers_demo::console::bar();
    bar.set_length(manifest.files.iter().map(|f| f.bytes).sum());
    bar.set_message("terugzetten");
    for f in &manifest.files {
        let rel = safe_relative(&f.path)?;
        let target = data_dir.join(&rel);
        // Into a temporary name first, renamed when complete and checked.
        let tmp = data_dir.join(format!("{}.restore.tmp", rel.display()));
        let _ = std::fs::remove_file(&tmp);
        let (bytes, sha) = copy_hashed(&src.join(&rel), Some(&tmp), &bar)?;
        if bytes != f.bytes || sha != f.sha256 {
            let _ = std::fs::remove_file(&tmp);
            bail!("{} veranderde tijdens het terugzetten", f.path);
        }
        std::fs::rename(&tmp, &target)?;
    }
    bar.finish_and_clear();
    let store = koers_store::Store::open_in(data_dir)
        .await
        .context("de teruggezette opslag opent niet")?;
    store
        .integrity_check()
        .await
        .context("de teruggezette opslag is beschadigd")?;
    println!(
        "Teruggezet in {}: {} bestanden uit de reservekopie van {}",
        data_dir.display(),
        manifest.files.len(),
        manifest.created_at
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_complete_data_files_belong() {
        for (p, ok) in [
            ("datasets/o/n/v.parquet", true),
            ("attachments/o/abc", true),
            ("koers.db", false),
            ("koers.db-wal", false),
            ("tmp/123.csv", false),
            ("datasets/o/n/.v.1.partial", false),
            ("documents/x.123.tmp", false),
        ] {
            assert_eq!(belongs(Path::new(p)), ok, "{p}");
        }
    }

    #[test]
    fn manifest_paths_stay_inside() {
        assert!(safe_relative("datasets/a/b.parquet").is_ok());
        for bad in ["", "/etc/passwd", "../x", "a/../../x", "./a"] {
            assert!(safe_relative(bad).is_err(), "{bad}");
        }
    }
}
