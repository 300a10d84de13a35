//! Socket Mode keeps its link: a failed `apps.connections.open` is retried, a connection that
//! goes silent without closing (half-open) is noticed and replaced, and `/healthz` reports a
//! link that stays down.

use crate::slack_support;

use std::time::Duration;

use commandpost_chat_fakes::slack::Fault;
use serde_json::json;
use slack_support::*;

async fn socket_harness() -> Harness {
    // Short timings: a silent link is replaced after 400 ms instead of 40 s.
    commandpost::chat::slack::set_socket_timings(
        Duration::from_millis(100),
        Duration::from_millis(400),
        Duration::from_secs(2),
    );
    let fake = fake().await;
    let extra = format!("app_token = \"{}\"", fake.app_token());
    let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", &extra);
    Harness::on(fake, &toml, true).await
}

async fn health(harness: &Harness) -> (u16, String) {
    let response = reqwest::get(harness.app.metrics_url("/healthz"))
        .await
        .unwrap();
    (response.status().as_u16(), response.text().await.unwrap())
}

/// A slash command through the socket is answered: the link works end to end.
async fn a_command_is_acknowledged(harness: &Harness, text: &str) {
    let id = harness.fake.socket_send(json!({
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {"command": "/incident", "text": text, "user_id": ALICE,
                    "channel_id": ONCALL, "team_id": "T0FAKETEAM",
                    "response_url": harness.fake.response_url("socket"), "trigger_id": "1.2.3"},
    }));
    harness
        .wait_for("the acknowledgement", |f| {
            f.socket_acks()
                .iter()
                .any(|a| a["envelope_id"] == id.as_str())
        })
        .await;
}

#[tokio::test]
async fn a_failed_connections_open_is_retried_until_the_link_is_up() {
    let fake = fake().await;
    fake.fail_next("apps.connections.open", Fault::ServerError);
    fake.fail_next(
        "apps.connections.open",
        Fault::SlackError("internal_error".into()),
    );
    let extra = format!("app_token = \"{}\"", fake.app_token());
    let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", &extra);
    let harness = Harness::on(fake, &toml, true).await;
    harness
        .wait_for("a Socket Mode connection", |f| {
            f.socket_open_connections() == 1
        })
        .await;
    assert_eq!(harness.fake.calls_to("apps.connections.open").len(), 3);
    a_command_is_acknowledged(&harness, "help").await;
}

#[tokio::test]
async fn a_half_open_connection_is_replaced_and_the_next_command_handled() {
    let harness = socket_harness().await;
    harness
        .wait_for("a Socket Mode connection", |f| {
            f.socket_open_connections() == 1
        })
        .await;
    a_command_is_acknowledged(&harness, "help").await;
    harness.fake.socket_go_silent();
    harness
        .wait_for("a new connection after the silence", |f| {
            f.socket_connections() == 2 && f.socket_open_connections() == 1
        })
        .await;
    a_command_is_acknowledged(&harness, "declare P1 acme Email is down").await;
    harness
        .wait_for("the room", |f| {
            f.channels().iter().any(|c| c.name.starts_with("inc-"))
        })
        .await;
}

#[tokio::test]
async fn healthz_reports_a_link_that_stays_down() {
    let fake = fake().await;
    for _ in 0..3 {
        fake.fail_next("apps.connections.open", Fault::ServerError);
    }
    let extra = format!("app_token = \"{}\"", fake.app_token());
    let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", &extra);
    let harness = Harness::on(fake, &toml, true).await;
    harness
        .app
        .app
        .engine
        .links()
        .set_limit(Duration::from_millis(100));
    let mut reported = None;
    for _ in 0..50 {
        let (status, body) = health(&harness).await;
        if status == 503 {
            reported = Some(body);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let body = reported.expect("/healthz reports the link while connecting keeps failing");
    assert!(
        body.contains("Slack Socket Mode link has been down"),
        "{body}"
    );
    harness
        .wait_for("a Socket Mode connection", |f| {
            f.socket_open_connections() == 1
        })
        .await;
    let mut healthy = false;
    for _ in 0..50 {
        if health(&harness).await.0 == 200 {
            healthy = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(healthy, "healthy again once the link is up");
}
