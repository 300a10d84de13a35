//! Conversations in the fake Slack: direct messages opened, channels listed, created and
//! joined, people invited; each answered as Slack's Web API answers it.

use serde_json::{json, Map, Value};

use super::*;

impl World {
    /// `conversations.open` with one person: their direct-message channel with the bot,
    /// created on first use (`D…` ids, as Slack gives them).
    pub(super) fn open_direct(&mut self, p: &Map<String, Value>) -> Answer {
        let users = match p.get("users") {
            Some(Value::Array(list)) => list
                .iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect(),
            Some(Value::String(list)) => list.split(',').map(|u| u.trim().to_owned()).collect(),
            _ => Vec::new(),
        };
        let [user] = users.as_slice() else {
            return Err(if users.is_empty() {
                "users_list_not_supplied"
            } else {
                "not_supported"
            }
            .into());
        };
        let name = format!("dm-{user}");
        let id = match self.channels.values().find(|c| c.name == name) {
            Some(existing) => existing.id.clone(),
            None => {
                let id = self.new_id("D");
                let channel = Channel {
                    id: id.clone(),
                    name,
                    created: epoch_secs(),
                    creator: BOT_USER_ID.to_string(),
                    is_private: true,
                    topic: String::new(),
                    members: vec![BOT_USER_ID.to_string(), user.clone()],
                    pins: Vec::new(),
                };
                self.channels.insert(id.clone(), channel);
                id
            }
        };
        Ok(json!({ "channel": { "id": id, "is_im": true, "user": user } }))
    }

    /// `conversations.list`: channels by `types` (default public), in pages of `limit` (default
    /// 100, as Slack) with an opaque cursor; direct messages are never channels here.
    pub(super) fn list_channels(&self, p: &Map<String, Value>) -> Value {
        let types = str_param(p, "types").unwrap_or_else(|| "public_channel".into());
        let wanted = |c: &Channel| {
            !c.id.starts_with('D')
                && types.split(',').any(|t| match t.trim() {
                    "public_channel" => !c.is_private,
                    "private_channel" => c.is_private,
                    _ => false,
                })
        };
        let limit = str_param(p, "limit")
            .and_then(|l| l.parse::<usize>().ok())
            .or_else(|| p.get("limit").and_then(Value::as_u64).map(|l| l as usize))
            .unwrap_or(100)
            .clamp(1, 1000);
        let start = str_param(p, "cursor")
            .and_then(|c| {
                c.strip_prefix("page:")
                    .and_then(|n| n.parse::<usize>().ok())
            })
            .unwrap_or(0);
        let matching: Vec<&Channel> = self.channels.values().filter(|c| wanted(c)).collect();
        let page: Vec<Value> = matching
            .iter()
            .skip(start)
            .take(limit)
            .map(|c| c.to_json())
            .collect();
        let next = if start + limit < matching.len() {
            format!("page:{}", start + limit)
        } else {
            String::new()
        };
        json!({ "channels": page, "response_metadata": { "next_cursor": next } })
    }

    pub(super) fn create_channel(&mut self, p: &Map<String, Value>) -> Answer {
        let name = str_param(p, "name").unwrap_or_default();
        if name.is_empty() {
            return Err("invalid_name_required".into());
        }
        if name.chars().count() > 80 {
            return Err("invalid_name_maxlength".into());
        }
        let allowed =
            |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_';
        if !name.chars().all(allowed) {
            return Err("invalid_name_specials".into());
        }
        if name.chars().all(|c| c == '-' || c == '_') {
            return Err("invalid_name_punctuation".into());
        }
        if self.channels.values().any(|c| c.name == name) {
            return Err("name_taken".into());
        }
        let id = self.new_id("C");
        let channel = Channel {
            id: id.clone(),
            name,
            created: epoch_secs(),
            creator: BOT_USER_ID.to_string(),
            is_private: bool_param(p, "is_private"),
            topic: String::new(),
            members: vec![BOT_USER_ID.to_string()],
            pins: Vec::new(),
        };
        let answer = json!({ "channel": channel.to_json() });
        self.channels.insert(id, channel);
        Ok(answer)
    }

    pub(super) fn invite(&mut self, p: &Map<String, Value>) -> Answer {
        let id = self.channel_id(p)?;
        let users: Vec<String> = match p.get("users") {
            Some(Value::Array(items)) => items
                .iter()
                .filter_map(|u| u.as_str().map(str::to_string))
                .collect(),
            Some(Value::String(s)) => s
                .split(',')
                .map(|u| u.trim().to_string())
                .filter(|u| !u.is_empty())
                .collect(),
            _ => Vec::new(),
        };
        if users.is_empty() {
            return Err("no_user".into());
        }
        if users.len() > 1000 {
            return Err("too_many_users".into());
        }
        for u in &users {
            if u == BOT_USER_ID {
                return Err("cant_invite_self".into());
            }
            if self.user(u).is_none() {
                return Err("user_not_found".into());
            }
        }
        let ch = self.channels.get_mut(&id).ok_or("channel_not_found")?;
        if !ch.members.iter().any(|m| m == BOT_USER_ID) {
            return Err("not_in_channel".into());
        }
        let fresh: Vec<String> = users
            .into_iter()
            .filter(|u| !ch.members.contains(u))
            .collect();
        if fresh.is_empty() {
            return Err("already_in_channel".into());
        }
        ch.members.extend(fresh);
        Ok(json!({ "channel": ch.to_json() }))
    }
}
