//! Slack's interactive surfaces end to end: the declare modal, every button, the nudge with
//! its drafted update, and Socket Mode against the fake WebSocket endpoint.

use crate::slack_support;

use std::time::Duration;

use serde_json::{json, Value};
use slack_support::*;

fn views_with(harness: &Harness, callback: &str) -> Vec<Value> {
    harness
        .fake
        .views()
        .into_iter()
        .filter(|v| v["callback_id"] == callback)
        .collect()
}

mod socket_mode;

#[tokio::test]
async fn declare_without_arguments_opens_the_modal_and_submitting_it_declares() {
    let harness = Harness::start().await;
    let ack = harness.incident(ALICE, ONCALL, "declare").await;
    assert_eq!(ack, Value::Null, "the modal is the answer");
    let views = views_with(&harness, "cp_declare");
    assert_eq!(views.len(), 1);
    let opened = harness.fake.calls_to("views.open");
    let trigger = opened[0].params["trigger_id"].as_str().unwrap();
    assert!(
        trigger.starts_with("12345.") && trigger.ends_with(".abcd"),
        "{trigger}"
    );
    let clients: Vec<&Value> = views[0]["blocks"][1]["element"]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| &o["value"])
        .collect();
    assert_eq!(clients, ["acme", "globex"]);

    let values = |client: &str, title: &str| {
        json!({
            "severity": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "P2"}, "value": "P2"}}},
            "client": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": client}, "value": client}}},
            "title": {"value": {"type": "plain_text_input", "value": title}},
        })
    };
    let refused = harness
        .interaction(&submission(
            ALICE,
            "cp_declare",
            ONCALL,
            values("initech", "Printers down"),
        ))
        .await;
    let refused: Value = refused.json().await.unwrap();
    assert_eq!(refused["response_action"], "errors");
    assert!(
        refused["errors"]["client"]
            .as_str()
            .unwrap()
            .contains("initech"),
        "{refused}"
    );
    assert!(harness.incidents().await.is_empty());

    let accepted = harness
        .interaction(&submission(
            ALICE,
            "cp_declare",
            ONCALL,
            values("globex", "Printers down"),
        ))
        .await;
    assert_eq!(accepted.status(), 200);
    assert!(
        accepted.text().await.unwrap().is_empty(),
        "an empty answer closes the modal"
    );
    harness.app.settle().await;
    let incident = harness.only_incident().await;
    assert_eq!(
        (
            incident.severity.to_string().as_str(),
            incident.client.as_str()
        ),
        ("P2", "globex")
    );
    let room = harness.rooms().pop().unwrap();
    assert!(room.name.ends_with("-globex-printers-down"));
    harness
        .wait_for("the declarer's ephemeral confirmation", |fake| {
            fake.ephemerals_in(ONCALL)
                .iter()
                .any(|m| m.ephemeral_to.as_deref() == Some(ALICE))
        })
        .await;
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn every_brief_button_acts_on_the_incident() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;

    let url = harness.fake.response_url("take-comms");
    let take = button(
        BOB,
        &room.id,
        json!({"action_id": "cp_take_comms", "type": "button"}),
        Some(url),
    );
    assert_eq!(harness.interaction(&take).await.status(), 200);
    harness
        .wait_for("the reply on the response_url", |fake| {
            fake.response_posts().iter().any(|p| p.id == "take-comms")
        })
        .await;
    let reply = harness
        .fake
        .response_posts()
        .into_iter()
        .find(|p| p.id == "take-comms")
        .unwrap();
    assert_eq!(reply.body["response_type"], "ephemeral");
    assert!(
        reply.body["text"]
            .as_str()
            .unwrap()
            .contains("is now comms"),
        "{:?}",
        reply.body
    );
    assert_eq!(
        harness.only_incident().await.roles.comms.unwrap().as_str(),
        BOB
    );

    let stage = button(
        ALICE,
        &room.id,
        json!({"action_id": "cp_stage", "type": "static_select",
        "selected_option": {"text": {"type": "plain_text", "text": "identified"}, "value": "identified"}}),
        None,
    );
    harness.interaction(&stage).await;
    assert_eq!(
        harness.only_incident().await.stage.to_string(),
        "identified"
    );

    let publish = button(
        BOB,
        &room.id,
        json!({"action_id": "cp_publish", "type": "button", "value": "We found the cause."}),
        None,
    );
    harness.interaction(&publish).await;
    harness.app.settle().await;
    let updates = harness.fake.messages_in(ACME_STATUS);
    assert_eq!(updates.len(), 1);
    assert!(updates[0]
        .text
        .as_deref()
        .unwrap()
        .contains("We found the cause."));

    // Someone without the role is refused privately (no response_url: an ephemeral message).
    let intruder = button(
        CAROL,
        &room.id,
        json!({"action_id": "cp_resolve", "type": "button"}),
        None,
    );
    harness.interaction(&intruder).await;
    harness
        .wait_for("the refusal", |fake| {
            fake.ephemerals_in(&room.id)
                .iter()
                .any(|m| m.ephemeral_to.as_deref() == Some(CAROL))
        })
        .await;
    assert!(!harness.only_incident().await.is_resolved());

    let resolve = button(
        ALICE,
        &room.id,
        json!({"action_id": "cp_resolve", "type": "button"}),
        None,
    );
    harness.interaction(&resolve).await;
    harness.app.settle().await;
    assert!(harness.only_incident().await.is_resolved());
    let room = harness.fake.channel_named(&room.name).unwrap();
    let brief = harness
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.ts == room.pins[0])
        .unwrap();
    assert!(brief.edited);
    assert_eq!(
        brief.blocks,
        Some(json!([])),
        "a resolved brief offers no buttons"
    );
    assert!(brief.text.unwrap().contains("resolved"));
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn the_nudge_offers_the_draft_to_publish_or_edit() {
    let harness = Harness::start().await;
    let room = harness.declare(ALICE, "P1 acme Email is down").await;
    harness
        .incident(ALICE, &room.id, "assign comms <@U0BOB>")
        .await;
    harness.app.settle().await;
    harness.app.clock.advance(Duration::from_secs(45));
    harness.app.settle().await;

    let nudge = harness
        .fake
        .messages_in(&room.id)
        .into_iter()
        .find(|m| m.text.as_deref().unwrap_or("").contains("Draft ready"))
        .expect("a nudge in the room");
    assert!(nudge.text.as_deref().unwrap().contains("<@U0BOB>"));
    let elements = nudge
        .blocks
        .as_ref()
        .unwrap()
        .as_array()
        .unwrap()
        .last()
        .unwrap()["elements"]
        .clone();
    assert_eq!(elements[0]["action_id"], "cp_publish");
    assert_eq!(elements[1]["action_id"], "cp_edit");
    let draft = elements[0]["value"].as_str().unwrap().to_owned();
    assert!(draft.contains("Email is down"), "{draft}");

    let edit = button(BOB, &room.id, elements[1].clone(), None);
    harness.interaction(&edit).await;
    let editor = views_with(&harness, "cp_update");
    assert_eq!(editor.len(), 1);
    assert_eq!(
        editor[0]["blocks"][0]["element"]["initial_value"],
        draft.as_str()
    );
    assert_eq!(editor[0]["private_metadata"], room.id.as_str());

    let edited = format!("{draft} Workaround: use webmail.");
    let values = json!({"text": {"value": {"type": "plain_text_input", "value": edited}}});
    let answer = harness
        .interaction(&submission(BOB, "cp_update", &room.id, values))
        .await;
    assert!(answer.text().await.unwrap().is_empty());
    harness.app.settle().await;
    let updates = harness.fake.messages_in(ACME_STATUS);
    assert_eq!(updates.len(), 1);
    assert!(updates[0]
        .text
        .as_deref()
        .unwrap()
        .contains("Workaround: use webmail."));

    // Publishing the same draft as it is sends a second update.
    let publish = button(BOB, &room.id, elements[0].clone(), None);
    harness.interaction(&publish).await;
    harness.app.settle().await;
    assert_eq!(harness.fake.messages_in(ACME_STATUS).len(), 2);
    assert_eq!(harness.only_incident().await.updates_landed, 2);
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn slow_work_is_acknowledged_within_slacks_three_seconds_and_finishes_after() {
    let harness = Harness::start().await;
    harness.fake.fail_next(
        "views.open",
        commandpost_chat_fakes::slack::Fault::Timeout(Duration::from_millis(3500)),
    );
    let ack = harness.incident(ALICE, ONCALL, "declare").await;
    // Acknowledged while the slow call (3.5 s, past Slack's 3 s) was still running: the fake
    // records a call only once it has answered it.
    assert!(
        harness.fake.calls_to("views.open").is_empty(),
        "the acknowledgement waited for views.open"
    );
    assert_eq!(ack, Value::Null);
    harness
        .wait_for("the form, opened after the acknowledgement", |fake| {
            fake.views()
                .iter()
                .any(|v| v["callback_id"] == "cp_declare")
        })
        .await;
    harness.assert_nothing_rejected();
}

#[tokio::test]
async fn a_submission_without_the_fields_slack_always_sends_declares_nothing() {
    let harness = Harness::start().await;
    let values = json!({
        "severity": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "P1"}, "value": "P1"}}},
        "client": {"value": {"type": "static_select", "selected_option": {"text": {"type": "plain_text", "text": "acme"}, "value": "acme"}}},
        "title": {"value": {"type": "plain_text_input", "value": "Email is down"}},
    });
    let complete = submission(ALICE, "cp_declare", ONCALL, values);
    for missing in [
        "/team",
        "/user",
        "/view/id",
        "/view/team_id",
        "/view/hash",
        "/view/title",
    ] {
        let mut partial = complete.clone();
        let (parent, key) = missing.rsplit_once('/').unwrap();
        partial
            .pointer_mut(if parent.is_empty() { "" } else { parent })
            .and_then(Value::as_object_mut)
            .unwrap()
            .remove(key);
        let response = harness.interaction(&partial).await;
        assert_eq!(response.status(), 200, "acknowledged without {missing}");
        harness.app.settle().await;
        assert!(
            harness.incidents().await.is_empty(),
            "a submission without {missing} declared an incident"
        );
    }
    // The same submission with every field declares: the refusals above were the missing fields.
    assert_eq!(harness.interaction(&complete).await.status(), 200);
    harness.app.settle().await;
    assert_eq!(harness.only_incident().await.client.as_str(), "acme");
}
