//! `/api/v1/organisations`: organisations, their members and roles, and their audit log.

use crate::api::{created, outs};
use crate::auth::Ctx;
use crate::error::{AppError, JsonReply, Reply};
use crate::input::JsonInput;
use crate::schema;
use crate::state::AppState;
use axum::extract::{Path, Query};
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use koers_app::organisations::{self, AuditEvent, Member, Organisation, User};
use koers_core::{OrgKind, Role, TooiCode};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

pub fn router() -> Router<AppState> {
    routes! {
        "/organisations" => get(list_organisations).post(create_organisation),
        "/organisations/{organisation_id}" => get(get_organisation),
        "/organisations/{organisation_id}/members" => get(list_members).post(add_member),
        "/organisations/{organisation_id}/members/{user_id}" =>
            get(get_member).put(set_member_roles).delete(remove_member),
        "/organisations/{organisation_id}/audit-events" => get(list_audit_events),
        "/organisations/{organisation_id}/member-organisations" =>
            get(list_member_organisations).post(add_member_organisation),
        "/organisations/{organisation_id}/member-organisations/{member_id}" =>
            axum::routing::delete(remove_member_organisation),
    }
}

/// A user as the API shows it.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct UserOut {
    pub id: String,
    pub email: String,
    pub display_name: String,
    pub instance_admin: bool,
}

impl From<&User> for UserOut {
    fn from(u: &User) -> Self {
        UserOut {
            id: u.id.clone(),
            email: u.email.clone(),
            display_name: u.display_name.clone(),
            instance_admin: u.instance_admin,
        }
    }
}

/// An organisation.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationOut {
    pub id: String,
    pub name: String,
    #[schema(value_type = schema::OrgKind)]
    pub kind: OrgKind,
    /// CBS code, e.g. PV26 or GM0344.
    pub cbs_code: Option<String>,
    /// TOOI code, e.g. pv26.
    pub tooi_code: Option<String>,
    /// The TOOI identifier URI.
    pub tooi_uri: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
}

impl From<&Organisation> for OrganisationOut {
    fn from(o: &Organisation) -> Self {
        OrganisationOut {
            id: o.id.clone(),
            name: o.name.clone(),
            kind: o.kind,
            cbs_code: o.cbs_code.clone(),
            tooi_code: o.tooi_code.clone(),
            tooi_uri: o
                .tooi_code
                .as_deref()
                .and_then(|c| TooiCode::parse(c).ok())
                .map(|c| c.uri(o.kind)),
            created_at: o.created_at.clone(),
        }
    }
}

/// A new organisation.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct OrganisationIn {
    pub name: String,
    #[schema(value_type = schema::OrgKind)]
    pub kind: OrgKind,
    pub cbs_code: Option<String>,
    pub tooi_code: Option<String>,
}

/// A member of an organisation with their roles there.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberOut {
    pub user: UserOut,
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    /// Only in the answer to adding a new account without a password: the generated initial
    /// password, shown this once.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub initial_password: Option<String>,
}

impl From<&Member> for MemberOut {
    fn from(m: &Member) -> Self {
        MemberOut {
            user: (&m.user).into(),
            roles: m.roles.clone(),
            initial_password: None,
        }
    }
}

/// A member to add: an existing account by e-mail address, or a new one.
#[derive(ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct MemberIn {
    pub email: String,
    pub display_name: Option<String>,
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
    /// Leave out to have koers generate an initial password.
    pub password: Option<String>,
}

/// The roles a member holds.
#[derive(ToSchema)]
pub struct RolesIn {
    #[schema(value_type = Vec<schema::Role>)]
    pub roles: Vec<Role>,
}

/// One entry of the audit log.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AuditEventOut {
    pub seq: i64,
    #[schema(format = DateTime)]
    pub at: String,
    pub actor_label: String,
    pub action: String,
    pub object_type: String,
    pub object_id: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

impl From<AuditEvent> for AuditEventOut {
    fn from(e: AuditEvent) -> Self {
        AuditEventOut {
            seq: e.seq,
            at: e.at,
            actor_label: e.actor_label,
            action: e.action,
            object_type: e.object_type,
            object_id: e.object_id,
            detail: e.detail,
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
pub struct AuditQuery {
    /// How many events (1–500, default 50).
    pub limit: Option<i64>,
    /// Only events older than this sequence number (for paging).
    pub before: Option<i64>,
    /// Only events about this kind of object: its code (`choice`, `dataset`, …), or up to
    /// three codes separated by commas.
    pub object_type: Option<String>,
    /// Only events about this object.
    pub object_id: Option<String>,
    /// Only events by someone whose e-mail address or name holds this (case aside).
    pub actor: Option<String>,
}

/// The organisations the user is a member of.
#[utoipa::path(get, path = "/organisations", tag = "organisaties",
    responses((status = 200, description = "Organisaties", body = Vec<OrganisationOut>)))]
pub async fn list_organisations(ctx: Ctx) -> JsonReply<Vec<OrganisationOut>> {
    let orgs = organisations::mine(ctx.ws(), &ctx.who).await?;
    Ok(Json(outs(&orgs)))
}

/// Create an organisation (deployment administrators).
#[utoipa::path(post, path = "/organisations", tag = "organisaties", request_body = OrganisationIn,
    responses((status = 201, description = "Aangemaakt", body = OrganisationOut)))]
pub async fn create_organisation(ctx: Ctx, JsonInput(input): JsonInput) -> Reply {
    let org = organisations::create(ctx.ws(), &ctx.who, input).await?;
    Ok(created(OrganisationOut::from(&org)))
}

/// One organisation.
#[utoipa::path(get, path = "/organisations/{organisationId}", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    responses((status = 200, description = "De organisatie", body = OrganisationOut)))]
pub async fn get_organisation(ctx: Ctx, Path(org_id): Path<String>) -> JsonReply<OrganisationOut> {
    let org = organisations::get(ctx.ws(), &ctx.who, &org_id).await?;
    Ok(Json((&org).into()))
}

/// The member organisations of an umbrella body (empty for any other organisation).
#[utoipa::path(get, path = "/organisations/{organisationId}/member-organisations", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    responses((status = 200, description = "Lidorganisaties", body = Vec<OrganisationOut>)))]
pub async fn list_member_organisations(
    ctx: Ctx,
    Path(org_id): Path<String>,
) -> JsonReply<Vec<OrganisationOut>> {
    let orgs = organisations::member_organisations(ctx.ws(), &ctx.who, &org_id).await?;
    Ok(Json(outs(&orgs)))
}

/// An organisation to list as a member of an umbrella body.
#[derive(ToSchema)]
pub struct MemberOrganisationIn {
    /// Its CBS code (PV26), or its id for an organisation without one.
    pub code: String,
}

/// List an organisation as a member of an umbrella body (its administrators); 400 when this
/// organisation is no umbrella body or the other one is, 409 when it is listed already.
#[utoipa::path(post, path = "/organisations/{organisationId}/member-organisations", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    request_body = MemberOrganisationIn,
    responses((status = 201, description = "Toegevoegd", body = OrganisationOut), (status = 409, description = "Al lidorganisatie", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn add_member_organisation(
    ctx: Ctx,
    Path(org_id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let m = organisations::add_member_organisation(ctx.ws(), &ctx.who, &org_id, input).await?;
    Ok(created(OrganisationOut::from(&m)))
}

/// Take a member organisation off an umbrella body's list (its administrators).
#[utoipa::path(delete, path = "/organisations/{organisationId}/member-organisations/{memberId}", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie"), ("memberId" = String, Path, description = "Id van de lidorganisatie")),
    responses((status = 204, description = "Van de lijst gehaald")))]
pub async fn remove_member_organisation(
    ctx: Ctx,
    Path((org_id, member_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    organisations::remove_member_organisation(ctx.ws(), &ctx.who, &org_id, &member_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The members of an organisation.
#[utoipa::path(get, path = "/organisations/{organisationId}/members", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    responses((status = 200, description = "Leden", body = Vec<MemberOut>)))]
pub async fn list_members(ctx: Ctx, Path(org_id): Path<String>) -> JsonReply<Vec<MemberOut>> {
    let members = organisations::members(ctx.ws(), &ctx.who, &org_id).await?;
    Ok(Json(outs(&members)))
}

/// Add a member (administrators).
#[utoipa::path(post, path = "/organisations/{organisationId}/members", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie")),
    request_body = MemberIn,
    responses((status = 201, description = "Toegevoegd", body = MemberOut), (status = 409, description = "Al lid van de organisatie", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn add_member(
    ctx: Ctx,
    Path(org_id): Path<String>,
    JsonInput(input): JsonInput,
) -> Reply {
    let added = organisations::add_member(ctx.ws(), &ctx.who, &org_id, input).await?;
    let mut out = MemberOut::from(&added.member);
    out.initial_password = added.initial_password;
    Ok(created(out))
}

/// One member.
#[utoipa::path(get, path = "/organisations/{organisationId}/members/{userId}", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie"), ("userId" = String, Path, description = "Id van de gebruiker")),
    responses((status = 200, description = "Het lid", body = MemberOut)))]
pub async fn get_member(
    ctx: Ctx,
    Path((org_id, user_id)): Path<(String, String)>,
) -> JsonReply<MemberOut> {
    let m = organisations::member(ctx.ws(), &ctx.who, &org_id, &user_id).await?;
    Ok(Json((&m).into()))
}

/// Replace a member's roles (administrators).
#[utoipa::path(put, path = "/organisations/{organisationId}/members/{userId}", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie"), ("userId" = String, Path, description = "Id van de gebruiker")),
    request_body = RolesIn,
    responses((status = 200, description = "Opgeslagen", body = MemberOut), (status = 409, description = "Een organisatie houdt minstens één beheerder", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn set_member_roles(
    ctx: Ctx,
    Path((org_id, user_id)): Path<(String, String)>,
    JsonInput(input): JsonInput,
) -> JsonReply<MemberOut> {
    let m = organisations::set_roles(ctx.ws(), &ctx.who, &org_id, &user_id, input).await?;
    Ok(Json((&m).into()))
}

/// Remove a member (administrators).
#[utoipa::path(delete, path = "/organisations/{organisationId}/members/{userId}", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie"), ("userId" = String, Path, description = "Id van de gebruiker")),
    responses((status = 204, description = "Verwijderd"), (status = 409, description = "Een organisatie houdt minstens één beheerder", body = crate::error::Problem, content_type = "application/problem+json")))]
pub async fn remove_member(
    ctx: Ctx,
    Path((org_id, user_id)): Path<(String, String)>,
) -> Result<StatusCode, AppError> {
    organisations::remove_member(ctx.ws(), &ctx.who, &org_id, &user_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organisation's audit log, newest first (administrators).
#[utoipa::path(get, path = "/organisations/{organisationId}/audit-events", tag = "organisaties",
    params(("organisationId" = String, Path, description = "Id van de organisatie"), AuditQuery),
    responses((status = 200, description = "Gebeurtenissen", body = Vec<AuditEventOut>),
        (status = 400, description = "Een ongeldige soort object, id of persoon")))]
pub async fn list_audit_events(
    ctx: Ctx,
    Path(org_id): Path<String>,
    Query(q): Query<AuditQuery>,
) -> JsonReply<Vec<AuditEventOut>> {
    let filter = organisations::AuditFilter::parse(
        q.object_type.as_deref().unwrap_or_default(),
        q.object_id.as_deref().unwrap_or_default(),
        q.actor.as_deref().unwrap_or_default(),
    )?;
    let events = organisations::audit_events(
        ctx.ws(),
        &ctx.who,
        &org_id,
        q.limit.unwrap_or(50),
        q.before,
        &filter,
    )
    .await?;
    Ok(Json(outs(events)))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    list_organisations,
    create_organisation,
    get_organisation,
    list_members,
    add_member,
    get_member,
    set_member_roles,
    remove_member,
    list_audit_events,
    list_member_organisations,
    add_member_organisation,
    remove_member_organisation,
))]
pub struct Doc;
