//! Level-1 triage on Discord: the four buttons (custom id `cp:<name>:<request id(s)>`, within
//! Discord's 100 characters), clicks read back into commands, the posts about no incident
//! (tickets and burst alerts on call, hand-over notes in a support channel), and the answer to
//! a plain message in a client's support channel: a reply referencing it, since Discord has no
//! ephemeral plain messages.

use std::time::Duration;

use serenity::builder::{CreateAllowedMentions, CreateMessage};
use serenity::http::{LightMethod, Route};
use serenity::model::channel::MessageReference;
use serenity::model::id::{ChannelId, MessageId};
use tracing::{debug, warn};

use super::components::Step;
use super::format::{carrying, message_body, serialised};
use super::outbound::DiscordPlatform;
use super::{snowflake, user_id, Inbound, PLATFORM};
use crate::chat::buttons::{self, Button};
use crate::chat::DeliveryError;
use crate::commands::{self, Command, ParseError};
use crate::domain::UserId;
use crate::effects::{Action, Destination, OutboxItem, Receipt};
use crate::engine::Request;
use serenity::builder::CreateButton;
use serenity::model::application::ButtonStyle;

const PREFIX: &str = "cp:";
/// Discord's limit on a component's custom id.
const MAX_CUSTOM_ID: usize = 100;
/// How long a support-channel reply may wait out a rate limit.
const REPLY_PATIENCE: Duration = Duration::from_secs(10);

/// The button for a triage action. A Declare P1 for a burst too large to name in 100 characters
/// carries (and links) its oldest requests only.
pub(super) fn button(action: &Action) -> Option<CreateButton> {
    let room = MAX_CUSTOM_ID - PREFIX.len() - Button::Declare.name().len() - 1;
    let (kind, payload) = buttons::button(action, room)?;
    let style = match kind {
        Button::Solved => ButtonStyle::Success,
        Button::StillNeedHelp => ButtonStyle::Secondary,
        Button::Take => ButtonStyle::Primary,
        Button::Declare | Button::DeclareAlert => ButtonStyle::Danger,
    };
    let custom_id = format!("{PREFIX}{}:{payload}", kind.name());
    Some(
        CreateButton::new(custom_id)
            .style(style)
            .label(kind.label()),
    )
}

/// What a click on a triage button means: `None` when the custom id is not one, an error when it
/// is one the bot never wrote.
pub(super) fn click(custom_id: &str) -> Option<Result<Step, ParseError>> {
    let (name, payload) = custom_id.strip_prefix(PREFIX)?.split_once(':')?;
    let kind = Button::from_name(name)?;
    Some(
        kind.command(payload)
            .map(|command| Step::Run(Command::Triage(command)))
            .ok_or_else(|| ParseError {
                problem: "that button no longer names a triage request".into(),
                usage: commands::usage_of("/help"),
            }),
    )
}

/// Delivers a triage post: to `oncall` (tickets with Take it, burst alerts with Declare P1) or to
/// a client's support channel (who took the request, mentioning the asker).
pub(super) async fn deliver(
    platform: &DiscordPlatform,
    oncall: &str,
    item: &OutboxItem,
) -> Result<Receipt, DeliveryError> {
    let channel = match &item.delivery.destination {
        Destination::OnCall { .. } => oncall,
        Destination::SupportChannel { channel, .. } => channel,
        other => {
            return Err(DeliveryError::permanent(format!(
                "Discord cannot deliver to {} without an incident",
                other.label()
            )))
        }
    };
    let message = &item.delivery.message;
    let body = message_body(&message.text, &message.actions);
    let id = platform.post("post triage", channel, &body).await?;
    Ok(Receipt { id, room: None })
}

/// A person's message in a client's support channel (from the gateway): triaged like `/help`
/// with its text, and answered with a reply to it carrying the suggestions' buttons. A message
/// seen before (a replay after a resume) is not answered twice.
pub(super) async fn answer_support_message(
    inbound: &Inbound,
    channel: &str,
    message_id: &str,
    author: &UserId,
    text: &str,
) {
    let engine = &inbound.engine;
    let question = text.trim();
    let (Some(channel_id), Some(replied_to)) = (snowflake(channel), snowflake(message_id)) else {
        return;
    };
    if question.is_empty() {
        return;
    }
    let seen = format!("message:{message_id}");
    match engine
        .store()
        .first_sighting(PLATFORM, &seen, engine.clock().now())
        .await
    {
        Ok(false) => return debug!(message_id, "support message already answered"),
        Ok(true) => {}
        Err(error) => warn!(%error, "could not record the support message; answering anyway"),
    }
    let result = engine
        .handle(Request {
            platform: PLATFORM,
            user: author.clone(),
            room: Some(channel.to_owned()),
            command: Command::Help {
                question: question.to_owned(),
            },
            resolve_user: user_id,
            responder: false,
        })
        .await;
    let (text, actions) = match &result {
        Ok(response) => (response.text.clone(), response.actions.clone()),
        Err(error) => (error.user_message(), Vec::new()),
    };
    // A reply to the question; it still goes out if the question was deleted meanwhile. Only
    // the asker is pinged, by the reply itself.
    let mut reference =
        MessageReference::from((ChannelId::new(channel_id), MessageId::new(replied_to)));
    reference.fail_if_not_exists = Some(false);
    let replying = CreateAllowedMentions::new().replied_user(true);
    let body = serialised(
        carrying(CreateMessage::new(), &text, &actions, replying).reference_message(reference),
    );
    let route = || Route::ChannelMessages {
        channel_id: ChannelId::new(channel_id),
    };
    let posted = inbound
        .rest
        .call_patiently(
            "reply in support channel",
            route,
            LightMethod::Post,
            Some(&body),
            REPLY_PATIENCE,
        )
        .await;
    if let Err(error) = posted {
        warn!(%error, channel, "could not answer the support message");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::commands::TriageCommand;
    use crate::domain::ClientId;

    #[test]
    fn triage_buttons_round_trip_within_discord_limits() {
        let actions = [
            Action::Solved { request: 7 },
            Action::StillNeedHelp { request: 7 },
        ];
        let body = message_body("Did one of these solve it?", &actions);
        let buttons = body["components"][0]["components"].as_array().unwrap();
        assert_eq!(buttons[0]["custom_id"], "cp:solved:7");
        assert_eq!(buttons[1]["label"], "I still need help");
        assert_eq!(
            click("cp:still_need_help:7"),
            Some(Ok(Step::Run(Command::Triage(
                TriageCommand::StillNeedHelp { request: 7 }
            ))))
        );
        assert!(click("cp:publish").is_none());
        assert!(matches!(click("cp:take_ticket:x"), Some(Err(_))));

        let client = ClientId::parse(&"c".repeat(40)).unwrap();
        let requests: Vec<i64> = (0..60).map(|n| 100_000 + n * 3).collect();
        let declare = button(&Action::DeclareFromBurst {
            client: client.clone(),
            requests: requests.clone(),
        })
        .unwrap();
        let declare = serde_json::to_value(declare).unwrap();
        let custom_id = declare["custom_id"].as_str().unwrap();
        assert!(custom_id.len() <= MAX_CUSTOM_ID, "{custom_id}");
        let Some(Ok(Step::Run(Command::Triage(TriageCommand::DeclareFromBurst {
            client: read,
            requests: linked,
        })))) = click(custom_id)
        else {
            panic!("{custom_id}");
        };
        assert_eq!(read, client);
        assert!(
            !linked.is_empty() && requests.starts_with(&linked),
            "{linked:?}"
        );
    }
}
