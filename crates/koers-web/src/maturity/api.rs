//! `/maturity/...`: the maturity monitor through the API — framework versions, rounds,
//! participants, items, invitations and reminders, interviews and coding, scores with their
//! evidence, the benchmark and the report as PDF. Survey figures below a round's minimum
//! number of respondents are absent here as everywhere. Researchers only (see
//! [`koers_app::maturity`]); every member reads the framework.

use super::views::benchmark;
use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use axum::extract::{Path, Query};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get, post, put};
use axum::{Json, Router};
use koers_app::maturity::{
    self as uc, Aggregate, BenchmarkRow, Code, DimensionResult, Framework, FrameworkVersion,
    Invitation, IssuedLink, Item, ItemKind, ItemResult, Participant, ParticipantResult, Round,
    Score, Source,
};
use koers_core::maturity::Weights;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    routes! {
        "/maturity/framework" => get(get_maturity_framework).put(put_maturity_framework),
        "/maturity/rounds" => get(list_rounds).post(add_round),
        "/maturity/rounds/{round_id}" => get(get_round),
        "/maturity/rounds/{round_id}/close" => post(close),
        "/maturity/rounds/{round_id}/participants" =>
            get(list_participants).post(add_participant_api),
        "/maturity/rounds/{round_id}/participants/{participant_id}" =>
            put(put_participant).delete(delete_participant),
        "/maturity/rounds/{round_id}/items" => post(add_item_api),
        "/maturity/rounds/{round_id}/member-participants" => post(add_member_participants),
        "/maturity/member-reports" => get(list_member_reports),
        "/maturity/member-reports/{participant_id}" => get(get_member_report),
        "/maturity/rounds/{round_id}/items/{item_id}" => put(put_item).delete(delete_item),
        "/maturity/rounds/{round_id}/invitations" => get(list_invitations).post(add_invitations),
        "/maturity/rounds/{round_id}/reminders" => post(reminders),
        "/maturity/rounds/{round_id}/interviews" => post(add_interview_api),
        "/maturity/rounds/{round_id}/sources/{source_id}/codes" => post(add_code),
        "/maturity/rounds/{round_id}/sources/{source_id}/codes/{code_id}" => delete(remove_code),
        "/maturity/rounds/{round_id}/scores" => get(scores),
        "/maturity/rounds/{round_id}/benchmark" => get(get_benchmark),
        "/maturity/rounds/{round_id}/participants/{participant_id}/report" => get(report),
        "/maturity/rounds/{round_id}/previous" => put(link_previous),
        "/maturity/rounds/{round_id}/publication" => get(publication),
        "/maturity/rounds/{round_id}/participants/{participant_id}/recommendations/{dimension_key}" =>
            put(put_recommendation),
        "/maturity/rounds/{round_id}/participants/{participant_id}/trend" => get(get_trend),
    }
}

/// A version of the organisation's framework.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkOut {
    pub id: String,
    pub version: i64,
    #[schema(value_type = schema::Framework)]
    pub framework: Framework,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&FrameworkVersion> for FrameworkOut {
    fn from(f: &FrameworkVersion) -> Self {
        FrameworkOut {
            id: f.id.clone(),
            version: f.version,
            framework: f.framework.clone(),
            created_at: f.created_at.clone(),
        }
    }
}

/// A survey round.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoundOut {
    pub id: String,
    pub framework_id: String,
    pub name: String,
    pub year: i64,
    pub min_respondents: i64,
    #[schema(value_type = schema::Weights)]
    pub weights: Weights,
    /// `open` or `closed`.
    pub status: String,
    /// Whether the responses were generated (demo data).
    pub generated: bool,
    pub closed_at: Option<String>,
    /// The round of an earlier year this one follows, if any.
    pub previous_round_id: Option<String>,
    /// How this round's dimensions continue the previous round's: this key → the earlier
    /// key, or null for a dimension without history.
    pub dimension_map: std::collections::BTreeMap<String, Option<String>>,
}

impl From<&Round> for RoundOut {
    fn from(r: &Round) -> Self {
        RoundOut {
            id: r.id.clone(),
            framework_id: r.framework_id.clone(),
            name: r.name.clone(),
            year: r.year,
            min_respondents: r.min_respondents,
            weights: r.weights,
            status: r.status.clone(),
            generated: r.generated,
            closed_at: r.closed_at.clone(),
            previous_round_id: r.previous_round_id.clone(),
            dimension_map: r.dimension_map.clone(),
        }
    }
}

/// A new round; weights default to survey 0.5, documents 0.25, interviews 0.25.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoundIn {
    pub name: String,
    pub year: String,
    /// At least 3; default 5.
    pub min_respondents: Option<String>,
    /// A framework version id; the newest when left out.
    pub framework_id: Option<String>,
    pub weight_survey: Option<String>,
    pub weight_documents: Option<String>,
    pub weight_interviews: Option<String>,
}

/// A participating organisation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantOut {
    pub id: String,
    pub name: String,
    pub cbs_code: Option<String>,
    /// The member organisation in koers it stands for (in an umbrella body's round).
    pub member_organisation_id: Option<String>,
}

impl From<&Participant> for ParticipantOut {
    fn from(p: &Participant) -> Self {
        ParticipantOut {
            id: p.id.clone(),
            name: p.name.clone(),
            cbs_code: p.cbs_code.clone(),
            member_organisation_id: p.member_org_id.clone(),
        }
    }
}

/// How many member organisations were added.
#[derive(Serialize, ToSchema)]
pub struct AddedOut {
    pub added: usize,
}

/// A final report about the signed-in organisation in an umbrella body's round.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberReportOut {
    /// The participant's id: the report's address.
    pub participant_id: String,
    pub umbrella: String,
    pub round: String,
    pub year: i64,
}

impl From<&uc::MemberReport> for MemberReportOut {
    fn from(m: &uc::MemberReport) -> Self {
        MemberReportOut {
            participant_id: m.participant.id.clone(),
            umbrella: m.umbrella.name.clone(),
            round: m.round.name.clone(),
            year: m.round.year,
        }
    }
}

/// One such report: the organisation's results beside the round's averages.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberReportDetailOut {
    pub report: MemberReportOut,
    pub result: ParticipantResultOut,
    /// The mean over the organisations per dimension, in the framework's order.
    pub averages: Vec<Option<f64>>,
}

/// Have every member organisation of the umbrella body take part in the round (researchers
/// of an umbrella body; 409 without members or when the round is closed).
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/member-participants", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "Toegevoegd", body = AddedOut), (status = 409, description = "Geen lidorganisaties, of de ronde is gesloten")))]
pub async fn add_member_participants(ctx: Ctx, Path(id): Path<String>) -> JsonReply<AddedOut> {
    let added = uc::add_member_participants(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(AddedOut { added }))
}

/// The final reports about the signed-in organisation from the rounds of umbrella bodies it
/// is a member of (every member).
#[utoipa::path(get, path = "/maturity/member-reports", tag = "volwassenheid",
    responses((status = 200, description = "Rapporten", body = Vec<MemberReportOut>)))]
pub async fn list_member_reports(ctx: Ctx) -> JsonReply<Vec<MemberReportOut>> {
    Ok(Json(outs(&uc::member_reports(ctx.ws(), &ctx.who).await?)))
}

/// One of those reports (404 for any other participant, or a round not yet final).
#[utoipa::path(get, path = "/maturity/member-reports/{participantId}", tag = "volwassenheid", params(("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "Het rapport", body = MemberReportDetailOut)))]
pub async fn get_member_report(
    ctx: Ctx,
    Path(id): Path<String>,
) -> JsonReply<MemberReportDetailOut> {
    let (m, res) = uc::member_report(ctx.ws(), &ctx.who, &id).await?;
    let averages = res.averages();
    let result = res.participant(&m.participant.id)?.clone();
    Ok(Json(MemberReportDetailOut {
        report: MemberReportOut::from(&m),
        result: result.into(),
        averages,
    }))
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ParticipantIn {
    pub name: String,
    pub cbs_code: Option<String>,
}

/// A survey item.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ItemOut {
    pub id: String,
    pub position: i64,
    pub dimension_key: Option<String>,
    #[schema(value_type = schema::ItemKind)]
    pub kind: ItemKind,
    pub text: String,
}

impl From<&Item> for ItemOut {
    fn from(i: &Item) -> Self {
        ItemOut {
            id: i.id.clone(),
            position: i.position,
            dimension_key: i.dimension_key.clone(),
            kind: i.kind,
            text: i.text.clone(),
        }
    }
}

#[derive(ToSchema)]
pub struct ItemIn {
    /// A dimension key of the round's framework (required for `likert`).
    pub dimension: Option<String>,
    /// `likert` or `open`.
    pub kind: String,
    pub text: String,
}

/// New invitations for one participating organisation.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationsIn {
    pub participant_id: String,
    /// 1–200, as text.
    pub count: String,
    /// A role such as "gedeputeerde"; no names needed.
    pub label: Option<String>,
    /// E-mail addresses, one per line: one personal link each (then `count` does not count),
    /// sent by e-mail when SMTP is configured.
    pub emails: Option<String>,
}

/// An invitation and whether it was used (never its token).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InvitationOut {
    pub id: String,
    pub participant_id: String,
    pub label: String,
    pub used: bool,
}

impl From<&Invitation> for InvitationOut {
    fn from(i: &Invitation) -> Self {
        InvitationOut {
            id: i.id.clone(),
            participant_id: i.participant_id.clone(),
            label: i.label.clone(),
            used: i.used_at.is_some(),
        }
    }
}

#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InterviewIn {
    pub participant_id: String,
    pub title: String,
    pub notes: String,
    /// Whom the interview was with, by role (optional).
    #[schema(value_type = Option<schema::IntervieweeRole>)]
    pub interviewee_role: Option<String>,
}

/// A document or interview notes.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct EvidenceOut {
    pub id: String,
    pub participant_id: String,
    /// `document` or `interview`.
    pub kind: String,
    pub title: String,
    pub text: String,
    /// Whom an interview was with, by role, when recorded.
    #[schema(value_type = Option<schema::IntervieweeRole>)]
    pub interviewee_role: Option<String>,
}

impl From<&Source> for EvidenceOut {
    fn from(s: &Source) -> Self {
        EvidenceOut {
            id: s.id.clone(),
            participant_id: s.participant_id.clone(),
            kind: s.kind.clone(),
            title: s.title.clone(),
            text: s.text.clone(),
            interviewee_role: s.interviewee_role.clone(),
        }
    }
}

/// A passage coded to a dimension and level (1–5); the passage must occur in the text.
#[derive(ToSchema)]
pub struct CodeIn {
    pub dimension: String,
    pub level: String,
    pub passage: String,
    pub note: Option<String>,
}

/// A personal survey link, given out once.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = IssuedLink)]
pub struct IssuedLinkOut {
    pub invitation_id: String,
    pub organisation: String,
    pub cbs_code: Option<String>,
    pub label: String,
    /// The single-use link; koers keeps only a hash of its token.
    pub url: String,
}

impl From<IssuedLink> for IssuedLinkOut {
    fn from(l: IssuedLink) -> Self {
        IssuedLinkOut {
            invitation_id: l.invitation_id,
            organisation: l.organisation,
            cbs_code: l.cbs_code,
            label: l.label,
            url: l.url,
        }
    }
}

/// A coded passage, with where it comes from.
#[derive(Serialize, ToSchema)]
pub struct CodedPassageOut {
    pub id: String,
    pub source_id: String,
    pub source_title: String,
    /// `document` or `interview`.
    pub source_kind: String,
    pub participant_id: String,
    pub dimension_key: String,
    /// 1–5.
    pub level: i64,
    pub passage: String,
    pub note: String,
    pub coded_by: String,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<Code> for CodedPassageOut {
    fn from(c: Code) -> Self {
        CodedPassageOut {
            id: c.id,
            source_id: c.source_id,
            source_title: c.source_title,
            source_kind: c.source_kind,
            participant_id: c.participant_id,
            dimension_key: c.dimension_key,
            level: c.level,
            passage: c.passage,
            note: c.note,
            coded_by: c.coded_by,
            created_at: c.created_at,
        }
    }
}

/// One survey item's figure for one organisation (none below the threshold).
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ItemResult)]
pub struct ItemResultOut {
    pub item_id: String,
    pub text: String,
    #[schema(value_type = Option<schema::Aggregate>)]
    pub aggregate: Option<Aggregate>,
}

impl From<ItemResult> for ItemResultOut {
    fn from(i: ItemResult) -> Self {
        ItemResultOut {
            item_id: i.item_id,
            text: i.text,
            aggregate: i.aggregate,
        }
    }
}

/// One organisation on one dimension: the score, its parts and the evidence behind them.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DimensionResult)]
pub struct DimensionResultOut {
    pub key: String,
    pub name: String,
    #[serde(flatten)]
    #[schema(value_type = schema::Score)]
    pub score: Score,
    /// Respondents behind the survey part (only when it is shown).
    pub survey_respondents: Option<i64>,
    pub items: Vec<ItemResultOut>,
    /// Coded passages from documents and interviews.
    pub codes: Vec<CodedPassageOut>,
    /// The descriptor of the level reached (the finding) and of the next (the recommendation).
    pub finding: Option<String>,
    pub next_step: Option<String>,
    /// What the researcher recommends beside it.
    pub recommendation: Option<String>,
}

impl From<DimensionResult> for DimensionResultOut {
    fn from(d: DimensionResult) -> Self {
        DimensionResultOut {
            key: d.key,
            name: d.name,
            score: d.score,
            survey_respondents: d.survey_respondents,
            items: outs(d.items),
            codes: outs(d.codes),
            finding: d.finding,
            next_step: d.next_step,
            recommendation: d.recommendation,
        }
    }
}

/// One participating organisation's results.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ParticipantResult)]
pub struct ParticipantResultOut {
    pub id: String,
    pub name: String,
    pub cbs_code: Option<String>,
    pub invited: i64,
    pub responded: i64,
    /// Whether enough respondents answered for survey figures to be shown.
    pub survey_shown: bool,
    pub dimensions: Vec<DimensionResultOut>,
    /// Open comments, only when the survey is shown.
    pub comments: Vec<String>,
    /// The survey per respondent group, only for groups above the threshold (and never so
    /// that a hidden group follows from the others).
    pub groups: Vec<GroupResultOut>,
}

/// The survey part of one respondent group.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct GroupResultOut {
    /// executive (bestuurders), manager or employee (medewerkers).
    pub group: String,
    pub respondents: i64,
    /// Per dimension in the framework's order, 1–5; null where too few of the group answered.
    pub dimensions: Vec<Option<f64>>,
}

impl From<ParticipantResult> for ParticipantResultOut {
    fn from(p: ParticipantResult) -> Self {
        ParticipantResultOut {
            id: p.id,
            name: p.name,
            cbs_code: p.cbs_code,
            invited: p.invited,
            responded: p.responded,
            survey_shown: p.survey_shown,
            dimensions: outs(p.dimensions),
            comments: p.comments,
            groups: p
                .groups
                .into_iter()
                .map(|g| GroupResultOut {
                    group: g.group.as_str().into(),
                    respondents: g.respondents,
                    dimensions: g.dimensions,
                })
                .collect(),
        }
    }
}

/// One row of the benchmark.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = BenchmarkRow)]
pub struct BenchmarkRowOut {
    /// The organisation's name, or an anonymous label ("Provincie A").
    pub label: String,
    /// The CBS code, only when named.
    pub cbs_code: Option<String>,
    pub scores: Vec<Option<f64>>,
    pub overall: Option<f64>,
}

impl From<BenchmarkRow> for BenchmarkRowOut {
    fn from(r: BenchmarkRow) -> Self {
        BenchmarkRowOut {
            label: r.label,
            cbs_code: r.cbs_code,
            scores: r.scores,
            overall: r.overall,
        }
    }
}

/// The scores of a round, per organisation and dimension, with their evidence.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ScoresOut {
    pub round: RoundOut,
    /// How scores are computed.
    pub method: String,
    pub participants: Vec<ParticipantResultOut>,
}

/// The benchmark across organisations.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BenchmarkOut {
    pub dimensions: Vec<String>,
    pub anonymous: bool,
    pub rows: Vec<BenchmarkRowOut>,
    pub averages: Vec<Option<f64>>,
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct BenchmarkQuery {
    /// Anonymised labels ("Provincie A") instead of names.
    pub anonymous: Option<bool>,
}

/// The organisation's framework versions, newest first (koers' default is version 1).
#[utoipa::path(get, path = "/maturity/framework", tag = "volwassenheid", responses((status = 200, description = "Versies van het kader", body = Vec<FrameworkOut>)))]
pub async fn get_maturity_framework(ctx: Ctx) -> JsonReply<Vec<FrameworkOut>> {
    let versions = uc::frameworks(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&versions)))
}

/// Save a new version of the framework (earlier rounds keep theirs).
#[utoipa::path(put, path = "/maturity/framework", tag = "volwassenheid", request_body = schema::Framework, responses((status = 201, description = "Nieuwe versie", body = FrameworkOut)))]
pub async fn put_maturity_framework(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let v = uc::save_framework(ctx.ws(), &ctx.who, input).await?;
    Ok(created(FrameworkOut::from(&v)))
}

/// The organisation's rounds.
#[utoipa::path(get, path = "/maturity/rounds", tag = "volwassenheid", responses((status = 200, description = "Rondes", body = Vec<RoundOut>)))]
pub async fn list_rounds(ctx: Ctx) -> JsonReply<Vec<RoundOut>> {
    let rounds = uc::rounds(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&rounds)))
}

/// Start a round, with one statement per dimension and an open question.
#[utoipa::path(post, path = "/maturity/rounds", tag = "volwassenheid", request_body = RoundIn, responses((status = 201, description = "Gestart", body = RoundOut)))]
pub async fn add_round(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let r = uc::create_round(ctx.ws(), &ctx.who, input).await?;
    Ok(created(RoundOut::from(&r)))
}

/// A round with its items.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct RoundDetailOut {
    pub round: RoundOut,
    pub items: Vec<ItemOut>,
    pub sources: Vec<EvidenceOut>,
}

/// One round.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "De ronde", body = RoundDetailOut)))]
pub async fn get_round(ctx: Ctx, Path(id): Path<String>) -> JsonReply<RoundDetailOut> {
    let d = uc::round_detail(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(RoundDetailOut {
        round: RoundOut::from(&d.round),
        items: outs(&d.items),
        sources: outs(&d.sources),
    }))
}

/// Which earlier round a round follows, and how its dimensions continue that round's.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PreviousIn {
    /// The earlier round (of an earlier year); empty or absent: none.
    pub previous_round_id: Option<String>,
    /// This round's dimension key → the earlier round's key, or null for a new dimension;
    /// dimensions left out continue the one with the same key.
    pub dimension_map: Option<std::collections::BTreeMap<String, Option<String>>>,
}

/// Link a round to the round of an earlier year it follows (the study repeated).
#[utoipa::path(put, path = "/maturity/rounds/{roundId}/previous", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    request_body = PreviousIn, responses((status = 200, description = "Gekoppeld", body = RoundOut)))]
pub async fn link_previous(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<RoundOut> {
    let r = uc::link_round(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&r).into()))
}

/// One organisation over the years.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendOut {
    pub participant: ParticipantOut,
    /// The rounds of the chain, oldest first.
    pub rounds: Vec<RoundOut>,
    /// Per dimension of the newest round's framework: the organisation's score and the
    /// benchmark per round (null: no figure, e.g. below the round's anonymity threshold).
    pub dimensions: Vec<TrendLineOut>,
    /// The mean over the dimensions per round.
    pub overall: Vec<Option<f64>>,
    pub overall_benchmark: Vec<Option<f64>>,
}

#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TrendLineOut {
    pub key: String,
    pub name: String,
    pub values: Vec<Option<f64>>,
    pub benchmark: Vec<Option<f64>>,
}

impl From<&uc::Trend> for TrendOut {
    fn from(t: &uc::Trend) -> Self {
        let (overall, overall_benchmark) = koers_core::maturity::trend::overall(&t.lines);
        TrendOut {
            participant: ParticipantOut::from(&t.participant),
            rounds: outs(&t.rounds),
            dimensions: t
                .lines
                .iter()
                .map(|l| TrendLineOut {
                    key: l.key.clone(),
                    name: l.name.clone(),
                    values: l.values.clone(),
                    benchmark: l.benchmark.clone(),
                })
                .collect(),
            overall,
            overall_benchmark,
        }
    }
}

/// An organisation's scores and the benchmark over the years, along the rounds each round
/// follows (researchers).
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/participants/{participantId}/trend", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemende organisatie")),
    responses((status = 200, description = "Het verloop", body = TrendOut)))]
pub async fn get_trend(ctx: Ctx, Path((id, pid)): Path<(String, String)>) -> JsonReply<TrendOut> {
    let t = uc::trend(ctx.ws(), &ctx.who, &id, &pid).await?;
    Ok(Json((&t).into()))
}

/// Close the round: it is frozen from now on.
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/close", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "Gesloten", body = RoundOut), (status = 409, description = "Al gesloten")))]
pub async fn close(ctx: Ctx, Path(id): Path<String>) -> JsonReply<RoundOut> {
    let r = uc::close_round(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(RoundOut::from(&r)))
}

/// The participating organisations.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/participants", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "Deelnemers", body = Vec<ParticipantOut>)))]
pub async fn list_participants(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<ParticipantOut>> {
    let ps = uc::participants(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&ps)))
}

/// Add a participating organisation (a name and optionally its CBS code).
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/participants", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    request_body = ParticipantIn, responses((status = 201, description = "Toegevoegd", body = ParticipantOut), (status = 409, description = "De ronde is gesloten")))]
pub async fn add_participant_api(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let p = uc::add_participant(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(ParticipantOut::from(&p)))
}

/// Add a survey item.
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/items", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    request_body = ItemIn, responses((status = 201, description = "Toegevoegd", body = ItemOut), (status = 409, description = "De ronde is gesloten")))]
pub async fn add_item_api(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let i = uc::add_item(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(ItemOut::from(&i)))
}

/// The invitations and whether each was used.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/invitations", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "Uitnodigingen", body = Vec<InvitationOut>)))]
pub async fn list_invitations(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<InvitationOut>> {
    let invs = uc::invitations(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&invs)))
}

/// Create personal single-use links (`count` anonymous ones, or one per address in `emails`,
/// mailed when SMTP is configured); the links are in this answer only.
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/invitations", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    request_body = InvitationsIn, responses((status = 201, description = "De links", body = Vec<IssuedLinkOut>), (status = 409, description = "De ronde is gesloten")))]
pub async fn add_invitations(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    let handout = uc::invite(ctx.ws(), &ctx.who, &id, &base, input).await?;
    Ok(created(outs::<_, IssuedLinkOut>(handout.links)))
}

/// New links for every unanswered invitation (the old links stop working).
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/reminders", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "De nieuwe links", body = Vec<IssuedLinkOut>), (status = 409, description = "De ronde is gesloten")))]
pub async fn reminders(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> JsonReply<Vec<IssuedLinkOut>> {
    let base = ctx.state.cfg.base_url(&headers);
    let handout = uc::remind(ctx.ws(), &ctx.who, &id, &base, false).await?;
    Ok(Json(outs(handout.links)))
}

/// Add interview notes of a participating organisation.
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/interviews", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    request_body = InterviewIn, responses((status = 201, description = "Toegevoegd", body = EvidenceOut), (status = 409, description = "De ronde is gesloten")))]
pub async fn add_interview_api(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let s = uc::add_interview(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(created(EvidenceOut::from(&s)))
}

/// Code a passage of a document or interview.
#[utoipa::path(post, path = "/maturity/rounds/{roundId}/sources/{sourceId}/codes", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("sourceId" = String, Path, description = "Id van het document of interview")),
    request_body = CodeIn, responses((status = 201, description = "Gecodeerd", body = EvidenceOut), (status = 409, description = "De ronde is gesloten")))]
pub async fn add_code(
    ctx: Ctx,
    Path((id, sid)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> Reply {
    let s = uc::code(ctx.ws(), &ctx.who, &id, &sid, input).await?;
    Ok(created(EvidenceOut::from(&s)))
}

/// Remove a coded passage (a coding mistake) while the round is open.
#[utoipa::path(delete, path = "/maturity/rounds/{roundId}/sources/{sourceId}/codes/{codeId}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("sourceId" = String, Path, description = "Id van het document of interview"), ("codeId" = String, Path, description = "Id van de codering")),
    responses((status = 204, description = "Verwijderd"), (status = 409, description = "De ronde is gesloten")))]
pub async fn remove_code(
    ctx: Ctx,
    Path((id, sid, cid)): Path<(String, String, String)>,
) -> Result<StatusCode, AppError> {
    uc::uncode(ctx.ws(), &ctx.who, &id, &sid, &cid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Scores per organisation and dimension, with the survey aggregate (only from the minimum
/// number of respondents), the coded passages and the weights applied.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/scores", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "Scores met onderbouwing", body = ScoresOut)))]
pub async fn scores(ctx: Ctx, Path(id): Path<String>) -> JsonReply<ScoresOut> {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(ScoresOut {
        round: RoundOut::from(&res.round),
        method: koers_core::maturity::METHOD.into(),
        participants: outs(res.participants),
    }))
}

/// The benchmark across the round's organisations, named or anonymised.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/benchmark", tag = "volwassenheid", params(("roundId" = String, Path, description = "Id van de ronde"), BenchmarkQuery),
    responses((status = 200, description = "Benchmark", body = BenchmarkOut)))]
pub async fn get_benchmark(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<BenchmarkQuery>,
) -> JsonReply<BenchmarkOut> {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    let anonymous = q.anonymous.unwrap_or(false);
    Ok(Json(BenchmarkOut {
        dimensions: res
            .framework
            .framework
            .dimensions
            .iter()
            .map(|d| d.key.clone())
            .collect(),
        anonymous,
        rows: outs(benchmark(&res, anonymous, ctx.lang)),
        averages: res.averages(),
    }))
}

/// The report of one organisation as PDF.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/participants/{participantId}/report", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 200, description = "Het rapport", content_type = "application/pdf", body = Vec<u8>)))]
pub async fn report(ctx: Ctx, Path((id, pid)): Path<(String, String)>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    let p = res.participant(&pid)?;
    Ok((
        [(header::CONTENT_TYPE, "application/pdf")],
        super::views::report_pdf(&res, p, ctx.lang),
    )
        .into_response())
}

/// The study's publication of the round: the benchmark, the method and every organisation's
/// report in one PDF.
#[utoipa::path(get, path = "/maturity/rounds/{roundId}/publication", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde")),
    responses((status = 200, description = "De publicatie", content_type = "application/pdf", body = Vec<u8>)))]
pub async fn publication(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/pdf")],
        super::views::book_pdf(&res, ctx.lang),
    )
        .into_response())
}

/// Correct a participating organisation while the round is open.
#[utoipa::path(put, path = "/maturity/rounds/{roundId}/participants/{participantId}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemer")),
    request_body = ParticipantIn,
    responses((status = 200, description = "Gecorrigeerd", body = ParticipantOut)))]
pub async fn put_participant(
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<ParticipantOut> {
    let p = uc::update_participant(ctx.ws(), &ctx.who, &id, &pid, input).await?;
    Ok(Json((&p).into()))
}

/// Remove a participating organisation, with everything of it in the round, while the round
/// is open.
#[utoipa::path(delete, path = "/maturity/rounds/{roundId}/participants/{participantId}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemer")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_participant(
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    uc::remove_participant(ctx.ws(), &ctx.who, &id, &pid).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Correct a survey item while the round is open.
#[derive(ToSchema)]
pub struct ItemChangeIn {
    /// A dimension key of the round's framework; empty for none.
    pub dimension: Option<String>,
    pub text: String,
}

/// Correct a survey item's text and dimension while the round is open (its kind stays).
#[utoipa::path(put, path = "/maturity/rounds/{roundId}/items/{itemId}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("itemId" = String, Path, description = "Id van de vraag")),
    request_body = ItemChangeIn,
    responses((status = 200, description = "Gecorrigeerd", body = ItemOut)))]
pub async fn put_item(
    ctx: Ctx,
    Path((id, item)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<ItemOut> {
    let i = uc::update_item(ctx.ws(), &ctx.who, &id, &item, input).await?;
    Ok(Json((&i).into()))
}

/// Remove a survey item, with the answers to it, while the round is open.
#[utoipa::path(delete, path = "/maturity/rounds/{roundId}/items/{itemId}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("itemId" = String, Path, description = "Id van de vraag")),
    responses((status = 204, description = "Verwijderd")))]
pub async fn delete_item(
    ctx: Ctx,
    Path((id, item)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    uc::remove_item(ctx.ws(), &ctx.who, &id, &item).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The researcher's recommendation to an organisation on one dimension.
#[derive(ToSchema)]
pub struct RecommendationIn {
    /// At most 2,000 characters; empty removes the recommendation.
    pub text: String,
}

/// Write the researcher's own recommendation to an organisation on a dimension, beside the
/// generated one (while the round is open).
#[utoipa::path(put, path = "/maturity/rounds/{roundId}/participants/{participantId}/recommendations/{dimensionKey}", tag = "volwassenheid",
    params(("roundId" = String, Path, description = "Id van de ronde"), ("participantId" = String, Path, description = "Id van de deelnemer"), ("dimensionKey" = String, Path, description = "Sleutel van de dimensie")),
    request_body = RecommendationIn,
    responses((status = 204, description = "Opgeslagen")))]
pub async fn put_recommendation(
    ctx: Ctx,
    Path((id, pid, key)): Path<(String, String, String)>,
    JsonInput(input): JsonInput,
) -> Result<StatusCode, AppError> {
    uc::recommend(ctx.ws(), &ctx.who, &id, &pid, &key, input).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    add_member_participants,
    list_member_reports,
    get_member_report,
    get_maturity_framework,
    put_maturity_framework,
    list_rounds,
    add_round,
    get_round,
    close,
    list_participants,
    add_participant_api,
    add_item_api,
    list_invitations,
    add_invitations,
    reminders,
    add_interview_api,
    add_code,
    remove_code,
    scores,
    get_benchmark,
    report,
    link_previous,
    get_trend,
    publication,
    put_recommendation,
    put_participant,
    delete_participant,
    put_item,
    delete_item,
))]
pub struct Doc;
