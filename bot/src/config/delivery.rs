//! Checks of the client-facing delivery settings: email addresses and the SMTP server, webhook
//! signing secrets, origins allowed to frame a status page.

use base64::Engine as _;
use secrecy::ExposeSecret;

use super::{Config, ConfigProblem};

/// Standard Webhooks secrets carry 24 to 64 random bytes; under 16 is not a secret.
const MIN_WEBHOOK_KEY_BYTES: usize = 16;

/// The HMAC key of a Standard Webhooks secret: the base64 after the `whsec_` prefix.
pub fn webhook_key(secret: &str) -> Option<Vec<u8>> {
    let encoded = secret
        .trim()
        .strip_prefix("whsec_")
        .unwrap_or(secret.trim());
    base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .ok()
        .filter(|key| key.len() >= MIN_WEBHOOK_KEY_BYTES)
}

/// An origin as CSP `frame-ancestors` takes it: scheme, host and port, nothing that could end
/// the directive or add another.
pub fn frame_origin(origin: &str) -> Option<String> {
    let url = reqwest::Url::parse(origin).ok()?;
    let plain = matches!(url.scheme(), "https" | "http")
        && url.host_str().is_some()
        && url.username().is_empty()
        && url.password().is_none()
        && url.query().is_none()
        && url.fragment().is_none()
        && url.path() == "/";
    plain.then(|| url.origin().ascii_serialization())
}

pub fn problems(config: &Config) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let mut problem = |key: String, message: String| problems.push(ConfigProblem { key, message });
    if let Some(email) = &config.email {
        if email.from.parse::<lettre::message::Mailbox>().is_err() {
            problem(
                "email.from".into(),
                "is not an email address (write `Name <status@msp.example>` or `status@msp.example`)"
                    .into(),
            );
        }
        // The URL holds the password: the message never repeats it.
        let url = email.smtp_url.expose_secret();
        if lettre::AsyncSmtpTransport::<lettre::Tokio1Executor>::from_url(url).is_err() {
            problem(
                "email.smtp_url".into(),
                "is not an SMTP URL (smtp://host:port, smtps://user:password@host:465)".into(),
            );
        }
    }
    for (index, client) in config.clients.iter().enumerate() {
        let at = format!("clients[{index}]");
        if !client.email_to.is_empty() && config.email.is_none() {
            problem(
                format!("{at}.email_to"),
                "is set but there is no [email] section to send through".into(),
            );
        }
        for (n, address) in client.email_to.iter().enumerate() {
            if address.parse::<lettre::Address>().is_err() {
                problem(
                    format!("{at}.email_to[{n}]"),
                    format!("`{address}` is not an email address"),
                );
            }
        }
        if let Some(secret) = &client.webhook_secret {
            if client.webhook_url.is_none() {
                problem(
                    format!("{at}.webhook_secret"),
                    "is set but webhook_url is not".into(),
                );
            }
            if webhook_key(secret.expose_secret()).is_none() {
                problem(
                    format!("{at}.webhook_secret"),
                    format!("must be `whsec_` followed by base64 of at least {MIN_WEBHOOK_KEY_BYTES} random bytes"),
                );
            }
        }
        for (n, origin) in client.status_frame_ancestors.iter().enumerate() {
            if frame_origin(origin).is_none() {
                problem(
                    format!("{at}.status_frame_ancestors[{n}]"),
                    format!("`{origin}` is not an origin (https://host or https://host:port)"),
                );
            }
        }
    }
    problems
}

#[cfg(test)]
#[path = "delivery_tests.rs"]
mod tests;
