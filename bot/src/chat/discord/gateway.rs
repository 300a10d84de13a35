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
use tracing::{debug, error, info, warn};

use super::interactions::answer_by_callback;
use super::{rest, snowflake, user_id, Inbound, PLATFORM};
use crate::commands::UserRef;
use crate::config::DiscordConfig;
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

/// The interaction as the HTTP endpoint receives it. serenity's serialisation leaves out the
/// `type` tag, so it is put back from the variant.
fn payload_of(interaction: &Interaction) -> Result<serde_json::Value, serde_json::Error> {
    let kind = match interaction {
        Interaction::Ping(_) => 1,
        Interaction::Command(_) => 2,
        Interaction::Component(_) => 3,
        Interaction::Autocomplete(_) => 4,
        Interaction::Modal(_) => 5,
        _ => 0,
    };
    let mut payload = serde_json::to_value(interaction)?;
    payload["type"] = kind.into();
    Ok(payload)
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
        match payload_of(&interaction) {
            Ok(payload) => answer_by_callback(self.inbound.clone(), payload).await,
            Err(error) => warn!(%error, "a gateway interaction could not be read"),
        }
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

#[cfg(test)]
mod tests {
    use serde_json::{json, Value};

    use super::*;
    use crate::chat::discord::{components, slash};

    fn interaction(kind: u64, data: Value) -> Value {
        json!({
            "id": "1400000000000000001", "application_id": "1100000000000000001", "type": kind, "data": data,
            "guild_id": "1100000000000000003", "channel_id": "1300000000000000001",
            "member": { "user": { "id": "42", "username": "alice", "discriminator": "0", "global_name": null, "avatar": null },
                "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0, "permissions": "0" },
            "token": "t", "version": 1, "app_permissions": "0", "locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": {}, "context": 0, "attachment_size_limit": 10485760,
        })
    }

    fn round_trip(payload: Value) -> Value {
        let interaction: Interaction = serde_json::from_value(payload).expect("serenity reads it");
        payload_of(&interaction).unwrap()
    }

    #[test]
    fn gateway_interactions_read_like_http_ones() {
        let command = round_trip(interaction(
            2,
            json!({"id": "1", "name": "incident", "type": 1, "options": [
                {"type": 1, "name": "assign", "options": [{"type": 3, "name": "role", "value": "ops"}, {"type": 6, "name": "user", "value": "77"}]}
            ]}),
        ));
        assert_eq!(command["type"], 2);
        assert_eq!(command["member"]["user"]["id"], "42");
        assert_eq!(command["channel_id"], "1300000000000000001");
        assert!(slash::command(&command["data"]).is_ok(), "{command}");

        let modal = round_trip(interaction(
            5,
            json!({"custom_id": components::RESOLVE_FORM, "components": [
                {"type": 1, "components": [{"type": 4, "custom_id": "summary", "value": "fixed"}]}
            ]}),
        ));
        assert_eq!(modal["type"], 5);
        assert!(components::from_modal(&modal["data"]).is_ok(), "{modal}");
    }
}
