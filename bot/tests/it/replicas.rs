//! Two replicas on one PostgreSQL database deliver 200 client updates for 50 clients through a
//! webhook that fails now and then: every update arrives exactly once, and each client's
//! updates arrive in order.

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use commandpost::chat::ChatPlatform;
use commandpost::clock::ManualClock;
use commandpost::config::Config;
use commandpost::startup::App;
use commandpost::store::Store;
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost::testing::webhook::FakeWebhook;

const CLIENTS: usize = 50;
const UPDATES: usize = 4;

fn config(url: &str, hook: &FakeWebhook) -> Config {
    let mut text = format!("database_url = \"{url}\"\n");
    for n in 0..CLIENTS {
        text.push_str(&format!(
            "[[clients]]\nid = \"client{n:02}\"\nname = \"Client {n}\"\nwebhook_url = \"{}\"\n",
            hook.url()
        ));
    }
    Config::from_toml(&text, "replicas", Vec::new()).unwrap()
}

async fn replica(url: &str, hook: &FakeWebhook, clock: &ManualClock) -> App {
    let chat = Arc::new(RecordingPlatform::new("console"));
    App::build(
        config(url, hook),
        Arc::new(clock.clone()),
        None,
        vec![chat as Arc<dyn ChatPlatform>],
    )
    .await
    .unwrap()
}

async fn run(app: &App, room: Option<&str>, line: &str) -> Option<String> {
    let request = console::line("alice", room, line);
    let response = app.engine.handle(request).await.unwrap();
    response.opened_room.map(|room| format!("R-{room}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_replicas_deliver_every_update_once_and_in_order_per_client() {
    let hook = FakeWebhook::start().await;
    // One answer in seven fails: retried through the outbox, never duplicated.
    for n in 0..(CLIENTS * UPDATES) {
        hook.answer_next(if n % 7 == 3 { 500 } else { 200 }, None);
    }
    let url = commandpost::testing::postgres::fresh_database().await;
    let clock = ManualClock::at(Utc::now());
    let first = replica(&url, &hook, &clock).await;
    let second = replica(&url, &hook, &clock).await;

    let mut rooms = Vec::new();
    for n in 0..CLIENTS {
        let room = run(
            &first,
            None,
            &format!("/incident declare P1 client{n:02} Outage"),
        )
        .await
        .unwrap();
        rooms.push(room);
    }
    let settle = || async {
        for _ in 0..10 {
            let (a, b) = tokio::join!(first.engine.deliver_due(), second.engine.deliver_due());
            if a.unwrap() + b.unwrap() == 0 {
                break;
            }
        }
    };
    settle().await;
    for update in 1..=UPDATES {
        for (n, room) in rooms.iter().enumerate() {
            let app = if n % 2 == 0 { &first } else { &second };
            run(
                app,
                Some(room),
                &format!("/incident update Update {update} for this client."),
            )
            .await;
        }
        settle().await;
    }
    // Retries come due as the clock moves on (backoff from 2 s, capped at 5 minutes).
    for _ in 0..40 {
        clock.advance(Duration::from_secs(30));
        settle().await;
        if first
            .store
            .outbox_backlog(clock.now_for_test())
            .await
            .unwrap()
            == 0
            && hook.received().len() >= CLIENTS * UPDATES
        {
            break;
        }
    }

    let mut by_incident: BTreeMap<String, Vec<u64>> = BTreeMap::new();
    for body in hook.received() {
        by_incident
            .entry(body["incident_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(body["sequence"].as_u64().unwrap());
    }
    assert_eq!(by_incident.len(), CLIENTS);
    for (incident, sequences) in &by_incident {
        let expected: Vec<u64> = (1..=UPDATES as u64).collect();
        assert_eq!(
            sequences, &expected,
            "{incident}: each update once, in order"
        );
    }
    assert!(
        hook.calls().iter().any(|c| c.answered == 500),
        "some deliveries failed first"
    );
}
