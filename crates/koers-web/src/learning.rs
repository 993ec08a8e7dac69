//! Learning-track operations shared by the pages and the API.
//!
//! Who may do what: running the track (programmes, cohorts, groups, attendance, progress,
//! projects) needs `CoordinateLearning` (administrators and policy owners). The cohort's
//! personal data (names, addresses, departments) is shown only to coordinators; every
//! member may read the programmes, and a participant signed in with the address they were
//! enrolled under sees their own enrolment and downloads their own certificate.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_core::learning::{
    Attendance, CohortDraft, GroupDraft, Missing, ModuleDraft, ProgrammeDraft, Progress,
    ProjectDraft, Record, SessionDraft, balanced_split, missing_for_certificate, parse_roster,
};
use koers_core::{Invalid, Permission};
use koers_store::learning::{
    Cohort, Enrolment, Group, LiveSession, Module, Participant, Programme, Project, ProjectLinks,
};
use std::collections::HashSet;

fn invalid(name: &str, code: &str, reason: &str) -> AppError {
    AppError::Invalid(Invalid::one(name, code, reason))
}

pub async fn create_programme(
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<Programme, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let name = input.text("name");
    let description = input.text("description");
    let dimensions = input.texts("dimensions").join("\n");
    let min = input.text("minAttendance");
    let requires_project = input.flag("requiresProject");
    let d = input.finish(ProgrammeDraft::parse(
        &name,
        &description,
        &dimensions,
        &min,
        requires_project,
    ))?;
    Ok(state
        .store
        .create_programme(&ctx.org.id, &d, &d.default_modules(), &ctx.actor())
        .await?)
}

pub async fn add_module(
    state: &AppState,
    ctx: &Ctx,
    programme_id: &str,
    mut input: Input,
) -> Result<Module, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let p = state.store.programme(&ctx.org.id, programme_id).await?;
    let title = input.text("title");
    let description = input.text("description");
    let dimension = input.text("dimension");
    let d = input.finish(ModuleDraft::parse(
        &title,
        &description,
        &dimension,
        &p.dimensions,
    ))?;
    Ok(state.store.add_module(&p, &d, &ctx.actor()).await?)
}

pub async fn add_session(
    state: &AppState,
    ctx: &Ctx,
    programme_id: &str,
    mut input: Input,
) -> Result<LiveSession, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let p = state.store.programme(&ctx.org.id, programme_id).await?;
    let modules = state.store.modules(&p.id).await?.len() as u32;
    let title = input.text("title");
    let date = input.text("date");
    let start = input.text("startTime");
    let end = input.text("endTime");
    let link = input.text("link");
    let after = input.text("afterModule");
    let d = input.finish(SessionDraft::parse(
        &title, &date, &start, &end, &link, &after, modules,
    ))?;
    Ok(state.store.add_session(&p, &d, &ctx.actor()).await?)
}

pub async fn create_cohort(
    state: &AppState,
    ctx: &Ctx,
    programme_id: &str,
    mut input: Input,
) -> Result<Cohort, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let p = state.store.programme(&ctx.org.id, programme_id).await?;
    let name = input.text("name");
    let start = input.text("startDate");
    let capacity = input.text("capacity");
    let d = input.finish(CohortDraft::parse(&name, &start, &capacity))?;
    Ok(state.store.create_cohort(&p, &d, &ctx.actor()).await?)
}

/// A cohort the coordinator may run.
pub async fn cohort(state: &AppState, ctx: &Ctx, id: &str) -> Result<Cohort, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    Ok(state.store.cohort(&ctx.org.id, id).await?)
}

/// Imports a cohort file: every row checked, every bad row reported with its line, nothing
/// taken when any row is bad.
pub async fn import_roster(
    state: &AppState,
    ctx: &Ctx,
    cohort_id: &str,
    bytes: &[u8],
) -> Result<usize, AppError> {
    let c = cohort(state, ctx, cohort_id).await?;
    let text = std::str::from_utf8(bytes)
        .map_err(|_| invalid("file", "encoding", "het bestand moet UTF-8-tekst zijn"))?;
    let existing: HashSet<String> = state
        .store
        .participants(&c)
        .await?
        .into_iter()
        .map(|p| p.email)
        .collect();
    let people = parse_roster(text, &existing)?;
    Ok(state
        .store
        .import_participants(&c, &people, false, &ctx.actor())
        .await?)
}

/// Splits the whole cohort into balanced groups of at most its capacity, replacing the
/// groups it had.
pub async fn split(state: &AppState, ctx: &Ctx, cohort_id: &str) -> Result<Vec<Group>, AppError> {
    let c = cohort(state, ctx, cohort_id).await?;
    let people = state.store.participants(&c).await?;
    if people.is_empty() {
        return Err(AppError::Conflict(
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
    Ok(state
        .store
        .replace_groups(&c, &groups, &ctx.actor())
        .await?)
}

pub async fn add_group(
    state: &AppState,
    ctx: &Ctx,
    cohort_id: &str,
    mut input: Input,
) -> Result<Group, AppError> {
    let c = cohort(state, ctx, cohort_id).await?;
    let name = input.text("name");
    let capacity = input.text("capacity");
    let d = input.finish(GroupDraft::parse(&name, &capacity, c.capacity))?;
    Ok(state.store.add_group(&c, &d, &ctx.actor()).await?)
}

/// Enrols a participant in a group, or puts them on its waiting list when it is full.
pub async fn enrol(
    state: &AppState,
    ctx: &Ctx,
    group_id: &str,
    participant_id: &str,
) -> Result<(Group, Enrolment), AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let g = state.store.group(&ctx.org.id, group_id).await?;
    let p = state
        .store
        .participant(&ctx.org.id, participant_id)
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
    let outcome = state
        .store
        .enrol(&ctx.org.id, &g, &p, &ctx.actor())
        .await
        .map_err(|e| match e {
            koers_store::StoreError::Conflict(m) => AppError::Conflict(format!(
                "{m}: een deelnemer die al in een groep zit, kan niet naar een volle groep"
            )),
            other => other.into(),
        })?;
    Ok((g, outcome))
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
pub async fn record_register(
    state: &AppState,
    ctx: &Ctx,
    c: &Cohort,
    attendance: &[Entry],
    progress: &[Entry],
) -> Result<(), AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let people: HashSet<String> = state
        .store
        .participants(c)
        .await?
        .into_iter()
        .map(|p| p.id)
        .collect();
    let sessions: HashSet<String> = state
        .store
        .sessions(&c.programme_id)
        .await?
        .into_iter()
        .map(|s| s.id)
        .collect();
    let modules: HashSet<String> = state
        .store
        .modules(&c.programme_id)
        .await?
        .into_iter()
        .map(|m| m.id)
        .collect();
    let mut errors = koers_core::error::Collector::default();
    let mut a = Vec::new();
    for e in attendance {
        if !people.contains(&e.participant_id) {
            errors.take::<()>(Err(Invalid::one(
                "participantId",
                "unknown",
                "onbekende deelnemer in dit cohort",
            )));
        } else if !sessions.contains(&e.target) {
            errors.take::<()>(Err(Invalid::one(
                "sessionId",
                "unknown",
                "onbekende sessie van deze leergang",
            )));
        } else if let Some(s) = errors.take(Attendance::parse("status", &e.status)) {
            a.push((e.target.clone(), e.participant_id.clone(), s));
        }
    }
    let mut g = Vec::new();
    for e in progress {
        if !people.contains(&e.participant_id) {
            errors.take::<()>(Err(Invalid::one(
                "participantId",
                "unknown",
                "onbekende deelnemer in dit cohort",
            )));
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
    Ok(state.store.record_register(c, &a, &g, &ctx.actor()).await?)
}

/// A participant, visible to coordinators and to the participant themselves.
pub async fn participant(state: &AppState, ctx: &Ctx, id: &str) -> Result<Participant, AppError> {
    let p = state.store.participant(&ctx.org.id, id).await?;
    if ctx.require(Permission::CoordinateLearning).is_ok() || p.email == ctx.user.email {
        Ok(p)
    } else {
        Err(AppError::Forbidden)
    }
}

/// Where a participant stands against the completion rule.
pub struct Standing {
    pub participant: Participant,
    pub cohort: Cohort,
    pub programme: Programme,
    pub record: Record,
    pub missing: Vec<Missing>,
}

pub async fn standing(
    state: &AppState,
    p: Participant,
    org_id: &str,
) -> Result<Standing, AppError> {
    let cohort = state.store.cohort(org_id, &p.cohort_id).await?;
    let programme = state.store.programme(org_id, &cohort.programme_id).await?;
    let record = state
        .store
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

/// The certificate as a PDF, or a clear refusal naming what is still missing.
pub async fn certificate(state: &AppState, ctx: &Ctx, id: &str) -> Result<Vec<u8>, AppError> {
    let p = participant(state, ctx, id).await?;
    let s = standing(state, p, &ctx.org.id).await?;
    if !s.missing.is_empty() {
        return Err(AppError::Conflict(format!(
            "Nog geen certificaat: {}",
            s.missing
                .iter()
                .map(Missing::message)
                .collect::<Vec<_>>()
                .join("; ")
        )));
    }
    let modules = state.store.modules(&s.programme.id).await?;
    Ok(certificate_pdf(&s, &modules, &ctx.org.name))
}

fn certificate_pdf(s: &Standing, modules: &[Module], org_name: &str) -> Vec<u8> {
    use koers_pdf::{Block, Document, Table, render};
    let mut doc = Document::new(format!("Certificaat {}", s.programme.name));
    doc.author = Some(org_name.into());
    doc.footer = Some(format!("{org_name} · {}", s.programme.name));
    doc.push(Block::Title("Certificaat".into()))
        .push(Block::Paragraph(format!(
            "{org_name} verklaart dat {} de leergang {} ({}) met goed gevolg heeft afgerond.",
            s.participant.name, s.programme.name, s.cohort.name
        )))
        .push(Block::Heading("Afgeronde modules".into()))
        .push(Block::Table(Table {
            header: vec!["Module".into(), "Dimensie".into()],
            rows: modules
                .iter()
                .map(|m| vec![format!("{}. {}", m.position, m.title), m.dimension.clone()])
                .collect(),
            weights: vec![3.0, 2.0],
        }))
        .push(Block::Paragraph(format!(
            "Aanwezig bij {} van de {} live sessies ({}%).",
            s.record.sessions_present,
            s.record.sessions_total,
            koers_core::learning::attendance_percent(&s.record)
        )));
    if s.programme.requires_project {
        doc.push(Block::Paragraph(
            "Heeft met een maakproject een informatieproduct opgeleverd.".into(),
        ));
    }
    doc.push(Block::Note(format!(
        "Uitgegeven op {}",
        chrono::Utc::now().format("%Y-%m-%d")
    )));
    render(&doc)
}

/// Reads a project's fields and checks its links: a data question and an indicator or
/// monitor of the same organisation, and team members of the same cohort.
async fn project_input(
    state: &AppState,
    ctx: &Ctx,
    c: &Cohort,
    mut input: Input,
) -> Result<(ProjectDraft, ProjectLinks), AppError> {
    let title = input.text("title");
    let status = input.text("status");
    let outcome = input.text("outcome");
    let students = input.texts("students").join("\n");
    let question = input.text("questionId");
    let kind = input.text("productKind");
    let product = input.text("productId");
    let members = input.texts("members");
    let d = input.finish(ProjectDraft::parse(&title, &status, &outcome, &students))?;
    let mut problems = koers_core::error::Collector::default();
    let question_id = match question.trim() {
        "" => None,
        q => match state.store.question(&ctx.org.id, q).await {
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
                "indicator" => state.store.indicator(&ctx.org.id, id).await.is_ok(),
                "monitor" => state.store.monitor(&ctx.org.id, id).await.is_ok(),
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
    let cohort_people: HashSet<String> = state
        .store
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
            members: team,
        },
    ))
}

pub async fn create_project(
    state: &AppState,
    ctx: &Ctx,
    cohort_id: &str,
    input: Input,
) -> Result<Project, AppError> {
    let c = cohort(state, ctx, cohort_id).await?;
    let (d, links) = project_input(state, ctx, &c, input).await?;
    Ok(state
        .store
        .create_project(&c, &d, &links, &ctx.actor())
        .await?)
}

pub async fn update_project(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    input: Input,
) -> Result<Project, AppError> {
    ctx.require(Permission::CoordinateLearning)?;
    let x = state.store.project(&ctx.org.id, id).await?;
    let c = state.store.cohort(&ctx.org.id, &x.cohort_id).await?;
    let (d, links) = project_input(state, ctx, &c, input).await?;
    Ok(state
        .store
        .update_project(&ctx.org.id, &x, &d, &links, &ctx.actor())
        .await?)
}
