//! Benchmark (not a test): how fast signed Slack slash commands are acknowledged on loopback.
//!
//! Starts the real app on SQLite against the fake Slack, declares one incident, then sends
//! signed `/incident status` commands from its room (signature check, parse, an SQLite read,
//! the status template, the Block Kit answer):
//! 1. open loop at `--rate` requests/s for `--seconds`, latency measured from each request's
//!    scheduled start (so a stall counts against every request queued behind it);
//! 2. closed loop with `--concurrency` clients for `--saturation-seconds`: throughput at saturation.
//!
//! `cargo run --release -p commandpost --example slack_ack_bench -- --rate 200 --seconds 20`

use std::sync::Arc;
use std::time::{Duration, Instant};

use commandpost::testing::app::spawn_app;
use commandpost_chat_fakes::{sign_slack, FakeSlack};
use tokio::sync::Mutex;

const SECRET: &str = "bench-signing-secret";

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

fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        serializer.append_pair(key, value);
    }
    serializer.finish()
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

struct Target {
    http: reqwest::Client,
    url: String,
    body: String,
    timestamp: String,
    signature: String,
}

impl Target {
    async fn send(&self) -> bool {
        let sent = self
            .http
            .post(&self.url)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &self.timestamp)
            .header("x-slack-signature", &self.signature)
            .body(self.body.clone())
            .send()
            .await;
        match sent {
            Ok(response) if response.status().is_success() => {
                response.bytes().await.is_ok_and(|b| b.len() > 2)
            }
            _ => false,
        }
    }
}

#[tokio::main]
async fn main() {
    let args = args();
    let fake = FakeSlack::start().await;
    fake.add_channel("C0ONCALL", "oncall");
    fake.add_channel("C0ACMESTATUS", "acme-status");
    let config = format!(
        "database_url = \"sqlite://{{dir}}/bench.db\"\n[slack]\nbot_token = \"xoxb-test\"\nsigning_secret = \"{SECRET}\"\napi_url = \"{}\"\noncall_channel = \"C0ONCALL\"\n[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\nslack_status_channel = \"C0ACMESTATUS\"\n",
        fake.api_url()
    );
    let app = spawn_app(&config, false, Vec::new()).await;
    let timestamp = app.clock.now_for_test().timestamp().to_string();
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(256)
        .build()
        .expect("an HTTP client");
    let declare = form(&[
        ("command", "/incident"),
        ("text", "declare P1 acme Email is down"),
        ("user_id", "U0ALICE"),
        ("channel_id", "C0ONCALL"),
    ]);
    let declared = http
        .post(app.url("/slack/commands"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("x-slack-request-timestamp", &timestamp)
        .header(
            "x-slack-signature",
            sign_slack(SECRET, &timestamp, declare.as_bytes()),
        )
        .body(declare)
        .send()
        .await
        .expect("the app answers");
    assert!(declared.status().is_success());
    app.settle().await;
    let room = fake
        .channels()
        .into_iter()
        .find(|c| c.name.starts_with("inc-"))
        .expect("the incident room")
        .id;
    let body = form(&[
        ("token", "legacy"),
        ("team_id", "T0FAKETEAM"),
        ("command", "/incident"),
        ("text", "status"),
        ("user_id", "U0ALICE"),
        ("channel_id", &room),
        ("response_url", &fake.response_url("bench")),
        ("trigger_id", "1.2.3"),
    ]);
    let target = Arc::new(Target {
        http,
        url: app.url("/slack/commands"),
        signature: sign_slack(SECRET, &timestamp, body.as_bytes()),
        body,
        timestamp,
    });
    for _ in 0..50 {
        target.send().await;
    }

    // 1. Open loop at a fixed rate.
    let total = args.rate as u64 * args.seconds;
    let interval = Duration::from_secs_f64(1.0 / f64::from(args.rate));
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(total as usize);
    for n in 0..total {
        let scheduled = start + interval * n as u32;
        tokio::time::sleep_until(scheduled.into()).await;
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let ok = target.send().await;
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
            tokio::spawn(async move {
                let mut mine = Vec::new();
                let mut failed = 0;
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if target.send().await {
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
