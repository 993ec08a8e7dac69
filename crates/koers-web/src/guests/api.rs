//! `/data-questions/{id}/guests`, `/maturity/rounds/{id}/participants/{id}/guests`, `/guests`,
//! `/invitations` and `/shared`: guests through the API.

use crate::accounts::api::SessionOut;
use crate::api::{created, outs};
use crate::auth::{Ctx, presented_session, session_created};
use crate::error::{JsonReply, Reply};
use crate::input::JsonInput;
use crate::questions::api::{AttachmentIn, AttachmentOut, CommentIn, CommentOut, EvidenceOut};
use crate::questions::{attachment_response, read_upload};
use crate::schema;
use crate::state::AppState;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::HeaderMap;
use axum::routing::{delete, get, post};
use axum::{Json, Router};
use koers_app::guests::GuestGrant;
use koers_app::guests::{self, Invitation, Shared, SharedObject};
use koers_core::guests::{Ability, GrantState, GuestObject};
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/data-questions/{question_id}/guests" => get(list_question_guests).post(invite_to_question),
        "/maturity/rounds/{round_id}/participants/{participant_id}/guests" =>
            get(list_contacts).post(invite_contact),
        "/guests/{grant_id}" => delete(revoke),
        "/invitations/{token}" => get(get_invitation).post(accept),
        "/shared" => get(list_shared),
        "/shared/{grant_id}" => get(get_shared),
        "/shared/{grant_id}/comments" => post(comment),
        "/shared/{grant_id}/attachments" => post(upload).layer(DefaultBodyLimit::disable()),
        "/shared/{grant_id}/attachments/{attachment_id}" => get(download),
    }
}

/// An invitation of a guest, as the organisation sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuestOut {
    pub id: String,
    #[schema(value_type = schema::GuestObject)]
    pub object_type: GuestObject,
    pub object_id: String,
    pub email: String,
    pub name: String,
    /// The organisation the guest comes from.
    pub affiliation: String,
    #[schema(value_type = Vec<schema::GuestAbility>)]
    pub abilities: Vec<Ability>,
    #[schema(value_type = schema::GrantState)]
    pub state: GrantState,
    pub invited_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
    #[schema(format = DateTime)]
    pub accepted_at: Option<String>,
    #[schema(format = DateTime)]
    pub revoked_at: Option<String>,
}

impl From<&GuestGrant> for GuestOut {
    fn from(g: &GuestGrant) -> Self {
        GuestOut {
            id: g.id.clone(),
            object_type: g.object_type,
            object_id: g.object_id.clone(),
            email: g.email.clone(),
            name: g.name.clone(),
            affiliation: g.affiliation.clone(),
            abilities: g.abilities.clone(),
            state: g.state,
            invited_by: g.invited_by.clone(),
            created_at: g.created_at.clone(),
            expires_at: g.expires_at.clone(),
            accepted_at: g.accepted_at.clone(),
            revoked_at: g.revoked_at.clone(),
        }
    }
}

/// Invite a guest.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GuestIn {
    pub email: String,
    pub name: String,
    /// The organisation the guest comes from (a partner, a school, another government).
    pub affiliation: String,
    /// What the guest may do beyond reading (none: reading only).
    #[schema(value_type = Vec<schema::GuestAbility>)]
    pub abilities: Vec<String>,
    /// How many days the invitation and the access last (1–365; default 30).
    pub days: Option<i64>,
}

/// An invitation just made, with its link (shown once).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitedOut {
    pub guest: GuestOut,
    /// The link the guest takes the invitation up with; koers keeps only its digest.
    pub link: String,
    /// Whether koers mailed it (when the deployment sends e-mail).
    pub mailed: bool,
}

impl From<&guests::Invited> for InvitedOut {
    fn from(i: &guests::Invited) -> Self {
        InvitedOut {
            guest: GuestOut::from(&i.grant),
            link: i.link.clone(),
            mailed: i.mailed,
        }
    }
}

/// The guests invited to a data question.
#[utoipa::path(get, path = "/data-questions/{questionId}/guests", tag = "gasten",
    params(("questionId" = String, Path, description = "Id van de datavraag")),
    responses((status = 200, description = "Uitnodigingen", body = Vec<GuestOut>)))]
pub async fn list_question_guests(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<GuestOut>> {
    let grants = guests::guests_of(ctx.ws(), &ctx.who, (GuestObject::Question, &id)).await?;
    Ok(Json(outs(&grants)))
}

/// Invite someone from outside the organisation to a data question (those who manage
/// questions); the link is mailed when the deployment sends e-mail.
#[utoipa::path(post, path = "/data-questions/{questionId}/guests", tag = "gasten",
    params(("questionId" = String, Path, description = "Id van de datavraag")),
    request_body = GuestIn,
    responses((status = 201, description = "Uitgenodigd", body = InvitedOut)))]
pub async fn invite_to_question(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    let i = guests::invite(
        ctx.ws(),
        &ctx.who,
        (GuestObject::Question, &id),
        input,
        &base,
    )
    .await?;
    Ok(created(InvitedOut::from(&i)))
}

/// The guests invited to a participating organisation's report (its contact).
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/participants/{participantId}/guests", tag = "gasten",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemende organisatie")),
    responses((status = 200, description = "Uitnodigingen", body = Vec<GuestOut>)))]
pub async fn list_contacts(
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
) -> JsonReply<Vec<GuestOut>> {
    let grants = koers_app::maturity::report_guests(ctx.ws(), &ctx.who, &id, &pid).await?;
    Ok(Json(outs(&grants)))
}

/// Invite the organisation's contact to read their report and comment on it while the round
/// is open (researchers; `abilities` may only be `comment`).
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/participants/{participantId}/guests", tag = "gasten",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemende organisatie")),
    request_body = GuestIn,
    responses((status = 201, description = "Uitgenodigd", body = InvitedOut)))]
pub async fn invite_contact(
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, pid)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    let i =
        koers_app::maturity::invite_contact(ctx.ws(), &ctx.who, &id, &pid, input, &base).await?;
    Ok(created(InvitedOut::from(&i)))
}

/// Withdraw an invitation: its link stops working and the guest loses access.
#[utoipa::path(delete, path = "/guests/{grantId}", tag = "gasten",
    params(("grantId" = String, Path, description = "Id van de uitnodiging")),
    responses((status = 200, description = "Ingetrokken", body = GuestOut)))]
pub async fn revoke(ctx: Ctx, Path(id): Path<String>) -> JsonReply<GuestOut> {
    let g = guests::revoke(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&g).into()))
}

/// An invitation as its link shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationOut {
    pub organisation: String,
    pub title: String,
    pub name: String,
    pub email: String,
    #[schema(value_type = Vec<schema::GuestAbility>)]
    pub abilities: Vec<Ability>,
    #[schema(format = DateTime)]
    pub expires_at: String,
    /// Whether an account with this address exists: sign in to accept; otherwise send a
    /// display name and password to make one.
    pub has_account: bool,
}

impl From<&Invitation> for InvitationOut {
    fn from(i: &Invitation) -> Self {
        InvitationOut {
            organisation: i.organisation.name.clone(),
            title: i.title.clone(),
            name: i.grant.name.clone(),
            email: i.grant.email.clone(),
            abilities: i.grant.abilities.clone(),
            expires_at: i.grant.expires_at.clone(),
            has_account: i.has_account,
        }
    }
}

/// The invitation a link stands for (anyone holding the link); 409 when it expired, was
/// revoked or was taken up.
#[utoipa::path(get, path = "/invitations/{token}", tag = "gasten", security(()),
    params(("token" = String, Path, description = "Het geheim uit de link van de uitnodiging")),
    responses((status = 200, description = "De uitnodiging", body = InvitationOut)))]
pub async fn get_invitation(
    State(state): State<AppState>,
    Path(token): Path<String>,
) -> JsonReply<InvitationOut> {
    let i = guests::invitation(&state.ws, &token).await?;
    Ok(Json((&i).into()))
}

/// Take an invitation up: signed in (with the invitation's address), or with a new account
/// (`displayName`, `password`) that is signed in at once.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptIn {
    pub display_name: Option<String>,
    pub password: Option<String>,
}

/// An invitation taken up: what is shared now, and the session when a new account was made.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AcceptedOut {
    pub shared: SharedOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionOut>,
}

/// Take an invitation up. Signed in: the session's address must be the invitation's. Not
/// signed in: a new account is made with the invitation's address and signed in (the
/// session cookie is set; 409 when the address has an account already: sign in first).
#[utoipa::path(post, path = "/invitations/{token}", tag = "gasten", security(()),
    params(("token" = String, Path, description = "Het geheim uit de link van de uitnodiging")),
    request_body = AcceptIn,
    responses((status = 201, description = "Aangenomen", body = AcceptedOut)))]
pub async fn accept(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    headers: HeaderMap,
    Path(token): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    if let Some(ctx) = ctx {
        let shared = guests::accept(ctx.ws(), &ctx.who, &token).await?;
        return Ok(created(AcceptedOut {
            shared: SharedOut::from(&shared),
            session: None,
        }));
    }
    let previous = presented_session(&headers);
    let (signed_in, shared) = guests::accept_with_new_account(
        &state.ws,
        state.cfg.session_ttl,
        &token,
        input,
        previous.as_deref(),
    )
    .await?;
    let out = AcceptedOut {
        shared: SharedOut::from(&shared),
        session: Some(SessionOut::of(
            &signed_in.who,
            Some(signed_in.session.csrf_token.clone()),
        )),
    };
    Ok(session_created(&state, &signed_in.token, out))
}

/// Something shared with the signed-in person as a guest.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedOut {
    /// The invitation's id: the address of what is shared (`/shared/{grantId}`).
    pub id: String,
    pub organisation: String,
    #[schema(value_type = schema::GuestObject)]
    pub object_type: GuestObject,
    pub title: String,
    #[schema(value_type = Vec<schema::GuestAbility>)]
    pub abilities: Vec<Ability>,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl From<&Shared> for SharedOut {
    fn from(s: &Shared) -> Self {
        SharedOut {
            id: s.grant.id.clone(),
            organisation: s.organisation.name.clone(),
            object_type: s.grant.object_type,
            title: s.title.clone(),
            abilities: s.grant.abilities.clone(),
            expires_at: s.grant.expires_at.clone(),
        }
    }
}

/// What is shared with the signed-in person as a guest, in every organisation.
#[utoipa::path(get, path = "/shared", tag = "gasten",
    responses((status = 200, description = "Gedeeld met mij", body = Vec<SharedOut>)))]
pub async fn list_shared(ctx: Ctx) -> JsonReply<Vec<SharedOut>> {
    let shared = guests::shared_with_me(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&shared)))
}

/// What is shared, as the guest sees it: a data question, a make-track project or an
/// organisation's report.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedObjectOut {
    pub shared: SharedOut,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub question: Option<SharedQuestionOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub report: Option<SharedReportOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<SharedProjectOut>,
}

/// A make-track project as a student invited to it sees it; its data question carries the
/// project's comments and files.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedProjectOut {
    pub title: String,
    #[schema(value_type = schema::ProjectStatus)]
    pub status: koers_core::learning::ProjectStatus,
    pub outcome: String,
    /// The team's names.
    pub team: Vec<String>,
    /// The students, as `name; institution`.
    pub students: Vec<String>,
    /// What it delivers, by name.
    pub deliverables: Vec<String>,
    pub question: SharedQuestionOut,
}

impl From<&guests::GuestQuestion> for SharedQuestionOut {
    fn from(q: &guests::GuestQuestion) -> Self {
        SharedQuestionOut {
            question: q.question.question.clone(),
            policy_goal: q.question.policy_goal.clone(),
            status: q.question.status,
            evidence: outs(&q.links),
            comments: outs(&q.comments),
            attachments: outs(&q.attachments),
        }
    }
}

/// A data question as a guest sees it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedQuestionOut {
    pub question: String,
    pub policy_goal: String,
    #[schema(value_type = schema::Status)]
    pub status: koers_core::questions::Status,
    pub evidence: Vec<EvidenceOut>,
    pub comments: Vec<CommentOut>,
    pub attachments: Vec<AttachmentOut>,
}

/// An organisation's maturity report as its contact sees it (the threshold applied).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedReportOut {
    pub round: String,
    pub year: i64,
    /// The round is closed: the report is final and takes no more comments.
    pub r#final: bool,
    /// Whether enough respondents answered for survey figures to be shown.
    pub survey_shown: bool,
    pub dimensions: Vec<SharedScoreOut>,
    pub comments: Vec<CommentOut>,
}

/// One dimension of a shared report: the organisation's score and the round's average.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SharedScoreOut {
    pub key: String,
    pub name: String,
    pub score: Option<f64>,
    pub level: Option<i64>,
    pub average: Option<f64>,
    pub finding: Option<String>,
    pub next_step: Option<String>,
    /// What the researcher recommends beside it.
    pub recommendation: Option<String>,
}

/// One thing shared with the signed-in person (404 for anything not theirs, expired or
/// revoked).
#[utoipa::path(get, path = "/shared/{grantId}", tag = "gasten",
    params(("grantId" = String, Path, description = "Id van de uitnodiging")),
    responses((status = 200, description = "Wat gedeeld is", body = SharedObjectOut)))]
pub async fn get_shared(ctx: Ctx, Path(id): Path<String>) -> JsonReply<SharedObjectOut> {
    let (shared, object) = guests::open(ctx.ws(), &ctx.who, &id).await?;
    let (question, report, project) = match object {
        SharedObject::Question(q) => (Some(SharedQuestionOut::from(&*q)), None, None),
        SharedObject::Project(x) => {
            let project = SharedProjectOut {
                title: x.project.title.clone(),
                status: x.project.status,
                outcome: x.project.outcome.clone(),
                team: x.team.clone(),
                students: x
                    .project
                    .students
                    .iter()
                    .map(|s| format!("{}; {}", s.name, s.institution))
                    .collect(),
                deliverables: x.deliverables.clone(),
                question: SharedQuestionOut::from(&x.question),
            };
            (None, None, Some(project))
        }
        SharedObject::Report(r) => {
            let p = r.participant()?;
            let averages = r.results.averages();
            let report = SharedReportOut {
                round: r.results.round.name.clone(),
                year: r.results.round.year,
                r#final: !r.open(),
                survey_shown: p.survey_shown,
                dimensions: p
                    .dimensions
                    .iter()
                    .zip(averages)
                    .map(|(d, average)| SharedScoreOut {
                        key: d.key.clone(),
                        name: d.name.clone(),
                        score: d.score.score,
                        level: d.score.level,
                        average,
                        finding: d.finding.clone(),
                        next_step: d.next_step.clone(),
                        recommendation: d.recommendation.clone(),
                    })
                    .collect(),
                comments: outs(&r.comments),
            };
            (None, Some(report), None)
        }
    };
    Ok(Json(SharedObjectOut {
        shared: SharedOut::from(&shared),
        question,
        report,
        project,
    }))
}

/// Comment on what is shared (when the invitation allows commenting).
#[utoipa::path(post, path = "/shared/{grantId}/comments", tag = "gasten",
    params(("grantId" = String, Path, description = "Id van de uitnodiging")),
    request_body = CommentIn, responses((status = 201, description = "Geplaatst", body = CommentOut)))]
pub async fn comment(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let c = guests::comment(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(CommentOut::from(&c)))
}

/// Add a file to what is shared (when the invitation allows uploading); checked as every
/// attachment.
#[utoipa::path(post, path = "/shared/{grantId}/attachments", tag = "gasten",
    params(("grantId" = String, Path, description = "Id van de uitnodiging")),
    request_body(content = AttachmentIn, content_type = "multipart/form-data"),
    responses((status = 201, description = "Toegevoegd", body = AttachmentOut)))]
pub async fn upload(ctx: Ctx, Path(id): Path<String>, req: axum::extract::Request) -> Reply {
    let a = receive(&ctx, &id, req).await?;
    Ok(created(AttachmentOut::from(&a)))
}

/// Receives a guest's file for grant `id`: the invitation is checked before the body is read.
pub(super) async fn receive(
    ctx: &Ctx,
    id: &str,
    req: axum::extract::Request,
) -> Result<koers_app::questions::Attachment, crate::error::AppError> {
    guests::may_upload(ctx.ws(), &ctx.who, id).await?;
    let upload = read_upload(ctx, req).await?;
    let max = ctx.state.cfg.max_attachment_bytes;
    Ok(guests::attach(ctx.ws(), &ctx.who, id, upload, max).await?)
}

/// Download a file of what is shared.
#[utoipa::path(get, path = "/shared/{grantId}/attachments/{attachmentId}", tag = "gasten",
    params(("grantId" = String, Path, description = "Id van de uitnodiging"), ("attachmentId" = String, Path, description = "Id van de bijlage")),
    responses((status = 200, description = "Het bestand", content_type = "*/*", body = Vec<u8>)))]
pub async fn download(ctx: Ctx, Path((id, attachment_id)): Path<(String, String)>) -> Reply {
    let (a, bytes) = guests::attachment_file(ctx.ws(), &ctx.who, &id, &attachment_id).await?;
    Ok(attachment_response(&a, bytes))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_question_guests,
    invite_to_question,
    list_contacts,
    invite_contact,
    revoke,
    get_invitation,
    accept,
    list_shared,
    get_shared,
    comment,
    upload,
    download,
))]
pub struct Doc;
