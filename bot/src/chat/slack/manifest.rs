//! The Slack app manifest (YAML) for this build: scopes, slash commands, events and
//! interactivity, pointed at `http.public_url` (or at Socket Mode).

use crate::config::Config;

/// Bot scopes, each with what it is for.
pub const SCOPES: &[(&str, &str)] = &[
    ("app_mentions:read", "`@commandpost status` in a room"),
    (
        "channels:history",
        "messages in client support channels, for triage",
    ),
    (
        "channels:manage",
        "create incident rooms, invite people, set the topic",
    ),
    (
        "channels:read",
        "find a room the bot created but had not recorded when it stopped (no second room)",
    ),
    (
        "chat:write",
        "briefs, notices, nudges, announcements and client updates",
    ),
    (
        "chat:write.public",
        "post in a client status channel without being invited",
    ),
    ("commands", "the /incident and /help commands"),
    (
        "groups:history",
        "messages in private client support channels (Slack Connect channels often are), for triage",
    ),
    (
        "im:write",
        "open a direct message to send a manager the review sign-in link",
    ),
    ("pins:write", "pin the brief"),
    (
        "usergroups:read",
        "members of the user groups listed in slack.responders",
    ),
    (
        "users:read",
        "tell full members of the workspace from guests and Slack Connect users",
    ),
];

/// Events the bot subscribes to.
pub const EVENTS: &[&str] = &["app_mention", "message.channels", "message.groups"];

fn quote(text: &str) -> String {
    format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
}

/// The manifest YAML. With `socket_mode`, Slack sends everything over the WebSocket and the
/// request URLs are left out.
pub fn manifest(config: &Config, socket_mode: bool) -> String {
    let base = config.http.public_url.trim_end_matches('/');
    let url = |path: &str| {
        if socket_mode {
            String::new()
        } else {
            format!("\n    url: {}", quote(&format!("{base}{path}")))
        }
    };
    let request_url = |indent: &str, path: &str| {
        if socket_mode {
            String::new()
        } else {
            format!("\n{indent}request_url: {}", quote(&format!("{base}{path}")))
        }
    };
    let scopes: String = SCOPES
        .iter()
        .map(|(scope, why)| format!("\n      - {scope}  # {why}"))
        .collect();
    let events: String = EVENTS.iter().map(|e| format!("\n      - {e}")).collect();
    format!(
        r##"# Slack app manifest for Command Post {version}{mode}
# Create the app at https://api.slack.com/apps → "Create New App" → "From an app manifest".
display_information:
  name: Command Post
  description: Incident command for managed service providers
  background_color: "#7f1d1d"
features:
  bot_user:
    display_name: commandpost
    always_online: true
  slash_commands:
  - command: /incident{incident_url}
    description: Declare and run an incident
    usage_hint: "declare P1 acme Email is down | assign comms @bob | update … | status | help"
    should_escape: true
  - command: /help{help_url}
    description: Ask the knowledge base (in a client support channel)
    usage_hint: "how do I reset my password"
    should_escape: true
oauth_config:
  scopes:
    bot:{scopes}
settings:
  event_subscriptions:{events_url}
    bot_events:{events}
  interactivity:
    is_enabled: true{interactions_url}
  org_deploy_enabled: false
  socket_mode_enabled: {socket_mode}
  token_rotation_enabled: false
"##,
        version = env!("CARGO_PKG_VERSION"),
        mode = if socket_mode { " (Socket Mode)" } else { "" },
        incident_url = url("/slack/commands"),
        help_url = url("/slack/commands"),
        events_url = request_url("    ", "/slack/events"),
        interactions_url = request_url("    ", "/slack/interactions"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bot scope each Web API method the adapter calls needs (`None`: no scope), from Slack's
    /// method reference; a test keeps this, `SCOPES` and the calls in `api.rs` in step.
    const METHOD_SCOPES: &[(&str, Option<&str>)] = &[
        ("auth.test", None),
        ("apps.connections.open", None), // the app-level token's connections:write
        ("chat.postEphemeral", Some("chat:write")),
        ("chat.postMessage", Some("chat:write")),
        ("chat.update", Some("chat:write")),
        ("conversations.create", Some("channels:manage")),
        ("conversations.invite", Some("channels:manage")),
        ("conversations.list", Some("channels:read")),
        ("conversations.open", Some("im:write")),
        ("conversations.setTopic", Some("channels:manage")),
        ("pins.add", Some("pins:write")),
        ("usergroups.users.list", Some("usergroups:read")),
        ("users.info", Some("users:read")),
        ("views.open", None),
    ];

    /// Scopes needed for something other than a Web API call.
    const OTHER_SCOPES: &[&str] = &[
        "app_mentions:read", // the app_mention event
        "channels:history",  // the message.channels event (support channels)
        "chat:write.public", // chat.postMessage to a status channel the bot was not invited to
        "commands",          // slash commands
        "groups:history",    // the message.groups event (private support channels)
    ];

    fn config() -> Config {
        Config::from_toml(
            "[http]\npublic_url = \"https://cp.example.com/\"\n",
            "test",
            Vec::new(),
        )
        .unwrap()
    }

    #[test]
    fn http_manifest_points_at_the_public_url() {
        let yaml = manifest(&config(), false);
        assert!(
            yaml.contains("url: \"https://cp.example.com/slack/commands\""),
            "{yaml}"
        );
        assert!(yaml.contains("request_url: \"https://cp.example.com/slack/events\""));
        assert!(yaml.contains("request_url: \"https://cp.example.com/slack/interactions\""));
        assert!(yaml.contains("socket_mode_enabled: false"));
        for (scope, _) in SCOPES {
            assert!(yaml.contains(&format!("- {scope}  #")), "{scope}");
        }
    }

    #[test]
    fn the_manifest_asks_for_exactly_the_scopes_the_code_uses() {
        // Every Web API method the adapter calls (each call is wrapped in `timed("method", …)`).
        let source = include_str!("api.rs");
        let called: std::collections::BTreeSet<&str> = source
            .split("timed(")
            .skip(1)
            .filter_map(|rest| rest.trim_start().strip_prefix('"')?.split('"').next())
            .chain(
                source
                    .contains("\"apps.connections.open\"")
                    .then_some("apps.connections.open"),
            )
            .collect();
        let known: std::collections::BTreeSet<&str> =
            METHOD_SCOPES.iter().map(|(method, _)| *method).collect();
        assert_eq!(
            called, known,
            "a method is called without a known scope, or listed but unused"
        );
        let needed: std::collections::BTreeSet<&str> = METHOD_SCOPES
            .iter()
            .filter_map(|(_, scope)| *scope)
            .chain(OTHER_SCOPES.iter().copied())
            .collect();
        let asked: std::collections::BTreeSet<&str> =
            SCOPES.iter().map(|(scope, _)| *scope).collect();
        assert_eq!(asked, needed);
    }

    #[test]
    fn socket_mode_manifest_has_no_urls() {
        let yaml = manifest(&config(), true);
        assert!(!yaml.contains("https://cp.example.com"), "{yaml}");
        assert!(yaml.contains("socket_mode_enabled: true"));
        assert!(yaml.contains("- app_mention"));
    }
}
