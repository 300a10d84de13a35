//! Client email: each status update and the resolution notice as one message (plain text and
//! HTML), threaded per incident, delivered when the SMTP server accepts it.

use std::time::Duration;

use lettre::message::{header::ContentType, Mailbox, MultiPart, SinglePart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::ExposeSecret;

use crate::config::EmailConfig;
use crate::domain::Stage;
use crate::effects::{ClientUpdate, Receipt};
use crate::engine::port::{DeliveryError, EmailBody, EmailPort};

/// A server that has not answered in this long is treated as down and retried later.
const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

pub struct EmailSender {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
    /// The right-hand side of every `Message-ID`: the sender's domain.
    domain: String,
}

impl std::fmt::Debug for EmailSender {
    // The transport holds the SMTP password: only the sender's address is shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EmailSender")
            .field("from", &self.from.to_string())
            .finish_non_exhaustive()
    }
}

impl EmailSender {
    /// `None` when the settings do not describe a server (start-up validation reports why).
    pub fn new(config: &EmailConfig) -> Option<Self> {
        let from: Mailbox = config.from.parse().ok()?;
        let transport =
            AsyncSmtpTransport::<Tokio1Executor>::from_url(config.smtp_url.expose_secret())
                .ok()?
                .timeout(Some(SMTP_TIMEOUT))
                .build();
        let domain = from.email.domain().to_owned();
        Some(Self {
            transport,
            from,
            domain,
        })
    }

    /// `<INC-2026-0042.3@msp.example>`: stable per update, so a retry is the same message.
    fn message_id(&self, update: &ClientUpdate, sequence: u32) -> String {
        format!("<{}.{sequence}@{}>", update.incident_id, self.domain)
    }

    pub async fn send(
        &self,
        to: &[String],
        update: &ClientUpdate,
        body: EmailBody<'_>,
    ) -> Result<Receipt, DeliveryError> {
        let message = self.compose(to, update, body)?;
        match self.transport.send(message).await {
            Ok(response) => Ok(Receipt {
                id: format!(
                    "SMTP {} {}",
                    response.code(),
                    self.message_id(update, update.sequence)
                ),
                room: None,
            }),
            Err(error) => Err(classify(&error)),
        }
    }

    fn compose(
        &self,
        to: &[String],
        update: &ClientUpdate,
        body: EmailBody<'_>,
    ) -> Result<Message, DeliveryError> {
        let subject = match update.stage {
            Stage::Resolved => format!(
                "[{}] {} {}: resolved",
                update.client_name, update.severity, update.title
            ),
            _ => format!(
                "[{}] {} {}: update {}",
                update.client_name, update.severity, update.title, update.sequence
            ),
        };
        let mut builder = Message::builder()
            .from(self.from.clone())
            .subject(subject)
            .message_id(Some(self.message_id(update, update.sequence)));
        for address in to {
            let mailbox: Mailbox = address.parse().map_err(|_| {
                DeliveryError::permanent(format!("`{address}` is not an email address"))
            })?;
            builder = builder.to(mailbox);
        }
        // Every message of an incident answers the one before, and names them all, so mail
        // clients show one thread per incident.
        if update.sequence > 1 {
            let earlier: Vec<String> = (1..update.sequence)
                .map(|sequence| self.message_id(update, sequence))
                .collect();
            builder = builder
                .in_reply_to(self.message_id(update, update.sequence - 1))
                .references(earlier.join(" "));
        }
        builder
            .multipart(
                MultiPart::alternative()
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_PLAIN)
                            .body(body.plain.to_owned()),
                    )
                    .singlepart(
                        SinglePart::builder()
                            .header(ContentType::TEXT_HTML)
                            .body(body.html.to_owned()),
                    ),
            )
            .map_err(|e| DeliveryError::permanent(format!("the email could not be built: {e}")))
    }
}

#[async_trait::async_trait]
impl EmailPort for EmailSender {
    async fn send(
        &self,
        to: &[String],
        update: &ClientUpdate,
        body: EmailBody<'_>,
    ) -> Result<Receipt, DeliveryError> {
        EmailSender::send(self, to, update, body).await
    }
}

/// 4xx and network trouble are retried; 5xx means the server refused the message for good.
fn classify(error: &lettre::transport::smtp::Error) -> DeliveryError {
    // lettre's messages name the failure and the server's code, never the URL or credentials.
    let reason = format!("the mail server did not accept the message ({error})");
    if error.is_permanent() {
        DeliveryError::permanent(reason)
    } else {
        DeliveryError::transient(reason)
    }
}
