//! Level-1 triage from Slack end to end against the fake: `/help` and plain support-channel
//! messages answered with the client's own articles and buttons, the buttons' flows (solved,
//! still need help → on-call ticket → Take it), and a burst declared as a P1 with one click.

use crate::slack_support::*;
use commandpost::domain::triage::TriageOutcome;
use commandpost::domain::{Severity, UserId};
use commandpost::testing::kb::sample_kb;
use serde_json::{json, Value};

const GLOBEX_SUPPORT: &str = "C0GLOBEXSUPPORT";
const DAVE: &str = "U0DAVE";

pub(crate) struct Triage {
    pub(crate) h: Harness,
    _kb: tempfile::TempDir,
}

pub(crate) async fn start(socket_mode: bool) -> Triage {
    let kb = sample_kb();
    let fake = fake().await;
    fake.add_channel(GLOBEX_SUPPORT, "globex-support");
    let app_token = if socket_mode {
        format!("app_token = \"{}\"", fake.app_token())
    } else {
        String::new()
    };
    let toml = format!(
        r#"
database_url = "sqlite://{{dir}}/test.db"
kb_dir = "{kb}"

[triage]
burst_threshold = 3
burst_window = "10m"

[slack]
bot_token = "xoxb-test"
signing_secret = "{SECRET}"
api_url = "{api}"
oncall_channel = "{ONCALL}"
{app_token}

[[clients]]
id = "acme"
name = "Acme Corp"
slack_status_channel = "{ACME_STATUS}"
slack_support_channel = "{ACME_SUPPORT}"

[[clients]]
id = "globex"
name = "Globex"
slack_status_channel = "{GLOBEX_STATUS}"
slack_support_channel = "{GLOBEX_SUPPORT}"
"#,
        kb = kb.path().display(),
        api = fake.api_url(),
    );
    let h = Harness::on(fake, &toml, socket_mode).await;
    Triage { h, _kb: kb }
}

/// The buttons of a message's blocks: (action_id, value).
fn buttons(blocks: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for block in blocks.as_array().into_iter().flatten() {
        for element in block["elements"].as_array().into_iter().flatten() {
            out.push((
                element["action_id"].as_str().unwrap_or_default().to_owned(),
                element["value"].as_str().unwrap_or_default().to_owned(),
            ));
        }
    }
    out
}

pub(crate) fn text(reply: &Value) -> &str {
    reply["text"].as_str().unwrap_or_default()
}

fn value_of(blocks: &Value, action_id: &str) -> String {
    buttons(blocks)
        .into_iter()
        .find(|(id, _)| id == action_id)
        .unwrap_or_else(|| panic!("no {action_id} button in {blocks}"))
        .1
}

/// Non-ephemeral posts in a channel: (text, blocks).
pub(crate) fn posts(t: &Triage, channel: &str) -> Vec<(String, Value)> {
    t.h.fake
        .messages_in(channel)
        .into_iter()
        .filter(|m| m.ephemeral_to.is_none())
        .map(|m| (m.text.unwrap_or_default(), m.blocks.unwrap_or(Value::Null)))
        .collect()
}

impl Triage {
    pub(crate) async fn help(&self, user: &str, channel: &str, question: &str) -> Value {
        let ack = self.h.slash("/help", user, channel, question).await;
        assert_eq!(ack["response_type"], "ephemeral", "{ack}");
        ack
    }

    /// Clicks a button and returns the reply posted to the interaction's `response_url`.
    async fn click(&self, user: &str, channel: &str, action_id: &str, value: &str) -> Value {
        let reply_id = format!(
            "{action_id}-{user}-{value}-{}",
            self.h.fake.response_posts().len()
        );
        let action = json!({"type": "button", "block_id": "cp_actions", "action_id": action_id,
            "value": value, "action_ts": "1700000000.000200"});
        let payload = button(
            user,
            channel,
            action,
            Some(self.h.fake.response_url(&reply_id)),
        );
        assert_eq!(self.h.interaction(&payload).await.status(), 200);
        self.h
            .wait_for("the reply", |f| {
                f.response_posts().iter().any(|p| p.id == reply_id)
            })
            .await;
        let reply = self
            .h
            .fake
            .response_posts()
            .into_iter()
            .find(|p| p.id == reply_id);
        let body = reply.unwrap().body;
        assert_eq!(body["response_type"], "ephemeral", "{body}");
        body
    }

    pub(crate) async fn outcome(
        &self,
        request: &str,
    ) -> commandpost::domain::triage::TriageRequest {
        let store = self.h.app.app.engine.store();
        store
            .triage_request(request.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
    }

    pub(crate) fn done(&self) {
        self.h.assert_nothing_rejected();
    }
}

#[tokio::test]
async fn help_suggests_the_asking_clients_articles_with_buttons() {
    let t = start(false).await;
    let acme = t
        .help(ALICE, ACME_SUPPORT, "citrix gateway login fails")
        .await;
    assert!(text(&acme).contains("Acme Citrix gateway login"), "{acme}");
    let request = value_of(&acme["blocks"], "cp_solved");
    assert_eq!(value_of(&acme["blocks"], "cp_still_need_help"), request);

    let globex = t
        .help(DAVE, GLOBEX_SUPPORT, "citrix gateway login fails")
        .await;
    assert!(
        !globex.to_string().to_lowercase().contains("acme"),
        "leak: {globex}"
    );
    assert!(text(&globex).contains("passed it to the on-call team"));

    let sap = "SAP portal password expired";
    let acme_sap = t.help(ALICE, ACME_SUPPORT, sap).await;
    assert!(
        !acme_sap.to_string().contains("Globex SAP"),
        "leak: {acme_sap}"
    );
    let globex_sap = t.help(DAVE, GLOBEX_SUPPORT, sap).await;
    assert!(text(&globex_sap).contains("Globex SAP portal password"));

    let elsewhere =
        t.h.slash("/help", ALICE, ONCALL, "vpn will not connect")
            .await;
    assert!(text(&elsewhere).contains("support channel"), "{elsewhere}");
    t.h.app.settle().await;
    t.done();
}

#[tokio::test]
async fn this_solved_it_is_recorded_and_only_the_asker_may_say_so() {
    let t = start(false).await;
    let answer = t.help(ALICE, ACME_SUPPORT, "outlook wont open").await;
    let request = value_of(&answer["blocks"], "cp_solved");
    let refused = t.click(BOB, ACME_SUPPORT, "cp_solved", &request).await;
    assert!(text(&refused).contains("only the person who asked"));
    let solved = t.click(ALICE, ACME_SUPPORT, "cp_solved", &request).await;
    assert!(text(&solved).contains("marked as solved"), "{solved}");
    assert_eq!(t.outcome(&request).await.outcome, TriageOutcome::Solved);
    t.h.app.settle().await;
    assert!(posts(&t, ONCALL).is_empty(), "a deflection bothers nobody");
    t.done();
}

#[tokio::test]
async fn still_need_help_goes_on_call_and_the_asker_hears_who_took_it() {
    let t = start(false).await;
    let answer = t.help(ALICE, ACME_SUPPORT, "vpn will not connect").await;
    let request = value_of(&answer["blocks"], "cp_still_need_help");
    let escalated = t
        .click(ALICE, ACME_SUPPORT, "cp_still_need_help", &request)
        .await;
    assert!(text(&escalated).contains("TKT-0001"), "{escalated}");
    t.h.app.settle().await;
    let oncall = posts(&t, ONCALL);
    assert_eq!(oncall.len(), 1, "{oncall:?}");
    let (ticket, blocks) = &oncall[0];
    assert!(
        ticket.contains("TKT-0001") && ticket.contains("<@U0ALICE>"),
        "{ticket}"
    );
    assert!(
        ticket.contains("suggested and not enough: vpn-not-connecting"),
        "{ticket}"
    );
    assert_eq!(value_of(blocks, "cp_take_ticket"), request);

    let took = t.click(BOB, ONCALL, "cp_take_ticket", &request).await;
    assert!(text(&took).contains("You took TKT-0001"), "{took}");
    t.h.app.settle().await;
    let told = posts(&t, ACME_SUPPORT);
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0]
            .0
            .contains("<@U0ALICE> <@U0BOB> from the service desk has taken your request TKT-0001"),
        "{told:?}"
    );
    assert_eq!(t.outcome(&request).await.taken_by, Some(UserId::new(BOB)));
    let late = t.click(CAROL, ONCALL, "cp_take_ticket", &request).await;
    assert!(text(&late).contains("someone else has already taken"));
    t.done();
}

#[tokio::test]
async fn a_question_no_article_fits_is_escalated_at_once() {
    let t = start(false).await;
    let answer = t
        .help(
            ALICE,
            ACME_SUPPORT,
            "the flux capacitor makes a grinding noise",
        )
        .await;
    assert!(text(&answer).contains("No article fits"), "{answer}");
    assert!(buttons(&answer["blocks"]).is_empty(), "{answer}");
    t.h.app.settle().await;
    let oncall = posts(&t, ONCALL);
    assert_eq!(oncall.len(), 1, "{oncall:?}");
    assert!(oncall[0].0.contains("no article fits"), "{oncall:?}");
    let request = value_of(&oncall[0].1, "cp_take_ticket");
    assert_eq!(t.outcome(&request).await.outcome, TriageOutcome::Escalated);
    t.done();
}

pub(crate) fn message_event(event_id: &str, user: &str, channel: &str, text: &str) -> Value {
    json!({"type": "event_callback", "team_id": "T0FAKETEAM", "api_app_id": "A0FAKEAPP",
        "event_id": event_id, "event_time": 1_700_000_000,
        "event": {"type": "message", "user": user, "channel": channel, "text": text,
                  "ts": "1700000000.000300", "channel_type": "channel"}})
}

pub(crate) fn ephemerals_to(t: &Triage, channel: &str, user: &str) -> Vec<(String, Value)> {
    t.h.fake
        .ephemerals_in(channel)
        .into_iter()
        .filter(|m| m.ephemeral_to.as_deref() == Some(user))
        .map(|m| (m.text.unwrap_or_default(), m.blocks.unwrap_or(Value::Null)))
        .collect()
}

#[tokio::test]
async fn a_plain_message_in_a_support_channel_is_triaged_once() {
    let t = start(false).await;
    let event = message_event(
        "Ev0PLAIN1",
        ALICE,
        ACME_SUPPORT,
        "<@U0FAKEBOT> Outlook wont open",
    );
    assert_eq!(t.h.event(&event, None).await.status(), 200);
    assert_eq!(t.h.event(&event, Some(1)).await.status(), 200);
    let answers = ephemerals_to(&t, ACME_SUPPORT, ALICE);
    assert_eq!(
        answers.len(),
        1,
        "answered once despite the retry: {answers:?}"
    );
    assert!(
        answers[0].0.contains("Outlook will not open"),
        "{answers:?}"
    );
    let request = value_of(&answers[0].1, "cp_solved");
    let solved = t.click(ALICE, ACME_SUPPORT, "cp_solved", &request).await;
    assert!(text(&solved).contains("solved"), "{solved}");

    // Outside a support channel a message is only conversation.
    let chatter = message_event("Ev0PLAIN2", ALICE, ONCALL, "outlook wont open");
    t.h.event(&chatter, None).await;
    assert!(t.h.fake.ephemerals_in(ONCALL).is_empty());
    assert_eq!(t.h.fake.calls_to("chat.postEphemeral").len(), 1);

    // A private support channel (`message.groups`, as Slack Connect channels often are) too.
    let mut private = message_event("Ev0PLAIN3", BOB, ACME_SUPPORT, "vpn will not connect");
    private["event"]["channel_type"] = json!("group");
    assert_eq!(t.h.event(&private, None).await.status(), 200);
    let answers = ephemerals_to(&t, ACME_SUPPORT, BOB);
    assert!(answers[0].0.contains("VPN will not connect"), "{answers:?}");
    t.done();
}

#[tokio::test]
async fn socket_mode_support_messages_are_triaged_too() {
    let t = start(true).await;
    t.h.wait_for("a Socket Mode connection", |f| {
        f.socket_open_connections() == 1
    })
    .await;
    let event = message_event("Ev0SOCKETPLAIN", BOB, ACME_SUPPORT, "vpn will not connect");
    let envelope =
        t.h.fake
            .socket_send(json!({"type": "events_api", "payload": event,
        "retry_attempt": 0, "retry_reason": ""}));
    t.h.wait_for("the answer", |f| !f.ephemerals_in(ACME_SUPPORT).is_empty())
        .await;
    let answers = ephemerals_to(&t, ACME_SUPPORT, BOB);
    assert!(
        answers[0].0.contains("VPN will not connect from home"),
        "{answers:?}"
    );
    assert_eq!(buttons(&answers[0].1).len(), 2, "{answers:?}");
    t.h.wait_for("the acknowledgement", |f| {
        f.socket_acks()
            .iter()
            .any(|a| a["envelope_id"] == envelope.as_str())
    })
    .await;
    t.done();
}

#[tokio::test]
async fn three_people_asking_alike_is_one_alert_declared_with_one_click() {
    let t = start(false).await;
    for (n, user) in [ALICE, BOB, CAROL].into_iter().enumerate() {
        let event = message_event(
            &format!("Ev0BURST{n}"),
            user,
            ACME_SUPPORT,
            "outlook will not open",
        );
        t.h.event(&event, None).await;
    }
    t.help(DAVE, GLOBEX_SUPPORT, "outlook will not open").await;
    t.h.app.settle().await;
    let alerts: Vec<(String, Value)> = posts(&t, ONCALL)
        .into_iter()
        .filter(|(text, _)| text.contains("Possible major incident"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(
        alerts[0]
            .0
            .contains("Possible major incident for Acme Corp"),
        "{alerts:?}"
    );
    assert!(alerts[0].0.contains("3 people"), "{alerts:?}");
    let burst = value_of(&alerts[0].1, "cp_declare_burst");
    assert_eq!(burst, "acme:1-3", "the globex question is not part of it");

    let declared = t
        .click("U0MANAGER", ONCALL, "cp_declare_burst", &burst)
        .await;
    assert!(text(&declared).contains("Declared INC-"), "{declared}");
    t.h.app.settle().await;
    let incident = t.h.only_incident().await;
    assert_eq!(incident.severity, Severity::P1);
    assert_eq!(t.h.rooms().len(), 1, "the P1's room opened");
    for request in ["1", "2", "3"] {
        assert_eq!(
            t.outcome(request).await.incident_id,
            Some(incident.id.clone())
        );
    }
    assert!(t.outcome("4").await.incident_id.is_none());
    t.done();
}
