//! Socket Mode against the fake WebSocket endpoint: envelopes acknowledged, reconnects.

use super::*;

#[tokio::test]
async fn socket_mode_acknowledges_envelopes_and_reconnects() {
    let fake = fake().await;
    let extra = format!("app_token = \"{}\"", fake.app_token());
    let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", &extra);
    let harness = Harness::on(fake, &toml, true).await;
    harness
        .wait_for("a Socket Mode connection", |f| {
            f.socket_open_connections() == 1
        })
        .await;

    let declare = harness.fake.socket_send(json!({
        "type": "slash_commands",
        "accepts_response_payload": true,
        "payload": {"command": "/incident", "text": "declare P1 acme Email is down", "user_id": ALICE,
                    "channel_id": ONCALL, "team_id": "T0FAKETEAM",
                    "response_url": harness.fake.response_url("socket"), "trigger_id": "1.2.3"},
    }));
    harness
        .wait_for("the declare acknowledgement", |f| {
            f.socket_acks()
                .iter()
                .any(|a| a["envelope_id"] == declare.as_str())
        })
        .await;
    let ack = harness
        .fake
        .socket_acks()
        .into_iter()
        .find(|a| a["envelope_id"] == declare.as_str())
        .unwrap();
    assert!(
        ack["payload"]["text"]
            .as_str()
            .unwrap()
            .contains("Declared"),
        "{ack}"
    );
    harness
        .wait_for("the room", |f| {
            f.channels()
                .iter()
                .any(|c| c.name.starts_with("inc-") && !c.pins.is_empty())
        })
        .await;
    let room = harness.rooms().pop().unwrap();

    harness.fake.socket_disconnect();
    harness
        .wait_for("a second connection", |f| {
            f.socket_connections() == 2 && f.socket_open_connections() == 1
        })
        .await;
    let event = mention("Ev0SOCKET1", ALICE, &room.id, "assign comms <@U0BOB>");
    for retry in 0..3 {
        let mut envelope = json!({"type": "events_api", "payload": event, "retry_attempt": retry, "retry_reason": ""});
        if retry > 0 {
            envelope["retry_reason"] = json!("timeout");
        }
        let id = harness.fake.socket_send(envelope);
        harness
            .wait_for("the event acknowledgement", |f| {
                f.socket_acks()
                    .iter()
                    .any(|a| a["envelope_id"] == id.as_str())
            })
            .await;
    }
    let comms = harness.only_incident().await.roles.comms;
    assert_eq!(comms.unwrap().as_str(), BOB);
    let assigned = harness
        .app
        .app
        .engine
        .store()
        .timeline(&harness.only_incident().await.id)
        .await
        .unwrap();
    let assignments = assigned
        .iter()
        .filter(|e| e.kind.describe().contains("comms"))
        .count();
    assert_eq!(assignments, 1, "{assigned:?}");

    let stage = harness.fake.socket_send(json!({"type": "interactive", "payload": button(ALICE, &room.id,
        json!({"action_id": "cp_stage", "type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "monitoring"}, "value": "monitoring"}}), None)}));
    harness
        .wait_for("the interaction acknowledgement", |f| {
            f.socket_acks()
                .iter()
                .any(|a| a["envelope_id"] == stage.as_str())
        })
        .await;
    assert_eq!(
        harness.only_incident().await.stage.to_string(),
        "monitoring"
    );
    harness.assert_nothing_rejected();
}
