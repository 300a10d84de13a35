//! Discord's request signing: `X-Signature-Ed25519` over `X-Signature-Timestamp` + body, checked
//! with the application's public key, and the timestamp within five minutes of now.

use chrono::{DateTime, Utc};
use ed25519_dalek::{Signature, VerifyingKey};
use thiserror::Error;

/// How far the signed timestamp may be from now, either way.
pub const MAX_SKEW_SECS: i64 = 300;

#[derive(Debug, Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the {0} header is missing")]
    Missing(&'static str),
    #[error("the signature or timestamp is malformed")]
    Malformed,
    #[error("the timestamp is more than 5 minutes from now")]
    Stale,
    #[error("the signature does not match")]
    Invalid,
}

/// Reads the application's public key: 64 hex characters, as the developer portal shows it.
pub fn public_key(hex_key: &str) -> Result<VerifyingKey, String> {
    let bytes: [u8; 32] = hex::decode(hex_key.trim())
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or("discord.public_key must be 64 hex characters")?;
    VerifyingKey::from_bytes(&bytes)
        .map_err(|_| "discord.public_key is not a valid Ed25519 public key".to_owned())
}

/// Checks one request. `now` comes from the engine's clock.
pub fn verify(
    key: &VerifyingKey,
    signature: Option<&str>,
    timestamp: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let signature = signature.ok_or(SignatureError::Missing("X-Signature-Ed25519"))?;
    let timestamp = timestamp.ok_or(SignatureError::Missing("X-Signature-Timestamp"))?;
    let bytes: [u8; 64] = hex::decode(signature)
        .ok()
        .and_then(|bytes| bytes.try_into().ok())
        .ok_or(SignatureError::Malformed)?;
    let mut message = Vec::with_capacity(timestamp.len() + body.len());
    message.extend_from_slice(timestamp.as_bytes());
    message.extend_from_slice(body);
    key.verify_strict(&message, &Signature::from_bytes(&bytes))
        .map_err(|_| SignatureError::Invalid)?;
    let signed_at: i64 = timestamp.parse().map_err(|_| SignatureError::Malformed)?;
    if now.timestamp().abs_diff(signed_at) > MAX_SKEW_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use commandpost_chat_fakes::{discord_test_keys, sign_interaction};

    #[test]
    fn accepts_fresh_signed_requests_only() {
        let (signing, public_hex) = discord_test_keys();
        let key = public_key(&public_hex).unwrap();
        let now = Utc::now();
        let ts = now.timestamp().to_string();
        let body = br#"{"type":1}"#;
        let good = sign_interaction(&signing, &ts, body);
        assert_eq!(verify(&key, Some(&good), Some(&ts), body, now), Ok(()));
        assert_eq!(
            verify(&key, Some(&good), Some(&ts), br#"{"type":2}"#, now),
            Err(SignatureError::Invalid)
        );
        assert_eq!(
            verify(&key, Some("zz"), Some(&ts), body, now),
            Err(SignatureError::Malformed)
        );
        assert_eq!(
            verify(&key, None, Some(&ts), body, now),
            Err(SignatureError::Missing("X-Signature-Ed25519"))
        );
        let old = (now.timestamp() - 301).to_string();
        let stale = sign_interaction(&signing, &old, body);
        assert_eq!(
            verify(&key, Some(&stale), Some(&old), body, now),
            Err(SignatureError::Stale)
        );
        let future = (now.timestamp() + 301).to_string();
        let early = sign_interaction(&signing, &future, body);
        assert_eq!(
            verify(&key, Some(&early), Some(&future), body, now),
            Err(SignatureError::Stale)
        );
        for extreme in [i64::MIN, i64::MAX] {
            let ts = extreme.to_string();
            let signed = sign_interaction(&signing, &ts, body);
            assert_eq!(
                verify(&key, Some(&signed), Some(&ts), body, now),
                Err(SignatureError::Stale),
                "no overflow at {ts}"
            );
        }
    }

    #[test]
    fn public_keys_are_checked() {
        assert!(public_key("abc").is_err());
        assert!(public_key(&discord_test_keys().1).is_ok());
    }
}
