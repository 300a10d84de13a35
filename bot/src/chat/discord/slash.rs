//! Slash commands → typed commands. Option values are put back into the chat grammar's words
//! and parsed by the shared parser, so a mistake reads the same on every platform.

use serenity::all::{CommandData, CommandDataOption, CommandDataOptionValue};

use crate::commands::{self, Command, IncidentCommand, ParseError};

/// A command's options by name, as text (a user option is its id): what the grammar reads.
pub type OptionTexts = Vec<(String, String)>;

/// The text of each option Discord sent (subcommands, booleans and the like have none).
fn texts(options: &[CommandDataOption]) -> OptionTexts {
    options
        .iter()
        .filter_map(|option| {
            let text = match &option.value {
                CommandDataOptionValue::String(text) => text.clone(),
                CommandDataOptionValue::User(user) => user.to_string(),
                CommandDataOptionValue::Role(role) => role.to_string(),
                CommandDataOptionValue::Channel(channel) => channel.to_string(),
                CommandDataOptionValue::Integer(number) => number.to_string(),
                _ => return None,
            };
            Some((option.name.clone(), text))
        })
        .collect()
}

fn option_text<'a>(options: &'a [(String, String)], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|(option, _)| option == name)
        .map(|(_, value)| value.trim())
        .filter(|v| !v.is_empty())
}

fn one_word(subcommand: &str, name: &str, value: &str) -> Result<(), ParseError> {
    if value.split_whitespace().count() > 1 {
        return Err(ParseError {
            problem: format!("`{name}` is one word; `{value}` is not"),
            usage: commands::usage_of(subcommand),
        });
    }
    Ok(())
}

/// Words of a subcommand in grammar order; `None` for options left empty.
fn words(sub: &str, options: &[(String, String)]) -> Result<Vec<String>, ParseError> {
    let names: &[&str] = match sub {
        "declare" => &["severity", "client", "title"],
        "assign" => &["role", "user"],
        "update" => &["text"],
        "severity" => &["severity"],
        "stage" => &["stage"],
        "resolve" => &["summary"],
        "answer" => &["ticket", "article"],
        _ => &[],
    };
    let mut words = Vec::new();
    for (index, name) in names.iter().enumerate() {
        let Some(value) = option_text(options, name) else {
            continue;
        };
        let last = index + 1 == names.len();
        if !last || sub == "assign" {
            one_word(sub, name, value)?;
        }
        words.push(if *name == "user" {
            format!("<@{value}>")
        } else {
            value.to_owned()
        });
    }
    Ok(words)
}

/// Parses `declare`, `assign`, … with its options, as if typed `/incident declare P1 acme …`;
/// `tell_client` is the `stage` subcommand's boolean option.
pub fn incident_command(
    sub: &str,
    options: &[(String, String)],
    tell_client: bool,
) -> Result<IncidentCommand, ParseError> {
    let words = words(sub, options)?;
    if sub == "declare" && !words.is_empty() && words.len() < 3 {
        let missing = ["severity", "client", "title"]
            .into_iter()
            .filter(|name| option_text(options, name).is_none())
            .collect::<Vec<_>>()
            .join(", ");
        return Err(ParseError {
            problem: format!("`declare` needs severity, client and title (missing: {missing}); leave all three empty for a form"),
            usage: commands::usage_of("declare"),
        });
    }
    let mut text = sub.to_owned();
    let flag = (sub == "stage" && tell_client).then(|| "--tell-client".to_owned());
    for word in words.into_iter().chain(flag) {
        text.push(' ');
        text.push_str(&word);
    }
    commands::parse_incident(&text)
}

/// The subcommand chosen (`status` in `/incident status`), if any.
pub fn subcommand(data: &CommandData) -> Option<&str> {
    match data.options.first() {
        Some(CommandDataOption {
            name,
            value: CommandDataOptionValue::SubCommand(_),
            ..
        }) => Some(name),
        _ => None,
    }
}

/// An APPLICATION_COMMAND interaction's `data` → the command.
pub fn command(data: &CommandData) -> Result<Command, ParseError> {
    match data.name.as_str() {
        "incident" => {
            let Some(CommandDataOption {
                name,
                value: CommandDataOptionValue::SubCommand(options),
                ..
            }) = data.options.first()
            else {
                return Ok(Command::Incident(IncidentCommand::Help));
            };
            let tell_client = options.iter().any(|o| {
                o.name == "tell_client" && o.value == CommandDataOptionValue::Boolean(true)
            });
            incident_command(name, &texts(options), tell_client).map(Command::Incident)
        }
        "help" => {
            commands::parse_help(option_text(&texts(&data.options), "question").unwrap_or_default())
        }
        other => Err(ParseError {
            problem: format!("`/{other}` is not a Command Post command"),
            usage: commands::usage_of(""),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Role, Severity};
    use serde_json::{json, Value};

    /// `data` as Discord sends it; options without a type are strings.
    fn data(mut value: Value) -> CommandData {
        value["id"] = json!("1600000000000000001");
        value["type"] = json!(1);
        for option in value["options"].as_array_mut().into_iter().flatten() {
            for inner in option["options"].as_array_mut().into_iter().flatten() {
                if inner.get("type").is_none() {
                    inner["type"] = json!(3);
                }
            }
            if option.get("type").is_none() {
                option["type"] = json!(3);
            }
        }
        serde_json::from_value(value).expect("serenity reads it")
    }

    fn incident(sub: &str, options: Value) -> Result<Command, ParseError> {
        command(&data(
            json!({"name": "incident", "options": [{"type": 1, "name": sub, "options": options}]}),
        ))
    }

    #[test]
    fn subcommands_become_typed_commands() {
        assert_eq!(
            incident(
                "answer",
                json!([{"name": "ticket", "value": "TKT-0004"}, {"name": "article", "value": "vpn-reconnect"}]),
            ),
            Ok(Command::Incident(IncidentCommand::Answer {
                request: 4,
                article: "vpn-reconnect".into(),
            }))
        );
        let declare = incident(
            "declare",
            json!([{"name": "severity", "value": "P1"}, {"name": "client", "value": "acme"}, {"name": "title", "value": "Email is down"}]),
        );
        assert_eq!(
            declare,
            Ok(Command::Incident(IncidentCommand::Declare {
                severity: Severity::P1,
                client: crate::domain::ClientId::parse("acme").unwrap(),
                title: "Email is down".into(),
            }))
        );
        assert_eq!(
            incident("declare", json!([])),
            Ok(Command::Incident(IncidentCommand::DeclarePrompt))
        );
        let assign = incident(
            "assign",
            json!([{"name": "role", "value": "comms"}, {"name": "user", "type": 6, "value": "4242"}]),
        );
        assert_eq!(
            assign,
            Ok(Command::Incident(IncidentCommand::Assign {
                role: Role::Comms,
                user: commands::UserRef("4242".into()),
            }))
        );
        assert_eq!(
            incident("resolve", json!([])),
            Ok(Command::Incident(IncidentCommand::Resolve {
                summary: None,
                client_text: None
            }))
        );
        assert_eq!(
            command(&data(
                json!({"name": "help", "options": [{"name": "question", "value": "vpn down"}]})
            )),
            Ok(Command::Help {
                question: "vpn down".into()
            })
        );
    }

    #[test]
    fn mistakes_read_like_the_parser() {
        let unknown_severity = incident(
            "declare",
            json!([{"name": "severity", "value": "P9"}, {"name": "client", "value": "acme"}, {"name": "title", "value": "x"}]),
        )
        .unwrap_err();
        assert_eq!(
            unknown_severity,
            commands::parse_incident("declare P9 acme x").unwrap_err()
        );
        let two_words = incident(
            "declare",
            json!([{"name": "severity", "value": "P1"}, {"name": "client", "value": "acme corp"}, {"name": "title", "value": "x"}]),
        )
        .unwrap_err();
        assert!(two_words.problem.contains("one word"), "{two_words}");
        let partial =
            incident("declare", json!([{"name": "severity", "value": "P1"}])).unwrap_err();
        assert!(
            partial.problem.contains("missing: client, title"),
            "{partial}"
        );
    }
}
