//! The `processed_events` table: inbound events already handled, kept for a week.

use chrono::{DateTime, Utc};
use sqlx::AnyConnection;

use super::{sql::millis, StoreError};

/// How long an event id is remembered; platforms retry for minutes, not days.
const KEEP_DAYS: i64 = 7;

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
