//! Clients' channels per platform: `[clients.channels.<platform>]`, and the older
//! `<platform>_status_channel` spelling mapped onto it.

use super::*;

fn load(text: &str) -> Result<Config, ConfigError> {
    Config::from_toml(text, "test.toml", Vec::new())
}

#[test]
fn channels_are_written_per_platform() {
    let config = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
[clients.channels.slack]
status = "C0ACMESTATUS"
support = "C0ACMESUPPORT"
[clients.channels.discord]
status = "1300000000000000011"
"#,
    )
    .unwrap();
    let acme = &config.clients[0];
    assert_eq!(acme.status_channel("slack"), Some("C0ACMESTATUS"));
    assert_eq!(acme.support_channel("slack"), Some("C0ACMESUPPORT"));
    assert_eq!(acme.status_channel("discord"), Some("1300000000000000011"));
    assert_eq!(acme.support_channel("discord"), None);
    assert_eq!(acme.status_channel("console"), None);
}

#[test]
fn each_older_key_means_the_same_channel() {
    let older = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C1"
slack_support_channel = "C2"
discord_status_channel = "3"
discord_support_channel = "4"
"#,
    )
    .unwrap();
    let acme = &older.clients[0];
    assert_eq!(acme.status_channel("slack"), Some("C1"));
    assert_eq!(acme.support_channel("slack"), Some("C2"));
    assert_eq!(acme.status_channel("discord"), Some("3"));
    assert_eq!(acme.support_channel("discord"), Some("4"));
    // Mixed: one channel in each spelling.
    let mixed = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_support_channel = "C2"
[clients.channels.slack]
status = "C1"
"#,
    )
    .unwrap();
    assert_eq!(mixed.clients[0].status_channel("slack"), Some("C1"));
    assert_eq!(mixed.clients[0].support_channel("slack"), Some("C2"));
}

#[test]
fn one_channel_in_both_spellings_is_an_error_naming_both() {
    let error = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C1"
[clients.channels.slack]
status = "C9"
"#,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("clients[0].slack_status_channel"), "{error}");
    assert!(
        error.contains("clients[0].channels.slack.status"),
        "{error}"
    );
    assert!(!error.contains("C9") && !error.contains("C1"), "{error}");
}

#[test]
fn an_unknown_platform_or_key_is_named() {
    let error = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
[clients.channels.slak]
status = "C1"
"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("clients[0].channels.slak") && error.contains("not a chat platform"),
        "{error}"
    );
    let error = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
[clients.channels.slack]
stats = "C1"
"#,
    )
    .unwrap_err()
    .to_string();
    assert!(error.contains("stats"), "{error}");
}

#[test]
fn two_clients_on_one_channel_is_an_error_in_either_spelling() {
    let error = load(
        r#"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C1"
[[clients]]
id = "globex"
name = "Globex"
[clients.channels.slack]
status = "C1"
"#,
    )
    .unwrap_err()
    .to_string();
    assert!(
        error.contains("each client needs channels of its own"),
        "{error}"
    );
}
