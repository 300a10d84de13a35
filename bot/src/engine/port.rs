//! The port between the engine and the chat platforms (and the other senders: webhook, email,
//! paging): what an adapter implements and how a delivery fails. The engine owns it, so the
//! engine never depends on an adapter.

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use chrono::{DateTime, Utc};

use crate::config::ClientConfig;
use crate::domain::Incident;
use crate::effects::{ClientUpdate, OutboxItem, PageAction, Receipt};

/// Why a delivery did not go through, and whether to try again.
#[derive(Debug, Clone, Error)]
#[error("{reason}")]
pub struct DeliveryError {
    pub reason: String,
    /// The platform asked us to wait this long (HTTP 429 `Retry-After`).
    pub retry_after: Option<Duration>,
    /// Retrying cannot help (e.g. the bot lacks a permission).
    pub permanent: bool,
}

impl DeliveryError {
    pub fn transient(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            retry_after: None,
            permanent: false,
        }
    }

    pub fn permanent(reason: impl Into<String>) -> Self {
        Self {
            reason: reason.into(),
            retry_after: None,
            permanent: true,
        }
    }
}

/// Where a platform records how far opening a room got, step by step, in the store: the room
/// is bound to its incident as soon as it exists (so commands typed there work before the brief
/// is pinned), and a restart resumes from the incident's record instead of creating a second room.
#[async_trait]
pub trait RoomProgress: Send + Sync {
    /// The room exists (`brief: None`), or its brief was posted (`brief: Some`).
    async fn record(&self, room: &crate::effects::OpenedRoom) -> Result<(), DeliveryError>;
    /// Whether `room` (on this platform) is already the room of another incident.
    async fn taken_by_another(&self, room: &str) -> Result<bool, DeliveryError>;
}

/// A chat platform's outbound side: it delivers outbox items addressed to it.
#[async_trait]
pub trait ChatPlatform: Send + Sync + 'static {
    /// The platform's name in destinations and user ids (`slack`, `discord`, `console`).
    fn name(&self) -> &'static str;

    /// Where `client` reads status updates on this platform: its `channels.<platform>.status`.
    fn status_channel(&self, client: &ClientConfig) -> Option<String> {
        client.status_channel(self.name()).map(str::to_owned)
    }

    /// Where `client`'s staff ask level-1 questions on this platform:
    /// its `channels.<platform>.support`.
    fn support_channel(&self, client: &ClientConfig) -> Option<String> {
        client.support_channel(self.name()).map(str::to_owned)
    }

    /// Delivers one item: opens a room, posts to a room, the on-call channel or a client channel,
    /// or refreshes the pinned brief. The incident gives the room ids.
    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError>;

    /// Opens an incident's room, recording each step through `progress`. Platforms whose
    /// rooms take one call (the console) keep the default, which just delivers.
    async fn open_room(
        &self,
        item: &OutboxItem,
        incident: &Incident,
        progress: &dyn RoomProgress,
    ) -> Result<Receipt, DeliveryError> {
        let _ = progress;
        self.deliver(item, incident).await
    }

    /// Sends one person a private message (a sign-in link). The outbox queues only the request
    /// for a link; the worker mints the link and calls this, so no usable link is ever stored.
    /// Platforms without direct messages refuse it.
    async fn direct_message(
        &self,
        user: &crate::domain::UserId,
        _text: &str,
    ) -> Result<Receipt, DeliveryError> {
        Err(DeliveryError::permanent(format!(
            "the {} adapter cannot send {user} a direct message",
            self.name()
        )))
    }

    /// Delivers an item about no incident (level-1 triage): to the on-call channel or a
    /// client's support channel. Platforms without triage support refuse it.
    async fn deliver_unbound(&self, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        Err(DeliveryError::permanent(format!(
            "the {} adapter cannot deliver {} messages",
            self.name(),
            item.delivery.destination.label()
        )))
    }
}

/// A client's webhook: POSTs an update (signed with `signing_key` when the client has one).
#[async_trait]
pub trait WebhookPort: Send + Sync {
    async fn post(
        &self,
        url: &str,
        update: &ClientUpdate,
        sent_at: DateTime<Utc>,
        signing_key: Option<&[u8]>,
    ) -> Result<Receipt, DeliveryError>;
}

/// What one email carries besides the update: both parts, rendered when the update was published.
pub struct EmailBody<'a> {
    pub plain: &'a str,
    pub html: &'a str,
}

/// Client email: one message per update to all of a client's addresses.
#[async_trait]
pub trait EmailPort: Send + Sync {
    async fn send(
        &self,
        to: &[String],
        update: &ClientUpdate,
        body: EmailBody<'_>,
    ) -> Result<Receipt, DeliveryError>;
}

/// One page to send: everything the event carries apart from the routing key.
#[derive(Debug)]
pub struct Page<'a> {
    pub action: PageAction,
    pub incident: &'a Incident,
    pub summary: &'a str,
    /// When the escalation happened (the outbox row's creation), not when the retry went out.
    pub at: DateTime<Utc>,
    /// The incident's review page.
    pub review_url: String,
}

impl<'a> Page<'a> {
    pub fn new(
        action: PageAction,
        incident: &'a Incident,
        summary: &'a str,
        at: DateTime<Utc>,
        public_url: &str,
    ) -> Self {
        Self {
            action,
            incident,
            summary,
            at,
            review_url: format!(
                "{}/incidents/{}",
                public_url.trim_end_matches('/'),
                incident.id
            ),
        }
    }
}

/// Paging the on-call engineer (PagerDuty Events v2).
#[async_trait]
pub trait PagerPort: Send + Sync {
    async fn send(&self, page: &Page<'_>) -> Result<Receipt, DeliveryError>;
}

/// The senders besides chat that the engine delivers through; the composition root
/// (`startup`) builds them from the configuration.
#[derive(Clone)]
pub struct Senders {
    pub webhook: std::sync::Arc<dyn WebhookPort>,
    pub email: Option<std::sync::Arc<dyn EmailPort>>,
    pub pager: Option<std::sync::Arc<dyn PagerPort>>,
}
