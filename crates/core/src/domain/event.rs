//! The append-only timeline: every fact about an incident, in order.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ids::{ClientId, UserId},
    roles::Role,
    severity::{Severity, Stage},
};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineEvent {
    pub at: DateTime<Utc>,
    /// Who caused it; `None` when the bot itself did (timers, deliveries).
    pub actor: Option<UserId>,
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum EventKind {
    Declared {
        client: ClientId,
        severity: Severity,
        title: String,
        commander: UserId,
        next_update_due: Option<DateTime<Utc>>,
    },
    RoleAssigned {
        role: Role,
        user: UserId,
        previous: Option<UserId>,
    },
    RoleVacated {
        role: Role,
        previous: UserId,
        reason: String,
    },
    StageChanged {
        from: Stage,
        to: Stage,
        /// The commander asked for a client update about it, drafted for the comms lead.
        #[serde(default, skip_serializing_if = "std::ops::Not::not")]
        client_draft: bool,
    },
    SeverityChanged {
        from: Severity,
        to: Severity,
        next_update_due: Option<DateTime<Utc>>,
    },
    UpdatePublished {
        sequence: u32,
        message: String,
        due_at: Option<DateTime<Utc>>,
    },
    /// The first client-facing destination confirmed this update: the client has heard from us.
    UpdateLanded {
        sequence: u32,
        destination: String,
        due_at: Option<DateTime<Utc>>,
        on_time: bool,
        next_update_due: Option<DateTime<Utc>>,
    },
    UpdateDelivered {
        sequence: u32,
        destination: String,
    },
    DeliveryFailed {
        sequence: u32,
        destination: String,
        error: String,
        gave_up: bool,
    },
    UpdateNudged {
        due_at: DateTime<Utc>,
    },
    /// A breach: the client update is overdue by more than the policy allows.
    UpdateEscalated {
        due_at: DateTime<Utc>,
        late_by_secs: i64,
    },
    /// The room was asked for on the platform the incident was declared from.
    RoomRequested {
        platform: String,
        name: String,
    },
    RoomOpened {
        platform: String,
        room: String,
        name: String,
        /// The pinned brief's message id, for platforms that edit it in place.
        #[serde(default)]
        brief: Option<String>,
    },
    Resolved {
        summary: Option<String>,
        /// The commander's own words for the client (`--client`); without them the client reads
        /// the summary.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_message: Option<String>,
    },
    /// Declared by monitoring, and nobody took command in time: a breach, and on-call is paged.
    CommanderMissing {
        declared_by: UserId,
    },
    /// An alert from monitoring linked to this incident fired again, or cleared.
    AlertNoted {
        source: String,
        title: String,
        /// Alerts received for its group so far.
        received: i64,
        firing: bool,
    },
}

impl EventKind {
    /// A stable name for storage and metrics.
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Declared { .. } => "declared",
            EventKind::RoleAssigned { .. } => "role_assigned",
            EventKind::RoleVacated { .. } => "role_vacated",
            EventKind::StageChanged { .. } => "stage_changed",
            EventKind::SeverityChanged { .. } => "severity_changed",
            EventKind::UpdatePublished { .. } => "update_published",
            EventKind::UpdateLanded { .. } => "update_landed",
            EventKind::UpdateDelivered { .. } => "update_delivered",
            EventKind::DeliveryFailed { .. } => "delivery_failed",
            EventKind::UpdateNudged { .. } => "update_nudged",
            EventKind::UpdateEscalated { .. } => "update_escalated",
            EventKind::RoomRequested { .. } => "room_requested",
            EventKind::RoomOpened { .. } => "room_opened",
            EventKind::Resolved { .. } => "resolved",
            EventKind::AlertNoted { .. } => "alert_noted",
            EventKind::CommanderMissing { .. } => "commander_missing",
        }
    }

    /// One line for people reading the timeline.
    pub fn describe(&self) -> String {
        match self {
            EventKind::Declared {
                severity,
                title,
                commander,
                ..
            } => format!(
                "declared {severity} “{title}”; {} is commander",
                commander.mention()
            ),
            EventKind::RoleAssigned {
                role,
                user,
                previous,
            } => match previous {
                Some(previous) => format!(
                    "{role} handed over from {} to {}",
                    previous.mention(),
                    user.mention()
                ),
                None => format!("{} is now {role}", user.mention()),
            },
            EventKind::RoleVacated {
                role,
                previous,
                reason,
            } => {
                format!("{} is no longer {role}: {reason}", previous.mention())
            }
            EventKind::StageChanged {
                from,
                to,
                client_draft,
            } => match client_draft {
                true => format!("stage {from} → {to} (client update drafted)"),
                false => format!("stage {from} → {to}"),
            },
            EventKind::SeverityChanged { from, to, .. } => format!("severity {from} → {to}"),
            EventKind::UpdatePublished {
                sequence, message, ..
            } => {
                format!("client update #{sequence} published: {message}")
            }
            EventKind::UpdateLanded {
                sequence,
                destination,
                on_time,
                ..
            } => format!(
                "client update #{sequence} reached the client via {destination} ({})",
                if *on_time { "on time" } else { "late" }
            ),
            EventKind::UpdateDelivered {
                sequence,
                destination,
            } => {
                format!("client update #{sequence} delivered to {destination}")
            }
            EventKind::DeliveryFailed {
                sequence,
                destination,
                error,
                gave_up,
            } => format!(
                "client update #{sequence} to {destination} failed: {error}{}",
                if *gave_up {
                    " (given up)"
                } else {
                    " (retrying)"
                }
            ),
            EventKind::UpdateNudged { .. } => {
                "comms lead nudged: client update due soon".to_owned()
            }
            EventKind::UpdateEscalated { late_by_secs, .. } => {
                format!(
                    "BREACH: client update overdue by {}",
                    crate::domain::deadline::human_secs(*late_by_secs)
                )
            }
            EventKind::RoomRequested { platform, name } => {
                format!("room #{name} requested on {platform}")
            }
            EventKind::RoomOpened { platform, name, .. } => {
                format!("room #{name} opened on {platform}")
            }
            EventKind::Resolved {
                summary,
                client_message,
            } => {
                let mut line = match summary {
                    Some(summary) => format!("resolved: {summary}"),
                    None => "resolved".to_owned(),
                };
                if let Some(text) = client_message {
                    line.push_str(&format!(" (the client reads: {text})"));
                }
                line
            }
            EventKind::CommanderMissing { declared_by } => format!(
                "breach: nobody took command within 5 minutes of {} declaring it",
                declared_by.mention()
            ),
            EventKind::AlertNoted {
                source,
                title,
                received,
                firing: true,
            } => format!("alert “{title}” from {source} fired again ({received} received)"),
            EventKind::AlertNoted { source, title, .. } => {
                format!("alert “{title}” from {source} cleared")
            }
        }
    }
}
