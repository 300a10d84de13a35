//! Identifier newtypes that can only hold well-formed values.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::error::DomainError;

/// A client (tenant) id: a lowercase slug of `a-z`, `0-9` and `-`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ClientId(String);

impl ClientId {
    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let valid = !raw.is_empty()
            && raw.len() <= 40
            && raw
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
            && !raw.starts_with('-');
        if valid {
            Ok(Self(raw.to_owned()))
        } else {
            Err(DomainError::InvalidClientId(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for ClientId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ClientId> for String {
    fn from(value: ClientId) -> Self {
        value.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A person, as the chat platform names them: a raw Slack id (`U0123`),
/// `discord:<snowflake>`, or `console:<name>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct UserId(String);

impl UserId {
    pub fn new(raw: impl Into<String>) -> Self {
        Self(raw.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The canonical mention markup every adapter translates into its own form.
    pub fn mention(&self) -> String {
        format!("<@{}>", self.0)
    }
}

/// The one mention rewriter: each platform (and the client-facing postmortem) says how one id
/// written by [`UserId::mention`] is shown.
/// `text` with every `<@ID>` replaced by `render(ID)`; a `<@` without its `>` is kept as written.
pub fn rewrite_mentions(text: &str, render: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('>') {
            Some(end) => {
                out.push_str(&render(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("<@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

impl fmt::Display for UserId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A deployment-wide incident number shown to people, e.g. `INC-2026-0042`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct IncidentId(String);

impl IncidentId {
    pub fn new(year: i32, number: i64) -> Self {
        Self(format!("INC-{year}-{number:04}"))
    }

    pub fn parse(raw: &str) -> Result<Self, DomainError> {
        let upper = raw.trim().to_ascii_uppercase();
        let mut parts = upper.splitn(3, '-');
        let ok = parts.next() == Some("INC")
            && parts
                .next()
                .is_some_and(|y| y.len() == 4 && y.chars().all(|c| c.is_ascii_digit()))
            && parts
                .next()
                .is_some_and(|n| n.len() >= 4 && n.chars().all(|c| c.is_ascii_digit()));
        if ok {
            Ok(Self(upper))
        } else {
            Err(DomainError::InvalidIncidentId(raw.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for IncidentId {
    type Error = DomainError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<IncidentId> for String {
    fn from(value: IncidentId) -> Self {
        value.0
    }
}

impl fmt::Display for IncidentId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_ids_are_lowercase_slugs() {
        assert!(ClientId::parse("acme").is_ok());
        assert!(ClientId::parse("acme-2").is_ok());
        assert!(ClientId::parse("Acme").is_err());
        assert!(ClientId::parse("").is_err());
        assert!(ClientId::parse("a b").is_err());
        assert!(ClientId::parse("-acme").is_err());
    }

    #[test]
    fn incident_ids_are_padded_and_parse_back() {
        let id = IncidentId::new(2026, 42);
        assert_eq!(id.as_str(), "INC-2026-0042");
        assert_eq!(IncidentId::parse("inc-2026-0042").unwrap(), id);
        assert_eq!(IncidentId::new(2026, 12345).as_str(), "INC-2026-12345");
        assert!(IncidentId::parse("INC-26-1").is_err());
        assert!(IncidentId::parse("nonsense").is_err());
    }

    #[test]
    fn every_mention_is_rendered_and_broken_ones_are_kept() {
        let shout = |id: &str| format!("[{id}]");
        assert_eq!(
            rewrite_mentions("<@a> and <@b>, not <@c", shout),
            "[a] and [b], not <@c"
        );
        assert_eq!(rewrite_mentions("no one", shout), "no one");
        assert_eq!(rewrite_mentions("<@>", shout), "[]");
    }
}
