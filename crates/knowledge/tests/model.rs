//! Hybrid search with the real sentence-embedding model: broken model folders named, bad
//! questions escalated, the embedding cache reused, scoping before ranking, learned phrasings
//! kept within their client.

mod common;

use std::path::Path;

use commandpost_knowledge::{Embedder, KnowledgeBase, ModelError};

/// A copy of the model folder (links to the big files) with one file replaced or removed.
fn broken_model(dir: &Path, file: &str, content: Option<&[u8]>) {
    let source = common::model_dir();
    std::fs::create_dir_all(dir.join("1_Pooling")).unwrap();
    for name in [
        "config.json",
        "tokenizer.json",
        "model.safetensors",
        "1_Pooling/config.json",
    ] {
        if name == file {
            if let Some(content) = content {
                std::fs::write(dir.join(name), content).unwrap();
            }
        } else {
            std::os::unix::fs::symlink(source.join(name), dir.join(name)).unwrap();
        }
    }
}

fn refusal(file: &str, content: Option<&[u8]>) -> String {
    let dir = tempfile::tempdir().unwrap();
    broken_model(dir.path(), file, content);
    let error = Embedder::load(dir.path()).expect_err("a broken model is refused");
    assert!(matches!(error, ModelError::File { .. }), "{error}");
    let text = error.to_string();
    assert!(text.contains(file), "{file} not named in: {text}");
    text
}

#[test]
fn a_broken_model_folder_is_refused_naming_the_file() {
    assert!(refusal("tokenizer.json", None).contains("missing"));
    assert!(refusal("model.safetensors", Some(b"not weights")).contains("safetensors"));
    assert!(refusal(
        "1_Pooling/config.json",
        Some(br#"{"word_embedding_dimension": 768, "pooling_mode_mean_tokens": true}"#)
    )
    .contains("768"));
    let config = std::fs::read_to_string(common::model_dir().join("config.json")).unwrap();
    let small = config.replace("\"vocab_size\": 30522", "\"vocab_size\": 1000");
    assert_ne!(small, config);
    assert!(refusal("config.json", Some(small.as_bytes())).contains("tokenizer"));
    let wider = config.replace("\"hidden_size\": 384", "\"hidden_size\": 512");
    assert!(refusal("config.json", Some(wider.as_bytes())).contains("512"));
}

fn sample_kb() -> KnowledgeBase {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("eval/kb");
    let (kb, _) = KnowledgeBase::open(&dir).unwrap();
    // A cache shared by the tests of this binary: the knowledge base is embedded once.
    let cache = std::env::temp_dir().join("commandpost-knowledge-test-embeddings");
    kb.with_model(common::model(), Some(&cache)).unwrap().0
}

#[test]
fn meaning_finds_an_article_that_shares_no_words_with_the_question() {
    let kb = sample_kb();
    let hits = kb.search(
        "hooli",
        "my second screen stays black when I plug in at my desk",
        3,
    );
    assert_eq!(
        hits.first().map(|h| h.slug.as_str()),
        Some("monitor-dock-not-working"),
        "{hits:?}"
    );
}

#[test]
fn empty_huge_and_foreign_questions_never_panic_and_empty_ones_escalate() {
    let kb = sample_kb();
    assert!(kb.search("acme", "", 3).is_empty());
    assert!(kb.search("acme", "   ?!  ", 3).is_empty());
    let huge = "my outlook will not open and ".repeat(400);
    assert!(huge.len() > 10_000);
    let _ = kb.search("acme", &huge, 3);
    let _ = kb.search("acme", "パスワードをリセットしたい", 3);
}

#[test]
fn another_clients_article_is_never_shown_only_counted_as_a_signal() {
    let kb = sample_kb();
    let question = "citrix gateway apps not launching";
    let acme = kb.search("acme", question, 3);
    assert_eq!(
        acme.first().map(|h| h.slug.as_str()),
        Some("acme-citrix-gateway")
    );
    let hooli = kb.search("hooli", question, 3);
    assert!(
        hooli.iter().all(|h| h.slug != "acme-citrix-gateway"),
        "{hooli:?}"
    );
    let signal = kb
        .assess("hooli", question)
        .unwrap()
        .features
        .other_client_better;
    assert!(
        signal > 0.0,
        "another client's better article is a signal: {signal}"
    );
}

#[test]
fn the_cache_reuses_vectors_and_reembeds_only_what_changed() {
    let kb_dir = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let write = |slug: &str, title: &str, body: &str| {
        std::fs::write(
            kb_dir.path().join(format!("{slug}.md")),
            format!("---\ntitle: {title}\nclients: [all]\ntags: [help]\n---\n{body}\n"),
        )
        .unwrap();
    };
    write(
        "vpn",
        "VPN will not connect",
        "Restart the VPN client and sign in again.",
    );
    write(
        "printer",
        "Printer offline",
        "Turn the printer off and on, then clear the queue.",
    );
    let build = || {
        let (kb, _) = KnowledgeBase::open(kb_dir.path()).unwrap();
        kb.with_model(common::model(), Some(cache.path()))
            .unwrap()
            .1
    };
    let first = build();
    assert_eq!(first.reused, 0);
    assert!(first.embedded >= 4);
    let again = build();
    assert_eq!(
        (again.reused, again.embedded),
        (first.embedded, 0),
        "a restart embeds nothing"
    );
    write(
        "printer",
        "Printer offline",
        "Switch it off and on again; then clear the print queue.",
    );
    let changed = build();
    assert_eq!(changed.embedded, 1, "only the changed section");
    assert_eq!(changed.reused, first.embedded - 1);
}

#[test]
fn a_learned_phrasing_helps_its_client_only() {
    let question = "the thingy on my desk no longer wakes the big screens";
    let before = sample_kb();
    let globex_before = before.search("globex", question, 3);
    let taught = vec![(
        "acme".to_owned(),
        "monitor-dock-not-working".to_owned(),
        "that thingy on my desk doesnt wake the big screens anymore".to_owned(),
    )];
    let after = sample_kb().with_learned(&taught).unwrap();
    let acme = after.search("acme", question, 3);
    assert_eq!(
        acme.first().map(|h| h.slug.as_str()),
        Some("monitor-dock-not-working"),
        "{acme:?}"
    );
    assert_eq!(
        after.search("globex", question, 3),
        globex_before,
        "globex's ranking is unchanged"
    );
}

#[test]
fn the_benchmark_fills_a_large_cache_embedding_only_some_articles() {
    let cache = tempfile::tempdir().unwrap();
    let model = common::model();
    let report =
        commandpost_knowledge::bench_hybrid(12, 5, model.clone(), cache.path(), Some(2)).unwrap();
    assert_eq!((report.articles, report.queries), (12, 5));
    // One vector for every chunk of all twelve generated articles (a title chunk and a body
    // chunk each): 12-byte header, then 32-byte key, 4-byte scale and a byte per dimension.
    let file = cache
        .path()
        .join(format!("{}.vectors", model.fingerprint()));
    let bytes = std::fs::metadata(&file).unwrap().len() as usize;
    assert_eq!((bytes - 12) % (36 + model.dimension()), 0);
    assert_eq!((bytes - 12) / (36 + model.dimension()), 24);
}

#[test]
fn the_question_encoder_agrees_with_the_full_precision_model() {
    let embedder = common::model();
    assert!(embedder.has_question_encoder());
    let rambling = "so this morning i came in and the coffee machine was broken again, then "
        .repeat(40)
        + "anyway my outlook keeps asking for the password";
    let questions = [
        "",
        "?",
        "vpn",
        "my outlook wont open",
        "cant log in to the portal, it says my account is locked after too many tries",
        "imprimante hors ligne depuis ce matin 😩",
        "printer says offline 🖨️🔥🔥 pls help!!!",
        rambling.as_str(),
    ];
    for question in questions {
        let fast = embedder.embed_question(question).unwrap();
        let full = embedder.embed(&[question]).unwrap().pop().unwrap();
        assert_eq!(fast.len(), full.len());
        let norm: f32 = fast.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!(
            (norm - 1.0).abs() < 1e-3,
            "not unit length for {question:?}"
        );
        let cosine = fast.iter().zip(&full).map(|(a, b)| a * b).sum::<f32>();
        assert!(cosine > 0.99, "cosine {cosine} for {question:?}");
    }
}
