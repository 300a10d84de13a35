//! What the bot posts in Discord: the pinned brief (an embed with the stage menu and buttons
//! while the incident is open) and room messages (text, a draft to publish, buttons).

use serde_json::{json, Value};
use serenity::builder::{CreateAllowedMentions, CreateEmbed};

use super::components::{draft_embed, rows};
use super::format::{discord_text, message_body, truncate, MAX_DESCRIPTION, MAX_TITLE};
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
pub fn brief_message(incident: &Incident, text: &str) -> Value {
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
    json!({
        "content": "",
        "embeds": [embed],
        "components": if open { rows(&BRIEF_ACTIONS) } else { Vec::new() },
        // Nobody is pinged by the brief, whoever it names.
        "allowed_mentions": CreateAllowedMentions::new(),
    })
}

/// A room message: the text, a draft to publish and buttons when it offers actions.
pub(super) fn room_message(text: &str, actions: &[Action]) -> Value {
    let mut body = message_body(text);
    if let Some(draft) = draft_embed(actions) {
        let mut embeds = body
            .get("embeds")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        embeds.push(draft);
        body["embeds"] = Value::Array(embeds);
    }
    let rows = rows(actions);
    if !rows.is_empty() {
        body["components"] = Value::Array(rows);
    }
    body
}
