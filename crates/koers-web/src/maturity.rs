//! Maturity monitor operations shared by the pages and the API: frameworks, rounds,
//! participants, items, invitations and reminders, the public survey, documents and
//! interviews with their coding, and the results (scores with evidence, reports, benchmark)
//! with the anonymity threshold applied in one place.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::i18n::{Lang, t};
use crate::input::Input;
use crate::state::AppState;
use koers_app::documents::{detect, extract, store_file};
use koers_core::csv::spreadsheet_cell;
use koers_core::maturity::{
    Aggregate, Answers, CodeDraft, Dimension, Framework, ItemDraft, ItemKind, ParticipantDraft,
    RoundDraft, Score, Weights, aggregate, anonymous_labels, coded_component, default_items, score,
    survey_component,
};
use koers_core::secret::{new_token, token_digest};
use koers_core::{Invalid, Permission};
use koers_store::StoreError;
use koers_store::maturity::{
    Code, FrameworkVersion, Invitation, InvitationTarget, Item, Participant, Round, Source,
    SourceDraft,
};
use serde::Serialize;

/// Store errors with their own message: a closed round or a used link says so.
fn store_err(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(m) => AppError::Conflict(m),
        other => other.into(),
    }
}

pub async fn frameworks(state: &AppState, ctx: &Ctx) -> Result<Vec<FrameworkVersion>, AppError> {
    ctx.require(Permission::Read)?;
    Ok(state
        .store
        .maturity_frameworks(&ctx.org.id, &ctx.actor())
        .await?)
}

/// Saves a new version of the framework from its JSON form.
pub async fn save_framework(
    state: &AppState,
    ctx: &Ctx,
    fw: Framework,
) -> Result<FrameworkVersion, AppError> {
    ctx.require(Permission::Research)?;
    let fw = fw.validate()?;
    state
        .store
        .add_maturity_framework(&ctx.org.id, &fw, &ctx.actor())
        .await
        .map_err(store_err)
}

/// Reads a framework from the page's form: `name`, and per dimension `i` (0 up to
/// `dimensions`) the fields `dN.key`, `dN.name`, `dN.description`, `dN.statement` and
/// `dN.level1`..`dN.level5`. A row whose key and name are both empty is left out (the form's
/// spare row for a new dimension).
pub fn framework_from_form(input: &mut Input) -> Framework {
    let name = input.text("name");
    let count = input
        .text("dimensions")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(31);
    let dimensions = (0..count)
        .map(|i| {
            let mut f = |field: &str| input.text(&format!("d{i}.{field}")).trim().to_string();
            Dimension {
                key: f("key"),
                name: f("name"),
                description: f("description"),
                statement: f("statement"),
                levels: (1..=5).map(|l| f(&format!("level{l}"))).collect(),
            }
        })
        .filter(|d| !(d.key.is_empty() && d.name.is_empty()))
        .collect();
    Framework { name, dimensions }
}

pub async fn rounds(state: &AppState, ctx: &Ctx) -> Result<Vec<Round>, AppError> {
    ctx.require(Permission::Research)?;
    Ok(state.store.rounds(&ctx.org.id).await?)
}

pub async fn round(state: &AppState, ctx: &Ctx, id: &str) -> Result<Round, AppError> {
    ctx.require(Permission::Research)?;
    Ok(state.store.round(&ctx.org.id, id).await?)
}

/// Starts a round on a framework version (the newest when none is named), with one
/// statement per dimension and an open question.
pub async fn create_round(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Round, AppError> {
    ctx.require(Permission::Research)?;
    let name = input.text("name");
    let year = input.text("year");
    let min = input.text("minRespondents");
    let fw_id = input.text("frameworkId");
    let w = [
        input.text("weightSurvey"),
        input.text("weightDocuments"),
        input.text("weightInterviews"),
    ];
    let weights = if w.iter().all(|s| s.trim().is_empty()) {
        Ok(Weights::default())
    } else {
        Weights::parse(&w[0], &w[1], &w[2])
    };
    let d = input.finish(RoundDraft::parse(&name, &year, &min, weights))?;
    let versions = frameworks(state, ctx).await?;
    let fw = if fw_id.trim().is_empty() {
        versions.first()
    } else {
        versions.iter().find(|v| v.id == fw_id.trim())
    }
    .ok_or_else(|| {
        AppError::Invalid(Invalid::one(
            "frameworkId",
            "unknown",
            "kies een versie van het kader van deze organisatie",
        ))
    })?;
    Ok(state
        .store
        .create_round(
            &ctx.org.id,
            &fw.id,
            &d,
            &default_items(&fw.framework),
            false,
            &ctx.actor(),
        )
        .await?)
}

pub async fn close_round(state: &AppState, ctx: &Ctx, id: &str) -> Result<Round, AppError> {
    let r = round(state, ctx, id).await?;
    state
        .store
        .close_round(&r, &ctx.actor())
        .await
        .map_err(store_err)
}

pub async fn add_participant(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    mut input: Input,
) -> Result<Participant, AppError> {
    let r = round(state, ctx, round_id).await?;
    let name = input.text("name");
    let code = input.text("cbsCode");
    let d = input.finish(ParticipantDraft::parse(&name, &code))?;
    state
        .store
        .add_participant(&r, &d, &ctx.actor())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) if m.contains("gesloten") => AppError::Conflict(m),
            StoreError::Conflict(_) => AppError::Invalid(Invalid::one(
                "name",
                "duplicate",
                "deze organisatie doet al mee aan de ronde",
            )),
            other => other.into(),
        })
}

async fn framework_of(state: &AppState, r: &Round) -> Result<FrameworkVersion, AppError> {
    Ok(state
        .store
        .maturity_framework(&r.org_id, &r.framework_id)
        .await?)
}

pub async fn add_item(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    mut input: Input,
) -> Result<Item, AppError> {
    let r = round(state, ctx, round_id).await?;
    let fw = framework_of(state, &r).await?;
    let dim = input.text("dimension");
    let kind = input.text("kind");
    let text = input.text("text");
    let d = input.finish(ItemDraft::parse(&fw.framework, &dim, &kind, &text))?;
    state
        .store
        .add_item(&r, &d, &ctx.actor())
        .await
        .map_err(store_err)
}

/// A personal survey link, given out once.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct IssuedLink {
    pub invitation_id: String,
    pub organisation: String,
    pub cbs_code: Option<String>,
    pub label: String,
    /// The single-use link; koers keeps only a hash of its token.
    pub url: String,
}

/// The address the links point to: this server as the researcher reached it.
pub fn base_url(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .filter(|h| {
            h.chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        })
        .unwrap_or("localhost");
    let scheme = if state.cfg.secure_cookies {
        "https"
    } else {
        "http"
    };
    format!("{scheme}://{host}")
}

fn survey_url(base: &str, token: &str) -> String {
    format!("{}/enquete/{token}", base.trim_end_matches('/'))
}

/// Invites respondents of one participating organisation: `count` new links (1–200), each
/// with an optional label (a role such as "gedeputeerde"; never a name is needed).
pub async fn invite(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    base: &str,
    mut input: Input,
) -> Result<Vec<IssuedLink>, AppError> {
    let r = round(state, ctx, round_id).await?;
    let pid = input.text("participantId");
    let count = input.text("count");
    let label = input.text("label");
    let emails = input.text("emails");
    let parsed = {
        let mut c = koers_core::error::Collector::default();
        // Addresses (one per line) give one personal link each, sent by e-mail when SMTP is
        // configured; otherwise `count` anonymous links with an optional label.
        let addresses: Vec<String> = emails
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .filter_map(|l| {
                c.take(koers_core::user::Email::parse(l).map_err(|_| {
                    Invalid::one("emails", "format", &format!("geen geldig e-mailadres: {l}"))
                }))
            })
            .map(|e| e.as_str().to_string())
            .collect();
        if addresses.len() > 200 {
            c.take::<()>(Err(Invalid::one(
                "emails",
                "range",
                "hoogstens 200 adressen per keer",
            )));
        }
        let n = if emails.trim().is_empty() {
            c.take(
                count
                    .trim()
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=200).contains(n))
                    .ok_or_else(|| Invalid::one("count", "range", "geef een aantal van 1 tot 200")),
            )
        } else {
            Some(addresses.len())
        };
        if label.chars().count() > 100 || label.chars().any(char::is_control) {
            c.take::<()>(Err(Invalid::one(
                "label",
                "too_long",
                "hoogstens 100 tekens, zonder stuurtekens",
            )));
        }
        c.finish().map(|_| {
            let n = n.unwrap_or(1);
            (0..n)
                .map(|i| {
                    addresses
                        .get(i)
                        .cloned()
                        .unwrap_or_else(|| label.trim().to_string())
                })
                .collect::<Vec<String>>()
        })
    };
    let labels = input.finish(parsed)?;
    let p = state
        .store
        .round_participant(&r, pid.trim())
        .await
        .map_err(|_| {
            AppError::Invalid(Invalid::one(
                "participantId",
                "unknown",
                "kies een deelnemende organisatie van deze ronde",
            ))
        })?;
    let tokens: Vec<String> = labels.iter().map(|_| new_token()).collect();
    let digests: Vec<(String, String)> = tokens
        .iter()
        .zip(&labels)
        .map(|(t, l)| (token_digest(t), l.clone()))
        .collect();
    let invs = state
        .store
        .add_invitations(&r, &p, &digests, &ctx.actor())
        .await
        .map_err(store_err)?;
    Ok(invs
        .into_iter()
        .zip(tokens)
        .map(|(i, tok)| IssuedLink {
            invitation_id: i.id,
            organisation: p.name.clone(),
            cbs_code: p.cbs_code.clone(),
            label: i.label,
            url: survey_url(base, &tok),
        })
        .collect())
}

/// Reminders: every unanswered invitation of the round gets a new link (the old one stops
/// working, since koers cannot recover a token from its hash).
pub async fn remind(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    base: &str,
) -> Result<Vec<IssuedLink>, AppError> {
    let r = round(state, ctx, round_id).await?;
    let participants = state.store.round_participants(&r).await?;
    let open: Vec<Invitation> = state
        .store
        .invitations(&r)
        .await?
        .into_iter()
        .filter(|i| i.used_at.is_none())
        .collect();
    let tokens: Vec<String> = open.iter().map(|_| new_token()).collect();
    let digests: Vec<(String, String)> = open
        .iter()
        .zip(&tokens)
        .map(|(i, t)| (i.id.clone(), token_digest(t)))
        .collect();
    state
        .store
        .reissue_invitations(&r, &digests, &ctx.actor())
        .await
        .map_err(store_err)?;
    Ok(open
        .into_iter()
        .zip(tokens)
        .map(|(i, tok)| {
            let p = participants.iter().find(|p| p.id == i.participant_id);
            IssuedLink {
                invitation_id: i.id,
                organisation: p.map(|p| p.name.clone()).unwrap_or_default(),
                cbs_code: p.and_then(|p| p.cbs_code.clone()),
                label: i.label,
                url: survey_url(base, &tok),
            }
        })
        .collect())
}

/// How invitations reach respondents: a link whose label is an e-mail address is sent to it
/// when the deployment has SMTP; the others (or all, without SMTP) go into a CSV for the
/// researcher to hand out. Returns how many were mailed and the CSV of the rest (`None`
/// when nothing is left to hand out).
pub async fn deliver_invitations(
    state: &AppState,
    round_name: &str,
    links: &[IssuedLink],
) -> (usize, Option<String>) {
    let mut mailed = 0;
    let mut rest = Vec::new();
    for l in links {
        let personal = koers_core::user::Email::parse(&l.label).is_ok();
        let sent = match state.ws.mailer() {
            Some(m) if personal => {
                let body = format!(
                    "Goedendag,\n\n{} doet mee aan het onderzoek ‘{round_name}’ naar digitale volwassenheid. Wilt u de vragenlijst invullen? Uw persoonlijke link (één keer te gebruiken):\n\n{}\n\nUw antwoorden worden alleen samengevoegd getoond, en niet zolang te weinig mensen uit uw organisatie hebben geantwoord.\n",
                    l.organisation, l.url
                );
                match m
                    .send(
                        &l.label,
                        &l.label,
                        &format!("Uitnodiging: {round_name}"),
                        &body,
                    )
                    .await
                {
                    Ok(()) => true,
                    Err(e) => {
                        tracing::warn!("invitation to {}: {e}", l.label);
                        false
                    }
                }
            }
            _ => false,
        };
        if sent {
            mailed += 1;
        } else {
            rest.push(l);
        }
    }
    if rest.is_empty() {
        return (mailed, None);
    }
    let mut out = String::from("organisatie,cbs_code,label,link\n");
    for l in rest {
        out.push_str(&format!(
            "{},{},{},{}\n",
            spreadsheet_cell(&l.organisation),
            spreadsheet_cell(l.cbs_code.as_deref().unwrap_or("")),
            spreadsheet_cell(&l.label),
            spreadsheet_cell(&l.url)
        ));
    }
    (mailed, Some(out))
}

/// The survey behind a token, for the public form: an unknown token is not found, a used
/// one or a closed round is a conflict, and nothing changes either way.
pub async fn survey(
    state: &AppState,
    token: &str,
) -> Result<(InvitationTarget, FrameworkVersion, Vec<Item>), AppError> {
    let target = state.store.invitation_target(&token_digest(token)).await?;
    if target.invitation.used_at.is_some() {
        return Err(AppError::Conflict("used".into()));
    }
    if !target.round.is_open() {
        return Err(AppError::Conflict("closed".into()));
    }
    let fw = framework_of(state, &target.round).await?;
    let items = state.store.items(&target.round).await?;
    Ok((target, fw, items))
}

/// Records the answers given through a token link, once.
pub async fn answer(state: &AppState, token: &str, mut input: Input) -> Result<(), AppError> {
    let (_, _, items) = survey(state, token).await?;
    let kinds: Vec<(String, ItemKind)> = items.iter().map(|i| (i.id.clone(), i.kind)).collect();
    let raw: Vec<(String, String)> = items
        .iter()
        .map(|i| (i.id.clone(), input.text(&format!("item_{}", i.id))))
        .collect();
    let answers = input.finish(Answers::parse(&kinds, &raw))?;
    state
        .store
        .submit_response(&token_digest(token), &answers)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => AppError::Conflict("used".into()),
            other => other.into(),
        })
}

/// Uploads a document of a participating organisation: recognised by content, its text
/// extracted, the file kept under its content hash.
pub async fn add_document(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    participant_id: &str,
    title: &str,
    upload: Option<(String, Vec<u8>)>,
) -> Result<Source, AppError> {
    let r = round(state, ctx, round_id).await?;
    let mut c = koers_core::error::Collector::default();
    let title = c.take(koers_core::error::text("title", title, 200));
    let doc = match &upload {
        Some((name, bytes)) => {
            c.take(detect(name, bytes).and_then(|k| extract(k, bytes).map(|t| (k, t))))
        }
        None => {
            c.take::<()>(Err(Invalid::one("file", "required", "kies een bestand")));
            None
        }
    };
    let p = c.take(
        state
            .store
            .round_participant(&r, participant_id.trim())
            .await
            .map_err(|_| unknown_participant()),
    );
    c.finish()?;
    let (Some(title), Some((kind, text)), Some(p), Some((name, bytes))) = (title, doc, p, upload)
    else {
        return Err(AppError::BadRequest("onvolledig formulier".into()));
    };
    if !r.is_open() {
        return Err(AppError::Conflict("de ronde is gesloten".into()));
    }
    let stored = store_file(state.ws.data_dir(), &bytes, kind)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let shown_name: String = std::path::Path::new(&name)
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(200).collect())
        .unwrap_or_default();
    state
        .store
        .add_source(
            &r,
            &SourceDraft {
                participant_id: &p.id,
                kind: "document",
                title: &title,
                file: Some((&shown_name, &stored, kind.media_type(), bytes.len() as i64)),
                text: &text,
            },
            &ctx.actor(),
        )
        .await
        .map_err(store_err)
}

fn unknown_participant() -> Invalid {
    Invalid::one(
        "participantId",
        "unknown",
        "kies een deelnemende organisatie van deze ronde",
    )
}

/// Adds interview notes, coded the same way as documents.
pub async fn add_interview(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    mut input: Input,
) -> Result<Source, AppError> {
    let r = round(state, ctx, round_id).await?;
    let pid = input.text("participantId");
    let title = input.text("title");
    let notes = input.text("notes");
    let mut c = koers_core::error::Collector::default();
    let title = c.take(koers_core::error::text("title", &title, 200));
    let notes = notes.trim().to_string();
    if notes.is_empty() || notes.chars().count() > 200_000 {
        c.take::<()>(Err(Invalid::one(
            "notes",
            "required",
            "geef de aantekeningen (hoogstens 200.000 tekens)",
        )));
    }
    let p = c.take(
        state
            .store
            .round_participant(&r, pid.trim())
            .await
            .map_err(|_| unknown_participant()),
    );
    input.finish(c.finish())?;
    let (Some(title), Some(p)) = (title, p) else {
        return Err(AppError::BadRequest("onvolledig formulier".into()));
    };
    state
        .store
        .add_source(
            &r,
            &SourceDraft {
                participant_id: &p.id,
                kind: "interview",
                title: &title,
                file: None,
                text: &notes,
            },
            &ctx.actor(),
        )
        .await
        .map_err(store_err)
}

pub async fn source(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    id: &str,
) -> Result<(Round, Source), AppError> {
    let r = round(state, ctx, round_id).await?;
    let s = state.store.source(&r, id).await?;
    Ok((r, s))
}

/// Codes a passage of a document or interview to a dimension and level.
/// Removes a coded passage of a source (researchers, while the round is open).
pub async fn uncode(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    source_id: &str,
    code_id: &str,
) -> Result<(), AppError> {
    let (r, s) = source(state, ctx, round_id, source_id).await?;
    state
        .store
        .remove_code(&r, &s, code_id, &ctx.actor())
        .await
        .map_err(store_err)
}

pub async fn code(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
    source_id: &str,
    mut input: Input,
) -> Result<Source, AppError> {
    let (r, s) = source(state, ctx, round_id, source_id).await?;
    let fw = framework_of(state, &r).await?;
    let dim = input.text("dimension");
    let level = input.text("level");
    let passage = input.text("passage");
    let note = input.text("note");
    let d = input.finish(CodeDraft::parse(
        &fw.framework,
        &dim,
        &level,
        &passage,
        &note,
    ))?;
    if !s.text.contains(d.passage.as_str()) {
        return Err(AppError::Invalid(Invalid::one(
            "passage",
            "not_in_source",
            "de passage komt niet letterlijk voor in de tekst",
        )));
    }
    state
        .store
        .add_code(&r, &s, &d, &ctx.actor())
        .await
        .map_err(store_err)?;
    Ok(s)
}

/// One survey item's figure for one organisation (none below the threshold).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub item_id: String,
    pub text: String,
    pub aggregate: Option<Aggregate>,
}

/// One organisation on one dimension: the score, its parts and the evidence behind them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DimensionResult {
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    pub score: Score,
    /// Respondents behind the survey part (only when it is shown).
    pub survey_respondents: Option<i64>,
    pub items: Vec<ItemResult>,
    /// Coded passages from documents and interviews.
    #[schema(value_type = Vec<Object>)]
    pub codes: Vec<Code>,
    /// The descriptor of the level reached (the finding) and of the next (the recommendation).
    pub finding: Option<String>,
    pub next_step: Option<String>,
}

/// One participating organisation's results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantResult {
    pub id: String,
    pub name: String,
    pub cbs_code: Option<String>,
    pub invited: i64,
    pub responded: i64,
    /// Whether enough respondents answered for survey figures to be shown.
    pub survey_shown: bool,
    pub dimensions: Vec<DimensionResult>,
    /// Open comments, only when the survey is shown.
    pub comments: Vec<String>,
}

impl ParticipantResult {
    pub fn overall(&self) -> Option<f64> {
        let s: Vec<f64> = self
            .dimensions
            .iter()
            .filter_map(|d| d.score.score)
            .collect();
        (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
    }
}

/// Everything about a round's results, with the anonymity threshold applied.
#[derive(Debug, Clone, Serialize)]
pub struct RoundResults {
    pub round: Round,
    pub framework: FrameworkVersion,
    pub participants: Vec<ParticipantResult>,
}

impl RoundResults {
    /// The mean of the organisations' scores per dimension (organisations without one left out).
    pub fn averages(&self) -> Vec<Option<f64>> {
        (0..self.framework.framework.dimensions.len())
            .map(|i| {
                let s: Vec<f64> = self
                    .participants
                    .iter()
                    .filter_map(|p| p.dimensions.get(i).and_then(|d| d.score.score))
                    .collect();
                (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
            })
            .collect()
    }

    pub fn participant(&self, id: &str) -> Result<&ParticipantResult, AppError> {
        self.participants
            .iter()
            .find(|p| p.id == id)
            .ok_or(AppError::NotFound)
    }
}

/// Computes a round's results. The only place where survey answers become figures: below
/// the round's minimum number of respondents no figure (mean, distribution, count, comment)
/// leaves this function.
pub async fn results(
    state: &AppState,
    ctx: &Ctx,
    round_id: &str,
) -> Result<RoundResults, AppError> {
    let r = round(state, ctx, round_id).await?;
    let fw = framework_of(state, &r).await?;
    let items = state.store.items(&r).await?;
    let likert = state.store.likert_answers(&r).await?;
    let open = state.store.open_answers(&r).await?;
    let codes = state.store.codes(&r).await?;
    let invitations = state.store.invitations(&r).await?;
    let counts = state.store.response_counts(&r).await?;
    let min = r.min_respondents;
    let participants = state
        .store
        .round_participants(&r)
        .await?
        .into_iter()
        .map(|p| {
            let responded = counts
                .iter()
                .find(|(id, _)| *id == p.id)
                .map_or(0, |(_, n)| *n);
            let dimensions = fw
                .framework
                .dimensions
                .iter()
                .map(|d| {
                    let dim_items: Vec<&Item> = items
                        .iter()
                        .filter(|i| {
                            i.kind == ItemKind::Likert && i.dimension_key.as_deref() == Some(&d.key)
                        })
                        .collect();
                    let answers: Vec<(String, i64)> = likert
                        .iter()
                        .filter(|a| {
                            a.participant_id == p.id && dim_items.iter().any(|i| i.id == a.item_id)
                        })
                        .map(|a| (a.response_id.clone(), a.value))
                        .collect();
                    let survey = survey_component(&answers, min);
                    let mine: Vec<Code> = codes
                        .iter()
                        .filter(|c| c.participant_id == p.id && c.dimension_key == d.key)
                        .cloned()
                        .collect();
                    let levels = |kind: &str| -> Vec<i64> {
                        mine.iter()
                            .filter(|c| c.source_kind == kind)
                            .map(|c| c.level)
                            .collect()
                    };
                    let s = score(
                        survey.map(|(v, _)| v),
                        coded_component(&levels("document")),
                        coded_component(&levels("interview")),
                        &r.weights,
                    );
                    let descriptor = |l: i64| d.levels.get((l - 1) as usize).cloned();
                    DimensionResult {
                        key: d.key.clone(),
                        name: d.name.clone(),
                        survey_respondents: survey.map(|(_, n)| n),
                        items: dim_items
                            .iter()
                            .map(|i| ItemResult {
                                item_id: i.id.clone(),
                                text: i.text.clone(),
                                aggregate: aggregate(
                                    &likert
                                        .iter()
                                        .filter(|a| a.participant_id == p.id && a.item_id == i.id)
                                        .map(|a| a.value)
                                        .collect::<Vec<_>>(),
                                    min,
                                ),
                            })
                            .collect(),
                        codes: mine,
                        finding: s.level.and_then(descriptor),
                        next_step: s.level.filter(|l| *l < 5).and_then(|l| descriptor(l + 1)),
                        score: s,
                    }
                })
                .collect();
            let survey_shown = responded >= min;
            ParticipantResult {
                invited: invitations
                    .iter()
                    .filter(|i| i.participant_id == p.id)
                    .count() as i64,
                responded,
                survey_shown,
                comments: if survey_shown {
                    open.iter()
                        .filter(|o| o.participant_id == p.id)
                        .map(|o| o.text.clone())
                        .collect()
                } else {
                    Vec::new()
                },
                dimensions,
                id: p.id,
                name: p.name,
                cbs_code: p.cbs_code,
            }
        })
        .collect();
    Ok(RoundResults {
        round: r,
        framework: fw,
        participants,
    })
}

/// One row of the benchmark.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BenchmarkRow {
    /// The organisation's name, or an anonymous label ("Provincie A").
    pub label: String,
    /// The CBS code, only when named.
    pub cbs_code: Option<String>,
    pub scores: Vec<Option<f64>>,
    pub overall: Option<f64>,
}

/// The benchmark across the round's organisations: named in name order, or anonymised with
/// labels whose order follows a keyed hash (not names, not scores).
pub fn benchmark(res: &RoundResults, anonymous: bool, lang: Lang) -> Vec<BenchmarkRow> {
    let row = |p: &ParticipantResult, label: String, code: Option<String>| BenchmarkRow {
        label,
        cbs_code: code,
        scores: p.dimensions.iter().map(|d| d.score.score).collect(),
        overall: p.overall(),
    };
    if anonymous {
        let provinces = !res.participants.is_empty()
            && res
                .participants
                .iter()
                .all(|p| p.cbs_code.as_deref().is_some_and(|c| c.starts_with("PV")));
        let prefix = t(
            lang,
            if provinces {
                "maturity.anon_province"
            } else {
                "maturity.anon_organisation"
            },
        );
        let ids: Vec<String> = res.participants.iter().map(|p| p.id.clone()).collect();
        anonymous_labels(&res.round.anon_key, &ids, &prefix)
            .into_iter()
            .filter_map(|(id, label)| {
                res.participants
                    .iter()
                    .find(|p| p.id == id)
                    .map(|p| row(p, label, None))
            })
            .collect()
    } else {
        res.participants
            .iter()
            .map(|p| row(p, p.name.clone(), p.cbs_code.clone()))
            .collect()
    }
}

/// A score as shown: one decimal, Dutch comma.
pub fn fmt_score(v: Option<f64>) -> String {
    v.map_or_else(|| "–".into(), |v| format!("{v:.1}").replace('.', ","))
}

/// The report of one organisation as a PDF: radar chart against the round average, a table
/// of scores, findings, quoted evidence and recommendations per dimension, and the method.
pub fn report_pdf(res: &RoundResults, p: &ParticipantResult, lang: Lang) -> Vec<u8> {
    use koers_pdf::{Block, Document, Radar, Table, render};
    let title = format!("{} {}", t(lang, "maturity.report_title"), p.name);
    let mut doc = Document::new(title.clone());
    doc.author = Some(res.round.name.clone());
    doc.footer = Some(format!("koers · {} {}", res.round.name, res.round.year));
    doc.push(Block::Title(title));
    doc.push(Block::Paragraph(format!(
        "{} {} ({}). {}: {} / {}.",
        t(lang, "maturity.round"),
        res.round.name,
        res.round.year,
        t(lang, "maturity.responses"),
        p.responded,
        p.invited
    )));
    if res.round.generated {
        doc.push(Block::Note(t(lang, "maturity.generated_note")));
    }
    if !p.survey_shown {
        doc.push(Block::Note(format!(
            "{} {}",
            t(lang, "maturity.below_threshold"),
            res.round.min_respondents
        )));
    }
    doc.push(Block::Heading(t(lang, "maturity.scores")));
    doc.push(Block::Radar(Radar {
        axes: p.dimensions.iter().map(|d| d.name.clone()).collect(),
        series: vec![
            (
                p.name.clone(),
                p.dimensions.iter().map(|d| d.score.score).collect(),
            ),
            (t(lang, "maturity.average"), res.averages()),
        ],
        max: 5.0,
    }));
    doc.push(Block::Table(Table {
        header: vec![
            t(lang, "maturity.dimension"),
            t(lang, "maturity.score"),
            t(lang, "maturity.level"),
            t(lang, "maturity.source.survey"),
            t(lang, "maturity.source.documents"),
            t(lang, "maturity.source.interviews"),
        ],
        rows: p
            .dimensions
            .iter()
            .map(|d| {
                vec![
                    d.name.clone(),
                    fmt_score(d.score.score),
                    d.score
                        .level
                        .map(|l| {
                            t(
                                lang,
                                &format!("maturity.level.{}", koers_core::maturity::level_key(l)),
                            )
                        })
                        .unwrap_or_else(|| "–".into()),
                    fmt_score(d.score.survey),
                    fmt_score(d.score.documents),
                    fmt_score(d.score.interviews),
                ]
            })
            .collect(),
        weights: vec![3.0, 1.0, 1.4, 1.0, 1.0, 1.0],
    }));
    doc.push(Block::Heading(t(lang, "maturity.findings")));
    for d in &p.dimensions {
        doc.push(Block::Subheading(format!(
            "{} — {}",
            d.name,
            fmt_score(d.score.score)
        )));
        match &d.finding {
            Some(f) => doc.push(Block::Paragraph(f.clone())),
            None => doc.push(Block::Paragraph(t(lang, "maturity.no_evidence"))),
        };
        for c in d.codes.iter().take(3) {
            doc.push(Block::Quote(format!(
                "“{}” — {}",
                c.passage, c.source_title
            )));
        }
        if let Some(n) = &d.next_step {
            doc.push(Block::Paragraph(format!(
                "{}: {n}",
                t(lang, "maturity.recommendation")
            )));
        }
    }
    if !p.comments.is_empty() {
        doc.push(Block::Heading(t(lang, "maturity.comments")));
        for c in &p.comments {
            doc.push(Block::Quote(c.clone()));
        }
    }
    doc.push(Block::Heading(t(lang, "maturity.method")));
    doc.push(Block::Paragraph(koers_core::maturity::METHOD.into()));
    doc.push(Block::Note(weights_line(&res.round, lang)));
    render(&doc)
}

/// The round's weights and threshold in one line.
pub fn weights_line(r: &Round, lang: Lang) -> String {
    format!(
        "{}: {} {}, {} {}, {} {}. {}: {}.",
        t(lang, "maturity.weights"),
        t(lang, "maturity.source.survey"),
        r.weights.survey,
        t(lang, "maturity.source.documents"),
        r.weights.documents,
        t(lang, "maturity.source.interviews"),
        r.weights.interviews,
        t(lang, "maturity.min_respondents"),
        r.min_respondents
    )
}

/// The benchmark as CSV (same rows as the page: the threshold already applied).
pub fn benchmark_csv(res: &RoundResults, rows: &[BenchmarkRow]) -> String {
    let mut out = String::from("organisatie,cbs_code");
    for d in &res.framework.framework.dimensions {
        out.push(',');
        out.push_str(&spreadsheet_cell(&d.key));
    }
    out.push_str(",gemiddeld\n");
    let num = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    for r in rows {
        out.push_str(&spreadsheet_cell(&r.label));
        out.push(',');
        out.push_str(&spreadsheet_cell(r.cbs_code.as_deref().unwrap_or("")));
        for s in &r.scores {
            out.push(',');
            out.push_str(&num(*s));
        }
        out.push(',');
        out.push_str(&num(r.overall));
        out.push('\n');
    }
    out
}
