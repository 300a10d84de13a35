//! Search behaviour: client scoping with limit filling, the confidence threshold, typo
//! tolerance, synonyms, and title/tag boosts.

use std::path::PathBuf;

use commandpost_knowledge::{synthetic_articles, Article, KbError, KnowledgeBase, Scope};

fn article(slug: &str, title: &str, scope: Scope, tags: &[&str], body: &str) -> Article {
    Article {
        slug: slug.into(),
        title: title.into(),
        scope,
        tags: tags.iter().map(|t| t.to_string()).collect(),
        body: body.into(),
        path: PathBuf::new(),
    }
}

/// Unrelated articles, so that words of the articles under test are rare, as in a real
/// knowledge base (a word found in every article tells nothing apart).
fn with_filler(mut articles: Vec<Article>) -> Vec<Article> {
    const TOPICS: &[&str] = &[
        "kitchen rota",
        "parking permits",
        "fire drill",
        "canteen menu",
        "cycle storage",
        "first aid kit",
        "visitor badges",
        "desk booking",
        "plant watering",
        "lost property",
    ];
    for (i, topic) in TOPICS.iter().cycle().take(30).enumerate() {
        articles.push(article(
            &format!("filler-{i}"),
            &format!("{topic} {i}"),
            Scope::All,
            &["facilities"],
            &format!("Facilities handle the {topic}. Ask reception about item {i}."),
        ));
    }
    articles
}

fn only(client: &str) -> Scope {
    Scope::Clients(vec![client.into()])
}

fn general_kb() -> KnowledgeBase {
    let articles = vec![
        article(
            "reset-password",
            "Reset your Microsoft 365 password",
            Scope::All,
            &["password", "m365"],
            "If you forgot your password, open the self-service reset page, verify with a code and choose a new one.",
        ),
        article(
            "mfa-new-phone",
            "Set up MFA on a new phone",
            Scope::All,
            &["mfa", "authenticator"],
            "Install Microsoft Authenticator on the new phone and scan the QR code from the security info page.",
        ),
        article(
            "wifi",
            "Cannot connect to the office Wi-Fi",
            Scope::All,
            &["wifi", "network"],
            "Turn Wi-Fi off and on, forget the staff network and reconnect with your new password.",
        ),
        article(
            "lockout",
            "Account lockout after failed sign-in attempts",
            Scope::All,
            &["lockout"],
            "After ten wrong attempts the account is disabled for fifteen minutes. Wait, then try once.",
        ),
        article(
            "outlook-search",
            "Outlook search returns no results",
            Scope::All,
            &["outlook", "search"],
            "Rebuild the search index from the indexing options and leave the laptop on.",
        ),
        article(
            "printer",
            "Printer shows offline",
            Scope::All,
            &["printer"],
            "Check the printer screen for paper jams, clear the print queue and restart the laptop.",
        ),
    ];
    KnowledgeBase::build(with_filler(articles)).expect("build")
}

fn top(kb: &KnowledgeBase, client: &str, question: &str) -> Option<String> {
    kb.search(client, question, 3)
        .first()
        .map(|h| h.slug.clone())
}

#[test]
fn knowledge_base_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<KnowledgeBase>();
}

#[test]
fn other_clients_articles_are_never_returned_and_limit_is_filled() {
    let mut articles = Vec::new();
    // Many strong matches for acme only...
    for i in 0..8 {
        articles.push(article(
            &format!("acme-vpn-{i}"),
            "Acme VPN gateway not connecting",
            only("acme"),
            &["vpn", "gateway"],
            "The Acme VPN gateway needs the Acme certificate. VPN gateway VPN gateway.",
        ));
    }
    // ...and a few weaker, visible ones.
    for i in 0..4 {
        articles.push(article(
            &format!("vpn-general-{i}"),
            "Remote access from home",
            Scope::All,
            &["home"],
            "If the VPN gateway does not answer, restart the laptop and try again.",
        ));
    }
    articles.push(article(
        "globex-vpn",
        "Globex FortiClient VPN",
        Scope::Clients(vec!["globex".into(), "initech".into()]),
        &["vpn"],
        "Connect FortiClient to the Globex VPN gateway.",
    ));
    let kb = KnowledgeBase::build(with_filler(articles)).expect("build");

    for question in [
        "vpn gateway not connecting",
        "Acme VPN gateway not connecting",
        "acme certificate",
        "vpn",
    ] {
        let hits = kb.search("globex", question, 3);
        assert!(
            hits.iter().all(|h| !h.slug.starts_with("acme-")),
            "{question}: {hits:?}"
        );
        if question.contains("gateway") {
            assert_eq!(
                hits.len(),
                3,
                "limit filled with visible articles: {hits:?}"
            );
        }
    }
    let hits = kb.search("GLOBEX ", "vpn gateway not connecting", 5);
    assert_eq!(hits.len(), 5, "client ids are trimmed and lowercased");
    assert_eq!(hits[0].slug, "globex-vpn", "client-specific article first");

    // A client with no scoped articles sees only the general ones.
    let hits = kb.search("hooli", "vpn gateway not connecting", 10);
    assert!(
        hits.iter().all(|h| h.slug.starts_with("vpn-general-")),
        "{hits:?}"
    );
    // Acme still gets its own.
    assert!(kb.search("acme", "vpn gateway", 3)[0]
        .slug
        .starts_with("acme-vpn-"));
    // No client: general articles only.
    assert!(kb
        .search("", "vpn gateway", 10)
        .iter()
        .all(|h| h.slug.starts_with("vpn-general-")));
}

#[test]
fn scoping_holds_on_a_large_synthetic_knowledge_base() {
    let kb = KnowledgeBase::build(synthetic_articles(3_000, 7)).expect("build");
    let titles: Vec<String> = kb
        .articles()
        .iter()
        .take(300)
        .map(|a| a.title.clone())
        .collect();
    for (i, title) in titles.iter().enumerate() {
        let client = format!("client{:02}", i % 50);
        for hit in kb.search(&client, title, 5) {
            let article = kb.article(&hit.slug).expect("hit is an article");
            assert!(article.is_visible_to(&client), "{client} got {}", hit.slug);
        }
    }
}

#[test]
fn nonsense_and_off_topic_questions_escalate() {
    let kb = general_kb();
    for question in [
        "",
        "   ",
        "asdfgh qwerty zxcvb",
        "hi please help",
        "what time is the christmas party",
        "can i get a new desk chair",
    ] {
        assert!(kb.search("acme", question, 3).is_empty(), "{question:?}");
    }
    assert!(
        kb.search("acme", "printer offline", 0).is_empty(),
        "limit 0"
    );
}

#[test]
fn typos_are_tolerated() {
    let kb = general_kb();
    assert_eq!(
        top(&kb, "acme", "pasword reset").as_deref(),
        Some("reset-password")
    );
    assert_eq!(
        top(&kb, "acme", "outlok serch is broken").as_deref(),
        Some("outlook-search")
    );
    assert_eq!(
        top(&kb, "acme", "printr ofline").as_deref(),
        Some("printer")
    );
}

#[test]
fn exact_words_rank_above_typo_corrections() {
    let kb = KnowledgeBase::build(vec![
        article(
            "printer",
            "Printer jammed",
            Scope::All,
            &[],
            "Open tray two and remove the paper.",
        ),
        article(
            "painter",
            "Painter booking",
            Scope::All,
            &[],
            "Book the painter through facilities.",
        ),
    ])
    .expect("build");
    // Even in a two-article knowledge base, a plain match is confident.
    let hits = kb.search("acme", "printer jammed", 3);
    assert_eq!(hits[0].slug, "printer");
}

#[test]
fn synonyms_match_other_words_for_the_same_thing() {
    let kb = general_kb();
    assert_eq!(
        top(&kb, "acme", "forgot my passcode").as_deref(),
        Some("reset-password")
    );
    assert_eq!(
        top(&kb, "acme", "2fa on my new phone").as_deref(),
        Some("mfa-new-phone")
    );
    assert_eq!(
        top(&kb, "acme", "wireless keeps dropping").as_deref(),
        Some("wifi")
    );
    assert_eq!(
        top(&kb, "acme", "im locked out").as_deref(),
        Some("lockout")
    );
    assert_eq!(
        top(&kb, "acme", "cant find emails in my inbox").as_deref(),
        Some("outlook-search")
    );
}

#[test]
fn title_and_tags_outrank_the_body() {
    let filler = "Restart the laptop and try again. ".repeat(5);
    let kb = KnowledgeBase::build(with_filler(vec![
        article(
            "body-mention",
            "Laptop checklist",
            Scope::All,
            &["laptop"],
            &format!("{filler} If BitLocker asks for a key, call us. {filler}"),
        ),
        article(
            "in-title",
            "BitLocker recovery screen",
            Scope::All,
            &["startup"],
            &filler,
        ),
        article(
            "in-tags",
            "Startup screen asks for a key",
            Scope::All,
            &["bitlocker"],
            &filler,
        ),
    ]))
    .expect("build");
    let hits = kb.search("acme", "bitlocker", 3);
    let slugs: Vec<&str> = hits.iter().map(|h| h.slug.as_str()).collect();
    assert_eq!(slugs.last(), Some(&"body-mention"), "{hits:?}");
    assert_eq!(slugs.len(), 3);
}

#[test]
fn hits_are_best_first_and_lookups_work() {
    let kb = general_kb();
    let hits = kb.search("acme", "printer offline print queue", 3);
    assert!(
        hits.windows(2).all(|w| w[0].score >= w[1].score),
        "{hits:?}"
    );
    assert_eq!(hits[0].title, "Printer shows offline");
    assert_eq!(kb.len(), 36);
    assert!(!kb.is_empty());
    assert_eq!(
        kb.article("wifi").map(|a| a.title.as_str()),
        Some("Cannot connect to the office Wi-Fi")
    );
    assert!(kb.article("nope").is_none());
}

#[test]
fn duplicate_slugs_are_rejected_by_build() {
    let a = article("same", "A", Scope::All, &[], "Body");
    match KnowledgeBase::build(vec![a.clone(), a]) {
        Err(KbError::DuplicateSlug(slug)) => assert_eq!(slug, "same"),
        other => panic!("expected a duplicate-slug error, got {other:?}"),
    }
}

#[test]
fn empty_knowledge_base_answers_nothing() {
    let kb = KnowledgeBase::build(Vec::new()).expect("build");
    assert!(kb.search("acme", "printer offline", 3).is_empty());
    assert!(kb.is_empty());
}

#[test]
fn explanation_shows_concepts_and_candidates() {
    let kb = general_kb();
    let explanation = kb.explain("acme", "printer offline");
    assert!(explanation.confident);
    assert_eq!(explanation.candidates[0].slug, "printer");
    assert!(explanation.to_string().contains("concept \"printer\""));
}
