//! The register of applications and algorithms (M5): applications, choices routed by the
//! organisation's framework (keuzekader), the board's agenda and decisions, the AI Act
//! decision aid, the DPIA/IAMA pre-scan, Algoritmekader measures, the Algoritmeregister
//! export and the tamper-evident decision history.
//!
//! Every member reads the register (`Read`). Registering and changing applications and
//! recording choices is for those who manage questions or analyse ([`may_register`]);
//! deciding a choice routed to the board needs `DecideAsBoard`; saving the framework needs
//! `ManageMembers`; the decision history is for audit readers (`ReadAudit`).

use crate::products::{Snapshot, readable_snapshot, readable_snapshots};
use crate::{Error, Input, Principal, Result, Workspace};
use koers_core::register::ai_act::{DecisionTree, Outcome, QuestionView, Step};
use koers_core::register::algoritmeregister::{self, AlgoritmeregisterRecord, FieldValue, Schema};
use koers_core::register::application::{ApplicationDraft, ApplicationInput, ImpactLevel};
use koers_core::register::choice::{
    Choice, ChoiceInput, ChoiceStatus, ConsequenceInput, OptionInput, Transition,
};
use koers_core::register::framework::{self, DecisionLevel, Framework, Routing};
use koers_core::register::framework_form::{
    self, ClauseForm, DecidersForm, FrameworkForm, Move, RuleChange, RuleForm,
};
use koers_core::register::prescan::{Prescan, PrescanResult};
use koers_core::register::publication::{self, WooField, WooRecord};
use koers_core::register::requirements::{
    self, AiActProfile, Measure, MeasureStatus, Registry, Requirement,
};
use koers_core::{FieldError, Invalid, Permission};
use koers_store::register::{AiActState, MeasureState, PrescanState};
use serde_json::Value;
use std::collections::BTreeMap;

pub use koers_store::Dataset;
pub use koers_store::register::{DecisionEvent, MeetingRecord, Publication};
pub use koers_store::{Application, ChainCheck, ChoiceRecord, FrameworkVersion};

/// Whether the person may register applications and record choices: analysts, data
/// stewards and policy owners.
pub fn may_register(who: &Principal) -> bool {
    who.may(Permission::ManageQuestions) || who.may(Permission::Analyse)
}

/// An application of the organisation that `who` may change: unknown ids are not found
/// before anyone is told they may not change them.
async fn editable_application(ws: &Workspace, who: &Principal, id: &str) -> Result<Application> {
    let app = ws.store.register().application(&who.org.id, id).await?;
    require_register(who)?;
    Ok(app)
}

fn require_register(who: &Principal) -> Result<()> {
    crate::allow(may_register(who))
}

/// The organisation's applications.
pub async fn applications(ws: &Workspace, who: &Principal) -> Result<Vec<Application>> {
    who.require(Permission::Read)?;
    Ok(ws.store.register().applications(&who.org.id).await?)
}

/// One application of the organisation.
pub async fn application(ws: &Workspace, who: &Principal, id: &str) -> Result<Application> {
    who.require(Permission::Read)?;
    Ok(ws.store.register().application(&who.org.id, id).await?)
}

/// The catalog's datasets an application can be said to use.
pub async fn datasets(ws: &Workspace, who: &Principal) -> Result<Vec<Dataset>> {
    who.require(Permission::Read)?;
    Ok(ws.store.catalog().datasets(&who.org.id).await?)
}

/// A choice with where the framework in force routes it and why.
#[derive(Debug, Clone)]
pub struct RoutedChoice {
    pub record: ChoiceRecord,
    pub routing: Routing,
}

/// An application with the datasets of the catalog and its choices, routed.
#[derive(Debug, Clone)]
pub struct ApplicationDetail {
    pub application: Application,
    pub datasets: Vec<Dataset>,
    pub choices: Vec<RoutedChoice>,
}

/// An application with everything its page shows about it.
pub async fn application_detail(
    ws: &Workspace,
    who: &Principal,
    id: &str,
) -> Result<ApplicationDetail> {
    let application = application(ws, who, id).await?;
    Ok(ApplicationDetail {
        datasets: ws.store.catalog().datasets(&who.org.id).await?,
        choices: choices_of(ws, who, &application).await?,
        application,
    })
}

/// The choices about an application, routed by the framework in force.
pub async fn choices(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
) -> Result<(Application, Vec<RoutedChoice>)> {
    let app = application(ws, who, application_id).await?;
    let choices = choices_of(ws, who, &app).await?;
    Ok((app, choices))
}

async fn choices_of(
    ws: &Workspace,
    who: &Principal,
    app: &Application,
) -> Result<Vec<RoutedChoice>> {
    let (f, _) = in_force(ws, who).await?;
    Ok(ws
        .store
        .register()
        .choices_of(&who.org.id, &app.id)
        .await?
        .into_iter()
        .map(|record| route(&f, app, record))
        .collect())
}

fn route(f: &Framework, app: &Application, record: ChoiceRecord) -> RoutedChoice {
    RoutedChoice {
        routing: framework::evaluate(f, &app.draft, &record.choice),
        record,
    }
}

/// Texts of a list field, one item per line as well (textareas send one text).
fn lines(input: &mut Input, name: &str) -> Vec<String> {
    input
        .texts(name)
        .iter()
        .flat_map(|s| {
            s.lines()
                .map(str::trim)
                .map(String::from)
                .collect::<Vec<_>>()
        })
        .filter(|s| !s.is_empty())
        .collect()
}

/// Reads and checks an application: the attributes, the catalog datasets and the links to
/// information products.
async fn read_application(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<(ApplicationDraft, Vec<String>, Vec<String>)> {
    let raw = ApplicationInput {
        name: input.text("name"),
        kind: input.text("kind"),
        purpose: input.text("purpose"),
        department: input.text("department"),
        lifecycle_phase: input.text("lifecyclePhase"),
        suppliers: lines(&mut input, "suppliers"),
        hosting: input.text("hosting"),
        status: input.text("status"),
        ai_act_risk_group: input.text("aiActRiskGroup"),
        risk_from_decision_aid: false,
        citizen_impact: input.text("citizenImpact"),
        personal_data: input.flag("personalData"),
        core_data_outsourced: input.flag("coreDataOutsourced"),
        yearly_cost_eur: input.text("yearlyCostEur"),
    };
    let mut dataset_ids = input.texts("datasetIds");
    dataset_ids.retain(|d| !d.trim().is_empty());
    dataset_ids.dedup();
    let links = lines(&mut input, "productLinks");
    let mut errs = Vec::new();
    for (i, d) in dataset_ids.iter().enumerate() {
        if ws.store.catalog().dataset(&who.org.id, d).await.is_err() {
            errs.push(FieldError::new(
                format!("datasetIds[{i}]"),
                "not_found",
                "is geen bron in de catalogus",
            ));
        }
    }
    for (i, l) in links.iter().enumerate() {
        let ok = (l.starts_with("https://") || l.starts_with("http://") || l.starts_with('/'))
            && l.len() <= 2000
            && !l.contains(char::is_whitespace);
        if !ok {
            errs.push(FieldError::new(
                format!("productLinks[{i}]"),
                "url",
                "moet een http(s)-adres of een pad binnen koers zijn",
            ));
        }
    }
    let parsed = match ApplicationDraft::parse(&raw) {
        Ok(d) if errs.is_empty() => Ok(d),
        Ok(_) => Err(Invalid(errs)),
        Err(Invalid(mut e)) => {
            e.append(&mut errs);
            Err(Invalid(e))
        }
    };
    let draft = input.finish(parsed)?;
    Ok((draft, dataset_ids, links))
}

/// Registers an application: its attributes, the catalog datasets it uses (`datasetIds`)
/// and links to information products (`productLinks`).
pub async fn create_application(
    ws: &Workspace,
    who: &Principal,
    input: Input,
) -> Result<Application> {
    require_register(who)?;
    let (draft, datasets, links) = read_application(ws, who, input).await?;
    Ok(ws
        .store
        .register()
        .create_application(&who.org.id, &draft, &datasets, &links, &who.actor())
        .await?)
}

/// Replaces an application's attributes, datasets and links.
pub async fn update_application(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    input: Input,
) -> Result<Application> {
    editable_application(ws, who, id).await?;
    let (draft, datasets, links) = read_application(ws, who, input).await?;
    Ok(ws
        .store
        .register()
        .update_application(&who.org.id, id, &draft, &datasets, &links, &who.actor())
        .await?)
}

/// The framework in force: the organisation's newest saved version, or the built-in default.
#[derive(Debug, Clone)]
pub enum FrameworkInForce {
    Saved(FrameworkVersion),
    Default(Framework),
}

impl FrameworkInForce {
    pub fn framework(&self) -> &Framework {
        match self {
            FrameworkInForce::Saved(v) => &v.framework,
            FrameworkInForce::Default(f) => f,
        }
    }

    /// The version number; none while the built-in default is in force.
    pub fn version(&self) -> Option<i64> {
        match self {
            FrameworkInForce::Saved(v) => Some(v.version),
            FrameworkInForce::Default(_) => None,
        }
    }
}

/// The framework in force in the organisation.
pub async fn framework_in_force(ws: &Workspace, who: &Principal) -> Result<FrameworkInForce> {
    who.require(Permission::Read)?;
    Ok(
        match ws.store.register().current_framework(&who.org.id).await? {
            Some(v) => FrameworkInForce::Saved(v),
            None => FrameworkInForce::Default(Framework::default_for(&who.org.id)),
        },
    )
}

/// The framework in force and its version number.
async fn in_force(ws: &Workspace, who: &Principal) -> Result<(Framework, Option<i64>)> {
    Ok(
        match ws.store.register().current_framework(&who.org.id).await? {
            Some(v) => (v.framework, Some(v.version)),
            None => (Framework::default_for(&who.org.id), None),
        },
    )
}

/// Every saved version of the framework, newest first.
pub async fn framework_versions(ws: &Workspace, who: &Principal) -> Result<Vec<FrameworkVersion>> {
    who.require(Permission::Read)?;
    Ok(ws.store.register().framework_versions(&who.org.id).await?)
}

/// A choice body: the flat fields through [`Input`], the options and consequences as lists.
pub struct ChoiceBody {
    pub input: Input,
    pub options: Vec<OptionInput>,
    pub consequences: Vec<ConsequenceInput>,
    /// Type problems in the nested lists.
    pub errors: Vec<FieldError>,
    /// The chosen option's title when the form chose it among the options (`chosenIndex`,
    /// the option's row), rather than typing it as `chosenOption`.
    pub chosen: Option<String>,
}

impl ChoiceBody {
    /// From a form: options as parallel lists `optionTitle`, `optionDescription`,
    /// `optionPros`, `optionCons` (one argument per line); empty option rows are skipped.
    pub fn from_form(mut input: Input) -> ChoiceBody {
        let titles = input.texts("optionTitle");
        let descriptions = input.texts("optionDescription");
        let pros = input.texts("optionPros");
        let cons = input.texts("optionCons");
        let split = |s: Option<&String>| -> Vec<String> {
            s.map(|s| {
                s.lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect()
            })
            .unwrap_or_default()
        };
        let chosen_row: Option<usize> = input.text("chosenIndex").trim().parse().ok();
        let chosen = chosen_row
            .and_then(|i| titles.get(i))
            .map(|t| t.trim().to_string())
            .filter(|t| !t.is_empty());
        let mut options = Vec::new();
        for (i, t) in titles.iter().enumerate() {
            let o = OptionInput {
                title: t.clone(),
                description: descriptions.get(i).cloned().unwrap_or_default(),
                pros: split(pros.get(i)),
                cons: split(cons.get(i)),
            };
            if o.title.trim().is_empty()
                && o.description.trim().is_empty()
                && o.pros.is_empty()
                && o.cons.is_empty()
            {
                continue;
            }
            options.push(o);
        }
        let valences = input.texts("consequenceValence");
        let texts = input.texts("consequenceText");
        let consequences = texts
            .iter()
            .enumerate()
            .filter(|(_, t)| !t.trim().is_empty())
            .map(|(i, t)| ConsequenceInput {
                valence: valences.get(i).cloned().unwrap_or_default(),
                text: t.clone(),
            })
            .collect();
        ChoiceBody {
            input,
            options,
            consequences,
            errors: Vec::new(),
            chosen,
        }
    }

    /// From JSON: `options` as objects `{title, description, pros, cons}`, `consequences`
    /// as `{valence, text}`.
    pub fn from_json(input: Input) -> ChoiceBody {
        let v = Value::Object(input.fields().clone());
        let mut errors = Vec::new();
        let mut ty = |name: String, what: &str| {
            errors.push(FieldError::new(name, "type", format!("moet {what} zijn")))
        };
        let text =
            |o: &Value, k: &str, name: String, ty: &mut dyn FnMut(String, &str)| match o.get(k) {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.clone(),
                Some(_) => {
                    ty(name, "tekst");
                    String::new()
                }
            };
        let list =
            |o: &Value, k: &str, name: String, ty: &mut dyn FnMut(String, &str)| match o.get(k) {
                None | Some(Value::Null) => Vec::new(),
                Some(Value::Array(a)) if a.iter().all(Value::is_string) => a
                    .iter()
                    .filter_map(|s| s.as_str().map(String::from))
                    .collect(),
                Some(_) => {
                    ty(name, "een lijst van teksten");
                    Vec::new()
                }
            };
        let mut options = Vec::new();
        match v.get("options") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, o) in items.iter().enumerate() {
                    if !o.is_object() {
                        ty(format!("options[{i}]"), "een object");
                        continue;
                    }
                    options.push(OptionInput {
                        title: text(o, "title", format!("options[{i}].title"), &mut ty),
                        description: text(
                            o,
                            "description",
                            format!("options[{i}].description"),
                            &mut ty,
                        ),
                        pros: list(o, "pros", format!("options[{i}].pros"), &mut ty),
                        cons: list(o, "cons", format!("options[{i}].cons"), &mut ty),
                    });
                }
            }
            Some(_) => ty("options".into(), "een lijst van objecten"),
        }
        let mut consequences = Vec::new();
        match v.get("consequences") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, o) in items.iter().enumerate() {
                    consequences.push(ConsequenceInput {
                        valence: text(o, "valence", format!("consequences[{i}].valence"), &mut ty),
                        text: text(o, "text", format!("consequences[{i}].text"), &mut ty),
                    });
                }
            }
            Some(_) => ty("consequences".into(), "een lijst van objecten"),
        }
        ChoiceBody {
            input,
            options,
            consequences,
            errors,
            chosen: None,
        }
    }

    fn parse(mut self) -> Result<Choice> {
        let raw = ChoiceInput {
            title: self.input.text("title"),
            choice_type: self.input.text("choiceType"),
            context: self.input.text("context"),
            drivers: lines(&mut self.input, "drivers"),
            options: self.options,
            chosen_option: match self.chosen.take() {
                Some(title) => title,
                None => self.input.text("chosenOption"),
            },
            rationale: self.input.text("rationale"),
            consequences: self.consequences,
            decision_makers: lines(&mut self.input, "decisionMakers"),
            consulted: lines(&mut self.input, "consulted"),
            informed: lines(&mut self.input, "informed"),
            evidence: self.input.texts("evidence"),
        };
        let mut errs = self.errors;
        let parsed = match Choice::parse(&raw) {
            Ok(c) if errs.is_empty() => Ok(c),
            Ok(_) => Err(Invalid(errs)),
            Err(Invalid(mut e)) => {
                e.retain(|m| !errs.iter().any(|x| x.name == m.name));
                errs.append(&mut e);
                Err(Invalid(errs))
            }
        };
        self.input.finish(parsed)
    }
}

/// The application a new choice is about, for someone who may record one.
pub async fn choice_draft(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
) -> Result<Application> {
    editable_application(ws, who, application_id).await
}

/// Records a proposed choice about an application, routed by the framework in force.
pub async fn create_choice(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    body: ChoiceBody,
) -> Result<RoutedChoice> {
    let app = choice_draft(ws, who, application_id).await?;
    let mut choice = body.parse()?;
    check_evidence(ws, who, &choice).await?;
    choice.proposed_by_user = Some(who.user.id.clone());
    let (f, version) = in_force(ws, who).await?;
    let level = framework::evaluate(&f, &app.draft, &choice).level;
    let record = ws
        .store
        .register()
        .create_choice(&who.org.id, &app.id, &choice, level, version, &who.actor())
        .await?;
    Ok(route(&f, &app, record))
}

/// The proposer's revision of a proposed or sent-back choice (who may record choices): its
/// new content, proposed again and routed afresh; the revision is an event in the hash chain.
pub async fn revise_choice(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
    body: ChoiceBody,
) -> Result<RoutedChoice> {
    require_register(who)?;
    let (app, rec) = choice_of(ws, who, application_id, choice_id).await?;
    let next = body.parse()?;
    check_evidence(ws, who, &next).await?;
    let mut choice = rec.choice.clone();
    choice.revise(next)?;
    let (f, _) = in_force(ws, who).await?;
    let level = framework::evaluate(&f, &app.draft, &choice).level;
    let record = save_step(ws, who, &rec, (&choice, level, None), "choice.revised").await?;
    Ok(route(&f, &app, record))
}

/// Stores a choice's new state if it still has the status it was read with, as one step of
/// the hash-chained decision history.
async fn save_step(
    ws: &Workspace,
    who: &Principal,
    rec: &ChoiceRecord,
    (choice, level, board_reference): (&Choice, DecisionLevel, Option<&str>),
    action: &str,
) -> Result<ChoiceRecord> {
    Ok(ws
        .store
        .register()
        .update_choice(
            &who.org.id,
            &rec.id,
            rec.choice.status.as_str(),
            choice,
            level,
            board_reference,
            action,
            &who.actor(),
        )
        .await?)
}

/// A choice of the application, routed (not found when it belongs to another application).
pub async fn choice(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
) -> Result<(Application, RoutedChoice)> {
    who.require(Permission::Read)?;
    let (app, record) = choice_of(ws, who, application_id, choice_id).await?;
    let (f, _) = in_force(ws, who).await?;
    let routed = route(&f, &app, record);
    Ok((app, routed))
}

async fn choice_of(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
) -> Result<(Application, ChoiceRecord)> {
    let app = ws
        .store
        .register()
        .application(&who.org.id, application_id)
        .await?;
    let c = ws.store.register().choice(&who.org.id, choice_id).await?;
    if c.application_id != app.id {
        return Err(Error::NotFound);
    }
    Ok((app, c))
}

/// Moves a choice along `proposed → advised → decided → superseded`, or sends it back,
/// rejects or defers it. Fields: `to` (`advised`, `decided`, `sent_back`, `rejected`,
/// `deferred`, `superseded`); for `advised` the `advice` and the `adviser` who gave it; for
/// `decided` the `date` (YYYY-MM-DD), the `decisionMaker`, for choices at board level the
/// board's `reference`, and — to choose another option than proposed — `option` with its
/// `rationale`; for `sent_back` and `rejected` the `reason` (and for `rejected` the `date`);
/// for `deferred` a later meeting `untilMeeting` (its id: the choice goes on its agenda) or
/// the meeting or date `until` in words (and optionally a `reason`); for `superseded`
/// the id of the new choice in `supersededBy`. Deciding, sending back, rejecting and deferring
/// are for the deciders the framework names at the choice's level (board members for the
/// board, unless the organisation set otherwise), everything else for the register roles; four
/// eyes: the proposer does not advise, the adviser does not decide.
pub async fn transition(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
    mut input: Input,
) -> Result<RoutedChoice> {
    let (app, rec) = choice_of(ws, who, application_id, choice_id).await?;
    let (f, _) = in_force(ws, who).await?;
    let to = input.text("to");
    let date_raw = input.text("date");
    let maker = input.text("decisionMaker");
    let by = input.text("supersededBy");
    let reference = input.text("reference");
    let advice = input.text("advice");
    let adviser = input.text("adviser");
    let reason = input.text("reason");
    let option = input.text("option");
    // The agenda's one text field (`reason`) is also the rationale for another option.
    let rationale = match input.text("rationale") {
        r if r.trim().is_empty() => reason.clone(),
        r => r,
    };
    let mut until = input.text("until");
    // Deferred to a later meeting: it goes on that meeting's agenda.
    let until_meeting = match input.text("untilMeeting").trim() {
        "" => None,
        id => match ws.store.register().meeting(&who.org.id, id).await {
            Ok(m) => {
                let on_it = ws
                    .store
                    .register()
                    .meeting_choices(&who.org.id, &m.id)
                    .await?;
                // A meeting whose agenda holds it already is not a later one.
                Some((!on_it.iter().any(|c| c.id == rec.id)).then_some(m))
            }
            Err(koers_store::StoreError::NotFound) => Some(None),
            Err(e) => return Err(e.into()),
        },
    };
    let mut choice = rec.choice.clone();
    // Re-route with the framework in force: the application may have changed since.
    let level = if choice.status.open() {
        framework::evaluate(&f, &app.draft, &choice)
            .level
            .max(rec.level)
    } else {
        rec.level
    };
    // Deciding, sending back, rejecting and deferring are for those the framework names at
    // the choice's level; everything else for those who keep the register.
    let deciding = matches!(to.trim(), "decided" | "sent_back" | "rejected" | "deferred");
    let board = deciding && level == DecisionLevel::Board;
    if deciding {
        if !f.may_decide(level, &who.roles, &who.user.id) {
            return Err(Error::Forbidden);
        }
    } else {
        require_register(who)?;
    }
    let mut errs = Vec::new();
    let date = if date_raw.trim().is_empty() {
        None
    } else {
        match chrono::NaiveDate::parse_from_str(date_raw.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError::new(
                    "date",
                    "date",
                    "moet een datum zijn als 2026-03-01",
                ));
                None
            }
        }
    };
    let today = chrono::Utc::now().date_naive().to_string();
    match &until_meeting {
        Some(Some(m)) if m.held_on >= today => until = format!("{} {}", m.body, m.held_on),
        Some(_) => errs.push(FieldError::new(
            "untilMeeting",
            "unknown",
            "kies een komende vergadering van deze organisatie",
        )),
        None => {}
    }
    let t = match to.trim() {
        "advised" => Some(Transition::Advised { advice, adviser }),
        "decided" => Some(Transition::Decided {
            date,
            decision_maker: maker,
            option,
            rationale,
        }),
        "sent_back" => Some(Transition::SentBack { reason }),
        "rejected" => Some(Transition::Rejected { reason, date }),
        "deferred" => Some(Transition::Deferred { until, reason }),
        "superseded" => Some(Transition::Superseded { by: by.clone() }),
        _ => {
            errs.push(FieldError::new(
                "to",
                "enum",
                "moet advised, decided, sent_back, rejected, deferred of superseded zijn",
            ));
            None
        }
    };
    let reference = reference.trim().to_string();
    if board && to.trim() == "decided" && reference.is_empty() {
        errs.push(FieldError::new(
            "reference",
            "required",
            "het kenmerk van het bestuursbesluit is verplicht",
        ));
    } else if reference.chars().count() > 200 {
        errs.push(FieldError::new(
            "reference",
            "too_long",
            "mag hoogstens 200 tekens zijn",
        ));
    }
    if to.trim() == "superseded" && !by.trim().is_empty() {
        // The replacing choice must be one of this organisation's.
        if ws
            .store
            .register()
            .choice(&who.org.id, by.trim())
            .await
            .is_err()
            || by.trim() == rec.id
        {
            errs.push(FieldError::new(
                "supersededBy",
                "not_found",
                "is geen andere keuze van deze organisatie",
            ));
        }
    }
    let moved = match t {
        Some(t) => match choice.transition(t, &who.user.id) {
            Ok(()) if errs.is_empty() => Ok(()),
            Ok(()) => Err(Invalid(errs)),
            Err(Invalid(mut e)) => {
                // A refused meeting says what is wrong with the deferral by itself.
                if errs.iter().any(|f| f.name == "untilMeeting") {
                    e.retain(|f| f.name != "until");
                }
                e.append(&mut errs);
                Err(Invalid(e))
            }
        },
        None => Err(Invalid(errs)),
    };
    input.finish(moved)?;
    let board_reference = if board && !reference.is_empty() {
        Some(reference.as_str())
    } else {
        rec.board_reference.as_deref()
    };
    let action = format!("choice.{}", choice.status.as_str());
    let proposer = choice
        .proposed_by_user
        .clone()
        .filter(|p| *p != who.user.id)
        .filter(|_| {
            matches!(
                choice.status,
                ChoiceStatus::Decided | ChoiceStatus::SentBack | ChoiceStatus::Rejected
            )
        });
    let record = save_step(ws, who, &rec, (&choice, level, board_reference), &action).await?;
    if let (ChoiceStatus::Deferred, Some(Some(m))) = (choice.status, &until_meeting) {
        ws.store
            .register()
            .place_on_agenda(&who.org.id, &m.id, &rec.id, &who.actor())
            .await?;
    }
    // The proposer hears what became of their proposal.
    if let Some(p) = proposer {
        ws.store
            .notifications()
            .notify(
                &who.org.id,
                &[p],
                &who.actor(),
                &format!("choice.{}", choice.status.as_str()),
                &serde_json::json!({ "choice": choice.title, "reason": choice.board_reason.clone().unwrap_or_default() }),
                &format!("/toepassingen/{}/keuzes/{}", app.id, rec.id),
            )
            .await?;
    }
    Ok(route(&f, &app, record))
}

/// Records the board's act on a choice from the agenda: `to` is `decided`, `sent_back`,
/// `rejected` or `deferred` (see [`transition`] for the fields).
pub async fn decide_on_agenda(
    ws: &Workspace,
    who: &Principal,
    choice_id: &str,
    mut input: Input,
) -> Result<RoutedChoice> {
    let c = ws.store.register().choice(&who.org.id, choice_id).await?;
    if !matches!(
        input.text("to").as_str(),
        "decided" | "sent_back" | "rejected" | "deferred"
    ) {
        return Err(Error::Rejected(
            "Hier besluit het bestuur: besluiten, terugsturen, afwijzen of aanhouden".into(),
        ));
    }
    transition(ws, who, &c.application_id, choice_id, input).await
}

/// A choice on an agenda, with the application it is about, the evidence snapshots its
/// proposal rests on (those the reader may read) and the latest meeting it is on.
#[derive(Debug, Clone)]
pub struct AgendaItem {
    pub application: Application,
    pub choice: RoutedChoice,
    pub evidence: Vec<Snapshot>,
    pub meeting: Option<MeetingRecord>,
}

/// The agenda items of `records`: each with its application, routing, evidence and meeting.
async fn agenda_items(
    ws: &Workspace,
    who: &Principal,
    records: Vec<ChoiceRecord>,
) -> Result<Vec<AgendaItem>> {
    let (f, _) = in_force(ws, who).await?;
    let mut items = Vec::new();
    for record in records {
        let application = ws
            .store
            .register()
            .application(&who.org.id, &record.application_id)
            .await?;
        let mut evidence = Vec::new();
        for id in &record.choice.evidence {
            match readable_snapshot(ws, who, id).await {
                Ok(s) => evidence.push(s),
                Err(Error::NotFound) => {}
                Err(e) => return Err(e),
            }
        }
        let meeting = ws
            .store
            .register()
            .meetings_of_choice(&who.org.id, &record.id)
            .await?
            .into_iter()
            .next();
        items.push(AgendaItem {
            choice: route(&f, &application, record),
            application,
            evidence,
            meeting,
        });
    }
    Ok(items)
}

/// One choice as an agenda item: its proposal with application, routing and evidence.
pub async fn agenda_item(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
) -> Result<AgendaItem> {
    let (_, rec) = choice_of(ws, who, application_id, choice_id).await?;
    let mut items = agenda_items(ws, who, vec![rec]).await?;
    items.pop().ok_or(Error::NotFound)
}

/// The evidence snapshots a proposal may rest on: those of the organisation the member may
/// read, newest first.
pub async fn evidence_options(ws: &Workspace, who: &Principal) -> Result<Vec<Snapshot>> {
    readable_snapshots(ws, who, None).await
}

/// Refuses evidence that is not a snapshot the member may read.
async fn check_evidence(ws: &Workspace, who: &Principal, c: &Choice) -> Result<()> {
    for id in &c.evidence {
        match readable_snapshot(ws, who, id).await {
            Ok(_) => {}
            Err(Error::NotFound) => {
                return Err(Error::Invalid(Invalid::one(
                    "evidence",
                    "unknown",
                    "is geen momentopname van deze organisatie",
                )));
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}

/// Choices routed to the board and not decided yet.
pub async fn board_agenda(ws: &Workspace, who: &Principal) -> Result<Vec<AgendaItem>> {
    waiting_at(ws, who, DecisionLevel::Board).await
}

/// Choices routed to `level` that wait for a decision: what a meeting at that level can take.
pub async fn waiting_at(
    ws: &Workspace,
    who: &Principal,
    level: DecisionLevel,
) -> Result<Vec<AgendaItem>> {
    who.require(Permission::Read)?;
    let records = ws.store.register().waiting_at(&who.org.id, level).await?;
    agenda_items(ws, who, records).await
}

/// A meeting with its agenda: the choices placed on it, in order, each with its application
/// and routing; those with an outcome (decided, sent back, rejected, deferred) form its
/// decision list.
#[derive(Debug, Clone)]
pub struct MeetingAgenda {
    pub meeting: MeetingRecord,
    pub items: Vec<AgendaItem>,
}

impl MeetingAgenda {
    /// The decision list: the items with an outcome, in agenda order.
    pub fn decisions(&self) -> impl Iterator<Item = &AgendaItem> {
        self.items
            .iter()
            .filter(|i| i.choice.record.choice.status.has_outcome())
    }
}

/// Who may plan meetings and fill their agendas: board members and those who record choices.
pub fn may_plan(who: &Principal) -> bool {
    who.may(Permission::DecideAsBoard) || may_register(who)
}

fn require_planner(who: &Principal) -> Result<()> {
    crate::allow(may_plan(who))
}

/// The organisation's meetings, the latest first.
pub async fn meetings(ws: &Workspace, who: &Principal) -> Result<Vec<MeetingRecord>> {
    who.require(Permission::Read)?;
    Ok(ws.store.register().meetings(&who.org.id).await?)
}

/// The meetings still to come (today or later): those a choice may be deferred to.
pub async fn upcoming_meetings(ws: &Workspace, who: &Principal) -> Result<Vec<MeetingRecord>> {
    let today = chrono::Utc::now().date_naive().to_string();
    let mut all = meetings(ws, who).await?;
    all.retain(|m| m.held_on >= today);
    Ok(all)
}

/// Records a meeting: `body` (Gedeputeerde Staten, the management team, …), `heldOn`
/// (`YYYY-MM-DD`) and the `level` it decides at (`management` or `board`; by default the
/// management for a management team, else the board).
pub async fn create_meeting(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<MeetingRecord> {
    require_planner(who)?;
    let (body, held_on, level) = (
        input.text("body"),
        input.text("heldOn"),
        input.text("level"),
    );
    let draft = input.finish(koers_core::register::meeting::MeetingDraft::parse(
        &body, &held_on, &level,
    ))?;
    Ok(ws
        .store
        .register()
        .create_meeting(
            &who.org.id,
            (&draft.body, &draft.held_on.to_string(), draft.level),
            &who.actor(),
        )
        .await?)
}

/// A meeting with its agenda.
pub async fn meeting(ws: &Workspace, who: &Principal, id: &str) -> Result<MeetingAgenda> {
    who.require(Permission::Read)?;
    let meeting = ws.store.register().meeting(&who.org.id, id).await?;
    let records = ws.store.register().meeting_choices(&who.org.id, id).await?;
    let items = agenda_items(ws, who, records).await?;
    Ok(MeetingAgenda { meeting, items })
}

/// Places a choice that waits for a decision (`choiceId`) last on a meeting's agenda; those
/// who decide at its level are told.
pub async fn place_on_agenda(
    ws: &Workspace,
    who: &Principal,
    meeting_id: &str,
    mut input: Input,
) -> Result<MeetingAgenda> {
    require_planner(who)?;
    let m = ws.store.register().meeting(&who.org.id, meeting_id).await?;
    let choice_id = input.text("choiceId");
    let found = match ws
        .store
        .register()
        .choice(&who.org.id, choice_id.trim())
        .await
    {
        Ok(c) if c.level > m.level => Err(Invalid::one(
            "choiceId",
            "level",
            "deze keuze wordt op een hoger niveau genomen dan deze vergadering besluit",
        )),
        Ok(c) if c.choice.status.open() => Ok(c),
        Ok(_) => Err(Invalid::one(
            "choiceId",
            "status",
            "over deze keuze is al besloten; alleen een open keuze komt op de agenda",
        )),
        Err(koers_store::StoreError::NotFound) => Err(Invalid::one(
            "choiceId",
            "unknown",
            "is geen keuze van deze organisatie",
        )),
        Err(e) => return Err(e.into()),
    };
    let c = input.finish(found)?;
    ws.store
        .register()
        .place_on_agenda(&who.org.id, &m.id, &c.id, &who.actor())
        .await?;
    // Those who decide at the choice's level hear that it waits for them.
    let (f, _) = in_force(ws, who).await?;
    let deciders = f.deciders(c.level);
    let board: Vec<String> = ws
        .store
        .users()
        .members(&who.org.id)
        .await?
        .into_iter()
        .filter(|x| deciders.include(&x.roles, &x.user.id) && x.user.id != who.user.id)
        .map(|x| x.user.id)
        .collect();
    if !board.is_empty() {
        ws.store
            .notifications()
            .notify(
                &who.org.id,
                &board,
                &who.actor(),
                "meeting.item_placed",
                &serde_json::json!({ "choice": c.choice.title, "body": m.body, "date": m.held_on }),
                &format!("/toepassingen/vergaderingen/{}", m.id),
            )
            .await?;
    }
    meeting(ws, who, &m.id).await
}

/// Moves a choice on a meeting's agenda one place `up` or `down` (field `direction`).
pub async fn move_on_agenda(
    ws: &Workspace,
    who: &Principal,
    meeting_id: &str,
    choice_id: &str,
    mut input: Input,
) -> Result<MeetingAgenda> {
    require_planner(who)?;
    // Another organisation's meeting is not found before anything is checked.
    ws.store.register().meeting(&who.org.id, meeting_id).await?;
    let step = match input.text("direction").trim() {
        "up" => Ok(-1),
        "down" => Ok(1),
        _ => Err(Invalid::one("direction", "enum", "moet up of down zijn")),
    };
    let step = input.finish(step)?;
    ws.store
        .register()
        .move_on_agenda(&who.org.id, meeting_id, choice_id, step, &who.actor())
        .await?;
    meeting(ws, who, meeting_id).await
}

/// Publishes a decided or rejected choice on the organisation's public page of decisions
/// (Woo), leaving out the fields named in `redacted` (`context`, `decision`, `rationale`,
/// `body`, `reference`); publishing again changes what is left out.
pub async fn publish_choice(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
    mut input: Input,
) -> Result<Publication> {
    let (_, rec) = choice_of(ws, who, application_id, choice_id).await?;
    require_planner(who)?;
    let raw = input.texts("redacted");
    let parsed =
        publication::publishable(rec.choice.status).and_then(|()| WooField::parse_all(&raw));
    let redacted = input.finish(parsed)?;
    let codes: Vec<String> = redacted.iter().map(|f| f.as_str().to_string()).collect();
    ws.store
        .register()
        .publish_choice(&who.org.id, &rec.id, &codes, &who.actor())
        .await?;
    ws.store
        .register()
        .publication(&who.org.id, &rec.id)
        .await?
        .ok_or(Error::NotFound)
}

/// Takes a choice off the public page of decisions.
pub async fn withdraw_publication(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    choice_id: &str,
) -> Result<()> {
    let (_, rec) = choice_of(ws, who, application_id, choice_id).await?;
    require_planner(who)?;
    Ok(ws
        .store
        .register()
        .withdraw_publication(&who.org.id, &rec.id, &who.actor())
        .await?)
}

/// How a choice is published, if it is.
pub async fn publication_of(
    ws: &Workspace,
    who: &Principal,
    choice_id: &str,
) -> Result<Option<Publication>> {
    who.require(Permission::Read)?;
    Ok(ws
        .store
        .register()
        .publication(&who.org.id, choice_id)
        .await?)
}

/// An organisation's public page of decisions: what it published, as the public reads it.
#[derive(Debug, Clone)]
pub struct PublicDecisions {
    pub organisation: koers_store::Organisation,
    /// Each decision with the moment it was published, newest first.
    pub decisions: Vec<(WooRecord, String)>,
}

/// The code an organisation's public page of decisions goes by: its CBS code, or its id when
/// it has none ([`public_decisions`] finds it by either).
pub fn public_code(org: &koers_store::Organisation) -> &str {
    org.cbs_code.as_deref().unwrap_or(&org.id)
}

/// The public decisions of the organisation with CBS code (or id) `code`; nobody needs to
/// sign in. An unknown code is not found.
pub async fn public_decisions(ws: &Workspace, code: &str) -> Result<PublicDecisions> {
    let orgs = ws.store.organisations();
    let organisation = match orgs.organisation_by_cbs(code).await {
        Err(koers_store::StoreError::NotFound) => orgs.organisation(code).await?,
        r => r?,
    };
    let decisions = ws
        .store
        .register()
        .published_choices(&organisation.id)
        .await?
        .into_iter()
        .map(|(c, p)| {
            let redacted: Vec<WooField> =
                WooField::parse_all(&p.redacted).unwrap_or_else(|_| WooField::ALL.to_vec());
            (
                publication::woo_record(&c.choice, c.board_reference.as_deref(), &redacted),
                p.published_at,
            )
        })
        .collect();
    Ok(PublicDecisions {
        organisation,
        decisions,
    })
}

/// The organisation's decision history: whether its chain is intact, and the newest events.
#[derive(Debug, Clone)]
pub struct DecisionHistory {
    pub check: ChainCheck,
    pub events: Vec<DecisionEvent>,
}

/// Checks the organisation's tamper-evident decision history (audit readers).
pub async fn decision_history(ws: &Workspace, who: &Principal) -> Result<DecisionHistory> {
    who.require(Permission::ReadAudit)?;
    let check = ws
        .store
        .register()
        .verify_register_chain(Some(&who.org.id))
        .await?
        .into_iter()
        .next()
        .ok_or(Error::NotFound)?;
    let events = ws
        .store
        .register()
        .decision_events(&who.org.id, 200)
        .await?;
    Ok(DecisionHistory { check, events })
}

/// Saves a new version of the framework from its JSON text (administrators).
pub async fn save_framework(
    ws: &Workspace,
    who: &Principal,
    json: &str,
) -> Result<FrameworkVersion> {
    who.require(Permission::ManageMembers)?;
    // The version and organisation are assigned by the store; accept whatever was sent.
    let mut v: Value = serde_json::from_str(json).map_err(|e| {
        Error::Invalid(Invalid::one(
            "framework",
            "json",
            &format!("is geen geldige JSON: {}", koers_core::json::problem(&e)),
        ))
    })?;
    if let Some(o) = v.as_object_mut() {
        o.insert("organisation".into(), Value::String(who.org.id.clone()));
        o.entry("version").or_insert(Value::from(1));
        if o.get("version")
            .and_then(Value::as_u64)
            .is_none_or(|n| n == 0)
        {
            o.insert("version".into(), Value::from(1));
        }
    }
    let f = Framework::from_json(&v.to_string())?;
    store_framework(ws, who, &f).await
}

/// Stores a checked framework as the next version; the members it names as deciders must be
/// the organisation's.
async fn store_framework(
    ws: &Workspace,
    who: &Principal,
    f: &Framework,
) -> Result<FrameworkVersion> {
    let members = member_ids(ws, who).await?;
    let mut errs = Vec::new();
    for (level, d) in &f.deciders {
        if d.members.iter().any(|m| !members.contains(m)) {
            errs.push(FieldError::new(
                format!("deciders.{}.members", level.as_str()),
                "unknown",
                "kies leden van deze organisatie",
            ));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(Invalid(errs)));
    }
    Ok(ws
        .store
        .register()
        .save_framework(&who.org.id, f, &who.actor())
        .await?)
}

async fn member_ids(ws: &Workspace, who: &Principal) -> Result<Vec<String>> {
    Ok(ws
        .store
        .users()
        .members(&who.org.id)
        .await?
        .into_iter()
        .map(|m| m.user.id)
        .collect())
}

/// The framework editor: the framework in force as a form, and the members who may be named
/// as deciders.
#[derive(Debug, Clone)]
pub struct FrameworkEditor {
    pub form: FrameworkForm,
    pub members: Vec<koers_store::Member>,
}

/// The framework in force as a form to edit (administrators).
pub async fn framework_editor(ws: &Workspace, who: &Principal) -> Result<FrameworkEditor> {
    who.require(Permission::ManageMembers)?;
    let (f, _) = in_force(ws, who).await?;
    Ok(FrameworkEditor {
        form: FrameworkForm::of(&f),
        members: ws.store.users().members(&who.org.id).await?,
    })
}

/// Whether `who` may decide, send back, reject or defer a choice at `level`, and who may.
pub async fn deciders_at(
    ws: &Workspace,
    who: &Principal,
    level: DecisionLevel,
) -> Result<(bool, framework::Deciders)> {
    let (f, _) = in_force(ws, who).await?;
    Ok((
        f.may_decide(level, &who.roles, &who.user.id),
        f.deciders(level),
    ))
}

/// Reads the editor's fields: `name`; per rule `rules[i].name`, `.description`, `.join`
/// (`all`/`any`), `.level`, `.instruments`, `.nested` and per clause `rules[i].clauses[j].kind`,
/// `.risk_groups`, `.impact`, `.euros`, `.choice_types`; per level `deciders.<level>.roles` and
/// `.members`.
pub fn read_framework_form(input: &mut Input) -> FrameworkForm {
    // The highest index used among the fields starting with `prefix` and `[`.
    fn count(input: &Input, prefix: &str) -> usize {
        input
            .fields()
            .keys()
            .filter_map(|k| k.strip_prefix(prefix)?.strip_prefix('['))
            .filter_map(|k| k.split(']').next()?.parse::<usize>().ok())
            .filter(|i| *i < 500)
            .map(|i| i + 1)
            .max()
            .unwrap_or(0)
    }
    let rules = (0..count(input, "rules"))
        .map(|i| {
            let p = format!("rules[{i}]");
            let clauses = (0..count(input, &format!("{p}.clauses")))
                .map(|j| {
                    let c = format!("{p}.clauses[{j}]");
                    ClauseForm {
                        kind: input.text(&format!("{c}.kind")),
                        risk_groups: input.texts(&format!("{c}.risk_groups")),
                        impact: input.text(&format!("{c}.impact")),
                        euros: input.text(&format!("{c}.euros")),
                        choice_types: input.texts(&format!("{c}.choice_types")),
                    }
                })
                .collect();
            RuleForm {
                name: input.text(&format!("{p}.name")),
                description: input.text(&format!("{p}.description")),
                join: input.text(&format!("{p}.join")),
                clauses,
                nested: input.text(&format!("{p}.nested")),
                level: input.text(&format!("{p}.level")),
                instruments: input.texts(&format!("{p}.instruments")),
            }
        })
        .collect();
    FrameworkForm {
        name: input.text("name"),
        rules,
        deciders: DecisionLevel::ALL
            .into_iter()
            .map(|l| DecidersForm {
                level: l.as_str().into(),
                roles: input.texts(&format!("deciders.{}.roles", l.as_str())),
                members: input.texts(&format!("deciders.{}.members", l.as_str())),
            })
            .collect(),
    }
}

/// An open choice that a new framework would route differently.
#[derive(Debug, Clone)]
pub struct ChoiceMove {
    pub application: Application,
    pub choice: ChoiceRecord,
    pub change: Move,
}

/// A row the editor added: a rule, or a clause of a rule (indexes into the form).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Added {
    Rule(usize),
    Clause { rule: usize, clause: usize },
}

/// Where the editor goes next.
#[derive(Debug, Clone)]
pub enum FrameworkStep {
    /// A rule or clause was added or removed: the form again, with where the new row is.
    Editing {
        form: FrameworkForm,
        added: Option<Added>,
    },
    /// The form is a valid framework: what it would change, before it is saved.
    Preview {
        form: FrameworkForm,
        moves: Vec<ChoiceMove>,
    },
    Saved(FrameworkVersion),
}

/// One step of the framework editor (administrators): `action` is `add_rule`,
/// `add_clause:<i>`, `remove_rule:<i>`, `preview` or `save`.
pub async fn edit_framework(
    ws: &Workspace,
    who: &Principal,
    mut input: Input,
) -> Result<FrameworkStep> {
    who.require(Permission::ManageMembers)?;
    let action = input.text("action");
    let mut form = read_framework_form(&mut input);
    let index = action
        .split(':')
        .nth(1)
        .and_then(|i| i.parse::<usize>().ok())
        .unwrap_or(usize::MAX);
    let added = match action.split(':').next().unwrap_or_default() {
        "add_rule" => {
            form.add_rule();
            Some(Added::Rule(form.rules.len() - 1))
        }
        "add_clause" => {
            form.add_clause(index);
            form.rules.get(index).map(|r| Added::Clause {
                rule: index,
                clause: r.clauses.len().saturating_sub(1),
            })
        }
        "remove_rule" => {
            form.remove_rule(index);
            None
        }
        act @ ("preview" | "save") => {
            let members = member_ids(ws, who).await?;
            let parsed = form.parse(&who.org.id, 1, &members);
            let f = input.finish(parsed)?;
            return Ok(if act == "save" {
                FrameworkStep::Saved(store_framework(ws, who, &f).await?)
            } else {
                FrameworkStep::Preview {
                    moves: preview_framework(ws, who, &f).await?,
                    form,
                }
            });
        }
        _ => {
            return Err(Error::Invalid(Invalid::one(
                "action",
                "enum",
                "moet add_rule, add_clause, remove_rule, preview of save zijn",
            )));
        }
    };
    Ok(FrameworkStep::Editing { form, added })
}

/// The open choices that `new` would route to another level or to other instruments than the
/// framework in force does.
pub async fn preview_framework(
    ws: &Workspace,
    who: &Principal,
    new: &Framework,
) -> Result<Vec<ChoiceMove>> {
    who.require(Permission::Read)?;
    let (old, _) = in_force(ws, who).await?;
    let mut out = Vec::new();
    let mut apps: BTreeMap<String, Application> = BTreeMap::new();
    for choice in ws.store.register().open_choices(&who.org.id).await? {
        let app = match apps.get(&choice.application_id) {
            Some(a) => a.clone(),
            None => {
                let a = ws
                    .store
                    .register()
                    .application(&who.org.id, &choice.application_id)
                    .await?;
                apps.insert(a.id.clone(), a.clone());
                a
            }
        };
        let facts = framework::Facts::of(&app.draft, &choice.choice);
        if let Some(change) = framework_form::moves(&old, new, &facts) {
            out.push(ChoiceMove {
                application: app,
                choice,
                change,
            });
        }
    }
    Ok(out)
}

/// Two saved versions of the framework side by side.
#[derive(Debug, Clone)]
pub struct FrameworkComparison {
    pub before: FrameworkVersion,
    pub after: FrameworkVersion,
    pub rules: Vec<RuleChange>,
}

/// Compares versions `a` and `b` of the organisation's framework rule by rule.
pub async fn compare_frameworks(
    ws: &Workspace,
    who: &Principal,
    a: i64,
    b: i64,
) -> Result<FrameworkComparison> {
    who.require(Permission::Read)?;
    let versions = ws.store.register().framework_versions(&who.org.id).await?;
    let find = |n: i64| {
        versions
            .iter()
            .find(|v| v.version == n)
            .cloned()
            .ok_or(Error::NotFound)
    };
    let (before, after) = (find(a)?, find(b)?);
    Ok(FrameworkComparison {
        rules: framework_form::compare(&before.framework, &after.framework),
        before,
        after,
    })
}

/// The decision aid's tree, or an internal error when the shipped file does not load.
pub fn tree() -> Result<&'static DecisionTree> {
    DecisionTree::load().map_err(|e| Error::Internal(e.to_string()))
}

/// Where a walk through the decision aid stands.
pub enum AidStep {
    Question(Box<QuestionView>),
    Concluded(Box<Outcome>),
}

/// A walk through the decision aid for an application: the answers so far and where they
/// lead.
pub struct AiActWalk {
    pub application: Application,
    pub answers: Vec<usize>,
    pub step: AidStep,
}

/// The decision aid's first question for an application.
pub async fn start_ai_act(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
) -> Result<AiActWalk> {
    let app = application(ws, who, application_id).await?;
    walk(ws, who, app, &[], None).await
}

/// Answers the decision aid as its form does (for those who may register): `answers` so far
/// as `0,2,1`, and the `answer` to the current question (empty: show it again). A conclusion
/// is stored on the application, setting its AI Act risk group.
pub async fn answer_ai_act(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    answers: &str,
    answer: &str,
) -> Result<AiActWalk> {
    let app = editable_application(ws, who, application_id).await?;
    let answers = parse_answers(answers)?;
    let next = if answer.trim().is_empty() {
        None
    } else {
        Some(
            answer
                .trim()
                .parse::<usize>()
                .map_err(|_| Error::Invalid(Invalid::one("answer", "type", "kies een antwoord")))?,
        )
    };
    walk(ws, who, app, &answers, next).await
}

/// Takes the decision aid as the API does: the `answers` so far (a list of answer ids) are
/// replayed; a conclusion is stored on the application (for those who may register).
pub async fn assess_ai_act(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    input: Input,
) -> Result<AiActWalk> {
    let app = application(ws, who, application_id).await?;
    let not_a_list = || {
        Error::Invalid(Invalid::one(
            "answers",
            "type",
            "moet een lijst van antwoordnummers zijn",
        ))
    };
    let answers: Vec<usize> = match input.fields().get("answers") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a
            .iter()
            .map(|x| {
                x.as_u64()
                    .and_then(|n| usize::try_from(n).ok())
                    .ok_or_else(not_a_list)
            })
            .collect::<Result<_>>()?,
        Some(_) => return Err(not_a_list()),
    };
    walk(ws, who, app, &answers, None).await
}

/// Replays `answers` and, when `next` is given, answers the current question with it.
/// A conclusion is stored on the application (setting its AI Act risk group).
async fn walk(
    ws: &Workspace,
    who: &Principal,
    application: Application,
    answers: &[usize],
    next: Option<usize>,
) -> Result<AiActWalk> {
    let t = tree()?;
    let bad = |e: koers_core::register::ai_act::Error| {
        Error::Invalid(Invalid::one("answers", "answer", &e.to_string()))
    };
    let mut s = t.start();
    for a in answers {
        s.answer(*a).map_err(bad)?;
    }
    let step = match next {
        Some(a) => Some(s.answer(a).map_err(bad)?),
        None => None,
    };
    let answers = s.answers();
    if let Some(o) = s.outcome() {
        require_register(who)?;
        let st = AiActState {
            answers: o.answers(),
            tree_version: o.tree_version.clone(),
            risk_group: o.conclusion.register_risk_group(),
            concluded_at: chrono::Utc::now().to_rfc3339(),
        };
        ws.store
            .register()
            .set_ai_act(&who.org.id, &application.id, &st, &who.actor())
            .await?;
        return Ok(AiActWalk {
            application,
            answers,
            step: AidStep::Concluded(Box::new(o)),
        });
    }
    let q = match step {
        Some(Step::Question(q)) => q,
        _ => s
            .current_question()
            .cloned()
            .ok_or_else(|| Error::Internal("beslishulp zonder vraag".into()))?,
    };
    Ok(AiActWalk {
        application,
        answers,
        step: AidStep::Question(Box::new(q)),
    })
}

/// Parses `0,2,1` into answer ids.
fn parse_answers(raw: &str) -> Result<Vec<usize>> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>().map_err(|_| {
                Error::Invalid(Invalid::one(
                    "answers",
                    "type",
                    "moet een lijst van antwoordnummers zijn",
                ))
            })
        })
        .take(koers_core::register::ai_act::MAX_STEPS + 1)
        .collect()
}

/// The stored decision-aid outcome of an application, replayed.
pub fn ai_act_outcome(app: &Application) -> Option<Outcome> {
    let s = app.ai_act.as_ref()?;
    DecisionTree::load().ok()?.replay(&s.answers).ok()
}

/// The pre-scan, or an internal error when the shipped file does not load.
pub fn prescan() -> Result<&'static Prescan> {
    Prescan::load().map_err(Error::Internal)
}

/// Stores the pre-scan answers the API sends, field `answers`: question id → value (text,
/// number or list), and evaluates them.
pub async fn save_prescan(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    input: Input,
) -> Result<PrescanResult> {
    editable_application(ws, who, application_id).await?;
    let answers: BTreeMap<String, Value> = match input.fields().get("answers") {
        Some(Value::Object(m)) => m.clone().into_iter().collect(),
        _ => {
            return Err(Error::Invalid(Invalid::one(
                "answers",
                "type",
                "moet een object zijn: vraag-id → antwoord",
            )));
        }
    };
    store_prescan(ws, who, application_id, answers).await
}

/// Stores the pre-scan as its form sends it: per question a field `q.<id>`, holding the
/// text, or the index of the chosen option (several for multiple choice).
pub async fn fill_in_prescan(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    mut input: Input,
) -> Result<PrescanResult> {
    editable_application(ws, who, application_id).await?;
    let p = prescan()?;
    let mut answers = BTreeMap::new();
    for q in p.questions() {
        let given = input.texts(&format!("q.{}", q.id));
        if given.is_empty() {
            continue;
        }
        if q.options.is_empty() {
            let t = given.join(" ");
            if !t.trim().is_empty() {
                answers.insert(q.id.clone(), Value::String(t));
            }
            continue;
        }
        let mut picked = given
            .iter()
            .filter_map(|g| g.parse::<usize>().ok())
            .filter_map(|i| q.options.get(i).map(|o| o.value.clone()));
        let v = if q.kind == "checkbox_option" {
            Value::Array(picked.collect())
        } else {
            picked.next().unwrap_or(Value::Null)
        };
        if v.is_null() || v.as_array().is_some_and(Vec::is_empty) {
            continue;
        }
        answers.insert(q.id.clone(), v);
    }
    input.finish(Ok(()))?;
    store_prescan(ws, who, application_id, answers).await
}

/// Checks that every answer is to a question of the pre-scan, stores them and evaluates them.
async fn store_prescan(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    answers: BTreeMap<String, Value>,
) -> Result<PrescanResult> {
    let p = prescan()?;
    let mut errs = Vec::new();
    for k in answers.keys() {
        if !p.questions().iter().any(|q| &q.id == k) {
            errs.push(FieldError::new(
                k.clone(),
                "unknown_field",
                "is geen vraag van de pre-scan",
            ));
        }
    }
    if !errs.is_empty() {
        return Err(Error::Invalid(Invalid(errs)));
    }
    let result = p.evaluate(&answers);
    ws.store
        .register()
        .set_prescan(
            &who.org.id,
            application_id,
            &PrescanState {
                answers,
                completed_at: chrono::Utc::now().to_rfc3339(),
            },
            &who.actor(),
        )
        .await?;
    Ok(result)
}

/// The evaluated stored pre-scan of an application.
pub fn prescan_result(app: &Application) -> Option<PrescanResult> {
    let s = app.prescan.as_ref()?;
    Prescan::load().ok().map(|p| p.evaluate(&s.answers))
}

/// The Algoritmekader requirements for the application's AI Act profile (from the decision
/// aid; without it only the ones that always apply) and the measures that meet them; the
/// data-protection requirements only when it processes personal data.
pub fn requirements_of(app: &Application) -> (Vec<Requirement>, Vec<Measure>) {
    let (reqs, measures, _) = requirements_with_set_aside(app);
    (reqs, measures)
}

/// [`requirements_of`] and the requirements set aside as not applicable to the application.
pub fn requirements_with_set_aside(
    app: &Application,
) -> (Vec<Requirement>, Vec<Measure>, Vec<Requirement>) {
    let mut labels: Vec<String> = ai_act_outcome(app)
        .map(|o| o.conclusion.labels)
        .unwrap_or_default();
    labels.push(
        if app.draft.citizen_impact >= ImpactLevel::Medium {
            "impactvol algoritme"
        } else {
            "niet-impactvol algoritme"
        }
        .into(),
    );
    let profile = AiActProfile::from_labels(&labels);
    let (reqs, set_aside) =
        requirements::applicable_and_set_aside(&profile, app.draft.personal_data);
    let measures = Registry::load()
        .map(|r| r.measures_for(&reqs))
        .unwrap_or_default();
    (reqs, measures, set_aside)
}

/// Records a measure's status, responsible person and evidence.
pub async fn set_measure(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    mut input: Input,
) -> Result<Application> {
    let app = editable_application(ws, who, application_id).await?;
    let urn = input.text("measure");
    let status = input.text("status");
    let responsible = input.text("responsible");
    let evidence = input.text("evidence");
    let mut errs = Vec::new();
    let (_, measures) = requirements_of(&app);
    if !measures.iter().any(|m| m.urn == urn) {
        errs.push(FieldError::new(
            "measure",
            "not_applicable",
            "is geen maatregel die bij deze toepassing hoort",
        ));
    }
    let status = serde_json::from_value::<MeasureStatus>(Value::String(status.trim().into()));
    if status.is_err() {
        errs.push(FieldError::new(
            "status",
            "enum",
            "moet todo, in_progress, in_review, done of not_implemented zijn",
        ));
    }
    for (name, v, max) in [
        ("responsible", &responsible, 200),
        ("evidence", &evidence, 4000),
    ] {
        if v.chars().count() > max {
            errs.push(FieldError::new(
                name,
                "too_long",
                format!("mag hoogstens {max} tekens zijn"),
            ));
        }
    }
    let status = input.finish(if errs.is_empty() {
        status.map_err(|_| Invalid(Vec::new()))
    } else {
        Err(Invalid(errs))
    })?;
    Ok(ws
        .store
        .register()
        .set_measure(
            &who.org.id,
            application_id,
            &urn,
            &MeasureState {
                status,
                responsible: responsible.trim().into(),
                evidence: evidence.trim().into(),
                updated_at: chrono::Utc::now().to_rfc3339(),
            },
            &who.actor(),
        )
        .await?)
}

/// The publication fields a user fills in (the rest come from the application).
pub const PUBLICATION_FIELDS: [&str; 13] = [
    "description_short",
    "contact_email",
    "website",
    "url",
    "begin_date",
    "end_date",
    "proportionality",
    "human_intervention",
    "risks",
    "lawful_basis",
    "source_data",
    "methods_and_models",
    "tags",
];

/// Stores the publication fields; empty ones are left out. `category` is a list.
pub async fn set_publication(
    ws: &Workspace,
    who: &Principal,
    application_id: &str,
    mut input: Input,
) -> Result<Application> {
    editable_application(ws, who, application_id).await?;
    let mut fields = BTreeMap::new();
    for k in PUBLICATION_FIELDS {
        let v = input.text(k);
        if !v.trim().is_empty() {
            fields.insert(k.to_string(), FieldValue::Text(v.trim().to_string()));
        }
    }
    let cats = lines(&mut input, "category");
    if !cats.is_empty() {
        fields.insert("category".into(), FieldValue::List(cats));
    }
    input.finish(Ok(()))?;
    Ok(ws
        .store
        .register()
        .set_publication(&who.org.id, application_id, &fields, &who.actor())
        .await?)
}

/// The Algoritmeregister record of an application and the problems the standard finds in it.
pub struct Export {
    pub record: AlgoritmeregisterRecord,
    pub problems: Vec<FieldError>,
}

/// The Algoritmeregister record of an application of the organisation.
pub async fn export(ws: &Workspace, who: &Principal, application_id: &str) -> Result<Export> {
    let app = application(ws, who, application_id).await?;
    Ok(export_record(&who.org.name, &app))
}

/// The Algoritmeregister record of an application of organisation `org_name`, and the
/// problems the standard finds.
pub fn export_record(org_name: &str, app: &Application) -> Export {
    let impactful = app.draft.citizen_impact >= ImpactLevel::Medium;
    let record = AlgoritmeregisterRecord::from_application(
        &app.draft,
        org_name,
        impactful,
        &app.publication,
    );
    let problems = algoritmeregister::validate(&record)
        .err()
        .map(|i| i.0)
        .unwrap_or_default();
    Export { record, problems }
}

/// The titles of the publication fields, from the standard.
pub fn publication_titles() -> Vec<(String, String)> {
    let schema = Schema::load().ok();
    PUBLICATION_FIELDS
        .iter()
        .chain(std::iter::once(&"category"))
        .map(|k| {
            let title = schema
                .and_then(|s| s.field(k))
                .map(|f| f.title.clone())
                .unwrap_or_else(|| k.to_string());
            (k.to_string(), title)
        })
        .collect()
}
