//! The `action_items` table: a postmortem's follow-ups, in the order people listed them.

use chrono::NaiveDate;
use sqlx::{AnyConnection, Row};

use super::{sql::rows_of_incident, StoreError};
use crate::domain::review::ActionItem;
use crate::domain::IncidentId;

/// Replaces an incident's action items with `items` (the edit form sends the whole list).
pub async fn replace(
    conn: &mut AnyConnection,
    id: &IncidentId,
    items: &[ActionItem],
) -> Result<(), StoreError> {
    sqlx::query("DELETE FROM action_items WHERE incident_id = $1")
        .bind(id.as_str())
        .execute(&mut *conn)
        .await?;
    for (position, item) in items.iter().enumerate() {
        sqlx::query(
            "INSERT INTO action_items (incident_id, position, description, owner, due_date) \
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(id.as_str())
        .bind(position as i64)
        .bind(item.description.as_str())
        .bind(item.owner.as_str())
        .bind(item.due.map(|d| d.format("%Y-%m-%d").to_string()))
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn list(
    conn: &mut AnyConnection,
    id: &IncidentId,
) -> Result<Vec<ActionItem>, StoreError> {
    let sql = "SELECT description, owner, due_date FROM action_items WHERE incident_id = $1 ORDER BY position";
    rows_of_incident(conn, sql, id, |row| {
        let due: Option<String> = row.try_get("due_date")?;
        Ok(ActionItem {
            description: row.try_get("description")?,
            owner: row.try_get("owner")?,
            due: due
                .map(|d| {
                    NaiveDate::parse_from_str(&d, "%Y-%m-%d")
                        .map_err(|e| StoreError::Corrupt(format!("action item due date {d}: {e}")))
                })
                .transpose()?,
        })
    })
    .await
}
