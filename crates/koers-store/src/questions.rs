//! Policy tasks and their data questions: the workflow state, who holds which role, every
//! transition with who, when and why, the evidence linked, and comments.

use crate::audit::Actor;
use crate::notifications::notify;
use crate::sql::{FromRow, columns, corrupt, from_row, json, parsed, stored, to_json};
use crate::{Result, StoreError, new_id, now};
use koers_core::questions::{Assignments, QuestionDraft, Status, TaskDraft, TransitionInput};
use serde::Serialize;
use sqlx::Row;
use sqlx::any::AnyRow;

/// A policy task (opgave).
#[derive(Debug, Clone, Serialize)]
pub struct PolicyTask {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub theme: String,
    pub description: String,
    pub goals: String,
    pub owner_id: Option<String>,
    pub created_at: String,
}

/// A data question with its state.
#[derive(Debug, Clone, Serialize)]
pub struct Question {
    pub id: String,
    pub org_id: String,
    pub task_id: String,
    pub question: String,
    pub policy_goal: String,
    pub asked_by: String,
    pub assignments: Assignments,
    pub due_date: Option<String>,
    pub priority: String,
    pub competences: Vec<String>,
    pub status: Status,
    pub parked_from: Option<Status>,
    pub decision_date: Option<String>,
    pub decision_by: Option<String>,
    pub decision_reference: Option<String>,
    pub evaluation_changed: Option<String>,
    pub evaluation_learned: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One step a question took.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionEvent {
    pub at: String,
    pub actor_label: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub note: String,
}

/// Evidence linked to a question: a dataset, an analysis or an information product.
#[derive(Debug, Clone, Serialize)]
pub struct QuestionLink {
    pub kind: String,
    pub target: String,
    pub label: String,
}

/// A comment on a question.
#[derive(Debug, Clone, Serialize)]
pub struct Comment {
    pub id: String,
    pub at: String,
    pub author_label: String,
    pub body: String,
}

/// A file attached to a question. The file itself lies in the data folder under its content
/// hash (`stored_as`); its name is only shown and offered for download, never used as a path.
#[derive(Debug, Clone, Serialize)]
pub struct Attachment {
    pub id: String,
    pub question_id: String,
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub stored_as: String,
    pub uploaded_by: String,
    pub uploaded_at: String,
}

/// What is known of a checked, stored file before it is recorded.
#[derive(Debug, Clone)]
pub struct NewAttachment {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub stored_as: String,
}

const A_COLUMNS: &str = "id, question_id, file_name, content_type, size_bytes, sha256, stored_as, uploaded_by, uploaded_at";

from_row!(r => Attachment { id, question_id, file_name, content_type, size_bytes, sha256, stored_as, uploaded_by, uploaded_at });

from_row!(r => PolicyTask { id, org_id, name, theme, description, goals, owner_id, created_at });

const TASK: &str =
    "SELECT id, org_id, name, theme, description, goals, owner_id, created_at FROM policy_tasks";

stored!(PolicyTask: TASK);

const Q_COLUMNS: &str = "id, org_id, task_id, question, policy_goal, asked_by, question_owner, analyst, data_steward, decision_maker, due_date, priority, competences, status, parked_from, decision_date, decision_by, decision_reference, evaluation_changed, evaluation_learned, created_at, updated_at";

impl FromRow for Question {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let assignments =
            columns!(r => Assignments { question_owner, analyst, data_steward, decision_maker });
        let parked: Option<String> = r.try_get("parked_from")?;
        Ok(columns!(r => Question {
            id, org_id, task_id, question, policy_goal, asked_by, due_date, priority,
            decision_date, decision_by, decision_reference, evaluation_changed,
            evaluation_learned, created_at, updated_at;
            assignments,
            competences: json(r, "competences")?,
            status: parsed(r, "status", Status::parse)?,
            parked_from: parked.map(|p| Status::parse(&p).map_err(corrupt)).transpose()?,
        }))
    }
}

from_row!(r => QuestionEvent { at, actor_label, from_status, to_status, note });

from_row!(r => QuestionLink { kind, target, label });

from_row!(r => Comment { id, at, author_label, body });

/// Tells the people newly given a role on a question.
async fn notify_assigned(
    conn: &mut sqlx::AnyConnection,
    org_id: &str,
    question_id: &str,
    question: &str,
    after: &Assignments,
    before: &Assignments,
    actor: &Actor,
) -> Result<()> {
    let actor_id = actor.user_id.as_deref().unwrap_or("");
    for (user, role) in after.newly_assigned(before, actor_id) {
        notify(
            conn,
            org_id,
            &[user],
            actor,
            "question.assigned",
            &serde_json::json!({ "question": question, "role": role.as_str(), "by": actor.label }),
            &format!("/datavragen/{question_id}"),
        )
        .await?;
    }
    Ok(())
}

/// Tells everyone with a role on the question (but the actor) what happened to it.
async fn notify_people(
    conn: &mut sqlx::AnyConnection,
    q: &Question,
    actor: &Actor,
    kind: &str,
    mut params: serde_json::Value,
) -> Result<()> {
    params["question"] = q.question.clone().into();
    params["by"] = actor.label.clone().into();
    let people = q
        .assignments
        .people_except(actor.user_id.as_deref().unwrap_or(""));
    notify(
        conn,
        &q.org_id,
        &people,
        actor,
        kind,
        &params,
        &format!("/datavragen/{}", q.id),
    )
    .await
}

crate::repository!(
    /// Tasks, data questions, their workflow, comments, evidence and attachments.
    questions
);

impl Repo<'_> {
    pub async fn create_task(
        &self,
        org_id: &str,
        d: &TaskDraft,
        owner_id: Option<&str>,
        actor: &Actor,
    ) -> Result<PolicyTask> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO policy_tasks (id, org_id, name, theme, description, goals, owner_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (&id, org_id, &d.name, &d.theme, &d.description, &d.goals, owner_id, now())).await?;
        let detail = serde_json::json!({ "name": d.name });
        w.commit_returning("policy_task.created", ("policy_task", &id), detail, &id)
            .await
    }

    pub async fn tasks(&self, org_id: &str) -> Result<Vec<PolicyTask>> {
        self.of_org(org_id, "name, id").await
    }

    pub async fn task(&self, org_id: &str, id: &str) -> Result<PolicyTask> {
        self.in_org(org_id, id).await
    }

    /// Asks a question under a task of the same organisation; the people assigned must be
    /// members of it.
    pub async fn create_question(
        &self,
        org_id: &str,
        task_id: &str,
        d: &QuestionDraft,
        a: &Assignments,
        actor: &Actor,
    ) -> Result<Question> {
        self.task(org_id, task_id).await?;
        self.check_members(org_id, a).await?;
        let id = new_id();
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("INSERT INTO data_questions ({Q_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, NULL, NULL, NULL, NULL, NULL, NULL, $15, $16)"), (&id, org_id, task_id, &d.question, &d.policy_goal, &d.asked_by, &a.question_owner, &a.analyst, &a.data_steward, &a.decision_maker, &d.due_date, &d.priority, to_json(&d.competences)?, Status::Asked.as_str(), &at, &at)).await?;
        w.exec("INSERT INTO question_events (id, question_id, at, actor_label, from_status, to_status, note) VALUES ($1, $2, $3, $4, NULL, $5, '')", (new_id(), &id, &at, &actor.label, Status::Asked.as_str())).await?;
        let detail = serde_json::json!({ "question": d.question });
        w.audit("question.asked", ("data_question", &id), detail)
            .await?;
        notify_assigned(
            w.conn(),
            org_id,
            &id,
            &d.question,
            a,
            &Assignments::default(),
            actor,
        )
        .await?;
        w.finish().await?;
        self.question(org_id, &id).await
    }

    /// Changes who holds which role on a question; everyone newly given a role is notified.
    /// Every holder must be a member of the question's organisation.
    pub async fn update_assignments(
        &self,
        q: &Question,
        a: &Assignments,
        actor: &Actor,
    ) -> Result<Question> {
        self.check_members(&q.org_id, a).await?;
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        w.exec("UPDATE data_questions SET question_owner = $1, analyst = $2, data_steward = $3, decision_maker = $4, updated_at = $5 WHERE id = $6 AND org_id = $7", (&a.question_owner, &a.analyst, &a.data_steward, &a.decision_maker, now(), &q.id, &q.org_id)).await?;
        w.audit(
            "question.assigned",
            ("data_question", &q.id),
            serde_json::to_value(a).map_err(corrupt)?,
        )
        .await?;
        notify_assigned(
            w.conn(),
            &q.org_id,
            &q.id,
            &q.question,
            a,
            &q.assignments,
            actor,
        )
        .await?;
        w.finish().await?;
        self.question(&q.org_id, &q.id).await
    }

    async fn check_members(&self, org_id: &str, a: &Assignments) -> Result<()> {
        for role in Assignments::ROLES {
            if let Some(user) = a.holder(role)
                && self.users().roles_in(user, org_id).await?.is_empty()
            {
                return Err(StoreError::NotFound);
            }
        }
        Ok(())
    }

    /// The organisation's questions, newest first, optionally of one task.
    pub async fn questions(&self, org_id: &str, task_id: Option<&str>) -> Result<Vec<Question>> {
        self.all(&format!("SELECT {Q_COLUMNS} FROM data_questions WHERE org_id = $1 AND ($2 = '' OR task_id = $2) ORDER BY created_at DESC, id"), (org_id, task_id.unwrap_or(""))).await
    }

    pub async fn question(&self, org_id: &str, id: &str) -> Result<Question> {
        self.one(
            &format!("SELECT {Q_COLUMNS} FROM data_questions WHERE id = $1 AND org_id = $2"),
            (id, org_id),
        )
        .await
    }

    /// Records a transition that the domain rules allowed: the new status, the decision or
    /// evaluation it brings, the event, and the audit row, in one transaction. Refuses with
    /// `Conflict` when the question moved meanwhile.
    pub async fn record_transition(
        &self,
        q: &Question,
        to: Status,
        input: &TransitionInput,
        actor: &Actor,
    ) -> Result<Question> {
        let at = now();
        let parked_from = match to {
            Status::Parked => Some(q.status.as_str()),
            _ => None,
        };
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        let done = w
            .exec(
                "UPDATE data_questions SET status = $1, parked_from = $2,
               decision_date = CASE WHEN $1 = 'decided' THEN $3 ELSE decision_date END,
               decision_by = CASE WHEN $1 = 'decided' THEN $4 ELSE decision_by END,
               decision_reference = CASE WHEN $1 = 'decided' THEN $5 ELSE decision_reference END,
               evaluation_changed = CASE WHEN $1 = 'evaluated' THEN $6 ELSE evaluation_changed END,
               evaluation_learned = CASE WHEN $1 = 'evaluated' THEN $7 ELSE evaluation_learned END,
               updated_at = $8
             WHERE id = $9 AND org_id = $10 AND status = $11",
                (
                    to.as_str(),
                    parked_from,
                    &input.decision_date,
                    &input.decision_maker,
                    &input.decision_reference,
                    &input.evaluation_changed,
                    &input.evaluation_learned,
                    &at,
                    &q.id,
                    &q.org_id,
                    q.status.as_str(),
                ),
            )
            .await?;
        if done == 0 {
            return Err(StoreError::Conflict(
                "de vraag is intussen gewijzigd".into(),
            ));
        }
        w.exec("INSERT INTO question_events (id, question_id, at, actor_label, from_status, to_status, note) VALUES ($1, $2, $3, $4, $5, $6, $7)", (new_id(), &q.id, &at, &actor.label, q.status.as_str(), to.as_str(), &input.note)).await?;
        let detail =
            serde_json::json!({ "from": q.status.as_str(), "to": to.as_str(), "note": input.note });
        w.audit("question.transition", ("data_question", &q.id), detail)
            .await?;
        notify_people(
            w.conn(),
            q,
            actor,
            "question.moved",
            serde_json::json!({ "from": q.status.as_str(), "to": to.as_str() }),
        )
        .await?;
        w.finish().await?;
        self.question(&q.org_id, &q.id).await
    }

    pub async fn question_events(&self, question_id: &str) -> Result<Vec<QuestionEvent>> {
        self.all("SELECT at, actor_label, from_status, to_status, note FROM question_events WHERE question_id = $1 ORDER BY at, id", (question_id,)).await
    }

    /// Links evidence to a question (idempotent).
    pub async fn link_evidence(
        &self,
        q: &Question,
        kind: &str,
        target: &str,
        label: &str,
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        let exists: Option<i64> = w.optional("SELECT 1 AS one FROM question_links WHERE question_id = $1 AND kind = $2 AND target = $3", (&q.id, kind, target)).await?;
        if exists.is_none() {
            w.exec("INSERT INTO question_links (question_id, kind, target, label) VALUES ($1, $2, $3, $4)", (&q.id, kind, target, label)).await?;
            let detail = serde_json::json!({ "kind": kind, "target": target });
            w.audit("question.evidence_linked", ("data_question", &q.id), detail)
                .await?;
        }
        w.finish().await
    }

    pub async fn question_links(&self, question_id: &str) -> Result<Vec<QuestionLink>> {
        self.all("SELECT kind, target, label FROM question_links WHERE question_id = $1 ORDER BY kind, label", (question_id,)).await
    }

    pub async fn add_comment(&self, q: &Question, body: &str, actor: &Actor) -> Result<Comment> {
        let c = Comment {
            id: new_id(),
            at: now(),
            author_label: actor.label.clone(),
            body: body.to_string(),
        };
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        w.exec("INSERT INTO question_comments (id, question_id, at, author_label, body) VALUES ($1, $2, $3, $4, $5)", (&c.id, &q.id, &c.at, &c.author_label, &c.body)).await?;
        w.audit(
            "question.commented",
            ("data_question", &q.id),
            serde_json::json!({}),
        )
        .await?;
        notify_people(
            w.conn(),
            q,
            actor,
            "question.commented",
            serde_json::json!({}),
        )
        .await?;
        w.finish().await?;
        Ok(c)
    }

    /// Records a file attached to a question and tells the people on it.
    pub async fn add_attachment(
        &self,
        q: &Question,
        f: &NewAttachment,
        actor: &Actor,
    ) -> Result<Attachment> {
        let id = new_id();
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        w.exec(&format!("INSERT INTO question_attachments ({A_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"), (&id, &q.id, &f.file_name, &f.content_type, f.size_bytes, &f.sha256, &f.stored_as, &actor.label, now())).await?;
        let detail = serde_json::json!({ "attachment": id, "file": f.file_name, "sha256": f.sha256, "bytes": f.size_bytes });
        w.audit(
            "question.attachment_added",
            ("data_question", &q.id),
            detail,
        )
        .await?;
        notify_people(
            w.conn(),
            q,
            actor,
            "question.attachment",
            serde_json::json!({ "file": f.file_name }),
        )
        .await?;
        w.finish().await?;
        self.attachment(&q.id, &id).await
    }

    /// A question's attachments, oldest first.
    pub async fn attachments(&self, question_id: &str) -> Result<Vec<Attachment>> {
        self.all(&format!("SELECT {A_COLUMNS} FROM question_attachments WHERE question_id = $1 ORDER BY uploaded_at, id"), (question_id,)).await
    }

    /// One attachment of a question.
    pub async fn attachment(&self, question_id: &str, id: &str) -> Result<Attachment> {
        let sql = format!(
            "SELECT {A_COLUMNS} FROM question_attachments WHERE question_id = $1 AND id = $2"
        );
        self.one(&sql, (question_id, id)).await
    }

    /// Removes an attachment from a question. Returns whether its stored file is still used by
    /// another attachment (files are stored once per content).
    pub async fn remove_attachment(
        &self,
        q: &Question,
        a: &Attachment,
        actor: &Actor,
    ) -> Result<bool> {
        let mut w = self.write(actor, Some(&q.org_id)).await?;
        w.exec(
            "DELETE FROM question_attachments WHERE id = $1 AND question_id = $2",
            (&a.id, &q.id),
        )
        .await?;
        let detail =
            serde_json::json!({ "attachment": a.id, "file": a.file_name, "sha256": a.sha256 });
        w.audit(
            "question.attachment_removed",
            ("data_question", &q.id),
            detail,
        )
        .await?;
        let n: i64 = w
            .one(
                "SELECT COUNT(*) AS n FROM question_attachments WHERE stored_as = $1",
                (&a.stored_as,),
            )
            .await?;
        w.finish().await?;
        Ok(n > 0)
    }

    pub async fn comments(&self, question_id: &str) -> Result<Vec<Comment>> {
        self.all("SELECT id, at, author_label, body FROM question_comments WHERE question_id = $1 ORDER BY at, id", (question_id,)).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;
    use crate::testing::on_both_backends;
    use koers_core::Role;

    async fn a_question_moves_and_keeps_its_history(s: Store) {
        let org = crate::testing::organisation(&s, "Gelderland", "province", "PV25").await;
        let other = crate::testing::organisation(&s, "Utrecht", "province", "PV26").await;
        let u = crate::testing::member(&s, &org.id, "o@x.nl", "O", &[Role::PolicyOwner]).await;
        let stranger = crate::testing::member(&s, &other.id, "s@x.nl", "S", &[Role::Viewer]).await;
        let task = s
            .questions()
            .create_task(
                &org.id,
                &TaskDraft::parse("Wegen", "roads", "", "").unwrap(),
                Some(&u.id),
                &Actor::cli(),
            )
            .await
            .unwrap();
        let d = QuestionDraft::parse(
            "Hoeveel kilometer weg is aan vervanging toe?",
            "",
            "GS",
            "",
            "high",
            &[],
        )
        .unwrap();
        let a = Assignments {
            question_owner: Some(u.id.clone()),
            ..Default::default()
        };
        let q = s
            .questions()
            .create_question(&org.id, &task.id, &d, &a, &Actor::cli())
            .await
            .unwrap();
        // Someone of another organisation cannot be assigned, nor see it.
        let bad = Assignments {
            analyst: Some(stranger.id.clone()),
            ..a.clone()
        };
        assert!(matches!(
            s.questions()
                .create_question(&org.id, &task.id, &d, &bad, &Actor::cli())
                .await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            s.questions().question(&other.id, &q.id).await,
            Err(StoreError::NotFound)
        ));
        let q2 = s
            .questions()
            .record_transition(
                &q,
                Status::Sharpened,
                &TransitionInput::default(),
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(q2.status, Status::Sharpened);
        // A stale copy cannot move it again.
        assert!(matches!(
            s.questions()
                .record_transition(
                    &q,
                    Status::Sharpened,
                    &TransitionInput::default(),
                    &Actor::cli()
                )
                .await,
            Err(StoreError::Conflict(_))
        ));
        let events = s.questions().question_events(&q.id).await.unwrap();
        assert_eq!(
            events
                .iter()
                .map(|e| e.to_status.as_str())
                .collect::<Vec<_>>(),
            ["asked", "sharpened"]
        );
        s.questions()
            .link_evidence(&q2, "dataset", "ds1", "Wegvakken", &Actor::cli())
            .await
            .unwrap();
        s.questions()
            .link_evidence(&q2, "dataset", "ds1", "Wegvakken", &Actor::cli())
            .await
            .unwrap();
        assert_eq!(s.questions().question_links(&q.id).await.unwrap().len(), 1);
        s.questions()
            .add_comment(&q2, "Eerst de N-wegen", &Actor::cli())
            .await
            .unwrap();
        assert_eq!(s.questions().comments(&q.id).await.unwrap().len(), 1);
    }

    on_both_backends!(a_question_moves_and_keeps_its_history);
}
