//! The fake Slack workspace: channels, messages, pins, views and users, and how each Web API
//! method an incident bot uses changes them.

use std::collections::BTreeMap;

use serde_json::{json, Map, Value};

use crate::server::epoch_secs;

mod conversations;

pub(crate) const TEAM_ID: &str = "T0FAKETEAM";
pub(crate) const BOT_USER_ID: &str = "U0FAKEBOT";
pub(crate) const BOT_ID: &str = "B0FAKEBOT";
pub(crate) const APP_ID: &str = "A0FAKEAPP";

/// A message as stored by the fake, in the order it was posted.
#[derive(Clone, Debug, PartialEq)]
pub struct SlackMessage {
    /// The message timestamp Slack assigned (its id within the channel).
    pub ts: String,
    /// The channel id.
    pub channel: String,
    /// The `text` argument, if any.
    pub text: Option<String>,
    /// The `blocks` argument, parsed to JSON whether it came as an array or a JSON string.
    pub blocks: Option<Value>,
    /// The `thread_ts` argument, for replies.
    pub thread_ts: Option<String>,
    /// For `chat.postEphemeral`: the only user who sees it.
    pub ephemeral_to: Option<String>,
    /// Whether `chat.update` changed it.
    pub edited: bool,
    /// Every argument of the call that posted or last updated it.
    pub params: Map<String, Value>,
}

#[derive(Clone, Debug)]
pub(crate) struct Channel {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) created: u64,
    pub(crate) creator: String,
    pub(crate) is_private: bool,
    pub(crate) topic: String,
    pub(crate) members: Vec<String>,
    pub(crate) pins: Vec<String>,
}

impl Channel {
    fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": !self.is_private,
            "is_group": false,
            "is_im": false,
            "is_mpim": false,
            "is_private": self.is_private,
            "is_archived": false,
            "is_general": false,
            "is_shared": false,
            "is_org_shared": false,
            "is_ext_shared": false,
            "is_member": self.members.iter().any(|m| m == BOT_USER_ID),
            "created": self.created,
            "creator": self.creator,
            "unlinked": 0,
            "topic": {"value": self.topic, "creator": if self.topic.is_empty() { "" } else { BOT_USER_ID }, "last_set": 0},
            "purpose": {"value": "", "creator": "", "last_set": 0},
            "previous_names": [],
            "num_members": self.members.len(),
        })
    }
}

/// The whole fake workspace.
#[derive(Debug, Default)]
pub(crate) struct World {
    pub(crate) channels: BTreeMap<String, Channel>,
    pub(crate) messages: Vec<SlackMessage>,
    pub(crate) users: BTreeMap<String, Value>,
    /// User groups (`S…`) and their members.
    pub(crate) usergroups: BTreeMap<String, Vec<String>>,
    pub(crate) views: BTreeMap<String, Value>,
    next_id: u64,
    last_ts: (u64, u64),
    pub(crate) socket_url: String,
}

pub(crate) type Answer = Result<Value, String>;

impl World {
    pub(crate) fn new(socket_url: String) -> Self {
        let mut world = World {
            socket_url,
            ..World::default()
        };
        world.add_user(BOT_USER_ID, "commandpost", true);
        world
    }

    pub(crate) fn add_channel(&mut self, id: &str, name: &str, bot_member: bool) {
        let members = if bot_member {
            vec![BOT_USER_ID.to_string()]
        } else {
            Vec::new()
        };
        self.channels.insert(
            id.to_string(),
            Channel {
                id: id.to_string(),
                name: name.to_string(),
                created: epoch_secs(),
                creator: "U0FAKEADMIN".to_string(),
                is_private: false,
                topic: String::new(),
                members,
                pins: Vec::new(),
            },
        );
    }

    pub(crate) fn add_user(&mut self, id: &str, name: &str, is_bot: bool) {
        self.users
            .insert(id.to_string(), user_json(id, name, is_bot));
    }

    pub(crate) fn new_id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}0FAKE{:06}", self.next_id)
    }

    pub(crate) fn new_ts(&mut self) -> String {
        let now = epoch_secs();
        self.last_ts = if now > self.last_ts.0 {
            (now, 1)
        } else {
            (self.last_ts.0, self.last_ts.1 + 1)
        };
        format!("{}.{:06}", self.last_ts.0, self.last_ts.1)
    }

    /// Finds a channel by id, or by name (`general` or `#general`) as chat methods allow.
    pub(crate) fn channel_id(&self, params: &Map<String, Value>) -> Result<String, String> {
        let wanted = str_param(params, "channel").unwrap_or_default();
        if self.channels.contains_key(&wanted) {
            return Ok(wanted);
        }
        let name = wanted.trim_start_matches('#');
        self.channels
            .values()
            .find(|c| c.name == name)
            .map(|c| c.id.clone())
            .ok_or_else(|| "channel_not_found".to_string())
    }

    fn user(&self, id: &str) -> Option<Value> {
        if let Some(u) = self.users.get(id) {
            return Some(u.clone());
        }
        // Any well-formed user id exists, so tests need not register every person.
        let well_formed = id.len() > 2
            && (id.starts_with('U') || id.starts_with('W'))
            && id
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
        well_formed.then(|| user_json(id, &id.to_lowercase(), false))
    }

    /// Runs one validated call; `Err` is the Slack error code.
    pub(crate) fn handle(&mut self, method: &str, p: &Map<String, Value>) -> Answer {
        match method {
            "auth.test" => Ok(json!({
                "url": "https://fake-workspace.slack.com/",
                "team": "Fake Workspace",
                "user": "commandpost",
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "bot_id": BOT_ID,
                "is_enterprise_install": false,
            })),
            "apps.connections.open" => Ok(json!({ "url": self.socket_url })),
            "users.info" => {
                let id = str_param(p, "user").unwrap_or_default();
                let user = self.user(&id).ok_or("user_not_found")?;
                Ok(json!({ "user": user }))
            }
            "usergroups.users.list" => self.usergroup_users(p),
            "conversations.create" => self.create_channel(p),
            "conversations.list" => Ok(self.list_channels(p)),
            "conversations.info" => {
                let id = self.channel_id(p)?;
                Ok(json!({ "channel": self.channels[&id].to_json() }))
            }
            "conversations.join" => {
                let id = self.channel_id(p)?;
                let ch = self.channels.get_mut(&id).ok_or("channel_not_found")?;
                let already = ch.members.iter().any(|m| m == BOT_USER_ID);
                if !already {
                    ch.members.push(BOT_USER_ID.to_string());
                }
                let mut answer = json!({ "channel": ch.to_json() });
                if already {
                    answer["warning"] = json!("already_in_channel");
                    answer["response_metadata"] = json!({"warnings": ["already_in_channel"]});
                }
                Ok(answer)
            }
            "conversations.invite" => self.invite(p),
            "conversations.open" => self.open_direct(p),
            "conversations.setTopic" => {
                let id = self.channel_id(p)?;
                let topic = str_param(p, "topic").unwrap_or_default();
                if topic.chars().count() > 250 {
                    return Err("too_long".into());
                }
                let ch = self.channels.get_mut(&id).ok_or("channel_not_found")?;
                ch.topic = topic;
                Ok(json!({ "channel": ch.to_json() }))
            }
            "chat.postMessage" | "chat.postEphemeral" => self.post(method, p),
            "chat.update" => self.update(p),
            "pins.add" => {
                let id = self.channel_id(p)?;
                let ts = str_param(p, "timestamp").ok_or("no_item_specified")?;
                if !self.messages.iter().any(|m| m.channel == id && m.ts == ts) {
                    return Err("message_not_found".into());
                }
                let ch = self.channels.get_mut(&id).ok_or("channel_not_found")?;
                if ch.pins.contains(&ts) {
                    return Err("already_pinned".into());
                }
                ch.pins.push(ts);
                Ok(json!({}))
            }
            "views.open" | "views.push" | "views.update" | "views.publish" => self.view(method, p),
            // Methods outside the incident bot's set answer a bare success.
            _ => Ok(json!({})),
        }
    }
}

pub(crate) fn user_json(id: &str, name: &str, is_bot: bool) -> Value {
    json!({
        "id": id,
        "team_id": TEAM_ID,
        "name": name,
        "real_name": name,
        "deleted": false,
        "is_bot": is_bot,
        "is_admin": false,
        "tz": "Europe/London",
        "profile": {"real_name": name, "display_name": name, "team": TEAM_ID},
    })
}

pub(crate) fn message_json(m: &SlackMessage) -> Value {
    let mut v = json!({
        "type": "message",
        "ts": m.ts,
        "user": BOT_USER_ID,
        "bot_id": BOT_ID,
        "app_id": APP_ID,
        "team": TEAM_ID,
        "text": m.text.clone().unwrap_or_default(),
    });
    if let Some(b) = &m.blocks {
        v["blocks"] = b.clone();
    }
    if let Some(t) = &m.thread_ts {
        v["thread_ts"] = json!(t);
    }
    if m.edited {
        v["edited"] = json!({"user": BOT_USER_ID, "ts": m.ts});
    }
    v
}

pub(crate) fn str_param(p: &Map<String, Value>, key: &str) -> Option<String> {
    p.get(key).and_then(Value::as_str).map(str::to_string)
}

fn bool_param(p: &Map<String, Value>, key: &str) -> bool {
    match p.get(key) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s == "true" || s == "1",
        _ => false,
    }
}

/// A JSON-valued argument, whether it came as JSON or as a JSON-encoded string.
pub(crate) fn json_param(p: &Map<String, Value>, key: &str) -> Option<Value> {
    match p.get(key)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        Value::Null => None,
        other => Some(other.clone()),
    }
}
