use std::time::Duration;

use secrecy::ExposeSecret;

use super::*;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, "test.toml", Vec::new())
}

fn load_with_env(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_toml(
        text,
        "test.toml",
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

const ONE_CLIENT: &str = r#"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C0ACMESTATUS"
"#;

#[test]
fn the_sample_configuration_loads() {
    let config = Config::load(None).unwrap();
    assert_eq!(config.clients.len(), 1);
    assert_eq!(config.clients[0].id.as_str(), "demo");
    assert!(config.console_enabled());
    assert_eq!(config.database_url, "sqlite://commandpost.db");
}

#[test]
fn defaults_follow_the_contract() {
    let config = load(ONE_CLIENT).unwrap();
    let policy = config.policy();
    assert_eq!(policy.first_update_within, Duration::from_secs(1800));
    assert_eq!(policy.cadence[&Severity::P1], Duration::from_secs(1800));
    assert_eq!(policy.cadence[&Severity::P2], Duration::from_secs(3600));
    assert!(!policy.cadence.contains_key(&Severity::P3));
    assert_eq!(policy.separate_comms_for, vec![Severity::P1]);
    assert_eq!(config.http.listen.to_string(), "127.0.0.1:8080");
    assert!(config.slack.is_none() && config.discord.is_none());
}

#[test]
fn durations_accept_seconds_and_name_the_key_when_bad() {
    let config = load(&format!(
        "[policy]\nnudge_before = \"10s\"\ncadence = {{ P3 = \"2h\" }}\n{ONE_CLIENT}"
    ))
    .unwrap();
    assert_eq!(config.policy.nudge_before, Duration::from_secs(10));
    assert_eq!(
        config.policy().cadence[&Severity::P3],
        Duration::from_secs(7200)
    );
    let error = load(&format!("[policy]\nnudge_before = \"soon\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("policy.nudge_before"), "{error}");
    assert!(error.contains("`soon` is not a duration"), "{error}");
}

#[test]
fn unknown_keys_are_named() {
    let error = load(&format!("[policy]\nnudge_befor = \"5m\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("nudge_befor"), "{error}");
    let error = load(&format!("colour = \"red\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("colour"), "{error}");
}

#[test]
fn duplicate_clients_and_missing_destinations_are_errors() {
    let error = load(&format!(
        "{ONE_CLIENT}{}",
        ONE_CLIENT.replace("C0ACMESTATUS", "C0OTHER")
    ))
    .unwrap_err()
    .to_string();
    assert!(error.contains("clients[1].id"), "{error}");
    assert!(error.contains("must be unique"), "{error}");
    let error = load("[[clients]]\nid = \"lonely\"\nname = \"Lonely\"\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("no status destination"), "{error}");
}

#[test]
fn two_clients_on_one_channel_is_an_error() {
    let text = format!("{ONE_CLIENT}\n[[clients]]\nid = \"globex\"\nname = \"Globex\"\nslack_status_channel = \"C0ACMESTATUS\"\n");
    let error = load(&text).unwrap_err().to_string();
    // Named in the current spelling, whichever the file used.
    assert!(
        error.contains("clients[1].channels.slack.status"),
        "{error}"
    );
    assert!(
        error.contains("clients[0].channels.slack.status"),
        "{error}"
    );
}

#[test]
fn bad_client_ids_are_refused() {
    let error = load("[[clients]]\nid = \"Acme Corp\"\nname = \"Acme\"\npublic_status = true\n")
        .unwrap_err()
        .to_string();
    assert!(error.contains("clients[0].id"), "{error}");
}

#[test]
fn environment_overrides_the_file_and_secrets_stay_hidden() {
    let text = format!("[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"s3cret-s3cret-s3cret-s3cret-s3cret\"\noncall_channel = \"C0ONCALL\"\n{ONE_CLIENT}");
    let config = load_with_env(
        &text,
        &[
            ("COMMANDPOST_SLACK_BOT_TOKEN", "xoxb-env"),
            ("COMMANDPOST_DATABASE_URL", "sqlite://other.db"),
            ("COMMANDPOST_POLICY_MANAGERS", "[\"U0MANAGER\"]"),
            ("UNRELATED", "ignored"),
        ],
    )
    .unwrap();
    let slack = config.slack.as_ref().unwrap();
    assert_eq!(slack.bot_token.expose_secret(), "xoxb-env");
    assert_eq!(config.database_url, "sqlite://other.db");
    assert_eq!(config.policy.managers, vec!["U0MANAGER"]);
    let printed = format!("{config:?}");
    assert!(
        !printed.contains("xoxb-env") && !printed.contains("s3cret"),
        "{printed}"
    );
}

#[test]
fn unknown_environment_variables_are_warnings_naming_the_variable() {
    let config = load_with_env(
        ONE_CLIENT,
        &[
            ("COMMANDPOST_SLAK_TOKEN", "x"),
            ("COMMANDPOST_POLICY_NUDGE_BEFOR", "1m"),
            ("COMMANDPOST_DISCORD_TOKN", "x"),
            ("COMMANDPOST_CONFIG", "/etc/commandpost/commandpost.toml"),
            ("COMMANDPOST_LOG_FORMAT", "json"),
        ],
    )
    .unwrap();
    let warned: Vec<String> = config.warnings().iter().map(|w| w.key.clone()).collect();
    for var in [
        "COMMANDPOST_SLAK_TOKEN",
        "COMMANDPOST_POLICY_NUDGE_BEFOR",
        "COMMANDPOST_DISCORD_TOKN",
    ] {
        assert!(warned.contains(&var.to_owned()), "{var} not in {warned:?}");
    }
    assert!(
        !warned.iter().any(|w| w == "COMMANDPOST_CONFIG"),
        "{warned:?}"
    );
    // The ignored variable left no trace: the file's default stands, Discord stays off.
    assert_eq!(config.policy.nudge_before, Duration::from_secs(300));
    assert!(config.discord.is_none());
    assert_eq!(config.log.format, LogFormat::Json);
}

#[test]
fn a_bad_value_in_a_known_variable_is_still_an_error() {
    let error = load_with_env(ONE_CLIENT, &[("COMMANDPOST_POLICY_NUDGE_BEFORE", "soon")])
        .unwrap_err()
        .to_string();
    assert!(error.contains("policy.nudge_before"), "{error}");
}

#[test]
fn relative_paths_in_a_file_resolve_beside_it() {
    let dir = tempfile::tempdir().unwrap();
    let folder = dir.path().join("etc");
    std::fs::create_dir_all(&folder).unwrap();
    let path = folder.join("commandpost.toml");
    std::fs::write(
        &path,
        format!("database_url = \"sqlite://data/cp.db\"\nkb_dir = \"kb\"\n{ONE_CLIENT}"),
    )
    .unwrap();
    let config = Config::load(Some(&path)).unwrap();
    assert_eq!(
        config.database_url,
        format!("sqlite://{}", folder.join("data/cp.db").display())
    );
    assert_eq!(config.kb_dir, folder.join("kb"));
    // Not written in the file: the default stays relative to the working directory.
    assert_eq!(
        config.templates_dir,
        std::path::Path::new("incident-templates")
    );
}

#[test]
fn missing_required_platform_keys_are_named() {
    let error = load(&format!("[slack]\nbot_token = \"xoxb\"\n{ONE_CLIENT}"))
        .unwrap_err()
        .to_string();
    assert!(error.contains("signing_secret"), "{error}");
}

#[test]
fn weak_secrets_are_refused_by_key_and_never_printed() {
    let text = format!(
        "[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"tooshort-7f3a\"\noncall_channel = \"C0ONCALL\"\n\
         [discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"  \"\nguild_id = \"2\"\noncall_channel = \"3\"\n\
         [[clients]]\nid = \"acme\"\nname = \"Acme\"\nstatus_token = \"shorttoken-91b\"\n\
         [[clients]]\nid = \"globex\"\nname = \"Globex\"\npublic_status = true\nstatus_token = \"\"\n",
        "ab".repeat(32)
    );
    let printed = load(&text).unwrap_err().to_string();
    for key in [
        "slack.signing_secret: is too short",
        "discord.bot_token: is empty",
        "clients[0].status_token: is too short",
        "clients[1].status_token: is empty",
    ] {
        assert!(printed.contains(key), "{key} missing from: {printed}");
    }
    for secret in ["tooshort-7f3a", "shorttoken-91b"] {
        assert!(!printed.contains(secret), "a secret was printed: {printed}");
    }
}

#[test]
fn a_syntax_error_names_the_line_but_never_echoes_it() {
    let text = "[slack]\nbot_token = \"xoxb-file\"\nsigning_secret = \"9f8e7d6c5b4a39281706f5e4d3c2b1a0\noncall_channel = \"C0\"\n";
    let printed = load(text).unwrap_err().to_string();
    assert!(printed.contains("line 3"), "{printed}");
    assert!(
        !printed.contains("9f8e7d6c"),
        "the secret's line was echoed: {printed}"
    );
}

#[test]
fn responders_must_be_slack_ids_and_discord_roles_numbers() {
    let text = format!(
        "[slack]\nbot_token = \"x\"\nsigning_secret = \"{}\"\noncall_channel = \"C0\"\nresponders = [\"U0ALICE\", \"@alice\"]\n\
         [discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\nresponder_roles = [\"oncall\"]\n{ONE_CLIENT}",
        "s".repeat(32),
        "ab".repeat(32)
    );
    let printed = load(&text).unwrap_err().to_string();
    assert!(printed.contains("slack.responders[1]"), "{printed}");
    assert!(!printed.contains("slack.responders[0]"), "{printed}");
    assert!(printed.contains("discord.responder_roles[0]"), "{printed}");
}

#[test]
fn discord_without_responder_roles_is_a_warning() {
    let text = format!(
        "[discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\n{ONE_CLIENT}",
        "ab".repeat(32)
    );
    let config = load(&text).unwrap();
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
