//! One pass of background work: due timers, then the outbox, then how long to sleep.

use std::time::Duration;

use tracing::warn;

use super::Engine;

/// The longest the worker sleeps when nothing is due sooner.
pub const TICK: Duration = Duration::from_secs(1);
/// The shortest sleep, so a clock that stands still (in tests) cannot spin the worker.
const MIN_PAUSE: Duration = Duration::from_millis(10);

impl Engine {
    /// Fires due timers, delivers what is due, refreshes the overdue gauge, and says how long
    /// to sleep: until the earliest timer, at most a tick.
    pub async fn work_once(&self) -> Duration {
        if let Err(error) = self.run_timers().await {
            warn!(%error, "timer pass failed");
        }
        loop {
            match self.deliver_due().await {
                Ok(0) => break,
                Ok(_) => continue,
                Err(error) => {
                    warn!(%error, "delivery pass failed");
                    break;
                }
            }
        }
        let now = self.clock.now();
        if let Ok(overdue) = self.store.overdue_incidents(now).await {
            metrics::gauge!("commandpost_overdue_incidents").set(overdue as f64);
        }
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
