//! The learning track's leadership model in use: participants' self-assessments, their
//! target groups, and the live sessions whose reminder is due.

use super::{Content, LiveSession, Participant, Programme, Repo, SESSION};
use crate::audit::Actor;
use crate::sql::corrupt;
use crate::{Result, now};
use koers_core::learning::model::{Moment, Score, SelfAssessment};
use sqlx::Row;

/// The participants of every cohort of a programme.
const OF_PROGRAMME: &str = "SELECT p.id FROM learning_participants p JOIN learning_cohorts c ON c.id = p.cohort_id WHERE c.programme_id = $1";

fn scores(rows: Vec<(String, String, String, i64)>) -> Result<Vec<Score>> {
    rows.into_iter()
        .map(|(participant_id, moment, dimension, level)| {
            Ok(Score {
                participant_id,
                moment: Moment::parse(&moment).map_err(corrupt)?,
                dimension,
                level: u32::try_from(level).map_err(corrupt)?,
            })
        })
        .collect()
}

/// A participant's answer to a reflection or quiz.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Response {
    pub content_id: String,
    pub participant_id: String,
    /// The participant's name (for the coordinator's overview).
    pub participant_name: String,
    /// The reflection's text, or the quiz's chosen options as JSON.
    pub answer: String,
    /// A quiz's mark: right and total.
    pub quiz_right: Option<u32>,
    pub quiz_total: Option<u32>,
    pub answered_at: String,
}

crate::sql::from_row!(r => Response { content_id, participant_id, participant_name, answer, answered_at;
    quiz_right: r.try_get::<Option<i64>, _>("quiz_right")?.map(u32::try_from).transpose().map_err(corrupt)?,
    quiz_total: r.try_get::<Option<i64>, _>("quiz_total")?.map(u32::try_from).transpose().map_err(corrupt)?,
});

const RESPONSE: &str = "SELECT x.content_id, x.participant_id, p.name AS participant_name, x.answer, x.quiz_right, x.quiz_total, x.answered_at FROM learning_responses x JOIN learning_participants p ON p.id = x.participant_id JOIN learning_content c ON c.id = x.content_id";

impl Repo<'_> {
    /// Saves a participant's answer to a reflection or quiz (`mark`: a quiz's right and
    /// total), replacing an earlier one. The audit names the piece, not the answer.
    pub async fn save_response(
        &self,
        org_id: &str,
        p: &Participant,
        content: &Content,
        answer: &str,
        mark: Option<(u32, u32)>,
        actor: &Actor,
    ) -> Result<()> {
        let mut w = self.write(actor, Some(org_id)).await?;
        let (right, total) = (mark.map(|m| i64::from(m.0)), mark.map(|m| i64::from(m.1)));
        w.exec("INSERT INTO learning_responses (content_id, participant_id, answer, quiz_right, quiz_total, answered_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (content_id, participant_id) DO UPDATE SET answer = excluded.answer, quiz_right = excluded.quiz_right, quiz_total = excluded.quiz_total, answered_at = excluded.answered_at",
            (&content.id, &p.id, answer, right, total, now())).await?;
        let detail = serde_json::json!({ "content": content.id, "kind": content.kind.as_str() });
        w.commit(
            "learning_response.saved",
            ("learning_participant", &p.id),
            detail,
        )
        .await
    }

    /// One participant's answers in one module.
    pub async fn responses_of(
        &self,
        participant_id: &str,
        module_id: &str,
    ) -> Result<Vec<Response>> {
        let sql = format!(
            "{RESPONSE} WHERE x.participant_id = $1 AND c.module_id = $2 ORDER BY c.position"
        );
        self.all(&sql, (participant_id, module_id)).await
    }

    /// Everyone's answers in one module (for its coordinator), by piece and name.
    pub async fn responses_in(&self, module_id: &str) -> Result<Vec<Response>> {
        let sql = format!("{RESPONSE} WHERE c.module_id = $1 ORDER BY c.position, p.name, p.id");
        self.all(&sql, (module_id,)).await
    }

    /// Puts a participant in one of the programme's target groups (checked by the caller);
    /// empty takes them out of any.
    pub async fn set_target_group(
        &self,
        org_id: &str,
        p: &Participant,
        group: &str,
        actor: &Actor,
    ) -> Result<Participant> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec_found(
            "UPDATE learning_participants SET target_group = $1 WHERE id = $2",
            (group, &p.id),
        )
        .await?;
        let detail = serde_json::json!({ "targetGroup": group });
        w.commit(
            "learning_participant.target_group",
            ("learning_participant", &p.id),
            detail,
        )
        .await?;
        self.participant(org_id, &p.id).await
    }

    /// Saves a participant's self-assessment at its moment, replacing an earlier one at the
    /// same moment. The audit names the moment, never the levels: they are the participant's.
    pub async fn save_self_assessment(
        &self,
        org_id: &str,
        p: &Participant,
        a: &SelfAssessment,
        actor: &Actor,
    ) -> Result<()> {
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "DELETE FROM learning_self_assessments WHERE participant_id = $1 AND moment = $2",
            (&p.id, a.moment.as_str()),
        )
        .await?;
        for (dimension, level) in &a.levels {
            w.exec("INSERT INTO learning_self_assessments (participant_id, moment, dimension, level, assessed_at) VALUES ($1, $2, $3, $4, $5)",
                (&p.id, a.moment.as_str(), dimension, i64::from(*level), &at)).await?;
        }
        let detail = serde_json::json!({ "moment": a.moment.as_str() });
        w.commit(
            "learning_self_assessment.saved",
            ("learning_participant", &p.id),
            detail,
        )
        .await
    }

    /// One participant's own answers.
    pub async fn scores_of(&self, participant_id: &str) -> Result<Vec<Score>> {
        scores(self.all("SELECT participant_id, moment, dimension, level FROM learning_self_assessments WHERE participant_id = $1 ORDER BY moment, dimension", (participant_id,)).await?)
    }

    /// Every answer given in the programme's cohorts (for the aggregated movement only).
    pub async fn scores(&self, programme_id: &str) -> Result<Vec<Score>> {
        let sql = format!(
            "SELECT participant_id, moment, dimension, level FROM learning_self_assessments WHERE participant_id IN ({OF_PROGRAMME})"
        );
        scores(self.all(&sql, (programme_id,)).await?)
    }

    /// The target groups participants of the programme or its sessions are in, and whether
    /// anyone assessed themselves yet: what a change of the model must keep.
    pub async fn model_in_use(&self, programme_id: &str) -> Result<(Vec<String>, bool)> {
        let groups: Vec<String> = self
            .all(
                &format!("SELECT DISTINCT target_group FROM learning_participants WHERE id IN ({OF_PROGRAMME}) UNION SELECT DISTINCT target_group FROM learning_sessions WHERE programme_id = $1 ORDER BY 1"),
                (programme_id,),
            )
            .await?;
        let assessed: i64 = self
            .one(
                &format!("SELECT COUNT(*) FROM learning_self_assessments WHERE participant_id IN ({OF_PROGRAMME})"),
                (programme_id,),
            )
            .await?;
        Ok((groups, assessed > 0))
    }

    /// Claims the live sessions (of every organisation) starting after `from` and no later
    /// than `until` (local time, `YYYY-MM-DD HH:MM`) whose reminder has not gone out, with
    /// their programme. Each is claimed by one caller only, even with several processes on
    /// one database; a changed session is reminded again.
    pub async fn claim_due_reminders(
        &self,
        from: &str,
        until: &str,
    ) -> Result<Vec<(LiveSession, Programme)>> {
        let due: Vec<LiveSession> = self
            .all(
                &format!("{SESSION} WHERE reminded_at IS NULL AND date || ' ' || start_time > $1 AND date || ' ' || start_time <= $2 ORDER BY date, start_time, id"),
                (from, until),
            )
            .await?;
        let at = now();
        let mut claimed = Vec::new();
        for s in due {
            let won = self
                .exec(
                    "UPDATE learning_sessions SET reminded_at = $1 WHERE id = $2 AND reminded_at IS NULL",
                    (&at, &s.id),
                )
                .await?;
            if won == 1 {
                let org_id: String = self
                    .one(
                        "SELECT org_id FROM learning_programmes WHERE id = $1",
                        (&s.programme_id,),
                    )
                    .await?;
                let p = self.programme(&org_id, &s.programme_id).await?;
                claimed.push((s, p));
            }
        }
        Ok(claimed)
    }

    /// The people a session is for: the placed participants of the programme's cohorts in
    /// its target group (all of them for a session for everyone).
    pub async fn expected_at(&self, s: &LiveSession) -> Result<Vec<Participant>> {
        let sql = format!(
            "{} WHERE c.programme_id = $1 AND p.group_id IS NOT NULL AND ($2 = '' OR p.target_group = $2) ORDER BY p.name, p.id",
            super::PARTICIPANT
        );
        self.all(&sql, (&s.programme_id, &s.target_group)).await
    }
}
