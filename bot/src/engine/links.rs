//! Long-lived links to chat platforms (Slack Socket Mode): since when each has been down, so
//! `/healthz` reports a link that stayed down instead of a bot that silently hears nothing.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// A link down this long makes the process unhealthy: reconnecting takes seconds.
pub const LINK_DOWN_AFTER: Duration = Duration::from_secs(60);

#[derive(Debug)]
pub struct LinkHealth {
    down_since: Mutex<HashMap<&'static str, Instant>>,
    limit_ms: AtomicU64,
}

impl Default for LinkHealth {
    fn default() -> Self {
        Self {
            down_since: Mutex::default(),
            limit_ms: AtomicU64::new(LINK_DOWN_AFTER.as_millis() as u64),
        }
    }
}

impl LinkHealth {
    /// The link is not connected (kept from the first moment it went down).
    pub fn down(&self, link: &'static str) {
        if let Ok(mut links) = self.down_since.lock() {
            links.entry(link).or_insert_with(Instant::now);
        }
    }

    /// The link is connected and greeted.
    pub fn up(&self, link: &'static str) {
        if let Ok(mut links) = self.down_since.lock() {
            links.remove(link);
        }
    }

    /// The link that has been down longest, when that is longer than the limit.
    pub fn down_too_long(&self) -> Option<(&'static str, Duration)> {
        let limit = Duration::from_millis(self.limit_ms.load(Ordering::Relaxed));
        let links = self.down_since.lock().ok()?;
        links
            .iter()
            .map(|(link, since)| (*link, since.elapsed()))
            .filter(|(_, down)| *down > limit)
            .max_by_key(|(_, down)| *down)
    }

    /// Tests shorten the limit so they need not wait a minute.
    #[doc(hidden)]
    pub fn set_limit(&self, limit: Duration) {
        self.limit_ms
            .store(limit.as_millis() as u64, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_is_reported_only_while_down_past_the_limit() {
        let links = LinkHealth::default();
        links.set_limit(Duration::ZERO);
        assert_eq!(links.down_too_long(), None);
        links.down("slack socket mode");
        std::thread::sleep(Duration::from_millis(2));
        assert_eq!(
            links.down_too_long().map(|(l, _)| l),
            Some("slack socket mode")
        );
        links.up("slack socket mode");
        assert_eq!(links.down_too_long(), None);
        links.set_limit(LINK_DOWN_AFTER);
        links.down("slack socket mode");
        assert_eq!(links.down_too_long(), None, "not yet a minute");
    }
}
