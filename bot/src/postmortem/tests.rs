//! Render tests of the postmortem templates: the team's markdown and the client's version.

use chrono::{TimeZone, Utc};

use super::*;
use crate::templates::Templates;

fn config() -> Config {
    Config::from_toml(
        "timezone = \"Europe/Berlin\"\n[http]\npublic_url = \"https://cp.example\"\n[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\npublic_status = true\n",
        "test",
        Vec::new(),
    )
    .unwrap()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 12, 0, 0).unwrap()
}

fn render(name: &str) -> String {
    let config = config();
    let samples = template_samples(&config, now());
    let (_, data) = samples.iter().find(|(n, _)| *n == name).unwrap();
    Templates::load(None).unwrap().render(name, data).unwrap()
}

#[test]
fn the_team_postmortem_has_every_section_in_the_deployment_time_zone() {
    let markdown = render("postmortem");
    for section in [
        "## Summary",
        "## Impact",
        "## Timeline",
        "## Roles and hand-overs",
        "## Client updates (due vs sent)",
        "## Metrics",
        "## Contributing factors",
        "## What went well",
        "## Action items",
        "## Internal notes",
    ] {
        assert!(markdown.contains(section), "missing {section}:\n{markdown}");
    }
    // Declared 09:00 UTC is 10:00 in Berlin.
    assert!(markdown.contains("2026-11-25 10:00 CET"), "{markdown}");
    assert!(markdown.contains("| Renew certificates automatically | bob | 2026-12-15 |"));
    assert!(markdown.contains("Time to comms lead: 3m 00s"));
    assert!(markdown.contains("Update compliance: 1 of 1 on time (100%)"));
    insta::assert_snapshot!("postmortem_markdown", markdown);
}

#[test]
fn the_client_version_names_nobody_and_keeps_internal_notes_out() {
    let text = render("client-postmortem");
    for internal in [
        "alice",
        "bob",
        "carol",
        "maria",
        "monitoring gap",
        "nobody owned it",
        "<@",
    ] {
        assert!(!text.contains(internal), "`{internal}` leaked:\n{text}");
    }
    assert!(text.contains("Renew certificates automatically"));
    assert!(text.contains("We are investigating an email outage."));
    assert!(text.contains("Status: identified"));
    insta::assert_snapshot!("client_postmortem", text);
}

#[test]
fn mentions_are_shown_by_name_or_hidden() {
    assert_eq!(
        display_mentions("ask <@console:carol> or <@U123>"),
        "ask @carol or @U123"
    );
    assert_eq!(anonymise("thanks <@console:bob>!"), "thanks our team!");
    assert_eq!(anonymise("a <@ dangling"), "a <@ dangling");
}
