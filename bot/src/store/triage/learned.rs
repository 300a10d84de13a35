//! The `learned_phrasings` table: questions a client's staff confirmed an article answered.

use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, Row};

use crate::domain::ClientId;
use crate::store::sql::{from_millis, millis};
use crate::store::StoreError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LearnedPhrasing {
    pub id: i64,
    pub client: ClientId,
    pub slug: String,
    pub question: String,
    pub learned_at: DateTime<Utc>,
}

pub async fn insert(
    conn: &mut AnyConnection,
    client: &ClientId,
    slug: &str,
    question: &str,
    at: DateTime<Utc>,
) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO learned_phrasings (client, slug, question, learned_at) VALUES ($1, $2, $3, $4)",
    )
    .bind(client.as_str())
    .bind(slug)
    .bind(question)
    .bind(millis(at))
    .execute(conn)
    .await?;
    Ok(())
}

/// Every phrasing (of one client when given), oldest first.
pub async fn list(
    conn: &mut AnyConnection,
    client: Option<&ClientId>,
) -> Result<Vec<LearnedPhrasing>, StoreError> {
    let rows = match client {
        Some(client) => {
            sqlx::query(
                "SELECT id, client, slug, question, learned_at FROM learned_phrasings WHERE client = $1 ORDER BY id",
            )
            .bind(client.as_str())
            .fetch_all(conn)
            .await?
        }
        None => {
            sqlx::query(
                "SELECT id, client, slug, question, learned_at FROM learned_phrasings ORDER BY id",
            )
            .fetch_all(conn)
            .await?
        }
    };
    rows.iter()
        .map(|row| {
            Ok(LearnedPhrasing {
                id: row.try_get("id")?,
                client: ClientId::parse(&row.try_get::<String, _>("client")?)
                    .map_err(|e| StoreError::Corrupt(format!("learned phrasing client: {e}")))?,
                slug: row.try_get("slug")?,
                question: row.try_get("question")?,
                learned_at: from_millis(row.try_get("learned_at")?)?,
            })
        })
        .collect()
}

/// Removes one phrasing; whether it existed.
pub async fn remove(conn: &mut AnyConnection, id: i64) -> Result<bool, StoreError> {
    Ok(sqlx::query("DELETE FROM learned_phrasings WHERE id = $1")
        .bind(id)
        .execute(conn)
        .await?
        .rows_affected()
        == 1)
}
