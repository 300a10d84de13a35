//! The client hears every step by the channel they read: email through a real SMTP dialogue
//! (threaded, both parts, retried on 4xx, reported on 5xx), webhooks signed the Standard
//! Webhooks way, times in the client's own zone, and a status page as JSON that agrees with
//! the HTML. The set-up and the email readers are here; each channel's tests in its module.

mod email;
mod status_page;
mod webhook;

use std::sync::Arc;

use base64::Engine as _;
use chrono::{DateTime, TimeZone, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;

use commandpost::chat::ChatPlatform;
use commandpost::effects::Destination;
use commandpost::testing::app::{spawn_app, TestApp};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost::testing::webhook::FakeWebhook;
use commandpost_chat_fakes::smtp::ReceivedMail;
use commandpost_chat_fakes::FakeSmtp;

const ACME_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const ACME_TOKEN: &str = "acme-status-token-0123456789";
const GLOBEX_TOKEN: &str = "globex-status-token-0123456789";

fn config(smtp: &FakeSmtp, hook: &FakeWebhook) -> String {
    format!(
        r#"
database_url = "sqlite://{{dir}}/test.db"
[http]
public_url = "https://status.msp.example"
[policy]
managers = ["console:maria"]
[email]
smtp_url = "{smtp}"
from = "MSP status <status@msp.example>"
[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "C-ACME"
webhook_url = "{hook}"
webhook_secret = "{ACME_SECRET}"
email_to = ["it@acme.example", "ceo@acme.example"]
timezone = "America/New_York"
status_token = "{ACME_TOKEN}"
status_frame_ancestors = ["https://intranet.acme.example"]
[[clients]]
id = "globex"
name = "Globex"
slack_status_channel = "C-GLOBEX"
email_to = ["ops@globex.example"]
status_token = "{GLOBEX_TOKEN}"
"#,
        smtp = smtp.url(),
        hook = hook.url(),
    )
}

/// 15 Jan 2026, 14:00 UTC: 09:00 in New York (EST).
fn winter() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 15, 14, 0, 0).unwrap()
}

struct World {
    app: TestApp,
    slack: Arc<RecordingPlatform>,
    console: Arc<RecordingPlatform>,
    smtp: FakeSmtp,
    hook: FakeWebhook,
    http: reqwest::Client,
}

impl World {
    async fn new() -> Self {
        let smtp = FakeSmtp::start().await;
        let hook = FakeWebhook::start().await;
        let slack = Arc::new(RecordingPlatform::new("slack"));
        let console = Arc::new(RecordingPlatform::new("console"));
        let app = spawn_app(
            &config(&smtp, &hook),
            false,
            vec![
                console.clone() as Arc<dyn ChatPlatform>,
                slack.clone() as Arc<dyn ChatPlatform>,
            ],
        )
        .await;
        app.clock.set(winter());
        Self {
            app,
            slack,
            console,
            smtp,
            hook,
            http: reqwest::Client::new(),
        }
    }

    async fn run(&self, room: Option<&str>, line: &str) -> commandpost::engine::Response {
        let request = console::line("alice", room, line);
        let response = self.app.app.engine.handle(request).await.unwrap();
        self.app.settle().await;
        response
    }

    /// Declares on the console; the incident's room.
    async fn declare(&self, line: &str) -> String {
        let declared = self.run(None, line).await;
        format!("R-{}", declared.opened_room.unwrap())
    }

    /// Past any retry's backoff, then deliver what is due.
    async fn later(&self, seconds: i64) {
        let now = self.app.clock.now_for_test();
        self.app.clock.set(now + chrono::Duration::seconds(seconds));
        self.app.settle().await;
    }

    fn room_texts(&self) -> Vec<String> {
        self.console
            .texts_to(|d| matches!(d, Destination::Room { .. }))
    }

    async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(self.app.url(path)).send().await.unwrap()
    }
}

fn parsed(mail: &ReceivedMail) -> mailparse::ParsedMail<'_> {
    mailparse::parse_mail(mail.data.as_bytes()).expect("a well-formed message")
}

/// The decoded text of the part with this MIME type.
fn part(mail: &ReceivedMail, mime: &str) -> String {
    let parsed = parsed(mail);
    assert_eq!(parsed.ctype.mimetype, "multipart/alternative");
    parsed
        .subparts
        .iter()
        .find(|p| p.ctype.mimetype == mime)
        .unwrap_or_else(|| panic!("a {mime} part"))
        .get_body()
        .unwrap()
}

#[tokio::test]
async fn a_client_in_new_york_reads_new_york_time_in_every_channel() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;

    let slack = world.slack.texts_to(
        |d| matches!(d, Destination::ClientChannel { channel, .. } if channel == "C-ACME"),
    );
    assert!(slack.iter().any(|t| t.contains("09:00 EST")), "{slack:?}");
    let mail = &world.smtp.received()[0];
    assert!(part(mail, "text/plain").contains("09:00 EST"));
    assert!(part(mail, "text/html").contains("09:00 EST"));
    let page = world
        .get(&format!("/status/acme?token={ACME_TOKEN}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("2026-01-15 09:00 EST") && page.contains("America/New_York"),
        "{page}"
    );
    let feed = world
        .get(&format!("/status/acme/feed.atom?token={ACME_TOKEN}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        feed.contains("2026-01-15T09:00:00-05:00") && feed.contains("09:00 EST"),
        "{feed}"
    );
    // The team reads its own zone (UTC here) in the room.
    assert!(world.room_texts().iter().all(|t| !t.contains("EST")));

    // In July the same client reads daylight time.
    world
        .app
        .clock
        .set(Utc.with_ymd_and_hms(2026, 7, 15, 14, 0, 0).unwrap());
    let summer = world.declare("/incident declare P1 acme VPN is down").await;
    world
        .run(Some(&summer), "/incident update Looking into the VPN.")
        .await;
    let slack = world.slack.texts_to(
        |d| matches!(d, Destination::ClientChannel { channel, .. } if channel == "C-ACME"),
    );
    assert!(slack.iter().any(|t| t.contains("10:00 EDT")), "{slack:?}");
    let json: serde_json::Value = world
        .get(&format!("/status/acme.json?token={ACME_TOKEN}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        json["current"][0]["posts"][0]["posted_at"],
        "2026-07-15 10:00 EDT"
    );
    assert_eq!(
        json["current"][0]["posts"][0]["posted_at_rfc3339"],
        "2026-07-15T10:00:00-04:00"
    );
}

#[tokio::test]
async fn a_stage_change_can_draft_a_client_update_without_sending_it() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world.run(Some(&room), "/incident assign comms @bob").await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    let sent = world.smtp.received().len();
    let client_posts = |world: &World| {
        world
            .slack
            .texts_to(|d| matches!(d, Destination::ClientChannel { .. }))
            .len()
    };
    let posted = client_posts(&world);
    world
        .run(Some(&room), "/incident stage monitoring --tell-client")
        .await;
    let drafts: Vec<_> = world
        .console
        .delivered()
        .into_iter()
        .filter(|d| d.text.contains("ready to publish") && d.text.contains("monitoring"))
        .collect();
    assert_eq!(drafts.len(), 1, "{:?}", world.room_texts());
    assert!(
        drafts[0].text.contains("<@console:bob>"),
        "the comms lead is asked: {}",
        drafts[0].text
    );
    assert!(
        drafts[0].actions.iter().any(|a| matches!(
            a,
            commandpost::effects::Action::PublishDraft { text } if text.contains("monitoring")
        )),
        "{drafts:?}"
    );
    assert_eq!(
        world.smtp.received().len(),
        sent,
        "nothing reaches the client by itself"
    );
    assert_eq!(client_posts(&world), posted);

    world.run(Some(&room), "/incident stage identified").await;
    let drafts = world
        .room_texts()
        .iter()
        .filter(|t| t.contains("ready to publish"))
        .count();
    assert_eq!(drafts, 1, "without --tell-client no draft");
}
