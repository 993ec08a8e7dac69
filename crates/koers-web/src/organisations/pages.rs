//! The organisation page (its members and their roles, adding and removing members), its
//! audit log, and the deployment administrator's list of organisations.

use crate::auth::Ctx;
use crate::error::{AppError, Reply};
use crate::input::FormInput;
use crate::shell::{Done, form_outcome_with_conflicts, page, page_with_status};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::response::Html;
use axum::routing::{get, post};
use koers_app::organisations;
use koers_core::{OrgKind, Role};
use minijinja::{Value, context};
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    routes! {
        "/organisatie" => get(show),
        "/organisatie/leden" => post(add),
        "/organisatie/leden/{user_id}/rollen" => post(set_roles),
        "/organisatie/leden/{user_id}/verwijderen" => post(remove),
        "/organisatie/logboek" => get(audit),
        "/organisatie/lidorganisaties" => post(add_member_organisation),
        "/organisatie/lidorganisaties/{member_id}/verwijderen" => post(remove_member_organisation),
        "/beheer/organisaties" => get(list_all).post(create),
    }
}

/// How many audit events a page shows.
const AUDIT_PAGE: i64 = 50;

fn role_names() -> Vec<&'static str> {
    Role::ALL.iter().map(|r| r.as_str()).collect()
}

/// Renders the organisation page, with a form's outcome (errors or a notice) if any.
async fn render(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let members = organisations::members(ctx.ws(), &ctx.who, &ctx.org.id).await?;
    let member_organisations = if ctx.org.kind == OrgKind::Umbrella {
        organisations::member_organisations(ctx.ws(), &ctx.who, &ctx.org.id).await?
    } else {
        Vec::new()
    };
    let tooi_uri = ctx
        .org
        .tooi_code
        .as_deref()
        .and_then(|c| koers_core::TooiCode::parse(c).ok())
        .map(|c| c.uri(ctx.org.kind));
    page_with_status(
        ctx,
        status,
        "organisation.html",
        "/organisatie",
        context! {
            members => members, all_roles => role_names(), tooi_uri => tooi_uri,
            umbrella => ctx.org.kind == OrgKind::Umbrella, member_organisations => member_organisations,
            ..extra
        },
    )
    .await
}

async fn show(ctx: Ctx) -> Reply {
    render(&ctx, StatusCode::OK, context! {}).await
}

async fn add(ctx: Ctx, form: FormInput) -> Reply {
    let fields = form.value();
    let r = organisations::add_member(ctx.ws(), &ctx.who, &ctx.org.id, form.0).await;
    form_outcome_with_conflicts(
        r,
        fields,
        |added| {
            Done::Show(context! {
                notice => "member_added", added => added.member, initial_password => added.initial_password,
            })
        },
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

async fn set_roles(ctx: Ctx, Path(user_id): Path<String>, FormInput(input): FormInput) -> Reply {
    let r = organisations::set_roles(ctx.ws(), &ctx.who, &ctx.org.id, &user_id, input).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Notice("roles_saved"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

async fn remove(ctx: Ctx, Path(user_id): Path<String>) -> Reply {
    let r = organisations::remove_member(ctx.ws(), &ctx.who, &ctx.org.id, &user_id).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Notice("member_removed"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

/// Lists another organisation (by CBS code) as a member of this umbrella body.
async fn add_member_organisation(ctx: Ctx, form: FormInput) -> Reply {
    let fields = form.value();
    let r = organisations::add_member_organisation(ctx.ws(), &ctx.who, &ctx.org.id, form.0).await;
    form_outcome_with_conflicts(
        r,
        fields,
        |_| Done::Notice("member_organisation_added"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

/// Takes a member organisation off the list, after its confirmation.
async fn remove_member_organisation(
    ctx: Ctx,
    Path(member_id): Path<String>,
    FormInput(input): FormInput,
) -> Reply {
    let remove =
        organisations::remove_member_organisation(ctx.ws(), &ctx.who, &ctx.org.id, &member_id);
    let r = crate::shell::when_confirmed(&input, ctx.lang, remove).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Notice("member_organisation_removed"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

#[derive(Deserialize)]
struct Before {
    before: Option<i64>,
}

async fn audit(ctx: Ctx, Query(q): Query<Before>) -> Result<Html<String>, AppError> {
    let events =
        organisations::audit_events(ctx.ws(), &ctx.who, &ctx.org.id, AUDIT_PAGE, q.before).await?;
    let older = (events.len() as i64 == AUDIT_PAGE)
        .then(|| events.last().map(|e| e.seq))
        .flatten();
    // What happened to what, in words; the code stays beside it for whoever searches for it.
    let words =
        |kind: &str, code: &str| crate::i18n::known(ctx.lang, &format!("audit.{kind}.{code}"));
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            let (action, object) = (words("action", &e.action), words("object", &e.object_type));
            context! { action_words => action, object_words => object, ..Value::from_serialize(&e) }
        })
        .collect();
    page(
        &ctx,
        "audit.html",
        "/organisatie/logboek",
        context! { events => events, older => older },
    )
    .await
}

/// The administrator's list of every organisation, with the form to create one.
async fn render_all(ctx: &Ctx, status: StatusCode, extra: Value) -> Reply {
    let all = organisations::all(ctx.ws(), &ctx.who).await?;
    let kinds: Vec<_> = OrgKind::ALL.iter().map(|k| k.as_str()).collect();
    page_with_status(
        ctx,
        status,
        "admin_orgs.html",
        "/beheer/organisaties",
        context! { all => all, kinds => kinds, ..extra },
    )
    .await
}

async fn list_all(ctx: Ctx) -> Reply {
    render_all(&ctx, StatusCode::OK, context! {}).await
}

async fn create(ctx: Ctx, form: FormInput) -> Reply {
    let fields = form.value();
    let r = organisations::create(ctx.ws(), &ctx.who, form.0).await;
    form_outcome_with_conflicts(
        r,
        fields,
        |org| Done::Show(context! { created => org }),
        |status, extra| render_all(&ctx, status, extra),
    )
    .await
}
