//! A faulty destination cannot stop the bot: an absurd `Retry-After` is clamped, a panicking
//! adapter is caught and the worker goes on, and other clients keep hearing from us.

use std::sync::Arc;
use std::time::Duration;

use commandpost::chat::ChatPlatform;
use commandpost::effects::Destination;
use commandpost::store::Store;
use commandpost::testing::app::{spawn_app, TestApp};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost::testing::webhook::FakeWebhook;

fn config(acme_hook: &FakeWebhook, globex_hook: &FakeWebhook) -> String {
    format!(
        r#"
database_url = "sqlite://{{dir}}/test.db"
[policy]
first_update_within = "30m"
update_every = "30m"
nudge_before = "5m"
escalate_after = "5m"

[[clients]]
id = "acme"
name = "Acme Corp"
webhook_url = "{}"

[[clients]]
id = "globex"
name = "Globex"
webhook_url = "{}"
"#,
        acme_hook.url(),
        globex_hook.url()
    )
}

async fn run(app: &TestApp, room: Option<&str>, line: &str) -> String {
    let request = console::line("alice", room, line);
    let response = app.app.engine.handle(request).await.unwrap();
    response
        .opened_room
        .map(|room| format!("R-{room}"))
        .unwrap_or_default()
}

/// Polls until `condition` holds: the background worker runs on its own schedule.
async fn eventually(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..200 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn health(app: &TestApp) -> u16 {
    reqwest::get(app.url("/healthz"))
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// The app with its background worker, and a P1 for each client with its room open.
async fn two_incidents(
    acme_hook: &FakeWebhook,
    globex_hook: &FakeWebhook,
) -> (TestApp, Arc<RecordingPlatform>, String, String) {
    let chat = Arc::new(RecordingPlatform::new("console"));
    let app = spawn_app(
        &config(acme_hook, globex_hook),
        true,
        vec![chat.clone() as Arc<dyn ChatPlatform>],
    )
    .await;
    let acme_room = run(&app, None, "/incident declare P1 acme Email is down").await;
    let globex_room = run(&app, None, "/incident declare P1 globex VPN is down").await;
    eventually("both rooms open", || {
        chat.delivered()
            .iter()
            .filter(|d| matches!(d.destination, Destination::OpenRoom { .. }))
            .count()
            == 2
    })
    .await;
    (app, chat, acme_room, globex_room)
}

#[tokio::test]
async fn an_absurd_retry_after_delays_only_that_destination_and_only_briefly() {
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    acme_hook.answer_next(503, Some(u64::MAX));
    let (app, chat, acme_room, globex_room) = two_incidents(&acme_hook, &globex_hook).await;
    run(
        &app,
        Some(&acme_room),
        "/incident update Investigating the mail outage.",
    )
    .await;
    eventually("acme's webhook refused once", || {
        acme_hook.calls().len() == 1
    })
    .await;
    run(
        &app,
        Some(&globex_room),
        "/incident update Investigating the VPN.",
    )
    .await;
    eventually("globex heard", || globex_hook.received().len() == 1).await;
    assert_eq!(health(&app).await, 200);

    // The wait asked for is clamped to the backoff cap (5 minutes), so acme hears soon after.
    app.clock.advance(Duration::from_secs(301));
    eventually("acme heard after the capped wait", || {
        acme_hook.received().len() == 1
    })
    .await;
    // Timers still fire: globex's next update is due 30 minutes after its first.
    app.clock.advance(Duration::from_secs(26 * 60));
    eventually("a nudge", || {
        chat.texts_to(|d| matches!(d, Destination::Room { .. }))
            .iter()
            .any(|t| t.contains("⏰"))
    })
    .await;
    assert_eq!(health(&app).await, 200);
}

#[tokio::test]
async fn a_panicking_adapter_is_caught_and_the_worker_goes_on() {
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    let chat = Arc::new(RecordingPlatform::new("console"));
    chat.panic_next(1);
    let app = spawn_app(
        &config(&acme_hook, &globex_hook),
        true,
        vec![chat.clone() as Arc<dyn ChatPlatform>],
    )
    .await;
    run(&app, None, "/incident declare P1 acme Email is down").await;
    let panics = || async {
        let text = reqwest::get(app.metrics_url("/metrics"))
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        text.lines()
            .find(|l| l.starts_with("commandpost_worker_panics_total"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    for _ in 0..200 {
        if panics().await >= 1.0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(panics().await >= 1.0, "the panic was counted");
    // The claim of the item being delivered when it panicked lapses; then it is delivered.
    app.clock.advance(Duration::from_secs(180));
    eventually("the room opens after the panic", || {
        chat.delivered()
            .iter()
            .any(|d| matches!(d.destination, Destination::OpenRoom { .. }))
    })
    .await;
    assert_eq!(health(&app).await, 200);
}

#[tokio::test]
async fn a_hanging_webhook_delays_only_itself() {
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    acme_hook.hang_next(Duration::from_secs(30));
    let (app, chat, acme_room, globex_room) = two_incidents(&acme_hook, &globex_hook).await;
    run(
        &app,
        Some(&acme_room),
        "/incident update Investigating the mail outage.",
    )
    .await;
    eventually("acme's webhook is hanging", || acme_hook.calls().len() == 1).await;
    run(
        &app,
        Some(&globex_room),
        "/incident update Investigating the VPN.",
    )
    .await;
    eventually("globex heard", || globex_hook.received().len() == 1).await;
    // Globex heard while acme's call was still hanging: its attempt had neither failed nor
    // been reported to the room yet.
    assert!(acme_hook.received().is_empty());
    assert!(
        !chat
            .texts_to(|d| matches!(d, Destination::Room { .. }))
            .iter()
            .any(|t| t.contains("webhook failed")),
        "acme's attempt was still in flight"
    );
    assert_eq!(acme_hook.calls().len(), 1);
    let metrics = reqwest::get(app.metrics_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let delivered =
        r#"commandpost_outbox_deliveries_total{destination="webhook",outcome="delivered"}"#;
    assert!(metrics.contains(delivered), "{metrics}");
}

#[tokio::test]
async fn more_hanging_webhooks_than_delivery_slots_still_delay_nobody_else() {
    let acme_hook = FakeWebhook::start().await;
    let globex_hook = FakeWebhook::start().await;
    let hanging = commandpost::engine::IN_FLIGHT + 4;
    for _ in 0..hanging {
        acme_hook.hang_next(Duration::from_secs(30));
    }
    let (app, _chat, acme_room, globex_room) = two_incidents(&acme_hook, &globex_hook).await;
    let mut rooms = vec![acme_room];
    for n in 1..hanging {
        rooms.push(run(&app, None, &format!("/incident declare P2 acme Outage {n}")).await);
    }
    for room in &rooms {
        run(&app, Some(room), "/incident update Investigating.").await;
    }
    eventually("every acme webhook call is hanging", || {
        acme_hook.calls().len() == hanging
    })
    .await;
    run(
        &app,
        Some(&globex_room),
        "/incident update Investigating the VPN.",
    )
    .await;
    eventually("globex heard", || globex_hook.received().len() == 1).await;
    // Globex heard while every acme call was still in flight: none had timed out and been
    // recorded as failed, so globex did not wait for acme's slots to be given back.
    for room in &rooms {
        let incident = app
            .app
            .store
            .incident_by_room("console", room)
            .await
            .unwrap()
            .unwrap()
            .incident;
        let timeline = app.app.store.timeline(&incident.id).await.unwrap();
        assert!(
            !timeline.iter().any(|e| matches!(
                e.kind,
                commandpost::domain::EventKind::DeliveryFailed { .. }
            )),
            "an acme call had already failed when globex heard"
        );
    }
}
