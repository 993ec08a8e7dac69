//! Organisation and membership operations, shared by the pages and the API so that both
//! apply the same rules.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_core::access::parse_roles;
use koers_core::error::Collector;
use koers_core::secret::generate_password;
use koers_core::{Email, Invalid, OrganisationDraft, Permission, Role, UserDraft};
use koers_store::{Member, Organisation, StoreError};

/// Checks that the user manages members in `org_id` (404 when not a member there).
async fn require_manager(state: &AppState, ctx: &Ctx, org_id: &str) -> Result<(), AppError> {
    let roles = ctx.roles_in(&state.store, org_id).await?;
    if koers_core::access::permitted(&roles, Permission::ManageMembers) {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

/// The organisation `org_id` if the user is a member of it.
pub async fn visible_org(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
) -> Result<Organisation, AppError> {
    ctx.roles_in(&state.store, org_id).await?;
    Ok(state.store.organisation(org_id).await?)
}

/// The members of `org_id`, for anyone who is a member there.
pub async fn members(state: &AppState, ctx: &Ctx, org_id: &str) -> Result<Vec<Member>, AppError> {
    ctx.roles_in(&state.store, org_id).await?;
    Ok(state.store.members(org_id).await?)
}

pub async fn member(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
    user_id: &str,
) -> Result<Member, AppError> {
    ctx.roles_in(&state.store, org_id).await?;
    Ok(state.store.member(org_id, user_id).await?)
}

/// A member added, and the initial password when koers made one (shown once, never stored).
pub struct Added {
    pub member: Member,
    pub initial_password: Option<String>,
}

/// Adds a member: an existing account by e-mail address, or a new account. Without a
/// password, koers generates one to hand over.
pub async fn add_member(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
    mut input: Input,
) -> Result<Added, AppError> {
    require_manager(state, ctx, org_id).await?;
    let email = input.text("email");
    let display_name = input.text("displayName");
    let roles_raw = input.texts("roles");
    let password = input.text("password");
    let mut c = Collector::default();
    let parsed_email = c.take(Email::parse(&email));
    let roles = c.take(parse_roles(roles_raw.iter().map(String::as_str)));
    let existing = match &parsed_email {
        Some(e) => state
            .store
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
    let roles = roles.ok_or(AppError::Internal("roles missing after validation".into()))?;
    let actor = ctx.actor();
    match (existing, draft) {
        (Some(user), _) => {
            if !state.store.roles_in(&user.id, org_id).await?.is_empty() {
                return Err(AppError::Conflict("Deze persoon is al lid".into()));
            }
            state
                .store
                .set_roles(org_id, &user.id, &roles, &actor)
                .await?;
            Ok(Added {
                member: state.store.member(org_id, &user.id).await?,
                initial_password: None,
            })
        }
        (None, Some(draft)) => {
            let hash = crate::passwords::hash(draft.password.expose()).await?;
            let user = state
                .store
                .create_user(&draft, &hash, false, org_id, &roles, &actor)
                .await?;
            Ok(Added {
                member: state.store.member(org_id, &user.id).await?,
                initial_password: generated,
            })
        }
        (None, None) => Err(AppError::Internal(
            "user draft missing after validation".into(),
        )),
    }
}

/// Would leave the organisation without an administrator?
async fn keeps_an_administrator(
    state: &AppState,
    org_id: &str,
    user_id: &str,
    new_roles: &[Role],
) -> Result<(), AppError> {
    let current = state.store.roles_in(user_id, org_id).await?;
    let loses_admin =
        current.contains(&Role::Administrator) && !new_roles.contains(&Role::Administrator);
    if loses_admin && state.store.administrator_count(org_id).await? <= 1 {
        return Err(AppError::Conflict(
            "Een organisatie houdt minstens één beheerder".into(),
        ));
    }
    Ok(())
}

pub async fn set_roles(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
    user_id: &str,
    mut input: Input,
) -> Result<Member, AppError> {
    require_manager(state, ctx, org_id).await?;
    state.store.member(org_id, user_id).await?;
    let raw = input.texts("roles");
    let roles = input.finish(parse_roles(raw.iter().map(String::as_str)))?;
    keeps_an_administrator(state, org_id, user_id, &roles).await?;
    state
        .store
        .set_roles(org_id, user_id, &roles, &ctx.actor())
        .await?;
    Ok(state.store.member(org_id, user_id).await?)
}

pub async fn remove_member(
    state: &AppState,
    ctx: &Ctx,
    org_id: &str,
    user_id: &str,
) -> Result<(), AppError> {
    require_manager(state, ctx, org_id).await?;
    state.store.member(org_id, user_id).await?;
    keeps_an_administrator(state, org_id, user_id, &[]).await?;
    state
        .store
        .remove_member(org_id, user_id, &ctx.actor())
        .await?;
    Ok(())
}

/// Creates an organisation (deployment administrators only); the creator becomes its
/// administrator so that someone can manage it.
pub async fn create_organisation(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Organisation, AppError> {
    ctx.require_instance_admin()?;
    let name = input.text("name");
    let kind = input.text("kind");
    let cbs = input.text("cbsCode");
    let tooi = input.text("tooiCode");
    let draft = input.finish(OrganisationDraft::parse(&name, &kind, &cbs, &tooi))?;
    let org = state
        .store
        .create_organisation(&draft, &ctx.actor())
        .await?;
    state
        .store
        .set_roles(&org.id, &ctx.user.id, &[Role::Administrator], &ctx.actor())
        .await?;
    Ok(org)
}

/// Switches the session to another organisation the user is a member of.
pub async fn switch_org(state: &AppState, ctx: &Ctx, org_id: &str) -> Result<(), AppError> {
    ctx.roles_in(&state.store, org_id).await?;
    state
        .store
        .switch_session_org(ctx.session_token()?, org_id)
        .await
        .map_err(|e| match e {
            StoreError::NotFound => AppError::Unauthorized,
            other => other.into(),
        })
}

/// Changes the user's own password after checking the current one; all their sessions end.
pub async fn change_password(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<(), AppError> {
    let current = input.text("currentPassword");
    let new = input.text("newPassword");
    let parsed = koers_core::NewPassword::parse(&new).map_err(|Invalid(e)| {
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
    let Some((_, hash)) = state.store.user_for_login(&ctx.user.email).await? else {
        return Err(AppError::NotFound);
    };
    if !crate::passwords::verify(&current, &hash).await? {
        return Err(AppError::Invalid(Invalid::one(
            "currentPassword",
            "mismatch",
            "klopt niet",
        )));
    }
    let hash = crate::passwords::hash(new.expose()).await?;
    state
        .store
        .set_password_hash(&ctx.user.id, &hash, &ctx.actor())
        .await?;
    Ok(())
}
