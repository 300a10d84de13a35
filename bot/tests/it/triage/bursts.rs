//! Bursts of alike questions that are really a major incident, and declaring from one.

use super::*;

#[tokio::test]
async fn three_people_asking_alike_is_a_possible_major_incident() {
    let world = World::new().await;
    world
        .ask("ann", "acme", "outlook will not open this morning")
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(120));
    world
        .ask("ann", "acme", "outlook still not opening")
        .await
        .unwrap();
    world
        .ask("bob", "globex", "outlook will not open")
        .await
        .unwrap();
    assert!(
        world
            .oncall()
            .iter()
            .all(|t| !t.contains("Possible major incident")),
        "one person twice, or another client, is no burst"
    );
    world.clock.advance(Duration::from_secs(120));
    world
        .ask("carl", "acme", "Outlook crashes when opening")
        .await
        .unwrap();
    world
        .ask("dan", "acme", "outlook not opening for me either")
        .await
        .unwrap();
    let alerts: Vec<_> = world
        .oncall()
        .into_iter()
        .filter(|t| t.contains("Possible major incident for Acme Corp"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("3 people"), "{}", alerts[0]);
    world
        .ask("erin", "acme", "outlook wont open")
        .await
        .unwrap();
    let alerts = world
        .oncall()
        .into_iter()
        .filter(|t| t.contains("Possible major incident"))
        .count();
    assert_eq!(alerts, 1, "requests already reported do not alert again");

    // One click declares a P1 linked to those requests; new alike questions get its status.
    let button = world
        .chat
        .delivered()
        .into_iter()
        .find(|d| d.text.contains("Possible major incident"))
        .and_then(|d| d.actions.into_iter().next())
        .unwrap();
    let Action::DeclareFromBurst { client, requests } = button else {
        panic!("the alert offers Declare P1, got {button:?}");
    };
    assert_eq!(
        requests,
        vec![1, 2, 4, 5],
        "the globex question is not part of acme's burst"
    );
    let wrong = world
        .send(
            "olga",
            "oncall",
            Command::Triage(TriageCommand::DeclareFromBurst {
                client: client.clone(),
                requests: vec![1, 3],
            }),
        )
        .await
        .unwrap_err();
    assert!(wrong.contains("another client"), "{wrong}");
    let declared = world
        .send(
            "olga",
            "oncall",
            Command::Triage(TriageCommand::DeclareFromBurst { client, requests }),
        )
        .await
        .unwrap();
    assert!(declared.text.contains("Declared INC-"), "{}", declared.text);
    let linked = world.app.store.triage_request(1).await.unwrap().unwrap();
    assert!(linked.incident_id.is_some());
    let status = world
        .ask("fay", "acme", "outlook is not opening")
        .await
        .unwrap();
    assert!(
        status.text.contains("known incident affecting Acme Corp"),
        "{}",
        status.text
    );
    let other = world
        .ask("gus", "globex", "outlook is not opening")
        .await
        .unwrap();
    assert!(
        !other.text.contains("known incident"),
        "another client's incident never answers: {}",
        other.text
    );
}

#[tokio::test]
async fn outage_words_alert_at_once() {
    let world = World::new().await;
    world
        .ask(
            "ann",
            "acme",
            "Nobody can log in to anything, everything is down!",
        )
        .await
        .unwrap();
    assert!(world
        .oncall()
        .iter()
        .any(|t| t.contains("Possible major incident for Acme Corp")));
}

#[tokio::test]
async fn old_questions_fall_out_of_the_window() {
    let world = World::new().await;
    world
        .ask("ann", "acme", "outlook will not open")
        .await
        .unwrap();
    world
        .ask("bob", "acme", "outlook not opening")
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(11 * 60));
    world
        .ask("carl", "acme", "outlook wont open")
        .await
        .unwrap();
    assert!(world
        .oncall()
        .iter()
        .all(|t| !t.contains("Possible major incident")));
}

#[tokio::test]
async fn two_simultaneous_declare_clicks_make_one_incident_and_one_room() {
    let world = World::new().await;
    for asker in ["ann", "carl", "dan"] {
        world
            .ask(asker, "acme", "outlook will not open")
            .await
            .unwrap();
    }
    let click = || {
        Command::Triage(TriageCommand::DeclareFromBurst {
            client: commandpost::domain::ClientId::parse("acme").unwrap(),
            requests: vec![1, 2, 3],
        })
    };
    let (olga, pete) = tokio::join!(
        world.send("olga", "oncall", click()),
        world.send("pete", "oncall", click())
    );
    let (won, lost) = match (olga, pete) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("exactly one click declares: {other:?}"),
    };
    assert!(won.text.contains("Declared INC-"), "{}", won.text);
    assert!(
        lost.contains("was already declared for these requests by <@console:"),
        "{lost}"
    );
    let incidents = world
        .app
        .store
        .incidents(&commandpost::store::IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(incidents.len(), 1);
    let rooms = world
        .chat
        .delivered()
        .into_iter()
        .filter(|d| matches!(d.destination, Destination::OpenRoom { .. }))
        .count();
    assert_eq!(rooms, 1, "one room");
}
