//! The register (M5): applications, their choices recorded in MADR shape, the organisation's
//! versioned choice framework (keuzekader), and a tamper-evident history of decision events.
//!
//! Every change to a choice, a framework version or a decision-aid result appends an event to
//! the organisation's hash chain (`decision_events`, append-only) in the same transaction as
//! the change and its audit row. Each event carries a digest of the object's state, so
//! [`Store::verify_register_chain`] finds both a broken chain and a row that was changed
//! behind koers' back.

use crate::audit::Actor;
use crate::sql::{
    self, FromRow, Write, columns, corrupt, from_row, json, opt_json, stored, to_json,
};
use crate::{Result, StoreError, new_id, now, take_turn};
use koers_core::register::algoritmeregister::FieldValue;
use koers_core::register::application::{AiActRisk, AiActRiskGroup, ApplicationDraft, RiskSource};
use koers_core::register::chain::{self, BreakKind, Broken, ChainEntry, GENESIS};
use koers_core::register::choice::Choice;
use koers_core::register::framework::{DecisionLevel, Framework};
use koers_core::register::requirements::MeasureStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use sqlx::Row;
use sqlx::any::AnyRow;
use std::collections::{BTreeMap, BTreeSet};

/// The stored result of the AI Act decision aid: the answers (replayable) and the risk group.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiActState {
    pub answers: Vec<usize>,
    pub tree_version: String,
    pub risk_group: AiActRiskGroup,
    pub concluded_at: String,
}

/// The stored answers of the DPIA/IAMA pre-scan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PrescanState {
    pub answers: BTreeMap<String, Value>,
    pub completed_at: String,
}

/// Where one Algoritmekader measure stands for an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MeasureState {
    pub status: MeasureStatus,
    pub responsible: String,
    pub evidence: String,
    pub updated_at: String,
}

/// A registered application.
#[derive(Debug, Clone, Serialize)]
pub struct Application {
    pub id: String,
    pub org_id: String,
    pub draft: ApplicationDraft,
    /// Datasets of the catalog (M1) it uses.
    pub dataset_ids: Vec<String>,
    /// Links to the information products it feeds.
    pub product_links: Vec<String>,
    /// Extra Algoritmeregister fields (`description_short`, `contact_email`, ...).
    pub publication: BTreeMap<String, FieldValue>,
    pub ai_act: Option<AiActState>,
    pub prescan: Option<PrescanState>,
    /// Measure URN → its state.
    pub measures: BTreeMap<String, MeasureState>,
    pub created_at: String,
    pub updated_at: String,
}

/// A recorded choice about an application.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceRecord {
    pub id: String,
    pub org_id: String,
    pub application_id: String,
    pub choice: Choice,
    /// The level the framework routed it to when it was last evaluated.
    pub level: DecisionLevel,
    /// The framework version that routed it (none: the built-in default).
    pub framework_version: Option<i64>,
    /// The board's reference (agenda item, decision number), once decided by the board.
    pub board_reference: Option<String>,
    pub created_at: String,
    pub updated_at: String,
}

/// One stored version of the choice framework.
#[derive(Debug, Clone, Serialize)]
pub struct FrameworkVersion {
    pub version: i64,
    pub framework: Framework,
    pub created_by: String,
    pub created_at: String,
}

/// The outcome of checking one organisation's decision history.
#[derive(Debug, Clone, Serialize)]
pub struct ChainCheck {
    pub org_id: String,
    /// How many events the chain holds.
    pub entries: usize,
    /// Every problem found: a broken link, or a row whose state differs from its last event.
    pub problems: Vec<Broken>,
}

impl ChainCheck {
    pub fn is_intact(&self) -> bool {
        self.problems.is_empty()
    }

    /// The first problem, if any.
    pub fn result(&self) -> std::result::Result<(), Broken> {
        self.problems.first().cloned().map_or(Ok(()), Err)
    }
}

/// The snake_case name serde gives a unit enum value.
fn enum_str<T: Serialize>(v: &T) -> Result<String> {
    match serde_json::to_value(v).map_err(corrupt)? {
        Value::String(s) => Ok(s),
        other => Err(corrupt(format!("geen enumwaarde: {other}"))),
    }
}

fn enum_from<T: DeserializeOwned>(s: &str) -> Result<T> {
    serde_json::from_value(Value::String(s.to_string())).map_err(corrupt)
}

const APPLICATION: &str = "SELECT id, org_id, name, draft, dataset_ids, product_links, publication, ai_act, prescan, measures, created_at, updated_at FROM applications";

from_row!(r => Application { id, org_id, created_at, updated_at;
    draft: json(r, "draft")?,
    dataset_ids: json(r, "dataset_ids")?,
    product_links: json(r, "product_links")?,
    publication: json(r, "publication")?,
    ai_act: opt_json(r, "ai_act")?,
    prescan: opt_json(r, "prescan")?,
    measures: json(r, "measures")?,
});

/// A meeting of a body that decides.
#[derive(Debug, Clone, Serialize)]
pub struct MeetingRecord {
    pub id: String,
    pub org_id: String,
    pub body: String,
    /// The day, `YYYY-MM-DD`.
    pub held_on: String,
    /// The level whose choices it decides.
    pub level: DecisionLevel,
    pub created_at: String,
}

/// How a choice is published on the organisation's public page.
#[derive(Debug, Clone, Serialize)]
pub struct Publication {
    pub choice_id: String,
    /// The codes of the fields left out (`context`, `decision`, `rationale`, …).
    pub redacted: Vec<String>,
    pub published_by: String,
    pub published_at: String,
}

from_row!(r => Publication { choice_id, published_by, published_at;
    redacted: serde_json::from_str(&r.try_get::<String, _>("redacted")?).map_err(corrupt)?,
});

const MEETING: &str = "SELECT id, org_id, body, held_on, level, created_at FROM meetings";

stored!(Application: APPLICATION, MeetingRecord: MEETING);

from_row!(r => MeetingRecord { id, org_id, body, held_on, created_at;
    level: enum_from(&r.try_get::<String, _>("level")?)?,
});

/// A position on an agenda.
struct Next {
    position: i64,
}

from_row!(r => Next { position; });

const CHOICE_COLUMNS: &str = "id, org_id, application_id, choice, status, level, framework_version, board_reference, created_at, updated_at";

impl FromRow for ChoiceRecord {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let level: String = r.try_get("level")?;
        Ok(
            columns!(r => ChoiceRecord { id, org_id, application_id, framework_version, board_reference, created_at, updated_at;
                choice: json(r, "choice")?,
                level: enum_from(&level)?,
            }),
        )
    }
}

/// The digest of an object's state as recorded in the chain.
fn state_digest(state: &Value) -> String {
    chain::entry_hash(GENESIS, &chain::canonical_json(state))
}

/// The state of a choice row that its events vouch for.
fn choice_state(choice: &Value, status: &str, level: &str, board_reference: Option<&str>) -> Value {
    json!({ "choice": choice, "status": status, "level": level, "boardReference": board_reference })
}

fn framework_state(framework: &Value) -> Value {
    json!({ "framework": framework })
}

fn ai_act_state(ai_act: &Value) -> Value {
    json!({ "aiAct": ai_act })
}

/// Records a change to the register twice, inside its transaction: its audit entry (`action`
/// on `object`, with `detail`), and the same as the next event of the organisation's chain,
/// which also vouches for the object's new `state`.
async fn audit_and_chain(
    w: &mut Write<'_>,
    org_id: &str,
    actor: &Actor,
    action: &str,
    object: (&str, &str),
    state: &Value,
    detail: Value,
) -> Result<()> {
    w.audit(action, object, detail.clone()).await?;
    let conn = w.conn();
    take_turn(conn, &format!("decision_events:{org_id}")).await?;
    let last: Option<ChainEntry> = sql::optional(
        &mut *conn,
        "SELECT seq, prev_hash, payload, hash FROM decision_events WHERE org_id = $1 ORDER BY seq DESC LIMIT 1",
        (org_id,),
    )
    .await?;
    let at = now();
    let payload = json!({
        "at": at,
        "actor": actor.label,
        "actorId": actor.user_id,
        "action": action,
        "objectType": object.0,
        "objectId": object.1,
        "state": state_digest(state),
        "detail": detail,
    });
    let seq = last.as_ref().map_or(1, |l| l.seq + 1);
    let e = chain::link(last.as_ref(), seq, &payload);
    sql::exec(&mut *conn, "INSERT INTO decision_events (org_id, seq, prev_hash, payload, hash, created_at) VALUES ($1, $2, $3, $4, $5, $6)", (org_id, i64::try_from(e.seq).map_err(corrupt)?, &e.prev_hash, &e.payload_json, &e.hash, &at)).await?;
    Ok(())
}

impl FromRow for ChainEntry {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let seq: i64 = r.try_get("seq")?;
        Ok(columns!(r => ChainEntry { prev_hash, hash;
            seq: u64::try_from(seq).map_err(corrupt)?,
            payload_json: r.try_get("payload")?,
        }))
    }
}

/// A decision event as shown in a history.
#[derive(Debug, Clone, Serialize)]
pub struct DecisionEvent {
    pub seq: i64,
    pub hash: String,
    pub payload: Value,
    pub created_at: String,
}

impl FromRow for DecisionEvent {
    fn from_row(r: &AnyRow) -> Result<Self> {
        let payload: String = r.try_get("payload")?;
        Ok(columns!(r => DecisionEvent { seq, hash, created_at;
            payload: serde_json::from_str(&payload).unwrap_or(Value::Null),
        }))
    }
}

crate::repository!(
    /// The register of applications and algorithms, choices, frameworks and publication.
    register
);

impl Repo<'_> {
    /// Registers an application.
    pub async fn create_application(
        &self,
        org_id: &str,
        draft: &ApplicationDraft,
        dataset_ids: &[String],
        product_links: &[String],
        actor: &Actor,
    ) -> Result<Application> {
        let id = new_id();
        let at = now();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("INSERT INTO applications (id, org_id, name, draft, dataset_ids, product_links, publication, ai_act, prescan, measures, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, '{}', NULL, NULL, '{}', $7, $8)", (&id, org_id, &draft.name, to_json(draft)?, to_json(&dataset_ids)?, to_json(&product_links)?, &at, &at)).await?;
        let detail = json!({ "name": draft.name });
        w.commit_returning("application.registered", ("application", &id), detail, &id)
            .await
    }

    /// Replaces an application's attributes. A risk group set by the decision aid stays
    /// unless the new draft sets one by hand.
    pub async fn update_application(
        &self,
        org_id: &str,
        id: &str,
        draft: &ApplicationDraft,
        dataset_ids: &[String],
        product_links: &[String],
        actor: &Actor,
    ) -> Result<Application> {
        let current = self.application(org_id, id).await?;
        let mut draft = draft.clone();
        if draft.ai_act_risk.is_none() {
            draft.ai_act_risk = current
                .draft
                .ai_act_risk
                .filter(|r| r.source == RiskSource::DecisionAid);
        }
        let audit = (
            "application.changed",
            ("application", id),
            json!({ "name": draft.name }),
        );
        self.write_one(actor, org_id, "UPDATE applications SET name = $1, draft = $2, dataset_ids = $3, product_links = $4, updated_at = $5 WHERE id = $6 AND org_id = $7", (&draft.name, to_json(&draft)?, to_json(&dataset_ids)?, to_json(&product_links)?, now(), id, org_id), audit).await?;
        self.application(org_id, id).await
    }

    /// The organisation's applications, by name.
    pub async fn applications(&self, org_id: &str) -> Result<Vec<Application>> {
        self.of_org(org_id, "name, id").await
    }

    /// One of the organisation's applications.
    pub async fn application(&self, org_id: &str, id: &str) -> Result<Application> {
        self.in_org(org_id, id).await
    }

    /// Stores the conclusion of the AI Act decision aid and sets the risk group from it.
    pub async fn set_ai_act(
        &self,
        org_id: &str,
        id: &str,
        state: &AiActState,
        actor: &Actor,
    ) -> Result<Application> {
        let app = self.application(org_id, id).await?;
        let mut draft = app.draft;
        draft.ai_act_risk = Some(AiActRisk {
            group: state.risk_group,
            source: RiskSource::DecisionAid,
        });
        let ai_act = serde_json::to_value(state).map_err(corrupt)?;
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec("UPDATE applications SET draft = $1, ai_act = $2, updated_at = $3 WHERE id = $4 AND org_id = $5", (to_json(&draft)?, ai_act.to_string(), now(), id, org_id)).await?;
        let detail = json!({ "riskGroup": state.risk_group, "answers": state.answers });
        audit_and_chain(
            &mut w,
            org_id,
            actor,
            "application.ai_act_concluded",
            ("application", id),
            &ai_act_state(&ai_act),
            detail,
        )
        .await?;
        w.finish().await?;
        self.application(org_id, id).await
    }

    /// Stores the answers of the DPIA/IAMA pre-scan.
    pub async fn set_prescan(
        &self,
        org_id: &str,
        id: &str,
        state: &PrescanState,
        actor: &Actor,
    ) -> Result<Application> {
        self.set_app_json(
            org_id,
            id,
            "prescan",
            &to_json(state)?,
            actor,
            "application.prescan_completed",
        )
        .await
    }

    /// Stores the Algoritmeregister fields the user filled in.
    pub async fn set_publication(
        &self,
        org_id: &str,
        id: &str,
        fields: &BTreeMap<String, FieldValue>,
        actor: &Actor,
    ) -> Result<Application> {
        self.set_app_json(
            org_id,
            id,
            "publication",
            &to_json(fields)?,
            actor,
            "application.publication_changed",
        )
        .await
    }

    /// Records where one measure stands.
    pub async fn set_measure(
        &self,
        org_id: &str,
        id: &str,
        urn: &str,
        state: &MeasureState,
        actor: &Actor,
    ) -> Result<Application> {
        let mut measures = self.application(org_id, id).await?.measures;
        measures.insert(urn.to_string(), state.clone());
        self.set_app_json(
            org_id,
            id,
            "measures",
            &to_json(&measures)?,
            actor,
            "application.measure_changed",
        )
        .await
    }

    async fn set_app_json(
        &self,
        org_id: &str,
        id: &str,
        column: &'static str,
        value: &str,
        actor: &Actor,
        action: &str,
    ) -> Result<Application> {
        let sql = format!(
            "UPDATE applications SET {column} = $1, updated_at = $2 WHERE id = $3 AND org_id = $4"
        );
        let audit = (action, ("application", id), json!({}));
        self.write_one(actor, org_id, &sql, (value, now(), id, org_id), audit)
            .await?;
        self.application(org_id, id).await
    }

    /// Records a new (proposed) choice about an application, routed to `level`.
    pub async fn create_choice(
        &self,
        org_id: &str,
        application_id: &str,
        choice: &Choice,
        level: DecisionLevel,
        framework_version: Option<i64>,
        actor: &Actor,
    ) -> Result<ChoiceRecord> {
        self.application(org_id, application_id).await?;
        let id = new_id();
        let at = now();
        let choice_json = serde_json::to_value(choice).map_err(corrupt)?;
        let status = enum_str(&choice.status)?;
        let level_s = enum_str(&level)?;
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(&format!(
            "INSERT INTO choices ({CHOICE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, $8, $9)"
        ), (&id, org_id, application_id, choice_json.to_string(), &status, &level_s, framework_version, &at, &at)).await?;
        let detail = json!({ "applicationId": application_id, "title": choice.title, "status": status, "level": level_s, "frameworkVersion": framework_version });
        audit_and_chain(
            &mut w,
            org_id,
            actor,
            "choice.proposed",
            ("choice", &id),
            &choice_state(&choice_json, &status, &level_s, None),
            detail,
        )
        .await?;
        w.finish().await?;
        self.choice(org_id, &id).await
    }

    /// Stores a choice after a status change (or a board decision with its reference),
    /// with its audit row and decision event. `expected_status` guards against a concurrent
    /// change: the row must still have that status.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_choice(
        &self,
        org_id: &str,
        id: &str,
        expected_status: &str,
        choice: &Choice,
        level: DecisionLevel,
        board_reference: Option<&str>,
        action: &str,
        actor: &Actor,
    ) -> Result<ChoiceRecord> {
        let choice_json = serde_json::to_value(choice).map_err(corrupt)?;
        let status = enum_str(&choice.status)?;
        let level_s = enum_str(&level)?;
        let mut w = self.write(actor, Some(org_id)).await?;
        let done = w.exec("UPDATE choices SET choice = $1, status = $2, level = $3, board_reference = $4, updated_at = $5
             WHERE id = $6 AND org_id = $7 AND status = $8", (choice_json.to_string(), &status, &level_s, board_reference, now(), id, org_id, expected_status)).await?;
        if done == 0 {
            // Gone, another organisation's, or changed meanwhile.
            let exists = self.choice(org_id, id).await?;
            return Err(StoreError::Conflict(format!(
                "de keuze heeft intussen status {}",
                exists.choice.status.label_nl()
            )));
        }
        let detail = json!({ "title": choice.title, "status": status, "level": level_s, "boardReference": board_reference, "decidedOn": choice.decided_on, "decidedBy": choice.decided_by });
        audit_and_chain(
            &mut w,
            org_id,
            actor,
            action,
            ("choice", id),
            &choice_state(&choice_json, &status, &level_s, board_reference),
            detail,
        )
        .await?;
        w.finish().await?;
        self.choice(org_id, id).await
    }

    /// One of the organisation's choices.
    pub async fn choice(&self, org_id: &str, id: &str) -> Result<ChoiceRecord> {
        self.one(
            &format!("SELECT {CHOICE_COLUMNS} FROM choices WHERE id = $1 AND org_id = $2"),
            (id, org_id),
        )
        .await
    }

    /// The choices about one application, oldest first.
    pub async fn choices_of(
        &self,
        org_id: &str,
        application_id: &str,
    ) -> Result<Vec<ChoiceRecord>> {
        self.all(&format!(
            "SELECT {CHOICE_COLUMNS} FROM choices WHERE org_id = $1 AND application_id = $2 ORDER BY created_at, id"
        ), (org_id, application_id)).await
    }

    /// Publishes a decided choice on the organisation's public page, leaving out the
    /// `redacted` fields (codes); publishing again replaces what was left out.
    pub async fn publish_choice(
        &self,
        org_id: &str,
        choice_id: &str,
        redacted: &[String],
        actor: &Actor,
    ) -> Result<()> {
        self.choice(org_id, choice_id).await?;
        let fields = serde_json::to_string(redacted).map_err(corrupt)?;
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "DELETE FROM choice_publications WHERE choice_id = $1 AND org_id = $2",
            (choice_id, org_id),
        )
        .await?;
        w.exec(
            "INSERT INTO choice_publications (choice_id, org_id, redacted, published_by, published_at) VALUES ($1, $2, $3, $4, $5)",
            (choice_id, org_id, &fields, &actor.label, now()),
        )
        .await?;
        w.audit(
            "choice.published",
            ("choice", choice_id),
            json!({ "redacted": redacted }),
        )
        .await?;
        w.finish().await
    }

    /// Takes a choice off the public page; `NotFound` when it was not on it.
    pub async fn withdraw_publication(
        &self,
        org_id: &str,
        choice_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.publication(org_id, choice_id)
            .await?
            .ok_or(StoreError::NotFound)?;
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "DELETE FROM choice_publications WHERE choice_id = $1 AND org_id = $2",
            (choice_id, org_id),
        )
        .await?;
        w.audit("choice.withdrawn", ("choice", choice_id), json!({}))
            .await?;
        w.finish().await
    }

    /// How a choice is published, if it is.
    pub async fn publication(&self, org_id: &str, choice_id: &str) -> Result<Option<Publication>> {
        let rows: Vec<Publication> = self
            .all(
                "SELECT choice_id, redacted, published_by, published_at FROM choice_publications WHERE choice_id = $1 AND org_id = $2",
                (choice_id, org_id),
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    /// The organisation's published choices with how each is published, newest first.
    pub async fn published_choices(
        &self,
        org_id: &str,
    ) -> Result<Vec<(ChoiceRecord, Publication)>> {
        let pubs: Vec<Publication> = self
            .all(
                "SELECT choice_id, redacted, published_by, published_at FROM choice_publications WHERE org_id = $1 ORDER BY published_at DESC, choice_id",
                (org_id,),
            )
            .await?;
        let mut out = Vec::with_capacity(pubs.len());
        for p in pubs {
            out.push((self.choice(org_id, &p.choice_id).await?, p));
        }
        Ok(out)
    }

    /// Records a meeting of a body on a day, deciding at `level`.
    pub async fn create_meeting(
        &self,
        org_id: &str,
        (body, held_on, level): (&str, &str, DecisionLevel),
        actor: &Actor,
    ) -> Result<MeetingRecord> {
        let id = new_id();
        let mut w = self.write(actor, Some(org_id)).await?;
        w.exec(
            "INSERT INTO meetings (id, org_id, body, held_on, level, created_at) VALUES ($1, $2, $3, $4, $5, $6)",
            (&id, org_id, body, held_on, level.as_str(), now()),
        )
        .await?;
        w.audit(
            "meeting.created",
            ("meeting", &id),
            json!({ "body": body, "heldOn": held_on, "level": level }),
        )
        .await?;
        w.finish().await?;
        self.meeting(org_id, &id).await
    }

    /// The organisation's meetings, the latest first.
    pub async fn meetings(&self, org_id: &str) -> Result<Vec<MeetingRecord>> {
        self.of_org(org_id, "held_on DESC, created_at DESC").await
    }

    /// One of the organisation's meetings.
    pub async fn meeting(&self, org_id: &str, id: &str) -> Result<MeetingRecord> {
        self.in_org(org_id, id).await
    }

    /// The meetings whose agenda holds a choice, the latest first.
    pub async fn meetings_of_choice(
        &self,
        org_id: &str,
        choice_id: &str,
    ) -> Result<Vec<MeetingRecord>> {
        let sql = format!(
            "{MEETING} WHERE org_id = $1 AND id IN \
             (SELECT meeting_id FROM meeting_items WHERE choice_id = $2) \
             ORDER BY held_on DESC, created_at DESC"
        );
        self.all(&sql, (org_id, choice_id)).await
    }

    /// Places a choice last on a meeting's agenda; [`StoreError::Conflict`] when it is on it.
    pub async fn place_on_agenda(
        &self,
        org_id: &str,
        meeting_id: &str,
        choice_id: &str,
        actor: &Actor,
    ) -> Result<()> {
        self.meeting(org_id, meeting_id).await?;
        self.choice(org_id, choice_id).await?;
        let mut w = self.write(actor, Some(org_id)).await?;
        let position = w
            .next_position("meeting_items", ("meeting_id", meeting_id))
            .await?;
        w.exec(
            "INSERT INTO meeting_items (meeting_id, choice_id, position) VALUES ($1, $2, $3)",
            (meeting_id, choice_id, position),
        )
        .await
        .map_err(crate::conflict_on_unique(
            "de keuze staat al op deze agenda",
        ))?;
        w.audit(
            "meeting.item_placed",
            ("meeting", meeting_id),
            json!({ "choiceId": choice_id, "position": position }),
        )
        .await?;
        w.finish().await
    }

    /// Moves a choice one place up (`-1`) or down (`1`) on a meeting's agenda, swapping it
    /// with its neighbour; at the top or bottom nothing moves. `NotFound` when the choice is
    /// not on the agenda.
    pub async fn move_on_agenda(
        &self,
        org_id: &str,
        meeting_id: &str,
        choice_id: &str,
        step: i64,
        actor: &Actor,
    ) -> Result<()> {
        self.meeting(org_id, meeting_id).await?;
        let mut w = self.write(actor, Some(org_id)).await?;
        w.take_turn(&format!("meeting_items:{meeting_id}")).await?;
        let here: Next = w
            .one(
                "SELECT position FROM meeting_items WHERE meeting_id = $1 AND choice_id = $2",
                (meeting_id, choice_id),
            )
            .await?;
        let neighbour = if step < 0 {
            "SELECT COALESCE(MAX(position), 0) AS position FROM meeting_items WHERE meeting_id = $1 AND position < $2"
        } else {
            "SELECT COALESCE(MIN(position), 0) AS position FROM meeting_items WHERE meeting_id = $1 AND position > $2"
        };
        let other: Option<Next> = w.optional(neighbour, (meeting_id, here.position)).await?;
        if let Some(other) = other.filter(|o| o.position > 0) {
            // Through a free position, so that no two items share one at any moment.
            for (from, to) in [
                (other.position, -1),
                (here.position, other.position),
                (-1, here.position),
            ] {
                w.exec(
                    "UPDATE meeting_items SET position = $1 WHERE meeting_id = $2 AND position = $3",
                    (to, meeting_id, from),
                )
                .await?;
            }
            w.audit(
                "meeting.item_moved",
                ("meeting", meeting_id),
                json!({ "choiceId": choice_id, "from": here.position, "to": other.position }),
            )
            .await?;
        }
        w.finish().await
    }

    /// The choices on a meeting's agenda, in their order.
    pub async fn meeting_choices(
        &self,
        org_id: &str,
        meeting_id: &str,
    ) -> Result<Vec<ChoiceRecord>> {
        let columns = CHOICE_COLUMNS
            .split(", ")
            .map(|c| format!("c.{c}"))
            .collect::<Vec<_>>()
            .join(", ");
        self.all(
            &format!(
                "SELECT {columns} FROM meeting_items i JOIN choices c ON c.id = i.choice_id \
                 WHERE i.meeting_id = $1 AND c.org_id = $2 ORDER BY i.position"
            ),
            (meeting_id, org_id),
        )
        .await
    }

    /// The choices routed to `level` that wait for a decision (proposed, advised or
    /// deferred), oldest first.
    pub async fn waiting_at(
        &self,
        org_id: &str,
        level: DecisionLevel,
    ) -> Result<Vec<ChoiceRecord>> {
        self.all(&format!(
            "SELECT {CHOICE_COLUMNS} FROM choices WHERE org_id = $1 AND level = $2 AND status IN ('proposed', 'advised', 'deferred') ORDER BY created_at, id"
        ), (org_id, level.as_str())).await
    }

    /// The choices still open (proposed or advised) at every level, oldest first.
    pub async fn open_choices(&self, org_id: &str) -> Result<Vec<ChoiceRecord>> {
        self.all(&format!(
            "SELECT {CHOICE_COLUMNS} FROM choices WHERE org_id = $1 AND status IN ('proposed', 'advised', 'deferred') ORDER BY created_at, id"
        ), (org_id,)).await
    }

    /// The organisation's current framework version, if it configured one.
    pub async fn current_framework(&self, org_id: &str) -> Result<Option<FrameworkVersion>> {
        let r = sqlx::query(
            "SELECT version, framework, created_by, created_at FROM choice_frameworks WHERE org_id = $1 ORDER BY version DESC LIMIT 1",
        )
        .bind(org_id)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| FromRow::from_row(&r)).transpose()
    }

    /// Every version of the organisation's framework, newest first.
    pub async fn framework_versions(&self, org_id: &str) -> Result<Vec<FrameworkVersion>> {
        self.all("SELECT version, framework, created_by, created_at FROM choice_frameworks WHERE org_id = $1 ORDER BY version DESC", (org_id,)).await
    }

    /// Saves the framework as the organisation's next version (the version number in
    /// `framework` is replaced by it).
    pub async fn save_framework(
        &self,
        org_id: &str,
        framework: &Framework,
        actor: &Actor,
    ) -> Result<FrameworkVersion> {
        let mut w = self.write(actor, Some(org_id)).await?;
        w.take_turn(&format!("choice_frameworks:{org_id}")).await?;
        let next: i64 = sqlx::query(
            "SELECT COALESCE(MAX(version), 0) + 1 AS n FROM choice_frameworks WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_one(w.conn())
        .await?
        .try_get("n")?;
        let mut f = framework.clone();
        f.version = u32::try_from(next).map_err(corrupt)?;
        f.organisation = org_id.to_string();
        let value = serde_json::to_value(&f).map_err(corrupt)?;
        w.exec("INSERT INTO choice_frameworks (org_id, version, framework, created_by, created_at) VALUES ($1, $2, $3, $4, $5)", (org_id, next, value.to_string(), &actor.label, now())).await?;
        let detail = json!({ "version": next, "name": f.name, "rules": f.rules.len() });
        audit_and_chain(
            &mut w,
            org_id,
            actor,
            "framework.saved",
            ("choice_framework", &next.to_string()),
            &framework_state(&value),
            detail,
        )
        .await?;
        w.finish().await?;
        self.current_framework(org_id)
            .await?
            .ok_or(StoreError::NotFound)
    }

    /// The organisation's decision events, newest first.
    pub async fn decision_events(&self, org_id: &str, limit: i64) -> Result<Vec<DecisionEvent>> {
        self.all("SELECT seq, hash, payload, created_at FROM decision_events WHERE org_id = $1 ORDER BY seq DESC LIMIT $2", (org_id, limit.clamp(1, 1000))).await
    }

    /// Checks the decision history of one organisation (or of all, for `koers audit verify`):
    /// the hash chain must be unbroken, and every choice, framework version and decision-aid
    /// result must still have the state its last event vouches for. A row changed, added or
    /// removed behind koers' back is reported.
    pub async fn verify_register_chain(&self, org_id: Option<&str>) -> Result<Vec<ChainCheck>> {
        let orgs: Vec<String> = match org_id {
            Some(o) => vec![o.to_string()],
            None => {
                let rows = sqlx::query(
                    "SELECT id AS org_id FROM organisations UNION SELECT DISTINCT org_id FROM decision_events ORDER BY org_id",
                )
                .fetch_all(self.pool())
                .await?;
                rows.iter()
                    .map(|r| r.try_get("org_id").map_err(StoreError::from))
                    .collect::<Result<_>>()?
            }
        };
        let mut out = Vec::new();
        for org in orgs {
            out.push(self.verify_org_chain(&org).await?);
        }
        Ok(out)
    }

    async fn verify_org_chain(&self, org_id: &str) -> Result<ChainCheck> {
        let rows = sqlx::query(
            "SELECT seq, prev_hash, payload, hash FROM decision_events WHERE org_id = $1 ORDER BY seq",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        let entries: Vec<ChainEntry> = rows.iter().map(FromRow::from_row).collect::<Result<_>>()?;
        let mut problems = Vec::new();
        if let Err(b) = chain::verify(&entries) {
            problems.push(b);
        }
        // The last vouched-for state of every object.
        let mut latest: BTreeMap<(String, String), (u64, String)> = BTreeMap::new();
        for e in &entries {
            let Ok(p) = serde_json::from_str::<Value>(&e.payload_json) else {
                continue;
            };
            let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_string();
            latest.insert((s("objectType"), s("objectId")), (e.seq, s("state")));
        }
        let changed = |seq: u64, what: String| Broken {
            seq,
            kind: BreakKind::Hash,
            reason: format!("{what} is buiten koers om gewijzigd"),
        };
        let unrecorded = |what: String| Broken {
            seq: 0,
            kind: BreakKind::Head,
            reason: format!("{what} staat niet in de besluitgeschiedenis"),
        };
        let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
        // Choices.
        let rows = sqlx::query(
            "SELECT id, choice, status, level, board_reference FROM choices WHERE org_id = $1",
        )
        .bind(org_id)
        .fetch_all(self.pool())
        .await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let raw: String = r.try_get("choice")?;
            let status: String = r.try_get("status")?;
            let level: String = r.try_get("level")?;
            let reference: Option<String> = r.try_get("board_reference")?;
            let what = format!("keuze {id}");
            let state = serde_json::from_str::<Value>(&raw)
                .map(|c| state_digest(&choice_state(&c, &status, &level, reference.as_deref())))
                .unwrap_or_default();
            let key = ("choice".to_string(), id);
            match latest.get(&key) {
                Some((seq, vouched)) if *vouched != state => problems.push(changed(*seq, what)),
                Some(_) => {}
                None => problems.push(unrecorded(what)),
            }
            seen.insert(key);
        }
        // Framework versions.
        let rows =
            sqlx::query("SELECT version, framework FROM choice_frameworks WHERE org_id = $1")
                .bind(org_id)
                .fetch_all(self.pool())
                .await?;
        for r in &rows {
            let version: i64 = r.try_get("version")?;
            let raw: String = r.try_get("framework")?;
            let what = format!("keuzekader versie {version}");
            let state = serde_json::from_str::<Value>(&raw)
                .map(|f| state_digest(&framework_state(&f)))
                .unwrap_or_default();
            let key = ("choice_framework".to_string(), version.to_string());
            match latest.get(&key) {
                Some((seq, vouched)) if *vouched != state => problems.push(changed(*seq, what)),
                Some(_) => {}
                None => problems.push(unrecorded(what)),
            }
            seen.insert(key);
        }
        // Decision-aid results on applications.
        let rows = sqlx::query("SELECT id, ai_act FROM applications WHERE org_id = $1")
            .bind(org_id)
            .fetch_all(self.pool())
            .await?;
        for r in &rows {
            let id: String = r.try_get("id")?;
            let raw: Option<String> = r.try_get("ai_act")?;
            let key = ("application".to_string(), id.clone());
            let what = format!("de uitkomst van de beslishulp bij toepassing {id}");
            match (raw, latest.get(&key)) {
                (None, None) => {}
                (Some(_), None) => problems.push(unrecorded(what)),
                (None, Some((seq, _))) => problems.push(changed(*seq, what)),
                (Some(raw), Some((seq, vouched))) => {
                    let state = serde_json::from_str::<Value>(&raw)
                        .map(|a| state_digest(&ai_act_state(&a)))
                        .unwrap_or_default();
                    if *vouched != state {
                        problems.push(changed(*seq, what));
                    }
                }
            }
            seen.insert(key);
        }
        // Objects with events whose rows are gone.
        for (key, (seq, _)) in &latest {
            if !seen.contains(key) && !key.0.is_empty() {
                problems.push(Broken {
                    seq: *seq,
                    kind: BreakKind::Hash,
                    reason: format!("{} {} is buiten koers om verwijderd", key.0, key.1),
                });
            }
        }
        Ok(ChainCheck {
            org_id: org_id.to_string(),
            entries: entries.len(),
            problems,
        })
    }
}

from_row!(r => FrameworkVersion { version, created_by, created_at;
    framework: json(r, "framework")?,
});

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Backend;
    use crate::Store;
    use crate::testing::on_both_backends;

    use koers_core::register::application::ApplicationInput;
    use koers_core::register::choice::{ChoiceInput, OptionInput, Transition};

    async fn setup(s: Store) -> (Store, String, String) {
        let a = crate::testing::organisation(&s, "Provincie Utrecht", "province", "PV26").await;
        let b =
            crate::testing::organisation(&s, "Gemeente Utrecht", "municipality", "GM0344").await;
        (s, a.id, b.id)
    }

    fn draft() -> ApplicationDraft {
        ApplicationDraft::parse(&ApplicationInput {
            name: "Monitor vrachtverkeer".into(),
            kind: "monitor".into(),
            purpose: "Inzicht in transportbewegingen.".into(),
            department: "Mobiliteit".into(),
            lifecycle_phase: "monitoring-en-beheer".into(),
            hosting: "saas".into(),
            status: "in_use".into(),
            ai_act_risk_group: "high_risk".into(),
            ..Default::default()
        })
        .unwrap()
    }

    fn choice() -> Choice {
        Choice::parse(&ChoiceInput {
            title: "Hosting".into(),
            choice_type: "hosting".into(),
            context: "Waar draait het?".into(),
            options: vec![
                OptionInput {
                    title: "Eigen rekencentrum".into(),
                    ..Default::default()
                },
                OptionInput {
                    title: "Cloud".into(),
                    ..Default::default()
                },
            ],
            chosen_option: "Cloud".into(),
            rationale: "het schaalt.".into(),
            ..Default::default()
        })
        .unwrap()
    }

    /// The test application in organisation `org`.
    async fn new_application(s: &Store, org: &str) -> Application {
        s.register()
            .create_application(org, &draft(), &[], &[], &Actor::cli())
            .await
            .unwrap()
    }

    /// The test choice on application `app_id` of `org`, routed to `level`.
    async fn new_choice(
        s: &Store,
        org: &str,
        app_id: &str,
        level: DecisionLevel,
        framework_version: Option<i64>,
    ) -> Result<ChoiceRecord> {
        s.register()
            .create_choice(
                org,
                app_id,
                &choice(),
                level,
                framework_version,
                &Actor::cli(),
            )
            .await
    }

    async fn choices_are_chained_and_isolated(s: Store) {
        let (s, a, b) = setup(s).await;
        let app = new_application(&s, &a).await;
        assert!(matches!(
            s.register().application(&b, &app.id).await,
            Err(StoreError::NotFound)
        ));
        assert!(matches!(
            new_choice(&s, &b, &app.id, DecisionLevel::Board, None).await,
            Err(StoreError::NotFound)
        ));
        s.register()
            .save_framework(&a, &Framework::default_for(&a), &Actor::cli())
            .await
            .unwrap();
        let c = new_choice(&s, &a, &app.id, DecisionLevel::Board, Some(1))
            .await
            .unwrap();
        assert_eq!(
            s.register()
                .waiting_at(&a, DecisionLevel::Board)
                .await
                .unwrap()
                .len(),
            1
        );
        assert!(
            s.register()
                .waiting_at(&b, DecisionLevel::Board)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            s.register().choice(&b, &c.id).await,
            Err(StoreError::NotFound)
        ));
        let mut ch = c.choice.clone();
        ch.transition(
            Transition::Advised {
                advice: "Doen.".into(),
                adviser: "CIO".into(),
            },
            "adviser",
        )
        .unwrap();
        let advise = async || {
            s.register()
                .update_choice(
                    &a,
                    &c.id,
                    "proposed",
                    &ch,
                    DecisionLevel::Board,
                    None,
                    "choice.advised",
                    &Actor::cli(),
                )
                .await
        };
        advise().await.unwrap();
        // The same transition again is stale, and refused.
        assert!(matches!(advise().await, Err(StoreError::Conflict(_))));
        let checks = s.register().verify_register_chain(None).await.unwrap();
        assert_eq!(checks.len(), 2);
        for c in &checks {
            assert!(c.is_intact(), "{c:?}");
        }
        let a_check = checks.iter().find(|c| c.org_id == a).unwrap();
        assert_eq!(a_check.entries, 3);
        // The history is append-only.
        assert!(
            sql::exec(s.pool(), "UPDATE decision_events SET payload = '{}'", ())
                .await
                .is_err()
        );
        assert!(
            sql::exec(s.pool(), "DELETE FROM decision_events", ())
                .await
                .is_err()
        );
    }

    async fn a_row_changed_behind_koers_back_is_reported(s: Store) {
        let (s, a, b) = setup(s).await;
        let app = new_application(&s, &a).await;
        let c = new_choice(&s, &a, &app.id, DecisionLevel::Board, None)
            .await
            .unwrap();
        assert!(s.register().verify_register_chain(Some(&a)).await.unwrap()[0].is_intact());
        // Someone with database access moves the choice off the board's agenda.
        sql::exec(
            s.pool(),
            "UPDATE choices SET level = 'official' WHERE id = $1",
            (&c.id,),
        )
        .await
        .unwrap();
        let check = &s.register().verify_register_chain(Some(&a)).await.unwrap()[0];
        assert!(!check.is_intact());
        assert!(
            check.problems[0].reason.contains(&c.id),
            "{:?}",
            check.problems
        );
        assert!(check.result().is_err());
        // Organisation B is not affected.
        assert!(s.register().verify_register_chain(Some(&b)).await.unwrap()[0].is_intact());
    }

    async fn an_edited_history_row_breaks_the_chain(s: Store) {
        let (s, a, _b) = setup(s).await;
        let app = new_application(&s, &a).await;
        for _ in 0..3 {
            new_choice(&s, &a, &app.id, DecisionLevel::Official, None)
                .await
                .unwrap();
        }
        // Behind koers' back: drop the guard and rewrite the second event.
        sql::exec(
            s.pool(),
            match s.backend() {
                Backend::Sqlite => "DROP TRIGGER decision_events_no_update",
                Backend::Postgres => "DROP TRIGGER decision_events_no_change ON decision_events",
            },
            (),
        )
        .await
        .unwrap();
        sql::exec(s.pool(), "UPDATE decision_events SET payload = replace(payload, 'choice.proposed', 'choice.decided') WHERE org_id = $1 AND seq = 2", (&a,)).await
            .unwrap();
        let check = &s.register().verify_register_chain(Some(&a)).await.unwrap()[0];
        let first = check.result().unwrap_err();
        assert_eq!(first.seq, 2);
        assert_eq!(first.kind, BreakKind::Hash);
    }

    async fn frameworks_are_versioned_and_the_decision_aid_sets_the_risk(s: Store) {
        let (s, a, _b) = setup(s).await;
        assert!(s.register().current_framework(&a).await.unwrap().is_none());
        let v1 = s
            .register()
            .save_framework(&a, &Framework::default_for("x"), &Actor::cli())
            .await
            .unwrap();
        let v2 = s
            .register()
            .save_framework(&a, &Framework::default_for("x"), &Actor::cli())
            .await
            .unwrap();
        assert_eq!((v1.version, v2.version), (1, 2));
        assert_eq!(v2.framework.version, 2);
        assert_eq!(v2.framework.organisation, a);
        assert_eq!(s.register().framework_versions(&a).await.unwrap().len(), 2);
        let app = new_application(&s, &a).await;
        let app = s
            .register()
            .set_ai_act(
                &a,
                &app.id,
                &AiActState {
                    answers: vec![0, 1],
                    tree_version: "1".into(),
                    risk_group: AiActRiskGroup::NotHighRisk,
                    concluded_at: now(),
                },
                &Actor::cli(),
            )
            .await
            .unwrap();
        assert_eq!(app.draft.risk_group(), Some(AiActRiskGroup::NotHighRisk));
        // A later edit without a hand-set risk keeps the decision aid's.
        let mut d = draft();
        d.ai_act_risk = None;
        let app = s
            .register()
            .update_application(&a, &app.id, &d, &[], &[], &Actor::cli())
            .await
            .unwrap();
        assert_eq!(app.draft.risk_group(), Some(AiActRiskGroup::NotHighRisk));
        assert!(s.register().verify_register_chain(Some(&a)).await.unwrap()[0].is_intact());
        sql::exec(
            s.pool(),
            "UPDATE applications SET ai_act = replace(ai_act, 'not_high_risk', 'exception')",
            (),
        )
        .await
        .unwrap();
        assert!(!s.register().verify_register_chain(Some(&a)).await.unwrap()[0].is_intact());
    }

    async fn concurrent_changes_keep_one_chain(s: Store) {
        let (s, a, _b) = setup(s).await;
        let app = new_application(&s, &a).await;
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (s, a, id) = (s.clone(), a.clone(), app.id.clone());
            tasks.push(tokio::spawn(async move {
                new_choice(&s, &a, &id, DecisionLevel::Official, None).await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let check = &s.register().verify_register_chain(Some(&a)).await.unwrap()[0];
        assert!(check.is_intact(), "{:?}", check.problems);
        assert_eq!(s.register().choices_of(&a, &app.id).await.unwrap().len(), 8);
    }

    on_both_backends!(
        concurrent_changes_keep_one_chain,
        choices_are_chained_and_isolated,
        a_row_changed_behind_koers_back_is_reported,
        an_edited_history_row_breaks_the_chain,
        frameworks_are_versioned_and_the_decision_aid_sets_the_risk
    );
}
