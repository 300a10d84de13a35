//! The `postmortems` table: one editable postmortem per resolved incident, with its review
//! state; and the review list, which pages through incidents joined with their postmortems.

use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, AnyConnection, Row};

use super::{
    action_items,
    sql::{from_millis, millis},
    StoreError,
};
use crate::domain::review::{Postmortem, ReviewState, Sections};
use crate::domain::{ClientId, Incident, IncidentId, Severity, UserId};

/// What the review list can be narrowed to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReviewFilter {
    pub client: Option<ClientId>,
    pub severity: Option<Severity>,
    /// Declared in `[from, to)`.
    pub declared: Option<(DateTime<Utc>, DateTime<Utc>)>,
    pub state: Option<ReviewState>,
}

/// One row of the review list: the incident and its postmortem's state (none while open).
#[derive(Debug, Clone, PartialEq)]
pub struct ReviewRow {
    pub incident: Incident,
    pub state: Option<ReviewState>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ReviewPage {
    pub rows: Vec<ReviewRow>,
    /// How many incidents match the filter in all.
    pub total: i64,
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("postmortem {what}: {e}"))
}

fn state_of(text: &str) -> Result<ReviewState, StoreError> {
    ReviewState::parse(text).ok_or_else(|| corrupt("state", text))
}

type AnyQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments<'q>>;

/// Binds what an edit can change, as `$1`–`$12` of both the insert and the update.
fn bind_editable<'q>(query: AnyQuery<'q>, p: &'q Postmortem) -> AnyQuery<'q> {
    let s = &p.sections;
    query
        .bind(p.state.as_str())
        .bind(s.summary.as_str())
        .bind(s.impact.as_str())
        .bind(s.contributing_factors.as_str())
        .bind(s.went_well.as_str())
        .bind(s.internal_notes.as_str())
        .bind(s.client_summary.as_str())
        .bind(p.reviewer.as_ref().map(|u| u.as_str().to_owned()))
        .bind(p.approved_at.map(millis))
        .bind(p.published_at.map(millis))
        .bind(millis(p.updated_at))
        .bind(p.updated_by.as_ref().map(|u| u.as_str().to_owned()))
}

/// Writes the draft unless the incident already has a postmortem.
pub async fn insert(conn: &mut AnyConnection, p: &Postmortem) -> Result<(), StoreError> {
    let query = sqlx::query(
        "INSERT INTO postmortems (state, summary, impact, contributing_factors, went_well, internal_notes, \
         client_summary, reviewer, approved_at, published_at, updated_at, updated_by, incident_id, client, \
         created_at, version) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
         ON CONFLICT (incident_id) DO NOTHING",
    );
    bind_editable(query, p)
        .bind(p.incident_id.as_str())
        .bind(p.client.as_str())
        .bind(millis(p.created_at))
        .bind(p.version)
        .execute(conn)
        .await?;
    Ok(())
}

/// Writes a changed postmortem if it is still at `expected_version`; false when someone else won.
pub async fn update(
    conn: &mut AnyConnection,
    p: &Postmortem,
    expected_version: i64,
) -> Result<bool, StoreError> {
    let query = sqlx::query(
        "UPDATE postmortems SET state = $1, summary = $2, impact = $3, contributing_factors = $4, went_well = $5, \
         internal_notes = $6, client_summary = $7, reviewer = $8, approved_at = $9, published_at = $10, \
         updated_at = $11, updated_by = $12, version = version + 1 WHERE incident_id = $13 AND version = $14",
    );
    let result = bind_editable(query, p)
        .bind(p.incident_id.as_str())
        .bind(expected_version)
        .execute(&mut *conn)
        .await?;
    if result.rows_affected() == 0 {
        return Ok(false);
    }
    action_items::replace(conn, &p.incident_id, &p.action_items).await?;
    Ok(true)
}

fn decode(row: &AnyRow) -> Result<Postmortem, StoreError> {
    let user = |column: &str| -> Result<Option<UserId>, StoreError> {
        Ok(row.try_get::<Option<String>, _>(column)?.map(UserId::new))
    };
    let time = |column: &str| -> Result<Option<DateTime<Utc>>, StoreError> {
        row.try_get::<Option<i64>, _>(column)?
            .map(from_millis)
            .transpose()
    };
    Ok(Postmortem {
        incident_id: IncidentId::parse(&row.try_get::<String, _>("incident_id")?)
            .map_err(|e| corrupt("incident id", e))?,
        client: ClientId::parse(&row.try_get::<String, _>("client")?)
            .map_err(|e| corrupt("client", e))?,
        state: state_of(&row.try_get::<String, _>("state")?)?,
        sections: Sections {
            summary: row.try_get("summary")?,
            impact: row.try_get("impact")?,
            contributing_factors: row.try_get("contributing_factors")?,
            went_well: row.try_get("went_well")?,
            internal_notes: row.try_get("internal_notes")?,
            client_summary: row.try_get("client_summary")?,
        },
        action_items: Vec::new(),
        reviewer: user("reviewer")?,
        approved_at: time("approved_at")?,
        published_at: time("published_at")?,
        created_at: from_millis(row.try_get("created_at")?)?,
        updated_at: from_millis(row.try_get("updated_at")?)?,
        updated_by: user("updated_by")?,
        version: row.try_get("version")?,
    })
}

pub async fn get(
    conn: &mut AnyConnection,
    id: &IncidentId,
) -> Result<Option<Postmortem>, StoreError> {
    let row = sqlx::query("SELECT * FROM postmortems WHERE incident_id = $1")
        .bind(id.as_str())
        .fetch_optional(&mut *conn)
        .await?;
    let Some(row) = row else {
        return Ok(None);
    };
    let mut postmortem = decode(&row)?;
    postmortem.action_items = action_items::list(conn, id).await?;
    Ok(Some(postmortem))
}

/// A bound value of the filter.
enum Param {
    Text(String),
    Int(i64),
}

/// The filter as SQL conditions on `i` (incidents) and `p` (postmortems), numbered from `$1`.
/// Only the conditions in use are written, so each combination gets its own (indexed) plan.
/// For the rows, the state is compared as an expression (`p.state || ''`) so the planner walks
/// incidents newest first and stops after a page, instead of sorting every postmortem in that state.
fn conditions(filter: &ReviewFilter, for_rows: bool) -> (String, Vec<Param>) {
    let mut parts = Vec::new();
    let mut params = Vec::new();
    let mut add = |sql: &str, param: Param| {
        params.push(param);
        parts.push(sql.replace('?', &format!("${}", params.len())));
    };
    if let Some(client) = &filter.client {
        add("i.client = ?", Param::Text(client.as_str().to_owned()));
    }
    if let Some(severity) = filter.severity {
        add("i.severity = ?", Param::Text(severity.as_str().to_owned()));
    }
    if let Some((from, to)) = filter.declared {
        add("i.declared_at >= ?", Param::Int(millis(from)));
        add("i.declared_at < ?", Param::Int(millis(to)));
    }
    if let Some(state) = filter.state {
        let sql = if for_rows {
            "p.state || '' = ?"
        } else {
            "p.state = ?"
        };
        add(sql, Param::Text(state.as_str().to_owned()));
    }
    let sql = match parts.is_empty() {
        true => String::new(),
        false => format!("WHERE {}", parts.join(" AND ")),
    };
    (sql, params)
}

fn bind_all<'q>(mut query: AnyQuery<'q>, params: &[Param]) -> AnyQuery<'q> {
    for param in params {
        query = match param {
            Param::Text(text) => query.bind(text.clone()),
            Param::Int(n) => query.bind(*n),
        };
    }
    query
}

/// One page of incidents, newest first, with the postmortem state of each.
pub async fn page(
    conn: &mut AnyConnection,
    filter: &ReviewFilter,
    offset: i64,
    limit: i64,
) -> Result<ReviewPage, StoreError> {
    let (condition, params) = conditions(filter, false);
    let only_state =
        filter.client.is_none() && filter.severity.is_none() && filter.declared.is_none();
    // The join is needed to count only when filtering by review state; by state alone, the
    // postmortems' index answers.
    let count_from = match (filter.state, only_state) {
        (Some(_), true) => "postmortems p",
        (Some(_), false) => "incidents i JOIN postmortems p ON p.incident_id = i.id",
        (None, _) => "incidents i",
    };
    let count_sql = format!("SELECT COUNT(*) FROM {count_from} {condition}");
    let total: i64 = bind_all(sqlx::query(&count_sql), &params)
        .fetch_one(&mut *conn)
        .await?
        .try_get(0)?;
    let (condition, params) = conditions(filter, true);
    let n = params.len();
    let rows_sql = format!(
        "SELECT i.state AS incident, p.state AS review FROM incidents i \
         LEFT JOIN postmortems p ON p.incident_id = i.id {condition} \
         ORDER BY i.declared_at DESC, i.id DESC LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2
    );
    let rows = bind_all(sqlx::query(&rows_sql), &params)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *conn)
        .await?;
    let rows = rows
        .iter()
        .map(|row| {
            let state: String = row.try_get("incident")?;
            let incident =
                serde_json::from_str(&state).map_err(|e| corrupt("incident state", e))?;
            let review: Option<String> = row.try_get("review")?;
            Ok(ReviewRow {
                incident,
                state: review.as_deref().map(state_of).transpose()?,
            })
        })
        .collect::<Result<_, StoreError>>()?;
    Ok(ReviewPage { rows, total })
}
