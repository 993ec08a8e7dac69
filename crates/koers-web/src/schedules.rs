//! Refresh schedules as the API shows them, for indicators and dashboards alike.

use koers_app::products::Every;
use serde::Serialize;
use utoipa::ToSchema;

/// How often an indicator or a dashboard refreshes by itself.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScheduleOut {
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub every: String,
    /// When the next scheduled refresh is due (absent for `manual`).
    #[schema(format = DateTime)]
    pub next_due: Option<String>,
}

/// A refresh schedule.
#[derive(ToSchema)]
pub struct ScheduleIn {
    /// `manual`, `hourly`, `daily` or `weekly`.
    pub every: String,
}

impl From<Option<(Every, String)>> for ScheduleOut {
    fn from(s: Option<(Every, String)>) -> Self {
        match s {
            Some((every, next)) => ScheduleOut {
                every: every.as_str().into(),
                next_due: Some(next),
            },
            None => ScheduleOut {
                every: "manual".into(),
                next_due: None,
            },
        }
    }
}
