//! FakeDiscord's gateway driven with a raw WebSocket client.

mod common;

use commandpost_chat_fakes::FakeDiscord;
use common::{send, ws_connect, ws_next, ws_send};
use serde_json::json;

async fn get_json(fake: &FakeDiscord, path: &str) -> serde_json::Value {
    let auth = format!("Bot {}", fake.bot_token());
    send(
        "GET",
        &format!("{}{path}", fake.api_url()),
        &[("authorization", &auth)],
        None,
    )
    .await
    .json
}

#[tokio::test]
async fn gateway_identify_ready_dispatch_and_resume() {
    let fake = FakeDiscord::start().await;
    let gw = get_json(&fake, "/gateway/bot").await;
    let url = format!("{}?v=10&encoding=json", gw["url"].as_str().unwrap());
    let mut ws = ws_connect(&url).await;
    let hello = ws_next(&mut ws).await;
    assert_eq!(hello["op"], 10);
    assert!(hello["d"]["heartbeat_interval"].as_u64().unwrap() > 0);
    ws_send(&mut ws, &json!({"op": 1, "d": null})).await;
    assert_eq!(ws_next(&mut ws).await["op"], 11);
    let identify = json!({"op": 2, "d": {"token": fake.bot_token(), "intents": 33281 | (1 << 15),
        "properties": {"os": "linux", "browser": "commandpost", "device": "commandpost"}}});
    ws_send(&mut ws, &identify).await;
    let ready = ws_next(&mut ws).await;
    assert_eq!(
        (
            ready["op"].as_u64(),
            ready["t"].as_str(),
            ready["s"].as_u64()
        ),
        (Some(0), Some("READY"), Some(1))
    );
    let session = ready["d"]["session_id"].as_str().unwrap().to_string();
    assert_eq!(ready["d"]["application"]["id"], fake.application_id());
    assert_eq!(fake.gateway_identifies()[0]["intents"], 33281 | (1 << 15));

    let interaction = json!({"id": "1400000000000000002", "token": "tok2", "type": 2, "channel_id": "1300000000000000001"});
    fake.gateway_dispatch("INTERACTION_CREATE", interaction);
    let event = ws_next(&mut ws).await;
    assert_eq!(
        (event["t"].as_str(), event["s"].as_u64()),
        (Some("INTERACTION_CREATE"), Some(2))
    );

    fake.gateway_disconnect();
    assert_eq!(ws_next(&mut ws).await["close"], 4000);
    fake.gateway_dispatch(
        "MESSAGE_CREATE",
        json!({"id": "1500000000000000001", "content": "missed"}),
    );
    let mut ws = ws_connect(&url).await;
    assert_eq!(ws_next(&mut ws).await["op"], 10);
    ws_send(&mut ws, &json!({"op": 6, "d": {"token": format!("Bot {}", fake.bot_token()), "session_id": session, "seq": 2}})).await;
    let replayed = ws_next(&mut ws).await;
    assert_eq!(
        (replayed["t"].as_str(), replayed["s"].as_u64()),
        (Some("MESSAGE_CREATE"), Some(3))
    );
    assert_eq!(ws_next(&mut ws).await["t"], "RESUMED");
    assert_eq!(fake.gateway_connections(), 2);
    assert_eq!(fake.gateway_resumes().len(), 1);

    let auth = format!("Bot {}", fake.bot_token());
    let callback = format!(
        "{}/interactions/1400000000000000002/tok2/callback",
        fake.api_url()
    );
    let body = br#"{"type":4,"data":{"content":"ok"}}"#.to_vec();
    let answered = send(
        "POST",
        &callback,
        &[("authorization", &auth)],
        Some(("application/json", body)),
    )
    .await;
    assert_eq!(
        answered.status, 204,
        "interactions dispatched on the gateway can be answered"
    );
    assert_eq!(fake.messages_in("1300000000000000001")[0].content, "ok");
    fake.set_privileged_intents(0);
    let mut denied = ws_connect(&url).await;
    ws_next(&mut denied).await;
    ws_send(&mut denied, &identify).await;
    assert_eq!(ws_next(&mut denied).await["close"], 4014);
}
