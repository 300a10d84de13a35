//! FakeSlack driven with raw HTTP and WebSocket clients.

mod common;

use std::time::Duration;

use commandpost_chat_fakes::slack::Fault;
use commandpost_chat_fakes::FakeSlack;
use common::{post_form, post_json, send};
use serde_json::json;

fn bearer(fake: &FakeSlack) -> String {
    format!("Bearer {}", fake.bot_token())
}

#[tokio::test]
async fn incident_room_flow_is_accepted_and_kept() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C0ACMESTATUS", "acme-status");
    let api = fake.api_url();
    let auth = bearer(&fake);

    let created = post_json(
        &format!("{api}/conversations.create"),
        &auth,
        &json!({"name": "inc-20240101-acme-db-down"}),
    )
    .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.json["ok"], true, "{}", created.json);
    let room = created.json["channel"]["id"].as_str().unwrap().to_string();
    assert!(room.starts_with('C'));

    let taken = post_form(
        &format!("{api}/conversations.create"),
        &auth,
        "name=inc-20240101-acme-db-down",
    )
    .await;
    assert_eq!(taken.json["error"], "name_taken");
    let specials = post_form(
        &format!("{api}/conversations.create"),
        &auth,
        "name=Bad%20Name",
    )
    .await;
    assert_eq!(specials.json["error"], "invalid_name_specials");
    let long = "a".repeat(81);
    let too_long = post_json(
        &format!("{api}/conversations.create"),
        &auth,
        &json!({"name": long}),
    )
    .await;
    assert_eq!(too_long.json["error"], "invalid_name_maxlength");

    let invited = post_json(
        &format!("{api}/conversations.invite"),
        &auth,
        &json!({"channel": room, "users": ["U0DECLARER"]}),
    )
    .await;
    assert_eq!(invited.json["ok"], true, "{}", invited.json);
    let topic = post_form(
        &format!("{api}/conversations.setTopic"),
        &auth,
        &format!("channel={room}&topic=P1%20acme"),
    )
    .await;
    assert_eq!(topic.json["channel"]["topic"]["value"], "P1 acme");

    let posted = post_json(
        &format!("{api}/chat.postMessage"),
        &auth,
        &json!({"channel": room, "text": "brief", "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "*P1*"}}]}),
    )
    .await;
    assert_eq!(posted.json["ok"], true, "{}", posted.json);
    let ts = posted.json["ts"].as_str().unwrap().to_string();
    assert_eq!(posted.json["channel"], room.as_str());
    assert_eq!(posted.json["message"]["text"], "brief");

    let pinned = post_json(
        &format!("{api}/pins.add"),
        &auth,
        &json!({"channel": room, "timestamp": ts}),
    )
    .await;
    assert_eq!(pinned.json["ok"], true);
    let again = post_json(
        &format!("{api}/pins.add"),
        &auth,
        &json!({"channel": room, "timestamp": ts}),
    )
    .await;
    assert_eq!(again.json["error"], "already_pinned");

    let updated = post_json(
        &format!("{api}/chat.update"),
        &auth,
        &json!({"channel": room, "ts": ts, "text": "brief v2"}),
    )
    .await;
    assert_eq!(updated.json["ok"], true, "{}", updated.json);

    let status = post_form(
        &format!("{api}/chat.postMessage"),
        &auth,
        "channel=C0ACMESTATUS&text=We%20are%20investigating",
    )
    .await;
    assert_eq!(status.json["ok"], true);
    let missing = post_form(
        &format!("{api}/chat.postMessage"),
        &auth,
        "channel=C0NOPE&text=hi",
    )
    .await;
    assert_eq!(missing.json["error"], "channel_not_found");
    let ephemeral = post_json(
        &format!("{api}/chat.postEphemeral"),
        &auth,
        &json!({"channel": room, "user": "U0DECLARER", "text": "only you"}),
    )
    .await;
    assert!(ephemeral.json["message_ts"].is_string());

    let info = send(
        "GET",
        &format!("{api}/conversations.info?channel={room}"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(info.json["channel"]["name"], "inc-20240101-acme-db-down");
    let user = send(
        "GET",
        &format!(
            "{api}/users.info?user=U0DECLARER&token={}",
            fake.bot_token()
        ),
        &[],
        None,
    )
    .await;
    assert_eq!(user.json["user"]["id"], "U0DECLARER");
    let auth_test = send(
        "GET",
        &format!("{api}/auth.test"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(auth_test.json["user_id"], fake.team_and_bot_user().1);

    let channel = fake.channel_named("inc-20240101-acme-db-down").unwrap();
    assert_eq!(channel.pins, vec![ts.clone()]);
    assert!(channel.members.contains(&"U0DECLARER".to_string()));
    let messages = fake.messages_in(&room);
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].text.as_deref(), Some("brief v2"));
    assert!(messages[0].edited);
    assert_eq!(fake.ephemerals_in(&room).len(), 1);
    assert_eq!(
        fake.messages_in("C0ACMESTATUS")[0].text.as_deref(),
        Some("We are investigating")
    );
    assert_eq!(fake.calls_to("chat.postMessage").len(), 3);
    assert!(
        fake.rejected_calls().is_empty(),
        "{:?}",
        fake.rejected_calls()
    );
}

#[tokio::test]
async fn requests_the_api_would_refuse_are_rejected_and_recorded() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C1", "general");
    let api = fake.api_url();
    let auth = bearer(&fake);

    let unknown = post_json(
        &format!("{api}/chat.postMesage"),
        &auth,
        &json!({"channel": "C1", "text": "x"}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["error"], "unknown_method");

    let extra = post_json(
        &format!("{api}/chat.postMessage"),
        &auth,
        &json!({"channel": "C1", "text": "x", "colour": "red"}),
    )
    .await;
    assert_eq!(extra.json["error"], "invalid_arguments");
    assert!(extra.json["response_metadata"]["messages"][0]
        .as_str()
        .unwrap()
        .contains("colour"));

    let no_channel = post_json(
        &format!("{api}/chat.postMessage"),
        &auth,
        &json!({"text": "x"}),
    )
    .await;
    assert_eq!(no_channel.json["error"], "invalid_arguments");
    assert!(no_channel.json["response_metadata"]["messages"][0]
        .as_str()
        .unwrap()
        .contains("channel"));

    let no_token = send(
        "POST",
        &format!("{api}/chat.postMessage"),
        &[],
        Some((
            "application/json",
            br#"{"channel":"C1","text":"x"}"#.to_vec(),
        )),
    )
    .await;
    assert_eq!(
        (no_token.status, no_token.json["error"].as_str()),
        (200, Some("not_authed"))
    );
    let bad_token = post_json(
        &format!("{api}/chat.postMessage"),
        "Bearer xoxb-wrong",
        &json!({"channel": "C1", "text": "x"}),
    )
    .await;
    assert_eq!(bad_token.json["error"], "invalid_auth");
    let app_token = post_json(
        &format!("{api}/chat.postMessage"),
        "Bearer xapp-test",
        &json!({"channel": "C1", "text": "x"}),
    )
    .await;
    assert_eq!(app_token.json["error"], "not_allowed_token_type");

    let get_write = send(
        "GET",
        &format!("{api}/chat.postMessage?channel=C1&text=x"),
        &[("authorization", &auth)],
        None,
    )
    .await;
    assert_eq!(get_write.json["error"], "invalid_arguments");
    let json_read = post_json(
        &format!("{api}/conversations.info"),
        &auth,
        &json!({"channel": "C1"}),
    )
    .await;
    assert_eq!(json_read.json["error"], "invalid_arguments");
    let bad_bool = post_form(
        &format!("{api}/conversations.create"),
        &auth,
        "name=ok&is_private=maybe",
    )
    .await;
    assert_eq!(bad_bool.json["error"], "invalid_arguments");
    let bad_blocks = post_form(
        &format!("{api}/chat.postMessage"),
        &auth,
        "channel=C1&blocks=not-json",
    )
    .await;
    assert_eq!(bad_blocks.json["error"], "invalid_arguments");

    assert_eq!(fake.rejected_calls().len(), 10);
    assert!(fake.calls().is_empty());
    assert!(fake.messages_in("C1").is_empty());
    // The views quirk: described as GET, live is POST with JSON.
    let view =
        json!({"type": "modal", "title": {"type": "plain_text", "text": "Declare"}, "blocks": []});
    let opened = post_json(
        &format!("{api}/views.open"),
        &auth,
        &json!({"trigger_id": "123.456", "view": view}),
    )
    .await;
    assert_eq!(opened.json["ok"], true, "{}", opened.json);
    let view_id = opened.json["view"]["id"].as_str().unwrap();
    let updated = post_json(
        &format!("{api}/views.update"),
        &auth,
        &json!({"view_id": view_id, "view": view}),
    )
    .await;
    assert_eq!(updated.json["view"]["id"], view_id);
    assert_eq!(fake.views().len(), 1);
}

#[tokio::test]
async fn queued_faults_apply_in_order() {
    let fake = FakeSlack::start().await;
    fake.add_channel("C1", "general");
    fake.fail_next(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 3,
        },
    );
    fake.fail_next("chat.postMessage", Fault::ServerError);
    fake.fail_next(
        "chat.postMessage",
        Fault::SlackError("channel_not_found".into()),
    );
    fake.fail_next(
        "chat.postMessage",
        Fault::Timeout(Duration::from_millis(300)),
    );
    let url = format!("{}/chat.postMessage", fake.api_url());
    let auth = bearer(&fake);
    let body = json!({"channel": "C1", "text": "update"});

    let limited = post_json(&url, &auth, &body).await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.headers["retry-after"], "3");
    assert_eq!(limited.json["error"], "ratelimited");
    assert_eq!(post_json(&url, &auth, &body).await.status, 500);
    assert_eq!(
        post_json(&url, &auth, &body).await.json["error"],
        "channel_not_found"
    );
    assert_eq!(post_json(&url, &auth, &body).await.json["ok"], true);
    assert_eq!(post_json(&url, &auth, &body).await.json["ok"], true);
    assert_eq!(fake.messages_in("C1").len(), 2);
    let statuses: Vec<u16> = fake
        .calls_to("chat.postMessage")
        .iter()
        .map(|c| c.status)
        .collect();
    assert_eq!(statuses, vec![429, 500, 200, 200, 200]);
    // The fourth answer was held back as the fault said; the fifth was not.
    let held: Vec<Option<Duration>> = fake
        .calls_to("chat.postMessage")
        .iter()
        .map(|c| c.held)
        .collect();
    assert_eq!(
        held,
        vec![None, None, None, Some(Duration::from_millis(300)), None]
    );
}

#[tokio::test]
async fn response_url_posts_are_recorded() {
    let fake = FakeSlack::start().await;
    let url = fake.response_url("cmd-1");
    let answer = send(
        "POST",
        &url,
        &[],
        Some((
            "application/json",
            br#"{"response_type":"ephemeral","text":"usage"}"#.to_vec(),
        )),
    )
    .await;
    assert_eq!(answer.status, 200);
    let posts = fake.response_posts();
    assert_eq!(posts.len(), 1);
    assert_eq!(posts[0].id, "cmd-1");
    assert_eq!(posts[0].body["response_type"], "ephemeral");
}
