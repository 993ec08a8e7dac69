//! Reading request bodies so that every problem is reported at once: syntax errors,
//! wrong types and domain rules alike. JSON bodies (the API) and HTML forms (the pages)
//! end up as the same map of fields, read by the same code.

use crate::error::AppError;
use axum::http::HeaderMap;
use koers_core::{FieldError, Invalid};
use serde_json::{Map, Value};

/// The fields of one request body.
pub struct Input {
    fields: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Input {
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
            AppError::BadRequest(format!(
                "Ongeldige JSON op regel {}, kolom {}: {}",
                e.line(),
                e.column(),
                e
            ))
        })?;
        match value {
            Value::Object(fields) => Ok(Input {
                fields,
                errors: Vec::new(),
            }),
            _ => Err(AppError::BadRequest(
                "De body moet een JSON-object zijn".into(),
            )),
        }
    }

    /// Parses an `application/x-www-form-urlencoded` body; repeated keys become lists.
    pub fn form(body: &[u8]) -> Result<Input, AppError> {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_bytes(body)
            .map_err(|e| AppError::BadRequest(format!("Ongeldig formulier: {e}")))?;
        let mut fields = Map::new();
        for (k, v) in pairs {
            match fields.get_mut(&k) {
                Some(Value::Array(a)) => a.push(Value::String(v)),
                Some(existing) => {
                    let first = existing.take();
                    *existing = Value::Array(vec![first, Value::String(v)]);
                }
                None => {
                    fields.insert(k, Value::String(v));
                }
            }
        }
        Ok(Input {
            fields,
            errors: Vec::new(),
        })
    }

    fn type_error(&mut self, name: &str, expected: &str) {
        self.errors.push(FieldError {
            name: name.into(),
            code: "type".into(),
            reason: format!("moet {expected} zijn"),
        });
    }

    /// A text field; missing or null reads as empty (the domain rules decide if that is allowed).
    pub fn text(&mut self, name: &str) -> String {
        match self.fields.get(name) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(s)) => s.clone(),
            Some(_) => {
                self.type_error(name, "tekst");
                String::new()
            }
        }
    }

    /// A list of texts; a single text counts as a list of one.
    pub fn texts(&mut self, name: &str) -> Vec<String> {
        match self.fields.get(name) {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::String(s)) => vec![s.clone()],
            Some(Value::Array(items)) if items.iter().all(Value::is_string) => items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect(),
            Some(_) => {
                self.type_error(name, "een lijst van teksten");
                Vec::new()
            }
        }
    }

    /// A yes/no field: JSON booleans, or form values `on`/`true`/`1`.
    pub fn flag(&mut self, name: &str) -> bool {
        match self.fields.get(name) {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(Value::String(s)) => matches!(s.as_str(), "on" | "true" | "1"),
            Some(_) => {
                self.type_error(name, "waar of onwaar");
                false
            }
        }
    }

    /// A structured field read as `T` (absent or null: `None`); a value of the wrong shape
    /// is a problem of that field, with serde's words for where.
    pub fn structured<T: serde::de::DeserializeOwned>(&mut self, name: &str) -> Option<T> {
        match self.fields.get(name) {
            None | Some(Value::Null) => None,
            Some(v) => match serde_json::from_value(v.clone()) {
                Ok(t) => Some(t),
                Err(e) => {
                    self.errors.push(FieldError {
                        name: name.into(),
                        code: "type".into(),
                        reason: format!("heeft niet de verwachte vorm: {e}"),
                    });
                    None
                }
            },
        }
    }

    /// The fields as a template value, to fill a form in again after an error.
    pub fn into_value(self) -> minijinja::Value {
        minijinja::Value::from_serialize(&self.fields)
    }

    /// Ends reading: the domain result, with every type problem found on the way added.
    pub fn finish<T>(self, parsed: Result<T, Invalid>) -> Result<T, AppError> {
        let mut errors = self.errors;
        match parsed {
            Ok(v) if errors.is_empty() => Ok(v),
            Ok(_) => Err(AppError::Invalid(Invalid(errors))),
            Err(Invalid(mut more)) => {
                // A field with a type problem already says what is wrong with it.
                more.retain(|m| !errors.iter().any(|e| e.name == m.name));
                errors.append(&mut more);
                Err(AppError::Invalid(Invalid(errors)))
            }
        }
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
        let e = Input::json(&json_headers(), b"{\"a\": ").err().unwrap();
        assert!(e.to_string().contains("regel 1"), "{e}");
        assert!(matches!(
            Input::json(&json_headers(), b"[1]").err().unwrap(),
            AppError::BadRequest(_)
        ));
        assert!(matches!(
            Input::json(&HeaderMap::new(), b"{}").err().unwrap(),
            AppError::UnsupportedMediaType(_)
        ));
    }

    #[test]
    fn type_and_domain_problems_are_listed_together() {
        let mut i = Input::json(&json_headers(), br#"{"name": 5, "kind": "castle"}"#).unwrap();
        let name = i.text("name");
        let kind = i.text("kind");
        let r = koers_core::OrganisationDraft::parse(&name, &kind, "", "");
        let AppError::Invalid(Invalid(errs)) = i.finish(r).unwrap_err() else {
            panic!("expected invalid");
        };
        let names: Vec<_> = errs
            .iter()
            .map(|e| (e.name.as_str(), e.code.as_str()))
            .collect();
        assert_eq!(names, [("name", "type"), ("kind", "enum")]);
    }

    #[test]
    fn forms_repeat_keys_into_lists() {
        let mut i = Input::form(b"roles=viewer&roles=analyst&name=A%20B&ok=on").unwrap();
        assert_eq!(i.texts("roles"), ["viewer", "analyst"]);
        assert_eq!(i.text("name"), "A B");
        assert!(i.flag("ok"));
        assert!(i.finish(Ok(())).is_ok());
    }
}
