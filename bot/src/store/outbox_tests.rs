//! The outbox on both backends: claims, leases, ordering per lane, and who may write an outcome.

use std::time::Duration;

use super::tests::{alice, declare, message, room, t0};
use super::*;
use crate::domain::Stage;
use crate::effects::Destination;

async fn outbox_claims_lease_and_order(store: &dyn Store) {
    let incident = declare(store, "acme", t0()).await;
    let mut next = incident.clone();
    let stage = incident
        .change_stage(&alice(), Stage::Identified, t0())
        .unwrap();
    next.apply(&stage);
    store
        .commit(Change {
            incident: next,
            expected_version: 1,
            events: vec![stage],
            deliveries: vec![
                (
                    None,
                    Delivery {
                        destination: room("console"),
                        message: message(&incident.id, "second in the room"),
                    },
                ),
                (
                    Some(1),
                    Delivery {
                        destination: Destination::StatusPage,
                        message: message(&incident.id, "update"),
                    },
                ),
            ],
            timer_at: None,
        })
        .await
        .unwrap();
    let lease = Duration::from_secs(30);
    let claimed = store.claim_deliveries("w1", t0(), 10, lease).await.unwrap();
    // The room's second message waits for its first; the status page is a lane of its own.
    let texts: Vec<_> = claimed
        .iter()
        .map(|item| item.delivery.message.text.as_str())
        .collect();
    assert_eq!(texts, vec!["declared", "update"]);
    assert_eq!(claimed[1].update_sequence, Some(1));
    assert_eq!(claimed[0].attempts, 1);
    assert!(
        store
            .claim_deliveries("w1", t0(), 10, lease)
            .await
            .unwrap()
            .is_empty(),
        "leased rows are not claimed twice"
    );

    let receipt = Receipt {
        id: "1".into(),
        room: None,
    };
    store
        .delivery_succeeded(&claimed[0], &receipt, t0(), None)
        .await
        .unwrap();
    store
        .delivery_failed(
            &claimed[1],
            "HTTP 500",
            Some(t0() + chrono::Duration::seconds(5)),
            None,
        )
        .await
        .unwrap();
    let claimed_again = store.claim_deliveries("w1", t0(), 10, lease).await.unwrap();
    let texts: Vec<_> = claimed_again
        .iter()
        .map(|item| item.delivery.message.text.as_str())
        .collect();
    assert_eq!(
        texts,
        vec!["second in the room"],
        "the failed one waits for its retry time"
    );
    let retried = store
        .claim_deliveries("w1", t0() + chrono::Duration::seconds(5), 10, lease)
        .await
        .unwrap();
    assert_eq!(retried.len(), 1);
    assert_eq!(retried[0].attempts, 2);
    store
        .delivery_failed(&retried[0], "gone", None, None)
        .await
        .unwrap();
    assert_eq!(store.pending_deliveries(&incident.id).await.unwrap(), 1);
    // An expired lease makes a row claimable again (its claimer died)…
    let later = t0() + chrono::Duration::seconds(60);
    let expired = store
        .claim_deliveries("w2", later, 10, lease)
        .await
        .unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0].delivery.message.text, "second in the room");
    assert_eq!(expired[0].claim, "w2:2");
    // …and the presumed-dead worker's late answer changes nothing: the claim is w2's now.
    let stale = &claimed_again[0];
    assert_eq!(stale.claim, "w1:1");
    assert!(matches!(
        store
            .delivery_failed(stale, "late", Some(later), None)
            .await,
        Err(StoreError::ClaimLost(_))
    ));
    assert!(matches!(
        store.delivery_succeeded(stale, &receipt, later, None).await,
        Err(StoreError::ClaimLost(_))
    ));
    assert!(matches!(
        store.extend_claim(stale, later, lease).await,
        Err(StoreError::ClaimLost(_))
    ));
    // The holder extends its lease, so nobody else can claim it meanwhile.
    store
        .extend_claim(&expired[0], later + chrono::Duration::seconds(25), lease)
        .await
        .unwrap();
    assert!(store
        .claim_deliveries("w3", later + chrono::Duration::seconds(40), 10, lease)
        .await
        .unwrap()
        .is_empty());
    store
        .delivery_succeeded(&expired[0], &receipt, later, None)
        .await
        .unwrap();
    assert_eq!(store.pending_deliveries(&incident.id).await.unwrap(), 0);
}

on_both_backends!(outbox_claims_lease_and_order);
