//! Benchmark (not a test): how fast signed Discord interactions are acknowledged on loopback.
//!
//! Starts the real app on SQLite against the fake Discord, declares one incident, then sends
//! signed `/incident status` interactions from its channel, each with its own id (Ed25519 check,
//! JSON parse, the interaction-id dedupe write to SQLite, an SQLite read, the status template,
//! the answer):
//! 1. open loop at `--rate` requests/s for `--seconds`, latency measured from each request's
//!    scheduled start (so a stall counts against every request queued behind it);
//! 2. closed loop with `--concurrency` clients for `--saturation-seconds`: throughput at saturation.
//!
//! `cargo run --release -p commandpost --example discord_ack_bench -- --rate 200 --seconds 20`

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};

use commandpost::bench::load::{closed_loop, open_loop, LoadArgs, Probe};
use commandpost_chat_fakes::{discord_test_keys, sign_interaction, FakeDiscord};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};

const ALICE: &str = "1500000000000000001";

/// A signed interaction: body, timestamp, signature.
struct Signed(Vec<u8>, String, String);

/// The incident channel the load is sent from, known once the incident is declared.
static ROOM: OnceLock<String> = OnceLock::new();

struct Target {
    http: reqwest::Client,
    url: String,
    key: SigningKey,
    timestamp: String,
    next_id: AtomicU64,
}

impl Target {
    fn interaction(&self, channel: &str, sub: &str, options: Value) -> Signed {
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let payload = json!({
            "id": id.to_string(), "application_id": "1100000000000000001", "type": 2,
            "data": { "id": "1600000000000000001", "name": "incident", "type": 1,
                      "options": [{ "type": 1, "name": sub, "options": options }] },
            "guild_id": "1100000000000000003", "channel_id": channel,
            "member": { "user": { "id": ALICE, "username": "alice", "discriminator": "0" }, "roles": [] },
            "token": format!("bench-token-{id}"), "version": 1, "locale": "en-US",
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
            ROOM.get()
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

#[tokio::main]
async fn main() {
    let args = LoadArgs::from_command_line();
    let fake = FakeDiscord::start().await;
    fake.add_channel("1300000000000000010", "oncall");
    fake.add_channel("1300000000000000011", "acme-status");
    let (key, public_key) = discord_test_keys();
    let config = format!(
        "database_url = \"sqlite://{{dir}}/bench.db\"\n[discord]\napplication_id = \"{}\"\npublic_key = \"{public_key}\"\nbot_token = \"{}\"\nguild_id = \"{}\"\napi_url = \"{}\"\noncall_channel = \"1300000000000000010\"\n[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\ndiscord_status_channel = \"1300000000000000011\"\n",
        fake.application_id(),
        fake.bot_token(),
        fake.guild_id(),
        fake.api_url()
    );
    let app = commandpost::testing::app::spawn_app(&config, false, Vec::new()).await;
    let target = Arc::new(Target {
        http: reqwest::Client::builder()
            .pool_max_idle_per_host(256)
            .build()
            .expect("an HTTP client"),
        url: app.url("/discord/interactions"),
        key,
        timestamp: app.clock.now_for_test().timestamp().to_string(),
        next_id: AtomicU64::new(1_400_000_000_000_000_000),
    });
    let declare = target.interaction(
        "1300000000000000010",
        "declare",
        json!([{ "name": "severity", "value": "P1" }, { "name": "client", "value": "acme" }, { "name": "title", "value": "Email is down" }]),
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

    ROOM.set(room).expect("set once");
    println!(
        "{}",
        open_loop(target.clone(), args.rate, args.seconds).await
    );
    println!(
        "{}",
        closed_loop(target, args.concurrency, args.saturation_seconds).await
    );
}
