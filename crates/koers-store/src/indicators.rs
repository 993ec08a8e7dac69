//! Information products (M3): indicators on saved analyses, the results of each refresh
//! (the series cached as JSON), and monitors that follow indicators in a chosen order.
//!
//! Staleness: a cached result is stale when it was computed before the analysis was last
//! changed, or before the last import of a dataset the analysis' SQL names
//! ([`Store::sources_changed_at`]).

use crate::audit::Actor;
use crate::schedules::Scheduled;
use crate::sql::{self, FromRow, columns, corrupt, from_row, json};
use crate::{Result, StoreError, new_id, now};
use koers_core::indicators::{
    Direction, Every, Grain, IndicatorDraft, Light, MonitorDraft, Point, Thresholds,
};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// An indicator as stored.
#[derive(Debug, Clone, Serialize)]
pub struct Indicator {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub unit: String,
    pub analysis_id: String,
    pub period_column: String,
    pub value_column: String,
    pub region_column: Option<String>,
    pub grain: Grain,
    pub direction: Direction,
    pub target: Option<f64>,
    pub thresholds: Thresholds,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
}

/// The result of one refresh.
#[derive(Debug, Clone, Serialize)]
pub struct IndicatorResult {
    pub indicator_id: String,
    pub computed_at: String,
    pub computed_by: String,
    pub points: Vec<Point>,
    pub latest_value: Option<f64>,
    pub status: Option<Light>,
}

/// A monitor and its indicators' ids in order.
#[derive(Debug, Clone, Serialize)]
pub struct Monitor {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub indicator_ids: Vec<String>,
    /// The current version: every saved change adds one.
    pub version: i64,
    pub created_at: String,
    pub updated_at: String,
}

/// One saved version of a monitor.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorVersion {
    pub version: i64,
    pub name: String,
    pub description: String,
    pub indicator_ids: Vec<String>,
    pub note: String,
    pub saved_by: String,
    pub saved_at: String,
}

const I_COLUMNS: &str = "id, org_id, name, description, unit, analysis_id, period_column, value_column, region_column, grain, direction, target, green, amber, created_by, created_at, updated_at";

impl FromRow for Indicator {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let grain: String = r.try_get("grain")?;
        let direction: String = r.try_get("direction")?;
        Ok(Indicator {
            id: r.try_get("id")?,
            org_id: r.try_get("org_id")?,
            name: r.try_get("name")?,
            description: r.try_get("description")?,
            unit: r.try_get("unit")?,
            analysis_id: r.try_get("analysis_id")?,
            period_column: r.try_get("period_column")?,
            value_column: r.try_get("value_column")?,
            region_column: r.try_get("region_column")?,
            grain: Grain::parse(&grain).ok_or_else(|| corrupt(format!("grain {grain}")))?,
            direction: Direction::parse(&direction)
                .ok_or_else(|| corrupt(format!("direction {direction}")))?,
            target: r.try_get("target")?,
            thresholds: Thresholds {
                green: r.try_get("green")?,
                amber: r.try_get("amber")?,
            },
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }
}

from_row!(r => MonitorVersion { version, name, description, note, saved_by, saved_at;
    indicator_ids: json(r, "indicator_ids")?,
});

crate::repository!(
    /// Indicators, their cached series, and monitors with their versions.
    indicators
);

impl Repo<'_> {
    /// Defines an indicator on a saved analysis of the same organisation.
    pub async fn create_indicator(
        &self,
        org_id: &str,
        d: &IndicatorDraft,
        actor: &Actor,
    ) -> Result<Indicator> {
        self.catalog().analysis(org_id, &d.analysis_id).await?;
        let id = new_id();
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("INSERT INTO indicators ({I_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)"), (&id, org_id, &d.name, &d.description, &d.unit, &d.analysis_id, &d.period_column, &d.value_column, &d.region_column, d.grain.as_str(), d.direction.as_str(), d.target, d.thresholds.green, d.thresholds.amber, &actor.label, &at, &at)).await?;
        let detail = serde_json::json!({ "name": d.name, "analysisId": d.analysis_id });
        w.commit("indicator.created", ("indicator", &id), detail)
            .await?;
        self.indicator(org_id, &id).await
    }

    pub async fn indicators(&self, org_id: &str) -> Result<Vec<Indicator>> {
        self.all(
            &format!("SELECT {I_COLUMNS} FROM indicators WHERE org_id = $1 ORDER BY name, id"),
            (org_id,),
        )
        .await
    }

    pub async fn indicator(&self, org_id: &str, id: &str) -> Result<Indicator> {
        self.one(
            &format!("SELECT {I_COLUMNS} FROM indicators WHERE id = $1 AND org_id = $2"),
            (id, org_id),
        )
        .await
    }

    /// Caches the result of a refresh, with its audit row.
    pub async fn save_indicator_result(
        &self,
        i: &Indicator,
        points: &[Point],
        latest_value: Option<f64>,
        status: Option<Light>,
        actor: &Actor,
    ) -> Result<IndicatorResult> {
        let res = IndicatorResult {
            indicator_id: i.id.clone(),
            computed_at: now(),
            computed_by: actor.label.clone(),
            points: points.to_vec(),
            latest_value,
            status,
        };
        let mut w = self.write(actor, Some(&i.org_id)).await?;
        w.exec("INSERT INTO indicator_results (id, indicator_id, computed_at, computed_by, series, latest_value, status) VALUES ($1, $2, $3, $4, $5, $6, $7)", (new_id(), &i.id, &res.computed_at, &res.computed_by, serde_json::to_string(points).map_err(corrupt)?, latest_value, status.map(Light::as_str))).await?;
        let detail =
            serde_json::json!({ "points": points.len(), "status": status.map(Light::as_str) });
        w.commit("indicator.refreshed", ("indicator", &i.id), detail)
            .await?;
        Ok(res)
    }

    /// The newest cached result of an indicator, if it was ever computed.
    pub async fn latest_indicator_result(&self, i: &Indicator) -> Result<Option<IndicatorResult>> {
        let Some(r) = sqlx::query("SELECT computed_at, computed_by, series, latest_value, status FROM indicator_results WHERE indicator_id = $1 ORDER BY computed_at DESC, id DESC LIMIT 1")
            .bind(&i.id)
            .fetch_optional(self.pool())
            .await?
        else {
            return Ok(None);
        };
        let series: String = r.try_get("series")?;
        let status: Option<String> = r.try_get("status")?;
        Ok(Some(IndicatorResult {
            indicator_id: i.id.clone(),
            computed_at: r.try_get("computed_at")?,
            computed_by: r.try_get("computed_by")?,
            points: serde_json::from_str(&series).map_err(corrupt)?,
            latest_value: r.try_get("latest_value")?,
            status: status
                .map(|s| Light::parse(&s).ok_or_else(|| corrupt(format!("status {s}"))))
                .transpose()?,
        }))
    }

    /// When the sources of an indicator last changed: the analysis' last change, or the
    /// last import of an organisation dataset whose name the analysis' SQL mentions.
    pub async fn sources_changed_at(&self, i: &Indicator) -> Result<String> {
        self.analysis_changed_at(&i.org_id, &i.analysis_id).await
    }

    /// When a saved analysis' sources last changed: its own last change, or the last
    /// import of an organisation dataset whose name its SQL mentions.
    pub async fn analysis_changed_at(&self, org_id: &str, analysis_id: &str) -> Result<String> {
        let a = self.catalog().analysis(org_id, analysis_id).await?;
        let sql = a.sql.to_lowercase();
        let rows = sqlx::query("SELECT d.name AS name, MAX(v.created_at) AS last_at FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id WHERE d.org_id = $1 GROUP BY d.name")
            .bind(org_id)
            .fetch_all(self.pool())
            .await?;
        let mut latest = a.updated_at;
        for r in rows {
            let name: String = r.try_get("name")?;
            let at: String = r.try_get("last_at")?;
            if mentions(&sql, &name.to_lowercase()) && at > latest {
                latest = at;
            }
        }
        Ok(latest)
    }

    /// The newest version of each dataset of the organisation (or public one) whose name the
    /// SQL mentions: what a query over it reads now. Name, version number, version id.
    pub async fn versions_read_by(
        &self,
        org_id: &str,
        sql: &str,
    ) -> Result<Vec<(String, i64, String)>> {
        let sql = sql.to_lowercase();
        let rows = sqlx::query("SELECT d.name AS name, v.version AS version, v.id AS id FROM datasets d JOIN dataset_versions v ON v.dataset_id = d.id WHERE (d.org_id = $1 OR d.access_rights = 'public') AND v.version = (SELECT MAX(w.version) FROM dataset_versions w WHERE w.dataset_id = d.id) ORDER BY d.name")
            .bind(org_id)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in rows {
            let name: String = r.try_get("name")?;
            if mentions(&sql, &name.to_lowercase()) {
                out.push((name, r.try_get("version")?, r.try_get("id")?));
            }
        }
        Ok(out)
    }

    /// Sets how often an indicator refreshes by itself (see [`Store::set_schedule`]).
    pub async fn set_indicator_schedule(
        &self,
        i: &Indicator,
        every: Option<Every>,
        actor: &Actor,
    ) -> Result<Option<(Every, String)>> {
        self.schedules()
            .set_schedule(Scheduled::Indicator, &i.org_id, &i.id, every, actor)
            .await
    }

    /// An indicator's schedule and when its next refresh is due.
    pub async fn indicator_schedule(&self, i: &Indicator) -> Result<Option<(Every, String)>> {
        self.schedules().schedule(Scheduled::Indicator, &i.id).await
    }

    /// Claims the indicators (of every organisation) whose refresh is due at `now`, each by
    /// one caller only (see [`Store::claim_due`]).
    pub async fn claim_due_indicators(
        &self,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Vec<Indicator>> {
        let mut out = Vec::new();
        for (org_id, id) in self
            .schedules()
            .claim_due(Scheduled::Indicator, now)
            .await?
        {
            out.push(self.indicator(&org_id, &id).await?);
        }
        Ok(out)
    }

    pub async fn create_monitor(
        &self,
        org_id: &str,
        d: &MonitorDraft,
        actor: &Actor,
    ) -> Result<Monitor> {
        for i in &d.indicator_ids {
            self.indicator(org_id, i).await?;
        }
        let id = new_id();
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO monitors (id, org_id, name, description, version, created_at, updated_at) VALUES ($1, $2, $3, $4, 1, $5, $6)", (&id, org_id, &d.name, &d.description, &at, &at)).await?;
        write_monitor_version(w.conn(), &id, 1, d, "", actor, &at).await?;
        let detail = serde_json::json!({ "name": d.name, "indicators": d.indicator_ids });
        w.commit("monitor.created", ("monitor", &id), detail)
            .await?;
        self.monitor(org_id, &id).await
    }

    /// Saves a new version of a monitor on top of `base_version`; `Conflict` when someone
    /// saved in between (nothing is overwritten).
    pub async fn save_monitor(
        &self,
        m: &Monitor,
        base_version: i64,
        d: &MonitorDraft,
        note: &str,
        actor: &Actor,
    ) -> Result<Monitor> {
        for i in &d.indicator_ids {
            self.indicator(&m.org_id, i).await?;
        }
        let at = now();
        // A version that is not the current one is stale, the largest number included.
        let stale = || {
            StoreError::Conflict(
                "de monitor is intussen door iemand anders opgeslagen; laad hem opnieuw".into(),
            )
        };
        let next = base_version.checked_add(1).ok_or_else(stale)?;
        let mut w = self.write(actor, Some(&m.org_id)).await?;
        let done = w.exec("UPDATE monitors SET name = $1, description = $2, version = $3, updated_at = $4 WHERE id = $5 AND org_id = $6 AND version = $7", (&d.name, &d.description, next, &at, &m.id, &m.org_id, base_version)).await?;
        if done != 1 {
            return Err(stale());
        }
        w.exec(
            "DELETE FROM monitor_indicators WHERE monitor_id = $1",
            (&m.id,),
        )
        .await?;
        write_monitor_version(w.conn(), &m.id, next, d, note, actor, &at).await?;
        let detail = serde_json::json!({ "version": next, "name": d.name, "indicators": d.indicator_ids, "note": note });
        w.commit("monitor.saved", ("monitor", &m.id), detail)
            .await?;
        self.monitor(&m.org_id, &m.id).await
    }

    /// Every saved version of a monitor, newest first.
    pub async fn monitor_versions(&self, m: &Monitor) -> Result<Vec<MonitorVersion>> {
        self.all("SELECT version, name, description, indicator_ids, note, saved_by, saved_at FROM monitor_versions WHERE monitor_id = $1 ORDER BY version DESC", (&m.id,)).await
    }

    async fn monitor_from_row(&self, r: &AnyRow) -> Result<Monitor> {
        let id: String = r.try_get("id")?;
        let ids = sqlx::query("SELECT indicator_id FROM monitor_indicators WHERE monitor_id = $1 ORDER BY position, indicator_id")
            .bind(&id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|x| x.try_get::<String, _>("indicator_id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(
            columns!(r => Monitor { org_id, name, description, version, created_at, updated_at;
                id,
                indicator_ids: ids,
            }),
        )
    }

    pub async fn monitors(&self, org_id: &str) -> Result<Vec<Monitor>> {
        let rows = sqlx::query("SELECT id, org_id, name, description, version, created_at, updated_at FROM monitors WHERE org_id = $1 ORDER BY name, id")
            .bind(org_id)
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.monitor_from_row(r).await?);
        }
        Ok(out)
    }

    pub async fn monitor(&self, org_id: &str, id: &str) -> Result<Monitor> {
        let r = sqlx::query("SELECT id, org_id, name, description, version, created_at, updated_at FROM monitors WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        self.monitor_from_row(&r).await
    }
}

/// Writes a monitor's indicators in order and the version that records them.
async fn write_monitor_version(
    conn: &mut sqlx::AnyConnection,
    id: &str,
    version: i64,
    d: &MonitorDraft,
    note: &str,
    actor: &Actor,
    at: &str,
) -> Result<()> {
    for (pos, ind) in d.indicator_ids.iter().enumerate() {
        sql::exec(&mut *conn, "INSERT INTO monitor_indicators (monitor_id, indicator_id, position) VALUES ($1, $2, $3)", (id, ind, pos as i64)).await?;
    }
    sql::exec(&mut *conn, "INSERT INTO monitor_versions (monitor_id, version, name, description, indicator_ids, note, saved_by, saved_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (id, version, &d.name, &d.description, serde_json::to_string(&d.indicator_ids).map_err(corrupt)?, note, &actor.label, at)).await?;
    Ok(())
}

/// Whether `sql` names the table `name` as a whole word.
fn mentions(sql: &str, name: &str) -> bool {
    let word = |c: char| c.is_alphanumeric() || c == '_';
    sql.match_indices(name).any(|(i, _)| {
        let before = sql[..i].chars().next_back().is_none_or(|c| !word(c));
        let after = sql[i + name.len()..]
            .chars()
            .next()
            .is_none_or(|c| !word(c));
        before && after
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::catalog::AnalysisFields;
    use crate::testing::on_both_backends;

    use koers_core::indicators::IndicatorInput;

    #[test]
    fn mentions_whole_words_only() {
        assert!(mentions("select * from vracht where x", "vracht"));
        assert!(!mentions("select * from vrachten", "vracht"));
        assert!(mentions("from \"vracht\"", "vracht"));
    }

    /// An indicator draft on a new analysis of `org_id`.
    async fn draft(s: &Store, org_id: &str) -> IndicatorDraft {
        let a = s
            .catalog()
            .create_analysis(
                org_id,
                &AnalysisFields {
                    title: "Ritten".into(),
                    description: String::new(),
                    sql: "SELECT jaar, ritten FROM vracht".into(),
                    ..Default::default()
                },
                &Actor::cli(),
            )
            .await
            .unwrap();
        IndicatorDraft::parse(&IndicatorInput {
            name: "Vrachtritten".into(),
            unit: "ritten".into(),
            analysis_id: a.id.clone(),
            period_column: "jaar".into(),
            value_column: "ritten".into(),
            grain: "year".into(),
            direction: "down".into(),
            target: "90.5".into(),
            green: "100".into(),
            amber: "150".into(),
            ..Default::default()
        })
        .unwrap()
    }

    async fn indicators_results_and_monitors_stay_in_their_organisation(s: Store) {
        let org = crate::testing::organisation(&s, "Utrecht", "province", "PV26").await;
        let other = crate::testing::organisation(&s, "Gelderland", "province", "PV25").await;
        let d = draft(&s, &org.id).await;
        // Not on another organisation's analysis.
        assert!(matches!(
            s.indicators()
                .create_indicator(&other.id, &d, &Actor::cli())
                .await,
            Err(StoreError::NotFound)
        ));
        let i = s
            .indicators()
            .create_indicator(&org.id, &d, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(i.target, Some(90.5));
        assert_eq!(i.direction, Direction::Down);
        assert!(matches!(
            s.indicators().indicator(&other.id, &i.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(
            s.indicators()
                .latest_indicator_result(&i)
                .await
                .unwrap()
                .is_none()
        );
        let pts = vec![
            Point {
                period: "2024".into(),
                region: None,
                value: 120.0,
            },
            Point {
                period: "2025".into(),
                region: None,
                value: 95.0,
            },
        ];
        s.indicators()
            .save_indicator_result(&i, &pts, Some(95.0), Some(Light::Green), &Actor::cli())
            .await
            .unwrap();
        let r = s
            .indicators()
            .latest_indicator_result(&i)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.points, pts);
        assert_eq!(r.status, Some(Light::Green));
        // The analysis has not changed since: the result is fresh.
        assert!(s.indicators().sources_changed_at(&i).await.unwrap() <= r.computed_at);
        let m = s
            .indicators()
            .create_monitor(
                &org.id,
                &MonitorDraft::parse("Logistiek", "", std::slice::from_ref(&i.id)).unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(m.indicator_ids, vec![i.id.clone()]);
        assert_eq!(m.version, 1);
        // A save adds a version; one made from an old version is refused.
        let renamed = MonitorDraft::parse("Logistiek 2026", "nieuw", &[]).unwrap();
        let m2 = s
            .indicators()
            .save_monitor(&m, 1, &renamed, "zonder indicator", &Actor::cli())
            .await
            .unwrap();
        assert_eq!((m2.version, m2.indicator_ids.len()), (2, 0));
        assert!(matches!(
            s.indicators()
                .save_monitor(&m, 1, &renamed, "", &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        let versions = s.indicators().monitor_versions(&m2).await.unwrap();
        assert_eq!(versions.len(), 2);
        assert_eq!(versions[1].indicator_ids, vec![i.id.clone()]);
        assert_eq!(versions[0].note, "zonder indicator");
        assert_eq!(s.indicators().monitors(&org.id).await.unwrap().len(), 1);
        assert!(s.indicators().monitors(&other.id).await.unwrap().is_empty());
        assert!(matches!(
            s.indicators().monitor(&other.id, &m.id).await,
            Err(StoreError::NotFound)
        ));
        // A monitor cannot follow another organisation's indicator.
        assert!(matches!(
            s.indicators()
                .create_monitor(
                    &other.id,
                    &MonitorDraft::parse("Spion", "", std::slice::from_ref(&i.id)).unwrap(),
                    &Actor::cli()
                )
                .await,
            Err(StoreError::NotFound)
        ));
        let audit = s.audit().audit_events(&org.id, 50, None).await.unwrap();
        for action in [
            "indicator.created",
            "indicator.refreshed",
            "monitor.created",
        ] {
            assert!(audit.iter().any(|e| e.action == action), "{action}");
        }
    }

    async fn a_due_refresh_is_claimed_by_one_caller_only(s: Store) {
        let org = crate::testing::organisation(&s, "Utrecht", "province", "PV26").await;
        let d = draft(&s, &org.id).await;
        let i = s
            .indicators()
            .create_indicator(&org.id, &d, &Actor::cli())
            .await
            .unwrap();
        let (_, next) = s
            .indicators()
            .set_indicator_schedule(&i, Some(Every::Daily), &Actor::cli())
            .await
            .unwrap()
            .unwrap();
        let at = crate::parse_stamp(&next).unwrap();
        assert!(
            s.indicators()
                .claim_due_indicators(at - chrono::Duration::seconds(1))
                .await
                .unwrap()
                .is_empty()
        );
        // Many callers at once (each on connections of its own): one wins the refresh.
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let s = s.clone();
            tasks.push(tokio::spawn(async move {
                s.indicators().claim_due_indicators(at).await
            }));
        }
        let mut won = Vec::new();
        for t in tasks {
            won.extend(t.await.unwrap().unwrap());
        }
        assert_eq!(won.len(), 1);
        assert_eq!(won[0].id, i.id);
        let (_, moved) = s
            .indicators()
            .indicator_schedule(&i)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(moved, crate::stamp(Every::Daily.next_after(at)));
        assert!(
            s.indicators()
                .claim_due_indicators(at)
                .await
                .unwrap()
                .is_empty()
        );
    }

    on_both_backends!(
        indicators_results_and_monitors_stay_in_their_organisation,
        a_due_refresh_is_claimed_by_one_caller_only
    );
}
