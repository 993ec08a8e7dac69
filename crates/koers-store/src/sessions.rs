//! Server-side sessions. The browser holds a random token; the store holds only its
//! SHA-256, the user, the organisation worked in, and the CSRF token of the session.

use crate::sql::{self};
use crate::{Result, StoreError, new_id, now, parse_stamp, stamp, take_turn};
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

crate::repository!(
    /// Sessions and sign-in attempts.
    sessions
);

impl Repo<'_> {
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
        self.exec("INSERT INTO sessions (token_digest, user_id, org_id, csrf_token, created_at, last_seen_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7)", (token_digest(&token), &session.user_id, &session.org_id, &session.csrf_token, &at, &at, &session.expires_at)).await?;
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
            self.exec(
                "UPDATE sessions SET last_seen_at = $1 WHERE token_digest = $2",
                (stamp(now_t), &digest),
            )
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
        let done = self
            .exec(
                "UPDATE sessions SET org_id = $1 WHERE token_digest = $2",
                (org_id, token_digest(token)),
            )
            .await?;
        if done == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    pub async fn end_session(&self, token: &str) -> Result<()> {
        self.exec(
            "DELETE FROM sessions WHERE token_digest = $1",
            (token_digest(token),),
        )
        .await?;
        Ok(())
    }

    /// Records that the session sent the form with `key`: `false` when it had sent it
    /// already (the key stays with the session, and goes when the session ends).
    pub async fn send_form_once(&self, token: &str, key: &str) -> Result<bool> {
        let sent = self
            .exec(
                "INSERT INTO sent_forms (session_digest, form_key, sent_at) VALUES ($1, $2, $3)
                 ON CONFLICT DO NOTHING",
                (token_digest(token), key, now()),
            )
            .await?;
        Ok(sent == 1)
    }

    /// Forgets that the session of `token` sent the form with `key`.
    pub async fn form_not_sent(&self, token: &str, key: &str) -> Result<()> {
        self.exec(
            "DELETE FROM sent_forms WHERE session_digest = $1 AND form_key = $2",
            (token_digest(token), key),
        )
        .await?;
        Ok(())
    }

    /// Removes every expired session; returns how many.
    pub async fn purge_expired_sessions(&self) -> Result<u64> {
        let done = self
            .exec("DELETE FROM sessions WHERE expires_at <= $1", (now(),))
            .await?;
        Ok(done)
    }

    /// Lets one sign-in attempt go ahead when none of `limits` (a key such as `email:…` or
    /// `ip:…`, and the failures it may have) has had its maximum of failures after `since`;
    /// the attempt then counts as failed under every key at once. Checking and counting are
    /// one step (each key is taken in turn, across processes), so parallel attempts cannot
    /// pass a limit together; [`Store::login_succeeded`] takes the attempt back. Failures
    /// from before `since` are forgotten.
    pub async fn begin_login_attempt(
        &self,
        limits: &[(String, u32)],
        since: DateTime<Utc>,
    ) -> Result<LoginAttempt> {
        // Forgotten apart from the attempt, so that it touches no row another attempt
        // holds while this one waits for its turn.
        self.exec(
            "DELETE FROM login_failures WHERE failed_at <= $1",
            (stamp(since),),
        )
        .await?;
        let mut tx = self.begin().await?;
        for (key, max) in limits {
            take_turn(&mut tx, &format!("login_failures:{key}")).await?;
            let r = sqlx::query(
                "SELECT COUNT(*) AS n, MIN(failed_at) AS first FROM login_failures WHERE key = $1 AND failed_at > $2",
            )
            .bind(key)
            .bind(stamp(since))
            .fetch_one(&mut *tx)
            .await?;
            let n: i64 = r.try_get("n")?;
            if n >= i64::from(*max) {
                let first = match r.try_get::<Option<String>, _>("first")? {
                    Some(s) => parse_stamp(&s)?,
                    None => Utc::now(),
                };
                tx.rollback().await?;
                return Ok(LoginAttempt::Refused { first });
            }
        }
        let attempt = new_id();
        let at = now();
        for (key, _) in limits {
            sql::exec(
                &mut *tx,
                "INSERT INTO login_failures (key, attempt, failed_at) VALUES ($1, $2, $3)",
                (key, &attempt, &at),
            )
            .await?;
        }
        tx.commit().await?;
        Ok(LoginAttempt::Granted(attempt))
    }

    /// A sign-in attempt succeeded: it no longer counts, and the failures under
    /// `forget_key` (the account's) are forgotten.
    pub async fn login_succeeded(&self, attempt: &str, forget_key: &str) -> Result<()> {
        self.exec(
            "DELETE FROM login_failures WHERE attempt = $1 OR key = $2",
            (attempt, forget_key),
        )
        .await?;
        Ok(())
    }
}

/// Whether a sign-in attempt may go ahead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LoginAttempt {
    /// It may, and counts as failed until it succeeds; the attempt's id.
    Granted(String),
    /// A limit is reached; the oldest failure that counts was at `first`.
    Refused { first: DateTime<Utc> },
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    use crate::testing::on_both_backends;
    use koers_core::Role;

    async fn sessions_live_and_die(s: Store) {
        let org =
            crate::testing::organisation(&s, "Gemeente Utrecht", "municipality", "GM0344").await;
        let u = crate::testing::member(&s, &org.id, "a@b.nl", "A", &[Role::Viewer]).await;
        let ttl = SessionTtl::default();
        let (token, sess) = s
            .sessions()
            .create_session(&u.id, &org.id, ttl)
            .await
            .unwrap();
        let found = s.sessions().session(&token, ttl).await.unwrap().unwrap();
        assert_eq!(found.csrf_token, sess.csrf_token);
        assert!(s.sessions().session("forged", ttl).await.unwrap().is_none());
        s.sessions().end_session(&token).await.unwrap();
        assert!(s.sessions().session(&token, ttl).await.unwrap().is_none());

        let short = SessionTtl {
            idle: Duration::hours(1),
            absolute: Duration::seconds(-1),
        };
        let (token, _) = s
            .sessions()
            .create_session(&u.id, &org.id, short)
            .await
            .unwrap();
        assert!(s.sessions().session(&token, ttl).await.unwrap().is_none());

        // Expired sessions nobody comes back for are removed in one sweep; live ones stay.
        let (live, _) = s
            .sessions()
            .create_session(&u.id, &org.id, ttl)
            .await
            .unwrap();
        for _ in 0..2 {
            s.sessions()
                .create_session(&u.id, &org.id, short)
                .await
                .unwrap();
        }
        assert_eq!(s.sessions().purge_expired_sessions().await.unwrap(), 2);
        assert!(s.sessions().session(&live, ttl).await.unwrap().is_some());

        // A form goes once a session; another session may send a form with the same key,
        // and the keys go with their session.
        let (other, _) = s
            .sessions()
            .create_session(&u.id, &org.id, ttl)
            .await
            .unwrap();
        assert!(s.sessions().send_form_once(&live, "k1").await.unwrap());
        assert!(!s.sessions().send_form_once(&live, "k1").await.unwrap());
        assert!(s.sessions().send_form_once(&other, "k1").await.unwrap());
        s.sessions().form_not_sent(&other, "k1").await.unwrap();
        assert!(s.sessions().send_form_once(&other, "k1").await.unwrap());
        s.sessions().end_session(&live).await.unwrap();
        let left: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sent_forms")
            .fetch_one(s.pool())
            .await
            .unwrap();
        assert_eq!(left, 1);
    }

    on_both_backends!(sessions_live_and_die);

    async fn parallel_attempts_never_pass_the_limit(s: Store) {
        let since = || Utc::now() - Duration::minutes(15);
        let limits = vec![
            ("email:a@b.nl".to_string(), 5),
            ("ip:192.0.2.1".to_string(), 20),
        ];
        let tries = (0..30).map(|_| {
            let (s, limits) = (s.clone(), limits.clone());
            tokio::spawn(async move { s.sessions().begin_login_attempt(&limits, since()).await })
        });
        let mut granted = Vec::new();
        for t in tries {
            if let LoginAttempt::Granted(a) = t.await.unwrap().unwrap() {
                granted.push(a);
            }
        }
        assert_eq!(granted.len(), 5, "exactly the limit went ahead");
        let refused = s
            .sessions()
            .begin_login_attempt(&limits, since())
            .await
            .unwrap();
        assert!(matches!(refused, LoginAttempt::Refused { first } if first <= Utc::now()));
        // The address has five failures; another account from it may still try.
        let other = vec![
            ("email:c@d.nl".to_string(), 5),
            ("ip:192.0.2.1".to_string(), 20),
        ];
        let LoginAttempt::Granted(ok) = s
            .sessions()
            .begin_login_attempt(&other, since())
            .await
            .unwrap()
        else {
            panic!("another account is not limited");
        };
        // Success takes back its own attempt and forgets the account's failures, not the
        // address's.
        s.sessions()
            .login_succeeded(&ok, "email:c@d.nl")
            .await
            .unwrap();
        s.sessions()
            .login_succeeded(&granted[0], "email:a@b.nl")
            .await
            .unwrap();
        let address_only = vec![("ip:192.0.2.1".to_string(), 4)];
        assert!(matches!(
            s.sessions()
                .begin_login_attempt(&address_only, since())
                .await
                .unwrap(),
            LoginAttempt::Refused { .. }
        ));
        assert!(matches!(
            s.sessions()
                .begin_login_attempt(&limits, since())
                .await
                .unwrap(),
            LoginAttempt::Granted(_)
        ));
        // Failures before the window do not count, and are forgotten.
        assert!(matches!(
            s.sessions()
                .begin_login_attempt(&address_only, Utc::now())
                .await
                .unwrap(),
            LoginAttempt::Granted(_)
        ));
    }

    on_both_backends!(parallel_attempts_never_pass_the_limit);
}
