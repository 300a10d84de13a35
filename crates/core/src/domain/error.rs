//! Why the core refused something, worded for the person who asked.

use thiserror::Error;

use super::{ids::UserId, roles::Role, severity::Severity};

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DomainError {
    #[error("`{0}` is not a client id: use lowercase letters, digits and dashes, e.g. `acme`")]
    InvalidClientId(String),
    #[error("`{0}` is not an incident id: they look like `INC-2026-0042`")]
    InvalidIncidentId(String),
    #[error("`{0}` is not a severity: use P1, P2, P3 or P4")]
    InvalidSeverity(String),
    #[error("`{0}` is not a stage: use investigating, identified or monitoring (resolve with `/incident resolve`)")]
    InvalidStage(String),
    #[error("`{0}` is not a role: use commander, comms, ops, scribe or sme")]
    InvalidRole(String),
    #[error("only {allowed} may {action}; you are {you}")]
    NotPermitted {
        action: &'static str,
        allowed: &'static str,
        you: String,
    },
    #[error("on {severity} the commander may not also be comms lead: {user} is {held}; assign someone else as {role}")]
    RoleConflation {
        severity: Severity,
        user: UserId,
        held: &'static str,
        role: Role,
    },
    #[error("{user} already is {role}")]
    AlreadyHolds { user: UserId, role: Role },
    #[error("this incident is resolved; declare a new one if the problem is back")]
    AlreadyResolved,
    #[error("the incident is already {0}")]
    Unchanged(String),
    #[error("a client update cannot be empty: write what the client should read")]
    EmptyUpdate,
    #[error("a client update is limited to {limit} characters; yours has {length}")]
    UpdateTooLong { length: usize, limit: usize },
}
