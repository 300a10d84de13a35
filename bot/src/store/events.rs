//! The `processed_events` table: inbound events already handled, kept for a week.
//!
//! An event is recorded as handled in the same transaction as its effect: the adapter runs its
//! handling inside [`handling_event`], and every write made there (an incident change, a support
//! request) also inserts the event's id, or fails with [`StoreError::AlreadyHandled`] when a
//! concurrent retry got there first. A crash before the commit leaves the event unrecorded, so
//! the platform's retry is handled; a retry after it is recognised. A task-local carries the id
//! so that the engine in between need not know about platform event ids. One handling may write
//! more than once (a command that commits twice): after its first commit the id is its own.

use std::sync::atomic::{AtomicBool, Ordering};

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::{sql::millis, StoreError};

/// How long an event id is remembered; platforms retry for minutes, not days.
const KEEP_DAYS: i64 = 7;

struct Handling {
    platform: String,
    event_id: String,
    /// A write of this handling has committed the id: later writes need not (and must not) insert it.
    committed: AtomicBool,
}

tokio::task_local! {
    static HANDLING: Handling;
}

/// Runs `work` (the handling of one inbound event) so its writes record the event as handled.
pub async fn handling_event<F: std::future::Future>(
    platform: &str,
    event_id: &str,
    work: F,
) -> F::Output {
    let handling = Handling {
        platform: platform.to_owned(),
        event_id: event_id.to_owned(),
        committed: AtomicBool::new(false),
    };
    HANDLING.scope(handling, work).await
}

/// Inside [`handling_event`]: records the event in the caller's transaction, or refuses.
pub async fn record_current(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let Ok(Some((platform, event_id))) = HANDLING.try_with(|h| {
        (!h.committed.load(Ordering::SeqCst)).then(|| (h.platform.clone(), h.event_id.clone()))
    }) else {
        return Ok(());
    };
    if first_sighting(conn, &platform, &event_id, now).await? {
        Ok(())
    } else {
        Err(StoreError::AlreadyHandled(event_id))
    }
}

/// Inside [`handling_event`], after a transaction that called [`record_current`] committed.
pub fn committed() {
    let _ = HANDLING.try_with(|h| h.committed.store(true, Ordering::SeqCst));
}

/// Whether an event was already handled (a retry), without recording anything.
pub async fn seen(
    conn: &mut AnyConnection,
    platform: &str,
    event_id: &str,
) -> Result<bool, StoreError> {
    let found = sqlx::query("SELECT 1 FROM processed_events WHERE platform = $1 AND event_id = $2")
        .bind(platform)
        .bind(event_id)
        .fetch_optional(conn)
        .await?;
    Ok(found.is_some())
}

pub async fn first_sighting(
    conn: &mut AnyConnection,
    platform: &str,
    event_id: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let inserted = sqlx::query(
        "INSERT INTO processed_events (platform, event_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (platform, event_id) DO NOTHING",
    )
    .bind(platform)
    .bind(event_id)
    .bind(millis(now))
    .execute(&mut *conn)
    .await?
    .rows_affected()
        == 1;
    if inserted {
        sqlx::query("DELETE FROM processed_events WHERE seen_at < $1")
            .bind(millis(now - chrono::Duration::days(KEEP_DAYS)))
            .execute(conn)
            .await?;
    }
    Ok(inserted)
}
