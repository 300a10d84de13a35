//! Discord's rate-limit buckets as this process counts them. A request is counted (reserved)
//! before it goes out, so concurrent deliveries never spend more than Discord said is left;
//! a request that does not fit waits for its place in a later window instead of bursting the
//! fresh one with everyone else who waited.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use reqwest::header::HeaderMap;

use super::rest::bounded_wait;

type Key = serenity::http::RatelimitingBucket;

/// What we know of one rate-limit bucket. Requests are counted here before they go out
/// (reserved), so concurrent deliveries never spend more than Discord said is left.
#[derive(Debug, Clone, Copy)]
struct Bucket {
    /// Places left in the window that opens at `opens_at` (the current one, or a later one
    /// that reservations have already reached), minus those reserved since Discord last said.
    remaining: i64,
    opens_at: Instant,
    /// When that window ends; `None` until the bucket's first answer.
    reset_at: Option<Instant>,
    /// The window's size (`X-RateLimit-Limit`): what a new window holds.
    limit: i64,
    /// How long a window lasts, from the last `X-RateLimit-Reset-After` seen at a full bucket.
    window: Duration,
    /// Requests reserved and not yet answered.
    in_flight: i64,
}

impl Bucket {
    /// Reserves one request: how long after `now` it may go out. A request that does not fit
    /// the current window takes a place in the next one, so waiters never burst a fresh window.
    /// `None` while the bucket's first request is still out: nobody knows its size yet.
    fn reserve(&mut self, now: Instant) -> Option<Duration> {
        self.reset_at?;
        if self.reset_at.is_some_and(|reset| reset <= now) {
            // Every window we counted is over: a fresh one opens with this request.
            self.remaining = self.limit;
            self.opens_at = now;
            self.reset_at = Some(now + planned(self.window));
        }
        self.in_flight += 1;
        if self.remaining <= 0 {
            // This request's place is in the next window.
            let next = self.reset_at.unwrap_or(now);
            self.opens_at = next;
            self.reset_at = Some(next + planned(self.window));
            self.remaining = self.limit;
        }
        self.remaining -= 1;
        Some(self.opens_at.saturating_duration_since(now))
    }

    /// A bucket met for the first time: its first request goes out alone, and the answer's
    /// headers size it before anyone else spends from it (Discord's own advice).
    fn probing() -> Self {
        Bucket {
            remaining: 0,
            opens_at: Instant::now(),
            reset_at: None,
            limit: 1,
            window: Duration::from_secs(1),
            in_flight: 1,
        }
    }
}

/// Discord starts a window when a request arrives, a moment after we sent it: windows we
/// plan ahead end this much later than our count says (plus a tenth of the window), so an
/// early arrival never lands in the window before.
const WINDOW_MARGIN: Duration = Duration::from_millis(50);

fn planned(window: Duration) -> Duration {
    window + WINDOW_MARGIN + window / 10
}

/// How long to look again when a bucket's first answer is still outstanding.
pub const PROBE_POLL: Duration = Duration::from_millis(20);

/// Every bucket this process has heard of, and the global limit when Discord imposed one.
#[derive(Debug, Default)]
pub struct Buckets {
    buckets: Mutex<HashMap<Key, Bucket>>,
    global_until: Mutex<Option<Instant>>,
}

impl Buckets {
    /// Reserves a request on `bucket`: how long to wait before it may go out. A bucket not
    /// seen yet is learned from the first answer.
    /// `None`: ask again after [`PROBE_POLL`] (the bucket is being sized).
    pub fn reserve(&self, bucket: Key) -> Option<Duration> {
        let now = Instant::now();
        let global = self
            .global_until
            .lock()
            .ok()
            .and_then(|until| *until)
            .map(|until| until.saturating_duration_since(now))
            .unwrap_or_default();
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let route = match buckets.get_mut(&bucket) {
            Some(known) => known.reserve(now)?,
            None => {
                buckets.insert(bucket, Bucket::probing());
                Duration::ZERO
            }
        };
        Some(global.max(route))
    }

    /// A reserved request that never went out: its place is free again.
    pub fn release(&self, bucket: Key) {
        if let Ok(mut buckets) = self.buckets.lock() {
            if buckets.get(&bucket).is_some_and(|b| b.reset_at.is_none()) {
                buckets.remove(&bucket);
            } else if let Some(b) = buckets.get_mut(&bucket) {
                b.in_flight = (b.in_flight - 1).max(0);
                b.remaining += 1;
            }
        }
    }

    /// A request that went out but got no answer: Discord may have counted it, so its place
    /// stays spent.
    pub fn unanswered(&self, bucket: Key) {
        if let Ok(mut buckets) = self.buckets.lock() {
            if buckets.get(&bucket).is_some_and(|b| b.reset_at.is_none()) {
                // The probe got no answer: the next request probes again.
                buckets.remove(&bucket);
            } else if let Some(b) = buckets.get_mut(&bucket) {
                b.in_flight = (b.in_flight - 1).max(0);
            }
        }
    }

    /// Discord's count after one of our requests. What is left is what it says minus our
    /// requests still in flight (it has not counted those yet); an answer about a window we
    /// have already planned past, or an older answer arriving late, never adds places.
    pub fn remember(&self, bucket: Key, headers: &HeaderMap) {
        let number = |name: &str| -> Option<f64> { headers.get(name)?.to_str().ok()?.parse().ok() };
        let (Some(remaining), Some(reset_after)) = (
            number("x-ratelimit-remaining"),
            number("x-ratelimit-reset-after"),
        ) else {
            self.unanswered(bucket);
            return;
        };
        let remaining = remaining as i64;
        let limit = (number("x-ratelimit-limit").map_or(remaining + 1, |l| l as i64)).max(1);
        let reset_at = Instant::now() + bounded_wait(reset_after);
        let Ok(mut buckets) = self.buckets.lock() else {
            return;
        };
        let known = buckets.entry(bucket).or_insert(Bucket {
            remaining,
            opens_at: Instant::now(),
            reset_at: Some(reset_at),
            limit,
            window: bounded_wait(reset_after),
            in_flight: 1,
        });
        known.in_flight = (known.in_flight - 1).max(0);
        known.limit = limit;
        if remaining + 1 >= limit {
            // The first request of a window: reset-after spans the whole window.
            known.window = bounded_wait(reset_after).max(Duration::from_millis(1));
        }
        if known.reset_at.is_none() {
            // The probe's answer: the bucket's size and window, at last.
            known.remaining = (remaining - known.in_flight).max(0);
            known.opens_at = Instant::now();
            known.reset_at = Some(reset_at);
            return;
        }
        let tolerance = Duration::from_millis(100);
        let ours = known.reset_at.unwrap_or(reset_at);
        if ours > reset_at + tolerance {
            return;
        }
        let left = (remaining - known.in_flight).max(0);
        if reset_at > ours + tolerance {
            // A window newer than the one we were counting.
            known.remaining = left;
            known.opens_at = Instant::now();
            known.reset_at = Some(reset_at);
        } else {
            known.remaining = known.remaining.min(left);
            known.reset_at = Some(ours.max(reset_at));
        }
    }

    /// A 429: nothing more on this bucket (or at all, when `global`) until `until`.
    pub fn limited(&self, bucket: Key, global: bool, until: Instant) {
        if global {
            if let Ok(mut slot) = self.global_until.lock() {
                *slot = Some(until);
            }
        } else if let Ok(mut buckets) = self.buckets.lock() {
            if let Some(known) = buckets.get_mut(&bucket) {
                known.remaining = 0;
                known.reset_at = Some(until);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bucket(limit: i64, window: Duration, now: Instant) -> Bucket {
        Bucket {
            remaining: limit,
            opens_at: now,
            reset_at: Some(now + window),
            limit,
            window,
            in_flight: 0,
        }
    }

    #[test]
    fn reservations_never_exceed_a_window_and_queue_into_the_next_ones() {
        let now = Instant::now();
        let window = Duration::from_secs(1);
        let mut known = bucket(3, window, now);
        let waits: Vec<Duration> = (0..7).map(|_| known.reserve(now).unwrap()).collect();
        assert_eq!(
            waits,
            [
                Duration::ZERO,
                Duration::ZERO,
                Duration::ZERO,
                window,
                window,
                window,
                window + planned(window)
            ]
        );
    }

    #[test]
    fn a_new_bucket_sends_one_request_until_its_size_is_known() {
        let buckets = Buckets::default();
        let key = serenity::http::Route::Gateway.ratelimiting_bucket();
        assert_eq!(buckets.reserve(key), Some(Duration::ZERO), "the probe goes");
        assert_eq!(buckets.reserve(key), None, "the rest wait for its answer");
        let mut headers = HeaderMap::new();
        for (name, value) in [
            ("x-ratelimit-limit", "3"),
            ("x-ratelimit-remaining", "2"),
            ("x-ratelimit-reset-after", "1.000"),
        ] {
            headers.insert(name, value.parse().unwrap());
        }
        buckets.remember(key, &headers);
        assert_eq!(buckets.reserve(key), Some(Duration::ZERO));
        assert_eq!(buckets.reserve(key), Some(Duration::ZERO));
        assert!(
            buckets.reserve(key).unwrap() > Duration::from_millis(900),
            "full"
        );
    }

    #[test]
    fn a_window_that_ended_holds_the_full_limit_again() {
        let now = Instant::now();
        let window = Duration::from_millis(500);
        let mut known = bucket(2, window, now);
        known.remaining = 0;
        let later = now + Duration::from_secs(2);
        assert_eq!(known.reserve(later), Some(Duration::ZERO));
        assert_eq!(known.reserve(later), Some(Duration::ZERO));
        assert_eq!(known.reserve(later), Some(planned(window)));
    }
}
