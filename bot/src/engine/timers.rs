//! Durable timers: nudges before a client update is due, escalations after it is late.
//! Due incidents come from one indexed query; each firing is committed with a version check,
//! so with several replicas exactly one of them fires it.

use tracing::{debug, info, warn, Instrument};

use super::{Engine, EngineError};
use crate::domain::{EventKind, TimerKind};
use crate::store::{Change, StoreError};

/// Incidents handled per tick; the rest wait for the next tick.
const TIMER_BATCH: i64 = 500;

impl Engine {
    /// Fires every nudge and escalation due now; returns how many fired. One incident that
    /// cannot be handled (a broken template, say) is logged and skipped, never blocking the rest.
    pub async fn run_timers(&self) -> Result<usize, EngineError> {
        let now = self.clock.now();
        let due = self.store.due_timers(now, TIMER_BATCH).await?;
        let mut fired = 0;
        for id in due {
            let span = tracing::info_span!("incident", incident = %id);
            match self.fire_timer(&id, now).instrument(span).await {
                Ok(true) => fired += 1,
                Ok(false) => {}
                Err(EngineError::Store(StoreError::Conflict(_))) => {
                    debug!(incident = %id, "another writer changed the incident first; the next tick looks again")
                }
                Err(error) => {
                    metrics::counter!("commandpost_timer_failures_total").increment(1);
                    warn!(incident = %id, %error, "timer could not be fired; the others go on");
                }
            }
        }
        Ok(fired)
    }

    /// Fires one incident's due timer; whether an event was recorded.
    async fn fire_timer(
        &self,
        id: &crate::domain::IncidentId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<bool, EngineError> {
        let Some(stored) = self.store.incident(id).await? else {
            return Ok(false);
        };
        let incident = stored.incident;
        let (events, deliveries) = match incident.fire_timer(now, &self.policy) {
            Some((kind, event)) => {
                let mut next = incident.clone();
                next.apply(&event);
                let deliveries = match (&event.kind, kind) {
                    (_, TimerKind::Nudge) => self.nudge_messages(&next)?,
                    (
                        EventKind::UpdateEscalated {
                            due_at,
                            late_by_secs,
                        },
                        TimerKind::Escalate,
                    ) => {
                        metrics::counter!("commandpost_update_breaches_total").increment(1);
                        self.escalation_messages(&next, *due_at, *late_by_secs)?
                    }
                    (_, TimerKind::CommanderMissing) => {
                        metrics::counter!("commandpost_update_breaches_total").increment(1);
                        self.commander_missing_messages(&next)?
                    }
                    _ => Vec::new(),
                };
                info!(timer = ?kind, "timer fired");
                (vec![event], deliveries)
            }
            // The stored timer was stale: just reschedule.
            None => (Vec::new(), Vec::new()),
        };
        let mut next = incident.clone();
        for event in &events {
            next.apply(event);
        }
        let had_events = !events.is_empty();
        self.commit(Change {
            timer_at: self.timer_at(&next),
            incident: next,
            expected_version: stored.version,
            events,
            deliveries,
        })
        .await?;
        Ok(had_events)
    }
}
