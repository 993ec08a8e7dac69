//! Notifications: written in the same transaction as the change they tell about, read and
//! marked read by their recipient, and sent by e-mail through an outbox (the `mail_state`
//! column) when the deployment has SMTP.

use crate::audit::Actor;
use crate::sql::{self, from_row, json};
use crate::{Result, new_id, now, stamp};
use serde::Serialize;
use sqlx::{AnyConnection, Row};

/// One notification for one person in one organisation.
#[derive(Debug, Clone, Serialize)]
pub struct Notification {
    pub id: String,
    pub org_id: String,
    pub user_id: String,
    /// What happened: `question.assigned`, `question.moved`, `question.commented`,
    /// `question.attachment`, `indicator.threshold`, ….
    pub kind: String,
    /// The facts the text is made of (question title, role, statuses, …).
    pub params: serde_json::Value,
    /// Where in koers it points to (a path).
    pub link: String,
    pub created_at: String,
    pub read_at: Option<String>,
}

/// A notification waiting in the e-mail outbox, with its recipient's address.
#[derive(Debug, Clone)]
pub struct PendingMail {
    pub notification: Notification,
    pub email: String,
    pub display_name: String,
    pub tries: i64,
}

const COLUMNS: &str = "id, org_id, user_id, kind, params, link, created_at, read_at";

from_row!(r => Notification { id, org_id, user_id, kind, link, created_at, read_at;
    params: json(r, "params")?,
});

/// Writes one notification per recipient inside the caller's transaction. The actor is never
/// told about their own change.
pub(crate) async fn notify(
    conn: &mut AnyConnection,
    org_id: &str,
    recipients: &[String],
    actor: &Actor,
    kind: &str,
    params: &serde_json::Value,
    link: &str,
) -> Result<()> {
    let at = now();
    for user in recipients {
        if actor.user_id.as_deref() == Some(user.as_str()) {
            continue;
        }
        sql::exec(&mut *conn, "INSERT INTO notifications (id, org_id, user_id, kind, params, link, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)", (new_id(), org_id, user, kind, params.to_string(), link, &at)).await?;
    }
    Ok(())
}

from_row!(r => PendingMail { email, display_name;
    notification: Notification::from_row(r)?,
    tries: r.try_get("mail_tries")?,
});

crate::repository!(
    /// Notifications to people and the e-mail outbox.
    notifications
);

impl Repo<'_> {
    /// Writes notifications on their own (for events that change nothing else, such as an
    /// indicator crossing a threshold at a refresh).
    pub async fn notify(
        &self,
        org_id: &str,
        recipients: &[String],
        actor: &Actor,
        kind: &str,
        params: &serde_json::Value,
        link: &str,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        notify(&mut tx, org_id, recipients, actor, kind, params, link).await?;
        tx.commit().await?;
        Ok(())
    }

    /// A person's notifications in an organisation, newest first.
    pub async fn notifications(
        &self,
        user_id: &str,
        org_id: &str,
        limit: i64,
    ) -> Result<Vec<Notification>> {
        self.all(&format!("SELECT {COLUMNS} FROM notifications WHERE user_id = $1 AND org_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3"), (user_id, org_id, limit)).await
    }

    /// One of a person's notifications in an organisation.
    pub async fn notification(
        &self,
        user_id: &str,
        org_id: &str,
        id: &str,
    ) -> Result<Notification> {
        self.one(
            &format!(
                "SELECT {COLUMNS} FROM notifications WHERE id = $1 AND user_id = $2 AND org_id = $3"
            ),
            (id, user_id, org_id),
        )
        .await
    }

    /// How many of a person's notifications in an organisation are unread.
    pub async fn unread_notifications(&self, user_id: &str, org_id: &str) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) AS n FROM notifications WHERE user_id = $1 AND org_id = $2 AND read_at IS NULL")
            .bind(user_id)
            .bind(org_id)
            .fetch_one(self.pool())
            .await?;
        Ok(row.try_get("n")?)
    }

    /// Marks one notification (or, with `None`, all) of a person read. An id that is not
    /// theirs is [`StoreError::NotFound`].
    pub async fn mark_notifications_read(
        &self,
        user_id: &str,
        org_id: &str,
        id: Option<&str>,
    ) -> Result<u64> {
        let done = self.exec("UPDATE notifications SET read_at = $1 WHERE user_id = $2 AND org_id = $3 AND read_at IS NULL AND ($4 = '' OR id = $4)", (now(), user_id, org_id, id.unwrap_or(""))).await?;
        if let Some(id) = id
            && done == 0
        {
            // Already read, or not theirs: the latter is unknown to them.
            self.notification(user_id, org_id, id).await?;
        }
        Ok(done)
    }

    /// The e-mail outbox: notifications not yet mailed, oldest first. Notifications older
    /// than `since` are marked skipped instead (a deployment that turns SMTP on later does not
    /// flood people with old news).
    pub async fn pending_mail(
        &self,
        since: chrono::DateTime<chrono::Utc>,
        limit: i64,
    ) -> Result<Vec<PendingMail>> {
        self.exec("UPDATE notifications SET mail_state = 'skipped' WHERE mail_state = 'pending' AND created_at < $1", (stamp(since),)).await?;
        self.all("SELECT n.id, n.org_id, n.user_id, n.kind, n.params, n.link, n.created_at, n.read_at, n.mail_tries, u.email, u.display_name FROM notifications n JOIN users u ON u.id = n.user_id WHERE n.mail_state = 'pending' ORDER BY n.created_at, n.id LIMIT $1", (limit,)).await
    }

    /// Records the outcome of one attempt to mail a notification: sent, or failed (it is tried
    /// again until `max_tries`).
    pub async fn mail_attempted(&self, id: &str, sent: bool, max_tries: i64) -> Result<()> {
        self.exec("UPDATE notifications SET mail_tries = mail_tries + 1, mail_state = CASE WHEN $1 = 1 THEN 'sent' WHEN mail_tries + 1 >= $2 THEN 'failed' ELSE 'pending' END WHERE id = $3", (i64::from(sent), max_tries, id)).await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;
    use crate::{Store, StoreError};
    use koers_core::Role;

    async fn notifications_are_personal_and_marked_read(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let mut users = Vec::new();
        for email in ["a@x.example", "b@x.example"] {
            let u = crate::testing::member(&s, &org.id, email, "Iemand", &[Role::Viewer]).await;
            users.push(u.id);
        }
        let actor = Actor::user(&users[1], "b@x.example");
        let mut tx = s.pool().begin().await.unwrap();
        notify(
            &mut tx,
            &org.id,
            &users,
            &actor,
            "question.commented",
            &serde_json::json!({"question": "Q"}),
            "/datavragen/1",
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        let unread = async |user: &str| {
            s.notifications()
                .unread_notifications(user, &org.id)
                .await
                .unwrap()
        };
        // The actor is not told; the other person is.
        assert_eq!(unread(&users[1]).await, 0);
        assert_eq!(unread(&users[0]).await, 1);
        let mine = s
            .notifications()
            .notifications(&users[0], &org.id, 10)
            .await
            .unwrap();
        assert_eq!(mine[0].params["question"], "Q");
        // Someone else cannot mark it read.
        assert!(matches!(
            s.notifications()
                .mark_notifications_read(&users[1], &org.id, Some(&mine[0].id))
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(
            s.notifications()
                .mark_notifications_read(&users[0], &org.id, Some(&mine[0].id))
                .await
                .unwrap(),
            1
        );
        assert_eq!(unread(&users[0]).await, 0);

        // The outbox: pending until sent; failed after the last try.
        let pending = async || {
            s.notifications()
                .pending_mail(chrono::Utc::now() - chrono::Duration::hours(1), 10)
                .await
                .unwrap()
        };
        let first = pending().await;
        assert_eq!(first.len(), 1);
        assert_eq!(first[0].email, "a@x.example");
        let failed = async || {
            s.notifications()
                .mail_attempted(&first[0].notification.id, false, 2)
                .await
                .unwrap()
        };
        failed().await;
        assert_eq!(pending().await[0].tries, 1);
        failed().await;
        assert!(pending().await.is_empty());
    }

    on_both_backends!(notifications_are_personal_and_marked_read);
}
