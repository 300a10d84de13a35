//! Level-1 triage from Discord end to end against the fake: `/help` answered privately with the
//! client's own articles and buttons, the buttons' flows (solved, still need help → on-call
//! ticket → Take it), support-channel messages from the gateway answered with a reply, and a
//! burst declared as a P1 with one click.

use crate::discord_support::*;
use commandpost::domain::triage::TriageOutcome;
use commandpost::domain::{Severity, UserId};
use commandpost::testing::kb::sample_kb;
use commandpost_chat_fakes::discord::DiscordMessage;
use commandpost_chat_fakes::discord_test_keys;
use serde_json::{json, Value};

const GLOBEX_SUPPORT: &str = "1300000000000000015";
const DAVE: &str = "1500000000000000004";

struct Triage {
    h: Harness,
    _kb: tempfile::TempDir,
}

async fn start(gateway: bool) -> Triage {
    let kb = sample_kb();
    let fake = fake().await;
    fake.add_channel(GLOBEX_SUPPORT, "globex-support");
    let toml = format!(
        r#"
database_url = "sqlite://{{dir}}/test.db"
kb_dir = "{kb}"

[triage]
burst_threshold = 3
burst_window = "10m"

[discord]
application_id = "{app}"
public_key = "{public_key}"
bot_token = "{token}"
guild_id = "{guild}"
api_url = "{api}"
oncall_channel = "{ONCALL}"
gateway = {gateway}
responder_roles = ["{RESPONDER_ROLE}"]

[policy]
managers = ["discord:{MANAGER}"]

[[clients]]
id = "acme"
name = "Acme Corp"
discord_status_channel = "{ACME_STATUS}"
discord_support_channel = "{ACME_SUPPORT}"

[[clients]]
id = "globex"
name = "Globex"
discord_status_channel = "{GLOBEX_STATUS}"
discord_support_channel = "{GLOBEX_SUPPORT}"
"#,
        kb = kb.path().display(),
        public_key = discord_test_keys().1,
        app = fake.application_id(),
        token = fake.bot_token(),
        guild = fake.guild_id(),
        api = fake.api_url(),
    );
    let h = Harness::on(fake, &toml, gateway).await;
    Triage { h, _kb: kb }
}

/// The custom ids of a message's buttons.
fn custom_ids(components: &[Value]) -> Vec<String> {
    components
        .iter()
        .flat_map(|row| row["components"].as_array().cloned().unwrap_or_default())
        .filter_map(|c| c["custom_id"].as_str().map(str::to_owned))
        .collect()
}

fn custom_id(components: &[Value], prefix: &str) -> String {
    custom_ids(components)
        .into_iter()
        .find(|id| id.starts_with(prefix))
        .unwrap_or_else(|| panic!("no {prefix} button in {components:?}"))
}

/// Bot posts in a channel (not interaction answers).
fn posts(t: &Triage, channel: &str) -> Vec<DiscordMessage> {
    t.h.fake
        .messages_in(channel)
        .into_iter()
        .filter(|m| m.interaction_token.is_none())
        .collect()
}

impl Triage {
    /// `/help` as `user` in `channel`: the private answer's data.
    async fn help(&self, user: &str, channel: &str, question: &str) -> Value {
        let data = json!({"id": "1600000000000000002", "name": "help", "type": 1,
            "options": [{"type": 3, "name": "question", "value": question}]});
        let answer = self.h.interact(&interaction(2, data, user, channel)).await;
        assert_eq!(answer["type"], 4, "{answer}");
        assert_eq!(answer["data"]["flags"], 64, "{answer}");
        answer["data"].clone()
    }

    /// Clicks a button (of `message` when there is one); the private answer's text.
    async fn click(
        &self,
        user: &str,
        channel: &str,
        message: Option<&DiscordMessage>,
        id: &str,
    ) -> String {
        let payload = click(user, channel, message, id, &[]);
        let answer = self.h.interact(&payload).await;
        assert_eq!(answer["data"]["flags"], 64, "{answer}");
        Harness::reply_text(&answer)
    }

    async fn request(&self, id: i64) -> commandpost::domain::triage::TriageRequest {
        let store = self.h.app.app.engine.store();
        store.triage_request(id).await.unwrap().unwrap()
    }
}

fn components(data: &Value) -> Vec<Value> {
    data["components"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn help_suggests_the_asking_clients_articles_and_solved_is_recorded() {
    let t = start(false).await;
    let acme = t
        .help(ALICE, ACME_SUPPORT, "citrix gateway login fails")
        .await;
    assert!(
        acme["content"]
            .as_str()
            .unwrap()
            .contains("Acme Citrix gateway login"),
        "{acme}"
    );
    let ids = custom_ids(&components(&acme));
    assert_eq!(ids, ["cp:solved:1", "cp:still_need_help:1"]);

    let globex = t
        .help(DAVE, GLOBEX_SUPPORT, "citrix gateway login fails")
        .await;
    assert!(
        !globex.to_string().to_lowercase().contains("acme"),
        "leak: {globex}"
    );
    assert!(globex["content"]
        .as_str()
        .unwrap()
        .contains("passed it to the on-call team"));

    let refused = t.click(BOB, ACME_SUPPORT, None, "cp:solved:1").await;
    assert!(refused.contains("only the person who asked"), "{refused}");
    let solved = t.click(ALICE, ACME_SUPPORT, None, "cp:solved:1").await;
    assert!(solved.contains("marked as solved"), "{solved}");
    assert_eq!(t.request(1).await.outcome, TriageOutcome::Solved);
    t.h.app.settle().await;
    let oncall = posts(&t, ONCALL);
    assert_eq!(oncall.len(), 1, "only globex's escalation: {oncall:?}");
    t.h.assert_no_rejected_calls();
}

#[tokio::test]
async fn still_need_help_goes_on_call_and_the_asker_hears_who_took_it() {
    let t = start(false).await;
    let answer = t.help(ALICE, ACME_SUPPORT, "vpn will not connect").await;
    let still = custom_id(&components(&answer), "cp:still_need_help:");
    let escalated = t.click(ALICE, ACME_SUPPORT, None, &still).await;
    assert!(escalated.contains("TKT-0001"), "{escalated}");
    t.h.app.settle().await;
    let oncall = posts(&t, ONCALL);
    assert_eq!(oncall.len(), 1, "{oncall:?}");
    let ticket = &oncall[0];
    assert!(
        ticket.content.contains("**TKT-0001**") && ticket.content.contains(&format!("<@{ALICE}>"))
    );
    assert_eq!(custom_ids(&ticket.components), ["cp:take_ticket:1"]);

    // The ticket is posted where only responders read, but a button is a button: a client's
    // staff member who clicks it is refused.
    let outsider = t
        .click(DAVE, ONCALL, Some(ticket), "cp:take_ticket:1")
        .await;
    assert!(
        outsider.contains("only responders may take a ticket"),
        "{outsider}"
    );
    let took = t.click(BOB, ONCALL, Some(ticket), "cp:take_ticket:1").await;
    assert!(took.contains("You took TKT-0001"), "{took}");
    t.h.app.settle().await;
    let told = t.h.texts_in(ACME_SUPPORT);
    assert_eq!(
        told,
        [format!("<@{ALICE}> <@{BOB}> from the service desk has taken your request TKT-0001 and will be in touch.")]
    );
    let asker = &posts(&t, ACME_SUPPORT)[0].body;
    assert_eq!(
        asker["allowed_mentions"]["parse"],
        json!(["users"]),
        "the asker is pinged"
    );
    assert_eq!(
        t.request(1).await.taken_by,
        Some(UserId::new(format!("discord:{BOB}")))
    );
    let late = t
        .click(CAROL, ONCALL, Some(ticket), "cp:take_ticket:1")
        .await;
    assert!(late.contains("someone else has already taken"), "{late}");
    t.h.assert_no_rejected_calls();
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
    assert!(
        answer["content"]
            .as_str()
            .unwrap()
            .contains("No article fits"),
        "{answer}"
    );
    assert!(components(&answer).is_empty(), "{answer}");
    t.h.app.settle().await;
    let oncall = posts(&t, ONCALL);
    assert_eq!(oncall.len(), 1, "{oncall:?}");
    assert!(oncall[0].content.contains("no article fits"), "{oncall:?}");
    assert_eq!(custom_ids(&oncall[0].components), ["cp:take_ticket:1"]);
    assert_eq!(t.request(1).await.outcome, TriageOutcome::Escalated);
    t.h.assert_no_rejected_calls();
}

#[tokio::test]
async fn three_people_asking_alike_is_one_alert_declared_with_one_click() {
    let t = start(false).await;
    for user in [ALICE, BOB, CAROL] {
        t.help(user, ACME_SUPPORT, "outlook will not open").await;
    }
    t.help(DAVE, GLOBEX_SUPPORT, "outlook will not open").await;
    t.h.app.settle().await;
    let alerts: Vec<DiscordMessage> = posts(&t, ONCALL)
        .into_iter()
        .filter(|m| m.content.contains("Possible major incident"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0]
        .content
        .contains("Possible major incident for Acme Corp**: 3 people"));
    let declare = custom_id(&alerts[0].components, "cp:declare_burst:");
    assert_eq!(
        declare, "cp:declare_burst:acme:1-3",
        "the globex question is not part of it"
    );

    let declared = t.click(MANAGER, ONCALL, Some(&alerts[0]), &declare).await;
    assert!(declared.contains("Declared INC-"), "{declared}");
    t.h.app.settle().await;
    assert!(t.h.room().is_some(), "the P1's channel opened");
    let incidents =
        t.h.app
            .app
            .engine
            .store()
            .incidents(&Default::default())
            .await
            .unwrap();
    assert_eq!(incidents.len(), 1);
    assert_eq!(incidents[0].severity, Severity::P1);
    for id in 1..=3 {
        assert_eq!(
            t.request(id).await.incident_id,
            Some(incidents[0].id.clone())
        );
    }
    assert!(t.request(4).await.incident_id.is_none());
    t.h.assert_no_rejected_calls();
}

#[tokio::test]
async fn a_gateway_message_in_a_support_channel_is_answered_with_a_reply() {
    let _turn = gateway_messages_turn().await;
    let t = start(true).await;
    t.h.wait_for("the session", |f| f.gateway_session_id().is_some())
        .await;
    let question = next_id();
    let asked = message(&question, ACME_SUPPORT, CAROL, false, "Outlook wont open");
    t.h.fake.gateway_dispatch("MESSAGE_CREATE", asked.clone());
    t.h.fake.gateway_dispatch(
        "MESSAGE_CREATE",
        message(&next_id(), ACME_SUPPORT, MANAGER, true, "bot talk"),
    );
    t.h.fake.gateway_dispatch(
        "MESSAGE_CREATE",
        message(&next_id(), GENERAL, CAROL, false, "outlook wont open"),
    );
    t.h.wait_for("the reply", |f| !f.messages_in(ACME_SUPPORT).is_empty())
        .await;
    // A replay of the same message (after a resume) is not answered again.
    t.h.fake.gateway_dispatch("MESSAGE_CREATE", asked);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let replies = posts(&t, ACME_SUPPORT);
    assert_eq!(replies.len(), 1, "{replies:?}");
    let reply = &replies[0];
    assert_eq!(
        reply.body["message_reference"]["message_id"],
        question.as_str()
    );
    assert!(
        reply.content.contains("Outlook will not open"),
        "{}",
        reply.content
    );
    assert_eq!(
        custom_ids(&reply.components),
        ["cp:solved:1", "cp:still_need_help:1"]
    );
    assert!(t.h.fake.messages_in(GENERAL).is_empty());

    let solved = t
        .click(CAROL, ACME_SUPPORT, Some(reply), "cp:solved:1")
        .await;
    assert!(solved.contains("marked as solved"), "{solved}");
    assert_eq!(
        t.request(1).await.asker,
        UserId::new(format!("discord:{CAROL}"))
    );
    assert_eq!(t.request(1).await.outcome, TriageOutcome::Solved);
    t.h.assert_no_rejected_calls();
}
