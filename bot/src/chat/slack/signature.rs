//! Slack request signing: `X-Slack-Signature` is `v0=` + hex HMAC-SHA256 of `v0:{ts}:{body}`
//! keyed with the app's signing secret; requests older (or newer) than five minutes are refused.
//! Ours rather than slack-morphism's `SlackEventSignatureVerifier`: that one reads the wall clock
//! (ours takes the engine's injected clock, so tests pin time) and wants the body as `&str`.

use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;
use thiserror::Error;

/// How far a request's timestamp may be from now (Slack's own recommendation).
pub const WINDOW_SECS: i64 = 5 * 60;

pub const SIGNATURE_HEADER: &str = "x-slack-signature";
pub const TIMESTAMP_HEADER: &str = "x-slack-request-timestamp";

/// Why a request was refused before anything in it was read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum SignatureError {
    #[error("the request has no X-Slack-Signature or X-Slack-Request-Timestamp header")]
    Missing,
    #[error("the request timestamp is not a number")]
    BadTimestamp,
    #[error("the request timestamp is more than five minutes from now")]
    Stale,
    #[error("the request signature does not match")]
    Mismatch,
}

/// `v0=` followed by the hex HMAC-SHA256 of `v0:{timestamp}:{body}`.
pub fn sign(secret: &[u8], timestamp: &str, body: &[u8]) -> String {
    format!("v0={}", hex::encode(mac(secret, timestamp, body)))
}

fn mac(secret: &[u8], timestamp: &str, body: &[u8]) -> Vec<u8> {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
        .unwrap_or_else(|_| unreachable!("HMAC takes keys of any length"));
    mac.update(b"v0:");
    mac.update(timestamp.as_bytes());
    mac.update(b":");
    mac.update(body);
    mac.finalize().into_bytes().to_vec()
}

/// Checks a request's signature and timestamp against `now`, in constant time.
pub fn verify(
    secret: &[u8],
    timestamp: Option<&str>,
    signature: Option<&str>,
    body: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let (Some(timestamp), Some(signature)) = (timestamp, signature) else {
        return Err(SignatureError::Missing);
    };
    let sent: i64 = timestamp
        .trim()
        .parse()
        .map_err(|_| SignatureError::BadTimestamp)?;
    if now.timestamp().abs_diff(sent) > WINDOW_SECS.unsigned_abs() {
        return Err(SignatureError::Stale);
    }
    let given = signature
        .strip_prefix("v0=")
        .and_then(|hex_digest| hex::decode(hex_digest).ok())
        .ok_or(SignatureError::Mismatch)?;
    let expected = mac(secret, timestamp, body);
    if bool::from(expected.ct_eq(&given)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const SECRET: &[u8] = b"8f742231b10e8888abcd99yyyzzz85a5";
    const TS: &str = "1531420618";
    const BODY: &str = "token=xyzz0WbapA4vBCDEFasx0q6G&team_id=T1DC2JH3J&team_domain=testteamnow&channel_id=G8PSS9T3V&channel_name=foobar&user_id=U2CERLKJA&user_name=roadrunner&command=%2Fwebhook-collect&text=&response_url=https%3A%2F%2Fhooks.slack.com%2Fcommands%2FT1DC2JH3J%2F397700885554%2F96rGlfmibIGlgcZRskXaIFfN&trigger_id=398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c";
    const EXPECTED: &str = "v0=a2114d57b48eac39b9ad189dd8316235a7b4a8d21a10bd27519666489c69b503";

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(secs, 0).single().unwrap()
    }

    #[test]
    fn matches_slacks_known_answer() {
        assert_eq!(sign(SECRET, TS, BODY.as_bytes()), EXPECTED);
        let now = at(1_531_420_618 + 10);
        assert_eq!(
            verify(SECRET, Some(TS), Some(EXPECTED), BODY.as_bytes(), now),
            Ok(())
        );
    }

    #[test]
    fn refuses_tampering_staleness_and_absence() {
        let now = at(1_531_420_618);
        let body = BODY.as_bytes();
        let mut tampered = body.to_vec();
        tampered[0] = b'T';
        assert_eq!(
            verify(SECRET, Some(TS), Some(EXPECTED), &tampered, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(b"other", Some(TS), Some(EXPECTED), body, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(SECRET, Some(TS), Some("v0=zz"), body, now),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(
                SECRET,
                Some(TS),
                Some(EXPECTED),
                body,
                at(1_531_420_618 + 301)
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(
                SECRET,
                Some(TS),
                Some(EXPECTED),
                body,
                at(1_531_420_618 - 301)
            ),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(SECRET, None, Some(EXPECTED), body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some(TS), None, body, now),
            Err(SignatureError::Missing)
        );
        assert_eq!(
            verify(SECRET, Some("soon"), Some(EXPECTED), body, now),
            Err(SignatureError::BadTimestamp)
        );
        // Extreme timestamps are stale, not an arithmetic overflow.
        for extreme in [i64::MIN, i64::MAX] {
            assert_eq!(
                verify(
                    SECRET,
                    Some(&extreme.to_string()),
                    Some(EXPECTED),
                    body,
                    now
                ),
                Err(SignatureError::Stale)
            );
        }
    }
}
