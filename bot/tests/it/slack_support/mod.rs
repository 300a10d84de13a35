//! Shared set-up for the Slack end-to-end tests: the fake Slack, the app pointed at it, and
//! requests signed the way Slack signs them.

use std::time::Duration;

use commandpost::domain::Incident;
use commandpost::store::IncidentFilter;
use commandpost::testing::app::{spawn_app, TestApp};
use commandpost_chat_fakes::slack::SlackChannel;
use commandpost_chat_fakes::{sign_slack, FakeSlack};
use serde_json::{json, Value};

pub const SECRET: &str = "test-signing-secret-0123456789abcdef";
pub const ALICE: &str = "U0ALICE";
pub const BOB: &str = "U0BOB";
pub const CAROL: &str = "U0CAROL";
pub const ONCALL: &str = "C0ONCALL";
pub const ACME_STATUS: &str = "C0ACMESTATUS";
pub const GLOBEX_STATUS: &str = "C0GLOBEXSTATUS";
pub const ACME_SUPPORT: &str = "C0ACMESUPPORT";

pub struct Harness {
    pub fake: FakeSlack,
    pub app: TestApp,
    pub http: reqwest::Client,
}

/// The configuration for a fake at `api_url`; `extra` goes into `[slack]`.
pub fn config(api_url: &str, database_url: &str, extra: &str) -> String {
    format!(
        r#"
database_url = "{database_url}"

[slack]
bot_token = "xoxb-test"
signing_secret = "{SECRET}"
api_url = "{api_url}"
oncall_channel = "{ONCALL}"
{extra}

[policy]
first_update_within = "60s"
update_every = "60s"
nudge_before = "20s"
escalate_after = "10s"
managers = ["U0MANAGER"]

[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "{ACME_STATUS}"
slack_support_channel = "{ACME_SUPPORT}"

[[clients]]
id = "globex"
name = "Globex"
slack_status_channel = "{GLOBEX_STATUS}"
"#
    )
}

pub async fn fake() -> FakeSlack {
    let fake = FakeSlack::start().await;
    fake.add_channel(ONCALL, "oncall");
    fake.add_channel(ACME_STATUS, "acme-status");
    fake.add_channel(GLOBEX_STATUS, "globex-status");
    fake.add_channel(ACME_SUPPORT, "acme-support");
    fake
}

impl Harness {
    pub async fn start() -> Harness {
        let fake = fake().await;
        let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", "");
        Harness::on(fake, &toml, false).await
    }

    pub async fn on(fake: FakeSlack, toml: &str, workers: bool) -> Harness {
        let app = spawn_app(toml, workers, Vec::new()).await;
        Harness {
            fake,
            app,
            http: reqwest::Client::new(),
        }
    }

    pub fn timestamp(&self) -> String {
        self.app.clock.now_for_test().timestamp().to_string()
    }

    /// POSTs `body` signed with `secret` at `timestamp` (`None`: no signature headers).
    pub async fn post_raw(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        signing: Option<(&str, &str)>,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let mut request = self
            .http
            .post(self.app.url(path))
            .header("content-type", content_type)
            .body(body.to_owned());
        if let Some((secret, timestamp)) = signing {
            request = request
                .header("x-slack-request-timestamp", timestamp)
                .header(
                    "x-slack-signature",
                    sign_slack(secret, timestamp, body.as_bytes()),
                );
        }
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request.send().await.expect("the app answers")
    }

    pub async fn post_signed(
        &self,
        path: &str,
        content_type: &str,
        body: &str,
        extra: &[(&str, &str)],
    ) -> reqwest::Response {
        let timestamp = self.timestamp();
        self.post_raw(path, content_type, body, Some((SECRET, &timestamp)), extra)
            .await
    }

    /// A slash command as Slack posts it; the acknowledgement's JSON body (Null when empty).
    /// Each invocation gets its own trigger id, as in Slack.
    pub async fn slash(&self, command: &str, user: &str, channel: &str, text: &str) -> Value {
        let trigger = next_trigger();
        self.slash_with_trigger(command, user, channel, text, &trigger)
            .await
    }

    /// A slash command with a given trigger id (the same request delivered twice).
    pub async fn slash_with_trigger(
        &self,
        command: &str,
        user: &str,
        channel: &str,
        text: &str,
        trigger: &str,
    ) -> Value {
        let body = form(&[
            ("token", "legacy-verification-token"),
            ("team_id", "T0FAKETEAM"),
            ("channel_id", channel),
            ("user_id", user),
            ("command", command),
            ("text", text),
            ("response_url", &self.fake.response_url("slash")),
            ("trigger_id", trigger),
        ]);
        let response = self.post_signed("/slack/commands", FORM, &body, &[]).await;
        assert_eq!(response.status(), 200);
        let text = response.text().await.unwrap();
        if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap()
        }
    }

    pub async fn incident(&self, user: &str, channel: &str, text: &str) -> Value {
        self.slash("/incident", user, channel, text).await
    }

    /// An interaction payload as Slack posts it (`payload=` form field); the response.
    pub async fn interaction(&self, payload: &Value) -> reqwest::Response {
        let body = form(&[("payload", &payload.to_string())]);
        self.post_signed("/slack/interactions", FORM, &body, &[])
            .await
    }

    pub async fn event(&self, body: &Value, retry: Option<u32>) -> reqwest::Response {
        let retry = retry.map(|n| n.to_string());
        let mut extra = Vec::new();
        if let Some(n) = &retry {
            extra.push(("x-slack-retry-num", n.as_str()));
            extra.push(("x-slack-retry-reason", "http_timeout"));
        }
        self.post_signed("/slack/events", JSON, &body.to_string(), &extra)
            .await
    }

    /// Declares through `/incident declare`, delivers, and returns the room.
    pub async fn declare(&self, user: &str, text: &str) -> SlackChannel {
        let ack = self
            .incident(user, ONCALL, &format!("declare {text}"))
            .await;
        assert!(
            ack["text"].as_str().unwrap_or("").contains("Declared"),
            "{ack}"
        );
        self.app.settle().await;
        self.rooms().pop().expect("a room was created")
    }

    /// Incident rooms, oldest first.
    pub fn rooms(&self) -> Vec<SlackChannel> {
        let mut rooms: Vec<SlackChannel> = self
            .fake
            .channels()
            .into_iter()
            .filter(|c| c.name.starts_with("inc-"))
            .collect();
        rooms.sort_by(|a, b| a.id.cmp(&b.id));
        rooms
    }

    pub async fn incidents(&self) -> Vec<Incident> {
        self.app
            .app
            .engine
            .store()
            .incidents(&IncidentFilter::default())
            .await
            .unwrap()
    }

    pub async fn only_incident(&self) -> Incident {
        let mut incidents = self.incidents().await;
        assert_eq!(incidents.len(), 1);
        incidents.pop().unwrap()
    }

    /// Calls that change something in Slack (posts, rooms, pins, views), leaving out the
    /// lookups the bot makes to tell who someone is.
    pub fn write_calls(&self) -> Vec<String> {
        const LOOKUPS: [&str; 4] = [
            "auth.test",
            "users.info",
            "usergroups.users.list",
            "conversations.info",
        ];
        self.fake
            .calls()
            .into_iter()
            .map(|call| call.method)
            .filter(|method| !LOOKUPS.contains(&method.as_str()))
            .collect()
    }

    /// Fails the test if the bot sent anything Slack would have refused.
    pub fn assert_nothing_rejected(&self) {
        let rejected = self.fake.rejected_calls();
        assert!(rejected.is_empty(), "Slack would refuse: {rejected:#?}");
    }

    pub async fn wait_for(&self, what: &str, condition: impl FnMut(&FakeSlack) -> bool) {
        assert!(
            self.fake
                .wait_until(Duration::from_secs(5), condition)
                .await,
            "timed out waiting for {what}"
        );
    }
}

pub const FORM: &str = "application/x-www-form-urlencoded";
pub const JSON: &str = "application/json";

pub fn form(fields: &[(&str, &str)]) -> String {
    let mut serializer = form_urlencoded::Serializer::new(String::new());
    for (key, value) in fields {
        serializer.append_pair(key, value);
    }
    serializer.finish()
}

/// A `block_actions` payload for a button (or the stage menu) in `channel`.
pub fn button(user: &str, channel: &str, action: Value, response_url: Option<String>) -> Value {
    let mut payload = json!({
        "type": "block_actions",
        "team": {"id": "T0FAKETEAM"},
        "user": {"id": user, "team_id": "T0FAKETEAM"},
        "api_app_id": "A0FAKEAPP",
        "trigger_id": "13345.22222.abcd",
        "container": {"type": "message", "channel_id": channel, "message_ts": "1.000001"},
        "channel": {"id": channel},
        "actions": [action],
    });
    if let Some(url) = response_url {
        payload["response_url"] = json!(url);
    }
    payload
}

/// A `view_submission` of one of the bot's modals.
pub fn submission(user: &str, callback_id: &str, metadata: &str, values: Value) -> Value {
    json!({
        "type": "view_submission",
        "team": {"id": "T0FAKETEAM"},
        "user": {"id": user},
        "trigger_id": "14345.22222.abcd",
        "api_app_id": "A0FAKEAPP",
        "view": {
            "id": "V0FAKE1",
            "team_id": "T0FAKETEAM",
            "type": "modal",
            "title": {"type": "plain_text", "text": "Command Post"},
            "blocks": [],
            "hash": "1700000000.abcd",
            "app_id": "A0FAKEAPP",
            "callback_id": callback_id,
            "private_metadata": metadata,
            "state": {"values": values},
        },
    })
}

/// An `event_callback` carrying an `app_mention`.
pub fn mention(event_id: &str, user: &str, channel: &str, text: &str) -> Value {
    json!({
        "token": "legacy",
        "team_id": "T0FAKETEAM",
        "api_app_id": "A0FAKEAPP",
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1_700_000_000,
        "event": {
            "type": "app_mention",
            "user": user,
            "text": format!("<@U0FAKEBOT> {text}"),
            "ts": "1700000000.000100",
            "channel": channel,
            "event_ts": "1700000000.000100",
        },
    })
}

/// `12345.<n>.abcd`: unique in this test process, like Slack's per-invocation trigger ids.
pub fn next_trigger() -> String {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(98765);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    format!("12345.{n}.abcd")
}
