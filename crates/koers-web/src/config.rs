//! Typed configuration of the web application.

use koers_store::sessions::SessionTtl;
use std::net::SocketAddr;

/// Settings the web application runs with; the binary fills them from flags, environment
/// and `koers.toml`.
#[derive(Debug, Clone)]
pub struct WebConfig {
    pub bind: SocketAddr,
    /// Mark cookies `Secure` (set when koers is served over TLS, directly or behind a proxy).
    pub secure_cookies: bool,
    /// The largest request body accepted, in bytes.
    pub max_body_bytes: usize,
    /// The largest dataset upload accepted, in bytes.
    pub max_upload_bytes: u64,
    /// The largest attachment (to a data question) accepted, in bytes.
    pub max_attachment_bytes: u64,
    /// The address people reach koers at (`https://koers.provincie.example`), for links in
    /// e-mail; without it, e-mail names the page's path only.
    pub public_url: Option<String>,
    pub session_ttl: SessionTtl,
    /// Failed sign-ins per e-mail address within the window before sign-in is refused.
    pub login_max_failures: u32,
    pub login_window: std::time::Duration,
}

impl Default for WebConfig {
    fn default() -> Self {
        WebConfig {
            bind: SocketAddr::from(([127, 0, 0, 1], 8080)),
            secure_cookies: false,
            max_body_bytes: 1024 * 1024,
            max_upload_bytes: 2 * 1024 * 1024 * 1024,
            max_attachment_bytes: 25 * 1024 * 1024,
            public_url: None,
            session_ttl: SessionTtl::default(),
            login_max_failures: 5,
            login_window: std::time::Duration::from_secs(15 * 60),
        }
    }
}
