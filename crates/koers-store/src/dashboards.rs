//! Dashboards (M3): the current definition with who may see it, every saved version (a
//! save never overwrites: it adds a version, and only on top of the version it was made
//! from), and the widgets' results cached per version and filter choice.

use crate::audit::Actor;
use crate::sql::{self, FromRow, columns, from_row, json, opt_json, to_json};
use crate::{Result, StoreError, new_id, now, stamp};
use koers_core::Role;
use koers_core::dashboards::{Definition, Visibility};
use serde::{Deserialize, Serialize};
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
    /// What it was made of, when it depends on that alone (see [`Basis`]).
    pub basis: Option<Basis>,
}

/// What a result was made of, when nothing else decides it (no clock, no chance): its query —
/// a digest of the SQL with the values bound — and the dataset version each table it read
/// had. While the query and those versions are the same, so is the result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Basis {
    pub query: String,
    pub versions: std::collections::BTreeMap<String, String>,
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

/// How many days a deleted dashboard can still be restored.
pub const BIN_DAYS: i64 = 30;

const COLUMNS: &str = "id, org_id, name, description, owner_id, visibility, shared_roles, public_token, version, definition, created_at, updated_at";

fn definition(raw: &str) -> Result<Definition> {
    serde_json::from_str(raw).map_err(|e| StoreError::Corrupt(format!("dashboard: {e}")))
}

impl FromRow for Dashboard {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let vis: String = r.try_get("visibility")?;
        let roles: String = r.try_get("shared_roles")?;
        Ok(
            columns!(r => Dashboard { id, org_id, name, description, owner_id, public_token, version, created_at, updated_at;
                visibility: Visibility::parse(&vis)
                .ok_or_else(|| StoreError::Corrupt(format!("zichtbaarheid {vis}")))?,
                shared_roles: roles
                .split(',')
                .filter(|s| !s.is_empty())
                .filter_map(|s| Role::parse(s).ok())
                .collect(),
                definition: definition(&r.try_get::<String, _>("definition")?)?,
            }),
        )
    }
}

from_row!(r => DashboardVersion { version, name, description, note, saved_by, saved_at;
    definition: definition(&r.try_get::<String, _>("definition")?)?,
});

async fn insert_version(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    version: i64,
    s: &DashboardSave<'_>,
    actor: &Actor,
    at: &str,
) -> Result<()> {
    sql::exec(&mut *conn, "INSERT INTO dashboard_versions (dashboard_id, version, name, description, definition, note, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (id, version, s.name, s.description, to_json(s.definition)?, s.note, &actor.label, at)).await?;
    Ok(())
}

from_row!(r => WidgetResult { widget_id, computed_at;
    data: json(r, "data")?,
    basis: opt_json(r, "basis")?,
});

crate::repository!(
    /// Dashboards, their versions, sharing and cached widget results.
    dashboards
);

impl Repo<'_> {
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
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("INSERT INTO dashboards ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, 'private', '', NULL, 1, $6, $7, $7)"), (&id, org_id, s.name, s.description, owner_id, to_json(s.definition)?, &at)).await?;
        insert_version(w.conn(), &id, 1, s, actor, &at).await?;
        w.commit(
            "dashboard.created",
            ("dashboard", &id),
            serde_json::json!({ "name": s.name }),
        )
        .await?;
        self.dashboard(org_id, &id).await
    }

    /// The organisation's dashboards, by name.
    pub async fn dashboards(&self, org_id: &str) -> Result<Vec<Dashboard>> {
        self.all(
            &format!("SELECT {COLUMNS} FROM dashboards WHERE org_id = $1 AND deleted_at IS NULL ORDER BY name, id"),
            (org_id,),
        )
        .await
    }

    pub async fn dashboard(&self, org_id: &str, id: &str) -> Result<Dashboard> {
        self.one(
            &format!("SELECT {COLUMNS} FROM dashboards WHERE org_id = $1 AND id = $2 AND deleted_at IS NULL"),
            (org_id, id),
        )
        .await
    }

    /// The public dashboard with this link secret (only while it is public).
    pub async fn public_dashboard(&self, token: &str) -> Result<Dashboard> {
        self.one(
            &format!(
                "SELECT {COLUMNS} FROM dashboards WHERE public_token = $1 AND visibility = 'public' AND deleted_at IS NULL"
            ),
            (token,),
        )
        .await
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
        let mut w = self.write(actor, Some(&d.org_id)).await?;
        let done = w.exec("UPDATE dashboards SET name = $1, description = $2, definition = $3, version = $4, updated_at = $5 WHERE id = $6 AND org_id = $7 AND version = $8 AND deleted_at IS NULL", (s.name, s.description, to_json(s.definition)?, next, &at, &d.id, &d.org_id, base_version)).await?;
        if done != 1 {
            return Err(stale());
        }
        insert_version(w.conn(), &d.id, next, s, actor, &at).await?;
        let detail = serde_json::json!({ "version": next, "note": s.note });
        w.commit("dashboard.saved", ("dashboard", &d.id), detail)
            .await?;
        self.dashboard(&d.org_id, &d.id).await
    }

    /// Every saved version, newest first.
    pub async fn dashboard_versions(&self, d: &Dashboard) -> Result<Vec<DashboardVersion>> {
        self.all(&format!("SELECT {V_COLUMNS} FROM dashboard_versions WHERE dashboard_id = $1 ORDER BY version DESC"), (&d.id,)).await
    }

    pub async fn dashboard_version(&self, d: &Dashboard, version: i64) -> Result<DashboardVersion> {
        self.one(&format!(
            "SELECT {V_COLUMNS} FROM dashboard_versions WHERE dashboard_id = $1 AND version = $2"
        ), (&d.id, version)).await
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
        let mut w = self.write(actor, Some(&d.org_id)).await?;
        w.exec("UPDATE dashboards SET visibility = $1, shared_roles = $2, public_token = $3, updated_at = $4 WHERE id = $5 AND org_id = $6", (visibility.as_str(), roles_text.join(","), token, now(), &d.id, &d.org_id)).await?;
        let detail = serde_json::json!({ "visibility": visibility.as_str(), "roles": roles_text, "newLink": token.is_some() && token != d.public_token.as_deref() });
        w.commit("dashboard.shared", ("dashboard", &d.id), detail)
            .await?;
        self.dashboard(&d.org_id, &d.id).await
    }

    /// Removes a dashboard with its versions and cached results.
    /// Deletes a dashboard: it leaves every list and link at once (its public link too), and
    /// is kept with its versions for [`BIN_DAYS`] days, so [`Repo::restore_dashboard`] can undo
    /// it; its cached results go now.
    pub async fn delete_dashboard(&self, d: &Dashboard, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(&d.org_id)).await?;
        w.exec(
            "DELETE FROM dashboard_results WHERE dashboard_id = $1",
            (&d.id,),
        )
        .await?;
        w.exec(
            "UPDATE dashboards SET deleted_at = $1 WHERE id = $2 AND org_id = $3 AND deleted_at IS NULL",
            (now(), &d.id, &d.org_id),
        )
        .await?;
        w.commit(
            "dashboard.deleted",
            ("dashboard", &d.id),
            serde_json::json!({ "name": d.name }),
        )
        .await?;
        Ok(())
    }

    /// A deleted dashboard of the organisation that can still be restored.
    pub async fn deleted_dashboard(&self, org_id: &str, id: &str) -> Result<Dashboard> {
        self.one(
            &format!("SELECT {COLUMNS} FROM dashboards WHERE org_id = $1 AND id = $2 AND deleted_at IS NOT NULL"),
            (org_id, id),
        )
        .await
    }

    /// Undoes a deletion: the dashboard is back as it was (sharing included).
    pub async fn restore_dashboard(&self, d: &Dashboard, actor: &Actor) -> Result<Dashboard> {
        let mut w = self.write(actor, Some(&d.org_id)).await?;
        let done = w
            .exec(
                "UPDATE dashboards SET deleted_at = NULL WHERE id = $1 AND org_id = $2 AND deleted_at IS NOT NULL",
                (&d.id, &d.org_id),
            )
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        w.commit(
            "dashboard.restored",
            ("dashboard", &d.id),
            serde_json::json!({ "name": d.name }),
        )
        .await?;
        self.dashboard(&d.org_id, &d.id).await
    }

    /// Removes for good the dashboards deleted before `before`, with their versions and
    /// schedules; returns how many.
    pub async fn purge_deleted_dashboards(
        &self,
        before: chrono::DateTime<chrono::Utc>,
        actor: &Actor,
    ) -> Result<usize> {
        let old: Vec<Dashboard> = self
            .all(
                &format!("SELECT {COLUMNS} FROM dashboards WHERE deleted_at IS NOT NULL AND deleted_at < $1"),
                (stamp(before),),
            )
            .await?;
        for d in &old {
            let mut w = self.write(actor, Some(&d.org_id)).await?;
            for table in [
                "dashboard_results",
                "dashboard_versions",
                "dashboard_schedules",
            ] {
                w.exec(
                    &format!("DELETE FROM {table} WHERE dashboard_id = $1"),
                    (&d.id,),
                )
                .await?;
            }
            w.exec("DELETE FROM dashboards WHERE id = $1", (&d.id,))
                .await?;
            w.commit(
                "dashboard.purged",
                ("dashboard", &d.id),
                serde_json::json!({ "name": d.name }),
            )
            .await?;
        }
        Ok(old.len())
    }

    /// The cached results of the current version for one filter choice.
    pub async fn widget_results(
        &self,
        d: &Dashboard,
        filter_key: &str,
    ) -> Result<Vec<WidgetResult>> {
        self.all("SELECT widget_id, computed_at, data, basis FROM dashboard_results WHERE dashboard_id = $1 AND version = $2 AND filter_key = $3", (&d.id, d.version, filter_key)).await
    }

    /// Caches a widget's result (replacing the previous one for the same choice), with what
    /// it was made of when it depends on that alone.
    pub async fn save_widget_result(
        &self,
        d: &Dashboard,
        filter_key: &str,
        widget_id: &str,
        (data, basis): (&serde_json::Value, Option<&Basis>),
    ) -> Result<String> {
        let at = now();
        let basis = basis.map(to_json).transpose()?;
        self.exec("INSERT INTO dashboard_results (dashboard_id, version, filter_key, widget_id, computed_at, data, basis) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dashboard_id, version, filter_key, widget_id) DO UPDATE SET computed_at = excluded.computed_at, data = excluded.data, basis = excluded.basis", (&d.id, d.version, filter_key, widget_id, &at, data.to_string(), basis)).await?;
        Ok(at)
    }

    /// Marks a cached result as computed now: a refresh found it made of what is current.
    pub async fn confirm_widget_result(
        &self,
        d: &Dashboard,
        filter_key: &str,
        widget_id: &str,
    ) -> Result<String> {
        let at = now();
        self.exec("UPDATE dashboard_results SET computed_at = $1 WHERE dashboard_id = $2 AND version = $3 AND filter_key = $4 AND widget_id = $5", (&at, &d.id, d.version, filter_key, widget_id)).await?;
        Ok(at)
    }

    /// Forgets what the cached results of `org_id`'s dashboards were made of, so that the next
    /// refresh computes every widget (a full refresh, as the benchmark compares against);
    /// returns how many results it touched.
    pub async fn forget_bases(&self, org_id: &str) -> Result<u64> {
        self.exec("UPDATE dashboard_results SET basis = NULL WHERE basis IS NOT NULL AND dashboard_id IN (SELECT id FROM dashboards WHERE org_id = $1)", (org_id,)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    use koers_core::dashboards::{Widget, WidgetKind};

    fn text_widget(title: &str) -> Widget {
        Widget {
            text: "Toelichting".into(),
            wide: true,
            ..Widget::new(WidgetKind::Text, title)
        }
    }

    async fn saves_add_versions_and_stale_saves_conflict(s: Store) {
        let org = crate::testing::organisation(&s, "Utrecht", "province", "PV26").await;
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
            .dashboards()
            .create_dashboard(&org.id, "u1", &save, &Actor::cli())
            .await
            .unwrap();
        assert_eq!((d.version, d.visibility), (1, Visibility::Private));
        let mut def2 = def.clone();
        def2.widgets.push(text_widget("Tweede"));
        def2.assign_ids();
        let d2 = s
            .dashboards()
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
        let stale = s
            .dashboards()
            .save_dashboard(&d, 1, &save, &Actor::cli())
            .await;
        assert!(matches!(stale, Err(StoreError::Conflict(_))));
        let versions = s.dashboards().dashboard_versions(&d2).await.unwrap();
        assert_eq!(
            versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            vec![2, 1]
        );
        assert_eq!(
            s.dashboards()
                .dashboard_version(&d2, 1)
                .await
                .unwrap()
                .definition,
            def
        );

        // Results are cached per version and filter choice.
        let data = serde_json::json!({"rows": [[1]]});
        let basis = Basis {
            query: "q".into(),
            versions: [("t".to_string(), "v1".to_string())].into(),
        };
        s.dashboards()
            .save_widget_result(&d2, "jaar=2024", "w1", (&data, None))
            .await
            .unwrap();
        let first = s
            .dashboards()
            .save_widget_result(&d2, "jaar=2024", "w1", (&data, Some(&basis)))
            .await
            .unwrap();
        let kept = s
            .dashboards()
            .widget_results(&d2, "jaar=2024")
            .await
            .unwrap();
        assert_eq!(kept.len(), 1);
        assert_eq!(kept[0].basis.as_ref(), Some(&basis));
        // Confirmed as current: a newer time, the same result and basis.
        let confirmed = s
            .dashboards()
            .confirm_widget_result(&d2, "jaar=2024", "w1")
            .await
            .unwrap();
        assert!(confirmed >= first);
        let kept = s
            .dashboards()
            .widget_results(&d2, "jaar=2024")
            .await
            .unwrap();
        assert_eq!(kept[0].computed_at, confirmed);
        assert_eq!(kept[0].basis.as_ref(), Some(&basis));
        // Forgotten for this organisation only.
        assert_eq!(s.dashboards().forget_bases("another").await.unwrap(), 0);
        assert_eq!(s.dashboards().forget_bases(&org.id).await.unwrap(), 1);
        let kept = s
            .dashboards()
            .widget_results(&d2, "jaar=2024")
            .await
            .unwrap();
        assert_eq!((kept[0].basis.as_ref(), &kept[0].data), (None, &data));
        assert!(
            s.dashboards()
                .widget_results(&d2, "jaar=2023")
                .await
                .unwrap()
                .is_empty()
        );

        // Public only while public, by its secret.
        let shared = s
            .dashboards()
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
        assert_eq!(
            s.dashboards().public_dashboard("geheim").await.unwrap().id,
            d.id
        );
        s.dashboards()
            .share_dashboard(&shared, Visibility::Roles, &[], None, &Actor::cli())
            .await
            .unwrap();
        assert!(matches!(
            s.dashboards().public_dashboard("geheim").await,
            Err(StoreError::NotFound)
        ));

        s.dashboards()
            .delete_dashboard(&d2, &Actor::cli())
            .await
            .unwrap();
        assert!(matches!(
            s.dashboards().dashboard(&org.id, &d.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(s.dashboards().dashboards(&org.id).await.unwrap().is_empty());

        // A deletion can be undone: the dashboard is back with its versions and sharing.
        let gone = s
            .dashboards()
            .deleted_dashboard(&org.id, &d.id)
            .await
            .unwrap();
        let back = s
            .dashboards()
            .restore_dashboard(&gone, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(back.version, d2.version);
        assert!(matches!(
            s.dashboards().restore_dashboard(&gone, &Actor::cli()).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.dashboards().deleted_dashboard(&org.id, &d.id).await,
            Err(StoreError::NotFound)
        ));
        // Deleted again, it is removed for good only once its time in the bin is over.
        s.dashboards()
            .delete_dashboard(&back, &Actor::cli())
            .await
            .unwrap();
        let now = chrono::Utc::now();
        let purge = |before| {
            let s = s.clone();
            async move {
                s.dashboards()
                    .purge_deleted_dashboards(before, &Actor::cli())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(purge(now - chrono::Duration::days(BIN_DAYS)).await, 0);
        assert_eq!(purge(now + chrono::Duration::seconds(1)).await, 1);
        assert!(matches!(
            s.dashboards().deleted_dashboard(&org.id, &d.id).await,
            Err(StoreError::NotFound)
        ));
    }

    on_both_backends!(saves_add_versions_and_stale_saves_conflict);
}
