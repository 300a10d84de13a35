//! Email to the client: one threaded message per update to that client's addresses only, with
//! both parts; a 4xx is retried, a 5xx reported to the room.

use super::*;

#[tokio::test]
async fn each_update_is_one_threaded_email_to_that_clients_addresses_only() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(
            Some(&room),
            "/incident update We are investigating <the> relay & queue.",
        )
        .await;
    world
        .run(
            Some(&room),
            "/incident update A certificate expired; renewing it.",
        )
        .await;
    world
        .run(
            Some(&room),
            r#"/incident resolve Renewed --client "Mail flows again.""#,
        )
        .await;
    let globex_room = world
        .declare("/incident declare P1 globex VPN is down")
        .await;
    world
        .run(Some(&globex_room), "/incident update Looking into the VPN.")
        .await;

    let mails = world.smtp.received();
    let acme: Vec<_> = mails
        .iter()
        .filter(|m| m.header("Subject").unwrap().starts_with("[Acme Corp]"))
        .collect();
    let subjects: Vec<_> = acme.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(
        subjects,
        vec![
            "[Acme Corp] P1 Email is down: update 1",
            "[Acme Corp] P1 Email is down: update 2",
            "[Acme Corp] P1 Email is down: resolved",
        ],
        "each message once"
    );
    for mail in &acme {
        assert_eq!(mail.rcpt_to, vec!["it@acme.example", "ceo@acme.example"]);
        assert_eq!(mail.mail_from, "status@msp.example");
    }
    let globex: Vec<_> = mails
        .iter()
        .filter(|m| m.header("Subject").unwrap().starts_with("[Globex]"))
        .collect();
    assert_eq!(globex.len(), 1, "{mails:?}");
    assert_eq!(globex[0].rcpt_to, vec!["ops@globex.example"]);
    assert_eq!(mails.len(), 4, "nobody else is written to");

    // One thread per incident: each message answers the one before and names them all.
    let ids: Vec<_> = acme
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert!(
        ids[0].starts_with("<INC-") && ids[0].ends_with(".1@msp.example>"),
        "{ids:?}"
    );
    assert_eq!(acme[0].header("In-Reply-To"), None);
    assert_eq!(
        acme[1].header("In-Reply-To").as_deref(),
        Some(ids[0].as_str())
    );
    assert_eq!(
        acme[2].header("In-Reply-To").as_deref(),
        Some(ids[1].as_str())
    );
    assert_eq!(
        acme[2].header("References").unwrap(),
        format!("{} {}", ids[0], ids[1])
    );

    // Both parts say the same; the HTML escapes what the responder typed.
    let plain = part(acme[0], "text/plain");
    let html = part(acme[0], "text/html");
    assert!(
        plain.contains("We are investigating <the> relay & queue."),
        "{plain}"
    );
    assert!(
        html.contains("We are investigating &lt;the&gt; relay &amp; queue."),
        "{html}"
    );
    assert!(!html.contains("<the>"));
    assert!(part(acme[2], "text/plain").contains("Mail flows again."));
    assert!(part(acme[2], "text/html").contains("Resolved: Email is down"));
}

#[tokio::test]
async fn a_deferred_email_is_retried_and_delivered_once() {
    let world = World::new().await;
    world.smtp.answer_next(451, "4.3.0 Try again later");
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    assert!(world.smtp.received().is_empty());
    assert_eq!(world.smtp.answers(), vec![451]);
    assert!(
        world
            .room_texts()
            .iter()
            .any(|t| t.contains("email to it@acme.example") && t.contains("Retrying")),
        "{:?}",
        world.room_texts()
    );
    world.later(30).await;
    world.later(30).await;
    assert_eq!(world.smtp.answers(), vec![451, 250]);
    assert_eq!(world.smtp.received().len(), 1);
    assert!(
        world.smtp.protocol_errors().is_empty(),
        "{:?}",
        world.smtp.protocol_errors()
    );
}

#[tokio::test]
async fn a_refused_email_is_reported_to_the_room_and_not_retried() {
    let world = World::new().await;
    world.smtp.answer_next(550, "5.1.1 Mailbox unavailable");
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.later(600).await;
    assert_eq!(world.smtp.answers(), vec![550], "a 5xx is final");
    assert!(world.smtp.received().is_empty());
    let told = world.room_texts();
    assert!(
        told.iter().any(
            |t| t.contains("could not be delivered to email to it@acme.example")
                && t.contains("550")
        ),
        "{told:?}"
    );
}
