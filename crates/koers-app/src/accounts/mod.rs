//! Accounts: who someone is and how they prove it. Signing in with e-mail address and
//! password (rate-limited, see [`LoginLimiter`]) and through an OpenID Connect provider
//! ([`oidc`]), sessions, personal API tokens ([`tokens`]), the [`Principal`] a session or
//! token stands for, and the user's own account (their password, the frame of their pages).
//!
//! Who may do what: anyone may try to sign in; a signed-in person manages only their own
//! sessions, password and tokens, and switches only to organisations they are a member of.
//! Only a session (not an API token) makes tokens or switches organisation. Cookies, CSRF
//! and how a request carries its session or token are the web application's concern; the
//! use cases here take what was presented.

pub mod limiter;
pub mod oidc;
pub(crate) mod passwords;
pub mod tokens;

pub use koers_store::sessions::SessionTtl;
pub use koers_store::tokens::ApiToken;
pub use koers_store::{Organisation, Session, User};
pub use limiter::LoginLimiter;

use crate::{Error, Principal, Result, Workspace};
use koers_core::{Email, Invalid, NewPassword};
use koers_store::Actor;
use std::net::IpAddr;

/// The one message for every failed sign-in, so it reveals nothing about which accounts exist.
pub const BAD_CREDENTIALS: &str = "E-mailadres of wachtwoord onjuist";

/// What someone presents to sign in with a password, and from where.
#[derive(Debug, Clone, Copy)]
pub struct Presented<'a> {
    pub email: &'a str,
    pub password: &'a str,
    /// The client's address, which the rate limit counts failures under.
    pub client: IpAddr,
    /// The token of the session the request carried before, if any: it ends.
    pub previous: Option<&'a str>,
}

/// A new session: its token (for the client to keep; the store keeps only its digest), the
/// session, and who it stands for.
#[derive(Debug, Clone)]
pub struct SignedIn {
    pub token: String,
    pub session: Session,
    pub who: Principal,
}

/// Signs a user in: rate limit, password check, a fresh session in their first
/// organisation (never a reused one, so a planted session id is worthless), and the session
/// presented before ended. Every failure is [`Error::BadCredentials`] (or
/// [`Error::TooManyAttempts`]), whatever went wrong.
pub async fn sign_in(
    ws: &Workspace,
    limiter: &LoginLimiter,
    ttl: SessionTtl,
    p: Presented<'_>,
) -> Result<SignedIn> {
    let email = Email::parse(p.email)
        .map(|e| e.as_str().to_string())
        .unwrap_or_default();
    let attempt = limiter.attempt(&ws.store, &email, p.client).await?;
    // Every way out before the end leaves the attempt counted as a failure.
    let refused = || {
        tracing::info!(client = %p.client, "sign-in refused: wrong e-mail address or password");
        Err(Error::BadCredentials)
    };
    let found = if email.is_empty() {
        None
    } else {
        ws.store.users().user_for_login(&email).await?
    };
    let user = match found {
        Some((user, hash)) if passwords::verify(p.password, &hash).await? => user,
        // A user without a password (who signs in through an OpenID Connect provider) takes
        // as long to refuse as an unknown address.
        Some((_, hash)) if !hash.is_empty() => return refused(),
        _ => {
            passwords::verify_against_nothing(p.password).await?;
            return refused();
        }
    };
    // A member works in their first organisation; a guest only, in the first one that
    // shares something with them.
    let member_of = ws
        .store
        .organisations()
        .organisations_of(&user.id)
        .await?
        .into_iter()
        .next()
        .map(|o| o.id);
    let org_id = match member_of {
        Some(id) => Some(id),
        None => crate::guests::guest_organisations(ws, &user.id)
            .await?
            .into_iter()
            .next(),
    };
    let Some(org_id) = org_id else {
        return refused();
    };
    limiter.succeed(&ws.store, &email, &attempt).await?;
    start_signed_in(ws, ttl, &user.id, &org_id, p.previous).await
}

/// A fresh session for `user_id`, who proved who they are, in `org_id` (see
/// [`start_session`]), with who they are there.
pub(crate) async fn start_signed_in(
    ws: &Workspace,
    ttl: SessionTtl,
    user_id: &str,
    org_id: &str,
    previous: Option<&str>,
) -> Result<SignedIn> {
    let (token, session) = start_session(ws, ttl, user_id, org_id, previous).await?;
    let who = principal(ws, user_id, org_id, None).await?;
    Ok(SignedIn {
        token,
        session,
        who,
    })
}

/// A fresh session for a user who proved who they are (never a reused one, so a planted
/// session id is worthless), and the session presented before (`previous`) ended. Returns
/// the token and the session.
async fn start_session(
    ws: &Workspace,
    ttl: SessionTtl,
    user_id: &str,
    org_id: &str,
    previous: Option<&str>,
) -> Result<(String, Session)> {
    let (token, session) = ws
        .store
        .sessions()
        .create_session(user_id, org_id, ttl)
        .await?;
    if let Some(previous) = previous {
        ws.store.sessions().end_session(previous).await?;
    }
    Ok((token, session))
}

/// The live session of `token`, its idle clock refreshed; `None` when unknown, expired or
/// idle too long.
pub async fn session(ws: &Workspace, token: &str, ttl: SessionTtl) -> Result<Option<Session>> {
    Ok(ws.store.sessions().session(token, ttl).await?)
}

/// Records that the session of `token` sent the form with `key` (a random token the page
/// put in the form): `false` when it sent that form before, and what the form does must not
/// happen again. A key not of a token's form is refused.
pub async fn send_form_once(ws: &Workspace, token: &str, key: &str) -> Result<bool> {
    if !koers_core::secret::is_token(key) {
        return Err(Error::Rejected(
            "Het formulier is niet compleet; open de pagina opnieuw".into(),
        ));
    }
    Ok(ws.store.sessions().send_form_once(token, key).await?)
}

/// Takes back [`send_form_once`] for a form that was refused or failed, so that it may be
/// sent again.
pub async fn form_not_sent(ws: &Workspace, token: &str, key: &str) -> Result<()> {
    Ok(ws.store.sessions().form_not_sent(token, key).await?)
}

/// The live API token `presented` (recording its use); `None` when unknown, expired or
/// revoked.
pub async fn api_token(ws: &Workspace, presented: &str) -> Result<Option<ApiToken>> {
    Ok(ws.store.tokens().api_token(presented).await?)
}

/// Who a session or API token (`via`) stands for: the user, the organisation and their
/// roles there at this moment, so that a membership that ended ends the session and its
/// tokens too ([`Error::Unauthenticated`]).
pub async fn principal(
    ws: &Workspace,
    user_id: &str,
    org_id: &str,
    via: Option<&ApiToken>,
) -> Result<Principal> {
    let user = ws.store.users().user(user_id).await?;
    let org = ws.store.organisations().organisation(org_id).await?;
    let roles = ws.store.users().roles_in(&user.id, &org.id).await?;
    // Without a role, only a guest of the organisation (and only in a session: an API token
    // is made by a member) is someone there.
    if roles.is_empty()
        && (via.is_some() || !crate::guests::is_guest_of(ws, &user.id, &org.id).await?)
    {
        return Err(Error::Unauthenticated);
    }
    let actor = match via {
        None => Actor::user(&user.id, &user.email),
        Some(t) => Actor::user_with_token(&user.id, &user.email, &t.id, &t.name),
    };
    Ok(Principal {
        user,
        org,
        roles,
        actor,
        via_token: via.is_some(),
    })
}

/// Switches session `token` to another organisation `who` is a member of; returns who they
/// are there. An API token cannot switch: it acts in its own organisation only.
pub async fn switch_organisation(
    ws: &Workspace,
    who: &Principal,
    token: &str,
    org_id: &str,
) -> Result<Principal> {
    if who.via_token {
        return Err(Error::SessionRequired);
    }
    let roles = who.roles_in(&ws.store, org_id).await?;
    let org = ws.store.organisations().organisation(org_id).await?;
    ws.store
        .sessions()
        .switch_session_org(token, org_id)
        .await
        .map_err(|e| match e {
            koers_store::StoreError::NotFound => Error::Unauthenticated,
            other => other.into(),
        })?;
    Ok(Principal {
        org,
        roles,
        ..who.clone()
    })
}

/// Ends session `token`; returns the OpenID Connect provider the user signs in through, if
/// any, so that they may be offered to sign out there too.
pub async fn sign_out(ws: &Workspace, who: &Principal, token: &str) -> Result<Option<String>> {
    ws.store.sessions().end_session(token).await?;
    Ok(ws.store.oidc().oidc_provider_of(&who.user.id).await?)
}

/// Changes the user's own password (fields `currentPassword`, `newPassword`) after checking
/// the current one; all their sessions end.
pub async fn change_password(
    ws: &Workspace,
    who: &Principal,
    mut input: crate::Input,
) -> Result<()> {
    let current = input.text("currentPassword");
    let new = input.text("newPassword");
    let parsed = NewPassword::parse(&new).map_err(|Invalid(e)| {
        Invalid(
            e.into_iter()
                .map(|mut f| {
                    f.name = "newPassword".into();
                    f
                })
                .collect(),
        )
    });
    let new = input.finish(parsed)?;
    let Some((_, hash)) = ws.store.users().user_for_login(&who.user.email).await? else {
        return Err(Error::NotFound);
    };
    if !passwords::verify(&current, &hash).await? {
        return Err(Error::Invalid(Invalid::one(
            "currentPassword",
            "mismatch",
            "klopt niet",
        )));
    }
    let hash = passwords::hash(new.expose()).await?;
    ws.store
        .users()
        .set_password_hash(&who.user.id, &hash, &who.actor())
        .await?;
    Ok(())
}

/// What every page of a signed-in person shows around its own content.
#[derive(Debug, Clone)]
pub struct Frame {
    /// The organisations they may switch to.
    pub organisations: Vec<Organisation>,
    /// Their unread notifications in the organisation they work in.
    pub unread_notifications: i64,
    /// How many objects of other organisations are shared with them as a guest.
    pub shared_with_me: usize,
}

/// The frame of `who`'s pages.
pub async fn frame(ws: &Workspace, who: &Principal) -> Result<Frame> {
    Ok(Frame {
        organisations: ws
            .store
            .organisations()
            .organisations_of(&who.user.id)
            .await?,
        unread_notifications: ws
            .store
            .notifications()
            .unread_notifications(&who.user.id, &who.org.id)
            .await?,
        shared_with_me: crate::guests::active_grants(ws, &who.user.id).await?.len(),
    })
}

/// The names of the organisation's members by their e-mail address and by their id, for the
/// pages that say who saved or made something (none for a guest, who sees no members).
pub async fn people(
    ws: &Workspace,
    who: &Principal,
) -> Result<std::collections::BTreeMap<String, String>> {
    if who.is_guest() {
        return Ok(Default::default());
    }
    Ok(ws
        .store
        .users()
        .members(&who.org.id)
        .await?
        .into_iter()
        .flat_map(|m| {
            let name = m.user.display_name;
            [(m.user.email, name.clone()), (m.user.id, name)]
        })
        .collect())
}
