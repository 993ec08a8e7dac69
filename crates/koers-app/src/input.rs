//! Plain input to a use case, read so that every problem is reported at once: wrong types
//! and domain rules alike. A JSON body (the API) and an HTML form (the pages) end up as the
//! same map of fields, read by the same use case; the web layer only parses the body.

use crate::{Error, Result};
use koers_core::{FieldError, Invalid};
use serde_json::{Map, Value};

/// The fields of one request, form or command.
#[derive(Debug, Clone, Default)]
pub struct Input {
    fields: Map<String, Value>,
    errors: Vec<FieldError>,
}

impl Input {
    /// The fields of a JSON object.
    pub fn from_object(fields: Map<String, Value>) -> Input {
        Input {
            fields,
            errors: Vec::new(),
        }
    }

    /// The fields of a form's key-value pairs; repeated keys become lists.
    pub fn from_pairs(pairs: Vec<(String, String)>) -> Input {
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
        Input::from_object(fields)
    }

    /// The fields as they were given, to fill a form in again after an error.
    pub fn fields(&self) -> &Map<String, Value> {
        &self.fields
    }

    /// The text fields named `prefix` and a key (a form's `type.<column>`), by key.
    pub fn texts_under<C: FromIterator<(String, String)>>(&self, prefix: &str) -> C {
        self.fields
            .iter()
            .filter_map(|(k, v)| {
                Some((k.strip_prefix(prefix)?.to_string(), v.as_str()?.to_string()))
            })
            .collect()
    }

    fn type_error(&mut self, name: &str, expected: &str) {
        self.errors.push(FieldError::new(
            name,
            "type",
            format!("moet {expected} zijn"),
        ));
    }

    /// Sets a field as text, as if it had been given (a use case filling in what was left
    /// out).
    pub fn set(&mut self, name: &str, value: String) {
        self.fields.insert(name.to_string(), Value::String(value));
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

    /// A whole number as text: a JSON integer, or the text a form sends (the domain rules
    /// parse and bound it); missing or null reads as empty.
    pub fn whole(&mut self, name: &str) -> String {
        match self.fields.get(name) {
            Some(Value::Number(n)) if n.is_i64() => n.to_string(),
            Some(Value::Number(_)) => {
                self.type_error(name, "een geheel getal");
                String::new()
            }
            _ => self.text(name),
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
                    self.errors.push(FieldError::new(
                        name,
                        "type",
                        format!("heeft niet de verwachte vorm: {e}"),
                    ));
                    None
                }
            },
        }
    }

    /// Ends reading: the domain result, with every type problem found on the way added.
    pub fn finish<T>(self, parsed: std::result::Result<T, Invalid>) -> Result<T> {
        let mut errors = self.errors;
        match parsed {
            Ok(v) if errors.is_empty() => Ok(v),
            Ok(_) => Err(Error::Invalid(Invalid(errors))),
            Err(Invalid(mut more)) => {
                // A field with a type problem already says what is wrong with it.
                more.retain(|m| !errors.iter().any(|e| e.name == m.name));
                errors.append(&mut more);
                Err(Error::Invalid(Invalid(errors)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_and_domain_problems_are_listed_together() {
        let Value::Object(fields) = serde_json::json!({"name": 5, "kind": "castle"}) else {
            unreachable!()
        };
        let mut i = Input::from_object(fields);
        let name = i.text("name");
        let kind = i.text("kind");
        let r = koers_core::OrganisationDraft::parse(&name, &kind, "", "");
        let Error::Invalid(Invalid(errs)) = i.finish(r).unwrap_err() else {
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
        let pairs = [
            ("roles", "viewer"),
            ("roles", "analyst"),
            ("name", "A B"),
            ("ok", "on"),
        ]
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .to_vec();
        let mut i = Input::from_pairs(pairs);
        assert_eq!(i.texts("roles"), ["viewer", "analyst"]);
        assert_eq!(i.text("name"), "A B");
        assert!(i.flag("ok"));
        assert!(i.finish(Ok(())).is_ok());
    }
}
