//! What the catalog shows in more than one place: a background job (the job page and the
//! API's `202 Accepted` answers of imports and refreshes) and a dataset's source (the
//! dataset's page and the sources API).

use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use koers_app::sources::SourceView;
use serde::Serialize;
use utoipa::ToSchema;

/// A background job and its progress.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct JobOut {
    pub id: String,
    pub label: String,
    /// `running`, `done` or `failed`.
    pub state: String,
    pub percent: u64,
    /// Work done, in `unit`.
    pub done: u64,
    /// Work in all, in `unit`; 0 while not yet known.
    pub total: u64,
    /// What `done` and `total` count: `bytes`, `features` (read from a web service), `rows`
    /// or `steps`. A source import counts features or rows first, then bytes.
    pub unit: String,
    /// The dataset id, when done.
    pub dataset_id: Option<String>,
    /// What went wrong, when failed.
    pub error: Option<String>,
}

impl From<koers_app::JobView> for JobOut {
    fn from(v: koers_app::JobView) -> Self {
        JobOut {
            id: v.id,
            label: v.label,
            state: v.state.into(),
            percent: v.percent,
            done: v.done,
            total: v.total,
            unit: v.unit.into(),
            dataset_id: v.result,
            error: v.error,
        }
    }
}

/// A job just started: `202 Accepted`, its address in `Location`, and the job.
pub fn accepted(job: &koers_app::Job) -> Response {
    (
        StatusCode::ACCEPTED,
        [(header::LOCATION, format!("/api/v1/jobs/{}", job.id))],
        Json(JobOut::from(job.view())),
    )
        .into_response()
}

/// How a failed job's error reads for the person who started it: the problem detail of
/// every other answer.
pub fn describe_failure(e: koers_app::Error) -> String {
    crate::error::AppError::from(e).detail()
}

/// A dataset's source: the service, the schedule and how the last check went.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SourceOut {
    pub kind: String,
    pub url: String,
    pub item: String,
    pub resource: String,
    pub crs: String,
    pub bbox: Option<String>,
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub every: String,
    /// When the next scheduled refresh is due.
    #[schema(format = DateTime)]
    pub next_due: Option<String>,
    #[schema(format = DateTime)]
    pub checked_at: Option<String>,
    /// `imported`, `unchanged` or `failed`.
    pub outcome: Option<String>,
    /// What went wrong, when the last check failed.
    pub message: String,
}

impl From<SourceView> for SourceOut {
    fn from(v: SourceView) -> Self {
        let d = v.def;
        SourceOut {
            kind: d.kind.as_str().into(),
            url: d.url.to_string(),
            item: d.item,
            resource: d.resource,
            crs: d.crs,
            bbox: d.bbox.map(|b| b.map(|x| x.to_string()).join(",")),
            every: v
                .schedule
                .as_ref()
                .map_or("manual", |(e, _)| e.as_str())
                .into(),
            next_due: v.schedule.map(|(_, n)| n),
            checked_at: v.stored.checked_at,
            outcome: v.stored.outcome,
            message: v.stored.message,
        }
    }
}
