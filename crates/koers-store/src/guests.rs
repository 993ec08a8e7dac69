//! Guest invitations: who outside the organisation may see which one object, with what they
//! may do there, and since when they took it up (see [`koers_core::guests`]).

use crate::audit::Actor;
use crate::sql::{Binds, Write, from_row, parsed, stored};
use crate::users::{User, insert_user};
use crate::{Result, StoreError, new_id, now, parse_stamp, stamp};
use koers_core::UserDraft;
use koers_core::guests::{
    Ability, GrantState, GuestInvite, GuestObject, abilities_from_str, abilities_to_str,
};
use serde::Serialize;
use sqlx::Row;

/// An invitation of a guest to one object.
#[derive(Debug, Clone, Serialize)]
pub struct GuestGrant {
    pub id: String,
    pub org_id: String,
    pub object_type: GuestObject,
    pub object_id: String,
    pub email: String,
    pub name: String,
    pub affiliation: String,
    pub abilities: Vec<Ability>,
    /// The guest's account, once they accepted.
    pub user_id: Option<String>,
    /// Who invited them, as the audit log names them.
    pub invited_by: String,
    pub created_at: String,
    pub expires_at: String,
    pub accepted_at: Option<String>,
    pub revoked_at: Option<String>,
    /// Where the invitation stood when it was read.
    pub state: GrantState,
}

from_row!(r => GuestGrant { id, org_id, object_id, email, name, affiliation, user_id, invited_by, created_at, expires_at, accepted_at, revoked_at;
    object_type: parsed(r, "object_type", |s| GuestObject::parse(s).ok_or("onbekend soort object"))?,
    abilities: abilities_from_str(&r.try_get::<String, _>("abilities")?),
    state: state_of(r)?,
});

/// Where the invitation of row `r` stands now.
fn state_of(r: &sqlx::any::AnyRow) -> Result<GrantState> {
    let accepted: Option<String> = r.try_get("accepted_at")?;
    let revoked: Option<String> = r.try_get("revoked_at")?;
    let expires = parse_stamp(&r.try_get::<String, _>("expires_at")?)?;
    Ok(GrantState::of(
        accepted.is_some(),
        revoked.is_some(),
        expires,
        chrono::Utc::now(),
    ))
}

const GRANT: &str = "SELECT id, org_id, object_type, object_id, email, name, affiliation, abilities, user_id, invited_by, created_at, expires_at, accepted_at, revoked_at FROM guest_grants";

stored!(GuestGrant: GRANT);

impl GuestGrant {
    /// Whether the invitation lets the guest do `a`.
    pub fn allows(&self, a: Ability) -> bool {
        self.abilities.contains(&a)
    }

    /// How the audit log names the guest.
    pub fn actor(&self) -> Actor {
        Actor {
            user_id: self.user_id.clone(),
            label: koers_core::guests::audit_label(&self.email, &self.affiliation),
        }
    }
}

crate::repository!(
    /// Guests invited to single objects.
    guests
);

impl Repo<'_> {
    /// Invites a guest to `object` (its kind and id) of organisation `org_id`; the link's
    /// token is kept only as `token_digest`.
    pub async fn invite(
        &self,
        org_id: &str,
        object: (GuestObject, &str),
        inv: &GuestInvite,
        token_digest: &str,
        actor: &Actor,
    ) -> Result<GuestGrant> {
        let (kind, object_id) = object;
        let id = new_id();
        let at = chrono::Utc::now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "INSERT INTO guest_grants (id, org_id, object_type, object_id, email, name, affiliation, abilities, token_digest, invited_by, created_at, expires_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            (&id, org_id, kind.as_str(), object_id, inv.email.as_str(), &inv.name, &inv.affiliation, abilities_to_str(&inv.abilities), token_digest, &actor.label, stamp(at), stamp(inv.expires_at(at))),
        )
        .await?;
        let detail = serde_json::json!({
            "grant": id, "email": inv.email.as_str(), "affiliation": inv.affiliation,
            "abilities": abilities_to_str(&inv.abilities), "days": inv.days,
        });
        w.commit_returning("guest.invited", (kind.as_str(), object_id), detail, &id)
            .await
    }

    /// The invitations to one object, newest first.
    pub async fn grants_on(
        &self,
        org_id: &str,
        object: (GuestObject, &str),
    ) -> Result<Vec<GuestGrant>> {
        self.all(
            &format!("{GRANT} WHERE org_id = $1 AND object_type = $2 AND object_id = $3 ORDER BY created_at DESC, id"),
            (org_id, object.0.as_str(), object.1),
        )
        .await
    }

    /// One invitation of the organisation.
    pub async fn grant(&self, org_id: &str, id: &str) -> Result<GuestGrant> {
        self.in_org(org_id, id).await
    }

    /// The invitation a link's token (by its digest) stands for.
    pub async fn by_token(&self, token_digest: &str) -> Result<Option<GuestGrant>> {
        self.optional(&format!("{GRANT} WHERE token_digest = $1"), (token_digest,))
            .await
    }

    /// The invitations a user accepted, in every organisation, newest first.
    pub async fn grants_of_user(&self, user_id: &str) -> Result<Vec<GuestGrant>> {
        self.all(
            &format!("{GRANT} WHERE user_id = $1 ORDER BY created_at DESC, id"),
            (user_id,),
        )
        .await
    }

    /// Withdraws an invitation: the link stops working and the guest loses access.
    pub async fn revoke(&self, g: &GuestGrant, actor: &Actor) -> Result<GuestGrant> {
        let w = self.write(actor, Some(&g.org_id)).await?;
        step(
            w,
            g,
            "UPDATE guest_grants SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL",
            (now(), &g.id),
            ("guest.revoked", "de uitnodiging is al ingetrokken"),
        )
        .await
    }

    /// Links an open invitation to the account of `user_id`, who accepted it.
    pub async fn accept(&self, g: &GuestGrant, user_id: &str) -> Result<GuestGrant> {
        let actor = Actor {
            user_id: Some(user_id.into()),
            ..g.actor()
        };
        let w = self.write(&actor, Some(&g.org_id)).await?;
        accept_in(w, g, user_id).await
    }

    /// Makes an account (no membership of any organisation) for the guest of an open
    /// invitation and links it, in one change.
    pub async fn accept_with_new_account(
        &self,
        g: &GuestGrant,
        d: &UserDraft,
        password_hash: &str,
    ) -> Result<(User, GuestGrant)> {
        let user = User::new(&d.email, &d.display_name, false);
        let actor = Actor {
            user_id: Some(user.id.clone()),
            ..g.actor()
        };
        let mut w = self.write(&actor, Some(&g.org_id)).await?;
        insert_user(w.conn(), &user, password_hash)
            .await
            .map_err(|_| StoreError::Conflict("er is al een account met dit adres".into()))?;
        let g = accept_in(w, g, &user.id).await?;
        Ok((user, g))
    }
}

async fn accept_in(w: Write<'_>, g: &GuestGrant, user_id: &str) -> Result<GuestGrant> {
    step(
        w,
        g,
        "UPDATE guest_grants SET user_id = $1, accepted_at = $2 WHERE id = $3 AND accepted_at IS NULL AND revoked_at IS NULL",
        (user_id, now(), &g.id),
        ("guest.accepted", "de uitnodiging is al gebruikt of ingetrokken"),
    )
    .await
}

/// Takes an invitation one step on (accepted, revoked) by `sql`, which changes it only while
/// that step is still open; audits `action` on the shared object and reads the grant back.
/// When the step was taken already: `Conflict` saying `taken`.
async fn step<'q>(
    mut w: Write<'_>,
    g: &GuestGrant,
    sql: &'q str,
    binds: impl Binds<'q>,
    (action, taken): (&str, &str),
) -> Result<GuestGrant> {
    w.exec_found(sql, binds)
        .await
        .map_err(|_| StoreError::Conflict(taken.into()))?;
    let detail = serde_json::json!({ "grant": g.id, "email": g.email });
    w.commit_returning(
        action,
        (g.object_type.as_str(), &g.object_id),
        detail,
        &g.id,
    )
    .await
}
