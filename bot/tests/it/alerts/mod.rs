//! Alerts in: Alertmanager and Grafana posts propose a possible major incident once, Declare P1
//! declares and links, repeats are timeline notes, a cleared alert is told in the room; bad
//! posts are refused with nothing stored; auto-declare opens the room; a storm makes one
//! proposal and is counted. What monitoring declares on its own is in `auto_declare`.

mod auto_declare;

use std::sync::Arc;

use commandpost::chat::ChatPlatform;
use commandpost::commands::{Command, TriageCommand};
use commandpost::domain::{ClientId, EventKind};
use commandpost::effects::{Action, Destination};
use commandpost::store::{AlertStore, Store};
use commandpost::testing::app::{spawn_app, TestApp};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;

const ALERTMANAGER: &str = include_str!("../fixtures/alerts/alertmanager.json");
const GRAFANA: &str = include_str!("../fixtures/alerts/grafana.json");
const ACME_TOKEN: &str = "acme-alert-token-0123456789";
const GLOBEX_TOKEN: &str = "globex-alert-token-0123456789";
/// Only the storm test posts for initech: metrics are counted per process, across tests.
const INITECH_TOKEN: &str = "initech-alert-token-0123456789";

fn config(extra: &str, database_url: &str) -> String {
    format!(
        r#"
database_url = "{database_url}"
[policy]
managers = ["console:maria"]
[alerts]
propose = ["critical", "warning"]
cooldown = "10m"
{extra}
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
alert_token = "{ACME_TOKEN}"
[[clients]]
id = "globex"
name = "Globex"
public_status = true
alert_token = "{GLOBEX_TOKEN}"
[[clients]]
id = "initech"
name = "Initech"
public_status = true
alert_token = "{INITECH_TOKEN}"
"#
    )
}

struct World {
    app: TestApp,
    chat: Arc<RecordingPlatform>,
    http: reqwest::Client,
}

impl World {
    async fn new(extra: &str) -> Self {
        Self::on(extra, "sqlite://{dir}/test.db").await
    }

    async fn on(extra: &str, database_url: &str) -> Self {
        let chat = Arc::new(RecordingPlatform::new("console"));
        let app = spawn_app(
            &config(extra, database_url),
            false,
            vec![chat.clone() as Arc<dyn ChatPlatform>],
        )
        .await;
        Self {
            app,
            chat,
            http: reqwest::Client::new(),
        }
    }

    async fn post(
        &self,
        client: &str,
        token: Option<&str>,
        body: &str,
    ) -> (u16, serde_json::Value) {
        let mut request = self
            .http
            .post(self.app.url(&format!("/alerts/{client}")))
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.unwrap();
        let status = response.status().as_u16();
        let body = response.json().await.unwrap_or_default();
        self.app.settle().await;
        (status, body)
    }

    fn proposals(&self) -> Vec<commandpost::testing::recording::Delivered> {
        self.chat
            .delivered()
            .into_iter()
            .filter(|d| matches!(d.destination, Destination::OnCall { .. }))
            .filter(|d| d.text.contains("Possible major incident"))
            .collect()
    }

    async fn press(
        &self,
        user: &str,
        command: Command,
    ) -> Result<commandpost::engine::Response, String> {
        let request = console::request(user, None, command);
        let response = self
            .app
            .app
            .engine
            .handle(request)
            .await
            .map_err(|e| e.user_message());
        self.app.settle().await;
        response
    }

    async fn only_incident(&self) -> commandpost::domain::Incident {
        let incidents = self
            .app
            .app
            .store
            .incidents(&Default::default())
            .await
            .unwrap();
        assert_eq!(incidents.len(), 1, "{incidents:?}");
        incidents[0].clone()
    }
}

#[tokio::test]
async fn a_firing_group_is_proposed_once_declared_by_the_button_and_noted_after() {
    proposed_declared_noted(World::new("").await).await;
}

#[tokio::test]
async fn a_firing_group_is_proposed_once_declared_by_the_button_and_noted_after_on_postgres() {
    let url = commandpost::testing::postgres::fresh_database().await;
    proposed_declared_noted(World::on("", &url).await).await;
}

async fn proposed_declared_noted(world: World) {
    let (status, answer) = world.post("acme", Some(ACME_TOKEN), ALERTMANAGER).await;
    assert_eq!(status, 202, "{answer}");
    assert_eq!(answer["proposed"], 1);
    let proposals = world.proposals();
    assert_eq!(proposals.len(), 1);
    assert!(proposals[0]
        .text
        .contains("Possible major incident for Acme Corp"));
    assert!(proposals[0]
        .text
        .contains("Exchange Online MX does not answer"));
    assert!(proposals[0]
        .text
        .contains("https://wiki.msp.example/runbooks/mx"));

    // The same group again, and another group inside the cooldown: counted, not posted.
    world.post("acme", Some(ACME_TOKEN), ALERTMANAGER).await;
    let (_, answer) = world.post("acme", Some(ACME_TOKEN), GRAFANA).await;
    assert_eq!(answer["proposed"], 0);
    assert_eq!(world.proposals().len(), 1);

    let Some(Action::DeclareFromAlert { client, group }) = proposals[0].actions.first().cloned()
    else {
        panic!("a Declare P1 button: {:?}", proposals[0].actions);
    };
    assert_eq!(client.as_str(), "acme");
    let declared = world
        .press(
            "alice",
            Command::Triage(TriageCommand::DeclareFromAlert {
                client: client.clone(),
                group,
            }),
        )
        .await
        .unwrap();
    assert!(declared.text.contains("Declared"), "{}", declared.text);
    let again = world
        .press(
            "bob",
            Command::Triage(TriageCommand::DeclareFromAlert { client, group }),
        )
        .await
        .unwrap_err();
    assert!(again.contains("already declared"), "{again}");
    let incident = world.only_incident().await;
    assert_eq!(incident.title, "Exchange Online MX does not answer");

    // A repeat is a timeline note on the linked incident, nothing more.
    let posted = world.chat.delivered().len();
    world.post("acme", Some(ACME_TOKEN), ALERTMANAGER).await;
    let timeline = world.app.app.store.timeline(&incident.id).await.unwrap();
    assert!(
        timeline.iter().any(|e| matches!(
            &e.kind,
            EventKind::AlertNoted {
                firing: true,
                received: 3,
                ..
            }
        )),
        "{timeline:?}"
    );
    assert_eq!(
        world.chat.delivered().len(),
        posted,
        "a repeat posts nothing"
    );

    // Resolved: the room hears that the alerts cleared.
    let resolved = ALERTMANAGER.replace("\"status\": \"firing\"", "\"status\": \"resolved\"");
    world.post("acme", Some(ACME_TOKEN), &resolved).await;
    let room = world
        .chat
        .texts_to(|d| matches!(d, Destination::Room { .. }));
    assert!(
        room.iter()
            .any(|t| t.contains("All alerts for this incident have cleared")
                && t.contains("/incident stage monitoring")),
        "{room:?}"
    );
}

#[tokio::test]
async fn bad_posts_are_refused_and_nothing_is_stored() {
    let world = World::new("").await;
    let cases: Vec<(&str, Option<&str>, String, u16)> = vec![
        ("acme", None, ALERTMANAGER.to_owned(), 401),
        (
            "acme",
            Some("acme-alert-token-wrong-wrong"),
            ALERTMANAGER.to_owned(),
            401,
        ),
        ("acme", Some(GLOBEX_TOKEN), ALERTMANAGER.to_owned(), 401),
        ("nobody", Some(ACME_TOKEN), ALERTMANAGER.to_owned(), 401),
        (
            "acme",
            Some(ACME_TOKEN),
            "{\"version\":\"4\",\"alerts\":[{\"status\":\"firing\"}]}".to_owned(),
            400,
        ),
        ("acme", Some(ACME_TOKEN), "not json".to_owned(), 400),
        (
            "acme",
            Some(ACME_TOKEN),
            format!("{{\"pad\":\"{}\"}}", "x".repeat(2 * 1024 * 1024)),
            413,
        ),
    ];
    for (client, token, body, expected) in cases {
        let (status, answer) = world.post(client, token, &body).await;
        assert_eq!(status, expected, "{client} {token:?}: {answer}");
        if expected == 400 {
            let error = answer["error"].as_str().unwrap_or_default().to_owned();
            assert!(
                error.contains("labels") || error.contains("JSON"),
                "{error}"
            );
        }
        if expected == 401 {
            let error = answer["error"].as_str().unwrap_or_default().to_owned();
            assert!(
                !error.contains("globex") && !error.contains("acme"),
                "{error}"
            );
        }
    }
    assert!(world.chat.delivered().is_empty(), "nothing posted");
    assert_eq!(
        world.app.app.store.alert_group(1).await.unwrap(),
        None,
        "nothing stored"
    );
    let acme = ClientId::parse("acme").unwrap();
    assert_eq!(
        world.app.app.store.last_proposal(&acme).await.unwrap(),
        None
    );
}

#[tokio::test]
async fn a_storm_of_a_thousand_alerts_makes_one_proposal_and_is_counted() {
    let world = World::new("").await;
    for batch in 0..10 {
        let alerts: Vec<String> = (0..100)
            .map(|n| {
                format!(
                    r#"{{"status":"firing","labels":{{"alertname":"DiskFull","severity":"warning","instance":"host-{batch}-{n}"}}}}"#
                )
            })
            .collect();
        let body = format!(r#"{{"version":"4","alerts":[{}]}}"#, alerts.join(","));
        let (status, _) = world.post("initech", Some(INITECH_TOKEN), &body).await;
        assert_eq!(status, 202);
    }
    assert_eq!(world.proposals().len(), 1);
    let metrics = reqwest::get(world.app.metrics_url("/metrics"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains(r#"commandpost_alerts_received_total{client="initech"} 1000"#),
        "{metrics}"
    );
    // A rise in severity within the cooldown is proposed.
    world
        .post("initech", Some(INITECH_TOKEN), ALERTMANAGER)
        .await;
    assert_eq!(world.proposals().len(), 2);
}
