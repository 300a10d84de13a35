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
use std::sync::Arc;
use std::time::{Duration, Instant};

use commandpost_chat_fakes::{discord_test_keys, sign_interaction, FakeDiscord};
use ed25519_dalek::SigningKey;
use serde_json::{json, Value};
use tokio::sync::Mutex;

struct Args {
    rate: u32,
    seconds: u64,
    concurrency: usize,
    saturation_seconds: u64,
}

fn args() -> Args {
    let mut args = Args {
        rate: 200,
        seconds: 20,
        concurrency: 32,
        saturation_seconds: 10,
    };
    let raw: Vec<String> = std::env::args().skip(1).collect();
    for pair in raw.chunks(2) {
        let value = pair.get(1).map(String::as_str).unwrap_or_default();
        let number = || value.parse::<u64>().expect("a whole number");
        match pair[0].as_str() {
            "--rate" => args.rate = number() as u32,
            "--seconds" => args.seconds = number(),
            "--concurrency" => args.concurrency = number() as usize,
            "--saturation-seconds" => args.saturation_seconds = number(),
            other => panic!("unknown option {other}; see the top of this file"),
        }
    }
    args
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn summary(label: &str, mut latencies: Vec<Duration>, failed: usize, elapsed: Duration) {
    latencies.sort_unstable();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "{label}: {} ok, {failed} failed or dropped in {:.1}s = {:.0} req/s; latency p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms",
        latencies.len(),
        elapsed.as_secs_f64(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        ms(percentile(&latencies, 50.0)),
        ms(percentile(&latencies, 90.0)),
        ms(percentile(&latencies, 99.0)),
        ms(latencies.last().copied().unwrap_or_default()),
    );
}

const ALICE: &str = "1500000000000000001";

/// A signed interaction: body, timestamp, signature.
struct Signed(Vec<u8>, String, String);

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
    let args = args();
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

    // 1. Open loop at a fixed rate; the requests are signed beforehand.
    let total = args.rate as u64 * args.seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let mut bodies: Vec<Signed> = (0..total)
        .map(|_| target.interaction(&room, "status", json!([])))
        .collect();
    bodies.reverse();
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let scheduled = start + interval * n as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let target = target.clone();
        let signed = bodies.pop().expect("one body per request");
        tasks.push(tokio::spawn(async move {
            let ok = target.send(signed).await;
            (ok, scheduled.elapsed())
        }));
    }
    let mut latencies = Vec::with_capacity(tasks.len());
    let mut failed = 0;
    for task in tasks {
        match task.await {
            Ok((true, latency)) => latencies.push(latency),
            _ => failed += 1,
        }
    }
    summary(
        &format!("open loop at {} req/s", args.rate),
        latencies,
        failed,
        start.elapsed(),
    );

    // 2. Closed loop: as fast as `concurrency` clients can go.
    let deadline = Instant::now() + Duration::from_secs(args.saturation_seconds);
    let results = Arc::new(Mutex::new((Vec::new(), 0usize)));
    let start = Instant::now();
    let workers: Vec<_> = (0..args.concurrency)
        .map(|_| {
            let target = target.clone();
            let results = results.clone();
            let room = room.clone();
            tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut failed = 0;
                while Instant::now() < deadline {
                    let signed = target.interaction(&room, "status", json!([]));
                    let sent = Instant::now();
                    if target.send(signed).await {
                        mine.push(sent.elapsed());
                    } else {
                        failed += 1;
                    }
                }
                let mut all = results.lock().await;
                all.0.extend(mine);
                all.1 += failed;
            })
        })
        .collect();
    for worker in workers {
        let _ = worker.await;
    }
    let elapsed = start.elapsed();
    let (latencies, failed) = std::mem::take(&mut *results.lock().await);
    summary(
        &format!("saturation with {} clients", args.concurrency),
        latencies,
        failed,
        elapsed,
    );
}
