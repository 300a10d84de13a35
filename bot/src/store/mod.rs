//! Durable state: incidents, timelines, the delivery outbox and status posts.
//! `Store` is the port the core talks to; `SqlStore` implements it on SQLite or PostgreSQL.

/// Runs each named store test against SQLite and against a throwaway PostgreSQL cluster.
#[cfg(test)]
macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let (store, _dir) = crate::testing::sqlite_store().await;
                    super::$name(&store).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let store = crate::testing::postgres_store().await;
                    super::$name(&store).await;
                }
            )*
        }
    };
}

mod action_items;
mod alerts;
mod backend;
mod events;
mod incidents;
mod outbox;
mod postmortems;
mod reports;
mod review;
mod review_comments;
mod sessions;
mod sign_ins;
mod sql;
mod status;
mod timeline;
mod triage;

use std::time::Duration;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::{ClientId, Incident, IncidentId, TimelineEvent};
use crate::effects::{Delivery, OutboxItem, Receipt};

pub use alerts::{AlertGroup, AlertStore};
pub use backend::Backend;
pub use events::handling_event;
pub use postmortems::{ReviewFilter, ReviewPage, ReviewRow};
pub use review::ReviewStore;
pub use sessions::Session;
pub use sign_ins::SignInLink;
pub use sql::SqlStore;
pub use status::StatusPost;
pub use triage::{LearnedPhrasing, TriageStore};

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("database migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("{0} was changed by someone else at the same time; try again")]
    Conflict(IncidentId),
    #[error("outbox item {0} was claimed by another worker; its outcome is theirs to write")]
    ClaimLost(i64),
    #[error("event {0} was already handled")]
    AlreadyHandled(String),
    #[error("triage request {0} is already linked to an incident")]
    AlreadyLinked(i64),
    #[error("stored data is unreadable ({0}); the database may be corrupt")]
    Corrupt(String),
    #[error("`{0}` is not a database URL this build supports: use sqlite://FILE or postgres://USER@HOST:PORT/DB")]
    UnsupportedUrl(String),
}

/// An incident with the version its row had when read, for optimistic concurrency.
#[derive(Debug, Clone, PartialEq)]
pub struct Versioned {
    pub incident: Incident,
    pub version: i64,
}

/// Everything one command or timer changes, written in one transaction.
#[derive(Debug, Clone)]
pub struct Change {
    /// The state after the events, and the version it was derived from (0 for a new incident).
    pub incident: Incident,
    pub expected_version: i64,
    pub events: Vec<TimelineEvent>,
    pub deliveries: Vec<(Option<u32>, Delivery)>,
    pub timer_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Default)]
pub struct IncidentFilter {
    pub client: Option<ClientId>,
    pub open_only: bool,
    pub limit: Option<i64>,
}

#[async_trait]
pub trait Store: ReviewStore + AlertStore + TriageStore + Send + Sync + 'static {
    async fn migrate(&self) -> Result<(), StoreError>;
    /// Answers when the database does; backs `/healthz`.
    async fn ping(&self) -> Result<(), StoreError>;

    /// Allocates the next `INC-<year>-NNNN` id. A declaration that then fails leaves a gap in the
    /// numbering and nothing else.
    async fn next_incident_id(&self, year: i32) -> Result<IncidentId, StoreError>;
    /// Writes a change if the incident is still at `expected_version`, else `Conflict`.
    async fn commit(&self, change: Change) -> Result<(), StoreError>;

    async fn incident(&self, id: &IncidentId) -> Result<Option<Versioned>, StoreError>;
    async fn incident_by_room(
        &self,
        platform: &str,
        room: &str,
    ) -> Result<Option<Versioned>, StoreError>;
    async fn incidents(&self, filter: &IncidentFilter) -> Result<Vec<Incident>, StoreError>;
    async fn timeline(&self, id: &IncidentId) -> Result<Vec<TimelineEvent>, StoreError>;

    /// Incidents with a nudge or escalation due at `now`: one indexed query, however many are open.
    async fn due_timers(
        &self,
        now: DateTime<Utc>,
        limit: i64,
    ) -> Result<Vec<IncidentId>, StoreError>;

    /// When the earliest timer is due, if any.
    async fn next_timer_at(&self) -> Result<Option<DateTime<Utc>>, StoreError>;
    /// How many open incidents have an overdue client update.
    async fn overdue_incidents(&self, now: DateTime<Utc>) -> Result<i64, StoreError>;

    /// Whether an inbound event was already handled (its effect committed), recording nothing.
    async fn already_handled(&self, platform: &str, event_id: &str) -> Result<bool, StoreError>;

    /// Records an inbound event id; `false` when it was seen before (a retry to acknowledge only).
    async fn first_sighting(
        &self,
        platform: &str,
        event_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;

    /// Leases up to `limit` pending deliveries whose time has come to `worker`; a lease keeps
    /// other workers and replicas off until it ends or the outcome is written.
    async fn claim_deliveries(
        &self,
        worker: &str,
        now: DateTime<Utc>,
        limit: i64,
        lease: Duration,
    ) -> Result<Vec<OutboxItem>, StoreError>;
    /// Extends the lease of an item whose delivery is still in flight; `ClaimLost` if another
    /// worker took it over meanwhile.
    async fn extend_claim(
        &self,
        item: &OutboxItem,
        now: DateTime<Utc>,
        lease: Duration,
    ) -> Result<(), StoreError>;
    /// Writes the outcome (and `then`) only while `item`'s claim is still held (`ClaimLost`).
    async fn delivery_succeeded(
        &self,
        item: &OutboxItem,
        receipt: &Receipt,
        now: DateTime<Utc>,
        then: Option<Change>,
    ) -> Result<(), StoreError>;
    async fn delivery_failed(
        &self,
        item: &OutboxItem,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
        then: Option<Change>,
    ) -> Result<(), StoreError>;
    /// Deliveries due now and not yet confirmed, across all incidents.
    async fn outbox_backlog(&self, now: DateTime<Utc>) -> Result<i64, StoreError>;
    /// Pending deliveries per lane: how many, and when the oldest was queued.
    async fn outbox_pending_by_lane(&self)
        -> Result<Vec<(String, i64, DateTime<Utc>)>, StoreError>;
    /// Deliveries not yet confirmed, for status and tests.
    async fn pending_deliveries(&self, incident: &IncidentId) -> Result<i64, StoreError>;

    /// Commits a new incident together with the triage requests it answers, in one
    /// transaction: each request is linked only while it is unlinked, so of two simultaneous
    /// Declare P1 clicks one wins and the other gets [`StoreError::AlreadyLinked`], writing nothing.
    /// Queues a message to one person about no client (a sign-in link to the review pages).
    async fn enqueue_private(
        &self,
        delivery: &Delivery,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;

    async fn commit_linking(&self, change: Change, requests: &[i64]) -> Result<(), StoreError>;

    async fn add_status_post(&self, post: &StatusPost) -> Result<(), StoreError>;
    async fn status_posts(
        &self,
        client: &ClientId,
        since: DateTime<Utc>,
    ) -> Result<Vec<StatusPost>, StoreError>;
}

#[cfg(test)]
mod migration_parity;
#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod review_tests;
#[cfg(test)]
mod tests;
