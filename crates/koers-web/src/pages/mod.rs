//! The pages people use, server-rendered in Dutch (or English), one module per area.

mod account;
mod admin;
mod analysis;
mod catalog;
mod dashboards;
mod home;
mod learning;
mod maturity;
mod notifications;
mod oidc;
mod organisation;
mod products;
mod questions;
mod register;
mod session;
mod sources;

use crate::auth::Ctx;
use crate::error::AppError;
use crate::startup::AppState;
use crate::templates::Templates;
use axum::Router;
use axum::response::Html;
use koers_core::Permission;
use minijinja::{Value, context};
use serde::Serialize;

/// One of the seven product modules, as the navigation shows it.
#[derive(Serialize)]
pub struct Module {
    pub slug: &'static str,
    /// Translation key of the module's name; its description is `<key>.desc`.
    pub key: &'static str,
}

pub const MODULES: [Module; 7] = [
    Module {
        slug: "bronnen",
        key: "module.catalog",
    },
    Module {
        slug: "analyses",
        key: "module.analysis",
    },
    Module {
        slug: "informatieproducten",
        key: "module.products",
    },
    Module {
        slug: "datavragen",
        key: "module.questions",
    },
    Module {
        slug: "toepassingen",
        key: "module.register",
    },
    Module {
        slug: "volwassenheid",
        key: "module.maturity",
    },
    Module {
        slug: "leertrajecten",
        key: "module.learning",
    },
];

pub fn router() -> Router<AppState> {
    Router::new()
        .merge(session::router())
        .merge(oidc::router())
        .merge(home::router())
        .merge(notifications::router())
        .merge(organisation::router())
        .merge(admin::router())
        .merge(account::router())
        .merge(catalog::router())
        .merge(analysis::router())
        .merge(questions::router())
        .merge(register::router())
        .merge(products::router())
        .merge(dashboards::router())
        .merge(maturity::router())
        .merge(learning::router())
        .merge(sources::router())
}

/// The context that shows a form's own problem on its page: the message, and every invalid
/// field for the field-level messages.
pub fn form_problem(e: &AppError) -> Value {
    context! { error => e.detail(), field_errors => e.field_errors() }
}

/// After a form was sent: the page again, with `notice` when the change went through, or with
/// the form's problems (400) when its input was invalid; other errors as usual. `render`
/// draws the page with a status and extra context.
pub async fn after_form<T, F, Fut>(
    r: Result<T, AppError>,
    notice: &str,
    render: F,
) -> Result<axum::response::Response, AppError>
where
    F: FnOnce(axum::http::StatusCode, Value) -> Fut,
    Fut: std::future::Future<Output = Result<axum::response::Response, AppError>>,
{
    match r {
        Ok(_) => render(axum::http::StatusCode::OK, context! { notice => notice }).await,
        Err(e @ AppError::Invalid(_)) => {
            render(axum::http::StatusCode::BAD_REQUEST, form_problem(&e)).await
        }
        Err(e) => Err(e),
    }
}

/// Renders a page for a signed-in user: the shell (navigation, organisation switcher,
/// language switch) plus the page's own context.
pub async fn page(
    state: &AppState,
    ctx: &Ctx,
    name: &str,
    current: &str,
    extra: Value,
) -> Result<Html<String>, AppError> {
    let orgs = state.store.organisations_of(&ctx.user.id).await?;
    let unread = state
        .store
        .unread_notifications(&ctx.user.id, &ctx.org.id)
        .await?;
    let base = context! {
        unread => unread,
        lang => ctx.lang.code(),
        user => ctx.user,
        org => ctx.org,
        orgs => orgs,
        roles => ctx.roles.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        csrf => ctx.csrf(),
        can_manage => ctx.require(Permission::ManageMembers).is_ok(),
        can_audit => ctx.require(Permission::ReadAudit).is_ok(),
        modules => MODULES,
        current => current,
    };
    Templates::render(name, context! { ..extra, ..base }).map(Html)
}
