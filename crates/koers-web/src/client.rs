//! Who is on the other end: the client's address, for the sign-in rate limit, the audit log
//! and the logs.
//!
//! It is the socket peer's address, unless the peer is one of the `trusted_proxies`: then
//! the chain of addresses the proxies report (`X-Forwarded-For`, or `Forwarded` of RFC 7239,
//! whichever `forwarded_header` names) is read from the right, and the first address that is
//! not itself a trusted proxy is the client. Everything left of it was written by someone
//! koers does not trust, so a client that sends its own header changes nothing. Only the one
//! configured header is read: a proxy that fills `X-Forwarded-For` passes a client's forged
//! `Forwarded` on untouched.

use crate::error::AppError;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::str::FromStr;
use tracing::Instrument;

/// The addresses of the reverse proxies in front of koers: single addresses or CIDR ranges
/// (`10.0.0.0/8`, `2001:db8::/32`). Empty by default: no forwarding header is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<(IpAddr, u8)>);

impl TrustedProxies {
    /// Whether `ip` is one of the trusted proxies.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        self.0.iter().any(|&(net, prefix)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = u32::MAX.checked_shl(32 - u32::from(prefix)).unwrap_or(0);
                u32::from(n) & mask == u32::from(a) & mask
            }
            (IpAddr::V6(n), IpAddr::V6(a)) => {
                let mask = u128::MAX.checked_shl(128 - u32::from(prefix)).unwrap_or(0);
                u128::from(n) & mask == u128::from(a) & mask
            }
            _ => false,
        })
    }

    fn parse_one(s: &str) -> Result<(IpAddr, u8), String> {
        let bad = || format!("'{s}' is geen IP-adres of CIDR-bereik (zoals 10.0.0.0/8)");
        let (addr, prefix) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr = IpAddr::from_str(addr).map_err(|_| bad())?.to_canonical();
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            Some(p) => p.parse::<u8>().ok().filter(|p| *p <= max).ok_or_else(bad)?,
            None => max,
        };
        Ok((addr, prefix))
    }
}

impl std::fmt::Display for TrustedProxies {
    /// `10.0.0.0/8, 192.0.2.7/32`, or `-` for none.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.0.is_empty() {
            return f.write_str("-");
        }
        let all: Vec<String> = self.0.iter().map(|(a, p)| format!("{a}/{p}")).collect();
        f.write_str(&all.join(", "))
    }
}

impl FromStr for TrustedProxies {
    type Err = String;

    /// A comma-separated list (`"10.0.0.1, 192.168.0.0/16"`), as an environment variable
    /// gives it.
    fn from_str(s: &str) -> Result<Self, String> {
        s.split(',')
            .map(str::trim)
            .filter(|p| !p.is_empty())
            .map(Self::parse_one)
            .collect::<Result<_, _>>()
            .map(TrustedProxies)
    }
}

impl<'de> Deserialize<'de> for TrustedProxies {
    /// A list of addresses and ranges, or one string of them separated by commas.
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            List(Vec<String>),
            Text(String),
        }
        let text = match Raw::deserialize(d)? {
            Raw::List(items) => items.join(","),
            Raw::Text(t) => t,
        };
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// Which header the trusted proxies report the client's address in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ForwardedHeader {
    /// `X-Forwarded-For: client, proxy1, …` (nginx, HAProxy, Traefik, Caddy, Apache).
    #[default]
    XForwardedFor,
    /// `Forwarded: for=client, for=proxy1, …` (RFC 7239).
    Forwarded,
}

/// The client's address for a request that came from `peer`.
pub fn client_ip(
    peer: IpAddr,
    headers: &HeaderMap,
    trusted: &TrustedProxies,
    header: ForwardedHeader,
) -> IpAddr {
    let mut client = peer.to_canonical();
    if !trusted.contains(client) {
        return client;
    }
    for hop in forwarded_chain(headers, header).iter().rev() {
        match hop {
            Some(ip) => {
                client = ip.to_canonical();
                if !trusted.contains(client) {
                    return client;
                }
            }
            // A trusted proxy reported an unknown or hidden address: the last address
            // known for certain stands for the client.
            None => return client,
        }
    }
    client
}

/// The addresses the header lists, left (the original client) to right (the last proxy
/// before the peer); `None` for an entry that is no address (`unknown`, `_hidden`).
fn forwarded_chain(headers: &HeaderMap, header: ForwardedHeader) -> Vec<Option<IpAddr>> {
    let name = match header {
        ForwardedHeader::XForwardedFor => "x-forwarded-for",
        ForwardedHeader::Forwarded => "forwarded",
    };
    let values = headers
        .get_all(name)
        .iter()
        .map(|v| v.to_str().ok())
        .collect::<Option<Vec<_>>>();
    // A header that is not text cannot be read as a chain at all.
    let Some(values) = values else {
        return vec![None];
    };
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(|element| match header {
            ForwardedHeader::XForwardedFor => node(element),
            ForwardedHeader::Forwarded => element
                .split(';')
                .filter_map(|pair| pair.split_once('='))
                .find(|(k, _)| k.trim().eq_ignore_ascii_case("for"))
                .and_then(|(_, v)| node(v)),
        })
        .collect()
}

/// An address as a forwarding header writes it: `192.0.2.1`, `192.0.2.1:4711`,
/// `2001:db8::1`, `"[2001:db8::1]:4711"`.
fn node(raw: &str) -> Option<IpAddr> {
    let s = raw.trim().trim_matches('"');
    if let Some(rest) = s.strip_prefix('[') {
        let (v6, _) = rest.split_once(']')?;
        return Ipv6Addr::from_str(v6).ok().map(IpAddr::V6);
    }
    IpAddr::from_str(s)
        .ok()
        .or_else(|| SocketAddr::from_str(s).ok().map(|a| a.ip()))
}

/// The client's address, as [`client_layer`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientIp(pub IpAddr);

/// Middleware: finds the client's address once per request, for handlers ([`ClientIp`])
/// and for every log line written while the request is handled.
pub async fn client_layer(
    State((proxies, header)): State<(TrustedProxies, ForwardedHeader)>,
    mut req: Request,
    next: Next,
) -> Response {
    // Without connection info (an application not served by [`crate::serve`]) every
    // client shares one unknown address: limits then hold for all of them together.
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |c| c.0.ip());
    let ip = client_ip(peer, req.headers(), &proxies, header);
    req.extensions_mut().insert(ClientIp(ip));
    let span = tracing::info_span!("request", client = %ip);
    next.run(req).instrument(span).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, AppError> {
        parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .ok_or_else(|| AppError::Internal("the client layer is missing".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn headers(name: &str, values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append(
                axum::http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        h
    }

    #[test]
    fn proxies_parse_as_addresses_and_ranges() {
        let t: TrustedProxies = "10.0.0.0/8, 192.0.2.7 ,2001:db8::/32".parse().unwrap();
        assert!(t.contains(ip("10.1.2.3")));
        assert!(t.contains(ip("::ffff:10.1.2.3")), "IPv4-mapped IPv6 peers");
        assert!(t.contains(ip("192.0.2.7")));
        assert!(!t.contains(ip("192.0.2.8")));
        assert!(t.contains(ip("2001:db8:1::5")));
        assert!(!t.contains(ip("2001:db9::1")));
        assert!(!t.contains(ip("11.0.0.1")));
        let all: TrustedProxies = "0.0.0.0/0".parse().unwrap();
        assert!(all.contains(ip("203.0.113.9")));
        assert!(!all.contains(ip("::1")));
        for bad in [
            "10.0.0.0/33",
            "proxy.intern",
            "10.0.0.0/",
            "::1/129",
            "10.0.0.0/x",
        ] {
            let e = bad.parse::<TrustedProxies>().unwrap_err();
            assert!(e.contains(bad) && e.contains("CIDR"), "{e}");
        }
        assert_eq!(
            "".parse::<TrustedProxies>().unwrap(),
            TrustedProxies::default()
        );
        assert_eq!(t.to_string(), "10.0.0.0/8, 192.0.2.7/32, 2001:db8::/32");
        assert_eq!(TrustedProxies::default().to_string(), "-");
    }

    #[test]
    fn proxies_deserialize_from_a_list_or_a_string() {
        #[derive(Deserialize)]
        struct C {
            p: TrustedProxies,
        }
        let list: C = toml::from_str("p = [\"10.0.0.1\", \"172.16.0.0/12\"]").unwrap();
        let text: C = toml::from_str("p = \"10.0.0.1,172.16.0.0/12\"").unwrap();
        assert_eq!(list.p, text.p);
        assert!(toml::from_str::<C>("p = [\"nope\"]").is_err());
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let h = headers("x-forwarded-for", &["198.51.100.1"]);
        let none = TrustedProxies::default();
        let peer = ip("203.0.113.5");
        assert_eq!(
            client_ip(peer, &h, &none, ForwardedHeader::XForwardedFor),
            peer
        );
        let other: TrustedProxies = "10.0.0.1".parse().unwrap();
        assert_eq!(
            client_ip(peer, &h, &other, ForwardedHeader::XForwardedFor),
            peer
        );
        let mapped = ip("::ffff:203.0.113.5");
        assert_eq!(
            client_ip(mapped, &h, &none, ForwardedHeader::XForwardedFor),
            peer
        );
    }

    #[test]
    fn behind_trusted_proxies_the_rightmost_untrusted_address_is_the_client() {
        let t: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let x = ForwardedHeader::XForwardedFor;
        let peer = ip("10.0.0.2");
        let xff = "x-forwarded-for";
        let cases: [(&str, &[&str], IpAddr); 8] = [
            // The client forged a first entry; the proxy appended the real address.
            (xff, &["6.6.6.6, 198.51.100.7"], ip("198.51.100.7")),
            // Two proxies, the header split over two lines.
            (
                xff,
                &["6.6.6.6, 198.51.100.7", "10.0.0.9"],
                ip("198.51.100.7"),
            ),
            // No header: the proxy itself.
            (xff, &[], peer),
            // Only proxies: the leftmost.
            (xff, &["10.0.0.5, 10.0.0.9"], ip("10.0.0.5")),
            // Ports and IPv6.
            (xff, &["198.51.100.7:5555"], ip("198.51.100.7")),
            (xff, &["2001:db8::7"], ip("2001:db8::7")),
            // A trusted proxy that did not know: the last known address, never a forged one.
            (xff, &["6.6.6.6, unknown"], peer),
            // The other header is not read.
            ("forwarded", &["for=6.6.6.6"], peer),
        ];
        for (name, values, client) in cases {
            let h = headers(name, values);
            assert_eq!(client_ip(peer, &h, &t, x), client, "{name}: {values:?}");
        }
    }

    #[test]
    fn the_forwarded_header_of_rfc_7239() {
        let t: TrustedProxies = "10.0.0.0/8".parse().unwrap();
        let f = ForwardedHeader::Forwarded;
        let peer = ip("10.0.0.2");
        let h = headers(
            "forwarded",
            &["for=6.6.6.6;proto=https, For=\"[2001:db8:cafe::17]:4711\";by=10.0.0.2"],
        );
        assert_eq!(client_ip(peer, &h, &t, f), ip("2001:db8:cafe::17"));
        let h = headers("forwarded", &["for=192.0.2.60;proto=http;by=203.0.113.43"]);
        assert_eq!(client_ip(peer, &h, &t, f), ip("192.0.2.60"));
        let h = headers("forwarded", &["for=6.6.6.6, for=_hidden"]);
        assert_eq!(client_ip(peer, &h, &t, f), peer);
        let h = headers("x-forwarded-for", &["198.51.100.7"]);
        assert_eq!(
            client_ip(peer, &h, &t, f),
            peer,
            "X-Forwarded-For is not read"
        );
    }
}
