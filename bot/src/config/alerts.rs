//! `[alerts]`: how alerts from monitoring become proposals (or incidents) for on-call.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::Deserialize;

use super::duration;
use crate::domain::Severity;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlertsConfig {
    /// Alert severities (as monitoring names them, lowercase) that post "Possible major
    /// incident" with a Declare P1 button.
    #[serde(default = "default_propose")]
    pub propose: Vec<String>,
    /// At most one proposal per client in this long, unless the severity rises.
    #[serde(default = "ten_minutes", with = "duration")]
    pub cooldown: Duration,
    /// Alert severity → incident severity, declared at once without asking.
    #[serde(default)]
    pub auto_declare: BTreeMap<String, Severity>,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        toml::from_str("").expect("the empty alerts section takes every default")
    }
}

fn default_propose() -> Vec<String> {
    vec!["critical".to_owned(), "warning".to_owned()]
}

fn ten_minutes() -> Duration {
    Duration::from_secs(600)
}

/// How serious an alert severity is, for "unless the severity rises": monitoring's usual
/// names, most serious first; anything else ranks lowest.
pub fn severity_rank(severity: &str) -> u8 {
    match severity {
        "critical" | "page" | "p1" | "disaster" | "emergency" => 4,
        "error" | "high" | "major" | "p2" => 3,
        "warning" | "average" | "minor" | "p3" => 2,
        "info" | "information" | "low" | "p4" => 1,
        _ => 0,
    }
}
