//! `/notifications`: the signed-in person's notifications in the current organisation.

use crate::auth::Ctx;
use crate::error::{AppError, JsonReply};
use crate::input::JsonInput;
use crate::notifications::views::text;
use crate::state::AppState;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, patch};
use axum::{Json, Router};
use koers_app::notifications;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/notifications" => get(list_notifications),
        "/notifications/{notification_id}" => patch(mark_notification),
    }
}

/// A notification.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct NotificationOut {
    pub id: String,
    /// `question.assigned`, `question.moved`, `question.commented`, `question.attachment`, ….
    pub kind: String,
    /// The sentence, in the language of the request.
    pub text: String,
    /// The facts the sentence is made of.
    #[schema(value_type = Object)]
    pub params: serde_json::Value,
    /// The page in koers it is about.
    pub link: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub read_at: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread notifications.
    pub unread: Option<bool>,
}

/// Marks a notification read.
#[derive(ToSchema)]
pub struct NotificationPatch {
    /// `true`: mark read.
    pub read: bool,
}

/// Your notifications in the current organisation, newest first (at most 200).
#[utoipa::path(get, path = "/notifications", tag = "meldingen", params(NotificationQuery),
    responses((status = 200, description = "Meldingen", body = Vec<NotificationOut>)))]
pub async fn list_notifications(
    ctx: Ctx,
    Query(q): Query<NotificationQuery>,
) -> JsonReply<Vec<NotificationOut>> {
    let all = notifications::notifications(ctx.ws(), &ctx.who, q.unread.unwrap_or(false)).await?;
    Ok(Json(
        all.iter()
            .map(|n| NotificationOut {
                id: n.id.clone(),
                kind: n.kind.clone(),
                text: text(ctx.lang, n),
                params: n.params.clone(),
                link: n.link.clone(),
                created_at: n.created_at.clone(),
                read_at: n.read_at.clone(),
            })
            .collect(),
    ))
}

/// Mark one of your notifications read.
#[utoipa::path(patch, path = "/notifications/{notificationId}", tag = "meldingen",
    params(("notificationId" = String, Path, description = "Id van de melding")),
    request_body = NotificationPatch, responses((status = 204, description = "Gelezen")))]
pub async fn mark_notification(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Result<StatusCode, AppError> {
    notifications::mark_one_read(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(list_notifications, mark_notification,))]
pub struct Doc;
