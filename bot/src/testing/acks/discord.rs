//! How fast signed Discord interactions are acknowledged on loopback (`discord_ack_bench`).
//!
//! Starts the real app on SQLite against the fake Discord, declares one incident, then sends
//! signed `/incident status` interactions from its channel, each with its own id (Ed25519 check,
//! JSON parse, the interaction-id dedupe write to SQLite, an SQLite read, the status template,
//! the answer):
//! 1. open loop at `--rate` requests/s for `--seconds`, latency measured from each request's
//!    scheduled start (so a stall counts against every request queued behind it);
//! 2. closed loop with `--concurrency` clients for `--saturation-seconds`: throughput at saturation.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use crate::bench::load::{open_then_closed, LoadArgs, LoadReport, Probe};
use commandpost_chat_fakes::{discord_test_keys, sign_interaction, FakeDiscord};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

const ALICE: &str = "1500000000000000001";
const RESPONDER_ROLE: &str = "1700000000000000001";

/// A signed interaction: body, timestamp, signature.
struct Signed(Vec<u8>, String, String);

struct Target {
    http: reqwest::Client,
    url: String,
    key: SigningKey,
    timestamp: String,
    next_id: AtomicU64,
    /// The incident channel the load is sent from, known once the incident is declared.
    room: OnceLock<String>,
}

impl Target {
    fn interaction(&self, channel: &str, sub: &str, options: Value) -> Signed {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        // Every field Discord sends (serenity's `Interaction` requires them), from a member
        // holding the responder role.
        let payload = json!({
            "id": id.to_string(), "application_id": "1100000000000000001", "type": 2,
            "data": { "id": "1600000000000000001", "name": "incident", "type": 1,
                      "options": [{ "type": 1, "name": sub, "options": options }] },
            "guild_id": "1100000000000000003", "channel_id": channel,
            "channel": { "id": channel, "type": 0, "name": "room", "permissions": "0" },
            "member": {
                "user": { "id": ALICE, "username": "alice", "discriminator": "0", "global_name": null, "avatar": null },
                "nick": null, "avatar": null, "roles": [RESPONDER_ROLE],
                "joined_at": "2024-01-01T00:00:00.000000+00:00", "premium_since": null,
                "deaf": false, "mute": false, "flags": 0, "pending": false,
                "permissions": "2248473465835073", "communication_disabled_until": null
            },
            "token": format!("bench-token-{id}"), "version": 1, "locale": "en-US",
            "app_permissions": "2248473465835073", "guild_locale": "en-US", "entitlements": [],
            "authorizing_integration_owners": { "0": "1100000000000000003" }, "context": 0,
            "attachment_size_limit": 10485760
        });
        let body = serde_json::to_vec(&payload).expect("JSON");
        let signature = sign_interaction(&self.key, &self.timestamp, &body);
        Signed(body, self.timestamp.clone(), signature)
    }
}

impl Probe for Target {
    type Request = Signed;

    fn prepare(&self) -> Signed {
        self.interaction(
            self.room
                .get()
                .expect("the room is known before the load starts"),
            "status",
            json!([]),
        )
    }

    /// Sends one; true when the app acknowledged it with a message.
    async fn send(&self, signed: Signed) -> bool {
        let Signed(body, timestamp, signature) = signed;
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/json")
            .header("x-signature-timestamp", timestamp)
            .header("x-signature-ed25519", signature)
            .body(body)
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => response
                .json::<Value>()
                .await
                .is_ok_and(|answer| answer["type"] == 4),
            _ => false,
        }
    }
}

/// Runs the benchmark: the open loop's report, then the closed loop's.
pub async fn run(args: LoadArgs) -> [LoadReport; 2] {
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000010", "oncall");
    fake.add_channel("1300000000000000011", "acme-status");
    let (key, public_key) = discord_test_keys();
    let config = format!(
        "database_url = \"sqlite://{{dir}}/bench.db\"\n[discord]\napplication_id = \"{}\"\npublic_key = \"{public_key}\"\nbot_token = \"{}\"\nguild_id = \"{}\"\napi_url = \"{}\"\noncall_channel = \"1300000000000000010\"\nresponder_roles = [\"{RESPONDER_ROLE}\"]\n[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\ndiscord_status_channel = \"1300000000000000011\"\n",
        fake.application_id(),
        fake.bot_token(),
        fake.guild_id(),
        fake.api_url()
    );
    let app = crate::testing::app::spawn_app(&config, false, Vec::new()).await;
    let target = Arc::new(Target {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .expect("an HTTP client"),
        url: app.url("/discord/interactions"),
        key,
        timestamp: app.clock.now_for_test().timestamp().to_string(),
        next_id: AtomicU64::new(1_400_000_000_000_000_000),
        room: OnceLock::new(),
    });
    let declare = target.interaction(
        "1300000000000000010",
        "declare",
        json!([
            { "name": "severity", "type": 3, "value": "P1" },
            { "name": "client", "type": 3, "value": "acme" },
            { "name": "title", "type": 3, "value": "Email is down" }
        ]),
    );
    assert!(
        target.send(declare).await,
        "the declaration is acknowledged"
    );
    app.settle().await;
    let room = fake
        .channels()
        .into_iter()
        .find(|c| c.name.starts_with("inc-"))
        .expect("the incident channel")
        .id;
    for _ in 0..50 {
        target
            .send(target.interaction(&room, "status", json!([])))
            .await;
    }

    target.room.set(room).expect("set once");
    open_then_closed(target, args).await
}
