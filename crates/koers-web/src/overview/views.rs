//! Where a task leads and how the page shows it.

use koers_app::overview::tasks::{Subject, Task};
use serde::Serialize;

/// The page in koers a task is about.
pub fn link(subject: &Subject) -> String {
    match subject {
        Subject::Question { id } => format!("/datavragen/{id}"),
        Subject::Choice { application, id } => format!("/toepassingen/{application}/keuzes/{id}"),
        Subject::AgendaItem { id } => format!("/toepassingen/bestuursagenda#besluit-{id}"),
        Subject::Indicator { id } => format!("/informatieproducten/indicatoren/{id}"),
        Subject::Round { id } => format!("/volwassenheid/rondes/{id}"),
        Subject::Programme { id } => format!("/leertrajecten/leergangen/{id}"),
    }
}

/// A task as the overview lists it.
#[derive(Serialize)]
pub struct TaskRow {
    pub kind: &'static str,
    pub title: String,
    pub step: String,
    pub due: Option<String>,
    pub overdue: bool,
    pub link: String,
}

impl TaskRow {
    pub fn new(t: &Task, today: &str) -> TaskRow {
        TaskRow {
            kind: t.kind.as_str(),
            title: t.title.clone(),
            step: t.step.clone(),
            due: t.due.clone(),
            overdue: t.is_overdue(today),
            link: link(&t.subject),
        }
    }
}

/// Today (UTC), as the tasks' due dates are written.
pub fn today() -> String {
    chrono::Utc::now().date_naive().to_string()
}
