//! Saved analyses (module M2): SQL with named parameters. A parameter is written `{{name}}`
//! in the SQL; its value is typed here ([`bind`]) and bound as a literal of that type into the
//! parsed statement by the engine (`koers_engine::params`), never spliced into the text, so a
//! value cannot change the shape of the query.

use crate::catalog::labels::Labels;
use crate::error::{Collector, Invalid, text};

pub mod builder;
use serde::{Deserialize, Serialize};

/// An SQL identifier in double quotes (a `"` inside doubled), for the names koers writes
/// into SQL itself: columns picked in the query builder, tile columns, OGC API filters.
pub fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}
use std::collections::BTreeMap;

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    Text,
    Integer,
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// `true` or `false`.
    Boolean,
}

impl ParamKind {
    pub const ALL: [ParamKind; 5] = [
        ParamKind::Text,
        ParamKind::Integer,
        ParamKind::Number,
        ParamKind::Date,
        ParamKind::Boolean,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ParamKind::Text => "text",
            ParamKind::Integer => "integer",
            ParamKind::Number => "number",
            ParamKind::Date => "date",
            ParamKind::Boolean => "boolean",
        }
    }

    pub fn parse(s: &str) -> Result<Self, Invalid> {
        ParamKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or_else(|| {
                Invalid::one(
                    "parameters",
                    "enum",
                    "parametertype moet text, integer, number, date of boolean zijn",
                )
            })
    }
}

/// A declared parameter with its default value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub default: String,
}

/// A parameter as the form that runs an analysis asks for it: by the title of the column it is
/// named after (`provincie` → "Provincie"), and where koers knows the values a text
/// parameter takes (a code list, the provinces, the municipalities) as a choice of words
/// instead of a code to type.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ParamField {
    pub name: String,
    pub kind: ParamKind,
    pub default: String,
    pub label: String,
    /// (value, words) to choose from; empty: the value is typed.
    pub choices: Vec<(String, String)>,
}

/// The run form's fields of `params`, read by `labels`.
pub fn param_fields(params: &[Param], labels: &Labels) -> Vec<ParamField> {
    params
        .iter()
        .map(|p| ParamField {
            name: p.name.clone(),
            kind: p.kind,
            default: p.default.clone(),
            label: labels.titled(&p.name).unwrap_or_else(|| words(&p.name)),
            choices: if p.kind == ParamKind::Text {
                labels.choices(&p.name)
            } else {
                Vec::new()
            },
        })
        .collect()
}

/// A name read as words: `gemeente_code` → "Gemeente code".
fn words(name: &str) -> String {
    let spaced = name.replace('_', " ");
    let mut chars = spaced.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => spaced,
    }
}

/// A parameter's value with its type, as it is bound into the query (in JSON: a string for
/// text and dates, a number, or a boolean).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum ParamValue {
    Text(String),
    Integer(i64),
    Number(f64),
    Date(chrono::NaiveDate),
    Boolean(bool),
}

/// Whether `s` is a parameter name: a letter, then letters, digits and `_` (at most 40).
pub fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The value of `raw` as a parameter of `kind`, or why it is not one.
pub fn value(name: &str, kind: ParamKind, raw: &str) -> Result<ParamValue, Invalid> {
    let bad = |why: &str| Invalid::one(&format!("params.{name}"), "type", why);
    let v = raw.trim();
    match kind {
        ParamKind::Text => {
            if raw.chars().any(|c| c.is_control() && c != '\t') {
                return Err(bad("bevat ongeldige tekens"));
            }
            Ok(ParamValue::Text(raw.to_string()))
        }
        ParamKind::Integer => v
            .parse::<i64>()
            .map(ParamValue::Integer)
            .map_err(|_| bad("moet een geheel getal zijn")),
        ParamKind::Number => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(ParamValue::Number(n)),
            _ => Err(bad("moet een getal zijn")),
        },
        ParamKind::Date => crate::dates::parse_date(&format!("params.{name}"), v)
            .ok()
            .and_then(|d| chrono::NaiveDate::parse_from_str(&d, "%Y-%m-%d").ok())
            .map(ParamValue::Date)
            .ok_or_else(|| bad("moet een datum zijn (JJJJ-MM-DD)")),
        ParamKind::Boolean => match v {
            "true" => Ok(ParamValue::Boolean(true)),
            "false" => Ok(ParamValue::Boolean(false)),
            _ => Err(bad("moet true of false zijn")),
        },
    }
}

/// Validates a saved analysis: a title, SQL, and parameters that are declared exactly
/// once, used in the SQL, and whose defaults fit their type. `used` are the parameter names
/// the SQL uses (`koers_engine::params::names` reads them with the SQL tokenizer).
pub fn parse_analysis(
    title: &str,
    sql: &str,
    params: &[Param],
    used: &[String],
) -> Result<(String, String), Invalid> {
    let mut c = Collector::default();
    let title = c.take(text("title", title, 200));
    let sql_t = sql.trim();
    if sql_t.is_empty() {
        c.take::<()>(Err(Invalid::one("sql", "required", "is verplicht")));
    } else if sql_t.len() > 100_000 {
        c.take::<()>(Err(Invalid::one("sql", "too_long", "is te lang")));
    }
    for (i, p) in params.iter().enumerate() {
        if !is_ident(&p.name) {
            c.take::<()>(Err(Invalid::one(
                "parameters",
                "pattern",
                &format!("parameternaam {:?} is ongeldig", p.name),
            )));
        }
        if params[..i].iter().any(|q| q.name == p.name) {
            c.take::<()>(Err(Invalid::one(
                "parameters",
                "duplicate",
                &format!("parameter {} staat er twee keer", p.name),
            )));
        }
        c.take(value(&p.name, p.kind, &p.default));
    }
    for u in used {
        if !params.iter().any(|p| &p.name == u) {
            c.take::<()>(Err(Invalid::one(
                "sql",
                "undeclared",
                &format!("parameter {{{{{u}}}}} is niet gedeclareerd"),
            )));
        }
    }
    c.finish()?;
    Ok((title.unwrap_or_default(), sql_t.to_string()))
}

/// The typed value of every declared parameter: the given one, else the parameter's
/// default. Values for parameters that are not declared are refused.
pub fn bind(
    params: &[Param],
    values: &BTreeMap<String, String>,
) -> Result<BTreeMap<String, ParamValue>, Invalid> {
    let mut c = Collector::default();
    for k in values.keys() {
        if !params.iter().any(|p| &p.name == k) {
            c.take::<()>(Err(Invalid::one(
                &format!("params.{k}"),
                "unknown",
                "onbekende parameter",
            )));
        }
    }
    let mut out = BTreeMap::new();
    for p in params {
        let raw = values.get(&p.name).unwrap_or(&p.default);
        if let Some(v) = c.take(value(&p.name, p.kind, raw)) {
            out.insert(p.name.clone(), v);
        }
    }
    c.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_text_parameter_named_after_a_known_column_is_a_choice_of_words() {
        let mut cols = BTreeMap::new();
        cols.insert(
            "jaar".to_string(),
            crate::catalog::labels::parse_column_labels("Jaar", "", "").unwrap(),
        );
        let labels = Labels::new([&cols]);
        let fields = param_fields(
            &[
                p("jaar", ParamKind::Integer, "0"),
                p("provincie", ParamKind::Text, ""),
                p("zoek", ParamKind::Text, ""),
            ],
            &labels,
        );
        assert_eq!(fields[0].label, "Jaar");
        assert!(fields[0].choices.is_empty(), "a number is typed");
        assert_eq!(fields[1].label, "Provincie", "no title: its name as a word");
        assert_eq!(words("gemeente_code"), "Gemeente code");
        assert_eq!(fields[1].choices.len(), 12);
        assert!(fields[2].choices.is_empty());
    }

    fn p(name: &str, kind: ParamKind, default: &str) -> Param {
        Param {
            name: name.into(),
            kind,
            default: default.into(),
        }
    }

    #[test]
    fn binds_typed_values() {
        let params = [
            p("jaar", ParamKind::Integer, "2024"),
            p("provincie", ParamKind::Text, "Utrecht"),
            p("vanaf", ParamKind::Date, "2024-01-01"),
            p("factor", ParamKind::Number, "1.5"),
            p("actief", ParamKind::Boolean, "true"),
        ];
        let mut values = BTreeMap::new();
        values.insert("provincie".to_string(), "Noord-'t Gooi */ --".to_string());
        values.insert("jaar".to_string(), " -1 ".to_string());
        values.insert("actief".to_string(), "false".to_string());
        let bound = bind(&params, &values).unwrap();
        assert_eq!(bound["jaar"], ParamValue::Integer(-1));
        assert_eq!(
            bound["provincie"],
            ParamValue::Text("Noord-'t Gooi */ --".into())
        );
        assert_eq!(
            bound["vanaf"],
            ParamValue::Date(chrono::NaiveDate::from_ymd_opt(2024, 1, 1).unwrap())
        );
        assert_eq!(bound["factor"], ParamValue::Number(1.5));
        assert_eq!(bound["actief"], ParamValue::Boolean(false));
        assert_eq!(
            serde_json::to_value(&bound).unwrap(),
            serde_json::json!({"jaar": -1, "provincie": "Noord-'t Gooi */ --", "vanaf": "2024-01-01", "factor": 1.5, "actief": false})
        );
    }

    #[test]
    fn refuses_bad_values_and_unknown_names() {
        let params = [p("jaar", ParamKind::Integer, "2024")];
        let mut values = BTreeMap::new();
        values.insert("jaar".to_string(), "2024; DROP TABLE x".to_string());
        values.insert("other".to_string(), "1".to_string());
        let e = bind(&params, &values).unwrap_err();
        assert_eq!(e.0.len(), 2);
        for (kind, raw) in [
            (ParamKind::Date, "2024-13-01"),
            (ParamKind::Date, "2024-02-30"),
            (ParamKind::Number, "NaN"),
            (ParamKind::Number, "inf"),
            (ParamKind::Integer, "1.5"),
            (ParamKind::Integer, "99999999999999999999"),
            (ParamKind::Boolean, "ja"),
            (ParamKind::Text, "a\u{0}b"),
        ] {
            let e = value("x", kind, raw).unwrap_err();
            assert_eq!(e.0[0].name, "params.x", "{kind:?} {raw:?}");
        }
    }

    #[test]
    fn analyses_declare_what_they_use() {
        let used = ["a".to_string()];
        let int = |name, default| p(name, ParamKind::Integer, default);
        let cases = [
            // Used but not declared.
            ("SELECT {{a}}", vec![], &used[..], false),
            // Declared with a default that is no integer.
            ("SELECT {{a}}", vec![int("a", "x")], &used[..], false),
            // Declared twice.
            (
                "SELECT 1",
                vec![int("a", "1"), int("a", "1")],
                &[][..],
                false,
            ),
            ("SELECT {{a}}", vec![int("a", "1")], &used[..], true),
        ];
        for (sql, params, used, ok) in cases {
            assert_eq!(parse_analysis("T", sql, &params, used).is_ok(), ok, "{sql}");
        }
        assert!(ParamKind::parse("boolean").is_ok());
        assert!(ParamKind::parse("bool").is_err());
    }
}
