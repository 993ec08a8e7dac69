//! Validation errors that list every problem at once, so a form or an API client can show
//! them all instead of one at a time.

use serde::Serialize;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// The field's name as the client sent it (camelCase in the API).
    pub name: String,
    /// A stable, machine-readable code, e.g. `required`, `too_long`, `pattern`.
    pub code: String,
    /// A message fit to show to the user (Dutch; the web layer may translate by code).
    pub reason: String,
}

impl FieldError {
    /// The problem `code` with field `name`, told as `reason`.
    pub fn new(name: impl Into<String>, code: &str, reason: impl Into<String>) -> Self {
        FieldError {
            name: name.into(),
            code: code.into(),
            reason: reason.into(),
        }
    }
}

/// Input that failed validation; carries every problem found.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("ongeldige invoer: {}", .0.iter().map(|e| format!("{}: {}", e.name, e.reason)).collect::<Vec<_>>().join("; "))]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    /// `Ok` when no problems were found, else all of them.
    pub fn unless_empty(errors: Vec<FieldError>) -> Result<(), Invalid> {
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }

    /// Every problem in one sentence, for a message that has no room for field-level ones.
    pub fn summary(&self) -> String {
        format!(
            "De invoer is niet geldig: {}",
            self.0
                .iter()
                .map(|f| format!("{} {}", f.name, f.reason))
                .collect::<Vec<_>>()
                .join("; ")
        )
    }

    /// The problems with the items of the list `list` numbered as `rows` says (item `k`
    /// becomes `rows[k]`): for a form that left some of its rows out before checking, so that
    /// each problem names the row it was sent in.
    pub fn renumbered(self, list: &str, rows: &[usize]) -> Self {
        let open = format!("{list}[");
        Invalid(
            self.0
                .into_iter()
                .map(|mut e| {
                    let row = e
                        .name
                        .strip_prefix(&open)
                        .and_then(|rest| rest.split_once(']'))
                        .and_then(|(k, rest)| Some((rows.get(k.parse::<usize>().ok()?)?, rest)));
                    if let Some((row, rest)) = row {
                        e.name = format!("{open}{row}]{rest}");
                    }
                    e
                })
                .collect(),
        )
    }

    /// A single problem.
    pub fn one(name: &str, code: &str, reason: &str) -> Self {
        Invalid(vec![FieldError::new(name, code, reason)])
    }

    /// Two values parsed apart, together: both, or every problem of either.
    pub fn both<A, B>(a: Result<A, Invalid>, b: Result<B, Invalid>) -> Result<(A, B), Invalid> {
        match (a, b) {
            (Ok(a), Ok(b)) => Ok((a, b)),
            (a, b) => Err(Invalid(
                a.err()
                    .into_iter()
                    .chain(b.err())
                    .flat_map(|e| e.0)
                    .collect(),
            )),
        }
    }
}

/// Collects field errors while parsing several fields, then yields all or the value.
#[derive(Debug, Default)]
pub struct Collector(Vec<FieldError>);

impl Collector {
    /// Keeps the value when it parsed, remembers the problems when it did not.
    pub fn take<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Invalid(mut errs)) => {
                self.0.append(&mut errs);
                None
            }
        }
    }

    /// All problems, or `Ok` when there were none.
    pub fn finish(self) -> Result<(), Invalid> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(Invalid(self.0))
        }
    }

    /// All problems, or the value `build` makes of the values taken (each with `?`: when
    /// there were no problems, every one of them parsed).
    pub fn build<T>(self, build: impl FnOnce() -> Option<T>) -> Result<T, Invalid> {
        self.finish()?;
        build().ok_or_else(|| Invalid::one("input", "invalid", "ongeldige invoer"))
    }
}

/// Trims `raw` and checks it is non-empty and at most `max` characters long, on one line.
pub fn text(name: &str, raw: &str, max: usize) -> Result<String, Invalid> {
    checked(name, raw.trim(), max, |c| c.is_control())
}

/// [`text`] over several lines (paragraphs, Markdown): line breaks and tabs are allowed, other
/// control characters are not; Windows line ends become `\n`.
pub fn long_text(name: &str, raw: &str, max: usize) -> Result<String, Invalid> {
    let t = raw.trim().replace("\r\n", "\n");
    checked(name, &t, max, |c| c.is_control() && c != '\n' && c != '\t')
}

fn checked(name: &str, t: &str, max: usize, bad: impl Fn(char) -> bool) -> Result<String, Invalid> {
    if t.is_empty() {
        return Err(Invalid::one(name, "required", "is verplicht"));
    }
    if t.chars().count() > max {
        return Err(Invalid::one(
            name,
            "too_long",
            &format!("mag hoogstens {max} tekens zijn"),
        ));
    }
    if t.chars().any(bad) {
        return Err(Invalid::one(
            name,
            "control_chars",
            "bevat ongeldige tekens",
        ));
    }
    Ok(t.to_string())
}

/// Finds the enum value whose `as_str` equals the trimmed input.
pub(crate) fn parse_enum<T: Copy>(
    name: &str,
    raw: &str,
    all: &[T],
    as_str: fn(T) -> &'static str,
    reason: &str,
) -> Result<T, Invalid> {
    let s = raw.trim();
    all.iter()
        .copied()
        .find(|v| as_str(*v) == s)
        .ok_or_else(|| Invalid::one(name, "enum", reason))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problems_follow_the_rows_they_were_sent_in() {
        let e = Invalid(vec![
            FieldError::new("name", "required", "x"),
            FieldError::new("dimensions[0].key", "pattern", "x"),
            FieldError::new("dimensions[1].levels[2]", "required", "x"),
            FieldError::new("dimensions[9].name", "required", "x"),
            FieldError::new("dimensionsx[0].key", "required", "x"),
        ])
        .renumbered("dimensions", &[0, 2]);
        let names: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "name",
                "dimensions[0].key",
                "dimensions[2].levels[2]",
                "dimensions[9].name",
                "dimensionsx[0].key"
            ]
        );
    }

    #[test]
    fn long_text_keeps_its_lines() {
        assert_eq!(long_text("n", " a\r\n\tb ", 9).unwrap(), "a\n\tb");
        assert_eq!(
            long_text("n", "a\u{0}b", 5).unwrap_err().0[0].code,
            "control_chars"
        );
        assert!(text("n", "a\nb", 5).is_err());
    }

    #[test]
    fn text_rules() {
        assert_eq!(text("n", "  a ", 5).unwrap(), "a");
        assert_eq!(text("n", "   ", 5).unwrap_err().0[0].code, "required");
        assert_eq!(text("n", "abcdef", 5).unwrap_err().0[0].code, "too_long");
        assert_eq!(
            text("n", "a\u{0}b", 5).unwrap_err().0[0].code,
            "control_chars"
        );
    }

    #[test]
    fn collector_keeps_every_problem() {
        let mut c = Collector::default();
        assert!(c.take(text("a", "", 3)).is_none());
        assert!(c.take(text("b", "toolong", 3)).is_none());
        assert_eq!(c.take(text("c", "ok", 3)), Some("ok".into()));
        let errs = c.finish().unwrap_err().0;
        assert_eq!(errs.len(), 2);
        assert_eq!(errs[1].name, "b");
    }
}
