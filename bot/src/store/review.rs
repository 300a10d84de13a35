//! The review pages' part of the store port: postmortems, comments, the review list, report
//! queries, sign-in links and sessions. `Store` requires it, so `dyn Store` answers all of it.

use async_trait::async_trait;
use chrono::{DateTime, Utc};
use tracing::instrument;

use super::sessions::Session;
use super::sign_ins::SignInLink;
use super::{
    postmortems, reports, review_comments, sessions, sign_ins,
    sql::{change_time, write_change},
    Change, ReviewFilter, ReviewPage, SqlStore, StoreError,
};
use crate::domain::review::{Postmortem, ReviewComment};
use crate::domain::{ClientId, Incident, IncidentId, TimelineEvent};

#[async_trait]
pub trait ReviewStore: Send + Sync + 'static {
    /// Writes a resolving change and the incident's postmortem draft in one transaction
    /// (the draft is kept if the incident already has a postmortem).
    async fn commit_resolution(&self, change: Change, draft: &Postmortem)
        -> Result<(), StoreError>;
    async fn postmortem(&self, id: &IncidentId) -> Result<Option<Postmortem>, StoreError>;
    /// Saves a postmortem and its action items if it is still at `expected_version` (else
    /// `Conflict`), with an optional comment in the same transaction.
    async fn save_postmortem(
        &self,
        postmortem: &Postmortem,
        expected_version: i64,
        comment: Option<&ReviewComment>,
    ) -> Result<(), StoreError>;
    async fn add_review_comment(&self, comment: &ReviewComment) -> Result<(), StoreError>;
    async fn review_comments(&self, id: &IncidentId) -> Result<Vec<ReviewComment>, StoreError>;
    /// Writes the change that sends the client's version to the client, with the postmortem
    /// marked published, if the postmortem is still at `expected_version` (else `Conflict`).
    async fn commit_publication(
        &self,
        change: Change,
        postmortem: &Postmortem,
        expected_version: i64,
    ) -> Result<(), StoreError>;
    /// A page of the review list, newest first.
    async fn review_page(
        &self,
        filter: &ReviewFilter,
        offset: i64,
        limit: i64,
    ) -> Result<ReviewPage, StoreError>;
    /// A client's incidents declared in `[from, to)`, newest first.
    async fn client_incidents(
        &self,
        client: &ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Incident>, StoreError>;
    /// The timelines of a client's incidents declared in `[from, to)`, in one query.
    async fn client_timelines(
        &self,
        client: &ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(IncidentId, Vec<TimelineEvent>)>, StoreError>;

    async fn create_sign_in(&self, link: &SignInLink) -> Result<(), StoreError>;
    async fn sign_in_link(&self, token_hash: &str) -> Result<Option<SignInLink>, StoreError>;
    /// Uses a link (unused, unexpired at `now`) and opens `session` for its person, in one
    /// transaction; `None` when the link cannot be used. Expired links and sessions are purged.
    async fn redeem_sign_in(
        &self,
        token_hash: &str,
        session_hash: &str,
        session_expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SignInLink>, StoreError>;
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError>;
    async fn end_session(&self, token_hash: &str) -> Result<(), StoreError>;
}

#[async_trait]
impl ReviewStore for SqlStore {
    #[instrument(level = "debug", skip_all, fields(incident = %change.incident.id))]
    async fn commit_resolution(
        &self,
        change: Change,
        draft: &Postmortem,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        write_change(&mut tx, &change, change_time(&change)).await?;
        postmortems::insert(&mut tx, draft).await?;
        tx.commit().await?;
        super::events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all, fields(incident = %id))]
    async fn postmortem(&self, id: &IncidentId) -> Result<Option<Postmortem>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        postmortems::get(&mut conn, id).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %postmortem.incident_id))]
    async fn save_postmortem(
        &self,
        postmortem: &Postmortem,
        expected_version: i64,
        comment: Option<&ReviewComment>,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        if !postmortems::update(&mut tx, postmortem, expected_version).await? {
            return Err(StoreError::Conflict(postmortem.incident_id.clone()));
        }
        if let Some(comment) = comment {
            review_comments::insert(&mut tx, comment).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    #[instrument(level = "debug", skip_all, fields(incident = %comment.incident_id))]
    async fn add_review_comment(&self, comment: &ReviewComment) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        review_comments::insert(&mut conn, comment).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %id))]
    async fn review_comments(&self, id: &IncidentId) -> Result<Vec<ReviewComment>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        review_comments::list(&mut conn, id).await
    }

    #[instrument(level = "debug", skip_all, fields(incident = %change.incident.id))]
    async fn commit_publication(
        &self,
        change: Change,
        postmortem: &Postmortem,
        expected_version: i64,
    ) -> Result<(), StoreError> {
        let mut tx = self.pool().begin().await?;
        if !postmortems::update(&mut tx, postmortem, expected_version).await? {
            return Err(StoreError::Conflict(postmortem.incident_id.clone()));
        }
        write_change(&mut tx, &change, change_time(&change)).await?;
        tx.commit().await?;
        super::events::committed();
        Ok(())
    }

    #[instrument(level = "debug", skip_all)]
    async fn review_page(
        &self,
        filter: &ReviewFilter,
        offset: i64,
        limit: i64,
    ) -> Result<ReviewPage, StoreError> {
        let mut conn = self.pool().acquire().await?;
        postmortems::page(&mut conn, filter, offset, limit).await
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn client_incidents(
        &self,
        client: &ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<Incident>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        reports::incidents(&mut conn, client, from, to).await
    }

    #[instrument(level = "debug", skip_all, fields(client = %client))]
    async fn client_timelines(
        &self,
        client: &ClientId,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
    ) -> Result<Vec<(IncidentId, Vec<TimelineEvent>)>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        reports::timelines(&mut conn, client, from, to).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn create_sign_in(&self, link: &SignInLink) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        sign_ins::insert(&mut conn, link).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn sign_in_link(&self, token_hash: &str) -> Result<Option<SignInLink>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        sign_ins::get(&mut conn, token_hash).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn redeem_sign_in(
        &self,
        token_hash: &str,
        session_hash: &str,
        session_expires: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> Result<Option<SignInLink>, StoreError> {
        let mut tx = self.pool().begin().await?;
        if !sign_ins::redeem(&mut tx, token_hash, now).await? {
            return Ok(None);
        }
        let link = sign_ins::get(&mut tx, token_hash)
            .await?
            .ok_or_else(|| StoreError::Corrupt("a redeemed sign-in link vanished".into()))?;
        sessions::insert(
            &mut tx,
            &Session {
                token_hash: session_hash.to_owned(),
                user: link.user.clone(),
                created_at: now,
                expires_at: session_expires,
            },
        )
        .await?;
        // Used links are kept a day, so a second click is told the link was used.
        sign_ins::purge(&mut tx, now - chrono::Duration::days(1)).await?;
        sessions::purge(&mut tx, now).await?;
        tx.commit().await?;
        Ok(Some(link))
    }

    #[instrument(level = "debug", skip_all)]
    async fn session(
        &self,
        token_hash: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<Session>, StoreError> {
        let mut conn = self.pool().acquire().await?;
        sessions::get(&mut conn, token_hash, now).await
    }

    #[instrument(level = "debug", skip_all)]
    async fn end_session(&self, token_hash: &str) -> Result<(), StoreError> {
        let mut conn = self.pool().acquire().await?;
        sessions::delete(&mut conn, token_hash).await
    }
}
