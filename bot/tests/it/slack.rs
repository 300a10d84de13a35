//! Slack end to end: the real app against the fake Slack Web API, driven by signed requests
//! shaped like Slack's. Every test also checks that nothing was sent that Slack would refuse.

use crate::slack_support;

use serde_json::Value;
use slack_support::*;

fn texts(harness: &Harness, channel: &str) -> Vec<String> {
    harness
        .fake
        .messages_in(channel)
        .into_iter()
        .map(|m| m.text.unwrap_or_default())
        .collect()
}

#[tokio::test]
async fn declare_opens_the_room_invites_pins_sets_the_topic_and_announces() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let incident = harness.only_incident().await;

    let date = harness.app.clock.now_for_test().format("%Y%m%d");
    assert_eq!(room.name, format!("inc-{date}-acme-email-is-down"));
    assert!(!room.is_private);
    assert!(room.members.contains(&ALICE.to_owned()), "{room:?}");
    let brief = &harness.fake.messages_in(&room.id)[0];
    assert!(brief
        .text
        .as_deref()
        .unwrap()
        .contains(incident.id.as_str()));
    assert_eq!(room.pins, vec![brief.ts.clone()]);
    let buttons: Vec<&str> = brief
        .blocks
        .as_ref()
        .unwrap()
        .as_array()
        .unwrap()
        .last()
        .unwrap()["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action_id"].as_str().unwrap())
        .collect();
    assert_eq!(buttons, ["cp_take_comms", "cp_stage", "cp_resolve"]);
    assert!(
        room.topic.starts_with("P1 · investigating · IC <@U0ALICE>"),
        "{}",
        room.topic
    );
    assert!(room.topic.contains("next client update"), "{}", room.topic);

    let announced = texts(&harness, ONCALL);
    assert_eq!(announced.len(), 1);
    assert!(announced[0].contains(incident.id.as_str()) && announced[0].contains(&room.name));
    // The incident knows its room and its pinned brief.
    let stored = incident.room_on("slack").unwrap();
    assert_eq!(
        (stored.room.as_str(), stored.brief.as_deref()),
        (room.id.as_str(), Some(brief.ts.as_str()))
    );
    assert!(texts(&harness, ACME_STATUS).is_empty());
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_taken_room_name_gets_a_suffix() {
    let harness = Harness::start().await;
    let date = harness.app.clock.now_for_test().format("%Y%m%d");
    harness
        .fake
        .add_channel("C0OLDER", &format!("inc-{date}-acme-vpn-down"));
    harness.declare(ALICE, "P2 acme VPN down").await;
    let names: Vec<String> = harness.rooms().into_iter().map(|r| r.name).collect();
    assert!(
        names.contains(&format!("inc-{date}-acme-vpn-down-2")),
        "{names:?}"
    );
    let incident = harness.only_incident().await;
    assert_eq!(
        incident.room_on("slack").unwrap().name,
        format!("inc-{date}-acme-vpn-down-2")
    );
    let creates = harness.fake.calls_to("conversations.create");
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0].error.as_deref(), Some("name_taken"));
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn assign_refreshes_the_brief_and_status_answers_in_the_room_with_buttons() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let ack = harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB|bob>")
        .await;
    assert_eq!(ack["response_type"], "ephemeral");
    assert!(
        ack["text"]
            .as_str()
            .unwrap()
            .contains("<@U0BOB> is now comms"),
        "{ack}"
    );
    harness.app.settle().await;

    let room = harness.fake.channel_named(&room.name).unwrap();
    assert!(
        room.members.contains(&BOB.to_owned()),
        "the new comms lead is invited"
    );
    let brief = harness
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.ts == room.pins[0])
        .unwrap();
    assert!(brief.edited);
    assert!(brief.text.unwrap().contains("Comms lead: <@U0BOB>"));
    assert!(room.topic.contains("comms <@U0BOB>"), "{}", room.topic);
    assert_eq!(
        harness.only_incident().await.roles.comms.unwrap().as_str(),
        BOB
    );

    let status = harness.incident(CAROL, &room.id, "status").await;
    assert_eq!(status["response_type"], "in_channel", "{status}");
    assert!(status["text"].as_str().unwrap().contains("<@U0BOB>"));
    let blocks = status["blocks"].as_array().unwrap();
    let actions: Vec<&Value> = blocks.last().unwrap()["elements"]
        .as_array()
        .unwrap()
        .iter()
        .collect();
    assert_eq!(
        actions[0]["action_id"], "cp_stage",
        "comms is taken, so no Assign me comms"
    );
    assert_eq!(actions[1]["action_id"], "cp_resolve");
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn mistakes_and_refusals_are_ephemeral_and_change_nothing() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let calls = harness.write_calls().len();

    let wrong = harness.incident(BOB, &room.id, "severity P2").await;
    assert_eq!(wrong["response_type"], "ephemeral");
    assert!(
        wrong["text"].as_str().unwrap().contains("commander"),
        "{wrong}"
    );
    let malformed = harness.incident(ALICE, &room.id, "severity P9").await;
    assert_eq!(malformed["response_type"], "ephemeral");
    assert!(
        malformed["text"]
            .as_str()
            .unwrap()
            .contains("/incident severity"),
        "{malformed}"
    );
    let unknown = harness
        .incident(ALICE, ONCALL, "declare P1 initech Fire")
        .await;
    assert!(
        unknown["text"].as_str().unwrap().contains("initech"),
        "{unknown}"
    );
    let outside = harness.incident(ALICE, ONCALL, "status").await;
    assert!(
        outside["text"].as_str().unwrap().contains("room"),
        "{outside}"
    );
    harness.app.settle().await;

    assert_eq!(harness.only_incident().await.severity.to_string(), "P1");
    assert_eq!(
        harness.write_calls().len(),
        calls,
        "nothing was sent to Slack"
    );
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_client_update_reaches_its_own_status_channel_and_no_other() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB>")
        .await;
    let ack = harness
        .incident(BOB, &room.id, "update We are investigating mail delays.")
        .await;
    assert!(
        ack["text"]
            .as_str()
            .unwrap()
            .contains("slack channel C0ACMESTATUS"),
        "{ack}"
    );
    harness.app.settle().await;

    let acme = texts(&harness, ACME_STATUS);
    assert_eq!(acme.len(), 1);
    assert!(acme[0].contains("We are investigating mail delays."));
    assert!(texts(&harness, GLOBEX_STATUS).is_empty());
    assert!(texts(&harness, ACME_SUPPORT).is_empty());
    assert!(!texts(&harness, ONCALL)
        .iter()
        .any(|t| t.contains("mail delays")));
    let incident = harness.only_incident().await;
    assert_eq!(incident.updates_landed, 1);
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_slack_refusal_is_permanent_and_the_room_hears_why() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB>")
        .await;
    harness.app.settle().await;
    harness.fake.fail_next(
        "chat.postMessage",
        commandpost_chat_fakes::slack::Fault::SlackError("channel_not_found".into()),
    );
    harness
        .incident(BOB, &room.id, "update Mail is delayed.")
        .await;
    harness.app.settle().await;
    let said = texts(&harness, &room.id).join("\n");
    assert!(said.contains("channel_not_found"), "{said}");
    assert!(said.contains("Given up"), "{said}");
    assert_eq!(harness.only_incident().await.updates_landed, 0);
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_manager_gets_the_review_sign_in_link_by_direct_message() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    let refused = harness.incident(ALICE, &room.id, "review").await;
    assert_eq!(refused["response_type"], "ephemeral", "{refused}");
    assert!(
        harness
            .fake
            .channels()
            .iter()
            .all(|c| !c.id.starts_with('D')),
        "no DM for a non-manager"
    );

    let answer = harness.incident("U0MANAGER", &room.id, "review").await;
    assert_eq!(answer["response_type"], "ephemeral", "{answer}");
    harness.app.settle().await;
    let dm = harness
        .fake
        .channels()
        .into_iter()
        .find(|c| c.id.starts_with('D') && c.members.contains(&"U0MANAGER".to_owned()))
        .expect("a direct-message channel with the manager");
    let sent = texts(&harness, &dm.id);
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert!(
        sent[0].contains("/signin/"),
        "the DM carries the sign-in link: {}",
        sent[0]
    );
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_slash_command_delivered_twice_is_carried_out_once() {
    let harness = Harness::start().await;
    let trigger = next_trigger();
    let first = harness
        .slash_with_trigger(
            "/incident",
            ALICE,
            ONCALL,
            "declare P1 acme Email is down",
            &trigger,
        )
        .await;
    assert!(
        first["text"].as_str().unwrap().contains("Declared"),
        "{first}"
    );
    // The same request again, as a proxy replays it on another replica when the first died
    // before answering: answered, and nothing declared a second time.
    let again = harness
        .slash_with_trigger(
            "/incident",
            ALICE,
            ONCALL,
            "declare P1 acme Email is down",
            &trigger,
        )
        .await;
    assert_eq!(again["response_type"], "ephemeral", "{again}");
    assert!(
        again["text"]
            .as_str()
            .unwrap()
            .contains("already carried out"),
        "{again}"
    );
    harness.app.settle().await;
    assert_eq!(harness.rooms().len(), 1);
    let room = harness.rooms().pop().unwrap();
    // A command that writes in its room still works, under its own trigger.
    let update = harness
        .incident(ALICE, &room.id, "update We are investigating.")
        .await;
    assert!(
        !update["text"].as_str().unwrap().contains("already"),
        "{update}"
    );
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_room_slack_created_before_a_crash_is_taken_not_made_again() {
    let harness = Harness::start().await;
    let date = harness.app.clock.now_for_test().format("%Y%m%d");
    let name = format!("inc-{date}-acme-email-is-down");
    // What a process leaves behind when it dies after Slack created the room and before it
    // recorded it: the bot's channel, owned by no incident.
    let created: Value = harness
        .http
        .post(format!("{}/conversations.create", harness.fake.api_url()))
        .bearer_auth(harness.fake.bot_token())
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(created["ok"], true, "{created}");
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    assert_eq!(room.name, name);
    assert_eq!(room.id, created["channel"]["id"].as_str().unwrap());
    assert_eq!(harness.rooms().len(), 1, "no second room");

    // The same name for another incident the same day: that room is owned, so a new one.
    let second = harness.declare(ALICE, "P1 acme Email is down").await;
    assert_eq!(second.name, format!("{name}-2"));
    assert_eq!(harness.rooms().len(), 2);
    harness.assert_nothing_rejected();
}
