//! Toepassingen (M5): the register of applications, their choices routed by the framework
//! (keuzekader), the board's agenda, the AI Act decision aid, the DPIA/IAMA pre-scan,
//! Algoritmekader measures and the Algoritmeregister export.

use crate::auth::Ctx;
use crate::download::{CSV, download};
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, builtin, join, t};
use crate::input::FormInput;
use crate::register::views::{
    DocFormat, condition_words, decision_list_document, label, meeting_document, proposal_document,
    routing_context,
};
use crate::shell::{
    Done, after_form, form_outcome_with_conflicts, form_problem, page_with_status, run_form,
};
use crate::state::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::response::Html;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::register::{
    self as reg, AiActWalk, AidStep, Application, ChoiceBody, ChoiceRecord, FrameworkStep,
    ai_act_outcome, export_record, may_register, prescan_result, publication_titles,
    requirements_with_set_aside,
};
use koers_core::Permission;
use koers_core::Role;
use koers_core::register::application::{
    AiActRiskGroup, AppKind, AppStatus, Hosting, ImpactLevel, lifecycle_phases,
};
use koers_core::register::choice::{ChoiceStatus, ChoiceType};
use koers_core::register::framework::{DecisionLevel, Instrument};
use koers_core::register::framework_form::{CLAUSE_KINDS, FrameworkForm};
use koers_core::register::publication::WooField;
use koers_core::register::requirements::MeasureStatus;
use minijinja::{Value, context};
use serde_json::json;
use std::collections::BTreeMap;

pub fn router() -> Router<AppState> {
    routes! {
        "/toepassingen" => get(list).post(create),
        "/toepassingen/keuzekader" => get(framework_page).post(framework_edit),
        "/toepassingen/keuzekader/vergelijken" => get(framework_compare),
        "/toepassingen/bestuursagenda" => get(agenda),
        "/toepassingen/vergaderingen" => get(meetings_page).post(meeting_create),
        "/toepassingen/vergaderingen/{meeting_id}" => get(meeting_page).post(meeting_place),
        "/toepassingen/vergaderingen/{meeting_id}/vergaderstukken.pdf" => get(meeting_documents),
        "/toepassingen/vergaderingen/{meeting_id}/vergaderstukken.odt" => get(meeting_documents_odt),
        "/toepassingen/vergaderingen/{meeting_id}/besluitenlijst.pdf" => get(decision_list_pdf),
        "/toepassingen/vergaderingen/{meeting_id}/besluitenlijst.odt" => get(decision_list_odt),
        "/toepassingen/vergaderingen/{meeting_id}/besluitenlijst.json" => get(decision_list_json),
        "/toepassingen/vergaderingen/{meeting_id}/agendapunten/{choice_id}" => post(meeting_move),
        "/toepassingen/bestuursagenda/{choice_id}" => post(agenda_decide),
        "/toepassingen/{id}" => get(show).post(edit),
        "/toepassingen/{id}/publicatie" => post(publication),
        "/toepassingen/{id}/maatregelen" => post(measure),
        "/toepassingen/{id}/algoritmeregister.json" => get(export_json),
        "/toepassingen/{id}/algoritmeregister.csv" => get(export_csv),
        "/toepassingen/{id}/ai-verordening" => get(aid_start).post(aid_answer),
        "/toepassingen/{id}/pre-scan" => get(prescan_page).post(prescan_save),
        "/toepassingen/{id}/keuzes/nieuw" => get(choice_new).post(choice_create),
        "/toepassingen/{id}/keuzes/{choice_id}/wijzigen" => get(choice_edit).post(choice_revise),
        "/toepassingen/{id}/keuzes/{choice_id}" => get(choice_show),
        "/toepassingen/{id}/keuzes/{choice_id}/voorstel.pdf" => get(proposal_pdf),
        "/toepassingen/{id}/keuzes/{choice_id}/voorstel.odt" => get(proposal_odt),
        "/toepassingen/{id}/keuzes/{choice_id}/status" => post(choice_transition),
        "/toepassingen/{id}/keuzes/{choice_id}/openbaar" => post(choice_publication),
        "/besluiten/{code}" => get(public_decisions),
    }
}

/// The label of a register value's `code` in its `group` (`kind`, `hosting`, …) in `lang`.
fn options(lang: Lang) -> Value {
    let pairs = |group: &str, codes: Vec<&'static str>| -> Vec<Value> {
        codes
            .into_iter()
            .map(|value| context! { value => value, label => label(lang, group, value) })
            .collect()
    };
    context! {
        kinds => pairs("kind", AppKind::ALL.iter().map(|k| k.as_str()).collect()),
        hostings => pairs("hosting", Hosting::ALL.iter().map(|k| k.as_str()).collect()),
        statuses => pairs("status", AppStatus::ALL.iter().map(|k| k.as_str()).collect()),
        risks => pairs("risk", AiActRiskGroup::ALL.iter().map(|k| k.as_str()).collect()),
        impacts => pairs("impact", ImpactLevel::ALL.iter().map(|k| k.as_str()).collect()),
        choice_types => pairs("ctype", ChoiceType::ALL.iter().map(|k| k.as_str()).collect()),
        phases => lifecycle_phases().iter().map(|p| context! { value => p.id, label => builtin(lang, &p.name) }).collect::<Vec<_>>(),
    }
}

/// The application as a form fills it in.
fn app_form(a: &Application) -> serde_json::Value {
    let d = &a.draft;
    json!({
        "name": d.name, "kind": d.kind.as_str(), "purpose": d.purpose, "department": d.department,
        "lifecyclePhase": d.lifecycle_phase, "suppliers": d.suppliers.join("\n"),
        "hosting": d.hosting.as_str(), "status": d.status.as_str(),
        "aiActRiskGroup": d.ai_act_risk.map(|r| r.group.as_str()).unwrap_or(""),
        "citizenImpact": d.citizen_impact.as_str(),
        "personalData": if d.personal_data { "on" } else { "" },
        "coreDataOutsourced": if d.core_data_outsourced { "on" } else { "" },
        "yearlyCostEur": d.yearly_cost_eur.map(|c| c.to_string()).unwrap_or_default(),
        "datasetIds": a.dataset_ids,
        "productLinks": a.product_links.join("\n"),
    })
}

/// Labels of an application for display.
fn app_view(a: &Application, lang: Lang) -> Value {
    let d = &a.draft;
    let phase = lifecycle_phases()
        .iter()
        .find(|p| p.id == d.lifecycle_phase)
        .map(|p| builtin(lang, &p.name))
        .unwrap_or_else(|| d.lifecycle_phase.clone());
    context! {
        id => a.id,
        name => d.name,
        kind => label(lang, "kind", d.kind.as_str()),
        purpose => d.purpose,
        department => d.department,
        phase => phase,
        suppliers => d.suppliers,
        hosting => label(lang, "hosting", d.hosting.as_str()),
        status => label(lang, "status", d.status.as_str()),
        risk => d.ai_act_risk.map(|r| label(lang, "risk", r.group.as_str())),
        risk_from_aid => d.ai_act_risk.is_some_and(|r| r.source == koers_core::register::application::RiskSource::DecisionAid),
        impact => label(lang, "impact", d.citizen_impact.as_str()),
        personal_data => d.personal_data,
        core_data_outsourced => d.core_data_outsourced,
        cost => d.yearly_cost_eur,
        product_links => a.product_links,
        updated_at => a.updated_at,
    }
}

fn choice_view(c: &ChoiceRecord, lang: Lang) -> Value {
    context! {
        id => c.id,
        application_id => c.application_id,
        title => c.choice.title,
        choice_type => label(lang, "ctype", c.choice.choice_type.as_str()),
        status => c.choice.status.as_str(),
        status_label => label(lang, "cstatus", c.choice.status.as_str()),
        level => t(lang, &format!("level.{}", c.level.as_str())),
        chosen_option => c.choice.chosen_option,
        advice => c.choice.advice,
        advised_by => c.choice.advised_by,
        decided_on => c.choice.decided_on.map(|d| d.to_string()),
        decided_by => c.choice.decided_by,
        board_reason => c.choice.board_reason,
        deferred_to => c.choice.deferred_to,
        proposed_option => c.choice.proposed_option,
        revision => c.choice.revision,
        options => c.choice.options.iter().map(|o| o.title.clone()).collect::<Vec<_>>(),
        board_reference => c.board_reference,
        framework_version => c.framework_version,
        updated_at => c.updated_at,
    }
}

async fn render_list(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let apps = reg::applications(ctx.ws(), &ctx.who).await?;
    let datasets = reg::datasets(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "register_list.html",
        "/toepassingen",
        context! {
            apps => apps.iter().map(|a| app_view(a, ctx.lang)).collect::<Vec<_>>(),
            datasets => datasets,
            can_register => may_register(ctx),
            opts => options(ctx.lang),
            ..extra
        },
    )
    .await
}

async fn list(ctx: Ctx) -> Reply {
    render_list(&ctx, StatusCode::OK, context! {}).await
}

async fn create(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| reg::create_application(ctx.ws(), &ctx.who, input).await,
        |a| Done::To(format!("/toepassingen/{}", a.id)),
        |status, extra| render_list(&ctx, status, extra),
    )
    .await
}

async fn render_app(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let detail = reg::application_detail(ctx.ws(), &ctx.who, id).await?;
    let app = &detail.application;
    let datasets = &detail.datasets;
    let used: Vec<_> = datasets
        .iter()
        .filter(|d| app.dataset_ids.contains(&d.id))
        .collect();
    let choices: Vec<Value> = detail
        .choices
        .iter()
        .map(|c| {
            let r = &c.routing;
            context! {
                c => choice_view(&c.record, ctx.lang),
                ..routing_context(ctx.lang, r)
            }
        })
        .collect();
    let aid = ai_act_outcome(app).map(|o| {
        context! {
            text => o.conclusion.text,
            risk => label(ctx.lang, "risk", o.conclusion.register_risk_group().as_str()),
            labels => o.conclusion.labels,
            obligation => o.conclusion.obligation,
            sources => o.conclusion.sources,
            concluded_at => app.ai_act.as_ref().map(|a| a.concluded_at.clone()),
        }
    });
    let prescan = prescan_result(app).map(|p| {
        context! {
            assessments => p.assessments.iter().map(|a| context! { id => a.id, result => a.result, explanation => a.explanation }).collect::<Vec<_>>(),
        }
    });
    let (reqs, measures, set_aside) = requirements_with_set_aside(app);
    let measure_rows: Vec<Value> = measures
        .iter()
        .map(|m| {
            let st = app.measures.get(&m.urn);
            context! {
                urn => m.urn,
                name => m.name,
                url => m.url,
                status => st.and_then(|s| serde_json::to_value(s.status).ok()),
                status_label => label(ctx.lang, "measure", st.map_or(MeasureStatus::Todo, |s| s.status).as_str()),
                responsible => st.map(|s| s.responsible.clone()),
                evidence => st.map(|s| s.evidence.clone()),
            }
        })
        .collect();
    // What the export still misses, each linked to its field of the publication form.
    let fields = publication_titles();
    let problems: Vec<Value> = export_record(&ctx.org.name, app)
        .problems
        .into_iter()
        .map(|p| {
            let field = fields.iter().any(|(name, _)| *name == p.name);
            context! { name => p.name, reason => p.reason, field => field }
        })
        .collect();
    let publication: BTreeMap<String, String> = app
        .publication
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                match v {
                    koers_core::register::algoritmeregister::FieldValue::Text(s) => s.clone(),
                    koers_core::register::algoritmeregister::FieldValue::List(l) => l.join("\n"),
                    other => serde_json::to_string(other).unwrap_or_default(),
                },
            )
        })
        .collect();
    let measure_statuses: Vec<Value> = MeasureStatus::ALL
        .iter()
        .map(|s| context! { value => s.as_str(), label => label(ctx.lang, "measure", s.as_str()) })
        .collect();
    // Refused, the form shows what was sent; else the application as it is.
    let form = match extra.get_attr("form") {
        Ok(sent) if !sent.is_undefined() => sent,
        _ => Value::from_serialize(app_form(app)),
    };
    page_with_status(
        ctx,
        status,
        "register_app.html",
        "/toepassingen",
        context! {
            app => app_view(app, ctx.lang),
            form => form,
            used_datasets => used,
            datasets => datasets,
            choices => choices,
            aid => aid,
            prescan => prescan,
            requirements => reqs.iter().map(|r| context! { urn => r.urn, name => r.name, url => r.url }).collect::<Vec<_>>(),
            set_aside => set_aside.iter().map(|r| context! { urn => r.urn, name => r.name, url => r.url }).collect::<Vec<_>>(),
            measures => measure_rows,
            measure_statuses => measure_statuses,
            problems => problems,
            publication => publication,
            publication_fields => fields,
            can_register => may_register(ctx),
            opts => options(ctx.lang),
            ..extra
        },
    )
    .await
}

async fn show(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_app(&ctx, &id, StatusCode::OK, context! {}).await
}

async fn edit(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| reg::update_application(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::Back(format!("/toepassingen/{id}"), "saved"),
        |status, extra| render_app(&ctx, &id, status, extra),
    )
    .await
}

async fn publication(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = reg::set_publication(ctx.ws(), &ctx.who, &id, input).await;
    after_form(
        r,
        (format!("/toepassingen/{id}"), "saved"),
        |status, extra| render_app(&ctx, &id, status, extra),
    )
    .await
}

async fn measure(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = reg::set_measure(ctx.ws(), &ctx.who, &id, input).await;
    after_form(
        r,
        (format!("/toepassingen/{id}"), "saved"),
        |status, extra| render_app(&ctx, &id, status, extra),
    )
    .await
}

async fn export_json(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let export = reg::export(ctx.ws(), &ctx.who, &id).await?;
    Ok(download(
        "application/json",
        "algoritmeregister.json",
        export.record.to_json(),
    ))
}

async fn export_csv(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let export = reg::export(ctx.ws(), &ctx.who, &id).await?;
    Ok(download(
        CSV,
        "algoritmeregister.csv",
        export.record.to_csv(),
    ))
}

async fn render_aid(ctx: &Ctx, walk: AiActWalk, status: StatusCode, extra: Value) -> Reply {
    let AiActWalk {
        application: app,
        answers,
        step,
    } = walk;
    let answers_s = answers
        .iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let (question, conclusion) = match step {
        AidStep::Question(q) => (Some(*q), None),
        AidStep::Concluded(o) => (
            None,
            Some(context! {
                text => o.conclusion.text,
                comment => o.conclusion.comment,
                risk => label(ctx.lang, "risk", o.conclusion.register_risk_group().as_str()),
                labels => o.conclusion.labels,
                obligation => o.conclusion.obligation,
                sources => o.conclusion.sources,
                subresults => o.subresults,
            }),
        ),
    };
    page_with_status(
        ctx,
        status,
        "register_ai_act.html",
        "/toepassingen",
        context! {
            app => app_view(&app, ctx.lang),
            question => question,
            conclusion => conclusion,
            answers => answers_s,
            step => answers.len() + 1,
            back => answers.iter().take(answers.len().saturating_sub(1)).map(|a| a.to_string()).collect::<Vec<_>>().join(","),
            can_register => may_register(ctx),
            ..extra
        },
    )
    .await
}

async fn aid_start(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let walk = reg::start_ai_act(ctx.ws(), &ctx.who, &id).await?;
    render_aid(&ctx, walk, StatusCode::OK, context! {}).await
}

async fn aid_answer(ctx: Ctx, Path(id): Path<String>, FormInput(mut input): FormInput) -> Reply {
    let answers = input.text("answers");
    let answer = input.text("answer");
    // Sent with the "next" button (not "back").
    let next = input.text("action") == "next";
    input.finish(Ok(()))?;
    match reg::answer_ai_act(ctx.ws(), &ctx.who, &id, &answers, &answer).await {
        Ok(walk) => {
            // No choice made with "next": show the question again, asking for one.
            let extra = if answer.trim().is_empty() && next {
                context! { error => "Kies een antwoord." }
            } else {
                context! {}
            };
            render_aid(&ctx, walk, StatusCode::OK, extra).await
        }
        Err(e @ koers_app::Error::Invalid(_)) => {
            let walk = reg::answer_ai_act(ctx.ws(), &ctx.who, &id, &answers, "").await?;
            let e = AppError::from(e);
            render_aid(&ctx, walk, StatusCode::BAD_REQUEST, form_problem(&e)).await
        }
        Err(e) => Err(e.into()),
    }
}

async fn render_prescan(ctx: &Ctx, app: &Application, status: StatusCode, extra: Value) -> Reply {
    let p = reg::prescan()?;
    let answers = app
        .prescan
        .as_ref()
        .map(|s| s.answers.clone())
        .unwrap_or_default();
    let questions: Vec<Value> = p
        .questions()
        .iter()
        .filter(|q| !q.options.is_empty() || q.kind == "text_input" || q.kind == "open_text")
        .map(|q| {
            let current = answers.get(&q.id);
            let is_selected = |v: &serde_json::Value| match current {
                Some(serde_json::Value::Array(a)) => a.contains(v),
                Some(c) => c == v,
                None => false,
            };
            context! {
                id => q.id,
                text => q.text,
                description => q.description,
                kind => q.kind,
                conditional => !q.shown_when.is_empty(),
                current => current.and_then(|c| c.as_str().map(String::from)),
                options => q.options.iter().enumerate().map(|(i, o)| context! {
                    index => i, label => o.label, checked => is_selected(&o.value)
                }).collect::<Vec<_>>(),
            }
        })
        .collect();
    let result = prescan_result(app).map(|r| {
        r.assessments
            .iter()
            .map(|a| context! { id => a.id, result => a.result, explanation => a.explanation })
            .collect::<Vec<_>>()
    });
    page_with_status(
        ctx,
        status,
        "register_prescan.html",
        "/toepassingen",
        context! {
            app => app_view(app, ctx.lang),
            questions => questions,
            result => result,
            name => p.name,
            can_register => may_register(ctx),
            ..extra
        },
    )
    .await
}

async fn prescan_page(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let app = reg::application(ctx.ws(), &ctx.who, &id).await?;
    render_prescan(&ctx, &app, StatusCode::OK, context! {}).await
}

async fn prescan_save(ctx: Ctx, Path(id): Path<String>, FormInput(input): FormInput) -> Reply {
    reg::fill_in_prescan(ctx.ws(), &ctx.who, &id, input).await?;
    Ok(Redirect::to(&format!("/toepassingen/{id}#pre-scan")).into_response())
}

async fn render_choice_new(
    ctx: &Ctx,
    app: &Application,
    status: StatusCode,
    extra: Value,
) -> Reply {
    page_with_status(
        ctx,
        status,
        "register_choice_new.html",
        "/toepassingen",
        context! { app => app_view(app, ctx.lang), opts => options(ctx.lang), slots => [0, 1, 2], snapshots => evidence_options(ctx).await?, ..extra },
    )
    .await
}

async fn choice_new(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let app = reg::choice_draft(ctx.ws(), &ctx.who, &id).await?;
    render_choice_new(&ctx, &app, StatusCode::OK, context! {}).await
}

async fn choice_create(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| {
            reg::create_choice(ctx.ws(), &ctx.who, &id, ChoiceBody::from_form(input)).await
        },
        |c| Done::To(format!("/toepassingen/{id}/keuzes/{}", c.record.id)),
        async |status, extra| {
            let app = reg::application(ctx.ws(), &ctx.who, &id).await?;
            render_choice_new(&ctx, &app, status, extra).await
        },
    )
    .await
}

/// The MADR form filled with a choice, as its proposer revises it.
fn choice_form(c: &koers_core::register::choice::Choice) -> Value {
    let lines = |v: &[String]| v.join("\n");
    let options = &c.options;
    context! {
        title => c.title, choiceType => c.choice_type.as_str(), context => c.context,
        drivers => lines(&c.drivers),
        optionTitle => options.iter().map(|o| o.title.clone()).collect::<Vec<_>>(),
        optionDescription => options.iter().map(|o| o.description.clone().unwrap_or_default()).collect::<Vec<_>>(),
        optionPros => options.iter().map(|o| lines(&o.pros)).collect::<Vec<_>>(),
        optionCons => options.iter().map(|o| lines(&o.cons)).collect::<Vec<_>>(),
        chosenIndex => options.iter().position(|o| Some(&o.title) == c.chosen_option.as_ref()).map(|i| i.to_string()).unwrap_or_default(),
        rationale => c.rationale, decisionMakers => lines(&c.decision_makers),
        consulted => lines(&c.consulted), informed => lines(&c.informed),
        evidence => c.evidence,
    }
}

/// The evidence snapshots a proposal may rest on, for the form's list.
async fn evidence_options(ctx: &Ctx) -> Result<Vec<Value>, AppError> {
    Ok(reg::evidence_options(ctx.ws(), &ctx.who)
        .await?
        .iter()
        .map(|s| context! { id => s.id, title => s.title, created_at => s.created_at, note => s.note })
        .collect())
}

/// The revision form of a proposed or sent-back choice (who may record choices).
async fn render_choice_edit(
    ctx: &Ctx,
    (app_id, choice_id): (&str, &str),
    status: StatusCode,
    extra: Value,
) -> Reply {
    let (app, routed) = reg::choice(ctx.ws(), &ctx.who, app_id, choice_id).await?;
    let c = &routed.record.choice;
    if !c.status.editable() || !may_register(ctx) {
        return Err(AppError::Forbidden);
    }
    let slots: Vec<usize> = (0..c.options.len().max(3)).collect();
    page_with_status(
        ctx,
        status,
        "register_choice_new.html",
        "/toepassingen",
        context! {
            app => app_view(&app, ctx.lang), opts => options(ctx.lang), slots => slots,
            revising => context! { id => routed.record.id, reason => c.board_reason },
            form => choice_form(c),
            snapshots => evidence_options(ctx).await?,
            ..extra
        },
    )
    .await
}

async fn choice_edit(ctx: Ctx, Path((id, choice_id)): Path<(String, String)>) -> Reply {
    render_choice_edit(&ctx, (&id, &choice_id), StatusCode::OK, context! {}).await
}

async fn choice_revise(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    run_form(
        form,
        async |input| {
            let body = ChoiceBody::from_form(input);
            reg::revise_choice(ctx.ws(), &ctx.who, &id, &choice_id, body).await
        },
        |c| Done::To(format!("/toepassingen/{id}/keuzes/{}", c.record.id)),
        async |status, extra| render_choice_edit(&ctx, (&id, &choice_id), status, extra).await,
    )
    .await
}

async fn render_choice(
    ctx: &Ctx,
    app_id: &str,
    choice_id: &str,
    status: StatusCode,
    extra: Value,
) -> Reply {
    // The choice with its application, routing and evidence, read once.
    let reg::AgendaItem {
        application: app,
        choice: routed,
        evidence,
        meeting,
    } = reg::agenda_item(ctx.ws(), &ctx.who, app_id, choice_id).await?;
    let (c, r) = (&routed.record, &routed.routing);
    let next: Vec<&str> = c.choice.status.next().iter().map(|s| s.as_str()).collect();
    let level = r.level.max(c.level);
    let board = level == DecisionLevel::Board;
    let (can_decide, deciders) = reg::deciders_at(ctx.ws(), &ctx.who, level).await?;
    let people = koers_app::accounts::people(ctx.ws(), &ctx.who).await?;
    let who_decides = deciders_words(ctx.lang, &deciders, &people);
    let publication = reg::publication_of(ctx.ws(), &ctx.who, &c.id).await?;
    let publishable = koers_core::register::publication::publishable(c.choice.status).is_ok();
    page_with_status(
        ctx,
        status,
        "register_choice.html",
        "/toepassingen",
        context! {
            app => app_view(&app, ctx.lang),
            c => choice_view(c, ctx.lang),
            choice => c.choice,
            madr => koers_core::register::choice::render_madr(&c.choice),
            next => next,
            editable => c.choice.status.editable(),
            board => board,
            can_register => may_register(ctx),
            can_board => ctx.may(Permission::DecideAsBoard),
            can_decide => can_decide,
            who_decides => who_decides,
            // Deciding below the board happens here: the meetings to defer to, and today.
            upcoming => if can_decide && !board { reg::upcoming_meetings(ctx.ws(), &ctx.who).await? } else { Vec::new() },
            today => chrono::Utc::now().date_naive().to_string(),
            level_label => t(ctx.lang, &format!("level.{}", level.as_str())),
            publishable => publishable,
            evidence => evidence_view(&evidence),
            meeting => meeting,
            can_publish => reg::may_plan(ctx),
            publication => publication,
            public_url => format!("/besluiten/{}", reg::public_code(&ctx.who.org)),
            woo_fields => WooField::ALL.iter().map(|f| context! { value => f.as_str(), label => t(ctx.lang, &format!("woo.field.{}", f.as_str())) }).collect::<Vec<_>>(),
            ..context! { ..routing_context(ctx.lang, r), ..extra }
        },
    )
    .await
}

/// Publishes the decision on the organisation's public page (`action=publish`, the fields
/// to leave out in `redacted`) or takes it off (`action=withdraw`).
async fn choice_publication(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    FormInput(mut input): FormInput,
) -> Reply {
    let r = match input.text("action").as_str() {
        "withdraw" => reg::withdraw_publication(ctx.ws(), &ctx.who, &id, &choice_id).await,
        _ => reg::publish_choice(ctx.ws(), &ctx.who, &id, &choice_id, input)
            .await
            .map(|_| ()),
    };
    let render = async |status, extra| render_choice(&ctx, &id, &choice_id, status, extra).await;
    let back = format!("/toepassingen/{id}/keuzes/{choice_id}");
    after_form(r, (back, "saved"), render).await
}

/// The organisation's public page of decisions (Woo): no sign-in needed.
async fn public_decisions(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(code): Path<String>,
) -> Reply {
    let lang = Lang::from_headers(&headers);
    let p = reg::public_decisions(&state.ws, &code).await?;
    let decisions: Vec<Value> = p
        .decisions
        .iter()
        .map(|(r, at)| {
            context! {
                title => r.title, outcome => t(lang, &format!("woo.outcome.{}", r.outcome)),
                date => r.date, body => r.body, context => r.context, decision => r.decision,
                rationale => r.rationale, reference => r.reference, published_at => at,
                left_out => r.redacted.iter().map(|f| t(lang, &format!("woo.field.{}", f.as_str()))).collect::<Vec<_>>(),
            }
        })
        .collect();
    let html = Templates::render(
        "woo_decisions.html",
        context! {
            lang => lang.code(),
            organisation => p.organisation.name,
            code => code,
            decisions => decisions,
        },
    )?;
    Ok(Html(html).into_response())
}

async fn choice_show(ctx: Ctx, Path((id, choice_id)): Path<(String, String)>) -> Reply {
    render_choice(&ctx, &id, &choice_id, StatusCode::OK, context! {}).await
}

async fn choice_transition(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    let sent = form.value();
    let r = reg::transition(ctx.ws(), &ctx.who, &id, &choice_id, form.0).await;
    let render = async |status, extra| render_choice(&ctx, &id, &choice_id, status, extra).await;
    let back = format!("/toepassingen/{id}/keuzes/{choice_id}");
    // A decider's act reads as the decision recorded; any other step as saved.
    let done = |c: reg::RoutedChoice| {
        let decided = c.record.choice.status.is_decision();
        Done::Back(back, if decided { "decided" } else { "saved" })
    };
    form_outcome_with_conflicts(r, sent, done, render).await
}

/// The choice framework: its rules in words, who decides per level, its versions, and for
/// administrators the editor (a form with a condition builder) with the preview of what a
/// new version would change.
async fn render_framework(
    ctx: &Ctx,
    status: StatusCode,
    form: Option<FrameworkForm>,
    extra: Value,
) -> Reply {
    let lang = ctx.lang;
    let in_force = reg::framework_in_force(ctx.ws(), &ctx.who).await?;
    let (f, version) = (in_force.framework(), in_force.version());
    let versions = reg::framework_versions(ctx.ws(), &ctx.who).await?;
    let can_edit = ctx.may(Permission::ManageMembers);
    let editor = if can_edit {
        let e = reg::framework_editor(ctx.ws(), &ctx.who).await?;
        let form = form.unwrap_or_else(|| {
            let mut form = e.form;
            if version.is_none() {
                // The built-in framework in the page's language, as its table shows it.
                form.name = builtin(lang, &form.name);
                for r in &mut form.rules {
                    r.name = builtin(lang, &r.name);
                    r.description = builtin(lang, &r.description);
                }
            }
            form
        });
        // A condition nested deeper than the builder shows, in words.
        let nested: Vec<String> = form
            .rules
            .iter()
            .map(|r| {
                serde_json::from_str(&r.nested)
                    .map(|c| condition_words(lang, &c))
                    .unwrap_or_default()
            })
            .collect();
        Some(context! {
            form => form,
            nested => nested,
            members => e.members.iter().map(|m| context! { id => m.user.id, name => m.user.display_name, email => m.user.email }).collect::<Vec<_>>(),
        })
    } else {
        None
    };
    let people = koers_app::accounts::people(ctx.ws(), &ctx.who).await?;
    let deciders: Vec<Value> = DecisionLevel::ALL
        .iter()
        .map(|level| {
            context! {
                level => t(lang, &format!("level.{}", level.as_str())),
                who => deciders_words(lang, &f.deciders(*level), &people),
            }
        })
        .collect();
    page_with_status(
        ctx,
        status,
        "register_framework.html",
        "/toepassingen",
        context! {
            people => people,
            framework => context! { name => f.name, rules => rules_view(lang, &f.rules) },
            deciders => deciders,
            version => version,
            versions => versions.iter().map(|v| context! { version => v.version, created_by => v.created_by, created_at => v.created_at, rules => v.framework.rules.len() }).collect::<Vec<_>>(),
            can_edit => can_edit,
            editor => editor,
            opts => framework_options(lang),
            ..extra
        },
    )
    .await
}

/// Who decides at a level, in words: the roles and the members by name (`people`, the
/// members' names by id, `accounts::people`).
fn deciders_words(
    lang: Lang,
    d: &koers_core::register::framework::Deciders,
    people: &BTreeMap<String, String>,
) -> String {
    let mut who: Vec<String> = d
        .roles
        .iter()
        .map(|r| t(lang, &format!("role.{}", r.as_str())))
        .collect();
    who.extend(
        d.members
            .iter()
            .map(|m| people.get(m).cloned().unwrap_or_else(|| m.clone())),
    );
    join(lang, &who)
}

/// Rules as the pages show them: the condition in words, the level, the instruments.
fn rules_view(lang: Lang, rules: &[koers_core::register::framework::Rule]) -> Vec<Value> {
    rules.iter().map(|r| rule_view(lang, r)).collect()
}

fn rule_view(lang: Lang, r: &koers_core::register::framework::Rule) -> Value {
    context! {
        name => builtin(lang, &r.name),
        description => builtin(lang, &r.description),
        level => t(lang, &format!("level.{}", r.level.as_str())),
        instruments => r.instruments.iter().map(|i| label(lang, "instrument", i.as_str())).collect::<Vec<_>>(),
        condition => condition_words(lang, &r.condition),
    }
}

/// The lists the condition builder offers.
fn framework_options(lang: Lang) -> Value {
    let pairs = |group: &str, codes: Vec<&'static str>| -> Vec<Value> {
        codes
            .into_iter()
            .map(|value| context! { value => value, label => t(lang, &format!("{group}.{value}")) })
            .collect()
    };
    context! {
        clause_kinds => pairs("fw.kind", CLAUSE_KINDS.to_vec()),
        levels => pairs("level", DecisionLevel::ALL.iter().map(|l| l.as_str()).collect()),
        instruments => pairs("reg.instrument", Instrument::ALL.iter().map(|i| i.as_str()).collect()),
        roles => pairs("role", Role::ALL.iter().map(|r| r.as_str()).collect()),
        ..options(lang)
    }
}

async fn framework_page(ctx: Ctx) -> Reply {
    render_framework(&ctx, StatusCode::OK, None, context! {}).await
}

/// One step of the editor: add or remove a rule or clause, preview, or save.
async fn framework_edit(ctx: Ctx, FormInput(input): FormInput) -> Reply {
    let as_sent = reg::read_framework_form(&mut input.clone());
    let step = reg::edit_framework(ctx.ws(), &ctx.who, input).await;
    let lang = ctx.lang;
    match step.map_err(AppError::from) {
        Ok(FrameworkStep::Editing { form, added }) => {
            // Where to go on: the new rule's name, the new condition, or the editor's top.
            let (open, focus) = match added {
                Some(reg::Added::Rule(n)) => (Some(n), format!("r{n}-name")),
                Some(reg::Added::Clause { rule, clause }) => {
                    (Some(rule), format!("r{rule}-c{clause}-kind"))
                }
                None => (None, "bewerken".to_string()),
            };
            let extra = context! { editing => true, open_rule => open, focus => focus };
            render_framework(&ctx, StatusCode::OK, Some(form), extra).await
        }
        Ok(FrameworkStep::Preview { form, moves }) => {
            let moves: Vec<Value> = moves
                .iter()
                .map(|m| {
                    let levels = |r: &koers_core::register::framework::Routing| {
                        t(lang, &format!("level.{}", r.level.as_str()))
                    };
                    let names = |v: Vec<Instrument>| {
                        v.iter()
                            .map(|i| label(lang, "instrument", i.as_str()))
                            .collect::<Vec<_>>()
                    };
                    context! {
                        app_id => m.application.id, app_name => m.application.draft.name,
                        id => m.choice.id, title => m.choice.choice.title,
                        status => label(lang, "cstatus", m.choice.choice.status.as_str()),
                        before => levels(&m.change.before), after => levels(&m.change.after),
                        moves_level => m.change.changes_level(),
                        added => names(m.change.instruments_added()),
                        dropped => names(m.change.instruments_dropped()),
                    }
                })
                .collect();
            render_framework(
                &ctx,
                StatusCode::OK,
                Some(form),
                context! { editing => true, preview => moves, previewed => true, focus => "gevolgen" },
            )
            .await
        }
        Ok(FrameworkStep::Saved(_)) => Ok(crate::notice::back("/toepassingen/keuzekader", "saved")),
        Err(e @ AppError::Invalid(_)) => {
            render_framework(
                &ctx,
                e.status(),
                Some(as_sent),
                context! { editing => true, focus => "problemen", ..form_problem(&e) },
            )
            .await
        }
        Err(e) => Err(e),
    }
}

#[derive(serde::Deserialize)]
struct CompareQuery {
    van: Option<i64>,
    naar: Option<i64>,
}

/// Two versions of the framework side by side (`?van=1&naar=2`).
async fn framework_compare(ctx: Ctx, Query(q): Query<CompareQuery>) -> Reply {
    let lang = ctx.lang;
    let versions = reg::framework_versions(ctx.ws(), &ctx.who).await?;
    let newest = versions.first().map(|v| v.version).unwrap_or(1);
    let (a, b) = (q.van.unwrap_or(newest - 1), q.naar.unwrap_or(newest));
    let c = reg::compare_frameworks(ctx.ws(), &ctx.who, a, b).await?;
    let rows: Vec<Value> = c
        .rules
        .iter()
        .map(|r| {
            context! {
                name => builtin(lang, &r.name),
                kind => r.kind(),
                before => r.before.as_ref().map(|x| rule_view(lang, x)),
                after => r.after.as_ref().map(|x| rule_view(lang, x)),
            }
        })
        .collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "register_framework_compare.html",
        "/toepassingen",
        context! {
            people => koers_app::accounts::people(ctx.ws(), &ctx.who).await?,
            before => context! { version => c.before.version, name => c.before.framework.name, created_by => c.before.created_by, created_at => c.before.created_at },
            after => context! { version => c.after.version, name => c.after.framework.name, created_by => c.after.created_by, created_at => c.after.created_at },
            rows => rows,
            versions => versions.iter().map(|v| v.version).collect::<Vec<_>>(),
        },
    )
    .await
}

/// The evidence snapshots of a proposal as its pages list them, each marked intact or not.
fn evidence_view(evidence: &[koers_app::products::Snapshot]) -> Vec<Value> {
    evidence
        .iter()
        .map(|s| context! { id => s.id, title => s.title, created_at => s.created_at, intact => koers_app::products::snapshot_intact(s) })
        .collect()
}

async fn render_agenda(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let today = chrono::Utc::now().date_naive().to_string();
    let rows: Vec<Value> = reg::board_agenda(ctx.ws(), &ctx.who)
        .await?
        .iter()
        .map(|item| {
            let c = &item.choice.record;
            // A decision is recorded at or after its meeting: on the meeting's day, unless
            // that is still to come.
            let date = item
                .meeting
                .as_ref()
                .map_or(today.clone(), |m| m.held_on.clone().min(today.clone()));
            context! {
                c => choice_view(c, ctx.lang),
                choice => c.choice,
                evidence => evidence_view(&item.evidence),
                meeting => item.meeting,
                date => date,
                app_name => item.application.draft.name,
                advised => matches!(c.choice.status, ChoiceStatus::Advised | ChoiceStatus::Deferred),
            }
        })
        .collect();
    // The meetings still to come, to defer an item to.
    let upcoming = reg::upcoming_meetings(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "register_agenda.html",
        "/toepassingen",
        context! {
            items => rows,
            upcoming => upcoming,
            can_board => ctx.may(Permission::DecideAsBoard),
            ..extra
        },
    )
    .await
}

async fn agenda(ctx: Ctx) -> Reply {
    render_agenda(&ctx, StatusCode::OK, context! {}).await
}

async fn agenda_decide(ctx: Ctx, Path(choice_id): Path<String>, form: FormInput) -> Reply {
    let sent = form.value();
    let r = reg::decide_on_agenda(ctx.ws(), &ctx.who, &choice_id, form.0).await;
    match r.map_err(AppError::from) {
        Ok(_) => Ok(crate::notice::back(
            "/toepassingen/bestuursagenda",
            "decided",
        )),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let extra = context! { failed => choice_id, form => sent, ..form_problem(&e) };
            render_agenda(&ctx, status, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn render_meetings(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let all = reg::meetings(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "register_meetings.html",
        "/toepassingen",
        context! {
            meetings => all,
            bodies => koers_core::register::meeting::BODIES,
            can_plan => reg::may_plan(ctx),
            ..extra
        },
    )
    .await
}

async fn meetings_page(ctx: Ctx) -> Reply {
    render_meetings(&ctx, StatusCode::OK, context! {}).await
}

async fn meeting_create(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| reg::create_meeting(ctx.ws(), &ctx.who, input).await,
        |m| Done::To(format!("/toepassingen/vergaderingen/{}", m.id)),
        async |status, extra| render_meetings(&ctx, status, extra).await,
    )
    .await
}

/// A meeting's page: its agenda in order, what can still be placed on it, and its decision
/// list.
async fn render_meeting(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let a = reg::meeting(ctx.ws(), &ctx.who, id).await?;
    let row = |i: &reg::AgendaItem| {
        context! { c => choice_view(&i.choice.record, ctx.lang), app_name => i.application.draft.name }
    };
    let placed: Vec<&str> = a
        .items
        .iter()
        .map(|i| i.choice.record.id.as_str())
        .collect();
    let open: Vec<Value> = reg::waiting_at(ctx.ws(), &ctx.who, a.meeting.level)
        .await?
        .iter()
        .filter(|i| !placed.contains(&i.choice.record.id.as_str()))
        .map(row)
        .collect();
    page_with_status(
        ctx,
        status,
        "register_meeting.html",
        "/toepassingen",
        context! {
            m => a.meeting,
            items => a.items.iter().map(row).collect::<Vec<_>>(),
            decisions => a.decisions().map(row).collect::<Vec<_>>(),
            open => open,
            can_plan => reg::may_plan(ctx),
            ..extra
        },
    )
    .await
}

async fn meeting_page(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_meeting(&ctx, &id, StatusCode::OK, context! {}).await
}

async fn meeting_place(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| reg::place_on_agenda(ctx.ws(), &ctx.who, &id, input).await,
        |_| Done::To(format!("/toepassingen/vergaderingen/{id}")),
        async |status, extra| render_meeting(&ctx, &id, status, extra).await,
    )
    .await
}

/// The meeting's documents as a PDF (agenda, proposals, decision list).
/// A meeting's documents to download: `vergaderstukken` (agenda, proposals, decision list)
/// or `besluitenlijst` (the decision list), as PDF or OpenDocument text.
async fn meeting_file(ctx: &Ctx, id: &str, decisions_only: bool, format: DocFormat) -> Reply {
    let a = reg::meeting(ctx.ws(), &ctx.who, id).await?;
    let (doc, stem) = if decisions_only {
        (decision_list_document(&a, ctx.lang), "besluitenlijst")
    } else {
        (meeting_document(&a, ctx.lang), "vergaderstukken")
    };
    let (kind, name, bytes) = format.file(&doc, &format!("{stem}-{}", a.meeting.held_on), ctx.lang);
    Ok(crate::download::download(kind, &name, bytes))
}

async fn meeting_documents(ctx: Ctx, Path(id): Path<String>) -> Reply {
    meeting_file(&ctx, &id, false, DocFormat::Pdf).await
}

async fn meeting_documents_odt(ctx: Ctx, Path(id): Path<String>) -> Reply {
    meeting_file(&ctx, &id, false, DocFormat::Odt).await
}

async fn decision_list_pdf(ctx: Ctx, Path(id): Path<String>) -> Reply {
    meeting_file(&ctx, &id, true, DocFormat::Pdf).await
}

async fn decision_list_odt(ctx: Ctx, Path(id): Path<String>) -> Reply {
    meeting_file(&ctx, &id, true, DocFormat::Odt).await
}

/// The decision list as JSON, the same document as the API's.
async fn decision_list_json(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let a = reg::meeting(ctx.ws(), &ctx.who, &id).await?;
    let body = serde_json::to_vec_pretty(&crate::register::api::DecisionListOut::from(&a))
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(crate::download::download(
        "application/json",
        &format!("besluitenlijst-{}.json", a.meeting.held_on),
        body,
    ))
}

/// One proposal by itself, as PDF or OpenDocument text.
async fn proposal_file(ctx: &Ctx, app_id: &str, choice_id: &str, format: DocFormat) -> Reply {
    let item = reg::agenda_item(ctx.ws(), &ctx.who, app_id, choice_id).await?;
    let (kind, name, bytes) =
        format.file(&proposal_document(&item, ctx.lang), "voorstel", ctx.lang);
    Ok(crate::download::download(kind, &name, bytes))
}

async fn proposal_pdf(ctx: Ctx, Path((id, choice_id)): Path<(String, String)>) -> Reply {
    proposal_file(&ctx, &id, &choice_id, DocFormat::Pdf).await
}

async fn proposal_odt(ctx: Ctx, Path((id, choice_id)): Path<(String, String)>) -> Reply {
    proposal_file(&ctx, &id, &choice_id, DocFormat::Odt).await
}

async fn meeting_move(
    ctx: Ctx,
    Path((id, choice_id)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    run_form(
        form,
        async |input| reg::move_on_agenda(ctx.ws(), &ctx.who, &id, &choice_id, input).await,
        |_| Done::To(format!("/toepassingen/vergaderingen/{id}#agenda")),
        async |status, extra| render_meeting(&ctx, &id, status, extra).await,
    )
    .await
}
