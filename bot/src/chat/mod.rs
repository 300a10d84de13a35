//! The chat adapters: each platform is one folder here. The port they implement
//! (`ChatPlatform`, `DeliveryError`, `RoomProgress`) lives in the engine (`engine::port`):
//! adapters depend on the engine, never the other way round.

pub mod buttons;
pub mod console;
pub mod discord;
mod settings;
pub mod slack;

use std::sync::Arc;

use axum::Router;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use thiserror::Error;

use crate::config::{ChatSection, Config};
use crate::engine::Engine;

pub use crate::engine::port::{ChatPlatform, DeliveryError, RoomProgress};
pub use settings::sections;

/// Why an adapter could not start.
#[derive(Debug, Error)]
#[error("{platform}: {message}")]
pub struct AdapterError {
    pub platform: &'static str,
    pub message: String,
}

/// Makes a platform's outbound side from the configuration (`None`: not configured).
pub type MakeOutbound = fn(&Config) -> Result<Option<Arc<dyn ChatPlatform>>, AdapterError>;

/// One chat platform as the application wires it up. Every platform is one folder under `chat/`
/// and one line in [`ADAPTERS`]; nothing else in the bot names it.
pub struct Adapter {
    /// Its configuration section, whose name is the platform's name everywhere.
    pub section: ChatSection,
    /// Its outbound side, when the configuration enables it.
    pub outbound: MakeOutbound,
    /// Its HTTP endpoints (`/slack/...`, `/discord/...`), when enabled.
    pub routes: fn(&Arc<Engine>) -> Option<Router>,
    /// Its long-running connections (Slack Socket Mode, the Discord gateway), when enabled.
    pub connections: fn(&Arc<Engine>, watch::Receiver<bool>) -> Vec<JoinHandle<()>>,
}

/// Every chat platform. The console is here too; its outbound side needs the terminal, so
/// `startup` makes it when the console runs in the foreground (`console::ADAPTER` makes none).
pub const ADAPTERS: &[Adapter] = &[console::ADAPTER, discord::ADAPTER, slack::ADAPTER];

/// The outbound side of every chat platform the configuration enables.
pub fn outbound_platforms(config: &Config) -> Result<Vec<Arc<dyn ChatPlatform>>, AdapterError> {
    let mut platforms = Vec::new();
    for adapter in ADAPTERS {
        platforms.extend((adapter.outbound)(config)?);
    }
    Ok(platforms)
}

/// The HTTP endpoints of every enabled platform.
pub fn inbound_routes(engine: &Arc<Engine>) -> Router {
    ADAPTERS
        .iter()
        .filter_map(|adapter| (adapter.routes)(engine))
        .fold(Router::new(), Router::merge)
}

/// Long-running connections of enabled platforms.
pub fn spawn_connections(
    engine: &Arc<Engine>,
    shutdown: watch::Receiver<bool>,
) -> Vec<JoinHandle<()>> {
    ADAPTERS
        .iter()
        .flat_map(|adapter| (adapter.connections)(engine, shutdown.clone()))
        .collect()
}
