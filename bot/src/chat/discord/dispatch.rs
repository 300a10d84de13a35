//! One interaction, typed as serenity reads it: deduplicated by its id, read into who asked,
//! where and what, and run through the engine; the outcome says what to answer.

use std::sync::Arc;

use serenity::all::{ChannelId, GuildId, Interaction, RoleId, User};
use tracing::warn;

use super::components::{self, Step};
use super::interactions::Outcome;
use super::{slash, user_id, Inbound, PLATFORM};
use crate::commands::{Command, ParseError, UserRef};
use crate::engine::{EngineError, Request, Visibility};

/// Who acted, in which channel, whether they may command, and what they asked for.
struct Asked {
    user: String,
    room: String,
    responder: bool,
    step: Result<Step, ParseError>,
}

/// `None` for the kinds Command Post does not handle (autocomplete).
fn asked(inbound: &Inbound, interaction: &Interaction) -> Option<Asked> {
    let person = |user: &User, channel: ChannelId, guild: Option<GuildId>, roles: &[RoleId]| {
        (
            user.id.to_string(),
            channel.to_string(),
            inbound.is_responder(guild, roles),
        )
    };
    let ((user, room, responder), step) = match interaction {
        Interaction::Command(command) => {
            let roles = command.member.as_ref().map(|m| m.roles.as_slice());
            (
                person(
                    &command.user,
                    command.channel_id,
                    command.guild_id,
                    roles.unwrap_or_default(),
                ),
                slash::command(&command.data).map(Step::Run),
            )
        }
        Interaction::Component(click) => {
            let roles = click.member.as_ref().map(|m| m.roles.as_slice());
            let clicker = click.user.id.to_string();
            (
                person(
                    &click.user,
                    click.channel_id,
                    click.guild_id,
                    roles.unwrap_or_default(),
                ),
                components::from_component(&click.data, &click.message, &clicker),
            )
        }
        Interaction::Modal(form) => {
            let roles = form.member.as_ref().map(|m| m.roles.as_slice());
            (
                person(
                    &form.user,
                    form.channel_id,
                    form.guild_id,
                    roles.unwrap_or_default(),
                ),
                components::from_modal(&form.data).map(Step::Run),
            )
        }
        _ => return None,
    };
    Some(Asked {
        user,
        room,
        responder,
        step,
    })
}

/// Dedupes, translates and runs one interaction.
pub(super) async fn outcome(inbound: Arc<Inbound>, interaction: Interaction) -> Outcome {
    let engine = &inbound.engine;
    let id = interaction.id().to_string();
    match engine
        .store()
        .first_sighting(PLATFORM, &id, engine.clock().now())
        .await
    {
        Ok(false) => return Outcome::Duplicate,
        Ok(true) => {}
        Err(error) => warn!(%error, "could not record the interaction id; handling it anyway"),
    }
    let Some(asked) = asked(&inbound, &interaction) else {
        return Outcome::Message {
            text: format!(
                "Command Post does not handle interactions of type {}.",
                u8::from(interaction.kind())
            ),
            ephemeral: true,
        };
    };
    let Asked {
        user,
        room,
        responder,
        step,
    } = asked;
    let command = match step {
        Ok(Step::Run(command)) => command,
        Ok(Step::Form(form)) => {
            return Outcome::Form {
                form,
                instead: "That opens a form, but it took too long to show; click again.".into(),
            }
        }
        Err(error) => {
            return Outcome::Message {
                text: EngineError::Parse(error).user_message(),
                ephemeral: true,
            }
        }
    };
    let outcome = run(&inbound, &user, Some(room), command, responder).await;
    match outcome {
        // A form cannot answer a form.
        Outcome::Form { instead, .. } if matches!(interaction, Interaction::Modal(_)) => {
            Outcome::Message {
                text: instead,
                ephemeral: true,
            }
        }
        other => other,
    }
}

async fn run(
    inbound: &Inbound,
    user: &str,
    room: Option<String>,
    command: Command,
    responder: bool,
) -> Outcome {
    let request = Request {
        platform: PLATFORM,
        user: user_id(&UserRef(user.to_owned())),
        room,
        command,
        resolve_user: user_id,
        responder,
    };
    match inbound.engine.handle(request).await {
        Ok(response) if response.wants_declare_form => Outcome::Form {
            form: components::declare_form(),
            instead: response.text,
        },
        Ok(response) if !response.actions.is_empty() => Outcome::Offer {
            text: response.text,
            actions: response.actions,
        },
        Ok(response) => Outcome::Message {
            text: response.text,
            ephemeral: response.visibility == Visibility::Private,
        },
        Err(error) => Outcome::Message {
            text: error.user_message(),
            ephemeral: true,
        },
    }
}
