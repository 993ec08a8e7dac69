//! Volwassenheid (the maturity monitor): framework versions, survey rounds with their
//! participating organisations, items, invitations and reminders, the public survey behind
//! a personal link, documents and interviews with their coding, and the results (scores with
//! evidence and the benchmark) with the anonymity threshold applied in one place.
//!
//! Who may do what: every member reads the framework (`Read`); everything about rounds
//! (starting, inviting, coding, results) and saving a new framework version needs
//! `Research`. The survey itself needs no account: whoever holds an unused link of an open
//! round answers it, once.

use crate::documents::{detect, extract, store_file};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::csv::spreadsheet_cell;
use koers_core::error::Collector;
use koers_core::guests::GuestObject;
use koers_core::maturity::groups::{RespondentGroup, shown_groups};
use koers_core::maturity::trend;
use koers_core::maturity::{
    Answers, CodeDraft, Dimension, IntervieweeRole, ItemDraft, ParticipantDraft, RoundDraft,
    Weights, aggregate, anonymous_labels, coded_component, default_items, score, survey_component,
};
use koers_core::secret::{new_token, token_digest};
use koers_core::{Invalid, Permission};
use koers_store::StoreError;
use koers_store::maturity::SourceDraft;
use serde::Serialize;
use std::collections::BTreeMap;

pub use koers_core::maturity::{Aggregate, Framework, ItemKind, Score};
pub use koers_store::maturity::{
    Code, FrameworkVersion, Invitation, InvitationTarget, Item, Participant, Round, Source,
};

/// Store errors with their own message: a closed round or a used link says so.
fn store_err(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(m) => Error::Conflict(m),
        other => other.into(),
    }
}

fn unknown_participant() -> Invalid {
    Invalid::one(
        "participantId",
        "unknown",
        "kies een deelnemende organisatie van deze ronde",
    )
}

/// The organisation's framework versions, newest first (koers' default is version 1).
pub async fn frameworks(ws: &Workspace, who: &Principal) -> Result<Vec<FrameworkVersion>> {
    who.require(Permission::Read)?;
    Ok(ws
        .store
        .maturity()
        .maturity_frameworks(&who.org.id, &who.actor())
        .await?)
}

/// Stores `fw`, checked, as the framework's next version.
async fn add_framework(ws: &Workspace, who: &Principal, fw: Framework) -> Result<FrameworkVersion> {
    ws.store
        .maturity()
        .add_maturity_framework(&who.org.id, &fw, &who.actor())
        .await
        .map_err(store_err)
}

/// Saves a new version of the framework from its JSON form (the fields of [`Framework`]);
/// running rounds keep theirs. Who may comes first: a viewer learns nothing about the
/// framework's rules.
pub async fn save_framework(
    ws: &Workspace,
    who: &Principal,
    input: Input,
) -> Result<FrameworkVersion> {
    who.require(Permission::Research)?;
    let fw: Framework = serde_json::from_value(serde_json::Value::Object(input.fields().clone()))
        .map_err(|e| Error::Rejected(format!("Ongeldig kader: {e}")))?;
    add_framework(ws, who, fw.validate()?).await
}

/// Saves a new version of the framework from the page's form: `name`, and per dimension `i`
/// (0 up to `dimensions`) the fields `dN.key`, `dN.name`, `dN.description`, `dN.statement`
/// and `dN.level1`..`dN.level5`. A row whose key and name are both empty is left out (the
/// form's spare row for a new dimension, or a dimension taken away); a problem names the row
/// it was sent in (`dimensions[N].…`).
pub async fn save_framework_form(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<FrameworkVersion> {
    who.require(Permission::Research)?;
    let (fw, rows) = framework_from_form(&mut input);
    input.finish(Ok(()))?;
    let fw = fw
        .validate()
        .map_err(|e| e.renumbered("dimensions", &rows))?;
    add_framework(ws, who, fw).await
}

/// The framework the form sends, and the row each of its dimensions came from.
fn framework_from_form(input: &mut Input) -> (Framework, Vec<usize>) {
    let name = input.text("name");
    let count = input
        .text("dimensions")
        .trim()
        .parse::<usize>()
        .unwrap_or(0)
        .min(31);
    let (rows, dimensions) = (0..count)
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
        .enumerate()
        .filter(|(_, d)| !(d.key.is_empty() && d.name.is_empty()))
        .unzip();
    (Framework { name, dimensions }, rows)
}

/// The organisation's rounds.
pub async fn rounds(ws: &Workspace, who: &Principal) -> Result<Vec<Round>> {
    who.require(Permission::Research)?;
    Ok(ws.store.maturity().rounds(&who.org.id).await?)
}

/// One round.
pub async fn round(ws: &Workspace, who: &Principal, id: &str) -> Result<Round> {
    who.require(Permission::Research)?;
    Ok(ws.store.maturity().round(&who.org.id, id).await?)
}

/// A round with its survey items and its documents and interviews.
pub struct RoundDetail {
    pub round: Round,
    pub items: Vec<Item>,
    pub sources: Vec<Source>,
}

pub async fn round_detail(ws: &Workspace, who: &Principal, id: &str) -> Result<RoundDetail> {
    let r = round(ws, who, id).await?;
    Ok(RoundDetail {
        items: ws.store.maturity().items(&r).await?,
        sources: ws.store.maturity().sources(&r).await?,
        round: r,
    })
}

/// A round's results with its items and sources: all a round's page shows.
pub struct RoundOverview {
    pub results: RoundResults,
    pub items: Vec<Item>,
    pub sources: Vec<Source>,
}

pub async fn round_overview(ws: &Workspace, who: &Principal, id: &str) -> Result<RoundOverview> {
    let RoundDetail {
        round,
        items,
        sources,
    } = round_detail(ws, who, id).await?;
    Ok(RoundOverview {
        results: results_of(ws, round).await?,
        items,
        sources,
    })
}

/// Starts a round on a framework version (the newest when none is named), with one
/// statement per dimension and an open question.
pub async fn create_round(ws: &Workspace, who: &Principal, mut input: Input) -> Result<Round> {
    who.require(Permission::Research)?;
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
    let versions = frameworks(ws, who).await?;
    let fw = if fw_id.trim().is_empty() {
        versions.first()
    } else {
        versions.iter().find(|v| v.id == fw_id.trim())
    }
    .ok_or_else(|| {
        Error::Invalid(Invalid::one(
            "frameworkId",
            "unknown",
            "kies een versie van het kader van deze organisatie",
        ))
    })?;
    Ok(ws
        .store
        .maturity()
        .create_round(
            &who.org.id,
            &fw.id,
            &d,
            &default_items(&fw.framework),
            false,
            &who.actor(),
        )
        .await?)
}

/// Closes a round: it is frozen from now on.
pub async fn close_round(ws: &Workspace, who: &Principal, id: &str) -> Result<Round> {
    let r = round(ws, who, id).await?;
    ws.store
        .maturity()
        .close_round(&r, &who.actor())
        .await
        .map_err(store_err)
}

/// The round's participating organisations.
pub async fn participants(ws: &Workspace, who: &Principal, id: &str) -> Result<Vec<Participant>> {
    let r = round(ws, who, id).await?;
    Ok(ws.store.maturity().round_participants(&r).await?)
}

pub async fn add_participant(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    input: Input,
) -> Result<Participant> {
    let r = round(ws, who, round_id).await?;
    let d = participant_draft(input)?;
    ws.store
        .maturity()
        .add_participant(&r, &d, &who.actor())
        .await
        .map_err(participant_conflict)
}

/// A closed round says so; a name taken is the name field's problem.
fn participant_conflict(e: StoreError) -> Error {
    match e {
        StoreError::Conflict(m) if m.contains("gesloten") => Error::Conflict(m),
        StoreError::Conflict(_) => Error::Invalid(Invalid::one(
            "name",
            "duplicate",
            "deze organisatie doet al mee aan de ronde",
        )),
        other => other.into(),
    }
}

/// Corrects a participating organisation (`name`, `cbsCode`) while the round is open
/// (researchers).
pub async fn update_participant(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
    input: Input,
) -> Result<Participant> {
    let (r, p) = round_participant(ws, who, round_id, participant_id).await?;
    let d = participant_draft(input)?;
    ws.store
        .maturity()
        .update_participant(&r, &p, &d, &who.actor())
        .await
        .map_err(participant_conflict)
}

/// Removes a participating organisation, and everything of it in the round, while the round
/// is open (researchers).
pub async fn remove_participant(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
) -> Result<()> {
    let (r, p) = round_participant(ws, who, round_id, participant_id).await?;
    ws.store
        .maturity()
        .remove_participant(&r, &p, &who.actor())
        .await
        .map_err(store_err)
}

async fn framework_of(ws: &Workspace, r: &Round) -> Result<FrameworkVersion> {
    Ok(ws
        .store
        .maturity()
        .maturity_framework(&r.org_id, &r.framework_id)
        .await?)
}

pub async fn add_item(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    mut input: Input,
) -> Result<Item> {
    let r = round(ws, who, round_id).await?;
    let fw = framework_of(ws, &r).await?;
    let dim = input.text("dimension");
    let kind = input.text("kind");
    let text = input.text("text");
    let d = input.finish(ItemDraft::parse(&fw.framework, &dim, &kind, &text))?;
    ws.store
        .maturity()
        .add_item(&r, &d, &who.actor())
        .await
        .map_err(store_err)
}

/// Corrects a survey item's `text` and `dimension` while the round is open; its kind stays
/// (researchers).
pub async fn update_item(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    item_id: &str,
    mut input: Input,
) -> Result<Item> {
    let (r, item) = round_item(ws, who, round_id, item_id).await?;
    let fw = framework_of(ws, &r).await?;
    let dim = input.text("dimension");
    let text = input.text("text");
    let d = input.finish(ItemDraft::parse(
        &fw.framework,
        &dim,
        item.kind.as_str(),
        &text,
    ))?;
    ws.store
        .maturity()
        .update_item(&r, &item, &d, &who.actor())
        .await
        .map_err(store_err)
}

/// Removes a survey item, with the answers to it, while the round is open (researchers).
pub async fn remove_item(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    item_id: &str,
) -> Result<()> {
    let (r, item) = round_item(ws, who, round_id, item_id).await?;
    ws.store
        .maturity()
        .remove_item(&r, &item, &who.actor())
        .await
        .map_err(store_err)
}

/// The round's invitations and whether each was used.
pub async fn invitations(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
) -> Result<Vec<Invitation>> {
    let r = round(ws, who, round_id).await?;
    Ok(ws.store.maturity().invitations(&r).await?)
}

/// A personal survey link, given out once.
#[derive(Debug, Clone)]
pub struct IssuedLink {
    pub invitation_id: String,
    pub organisation: String,
    pub cbs_code: Option<String>,
    pub label: String,
    /// The single-use link; koers keeps only a hash of its token.
    pub url: String,
}

/// Links just issued and how they reach respondents: a link whose label is an e-mail
/// address is mailed to it when the deployment has SMTP; the others (or all, without SMTP)
/// are for the researcher to hand out, shown once or downloaded as CSV.
#[derive(Debug, Clone)]
pub struct Handout {
    pub links: Vec<IssuedLink>,
    /// How many links were mailed.
    pub mailed: usize,
    /// The links left to hand out (not mailed).
    pub unsent: Vec<IssuedLink>,
}

impl Handout {
    /// The links left to hand out as CSV; `None` when every link was mailed.
    pub fn csv(&self) -> Option<String> {
        (!self.unsent.is_empty()).then(|| {
            let mut out = String::from("organisatie,cbs_code,label,link\n");
            for l in &self.unsent {
                out.push_str(&format!(
                    "{},{},{},{}\n",
                    spreadsheet_cell(&l.organisation),
                    spreadsheet_cell(l.cbs_code.as_deref().unwrap_or("")),
                    spreadsheet_cell(&l.label),
                    spreadsheet_cell(&l.url)
                ));
            }
            out
        })
    }
}

fn survey_url(base: &str, token: &str) -> String {
    format!("{}/enquete/{token}", base.trim_end_matches('/'))
}

/// Invites respondents of one participating organisation and mails what it can: `count`
/// new links (1–200), each with an optional label (a role such as "gedeputeerde"; never a
/// name is needed), or one personal link per address in `emails`. `base` is the address
/// the links point to.
pub async fn invite(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    base: &str,
    mut input: Input,
) -> Result<Handout> {
    let r = round(ws, who, round_id).await?;
    let pid = input.text("participantId");
    let count = input.text("count");
    let label = input.text("label");
    let emails = input.text("emails");
    let parsed = {
        let mut c = Collector::default();
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
    let p = ws
        .store
        .maturity()
        .round_participant(&r, pid.trim())
        .await
        .map_err(|_| Error::Invalid(unknown_participant()))?;
    let tokens: Vec<String> = labels.iter().map(|_| new_token()).collect();
    let digests: Vec<(String, String)> = tokens
        .iter()
        .zip(&labels)
        .map(|(t, l)| (token_digest(t), l.clone()))
        .collect();
    let invs = ws
        .store
        .maturity()
        .add_invitations(&r, &p, &digests, &who.actor())
        .await
        .map_err(store_err)?;
    let links: Vec<IssuedLink> = invs
        .into_iter()
        .zip(tokens)
        .map(|(i, tok)| IssuedLink {
            invitation_id: i.id,
            organisation: p.name.clone(),
            cbs_code: p.cbs_code.clone(),
            label: i.label,
            url: survey_url(base, &tok),
        })
        .collect();
    Ok(deliver(ws, &r.name, links).await)
}

/// Reminders: every unanswered invitation of the round gets a new link (the old one stops
/// working, since koers cannot recover a token from its hash). With `mail`, the new links
/// are delivered as [`invite`] does; without, they are only returned.
pub async fn remind(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    base: &str,
    mail: bool,
) -> Result<Handout> {
    let r = round(ws, who, round_id).await?;
    let participants = ws.store.maturity().round_participants(&r).await?;
    let open: Vec<Invitation> = ws
        .store
        .maturity()
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
    ws.store
        .maturity()
        .reissue_invitations(&r, &digests, &who.actor())
        .await
        .map_err(store_err)?;
    let links: Vec<IssuedLink> = open
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
        .collect();
    if mail {
        Ok(deliver(ws, &r.name, links).await)
    } else {
        Ok(Handout {
            unsent: links.clone(),
            links,
            mailed: 0,
        })
    }
}

/// Mails the links whose label is an e-mail address (when the deployment has SMTP) and
/// puts the rest into a CSV.
async fn deliver(ws: &Workspace, round_name: &str, links: Vec<IssuedLink>) -> Handout {
    let mut mailed = 0;
    let mut rest = Vec::new();
    for l in &links {
        let personal = koers_core::user::Email::parse(&l.label).is_ok();
        let sent = match ws.mailer() {
            Some(m) if personal => {
                let body = format!(
                    "Goedendag,\n\n{} doet mee aan het onderzoek ‘{round_name}’ naar digitale volwassenheid. Wilt u de vragenlijst invullen? Uw persoonlijke link (één keer te gebruiken):\n\n{}\n\nUw antwoorden worden alleen samengevoegd getoond, en niet zolang te weinig mensen uit uw organisatie hebben geantwoord.\n",
                    l.organisation, l.url
                );
                m.invite((&l.label, &l.label), round_name, &body).await
            }
            _ => false,
        };
        if sent {
            mailed += 1;
        } else {
            rest.push(l);
        }
    }
    let unsent = rest.into_iter().cloned().collect();
    Handout {
        links,
        mailed,
        unsent,
    }
}

/// The survey behind a personal link, for whoever holds it.
pub struct Survey {
    pub target: InvitationTarget,
    pub framework: FrameworkVersion,
    pub items: Vec<Item>,
}

/// The survey behind a token, for the public form: an unknown token is not found, a used
/// one is a conflict `used`, a closed round a conflict `closed`; nothing changes either way.
pub async fn survey(ws: &Workspace, token: &str) -> Result<Survey> {
    let target = ws
        .store
        .maturity()
        .invitation_target(&token_digest(token))
        .await?;
    if target.invitation.used_at.is_some() {
        return Err(Error::Conflict("used".into()));
    }
    if !target.round.is_open() {
        return Err(Error::Conflict("closed".into()));
    }
    let framework = framework_of(ws, &target.round).await?;
    let items = ws.store.maturity().items(&target.round).await?;
    Ok(Survey {
        target,
        framework,
        items,
    })
}

/// Records the answers given through a token link (fields `item_<id>`, and `group`: the
/// respondent's group, empty when they prefer not to say), once.
pub async fn answer(ws: &Workspace, token: &str, mut input: Input) -> Result<()> {
    let s = survey(ws, token).await?;
    let kinds: Vec<(String, ItemKind)> = s.items.iter().map(|i| (i.id.clone(), i.kind)).collect();
    let raw: Vec<(String, String)> = s
        .items
        .iter()
        .map(|i| (i.id.clone(), input.text(&format!("item_{}", i.id))))
        .collect();
    let group = input.text("group");
    let (answers, group) = input.finish(Invalid::both(
        Answers::parse(&kinds, &raw),
        RespondentGroup::parse(&group),
    ))?;
    ws.store
        .maturity()
        .submit_response(&token_digest(token), &answers, group)
        .await
        .map_err(|e| match e {
            StoreError::Conflict(_) => Error::Conflict("used".into()),
            other => other.into(),
        })
}

/// An uploaded file: its name as sent and its bytes.
pub struct Upload {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// Uploads a document of a participating organisation: recognised by content, its text
/// extracted, the file kept under its content hash.
pub async fn add_document(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
    title: &str,
    upload: Option<Upload>,
) -> Result<Source> {
    let r = round(ws, who, round_id).await?;
    let mut c = Collector::default();
    let title = c.take(koers_core::error::text("title", title, 200));
    let doc = match &upload {
        Some(u) => {
            c.take(detect(&u.name, &u.bytes).and_then(|k| extract(k, &u.bytes).map(|t| (k, t))))
        }
        None => {
            c.take::<()>(Err(Invalid::one("file", "required", "kies een bestand")));
            None
        }
    };
    let p = c.take(
        ws.store
            .maturity()
            .round_participant(&r, participant_id.trim())
            .await
            .map_err(|_| unknown_participant()),
    );
    c.finish()?;
    let (Some(title), Some((kind, text)), Some(p), Some(upload)) = (title, doc, p, upload) else {
        return Err(Error::Rejected("onvolledig formulier".into()));
    };
    if !r.is_open() {
        return Err(Error::Conflict("de ronde is gesloten".into()));
    }
    let stored = store_file(ws.data_dir(), &upload.bytes, kind)
        .map_err(|e| Error::Internal(e.to_string()))?;
    let shown_name: String = std::path::Path::new(&upload.name)
        .file_name()
        .map(|n| n.to_string_lossy().chars().take(200).collect())
        .unwrap_or_default();
    ws.store
        .maturity()
        .add_source(
            &r,
            &SourceDraft {
                participant_id: &p.id,
                kind: "document",
                title: &title,
                file: Some((
                    &shown_name,
                    &stored,
                    kind.media_type(),
                    upload.bytes.len() as i64,
                )),
                text: &text,
                interviewee_role: None,
            },
            &who.actor(),
        )
        .await
        .map_err(store_err)
}

/// Adds interview notes, coded the same way as documents.
pub async fn add_interview(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    mut input: Input,
) -> Result<Source> {
    let r = round(ws, who, round_id).await?;
    let pid = input.text("participantId");
    let title = input.text("title");
    let notes = input.text("notes");
    let role = input.text("intervieweeRole");
    let mut c = Collector::default();
    let title = c.take(koers_core::error::text("title", &title, 200));
    let role = c.take(IntervieweeRole::parse(&role)).flatten();
    let notes = notes.trim().to_string();
    if notes.is_empty() || notes.chars().count() > 200_000 {
        c.take::<()>(Err(Invalid::one(
            "notes",
            "required",
            "geef de aantekeningen (hoogstens 200.000 tekens)",
        )));
    }
    let p = c.take(
        ws.store
            .maturity()
            .round_participant(&r, pid.trim())
            .await
            .map_err(|_| unknown_participant()),
    );
    input.finish(c.finish())?;
    let (Some(title), Some(p)) = (title, p) else {
        return Err(Error::Rejected("onvolledig formulier".into()));
    };
    ws.store
        .maturity()
        .add_source(
            &r,
            &SourceDraft {
                participant_id: &p.id,
                kind: "interview",
                title: &title,
                file: None,
                text: &notes,
                interviewee_role: role.map(IntervieweeRole::as_str),
            },
            &who.actor(),
        )
        .await
        .map_err(store_err)
}

async fn source(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    id: &str,
) -> Result<(Round, Source)> {
    let r = round(ws, who, round_id).await?;
    let s = ws.store.maturity().source(&r, id).await?;
    Ok((r, s))
}

/// A document or interview to code: its round and framework, its organisation and the
/// passages coded in it so far.
pub struct Coding {
    pub round: Round,
    pub source: Source,
    pub framework: FrameworkVersion,
    pub participant: Participant,
    pub codes: Vec<Code>,
}

pub async fn coding(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    source_id: &str,
) -> Result<Coding> {
    let (r, s) = source(ws, who, round_id, source_id).await?;
    let framework = framework_of(ws, &r).await?;
    let codes = ws
        .store
        .maturity()
        .codes(&r)
        .await?
        .into_iter()
        .filter(|c| c.source_id == s.id)
        .collect();
    let participant = ws
        .store
        .maturity()
        .round_participant(&r, &s.participant_id)
        .await?;
    Ok(Coding {
        round: r,
        source: s,
        framework,
        participant,
        codes,
    })
}

/// Codes a passage of a document or interview to a dimension and level; the passage must
/// occur in the text.
pub async fn code(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    source_id: &str,
    mut input: Input,
) -> Result<Source> {
    let (r, s) = source(ws, who, round_id, source_id).await?;
    let fw = framework_of(ws, &r).await?;
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
        return Err(Error::Invalid(Invalid::one(
            "passage",
            "not_in_source",
            "de passage komt niet letterlijk voor in de tekst",
        )));
    }
    ws.store
        .maturity()
        .add_code(&r, &s, &d, &who.actor())
        .await
        .map_err(store_err)?;
    Ok(s)
}

/// Removes a coded passage of a source (researchers, while the round is open).
pub async fn uncode(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    source_id: &str,
    code_id: &str,
) -> Result<()> {
    let (r, s) = source(ws, who, round_id, source_id).await?;
    ws.store
        .maturity()
        .remove_code(&r, &s, code_id, &who.actor())
        .await
        .map_err(store_err)
}

/// One survey item's figure for one organisation (none below the threshold).
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ItemResult {
    pub item_id: String,
    pub text: String,
    pub aggregate: Option<Aggregate>,
}

/// One organisation on one dimension: the score, its parts and the evidence behind them.
#[derive(Debug, Clone, Serialize)]
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
    pub codes: Vec<Code>,
    /// The descriptor of the level reached (the finding) and of the next (the recommendation).
    pub finding: Option<String>,
    pub next_step: Option<String>,
    /// What the researcher recommends beside it, if they wrote something.
    pub recommendation: Option<String>,
}

/// One participating organisation's results.
#[derive(Debug, Clone, Serialize)]
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
    /// The survey per respondent group: only groups that pass the threshold (and do not
    /// give a hidden one away), see [`shown_groups`].
    pub groups: Vec<GroupResult>,
}

/// The survey part of one respondent group of an organisation.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupResult {
    pub group: RespondentGroup,
    pub respondents: i64,
    /// Per dimension in the framework's order, the group's survey figure (1–5); `None`
    /// where fewer than the minimum of the group answered the dimension's statements.
    pub dimensions: Vec<Option<f64>>,
}

impl ParticipantResult {
    /// The mean of the organisation's dimension scores (dimensions without one left out).
    pub fn overall(&self) -> Option<f64> {
        mean(self.dimensions.iter().filter_map(|d| d.score.score))
    }
}

fn mean(values: impl Iterator<Item = f64>) -> Option<f64> {
    let s: Vec<f64> = values.collect();
    (!s.is_empty()).then(|| s.iter().sum::<f64>() / s.len() as f64)
}

/// Everything about a round's results, with the anonymity threshold applied.
#[derive(Debug, Clone, Serialize)]
pub struct RoundResults {
    pub round: Round,
    pub framework: FrameworkVersion,
    pub participants: Vec<ParticipantResult>,
}

/// One row of the benchmark.
#[derive(Debug, Clone)]
pub struct BenchmarkRow {
    /// The organisation's name, or an anonymous label ("Provincie A").
    pub label: String,
    /// The CBS code, only when named.
    pub cbs_code: Option<String>,
    pub scores: Vec<Option<f64>>,
    pub overall: Option<f64>,
}

/// How the benchmark names organisations.
pub enum Naming<'a> {
    /// By name, with their CBS code.
    Named,
    /// By a label: `province` and a letter when every organisation is a province (its CBS
    /// code starts with `PV`), else `organisation` and a letter.
    Anonymous {
        province: &'a str,
        organisation: &'a str,
    },
}

impl RoundResults {
    /// The mean of the organisations' scores per dimension (organisations without one left out).
    pub fn averages(&self) -> Vec<Option<f64>> {
        (0..self.framework.framework.dimensions.len())
            .map(|i| {
                mean(
                    self.participants
                        .iter()
                        .filter_map(|p| p.dimensions.get(i).and_then(|d| d.score.score)),
                )
            })
            .collect()
    }

    /// One participating organisation's results.
    pub fn participant(&self, id: &str) -> Result<&ParticipantResult> {
        self.participants
            .iter()
            .find(|p| p.id == id)
            .ok_or(Error::NotFound)
    }

    /// The benchmark across the round's organisations: named in name order, or anonymised
    /// with labels whose order follows a keyed hash (not names, not scores).
    pub fn benchmark(&self, naming: Naming) -> Vec<BenchmarkRow> {
        let row = |p: &ParticipantResult, label: String, code: Option<String>| BenchmarkRow {
            label,
            cbs_code: code,
            scores: p.dimensions.iter().map(|d| d.score.score).collect(),
            overall: p.overall(),
        };
        match naming {
            Naming::Anonymous {
                province,
                organisation,
            } => {
                let provinces = !self.participants.is_empty()
                    && self
                        .participants
                        .iter()
                        .all(|p| p.cbs_code.as_deref().is_some_and(|c| c.starts_with("PV")));
                let prefix = if provinces { province } else { organisation };
                let ids: Vec<String> = self.participants.iter().map(|p| p.id.clone()).collect();
                anonymous_labels(&self.round.anon_key, &ids, prefix)
                    .into_iter()
                    .filter_map(|(id, label)| {
                        self.participants
                            .iter()
                            .find(|p| p.id == id)
                            .map(|p| row(p, label, None))
                    })
                    .collect()
            }
            Naming::Named => self
                .participants
                .iter()
                .map(|p| row(p, p.name.clone(), p.cbs_code.clone()))
                .collect(),
        }
    }
}

/// Links round `id` to the earlier round it follows (`previousRoundId`; empty: none), with
/// how its dimensions continue that round's: `dimensionMap` (or `map.<this key>` fields) =
/// the earlier key, or empty for a new dimension; unmapped dimensions continue the one with
/// the same key, and the same round chosen again keeps its map (researchers).
pub async fn link_round(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Round> {
    let r = round(ws, who, id).await?;
    let previous_id = input.text("previousRoundId");
    let given: Vec<(String, String)> =
        match input.structured::<BTreeMap<String, Option<String>>>("dimensionMap") {
            Some(m) => m
                .into_iter()
                .map(|(k, v)| (k, v.unwrap_or_default()))
                .collect(),
            None => input.texts_under("map."),
        };
    // Choosing the same round again keeps how its dimensions were mapped.
    let given = if given.is_empty() && r.previous_round_id.as_deref() == Some(previous_id.trim()) {
        r.dimension_map
            .iter()
            .map(|(k, v)| (k.clone(), v.clone().unwrap_or_default()))
            .collect()
    } else {
        given
    };
    if previous_id.trim().is_empty() {
        input.finish(Ok(()))?;
        return Ok(ws
            .store
            .maturity()
            .link_round(&r, None, &who.actor())
            .await?);
    }
    let previous = match ws
        .store
        .maturity()
        .round(&who.org.id, previous_id.trim())
        .await
    {
        Ok(p) => p,
        Err(StoreError::NotFound) => {
            return Err(Error::Invalid(Invalid::one(
                "previousRoundId",
                "unknown",
                "onbekende ronde",
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let newer = framework_of(ws, &r).await?;
    let older = framework_of(ws, &previous).await?;
    let map = input.finish(
        trend::check_previous(r.year, previous.year)
            .and_then(|()| trend::link(&newer.framework, &older.framework, &given)),
    )?;
    Ok(ws
        .store
        .maturity()
        .link_round(&r, Some((&previous, &map)), &who.actor())
        .await?)
}

/// What the page that links a round to its previous one shows.
#[derive(Debug, Clone)]
pub struct LinkView {
    pub round: Round,
    pub framework: FrameworkVersion,
    /// The rounds of earlier years it may follow, newest first.
    pub candidates: Vec<Round>,
    /// The round it follows now, with that round's framework.
    pub previous: Option<(Round, FrameworkVersion)>,
    pub participants: Vec<Participant>,
}

/// A round with what linking it to an earlier one needs (researchers).
pub async fn link_view(ws: &Workspace, who: &Principal, id: &str) -> Result<LinkView> {
    let r = round(ws, who, id).await?;
    let framework = framework_of(ws, &r).await?;
    let candidates: Vec<Round> = ws
        .store
        .maturity()
        .rounds(&who.org.id)
        .await?
        .into_iter()
        .filter(|c| c.year < r.year)
        .collect();
    let previous = match candidates
        .iter()
        .find(|c| Some(&c.id) == r.previous_round_id.as_ref())
    {
        Some(p) => Some((p.clone(), framework_of(ws, p).await?)),
        None => None,
    };
    Ok(LinkView {
        participants: ws.store.maturity().round_participants(&r).await?,
        round: r,
        framework,
        candidates,
        previous,
    })
}

/// One organisation over the years: its scores and the benchmark per dimension of the
/// newest round's framework, along the chain of rounds that ends at the newest.
#[derive(Debug, Clone)]
pub struct Trend {
    /// The rounds of the chain in which the organisation took part, oldest first.
    pub rounds: Vec<Round>,
    pub participant: Participant,
    pub lines: Vec<trend::TrendLine>,
}

/// The trend of participant `participant_id` of round `round_id`: the rounds before it are
/// found by following each round's previous round, the organisation in each by its CBS code
/// or name; each round's figures are its own, under its own anonymity threshold
/// (researchers).
pub async fn trend(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
) -> Result<Trend> {
    let newest = round(ws, who, round_id).await?;
    let mut chain = vec![newest.clone()];
    while let Some(prev) = chain.last().and_then(|r| r.previous_round_id.clone()) {
        if chain.len() >= trend::MAX_ROUNDS || chain.iter().any(|r| r.id == prev) {
            break;
        }
        chain.push(ws.store.maturity().round(&who.org.id, &prev).await?);
    }
    chain.reverse();
    let mut points = Vec::new();
    let mut rounds = Vec::new();
    let newest_results = results_of(ws, newest.clone()).await?;
    let me = newest_results.participant(participant_id)?.clone();
    for r in chain {
        let earlier;
        let res = if r.id == newest.id {
            &newest_results
        } else {
            earlier = results_of(ws, r.clone()).await?;
            &earlier
        };
        // A round the organisation skipped keeps its place (and its benchmark), so that the
        // maps of later rounds still lead back through it.
        let mine = res.participants.iter().find(|p| {
            trend::same_organisation(
                (&p.name, p.cbs_code.as_deref()),
                (&me.name, me.cbs_code.as_deref()),
            )
        });
        let keys = res
            .framework
            .framework
            .dimensions
            .iter()
            .map(|d| d.key.clone());
        points.push(trend::RoundPoint {
            label: r.year.to_string(),
            scores: mine
                .map(|p| {
                    p.dimensions
                        .iter()
                        .map(|d| (d.key.clone(), d.score.score))
                        .collect()
                })
                .unwrap_or_default(),
            benchmark: keys.zip(res.averages()).collect(),
            to_previous: r.dimension_map.clone(),
        });
        rounds.push(r);
    }
    let lines = trend::trend(&newest_results.framework.framework, &points);
    Ok(Trend {
        rounds,
        participant: Participant {
            id: me.id,
            name: me.name,
            cbs_code: me.cbs_code,
            member_org_id: None,
        },
        lines,
    })
}

/// Adds every member organisation of the umbrella body that does not take part yet to a
/// round of it (researchers of an umbrella body); each participant then stands for its
/// organisation, which reads its own report once the round is final. How many were added.
pub async fn add_member_participants(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
) -> Result<usize> {
    let r = round(ws, who, round_id).await?;
    let members = ws
        .store
        .organisations()
        .member_organisations(&who.org.id)
        .await?;
    if members.is_empty() {
        return Err(Error::Conflict(
            "Deze organisatie heeft geen lidorganisaties: alleen een koepelorganisatie met leden kan ze in één keer laten deelnemen.".into(),
        ));
    }
    Ok(ws
        .store
        .maturity()
        .add_member_participants(&r, &members, &who.actor())
        .await?)
}

/// A member organisation's own report in an umbrella body's final round.
#[derive(Debug, Clone)]
pub struct MemberReport {
    /// The umbrella body that ran the round.
    pub umbrella: koers_store::Organisation,
    pub round: Round,
    pub participant: Participant,
}

/// The final reports about `who`'s organisation in the rounds of umbrella bodies it is a
/// member of (every member reads them).
pub async fn member_reports(ws: &Workspace, who: &Principal) -> Result<Vec<MemberReport>> {
    who.require(Permission::Read)?;
    let mut out = Vec::new();
    for (round, participant) in ws.store.maturity().member_reports(&who.org.id).await? {
        out.push(MemberReport {
            umbrella: ws.store.organisations().organisation(&round.org_id).await?,
            round,
            participant,
        });
    }
    Ok(out)
}

/// One of those reports with the round's results (the threshold applied as everywhere): the
/// participant must stand for `who`'s organisation and the round must be final; anything
/// else is not found.
pub async fn member_report(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
) -> Result<(MemberReport, RoundResults)> {
    let report = member_reports(ws, who)
        .await?
        .into_iter()
        .find(|m| m.participant.id == participant_id)
        .ok_or(Error::NotFound)?;
    let results = results_of(ws, report.round.clone()).await?;
    Ok((report, results))
}

/// A participating organisation's fields: `name` and `cbsCode`.
fn participant_draft(mut input: Input) -> Result<ParticipantDraft> {
    let name = input.text("name");
    let code = input.text("cbsCode");
    input.finish(ParticipantDraft::parse(&name, &code))
}

/// A survey item of round `round_id` (researchers).
async fn round_item(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    item_id: &str,
) -> Result<(Round, Item)> {
    let r = round(ws, who, round_id).await?;
    let item = ws.store.maturity().item(&r, item_id).await?;
    Ok((r, item))
}

/// A participating organisation of round `round_id` (researchers).
async fn round_participant(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
) -> Result<(Round, Participant)> {
    let r = round(ws, who, round_id).await?;
    let p = ws
        .store
        .maturity()
        .round_participant(&r, participant_id)
        .await?;
    Ok((r, p))
}

/// Writes the researcher's own recommendation (`text`; empty removes it) to an organisation
/// on dimension `key` of the round's framework, beside the generated one, while the round is
/// open (researchers).
pub async fn recommend(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
    key: &str,
    mut input: Input,
) -> Result<()> {
    let (r, p) = round_participant(ws, who, round_id, participant_id).await?;
    if framework_of(ws, &r)
        .await?
        .framework
        .dimension(key)
        .is_none()
    {
        return Err(Error::NotFound);
    }
    let text = input.text("text");
    let text = input.finish(if text.trim().is_empty() {
        Ok(None)
    } else {
        koers_core::error::long_text("text", &text, 2000).map(Some)
    })?;
    ws.store
        .maturity()
        .set_recommendation(&r, &p, key, text.as_deref(), &who.actor())
        .await
        .map_err(store_err)
}

/// What the organisation's contact said about their report (researchers).
pub async fn report_comments(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
) -> Result<Vec<koers_store::questions::Comment>> {
    let (_, p) = round_participant(ws, who, round_id, participant_id).await?;
    Ok(ws.store.maturity().report_comments(&p.id).await?)
}

/// The guests invited to a participant's report: its contact(s) (researchers).
pub async fn report_guests(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
) -> Result<Vec<crate::guests::GuestGrant>> {
    let (_, p) = round_participant(ws, who, round_id, participant_id).await?;
    crate::guests::guests_of(ws, who, (GuestObject::MaturityReport, &p.id)).await
}

/// Invites the organisation's contact to read their report and comment on it before the
/// round is final (see [`crate::guests::invite`]; researchers).
pub async fn invite_contact(
    ws: &Workspace,
    who: &Principal,
    round_id: &str,
    participant_id: &str,
    input: Input,
    base: &str,
) -> Result<crate::guests::Invited> {
    let (_, p) = round_participant(ws, who, round_id, participant_id).await?;
    crate::guests::invite(ws, who, (GuestObject::MaturityReport, &p.id), input, base).await
}

/// Computes a round's results (researchers).
pub async fn results(ws: &Workspace, who: &Principal, round_id: &str) -> Result<RoundResults> {
    let r = round(ws, who, round_id).await?;
    results_of(ws, r).await
}

/// The only place where survey answers become figures: below the round's minimum number of
/// respondents no figure (mean, distribution, count, comment) leaves this function.
pub(crate) async fn results_of(ws: &Workspace, r: Round) -> Result<RoundResults> {
    let fw = framework_of(ws, &r).await?;
    let items = ws.store.maturity().items(&r).await?;
    let likert = ws.store.maturity().likert_answers(&r).await?;
    let open = ws.store.maturity().open_answers(&r).await?;
    let codes = ws.store.maturity().codes(&r).await?;
    let invitations = ws.store.maturity().invitations(&r).await?;
    let group_counts = ws.store.maturity().group_counts(&r).await?;
    let recommendations = ws.store.maturity().recommendations(&r).await?;
    let min = r.min_respondents;
    // The Likert items of each dimension, in the framework's order.
    let dim_items: Vec<Vec<&Item>> = fw
        .framework
        .dimensions
        .iter()
        .map(|d| {
            items
                .iter()
                .filter(|i| {
                    i.kind == ItemKind::Likert && i.dimension_key.as_deref() == Some(&d.key)
                })
                .collect()
        })
        .collect();
    // An organisation's answers (respondent, value) to a dimension's statements: of every
    // respondent (`None`), or of one group's.
    let answers_to =
        |pid: &str, dim: usize, group: Option<RespondentGroup>| -> Vec<(String, i64)> {
            likert
                .iter()
                .filter(|a| {
                    a.participant_id == pid
                        && group.is_none_or(|g| a.group == Some(g))
                        && dim_items[dim].iter().any(|i| i.id == a.item_id)
                })
                .map(|a| (a.response_id.clone(), a.value))
                .collect()
        };
    let participants = ws
        .store
        .maturity()
        .round_participants(&r)
        .await?
        .into_iter()
        .map(|p| {
            // Responses per respondent group (`None`: did not say); together, all of them.
            let by_group: Vec<(Option<RespondentGroup>, i64)> = group_counts
                .iter()
                .filter(|(id, _, _)| *id == p.id)
                .map(|(_, g, n)| (*g, *n))
                .collect();
            let responded: i64 = by_group.iter().map(|(_, n)| n).sum();
            let dimensions = fw
                .framework
                .dimensions
                .iter()
                .enumerate()
                .map(|(k, d)| {
                    let survey = survey_component(&answers_to(&p.id, k, None), min);
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
                        items: dim_items[k]
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
                        recommendation: recommendations
                            .iter()
                            .find(|x| x.participant_id == p.id && x.dimension_key == d.key)
                            .map(|x| x.body.clone()),
                        finding: s.level.and_then(descriptor),
                        next_step: s.level.filter(|l| *l < 5).and_then(|l| descriptor(l + 1)),
                        score: s,
                    }
                })
                .collect();
            let survey_shown = responded >= min;
            let groups = shown_groups(&by_group, min)
                .into_iter()
                .map(|g| GroupResult {
                    group: g,
                    respondents: by_group
                        .iter()
                        .filter(|(x, _)| *x == Some(g))
                        .map(|(_, n)| n)
                        .sum(),
                    dimensions: (0..dim_items.len())
                        .map(|k| {
                            survey_component(&answers_to(&p.id, k, Some(g)), min).map(|(v, _)| v)
                        })
                        .collect(),
                })
                .collect();
            ParticipantResult {
                groups,
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

#[cfg(test)]
mod tests {
    use super::*;

    fn results(codes: &[Option<&str>]) -> RoundResults {
        let participants = codes
            .iter()
            .enumerate()
            .map(|(i, code)| ParticipantResult {
                id: format!("p{i}"),
                name: format!("Organisatie {i}"),
                cbs_code: code.map(str::to_string),
                invited: 0,
                responded: 0,
                survey_shown: false,
                dimensions: Vec::new(),
                comments: Vec::new(),
                groups: Vec::new(),
            })
            .collect();
        RoundResults {
            round: Round {
                id: "r".into(),
                org_id: "o".into(),
                framework_id: "f".into(),
                name: "Ronde".into(),
                year: 2026,
                min_respondents: 5,
                weights: Weights::default(),
                status: "open".into(),
                anon_key: "sleutel".into(),
                generated: false,
                created_at: String::new(),
                closed_at: None,
                previous_round_id: None,
                dimension_map: Default::default(),
            },
            framework: FrameworkVersion {
                id: "f".into(),
                version: 1,
                framework: Framework {
                    name: "Kader".into(),
                    dimensions: Vec::new(),
                },
                created_at: String::new(),
            },
            participants,
        }
    }

    const ANONYMOUS: Naming = Naming::Anonymous {
        province: "Provincie",
        organisation: "Organisatie",
    };

    #[test]
    fn the_benchmark_names_provinces_only_when_every_organisation_is_one() {
        let named = results(&[Some("PV20"), None]).benchmark(Naming::Named);
        assert_eq!(named[0].cbs_code.as_deref(), Some("PV20"));
        assert_eq!(named[1].label, "Organisatie 1");
        let mixed = results(&[Some("PV20"), None]).benchmark(ANONYMOUS);
        assert!(mixed.iter().all(|r| r.label.starts_with("Organisatie ")));
        assert!(mixed.iter().all(|r| r.cbs_code.is_none()));
        let provinces = results(&[Some("PV20"), Some("PV21")]).benchmark(ANONYMOUS);
        assert!(provinces.iter().all(|r| r.label.starts_with("Provincie ")));
    }

    #[test]
    fn the_framework_form_leaves_out_the_empty_rows() {
        let pairs = [
            ("name", "Kader"),
            ("dimensions", "3"),
            ("d1.key", "data"),
            ("d1.name", "Data"),
            ("d1.level1", " Begin "),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        let (fw, rows) = framework_from_form(&mut Input::from_pairs(pairs));
        assert_eq!(fw.name, "Kader");
        assert_eq!(fw.dimensions.len(), 1);
        assert_eq!(fw.dimensions[0].levels[0], "Begin");
        assert_eq!(fw.dimensions[0].levels.len(), 5);
        // The dimension came from the second row: its problems name that row.
        assert_eq!(rows, [1]);
    }
}
