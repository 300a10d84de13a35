//! The pure incident core: identities, lifecycle, roles, permissions, deadlines and the timeline.
//! Nothing here does IO or reads a clock; every decision takes `now` as an argument.

pub mod deadline;
mod decisions;
pub mod error;
pub mod event;
pub mod ids;
pub mod incident;
pub mod metrics;
pub mod policy;
pub mod review;
pub mod roles;
pub mod room;
pub mod severity;
pub mod triage;

pub use deadline::{TimerDue, TimerKind};
pub use decisions::MAX_UPDATE_CHARS;
pub use error::DomainError;
pub use event::{EventKind, TimelineEvent};
pub use ids::{ClientId, IncidentId, UserId};
pub use incident::{Actor, Incident, RoomRef};
pub use policy::{ClientPolicy, Policy, Terms};
pub use roles::{Role, Roles};
pub use severity::{Severity, Stage};

#[cfg(test)]
mod deadline_tests;
#[cfg(test)]
mod tests;
