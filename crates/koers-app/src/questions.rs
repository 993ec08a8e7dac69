//! Data questions (M4): policy tasks, the questions asked under them and their workflow,
//! the evidence linked to them, comments, role assignments and attachments.
//!
//! Every member reads (`Read`), comments, attaches files and takes the workflow steps their
//! role on a question allows (administrators may stand in); adding tasks and questions,
//! linking evidence, assigning roles and removing attachments needs `ManageQuestions`.

use crate::catalog::RemoveOnDrop;
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::guests::GuestObject;
use koers_core::questions::{
    Assignments, CycleState, ProductPage, QuestionDraft, QuestionRole, Refused, Status, TaskDraft,
    TransitionInput, check_transition, cycle_state, responsible,
};
use koers_core::{Invalid, Permission, attachments};
use koers_store::questions::NewAttachment;
use koers_store::{Actor, StoreError};
use std::path::PathBuf;

pub use koers_store::questions::{
    Attachment, Comment, PolicyTask, Question, QuestionEvent, QuestionLink,
};
pub use koers_store::{Analysis, Dataset, Member};

/// Which questions to show: under one task, in one status, with a word in them.
#[derive(Debug, Clone, Default)]
pub struct QuestionFilter {
    pub task: Option<String>,
    pub status: Option<String>,
    /// Matched case-insensitively against the question's text.
    pub search: Option<String>,
}

/// One question of a task and how far it closes the policy cycle.
#[derive(Debug, Clone)]
pub struct CycleRow {
    pub question: Question,
    pub links: Vec<QuestionLink>,
    pub cycle: CycleState,
}

/// A question with its evidence and history.
#[derive(Debug, Clone)]
pub struct QuestionDetail {
    pub question: Question,
    pub links: Vec<QuestionLink>,
    pub events: Vec<QuestionEvent>,
}

/// Everything a question's page shows: the question, its task, evidence, history, comments
/// and attachments, the steps open from its status, and what may be linked or assigned.
#[derive(Debug, Clone)]
pub struct QuestionPage {
    pub detail: QuestionDetail,
    pub task: PolicyTask,
    /// The statuses this person may move the question to from here (given the facts a step
    /// asks for): none when the next step is someone else's.
    pub next: Vec<Status>,
    /// The next step on the main line and the role whose step it is, when that is not this
    /// person (so the page can say whom it waits on).
    pub waiting_on: Option<(Status, QuestionRole)>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
    pub members: Vec<Member>,
    /// The organisation's datasets, analyses and information products (monitors, indicators,
    /// dashboards) to link as evidence; empty for those who may not link any.
    pub datasets: Vec<Dataset>,
    pub analyses: Vec<Analysis>,
    pub products: Vec<ProductChoice>,
    /// The guests invited to the question, for those who may invite them (else `None`).
    pub guests: Option<Vec<koers_store::guests::GuestGrant>>,
}

/// An information product a question may link to, by name.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ProductChoice {
    /// `monitor`, `indicator` or `dashboard`.
    pub kind: &'static str,
    pub id: String,
    pub name: String,
}

/// The organisation's information products, monitors first, to choose as a question's product.
async fn product_choices(ws: &Workspace, org_id: &str) -> Result<Vec<ProductChoice>> {
    let choice = |page: ProductPage| {
        move |(id, name)| ProductChoice {
            kind: page.as_str(),
            id,
            name,
        }
    };
    let products = ws.store.indicators();
    let monitors = products
        .monitors(org_id)
        .await?
        .into_iter()
        .map(|m| (m.id, m.name));
    let indicators = products
        .indicators(org_id)
        .await?
        .into_iter()
        .map(|i| (i.id, i.name));
    let dashboards = ws
        .store
        .dashboards()
        .dashboards(org_id)
        .await?
        .into_iter()
        .map(|d| (d.id, d.name));
    Ok(monitors
        .map(choice(ProductPage::Monitor))
        .chain(indicators.map(choice(ProductPage::Indicator)))
        .chain(dashboards.map(choice(ProductPage::Dashboard)))
        .collect())
}

/// A file received for a question, still at a temporary path (removed if not kept).
#[derive(Debug, Clone)]
pub struct Upload {
    pub path: PathBuf,
    /// What the user's file was called.
    pub file_name: String,
    pub size: u64,
    /// SHA-256 of the content, hex.
    pub sha256: String,
    /// The first bytes, to check the content against the name.
    pub head: Vec<u8>,
}

fn opt(s: String) -> Option<String> {
    let t = s.trim().to_string();
    (!t.is_empty()).then_some(t)
}

/// The organisation's policy tasks.
pub async fn tasks(ws: &Workspace, who: &Principal) -> Result<Vec<PolicyTask>> {
    who.require(Permission::Read)?;
    Ok(ws.store.questions().tasks(&who.org.id).await?)
}

/// Adds a policy task: `name`, `theme`, `description`, `goals`.
pub async fn create_task(ws: &Workspace, who: &Principal, mut input: Input) -> Result<PolicyTask> {
    who.require(Permission::ManageQuestions)?;
    let name = input.text("name");
    let theme = input.text("theme");
    let description = input.text("description");
    let goals = input.text("goals");
    let d = input.finish(TaskDraft::parse(&name, &theme, &description, &goals))?;
    Ok(ws
        .store
        .questions()
        .create_task(&who.org.id, &d, Some(&who.user.id), &who.actor())
        .await?)
}

/// A policy task and, per question under it, whether the policy cycle is closed or where
/// it is open.
pub async fn task_cycle(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<(PolicyTask, Vec<CycleRow>)> {
    who.require(Permission::Read)?;
    let task = ws.store.questions().task(&who.org.id, id).await?;
    let mut rows = Vec::new();
    for q in ws
        .store
        .questions()
        .questions(&who.org.id, Some(&task.id))
        .await?
    {
        let links = ws.store.questions().question_links(&q.id).await?;
        let has = |k: &str| links.iter().any(|l| l.kind == k);
        let cycle = cycle_state(
            has("dataset"),
            has("analysis"),
            has("product"),
            q.decision_date.is_some(),
            q.evaluation_learned.is_some(),
        );
        rows.push(CycleRow {
            question: q,
            links,
            cycle,
        });
    }
    Ok((task, rows))
}

/// The organisation's data questions that pass `filter` (empty parts do not filter).
pub async fn questions(
    ws: &Workspace,
    who: &Principal,
    filter: &QuestionFilter,
) -> Result<Vec<Question>> {
    who.require(Permission::Read)?;
    let given = |s: &Option<String>| s.clone().filter(|s| !s.is_empty());
    let status = given(&filter.status);
    let needle = given(&filter.search).unwrap_or_default().to_lowercase();
    Ok(ws
        .store
        .questions()
        .questions(&who.org.id, given(&filter.task).as_deref())
        .await?
        .into_iter()
        .filter(|q| status.as_deref().is_none_or(|s| q.status.as_str() == s))
        .filter(|q| needle.is_empty() || q.question.to_lowercase().contains(&needle))
        .collect())
}

/// The organisation's members, who may hold a role on a question.
pub async fn members(ws: &Workspace, who: &Principal) -> Result<Vec<Member>> {
    who.require(Permission::Read)?;
    Ok(ws.store.users().members(&who.org.id).await?)
}

/// A data question with its evidence and history.
pub async fn question(ws: &Workspace, who: &Principal, id: &str) -> Result<QuestionDetail> {
    let question = readable(ws, who, id).await?;
    Ok(QuestionDetail {
        links: ws.store.questions().question_links(&question.id).await?,
        events: ws.store.questions().question_events(&question.id).await?,
        question,
    })
}

/// A question of the organisation, for a member who may read.
async fn readable(ws: &Workspace, who: &Principal, id: &str) -> Result<Question> {
    who.require(Permission::Read)?;
    Ok(ws.store.questions().question(&who.org.id, id).await?)
}

/// A question of the organisation, for a member who may manage questions.
async fn managed(ws: &Workspace, who: &Principal, id: &str) -> Result<Question> {
    who.require(Permission::ManageQuestions)?;
    Ok(ws.store.questions().question(&who.org.id, id).await?)
}

/// The steps `who` may take a question to now, whose turn it is deciding (what a step asks
/// for, such as a note or a decision date, is asked on the step's form).
pub fn next_steps(who: &Principal, q: &Question) -> Vec<Status> {
    // Every fact a step may ask for is given, so only the workflow itself decides.
    let facts = TransitionInput {
        note: "x".into(),
        decision_date: "2000-01-01".into(),
        decision_maker: "x".into(),
        decision_reference: "x".into(),
        evaluation_changed: "x".into(),
        evaluation_learned: "x".into(),
    };
    let stands_in = who.may(Permission::ManageMembers);
    Status::ALL
        .iter()
        .copied()
        .filter(|to| {
            check_transition(
                q.status,
                *to,
                q.parked_from,
                &who.user.id,
                &q.assignments,
                stands_in,
                &facts,
            )
            .is_ok()
        })
        .collect()
}

/// Everything the question's page shows.
pub async fn question_page(ws: &Workspace, who: &Principal, id: &str) -> Result<QuestionPage> {
    let detail = question(ws, who, id).await?;
    let q = &detail.question;
    let task = ws.store.questions().task(&who.org.id, &q.task_id).await?;
    let next = next_steps(who, q);
    let waiting_on = q
        .status
        .next_on_main_line()
        .filter(|to| !next.contains(to))
        .and_then(|to| Some((to, responsible(q.status, to)?)));
    // What evidence may be chosen from, and the guests, only for those who manage questions:
    // nobody else sees those forms, so their reads are not made for every reader.
    let manages = who.may(Permission::ManageQuestions);
    let (datasets, analyses, products, guests) = if manages {
        let org = who.org.id.as_str();
        (
            ws.store.catalog().datasets(org).await?,
            ws.store.catalog().analyses(org).await?,
            product_choices(ws, org).await?,
            Some(
                ws.store
                    .guests()
                    .grants_on(org, (GuestObject::Question, &q.id))
                    .await?,
            ),
        )
    } else {
        Default::default()
    };
    Ok(QuestionPage {
        comments: ws.store.questions().comments(&q.id).await?,
        attachments: ws.store.questions().attachments(&q.id).await?,
        members: ws.store.users().members(&who.org.id).await?,
        datasets,
        analyses,
        products,
        guests,
        task,
        next,
        waiting_on,
        detail,
    })
}

/// Asks a data question under a policy task (`taskId`); the asker owns it unless another
/// `questionOwner` is named. Everyone given a role must be a member.
pub async fn create_question(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<Question> {
    who.require(Permission::ManageQuestions)?;
    let task_id = input.text("taskId");
    let question = input.text("question");
    let goal = input.text("policyGoal");
    let asked_by = input.text("askedBy");
    let due = input.text("dueDate");
    let mut priority = input.text("priority");
    if priority.is_empty() {
        priority = "normal".into();
    }
    let competences = input.texts("competences");
    let a = Assignments {
        question_owner: opt(input.text("questionOwner")).or_else(|| Some(who.user.id.clone())),
        ..read_assignments(&mut input)
    };
    let d = input.finish(QuestionDraft::parse(
        &question,
        &goal,
        &asked_by,
        &due,
        &priority,
        &competences,
    ))?;
    ws.store
        .questions()
        .task(&who.org.id, &task_id)
        .await
        .map_err(|_| {
            Error::Invalid(Invalid::one(
                "taskId",
                "unknown",
                "kies een opgave van deze organisatie",
            ))
        })?;
    ws.store
        .questions()
        .create_question(&who.org.id, &task_id, &d, &a, &who.actor())
        .await
        .map_err(not_a_member)
}

/// The role fields of a question: `questionOwner`, `analyst`, `dataSteward`,
/// `decisionMaker` (empty for nobody).
fn read_assignments(input: &mut Input) -> Assignments {
    Assignments {
        question_owner: opt(input.text("questionOwner")),
        analyst: opt(input.text("analyst")),
        data_steward: opt(input.text("dataSteward")),
        decision_maker: opt(input.text("decisionMaker")),
    }
}

/// Moves a question (`to`, with the facts the step asks for), if the workflow allows it for
/// this person.
pub async fn transition(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Question> {
    let q = readable(ws, who, id).await?;
    let to_raw = input.text("to");
    let t = TransitionInput {
        note: input.text("note"),
        decision_date: input.text("decisionDate"),
        decision_maker: input.text("decisionMaker"),
        decision_reference: input.text("decisionReference"),
        evaluation_changed: input.text("evaluationChanged"),
        evaluation_learned: input.text("evaluationLearned"),
    };
    let to = input.finish(Status::parse(&to_raw))?;
    let stands_in = who.may(Permission::ManageMembers);
    check_transition(
        q.status,
        to,
        q.parked_from,
        &who.user.id,
        &q.assignments,
        stands_in,
        &t,
    )
    .map_err(|r| match r {
        Refused::Invalid(i) => Error::Invalid(i),
        Refused::WrongPerson(_) => Error::Forbidden,
        other => Error::Conflict(other.to_string()),
    })?;
    Ok(ws
        .store
        .questions()
        .record_transition(&q, to, &t, &who.actor())
        .await?)
}

/// Links a dataset or analysis of the organisation, or an information product (a path in
/// koers or an http(s) address), as evidence: fields `kind` and `target`, or `evidence` as
/// `kind:target`.
pub async fn link(ws: &Workspace, who: &Principal, id: &str, mut input: Input) -> Result<Question> {
    let q = managed(ws, who, id).await?;
    // A form chooses a dataset or analysis by name as `evidence` ("dataset:<id>"); a
    // product is a `kind` with a `target` path or address.
    let evidence = input.text("evidence");
    let (kind, target) = match evidence.split_once(':') {
        Some((kind, target)) if !target.is_empty() => (kind.to_string(), target.to_string()),
        _ => (input.text("kind"), input.text("target")),
    };
    input.finish(Ok(()))?;
    // A product chosen by name from the form's list is linked by its page's address.
    let (kind, target) = match ProductPage::parse(&kind) {
        Some(page) if page != ProductPage::Analysis => ("product".to_string(), page.path(&target)),
        _ => (kind, target.trim().to_string()),
    };
    let bad_target = |_| {
        Error::Invalid(Invalid::one(
            "target",
            "unknown",
            "onbekend in deze organisatie",
        ))
    };
    let org = who.org.id.as_str();
    let label = match kind.as_str() {
        "dataset" => ws
            .store
            .catalog()
            .dataset(org, &target)
            .await
            .map(|d| d.meta.title)
            .map_err(bad_target)?,
        "analysis" => crate::products::name_of(ws, org, ProductPage::Analysis, &target)
            .await
            .map_err(bad_target)?,
        "product" => {
            let t = target.as_str();
            if !(t.starts_with('/') && !t.starts_with("//")
                || t.starts_with("https://")
                || t.starts_with("http://"))
                || t.len() > 500
            {
                return Err(Error::Invalid(Invalid::one(
                    "target",
                    "format",
                    "geef een pad in koers of een http(s)-adres",
                )));
            }
            // A product of koers is shown by its name; another page or a web address as such.
            match ProductPage::of_path(t) {
                Some((page, id)) => crate::products::name_of(ws, org, page, id)
                    .await
                    .map_err(bad_target)?,
                None => t.to_string(),
            }
        }
        _ => {
            return Err(Error::Invalid(Invalid::one(
                "kind",
                "enum",
                "moet dataset, analysis of product zijn",
            )));
        }
    };
    ws.store
        .questions()
        .link_evidence(&q, &kind, &target, &label, &who.actor())
        .await?;
    Ok(q)
}

/// The comments on a question.
pub async fn comments(ws: &Workspace, who: &Principal, id: &str) -> Result<Vec<Comment>> {
    let q = readable(ws, who, id).await?;
    Ok(ws.store.questions().comments(&q.id).await?)
}

/// Comments on a question (`body`, at most 5000 characters).
pub async fn comment(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Comment> {
    let q = readable(ws, who, id).await?;
    let body = input.text("body");
    let body = input.finish(koers_core::error::text("body", &body, 5000))?;
    Ok(ws
        .store
        .questions()
        .add_comment(&q, &body, &who.actor())
        .await?)
}

/// Changes who holds which role on a question; the people newly given a role are notified.
pub async fn assign(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: Input,
) -> Result<Question> {
    let q = managed(ws, who, id).await?;
    let a = read_assignments(&mut input);
    input.finish(Ok(()))?;
    ws.store
        .questions()
        .update_assignments(&q, &a, &who.actor())
        .await
        .map_err(not_a_member)
}

fn not_a_member(e: StoreError) -> Error {
    match e {
        StoreError::NotFound => Error::Invalid(Invalid::one(
            "questionOwner",
            "unknown",
            "iedereen met een rol op de vraag moet lid zijn van de organisatie",
        )),
        other => other.into(),
    }
}

/// Where attachments of an organisation are kept: one file per content, named by its hash.
fn attachment_dir(ws: &Workspace, org_id: &str) -> PathBuf {
    ws.data_dir().join("attachments").join(org_id)
}

/// The attachments of a question.
pub async fn attachments(ws: &Workspace, who: &Principal, id: &str) -> Result<Vec<Attachment>> {
    let q = readable(ws, who, id).await?;
    Ok(ws.store.questions().attachments(&q.id).await?)
}

/// Whether a file may be attached to question `id`: the question exists and the person may
/// read it. Asked before a file is received, so an unknown question is not found whatever
/// is sent.
pub async fn may_attach(ws: &Workspace, who: &Principal, id: &str) -> Result<()> {
    readable(ws, who, id).await.map(|_| ())
}

/// Attaches a received file (`None`: none was chosen) to a question after checking its name,
/// size (at most `max_bytes`) and content; the file is moved into the organisation's
/// attachment folder under its hash, or removed.
pub async fn attach(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    upload: Option<Upload>,
    max_bytes: u64,
) -> Result<Attachment> {
    let q = readable(ws, who, id).await?;
    attach_to(ws, &q, upload, max_bytes, &who.actor()).await
}

/// Attaches a received file to question `q` for `actor` (a member or a guest): see [`attach`].
pub(crate) async fn attach_to(
    ws: &Workspace,
    q: &Question,
    upload: Option<Upload>,
    max_bytes: u64,
    actor: &Actor,
) -> Result<Attachment> {
    let kept = keep_upload(ws, &q.org_id, upload, max_bytes).await?;
    Ok(ws
        .store
        .questions()
        .add_attachment(
            q,
            &NewAttachment {
                file_name: kept.file_name,
                content_type: kept.content_type,
                size_bytes: kept.size_bytes,
                sha256: kept.sha256.clone(),
                stored_as: kept.sha256,
            },
            actor,
        )
        .await?)
}

/// A received file, checked and kept in the organisation's attachment folder.
pub(crate) struct Kept {
    pub file_name: String,
    pub content_type: String,
    pub size_bytes: i64,
    /// Its SHA-256 (hex), also its name in the folder.
    pub sha256: String,
}

/// Checks a received file (`None`: none was chosen) by its name, size (at most `max_bytes`)
/// and content, and moves it into organisation `org_id`'s attachment folder under its hash
/// (where the same content is kept once); a refused file is removed.
pub(crate) async fn keep_upload(
    ws: &Workspace,
    org_id: &str,
    upload: Option<Upload>,
    max_bytes: u64,
) -> Result<Kept> {
    let Some(upload) = upload else {
        return Err(Error::Invalid(Invalid::one(
            "file",
            "required",
            "kies een bestand",
        )));
    };
    let temp = RemoveOnDrop(upload.path.clone());
    let kind = attachments::check(&upload.file_name, upload.size, &upload.head, max_bytes)?;
    let dir = attachment_dir(ws, org_id);
    tokio::fs::create_dir_all(&dir).await?;
    let target = dir.join(&upload.sha256);
    if tokio::fs::metadata(&target).await.is_err() {
        tokio::fs::rename(&upload.path, &target).await?;
    }
    drop(temp);
    Ok(Kept {
        file_name: attachments::clean_file_name(&upload.file_name),
        content_type: kind.content_type.to_string(),
        size_bytes: i64::try_from(upload.size).map_err(|_| Error::Internal("te groot".into()))?,
        sha256: upload.sha256,
    })
}

/// The bytes of a file kept for organisation `org_id` under `stored_as`.
pub(crate) async fn kept_bytes(ws: &Workspace, org_id: &str, stored_as: &str) -> Result<Vec<u8>> {
    tokio::fs::read(attachment_dir(ws, org_id).join(stored_as))
        .await
        .map_err(|e| Error::Internal(format!("bestand {stored_as}: {e}")))
}

/// An attachment of a question of the organisation, with its bytes.
pub async fn attachment_file(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>)> {
    let q = readable(ws, who, id).await?;
    attachment_bytes(ws, &q, attachment_id).await
}

/// An attachment of question `q`, with its bytes.
pub(crate) async fn attachment_bytes(
    ws: &Workspace,
    q: &Question,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>)> {
    let a = ws
        .store
        .questions()
        .attachment(&q.id, attachment_id)
        .await?;
    let bytes = kept_bytes(ws, &q.org_id, &a.stored_as).await?;
    Ok((a, bytes))
}

/// Removes an attachment; the file goes too when no other attachment has the same content.
pub async fn detach(ws: &Workspace, who: &Principal, id: &str, attachment_id: &str) -> Result<()> {
    let q = managed(ws, who, id).await?;
    let a = ws
        .store
        .questions()
        .attachment(&q.id, attachment_id)
        .await?;
    let still_used = ws
        .store
        .questions()
        .remove_attachment(&q, &a, &who.actor())
        .await?;
    if !still_used {
        let _ = tokio::fs::remove_file(attachment_dir(ws, &who.org.id).join(&a.stored_as)).await;
    }
    Ok(())
}
