//! Signing in through an OpenID Connect provider, once the provider vouched for who
//! someone is: the sign-ins in flight, finding or making the user with the roles the
//! claims give, and linking a provider identity to an existing local account after its
//! password. Talking to the provider (discovery, the code exchange, checking the ID token)
//! and the cookies that bind a flow to a browser are the web application's part.

use super::{LoginLimiter, Presented, SessionTtl, User, sign_in as password_sign_in};
use crate::{Result, Workspace};
use chrono::Duration;
use koers_core::secret::new_token;
use koers_core::{Email, Role};
use koers_store::StoreError;
use koers_store::oidc::{OidcIdentity, OidcSignIn};

pub use koers_store::oidc::{OidcFlow, PendingLink};

/// Keeps a sign-in in flight under its `state` for `ttl`.
pub async fn begin(ws: &Workspace, state: &str, flow: &OidcFlow, ttl: Duration) -> Result<()> {
    Ok(ws.store.oidc().start_oidc_flow(state, flow, ttl).await?)
}

/// The sign-in in flight under `state`, taken (it serves once); `None` when unknown,
/// expired or used.
pub async fn take_flow(ws: &Workspace, state: &str) -> Result<Option<OidcFlow>> {
    Ok(ws.store.oidc().take_oidc_flow(state).await?)
}

/// Who a provider says signed in, and where its claims place them.
#[derive(Debug, Clone)]
pub struct Vouched {
    pub provider: String,
    /// The provider's `sub` claim: stable, unlike the e-mail address.
    pub subject: String,
    pub email: Email,
    pub display_name: String,
    /// Whether a local account with the same address may be linked (see
    /// [`koers_core::oidc::may_link_by_email`]).
    pub link_by_email: bool,
    /// The CBS code of the organisation the claims name, and the roles they give there.
    pub organisation: String,
    pub roles: Vec<Role>,
    /// The koers page to show after signing in.
    pub next: String,
}

/// How a sign-in through a provider ends.
#[derive(Debug, Clone)]
pub enum Outcome {
    /// Signed in: the new session's token, and the page to go to.
    SignedIn { token: String, next: String },
    /// A local account of the provider's organisation has the address: the link waits,
    /// under this token, until the person signs in with the account's password
    /// ([`confirm_link`]).
    ConfirmLink(String),
    /// The claims name no organisation koers knows.
    NoOrganisation,
    /// A local account has the address and may not be linked.
    EmailTaken,
    /// No link waits under the token presented (unknown, expired or used).
    NoLink,
}

/// Signs in the person a provider vouched for: the user linked to the identity, or a new
/// user, with the roles the claims give, in a fresh session (the one presented before,
/// `previous`, ends) — or, when a local account of the provider's organisation has the
/// address and the provider may link by address, a link that waits `link_ttl` for that
/// account's password.
pub async fn sign_in(
    ws: &Workspace,
    v: Vouched,
    ttl: SessionTtl,
    link_ttl: Duration,
    previous: Option<&str>,
) -> Result<Outcome> {
    let org = match ws
        .store
        .organisations()
        .organisation_by_cbs(&v.organisation)
        .await
    {
        Ok(org) => org,
        Err(StoreError::NotFound) => return Ok(Outcome::NoOrganisation),
        Err(e) => return Err(e.into()),
    };
    let who = OidcIdentity {
        provider: &v.provider,
        subject: &v.subject,
        email: &v.email,
        display_name: &v.display_name,
        link_by_email: v.link_by_email,
    };
    match ws.store.oidc().oidc_sign_in(&who, &org.id, &v.roles).await {
        Ok(OidcSignIn::User(user)) => {
            let (token, _) = super::start_session(ws, ttl, &user.id, &org.id, previous).await?;
            Ok(Outcome::SignedIn {
                token,
                next: v.next,
            })
        }
        Ok(OidcSignIn::ConfirmLink(user)) => {
            let token = new_token();
            let pending = PendingLink {
                provider: v.provider,
                subject: v.subject,
                user_id: user.id,
                org_id: org.id,
                roles: v.roles,
                next: v.next,
            };
            ws.store
                .oidc()
                .start_oidc_link(&token, &pending, link_ttl)
                .await?;
            Ok(Outcome::ConfirmLink(token))
        }
        Err(StoreError::Conflict(_)) => Ok(Outcome::EmailTaken),
        Err(e) => Err(e.into()),
    }
}

/// The link waiting under `token`, and the account it would link to; `None` when unknown
/// or expired.
pub async fn waiting_link(ws: &Workspace, token: &str) -> Result<Option<(PendingLink, User)>> {
    if token.is_empty() {
        return Ok(None);
    }
    let Some(pending) = ws.store.oidc().oidc_link(token).await? else {
        return Ok(None);
    };
    let user = ws.store.users().user(&pending.user_id).await?;
    Ok(Some((pending, user)))
}

/// Finishes the link waiting under `token` once the account's password is right, checked
/// as at sign-in (the same rate limit and errors; the e-mail address presented is
/// ignored): the provider identity is linked to the account, which then works in the
/// provider's organisation with the roles its claims gave, in a new session. The waiting
/// link ends whatever the outcome.
pub async fn confirm_link(
    ws: &Workspace,
    limiter: &LoginLimiter,
    ttl: SessionTtl,
    token: &str,
    p: Presented<'_>,
) -> Result<Outcome> {
    let Some((pending, user)) = waiting_link(ws, token).await? else {
        return Ok(Outcome::NoLink);
    };
    let presented = Presented {
        email: &user.email,
        ..p
    };
    let signed_in = password_sign_in(ws, limiter, ttl, presented).await?;
    let linked = if signed_in.who.user.id == pending.user_id {
        ws.store.oidc().link_oidc_identity(&pending).await
    } else {
        Err(StoreError::Conflict("account".into()))
    };
    ws.store.oidc().end_oidc_link(token).await?;
    match linked {
        Ok(_) => {
            ws.store
                .sessions()
                .switch_session_org(&signed_in.token, &pending.org_id)
                .await?;
            Ok(Outcome::SignedIn {
                token: signed_in.token,
                next: pending.next,
            })
        }
        Err(e) => {
            ws.store.sessions().end_session(&signed_in.token).await?;
            match e {
                StoreError::Conflict(_) => Ok(Outcome::EmailTaken),
                e => Err(e.into()),
            }
        }
    }
}
