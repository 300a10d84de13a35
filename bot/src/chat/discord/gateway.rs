//! Gateway mode (`gateway = true`): serenity's client keeps a session open (it reconnects and
//! resumes by itself); interactions from it take the same path as the HTTP endpoint, and plain
//! messages in a client's support channel go to triage.

use std::collections::HashMap;
use std::sync::Arc;

use serenity::all::{
    Context, EventHandler, GatewayIntents, Interaction, Message, MessageType, Ready, ResumedEvent,
};
use serenity::client::ClientBuilder;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tracing::{debug, error, info};

use super::interactions::answer_by_callback;
use super::DiscordConfig;
use super::{rest, snowflake, user_id, Inbound, PLATFORM};
use crate::commands::UserRef;
use crate::domain::{ClientId, UserId};

/// Guilds (channels), guild messages, and their content (privileged: enable "Message Content
/// Intent" for the bot in the developer portal).
pub fn intents() -> GatewayIntents {
    GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES | GatewayIntents::MESSAGE_CONTENT
}

/// A plain message in a client's Discord support channel: level-1 triage against the knowledge
/// base, like `/help` with its text, answered with a reply to the message.
pub async fn triage_support_message(
    inbound: &Inbound,
    client: &ClientId,
    message: &Message,
    author: &UserId,
) {
    metrics::counter!("commandpost_support_messages_total", "platform" => PLATFORM).increment(1);
    let chars = message.content.chars().count();
    debug!(%client, %author, chars, "support-channel message for triage");
    let channel = message.channel_id.get().to_string();
    let id = message.id.get().to_string();
    super::triage::answer_support_message(inbound, &channel, &id, author, &message.content).await;
}

struct Handler {
    inbound: Arc<Inbound>,
    /// Support channel id → the client it belongs to.
    support: HashMap<String, ClientId>,
}

#[serenity::async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        info!(bot = %ready.user.name, guilds = ready.guilds.len(), "Discord gateway ready");
    }

    async fn resume(&self, _ctx: Context, _event: ResumedEvent) {
        info!("Discord gateway session resumed");
    }

    async fn interaction_create(&self, _ctx: Context, interaction: Interaction) {
        answer_by_callback(self.inbound.clone(), interaction).await;
    }

    async fn message(&self, _ctx: Context, message: Message) {
        // Bots (our own replies included), webhooks, and joins, pins and other system messages
        // are not people asking for help.
        let spoken = matches!(
            message.kind,
            MessageType::Regular | MessageType::InlineReply
        );
        if message.author.bot || message.webhook_id.is_some() || !spoken {
            return;
        }
        if let Some(client) = self.support.get(&message.channel_id.get().to_string()) {
            let author = user_id(&UserRef(message.author.id.get().to_string()));
            triage_support_message(&self.inbound, client, &message, &author).await;
        }
    }
}

/// Runs the gateway until `shutdown` turns true.
pub(super) fn spawn(
    inbound: Arc<Inbound>,
    config: &DiscordConfig,
    mut shutdown: watch::Receiver<bool>,
) -> JoinHandle<()> {
    let config = config.clone();
    tokio::spawn(async move {
        let http = match rest::http_client().and_then(|client| rest::build_http(&config, client)) {
            Ok(http) => http,
            Err(message) => return error!(%message, "the Discord gateway cannot start"),
        };
        let support = inbound
            .engine
            .config()
            .clients
            .iter()
            .filter_map(|c| Some((c.support_channel("discord")?.to_owned(), c.id.clone())))
            .filter(|(channel, _)| snowflake(channel).is_some())
            .collect();
        let handler = Handler { inbound, support };
        let mut client = match ClientBuilder::new_with_http(http, intents())
            .event_handler(handler)
            .await
        {
            Ok(client) => client,
            Err(error) => return error!(%error, "the Discord gateway client cannot start"),
        };
        let shards = client.shard_manager.clone();
        tokio::select! {
            result = client.start() => match result {
                Ok(()) => info!("Discord gateway closed"),
                Err(error) => error!(%error, "the Discord gateway stopped"),
            },
            _ = async { while !*shutdown.borrow_and_update() { if shutdown.changed().await.is_err() { break; } } } => {
                info!("Discord gateway shutting down");
                shards.shutdown_all().await;
            }
        }
    })
}
