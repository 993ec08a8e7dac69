//! How the API document describes the values of koers-core that the API sends and receives.
//! koers-core knows nothing of OpenAPI: its types keep their serde form (the form on the wire
//! and in storage), and this module gives each a named schema that `*In`/`*Out` fields point
//! to with `#[schema(value_type = schema::…)]`.
//!
//! A string enum is described from its own list of values, `ALL`, each serialised as serde
//! sends it, so the schema and the wire cannot spell a value differently. A structure is
//! described by a schema-only type with the same fields. This module imports nothing from the
//! crate, so every module may use it.

use serde::Serialize;
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{AnyOfBuilder, ArrayBuilder, ObjectBuilder, Schema, Type};

/// The schema of a string enum: `values` as serde writes them, with the doc comment as its
/// description.
fn string_enum<T: Serialize>(doc: &[&str], values: &[T]) -> RefOr<Schema> {
    let description = doc.iter().map(|l| l.trim()).collect::<Vec<_>>().join("\n");
    ObjectBuilder::new()
        .schema_type(Type::String)
        .description(Some(description))
        .enum_values(Some(
            values
                .iter()
                .map(|v| serde_json::to_value(v).unwrap_or_default()),
        ))
        .into()
}

/// Names a schema for each string enum of koers-core, built from the enum's `ALL`.
macro_rules! string_enums {
    ($($(#[doc = $doc:literal])+ $name:ident = $core:ty;)*) => {$(
        $(#[doc = $doc])+
        pub struct $name;

        impl utoipa::PartialSchema for $name {
            fn schema() -> RefOr<Schema> {
                string_enum(&[$($doc),+], &<$core>::ALL)
            }
        }

        impl ToSchema for $name {}
    )*};
}

string_enums! {
    /// A role a user holds in one organisation. A user may hold several.
    Role = koers_core::Role;
    /// The kind of public organisation.
    OrgKind = koers_core::OrgKind;
    /// What a token may do.
    TokenScope = koers_core::tokens::TokenScope;
    /// Access rights, from the EU vocabulary that DCAT-AP-NL uses.
    AccessRights = koers_core::catalog::AccessRights;
    /// Where a question stands.
    Status = koers_core::questions::Status;
    /// Whom a maturity interview was with, by role.
    IntervieweeRole = koers_core::maturity::IntervieweeRole;
    /// What a guest may be invited to.
    GuestObject = koers_core::guests::GuestObject;
    /// What a guest may do beyond reading.
    GuestAbility = koers_core::guests::Ability;
    /// Where a guest's invitation stands.
    GrantState = koers_core::guests::GrantState;
    /// The type of a parameter.
    ParamKind = koers_core::analysis::ParamKind;
    /// The time grain of an indicator's series.
    Grain = koers_core::indicators::Grain;
    /// Which way is good.
    Direction = koers_core::indicators::Direction;
    /// The judgement of a value.
    Light = koers_core::indicators::Light;
    /// How the last value compares with the one before.
    Trend = koers_core::indicators::Trend;
    /// What a widget shows.
    WidgetKind = koers_core::dashboards::WidgetKind;
    /// The regions a map is drawn with (the 2025 boundaries).
    Level = koers_core::dashboards::Level;
    /// How a filter is chosen.
    FilterKind = koers_core::dashboards::FilterKind;
    /// Who may open a dashboard.
    Visibility = koers_core::dashboards::Visibility;
    /// What kind of answer an item takes.
    ItemKind = koers_core::maturity::ItemKind;
    /// Where a make-track project stands.
    ProjectStatus = koers_core::learning::ProjectStatus;
    /// Whether an assessment is required or recommended.
    NeedLevel = koers_core::register::prescan::NeedLevel;
    /// Why the decision history is broken.
    BreakKind = koers_core::register::chain::BreakKind;
    /// Who takes a decision, from lowest to highest.
    DecisionLevel = koers_core::register::framework::DecisionLevel;
    /// An instrument a choice requires.
    Instrument = koers_core::register::framework::Instrument;
    /// An AI Act risk group.
    AiActRiskGroup = koers_core::register::application::AiActRiskGroup;
    /// How much an application affects citizens.
    ImpactLevel = koers_core::register::application::ImpactLevel;
    /// What a choice is about.
    ChoiceType = koers_core::register::choice::ChoiceType;
    /// Where a choice stands.
    ChoiceStatus = koers_core::register::choice::ChoiceStatus;
    /// Whether a consequence is good, neutral or bad.
    Valence = koers_core::register::choice::Valence;
    /// Where an Algoritmekader measure stands for an application.
    MeasureStatus = koers_core::register::requirements::MeasureStatus;
}

/// One problem with one input field.
#[derive(ToSchema)]
pub struct FieldError {
    /// The field's name as the client sent it (camelCase in the API).
    pub name: String,
    /// A stable, machine-readable code, e.g. `required`, `too_long`, `pattern`.
    pub code: String,
    /// A message fit to show to the user (Dutch; the web layer may translate by code).
    pub reason: String,
}

/// A declared parameter with its default value.
#[derive(ToSchema)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub default: String,
}

/// One value of an indicator: a period, optionally a region, and the measure.
#[derive(ToSchema)]
pub struct Point {
    pub period: String,
    pub region: Option<String>,
    pub value: f64,
}

/// The content of a dashboard: what one version holds.
#[derive(ToSchema)]
pub struct Definition {
    #[serde(default)]
    pub widgets: Vec<Widget>,
    #[serde(default)]
    pub filters: Vec<Filter>,
}

/// A filter's value as it reached a widget: what its figures were made for.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AppliedFilter {
    /// The analysis parameter the filter set.
    pub param: String,
    /// The filter's label.
    pub label: String,
    /// The value as chosen (a code such as `PV26` where the parameter takes codes).
    pub value: String,
}

/// One widget. Which fields matter depends on the kind; see [`Definition::check`].
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Widget {
    /// Unique within the dashboard; given by koers when the widget is added.
    #[serde(default)]
    pub id: String,
    pub kind: WidgetKind,
    pub title: String,
    /// The saved analysis behind the widget (all kinds but key figure and text).
    pub analysis_id: Option<String>,
    /// The indicator of a key figure.
    pub indicator_id: Option<String>,
    /// Charts: the categories (x axis); maps: the region code (PV.., GM..); points: the label.
    pub category_column: Option<String>,
    /// Charts and maps: the measure.
    pub value_column: Option<String>,
    /// Charts: one series per distinct value of this column (e.g. the mode).
    pub series_column: Option<String>,
    /// Maps: the regions drawn.
    pub level: Option<Level>,
    /// Drill-down of a province map: choosing a province sets this filter to its code and
    /// shows `drill_analysis_id` on the municipalities.
    pub drill_param: Option<String>,
    pub drill_analysis_id: Option<String>,
    /// The municipality code column of the drill-down analysis (default: `category_column`).
    pub drill_category_column: Option<String>,
    /// The text of a text widget (paragraphs separated by blank lines).
    #[serde(default)]
    pub text: String,
    /// Spans the whole width instead of half.
    #[serde(default)]
    pub wide: bool,
}

/// A global filter: its value goes to every widget's analysis that has a parameter of the
/// same name.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Filter {
    /// The analysis parameter this filter sets.
    pub param: String,
    pub label: String,
    pub kind: FilterKind,
    /// Select: the values to choose from ("" = all is always possible).
    #[serde(default)]
    pub options: Vec<String>,
    /// Slider: the range.
    pub min: Option<i64>,
    pub max: Option<i64>,
    /// The value when none is chosen ("" = all, for a select).
    #[serde(default)]
    pub default: String,
}

/// One difference between two versions.
#[derive(ToSchema)]
pub struct Change {
    /// `added`, `removed`, `changed` or `moved`.
    pub change: String,
    /// `widget` or `filter`.
    pub part: String,
    /// The widget's id or the filter's parameter.
    pub key: String,
    pub title: String,
    /// For `changed`: the fields that differ.
    pub fields: Vec<String>,
}

/// A framework: its name and dimensions. Versions are kept by the store.
#[derive(ToSchema)]
pub struct Framework {
    pub name: String,
    pub dimensions: Vec<Dimension>,
}

/// One dimension of the framework: what it covers, what a level means on it, and the
/// survey statement that asks about it.
#[derive(ToSchema)]
pub struct Dimension {
    /// A short stable key, e.g. `vision`.
    pub key: String,
    pub name: String,
    pub description: String,
    /// The descriptor of each of the five levels, lowest first.
    pub levels: Vec<String>,
    /// The Likert statement a survey round asks about this dimension by default.
    pub statement: String,
}

/// How a round weighs its three sources of evidence into one score.
#[derive(ToSchema)]
pub struct Weights {
    pub survey: f64,
    pub documents: f64,
    pub interviews: f64,
}

/// A survey figure that passed the anonymity threshold.
#[derive(ToSchema)]
pub struct Aggregate {
    /// Number of respondents behind the figure.
    pub n: i64,
    pub mean: f64,
    /// How many answered 1, 2, 3, 4 and 5.
    pub distribution: [i64; 5],
}

/// The score of one organisation on one dimension, with the parts it is made of.
#[derive(ToSchema)]
pub struct Score {
    /// The weighted score 1–5, or `None` when no source has evidence.
    pub score: Option<f64>,
    /// The level the score rounds to (1–5).
    pub level: Option<i64>,
    pub survey: Option<f64>,
    pub documents: Option<f64>,
    pub interviews: Option<f64>,
    /// The weights actually applied, after leaving out sources without evidence (sum 1).
    pub applied: Weights,
}

/// An outside student on a project team.
#[derive(ToSchema)]
pub struct Student {
    pub name: String,
    pub institution: String,
}

/// What the DPIA/IAMA pre-scan concludes. The booleans are true when the assessment is
/// required or recommended; `assessments` tells which and why.
#[derive(ToSchema)]
pub struct PrescanResult {
    pub dpia: bool,
    pub dtia: bool,
    pub kia: bool,
    pub iama: bool,
    pub assessments: Vec<AssessmentOutcome>,
    /// Score key → score.
    pub scores: std::collections::BTreeMap<String, f64>,
}

/// The outcome for one assessment (DPIA, DTIA, KIA, IAMA).
#[derive(ToSchema)]
pub struct AssessmentOutcome {
    pub id: String,
    pub level: NeedLevel,
    /// The result text, e.g. `DPIA verplicht`.
    pub result: String,
    pub explanation: String,
    pub criteria: Vec<MetCriterion>,
}

/// A pre-scan criterion that held.
#[derive(ToSchema)]
pub struct MetCriterion {
    pub id: String,
    pub explanation: String,
}

/// The first place where the decision history is broken.
#[derive(ToSchema)]
pub struct ChainBreak {
    pub seq: i64,
    pub kind: BreakKind,
    /// A Dutch explanation fit to show.
    pub reason: String,
}

/// Where the choice framework routes a choice, and why.
#[derive(ToSchema)]
pub struct ChoiceRouting {
    pub level: DecisionLevel,
    /// Sorted, without duplicates.
    pub instruments: Vec<Instrument>,
    pub matched_rules: Vec<MatchedRule>,
    /// A Dutch summary: which rules put the choice at its level.
    pub explanation: String,
}

/// A rule of the choice framework that matched, and why.
#[derive(ToSchema)]
pub struct MatchedRule {
    pub rule: String,
    /// The facts that made the condition hold, as data.
    pub reasons: Vec<RoutingReason>,
    /// The same, as a Dutch clause.
    pub why: String,
    pub level: DecisionLevel,
    pub instruments: Vec<Instrument>,
}

/// One fact that made a rule's condition hold; which fields it has depends on `kind`.
#[derive(ToSchema)]
pub struct RoutingReason {
    pub kind: RoutingReasonKind,
    /// With `risk_group`.
    pub group: Option<AiActRiskGroup>,
    /// With `citizen_impact` and `citizen_impact_at_least`.
    pub impact: Option<ImpactLevel>,
    /// With `citizen_impact_at_least`.
    pub threshold: Option<ImpactLevel>,
    /// With `cost_above`: the yearly cost in euros, and the rule's limit.
    pub cost: Option<u64>,
    pub limit: Option<u64>,
    /// With `choice_type`.
    pub choice_type: Option<ChoiceType>,
}

#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RoutingReasonKind {
    RiskGroup,
    CitizenImpact,
    CitizenImpactAtLeast,
    CostAbove,
    CoreDataOutsourced,
    PersonalData,
    ChoiceType,
}

/// A choice framework of one organisation: rules that route choices to a level.
#[derive(ToSchema)]
pub struct ChoiceFramework {
    /// The organisation it belongs to (its id or code).
    pub organisation: String,
    pub version: u32,
    pub name: String,
    pub rules: Vec<ChoiceRule>,
}

/// One rule of the choice framework.
#[derive(ToSchema)]
pub struct ChoiceRule {
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub condition: Condition,
    pub level: DecisionLevel,
    #[serde(default)]
    pub instruments: Vec<Instrument>,
}

/// A condition over the facts of an application and a choice.
#[derive(ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Condition {
    /// Every sub-condition holds.
    All {
        #[schema(no_recursion)]
        conditions: Vec<Condition>,
    },
    /// At least one sub-condition holds.
    Any {
        #[schema(no_recursion)]
        conditions: Vec<Condition>,
    },
    /// The AI Act risk group is this one.
    RiskGroupIs { value: AiActRiskGroup },
    /// The AI Act risk group is one of these.
    RiskGroupIn { values: Vec<AiActRiskGroup> },
    /// The application affects citizens (any level above none).
    ImpactsCitizens,
    /// The impact on citizens is at least this level.
    CitizenImpactAtLeast { level: ImpactLevel },
    /// The yearly cost is known and strictly above the threshold (whole euros).
    CostAbove { euros: u64 },
    /// Core data is outsourced.
    CoreDataOutsourced,
    /// Personal data is processed.
    PersonalData,
    /// The choice is of one of these types.
    ChoiceTypeIn { values: Vec<ChoiceType> },
}

/// Where one Algoritmekader measure stands for an application.
#[derive(ToSchema)]
pub struct MeasureState {
    pub status: MeasureStatus,
    pub responsible: String,
    pub evidence: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
}

/// The value of one Algoritmeregister field: a text, a list of texts, or a grouping such as
/// `lawful_basis_grouping` (items of `title` and `link`).
pub struct FieldValue;

impl utoipa::PartialSchema for FieldValue {
    fn schema() -> RefOr<Schema> {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        // anyOf, not oneOf: an empty list is both a list of texts and a grouping.
        AnyOfBuilder::new()
            .description(Some(
                "The value of one Algoritmeregister field: a text, a list of texts, or a \
                 grouping such as `lawful_basis_grouping` (items of `title` and `link`).",
            ))
            .item(text())
            .item(ArrayBuilder::new().items(text()))
            .item(
                ArrayBuilder::new().items(ObjectBuilder::new().additional_properties(Some(text()))),
            )
            .into()
    }
}

impl ToSchema for FieldValue {}

/// A recorded choice (MADR).
#[derive(ToSchema)]
pub struct Choice {
    pub title: String,
    pub choice_type: ChoiceType,
    pub context: String,
    pub drivers: Vec<String>,
    pub options: Vec<ChoiceOption>,
    pub chosen_option: Option<String>,
    pub rationale: Option<String>,
    pub consequences: Vec<Consequence>,
    pub decision_makers: Vec<String>,
    pub consulted: Vec<String>,
    pub informed: Vec<String>,
    pub status: ChoiceStatus,
    #[schema(format = Date)]
    pub decided_on: Option<String>,
    pub decided_by: Option<String>,
    /// The id of the choice that replaced this one.
    pub superseded_by: Option<String>,
    /// The advice before the decision, and who gave it.
    pub advice: Option<String>,
    pub advised_by: Option<String>,
    /// The users (ids) who proposed, advised and decided it (four eyes).
    pub proposed_by_user: Option<String>,
    pub advice_by_user: Option<String>,
    pub decided_by_user: Option<String>,
    /// Why the board sent it back, rejected or deferred it, or chose another option.
    pub board_reason: Option<String>,
    /// The meeting or date a deferred choice is put off to.
    pub deferred_to: Option<String>,
    /// The option the proposal named, where the board chose another.
    pub proposed_option: Option<String>,
    /// How many times it was revised after being sent back.
    pub revision: u32,
}

/// One option considered, with its arguments.
#[derive(ToSchema)]
pub struct ChoiceOption {
    pub title: String,
    pub description: Option<String>,
    pub pros: Vec<String>,
    pub cons: Vec<String>,
}

/// A consequence of the decision.
#[derive(ToSchema)]
pub struct Consequence {
    pub valence: Valence,
    pub text: String,
}

/// A question of the AI Act decision aid, as shown to the user.
#[derive(ToSchema)]
pub struct AiActQuestion {
    pub id: String,
    pub question: String,
    pub explanation: String,
    pub description: Option<String>,
    pub category: String,
    pub subcategory: String,
    pub sources: Vec<AiActSource>,
    pub answers: Vec<AiActAnswer>,
}

/// An answer to a question of the AI Act decision aid.
#[derive(ToSchema)]
pub struct AiActAnswer {
    /// The answer id to send back.
    pub id: usize,
    pub text: String,
    pub comment: Option<String>,
}

/// A source the AI Act decision aid cites.
#[derive(ToSchema)]
pub struct AiActSource {
    pub source: String,
    pub url: Option<String>,
}

/// The end of the AI Act decision aid: the conclusion text and obligations as the tree gives
/// them, and the collected labels sorted into their categories.
#[derive(ToSchema)]
pub struct AiActConclusion {
    pub id: String,
    pub text: String,
    pub comment: Option<String>,
    /// The obligations (HTML as in the source).
    pub obligation: String,
    pub sources: Vec<AiActSource>,
    /// `aanbieder`, `gebruiksverantwoordelijke`, `importeur`, `distributeur`.
    pub roles: Vec<String>,
    /// `AI-systeem`, `AI-systeem voor algemene doeleinden`, `AI-model voor algemene doeleinden`, `geen algoritme`.
    pub system_type: Option<String>,
    /// `hoog-risico AI`, `geen hoog-risico AI`, `verboden AI`, `uitzondering van toepassing`.
    pub risk_group: Option<String>,
    /// `transparantieverplichting` or `geen transparantieverplichting`.
    pub transparency: Option<String>,
    pub systemic_risk: Option<String>,
    pub open_source: Option<String>,
    pub conformity_assessment: Option<String>,
    pub operational: Option<String>,
    /// All labels in the order they were set.
    pub labels: Vec<String>,
}
