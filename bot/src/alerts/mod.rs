//! Alerts from monitoring (Prometheus Alertmanager, Grafana, or anything that can POST a small
//! JSON object), read into one typed [`Alert`] each, whatever sent them.

mod parse;

pub use parse::{parse, AlertParseError};

/// One alert, as Command Post cares about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// Alerts with the same fingerprint are one group: one proposal, one incident.
    pub fingerprint: String,
    pub title: String,
    /// As monitoring names it, lowercase (`critical`, `warning`…).
    pub severity: String,
    /// `false`: the alert has cleared (`resolved`).
    pub firing: bool,
    /// What sent it (`Alertmanager`, `Grafana`, or the plain form's `source`).
    pub source: String,
    /// Where to look (the rule's or dashboard's URL), when the alert says.
    pub link: Option<String>,
}

/// The longest title kept: a proposal is one line in chat.
pub const MAX_TITLE: usize = 200;
