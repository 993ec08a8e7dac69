//! Parameters of saved analyses: `{{name}}` in the SQL, bound as typed literals into the
//! parsed statement, never spliced into the text.
//!
//! The SQL is tokenized with the dialect DataFusion parses with. A `{{name}}` outside
//! strings, quoted names and comments becomes one placeholder token before parsing, so no
//! value can change how the text around it is read: `0-{{n}}` with n = -1 is `0 - (-1)`, not
//! `0--1` (a comment), and a value cannot close a `/* … */` comment or a string. After parsing,
//! each placeholder is replaced by a literal expression of the parameter's type.
//!
//! `{{name}}` inside a comment is not a parameter (commented-out SQL stays commented out);
//! inside a string literal or a quoted name it is an error, since it would not be filled in
//! there (write `'%' || {{name}} || '%'`). Placeholders of other forms (`$1`, `?`, `:name`) are
//! refused by the sandbox.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use datafusion::sql::sqlparser::ast::{
    DataType, Expr, Query, TypedString, Value, visit_expressions_mut,
};
use datafusion::sql::sqlparser::dialect::GenericDialect;
use datafusion::sql::sqlparser::tokenizer::{Span, Token, TokenWithSpan, Tokenizer};
pub use koers_core::analysis::ParamValue;
use koers_core::analysis::is_ident;

use crate::error::{EngineError, Result};

/// The typed values of a query's parameters, by name.
pub type Params = BTreeMap<String, ParamValue>;

/// A query to run: SQL text and the values of its `{{name}}` parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sql {
    pub text: String,
    pub params: Params,
}

impl Sql {
    pub fn new(text: impl Into<String>, params: Params) -> Self {
        Sql {
            text: text.into(),
            params,
        }
    }
}

impl From<&str> for Sql {
    fn from(text: &str) -> Self {
        Sql::new(text, Params::new())
    }
}

impl From<String> for Sql {
    fn from(text: String) -> Self {
        Sql::new(text, Params::new())
    }
}

impl From<&String> for Sql {
    fn from(text: &String) -> Self {
        Sql::new(text.as_str(), Params::new())
    }
}

/// What a parameter's placeholder token carries. The tokenizer makes placeholders only of
/// `$…`, `?…` and `:…`, so no text the user writes yields one that looks like this.
fn marker(name: &str) -> String {
    format!("{{{{{name}}}}}")
}

/// The parameter name a placeholder of [`marker`] carries.
fn marked(placeholder: &str) -> Option<&str> {
    placeholder.strip_prefix("{{")?.strip_suffix("}}")
}

/// The parameter at `tokens[i..]`, `{{` name `}}` (spaces allowed around the name), with the
/// index after it; `Ok(None)` when no `{{` starts there.
fn parameter_at(tokens: &[TokenWithSpan], i: usize) -> Result<Option<(String, usize)>> {
    let tok = |j: usize| tokens.get(j).map(|t| &t.token);
    if !(tok(i) == Some(&Token::LBrace) && tok(i + 1) == Some(&Token::LBrace)) {
        return Ok(None);
    }
    let skip = |mut j: usize| {
        while matches!(tok(j), Some(Token::Whitespace(_))) {
            j += 1;
        }
        j
    };
    let j = skip(i + 2);
    if let Some(Token::Word(w)) = tok(j)
        && w.quote_style.is_none()
        && is_ident(&w.value)
    {
        let k = skip(j + 1);
        if tok(k) == Some(&Token::RBrace) && tok(k + 1) == Some(&Token::RBrace) {
            return Ok(Some((w.value.clone(), k + 2)));
        }
    }
    let at = tokens[i].span.start;
    Err(EngineError::Syntax(format!(
        "`{{{{` op regel {}, kolom {} begint geen parameter: schrijf {{{{naam}}}}, een letter gevolgd door letters, cijfers of _",
        at.line, at.column
    )))
}

/// The name of a `{{name}}` written inside `text` (a string literal or a quoted name).
fn mentioned(text: &str) -> Option<&str> {
    let mut rest = text;
    while let Some(i) = rest.find("{{") {
        rest = &rest[i + 2..];
        if let Some(j) = rest.find("}}") {
            let name = rest[..j].trim();
            if is_ident(name) {
                return Some(name);
            }
        }
    }
    None
}

/// The tokens of `sql`, each `{{name}}` as one placeholder token, and the parameter names in
/// order of first use.
pub(crate) fn tokens(sql: &str) -> Result<(Vec<TokenWithSpan>, Vec<String>)> {
    let raw = Tokenizer::new(&GenericDialect {}, sql)
        .tokenize_with_location()
        .map_err(|e| EngineError::Syntax(crate::error::syntax_nl(&e.to_string())))?;
    let mut out = Vec::with_capacity(raw.len());
    let mut names: Vec<String> = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if let Some((name, next)) = parameter_at(&raw, i)? {
            let span = Span::new(raw[i].span.start, raw[next - 1].span.end);
            out.push(TokenWithSpan::new(Token::Placeholder(marker(&name)), span));
            if !names.contains(&name) {
                names.push(name);
            }
            i = next;
            continue;
        }
        let t = &raw[i];
        if !matches!(t.token, Token::Whitespace(_))
            && let Some(name) = mentioned(&t.token.to_string())
        {
            return Err(EngineError::Syntax(format!(
                "parameter {{{{{name}}}}} op regel {}, kolom {} staat tussen aanhalingstekens, waar hij niet wordt ingevuld; zet hem erbuiten, bijvoorbeeld '%' || {{{{{name}}}}} || '%'",
                t.span.start.line, t.span.start.column
            )));
        }
        out.push(t.clone());
        i += 1;
    }
    Ok((out, names))
}

/// The parameters `sql` uses, in order of first use (not those in comments).
pub fn names(sql: &str) -> Result<Vec<String>> {
    tokens(sql).map(|(_, names)| names)
}

/// The literal expression of a value. A negative number is a parenthesised literal, so that
/// a minus before the parameter (`-{{n}}`) negates it rather than joining its sign.
fn literal(v: &ParamValue) -> Expr {
    let value = |v: Value| Expr::Value(v.into());
    let number = |n: String| {
        if n.starts_with('-') {
            Expr::Nested(Box::new(value(Value::Number(n, false))))
        } else {
            value(Value::Number(n, false))
        }
    };
    match v {
        ParamValue::Text(s) => value(Value::SingleQuotedString(s.clone())),
        ParamValue::Integer(n) => number(n.to_string()),
        ParamValue::Number(n) => number(format!("{n:?}")),
        ParamValue::Boolean(b) => value(Value::Boolean(*b)),
        ParamValue::Date(d) => Expr::TypedString(TypedString {
            data_type: DataType::Date,
            value: Value::SingleQuotedString(d.format("%Y-%m-%d").to_string()).into(),
            uses_odbc_syntax: false,
        }),
    }
}

/// Replaces every parameter placeholder in `q` by the literal of its value.
pub(crate) fn bind(q: &mut Query, params: &Params) -> Result<()> {
    let r = visit_expressions_mut(q, |e| {
        if let Expr::Value(v) = e
            && let Value::Placeholder(p) = &v.value
            && let Some(name) = marked(p)
        {
            match params.get(name) {
                Some(value) => *e = literal(value),
                None => {
                    return ControlFlow::Break(EngineError::Query(format!(
                        "parameter {{{{{name}}}}} heeft geen waarde: hij is niet gedeclareerd"
                    )));
                }
            }
        }
        ControlFlow::Continue(())
    });
    match r {
        ControlFlow::Break(e) => Err(e),
        ControlFlow::Continue(()) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_read_outside_comments() {
        assert_eq!(
            names("SELECT {{a}}, {{ b }}, {{a}} -- {{c}}\n /* {{d}} */ FROM t").unwrap(),
            ["a", "b"]
        );
        assert_eq!(names("SELECT 1").unwrap(), Vec::<String>::new());
    }

    #[test]
    fn parameters_in_quotes_or_malformed_are_refused() {
        for sql in [
            "SELECT '%{{naam}}%'",
            "SELECT \"{{naam}}\" FROM t",
            "SELECT $${{naam}}$$",
            "SELECT {{1a}}",
            "SELECT {{a b}}",
            "SELECT {{a}",
        ] {
            match names(sql) {
                Err(EngineError::Syntax(m)) => assert!(m.contains("{{"), "{sql}: {m}"),
                other => panic!("{sql}: {other:?}"),
            }
        }
    }
}
