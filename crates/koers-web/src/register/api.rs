//! `/applications`, `/choice-framework`, `/board-agenda`: the register of applications and
//! algorithms (M5) through the API.

use crate::api::outs;
use crate::auth::Ctx;
use crate::download::{CSV, download};
use crate::error::{AppError, JsonReply, Reply};
use crate::i18n::Lang;
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{get, post, put};
use axum::{Json, Router};
use koers_app::register::{
    self as reg, AiActWalk, AidStep, Application, ChoiceBody, FrameworkInForce, FrameworkVersion,
    RoutedChoice, ai_act_outcome, prescan_result, requirements_of,
};
use koers_core::register::ai_act::{Conclusion, QuestionView};
use koers_core::register::algoritmeregister::FieldValue;
use koers_core::register::chain::Broken;
use koers_core::register::choice::Choice;
use koers_core::register::choice::ChoiceStatus;
use koers_core::register::framework::Framework;
use koers_core::register::prescan::PrescanResult;
use koers_core::register::requirements::MeasureStatus;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/applications" => get(list_applications).post(create_application),
        "/applications/{application_id}" => get(get_application).put(update_application),
        "/applications/{application_id}/choices" => get(list_choices).post(create_choice),
        "/applications/{application_id}/choices/{choice_id}" => get(get_choice).put(revise_choice),
        "/applications/{application_id}/choices/{choice_id}/transitions" => post(transition_choice),
        "/applications/{application_id}/choices/{choice_id}/publication" => put(publish_choice).delete(withdraw_publication),
        "/public-decisions/{org_code}" => get(get_public_decisions),
        "/applications/{application_id}/algoritmeregister" => get(export_algoritmeregister),
        "/applications/{application_id}/publication" => put(set_publication),
        "/applications/{application_id}/ai-act-assessment" => post(assess_ai_act),
        "/applications/{application_id}/prescan" => put(set_prescan),
        "/applications/{application_id}/measures" => put(set_measure),
        "/choice-framework" => get(get_framework).put(put_framework),
        "/choice-framework/versions" => get(list_framework_versions),
        "/board-agenda" => get(board_agenda),
        "/meetings" => get(list_meetings).post(create_meeting),
        "/meetings/{meeting_id}" => get(get_meeting),
        "/meetings/{meeting_id}/decision-list" => get(get_decision_list),
        "/meetings/{meeting_id}/items" => post(place_on_agenda),
        "/meetings/{meeting_id}/items/{choice_id}/position" => post(move_on_agenda),
        "/decision-history" => get(decision_history),
    }
}

/// A registered application with its AI Act, pre-scan and measure state.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationOut {
    pub id: String,
    pub name: String,
    /// `monitor`, `dashboard`, `digital_twin`, `model`, `algorithm` or `other`.
    pub kind: String,
    pub purpose: String,
    pub department: String,
    pub lifecycle_phase: String,
    pub suppliers: Vec<String>,
    pub hosting: String,
    /// `in_development`, `in_use` or `out_of_use`.
    pub status: String,
    /// Empty when unknown.
    pub ai_act_risk_group: Option<String>,
    /// `decision_aid` or `manual`.
    pub ai_act_risk_source: Option<String>,
    pub citizen_impact: String,
    pub personal_data: bool,
    pub core_data_outsourced: bool,
    pub yearly_cost_eur: Option<u64>,
    pub dataset_ids: Vec<String>,
    pub product_links: Vec<String>,
    /// The stored decision-aid answers and conclusion, if taken (`AiActAssessmentOut`;
    /// described as an object so that its absence stays a plain `null` in the document).
    #[schema(value_type = Option<Object>)]
    pub ai_act_assessment: Option<AiActAssessmentOut>,
    /// The pre-scan outcome (which assessments are needed and why), if filled in
    /// (`PrescanResult`; described as an object so that its absence stays a plain `null`).
    #[schema(value_type = Option<Object>)]
    pub prescan: Option<PrescanResult>,
    /// Measure URN → status, responsible, evidence.
    #[schema(value_type = BTreeMap<String, schema::MeasureState>)]
    pub measures: Value,
    /// The Algoritmeregister fields filled in by hand: field name → value.
    #[schema(value_type = BTreeMap<String, schema::FieldValue>)]
    pub publication: BTreeMap<String, FieldValue>,
    /// Algoritmekader requirements that apply to the application's AI Act profile.
    pub requirements: Vec<RequirementOut>,
    /// The measures meeting them, each with status, responsible person and evidence.
    pub applicable_measures: Vec<MeasureOut>,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The decision aid's outcome stored on an application.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AiActAssessmentOut {
    /// The answer ids given, in order.
    pub answers: Vec<usize>,
    pub tree_version: String,
    /// The AI Act risk group the conclusion sets.
    pub risk_group: String,
    /// The conclusion, in words.
    pub conclusion: String,
    pub labels: Vec<String>,
    pub concluded_at: Option<String>,
}

/// An Algoritmekader requirement.
#[derive(Serialize, ToSchema)]
pub struct RequirementOut {
    pub urn: String,
    pub name: String,
    pub url: String,
}

/// An Algoritmekader measure and where it stands for the application.
#[derive(Serialize, ToSchema)]
pub struct MeasureOut {
    pub urn: String,
    pub name: String,
    pub url: String,
    /// `todo`, `in_progress`, `in_review`, `done` or `not_implemented`.
    pub status: String,
    pub responsible: Option<String>,
    pub evidence: Option<String>,
}

fn enum_s<T: Serialize>(v: &T) -> String {
    serde_json::to_value(v)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default()
}

impl From<&Application> for ApplicationOut {
    fn from(a: &Application) -> Self {
        let d = &a.draft;
        let aid = ai_act_outcome(a).map(|o| AiActAssessmentOut {
            answers: o.answers(),
            risk_group: o.conclusion.register_risk_group().as_str().into(),
            concluded_at: a.ai_act.as_ref().map(|s| s.concluded_at.clone()),
            tree_version: o.tree_version,
            conclusion: o.conclusion.text,
            labels: o.conclusion.labels,
        });
        let (reqs, measures) = requirements_of(a);
        let requirements = reqs
            .into_iter()
            .map(|r| RequirementOut {
                urn: r.urn,
                name: r.name,
                url: r.url,
            })
            .collect();
        let applicable_measures = measures
            .into_iter()
            .map(|m| {
                let st = a.measures.get(&m.urn);
                MeasureOut {
                    status: st
                        .map_or(MeasureStatus::Todo, |s| s.status)
                        .as_str()
                        .to_string(),
                    responsible: st.map(|s| s.responsible.clone()),
                    evidence: st.map(|s| s.evidence.clone()),
                    urn: m.urn,
                    name: m.name,
                    url: m.url,
                }
            })
            .collect();
        ApplicationOut {
            requirements,
            applicable_measures,
            id: a.id.clone(),
            name: d.name.clone(),
            kind: d.kind.as_str().into(),
            purpose: d.purpose.clone(),
            department: d.department.clone(),
            lifecycle_phase: d.lifecycle_phase.clone(),
            suppliers: d.suppliers.clone(),
            hosting: d.hosting.as_str().into(),
            status: d.status.as_str().into(),
            ai_act_risk_group: d.ai_act_risk.map(|r| r.group.as_str().into()),
            ai_act_risk_source: d.ai_act_risk.map(|r| enum_s(&r.source)),
            citizen_impact: d.citizen_impact.as_str().into(),
            personal_data: d.personal_data,
            core_data_outsourced: d.core_data_outsourced,
            yearly_cost_eur: d.yearly_cost_eur,
            dataset_ids: a.dataset_ids.clone(),
            product_links: a.product_links.clone(),
            ai_act_assessment: aid,
            prescan: prescan_result(a),
            measures: serde_json::to_value(&a.measures).unwrap_or(Value::Null),
            publication: a.publication.clone(),
            updated_at: a.updated_at.clone(),
        }
    }
}

/// An application to register or replace.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ApplicationIn {
    pub name: String,
    pub kind: String,
    pub purpose: String,
    pub department: String,
    pub lifecycle_phase: String,
    pub suppliers: Option<Vec<String>>,
    pub hosting: String,
    pub status: String,
    pub ai_act_risk_group: Option<String>,
    /// `none`, `low`, `medium` or `high`.
    pub citizen_impact: Option<String>,
    pub personal_data: Option<bool>,
    pub core_data_outsourced: Option<bool>,
    /// Whole euros, e.g. `250000` or `250.000`.
    pub yearly_cost_eur: Option<String>,
    pub dataset_ids: Option<Vec<String>>,
    pub product_links: Option<Vec<String>>,
}

/// A recorded choice (MADR) with where the framework in force routes it and why.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceOut {
    pub id: String,
    pub application_id: String,
    pub title: String,
    /// `proposed`, `advised`, `deferred`, `sent_back`, `rejected`, `decided` or `superseded`.
    pub status: String,
    /// The level the choice is recorded at: `official`, `management` or `board`.
    pub level: String,
    pub framework_version: Option<i64>,
    pub board_reference: Option<String>,
    /// The full decision record.
    #[schema(value_type = schema::Choice)]
    pub record: Choice,
    /// The routing by the framework in force: level, instruments, matched rules and why.
    #[schema(value_type = schema::ChoiceRouting)]
    pub routing: Value,
    /// The decision record as MADR 4 markdown.
    pub madr: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

impl From<&RoutedChoice> for ChoiceOut {
    fn from(c: &RoutedChoice) -> Self {
        let (rec, r) = (&c.record, &c.routing);
        let routing = crate::register::views::routing_json(Lang::Nl, r);
        ChoiceOut {
            id: rec.id.clone(),
            application_id: rec.application_id.clone(),
            title: rec.choice.title.clone(),
            status: rec.choice.status.as_str().into(),
            level: rec.level.as_str().to_string(),
            framework_version: rec.framework_version,
            board_reference: rec.board_reference.clone(),
            record: rec.choice.clone(),
            routing,
            madr: koers_core::register::choice::render_madr(&rec.choice),
            updated_at: rec.updated_at.clone(),
        }
    }
}

/// A choice to propose, in MADR shape.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceIn {
    pub title: String,
    /// `algorithm_selection`, `build_buy_outsource_reuse`, `hosting`, `data_sharing`, `open_source` or `other`.
    pub choice_type: String,
    pub context: String,
    pub drivers: Option<Vec<String>>,
    pub options: Vec<ChoiceOptionIn>,
    pub chosen_option: Option<String>,
    pub rationale: Option<String>,
    pub consequences: Option<Vec<ConsequenceIn>>,
    pub decision_makers: Option<Vec<String>>,
    pub consulted: Option<Vec<String>>,
    pub informed: Option<Vec<String>>,
    /// Ids of the evidence snapshots (frozen monitors and indicators) the proposal rests on.
    pub evidence: Option<Vec<String>>,
}

/// An option considered, with its arguments.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ChoiceOptionIn {
    pub title: String,
    pub description: Option<String>,
    pub pros: Option<Vec<String>>,
    pub cons: Option<Vec<String>>,
}

/// A consequence of the decision.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ConsequenceIn {
    /// `good`, `neutral` or `bad`.
    pub valence: String,
    pub text: String,
}

/// A status change.
#[derive(ToSchema)]
#[schema(as = ChoiceTransitionIn)]
#[serde(rename_all = "camelCase")]
pub struct TransitionIn {
    /// `advised`, `decided`, `sent_back`, `rejected`, `deferred` or `superseded`.
    pub to: String,
    /// For `advised`: the advice itself.
    pub advice: Option<String>,
    /// For `advised`: who gave the advice (a person or a body, such as the CIO office).
    pub adviser: Option<String>,
    /// For `decided`: the day of the decision, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub date: Option<String>,
    /// For `decided`.
    pub decision_maker: Option<String>,
    /// For `decided` at board level: the reference of the board's decision.
    pub reference: Option<String>,
    /// For `superseded`: the id of the replacing choice.
    pub superseded_by: Option<String>,
    /// For `decided`: another option than the one proposed (its title), with `rationale`.
    pub option: Option<String>,
    /// For `decided` on another option: why.
    pub rationale: Option<String>,
    /// For `sent_back` and `rejected` (required) and `deferred`: why.
    pub reason: Option<String>,
    /// For `deferred`: the meeting or date it is put off to.
    pub until: Option<String>,
}

/// A version of the choice framework.
#[derive(Serialize, ToSchema)]
#[schema(as = ChoiceFrameworkOut)]
#[serde(rename_all = "camelCase")]
pub struct FrameworkOut {
    /// None while the built-in default is in force.
    pub version: Option<i64>,
    /// The framework: `name` and `rules`, each with `name`, `description`, `condition`, `level`, `instruments`.
    #[schema(value_type = schema::ChoiceFramework)]
    pub framework: Framework,
    pub created_by: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: Option<String>,
}

impl From<&FrameworkVersion> for FrameworkOut {
    fn from(v: &FrameworkVersion) -> Self {
        FrameworkOut {
            version: Some(v.version),
            framework: v.framework.clone(),
            created_by: Some(v.created_by.clone()),
            created_at: Some(v.created_at.clone()),
        }
    }
}

/// A step of the AI Act decision aid.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AiActStepOut {
    /// The answers given so far (answer ids, in order).
    pub answers: Vec<usize>,
    pub concluded: bool,
    /// The next question with its answers, while not concluded.
    #[schema(value_type = Option<schema::AiActQuestion>)]
    pub question: Option<QuestionView>,
    /// The conclusion, once concluded (then stored on the application).
    #[schema(value_type = Option<schema::AiActConclusion>)]
    pub conclusion: Option<Conclusion>,
    pub risk_group: Option<String>,
}

/// Answers to the decision aid, replayed from the start.
#[derive(ToSchema)]
pub struct AiActIn {
    /// Answer ids in order; an empty list gives the first question.
    pub answers: Vec<usize>,
}

/// Pre-scan answers: question id → value (text, number, or a list for multiple choice).
#[derive(ToSchema)]
pub struct PrescanIn {
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Value>,
}

/// Where one Algoritmekader measure stands.
#[derive(ToSchema)]
pub struct MeasureIn {
    /// The measure's URN.
    pub measure: String,
    /// `todo`, `in_progress`, `in_review`, `done` or `not_implemented`.
    pub status: String,
    pub responsible: Option<String>,
    pub evidence: Option<String>,
}

/// The Algoritmeregister record and the problems the standard finds in it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AlgoritmeregisterOut {
    /// The record, fields in the order of publication standard 1.0.
    #[schema(value_type = Object)]
    pub record: Value,
    pub valid: bool,
    #[schema(value_type = Vec<schema::FieldError>)]
    pub problems: Vec<koers_core::FieldError>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `csv` for the CSV export; JSON otherwise.
    pub format: Option<String>,
}

/// The outcome of checking the organisation's decision history.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionHistoryOut {
    pub intact: bool,
    pub entries: usize,
    #[schema(value_type = Vec<schema::ChainBreak>)]
    pub problems: Vec<Broken>,
    /// The newest events.
    pub events: Vec<DecisionEventOut>,
}

/// An event in the decision history (field names as stored: snake_case).
#[derive(Serialize, ToSchema)]
pub struct DecisionEventOut {
    /// Its place in the chain.
    pub seq: i64,
    /// The hash linking it to the event before.
    pub hash: String,
    /// What was decided, as recorded.
    #[schema(value_type = Object)]
    pub payload: Value,
    #[schema(format = DateTime)]
    pub created_at: String,
}

/// The organisation's applications.
#[utoipa::path(get, path = "/applications", tag = "toepassingen",
    responses((status = 200, description = "Toepassingen", body = Vec<ApplicationOut>)))]
pub async fn list_applications(ctx: Ctx) -> JsonReply<Vec<ApplicationOut>> {
    let apps = reg::applications(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&apps)))
}

/// Register an application.
#[utoipa::path(post, path = "/applications", tag = "toepassingen", request_body = ApplicationIn,
    responses((status = 201, description = "Geregistreerd", body = ApplicationOut)))]
pub async fn create_application(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let a = reg::create_application(ctx.ws(), &ctx.who, input).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/applications/{}", a.id))],
        Json(ApplicationOut::from(&a)),
    )
        .into_response())
}

/// One application.
#[utoipa::path(get, path = "/applications/{applicationId}", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    responses((status = 200, description = "De toepassing", body = ApplicationOut)))]
pub async fn get_application(ctx: Ctx, Path(id): Path<String>) -> JsonReply<ApplicationOut> {
    let a = reg::application(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&a).into()))
}

/// Replace an application's attributes.
#[utoipa::path(put, path = "/applications/{applicationId}", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body = ApplicationIn,
    responses((status = 200, description = "Opgeslagen", body = ApplicationOut)))]
pub async fn update_application(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ApplicationOut> {
    let a = reg::update_application(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&a).into()))
}

/// The choices about an application, with their routing.
#[utoipa::path(get, path = "/applications/{applicationId}/choices", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    responses((status = 200, description = "Keuzes", body = Vec<ChoiceOut>)))]
pub async fn list_choices(ctx: Ctx, Path(id): Path<String>) -> JsonReply<Vec<ChoiceOut>> {
    let (_, choices) = reg::choices(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json(outs(&choices)))
}

/// Propose a choice (MADR); the framework in force routes it.
#[utoipa::path(post, path = "/applications/{applicationId}/choices", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body = ChoiceIn,
    responses((status = 201, description = "Vastgelegd", body = ChoiceOut)))]
pub async fn create_choice(ctx: Ctx, Path(id): Path<String>, JsonInput(input): JsonInput) -> Reply {
    let c = reg::create_choice(ctx.ws(), &ctx.who, &id, ChoiceBody::from_json(input)).await?;
    Ok((
        StatusCode::CREATED,
        [(
            header::LOCATION,
            format!("/api/v1/applications/{id}/choices/{}", c.record.id),
        )],
        Json(ChoiceOut::from(&c)),
    )
        .into_response())
}

/// One choice with its routing.
#[utoipa::path(get, path = "/applications/{applicationId}/choices/{choiceId}", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"),
           ("choiceId" = String, Path, description = "Id van de keuze")),
    responses((status = 200, description = "De keuze", body = ChoiceOut)))]
pub async fn get_choice(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
) -> JsonReply<ChoiceOut> {
    let (_, c) = reg::choice(ctx.ws(), &ctx.who, &id, &choice_id).await?;
    Ok(Json((&c).into()))
}

/// Revise a proposed or sent-back choice (the proposer's new version, in MADR shape): it is
/// proposed again and routed afresh; the revision is kept in the decision history.
#[utoipa::path(put, path = "/applications/{applicationId}/choices/{choiceId}", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"),
           ("choiceId" = String, Path, description = "Id van de keuze")),
    request_body = ChoiceIn,
    responses((status = 200, description = "De herziene keuze", body = ChoiceOut),
              (status = 409, description = "De keuze is intussen gewijzigd", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn revise_choice(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<ChoiceOut> {
    let c = reg::revise_choice(
        ctx.ws(),
        &ctx.who,
        &id,
        &choice_id,
        ChoiceBody::from_json(input),
    )
    .await?;
    Ok(Json((&c).into()))
}

/// Move a choice along proposed → advised → decided → superseded, or send it back, reject
/// or defer it; the board may decide on another option with its rationale. The board's acts
/// at board level need a board member (a decision with date and reference); four eyes: the
/// proposer does not advise, the adviser does not decide.
#[utoipa::path(post, path = "/applications/{applicationId}/choices/{choiceId}/transitions", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"),
           ("choiceId" = String, Path, description = "Id van de keuze")),
    request_body = TransitionIn,
    responses((status = 200, description = "De keuze na de overgang", body = ChoiceOut),
              (status = 409, description = "De keuze is intussen gewijzigd", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn transition_choice(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<ChoiceOut> {
    let c = reg::transition(ctx.ws(), &ctx.who, &id, &choice_id, input).await?;
    Ok(Json((&c).into()))
}

/// The Algoritmeregister record (publication standard 1.0) with its validation; `?format=csv`
/// gives the CSV.
#[utoipa::path(get, path = "/applications/{applicationId}/algoritmeregister", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"), ExportQuery),
    responses((status = 200, description = "Het record",
        content((AlgoritmeregisterOut = "application/json"), (String = "text/csv")))))]
pub async fn export_algoritmeregister(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(q): Query<ExportQuery>,
) -> Reply {
    let reg::Export { record, problems } = reg::export(ctx.ws(), &ctx.who, &id).await?;
    match q.format.as_deref() {
        None | Some("json") => {
            let value: Value = serde_json::from_str(&record.to_json())
                .map_err(|e| AppError::Internal(e.to_string()))?;
            Ok(Json(AlgoritmeregisterOut {
                record: value,
                valid: problems.is_empty(),
                problems,
            })
            .into_response())
        }
        Some("csv") => Ok(download(CSV, "algoritmeregister.csv", record.to_csv())),
        Some(_) => Err(AppError::Invalid(koers_core::Invalid::one(
            "format",
            "enum",
            "moet json of csv zijn",
        ))),
    }
}

/// Replace the Algoritmeregister fields filled in by hand.
#[utoipa::path(put, path = "/applications/{applicationId}/publication", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body(content = Object, description = "Velden van de publicatiestandaard die met de hand worden ingevuld, met hun sleutel uit de standaard: description_short, contact_email, website, url, begin_date, end_date, proportionality, human_intervention, risks, lawful_basis, source_data, methods_and_models, tags (tekst) en category (lijst)"),
    responses((status = 200, description = "Opgeslagen", body = ApplicationOut)))]
pub async fn set_publication(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ApplicationOut> {
    let a = reg::set_publication(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&a).into()))
}

/// Take the AI Act decision aid: send the answers so far, get the next question or the
/// conclusion (which is stored on the application and sets its AI Act risk group).
#[utoipa::path(post, path = "/applications/{applicationId}/ai-act-assessment", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body = AiActIn,
    responses((status = 200, description = "De volgende vraag of de conclusie", body = AiActStepOut)))]
pub async fn assess_ai_act(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<AiActStepOut> {
    let AiActWalk { answers, step, .. } =
        reg::assess_ai_act(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json(match step {
        AidStep::Question(q) => AiActStepOut {
            answers,
            concluded: false,
            question: Some(*q),
            conclusion: None,
            risk_group: None,
        },
        AidStep::Concluded(o) => AiActStepOut {
            answers,
            concluded: true,
            risk_group: Some(o.conclusion.register_risk_group().as_str().into()),
            question: None,
            conclusion: Some(o.conclusion),
        },
    }))
}

/// Store the DPIA/IAMA pre-scan answers; answers the outcome.
#[utoipa::path(put, path = "/applications/{applicationId}/prescan", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body = PrescanIn,
    responses((status = 200, description = "De uitkomst", body = schema::PrescanResult)))]
pub async fn set_prescan(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<PrescanResult> {
    Ok(Json(
        reg::save_prescan(ctx.ws(), &ctx.who, &id, input).await?,
    ))
}

/// Record where an Algoritmekader measure stands: status, responsible person and evidence.
#[utoipa::path(put, path = "/applications/{applicationId}/measures", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing")),
    request_body = MeasureIn,
    responses((status = 200, description = "Opgeslagen", body = ApplicationOut)))]
pub async fn set_measure(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<ApplicationOut> {
    let a = reg::set_measure(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&a).into()))
}

/// The choice framework in force (the built-in default until the organisation saves one).
#[utoipa::path(get, path = "/choice-framework", tag = "toepassingen",
    responses((status = 200, description = "Het keuzekader", body = FrameworkOut)))]
pub async fn get_framework(ctx: Ctx) -> JsonReply<FrameworkOut> {
    Ok(Json(
        match reg::framework_in_force(ctx.ws(), &ctx.who).await? {
            FrameworkInForce::Saved(v) => (&v).into(),
            FrameworkInForce::Default(f) => FrameworkOut {
                version: None,
                framework: f,
                created_by: None,
                created_at: None,
            },
        },
    ))
}

/// Save the framework as a new version (administrators). The body is the framework:
/// `{name, rules: [{name, description, condition, level, instruments}], deciders}`, where
/// `deciders` optionally names per level (`official`, `management`, `board`) who decides
/// there: `{roles: [...], members: [user ids]}`.
#[utoipa::path(put, path = "/choice-framework", tag = "toepassingen",
    request_body(content = Object, description = "Het keuzekader"),
    responses((status = 200, description = "De nieuwe versie", body = FrameworkOut)))]
pub async fn put_framework(ctx: Ctx, JsonInput(input): JsonInput) -> JsonReply<FrameworkOut> {
    let text = Value::Object(input.fields().clone()).to_string();
    let v = reg::save_framework(ctx.ws(), &ctx.who, &text).await?;
    Ok(Json((&v).into()))
}

/// Every saved version of the framework, newest first.
#[utoipa::path(get, path = "/choice-framework/versions", tag = "toepassingen",
    responses((status = 200, description = "Versies", body = Vec<FrameworkOut>)))]
pub async fn list_framework_versions(ctx: Ctx) -> JsonReply<Vec<FrameworkOut>> {
    let versions = reg::framework_versions(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&versions)))
}

/// A choice on the board's agenda, with the latest meeting whose agenda holds it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgendaItemOut {
    #[serde(flatten)]
    pub choice: ChoiceOut,
    /// The latest meeting it is placed on, if any: who decides and on what day.
    pub meeting: Option<MeetingOut>,
}

/// Choices routed to the board and not decided yet, each with the meeting it is on.
#[utoipa::path(get, path = "/board-agenda", tag = "toepassingen",
    responses((status = 200, description = "De bestuursagenda", body = Vec<AgendaItemOut>)))]
pub async fn board_agenda(ctx: Ctx) -> JsonReply<Vec<AgendaItemOut>> {
    let items = reg::board_agenda(ctx.ws(), &ctx.who).await?;
    Ok(Json(
        items
            .iter()
            .map(|i| AgendaItemOut {
                choice: (&i.choice).into(),
                meeting: i.meeting.as_ref().map(Into::into),
            })
            .collect(),
    ))
}

/// A meeting of a body that decides.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingOut {
    pub id: String,
    /// Gedeputeerde Staten, Provinciale Staten, the management team, …
    pub body: String,
    #[schema(format = Date)]
    pub held_on: String,
    /// The level whose choices it decides: `management` or `board`.
    #[schema(value_type = String)]
    pub level: koers_core::register::framework::DecisionLevel,
}

impl From<&reg::MeetingRecord> for MeetingOut {
    fn from(m: &reg::MeetingRecord) -> Self {
        MeetingOut {
            id: m.id.clone(),
            body: m.body.clone(),
            held_on: m.held_on.clone(),
            level: m.level,
        }
    }
}

/// A meeting with its agenda, in order, and its decision list: the choices with an outcome
/// (decided, sent back, rejected, deferred) and their reasons.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingAgendaOut {
    pub meeting: MeetingOut,
    pub agenda: Vec<ChoiceOut>,
    pub decision_list: Vec<ChoiceOut>,
}

impl From<&reg::MeetingAgenda> for MeetingAgendaOut {
    fn from(a: &reg::MeetingAgenda) -> Self {
        MeetingAgendaOut {
            meeting: (&a.meeting).into(),
            agenda: a.items.iter().map(|i| (&i.choice).into()).collect(),
            decision_list: a.decisions().map(|i| (&i.choice).into()).collect(),
        }
    }
}

/// One item of a decision list: what the body decided about a choice on its agenda.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionOut {
    /// The item's place on the agenda, from 1.
    pub position: usize,
    pub choice_id: String,
    pub application_id: String,
    pub application: String,
    pub title: String,
    /// `decided`, `sent_back`, `rejected` or `deferred`.
    pub outcome: String,
    /// The option decided on, when decided.
    pub chosen_option: Option<String>,
    /// The option the proposal named, where the body chose another.
    pub proposed_option: Option<String>,
    pub rationale: Option<String>,
    /// Why it was sent back, rejected or deferred, or another option chosen.
    pub reason: Option<String>,
    /// The meeting or date a deferred item is put off to.
    pub deferred_to: Option<String>,
    /// The body's reference (decision number).
    pub reference: Option<String>,
    #[schema(format = Date)]
    pub decided_on: Option<String>,
    pub decided_by: Option<String>,
}

/// A meeting's decision list ("besluitenlijst").
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct DecisionListOut {
    pub meeting: MeetingOut,
    pub decisions: Vec<DecisionOut>,
}

impl From<&reg::MeetingAgenda> for DecisionListOut {
    fn from(a: &reg::MeetingAgenda) -> Self {
        let decisions = a
            .items
            .iter()
            .enumerate()
            .filter(|(_, x)| x.choice.record.choice.status.has_outcome())
            .map(|(i, x)| {
                let (r, c) = (&x.choice.record, &x.choice.record.choice);
                DecisionOut {
                    position: i + 1,
                    choice_id: r.id.clone(),
                    application_id: r.application_id.clone(),
                    application: x.application.draft.name.clone(),
                    title: c.title.clone(),
                    outcome: c.status.as_str().into(),
                    chosen_option: c
                        .chosen_option
                        .clone()
                        .filter(|_| c.status == ChoiceStatus::Decided),
                    proposed_option: c.proposed_option.clone(),
                    rationale: c.rationale.clone(),
                    reason: c.board_reason.clone(),
                    deferred_to: c.deferred_to.clone(),
                    reference: r.board_reference.clone(),
                    decided_on: c.decided_on.map(|d| d.to_string()),
                    decided_by: c.decided_by.clone(),
                }
            })
            .collect();
        DecisionListOut {
            meeting: (&a.meeting).into(),
            decisions,
        }
    }
}

/// A meeting's decision list: each item with an outcome, its decision or reason and the
/// body's reference (also as PDF and OpenDocument text on the meeting's page).
#[utoipa::path(get, path = "/meetings/{meetingId}/decision-list", tag = "toepassingen",
    params(("meetingId" = String, Path, description = "Id van de vergadering")),
    responses((status = 200, description = "De besluitenlijst", body = DecisionListOut),
        (status = 404, description = "Geen vergadering van deze organisatie", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn get_decision_list(ctx: Ctx, Path(id): Path<String>) -> JsonReply<DecisionListOut> {
    let a = reg::meeting(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&a).into()))
}

/// Which parts of a decision to leave out of its publication.
#[derive(ToSchema)]
pub struct PublicationIn {
    /// `context`, `decision`, `rationale`, `body` and/or `reference`.
    pub redacted: Vec<String>,
}

/// How a decision is published on the organisation's public page.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicationOut {
    pub choice_id: String,
    pub redacted: Vec<String>,
    pub published_by: String,
    pub published_at: String,
    /// The public page (no sign-in needed).
    pub public_page: String,
}

/// Publish a decided or rejected choice on the organisation's public page of decisions (Woo),
/// leaving out the parts named in `redacted`; publishing again changes what is left out.
#[utoipa::path(put, path = "/applications/{applicationId}/choices/{choiceId}/publication", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"),
           ("choiceId" = String, Path, description = "Id van de keuze")),
    request_body = PublicationIn,
    responses((status = 200, description = "Openbaar gemaakt", body = PublicationOut)))]
pub async fn publish_choice(
    ctx: Ctx,
    Path((application_id, choice_id)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<PublicationOut> {
    let p = reg::publish_choice(ctx.ws(), &ctx.who, &application_id, &choice_id, input).await?;
    let code = reg::public_code(&ctx.who.org);
    Ok(Json(PublicationOut {
        choice_id: p.choice_id,
        redacted: p.redacted,
        published_by: p.published_by,
        published_at: p.published_at,
        public_page: format!("/besluiten/{code}"),
    }))
}

/// Take a decision off the public page of decisions.
#[utoipa::path(delete, path = "/applications/{applicationId}/choices/{choiceId}/publication", tag = "toepassingen",
    params(("applicationId" = String, Path, description = "Id van de toepassing"),
           ("choiceId" = String, Path, description = "Id van de keuze")),
    responses((status = 204, description = "Niet langer openbaar")))]
pub async fn withdraw_publication(
    ctx: Ctx,
    Path((application_id, choice_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    reg::withdraw_publication(ctx.ws(), &ctx.who, &application_id, &choice_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A published decision as the public reads it; parts left out are named in `redacted`.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicDecisionOut {
    pub title: String,
    /// `decided` or `rejected`.
    pub outcome: String,
    #[schema(format = Date)]
    pub date: Option<String>,
    pub body: Option<String>,
    pub context: Option<String>,
    pub decision: Option<String>,
    pub rationale: Option<String>,
    pub reference: Option<String>,
    pub redacted: Vec<String>,
    pub published_at: String,
}

/// An organisation's public decisions.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct PublicDecisionsOut {
    pub organisation: String,
    pub decisions: Vec<PublicDecisionOut>,
}

/// The decisions an organisation (by CBS code, e.g. `PV26`) published under the Open
/// Government Act (Woo); no sign-in needed.
#[utoipa::path(get, path = "/public-decisions/{orgCode}", tag = "toepassingen", security(()),
    params(("orgCode" = String, Path, description = "CBS-code van de organisatie, zoals PV26")),
    responses((status = 200, description = "De openbare besluiten", body = PublicDecisionsOut),
        (status = 404, description = "Geen organisatie met deze code", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn get_public_decisions(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> JsonReply<PublicDecisionsOut> {
    let p = reg::public_decisions(&state.ws, &code).await?;
    Ok(Json(PublicDecisionsOut {
        organisation: p.organisation.name,
        decisions: p
            .decisions
            .into_iter()
            .map(|(r, at)| PublicDecisionOut {
                title: r.title,
                outcome: r.outcome,
                date: r.date,
                body: r.body,
                context: r.context,
                decision: r.decision,
                rationale: r.rationale,
                reference: r.reference,
                redacted: r.redacted.iter().map(|f| f.as_str().to_string()).collect(),
                published_at: at,
            })
            .collect(),
    }))
}

/// A meeting to record.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MeetingIn {
    pub body: String,
    #[schema(format = Date)]
    pub held_on: String,
    /// `management` or `board`; by default the management for a management team, else the
    /// board.
    pub level: Option<String>,
}

/// A choice to place on an agenda.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AgendaItemIn {
    pub choice_id: String,
}

/// The organisation's meetings, the latest first.
#[utoipa::path(get, path = "/meetings", tag = "toepassingen",
    responses((status = 200, description = "Vergaderingen", body = Vec<MeetingOut>)))]
pub async fn list_meetings(ctx: Ctx) -> JsonReply<Vec<MeetingOut>> {
    let all = reg::meetings(ctx.ws(), &ctx.who).await?;
    Ok(Json(all.iter().map(MeetingOut::from).collect()))
}

/// Record a meeting of a body on a day (board members and those who record choices).
#[utoipa::path(post, path = "/meetings", tag = "toepassingen",
    request_body = MeetingIn,
    responses((status = 201, description = "Vastgelegd", body = MeetingOut)))]
pub async fn create_meeting(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let m = reg::create_meeting(ctx.ws(), &ctx.who, input).await?;
    Ok((
        StatusCode::CREATED,
        [(header::LOCATION, format!("/api/v1/meetings/{}", m.id))],
        Json(MeetingOut::from(&m)),
    )
        .into_response())
}

/// A meeting with its agenda and decision list.
#[utoipa::path(get, path = "/meetings/{meetingId}", tag = "toepassingen",
    params(("meetingId" = String, Path, description = "Id van de vergadering")),
    responses((status = 200, description = "De vergadering", body = MeetingAgendaOut)))]
pub async fn get_meeting(ctx: Ctx, Path(id): Path<String>) -> JsonReply<MeetingAgendaOut> {
    let a = reg::meeting(ctx.ws(), &ctx.who, &id).await?;
    Ok(Json((&a).into()))
}

/// Place a choice that waits for a decision last on the meeting's agenda; the board members
/// are notified. A choice already on it: 409.
#[utoipa::path(post, path = "/meetings/{meetingId}/items", tag = "toepassingen",
    params(("meetingId" = String, Path, description = "Id van de vergadering")),
    request_body = AgendaItemIn,
    responses((status = 200, description = "De vergadering met haar agenda", body = MeetingAgendaOut),
              (status = 409, description = "De keuze staat al op de agenda", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn place_on_agenda(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonInput(input): JsonInput,
) -> JsonReply<MeetingAgendaOut> {
    let a = reg::place_on_agenda(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Json((&a).into()))
}

/// Which way an agenda item moves.
#[derive(ToSchema)]
pub struct MoveIn {
    /// `up` or `down`.
    pub direction: String,
}

/// Move a choice one place up or down on the meeting's agenda.
#[utoipa::path(post, path = "/meetings/{meetingId}/items/{choiceId}/position", tag = "toepassingen",
    params(("meetingId" = String, Path, description = "Id van de vergadering"),
           ("choiceId" = String, Path, description = "Id van de keuze op de agenda")),
    request_body = MoveIn,
    responses((status = 200, description = "De vergadering met haar agenda", body = MeetingAgendaOut)))]
pub async fn move_on_agenda(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<MeetingAgendaOut> {
    let a = reg::move_on_agenda(ctx.ws(), &ctx.who, &id, &choice_id, input).await?;
    Ok(Json((&a).into()))
}

/// The tamper-evident history of decisions and whether it is intact (audit readers).
#[utoipa::path(get, path = "/decision-history", tag = "toepassingen",
    responses((status = 200, description = "De besluitgeschiedenis", body = DecisionHistoryOut)))]
pub async fn decision_history(ctx: Ctx) -> JsonReply<DecisionHistoryOut> {
    let h = reg::decision_history(ctx.ws(), &ctx.who).await?;
    Ok(Json(DecisionHistoryOut {
        intact: h.check.is_intact(),
        entries: h.check.entries,
        problems: h.check.problems,
        events: h
            .events
            .into_iter()
            .map(|e| DecisionEventOut {
                seq: e.seq,
                hash: e.hash,
                payload: e.payload,
                created_at: e.created_at,
            })
            .collect(),
    }))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_applications,
    create_application,
    get_application,
    update_application,
    list_choices,
    revise_choice,
    list_meetings,
    create_meeting,
    get_meeting,
    get_decision_list,
    publish_choice,
    withdraw_publication,
    get_public_decisions,
    place_on_agenda,
    move_on_agenda,
    create_choice,
    get_choice,
    transition_choice,
    export_algoritmeregister,
    set_publication,
    assess_ai_act,
    set_prescan,
    set_measure,
    get_framework,
    put_framework,
    list_framework_versions,
    board_agenda,
    decision_history,
))]
pub struct Doc;
