//! Discord buttons, the stage menu and forms end to end: the brief's buttons, a nudge's draft,
//! and the declare form.

use crate::discord_support;

use std::time::Duration;

use commandpost::store::{IncidentFilter, Store};
use discord_support::*;
use serde_json::{json, Value};

fn brief_of(
    h: &Harness,
    room: &commandpost_chat_fakes::discord::DiscordChannel,
) -> commandpost_chat_fakes::discord::DiscordMessage {
    let pinned = h.room().unwrap().pins[0].clone();
    h.fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.id == pinned)
        .unwrap()
}

#[tokio::test]
async fn the_briefs_buttons_take_comms_change_stage_and_resolve() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    let brief = brief_of(&h, &room);

    let took = h
        .interact(&click(BOB, &room.id, Some(&brief), "cp:take_comms", &[]))
        .await;
    assert_eq!(took["data"]["flags"], 64);
    assert!(
        Harness::reply_text(&took).contains(&format!("<@{BOB}> is now comms")),
        "{took}"
    );
    let staged = h
        .interact(&click(
            ALICE,
            &room.id,
            Some(&brief),
            "cp:stage",
            &["identified"],
        ))
        .await;
    assert!(
        Harness::reply_text(&staged).contains("is now identified"),
        "{staged}"
    );
    h.app.settle().await;
    let refreshed = brief_of(&h, &room);
    let description = refreshed.embeds[0]["description"].as_str().unwrap();
    assert!(
        description.contains("Stage: identified")
            && description.contains(&format!("Comms lead: <@{BOB}>")),
        "{description}"
    );

    // Resolve asks for a summary first.
    let form = h
        .interact(&click(ALICE, &room.id, Some(&refreshed), "cp:resolve", &[]))
        .await;
    assert_eq!(form["type"], 9);
    assert_eq!(form["data"]["custom_id"], "cp:resolve_form");
    let resolved = h
        .interact(&submit(
            ALICE,
            &room.id,
            "cp:resolve_form",
            &[("summary", "Mail flow restored")],
        ))
        .await;
    assert!(
        Harness::reply_text(&resolved).contains("is resolved"),
        "{resolved}"
    );
    h.app.settle().await;
    let closed = brief_of(&h, &room);
    assert!(
        closed.components.is_empty(),
        "a resolved incident's brief has no buttons"
    );
    let incident = &h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap()[0];
    assert_eq!(incident.summary.as_deref(), Some("Mail flow restored"));

    // A click from someone without the role is refused privately.
    let late = h
        .interact(&click(
            CAROL,
            &room.id,
            Some(&closed),
            "cp:stage",
            &["monitoring"],
        ))
        .await;
    assert_eq!(late["data"]["flags"], 64);
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_nudges_draft_is_published_as_is_or_edited_in_a_form() {
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    h.incident(
        ALICE,
        &room.id,
        "assign",
        json!([opt("role", "comms"), { "name": "user", "type": 6, "value": BOB }]),
    )
    .await;
    h.app.settle().await;
    // first_update_within 60s, nudge_before 20s: the nudge comes 40 s in.
    h.app.clock.advance(Duration::from_secs(41));
    h.app.settle().await;
    let nudge = h
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.embeds.iter().any(|e| e["title"] == "Draft client update"))
        .expect("a nudge with the draft");
    assert!(
        nudge.content.contains(&format!("<@{BOB}>")),
        "the comms lead is mentioned: {}",
        nudge.content
    );
    let draft = nudge.embeds[0]["description"].as_str().unwrap().to_owned();

    let edit = h
        .interact(&click(BOB, &room.id, Some(&nudge), "cp:edit_draft", &[]))
        .await;
    assert_eq!(edit["type"], 9);
    assert_eq!(
        edit["data"]["components"][0]["components"][0]["value"],
        draft.as_str()
    );
    let edited = format!("{draft} (edited)");
    let published = h
        .interact(&submit(
            BOB,
            &room.id,
            "cp:draft_form",
            &[("text", &edited)],
        ))
        .await;
    assert!(
        Harness::reply_text(&published).contains("Client update #1"),
        "{published}"
    );

    let again = h
        .interact(&click(BOB, &room.id, Some(&nudge), "cp:publish", &[]))
        .await;
    assert!(
        Harness::reply_text(&again).contains("Client update #2"),
        "{again}"
    );
    h.app.settle().await;
    let client = h.texts_in(ACME_STATUS);
    assert_eq!(client.len(), 2);
    assert!(
        client[0].contains(&edited) && client[1].contains(&draft),
        "{client:?}"
    );
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn declare_without_options_opens_the_form() {
    let h = Harness::start("", false).await;
    let form = h.incident(ALICE, GENERAL, "declare", json!([])).await;
    assert_eq!(form["type"], 9);
    assert_eq!(form["data"]["custom_id"], "cp:declare_form");
    let inputs: Vec<&str> = form["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["severity", "client", "title"]);

    let wrong = h
        .interact(&submit(
            ALICE,
            GENERAL,
            "cp:declare_form",
            &[("severity", "P9"), ("client", "acme"), ("title", "VPN")],
        ))
        .await;
    assert_eq!(wrong["data"]["flags"], 64);
    assert!(
        Harness::reply_text(&wrong).contains("Write it as: `/incident declare"),
        "{wrong}"
    );
    let declared = h
        .interact(&submit(
            ALICE,
            GENERAL,
            "cp:declare_form",
            &[
                ("severity", "p2"),
                ("client", "acme"),
                ("title", "VPN flaps"),
            ],
        ))
        .await;
    assert!(
        Harness::reply_text(&declared).starts_with("Declared INC-"),
        "{declared}"
    );
    h.app.settle().await;
    assert!(h.room().unwrap().name.ends_with("-acme-vpn-flaps"));

    // A partly filled declare is a mistake, named like the text grammar names it.
    let partial = h
        .incident(ALICE, GENERAL, "declare", json!([opt("severity", "P1")]))
        .await;
    assert!(
        Harness::reply_text(&partial).contains("missing: client, title"),
        "{partial}"
    );

    // Interaction ids are handled once.
    let payload = slash(ALICE, GENERAL, "help", json!([]));
    let first = h.interact(&payload).await;
    assert!(
        Harness::reply_text(&first).contains("/incident declare"),
        "{first}"
    );
    let (_, replay) = h.post_signed(&payload).await;
    assert_eq!(Harness::reply_text(&replay), "That was already handled.");
    let _: Value = replay;
    h.assert_no_rejected_calls();
}
