//! The alerts part of the store port: alert groups (one per client and fingerprint), their
//! proposals and the incident each is linked to. `Store` requires it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{any::AnyRow, Row};
use tracing::instrument;

use super::sql::{from_millis, millis};
use super::{outbox, SqlStore, StoreError};
use crate::alerts::Alert;
use crate::domain::{ClientId, IncidentId};
use crate::effects::Delivery;

/// One client's alerts with one fingerprint, as stored after the latest arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AlertGroup {
    pub id: i64,
    pub client: ClientId,
    pub fingerprint: String,
    pub title: String,
    pub severity: String,
    pub source: String,
    pub link: Option<String>,
    pub firing: bool,
    /// Alerts received for this group, the latest included.
    pub received: i64,
    pub first_seen: DateTime<Utc>,
    pub last_seen: DateTime<Utc>,
    pub proposed_at: Option<DateTime<Utc>>,
    pub incident_id: Option<IncidentId>,
}

#[async_trait]
pub trait AlertStore: Send + Sync + 'static {
    /// Counts an alert into its group (created on the first), keeping its latest title,
    /// severity and status; the group as it now stands.
    async fn record_alert(
        &self,
        client: &ClientId,
        alert: &Alert,
        now: DateTime<Utc>,
    ) -> Result<AlertGroup, StoreError>;
    async fn alert_group(&self, id: i64) -> Result<Option<AlertGroup>, StoreError>;
    /// The client's latest proposal: when, and the severity proposed.
    async fn last_proposal(
        &self,
        client: &ClientId,
    ) -> Result<Option<(DateTime<Utc>, String)>, StoreError>;
    /// Marks the group proposed and queues the proposal, in one transaction.
    async fn propose_alert(
        &self,
        group: i64,
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    /// Links the group to an incident unless it already is; whether this call linked it.
    async fn link_alert_group(&self, group: i64, incident: &IncidentId)
        -> Result<bool, StoreError>;
}

const COLUMNS: &str = "id, client, fingerprint, title, severity, source, link, firing, received, first_seen, last_seen, proposed_at, incident_id";

fn group(row: &AnyRow) -> Result<AlertGroup, StoreError> {
    let corrupt = |what: &str, e: String| StoreError::Corrupt(format!("alert group {what}: {e}"));
    Ok(AlertGroup {
        id: row.try_get("id")?,
        client: ClientId::parse(&row.try_get::<String, _>("client")?)
            .map_err(|e| corrupt("client", e.to_string()))?,
        fingerprint: row.try_get("fingerprint")?,
        title: row.try_get("title")?,
        severity: row.try_get("severity")?,
        source: row.try_get("source")?,
        link: row.try_get("link")?,
        firing: row.try_get::<i64, _>("firing")? != 0,
        received: row.try_get("received")?,
        first_seen: from_millis(row.try_get("first_seen")?)?,
        last_seen: from_millis(row.try_get("last_seen")?)?,
        proposed_at: row
            .try_get::<Option<i64>, _>("proposed_at")?
            .map(from_millis)
            .transpose()?,
        incident_id: row
            .try_get::<Option<String>, _>("incident_id")?
            .map(|id| IncidentId::parse(&id).map_err(|e| corrupt("incident", e.to_string())))
            .transpose()?,
    })
}

#[async_trait]
impl AlertStore for SqlStore {
    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn record_alert(
        &self,
        client: &ClientId,
        alert: &Alert,
        now: DateTime<Utc>,
    ) -> Result<AlertGroup, StoreError> {
        let row = sqlx::query(&format!(
            "INSERT INTO alert_groups (client, fingerprint, title, severity, source, link, firing, received, first_seen, last_seen) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8, $8) \
             ON CONFLICT (client, fingerprint) DO UPDATE SET title = $3, severity = $4, source = $5, \
             link = COALESCE($6, alert_groups.link), firing = $7, received = alert_groups.received + 1, last_seen = $8 \
             RETURNING {COLUMNS}"
        ))
        .bind(client.as_str())
        .bind(&alert.fingerprint)
        .bind(&alert.title)
        .bind(&alert.severity)
        .bind(&alert.source)
        .bind(alert.link.as_deref())
        .bind(i64::from(alert.firing))
        .bind(millis(now))
        .fetch_one(self.pool())
        .await?;
        group(&row)
    }

    #[instrument(level = "debug", skip_all)]
    async fn alert_group(&self, id: i64) -> Result<Option<AlertGroup>, StoreError> {
        let row = sqlx::query(&format!("SELECT {COLUMNS} FROM alert_groups WHERE id = $1"))
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.as_ref().map(group).transpose()
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn last_proposal(
        &self,
        client: &ClientId,
    ) -> Result<Option<(DateTime<Utc>, String)>, StoreError> {
        let row = sqlx::query(
            "SELECT proposed_at, severity FROM alert_groups WHERE client = $1 AND proposed_at IS NOT NULL \
             ORDER BY proposed_at DESC LIMIT 1",
        )
        .bind(client.as_str())
        .fetch_optional(self.pool())
        .await?;
        row.map(|row| {
            Ok((
                from_millis(row.try_get("proposed_at")?)?,
                row.try_get("severity")?,
            ))
        })
        .transpose()
    }

    #[instrument(level = "debug", skip_all)]
    async fn propose_alert(
        &self,
        group_id: i64,
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        let row = sqlx::query(&format!(
            "UPDATE alert_groups SET proposed_at = $1 WHERE id = $2 RETURNING {COLUMNS}"
        ))
        .bind(millis(now))
        .bind(group_id)
        .fetch_one(&mut *tx)
        .await?;
        let proposed = group(&row)?;
        for delivery in &deliveries {
            outbox::enqueue(&mut tx, None, Some(&proposed.client), None, delivery, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, fields(incident = %incident))]
    async fn link_alert_group(
        &self,
        group_id: i64,
        incident: &IncidentId,
    ) -> Result<bool, StoreError> {
        let done = sqlx::query(
            "UPDATE alert_groups SET incident_id = $1 WHERE id = $2 AND incident_id IS NULL",
        )
        .bind(incident.as_str())
        .bind(group_id)
        .execute(self.pool())
        .await?;
        Ok(done.rows_affected() == 1)
    }
}
