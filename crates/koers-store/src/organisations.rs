//! Organisations.

use crate::audit::{Actor, record};
use crate::{Result, Store, StoreError, conflict_on_unique, new_id, now};
use koers_core::{OrgKind, OrganisationDraft};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub cbs_code: Option<String>,
    pub tooi_code: Option<String>,
    pub created_at: String,
}

const COLUMNS: &str = "id, name, kind, cbs_code, tooi_code, created_at";

fn from_row(r: &AnyRow) -> Result<Organisation> {
    let kind: String = r.try_get("kind")?;
    Ok(Organisation {
        id: r.try_get("id")?,
        name: r.try_get("name")?,
        kind: OrgKind::parse(&kind).map_err(|e| StoreError::Corrupt(e.to_string()))?,
        cbs_code: r.try_get("cbs_code")?,
        tooi_code: r.try_get("tooi_code")?,
        created_at: r.try_get("created_at")?,
    })
}

impl Store {
    pub async fn create_organisation(
        &self,
        d: &OrganisationDraft,
        actor: &Actor,
    ) -> Result<Organisation> {
        let org = Organisation {
            id: new_id(),
            name: d.name.clone(),
            kind: d.kind,
            cbs_code: d.cbs_code.as_ref().map(|c| c.as_str().to_string()),
            tooi_code: d.tooi_code.as_ref().map(|c| c.as_str().to_string()),
            created_at: now(),
        };
        let mut tx = self.begin().await?;
        sqlx::query(&format!(
            "INSERT INTO organisations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)"
        ))
        .bind(&org.id)
        .bind(&org.name)
        .bind(org.kind.as_str())
        .bind(&org.cbs_code)
        .bind(&org.tooi_code)
        .bind(&org.created_at)
        .execute(&mut *tx)
        .await
        .map_err(conflict_on_unique("cbsCode"))?;
        record(
            &mut tx,
            actor,
            Some(&org.id),
            "organisation.created",
            ("organisation", Some(&org.id)),
            serde_json::json!({ "name": org.name, "cbsCode": org.cbs_code }),
        )
        .await?;
        tx.commit().await?;
        Ok(org)
    }

    pub async fn organisation(&self, id: &str) -> Result<Organisation> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&r)
    }

    pub async fn organisation_by_cbs(&self, cbs: &str) -> Result<Organisation> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations WHERE cbs_code = $1"
        ))
        .bind(cbs.to_ascii_uppercase())
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&r)
    }

    /// Every organisation, by name (for instance administrators and the command line).
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations ORDER BY name, id"
        ))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The organisations a user is a member of, by name.
    pub async fn organisations_of(&self, user_id: &str) -> Result<Vec<Organisation>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations WHERE id IN
               (SELECT org_id FROM memberships WHERE user_id = $1) ORDER BY name, id"
        ))
        .bind(user_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    /// The organisation the command line acts in when none is named: the oldest one.
    pub async fn default_organisation(&self) -> Result<Organisation> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM organisations ORDER BY created_at, id LIMIT 1"
        ))
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;

    async fn create_find_and_refuse_duplicate_codes(s: Store) {
        let d = OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "").unwrap();
        let org = s.create_organisation(&d, &Actor::cli()).await.unwrap();
        assert_eq!(
            s.organisation(&org.id).await.unwrap().name,
            "Provincie Utrecht"
        );
        assert_eq!(s.organisation_by_cbs("pv26").await.unwrap().id, org.id);
        assert_eq!(s.default_organisation().await.unwrap().id, org.id);
        assert!(matches!(
            s.create_organisation(&d, &Actor::cli()).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.organisation("nope").await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.organisations().await.unwrap().len(), 1);
    }

    on_both_backends!(create_find_and_refuse_duplicate_codes);
}
