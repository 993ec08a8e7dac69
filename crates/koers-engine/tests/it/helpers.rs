//! Shared helpers: temporary workspaces, small files, the real boundary files.

use std::path::{Path, PathBuf};

use koers_engine::{
    Engine, EngineConfig, ImportOptions, ImportedVersion, NoProgress, TableRef, import_file,
};

/// A temporary directory with a `data` output folder.
pub struct Work {
    pub dir: tempfile::TempDir,
}

impl Work {
    pub fn new() -> Self {
        Work {
            dir: tempfile::tempdir().expect("tempdir"),
        }
    }

    pub fn out(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    pub fn write(&self, name: &str, bytes: &[u8]) -> PathBuf {
        let p = self.dir.path().join(name);
        std::fs::write(&p, bytes).expect("write");
        p
    }

    pub fn opts(&self, file_name: &str) -> ImportOptions {
        ImportOptions {
            output_dir: self.out(),
            file_name: file_name.into(),
            format: None,
            crs: None,
            layer: None,
        }
    }

    pub fn import(&self, src: &Path, file_name: &str) -> ImportedVersion {
        import_file(src, &self.opts(file_name), &NoProgress).expect("imports")
    }

    /// Files in the output folder (to check that failed imports leave nothing).
    pub fn outputs(&self) -> Vec<String> {
        match std::fs::read_dir(self.out()) {
            Err(_) => vec![],
            Ok(rd) => rd
                .filter_map(|e| e.ok())
                .map(|e| e.file_name().to_string_lossy().to_string())
                .collect(),
        }
    }
}

/// The real CBS boundary files, in the repository's `data/nl`.
pub fn boundaries(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../data/nl")
        .join(name)
}

pub fn engine() -> Engine {
    Engine::new(EngineConfig {
        target_partitions: 2,
        ..EngineConfig::default()
    })
}

pub fn table(name: &str, v: &ImportedVersion) -> TableRef {
    TableRef::new(name, v.path.clone())
}
