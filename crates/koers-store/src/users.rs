//! Users and their memberships (roles per organisation).

use crate::audit::Actor;
use crate::sql::{self, FromRow, flag, from_row};
use crate::{Result, StoreError, conflict_on_unique, new_id, now};
use koers_core::{Email, Role, UserDraft};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A stored user (without the password hash).
#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub instance_admin: bool,
    pub created_at: String,
}

impl User {
    /// A new user (a new id, made now) with this address and name.
    pub(crate) fn new(email: &Email, display_name: &str, instance_admin: bool) -> User {
        User {
            id: new_id(),
            email: email.as_str().to_string(),
            display_name: display_name.to_string(),
            instance_admin,
            created_at: now(),
        }
    }
}

/// A user as a member of one organisation, with their roles there.
#[derive(Debug, Clone, Serialize)]
pub struct Member {
    pub user: User,
    pub roles: Vec<Role>,
}

pub(crate) const COLUMNS: &str = "id, email, display_name, instance_admin, created_at";

from_row!(r => User { id, email, display_name, created_at;
    instance_admin: flag(r, "instance_admin")?,
});

/// A role from its column `role`.
impl FromRow for Role {
    fn from_row(r: &AnyRow) -> Result<Self> {
        parse_role(&r.try_get::<String, _>("role")?)
    }
}

/// A user with the one role of a membership row (`members` gathers the rows per user).
impl FromRow for Member {
    fn from_row(r: &AnyRow) -> Result<Self> {
        Ok(Member {
            user: User::from_row(r)?,
            roles: vec![Role::from_row(r)?],
        })
    }
}

pub(crate) fn parse_role(s: &str) -> Result<Role> {
    Role::parse(s).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// Inserts a user row inside an open transaction (`Conflict` when the address is taken).
pub(crate) async fn insert_user(
    conn: &mut sqlx::AnyConnection,
    user: &User,
    password_hash: &str,
) -> Result<()> {
    sql::exec(
        &mut *conn,
        &format!("INSERT INTO users ({COLUMNS}, password_hash) VALUES ($1, $2, $3, $4, $5, $6)"),
        (
            &user.id,
            &user.email,
            &user.display_name,
            i64::from(user.instance_admin),
            &user.created_at,
            password_hash,
        ),
    )
    .await
    .map_err(conflict_on_unique("email"))?;
    Ok(())
}

/// Gives a user `roles` in an organisation inside an open transaction.
pub(crate) async fn insert_memberships(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    user_id: &str,
    roles: &[Role],
) -> Result<()> {
    for role in roles {
        sql::exec(
            &mut *conn,
            "INSERT INTO memberships (org_id, user_id, role) VALUES ($1, $2, $3)",
            (org_id, user_id, role.as_str()),
        )
        .await?;
    }
    Ok(())
}

crate::repository!(
    /// Users, their passwords and memberships.
    users
);

impl Repo<'_> {
    /// Creates a user with an already hashed password, a member of `org_id` with `roles`.
    pub async fn create_user(
        &self,
        d: &UserDraft,
        password_hash: &str,
        instance_admin: bool,
        org_id: &str,
        roles: &[Role],
        actor: &Actor,
    ) -> Result<User> {
        let user = User::new(&d.email, &d.display_name, instance_admin);
        let mut w = self.write(actor, Some(org_id)).await?;
        insert_user(w.conn(), &user, password_hash).await?;
        insert_memberships(w.conn(), org_id, &user.id, roles).await?;
        let detail = serde_json::json!({
            "email": user.email,
            "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        });
        w.commit("member.added", ("user", &user.id), detail).await?;
        Ok(user)
    }

    pub async fn user(&self, id: &str) -> Result<User> {
        self.one(&format!("SELECT {COLUMNS} FROM users WHERE id = $1"), (id,))
            .await
    }

    /// The user with this e-mail address and their password hash, for signing in.
    pub async fn user_for_login(&self, email: &str) -> Result<Option<(User, String)>> {
        let r = sqlx::query(&format!(
            "SELECT {COLUMNS}, password_hash FROM users WHERE email = $1"
        ))
        .bind(email)
        .fetch_optional(self.pool())
        .await?;
        match r {
            Some(r) => Ok(Some((User::from_row(&r)?, r.try_get("password_hash")?))),
            None => Ok(None),
        }
    }

    pub async fn set_password_hash(&self, user_id: &str, hash: &str, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, None).await?;
        w.exec_found(
            "UPDATE users SET password_hash = $1 WHERE id = $2",
            (hash, user_id),
        )
        .await?;
        // Every session of the user ends with the old password.
        w.exec("DELETE FROM sessions WHERE user_id = $1", (user_id,))
            .await?;
        w.commit(
            "user.password_changed",
            ("user", user_id),
            serde_json::json!({}),
        )
        .await?;
        Ok(())
    }

    /// The roles a user holds in an organisation (empty when not a member).
    pub async fn roles_in(&self, user_id: &str, org_id: &str) -> Result<Vec<Role>> {
        let sql = "SELECT role FROM memberships WHERE user_id = $1 AND org_id = $2 ORDER BY role";
        let mut roles: Vec<Role> = self.all(sql, (user_id, org_id)).await?;
        roles.sort();
        Ok(roles)
    }

    /// The members of an organisation with their roles, by name.
    pub async fn members(&self, org_id: &str) -> Result<Vec<Member>> {
        let rows: Vec<Member> = self
            .all(
                "SELECT u.id, u.email, u.display_name, u.instance_admin, u.created_at, m.role
                 FROM users u JOIN memberships m ON m.user_id = u.id
                 WHERE m.org_id = $1 ORDER BY u.display_name, u.id, m.role",
                (org_id,),
            )
            .await?;
        let mut out: Vec<Member> = Vec::new();
        for row in rows {
            match out.last_mut() {
                Some(m) if m.user.id == row.user.id => m.roles.extend(row.roles),
                _ => out.push(row),
            }
        }
        for m in &mut out {
            m.roles.sort();
        }
        Ok(out)
    }

    /// One member of an organisation; `NotFound` when the user is not a member there.
    pub async fn member(&self, org_id: &str, user_id: &str) -> Result<Member> {
        let roles = self.roles_in(user_id, org_id).await?;
        if roles.is_empty() {
            return Err(StoreError::NotFound);
        }
        Ok(Member {
            user: self.user(user_id).await?,
            roles,
        })
    }

    /// Replaces a member's roles in an organisation (adds the membership if new).
    pub async fn set_roles(
        &self,
        org_id: &str,
        user_id: &str,
        roles: &[Role],
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
            (org_id, user_id),
        )
        .await?;
        insert_memberships(w.conn(), org_id, user_id, roles).await?;
        let detail =
            serde_json::json!({ "roles": roles.iter().map(|r| r.as_str()).collect::<Vec<_>>() });
        w.commit("member.roles_set", ("user", user_id), detail)
            .await?;
        Ok(())
    }

    /// Ends a membership and the sessions that worked in that organisation.
    pub async fn remove_member(&self, org_id: &str, user_id: &str, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec_found(
            "DELETE FROM memberships WHERE org_id = $1 AND user_id = $2",
            (org_id, user_id),
        )
        .await?;
        w.exec(
            "DELETE FROM sessions WHERE org_id = $1 AND user_id = $2",
            (org_id, user_id),
        )
        .await?;
        w.commit("member.removed", ("user", user_id), serde_json::json!({}))
            .await?;
        Ok(())
    }

    /// How many administrators an organisation has (it must keep at least one).
    pub async fn administrator_count(&self, org_id: &str) -> Result<i64> {
        let r = sqlx::query(
            "SELECT COUNT(*) AS n FROM memberships WHERE org_id = $1 AND role = 'administrator'",
        )
        .bind(org_id)
        .fetch_one(self.pool())
        .await?;
        Ok(r.try_get("n")?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    async fn members_and_roles(s: Store) {
        let org = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let d = UserDraft::parse("anna@example.nl", "Anna", "a long password").unwrap();
        let u = s
            .users()
            .create_user(
                &d,
                "hash",
                false,
                &org.id,
                &[Role::Analyst, Role::Viewer],
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(
            s.users().roles_in(&u.id, &org.id).await.unwrap(),
            vec![Role::Viewer, Role::Analyst]
        );
        assert!(matches!(
            s.users()
                .create_user(&d, "hash", false, &org.id, &[Role::Viewer], &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        s.users()
            .set_roles(&org.id, &u.id, &[Role::Administrator], &Actor::cli())
            .await
            .unwrap();
        let m = s.users().members(&org.id).await.unwrap();
        assert_eq!(m.len(), 1);
        assert_eq!(m[0].roles, vec![Role::Administrator]);
        assert_eq!(s.users().administrator_count(&org.id).await.unwrap(), 1);
        let (found, hash) = s
            .users()
            .user_for_login("anna@example.nl")
            .await
            .unwrap()
            .unwrap();
        assert_eq!((found.id.as_str(), hash.as_str()), (u.id.as_str(), "hash"));
        s.users()
            .remove_member(&org.id, &u.id, &Actor::cli())
            .await
            .unwrap();
        assert!(matches!(
            s.users().member(&org.id, &u.id).await,
            Err(StoreError::NotFound)
        ));
        let log = s.audit().audit_events(&org.id, 10, None).await.unwrap();
        let actions: Vec<_> = log.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "member.removed",
                "member.roles_set",
                "member.added",
                "organisation.created"
            ]
        );
    }

    on_both_backends!(members_and_roles);
}
