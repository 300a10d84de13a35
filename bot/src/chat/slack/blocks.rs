//! Block Kit: messages with buttons (brief, status, nudge) and the modals (declare, edit the
//! drafted update). Written as JSON, read into slack-morphism's types, so a test sees exactly
//! what Slack receives.

use serde_json::{json, Value};
use slack_morphism::prelude::{SlackBlock, SlackView};

use crate::chat::buttons::{self, Button};
use crate::config::Config;
use crate::domain::{Incident, Severity};
use crate::effects::Action;

/// `action_id`s of the buttons and the stage menu.
pub const PUBLISH: &str = "cp_publish";
pub const EDIT: &str = "cp_edit";
pub const TAKE_COMMS: &str = "cp_take_comms";
pub const STAGE: &str = "cp_stage";
pub const RESOLVE: &str = "cp_resolve";

/// `callback_id`s of the modals.
pub const DECLARE_MODAL: &str = "cp_declare";
pub const UPDATE_MODAL: &str = "cp_update";

/// Block and action ids of the modals' inputs.
pub const SEVERITY_INPUT: &str = "severity";
pub const CLIENT_INPUT: &str = "client";
pub const TITLE_INPUT: &str = "title";
pub const TEXT_INPUT: &str = "text";
pub const INPUT_ACTION: &str = "value";

/// Slack's limits: a section's text, a button's value.
const SECTION_MAX: usize = 3000;
const VALUE_MAX: usize = 2000;

/// The stages a person may pick from the menu.
const STAGES: [&str; 3] = ["investigating", "identified", "monitoring"];

/// The buttons a brief (or status) offers while the incident is open.
pub fn brief_actions(incident: &Incident) -> Vec<Action> {
    if incident.is_resolved() {
        return Vec::new();
    }
    let mut actions = Vec::new();
    if incident.roles.comms.is_none() {
        actions.push(Action::TakeComms);
    }
    actions.extend([Action::ChangeStage, Action::Resolve]);
    actions
}

/// The text as sections, followed by one actions block for `actions`; `None` without actions
/// (a plain `text` message renders the same).
pub fn message(text: &str, actions: &[Action]) -> Option<Vec<SlackBlock>> {
    let elements: Vec<Value> = actions.iter().flat_map(elements).collect();
    if elements.is_empty() {
        return None;
    }
    let mut blocks: Vec<Value> = sections(text)
        .into_iter()
        .map(|chunk| json!({"type": "section", "text": {"type": "mrkdwn", "text": chunk}}))
        .collect();
    blocks.push(json!({"type": "actions", "block_id": "cp_actions", "elements": elements}));
    typed(blocks)
}

fn elements(action: &Action) -> Vec<Value> {
    match action {
        Action::PublishDraft { text } if text.chars().count() <= VALUE_MAX => vec![
            json!({"type": "button", "action_id": PUBLISH, "style": "primary",
                   "text": {"type": "plain_text", "text": "Publish update"}, "value": text}),
            json!({"type": "button", "action_id": EDIT,
                   "text": {"type": "plain_text", "text": "Edit"}, "value": text}),
        ],
        // Too long for a button: the text above still shows it, `/incident update` sends it.
        Action::PublishDraft { .. } => Vec::new(),
        Action::TakeComms => vec![json!({"type": "button", "action_id": TAKE_COMMS,
            "text": {"type": "plain_text", "text": "Assign me comms"}})],
        Action::ChangeStage => vec![json!({"type": "static_select", "action_id": STAGE,
            "placeholder": {"type": "plain_text", "text": "Change stage"},
            "options": STAGES.iter().map(|stage| option(stage, stage)).collect::<Vec<_>>()})],
        Action::Resolve => vec![
            json!({"type": "button", "action_id": RESOLVE, "style": "danger",
            "text": {"type": "plain_text", "text": "Resolve"},
            "confirm": {
                "title": {"type": "plain_text", "text": "Resolve the incident?"},
                "text": {"type": "mrkdwn", "text": "The room and the on-call channel are told it is over."},
                "confirm": {"type": "plain_text", "text": "Resolve"},
                "deny": {"type": "plain_text", "text": "Cancel"}
            }}),
        ],
        Action::Solved { .. }
        | Action::StillNeedHelp { .. }
        | Action::TakeTicket { .. }
        | Action::DeclareFromBurst { .. }
        | Action::DeclareFromAlert { .. } => triage_button(action).into_iter().collect(),
    }
}

/// A level-1 triage button: `action_id` `cp_<name>`, the request id(s) as its value.
fn triage_button(action: &Action) -> Option<Value> {
    let (kind, value) = buttons::button(action, VALUE_MAX)?;
    let mut button = json!({"type": "button", "action_id": triage_action_id(kind),
        "text": {"type": "plain_text", "text": kind.label()}, "value": value});
    match kind {
        Button::Solved | Button::Take => button["style"] = json!("primary"),
        Button::StillNeedHelp => {}
        Button::Declare | Button::DeclareAlert => {
            button["style"] = json!("danger");
            button["confirm"] = json!({
                "title": {"type": "plain_text", "text": "Declare a P1?"},
                "text": {"type": "mrkdwn", "text": "An incident room opens and these requests are linked to it."},
                "confirm": {"type": "plain_text", "text": "Declare P1"},
                "deny": {"type": "plain_text", "text": "Cancel"}
            });
        }
    }
    Some(button)
}

/// `cp_solved`, `cp_take_ticket`, …
pub fn triage_action_id(kind: Button) -> String {
    format!("cp_{}", kind.name())
}

/// The triage button an `action_id` names, if it is one.
pub fn triage_button_of(action_id: &str) -> Option<Button> {
    Button::from_name(action_id.strip_prefix("cp_")?)
}

fn option(label: &str, value: &str) -> Value {
    json!({"text": {"type": "plain_text", "text": label}, "value": value})
}

/// Splits text into section-sized chunks at line ends where it can.
fn sections(text: &str) -> Vec<String> {
    let mut chunks: Vec<String> = Vec::new();
    let mut current = String::new();
    for line in text.lines() {
        let mut line: Vec<char> = line.chars().collect();
        loop {
            let used = current.chars().count();
            let needed = line.len() + usize::from(used > 0);
            if used + needed <= SECTION_MAX {
                if used > 0 {
                    current.push('\n');
                }
                current.extend(line.iter());
                break;
            }
            if used > 0 {
                chunks.push(std::mem::take(&mut current));
                continue;
            }
            current.extend(line.drain(..SECTION_MAX));
            chunks.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() || chunks.is_empty() {
        chunks.push(if current.is_empty() {
            " ".to_owned()
        } else {
            current
        });
    }
    chunks
}

/// The declare form: severity, client and title. `channel` comes back in `private_metadata`
/// so the reply reaches the person where they typed `/incident declare`.
pub fn declare_modal(config: &Config, channel: &str) -> Result<SlackView, serde_json::Error> {
    let severities: Vec<Value> = [Severity::P1, Severity::P2, Severity::P3, Severity::P4]
        .iter()
        .map(|s| option(s.as_str(), s.as_str()))
        .collect();
    let clients: Vec<Value> = config
        .clients
        .iter()
        .take(100)
        .map(|c| option(&truncate(&c.name, 75), c.id.as_str()))
        .collect();
    serde_json::from_value(json!({
        "type": "modal",
        "callback_id": DECLARE_MODAL,
        "private_metadata": channel,
        "title": {"type": "plain_text", "text": "Declare an incident"},
        "submit": {"type": "plain_text", "text": "Declare"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": SEVERITY_INPUT,
             "label": {"type": "plain_text", "text": "Severity"},
             "element": {"type": "static_select", "action_id": INPUT_ACTION,
                         "placeholder": {"type": "plain_text", "text": "P1 … P4"},
                         "options": severities}},
            {"type": "input", "block_id": CLIENT_INPUT,
             "label": {"type": "plain_text", "text": "Client"},
             "element": {"type": "static_select", "action_id": INPUT_ACTION,
                         "placeholder": {"type": "plain_text", "text": "Who is affected"},
                         "options": clients}},
            {"type": "input", "block_id": TITLE_INPUT,
             "label": {"type": "plain_text", "text": "Title"},
             "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "max_length": 150,
                         "placeholder": {"type": "plain_text", "text": "Email is down for everyone"}}}
        ]
    }))
}

/// The nudge's Edit: the drafted client update in a text box, published on submit in `room`.
pub fn update_modal(draft: &str, room: &str) -> Result<SlackView, serde_json::Error> {
    serde_json::from_value(json!({
        "type": "modal",
        "callback_id": UPDATE_MODAL,
        "private_metadata": room,
        "title": {"type": "plain_text", "text": "Client update"},
        "submit": {"type": "plain_text", "text": "Publish"},
        "close": {"type": "plain_text", "text": "Cancel"},
        "blocks": [
            {"type": "input", "block_id": TEXT_INPUT,
             "label": {"type": "plain_text", "text": "What the client reads"},
             "element": {"type": "plain_text_input", "action_id": INPUT_ACTION, "multiline": true,
                         "max_length": 3000, "initial_value": draft}}
        ]
    }))
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

fn typed(blocks: Vec<Value>) -> Option<Vec<SlackBlock>> {
    match serde_json::from_value(Value::Array(blocks)) {
        Ok(blocks) => Some(blocks),
        Err(error) => {
            tracing::warn!(%error, "Block Kit blocks did not build; sending text only");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nudge_carries_publish_and_edit_with_the_draft() {
        let blocks = message(
            "⏰ due soon",
            &[Action::PublishDraft {
                text: "We are investigating.".into(),
            }],
        )
        .expect("blocks");
        let json = serde_json::to_value(&blocks).unwrap();
        assert_eq!(
            json,
            json!([
                {"type": "section", "text": {"type": "mrkdwn", "text": "⏰ due soon"}},
                {"type": "actions", "block_id": "cp_actions", "elements": [
                    {"type": "button", "action_id": "cp_publish", "style": "primary",
                     "text": {"type": "plain_text", "text": "Publish update"}, "value": "We are investigating."},
                    {"type": "button", "action_id": "cp_edit",
                     "text": {"type": "plain_text", "text": "Edit"}, "value": "We are investigating."}
                ]}
            ])
        );
    }

    #[test]
    fn brief_buttons_and_long_text() {
        let text = "x".repeat(4000) + "\nlast line";
        let blocks = message(
            &text,
            &[Action::TakeComms, Action::ChangeStage, Action::Resolve],
        )
        .unwrap();
        let json = serde_json::to_value(&blocks).unwrap();
        let sections: Vec<&Value> = json
            .as_array()
            .unwrap()
            .iter()
            .filter(|b| b["type"] == "section")
            .collect();
        assert!(sections
            .iter()
            .all(|s| s["text"]["text"].as_str().unwrap().chars().count() <= 3000));
        assert_eq!(sections.len(), 2);
        let actions = &json.as_array().unwrap().last().unwrap()["elements"];
        assert_eq!(actions[0]["action_id"], TAKE_COMMS);
        assert_eq!(actions[1]["type"], "static_select");
        assert_eq!(actions[1]["options"].as_array().unwrap().len(), 3);
        assert_eq!(actions[2]["action_id"], RESOLVE);
        assert!(message("plain", &[]).is_none());
    }

    #[test]
    fn triage_actions_are_buttons_that_read_back() {
        let client = crate::domain::ClientId::parse("acme").unwrap();
        let actions = [
            Action::Solved { request: 3 },
            Action::StillNeedHelp { request: 3 },
            Action::DeclareFromBurst {
                client,
                requests: vec![3, 4, 5, 9],
            },
        ];
        let json = serde_json::to_value(message("Did one solve it?", &actions).unwrap()).unwrap();
        let buttons = json[1]["elements"].as_array().unwrap();
        let ids: Vec<&str> = buttons
            .iter()
            .map(|b| b["action_id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["cp_solved", "cp_still_need_help", "cp_declare_burst"]);
        assert_eq!(buttons[0]["text"]["text"], "This solved it");
        assert_eq!(buttons[2]["value"], "acme:3-5,9");
        let kind = triage_button_of(ids[2]).unwrap();
        assert!(kind.command("acme:3-5,9").is_some());
        assert!(triage_button_of(PUBLISH).is_none());
    }

    #[test]
    fn modals_build() {
        let config = Config::from_toml(
            "[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\npublic_status = true\n",
            "test",
            Vec::new(),
        )
        .unwrap();
        let declare = serde_json::to_value(declare_modal(&config, "C1").unwrap()).unwrap();
        assert_eq!(declare["callback_id"], DECLARE_MODAL);
        assert_eq!(declare["private_metadata"], "C1");
        assert_eq!(
            declare["blocks"][1]["element"]["options"][0]["value"],
            "acme"
        );
        let edit = serde_json::to_value(update_modal("draft", "C2").unwrap()).unwrap();
        assert_eq!(edit["blocks"][0]["element"]["initial_value"], "draft");
    }
}
