//! Severity levels and the lifecycle stages of an incident.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::error::DomainError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Severity {
    P1,
    P2,
    P3,
    P4,
}

impl Severity {
    pub const ALL: [Severity; 4] = [Severity::P1, Severity::P2, Severity::P3, Severity::P4];

    pub fn as_str(self) -> &'static str {
        match self {
            Severity::P1 => "P1",
            Severity::P2 => "P2",
            Severity::P3 => "P3",
            Severity::P4 => "P4",
        }
    }
}

impl FromStr for Severity {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_uppercase().as_str() {
            "P1" => Ok(Severity::P1),
            "P2" => Ok(Severity::P2),
            "P3" => Ok(Severity::P3),
            "P4" => Ok(Severity::P4),
            _ => Err(DomainError::InvalidSeverity(s.to_owned())),
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Stage {
    Investigating,
    Identified,
    Monitoring,
    Resolved,
}

impl Stage {
    pub fn as_str(self) -> &'static str {
        match self {
            Stage::Investigating => "investigating",
            Stage::Identified => "identified",
            Stage::Monitoring => "monitoring",
            Stage::Resolved => "resolved",
        }
    }

    /// Parses a stage a person may set by command; `resolved` is reached only by resolving.
    pub fn parse_settable(s: &str) -> Result<Self, DomainError> {
        match s.trim().to_ascii_lowercase().as_str() {
            "investigating" => Ok(Stage::Investigating),
            "identified" => Ok(Stage::Identified),
            "monitoring" => Ok(Stage::Monitoring),
            _ => Err(DomainError::InvalidStage(s.to_owned())),
        }
    }
}

impl fmt::Display for Stage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn severities_parse_case_insensitively() {
        assert_eq!("p1".parse::<Severity>().unwrap(), Severity::P1);
        assert_eq!("P4".parse::<Severity>().unwrap(), Severity::P4);
        assert!("P5".parse::<Severity>().is_err());
        assert!("high".parse::<Severity>().is_err());
    }

    #[test]
    fn resolved_cannot_be_set_as_a_stage() {
        assert_eq!(
            Stage::parse_settable("Monitoring").unwrap(),
            Stage::Monitoring
        );
        assert!(Stage::parse_settable("resolved").is_err());
        assert!(Stage::parse_settable("fixed").is_err());
    }
}
