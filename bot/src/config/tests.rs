use std::time::Duration;

use super::*;

pub(crate) fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, "test.toml", Vec::new())
}

pub(crate) fn load_with_env(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    Config::from_toml(
        text,
        "test.toml",
        vars.iter().map(|(k, v)| (k.to_string(), v.to_string())),
    )
}

pub(crate) const ONE_CLIENT: &str = r#"
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
    assert!(crate::chat::console::ConsoleConfig::enabled_in(&config));
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
    assert_eq!(config.chat_platforms().count(), 0);
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
    assert_eq!(config.chat_platforms().count(), 0);
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
fn weak_client_tokens_are_refused_by_key_and_never_printed() {
    let text = "[[clients]]\nid = \"acme\"\nname = \"Acme\"\nstatus_token = \"shorttoken-91b\"\n\
         [[clients]]\nid = \"globex\"\nname = \"Globex\"\npublic_status = true\nstatus_token = \"\"\n";
    let printed = load(text).unwrap_err().to_string();
    for key in [
        "clients[0].status_token: is too short",
        "clients[1].status_token: is empty",
    ] {
        assert!(printed.contains(key), "{key} missing from: {printed}");
    }
    assert!(
        !printed.contains("shorttoken-91b"),
        "a secret was printed: {printed}"
    );
}

/// A platform the configuration module has never heard of, as a new adapter would declare it.
#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct MattermostSettings {
    url: String,
    #[serde(default)]
    notify: bool,
    oncall_channel: String,
}

impl ChatSettings for MattermostSettings {
    fn problems(&self) -> Vec<ConfigProblem> {
        (!self.url.starts_with("https://"))
            .then(|| ConfigProblem {
                key: "mattermost.url".into(),
                message: "must be https".into(),
            })
            .into_iter()
            .collect()
    }

    fn oncall_channel(&self) -> Option<&str> {
        Some(&self.oncall_channel)
    }
}

const MATTERMOST: ChatSection = ChatSection::of::<MattermostSettings>("mattermost", &["notify"]);

fn load_platform(text: &str, vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
    let vars = vars.iter().map(|(k, v)| (k.to_string(), v.to_string()));
    Config::from_toml_with(text, "test.toml", None, vars, &[MATTERMOST])
}

#[test]
fn a_new_platform_needs_only_its_own_section_description() {
    let text = "[mattermost]\nurl = \"https://chat.example\"\noncall_channel = \"town-square\"\n\
                [[clients]]\nid = \"acme\"\nname = \"Acme\"\n[clients.channels.mattermost]\nstatus = \"acme-status\"\n";
    let config = load_platform(text, &[("COMMANDPOST_MATTERMOST_NOTIFY", "true")]).unwrap();
    let settings = config.chat::<MattermostSettings>().unwrap();
    assert!(settings.notify, "the environment set a typed key");
    assert_eq!(
        config.clients[0].status_channel("mattermost"),
        Some("acme-status")
    );
    // Its own checks, and the checks that span sections, apply to it like to any platform.
    let wrong = text
        .replace("https://chat.example", "http://chat.example")
        .replace("town-square", "acme-status");
    let printed = load_platform(&wrong, &[]).unwrap_err().to_string();
    assert!(
        printed.contains("mattermost.url: must be https"),
        "{printed}"
    );
    assert!(printed.contains("mattermost.oncall_channel"), "{printed}");
    // Platforms the loader was not given are not platforms.
    let printed = load_platform(&text.replace("channels.mattermost", "channels.slack"), &[])
        .unwrap_err()
        .to_string();
    assert!(
        printed.contains("`slack` is not a chat platform (known: mattermost)"),
        "{printed}"
    );
}
