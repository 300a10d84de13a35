//! Events API bodies as Slack really sends them beyond the plain case: blocks and attachments
//! of kinds slack-morphism does not model, edits and other subtypes, bodies without Slack's
//! fields. Nothing a person wrote is lost, nothing else is answered, nothing panics.

use crate::slack_support::*;
use crate::slack_triage::{ephemerals_to, message_event, start};
use serde_json::json;

#[tokio::test]
async fn a_message_with_blocks_no_model_knows_is_still_triaged_once() {
    let t = start(false).await;
    let mut event = message_event("Ev0ODDBLOCKS", ALICE, ACME_SUPPORT, "Outlook wont open");
    event["event"]["blocks"] = json!([
        {"type": "rich_text", "block_id": "b1", "elements": [
            {"type": "rich_text_section", "elements": [
                {"type": "text", "text": "Outlook wont open"},
                {"type": "emoji", "name": "sob", "unicode": "1f62d"}]}]},
        {"type": "a_block_slack_adds_next_year", "block_id": "b2", "shape": {"sides": 7}}
    ]);
    event["event"]["attachments"] = json!([{"is_share": true, "unfurl": {"kind": 12}}]);
    event["event"]["client_msg_id"] = json!("5b3c7d2e-0000-4000-8000-000000000001");
    // A part whose shape slack-morphism's message model does not accept.
    event["event"]["reactions"] = json!([{"name": "sob"}]);
    assert_eq!(t.h.event(&event, None).await.status(), 200);
    assert_eq!(t.h.event(&event, Some(1)).await.status(), 200);
    let answers = ephemerals_to(&t, ACME_SUPPORT, ALICE);
    assert_eq!(answers.len(), 1, "answered once: {answers:?}");
    assert!(
        answers[0].0.contains("Outlook will not open"),
        "{answers:?}"
    );
    t.done();
}

#[tokio::test]
async fn edits_file_shares_bots_and_replies_in_threads_are_not_questions() {
    let t = start(false).await;
    let mut edited = message_event("Ev0EDITED", ALICE, ACME_SUPPORT, "");
    edited["event"]["subtype"] = json!("message_changed");
    edited["event"]["message"] = json!({"type": "message", "user": ALICE,
        "text": "Outlook wont open", "ts": "1700000000.000300"});
    let mut shared = message_event("Ev0FILE", ALICE, ACME_SUPPORT, "Outlook wont open");
    shared["event"]["subtype"] = json!("file_share");
    shared["event"]["files"] = json!([{"id": "F0FILE", "name": "screenshot.png"}]);
    let mut from_bot = message_event("Ev0BOT", ALICE, ACME_SUPPORT, "Outlook wont open");
    from_bot["event"]["bot_id"] = json!("B0OTHERBOT");
    let mut in_thread = message_event("Ev0THREAD", ALICE, ACME_SUPPORT, "Outlook wont open");
    in_thread["event"]["thread_ts"] = json!("1699999999.000100");
    for event in [&edited, &shared, &from_bot, &in_thread] {
        assert_eq!(t.h.event(event, None).await.status(), 200, "{event}");
    }
    assert!(t.h.fake.ephemerals_in(ACME_SUPPORT).is_empty());
    assert!(t.h.fake.calls_to("chat.postEphemeral").is_empty());
    t.done();
}

#[tokio::test]
async fn a_body_without_slacks_fields_is_acknowledged_and_not_handled() {
    let t = start(false).await;
    // No team, app or event time: not a body Slack sends.
    let forged = json!({"type": "event_callback", "event_id": "Ev0FORGED",
        "event": {"type": "message", "user": ALICE, "channel": ACME_SUPPORT,
                  "text": "Outlook wont open", "ts": "1700000000.000300"}});
    assert_eq!(t.h.event(&forged, None).await.status(), 200);
    assert!(t.h.fake.ephemerals_in(ACME_SUPPORT).is_empty());
    // Not recorded either: the same id in a real body is still handled.
    let real = message_event("Ev0FORGED", ALICE, ACME_SUPPORT, "Outlook wont open");
    assert_eq!(t.h.event(&real, None).await.status(), 200);
    assert_eq!(ephemerals_to(&t, ACME_SUPPORT, ALICE).len(), 1);
    t.done();
}
