//! Messages and views in the fake Slack workspace.

use serde_json::{json, Map, Value};

use super::state::{
    json_param, message_json, str_param, Answer, SlackMessage, World, APP_ID, BOT_ID, BOT_USER_ID,
    TEAM_ID,
};
use crate::server::epoch_secs;

impl World {
    pub(crate) fn post(&mut self, method: &str, p: &Map<String, Value>) -> Answer {
        let id = self.channel_id(p)?;
        if !self.channels[&id].members.iter().any(|m| m == BOT_USER_ID) {
            return Err("not_in_channel".into());
        }
        let text = str_param(p, "text");
        let blocks = json_param(p, "blocks");
        let attachments = json_param(p, "attachments");
        if text.as_deref().unwrap_or("").is_empty() && blocks.is_none() && attachments.is_none() {
            return Err("no_text".into());
        }
        if text.as_ref().is_some_and(|t| t.chars().count() > 40_000) {
            return Err("msg_too_long".into());
        }
        let ts = self.new_ts();
        let ephemeral_to = (method == "chat.postEphemeral")
            .then(|| str_param(p, "user"))
            .flatten();
        let message = SlackMessage {
            ts: ts.clone(),
            channel: id.clone(),
            text,
            blocks,
            thread_ts: str_param(p, "thread_ts"),
            ephemeral_to,
            edited: false,
            params: p.clone(),
        };
        let json_message = message_json(&message);
        self.messages.push(message);
        if method == "chat.postEphemeral" {
            return Ok(json!({ "message_ts": ts }));
        }
        Ok(json!({ "channel": id, "ts": ts, "message": json_message }))
    }

    pub(crate) fn update(&mut self, p: &Map<String, Value>) -> Answer {
        let id = self.channel_id(p)?;
        let ts = str_param(p, "ts").unwrap_or_default();
        let text = str_param(p, "text");
        let blocks = json_param(p, "blocks");
        let message = self
            .messages
            .iter_mut()
            .find(|m| m.channel == id && m.ts == ts && m.ephemeral_to.is_none())
            .ok_or("message_not_found")?;
        if text.is_none() && blocks.is_none() && json_param(p, "attachments").is_none() {
            return Err("no_text".into());
        }
        if text.is_some() {
            message.text = text;
        }
        if blocks.is_some() {
            message.blocks = blocks;
        }
        message.edited = true;
        message.params = p.clone();
        Ok(json!({
            "channel": id,
            "ts": ts,
            "text": message.text.clone().unwrap_or_default(),
            "message": message_json(message),
        }))
    }

    pub(crate) fn view(&mut self, method: &str, p: &Map<String, Value>) -> Answer {
        let view = json_param(p, "view").ok_or("invalid_arguments")?;
        let Some(view_obj) = view.as_object() else {
            return Err("invalid_arguments".into());
        };
        let kind = view_obj.get("type").and_then(Value::as_str).unwrap_or("");
        let wanted = if method == "views.publish" {
            "home"
        } else {
            "modal"
        };
        if kind != wanted && !(method == "views.update" && kind == "home") {
            return Err("invalid_arguments".into());
        }
        let existing = match method {
            "views.update" => {
                let by_id = str_param(p, "view_id");
                let by_external = str_param(p, "external_id");
                let found = self.views.iter().find(|(id, v)| {
                    by_id.as_deref() == Some(id.as_str())
                        || (by_external.is_some()
                            && v.get("external_id").and_then(Value::as_str)
                                == by_external.as_deref())
                });
                Some(found.map(|(id, _)| id.clone()).ok_or("not_found")?)
            }
            _ => None,
        };
        if matches!(method, "views.open" | "views.push")
            && str_param(p, "trigger_id")
                .or_else(|| str_param(p, "interactivity_pointer"))
                .is_none()
        {
            return Err("invalid_arguments".into());
        }
        let id = existing.unwrap_or_else(|| self.new_id("V"));
        let mut stored = view_obj.clone();
        stored.insert("id".into(), json!(id));
        stored.insert("team_id".into(), json!(TEAM_ID));
        stored.insert("app_id".into(), json!(APP_ID));
        stored.insert("bot_id".into(), json!(BOT_ID));
        stored.insert("hash".into(), json!(format!("{}.fakehash", epoch_secs())));
        stored.insert("state".into(), json!({"values": {}}));
        let stored = Value::Object(stored);
        self.views.insert(id, stored.clone());
        Ok(json!({ "view": stored }))
    }
}
