//! The `sessions` table: signed-in browsers of the review pages, by the hash of their cookie.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    sql::{from_millis, millis},
    StoreError,
};
use crate::domain::UserId;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub user: UserId,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

pub async fn insert(conn: &mut AnyConnection, session: &Session) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(session.token_hash.as_str())
    .bind(session.user.as_str())
    .bind(millis(session.created_at))
    .bind(millis(session.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

/// The session behind a cookie, if it has not expired at `now`.
pub async fn get(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<Option<Session>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, user_id, created_at, expires_at FROM sessions WHERE token_hash = $1 AND expires_at > $2",
    )
    .bind(token_hash)
    .bind(millis(now))
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(Session {
            token_hash: row.try_get("token_hash")?,
            user: UserId::new(row.try_get::<String, _>("user_id")?),
            created_at: from_millis(row.try_get("created_at")?)?,
            expires_at: from_millis(row.try_get("expires_at")?)?,
        })
    })
    .transpose()
}

pub async fn delete(conn: &mut AnyConnection, token_hash: &str) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE token_hash = $1")
        .bind(token_hash)
        .execute(conn)
        .await?;
    Ok(())
}

/// Forgets sessions that expired before `before`.
pub async fn purge(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
        .bind(millis(before))
        .execute(conn)
        .await?;
    Ok(())
}
