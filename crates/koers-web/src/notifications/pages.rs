//! Meldingen: what happened to the work someone holds a role in.

use crate::auth::Ctx;
use crate::error::Reply;
use crate::input::FormInput;
use crate::notifications::views::text;
use crate::shell::page_with_status;
use crate::state::AppState;
use axum::Router;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::notifications;
use minijinja::context;

pub fn router() -> Router<AppState> {
    routes! {
        "/meldingen" => get(list),
        "/meldingen/gelezen" => post(mark_read),
    }
}

async fn list(ctx: Ctx) -> Reply {
    let items: Vec<_> = notifications::notifications(ctx.ws(), &ctx.who, false)
        .await?
        .into_iter()
        .map(|n| {
            context! {
                id => n.id, text => text(ctx.lang, &n), link => n.link,
                at => n.created_at, unread => n.read_at.is_none(),
            }
        })
        .collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "notifications.html",
        "/meldingen",
        context! { items => items },
    )
    .await
}

/// Marks one notification (field `id`) or all of them read.
async fn mark_read(ctx: Ctx, FormInput(mut input): FormInput) -> Reply {
    let id = input.text("id");
    input.finish(Ok(()))?;
    notifications::mark_read(ctx.ws(), &ctx.who, Some(&id)).await?;
    Ok(Redirect::to("/meldingen").into_response())
}
