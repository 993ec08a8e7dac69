//! A consistent copy of the store while koers serves: SQLite's `VACUUM INTO` writes a
//! snapshot of one read transaction into a new file, so writes before it are in and writes
//! after it are not, and no one has to stop.

use crate::{Backend, Result, Store, StoreError};
use std::path::Path;

impl Store {
    /// Writes a consistent copy of the SQLite store to `dest` (which must not exist).
    /// A PostgreSQL store is backed up with PostgreSQL's own tools (`pg_dump`).
    pub async fn snapshot_into(&self, dest: &Path) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Unsupported(
                "een PostgreSQL-opslag maakt u een reservekopie van met pg_dump".into(),
            ));
        }
        let dest = dest
            .to_str()
            .ok_or_else(|| StoreError::Unsupported("het doelpad is geen geldige UTF-8".into()))?;
        sqlx::query("VACUUM INTO $1")
            .bind(dest)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Checks the database file for damage (`PRAGMA integrity_check`); PostgreSQL answers
    /// for its own files.
    pub async fn integrity_check(&self) -> Result<()> {
        if self.backend != Backend::Sqlite {
            return Ok(());
        }
        let r: (String,) = sqlx::query_as("PRAGMA integrity_check")
            .fetch_one(self.pool())
            .await?;
        if r.0 == "ok" {
            Ok(())
        } else {
            Err(StoreError::Corrupt(r.0))
        }
    }
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn a_snapshot_is_a_working_store() {
        let dir = tempfile::tempdir().unwrap();
        let s = crate::Store::open_in(dir.path()).await.unwrap();
        let org = crate::testing::organisation(&s, "Utrecht", "province", "PV26").await;
        let copy = dir.path().join("copy");
        std::fs::create_dir(&copy).unwrap();
        s.snapshot_into(&copy.join("koers.db")).await.unwrap();
        // An existing file is not overwritten.
        assert!(s.snapshot_into(&copy.join("koers.db")).await.is_err());
        let restored = crate::Store::open_in(&copy).await.unwrap();
        restored.integrity_check().await.unwrap();
        assert_eq!(
            restored
                .organisations()
                .organisation(&org.id)
                .await
                .unwrap()
                .name,
            "Utrecht"
        );
    }
}
