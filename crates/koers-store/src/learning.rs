//! The learning track: programmes, their modules and live sessions, cohorts of participants
//! in groups (with the capacity held by the database), attendance, progress and make-track
//! projects. Every change writes its audit row in the same transaction.

use crate::audit::{Actor, record};
use crate::{Result, Store, StoreError, conflict_on_unique, new_id, now, take_turn};
use koers_core::learning::{
    Attendance, CohortDraft, GroupDraft, ModuleDraft, ParticipantDraft, ProgrammeDraft, Progress,
    ProjectDraft, ProjectStatus, Record, SessionDraft, Student,
};
use serde::Serialize;
use sqlx::any::AnyRow;
use sqlx::{Any, Row, Transaction};
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

fn corrupt(e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(e.to_string())
}

fn count(r: &AnyRow, col: &str) -> Result<u32> {
    let v: i64 = r.try_get(col)?;
    u32::try_from(v).map_err(corrupt)
}

fn programme_from_row(r: &AnyRow) -> Result<Programme> {
    let dims: String = r.try_get("dimensions")?;
    Ok(Programme {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        name: r.try_get("name")?,
        description: r.try_get("description")?,
        dimensions: serde_json::from_str(&dims).map_err(corrupt)?,
        min_attendance: count(r, "min_attendance")?,
        requires_project: r.try_get::<i64, _>("requires_project")? != 0,
        created_at: r.try_get("created_at")?,
    })
}

fn module_from_row(r: &AnyRow) -> Result<Module> {
    Ok(Module {
        id: r.try_get("id")?,
        programme_id: r.try_get("programme_id")?,
        position: count(r, "position")?,
        title: r.try_get("title")?,
        description: r.try_get("description")?,
        dimension: r.try_get("dimension")?,
    })
}

fn session_from_row(r: &AnyRow) -> Result<LiveSession> {
    Ok(LiveSession {
        id: r.try_get("id")?,
        programme_id: r.try_get("programme_id")?,
        title: r.try_get("title")?,
        date: r.try_get("date")?,
        start_time: r.try_get("start_time")?,
        end_time: r.try_get("end_time")?,
        link: r.try_get("link")?,
        after_module: count(r, "after_module")?,
    })
}

fn cohort_from_row(r: &AnyRow) -> Result<Cohort> {
    Ok(Cohort {
        id: r.try_get("id")?,
        org_id: r.try_get("org_id")?,
        programme_id: r.try_get("programme_id")?,
        name: r.try_get("name")?,
        start_date: r.try_get("start_date")?,
        capacity: count(r, "capacity")?,
        created_at: r.try_get("created_at")?,
    })
}

fn group_from_row(r: &AnyRow) -> Result<Group> {
    Ok(Group {
        id: r.try_get("id")?,
        cohort_id: r.try_get("cohort_id")?,
        position: count(r, "position")?,
        name: r.try_get("name")?,
        capacity: count(r, "capacity")?,
        filled: count(r, "filled")?,
    })
}

fn participant_from_row(r: &AnyRow) -> Result<Participant> {
    Ok(Participant {
        id: r.try_get("id")?,
        cohort_id: r.try_get("cohort_id")?,
        name: r.try_get("name")?,
        email: r.try_get("email")?,
        department: r.try_get("department")?,
        role: r.try_get("role")?,
        group_id: r.try_get("group_id")?,
        waiting_for: r.try_get("waiting_for")?,
        waiting_since: r.try_get("waiting_since")?,
        generated: r.try_get::<i64, _>("generated")? != 0,
    })
}

const PROGRAMME: &str = "SELECT id, org_id, name, description, dimensions, min_attendance, requires_project, created_at FROM learning_programmes";
const COHORT: &str =
    "SELECT id, org_id, programme_id, name, start_date, capacity, created_at FROM learning_cohorts";
const GROUP: &str = "SELECT g.id, g.cohort_id, g.position, g.name, g.capacity, g.filled FROM learning_groups g JOIN learning_cohorts c ON c.id = g.cohort_id";
const PARTICIPANT: &str = "SELECT p.id, p.cohort_id, p.name, p.email, p.department, p.role, p.group_id, p.waiting_for, p.waiting_since, p.generated FROM learning_participants p JOIN learning_cohorts c ON c.id = p.cohort_id";
const PROJECT: &str = "SELECT x.id, x.cohort_id, x.title, x.question_id, x.product_kind, x.product_id, x.status, x.outcome, x.students, x.created_at, x.updated_at FROM learning_projects x JOIN learning_cohorts c ON c.id = x.cohort_id";

/// Frees a place in a group: the first on its waiting list (without a group) takes it.
async fn free_place(tx: &mut Transaction<'_, Any>, group_id: &str) -> Result<()> {
    sqlx::query("UPDATE learning_groups SET filled = filled - 1 WHERE id = $1")
        .bind(group_id)
        .execute(&mut **tx)
        .await?;
    let next = sqlx::query("SELECT id FROM learning_participants WHERE waiting_for = $1 AND group_id IS NULL ORDER BY waiting_since, id LIMIT 1")
        .bind(group_id)
        .fetch_optional(&mut **tx)
        .await?;
    if let Some(r) = next {
        let id: String = r.try_get("id")?;
        sqlx::query("UPDATE learning_groups SET filled = filled + 1 WHERE id = $1")
            .bind(group_id)
            .execute(&mut **tx)
            .await?;
        sqlx::query("UPDATE learning_participants SET group_id = $1, waiting_for = NULL, waiting_since = NULL WHERE id = $2")
            .bind(group_id)
            .bind(&id)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

impl Store {
    /// Creates a programme with its first modules.
    pub async fn create_programme(
        &self,
        org_id: &str,
        d: &ProgrammeDraft,
        modules: &[ModuleDraft],
        actor: &Actor,
    ) -> Result<Programme> {
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO learning_programmes (id, org_id, name, description, dimensions, min_attendance, requires_project, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(org_id)
            .bind(&d.name)
            .bind(&d.description)
            .bind(serde_json::to_string(&d.dimensions).map_err(corrupt)?)
            .bind(i64::from(d.min_attendance))
            .bind(i64::from(d.requires_project))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        for (i, m) in modules.iter().enumerate() {
            insert_module(&mut tx, &id, i as i64 + 1, m).await?;
        }
        record(
            &mut tx,
            actor,
            Some(org_id),
            "learning_programme.created",
            ("learning_programme", Some(&id)),
            serde_json::json!({ "name": d.name, "modules": modules.len() }),
        )
        .await?;
        tx.commit().await?;
        self.programme(org_id, &id).await
    }

    pub async fn programmes(&self, org_id: &str) -> Result<Vec<Programme>> {
        let rows = sqlx::query(&format!("{PROGRAMME} WHERE org_id = $1 ORDER BY name, id"))
            .bind(org_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(programme_from_row).collect()
    }

    pub async fn programme(&self, org_id: &str, id: &str) -> Result<Programme> {
        let r = sqlx::query(&format!("{PROGRAMME} WHERE id = $1 AND org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        programme_from_row(&r)
    }

    /// Adds a module after the last one.
    pub async fn add_module(
        &self,
        p: &Programme,
        d: &ModuleDraft,
        actor: &Actor,
    ) -> Result<Module> {
        let mut tx = self.begin().await?;
        take_turn(&mut tx, &format!("learning_modules:{}", p.id)).await?;
        let r = sqlx::query(
            "SELECT COALESCE(MAX(position), 0) AS n FROM learning_modules WHERE programme_id = $1",
        )
        .bind(&p.id)
        .fetch_one(&mut *tx)
        .await?;
        let position: i64 = r.try_get("n")?;
        let id = insert_module(&mut tx, &p.id, position + 1, d).await?;
        record(
            &mut tx,
            actor,
            Some(&p.org_id),
            "learning_module.added",
            ("learning_programme", Some(&p.id)),
            serde_json::json!({ "module": id, "title": d.title }),
        )
        .await?;
        tx.commit().await?;
        self.modules(&p.id)
            .await?
            .into_iter()
            .find(|m| m.id == id)
            .ok_or(StoreError::NotFound)
    }

    pub async fn modules(&self, programme_id: &str) -> Result<Vec<Module>> {
        let rows = sqlx::query("SELECT id, programme_id, position, title, description, dimension FROM learning_modules WHERE programme_id = $1 ORDER BY position, id")
            .bind(programme_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(module_from_row).collect()
    }

    pub async fn add_session(
        &self,
        p: &Programme,
        d: &SessionDraft,
        actor: &Actor,
    ) -> Result<LiveSession> {
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO learning_sessions (id, programme_id, title, date, start_time, end_time, link, after_module) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
            .bind(&id)
            .bind(&p.id)
            .bind(&d.title)
            .bind(&d.date)
            .bind(&d.start_time)
            .bind(&d.end_time)
            .bind(&d.link)
            .bind(i64::from(d.after_module))
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Some(&p.org_id),
            "learning_session.added",
            ("learning_programme", Some(&p.id)),
            serde_json::json!({ "session": id, "title": d.title, "date": d.date }),
        )
        .await?;
        tx.commit().await?;
        self.sessions(&p.id)
            .await?
            .into_iter()
            .find(|s| s.id == id)
            .ok_or(StoreError::NotFound)
    }

    /// The programme's live sessions in time order.
    pub async fn sessions(&self, programme_id: &str) -> Result<Vec<LiveSession>> {
        let rows = sqlx::query("SELECT id, programme_id, title, date, start_time, end_time, link, after_module FROM learning_sessions WHERE programme_id = $1 ORDER BY date, start_time, id")
            .bind(programme_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(session_from_row).collect()
    }

    pub async fn create_cohort(
        &self,
        p: &Programme,
        d: &CohortDraft,
        actor: &Actor,
    ) -> Result<Cohort> {
        let id = new_id();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO learning_cohorts (id, org_id, programme_id, name, start_date, capacity, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
            .bind(&id)
            .bind(&p.org_id)
            .bind(&p.id)
            .bind(&d.name)
            .bind(&d.start_date)
            .bind(i64::from(d.capacity))
            .bind(now())
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Some(&p.org_id),
            "learning_cohort.created",
            ("learning_cohort", Some(&id)),
            serde_json::json!({ "programme": p.id, "name": d.name, "capacity": d.capacity }),
        )
        .await?;
        tx.commit().await?;
        self.cohort(&p.org_id, &id).await
    }

    pub async fn cohorts(&self, programme: &Programme) -> Result<Vec<Cohort>> {
        let rows = sqlx::query(&format!(
            "{COHORT} WHERE org_id = $1 AND programme_id = $2 ORDER BY created_at, id"
        ))
        .bind(&programme.org_id)
        .bind(&programme.id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(cohort_from_row).collect()
    }

    pub async fn cohort(&self, org_id: &str, id: &str) -> Result<Cohort> {
        let r = sqlx::query(&format!("{COHORT} WHERE id = $1 AND org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        cohort_from_row(&r)
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
        let mut tx = self.begin().await?;
        for p in people {
            sqlx::query("INSERT INTO learning_participants (id, cohort_id, name, email, department, role, generated, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)")
                .bind(new_id())
                .bind(&c.id)
                .bind(&p.name)
                .bind(&p.email)
                .bind(&p.department)
                .bind(&p.role)
                .bind(i64::from(generated))
                .bind(&at)
                .execute(&mut *tx)
                .await
                .map_err(conflict_on_unique(&p.email))?;
        }
        record(
            &mut tx,
            actor,
            Some(&c.org_id),
            "learning_participants.imported",
            ("learning_cohort", Some(&c.id)),
            serde_json::json!({ "count": people.len(), "generated": generated }),
        )
        .await?;
        tx.commit().await?;
        Ok(people.len())
    }

    /// The cohort's participants by name.
    pub async fn participants(&self, c: &Cohort) -> Result<Vec<Participant>> {
        let rows = sqlx::query(&format!(
            "{PARTICIPANT} WHERE p.cohort_id = $1 AND c.org_id = $2 ORDER BY p.name, p.id"
        ))
        .bind(&c.id)
        .bind(&c.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(participant_from_row).collect()
    }

    pub async fn participant(&self, org_id: &str, id: &str) -> Result<Participant> {
        let r = sqlx::query(&format!("{PARTICIPANT} WHERE p.id = $1 AND c.org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        participant_from_row(&r)
    }

    /// The enrolments of one e-mail address in the organisation (a user's own).
    pub async fn participants_by_email(
        &self,
        org_id: &str,
        email: &str,
    ) -> Result<Vec<Participant>> {
        let rows = sqlx::query(&format!(
            "{PARTICIPANT} WHERE p.email = $1 AND c.org_id = $2 ORDER BY c.created_at DESC, p.id"
        ))
        .bind(email.to_lowercase())
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(participant_from_row).collect()
    }

    pub async fn groups(&self, c: &Cohort) -> Result<Vec<Group>> {
        let rows = sqlx::query(&format!(
            "{GROUP} WHERE g.cohort_id = $1 AND c.org_id = $2 ORDER BY g.position, g.id"
        ))
        .bind(&c.id)
        .bind(&c.org_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(group_from_row).collect()
    }

    pub async fn group(&self, org_id: &str, id: &str) -> Result<Group> {
        let r = sqlx::query(&format!("{GROUP} WHERE g.id = $1 AND c.org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        group_from_row(&r)
    }

    pub async fn add_group(&self, c: &Cohort, d: &GroupDraft, actor: &Actor) -> Result<Group> {
        let id = new_id();
        let mut tx = self.begin().await?;
        take_turn(&mut tx, &format!("learning_groups:{}", c.id)).await?;
        let r = sqlx::query(
            "SELECT COALESCE(MAX(position), 0) AS n FROM learning_groups WHERE cohort_id = $1",
        )
        .bind(&c.id)
        .fetch_one(&mut *tx)
        .await?;
        let position: i64 = r.try_get("n")?;
        sqlx::query("INSERT INTO learning_groups (id, cohort_id, position, name, capacity, filled) VALUES ($1, $2, $3, $4, $5, 0)")
            .bind(&id)
            .bind(&c.id)
            .bind(position + 1)
            .bind(&d.name)
            .bind(i64::from(d.capacity))
            .execute(&mut *tx)
            .await?;
        record(
            &mut tx,
            actor,
            Some(&c.org_id),
            "learning_group.added",
            ("learning_cohort", Some(&c.id)),
            serde_json::json!({ "group": id, "name": d.name, "capacity": d.capacity }),
        )
        .await?;
        tx.commit().await?;
        self.group(&c.org_id, &id).await
    }

    /// Replaces the cohort's groups by `split` (participant ids per group, as the balanced
    /// split made them), in one transaction.
    pub async fn replace_groups(
        &self,
        c: &Cohort,
        split: &[Vec<String>],
        actor: &Actor,
    ) -> Result<Vec<Group>> {
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE learning_participants SET group_id = NULL, waiting_for = NULL, waiting_since = NULL WHERE cohort_id = $1")
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM learning_groups WHERE cohort_id = $1")
            .bind(&c.id)
            .execute(&mut *tx)
            .await?;
        for (i, members) in split.iter().enumerate() {
            let gid = new_id();
            sqlx::query("INSERT INTO learning_groups (id, cohort_id, position, name, capacity, filled) VALUES ($1, $2, $3, $4, $5, $6)")
                .bind(&gid)
                .bind(&c.id)
                .bind(i as i64 + 1)
                .bind(format!("Groep {}", i + 1))
                .bind(i64::from(c.capacity))
                .bind(members.len() as i64)
                .execute(&mut *tx)
                .await?;
            for pid in members {
                sqlx::query("UPDATE learning_participants SET group_id = $1 WHERE id = $2 AND cohort_id = $3")
                    .bind(&gid)
                    .bind(pid)
                    .bind(&c.id)
                    .execute(&mut *tx)
                    .await?;
            }
        }
        record(
            &mut tx,
            actor,
            Some(&c.org_id),
            "learning_groups.split",
            ("learning_cohort", Some(&c.id)),
            serde_json::json!({ "groups": split.len(), "sizes": split.iter().map(Vec::len).collect::<Vec<_>>() }),
        )
        .await?;
        tx.commit().await?;
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
        let mut tx = self.begin().await?;
        let taken = sqlx::query(
            "UPDATE learning_groups SET filled = filled + 1 WHERE id = $1 AND filled < capacity",
        )
        .bind(&g.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        let r = sqlx::query("SELECT group_id FROM learning_participants WHERE id = $1")
            .bind(&p.id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let current: Option<String> = r.try_get("group_id")?;
        if current.as_deref() == Some(g.id.as_str()) {
            // Already there: nothing changes (dropping the transaction undoes the count).
            return Ok(Enrolment::Placed);
        }
        let outcome = if taken {
            sqlx::query("UPDATE learning_participants SET group_id = $1, waiting_for = NULL, waiting_since = NULL WHERE id = $2")
                .bind(&g.id)
                .bind(&p.id)
                .execute(&mut *tx)
                .await?;
            if let Some(old) = &current {
                free_place(&mut tx, old).await?;
            }
            Enrolment::Placed
        } else if current.is_some() {
            return Err(StoreError::Conflict(format!("{} is vol", g.name)));
        } else {
            sqlx::query("UPDATE learning_participants SET waiting_for = $1, waiting_since = $2 WHERE id = $3")
                .bind(&g.id)
                .bind(now())
                .bind(&p.id)
                .execute(&mut *tx)
                .await?;
            Enrolment::Waiting
        };
        record(
            &mut tx,
            actor,
            Some(org_id),
            "learning_participant.enrolled",
            ("learning_participant", Some(&p.id)),
            serde_json::json!({ "group": g.id, "from": current, "outcome": outcome }),
        )
        .await?;
        tx.commit().await?;
        Ok(outcome)
    }

    /// Takes a participant out of their group (its place goes to the first waiting) and off
    /// any waiting list.
    pub async fn unenrol(&self, org_id: &str, p: &Participant, actor: &Actor) -> Result<()> {
        let mut tx = self.begin().await?;
        // The first statement writes, so the transaction holds the write lock from the start.
        sqlx::query("UPDATE learning_participants SET waiting_for = NULL, waiting_since = NULL WHERE id = $1")
            .bind(&p.id)
            .execute(&mut *tx)
            .await?;
        let r = sqlx::query("SELECT group_id FROM learning_participants WHERE id = $1")
            .bind(&p.id)
            .fetch_optional(&mut *tx)
            .await?
            .ok_or(StoreError::NotFound)?;
        let old: Option<String> = r.try_get("group_id")?;
        sqlx::query("UPDATE learning_participants SET group_id = NULL WHERE id = $1")
            .bind(&p.id)
            .execute(&mut *tx)
            .await?;
        if let Some(old) = &old {
            free_place(&mut tx, old).await?;
        }
        record(
            &mut tx,
            actor,
            Some(org_id),
            "learning_participant.unenrolled",
            ("learning_participant", Some(&p.id)),
            serde_json::json!({ "group": old }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records attendance (session, participant, status) and progress (module, participant,
    /// status) entries, all or none. The caller checked that they belong to the cohort.
    pub async fn record_register(
        &self,
        c: &Cohort,
        attendance: &[(String, String, Attendance)],
        progress: &[(String, String, Progress)],
        actor: &Actor,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        for (s, p, a) in attendance {
            sqlx::query("INSERT INTO learning_attendance (session_id, participant_id, status) VALUES ($1, $2, $3) ON CONFLICT (session_id, participant_id) DO UPDATE SET status = excluded.status")
                .bind(s)
                .bind(p)
                .bind(a.as_str())
                .execute(&mut *tx)
                .await?;
        }
        for (m, p, st) in progress {
            sqlx::query("INSERT INTO learning_progress (module_id, participant_id, status) VALUES ($1, $2, $3) ON CONFLICT (module_id, participant_id) DO UPDATE SET status = excluded.status")
                .bind(m)
                .bind(p)
                .bind(st.as_str())
                .execute(&mut *tx)
                .await?;
        }
        record(
            &mut tx,
            actor,
            Some(&c.org_id),
            "learning_register.recorded",
            ("learning_cohort", Some(&c.id)),
            serde_json::json!({ "attendance": attendance.len(), "progress": progress.len() }),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Attendance in the cohort: (session id, participant id) → status.
    pub async fn attendance(&self, c: &Cohort) -> Result<HashMap<(String, String), Attendance>> {
        let rows = sqlx::query("SELECT a.session_id, a.participant_id, a.status FROM learning_attendance a JOIN learning_participants p ON p.id = a.participant_id WHERE p.cohort_id = $1")
            .bind(&c.id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok((
                    (r.try_get("session_id")?, r.try_get("participant_id")?),
                    Attendance::parse("status", &s).map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// Progress in the cohort: (module id, participant id) → status.
    pub async fn progress(&self, c: &Cohort) -> Result<HashMap<(String, String), Progress>> {
        let rows = sqlx::query("SELECT g.module_id, g.participant_id, g.status FROM learning_progress g JOIN learning_participants p ON p.id = g.participant_id WHERE p.cohort_id = $1")
            .bind(&c.id)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let s: String = r.try_get("status")?;
                Ok((
                    (r.try_get("module_id")?, r.try_get("participant_id")?),
                    Progress::parse("status", &s).map_err(corrupt)?,
                ))
            })
            .collect()
    }

    /// What the completion rule needs, per participant of the cohort.
    pub async fn records(&self, c: &Cohort) -> Result<HashMap<String, Record>> {
        let totals = sqlx::query("SELECT (SELECT COUNT(*) FROM learning_modules WHERE programme_id = $1) AS m, (SELECT COUNT(*) FROM learning_sessions WHERE programme_id = $1) AS s")
            .bind(&c.programme_id)
            .fetch_one(self.pool())
            .await?;
        let (modules_total, sessions_total) = (count(&totals, "m")?, count(&totals, "s")?);
        let rows = sqlx::query(
            "SELECT p.id,
               (SELECT COUNT(*) FROM learning_progress g JOIN learning_modules m ON m.id = g.module_id
                  WHERE g.participant_id = p.id AND g.status = 'done' AND m.programme_id = $2) AS done,
               (SELECT COUNT(*) FROM learning_attendance a JOIN learning_sessions s ON s.id = a.session_id
                  WHERE a.participant_id = p.id AND a.status = 'present' AND s.programme_id = $2) AS present,
               (SELECT COUNT(*) FROM learning_project_members pm JOIN learning_projects x ON x.id = pm.project_id
                  WHERE pm.participant_id = p.id AND x.status = 'delivered') AS delivered
             FROM learning_participants p WHERE p.cohort_id = $1",
        )
        .bind(&c.id)
        .bind(&c.programme_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok((
                    r.try_get("id")?,
                    Record {
                        modules_total,
                        modules_done: count(r, "done")?,
                        sessions_total,
                        sessions_present: count(r, "present")?,
                        project_delivered: count(r, "delivered")? > 0,
                    },
                ))
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
        let at = now();
        let mut tx = self.begin().await?;
        sqlx::query("INSERT INTO learning_projects (id, cohort_id, title, status, outcome, students, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7)")
            .bind(&id)
            .bind(&c.id)
            .bind(&d.title)
            .bind(d.status.as_str())
            .bind(&d.outcome)
            .bind(serde_json::to_string(&d.students).map_err(corrupt)?)
            .bind(&at)
            .execute(&mut *tx)
            .await?;
        set_links(&mut tx, &id, links).await?;
        record(
            &mut tx,
            actor,
            Some(&c.org_id),
            "learning_project.created",
            ("learning_project", Some(&id)),
            serde_json::json!({ "title": d.title, "question": links.question_id, "product": links.product }),
        )
        .await?;
        tx.commit().await?;
        self.project(&c.org_id, &id).await
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
        let mut tx = self.begin().await?;
        sqlx::query("UPDATE learning_projects SET title = $1, status = $2, outcome = $3, students = $4, updated_at = $5 WHERE id = $6")
            .bind(&d.title)
            .bind(d.status.as_str())
            .bind(&d.outcome)
            .bind(serde_json::to_string(&d.students).map_err(corrupt)?)
            .bind(now())
            .bind(&x.id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM learning_project_members WHERE project_id = $1")
            .bind(&x.id)
            .execute(&mut *tx)
            .await?;
        set_links(&mut tx, &x.id, links).await?;
        record(
            &mut tx,
            actor,
            Some(org_id),
            "learning_project.updated",
            ("learning_project", Some(&x.id)),
            serde_json::json!({ "status": d.status, "question": links.question_id, "product": links.product }),
        )
        .await?;
        tx.commit().await?;
        self.project(org_id, &x.id).await
    }

    async fn project_from_row(&self, r: &AnyRow) -> Result<Project> {
        let id: String = r.try_get("id")?;
        let status: String = r.try_get("status")?;
        let students: String = r.try_get("students")?;
        let members = sqlx::query("SELECT m.participant_id FROM learning_project_members m JOIN learning_participants p ON p.id = m.participant_id WHERE m.project_id = $1 ORDER BY p.name, p.id")
            .bind(&id)
            .fetch_all(self.pool())
            .await?
            .iter()
            .map(|x| x.try_get::<String, _>("participant_id"))
            .collect::<std::result::Result<Vec<_>, _>>()?;
        Ok(Project {
            id,
            cohort_id: r.try_get("cohort_id")?,
            title: r.try_get("title")?,
            question_id: r.try_get("question_id")?,
            product_kind: r.try_get("product_kind")?,
            product_id: r.try_get("product_id")?,
            status: ProjectStatus::parse(&status).map_err(corrupt)?,
            outcome: r.try_get("outcome")?,
            students: serde_json::from_str(&students).map_err(corrupt)?,
            members,
            created_at: r.try_get("created_at")?,
            updated_at: r.try_get("updated_at")?,
        })
    }

    pub async fn projects(&self, c: &Cohort) -> Result<Vec<Project>> {
        let rows = sqlx::query(&format!(
            "{PROJECT} WHERE x.cohort_id = $1 AND c.org_id = $2 ORDER BY x.created_at, x.id"
        ))
        .bind(&c.id)
        .bind(&c.org_id)
        .fetch_all(self.pool())
        .await?;
        let mut out = Vec::new();
        for r in &rows {
            out.push(self.project_from_row(r).await?);
        }
        Ok(out)
    }

    pub async fn project(&self, org_id: &str, id: &str) -> Result<Project> {
        let r = sqlx::query(&format!("{PROJECT} WHERE x.id = $1 AND c.org_id = $2"))
            .bind(id)
            .bind(org_id)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        self.project_from_row(&r).await
    }
}

async fn insert_module(
    tx: &mut Transaction<'_, Any>,
    programme_id: &str,
    position: i64,
    m: &ModuleDraft,
) -> Result<String> {
    let id = new_id();
    sqlx::query("INSERT INTO learning_modules (id, programme_id, position, title, description, dimension) VALUES ($1, $2, $3, $4, $5, $6)")
        .bind(&id)
        .bind(programme_id)
        .bind(position)
        .bind(&m.title)
        .bind(&m.description)
        .bind(&m.dimension)
        .execute(&mut **tx)
        .await?;
    Ok(id)
}

async fn set_links(tx: &mut Transaction<'_, Any>, id: &str, links: &ProjectLinks) -> Result<()> {
    sqlx::query(
        "UPDATE learning_projects SET question_id = $1, product_kind = $2, product_id = $3 WHERE id = $4",
    )
    .bind(&links.question_id)
    .bind(links.product.as_ref().map(|p| p.0.as_str()))
    .bind(links.product.as_ref().map(|p| p.1.as_str()))
    .bind(id)
    .execute(&mut **tx)
    .await?;
    for m in &links.members {
        sqlx::query(
            "INSERT INTO learning_project_members (project_id, participant_id) VALUES ($1, $2)",
        )
        .bind(id)
        .bind(m)
        .execute(&mut **tx)
        .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::on_both_backends;
    use koers_core::OrganisationDraft;

    async fn cohort_with(s: &Store, n: usize, capacity: &str) -> (Cohort, Vec<Participant>) {
        let org = s
            .create_organisation(
                &OrganisationDraft::parse(
                    "Gemeente 's-Hertogenbosch",
                    "municipality",
                    "GM0796",
                    "",
                )
                .unwrap(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let d = ProgrammeDraft::parse("Digitaal Leiderschap", "", "Visie", "", true).unwrap();
        let p = s
            .create_programme(&org.id, &d, &d.default_modules(), &Actor::cli())
            .await
            .unwrap();
        let c = s
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
            })
            .collect();
        s.import_participants(&c, &people, true, &Actor::cli())
            .await
            .unwrap();
        let ps = s.participants(&c).await.unwrap();
        (c, ps)
    }

    async fn capacity_holds_under_concurrent_enrolment(s: Store) {
        let (c, ps) = cohort_with(&s, 40, "5").await;
        let g = s
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
                s.enrol(&org, &g, &p, &Actor::cli()).await
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
        let members = s
            .participants(&c)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
            .count();
        assert_eq!(members, 5);
        assert_eq!(s.group(&c.org_id, &g.id).await.unwrap().filled, 5);
        // Leaving gives the place to the first on the waiting list.
        let leaver = s
            .participants(&c)
            .await
            .unwrap()
            .into_iter()
            .find(|p| p.group_id.is_some())
            .unwrap();
        s.unenrol(&c.org_id, &leaver, &Actor::cli()).await.unwrap();
        let now_in = s
            .participants(&c)
            .await
            .unwrap()
            .into_iter()
            .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
            .count();
        assert_eq!(now_in, 5);
        assert_eq!(s.group(&c.org_id, &g.id).await.unwrap().filled, 5);
    }

    async fn a_split_replaces_the_groups_and_moves_keep_counts(s: Store) {
        let (c, ps) = cohort_with(&s, 7, "3").await;
        let split = vec![
            ps[..3].iter().map(|p| p.id.clone()).collect(),
            ps[3..5].iter().map(|p| p.id.clone()).collect(),
            ps[5..].iter().map(|p| p.id.clone()).collect(),
        ];
        let gs = s.replace_groups(&c, &split, &Actor::cli()).await.unwrap();
        assert_eq!(gs.iter().map(|g| g.filled).collect::<Vec<_>>(), [3, 2, 2]);
        // A move into a full group is refused; into one with room it is made.
        assert!(matches!(
            s.enrol(&c.org_id, &gs[0], &ps[4], &Actor::cli()).await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(
            s.enrol(&c.org_id, &gs[1], &ps[0], &Actor::cli())
                .await
                .unwrap(),
            Enrolment::Placed
        );
        let gs = s.groups(&c).await.unwrap();
        assert_eq!(gs.iter().map(|g| g.filled).collect::<Vec<_>>(), [2, 3, 2]);
        // A duplicate address in a later import is a conflict and adds nobody.
        let again = vec![ParticipantDraft {
            name: "X".into(),
            email: "d0@example.nl".into(),
            department: "A".into(),
            role: "B".into(),
        }];
        assert!(matches!(
            s.import_participants(&c, &again, false, &Actor::cli())
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert_eq!(s.participants(&c).await.unwrap().len(), 7);
    }

    on_both_backends!(
        capacity_holds_under_concurrent_enrolment,
        a_split_replaces_the_groups_and_moves_keep_counts
    );
}
