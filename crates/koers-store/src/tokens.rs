//! Personal API tokens. The client holds `koers_<id>.<secret>`; the store holds the id, the
//! SHA-256 of the secret, and what the token may do. Creating and revoking are audited.

use crate::audit::Actor;
use crate::sql::{FromRow, columns};
use crate::{Result, StoreError, new_id, now, parse_stamp, stamp};
use chrono::{Duration, Utc};
use koers_core::secret::{constant_time_eq, new_token, token_digest};
use koers_core::tokens::{TokenDraft, TokenScope, compose, split};
use serde_json::json;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A token as its owner sees it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiToken {
    pub id: String,
    pub user_id: String,
    /// The organisation the token acts in.
    pub org_id: String,
    pub name: String,
    pub scope: TokenScope,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
}

impl ApiToken {
    /// Whether the token's time is up (an unreadable expiry counts as up).
    pub fn expired(&self) -> bool {
        parse_stamp(&self.expires_at).map_or(true, |t| t <= Utc::now())
    }
}

const COLUMNS: &str = "id, user_id, org_id, name, scope, created_at, expires_at, last_used_at";

impl FromRow for ApiToken {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let scope: String = r.try_get("scope")?;
        Ok(
            columns!(r => ApiToken { id, user_id, org_id, name, created_at, expires_at, last_used_at;
                scope: TokenScope::parse(&scope)
                .map_err(|_| StoreError::Corrupt(format!("tokenbereik {scope}")))?,
            }),
        )
    }
}

crate::repository!(
    /// Personal API tokens.
    tokens
);

impl Repo<'_> {
    /// Makes a token for `user_id` acting in `org_id`, asked for from address `client`;
    /// returns the token to hand over once (it is not kept) and the stored token.
    pub async fn create_api_token(
        &self,
        user_id: &str,
        org_id: &str,
        draft: &TokenDraft,
        actor: &Actor,
        client: &str,
    ) -> Result<(String, ApiToken)> {
        let secret = new_token();
        let token = ApiToken {
            id: new_id(),
            user_id: user_id.into(),
            org_id: org_id.into(),
            name: draft.name.clone(),
            scope: draft.scope,
            created_at: now(),
            expires_at: stamp(draft.expires_at),
            last_used_at: None,
        };
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO api_tokens (id, user_id, org_id, name, scope, secret_digest, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (&token.id, &token.user_id, &token.org_id, &token.name, token.scope.as_str(), token_digest(&secret), &token.created_at, &token.expires_at)).await?;
        w.commit("api_token.created", ("api_token", &token.id), json!({ "name": token.name, "scope": token.scope.as_str(), "expiresAt": token.expires_at, "client": client })).await?;
        Ok((compose(&token.id, &secret), token))
    }

    /// The user's tokens, newest first (expired ones too, until revoked).
    pub async fn api_tokens(&self, user_id: &str) -> Result<Vec<ApiToken>> {
        self.all(&format!(
            "SELECT {COLUMNS} FROM api_tokens WHERE user_id = $1 ORDER BY created_at DESC, id DESC"
        ), (user_id,)).await
    }

    /// Revokes (removes) one of the user's tokens, asked for from address `client`; another
    /// user's token is not found.
    pub async fn revoke_api_token(
        &self,
        user_id: &str,
        id: &str,
        actor: &Actor,
        client: &str,
    ) -> Result<()> {
        let mut w = self.write(actor, None).await?;
        let sql = format!("SELECT {COLUMNS} FROM api_tokens WHERE id = $1 AND user_id = $2");
        let token: ApiToken = w.one(&sql, (id, user_id)).await?;
        w.set_org(&token.org_id);
        w.exec("DELETE FROM api_tokens WHERE id = $1", (id,))
            .await?;
        w.commit(
            "api_token.revoked",
            ("api_token", &token.id),
            json!({ "name": token.name, "client": client }),
        )
        .await?;
        Ok(())
    }

    /// The live token a client presents: known, the secret right (compared in constant
    /// time), not expired. Notes when it was used (at most once a minute, so that reads
    /// stay reads).
    pub async fn api_token(&self, presented: &str) -> Result<Option<ApiToken>> {
        let Some((id, secret)) = split(presented) else {
            return Ok(None);
        };
        let Some(row) = sqlx::query(&format!(
            "SELECT {COLUMNS}, secret_digest FROM api_tokens WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(self.pool())
        .await?
        else {
            return Ok(None);
        };
        let digest: String = row.try_get("secret_digest")?;
        if !constant_time_eq(&digest, &token_digest(secret)) {
            return Ok(None);
        }
        let mut token = ApiToken::from_row(&row)?;
        if token.expired() {
            return Ok(None);
        }
        let now_t = Utc::now();
        let stale = match &token.last_used_at {
            Some(at) => now_t - parse_stamp(at)? > Duration::minutes(1),
            None => true,
        };
        if stale {
            let at = stamp(now_t);
            self.exec(
                "UPDATE api_tokens SET last_used_at = $1 WHERE id = $2",
                (&at, &token.id),
            )
            .await?;
            token.last_used_at = Some(at);
        }
        Ok(Some(token))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;
    use koers_core::{Role, UserDraft};

    async fn tokens_live_and_die(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let mut users = Vec::new();
        for email in ["a@b.nl", "c@d.nl"] {
            let d = UserDraft::parse(email, "A", "a long password").unwrap();
            let u = s
                .users()
                .create_user(&d, "h", false, &org.id, &[Role::Viewer], &Actor::cli())
                .await
                .unwrap();
            users.push(u);
        }
        let (a, c) = (&users[0], &users[1]);
        let today = Utc::now().date_naive();
        let in_a_month = (today + Duration::days(30)).format("%Y-%m-%d").to_string();
        let draft = TokenDraft::parse("Export", "read", &in_a_month, today).unwrap();
        let actor = Actor::user(&a.id, &a.email);
        let (presented, made) = s
            .tokens()
            .create_api_token(&a.id, &org.id, &draft, &actor, "192.0.2.1")
            .await
            .unwrap();
        assert!(presented.starts_with(&format!("koers_{}.", made.id)));
        let found = s
            .tokens()
            .api_token(&presented)
            .await
            .unwrap()
            .expect("live");
        assert_eq!(
            (found.id.as_str(), found.scope),
            (made.id.as_str(), TokenScope::Read)
        );
        assert!(found.last_used_at.is_some(), "use is noted");
        let stored: String = sqlx::query("SELECT secret_digest FROM api_tokens")
            .fetch_one(s.pool())
            .await
            .unwrap()
            .try_get("secret_digest")
            .unwrap();
        assert!(!presented.contains(&stored) && !stored.contains(split(&presented).unwrap().1));
        // A wrong secret, or an unknown id, finds nothing.
        let forged = compose(&made.id, "not-the-secret");
        assert_eq!(s.tokens().api_token(&forged).await.unwrap(), None);
        assert_eq!(s.tokens().api_token("koers_x.y").await.unwrap(), None);
        assert_eq!(s.tokens().api_token("").await.unwrap(), None);
        // Expired.
        let past = TokenDraft {
            expires_at: Utc::now() - Duration::seconds(1),
            ..draft.clone()
        };
        let (old, _) = s
            .tokens()
            .create_api_token(&a.id, &org.id, &past, &actor, "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(s.tokens().api_token(&old).await.unwrap(), None);
        assert_eq!(s.tokens().api_tokens(&a.id).await.unwrap().len(), 2);
        assert!(s.tokens().api_tokens(&c.id).await.unwrap().is_empty());
        // Only the owner revokes.
        let by_c = Actor::user(&c.id, &c.email);
        assert!(matches!(
            s.tokens()
                .revoke_api_token(&c.id, &made.id, &by_c, "192.0.2.1")
                .await,
            Err(StoreError::NotFound)
        ));
        s.tokens()
            .revoke_api_token(&a.id, &made.id, &actor, "192.0.2.1")
            .await
            .unwrap();
        assert_eq!(s.tokens().api_token(&presented).await.unwrap(), None);
        assert_eq!(s.tokens().api_tokens(&a.id).await.unwrap().len(), 1);
        let actions: Vec<String> = s
            .audit()
            .audit_events(&org.id, 10, None)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.action)
            .collect();
        assert_eq!(
            &actions[..3],
            [
                "api_token.revoked",
                "api_token.created",
                "api_token.created"
            ]
        );
    }

    on_both_backends!(tokens_live_and_die);
}
