//! Block Kit: messages with buttons (brief, status, nudge) and the modals (declare, edit the
//! drafted update), built with slack-morphism's block types.

use slack_morphism::prelude::{
    SlackActionBlockElement, SlackActionId, SlackActionsBlock, SlackBlock, SlackBlockButtonElement,
    SlackBlockButtonStyle, SlackBlockChoiceItem, SlackBlockConfirmItem, SlackBlockId,
    SlackBlockMarkDownText, SlackBlockPlainTextInputElement, SlackBlockPlainTextOnly,
    SlackBlockStaticSelectElement, SlackCallbackId, SlackInputBlock, SlackInputBlockElement,
    SlackModalView, SlackSectionBlock, SlackView,
};

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
    let elements: Vec<SlackActionBlockElement> = actions.iter().flat_map(elements).collect();
    if elements.is_empty() {
        return None;
    }
    let mut blocks: Vec<SlackBlock> = sections(text)
        .into_iter()
        .map(|chunk| {
            SlackSectionBlock::new()
                .with_text(SlackBlockMarkDownText::new(chunk).into())
                .into()
        })
        .collect();
    blocks.push(
        SlackActionsBlock::new(elements)
            .with_block_id(SlackBlockId("cp_actions".into()))
            .into(),
    );
    Some(blocks)
}

fn button(action_id: &str, label: &str) -> SlackBlockButtonElement {
    SlackBlockButtonElement::new(label.into()).with_action_id(SlackActionId(action_id.into()))
}

/// A confirmation dialog before a button acts.
fn confirm(title: &str, text: &str, yes: &str) -> SlackBlockConfirmItem {
    SlackBlockConfirmItem::new(
        title.into(),
        SlackBlockMarkDownText::from(text).into(),
        yes.into(),
        "Cancel".into(),
    )
}

fn elements(action: &Action) -> Vec<SlackActionBlockElement> {
    let button = |element: SlackBlockButtonElement| SlackActionBlockElement::Button(element);
    match action {
        Action::PublishDraft { text } if text.chars().count() <= VALUE_MAX => vec![
            button(
                self::button(PUBLISH, "Publish update")
                    .with_style(SlackBlockButtonStyle::Primary)
                    .with_value(text.clone()),
            ),
            button(self::button(EDIT, "Edit").with_value(text.clone())),
        ],
        // Too long for a button: the text above still shows it, `/incident update` sends it.
        Action::PublishDraft { .. } => Vec::new(),
        Action::TakeComms => vec![button(self::button(TAKE_COMMS, "Assign me comms"))],
        Action::ChangeStage => vec![SlackActionBlockElement::StaticSelect(
            SlackBlockStaticSelectElement::new()
                .with_action_id(SlackActionId(STAGE.into()))
                .with_placeholder("Change stage".into())
                .with_options(STAGES.iter().map(|stage| option(stage, stage)).collect()),
        )],
        Action::Resolve => vec![button(
            self::button(RESOLVE, "Resolve")
                .with_style(SlackBlockButtonStyle::Danger)
                .with_confirm(confirm(
                    "Resolve the incident?",
                    "The room and the on-call channel are told it is over.",
                    "Resolve",
                )),
        )],
        Action::Solved { .. }
        | Action::StillNeedHelp { .. }
        | Action::TakeTicket { .. }
        | Action::DeclareFromBurst { .. }
        | Action::DeclareFromAlert { .. } => {
            triage_button(action).map(button).into_iter().collect()
        }
    }
}

/// A level-1 triage button: `action_id` `cp_<name>`, the request id(s) as its value.
fn triage_button(action: &Action) -> Option<SlackBlockButtonElement> {
    let (kind, value) = buttons::button(action, VALUE_MAX)?;
    let button = button(&triage_action_id(kind), kind.label()).with_value(value);
    Some(match kind {
        Button::Solved | Button::Take => button.with_style(SlackBlockButtonStyle::Primary),
        Button::StillNeedHelp => button,
        Button::Declare | Button::DeclareAlert => button
            .with_style(SlackBlockButtonStyle::Danger)
            .with_confirm(confirm(
                "Declare a P1?",
                "An incident room opens and these requests are linked to it.",
                "Declare P1",
            )),
    })
}

/// `cp_solved`, `cp_take_ticket`, …
pub fn triage_action_id(kind: Button) -> String {
    format!("cp_{}", kind.name())
}

/// The triage button an `action_id` names, if it is one.
pub fn triage_button_of(action_id: &str) -> Option<Button> {
    Button::from_name(action_id.strip_prefix("cp_")?)
}

fn option(label: &str, value: &str) -> SlackBlockChoiceItem<SlackBlockPlainTextOnly> {
    SlackBlockChoiceItem::new(label.into(), value.to_owned())
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

fn input(block_id: &str, label: &str, element: SlackInputBlockElement) -> SlackBlock {
    SlackInputBlock::new(label.into(), element)
        .with_block_id(SlackBlockId(block_id.into()))
        .into()
}

fn choose(
    placeholder: &str,
    options: Vec<SlackBlockChoiceItem<SlackBlockPlainTextOnly>>,
) -> SlackInputBlockElement {
    SlackInputBlockElement::StaticSelect(
        SlackBlockStaticSelectElement::new()
            .with_action_id(SlackActionId(INPUT_ACTION.into()))
            .with_placeholder(placeholder.into())
            .with_options(options),
    )
}

fn text_box() -> SlackBlockPlainTextInputElement {
    SlackBlockPlainTextInputElement::new().with_action_id(SlackActionId(INPUT_ACTION.into()))
}

/// A modal that submits as `callback_id` and carries `metadata` back.
fn modal(
    title: &str,
    submit: &str,
    callback_id: &str,
    metadata: &str,
    blocks: Vec<SlackBlock>,
) -> SlackView {
    SlackView::Modal(
        SlackModalView::new(title.into(), blocks)
            .with_submit(submit.into())
            .with_close("Cancel".into())
            .with_callback_id(SlackCallbackId(callback_id.into()))
            .with_private_metadata(metadata.to_owned()),
    )
}

/// The declare form: severity, client and title. `channel` comes back in `private_metadata`
/// so the reply reaches the person where they typed `/incident declare`.
pub fn declare_modal(config: &Config, channel: &str) -> SlackView {
    let severities = [Severity::P1, Severity::P2, Severity::P3, Severity::P4]
        .iter()
        .map(|s| option(s.as_str(), s.as_str()))
        .collect();
    let clients = config
        .clients
        .iter()
        .take(100)
        .map(|c| option(&truncate(&c.name, 75), c.id.as_str()))
        .collect();
    let title = text_box()
        .with_max_length(150)
        .with_placeholder("Email is down for everyone".into());
    let blocks = vec![
        input(SEVERITY_INPUT, "Severity", choose("P1 … P4", severities)),
        input(CLIENT_INPUT, "Client", choose("Who is affected", clients)),
        input(
            TITLE_INPUT,
            "Title",
            SlackInputBlockElement::PlainTextInput(title),
        ),
    ];
    modal(
        "Declare an incident",
        "Declare",
        DECLARE_MODAL,
        channel,
        blocks,
    )
}

/// The nudge's Edit: the drafted client update in a text box, published on submit in `room`.
pub fn update_modal(draft: &str, room: &str) -> SlackView {
    let text = text_box()
        .with_multiline(true)
        .with_max_length(3000)
        .with_initial_value(draft.to_owned());
    let blocks = vec![input(
        TEXT_INPUT,
        "What the client reads",
        SlackInputBlockElement::PlainTextInput(text),
    )];
    modal("Client update", "Publish", UPDATE_MODAL, room, blocks)
}

fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::{json, Value};

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
        let declare = serde_json::to_value(declare_modal(&config, "C1")).unwrap();
        assert_eq!(declare["callback_id"], DECLARE_MODAL);
        assert_eq!(declare["private_metadata"], "C1");
        assert_eq!(
            declare["blocks"][1]["element"]["options"][0]["value"],
            "acme"
        );
        let edit = serde_json::to_value(update_modal("draft", "C2")).unwrap();
        assert_eq!(edit["blocks"][0]["element"]["initial_value"], "draft");
    }
}
