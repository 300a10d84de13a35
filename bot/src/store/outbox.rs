//! The `outbox` table: one row per message and destination, delivered and confirmed at most once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, AnyConnection, Row};

use super::{
    backend::Backend,
    sql::{from_millis, millis},
    StoreError,
};
use crate::domain::{ClientId, IncidentId};
use crate::effects::{Delivery, OutboxItem, Receipt};

pub async fn enqueue(
    conn: &mut AnyConnection,
    incident: Option<&IncidentId>,
    client: Option<&ClientId>,
    update_sequence: Option<u32>,
    delivery: &Delivery,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let destination = serde_json::to_string(&delivery.destination)
        .map_err(|e| StoreError::Corrupt(format!("outbox destination: {e}")))?;
    let message = serde_json::to_string(&delivery.message)
        .map_err(|e| StoreError::Corrupt(format!("outbox message: {e}")))?;
    sqlx::query(
        "INSERT INTO outbox (incident_id, client, update_sequence, destination, lane, message, next_attempt_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
    )
    .bind(incident.map(|id| id.as_str().to_owned()))
    // A message about no client (a sign-in link) is filed under the empty id.
    .bind(client.map_or("", ClientId::as_str))
    .bind(update_sequence.map(i64::from))
    .bind(destination)
    .bind(delivery.destination.lane())
    .bind(message)
    .bind(millis(now))
    .execute(conn)
    .await?;
    Ok(())
}

fn decode(row: &AnyRow) -> Result<OutboxItem, StoreError> {
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("outbox {what}: {e}"));
    let destination: String = row.try_get("destination")?;
    let message: String = row.try_get("message")?;
    Ok(OutboxItem {
        id: row.try_get("id")?,
        incident_id: row
            .try_get::<Option<String>, _>("incident_id")?
            .map(|id| IncidentId::parse(&id).map_err(|e| corrupt("incident", e.to_string())))
            .transpose()?,
        client: match row.try_get::<String, _>("client")?.as_str() {
            "" => None,
            id => Some(ClientId::parse(id).map_err(|e| corrupt("client", e.to_string()))?),
        },
        update_sequence: row
            .try_get::<Option<i64>, _>("update_sequence")?
            .map(|s| u32::try_from(s).map_err(|e| corrupt("sequence", e.to_string())))
            .transpose()?,
        delivery: Delivery {
            destination: serde_json::from_str(&destination)
                .map_err(|e| corrupt("destination", e.to_string()))?,
            message: serde_json::from_str(&message)
                .map_err(|e| corrupt("message", e.to_string()))?,
        },
        attempts: u32::try_from(row.try_get::<i64, _>("attempts")?).unwrap_or(u32::MAX),
        created_at: from_millis(row.try_get("created_at")?)?,
        claim: row
            .try_get::<Option<String>, _>("claim_token")?
            .unwrap_or_default(),
    })
}

/// Leases due rows in creation order. Within an incident, a row waits while an earlier row of
/// the same incident and lane is still pending, so a room never sees messages out of order
/// (nor before it exists), and a client never sees update 2 before update 1.
/// Each claimed row carries `claim_token` = `<worker>:<attempt>`: the outcome is written only
/// with that token (see [`succeed`], [`fail`], [`extend`]).
pub async fn claim(
    conn: &mut AnyConnection,
    backend: Backend,
    worker: &str,
    now: DateTime<Utc>,
    limit: i64,
    lease: Duration,
) -> Result<Vec<OutboxItem>, StoreError> {
    let now_ms = millis(now);
    let lease_until = lease_end(now, lease);
    let select = format!(
        "SELECT o.id FROM outbox o WHERE o.state = 'pending' AND o.next_attempt_at <= $1 \
         AND (o.lease_until IS NULL OR o.lease_until <= $1) \
         AND NOT EXISTS (SELECT 1 FROM outbox e WHERE e.incident_id = o.incident_id \
             AND e.lane = o.lane AND e.state = 'pending' AND e.id < o.id) \
         ORDER BY o.id LIMIT $2 {}",
        backend.skip_locked()
    );
    let ids: Vec<i64> = sqlx::query(&select)
        .bind(now_ms)
        .bind(limit)
        .fetch_all(&mut *conn)
        .await?
        .iter()
        .map(|row| row.try_get(0))
        .collect::<Result<_, _>>()?;
    let mut items = Vec::with_capacity(ids.len());
    for id in ids {
        let row = sqlx::query(
            "UPDATE outbox SET lease_until = $1, attempts = attempts + 1, \
             claim_token = $2 || ':' || CAST(attempts + 1 AS TEXT) WHERE id = $3 \
             RETURNING id, incident_id, client, update_sequence, destination, message, attempts, created_at, claim_token",
        )
        .bind(lease_until)
        .bind(worker)
        .bind(id)
        .fetch_one(&mut *conn)
        .await?;
        items.push(decode(&row)?);
    }
    Ok(items)
}

fn lease_end(now: DateTime<Utc>, lease: Duration) -> i64 {
    millis(now).saturating_add(i64::try_from(lease.as_millis()).unwrap_or(i64::MAX / 2))
}

/// A row touched by someone who no longer holds its claim: nothing was written.
fn held(rows: u64, id: i64) -> Result<(), StoreError> {
    if rows == 1 {
        Ok(())
    } else {
        Err(StoreError::ClaimLost(id))
    }
}

/// Keeps a claim alive while its delivery is in flight.
pub async fn extend(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    now: DateTime<Utc>,
    lease: Duration,
) -> Result<(), StoreError> {
    let rows = sqlx::query(
        "UPDATE outbox SET lease_until = $1 WHERE id = $2 AND claim_token = $3 AND state = 'pending'",
    )
    .bind(lease_end(now, lease))
    .bind(item.id)
    .bind(&item.claim)
    .execute(conn)
    .await?
    .rows_affected();
    held(rows, item.id)
}

pub async fn succeed(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    receipt: &Receipt,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let receipt =
        serde_json::to_string(receipt).map_err(|e| StoreError::Corrupt(format!("receipt: {e}")))?;
    let rows = sqlx::query(
        "UPDATE outbox SET state = 'delivered', delivered_at = $1, receipt = $2, lease_until = NULL, last_error = NULL \
         WHERE id = $3 AND claim_token = $4 AND state = 'pending'",
    )
    .bind(millis(now))
    .bind(receipt)
    .bind(item.id)
    .bind(&item.claim)
    .execute(conn)
    .await?
    .rows_affected();
    held(rows, item.id)
}

/// Records a failure: retried at `retry_at`, or given up when it is `None`.
pub async fn fail(
    conn: &mut AnyConnection,
    item: &OutboxItem,
    error: &str,
    retry_at: Option<DateTime<Utc>>,
) -> Result<(), StoreError> {
    let (state, next) = match retry_at {
        Some(at) => ("pending", Some(millis(at))),
        None => ("failed", None),
    };
    let rows = sqlx::query(
        "UPDATE outbox SET state = $1, next_attempt_at = COALESCE($2, next_attempt_at), last_error = $3, lease_until = NULL \
         WHERE id = $4 AND claim_token = $5 AND state = 'pending'",
    )
    .bind(state)
    .bind(next)
    .bind(error)
    .bind(item.id)
    .bind(&item.claim)
    .execute(conn)
    .await?
    .rows_affected();
    held(rows, item.id)
}

pub async fn pending_count(
    conn: &mut AnyConnection,
    incident: &IncidentId,
) -> Result<i64, StoreError> {
    Ok(
        sqlx::query("SELECT COUNT(*) FROM outbox WHERE incident_id = $1 AND state = 'pending'")
            .bind(incident.as_str())
            .fetch_one(conn)
            .await?
            .try_get(0)?,
    )
}

pub async fn pending_by_lane(
    conn: &mut AnyConnection,
) -> Result<Vec<(String, i64, DateTime<Utc>)>, StoreError> {
    sqlx::query(
        "SELECT lane, COUNT(*) AS depth, MIN(created_at) AS oldest FROM outbox \
         WHERE state = 'pending' GROUP BY lane",
    )
    .fetch_all(conn)
    .await?
    .iter()
    .map(|row| {
        Ok((
            row.try_get("lane")?,
            row.try_get("depth")?,
            from_millis(row.try_get("oldest")?)?,
        ))
    })
    .collect()
}

pub async fn backlog(conn: &mut AnyConnection, now: DateTime<Utc>) -> Result<i64, StoreError> {
    Ok(
        sqlx::query(
            "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND next_attempt_at <= $1",
        )
        .bind(millis(now))
        .fetch_one(conn)
        .await?
        .try_get(0)?,
    )
}
