//! The `sign_in_links` table: single-use links to the review pages, by the hash of their token.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use super::{
    sql::{from_millis, millis},
    StoreError,
};
use crate::domain::UserId;

/// A sign-in link as stored: never the token itself, only its hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignInLink {
    pub token_hash: String,
    pub user: UserId,
    /// Where the browser goes once signed in (a path on this site).
    pub next_path: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub used_at: Option<DateTime<Utc>>,
}

pub async fn insert(conn: &mut AnyConnection, link: &SignInLink) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO sign_in_links (token_hash, user_id, next_path, created_at, expires_at, used_at) \
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(link.token_hash.as_str())
    .bind(link.user.as_str())
    .bind(link.next_path.as_str())
    .bind(millis(link.created_at))
    .bind(millis(link.expires_at))
    .bind(link.used_at.map(millis))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn get(
    conn: &mut AnyConnection,
    token_hash: &str,
) -> Result<Option<SignInLink>, StoreError> {
    let row = sqlx::query(
        "SELECT token_hash, user_id, next_path, created_at, expires_at, used_at FROM sign_in_links WHERE token_hash = $1",
    )
    .bind(token_hash)
    .fetch_optional(conn)
    .await?;
    row.map(|row| {
        Ok(SignInLink {
            token_hash: row.try_get("token_hash")?,
            user: UserId::new(row.try_get::<String, _>("user_id")?),
            next_path: row.try_get("next_path")?,
            created_at: from_millis(row.try_get("created_at")?)?,
            expires_at: from_millis(row.try_get("expires_at")?)?,
            used_at: row
                .try_get::<Option<i64>, _>("used_at")?
                .map(from_millis)
                .transpose()?,
        })
    })
    .transpose()
}

/// Marks the link used if it is unused and unexpired at `now`; false otherwise. One statement,
/// so two browsers racing with the same link cannot both win.
pub async fn redeem(
    conn: &mut AnyConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let result = sqlx::query(
        "UPDATE sign_in_links SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1",
    )
    .bind(millis(now))
    .bind(token_hash)
    .execute(conn)
    .await?;
    Ok(result.rows_affected() == 1)
}

/// Forgets links that expired before `before`.
pub async fn purge(conn: &mut AnyConnection, before: DateTime<Utc>) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM sign_in_links WHERE expires_at < $1")
        .bind(millis(before))
        .execute(conn)
        .await?;
    Ok(())
}
