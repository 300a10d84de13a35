//! How fast signed Slack slash commands are acknowledged on loopback (`slack_ack_bench`).
//!
//! Starts the real app on SQLite against the fake Slack, declares one incident, then sends
//! signed `/incident status` commands from its room (signature check, parse, an SQLite read,
//! the status template, the Block Kit answer):
//! 1. open loop at `--rate` requests/s for `--seconds`, latency measured from each request's
//!    scheduled start (so a stall counts against every request queued behind it);
//! 2. closed loop with `--concurrency` clients for `--saturation-seconds`: throughput at saturation.

use std::sync::Arc;

use crate::bench::load::{open_then_closed, LoadArgs, LoadReport, Probe};
use crate::testing::app::spawn_app;
use commandpost_chat_fakes::{sign_slack, FakeSlack};

const SECRET: &str = "bench-signing-secret-0123456789abcdef";

fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

struct Target {
    http: reqwest::Client,
    url: String,
    body: String,
    timestamp: String,
    signature: String,
}

impl Probe for Target {
    type Request = ();

    fn prepare(&self) {}

    async fn send(&self, _: ()) -> bool {
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

/// Runs the benchmark: the open loop's report, then the closed loop's.
pub async fn run(args: LoadArgs) -> [LoadReport; 2] {
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
        ("token", "legacy"),
        ("team_id", "T0FAKETEAM"),
        ("command", "/incident"),
        ("text", "declare P1 acme Email is down"),
        ("user_id", "U0ALICE"),
        ("channel_id", "C0ONCALL"),
        ("response_url", &fake.response_url("bench")),
        ("trigger_id", "1.2.2"),
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
    assert!(
        declared.status().is_success(),
        "the declaration was refused: {}",
        declared.status()
    );
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
        target.send(()).await;
    }

    open_then_closed(target, args).await
}
