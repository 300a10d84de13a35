//! Level-1 triage's storage: the questions clients asked and what became of them
//! (`triage_requests`), and the phrasings triage learned from them (`learned_phrasings`).

mod learned;
mod table;

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

use super::{events, outbox, SqlStore, StoreError};
use crate::domain::triage::{NewTriageRequest, TriageChange, TriageRequest};
use crate::domain::ClientId;
use crate::effects::Delivery;

pub use learned::LearnedPhrasing;
pub(super) use table::link_unlinked;

#[async_trait]
pub trait TriageStore: Send + Sync + 'static {
    /// Records a question and, in the same transaction, the messages it sends (built once its
    /// id, and so its ticket number, is known).
    async fn create_triage_request(
        &self,
        new: NewTriageRequest,
        messages: &(dyn for<'r> Fn(&'r TriageRequest) -> Vec<Delivery> + Send + Sync),
    ) -> Result<TriageRequest, StoreError>;
    async fn triage_request(&self, id: i64) -> Result<Option<TriageRequest>, StoreError>;
    async fn recent_triage_requests(
        &self,
        client: &ClientId,
        since: DateTime<Utc>,
    ) -> Result<Vec<TriageRequest>, StoreError>;
    /// Applies `change` (a triage rule's answer) with its messages, if the request is still in
    /// the state the rule saw; false if not. A change that answers the question with an
    /// article ("This solved it", a ticket answered with an article) keeps the question as
    /// another phrasing of that article for the client, in the same transaction.
    async fn apply_triage_change(
        &self,
        request: &TriageRequest,
        change: TriageChange,
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError>;
    /// Marks requests as reported to on-call as a possible major incident, with the alert.
    async fn alert_burst(
        &self,
        client: &ClientId,
        ids: &[i64],
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError>;
    async fn learned_phrasings(
        &self,
        client: Option<&ClientId>,
    ) -> Result<Vec<LearnedPhrasing>, StoreError>;
    /// Removes a learned phrasing; whether it existed.
    async fn forget_phrasing(&self, id: i64) -> Result<bool, StoreError>;
}

#[async_trait]
impl TriageStore for SqlStore {
    #[instrument(level = "debug", skip_all)]
    async fn create_triage_request(
        &self,
        new: NewTriageRequest,
        messages: &(dyn for<'r> Fn(&'r TriageRequest) -> Vec<Delivery> + Send + Sync),
    ) -> Result<TriageRequest, StoreError> {
        let mut tx = self.pool().begin().await?;
        events::record_current(&mut tx, new.at).await?;
        let request = table::insert(&mut tx, &new).await?;
        for delivery in messages(&request) {
            outbox::enqueue(
                &mut tx,
                None,
                Some(&request.client),
                None,
                &delivery,
                new.at,
            )
            .await?;
        }
        tx.commit().await?;
        events::committed();
        Ok(request)
    }

    #[instrument(level = "debug", skip_all)]
    async fn triage_request(&self, id: i64) -> Result<Option<TriageRequest>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        table::get(&mut conn, id).await
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn recent_triage_requests(
        &self,
        client: &ClientId,
        since: DateTime<Utc>,
    ) -> Result<Vec<TriageRequest>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        table::recent(&mut conn, client, since).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn apply_triage_change(
        &self,
        request: &TriageRequest,
        change: TriageChange,
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool().begin().await?;
        if !table::apply(&mut tx, request.id, &change).await? {
            return Ok(false);
        }
        if let Some(article) = change.lesson(request) {
            learned::insert(&mut tx, &request.client, article, &request.question, now).await?;
        }
        for delivery in &deliveries {
            outbox::enqueue(&mut tx, None, Some(&request.client), None, delivery, now).await?;
        }
        tx.commit().await?;
        Ok(true)
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn alert_burst(
        &self,
        client: &ClientId,
        ids: &[i64],
        deliveries: Vec<Delivery>,
        now: DateTime<Utc>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        table::mark_alerted(&mut tx, ids).await?;
        for delivery in &deliveries {
            outbox::enqueue(&mut tx, None, Some(client), None, delivery, now).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn learned_phrasings(
        &self,
        client: Option<&ClientId>,
    ) -> Result<Vec<LearnedPhrasing>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        learned::list(&mut conn, client).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn forget_phrasing(&self, id: i64) -> Result<bool, StoreError> {
        let mut conn = self.pool().acquire().await?;
        learned::remove(&mut conn, id).await
    }
}

#[cfg(test)]
mod tests;
