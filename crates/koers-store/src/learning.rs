//! The learning track: programmes, their modules and live sessions, cohorts of participants
//! in groups (with the capacity held by the database), attendance, progress and make-track
//! projects. Every change writes its audit row in the same transaction.

mod model;

pub use model::Response;

use crate::audit::Actor;
use crate::sql::{Write, corrupt, count, flag, from_row, json, parsed, stored, to_json};
use crate::{Result, StoreError, conflict_on_unique, new_id, now};
use koers_core::learning::{
    Attendance, CohortDraft, ContentDraft, ContentKind, GroupDraft, ModuleDraft, ParticipantDraft,
    ProgrammeDraft, Progress, ProjectDraft, ProjectStatus, Record, SessionDraft, Student,
};
use serde::Serialize;
use sqlx::Row;
use std::collections::HashMap;

/// A learning programme.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Programme {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub description: String,
    pub dimensions: Vec<String>,
    /// The leadership model's levels, lowest first.
    pub levels: Vec<String>,
    pub target_groups: Vec<String>,
    pub min_attendance: u32,
    pub requires_project: bool,
    pub created_at: String,
}

/// A module of a programme, in order.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Module {
    pub id: String,
    pub programme_id: String,
    pub position: u32,
    pub title: String,
    pub description: String,
    pub dimension: String,
}

/// A live (online) session of a programme.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct LiveSession {
    pub id: String,
    pub programme_id: String,
    pub title: String,
    pub date: String,
    pub start_time: String,
    pub end_time: String,
    pub link: String,
    pub after_module: u32,
    /// The target group it is for; empty for everyone.
    pub target_group: String,
}

/// A cohort: one run of a programme.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Cohort {
    pub id: String,
    pub org_id: String,
    pub programme_id: String,
    pub name: String,
    pub start_date: Option<String>,
    pub capacity: u32,
    pub created_at: String,
}

/// A group of a cohort.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Group {
    pub id: String,
    pub cohort_id: String,
    pub position: u32,
    pub name: String,
    pub capacity: u32,
    pub filled: u32,
}

/// A participant of a cohort.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Participant {
    pub id: String,
    pub cohort_id: String,
    pub name: String,
    pub email: String,
    pub department: String,
    pub role: String,
    /// One of the programme's target groups; empty for none.
    pub target_group: String,
    pub group_id: Option<String>,
    pub waiting_for: Option<String>,
    pub waiting_since: Option<String>,
    /// Made up by the demo, not a real person.
    pub generated: bool,
}

/// A make-track project.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Project {
    pub id: String,
    pub cohort_id: String,
    pub title: String,
    pub question_id: Option<String>,
    pub product_kind: Option<String>,
    pub product_id: Option<String>,
    /// A dashboard it delivers, besides or instead of the indicator or monitor.
    pub dashboard_id: Option<String>,
    pub status: ProjectStatus,
    pub outcome: String,
    pub students: Vec<Student>,
    pub members: Vec<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// The links and team of a project, checked by the caller against the organisation.
#[derive(Debug, Clone, Default)]
pub struct ProjectLinks {
    pub question_id: Option<String>,
    /// `indicator` or `monitor`, and its id.
    pub product: Option<(String, String)>,
    pub dashboard_id: Option<String>,
    /// Participant ids of the same cohort.
    pub members: Vec<String>,
}

/// Where an enrolment ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Enrolment {
    /// The participant has a place in the group.
    Placed,
    /// The group is full; the participant waits for a place.
    Waiting,
}

from_row!(r => Programme { id, org_id, name, description, created_at;
    dimensions: json(r, "dimensions")?,
    levels: json(r, "levels")?,
    target_groups: json(r, "target_groups")?,
    min_attendance: count(r, "min_attendance")?,
    requires_project: flag(r, "requires_project")?,
});

from_row!(r => Module { id, programme_id, title, description, dimension;
    position: count(r, "position")?,
});

/// A piece of a module's content.
#[derive(Debug, Clone, Serialize)]
pub struct Content {
    pub id: String,
    pub module_id: String,
    pub position: u32,
    pub kind: ContentKind,
    pub title: String,
    /// Markdown (a page, assignment or reflection), or a quiz's lines.
    pub body: String,
    pub url: String,
    /// The file of a file piece.
    pub file: Option<ContentFile>,
}

/// A file kept for a module (in the organisation's attachment folder, under its hash).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ContentFile {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    #[serde(skip)]
    pub stored_as: String,
}

from_row!(r => Content { id, module_id, title, body, url;
    position: count(r, "position")?,
    kind: parsed(r, "kind", ContentKind::parse)?,
    file: match (
        r.try_get::<Option<String>, _>("file_name")?,
        r.try_get::<Option<String>, _>("content_type")?,
        r.try_get::<Option<i64>, _>("size_bytes")?,
        r.try_get::<Option<String>, _>("stored_as")?,
    ) {
        (Some(file_name), Some(content_type), Some(size_bytes), Some(stored_as)) => Some(ContentFile {
            file_name, content_type, size_bytes, stored_as,
        }),
        _ => None,
    },
});

const CONTENT: &str = "SELECT id, module_id, position, kind, title, body, url, file_name, content_type, size_bytes, stored_as FROM learning_content";

from_row!(r => LiveSession { id, programme_id, title, date, start_time, end_time, link, target_group;
    after_module: count(r, "after_module")?,
});

from_row!(r => Cohort { id, org_id, programme_id, name, start_date, created_at;
    capacity: count(r, "capacity")?,
});

from_row!(r => Group { id, cohort_id, name;
    position: count(r, "position")?,
    capacity: count(r, "capacity")?,
    filled: count(r, "filled")?,
});

from_row!(r => Participant {
    id, cohort_id, name, email, department, role, target_group, group_id, waiting_for,
    waiting_since;
    generated: flag(r, "generated")?,
});

// A project without its members, which [`Store::with_members`] adds.
from_row!(r => Project {
    id, cohort_id, title, question_id, product_kind, product_id, dashboard_id, outcome,
    created_at, updated_at;
    status: parsed(r, "status", ProjectStatus::parse)?,
    students: json(r, "students")?,
    members: Vec::new(),
});

const PROGRAMME: &str = "SELECT id, org_id, name, description, dimensions, levels, target_groups, min_attendance, requires_project, created_at FROM learning_programmes";
const MODULE: &str =
    "SELECT id, programme_id, position, title, description, dimension FROM learning_modules";
const SESSION: &str = "SELECT id, programme_id, title, date, start_time, end_time, link, after_module, target_group FROM learning_sessions";
const COHORT: &str =
    "SELECT id, org_id, programme_id, name, start_date, capacity, created_at FROM learning_cohorts";
const GROUP: &str = "SELECT g.id, g.cohort_id, g.position, g.name, g.capacity, g.filled FROM learning_groups g JOIN learning_cohorts c ON c.id = g.cohort_id";
const PARTICIPANT: &str = "SELECT p.id, p.cohort_id, p.name, p.email, p.department, p.role, p.target_group, p.group_id, p.waiting_for, p.waiting_since, p.generated FROM learning_participants p JOIN learning_cohorts c ON c.id = p.cohort_id";
const PROJECT: &str = "SELECT x.id, x.cohort_id, x.title, x.question_id, x.product_kind, x.product_id, x.dashboard_id, x.status, x.outcome, x.students, x.created_at, x.updated_at FROM learning_projects x JOIN learning_cohorts c ON c.id = x.cohort_id";

stored! {
    Programme: PROGRAMME, Cohort: COHORT,
    Module: MODULE in "(SELECT p.org_id FROM learning_programmes p WHERE p.id = programme_id)",
    LiveSession: SESSION in "(SELECT p.org_id FROM learning_programmes p WHERE p.id = programme_id)",
    Group: GROUP by "g.id" in "c.org_id",
    Participant: PARTICIPANT by "p.id" in "c.org_id",
    Project: PROJECT by "x.id" in "c.org_id",
}

/// Frees a place in a group: the first on its waiting list (without a group) takes it.
async fn free_place(w: &mut Write<'_>, group_id: &str) -> Result<()> {
    w.exec(
        "UPDATE learning_groups SET filled = filled - 1 WHERE id = $1",
        (group_id,),
    )
    .await?;
    let next: Option<String> = w.optional("SELECT id FROM learning_participants WHERE waiting_for = $1 AND group_id IS NULL ORDER BY waiting_since, id LIMIT 1", (group_id,)).await?;
    if let Some(id) = next {
        w.exec(
            "UPDATE learning_groups SET filled = filled + 1 WHERE id = $1",
            (group_id,),
        )
        .await?;
        w.exec("UPDATE learning_participants SET group_id = $1, waiting_for = NULL, waiting_since = NULL WHERE id = $2", (group_id, &id)).await?;
    }
    Ok(())
}

/// The group a participant is in, read inside a change.
async fn group_of(w: &mut Write<'_>, participant_id: &str) -> Result<Option<String>> {
    w.one(
        "SELECT group_id FROM learning_participants WHERE id = $1",
        (participant_id,),
    )
    .await
}

crate::repository!(
    /// The learning track: programmes, modules, sessions, cohorts, groups, participants, projects.
    learning
);

impl Repo<'_> {
    /// Creates a programme with its first modules.
    pub async fn create_programme(
        &self,
        org_id: &str,
        d: &ProgrammeDraft,
        modules: &[ModuleDraft],
        actor: &Actor,
    ) -> Result<Programme> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO learning_programmes (id, org_id, name, description, dimensions, levels, target_groups, min_attendance, requires_project, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            (&id, org_id, &d.name, &d.description, to_json(&d.dimensions)?, to_json(&d.levels)?, to_json(&d.target_groups)?, i64::from(d.min_attendance), i64::from(d.requires_project), now())).await?;
        for (i, m) in modules.iter().enumerate() {
            insert_module(&mut w, &id, i as i64 + 1, m).await?;
        }
        let detail = serde_json::json!({ "name": d.name, "modules": modules.len() });
        w.commit_returning(
            "learning_programme.created",
            ("learning_programme", &id),
            detail,
            &id,
        )
        .await
    }

    pub async fn programmes(&self, org_id: &str) -> Result<Vec<Programme>> {
        self.of_org(org_id, "name, id").await
    }

    /// Changes a programme: name, description, leadership model, target groups, attendance
    /// rule and whether a project is needed (the caller checked the model change).
    pub async fn update_programme(
        &self,
        p: &Programme,
        d: &ProgrammeDraft,
        actor: &Actor,
    ) -> Result<Programme> {
        let mut w = self.write(actor, Some(&p.org_id)).await?;
        w.exec_found(
            "UPDATE learning_programmes SET name = $1, description = $2, min_attendance = $3, requires_project = $4, dimensions = $5, levels = $6, target_groups = $7 WHERE id = $8 AND org_id = $9",
            (&d.name, &d.description, i64::from(d.min_attendance), i64::from(d.requires_project), to_json(&d.dimensions)?, to_json(&d.levels)?, to_json(&d.target_groups)?, &p.id, &p.org_id),
        )
        .await?;
        let detail = serde_json::json!({ "name": d.name, "minAttendance": d.min_attendance, "requiresProject": d.requires_project, "dimensions": d.dimensions, "levels": d.levels, "targetGroups": d.target_groups });
        w.commit_returning(
            "learning_programme.changed",
            ("learning_programme", &p.id),
            detail,
            &p.id,
        )
        .await
    }

    pub async fn programme(&self, org_id: &str, id: &str) -> Result<Programme> {
        self.in_org(org_id, id).await
    }

    /// Adds a module after the last one.
    pub async fn add_module(
        &self,
        p: &Programme,
        d: &ModuleDraft,
        actor: &Actor,
    ) -> Result<Module> {
        let mut w = self.write(actor, Some(&p.org_id)).await?;
        let position = w
            .next_position("learning_modules", ("programme_id", &p.id))
            .await?;
        let id = insert_module(&mut w, &p.id, position, d).await?;
        let detail = serde_json::json!({ "module": id, "title": d.title });
        w.commit_returning(
            "learning_module.added",
            ("learning_programme", &p.id),
            detail,
            &id,
        )
        .await
    }

    /// One of the organisation's modules.
    pub async fn module(&self, org_id: &str, id: &str) -> Result<Module> {
        self.in_org(org_id, id).await
    }

    /// Adds a piece of content after the module's last one.
    /// Adds a piece after the module's last (`file`: a file piece's kept file).
    pub async fn add_content(
        &self,
        org_id: &str,
        m: &Module,
        (d, file): (&ContentDraft, Option<&ContentFile>),
        actor: &Actor,
    ) -> Result<Content> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        let position = w
            .next_position("learning_content", ("module_id", &m.id))
            .await?;
        w.exec(
            "INSERT INTO learning_content (id, module_id, position, kind, title, body, url, created_at, file_name, content_type, size_bytes, stored_as) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
            (&id, &m.id, position, d.kind.as_str(), &d.title, &d.body, &d.url, now(),
             file.map(|f| f.file_name.as_str()), file.map(|f| f.content_type.as_str()),
             file.map(|f| f.size_bytes), file.map(|f| f.stored_as.as_str())),
        )
        .await?;
        let detail =
            serde_json::json!({ "content": id, "kind": d.kind.as_str(), "title": d.title });
        w.commit("learning_content.added", ("learning_module", &m.id), detail)
            .await?;
        self.one(&format!("{CONTENT} WHERE id = $1"), (&id,)).await
    }

    /// A module's content, in order.
    pub async fn contents(&self, module_id: &str) -> Result<Vec<Content>> {
        self.all(
            &format!("{CONTENT} WHERE module_id = $1 ORDER BY position, id"),
            (module_id,),
        )
        .await
    }

    /// Removes a piece of a module's content; `NotFound` when the module has no such piece.
    pub async fn remove_content(
        &self,
        org_id: &str,
        m: &Module,
        content_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        let n = w
            .exec(
                "DELETE FROM learning_content WHERE id = $1 AND module_id = $2",
                (content_id, &m.id),
            )
            .await?;
        if n == 0 {
            return Err(StoreError::NotFound);
        }
        w.commit(
            "learning_content.removed",
            ("learning_module", &m.id),
            serde_json::json!({ "content": content_id }),
        )
        .await
    }

    pub async fn modules(&self, programme_id: &str) -> Result<Vec<Module>> {
        self.all(
            &format!("{MODULE} WHERE programme_id = $1 ORDER BY position, id"),
            (programme_id,),
        )
        .await
    }

    pub async fn add_session(
        &self,
        p: &Programme,
        d: &SessionDraft,
        actor: &Actor,
    ) -> Result<LiveSession> {
        let id = new_id();
        let mut w = self.write(actor, Some(&p.org_id)).await?;
        w.exec("INSERT INTO learning_sessions (id, programme_id, title, date, start_time, end_time, link, after_module, target_group) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
            (&id, &p.id, &d.title, &d.date, &d.start_time, &d.end_time, &d.link, i64::from(d.after_module), &d.target_group)).await?;
        let detail = serde_json::json!({ "session": id, "title": d.title, "date": d.date });
        w.commit_returning(
            "learning_session.added",
            ("learning_programme", &p.id),
            detail,
            &id,
        )
        .await
    }

    /// Changes a module's title, description and dimension.
    pub async fn update_module(
        &self,
        org_id: &str,
        m: &Module,
        d: &ModuleDraft,
        actor: &Actor,
    ) -> Result<Module> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "UPDATE learning_modules SET title = $1, description = $2, dimension = $3 WHERE id = $4",
            (&d.title, &d.description, &d.dimension, &m.id),
        )
        .await?;
        let detail = serde_json::json!({ "title": d.title });
        w.commit_returning(
            "learning_module.changed",
            ("learning_module", &m.id),
            detail,
            &m.id,
        )
        .await
    }

    /// Removes a module with its content and the progress on it; the modules after it move
    /// up one place, and so do the live sessions planned after them.
    /// Removes a programme with everything in it: modules and their content, sessions,
    /// cohorts with their participants, groups, attendance, progress, answers and projects;
    /// the students invited to its projects lose their invitations.
    pub async fn remove_programme(&self, p: &Programme, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(&p.org_id)).await?;
        w.exec(
            "DELETE FROM guest_grants WHERE org_id = $1 AND object_type = 'learning_project' AND object_id IN (SELECT x.id FROM learning_projects x JOIN learning_cohorts c ON c.id = x.cohort_id WHERE c.programme_id = $2)",
            (&p.org_id, &p.id),
        )
        .await?;
        w.exec_found(
            "DELETE FROM learning_programmes WHERE id = $1 AND org_id = $2",
            (&p.id, &p.org_id),
        )
        .await?;
        let detail = serde_json::json!({ "name": p.name });
        w.commit(
            "learning_programme.removed",
            ("learning_programme", &p.id),
            detail,
        )
        .await
    }

    pub async fn remove_module(&self, org_id: &str, m: &Module, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.take_turn(&format!("learning_modules:{}", m.programme_id))
            .await?;
        w.exec("DELETE FROM learning_modules WHERE id = $1", (&m.id,))
            .await?;
        w.exec(
            "UPDATE learning_modules SET position = position - 1 WHERE programme_id = $1 AND position > $2",
            (&m.programme_id, i64::from(m.position)),
        )
        .await?;
        w.exec(
            "UPDATE learning_sessions SET after_module = after_module - 1 WHERE programme_id = $1 AND after_module >= $2",
            (&m.programme_id, i64::from(m.position)),
        )
        .await?;
        let detail = serde_json::json!({ "title": m.title, "position": m.position });
        w.commit(
            "learning_module.removed",
            ("learning_programme", &m.programme_id),
            detail,
        )
        .await
    }

    /// One of the organisation's live sessions.
    pub async fn session(&self, org_id: &str, id: &str) -> Result<LiveSession> {
        self.in_org(org_id, id).await
    }

    /// Changes a live session.
    pub async fn update_session(
        &self,
        org_id: &str,
        x: &LiveSession,
        d: &SessionDraft,
        actor: &Actor,
    ) -> Result<LiveSession> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "UPDATE learning_sessions SET title = $1, date = $2, start_time = $3, end_time = $4, link = $5, after_module = $6, target_group = $7, reminded_at = NULL WHERE id = $8",
            (&d.title, &d.date, &d.start_time, &d.end_time, &d.link, i64::from(d.after_module), &d.target_group, &x.id),
        )
        .await?;
        let detail = serde_json::json!({ "title": d.title, "date": d.date });
        w.commit_returning(
            "learning_session.changed",
            ("learning_session", &x.id),
            detail,
            &x.id,
        )
        .await
    }

    /// Removes a live session and the attendance recorded for it.
    pub async fn remove_session(&self, org_id: &str, x: &LiveSession, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("DELETE FROM learning_sessions WHERE id = $1", (&x.id,))
            .await?;
        let detail = serde_json::json!({ "title": x.title, "date": x.date });
        w.commit(
            "learning_session.removed",
            ("learning_programme", &x.programme_id),
            detail,
        )
        .await
    }

    /// The programme's live sessions in time order.
    pub async fn sessions(&self, programme_id: &str) -> Result<Vec<LiveSession>> {
        self.all(
            &format!("{SESSION} WHERE programme_id = $1 ORDER BY date, start_time, id"),
            (programme_id,),
        )
        .await
    }

    pub async fn create_cohort(
        &self,
        p: &Programme,
        d: &CohortDraft,
        actor: &Actor,
    ) -> Result<Cohort> {
        let id = new_id();
        let mut w = self.write(actor, Some(&p.org_id)).await?;
        w.exec("INSERT INTO learning_cohorts (id, org_id, programme_id, name, start_date, capacity, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            (&id, &p.org_id, &p.id, &d.name, &d.start_date, i64::from(d.capacity), now())).await?;
        let detail =
            serde_json::json!({ "programme": p.id, "name": d.name, "capacity": d.capacity });
        w.commit_returning(
            "learning_cohort.created",
            ("learning_cohort", &id),
            detail,
            &id,
        )
        .await
    }

    pub async fn cohorts(&self, programme: &Programme) -> Result<Vec<Cohort>> {
        let sql =
            format!("{COHORT} WHERE org_id = $1 AND programme_id = $2 ORDER BY created_at, id");
        self.all(&sql, (&programme.org_id, &programme.id)).await
    }

    pub async fn cohort(&self, org_id: &str, id: &str) -> Result<Cohort> {
        self.in_org(org_id, id).await
    }

    /// Adds every participant of a checked file, or none (an address already in the cohort
    /// is a conflict).
    pub async fn import_participants(
        &self,
        c: &Cohort,
        people: &[ParticipantDraft],
        generated: bool,
        actor: &Actor,
    ) -> Result<usize> {
        let at = now();
        let mut w = self.write(actor, Some(&c.org_id)).await?;
        for p in people {
            w.exec("INSERT INTO learning_participants (id, cohort_id, name, email, department, role, target_group, generated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                (new_id(), &c.id, &p.name, &p.email, &p.department, &p.role, &p.target_group, i64::from(generated), &at))
                .await
                .map_err(conflict_on_unique(&p.email))?;
        }
        let detail = serde_json::json!({ "count": people.len(), "generated": generated });
        w.commit(
            "learning_participants.imported",
            ("learning_cohort", &c.id),
            detail,
        )
        .await?;
        Ok(people.len())
    }

    /// The cohort's participants by name.
    pub async fn participants(&self, c: &Cohort) -> Result<Vec<Participant>> {
        let sql =
            format!("{PARTICIPANT} WHERE p.cohort_id = $1 AND c.org_id = $2 ORDER BY p.name, p.id");
        self.all(&sql, (&c.id, &c.org_id)).await
    }

    pub async fn participant(&self, org_id: &str, id: &str) -> Result<Participant> {
        self.in_org(org_id, id).await
    }

    /// The enrolments of one e-mail address in the organisation (a user's own).
    pub async fn participants_by_email(
        &self,
        org_id: &str,
        email: &str,
    ) -> Result<Vec<Participant>> {
        let sql = format!(
            "{PARTICIPANT} WHERE p.email = $1 AND c.org_id = $2 ORDER BY c.created_at DESC, p.id"
        );
        self.all(&sql, (email.to_lowercase(), org_id)).await
    }

    pub async fn groups(&self, c: &Cohort) -> Result<Vec<Group>> {
        let sql =
            format!("{GROUP} WHERE g.cohort_id = $1 AND c.org_id = $2 ORDER BY g.position, g.id");
        self.all(&sql, (&c.id, &c.org_id)).await
    }

    pub async fn group(&self, org_id: &str, id: &str) -> Result<Group> {
        self.in_org(org_id, id).await
    }

    pub async fn add_group(&self, c: &Cohort, d: &GroupDraft, actor: &Actor) -> Result<Group> {
        let id = new_id();
        let mut w = self.write(actor, Some(&c.org_id)).await?;
        let position = w
            .next_position("learning_groups", ("cohort_id", &c.id))
            .await?;
        w.exec("INSERT INTO learning_groups (id, cohort_id, position, name, capacity, filled) VALUES ($1, $2, $3, $4, $5, 0)",
            (&id, &c.id, position, &d.name, i64::from(d.capacity))).await?;
        let detail = serde_json::json!({ "group": id, "name": d.name, "capacity": d.capacity });
        w.commit_returning(
            "learning_group.added",
            ("learning_cohort", &c.id),
            detail,
            &id,
        )
        .await
    }

    /// Replaces the cohort's groups by `split` (participant ids per group, as the balanced
    /// split made them), in one transaction.
    pub async fn replace_groups(
        &self,
        c: &Cohort,
        split: &[Vec<String>],
        actor: &Actor,
    ) -> Result<Vec<Group>> {
        let mut w = self.write(actor, Some(&c.org_id)).await?;
        w.exec("UPDATE learning_participants SET group_id = NULL, waiting_for = NULL, waiting_since = NULL WHERE cohort_id = $1", (&c.id,)).await?;
        w.exec("DELETE FROM learning_groups WHERE cohort_id = $1", (&c.id,))
            .await?;
        for (i, members) in split.iter().enumerate() {
            let gid = new_id();
            w.exec("INSERT INTO learning_groups (id, cohort_id, position, name, capacity, filled) VALUES ($1, $2, $3, $4, $5, $6)",
                (&gid, &c.id, i as i64 + 1, format!("Groep {}", i + 1), i64::from(c.capacity), members.len() as i64)).await?;
            for pid in members {
                w.exec("UPDATE learning_participants SET group_id = $1 WHERE id = $2 AND cohort_id = $3", (&gid, pid, &c.id)).await?;
            }
        }
        let sizes = split.iter().map(Vec::len).collect::<Vec<_>>();
        let detail = serde_json::json!({ "groups": split.len(), "sizes": sizes });
        w.commit("learning_groups.split", ("learning_cohort", &c.id), detail)
            .await?;
        self.groups(c).await
    }

    /// Enrols a participant of the same cohort in a group. The place is taken by a
    /// conditional update of the group's count (`filled < capacity`), the first statement
    /// of the transaction, so capacity holds under any number of concurrent enrolments.
    /// Without a place, a participant without a group waits for this group; a participant
    /// moving from another group is refused with `Conflict`. Leaving a group gives its
    /// place to the first on that group's waiting list.
    pub async fn enrol(
        &self,
        org_id: &str,
        g: &Group,
        p: &Participant,
        actor: &Actor,
    ) -> Result<Enrolment> {
        if p.cohort_id != g.cohort_id {
            return Err(StoreError::NotFound);
        }
        let mut w = self.write(actor, Some(org_id)).await?;
        let taken = w
            .exec(
                "UPDATE learning_groups SET filled = filled + 1 WHERE id = $1 AND filled < capacity",
                (&g.id,),
            )
            .await?
            == 1;
        let current = group_of(&mut w, &p.id).await?;
        if current.as_deref() == Some(g.id.as_str()) {
            // Already there: nothing changes (dropping the write undoes the count).
            return Ok(Enrolment::Placed);
        }
        let outcome = if taken {
            w.exec("UPDATE learning_participants SET group_id = $1, waiting_for = NULL, waiting_since = NULL WHERE id = $2", (&g.id, &p.id)).await?;
            if let Some(old) = &current {
                free_place(&mut w, old).await?;
            }
            Enrolment::Placed
        } else if current.is_some() {
            return Err(StoreError::Conflict(format!("{} is vol", g.name)));
        } else {
            w.exec("UPDATE learning_participants SET waiting_for = $1, waiting_since = $2 WHERE id = $3", (&g.id, now(), &p.id)).await?;
            Enrolment::Waiting
        };
        let detail = serde_json::json!({ "group": g.id, "from": current, "outcome": outcome });
        w.commit(
            "learning_participant.enrolled",
            ("learning_participant", &p.id),
            detail,
        )
        .await?;
        Ok(outcome)
    }

    /// Takes a participant out of their group (its place goes to the first waiting) and off
    /// any waiting list.
    pub async fn unenrol(&self, org_id: &str, p: &Participant, actor: &Actor) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        // The first statement writes, so the transaction holds the write lock from the start.
        w.exec("UPDATE learning_participants SET waiting_for = NULL, waiting_since = NULL WHERE id = $1", (&p.id,)).await?;
        let old = group_of(&mut w, &p.id).await?;
        w.exec(
            "UPDATE learning_participants SET group_id = NULL WHERE id = $1",
            (&p.id,),
        )
        .await?;
        if let Some(old) = &old {
            free_place(&mut w, old).await?;
        }
        let detail = serde_json::json!({ "group": old });
        w.commit(
            "learning_participant.unenrolled",
            ("learning_participant", &p.id),
            detail,
        )
        .await
    }

    /// Records attendance (session, participant, status) and progress (module, participant,
    /// status) entries, all or none. The caller checked that they belong to the cohort.
    pub async fn record_register(
        &self,
        c: &Cohort,
        attendance: &[(String, String, Option<Attendance>)],
        progress: &[(String, String, Progress)],
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(&c.org_id)).await?;
        let mut cleared = 0;
        for (s, p, a) in attendance {
            match a {
                Some(a) => w.exec("INSERT INTO learning_attendance (session_id, participant_id, status) VALUES ($1, $2, $3) ON CONFLICT (session_id, participant_id) DO UPDATE SET status = excluded.status", (s, p, a.as_str())).await?,
                None => {
                    cleared += 1;
                    w.exec("DELETE FROM learning_attendance WHERE session_id = $1 AND participant_id = $2", (s, p)).await?
                }
            };
        }
        for (m, p, st) in progress {
            w.exec("INSERT INTO learning_progress (module_id, participant_id, status) VALUES ($1, $2, $3) ON CONFLICT (module_id, participant_id) DO UPDATE SET status = excluded.status", (m, p, st.as_str())).await?;
        }
        let detail = serde_json::json!({ "attendance": attendance.len() - cleared, "cleared": cleared, "progress": progress.len() });
        w.commit(
            "learning_register.recorded",
            ("learning_cohort", &c.id),
            detail,
        )
        .await
    }

    /// Attendance in the cohort: (session id, participant id) → status.
    pub async fn attendance(&self, c: &Cohort) -> Result<HashMap<(String, String), Attendance>> {
        let rows: Vec<(String, String, String)> = self.all("SELECT a.session_id, a.participant_id, a.status FROM learning_attendance a JOIN learning_participants p ON p.id = a.participant_id WHERE p.cohort_id = $1", (&c.id,)).await?;
        rows.into_iter()
            .map(|(s, p, status)| {
                Ok((
                    (s, p),
                    Attendance::parse("status", &status).map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// Progress in the cohort: (module id, participant id) → status.
    pub async fn progress(&self, c: &Cohort) -> Result<HashMap<(String, String), Progress>> {
        let rows: Vec<(String, String, String)> = self.all("SELECT g.module_id, g.participant_id, g.status FROM learning_progress g JOIN learning_participants p ON p.id = g.participant_id WHERE p.cohort_id = $1", (&c.id,)).await?;
        rows.into_iter()
            .map(|(m, p, status)| {
                Ok(((m, p), Progress::parse("status", &status).map_err(corrupt)?))
            })
            .collect()
    }

    /// What the completion rule needs, per participant of the cohort.
    pub async fn records(&self, c: &Cohort) -> Result<HashMap<String, Record>> {
        let n = |v: i64| u32::try_from(v).map_err(corrupt);
        let modules: i64 = self
            .one(
                "SELECT COUNT(*) FROM learning_modules WHERE programme_id = $1",
                (&c.programme_id,),
            )
            .await?;
        let modules_total = n(modules)?;
        // The sessions a participant is expected at: those for everyone and those for their
        // target group (`model::session_applies`).
        let rows: Vec<(String, i64, i64, i64, i64)> = self.all(
            "SELECT p.id,
               (SELECT COUNT(*) FROM learning_progress g JOIN learning_modules m ON m.id = g.module_id
                  WHERE g.participant_id = p.id AND g.status = 'done' AND m.programme_id = $2) AS done,
               (SELECT COUNT(*) FROM learning_sessions s
                  WHERE s.programme_id = $2 AND (s.target_group = '' OR s.target_group = p.target_group)) AS sessions,
               (SELECT COUNT(*) FROM learning_attendance a JOIN learning_sessions s ON s.id = a.session_id
                  WHERE a.participant_id = p.id AND a.status = 'present' AND s.programme_id = $2
                    AND (s.target_group = '' OR s.target_group = p.target_group)) AS present,
               (SELECT COUNT(*) FROM learning_project_members pm JOIN learning_projects x ON x.id = pm.project_id
                  WHERE pm.participant_id = p.id AND x.status = 'delivered') AS delivered
             FROM learning_participants p WHERE p.cohort_id = $1",
            (&c.id, &c.programme_id),
        )
        .await?;
        rows.into_iter()
            .map(|(id, done, sessions, present, delivered)| {
                let record = Record {
                    modules_total,
                    modules_done: n(done)?,
                    sessions_total: n(sessions)?,
                    sessions_present: n(present)?,
                    project_delivered: n(delivered)? > 0,
                };
                Ok((id, record))
            })
            .collect()
    }

    /// Creates a project; its links were checked against the organisation and cohort.
    pub async fn create_project(
        &self,
        c: &Cohort,
        d: &ProjectDraft,
        links: &ProjectLinks,
        actor: &Actor,
    ) -> Result<Project> {
        let id = new_id();
        let mut w = self.write(actor, Some(&c.org_id)).await?;
        w.exec("INSERT INTO learning_projects (id, cohort_id, title, status, outcome, students, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
            (&id, &c.id, &d.title, d.status.as_str(), &d.outcome, to_json(&d.students)?, now())).await?;
        set_links(&mut w, &id, links).await?;
        let detail = serde_json::json!({ "title": d.title, "question": links.question_id, "product": links.product });
        let x = w
            .commit_returning(
                "learning_project.created",
                ("learning_project", &id),
                detail,
                &id,
            )
            .await?;
        self.with_members(x).await
    }

    /// Replaces a project's fields, links and team.
    pub async fn update_project(
        &self,
        org_id: &str,
        x: &Project,
        d: &ProjectDraft,
        links: &ProjectLinks,
        actor: &Actor,
    ) -> Result<Project> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("UPDATE learning_projects SET title = $1, status = $2, outcome = $3, students = $4, updated_at = $5 WHERE id = $6",
            (&d.title, d.status.as_str(), &d.outcome, to_json(&d.students)?, now(), &x.id)).await?;
        w.exec(
            "DELETE FROM learning_project_members WHERE project_id = $1",
            (&x.id,),
        )
        .await?;
        set_links(&mut w, &x.id, links).await?;
        let detail = serde_json::json!({ "status": d.status, "question": links.question_id, "product": links.product });
        let x = w
            .commit_returning(
                "learning_project.updated",
                ("learning_project", &x.id),
                detail,
                &x.id,
            )
            .await?;
        self.with_members(x).await
    }

    /// A project with its members (participant ids by name).
    async fn with_members(&self, mut x: Project) -> Result<Project> {
        x.members = self.all("SELECT m.participant_id FROM learning_project_members m JOIN learning_participants p ON p.id = m.participant_id WHERE m.project_id = $1 ORDER BY p.name, p.id", (&x.id,)).await?;
        Ok(x)
    }

    pub async fn projects(&self, c: &Cohort) -> Result<Vec<Project>> {
        let sql = format!(
            "{PROJECT} WHERE x.cohort_id = $1 AND c.org_id = $2 ORDER BY x.created_at, x.id"
        );
        let mut out = Vec::new();
        for x in self.all(&sql, (&c.id, &c.org_id)).await? {
            out.push(self.with_members(x).await?);
        }
        Ok(out)
    }

    pub async fn project(&self, org_id: &str, id: &str) -> Result<Project> {
        self.with_members(self.in_org(org_id, id).await?).await
    }
}

async fn insert_module(
    w: &mut Write<'_>,
    programme_id: &str,
    position: i64,
    m: &ModuleDraft,
) -> Result<String> {
    let id = new_id();
    w.exec("INSERT INTO learning_modules (id, programme_id, position, title, description, dimension) VALUES ($1, $2, $3, $4, $5, $6)",
        (&id, programme_id, position, &m.title, &m.description, &m.dimension)).await?;
    Ok(id)
}

async fn set_links(w: &mut Write<'_>, id: &str, links: &ProjectLinks) -> Result<()> {
    let product = links.product.as_ref();
    w.exec(
        "UPDATE learning_projects SET question_id = $1, product_kind = $2, product_id = $3, dashboard_id = $4 WHERE id = $5",
        (&links.question_id, product.map(|p| p.0.as_str()), product.map(|p| p.1.as_str()), &links.dashboard_id, id),
    )
    .await?;
    for m in &links.members {
        w.exec(
            "INSERT INTO learning_project_members (project_id, participant_id) VALUES ($1, $2)",
            (id, m),
        )
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;

    async fn cohort_with(s: &Store, n: usize, capacity: &str) -> (Cohort, Vec<Participant>) {
        let org =
            crate::testing::organisation(s, "Gemeente 's-Hertogenbosch", "municipality", "GM0796")
                .await;
        let d = crate::testing::programme_draft(true);
        let p = s
            .learning()
            .create_programme(&org.id, &d, &d.default_modules(), &Actor::cli())
            .await
            .unwrap();
        let c = s
            .learning()
            .create_cohort(
                &p,
                &CohortDraft::parse("2026", "", capacity).unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let people: Vec<ParticipantDraft> = (0..n)
            .map(|i| ParticipantDraft {
                name: format!("Deelnemer {i}"),
                email: format!("d{i}@example.nl"),
                department: format!("Afdeling {}", i % 3),
                role: "medewerker".into(),
                target_group: String::new(),
            })
            .collect();
        s.learning()
            .import_participants(&c, &people, true, &Actor::cli())
            .await
            .unwrap();
        let ps = s.learning().participants(&c).await.unwrap();
        (c, ps)
    }

    async fn capacity_holds_under_concurrent_enrolment(s: Store) {
        let (c, ps) = cohort_with(&s, 40, "5").await;
        let g = s
            .learning()
            .add_group(
                &c,
                &GroupDraft::parse("Groep A", "", c.capacity).unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for p in ps.clone() {
            let (s, g, org) = (s.clone(), g.clone(), c.org_id.clone());
            tasks.push(tokio::spawn(async move {
                s.learning().enrol(&org, &g, &p, &Actor::cli()).await
            }));
        }
        let mut placed = 0;
        let mut waiting = 0;
        for t in tasks {
            match t.await.unwrap().unwrap() {
                Enrolment::Placed => placed += 1,
                Enrolment::Waiting => waiting += 1,
            }
        }
        assert_eq!((placed, waiting), (5, 35));
        // The group's members, and its count of them.
        let in_group = async || {
            let members = s
                .learning()
                .participants(&c)
                .await
                .unwrap()
                .into_iter()
                .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
                .count();
            let filled = s.learning().group(&c.org_id, &g.id).await.unwrap().filled;
            (members, filled)
        };
        assert_eq!(in_group().await, (5, 5));
        // Leaving gives the place to the first on the waiting list.
        let leaver = s
            .learning()
            .participants(&c)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.group_id.is_some())
            .unwrap();
        s.learning()
            .unenrol(&c.org_id, &leaver, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(in_group().await, (5, 5));
    }

    async fn a_split_replaces_the_groups_and_moves_keep_counts(s: Store) {
        let (c, ps) = cohort_with(&s, 7, "3").await;
        let split = vec![
            ps[..3].iter().map(|p| p.id.clone()).collect(),
            ps[3..5].iter().map(|p| p.id.clone()).collect(),
            ps[5..].iter().map(|p| p.id.clone()).collect(),
        ];
        let gs = s
            .learning()
            .replace_groups(&c, &split, &Actor::cli())
            .await
            .unwrap();
        assert_eq!(gs.iter().map(|g| g.filled).collect::<Vec<_>>(), [3, 2, 2]);
        // A move into a full group is refused; into one with room it is made.
        assert!(matches!(
            s.learning()
                .enrol(&c.org_id, &gs[0], &ps[4], &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.learning()
                .enrol(&c.org_id, &gs[1], &ps[0], &Actor::cli())
                .await
                .unwrap(),
            Enrolment::Placed
        );
        let gs = s.learning().groups(&c).await.unwrap();
        assert_eq!(gs.iter().map(|g| g.filled).collect::<Vec<_>>(), [2, 3, 2]);
        // A duplicate address in a later import is a conflict and adds nobody.
        let again = vec![ParticipantDraft {
            name: "X".into(),
            email: "d0@example.nl".into(),
            department: "A".into(),
            role: "B".into(),
            target_group: String::new(),
        }];
        assert!(matches!(
            s.learning()
                .import_participants(&c, &again, false, &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(s.learning().participants(&c).await.unwrap().len(), 7);
    }

    async fn reminders_are_claimed_once_and_reach_the_target_group(s: Store) {
        use koers_core::learning::model::{Moment, SelfAssessment};
        let (c, ps) = cohort_with(&s, 3, "5").await;
        let p = s
            .learning()
            .programme(&c.org_id, &c.programme_id)
            .await
            .unwrap();
        let g = s
            .learning()
            .add_group(
                &c,
                &GroupDraft::parse("Groep A", "", 5).unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        for x in &ps[..2] {
            s.learning()
                .enrol(&c.org_id, &g, x, &Actor::cli())
                .await
                .unwrap();
        }
        s.learning()
            .set_target_group(&c.org_id, &ps[1], "Uitvoerders", &Actor::cli())
            .await
            .unwrap();
        for (title, time, group) in [
            ("Aftrap", "10:00", ""),
            ("Intervisie", "11:00", "Uitvoerders"),
        ] {
            let mut d = SessionDraft::parse(title, "2026-03-10", time, "12:00", "", "", 1).unwrap();
            d.target_group = group.into();
            s.learning()
                .add_session(&p, &d, &Actor::cli())
                .await
                .unwrap();
        }
        // Only the sessions in the window, each once.
        let due = s
            .learning()
            .claim_due_reminders("2026-03-09 10:30", "2026-03-10 10:30")
            .await
            .unwrap();
        assert_eq!(
            due.iter()
                .map(|(x, _)| x.title.as_str())
                .collect::<Vec<_>>(),
            ["Aftrap"]
        );
        assert_eq!(due[0].1.id, p.id);
        let later = s
            .learning()
            .claim_due_reminders("2026-03-09 10:30", "2026-03-10 11:30")
            .await
            .unwrap();
        assert_eq!(later.len(), 1, "the kick-off was claimed already");
        // Placed participants only, and of the session's group.
        let everyone = s.learning().expected_at(&due[0].0).await.unwrap();
        assert_eq!(everyone.len(), 2, "the third waits for no group");
        let group = s.learning().expected_at(&later[0].0).await.unwrap();
        assert_eq!(
            group.iter().map(|x| x.id.as_str()).collect::<Vec<_>>(),
            [ps[1].id.as_str()]
        );
        // Self-assessments: saved per moment, replaced, and counted as the model in use.
        assert_eq!(
            s.learning().model_in_use(&p.id).await.unwrap(),
            (vec![String::new(), "Uitvoerders".into()], false)
        );
        let dims = vec!["Visie".to_string()];
        let answers = |l: &str| [("Visie".to_string(), l.to_string())].into();
        for (moment, level) in [("start", "1"), ("start", "2"), ("end", "3")] {
            let a = SelfAssessment::parse(&dims, 4, moment, &answers(level), true).unwrap();
            s.learning()
                .save_self_assessment(&c.org_id, &ps[0], &a, &Actor::cli())
                .await
                .unwrap();
        }
        let mine = s.learning().scores_of(&ps[0].id).await.unwrap();
        let levels: Vec<(Moment, u32)> = mine.iter().map(|x| (x.moment, x.level)).collect();
        assert_eq!(levels, [(Moment::End, 3), (Moment::Start, 2)]);
        assert_eq!(s.learning().scores(&p.id).await.unwrap().len(), 2);
        assert!(s.learning().model_in_use(&p.id).await.unwrap().1);
    }

    on_both_backends!(
        capacity_holds_under_concurrent_enrolment,
        a_split_replaces_the_groups_and_moves_keep_counts,
        reminders_are_claimed_once_and_reach_the_target_group
    );
}
