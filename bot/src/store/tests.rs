//! One suite, run against SQLite and against a throwaway PostgreSQL cluster.

use chrono::{DateTime, TimeZone, Utc};

use super::*;
use crate::domain::{Actor, ClientPolicy, EventKind, Policy, Severity, Stage, Terms, UserId};
use crate::effects::{Destination, MessageKind, OutgoingMessage};

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

pub(super) fn alice() -> Actor {
    Actor {
        user: UserId::new("console:alice"),
        is_manager: false,
    }
}

pub(super) fn message(id: &IncidentId, text: &str) -> OutgoingMessage {
    OutgoingMessage::new(MessageKind::Notice, Some(id.clone()), text)
}

pub(super) fn room(platform: &str) -> Destination {
    Destination::Room {
        platform: platform.into(),
    }
}

pub(super) async fn declare(store: &dyn Store, client: &str, at: DateTime<Utc>) -> Incident {
    let client = ClientId::parse(client).unwrap();
    let id = store.next_incident_id(2026).await.unwrap();
    let policy = Policy::default();
    let terms = Terms {
        policy: &policy,
        client: &ClientPolicy::default(),
    };
    let (incident, event) = Incident::declare(
        id.clone(),
        client,
        Severity::P1,
        "Mail down".into(),
        &alice(),
        at,
        terms,
    );
    store
        .commit(Change {
            timer_at: incident.next_update_due,
            deliveries: vec![(
                None,
                Delivery {
                    destination: room("console"),
                    message: message(&id, "declared"),
                },
            )],
            incident: incident.clone(),
            expected_version: 0,
            events: vec![event],
        })
        .await
        .unwrap();
    incident
}

/// Commits one more event on a freshly declared incident (version 1), with nothing to deliver.
async fn commit_after_declaring(store: &dyn Store, incident: &Incident, event: TimelineEvent) {
    let mut next = incident.clone();
    next.apply(&event);
    store
        .commit(Change {
            incident: next,
            expected_version: 1,
            events: vec![event],
            deliveries: vec![],
            timer_at: None,
        })
        .await
        .unwrap();
}

async fn ids_are_sequential_per_year(store: &dyn Store) {
    let first = declare(store, "acme", t0()).await;
    let second = declare(store, "globex", t0()).await;
    assert_eq!(first.id.as_str(), "INC-2026-0001");
    assert_eq!(second.id.as_str(), "INC-2026-0002");
    let loaded = store.incident(&second.id).await.unwrap().unwrap();
    assert_eq!(loaded.incident, second);
    assert_eq!(loaded.version, 1);
    assert_eq!(store.timeline(&first.id).await.unwrap().len(), 1);
}

async fn a_conflicting_change_writes_nothing(store: &dyn Store) {
    let incident = declare(store, "acme", t0()).await;
    let stage = incident
        .change_stage(&alice(), Stage::Identified, t0())
        .unwrap();
    let mut next = incident.clone();
    next.apply(&stage);
    let change = |expected_version| Change {
        incident: next.clone(),
        expected_version,
        events: vec![stage.clone()],
        deliveries: vec![(
            None,
            Delivery {
                destination: room("console"),
                message: message(&incident.id, "stage"),
            },
        )],
        timer_at: None,
    };
    store.commit(change(1)).await.unwrap();
    let error = store.commit(change(1)).await.unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert_eq!(
        store.timeline(&incident.id).await.unwrap().len(),
        2,
        "the stale change added no event"
    );
    assert_eq!(
        store.pending_deliveries(&incident.id).await.unwrap(),
        2,
        "nor any delivery"
    );
    let stored = store.incident(&incident.id).await.unwrap().unwrap();
    assert_eq!(stored.version, 2);
    assert_eq!(stored.incident.stage, Stage::Identified);
}

async fn rooms_find_their_incident(store: &dyn Store) {
    let incident = declare(store, "acme", t0()).await;
    let opened = crate::domain::TimelineEvent {
        at: t0(),
        actor: None,
        kind: EventKind::RoomOpened {
            platform: "slack".into(),
            room: "C0ROOM".into(),
            name: "inc-20261125-acme-mail-down".into(),
            brief: None,
        },
    };
    commit_after_declaring(store, &incident, opened).await;
    let found = store
        .incident_by_room("slack", "C0ROOM")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(found.incident.id, incident.id);
    assert!(store
        .incident_by_room("discord", "C0ROOM")
        .await
        .unwrap()
        .is_none());
}

async fn due_timers_come_from_one_query(store: &dyn Store) {
    let early = declare(store, "acme", t0()).await;
    let late = declare(store, "globex", t0() + chrono::Duration::minutes(20)).await;
    let due = store
        .due_timers(t0() + chrono::Duration::minutes(31), 100)
        .await
        .unwrap();
    assert_eq!(due, vec![early.id.clone()]);
    let due = store
        .due_timers(t0() + chrono::Duration::hours(2), 100)
        .await
        .unwrap();
    assert_eq!(due, vec![early.id, late.id]);
}

async fn status_posts_stay_with_their_client(store: &dyn Store) {
    let acme = declare(store, "acme", t0()).await;
    let post = StatusPost {
        incident_id: acme.id.clone(),
        sequence: 1,
        client: acme.client.clone(),
        severity: "P1".into(),
        stage: "investigating".into(),
        title: acme.title.clone(),
        message: "We are investigating".into(),
        posted_at: t0(),
    };
    store.add_status_post(&post).await.unwrap();
    store.add_status_post(&post).await.unwrap();
    let since = t0() - chrono::Duration::days(90);
    assert_eq!(
        store.status_posts(&acme.client, since).await.unwrap(),
        vec![post]
    );
    let globex = ClientId::parse("globex").unwrap();
    assert!(store.status_posts(&globex, since).await.unwrap().is_empty());
}

async fn listing_filters_by_client_and_state(store: &dyn Store) {
    let acme = declare(store, "acme", t0()).await;
    declare(store, "globex", t0()).await;
    let resolved = acme.resolve(&alice(), None, None, t0()).unwrap();
    commit_after_declaring(store, &acme, resolved).await;
    let all = store.incidents(&IncidentFilter::default()).await.unwrap();
    assert_eq!(all.len(), 2);
    let open = store
        .incidents(&IncidentFilter {
            open_only: true,
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].client.as_str(), "globex");
    let acme_only = store
        .incidents(&IncidentFilter {
            client: Some(ClientId::parse("acme").unwrap()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(acme_only.len(), 1);
    assert!(acme_only[0].is_resolved());
    assert!(
        store
            .due_timers(t0() + chrono::Duration::days(1), 10)
            .await
            .unwrap()
            .len()
            == 1
    );
}

async fn retried_events_are_recognised(store: &dyn Store) {
    assert!(store.first_sighting("slack", "Ev123", t0()).await.unwrap());
    assert!(!store.first_sighting("slack", "Ev123", t0()).await.unwrap());
    assert!(
        store
            .first_sighting("discord", "Ev123", t0())
            .await
            .unwrap(),
        "platforms are separate"
    );
}

async fn overdue_and_next_timer(store: &dyn Store) {
    assert_eq!(store.next_timer_at().await.unwrap(), None);
    declare(store, "acme", t0()).await;
    assert_eq!(
        store.next_timer_at().await.unwrap(),
        Some(t0() + chrono::Duration::minutes(30))
    );
    assert_eq!(
        store
            .overdue_incidents(t0() + chrono::Duration::minutes(29))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        store
            .overdue_incidents(t0() + chrono::Duration::minutes(31))
            .await
            .unwrap(),
        1
    );
}

on_both_backends!(
    ids_are_sequential_per_year,
    a_conflicting_change_writes_nothing,
    rooms_find_their_incident,
    due_timers_come_from_one_query,
    status_posts_stay_with_their_client,
    listing_filters_by_client_and_state,
    retried_events_are_recognised,
    overdue_and_next_timer,
);

#[tokio::test]
async fn sqlite_keeps_everything_across_a_restart() {
    let (store, dir) = crate::testing::sqlite_store().await;
    let incident = declare(&store, "acme", t0()).await;
    store.close().await;
    let reopened = SqlStore::connect(&format!(
        "sqlite://{}",
        dir.path().join("test.db").display()
    ))
    .await
    .unwrap();
    reopened.migrate().await.unwrap();
    assert_eq!(
        reopened
            .incident(&incident.id)
            .await
            .unwrap()
            .unwrap()
            .incident,
        incident
    );
}

#[tokio::test]
async fn a_file_that_is_not_a_database_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("corrupt.db");
    std::fs::write(
        &path,
        b"this is certainly not an SQLite database file, just text".repeat(100),
    )
    .unwrap();
    let result = SqlStore::connect(&format!("sqlite://{}", path.display())).await;
    assert!(result.is_err(), "a corrupt database must not open");
}

#[tokio::test]
async fn an_unreachable_postgres_is_an_error() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let result = SqlStore::connect(&format!("postgres://postgres@127.0.0.1:{port}/nothing")).await;
    assert!(result.is_err());
}

/// Store calls are debug spans naming their incident, so a slow or failing statement in the log
/// says which incident it was for.
#[tokio::test]
async fn store_calls_are_spans_naming_their_incident() {
    let (store, _dir) = crate::testing::sqlite_store().await;
    let incident = declare(&store, "acme", t0()).await;
    let written = crate::testing::logs::capture_on_this_thread();
    store.timeline(&incident.id).await.unwrap();
    let text = written.text();
    let closed: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("DEBUG") && line.contains(": close "))
        .filter(|line| line.contains(&format!("timeline{{incident={}}}", incident.id)))
        .collect();
    assert_eq!(closed.len(), 1, "{text}");
}
