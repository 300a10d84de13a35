//! FakeSlack's Socket Mode driven with a raw WebSocket client.

mod common;

use std::time::Duration;

use commandpost_chat_fakes::FakeSlack;
use common::{post_form, post_json, ws_connect, ws_next, ws_send};
use serde_json::json;

fn bearer(fake: &FakeSlack) -> String {
    format!("Bearer {}", fake.bot_token())
}

#[tokio::test]
async fn socket_mode_hello_envelopes_acks_and_disconnect() {
    let fake = FakeSlack::start().await;
    let api = fake.api_url();
    let refused = post_json(
        &format!("{api}/apps.connections.open"),
        &bearer(&fake),
        &json!({}),
    )
    .await;
    assert_eq!(refused.json["error"], "not_allowed_token_type");
    let opened = post_form(
        &format!("{api}/apps.connections.open"),
        &format!("Bearer {}", fake.app_token()),
        "",
    )
    .await;
    let url = opened.json["url"].as_str().unwrap().to_string();
    assert!(url.starts_with("ws://127.0.0.1:"));

    let id = fake.socket_send(
        json!({"type": "slash_commands", "payload": {"command": "/incident", "text": "status"}}),
    );
    let mut ws = ws_connect(&url).await;
    let hello = ws_next(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    assert_eq!(hello["num_connections"], 1);
    let envelope = ws_next(&mut ws).await;
    assert_eq!(envelope["envelope_id"], id.as_str());
    assert_eq!(envelope["payload"]["command"], "/incident");
    ws_send(&mut ws, &json!({"envelope_id": id})).await;
    assert!(
        fake.wait_until(Duration::from_secs(2), |f| f.socket_acks().len() == 1)
            .await
    );

    fake.socket_disconnect();
    assert_eq!(ws_next(&mut ws).await["type"], "disconnect");
    assert_eq!(ws_next(&mut ws).await["close"], 1000);
    let mut again = ws_connect(&url).await;
    assert_eq!(ws_next(&mut again).await["type"], "hello");
    assert_eq!(fake.socket_connections(), 2);
}
