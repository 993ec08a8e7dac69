//! Notifications as people read them: the sentence for each kind in their language, and the
//! e-mail outbox that sends them when the deployment has SMTP.

use crate::i18n::{Lang, t};
use crate::state::AppState;
use koers_store::notifications::Notification;
use std::time::Duration;

/// How often the outbox looks for notifications to mail.
const OUTBOX_EVERY: Duration = Duration::from_secs(2);
/// Attempts before a notification's e-mail is given up.
const MAX_TRIES: i64 = 5;

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
                _ => raw,
            };
            s = s.replace(&format!("{{{k}}}"), &shown);
        }
    }
    s
}

/// Starts the e-mail outbox when a mailer is configured: every couple of seconds, the
/// notifications not yet mailed are sent (in Dutch), each tried a few times. Notifications
/// older than a day when first seen are not mailed.
pub fn spawn_outbox(state: AppState) {
    let Some(mailer) = state.ws.mailer().cloned() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(OUTBOX_EVERY).await;
            let since = chrono::Utc::now() - chrono::Duration::days(1);
            let pending = match state.store.pending_mail(since, 50).await {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!("e-mail outbox: {e}");
                    continue;
                }
            };
            for p in pending {
                let sentence = text(Lang::Nl, &p.notification);
                let link = match &state.cfg.public_url {
                    Some(base) => format!("{base}{}", p.notification.link),
                    None => p.notification.link.clone(),
                };
                let body = format!(
                    "Beste {},\n\n{sentence}\n\nBekijk het in koers: {link}\n\nU krijgt dit bericht omdat u een rol heeft in koers. Alle meldingen staan ook op de pagina Meldingen.\n",
                    p.display_name
                );
                let sent = mailer
                    .send(
                        &p.email,
                        &p.display_name,
                        &format!("koers: {sentence}"),
                        &body,
                    )
                    .await;
                if let Err(e) = &sent {
                    tracing::warn!("e-mail to {}: {e}", p.email);
                }
                if let Err(e) = state
                    .store
                    .mail_attempted(&p.notification.id, sent.is_ok(), MAX_TRIES)
                    .await
                {
                    tracing::warn!("e-mail outbox: {e}");
                }
            }
        }
    });
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
