//! Level-1 triage end to end through the engine: suggestions per client, deflections,
//! tickets, bursts that are really incidents, knowledge capture and reload.

use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;

use commandpost::chat::ChatPlatform;
use commandpost::clock::ManualClock;
use commandpost::commands::{self, Command, TriageCommand};
use commandpost::config::Config;
use commandpost::domain::triage::TriageOutcome;
use commandpost::effects::{Action, Destination};
use commandpost::engine::{Request, Response};
use commandpost::startup::App;
use commandpost::store::{Store, TriageStore};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;

struct World {
    app: App,
    chat: Arc<RecordingPlatform>,
    clock: ManualClock,
    _dir: tempfile::TempDir,
}

impl World {
    async fn new() -> Self {
        Self::with_triage("").await
    }

    /// With extra `[triage]` keys (e.g. `model_dir`).
    async fn with_triage(extra: &str) -> Self {
        let dir = tempfile::tempdir().unwrap();
        commandpost::testing::kb::write_sample_kb(&dir.path().join("kb"));
        let text = format!(
            r#"
database_url = "sqlite://{dir}/test.db"
kb_dir = "{dir}/kb"
[policy]
managers = ["console:maria"]
[triage]
burst_threshold = 3
burst_window = "10m"
{extra}
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
[[clients]]
id = "globex"
name = "Globex"
public_status = true
"#,
            dir = dir.path().display()
        );
        let config = Config::from_toml(&text, "test", Vec::new()).unwrap();
        let clock = ManualClock::at(Utc::now());
        let chat = Arc::new(RecordingPlatform::new("console"));
        let app = App::build(
            config,
            Arc::new(clock.clone()),
            None,
            vec![chat.clone() as Arc<dyn ChatPlatform>],
        )
        .await
        .unwrap();
        Self {
            app,
            chat,
            clock,
            _dir: dir,
        }
    }

    async fn send(&self, user: &str, room: &str, command: Command) -> Result<Response, String> {
        let request = console::request(user, Some(room), command);
        let result = self
            .app
            .engine
            .handle(request)
            .await
            .map_err(|e| e.user_message());
        for _ in 0..20 {
            if self.app.engine.deliver_due().await.unwrap() == 0 {
                break;
            }
        }
        result
    }

    async fn ask(&self, user: &str, client: &str, question: &str) -> Result<Response, String> {
        let command = commands::parse(&format!("/help {question}")).unwrap();
        self.send(user, &format!("support:{client}"), command).await
    }

    fn oncall(&self) -> Vec<String> {
        self.chat
            .texts_to(|d| matches!(d, Destination::OnCall { .. }))
    }
}

fn request_of(response: &Response) -> i64 {
    response
        .actions
        .iter()
        .find_map(|a| match a {
            Action::Solved { request } => Some(*request),
            _ => None,
        })
        .expect("suggestions carry the request")
}

mod bursts;
mod knowledge;

#[tokio::test]
async fn suggestions_are_scoped_to_the_asking_client() {
    let world = World::new().await;
    let acme = world
        .ask("ann", "acme", "citrix gateway login fails")
        .await
        .unwrap();
    assert!(
        acme.text.contains("Acme Citrix gateway login"),
        "{}",
        acme.text
    );
    let globex = world
        .ask("gus", "globex", "citrix gateway login fails")
        .await
        .unwrap();
    assert!(
        !globex.text.contains("Acme"),
        "another client's article leaked: {}",
        globex.text
    );
    assert!(
        globex
            .text
            .contains("passed it to the on-call team as TKT-"),
        "{}",
        globex.text
    );
}

#[tokio::test]
async fn nothing_confident_becomes_a_ticket_someone_takes() {
    let world = World::new().await;
    let answer = world
        .ask("bob", "acme", "the flux capacitor makes a grinding noise")
        .await
        .unwrap();
    assert!(answer.text.contains("TKT-0001"), "{}", answer.text);
    let posts = world.oncall();
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].contains("TKT-0001") && posts[0].contains("<@console:bob>"),
        "{}",
        posts[0]
    );
    let take = Command::Triage(TriageCommand::Take { request: 1 });
    let taken = world.send("olga", "oncall", take.clone()).await.unwrap();
    assert!(taken.text.contains("You took TKT-0001"), "{}", taken.text);
    let told = world.chat.texts_to(
        |d| matches!(d, Destination::SupportChannel { channel, .. } if channel == "support:acme"),
    );
    assert_eq!(told.len(), 1);
    assert!(
        told[0].contains("<@console:olga> from the service desk has taken your request TKT-0001"),
        "{}",
        told[0]
    );
    let again = world.send("pete", "oncall", take).await.unwrap_err();
    assert!(again.contains("someone else has already taken"), "{again}");
}

#[tokio::test]
async fn solved_is_a_deflection_and_only_the_asker_may_say_so() {
    let world = World::new().await;
    let answer = world.ask("ann", "acme", "outlook wont open").await.unwrap();
    assert!(
        answer.text.contains("Outlook will not open"),
        "{}",
        answer.text
    );
    let request = request_of(&answer);
    let refused = world
        .send(
            "eve",
            "support:acme",
            Command::Triage(TriageCommand::Solved { request }),
        )
        .await
        .unwrap_err();
    assert!(refused.contains("only the person who asked"), "{refused}");
    world
        .send(
            "ann",
            "support:acme",
            Command::Triage(TriageCommand::Solved { request }),
        )
        .await
        .unwrap();
    let stored = world
        .app
        .store
        .triage_request(request)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.outcome, TriageOutcome::Solved);
    assert!(world.oncall().is_empty(), "a deflection bothers nobody");
    let late = world
        .send(
            "ann",
            "support:acme",
            Command::Triage(TriageCommand::StillNeedHelp { request }),
        )
        .await;
    assert!(late.is_err(), "a solved request cannot be escalated again");
}

#[tokio::test]
async fn still_need_help_escalates_with_what_was_tried() {
    let world = World::new().await;
    let answer = world
        .ask("ann", "acme", "vpn will not connect")
        .await
        .unwrap();
    let request = request_of(&answer);
    let escalated = world
        .send(
            "ann",
            "support:acme",
            Command::Triage(TriageCommand::StillNeedHelp { request }),
        )
        .await
        .unwrap();
    assert!(escalated.text.contains("TKT-"), "{}", escalated.text);
    let posts = world.oncall();
    assert!(
        posts[0].contains("suggested and not enough: vpn-not-connecting"),
        "{}",
        posts[0]
    );
}

#[tokio::test]
async fn help_outside_a_support_channel_is_explained() {
    let world = World::new().await;
    let error = world
        .send("ann", "random", commands::parse("/help vpn").unwrap())
        .await
        .unwrap_err();
    assert!(error.contains("support channel"), "{error}");
}

#[tokio::test]
async fn a_clients_question_cannot_ping_or_link_in_the_oncall_channel() {
    let world = World::new().await;
    world
        .ask(
            "mallory",
            "acme",
            "<!channel> urgent: approve <https://evil.example|the invoice> or [this](https://evil.example) <@console:boss>",
        )
        .await
        .unwrap();
    let posts = world.oncall();
    assert_eq!(posts.len(), 1, "{posts:?}");
    let ticket = &posts[0];
    for raw in ["<!channel>", "<https://", "<@console:boss>", "](https"] {
        assert!(
            !ticket.contains(raw),
            "{raw} reached on-call as markup: {ticket}"
        );
    }
    assert!(ticket.contains("&lt;!channel&gt;"), "{ticket}");
    assert!(
        ticket.contains("<@console:mallory>"),
        "our own mention stays: {ticket}"
    );
}

#[tokio::test]
async fn one_asker_opens_at_most_ten_tickets_an_hour() {
    let world = World::new().await;
    for n in 0..10 {
        let answer = world
            .ask(
                "flood",
                "acme",
                &format!("the zorblax {n} makes a qwv{n} noise"),
            )
            .await
            .unwrap();
        assert!(answer.text.contains("TKT-"), "{}", answer.text);
    }
    let refused = world
        .ask("flood", "acme", "the zorblax eleven makes a noise")
        .await
        .unwrap_err();
    assert!(
        refused.contains("opened 10 tickets in the last hour"),
        "{refused}"
    );
    assert_eq!(
        world.oncall().len(),
        10,
        "the eleventh never reached on-call"
    );
    // Someone else of the same client is not held back.
    let other = world
        .ask("nina", "acme", "the zorblax twelve makes a noise")
        .await
        .unwrap();
    assert!(other.text.contains("TKT-"), "{}", other.text);
    // An hour later the asker may open tickets again.
    world.clock.advance(std::time::Duration::from_secs(3601));
    let later = world
        .ask("flood", "acme", "the zorblax thirteen makes a noise")
        .await
        .unwrap();
    assert!(later.text.contains("TKT-"), "{}", later.text);
}
