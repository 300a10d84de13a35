//! Slash commands → typed commands. Option values are put back into the chat grammar's words
//! and parsed by the shared parser, so a mistake reads the same on every platform.

use serde_json::Value;

use crate::commands::{self, Command, IncidentCommand, ParseError};

/// The options of a command or subcommand, by name, as text (a user option is its id).
fn option_text<'a>(options: &'a [Value], name: &str) -> Option<&'a str> {
    options
        .iter()
        .find(|o| o.get("name").and_then(Value::as_str) == Some(name))
        .and_then(|o| o.get("value"))
        .and_then(Value::as_str)
        .map(str::trim)
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
fn words(sub: &str, options: &[Value]) -> Result<Vec<String>, ParseError> {
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

/// Parses `declare`, `assign`, … with its options, as if typed `/incident declare P1 acme …`.
pub fn incident_command(sub: &str, options: &[Value]) -> Result<IncidentCommand, ParseError> {
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
    let tell_client = options.iter().any(|o| {
        o.get("name").and_then(Value::as_str) == Some("tell_client")
            && o.get("value").and_then(Value::as_bool) == Some(true)
    });
    let flag = (sub == "stage" && tell_client).then(|| "--tell-client".to_owned());
    for word in words.into_iter().chain(flag) {
        text.push(' ');
        text.push_str(&word);
    }
    commands::parse_incident(&text)
}

/// An APPLICATION_COMMAND interaction's `data` → the command.
pub fn command(data: &Value) -> Result<Command, ParseError> {
    let name = data.get("name").and_then(Value::as_str).unwrap_or_default();
    let options = data
        .get("options")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default();
    match name {
        "incident" => {
            let Some(sub) = options.first() else {
                return Ok(Command::Incident(IncidentCommand::Help));
            };
            let sub_name = sub.get("name").and_then(Value::as_str).unwrap_or_default();
            let sub_options = sub
                .get("options")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            incident_command(sub_name, &sub_options).map(Command::Incident)
        }
        "help" => commands::parse_help(option_text(&options, "question").unwrap_or_default()),
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
    use serde_json::json;

    fn incident(sub: &str, options: Value) -> Result<Command, ParseError> {
        command(
            &json!({"name": "incident", "options": [{"type": 1, "name": sub, "options": options}]}),
        )
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
            command(
                &json!({"name": "help", "options": [{"name": "question", "value": "vpn down"}]})
            ),
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
