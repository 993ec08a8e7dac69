//! How the audit log reads: an event's details as fields in words.

use crate::i18n::{self, Lang};
use serde_json::Value;

/// An audit event's details as people read them: each field by its name in `lang`
/// (`audit.field.<key>`; the key itself where koers has no words for it yet) with its value
/// as a result cell reads — a code by its words where the field's codes have them (a role, a
/// status), a list joined, a nested value as its fields, nothing recorded as a dash.
pub fn detail(lang: Lang, detail: &Value) -> Vec<(String, String)> {
    match detail {
        Value::Object(fields) => fields
            .iter()
            .map(|(k, v)| (field(lang, k), value(lang, k, v)))
            .collect(),
        Value::Null => Vec::new(),
        other => vec![(String::new(), value(lang, "", other))],
    }
}

fn field(lang: Lang, key: &str) -> String {
    i18n::known(lang, &format!("audit.field.{key}")).unwrap_or_else(|| key.to_string())
}

/// Where the words for a field's codes are: a member's roles, a guest's abilities, a data
/// question's or a choice's status, the level that decides, who a dashboard is shared with.
fn vocabularies(key: &str) -> &'static [&'static str] {
    match key {
        "roles" | "role" => &["role"],
        "abilities" => &["guest.ability"],
        "status" | "from" | "to" => &["status", "reg.cstatus"],
        "level" => &["level"],
        "visibility" => &["dash.vis"],
        _ => &[],
    }
}

/// A code of field `key` in words, or codes separated by commas (`comment,upload`), when
/// every piece has them.
fn words(lang: Lang, key: &str, s: &str) -> Option<String> {
    let kinds = vocabularies(key);
    s.split(',')
        .map(|piece| {
            kinds
                .iter()
                .find_map(|kind| i18n::known(lang, &format!("{kind}.{piece}")))
        })
        .collect::<Option<Vec<_>>>()
        .map(|w| w.join(", "))
}

fn value(lang: Lang, key: &str, v: &Value) -> String {
    match v {
        Value::Null => "—".into(),
        Value::String(s) if s.trim().is_empty() => "—".into(),
        Value::String(s) => words(lang, key, s).unwrap_or_else(|| i18n::cell(lang, v)),
        Value::Array(items) => items
            .iter()
            .map(|i| value(lang, key, i))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => detail(lang, v)
            .into_iter()
            .map(|(k, v)| format!("{k}: {v}"))
            .collect::<Vec<_>>()
            .join("; "),
        other => i18n::cell(lang, other),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn an_audit_detail_reads_as_words() {
        let d = json!({
            "name": "Digitale tweeling",
            "roles": ["viewer", "board_member"],
            "rows": 12601,
            "newLink": false,
            "appendedRows": null,
            "labels": {"title": "Wegvervoer", "unit": "ton"},
            "decidedOn": "2026-12-10",
            "somethingNew": "x",
        });
        // In the order the log keeps them (by key).
        let nl = detail(Lang::Nl, &d);
        let expected: Vec<(String, String)> = [
            ("Toegevoegde rijen", "—"),
            ("Besloten op", "10 december 2026"),
            ("Labels", "Titel: Wegvervoer; Eenheid: ton"),
            ("Naam", "Digitale tweeling"),
            ("Nieuwe link", "nee"),
            ("Rollen", "Lezer, Bestuurder"),
            ("Rijen", "12.601"),
            ("somethingNew", "x"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        assert_eq!(nl, expected);
        let en = detail(
            Lang::En,
            &json!({"abilities": "comment,upload", "from": "sharpened", "newLink": true, "note": "", "rows": 12601.5}),
        );
        assert_eq!(
            en,
            [
                ("May".to_string(), "comment, add files".to_string()),
                ("From".to_string(), "Sharpened".to_string()),
                ("New link".to_string(), "yes".to_string()),
                ("Note".to_string(), "—".to_string()),
                ("Rows".to_string(), "12,601.5".to_string())
            ]
        );
        assert!(detail(Lang::Nl, &Value::Null).is_empty());
        // Only a field whose codes have words is worded: a name stays a name.
        let d = json!({"name": "analyst", "level": "board", "visibility": "roles"});
        assert_eq!(
            detail(Lang::Nl, &d),
            [
                ("Niveau".to_string(), "bestuur".to_string()),
                ("Naam".to_string(), "analyst".to_string()),
                (
                    "Zichtbaarheid".to_string(),
                    "Leden met gekozen rollen".to_string()
                )
            ]
        );
    }
}
