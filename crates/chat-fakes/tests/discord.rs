//! FakeDiscord's REST API driven with a raw HTTP client.

mod common;

use commandpost_chat_fakes::discord::{Fault, ReplyKind};
use commandpost_chat_fakes::FakeDiscord;
use common::{post_json, send, Answer};
use serde_json::{json, Value};

fn bot(fake: &FakeDiscord) -> String {
    format!("Bot {}", fake.bot_token())
}

async fn call(fake: &FakeDiscord, method: &str, path: &str, body: Option<&Value>) -> Answer {
    let url = format!("{}{path}", fake.api_url());
    let auth = bot(fake);
    let body = body.map(|b| ("application/json", b.to_string().into_bytes()));
    send(method, &url, &[("authorization", &auth)], body).await
}

#[tokio::test]
async fn rooms_messages_and_pins() {
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000001", "acme-status");
    let guild = fake.guild_id();

    let category = call(
        &fake,
        "POST",
        &format!("/guilds/{guild}/channels"),
        Some(&json!({"name": "Incidents", "type": 4})),
    )
    .await;
    assert_eq!(category.status, 201, "{}", category.json);
    let cat_id = category.json["id"].as_str().unwrap().to_string();
    let room = call(
        &fake,
        "POST",
        &format!("/guilds/{guild}/channels"),
        Some(&json!({"name": "INC 20240101 acme", "type": 0, "parent_id": cat_id})),
    )
    .await;
    assert_eq!(room.json["name"], "inc-20240101-acme");
    assert_eq!(room.json["parent_id"], cat_id.as_str());
    let room_id = room.json["id"].as_str().unwrap().to_string();
    let bad_parent = call(
        &fake,
        "POST",
        &format!("/guilds/{guild}/channels"),
        Some(&json!({"name": "x", "parent_id": "1300000000000000001"})),
    )
    .await;
    assert_eq!(bad_parent.json["code"], 50035);
    let listed = call(&fake, "GET", &format!("/guilds/{guild}/channels"), None).await;
    assert_eq!(listed.json.as_array().unwrap().len(), 3);

    let embed = json!({"title": "P1 acme", "fields": [{"name": "Commander", "value": "<@1>", "inline": true}]});
    let posted = call(
        &fake,
        "POST",
        &format!("/channels/{room_id}/messages"),
        Some(&json!({"embeds": [embed]})),
    )
    .await;
    assert_eq!(posted.status, 200, "{}", posted.json);
    let mid = posted.json["id"].as_str().unwrap().to_string();
    assert_eq!(posted.json["author"]["id"], fake.bot_user_id());
    assert_eq!(posted.json["embeds"][0]["type"], "rich");
    let pin = call(
        &fake,
        "PUT",
        &format!("/channels/{room_id}/pins/{mid}"),
        None,
    )
    .await;
    assert_eq!(pin.status, 204);
    assert!(pin.headers.contains_key("x-ratelimit-bucket"));
    let pin_new = call(
        &fake,
        "PUT",
        &format!("/channels/{room_id}/messages/pins/{mid}"),
        None,
    )
    .await;
    assert_eq!(pin_new.status, 204);
    let edited = call(
        &fake,
        "PATCH",
        &format!("/channels/{room_id}/messages/{mid}"),
        Some(&json!({"content": "brief"})),
    )
    .await;
    assert!(edited.json["edited_timestamp"].is_string());
    let fetched = call(
        &fake,
        "GET",
        &format!("/channels/{room_id}/messages/{mid}"),
        None,
    )
    .await;
    assert_eq!(
        (
            fetched.json["content"].as_str(),
            fetched.json["pinned"].as_bool()
        ),
        (Some("brief"), Some(true))
    );

    let unknown = call(
        &fake,
        "POST",
        "/channels/1399999999999999999/messages",
        Some(&json!({"content": "x"})),
    )
    .await;
    assert_eq!(
        (unknown.status, unknown.json["code"].as_u64()),
        (404, Some(10003))
    );
    let empty = call(
        &fake,
        "POST",
        &format!("/channels/{room_id}/messages"),
        Some(&json!({"content": ""})),
    )
    .await;
    assert_eq!(empty.json["code"], 50006);
    let long = call(
        &fake,
        "POST",
        &format!("/channels/{room_id}/messages"),
        Some(&json!({"content": "x".repeat(2001)})),
    )
    .await;
    assert_eq!(
        long.json["errors"]["content"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );

    assert_eq!(fake.messages_in(&room_id).len(), 1);
    assert_eq!(
        fake.channel_named("inc-20240101-acme").unwrap().pins,
        vec![mid]
    );
    assert_eq!(
        fake.calls_to("POST", "/channels/{channel_id}/messages")
            .len(),
        4
    );
    assert!(
        fake.rejected_calls().is_empty(),
        "{:?}",
        fake.rejected_calls()
    );
}

#[tokio::test]
async fn invalid_requests_are_rejected_like_discord() {
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000001", "acme-status");
    let url = format!("{}/channels/1300000000000000001/messages", fake.api_url());

    let no_auth = send(
        "POST",
        &url,
        &[],
        Some(("application/json", br#"{"content":"x"}"#.to_vec())),
    )
    .await;
    assert_eq!(
        (no_auth.status, no_auth.json["message"].as_str()),
        (401, Some("401: Unauthorized"))
    );
    let bearer = post_json(
        &url,
        &format!("Bearer {}", fake.bot_token()),
        &json!({"content": "x"}),
    )
    .await;
    assert_eq!(bearer.status, 401);
    assert_eq!(call(&fake, "GET", "/no/such/route", None).await.status, 404);
    assert_eq!(
        call(&fake, "PUT", "/channels/1300000000000000001/messages", None)
            .await
            .status,
        405
    );
    let bad_id = call(&fake, "GET", "/channels/general/messages", None).await;
    assert_eq!(
        bad_id.json["errors"]["channel_id"]["_errors"][0]["code"],
        "NUMBER_TYPE_COERCE"
    );
    let bad_type = call(
        &fake,
        "POST",
        "/channels/1300000000000000001/messages",
        Some(&json!({"content": 5, "tts": "yes"})),
    )
    .await;
    assert_eq!(bad_type.status, 400);
    assert_eq!(bad_type.json["code"], 50035);
    assert_eq!(bad_type.json["message"], "Invalid Form Body");
    assert_eq!(
        bad_type.json["errors"]["tts"]["_errors"][0]["code"],
        "BOOLEAN_TYPE_COERCE"
    );
    let guild = fake.guild_id();
    let bad_channel = call(
        &fake,
        "POST",
        &format!("/guilds/{guild}/channels"),
        Some(&json!({"name": "n".repeat(101), "type": 3})),
    )
    .await;
    assert_eq!(
        bad_channel.json["errors"]["name"]["_errors"][0]["code"],
        "BASE_TYPE_MAX_LENGTH"
    );
    assert_eq!(
        bad_channel.json["errors"]["type"]["_errors"][0]["code"],
        "BASE_TYPE_CHOICES"
    );
    let no_name = call(
        &fake,
        "POST",
        &format!("/guilds/{guild}/channels"),
        Some(&json!({"type": 0})),
    )
    .await;
    assert_eq!(
        no_name.json["errors"]["name"]["_errors"][0]["code"],
        "BASE_TYPE_REQUIRED"
    );
    let bad_json = send(
        "POST",
        &url,
        &[("authorization", &bot(&fake))],
        Some(("application/json", b"{".to_vec())),
    )
    .await;
    assert_eq!(bad_json.json["code"], 50109);

    assert_eq!(fake.rejected_calls().len(), 9);
    assert!(fake.calls().is_empty());
    assert!(fake.messages_in("1300000000000000001").is_empty());
}

#[tokio::test]
async fn commands_interactions_and_followups() {
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000001", "acme-support");
    let app = fake.application_id();
    let commands = json!([
        {"name": "incident", "description": "Run an incident", "type": 1, "default_member_permissions": "0", "options": [
            {"type": 1, "name": "declare", "description": "Declare", "options": [
                {"type": 3, "name": "severity", "description": "P1-P4", "required": true, "choices": [{"name": "P1", "value": "P1"}]}
            ]}
        ]},
        {"name": "help", "description": "Ask", "options": [{"type": 3, "name": "question", "description": "What", "required": true}]}
    ]);
    let put = call(
        &fake,
        "PUT",
        &format!("/applications/{app}/commands"),
        Some(&commands),
    )
    .await;
    assert_eq!(put.status, 200, "{}", put.json);
    let first_id = put.json[0]["id"].clone();
    let again = call(
        &fake,
        "PUT",
        &format!("/applications/{app}/commands"),
        Some(&commands),
    )
    .await;
    assert_eq!(again.json[0]["id"], first_id, "same name keeps its id");
    assert_eq!(fake.commands(None).len(), 2);
    let dup = call(
        &fake,
        "PUT",
        &format!("/applications/{app}/commands"),
        Some(&json!([commands[1], commands[1]])),
    )
    .await;
    assert_eq!(
        dup.json["errors"]["1"]["name"]["_errors"][0]["code"],
        "APPLICATION_COMMANDS_DUPLICATE_NAME"
    );
    let upper = call(
        &fake,
        "PUT",
        &format!("/applications/{app}/commands"),
        Some(&json!([{"name": "Help", "description": "x"}])),
    )
    .await;
    assert_eq!(upper.status, 400);
    let guild = fake.guild_id();
    let in_guild = call(
        &fake,
        "PUT",
        &format!("/applications/{app}/guilds/{guild}/commands"),
        Some(&commands),
    )
    .await;
    assert_eq!(in_guild.json[0]["guild_id"], guild);

    let token = "aW50ZXJhY3Rpb246dG9rZW4";
    let unknown = call(
        &fake,
        "POST",
        &format!("/interactions/1400000000000000001/{token}/callback"),
        Some(&json!({"type": 5})),
    )
    .await;
    assert_eq!(unknown.json["code"], 10062);
    fake.register_interaction(
        &json!({"id": "1400000000000000001", "token": token, "channel_id": "1300000000000000001"}),
    );
    let deferred = call(
        &fake,
        "POST",
        &format!("/interactions/1400000000000000001/{token}/callback"),
        Some(&json!({"type": 5, "data": {"flags": 64}})),
    )
    .await;
    assert_eq!(deferred.status, 204);
    let twice = call(
        &fake,
        "POST",
        &format!("/interactions/1400000000000000001/{token}/callback"),
        Some(&json!({"type": 4, "data": {"content": "x"}})),
    )
    .await;
    assert_eq!(twice.json["code"], 40060);
    let edit = call(
        &fake,
        "PATCH",
        &format!("/webhooks/{app}/{token}/messages/@original"),
        Some(&json!({"content": "Incident declared"})),
    )
    .await;
    assert_eq!(edit.json["content"], "Incident declared");
    let follow = call(
        &fake,
        "POST",
        &format!("/webhooks/{app}/{token}"),
        Some(&json!({"content": "more", "flags": 64})),
    )
    .await;
    assert_eq!(follow.json["flags"], 64);
    let bad_callback = call(
        &fake,
        "POST",
        &format!("/interactions/1400000000000000001/{token}/callback"),
        Some(&json!({"type": 99})),
    )
    .await;
    assert_eq!(bad_callback.json["code"], 50035);

    let kinds: Vec<ReplyKind> = fake.interaction_replies().iter().map(|r| r.kind).collect();
    assert_eq!(
        kinds,
        vec![ReplyKind::Callback, ReplyKind::Edit, ReplyKind::Followup]
    );
    assert_eq!(fake.interaction_replies()[0].body["data"]["flags"], 64);
}

#[tokio::test]
async fn faults_answer_like_discord() {
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000001", "acme-status");
    let template = "/channels/{channel_id}/messages";
    fake.fail_next("POST", template, Fault::RateLimited { retry_after: 0.5 });
    fake.fail_next("POST", template, Fault::ServerError);
    let body = json!({"content": "update"});
    let path = "/channels/1300000000000000001/messages";

    let limited = call(&fake, "POST", path, Some(&body)).await;
    assert_eq!(limited.status, 429);
    assert_eq!(
        limited.json,
        json!({"message": "You are being rate limited.", "retry_after": 0.5, "global": false})
    );
    assert_eq!(limited.headers["retry-after"], "1");
    assert_eq!(limited.headers["x-ratelimit-remaining"], "0");
    assert_eq!(limited.headers["x-ratelimit-reset-after"], "0.500");
    let failed = call(&fake, "POST", path, Some(&body)).await;
    assert_eq!(
        (failed.status, failed.json["code"].as_u64()),
        (500, Some(0))
    );
    let ok = call(&fake, "POST", path, Some(&body)).await;
    assert_eq!(ok.status, 200);
    assert_eq!(ok.headers["x-ratelimit-limit"], "5");
    assert_eq!(fake.messages_in("1300000000000000001").len(), 1);
}
