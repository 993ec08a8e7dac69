//! Saved analyses (module M2): SQL with named parameters. A parameter is written `{{name}}`
//! in the SQL and replaced by a typed SQL literal, never by raw text, so a value cannot
//! change the shape of the query.

use crate::error::{Collector, Invalid, text};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The type of a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamKind {
    Text,
    Integer,
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
}

impl ParamKind {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s {
            "text" => Ok(ParamKind::Text),
            "integer" => Ok(ParamKind::Integer),
            "number" => Ok(ParamKind::Number),
            "date" => Ok(ParamKind::Date),
            _ => Err(Invalid::one(
                "parameters",
                "enum",
                "parametertype moet text, integer, number of date zijn",
            )),
        }
    }
}

/// A declared parameter with its default value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Param {
    pub name: String,
    pub kind: ParamKind,
    pub default: String,
}

/// Whether `s` is a parameter name: a letter, then letters, digits and `_` (at most 40).
pub(crate) fn is_ident(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The parameter names used in `sql`, in order of first use.
pub fn placeholders(sql: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut rest = sql;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        if let Some(j) = rest.find("}}") {
            let name = rest[..j].trim().to_string();
            if !out.contains(&name) {
                out.push(name);
            }
            rest = &rest[j + 2..];
        } else {
            break;
        }
    }
    out
}

/// The SQL literal of `value` as a parameter of `kind`.
pub fn literal(name: &str, kind: ParamKind, value: &str) -> Result<String, Invalid> {
    let bad = |why: &str| Invalid::one(&format!("params.{name}"), "type", why);
    let v = value.trim();
    match kind {
        ParamKind::Text => {
            if value.chars().any(|c| c.is_control() && c != '\t') {
                return Err(bad("bevat ongeldige tekens"));
            }
            Ok(format!("'{}'", value.replace('\'', "''")))
        }
        ParamKind::Integer => v
            .parse::<i64>()
            .map(|n| n.to_string())
            .map_err(|_| bad("moet een geheel getal zijn")),
        ParamKind::Number => match v.parse::<f64>() {
            Ok(n) if n.is_finite() => Ok(format!("{n:?}")),
            _ => Err(bad("moet een getal zijn")),
        },
        ParamKind::Date => crate::dates::parse_date(&format!("params.{name}"), v)
            .map(|d| format!("DATE '{d}'"))
            .map_err(|_| bad("moet een datum zijn (JJJJ-MM-DD)")),
    }
}

/// Validates a saved analysis: a title, SQL, and parameters that are declared exactly
/// once, used in the SQL, and whose defaults fit their type.
pub fn parse_analysis(
    title: &str,
    sql: &str,
    params: &[Param],
) -> Result<(String, String), Invalid> {
    let mut c = Collector::default();
    let title = c.take(text("title", title, 200));
    let sql_t = sql.trim();
    if sql_t.is_empty() {
        c.take::<()>(Err(Invalid::one("sql", "required", "is verplicht")));
    } else if sql_t.len() > 100_000 {
        c.take::<()>(Err(Invalid::one("sql", "too_long", "is te lang")));
    }
    let used = placeholders(sql_t);
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
        c.take(literal(&p.name, p.kind, &p.default));
    }
    for u in &used {
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

/// The SQL with every `{{name}}` replaced by the literal of the given value (or the
/// parameter's default).
pub fn render(
    sql: &str,
    params: &[Param],
    values: &BTreeMap<String, String>,
) -> Result<String, Invalid> {
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
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(i) = rest.find("{{") {
        out.push_str(&rest[..i]);
        let after = &rest[i + 2..];
        let Some(j) = after.find("}}") else {
            out.push_str(&rest[i..]);
            rest = "";
            break;
        };
        let name = after[..j].trim();
        match params.iter().find(|p| p.name == name) {
            Some(p) => {
                let v = values.get(name).unwrap_or(&p.default);
                if let Some(lit) = c.take(literal(name, p.kind, v)) {
                    out.push_str(&lit);
                }
            }
            None => {
                c.take::<()>(Err(Invalid::one(
                    "sql",
                    "undeclared",
                    &format!("parameter {{{{{name}}}}} is niet gedeclareerd"),
                )));
            }
        }
        rest = &after[j + 2..];
    }
    out.push_str(rest);
    c.finish()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn p(name: &str, kind: ParamKind, default: &str) -> Param {
        Param {
            name: name.into(),
            kind,
            default: default.into(),
        }
    }

    #[test]
    fn renders_typed_literals() {
        let params = [
            p("jaar", ParamKind::Integer, "2024"),
            p("provincie", ParamKind::Text, "Utrecht"),
            p("vanaf", ParamKind::Date, "2024-01-01"),
        ];
        let sql = "SELECT * FROM t WHERE y = {{jaar}} AND p = {{ provincie }} AND d >= {{vanaf}}";
        let mut values = BTreeMap::new();
        values.insert("provincie".to_string(), "Noord-'t Gooi".to_string());
        assert_eq!(
            render(sql, &params, &values).unwrap(),
            "SELECT * FROM t WHERE y = 2024 AND p = 'Noord-''t Gooi' AND d >= DATE '2024-01-01'"
        );
    }

    #[test]
    fn refuses_bad_values_and_unknown_names() {
        let params = [p("jaar", ParamKind::Integer, "2024")];
        let mut values = BTreeMap::new();
        values.insert("jaar".to_string(), "2024; DROP TABLE x".to_string());
        values.insert("other".to_string(), "1".to_string());
        let e = render("SELECT {{jaar}}", &params, &values).unwrap_err();
        assert_eq!(e.0.len(), 2);
        assert!(render("SELECT {{nope}}", &params, &BTreeMap::new()).is_err());
        assert!(literal("d", ParamKind::Date, "2024-13-01").is_err());
        assert!(literal("n", ParamKind::Number, "NaN").is_err());
    }

    #[test]
    fn analyses_declare_what_they_use() {
        assert!(parse_analysis("T", "SELECT {{a}}", &[]).is_err());
        assert!(parse_analysis("T", "SELECT {{a}}", &[p("a", ParamKind::Integer, "x")]).is_err());
        assert!(
            parse_analysis(
                "T",
                "SELECT 1",
                &[
                    p("a", ParamKind::Integer, "1"),
                    p("a", ParamKind::Integer, "1")
                ]
            )
            .is_err()
        );
        assert!(parse_analysis("T", "SELECT {{a}}", &[p("a", ParamKind::Integer, "1")]).is_ok());
        assert_eq!(placeholders("{{a}} {{ b }} {{a}}"), ["a", "b"]);
    }

    proptest! {
        /// Whatever the text, its literal is exactly one SQL string: the quotes inside are
        /// doubled, so the literal cannot end early and let the value become SQL.
        #[test]
        fn text_literals_cannot_escape(s in "\\PC{0,60}") {
            if let Ok(lit) = literal("x", ParamKind::Text, &s) {
                prop_assert!(lit.starts_with('\'') && lit.ends_with('\''));
                let inner = &lit[1..lit.len() - 1];
                let mut chars = inner.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '\'' {
                        prop_assert_eq!(chars.next(), Some('\''));
                    }
                }
            }
        }
    }
}
