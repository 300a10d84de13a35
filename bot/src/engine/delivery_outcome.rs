//! What a delivery's outcome writes: a confirmed client update on the timeline (the first
//! confirmed client-facing delivery is when the client heard) and a word in the room when a
//! destination recovers; a failure's timeline entry and notice, once at first and once on giving up.

use tracing::{info, warn};

use super::pages;
use super::port::DeliveryError;
use super::{Engine, EngineError};
use crate::domain::{EventKind, Incident, TimelineEvent};
use crate::effects::{Destination, MessageKind, OutboxItem, Receipt};
use crate::store::Change;

impl Engine {
    /// Timeline facts a confirmed delivery establishes, with the room told of a recovery.
    pub(super) fn after_success(
        &self,
        item: &OutboxItem,
        receipt: &Receipt,
        incident: &Incident,
        version: i64,
    ) -> Result<Option<Change>, EngineError> {
        let now = self.clock.now();
        let destination = &item.delivery.destination;
        let mut events = Vec::new();
        if let (Destination::OpenRoom { platform }, Some(opened)) = (destination, &receipt.room) {
            events.push(TimelineEvent {
                at: now,
                actor: None,
                kind: EventKind::RoomOpened {
                    platform: platform.clone(),
                    room: opened.id.clone(),
                    name: opened.name.clone(),
                    brief: opened.brief.clone(),
                },
            });
        }
        let mut recovered = None;
        if let (Some(sequence), true) = (item.update_sequence, destination.is_client_facing()) {
            let due_at = item.delivery.message.update.as_ref().and_then(|u| u.due_at);
            let contract = self.contract(incident);
            let mut delivered = incident.record_delivery(
                sequence,
                &destination.label(),
                now,
                self.terms_for(&contract),
                due_at,
            );
            if item.delivery.message.kind == MessageKind::Resolution {
                // The resolution notice was never due: it counts as delivered, not as an update
                // on time or late.
                delivered.retain(|event| !matches!(event.kind, EventKind::UpdateLanded { .. }));
            }
            for event in &delivered {
                if let EventKind::UpdateLanded { on_time, .. } = event.kind {
                    let outcome = if on_time { "on_time" } else { "late" };
                    metrics::counter!("commandpost_client_updates_total", "outcome" => outcome)
                        .increment(1);
                    info!(sequence, outcome, "client update reached the client");
                }
            }
            events.extend(delivered);
            if item.attempts > 1 {
                recovered = Some(format!(
                    "✅ Client update #{sequence} reached {} after {} attempts.",
                    destination.label(),
                    item.attempts
                ));
            }
        }
        if events.is_empty() {
            return Ok(None);
        }
        let mut next = incident.clone();
        for event in &events {
            next.apply(event);
        }
        let deliveries = match recovered {
            Some(text) => self.room_notice(&next, text, false)?,
            None => Vec::new(),
        };
        Ok(Some(Change {
            timer_at: self.timer_at(&next),
            incident: next,
            expected_version: version,
            events,
            deliveries,
        }))
    }

    /// On a client update's first failure and when giving up: a timeline entry and a word in the room.
    pub(super) fn after_failure(
        &self,
        item: &OutboxItem,
        error: &DeliveryError,
        give_up: bool,
        incident: &Incident,
        version: i64,
    ) -> Result<Option<Change>, EngineError> {
        let destination = &item.delivery.destination;
        metrics::counter!("commandpost_update_delivery_failures_total", "destination" => destination.metric_label()).increment(1);
        warn!(reason = %error.reason, give_up, "delivery failed");
        if let Destination::Pager { action } = destination {
            let notice = pages::failure_notice(*action, &error.reason, item.attempts, give_up);
            let Some(text) = notice else {
                return Ok(None);
            };
            return Ok(Some(Change {
                timer_at: self.timer_at(incident),
                incident: incident.clone(),
                expected_version: version,
                events: Vec::new(),
                deliveries: self.room_notice(incident, text, false)?,
            }));
        }
        let Some(sequence) = item
            .update_sequence
            .filter(|_| destination.is_client_facing())
        else {
            return Ok(None);
        };
        if !(item.attempts == 1 || give_up) {
            return Ok(None);
        }
        let event = TimelineEvent {
            at: self.clock.now(),
            actor: None,
            kind: EventKind::DeliveryFailed {
                sequence,
                destination: destination.label(),
                error: error.reason.clone(),
                gave_up: give_up,
            },
        };
        let text = if give_up {
            format!("⚠️ Client update #{sequence} could not be delivered to {}: {}. Given up after {} attempts; reach the client another way.", destination.label(), error.reason, item.attempts)
        } else {
            format!(
                "⚠️ Client update #{sequence} to {} failed: {}. Retrying with backoff.",
                destination.label(),
                error.reason
            )
        };
        let deliveries = self.room_notice(incident, text, false)?;
        let mut next = incident.clone();
        next.apply(&event);
        Ok(Some(Change {
            timer_at: self.timer_at(&next),
            incident: next,
            expected_version: version,
            events: vec![event],
            deliveries,
        }))
    }
}
