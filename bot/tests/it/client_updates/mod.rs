//! Client updates end to end through the engine and the store, on a manual clock:
//! deadlines, nudges, escalations and breaches, delivery with retries, restarts and replicas.
//! The world they share and what is refused are here; timers and delivery in their modules.

mod delivery;
mod timers;

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
