//! Leertrajecten (learning tracks): programmes with modules and live sessions, cohorts with
//! their participants and groups, the attendance and progress register, make-track
//! projects, a participant's standing against the completion rule and their certificate.
//!
//! Who may do what: every member reads the programmes (`Read`); running the track
//! (programmes, cohorts, groups, attendance, progress, projects) needs `CoordinateLearning`
//! (administrators and policy owners). The cohort's personal data (names, addresses,
//! departments) is shown only to coordinators; a participant signed in with the address they
//! were enrolled under sees their own enrolment and gets their own certificate.

mod badge;
mod model;

use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::error::Collector;
use koers_core::guests::GuestObject;
use koers_core::learning::finder::Candidate;
use koers_core::learning::model::{ModelUse, check_model_change, session_applies, target_group};
use koers_core::learning::{
    CLEAR_MARK, CohortDraft, ContentDraft, GroupDraft, ModelText, ModuleDraft, ProgrammeDraft,
    ProjectDraft, SessionDraft, balanced_split, missing_for_certificate, parse_roster,
    session_marks,
};
use koers_core::{Invalid, Permission};
use koers_store::StoreError;
use koers_store::learning::ProjectLinks;
use std::collections::{HashMap, HashSet};

pub use badge::{Badge, badge, issuer_profile};
pub use koers_core::learning::ContentKind;
pub use koers_core::learning::finder::{ParticipantFilter, StandingFilter};
pub use koers_core::learning::model::{Moment, Movement};
pub use koers_core::learning::{Attendance, Missing, Progress, Record};
pub use koers_store::indicators::{Indicator, Monitor};
pub use koers_store::learning::{
    Cohort, Content, ContentFile, Enrolment, Group, LiveSession, Module, Participant, Programme,
    Project, Response,
};
pub use koers_store::questions::Question;
pub use model::{
    ProgrammeMovement, SelfScan, movement, participant_calendar, save_self_assessment,
    self_assessment, send_reminders, set_target_group,
};

fn invalid(name: &str, code: &str, reason: &str) -> Error {
    Error::Invalid(Invalid::one(name, code, reason))
}

/// The organisation's programmes.
pub async fn programmes(ws: &Workspace, who: &Principal) -> Result<Vec<Programme>> {
    who.require(Permission::Read)?;
    Ok(ws.store.learning().programmes(&who.org.id).await?)
}

/// A programme with its modules and live sessions, and its cohorts for coordinators.
pub struct ProgrammeDetail {
    pub programme: Programme,
    pub modules: Vec<Module>,
    pub sessions: Vec<LiveSession>,
    /// Empty for whoever may not coordinate the track.
    pub cohorts: Vec<Cohort>,
}

pub async fn programme(ws: &Workspace, who: &Principal, id: &str) -> Result<ProgrammeDetail> {
    who.require(Permission::Read)?;
    let p = ws.store.learning().programme(&who.org.id, id).await?;
    let cohorts = if who.may(Permission::CoordinateLearning) {
        ws.store.learning().cohorts(&p).await?
    } else {
        Vec::new()
    };
    Ok(ProgrammeDetail {
        modules: ws.store.learning().modules(&p.id).await?,
        sessions: ws.store.learning().sessions(&p.id).await?,
        cohorts,
        programme: p,
    })
}

/// A programme's live sessions as an iCalendar file (everyone who may read): its name and
/// the file's text.
pub async fn programme_calendar(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<(Programme, String)> {
    who.require(Permission::Read)?;
    let p = ws.store.learning().programme(&who.org.id, id).await?;
    let sessions = ws.store.learning().sessions(&p.id).await?;
    let ics = calendar_of(&p, sessions);
    Ok((p, ics))
}

/// Sessions as an iCalendar file named after the programme; a session for one target group
/// says so in its title.
fn calendar_of(p: &Programme, sessions: Vec<LiveSession>) -> String {
    let events: Vec<koers_core::learning::calendar::CalendarEvent> = sessions
        .into_iter()
        .map(|s| koers_core::learning::calendar::CalendarEvent {
            uid: format!("{}@koers", s.id),
            title: if s.target_group.is_empty() {
                s.title
            } else {
                format!("{} ({})", s.title, s.target_group)
            },
            date: s.date,
            start: s.start_time,
            end: s.end_time,
            link: s.link,
        })
        .collect();
    koers_core::learning::calendar::calendar(&p.name, &events, chrono::Utc::now())
}

/// Defines a programme; five modules are made along the model's dimensions.
pub async fn create_programme(ws: &Workspace, who: &Principal, input: Input) -> Result<Programme> {
    who.require(Permission::CoordinateLearning)?;
    let d = programme_draft(input)?;
    Ok(ws
        .store
        .learning()
        .create_programme(&who.org.id, &d, &d.default_modules(), &who.actor())
        .await?)
}

/// A programme's fields: `name`, `description`, its leadership model as `dimensions` and
/// `levels` and its `targetGroups` (each a list, or lines of one text), the attendance rule
/// `minAttendance` and `requiresProject`.
fn programme_draft(mut input: Input) -> Result<ProgrammeDraft> {
    let name = input.text("name");
    let description = input.text("description");
    let dimensions = input.texts("dimensions").join("\n");
    let levels = input.texts("levels").join("\n");
    let target_groups = input.texts("targetGroups").join("\n");
    let min = input.whole("minAttendance");
    let requires_project = input.flag("requiresProject");
    let model = ModelText {
        dimensions: &dimensions,
        levels: &levels,
        target_groups: &target_groups,
    };
    input.finish(ProgrammeDraft::parse(
        &name,
        &description,
        model,
        &min,
        requires_project,
    ))
}

/// Changes a programme (coordinators): the fields of [`create_programme`]; `dimensions`,
/// `levels` or `targetGroups` left out keep theirs. The change must keep what is in use
/// ([`check_model_change`]): a module's dimension, a target group with participants or
/// sessions, and once anyone assessed themselves, the number of levels.
pub async fn update_programme(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Programme> {
    let p = coordinated_programme(ws, who, id).await?;
    for (field, kept) in [
        ("dimensions", &p.dimensions),
        ("levels", &p.levels),
        ("targetGroups", &p.target_groups),
    ] {
        if !input.fields().contains_key(field) {
            input.set(field, kept.join("\n"));
        }
    }
    let d = programme_draft(input)?;
    let modules = ws.store.learning().modules(&p.id).await?;
    let (groups, assessed) = ws.store.learning().model_in_use(&p.id).await?;
    let used = ModelUse {
        modules: modules
            .iter()
            .map(|m| (m.title.as_str(), m.dimension.as_str()))
            .collect(),
        target_groups: groups.iter().map(String::as_str).collect(),
        assessed,
    };
    let mut c = Collector::default();
    check_model_change(
        &mut c,
        &used,
        p.levels.len(),
        &d.dimensions,
        &d.levels,
        &d.target_groups,
    );
    c.finish()?;
    Ok(ws
        .store
        .learning()
        .update_programme(&p, &d, &who.actor())
        .await?)
}

/// Removes a programme with everything in it (coordinators): see
/// [`koers_store::learning::Repo::remove_programme`].
pub async fn remove_programme(ws: &Workspace, who: &Principal, id: &str) -> Result<Programme> {
    let p = coordinated_programme(ws, who, id).await?;
    ws.store
        .learning()
        .remove_programme(&p, &who.actor())
        .await?;
    Ok(p)
}

pub async fn add_module(
    ws: &Workspace,
    who: &Principal,
    programme_id: &str,
    input: Input,
) -> Result<Module> {
    let p = coordinated_programme(ws, who, programme_id).await?;
    let d = module_draft(&p, input)?;
    Ok(ws.store.learning().add_module(&p, &d, &who.actor()).await?)
}

/// A module's fields: `title`, `description` and `dimension` (one of the programme's).
fn module_draft(p: &Programme, mut input: Input) -> Result<ModuleDraft> {
    let title = input.text("title");
    let description = input.text("description");
    let dimension = input.text("dimension");
    input.finish(ModuleDraft::parse(
        &title,
        &description,
        &dimension,
        &p.dimensions,
    ))
}

/// A session's fields: `title`, `date`, `startTime`, `endTime`, `link` and `afterModule`.
async fn session_draft(ws: &Workspace, p: &Programme, mut input: Input) -> Result<SessionDraft> {
    let modules = ws.store.learning().modules(&p.id).await?.len() as u32;
    let title = input.text("title");
    let date = input.text("date");
    let start = input.text("startTime");
    let end = input.text("endTime");
    let link = input.text("link");
    let after = input.text("afterModule");
    let group = input.text("targetGroup");
    let (d, target_group) = input.finish(Invalid::both(
        SessionDraft::parse(&title, &date, &start, &end, &link, &after, modules),
        target_group("targetGroup", &group, &p.target_groups),
    ))?;
    Ok(SessionDraft { target_group, ..d })
}

/// A module the coordinator may change, with its programme.
async fn coordinated_module(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<(Programme, Module)> {
    let m = module_to_fill(ws, who, id).await?;
    Ok((coordinated_programme(ws, who, &m.programme_id).await?, m))
}

/// Changes a module's title, description and dimension (coordinators).
pub async fn update_module(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    input: Input,
) -> Result<Module> {
    let (p, m) = coordinated_module(ws, who, id).await?;
    let d = module_draft(&p, input)?;
    Ok(ws
        .store
        .learning()
        .update_module(&who.org.id, &m, &d, &who.actor())
        .await?)
}

/// Removes a module with its content and the progress on it (coordinators); the modules and
/// sessions after it move up.
pub async fn remove_module(ws: &Workspace, who: &Principal, id: &str) -> Result<Programme> {
    let (p, m) = coordinated_module(ws, who, id).await?;
    ws.store
        .learning()
        .remove_module(&who.org.id, &m, &who.actor())
        .await?;
    Ok(p)
}

/// A live session the coordinator may change, with its programme.
pub async fn coordinated_session(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<(Programme, LiveSession)> {
    who.require(Permission::CoordinateLearning)?;
    let x = ws.store.learning().session(&who.org.id, id).await?;
    Ok((coordinated_programme(ws, who, &x.programme_id).await?, x))
}

/// Changes a live session (coordinators).
pub async fn update_session(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    input: Input,
) -> Result<LiveSession> {
    let (p, x) = coordinated_session(ws, who, id).await?;
    let d = session_draft(ws, &p, input).await?;
    Ok(ws
        .store
        .learning()
        .update_session(&who.org.id, &x, &d, &who.actor())
        .await?)
}

/// Removes a live session and its attendance (coordinators).
pub async fn remove_session(ws: &Workspace, who: &Principal, id: &str) -> Result<Programme> {
    let (p, x) = coordinated_session(ws, who, id).await?;
    ws.store
        .learning()
        .remove_session(&who.org.id, &x, &who.actor())
        .await?;
    Ok(p)
}

/// A module with its content, for the coordinator who fills it.
pub struct ModuleContent {
    pub programme: Programme,
    pub module: Module,
    pub contents: Vec<Content>,
    /// Everyone's answers to its reflections and quizzes.
    pub responses: Vec<Response>,
}

/// A module of one of the organisation's programmes and its content (coordinators).
pub async fn module_content(
    ws: &Workspace,
    who: &Principal,
    module_id: &str,
) -> Result<ModuleContent> {
    let (programme, module) = coordinated_module(ws, who, module_id).await?;
    Ok(ModuleContent {
        programme,
        contents: ws.store.learning().contents(&module.id).await?,
        responses: ws.store.learning().responses_in(&module.id).await?,
        module,
    })
}

/// Adds a page, link, video or assignment to a module (coordinators): `kind`, `title`,
/// `body` (Markdown) and `url`.
pub async fn add_content(
    ws: &Workspace,
    who: &Principal,
    module_id: &str,
    mut input: Input,
) -> Result<Content> {
    let module = module_to_fill(ws, who, module_id).await?;
    let (kind, title, body, url) = (
        input.text("kind"),
        input.text("title"),
        input.text("body"),
        input.text("url"),
    );
    let d = input.finish(ContentDraft::parse(&kind, &title, &body, &url))?;
    if d.kind == ContentKind::File {
        return Err(invalid(
            "kind",
            "upload",
            "een bestand voegt u toe met het formulier voor bestanden",
        ));
    }
    Ok(ws
        .store
        .learning()
        .add_content(&who.org.id, &module, (&d, None), &who.actor())
        .await?)
}

/// Whether `who` may add a file to module `module_id`, asked before a file is received (so
/// an unknown module is not found, and a viewer refused, whatever is sent).
pub async fn may_add_file(ws: &Workspace, who: &Principal, module_id: &str) -> Result<()> {
    coordinated_module(ws, who, module_id).await.map(|_| ())
}

/// Adds a file (`title`, and the received file checked as an attachment, at most
/// `max_bytes`) after the module's last piece (coordinators).
pub async fn add_file(
    ws: &Workspace,
    who: &Principal,
    module_id: &str,
    title: &str,
    upload: Option<crate::questions::Upload>,
    max_bytes: u64,
) -> Result<Content> {
    let module = module_to_fill(ws, who, module_id).await?;
    let d = match ContentDraft::parse("file", title, "", "") {
        Ok(d) => d,
        Err(e) => {
            if let Some(u) = upload {
                let _ = tokio::fs::remove_file(&u.path).await;
            }
            return Err(e.into());
        }
    };
    let kept = crate::questions::keep_upload(ws, &who.org.id, upload, max_bytes).await?;
    let file = koers_store::learning::ContentFile {
        file_name: kept.file_name,
        content_type: kept.content_type,
        size_bytes: kept.size_bytes,
        stored_as: kept.sha256,
    };
    Ok(ws
        .store
        .learning()
        .add_content(&who.org.id, &module, (&d, Some(&file)), &who.actor())
        .await?)
}

/// A module's file with its bytes, for its coordinators and the participants of its
/// programme.
pub async fn content_file(
    ws: &Workspace,
    who: &Principal,
    module_id: &str,
    content_id: &str,
) -> Result<(koers_store::learning::ContentFile, Vec<u8>)> {
    let module = ws.store.learning().module(&who.org.id, module_id).await?;
    if !who.may(Permission::CoordinateLearning) {
        who.require(Permission::Read)?;
        let mut enrolled = false;
        for p in ws
            .store
            .learning()
            .participants_by_email(&who.org.id, &who.user.email)
            .await?
        {
            let c = ws
                .store
                .learning()
                .cohort(&who.org.id, &p.cohort_id)
                .await?;
            enrolled |= c.programme_id == module.programme_id;
        }
        if !enrolled {
            return Err(Error::Forbidden);
        }
    }
    let file = ws
        .store
        .learning()
        .contents(&module.id)
        .await?
        .into_iter()
        .find(|c| c.id == content_id)
        .and_then(|c| c.file)
        .ok_or(Error::NotFound)?;
    let bytes = crate::questions::kept_bytes(ws, &who.org.id, &file.stored_as).await?;
    Ok((file, bytes))
}

/// Removes a piece of a module's content (coordinators).
pub async fn remove_content(
    ws: &Workspace,
    who: &Principal,
    module_id: &str,
    content_id: &str,
) -> Result<()> {
    let module = module_to_fill(ws, who, module_id).await?;
    Ok(ws
        .store
        .learning()
        .remove_content(&who.org.id, &module, content_id, &who.actor())
        .await?)
}

/// A participant working through one module of their programme: its content and how far
/// they are.
pub struct Study {
    pub standing: Standing,
    pub module: Module,
    pub contents: Vec<Content>,
    pub progress: Progress,
    /// The participant's own answers to the module's reflections and quizzes.
    pub responses: Vec<Response>,
}

/// One module of the participant's programme, for the participant themselves or a
/// coordinator; a module of another programme is not found.
pub async fn study(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    module_id: &str,
) -> Result<Study> {
    let standing = standing(ws, who, participant_id).await?;
    let module = ws.store.learning().module(&who.org.id, module_id).await?;
    if module.programme_id != standing.programme.id {
        return Err(Error::NotFound);
    }
    let progress = ws
        .store
        .learning()
        .progress(&standing.cohort)
        .await?
        .get(&(module.id.clone(), standing.participant.id.clone()))
        .copied()
        .unwrap_or(Progress::NotStarted);
    Ok(Study {
        contents: ws.store.learning().contents(&module.id).await?,
        responses: ws
            .store
            .learning()
            .responses_of(&standing.participant.id, &module.id)
            .await?,
        standing,
        module,
        progress,
    })
}

/// The participant answers a reflection (`answer`) or a quiz (`choices`: the option chosen
/// per question, from 0) of a module of theirs; answering again replaces the answer. Only the
/// participant themselves: the coordinator reads the answers, but gives none.
pub async fn respond(
    ws: &Workspace,
    who: &Principal,
    (participant_id, module_id, content_id): (&str, &str, &str),
    mut input: Input,
) -> Result<Study> {
    let mut s = study(ws, who, participant_id, module_id).await?;
    if s.standing.participant.email != who.user.email {
        return Err(Error::Forbidden);
    }
    let content = s
        .contents
        .iter()
        .find(|c| c.id == content_id)
        .ok_or(Error::NotFound)?;
    let (answer, mark) = match content.kind {
        ContentKind::Reflection => {
            let raw = input.text("answer");
            (
                input.finish(koers_core::learning::quiz::reflection(&raw))?,
                None,
            )
        }
        ContentKind::Quiz => {
            let quiz = koers_core::learning::quiz::Quiz::parse(&content.body)?;
            // A list `choices`, or a form's fields `q1`, `q2`, … (one group of options each).
            let mut choices = input.texts("choices");
            if choices.is_empty() {
                choices = (1..=quiz.questions.len())
                    .map(|i| input.text(&format!("q{i}")))
                    .collect();
            }
            let marked = input.finish(quiz.mark(&choices))?;
            let answer = serde_json::to_string(&marked.chosen)
                .map_err(|e| Error::Internal(e.to_string()))?;
            (answer, Some((marked.right, marked.total)))
        }
        _ => {
            return Err(Error::Invalid(Invalid::one(
                "contentId",
                "not_answered",
                "dit onderdeel vraagt geen antwoord",
            )));
        }
    };
    ws.store
        .learning()
        .save_response(
            &who.org.id,
            &s.standing.participant,
            content,
            &answer,
            mark,
            &who.actor(),
        )
        .await?;
    // Only the answers changed.
    s.responses = ws
        .store
        .learning()
        .responses_of(&s.standing.participant.id, &s.module.id)
        .await?;
    Ok(s)
}

/// The participant marks how far they are with a module (`status`: `not_started`, `started`
/// or `done`); a coordinator may do so for them. The coordinator sees it in the register.
pub async fn mark_progress(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    module_id: &str,
    mut input: Input,
) -> Result<()> {
    let Study {
        standing, module, ..
    } = study(ws, who, participant_id, module_id).await?;
    let status = input.text("status");
    input.finish(Ok(()))?;
    let e = [Entry {
        participant_id: standing.participant.id,
        target: module.id,
        status,
    }];
    record_register(ws, who, &standing.cohort, &[], &e).await
}

pub async fn add_session(
    ws: &Workspace,
    who: &Principal,
    programme_id: &str,
    input: Input,
) -> Result<LiveSession> {
    let p = coordinated_programme(ws, who, programme_id).await?;
    let d = session_draft(ws, &p, input).await?;
    Ok(ws
        .store
        .learning()
        .add_session(&p, &d, &who.actor())
        .await?)
}

pub async fn create_cohort(
    ws: &Workspace,
    who: &Principal,
    programme_id: &str,
    mut input: Input,
) -> Result<Cohort> {
    let p = coordinated_programme(ws, who, programme_id).await?;
    let name = input.text("name");
    let start = input.text("startDate");
    let capacity = input.text("capacity");
    let d = input.finish(CohortDraft::parse(&name, &start, &capacity))?;
    Ok(ws
        .store
        .learning()
        .create_cohort(&p, &d, &who.actor())
        .await?)
}

/// A programme the coordinator may change.
pub(crate) async fn coordinated_programme(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<Programme> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ws.store.learning().programme(&who.org.id, id).await?)
}

/// A module whose content the coordinator may change.
async fn module_to_fill(ws: &Workspace, who: &Principal, id: &str) -> Result<Module> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ws.store.learning().module(&who.org.id, id).await?)
}

/// A participant the coordinator may place, move or change.
async fn coordinated_participant(ws: &Workspace, who: &Principal, id: &str) -> Result<Participant> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ws.store.learning().participant(&who.org.id, id).await?)
}

/// A cohort the coordinator may run.
pub async fn cohort(ws: &Workspace, who: &Principal, id: &str) -> Result<Cohort> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ws.store.learning().cohort(&who.org.id, id).await?)
}

/// A cohort with its programme, groups (fill), participants, their records and projects.
pub struct CohortDetail {
    pub cohort: Cohort,
    pub programme: Programme,
    pub groups: Vec<Group>,
    /// The programme's live sessions, in order.
    pub sessions: Vec<LiveSession>,
    pub participants: Vec<Participant>,
    /// Per participant id; a participant without entries has none.
    pub records: HashMap<String, Record>,
    pub projects: Vec<Project>,
}

/// One participant of a cohort as the coordinator's list shows them.
#[derive(Debug, Clone)]
pub struct CohortRow<'a> {
    pub participant: &'a Participant,
    pub record: Record,
    /// What is still missing for the certificate; empty when it is earned.
    pub missing: Vec<Missing>,
}

impl CohortDetail {
    /// Every participant, with their record and what they miss for the certificate.
    pub fn rows(&self) -> Vec<CohortRow<'_>> {
        self.participants
            .iter()
            .map(|p| {
                let record = self.records.get(&p.id).cloned().unwrap_or_default();
                let missing = missing_for_certificate(
                    &record,
                    self.programme.min_attendance,
                    self.programme.requires_project,
                );
                CohortRow {
                    participant: p,
                    record,
                    missing,
                }
            })
            .collect()
    }

    /// Reads a coordinator's question to the list (`search`, `group`, `standing` as
    /// [`ParticipantFilter::parse`] takes them) against this cohort's groups.
    pub fn filter(
        &self,
        search: &str,
        group: &str,
        standing: &str,
    ) -> std::result::Result<ParticipantFilter, Invalid> {
        let ids: Vec<&str> = self.groups.iter().map(|g| g.id.as_str()).collect();
        ParticipantFilter::parse(search, group, standing, &ids)
    }

    /// The rows the filter lets through, in list order.
    pub fn find(&self, f: &ParticipantFilter) -> Vec<CohortRow<'_>> {
        self.rows().into_iter().filter(|r| r.matches(f)).collect()
    }

    /// How the cohort stands, counted over `rows` (all of [`Self::rows`]).
    pub fn counts(&self, rows: &[CohortRow<'_>]) -> CohortCounts {
        let people = &self.participants;
        CohortCounts {
            participants: people.len(),
            unassigned: people
                .iter()
                .filter(|p| p.group_id.is_none() && p.waiting_for.is_none())
                .count(),
            waiting: people.iter().filter(|p| p.waiting_for.is_some()).count(),
            complete: rows.iter().filter(|r| r.missing.is_empty()).count(),
        }
    }
}

/// How a cohort stands: everyone, those in no group and on no waiting list, those waiting
/// for a full group, and those who earned the certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct CohortCounts {
    pub participants: usize,
    pub unassigned: usize,
    pub waiting: usize,
    pub complete: usize,
}

impl CohortRow<'_> {
    /// Whether the coordinator's filter lets this participant through.
    pub fn matches(&self, f: &ParticipantFilter) -> bool {
        let p = self.participant;
        f.matches(&Candidate {
            texts: [&p.name, &p.email, &p.department, &p.role],
            group_id: p.group_id.as_deref(),
            waiting: p.waiting_for.is_some(),
            missing: &self.missing,
        })
    }
}

pub async fn cohort_detail(ws: &Workspace, who: &Principal, id: &str) -> Result<CohortDetail> {
    let c = cohort(ws, who, id).await?;
    Ok(CohortDetail {
        programme: ws
            .store
            .learning()
            .programme(&who.org.id, &c.programme_id)
            .await?,
        groups: ws.store.learning().groups(&c).await?,
        sessions: ws.store.learning().sessions(&c.programme_id).await?,
        participants: ws.store.learning().participants(&c).await?,
        records: ws.store.learning().records(&c).await?,
        projects: ws.store.learning().projects(&c).await?,
        cohort: c,
    })
}

/// What a project may link to: the organisation's data questions, indicators and monitors.
pub struct ProjectChoices {
    pub questions: Vec<Question>,
    pub indicators: Vec<Indicator>,
    pub monitors: Vec<Monitor>,
    /// The dashboards the coordinator can see.
    pub dashboards: Vec<crate::dashboards::Dashboard>,
}

pub async fn project_choices(ws: &Workspace, who: &Principal) -> Result<ProjectChoices> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ProjectChoices {
        questions: ws.store.questions().questions(&who.org.id, None).await?,
        indicators: ws.store.indicators().indicators(&who.org.id).await?,
        monitors: ws.store.indicators().monitors(&who.org.id).await?,
        dashboards: crate::dashboards::list(ws, who).await?,
    })
}

/// Imports a cohort file: every row checked, every bad row reported with its line, nothing
/// taken when any row is bad.
pub async fn import_roster(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    bytes: &[u8],
) -> Result<usize> {
    let c = cohort(ws, who, cohort_id).await?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid("file", "encoding", "het bestand moet UTF-8-tekst zijn"))?;
    let existing: HashSet<String> = ws
        .store
        .learning()
        .participants(&c)
        .await?
        .into_iter()
        .map(|p| p.email)
        .collect();
    let programme = ws
        .store
        .learning()
        .programme(&who.org.id, &c.programme_id)
        .await?;
    let people = parse_roster(text, &existing, &programme.target_groups)?;
    Ok(ws
        .store
        .learning()
        .import_participants(&c, &people, false, &who.actor())
        .await?)
}

/// Splits the whole cohort into balanced groups of at most its capacity, replacing the
/// groups it had.
pub async fn split(ws: &Workspace, who: &Principal, cohort_id: &str) -> Result<Vec<Group>> {
    let c = cohort(ws, who, cohort_id).await?;
    let people = ws.store.learning().participants(&c).await?;
    if people.is_empty() {
        return Err(Error::Conflict(
            "Het cohort heeft nog geen deelnemers om te verdelen".into(),
        ));
    }
    let keys: Vec<(String, String)> = people
        .iter()
        .map(|p| (p.department.clone(), p.role.clone()))
        .collect();
    let groups: Vec<Vec<String>> = balanced_split(&keys, c.capacity)
        .into_iter()
        .map(|g| g.into_iter().map(|i| people[i].id.clone()).collect())
        .collect();
    Ok(ws
        .store
        .learning()
        .replace_groups(&c, &groups, &who.actor())
        .await?)
}

pub async fn add_group(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    mut input: Input,
) -> Result<Group> {
    let c = cohort(ws, who, cohort_id).await?;
    let name = input.text("name");
    let capacity = input.text("capacity");
    let d = input.finish(GroupDraft::parse(&name, &capacity, c.capacity))?;
    Ok(ws.store.learning().add_group(&c, &d, &who.actor()).await?)
}

/// Enrols a participant in a group, or puts them on its waiting list when it is full.
pub async fn enrol(
    ws: &Workspace,
    who: &Principal,
    group_id: &str,
    participant_id: &str,
) -> Result<(Group, Enrolment)> {
    who.require(Permission::CoordinateLearning)?;
    let g = ws.store.learning().group(&who.org.id, group_id).await?;
    let p = ws
        .store
        .learning()
        .participant(&who.org.id, participant_id)
        .await
        .ok()
        .filter(|p| p.cohort_id == g.cohort_id)
        .ok_or_else(|| {
            invalid(
                "participantId",
                "unknown",
                "kies een deelnemer van dit cohort",
            )
        })?;
    let outcome = ws
        .store
        .learning()
        .enrol(&who.org.id, &g, &p, &who.actor())
        .await
        .map_err(|e| match e {
            StoreError::Conflict(m) => Error::Conflict(format!(
                "{m}: een deelnemer die al in een groep zit, kan niet naar een volle groep"
            )),
            other => other.into(),
        })?;
    Ok((g, outcome))
}

/// Takes a participant out of their group and off any waiting list (coordinators); their
/// place goes to the first one waiting. The participant, for their cohort.
pub async fn unenrol(ws: &Workspace, who: &Principal, participant_id: &str) -> Result<Participant> {
    let p = coordinated_participant(ws, who, participant_id).await?;
    ws.store
        .learning()
        .unenrol(&who.org.id, &p, &who.actor())
        .await?;
    Ok(p)
}

/// Moves a participant (found first: an unknown one or a refusal is the outer error) into
/// the group `group_id` names; the inner result is the move's own outcome, with a group
/// that is not the organisation's as an invalid `groupId`. The participant is returned
/// either way, so that the caller can show their cohort.
pub async fn move_to_group(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    group_id: &str,
) -> Result<(Participant, Result<(Group, Enrolment)>)> {
    let p = coordinated_participant(ws, who, participant_id).await?;
    let r = match ws.store.learning().group(&who.org.id, group_id).await {
        Ok(g) => enrol(ws, who, &g.id, &p.id).await,
        Err(_) => Err(invalid(
            "groupId",
            "unknown",
            "kies een groep van dit cohort",
        )),
    };
    Ok((p, r))
}

/// One attendance or progress entry as a form or the API sends it.
pub struct Entry {
    pub participant_id: String,
    /// A session id (attendance) or a module id (progress).
    pub target: String,
    pub status: String,
}

/// Records attendance and progress entries of one cohort, all or none; every entry must
/// name a participant of the cohort and a session or module of its programme.
async fn record_register(
    ws: &Workspace,
    who: &Principal,
    c: &Cohort,
    attendance: &[Entry],
    progress: &[Entry],
) -> Result<()> {
    // Each participant's and session's target group.
    let people: HashMap<String, String> = ws
        .store
        .learning()
        .participants(c)
        .await?
        .into_iter()
        .map(|p| (p.id, p.target_group))
        .collect();
    let sessions: HashMap<String, String> = ws
        .store
        .learning()
        .sessions(&c.programme_id)
        .await?
        .into_iter()
        .map(|s| (s.id, s.target_group))
        .collect();
    let modules: HashSet<String> = ws
        .store
        .learning()
        .modules(&c.programme_id)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut errors = Collector::default();
    let unknown_participant = || {
        Invalid::one(
            "participantId",
            "unknown",
            "onbekende deelnemer in dit cohort",
        )
    };
    let mut a = Vec::new();
    for e in attendance {
        let Some(person_group) = people.get(&e.participant_id) else {
            errors.take::<()>(Err(unknown_participant()));
            continue;
        };
        if let Some(session_group) = sessions.get(&e.target)
            && !session_applies(session_group, person_group)
        {
            errors.take::<()>(Err(Invalid::one(
                "sessionId",
                "target_group",
                &format!("deze sessie is voor de doelgroep {session_group}"),
            )));
        } else if !sessions.contains_key(&e.target) {
            errors.take::<()>(Err(Invalid::one(
                "sessionId",
                "unknown",
                "onbekende sessie van deze leergang",
            )));
        } else if let Some(s) = errors.take(Attendance::parse_mark("status", &e.status)) {
            a.push((e.target.clone(), e.participant_id.clone(), s));
        }
    }
    let mut g = Vec::new();
    for e in progress {
        if !people.contains_key(&e.participant_id) {
            errors.take::<()>(Err(unknown_participant()));
        } else if !modules.contains(&e.target) {
            errors.take::<()>(Err(Invalid::one(
                "moduleId",
                "unknown",
                "onbekende module van deze leergang",
            )));
        } else if let Some(s) = errors.take(Progress::parse("status", &e.status)) {
            g.push((e.target.clone(), e.participant_id.clone(), s));
        }
    }
    errors.finish()?;
    Ok(ws
        .store
        .learning()
        .record_register(c, &a, &g, &who.actor())
        .await?)
}

/// Records one participant's attendance at a live session (coordinators): `sessionId` and
/// `status`.
pub async fn record_attendance(
    ws: &Workspace,
    who: &Principal,
    participant_id: &str,
    mut input: Input,
) -> Result<()> {
    let p = coordinated_participant(ws, who, participant_id).await?;
    let c = cohort(ws, who, &p.cohort_id).await?;
    let target = input.text("sessionId");
    let status = input.text("status");
    input.finish(Ok(()))?;
    let e = [Entry {
        participant_id: p.id,
        target,
        status,
    }];
    record_register(ws, who, &c, &e, &[]).await
}

/// A group with its members, its programme's sessions and modules, and the cohort's
/// register: attendance per (session, participant) and progress per (module, participant).
pub struct GroupRegister {
    pub group: Group,
    pub cohort: Cohort,
    pub members: Vec<Participant>,
    pub sessions: Vec<LiveSession>,
    pub modules: Vec<Module>,
    pub attendance: HashMap<(String, String), Attendance>,
    pub progress: HashMap<(String, String), Progress>,
}

async fn group_and_cohort(ws: &Workspace, who: &Principal, id: &str) -> Result<(Group, Cohort)> {
    who.require(Permission::CoordinateLearning)?;
    let g = ws.store.learning().group(&who.org.id, id).await?;
    let c = cohort(ws, who, &g.cohort_id).await?;
    Ok((g, c))
}

pub async fn group_register(ws: &Workspace, who: &Principal, id: &str) -> Result<GroupRegister> {
    let (g, c) = group_and_cohort(ws, who, id).await?;
    let members = ws
        .store
        .learning()
        .participants(&c)
        .await?
        .into_iter()
        .filter(|p| p.group_id.as_deref() == Some(g.id.as_str()))
        .collect();
    Ok(GroupRegister {
        members,
        sessions: ws.store.learning().sessions(&c.programme_id).await?,
        modules: ws.store.learning().modules(&c.programme_id).await?,
        attendance: ws.store.learning().attendance(&c).await?,
        progress: ws.store.learning().progress(&c).await?,
        group: g,
        cohort: c,
    })
}

/// Records a group's register, all or none: attendance and progress entries of the
/// group's cohort.
pub async fn save_group_register(
    ws: &Workspace,
    who: &Principal,
    group_id: &str,
    attendance: &[Entry],
    progress: &[Entry],
) -> Result<()> {
    let (_, c) = group_and_cohort(ws, who, group_id).await?;
    record_register(ws, who, &c, attendance, progress).await
}

/// A live session's register for a whole cohort: everyone the session is for (by group,
/// then name) with what is recorded for them, so a coordinator marks a session once instead
/// of group by group.
pub struct SessionRegister {
    pub cohort: Cohort,
    pub session: LiveSession,
    pub groups: Vec<Group>,
    pub rows: Vec<(Participant, Option<Attendance>)>,
}

impl SessionRegister {
    /// Who already has a mark for the session (participant ids).
    pub fn recorded(&self) -> HashSet<&str> {
        self.rows
            .iter()
            .filter(|(_, a)| a.is_some())
            .map(|(p, _)| p.id.as_str())
            .collect()
    }
}

async fn cohort_session(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    session_id: &str,
) -> Result<(Cohort, LiveSession)> {
    let c = cohort(ws, who, cohort_id).await?;
    let s = ws.store.learning().session(&who.org.id, session_id).await?;
    if s.programme_id != c.programme_id {
        return Err(Error::NotFound);
    }
    Ok((c, s))
}

pub async fn session_register(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    session_id: &str,
) -> Result<SessionRegister> {
    let (c, s) = cohort_session(ws, who, cohort_id, session_id).await?;
    let groups = ws.store.learning().groups(&c).await?;
    let recorded = ws.store.learning().attendance(&c).await?;
    let order: HashMap<&str, usize> = groups
        .iter()
        .enumerate()
        .map(|(i, g)| (g.id.as_str(), i))
        .collect();
    let mut rows: Vec<(Participant, Option<Attendance>)> = ws
        .store
        .learning()
        .participants(&c)
        .await?
        .into_iter()
        .filter(|p| session_applies(&s.target_group, &p.target_group))
        .map(|p| {
            let a = recorded.get(&(s.id.clone(), p.id.clone())).copied();
            (p, a)
        })
        .collect();
    let place = |p: &Participant| {
        p.group_id
            .as_deref()
            .and_then(|g| order.get(g).copied())
            .unwrap_or(usize::MAX)
    };
    rows.sort_by(|(a, _), (b, _)| place(a).cmp(&place(b)).then_with(|| a.name.cmp(&b.name)));
    Ok(SessionRegister {
        cohort: c,
        session: s,
        groups,
        rows,
    })
}

/// Records a live session's register for a cohort, all or none: the marks chosen
/// (`participantId`, `status`), and with `rest_present` everyone the session is for without
/// a mark, chosen or recorded before, present. How many marks were recorded.
pub async fn save_session_register(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    session_id: &str,
    chosen: &[(String, String)],
    rest_present: bool,
) -> Result<usize> {
    let register = session_register(ws, who, cohort_id, session_id).await?;
    let mut errors = Collector::default();
    let chosen: Vec<(String, Option<Attendance>)> = chosen
        .iter()
        .filter_map(|(p, status)| {
            errors
                .take(Attendance::parse_mark("status", status))
                .map(|a| (p.clone(), a))
        })
        .collect();
    errors.finish()?;
    let for_session: Vec<&str> = register.rows.iter().map(|(p, _)| p.id.as_str()).collect();
    let entries: Vec<Entry> =
        session_marks(&for_session, &chosen, &register.recorded(), rest_present)
            .into_iter()
            .map(|(p, a)| Entry {
                participant_id: p,
                target: register.session.id.clone(),
                status: a.map_or(CLEAR_MARK, Attendance::as_str).to_string(),
            })
            .collect();
    record_register(ws, who, &register.cohort, &entries, &[]).await?;
    Ok(entries.len())
}

/// A participant, visible to coordinators and to the participant themselves.
async fn participant(ws: &Workspace, who: &Principal, id: &str) -> Result<Participant> {
    let p = ws.store.learning().participant(&who.org.id, id).await?;
    crate::allow(who.may(Permission::CoordinateLearning) || p.email == who.user.email)?;
    Ok(p)
}

/// Where a participant stands against the completion rule.
#[derive(Clone)]
pub struct Standing {
    pub participant: Participant,
    pub cohort: Cohort,
    pub programme: Programme,
    pub record: Record,
    pub missing: Vec<Missing>,
}

async fn standing_of(ws: &Workspace, p: Participant, org_id: &str) -> Result<Standing> {
    let cohort = ws.store.learning().cohort(org_id, &p.cohort_id).await?;
    let programme = ws
        .store
        .learning()
        .programme(org_id, &cohort.programme_id)
        .await?;
    let record = ws
        .store
        .learning()
        .records(&cohort)
        .await?
        .remove(&p.id)
        .unwrap_or_default();
    let missing = missing_for_certificate(
        &record,
        programme.min_attendance,
        programme.requires_project,
    );
    Ok(Standing {
        participant: p,
        cohort,
        programme,
        record,
        missing,
    })
}

/// The live sessions a participant is expected at: those for everyone and those for their
/// target group.
async fn sessions_for(ws: &Workspace, s: &Standing) -> Result<Vec<LiveSession>> {
    Ok(ws
        .store
        .learning()
        .sessions(&s.programme.id)
        .await?
        .into_iter()
        .filter(|x| session_applies(&x.target_group, &s.participant.target_group))
        .collect())
}

/// A participant and where they stand (coordinators, and the participant themselves).
pub async fn standing(ws: &Workspace, who: &Principal, id: &str) -> Result<Standing> {
    let p = participant(ws, who, id).await?;
    standing_of(ws, p, &who.org.id).await
}

/// The signed-in user's own enrolments (matched by e-mail address) and where they stand.
pub async fn my_enrolments(ws: &Workspace, who: &Principal) -> Result<Vec<Standing>> {
    who.require(Permission::Read)?;
    let mut out = Vec::new();
    for p in ws
        .store
        .learning()
        .participants_by_email(&who.org.id, &who.user.email)
        .await?
    {
        out.push(standing_of(ws, p, &who.org.id).await?);
    }
    Ok(out)
}

/// Everything about one participant: their standing, group or waiting list, progress per
/// module, attendance per session and the projects they work on.
pub struct ParticipantOverview {
    pub standing: Standing,
    pub group: Option<Group>,
    pub waiting_for: Option<Group>,
    /// Each module with the participant's progress (not started when nothing is recorded).
    pub modules: Vec<(Module, Progress)>,
    /// Each live session with the participant's attendance, when recorded.
    pub sessions: Vec<(LiveSession, Option<Attendance>)>,
    pub projects: Vec<Project>,
    /// The participant's own self-assessment, only when they themselves look.
    pub own: Option<SelfScan>,
}

pub async fn participant_overview(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<ParticipantOverview> {
    let s = standing(ws, who, id).await?;
    let groups = ws.store.learning().groups(&s.cohort).await?;
    let progress = ws.store.learning().progress(&s.cohort).await?;
    let attendance = ws.store.learning().attendance(&s.cohort).await?;
    let pid = s.participant.id.clone();
    let modules = ws
        .store
        .learning()
        .modules(&s.programme.id)
        .await?
        .into_iter()
        .map(|m| {
            let st = progress
                .get(&(m.id.clone(), pid.clone()))
                .copied()
                .unwrap_or(Progress::NotStarted);
            (m, st)
        })
        .collect();
    let sessions = sessions_for(ws, &s)
        .await?
        .into_iter()
        .map(|x| {
            let st = attendance.get(&(x.id.clone(), pid.clone())).copied();
            (x, st)
        })
        .collect();
    let projects = ws
        .store
        .learning()
        .projects(&s.cohort)
        .await?
        .into_iter()
        .filter(|x| x.members.contains(&pid))
        .collect();
    let find = |id: &Option<String>| groups.iter().find(|g| Some(&g.id) == id.as_ref()).cloned();
    let own = if s.participant.email == who.user.email {
        Some(model::scan(ws, s.clone()).await?)
    } else {
        None
    };
    Ok(ParticipantOverview {
        own,
        group: find(&s.participant.group_id),
        waiting_for: find(&s.participant.waiting_for),
        modules,
        sessions,
        projects,
        standing: s,
    })
}

/// What a certificate shows: the completed participant, the programme's modules and the
/// organisation that issues it.
pub struct Certificate {
    pub standing: Standing,
    pub modules: Vec<Module>,
    pub organisation: String,
}

/// The certificate once the completion rule is met; until then the participant's standing,
/// whose `missing` says what is still to do.
pub async fn certificate(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<std::result::Result<Certificate, Standing>> {
    let s = standing(ws, who, id).await?;
    if !s.missing.is_empty() {
        return Ok(Err(s));
    }
    Ok(Ok(Certificate {
        modules: ws.store.learning().modules(&s.programme.id).await?,
        standing: s,
        organisation: who.org.name.clone(),
    }))
}

/// Reads a project's fields and checks its links: a data question and an indicator or
/// monitor of the same organisation, and team members of the same cohort.
async fn project_input(
    ws: &Workspace,
    who: &Principal,
    c: &Cohort,
    mut input: Input,
) -> Result<(ProjectDraft, ProjectLinks)> {
    let title = input.text("title");
    let status = input.text("status");
    let outcome = input.text("outcome");
    let students = input.texts("students").join("\n");
    let question = input.text("questionId");
    let kind = input.text("productKind");
    let product = input.text("productId");
    let dashboard = input.text("dashboardId");
    let members = input.texts("members");
    let d = input.finish(ProjectDraft::parse(&title, &status, &outcome, &students))?;
    let mut problems = Collector::default();
    let question_id = match question.trim() {
        "" => None,
        q => match ws.store.questions().question(&who.org.id, q).await {
            Ok(q) => Some(q.id),
            Err(_) => {
                problems.take::<()>(Err(Invalid::one(
                    "questionId",
                    "unknown",
                    "kies een datavraag van deze organisatie",
                )));
                None
            }
        },
    };
    let product = match (kind.trim(), product.trim()) {
        (_, "") => None,
        (kind, id) => {
            let found = match kind {
                "indicator" => ws
                    .store
                    .indicators()
                    .indicator(&who.org.id, id)
                    .await
                    .is_ok(),
                "monitor" => ws.store.indicators().monitor(&who.org.id, id).await.is_ok(),
                _ => false,
            };
            if !found {
                problems.take::<()>(Err(Invalid::one(
                    "productId",
                    "unknown",
                    "kies een indicator of monitor van deze organisatie",
                )));
            }
            found.then(|| (kind.to_string(), id.to_string()))
        }
    };
    let dashboard_id = match dashboard.trim() {
        "" => None,
        id => match crate::dashboards::visible(ws, who, id).await {
            Ok(d) => Some(d.id),
            Err(Error::NotFound | Error::Forbidden) => {
                problems.take::<()>(Err(Invalid::one(
                    "dashboardId",
                    "unknown",
                    "kies een dashboard van deze organisatie",
                )));
                None
            }
            Err(e) => return Err(e),
        },
    };
    let cohort_people: HashSet<String> = ws
        .store
        .learning()
        .participants(c)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let mut team: Vec<String> = Vec::new();
    for m in members.iter().map(|m| m.trim()).filter(|m| !m.is_empty()) {
        if !cohort_people.contains(m) {
            problems.take::<()>(Err(Invalid::one(
                "members",
                "unknown",
                "elk teamlid moet deelnemer van dit cohort zijn",
            )));
        } else if !team.iter().any(|t| t == m) {
            team.push(m.to_string());
        }
    }
    problems.finish()?;
    Ok((
        d,
        ProjectLinks {
            question_id,
            product,
            dashboard_id,
            members: team,
        },
    ))
}

pub async fn create_project(
    ws: &Workspace,
    who: &Principal,
    cohort_id: &str,
    input: Input,
) -> Result<Project> {
    let c = cohort(ws, who, cohort_id).await?;
    let (d, links) = project_input(ws, who, &c, input).await?;
    Ok(ws
        .store
        .learning()
        .create_project(&c, &d, &links, &who.actor())
        .await?)
}

/// A make-track project.
pub async fn project(ws: &Workspace, who: &Principal, id: &str) -> Result<Project> {
    who.require(Permission::CoordinateLearning)?;
    Ok(ws.store.learning().project(&who.org.id, id).await?)
}

/// A project with its cohort, the cohort's participants and its data question.
pub struct ProjectDetail {
    pub project: Project,
    pub cohort: Cohort,
    pub participants: Vec<Participant>,
    pub question: Option<Question>,
    /// The students invited to it as guests.
    pub guests: Vec<crate::guests::GuestGrant>,
}

/// A project with its cohort (coordinators).
async fn project_and_cohort(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<(Project, Cohort)> {
    let x = project(ws, who, id).await?;
    let c = cohort(ws, who, &x.cohort_id).await?;
    Ok((x, c))
}

pub async fn project_detail(ws: &Workspace, who: &Principal, id: &str) -> Result<ProjectDetail> {
    let (x, c) = project_and_cohort(ws, who, id).await?;
    let question = match &x.question_id {
        Some(q) => ws.store.questions().question(&who.org.id, q).await.ok(),
        None => None,
    };
    let guests = ws
        .store
        .guests()
        .grants_on(&who.org.id, (GuestObject::LearningProject, &x.id))
        .await?;
    Ok(ProjectDetail {
        guests,
        participants: ws.store.learning().participants(&c).await?,
        project: x,
        cohort: c,
        question,
    })
}

/// Updates a project: status, outcome, links, team.
pub async fn update_project(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    input: Input,
) -> Result<Project> {
    let (x, c) = project_and_cohort(ws, who, id).await?;
    let (d, links) = project_input(ws, who, &c, input).await?;
    Ok(ws
        .store
        .learning()
        .update_project(&who.org.id, &x, &d, &links, &who.actor())
        .await?)
}
