//! Outbound: the incident channel (in an "Incidents" category), its pinned brief as an embed
//! with buttons, room posts, the on-call channel and client status channels.

use std::sync::Arc;

use async_trait::async_trait;
use serde_json::{json, Value};
use serenity::builder::{CreateAllowedMentions, CreateMessage};
use serenity::http::{LightMethod, Route};
use serenity::model::id::{ChannelId, GuildId, MessageId};
use tokio::sync::Mutex;
use tracing::{info, instrument};

use super::format::{carrying, message_body, serialised, truncate};
use super::messages::{brief_edit, brief_message, room_message};
use super::privacy;
use super::rest::{DiscordRest, RestError};
use super::DiscordConfig;
use super::{snowflake, PLATFORM};
use crate::chat::{ChatPlatform, DeliveryError, RoomProgress};
use crate::domain::Incident;
use crate::effects::{Destination, OpenedRoom, OutboxItem, Receipt};

/// The category incident channels are created in.
pub const CATEGORY: &str = "Incidents";
const TEXT_CHANNEL: u64 = 0;
const CATEGORY_CHANNEL: u64 = 4;

/// Discord's side of the outbox.
pub struct DiscordPlatform {
    rest: Arc<DiscordRest>,
    config: DiscordConfig,
    /// Managers' Discord user ids (`policy.managers` entries `discord:<id>`): they see rooms.
    managers: Vec<String>,
    /// The "Incidents" category, once found or created.
    category: Mutex<Option<String>>,
}

fn channel(id: &str) -> Result<ChannelId, DeliveryError> {
    snowflake(id)
        .map(ChannelId::new)
        .ok_or_else(|| DeliveryError::permanent(format!("`{id}` is not a Discord channel id")))
}

fn id_of(value: &Value) -> Result<String, DeliveryError> {
    value
        .get("id")
        .and_then(Value::as_str)
        .map(str::to_owned)
        .ok_or_else(|| DeliveryError::transient("Discord's answer had no id"))
}

impl DiscordPlatform {
    pub fn new(rest: Arc<DiscordRest>, config: DiscordConfig, managers: Vec<String>) -> Self {
        Self {
            rest,
            config,
            managers,
            category: Mutex::new(None),
        }
    }

    pub(super) async fn post(
        &self,
        what: &'static str,
        channel_id: &str,
        body: &Value,
    ) -> Result<String, DeliveryError> {
        let route = Route::ChannelMessages {
            channel_id: channel(channel_id)?,
        };
        let posted = self
            .rest
            .call(what, route, LightMethod::Post, Some(body))
            .await
            .map_err(|e| e.into_delivery(&format!("posting to Discord channel {channel_id}")))?;
        id_of(&posted)
    }

    fn guild(&self) -> Result<GuildId, DeliveryError> {
        snowflake(&self.config.guild_id)
            .map(GuildId::new)
            .ok_or_else(|| DeliveryError::permanent("discord.guild_id is not a numeric id"))
    }

    async fn guild_channels(&self) -> Result<Vec<Value>, DeliveryError> {
        let route = Route::GuildChannels {
            guild_id: self.guild()?,
        };
        let listed = self
            .rest
            .call("list channels", route, LightMethod::Get, None)
            .await
            .map_err(|e| e.into_delivery("listing the guild's channels"))?;
        Ok(listed.as_array().cloned().unwrap_or_default())
    }

    async fn create_channel(&self, body: Value) -> Result<Value, DeliveryError> {
        let route = Route::GuildChannels {
            guild_id: self.guild()?,
        };
        self.rest
            .call("create channel", route, LightMethod::Post, Some(&body))
            .await
            .map_err(|e| e.into_delivery("creating a channel in the guild"))
    }

    /// The "Incidents" category's id; found by name or created.
    async fn category(&self, channels: &[Value]) -> Result<String, DeliveryError> {
        let mut known = self.category.lock().await;
        let still_there = |id: &str| channels.iter().any(|c| c["id"] == id);
        if let Some(id) = known.as_deref().filter(|id| still_there(id)) {
            return Ok(id.to_owned());
        }
        let found = channels.iter().find(|c| {
            c["type"] == CATEGORY_CHANNEL
                && c["name"]
                    .as_str()
                    .is_some_and(|n| n.eq_ignore_ascii_case(CATEGORY))
        });
        let overwrites = privacy::overwrites(&self.config, &self.managers);
        let id = match found {
            Some(category) if privacy::is_private(category, &self.config.guild_id) => {
                id_of(category)?
            }
            Some(category) => {
                // Made by an earlier version, or edited by hand: make it private again.
                let id = id_of(category)?;
                info!(category = %id, "making the {CATEGORY} category private");
                let route = Route::Channel {
                    channel_id: channel(&id)?,
                };
                self.rest
                    .call(
                        "make category private",
                        route,
                        LightMethod::Patch,
                        Some(&json!({ "permission_overwrites": overwrites })),
                    )
                    .await
                    .map_err(|e| e.into_delivery("making the Incidents category private"))?;
                id
            }
            None => {
                info!("creating the {CATEGORY} category");
                id_of(
                    &self
                        .create_channel(json!({
                            "name": CATEGORY,
                            "type": CATEGORY_CHANNEL,
                            "permission_overwrites": overwrites,
                        }))
                        .await?,
                )?
            }
        };
        *known = Some(id.clone());
        Ok(id)
    }

    /// Creates the channel (or finds the one a failed earlier attempt created), posts and pins
    /// the brief.
    #[instrument(skip_all, fields(incident = %incident.id))]
    async fn open_room_recorded(
        &self,
        item: &OutboxItem,
        incident: &Incident,
        progress: &dyn RoomProgress,
    ) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        let name = message
            .room_name
            .clone()
            .ok_or_else(|| DeliveryError::permanent("room creation without a room name"))?;
        let channels = self.guild_channels().await?;
        let category = self.category(&channels).await?;
        let topic = format!("{} · {}", incident.id, incident.title);
        let existing = channels.iter().find(|c| {
            c["type"] == TEXT_CHANNEL
                && c["parent_id"] == category.as_str()
                && c["topic"]
                    .as_str()
                    .is_some_and(|t| t.starts_with(&format!("{} ", incident.id)))
        });
        let created = match existing {
            Some(room) => room.clone(),
            None => {
                // The category's overwrites, given explicitly so the room is private even if
                // someone loosened the category by hand.
                self.create_channel(json!({
                    "name": name,
                    "type": TEXT_CHANNEL,
                    "parent_id": category,
                    "topic": truncate(&topic, 1024),
                    "permission_overwrites": privacy::overwrites(&self.config, &self.managers),
                }))
                .await?
            }
        };
        let room_id = id_of(&created)?;
        let room_name = created["name"].as_str().unwrap_or(&name).to_owned();
        // Bound to the incident now, so commands typed in the channel work before the brief.
        progress
            .record(&OpenedRoom {
                id: room_id.clone(),
                name: room_name.clone(),
                brief: None,
            })
            .await?;
        let brief = match self.pinned_brief(&room_id).await? {
            Some(brief) => brief,
            None => {
                let brief = self
                    .post(
                        "post brief",
                        &room_id,
                        &brief_message(incident, &message.text),
                    )
                    .await?;
                let message_id = snowflake(&brief).map(MessageId::new).ok_or_else(|| {
                    DeliveryError::transient("Discord's answer had no message id")
                })?;
                let route = Route::ChannelPin {
                    channel_id: channel(&room_id)?,
                    message_id,
                };
                self.rest
                    .call("pin brief", route, LightMethod::Put, None)
                    .await
                    .map_err(|e| {
                        e.into_delivery(&format!("pinning the brief in channel {room_id}"))
                    })?;
                brief
            }
        };
        info!(room = %room_id, "incident channel open");
        Ok(Receipt {
            id: room_id.clone(),
            room: Some(OpenedRoom {
                id: room_id,
                name: room_name,
                brief: Some(brief),
            }),
        })
    }

    /// The brief an earlier attempt pinned in this channel, if any.
    async fn pinned_brief(&self, room_id: &str) -> Result<Option<String>, DeliveryError> {
        let route = Route::ChannelPins {
            channel_id: channel(room_id)?,
        };
        let pins = self
            .rest
            .call("list pins", route, LightMethod::Get, None)
            .await
            .map_err(|e| e.into_delivery(&format!("reading the pins of channel {room_id}")))?;
        Ok(pins
            .as_array()
            .and_then(|pins| pins.iter().find(|m| m["author"]["bot"] == true))
            .and_then(|m| m["id"].as_str())
            .map(str::to_owned))
    }

    async fn refresh_brief(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        let room = incident
            .room_on(PLATFORM)
            .filter(|room| !room.room.is_empty())
            .ok_or_else(|| {
                DeliveryError::transient("the incident's Discord channel is not open yet")
            })?;
        let text = &item.delivery.message.text;
        let body = brief_message(incident, text);
        let Some(brief) = room.brief.as_deref().and_then(snowflake) else {
            let id = self.post("post brief", &room.room, &body).await?;
            return Ok(Receipt { id, room: None });
        };
        let route = Route::ChannelMessage {
            channel_id: channel(&room.room)?,
            message_id: MessageId::new(brief),
        };
        let edit = brief_edit(incident, text);
        match self
            .rest
            .call("edit brief", route, LightMethod::Patch, Some(&edit))
            .await
        {
            Ok(_) => Ok(Receipt {
                id: brief.to_string(),
                room: None,
            }),
            // Someone deleted the brief: post a fresh one rather than fail every refresh.
            Err(RestError::Api { code: 10008, .. }) => {
                let id = self.post("post brief", &room.room, &body).await?;
                Ok(Receipt { id, room: None })
            }
            Err(e) => Err(e.into_delivery(&format!("editing the brief in channel {}", room.room))),
        }
    }
}

#[async_trait]
impl ChatPlatform for DiscordPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    async fn open_room(
        &self,
        item: &OutboxItem,
        incident: &Incident,
        progress: &dyn RoomProgress,
    ) -> Result<Receipt, DeliveryError> {
        self.open_room_recorded(item, incident, progress).await
    }

    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        let receipt = |id: String| Receipt { id, room: None };
        match &item.delivery.destination {
            // Rooms are opened through `open_room`, which records each step.
            Destination::OpenRoom { .. } => Err(DeliveryError::permanent(
                "Discord rooms are opened with their progress recorded",
            )),
            Destination::Brief { .. } => self.refresh_brief(item, incident).await,
            Destination::Room { .. } => {
                let room = incident
                    .room_on(PLATFORM)
                    .filter(|room| !room.room.is_empty())
                    .ok_or_else(|| {
                        DeliveryError::transient("the incident's Discord channel is not open yet")
                    })?;
                let body = room_message(&message.text, &message.actions);
                self.post("post in room", &room.room, &body)
                    .await
                    .map(receipt)
            }
            Destination::OnCall { .. } => {
                let body = message_body(&message.text, &[]);
                self.post("post on call", &self.config.oncall_channel, &body)
                    .await
                    .map(receipt)
            }
            Destination::ClientChannel { channel, .. } => {
                // A client channel is read by the client: nobody on our side is pinged from it.
                let nobody = CreateAllowedMentions::new();
                let body = serialised(carrying(CreateMessage::new(), &message.text, &[], nobody));
                self.post("post client update", channel, &body)
                    .await
                    .map(receipt)
            }
            Destination::DirectMessage { user, .. } => {
                self.direct_message(user, &message.text).await
            }
            other => Err(DeliveryError::permanent(format!(
                "Discord cannot deliver to {}",
                other.label()
            ))),
        }
    }

    /// Level-1 triage posts (tickets, burst alerts, hand-over notes): see [`super::triage`].
    async fn deliver_unbound(&self, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        super::triage::deliver(self, &self.config.oncall_channel, item).await
    }

    /// `POST /users/@me/channels` with the person, then a message in that DM channel.
    async fn direct_message(
        &self,
        user: &crate::domain::UserId,
        text: &str,
    ) -> Result<Receipt, DeliveryError> {
        let recipient = user
            .as_str()
            .strip_prefix("discord:")
            .and_then(snowflake)
            .ok_or_else(|| DeliveryError::permanent(format!("{user} is not a Discord user")))?;
        let body = json!({ "recipient_id": recipient.to_string() });
        let opened = self
            .rest
            .call(
                "open DM",
                Route::UserMeDmChannels,
                LightMethod::Post,
                Some(&body),
            )
            .await
            .map_err(|e| e.into_delivery(&format!("opening a direct message with {user}")))?;
        let dm = id_of(&opened)?;
        let id = self.post("post DM", &dm, &message_body(text, &[])).await?;
        Ok(Receipt { id, room: None })
    }
}
