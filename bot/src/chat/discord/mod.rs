//! The Discord adapter: interactions (HTTP endpoint or gateway) in, channels, pinned embeds and
//! messages out through serenity's HTTP client. Only translation lives here; the engine decides.

mod buckets;
mod commands_json;
mod components;
mod config;
mod dispatch;
mod format;
mod gateway;
mod interactions;
mod messages;
mod outbound;
mod privacy;
mod responses;
mod rest;
mod signature;
mod slash;
mod triage;

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use serenity::all::{GuildId, RoleId};
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{error, info, warn};

use super::{AdapterError, ChatPlatform};
use crate::commands::UserRef;
use crate::config::Config;
use crate::domain::UserId;
use crate::engine::Engine;

pub use commands_json::{command_definitions, register_commands, Registration};
pub use config::DiscordConfig;
pub use outbound::DiscordPlatform;
pub use rest::{DiscordRest, RestError};
pub use signature::SignatureError;

pub const PLATFORM: &str = "discord";
/// `[discord] api_url` when the configuration does not set it.
pub const DEFAULT_API_URL: &str = "https://discord.com/api/v10";
/// How long a command may take before its answer is deferred (Discord allows 3 s in all).
pub const ACK_BUDGET: Duration = Duration::from_millis(2000);

/// A Discord user as the core knows them: `discord:<snowflake>`.
pub fn user_id(reference: &UserRef) -> UserId {
    let id = reference.0.strip_prefix("discord:").unwrap_or(&reference.0);
    UserId::new(format!("discord:{id}"))
}

/// A non-zero numeric id (Discord's snowflakes), or `None`.
pub(crate) fn snowflake(text: &str) -> Option<u64> {
    text.trim().parse().ok().filter(|id| *id != 0)
}

fn adapter_error(message: impl Into<String>) -> AdapterError {
    AdapterError {
        platform: PLATFORM,
        message: message.into(),
    }
}

/// What the inbound side (HTTP endpoint and gateway) shares.
pub(crate) struct Inbound {
    engine: Arc<Engine>,
    rest: Arc<DiscordRest>,
    public_key: ed25519_dalek::VerifyingKey,
    /// `discord.responder_roles` and the guild they belong to.
    responder_roles: Vec<String>,
    guild_id: String,
}

impl Inbound {
    /// Whether the interaction comes from a member of the incident guild holding a responder
    /// role. Discord sends the member's role ids with every guild interaction, so no call is
    /// needed; a direct message or another guild never qualifies.
    /// A member of our guild holding one of the responder roles.
    fn is_responder(&self, guild: Option<GuildId>, roles: &[RoleId]) -> bool {
        let in_our_guild = guild.is_some_and(|guild| guild.to_string() == self.guild_id);
        in_our_guild
            && roles
                .iter()
                .any(|role| self.responder_roles.contains(&role.to_string()))
    }

    fn new(engine: &Arc<Engine>, config: &DiscordConfig) -> Result<Arc<Self>, AdapterError> {
        Ok(Arc::new(Self {
            engine: engine.clone(),
            rest: Arc::new(DiscordRest::new(config).map_err(adapter_error)?),
            public_key: signature::public_key(&config.public_key).map_err(adapter_error)?,
            responder_roles: config.responder_roles.clone(),
            guild_id: config.guild_id.clone(),
        }))
    }
}

/// The outbound side, when `[discord]` is configured.
/// Discord in the application's table of platforms.
pub const ADAPTER: super::Adapter = super::Adapter {
    section: config::SECTION,
    outbound: |config| Ok(outbound(config)?.map(|p| p as Arc<dyn ChatPlatform>)),
    routes,
    connections: spawn,
};

pub fn outbound(config: &Config) -> Result<Option<Arc<DiscordPlatform>>, AdapterError> {
    let Some(discord) = config.chat::<DiscordConfig>() else {
        return Ok(None);
    };
    // Checked here too so a bad key stops start-up instead of failing every request.
    signature::public_key(&discord.public_key).map_err(adapter_error)?;
    let rest = DiscordRest::new(discord).map_err(adapter_error)?;
    let managers = config
        .policy
        .managers
        .iter()
        .filter_map(|user| user.strip_prefix("discord:"))
        .map(str::to_owned)
        .collect();
    Ok(Some(Arc::new(DiscordPlatform::new(
        Arc::new(rest),
        discord.clone(),
        managers,
    ))))
}

/// `POST /discord/interactions`, when `[discord]` is configured.
pub fn routes(engine: &Arc<Engine>) -> Option<Router> {
    let discord = engine.config().chat::<DiscordConfig>()?;
    match Inbound::new(engine, discord) {
        Ok(inbound) => Some(interactions::router(inbound)),
        Err(e) => {
            error!(error = %e, "the Discord interactions endpoint is off");
            None
        }
    }
}

/// Command registration at start, and the gateway when `gateway = true`.
pub fn spawn(engine: &Arc<Engine>, shutdown: watch::Receiver<bool>) -> Vec<JoinHandle<()>> {
    let Some(discord) = engine.config().chat::<DiscordConfig>().cloned() else {
        return Vec::new();
    };
    let inbound = match Inbound::new(engine, &discord) {
        Ok(inbound) => inbound,
        Err(e) => {
            error!(error = %e, "Discord connections are off");
            return Vec::new();
        }
    };
    let mut tasks = Vec::new();
    let rest = inbound.rest.clone();
    let guild = discord.guild_id.clone();
    tasks.push(tokio::spawn(async move {
        match register_commands(&rest, Some(&guild)).await {
            Ok(Registration::Unchanged) => info!("Discord commands are up to date"),
            Ok(Registration::Overwritten) => info!("Discord commands registered"),
            Err(e) => warn!(error = %e, "Discord commands could not be registered"),
        }
    }));
    if discord.gateway {
        tasks.push(gateway::spawn(inbound, &discord, shutdown));
    }
    tasks
}
