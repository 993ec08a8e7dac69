//! Notifications as people read them: the sentence for each kind in their language (also
//! the one the e-mail outbox sends, in Dutch).

use crate::i18n::{Lang, t};
use koers_app::notifications::Notification;

/// The sentence telling what happened, in `lang`: the text for `notif.<kind>` with its
/// `{placeholders}` filled from the notification's facts (roles and statuses translated).
pub fn text(lang: Lang, n: &Notification) -> String {
    let mut s = t(lang, &format!("notif.{}", n.kind));
    if let Some(params) = n.params.as_object() {
        for (k, v) in params {
            let raw = v
                .as_str()
                .map(str::to_string)
                .unwrap_or_else(|| v.to_string());
            let shown = match k.as_str() {
                "role" => t(lang, &format!("q.role.{raw}")),
                "from" | "to" => t(lang, &format!("status.{raw}")),
                "status" => t(lang, &format!("ip.light.{raw}")),
                "date" => crate::templates::long_date(lang, &raw),
                _ => raw,
            };
            s = s.replace(&format!("{{{k}}}"), &shown);
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn n(kind: &str, params: serde_json::Value) -> Notification {
        Notification {
            id: "1".into(),
            org_id: "o".into(),
            user_id: "u".into(),
            kind: kind.into(),
            params,
            link: "/datavragen/1".into(),
            created_at: "2026-11-27T10:00:00Z".into(),
            read_at: None,
        }
    }

    #[test]
    fn sentences_fill_in_the_facts_in_both_languages() {
        let a = n(
            "question.assigned",
            serde_json::json!({"question": "Zwemwater veilig?", "role": "analyst", "by": "jan@x"}),
        );
        let nl = text(Lang::Nl, &a);
        assert!(
            nl.contains("Zwemwater veilig?") && nl.to_lowercase().contains("analist"),
            "{nl}"
        );
        assert!(!nl.contains('{'), "{nl}");
        let en = text(Lang::En, &a);
        assert!(en.to_lowercase().contains("analyst"), "{en}");
        let m = n(
            "question.moved",
            serde_json::json!({"question": "Q", "from": "asked", "to": "sharpened", "by": "x"}),
        );
        assert!(
            text(Lang::Nl, &m).to_lowercase().contains("aangescherpt"),
            "{}",
            text(Lang::Nl, &m)
        );
    }
}
