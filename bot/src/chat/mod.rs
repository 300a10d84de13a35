//! The chat adapters: each platform is one folder here. The port they implement
//! (`ChatPlatform`, `DeliveryError`, `RoomProgress`) lives in the engine (`engine::port`):
//! adapters depend on the engine, never the other way round.

pub mod buttons;
pub mod console;
pub mod discord;
pub mod slack;

use std::sync::Arc;

use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use thiserror::Error;

use crate::config::Config;
use crate::engine::Engine;

pub use crate::engine::port::{ChatPlatform, DeliveryError, RoomProgress};

/// Why an adapter could not start.
#[derive(Debug, Error)]
#[error("{platform}: {message}")]
pub struct AdapterError {
    pub platform: &'static str,
    pub message: String,
}

/// The outbound side of every chat platform the configuration enables (the console is added
/// by the caller, since only it knows about the terminal).
pub fn outbound_platforms(config: &Config) -> Result<Vec<Arc<dyn ChatPlatform>>, AdapterError> {
    let mut platforms: Vec<Arc<dyn ChatPlatform>> = Vec::new();
    platforms.extend(slack::outbound(config)?);
    if let Some(discord) = discord::outbound(config)? {
        platforms.push(discord);
    }
    Ok(platforms)
}

/// The HTTP endpoints of every enabled platform (`/slack/...`, `/discord/...`).
pub fn inbound_routes(engine: &Arc<Engine>) -> Router {
    let mut router = Router::new();
    if let Some(slack) = slack::routes(engine) {
        router = router.merge(slack);
    }
    if let Some(discord) = discord::routes(engine) {
        router = router.merge(discord);
    }
    router
}

/// Long-running connections of enabled platforms (Slack Socket Mode, the Discord gateway).
pub fn spawn_connections(
    engine: &Arc<Engine>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    let mut connections = Vec::new();
    connections.extend(slack::spawn(engine, shutdown.clone()));
    connections.extend(discord::spawn(engine, shutdown.clone()));
    connections
}
