//! Who asks for a use case: the signed-in user, the organisation they act in, their roles
//! there, and the actor the audit log names. Every use case takes a [`Principal`] and checks
//! the permission it needs once, here, whoever calls it (a page, the API, the command line).

use crate::{Error, Result};
use koers_core::access::permitted;
use koers_core::{Permission, Role};
use koers_store::{Actor, Organisation, Store, User};

#[derive(Debug, Clone)]
pub struct Principal {
    pub user: User,
    pub org: Organisation,
    pub roles: Vec<Role>,
    /// Who the audit log names: the user, and the API token when one is used.
    pub actor: Actor,
    /// Acting through a personal API token, which acts in its own organisation only.
    pub via_token: bool,
}

impl Principal {
    /// Refuses unless one of the roles permits `p`.
    pub fn require(&self, p: Permission) -> Result<()> {
        crate::allow(self.may(p))
    }

    /// Whether one of the roles permits `p`.
    pub fn may(&self, p: Permission) -> bool {
        permitted(&self.roles, p)
    }

    /// Whether they hold no role in the organisation: a guest, who sees only what is shared
    /// with them.
    pub fn is_guest(&self) -> bool {
        self.roles.is_empty()
    }

    /// Refuses an API token: this needs a session (a password or OpenID Connect sign-in).
    pub fn require_session(&self) -> Result<()> {
        if self.via_token {
            Err(Error::SessionRequired)
        } else {
            Ok(())
        }
    }

    /// Refuses unless the user administers the whole deployment.
    pub fn require_instance_admin(&self) -> Result<()> {
        crate::allow(self.user.instance_admin)
    }

    /// Who the audit log names.
    pub fn actor(&self) -> Actor {
        self.actor.clone()
    }

    /// The roles the user holds in organisation `org_id`; an organisation they are not a
    /// member of does not exist for them (not found), whatever its id. An API token acts in
    /// its own organisation only.
    pub async fn roles_in(&self, store: &Store, org_id: &str) -> Result<Vec<Role>> {
        if org_id == self.org.id {
            return Ok(self.roles.clone());
        }
        if self.via_token {
            return Err(Error::NotFound);
        }
        let roles = store.users().roles_in(&self.user.id, org_id).await?;
        if roles.is_empty() {
            Err(Error::NotFound)
        } else {
            Ok(roles)
        }
    }
}
