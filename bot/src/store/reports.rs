//! Queries behind the monthly client report: a client's incidents and their timelines over a
//! period, each in one indexed query (`incidents_client`, then the timeline's primary key).

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    sql::{from_millis, millis},
    StoreError,
};
use crate::domain::{ClientId, Incident, IncidentId, TimelineEvent, UserId};

pub async fn incidents(
    conn: &mut AnyConnection,
    client: &ClientId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(
        "SELECT state FROM incidents WHERE client = $1 AND declared_at >= $2 AND declared_at < $3 \
         ORDER BY declared_at DESC, id DESC",
    )
    .bind(client.as_str())
    .bind(millis(from))
    .bind(millis(to))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let state: String = row.try_get("state")?;
            serde_json::from_str(&state)
                .map_err(|e| StoreError::Corrupt(format!("incident state: {e}")))
        })
        .collect()
}

pub async fn timelines(
    conn: &mut AnyConnection,
    client: &ClientId,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> Result<Vec<(IncidentId, Vec<TimelineEvent>)>, StoreError> {
    let rows = sqlx::query(
        "SELECT t.incident_id, t.at, t.actor, t.payload FROM incidents i \
         JOIN timeline t ON t.incident_id = i.id \
         WHERE i.client = $1 AND i.declared_at >= $2 AND i.declared_at < $3 \
         ORDER BY i.declared_at DESC, i.id DESC, t.seq",
    )
    .bind(client.as_str())
    .bind(millis(from))
    .bind(millis(to))
    .fetch_all(conn)
    .await?;
    let mut out: Vec<(IncidentId, Vec<TimelineEvent>)> = Vec::new();
    for row in &rows {
        let id: String = row.try_get("incident_id")?;
        let payload: String = row.try_get("payload")?;
        let actor: Option<String> = row.try_get("actor")?;
        let event = TimelineEvent {
            at: from_millis(row.try_get("at")?)?,
            actor: actor.map(UserId::new),
            kind: serde_json::from_str(&payload)
                .map_err(|e| StoreError::Corrupt(format!("timeline event of {id}: {e}")))?,
        };
        match out.last_mut() {
            Some((last, events)) if last.as_str() == id => events.push(event),
            _ => {
                let id = IncidentId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                out.push((id, vec![event]));
            }
        }
    }
    Ok(out)
}
