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
async fn three_people_asking_alike_is_a_possible_major_incident() {
    let world = World::new().await;
    world
        .ask("ann", "acme", "outlook will not open this morning")
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(120));
    world
        .ask("ann", "acme", "outlook still not opening")
        .await
        .unwrap();
    world
        .ask("bob", "globex", "outlook will not open")
        .await
        .unwrap();
    assert!(
        world
            .oncall()
            .iter()
            .all(|t| !t.contains("Possible major incident")),
        "one person twice, or another client, is no burst"
    );
    world.clock.advance(Duration::from_secs(120));
    world
        .ask("carl", "acme", "Outlook crashes when opening")
        .await
        .unwrap();
    world
        .ask("dan", "acme", "outlook not opening for me either")
        .await
        .unwrap();
    let alerts: Vec<_> = world
        .oncall()
        .into_iter()
        .filter(|t| t.contains("Possible major incident for Acme Corp"))
        .collect();
    assert_eq!(alerts.len(), 1, "{alerts:?}");
    assert!(alerts[0].contains("3 people"), "{}", alerts[0]);
    world
        .ask("erin", "acme", "outlook wont open")
        .await
        .unwrap();
    let alerts = world
        .oncall()
        .into_iter()
        .filter(|t| t.contains("Possible major incident"))
        .count();
    assert_eq!(alerts, 1, "requests already reported do not alert again");

    // One click declares a P1 linked to those requests; new alike questions get its status.
    let button = world
        .chat
        .delivered()
        .into_iter()
        .find(|d| d.text.contains("Possible major incident"))
        .and_then(|d| d.actions.into_iter().next())
        .unwrap();
    let Action::DeclareFromBurst { client, requests } = button else {
        panic!("the alert offers Declare P1, got {button:?}");
    };
    assert_eq!(
        requests,
        vec![1, 2, 4, 5],
        "the globex question is not part of acme's burst"
    );
    let wrong = world
        .send(
            "olga",
            "oncall",
            Command::Triage(TriageCommand::DeclareFromBurst {
                client: client.clone(),
                requests: vec![1, 3],
            }),
        )
        .await
        .unwrap_err();
    assert!(wrong.contains("another client"), "{wrong}");
    let declared = world
        .send(
            "olga",
            "oncall",
            Command::Triage(TriageCommand::DeclareFromBurst { client, requests }),
        )
        .await
        .unwrap();
    assert!(declared.text.contains("Declared INC-"), "{}", declared.text);
    let linked = world.app.store.triage_request(1).await.unwrap().unwrap();
    assert!(linked.incident_id.is_some());
    let status = world
        .ask("fay", "acme", "outlook is not opening")
        .await
        .unwrap();
    assert!(
        status.text.contains("known incident affecting Acme Corp"),
        "{}",
        status.text
    );
    let other = world
        .ask("gus", "globex", "outlook is not opening")
        .await
        .unwrap();
    assert!(
        !other.text.contains("known incident"),
        "another client's incident never answers: {}",
        other.text
    );
}

#[tokio::test]
async fn outage_words_alert_at_once() {
    let world = World::new().await;
    world
        .ask(
            "ann",
            "acme",
            "Nobody can log in to anything, everything is down!",
        )
        .await
        .unwrap();
    assert!(world
        .oncall()
        .iter()
        .any(|t| t.contains("Possible major incident for Acme Corp")));
}

#[tokio::test]
async fn old_questions_fall_out_of_the_window() {
    let world = World::new().await;
    world
        .ask("ann", "acme", "outlook will not open")
        .await
        .unwrap();
    world
        .ask("bob", "acme", "outlook not opening")
        .await
        .unwrap();
    world.clock.advance(Duration::from_secs(11 * 60));
    world
        .ask("carl", "acme", "outlook wont open")
        .await
        .unwrap();
    assert!(world
        .oncall()
        .iter()
        .all(|t| !t.contains("Possible major incident")));
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
async fn kb_draft_captures_a_resolved_incident_for_its_client_only() {
    let world = World::new().await;
    let declared = world
        .send(
            "alice",
            "oncall",
            commands::parse("/incident declare P2 acme Printers offline in Leeds").unwrap(),
        )
        .await
        .unwrap();
    let room = format!("R-{}", declared.opened_room.unwrap());
    world
        .send(
            "alice",
            &room,
            commands::parse("/incident update We are restarting the print server.").unwrap(),
        )
        .await
        .unwrap();
    world
        .send(
            "alice",
            &room,
            commands::parse("/incident resolve Print spooler restarted").unwrap(),
        )
        .await
        .unwrap();
    let refused = world
        .send("zed", &room, commands::parse("/incident kb-draft").unwrap())
        .await
        .unwrap_err();
    assert!(refused.contains("only people with a role"), "{refused}");
    let written = world
        .send(
            "alice",
            &room,
            commands::parse("/incident kb-draft").unwrap(),
        )
        .await
        .unwrap();
    assert!(written.text.contains("drafts"), "{}", written.text);
    let kb_dir = world.app.engine.knowledge().dir().to_path_buf();
    let draft =
        std::fs::read_to_string(kb_dir.join("drafts/acme-printers-offline-in-leeds.md")).unwrap();
    assert!(draft.contains("clients: [acme]"), "{draft}");
    assert!(
        draft.contains("Print spooler restarted") && draft.contains("restarting the print server"),
        "{draft}"
    );
    // Drafts are not published: the live knowledge base never suggests them.
    world.app.engine.knowledge().reload();
    let answer = world
        .ask("ann", "acme", "printers offline in leeds")
        .await
        .unwrap();
    assert!(
        !answer.text.contains("Printers offline in Leeds"),
        "{}",
        answer.text
    );
}

#[tokio::test]
async fn the_knowledge_base_reloads_when_files_change() {
    let world = World::new().await;
    let knowledge = world.app.engine.knowledge().clone();
    assert!(knowledge
        .search("acme", "label printer jammed", 3)
        .is_empty());
    std::fs::write(
        knowledge.dir().join("label-printer.md"),
        "---\ntitle: Label printer jammed\nclients: [all]\ntags: [label printer, jam]\n---\nOpen the cover, remove the label roll and feed it again.\n",
    )
    .unwrap();
    // File systems keep coarse modification times; make sure this edit is seen as newer.
    std::thread::sleep(Duration::from_millis(20));
    assert!(knowledge.reload_if_changed());
    assert_eq!(
        knowledge.search("acme", "label printer jammed", 3)[0].slug,
        "label-printer"
    );
    assert!(!knowledge.reload_if_changed(), "no change, no reload");
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

#[tokio::test]
async fn two_simultaneous_declare_clicks_make_one_incident_and_one_room() {
    let world = World::new().await;
    for asker in ["ann", "carl", "dan"] {
        world
            .ask(asker, "acme", "outlook will not open")
            .await
            .unwrap();
    }
    let click = || {
        Command::Triage(TriageCommand::DeclareFromBurst {
            client: commandpost::domain::ClientId::parse("acme").unwrap(),
            requests: vec![1, 2, 3],
        })
    };
    let (olga, pete) = tokio::join!(
        world.send("olga", "oncall", click()),
        world.send("pete", "oncall", click())
    );
    let (won, lost) = match (olga, pete) {
        (Ok(won), Err(lost)) | (Err(lost), Ok(won)) => (won, lost),
        other => panic!("exactly one click declares: {other:?}"),
    };
    assert!(won.text.contains("Declared INC-"), "{}", won.text);
    assert!(
        lost.contains("was already declared for these requests by <@console:"),
        "{lost}"
    );
    let incidents = world
        .app
        .store
        .incidents(&commandpost::store::IncidentFilter::default())
        .await
        .unwrap();
    assert_eq!(incidents.len(), 1);
    let rooms = world
        .chat
        .delivered()
        .into_iter()
        .filter(|d| matches!(d.destination, Destination::OpenRoom { .. }))
        .count();
    assert_eq!(rooms, 1, "one room");
}

#[tokio::test]
async fn this_solved_it_teaches_the_askers_client_only_and_survives_a_restart() {
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2");
    let world = World::with_triage(&format!("model_dir = \"{}\"", model.display())).await;
    assert!(world.app.engine.knowledge().snapshot().is_hybrid());
    let question = "cant get into my mailbox app this morning, it just hangs";
    let answer = world.ask("ann", "acme", question).await.unwrap();
    let request = request_of(&answer);
    world
        .send(
            "ann",
            "support:acme",
            Command::Triage(TriageCommand::Solved { request }),
        )
        .await
        .unwrap();
    let acme = commandpost::domain::ClientId::parse("acme").unwrap();
    let globex = commandpost::domain::ClientId::parse("globex").unwrap();
    let store = &world.app.store;
    let kept = store.learned_phrasings(Some(&acme)).await.unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].question, question);
    assert!(store
        .learned_phrasings(Some(&globex))
        .await
        .unwrap()
        .is_empty());

    // A restart on the same database searches with what was learned, for acme only.
    let config = world.app.engine.config().as_ref().clone();
    let again = App::build(config, Arc::new(world.clock.clone()), None, Vec::new())
        .await
        .unwrap();
    let learned = again.engine.knowledge().learned();
    assert_eq!(
        learned,
        vec![("acme".to_owned(), kept[0].slug.clone(), question.to_owned())]
    );
}

#[tokio::test]
async fn a_ticket_answered_with_an_article_tells_the_asker_and_teaches_their_client_only() {
    let model = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2");
    let world = World::with_triage(&format!("model_dir = \"{}\"", model.display())).await;
    let question = "the remote desktop thing keeps bouncing me back to the start page";
    let before = world.app.engine.knowledge().search("acme", question, 3);
    assert!(
        before
            .first()
            .is_none_or(|hit| hit.slug != "acme-citrix-gateway"),
        "the article is not found by itself yet: {before:?}"
    );
    let answer = world.ask("ann", "acme", question).await.unwrap();
    let ticket = match answer.actions.iter().find_map(|a| match a {
        Action::Solved { request } => Some(*request),
        _ => None,
    }) {
        // Suggested: ann says they did not help, which makes it a ticket.
        Some(request) => {
            world
                .send(
                    "ann",
                    "support:acme",
                    Command::Triage(TriageCommand::StillNeedHelp { request }),
                )
                .await
                .unwrap();
            request
        }
        None => 1,
    };
    let answer_with =
        |slug: &str| commands::parse(&format!("/incident answer TKT-{ticket:04} {slug}")).unwrap();

    // Another client's article, or one that does not exist, cannot answer acme's ticket; a
    // client's staff cannot answer at all.
    let refused = world
        .send("olga", "oncall", answer_with("globex-sap-portal"))
        .await
        .unwrap_err();
    assert!(
        refused.contains("only be answered with an article its client can read"),
        "{refused}"
    );
    assert!(
        !refused.contains("Globex"),
        "no other client is named: {refused}"
    );
    let missing = world
        .send("olga", "oncall", answer_with("no-such-article"))
        .await
        .unwrap_err();
    assert!(
        missing.contains("`no-such-article` is not one"),
        "{missing}"
    );
    let outsider = Request {
        responder: false,
        ..console::request(
            "ann",
            Some("support:acme"),
            answer_with("acme-citrix-gateway"),
        )
    };
    let refused = world.app.engine.handle(outsider).await.unwrap_err();
    assert!(
        refused.user_message().contains("only responders"),
        "{}",
        refused.user_message()
    );
    let acme = commandpost::domain::ClientId::parse("acme").unwrap();
    assert!(world
        .app
        .store
        .learned_phrasings(None)
        .await
        .unwrap()
        .is_empty());

    let done = world
        .send("olga", "oncall", answer_with("acme-citrix-gateway"))
        .await
        .unwrap();
    assert!(
        done.text.contains("is answered with `acme-citrix-gateway`"),
        "{}",
        done.text
    );
    let stored = world
        .app
        .store
        .triage_request(ticket)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.outcome, TriageOutcome::Answered);
    assert_eq!(
        stored.answer_article.as_deref(),
        Some("acme-citrix-gateway")
    );
    let told = world.chat.texts_to(
        |d| matches!(d, Destination::SupportChannel { channel, .. } if channel == "support:acme"),
    );
    assert!(
        told.iter()
            .any(|t| t.contains("<@console:ann> your request")
                && t.contains("was answered: *Acme Citrix gateway login*")),
        "{told:?}"
    );
    let again = world
        .send("olga", "oncall", answer_with("acme-citrix-gateway"))
        .await
        .unwrap_err();
    assert!(again.contains("answered already"), "{again}");

    // Learned for acme only, and searched with: the same words from acme now find the article.
    let kept = world
        .app
        .store
        .learned_phrasings(Some(&acme))
        .await
        .unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(kept[0].question, question);
    let knowledge = world.app.engine.knowledge();
    let for_acme = knowledge.search("acme", question, 3);
    assert_eq!(
        for_acme.first().map(|hit| hit.slug.as_str()),
        Some("acme-citrix-gateway"),
        "{for_acme:?}"
    );
    let for_globex = knowledge.search("globex", question, 3);
    assert!(
        for_globex
            .iter()
            .all(|hit| hit.slug != "acme-citrix-gateway"),
        "{for_globex:?}"
    );
}
