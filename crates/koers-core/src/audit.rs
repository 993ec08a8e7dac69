//! What an administrator asks of the audit log: the events of one kind of object, of one
//! object, or of one person.

use crate::error::{Collector, Invalid, text};

/// How long a piece of a person's name or e-mail address may be.
pub const MAX_ACTOR: usize = 100;

/// How many codes may name one kind of object (a data question is `data_question`, and
/// `question` where a guest was invited to one).
pub const MAX_OBJECT_TYPES: usize = 3;

/// Which events of the audit log to show; a part left empty asks nothing.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    /// The kind of object (`choice`, `dataset`, …) by the codes the log records it under.
    pub object_types: Vec<String>,
    /// One object's id.
    pub object_id: Option<String>,
    /// A piece of who acted: their e-mail address or how the log names them (case aside).
    pub actor: Option<String>,
}

impl AuditFilter {
    /// Reads an administrator's question: `object_type` one to [`MAX_OBJECT_TYPES`] codes
    /// of lower-case letters and underscores, separated by commas; `object_id` an id (letters,
    /// digits, `-`, `_`, `.`); `actor` any text of at most [`MAX_ACTOR`] characters on one
    /// line. Every problem is named at once.
    pub fn parse(object_type: &str, object_id: &str, actor: &str) -> Result<Self, Invalid> {
        let mut errors = Collector::default();
        let given = |s: &str| Some(s.trim()).filter(|s| !s.is_empty()).map(str::to_string);
        let codes: Vec<String> = object_type
            .split(',')
            .map(str::trim)
            .filter(|c| !c.is_empty())
            .map(str::to_string)
            .collect();
        let code =
            |c: &String| c.len() <= 40 && c.chars().all(|c| c.is_ascii_lowercase() || c == '_');
        let object_types = errors.take(
            if codes.len() <= MAX_OBJECT_TYPES && codes.iter().all(code) {
                Ok(codes)
            } else {
                Err(Invalid::one(
                    "objectType",
                    "invalid",
                    "onbekende soort object",
                ))
            },
        );
        let object_id = errors.take(match given(object_id) {
            Some(id)
                if id.len() > 100
                    || !id
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) =>
            {
                Err(Invalid::one("objectId", "invalid", "ongeldig id"))
            }
            id => Ok(id),
        });
        let actor = errors.take(
            given(actor)
                .map(|a| text("actor", &a, MAX_ACTOR))
                .transpose(),
        );
        errors.build(|| {
            Some(AuditFilter {
                object_types: object_types?,
                object_id: object_id?,
                actor: actor?,
            })
        })
    }

    /// Whether it asks anything.
    pub fn is_any(&self) -> bool {
        !self.object_types.is_empty() || self.object_id.is_some() || self.actor.is_some()
    }

    /// `actor` as a `LIKE … ESCAPE '\'` pattern over the lower-cased name: the piece anywhere,
    /// its own `%`, `_` and `\` taken literally.
    pub fn actor_pattern(&self) -> Option<String> {
        self.actor.as_ref().map(|a| {
            let mut p = String::from("%");
            for c in a.to_lowercase().chars() {
                if matches!(c, '%' | '_' | '\\') {
                    p.push('\\');
                }
                p.push(c);
            }
            p.push('%');
            p
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_administrator_asks_the_log() {
        assert_eq!(
            AuditFilter::parse("", " ", "").unwrap(),
            AuditFilter::default()
        );
        assert!(!AuditFilter::default().is_any());
        let f = AuditFilter::parse("choice", "01a2-b3", " Ana_50% ").unwrap();
        assert!(f.is_any());
        assert_eq!(f.object_types, ["choice"]);
        let both = AuditFilter::parse("data_question, question", "", "").unwrap();
        assert_eq!(both.object_types, ["data_question", "question"]);
        assert!(AuditFilter::parse("a,b,c,d", "", "").is_err());
        assert_eq!(f.actor_pattern().as_deref(), Some("%ana\\_50\\%%"));
        // Every problem at once.
        let e = AuditFilter::parse("Choice; DROP", "x y", &"a".repeat(101)).unwrap_err();
        let names: Vec<&str> = e.0.iter().map(|f| f.name.as_str()).collect();
        assert_eq!(names, ["objectType", "objectId", "actor"]);
    }
}
