//! Fetching a dataset from an http(s) URL, safely: only http and https, never an address in
//! a loopback, private or link-local network (unless the host is allow-listed), checked
//! again on every redirect, and a size limit, streamed to disk.

use crate::{Error, Result};
use futures::StreamExt;
use koers_engine::{Progress, Unit};
use std::net::{IpAddr, SocketAddr};
use std::path::Path;
use tokio::io::AsyncWriteExt;

/// What may be fetched.
#[derive(Debug, Clone)]
pub struct FetchPolicy {
    pub max_bytes: u64,
    /// Host names that may resolve to internal addresses (e.g. an internal data portal).
    pub allow_hosts: Vec<String>,
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            max_bytes: 2 * 1024 * 1024 * 1024,
            allow_hosts: Vec::new(),
        }
    }
}

/// Whether an address is on the public internet (not loopback, private, link-local, …).
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1])) // carrier-grade NAT
                || (o[0] == 198 && (o[1] == 18 || o[1] == 19)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let seg0 = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (seg0 & 0xfe00) == 0xfc00 // unique local
                || (seg0 & 0xffc0) == 0xfe80) // link local
        }
    }
}

/// The URL's host and the address to connect to, after the policy's checks.
pub async fn check_url(raw: &str, policy: &FetchPolicy) -> Result<(url::Url, SocketAddr)> {
    let url = url::Url::parse(raw).map_err(|e| Error::Fetch(format!("ongeldige URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Fetch(format!(
            "alleen http- en https-URL's kunnen worden opgehaald, niet {}:",
            url.scheme()
        )));
    }
    let host = url
        .host_str()
        .ok_or_else(|| Error::Fetch("de URL heeft geen host".into()))?
        .to_string();
    let port = url.port_or_known_default().unwrap_or(443);
    let host_for_lookup = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .to_string();
    let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host_for_lookup.as_str(), port))
        .await
        .map_err(|e| Error::Fetch(format!("host {host} onbekend: {e}")))?
        .collect();
    let allowed = policy
        .allow_hosts
        .iter()
        .any(|h| h.eq_ignore_ascii_case(&host));
    let Some(addr) = addrs.first().copied() else {
        return Err(Error::Fetch(format!("host {host} heeft geen adres")));
    };
    if !allowed && addrs.iter().any(|a| !is_public(a.ip())) {
        return Err(Error::Fetch(format!(
            "{host} ligt in een lokaal of privé-netwerk; koers haalt daar niets op tenzij de beheerder de host toestaat"
        )));
    }
    Ok((url, addr))
}

/// How many redirects a fetch follows.
const MAX_REDIRECTS: usize = 5;

/// How long one answer of a service (a page) may take.
const PAGE_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(300);

/// Requests `raw` (asking for `accept`, if given, within `timeout`), following up to
/// [`MAX_REDIRECTS`] redirects; every address, the first and each one redirected to, passes
/// [`check_url`] before koers connects to it.
async fn fetch_checked(
    raw: &str,
    policy: &FetchPolicy,
    accept: Option<&str>,
    timeout: std::time::Duration,
) -> Result<reqwest::Response> {
    let mut current = raw.to_string();
    for _ in 0..=MAX_REDIRECTS {
        let (url, addr) = check_url(&current, policy).await?;
        let host = url.host_str().unwrap_or_default().to_string();
        // Connect to the address that was checked, so a second DNS answer cannot point
        // elsewhere.
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .resolve(&host, addr)
            .timeout(timeout)
            .build()
            .map_err(|e| Error::Fetch(e.to_string()))?;
        let mut req = client.get(url.clone());
        if let Some(a) = accept {
            req = req.header(reqwest::header::ACCEPT, a);
        }
        let resp = req
            .send()
            .await
            .map_err(|e| Error::Fetch(format!("ophalen mislukt: {e}")))?;
        if !resp.status().is_redirection() {
            return Ok(resp);
        }
        let to = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| Error::Fetch("de server verwijst door zonder adres".into()))?;
        current = url
            .join(to)
            .map_err(|e| Error::Fetch(format!("ongeldige doorverwijzing {to}: {e}")))?
            .to_string();
    }
    Err(Error::Fetch(format!(
        "meer dan {MAX_REDIRECTS} doorverwijzingen; geef het uiteindelijke adres zelf op"
    )))
}

/// Downloads `raw` into `dest`, reporting bytes to `progress`.
pub async fn download(
    raw: &str,
    dest: &Path,
    policy: &FetchPolicy,
    progress: &(dyn Progress + Send + Sync),
) -> Result<()> {
    let resp = fetch_checked(raw, policy, None, std::time::Duration::from_secs(3600)).await?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Error::Fetch(format!("de server antwoordde {status}")));
    }
    if let Some(len) = resp.content_length() {
        if len > policy.max_bytes {
            return Err(Error::Fetch(format!(
                "het bestand is {len} bytes; de grens is {} bytes",
                policy.max_bytes
            )));
        }
        progress.set_total(len, Unit::Bytes);
    }
    let mut file = tokio::fs::File::create(dest).await?;
    let mut seen = 0u64;
    let mut body = resp.bytes_stream();
    while let Some(chunk) = body.next().await {
        let chunk = chunk.map_err(|e| Error::Fetch(format!("ophalen afgebroken: {e}")))?;
        seen += chunk.len() as u64;
        if seen > policy.max_bytes {
            return Err(Error::Fetch(format!(
                "het bestand is groter dan de grens van {} bytes",
                policy.max_bytes
            )));
        }
        file.write_all(&chunk).await?;
        progress.advance(chunk.len() as u64);
    }
    file.flush().await?;
    Ok(())
}

/// One answer of a service (a page, a capabilities document), read into memory.
pub struct Answer {
    /// The media type the server gave, lower case, without parameters.
    pub content_type: String,
    pub body: Vec<u8>,
}

/// Requests one answer of a service, asking for `accept`, and reads it into memory: at most
/// `max` bytes, or it is refused. The same checks as [`download`] apply to the request and
/// every redirect.
pub async fn get(raw: &str, policy: &FetchPolicy, accept: &str, max: u64) -> Result<Answer> {
    let resp = fetch_checked(raw, policy, Some(accept), PAGE_TIMEOUT).await?;
    let status = resp.status();
    if !status.is_success() {
        return Err(Error::Fetch(format!(
            "de server antwoordde {status} op {raw}"
        )));
    }
    let too_big = || {
        Error::Fetch(format!(
            "het antwoord is groter dan de grens van {max} bytes"
        ))
    };
    if resp.content_length().is_some_and(|len| len > max) {
        return Err(too_big());
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let mut body = Vec::new();
    let mut stream = resp.bytes_stream();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk.map_err(|e| Error::Fetch(format!("ophalen afgebroken: {e}")))?;
        if (body.len() + chunk.len()) as u64 > max {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Answer { content_type, body })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_addresses_are_not_public() {
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "100.64.0.1",
            "::",
            "fc00::1",
            "ff02::1",
            "224.0.0.1",
            "255.255.255.255",
        ] {
            assert!(!is_public(ip.parse().unwrap()), "{ip}");
        }
        for ip in ["145.97.32.10", "2a00:1450:4001::1"] {
            assert!(is_public(ip.parse().unwrap()), "{ip}");
        }
    }

    #[tokio::test]
    async fn refuses_other_schemes_and_internal_hosts() {
        let p = FetchPolicy::default();
        for bad in [
            "file:///etc/passwd",
            "ftp://example.org/x",
            "http://127.0.0.1/x",
            "http://localhost:8080/x",
            "http://[::1]/x",
            "not a url",
        ] {
            assert!(check_url(bad, &p).await.is_err(), "{bad}");
        }
        let allow = FetchPolicy {
            allow_hosts: vec!["localhost".into()],
            ..FetchPolicy::default()
        };
        assert!(check_url("http://localhost:8080/x", &allow).await.is_ok());
    }

    /// A tiny HTTP server on loopback: `/data.csv` answers a CSV, `/to?X` redirects to `X`, `/loop` to itself
    /// (with `PORT` replaced by its own port). Returns the port.
    async fn server() -> u16 {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            while let Ok((mut sock, _)) = listener.accept().await {
                let mut buf = vec![0u8; 4096];
                let n = sock.read(&mut buf).await.unwrap_or(0);
                let req = String::from_utf8_lossy(&buf[..n]).to_string();
                let path = req.split_whitespace().nth(1).unwrap_or("/").to_string();
                let target = if path == "/loop" {
                    Some(("", "/loop"))
                } else {
                    path.split_once("/to?")
                };
                let resp = match target {
                    Some((_, to)) => format!(
                        "HTTP/1.1 302 Found\r\nLocation: {}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                        to.replace("PORT", &port.to_string())
                    ),
                    None => {
                        "HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\na\n1\n2\n"
                            .to_string()
                    }
                };
                let _ = sock.write_all(resp.as_bytes()).await;
            }
        });
        port
    }

    async fn fetch(url: &str) -> Result<String> {
        let policy = FetchPolicy {
            allow_hosts: vec!["localhost".into()],
            ..FetchPolicy::default()
        };
        let dir = tempfile::tempdir().unwrap();
        let dest = dir.path().join("x.csv");
        download(url, &dest, &policy, &koers_engine::NoProgress).await?;
        Ok(std::fs::read_to_string(dest).unwrap())
    }

    #[tokio::test]
    async fn every_redirect_is_checked_again() {
        let port = server().await;
        let base = format!("http://localhost:{port}");
        assert_eq!(
            fetch(&format!("{base}/data.csv")).await.unwrap(),
            "a\n1\n2\n"
        );
        // A redirect to an allowed host is followed.
        let ok = fetch(&format!("{base}/to?http://localhost:PORT/data.csv")).await;
        assert_eq!(ok.unwrap(), "a\n1\n2\n");
        // A redirect into a loopback address that is not allowed is refused.
        let e = fetch(&format!("{base}/to?http://127.0.0.1:PORT/data.csv"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("lokaal of privé-netwerk"), "{e}");
        for target in [
            "http://[::1]:PORT/data.csv",
            "http://169.254.169.254/latest",
        ] {
            let e = fetch(&format!("{base}/to?{target}")).await.unwrap_err();
            assert!(e.to_string().contains("privé"), "{target}: {e}");
        }
        // A redirect to another scheme is refused.
        let e = fetch(&format!("{base}/to?file:///etc/passwd"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("alleen http"), "{e}");
        // A redirect loop ends.
        let e = fetch(&format!("{base}/loop"))
            .await
            .unwrap_err()
            .to_string();
        assert!(e.contains("doorverwijzingen"), "{e}");
    }
}
