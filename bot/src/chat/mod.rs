//! The port every chat platform implements, and the adapters: each platform is one folder here.

pub mod console;

use std::time::Duration;

use async_trait::async_trait;
use thiserror::Error;

use crate::domain::Incident;
use crate::effects::{OutboxItem, Receipt};

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

/// A chat platform's outbound side: it delivers outbox items addressed to it.
#[async_trait]
pub trait ChatPlatform: Send + Sync + 'static {
    /// The platform's name in destinations and user ids (`slack`, `discord`, `console`).
    fn name(&self) -> &'static str;

    /// Delivers one item: opens a room, posts to a room, the on-call channel or a client channel,
    /// or refreshes the pinned brief. The incident gives the room ids.
    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError>;
}
