//! Dashboards (M3): the current definition with who may see it, every saved version (a
//! save never overwrites: it adds a version, and only on top of the version it was made
//! from), and the widgets' results cached per version and filter choice.

use crate::audit::{Actor, record};
use crate::{Result, Store, StoreError, new_id, now};
use koers_core::Role;
use koers_core::dashboards::{Definition, Visibility};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A dashboard as stored, with its current definition.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    /// The user who made it.
    pub owner_id: String,
    pub visibility: Visibility,
    pub shared_roles: Vec<Role>,
    /// The secret of the public link, while the dashboard is public.
    pub public_token: Option<String>,
    pub version: i64,
    pub definition: Definition,
    pub created_at: String,
    pub updated_at: String,
}

/// One saved version.
#[derive(Debug, Clone, Serialize)]
pub struct DashboardVersion {
    pub version: i64,
    pub name: String,
    pub description: String,
    pub definition: Definition,
    pub note: String,
    pub saved_by: String,
    pub saved_at: String,
}

/// A widget's cached result.
#[derive(Debug, Clone, Serialize)]
pub struct WidgetResult {
    pub widget_id: String,
    pub computed_at: String,
    pub data: serde_json::Value,
}

/// What a save changes.
#[derive(Clone, Copy)]
pub struct DashboardSave<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub definition: &'a Definition,
    /// Why (shown in the history), may be empty.
    pub note: &'a str,
}

const V_COLUMNS: &str = "version, name, description, definition, note, saved_by, saved_at";

const COLUMNS: &str = "id, org_id, name, description, owner_id, visibility, shared_roles, public_token, version, definition, created_at, updated_at";

fn definition(raw: &str) -> Result<Definition> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("dashboard: {e}")))
}

fn json(d: &Definition) -> Result<String> {
    serde_json::to_string(d).map_err(|e| StoreError::Corrupt(e.to_string()))
}

fn from_row(r: &AnyRow) -> Result<Dashboard> {
    let vis: String = r.try_get("visibility")?;
    let roles: String = r.try_get("shared_roles")?;
    Ok(Dashboard {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        owner_id: r.try_get("owner_id")?,
        visibility: Visibility::parse(&vis)
            .ok_or_else(|| StoreError::Corrupt(format!("zichtbaarheid {vis}")))?,
        shared_roles: roles
            .split(',')
            .filter(|s| !s.is_empty())
            .filter_map(|s| Role::parse(s).ok())
            .collect(),
        public_token: r.try_get("public_token")?,
        version: r.try_get("version")?,
        definition: definition(&r.try_get::<String, _>("definition")?)?,
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

fn version_from_row(r: &AnyRow) -> Result<DashboardVersion> {
    Ok(DashboardVersion {
        version: r.try_get("version")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        definition: definition(&r.try_get::<String, _>("definition")?)?,
        note: r.try_get("note")?,
        saved_by: r.try_get("saved_by")?,
        saved_at: r.try_get("saved_at")?,
    })
}

async fn insert_version(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    id: &str,
    version: i64,
    s: &DashboardSave<'_>,
    actor: &Actor,
    at: &str,
) -> Result<()> {
    sqlx::query("INSERT INTO dashboard_versions (dashboard_id, version, name, description, definition, note, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
        .bind(id)
        .bind(version)
        .bind(s.name)
        .bind(s.description)
        .bind(json(s.definition)?)
        .bind(s.note)
        .bind(&actor.label)
        .bind(at)
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Store {
    /// Makes a dashboard (version 1), private to its maker.
    pub async fn create_dashboard(
        &self,
        org_id: &str,
        owner_id: &str,
        s: &DashboardSave<'_>,
        actor: &Actor,
    ) -> Result<Dashboard> {
        let id = new_id();
        let at = now();
        let mut tx = self.begin().await?;
        sqlx::query(&format!("INSERT INTO dashboards ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'private', '', NULL, 1, $6, $7, $7)"))
            .bind(&id)
            .bind(org_id)
            .bind(s.name)
            .bind(s.description)
            .bind(owner_id)
            .bind(json(s.definition)?)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        insert_version(&mut tx, &id, 1, s, actor, &at).await?;
        record(
            &mut tx,
            actor,
            Some(org_id),
            "dashboard.created",
            ("dashboard", Some(&id)),
            serde_json::json!({ "name": s.name }),
        )
        .await?;
        tx.commit().await?;
        self.dashboard(org_id, &id).await
    }

    /// The organisation's dashboards, by name.
    pub async fn dashboards(&self, org_id: &str) -> Result<Vec<Dashboard>> {
        let rows = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dashboards WHERE org_id = $1 ORDER BY name, id"
        ))
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(from_row).collect()
    }

    pub async fn dashboard(&self, org_id: &str, id: &str) -> Result<Dashboard> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dashboards WHERE org_id = $1 AND id = $2"
        ))
        .bind(org_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// The public dashboard with this link secret (only while it is public).
    pub async fn public_dashboard(&self, token: &str) -> Result<Dashboard> {
        let row = sqlx::query(&format!(
            "SELECT {COLUMNS} FROM dashboards WHERE public_token = $1 AND visibility = 'public'"
        ))
        .bind(token)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        from_row(&row)
    }

    /// Saves a new version on top of `base_version`; `Conflict` when someone saved in
    /// between (nothing is overwritten).
    pub async fn save_dashboard(
        &self,
        d: &Dashboard,
        base_version: i64,
        s: &DashboardSave<'_>,
        actor: &Actor,
    ) -> Result<Dashboard> {
        let at = now();
        // A version that is not the current one is stale, the largest number included.
        let stale = || {
            StoreError::Conflict(
                "het dashboard is intussen door iemand anders opgeslagen; laad het opnieuw".into(),
            )
        };
        let next = base_version.checked_add(1).ok_or_else(stale)?;
        let mut tx = self.begin().await?;
        let done = sqlx::query("UPDATE dashboards SET name = $1, description = $2, definition = $3, version = $4, updated_at = $5 WHERE id = $6 AND org_id = $7 AND version = $8")
            .bind(s.name)
            .bind(s.description)
            .bind(json(s.definition)?)
            .bind(next)
            .bind(&at)
            .bind(&d.id)
            .bind(&d.org_id)
            .bind(base_version)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() != 1 {
            return Err(stale());
        }
        insert_version(&mut tx, &d.id, next, s, actor, &at).await?;
        record(
            &mut tx,
            actor,
            Some(&d.org_id),
            "dashboard.saved",
            ("dashboard", Some(&d.id)),
            serde_json::json!({ "version": next, "note": s.note }),
        )
        .await?;
        tx.commit().await?;
        self.dashboard(&d.org_id, &d.id).await
    }

    /// Every saved version, newest first.
    pub async fn dashboard_versions(&self, d: &Dashboard) -> Result<Vec<DashboardVersion>> {
        let rows = sqlx::query(&format!("SELECT {V_COLUMNS} FROM dashboard_versions WHERE dashboard_id = $1 ORDER BY version DESC"))
            .bind(&d.id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(version_from_row).collect()
    }

    pub async fn dashboard_version(&self, d: &Dashboard, version: i64) -> Result<DashboardVersion> {
        let row = sqlx::query(&format!(
            "SELECT {V_COLUMNS} FROM dashboard_versions WHERE dashboard_id = $1 AND version = $2"
        ))
        .bind(&d.id)
        .bind(version)
        .fetch_optional(self.pool())
        .await?
        .ok_or(StoreError::NotFound)?;
        version_from_row(&row)
    }

    /// Sets who may see the dashboard; `token` is the public link's secret when public.
    pub async fn share_dashboard(
        &self,
        d: &Dashboard,
        visibility: Visibility,
        roles: &[Role],
        token: Option<&str>,
        actor: &Actor,
    ) -> Result<Dashboard> {
        let roles_text: Vec<&str> = roles.iter().map(|r| r.as_str()).collect();
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE dashboards SET visibility = $1, shared_roles = $2, public_token = $3, updated_at = $4 WHERE id = $5 AND org_id = $6")
            .bind(visibility.as_str())
            .bind(roles_text.join(","))
            .bind(token)
            .bind(now())
            .bind(&d.id)
            .bind(&d.org_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Some(&d.org_id),
            "dashboard.shared",
            ("dashboard", Some(&d.id)),
            serde_json::json!({ "visibility": visibility.as_str(), "roles": roles_text, "newLink": token.is_some() && token != d.public_token.as_deref() }),
        )
        .await?;
        tx.commit().await?;
        self.dashboard(&d.org_id, &d.id).await
    }

    /// Removes a dashboard with its versions and cached results.
    pub async fn delete_dashboard(&self, d: &Dashboard, actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        for table in ["dashboard_results", "dashboard_versions"] {
            sqlx::query(&format!("DELETE FROM {table} WHERE dashboard_id = $1"))
                .bind(&d.id)
                .execute(&mut *tx)
                .await?;
        }
        sqlx::query("DELETE FROM dashboards WHERE id = $1 AND org_id = $2")
            .bind(&d.id)
            .bind(&d.org_id)
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Some(&d.org_id),
            "dashboard.deleted",
            ("dashboard", Some(&d.id)),
            serde_json::json!({ "name": d.name }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The cached results of the current version for one filter choice.
    pub async fn widget_results(
        &self,
        d: &Dashboard,
        filter_key: &str,
    ) -> Result<Vec<WidgetResult>> {
        let rows = sqlx::query("SELECT widget_id, computed_at, data FROM dashboard_results WHERE dashboard_id = $1 AND version = $2 AND filter_key = $3")
            .bind(&d.id)
            .bind(d.version)
            .bind(filter_key)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let data: String = r.try_get("data")?;
                Ok(WidgetResult {
                    widget_id: r.try_get("widget_id")?,
                    computed_at: r.try_get("computed_at")?,
                    data: serde_json::from_str(&data)
                        .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                })
            })
            .collect()
    }

    /// Caches a widget's result (replacing the previous one for the same choice).
    pub async fn save_widget_result(
        &self,
        d: &Dashboard,
        filter_key: &str,
        widget_id: &str,
        data: &serde_json::Value,
    ) -> Result<String> {
        let at = now();
        sqlx::query("INSERT INTO dashboard_results (dashboard_id, version, filter_key, widget_id, computed_at, data) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (dashboard_id, version, filter_key, widget_id) DO UPDATE SET computed_at = excluded.computed_at, data = excluded.data")
            .bind(&d.id)
            .bind(d.version)
            .bind(filter_key)
            .bind(widget_id)
            .bind(&at)
            .bind(data.to_string())
            .execute(self.pool())
            .await?;
        Ok(at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;
    use koers_core::OrganisationDraft;
    use koers_core::dashboards::{Widget, WidgetKind};

    fn text_widget(title: &str) -> Widget {
        Widget {
            text: "Toelichting".into(),
            wide: true,
            ..Widget::new(WidgetKind::Text, title)
        }
    }

    async fn saves_add_versions_and_stale_saves_conflict(s: Store) {
        let org = s
            .create_organisation(
                &OrganisationDraft::parse("Utrecht", "province", "PV26", "").unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let mut def = Definition::default();
        def.widgets.push(text_widget("Inleiding"));
        def.assign_ids();
        let save = DashboardSave {
            name: "Logistiek",
            description: "",
            definition: &def,
            note: "",
        };
        let d = s
            .create_dashboard(&org.id, "u1", &save, &Actor::cli())
            .await
            .unwrap();
        assert_eq!((d.version, d.visibility), (1, Visibility::Private));
        let mut def2 = def.clone();
        def2.widgets.push(text_widget("Tweede"));
        def2.assign_ids();
        let d2 = s
            .save_dashboard(
                &d,
                1,
                &DashboardSave {
                    definition: &def2,
                    note: "tweede tekst",
                    ..save
                },
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(d2.version, 2);
        assert_eq!(d2.definition.widgets.len(), 2);
        // A save made from version 1 after version 2 exists loses nothing: it is refused.
        let stale = s.save_dashboard(&d, 1, &save, &Actor::cli()).await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))));
        let versions = s.dashboard_versions(&d2).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(s.dashboard_version(&d2, 1).await.unwrap().definition, def);

        // Results are cached per version and filter choice.
        let data = serde_json::json!({"rows": [[1]]});
        s.save_widget_result(&d2, "jaar=2024", "w1", &data)
            .await
            .unwrap();
        s.save_widget_result(&d2, "jaar=2024", "w1", &data)
            .await
            .unwrap();
        assert_eq!(s.widget_results(&d2, "jaar=2024").await.unwrap().len(), 1);
        assert!(s.widget_results(&d2, "jaar=2023").await.unwrap().is_empty());

        // Public only while public, by its secret.
        let shared = s
            .share_dashboard(
                &d2,
                Visibility::Public,
                &[Role::BoardMember],
                Some("geheim"),
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(shared.shared_roles, vec![Role::BoardMember]);
        assert_eq!(s.public_dashboard("geheim").await.unwrap().id, d.id);
        s.share_dashboard(&shared, Visibility::Roles, &[], None, &Actor::cli())
            .await
            .unwrap();
        assert!(matches!(
            s.public_dashboard("geheim").await,
            Err(StoreError::NotFound)
        ));

        s.delete_dashboard(&d2, &Actor::cli()).await.unwrap();
        assert!(matches!(
            s.dashboard(&org.id, &d.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.dashboards(&org.id).await.unwrap().is_empty());
    }

    on_both_backends!(saves_add_versions_and_stale_saves_conflict);
}
