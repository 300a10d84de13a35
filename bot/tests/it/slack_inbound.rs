//! Slack inbound safety: signatures, Events API retries (across a restart too), and the
//! outbox riding out 429s and 500s from the Web API.

use crate::slack_support;

use std::time::Duration;

use commandpost_chat_fakes::slack::Fault;
use serde_json::json;
use slack_support::*;

#[tokio::test]
async fn forged_stale_and_missing_signatures_get_401_and_change_nothing() {
    let harness = Harness::start().await;
    let declare = form(&[
        ("command", "/incident"),
        ("text", "declare P1 acme Email is down"),
        ("user_id", ALICE),
        ("channel_id", ONCALL),
    ]);
    let now = harness.timestamp();
    let stale = (harness.app.clock.now_for_test().timestamp() - 301).to_string();
    let future = (harness.app.clock.now_for_test().timestamp() + 301).to_string();
    let event = mention("Ev0FORGED", ALICE, ONCALL, "declare P1 acme Fire").to_string();
    let interaction = form(&[(
        "payload",
        &button(ALICE, ONCALL, json!({"action_id": "cp_resolve"}), None).to_string(),
    )]);
    for (path, content_type, body) in [
        ("/slack/commands", FORM, declare.as_str()),
        ("/slack/events", JSON, event.as_str()),
        ("/slack/interactions", FORM, interaction.as_str()),
    ] {
        let attempts = [
            ("forged", Some(("not-the-secret", now.as_str()))),
            ("stale", Some((SECRET, stale.as_str()))),
            ("from the future", Some((SECRET, future.as_str()))),
            ("missing", None),
        ];
        for (what, signing) in attempts {
            let response = harness
                .post_raw(path, content_type, body, signing, &[])
                .await;
            assert_eq!(response.status(), 401, "{what} signature on {path}");
        }
        // A valid signature over a different body is forged too.
        let tampered = format!("{body}&x=1");
        let signature = commandpost_chat_fakes::sign_slack(SECRET, &now, body.as_bytes());
        let response = harness
            .http
            .post(harness.app.url(path))
            .header("content-type", content_type)
            .header("x-slack-request-timestamp", &now)
            .header("x-slack-signature", signature)
            .body(tampered)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "tampered body on {path}");
    }
    harness.app.settle().await;
    assert!(harness.incidents().await.is_empty());
    assert!(
        harness.fake.calls().is_empty(),
        "{:?}",
        harness.fake.calls()
    );
    // The event id was not recorded either: the same event, signed, is handled.
    let store = harness.app.app.engine.store();
    let now = harness.app.clock.now_for_test();
    assert!(store
        .first_sighting("slack", "Ev0FORGED", now)
        .await
        .unwrap());
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn url_verification_is_answered() {
    let harness = Harness::start().await;
    let body = json!({"token": "legacy", "challenge": "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P", "type": "url_verification"});
    let response = harness.event(&body, None).await;
    assert_eq!(response.status(), 200);
    let answer: serde_json::Value = response.json().await.unwrap();
    assert_eq!(answer["challenge"], body["challenge"]);
}

#[tokio::test]
async fn an_event_retried_three_times_is_handled_once_even_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let database = format!("sqlite://{}/shared.db", dir.path().display());
    let fake = fake().await;
    let toml = config(&fake.api_url(), &database, "");
    let harness = Harness::on(fake, &toml, false).await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB>")
        .await;
    harness.app.settle().await;

    let update = mention(
        "Ev0UPDATE1",
        BOB,
        &room.id,
        "update Mail flows again for most users.",
    );
    for retry in [None, Some(1), Some(2), Some(3)] {
        let response = harness.event(&update, retry).await;
        assert_eq!(response.status(), 200, "retry {retry:?}");
    }
    harness.app.settle().await;
    assert_eq!(harness.only_incident().await.updates_published, 1);
    assert_eq!(harness.fake.messages_in(ACME_STATUS).len(), 1);

    // A new process on the same database still recognises the event.
    let Harness { fake, app, .. } = harness;
    drop(app);
    let harness = Harness::on(fake, &toml, false).await;
    let response = harness.event(&update, Some(4)).await;
    assert_eq!(response.status(), 200);
    harness.app.settle().await;
    assert_eq!(harness.only_incident().await.updates_published, 1);
    assert_eq!(harness.fake.messages_in(ACME_STATUS).len(), 1);
    // A different event is handled.
    let status = mention("Ev0STATUS1", CAROL, &room.id, "status");
    harness.event(&status, None).await;
    let posted = harness.fake.messages_in(&room.id);
    assert!(
        posted
            .last()
            .unwrap()
            .text
            .as_deref()
            .unwrap()
            .contains("Comms lead"),
        "{posted:?}"
    );
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn bot_posts_edits_and_thread_replies_are_left_alone() {
    // (A person's new message in a support channel is triaged: see slack_triage.rs.)
    let harness = Harness::start().await;
    for (id, event) in [
        (
            "Ev0SUPPORTBOT",
            json!({"type": "message", "subtype": "bot_message", "bot_id": "B0OTHER", "channel": ACME_SUPPORT, "text": "my VPN is down", "ts": "1.1"}),
        ),
        (
            "Ev0SUPPORTEDIT",
            json!({"type": "message", "subtype": "message_changed", "channel": ACME_SUPPORT, "message": {"user": CAROL, "text": "my VPN is down!"}, "ts": "1.3"}),
        ),
        (
            "Ev0SUPPORTTHREAD",
            json!({"type": "message", "user": CAROL, "channel": ACME_SUPPORT, "text": "same here", "ts": "1.4", "thread_ts": "1.1"}),
        ),
        (
            "Ev0ECHO",
            json!({"type": "app_mention", "bot_id": "B0FAKEBOT", "user": "U0FAKEBOT", "channel": ONCALL, "text": "<@U0FAKEBOT> declare P1 acme Loop", "ts": "1.2"}),
        ),
    ] {
        let body = json!({"type": "event_callback", "event_id": id, "team_id": "T0FAKETEAM", "event": event});
        assert_eq!(harness.event(&body, None).await.status(), 200);
    }
    harness.app.settle().await;
    assert!(harness.incidents().await.is_empty());
    assert!(harness.fake.calls().is_empty());
}

#[tokio::test]
async fn rate_limits_and_server_errors_are_retried_until_delivered() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB>")
        .await;
    harness.app.settle().await;

    harness.fake.fail_next(
        "chat.postMessage",
        Fault::RateLimited {
            retry_after_secs: 30,
        },
    );
    harness
        .fake
        .fail_next("chat.postMessage", Fault::ServerError);
    harness
        .fake
        .fail_next("chat.postMessage", Fault::ServerError);
    harness
        .incident(
            BOB,
            &room.id,
            "update Mail is delayed; next update in 30 minutes.",
        )
        .await;
    harness.app.settle().await;
    let failed = || -> Vec<u16> {
        harness
            .fake
            .calls_to("chat.postMessage")
            .iter()
            .map(|c| c.status)
            .filter(|s| *s != 200)
            .collect()
    };
    assert_eq!(
        failed(),
        [429, 500],
        "the update and the room notice both failed once"
    );
    assert_eq!(
        harness.only_incident().await.updates_landed,
        0,
        "not yet delivered"
    );

    // Backoff: nothing is due until the waits pass; then everything lands exactly once.
    for _ in 0..8 {
        harness.app.clock.advance(Duration::from_secs(30));
        harness.app.settle().await;
    }
    assert_eq!(failed(), [429, 500, 500], "a retry met the third fault");
    let updates: Vec<_> = harness.fake.messages_in(ACME_STATUS);
    assert_eq!(updates.len(), 1);
    assert!(updates[0]
        .text
        .as_deref()
        .unwrap()
        .contains("Mail is delayed"));
    let incident = harness.only_incident().await;
    assert_eq!(incident.updates_landed, 1);
    let pending = harness
        .app
        .app
        .engine
        .store()
        .pending_deliveries(&incident.id)
        .await
        .unwrap();
    assert_eq!(pending, 0);
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_room_answers_before_its_brief_is_pinned_and_a_retry_resumes_without_a_second_channel() {
    let harness = Harness::start().await;
    harness.fake.fail_next(
        "pins.add",
        Fault::RateLimited {
            retry_after_secs: 2,
        },
    );
    let ack = harness
        .incident(ALICE, ONCALL, "declare P1 acme Email is down")
        .await;
    assert!(ack["text"].as_str().unwrap().contains("Declared"));
    harness.app.settle().await;
    // The room is bound the moment Slack created it, though its brief is not pinned yet:
    // people who click into it at once can already run the incident from there.
    let bound = harness
        .only_incident()
        .await
        .room_on("slack")
        .unwrap()
        .room
        .clone();
    let created = harness.rooms();
    assert_eq!(bound, created[0].id, "bound before the pin");
    let assign = harness
        .incident(ALICE, &bound, "assign comms <@U0BOB>")
        .await;
    assert!(
        !assign["text"].as_str().unwrap_or("").contains("room"),
        "accepted in the new room: {assign}"
    );
    harness.app.settle().await;
    assert_eq!(
        harness
            .only_incident()
            .await
            .roles
            .comms
            .map(|u| u.to_string()),
        Some("U0BOB".to_owned())
    );
    harness.app.clock.advance(Duration::from_secs(3));
    harness.app.settle().await;

    let rooms = harness.rooms();
    assert_eq!(rooms.len(), 1, "{rooms:?}");
    assert_eq!(harness.fake.calls_to("conversations.create").len(), 1);
    let posted = harness.fake.messages_in(&rooms[0].id);
    assert_eq!(
        posted.len(),
        2,
        "one brief, then the hand-over: {posted:#?}"
    );
    assert_eq!(
        rooms[0].pins,
        vec![posted[0].ts.clone()],
        "the brief, pinned"
    );
    assert_eq!(rooms[0].pins.len(), 1);
    assert_eq!(
        harness.only_incident().await.room_on("slack").unwrap().room,
        rooms[0].id
    );
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_slash_command_without_the_fields_slack_always_sends_is_refused_and_stores_nothing() {
    let harness = Harness::start().await;
    for missing in [
        "team_id",
        "trigger_id",
        "response_url",
        "user_id",
        "command",
    ] {
        let fields: Vec<(&str, &str)> = [
            ("team_id", "T0FAKETEAM"),
            ("channel_id", ONCALL),
            ("user_id", ALICE),
            ("command", "/incident"),
            ("text", "declare P1 acme Email is down"),
            ("response_url", "http://127.0.0.1:9/commands/x"),
            ("trigger_id", "1.2.3"),
        ]
        .into_iter()
        .filter(|(name, _)| *name != missing)
        .collect();
        let response = harness
            .post_signed("/slack/commands", FORM, &form(&fields), &[])
            .await;
        assert_eq!(response.status(), 400, "without {missing}");
        let body = response.text().await.unwrap();
        assert!(body.contains("malformed Slack slash command"), "{body}");
    }
    assert!(harness.incidents().await.is_empty(), "nothing was declared");
    harness.app.settle().await;
    assert!(harness.rooms().is_empty());
}

#[tokio::test]
async fn a_click_without_the_fields_slack_always_sends_is_acknowledged_and_does_nothing() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let resolve = json!({"action_id": "cp_resolve", "type": "button"});
    for missing in ["team", "trigger_id", "container", "api_app_id"] {
        let mut click = button(ALICE, &room.id, resolve.clone(), None);
        click.as_object_mut().unwrap().remove(missing);
        let response = harness.interaction(&click).await;
        assert_eq!(response.status(), 200, "acknowledged without {missing}");
        harness.app.settle().await;
        assert!(
            !harness.only_incident().await.is_resolved(),
            "a click without {missing} resolved the incident"
        );
    }
    // The same click with every field resolves it: the refusals above were the missing fields.
    harness
        .interaction(&button(ALICE, &room.id, resolve, None))
        .await;
    harness.app.settle().await;
    assert!(harness.only_incident().await.is_resolved());
}
