//! Everything logged on a test's thread, captured. All tests of a binary share one process, and
//! a subscriber set per test thread (`set_default`) is not reliable there: callsites' interest is
//! cached across threads. One global subscriber, installed once, that formats only the events
//! of threads that capture, is.

use std::cell::RefCell;
use std::io::Write;

use tracing_subscriber::fmt::format::FmtSpan;
use tracing_subscriber::layer::SubscriberExt;

use super::Written;

thread_local! {
    /// Where [`ThreadLogs`] writes on this thread, while a test captures.
    static CAPTURING: RefCell<Option<Written>> = const { RefCell::new(None) };
}

/// What the one subscriber writes to: the capture of the thread that logged.
struct ThreadLogs;

impl Write for ThreadLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURING.with(|capture| match capture.borrow_mut().as_mut() {
            Some(written) => written.write(buf),
            None => Ok(buf.len()),
        })
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures everything logged on this thread from now on, at every level (a secret in a debug
/// line is a leak too), as text; spans print a line when they close, with their fields.
pub fn capture_on_this_thread() -> Written {
    static INSTALLED: std::sync::Once = std::sync::Once::new();
    INSTALLED.call_once(|| {
        // Only a capturing thread's events are formatted. A dynamic filter is asked at every
        // event (a plain `filter_fn` is asked once per callsite, and the first thread to reach
        // one would decide for all of them).
        let capturing = tracing_subscriber::filter::dynamic_filter_fn(|_, _| {
            CAPTURING
                .try_with(|capture| capture.borrow().is_some())
                .unwrap_or(false)
        });
        let logs = tracing_subscriber::fmt::layer()
            .with_ansi(false)
            .with_span_events(FmtSpan::CLOSE)
            .with_writer(|| ThreadLogs);
        let subscriber = tracing_subscriber::registry().with(capturing).with(logs);
        tracing::subscriber::set_global_default(subscriber)
            .expect("nothing else in a test binary installs a global subscriber");
    });
    let written = Written::default();
    CAPTURING.with(|capture| *capture.borrow_mut() = Some(written.clone()));
    written
}
