//! The JSON API under `/api/v1`, following the NL API Design Rules: an OpenAPI 3 document
//! generated from the code, `application/problem+json` errors, and an `API-Version` header
//! on every response. Each module's `api.rs` holds its handlers and lists them in its `Doc`;
//! this module holds what every operation shares.

use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::http::{HeaderValue, header::HeaderName};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Value, json};
use utoipa::OpenApi;

/// Each domain value of a list (owned or borrowed) as its API type.
pub fn outs<I: IntoIterator, O: From<I::Item>>(v: I) -> Vec<O> {
    v.into_iter().map(O::from).collect()
}

/// `201 Created` with `body` as JSON: what a POST that makes something answers.
pub fn created<T: Serialize>(body: T) -> Response {
    (StatusCode::CREATED, Json(body)).into_response()
}

/// The full version of the API, sent in the `API-Version` header.
pub const API_VERSION: &str = "1.0.0";

/// Adds `API-Version` to every response under `/api/`, errors included.
pub async fn version_header(req: Request, next: Next) -> Response {
    let is_api = req.uri().path().starts_with("/api/");
    let mut resp = next.run(req).await;
    if is_api {
        resp.headers_mut().insert(
            HeaderName::from_static("api-version"),
            HeaderValue::from_static(API_VERSION),
        );
    }
    resp
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "koers API",
        description = "De API van koers: organisaties, leden en rollen, en het auditlogboek. Fouten volgen RFC 9457 (application/problem+json).",
        contact(name = "koers", email = "koers@example.org", url = "https://koers.example.org"),
        license(name = "EUPL-1.2", identifier = "EUPL-1.2"),
    ),
    servers((url = "/api/v1", description = "Deze koers-installatie")),
    components(schemas(crate::error::Problem, crate::schema::FieldError)),
    tags(
        (name = "sessies", description = "Inloggen en uitloggen"),
        (name = "organisaties", description = "Organisaties, leden en rollen"),
        (name = "bronnen", description = "De catalogus: bronnen, versies, metadata (DCAT-AP-NL) en imports"),
        (name = "datavragen", description = "Opgaven, datavragen en de beleidscyclus"),
        (name = "analyses", description = "SQL over de bronnen, opgeslagen analyses met parameters, exports"),
        (name = "gasten", description = "Gasten van buiten de organisatie: uitnodigen voor één datavraag, intrekken, de uitnodiging aannemen, en wat met een gast gedeeld is"),
        (name = "toepassingen", description = "Register van toepassingen en algoritmen, keuzes volgens het keuzekader, bestuursagenda, AI-verordening, pre-scan, Algoritmeregister"),
        (name = "overzicht", description = "Wat de ingelogde persoon nu te doen heeft: stappen op datavragen, keuzes om te adviseren of te besluiten, rode indicatoren, open meetrondes en live sessies"),
        (name = "meldingen", description = "Meldingen aan de ingelogde persoon: rollen, stappen, reacties en bijlagen op datavragen, drempels van indicatoren"),
        (name = "volwassenheid", description = "Volwassenheidsmeting: kader, rondes, deelnemers, uitnodigingen, codering van documenten en interviews, scores met onderbouwing, benchmark en rapport"),
        (name = "informatieproducten", description = "Indicatoren op analyses (maat, tijdsgranulariteit, regio, doel, drempels, richting) en monitoren die ze volgen"),
        (name = "leertrajecten", description = "Leergangen met modules langs een leiderschapsmodel, live sessies, cohorten in groepen met een maximale omvang en wachtlijst, aanwezigheid, voortgang, maakprojecten en certificaten"),
    )
)]
struct ApiDoc;

/// The OpenAPI document of `parts` (every module's operations), completed with what the design rules ask of every operation:
/// the `API-Version` header on every success, and problem+json error responses.
pub fn openapi(parts: Vec<utoipa::openapi::OpenApi>) -> Value {
    let mut api = ApiDoc::openapi();
    for part in parts {
        api.merge(part);
    }
    let mut doc = serde_json::to_value(api).unwrap_or_else(|_| json!({}));
    complete(&mut doc);
    declare_security(&mut doc);
    doc
}

/// The two ways to call the API: the session cookie of a sign-in (with `X-CSRF-Token` on
/// every change), or a personal API token as bearer token (no CSRF token).
fn declare_security(doc: &mut Value) {
    doc["components"]["securitySchemes"] = json!({
        "sessie": {
            "type": "apiKey",
            "in": "cookie",
            "name": crate::auth::SESSION_COOKIE,
            "description": "De sessie na POST /sessions; elke wijziging stuurt ook X-CSRF-Token (csrfToken uit de sessie)."
        },
        "apiToken": {
            "type": "http",
            "scheme": "bearer",
            "description": "Een persoonlijk API-token (Mijn account, of POST /tokens met een sessie): Authorization: Bearer koers_…. Geen CSRF-token nodig. Een token met scope read mag alleen lezen (GET)."
        }
    });
    doc["security"] = json!([{ "sessie": [] }, { "apiToken": [] }]);
}

fn error_response(description: &str) -> Value {
    json!({
        "description": description,
        "headers": { "API-Version": version_header_doc() },
        "content": { "application/problem+json": { "schema": { "$ref": "#/components/schemas/Problem" } } }
    })
}

fn version_header_doc() -> Value {
    json!({ "description": "De volledige versie van de API.", "schema": { "type": "string", "example": API_VERSION } })
}

fn complete(doc: &mut Value) {
    let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) else {
        return;
    };
    for (path, item) in paths.iter_mut() {
        let has_path_params = path.contains('{');
        let Some(ops) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in ops.iter_mut() {
            let has_body = matches!(method.as_str(), "post" | "put" | "patch");
            let has_params = op
                .get("parameters")
                .and_then(Value::as_array)
                .is_some_and(|p| !p.is_empty());
            let is_login = path == "/sessions" && method == "post";
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            for (code, resp) in responses.iter_mut() {
                if (code.starts_with('2') || code.starts_with('3'))
                    && let Some(r) = resp.as_object_mut()
                {
                    let headers = r.entry("headers").or_insert_with(|| json!({}));
                    headers["API-Version"] = version_header_doc();
                }
            }
            let mut add = |code: &str, d: &str| {
                responses
                    .entry(code.to_string())
                    .or_insert_with(|| error_response(d));
            };
            if has_body || has_params {
                add("400", "Ongeldige invoer; invalidParams noemt elk veld");
            }
            add(
                "401",
                if is_login {
                    "E-mailadres of wachtwoord onjuist"
                } else {
                    "Niet ingelogd"
                },
            );
            if !is_login {
                add(
                    "403",
                    "Geen recht op deze handeling, of het CSRF-token ontbreekt",
                );
            }
            if has_path_params {
                add("404", "Niet gevonden (of van een andere organisatie)");
            }
            if has_body {
                add("413", "Het verzoek is te groot");
                add("415", "Verwacht application/json");
            }
            if is_login {
                add("429", "Te veel mislukte pogingen");
            }
            add("500", "Interne fout");
        }
    }
}
