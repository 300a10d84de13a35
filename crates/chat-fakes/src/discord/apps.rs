//! Application commands, interaction callbacks and interaction webhooks (follow-ups and
//! edits of the original response).

use std::collections::BTreeMap;
use std::time::SystemTime;

use serde_json::{json, Value};

use super::spec::Refusal;
use super::state::{unknown, Reply, Req, World, APPLICATION_ID};

/// What kind of answer to an interaction the bot gave.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReplyKind {
    /// `POST /interactions/{id}/{token}/callback`.
    Callback,
    /// `POST /webhooks/{application_id}/{token}`.
    Followup,
    /// `PATCH /webhooks/{application_id}/{token}/messages/@original` (or a follow-up by id).
    Edit,
    /// `DELETE /webhooks/{application_id}/{token}/messages/@original` (or by id).
    Delete,
}

/// One answer to an interaction, in arrival order.
#[derive(Clone, Debug, PartialEq)]
pub struct InteractionReply {
    /// The interaction's id (from the callback path, or looked up by token).
    pub interaction_id: String,
    /// The interaction token.
    pub token: String,
    /// Which endpoint was used.
    pub kind: ReplyKind,
    /// The JSON body sent (`Null` for deletes).
    pub body: Value,
    /// When it arrived.
    pub at: SystemTime,
}

#[derive(Debug)]
pub(crate) struct Interaction {
    pub(crate) id: String,
    channel_id: String,
    message_id: Option<String>,
    acknowledged: bool,
    original: Option<String>,
}

#[derive(Debug, Default)]
pub(crate) struct Apps {
    pub(crate) global_commands: Vec<Value>,
    pub(crate) guild_commands: BTreeMap<String, Vec<Value>>,
    pub(crate) interactions: BTreeMap<String, Interaction>,
    pub(crate) replies: Vec<InteractionReply>,
}

impl Apps {
    /// Makes an interaction (from its payload: `id`, `token`, `channel_id` or `channel.id`,
    /// `message.id`) known, so the bot may answer it.
    pub(crate) fn register(&mut self, payload: &Value) {
        let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
        let (Some(id), Some(token)) = (text(payload.get("id")), text(payload.get("token"))) else {
            return;
        };
        let channel_id = text(payload.get("channel_id"))
            .or_else(|| text(payload.pointer("/channel/id")))
            .unwrap_or_default();
        let message_id = text(payload.pointer("/message/id"));
        self.interactions.insert(
            token,
            Interaction {
                id,
                channel_id,
                message_id,
                acknowledged: false,
                original: None,
            },
        );
    }
}

impl World {
    pub(crate) fn apps_handle(&mut self, r: &Req<'_>) -> Reply {
        match (r.method, r.template) {
            ("GET", "/applications/{application_id}/commands") => {
                self.own_app(r)?;
                Ok((200, Some(Value::Array(self.apps.global_commands.clone()))))
            }
            ("PUT", "/applications/{application_id}/commands") => {
                self.own_app(r)?;
                let list = self.overwrite_commands(None, r)?;
                self.apps.global_commands = list.clone();
                Ok((200, Some(Value::Array(list))))
            }
            ("POST", "/applications/{application_id}/commands") => self.upsert_command(r, None),
            ("GET", "/applications/{application_id}/guilds/{guild_id}/commands") => {
                let guild = self.own_guild(r)?;
                Ok((
                    200,
                    Some(Value::Array(
                        self.apps
                            .guild_commands
                            .get(&guild)
                            .cloned()
                            .unwrap_or_default(),
                    )),
                ))
            }
            ("PUT", "/applications/{application_id}/guilds/{guild_id}/commands") => {
                let guild = self.own_guild(r)?;
                let list = self.overwrite_commands(Some(&guild), r)?;
                self.apps.guild_commands.insert(guild, list.clone());
                Ok((200, Some(Value::Array(list))))
            }
            ("POST", "/applications/{application_id}/guilds/{guild_id}/commands") => {
                let guild = self.own_guild(r)?;
                self.upsert_command(r, Some(guild))
            }
            ("POST", "/interactions/{interaction_id}/{interaction_token}/callback") => {
                self.callback(r)
            }
            ("POST", "/webhooks/{webhook_id}/{webhook_token}") => {
                let token = self.interaction_token(r, true)?;
                let channel = self.apps.interactions[&token].channel_id.clone();
                let m = self.store_message(&channel, &r.body(), Some(&token))?;
                self.record(&token, ReplyKind::Followup, r.body());
                Ok((200, Some(self.message_json(&self.messages[m]))))
            }
            (
                method,
                "/webhooks/{webhook_id}/{webhook_token}/messages/@original"
                | "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}",
            ) => {
                let token = self.interaction_token(r, true)?;
                let wanted = match r.params.get("message_id") {
                    Some(id) => Some(id.clone()),
                    None => self.apps.interactions[&token].original.clone(),
                };
                let index = wanted
                    .and_then(|id| {
                        self.messages.iter().position(|m| {
                            m.id == id && m.interaction_token.as_deref() == Some(token.as_str())
                        })
                    })
                    .ok_or_else(|| unknown(10008, "Message"))?;
                match method {
                    "GET" => Ok((200, Some(self.message_json(&self.messages[index])))),
                    "PATCH" => {
                        self.record(&token, ReplyKind::Edit, r.body());
                        Ok((200, Some(self.edit_message(index, r.body()))))
                    }
                    _ => {
                        self.record(&token, ReplyKind::Delete, Value::Null);
                        self.messages.remove(index);
                        Ok((204, None))
                    }
                }
            }
            (method, template) => Err(Refusal::new(
                500,
                0,
                &format!("{method} {template} is valid but not modelled by the fake"),
            )),
        }
    }

    fn own_app(&self, r: &Req<'_>) -> Result<(), Refusal> {
        if r.param("application_id") == APPLICATION_ID {
            Ok(())
        } else {
            Err(Refusal::new(403, 50001, "Missing Access"))
        }
    }

    fn own_guild(&self, r: &Req<'_>) -> Result<String, Refusal> {
        self.own_app(r)?;
        let guild = r.param("guild_id");
        if self.guilds.contains_key(guild) {
            Ok(guild.to_string())
        } else {
            Err(Refusal::new(403, 50001, "Missing Access"))
        }
    }

    fn overwrite_commands(
        &mut self,
        guild: Option<&str>,
        r: &Req<'_>,
    ) -> Result<Vec<Value>, Refusal> {
        let body = r.body();
        let wanted = body.as_array().cloned().unwrap_or_default();
        let mut errors = serde_json::Map::new();
        let mut seen = Vec::new();
        for (i, cmd) in wanted.iter().enumerate() {
            let key = (
                cmd.get("type").and_then(Value::as_u64).unwrap_or(1),
                cmd.get("name").cloned(),
            );
            if seen.contains(&key) {
                errors.insert(i.to_string(), json!({"name": {"_errors": [{"code": "APPLICATION_COMMANDS_DUPLICATE_NAME", "message": "Application command names must be unique"}]}}));
            }
            seen.push(key);
            if let Some(e) = chat_input_errors(cmd) {
                errors.insert(i.to_string(), e);
            }
        }
        if !errors.is_empty() {
            return Err(Refusal::form(json!(errors)));
        }
        let existing = match guild {
            Some(g) => self.apps.guild_commands.get(g).cloned().unwrap_or_default(),
            None => self.apps.global_commands.clone(),
        };
        Ok(wanted
            .iter()
            .map(|c| self.command_json(c, guild, &existing))
            .collect())
    }

    fn upsert_command(&mut self, r: &Req<'_>, guild: Option<String>) -> Reply {
        self.own_app(r)?;
        let body = r.body();
        if let Some(e) = chat_input_errors(&body) {
            return Err(Refusal::form(e));
        }
        let existing = match &guild {
            Some(g) => self.apps.guild_commands.get(g).cloned().unwrap_or_default(),
            None => self.apps.global_commands.clone(),
        };
        let cmd = self.command_json(&body, guild.as_deref(), &existing);
        let list = match guild {
            Some(g) => self.apps.guild_commands.entry(g).or_default(),
            None => &mut self.apps.global_commands,
        };
        let created = !list.iter().any(|c| c["id"] == cmd["id"]);
        list.retain(|c| c["id"] != cmd["id"]);
        list.push(cmd.clone());
        Ok((if created { 201 } else { 200 }, Some(cmd)))
    }

    /// The stored form of a command: Discord keeps the id of a command with the same name.
    fn command_json(&mut self, c: &Value, guild: Option<&str>, existing: &[Value]) -> Value {
        let kind = c.get("type").and_then(Value::as_u64).unwrap_or(1);
        let same = existing
            .iter()
            .find(|e| e["name"] == c["name"] && e["type"] == json!(kind));
        let id = same
            .and_then(|e| e["id"].as_str().map(str::to_string))
            .unwrap_or_else(|| self.new_id());
        let mut out = json!({
            "id": id, "application_id": APPLICATION_ID, "version": self.new_id(), "type": kind,
            "name": c["name"], "description": c.get("description").cloned().unwrap_or(json!("")),
            "default_member_permissions": c.get("default_member_permissions").cloned().unwrap_or(Value::Null),
            "dm_permission": c.get("dm_permission").cloned().unwrap_or(json!(true)), "nsfw": c.get("nsfw").cloned().unwrap_or(json!(false)),
            "contexts": c.get("contexts").cloned().unwrap_or(Value::Null), "integration_types": c.get("integration_types").cloned().unwrap_or(json!([0])),
        });
        if let Some(options) = c.get("options").filter(|o| !o.is_null()) {
            out["options"] = options.clone();
        }
        if let Some(g) = guild {
            out["guild_id"] = json!(g);
        }
        out
    }

    fn callback(&mut self, r: &Req<'_>) -> Reply {
        let token = r.param("interaction_token").to_string();
        let interaction = self
            .apps
            .interactions
            .get(&token)
            .filter(|i| i.id == r.param("interaction_id"))
            .ok_or_else(|| unknown(10062, "interaction"))?;
        if interaction.acknowledged {
            return Err(Refusal::new(
                400,
                40060,
                "Interaction has already been acknowledged.",
            ));
        }
        let (channel, message) = (
            interaction.channel_id.clone(),
            interaction.message_id.clone(),
        );
        let body = r.body();
        let kind = body.get("type").and_then(Value::as_u64).unwrap_or(0);
        let data = body
            .get("data")
            .cloned()
            .filter(|d| !d.is_null())
            .unwrap_or(json!({}));
        let original = match kind {
            4 => Some(self.store_message(&channel, &data, Some(&token))?),
            5 => {
                let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0) | 128;
                Some(self.store_message(&channel, &json!({"flags": flags}), Some(&token))?)
            }
            7 => {
                if let Some(i) =
                    message.and_then(|id| self.messages.iter().position(|m| m.id == id))
                {
                    self.edit_message(i, data);
                }
                None
            }
            _ => None,
        };
        let original_id = original.map(|i| self.messages[i].id.clone());
        if let Some(i) = self.apps.interactions.get_mut(&token) {
            i.acknowledged = true;
            i.original = original_id.clone();
        }
        self.record(&token, ReplyKind::Callback, body);
        let with_response = matches!(
            r.query.get("with_response").and_then(Value::as_str),
            Some("true" | "True" | "1")
        );
        if !with_response {
            return Ok((204, None));
        }
        let resource = match original {
            Some(i) => json!({"type": kind, "message": self.message_json(&self.messages[i])}),
            None => json!({"type": kind}),
        };
        let interaction = json!({"id": r.param("interaction_id"), "type": 2, "response_message_id": original_id, "response_message_loading": kind == 5, "response_message_ephemeral": false});
        Ok((
            200,
            Some(json!({"interaction": interaction, "resource": resource})),
        ))
    }

    fn interaction_token(&self, r: &Req<'_>, need_ack: bool) -> Result<String, Refusal> {
        let token = r.param("webhook_token");
        let known = r.param("webhook_id") == APPLICATION_ID
            && self
                .apps
                .interactions
                .get(token)
                .is_some_and(|i| i.acknowledged || !need_ack);
        if known {
            Ok(token.to_string())
        } else {
            Err(unknown(10015, "Webhook"))
        }
    }

    fn record(&mut self, token: &str, kind: ReplyKind, body: Value) {
        let interaction_id = self
            .apps
            .interactions
            .get(token)
            .map(|i| i.id.clone())
            .unwrap_or_default();
        self.apps.replies.push(InteractionReply {
            interaction_id,
            token: token.to_string(),
            kind,
            body,
            at: SystemTime::now(),
        });
    }
}

/// Live rules for chat-input (slash) commands the description does not express: names are
/// lowercase and descriptions are non-empty.
fn chat_input_errors(cmd: &Value) -> Option<Value> {
    if cmd.get("type").and_then(Value::as_u64).unwrap_or(1) != 1 {
        return None;
    }
    let mut errors = serde_json::Map::new();
    let name = cmd.get("name").and_then(Value::as_str).unwrap_or("");
    if name.is_empty()
        || name
            .chars()
            .any(|c| c.is_uppercase() || !(c.is_alphanumeric() || c == '-' || c == '_'))
    {
        errors.insert("name".into(), json!({"_errors": [{"code": "APPLICATION_COMMAND_INVALID_NAME", "message": format!("Command name is invalid: {name}")}]}));
    }
    if cmd
        .get("description")
        .and_then(Value::as_str)
        .unwrap_or("")
        .is_empty()
    {
        errors.insert("description".into(), json!({"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}));
    }
    (!errors.is_empty()).then_some(Value::Object(errors))
}
