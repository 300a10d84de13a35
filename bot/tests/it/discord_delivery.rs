//! Discord deliveries end to end: client updates reach the client's channel and no other, a 429
//! is honoured and retried, and a refused destination is reported to the room.

use crate::discord_support;

use std::time::Duration;

use commandpost::store::{IncidentFilter, Store};
use commandpost_chat_fakes::discord::Fault;
use discord_support::*;
use serde_json::json;

#[tokio::test]
async fn an_update_reaches_the_clients_channel_and_no_other() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    h.incident(
        ALICE,
        &room.id,
        "assign",
        json!([opt("role", "comms"), { "name": "user", "type": 6, "value": BOB }]),
    )
    .await;
    let text = "We are investigating reports of email failures and will update you by 10:30.";
    let answer = h
        .incident(BOB, &room.id, "update", json!([opt("text", text)]))
        .await;
    assert!(
        Harness::reply_text(&answer).contains("discord channel 1300000000000000011"),
        "{answer}"
    );
    h.app.settle().await;

    let acme = h.texts_in(ACME_STATUS);
    assert_eq!(acme.len(), 1);
    assert!(
        acme[0].contains(text) && acme[0].contains("Acme Corp status update #1"),
        "{}",
        acme[0]
    );
    let posted = &h.fake.calls_to("POST", "/channels/{channel_id}/messages");
    let to_acme = posted
        .iter()
        .find(|c| c.path.contains(ACME_STATUS))
        .unwrap();
    // Nobody is pinged from a client's channel: nothing parsed, no user or role listed.
    let mentions = &to_acme.body.as_ref().unwrap()["allowed_mentions"];
    for list in ["parse", "users", "roles"] {
        assert_eq!(mentions[list], json!([]), "{list} in {mentions}");
    }
    assert!(h.texts_in(GLOBEX_STATUS).is_empty());
    assert!(h.texts_in(ACME_SUPPORT).is_empty());
    assert!(h.texts_in(ONCALL).iter().all(|t| !t.contains(text)));
    let incident = &h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap()[0];
    assert_eq!(
        incident.updates_on_time, 1,
        "Discord's answer counts as delivered"
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_rate_limited_post_is_retried_after_retry_after() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    h.fake.fail_next(
        "POST",
        "/channels/{channel_id}/messages",
        Fault::RateLimited { retry_after: 0.4 },
    );
    h.incident(
        ALICE,
        &room.id,
        "update",
        json!([opt("text", "Mail is queued, not lost.")]),
    )
    .await;
    h.app.settle().await;
    let limited: Vec<_> = h
        .fake
        .calls_to("POST", "/channels/{channel_id}/messages")
        .into_iter()
        .filter(|c| c.status == 429)
        .collect();
    assert_eq!(limited.len(), 1);
    assert!(limited[0].path.contains(ACME_STATUS));
    assert!(h.texts_in(ACME_STATUS).is_empty(), "not delivered yet");
    let notices = h.texts_in(&room.id).join("\n");
    assert!(notices.contains("failed: posting to Discord channel 1300000000000000011: Discord rate limit: retry after 0.4s"), "{notices}");

    // Not before the time Discord asked for…
    h.app.clock.advance(Duration::from_millis(200));
    h.app.settle().await;
    assert!(h.texts_in(ACME_STATUS).is_empty());
    // …then it lands, and the room hears.
    h.app.clock.advance(Duration::from_millis(300));
    h.app.settle().await;
    assert_eq!(h.texts_in(ACME_STATUS).len(), 1);
    assert!(h
        .texts_in(&room.id)
        .join("\n")
        .contains("reached discord channel 1300000000000000011 after 2 attempts"));
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_missing_client_channel_is_a_permanent_failure_told_to_the_room() {
    let fake = commandpost_chat_fakes::FakeDiscord::start().await;
    for (id, name) in [
        (ONCALL, "oncall"),
        (ACME_STATUS, "acme-status"),
        (GENERAL, "general"),
    ] {
        fake.add_channel(id, name);
    }
    let h = Harness::with_fake(fake, "", false).await;
    let answer = h
        .incident(
            ALICE,
            GENERAL,
            "declare",
            json!([
                opt("severity", "P3"),
                opt("client", "globex"),
                opt("title", "Printer")
            ]),
        )
        .await;
    assert_eq!(answer["data"]["flags"], 64);
    h.app.settle().await;
    let room = h.room().unwrap();
    h.incident(
        ALICE,
        &room.id,
        "update",
        json!([opt("text", "Printer fixed.")]),
    )
    .await;
    h.app.settle().await;
    let notices = h.texts_in(&room.id).join("\n");
    assert!(
        notices.contains("Unknown Channel (code 10003). Given up after 1 attempts"),
        "{notices}"
    );
    assert_eq!(
        h.fake
            .calls_to("POST", "/channels/{channel_id}/messages")
            .iter()
            .filter(|c| c.status == 404)
            .count(),
        1
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn concurrent_posts_share_a_bucket_without_exceeding_it() {
    let harness = Harness::start("", false).await;
    // Two messages per channel per 400 ms (the fake halves the limit for message creation).
    harness
        .fake
        .enforce_rate_limits(4, Duration::from_millis(400));
    let config = harness
        .app
        .app
        .engine
        .config()
        .chat::<commandpost::chat::discord::DiscordConfig>()
        .cloned()
        .unwrap();
    let rest = std::sync::Arc::new(commandpost::chat::discord::DiscordRest::new(&config).unwrap());
    let channel: u64 = ACME_STATUS.parse().unwrap();
    let posts = (0..7).map(|n| {
        let rest = rest.clone();
        tokio::spawn(async move {
            let body = json!({ "content": format!("post {n}") });
            rest.call(
                "post a message",
                serenity::http::Route::ChannelMessages {
                    channel_id: channel.into(),
                },
                serenity::http::LightMethod::Post,
                Some(&body),
            )
            .await
        })
    });
    let mut failures = Vec::new();
    for post in posts.collect::<Vec<_>>() {
        if let Err(error) = post.await.unwrap() {
            failures.push(error.to_string());
        }
    }
    assert!(failures.is_empty(), "{failures:?}");
    assert_eq!(
        harness.fake.rate_limited(),
        0,
        "no request went beyond what the bucket held"
    );
    assert_eq!(
        harness.fake.lowest_remaining(),
        Some(0),
        "the bucket was driven to zero"
    );
    assert_eq!(harness.texts_in(ACME_STATUS).len(), 7);
}
