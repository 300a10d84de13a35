use super::*;

fn incident(line: &str) -> IncidentCommand {
    match parse(line).unwrap() {
        Command::Incident(command) => command,
        other => panic!("expected an /incident command, got {other:?}"),
    }
}

fn error(line: &str) -> String {
    parse(line).unwrap_err().to_string()
}

#[test]
fn declare_takes_severity_client_and_title() {
    assert_eq!(
        incident("/incident declare P1 acme Email is down for everyone"),
        IncidentCommand::Declare {
            severity: Severity::P1,
            client: ClientId::parse("acme").unwrap(),
            title: "Email is down for everyone".into()
        }
    );
    assert_eq!(
        incident("/incident declare"),
        IncidentCommand::DeclarePrompt
    );
}

#[test]
fn declare_errors_name_the_problem_and_the_right_form() {
    let bad_severity = error("/incident declare P9 acme Email down");
    assert!(
        bad_severity.contains("`P9` is not a severity"),
        "{bad_severity}"
    );
    assert!(bad_severity.contains("/incident declare <P1|P2|P3|P4> <client-id> <title…>"));
    assert!(error("/incident declare P1").contains("needs the client id"));
    assert!(error("/incident declare P1 acme").contains("needs a title"));
    assert!(error("/incident declare P1 ACME! down").contains("is not a client id"));
}

#[test]
fn assign_reads_every_mention_style() {
    for (line, id) in [
        ("/incident assign comms <@U123>", "U123"),
        ("/incident assign comms <@U123|bob>", "U123"),
        ("/incident assign comms <@!4567>", "4567"),
        ("/incident assign comms @alice", "alice"),
    ] {
        assert_eq!(
            incident(line),
            IncidentCommand::Assign {
                role: Role::Comms,
                user: UserRef(id.into())
            },
            "{line}"
        );
    }
}

#[test]
fn assign_errors() {
    assert!(error("/incident assign").contains("needs a role and a person"));
    assert!(error("/incident assign chef @bob").contains("`chef` is not a role"));
    assert!(error("/incident assign comms").contains("needs the person"));
    assert!(error("/incident assign comms bob").contains("is not a person"));
    assert!(error("/incident assign comms @bob @carol").contains("one person at a time"));
}

#[test]
fn single_argument_commands() {
    assert_eq!(
        incident("/incident severity p2"),
        IncidentCommand::Severity(Severity::P2)
    );
    assert_eq!(
        incident("/incident stage Identified"),
        IncidentCommand::Stage {
            stage: Stage::Identified,
            tell_client: false
        }
    );
    assert_eq!(
        incident("/incident stage monitoring --tell-client"),
        IncidentCommand::Stage {
            stage: Stage::Monitoring,
            tell_client: true
        }
    );
    assert!(error("/incident stage --tell-client").contains("needs a stage"));
    assert!(error("/incident stage monitoring now").contains("`now` is extra"));
    assert!(error("/incident severity").contains("needs a severity"));
    assert!(error("/incident severity P1 now").contains("`now` is extra"));
    assert!(error("/incident stage resolved").contains("/incident resolve"));
    assert!(error("/incident stage fixed")
        .contains("/incident stage <investigating|identified|monitoring>"));
}

#[test]
fn free_text_commands() {
    assert_eq!(
        incident("/incident update We have found the cause.  ETA 20 minutes."),
        IncidentCommand::Update {
            text: "We have found the cause.  ETA 20 minutes.".into()
        }
    );
    assert!(error("/incident update   ").contains("needs the text"));
    assert_eq!(
        incident("/incident resolve"),
        IncidentCommand::Resolve {
            summary: None,
            client_text: None
        }
    );
    assert_eq!(
        incident("/incident resolve Mail flow restored"),
        IncidentCommand::Resolve {
            summary: Some("Mail flow restored".into()),
            client_text: None
        }
    );
    assert_eq!(
        incident(
            r#"/incident resolve Bad MX record rolled back --client "Email is flowing again.""#
        ),
        IncidentCommand::Resolve {
            summary: Some("Bad MX record rolled back".into()),
            client_text: Some("Email is flowing again.".into())
        }
    );
    assert_eq!(
        incident("/incident resolve --client All services are back"),
        IncidentCommand::Resolve {
            summary: None,
            client_text: Some("All services are back".into())
        }
    );
    assert!(error("/incident resolve fixed --client").contains("`--client` needs the text"));
    assert!(error(r#"/incident resolve fixed --client "open"#).contains("never closed"));
}

#[test]
fn no_argument_commands_refuse_extras() {
    assert_eq!(incident("/incident status"), IncidentCommand::Status);
    assert_eq!(incident("/incident"), IncidentCommand::Help);
    assert_eq!(incident("/incident review"), IncidentCommand::Review);
    assert_eq!(incident("/incident kb-draft"), IncidentCommand::KbDraft);
    assert!(error("/incident status please").contains("takes no arguments"));
}

#[test]
fn unknown_commands_are_named() {
    assert!(error("/incident explode").contains("`explode` is not an /incident subcommand"));
    assert!(error("/deploy now").contains("`/deploy` is not a command"));
    assert!(error("").contains("empty"));
}

#[test]
fn help_needs_a_question() {
    assert_eq!(
        parse("/help my vpn is broken").unwrap(),
        Command::Help {
            question: "my vpn is broken".into()
        }
    );
    assert!(error("/help").contains("/help <question…>"));
}

#[test]
fn answer_names_a_ticket_as_people_write_it_and_an_article_slug() {
    for ticket in ["TKT-0004", "tkt-4", "4", "#4"] {
        assert_eq!(
            incident(&format!("/incident answer {ticket} vpn-reconnect")),
            IncidentCommand::Answer {
                request: 4,
                article: "vpn-reconnect".into()
            },
            "{ticket}"
        );
    }
    assert!(error("/incident answer").contains("needs the ticket and the slug"));
    assert!(error("/incident answer TKT-0004").contains("needs the ticket and the slug"));
    assert!(error("/incident answer TKT-x vpn").contains("`TKT-x` is not a ticket number"));
    assert!(error("/incident answer 0 vpn").contains("is not a ticket number"));
    assert!(error("/incident answer 4 ../etc/passwd").contains("is not an article slug"));
    assert!(error("/incident answer 4 vpn extra").contains("`extra` is extra"));
    assert!(error("/incident answer 4").contains("/incident answer <TKT-0004> <article-slug>"));
}
