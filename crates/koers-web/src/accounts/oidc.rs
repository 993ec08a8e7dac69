//! Signing in through OpenID Connect providers, the HTTP side: the Authorization Code flow
//! with PKCE, state and nonce (kept server-side, the state also in a short-lived HttpOnly
//! cookie that binds the flow to the browser that started it), the ID token checked against
//! the provider's keys (signature, issuer, audience, expiry, nonce), and where its claims
//! place the person (see `koers_core::oidc`). Finding or making the user, and linking an
//! identity to an existing account, are use cases ([`koers_app::accounts::oidc`]).

use crate::auth::presented_session;
use crate::config::OidcProviderConfig;
use crate::cookies::{cookie, set_cookie};
use crate::error::AppError;
use crate::state::AppState;
use axum::http::HeaderMap;
use chrono::Duration;
use koers_app::accounts::oidc::{self as accounts_oidc, OidcFlow, Outcome, PendingLink, Vouched};
use koers_app::accounts::{Presented, User};
use koers_core::Email;
use koers_core::oidc::{Refusal, may_link_by_email};
use koers_core::secret::{constant_time_eq, new_token};
use openidconnect::core::{
    CoreAuthDisplay, CoreAuthPrompt, CoreAuthenticationFlow, CoreErrorResponseType,
    CoreGenderClaim, CoreJsonWebKey, CoreJweContentEncryptionAlgorithm, CoreJwsSigningAlgorithm,
    CoreRevocableToken, CoreRevocationErrorResponse, CoreTokenIntrospectionResponse, CoreTokenType,
};
use openidconnect::{
    AdditionalClaims, AuthorizationCode, Client, ClientId, CsrfToken, EmptyExtraTokenFields,
    EndpointMaybeSet, EndpointNotSet, EndpointSet, IdTokenFields, IssuerUrl, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope, StandardErrorResponse, StandardTokenResponse, TokenResponse,
};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The cookie that carries the state of the sign-in in flight.
pub const STATE_COOKIE: &str = "koers_oidc_state";
/// How long a sign-in may take at the provider.
const FLOW_MINUTES: i64 = 10;
/// How long koers waits for the provider.
const PROVIDER_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The claims of an ID token beyond the standard ones (groups, organisation, …).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ExtraClaims(Map<String, Value>);

impl AdditionalClaims for ExtraClaims {}

type IdFields = IdTokenFields<
    ExtraClaims,
    EmptyExtraTokenFields,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJwsSigningAlgorithm,
>;

type OidcClient = Client<
    ExtraClaims,
    CoreAuthDisplay,
    CoreGenderClaim,
    CoreJweContentEncryptionAlgorithm,
    CoreJsonWebKey,
    CoreAuthPrompt,
    StandardErrorResponse<CoreErrorResponseType>,
    StandardTokenResponse<IdFields, CoreTokenType>,
    CoreTokenIntrospectionResponse,
    CoreRevocableToken,
    CoreRevocationErrorResponse,
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// Why a sign-in through a provider failed; each has a message on the sign-in page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The provider could not be reached or answered nonsense.
    Unavailable,
    /// The person cancelled or the provider refused at its end.
    Denied,
    /// The state is missing, unknown, expired, used, or from another browser.
    State,
    /// The tokens failed a check: signature, issuer, audience, expiry, nonce.
    Token,
    /// The token names no e-mail address.
    NoEmail,
    /// The claims name no organisation koers knows.
    NoOrganisation,
    /// None of the groups maps to a role.
    NoRole,
    /// A local account has the address and linking is not allowed.
    EmailTaken,
}

impl Failure {
    /// The i18n key of the message.
    pub fn key(self) -> &'static str {
        match self {
            Failure::Unavailable => "oidc.error_unavailable",
            Failure::Denied => "oidc.error_denied",
            Failure::State => "oidc.error_state",
            Failure::Token => "oidc.error_token",
            Failure::NoEmail => "oidc.error_no_email",
            Failure::NoOrganisation => "oidc.error_no_organisation",
            Failure::NoRole => "oidc.error_no_role",
            Failure::EmailTaken => "oidc.error_email_taken",
        }
    }

    pub fn status(self) -> axum::http::StatusCode {
        use axum::http::StatusCode;
        match self {
            Failure::Unavailable => StatusCode::BAD_GATEWAY,
            Failure::State | Failure::Token | Failure::NoEmail => StatusCode::BAD_REQUEST,
            Failure::Denied | Failure::NoOrganisation | Failure::NoRole => StatusCode::FORBIDDEN,
            Failure::EmailTaken => StatusCode::CONFLICT,
        }
    }
}

/// A sign-in that failed at the provider, or an error of koers itself.
pub enum SignInError {
    Failed(Failure),
    App(AppError),
}

impl From<Failure> for SignInError {
    fn from(f: Failure) -> Self {
        SignInError::Failed(f)
    }
}

impl From<AppError> for SignInError {
    fn from(e: AppError) -> Self {
        SignInError::App(e)
    }
}

impl From<koers_app::Error> for SignInError {
    fn from(e: koers_app::Error) -> Self {
        SignInError::App(e.into())
    }
}

/// The configured provider `id`; any other is not found.
pub fn provider<'a>(state: &'a AppState, id: &str) -> Result<&'a OidcProviderConfig, AppError> {
    state
        .cfg
        .oidc
        .iter()
        .find(|p| p.id == id)
        .ok_or(AppError::NotFound)
}

/// The address the provider sends the browser back to.
pub fn callback_path(id: &str) -> String {
    format!("/login/oidc/{id}/callback")
}

fn http_client() -> Result<reqwest::Client, Failure> {
    // No redirects: the provider's endpoints answer directly (and a redirect must not lead
    // the server elsewhere).
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .timeout(PROVIDER_TIMEOUT)
        .connect_timeout(PROVIDER_TIMEOUT)
        .build()
        .map_err(|_| Failure::Unavailable)
}

/// The provider's discovery document and keys, and a client for it.
async fn discover(
    p: &OidcProviderConfig,
    redirect: String,
    http: &reqwest::Client,
) -> Result<(OidcClient, ProviderMetadataWithLogout), Failure> {
    let issuer = IssuerUrl::new(p.issuer.clone()).map_err(|_| Failure::Unavailable)?;
    let metadata = ProviderMetadataWithLogout::discover_async(issuer, http)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.id, error = %e, "OIDC discovery failed");
            Failure::Unavailable
        })?;
    let redirect = RedirectUrl::new(redirect).map_err(|_| Failure::Unavailable)?;
    let client = OidcClient::from_provider_metadata(
        metadata.clone(),
        ClientId::new(p.client_id.clone()),
        p.client_secret.clone(),
    )
    .set_redirect_uri(redirect);
    Ok((client, metadata))
}

/// Starts a sign-in at provider `p`: keeps the flow, and returns the provider's address to
/// send the browser to and the cookie that binds the flow to this browser.
pub async fn start(
    state: &AppState,
    headers: &HeaderMap,
    p: &OidcProviderConfig,
    next: String,
) -> Result<(String, String), SignInError> {
    let http = http_client()?;
    let redirect = format!("{}{}", state.cfg.base_url(headers), callback_path(&p.id));
    let (client, _) = discover(p, redirect, &http).await?;
    let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
    let mut request = client
        .authorize_url(
            CoreAuthenticationFlow::AuthorizationCode,
            || CsrfToken::new(new_token()),
            || Nonce::new(new_token()),
        )
        .set_pkce_challenge(challenge);
    for scope in &p.scopes {
        request = request.add_scope(Scope::new(scope.clone()));
    }
    let (url, csrf, nonce) = request.url();
    let flow = OidcFlow {
        provider: p.id.clone(),
        nonce: nonce.secret().clone(),
        pkce_verifier: verifier.secret().clone(),
        next,
    };
    accounts_oidc::begin(
        &state.ws,
        csrf.secret(),
        &flow,
        Duration::minutes(FLOW_MINUTES),
    )
    .await?;
    let cookie = set_cookie(
        STATE_COOKIE,
        csrf.secret(),
        Some(FLOW_MINUTES * 60),
        state.cfg.secure_cookies,
        true,
    );
    Ok((url.to_string(), cookie))
}

/// What the provider sends back to the callback.
#[derive(Debug, Deserialize)]
pub struct Callback {
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

/// The cookie that ends the state cookie.
pub fn clear_state_cookie(state: &AppState) -> String {
    set_cookie(STATE_COOKIE, "", Some(0), state.cfg.secure_cookies, true)
}

/// Finishes a sign-in at provider `p`: checks the state against the cookie and the flow
/// kept, exchanges the code (with the PKCE verifier), checks the ID token, and signs in the
/// person it vouches for (see [`accounts_oidc::sign_in`]): a new session, or a link waiting
/// for the password of the local account that has the address.
pub async fn finish(
    state: &AppState,
    headers: &HeaderMap,
    p: &OidcProviderConfig,
    cb: Callback,
) -> Result<Finished, SignInError> {
    let returned = cb.state.unwrap_or_default();
    let bound = cookie(headers, STATE_COOKIE).unwrap_or_default();
    if returned.is_empty() || !constant_time_eq(&returned, &bound) {
        return Err(Failure::State.into());
    }
    let flow = match accounts_oidc::take_flow(&state.ws, &returned).await? {
        Some(f) if f.provider == p.id => f,
        _ => return Err(Failure::State.into()),
    };
    if cb.error.is_some() {
        return Err(Failure::Denied.into());
    }
    let code = cb.code.ok_or(Failure::Denied)?;
    let http = http_client()?;
    let redirect = format!("{}{}", state.cfg.base_url(headers), callback_path(&p.id));
    let (client, _) = discover(p, redirect, &http).await?;
    let tokens = client
        .exchange_code(AuthorizationCode::new(code))
        .map_err(|_| Failure::Unavailable)?
        .set_pkce_verifier(PkceCodeVerifier::new(flow.pkce_verifier))
        .request_async(&http)
        .await
        .map_err(|e| {
            tracing::warn!(provider = %p.id, error = %e, "OIDC code exchange failed");
            Failure::Token
        })?;
    let id_token = tokens.id_token().ok_or(Failure::Token)?;
    // Public-key signatures only: never `none`, never HMAC with the client secret.
    let verifier = client.id_token_verifier().set_allowed_algs([
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha384,
        CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha512,
        CoreJwsSigningAlgorithm::RsaSsaPssSha256,
        CoreJwsSigningAlgorithm::EcdsaP256Sha256,
    ]);
    let claims = id_token
        .claims(&verifier, &Nonce::new(flow.nonce))
        .map_err(|e| {
            tracing::warn!(provider = %p.id, error = %e, "OIDC ID token refused");
            Failure::Token
        })?;
    let email = claims
        .email()
        .and_then(|e| Email::parse(e.as_str()).ok())
        .ok_or(Failure::NoEmail)?;
    let placement = p
        .claims
        .place(&claims.additional_claims().0)
        .map_err(|r| match r {
            Refusal::NoOrganisation => Failure::NoOrganisation,
            Refusal::NoRole => Failure::NoRole,
        })?;
    let display_name = claims
        .name()
        .and_then(|n| n.get(None))
        .map(|n| n.as_str().to_string())
        .unwrap_or_else(|| email.as_str().to_string());
    let vouched = Vouched {
        provider: p.id.clone(),
        subject: claims.subject().as_str().to_string(),
        link_by_email: may_link_by_email(p.link_verified_email, claims.email_verified()),
        email,
        display_name,
        organisation: placement.organisation,
        roles: placement.roles,
        next: flow.next,
    };
    let outcome = accounts_oidc::sign_in(
        &state.ws,
        vouched,
        state.cfg.session_ttl,
        Duration::minutes(FLOW_MINUTES),
        presented_session(headers).as_deref(),
    )
    .await?;
    finished(outcome)
}

/// How a sign-in at a provider ended, for the browser.
pub enum Finished {
    /// Signed in: the new session's token, and the page to go to.
    SignedIn { token: String, next: String },
    /// A local account of the provider's organisation has the address: the link waits,
    /// under this token (for the [`LINK_COOKIE`]), until the person signs in with the
    /// account's password ([`confirm_link`]).
    ConfirmLink(String),
}

fn finished(outcome: Outcome) -> Result<Finished, SignInError> {
    match outcome {
        Outcome::SignedIn { token, next } => Ok(Finished::SignedIn { token, next }),
        Outcome::ConfirmLink(token) => Ok(Finished::ConfirmLink(token)),
        Outcome::NoOrganisation => Err(Failure::NoOrganisation.into()),
        Outcome::EmailTaken => Err(Failure::EmailTaken.into()),
        Outcome::NoLink => Err(Failure::State.into()),
    }
}

/// The cookie that carries the token of a link waiting for its password.
pub const LINK_COOKIE: &str = "koers_oidc_link";

/// The cookie that carries a waiting link's token (HttpOnly, as long as a flow may take).
pub fn link_cookie(state: &AppState, token: &str) -> String {
    set_cookie(
        LINK_COOKIE,
        token,
        Some(FLOW_MINUTES * 60),
        state.cfg.secure_cookies,
        true,
    )
}

/// The cookie that ends the link cookie.
pub fn clear_link_cookie(state: &AppState) -> String {
    set_cookie(LINK_COOKIE, "", Some(0), state.cfg.secure_cookies, true)
}

/// The link waiting for this browser, and the account it would link to; an unknown or
/// expired one is a [`Failure::State`].
pub async fn waiting_link(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<(PendingLink, User), SignInError> {
    let token = cookie(headers, LINK_COOKIE).unwrap_or_default();
    accounts_oidc::waiting_link(&state.ws, &token)
        .await?
        .ok_or(Failure::State.into())
}

/// Finishes the link waiting for this browser once the account's password is right (see
/// [`accounts_oidc::confirm_link`]: the same rate limit and messages as signing in).
/// Returns the new session's token and the page to go to.
pub async fn confirm_link(
    state: &AppState,
    headers: &HeaderMap,
    password: &str,
    ip: std::net::IpAddr,
) -> Result<(String, String), SignInError> {
    let token = cookie(headers, LINK_COOKIE).unwrap_or_default();
    let previous = presented_session(headers);
    let presented = Presented {
        email: "",
        password,
        client: ip,
        previous: previous.as_deref(),
    };
    let outcome = accounts_oidc::confirm_link(
        &state.ws,
        &state.limiter,
        state.cfg.session_ttl,
        &token,
        presented,
    )
    .await?;
    match finished(outcome)? {
        Finished::SignedIn { token, next } => Ok((token, next)),
        // A confirmed link never asks for another confirmation.
        Finished::ConfirmLink(_) => Err(Failure::State.into()),
    }
}

/// Where to send the browser to sign out at provider `p` too (RP-initiated logout), when
/// the provider offers it; it sends the browser back to the sign-in page.
pub async fn end_session_url(
    state: &AppState,
    headers: &HeaderMap,
    p: &OidcProviderConfig,
) -> Result<Option<String>, Failure> {
    let http = http_client()?;
    let base = state.cfg.base_url(headers);
    let (_, metadata) = discover(p, format!("{base}{}", callback_path(&p.id)), &http).await?;
    let Some(end) = metadata.additional_metadata().end_session_endpoint.clone() else {
        return Ok(None);
    };
    let back =
        PostLogoutRedirectUrl::new(format!("{base}/login")).map_err(|_| Failure::Unavailable)?;
    let url = openidconnect::LogoutRequest::from(end)
        .set_client_id(ClientId::new(p.client_id.clone()))
        .set_post_logout_redirect_uri(back)
        .http_get_url();
    Ok(Some(url.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{Lang, t};

    #[test]
    fn every_failure_has_a_message_in_both_languages() {
        for f in [
            Failure::Unavailable,
            Failure::Denied,
            Failure::State,
            Failure::Token,
            Failure::NoEmail,
            Failure::NoOrganisation,
            Failure::NoRole,
            Failure::EmailTaken,
        ] {
            for lang in [Lang::Nl, Lang::En] {
                assert_ne!(t(lang, f.key()), f.key(), "{f:?} in {lang:?}");
            }
            assert!(f.status().is_client_error() || f.status().is_server_error());
        }
    }
}
