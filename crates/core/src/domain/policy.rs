//! The rules an MSP sets for its incidents: update cadences, role separation, managers.

use std::collections::BTreeMap;
use std::time::Duration;

use super::{ids::UserId, severity::Severity};

#[derive(Debug, Clone, PartialEq)]
pub struct Policy {
    pub first_update_within: Duration,
    /// Cadence per severity; a severity absent here has no client updates due.
    pub cadence: BTreeMap<Severity, Duration>,
    pub nudge_before: Duration,
    pub escalate_after: Duration,
    pub separate_comms_for: Vec<Severity>,
    pub managers: Vec<UserId>,
}

impl Default for Policy {
    fn default() -> Self {
        let minutes = |m: u64| Duration::from_secs(m * 60);
        Self {
            first_update_within: minutes(30),
            cadence: BTreeMap::from([(Severity::P1, minutes(30)), (Severity::P2, minutes(60))]),
            nudge_before: minutes(5),
            escalate_after: minutes(5),
            separate_comms_for: vec![Severity::P1],
            managers: Vec::new(),
        }
    }
}

/// A client's contract terms that override the deployment policy.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ClientPolicy {
    /// The P1 cadence promised in this client's contract.
    pub update_every: Option<Duration>,
    pub first_update_within: Option<Duration>,
}

impl Policy {
    pub fn is_manager(&self, user: &UserId) -> bool {
        self.managers.contains(user)
    }

    pub fn separates_comms(&self, severity: Severity) -> bool {
        self.separate_comms_for.contains(&severity)
    }

    /// How often this client must hear from us at this severity, if at all.
    pub fn cadence_for(&self, severity: Severity, client: &ClientPolicy) -> Option<Duration> {
        match (severity, client.update_every) {
            (Severity::P1, Some(contract)) => Some(contract),
            _ => self.cadence.get(&severity).copied(),
        }
    }

    /// How soon after declaring the first update is due, if this severity has updates at all.
    pub fn first_update_for(&self, severity: Severity, client: &ClientPolicy) -> Option<Duration> {
        self.cadence_for(severity, client).map(|_| {
            client
                .first_update_within
                .unwrap_or(self.first_update_within)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contract_cadence_overrides_p1_only() {
        let policy = Policy::default();
        let contract = ClientPolicy {
            update_every: Some(Duration::from_secs(900)),
            first_update_within: Some(Duration::from_secs(600)),
        };
        assert_eq!(
            policy.cadence_for(Severity::P1, &contract),
            Some(Duration::from_secs(900))
        );
        assert_eq!(
            policy.cadence_for(Severity::P2, &contract),
            Some(Duration::from_secs(3600))
        );
        assert_eq!(policy.cadence_for(Severity::P3, &contract), None);
        assert_eq!(
            policy.first_update_for(Severity::P2, &contract),
            Some(Duration::from_secs(600))
        );
        assert_eq!(policy.first_update_for(Severity::P4, &contract), None);
    }
}

/// The policy as it applies to one client: what the decisions of the core consult.
#[derive(Debug, Clone, Copy)]
pub struct Terms<'a> {
    pub policy: &'a Policy,
    pub client: &'a ClientPolicy,
}

impl Terms<'_> {
    pub fn cadence(&self, severity: Severity) -> Option<Duration> {
        self.policy.cadence_for(severity, self.client)
    }

    pub fn first_update(&self, severity: Severity) -> Option<Duration> {
        self.policy.first_update_for(severity, self.client)
    }
}
