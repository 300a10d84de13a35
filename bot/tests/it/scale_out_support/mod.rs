//! The scale-out test's parts: HAProxy from deploy/haproxy.cfg, the replicas' configuration, a
//! client that plays Slack (signing, retrying), and the checks on what came out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use commandpost::domain::{EventKind, Incident, TimelineEvent};
use commandpost::store::{IncidentFilter, SqlStore, Store, TriageStore};
use commandpost_chat_fakes::{sign_slack, FakeSlack};
use serde_json::{json, Value};

pub const CLIENTS: usize = 20;
pub const INCIDENTS: usize = 50;
pub const SECRET: &str = "scale-out-signing-secret-0123456789abcdef";
pub const ONCALL: &str = "C0ONCALL";
pub const HAPROXY_CONFIG: &str = include_str!("../../../../deploy/haproxy.cfg");

pub fn status_channel(client: usize) -> String {
    format!("C0STATUS{client:02}")
}
pub fn support_channel(client: usize) -> String {
    format!("C0SUPPORT{client:02}")
}
pub fn responder(n: usize) -> String {
    format!("U0RESP{:02}", n % CLIENTS)
}

pub fn haproxy_binary() -> PathBuf {
    let candidates = [
        "/usr/sbin/haproxy",
        "/usr/bin/haproxy",
        "/usr/local/sbin/haproxy",
    ];
    candidates
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
        .unwrap_or_else(|| {
            panic!("HAProxy is not installed (looked in {candidates:?}): the scale-out test needs it; `apt-get install haproxy` (.ci/run installs it when missing)")
        })
}

/// deploy/haproxy.cfg with its `# test:` lines rewritten for loopback without TLS.
pub fn haproxy_config(public: u16, replicas: &[u16]) -> String {
    let mut servers = replicas.iter().enumerate();
    let mut out = String::new();
    for line in HAPROXY_CONFIG.lines() {
        let rewritten = if line.contains("# test: bind") {
            format!("    bind 127.0.0.1:{public}")
        } else if line.contains("# test: drop") {
            continue;
        } else if line.contains("# test: server") {
            let (n, port) = servers.next().expect("as many server lines as replicas");
            // Quicker checks than production's: the test should not wait long for a verdict.
            format!(
                "    server replica{} 127.0.0.1:{port} check inter 500ms",
                n + 1
            )
        } else {
            line.to_owned()
        };
        out.push_str(&rewritten);
        out.push('\n');
    }
    assert!(
        servers.next().is_none(),
        "deploy/haproxy.cfg lost its `# test: server` lines"
    );
    out
}

pub fn replica_config(database_url: &str, fake: &FakeSlack, port: u16, public: u16) -> String {
    let mut text = format!(
        r#"database_url = "{database_url}"
templates_dir = "{templates}"
kb_dir = "kb"

[http]
listen = "127.0.0.1:{port}"
public_url = "http://127.0.0.1:{public}"
metrics_listen = "127.0.0.1:0"

[log]
format = "json"

[slack]
bot_token = "{token}"
signing_secret = "{SECRET}"
api_url = "{api}"
oncall_channel = "{ONCALL}"

[policy]
first_update_within = "4s"
update_every = "1h"
nudge_before = "2s"
escalate_after = "2s"
managers = ["U0MANAGER"]
"#,
        templates = concat!(env!("CARGO_MANIFEST_DIR"), "/../incident-templates"),
        token = fake.bot_token(),
        api = fake.api_url(),
    );
    for client in 0..CLIENTS {
        text.push_str(&format!(
            "\n[[clients]]\nid = \"client{client:02}\"\nname = \"Client {client}\"\nslack_status_channel = \"{}\"\nslack_support_channel = \"{}\"\n",
            status_channel(client),
            support_channel(client)
        ));
    }
    text
}

/// Plays Slack: signs each request and, like Slack, sends it again when the proxy could not get
/// an answer (a retried event says so in `X-Slack-Retry-Num`).
#[derive(Clone)]
pub struct Slack {
    pub http: reqwest::Client,
    pub base: String,
    pub retries: Arc<AtomicUsize>,
}

impl Slack {
    pub async fn post(&self, path: &str, content_type: &str, body: &str, event: bool) -> String {
        for attempt in 0..40u32 {
            let timestamp = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .as_secs()
                .to_string();
            let mut request = self
                .http
                .post(format!("{}{path}", self.base))
                .header("content-type", content_type)
                .header("x-slack-request-timestamp", &timestamp)
                .header(
                    "x-slack-signature",
                    sign_slack(SECRET, &timestamp, body.as_bytes()),
                )
                .body(body.to_owned());
            if event && attempt > 0 {
                request = request
                    .header("x-slack-retry-num", attempt.to_string())
                    .header("x-slack-retry-reason", "http_error");
            }
            match request.send().await {
                Ok(response) if response.status().is_success() => {
                    return response.text().await.unwrap_or_default();
                }
                Ok(response) if response.status().is_server_error() => {}
                Ok(response) => panic!(
                    "{path} refused: {} {}",
                    response.status(),
                    response.text().await.unwrap_or_default()
                ),
                Err(_) => {}
            }
            self.retries.fetch_add(1, Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
        panic!("{path}: no answer after 40 attempts");
    }

    /// A slash command with its own trigger id; the acknowledgement (Null when empty).
    pub async fn command(
        &self,
        fake: &FakeSlack,
        id: &str,
        user: &str,
        channel: &str,
        text: &str,
    ) -> Value {
        let body = form_urlencoded::Serializer::new(String::new())
            .append_pair("team_id", "T0FAKETEAM")
            .append_pair("channel_id", channel)
            .append_pair("user_id", user)
            .append_pair("command", "/incident")
            .append_pair("text", text)
            .append_pair("response_url", &fake.response_url(id))
            .append_pair("trigger_id", &format!("{id}.{}", std::process::id()))
            .finish();
        let answer = self
            .post(
                "/slack/commands",
                "application/x-www-form-urlencoded",
                &body,
                false,
            )
            .await;
        if answer.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&answer).unwrap()
        }
    }

    pub async fn support_question(&self, client: usize) {
        let body = json!({"type": "event_callback", "team_id": "T0FAKETEAM", "api_app_id": "A0FAKEAPP",
            "event_id": format!("Ev0SUPPORT{client:02}"), "event_time": 1_700_000_000,
            "event": {"type": "message", "user": format!("U0ASKER{client:02}"), "channel": support_channel(client),
                      "text": "Our accounting software shows error 0x80070005 when saving invoices, what should we do?",
                      "ts": format!("1700000000.{client:06}"), "channel_type": "channel"}});
        self.post("/slack/events", "application/json", &body.to_string(), true)
            .await;
    }
}

/// Whether a command was answered: words in the acknowledgement, or a post to its response URL.
pub fn answered(ack: &Value, fake: &FakeSlack, id: &str) -> bool {
    ack["text"].as_str().is_some_and(|t| !t.is_empty())
        || fake.response_posts().iter().any(|post| post.id == id)
}

pub struct HaProxy(Child);

impl Drop for HaProxy {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn start_haproxy(dir: &Path, public: u16, replicas: &[u16]) -> HaProxy {
    let config = dir.join("haproxy.cfg");
    std::fs::write(&config, haproxy_config(public, replicas)).unwrap();
    let check = Command::new(haproxy_binary())
        .args(["-c", "-f"])
        .arg(&config)
        .output()
        .unwrap();
    assert!(
        check.status.success(),
        "haproxy refuses the config: {}",
        String::from_utf8_lossy(&check.stderr)
    );
    let log = std::fs::File::create(dir.join("haproxy.log")).unwrap();
    let child = Command::new(haproxy_binary())
        .args(["-db", "-f"])
        .arg(&config)
        .stdout(log.try_clone().unwrap())
        .stderr(log)
        .stdin(Stdio::null())
        .spawn()
        .expect("haproxy starts");
    HaProxy(child)
}

/// Polls `condition` until it holds; the bound only stops a hang, nothing is measured.
pub async fn wait_for<F, Fut>(what: &str, mut condition: F)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let deadline = Instant::now() + Duration::from_secs(90);
    while !condition().await {
        assert!(Instant::now() < deadline, "gave up waiting for {what}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

pub async fn everything(store: &SqlStore) -> Vec<(Incident, Vec<TimelineEvent>)> {
    let filter = IncidentFilter {
        client: None,
        open_only: false,
        limit: None,
    };
    let mut all = Vec::new();
    for incident in store.incidents(&filter).await.unwrap() {
        let timeline = store.timeline(&incident.id).await.unwrap();
        all.push((incident, timeline));
    }
    all
}

pub fn count(timeline: &[TimelineEvent], wanted: fn(&EventKind) -> bool) -> usize {
    timeline.iter().filter(|event| wanted(&event.kind)).count()
}

/// Each declaration carried out exactly once: every title present, none twice.
pub fn assert_each_declared_once(all: &[(Incident, Vec<TimelineEvent>)]) {
    let titles: BTreeSet<String> = all.iter().map(|(i, _)| i.title.clone()).collect();
    let expected: BTreeSet<String> = (0..INCIDENTS)
        .map(|n| format!("Outage number {n}"))
        .collect();
    assert_eq!(titles, expected, "each declaration once, none lost");
    assert_eq!(all.len(), INCIDENTS);
}

/// No room created twice: one successful `conversations.create` per incident, each its own.
pub fn assert_one_room_each(fake: &FakeSlack, all: &[(Incident, Vec<TimelineEvent>)]) {
    let created: Vec<String> = fake
        .calls_to("conversations.create")
        .into_iter()
        .filter(|call| call.error.is_none())
        .map(|call| call.params["name"].as_str().unwrap_or_default().to_owned())
        .collect();
    assert_eq!(created.len(), INCIDENTS, "rooms created: {created:?}");
    let rooms: BTreeSet<String> = all
        .iter()
        .map(|(i, _)| i.room_on("slack").unwrap().room.clone())
        .collect();
    assert_eq!(
        rooms.len(),
        INCIDENTS,
        "every incident has a room of its own"
    );
}

/// Every timer fired once: one nudge per incident (one due time), escalation rounds never
/// repeated; each delivered once to the room (and the on-call channel for breaches).
pub fn assert_timers_fired_once(fake: &FakeSlack, all: &[(Incident, Vec<TimelineEvent>)]) {
    let oncall: Vec<String> = fake
        .messages_in(ONCALL)
        .into_iter()
        .filter_map(|m| m.text)
        .collect();
    for (incident, timeline) in all {
        let id = incident.id.as_str();
        let nudges: Vec<_> = timeline
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::UpdateNudged { due_at } => Some(*due_at),
                _ => None,
            })
            .collect();
        assert_eq!(nudges.len(), 1, "{id}: nudged once for its one due time");
        let rounds: Vec<i64> = timeline
            .iter()
            .filter_map(|e| match &e.kind {
                EventKind::UpdateEscalated { late_by_secs, .. } => Some(late_by_secs / 2),
                _ => None,
            })
            .collect();
        assert!(!rounds.is_empty(), "{id}: escalated");
        assert!(
            rounds.windows(2).all(|w| w[0] < w[1]),
            "{id}: an escalation round fired twice: late by {rounds:?} (in 2 s steps)"
        );
        let room = &incident.room_on("slack").unwrap().room;
        let in_room: Vec<String> = fake
            .messages_in(room)
            .into_iter()
            .filter_map(|m| m.text)
            .collect();
        let nudged = in_room.iter().filter(|t| t.starts_with('⏰')).count();
        assert_eq!(nudged, 1, "{id}: the nudge posted once: {in_room:#?}");
        let breach = format!("BREACH on {id}*");
        let breaches_in_room = in_room.iter().filter(|t| t.contains(&breach)).count();
        let breaches_on_call = oncall.iter().filter(|t| t.contains(&breach)).count();
        assert_eq!(
            breaches_in_room,
            rounds.len(),
            "{id}: each escalation once in the room"
        );
        assert_eq!(
            breaches_on_call,
            rounds.len(),
            "{id}: each escalation once on call"
        );
    }
}

/// Every update reached its client's status channel exactly once.
pub fn assert_updates_delivered_once(
    fake: &FakeSlack,
    published: &[(String, Value, String, String)],
) {
    for (id, _, client, text) in published {
        let n: usize = client.trim_start_matches("client").parse().unwrap();
        let posts = fake
            .messages_in(&status_channel(n))
            .into_iter()
            .filter(|m| m.text.as_deref().is_some_and(|t| t.contains(text.as_str())))
            .count();
        assert_eq!(posts, 1, "{id}: delivered to {client} {posts} times");
    }
}

/// Each support question became one request, whatever Slack's retries.
pub async fn assert_one_request_per_question(store: &SqlStore) {
    let mut per_client: BTreeMap<String, usize> = BTreeMap::new();
    for client in 0..CLIENTS {
        let id = commandpost::domain::ClientId::parse(&format!("client{client:02}")).unwrap();
        let requests = store
            .recent_triage_requests(&id, chrono::DateTime::UNIX_EPOCH)
            .await
            .unwrap();
        per_client.insert(id.to_string(), requests.len());
    }
    assert!(
        per_client.values().all(|n| *n == 1),
        "one request per question: {per_client:?}"
    );
}
