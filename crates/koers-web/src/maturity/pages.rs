//! Volwassenheid (M6): the framework, survey rounds with participants, items, invitations
//! and reminders (as CSV), documents and interviews with coding, the report per
//! organisation (HTML and PDF) and the benchmark; and the public survey at `/enquete/{token}`,
//! outside the sign-in. Who may do what is decided by the use cases in
//! [`koers_app::maturity`].

use super::views::{
    benchmark, benchmark_csv, book_name, book_pdf, fmt_score, report_context, report_pdf,
    weights_line,
};
use crate::auth::{Ctx, Resolved, login_csrf};
use crate::download::{CSV, download, stem, uncached_download};
use crate::error::{AppError, Reply};
use crate::i18n::{Lang, t};
use crate::input::FormInput;
use crate::shell::{Done, confirmed, form_problem, page_with_status, run_form, when_confirmed};
use crate::state::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Multipart, Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use koers_app::documents::MAX_DOCUMENT_BYTES;
use koers_app::maturity::{self as uc, Handout, Upload};
use koers_core::Permission;
use koers_core::maturity::LEVELS;
use koers_svg::chart::{Width, bars_svg};
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/volwassenheid" => get(list).post(new_round),
        "/volwassenheid/kader" => get(framework).post(new_framework_version),
        "/volwassenheid/rondes/{id}" => get(show),
        "/volwassenheid/rondes/{id}/deelnemers" => post(participant),
        "/volwassenheid/rondes/{id}/lidorganisaties" => post(member_participants),
        "/volwassenheid/koepelrapporten" => get(member_reports),
        "/volwassenheid/koepelrapporten/{pid}" => get(member_report),
        "/volwassenheid/rondes/{id}/vragen" => post(item),
        "/volwassenheid/rondes/{id}/vragen/{item}" => post(correct_item),
        "/volwassenheid/rondes/{id}/vragen/{item}/verwijderen" => post(remove_item),
        "/volwassenheid/rondes/{id}/uitnodigingen" => post(invitations),
        "/volwassenheid/rondes/{id}/herinneringen" => post(reminders),
        "/volwassenheid/rondes/{id}/sluiten" => post(close),
        "/volwassenheid/rondes/{id}/documenten" =>
            post(document).layer(DefaultBodyLimit::max(MAX_DOCUMENT_BYTES + 64 * 1024)),
        "/volwassenheid/rondes/{id}/interviews" => post(interview),
        "/volwassenheid/rondes/{id}/bronnen/{sid}" => get(coding),
        "/volwassenheid/rondes/{id}/bronnen/{sid}/codes" => post(add_code),
        "/volwassenheid/rondes/{id}/bronnen/{sid}/codes/{cid}/verwijderen" => post(remove_code),
        "/volwassenheid/rondes/{id}/organisaties/{pid}" => get(report),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/gasten" => post(invite_contact),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/wijzigen" => post(correct_participant),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/verwijderen" => post(remove_participant),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/aanbevelingen/{key}" => post(recommend),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/gasten/{grant}/intrekken" => post(revoke_contact),
        "/volwassenheid/rondes/{id}/organisaties/{pid}/rapport.pdf" => get(report_file),
        "/volwassenheid/rondes/{id}/benchmark" => get(bench),
        "/volwassenheid/rondes/{id}/benchmark.csv" => get(bench_csv),
        "/volwassenheid/rondes/{id}/publicatie.pdf" => get(book_file),
        "/enquete/{token}" => get(survey_form).post(survey_submit),
    }
}

const CURRENT: &str = "/volwassenheid";

async fn render_list(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let list = uc::rounds(ctx.ws(), &ctx.who).await?;
    let fws = uc::frameworks(ctx.ws(), &ctx.who).await?;
    page_with_status(
        ctx,
        status,
        "maturity_rounds.html",
        CURRENT,
        context! { rounds => list, frameworks => fws, year => chrono_year(), ..extra },
    )
    .await
}

fn chrono_year() -> String {
    chrono::Utc::now().format("%Y").to_string()
}

/// The module's entry: the rounds for researchers; for everyone else, the reports umbrella
/// bodies made about their organisation.
async fn list(ctx: Ctx) -> Reply {
    let may = |p| ctx.who.may(p);
    if may(koers_core::Permission::Read) && !may(koers_core::Permission::Research) {
        return Ok(Redirect::to("/volwassenheid/koepelrapporten").into_response());
    }
    render_list(&ctx, StatusCode::OK, context! {}).await
}

/// The final reports about this organisation in the rounds of umbrella bodies it belongs to.
async fn member_reports(ctx: Ctx) -> Reply {
    let reports = uc::member_reports(ctx.ws(), &ctx.who).await?;
    let rows: Vec<Value> = reports
        .iter()
        .map(|m| context! { umbrella => m.umbrella.name, round => m.round, p => m.participant })
        .collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "maturity_member_reports.html",
        CURRENT,
        context! { reports => rows, researcher => ctx.who.may(koers_core::Permission::Research) },
    )
    .await
}

/// One of those reports, read in the member's own workspace.
async fn member_report(ctx: Ctx, Path(pid): Path<String>) -> Reply {
    let (m, res) = uc::member_report(ctx.ws(), &ctx.who, &pid).await?;
    let body = report_context(&res, &m.participant.id, ctx.lang)?;
    page_with_status(
        &ctx,
        StatusCode::OK,
        "maturity_member_report.html",
        CURRENT,
        context! { ..body, ..context! { umbrella => m.umbrella.name } },
    )
    .await
}

/// Every member organisation of the umbrella body takes part in the round.
async fn member_participants(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let r = uc::add_member_participants(ctx.ws(), &ctx.who, &id).await;
    round_form(
        &ctx,
        &id,
        "deelnemers",
        ("deelnemers", "members_added"),
        Value::UNDEFINED,
        r,
    )
    .await
}

async fn new_round(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::create_round(ctx.ws(), &ctx.who, input).await,
        |r| Done::To(format!("/volwassenheid/rondes/{}", r.id)),
        |status, extra| render_list(&ctx, status, extra),
    )
    .await
}

#[derive(Deserialize)]
struct VersionQuery {
    versie: Option<i64>,
}

async fn framework(ctx: Ctx, Query(q): Query<VersionQuery>) -> Reply {
    render_framework(&ctx, q.versie, StatusCode::OK, context! {}).await
}

/// Saves the edited framework as a new version; running rounds keep theirs.
async fn new_framework_version(ctx: Ctx, form: FormInput) -> Reply {
    run_form(
        form,
        async |input| uc::save_framework_form(ctx.ws(), &ctx.who, input).await,
        |_| Done::Back("/volwassenheid/kader".into(), "saved"),
        |status, extra| render_framework(&ctx, None, status, extra),
    )
    .await
}

async fn render_framework(
    ctx: &Ctx,
    version: Option<i64>,
    status: StatusCode,
    extra: Value,
) -> Reply {
    let versions = uc::frameworks(ctx.ws(), &ctx.who).await?;
    let shown = match version {
        Some(v) => versions
            .iter()
            .find(|f| f.version == v)
            .ok_or(AppError::NotFound)?,
        None => versions.first().ok_or(AppError::NotFound)?,
    };
    page_with_status(
        ctx,
        status,
        "maturity_framework.html",
        CURRENT,
        context! {
            versions => versions, shown => shown, levels => LEVELS,
            can_edit => ctx.who.may(Permission::Research), ..extra
        },
    )
    .await
}

async fn render_round(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let o = uc::round_overview(ctx.ws(), &ctx.who, id).await?;
    let (res, items, sources) = (o.results, o.items, o.sources);
    page_with_status(
        ctx,
        status,
        "maturity_round.html",
        CURRENT,
        context! {
            round => res.round, framework => res.framework, participants => res.participants,
            items => items, sources => sources, weights => weights_line(&res.round, ctx.lang),
            upload_max_mb => MAX_DOCUMENT_BYTES / (1024 * 1024),
            umbrella => ctx.org.kind == koers_core::OrgKind::Umbrella, ..extra
        },
    )
    .await
}

async fn show(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_round(&ctx, &id, StatusCode::OK, context! {}).await
}

/// A form on the round page: on success back to the page (at `anchor`), on invalid input
/// the page again with the problem shown at the form named `which`.
async fn round_form<T>(
    ctx: &Ctx,
    id: &str,
    which: &str,
    (section, notice): (&str, &'static str),
    form: Value,
    r: Result<T, koers_app::Error>,
) -> Reply {
    match r {
        Ok(_) => Ok(crate::notice::back(
            &format!("/volwassenheid/rondes/{id}#{section}"),
            notice,
        )),
        Err(e) => round_refused(ctx, id, which, form, e.into()).await,
    }
}

/// A form of the round's page refused: the page again with the problem at the form `which`
/// (and the fields as sent), for invalid input or where the round stands; other errors as
/// usual.
async fn round_refused(ctx: &Ctx, id: &str, which: &str, form: Value, e: AppError) -> Reply {
    match e {
        AppError::Invalid(_) | AppError::Conflict(_) => {
            let status = e.status();
            let extra = context! { form => form, failed => which, ..form_problem(&e) };
            render_round(ctx, id, status, extra).await
        }
        e => Err(e),
    }
}

async fn participant(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let value = form.value();
    let r = uc::add_participant(ctx.ws(), &ctx.who, &id, form.0).await;
    round_form(
        &ctx,
        &id,
        "deelnemers",
        ("deelnemers", "participant_added"),
        value,
        r,
    )
    .await
}

async fn item(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let value = form.value();
    let r = uc::add_item(ctx.ws(), &ctx.who, &id, form.0).await;
    round_form(&ctx, &id, "vragen", ("vragen", "item_added"), value, r).await
}

async fn correct_item(
    ctx: Ctx,
    Path((id, item)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    let r = uc::update_item(ctx.ws(), &ctx.who, &id, &item, form.0).await;
    round_form(
        &ctx,
        &id,
        &format!("vraag-{item}"),
        ("vragen", "item_changed"),
        value,
        r,
    )
    .await
}

async fn remove_item(
    ctx: Ctx,
    Path((id, item)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = match confirmed(&input, ctx.lang) {
        Ok(()) => uc::remove_item(ctx.ws(), &ctx.who, &id, &item).await,
        Err(AppError::Invalid(i)) => Err(koers_app::Error::Invalid(i)),
        Err(_) => Err(koers_app::Error::Forbidden),
    };
    round_form(
        &ctx,
        &id,
        &format!("vraag-{item}"),
        ("vragen", "item_removed"),
        Value::UNDEFINED,
        r,
    )
    .await
}

async fn close(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let r = uc::close_round(ctx.ws(), &ctx.who, &id).await;
    round_form(
        &ctx,
        &id,
        "status",
        ("status", "round_closed"),
        Value::UNDEFINED,
        r,
    )
    .await
}

/// New links go out: mailed where they can be; the rest shown once on the round's page,
/// each to copy, and as a CSV download. koers keeps only hashes of the tokens, so the page
/// is not stored by the browser or a proxy.
async fn handed_out(ctx: &Ctx, id: &str, handout: Handout) -> Reply {
    let csv = handout.csv();
    let issued: Vec<Value> = handout
        .unsent
        .iter()
        .map(|l| context! { organisation => l.organisation, label => l.label, url => l.url })
        .collect();
    let mut page = render_round(
        ctx,
        id,
        StatusCode::OK,
        context! { mailed => handout.mailed, issued => issued, issued_csv => csv },
    )
    .await?;
    page.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(page)
}

fn csv_response(name: &str, body: String) -> Response {
    uncached_download(CSV, &format!("{name}.csv"), "no-store", body)
}

async fn invitations(
    ctx: Ctx,
    headers: HeaderMap,
    Path(id): Path<String>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    let base = ctx.state.cfg.base_url(&headers);
    match uc::invite(ctx.ws(), &ctx.who, &id, &base, form.0).await {
        Ok(handout) => handed_out(&ctx, &id, handout).await,
        Err(e) => round_refused(&ctx, &id, "uitnodigingen", value, e.into()).await,
    }
}

async fn reminders(ctx: Ctx, headers: HeaderMap, Path(id): Path<String>) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    match uc::remind(ctx.ws(), &ctx.who, &id, &base, true).await {
        Ok(handout) => handed_out(&ctx, &id, handout).await,
        Err(e) => round_refused(&ctx, &id, "uitnodigingen", Value::UNDEFINED, e.into()).await,
    }
}

async fn document(ctx: Ctx, Path(id): Path<String>, mut mp: Multipart) -> Reply {
    uc::round(ctx.ws(), &ctx.who, &id).await?;
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            AppError::PayloadTooLarge
        } else {
            AppError::BadRequest(format!("Ongeldig formulier: {e}"))
        }
    };
    let (mut pid, mut title, mut upload) = (String::new(), String::new(), None);
    while let Some(field) = mp.next_field().await.map_err(bad)? {
        let name = field.name().unwrap_or_default().to_string();
        match name.as_str() {
            "file" => {
                let name = field.file_name().unwrap_or_default().to_string();
                let bytes = field.bytes().await.map_err(bad)?;
                if !name.is_empty() || !bytes.is_empty() {
                    upload = Some(Upload {
                        name,
                        bytes: bytes.to_vec(),
                    });
                }
            }
            "participantId" => pid = field.text().await.map_err(bad)?,
            "title" => title = field.text().await.map_err(bad)?,
            _ => {}
        }
    }
    let form = context! { participantId => pid, title => title };
    let r = uc::add_document(ctx.ws(), &ctx.who, &id, &pid, &title, upload).await;
    match r {
        Ok(s) => Ok(
            Redirect::to(&format!("/volwassenheid/rondes/{id}/bronnen/{}", s.id)).into_response(),
        ),
        Err(e) => round_refused(&ctx, &id, "bronnen", form, e.into()).await,
    }
}

async fn interview(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let value = form.value();
    match uc::add_interview(ctx.ws(), &ctx.who, &id, form.0).await {
        Ok(s) => Ok(
            Redirect::to(&format!("/volwassenheid/rondes/{id}/bronnen/{}", s.id)).into_response(),
        ),
        Err(e) => round_refused(&ctx, &id, "interviews", value, e.into()).await,
    }
}

async fn render_coding(ctx: &Ctx, id: &str, sid: &str, status: StatusCode, extra: Value) -> Reply {
    let c = uc::coding(ctx.ws(), &ctx.who, id, sid).await?;
    let (r, s) = (c.round, c.source);
    page_with_status(
        ctx,
        status,
        "maturity_source.html",
        CURRENT,
        context! { lines => s.text.lines().collect::<Vec<_>>(), round => r, source => s, framework => c.framework.framework, codes => c.codes, participant => c.participant, levels => LEVELS, ..extra },
    )
    .await
}

async fn coding(ctx: Ctx, Path((id, sid)): Path<(String, String)>) -> Reply {
    render_coding(&ctx, &id, &sid, StatusCode::OK, context! {}).await
}

async fn add_code(ctx: Ctx, Path((id, sid)): Path<(String, String)>, form: FormInput) -> Reply {
    let value = form.value();
    match uc::code(ctx.ws(), &ctx.who, &id, &sid, form.0)
        .await
        .map_err(AppError::from)
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/volwassenheid/rondes/{id}/bronnen/{sid}#codes"))
                .into_response(),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let status = e.status();
            let extra = context! { form => value, ..form_problem(&e) };
            render_coding(&ctx, &id, &sid, status, extra).await
        }
        Err(e) => Err(e),
    }
}

async fn remove_code(ctx: Ctx, Path((id, sid, cid)): Path<(String, String, String)>) -> Reply {
    match uc::uncode(ctx.ws(), &ctx.who, &id, &sid, &cid)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(
            Redirect::to(&format!("/volwassenheid/rondes/{id}/bronnen/{sid}#codes"))
                .into_response(),
        ),
        Err(e @ AppError::Conflict(_)) => {
            let status = e.status();
            render_coding(&ctx, &id, &sid, status, form_problem(&e)).await
        }
        Err(e) => Err(e),
    }
}

async fn render_report(ctx: &Ctx, id: &str, pid: &str, status: StatusCode, extra: Value) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, id).await?;
    let body = report_context(&res, pid, ctx.lang)?;
    let comments = uc::report_comments(ctx.ws(), &ctx.who, id, pid).await?;
    let guests = uc::report_guests(ctx.ws(), &ctx.who, id, pid).await?;
    page_with_status(
        ctx,
        status,
        "maturity_report.html",
        CURRENT,
        context! { ..extra, ..context! { report_comments => comments, guests => guests, ..body } },
    )
    .await
}

async fn report(ctx: Ctx, Path((id, pid)): Path<(String, String)>) -> Reply {
    render_report(&ctx, &id, &pid, StatusCode::OK, context! {}).await
}

/// Corrects the organisation's name and CBS code; the report again.
async fn correct_participant(
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    let r = uc::update_participant(ctx.ws(), &ctx.who, &id, &pid, form.0).await;
    match r.map_err(AppError::from) {
        Ok(_) => Ok(
            Redirect::to(&format!("/volwassenheid/rondes/{id}/organisaties/{pid}")).into_response(),
        ),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { form => value, failed => "deelnemer", ..form_problem(&e) };
            render_report(&ctx, &id, &pid, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// Removes the organisation from the round, after its confirmation; back to the round.
async fn remove_participant(
    ctx: Ctx,
    Path((id, pid)): Path<(String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = when_confirmed(
        &input,
        ctx.lang,
        uc::remove_participant(ctx.ws(), &ctx.who, &id, &pid),
    )
    .await;
    match r {
        Ok(()) => {
            Ok(Redirect::to(&format!("/volwassenheid/rondes/{id}#deelnemers")).into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { failed => "verwijderen", ..form_problem(&e) };
            render_report(&ctx, &id, &pid, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// Saves the researcher's recommendation on one dimension; back to that dimension.
async fn recommend(
    ctx: Ctx,
    Path((id, pid, key)): Path<(String, String, String)>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    let r = uc::recommend(ctx.ws(), &ctx.who, &id, &pid, &key, form.0).await;
    match r.map_err(AppError::from) {
        Ok(()) => Ok(Redirect::to(&format!(
            "/volwassenheid/rondes/{id}/organisaties/{pid}#dim-{key}"
        ))
        .into_response()),
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { form => value, recommend_key => key, ..form_problem(&e) };
            render_report(&ctx, &id, &pid, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

/// Invites the organisation's contact to their report; the page shows the link (once).
async fn invite_contact(
    ctx: Ctx,
    headers: HeaderMap,
    Path((id, pid)): Path<(String, String)>,
    form: FormInput,
) -> Reply {
    let base = ctx.state.cfg.base_url(&headers);
    run_form(
        form,
        async |input| uc::invite_contact(ctx.ws(), &ctx.who, &id, &pid, input, &base).await,
        |i| Done::Show(context! { invited => context! { link => i.link, mailed => i.mailed } }),
        |status, extra| render_report(&ctx, &id, &pid, status, extra),
    )
    .await
}

/// Withdraws a contact's invitation, after its confirmation.
async fn revoke_contact(
    ctx: Ctx,
    Path((id, pid, grant)): Path<(String, String, String)>,
    FormInput(input): FormInput,
) -> Reply {
    let r = when_confirmed(
        &input,
        ctx.lang,
        koers_app::guests::revoke(ctx.ws(), &ctx.who, &grant),
    )
    .await;
    match r {
        Err(e @ AppError::Invalid(_)) => {
            render_report(&ctx, &id, &pid, e.status(), form_problem(&e)).await
        }
        r => {
            r?;
            Ok(Redirect::to(&format!(
                "/volwassenheid/rondes/{id}/organisaties/{pid}#gasten"
            ))
            .into_response())
        }
    }
}

async fn report_file(ctx: Ctx, Path((id, pid)): Path<(String, String)>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    let p = res.participant(&pid)?;
    let pdf = report_pdf(&res, p, ctx.lang);
    let name = format!(
        "volwassenheid-{}-{}-{}.pdf",
        stem(&p.name, "deelnemer"),
        stem(&res.round.name, "ronde"),
        res.round.year
    );
    Ok(download("application/pdf", &name, pdf))
}

/// The study's publication of the round as one PDF.
async fn book_file(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    Ok(download(
        "application/pdf",
        &book_name(&res),
        book_pdf(&res, ctx.lang),
    ))
}

#[derive(Deserialize)]
struct BenchQuery {
    anoniem: Option<String>,
}

impl BenchQuery {
    fn anonymous(&self) -> bool {
        matches!(self.anoniem.as_deref(), Some("1" | "on" | "true"))
    }
}

async fn bench(ctx: Ctx, Path(id): Path<String>, Query(q): Query<BenchQuery>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    let anonymous = q.anonymous();
    let rows = benchmark(&res, anonymous, ctx.lang);
    let bars: Vec<_> = rows.iter().map(|r| (r.label.clone(), r.overall)).collect();
    let caption = t(ctx.lang, "maturity.benchmark_caption");
    let [chart, chart_narrow] =
        [Width::Wide, Width::Narrow].map(|w| bars_svg(w, &bars, 5.0, &caption));
    page_with_status(
        &ctx,
        StatusCode::OK,
        "maturity_benchmark.html",
        CURRENT,
        context! {
            round => res.round, dimensions => res.framework.framework.dimensions,
            anonymous => anonymous, chart => chart, chart_narrow => chart_narrow,
            averages => res.averages().into_iter().map(|v| fmt_score(ctx.lang, v)).collect::<Vec<_>>(),
            rows => rows.iter().map(|r| context! {
                label => r.label, cbs_code => r.cbs_code,
                scores => r.scores.iter().map(|s| fmt_score(ctx.lang, *s)).collect::<Vec<_>>(),
                overall => fmt_score(ctx.lang, r.overall),
            }).collect::<Vec<_>>(),
        },
    )
    .await
}

async fn bench_csv(ctx: Ctx, Path(id): Path<String>, Query(q): Query<BenchQuery>) -> Reply {
    let res = uc::results(ctx.ws(), &ctx.who, &id).await?;
    let rows = benchmark(&res, q.anonymous(), ctx.lang);
    Ok(csv_response("benchmark", benchmark_csv(&res, &rows)))
}

/// The CSRF token for the public survey form: the session's when the respondent happens to
/// be signed in, otherwise the double-submit cookie's (set when new).
fn public_csrf(
    headers: &HeaderMap,
    resolved: Option<&Resolved>,
    secure: bool,
) -> (String, Option<String>) {
    match resolved {
        Some(r) => (r.session.csrf_token.clone(), None),
        None => login_csrf(headers, secure),
    }
}

/// Renders the public survey page (form, thank-you or refusal) with the right status.
fn public_page(
    state: &AppState,
    headers: &HeaderMap,
    resolved: Option<&Resolved>,
    status: StatusCode,
    ctx: Value,
) -> Reply {
    let lang = Lang::from_headers(headers);
    let (csrf, set) = public_csrf(headers, resolved, state.cfg.secure_cookies);
    let html = Templates::render(
        "maturity_survey.html",
        context! { lang => lang.code(), csrf => csrf, ..ctx },
    )?;
    let mut resp = (status, Html(html)).into_response();
    if let Some(c) = set.and_then(|c| c.parse().ok()) {
        resp.headers_mut().append(header::SET_COOKIE, c);
    }
    resp.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    Ok(resp)
}

/// Unknown, used and closed links each get a clear page, and change nothing.
fn refusal(
    state: &AppState,
    headers: &HeaderMap,
    resolved: Option<&Resolved>,
    e: AppError,
) -> Reply {
    let (status, reason) = match &e {
        AppError::NotFound => (StatusCode::NOT_FOUND, "unknown"),
        AppError::Conflict(m) if m == "closed" => (StatusCode::GONE, "closed"),
        AppError::Conflict(_) => (StatusCode::GONE, "used"),
        _ => return Err(e),
    };
    public_page(
        state,
        headers,
        resolved,
        status,
        context! { refused => reason },
    )
}

async fn survey_form(
    State(state): State<AppState>,
    headers: HeaderMap,
    resolved: axum::Extension<Option<Resolved>>,
    Path(token): Path<String>,
) -> Reply {
    // Just answered: the thanks, once (reloading then says the link was used).
    if crate::notice::read(&headers).as_deref() == Some(ANSWERED) {
        let thanks = context! { thanks => true };
        return public_page(
            &state,
            &headers,
            resolved.0.as_ref(),
            StatusCode::OK,
            thanks,
        );
    }
    render_survey(
        &state,
        &headers,
        resolved.0.as_ref(),
        &token,
        StatusCode::OK,
        context! {},
    )
    .await
}

/// The notice that leads a respondent from their answers to the thanks.
const ANSWERED: &str = "survey_answered";

async fn render_survey(
    state: &AppState,
    headers: &HeaderMap,
    resolved: Option<&Resolved>,
    token: &str,
    status: StatusCode,
    extra: Value,
) -> Reply {
    match uc::survey(&state.ws, token).await {
        Ok(uc::Survey {
            target,
            framework: fw,
            items,
        }) => {
            let items: Vec<Value> = items
                .iter()
                .map(|i| {
                    let dim = i
                        .dimension_key
                        .as_deref()
                        .and_then(|k| fw.framework.dimension(k))
                        .map(|d| d.name.clone());
                    context! { id => i.id, kind => i.kind, text => i.text, dimension => dim }
                })
                .collect();
            public_page(
                state,
                headers,
                resolved,
                status,
                context! {
                    token => token, organisation => target.participant.name,
                    round => target.round.name, generated => target.round.generated,
                    items => items, ..extra
                },
            )
        }
        Err(e) => refusal(state, headers, resolved, e.into()),
    }
}

async fn survey_submit(
    State(state): State<AppState>,
    headers: HeaderMap,
    resolved: axum::Extension<Option<Resolved>>,
    Path(token): Path<String>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    match uc::answer(&state.ws, &token, form.0)
        .await
        .map_err(AppError::from)
    {
        Ok(()) => Ok(crate::notice::back(&format!("/enquete/{token}"), ANSWERED)),
        Err(e @ AppError::Invalid(_)) => {
            let extra = context! { form => value, ..form_problem(&e) };
            render_survey(
                &state,
                &headers,
                resolved.0.as_ref(),
                &token,
                StatusCode::BAD_REQUEST,
                extra,
            )
            .await
        }
        Err(e) => refusal(&state, &headers, resolved.0.as_ref(), e),
    }
}
