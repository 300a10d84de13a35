//! Incidents monitoring declares on its own: the room opens with command vacant until a
//! responder takes it, and nobody in command after five minutes is a breach that pages.

use super::*;

#[tokio::test]
async fn auto_declare_opens_the_room_with_command_vacant_until_a_responder_takes_it() {
    let world = World::new("auto_declare = { critical = \"P1\" }").await;
    let (status, answer) = world.post("acme", Some(ACME_TOKEN), GRAFANA).await;
    assert_eq!(status, 202);
    assert_eq!(answer["declared"], 1, "{answer}");
    let incident = world.only_incident().await;
    assert_eq!(
        incident.title,
        "The Acme VPN gateway has not answered for 5 minutes"
    );
    assert_eq!(incident.declared_by.as_str(), "alert:grafana");
    assert!(incident.commander_vacant());
    let briefs: Vec<_> = world
        .chat
        .delivered()
        .into_iter()
        .filter(|d| matches!(d.destination, Destination::OpenRoom { .. }))
        .collect();
    assert_eq!(briefs.len(), 1);
    assert!(
        briefs[0].text.contains("COMMANDER: UNASSIGNED"),
        "{}",
        briefs[0].text
    );
    assert!(world.proposals().is_empty(), "declared, not proposed");

    let room = incident.rooms[0].room.clone();
    let request = console::line("alice", Some(&room), "/incident assign commander @alice");
    world.app.app.engine.handle(request).await.unwrap();
    let incident = world.only_incident().await;
    assert_eq!(incident.roles.commander.as_str(), "console:alice");
    assert!(!incident.commander_vacant());
}

#[tokio::test]
async fn an_incident_monitoring_declared_with_nobody_in_command_after_five_minutes_is_a_breach() {
    let pager = commandpost_chat_fakes::FakePagerDuty::start()
        .await
        .unwrap();
    let world = World::new(&format!(
        "auto_declare = {{ critical = \"P1\" }}\n[paging]\npagerduty_routing_key = \"R0123456789abcdef0123456789ABCDE\"\npagerduty_url = \"{}\"",
        pager.url()
    ))
    .await;
    world.post("acme", Some(ACME_TOKEN), ALERTMANAGER).await;
    let missing = |world: &World| {
        world
            .chat
            .delivered()
            .into_iter()
            .filter(|d| d.text.contains("has had no commander for 5 minutes"))
            .count()
    };
    world
        .app
        .clock
        .advance(std::time::Duration::from_secs(4 * 60));
    world.app.settle().await;
    assert_eq!(missing(&world), 0, "not yet");
    world.app.clock.advance(std::time::Duration::from_secs(61));
    world.app.settle().await;
    assert_eq!(missing(&world), 2, "the room and the on-call channel");
    let incident = world.only_incident().await;
    assert_eq!(incident.breaches, 1);
    let timeline = world.app.app.store.timeline(&incident.id).await.unwrap();
    assert!(timeline
        .iter()
        .any(|e| matches!(e.kind, EventKind::CommanderMissing { .. })));
    let pages: Vec<_> = pager
        .accepted()
        .iter()
        .map(|e| (e["event_action"].clone(), e["dedup_key"].clone()))
        .collect();
    assert_eq!(
        pages,
        vec![(
            serde_json::json!("trigger"),
            serde_json::json!(incident.id.as_str())
        )],
        "the breach pages"
    );
    world
        .app
        .clock
        .advance(std::time::Duration::from_secs(10 * 60));
    world.app.settle().await;
    assert_eq!(missing(&world), 2, "once");
}
