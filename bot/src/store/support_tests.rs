//! Support requests on both backends: the link that makes Declare P1 idempotent, and inbound
//! events recorded as handled in the transaction of their effect.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::{Actor, ClientPolicy, Policy, Severity, Terms, UserId};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn question_from(asker: &str) -> NewSupportRequest {
    NewSupportRequest {
        client: ClientId::parse("acme").unwrap(),
        asker: UserId::new(asker),
        platform: "console".into(),
        channel: "support:acme".into(),
        question: "nobody can log in".into(),
        suggestions: Vec::new(),
        outcome: SupportOutcome::Escalated,
        incident_id: None,
        at: t0(),
    }
}

async fn asked(store: &dyn Store, asker: &str) -> SupportRequest {
    store
        .create_support_request(question_from(asker), &|_| Vec::new())
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
        let linked = store.support_request(id).await.unwrap().unwrap();
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
            .create_support_request(question_from("console:ann"), &|_| Vec::new())
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
            .recent_support_requests(&acme, since)
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

on_both_backends!(
    two_simultaneous_declarations_link_once,
    a_linked_request_is_never_relinked,
    an_event_is_handled_when_its_effect_commits_and_only_then,
);
