//! Organisations, their members and roles, and their audit log.
//!
//! Who may do what: an organisation someone is not a member of does not exist for them (not
//! found). Members read their organisation and its members; managing members needs
//! `ManageMembers` (administrators) there, reading the audit log `ReadAudit`. An
//! organisation always keeps at least one administrator. Only deployment administrators
//! list every organisation and create new ones.

pub use koers_core::audit::AuditFilter;
pub use koers_store::{AuditEvent, Member, Organisation, User};

use crate::accounts::passwords;
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::access::{parse_roles, permitted};
use koers_core::error::Collector;
use koers_core::secret::generate_password;
use koers_core::{Email, Invalid, OrganisationDraft, Permission, Role, UserDraft};

/// Refuses unless `who` holds permission `p` in `org_id` (not found when not a member there).
async fn require_in(ws: &Workspace, who: &Principal, org_id: &str, p: Permission) -> Result<()> {
    let roles = who.roles_in(&ws.store, org_id).await?;
    crate::allow(permitted(&roles, p))
}

/// The member organisations of `org_id`, when it is an umbrella body (its members read the
/// list).
pub async fn member_organisations(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
) -> Result<Vec<Organisation>> {
    require_in(ws, who, org_id, Permission::Read).await?;
    Ok(ws
        .store
        .organisations()
        .member_organisations(org_id)
        .await?)
}

/// Lists an organisation (field `code`: its CBS code, or its id) as a member of the umbrella
/// body `org_id` (its administrators, [`koers_core::organisation::check_member`]).
pub async fn add_member_organisation(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    mut input: Input,
) -> Result<Organisation> {
    require_in(ws, who, org_id, Permission::ManageMembers).await?;
    let umbrella = ws.store.organisations().organisation(org_id).await?;
    let code = input.text("code");
    input.finish(Ok(()))?;
    let orgs = ws.store.organisations();
    let found = match orgs.organisation_by_cbs(code.trim()).await {
        Err(koers_store::StoreError::NotFound) => orgs.organisation(code.trim()).await,
        r => r,
    };
    let member = match found {
        Ok(o) => o,
        Err(koers_store::StoreError::NotFound) => {
            return Err(Error::Invalid(Invalid::one(
                "code",
                "unknown",
                "geen organisatie in koers met deze CBS-code",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    koers_core::organisation::check_member(umbrella.kind, member.kind, member.id == umbrella.id)?;
    ws.store
        .organisations()
        .add_member_organisation(&umbrella, &member, &who.actor())
        .await?;
    Ok(member)
}

/// Takes a member organisation off the umbrella body `org_id`'s list (its administrators).
pub async fn remove_member_organisation(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    member_id: &str,
) -> Result<Organisation> {
    require_in(ws, who, org_id, Permission::ManageMembers).await?;
    let umbrella = ws.store.organisations().organisation(org_id).await?;
    let member = ws
        .store
        .organisations()
        .member_organisations(org_id)
        .await?
        .into_iter()
        .find(|m| m.id == member_id)
        .ok_or(Error::NotFound)?;
    ws.store
        .organisations()
        .remove_member_organisation(&umbrella, &member, &who.actor())
        .await?;
    Ok(member)
}

/// The organisations `who` is a member of.
pub async fn mine(ws: &Workspace, who: &Principal) -> Result<Vec<Organisation>> {
    Ok(ws
        .store
        .organisations()
        .organisations_of(&who.user.id)
        .await?)
}

/// Every organisation on this koers (deployment administrators).
pub async fn all(ws: &Workspace, who: &Principal) -> Result<Vec<Organisation>> {
    who.require_instance_admin()?;
    Ok(ws.store.organisations().organisations().await?)
}

/// The organisation `org_id`, for its members.
pub async fn get(ws: &Workspace, who: &Principal, org_id: &str) -> Result<Organisation> {
    require_in(ws, who, org_id, Permission::Read).await?;
    Ok(ws.store.organisations().organisation(org_id).await?)
}

/// The members of `org_id`, for its members.
pub async fn members(ws: &Workspace, who: &Principal, org_id: &str) -> Result<Vec<Member>> {
    require_in(ws, who, org_id, Permission::Read).await?;
    Ok(ws.store.users().members(org_id).await?)
}

/// One member of `org_id`, for its members.
pub async fn member(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    user_id: &str,
) -> Result<Member> {
    require_in(ws, who, org_id, Permission::Read).await?;
    Ok(ws.store.users().member(org_id, user_id).await?)
}

/// A member added, and the initial password when koers made one (shown once, never stored).
#[derive(Debug, Clone)]
pub struct Added {
    pub member: Member,
    pub initial_password: Option<String>,
}

/// Adds a member (fields `email`, `displayName`, `roles`, `password`): an existing account
/// by e-mail address, or a new account. Without a password, koers generates one to hand
/// over.
pub async fn add_member(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    mut input: Input,
) -> Result<Added> {
    require_in(ws, who, org_id, Permission::ManageMembers).await?;
    let email = input.text("email");
    let display_name = input.text("displayName");
    let roles_raw = input.texts("roles");
    let password = input.text("password");
    let mut c = Collector::default();
    let parsed_email = c.take(Email::parse(&email));
    let roles = c.take(parse_roles(roles_raw.iter().map(String::as_str)));
    let existing = match &parsed_email {
        Some(e) => ws
            .store
            .users()
            .user_for_login(e.as_str())
            .await?
            .map(|(u, _)| u),
        None => None,
    };
    let generated = password.is_empty().then(generate_password);
    let password = generated.clone().unwrap_or(password);
    let draft = if existing.is_none() {
        c.take(
            UserDraft::parse(&email, &display_name, &password).map_err(|Invalid(errs)| {
                Invalid(errs.into_iter().filter(|e| e.name != "email").collect())
            }),
        )
    } else {
        None
    };
    input.finish(c.finish())?;
    let roles = roles.ok_or(Error::Internal("roles missing after validation".into()))?;
    let actor = who.actor();
    match (existing, draft) {
        (Some(user), _) => {
            if !ws
                .store
                .users()
                .roles_in(&user.id, org_id)
                .await?
                .is_empty()
            {
                return Err(Error::Conflict("Deze persoon is al lid".into()));
            }
            ws.store
                .users()
                .set_roles(org_id, &user.id, &roles, &actor)
                .await?;
            Ok(Added {
                member: ws.store.users().member(org_id, &user.id).await?,
                initial_password: None,
            })
        }
        (None, Some(draft)) => {
            let hash = passwords::hash(draft.password.expose()).await?;
            let user = ws
                .store
                .users()
                .create_user(&draft, &hash, false, org_id, &roles, &actor)
                .await?;
            Ok(Added {
                member: ws.store.users().member(org_id, &user.id).await?,
                initial_password: generated,
            })
        }
        (None, None) => Err(Error::Internal(
            "user draft missing after validation".into(),
        )),
    }
}

/// Refuses a change that would leave the organisation without an administrator.
async fn keeps_an_administrator(
    ws: &Workspace,
    org_id: &str,
    user_id: &str,
    new_roles: &[Role],
) -> Result<()> {
    let current = ws.store.users().roles_in(user_id, org_id).await?;
    let loses_admin =
        current.contains(&Role::Administrator) && !new_roles.contains(&Role::Administrator);
    if loses_admin && ws.store.users().administrator_count(org_id).await? <= 1 {
        return Err(Error::Conflict(
            "Een organisatie houdt minstens één beheerder".into(),
        ));
    }
    Ok(())
}

/// Replaces a member's roles (field `roles`).
pub async fn set_roles(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    user_id: &str,
    mut input: Input,
) -> Result<Member> {
    require_in(ws, who, org_id, Permission::ManageMembers).await?;
    ws.store.users().member(org_id, user_id).await?;
    let raw = input.texts("roles");
    let roles = input.finish(parse_roles(raw.iter().map(String::as_str)))?;
    keeps_an_administrator(ws, org_id, user_id, &roles).await?;
    ws.store
        .users()
        .set_roles(org_id, user_id, &roles, &who.actor())
        .await?;
    Ok(ws.store.users().member(org_id, user_id).await?)
}

/// Removes a member.
pub async fn remove_member(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    user_id: &str,
) -> Result<()> {
    require_in(ws, who, org_id, Permission::ManageMembers).await?;
    ws.store.users().member(org_id, user_id).await?;
    keeps_an_administrator(ws, org_id, user_id, &[]).await?;
    ws.store
        .users()
        .remove_member(org_id, user_id, &who.actor())
        .await?;
    Ok(())
}

/// Creates an organisation (fields `name`, `kind`, `cbsCode`, `tooiCode`; deployment
/// administrators only); the creator becomes its administrator so that someone can manage
/// it.
pub async fn create(ws: &Workspace, who: &Principal, mut input: Input) -> Result<Organisation> {
    who.require_instance_admin()?;
    let name = input.text("name");
    let kind = input.text("kind");
    let cbs = input.text("cbsCode");
    let tooi = input.text("tooiCode");
    let draft = input.finish(OrganisationDraft::parse(&name, &kind, &cbs, &tooi))?;
    let org = ws
        .store
        .organisations()
        .create_organisation(&draft, &who.actor())
        .await?;
    ws.store
        .users()
        .set_roles(&org.id, &who.user.id, &[Role::Administrator], &who.actor())
        .await?;
    Ok(org)
}

/// The audit log of `org_id`, newest first: at most `limit` events (the store keeps it
/// between 1 and 500), older than sequence number `before` when given, that `filter` lets
/// through (administrators).
pub async fn audit_events(
    ws: &Workspace,
    who: &Principal,
    org_id: &str,
    limit: i64,
    before: Option<i64>,
    filter: &AuditFilter,
) -> Result<Vec<AuditEvent>> {
    require_in(ws, who, org_id, Permission::ReadAudit).await?;
    Ok(ws
        .store
        .audit()
        .audit_events_where(org_id, limit, before, filter)
        .await?)
}
