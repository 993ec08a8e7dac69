//! One error type for every handler, and what it says: the status, the detail and the
//! fields, which `error_page` gives their two faces (`application/problem+json`, RFC 9457,
//! for the API; a readable Dutch or English page for people).

use crate::schema;
use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use koers_core::{FieldError, Invalid};
use serde::Serialize;

/// What a handler answers: a response (a page, a redirect, a download, JSON with a status
/// of its own), or the error that becomes one.
pub type Reply = Result<Response, AppError>;

/// What an API handler answers with a body of type `T` (200), or the error.
pub type JsonReply<T> = Result<Json<T>, AppError>;

/// What went wrong while handling a request.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("Niet gevonden")]
    NotFound,
    #[error("U moet ingelogd zijn")]
    Unauthorized,
    #[error("{}", koers_app::accounts::BAD_CREDENTIALS)]
    BadCredentials,
    #[error("Het API-token is onbekend, verlopen of ingetrokken")]
    InvalidToken,
    #[error("Dit API-token mag alleen lezen")]
    ReadOnlyToken,
    #[error(
        "Dit kan alleen na inloggen (met wachtwoord of via uw organisatie), niet met een API-token"
    )]
    SessionRequired,
    #[error("U heeft geen recht op deze handeling")]
    Forbidden,
    #[error("Het CSRF-token ontbreekt of klopt niet")]
    Csrf,
    #[error("{0}")]
    BadRequest(String),
    #[error("{0}")]
    Invalid(Invalid),
    #[error("{0}")]
    Conflict(String),
    #[error("Te veel pogingen; probeer het over {0} seconden opnieuw")]
    TooManyRequests(u64),
    #[error("Het verzoek is te groot")]
    PayloadTooLarge,
    #[error("Verwacht Content-Type {0}")]
    UnsupportedMediaType(&'static str),
    /// Understood, but it cannot be done: a query over its time or memory limit.
    #[error("{0}")]
    Unprocessable(String),
    /// Too many queries run or wait already; the number is the seconds to wait.
    #[error("{}", koers_app::busy_message(*.0))]
    Busy(u64),
    #[error("interne fout: {0}")]
    Internal(String),
}

impl AppError {
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::Unauthorized | AppError::BadCredentials | AppError::InvalidToken => {
                StatusCode::UNAUTHORIZED
            }
            AppError::Forbidden
            | AppError::Csrf
            | AppError::ReadOnlyToken
            | AppError::SessionRequired => StatusCode::FORBIDDEN,
            AppError::BadRequest(_) | AppError::Invalid(_) => StatusCode::BAD_REQUEST,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::TooManyRequests(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            AppError::UnsupportedMediaType(_) => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            AppError::Unprocessable(_) => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Busy(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// Sets `Retry-After` on `resp` when this error says when to try again (a rate limit, a
    /// busy server).
    pub fn set_retry_after(&self, resp: &mut Response) {
        if let AppError::TooManyRequests(secs) | AppError::Busy(secs) = self {
            resp.headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from(*secs));
        }
    }

    /// The message shown to the user; internal details stay in the log.
    pub fn detail(&self) -> String {
        match self {
            AppError::Internal(_) => koers_app::INTERNAL.into(),
            AppError::Invalid(i) => i.summary(),
            other => other.to_string(),
        }
    }

    pub fn field_errors(&self) -> &[FieldError] {
        match self {
            AppError::Invalid(i) => &i.0,
            _ => &[],
        }
    }

    fn log(&self) {
        if let AppError::Internal(e) = self {
            tracing::error!(error = %e, "request failed");
        }
    }
}

impl From<crate::templates::TemplateError> for AppError {
    fn from(e: crate::templates::TemplateError) -> Self {
        AppError::Internal(e.0)
    }
}

impl From<koers_app::Error> for AppError {
    fn from(e: koers_app::Error) -> Self {
        use koers_engine::EngineError as E;
        match e {
            koers_app::Error::Invalid(i) => AppError::Invalid(i),
            koers_app::Error::NotFound => AppError::NotFound,
            koers_app::Error::Forbidden => AppError::Forbidden,
            koers_app::Error::Unauthenticated => AppError::Unauthorized,
            koers_app::Error::BadCredentials => AppError::BadCredentials,
            koers_app::Error::TooManyAttempts { retry_after } => {
                AppError::TooManyRequests(retry_after.as_secs().max(1))
            }
            koers_app::Error::SessionRequired => AppError::SessionRequired,
            koers_app::Error::Conflict(m) => AppError::Conflict(m),
            koers_app::Error::Rejected(m) => AppError::BadRequest(m),
            koers_app::Error::Unprocessable(m) => AppError::Unprocessable(m),
            koers_app::Error::Internal(m) => AppError::Internal(m),
            koers_app::Error::Fetch(m) => AppError::BadRequest(m),
            koers_app::Error::Data(d) => match d {
                E::Timeout(_) | E::Cancelled | E::ResourcesExhausted(_) => {
                    AppError::Unprocessable(d.to_string())
                }
                E::Io(_) => AppError::Internal(d.to_string()),
                other => AppError::BadRequest(other.to_string()),
            },
            koers_app::Error::Store(s) => AppError::Internal(s.to_string()),
            koers_app::Error::Io(io) => AppError::Internal(io.to_string()),
            koers_app::Error::ObjectStorage(m) => AppError::Internal(m),
            koers_app::Error::Busy { retry_after } => AppError::Busy(retry_after.as_secs().max(1)),
        }
    }
}

impl From<Invalid> for AppError {
    fn from(e: Invalid) -> Self {
        AppError::Invalid(e)
    }
}

/// The body of an `application/problem+json` response.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Problem {
    /// A URI reference that identifies the problem type.
    #[serde(rename = "type")]
    pub kind: String,
    /// A short, human-readable summary of the problem type.
    pub title: String,
    /// The HTTP status code.
    pub status: u16,
    /// A human-readable explanation of this occurrence.
    pub detail: String,
    /// Every invalid input field, when the problem is invalid input.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<schema::FieldError>)]
    pub invalid_params: Vec<FieldError>,
}

/// Builds the problem+json response for a status and detail.
pub fn problem_response(status: StatusCode, detail: String, fields: Vec<FieldError>) -> Response {
    let title = status.canonical_reason().unwrap_or("Error").to_string();
    let body = Problem {
        kind: format!("https://koers.example/problems/{}", status.as_u16()),
        title,
        status: status.as_u16(),
        detail,
        invalid_params: fields,
    };
    let mut resp = (status, axum::Json(body)).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/problem+json"),
    );
    resp
}

/// What a handler said about its error, for [`finish_errors`] to render.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    pub detail: String,
    pub fields: Vec<FieldError>,
}

impl IntoResponse for AppError {
    /// An error leaves the handler as its status and an [`ErrorInfo`]; [`finish_errors`]
    /// turns it into problem+json or a page, depending on who asked.
    fn into_response(self) -> Response {
        self.log();
        let mut resp = self.status().into_response();
        resp.extensions_mut().insert(ErrorInfo {
            detail: self.detail(),
            fields: self.field_errors().to_vec(),
        });
        self.set_retry_after(&mut resp);
        // RFC 6750: the client learns its bearer token is the problem.
        if let AppError::InvalidToken = self {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer error=\"invalid_token\""),
            );
        }
        resp
    }
}
