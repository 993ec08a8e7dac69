//! Notifications: what happened to the work someone holds a role in, and the e-mail outbox
//! that mails them when the deployment has SMTP.
//!
//! Every signed-in member reads and marks read their own notifications in the organisation
//! they act in; nobody reads another person's. The outbox runs in the background, on the
//! [`Workspace`], for every organisation.

use crate::{Principal, Result, Workspace};
use std::time::Duration;

pub use koers_store::notifications::Notification;

/// How many notifications a person sees at most, newest first.
const SHOWN: i64 = 200;
/// How often the outbox looks for notifications to mail.
const OUTBOX_EVERY: Duration = Duration::from_secs(2);
/// Attempts before a notification's e-mail is given up.
const MAX_TRIES: i64 = 5;

/// The person's notifications in the organisation they act in, newest first (at most 200);
/// with `unread_only`, the ones not read yet.
pub async fn notifications(
    ws: &Workspace,
    who: &Principal,
    unread_only: bool,
) -> Result<Vec<Notification>> {
    let mut all = ws
        .store
        .notifications()
        .notifications(&who.user.id, &who.org.id, SHOWN)
        .await?;
    if unread_only {
        all.retain(|n| n.read_at.is_none());
    }
    // Members know each other by name: who did it (`by`, stored as the audit label, an
    // e-mail address) is shown by their display name when they are a member.
    let members = ws.store.users().members(&who.org.id).await?;
    for n in &mut all {
        let name = n
            .params
            .get("by")
            .and_then(|by| by.as_str())
            .and_then(|by| {
                members
                    .iter()
                    .find(|m| m.user.email == by)
                    .map(|m| m.user.display_name.clone())
            });
        if let Some(name) = name {
            n.params["by"] = name.into();
        }
    }
    Ok(all)
}

/// Marks one of the person's notifications read (`Some(id)`) or all of them (`None`).
pub async fn mark_read(ws: &Workspace, who: &Principal, id: Option<&str>) -> Result<()> {
    ws.store
        .notifications()
        .mark_notifications_read(&who.user.id, &who.org.id, id.filter(|i| !i.is_empty()))
        .await?;
    Ok(())
}

/// Marks notification `id` read as the API asks: field `read`, which can only be `true`.
/// Someone else's notification does not exist for this person.
pub async fn mark_one_read(
    ws: &Workspace,
    who: &Principal,
    id: &str,
    mut input: crate::Input,
) -> Result<()> {
    ws.store
        .notifications()
        .notification(&who.user.id, &who.org.id, id)
        .await?;
    let read = input.flag("read");
    input.finish(if read {
        Ok(())
    } else {
        Err(koers_core::Invalid::one(
            "read",
            "enum",
            "alleen true (gelezen) kan worden gezet",
        ))
    })?;
    mark_read(ws, who, Some(id)).await
}

/// Starts the e-mail outbox when the workspace has a mailer: every couple of seconds, the
/// notifications not yet mailed are sent, each tried a few times. Notifications older than a
/// day when first seen are not mailed. `sentence` words a notification (the web layer knows
/// the languages); `public_url`, when set, makes the links absolute.
pub fn spawn_outbox<F>(ws: Workspace, public_url: Option<String>, sentence: F)
where
    F: Fn(&Notification) -> String + Send + Sync + 'static,
{
    let Some(mailer) = ws.mailer().cloned() else {
        return;
    };
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(OUTBOX_EVERY).await;
            if let Err(e) = send_pending(&ws, &mailer, public_url.as_deref(), &sentence).await {
                tracing::warn!("e-mail outbox: {e}");
            }
        }
    });
}

/// One round of the outbox: mails what is pending and records each attempt.
async fn send_pending(
    ws: &Workspace,
    mailer: &crate::mail::Mailer,
    public_url: Option<&str>,
    sentence: &impl Fn(&Notification) -> String,
) -> Result<()> {
    let since = chrono::Utc::now() - chrono::Duration::days(1);
    for p in ws.store.notifications().pending_mail(since, 50).await? {
        let said = sentence(&p.notification);
        let link = format!("{}{}", public_url.unwrap_or(""), p.notification.link);
        let body = format!(
            "Beste {},\n\n{said}\n\nBekijk het in koers: {link}\n\nU krijgt dit bericht omdat u een rol heeft in koers. Alle meldingen staan ook op de pagina Meldingen.\n",
            p.display_name
        );
        let sent = mailer
            .send(&p.email, &p.display_name, &format!("koers: {said}"), &body)
            .await;
        if let Err(e) = &sent {
            tracing::warn!("e-mail to {}: {e}", p.email);
        }
        if let Err(e) = ws
            .store
            .notifications()
            .mail_attempted(&p.notification.id, sent.is_ok(), MAX_TRIES)
            .await
        {
            tracing::warn!("e-mail outbox: {e}");
        }
    }
    Ok(())
}
