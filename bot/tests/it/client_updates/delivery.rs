//! An update reaches the client exactly once: through 429 and 500 answers, past a failing
//! room, across a crash and restart, and with two replicas on PostgreSQL.

use super::*;

#[tokio::test]
async fn a_webhook_answering_429_then_500_gets_the_update_exactly_once() {
    let hook = FakeWebhook::start().await;
    hook.answer_next(429, Some(1));
    hook.answer_next(500, None);
    let (world, _dir) = sqlite_world(&hook).await;
    let (_, room) = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run("alice", Some(&room), "/incident update We are on it.")
        .await
        .unwrap();
    world.settle().await;
    assert!(hook.received().is_empty());
    assert!(world
        .room_texts()
        .iter()
        .any(|t| t.contains("to webhook failed: the webhook answered HTTP 429")));
    world.clock.advance(Duration::from_secs(1));
    world.settle().await;
    assert_eq!(hook.calls().len(), 2);
    world.clock.advance(Duration::from_secs(4));
    world.settle().await;
    world.clock.advance(Duration::from_secs(60));
    world.settle().await;
    assert_eq!(
        hook.calls().len(),
        3,
        "one more try after the 500, then nothing"
    );
    assert_eq!(hook.received().len(), 1, "delivered exactly once");
    assert!(world
        .room_texts()
        .iter()
        .any(|t| t.contains("reached webhook after 3 attempts")));
    let keys: Vec<_> = hook
        .calls()
        .into_iter()
        .map(|c| c.idempotency_key)
        .collect();
    assert!(
        keys.windows(2).all(|w| w[0] == w[1] && w[0].is_some()),
        "{keys:?}"
    );
}

#[tokio::test]
async fn a_failing_room_never_holds_back_the_client() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let (_, room) = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    for _ in 0..3 {
        world
            .chat
            .fail_next(DeliveryError::transient("room unavailable"));
    }
    world
        .run("alice", Some(&room), "/incident update We are on it.")
        .await
        .unwrap();
    world.settle().await;
    assert_eq!(hook.received().len(), 1);
}

#[tokio::test]
async fn an_update_queued_before_a_crash_is_delivered_once_after_restart() {
    let hook = FakeWebhook::start().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let clock = ManualClock::at(Utc::now());
    let room = {
        let world = World::new(&url, &hook, &clock).await;
        let (_, room) = world
            .declare("/incident declare P1 acme Email is down")
            .await;
        world
            .run("alice", Some(&room), "/incident update We are on it.")
            .await
            .unwrap();
        // The process dies here: the update is due but nothing was delivered.
        world.app.store.close().await;
        room
    };
    assert!(hook.calls().is_empty());
    let world = World::new(&url, &hook, &clock).await;
    world.settle().await;
    world.settle().await;
    assert_eq!(hook.received().len(), 1);
    assert_eq!(world.incident_in(&room).await.updates_landed, 1);
}

#[tokio::test]
async fn two_replicas_on_postgres_fire_each_timer_and_delivery_once() {
    let hook = FakeWebhook::start().await;
    let url = commandpost::testing::postgres::fresh_database().await;
    let clock = ManualClock::at(Utc::now());
    let first = World::new(&url, &hook, &clock).await;
    let second = World::new(&url, &hook, &clock).await;
    let t0 = clock.now_for_test();
    let mut incidents = Vec::new();
    for n in 0..5 {
        incidents.push(
            first
                .declare(&format!("/incident declare P1 acme Outage {n}"))
                .await
                .0,
        );
    }
    clock.set(t0 + chrono::Duration::minutes(26));
    let (a, b) = tokio::join!(
        first.app.engine.run_timers(),
        second.app.engine.run_timers()
    );
    assert_eq!(
        a.unwrap() + b.unwrap(),
        5,
        "five nudges between the two replicas"
    );
    for _ in 0..5 {
        let _ = tokio::join!(
            first.app.engine.deliver_due(),
            second.app.engine.deliver_due()
        );
    }
    for incident in &incidents {
        assert_eq!(count(&first.timeline(incident).await, "update_nudged"), 1);
    }
    let nudges = |world: &World| {
        world
            .room_texts()
            .into_iter()
            .filter(|t| t.contains("⏰"))
            .count()
    };
    assert_eq!(
        nudges(&first) + nudges(&second),
        5,
        "each nudge posted once"
    );
    let open = first
        .app
        .store
        .incidents(&IncidentFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 5);
}
