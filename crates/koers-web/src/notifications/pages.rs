//! Meldingen: what happened to the work someone holds a role in.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::FormInput;
use crate::notifications::views::text;
use crate::shell::page;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_app::notifications;
use minijinja::context;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meldingen", get(list))
        .route("/meldingen/gelezen", post(mark_read))
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let items: Vec<_> = notifications::notifications(&state.ws, &ctx.who, false)
        .await?
        .into_iter()
        .map(|n| {
            context! {
                id => n.id, text => text(ctx.lang, &n), link => n.link,
                at => n.created_at, unread => n.read_at.is_none(),
            }
        })
        .collect();
    let html = page(
        &state,
        &ctx,
        "notifications.html",
        "/meldingen",
        context! { items => items },
    )
    .await?;
    Ok(html.into_response())
}

/// Marks one notification (field `id`) or all of them read.
async fn mark_read(
    State(state): State<AppState>,
    ctx: Ctx,
    FormInput(mut input): FormInput,
) -> Result<Response, AppError> {
    let id = input.text("id");
    input.finish(Ok(()))?;
    notifications::mark_read(&state.ws, &ctx.who, Some(&id)).await?;
    Ok(Redirect::to("/meldingen").into_response())
}
