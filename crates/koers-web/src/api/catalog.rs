//! `/catalog` and `/public-catalog`: the catalog as DCAT-AP-NL RDF (JSON-LD by default,
//! Turtle with `Accept: text/turtle`).

use crate::auth::Ctx;
use crate::dcat::{CatalogInfo, RdfFormat, catalog_graph, entries};
use crate::error::AppError;
use crate::ogc::base_url;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use koers_core::Permission;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/catalog", get(organisation_catalog))
        .route("/public-catalog", get(public_catalog))
}

fn rdf_response(headers: &HeaderMap, graph: &crate::dcat::Graph) -> Response {
    let format = RdfFormat::from_accept(headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()));
    let mut resp = format.write(graph).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    resp
}

/// The organisation's catalog as DCAT-AP-NL: every dataset with its metadata, whatever its
/// access rights (which the catalog states).
#[utoipa::path(get, path = "/catalog", tag = "bronnen",
    responses((status = 200, description = "De catalogus (DCAT-AP-NL)",
        content((Object = "application/ld+json"), (String = "text/turtle")))))]
pub async fn organisation_catalog(
    State(state): State<AppState>,
    ctx: Ctx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    ctx.require(Permission::Read)?;
    let base = base_url(&state, &headers);
    let own = state.store.datasets(&ctx.org.id).await?;
    let list = entries(&state.store, own).await?;
    let title = format!("Catalogus van {}", ctx.org.name);
    let info = CatalogInfo {
        iri: format!("{base}/api/v1/catalog#{}", ctx.org.id),
        title: &title,
        description: "De bronnen van de organisatie in koers, met hun metadata (DCAT-AP-NL).",
        publisher_iri: format!("{base}/api/v1/organisations/{}", ctx.org.id),
        publisher_name: &ctx.org.name,
    };
    Ok(rdf_response(&headers, &catalog_graph(&base, &info, &list)))
}

/// The published datasets of every organisation on this koers, as DCAT-AP-NL; no sign-in
/// needed.
#[utoipa::path(get, path = "/public-catalog", tag = "bronnen", security(()),
    responses((status = 200, description = "De openbare catalogus (DCAT-AP-NL)",
        content((Object = "application/ld+json"), (String = "text/turtle")))))]
pub async fn public_catalog(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let base = base_url(&state, &headers);
    let public = state.store.public_datasets().await?;
    let list = entries(&state.store, public).await?;
    let info = CatalogInfo {
        iri: format!("{base}/api/v1/public-catalog"),
        title: "Openbare datasets op koers",
        description: "De datasets die organisaties op deze koers openbaar hebben gemaakt (toegangsrechten: publiek).",
        publisher_iri: format!("{base}/"),
        publisher_name: "koers",
    };
    Ok(rdf_response(&headers, &catalog_graph(&base, &info, &list)))
}

/// This module's operations in the OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(organisation_catalog, public_catalog,))]
pub struct Doc;
