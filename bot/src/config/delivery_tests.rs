use secrecy::ExposeSecret;

use super::super::{Config, ConfigError};

fn problems_of(text: &str) -> String {
    match Config::from_toml(text, "test.toml", Vec::new()) {
        Ok(_) => String::new(),
        Err(ConfigError::Invalid { problems, .. }) => problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n"),
        Err(other) => other.to_string(),
    }
}

const EMAIL: &str = r#"
[email]
smtp_url = "smtps://status:hunter2-very-secret@mail.msp.example:465"
from = "MSP status <status@msp.example>"
"#;

fn client(extra: &str) -> String {
    format!("[[clients]]\nid = \"acme\"\nname = \"Acme\"\nstatus_token = \"acme-status-token-0123456789\"\n{extra}\n")
}

#[test]
fn a_good_email_and_signing_setup_loads() {
    let text = format!(
        "timezone = \"Europe/London\"\n{EMAIL}{}",
        client(
            r#"email_to = ["it@acme.example"]
webhook_url = "https://acme.example/hook"
webhook_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
timezone = "America/New_York"
status_frame_ancestors = ["https://intranet.acme.example:8443"]"#
        )
    );
    let config = Config::from_toml(&text, "test.toml", Vec::new()).unwrap();
    let acme = &config.clients[0];
    assert_eq!(config.timezone_for(&acme.id), chrono_tz::America::New_York);
    assert!(config
        .email
        .unwrap()
        .smtp_url
        .expose_secret()
        .contains("hunter2"));
}

#[test]
fn a_client_without_its_own_zone_reads_the_deployments() {
    let text = format!("timezone = \"Europe/Berlin\"\n{}", client(""));
    let config = Config::from_toml(&text, "test.toml", Vec::new()).unwrap();
    assert_eq!(
        config.timezone_for(&config.clients[0].id),
        chrono_tz::Europe::Berlin
    );
}

#[test]
fn email_needs_a_server_and_real_addresses() {
    let problems = problems_of(&client(
        r#"email_to = ["it@acme.example", "not an address"]"#,
    ));
    assert!(
        problems.contains("clients[0].email_to: is set but there is no [email] section"),
        "{problems}"
    );
    assert!(
        problems.contains("clients[0].email_to[1]: `not an address` is not an email address"),
        "{problems}"
    );
    let broken = EMAIL
        .replace(
            "smtps://status:hunter2-very-secret@",
            "ftp://status:hunter2-very-secret@",
        )
        .replace("MSP status <status@msp.example>", "status at msp");
    let problems = problems_of(&format!("{broken}{}", client("")));
    assert!(
        problems.contains("email.smtp_url: is not an SMTP URL"),
        "{problems}"
    );
    assert!(
        problems.contains("email.from: is not an email address"),
        "{problems}"
    );
    assert!(
        !problems.contains("hunter2"),
        "the password is never repeated: {problems}"
    );
}

#[test]
fn an_email_only_client_has_a_status_destination() {
    let text = format!(
        "{EMAIL}[[clients]]\nid = \"acme\"\nname = \"Acme\"\nemail_to = [\"it@acme.example\"]\n"
    );
    assert_eq!(problems_of(&text), "");
}

#[test]
fn webhook_secrets_must_be_standard_webhooks_keys() {
    for bad in ["whsec_", "whsec_not base64!", "whsec_c2hvcnQ="] {
        let problems = problems_of(&client(&format!(
            "webhook_url = \"https://acme.example/hook\"\nwebhook_secret = \"{bad}\""
        )));
        assert!(
            problems.contains("clients[0].webhook_secret: must be `whsec_`"),
            "{bad}: {problems}"
        );
        assert!(
            !problems.contains(bad.trim_start_matches("whsec_")) || bad == "whsec_",
            "{problems}"
        );
    }
    let problems = problems_of(&client(
        "webhook_secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"",
    ));
    assert!(
        problems.contains("webhook_secret: is set but webhook_url is not"),
        "{problems}"
    );
}

#[test]
fn frame_ancestors_are_bare_origins_so_nothing_joins_the_policy() {
    for bad in [
        "https://intranet.acme.example; script-src *",
        "https://intranet.acme.example/path",
        "*",
        "intranet.acme.example",
        "javascript:alert(1)",
    ] {
        let problems = problems_of(&client(&format!("status_frame_ancestors = [{bad:?}]")));
        assert!(
            problems.contains("clients[0].status_frame_ancestors[0]")
                && problems.contains("is not an origin"),
            "{bad}: {problems}"
        );
    }
    assert_eq!(
        super::frame_origin("https://Intranet.Acme.example:8443/").as_deref(),
        Some("https://intranet.acme.example:8443")
    );
}

#[test]
fn an_unknown_time_zone_is_named() {
    let problems = problems_of(&client("timezone = \"Mars/Olympus\""));
    assert!(problems.contains("timezone"), "{problems}");
}
