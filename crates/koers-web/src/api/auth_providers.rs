//! `/auth-providers`: the OpenID Connect providers people may sign in with (public).

use crate::state::AppState;
use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new().route("/auth-providers", get(list_auth_providers))
}

/// An OpenID Connect provider people may sign in with, beside e-mail address and password.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuthProviderOut {
    /// Short name of the provider.
    pub id: String,
    /// Its name as the sign-in page shows it.
    pub name: String,
    /// The issuer of its ID tokens.
    pub issuer: String,
    /// The page that starts signing in there (in a browser).
    pub login_url: String,
}

/// The sign-in providers of this koers; no sign-in needed.
#[utoipa::path(get, path = "/auth-providers", tag = "sessies", security(()),
    responses((status = 200, description = "De inlogdiensten", body = Vec<AuthProviderOut>)))]
pub async fn list_auth_providers(State(state): State<AppState>) -> Json<Vec<AuthProviderOut>> {
    Json(
        state
            .cfg
            .oidc
            .iter()
            .map(|p| AuthProviderOut {
                id: p.id.clone(),
                name: p.name.clone(),
                issuer: p.issuer.clone(),
                login_url: format!("/login/oidc/{}", p.id),
            })
            .collect(),
    )
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_auth_providers,))]
pub struct Doc;
