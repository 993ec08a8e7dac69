//! Distributed queries on an Apache DataFusion Ballista cluster.
//!
//! With [`EngineMode::Ballista`] (`--engine ballista://HOST:PORT`) a query still passes the
//! sandbox and is planned in a koers session with the caller's tables only, but the session's
//! query planner is Ballista's: the optimised logical plan goes to the scheduler, which plans
//! it into stages for the executors, and the result streams back from them.
//!
//! The scheduler and the executors must know koers' `ST_*` functions and its R-tree spatial
//! join ([`crate::spatial::join`]), so koers runs its own (`koers ballista scheduler` /
//! `executor`) with [`cluster_state`], [`cluster_functions`] and [`KoersPhysicalCodec`]. The
//! scheduler plans the join as the embedded engine does; its build side (the polygons) is the
//! nested-loop join's single partition, which Ballista makes a stage of its own, so every task
//! of the probe side reads the whole build side and builds its tree from it — the small side
//! broadcast to every task.
//!
//! Dropping a result stream before its end (the time limit, a cancel, a row limit) cancels the
//! job on the scheduler, once the scheduler has accepted it.
//!
//! The cluster client and the scheduler's and executors' sessions live in `cluster`, built with
//! the `ballista` feature (on by default; the fuzz targets build without it).

use std::fmt;
use std::str::FromStr;

#[cfg(feature = "ballista")]
mod cluster;
#[cfg(feature = "ballista")]
mod codec;
#[cfg(feature = "ballista")]
pub(crate) use cluster::{check_reachable, execute, remote_state};
#[cfg(feature = "ballista")]
pub use cluster::{cluster_functions, cluster_state};
#[cfg(feature = "ballista")]
pub use codec::KoersPhysicalCodec;

/// What a `ballista://` engine gives in a koers built without the `ballista` feature.
#[cfg(not(feature = "ballista"))]
pub(crate) fn not_built() -> crate::error::EngineError {
    crate::error::EngineError::Query(
        "this koers was built without Ballista (the `ballista` feature)".into(),
    )
}

/// Where queries run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum EngineMode {
    /// In this process (DataFusion).
    #[default]
    Embedded,
    /// On the Ballista cluster whose scheduler listens at `host:port`.
    Ballista {
        /// The scheduler's host name or IP address.
        host: String,
        /// The scheduler's gRPC port.
        port: u16,
    },
}

impl EngineMode {
    /// The scheduler's gRPC address, for Ballista.
    pub fn scheduler_url(&self) -> Option<String> {
        match self {
            EngineMode::Embedded => None,
            EngineMode::Ballista { host, port } => Some(format!("http://{host}:{port}")),
        }
    }
}

impl fmt::Display for EngineMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EngineMode::Embedded => f.write_str("embedded"),
            EngineMode::Ballista { host, port } => write!(f, "ballista://{host}:{port}"),
        }
    }
}

impl FromStr for EngineMode {
    type Err = String;

    /// `embedded`, or `ballista://HOST:PORT` (a host name, an IPv4 address or `[IPv6]`).
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "embedded" {
            return Ok(EngineMode::Embedded);
        }
        let usage =
            "expected `embedded` or `ballista://HOST:PORT`, e.g. ballista://127.0.0.1:50050";
        let Some(rest) = s.strip_prefix("ballista://") else {
            return Err(format!("unknown engine {s:?}: {usage}"));
        };
        let Some((host, port)) = rest.rsplit_once(':') else {
            return Err(format!("{s:?} has no port: {usage}"));
        };
        let port: u16 = port
            .parse()
            .ok()
            .filter(|p| *p > 0)
            .ok_or_else(|| format!("{s:?} has no valid port (1–65535): {usage}"))?;
        let bare = host
            .strip_prefix('[')
            .and_then(|h| h.strip_suffix(']'))
            .filter(|h| h.parse::<std::net::Ipv6Addr>().is_ok());
        let valid = bare.is_some()
            || (!host.is_empty()
                && host
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-'));
        if !valid {
            return Err(format!("{s:?} has no valid host: {usage}"));
        }
        Ok(EngineMode::Ballista {
            host: host.to_string(),
            port,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_engine_urls() {
        assert_eq!("embedded".parse(), Ok(EngineMode::Embedded));
        let m: EngineMode = "ballista://127.0.0.1:50050".parse().expect("valid");
        assert_eq!(m.scheduler_url().as_deref(), Some("http://127.0.0.1:50050"));
        assert_eq!(m.to_string(), "ballista://127.0.0.1:50050");
        assert!("ballista://[::1]:1".parse::<EngineMode>().is_ok());
        for bad in [
            "",
            "ballista",
            "ballista://",
            "ballista://host",
            "ballista://host:0",
            "ballista://host:70000",
            "ballista://:50050",
            "ballista://ho st:50050",
            "ballista://host/x:50050",
            "df://host:50050",
            "http://host:50050",
        ] {
            assert!(bad.parse::<EngineMode>().is_err(), "{bad} accepted");
        }
    }
}
