//! Request signing helpers: Slack's `v0` HMAC signatures and Discord's Ed25519 interaction signatures.

use ed25519_dalek::{Signer, SigningKey};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Fixed seed of the Discord test application's Ed25519 key, so signatures are reproducible.
const DISCORD_TEST_SEED: [u8; 32] = *b"commandpost-discord-test-key-32b";

/// Computes Slack's `X-Slack-Signature` value for a request: `v0=` followed by the hex
/// HMAC-SHA256 of `v0:{timestamp}:{body}` keyed with the app's signing secret.
pub fn sign_slack(signing_secret: &str, timestamp: &str, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = Hmac::<Sha256>::new_from_slice(signing_secret.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    format!("v0={}", hex::encode(mac.finalize().into_bytes()))
}

/// The Discord test application's key pair: the signing key (keep it in the test) and the
/// public key as lowercase hex, the form Discord shows in the developer portal and the bot
/// reads from `[discord] public_key`.
pub fn discord_test_keys() -> (SigningKey, String) {
    let key = SigningKey::from_bytes(&DISCORD_TEST_SEED);
    let public_hex = hex::encode(key.verifying_key().to_bytes());
    (key, public_hex)
}

/// Computes Discord's `X-Signature-Ed25519` value: the hex Ed25519 signature of
/// `{timestamp}{body}`. Send `timestamp` as `X-Signature-Timestamp`.
pub fn sign_interaction(key: &SigningKey, timestamp: &str, body: &[u8]) -> String {
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    hex::encode(key.sign(&message).to_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use ed25519_dalek::{Signature, Verifier};

    /// Known-answer vector from Slack's own SDK tests (see specs/README.md of the project).
    #[test]
    fn slack_signature_matches_known_answer() {
        let body = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
        assert_eq!(
            sign_slack(
                "8f742231b10e8888abcd99yyyzzz85a5",
                "1531420618",
                body.as_bytes()
            ),
            "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503"
        );
    }

    #[test]
    fn discord_signature_verifies_with_the_published_key() {
        let (key, public_hex) = discord_test_keys();
        let signature = sign_interaction(&key, "1700000000", br#"{"type":1}"#);
        let public: [u8; 32] = hex::decode(&public_hex).unwrap().try_into().unwrap();
        let verifying = ed25519_dalek::VerifyingKey::from_bytes(&public).unwrap();
        let sig_bytes: [u8; 64] = hex::decode(signature).unwrap().try_into().unwrap();
        let sig = Signature::from_bytes(&sig_bytes);
        assert!(verifying.verify(b"1700000000{\"type\":1}", &sig).is_ok());
        assert!(verifying.verify(b"1700000001{\"type\":1}", &sig).is_err());
    }
}
