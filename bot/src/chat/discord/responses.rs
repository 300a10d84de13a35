//! Answers to interactions as serenity's builders: the first answer, the edit of a deferred one
//! and a follow-up. Serialised for our own REST client (its rate limiter has its own reasons).

use serde_json::{json, Value};
use serenity::builder::{
    CreateInteractionResponse, CreateInteractionResponseFollowup, CreateInteractionResponseMessage,
    EditInteractionResponse,
};

use super::format::{carrying, people_only, serialised};
use crate::effects::Action;

/// The first answer: a message (private or to the room), with buttons when offered.
pub fn message(text: &str, ephemeral: bool, actions: &[Action]) -> Value {
    let message = carrying(
        CreateInteractionResponseMessage::new(),
        text,
        actions,
        people_only(),
    );
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
    serialised(carrying(
        EditInteractionResponse::new(),
        text,
        actions,
        people_only(),
    ))
}

/// A follow-up message, when the answer's visibility differs from the deferral's.
pub fn follow_up(text: &str, ephemeral: bool, actions: &[Action]) -> Value {
    let message = carrying(
        CreateInteractionResponseFollowup::new(),
        text,
        actions,
        people_only(),
    );
    serialised(message.ephemeral(ephemeral))
}
