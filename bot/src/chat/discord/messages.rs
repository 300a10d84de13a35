//! What the bot posts in Discord: the pinned brief (an embed with the stage menu and buttons
//! while the incident is open) and room messages (text, a draft to publish, buttons).

use serde_json::Value;
use serenity::builder::{CreateAllowedMentions, CreateEmbed, CreateMessage, EditMessage};

use super::components::{action_rows, draft_embed};
use super::format::{
    carrying, discord_text, people_only, serialised, truncate, Carries, MAX_DESCRIPTION, MAX_TITLE,
};
use crate::domain::{Incident, Severity};
use crate::effects::Action;

/// The buttons a live brief carries.
const BRIEF_ACTIONS: [Action; 3] = [Action::TakeComms, Action::ChangeStage, Action::Resolve];

fn colour(severity: Severity) -> u32 {
    match severity {
        Severity::P1 => 0xE74C3C,
        Severity::P2 => 0xE67E22,
        Severity::P3 => 0xF1C40F,
        Severity::P4 => 0x3498DB,
    }
}

/// The pinned brief: an embed with the rendered brief, and buttons while the incident is open.
/// Nobody is pinged by the brief, whoever it names. `B` is a new message or an edit of it.
fn brief<B: Carries>(builder: B, incident: &Incident, text: &str) -> B {
    let title = format!(
        "{} · {} · {}",
        incident.id, incident.severity, incident.title
    );
    let open = incident.resolved_at.is_none();
    let embed = CreateEmbed::new()
        .title(truncate(&title, MAX_TITLE))
        .description(truncate(&discord_text(text), MAX_DESCRIPTION))
        .colour(if open {
            colour(incident.severity)
        } else {
            0x2ECC71
        });
    let actions: &[Action] = if open { &BRIEF_ACTIONS } else { &[] };
    let rows = action_rows(actions);
    builder
        .with_content(String::new())
        .with_embed(embed)
        .with_rows(rows)
        .with_mentions(CreateAllowedMentions::new())
}

/// The brief as a new message.
pub fn brief_message(incident: &Incident, text: &str) -> Value {
    serialised(brief(CreateMessage::new(), incident, text))
}

/// The brief as an edit of the pinned one (the buttons go when the incident is resolved).
pub fn brief_edit(incident: &Incident, text: &str) -> Value {
    serialised(brief(EditMessage::new(), incident, text))
}

/// A room message: the text, a draft to publish and buttons when it offers actions.
pub(super) fn room_message(text: &str, actions: &[Action]) -> Value {
    let message = carrying(CreateMessage::new(), text, actions, people_only());
    match draft_embed(actions) {
        Some(draft) => serialised(message.add_embed(draft)),
        None => serialised(message),
    }
}
