//! Shared set-up for the Discord end-to-end tests: the fake Discord, the app pointed at it, and
//! interactions signed and relayed the way Discord does it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use commandpost::testing::app::{spawn_app, TestApp};
use commandpost_chat_fakes::discord::DiscordChannel;
use commandpost_chat_fakes::{discord_test_keys, sign_interaction, FakeDiscord};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

pub const ALICE: &str = "1500000000000000001";
pub const BOB: &str = "1500000000000000002";
pub const CAROL: &str = "1500000000000000003";
pub const MANAGER: &str = "1500000000000000099";
/// The MSP's on-call role: Alice, Bob and Carol hold it; anyone else is a client's staff.
pub const RESPONDER_ROLE: &str = "1700000000000000001";
pub const RESPONDERS: [&str; 3] = [ALICE, BOB, CAROL];
pub const ONCALL: &str = "1300000000000000010";
pub const ACME_STATUS: &str = "1300000000000000011";
pub const ACME_SUPPORT: &str = "1300000000000000012";
pub const GLOBEX_STATUS: &str = "1300000000000000013";
pub const GENERAL: &str = "1300000000000000014";

static NEXT_ID: AtomicU64 = AtomicU64::new(1_400_000_000_000_000_000);

pub struct Harness {
    pub fake: FakeDiscord,
    pub app: TestApp,
    pub key: SigningKey,
    pub http: reqwest::Client,
}

/// The configuration for a fake; `extra` goes into `[discord]`.
pub fn config(fake: &FakeDiscord, database_url: &str, extra: &str) -> String {
    let public_key = discord_test_keys().1;
    format!(
        r#"
database_url = "{database_url}"

[discord]
application_id = "{app}"
public_key = "{public_key}"
bot_token = "{token}"
guild_id = "{guild}"
api_url = "{api}"
oncall_channel = "{ONCALL}"
responder_roles = ["{RESPONDER_ROLE}"]
{extra}

[policy]
first_update_within = "60s"
update_every = "60s"
nudge_before = "20s"
escalate_after = "10s"
managers = ["discord:{MANAGER}"]

[[clients]]
id = "acme"
name = "Acme Corp"
discord_status_channel = "{ACME_STATUS}"
discord_support_channel = "{ACME_SUPPORT}"

[[clients]]
id = "globex"
name = "Globex"
discord_status_channel = "{GLOBEX_STATUS}"
"#,
        app = fake.application_id(),
        token = fake.bot_token(),
        guild = fake.guild_id(),
        api = fake.api_url(),
    )
}

/// A fake Discord with the on-call, status, Acme support and general channels.
pub async fn fake() -> FakeDiscord {
    let fake = FakeDiscord::start().await;
    for (id, name) in [
        (ONCALL, "oncall"),
        (ACME_STATUS, "acme-status"),
        (ACME_SUPPORT, "acme-support"),
        (GLOBEX_STATUS, "globex-status"),
        (GENERAL, "general"),
    ] {
        fake.add_channel(id, name);
    }
    fake
}

impl Harness {
    /// The standard [`fake`], and the app on a fresh SQLite database; no background workers
    /// unless `workers`.
    pub async fn start(extra: &str, workers: bool) -> Harness {
        Self::with_fake(fake().await, extra, workers).await
    }

    pub async fn with_fake(fake: FakeDiscord, extra: &str, workers: bool) -> Harness {
        let config = config(&fake, "sqlite://{dir}/test.db", extra);
        Self::on(fake, &config, workers).await
    }

    /// The app on configuration `toml` (`{dir}`: its temporary directory) against `fake`.
    pub async fn on(fake: FakeDiscord, toml: &str, workers: bool) -> Harness {
        let app = spawn_app(toml, workers, Vec::new()).await;
        Harness {
            fake,
            app,
            key: discord_test_keys().0,
            http: reqwest::Client::new(),
        }
    }

    pub fn now(&self) -> i64 {
        self.app.clock.now_for_test().timestamp()
    }

    /// POSTs a body to the endpoint with these headers; returns status and JSON (or Null).
    pub async fn post_raw(
        &self,
        body: &[u8],
        signature: Option<&str>,
        timestamp: Option<&str>,
    ) -> (u16, Value) {
        let mut request = self
            .http
            .post(self.app.url("/discord/interactions"))
            .header("content-type", "application/json")
            .body(body.to_vec());
        if let Some(signature) = signature {
            request = request.header("x-signature-ed25519", signature);
        }
        if let Some(timestamp) = timestamp {
            request = request.header("x-signature-timestamp", timestamp);
        }
        let response = request.send().await.expect("the app answers");
        let status = response.status().as_u16();
        let text = response.text().await.unwrap_or_default();
        (status, serde_json::from_str(&text).unwrap_or(Value::Null))
    }

    /// Sends an interaction signed now, without relaying the answer to the fake.
    pub async fn post_signed(&self, payload: &Value) -> (u16, Value) {
        let body = serde_json::to_vec(payload).unwrap();
        let timestamp = self.now().to_string();
        let signature = sign_interaction(&self.key, &timestamp, &body);
        self.post_raw(&body, Some(&signature), Some(&timestamp))
            .await
    }

    /// Plays Discord: makes the interaction known to the fake, sends it signed, and relays the
    /// HTTP answer to the fake as Discord does (so follow-ups and replies land there too).
    pub async fn interact(&self, payload: &Value) -> Value {
        self.fake.register_interaction(payload);
        let (status, answer) = self.post_signed(payload).await;
        assert_eq!(status, 200, "{answer}");
        self.relay(payload, &answer).await;
        answer
    }

    /// Forwards an HTTP interaction answer to the fake's callback endpoint.
    pub async fn relay(&self, payload: &Value, answer: &Value) {
        let url = format!(
            "{}/interactions/{}/{}/callback",
            self.fake.api_url(),
            payload["id"].as_str().unwrap(),
            payload["token"].as_str().unwrap()
        );
        let relayed = self.http.post(url).json(answer).send().await.unwrap();
        assert!(
            relayed.status().is_success(),
            "the fake refused the relayed answer {answer}"
        );
    }

    /// `/incident <sub>` with options, by `user` in `channel`.
    pub async fn incident(&self, user: &str, channel: &str, sub: &str, options: Value) -> Value {
        self.interact(&slash(user, channel, sub, options)).await
    }

    /// The app's reply text (content, or the first embed's description).
    pub fn reply_text(answer: &Value) -> String {
        let data = &answer["data"];
        data["content"]
            .as_str()
            .filter(|c| !c.is_empty())
            .or_else(|| data["embeds"][0]["description"].as_str())
            .unwrap_or_default()
            .to_owned()
    }

    /// Declares P1 for acme as Alice and delivers what it queued; returns the room channel.
    pub async fn declare(&self) -> DiscordChannel {
        let answer = self.interact(&declare_p1("Email is down")).await;
        assert_eq!(answer["data"]["flags"], 64, "{answer}");
        self.app.settle().await;
        self.room().expect("the incident channel was created")
    }

    pub fn room(&self) -> Option<DiscordChannel> {
        self.fake
            .channels()
            .into_iter()
            .find(|c| c.name.starts_with("inc-") && c.kind == 0)
    }

    pub fn texts_in(&self, channel: &str) -> Vec<String> {
        self.fake
            .messages_in(channel)
            .into_iter()
            .filter(|m| m.interaction_token.is_none())
            .map(|m| {
                let mut text = m.content.clone();
                for embed in &m.embeds {
                    text.push_str(embed["description"].as_str().unwrap_or_default());
                }
                text
            })
            .collect()
    }

    pub fn assert_no_rejected_calls(&self) {
        assert!(
            self.fake.rejected_calls().is_empty(),
            "{:#?}",
            self.fake.rejected_calls()
        );
    }

    pub async fn wait_for(&self, what: &str, condition: impl FnMut(&FakeDiscord) -> bool) {
        assert!(
            self.fake
                .wait_until(Duration::from_secs(10), condition)
                .await,
            "timed out waiting for {what}"
        );
    }
}

pub fn opt(name: &str, value: &str) -> Value {
    json!({ "name": name, "type": 3, "value": value })
}

pub fn next_id() -> String {
    NEXT_ID.fetch_add(1, Ordering::SeqCst).to_string()
}

fn user(id: &str) -> Value {
    json!({ "id": id, "username": format!("user{}", &id[id.len() - 2..]), "discriminator": "0", "global_name": null, "avatar": null, "public_flags": 0 })
}

/// An interaction as Discord sends it (the fields serenity needs included, for the gateway).
pub fn interaction(kind: u64, data: Value, user_id: &str, channel: &str) -> Value {
    let id = next_id();
    let roles: Vec<&str> = if RESPONDERS.contains(&user_id) {
        vec![RESPONDER_ROLE]
    } else {
        Vec::new()
    };
    json!({
        "id": id,
        "application_id": "1100000000000000001",
        "type": kind,
        "data": data,
        "guild_id": "1100000000000000003",
        "channel_id": channel,
        "channel": { "id": channel, "type": 0, "name": "room", "permissions": "0" },
        "member": {
            "user": user(user_id), "nick": null, "avatar": null, "roles": roles, "joined_at": "2024-01-01T00:00:00.000000+00:00",
            "premium_since": null, "deaf": false, "mute": false, "flags": 0, "pending": false, "permissions": "2248473465835073",
            "communication_disabled_until": null
        },
        "token": format!("interaction-token-{id}"),
        "version": 1,
        "app_permissions": "2248473465835073",
        "locale": "en-US",
        "guild_locale": "en-US",
        "entitlements": [],
        "authorizing_integration_owners": { "0": "1100000000000000003" },
        "context": 0,
        "attachment_size_limit": 10485760
    })
}

/// `/incident <sub>` as an APPLICATION_COMMAND interaction.
pub fn slash(user_id: &str, channel: &str, sub: &str, options: Value) -> Value {
    let data = json!({
        "id": "1600000000000000001",
        "name": "incident",
        "type": 1,
        "options": [{ "type": 1, "name": sub, "options": options }],
    });
    interaction(2, data, user_id, channel)
}

/// `/incident declare P1 acme <title>` typed by Alice in #general.
pub fn declare_p1(title: &str) -> Value {
    slash(
        ALICE,
        GENERAL,
        "declare",
        json!([
            opt("severity", "P1"),
            opt("client", "acme"),
            opt("title", title)
        ]),
    )
}

/// A click on a component of `message` (as the fake holds it), or of a private answer the
/// fake does not hold (Discord sends the clicked message either way).
pub fn click(
    user_id: &str,
    channel: &str,
    message: Option<&commandpost_chat_fakes::discord::DiscordMessage>,
    custom_id: &str,
    values: &[&str],
) -> Value {
    let mut data =
        json!({ "custom_id": custom_id, "component_type": if values.is_empty() { 2 } else { 3 } });
    if !values.is_empty() {
        data["values"] = json!(values);
    }
    let mut payload = interaction(3, data, user_id, channel);
    let (id, content, embeds, components, flags) = match message {
        Some(m) => (
            m.id.clone(),
            json!(m.content),
            json!(m.embeds),
            json!(m.components),
            0,
        ),
        None => (next_id(), json!(""), json!([]), json!([]), 64),
    };
    payload["message"] = json!({
        "id": id, "channel_id": channel, "content": content,
        "embeds": embeds, "components": components, "type": 0,
        "author": { "id": "1100000000000000002", "username": "commandpost", "discriminator": "0", "bot": true, "avatar": null, "global_name": null },
        "timestamp": "2024-01-01T00:00:00.000000+00:00", "edited_timestamp": null, "tts": false,
        "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [], "pinned": false, "flags": flags,
    });
    payload
}

/// A submitted form.
pub fn submit(user_id: &str, channel: &str, custom_id: &str, inputs: &[(&str, &str)]) -> Value {
    let rows: Vec<Value> = inputs
        .iter()
        .map(|(id, value)| json!({ "type": 1, "components": [{ "type": 4, "custom_id": id, "value": value }] }))
        .collect();
    interaction(
        5,
        json!({ "custom_id": custom_id, "components": rows }),
        user_id,
        channel,
    )
}

/// A `MESSAGE_CREATE` as the gateway dispatches it: `author` posting `content` in `channel`.
pub fn message(id: &str, channel: &str, author: &str, bot: bool, content: &str) -> Value {
    json!({
        "id": id, "channel_id": channel, "guild_id": "1100000000000000003",
        "author": { "id": author, "username": "someone", "discriminator": "0", "global_name": null, "avatar": null, "bot": bot },
        "member": { "roles": [], "joined_at": "2024-01-01T00:00:00.000000+00:00", "deaf": false, "mute": false, "flags": 0 },
        "content": content, "timestamp": "2024-01-01T00:00:00.000000+00:00", "edited_timestamp": null,
        "tts": false, "mention_everyone": false, "mentions": [], "mention_roles": [], "attachments": [],
        "embeds": [], "components": [], "pinned": false, "type": 0, "flags": 0,
    })
}

/// Support messages are counted in one metric for the whole test process
/// (`commandpost_support_messages_total`): tests that send them over the gateway take turns,
/// so a test can tell how many its own messages added.
pub async fn gateway_messages_turn() -> tokio::sync::MutexGuard<'static, ()> {
    static TURN: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());
    TURN.lock().await
}
