//! Meldingen: what happened to the work someone holds a role in.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::notifications::text;
use crate::shell::page;
use crate::state::AppState;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use minijinja::context;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/meldingen", get(list))
        .route("/meldingen/gelezen", post(mark_read))
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    let items: Vec<_> = state
        .store
        .notifications(&ctx.user.id, &ctx.org.id, 200)
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
    body: Bytes,
) -> Result<Response, AppError> {
    let mut input = crate::input::form(&body)?;
    let id = input.text("id");
    input.finish(Ok(()))?;
    let one = (!id.is_empty()).then_some(id.as_str());
    state
        .store
        .mark_notifications_read(&ctx.user.id, &ctx.org.id, one)
        .await?;
    Ok(Redirect::to("/meldingen").into_response())
}
