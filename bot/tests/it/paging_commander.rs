//! An incident monitoring declared that nobody took command of pages the on-call engineer
//! through PagerDuty, and resolving it closes the page.

use std::sync::Arc;
use std::time::Duration;

use commandpost::chat::ChatPlatform;
use commandpost::store::Store;
use commandpost::testing::app::spawn_app;
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use commandpost_chat_fakes::FakePagerDuty;

const KEY: &str = "R0123456789abcdef0123456789ABCDE";

fn actions(pager: &FakePagerDuty) -> Vec<(String, String)> {
    pager
        .accepted()
        .iter()
        .map(|e| {
            (
                e["event_action"].as_str().unwrap().to_owned(),
                e["dedup_key"].as_str().unwrap().to_owned(),
            )
        })
        .collect()
}

#[tokio::test]
async fn nobody_in_command_of_a_monitoring_incident_pages_and_the_resolution_closes_it() {
    const TOKEN: &str = "acme-alert-token-0123456789";
    let pager = FakePagerDuty::start().await.unwrap();
    let chat = Arc::new(RecordingPlatform::new("console"));
    let config = format!(
        r#"
database_url = "sqlite://{{dir}}/test.db"
[alerts]
propose = ["critical"]
auto_declare = {{ critical = "P1" }}
[paging]
pagerduty_routing_key = "{KEY}"
pagerduty_url = "{}"
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
alert_token = "{TOKEN}"
"#,
        pager.url()
    );
    let app = spawn_app(&config, false, vec![chat.clone() as Arc<dyn ChatPlatform>]).await;
    let alert = r#"{"title":"Mail queue stuck","severity":"critical","status":"firing","fingerprint":"mq-1","source":"zabbix"}"#;
    let status = reqwest::Client::new()
        .post(app.url("/alerts/acme"))
        .bearer_auth(TOKEN)
        .header("content-type", "application/json")
        .body(alert)
        .send()
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
    app.settle().await;
    app.clock.advance(Duration::from_secs(4 * 60));
    app.settle().await;
    assert!(pager.calls().is_empty(), "not yet");
    app.clock.advance(Duration::from_secs(61));
    app.settle().await;
    let incidents = app.app.store.incidents(&Default::default()).await.unwrap();
    let incident = &incidents[0];
    let accepted = pager.accepted();
    assert_eq!(accepted.len(), 1, "{accepted:?}");
    assert_eq!(accepted[0]["event_action"], "trigger");
    assert_eq!(accepted[0]["dedup_key"], incident.id.as_str());
    let summary = accepted[0]["payload"]["summary"].as_str().unwrap();
    assert!(
        summary.contains("Acme Corp") && summary.contains("no commander"),
        "{summary}"
    );

    let stored = app.app.store.incident(&incident.id).await.unwrap().unwrap();
    let room = stored.incident.rooms[0].room.clone();
    for line in [
        "/incident assign commander @alice",
        "/incident resolve Queue drained",
    ] {
        let request = console::line("alice", Some(&room), line);
        app.app.engine.handle(request).await.unwrap();
        app.settle().await;
    }
    assert_eq!(
        actions(&pager),
        [
            ("trigger".to_owned(), incident.id.to_string()),
            ("resolve".to_owned(), incident.id.to_string()),
        ]
    );
}
