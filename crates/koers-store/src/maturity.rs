//! The maturity monitor: versioned frameworks, survey rounds with their participating
//! organisations, items and invitations, anonymous responses, documents and interview notes
//! with coded passages. Everything hangs off a round, and a round off the organisation that
//! runs it: every read and write names that organisation.

use crate::audit::Actor;
use crate::questions::Comment;
use crate::sql::{self, FromRow, corrupt, flag, from_row, json, parsed, stored};
use crate::{Result, StoreError, conflict_on_unique, new_id, now};
use koers_core::maturity::groups::RespondentGroup;
use koers_core::maturity::trend::DimensionMap;
use koers_core::maturity::{
    Answers, CodeDraft, Framework, ItemDraft, ItemKind, ParticipantDraft, RoundDraft, Weights,
};
use serde::Serialize;
use sqlx::Row;

/// One version of an organisation's framework.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkVersion {
    pub id: String,
    pub version: i64,
    pub framework: Framework,
    pub created_at: String,
}

/// A survey round.
#[derive(Debug, Clone, Serialize)]
pub struct Round {
    pub id: String,
    pub org_id: String,
    pub framework_id: String,
    pub name: String,
    pub year: i64,
    pub min_respondents: i64,
    pub weights: Weights,
    /// `open` or `closed`; a closed round is frozen.
    pub status: String,
    /// The key behind the round's anonymous benchmark labels; never shown.
    #[serde(skip)]
    pub anon_key: String,
    /// Whether the round's responses were generated (the demo).
    pub generated: bool,
    pub created_at: String,
    pub closed_at: Option<String>,
    /// The round of an earlier year this one follows (the study repeated), if any.
    pub previous_round_id: Option<String>,
    /// How this round's dimensions continue those of the previous round.
    pub dimension_map: DimensionMap,
}

impl Round {
    pub fn is_open(&self) -> bool {
        self.status == "open"
    }
}

/// A participating organisation of a round.
#[derive(Debug, Clone, Serialize)]
pub struct Participant {
    pub id: String,
    pub name: String,
    pub cbs_code: Option<String>,
    /// The member organisation in koers it stands for (in an umbrella body's round).
    pub member_org_id: Option<String>,
}

/// A survey item.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    pub position: i64,
    pub dimension_key: Option<String>,
    pub kind: ItemKind,
    pub text: String,
}

/// An invitation; its token is known only to whoever received the link.
#[derive(Debug, Clone, Serialize)]
pub struct Invitation {
    pub id: String,
    pub participant_id: String,
    pub label: String,
    pub created_at: String,
    pub used_at: Option<String>,
}

/// A document or interview notes, with the text that gets coded.
#[derive(Debug, Clone, Serialize)]
pub struct Source {
    pub id: String,
    pub round_id: String,
    pub participant_id: String,
    /// `document` or `interview`.
    pub kind: String,
    pub title: String,
    pub file_name: Option<String>,
    pub stored_name: Option<String>,
    pub media_type: Option<String>,
    pub byte_size: i64,
    pub text: String,
    pub created_at: String,
    /// Whom an interview was with, by role (`executive`, `civil_servant`), when recorded.
    pub interviewee_role: Option<String>,
}

/// A new document or interview.
pub struct SourceDraft<'a> {
    pub participant_id: &'a str,
    pub kind: &'a str,
    pub title: &'a str,
    /// Original file name (shown only), stored name, media type and size of an upload.
    pub file: Option<(&'a str, &'a str, &'a str, i64)>,
    pub text: &'a str,
    /// Whom an interview was with, by role.
    pub interviewee_role: Option<&'a str>,
}

/// What the researcher recommends an organisation on one dimension.
#[derive(Debug, Clone, Serialize)]
pub struct Recommendation {
    pub participant_id: String,
    pub dimension_key: String,
    pub body: String,
    pub written_by: String,
    pub updated_at: String,
}

from_row!(r => Recommendation { participant_id, dimension_key, body, written_by, updated_at });

/// A coded passage, with where it comes from.
#[derive(Debug, Clone, Serialize)]
pub struct Code {
    pub id: String,
    pub source_id: String,
    pub source_title: String,
    /// `document` or `interview`.
    pub source_kind: String,
    /// Whom the interview was with, by role, when recorded.
    pub interviewee_role: Option<String>,
    pub participant_id: String,
    pub dimension_key: String,
    pub level: i64,
    pub passage: String,
    pub note: String,
    pub coded_by: String,
    pub created_at: String,
}

/// One Likert answer, with the respondent (response) and organisation it belongs to.
#[derive(Debug, Clone)]
pub struct LikertAnswer {
    pub participant_id: String,
    pub response_id: String,
    pub item_id: String,
    pub value: i64,
    /// The group the respondent said they belong to; `None` when they did not say.
    pub group: Option<RespondentGroup>,
}

/// One open comment.
#[derive(Debug, Clone, Serialize)]
pub struct OpenAnswer {
    pub participant_id: String,
    pub item_id: String,
    pub text: String,
}

/// What an invitation link leads to.
#[derive(Debug, Clone)]
pub struct InvitationTarget {
    pub invitation: Invitation,
    pub round: Round,
    pub participant: Participant,
}

const ROUND_COLUMNS: &str = "id, org_id, framework_id, name, year, min_respondents, weights, status, anon_key, generated, created_at, closed_at";

from_row!(r => Round { id, org_id, framework_id, name, year, min_respondents, status, anon_key, created_at, closed_at, previous_round_id;
    weights: json(r, "weights")?,
    generated: flag(r, "generated")?,
    dimension_map: json(r, "dimension_map")?,
});

/// The columns a round is read with.
const ROUND: &str = "SELECT id, org_id, framework_id, name, year, min_respondents, weights, status, anon_key, generated, created_at, closed_at, previous_round_id, dimension_map FROM maturity_rounds";

stored!(Round: ROUND);

from_row!(r => FrameworkVersion { id, version, created_at;
    framework: json(r, "body")?,
});

from_row!(r => Participant { id, name, cbs_code, member_org_id });

from_row!(r => Invitation { id, participant_id, label, created_at, used_at });

const SOURCE_COLUMNS: &str = "id, round_id, participant_id, kind, title, file_name, stored_name, media_type, byte_size, body, created_at, interviewee_role";

from_row!(r => Source { id, round_id, participant_id, kind, title, file_name, stored_name, media_type, byte_size, created_at, interviewee_role;
    text: r.try_get("body")?,
});

/// Refuses a change to a closed round.
fn open(round: &Round) -> Result<()> {
    if round.is_open() {
        Ok(())
    } else {
        Err(StoreError::Conflict("de ronde is gesloten".into()))
    }
}

from_row!(r => Item { id, position, dimension_key;
    kind: parsed(r, "kind", ItemKind::parse)?,
    text: r.try_get("body")?,
});

from_row!(r => LikertAnswer { participant_id, response_id, item_id;
    value: r.try_get("likert")?,
    group: parsed(r, "respondent_group", RespondentGroup::parse)?,
});

from_row!(r => OpenAnswer { participant_id, item_id;
    text: r.try_get("comment")?,
});

from_row!(r => Code { id, source_id, participant_id, dimension_key, level, passage, note, coded_by, created_at, interviewee_role;
    source_title: r.try_get("title")?,
    source_kind: r.try_get("kind")?,
});

crate::repository!(
    /// Maturity rounds: frameworks, participants, invitations, answers, coded sources.
    maturity
);

impl Repo<'_> {
    /// The organisation's framework versions, newest first; the first call gives an
    /// organisation koers' default as version 1.
    pub async fn maturity_frameworks(
        &self,
        org_id: &str,
        actor: &Actor,
    ) -> Result<Vec<FrameworkVersion>> {
        let list = self.framework_rows(org_id).await?;
        if !list.is_empty() {
            return Ok(list);
        }
        match self
            .add_maturity_framework(org_id, &koers_core::maturity::default_framework(), actor)
            .await
        {
            // Two first visits at once: the other one wrote version 1.
            Ok(_) | Err(StoreError::Conflict(_)) => self.framework_rows(org_id).await,
            Err(e) => Err(e),
        }
    }

    async fn framework_rows(&self, org_id: &str) -> Result<Vec<FrameworkVersion>> {
        self.all("SELECT id, version, body, created_at FROM maturity_frameworks WHERE org_id = $1 ORDER BY version DESC", (org_id,)).await
    }

    pub async fn maturity_framework(&self, org_id: &str, id: &str) -> Result<FrameworkVersion> {
        self.one("SELECT id, version, body, created_at FROM maturity_frameworks WHERE org_id = $1 AND id = $2", (org_id, id)).await
    }

    /// Saves a new version of the framework; earlier versions stay as rounds used them.
    pub async fn add_maturity_framework(
        &self,
        org_id: &str,
        fw: &Framework,
        actor: &Actor,
    ) -> Result<FrameworkVersion> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.take_turn(&format!("maturity_frameworks:{org_id}"))
            .await?;
        let next: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS v FROM maturity_frameworks WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_one(w.conn())
        .await?
        .try_get("v")?;
        w.exec("INSERT INTO maturity_frameworks (id, org_id, version, name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6)", (&id, org_id, next, &fw.name, serde_json::to_string(fw).map_err(corrupt)?, now())).await
            .map_err(conflict_on_unique("frameworkversie"))?;
        let detail = serde_json::json!({ "version": next, "name": fw.name });
        w.commit(
            "maturity.framework_saved",
            ("maturity_framework", &id),
            detail,
        )
        .await?;
        self.maturity_framework(org_id, &id).await
    }

    /// Starts a round on a framework version of the organisation, with its first items.
    pub async fn create_round(
        &self,
        org_id: &str,
        framework_id: &str,
        d: &RoundDraft,
        items: &[ItemDraft],
        generated: bool,
        actor: &Actor,
    ) -> Result<Round> {
        self.maturity_framework(org_id, framework_id).await?;
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!("INSERT INTO maturity_rounds ({ROUND_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, 'open', $8, $9, $10, NULL)"), (&id, org_id, framework_id, &d.name, d.year, d.min_respondents, serde_json::to_string(&d.weights).map_err(corrupt)?, koers_core::secret::new_token(), i64::from(generated), now())).await?;
        for (i, item) in items.iter().enumerate() {
            insert_item(w.conn(), &id, i as i64 + 1, item).await?;
        }
        let detail = serde_json::json!({ "name": d.name, "year": d.year, "minRespondents": d.min_respondents, "weights": d.weights });
        w.commit_returning(
            "maturity.round_created",
            ("maturity_round", &id),
            detail,
            &id,
        )
        .await
    }

    pub async fn rounds(&self, org_id: &str) -> Result<Vec<Round>> {
        self.of_org(org_id, "year DESC, created_at DESC").await
    }

    pub async fn round(&self, org_id: &str, id: &str) -> Result<Round> {
        self.in_org(org_id, id).await
    }

    /// Links a round to the earlier round it follows, with how its dimensions continue that
    /// round's (`None`: the round follows none). Allowed on a closed round too: the link
    /// reads the rounds, it changes none of their figures.
    pub async fn link_round(
        &self,
        round: &Round,
        previous: Option<(&Round, &DimensionMap)>,
        actor: &Actor,
    ) -> Result<Round> {
        let empty = DimensionMap::new();
        let (previous_id, map) = match previous {
            Some((p, map)) => (Some(p.id.as_str()), map),
            None => (None, &empty),
        };
        let map_json = serde_json::to_string(map).map_err(corrupt)?;
        let detail = serde_json::json!({ "previous": previous_id, "dimensionMap": map });
        self.write_one(
            actor,
            &round.org_id,
            "UPDATE maturity_rounds SET previous_round_id = $1, dimension_map = $2 WHERE id = $3 AND org_id = $4",
            (previous_id, &map_json, &round.id, &round.org_id),
            ("maturity.round_linked", ("maturity_round", &round.id), detail),
        )
        .await?;
        self.round(&round.org_id, &round.id).await
    }

    /// Closes a round: from now on nothing in it changes.
    pub async fn close_round(&self, round: &Round, actor: &Actor) -> Result<Round> {
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        let done = w.exec("UPDATE maturity_rounds SET status = 'closed', closed_at = $1 WHERE id = $2 AND org_id = $3 AND status = 'open'", (now(), &round.id, &round.org_id)).await?;
        if done != 1 {
            return Err(StoreError::Conflict("de ronde is al gesloten".into()));
        }
        w.commit(
            "maturity.round_closed",
            ("maturity_round", &round.id),
            serde_json::json!({}),
        )
        .await?;
        self.round(&round.org_id, &round.id).await
    }

    pub async fn add_participant(
        &self,
        round: &Round,
        d: &ParticipantDraft,
        actor: &Actor,
    ) -> Result<Participant> {
        open(round)?;
        let id = new_id();
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec("INSERT INTO maturity_participants (id, round_id, name, cbs_code) VALUES ($1, $2, $3, $4)", (&id, &round.id, &d.name, &d.cbs_code)).await
            .map_err(conflict_on_unique("een deelnemer met deze naam"))?;
        let detail =
            serde_json::json!({ "round": round.id, "name": d.name, "cbsCode": d.cbs_code });
        w.commit(
            "maturity.participant_added",
            ("maturity_participant", &id),
            detail,
        )
        .await?;
        self.round_participant(round, &id).await
    }

    /// Adds the umbrella's member organisations that do not take part yet (by organisation,
    /// or by name), each standing for its organisation; how many were added.
    pub async fn add_member_participants(
        &self,
        round: &Round,
        members: &[crate::organisations::Organisation],
        actor: &Actor,
    ) -> Result<usize> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        let mut added = 0;
        for m in members {
            let there: Option<String> = w
                .optional(
                    "SELECT id FROM maturity_participants WHERE round_id = $1 AND (member_org_id = $2 OR name = $3)",
                    (&round.id, &m.id, &m.name),
                )
                .await?;
            if there.is_none() {
                w.exec("INSERT INTO maturity_participants (id, round_id, name, cbs_code, member_org_id) VALUES ($1, $2, $3, $4, $5)",
                    (new_id(), &round.id, &m.name, &m.cbs_code, &m.id)).await?;
                added += 1;
            }
        }
        let detail = serde_json::json!({ "round": round.id, "added": added });
        w.commit(
            "maturity.members_added",
            ("maturity_round", &round.id),
            detail,
        )
        .await?;
        Ok(added)
    }

    /// The closed rounds of any organisation in which `member_org_id` took part as a member,
    /// with its participant: the member's own final reports.
    pub async fn member_reports(&self, member_org_id: &str) -> Result<Vec<(Round, Participant)>> {
        let ids: Vec<(String, String)> = self.all("SELECT p.round_id, p.id FROM maturity_participants p JOIN maturity_rounds r ON r.id = p.round_id WHERE p.member_org_id = $1 AND r.status = 'closed' ORDER BY r.year DESC, r.name", (member_org_id,)).await?;
        let mut out = Vec::new();
        for (round_id, participant_id) in ids {
            let org_id: String = self
                .one(
                    "SELECT org_id FROM maturity_rounds WHERE id = $1",
                    (&round_id,),
                )
                .await?;
            let round = self.round(&org_id, &round_id).await?;
            let p = self.round_participant(&round, &participant_id).await?;
            out.push((round, p));
        }
        Ok(out)
    }

    /// Corrects a participating organisation's name and CBS code while the round is open.
    pub async fn update_participant(
        &self,
        round: &Round,
        p: &Participant,
        d: &ParticipantDraft,
        actor: &Actor,
    ) -> Result<Participant> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec_found(
            "UPDATE maturity_participants SET name = $1, cbs_code = $2 WHERE id = $3 AND round_id = $4",
            (&d.name, &d.cbs_code, &p.id, &round.id),
        )
        .await
        .map_err(conflict_on_unique("een deelnemer met deze naam"))?;
        let detail = serde_json::json!({ "from": p.name, "name": d.name, "cbsCode": d.cbs_code });
        w.commit(
            "maturity.participant_changed",
            ("maturity_participant", &p.id),
            detail,
        )
        .await?;
        self.round_participant(round, &p.id).await
    }

    /// Removes a participating organisation while the round is open, with its invitations,
    /// answers, sources, codes, comments and recommendations, and the invitations of guests to
    /// its report.
    pub async fn remove_participant(
        &self,
        round: &Round,
        p: &Participant,
        actor: &Actor,
    ) -> Result<()> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec(
            "DELETE FROM guest_grants WHERE org_id = $1 AND object_type = 'maturity_report' AND object_id = $2",
            (&round.org_id, &p.id),
        )
        .await?;
        w.exec_found(
            "DELETE FROM maturity_participants WHERE id = $1 AND round_id = $2",
            (&p.id, &round.id),
        )
        .await?;
        w.commit(
            "maturity.participant_removed",
            ("maturity_participant", &p.id),
            serde_json::json!({ "round": round.id, "name": p.name }),
        )
        .await
    }

    pub async fn round_participants(&self, round: &Round) -> Result<Vec<Participant>> {
        self.all("SELECT id, name, cbs_code, member_org_id FROM maturity_participants WHERE round_id = $1 ORDER BY name, id", (&round.id,)).await
    }

    pub async fn round_participant(&self, round: &Round, id: &str) -> Result<Participant> {
        self.one(
            "SELECT id, name, cbs_code, member_org_id FROM maturity_participants WHERE round_id = $1 AND id = $2",
            (&round.id, id),
        )
        .await
    }

    /// The round a participating organisation of `org_id`'s rounds takes part in, with it.
    pub async fn participant_of(&self, org_id: &str, id: &str) -> Result<(Round, Participant)> {
        let round_id: String = self
            .one(
                "SELECT p.round_id FROM maturity_participants p JOIN maturity_rounds r ON r.id = p.round_id WHERE p.id = $1 AND r.org_id = $2",
                (id, org_id),
            )
            .await?;
        let round = self.round(org_id, &round_id).await?;
        let p = self.round_participant(&round, id).await?;
        Ok((round, p))
    }

    /// What was said about a participant's report, oldest first.
    pub async fn report_comments(&self, participant_id: &str) -> Result<Vec<Comment>> {
        self.all(
            "SELECT id, at, author_label, body FROM maturity_report_comments WHERE participant_id = $1 ORDER BY at, id",
            (participant_id,),
        )
        .await
    }

    /// A comment on a participant's report, while the round is open.
    pub async fn add_report_comment(
        &self,
        round: &Round,
        p: &Participant,
        body: &str,
        actor: &Actor,
    ) -> Result<Comment> {
        open(round)?;
        let id = new_id();
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec(
            "INSERT INTO maturity_report_comments (id, participant_id, author_label, body, at) VALUES ($1, $2, $3, $4, $5)",
            (&id, &p.id, &actor.label, body, now()),
        )
        .await?;
        w.commit(
            "maturity.report_commented",
            ("maturity_participant", &p.id),
            serde_json::json!({ "comment": id }),
        )
        .await?;
        self.one(
            "SELECT id, at, author_label, body FROM maturity_report_comments WHERE id = $1",
            (&id,),
        )
        .await
    }

    /// The researcher's recommendations to the round's organisations.
    pub async fn recommendations(&self, round: &Round) -> Result<Vec<Recommendation>> {
        self.all(
            "SELECT m.participant_id, m.dimension_key, m.body, m.written_by, m.updated_at FROM maturity_recommendations m JOIN maturity_participants p ON p.id = m.participant_id WHERE p.round_id = $1 ORDER BY m.participant_id, m.dimension_key",
            (&round.id,),
        )
        .await
    }

    /// Writes (`Some`) or removes (`None`) the researcher's recommendation to an organisation
    /// on a dimension, while the round is open.
    pub async fn set_recommendation(
        &self,
        round: &Round,
        p: &Participant,
        dimension_key: &str,
        body: Option<&str>,
        actor: &Actor,
    ) -> Result<()> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec(
            "DELETE FROM maturity_recommendations WHERE participant_id = $1 AND dimension_key = $2",
            (&p.id, dimension_key),
        )
        .await?;
        if let Some(body) = body {
            w.exec(
                "INSERT INTO maturity_recommendations (participant_id, dimension_key, body, written_by, updated_at) VALUES ($1, $2, $3, $4, $5)",
                (&p.id, dimension_key, body, &actor.label, now()),
            )
            .await?;
        }
        w.commit(
            "maturity.recommendation_written",
            ("maturity_participant", &p.id),
            serde_json::json!({ "dimension": dimension_key, "removed": body.is_none() }),
        )
        .await
    }

    pub async fn add_item(&self, round: &Round, d: &ItemDraft, actor: &Actor) -> Result<Item> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        let pos = w
            .next_position("maturity_items", ("round_id", &round.id))
            .await?;
        let id = insert_item(w.conn(), &round.id, pos, d).await?;
        let detail = serde_json::json!({ "round": round.id, "kind": d.kind.as_str(), "dimension": d.dimension_key });
        w.commit("maturity.item_added", ("maturity_item", &id), detail)
            .await?;
        self.item(round, &id).await
    }

    /// Corrects an item's text and dimension while the round is open (its kind stays, so the
    /// answers given keep their meaning).
    pub async fn update_item(
        &self,
        round: &Round,
        item: &Item,
        d: &ItemDraft,
        actor: &Actor,
    ) -> Result<Item> {
        open(round)?;
        let detail = serde_json::json!({ "round": round.id, "dimension": d.dimension_key });
        self.write_one(
            actor,
            &round.org_id,
            "UPDATE maturity_items SET body = $1, dimension_key = $2 WHERE id = $3 AND round_id = $4",
            (&d.text, &d.dimension_key, &item.id, &round.id),
            ("maturity.item_changed", ("maturity_item", &item.id), detail),
        )
        .await?;
        self.item(round, &item.id).await
    }

    /// Removes an item, with the answers given to it, while the round is open.
    pub async fn remove_item(&self, round: &Round, item: &Item, actor: &Actor) -> Result<()> {
        open(round)?;
        let detail = serde_json::json!({ "round": round.id, "text": item.text });
        self.write_one(
            actor,
            &round.org_id,
            "DELETE FROM maturity_items WHERE id = $1 AND round_id = $2",
            (&item.id, &round.id),
            ("maturity.item_removed", ("maturity_item", &item.id), detail),
        )
        .await
    }

    /// One item of the round.
    pub async fn item(&self, round: &Round, id: &str) -> Result<Item> {
        self.items(round)
            .await?
            .into_iter()
            .find(|i| i.id == id)
            .ok_or(StoreError::NotFound)
    }

    pub async fn items(&self, round: &Round) -> Result<Vec<Item>> {
        self.all("SELECT id, position, dimension_key, kind, body FROM maturity_items WHERE round_id = $1 ORDER BY position", (&round.id,)).await
    }

    /// Records invitations for a participant, one per (token digest, label); the tokens
    /// themselves are never stored.
    pub async fn add_invitations(
        &self,
        round: &Round,
        participant: &Participant,
        digests: &[(String, String)],
        actor: &Actor,
    ) -> Result<Vec<Invitation>> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        let mut ids = Vec::new();
        for (digest, label) in digests {
            let id = new_id();
            w.exec("INSERT INTO maturity_invitations (id, round_id, participant_id, token_digest, label, created_at) VALUES ($1, $2, $3, $4, $5, $6)", (&id, &round.id, &participant.id, digest, label, now())).await?;
            ids.push(id);
        }
        let detail = serde_json::json!({ "round": round.id, "count": digests.len() });
        w.commit(
            "maturity.invitations_added",
            ("maturity_participant", &participant.id),
            detail,
        )
        .await?;
        Ok(self
            .invitations(round)
            .await?
            .into_iter()
            .filter(|i| ids.contains(&i.id))
            .collect())
    }

    pub async fn invitations(&self, round: &Round) -> Result<Vec<Invitation>> {
        self.all("SELECT id, participant_id, label, created_at, used_at FROM maturity_invitations WHERE round_id = $1 ORDER BY created_at, id", (&round.id,)).await
    }

    /// Gives unanswered invitations new tokens (a reminder): the old links stop working.
    /// `digests` pairs an invitation id with its new token digest.
    pub async fn reissue_invitations(
        &self,
        round: &Round,
        digests: &[(String, String)],
        actor: &Actor,
    ) -> Result<()> {
        open(round)?;
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        for (id, digest) in digests {
            let done = w.exec("UPDATE maturity_invitations SET token_digest = $1 WHERE id = $2 AND round_id = $3 AND used_at IS NULL", (digest, id, &round.id)).await?;
            if done != 1 {
                return Err(StoreError::Conflict(
                    "een uitnodiging is intussen gebruikt".into(),
                ));
            }
        }
        let detail = serde_json::json!({ "count": digests.len() });
        w.commit(
            "maturity.reminders_issued",
            ("maturity_round", &round.id),
            detail,
        )
        .await?;
        Ok(())
    }

    /// The invitation behind a token digest, whoever's round it is: the public survey
    /// page's only way in.
    pub async fn invitation_target(&self, digest: &str) -> Result<InvitationTarget> {
        let r = sqlx::query("SELECT i.id, i.participant_id, i.label, i.created_at, i.used_at, r.org_id, r.id AS round_id FROM maturity_invitations i JOIN maturity_rounds r ON r.id = i.round_id WHERE i.token_digest = $1")
            .bind(digest)
            .fetch_optional(self.pool())
            .await?
            .ok_or(StoreError::NotFound)?;
        let invitation = Invitation::from_row(&r)?;
        let org_id: String = r.try_get("org_id")?;
        let round_id: String = r.try_get("round_id")?;
        let round = self.round(&org_id, &round_id).await?;
        let participant = self
            .round_participant(&round, &invitation.participant_id)
            .await?;
        Ok(InvitationTarget {
            invitation,
            round,
            participant,
        })
    }

    /// Records a response through an invitation, once: the invitation is marked used in the
    /// same transaction, and the response keeps no link to it. A used token, or a closed
    /// round, changes nothing.
    pub async fn submit_response(
        &self,
        digest: &str,
        answers: &Answers,
        group: Option<RespondentGroup>,
    ) -> Result<()> {
        let target = self.invitation_target(digest).await?;
        open(&target.round)?;
        // The respondent is anonymous: the survey itself is the actor.
        let survey = Actor {
            user_id: None,
            label: "enquête".into(),
        };
        let mut w = self.write(&survey, Some(&target.round.org_id)).await?;
        let done = w.exec("UPDATE maturity_invitations SET used_at = $1 WHERE token_digest = $2 AND used_at IS NULL AND EXISTS (SELECT 1 FROM maturity_rounds r WHERE r.id = maturity_invitations.round_id AND r.status = 'open')", (chrono::Utc::now().format("%Y-%m-%d").to_string(), digest)).await?;
        if done != 1 {
            return Err(StoreError::Conflict(
                "deze uitnodiging is al gebruikt".into(),
            ));
        }
        let id = new_id();
        sql::exec(
            w.conn(),
            "INSERT INTO maturity_responses (id, round_id, participant_id, respondent_group) VALUES ($1, $2, $3, $4)",
            (&id, &target.round.id, &target.participant.id, group.map_or("", |g| g.as_str())),
        )
        .await?;
        for (item, v) in &answers.likert {
            w.exec("INSERT INTO maturity_answers (response_id, item_id, likert, comment) VALUES ($1, $2, $3, NULL)", (&id, item, *v)).await?;
        }
        for (item, t) in &answers.comments {
            w.exec("INSERT INTO maturity_answers (response_id, item_id, likert, comment) VALUES ($1, $2, NULL, $3)", (&id, item, t)).await?;
        }
        let detail = serde_json::json!({ "participant": target.participant.id });
        w.commit(
            "maturity.response_received",
            ("maturity_round", &target.round.id),
            detail,
        )
        .await?;
        Ok(())
    }

    /// Every Likert answer of the round.
    pub async fn likert_answers(&self, round: &Round) -> Result<Vec<LikertAnswer>> {
        self.all("SELECT r.participant_id, a.response_id, a.item_id, a.likert, r.respondent_group FROM maturity_answers a JOIN maturity_responses r ON r.id = a.response_id WHERE r.round_id = $1 AND a.likert IS NOT NULL", (&round.id,)).await
    }

    /// Every open comment of the round.
    pub async fn open_answers(&self, round: &Round) -> Result<Vec<OpenAnswer>> {
        self.all("SELECT r.participant_id, a.item_id, a.comment FROM maturity_answers a JOIN maturity_responses r ON r.id = a.response_id WHERE r.round_id = $1 AND a.comment IS NOT NULL ORDER BY a.response_id", (&round.id,)).await
    }

    /// Number of responses per participant id and respondent group (`None`: did not say).
    pub async fn group_counts(
        &self,
        round: &Round,
    ) -> Result<Vec<(String, Option<RespondentGroup>, i64)>> {
        let rows: Vec<(String, String, i64)> = self.all("SELECT participant_id, respondent_group, COUNT(*) FROM maturity_responses WHERE round_id = $1 GROUP BY participant_id, respondent_group", (&round.id,)).await?;
        rows.into_iter()
            .map(|(p, g, n)| Ok((p, RespondentGroup::parse(&g).map_err(corrupt)?, n)))
            .collect()
    }

    pub async fn add_source(
        &self,
        round: &Round,
        d: &SourceDraft<'_>,
        actor: &Actor,
    ) -> Result<Source> {
        open(round)?;
        self.round_participant(round, d.participant_id).await?;
        let id = new_id();
        let (file_name, stored, media, size) = match d.file {
            Some((f, s, m, n)) => (Some(f), Some(s), Some(m), n),
            None => (None, None, None, d.text.len() as i64),
        };
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec(&format!("INSERT INTO maturity_sources ({SOURCE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"), (&id, &round.id, d.participant_id, d.kind, d.title, file_name, stored, media, size, d.text, now(), d.interviewee_role)).await?;
        let detail = serde_json::json!({ "round": round.id, "kind": d.kind, "title": d.title, "storedName": stored });
        w.commit("maturity.source_added", ("maturity_source", &id), detail)
            .await?;
        self.source(round, &id).await
    }

    pub async fn sources(&self, round: &Round) -> Result<Vec<Source>> {
        self.all(&format!(
            "SELECT {SOURCE_COLUMNS} FROM maturity_sources WHERE round_id = $1 ORDER BY created_at, id"
        ), (&round.id,)).await
    }

    pub async fn source(&self, round: &Round, id: &str) -> Result<Source> {
        self.one(
            &format!(
                "SELECT {SOURCE_COLUMNS} FROM maturity_sources WHERE round_id = $1 AND id = $2"
            ),
            (&round.id, id),
        )
        .await
    }

    pub async fn add_code(
        &self,
        round: &Round,
        source: &Source,
        d: &CodeDraft,
        actor: &Actor,
    ) -> Result<()> {
        open(round)?;
        if source.round_id != round.id {
            return Err(StoreError::NotFound);
        }
        let id = new_id();
        let mut w = self.write(actor, Some(&round.org_id)).await?;
        w.exec("INSERT INTO maturity_codes (id, source_id, dimension_key, level, passage, note, coded_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", (&id, &source.id, &d.dimension_key, d.level, &d.passage, &d.note, &actor.label, now())).await?;
        let detail = serde_json::json!({ "source": source.id, "dimension": d.dimension_key, "level": d.level });
        w.commit("maturity.passage_coded", ("maturity_code", &id), detail)
            .await?;
        Ok(())
    }

    /// Removes a coded passage of a source (a coding mistake); refused once the round is
    /// closed. A code of another source or round is not found.
    pub async fn remove_code(
        &self,
        round: &Round,
        source: &Source,
        code_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        open(round)?;
        if source.round_id != round.id {
            return Err(StoreError::NotFound);
        }
        let detail = serde_json::json!({ "source": source.id });
        self.write_one(
            actor,
            &round.org_id,
            "DELETE FROM maturity_codes WHERE id = $1 AND source_id = $2",
            (code_id, &source.id),
            ("maturity.code_removed", ("maturity_code", code_id), detail),
        )
        .await
    }

    /// Every coded passage of the round, with its source.
    pub async fn codes(&self, round: &Round) -> Result<Vec<Code>> {
        self.all("SELECT c.id, c.source_id, s.title, s.kind, s.interviewee_role, s.participant_id, c.dimension_key, c.level, c.passage, c.note, c.coded_by, c.created_at FROM maturity_codes c JOIN maturity_sources s ON s.id = c.source_id WHERE s.round_id = $1 ORDER BY c.created_at, c.id", (&round.id,)).await
    }
}

async fn insert_item(
    conn: &mut sqlx::AnyConnection,
    round_id: &str,
    position: i64,
    d: &ItemDraft,
) -> Result<String> {
    let id = new_id();
    sql::exec(&mut *conn, "INSERT INTO maturity_items (id, round_id, position, dimension_key, kind, body) VALUES ($1, $2, $3, $4, $5, $6)", (&id, round_id, position, &d.dimension_key, d.kind.as_str(), &d.text)).await?;
    Ok(id)
}

#[cfg(test)]
mod tests {
    use crate::Store;
    use crate::testing::on_both_backends;
    use crate::{Actor, StoreError};
    use koers_core::maturity::groups::RespondentGroup;
    use koers_core::maturity::{Answers, ParticipantDraft, RoundDraft, Weights, default_items};
    use koers_core::secret::{new_token, token_digest};

    async fn a_token_answers_once_and_a_closed_round_is_frozen(s: Store) {
        let a = Actor::cli();
        let org = crate::testing::organisation(&s, "IPO", "province", "PV26").await;
        let fw = s.maturity().maturity_frameworks(&org.id, &a).await.unwrap();
        assert_eq!(fw.len(), 1);
        let d = RoundDraft::parse("Meting", "2026", "", Ok(Weights::default())).unwrap();
        let round = s
            .maturity()
            .create_round(
                &org.id,
                &fw[0].id,
                &d,
                &default_items(&fw[0].framework),
                false,
                &a,
            )
            .await
            .unwrap();
        let items = s.maturity().items(&round).await.unwrap();
        assert_eq!(items.len(), 16);
        let p = s
            .maturity()
            .add_participant(
                &round,
                &ParticipantDraft::parse("Utrecht", "PV26").unwrap(),
                &a,
            )
            .await
            .unwrap();
        let (t1, t2) = (new_token(), new_token());
        s.maturity()
            .add_invitations(
                &round,
                &p,
                &[
                    (token_digest(&t1), "".into()),
                    (token_digest(&t2), "".into()),
                ],
                &a,
            )
            .await
            .unwrap();
        let answers = Answers {
            likert: vec![(items[0].id.clone(), 4)],
            comments: vec![],
        };
        s.maturity()
            .submit_response(&token_digest(&t1), &answers, Some(RespondentGroup::Manager))
            .await
            .unwrap();
        let stored = s.maturity().likert_answers(&round).await.unwrap();
        assert_eq!(stored[0].group, Some(RespondentGroup::Manager));
        assert_eq!(
            s.maturity().group_counts(&round).await.unwrap(),
            vec![(p.id.clone(), Some(RespondentGroup::Manager), 1)]
        );
        assert!(matches!(
            s.maturity()
                .submit_response(&token_digest(&t1), &answers, None)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(matches!(
            s.maturity()
                .submit_response(&token_digest("unknown"), &answers, None)
                .await,
            Err(StoreError::NotFound)
        ));
        assert_eq!(s.maturity().likert_answers(&round).await.unwrap().len(), 1);
        let closed = s.maturity().close_round(&round, &a).await.unwrap();
        assert!(matches!(
            s.maturity()
                .submit_response(&token_digest(&t2), &answers, None)
                .await,
            Err(StoreError::Conflict(_))
        ));
        assert!(
            s.maturity()
                .add_participant(&closed, &ParticipantDraft::parse("X", "").unwrap(), &a)
                .await
                .is_err()
        );
        assert_eq!(s.maturity().likert_answers(&round).await.unwrap().len(), 1);
    }

    on_both_backends!(a_token_answers_once_and_a_closed_round_is_frozen);
}
