//! Signing in through OpenID Connect providers: the link from a provider's subject to a user,
//! the user's roles as the claims give them, and the sign-ins in flight.

use crate::audit::{Actor, record};
use crate::sql::{self, Binds, FromRow};
use crate::users::{COLUMNS, User, insert_memberships, insert_user, parse_role};
use crate::{Result, StoreError, conflict_on_unique, now, parse_stamp, stamp};
use chrono::{Duration, Utc};
use koers_core::secret::token_digest;
use koers_core::{Email, Role};
use sqlx::Row;
use sqlx::any::AnyRow;

type Tx<'c> = sqlx::Transaction<'c, sqlx::Any>;

/// A sign-in in flight, kept until the provider sends the browser back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OidcFlow {
    pub provider: String,
    pub nonce: String,
    pub pkce_verifier: String,
    /// The koers page to show after signing in.
    pub next: String,
}

/// Who a provider says signed in.
#[derive(Debug, Clone)]
pub struct OidcIdentity<'a> {
    pub provider: &'a str,
    /// The provider's `sub` claim: stable, unlike the e-mail address.
    pub subject: &'a str,
    pub email: &'a Email,
    pub display_name: &'a str,
    /// Whether a local account with the same address may be linked (see
    /// [`koers_core::oidc::may_link_by_email`]).
    pub link_by_email: bool,
}

/// What a sign-in through a provider comes to.
#[derive(Debug, Clone)]
pub enum OidcSignIn {
    /// The user, signed in: the one this identity is linked to, or a new one.
    User(User),
    /// A local account of the provider's organisation has the address and this provider may
    /// link by address: the person first proves the account is theirs (its password), then
    /// [`Store::link_oidc_identity`]. Nothing was changed.
    ConfirmLink(User),
}

/// A link of a provider identity to a local account, waiting for the account's password.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingLink {
    pub provider: String,
    pub subject: String,
    pub user_id: String,
    /// The organisation the provider vouches for, and the roles its claims gave there.
    pub org_id: String,
    pub roles: Vec<Role>,
    /// The koers page to show after signing in.
    pub next: String,
}

crate::repository!(
    /// Identities at OpenID Connect providers and the accounts they sign in to.
    oidc
);

impl Repo<'_> {
    /// Keeps a sign-in in flight under (the digest of) its `state` for `ttl`, and forgets
    /// flights that were never finished.
    pub async fn start_oidc_flow(&self, state: &str, flow: &OidcFlow, ttl: Duration) -> Result<()> {
        self.keep_until_expiry("oidc_flows", "INSERT INTO oidc_flows (state_digest, provider, nonce, pkce_verifier, next_path, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)", (token_digest(state), &flow.provider, &flow.nonce, &flow.pkce_verifier, &flow.next, stamp(Utc::now() + ttl))).await
    }

    /// Takes the sign-in in flight for `state`: once only, and `None` when unknown or expired.
    pub async fn take_oidc_flow(&self, state: &str) -> Result<Option<OidcFlow>> {
        let taken = "DELETE FROM oidc_flows WHERE state_digest = $1
             RETURNING provider, nonce, pkce_verifier, next_path, expires_at";
        let Some(r) = self.unexpired(taken, state).await? else {
            return Ok(None);
        };
        Ok(Some(OidcFlow {
            provider: r.try_get("provider")?,
            nonce: r.try_get("nonce")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            next: r.try_get("next_path")?,
        }))
    }

    /// The user a provider identity signs in as, with `roles` in `org_id` as the claims say.
    /// A known identity signs in as its user; a new one becomes a new user without a
    /// password (so it cannot sign in with one). An address already in use is never taken
    /// over by signing in: only when `link_by_email`, and only for an account that is
    /// already a member of `org_id` (never across organisations — an administrator of one
    /// organisation can make an account with any address), is the answer
    /// [`OidcSignIn::ConfirmLink`], and the link waits for the account's password (see
    /// [`Store::link_oidc_identity`]); otherwise it is a `Conflict`. Every change is audited
    /// in the same transaction.
    pub async fn oidc_sign_in(
        &self,
        who: &OidcIdentity<'_>,
        org_id: &str,
        roles: &[Role],
    ) -> Result<OidcSignIn> {
        let mut tx = self.begin().await?;
        let linked = sqlx::query(&format!(
            "SELECT {} FROM users u JOIN oidc_identities i ON i.user_id = u.id
             WHERE i.provider = $1 AND i.subject = $2",
            prefixed_columns()
        ))
        .bind(who.provider)
        .bind(who.subject)
        .fetch_optional(&mut *tx)
        .await?;
        let (user, created) = match linked {
            Some(r) => (User::from_row(&r)?, false),
            None => {
                let existing =
                    sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
                        .bind(who.email.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                if let Some(r) = existing {
                    let user = User::from_row(&r)?;
                    if who.link_by_email && is_member(&mut tx, &user.id, org_id).await? {
                        return Ok(OidcSignIn::ConfirmLink(user));
                    }
                    return Err(StoreError::Conflict("email".into()));
                }
                let user = User::new(who.email, who.display_name, false);
                // No password hash: a password can never match.
                insert_user(&mut tx, &user, "").await?;
                link(&mut tx, who.provider, who.subject, &user, true, org_id).await?;
                (user, true)
            }
        };
        follow_claims(&mut tx, &user, created, org_id, roles, who.provider).await?;
        tx.commit().await?;
        Ok(OidcSignIn::User(user))
    }

    /// Links a provider identity to the local account it waited for, once the person proved
    /// the account is theirs, and gives it the roles the claims said. Refused (`Conflict`)
    /// when the account is no longer a member of the organisation, or the identity was
    /// linked meanwhile.
    pub async fn link_oidc_identity(&self, p: &PendingLink) -> Result<User> {
        let mut tx = self.begin().await?;
        let r = sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"))
            .bind(&p.user_id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let user = User::from_row(&r)?;
        if !is_member(&mut tx, &user.id, &p.org_id).await? {
            return Err(StoreError::Conflict("organisation".into()));
        }
        link(&mut tx, &p.provider, &p.subject, &user, false, &p.org_id).await?;
        follow_claims(&mut tx, &user, false, &p.org_id, &p.roles, &p.provider).await?;
        tx.commit().await?;
        Ok(user)
    }

    /// Keeps a link in waiting under (the digest of) `token` for `ttl`, and forgets links
    /// that were never confirmed.
    pub async fn start_oidc_link(&self, token: &str, p: &PendingLink, ttl: Duration) -> Result<()> {
        let roles: Vec<_> = p.roles.iter().map(|r| r.as_str()).collect();
        self.keep_until_expiry("oidc_pending_links", "INSERT INTO oidc_pending_links (token_digest, provider, subject, user_id, org_id, roles, next_path, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (token_digest(token), &p.provider, &p.subject, &p.user_id, &p.org_id, roles.join(","), &p.next, stamp(Utc::now() + ttl))).await
    }

    /// The link waiting under `token`; `None` when unknown or expired.
    pub async fn oidc_link(&self, token: &str) -> Result<Option<PendingLink>> {
        let waiting = "SELECT provider, subject, user_id, org_id, roles, next_path, expires_at
             FROM oidc_pending_links WHERE token_digest = $1";
        let Some(r) = self.unexpired(waiting, token).await? else {
            return Ok(None);
        };
        let roles: String = r.try_get("roles")?;
        Ok(Some(PendingLink {
            provider: r.try_get("provider")?,
            subject: r.try_get("subject")?,
            user_id: r.try_get("user_id")?,
            org_id: r.try_get("org_id")?,
            roles: roles
                .split(',')
                .filter(|s| !s.is_empty())
                .map(parse_role)
                .collect::<Result<_>>()?,
            next: r.try_get("next_path")?,
        }))
    }

    /// Keeps the row that `insert` writes (under a secret's digest, with its `expires_at`),
    /// after forgetting the rows of `table` whose time has passed, in one transaction.
    async fn keep_until_expiry<'q>(
        &self,
        table: &str,
        insert: &'q str,
        binds: impl Binds<'q>,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let expired = format!("DELETE FROM {table} WHERE expires_at < $1");
        sql::exec(&mut *tx, &expired, (stamp(Utc::now()),)).await?;
        sql::exec(&mut *tx, insert, binds).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The row that `select` finds by the digest of `secret`, unless its `expires_at` has
    /// passed.
    async fn unexpired(&self, select: &str, secret: &str) -> Result<Option<AnyRow>> {
        let r = sqlx::query(select)
            .bind(token_digest(secret))
            .fetch_optional(self.pool())
            .await?;
        let Some(r) = r else {
            return Ok(None);
        };
        let live = parse_stamp(&r.try_get::<String, _>("expires_at")?)? >= Utc::now();
        Ok(live.then_some(r))
    }

    /// Forgets the link waiting under `token`.
    pub async fn end_oidc_link(&self, token: &str) -> Result<()> {
        self.exec(
            "DELETE FROM oidc_pending_links WHERE token_digest = $1",
            (token_digest(token),),
        )
        .await?;
        Ok(())
    }

    /// The provider a user was linked through, if any.
    pub async fn oidc_provider_of(&self, user_id: &str) -> Result<Option<String>> {
        self.optional(
            "SELECT provider FROM oidc_identities WHERE user_id = $1 ORDER BY created_at LIMIT 1",
            (user_id,),
        )
        .await
    }
}

/// Whether the user is a member of the organisation.
async fn is_member(tx: &mut Tx<'_>, user_id: &str, org_id: &str) -> Result<bool> {
    Ok(
        sqlx::query("SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2")
            .bind(user_id)
            .bind(org_id)
            .fetch_optional(&mut **tx)
            .await?
            .is_some(),
    )
}

/// Links the provider identity `provider`/`subject` to `user` (audited as `oidc.linked`).
async fn link(
    tx: &mut Tx<'_>,
    provider: &str,
    subject: &str,
    user: &User,
    created: bool,
    org_id: &str,
) -> Result<()> {
    sql::exec(
        &mut **tx,
        "INSERT INTO oidc_identities (provider, subject, user_id, created_at)
         VALUES ($1, $2, $3, $4)",
        (provider, subject, &user.id, now()),
    )
    .await
    .map_err(conflict_on_unique("identity"))?;
    record(
        tx,
        &Actor::user(&user.id, &user.email),
        Some(org_id),
        "oidc.linked",
        ("user", Some(&user.id)),
        serde_json::json!({ "provider": provider, "subject": subject, "new_user": created }),
    )
    .await
}

/// Sets the user's roles in the organisation to what the claims say (audited when they
/// change: `member.added` for a new user, else `member.roles_set`).
async fn follow_claims(
    tx: &mut Tx<'_>,
    user: &User,
    created: bool,
    org_id: &str,
    roles: &[Role],
    provider: &str,
) -> Result<()> {
    let sql = "SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2 ORDER BY role";
    let mut held: Vec<Role> = sql::all(&mut **tx, sql, (&user.id, org_id)).await?;
    held.sort();
    let mut wanted = roles.to_vec();
    wanted.sort();
    wanted.dedup();
    if held == wanted {
        return Ok(());
    }
    sql::exec(
        &mut **tx,
        "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
        (org_id, &user.id),
    )
    .await?;
    insert_memberships(tx, org_id, &user.id, &wanted).await?;
    let names: Vec<_> = wanted.iter().map(|r| r.as_str()).collect();
    let (action, detail) = if created {
        (
            "member.added",
            serde_json::json!({ "email": user.email, "roles": names, "provider": provider }),
        )
    } else {
        (
            "member.roles_set",
            serde_json::json!({ "roles": names, "provider": provider }),
        )
    };
    record(
        tx,
        &Actor::user(&user.id, &user.email),
        Some(org_id),
        action,
        ("user", Some(&user.id)),
        detail,
    )
    .await
}

/// The user columns, qualified with the `u` alias.
fn prefixed_columns() -> String {
    COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    async fn identities_users_and_roles(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let email = Email::parse("Eva@Example.nl").unwrap();
        let who = OidcIdentity {
            provider: "kc",
            subject: "sub-1",
            email: &email,
            display_name: "Eva",
            link_by_email: false,
        };
        let u = signed_in(
            s.oidc()
                .oidc_sign_in(&who, &org.id, &[Role::Analyst, Role::Viewer])
                .await
                .unwrap(),
        );
        assert_eq!(u.email, "eva@example.nl");
        assert_eq!(
            s.users().roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Viewer, Role::Analyst]
        );
        let (_, hash) = s
            .users()
            .user_for_login("eva@example.nl")
            .await
            .unwrap()
            .unwrap();
        assert_eq!(hash, "", "no password");
        // The same subject again: the same user; unchanged roles write nothing.
        let again = signed_in(
            s.oidc()
                .oidc_sign_in(&who, &org.id, &[Role::Viewer, Role::Analyst])
                .await
                .unwrap(),
        );
        assert_eq!(again.id, u.id);
        let changed = signed_in(
            s.oidc()
                .oidc_sign_in(&who, &org.id, &[Role::Administrator])
                .await
                .unwrap(),
        );
        assert_eq!(changed.id, u.id);
        assert_eq!(
            s.users().roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Administrator]
        );
        assert_eq!(
            s.oidc().oidc_provider_of(&u.id).await.unwrap().as_deref(),
            Some("kc")
        );
        let log = s.audit().audit_events(&org.id, 10, None).await.unwrap();
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "member.roles_set",
                "member.added",
                "oidc.linked",
                "organisation.created"
            ]
        );
        // Another subject with the same address: refused unless linking is allowed.
        let other = OidcIdentity {
            subject: "sub-2",
            ..who.clone()
        };
        assert!(matches!(
            s.oidc()
                .oidc_sign_in(&other, &org.id, &[Role::Viewer])
                .await,
            Err(StoreError::Conflict(_))
        ));
        // Allowed to link by address: nothing is linked yet; the link waits for proof.
        let linking = OidcIdentity {
            link_by_email: true,
            ..other
        };
        match s
            .oidc()
            .oidc_sign_in(&linking, &org.id, &[Role::Viewer])
            .await
            .unwrap()
        {
            OidcSignIn::ConfirmLink(a) => assert_eq!(a.id, u.id),
            OidcSignIn::User(_) => panic!("linked without proof"),
        }
        let pending = PendingLink {
            provider: "kc".into(),
            subject: "sub-2".into(),
            user_id: u.id.clone(),
            org_id: org.id.clone(),
            roles: vec![Role::Viewer],
            next: "/".into(),
        };
        s.oidc()
            .start_oidc_link("link-1", &pending, Duration::minutes(10))
            .await
            .unwrap();
        assert_eq!(s.oidc().oidc_link("other").await.unwrap(), None);
        assert_eq!(
            s.oidc().oidc_link("link-1").await.unwrap(),
            Some(pending.clone())
        );
        let linked = s.oidc().link_oidc_identity(&pending).await.unwrap();
        assert_eq!(linked.id, u.id);
        assert_eq!(
            s.users().roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Viewer]
        );
        s.oidc().end_oidc_link("link-1").await.unwrap();
        assert_eq!(s.oidc().oidc_link("link-1").await.unwrap(), None);
        // Linked now: signs in directly; a second link of the same identity is refused.
        let direct = signed_in(
            s.oidc()
                .oidc_sign_in(&linking, &org.id, &[Role::Viewer])
                .await
                .unwrap(),
        );
        assert_eq!(direct.id, u.id);
        assert!(matches!(
            s.oidc().link_oidc_identity(&pending).await,
            Err(StoreError::Conflict(_))
        ));
        s.oidc()
            .start_oidc_link("link-2", &pending, Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(s.oidc().oidc_link("link-2").await.unwrap(), None, "expired");

        // Never across organisations: an account of another organisation (one its
        // administrator could have made with any address) is not offered for linking.
        let other_org =
            crate::testing::organisation(&s, "Gemeente Utrecht", "municipality", "GM0344").await;
        let planted = OidcIdentity {
            subject: "sub-3",
            ..linking
        };
        assert!(matches!(
            s.oidc()
                .oidc_sign_in(&planted, &other_org.id, &[Role::Viewer])
                .await,
            Err(StoreError::Conflict(_))
        ));
        let across = PendingLink {
            subject: "sub-3".into(),
            org_id: other_org.id.clone(),
            ..pending
        };
        assert!(matches!(
            s.oidc().link_oidc_identity(&across).await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            s.users()
                .roles_in(&u.id, &other_org.id)
                .await
                .unwrap()
                .is_empty()
        );
    }

    fn signed_in(o: OidcSignIn) -> User {
        match o {
            OidcSignIn::User(u) => u,
            OidcSignIn::ConfirmLink(_) => panic!("asked to confirm a link"),
        }
    }

    on_both_backends!(identities_users_and_roles);

    async fn flows_are_taken_once_and_expire(s: Store) {
        let flow = OidcFlow {
            provider: "kc".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/".into(),
        };
        s.oidc()
            .start_oidc_flow("state-1", &flow, Duration::minutes(10))
            .await
            .unwrap();
        assert_eq!(s.oidc().take_oidc_flow("other").await.unwrap(), None);
        assert_eq!(
            s.oidc().take_oidc_flow("state-1").await.unwrap(),
            Some(flow.clone())
        );
        assert_eq!(s.oidc().take_oidc_flow("state-1").await.unwrap(), None);
        s.oidc()
            .start_oidc_flow("state-2", &flow, Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(s.oidc().take_oidc_flow("state-2").await.unwrap(), None);
    }

    on_both_backends!(flows_are_taken_once_and_expire);
}
