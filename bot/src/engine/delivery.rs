//! The outbox worker: delivers each queued message, records confirmations on the timeline
//! (the first confirmed client-facing delivery is when the client heard), retries failures with
//! backoff and tells the room which destination failed and why.

use std::time::Duration;

use chrono::{DateTime, Utc};
use tracing::{instrument, warn};

use super::port::DeliveryError;
use super::port::{EmailBody, Page};
use super::room_progress::RoomRecorder;
use super::{Engine, EngineError};
use crate::config::webhook_key;
use crate::domain::Incident;
use crate::effects::{Destination, OutboxItem, Receipt};
use crate::store::{StatusPost, StoreError};
use secrecy::ExposeSecret;

/// Receipts of one incident's deliveries race to append to its timeline; each loser re-reads
/// and tries again, so this must exceed how many destinations one change fans out to, or a
/// delivered message is sent again when its lease ends.
const CONFLICT_ATTEMPTS: u32 = 16;

/// Client updates are worth trying for about half an hour; room chatter for a few minutes.
const CLIENT_ATTEMPTS: u32 = 12;
const OTHER_ATTEMPTS: u32 = 8;
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// Exponential backoff from 2 s, capped, unless the destination said how long to wait. What a
/// destination asks for is clamped to the same cap: a client's webhook must not be able to park
/// its deliveries for years (or overflow the clock) with an absurd `Retry-After`.
pub fn retry_delay(attempts: u32, retry_after: Option<Duration>) -> Duration {
    let backoff = Duration::from_secs(2u64.saturating_pow(attempts.clamp(1, 16))).min(MAX_BACKOFF);
    retry_after.map_or(backoff, |asked| {
        asked.clamp(Duration::from_millis(100), MAX_BACKOFF)
    })
}

/// `now + delay` without overflow: the latest representable time when the sum would not fit.
pub fn after(now: DateTime<Utc>, delay: Duration) -> DateTime<Utc> {
    chrono::Duration::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// One delivery attempt's outcome, by kind of destination.
fn count_outcome(item: &OutboxItem, outcome: &'static str) {
    metrics::counter!(
        "commandpost_outbox_deliveries_total",
        "destination" => item.delivery.destination.metric_label(),
        "outcome" => outcome
    )
    .increment(1);
}

/// Another worker took the item over (ours was presumed dead): its outcome is theirs to write.
fn lease_taken_over(item: &OutboxItem) {
    metrics::counter!("commandpost_outbox_lease_takeovers_total").increment(1);
    count_outcome(item, "taken_over");
    warn!(item = item.id, claim = %item.claim, "another worker took this delivery over; leaving the outcome to it");
}

impl Engine {
    #[instrument(skip_all, fields(incident = ?item.incident_id, destination = %item.delivery.destination.label(), attempt = item.attempts))]
    pub(super) async fn deliver(&self, item: OutboxItem) -> Result<(), EngineError> {
        let Some(incident_id) = item.incident_id.clone() else {
            return self.deliver_unbound(item).await;
        };
        let Some(stored) = self.store.incident(&incident_id).await? else {
            return Ok(());
        };
        let result = self
            .keeping_claim(&item, self.send(&item, &stored.incident))
            .await;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let stored = self
                .store
                .incident(&incident_id)
                .await?
                .ok_or_else(|| StoreError::Corrupt(format!("{incident_id} vanished")))?;
            let outcome = match &result {
                Ok(receipt) => {
                    let change =
                        self.after_success(&item, receipt, &stored.incident, stored.version)?;
                    count_outcome(&item, "delivered");
                    self.store
                        .delivery_succeeded(&item, receipt, self.clock.now(), change)
                        .await
                }
                Err(error) => {
                    let limit = if item.delivery.destination.is_client_facing() {
                        CLIENT_ATTEMPTS
                    } else {
                        OTHER_ATTEMPTS
                    };
                    let give_up = error.permanent || item.attempts >= limit;
                    let retry_at = (!give_up).then(|| {
                        after(
                            self.clock.now(),
                            retry_delay(item.attempts, error.retry_after),
                        )
                    });
                    let change = self.after_failure(
                        &item,
                        error,
                        give_up,
                        &stored.incident,
                        stored.version,
                    )?;
                    count_outcome(&item, if give_up { "failed" } else { "retry" });
                    self.store
                        .delivery_failed(&item, &error.reason, retry_at, change)
                        .await
                }
            };
            match outcome {
                Err(StoreError::Conflict(_)) if attempt < CONFLICT_ATTEMPTS => continue,
                Err(StoreError::ClaimLost(_)) => {
                    lease_taken_over(&item);
                    return Ok(());
                }
                Err(error) => return Err(error.into()),
                Ok(()) => break,
            }
        }
        if result.is_ok() || !item.delivery.destination.is_client_facing() {
            self.outbox_ready.notify_one();
        }
        Ok(())
    }

    /// Level-1 triage messages: no incident, no timeline; retried like any other.
    async fn deliver_unbound(&self, item: OutboxItem) -> Result<(), EngineError> {
        let destination = &item.delivery.destination;
        let platform = destination.platform().unwrap_or_default();
        let result = match (self.platforms.get(platform), destination) {
            (Some(adapter), Destination::DirectMessage { user, .. }) => {
                let next_path = item
                    .delivery
                    .message
                    .sign_in
                    .as_deref()
                    .unwrap_or("/incidents");
                self.keeping_claim(&item, self.send_sign_in(adapter.as_ref(), user, next_path))
                    .await
            }
            (Some(adapter), _) => {
                self.keeping_claim(&item, adapter.deliver_unbound(&item))
                    .await
            }
            (None, _) => Err(DeliveryError::permanent(format!(
                "the {platform} adapter is not enabled"
            ))),
        };
        let now = self.clock.now();
        let outcome = match result {
            Ok(receipt) => {
                self.store
                    .delivery_succeeded(&item, &receipt, now, None)
                    .await
            }
            Err(error) => {
                metrics::counter!("commandpost_update_delivery_failures_total", "destination" => destination.metric_label())
                    .increment(1);
                warn!(reason = %error.reason, "triage message delivery failed");
                let give_up = error.permanent || item.attempts >= OTHER_ATTEMPTS;
                let retry_at =
                    (!give_up).then(|| after(now, retry_delay(item.attempts, error.retry_after)));
                self.store
                    .delivery_failed(&item, &error.reason, retry_at, None)
                    .await
            }
        };
        match outcome {
            Err(StoreError::ClaimLost(_)) => {
                lease_taken_over(&item);
                Ok(())
            }
            other => Ok(other?),
        }
    }

    async fn send(&self, item: &OutboxItem, incident: &Incident) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        match &item.delivery.destination {
            Destination::Webhook { url } => {
                let update = message.update.as_ref().ok_or_else(|| {
                    DeliveryError::permanent("a webhook only takes client updates")
                })?;
                let key = self
                    .config
                    .client(&update.client)
                    .and_then(|client| client.webhook_secret.as_ref())
                    .and_then(|secret| webhook_key(secret.expose_secret()));
                self.webhook
                    .post(url, update, self.clock.now(), key.as_deref())
                    .await
            }
            Destination::Email { to } => {
                let update = message
                    .update
                    .as_ref()
                    .ok_or_else(|| DeliveryError::permanent("email only takes client updates"))?;
                let sender = self.email.as_ref().ok_or_else(|| {
                    DeliveryError::permanent("email is not configured in this deployment")
                })?;
                let body = EmailBody {
                    plain: &message.text,
                    html: message.html.as_deref().unwrap_or(&message.text),
                };
                sender.send(to, update, body).await
            }
            Destination::Pager { action } => {
                let pager = self.pager.as_ref().ok_or_else(|| {
                    DeliveryError::permanent("paging is not configured in this deployment")
                })?;
                let page = Page::new(
                    *action,
                    incident,
                    &message.text,
                    item.created_at,
                    &self.config.http.public_url,
                );
                pager.send(&page).await
            }
            Destination::StatusPage => {
                let update = message.update.as_ref().ok_or_else(|| {
                    DeliveryError::permanent("the status page only takes client updates")
                })?;
                let post = StatusPost {
                    incident_id: update.incident_id.clone(),
                    sequence: update.sequence,
                    client: update.client.clone(),
                    severity: update.severity.to_string(),
                    stage: update.stage.to_string(),
                    title: update.title.clone(),
                    message: update.message.clone(),
                    posted_at: self.clock.now(),
                };
                self.store.add_status_post(&post).await.map_err(|e| {
                    DeliveryError::transient(format!("the status page store failed: {e}"))
                })?;
                Ok(Receipt {
                    id: format!("status/{}/{}", update.incident_id, update.sequence),
                    room: None,
                })
            }
            destination => {
                let platform = destination.platform().unwrap_or_default();
                let adapter = self.platforms.get(platform).ok_or_else(|| {
                    DeliveryError::permanent(format!(
                        "the {platform} adapter is not enabled in this deployment"
                    ))
                })?;
                if let Destination::OpenRoom { platform } = destination {
                    let progress = RoomRecorder {
                        engine: self,
                        incident: incident.id.clone(),
                        platform: platform.clone(),
                    };
                    return adapter.open_room(item, incident, &progress).await;
                }
                adapter.deliver(item, incident).await
            }
        }
    }
}
