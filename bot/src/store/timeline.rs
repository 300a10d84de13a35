//! The append-only `timeline` table.

use sqlx::{AnyConnection, Row};

use super::{sql::from_millis, sql::millis, StoreError};
use crate::domain::{IncidentId, TimelineEvent};

pub async fn append(
    conn: &mut AnyConnection,
    id: &IncidentId,
    events: &[TimelineEvent],
) -> Result<(), StoreError> {
    if events.is_empty() {
        return Ok(());
    }
    let last: i64 =
        sqlx::query("SELECT COALESCE(MAX(seq), 0) FROM timeline WHERE incident_id = $1")
            .bind(id.as_str())
            .fetch_one(&mut *conn)
            .await?
            .try_get(0)?;
    for (offset, event) in events.iter().enumerate() {
        let payload = serde_json::to_string(&event.kind)
            .map_err(|e| StoreError::Corrupt(format!("timeline event: {e}")))?;
        sqlx::query("INSERT INTO timeline (incident_id, seq, at, actor, kind, payload) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id.as_str())
            .bind(last + 1 + offset as i64)
            .bind(millis(event.at))
            .bind(event.actor.as_ref().map(|a| a.as_str().to_owned()))
            .bind(event.kind.name())
            .bind(payload)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

pub async fn list(
    conn: &mut AnyConnection,
    id: &IncidentId,
) -> Result<Vec<TimelineEvent>, StoreError> {
    let rows =
        sqlx::query("SELECT at, actor, payload FROM timeline WHERE incident_id = $1 ORDER BY seq")
            .bind(id.as_str())
            .fetch_all(conn)
            .await?;
    rows.iter()
        .map(|row| {
            let payload: String = row.try_get("payload")?;
            let actor: Option<String> = row.try_get("actor")?;
            Ok(TimelineEvent {
                at: from_millis(row.try_get("at")?)?,
                actor: actor.map(crate::domain::UserId::new),
                kind: serde_json::from_str(&payload)
                    .map_err(|e| StoreError::Corrupt(format!("timeline event of {id}: {e}")))?,
            })
        })
        .collect()
}
