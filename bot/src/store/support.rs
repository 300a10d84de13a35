//! The `support_requests` table: level-1 questions, their suggestions, tickets and outcomes.

use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, AnyConnection, Row};

use super::sql::{from_millis, millis};
use super::StoreError;
use crate::domain::{ClientId, IncidentId, UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SupportOutcome {
    /// Articles were offered; the asker has not said whether they helped.
    Suggested,
    /// An article answered it: a deflection.
    Solved,
    /// Handed to a person as a ticket.
    Escalated,
    /// Answered with an open incident's status.
    Incident,
}

impl SupportOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            SupportOutcome::Suggested => "suggested",
            SupportOutcome::Solved => "solved",
            SupportOutcome::Escalated => "escalated",
            SupportOutcome::Incident => "incident",
        }
    }

    fn parse(raw: &str) -> Result<Self, StoreError> {
        Ok(match raw {
            "suggested" => SupportOutcome::Suggested,
            "solved" => SupportOutcome::Solved,
            "escalated" => SupportOutcome::Escalated,
            "incident" => SupportOutcome::Incident,
            other => return Err(StoreError::Corrupt(format!("support outcome `{other}`"))),
        })
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct NewSupportRequest {
    pub client: ClientId,
    pub asker: UserId,
    pub platform: String,
    pub channel: String,
    pub question: String,
    pub suggestions: Vec<String>,
    pub outcome: SupportOutcome,
    pub incident_id: Option<IncidentId>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SupportRequest {
    pub id: i64,
    pub client: ClientId,
    pub asker: UserId,
    pub platform: String,
    pub channel: String,
    pub question: String,
    pub suggestions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub outcome: SupportOutcome,
    pub resolved_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub taken_by: Option<UserId>,
    pub taken_at: Option<DateTime<Utc>>,
    pub alerted: bool,
    pub incident_id: Option<IncidentId>,
}

impl SupportRequest {
    /// The ticket number people see once a request is escalated.
    pub fn ticket(&self) -> String {
        format!("TKT-{:04}", self.id)
    }

    pub fn top_article(&self) -> Option<&str> {
        self.suggestions.first().map(String::as_str)
    }
}

/// A change to a request that only applies in the right state.
#[derive(Debug, Clone, PartialEq)]
pub enum SupportUpdate {
    /// Suggested → solved.
    Solve { at: DateTime<Utc> },
    /// Suggested → escalated.
    Escalate { at: DateTime<Utc> },
    /// Escalated and untaken → taken.
    Take { by: UserId, at: DateTime<Utc> },
}

const COLUMNS: &str =
    "id, client, asker, platform, channel, question, suggestions, created_at, outcome, \
                       resolved_at, escalated_at, taken_by, taken_at, alerted, incident_id";

fn decode(row: &AnyRow) -> Result<SupportRequest, StoreError> {
    let corrupt = |e: String| StoreError::Corrupt(format!("support request: {e}"));
    let opt_time = |name: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<Option<i64>, _>(name)?
            .map(from_millis)
            .transpose()
    };
    let suggestions: String = row.try_get("suggestions")?;
    Ok(SupportRequest {
        id: row.try_get("id")?,
        client: ClientId::parse(&row.try_get::<String, _>("client")?)
            .map_err(|e| corrupt(e.to_string()))?,
        asker: UserId::new(row.try_get::<String, _>("asker")?),
        platform: row.try_get("platform")?,
        channel: row.try_get("channel")?,
        question: row.try_get("question")?,
        suggestions: serde_json::from_str(&suggestions).map_err(|e| corrupt(e.to_string()))?,
        created_at: from_millis(row.try_get("created_at")?)?,
        outcome: SupportOutcome::parse(&row.try_get::<String, _>("outcome")?)?,
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
    })
}

pub async fn insert(
    conn: &mut AnyConnection,
    new: &NewSupportRequest,
) -> Result<SupportRequest, StoreError> {
    let escalated_at = (new.outcome == SupportOutcome::Escalated).then_some(millis(new.at));
    let suggestions =
        serde_json::to_string(&new.suggestions).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let row = sqlx::query(&format!(
        "INSERT INTO support_requests (client, asker, platform, channel, question, suggestions, top_article, \
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

pub async fn get(conn: &mut AnyConnection, id: i64) -> Result<Option<SupportRequest>, StoreError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM support_requests WHERE id = $1"
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
) -> Result<Vec<SupportRequest>, StoreError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM support_requests WHERE client = $1 AND created_at >= $2 ORDER BY id"
    ))
    .bind(client.as_str())
    .bind(millis(since))
    .fetch_all(conn)
    .await?;
    rows.iter().map(decode).collect()
}

/// Applies the update if the request is in the state it needs; false otherwise.
pub async fn update(
    conn: &mut AnyConnection,
    id: i64,
    update: &SupportUpdate,
) -> Result<bool, StoreError> {
    let query = match update {
        SupportUpdate::Solve { at } => sqlx::query(
            "UPDATE support_requests SET outcome = 'solved', resolved_at = $1 WHERE id = $2 AND outcome = 'suggested'",
        )
        .bind(millis(*at))
        .bind(id),
        SupportUpdate::Escalate { at } => sqlx::query(
            "UPDATE support_requests SET outcome = 'escalated', escalated_at = $1 WHERE id = $2 AND outcome = 'suggested'",
        )
        .bind(millis(*at))
        .bind(id),
        SupportUpdate::Take { by, at } => sqlx::query(
            "UPDATE support_requests SET taken_by = $1, taken_at = $2 \
             WHERE id = $3 AND outcome = 'escalated' AND taken_by IS NULL",
        )
        .bind(by.as_str().to_owned())
        .bind(millis(*at))
        .bind(id),
    };
    Ok(query.execute(conn).await?.rows_affected() == 1)
}

pub async fn mark_alerted(conn: &mut AnyConnection, ids: &[i64]) -> Result<(), StoreError> {
    for id in ids {
        sqlx::query("UPDATE support_requests SET alerted = 1 WHERE id = $1")
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
            "UPDATE support_requests SET incident_id = $1 WHERE id = $2 AND incident_id IS NULL",
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
