//! `/`: the overview, the member's own task list.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::notifications::views::text;
use crate::overview::views::{TaskRow, today};
use crate::shell::page;
use crate::state::AppState;
use axum::Router;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;
use koers_app::overview;
use koers_core::Permission;
use minijinja::context;

pub fn router() -> Router<AppState> {
    routes! {
        "/" => get(home),
    }
}

/// The overview; a guest, who holds no role here, goes to what is shared with them.
async fn home(ctx: Ctx) -> Result<Response, AppError> {
    if ctx.is_guest() {
        return Ok(Redirect::to("/gast").into_response());
    }
    let o = overview::overview(ctx.ws(), &ctx.who).await?;
    let today = today();
    let tasks: Vec<TaskRow> = o.tasks.iter().map(|t| TaskRow::new(t, &today)).collect();
    let notifications: Vec<_> = o
        .notifications
        .iter()
        .map(|n| context! { text => text(ctx.lang, n), link => n.link, at => n.created_at })
        .collect();
    let may = context! {
        analyse => ctx.may(Permission::Analyse),
        manage_data => ctx.may(Permission::ManageData),
        questions => ctx.may(Permission::ManageQuestions),
        board => ctx.may(Permission::DecideAsBoard),
        research => ctx.may(Permission::Research),
        learning => ctx.may(Permission::CoordinateLearning),
    };
    page(
        &ctx,
        "home.html",
        "/",
        context! { tasks, notifications, unread_total => o.unread, may },
    )
    .await
    .map(IntoResponse::into_response)
}
