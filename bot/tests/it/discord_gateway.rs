//! Gateway mode end to end: IDENTIFY with the right intents, READY, interactions answered through
//! the callback endpoint, support-channel messages handed to triage, and RESUME after a drop.

use crate::discord_support;

use commandpost_chat_fakes::discord::ReplyKind;
use discord_support::*;
use serde_json::json;

async fn support_messages_seen(h: &Harness) -> f64 {
    let metrics = h
        .http
        .get(h.app.metrics_url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    metrics
        .lines()
        .find(|l| l.starts_with("commandpost_support_messages_total{platform=\"discord\"}"))
        .and_then(|l| l.rsplit(' ').next()?.parse().ok())
        .unwrap_or(0.0)
}

#[tokio::test]
async fn the_gateway_answers_interactions_and_hands_support_messages_to_triage() {
    let _turn = gateway_messages_turn().await;
    let h = Harness::start("gateway = true", true).await;
    h.wait_for("IDENTIFY", |fake| !fake.gateway_identifies().is_empty())
        .await;
    let identify = &h.fake.gateway_identifies()[0];
    let intents = identify["intents"].as_u64().unwrap();
    assert_eq!(
        intents,
        1 | (1 << 9) | (1 << 15),
        "guilds, guild messages, message content"
    );
    assert_eq!(identify["token"], format!("Bot {}", h.fake.bot_token()));
    h.wait_for("the session", |fake| fake.gateway_session_id().is_some())
        .await;

    let payload = declare_p1("Gateway test");
    h.fake
        .gateway_dispatch("INTERACTION_CREATE", payload.clone());
    h.wait_for("the callback", |fake| {
        fake.interaction_replies()
            .iter()
            .any(|r| r.kind == ReplyKind::Callback)
    })
    .await;
    let reply = h
        .fake
        .interaction_replies()
        .into_iter()
        .find(|r| r.kind == ReplyKind::Callback)
        .unwrap();
    assert_eq!(reply.interaction_id, payload["id"].as_str().unwrap());
    assert_eq!(reply.body["type"], 4);
    assert_eq!(reply.body["data"]["flags"], 64);
    assert!(
        reply.body["data"]["content"]
            .as_str()
            .unwrap()
            .starts_with("Declared INC-"),
        "{}",
        reply.body
    );
    // The workers run here: the room opens without the test's help.
    h.wait_for("the incident channel with its brief pinned", |fake| {
        fake.channels()
            .iter()
            .any(|c| c.name.ends_with("-acme-gateway-test") && !c.pins.is_empty())
    })
    .await;

    // A button on the brief clicked over the gateway is the same command as over HTTP.
    let room = h.room().unwrap();
    let brief = h
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.id == room.pins[0])
        .unwrap();
    let took = click(BOB, &room.id, Some(&brief), "cp:take_comms", &[]);
    h.fake.gateway_dispatch("INTERACTION_CREATE", took.clone());
    let took_id = took["id"].as_str().unwrap();
    h.wait_for("the click's callback", |fake| {
        fake.interaction_replies()
            .iter()
            .any(|r| r.interaction_id == took_id)
    })
    .await;
    let answer = h
        .fake
        .interaction_replies()
        .into_iter()
        .find(|r| r.interaction_id == took_id)
        .unwrap();
    assert!(
        answer
            .body
            .to_string()
            .contains(&format!("<@{BOB}> is now comms")),
        "{}",
        answer.body
    );

    let before = support_messages_seen(&h).await;
    h.fake.gateway_dispatch(
        "MESSAGE_CREATE",
        message(&next_id(), ACME_SUPPORT, CAROL, false, "my vpn is down"),
    );
    h.fake.gateway_dispatch(
        "MESSAGE_CREATE",
        message(
            &next_id(),
            ACME_SUPPORT,
            "1100000000000000002",
            true,
            "bot echo",
        ),
    );
    h.fake.gateway_dispatch(
        "MESSAGE_CREATE",
        message(&next_id(), GENERAL, CAROL, false, "chatter"),
    );
    for _ in 0..200 {
        if support_messages_seen(&h).await > before {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert_eq!(
        support_messages_seen(&h).await - before,
        1.0,
        "only the person's message in the support channel"
    );

    // Discord drops the connection: the bot resumes its session.
    h.fake.gateway_disconnect();
    h.wait_for("RESUME", |fake| !fake.gateway_resumes().is_empty())
        .await;
    assert_eq!(h.fake.gateway_identifies().len(), 1);
    let again = slash(ALICE, GENERAL, "help", json!([]));
    h.fake.gateway_dispatch("INTERACTION_CREATE", again.clone());
    h.wait_for("the second callback", |fake| {
        fake.interaction_replies()
            .iter()
            .any(|r| r.interaction_id == again["id"].as_str().unwrap())
    })
    .await;
    h.assert_no_rejected_calls();
}
