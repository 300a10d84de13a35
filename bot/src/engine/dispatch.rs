//! Running the outbox: claims carry a token and a short lease that the worker extends while a
//! call is in flight, and different destinations are delivered concurrently (order within one
//! destination is kept by the claim query), so one hanging webhook delays only itself and a
//! dead worker's items are picked up within seconds.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{self, StreamExt};
use tokio::sync::Semaphore;
use tracing::{warn, Instrument};

use super::{Engine, EngineError};
use crate::effects::OutboxItem;
use crate::store::StoreError;

/// Items claimed per pass.
const BATCH: i64 = 50;
/// How long a claim keeps other workers away without being extended. A worker that died holds
/// its items no longer than this; a live one extends it every `LEASE / 3` while a call runs.
pub const LEASE: Duration = Duration::from_secs(15);
/// Deliveries in flight at once per process, not counting slow ones (below).
pub const IN_FLIGHT: usize = 16;
/// A delivery still running after this stops counting against [`IN_FLIGHT`]: a destination
/// that hangs (a black-holed webhook waits out its whole timeout) must not take a slot from the
/// healthy ones for long, however many of them hang at once.
pub const SLOW_AFTER: Duration = Duration::from_secs(1);
/// All deliveries in flight at once, slow ones included: bounds the tasks (and sockets) a
/// process holds whatever its destinations do.
pub const MAX_IN_FLIGHT: usize = 256;

impl Engine {
    /// Delivers what is due in the outbox, up to [`IN_FLIGHT`] at a time, and waits for all of
    /// them; returns how many items were attempted. Tests and one-shot callers use this.
    pub async fn deliver_due(&self) -> Result<usize, EngineError> {
        let items = self
            .store
            .claim_deliveries(&self.worker_id, self.clock.now(), BATCH, LEASE)
            .await?;
        let count = items.len();
        stream::iter(items)
            .for_each_concurrent(IN_FLIGHT, |item| async move {
                if let Err(error) = self.deliver(item).await {
                    warn!(%error, "delivery bookkeeping failed; the lease ends and it is retried");
                }
            })
            .await;
        Ok(count)
    }

    /// The background worker's delivery step: claims as many due items as there are free
    /// permits and delivers each in its own task without waiting, so the next pass (and the
    /// timers) run while a slow destination is still being tried. Returns how many it started.
    pub async fn dispatch_due(
        self: &Arc<Self>,
        permits: &Arc<Semaphore>,
    ) -> Result<usize, EngineError> {
        let free = permits
            .available_permits()
            .min(self.all_in_flight.available_permits());
        if free == 0 {
            return Ok(0);
        }
        let limit = i64::try_from(free).unwrap_or(BATCH).min(BATCH);
        let items = self
            .store
            .claim_deliveries(&self.worker_id, self.clock.now(), limit, LEASE)
            .await?;
        let count = items.len();
        for item in items {
            let (Ok(permit), Ok(held)) = (
                permits.clone().try_acquire_owned(),
                self.all_in_flight.clone().try_acquire_owned(),
            ) else {
                // Cannot happen (only this loop takes permits); the lease ends and it is retried.
                break;
            };
            let engine = self.clone();
            let span = tracing::info_span!("delivery", item = item.id);
            let delivery = tokio::spawn({
                let engine = engine.clone();
                async move {
                    if let Err(error) = engine.deliver(item).await {
                        warn!(%error, "delivery bookkeeping failed; the lease ends and it is retried");
                    }
                }
                .instrument(span)
            });
            // Supervised like the worker's pass: a panicking adapter is logged and counted,
            // its item's lease ends and it is retried, and the permit is given back.
            tokio::spawn(async move {
                let mut delivery = delivery;
                let mut permit = Some(permit);
                let finished = tokio::select! {
                    finished = &mut delivery => Some(finished),
                    () = tokio::time::sleep(SLOW_AFTER) => None,
                };
                let finished = match finished {
                    Some(finished) => finished,
                    None => {
                        // Slow: its active slot goes to the next item now.
                        drop(permit.take());
                        engine.outbox_ready.notify_one();
                        delivery.await
                    }
                };
                if let Err(error) = finished {
                    if error.is_panic() {
                        metrics::counter!("commandpost_worker_panics_total").increment(1);
                        tracing::error!(%error, "a delivery panicked; it is retried when its lease ends");
                    }
                }
                drop(permit);
                drop(held);
                // The next item of the same destination may be due now.
                engine.outbox_ready.notify_one();
            });
        }
        Ok(count)
    }

    /// Runs `call` (a delivery to a platform) while extending `item`'s lease, so a slow but
    /// live call is never taken over by another worker.
    pub(super) async fn keeping_claim<T>(
        &self,
        item: &OutboxItem,
        call: impl Future<Output = T>,
    ) -> T {
        let keep = async {
            loop {
                tokio::time::sleep(LEASE / 3).await;
                match self.store.extend_claim(item, self.clock.now(), LEASE).await {
                    Ok(()) => {}
                    Err(StoreError::ClaimLost(_)) => {
                        warn!(item = item.id, "lost the claim while delivering");
                        std::future::pending::<()>().await;
                    }
                    Err(error) => warn!(%error, item = item.id, "could not extend the claim"),
                }
            }
        };
        tokio::select! {
            result = call => result,
            () = keep => unreachable!("keeping a claim never ends on its own"),
        }
    }
}
