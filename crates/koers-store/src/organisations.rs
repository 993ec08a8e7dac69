//! Organisations.

use crate::audit::Actor;
use crate::sql::{from_row, parsed};
use crate::{Result, conflict_on_unique, new_id, now};
use koers_core::{OrgKind, OrganisationDraft, table_prefix as table_prefix_for};
use serde::Serialize;
use sqlx::Row;

/// A stored organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Organisation {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub cbs_code: Option<String>,
    pub tooi_code: Option<String>,
    pub created_at: String,
    /// The prefix of its public datasets' names in other organisations' SQL
    /// (`<prefix>_<name>`, see [`koers_core::table_prefix`]); unique, never changed.
    pub table_prefix: String,
}

const COLUMNS: &str = "id, name, kind, cbs_code, tooi_code, created_at, table_prefix";

from_row!(r => Organisation { id, name, cbs_code, tooi_code, created_at, table_prefix;
    kind: parsed(r, "kind", OrgKind::parse)?,
});

crate::repository!(
    /// Organisations and memberships.
    organisations
);

impl Repo<'_> {
    pub async fn create_organisation(
        &self,
        d: &OrganisationDraft,
        actor: &Actor,
    ) -> Result<Organisation> {
        let mut w = self.write(actor, None).await?;
        // A drawn prefix that is taken is drawn again; the unique index is the last word.
        let mut table_prefix = String::new();
        for _ in 0..16 {
            table_prefix =
                table_prefix_for(d.cbs_code.as_ref(), uuid::Uuid::new_v4().as_u128() as u32);
            let taken: Option<String> = w
                .optional(
                    "SELECT id FROM organisations WHERE table_prefix = $1",
                    (&table_prefix,),
                )
                .await?;
            if taken.is_none() || d.cbs_code.is_some() {
                break;
            }
        }
        let org = Organisation {
            id: new_id(),
            name: d.name.clone(),
            kind: d.kind,
            cbs_code: d.cbs_code.as_ref().map(|c| c.as_str().to_string()),
            tooi_code: d.tooi_code.as_ref().map(|c| c.as_str().to_string()),
            created_at: now(),
            table_prefix,
        };
        w.set_org(&org.id);
        w.exec(
            &format!("INSERT INTO organisations ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"),
            (
                &org.id,
                &org.name,
                org.kind.as_str(),
                &org.cbs_code,
                &org.tooi_code,
                &org.created_at,
                &org.table_prefix,
            ),
        )
        .await
        .map_err(conflict_on_unique("cbsCode"))?;
        let detail = serde_json::json!({ "name": org.name, "cbsCode": org.cbs_code });
        w.commit("organisation.created", ("organisation", &org.id), detail)
            .await?;
        Ok(org)
    }

    pub async fn organisation(&self, id: &str) -> Result<Organisation> {
        self.one(
            &format!("SELECT {COLUMNS} FROM organisations WHERE id = $1"),
            (id,),
        )
        .await
    }

    pub async fn organisation_by_cbs(&self, cbs: &str) -> Result<Organisation> {
        self.one(
            &format!("SELECT {COLUMNS} FROM organisations WHERE cbs_code = $1"),
            (cbs.to_ascii_uppercase(),),
        )
        .await
    }

    /// Every organisation, by name (for instance administrators and the command line).
    pub async fn organisations(&self) -> Result<Vec<Organisation>> {
        self.all(
            &format!("SELECT {COLUMNS} FROM organisations ORDER BY name, id"),
            (),
        )
        .await
    }

    /// The organisations a user is a member of, by name.
    pub async fn organisations_of(&self, user_id: &str) -> Result<Vec<Organisation>> {
        self.organisations_in("SELECT org_id FROM memberships WHERE user_id = $1", user_id)
            .await
    }

    /// The member organisations of an umbrella body, by name.
    pub async fn member_organisations(&self, umbrella_id: &str) -> Result<Vec<Organisation>> {
        let ids = "SELECT member_id FROM organisation_members WHERE umbrella_id = $1";
        self.organisations_in(ids, umbrella_id).await
    }

    /// The organisations whose ids `ids` selects (one column, `$1` being `param`), by name.
    async fn organisations_in(&self, ids: &str, param: &str) -> Result<Vec<Organisation>> {
        let sql =
            format!("SELECT {COLUMNS} FROM organisations WHERE id IN ({ids}) ORDER BY name, id");
        self.all(&sql, (param,)).await
    }

    /// Makes `member` a member organisation of `umbrella` (the caller checked both kinds);
    /// a member already listed is a conflict.
    pub async fn add_member_organisation(
        &self,
        umbrella: &Organisation,
        member: &Organisation,
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(&umbrella.id)).await?;
        w.exec(
            "INSERT INTO organisation_members (umbrella_id, member_id, added_at) VALUES ($1, $2, $3)",
            (&umbrella.id, &member.id, now()),
        )
        .await
        .map_err(conflict_on_unique(&member.name))?;
        let detail = serde_json::json!({ "member": member.id, "name": member.name });
        w.commit(
            "organisation.member_added",
            ("organisation", &umbrella.id),
            detail,
        )
        .await
    }

    /// Takes a member organisation off an umbrella body's list (their past rounds stay).
    pub async fn remove_member_organisation(
        &self,
        umbrella: &Organisation,
        member: &Organisation,
        actor: &Actor,
    ) -> Result<()> {
        let detail = serde_json::json!({ "member": member.id, "name": member.name });
        self.write_one(
            actor,
            &umbrella.id,
            "DELETE FROM organisation_members WHERE umbrella_id = $1 AND member_id = $2",
            (&umbrella.id, &member.id),
            (
                "organisation.member_removed",
                ("organisation", &umbrella.id),
                detail,
            ),
        )
        .await
    }

    /// The organisation the command line acts in when none is named: the oldest one.
    pub async fn default_organisation(&self) -> Result<Organisation> {
        self.one(
            &format!("SELECT {COLUMNS} FROM organisations ORDER BY created_at, id LIMIT 1"),
            (),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;
    use crate::{Store, StoreError};

    async fn create_find_and_refuse_duplicate_codes(s: Store) {
        let d = OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "").unwrap();
        let org = s
            .organisations()
            .create_organisation(&d, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(
            s.organisations().organisation(&org.id).await.unwrap().name,
            "Provincie Utrecht"
        );
        assert_eq!(
            s.organisations()
                .organisation_by_cbs("pv26")
                .await
                .unwrap()
                .id,
            org.id
        );
        assert_eq!(
            s.organisations().default_organisation().await.unwrap().id,
            org.id
        );
        assert!(matches!(
            s.organisations()
                .create_organisation(&d, &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.organisations().organisation("nope").await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.organisations().organisations().await.unwrap().len(), 1);
    }

    on_both_backends!(create_find_and_refuse_duplicate_codes);

    /// Two organisations without a CBS code made in the same second once shared a prefix
    /// (the start of a time-based id); now every prefix is unique, and stays.
    async fn every_organisation_has_its_own_table_prefix(s: Store) {
        let utrecht =
            OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "").unwrap();
        let pv26 = s
            .organisations()
            .create_organisation(&utrecht, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(pv26.table_prefix, "pv26");
        let mut prefixes = vec![pv26.table_prefix];
        for i in 0..20 {
            let d =
                OrganisationDraft::parse(&format!("Samenwerking {i}"), "other", "", "").unwrap();
            let org = s
                .organisations()
                .create_organisation(&d, &Actor::cli())
                .await
                .unwrap();
            assert!(org.table_prefix.starts_with('o') && org.table_prefix.len() == 9);
            assert_eq!(
                s.organisations()
                    .organisation(&org.id)
                    .await
                    .unwrap()
                    .table_prefix,
                org.table_prefix
            );
            prefixes.push(org.table_prefix);
        }
        let mut unique = prefixes.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), prefixes.len(), "{prefixes:?}");
        // The database refuses a second organisation with a prefix already taken.
        assert!(
            s.exec(
                "UPDATE organisations SET table_prefix = 'pv26' WHERE cbs_code IS NULL",
                ()
            )
            .await
            .is_err()
        );
    }

    on_both_backends!(every_organisation_has_its_own_table_prefix);
}
