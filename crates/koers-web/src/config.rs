//! Typed configuration of the web application.

use crate::client::{ForwardedHeader, TrustedProxies};
use koers_app::accounts::SessionTtl;
use koers_core::oidc::ClaimMapping;
use openidconnect::ClientSecret;
use serde::Deserialize;
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
    /// The reverse proxies in front of koers; only from them is the forwarding header
    /// believed (see [`crate::client`]).
    pub trusted_proxies: TrustedProxies,
    /// The header the trusted proxies name the client in.
    pub forwarded_header: ForwardedHeader,
    /// OpenID Connect providers people may sign in with beside their password.
    pub oidc: Vec<OidcProviderConfig>,
    /// A MapLibre style drawn beneath the interactive maps instead of the offline base map
    /// (e.g. PDOK's BRT Achtergrondkaart); the content security policy then admits exactly
    /// its origin. None: nothing is fetched from outside.
    pub map_style: Option<MapStyle>,
}

/// A base map style URL from `koers.toml`, checked at start: https (or http on loopback, for
/// a tile server beside koers), with the origin the security policy admits.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(try_from = "String")]
pub struct MapStyle {
    pub url: String,
    pub origin: String,
}

impl MapStyle {
    /// Reads `map_style`; a wrong URL is refused with what is wrong.
    pub fn parse(url: &str) -> Result<MapStyle, String> {
        let u = url.trim();
        let rest = u
            .strip_prefix("https://")
            .map(|r| ("https", r))
            .or_else(|| u.strip_prefix("http://").map(|r| ("http", r)));
        let Some((scheme, rest)) = rest else {
            return Err(format!("map_style moet met https:// beginnen: {u}"));
        };
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let name = host.rsplit_once(':').map_or(host, |(h, _)| h);
        let loopback = matches!(name, "127.0.0.1" | "localhost" | "[::1]");
        let valid = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c));
        if !valid {
            return Err(format!("map_style heeft geen geldige host: {u}"));
        }
        if scheme == "http" && !loopback {
            return Err(format!(
                "map_style moet https gebruiken (http alleen op deze machine): {u}"
            ));
        }
        Ok(MapStyle {
            url: u.to_string(),
            origin: format!("{scheme}://{host}"),
        })
    }
}

impl TryFrom<String> for MapStyle {
    type Error = String;

    fn try_from(url: String) -> Result<MapStyle, String> {
        MapStyle::parse(&url)
    }
}

impl WebConfig {
    /// The scheme people reach koers over: `https` when cookies are marked `Secure` (served
    /// over TLS), else `http`.
    pub fn scheme(&self) -> &'static str {
        if self.secure_cookies { "https" } else { "http" }
    }

    /// The address people and clients reach koers at (links in documents, e-mail, embeds,
    /// OpenID Connect callbacks): `public_url` when configured, otherwise the request's `Host`
    /// (when it looks like a host name), otherwise the bind address.
    pub fn base_url(&self, headers: &axum::http::HeaderMap) -> String {
        if let Some(u) = &self.public_url {
            return u.trim_end_matches('/').to_string();
        }
        let host = headers
            .get(axum::http::header::HOST)
            .and_then(|h| h.to_str().ok())
            .filter(|h| {
                !h.is_empty()
                    && h.chars()
                        .all(|c| c.is_ascii_alphanumeric() || ".-:[]".contains(c))
            })
            .map(str::to_string)
            .unwrap_or_else(|| self.bind.to_string());
        format!("{}://{host}", self.scheme())
    }
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
            trusted_proxies: TrustedProxies::default(),
            forwarded_header: ForwardedHeader::default(),
            oidc: Vec::new(),
            map_style: None,
        }
    }
}

/// One OpenID Connect provider (`[[oidc]]` in `koers.toml`; see the README).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OidcProviderConfig {
    /// Short name in URLs (`/login/oidc/{id}`): lower-case letters, digits and `-`.
    pub id: String,
    /// The name on the button: "Inloggen met {name}".
    pub name: String,
    /// The issuer; its `/.well-known/openid-configuration` is read at every sign-in.
    pub issuer: String,
    pub client_id: String,
    #[serde(default)]
    pub client_secret: Option<ClientSecret>,
    /// The environment variable holding the client secret (instead of `client_secret`).
    #[serde(default)]
    pub client_secret_env: Option<String>,
    /// Scopes asked besides `openid` [default: email, profile].
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
    /// Link a first sign-in to the local account with the same e-mail address, when the
    /// provider says the address is verified [default: false: such a sign-in is refused].
    #[serde(default)]
    pub link_verified_email: bool,
    /// Which claims give the organisation and the roles.
    pub claims: ClaimMapping,
}

fn default_scopes() -> Vec<String> {
    vec!["email".into(), "profile".into()]
}

impl OidcProviderConfig {
    /// Checks the settings and reads the secret from `client_secret_env`.
    pub fn resolve(mut self) -> Result<Self, String> {
        let id_ok = !self.id.is_empty()
            && self.id.len() <= 40
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(format!(
                "oidc-id '{}' mag alleen kleine letters, cijfers en - bevatten",
                self.id
            ));
        }
        let fail = |what: String| format!("oidc-aanbieder '{}': {what}", self.id);
        openidconnect::IssuerUrl::new(self.issuer.clone())
            .map_err(|e| fail(format!("issuer is geen URL ({e})")))?;
        self.claims.check().map_err(fail)?;
        if let Some(var) = &self.client_secret_env {
            let secret = std::env::var(var)
                .map_err(|_| fail(format!("omgevingsvariabele {var} ontbreekt")))?;
            self.client_secret = Some(ClientSecret::new(secret));
        }
        Ok(self)
    }
}
