//! The `triage_requests` table: level-1 questions, their suggestions, tickets and outcomes.

use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, AnyConnection, Row};

use crate::domain::triage::{NewTriageRequest, TriageChange, TriageOutcome, TriageRequest};
use crate::domain::{ClientId, IncidentId, UserId};
use crate::store::sql::{from_millis, millis};
use crate::store::StoreError;

const COLUMNS: &str =
    "id, client, asker, platform, channel, question, suggestions, created_at, outcome, \
                       resolved_at, escalated_at, taken_by, taken_at, alerted, incident_id, answer_article";

fn decode(row: &AnyRow) -> Result<TriageRequest, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(format!("triage request: {e}"));
    let opt_time = |name: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<Option<i64>, _>(name)?
            .map(from_millis)
            .transpose()
    };
    let suggestions: String = row.try_get("suggestions")?;
    Ok(TriageRequest {
        id: row.try_get("id")?,
        client: ClientId::parse(&row.try_get::<String, _>("client")?)
            .map_err(|e| corrupt(e.to_string()))?,
        asker: UserId::new(row.try_get::<String, _>("asker")?),
        platform: row.try_get("platform")?,
        channel: row.try_get("channel")?,
        question: row.try_get("question")?,
        suggestions: serde_json::from_str(&suggestions).map_err(|e| corrupt(e.to_string()))?,
        created_at: from_millis(row.try_get("created_at")?)?,
        outcome: {
            let raw: String = row.try_get("outcome")?;
            TriageOutcome::parse(&raw).ok_or_else(|| corrupt(format!("outcome `{raw}`")))?
        },
        resolved_at: opt_time("resolved_at")?,
        escalated_at: opt_time("escalated_at")?,
        taken_by: row
            .try_get::<Option<String>, _>("taken_by")?
            .map(UserId::new),
        taken_at: opt_time("taken_at")?,
        alerted: row.try_get::<i64, _>("alerted")? != 0,
        incident_id: row
            .try_get::<Option<String>, _>("incident_id")?
            .map(|id| IncidentId::parse(&id).map_err(|e| corrupt(e.to_string())))
            .transpose()?,
        answer_article: row.try_get("answer_article")?,
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewTriageRequest,
) -> Result<TriageRequest, StoreError> {
    let escalated_at = (new.outcome == TriageOutcome::Escalated).then_some(millis(new.at));
    let suggestions =
        serde_json::to_string(&new.suggestions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = sqlx::query(&format!(
        "INSERT INTO triage_requests (client, asker, platform, channel, question, suggestions, top_article, \
         created_at, outcome, escalated_at, incident_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         RETURNING {COLUMNS}"
    ))
    .bind(new.client.as_str())
    .bind(new.asker.as_str())
    .bind(new.platform.as_str())
    .bind(new.channel.as_str())
    .bind(new.question.as_str())
    .bind(suggestions)
    .bind(new.suggestions.first().cloned())
    .bind(millis(new.at))
    .bind(new.outcome.as_str())
    .bind(escalated_at)
    .bind(new.incident_id.as_ref().map(|id| id.as_str().to_owned()))
    .fetch_one(conn)
    .await?;
    decode(&row)
}

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<TriageRequest>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM triage_requests WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(conn)
    .await?;
    row.as_ref().map(decode).transpose()
}

pub async fn recent(
    conn: &mut AnyConnection,
    client: &ClientId,
    since: DateTime<Utc>,
) -> Result<Vec<TriageRequest>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM triage_requests WHERE client = $1 AND created_at >= $2 ORDER BY id"
    ))
    .bind(client.as_str())
    .bind(millis(since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Applies `change` if the request is still in the state its rule saw (another click may have
/// moved it on since); false otherwise.
pub async fn apply(
    conn: &mut AnyConnection,
    id: i64,
    change: &TriageChange,
) -> Result<bool, StoreError> {
    let required = change.requires();
    let untaken = if required.untaken {
        " AND taken_by IS NULL"
    } else {
        ""
    };
    let (set, by, at, article) = match change {
        TriageChange::Solve { at } => ("outcome = 'solved', resolved_at = $1", None, at, None),
        TriageChange::Escalate { at } => {
            ("outcome = 'escalated', escalated_at = $1", None, at, None)
        }
        TriageChange::Take { by, at } => ("taken_at = $1, taken_by = $4", Some(by), at, None),
        TriageChange::Answer { by, article, at } => (
            "outcome = 'answered', resolved_at = $1, answered_by = $4, answer_article = $5, \
             taken_by = COALESCE(taken_by, $4), taken_at = COALESCE(taken_at, $1)",
            Some(by),
            at,
            Some(article),
        ),
    };
    let sql = format!("UPDATE triage_requests SET {set} WHERE id = $2 AND outcome = $3{untaken}");
    let mut query = sqlx::query(&sql)
        .bind(millis(*at))
        .bind(id)
        .bind(required.outcome.as_str());
    if let Some(by) = by {
        query = query.bind(by.as_str().to_owned());
    }
    if let Some(article) = article {
        query = query.bind(article.clone());
    }
    Ok(query.execute(conn).await?.rows_affected() == 1)
}

pub async fn mark_alerted(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), StoreError> {
    for id in ids {
        sqlx::query("UPDATE triage_requests SET alerted = 1 WHERE id = $1")
            .bind(*id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

/// Links each request to `incident`, refusing (and leaving the rest to the caller's rollback)
/// when one is already linked: the link is the guard against declaring twice.
pub async fn link_unlinked(
    conn: &mut AnyConnection,
    ids: &[i64],
    incident: &IncidentId,
) -> Result<(), StoreError> {
    for id in ids {
        let linked = sqlx::query(
            "UPDATE triage_requests SET incident_id = $1 WHERE id = $2 AND incident_id IS NULL",
        )
        .bind(incident.as_str())
        .bind(*id)
        .execute(&mut *conn)
        .await?;
        if linked.rows_affected() == 0 {
            return Err(StoreError::AlreadyLinked(*id));
        }
    }
    Ok(())
}
