//! The review pages' store, run against SQLite and a throwaway PostgreSQL cluster: postmortems
//! with optimistic locking, comments, the filtered review list, report queries, sign-in and sessions.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};

use super::*;
use crate::domain::review::{ActionItem, Postmortem, ReviewComment, ReviewState, Transition};
use crate::domain::{Actor, ClientPolicy, EventKind, Policy, Severity, Terms, UserId};

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

fn maria() -> UserId {
    UserId::new("console:maria")
}

/// Declares an incident and, when `resolve_after` is given, resolves it with its draft.
async fn incident(
    store: &dyn Store,
    client: &str,
    severity: Severity,
    at: DateTime<Utc>,
    resolve_after: Option<i64>,
) -> Incident {
    let id = store.next_incident_id(2026).await.unwrap();
    let policy = Policy::default();
    let actor = Actor {
        user: UserId::new("console:alice"),
        is_manager: false,
    };
    let terms = Terms {
        policy: &policy,
        client: &ClientPolicy::default(),
    };
    let client = ClientId::parse(client).unwrap();
    let (mut incident, declared) =
        Incident::declare(id, client, severity, "Mail down".into(), &actor, at, terms);
    let change = |incident: &Incident, version, events| Change {
        incident: incident.clone(),
        expected_version: version,
        events,
        deliveries: vec![],
        timer_at: None,
    };
    store
        .commit(change(&incident, 0, vec![declared]))
        .await
        .unwrap();
    if let Some(minutes) = resolve_after {
        let resolved = incident
            .resolve(
                &actor,
                Some("Certificate renewed".into()),
                None,
                at + Duration::minutes(minutes),
            )
            .unwrap();
        incident.apply(&resolved);
        let draft = Postmortem::draft(
            incident.id.clone(),
            incident.client.clone(),
            incident.summary.as_deref(),
            resolved.at,
        );
        store
            .commit_resolution(change(&incident, 1, vec![resolved]), &draft)
            .await
            .unwrap();
    }
    incident
}

async fn resolving_writes_a_draft_that_saves_with_locking(store: &dyn Store) {
    let incident = incident(store, "acme", Severity::P1, t0(), Some(30)).await;
    let draft = store.postmortem(&incident.id).await.unwrap().unwrap();
    assert_eq!(draft.state, ReviewState::Draft);
    assert_eq!(draft.sections.summary, "Certificate renewed");
    assert_eq!(draft.version, 1);
    assert_eq!(store.timeline(&incident.id).await.unwrap().len(), 2);

    let mut sections = draft.sections.clone();
    sections.impact = "No mail for 30 minutes".into();
    let items = vec![ActionItem {
        description: "Automate renewal".into(),
        owner: "bob".into(),
        due: NaiveDate::from_ymd_opt(2026, 12, 1),
    }];
    let edited = draft.edit(sections, items.clone(), &maria(), t0()).unwrap();
    store.save_postmortem(&edited, 1, None).await.unwrap();
    // A second editor who read version 1 loses, and nothing of theirs is written.
    let stale = draft
        .transition(Transition::Submit, &maria(), t0())
        .unwrap();
    let comment = ReviewComment {
        incident_id: incident.id.clone(),
        author: maria(),
        body: "submitted".into(),
        at: t0(),
    };
    let error = store
        .save_postmortem(&stale, 1, Some(&comment))
        .await
        .unwrap_err();
    assert!(matches!(error, StoreError::Conflict(_)), "{error}");
    assert!(store
        .review_comments(&incident.id)
        .await
        .unwrap()
        .is_empty());

    let saved = store.postmortem(&incident.id).await.unwrap().unwrap();
    assert_eq!(saved.version, 2);
    assert_eq!(saved.sections.impact, "No mail for 30 minutes");
    assert_eq!(saved.action_items, items);
    assert_eq!(saved.updated_by, Some(maria()));
    let submitted = saved
        .transition(Transition::Submit, &maria(), t0())
        .unwrap();
    store
        .save_postmortem(&submitted, 2, Some(&comment))
        .await
        .unwrap();
    assert_eq!(
        store.review_comments(&incident.id).await.unwrap(),
        vec![comment]
    );

    // A second draft for the same incident (a replayed resolution) keeps the edited postmortem.
    let again = Postmortem::draft(incident.id.clone(), incident.client.clone(), None, t0());
    let stored = store.postmortem(&incident.id).await.unwrap().unwrap();
    let versioned = store.incident(&incident.id).await.unwrap().unwrap();
    let replay = Change {
        incident: versioned.incident,
        expected_version: versioned.version,
        events: vec![],
        deliveries: vec![],
        timer_at: None,
    };
    store.commit_resolution(replay, &again).await.unwrap();
    assert_eq!(
        store.postmortem(&incident.id).await.unwrap().unwrap(),
        stored
    );
    assert_eq!(stored.state, ReviewState::InReview);
}

async fn the_review_list_filters_and_pages(store: &dyn Store) {
    let day = Duration::days(1);
    let a1 = incident(store, "acme", Severity::P1, t0(), Some(10)).await;
    let _a2 = incident(store, "acme", Severity::P2, t0() + day, None).await;
    let g1 = incident(store, "globex", Severity::P1, t0() + day * 2, Some(10)).await;
    let _old = incident(store, "acme", Severity::P1, t0() - day * 40, Some(10)).await;
    let approved = store
        .postmortem(&a1.id)
        .await
        .unwrap()
        .unwrap()
        .transition(Transition::Submit, &maria(), t0())
        .unwrap();
    store.save_postmortem(&approved, 1, None).await.unwrap();

    let all = store
        .review_page(&ReviewFilter::default(), 0, 2)
        .await
        .unwrap();
    assert_eq!(all.total, 4);
    assert_eq!(all.rows.len(), 2);
    assert_eq!(all.rows[0].incident.id, g1.id, "newest first");
    assert_eq!(
        all.rows[1].state, None,
        "an open incident has no postmortem yet"
    );
    let rest = store
        .review_page(&ReviewFilter::default(), 2, 2)
        .await
        .unwrap();
    assert_eq!(rest.rows.len(), 2);

    let ids = |page: ReviewPage| -> Vec<IncidentId> {
        page.rows.into_iter().map(|r| r.incident.id).collect()
    };
    let acme_p1 = ReviewFilter {
        client: Some(ClientId::parse("acme").unwrap()),
        severity: Some(Severity::P1),
        declared: Some((t0() - day, t0() + day * 30)),
        state: None,
    };
    assert_eq!(
        ids(store.review_page(&acme_p1, 0, 50).await.unwrap()),
        vec![a1.id.clone()]
    );
    let in_review = ReviewFilter {
        state: Some(ReviewState::InReview),
        ..ReviewFilter::default()
    };
    let page = store.review_page(&in_review, 0, 50).await.unwrap();
    assert_eq!((page.total, ids(page)), (1, vec![a1.id.clone()]));

    let acme = ClientId::parse("acme").unwrap();
    let month = store
        .client_incidents(&acme, t0() - day, t0() + day * 30)
        .await
        .unwrap();
    assert_eq!(month.len(), 2);
    let timelines = store
        .client_timelines(&acme, t0() - day, t0() + day * 30)
        .await
        .unwrap();
    assert_eq!(timelines.len(), 2);
    assert_eq!(timelines[1].0, a1.id);
    assert!(matches!(timelines[1].1[0].kind, EventKind::Declared { .. }));
    assert!(matches!(timelines[1].1[1].kind, EventKind::Resolved { .. }));
    assert_eq!(timelines[0].1.len(), 1);
}

async fn sign_in_links_work_once_and_expire(store: &dyn Store) {
    let link = |hash: &str, expires: DateTime<Utc>| SignInLink {
        token_hash: hash.into(),
        user: maria(),
        next_path: "/incidents".into(),
        created_at: t0(),
        expires_at: expires,
        used_at: None,
    };
    store
        .create_sign_in(&link("h1", t0() + Duration::minutes(15)))
        .await
        .unwrap();
    store
        .create_sign_in(&link("h2", t0() + Duration::minutes(15)))
        .await
        .unwrap();
    let later = t0() + Duration::minutes(5);
    let redeemed = store
        .redeem_sign_in("h1", "s1", later + Duration::hours(12), later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(redeemed.user, maria());
    assert!(store
        .sign_in_link("h1")
        .await
        .unwrap()
        .unwrap()
        .used_at
        .is_some());
    assert!(
        store
            .redeem_sign_in("h1", "s2", later, later)
            .await
            .unwrap()
            .is_none(),
        "a link works once"
    );
    let expired = t0() + Duration::minutes(16);
    assert!(
        store
            .redeem_sign_in("h2", "s3", expired, expired)
            .await
            .unwrap()
            .is_none(),
        "an expired link is refused"
    );
    assert!(store
        .redeem_sign_in("nope", "s4", later, later)
        .await
        .unwrap()
        .is_none());

    let session = store.session("s1", later).await.unwrap().unwrap();
    assert_eq!(session.user, maria());
    assert!(store.session("s2", later).await.unwrap().is_none());
    assert!(store
        .session("s1", later + Duration::hours(13))
        .await
        .unwrap()
        .is_none());
    store.end_session("s1").await.unwrap();
    assert!(store.session("s1", later).await.unwrap().is_none());
}

on_both_backends!(
    resolving_writes_a_draft_that_saves_with_locking,
    the_review_list_filters_and_pages,
    sign_in_links_work_once_and_expire,
);
