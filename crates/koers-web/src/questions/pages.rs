//! Datavragen (M4): policy tasks, data questions on a kanban board and in a list, a
//! question's page with its workflow, evidence, decision, evaluation and comments, the
//! policy-cycle view per task, and the roles matrix.

use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::FormInput;
use crate::questions::{attachment_response, receive_attachment, too_large_as_field};
use crate::shell::{Done, after_form_or_refused, page_with_status, run_form, when_confirmed};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, Query};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use koers_app::guests;
use koers_app::questions::{self, QuestionFilter};
use koers_core::Permission;
use koers_core::guests::GuestObject;
use koers_core::questions::{COMPETENCES, PRIORITIES, Status, THEMES};
use minijinja::{Value, context};
use serde::Deserialize;
use std::collections::HashMap;

pub fn router() -> Router<AppState> {
    routes! {
        "/datavragen" => get(board).post(ask),
        "/datavragen/nieuw" => get(new_form),
        "/datavragen/opgaven" => get(tasks).post(add_task),
        "/datavragen/opgaven/{id}" => get(cycle),
        "/datavragen/rollen" => get(roles_matrix),
        "/datavragen/{id}" => get(show),
        "/datavragen/{id}/stap" => post(step),
        "/datavragen/{id}/bewijs" => post(add_evidence),
        "/datavragen/{id}/reacties" => post(add_comment),
        "/datavragen/{id}/rollen" => post(set_roles),
        "/datavragen/{id}/bijlagen" => post(upload).layer(DefaultBodyLimit::disable()),
        "/datavragen/{id}/bijlagen/{attachment}" => get(download),
        "/datavragen/{id}/bijlagen/{attachment}/verwijderen" => post(remove),
        "/datavragen/{id}/gasten" => post(invite_guest),
        "/datavragen/{id}/gasten/{grant}/intrekken" => post(revoke_guest),
    }
}

#[derive(Deserialize, Default)]
struct Filter {
    opgave: Option<String>,
    status: Option<String>,
    zoek: Option<String>,
    weergave: Option<String>,
}

async fn board(ctx: Ctx, Query(f): Query<Filter>) -> Reply {
    let tasks = questions::tasks(ctx.ws(), &ctx.who).await?;
    let filter = QuestionFilter {
        task: f.opgave.clone(),
        status: f.status.clone(),
        search: f.zoek.clone(),
    };
    let qs = questions::questions(ctx.ws(), &ctx.who, &filter).await?;
    let columns: Vec<Value> = Status::ALL
        .iter()
        .map(|s| context! { status => s.as_str(), items => qs.iter().filter(|q| q.status == *s).collect::<Vec<_>>() })
        .collect();
    // Where this person may move each card: the drop targets, and the links beside a card.
    let moves: HashMap<&str, Vec<&str>> = qs
        .iter()
        .map(|q| {
            let to = questions::next_steps(&ctx.who, q);
            (q.id.as_str(), to.iter().map(|s| s.as_str()).collect())
        })
        .collect();
    let task_names: HashMap<String, String> = tasks
        .iter()
        .map(|t| (t.id.clone(), t.name.clone()))
        .collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "questions.html",
        "/datavragen",
        context! {
            columns => columns, questions => qs, tasks => tasks, task_names => task_names, moves => moves,
            statuses => Status::ALL.iter().map(|s| s.as_str()).collect::<Vec<_>>(),
            filter => context! { opgave => f.opgave, status => f.status, zoek => f.zoek },
            list => f.weergave.as_deref() == Some("lijst"),
            can_ask => ctx.may(Permission::ManageQuestions),
        },
    )
    .await
}

async fn render_new(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    ctx.require(Permission::ManageQuestions)?;
    let tasks = questions::tasks(ctx.ws(), &ctx.who).await?;
    let members = questions::members(ctx.ws(), &ctx.who).await?;
    page_with_status(ctx, status, "question_new.html", "/datavragen", context! {
        tasks => tasks, members => members, priorities => PRIORITIES, competences => COMPETENCES, ..extra
    }).await
}

async fn new_form(ctx: Ctx) -> Reply {
    render_new(&ctx, StatusCode::OK, context! {}).await
}

async fn ask(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| questions::create_question(ctx.ws(), &ctx.who, input).await,
        |q| Done::To(format!("/datavragen/{}", q.id)),
        |status, extra| render_new(&ctx, status, extra),
    )
    .await
}

async fn render_tasks(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let tasks = questions::tasks(ctx.ws(), &ctx.who).await?;
    page_with_status(ctx, status, "tasks.html", "/datavragen", context! {
        tasks => tasks, themes => THEMES, can_edit => ctx.may(Permission::ManageQuestions), ..extra
    }).await
}

async fn tasks(ctx: Ctx) -> Reply {
    render_tasks(&ctx, StatusCode::OK, context! {}).await
}

async fn add_task(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| questions::create_task(ctx.ws(), &ctx.who, input).await,
        |t| Done::To(format!("/datavragen/opgaven/{}", t.id)),
        |status, extra| render_tasks(&ctx, status, extra),
    )
    .await
}

/// The policy cycle of one task: per question, whether the loop is closed or where it is open.
async fn cycle(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (task, cycle) = questions::task_cycle(ctx.ws(), &ctx.who, &id).await?;
    let closed = cycle.iter().filter(|r| r.cycle.closed).count();
    let rows: Vec<Value> = cycle
        .iter()
        .map(|r| context! { q => r.question, cycle => r.cycle, links => r.links })
        .collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "task_cycle.html",
        "/datavragen",
        context! { task => task, rows => rows, closed => closed },
    )
    .await
}

async fn roles_matrix(ctx: Ctx) -> Reply {
    let qs = questions::questions(ctx.ws(), &ctx.who, &QuestionFilter::default()).await?;
    let members = questions::members(ctx.ws(), &ctx.who).await?;
    page_with_status(
        &ctx,
        StatusCode::OK,
        "question_roles.html",
        "/datavragen",
        context! {
            questions => qs, members => members, competences => COMPETENCES,
        },
    )
    .await
}

async fn render_question(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let p = questions::question_page(ctx.ws(), &ctx.who, id).await?;
    let names: HashMap<&str, &str> = p
        .members
        .iter()
        .map(|m| (m.user.id.as_str(), m.user.display_name.as_str()))
        .collect();
    // The history and the comments name people as members know them, not by their e-mail
    // address.
    let by_email: HashMap<&str, &str> = p
        .members
        .iter()
        .map(|m| (m.user.email.as_str(), m.user.display_name.as_str()))
        .collect();
    let next: Vec<&str> = p.next.iter().map(|s| s.as_str()).collect();
    let waiting = p.waiting_on.map(|(step, role)| {
        let holder = p.detail.question.assignments.holder(role);
        context! {
            step => step.as_str(),
            role => role.as_str(),
            holder => holder.and_then(|h| names.get(h).copied()),
        }
    });
    page_with_status(
        ctx,
        status,
        "question.html",
        "/datavragen",
        context! {
            q => p.detail.question, task => p.task, names => names, next => next, waiting => waiting, by_email => by_email,
            links => p.detail.links,
            events => p.detail.events,
            comments => p.comments,
            datasets => p.datasets,
            analyses => p.analyses,
            products => p.products,
            can_link => ctx.may(Permission::ManageQuestions),
            members => p.members.iter().map(|m| &m.user).collect::<Vec<_>>(),
            attachments => p.attachments,
            guests => p.guests,
            ..context! { ..extra, ..super::upload_limits(ctx), ..super::notice_place(ctx) }
        },
    )
    .await
}

#[derive(Deserialize)]
struct StepChoice {
    /// The step to preselect in the form (from the board: a card dropped on a column).
    naar: Option<String>,
}

async fn show(ctx: Ctx, Path(id): Path<String>, Query(c): Query<StepChoice>) -> Reply {
    render_question(&ctx, &id, StatusCode::OK, context! { chosen => c.naar }).await
}

/// After one of the question's forms: back to its page with `notice` when it went through;
/// the page again with the problem when the input was invalid, the step not allowed from
/// here (409) or not for this person (403); other errors as usual.
async fn outcome<T, E: Into<AppError>>(
    ctx: &Ctx,
    id: &str,
    r: Result<T, E>,
    (form, notice): (Value, &'static str),
) -> Reply {
    let back = super::back_to(format!("/datavragen/{id}"), notice);
    after_form_or_refused(r, form, back, |status, extra| {
        render_question(ctx, id, status, extra)
    })
    .await
}

/// One of the question's forms: `act` on what it sent, then as [`outcome`] says.
async fn question_form<T>(
    (ctx, id): (&Ctx, &str),
    form: FormInput,
    notice: &'static str,
    act: impl AsyncFnOnce(koers_app::Input) -> koers_app::Result<T>,
) -> Reply {
    let sent = form.value();
    let r = act(form.0).await;
    outcome(ctx, id, r, (sent, notice)).await
}

async fn step(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| questions::transition(ctx.ws(), &ctx.who, &id, input).await;
    question_form((&ctx, &id), form, "moved", act).await
}

async fn add_evidence(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| questions::link(ctx.ws(), &ctx.who, &id, input).await;
    question_form((&ctx, &id), form, "linked", act).await
}

async fn add_comment(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| questions::comment(ctx.ws(), &ctx.who, &id, input).await;
    question_form((&ctx, &id), form, "commented", act).await
}

async fn set_roles(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let act = async |input| questions::assign(ctx.ws(), &ctx.who, &id, input).await;
    question_form((&ctx, &id), form, "assigned", act).await
}

async fn upload(ctx: Ctx, Path(id): Path<String>, req: axum::extract::Request) -> Reply {
    let r = receive_attachment(&ctx, &id, req)
        .await
        .map_err(|e| too_large_as_field(&ctx, e));
    outcome(&ctx, &id, r, (Value::UNDEFINED, "attached")).await
}

async fn download(ctx: Ctx, Path((id, attachment)): Path<(String, String)>) -> Reply {
    let (a, bytes) = questions::attachment_file(ctx.ws(), &ctx.who, &id, &attachment).await?;
    Ok(attachment_response(&a, bytes))
}

async fn remove(ctx: Ctx, Path((id, attachment)): Path<(String, String)>) -> Reply {
    let r = questions::detach(ctx.ws(), &ctx.who, &id, &attachment).await;
    outcome(&ctx, &id, r, (Value::UNDEFINED, "detached")).await
}

/// Invites a guest to the question; the page shows the link (once) to pass on.
async fn invite_guest(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    run_form(
        form,
        async |input| {
            let object = (GuestObject::Question, id.as_str());
            guests::invite(ctx.ws(), &ctx.who, object, input, &base).await
        },
        |i| Done::Show(context! { invited => context! { link => i.link, mailed => i.mailed }, notice => "guest_invited" }),
        |status, extra| render_question(&ctx, &id, status, extra),
    )
    .await
}

/// Withdraws a guest's invitation, after its confirmation.
async fn revoke_guest(
    ctx: Ctx,
    Path((id, grant)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = when_confirmed(&input, ctx.lang, guests::revoke(ctx.ws(), &ctx.who, &grant)).await;
    outcome(&ctx, &id, r, (Value::UNDEFINED, "guest_revoked")).await
}
