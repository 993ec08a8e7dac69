//! The overview page and the module pages.

use super::{MODULES, page};
use crate::auth::Ctx;
use crate::error::AppError;
use crate::startup::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::Html;
use axum::routing::get;
use koers_core::Permission;
use minijinja::context;

pub fn router() -> Router<AppState> {
    let mut r = Router::new().route("/", get(home));
    for m in MODULES.iter().filter(|m| !m.built) {
        let slug = m.slug;
        r = r.route(
            &format!("/{slug}"),
            get(move |State(state): State<AppState>, ctx: Ctx| module(state, ctx, slug)),
        );
    }
    r
}

async fn home(State(state): State<AppState>, ctx: Ctx) -> Result<Html<String>, AppError> {
    ctx.require(Permission::Read)?;
    page(&state, &ctx, "home.html", "/", context! {}).await
}

/// A module that is not built yet: what it will do, and that it is not there yet.
async fn module(state: AppState, ctx: Ctx, slug: &'static str) -> Result<Html<String>, AppError> {
    ctx.require(Permission::Read)?;
    let module = MODULES
        .iter()
        .find(|m| m.slug == slug)
        .ok_or(AppError::NotFound)?;
    page(
        &state,
        &ctx,
        "module.html",
        &format!("/{slug}"),
        context! { module => module },
    )
    .await
}
