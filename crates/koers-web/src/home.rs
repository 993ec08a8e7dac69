//! The home page: the seven modules and what each is for, for every member.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::shell::page;
use crate::state::AppState;
use axum::Router;
use axum::response::Html;
use axum::routing::get;
use koers_core::Permission;
use minijinja::context;

pub fn router() -> Router<AppState> {
    routes! {
        "/" => get(home),
    }
}

async fn home(ctx: Ctx) -> Result<Html<String>, AppError> {
    ctx.require(Permission::Read)?;
    page(&ctx, "home.html", "/", context! {}).await
}
