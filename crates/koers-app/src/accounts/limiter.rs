//! The sign-in rate limit: failed sign-ins counted per e-mail address and per client
//! address in a sliding window. The counts live in the store, so several koers processes on
//! one database share them; the limits themselves are the web application's settings.

use crate::{Error, Result};
use koers_store::Store;
use koers_store::sessions::LoginAttempt;
use std::net::IpAddr;
use std::time::Duration;

/// How many failed sign-ins an account may have in a window (a client address four times
/// as many), and how long the window is.
#[derive(Debug, Clone, Copy)]
pub struct LoginLimiter {
    max: u32,
    window: Duration,
}

impl LoginLimiter {
    pub fn new(max: u32, window: Duration) -> Self {
        LoginLimiter { max, window }
    }

    fn email_key(email: &str) -> String {
        format!("email:{email}")
    }

    /// The keys a failure counts under, with how many failures each may have: a client
    /// address may try a few accounts (an office behind one address), an account only few
    /// passwords.
    fn keys(&self, email: &str, ip: IpAddr) -> [(String, u32); 2] {
        [
            (Self::email_key(email), self.max),
            (format!("ip:{ip}"), self.max.saturating_mul(4)),
        ]
    }

    /// Lets one sign-in attempt go ahead, or refuses ([`Error::TooManyAttempts`], with the
    /// time to wait) while either key has had too many failures in the window. The attempt
    /// counts as failed from here on, in the same step as the check, so that parallel
    /// attempts cannot pass the limit together; [`LoginLimiter::succeed`] takes it back.
    /// Returns the attempt's id.
    pub(crate) async fn attempt(&self, store: &Store, email: &str, ip: IpAddr) -> Result<String> {
        let since = chrono::Utc::now()
            - chrono::Duration::from_std(self.window)
                .unwrap_or_else(|_| chrono::Duration::days(365));
        match store
            .sessions()
            .begin_login_attempt(&self.keys(email, ip), since)
            .await?
        {
            LoginAttempt::Granted(attempt) => Ok(attempt),
            LoginAttempt::Refused { first } => {
                let passed = (chrono::Utc::now() - first).to_std().unwrap_or_default();
                let wait = self.window.saturating_sub(passed).as_secs().max(1);
                tracing::warn!(%ip, wait, "sign-in refused: too many failed attempts");
                Err(Error::TooManyAttempts {
                    retry_after: Duration::from_secs(wait),
                })
            }
        }
    }

    /// The attempt succeeded: it no longer counts, and the account's failures are forgotten
    /// (not the address's, so that one account of one's own does not reset guessing at
    /// others).
    pub(crate) async fn succeed(&self, store: &Store, email: &str, attempt: &str) -> Result<()> {
        store
            .sessions()
            .login_succeeded(attempt, &Self::email_key(email))
            .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A store of its own (kept while the folder is) and a limiter of `max` failures within
    /// `window`, tried from this machine's address.
    async fn limiter(
        max: u32,
        window: Duration,
    ) -> (tempfile::TempDir, Store, LoginLimiter, IpAddr) {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open_in(dir.path()).await.unwrap();
        let ip: IpAddr = "127.0.0.1".parse().unwrap();
        (dir, store, LoginLimiter::new(max, window), ip)
    }

    #[tokio::test]
    async fn limiter_blocks_after_max_failures_and_clears_on_success() {
        let (_dir, store, l, ip) = limiter(2, Duration::from_secs(60)).await;
        let other: IpAddr = "192.0.2.1".parse().unwrap();
        // Two attempts that fail (they are never taken back).
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        match l.attempt(&store, "a@b.nl", other).await {
            Err(Error::TooManyAttempts { retry_after }) => {
                assert!((1..=60).contains(&retry_after.as_secs()))
            }
            _ => panic!("the account is limited from any address"),
        }
        let ok = l
            .attempt(&store, "c@d.nl", ip)
            .await
            .expect("per account, not global");
        l.succeed(&store, "c@d.nl", &ok).await.unwrap();
        // Many accounts from one address: the address is limited at four times the maximum.
        for i in 0..8 {
            l.attempt(&store, &format!("u{i}@b.nl"), other)
                .await
                .unwrap();
        }
        assert!(l.attempt(&store, "new@b.nl", other).await.is_err());
        let ok = l.attempt(&store, "new@b.nl", ip).await.unwrap();
        l.succeed(&store, "new@b.nl", &ok).await.unwrap();
        // Successful sign-ins do not use up the address's allowance.
        for _ in 0..10 {
            let ok = l.attempt(&store, "c@d.nl", ip).await.unwrap();
            l.succeed(&store, "c@d.nl", &ok).await.unwrap();
        }
    }

    #[tokio::test]
    async fn failures_outside_the_window_do_not_count() {
        let (_dir, store, l, ip) = limiter(1, Duration::from_millis(200)).await;
        l.attempt(&store, "a@b.nl", ip).await.unwrap();
        assert!(l.attempt(&store, "a@b.nl", ip).await.is_err());
        tokio::time::sleep(Duration::from_millis(250)).await;
        assert!(l.attempt(&store, "a@b.nl", ip).await.is_ok());
    }
}
