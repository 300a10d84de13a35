//! Outbound paging: an escalation sends a PagerDuty Events API v2 `trigger`, keyed by the
//! incident id so repeats fold into one PagerDuty alert; the next client update or the
//! resolution sends `resolve` with the same key. Sent through the outbox like any delivery.

use std::time::Duration;

use chrono::SecondsFormat;
use secrecy::{ExposeSecret, SecretString};
use serde::{Deserialize, Serialize};

use crate::config::PagingConfig;
use crate::domain::Severity;
use crate::effects::{PageAction, Receipt};
use crate::engine::port::{DeliveryError, Page, PagerPort};

/// What PagerDuty shows as the origin of the event.
pub const SOURCE: &str = "Command Post";

/// PagerDuty's four severities, from the incident's.
pub fn pagerduty_severity(severity: Severity) -> &'static str {
    match severity {
        Severity::P1 => "critical",
        Severity::P2 => "error",
        Severity::P3 => "warning",
        Severity::P4 => "info",
    }
}

#[derive(Debug, Serialize)]
struct Event<'a> {
    routing_key: &'a str,
    event_action: &'static str,
    dedup_key: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    payload: Option<Payload<'a>>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link<'a>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    client: Option<&'static str>,
}

#[derive(Debug, Serialize)]
struct Payload<'a> {
    summary: &'a str,
    source: &'static str,
    severity: &'static str,
    timestamp: String,
    component: &'a str,
    class: &'static str,
}

#[derive(Debug, Serialize)]
struct Link<'a> {
    href: &'a str,
    text: &'static str,
}

/// PagerDuty's answer; both fields are optional so an unexpected body is still an answer.
#[derive(Debug, Default, Deserialize)]
struct Answer {
    #[serde(default)]
    dedup_key: Option<String>,
    #[serde(default)]
    message: Option<String>,
    #[serde(default)]
    errors: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PagerSender {
    client: reqwest::Client,
    url: String,
    routing_key: SecretString,
}

impl PagerSender {
    pub fn new(config: &PagingConfig) -> Self {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .user_agent(concat!("CommandPost/", env!("CARGO_PKG_VERSION")))
            .build()
            .expect("the HTTP client builds with static settings");
        Self {
            client,
            url: config.pagerduty_url.clone(),
            routing_key: config.pagerduty_routing_key.clone(),
        }
    }

    /// The event's JSON body, as PagerDuty's Events API v2 defines it.
    fn body(&self, page: &Page<'_>) -> serde_json::Value {
        let dedup_key = page.incident.id.as_str();
        let trigger = page.action == PageAction::Trigger;
        let event = Event {
            routing_key: self.routing_key.expose_secret(),
            event_action: page.action.as_str(),
            dedup_key,
            payload: trigger.then(|| Payload {
                summary: page.summary,
                source: SOURCE,
                severity: pagerduty_severity(page.incident.severity),
                timestamp: page.at.to_rfc3339_opts(SecondsFormat::Millis, true),
                component: page.incident.client.as_str(),
                class: "client update overdue",
            }),
            links: if trigger {
                vec![Link {
                    href: &page.review_url,
                    text: "Review page",
                }]
            } else {
                Vec::new()
            },
            client: trigger.then_some(SOURCE),
        };
        serde_json::to_value(&event).expect("the event is plain JSON")
    }
}

#[async_trait::async_trait]
impl PagerPort for PagerSender {
    /// Sends one event. 2xx is delivered; 429 and 5xx are retried (with `Retry-After` when
    /// given); 400 and other refusals are permanent. No error carries the routing key.
    async fn send(&self, page: &Page<'_>) -> Result<Receipt, DeliveryError> {
        let response = self
            .client
            .post(&self.url)
            .json(&self.body(page))
            .send()
            .await
            .map_err(|e| crate::webhook::unanswered("PagerDuty", e))?;
        let status = response.status();
        let retry_after = crate::webhook::retry_after(response.headers());
        let answer: Answer = response
            .bytes()
            .await
            .ok()
            .and_then(|body| serde_json::from_slice(&body).ok())
            .unwrap_or_default();
        if status.is_success() {
            let key = answer
                .dedup_key
                .unwrap_or_else(|| page.incident.id.to_string());
            return Ok(Receipt {
                id: format!("pagerduty:{key}"),
                room: None,
            });
        }
        let code = status.as_u16();
        let mut reason = format!("PagerDuty answered HTTP {code}");
        let detail = if answer.errors.is_empty() {
            answer.message.unwrap_or_default()
        } else {
            answer.errors.join("; ")
        };
        if !detail.is_empty() {
            reason = format!("{reason}: {detail}");
        }
        // PagerDuty does not echo the key today; this keeps it out of logs and rooms if it ever does.
        let reason = reason.replace(self.routing_key.expose_secret(), "[routing key]");
        let retried = code == 429 || code == 408 || status.is_server_error();
        Err(DeliveryError {
            reason,
            retry_after: retried.then_some(retry_after).flatten(),
            permanent: !retried,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_map_to_pagerdutys_four() {
        assert_eq!(pagerduty_severity(Severity::P1), "critical");
        assert_eq!(pagerduty_severity(Severity::P2), "error");
        assert_eq!(pagerduty_severity(Severity::P3), "warning");
        assert_eq!(pagerduty_severity(Severity::P4), "info");
    }
}
