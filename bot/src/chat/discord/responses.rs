//! Answers to interactions as serenity's builders: the first answer, the edit of a deferred one
//! and a follow-up. Serialised for our own REST client (its rate limiter has its own reasons).

use serde_json::{json, Value};
use serenity::builder::{
    CreateAllowedMentions, CreateEmbed, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, EditInteractionResponse,
};

use super::components::action_rows;
use super::format::{shown, Shown};
use crate::effects::Action;

/// Only the people a message names are pinged, never roles or @everyone.
fn people_only() -> CreateAllowedMentions {
    CreateAllowedMentions::new().all_users(true)
}

fn serialised(builder: impl serde::Serialize) -> Value {
    serde_json::to_value(builder).expect("serenity's builders serialise to JSON")
}

/// Sets what every kind of answer carries: the text (content, or an embed when long), the
/// buttons when there are actions, and who may be pinged. One macro because serenity's three
/// builders have the same methods but no trait in common.
macro_rules! answer_with {
    ($builder:expr, $text:expr, $actions:expr) => {{
        let rows = action_rows($actions);
        let builder = $builder.allowed_mentions(people_only());
        let builder = if rows.is_empty() {
            builder
        } else {
            builder.components(rows)
        };
        match shown($text) {
            Shown::Content(content) => builder.content(content),
            Shown::Embed(description) => builder.embed(CreateEmbed::new().description(description)),
        }
    }};
}

/// The first answer: a message (private or to the room), with buttons when offered.
pub fn message(text: &str, ephemeral: bool, actions: &[Action]) -> Value {
    let message = answer_with!(CreateInteractionResponseMessage::new(), text, actions);
    serialised(CreateInteractionResponse::Message(
        message.ephemeral(ephemeral),
    ))
}

/// "Thinking…", private or not, to be edited once the work is done.
pub fn deferred(ephemeral: bool) -> Value {
    let message = CreateInteractionResponseMessage::new().ephemeral(ephemeral);
    serialised(CreateInteractionResponse::Defer(message))
}

/// A form (serenity's `CreateModal`, already serialised: steps carry it as JSON so they compare).
pub fn form(form: Value) -> Value {
    json!({ "type": 9, "data": form })
}

/// The answer to Discord's PING. (serenity's `Pong` adds `"data": null`; Discord documents
/// the answer as `{"type": 1}`, which is what it gets.)
pub fn pong() -> Value {
    json!({ "type": 1 })
}

/// The new content of a deferred answer.
pub fn edit(text: &str, actions: &[Action]) -> Value {
    serialised(answer_with!(EditInteractionResponse::new(), text, actions))
}

/// A follow-up message, when the answer's visibility differs from the deferral's.
pub fn follow_up(text: &str, ephemeral: bool, actions: &[Action]) -> Value {
    let message = answer_with!(CreateInteractionResponseFollowup::new(), text, actions);
    serialised(message.ephemeral(ephemeral))
}
