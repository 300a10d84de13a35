//! CSRF protection for every form: each page carries a token derived from the session cookie
//! (which a third-party site can neither read nor set), and every POST must send it back.

use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// The form token of a session: SHA-256 of the session's secret with a purpose prefix, so it
/// reveals nothing about the cookie.
pub fn token_for(session_token: &str) -> String {
    let mut hasher = Sha256::new();
    hasher.update(b"commandpost-csrf:");
    hasher.update(session_token.as_bytes());
    hex::encode(hasher.finalize())
}

/// Whether a form sent the expected token, compared in constant time.
pub fn matches(expected: &str, sent: Option<&str>) -> bool {
    match sent {
        Some(sent) if !expected.is_empty() => expected.as_bytes().ct_eq(sent.as_bytes()).into(),
        _ => false,
    }
}

/// The value of the first form field `name`.
pub fn field<'a>(form: &'a [(String, String)], name: &str) -> Option<&'a str> {
    form.iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_match_only_exactly() {
        let token = token_for("session-secret");
        assert_eq!(token.len(), 64);
        assert_ne!(token, token_for("another-session"));
        assert!(matches(&token, Some(&token)));
        assert!(!matches(&token, Some(&token[..63])));
        assert!(!matches(&token, Some("")));
        assert!(!matches(&token, None));
        assert!(!matches("", Some("")));
    }
}
