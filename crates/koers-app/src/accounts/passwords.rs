//! Password hashing off the async workers.
//!
//! An argon2id hash or verification takes tens of milliseconds of CPU and 19 MiB on purpose.
//! On the async workers a burst of sign-ins would stall every other request, so each one runs
//! on a blocking thread, at most one per core at a time (a burst waits its turn instead of
//! taking 19 MiB per request).

use crate::{Error, Result};
use koers_core::secret;
use std::sync::LazyLock;
use tokio::sync::Semaphore;

/// Hashes and verifications running at once.
static RUNNING: LazyLock<Semaphore> = LazyLock::new(|| {
    Semaphore::new(
        std::thread::available_parallelism()
            .map(usize::from)
            .unwrap_or(2),
    )
});

/// Runs `work` on a blocking thread when a slot is free.
async fn off_the_workers<T: Send + 'static>(
    work: impl FnOnce() -> T + Send + 'static,
) -> Result<T> {
    let _slot = RUNNING
        .acquire()
        .await
        .map_err(|e| Error::Internal(e.to_string()))?;
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|e| Error::Internal(format!("password hashing stopped: {e}")))
}

/// [`secret::hash_password`], off the async workers.
pub async fn hash(password: &str) -> Result<String> {
    let password = password.to_owned();
    off_the_workers(move || secret::hash_password(&password))
        .await?
        .map_err(|e| Error::Internal(e.to_string()))
}

/// [`secret::verify_password`], off the async workers.
pub async fn verify(password: &str, phc: &str) -> Result<bool> {
    let (password, phc) = (password.to_owned(), phc.to_owned());
    off_the_workers(move || secret::verify_password(&password, &phc)).await
}

/// [`secret::verify_against_nothing`], off the async workers.
pub async fn verify_against_nothing(password: &str) -> Result<()> {
    let password = password.to_owned();
    off_the_workers(move || secret::verify_against_nothing(&password)).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    /// On a runtime with one thread, other tasks keep running while passwords are verified:
    /// the hashing happens elsewhere. (Inline, the thread would be busy for the whole burst
    /// and the ticker would not tick once.)
    #[tokio::test(flavor = "current_thread")]
    async fn verifying_leaves_the_async_thread_free() {
        let phc = secret::hash_password("correct horse battery").unwrap();
        let ticks = Arc::new(AtomicUsize::new(0));
        let counted = ticks.clone();
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(1)).await;
                counted.fetch_add(1, Ordering::Relaxed);
            }
        });
        tokio::task::yield_now().await;
        let before = ticks.load(Ordering::Relaxed);
        for _ in 0..4 {
            assert!(verify("correct horse battery", &phc).await.unwrap());
            assert!(!verify("wrong horse", &phc).await.unwrap());
        }
        let during = ticks.load(Ordering::Relaxed) - before;
        ticker.abort();
        assert!(
            during >= 4,
            "the thread ticked {during} times while hashing"
        );
    }
}
