//! Buttons, the stage menu and modals: what the bot attaches to its messages, and what a click
//! or a submitted form means as a command.

use std::collections::HashMap;

use serde_json::Value;
use serenity::builder::{
    CreateActionRow, CreateButton, CreateEmbed, CreateInputText, CreateModal, CreateSelectMenu,
    CreateSelectMenuKind, CreateSelectMenuOption,
};
use serenity::model::application::{
    ActionRowComponent, ButtonStyle, ComponentInteractionData, ComponentInteractionDataKind,
    InputTextStyle, ModalInteractionData,
};
use serenity::model::channel::Message;

use super::format::{serialised, truncate, MAX_DESCRIPTION};
use crate::commands::{self, Command, IncidentCommand, ParseError, UserRef};
use crate::domain::Role;
use crate::effects::Action;

pub const PUBLISH: &str = "cp:publish";
pub const EDIT_DRAFT: &str = "cp:edit_draft";
pub const TAKE_COMMS: &str = "cp:take_comms";
pub const STAGE: &str = "cp:stage";
pub const RESOLVE: &str = "cp:resolve";
pub const DECLARE_FORM: &str = "cp:declare_form";
pub const DRAFT_FORM: &str = "cp:draft_form";
pub const RESOLVE_FORM: &str = "cp:resolve_form";
/// The embed a nudge carries its draft in; the publish buttons read it back from the message.
pub const DRAFT_TITLE: &str = "Draft client update";
/// Client updates are at most this long (the core's limit).
const MAX_UPDATE: usize = 3000;

fn button(style: ButtonStyle, label: &str, custom_id: &str) -> CreateButton {
    CreateButton::new(custom_id).style(style).label(label)
}

/// Action rows for a message's actions (a select menu needs a row of its own).
pub fn action_rows(actions: &[Action]) -> Vec<CreateActionRow> {
    let mut buttons = Vec::new();
    let mut rows = Vec::new();
    for action in actions {
        match action {
            Action::PublishDraft { .. } => {
                buttons.push(button(ButtonStyle::Success, "Publish draft", PUBLISH));
                buttons.push(button(ButtonStyle::Secondary, "Edit draft…", EDIT_DRAFT));
            }
            Action::TakeComms => {
                buttons.push(button(ButtonStyle::Primary, "Take comms", TAKE_COMMS))
            }
            Action::Resolve => buttons.push(button(ButtonStyle::Danger, "Resolve…", RESOLVE)),
            Action::ChangeStage => {
                let options = [
                    ("Investigating", "investigating"),
                    ("Identified", "identified"),
                    ("Monitoring", "monitoring"),
                ]
                .into_iter()
                .map(|(label, value)| CreateSelectMenuOption::new(label, value))
                .collect();
                let menu = CreateSelectMenu::new(STAGE, CreateSelectMenuKind::String { options })
                    .placeholder("Change stage…");
                rows.push(CreateActionRow::SelectMenu(menu));
            }
            Action::Solved { .. }
            | Action::StillNeedHelp { .. }
            | Action::TakeTicket { .. }
            | Action::DeclareFromBurst { .. }
            | Action::DeclareFromAlert { .. } => buttons.extend(super::triage::button(action)),
        }
    }
    if !buttons.is_empty() {
        rows.push(CreateActionRow::Buttons(buttons));
    }
    rows
}

/// The embed holding a nudge's draft, verbatim (it is client-facing text, not converted).
pub fn draft_embed(actions: &[Action]) -> Option<CreateEmbed> {
    actions.iter().find_map(|action| match action {
        Action::PublishDraft { text } => Some(
            CreateEmbed::new()
                .title(DRAFT_TITLE)
                .description(truncate(text, MAX_DESCRIPTION))
                .colour(0xF1C40F),
        ),
        _ => None,
    })
}

fn text_input(
    custom_id: &str,
    label: &str,
    paragraph: bool,
    required: bool,
    max: u16,
) -> CreateInputText {
    let style = if paragraph {
        InputTextStyle::Paragraph
    } else {
        InputTextStyle::Short
    };
    CreateInputText::new(style, label, custom_id)
        .required(required)
        .max_length(max)
}

fn modal(custom_id: &str, title: &str, inputs: Vec<CreateInputText>) -> Value {
    let rows = inputs.into_iter().map(CreateActionRow::InputText).collect();
    serialised(CreateModal::new(custom_id, title).components(rows))
}

/// The declare form (`/incident declare` with no options).
pub fn declare_form() -> Value {
    modal(
        DECLARE_FORM,
        "Declare an incident",
        vec![
            text_input("severity", "Severity (P1, P2, P3 or P4)", false, true, 2).placeholder("P1"),
            text_input("client", "Client id", false, true, 64),
            text_input("title", "What is wrong", false, true, 200),
        ],
    )
}

fn draft_form(draft: &str) -> Value {
    let text = text_input(
        "text",
        "What the client will read",
        true,
        true,
        MAX_UPDATE as u16,
    )
    .value(truncate(draft, MAX_UPDATE));
    modal(DRAFT_FORM, "Edit and publish the update", vec![text])
}

fn resolve_form() -> Value {
    modal(
        RESOLVE_FORM,
        "Resolve the incident",
        vec![text_input(
            "summary",
            "What fixed it (optional)",
            true,
            false,
            1000,
        )],
    )
}

/// What a click asks for: a command to run now, or a form to show first.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    Run(Command),
    Form(Value),
}

fn refused(problem: impl Into<String>, usage_of: &str) -> ParseError {
    ParseError {
        problem: problem.into(),
        usage: commands::usage_of(usage_of),
    }
}

fn draft_on(message: &Message) -> Result<String, ParseError> {
    message
        .embeds
        .iter()
        .find(|embed| embed.title.as_deref() == Some(DRAFT_TITLE))
        .and_then(|embed| embed.description.clone())
        .ok_or_else(|| refused("this message no longer carries a draft", "update"))
}

/// A MESSAGE_COMPONENT interaction: `data` (custom_id, values), the message clicked, who clicked.
pub fn from_component(
    data: &ComponentInteractionData,
    message: &Message,
    user: &str,
) -> Result<Step, ParseError> {
    let custom_id = data.custom_id.as_str();
    if let Some(step) = super::triage::click(custom_id) {
        return step;
    }
    let run = |command| Ok(Step::Run(Command::Incident(command)));
    match custom_id {
        PUBLISH => run(IncidentCommand::Update {
            text: draft_on(message)?,
        }),
        EDIT_DRAFT => Ok(Step::Form(draft_form(&draft_on(message)?))),
        TAKE_COMMS => run(IncidentCommand::Assign {
            role: Role::Comms,
            user: UserRef(user.to_owned()),
        }),
        RESOLVE => Ok(Step::Form(resolve_form())),
        STAGE => {
            let stage = match &data.kind {
                ComponentInteractionDataKind::StringSelect { values } => {
                    values.first().map(String::as_str).unwrap_or_default()
                }
                _ => "",
            };
            commands::parse_incident(&format!(
                "stage {}",
                stage.split_whitespace().next().unwrap_or_default()
            ))
            .map(|command| Step::Run(Command::Incident(command)))
        }
        other => Err(refused(
            format!("`{other}` is not a Command Post button"),
            "",
        )),
    }
}

/// The values of a submitted form, by input id.
fn form_values(data: &ModalInteractionData) -> HashMap<String, String> {
    data.components
        .iter()
        .flat_map(|row| &row.components)
        .filter_map(|component| match component {
            ActionRowComponent::InputText(input) => Some((
                input.custom_id.clone(),
                input.value.as_deref().unwrap_or_default().trim().to_owned(),
            )),
            _ => None,
        })
        .collect()
}

/// A MODAL_SUBMIT interaction's `data` → the command.
pub fn from_modal(data: &ModalInteractionData) -> Result<Command, ParseError> {
    let custom_id = data.custom_id.as_str();
    let values = form_values(data);
    let value = |id: &str| values.get(id).map(String::as_str).unwrap_or_default();
    match custom_id {
        DECLARE_FORM => {
            let options: Vec<(String, String)> = ["severity", "client", "title"]
                .iter()
                .map(|name| ((*name).to_owned(), value(name).to_owned()))
                .collect();
            if options.iter().any(|(_, value)| value.is_empty()) {
                return Err(refused(
                    "the form needs severity, client and title",
                    "declare",
                ));
            }
            super::slash::incident_command("declare", &options, false).map(Command::Incident)
        }
        DRAFT_FORM => {
            commands::parse_incident(&format!("update {}", value("text"))).map(Command::Incident)
        }
        RESOLVE_FORM => {
            let summary = value("summary");
            Ok(Command::Incident(IncidentCommand::Resolve {
                summary: (!summary.is_empty()).then(|| summary.to_owned()),
                client_text: None,
            }))
        }
        other => Err(refused(format!("`{other}` is not a Command Post form"), "")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::Stage;
    use serde_json::json;

    /// A click's `data` as Discord sends it (a menu's with its values).
    fn clicked(mut data: Value) -> ComponentInteractionData {
        let menu = data.get("values").is_some();
        data["component_type"] = json!(if menu { 3 } else { 2 });
        serde_json::from_value(data).expect("serenity reads it")
    }

    /// The bot's message that was clicked, with these embeds.
    fn message(embeds: Value) -> Message {
        serde_json::from_value(json!({
            "id": "1500000000000000001", "channel_id": "1300000000000000001", "type": 0,
            "author": {"id": "1100000000000000002", "username": "commandpost", "discriminator": "0", "bot": true, "avatar": null, "global_name": null},
            "content": "", "embeds": embeds, "components": [], "timestamp": "2024-01-01T00:00:00.000000+00:00",
            "edited_timestamp": null, "tts": false, "mention_everyone": false, "mentions": [],
            "mention_roles": [], "attachments": [], "pinned": false, "flags": 0,
        }))
        .expect("serenity reads it")
    }

    #[test]
    fn buttons_and_menus_become_commands() {
        let actions = vec![Action::TakeComms, Action::ChangeStage, Action::Resolve];
        let rows: Vec<Value> = action_rows(&actions).into_iter().map(serialised).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0]["components"][0]["custom_id"], STAGE);
        assert_eq!(rows[1]["components"][0]["custom_id"], TAKE_COMMS);

        let plain = message(json!([]));
        let stage = from_component(
            &clicked(json!({"custom_id": STAGE, "values": ["identified"]})),
            &plain,
            "7",
        );
        assert_eq!(
            stage,
            Ok(Step::Run(Command::Incident(IncidentCommand::Stage {
                stage: Stage::Identified,
                tell_client: false
            })))
        );
        let comms = from_component(&clicked(json!({"custom_id": TAKE_COMMS})), &plain, "7");
        assert_eq!(
            comms,
            Ok(Step::Run(Command::Incident(IncidentCommand::Assign {
                role: Role::Comms,
                user: UserRef("7".into())
            })))
        );
        let nudge = message(json!([serialised(
            draft_embed(&[Action::PublishDraft {
                text: "We are on it.".into()
            }])
            .unwrap()
        )]));
        assert_eq!(
            from_component(&clicked(json!({"custom_id": PUBLISH})), &nudge, "7"),
            Ok(Step::Run(Command::Incident(IncidentCommand::Update {
                text: "We are on it.".into()
            })))
        );
        match from_component(&clicked(json!({"custom_id": EDIT_DRAFT})), &nudge, "7") {
            Ok(Step::Form(form)) => assert_eq!(
                form["components"][0]["components"][0]["value"],
                "We are on it."
            ),
            other => panic!("{other:?}"),
        }
        assert!(from_component(&clicked(json!({"custom_id": PUBLISH})), &plain, "7").is_err());
    }

    #[test]
    fn forms_become_commands() {
        let submitted = |id: &str, inputs: &[(&str, &str)]| {
            let rows: Vec<Value> = inputs
                .iter()
                .map(|(k, v)| json!({"type": 1, "components": [{"type": 4, "custom_id": k, "value": v}]}))
                .collect();
            serde_json::from_value::<ModalInteractionData>(
                json!({"custom_id": id, "components": rows}),
            )
            .expect("serenity reads it")
        };
        let declared = from_modal(&submitted(
            DECLARE_FORM,
            &[
                ("severity", "p2"),
                ("client", "acme"),
                ("title", "VPN flaps"),
            ],
        ));
        assert!(
            matches!(
                declared,
                Ok(Command::Incident(IncidentCommand::Declare { .. }))
            ),
            "{declared:?}"
        );
        let bad = from_modal(&submitted(
            DECLARE_FORM,
            &[("severity", "P7"), ("client", "acme"), ("title", "x")],
        ));
        assert_eq!(
            bad.unwrap_err(),
            commands::parse_incident("declare P7 acme x").unwrap_err()
        );
        assert_eq!(
            from_modal(&submitted(RESOLVE_FORM, &[("summary", "")])),
            Ok(Command::Incident(IncidentCommand::Resolve {
                summary: None,
                client_text: None
            }))
        );
        assert_eq!(
            from_modal(&submitted(DRAFT_FORM, &[("text", "Fixed.")])),
            Ok(Command::Incident(IncidentCommand::Update {
                text: "Fixed.".into()
            }))
        );
    }
}
