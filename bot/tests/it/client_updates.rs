//! Client updates end to end through the engine and the store, on a manual clock:
//! deadlines, nudges, escalations and breaches, delivery with retries, restarts and replicas.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use commandpost::chat::{ChatPlatform, DeliveryError};
use commandpost::clock::ManualClock;
use commandpost::commands;
use commandpost::config::Config;
use commandpost::domain::{EventKind, Incident, TimelineEvent};
use commandpost::effects::Destination;
use commandpost::engine::Response;
use commandpost::startup::App;
use commandpost::store::{IncidentFilter, Store};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost::testing::webhook::FakeWebhook;

fn config(database_url: &str, hook: &FakeWebhook) -> Config {
    let text = format!(
        r#"
database_url = "{database_url}"
[policy]
first_update_within = "30m"
update_every = "30m"
cadence = {{ P2 = "60m" }}
nudge_before = "5m"
escalate_after = "5m"
managers = ["console:maria"]

[[clients]]
id = "acme"
name = "Acme Corp"
webhook_url = "{}"
public_status = true

[[clients]]
id = "globex"
name = "Globex"
public_status = true
"#,
        hook.url()
    );
    Config::from_toml(&text, "test", Vec::new()).unwrap()
}

struct World {
    app: App,
    chat: Arc<RecordingPlatform>,
    clock: ManualClock,
}

impl World {
    async fn new(database_url: &str, hook: &FakeWebhook, clock: &ManualClock) -> Self {
        let chat = Arc::new(RecordingPlatform::new("console"));
        let app = App::build(
            config(database_url, hook),
            Arc::new(clock.clone()),
            None,
            vec![chat.clone() as Arc<dyn ChatPlatform>],
        )
        .await
        .unwrap();
        Self {
            app,
            chat,
            clock: clock.clone(),
        }
    }

    async fn run(&self, user: &str, room: Option<&str>, line: &str) -> Result<Response, String> {
        let request = console::request(
            user,
            room,
            commands::parse(line).map_err(|e| e.to_string())?,
        );
        self.app
            .engine
            .handle(request)
            .await
            .map_err(|e| e.user_message())
    }

    /// Declares and delivers the room; returns the incident and its room.
    async fn declare(&self, line: &str) -> (Incident, String) {
        let response = self.run("alice", None, line).await.unwrap();
        self.settle().await;
        let room = format!("R-{}", response.opened_room.unwrap());
        let incident = self.incident_in(&room).await;
        (incident, room)
    }

    async fn incident_in(&self, room: &str) -> Incident {
        self.app
            .store
            .incident_by_room("console", room)
            .await
            .unwrap()
            .unwrap()
            .incident
    }

    async fn settle(&self) {
        commandpost::testing::app::settle(&self.app.engine).await;
    }

    async fn at_minute(&self, start: chrono::DateTime<Utc>, minute: i64) {
        self.clock.set(start + chrono::Duration::minutes(minute));
        self.settle().await;
    }

    async fn timeline(&self, incident: &Incident) -> Vec<TimelineEvent> {
        self.app.store.timeline(&incident.id).await.unwrap()
    }

    fn room_texts(&self) -> Vec<String> {
        self.chat
            .texts_to(|d| matches!(d, Destination::Room { .. }))
    }

    fn oncall_texts(&self) -> Vec<String> {
        self.chat
            .texts_to(|d| matches!(d, Destination::OnCall { .. }))
    }
}

fn count(events: &[TimelineEvent], name: &str) -> usize {
    events.iter().filter(|e| e.kind.name() == name).count()
}

async fn sqlite_world(hook: &FakeWebhook) -> (World, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let clock = ManualClock::at(Utc::now());
    (World::new(&url, hook, &clock).await, dir)
}

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
async fn empty_and_oversized_updates_are_refused_and_nothing_is_stored() {
    let hook = FakeWebhook::start().await;
    let (world, _dir) = sqlite_world(&hook).await;
    let (incident, room) = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    let before = world.timeline(&incident).await.len();
    let long = format!("/incident update {}", "x".repeat(4000));
    let error = world.run("alice", Some(&room), &long).await.unwrap_err();
    assert!(
        error.contains("limited to 3000 characters; yours has 4000"),
        "{error}"
    );
    let error = world
        .run("bob", Some(&room), "/incident update hello")
        .await
        .unwrap_err();
    assert!(
        error.contains("only the comms lead or the commander"),
        "{error}"
    );
    assert_eq!(world.timeline(&incident).await.len(), before);
    assert_eq!(
        world
            .app
            .store
            .pending_deliveries(&incident.id)
            .await
            .unwrap(),
        0
    );
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
