//! The application commands this build answers (`/incident` with its subcommands, `/help`),
//! printed by `commandpost discord-commands` and registered by `serve` when they changed.

use serde_json::{json, Map, Value};
use serenity::builder::{CreateCommand, CreateCommandOption};
use serenity::http::{LightMethod, Route};
use serenity::model::application::{CommandOptionType, CommandType};
use serenity::model::id::GuildId;
use serenity::model::Permissions;

use super::rest::{DiscordRest, RestError};
use super::snowflake;

/// A subcommand's `type` in command JSON (what Discord answers for `CommandOptionType::SubCommand`).
const SUBCOMMAND: u64 = 1;

fn option(
    kind: CommandOptionType,
    name: &str,
    description: &str,
    required: bool,
) -> CreateCommandOption {
    CreateCommandOption::new(kind, name, description).required(required)
}

fn text(name: &str, description: &str, required: bool) -> CreateCommandOption {
    option(CommandOptionType::String, name, description, required)
}

fn choices(option: CreateCommandOption, values: &[&str]) -> CreateCommandOption {
    values.iter().fold(option, |option, value| {
        option.add_string_choice(*value, *value)
    })
}

fn subcommand(
    name: &str,
    description: &str,
    options: Vec<CreateCommandOption>,
) -> CreateCommandOption {
    options.into_iter().fold(
        CreateCommandOption::new(CommandOptionType::SubCommand, name, description),
        CreateCommandOption::add_sub_option,
    )
}

/// The command JSON, as `PUT /applications/{id}/commands` takes it: serenity's builders,
/// serialised (they are sent by our own REST client, see `rest.rs`).
pub fn command_definitions() -> Value {
    let severities = ["P1", "P2", "P3", "P4"];
    let severity = choices(text("severity", "P1 (worst) to P4", true), &severities);
    let declare_severity = choices(
        text(
            "severity",
            "P1 (worst) to P4; leave all empty for a form",
            false,
        ),
        &severities,
    );
    let subcommands = vec![
        subcommand(
            "declare",
            "Open an incident and its room; you command it until you hand over",
            vec![
                declare_severity,
                text("client", "The client's id, e.g. acme", false),
                text("title", "What is wrong, in a few words", false),
            ],
        ),
        subcommand(
            "assign",
            "Give someone a role in this incident",
            vec![
                choices(
                    text("role", "The role", true),
                    &["commander", "comms", "ops", "scribe", "sme"],
                ),
                option(CommandOptionType::User, "user", "Who takes it", true),
            ],
        ),
        subcommand(
            "update",
            "Publish a client status update now (comms lead or commander)",
            vec![text("text", "What the client should read", true)],
        ),
        subcommand(
            "status",
            "State, roles, severity and next update due",
            vec![],
        ),
        subcommand("severity", "Re-rate the incident", vec![severity]),
        subcommand(
            "stage",
            "Move the incident to another stage",
            vec![
                choices(
                    text("stage", "The new stage", true),
                    &["investigating", "identified", "monitoring"],
                ),
                option(
                    CommandOptionType::Boolean,
                    "tell_client",
                    "Draft a client update about it for the comms lead",
                    false,
                ),
            ],
        ),
        subcommand(
            "resolve",
            "Resolve the incident",
            vec![text("summary", "What fixed it", false)],
        ),
        subcommand(
            "review",
            "A sign-in link to the review pages, by direct message (managers)",
            vec![],
        ),
        subcommand(
            "kb-draft",
            "Turn this incident's answer into a draft KB article",
            vec![],
        ),
        subcommand(
            "answer",
            "Close a ticket with the article that answered it",
            vec![
                text("ticket", "The ticket, e.g. TKT-0004", true),
                text(
                    "article",
                    "The article's slug (its file name without .md)",
                    true,
                ),
            ],
        ),
        subcommand("help", "How to use /incident", vec![]),
    ];
    let incident = subcommands.into_iter().fold(
        CreateCommand::new("incident")
            .kind(CommandType::ChatInput)
            .description("Run an incident: declare, assign roles, publish client updates, resolve")
            // Hidden from everyone but administrators until they give it to the responder roles
            // (Server Settings → Integrations): a client's staff never even sees the command.
            .default_member_permissions(Permissions::empty()),
        CreateCommand::add_option,
    );
    let help = CreateCommand::new("help")
        .kind(CommandType::ChatInput)
        .description("Ask the knowledge base (in a client support channel)")
        .add_option(text("question", "What you need help with", true));
    serde_json::to_value([incident, help]).expect("command builders serialise to JSON")
}

/// What registration at start did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    Unchanged,
    Overwritten,
}

/// The fields we set, with Discord's defaults filled in, so what GET returns compares equal to
/// what we would PUT when nothing changed.
fn comparable(value: &Value) -> Value {
    match value {
        Value::Array(items) => Value::Array(items.iter().map(comparable).collect()),
        Value::Object(object) => {
            let mut out = Map::new();
            for key in ["type", "name", "description", "value"] {
                if let Some(v) = object.get(key) {
                    out.insert(key.to_owned(), v.clone());
                }
            }
            // Sent as a number, answered as a decimal string; null is the same as absent.
            match object.get("default_member_permissions") {
                Some(Value::Number(n)) => {
                    out.insert(
                        "default_member_permissions".to_owned(),
                        json!(n.to_string()),
                    );
                }
                Some(Value::String(s)) => {
                    out.insert("default_member_permissions".to_owned(), json!(s));
                }
                _ => {}
            }
            if object.contains_key("description") && object.contains_key("type") {
                let required = object.get("required").cloned().unwrap_or(json!(false));
                if object.get("type") != Some(&json!(SUBCOMMAND)) && !object.contains_key("value") {
                    out.insert("required".to_owned(), required);
                }
            }
            for key in ["options", "choices"] {
                let list = object
                    .get(key)
                    .filter(|v| !v.is_null())
                    .cloned()
                    .unwrap_or(json!([]));
                if !list.as_array().is_some_and(Vec::is_empty) {
                    out.insert(key.to_owned(), comparable(&list));
                }
            }
            Value::Object(out)
        }
        other => other.clone(),
    }
}

/// Registers the commands (bulk overwrite; in `guild` when given) unless Discord already has
/// exactly these.
pub async fn register_commands(
    rest: &DiscordRest,
    guild: Option<&str>,
) -> Result<Registration, RestError> {
    let application_id = rest.application_id();
    let guild = guild
        .filter(|g| !g.trim().is_empty())
        .map(|g| {
            snowflake(g).map(GuildId::new).ok_or_else(|| {
                RestError::Invalid(format!("discord.guild_id `{g}` is not a numeric id"))
            })
        })
        .transpose()?;
    let route = || match guild {
        Some(guild_id) => Route::GuildCommands {
            application_id,
            guild_id,
        },
        None => Route::Commands { application_id },
    };
    let wanted = command_definitions();
    let current = rest
        .call("list commands", route(), LightMethod::Get, None)
        .await?;
    if comparable(&current) == comparable(&wanted) {
        return Ok(Registration::Unchanged);
    }
    rest.call(
        "register commands",
        route(),
        LightMethod::Put,
        Some(&wanted),
    )
    .await?;
    Ok(Registration::Overwritten)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_commands_match_the_interface() {
        let commands = command_definitions();
        let incident = &commands[0];
        assert_eq!(incident["name"], "incident");
        let subcommands: Vec<&str> = incident["options"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            subcommands,
            [
                "declare", "assign", "update", "status", "severity", "stage", "resolve", "review",
                "kb-draft", "answer", "help"
            ]
        );
        let mut options: Vec<String> = incident["options"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["options"].as_array().cloned().unwrap_or_default())
            .map(|o| o["name"].as_str().unwrap().to_owned())
            .collect();
        options.sort_unstable();
        options.dedup();
        assert_eq!(
            options,
            [
                "article",
                "client",
                "role",
                "severity",
                "stage",
                "summary",
                "tell_client",
                "text",
                "ticket",
                "title",
                "user"
            ]
        );
        assert_eq!(commands[1]["name"], "help");
        assert_eq!(commands[1]["options"][0]["name"], "question");
    }

    #[test]
    fn what_discord_returns_compares_equal_when_unchanged() {
        let wanted = command_definitions();
        let mut returned = wanted.clone();
        for command in returned.as_array_mut().unwrap() {
            command["id"] = json!("123");
            command["version"] = json!("456");
            let hidden = command["name"] == "incident";
            command["default_member_permissions"] = if hidden { json!("0") } else { Value::Null };
            command["nsfw"] = json!(false);
        }
        // Discord leaves `required: false` out of what it returns.
        returned[0]["options"][6]["options"][0]
            .as_object_mut()
            .unwrap()
            .remove("required");
        assert_eq!(comparable(&returned), comparable(&wanted));
        returned[1]["description"] = json!("changed");
        assert_ne!(comparable(&returned), comparable(&wanted));
        // A registration from before `/incident` was hidden is updated.
        let mut visible = wanted.clone();
        visible[0]["default_member_permissions"] = Value::Null;
        assert_ne!(comparable(&visible), comparable(&wanted));
        assert_ne!(comparable(&json!([])), comparable(&wanted));
    }
}
