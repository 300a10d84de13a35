//! One pass of background work: due timers, then the outbox, then how long to sleep; and the
//! heartbeat `/healthz` reads to tell a stuck worker from a quiet one.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tracing::warn;

use super::Engine;

/// The longest the worker sleeps when nothing is due sooner.
pub const TICK: Duration = Duration::from_secs(1);
/// The shortest sleep, so a clock that stands still (in tests) cannot spin the worker.
const MIN_PAUSE: Duration = Duration::from_millis(10);
/// A worker silent this long is reported unhealthy: passes take milliseconds to seconds.
pub const STALL_AFTER: Duration = Duration::from_secs(60);

/// When the background worker last completed a pass. Monotonic process time, not the engine's
/// clock: this is about the process being alive, not about incident deadlines.
pub struct Heartbeat {
    origin: Instant,
    /// Milliseconds after `origin` of the last completed pass, plus one; 0 while no worker runs
    /// (tests that drive passes themselves, commands that run no worker).
    last_pass: AtomicU64,
}

impl Default for Heartbeat {
    fn default() -> Self {
        Self {
            origin: Instant::now(),
            last_pass: AtomicU64::new(0),
        }
    }
}

impl Heartbeat {
    /// Records a completed pass (and, on the first, that a worker runs at all).
    pub fn beat(&self) {
        let elapsed = u64::try_from(self.origin.elapsed().as_millis()).unwrap_or(u64::MAX - 1);
        self.last_pass.store(elapsed + 1, Ordering::Relaxed);
    }

    /// How long the worker has been silent, when that is longer than [`STALL_AFTER`].
    pub fn stalled(&self) -> Option<Duration> {
        silent_too_long(
            self.last_pass.load(Ordering::Relaxed),
            self.origin.elapsed(),
            STALL_AFTER,
        )
    }
}

fn silent_too_long(last_pass: u64, now: Duration, limit: Duration) -> Option<Duration> {
    if last_pass == 0 {
        return None;
    }
    let silent = now.saturating_sub(Duration::from_millis(last_pass - 1));
    (silent > limit).then_some(silent)
}

impl Engine {
    /// Outbox depth and the age of the oldest pending item, per kind of destination.
    async fn report_outbox(&self, now: chrono::DateTime<chrono::Utc>) {
        let Ok(lanes) = self.store.outbox_pending_by_lane().await else {
            return;
        };
        let mut by_kind: std::collections::HashMap<
            &str,
            (i64, Option<chrono::DateTime<chrono::Utc>>),
        > = crate::effects::Destination::METRIC_LABELS
            .iter()
            .map(|kind| (*kind, (0, None)))
            .collect();
        for (lane, depth, oldest) in lanes {
            let entry = by_kind
                .entry(crate::effects::Destination::kind_of_lane(&lane))
                .or_insert((0, None));
            entry.0 += depth;
            entry.1 = Some(entry.1.map_or(oldest, |o| o.min(oldest)));
        }
        for (kind, (depth, oldest)) in by_kind {
            let age = oldest.map_or(0.0, |o| (now - o).num_milliseconds().max(0) as f64 / 1000.0);
            metrics::gauge!("commandpost_outbox_depth", "destination" => kind).set(depth as f64);
            metrics::gauge!("commandpost_outbox_oldest_seconds", "destination" => kind).set(age);
        }
    }

    /// Fires due timers, delivers what is due, refreshes the overdue gauge, and says how long
    /// to sleep: until the earliest timer, at most a tick.
    /// Deliveries are started in their own tasks (at most `permits` at once) and not awaited.
    pub async fn work_once(self: &Arc<Self>, permits: &Arc<Semaphore>) -> Duration {
        if let Err(error) = self.run_timers().await {
            warn!(%error, "timer pass failed");
        }
        let busy = match self.dispatch_due(permits).await {
            Ok(started) => started > 0 && permits.available_permits() > 0,
            Err(error) => {
                warn!(%error, "delivery pass failed");
                false
            }
        };
        if busy {
            // More may be due than one claim took; look again at once.
            return MIN_PAUSE;
        }
        let now = self.clock.now();
        if let Ok(overdue) = self.store.overdue_incidents(now).await {
            metrics::gauge!("commandpost_overdue_incidents").set(overdue as f64);
        }
        self.report_outbox(now).await;
        match self.store.next_timer_at().await {
            Ok(Some(next)) => (next - now)
                .to_std()
                .unwrap_or(MIN_PAUSE)
                .clamp(MIN_PAUSE, TICK),
            Ok(None) => TICK,
            Err(error) => {
                warn!(%error, "cannot read the next timer");
                TICK
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_worker_is_stalled_only_after_the_limit_and_only_once_it_ran() {
        let limit = Duration::from_secs(60);
        assert_eq!(silent_too_long(0, Duration::from_secs(3600), limit), None);
        let beat_at_10s = 10_000 + 1;
        assert_eq!(
            silent_too_long(beat_at_10s, Duration::from_secs(70), limit),
            None
        );
        assert_eq!(
            silent_too_long(beat_at_10s, Duration::from_secs(71), limit),
            Some(Duration::from_secs(61))
        );
        let heartbeat = Heartbeat::default();
        assert_eq!(heartbeat.stalled(), None);
        heartbeat.beat();
        assert_eq!(heartbeat.stalled(), None);
    }
}
