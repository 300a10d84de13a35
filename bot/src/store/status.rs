//! The `status_posts` table behind each client's status page.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{sql::from_millis, sql::millis, StoreError};
use crate::domain::{ClientId, IncidentId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusPost {
    pub incident_id: IncidentId,
    pub sequence: u32,
    pub client: ClientId,
    pub severity: String,
    pub stage: String,
    pub title: String,
    pub message: String,
    pub posted_at: DateTime<Utc>,
}

/// Records a post once; a repeated delivery of the same update changes nothing.
pub async fn insert(conn: &mut AnyConnection, post: &StatusPost) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO status_posts (incident_id, sequence, client, severity, stage, title, message, posted_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (incident_id, sequence) DO NOTHING",
    )
    .bind(post.incident_id.as_str())
    .bind(i64::from(post.sequence))
    .bind(post.client.as_str())
    .bind(post.severity.as_str())
    .bind(post.stage.as_str())
    .bind(post.title.as_str())
    .bind(post.message.as_str())
    .bind(millis(post.posted_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(
    conn: &mut AnyConnection,
    client: &ClientId,
    since: DateTime<Utc>,
) -> Result<Vec<StatusPost>, StoreError> {
    let rows = sqlx::query(
        "SELECT incident_id, sequence, client, severity, stage, title, message, posted_at FROM status_posts \
         WHERE client = $1 AND posted_at >= $2 ORDER BY posted_at DESC, sequence DESC",
    )
    .bind(client.as_str())
    .bind(millis(since))
    .fetch_all(conn)
    .await?;
    rows.iter()
        .map(|row| {
            let corrupt = |e: crate::domain::DomainError| StoreError::Corrupt(e.to_string());
            Ok(StatusPost {
                incident_id: IncidentId::parse(&row.try_get::<String, _>("incident_id")?)
                    .map_err(corrupt)?,
                sequence: u32::try_from(row.try_get::<i64, _>("sequence")?)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?,
                client: ClientId::parse(&row.try_get::<String, _>("client")?).map_err(corrupt)?,
                severity: row.try_get("severity")?,
                stage: row.try_get("stage")?,
                title: row.try_get("title")?,
                message: row.try_get("message")?,
                posted_at: from_millis(row.try_get("posted_at")?)?,
            })
        })
        .collect()
}
