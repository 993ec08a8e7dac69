//! The organisation page (its members and their roles, adding and removing members), its
//! audit log, and the deployment administrator's list of organisations.

use crate::auth::Ctx;
use crate::error::Reply;
use crate::input::FormInput;
use crate::shell::{Done, form_outcome_with_conflicts, page_with_status};
use crate::state::AppState;
use axum::Router;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::{get, post};
use koers_app::organisations;
use koers_core::{OrgKind, Role};
use minijinja::{Value, context};
use serde::{Deserialize, Serialize};

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
        |_| Done::Back("/organisatie".into(), "roles_saved"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

async fn remove(ctx: Ctx, Path(user_id): Path<String>) -> Reply {
    let r = organisations::remove_member(ctx.ws(), &ctx.who, &ctx.org.id, &user_id).await;
    form_outcome_with_conflicts(
        r,
        context! {},
        |_| Done::Back("/organisatie".into(), "member_removed"),
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
        |_| Done::Back("/organisatie".into(), "member_organisation_added"),
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
        |_| Done::Back("/organisatie".into(), "member_organisation_removed"),
        |status, extra| render(&ctx, status, extra),
    )
    .await
}

/// The kinds of object the log names, by their words, each with the codes it is recorded
/// under (a data question is `data_question`, and `question` where a guest was invited).
fn object_kinds(lang: crate::i18n::Lang) -> Vec<(String, String)> {
    let mut kinds: Vec<(String, String)> = Vec::new();
    for (code, words) in crate::i18n::under(lang, "audit.object.") {
        match kinds.iter_mut().find(|(_, w)| *w == words) {
            Some((codes, _)) => {
                codes.push(',');
                codes.push_str(&code);
            }
            None => kinds.push((code, words)),
        }
    }
    kinds
}

/// The audit log's page: older than `before`, and what the administrator asks of it (of one
/// kind of object, one object, one person).
#[derive(Deserialize, Serialize, Default)]
struct AuditPage {
    before: Option<i64>,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    soort: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    object: String,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    wie: String,
}

async fn audit(ctx: Ctx, Query(q): Query<AuditPage>) -> Reply {
    // A question the log cannot answer is said above it, which then shows everything.
    let (filter, status, find_errors) =
        match organisations::AuditFilter::parse(&q.soort, &q.object, &q.wie) {
            Ok(f) => (f, StatusCode::OK, Vec::new()),
            Err(e) => (Default::default(), StatusCode::BAD_REQUEST, e.0),
        };
    let events = organisations::audit_events(
        ctx.ws(),
        &ctx.who,
        &ctx.org.id,
        AUDIT_PAGE,
        q.before,
        &filter,
    )
    .await?;
    let older = (events.len() as i64 == AUDIT_PAGE)
        .then(|| events.last().map(|e| e.seq))
        .flatten()
        .map(|seq| {
            let next = AuditPage {
                before: Some(seq),
                ..q
            };
            serde_urlencoded::to_string(&next).unwrap_or_default()
        });
    // What happened to what, in words; the code stays beside it for whoever searches for it.
    let words =
        |kind: &str, code: &str| crate::i18n::known(ctx.lang, &format!("audit.{kind}.{code}"));
    let events: Vec<Value> = events
        .into_iter()
        .map(|e| {
            let (action, object) = (words("action", &e.action), words("object", &e.object_type));
            let details = super::views::detail(ctx.lang, &e.detail);
            context! { action_words => action, object_words => object, details => details, ..Value::from_serialize(&e) }
        })
        .collect();
    page_with_status(
        &ctx,
        status,
        "audit.html",
        "/organisatie/logboek",
        context! {
            events => events, older => older, find_errors => find_errors,
            find => context! { soort => filter.object_types.join(","), object => filter.object_id, wie => filter.actor, active => filter.is_any() },
            object_types => object_kinds(ctx.lang),
        },
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
