//! Guests: a member invites someone from outside (a partner, a student, another government)
//! to one object; the guest takes the invitation up with a new account or the one they have,
//! and from then on sees that object only — never the catalog, the other questions or
//! anything else of the organisation — and does there what the invitation allows. Every use
//! case of a guest checks the invitation (theirs, taken up, not expired, not revoked), never
//! a role: a guest holds none.

use crate::accounts::{self, SignedIn};
use crate::maturity::{Participant, ParticipantResult, Round, RoundResults};
use crate::questions::{self as q, Upload};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::guests::{Ability, GrantState, GuestInvite, GuestObject};
use koers_core::secret::{new_token, token_digest};
use koers_core::{Invalid, Permission, UserDraft};
pub use koers_store::guests::GuestGrant;
use koers_store::organisations::Organisation;
use koers_store::questions::{Attachment, Comment, Question, QuestionLink};
use koers_store::sessions::SessionTtl;

/// An invitation just made: the link to send (shown once; only its digest is kept) and
/// whether it was mailed.
#[derive(Debug, Clone)]
pub struct Invited {
    pub grant: GuestGrant,
    pub link: String,
    pub mailed: bool,
}

/// The object of an invitation a member may manage: it exists in their organisation and
/// their roles let them share it. Returns its title.
async fn shareable(ws: &Workspace, who: &Principal, kind: GuestObject, id: &str) -> Result<String> {
    match kind {
        GuestObject::Question => {
            who.require(Permission::ManageQuestions)?;
            Ok(ws
                .store
                .questions()
                .question(&who.org.id, id)
                .await?
                .question)
        }
        GuestObject::MaturityReport => {
            who.require(Permission::Research)?;
            let (round, p) = ws.store.maturity().participant_of(&who.org.id, id).await?;
            Ok(report_title(&round, &p))
        }
        GuestObject::LearningProject => {
            who.require(Permission::CoordinateLearning)?;
            let x = ws.store.learning().project(&who.org.id, id).await?;
            if x.question_id.is_none() {
                return Err(Error::Conflict(
                    "Koppel eerst een datavraag aan het project: de reacties en bestanden van studenten komen daar."
                        .into(),
                ));
            }
            Ok(x.title)
        }
    }
}

/// What a report shared with a guest is called.
fn report_title(round: &Round, p: &Participant) -> String {
    format!("{} — {} ({})", p.name, round.name, round.year)
}

/// Invites a guest to `object` (`email`, `name`, `affiliation`, `abilities`: `comment` and/or
/// `upload`, `days`). The link is `base` + `/uitnodiging/<token>`; it is mailed when the
/// deployment sends e-mail, and returned either way for the inviter to pass on.
pub async fn invite(
    ws: &Workspace,
    who: &Principal,
    object: (GuestObject, &str),
    mut input: Input,
    base: &str,
) -> Result<Invited> {
    let title = shareable(ws, who, object.0, object.1).await?;
    let (email, name, affiliation, abilities, days) = (
        input.text("email"),
        input.text("name"),
        input.text("affiliation"),
        input.texts("abilities"),
        input.whole("days"),
    );
    let inv = input.finish(
        GuestInvite::parse(&email, &name, &affiliation, &abilities, &days)
            .and_then(|i| object.0.check(&i.abilities).map(|()| i)),
    )?;
    let token = new_token();
    let grant = ws
        .store
        .guests()
        .invite(
            &who.org.id,
            object,
            &inv,
            &token_digest(&token),
            &who.actor(),
        )
        .await?;
    let link = format!("{base}/uitnodiging/{token}");
    let mailed = match ws.mailer() {
        Some(m) => {
            let body = format!(
                "Goedendag {},\n\n{} van {} nodigt u uit om mee te kijken in koers: ‘{title}’.\n\nNeem de uitnodiging aan via deze link (geldig tot {}):\n\n{link}\n\nU ziet alleen wat met u gedeeld is.\n",
                inv.name,
                who.user.display_name,
                who.org.name,
                koers_core::dates::long_date_nl(&grant.expires_at),
            );
            m.invite((inv.email.as_str(), &inv.name), &title, &body)
                .await
        }
        None => false,
    };
    Ok(Invited {
        grant,
        link,
        mailed,
    })
}

/// The invitations to an object, for a member who may share it.
pub async fn guests_of(
    ws: &Workspace,
    who: &Principal,
    object: (GuestObject, &str),
) -> Result<Vec<GuestGrant>> {
    shareable(ws, who, object.0, object.1).await?;
    Ok(ws.store.guests().grants_on(&who.org.id, object).await?)
}

/// Withdraws an invitation of the organisation, for a member who may share its object.
pub async fn revoke(ws: &Workspace, who: &Principal, grant_id: &str) -> Result<GuestGrant> {
    let g = ws.store.guests().grant(&who.org.id, grant_id).await?;
    shareable(ws, who, g.object_type, &g.object_id).await?;
    Ok(ws.store.guests().revoke(&g, &who.actor()).await?)
}

/// An invitation as its link shows it to whoever holds the link.
#[derive(Debug, Clone)]
pub struct Invitation {
    pub grant: GuestGrant,
    pub organisation: Organisation,
    pub title: String,
    /// Whether an account with the invitation's address exists (then the guest signs in to
    /// accept; otherwise they make one).
    pub has_account: bool,
}

/// The open invitation of a link's `token`; an unknown token is not found, one that expired,
/// was revoked or was taken up already is a conflict that says so.
pub async fn invitation(ws: &Workspace, token: &str) -> Result<Invitation> {
    let g = ws
        .store
        .guests()
        .by_token(&token_digest(token))
        .await?
        .ok_or(Error::NotFound)?;
    match g.state {
        GrantState::Invited => {}
        GrantState::Active => {
            return Err(Error::Conflict(
                "Deze uitnodiging is al aangenomen. Log in om te zien wat met u gedeeld is.".into(),
            ));
        }
        GrantState::Expired | GrantState::Revoked => {
            return Err(Error::Conflict(
                "Deze uitnodiging is verlopen of ingetrokken. Vraag wie u uitnodigde om een nieuwe."
                    .into(),
            ));
        }
    }
    let organisation = ws.store.organisations().organisation(&g.org_id).await?;
    let title = object_title(ws, &g).await?;
    let has_account = ws.store.users().user_for_login(&g.email).await?.is_some();
    Ok(Invitation {
        grant: g,
        organisation,
        title,
        has_account,
    })
}

async fn object_title(ws: &Workspace, g: &GuestGrant) -> Result<String> {
    Ok(match g.object_type {
        GuestObject::Question => {
            ws.store
                .questions()
                .question(&g.org_id, &g.object_id)
                .await?
                .question
        }
        GuestObject::MaturityReport => {
            let (round, p) = shared_participant(ws, g).await?;
            report_title(&round, &p)
        }
        GuestObject::LearningProject => {
            ws.store
                .learning()
                .project(&g.org_id, &g.object_id)
                .await?
                .title
        }
    })
}

/// Takes an invitation up with a new account (`displayName`, `password`) under the
/// invitation's address, and signs the guest in (`previous`: the session the request carried,
/// which ends).
pub async fn accept_with_new_account(
    ws: &Workspace,
    ttl: SessionTtl,
    token: &str,
    mut input: Input,
    previous: Option<&str>,
) -> Result<(SignedIn, Shared)> {
    let inv = invitation(ws, token).await?;
    if inv.has_account {
        return Err(Error::Conflict(
            "Er is al een account met dit adres: log in om de uitnodiging aan te nemen.".into(),
        ));
    }
    let (name, password) = (input.text("displayName"), input.text("password"));
    let draft = input.finish(UserDraft::parse(&inv.grant.email, &name, &password))?;
    let hash = accounts::passwords::hash(draft.password.expose()).await?;
    let (user, grant) = ws
        .store
        .guests()
        .accept_with_new_account(&inv.grant, &draft, &hash)
        .await?;
    let signed_in = accounts::start_signed_in(ws, ttl, &user.id, &grant.org_id, previous).await?;
    Ok((signed_in, shared(ws, grant).await?))
}

/// Takes an invitation up as the signed-in `who`, whose address must be the invitation's.
pub async fn accept(ws: &Workspace, who: &Principal, token: &str) -> Result<Shared> {
    who.require_session()?;
    let inv = invitation(ws, token).await?;
    if inv.grant.email != who.user.email {
        return Err(Error::Invalid(Invalid::one(
            "email",
            "mismatch",
            "deze uitnodiging is voor een ander e-mailadres; log in met dat adres",
        )));
    }
    let grant = ws.store.guests().accept(&inv.grant, &who.user.id).await?;
    shared(ws, grant).await
}

/// An object shared with the signed-in person, with the organisation that shared it.
#[derive(Debug, Clone)]
pub struct Shared {
    pub grant: GuestGrant,
    pub organisation: Organisation,
    pub title: String,
}

/// What is shared with `who` now, in every organisation (invitations taken up, not expired
/// or revoked).
pub async fn shared_with_me(ws: &Workspace, who: &Principal) -> Result<Vec<Shared>> {
    let mut out = Vec::new();
    for grant in active_grants(ws, &who.user.id).await? {
        out.push(shared(ws, grant).await?);
    }
    Ok(out)
}

/// What `grant` shares, named: the organisation and the object's title (not the object
/// itself, which [`open`] reads).
async fn shared(ws: &Workspace, grant: GuestGrant) -> Result<Shared> {
    let organisation = ws.store.organisations().organisation(&grant.org_id).await?;
    let title = object_title(ws, &grant).await?;
    Ok(Shared {
        grant,
        organisation,
        title,
    })
}

/// The invitations `user_id` took up that give access now, in every organisation.
pub(crate) async fn active_grants(ws: &Workspace, user_id: &str) -> Result<Vec<GuestGrant>> {
    let mut grants = ws.store.guests().grants_of_user(user_id).await?;
    grants.retain(|g| g.state == GrantState::Active);
    Ok(grants)
}

/// Whether `user_id` is a guest of organisation `org_id` now.
pub(crate) async fn is_guest_of(ws: &Workspace, user_id: &str, org_id: &str) -> Result<bool> {
    Ok(active_grants(ws, user_id)
        .await?
        .iter()
        .any(|g| g.org_id == org_id))
}

/// The organisations `user_id` is a guest of now.
pub(crate) async fn guest_organisations(ws: &Workspace, user_id: &str) -> Result<Vec<String>> {
    let mut orgs: Vec<String> = active_grants(ws, user_id)
        .await?
        .into_iter()
        .map(|g| g.org_id)
        .collect();
    orgs.sort();
    orgs.dedup();
    Ok(orgs)
}

/// `who`'s own invitation `grant_id`, taken up and open; anything else is not found.
async fn own_grant(ws: &Workspace, who: &Principal, grant_id: &str) -> Result<GuestGrant> {
    active_grants(ws, &who.user.id)
        .await?
        .into_iter()
        .find(|g| g.id == grant_id)
        .ok_or(Error::NotFound)
}

/// `who`'s own invitation, refused unless it allows `a`.
async fn own_grant_allowing(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
    a: Ability,
) -> Result<GuestGrant> {
    let g = own_grant(ws, who, grant_id).await?;
    crate::allow(g.allows(a))?;
    Ok(g)
}

/// A data question as a guest sees it: the question, the evidence by name, the comments and
/// the attachments (no history, no roles, no links into the organisation).
#[derive(Debug, Clone)]
pub struct GuestQuestion {
    pub question: Question,
    pub links: Vec<QuestionLink>,
    pub comments: Vec<Comment>,
    pub attachments: Vec<Attachment>,
}

/// An organisation's maturity report as its contact sees it: the round's results (for the
/// report and the average beside it; the threshold applied as everywhere), their own
/// organisation's, and what was said about the report.
#[derive(Debug, Clone)]
pub struct GuestReport {
    pub results: RoundResults,
    pub participant_id: String,
    pub comments: Vec<Comment>,
}

impl GuestReport {
    /// The organisation's own results.
    pub fn participant(&self) -> Result<&ParticipantResult> {
        self.results.participant(&self.participant_id)
    }

    /// Whether the report may still be commented on: until the round is closed, it is not
    /// final.
    pub fn open(&self) -> bool {
        self.results.round.is_open()
    }
}

/// A make-track project as a student invited to it sees it: the project (status, outcome,
/// the team and the students by name, what it delivers by name) and its data question, whose
/// comments and files are the project's.
#[derive(Debug, Clone)]
pub struct GuestProject {
    pub project: crate::learning::Project,
    /// The team's names (participants of the cohort).
    pub team: Vec<String>,
    /// What it delivers, by name: an indicator, monitor or dashboard.
    pub deliverables: Vec<String>,
    pub question: GuestQuestion,
}

/// What a guest opens.
#[derive(Debug, Clone)]
pub enum SharedObject {
    Question(Box<GuestQuestion>),
    Report(Box<GuestReport>),
    Project(Box<GuestProject>),
}

/// The question as a guest sees it.
async fn guest_question(ws: &Workspace, question: Question) -> Result<GuestQuestion> {
    let store = ws.store.questions();
    Ok(GuestQuestion {
        links: store.question_links(&question.id).await?,
        comments: store.comments(&question.id).await?,
        attachments: store.attachments(&question.id).await?,
        question,
    })
}

/// The names of what a project of organisation `org_id` delivers.
async fn deliverables(
    ws: &Workspace,
    org_id: &str,
    x: &crate::learning::Project,
) -> Result<Vec<String>> {
    use koers_core::questions::ProductPage;
    let product = x
        .product_kind
        .as_deref()
        .and_then(ProductPage::parse)
        .filter(|p| matches!(p, ProductPage::Indicator | ProductPage::Monitor))
        .zip(x.product_id.as_deref());
    let dashboard = x
        .dashboard_id
        .as_deref()
        .map(|id| (ProductPage::Dashboard, id));
    let mut out = Vec::new();
    for (page, id) in product.into_iter().chain(dashboard) {
        // A deliverable removed since is left out, not an error: the project stays readable.
        match crate::products::name_of(ws, org_id, page, id).await {
            Ok(name) => out.push(name),
            Err(koers_store::StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(out)
}

/// One object shared with `who`, as they may see it.
pub async fn open(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
) -> Result<(Shared, SharedObject)> {
    let grant = own_grant(ws, who, grant_id).await?;
    let organisation = ws.store.organisations().organisation(&grant.org_id).await?;
    let (title, object) = match grant.object_type {
        GuestObject::Question => {
            let g = guest_question(ws, shared_question(ws, &grant).await?).await?;
            (
                g.question.question.clone(),
                SharedObject::Question(Box::new(g)),
            )
        }
        GuestObject::LearningProject => {
            let project = ws
                .store
                .learning()
                .project(&grant.org_id, &grant.object_id)
                .await?;
            let cohort = ws
                .store
                .learning()
                .cohort(&grant.org_id, &project.cohort_id)
                .await?;
            let team = ws
                .store
                .learning()
                .participants(&cohort)
                .await?
                .into_iter()
                .filter(|p| project.members.contains(&p.id))
                .map(|p| p.name)
                .collect();
            let g = GuestProject {
                question: guest_question(ws, shared_question(ws, &grant).await?).await?,
                deliverables: deliverables(ws, &grant.org_id, &project).await?,
                team,
                project,
            };
            (g.project.title.clone(), SharedObject::Project(Box::new(g)))
        }
        GuestObject::MaturityReport => {
            let (round, p) = shared_participant(ws, &grant).await?;
            let title = report_title(&round, &p);
            let r = GuestReport {
                results: crate::maturity::results_of(ws, round).await?,
                comments: ws.store.maturity().report_comments(&p.id).await?,
                participant_id: p.id,
            };
            (title, SharedObject::Report(Box::new(r)))
        }
    };
    Ok((
        Shared {
            grant,
            organisation,
            title,
        },
        object,
    ))
}

/// The organisation whose report grant `g` shares, with its round.
async fn shared_participant(ws: &Workspace, g: &GuestGrant) -> Result<(Round, Participant)> {
    Ok(ws
        .store
        .maturity()
        .participant_of(&g.org_id, &g.object_id)
        .await?)
}

/// The data question grant `g` shares: the question itself, or the one the shared project
/// works out (a project that lost its question shares none).
async fn shared_question(ws: &Workspace, g: &GuestGrant) -> Result<Question> {
    let id = match g.object_type {
        GuestObject::Question => g.object_id.clone(),
        GuestObject::LearningProject => ws
            .store
            .learning()
            .project(&g.org_id, &g.object_id)
            .await?
            .question_id
            .ok_or(Error::NotFound)?,
        GuestObject::MaturityReport => return Err(Error::NotFound),
    };
    Ok(ws.store.questions().question(&g.org_id, &id).await?)
}

/// A question shared with `who` that their invitation lets them do `a` on.
async fn question_allowing(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
    a: Ability,
) -> Result<(GuestGrant, Question)> {
    let g = own_grant_allowing(ws, who, grant_id, a).await?;
    let question = shared_question(ws, &g).await?;
    Ok((g, question))
}

/// A guest's comment (`body`) on what is shared with them — the question, or their report
/// while its round is open — audited under their address and the organisation they come
/// from.
pub async fn comment(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
    mut input: Input,
) -> Result<Comment> {
    let g = own_grant_allowing(ws, who, grant_id, Ability::Comment).await?;
    let body = input.text("body");
    let body = input.finish(koers_core::error::long_text("body", &body, 5000))?;
    match g.object_type {
        GuestObject::Question | GuestObject::LearningProject => {
            let question = shared_question(ws, &g).await?;
            Ok(ws
                .store
                .questions()
                .add_comment(&question, &body, &g.actor())
                .await?)
        }
        GuestObject::MaturityReport => {
            let (round, p) = shared_participant(ws, &g).await?;
            if !round.is_open() {
                return Err(Error::Conflict(
                    "De ronde is gesloten: het rapport is definitief.".into(),
                ));
            }
            Ok(ws
                .store
                .maturity()
                .add_report_comment(&round, &p, &body, &g.actor())
                .await?)
        }
    }
}

/// Whether `who` may upload to what grant `grant_id` shares, asked before a file is received.
pub async fn may_upload(ws: &Workspace, who: &Principal, grant_id: &str) -> Result<()> {
    question_allowing(ws, who, grant_id, Ability::Upload)
        .await
        .map(|_| ())
}

/// Attaches a guest's file to the question shared with them (checked as any attachment).
pub async fn attach(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
    upload: Option<Upload>,
    max_bytes: u64,
) -> Result<Attachment> {
    let (g, question) = question_allowing(ws, who, grant_id, Ability::Upload).await?;
    q::attach_to(ws, &question, upload, max_bytes, &g.actor()).await
}

/// An attachment of the question shared with `who`, with its bytes.
pub async fn attachment_file(
    ws: &Workspace,
    who: &Principal,
    grant_id: &str,
    attachment_id: &str,
) -> Result<(Attachment, Vec<u8>)> {
    let g = own_grant(ws, who, grant_id).await?;
    let question = shared_question(ws, &g).await?;
    q::attachment_bytes(ws, &question, attachment_id).await
}
