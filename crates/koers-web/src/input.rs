//! Reading request bodies into use-case input ([`koers_app::Input`]): a JSON object (the
//! API) or an HTML form (the pages) end up as the same map of fields, so that the use case
//! reports syntax, type and domain problems alike. [`JsonInput`] and [`FormInput`] are the
//! extractors handlers take.

use crate::error::AppError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::HeaderMap;
pub use koers_app::Input;
use serde_json::Value;

/// Parses a JSON object body; the content type must be JSON.
pub fn json(headers: &HeaderMap, body: &[u8]) -> Result<Input, AppError> {
    let ct = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    let essence = ct.split(';').next().unwrap_or("").trim();
    if essence != "application/json" && !essence.ends_with("+json") {
        return Err(AppError::UnsupportedMediaType("application/json"));
    }
    let value: Value = serde_json::from_slice(body).map_err(|e| {
        AppError::BadRequest(format!("Ongeldige JSON: {}", koers_core::json::problem(&e)))
    })?;
    match value {
        Value::Object(fields) => Ok(Input::from_object(fields)),
        _ => Err(AppError::BadRequest(
            "De body moet een JSON-object zijn".into(),
        )),
    }
}

/// Parses an `application/x-www-form-urlencoded` body; repeated keys become lists.
pub fn form(body: &[u8]) -> Result<Input, AppError> {
    let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
        .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
    Ok(Input::from_pairs(pairs))
}

/// The fields as a template value, to fill a form in again after an error.
pub fn form_value(input: &Input) -> minijinja::Value {
    minijinja::Value::from_serialize(input.fields())
}

/// A JSON object body as use-case input (the API): `JsonInput(input): JsonInput`.
pub struct JsonInput(pub Input);

/// A form body as use-case input (the pages), with the fields kept to fill the form in
/// again after an error: `FormInput(input): FormInput`.
pub struct FormInput(pub Input);

impl FormInput {
    /// The fields as sent, for the form when it is shown again.
    pub fn value(&self) -> minijinja::Value {
        form_value(&self.0)
    }
}

impl<S: Send + Sync> FromRequest<S> for JsonInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let headers = req.headers().clone();
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        json(&headers, &body).map(JsonInput)
    }
}

impl<S: Send + Sync> FromRequest<S> for FormInput {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, AppError> {
        let body = Bytes::from_request(req, state)
            .await
            .map_err(|_| AppError::PayloadTooLarge)?;
        form(&body).map(FormInput)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::{HeaderValue, header};

    fn json_headers() -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        );
        h
    }

    #[test]
    fn malformed_json_says_where() {
        let e = json(&json_headers(), b"{\"a\": ").err().unwrap();
        assert!(e.to_string().contains("regel 1"), "{e}");
        assert!(matches!(
            json(&json_headers(), b"[1]").err().unwrap(),
            AppError::BadRequest(_)
        ));
        assert!(matches!(
            json(&HeaderMap::new(), b"{}").err().unwrap(),
            AppError::UnsupportedMediaType(_)
        ));
    }

    #[test]
    fn forms_read_as_input() {
        let mut i = form(b"roles=viewer&roles=analyst&name=A%20B").unwrap();
        assert_eq!(i.texts("roles"), ["viewer", "analyst"]);
        assert_eq!(i.text("name"), "A B");
    }
}
