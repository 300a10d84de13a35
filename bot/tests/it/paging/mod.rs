//! Outbound paging end to end on a manual clock: an escalation triggers a PagerDuty alert keyed by
//! the incident id, the next client update or the resolution resolves it, failures go through the
//! outbox's retries, a refusal is told in the room, and the routing key never leaks (`logs`).

mod logs;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SubsecRound, Utc};

use commandpost::chat::ChatPlatform;
use commandpost::clock::ManualClock;
use commandpost::config::Config;
use commandpost::domain::Incident;
use commandpost::effects::Destination;
use commandpost::startup::App;
use commandpost::store::Store;
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost_chat_fakes::FakePagerDuty;
use serde_json::Value;

const KEY: &str = "R0123456789abcdef0123456789ABCDE";

fn config(database_url: &str, pager: Option<&FakePagerDuty>) -> Config {
    let paging = pager.map_or_else(String::new, |pager| {
        format!(
            "[paging]\npagerduty_routing_key = \"{KEY}\"\npagerduty_url = \"{}\"\n",
            pager.url()
        )
    });
    let text = format!(
        r#"
database_url = "{database_url}"
[http]
public_url = "https://cp.example/"
[policy]
first_update_within = "30m"
update_every = "30m"
nudge_before = "5m"
escalate_after = "5m"
managers = ["console:maria"]
{paging}
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
"#
    );
    Config::from_toml(&text, "test", Vec::new()).unwrap()
}

struct World {
    app: App,
    chat: Arc<RecordingPlatform>,
    clock: ManualClock,
    start: DateTime<Utc>,
    _dir: Option<tempfile::TempDir>,
}

impl World {
    async fn new(pager: Option<&FakePagerDuty>) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}/test.db", dir.path().display());
        Self::on(&url, pager, Some(dir)).await
    }

    async fn on(url: &str, pager: Option<&FakePagerDuty>, dir: Option<tempfile::TempDir>) -> Self {
        let chat = Arc::new(RecordingPlatform::new("console"));
        // PagerDuty timestamps carry milliseconds.
        let start = Utc::now().trunc_subsecs(3);
        let clock = ManualClock::at(start);
        let app = App::build(
            config(url, pager),
            Arc::new(clock.clone()),
            None,
            vec![chat.clone() as Arc<dyn ChatPlatform>],
        )
        .await
        .unwrap();
        Self {
            app,
            chat,
            clock,
            start,
            _dir: dir,
        }
    }

    async fn run(&self, room: Option<&str>, line: &str) -> commandpost::engine::Response {
        let request = console::line("alice", room, line);
        let response = self.app.engine.handle(request).await.unwrap();
        self.settle().await;
        response
    }

    /// Declares a P1 for Acme; returns the incident and its room.
    async fn declare(&self) -> (Incident, String) {
        self.declare_titled("Email is down").await
    }

    async fn declare_titled(&self, title: &str) -> (Incident, String) {
        let response = self
            .run(None, &format!("/incident declare P1 acme {title}"))
            .await;
        let room = format!("R-{}", response.opened_room.unwrap());
        let incident = self
            .app
            .store
            .incident_by_room("console", &room)
            .await
            .unwrap()
            .unwrap()
            .incident;
        (incident, room)
    }

    async fn settle(&self) {
        commandpost::testing::app::settle(&self.app.engine).await;
    }

    /// Moves the clock in small steps (well inside one escalation interval), delivering what
    /// falls due, so retries with backoff run.
    async fn retry_for(&self, steps: usize) {
        for _ in 0..steps {
            self.clock.advance(Duration::from_secs(10));
            self.app.engine.deliver_due().await.unwrap();
        }
    }

    async fn at_minute(&self, minute: i64) {
        self.clock
            .set(self.start + chrono::Duration::minutes(minute));
        self.settle().await;
    }

    fn room_texts(&self) -> Vec<String> {
        self.chat
            .texts_to(|d| matches!(d, Destination::Room { .. }))
    }
}

fn actions(pager: &FakePagerDuty) -> Vec<(String, String)> {
    pager
        .accepted()
        .iter()
        .map(|e| {
            (
                e["event_action"].as_str().unwrap().to_owned(),
                e["dedup_key"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

async fn trigger_on_escalation_and_resolve_after_the_update(world: World, pager: &FakePagerDuty) {
    let (incident, room) = world.declare().await;
    let id = incident.id.to_string();
    world.at_minute(34).await;
    assert!(pager.calls().is_empty(), "nothing is overdue yet");
    world.at_minute(35).await;
    let accepted = pager.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    let trigger = &accepted[0];
    assert_eq!(trigger["event_action"], "trigger");
    assert_eq!(trigger["dedup_key"], id.as_str());
    assert_eq!(trigger["routing_key"], KEY);
    let payload = &trigger["payload"];
    let summary = payload["summary"].as_str().unwrap();
    assert!(
        summary.contains("Acme Corp") && summary.contains("overdue"),
        "{summary}"
    );
    assert_eq!(payload["source"], "Command Post");
    assert_eq!(payload["severity"], "critical");
    let at = DateTime::parse_from_rfc3339(payload["timestamp"].as_str().unwrap()).unwrap();
    assert_eq!(at, world.start + chrono::Duration::minutes(35));
    assert_eq!(
        trigger["links"][0]["href"],
        format!("https://cp.example/incidents/{id}").as_str()
    );
    assert_eq!(trigger["links"][0]["text"], "Review page");

    // The escalation repeats; PagerDuty folds repeats into the same alert by the key.
    world.at_minute(40).await;
    world
        .run(
            Some(&room),
            "/incident update Mail relay restarted; queues draining.",
        )
        .await;
    assert_eq!(
        actions(pager),
        [
            ("trigger".to_owned(), id.clone()),
            ("trigger".to_owned(), id.clone()),
            ("resolve".to_owned(), id.clone()),
        ]
    );
    // Resolving later sends nothing more: the page was already resolved by the update.
    world
        .run(Some(&room), "/incident resolve Relay fixed")
        .await;
    assert_eq!(actions(pager).len(), 3, "{:?}", actions(pager));
}

#[tokio::test]
async fn trigger_on_escalation_and_resolve_after_the_update_on_sqlite() {
    let pager = FakePagerDuty::start().await.unwrap();
    let world = World::new(Some(&pager)).await;
    trigger_on_escalation_and_resolve_after_the_update(world, &pager).await;
}

#[tokio::test]
async fn trigger_on_escalation_and_resolve_after_the_update_on_postgres() {
    let pager = FakePagerDuty::start().await.unwrap();
    let url = commandpost::testing::postgres::fresh_database().await;
    let world = World::on(&url, Some(&pager), None).await;
    trigger_on_escalation_and_resolve_after_the_update(world, &pager).await;
}

#[tokio::test]
async fn resolution_resolves_an_open_page_and_a_quiet_incident_is_never_paged() {
    let pager = FakePagerDuty::start().await.unwrap();
    let world = World::new(Some(&pager)).await;
    let (incident, room) = world.declare().await;
    world.at_minute(36).await;
    world
        .run(Some(&room), "/incident resolve Relay fixed")
        .await;
    let id = incident.id.to_string();
    assert_eq!(
        actions(&pager),
        [
            ("trigger".to_owned(), id.clone()),
            ("resolve".to_owned(), id)
        ]
    );

    // An incident answered on time never pages, and its resolution sends no resolve.
    let (_, room) = world.declare_titled("VPN is slow").await;
    world
        .run(Some(&room), "/incident update Looking into it.")
        .await;
    world.run(Some(&room), "/incident resolve Done").await;
    assert_eq!(actions(&pager).len(), 2, "{:?}", actions(&pager));
}

#[tokio::test]
async fn throttling_and_outage_are_retried_until_accepted_once() {
    let pager = FakePagerDuty::start().await.unwrap();
    pager.answer_next(429, Some(1));
    pager.answer_next(500, None);
    let world = World::new(Some(&pager)).await;
    world.declare().await;
    world.at_minute(35).await;
    world.retry_for(6).await;
    let statuses: Vec<u16> = pager.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 500, 202]);
    assert_eq!(actions(&pager).len(), 1);
    world.retry_for(6).await;
    assert_eq!(pager.calls().len(), 3, "an accepted page is not sent again");
    assert!(
        !world.room_texts().iter().any(|t| t.contains("PagerDuty")),
        "a page that got through bothers nobody"
    );
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let pager = FakePagerDuty::start().await.unwrap();
    pager.answer_next(429, Some(120));
    let world = World::new(Some(&pager)).await;
    world.declare().await;
    world.at_minute(35).await;
    world.retry_for(11).await;
    assert_eq!(pager.calls().len(), 1, "PagerDuty asked for two minutes");
    world.retry_for(2).await;
    assert_eq!(pager.calls().len(), 2);
    assert_eq!(actions(&pager).len(), 1);
}

#[tokio::test]
async fn a_refused_page_is_told_in_the_room_and_not_retried() {
    let pager = FakePagerDuty::start().await.unwrap();
    pager.answer_next(400, None);
    let world = World::new(Some(&pager)).await;
    world.declare().await;
    world.at_minute(35).await;
    world.retry_for(12).await;
    assert_eq!(pager.calls().len(), 1, "a 400 is permanent");
    let told: Vec<String> = world
        .room_texts()
        .into_iter()
        .filter(|t| t.contains("PagerDuty trigger"))
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(told[0].contains("HTTP 400"), "{}", told[0]);
}

#[tokio::test]
async fn no_paging_without_the_section() {
    let pager = FakePagerDuty::start().await.unwrap();
    let world = World::new(None).await;
    world.declare().await;
    world.clock.set(world.start + chrono::Duration::minutes(35));
    world.app.engine.run_timers().await.unwrap();
    let lanes = world.app.store.outbox_pending_by_lane().await.unwrap();
    assert!(
        !lanes.iter().any(|lane| lane.0 == "pager"),
        "nothing queued for a pager: {lanes:?}"
    );
    world.settle().await;
    assert!(
        world
            .chat
            .texts_to(|d| matches!(d, Destination::OnCall { .. }))
            .len()
            >= 2,
        "the escalation itself still happened"
    );
    assert!(pager.calls().is_empty());
}

#[tokio::test]
async fn with_the_section_the_escalation_queues_a_page() {
    let pager = FakePagerDuty::start().await.unwrap();
    let world = World::new(Some(&pager)).await;
    world.declare().await;
    world.clock.set(world.start + chrono::Duration::minutes(35));
    world.app.engine.run_timers().await.unwrap();
    let lanes = world.app.store.outbox_pending_by_lane().await.unwrap();
    assert!(lanes.iter().any(|lane| lane.0 == "pager"), "{lanes:?}");
}
