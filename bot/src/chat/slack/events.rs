//! The Events API: `url_verification`, and `event_callback`s deduplicated by `event_id` in the
//! store (so a retry is recognised after a restart too). Mentions of the bot run a command;
//! plain messages in a client's support channel go to [`triage_support_message`].

use std::sync::Arc;

use serde::Deserialize;
use serde_json::{json, Value};
use slack_morphism::events::{SlackEventCallbackBody, SlackPushEvent};
use tracing::{debug, warn, Instrument};

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

/// `<@U0BOT> status` or `<@U0BOT> incident status` → `status`.
fn mention_command(text: &str) -> &str {
    let rest = without_leading_mentions(text);
    for prefix in ["/incident", "incident"] {
        if let Some(tail) = rest.strip_prefix(prefix) {
            if tail.is_empty() || tail.starts_with(char::is_whitespace) {
                return tail.trim();
            }
        }
    }
    rest
}

/// What a person said to the bot in an event, whichever model read it.
struct Said {
    mention: bool,
    channel: String,
    user: String,
    text: String,
    ts: Option<String>,
    thread_ts: Option<String>,
}

/// A message or mention as Slack sends it: only the fields a question or command needs, so a
/// part of the message no model knows yet never hides the text. (slack-morphism's `app_mention`
/// model also drops `bot_id`, which says a bot wrote it.)
#[derive(Deserialize)]
struct PlainMessage {
    #[serde(rename = "type")]
    kind: String,
    channel: Option<String>,
    user: Option<String>,
    #[serde(default)]
    text: String,
    ts: Option<String>,
    thread_ts: Option<String>,
    bot_id: Option<String>,
    subtype: Option<String>,
}

impl PlainMessage {
    fn said(self) -> Option<Said> {
        // Our own posts, edits, joins and other subtypes are not people talking to us.
        if self.bot_id.is_some() || self.subtype.is_some() {
            return None;
        }
        Some(Said {
            mention: match self.kind.as_str() {
                "message" => false,
                "app_mention" => true,
                _ => return None,
            },
            channel: self.channel?,
            user: self.user?,
            text: self.text,
            ts: self.ts,
            thread_ts: self.thread_ts,
        })
    }
}

/// slack-morphism tells which kind of event this is; what the person said is read by
/// [`PlainMessage`], because slack-morphism's message model keeps a message's content as one
/// flattened optional part: when any piece of it (a block, attachment, file or reaction) does not
/// match its model, the whole content, text included, silently becomes `None` (tested below).
fn said(event: &SlackEventCallbackBody, raw: &Value) -> Option<Said> {
    match event {
        SlackEventCallbackBody::Message(_)
        | SlackEventCallbackBody::AppMention(_)
        | SlackEventCallbackBody::Unknown(_) => PlainMessage::deserialize(raw).ok()?.said(),
        _ => None,
    }
}

impl Adapter {
    /// Handles an Events API body. `Err` when the store cannot say whether the event is new:
    /// answer with an error so Slack retries later.
    pub(super) async fn event(
        self: &Arc<Self>,
        body: Value,
        retry: Option<&str>,
    ) -> Result<Ack, StoreError> {
        // Typed as slack-morphism reads it: a body without the fields Slack always sends (team,
        // app, event id and time) is not one of Slack's, and is acknowledged unread.
        let event = match SlackPushEvent::deserialize(&body) {
            Ok(event) => event,
            Err(error) => {
                warn!(%error, "malformed Events API body");
                return Ok(Ack::Empty);
            }
        };
        let callback = match event {
            SlackPushEvent::UrlVerification(verification) => {
                return Ok(Ack::Json(json!({"challenge": verification.challenge})))
            }
            SlackPushEvent::AppRateLimited(limited) => {
                warn!(
                    minute = ?limited.minute_rate_limited,
                    "Slack stopped sending this app's events for a minute (rate limited)"
                );
                return Ok(Ack::Empty);
            }
            SlackPushEvent::EventCallback(callback) => callback,
        };
        let event_id = callback.event_id.to_string();
        // Recorded as handled by the write that handles it (see `store::handling_event`), so a
        // crash before that write lets Slack's retry through.
        let handled = self
            .engine
            .store()
            .already_handled(PLATFORM, &event_id)
            .await?;
        if handled {
            debug!(
                event_id,
                retry, "event already handled; acknowledging the retry"
            );
            return Ok(Ack::Empty);
        }
        let raw = body.get("event").unwrap_or(&Value::Null);
        let span = tracing::info_span!(
            "slack_event",
            event_id,
            kind = raw
                .get("type")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("-")
        );
        let Some(said) = said(&callback.event, raw) else {
            return Ok(Ack::Empty);
        };
        let this = self.clone();
        let work = async move { handling_event(PLATFORM, &event_id, this.handle(said)).await };
        let _ = within_budget(work.instrument(span)).await;
        Ok(Ack::Empty)
    }

    async fn handle(&self, said: Said) {
        let support = self.support_channels.get(&said.channel);
        match (said.mention, support) {
            (false, Some(client)) => self.support_message(client, &said).await,
            (true, None) => self.mention(&said.channel, &said.user, &said.text).await,
            _ => {}
        }
    }

    /// A person's message in a support channel: triaged, and answered to them alone
    /// (`chat.postEphemeral`, with the suggestions' buttons). Replies in threads are people
    /// talking to each other, and are left alone.
    async fn support_message(&self, client: &ClientId, said: &Said) {
        if said
            .thread_ts
            .as_ref()
            .is_some_and(|thread| Some(thread) != said.ts.as_ref())
        {
            return;
        }
        let question = without_leading_mentions(&said.text);
        if question.is_empty() {
            return;
        }
        let (channel, user) = (said.channel.as_str(), said.user.as_str());
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
    use super::{mention_command, said, without_leading_mentions};
    use serde_json::json;
    use slack_morphism::events::SlackEventCallbackBody;

    #[test]
    fn a_message_slack_morphism_cannot_read_is_still_what_the_person_said() {
        // A reaction without the count and users slack-morphism's model requires, as any part
        // of a message Slack changes the shape of: its message model loses the whole content.
        let raw = json!({"type": "message", "user": "U0ALICE", "channel": "C0SUPPORT",
            "text": "vpn is down", "ts": "1700000000.000300",
            "reactions": [{"name": "sob"}]});
        let event: SlackEventCallbackBody = serde_json::from_value(raw.clone()).unwrap();
        assert!(
            matches!(&event, SlackEventCallbackBody::Message(m) if m.content.is_none()),
            "{event:?}"
        );
        let read = said(&event, &raw).expect("the message is still read");
        assert_eq!(
            (read.user.as_str(), read.text.as_str()),
            ("U0ALICE", "vpn is down")
        );
        assert!(!read.mention);

        let mut from_bot = raw.clone();
        from_bot["bot_id"] = json!("B0BOT");
        let event: SlackEventCallbackBody = serde_json::from_value(from_bot.clone()).unwrap();
        assert!(said(&event, &from_bot).is_none());
    }

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
