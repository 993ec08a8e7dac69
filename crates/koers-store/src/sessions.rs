//! Server-side sessions. The browser holds a random token; the store holds only its
//! SHA-256, the user, the organisation worked in, and the CSRF token of the session.

use crate::{Result, Store, StoreError, now, parse_stamp, stamp};
use chrono::{DateTime, Duration, Utc};
use koers_core::secret::{new_token, token_digest};
use sqlx::Row;

/// A live session.
#[derive(Debug, Clone)]
pub struct Session {
    pub user_id: String,
    pub org_id: String,
    pub csrf_token: String,
    pub expires_at: String,
}

/// How long a session lives without use, and at most.
#[derive(Debug, Clone, Copy)]
pub struct SessionTtl {
    pub idle: Duration,
    pub absolute: Duration,
}

impl Default for SessionTtl {
    fn default() -> Self {
        SessionTtl {
            idle: Duration::hours(2),
            absolute: Duration::hours(12),
        }
    }
}

impl Store {
    /// Starts a session; returns the token for the cookie (never stored as such).
    pub async fn create_session(
        &self,
        user_id: &str,
        org_id: &str,
        ttl: SessionTtl,
    ) -> Result<(String, Session)> {
        let token = new_token();
        let session = Session {
            user_id: user_id.into(),
            org_id: org_id.into(),
            csrf_token: new_token(),
            expires_at: stamp(Utc::now() + ttl.absolute),
        };
        let at = now();
        sqlx::query(
            "INSERT INTO sessions (token_digest, user_id, org_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(token_digest(&token))
        .bind(&session.user_id)
        .bind(&session.org_id)
        .bind(&session.csrf_token)
        .bind(&at)
        .bind(&at)
        .bind(&session.expires_at)
        .execute(self.pool())
        .await?;
        Ok((token, session))
    }

    /// The live session for a token, refreshing its idle clock; `None` when unknown,
    /// expired or idle too long (and then it is removed).
    pub async fn session(&self, token: &str, ttl: SessionTtl) -> Result<Option<Session>> {
        let digest = token_digest(token);
        let Some(r) = sqlx::query(
            "SELECT user_id, org_id, csrf_token, last_seen_at, expires_at FROM sessions WHERE token_digest = $1",
        )
        .bind(&digest)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let last_seen = parse_stamp(&r.try_get::<String, _>("last_seen_at")?)?;
        let expires_at: String = r.try_get("expires_at")?;
        let now_t = Utc::now();
        if parse_stamp(&expires_at)? <= now_t || last_seen + ttl.idle <= now_t {
            self.end_session(token).await?;
            return Ok(None);
        }
        // Refresh the idle clock at most once a minute, so reads stay reads.
        if now_t - last_seen > Duration::minutes(1) {
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE token_digest = $2")
                .bind(stamp(now_t))
                .bind(&digest)
                .execute(self.pool())
                .await?;
        }
        Ok(Some(Session {
            user_id: r.try_get("user_id")?,
            org_id: r.try_get("org_id")?,
            csrf_token: r.try_get("csrf_token")?,
            expires_at,
        }))
    }

    /// Switches the organisation a session works in.
    pub async fn switch_session_org(&self, token: &str, org_id: &str) -> Result<()> {
        let done = sqlx::query("UPDATE sessions SET org_id = $1 WHERE token_digest = $2")
            .bind(org_id)
            .bind(token_digest(token))
            .execute(self.pool())
            .await?;
        if done.rows_affected() == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        sqlx::query("DELETE FROM sessions WHERE token_digest = $1")
            .bind(token_digest(token))
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Removes every expired session; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at <= $1")
            .bind(now())
            .execute(self.pool())
            .await?;
        Ok(done.rows_affected())
    }

    /// How many sign-ins failed under `key` after `since`, and when the first of them was.
    pub async fn login_failures(
        &self,
        key: &str,
        since: DateTime<Utc>,
    ) -> Result<(u32, Option<DateTime<Utc>>)> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n, MIN(failed_at) AS first FROM login_failures WHERE key = $1 AND failed_at > $2",
        )
        .bind(key)
        .bind(stamp(since))
        .fetch_one(self.pool())
        .await?;
        let n: i64 = r.try_get("n")?;
        let first = r
            .try_get::<Option<String>, _>("first")?
            .map(|s| parse_stamp(&s))
            .transpose()?;
        Ok((u32::try_from(n).unwrap_or(u32::MAX), first))
    }

    /// Records a failed sign-in under each of `keys`, and forgets every failure from before
    /// `forget_before` (they no longer count).
    pub async fn record_login_failure(
        &self,
        keys: &[String],
        forget_before: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM login_failures WHERE failed_at <= $1")
            .bind(stamp(forget_before))
            .execute(&mut *tx)
            .await?;
        let at = now();
        for key in keys {
            sqlx::query("INSERT INTO login_failures (key, failed_at) VALUES ($1, $2)")
                .bind(key)
                .bind(&at)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the failed sign-ins under `key` (after a successful one).
    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        sqlx::query("DELETE FROM login_failures WHERE key = $1")
            .bind(key)
            .execute(self.pool())
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Actor;
    use crate::testing::on_both_backends;
    use koers_core::{OrganisationDraft, Role, UserDraft};

    async fn sessions_live_and_die(s: Store) {
        let org = s
            .create_organisation(
                &OrganisationDraft::parse("Gemeente Utrecht", "municipality", "GM0344", "")
                    .unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let u = s
            .create_user(
                &UserDraft::parse("a@b.nl", "A", "a long password").unwrap(),
                "h",
                false,
                &org.id,
                &[Role::Viewer],
                &Actor::cli(),
            )
            .await
            .unwrap();
        let ttl = SessionTtl::default();
        let (token, sess) = s.create_session(&u.id, &org.id, ttl).await.unwrap();
        let found = s.session(&token, ttl).await.unwrap().unwrap();
        assert_eq!(found.csrf_token, sess.csrf_token);
        assert!(s.session("forged", ttl).await.unwrap().is_none());
        s.end_session(&token).await.unwrap();
        assert!(s.session(&token, ttl).await.unwrap().is_none());

        let short = SessionTtl {
            idle: Duration::hours(1),
            absolute: Duration::seconds(-1),
        };
        let (token, _) = s.create_session(&u.id, &org.id, short).await.unwrap();
        assert!(s.session(&token, ttl).await.unwrap().is_none());
    }

    on_both_backends!(sessions_live_and_die);
}
