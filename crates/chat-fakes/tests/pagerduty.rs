//! The fake PagerDuty refuses what PagerDuty's Events API v2 refuses, in PagerDuty's shapes.

mod common;

use commandpost_chat_fakes::pagerduty::is_iso8601;
use commandpost_chat_fakes::FakePagerDuty;
use common::send;
use serde_json::{json, Value};

const KEY: &str = "R0123456789abcdef0123456789ABCDE";

fn trigger() -> Value {
    json!({
        "routing_key": KEY,
        "event_action": "trigger",
        "dedup_key": "INC-2026-0042",
        "payload": {
            "summary": "Acme Corp: client update overdue by 7m for INC-2026-0042",
            "source": "Command Post",
            "severity": "critical",
            "timestamp": "2026-12-04T22:00:00.000Z",
        },
        "links": [{"href": "https://cp.example/incidents/INC-2026-0042", "text": "Review page"}],
        "client": "Command Post",
    })
}

async fn post(fake: &FakePagerDuty, body: &Value) -> common::Answer {
    send(
        "POST",
        &fake.url(),
        &[],
        Some(("application/json", body.to_string().into_bytes())),
    )
    .await
}

async fn refused(fake: &FakePagerDuty, body: &Value, field: &str) {
    let answer = post(fake, body).await;
    assert_eq!(answer.status, 400, "{body} should be refused");
    assert_eq!(answer.json["status"], "invalid event");
    assert_eq!(answer.json["message"], "Event object is invalid");
    let errors = answer.json["errors"].as_array().unwrap();
    assert!(
        errors.iter().any(|e| e.as_str().unwrap().contains(field)),
        "{field} not named in {errors:?}"
    );
    assert!(!answer.json.to_string().contains(KEY), "the key came back");
}

#[tokio::test]
async fn a_valid_trigger_and_resolve_are_accepted_and_recorded() {
    let fake = FakePagerDuty::start().await.unwrap();
    let answer = post(&fake, &trigger()).await;
    assert_eq!(answer.status, 202);
    assert_eq!(
        answer.json,
        json!({"status": "success", "message": "Event processed", "dedup_key": "INC-2026-0042"})
    );
    let resolve =
        json!({"routing_key": KEY, "event_action": "resolve", "dedup_key": "INC-2026-0042"});
    assert_eq!(post(&fake, &resolve).await.status, 202);
    let accepted = fake.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(accepted[1]["event_action"], "resolve");
}

#[tokio::test]
async fn a_trigger_without_a_dedup_key_gets_one() {
    let fake = FakePagerDuty::start().await.unwrap();
    let mut event = trigger();
    event.as_object_mut().unwrap().remove("dedup_key");
    let answer = post(&fake, &event).await;
    assert_eq!(answer.status, 202);
    assert!(!answer.json["dedup_key"].as_str().unwrap().is_empty());
}

#[tokio::test]
async fn bad_events_are_refused_naming_the_field() {
    let fake = FakePagerDuty::start().await.unwrap();
    let with = |path: &[&str], value: Value| {
        let mut event = trigger();
        let mut target = &mut event;
        for key in &path[..path.len() - 1] {
            target = &mut target[*key];
        }
        let last = path[path.len() - 1];
        if value.is_null() {
            target.as_object_mut().unwrap().remove(last);
        } else {
            target[last] = value;
        }
        event
    };
    refused(
        &fake,
        &with(&["routing_key"], json!("short")),
        "routing_key",
    )
    .await;
    refused(&fake, &with(&["routing_key"], Value::Null), "routing_key").await;
    refused(
        &fake,
        &with(&["event_action"], json!("page")),
        "event_action",
    )
    .await;
    refused(
        &fake,
        &with(&["dedup_key"], json!("x".repeat(256))),
        "dedup_key",
    )
    .await;
    refused(&fake, &with(&["payload"], Value::Null), "payload").await;
    refused(
        &fake,
        &with(&["payload", "summary"], Value::Null),
        "payload.summary",
    )
    .await;
    refused(
        &fake,
        &with(&["payload", "summary"], json!("é".repeat(1025))),
        "payload.summary",
    )
    .await;
    refused(
        &fake,
        &with(&["payload", "source"], Value::Null),
        "payload.source",
    )
    .await;
    refused(
        &fake,
        &with(&["payload", "severity"], json!("P1")),
        "payload.severity",
    )
    .await;
    refused(
        &fake,
        &with(&["payload", "timestamp"], json!("yesterday")),
        "payload.timestamp",
    )
    .await;
    refused(
        &fake,
        &with(&["links"], json!([{"text": "no href"}])),
        "links[0].href",
    )
    .await;
    refused(&fake, &with(&["service_key"], json!(KEY)), "service_key").await;
    let resolve = json!({"routing_key": KEY, "event_action": "resolve"});
    refused(&fake, &resolve, "dedup_key").await;
    let answer = send(
        "POST",
        &fake.url(),
        &[],
        Some(("application/json", b"{not json".to_vec())),
    )
    .await;
    assert_eq!(answer.status, 400);
    assert!(
        fake.accepted().is_empty(),
        "nothing refused is recorded as accepted"
    );
    // A summary of exactly 1024 characters is still fine.
    let answer = post(
        &fake,
        &with(&["payload", "summary"], json!("é".repeat(1024))),
    )
    .await;
    assert_eq!(answer.status, 202);
}

#[tokio::test]
async fn scripted_throttling_and_outages_come_first_then_validation() {
    let fake = FakePagerDuty::start().await.unwrap();
    fake.answer_next(429, Some(3));
    fake.answer_next(500, None);
    let first = post(&fake, &trigger()).await;
    assert_eq!(first.status, 429);
    assert_eq!(first.headers["retry-after"], "3");
    assert_eq!(post(&fake, &trigger()).await.status, 500);
    assert_eq!(post(&fake, &trigger()).await.status, 202);
    let statuses: Vec<u16> = fake.calls().iter().map(|c| c.status).collect();
    assert_eq!(statuses, [429, 500, 202]);
    assert_eq!(fake.accepted().len(), 1);
}

#[test]
fn timestamps_are_iso_8601() {
    for good in [
        "2026-12-04T22:00:00Z",
        "2026-12-04T22:00:00.123Z",
        "2026-12-04T22:00:00+01:00",
        "2026-12-04T22:00:00-0530",
    ] {
        assert!(is_iso8601(good), "{good}");
    }
    for bad in [
        "2026-12-04",
        "2026-13-04T22:00:00Z",
        "2026-12-04T22:00:00",
        "2026-12-04T25:00:00Z",
        "2026-12-04T22:00:00.Z",
        "12/04/2026 22:00",
        "2026-12-04T22:00:00+aé",
    ] {
        assert!(!is_iso8601(bad), "{bad}");
    }
}
