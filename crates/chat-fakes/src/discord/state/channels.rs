//! Channels in the fake Discord: direct-message channels opened, guild channels created and
//! edited, with permission overwrites stored as Discord answers them.

use serde_json::{json, Value};

use super::*;

impl World {
    pub(super) fn open_dm(&mut self, r: &Req<'_>) -> Reply {
        let body = r.body();
        let recipient = body.get("recipient_id").and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        });
        let Some(recipient) = recipient else {
            return Err(Refusal::form(
                json!({"recipient_id": {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}}),
            ));
        };
        let existing = self
            .channels
            .values()
            .find(|c| c.recipient.as_deref() == Some(recipient.as_str()))
            .map(|c| c.id.clone());
        let id = match existing {
            Some(id) => id,
            None => {
                let id = self.new_id();
                self.channels.insert(
                    id.clone(),
                    DiscordChannel {
                        id: id.clone(),
                        guild_id: None,
                        name: String::new(),
                        kind: 1,
                        parent_id: None,
                        topic: None,
                        pins: Vec::new(),
                        recipient: Some(recipient),
                        permission_overwrites: Vec::new(),
                    },
                );
                id
            }
        };
        Ok((200, Some(channel_json(&self.channels[&id]))))
    }

    pub(super) fn create_channel(&mut self, r: &Req<'_>) -> Reply {
        let guild = self.guild(r)?;
        let body = r.body();
        let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
        let mut name = body
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        if matches!(kind, 0 | 5 | 15) {
            // Discord normalises text channel names itself.
            name = name
                .to_lowercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join("-");
        }
        let parent = body.get("parent_id").and_then(|v| {
            v.as_str()
                .map(str::to_string)
                .or_else(|| v.as_u64().map(|n| n.to_string()))
        });
        if let Some(p) = &parent {
            let ok = kind != 4
                && self
                    .channels
                    .get(p)
                    .is_some_and(|c| c.kind == 4 && c.guild_id.as_deref() == Some(guild.as_str()));
            if !ok {
                return Err(Refusal::form(
                    json!({"parent_id": {"_errors": [{"code": "CHANNEL_PARENT_INVALID", "message": "Category does not exist"}]}}),
                ));
            }
        }
        let id = self.new_id();
        // Without overwrites of its own, a channel in a category is synced with the category's.
        let overwrites = match body.get("permission_overwrites") {
            Some(given) if !given.is_null() => stored_overwrites(given),
            _ => parent
                .as_ref()
                .and_then(|p| self.channels.get(p))
                .map(|category| category.permission_overwrites.clone())
                .unwrap_or_default(),
        };
        self.add_channel(&id, &name, kind, &guild, parent.as_deref());
        if let Some(ch) = self.channels.get_mut(&id) {
            ch.permission_overwrites = overwrites;
            if let Some(topic) = body.get("topic").and_then(Value::as_str) {
                ch.topic = Some(topic.to_string());
            }
        }
        Ok((201, Some(channel_json(&self.channels[&id]))))
    }

    pub(super) fn edit_channel(&mut self, r: &Req<'_>) -> Reply {
        let id = self.channel(r)?.id.clone();
        let body = r.body();
        let ch = self
            .channels
            .get_mut(&id)
            .ok_or_else(|| unknown(10003, "Channel"))?;
        if let Some(name) = body.get("name").and_then(Value::as_str) {
            ch.name = if ch.kind == 0 {
                name.to_lowercase().replace(' ', "-")
            } else {
                name.to_string()
            };
        }
        if let Some(topic) = body.get("topic") {
            ch.topic = topic.as_str().map(str::to_string);
        }
        if let Some(parent) = body.get("parent_id") {
            ch.parent_id = parent.as_str().map(str::to_string);
        }
        if let Some(overwrites) = body.get("permission_overwrites").filter(|v| !v.is_null()) {
            ch.permission_overwrites = stored_overwrites(overwrites);
        }
        Ok((200, Some(channel_json(ch))))
    }
}

/// Overwrites as Discord stores and answers them: permission sets become decimal strings.
fn stored_overwrites(given: &Value) -> Vec<Value> {
    let bits = |v: &Value| {
        v.as_u64()
            .map(|n| n.to_string())
            .or_else(|| v.as_str().map(str::to_string))
            .unwrap_or_else(|| "0".to_string())
    };
    given
        .as_array()
        .into_iter()
        .flatten()
        .map(|o| {
            json!({
                "id": o["id"].as_str().map(str::to_string).or_else(|| o["id"].as_u64().map(|n| n.to_string())),
                "type": o["type"].as_u64().unwrap_or(0),
                "allow": bits(&o["allow"]),
                "deny": bits(&o["deny"]),
            })
        })
        .collect()
}
