//! Client webhooks: each status update POSTed as the JSON body of the contract, signed the
//! Standard Webhooks way when the client has a secret.

use std::time::Duration;

use base64::Engine as _;
use chrono::{DateTime, SecondsFormat, Utc};
use hmac::{Hmac, Mac};
use serde::Serialize;
use sha2::Sha256;

use crate::effects::{ClientUpdate, Receipt};
use crate::engine::port::{DeliveryError, WebhookPort};

#[derive(Debug, Serialize)]
struct WebhookBody<'a> {
    incident_id: &'a str,
    client: &'a str,
    severity: &'a str,
    stage: &'a str,
    message: &'a str,
    sequence: u32,
    sent_at: String,
}

#[derive(Debug, Clone)]
pub struct WebhookSender {
    client: reqwest::Client,
}

impl Default for WebhookSender {
    fn default() -> Self {
        Self::new()
    }
}

impl WebhookSender {
    pub fn new() -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("CommandPost/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        Self { client }
    }

    /// POSTs the update; 2xx is a delivery, 429 carries `Retry-After`, anything else is retried.
    /// With `signing_key`, the request carries the Standard Webhooks headers.
    pub async fn post(
        &self,
        url: &str,
        update: &ClientUpdate,
        sent_at: DateTime<Utc>,
        signing_key: Option<&[u8]>,
    ) -> Result<Receipt, DeliveryError> {
        let body = WebhookBody {
            incident_id: update.incident_id.as_str(),
            client: update.client.as_str(),
            severity: update.severity.as_str(),
            stage: update.stage.as_str(),
            message: &update.message,
            sequence: update.sequence,
            sent_at: sent_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        };
        let body = serde_json::to_vec(&body).map_err(|e| {
            DeliveryError::permanent(format!("the webhook body did not encode: {e}"))
        })?;
        // One id per message, the same on every retry: lets the receiver drop a repeat if we
        // crash between its 2xx and our bookkeeping.
        let message_id = format!("{}-{}", update.incident_id, update.sequence);
        let mut request = self
            .client
            .post(url)
            .header("Idempotency-Key", &message_id)
            .header(reqwest::header::CONTENT_TYPE, "application/json");
        if let Some(key) = signing_key {
            let timestamp = sent_at.timestamp();
            request = request
                .header(
                    "webhook-signature",
                    sign(key, &message_id, timestamp, &body),
                )
                .header("webhook-id", &message_id)
                .header("webhook-timestamp", timestamp.to_string());
        }
        let response = request
            .body(body)
            .send()
            .await
            .map_err(|e| unanswered("the webhook", e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(Receipt {
                id: format!("HTTP {}", status.as_u16()),
                room: None,
            });
        }
        let retry_after = retry_after(response.headers());
        Err(DeliveryError {
            reason: format!("the webhook answered HTTP {}", status.as_u16()),
            retry_after,
            permanent: false,
        })
    }
}

#[async_trait::async_trait]
impl WebhookPort for WebhookSender {
    async fn post(
        &self,
        url: &str,
        update: &ClientUpdate,
        sent_at: DateTime<Utc>,
        signing_key: Option<&[u8]>,
    ) -> Result<Receipt, DeliveryError> {
        WebhookSender::post(self, url, update, sent_at, signing_key).await
    }
}

/// A request that got no answer: a timeout or an unreachable host, retried (never naming the
/// URL, which may carry a token).
pub fn unanswered(what: &str, error: reqwest::Error) -> DeliveryError {
    DeliveryError::transient(if error.is_timeout() {
        format!("{what} timed out")
    } else {
        format!("{what} could not be reached ({})", error.without_url())
    })
}

/// A `Retry-After` in whole seconds, when the answer carries one.
pub fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
}

/// `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, as Standard Webhooks defines it.
pub fn sign(key: &[u8], message_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(format!("{message_id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "v1,{}",
        base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
    )
}

#[cfg(test)]
mod tests {
    use base64::Engine as _;

    /// The example in the Standard Webhooks specification.
    #[test]
    fn signs_the_specifications_example() {
        let key = base64::engine::general_purpose::STANDARD
            .decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
            .unwrap();
        assert_eq!(
            super::sign(
                &key,
                "msg_p5jXN8AQM9LWM0D4loKWxJek",
                1614265330,
                br#"{"test": 2432232314}"#
            ),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }
}
