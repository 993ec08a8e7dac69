//! Personal API tokens, shared by the account page and the API so that both apply the same
//! rules. Any signed-in person may hold tokens; a token never does more than its user's
//! roles allow at the moment it is used. Only a session (a password or OpenID Connect
//! sign-in) makes tokens: a token cannot make further tokens, so a leaked token cannot
//! outlive its own expiry or revocation. Listing and revoking work with either.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_core::tokens::TokenDraft;
use koers_store::tokens::ApiToken;
use std::net::IpAddr;

/// Makes a token acting in the organisation the session works in, from the fields `name`,
/// `scope` (`read` or `read_write`) and `expiresOn` (`YYYY-MM-DD`); returns the token to
/// show once, and the stored token.
pub async fn create(
    state: &AppState,
    ctx: &Ctx,
    client: IpAddr,
    mut input: Input,
) -> Result<(String, ApiToken), AppError> {
    ctx.session_token()?;
    let name = input.text("name");
    let scope = input.text("scope");
    let expires_on = input.text("expiresOn");
    let today = chrono::Utc::now().date_naive();
    let draft = input.finish(TokenDraft::parse(&name, &scope, &expires_on, today))?;
    Ok(state
        .store
        .create_api_token(
            &ctx.user.id,
            &ctx.org.id,
            &draft,
            &ctx.actor(),
            &client.to_string(),
        )
        .await?)
}

/// The user's own tokens.
pub async fn list(state: &AppState, ctx: &Ctx) -> Result<Vec<ApiToken>, AppError> {
    Ok(state.store.api_tokens(&ctx.user.id).await?)
}

/// Revokes one of the user's own tokens (another's is not found).
pub async fn revoke(state: &AppState, ctx: &Ctx, client: IpAddr, id: &str) -> Result<(), AppError> {
    Ok(state
        .store
        .revoke_api_token(&ctx.user.id, id, &ctx.actor(), &client.to_string())
        .await?)
}
