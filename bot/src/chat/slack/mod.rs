//! Slack: slash commands, events, buttons and modals in (HTTP or Socket Mode), rooms, briefs,
//! announcements and client updates out through the Web API (slack-morphism).

mod api;
mod api_error;
pub mod blocks;
mod commands;
mod config;
mod events;
mod inbound;
mod interactions;
pub mod manifest;
mod outbound;
mod reply;
mod responders;
pub mod signature;
mod socket;

use std::collections::HashMap;
use std::sync::Arc;

use axum::Router;
use secrecy::SecretString;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{AdapterError, ChatPlatform};
use crate::commands::UserRef;
use crate::config::Config;
use crate::domain::{ClientId, UserId};
use crate::engine::Engine;

pub use api::{ApiError, SlackApi};
pub use config::SlackConfig;
pub use events::triage_support_message;
pub use outbound::SlackPlatform;
pub use socket::set_timings as set_socket_timings;

pub const PLATFORM: &str = "slack";

/// Slack user ids are stored as Slack writes them (`U0123`).
pub fn user_id(reference: &UserRef) -> UserId {
    UserId::new(reference.0.clone())
}

fn adapter_error(message: impl Into<String>) -> AdapterError {
    AdapterError {
        platform: PLATFORM,
        message: message.into(),
    }
}

fn connect(slack: &SlackConfig) -> Result<Arc<dyn SlackApi>, AdapterError> {
    api::connect(&slack.api_url, &slack.bot_token, slack.app_token.as_ref()).map_err(|error| {
        adapter_error(format!(
            "cannot set up the Web API client for {}: {error}",
            slack.api_url
        ))
    })
}

/// The outbound side, when `[slack]` is configured.
/// Slack in the application's table of platforms.
pub const ADAPTER: super::Adapter = super::Adapter {
    section: config::SECTION,
    outbound,
    routes,
    connections: |engine, shutdown| spawn(engine, shutdown).into_iter().collect(),
};

pub fn outbound(config: &Config) -> Result<Option<Arc<dyn ChatPlatform>>, AdapterError> {
    let Some(slack) = config.chat::<SlackConfig>() else {
        return Ok(None);
    };
    let platform = SlackPlatform::new(
        connect(slack)?,
        slack.oncall_channel.clone(),
        config.timezone,
    );
    Ok(Some(Arc::new(platform)))
}

/// `POST /slack/commands`, `/slack/events` and `/slack/interactions`, when `[slack]` is configured.
pub fn routes(engine: &Arc<Engine>) -> Option<Router> {
    let adapter = Adapter::new(engine)?;
    Some(inbound::router(adapter))
}

/// The Socket Mode connection, when `[slack]` has an `app_token`.
pub fn spawn(engine: &Arc<Engine>, shutdown: watch::Receiver<bool>) -> Option<JoinHandle<()>> {
    let slack = engine.config().chat::<SlackConfig>()?;
    slack.app_token.as_ref()?;
    let adapter = Adapter::new(engine)?;
    Some(tokio::spawn(socket::run(adapter, shutdown)))
}

/// What the inbound handlers share: the engine, a Web API client and the signing secret.
pub(crate) struct Adapter {
    engine: Arc<Engine>,
    api: Arc<dyn SlackApi>,
    signing_secret: SecretString,
    /// For `response_url` posts.
    http: reqwest::Client,
    /// Client support channels (`channels.slack.support`), for triage.
    support_channels: HashMap<String, ClientId>,
    /// Who may use `/incident`.
    responders: responders::Responders,
}

impl Adapter {
    fn new(engine: &Arc<Engine>) -> Option<Arc<Adapter>> {
        let config = engine.config();
        let slack = config.chat::<SlackConfig>()?;
        let api = match connect(slack) {
            Ok(api) => api,
            Err(error) => {
                tracing::error!(%error, "Slack inbound handlers are off");
                return None;
            }
        };
        let support_channels = config
            .clients
            .iter()
            .filter_map(|c| Some((c.support_channel("slack")?.to_owned(), c.id.clone())))
            .collect();
        Some(Arc::new(Adapter {
            engine: engine.clone(),
            responders: responders::Responders::new(api.clone(), slack.responders.clone()),
            api,
            signing_secret: slack.signing_secret.clone(),
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(10))
                .build()
                .unwrap_or_default(),
            support_channels,
        }))
    }
}
