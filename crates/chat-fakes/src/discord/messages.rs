//! Messages and pins in the fake Discord world.

use serde_json::{json, Value};

use super::spec::Refusal;
use super::state::{bot_user, unknown, DiscordMessage, Reply, Req, World, APPLICATION_ID};
use crate::server::rfc3339_now;

impl World {
    pub(crate) fn create_message(&mut self, r: &Req<'_>) -> Reply {
        let ch = self.channel(r)?;
        if matches!(ch.kind, 2 | 4 | 13 | 15) {
            return Err(Refusal::new(
                400,
                50008,
                "Cannot send messages in a non-text channel",
            ));
        }
        let channel_id = ch.id.clone();
        let body = r.body();
        let m = self.store_message(&channel_id, &body, None)?;
        Ok((200, Some(self.message_json(&self.messages[m]))))
    }

    /// Checks Discord's semantic rules for a new message and stores it; returns its index.
    pub(crate) fn store_message(
        &mut self,
        channel_id: &str,
        body: &Value,
        token: Option<&str>,
    ) -> Result<usize, Refusal> {
        let content = body
            .get("content")
            .and_then(Value::as_str)
            .unwrap_or("")
            .to_string();
        // The description allows 4000 characters (Nitro users); bots are held to 2000.
        if content.chars().count() > 2000 {
            return Err(Refusal::form(
                json!({"content": {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": "Must be 2000 or fewer in length."}]}}),
            ));
        }
        let list = |key: &str| {
            body.get(key)
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        };
        let (embeds, components) = (list("embeds"), list("components"));
        let has_other = ["sticker_ids", "poll", "attachments"]
            .iter()
            .any(|k| body.get(*k).is_some_and(|v| !v.is_null()));
        let flags = body.get("flags").and_then(Value::as_u64).unwrap_or(0);
        if content.is_empty()
            && embeds.is_empty()
            && components.is_empty()
            && !has_other
            && flags & 128 == 0
        {
            return Err(Refusal::new(400, 50006, "Cannot send an empty message"));
        }
        let id = self.new_id();
        self.messages.push(DiscordMessage {
            id,
            channel_id: channel_id.to_string(),
            content,
            embeds,
            components,
            flags,
            edited: false,
            interaction_token: token.map(str::to_string),
            body: body.clone(),
        });
        Ok(self.messages.len() - 1)
    }

    pub(crate) fn edit_message(&mut self, index: usize, body: Value) -> Value {
        let m = &mut self.messages[index];
        if let Some(c) = body.get("content") {
            m.content = c.as_str().unwrap_or("").to_string();
        }
        for (key, field) in [("embeds", &mut m.embeds), ("components", &mut m.components)] {
            if let Some(v) = body.get(key) {
                *field = v.as_array().cloned().unwrap_or_default();
            }
        }
        if let Some(f) = body.get("flags").and_then(Value::as_u64) {
            m.flags = f;
        }
        m.flags &= !128;
        m.edited = true;
        m.body = body;
        let m = &self.messages[index];
        self.message_json(m)
    }

    pub(crate) fn pin(&mut self, r: &Req<'_>, pin: bool) -> Reply {
        let m = self.message(r)?;
        let mid = self.messages[m].id.clone();
        let cid = self.messages[m].channel_id.clone();
        let ch = self
            .channels
            .get_mut(&cid)
            .ok_or_else(|| unknown(10003, "Channel"))?;
        if pin && !ch.pins.contains(&mid) {
            if ch.pins.len() >= 50 {
                return Err(Refusal::new(
                    400,
                    30003,
                    "Maximum number of pins reached (50)",
                ));
            }
            ch.pins.push(mid);
        } else if !pin {
            ch.pins.retain(|p| *p != mid);
        }
        Ok((204, None))
    }

    pub(crate) fn message_json(&self, m: &DiscordMessage) -> Value {
        let pinned = self
            .channels
            .get(&m.channel_id)
            .is_some_and(|c| c.pins.contains(&m.id));
        let embeds: Vec<Value> = m
            .embeds
            .iter()
            .map(|e| {
                let mut e = e.clone();
                if let Some(o) = e.as_object_mut() {
                    o.entry("type").or_insert(json!("rich"));
                }
                e
            })
            .collect();
        let mut v = json!({
            "id": m.id, "channel_id": m.channel_id, "author": bot_user(), "content": m.content,
            "timestamp": rfc3339_now(), "edited_timestamp": if m.edited { json!(rfc3339_now()) } else { Value::Null },
            "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
            "embeds": embeds, "components": m.components, "pinned": pinned, "type": 0, "flags": m.flags,
        });
        if m.interaction_token.is_some() {
            v["webhook_id"] = json!(APPLICATION_ID);
            v["application_id"] = json!(APPLICATION_ID);
            v["type"] = json!(20);
        }
        v
    }
}
