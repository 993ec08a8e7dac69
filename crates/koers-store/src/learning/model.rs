//! The learning track's leadership model in use: participants' self-assessments, their
//! target groups, and the live sessions whose reminder is due.

use super::{LiveSession, Participant, Programme, Repo, SESSION};
use crate::audit::Actor;
use crate::sql::corrupt;
use crate::{Result, now};
use koers_core::learning::model::{Moment, Score, SelfAssessment};

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

impl Repo<'_> {
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
