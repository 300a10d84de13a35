//! Shared plumbing of the fakes: binding a loopback listener, serving a router, and helpers.

use std::net::SocketAddr;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

/// Errors a fake can meet while starting.
#[derive(Debug, thiserror::Error)]
pub enum FakeError {
    /// The loopback listener could not be bound.
    #[error("could not bind a loopback port: {0}")]
    Bind(#[source] std::io::Error),
    /// A bundled API description could not be read or parsed.
    #[error("could not load the API description {path}: {reason}")]
    Spec {
        /// Path of the description file.
        path: String,
        /// What went wrong.
        reason: String,
    },
}

/// A router served on `127.0.0.1` on a random port until dropped.
pub(crate) struct Served {
    task: JoinHandle<()>,
}

impl Served {
    /// Binds the listener first (so its address is known to the router's state), then serves.
    pub(crate) async fn bind() -> Result<(TcpListener, SocketAddr), FakeError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(FakeError::Bind)?;
        let addr = listener.local_addr().map_err(FakeError::Bind)?;
        Ok((listener, addr))
    }

    pub(crate) fn serve(listener: TcpListener, router: Router) -> Self {
        let task = tokio::spawn(async move {
            // The server only ends when the task is aborted; an accept error ends the fake.
            let _ = axum::serve(listener, router).await;
        });
        Served { task }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// Polls `condition` every 10 ms until it holds or `timeout` passes; returns whether it held.
pub(crate) async fn poll_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Seconds since the Unix epoch, as a float.
pub(crate) fn epoch_secs_f64() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

/// Whole seconds since the Unix epoch.
pub(crate) fn epoch_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Locks a std mutex, recovering the data if a panicking test thread poisoned it.
pub(crate) fn lock<T>(m: &std::sync::Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Parses `application/x-www-form-urlencoded` text (or a query string) into a JSON map of
/// strings; a repeated key keeps its last value, as Slack does.
pub(crate) fn parse_form(text: &str) -> serde_json::Map<String, serde_json::Value> {
    form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), serde_json::Value::String(v.into_owned())))
        .collect()
}

/// The current time as RFC 3339 with microseconds, the form Discord uses for timestamps.
pub(crate) fn rfc3339_now() -> String {
    let d = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let secs = d.as_secs();
    let (y, m, day) = civil_from_days((secs / 86_400) as i64);
    let rem = secs % 86_400;
    format!(
        "{y:04}-{m:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        d.subsec_micros()
    )
}

/// Days since 1970-01-01 to a proleptic Gregorian (year, month, day).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    #[test]
    fn civil_dates() {
        assert_eq!(super::civil_from_days(0), (1970, 1, 1));
        assert_eq!(super::civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(super::civil_from_days(19_782), (2024, 2, 29));
    }
}
