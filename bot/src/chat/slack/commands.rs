//! Slash commands (`/incident …`, `/help …`): parsed with the shared grammar, run by the
//! engine, answered in the acknowledgement when quick and through `response_url` when not.

use std::sync::Arc;

use slack_morphism::events::SlackCommandEvent;
use tracing::{warn, Instrument};

use super::blocks;
use super::reply::{within_budget, Ack, Budget, Reply, ReplyTo};
use super::{user_id, Adapter, PLATFORM};
use crate::commands::{self, Command, IncidentCommand, ParseError};
use crate::domain::UserId;
use crate::engine::Request;
use crate::store::handling_event;

/// What the adapter reads of a slash command. Slack's payload (form fields over HTTP, a JSON
/// object in Socket Mode) is parsed as slack-morphism's `SlackCommandEvent`, which refuses one
/// without the fields Slack always sends, then narrowed to this.
#[derive(Debug, Clone)]
pub struct SlashCommand {
    pub command: String,
    pub text: String,
    pub user_id: String,
    pub channel_id: String,
    pub response_url: Option<String>,
    pub trigger_id: Option<String>,
}

impl From<SlackCommandEvent> for SlashCommand {
    fn from(event: SlackCommandEvent) -> Self {
        Self {
            command: event.command.0,
            text: event.text.unwrap_or_default(),
            user_id: event.user_id.0,
            channel_id: event.channel_id.0,
            response_url: Some(event.response_url.0.to_string()),
            trigger_id: Some(event.trigger_id.0),
        }
    }
}

impl SlashCommand {
    /// Parses Slack's payload (as JSON: form fields turned into an object, or Socket Mode's).
    pub fn from_payload(payload: serde_json::Value) -> Result<Self, serde_json::Error> {
        serde_json::from_value::<SlackCommandEvent>(payload).map(Self::from)
    }
}

fn parse(slash: &SlashCommand) -> Result<Command, ParseError> {
    match slash.command.trim().to_ascii_lowercase().as_str() {
        "/incident" => commands::parse_incident(&slash.text).map(Command::Incident),
        "/help" => commands::parse_help(&slash.text),
        other => Err(ParseError {
            problem: format!("`{other}` is not a Command Post command"),
            usage: commands::usage_of(""),
        }),
    }
}

impl Adapter {
    /// Handles one slash command and says what to acknowledge it with.
    pub(super) async fn slash_command(self: &Arc<Self>, slash: SlashCommand) -> Ack {
        let span = tracing::info_span!("slack_command", channel = %slash.channel_id, command = %slash.command);
        let command = match parse(&slash) {
            Ok(command) => command,
            Err(error) => return Ack::Json(Reply::private(error.to_string()).to_json()),
        };
        let reply_to = ReplyTo {
            response_url: slash.response_url.clone(),
            channel: Some(slash.channel_id.clone()),
            user: slash.user_id.clone(),
        };
        let this = self.clone();
        // A request replayed with the same trigger (a proxy retrying it on another replica after
        // the first died mid-way) is recognised by the write that would repeat it.
        let trigger = slash.trigger_id.clone();
        let work = async move {
            match trigger {
                Some(trigger) => {
                    let id = format!("command:{trigger}");
                    handling_event(PLATFORM, &id, this.run_command(slash, command)).await
                }
                None => this.run_command(slash, command).await,
            }
        }
        .instrument(span);
        match within_budget(work).await {
            Budget::Done(Some(reply)) => Ack::Json(reply.to_json()),
            Budget::Done(None) | Budget::Crashed => Ack::Empty,
            Budget::Later(task) => {
                let this = self.clone();
                tokio::spawn(async move {
                    if let Ok(Some(reply)) = task.await {
                        this.send_reply(&reply_to, &reply).await;
                    }
                });
                Ack::Empty
            }
        }
    }

    /// Runs the command; `None` when the answer is a modal rather than words.
    async fn run_command(&self, slash: SlashCommand, command: Command) -> Option<Reply> {
        let is_status = matches!(command, Command::Incident(IncidentCommand::Status));
        let channel = slash.channel_id.clone();
        let responder = self.is_responder(&slash.user_id, &command).await;
        let result = self
            .engine
            .handle(Request {
                platform: PLATFORM,
                user: UserId::new(slash.user_id.clone()),
                room: Some(channel.clone()),
                command,
                resolve_user: user_id,
                responder,
            })
            .await;
        if let (Ok(response), Some(trigger)) = (&result, &slash.trigger_id) {
            if response.wants_declare_form {
                match self.open_declare_form(trigger, &channel).await {
                    Ok(()) => return None,
                    Err(error) => warn!(%error, "could not open the declare form"),
                }
            }
        }
        let mut reply = Reply::from_engine(&result);
        if is_status && reply.public {
            reply.blocks = self.status_blocks(&channel, &reply.text).await;
        }
        Some(reply)
    }

    /// Whether the person may command. `/help` never needs it, so it costs no Slack call.
    pub(super) async fn is_responder(&self, user: &str, command: &Command) -> bool {
        match command {
            Command::Help { .. } => false,
            _ => self.responders.includes(user).await,
        }
    }

    async fn open_declare_form(&self, trigger: &str, channel: &str) -> Result<(), String> {
        let view = blocks::declare_modal(self.engine.config(), channel);
        self.api
            .open_view(trigger, view)
            .await
            .map_err(|e| e.to_string())
    }

    /// The status text with the incident's buttons under it.
    async fn status_blocks(
        &self,
        channel: &str,
        text: &str,
    ) -> Option<Vec<slack_morphism::prelude::SlackBlock>> {
        let stored = self
            .engine
            .store()
            .incident_by_room(PLATFORM, channel)
            .await
            .ok()??;
        blocks::message(text, &blocks::brief_actions(&stored.incident))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slash(command: &str, text: &str) -> SlashCommand {
        SlashCommand {
            command: command.into(),
            text: text.into(),
            user_id: "U1".into(),
            channel_id: "C1".into(),
            response_url: None,
            trigger_id: None,
        }
    }

    #[test]
    fn both_commands_use_the_shared_grammar() {
        assert_eq!(
            parse(&slash("/incident", "status")),
            Ok(Command::Incident(IncidentCommand::Status))
        );
        assert_eq!(
            parse(&slash("/incident", "declare")),
            Ok(Command::Incident(IncidentCommand::DeclarePrompt))
        );
        assert!(matches!(
            parse(&slash("/help", "vpn is down")),
            Ok(Command::Help { .. })
        ));
        assert!(parse(&slash("/incident", "severity P9")).is_err());
        assert!(parse(&slash("/weather", "")).is_err());
    }
}
