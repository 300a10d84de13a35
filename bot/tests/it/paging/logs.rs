//! The routing key never appears in what is logged nor in what the room is told, even when
//! PagerDuty refuses: everything logged on the test's thread is captured and searched.

use std::io::Write;
use std::sync::Mutex;

use super::*;

thread_local! {
    /// Where [`ThreadLogs`] writes on this thread, while a test captures.
    static CAPTURING: std::cell::RefCell<Option<Arc<Mutex<Vec<u8>>>>> =
        const { std::cell::RefCell::new(None) };
}

/// What the test binary's one subscriber writes to: the capture of the thread that logged. All
/// tests share one process, so a subscriber set per test thread (`set_default`) is not reliable:
/// callsites are cached across threads. One global subscriber, installed once, with the capture
/// chosen per thread, is.
struct ThreadLogs;

impl Write for ThreadLogs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        CAPTURING.with(|capture| {
            if let Some(buffer) = capture.borrow().as_ref() {
                buffer.lock().unwrap().extend_from_slice(buf);
            }
        });
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// Captures everything logged on this thread, at every level (a key in a debug line is a leak
/// too), until the returned buffer is read.
fn capture_logs() -> Arc<Mutex<Vec<u8>>> {
    use tracing_subscriber::layer::SubscriberExt;

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
            .with_writer(|| ThreadLogs);
        let subscriber = tracing_subscriber::registry().with(capturing).with(logs);
        tracing::subscriber::set_global_default(subscriber)
            .expect("only this test installs a subscriber");
    });
    let buffer = Arc::new(Mutex::new(Vec::new()));
    CAPTURING.with(|capture| *capture.borrow_mut() = Some(buffer.clone()));
    buffer
}

#[tokio::test]
async fn the_routing_key_never_appears_in_logs_or_errors() {
    let captured = capture_logs();

    let pager = FakePagerDuty::start().await.unwrap();
    pager.answer_next(429, None);
    pager.answer_next(400, None);
    let world = World::new(Some(&pager)).await;
    let (_, room) = world.declare().await;
    world.at_minute(35).await;
    world.retry_for(6).await;
    world.at_minute(40).await;
    world.run(Some(&room), "/incident status").await;
    assert_eq!(pager.calls().len(), 3, "429, 400, then the repeat accepted");

    let logs = String::from_utf8(captured.lock().unwrap().clone()).unwrap();
    assert!(
        logs.contains("PagerDuty answered HTTP 400"),
        "the failures were logged: {logs}"
    );
    assert!(!logs.contains(KEY), "the routing key was logged");
    let said: Vec<String> = world
        .chat
        .delivered()
        .iter()
        .map(|d| format!("{d:?}"))
        .collect();
    assert!(said.iter().any(|t| t.contains("HTTP 400")));
    assert!(
        !said.iter().any(|t| t.contains(KEY)),
        "the routing key reached a chat"
    );
    let config = config("sqlite://x.db", Some(&pager));
    assert!(
        !format!("{config:?}").contains(KEY),
        "the key is in the config's debug form"
    );
    let statuses: Vec<Value> = pager.calls().iter().map(|c| c.status.into()).collect();
    assert_eq!(statuses, [429, 400, 202]);
}
