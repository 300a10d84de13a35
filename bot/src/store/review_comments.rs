//! The `review_comments` table: reviewers' comments and notes of state changes, oldest first.

use sqlx::{AnyConnection, Row};

use super::{
    sql::{from_millis, millis, rows_of_incident},
    StoreError,
};
use crate::domain::review::ReviewComment;
use crate::domain::{IncidentId, UserId};

pub async fn insert(conn: &mut AnyConnection, comment: &ReviewComment) -> Result<(), StoreError> {
    sqlx::query(
        "INSERT INTO review_comments (incident_id, author, body, at) VALUES ($1, $2, $3, $4)",
    )
    .bind(comment.incident_id.as_str())
    .bind(comment.author.as_str())
    .bind(comment.body.as_str())
    .bind(millis(comment.at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn list(
    conn: &mut AnyConnection,
    id: &IncidentId,
) -> Result<Vec<ReviewComment>, StoreError> {
    let sql = "SELECT author, body, at FROM review_comments WHERE incident_id = $1 ORDER BY id";
    rows_of_incident(conn, sql, id, |row| {
        Ok(ReviewComment {
            incident_id: id.clone(),
            author: UserId::new(row.try_get::<String, _>("author")?),
            body: row.try_get("body")?,
            at: from_millis(row.try_get("at")?)?,
        })
    })
    .await
}
