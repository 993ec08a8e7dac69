//! The guest's pages: an invitation's link (`/uitnodiging/{token}`), what is shared with them
//! (`/gast`) and the data question shared (`/gast/{grant}`), with its comments and files.

use crate::accounts::pages::before_sign_in;
use crate::auth::{Ctx, presented_session, session_cookie};
use crate::download::stem;
use crate::error::{AppError, Reply};
use crate::guests::api::{InvitationOut, SharedOut, receive};
use crate::input::FormInput;
use crate::maturity::views::{report_context, report_pdf};
use crate::questions::{attachment_response, back_to, too_large_as_field};
use crate::shell::{Done, after_form_or_refused, form_outcome, form_problem, page_with_status};
use crate::state::AppState;
use axum::Router;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use koers_app::guests::{self, SharedObject};
use minijinja::{Value, context};

pub fn router() -> Router<AppState> {
    routes! {
        "/uitnodiging/{token}" => get(invitation).post(accept),
        "/gast" => get(home),
        "/gast/{id}" => get(show),
        "/gast/{id}/reacties" => post(comment),
        "/gast/{id}/bijlagen" => post(upload).layer(DefaultBodyLimit::disable()),
        "/gast/{id}/bijlagen/{attachment}" => get(download),
        "/gast/{id}/rapport.pdf" => get(report_file),
    }
}

/// The invitation's page, for whoever holds the link: signed in (accept with a button), with
/// an account (sign in first) or without (make one). An invitation that ended says so (409).
async fn render_invitation(
    state: &AppState,
    ctx: Option<&Ctx>,
    headers: &HeaderMap,
    token: &str,
    status: StatusCode,
    extra: Value,
) -> Reply {
    let (status, inv) = match guests::invitation(&state.ws, token).await {
        Ok(i) => (status, Some(InvitationOut::from(&i))),
        Err(e @ koers_app::Error::Conflict(_)) => {
            let e = AppError::from(e);
            let extra = context! { error => e.detail(), ..extra };
            return draw(
                state,
                ctx,
                headers,
                StatusCode::CONFLICT,
                token,
                None,
                extra,
            )
            .await;
        }
        Err(e) => return Err(e.into()),
    };
    draw(state, ctx, headers, status, token, inv, extra).await
}

async fn draw(
    state: &AppState,
    ctx: Option<&Ctx>,
    headers: &HeaderMap,
    status: StatusCode,
    token: &str,
    inv: Option<InvitationOut>,
    extra: Value,
) -> Reply {
    let c = context! { inv => inv, token => token, ..extra };
    match ctx {
        Some(ctx) => page_with_status(ctx, status, "guest_invitation.html", "/gast", c).await,
        None => before_sign_in(state, headers, status, "guest_invitation.html", c),
    }
}

async fn invitation(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Reply {
    render_invitation(
        &state,
        ctx.as_ref(),
        &headers,
        &token,
        StatusCode::OK,
        context! {},
    )
    .await
}

/// Takes the invitation up: signed in, as that account; otherwise with a new account, signed
/// in at once. Either way on to what is shared.
async fn accept(
    State(state): State<AppState>,
    ctx: Option<Ctx>,
    headers: HeaderMap,
    Path(token): Path<String>,
    form: FormInput,
) -> Reply {
    let value = form.value();
    if let Some(ctx) = &ctx {
        let r = guests::accept(ctx.ws(), &ctx.who, &token).await;
        return form_outcome(
            r,
            value,
            |s| Done::To(format!("/gast/{}", s.grant.id)),
            |status, extra| render_invitation(&state, Some(ctx), &headers, &token, status, extra),
        )
        .await;
    }
    let previous = presented_session(&headers);
    let r = guests::accept_with_new_account(
        &state.ws,
        state.cfg.session_ttl,
        &token,
        form.0,
        previous.as_deref(),
    )
    .await;
    match r.map_err(AppError::from) {
        Ok((signed_in, shared)) => {
            let cookie = session_cookie(&state, &signed_in.token);
            Ok((
                [(header::SET_COOKIE, cookie)],
                Redirect::to(&format!("/gast/{}", shared.grant.id)),
            )
                .into_response())
        }
        Err(e @ (AppError::Invalid(_) | AppError::Conflict(_))) => {
            let extra = context! { form => value, ..form_problem(&e) };
            render_invitation(&state, None, &headers, &token, e.status(), extra).await
        }
        Err(e) => Err(e),
    }
}

async fn home(ctx: Ctx) -> Reply {
    let shared = guests::shared_with_me(ctx.ws(), &ctx.who).await?;
    let shared: Vec<SharedOut> = shared.iter().map(SharedOut::from).collect();
    page_with_status(
        &ctx,
        StatusCode::OK,
        "guest_home.html",
        "/gast",
        context! { shared => shared },
    )
    .await
}

async fn render_shared(ctx: &Ctx, id: &str, status: StatusCode, extra: Value) -> Reply {
    let (shared, object) = guests::open(ctx.ws(), &ctx.who, id).await?;
    let shared = SharedOut::from(&shared);
    match object {
        SharedObject::Question(q) => {
            page_with_status(
                ctx,
                status,
                "guest_question.html",
                "/gast",
                context! {
                    ..extra,
                    ..context! {
                        shared => shared, q => q.question, links => q.links,
                        comments => q.comments, attachments => q.attachments,
                        ..context! {
                            ..crate::questions::upload_limits(ctx),
                            ..crate::questions::notice_place(ctx)
                        }
                    }
                },
            )
            .await
        }
        SharedObject::Project(x) => {
            page_with_status(
                ctx,
                status,
                "guest_project.html",
                "/gast",
                context! {
                    ..extra,
                    ..context! {
                        shared => shared, x => x.project, team => x.team,
                        deliverables => x.deliverables, q => x.question.question,
                        links => x.question.links, comments => x.question.comments,
                        attachments => x.question.attachments,
                        ..context! {
                            ..crate::questions::upload_limits(ctx),
                            ..crate::questions::notice_place(ctx)
                        }
                    }
                },
            )
            .await
        }
        SharedObject::Report(r) => {
            let body = report_context(&r.results, &r.participant_id, ctx.lang)?;
            page_with_status(
                ctx,
                status,
                "guest_report.html",
                "/gast",
                context! {
                    ..extra,
                    ..context! {
                        shared => shared, comments => r.comments, open => r.open(),
                        ..context! { ..crate::questions::notice_place(ctx), ..body }
                    }
                },
            )
            .await
        }
    }
}

async fn show(ctx: Ctx, Path(id): Path<String>) -> Reply {
    render_shared(&ctx, &id, StatusCode::OK, context! {}).await
}

/// After one of the shared question's forms: back to its page with `notice`, or the page
/// again with the problem (invalid input, or 403 when the invitation does not allow it).
async fn outcome<T>(
    ctx: &Ctx,
    id: &str,
    r: Result<T, AppError>,
    (form, notice): (Value, &'static str),
) -> Reply {
    let back = back_to(format!("/gast/{id}"), notice);
    after_form_or_refused(r, form, back, |status, extra| {
        render_shared(ctx, id, status, extra)
    })
    .await
}

async fn comment(ctx: Ctx, Path(id): Path<String>, form: FormInput) -> Reply {
    let sent = form.value();
    let r = guests::comment(ctx.ws(), &ctx.who, &id, form.0).await;
    outcome(&ctx, &id, r.map_err(AppError::from), (sent, "commented")).await
}

async fn upload(ctx: Ctx, Path(id): Path<String>, req: axum::extract::Request) -> Reply {
    let r = receive(&ctx, &id, req)
        .await
        .map_err(|e| too_large_as_field(&ctx, e));
    outcome(&ctx, &id, r, (Value::UNDEFINED, "attached")).await
}

async fn download(ctx: Ctx, Path((id, attachment)): Path<(String, String)>) -> Reply {
    let (a, bytes) = guests::attachment_file(ctx.ws(), &ctx.who, &id, &attachment).await?;
    Ok(attachment_response(&a, bytes))
}

/// The shared report as a PDF (the same file the researcher downloads).
async fn report_file(ctx: Ctx, Path(id): Path<String>) -> Reply {
    let (_, object) = guests::open(ctx.ws(), &ctx.who, &id).await?;
    let SharedObject::Report(r) = object else {
        return Err(AppError::NotFound);
    };
    let p = r.participant()?;
    let name = format!(
        "volwassenheid-{}-{}.pdf",
        stem(&p.name, "rapport"),
        r.results.round.year
    );
    Ok(crate::download::download(
        "application/pdf",
        &name,
        report_pdf(&r.results, p, ctx.lang),
    ))
}
