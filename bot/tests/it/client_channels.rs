//! The client hears every step by the channel they read: email through a real SMTP dialogue
//! (threaded, both parts, retried on 4xx, reported on 5xx), webhooks signed the Standard
//! Webhooks way, times in the client's own zone, and a status page as JSON that agrees with
//! the HTML.

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
async fn each_update_is_one_threaded_email_to_that_clients_addresses_only() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(
            Some(&room),
            "/incident update We are investigating <the> relay & queue.",
        )
        .await;
    world
        .run(
            Some(&room),
            "/incident update A certificate expired; renewing it.",
        )
        .await;
    world
        .run(
            Some(&room),
            r#"/incident resolve Renewed --client "Mail flows again.""#,
        )
        .await;
    let globex_room = world
        .declare("/incident declare P1 globex VPN is down")
        .await;
    world
        .run(Some(&globex_room), "/incident update Looking into the VPN.")
        .await;

    let mails = world.smtp.received();
    let acme: Vec<_> = mails
        .iter()
        .filter(|m| m.header("Subject").unwrap().starts_with("[Acme Corp]"))
        .collect();
    let subjects: Vec<_> = acme.iter().map(|m| m.header("Subject").unwrap()).collect();
    assert_eq!(
        subjects,
        vec![
            "[Acme Corp] P1 Email is down: update 1",
            "[Acme Corp] P1 Email is down: update 2",
            "[Acme Corp] P1 Email is down: resolved",
        ],
        "each message once"
    );
    for mail in &acme {
        assert_eq!(mail.rcpt_to, vec!["it@acme.example", "ceo@acme.example"]);
        assert_eq!(mail.mail_from, "status@msp.example");
    }
    let globex: Vec<_> = mails
        .iter()
        .filter(|m| m.header("Subject").unwrap().starts_with("[Globex]"))
        .collect();
    assert_eq!(globex.len(), 1, "{mails:?}");
    assert_eq!(globex[0].rcpt_to, vec!["ops@globex.example"]);
    assert_eq!(mails.len(), 4, "nobody else is written to");

    // One thread per incident: each message answers the one before and names them all.
    let ids: Vec<_> = acme
        .iter()
        .map(|m| m.header("Message-ID").unwrap())
        .collect();
    assert!(
        ids[0].starts_with("<INC-") && ids[0].ends_with(".1@msp.example>"),
        "{ids:?}"
    );
    assert_eq!(acme[0].header("In-Reply-To"), None);
    assert_eq!(
        acme[1].header("In-Reply-To").as_deref(),
        Some(ids[0].as_str())
    );
    assert_eq!(
        acme[2].header("In-Reply-To").as_deref(),
        Some(ids[1].as_str())
    );
    assert_eq!(
        acme[2].header("References").unwrap(),
        format!("{} {}", ids[0], ids[1])
    );

    // Both parts say the same; the HTML escapes what the responder typed.
    let plain = part(acme[0], "text/plain");
    let html = part(acme[0], "text/html");
    assert!(
        plain.contains("We are investigating <the> relay & queue."),
        "{plain}"
    );
    assert!(
        html.contains("We are investigating &lt;the&gt; relay &amp; queue."),
        "{html}"
    );
    assert!(!html.contains("<the>"));
    assert!(part(acme[2], "text/plain").contains("Mail flows again."));
    assert!(part(acme[2], "text/html").contains("Resolved: Email is down"));
}

#[tokio::test]
async fn a_deferred_email_is_retried_and_delivered_once() {
    let world = World::new().await;
    world.smtp.answer_next(451, "4.3.0 Try again later");
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    assert!(world.smtp.received().is_empty());
    assert_eq!(world.smtp.answers(), vec![451]);
    assert!(
        world
            .room_texts()
            .iter()
            .any(|t| t.contains("email to it@acme.example") && t.contains("Retrying")),
        "{:?}",
        world.room_texts()
    );
    world.later(30).await;
    world.later(30).await;
    assert_eq!(world.smtp.answers(), vec![451, 250]);
    assert_eq!(world.smtp.received().len(), 1);
    assert!(
        world.smtp.protocol_errors().is_empty(),
        "{:?}",
        world.smtp.protocol_errors()
    );
}

#[tokio::test]
async fn a_refused_email_is_reported_to_the_room_and_not_retried() {
    let world = World::new().await;
    world.smtp.answer_next(550, "5.1.1 Mailbox unavailable");
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.later(600).await;
    assert_eq!(world.smtp.answers(), vec![550], "a 5xx is final");
    assert!(world.smtp.received().is_empty());
    let told = world.room_texts();
    assert!(
        told.iter().any(
            |t| t.contains("could not be delivered to email to it@acme.example")
                && t.contains("550")
        ),
        "{told:?}"
    );
}

/// The Standard Webhooks verification, written from the specification, not from the sender.
fn verifies(secret: &str, id: &str, timestamp: &str, body: &str, header: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|sig| sig.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[tokio::test]
async fn webhook_deliveries_are_signed_and_keep_their_id_across_retries() {
    let world = World::new().await;
    world.hook.answer_next(500, None);
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.later(30).await;
    let calls = world.hook.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (first, second) = (
        calls[0].signature.clone().unwrap(),
        calls[1].signature.clone().unwrap(),
    );
    assert_eq!(first.id, second.id, "the retry is the same message");
    for (call, signed) in [(&calls[0], &first), (&calls[1], &second)] {
        assert!(verifies(
            ACME_SECRET,
            &signed.id,
            &signed.timestamp,
            &call.raw_body,
            &signed.signature
        ));
        assert!(!verifies(
            "whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==",
            &signed.id,
            &signed.timestamp,
            &call.raw_body,
            &signed.signature
        ));
    }
    let tampered = calls[1].raw_body.replace("investigating", "finished");
    assert!(!verifies(
        ACME_SECRET,
        &second.id,
        &second.timestamp,
        &tampered,
        &second.signature
    ));
    assert_eq!(
        second.timestamp,
        (winter() + chrono::Duration::seconds(30))
            .timestamp()
            .to_string(),
        "the timestamp is when this attempt was sent"
    );
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
async fn the_status_json_agrees_with_the_page_and_keeps_the_token_rules() {
    let world = World::new().await;
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.run(Some(&room), "/incident stage identified").await;
    world
        .run(Some(&room), "/incident update Found it: a certificate.")
        .await;
    let resolved = world
        .declare("/incident declare P2 acme Printer offline")
        .await;
    world
        .run(Some(&resolved), "/incident resolve Toner replaced")
        .await;

    let response = world
        .get(&format!("/status/acme.json?token={ACME_TOKEN}"))
        .await;
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let json: serde_json::Value = response.json().await.unwrap();
    let page = world
        .get(&format!("/status/acme?token={ACME_TOKEN}"))
        .await
        .text()
        .await
        .unwrap();
    assert_eq!(json["client"], "acme");
    assert_eq!(json["current"].as_array().unwrap().len(), 1);
    assert_eq!(json["past"].as_array().unwrap().len(), 1);
    assert_eq!(json["current"][0]["stage"], "identified");
    assert_eq!(json["past"][0]["stage"], "resolved");
    let stages: Vec<_> = json["current"][0]["posts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["stage"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(stages, vec!["identified", "investigating"]);
    for incident in json["current"]
        .as_array()
        .unwrap()
        .iter()
        .chain(json["past"].as_array().unwrap())
    {
        assert!(page.contains(incident["title"].as_str().unwrap()));
        for post in incident["posts"].as_array().unwrap() {
            assert!(page.contains(post["posted_at"].as_str().unwrap()), "{post}");
            assert!(page.contains(post["message"].as_str().unwrap()), "{post}");
        }
    }
    assert!(page.contains(json["past"][0]["resolved_at"].as_str().unwrap()));

    assert_eq!(world.get("/status/acme.json").await.status(), 401);
    assert_eq!(
        world
            .get(&format!("/status/acme.json?token={GLOBEX_TOKEN}"))
            .await
            .status(),
        403,
        "another client's token"
    );
    let globex: serde_json::Value = world
        .get(&format!("/status/globex.json?token={GLOBEX_TOKEN}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(globex["current"].as_array().unwrap().len(), 0, "{globex}");
    assert_eq!(world.get("/status/nobody.json").await.status(), 404);
}

#[tokio::test]
async fn only_the_origins_a_client_lists_may_frame_its_status_page() {
    let world = World::new().await;
    let acme = world.get(&format!("/status/acme?token={ACME_TOKEN}")).await;
    let policy = acme.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        policy.contains("frame-ancestors https://intranet.acme.example"),
        "{policy}"
    );
    assert!(policy.contains("default-src 'none'"), "{policy}");
    assert!(acme.headers().get("x-frame-options").is_none());
    let globex = world
        .get(&format!("/status/globex?token={GLOBEX_TOKEN}"))
        .await;
    let policy = globex.headers()["content-security-policy"]
        .to_str()
        .unwrap();
    assert!(policy.contains("frame-ancestors 'none'"), "{policy}");
    assert_eq!(globex.headers()["x-frame-options"], "DENY");
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
