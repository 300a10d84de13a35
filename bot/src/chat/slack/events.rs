//! The Events API: `url_verification`, and `event_callback`s deduplicated by `event_id` in the
//! store (so a retry is recognised after a restart too). Mentions of the bot run a command;
//! plain messages in a client's support channel go to [`triage_support_message`].

use std::sync::Arc;

use serde_json::{json, Value};
use tracing::{debug, Instrument};

use super::reply::{within_budget, Ack, Reply, ReplyTo};
use super::{blocks, user_id, Adapter, PLATFORM};
use crate::commands::{self, Command, IncidentCommand};
use crate::domain::{ClientId, UserId};
use crate::engine::{Engine, EngineError, Request, Response};
use crate::store::{handling_event, StoreError};

/// A plain message in a client's Slack support channel: level-1 triage against the knowledge
/// base, exactly as `/help <text>` typed there (the engine finds the client from the channel).
pub async fn triage_support_message(
    engine: &Engine,
    client: &ClientId,
    channel: &str,
    user: &UserId,
    text: &str,
) -> Result<Response, EngineError> {
    metrics::counter!("commandpost_support_messages_total", "platform" => PLATFORM).increment(1);
    debug!(%client, %channel, %user, chars = text.chars().count(), "support message triaged");
    engine
        .handle(Request {
            platform: PLATFORM,
            user: user.clone(),
            room: Some(channel.to_owned()),
            command: Command::Help {
                question: text.to_owned(),
            },
            resolve_user: user_id,
            responder: false,
        })
        .await
}

/// `<@U0BOT> my vpn is down` → `my vpn is down`.
fn without_leading_mentions(text: &str) -> &str {
    let mut rest = text.trim();
    while let Some(after) = rest.strip_prefix("<@") {
        rest = after
            .split_once('>')
            .map_or("", |(_, tail)| tail)
            .trim_start();
    }
    rest
}

/// A retry of this event was handled while this delivery of it ran: the person already has
/// their answer from that one.
fn is_a_concurrent_retry(result: &Result<Response, EngineError>) -> bool {
    matches!(
        result,
        Err(EngineError::Store(StoreError::AlreadyHandled(_)))
    )
}

fn text_of<'a>(value: &'a Value, key: &str) -> Option<&'a str> {
    value.get(key).and_then(Value::as_str)
}

/// `<@U0BOT> status` or `<@U0BOT> incident status` → `status`.
fn mention_command(text: &str) -> &str {
    let mut rest = text.trim();
    while let Some(after) = rest.strip_prefix("<@") {
        rest = after
            .split_once('>')
            .map_or("", |(_, tail)| tail)
            .trim_start();
    }
    for prefix in ["/incident", "incident"] {
        if let Some(tail) = rest.strip_prefix(prefix) {
            if tail.is_empty() || tail.starts_with(char::is_whitespace) {
                return tail.trim();
            }
        }
    }
    rest
}

impl Adapter {
    /// Handles an Events API body. `Err` when the store cannot say whether the event is new:
    /// answer with an error so Slack retries later.
    pub(super) async fn event(
        self: &Arc<Self>,
        body: Value,
        retry: Option<&str>,
    ) -> Result<Ack, StoreError> {
        match text_of(&body, "type") {
            Some("url_verification") => Ok(Ack::Json(
                json!({"challenge": text_of(&body, "challenge").unwrap_or_default()}),
            )),
            Some("event_callback") => {
                let Some(event_id) = text_of(&body, "event_id") else {
                    return Ok(Ack::Empty);
                };
                // Recorded as handled by the write that handles it (see `store::handling_event`),
                // so a crash before that write lets Slack's retry through.
                let handled = self
                    .engine
                    .store()
                    .already_handled(PLATFORM, event_id)
                    .await?;
                if handled {
                    debug!(
                        event_id,
                        retry, "event already handled; acknowledging the retry"
                    );
                    return Ok(Ack::Empty);
                }
                let event = body.get("event").cloned().unwrap_or_default();
                let span = tracing::info_span!(
                    "slack_event",
                    event_id,
                    kind = text_of(&event, "type").unwrap_or("-")
                );
                let this = self.clone();
                let event_id = event_id.to_owned();
                let work = async move {
                    handling_event(PLATFORM, &event_id, this.handle_event(event)).await
                };
                let _ = within_budget(work.instrument(span)).await;
                Ok(Ack::Empty)
            }
            _ => Ok(Ack::Empty),
        }
    }

    async fn handle_event(&self, event: Value) {
        // Our own posts, edits, joins and other subtypes are not people talking to us.
        if event.get("bot_id").is_some() || event.get("subtype").is_some() {
            return;
        }
        let (Some(channel), Some(user)) = (text_of(&event, "channel"), text_of(&event, "user"))
        else {
            return;
        };
        let text = text_of(&event, "text").unwrap_or_default();
        let support = self.support_channels.get(channel);
        match (text_of(&event, "type"), support) {
            (Some("message"), Some(client)) => {
                self.support_message(client, channel, user, &event).await
            }
            (Some("app_mention"), None) => self.mention(channel, user, text).await,
            _ => {}
        }
    }

    /// A person's message in a support channel: triaged, and answered to them alone
    /// (`chat.postEphemeral`, with the suggestions' buttons). Replies in threads are people
    /// talking to each other, and are left alone.
    async fn support_message(&self, client: &ClientId, channel: &str, user: &str, event: &Value) {
        let ts = text_of(event, "ts");
        if text_of(event, "thread_ts").is_some_and(|thread| Some(thread) != ts) {
            return;
        }
        let question = without_leading_mentions(text_of(event, "text").unwrap_or_default());
        if question.is_empty() {
            return;
        }
        let result =
            triage_support_message(&self.engine, client, channel, &UserId::new(user), question)
                .await;
        if is_a_concurrent_retry(&result) {
            return;
        }
        let mut reply = Reply::from_engine(&result);
        reply.public = false;
        let to = ReplyTo {
            response_url: None,
            channel: Some(channel.to_owned()),
            user: user.to_owned(),
        };
        self.send_reply(&to, &reply).await;
    }

    /// `@commandpost status` in a room: the same grammar as `/incident`.
    async fn mention(&self, channel: &str, user: &str, text: &str) {
        let to = ReplyTo {
            response_url: None,
            channel: Some(channel.to_owned()),
            user: user.to_owned(),
        };
        let command = match commands::parse_incident(mention_command(text)) {
            Ok(command) => command,
            Err(error) => {
                return self
                    .send_reply(&to, &Reply::private(error.to_string()))
                    .await
            }
        };
        let is_status = matches!(command, IncidentCommand::Status);
        let command = Command::Incident(command);
        let responder = self.is_responder(user, &command).await;
        let result = self
            .engine
            .handle(Request {
                platform: PLATFORM,
                user: UserId::new(user),
                room: Some(channel.to_owned()),
                command,
                resolve_user: user_id,
                responder,
            })
            .await;
        if is_a_concurrent_retry(&result) {
            return;
        }
        let mut reply = Reply::from_engine(&result);
        if is_status && reply.public {
            if let Ok(Some(stored)) = self
                .engine
                .store()
                .incident_by_room(PLATFORM, channel)
                .await
            {
                reply.blocks =
                    blocks::message(&reply.text, &blocks::brief_actions(&stored.incident));
            }
        }
        self.send_reply(&to, &reply).await;
    }
}

#[cfg(test)]
mod tests {
    use super::{mention_command, without_leading_mentions};

    #[test]
    fn mentions_carry_incident_commands() {
        assert_eq!(mention_command("<@U0BOT> status"), "status");
        assert_eq!(
            mention_command("<@U0BOT|cp> incident assign comms <@U2>"),
            "assign comms <@U2>"
        );
        assert_eq!(mention_command("<@U0BOT> /incident"), "");
        assert_eq!(mention_command("<@U0BOT> incidents"), "incidents");
        assert_eq!(
            without_leading_mentions(" <@U0BOT> <@U2|bo> vpn <@U3> down"),
            "vpn <@U3> down"
        );
        assert_eq!(without_leading_mentions("<@U0BOT>"), "");
    }
}
