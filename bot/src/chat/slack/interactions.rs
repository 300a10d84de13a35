//! Buttons and modals: `block_actions` (Publish update, Edit, Assign me comms, Change stage,
//! Resolve, and the level-1 triage buttons) and `view_submission` (the declare form, the
//! edited update) become commands.

use std::sync::Arc;

use serde_json::{json, Value};
use tracing::{warn, Instrument};

use super::blocks::{self, INPUT_ACTION};
use super::reply::{within_budget, Ack, Budget, Reply, ReplyTo};
use super::{user_id, Adapter, PLATFORM};
use crate::commands::{Command, IncidentCommand, UserRef};
use crate::domain::{ClientId, Role, Severity, Stage, UserId};
use crate::engine::{EngineError, Request, Response};
use slack_morphism::blocks::{SlackBlockId, SlackView};
use slack_morphism::events::{
    SlackInteractionActionContainer, SlackInteractionBlockActionsEvent,
    SlackInteractionViewSubmissionEvent,
};
use slack_morphism::SlackActionId;

/// A modal's answer with errors shown next to the fields.
fn field_errors(errors: &[(&str, String)]) -> Ack {
    let errors: serde_json::Map<String, Value> = errors
        .iter()
        .map(|(block, message)| ((*block).to_owned(), json!(message)))
        .collect();
    Ack::Json(json!({"response_action": "errors", "errors": errors}))
}

impl Adapter {
    /// Handles one interaction payload and says what to acknowledge it with.
    pub(super) async fn interaction(self: &Arc<Self>, payload: Value) -> Ack {
        match payload.get("type").and_then(Value::as_str) {
            // Typed as slack-morphism reads it: a click without the fields Slack always sends
            // (team, app, trigger, container) is not one of Slack's, and is acknowledged unread.
            Some("block_actions") => {
                match serde_json::from_value::<SlackInteractionBlockActionsEvent>(payload) {
                    Ok(event) => self.block_action(&event).await,
                    Err(error) => {
                        warn!(%error, "malformed block_actions payload");
                        Ack::Empty
                    }
                }
            }
            // Likewise a submission without the view's id, team, hash and title.
            Some("view_submission") => {
                match serde_json::from_value::<SlackInteractionViewSubmissionEvent>(payload) {
                    Ok(event) => self.view_submission(&event).await,
                    Err(error) => {
                        warn!(%error, "malformed view_submission payload");
                        Ack::Empty
                    }
                }
            }
            _ => Ack::Empty,
        }
    }

    async fn request(&self, user: &str, room: Option<String>, command: Command) -> Request {
        Request {
            platform: PLATFORM,
            user: UserId::new(user),
            room,
            responder: self.is_responder(user, &command).await,
            command,
            resolve_user: user_id,
        }
    }

    async fn block_action(self: &Arc<Self>, event: &SlackInteractionBlockActionsEvent) -> Ack {
        let Some(user) = event.user.as_ref().map(|user| user.id.0.as_str()) else {
            return Ack::Empty;
        };
        let container_channel = match &event.container {
            SlackInteractionActionContainer::Message(message) => message.channel_id.as_ref(),
            _ => None,
        };
        let channel = event
            .channel
            .as_ref()
            .map(|channel| &channel.id)
            .or(container_channel)
            .map(|channel| channel.0.clone());
        let Some(action) = event.actions.as_ref().and_then(|actions| actions.first()) else {
            return Ack::Empty;
        };
        let action_id = action.action_id.0.as_str();
        let value = action.value.clone().unwrap_or_default();
        let reply_to = ReplyTo {
            response_url: event.response_url.as_ref().map(|url| url.0.to_string()),
            channel: channel.clone(),
            user: user.to_owned(),
        };
        let span = tracing::info_span!(
            "slack_action",
            action = action_id,
            channel = channel.as_deref().unwrap_or("-")
        );
        let command = match blocks::triage_button_of(action_id) {
            // Level-1 triage: the value carries the request id(s); the reply is the clicker's.
            Some(kind) => match kind.command(&value) {
                Some(triage) => Command::Triage(triage),
                None => {
                    let this = self.clone();
                    let problem = "That button no longer carries a request Command Post knows.";
                    tokio::spawn(async move {
                        this.send_reply(&reply_to, &Reply::private(problem)).await
                    });
                    return Ack::Empty;
                }
            },
            None => Command::Incident(match action_id {
                blocks::PUBLISH => IncidentCommand::Update { text: value },
                blocks::TAKE_COMMS => IncidentCommand::Assign {
                    role: Role::Comms,
                    user: UserRef(user.to_owned()),
                },
                blocks::RESOLVE => IncidentCommand::Resolve {
                    summary: None,
                    client_text: None,
                },
                blocks::STAGE => {
                    let picked = action
                        .selected_option
                        .as_ref()
                        .map_or("", |option| option.value.as_str());
                    match Stage::parse_settable(picked) {
                        Ok(stage) => IncidentCommand::Stage {
                            stage,
                            tell_client: false,
                        },
                        Err(error) => {
                            let this = self.clone();
                            tokio::spawn(async move {
                                this.send_reply(&reply_to, &Reply::private(error.to_string()))
                                    .await
                            });
                            return Ack::Empty;
                        }
                    }
                }
                blocks::EDIT => {
                    let trigger = event.trigger_id.0.as_str();
                    let Some(room) = &channel else {
                        return Ack::Empty;
                    };
                    let view = blocks::update_modal(&value, room);
                    if let Err(error) = self.api.open_view(trigger, view).instrument(span).await {
                        warn!(%error, "could not open the update editor");
                    }
                    return Ack::Empty;
                }
                _ => return Ack::Empty,
            }),
        };
        let this = self.clone();
        let user = user.to_owned();
        let work = async move {
            let request = this.request(&user, channel, command).await;
            let result = this.engine.handle(request).await;
            this.send_reply(&reply_to, &Reply::from_engine(&result))
                .await;
        };
        // Either way the reply goes out from the task; waiting a little keeps order for the person.
        let _ = within_budget(work.instrument(span)).await;
        Ack::Empty
    }

    async fn view_submission(self: &Arc<Self>, event: &SlackInteractionViewSubmissionEvent) -> Ack {
        let user = event.user.id.to_string();
        let SlackView::Modal(modal) = &event.view.view else {
            return Ack::Empty;
        };
        let values = event.view.state_params.state.as_ref().map(|s| &s.values);
        let input = |block: &str| {
            let field = values
                .and_then(|values| values.get(&SlackBlockId(block.to_owned())))
                .and_then(|block| block.get(&SlackActionId(INPUT_ACTION.to_owned())));
            field
                .and_then(|f| {
                    f.selected_option
                        .as_ref()
                        .map(|option| option.value.as_str())
                })
                .or_else(|| field.and_then(|f| f.value.as_deref()))
                .unwrap_or_default()
                .trim()
                .to_owned()
        };
        let channel = modal.private_metadata.clone().filter(|c| !c.is_empty());
        let (command, main_field) = match modal.callback_id.as_ref().map(|id| id.0.as_str()) {
            Some(blocks::DECLARE_MODAL) => {
                let severity = match input(blocks::SEVERITY_INPUT).parse::<Severity>() {
                    Ok(severity) => severity,
                    Err(error) => {
                        return field_errors(&[(blocks::SEVERITY_INPUT, error.to_string())])
                    }
                };
                let client = match ClientId::parse(&input(blocks::CLIENT_INPUT)) {
                    Ok(client) => client,
                    Err(error) => {
                        return field_errors(&[(blocks::CLIENT_INPUT, error.to_string())])
                    }
                };
                let title = input(blocks::TITLE_INPUT);
                if title.is_empty() {
                    return field_errors(&[(blocks::TITLE_INPUT, "say what is wrong".to_owned())]);
                }
                let command = IncidentCommand::Declare {
                    severity,
                    client,
                    title,
                };
                (command, blocks::TITLE_INPUT)
            }
            Some(blocks::UPDATE_MODAL) => {
                let text = input(blocks::TEXT_INPUT);
                (IncidentCommand::Update { text }, blocks::TEXT_INPUT)
            }
            _ => return Ack::Empty,
        };
        let span = tracing::info_span!(
            "slack_modal",
            command = command.name(),
            channel = channel.as_deref().unwrap_or("-")
        );
        let reply_to = ReplyTo {
            response_url: None,
            channel: channel.clone(),
            user: user.clone(),
        };
        let this = self.clone();
        let work = async move {
            let request = this
                .request(&user, channel, Command::Incident(command))
                .await;
            this.engine.handle(request).await
        }
        .instrument(span);
        match within_budget(work).await {
            Budget::Done(Err(error)) if error.is_user_error() => {
                let field = match error {
                    EngineError::UnknownClient { .. } => blocks::CLIENT_INPUT,
                    _ => main_field,
                };
                field_errors(&[(field, error.user_message())])
            }
            Budget::Done(result) => {
                self.reply_later(reply_to, result);
                Ack::Empty
            }
            Budget::Later(task) => {
                let this = self.clone();
                tokio::spawn(async move {
                    if let Ok(result) = task.await {
                        this.send_reply(&reply_to, &Reply::from_engine(&result))
                            .await;
                    }
                });
                Ack::Empty
            }
            Budget::Crashed => Ack::Empty,
        }
    }

    /// A modal closes on the acknowledgement; its outcome goes to where it was opened from.
    fn reply_later(self: &Arc<Self>, to: ReplyTo, result: Result<Response, EngineError>) {
        let this = self.clone();
        tokio::spawn(async move { this.send_reply(&to, &Reply::from_engine(&result)).await });
    }
}
