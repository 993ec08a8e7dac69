//! Personal API tokens. Any signed-in person may hold tokens; a token never does more than
//! its user's roles allow at the moment it is used. Only a session (a password or OpenID
//! Connect sign-in) makes tokens: a token cannot make further tokens, so a leaked token
//! cannot outlive its own expiry or revocation. Listing and revoking work with either.

use super::ApiToken;
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::tokens::TokenDraft;
use std::net::IpAddr;

/// A token just made: the secret to show once (koers keeps only its digest), and the token.
#[derive(Debug, Clone)]
pub struct Created {
    pub secret: String,
    pub token: ApiToken,
}

/// Makes a token acting in the organisation `who` works in, from the fields `name`, `scope`
/// (`read` or `read_write`) and `expiresOn` (`YYYY-MM-DD`); `client` is audited.
pub async fn create(
    ws: &Workspace,
    who: &Principal,
    client: IpAddr,
    mut input: Input,
) -> Result<Created> {
    if who.via_token {
        return Err(Error::SessionRequired);
    }
    let name = input.text("name");
    let scope = input.text("scope");
    let expires_on = input.text("expiresOn");
    let today = chrono::Utc::now().date_naive();
    let draft = input.finish(TokenDraft::parse(&name, &scope, &expires_on, today))?;
    let (secret, token) = ws
        .store
        .tokens()
        .create_api_token(
            &who.user.id,
            &who.org.id,
            &draft,
            &who.actor(),
            &client.to_string(),
        )
        .await?;
    Ok(Created { secret, token })
}

/// The user's own tokens, newest first.
pub async fn list(ws: &Workspace, who: &Principal) -> Result<Vec<ApiToken>> {
    Ok(ws.store.tokens().api_tokens(&who.user.id).await?)
}

/// Revokes one of the user's own tokens (another's is not found); `client` is audited.
pub async fn revoke(ws: &Workspace, who: &Principal, client: IpAddr, id: &str) -> Result<()> {
    Ok(ws
        .store
        .tokens()
        .revoke_api_token(&who.user.id, id, &who.actor(), &client.to_string())
        .await?)
}
