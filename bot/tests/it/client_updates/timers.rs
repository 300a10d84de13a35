//! An update's clock: the first update's deadline, the nudge, the escalation, the breach and
//! the cadence after each update; resolving stops them; a long pause fires overdue work once.

use super::*;

#[tokio::test]
async fn first_update_nudge_escalation_breach_and_cadence() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let t0 = world.clock.now_for_test();
    let (incident, room) = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    assert_eq!(
        incident.next_update_due,
        Some(t0 + chrono::Duration::minutes(30))
    );

    world.at_minute(t0, 24).await;
    assert!(
        !world.room_texts().iter().any(|t| t.contains("⏰")),
        "no nudge before 25 minutes"
    );
    world.at_minute(t0, 25).await;
    let nudges: Vec<_> = world
        .room_texts()
        .into_iter()
        .filter(|t| t.contains("⏰"))
        .collect();
    assert_eq!(nudges.len(), 1, "{nudges:?}");
    assert!(
        nudges[0].contains("<@console:alice>"),
        "the commander is nudged while comms is vacant: {}",
        nudges[0]
    );
    assert!(
        nudges[0].contains("Draft ready to publish"),
        "{}",
        nudges[0]
    );

    world.at_minute(t0, 34).await;
    assert!(world.oncall_texts().iter().all(|t| !t.contains("BREACH")));
    world.at_minute(t0, 35).await;
    let breaches: Vec<_> = world
        .oncall_texts()
        .into_iter()
        .filter(|t| t.contains("BREACH"))
        .collect();
    assert_eq!(breaches.len(), 1);
    assert!(
        breaches[0].contains("<@console:alice>") && breaches[0].contains("<@console:maria>"),
        "{}",
        breaches[0]
    );
    assert!(breaches[0].contains("5m 00s overdue"), "{}", breaches[0]);
    world.at_minute(t0, 40).await;
    assert_eq!(
        count(&world.timeline(&incident).await, "update_escalated"),
        2,
        "escalation repeats every 5 minutes"
    );

    world.clock.set(t0 + chrono::Duration::minutes(41));
    world
        .run(
            "alice",
            Some(&room),
            "/incident update We are restoring mail flow.",
        )
        .await
        .unwrap();
    world.settle().await;
    let received = hook.received();
    assert_eq!(received.len(), 1);
    let body = &received[0];
    assert_eq!(body["incident_id"], incident.id.as_str());
    assert_eq!(body["client"], "acme");
    assert_eq!(body["severity"], "P1");
    assert_eq!(body["stage"], "investigating");
    assert_eq!(body["message"], "We are restoring mail flow.");
    assert_eq!(body["sequence"], 1);
    assert!(chrono::DateTime::parse_from_rfc3339(body["sent_at"].as_str().unwrap()).is_ok());

    let after = world.incident_in(&room).await;
    assert_eq!(after.updates_late, 1);
    assert_eq!(after.breaches, 2);
    assert_eq!(
        after.next_update_due,
        Some(t0 + chrono::Duration::minutes(71))
    );
    world.at_minute(t0, 60).await;
    assert_eq!(
        count(&world.timeline(&incident).await, "update_escalated"),
        2,
        "no escalation after the update landed"
    );
    let status = world
        .run("bob", Some(&room), "/incident status")
        .await
        .unwrap()
        .text;
    assert!(
        status.contains("1 published · 0 on time · 1 late · 2 breach(es)"),
        "{status}"
    );

    // The update went to acme's destinations only.
    let client_channels: Vec<_> = world
        .chat
        .delivered()
        .into_iter()
        .filter_map(|d| match d.destination {
            Destination::ClientChannel { channel, .. } => Some(channel),
            _ => None,
        })
        .collect();
    assert_eq!(client_channels, vec!["acme".to_owned()]);
    let globex = commandpost::domain::ClientId::parse("globex").unwrap();
    assert!(world
        .app
        .store
        .status_posts(&globex, t0 - chrono::Duration::days(1))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn an_on_time_update_sets_the_next_due_from_when_it_landed() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let t0 = world.clock.now_for_test();
    let (incident, room) = world
        .declare("/incident declare P2 acme Printers offline")
        .await;
    assert_eq!(
        incident.next_update_due,
        Some(t0 + chrono::Duration::minutes(30))
    );
    world.clock.set(t0 + chrono::Duration::minutes(10));
    world
        .run(
            "alice",
            Some(&room),
            "/incident update Printing is down in the London office.",
        )
        .await
        .unwrap();
    world.settle().await;
    let incident = world.incident_in(&room).await;
    assert_eq!(incident.updates_on_time, 1);
    assert_eq!(
        incident.next_update_due,
        Some(t0 + chrono::Duration::minutes(70)),
        "P2 cadence is 60 minutes"
    );

    world.clock.set(t0 + chrono::Duration::minutes(20));
    world
        .run("alice", Some(&room), "/incident severity P1")
        .await
        .unwrap();
    assert_eq!(
        world.incident_in(&room).await.next_update_due,
        Some(t0 + chrono::Duration::minutes(40)),
        "P1 cadence counts from the last update"
    );
    world
        .run("alice", Some(&room), "/incident severity P3")
        .await
        .unwrap();
    assert_eq!(
        world.incident_in(&room).await.next_update_due,
        None,
        "P3 has no cadence"
    );
    world.at_minute(t0, 200).await;
    let events = world.timeline(&incident).await;
    assert_eq!(
        count(&events, "update_nudged") + count(&events, "update_escalated"),
        0
    );
}

#[tokio::test]
async fn resolving_stops_the_timers() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let t0 = world.clock.now_for_test();
    let (incident, room) = world.declare("/incident declare P1 acme VPN down").await;
    world.clock.set(t0 + chrono::Duration::minutes(5));
    world
        .run("alice", Some(&room), "/incident resolve Tunnel restarted")
        .await
        .unwrap();
    world.at_minute(t0, 120).await;
    let events = world.timeline(&incident).await;
    assert_eq!(
        count(&events, "update_nudged") + count(&events, "update_escalated"),
        0
    );
    assert!(world.oncall_texts().iter().any(|t| t.contains("resolved")));
}

#[tokio::test]
async fn a_long_pause_fires_overdue_work_once() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let t0 = world.clock.now_for_test();
    let (incident, _room) = world.declare("/incident declare P1 acme Citrix down").await;
    world.at_minute(t0, 180).await;
    world.settle().await;
    let events = world.timeline(&incident).await;
    assert_eq!(count(&events, "update_escalated"), 1);
    assert_eq!(count(&events, "update_nudged"), 0);
    let breach = events.iter().find_map(|e| match e.kind {
        EventKind::UpdateEscalated { late_by_secs, .. } => Some(late_by_secs),
        _ => None,
    });
    assert_eq!(breach, Some(150 * 60), "the breach records how late it was");
}
