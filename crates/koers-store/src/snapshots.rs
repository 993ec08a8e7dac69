//! Evidence snapshots: immutable records of what a monitor or indicator showed, with the
//! SQL and dataset versions behind it and a content hash (see `koers_core::snapshot`).

use crate::audit::Actor;
use crate::sql::{FromRow, columns};
use crate::{Result, new_id, now};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A frozen snapshot.
#[derive(Debug, Clone, Serialize)]
pub struct Snapshot {
    pub id: String,
    pub org_id: String,
    /// `monitor` or `indicator`.
    pub subject_kind: String,
    pub subject_id: String,
    pub title: String,
    /// Why it was taken (e.g. the meeting it was for).
    pub note: String,
    /// The frozen content, parsed from `content_text` for showing it (`Null` when the stored
    /// bytes are no JSON any more: then they do not verify either).
    pub content: serde_json::Value,
    /// The content exactly as it was frozen and hashed: served and verified byte for byte.
    #[serde(skip)]
    pub content_text: String,
    /// `sha256:` and the hex digest of `content_text`, computed once when it was taken.
    pub content_hash: String,
    pub created_by: String,
    pub created_at: String,
}

const COLUMNS: &str = "id, org_id, subject_kind, subject_id, title, note, content, content_hash, created_by, created_at";

impl FromRow for Snapshot {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let content_text: String = r.try_get("content")?;
        Ok(
            columns!(r => Snapshot { id, org_id, subject_kind, subject_id, title, note, content_hash, created_by, created_at;
                content: serde_json::from_str(&content_text).unwrap_or(serde_json::Value::Null),
                content_text,
            }),
        )
    }
}

/// A snapshot about to be taken.
pub struct NewSnapshot<'a> {
    pub subject_kind: &'a str,
    pub subject_id: &'a str,
    pub title: &'a str,
    pub note: &'a str,
    /// The content's canonical bytes and their hash, made once by `Frozen::of`.
    pub content: &'a koers_core::snapshot::Frozen,
}

crate::repository!(
    /// Snapshots: frozen, hashed content of monitors, indicators and dashboards.
    snapshots
);

impl Repo<'_> {
    /// Records a snapshot; it can never be changed or removed afterwards.
    pub async fn create_snapshot(
        &self,
        org_id: &str,
        s: &NewSnapshot<'_>,
        actor: &Actor,
    ) -> Result<Snapshot> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("INSERT INTO evidence_snapshots ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"), (&id, org_id, s.subject_kind, s.subject_id, s.title, s.note, &s.content.text, &s.content.hash, &actor.label, now())).await?;
        let detail = serde_json::json!({ "subject": s.subject_kind, "subjectId": s.subject_id, "hash": s.content.hash });
        w.commit("snapshot.taken", ("evidence_snapshot", &id), detail)
            .await?;
        self.snapshot(org_id, &id).await
    }

    /// The snapshots of one monitor or indicator (or all of the organisation), newest first.
    pub async fn snapshots(&self, org_id: &str, subject_id: Option<&str>) -> Result<Vec<Snapshot>> {
        self.all(&format!("SELECT {COLUMNS} FROM evidence_snapshots WHERE org_id = $1 AND ($2 = '' OR subject_id = $2) ORDER BY created_at DESC, id DESC"), (org_id, subject_id.unwrap_or(""))).await
    }

    pub async fn snapshot(&self, org_id: &str, id: &str) -> Result<Snapshot> {
        self.one(
            &format!("SELECT {COLUMNS} FROM evidence_snapshots WHERE org_id = $1 AND id = $2"),
            (org_id, id),
        )
        .await
    }
}

/// What `koers audit verify` found of one organisation's evidence snapshots.
#[derive(Debug, Clone)]
pub struct SnapshotCheck {
    pub org_id: String,
    /// How many snapshots the organisation has.
    pub count: usize,
    /// The snapshots whose stored bytes no longer have their hash: id and title.
    pub broken: Vec<(String, String)>,
}

impl Repo<'_> {
    /// Checks the stored bytes of every evidence snapshot (of one organisation, or of all)
    /// against the hash taken when it was frozen.
    pub async fn verify_snapshots(&self, org_id: Option<&str>) -> Result<Vec<SnapshotCheck>> {
        // Only what the check needs: the stored bytes are hashed, never parsed.
        let rows = sqlx::query(
            "SELECT id, org_id, title, content, content_hash FROM evidence_snapshots WHERE ($1 = '' OR org_id = $1) ORDER BY org_id, created_at, id",
        )
        .bind(org_id.unwrap_or(""))
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<SnapshotCheck> = Vec::new();
        for row in &rows {
            let org: String = row.try_get("org_id")?;
            if out.last().is_none_or(|c| c.org_id != org) {
                out.push(SnapshotCheck {
                    org_id: org,
                    count: 0,
                    broken: Vec::new(),
                });
            }
            if let Some(check) = out.last_mut() {
                check.count += 1;
                let text: String = row.try_get("content")?;
                let hash: String = row.try_get("content_hash")?;
                if !koers_core::snapshot::verify(&text, &hash) {
                    check
                        .broken
                        .push((row.try_get("id")?, row.try_get("title")?));
                }
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::StoreError;
    use crate::testing::on_both_backends;

    async fn snapshots_cannot_be_changed_or_removed(s: Store) {
        let org = crate::testing::organisation(&s, "Gelderland", "province", "PV25").await;
        // Numbers and text that a careless round trip through a parsed value would change.
        let content = serde_json::json!({
            "value": 11281.099999999999_f64, "tiny": 5e-324_f64, "huge": 1.7976931348623157e308_f64,
            "count": u64::MAX, "name": "Súdwest-Fryslân 🚲",
        });
        let frozen = koers_core::snapshot::Frozen::of(&content);
        let snap = s
            .snapshots()
            .create_snapshot(
                &org.id,
                &NewSnapshot {
                    subject_kind: "monitor",
                    subject_id: "m1",
                    title: "Logistiek",
                    note: "PS 12 maart",
                    content: &frozen,
                },
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(snap.content, content);
        // Read back byte for byte, on either backend, and still verifying.
        let again = s.snapshots().snapshot(&org.id, &snap.id).await.unwrap();
        assert_eq!(again.content_text, frozen.text);
        assert_eq!(again.content_hash, frozen.hash);
        assert!(koers_core::snapshot::verify(
            &again.content_text,
            &again.content_hash
        ));
        let checks = s.snapshots().verify_snapshots(None).await.unwrap();
        assert_eq!(checks.len(), 1);
        assert_eq!((checks[0].count, checks[0].broken.len()), (1, 0));
        assert!(
            s.exec("UPDATE evidence_snapshots SET title = 'x'", ())
                .await
                .is_err()
        );
        assert!(s.exec("DELETE FROM evidence_snapshots", ()).await.is_err());
        assert_eq!(
            s.snapshots()
                .snapshots(&org.id, Some("m1"))
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(matches!(
            s.snapshots().snapshot("other", &snap.id).await,
            Err(StoreError::NotFound)
        ));
    }

    on_both_backends!(snapshots_cannot_be_changed_or_removed);
}
