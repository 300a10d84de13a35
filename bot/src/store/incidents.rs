//! The `incidents`, `incident_counters` and `incident_rooms` tables.

use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, AnyConnection, Row};

use super::{sql::millis, IncidentFilter, StoreError, Versioned};
use crate::domain::{Incident, IncidentId};

pub async fn next_number(conn: &mut AnyConnection, year: i32) -> Result<i64, StoreError> {
    let row = sqlx::query(
        "INSERT INTO incident_counters (year, last_number) VALUES ($1, 1) \
         ON CONFLICT (year) DO UPDATE SET last_number = incident_counters.last_number + 1 \
         RETURNING last_number",
    )
    .bind(i64::from(year))
    .fetch_one(conn)
    .await?;
    Ok(row.try_get(0)?)
}

fn encode(incident: &Incident) -> Result<String, StoreError> {
    serde_json::to_string(incident).map_err(|e| StoreError::Corrupt(format!("incident state: {e}")))
}

pub async fn insert(
    conn: &mut AnyConnection,
    incident: &Incident,
    timer_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO incidents (id, client, severity, stage, title, declared_at, resolved_at, state, version, timer_at, update_due) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 1, $9, $10)",
    )
    .bind(incident.id.as_str())
    .bind(incident.client.as_str())
    .bind(incident.severity.as_str())
    .bind(incident.stage.as_str())
    .bind(incident.title.as_str())
    .bind(millis(incident.declared_at))
    .bind(incident.resolved_at.map(millis))
    .bind(encode(incident)?)
    .bind(timer_at.map(millis))
    .bind(incident.next_update_due.map(millis))
    .execute(&mut *conn)
    .await?;
    add_rooms(conn, incident).await
}

/// Writes the new state if the row is still at `expected_version`; false when someone else won.
pub async fn update(
    conn: &mut AnyConnection,
    incident: &Incident,
    expected_version: i64,
    timer_at: Option<DateTime<Utc>>,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE incidents SET severity = $1, stage = $2, title = $3, resolved_at = $4, state = $5, \
         version = version + 1, timer_at = $6, update_due = $7 WHERE id = $8 AND version = $9",
    )
    .bind(incident.severity.as_str())
    .bind(incident.stage.as_str())
    .bind(incident.title.as_str())
    .bind(incident.resolved_at.map(millis))
    .bind(encode(incident)?)
    .bind(timer_at.map(millis))
    .bind(incident.next_update_due.map(millis))
    .bind(incident.id.as_str())
    .bind(expected_version)
    .execute(&mut *conn)
    .await?;
    if result.rows_affected() == 0 {
        return Ok(false);
    }
    add_rooms(conn, incident).await?;
    Ok(true)
}

async fn add_rooms(conn: &mut AnyConnection, incident: &Incident) -> Result<(), StoreError> {
    for room in incident.rooms.iter().filter(|room| !room.room.is_empty()) {
        sqlx::query(
            "INSERT INTO incident_rooms (platform, room, incident_id) VALUES ($1, $2, $3) \
             ON CONFLICT (platform, room) DO NOTHING",
        )
        .bind(room.platform.as_str())
        .bind(room.room.as_str())
        .bind(incident.id.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

fn decode(row: &AnyRow) -> Result<Versioned, StoreError> {
    let state: String = row.try_get("state")?;
    let incident = serde_json::from_str(&state)
        .map_err(|e| StoreError::Corrupt(format!("incident state: {e}")))?;
    Ok(Versioned {
        incident,
        version: row.try_get("version")?,
    })
}

pub async fn get(
    conn: &mut AnyConnection,
    id: &IncidentId,
) -> Result<Option<Versioned>, StoreError> {
    let row = sqlx::query("SELECT state, version FROM incidents WHERE id = $1")
        .bind(id.as_str())
        .fetch_optional(conn)
        .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn by_room(
    conn: &mut AnyConnection,
    platform: &str,
    room: &str,
) -> Result<Option<Versioned>, StoreError> {
    let row = sqlx::query(
        "SELECT i.state, i.version FROM incident_rooms r JOIN incidents i ON i.id = r.incident_id \
         WHERE r.platform = $1 AND r.room = $2",
    )
    .bind(platform)
    .bind(room)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn list(
    conn: &mut AnyConnection,
    filter: &IncidentFilter,
) -> Result<Vec<Incident>, StoreError> {
    let rows = sqlx::query(
        "SELECT state, version FROM incidents \
         WHERE ($1 IS NULL OR client = $1) AND ($2 = 0 OR resolved_at IS NULL) \
         ORDER BY declared_at DESC, id DESC LIMIT $3",
    )
    .bind(filter.client.as_ref().map(|c| c.as_str().to_owned()))
    .bind(i64::from(filter.open_only))
    .bind(filter.limit.unwrap_or(i64::MAX))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| decode(row).map(|v| v.incident))
        .collect()
}

pub async fn due(
    conn: &mut AnyConnection,
    now: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<IncidentId>, StoreError> {
    let rows = sqlx::query("SELECT id FROM incidents WHERE timer_at IS NOT NULL AND timer_at <= $1 ORDER BY timer_at LIMIT $2")
        .bind(millis(now))
        .bind(limit)
        .fetch_all(conn)
        .await?;
    rows.iter()
        .map(|row| {
            let id: String = row.try_get(0)?;
            IncidentId::parse(&id).map_err(|e| StoreError::Corrupt(e.to_string()))
        })
        .collect()
}

/// The earliest pending timer, so the worker can sleep exactly until then.
pub async fn next_timer(conn: &mut AnyConnection) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<i64> =
        sqlx::query("SELECT MIN(timer_at) FROM incidents WHERE timer_at IS NOT NULL")
            .fetch_one(conn)
            .await?
            .try_get(0)?;
    at.map(super::sql::from_millis).transpose()
}

/// Open incidents whose client update is past due.
pub async fn overdue(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(sqlx::query(
        "SELECT COUNT(*) FROM incidents WHERE update_due IS NOT NULL AND update_due < $1",
    )
    .bind(millis(now))
    .fetch_one(conn)
    .await?
    .try_get(0)?)
}
