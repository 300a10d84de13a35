//! The client hears that an incident is over: the resolution notice reaches every status
//! destination of that client exactly once, and no other client.

use std::sync::Arc;

use chrono::Utc;

use commandpost::chat::ChatPlatform;
use commandpost::clock::ManualClock;
use commandpost::config::Config;
use commandpost::domain::EventKind;
use commandpost::effects::Destination;
use commandpost::startup::App;
use commandpost::store::Store;
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost::testing::webhook::FakeWebhook;

fn config(database_url: &str, acme_hook: &FakeWebhook, globex_hook: &FakeWebhook) -> Config {
    let text = format!(
        r#"
database_url = "{database_url}"
[policy]
first_update_within = "30m"
update_every = "30m"
managers = ["console:maria"]

[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C-ACME"
discord_status_channel = "D-ACME"
webhook_url = "{}"
public_status = true

[[clients]]
id = "globex"
name = "Globex"
slack_status_channel = "C-GLOBEX"
discord_status_channel = "D-GLOBEX"
webhook_url = "{}"
public_status = true
"#,
        acme_hook.url(),
        globex_hook.url()
    );
    Config::from_toml(&text, "test", Vec::new()).unwrap()
}

struct World {
    app: App,
    console: Arc<RecordingPlatform>,
    slack: Arc<RecordingPlatform>,
    discord: Arc<RecordingPlatform>,
    clock: ManualClock,
}

impl World {
    async fn new(database_url: &str, acme: &FakeWebhook, globex: &FakeWebhook) -> Self {
        let console = Arc::new(RecordingPlatform::new("console"));
        let slack = Arc::new(RecordingPlatform::new("slack"));
        let discord = Arc::new(RecordingPlatform::new("discord"));
        let clock = ManualClock::at(Utc::now());
        let app = App::build(
            config(database_url, acme, globex),
            Arc::new(clock.clone()),
            None,
            vec![
                console.clone() as Arc<dyn ChatPlatform>,
                slack.clone() as Arc<dyn ChatPlatform>,
                discord.clone() as Arc<dyn ChatPlatform>,
            ],
        )
        .await
        .unwrap();
        Self {
            app,
            console,
            slack,
            discord,
            clock,
        }
    }

    async fn run(
        &self,
        user: &str,
        room: Option<&str>,
        line: &str,
    ) -> commandpost::engine::Response {
        let request = console::line(user, room, line);
        let response = self.app.engine.handle(request).await.unwrap();
        // Deliveries of one incident run concurrently; one that lost the race to record its
        // receipt is retried once its lease ends, so the clock moves past the lease between passes.
        for _ in 0..50 {
            if self.app.engine.deliver_due().await.unwrap() == 0 {
                self.clock.advance(std::time::Duration::from_secs(20));
                if self.app.engine.deliver_due().await.unwrap() == 0 {
                    break;
                }
            }
        }
        response
    }

    /// Texts posted to one client channel on one platform.
    fn client_channel(platform: &RecordingPlatform, channel: &str) -> Vec<String> {
        platform.texts_to(
            |d| matches!(d, Destination::ClientChannel { channel: c, .. } if c == channel),
        )
    }
}

async fn resolve_reaches_every_destination_of_that_client_once(database_url: &str) {
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    let world = World::new(database_url, &acme_hook, &globex_hook).await;
    let declared = world
        .run("alice", None, "/incident declare P2 acme Email is down")
        .await;
    let room = format!("R-{}", declared.opened_room.unwrap());
    world
        .run(
            "alice",
            Some(&room),
            "/incident update We are investigating.",
        )
        .await;
    world
        .run("alice", Some(&room), "/incident stage identified")
        .await;
    world
        .run(
            "alice",
            Some(&room),
            r#"/incident resolve Expired relay certificate renewed --client "Email is flowing again; nothing was lost.""#,
        )
        .await;

    let client_text = "Email is flowing again; nothing was lost.";
    for (platform, channel) in [
        (&world.slack, "C-ACME"),
        (&world.discord, "D-ACME"),
        (&world.console, "acme"),
    ] {
        let texts = World::client_channel(platform, channel);
        let notices: Vec<_> = texts.iter().filter(|t| t.contains(client_text)).collect();
        assert_eq!(notices.len(), 1, "{channel}: {texts:?}");
        assert!(notices[0].contains("is resolved"), "{notices:?}");
    }
    for (platform, channel) in [
        (&world.slack, "C-GLOBEX"),
        (&world.discord, "D-GLOBEX"),
        (&world.console, "globex"),
    ] {
        assert!(
            World::client_channel(platform, channel).is_empty(),
            "{channel}"
        );
    }
    assert!(globex_hook.received().is_empty());

    let bodies = acme_hook.received();
    let resolved: Vec<_> = bodies.iter().filter(|b| b["stage"] == "resolved").collect();
    assert_eq!(resolved.len(), 1, "{bodies:?}");
    assert_eq!(resolved[0]["message"], client_text);
    assert_eq!(resolved[0]["sequence"], 2);

    // The room is told what the client reads, and the summary stays internal.
    let room_texts = world
        .console
        .texts_to(|d| matches!(d, Destination::Room { .. }));
    assert!(
        room_texts
            .iter()
            .any(|t| t.contains("Going to the client") && t.contains(client_text)),
        "{room_texts:?}"
    );
    for (platform, channel) in [(&world.slack, "C-ACME"), (&world.discord, "D-ACME")] {
        let texts = World::client_channel(platform, channel);
        assert!(
            texts.iter().all(|t| !t.contains("relay certificate")),
            "{texts:?}"
        );
    }

    // The status page keeps each post with the stage it was published in.
    let acme = commandpost::domain::ClientId::parse("acme").unwrap();
    let posts = world
        .app
        .store
        .status_posts(&acme, Utc::now() - chrono::Duration::days(1))
        .await
        .unwrap();
    let stages: Vec<_> = posts
        .iter()
        .map(|p| (p.sequence, p.stage.as_str()))
        .collect();
    assert_eq!(stages, vec![(2, "resolved"), (1, "investigating")]);

    // The timeline shows the client's words, and the notice is delivered, not counted as an update.
    let incident = world
        .app
        .store
        .incident_by_room("console", &room)
        .await
        .unwrap()
        .unwrap()
        .incident;
    assert_eq!(incident.updates_landed, 1);
    let timeline = world.app.store.timeline(&incident.id).await.unwrap();
    assert!(timeline.iter().any(|e| matches!(&e.kind, EventKind::Resolved { client_message: Some(m), .. } if m == client_text)));
    let delivered = timeline
        .iter()
        .filter(|e| matches!(e.kind, EventKind::UpdateDelivered { sequence: 2, .. }))
        .count();
    assert_eq!(
        delivered, 5,
        "slack, discord, console, webhook and status page"
    );
}

#[tokio::test]
async fn resolve_reaches_every_destination_of_that_client_once_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db", dir.path().display());
    resolve_reaches_every_destination_of_that_client_once(&url).await;
}

#[tokio::test]
async fn resolve_reaches_every_destination_of_that_client_once_on_postgres() {
    let url = commandpost::testing::postgres::fresh_database().await;
    resolve_reaches_every_destination_of_that_client_once(&url).await;
}

#[tokio::test]
async fn resolving_without_words_still_tells_the_client() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/test.db", dir.path().display());
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    let world = World::new(&url, &acme_hook, &globex_hook).await;
    let declared = world
        .run("alice", None, "/incident declare P2 acme Email is down")
        .await;
    let room = format!("R-{}", declared.opened_room.unwrap());
    world.run("alice", Some(&room), "/incident resolve").await;
    let bodies = acme_hook.received();
    assert_eq!(bodies.len(), 1, "{bodies:?}");
    assert_eq!(bodies[0]["stage"], "resolved");
    assert_eq!(bodies[0]["sequence"], 1);
    assert_eq!(bodies[0]["message"], "This incident is resolved.");
}
