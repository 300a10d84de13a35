//! What people see in chat, as the platforms received it: the brief, a nudge, an escalation, a
//! client update and a triage answer, in Slack (Block Kit) and Discord (embeds and components),
//! recorded by the fakes and kept as snapshots so that a changed message shows in review.
//! The clock is pinned, so times and incident ids are the same on every run; ids the fakes make
//! up (timestamps, snowflakes, interaction tokens) are replaced by their kind.

use std::time::Duration;

use chrono::TimeZone;
use serde_json::{json, Map, Value};

use crate::discord_support::{self, interaction, opt};
use crate::slack_support;
use commandpost::testing::kb::sample_kb;

/// Keys whose values a fake or the clock of the machine makes up.
const MADE_UP: &[&str] = &[
    "ts",
    "thread_ts",
    "id",
    "channel_id",
    "message_id",
    "interaction_token",
    "trigger_id",
    "response_url",
];

/// `value` with made-up ids replaced and loopback ports removed from links.
fn stable(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(key, value)| {
                    let value = if MADE_UP.contains(&key.as_str()) && !value.is_null() {
                        Value::String(format!("[{key}]"))
                    } else {
                        stable(value)
                    };
                    (key.clone(), value)
                })
                .collect::<Map<_, _>>(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(stable).collect()),
        Value::String(text) => Value::String(without_ports(text)),
        other => other.clone(),
    }
}

/// `http://127.0.0.1:PORT` becomes `http://127.0.0.1:[port]`.
fn without_ports(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..at + "127.0.0.1:".len()]);
        rest = rest[at + "127.0.0.1:".len()..].trim_start_matches(|c: char| c.is_ascii_digit());
        out.push_str("[port]");
    }
    out.push_str(rest);
    out
}

/// A snapshot of `value` as pretty JSON. Keys come out sorted (serde_json's map keeps no
/// insertion order in this workspace), so the order a serializer writes them in never shows.
fn snapshot(name: &str, value: &Value) {
    let text = serde_json::to_string_pretty(value).expect("JSON prints");
    insta::assert_snapshot!(name, text);
}

fn pinned() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

/// A Slack message as posted: the arguments people see.
fn slack_post(message: &commandpost_chat_fakes::slack::SlackMessage) -> Value {
    let mut params = message.params.clone();
    params.remove("channel");
    stable(&Value::Object(params))
}

#[tokio::test]
async fn slack_messages_as_people_see_them() {
    use slack_support::{Harness, ACME_STATUS, ACME_SUPPORT, ALICE, BOB, ONCALL};
    let kb = sample_kb();
    let fake = slack_support::fake().await;
    let toml = format!(
        "kb_dir = \"{}\"\n{}",
        kb.path().display(),
        slack_support::config(&fake.api_url(), "sqlite://{dir}/test.db", "")
    );
    let harness = Harness::on(fake, &toml, false).await;
    harness.app.clock.set(pinned());

    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let posts = harness.fake.messages_in(&room.id);
    snapshot("slack_brief", &slack_post(&posts[0]));

    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB|bob>")
        .await;
    harness.app.settle().await;
    let before = harness.fake.messages_in(&room.id).len();
    harness.app.clock.advance(Duration::from_secs(45));
    harness.app.settle().await;
    let nudge = harness.fake.messages_in(&room.id);
    assert_eq!(nudge.len(), before + 1, "one nudge");
    snapshot("slack_nudge", &slack_post(nudge.last().unwrap()));

    harness.app.clock.advance(Duration::from_secs(30));
    harness.app.settle().await;
    let escalation = harness.fake.messages_in(&room.id);
    snapshot(
        "slack_escalation_room",
        &slack_post(escalation.last().unwrap()),
    );
    let oncall = harness.fake.messages_in(ONCALL);
    snapshot(
        "slack_escalation_oncall",
        &slack_post(oncall.last().unwrap()),
    );

    harness
        .incident(
            BOB,
            &room.id,
            "update Mail is flowing again; we are watching the queues.",
        )
        .await;
    harness.app.settle().await;
    let update = harness.fake.messages_in(ACME_STATUS);
    snapshot("slack_client_update", &slack_post(update.last().unwrap()));

    let answer = harness
        .slash(
            "/help",
            "U0ASKER",
            ACME_SUPPORT,
            "vpn will not connect from home",
        )
        .await;
    snapshot("slack_triage_answer", &stable(&answer));
}

/// A Discord message as posted: what people see of it.
fn discord_post(message: &commandpost_chat_fakes::discord::DiscordMessage) -> Value {
    stable(&json!({
        "content": message.content,
        "embeds": message.embeds,
        "components": message.components,
        "flags": message.flags,
    }))
}

#[tokio::test]
async fn discord_messages_as_people_see_them() {
    use discord_support::{Harness, ACME_STATUS, ACME_SUPPORT, ALICE, BOB, ONCALL};
    let kb = sample_kb();
    let fake = discord_support::fake().await;
    let toml = format!(
        "kb_dir = \"{}\"\n{}",
        kb.path().display(),
        discord_support::config(&fake, "sqlite://{dir}/test.db", "")
    );
    let harness = Harness::on(fake, &toml, false).await;
    harness.app.clock.set(pinned());

    let room = harness.declare().await;
    let posts = bot_posts(&harness, &room.id);
    snapshot("discord_brief", &discord_post(&posts[0]));

    harness
        .incident(
            ALICE,
            &room.id,
            "assign",
            json!([opt("role", "comms"), opt("user", BOB)]),
        )
        .await;
    harness.app.settle().await;
    let before = bot_posts(&harness, &room.id).len();
    harness.app.clock.advance(Duration::from_secs(45));
    harness.app.settle().await;
    let nudge = bot_posts(&harness, &room.id);
    assert_eq!(nudge.len(), before + 1, "one nudge");
    snapshot("discord_nudge", &discord_post(nudge.last().unwrap()));

    harness.app.clock.advance(Duration::from_secs(30));
    harness.app.settle().await;
    let escalation = bot_posts(&harness, &room.id);
    snapshot(
        "discord_escalation_room",
        &discord_post(escalation.last().unwrap()),
    );
    let oncall = bot_posts(&harness, ONCALL);
    snapshot(
        "discord_escalation_oncall",
        &discord_post(oncall.last().unwrap()),
    );

    harness
        .incident(
            BOB,
            &room.id,
            "update",
            json!([opt(
                "text",
                "Mail is flowing again; we are watching the queues."
            )]),
        )
        .await;
    harness.app.settle().await;
    let update = bot_posts(&harness, ACME_STATUS);
    snapshot(
        "discord_client_update",
        &discord_post(update.last().unwrap()),
    );

    let data = json!({"id": "1600000000000000002", "name": "help", "type": 1,
        "options": [{"type": 3, "name": "question", "value": "vpn will not connect from home"}]});
    let answer = harness
        .interact(&interaction(2, data, "1500000000000000099", ACME_SUPPORT))
        .await;
    snapshot("discord_triage_answer", &stable(&answer));
}

/// The bot's posts in a channel (not interaction answers).
fn bot_posts(
    harness: &discord_support::Harness,
    channel: &str,
) -> Vec<commandpost_chat_fakes::discord::DiscordMessage> {
    harness
        .fake
        .messages_in(channel)
        .into_iter()
        .filter(|m| m.interaction_token.is_none())
        .collect()
}
