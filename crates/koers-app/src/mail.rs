//! E-mail over SMTP, for deployments that configure it: notifications and invitations.
//!
//! The server is named by a URL as `lettre` reads it: `smtp://relay.intern:25` (plain, for a
//! relay on the local network), `smtp://user:password@mail.example.nl:587?tls=required`
//! (STARTTLS) or `smtps://mail.example.nl:465` (TLS).

use lettre::message::header::ContentType;
use lettre::message::{Attachment, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

/// Where and as whom koers sends e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MailConfig {
    /// The SMTP server, e.g. `smtp://relay.intern:25`.
    pub smtp_url: String,
    /// The sender, e.g. `koers <koers@provincie.example>`.
    pub from: String,
}

/// Sends e-mail; cheap to clone (connections are pooled).
#[derive(Clone)]
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Mailer").field("from", &self.from).finish()
    }
}

/// Why e-mail could not be sent or configured.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("ongeldige e-mailinstelling: {0}")]
    Config(String),
    #[error("ongeldig e-mailadres {0:?}")]
    Address(String),
    #[error("e-mail versturen mislukt: {0}")]
    Send(String),
}

impl Mailer {
    /// Checks the configuration; nothing is sent yet. Needs a Tokio runtime (the connection
    /// pool runs on it).
    pub fn new(cfg: &MailConfig) -> Result<Mailer, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(&cfg.smtp_url)
            .map_err(|e| MailError::Config(format!("smtp_url: {e}")))?
            .timeout(Some(std::time::Duration::from_secs(20)))
            .build();
        let from = cfg
            .from
            .parse::<Mailbox>()
            .map_err(|_| MailError::Config(format!("mail_from {:?}", cfg.from)))?;
        Ok(Mailer { transport, from })
    }

    /// Sends one plain-text message.
    pub async fn send(
        &self,
        to_address: &str,
        to_name: &str,
        subject: &str,
        body: &str,
    ) -> Result<(), MailError> {
        let msg = self
            .builder(to_address, to_name, subject)?
            .header(ContentType::TEXT_PLAIN)
            .body(body.to_string());
        self.deliver(msg).await
    }

    /// Sends a plain-text message with an iCalendar file (`ics`) attached as `file_name`, so
    /// the receiver can put the event in their agenda.
    pub async fn send_with_calendar(
        &self,
        to: (&str, &str),
        subject: &str,
        body: &str,
        (file_name, ics): (&str, &str),
    ) -> Result<(), MailError> {
        let calendar = ContentType::parse("text/calendar; charset=utf-8; method=PUBLISH")
            .map_err(|e| MailError::Send(e.to_string()))?;
        let parts = MultiPart::mixed()
            .singlepart(SinglePart::plain(body.to_string()))
            .singlepart(Attachment::new(file_name.to_string()).body(ics.to_string(), calendar));
        let msg = self.builder(to.0, to.1, subject)?.multipart(parts);
        self.deliver(msg).await
    }

    fn builder(
        &self,
        to_address: &str,
        to_name: &str,
        subject: &str,
    ) -> Result<lettre::message::MessageBuilder, MailError> {
        let address = to_address
            .parse()
            .map_err(|_| MailError::Address(to_address.to_string()))?;
        let to = Mailbox::new(Some(to_name.to_string()), address);
        Ok(Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(subject))
    }

    /// Mails an invitation to `what` (its subject says so); whether it went. A failure is
    /// logged rather than returned: the invitation's link works all the same, and the one
    /// who invites is shown it instead.
    pub async fn invite(
        &self,
        (to_address, to_name): (&str, &str),
        what: &str,
        body: &str,
    ) -> bool {
        let subject = format!("Uitnodiging: {what}");
        match self.send(to_address, to_name, &subject, body).await {
            Ok(()) => true,
            Err(e) => {
                tracing::warn!("invitation to {to_address}: {e}");
                false
            }
        }
    }

    async fn deliver(&self, msg: Result<Message, lettre::error::Error>) -> Result<(), MailError> {
        let msg = msg.map_err(|e| MailError::Send(e.to_string()))?;
        self.transport
            .send(msg)
            .await
            .map(|_| ())
            .map_err(|e| MailError::Send(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn configuration_is_checked() {
        let ok = MailConfig {
            smtp_url: "smtp://relay.intern:25".into(),
            from: "koers <koers@provincie.example>".into(),
        };
        assert!(Mailer::new(&ok).is_ok());
        let bad_url = MailConfig {
            smtp_url: "ftp://x".into(),
            ..ok.clone()
        };
        assert!(matches!(Mailer::new(&bad_url), Err(MailError::Config(_))));
        let bad_from = MailConfig {
            from: "niet een adres".into(),
            ..ok
        };
        assert!(matches!(Mailer::new(&bad_from), Err(MailError::Config(_))));
    }
}
