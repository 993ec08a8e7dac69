//! Signing in through OpenID Connect providers: the link from a provider's subject to a user,
//! the user's roles as the claims give them, and the sign-ins in flight.

use crate::audit::{Actor, record};
use crate::users::{COLUMNS, User, from_row, insert_memberships, insert_user, parse_role};
use crate::{Result, Store, StoreError, new_id, now, parse_stamp, stamp};
use chrono::{Duration, Utc};
use koers_core::secret::token_digest;
use koers_core::{Email, Role};
use sqlx::Row;

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

impl Store {
    /// Keeps a sign-in in flight under (the digest of) its `state` for `ttl`, and forgets
    /// flights that were never finished.
    pub async fn start_oidc_flow(&self, state: &str, flow: &OidcFlow, ttl: Duration) -> Result<()> {
        let at = Utc::now();
        let mut tx = self.begin().await?;
        sqlx::query("DELETE FROM oidc_flows WHERE expires_at < $1")
            .bind(stamp(at))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO oidc_flows (state_digest, provider, nonce, pkce_verifier, next_path, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(token_digest(state))
        .bind(&flow.provider)
        .bind(&flow.nonce)
        .bind(&flow.pkce_verifier)
        .bind(&flow.next)
        .bind(stamp(at + ttl))
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Takes the sign-in in flight for `state`: once only, and `None` when unknown or expired.
    pub async fn take_oidc_flow(&self, state: &str) -> Result<Option<OidcFlow>> {
        let r = sqlx::query(
            "DELETE FROM oidc_flows WHERE state_digest = $1
             RETURNING provider, nonce, pkce_verifier, next_path, expires_at",
        )
        .bind(token_digest(state))
        .fetch_optional(self.pool())
        .await?;
        let Some(r) = r else {
            return Ok(None);
        };
        if parse_stamp(&r.try_get::<String, _>("expires_at")?)? < Utc::now() {
            return Ok(None);
        }
        Ok(Some(OidcFlow {
            provider: r.try_get("provider")?,
            nonce: r.try_get("nonce")?,
            pkce_verifier: r.try_get("pkce_verifier")?,
            next: r.try_get("next_path")?,
        }))
    }

    /// The user a provider identity signs in as, with `roles` in `org_id` as the claims say.
    /// A new identity becomes a new user without a password (so it cannot sign in with
    /// one), or — only when `link_by_email` — is linked to the local account with its
    /// address; an address already in use is otherwise a `Conflict`. Every change is
    /// audited in the same transaction.
    pub async fn oidc_sign_in(
        &self,
        who: &OidcIdentity<'_>,
        org_id: &str,
        roles: &[Role],
    ) -> Result<User> {
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
            Some(r) => (from_row(&r)?, false),
            None => {
                let existing =
                    sqlx::query(&format!("SELECT {COLUMNS} FROM users WHERE email = $1"))
                        .bind(who.email.as_str())
                        .fetch_optional(&mut *tx)
                        .await?;
                let (user, created) = match existing {
                    Some(_) if !who.link_by_email => {
                        return Err(StoreError::Conflict("email".into()));
                    }
                    Some(r) => (from_row(&r)?, false),
                    None => {
                        let user = User {
                            id: new_id(),
                            email: who.email.as_str().to_string(),
                            display_name: who.display_name.to_string(),
                            instance_admin: false,
                            created_at: now(),
                        };
                        // No password hash: a password can never match.
                        insert_user(&mut tx, &user, "").await?;
                        (user, true)
                    }
                };
                sqlx::query(
                    "INSERT INTO oidc_identities (provider, subject, user_id, created_at)
                     VALUES ($1, $2, $3, $4)",
                )
                .bind(who.provider)
                .bind(who.subject)
                .bind(&user.id)
                .bind(now())
                .execute(&mut *tx)
                .await?;
                let actor = Actor::user(&user.id, &user.email);
                record(
                    &mut tx,
                    &actor,
                    Some(org_id),
                    "oidc.linked",
                    ("user", Some(&user.id)),
                    serde_json::json!({ "provider": who.provider, "subject": who.subject, "new_user": created }),
                )
                .await?;
                (user, created)
            }
        };
        let held = sqlx::query(
            "SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2 ORDER BY role",
        )
        .bind(&user.id)
        .bind(org_id)
        .fetch_all(&mut *tx)
        .await?
        .iter()
        .map(|r| parse_role(&r.try_get::<String, _>("role")?))
        .collect::<Result<Vec<_>>>()?;
        let mut held = held;
        held.sort();
        let mut wanted = roles.to_vec();
        wanted.sort();
        wanted.dedup();
        if held != wanted {
            sqlx::query("DELETE FROM memberships WHERE org_id = $1 AND user_id = $2")
                .bind(org_id)
                .bind(&user.id)
                .execute(&mut *tx)
                .await?;
            insert_memberships(&mut tx, org_id, &user.id, &wanted).await?;
            let names: Vec<_> = wanted.iter().map(|r| r.as_str()).collect();
            let (action, detail) = if created {
                (
                    "member.added",
                    serde_json::json!({ "email": user.email, "roles": names, "provider": who.provider }),
                )
            } else {
                (
                    "member.roles_set",
                    serde_json::json!({ "roles": names, "provider": who.provider }),
                )
            };
            record(
                &mut tx,
                &Actor::user(&user.id, &user.email),
                Some(org_id),
                action,
                ("user", Some(&user.id)),
                detail,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(user)
    }

    /// The provider a user was linked through, if any.
    pub async fn oidc_provider_of(&self, user_id: &str) -> Result<Option<String>> {
        let r = sqlx::query(
            "SELECT provider FROM oidc_identities WHERE user_id = $1 ORDER BY created_at LIMIT 1",
        )
        .bind(user_id)
        .fetch_optional(self.pool())
        .await?;
        Ok(match r {
            Some(r) => Some(r.try_get("provider")?),
            None => None,
        })
    }
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
    use crate::testing::on_both_backends;
    use koers_core::OrganisationDraft;

    async fn identities_users_and_roles(s: Store) {
        let org = s
            .create_organisation(
                &OrganisationDraft::parse("Provincie Utrecht", "province", "PV26", "").unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let email = Email::parse("Eva@Example.nl").unwrap();
        let who = OidcIdentity {
            provider: "kc",
            subject: "sub-1",
            email: &email,
            display_name: "Eva",
            link_by_email: false,
        };
        let u = s
            .oidc_sign_in(&who, &org.id, &[Role::Analyst, Role::Viewer])
            .await
            .unwrap();
        assert_eq!(u.email, "eva@example.nl");
        assert_eq!(
            s.roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Viewer, Role::Analyst]
        );
        let (_, hash) = s.user_for_login("eva@example.nl").await.unwrap().unwrap();
        assert_eq!(hash, "", "no password");
        // The same subject again: the same user; unchanged roles write nothing.
        let again = s
            .oidc_sign_in(&who, &org.id, &[Role::Viewer, Role::Analyst])
            .await
            .unwrap();
        assert_eq!(again.id, u.id);
        let changed = s
            .oidc_sign_in(&who, &org.id, &[Role::Administrator])
            .await
            .unwrap();
        assert_eq!(changed.id, u.id);
        assert_eq!(
            s.roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Administrator]
        );
        assert_eq!(
            s.oidc_provider_of(&u.id).await.unwrap().as_deref(),
            Some("kc")
        );
        let log = s.audit_events(&org.id, 10, None).await.unwrap();
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
            s.oidc_sign_in(&other, &org.id, &[Role::Viewer]).await,
            Err(StoreError::Conflict(_))
        ));
        let linking = OidcIdentity {
            link_by_email: true,
            ..other
        };
        let linked = s
            .oidc_sign_in(&linking, &org.id, &[Role::Viewer])
            .await
            .unwrap();
        assert_eq!(linked.id, u.id);
    }

    on_both_backends!(identities_users_and_roles);

    async fn flows_are_taken_once_and_expire(s: Store) {
        let flow = OidcFlow {
            provider: "kc".into(),
            nonce: "n".into(),
            pkce_verifier: "v".into(),
            next: "/".into(),
        };
        s.start_oidc_flow("state-1", &flow, Duration::minutes(10))
            .await
            .unwrap();
        assert_eq!(s.take_oidc_flow("other").await.unwrap(), None);
        assert_eq!(
            s.take_oidc_flow("state-1").await.unwrap(),
            Some(flow.clone())
        );
        assert_eq!(s.take_oidc_flow("state-1").await.unwrap(), None);
        s.start_oidc_flow("state-2", &flow, Duration::seconds(-1))
            .await
            .unwrap();
        assert_eq!(s.take_oidc_flow("state-2").await.unwrap(), None);
    }

    on_both_backends!(flows_are_taken_once_and_expire);
}
