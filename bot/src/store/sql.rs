//! `SqlStore`: the `Store` port on SQLite or PostgreSQL through sqlx, one transaction per change.

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use sqlx::{AnyConnection, AnyPool, Executor};
use tracing::instrument;

use super::{
    backend::Backend, events, incidents, outbox, status, timeline, triage, Change, IncidentFilter,
    StatusPost, Store, StoreError, Versioned,
};
use crate::domain::{ClientId, Incident, IncidentId, TimelineEvent};
use crate::effects::{Delivery, OutboxItem, Receipt};

/// Times are stored as UTC milliseconds: the same integer on both backends.
pub fn millis(at: DateTime<Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(ms: i64) -> Result<DateTime<Utc>, StoreError> {
    DateTime::from_timestamp_millis(ms)
        .ok_or_else(|| StoreError::Corrupt(format!("timestamp {ms} is out of range")))
}

/// The rows `sql` (with the incident's id as `$1`) selects, each decoded by `decode`.
pub async fn rows_of_incident<T>(
    conn: &mut AnyConnection,
    sql: &str,
    id: &IncidentId,
    decode: impl Fn(&sqlx::any::AnyRow) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let rows = sqlx::query(sql).bind(id.as_str()).fetch_all(conn).await?;
    rows.iter().map(decode).collect()
}

#[derive(Debug, Clone)]
pub struct SqlStore {
    pool: AnyPool,
    backend: Backend,
}

impl SqlStore {
    pub async fn connect(url: &str) -> Result<Self, StoreError> {
        let backend: Backend = url.parse()?;
        let pool = backend.connect(url).await?;
        Ok(Self { pool, backend })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub(super) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// How the database finds due timers: the plan of the one query each tick runs.
    pub async fn explain_due_timers(&self) -> Result<String, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => "EXPLAIN QUERY PLAN SELECT id FROM incidents WHERE timer_at IS NOT NULL AND timer_at <= 0 ORDER BY timer_at LIMIT 500",
            Backend::Postgres => "EXPLAIN SELECT id FROM incidents WHERE timer_at IS NOT NULL AND timer_at <= 0 ORDER BY timer_at LIMIT 500",
        };
        let rows = sqlx::query(sql).fetch_all(&self.pool).await?;
        let column = match self.backend {
            Backend::Sqlite => "detail",
            Backend::Postgres => "QUERY PLAN",
        };
        Ok(rows
            .iter()
            .filter_map(|row| sqlx::Row::try_get::<String, _>(row, column).ok())
            .collect::<Vec<_>>()
            .join("; "))
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }
}

pub(super) async fn write_change(
    conn: &mut AnyConnection,
    change: &Change,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let incident = &change.incident;
    events::record_current(conn, now).await?;
    if change.expected_version == 0 {
        incidents::insert(conn, incident, change.timer_at).await?;
    } else if !incidents::update(conn, incident, change.expected_version, change.timer_at).await? {
        return Err(StoreError::Conflict(incident.id.clone()));
    }
    timeline::append(conn, &incident.id, &change.events).await?;
    for (sequence, delivery) in &change.deliveries {
        outbox::enqueue(
            conn,
            Some(&incident.id),
            Some(&incident.client),
            *sequence,
            delivery,
            now,
        )
        .await?;
    }
    Ok(())
}

pub(super) fn change_time(change: &Change) -> DateTime<Utc> {
    change
        .events
        .last()
        .map(|event| event.at)
        .unwrap_or(change.incident.declared_at)
}

#[async_trait]
impl Store for SqlStore {
    #[instrument(level = "debug", skip_all)]
    async fn migrate(&self) -> Result<(), StoreError> {
        self.backend.migrator().run(&self.pool).await?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn ping(&self) -> Result<(), StoreError> {
        self.pool.execute("SELECT 1").await?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn next_incident_id(&self, year: i32) -> Result<IncidentId, StoreError> {
        let mut conn = self.pool.acquire().await?;
        let number = incidents::next_number(&mut conn, year).await?;
        Ok(IncidentId::new(year, number))
    }

    #[instrument(level = "debug", skip_all, fields(incident = %change.incident.id))]
    async fn commit(&self, change: Change) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        write_change(&mut tx, &change, change_time(&change)).await?;
        tx.commit().await?;
        events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all, fields(incident = %id))]
    async fn incident(&self, id: &IncidentId) -> Result<Option<Versioned>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::get(&mut conn, id).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn incident_by_room(
        &self,
        platform: &str,
        room: &str,
    ) -> Result<Option<Versioned>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::by_room(&mut conn, platform, room).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::list(&mut conn, filter).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %id))]
    async fn timeline(&self, id: &IncidentId) -> Result<Vec<TimelineEvent>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        timeline::list(&mut conn, id).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn due_timers(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IncidentId>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::due(&mut conn, now, limit).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn next_timer_at(&self) -> Result<Option<DateTime<Utc>>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::next_timer(&mut conn).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn overdue_incidents(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        incidents::overdue(&mut conn, now).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn already_handled(&self, platform: &str, event_id: &str) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        events::seen(&mut conn, platform, event_id).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn first_sighting(
        &self,
        platform: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut conn = self.pool.acquire().await?;
        events::first_sighting(&mut conn, platform, event_id, now).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let mut tx = self.pool.begin().await?;
        let items = outbox::claim(&mut tx, self.backend, worker, now, limit, lease).await?;
        tx.commit().await?;
        Ok(items)
    }

    #[instrument(level = "debug", skip_all)]
    async fn extend_claim(
        &self,
        item: &OutboxItem,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::extend(&mut conn, item, now, lease).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn delivery_succeeded(
        &self,
        item: &OutboxItem,
        receipt: &Receipt,
        now: DateTime<Utc>,
        then: Option<Change>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        outbox::succeed(&mut tx, item, receipt, now).await?;
        if let Some(change) = &then {
            write_change(&mut tx, change, now).await?;
        }
        tx.commit().await?;
        events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn delivery_failed(
        &self,
        item: &OutboxItem,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        then: Option<Change>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        outbox::fail(&mut tx, item, error, retry_at).await?;
        if let Some(change) = &then {
            write_change(&mut tx, change, change_time(change)).await?;
        }
        tx.commit().await?;
        events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::backlog(&mut conn, now).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn outbox_pending_by_lane(
        &self,
    ) -> Result<Vec<(String, i64, DateTime<Utc>)>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::pending_by_lane(&mut conn).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %incident))]
    async fn pending_deliveries(&self, incident: &IncidentId) -> Result<i64, StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::pending_count(&mut conn, incident).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn enqueue_private(
        &self,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        outbox::enqueue(&mut conn, None, None, None, delivery, now).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %change.incident.id))]
    async fn commit_linking(&self, change: Change, requests: &[i64]) -> Result<(), StoreError> {
        let mut tx = self.pool.begin().await?;
        // The incident first (the link references it); a concurrent declare then waits on the
        // requests' row locks and finds them linked. Dropping `tx` on the error rolls back.
        write_change(&mut tx, &change, change_time(&change)).await?;
        triage::link_unlinked(&mut tx, requests, &change.incident.id).await?;
        tx.commit().await?;
        events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn add_status_post(&self, post: &StatusPost) -> Result<(), StoreError> {
        let mut conn = self.pool.acquire().await?;
        status::insert(&mut conn, post).await
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn status_posts(
        &self,
        client: &ClientId,
        since: DateTime<Utc>,
    ) -> Result<Vec<StatusPost>, StoreError> {
        let mut conn = self.pool.acquire().await?;
        status::list(&mut conn, client, since).await
    }
}
