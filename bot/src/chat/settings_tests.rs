//! Every adapter's section read through `Config::load`: typed, checked, overridden by the
//! environment, and named by key when wrong.

use secrecy::ExposeSecret;

use super::*;
use crate::chat::discord::{self, DiscordConfig};
use crate::chat::slack::SlackConfig;
use crate::chat::{console, ADAPTERS};
use crate::config::tests::{load, load_with_env, ONE_CLIENT};

fn discord_section(extra: &str) -> String {
    format!(
        "[discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\n{extra}",
        "ab".repeat(32)
    )
}

#[test]
fn no_two_adapters_share_a_name() {
    let mut names: Vec<&str> = sections().iter().map(|section| section.name).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), ADAPTERS.len(), "{names:?}");
}

#[test]
fn each_section_is_read_as_its_adapters_type() {
    let text = format!(
        "[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"{}\"\noncall_channel = \"C0ONCALL\"\n{}[console]\nuser = \"ops\"\n{ONE_CLIENT}",
        "s".repeat(32),
        discord_section("gateway = true\n"),
    );
    let config = load(&text).unwrap();
    let slack = config.chat::<SlackConfig>().unwrap();
    assert_eq!(slack.api_url, "https://slack.com/api");
    let discord = config.chat::<DiscordConfig>().unwrap();
    assert!(discord.gateway);
    assert_eq!(discord.api_url, discord::DEFAULT_API_URL);
    let console = config.chat::<console::ConsoleConfig>().unwrap();
    assert_eq!(
        (console.enabled, console.user.as_deref()),
        (true, Some("ops"))
    );
    let mut platforms: Vec<&str> = config.chat_platforms().collect();
    platforms.sort_unstable();
    assert_eq!(platforms, ["console", "discord", "slack"]);
}

#[test]
fn environment_overrides_a_platforms_keys_and_secrets_stay_hidden() {
    let text = format!("[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\noncall_channel = \"C0ONCALL\"\n{ONE_CLIENT}");
    let config = load_with_env(
        &text,
        &[
            ("COMMANDPOST_SLACK_BOT_TOKEN", "xoxb-env"),
            ("COMMANDPOST_DATABASE_URL", "sqlite://other.db"),
            ("COMMANDPOST_POLICY_MANAGERS", "[\"U0MANAGER\"]"),
            ("COMMANDPOST_CONSOLE_ENABLED", "false"),
            ("UNRELATED", "ignored"),
        ],
    )
    .unwrap();
    let slack = config.chat::<SlackConfig>().unwrap();
    assert_eq!(slack.bot_token.expose_secret(), "xoxb-env");
    assert_eq!(config.database_url, "sqlite://other.db");
    assert_eq!(config.policy.managers, vec!["U0MANAGER"]);
    // A platform's typed key is read as TOML: `false`, not the string "false".
    assert!(!console::ConsoleConfig::enabled_in(&config));
    let printed = format!("{config:?}");
    assert!(
        !printed.contains("xoxb-env") && !printed.contains("s3cret"),
        "{printed}"
    );
}

#[test]
fn a_misspelt_platform_variable_is_a_warning_and_turns_nothing_on() {
    let config = load_with_env(
        ONE_CLIENT,
        &[
            ("COMMANDPOST_SLAK_TOKEN", "x"),
            ("COMMANDPOST_DISCORD_TOKN", "x"),
        ],
    )
    .unwrap();
    let warned: Vec<String> = config.warnings().iter().map(|w| w.key.clone()).collect();
    for var in ["COMMANDPOST_SLAK_TOKEN", "COMMANDPOST_DISCORD_TOKN"] {
        assert!(warned.contains(&var.to_owned()), "{var} not in {warned:?}");
    }
    assert!(config.chat::<DiscordConfig>().is_none());
    assert_eq!(config.chat_platforms().count(), 0);
}

#[test]
fn missing_and_mistyped_platform_keys_are_named() {
    let error = load(&format!("[slack]\nbot_token = \"xoxb\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(
        error.contains("slack") && error.contains("signing_secret"),
        "{error}"
    );
    let error = load(&format!(
        "{}{ONE_CLIENT}",
        discord_section("gateway = \"yes\"\n")
    ))
    .unwrap_err()
    .to_string();
    assert!(error.contains("discord.gateway"), "{error}");
    let error = load(&format!(
        "{}{ONE_CLIENT}",
        discord_section("token = \"t\"\n")
    ))
    .unwrap_err()
    .to_string();
    assert!(error.contains("discord.token"), "{error}");
    let error = load(&format!("slack = 3\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("key `slack`"), "{error}");
}

#[test]
fn an_unknown_section_lists_the_platforms_too() {
    let error = load(&format!("[teams]\nbot_token = \"t\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("teams"), "{error}");
    assert!(error.contains("console, discord, slack"), "{error}");
}

#[test]
fn weak_platform_secrets_are_refused_by_key_and_never_printed() {
    let text = format!(
        "[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"tooshort-7f3a\"\noncall_channel = \"C0ONCALL\"\n\
         [discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"  \"\nguild_id = \"2\"\noncall_channel = \"3\"\n{ONE_CLIENT}",
        "ab".repeat(32)
    );
    let printed = load(&text).unwrap_err().to_string();
    for key in [
        "slack.signing_secret: is too short",
        "discord.bot_token: is empty",
    ] {
        assert!(printed.contains(key), "{key} missing from: {printed}");
    }
    assert!(
        !printed.contains("tooshort-7f3a"),
        "a secret was printed: {printed}"
    );
}

#[test]
fn responders_must_be_slack_ids_and_discord_roles_numbers_and_keys_hex() {
    let text = format!(
        "[slack]\nbot_token = \"x\"\nsigning_secret = \"{}\"\noncall_channel = \"C0\"\nresponders = [\"U0ALICE\", \"@alice\"]\n\
         [discord]\napplication_id = \"1\"\npublic_key = \"not-hex\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\nresponder_roles = [\"oncall\"]\n{ONE_CLIENT}",
        "s".repeat(32),
    );
    let printed = load(&text).unwrap_err().to_string();
    assert!(printed.contains("slack.responders[1]"), "{printed}");
    assert!(!printed.contains("slack.responders[0]"), "{printed}");
    assert!(printed.contains("discord.responder_roles[0]"), "{printed}");
    assert!(printed.contains("discord.public_key"), "{printed}");
}

#[test]
fn discord_without_responder_roles_is_a_warning() {
    let config = load(&format!("{}{ONE_CLIENT}", discord_section(""))).unwrap();
    let warnings = config.warnings();
    let discord = warnings
        .iter()
        .find(|w| w.key == "discord.responder_roles")
        .expect("a warning about responder roles");
    assert!(discord.message.contains("managers"));
    assert!(
        warnings.iter().any(|w| w.key == "triage.model_dir"),
        "no model: words-only search is a warning too"
    );
}

#[test]
fn an_oncall_channel_that_is_a_clients_channel_is_refused() {
    let text = format!(
        "[slack]\nbot_token = \"x\"\nsigning_secret = \"{}\"\noncall_channel = \"C0ACMESTATUS\"\n{ONE_CLIENT}",
        "s".repeat(32),
    );
    let printed = load(&text).unwrap_err().to_string();
    assert!(printed.contains("slack.oncall_channel"), "{printed}");
    assert!(printed.contains("client `acme`"), "{printed}");
}

/// Every TOML example in the README, in order.
fn readme_examples() -> Vec<&'static str> {
    let readme = include_str!("../../../README.md");
    readme
        .split("```toml\n")
        .skip(1)
        .map(|block| block.split("```").next().unwrap_or_default())
        .collect()
}

#[test]
fn the_readmes_examples_name_only_keys_the_configuration_reads() {
    let examples = readme_examples();
    assert!(examples.len() >= 5, "{} examples", examples.len());
    for example in &examples {
        // Placeholders (`"..."`) may fail the value checks and fragments may lack a client's
        // name, but a key or a type the configuration does not know is a README out of date.
        match load(example) {
            Ok(_) | Err(ConfigError::Invalid { .. }) => {}
            Err(ConfigError::Parse { message, .. }) if message.starts_with("missing field") => {}
            Err(error) => panic!("{error}\nin the README example:\n{example}"),
        }
    }
    // The configuration reference and the section after it make a whole, valid configuration.
    let reference = format!("{}{}", examples[0], examples[1]);
    if let Err(error) = load(&reference) {
        panic!("{error}\nin:\n{reference}");
    }
}
