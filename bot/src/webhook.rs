//! Client webhooks: each status update POSTed as the JSON body of the contract.

use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::chat::DeliveryError;
use crate::effects::{ClientUpdate, Receipt};

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
    pub async fn post(
        &self,
        url: &str,
        update: &ClientUpdate,
        sent_at: DateTime<Utc>,
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
        let response = self
            .client
            .post(url)
            // Lets the receiver drop a repeat if we crash between its 2xx and our bookkeeping.
            .header(
                "Idempotency-Key",
                format!("{}-{}", update.incident_id, update.sequence),
            )
            .json(&body)
            .send()
            .await
            .map_err(|e| {
                DeliveryError::transient(if e.is_timeout() {
                    "the webhook timed out".to_owned()
                } else {
                    format!("the webhook could not be reached ({})", e.without_url())
                })
            })?;
        let status = response.status();
        if status.is_success() {
            return Ok(Receipt {
                id: format!("HTTP {}", status.as_u16()),
                room: None,
            });
        }
        let retry_after = response
            .headers()
            .get(reqwest::header::RETRY_AFTER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.trim().parse::<u64>().ok())
            .map(Duration::from_secs);
        Err(DeliveryError {
            reason: format!("the webhook answered HTTP {}", status.as_u16()),
            retry_after,
            permanent: false,
        })
    }
}
