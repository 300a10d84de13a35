//! The knowledge base behind triage: drafts from incidents, reloads, and what triage learns
//! from "This solved it" and from answered tickets.

use super::*;

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
async fn this_solved_it_teaches_the_askers_client_only_and_survives_a_restart() {
    let world = World::with_triage(&format!("model_dir = \"{}\"", model_dir().display())).await;
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
    let world = World::with_triage(&format!("model_dir = \"{}\"", model_dir().display())).await;
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

fn model_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/all-MiniLM-L6-v2")
}

#[tokio::test]
async fn embeddings_are_cached_where_triage_embedding_cache_says_and_an_unwritable_one_is_not_fatal(
) {
    let cache = tempfile::tempdir().unwrap();
    let world = World::with_triage(&format!(
        "model_dir = \"{}\"\nembedding_cache = \"{}\"",
        model_dir().display(),
        cache.path().display()
    ))
    .await;
    assert!(world.app.engine.knowledge().snapshot().is_hybrid());
    let cached: Vec<String> = std::fs::read_dir(cache.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(
        cached.iter().any(|name| name.ends_with(".vectors")),
        "{cached:?}"
    );
    let kb_dir = &world.app.engine.config().kb_dir;
    assert!(
        !kb_dir.join(".embeddings").exists(),
        "nothing written beside the articles"
    );

    // A cache that cannot be written (here a file where a folder should be, which stops root
    // too) costs the next start its time, not the search.
    let blocked = cache.path().join("not-a-folder");
    std::fs::write(&blocked, "").unwrap();
    let world = World::with_triage(&format!(
        "model_dir = \"{}\"\nembedding_cache = \"{}\"",
        model_dir().display(),
        blocked.display()
    ))
    .await;
    let knowledge = world.app.engine.knowledge();
    assert!(knowledge.snapshot().is_hybrid());
    assert_eq!(
        knowledge.search("acme", "outlook hangs when it starts", 3)[0].slug,
        "outlook-not-opening"
    );
}
