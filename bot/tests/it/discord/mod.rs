//! The Discord adapter end to end: the real server, a fake Discord that accepts only what
//! Discord's API description allows, and interactions signed with a test Ed25519 key.

use crate::discord_support;

use std::time::Duration;

use commandpost::store::{IncidentFilter, Store};
use commandpost_chat_fakes::discord::ReplyKind;
use commandpost_chat_fakes::sign_interaction;
use discord_support::*;
use serde_json::{json, Value};

mod signatures_and_registration;

#[tokio::test]
async fn ping_is_answered_with_pong() {
    let h = Harness::start("", false).await;
    let (status, answer) = h
        .post_signed(
            &json!({ "id": next_id(), "application_id": "1100000000000000001",
            "type": 1, "token": "t", "version": 1 }),
        )
        .await;
    assert_eq!((status, answer), (200, json!({ "type": 1 })));
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn declare_opens_a_channel_in_the_incidents_category_with_a_pinned_brief() {
    let h = Harness::start("", false).await;
    let answer = h.interact(&declare_p1("Email is down")).await;
    assert_eq!(answer["type"], 4);
    assert_eq!(
        answer["data"]["flags"], 64,
        "the declarer alone sees the confirmation"
    );
    assert!(
        Harness::reply_text(&answer).starts_with("Declared INC-"),
        "{answer}"
    );
    h.app.settle().await;

    let category = h
        .fake
        .channels()
        .into_iter()
        .find(|c| c.kind == 4)
        .expect("a category");
    assert_eq!(category.name, "Incidents");
    let room = h.room().expect("the incident channel");
    assert!(room.name.ends_with("-acme-email-is-down"), "{}", room.name);
    assert_eq!(room.parent_id.as_deref(), Some(category.id.as_str()));
    let messages = h.fake.messages_in(&room.id);
    assert_eq!(messages.len(), 1);
    let brief = &messages[0];
    assert_eq!(room.pins, vec![brief.id.clone()]);
    let embed = &brief.embeds[0];
    assert!(
        embed["title"]
            .as_str()
            .unwrap()
            .contains("P1 · Email is down"),
        "{embed}"
    );
    let description = embed["description"].as_str().unwrap();
    assert!(
        description.contains(&format!("Commander: <@{ALICE}>")),
        "{description}"
    );
    assert!(
        description.contains("**COMMS LEAD: UNASSIGNED**"),
        "{description}"
    );
    assert!(!description.contains("discord:"), "{description}");
    let custom_ids: Vec<&str> = brief
        .components
        .iter()
        .flat_map(|row| row["components"].as_array().unwrap())
        .map(|c| c["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(custom_ids, ["cp:stage", "cp:take_comms", "cp:resolve"]);

    let announced = h.texts_in(ONCALL);
    assert_eq!(announced.len(), 1);
    assert!(
        announced[0].contains("P1 declared for Acme Corp: **Email is down**"),
        "{}",
        announced[0]
    );
    assert!(
        announced[0].contains(&format!("<@{ALICE}>")),
        "{}",
        announced[0]
    );

    // The next incident reuses the category.
    h.incident(
        BOB,
        GENERAL,
        "declare",
        json!([
            opt("severity", "P3"),
            opt("client", "globex"),
            opt("title", "Printer")
        ]),
    )
    .await;
    h.app.settle().await;
    assert_eq!(h.fake.channels().iter().filter(|c| c.kind == 4).count(), 1);
    assert_eq!(
        h.fake
            .calls_to("PUT", "/channels/{channel_id}/pins/{message_id}")
            .len(),
        2
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn assign_and_status_work_in_the_room_and_mistakes_are_private() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;

    let assigned = h
        .incident(
            ALICE,
            &room.id,
            "assign",
            json!([opt("role", "comms"), { "name": "user", "type": 6, "value": BOB }]),
        )
        .await;
    assert_eq!(assigned["data"]["flags"], 64);
    assert!(
        Harness::reply_text(&assigned).contains(&format!("<@{BOB}> is now comms")),
        "{assigned}"
    );
    h.app.settle().await;
    let brief = h
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| room.pins.contains(&m.id))
        .unwrap();
    assert!(brief.edited);
    assert!(brief.embeds[0]["description"]
        .as_str()
        .unwrap()
        .contains(&format!("Comms lead: <@{BOB}>")));

    let status = h.incident(CAROL, &room.id, "status", json!([])).await;
    assert!(
        status["data"]["flags"].as_u64().unwrap_or(0) & 64 == 0,
        "status is for the room (not ephemeral): {status}"
    );
    let text = Harness::reply_text(&status);
    assert!(
        text.contains(&format!("Commander: <@{ALICE}> · Comms lead: <@{BOB}>")),
        "{text}"
    );

    let outside = h.incident(ALICE, GENERAL, "status", json!([])).await;
    assert_eq!(outside["data"]["flags"], 64);
    assert!(
        Harness::reply_text(&outside).contains("type it in the incident's room"),
        "{outside}"
    );
    let refused = h
        .incident(CAROL, &room.id, "severity", json!([opt("severity", "P2")]))
        .await;
    assert_eq!(refused["data"]["flags"], 64);
    let unknown = h
        .incident(
            ALICE,
            GENERAL,
            "declare",
            json!([
                opt("severity", "P1"),
                opt("client", "initech"),
                opt("title", "x")
            ]),
        )
        .await;
    assert!(
        Harness::reply_text(&unknown).contains("no client `initech` is configured"),
        "{unknown}"
    );
    assert_eq!(unknown["data"]["flags"], 64);
    let incidents = h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(incidents.len(), 1, "refused commands store nothing");
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn slow_commands_are_deferred_then_followed_up() {
    use sqlx::Connection;
    let h = Harness::start("", false).await;
    // Another writer holds the database: the declaration cannot finish within the budget.
    let path = h.app.dir.path().join("test.db");
    let mut blocker = sqlx::SqliteConnection::connect(&format!("sqlite://{}", path.display()))
        .await
        .unwrap();
    sqlx::query("BEGIN IMMEDIATE")
        .execute(&mut blocker)
        .await
        .unwrap();

    let payload = slash(
        ALICE,
        GENERAL,
        "declare",
        json!([
            opt("severity", "P2"),
            opt("client", "acme"),
            opt("title", "Slow")
        ]),
    );
    h.fake.register_interaction(&payload);
    let (status, answer) = h.post_signed(&payload).await;
    assert_eq!(status, 200);
    // A deferred answer (type 5) while the store is still locked: Discord heard from us before
    // the work could finish, instead of after its 3 s.
    assert_eq!(
        (&answer["type"], &answer["data"]["flags"]),
        (&json!(5), &json!(64)),
        "{answer}"
    );
    h.relay(&payload, &answer).await;
    sqlx::query("ROLLBACK").execute(&mut blocker).await.unwrap();

    h.wait_for("the follow-up", |fake| {
        fake.interaction_replies()
            .iter()
            .any(|r| r.kind == ReplyKind::Edit)
    })
    .await;
    let edit = h
        .fake
        .interaction_replies()
        .into_iter()
        .find(|r| r.kind == ReplyKind::Edit)
        .unwrap();
    assert!(
        edit.body["content"]
            .as_str()
            .unwrap()
            .starts_with("Declared INC-"),
        "{}",
        edit.body
    );
    let original = h
        .fake
        .messages_in(GENERAL)
        .into_iter()
        .find(|m| m.interaction_token.is_some())
        .unwrap();
    assert_eq!(original.flags & 64, 64, "the deferred answer stays private");
    assert!(original.content.starts_with("Declared INC-"));
    assert_eq!(
        h.app
            .app
            .store
            .incidents(&IncidentFilter::default())
            .await
            .unwrap()
            .len(),
        1
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_manager_gets_the_review_sign_in_link_by_direct_message() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    let refused = h.incident(ALICE, &room.id, "review", json!([])).await;
    assert_eq!(refused["data"]["flags"], 64, "{refused}");

    let answer = h.incident(MANAGER, &room.id, "review", json!([])).await;
    assert_eq!(answer["data"]["flags"], 64, "{answer}");
    h.app.settle().await;
    let dm = h
        .fake
        .channels()
        .into_iter()
        .find(|c| c.recipient.as_deref() == Some(MANAGER))
        .expect("a direct-message channel with the manager");
    let sent = h.texts_in(&dm.id);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("/signin/"),
        "the DM carries the sign-in link: {}",
        sent[0]
    );
    h.assert_no_rejected_calls();
}
