//! Webhooks signed the Standard Webhooks way, checked with a verifier written from the
//! specification; a retry keeps the delivery's id.

use super::*;

/// The Standard Webhooks verification, written from the specification, not from the sender.
fn verifies(secret: &str, id: &str, timestamp: &str, body: &str, header: &str) -> bool {
    let key = base64::engine::general_purpose::STANDARD
        .decode(secret.strip_prefix("whsec_").unwrap())
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{timestamp}.{body}").as_bytes());
    let expected = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    header
        .split(' ')
        .filter_map(|sig| sig.strip_prefix("v1,"))
        .any(|sig| sig == expected)
}

#[tokio::test]
async fn webhook_deliveries_are_signed_and_keep_their_id_across_retries() {
    let world = World::new().await;
    world.hook.answer_next(500, None);
    let room = world
        .declare("/incident declare P1 acme Email is down")
        .await;
    world
        .run(Some(&room), "/incident update We are investigating.")
        .await;
    world.later(30).await;
    let calls = world.hook.calls();
    assert_eq!(calls.len(), 2, "{calls:?}");
    let (first, second) = (
        calls[0].signature.clone().unwrap(),
        calls[1].signature.clone().unwrap(),
    );
    assert_eq!(first.id, second.id, "the retry is the same message");
    for (call, signed) in [(&calls[0], &first), (&calls[1], &second)] {
        assert!(verifies(
            ACME_SECRET,
            &signed.id,
            &signed.timestamp,
            &call.raw_body,
            &signed.signature
        ));
        assert!(!verifies(
            "whsec_dGhpcyBpcyBub3QgdGhlIHJpZ2h0IHNlY3JldA==",
            &signed.id,
            &signed.timestamp,
            &call.raw_body,
            &signed.signature
        ));
    }
    let tampered = calls[1].raw_body.replace("investigating", "finished");
    assert!(!verifies(
        ACME_SECRET,
        &second.id,
        &second.timestamp,
        &tampered,
        &second.signature
    ));
    assert_eq!(
        second.timestamp,
        (winter() + chrono::Duration::seconds(30))
            .timestamp()
            .to_string(),
        "the timestamp is when this attempt was sent"
    );
}
