//! The fake Discord world: guilds, channels, messages and pins, and the REST routes that
//! read and change them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use super::apps::Apps;
use super::spec::Refusal;
use crate::server::rfc3339_now;

mod channels;

pub(crate) const APPLICATION_ID: &str = "1100000000000000001";
pub(crate) const BOT_USER_ID: &str = "1100000000000000002";
pub(crate) const GUILD_ID: &str = "1100000000000000003";

/// A channel as the fake holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscordChannel {
    /// Snowflake id.
    pub id: String,
    /// Guild it belongs to (`None` for direct messages).
    pub guild_id: Option<String>,
    /// Name (for text channels as Discord normalises it: lowercase, spaces to `-`).
    pub name: String,
    /// Channel type: 0 text, 1 DM, 4 category, 5 announcement, ….
    pub kind: u64,
    /// Category it sits in.
    pub parent_id: Option<String>,
    /// Topic.
    pub topic: Option<String>,
    /// Ids of pinned messages, in pin order.
    pub pins: Vec<String>,
    /// For a DM: the other user.
    pub recipient: Option<String>,
    /// Permission overwrites as Discord answers them (`allow`/`deny` as decimal strings).
    pub permission_overwrites: Vec<Value>,
}

/// A message as the fake holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscordMessage {
    /// Snowflake id.
    pub id: String,
    /// Channel id (for interaction replies: the interaction's channel, if it named one).
    pub channel_id: String,
    /// Text content.
    pub content: String,
    /// Embeds as sent.
    pub embeds: Vec<Value>,
    /// Components as sent.
    pub components: Vec<Value>,
    /// Message flags (64 = ephemeral, 128 = loading).
    pub flags: u64,
    /// Whether it was edited after creation.
    pub edited: bool,
    /// For interaction replies and follow-ups: the interaction token.
    pub interaction_token: Option<String>,
    /// The last request body that created or edited it.
    pub body: Value,
}

#[derive(Debug)]
pub(crate) struct World {
    pub(crate) guilds: BTreeMap<String, String>,
    pub(crate) channels: BTreeMap<String, DiscordChannel>,
    pub(crate) messages: Vec<DiscordMessage>,
    pub(crate) apps: Apps,
    pub(crate) gateway_url: String,
    next_id: u64,
}

/// What a route answers: status and optional JSON body.
pub(crate) type Reply = Result<(u16, Option<Value>), Refusal>;

/// A validated request, as the world sees it.
pub(crate) struct Req<'a> {
    pub(crate) method: &'a str,
    pub(crate) template: &'a str,
    pub(crate) params: &'a BTreeMap<String, String>,
    pub(crate) query: &'a Map<String, Value>,
    pub(crate) body: Option<&'a Value>,
}

impl Req<'_> {
    pub(crate) fn param(&self, name: &str) -> &str {
        self.params.get(name).map(String::as_str).unwrap_or("")
    }

    pub(crate) fn body(&self) -> Value {
        self.body.cloned().unwrap_or(Value::Null)
    }
}

pub(crate) fn unknown(code: u64, what: &str) -> Refusal {
    Refusal::new(404, code, &format!("Unknown {what}"))
}

pub(crate) fn bot_user() -> Value {
    json!({
        "id": BOT_USER_ID, "username": "commandpost", "discriminator": "4821", "global_name": null,
        "avatar": null, "bot": true, "flags": 0, "public_flags": 0, "mfa_enabled": true,
        "verified": true, "email": null, "locale": "en-US", "premium_type": 0
    })
}

impl World {
    pub(crate) fn new(gateway_url: String) -> Self {
        let mut guilds = BTreeMap::new();
        guilds.insert(GUILD_ID.to_string(), "Command Post Test Guild".to_string());
        World {
            guilds,
            channels: BTreeMap::new(),
            messages: Vec::new(),
            apps: Apps::default(),
            gateway_url,
            next_id: 1_200_000_000_000_000_000,
        }
    }

    pub(crate) fn new_id(&mut self) -> String {
        self.next_id += 1;
        self.next_id.to_string()
    }

    pub(crate) fn add_channel(
        &mut self,
        id: &str,
        name: &str,
        kind: u64,
        guild: &str,
        parent: Option<&str>,
    ) {
        self.channels.insert(
            id.to_string(),
            DiscordChannel {
                id: id.to_string(),
                guild_id: Some(guild.to_string()),
                name: name.to_string(),
                kind,
                parent_id: parent.map(str::to_string),
                topic: None,
                pins: Vec::new(),
                recipient: None,
                permission_overwrites: Vec::new(),
            },
        );
    }

    pub(crate) fn handle(&mut self, r: &Req<'_>) -> Reply {
        match (r.method, r.template) {
            ("GET", "/gateway") => Ok((200, Some(json!({"url": self.gateway_url})))),
            ("GET", "/gateway/bot") => Ok((
                200,
                Some(json!({
                    "url": self.gateway_url, "shards": 1,
                    "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 14_400_000, "max_concurrency": 1}
                })),
            )),
            ("GET", "/users/@me") => Ok((200, Some(bot_user()))),
            ("GET", "/applications/@me") | ("GET", "/oauth2/applications/@me") => {
                Ok((200, Some(application())))
            }
            ("POST", "/users/@me/channels") => self.open_dm(r),
            ("GET", "/guilds/{guild_id}/channels") => {
                let guild = self.guild(r)?;
                let list: Vec<Value> = self
                    .channels
                    .values()
                    .filter(|c| c.guild_id.as_deref() == Some(guild.as_str()))
                    .map(channel_json)
                    .collect();
                Ok((200, Some(Value::Array(list))))
            }
            ("POST", "/guilds/{guild_id}/channels") => self.create_channel(r),
            ("GET", "/channels/{channel_id}") => Ok((200, Some(channel_json(self.channel(r)?)))),
            ("PATCH", "/channels/{channel_id}") => self.edit_channel(r),
            ("DELETE", "/channels/{channel_id}") => {
                let ch = self.channel(r)?.clone();
                self.channels.remove(&ch.id);
                Ok((200, Some(channel_json(&ch))))
            }
            ("POST", "/channels/{channel_id}/messages") => self.create_message(r),
            ("GET", "/channels/{channel_id}/messages") => {
                let id = self.channel(r)?.id.clone();
                let limit = r
                    .query
                    .get("limit")
                    .and_then(|v| v.as_str()?.parse().ok())
                    .unwrap_or(50usize);
                let list: Vec<Value> = self
                    .messages
                    .iter()
                    .rev()
                    .filter(|m| m.channel_id == id && m.interaction_token.is_none())
                    .take(limit)
                    .map(|m| self.message_json(m))
                    .collect();
                Ok((200, Some(Value::Array(list))))
            }
            ("GET", "/channels/{channel_id}/messages/{message_id}") => {
                let m = self.message(r)?;
                Ok((200, Some(self.message_json(&self.messages[m]))))
            }
            ("PATCH", "/channels/{channel_id}/messages/{message_id}") => {
                let m = self.message(r)?;
                Ok((200, Some(self.edit_message(m, r.body()))))
            }
            ("DELETE", "/channels/{channel_id}/messages/{message_id}") => {
                let m = self.message(r)?;
                self.messages.remove(m);
                Ok((204, None))
            }
            ("PUT", "/channels/{channel_id}/pins/{message_id}")
            | ("PUT", "/channels/{channel_id}/messages/pins/{message_id}") => self.pin(r, true),
            ("DELETE", "/channels/{channel_id}/pins/{message_id}")
            | ("DELETE", "/channels/{channel_id}/messages/pins/{message_id}") => self.pin(r, false),
            ("GET", "/channels/{channel_id}/pins") => {
                let ch = self.channel(r)?;
                let list: Vec<Value> = ch
                    .pins
                    .iter()
                    .rev()
                    .filter_map(|id| self.messages.iter().find(|m| &m.id == id))
                    .map(|m| self.message_json(m))
                    .collect();
                Ok((200, Some(Value::Array(list))))
            }
            ("GET", "/channels/{channel_id}/messages/pins") => {
                let ch = self.channel(r)?;
                let items: Vec<Value> = ch
                    .pins
                    .iter()
                    .rev()
                    .filter_map(|id| self.messages.iter().find(|m| &m.id == id))
                    .map(|m| json!({"pinned_at": rfc3339_now(), "message": self.message_json(m)}))
                    .collect();
                Ok((200, Some(json!({"items": items, "has_more": false}))))
            }
            _ => self.apps_handle(r),
        }
    }

    pub(crate) fn guild(&self, r: &Req<'_>) -> Result<String, Refusal> {
        let id = r.param("guild_id");
        if self.guilds.contains_key(id) {
            Ok(id.to_string())
        } else {
            // The bot is not in that guild: Discord answers Missing Access.
            Err(Refusal::new(403, 50001, "Missing Access"))
        }
    }

    pub(crate) fn channel(&self, r: &Req<'_>) -> Result<&DiscordChannel, Refusal> {
        self.channels
            .get(r.param("channel_id"))
            .ok_or_else(|| unknown(10003, "Channel"))
    }

    pub(crate) fn message(&self, r: &Req<'_>) -> Result<usize, Refusal> {
        let ch = self.channel(r)?.id.clone();
        let id = r.param("message_id");
        self.messages
            .iter()
            .position(|m| m.id == id && m.channel_id == ch)
            .ok_or_else(|| unknown(10008, "Message"))
    }
}

pub(crate) fn channel_json(c: &DiscordChannel) -> Value {
    let mut v = json!({
        "id": c.id, "type": c.kind, "name": c.name, "position": 0, "flags": 0,
        "permission_overwrites": c.permission_overwrites, "parent_id": c.parent_id, "topic": c.topic,
        "nsfw": false, "rate_limit_per_user": 0, "last_message_id": null,
    });
    if let Some(g) = &c.guild_id {
        v["guild_id"] = json!(g);
    }
    if let Some(r) = &c.recipient {
        v["recipients"] = json!([{"id": r, "username": format!("user{r}"), "discriminator": "0", "global_name": null, "avatar": null}]);
        if let Some(o) = v.as_object_mut() {
            o.remove("name");
        }
    }
    v
}

fn application() -> Value {
    json!({
        "id": APPLICATION_ID, "name": "Command Post", "icon": null, "description": "",
        "bot_public": false, "bot_require_code_grant": false, "verify_key": crate::signing::discord_test_keys().1,
        "flags": 0, "team": null, "owner": {"id": "1100000000000000009", "username": "owner", "discriminator": "0", "global_name": null, "avatar": null},
        "bot": bot_user(), "summary": "", "rpc_origins": [], "tags": [], "redirect_uris": [],
    })
}
