//! An alert from monitoring becomes a proposal in Slack's on-call channel, and its Declare P1
//! button, clicked there, declares the incident for that alert's client and opens its room.

use crate::slack_support::*;
use serde_json::{json, Value};

const GRAFANA: &str = include_str!("fixtures/alerts/grafana.json");
const ACME_TOKEN: &str = "acme-alert-token-0123456789";

/// The buttons of a Block Kit message: (action_id, value).
fn buttons(blocks: &Value) -> Vec<(String, String)> {
    blocks
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|block| block["elements"].as_array().cloned().unwrap_or_default())
        .filter(|element| element["type"] == "button")
        .map(|b| {
            (
                b["action_id"].as_str().unwrap_or_default().to_owned(),
                b["value"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn an_alerts_declare_p1_clicked_in_slack_declares_for_that_client() {
    let fake = fake().await;
    let toml = config(&fake.api_url(), "sqlite://{dir}/test.db", "").replace(
        "name = \"Acme Corp\"",
        &format!("name = \"Acme Corp\"\nalert_token = \"{ACME_TOKEN}\""),
    ) + "\n[alerts]\npropose = [\"critical\", \"warning\"]\n";
    let h = Harness::on(fake, &toml, false).await;
    let posted = h
        .http
        .post(h.app.url("/alerts/acme"))
        .bearer_auth(ACME_TOKEN)
        .header("content-type", "application/json")
        .body(GRAFANA)
        .send()
        .await
        .unwrap();
    assert!(posted.status().is_success(), "{}", posted.status());
    h.app.settle().await;
    let proposals: Vec<_> = h
        .fake
        .messages_in(ONCALL)
        .into_iter()
        .filter(|m| {
            m.text
                .as_deref()
                .unwrap_or_default()
                .contains("Possible major incident")
        })
        .collect();
    assert_eq!(proposals.len(), 1, "{proposals:?}");
    let blocks = proposals[0].blocks.clone().unwrap_or(Value::Null);
    let (action_id, value) = buttons(&blocks)
        .into_iter()
        .find(|(id, _)| id == "cp_declare_alert")
        .unwrap_or_else(|| panic!("no Declare P1 button in {blocks}"));
    assert!(h.incidents().await.is_empty());

    let click = json!({"type": "button", "block_id": "cp_actions", "action_id": action_id,
        "value": value, "action_ts": "1700000000.000200"});
    let reply = format!("declare-alert-{}", h.fake.response_posts().len());
    let payload = button(BOB, ONCALL, click, Some(h.fake.response_url(&reply)));
    assert_eq!(h.interaction(&payload).await.status(), 200);
    h.app.settle().await;
    let incident = h.only_incident().await;
    assert_eq!(
        (
            incident.severity.to_string().as_str(),
            incident.client.as_str()
        ),
        ("P1", "acme")
    );
    assert!(
        h.rooms().iter().any(|room| room.name.contains("-acme-")),
        "the incident's room was opened: {:?}",
        h.rooms()
    );
    h.assert_nothing_rejected();
}
