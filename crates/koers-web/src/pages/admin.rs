//! Deployment administration: the organisations on this koers.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::shell::{form_problem, page};
use crate::state::AppState;
use crate::workspace;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koers_core::OrgKind;
use minijinja::{Value, context};

pub fn router() -> Router<AppState> {
    Router::new().route("/beheer/organisaties", get(list).post(create))
}

async fn render(
    state: &AppState,
    ctx: &Ctx,
    status: StatusCode,
    extra: Value,
) -> Result<Response, AppError> {
    ctx.require_instance_admin()?;
    let all = state.store.organisations().await?;
    let kinds: Vec<_> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    let html = page(
        state,
        ctx,
        "admin_orgs.html",
        "/beheer/organisaties",
        context! { all => all, kinds => kinds, ..extra },
    )
    .await?;
    Ok((status, html).into_response())
}

async fn list(State(state): State<AppState>, ctx: Ctx) -> Result<Response, AppError> {
    render(&state, &ctx, StatusCode::OK, context! {}).await
}

async fn create(
    State(state): State<AppState>,
    ctx: Ctx,
    body: Bytes,
) -> Result<Response, AppError> {
    ctx.require_instance_admin()?;
    let form = crate::input::form_value(&crate::input::form(&body)?);
    match workspace::create_organisation(&state, &ctx, crate::input::form(&body)?).await {
        Ok(org) => render(&state, &ctx, StatusCode::OK, context! { created => org }).await,
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { form => form, ..form_problem(&e) };
            render(&state, &ctx, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}
