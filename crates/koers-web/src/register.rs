//! Register operations (M5) shared by the pages and the API: applications, choices routed by
//! the organisation's framework (keuzekader), board decisions, the AI Act decision aid, the
//! DPIA/IAMA pre-scan, Algoritmekader measures and the Algoritmeregister export.

use crate::auth::Ctx;
use crate::error::AppError;
use crate::input::Input;
use crate::state::AppState;
use koers_core::register::ai_act::{DecisionTree, Outcome, QuestionView, Step};
use koers_core::register::algoritmeregister::{self, AlgoritmeregisterRecord, FieldValue, Schema};
use koers_core::register::application::{ApplicationDraft, ApplicationInput, ImpactLevel};
use koers_core::register::choice::{
    Choice, ChoiceInput, ChoiceStatus, ConsequenceInput, OptionInput, Transition,
};
use koers_core::register::framework::{self, DecisionLevel, Framework, Routing};
use koers_core::register::prescan::{Prescan, PrescanResult};
use koers_core::register::requirements::{
    self, AiActProfile, Measure, MeasureStatus, Registry, Requirement,
};
use koers_core::{FieldError, Invalid, Permission};
use koers_store::register::{AiActState, MeasureState, PrescanState};
use koers_store::{Application, ChoiceRecord, FrameworkVersion};
use serde_json::Value;
use std::collections::BTreeMap;

/// Registering and recording choices: analysts, data stewards and policy owners.
pub fn require_register(ctx: &Ctx) -> Result<(), AppError> {
    ctx.require(Permission::ManageQuestions)
        .or_else(|_| ctx.require(Permission::Analyse))?;
    Ok(())
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
    state: &AppState,
    ctx: &Ctx,
    mut input: Input,
) -> Result<(ApplicationDraft, Vec<String>, Vec<String>), AppError> {
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
        if state.store.dataset(&ctx.org.id, d).await.is_err() {
            errs.push(FieldError {
                name: format!("datasetIds[{i}]"),
                code: "not_found".into(),
                reason: "is geen bron in de catalogus".into(),
            });
        }
    }
    for (i, l) in links.iter().enumerate() {
        let ok = (l.starts_with("https://") || l.starts_with("http://") || l.starts_with('/'))
            && l.len() <= 2000
            && !l.contains(char::is_whitespace);
        if !ok {
            errs.push(FieldError {
                name: format!("productLinks[{i}]"),
                code: "url".into(),
                reason: "moet een http(s)-adres of een pad binnen koers zijn".into(),
            });
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

pub async fn create_application(
    state: &AppState,
    ctx: &Ctx,
    input: Input,
) -> Result<Application, AppError> {
    require_register(ctx)?;
    let (draft, datasets, links) = read_application(state, ctx, input).await?;
    Ok(state
        .store
        .create_application(&ctx.org.id, &draft, &datasets, &links, &ctx.actor())
        .await?)
}

pub async fn update_application(
    state: &AppState,
    ctx: &Ctx,
    id: &str,
    input: Input,
) -> Result<Application, AppError> {
    state.store.application(&ctx.org.id, id).await?;
    require_register(ctx)?;
    let (draft, datasets, links) = read_application(state, ctx, input).await?;
    Ok(state
        .store
        .update_application(&ctx.org.id, id, &draft, &datasets, &links, &ctx.actor())
        .await?)
}

/// The framework in force: the organisation's newest version, or the built-in default.
pub async fn framework_in_force(
    state: &AppState,
    ctx: &Ctx,
) -> Result<(Framework, Option<i64>), AppError> {
    Ok(match state.store.current_framework(&ctx.org.id).await? {
        Some(v) => (v.framework, Some(v.version)),
        None => (Framework::default_for(&ctx.org.id), None),
    })
}

/// Where the framework in force puts a choice about an application, and why.
pub async fn routing(
    state: &AppState,
    ctx: &Ctx,
    app: &Application,
    choice: &Choice,
) -> Result<Routing, AppError> {
    let (f, _) = framework_in_force(state, ctx).await?;
    Ok(framework::evaluate(&f, &app.draft, choice))
}

/// A choice body: the flat fields through [`Input`], the options and consequences as lists.
pub struct ChoiceBody {
    pub input: Input,
    pub options: Vec<OptionInput>,
    pub consequences: Vec<ConsequenceInput>,
    /// Type problems in the nested lists.
    pub errors: Vec<FieldError>,
}

impl ChoiceBody {
    /// From a form: options as parallel lists `optionTitle`, `optionDescription`,
    /// `optionPros`, `optionCons` (one argument per line); empty option rows are skipped.
    pub fn from_form(body: &[u8]) -> Result<ChoiceBody, AppError> {
        let mut input = crate::input::form(body)?;
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
        Ok(ChoiceBody {
            input,
            options,
            consequences,
            errors: Vec::new(),
        })
    }

    /// From JSON: `options` as objects `{title, description, pros, cons}`, `consequences`
    /// as `{valence, text}`.
    pub fn from_json(headers: &axum::http::HeaderMap, body: &[u8]) -> Result<ChoiceBody, AppError> {
        let input = crate::input::json(headers, body)?;
        let v: Value =
            serde_json::from_slice(body).map_err(|e| AppError::BadRequest(e.to_string()))?;
        let mut errors = Vec::new();
        let mut ty = |name: String, what: &str| {
            errors.push(FieldError {
                name,
                code: "type".into(),
                reason: format!("moet {what} zijn"),
            })
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
        Ok(ChoiceBody {
            input,
            options,
            consequences,
            errors,
        })
    }

    fn parse(mut self) -> Result<Choice, AppError> {
        let raw = ChoiceInput {
            title: self.input.text("title"),
            choice_type: self.input.text("choiceType"),
            context: self.input.text("context"),
            drivers: lines(&mut self.input, "drivers"),
            options: self.options,
            chosen_option: self.input.text("chosenOption"),
            rationale: self.input.text("rationale"),
            consequences: self.consequences,
            decision_makers: lines(&mut self.input, "decisionMakers"),
            consulted: lines(&mut self.input, "consulted"),
            informed: lines(&mut self.input, "informed"),
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
        Ok(self.input.finish(parsed)?)
    }
}

/// Records a proposed choice about an application, routed by the framework in force.
pub async fn create_choice(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    body: ChoiceBody,
) -> Result<ChoiceRecord, AppError> {
    let app = state.store.application(&ctx.org.id, application_id).await?;
    require_register(ctx)?;
    let choice = body.parse()?;
    let (f, version) = framework_in_force(state, ctx).await?;
    let routing = framework::evaluate(&f, &app.draft, &choice);
    Ok(state
        .store
        .create_choice(
            &ctx.org.id,
            &app.id,
            &choice,
            routing.level,
            version,
            &ctx.actor(),
        )
        .await?)
}

/// A choice of the application (404 when it belongs to another application).
pub async fn choice_of(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    choice_id: &str,
) -> Result<(Application, ChoiceRecord), AppError> {
    let app = state.store.application(&ctx.org.id, application_id).await?;
    let c = state.store.choice(&ctx.org.id, choice_id).await?;
    if c.application_id != app.id {
        return Err(AppError::NotFound);
    }
    Ok((app, c))
}

/// Moves a choice along `proposed → advised → decided → superseded`. Fields: `to`
/// (`advised`, `decided`, `superseded`), for `decided` the `date` (YYYY-MM-DD), the
/// `decisionMaker` and — for choices at board level — the board's `reference`; for
/// `superseded` the id of the new choice in `supersededBy`. Board-level decisions need the
/// board member role; everything else the register role.
pub async fn transition(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    choice_id: &str,
    mut input: Input,
) -> Result<ChoiceRecord, AppError> {
    let (app, rec) = choice_of(state, ctx, application_id, choice_id).await?;
    let to = input.text("to");
    let date_raw = input.text("date");
    let maker = input.text("decisionMaker");
    let by = input.text("supersededBy");
    let reference = input.text("reference");
    let mut choice = rec.choice.clone();
    // Re-route with the framework in force: the application may have changed since.
    let level = if choice.status == ChoiceStatus::Proposed || choice.status == ChoiceStatus::Advised
    {
        routing(state, ctx, &app, &choice)
            .await?
            .level
            .max(rec.level)
    } else {
        rec.level
    };
    let board = level == DecisionLevel::Board && to.trim() == "decided";
    if board {
        ctx.require(Permission::DecideAsBoard)?;
    } else {
        require_register(ctx)?;
    }
    let mut errs = Vec::new();
    let date = if date_raw.trim().is_empty() {
        None
    } else {
        match chrono::NaiveDate::parse_from_str(date_raw.trim(), "%Y-%m-%d") {
            Ok(d) => Some(d),
            Err(_) => {
                errs.push(FieldError {
                    name: "date".into(),
                    code: "date".into(),
                    reason: "moet een datum zijn als 2026-03-01".into(),
                });
                None
            }
        }
    };
    let t = match to.trim() {
        "advised" => Some(Transition::Advised),
        "decided" => Some(Transition::Decided {
            date,
            decision_maker: maker,
        }),
        "superseded" => Some(Transition::Superseded { by: by.clone() }),
        _ => {
            errs.push(FieldError {
                name: "to".into(),
                code: "enum".into(),
                reason: "moet advised, decided of superseded zijn".into(),
            });
            None
        }
    };
    let reference = reference.trim().to_string();
    if board && reference.is_empty() {
        errs.push(FieldError {
            name: "reference".into(),
            code: "required".into(),
            reason: "het kenmerk van het bestuursbesluit is verplicht".into(),
        });
    } else if reference.chars().count() > 200 {
        errs.push(FieldError {
            name: "reference".into(),
            code: "too_long".into(),
            reason: "mag hoogstens 200 tekens zijn".into(),
        });
    }
    if to.trim() == "superseded" && !by.trim().is_empty() {
        // The replacing choice must be one of this organisation's.
        if state.store.choice(&ctx.org.id, by.trim()).await.is_err() || by.trim() == rec.id {
            errs.push(FieldError {
                name: "supersededBy".into(),
                code: "not_found".into(),
                reason: "is geen andere keuze van deze organisatie".into(),
            });
        }
    }
    let moved = match t {
        Some(t) => match choice.transition(t) {
            Ok(()) if errs.is_empty() => Ok(()),
            Ok(()) => Err(Invalid(errs)),
            Err(Invalid(mut e)) => {
                e.append(&mut errs);
                Err(Invalid(e))
            }
        },
        None => Err(Invalid(errs)),
    };
    input.finish(moved)?;
    let board_reference = if board {
        Some(reference.as_str())
    } else {
        rec.board_reference.as_deref()
    };
    let action = format!("choice.{}", choice.status.as_str());
    Ok(state
        .store
        .update_choice(
            &ctx.org.id,
            &rec.id,
            rec.choice.status.as_str(),
            &choice,
            level,
            board_reference,
            &action,
            &ctx.actor(),
        )
        .await?)
}

/// Saves a new version of the framework from its JSON text (administrators).
pub async fn save_framework(
    state: &AppState,
    ctx: &Ctx,
    json: &str,
) -> Result<FrameworkVersion, AppError> {
    ctx.require(Permission::ManageMembers)?;
    // The version and organisation are assigned by the store; accept whatever was sent.
    let mut v: Value = serde_json::from_str(json).map_err(|e| {
        AppError::Invalid(Invalid::one(
            "framework",
            "json",
            &format!(
                "is geen geldige JSON (regel {}, kolom {}): {e}",
                e.line(),
                e.column()
            ),
        ))
    })?;
    if let Some(o) = v.as_object_mut() {
        o.insert("organisation".into(), Value::String(ctx.org.id.clone()));
        o.entry("version").or_insert(Value::from(1));
        if o.get("version")
            .and_then(Value::as_u64)
            .is_none_or(|n| n == 0)
        {
            o.insert("version".into(), Value::from(1));
        }
    }
    let f = Framework::from_json(&v.to_string())?;
    Ok(state
        .store
        .save_framework(&ctx.org.id, &f, &ctx.actor())
        .await?)
}

/// The decision aid's tree, or an internal error when the shipped file does not load.
pub fn tree() -> Result<&'static DecisionTree, AppError> {
    DecisionTree::load().map_err(|e| AppError::Internal(e.to_string()))
}

/// Where a walk through the decision aid stands.
pub enum AidStep {
    Question(Box<QuestionView>),
    Concluded(Box<Outcome>),
}

/// Replays `answers` and, when `next` is given, answers the current question with it.
/// A conclusion is stored on the application (setting its AI Act risk group).
pub async fn answer_ai_act(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    answers: &[usize],
    next: Option<usize>,
) -> Result<(Vec<usize>, AidStep), AppError> {
    state.store.application(&ctx.org.id, application_id).await?;
    let t = tree()?;
    let bad = |e: koers_core::register::ai_act::Error| {
        AppError::Invalid(Invalid::one("answers", "answer", &e.to_string()))
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
        if step.is_some() || next.is_none() {
            require_register(ctx)?;
            let st = AiActState {
                answers: o.answers(),
                tree_version: o.tree_version.clone(),
                risk_group: o.conclusion.register_risk_group(),
                concluded_at: chrono::Utc::now().to_rfc3339(),
            };
            state
                .store
                .set_ai_act(&ctx.org.id, application_id, &st, &ctx.actor())
                .await?;
        }
        return Ok((answers, AidStep::Concluded(Box::new(o))));
    }
    let q = match step {
        Some(Step::Question(q)) => q,
        _ => s
            .current_question()
            .cloned()
            .ok_or_else(|| AppError::Internal("beslishulp zonder vraag".into()))?,
    };
    Ok((answers, AidStep::Question(Box::new(q))))
}

/// Parses `0,2,1` into answer ids.
pub fn parse_answers(raw: &str) -> Result<Vec<usize>, AppError> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse::<usize>().map_err(|_| {
                AppError::Invalid(Invalid::one(
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
pub fn prescan() -> Result<&'static Prescan, AppError> {
    Prescan::load().map_err(AppError::Internal)
}

/// Stores pre-scan answers (question id → value: text, number or list) and evaluates them.
pub async fn save_prescan(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    answers: BTreeMap<String, Value>,
) -> Result<PrescanResult, AppError> {
    state.store.application(&ctx.org.id, application_id).await?;
    require_register(ctx)?;
    let p = prescan()?;
    let mut errs = Vec::new();
    for k in answers.keys() {
        if !p.questions().iter().any(|q| &q.id == k) {
            errs.push(FieldError {
                name: k.clone(),
                code: "unknown_field".into(),
                reason: "is geen vraag van de pre-scan".into(),
            });
        }
    }
    if !errs.is_empty() {
        return Err(AppError::Invalid(Invalid(errs)));
    }
    let result = p.evaluate(&answers);
    state
        .store
        .set_prescan(
            &ctx.org.id,
            application_id,
            &PrescanState {
                answers,
                completed_at: chrono::Utc::now().to_rfc3339(),
            },
            &ctx.actor(),
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
/// aid; without it only the ones that always apply) and the measures that meet them.
pub fn requirements_of(app: &Application) -> (Vec<Requirement>, Vec<Measure>) {
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
    let reqs = requirements::applicable(&profile);
    let measures = Registry::load()
        .map(|r| r.measures_for(&reqs))
        .unwrap_or_default();
    (reqs, measures)
}

/// Records a measure's status, responsible person and evidence.
pub async fn set_measure(
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    mut input: Input,
) -> Result<Application, AppError> {
    let app = state.store.application(&ctx.org.id, application_id).await?;
    require_register(ctx)?;
    let urn = input.text("measure");
    let status = input.text("status");
    let responsible = input.text("responsible");
    let evidence = input.text("evidence");
    let mut errs = Vec::new();
    let (_, measures) = requirements_of(&app);
    if !measures.iter().any(|m| m.urn == urn) {
        errs.push(FieldError {
            name: "measure".into(),
            code: "not_applicable".into(),
            reason: "is geen maatregel die bij deze toepassing hoort".into(),
        });
    }
    let status = serde_json::from_value::<MeasureStatus>(Value::String(status.trim().into()));
    if status.is_err() {
        errs.push(FieldError {
            name: "status".into(),
            code: "enum".into(),
            reason: "moet todo, in_progress, in_review, done of not_implemented zijn".into(),
        });
    }
    for (name, v, max) in [
        ("responsible", &responsible, 200),
        ("evidence", &evidence, 4000),
    ] {
        if v.chars().count() > max {
            errs.push(FieldError {
                name: name.into(),
                code: "too_long".into(),
                reason: format!("mag hoogstens {max} tekens zijn"),
            });
        }
    }
    let status = input.finish(if errs.is_empty() {
        status.map_err(|_| Invalid(Vec::new()))
    } else {
        Err(Invalid(errs))
    })?;
    Ok(state
        .store
        .set_measure(
            &ctx.org.id,
            application_id,
            &urn,
            &MeasureState {
                status,
                responsible: responsible.trim().into(),
                evidence: evidence.trim().into(),
                updated_at: chrono::Utc::now().to_rfc3339(),
            },
            &ctx.actor(),
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
    state: &AppState,
    ctx: &Ctx,
    application_id: &str,
    mut input: Input,
) -> Result<Application, AppError> {
    state.store.application(&ctx.org.id, application_id).await?;
    require_register(ctx)?;
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
    Ok(state
        .store
        .set_publication(&ctx.org.id, application_id, &fields, &ctx.actor())
        .await?)
}

/// The Algoritmeregister record of an application, and the problems the standard finds.
pub fn export_record(ctx: &Ctx, app: &Application) -> (AlgoritmeregisterRecord, Vec<FieldError>) {
    let impactful = app.draft.citizen_impact >= ImpactLevel::Medium;
    let record = AlgoritmeregisterRecord::from_application(
        &app.draft,
        &ctx.org.name,
        impactful,
        &app.publication,
    );
    let problems = algoritmeregister::validate(&record)
        .err()
        .map(|i| i.0)
        .unwrap_or_default();
    (record, problems)
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
