//! Who may command: `/incident` is for responders and managers. A client's staff (a Slack guest,
//! a Slack Connect user, a Discord member without a responder role) is refused privately, and
//! nothing is stored or posted; no reply names another client. Discord incident rooms are
//! hidden from @everyone.

use crate::discord_support;
use crate::slack_support;

use commandpost::store::{IncidentFilter, Store};
use commandpost_chat_fakes::slack::Membership;
use serde_json::{json, Value};

async fn version_of(
    app: &commandpost::testing::app::TestApp,
    id: &commandpost::domain::IncidentId,
) -> i64 {
    app.app.store.incident(id).await.unwrap().unwrap().version
}

const GUEST: &str = "U0ACMEGUEST";
const EXTERNAL: &str = "U0ACMECONNECT";

fn refusal_text(ack: &Value) -> String {
    assert_eq!(ack["response_type"], "ephemeral", "{ack}");
    let text = ack["text"].as_str().unwrap_or_default().to_owned();
    assert!(text.contains("only responders"), "{text}");
    text
}

/// Every `/incident` form an outsider might try, in the on-call channel and in a room.
async fn slack_outsider_is_refused_everything(outsider: &str, database_url: &str) {
    let fake = slack_support::fake().await;
    let toml = slack_support::config(&fake.api_url(), database_url, "");
    let h = slack_support::Harness::on(fake, &toml, false).await;
    h.fake.add_outsider(GUEST, "acme guest", Membership::Guest);
    h.fake
        .add_outsider(EXTERNAL, "acme connect", Membership::External);
    let room = h
        .declare(slack_support::ALICE, "P1 acme Email is down")
        .await;
    let before = h.only_incident().await;
    let version = version_of(&h.app, &before.id).await;
    let timeline = h.app.app.store.timeline(&before.id).await.unwrap().len();
    let writes = h.write_calls().len();

    let declare = h
        .incident(
            outsider,
            slack_support::ONCALL,
            "declare P1 globex Fake outage",
        )
        .await;
    let text = refusal_text(&declare);
    for other in ["globex", "Globex", "acme", "Acme"] {
        assert!(!text.contains(other), "a refusal names a client: {text}");
    }
    for command in [
        "assign comms <@U0ACMEGUEST>",
        "update All fixed, nothing to see here",
        "severity P4",
        "resolve Not an incident",
        "status",
    ] {
        let ack = h.incident(outsider, &room.id, command).await;
        refusal_text(&ack);
    }
    // The declare form's button and the brief's buttons are /incident too.
    let publish = slack_support::button(
        outsider,
        &room.id,
        json!({"action_id": "cp_publish", "value": "Phishing text", "type": "button"}),
        None,
    );
    assert_eq!(h.interaction(&publish).await.status(), 200);
    h.app.settle().await;

    let incidents = h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(
        incidents.len(),
        1,
        "no incident was declared by an outsider"
    );
    assert_eq!(version_of(&h.app, &before.id).await, version, "unchanged");
    assert_eq!(
        h.app.app.store.timeline(&before.id).await.unwrap().len(),
        timeline,
        "nothing reached the timeline"
    );
    let posted: Vec<String> = h.write_calls().split_off(writes);
    assert!(
        posted.iter().all(|method| method == "chat.postEphemeral"),
        "only private refusals were sent: {posted:?}"
    );
    assert!(h.fake.messages_in(slack_support::GLOBEX_STATUS).is_empty());
    assert!(h.fake.messages_in(slack_support::ACME_STATUS).is_empty());
    h.assert_nothing_rejected();
}

#[tokio::test]
async fn a_slack_guest_may_not_command() {
    slack_outsider_is_refused_everything(GUEST, "sqlite://{dir}/test.db").await;
}

#[tokio::test]
async fn a_slack_connect_user_from_another_organisation_may_not_command() {
    slack_outsider_is_refused_everything(EXTERNAL, "sqlite://{dir}/test.db").await;
}

#[tokio::test]
async fn on_postgres_an_outsider_leaves_nothing_in_the_store_either() {
    let url = commandpost::testing::postgres::fresh_database().await;
    slack_outsider_is_refused_everything(EXTERNAL, &url).await;
}

#[tokio::test]
async fn slack_responders_are_the_listed_people_and_groups_members_only() {
    let fake = slack_support::fake().await;
    fake.add_usergroup("S0ONCALL", &[slack_support::CAROL]);
    let toml = slack_support::config(
        &fake.api_url(),
        "sqlite://{dir}/test.db",
        r#"responders = ["U0ALICE", "S0ONCALL"]"#,
    );
    let h = slack_support::Harness::on(fake, &toml, false).await;

    // Bob is a full member of the workspace, but not a listed responder.
    let bob = h
        .incident(
            slack_support::BOB,
            slack_support::ONCALL,
            "declare P1 acme Mail down",
        )
        .await;
    refusal_text(&bob);
    assert!(h.incidents().await.is_empty());

    let carol = h
        .incident(
            slack_support::CAROL,
            slack_support::ONCALL,
            "declare P1 acme Mail down",
        )
        .await;
    assert!(
        carol["text"].as_str().unwrap().contains("Declared"),
        "{carol}"
    );
    // A manager may always command.
    let manager = h
        .incident(
            "U0MANAGER",
            slack_support::ONCALL,
            "declare P2 globex VPN slow",
        )
        .await;
    assert!(
        manager["text"].as_str().unwrap().contains("Declared"),
        "{manager}"
    );
    assert_eq!(h.incidents().await.len(), 2);
    assert_eq!(h.fake.calls_to("usergroups.users.list").len(), 1, "cached");
}

#[tokio::test]
async fn an_unknown_client_is_named_without_listing_the_others() {
    let h = slack_support::Harness::start().await;
    let ack = h
        .incident(
            slack_support::ALICE,
            slack_support::ONCALL,
            "declare P1 initech Fire",
        )
        .await;
    let text = ack["text"].as_str().unwrap();
    assert!(text.contains("no client `initech` is configured"), "{text}");
    assert!(!text.contains("acme") && !text.contains("globex"), "{text}");
}

#[tokio::test]
async fn a_discord_member_without_a_responder_role_may_not_command() {
    use discord_support::*;
    const CLIENT_STAFF: &str = "1500000000000000004";
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    let before = h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap();
    let version = version_of(&h.app, &before[0].id).await;
    let writes = h.fake.calls().len();

    let attempts = [
        (
            "declare",
            json!([
                opt("severity", "P1"),
                opt("client", "globex"),
                opt("title", "Fake")
            ]),
        ),
        (
            "assign",
            json!([
                opt("role", "comms"),
                json!({"name": "user", "type": 6, "value": CLIENT_STAFF})
            ]),
        ),
        ("update", json!([opt("text", "All fixed")])),
        ("resolve", json!([])),
    ];
    for (sub, options) in attempts {
        let channel = if sub == "declare" {
            GENERAL
        } else {
            room.id.as_str()
        };
        let answer = h.incident(CLIENT_STAFF, channel, sub, options).await;
        assert_eq!(answer["data"]["flags"], 64, "private: {answer}");
        let text = Harness::reply_text(&answer);
        assert!(text.contains("only responders"), "{sub}: {text}");
        assert!(!text.contains("globex") && !text.contains("acme"), "{text}");
    }
    h.app.settle().await;
    let after = h
        .app
        .app
        .store
        .incidents(&IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!(version_of(&h.app, &after[0].id).await, version, "unchanged");
    let sent: Vec<_> = h.fake.calls().split_off(writes);
    assert!(
        sent.iter()
            .all(|call| call.method == "GET" || call.template.starts_with("/interactions/")),
        "nothing but the private answers was posted: {sent:#?}"
    );
    assert!(h.texts_in(GLOBEX_STATUS).is_empty() && h.texts_in(ACME_STATUS).is_empty());
    h.assert_no_rejected_calls();
}

#[tokio::test]
async fn discord_incident_rooms_are_hidden_from_everyone_but_responders() {
    use discord_support::*;
    let h = Harness::start("", false).await;
    let room = h.declare().await;
    let category = h
        .fake
        .channels()
        .into_iter()
        .find(|c| c.kind == 4)
        .expect("the Incidents category");
    assert_eq!(room.parent_id.as_deref(), Some(category.id.as_str()));
    for channel in [&category, &room] {
        let overwrites = &channel.permission_overwrites;
        let of = |id: &str| {
            overwrites
                .iter()
                .find(|o| o["id"] == id)
                .unwrap_or_else(|| {
                    panic!("no overwrite for {id} on {}: {overwrites:?}", channel.name)
                })
        };
        let bits = |o: &Value, key: &str| o[key].as_str().unwrap().parse::<u64>().unwrap();
        let view = 1 << 10;
        assert_eq!(
            bits(of(h.fake.guild_id()), "deny") & view,
            view,
            "@everyone denied"
        );
        assert_eq!(
            bits(of(RESPONDER_ROLE), "allow") & view,
            view,
            "responders allowed"
        );
        assert_eq!(bits(of(MANAGER), "allow") & view, view, "managers allowed");
        assert_eq!(
            bits(of(h.fake.application_id()), "allow") & view,
            view,
            "the bot allowed"
        );
    }
    h.assert_no_rejected_calls();
}
