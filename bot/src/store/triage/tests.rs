//! Triage requests on both backends: each rule's change applied only from the state it saw,
//! learned phrasings kept with the change that taught them, the link that makes Declare P1
//! idempotent, and inbound events recorded as handled in the transaction of their effect.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::triage::TriageOutcome;
use crate::domain::{Actor, ClientId, ClientPolicy, Incident, Policy, Severity, Terms, UserId};
use crate::store::{handling_event, Change, IncidentFilter, Store, StoreError};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn question_from(asker: &str) -> NewTriageRequest {
    NewTriageRequest {
        client: ClientId::parse("acme").unwrap(),
        asker: UserId::new(asker),
        platform: "console".into(),
        channel: "support:acme".into(),
        question: "nobody can log in".into(),
        suggestions: Vec::new(),
        outcome: TriageOutcome::Escalated,
        incident_id: None,
        at: t0(),
    }
}

async fn asked(store: &dyn Store, asker: &str) -> TriageRequest {
    store
        .create_triage_request(question_from(asker), &|_| Vec::new())
        .await
        .unwrap()
}

async fn new_incident(store: &dyn Store, by: &str) -> Change {
    let id = store.next_incident_id(2026).await.unwrap();
    let policy = Policy::default();
    let actor = Actor {
        user: UserId::new(by),
        is_manager: false,
    };
    let (incident, event) = Incident::declare(
        id,
        ClientId::parse("acme").unwrap(),
        Severity::P1,
        "Reported by 2 users".into(),
        &actor,
        t0(),
        Terms {
            policy: &policy,
            client: &ClientPolicy::default(),
        },
    );
    Change {
        timer_at: incident.next_update_due,
        incident,
        expected_version: 0,
        events: vec![event],
        deliveries: Vec::new(),
    }
}

async fn two_simultaneous_declarations_link_once(store: &dyn Store) {
    let ids = [
        asked(store, "console:ann").await.id,
        asked(store, "console:bo").await.id,
    ];
    let first = new_incident(store, "console:alice").await;
    let second = new_incident(store, "console:bob").await;
    let (a, b) = tokio::join!(
        store.commit_linking(first.clone(), &ids),
        store.commit_linking(second.clone(), &ids)
    );
    let outcomes = [a.is_ok(), b.is_ok()];
    assert_eq!(
        outcomes.iter().filter(|ok| **ok).count(),
        1,
        "exactly one declaration wins: {a:?} {b:?}"
    );
    let loser = if a.is_ok() { b } else { a };
    assert!(
        matches!(loser, Err(StoreError::AlreadyLinked(_))),
        "{loser:?}"
    );
    let winner = if outcomes[0] { &first } else { &second };
    let incidents = store.incidents(&IncidentFilter::default()).await.unwrap();
    assert_eq!(incidents.len(), 1, "the loser wrote nothing");
    assert_eq!(incidents[0].id, winner.incident.id);
    for id in ids {
        let linked = store.triage_request(id).await.unwrap().unwrap();
        assert_eq!(linked.incident_id.as_ref(), Some(&winner.incident.id));
    }
}

async fn a_linked_request_is_never_relinked(store: &dyn Store) {
    let id = asked(store, "console:ann").await.id;
    store
        .commit_linking(new_incident(store, "console:alice").await, &[id])
        .await
        .unwrap();
    let late = new_incident(store, "console:bob").await;
    let refused = store.commit_linking(late.clone(), &[id]).await;
    assert!(matches!(refused, Err(StoreError::AlreadyLinked(n)) if n == id));
    assert!(store.incident(&late.incident.id).await.unwrap().is_none());
}

async fn an_event_is_handled_when_its_effect_commits_and_only_then(store: &dyn Store) {
    // The effect commits: the event is recorded with it, and a retry's write is refused.
    handling_event("slack", "Ev1", async {
        asked(store, "console:ann").await;
    })
    .await;
    assert!(store.already_handled("slack", "Ev1").await.unwrap());
    let retry = handling_event("slack", "Ev1", async {
        store
            .create_triage_request(question_from("console:ann"), &|_| Vec::new())
            .await
    })
    .await;

    assert!(
        matches!(retry, Err(StoreError::AlreadyHandled(ref id)) if id == "Ev1"),
        "{retry:?}"
    );
    let acme = ClientId::parse("acme").unwrap();
    let since = t0() - chrono::Duration::hours(1);
    assert_eq!(
        store
            .recent_triage_requests(&acme, since)
            .await
            .unwrap()
            .len(),
        1
    );

    // The handling fails before its effect commits (a conflict here, a crash in life): the
    // event stays unrecorded, so the platform's retry is handled.
    let change = new_incident(store, "console:alice").await;
    let failed = handling_event("slack", "Ev2", async {
        let mut stale = change.clone();
        stale.expected_version = 7;
        store.commit(stale).await
    })
    .await;
    assert!(matches!(failed, Err(StoreError::Conflict(_))), "{failed:?}");
    assert!(!store.already_handled("slack", "Ev2").await.unwrap());
    handling_event("slack", "Ev2", store.commit(change))
        .await
        .unwrap();
    assert!(store.already_handled("slack", "Ev2").await.unwrap());
}

fn suggested_from(asker: &str, article: &str) -> NewTriageRequest {
    NewTriageRequest {
        suggestions: vec![article.to_owned()],
        outcome: TriageOutcome::Suggested,
        question: "the vpn drops every few minutes".into(),
        ..question_from(asker)
    }
}

async fn stored(store: &dyn Store, id: i64) -> TriageRequest {
    store.triage_request(id).await.unwrap().unwrap()
}

async fn solving_keeps_the_phrasing_in_the_same_change_once(store: &dyn Store) {
    let asked = store
        .create_triage_request(suggested_from("console:ann", "vpn-reconnect"), &|_| {
            Vec::new()
        })
        .await
        .unwrap();
    let ann = UserId::new("console:ann");
    let solve = asked.solve(&ann, t0()).unwrap();
    assert!(store
        .apply_triage_change(&asked, solve.clone(), Vec::new(), t0())
        .await
        .unwrap());
    let now = stored(store, asked.id).await;
    assert_eq!(now.outcome, TriageOutcome::Solved);
    assert_eq!(now.resolved_at, Some(t0()));
    // A second click on the same button found the request moved on: nothing changes, nothing
    // is learned twice.
    assert!(!store
        .apply_triage_change(&asked, solve, Vec::new(), t0())
        .await
        .unwrap());
    let learned = store.learned_phrasings(None).await.unwrap();
    assert_eq!(learned.len(), 1);
    assert_eq!(learned[0].slug, "vpn-reconnect");
    assert_eq!(learned[0].question, "the vpn drops every few minutes");
    assert_eq!(learned[0].client.as_str(), "acme");
}

async fn a_ticket_is_taken_once_and_answered_with_an_article(store: &dyn Store) {
    let ticket = asked(store, "console:ann").await;
    assert_eq!(ticket.outcome, TriageOutcome::Escalated);
    let desk = UserId::new("console:desk");
    let other = UserId::new("console:other");
    let (first, second) = (
        ticket.take(&desk, t0()).unwrap(),
        ticket.take(&other, t0()).unwrap(),
    );
    let (a, b) = tokio::join!(
        store.apply_triage_change(&ticket, first, Vec::new(), t0()),
        store.apply_triage_change(&ticket, second, Vec::new(), t0())
    );
    assert_eq!(
        [a.unwrap(), b.unwrap()].iter().filter(|won| **won).count(),
        1,
        "one taker wins"
    );
    let taken = stored(store, ticket.id).await;
    assert!(taken.taken_by.is_some());
    assert_eq!(taken.taken_at, Some(t0()));

    let later = t0() + chrono::Duration::minutes(20);
    let answer = taken.answer(&desk, "vpn-reconnect", later).unwrap();
    assert!(store
        .apply_triage_change(&taken, answer.clone(), Vec::new(), later)
        .await
        .unwrap());
    let answered = stored(store, ticket.id).await;
    assert_eq!(answered.outcome, TriageOutcome::Answered);
    assert_eq!(answered.answer_article.as_deref(), Some("vpn-reconnect"));
    assert_eq!(answered.resolved_at, Some(later));
    assert_eq!(
        answered.taken_by, taken.taken_by,
        "the taker stays the taker"
    );
    assert!(!store
        .apply_triage_change(&answered, answer, Vec::new(), later)
        .await
        .unwrap());
    assert_eq!(store.learned_phrasings(None).await.unwrap().len(), 1);
}

async fn an_untaken_ticket_answered_is_taken_by_the_answerer(store: &dyn Store) {
    let ticket = asked(store, "console:ann").await;
    let desk = UserId::new("console:desk");
    let answer = ticket.answer(&desk, "vpn-reconnect", t0()).unwrap();
    assert!(store
        .apply_triage_change(&ticket, answer, Vec::new(), t0())
        .await
        .unwrap());
    let answered = stored(store, ticket.id).await;
    assert_eq!(answered.taken_by, Some(desk));
    assert_eq!(answered.taken_at, Some(t0()));
}

async fn escalating_and_burst_alerts_are_stored(store: &dyn Store) {
    let asked = store
        .create_triage_request(suggested_from("console:ann", "vpn-reconnect"), &|_| {
            Vec::new()
        })
        .await
        .unwrap();
    let escalate = asked.escalate(&UserId::new("console:ann"), t0()).unwrap();
    assert!(store
        .apply_triage_change(&asked, escalate, Vec::new(), t0())
        .await
        .unwrap());
    let escalated = stored(store, asked.id).await;
    assert_eq!(escalated.outcome, TriageOutcome::Escalated);
    assert_eq!(escalated.escalated_at, Some(t0()));
    assert!(store.learned_phrasings(None).await.unwrap().is_empty());

    let acme = ClientId::parse("acme").unwrap();
    store
        .alert_burst(&acme, &[asked.id], Vec::new(), t0())
        .await
        .unwrap();
    assert!(stored(store, asked.id).await.alerted);
    let globex = ClientId::parse("globex").unwrap();
    let since = t0() - chrono::Duration::hours(1);
    assert!(store
        .recent_triage_requests(&globex, since)
        .await
        .unwrap()
        .is_empty());
    let after = t0() + chrono::Duration::seconds(1);
    assert!(store
        .recent_triage_requests(&acme, after)
        .await
        .unwrap()
        .is_empty());
}

async fn learned_phrasings_are_listed_per_client_and_forgotten(store: &dyn Store) {
    for (client, asker) in [("acme", "console:ann"), ("globex", "console:gus")] {
        let asked = store
            .create_triage_request(
                NewTriageRequest {
                    client: ClientId::parse(client).unwrap(),
                    ..suggested_from(asker, "vpn-reconnect")
                },
                &|_| Vec::new(),
            )
            .await
            .unwrap();
        let solve = asked.solve(&UserId::new(asker), t0()).unwrap();
        store
            .apply_triage_change(&asked, solve, Vec::new(), t0())
            .await
            .unwrap();
    }
    let acme = ClientId::parse("acme").unwrap();
    let mine = store.learned_phrasings(Some(&acme)).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert_eq!(mine[0].client, acme);
    assert!(store.forget_phrasing(mine[0].id).await.unwrap());
    assert!(!store.forget_phrasing(mine[0].id).await.unwrap());
    assert!(store
        .learned_phrasings(Some(&acme))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(store.learned_phrasings(None).await.unwrap().len(), 1);
}

on_both_backends!(
    solving_keeps_the_phrasing_in_the_same_change_once,
    a_ticket_is_taken_once_and_answered_with_an_article,
    an_untaken_ticket_answered_is_taken_by_the_answerer,
    escalating_and_burst_alerts_are_stored,
    learned_phrasings_are_listed_per_client_and_forgotten,
    two_simultaneous_declarations_link_once,
    a_linked_request_is_never_relinked,
    an_event_is_handled_when_its_effect_commits_and_only_then,
);
