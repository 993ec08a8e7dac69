//! The append-only audit log: who changed what, when. Rows are written inside the
//! transaction of the change they describe; the database refuses updates and deletes.

use crate::sql::{self, FromRow, columns};
use crate::{Result, now};
use koers_core::audit::AuditFilter;
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};

/// Who acts: a signed-in user, or the command line acting for the data folder's owner.
#[derive(Debug, Clone)]
pub struct Actor {
    pub user_id: Option<String>,
    pub label: String,
}

impl Actor {
    pub fn user(id: &str, email: &str) -> Self {
        Actor {
            user_id: Some(id.into()),
            label: email.into(),
        }
    }

    /// A user acting through one of their personal API tokens: audited under the user, with
    /// the token named.
    pub fn user_with_token(id: &str, email: &str, token_id: &str, token_name: &str) -> Self {
        Actor {
            user_id: Some(id.into()),
            label: format!("{email} (API-token \"{token_name}\", {token_id})"),
        }
    }

    /// The command line, run by whoever owns the data folder.
    pub fn cli() -> Self {
        Actor {
            user_id: None,
            label: "koers-cli".into(),
        }
    }
}

/// One entry of the audit log.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEvent {
    pub seq: i64,
    pub at: String,
    pub org_id: Option<String>,
    pub actor_id: Option<String>,
    pub actor_label: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    pub detail: serde_json::Value,
}

/// Appends an event inside an open transaction.
pub(crate) async fn record(
    tx: &mut Transaction<'_, Any>,
    actor: &Actor,
    org_id: Option<&str>,
    action: &str,
    object: (&str, Option<&str>),
    detail: serde_json::Value,
) -> Result<()> {
    sql::exec(&mut **tx, "INSERT INTO audit_log (at, org_id, actor_id, actor_label, action, object_type, object_id, detail)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (now(), org_id, actor.user_id.as_deref(), &actor.label, action, object.0, object.1, detail.to_string())).await?;
    Ok(())
}

impl FromRow for AuditEvent {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let detail: String = r.try_get("detail")?;
        Ok(
            columns!(r => AuditEvent { seq, at, org_id, actor_id, actor_label, action, object_type, object_id;
                detail: serde_json::from_str(&detail).unwrap_or(serde_json::Value::Null),
            }),
        )
    }
}

crate::repository!(
    /// The audit log: who changed what, when, appended with every change.
    audit
);

impl Repo<'_> {
    /// The newest events of one organisation, newest first, before `before_seq` if given.
    pub async fn audit_events(
        &self,
        org_id: &str,
        limit: i64,
        before_seq: Option<i64>,
    ) -> Result<Vec<AuditEvent>> {
        self.audit_events_where(org_id, limit, before_seq, &AuditFilter::default())
            .await
    }

    /// [`Self::audit_events`] that the filter lets through: of one kind of object, one
    /// object, one person (a piece of their name, case aside).
    pub async fn audit_events_where(
        &self,
        org_id: &str,
        limit: i64,
        before_seq: Option<i64>,
        f: &AuditFilter,
    ) -> Result<Vec<AuditEvent>> {
        // The kind's codes fill the three places, the first standing in for the ones not given.
        let code = |i: usize| {
            f.object_types
                .get(i)
                .or(f.object_types.first())
                .cloned()
                .unwrap_or_default()
        };
        self.all(
            "SELECT seq, at, org_id, actor_id, actor_label, action, object_type, object_id, detail
             FROM audit_log WHERE org_id = $1 AND seq < $2
               AND ($4 = '' OR object_type IN ($4, $5, $6)) AND ($7 = '' OR object_id = $7)
               AND ($8 = '' OR LOWER(actor_label) LIKE $8 ESCAPE '\\')
             ORDER BY seq DESC LIMIT $3",
            (
                org_id,
                before_seq.unwrap_or(i64::MAX),
                limit.clamp(1, 500),
                code(0),
                code(1),
                code(2),
                f.object_id.clone().unwrap_or_default(),
                f.actor_pattern().unwrap_or_default(),
            ),
        )
        .await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    async fn the_log_is_append_only(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let events = s.audit().audit_events(&org.id, 10, None).await.unwrap();
        assert_eq!(events.len(), 1);
        assert_eq!(events[0].action, "organisation.created");
        let upd = sql::exec(s.pool(), "UPDATE audit_log SET action = 'x'", ()).await;
        assert!(upd.is_err());
        let del = sql::exec(s.pool(), "DELETE FROM audit_log", ()).await;
        assert!(del.is_err());
        assert_eq!(
            s.audit()
                .audit_events(&org.id, 10, None)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    on_both_backends!(the_log_is_append_only);

    async fn the_log_is_read_by_object_and_person(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        for (actor, object_type, object_id) in [
            ("ana_50%@pv26.example", "choice", "c1"),
            ("bert@pv26.example", "choice", "c2"),
            ("Bert Beleid", "dataset", "d1"),
        ] {
            sql::exec(
                s.pool(),
                "INSERT INTO audit_log (at, org_id, actor_label, action, object_type, object_id, detail) VALUES ($1, $2, $3, 'x.changed', $4, $5, '{}')",
                (now(), &org.id, actor, object_type, object_id),
            )
            .await
            .unwrap();
        }
        let ask = async |t: &str, id: &str, actor: &str| -> Vec<String> {
            let f = AuditFilter::parse(t, id, actor).unwrap();
            s.audit()
                .audit_events_where(&org.id, 10, None, &f)
                .await
                .unwrap()
                .into_iter()
                .map(|e| e.object_id.unwrap_or_default())
                .collect()
        };
        assert_eq!(ask("choice", "", "").await, ["c2", "c1"]);
        assert_eq!(ask("dataset,choice", "", "").await, ["d1", "c2", "c1"]);
        assert_eq!(ask("", "d1", "").await, ["d1"]);
        assert_eq!(ask("", "", "BERT").await, ["d1", "c2"]);
        // A wildcard in the question is a character, not a wildcard.
        assert_eq!(ask("", "", "_50%").await, ["c1"]);
        assert_eq!(ask("", "", "%").await, ["c1"]);
        assert!(ask("dataset", "", "ana").await.is_empty());
        assert_eq!(
            ask("", "", "").await.len(),
            4,
            "with the organisation's own event"
        );
    }

    on_both_backends!(the_log_is_read_by_object_and_person);
}
