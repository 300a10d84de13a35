//! Durable timers: nudges before a client update is due, escalations after it is late.
//! Due incidents come from one indexed query; each firing is committed with a version check,
//! so with several replicas exactly one of them fires it.

use tracing::{debug, info, warn};

use super::{Engine, EngineError};
use crate::domain::{EventKind, TimerKind};
use crate::store::{Change, StoreError};

/// Incidents handled per tick; the rest wait for the next tick.
const TIMER_BATCH: i64 = 500;

impl Engine {
    /// Fires every nudge and escalation due now; returns how many fired.
    pub async fn run_timers(&self) -> Result<usize, EngineError> {
        let now = self.clock.now();
        let due = self.store.due_timers(now, TIMER_BATCH).await?;
        let mut fired = 0;
        for id in due {
            let Some(stored) = self.store.incident(&id).await? else {
                continue;
            };
            let incident = stored.incident;
            let span = tracing::info_span!("incident", incident = %incident.id);
            let _entered = span.enter();
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
            let change = Change {
                timer_at: self.timer_at(&next),
                incident: next,
                expected_version: stored.version,
                events,
                deliveries,
            };
            let had_events = !change.events.is_empty();
            match self.commit(change).await {
                Ok(()) => fired += usize::from(had_events),
                Err(EngineError::Store(StoreError::Conflict(_))) => {
                    debug!("another writer changed the incident first; the next tick looks again")
                }
                Err(error) => warn!(%error, "timer could not be recorded"),
            }
        }
        Ok(fired)
    }
}
