//! What the core asks the outside world to do: messages bound for a destination.
//! Every one is written to the outbox in the same transaction as the change that caused it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::domain::{ClientId, IncidentId, Severity, Stage, UserId};

/// Where a message goes. Platforms are named by their adapter (`console`, `slack`, `discord`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Destination {
    /// Create the incident's room on the platform and post and pin the brief there.
    OpenRoom { platform: String },
    /// The incident's room on a platform.
    Room { platform: String },
    /// Re-render the pinned brief in the room.
    Brief { platform: String },
    /// The team's on-call channel on a platform.
    OnCall { platform: String },
    /// A client-facing status channel.
    ClientChannel { platform: String, channel: String },
    /// A client's support channel, where level-1 questions are asked and answered.
    SupportChannel { platform: String, channel: String },
    /// The client's webhook, POSTed the JSON body of the contract.
    Webhook { url: String },
    /// The client's contacts by email: one message to every address.
    Email { to: Vec<String> },
    /// The client's status page in the store.
    StatusPage,
    /// One person, privately (a sign-in link to the review pages).
    DirectMessage { platform: String, user: UserId },
    /// The on-call engineer's pager (PagerDuty Events API v2), keyed by the incident id.
    Pager { action: PageAction },
}

impl Destination {
    /// Whether the client reads it: the deadline is met only through these.
    pub fn is_client_facing(&self) -> bool {
        matches!(
            self,
            Destination::ClientChannel { .. }
                | Destination::Webhook { .. }
                | Destination::Email { .. }
                | Destination::StatusPage
        )
    }

    pub fn platform(&self) -> Option<&str> {
        match self {
            Destination::OpenRoom { platform }
            | Destination::Room { platform }
            | Destination::Brief { platform }
            | Destination::OnCall { platform }
            | Destination::ClientChannel { platform, .. }
            | Destination::SupportChannel { platform, .. }
            | Destination::DirectMessage { platform, .. } => Some(platform),
            Destination::Webhook { .. }
            | Destination::Email { .. }
            | Destination::StatusPage
            | Destination::Pager { .. } => None,
        }
    }

    /// A short name for people and metrics labels; never includes secrets such as webhook URLs.
    pub fn label(&self) -> String {
        match self {
            Destination::OpenRoom { platform } => format!("{platform} room creation"),
            Destination::Room { platform } => format!("{platform} room"),
            Destination::Brief { platform } => format!("{platform} brief"),
            Destination::OnCall { platform } => format!("{platform} on-call channel"),
            Destination::ClientChannel { platform, channel } => {
                format!("{platform} channel {channel}")
            }
            Destination::SupportChannel { platform, channel } => {
                format!("{platform} support channel {channel}")
            }
            Destination::Webhook { .. } => "webhook".to_owned(),
            Destination::Email { to } => format!("email to {}", to.join(", ")),
            Destination::StatusPage => "status page".to_owned(),
            Destination::DirectMessage { platform, .. } => format!("{platform} direct message"),
            Destination::Pager { action } => format!("PagerDuty {}", action.as_str()),
        }
    }

    /// Messages in one lane are delivered in order: a room's creation, brief and posts share one.
    pub fn lane(&self) -> String {
        match self {
            Destination::OpenRoom { platform }
            | Destination::Room { platform }
            | Destination::Brief { platform } => {
                format!("room:{platform}")
            }
            Destination::OnCall { platform } => format!("oncall:{platform}"),
            Destination::ClientChannel { platform, channel } => {
                format!("client:{platform}:{channel}")
            }
            Destination::SupportChannel { platform, channel } => {
                format!("support:{platform}:{channel}")
            }
            Destination::Webhook { .. } => "webhook".to_owned(),
            Destination::Email { .. } => "email".to_owned(),
            Destination::StatusPage => "status_page".to_owned(),
            Destination::DirectMessage { platform, user } => format!("dm:{platform}:{user}"),
            // One lane per incident (the outbox orders by incident and lane): a resolve never
            // overtakes the trigger it closes.
            Destination::Pager { .. } => "pager".to_owned(),
        }
    }

    /// The metrics label: the kind of destination, bounded in number.
    /// The metric label of a stored lane (see [`Destination::lane`]).
    pub fn kind_of_lane(lane: &str) -> &'static str {
        match lane.split(':').next().unwrap_or_default() {
            "room" => "room",
            "oncall" => "oncall",
            "client" => "client_channel",
            "support" => "support_channel",
            "webhook" => "webhook",
            "email" => "email",
            "status_page" => "status_page",
            "dm" => "direct_message",
            "pager" => "pager",
            _ => "other",
        }
    }

    /// Every metric label, so gauges can be registered at 0 from start.
    pub const METRIC_LABELS: [&'static str; 9] = [
        "room",
        "oncall",
        "client_channel",
        "support_channel",
        "webhook",
        "email",
        "status_page",
        "direct_message",
        "pager",
    ];

    pub fn metric_label(&self) -> &'static str {
        match self {
            Destination::OpenRoom { .. } | Destination::Room { .. } | Destination::Brief { .. } => {
                "room"
            }
            Destination::OnCall { .. } => "oncall",
            Destination::ClientChannel { .. } => "client_channel",
            Destination::SupportChannel { .. } => "support_channel",
            Destination::Webhook { .. } => "webhook",
            Destination::Email { .. } => "email",
            Destination::StatusPage => "status_page",
            Destination::DirectMessage { .. } => "direct_message",
            Destination::Pager { .. } => "pager",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MessageKind {
    Brief,
    Announcement,
    ClientUpdate,
    Nudge,
    Escalation,
    Notice,
    Resolution,
    /// Level-1 triage: suggestions, tickets, burst alerts, hand-over notes.
    Triage,
}

/// A button (Slack, Discord) or a typed shortcut (console) offered with a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    PublishDraft {
        text: String,
    },
    TakeComms,
    ChangeStage,
    Resolve,
    /// Level-1 triage: the suggested article answered the question.
    Solved {
        request: i64,
    },
    /// Level-1 triage: the suggestions did not help; hand it to a person.
    StillNeedHelp {
        request: i64,
    },
    /// On-call: take an escalated ticket.
    TakeTicket {
        request: i64,
    },
    /// On-call: declare a P1 for a burst of similar requests, linking them to it.
    DeclareFromBurst {
        client: ClientId,
        requests: Vec<i64>,
    },
    /// On-call: declare a P1 for an alert group from monitoring, linking it to the incident.
    DeclareFromAlert {
        client: ClientId,
        group: i64,
    },
}

/// A client update as every client-facing destination receives it (the webhook body's fields).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientUpdate {
    pub incident_id: IncidentId,
    pub client: ClientId,
    pub client_name: String,
    pub title: String,
    pub severity: Severity,
    pub stage: Stage,
    pub message: String,
    pub sequence: u32,
    /// When this update was due, to judge it on time or late when it lands.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OutgoingMessage {
    pub kind: MessageKind,
    /// The incident it is about; `None` for level-1 triage messages.
    pub incident_id: Option<IncidentId>,
    /// Rendered text; mentions are written `<@USERID>` for the adapter to translate.
    pub text: String,
    #[serde(default)]
    pub actions: Vec<Action>,
    #[serde(default)]
    pub invite: Vec<UserId>,
    pub update: Option<ClientUpdate>,
    /// For room creation: the room's name.
    pub room_name: Option<String>,
    /// For email: the HTML part (the text above is the plain part).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    /// For a sign-in link: the review page it opens. The link itself is minted when the
    /// message is sent, so no usable token ever sits in the outbox.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sign_in: Option<String>,
}

impl OutgoingMessage {
    /// A plain message: no buttons, invitations, client update or room to open.
    pub fn new(
        kind: MessageKind,
        incident_id: Option<IncidentId>,
        text: impl Into<String>,
    ) -> Self {
        Self {
            kind,
            incident_id,
            text: text.into(),
            actions: Vec::new(),
            invite: Vec::new(),
            update: None,
            room_name: None,
            html: None,
            sign_in: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Delivery {
    pub destination: Destination,
    pub message: OutgoingMessage,
}

/// A delivery waiting in (or claimed from) the outbox.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxItem {
    pub id: i64,
    /// `None` for messages about no incident (level-1 triage).
    pub incident_id: Option<IncidentId>,
    /// `None` for messages about no client (a sign-in link).
    pub client: Option<ClientId>,
    pub update_sequence: Option<u32>,
    pub delivery: Delivery,
    pub attempts: u32,
    pub created_at: DateTime<Utc>,
    /// Who holds the claim on this row (`<worker>:<attempt>`); outcomes need it.
    pub claim: String,
}

/// What a platform answered when it accepted a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipt {
    /// The platform's id for what was created (message ts, message id, channel id).
    pub id: String,
    /// For room creation: the room the platform created.
    pub room: Option<OpenedRoom>,
}

/// A room a platform created for an incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OpenedRoom {
    /// The platform's channel id.
    pub id: String,
    /// The name it got (it may carry a suffix when the planned name was taken).
    pub name: String,
    /// The id of the pinned brief message, which later brief refreshes edit.
    pub brief: Option<String>,
}

/// The two event actions Command Post sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PageAction {
    Trigger,
    Resolve,
}

impl PageAction {
    pub fn as_str(self) -> &'static str {
        match self {
            PageAction::Trigger => "trigger",
            PageAction::Resolve => "resolve",
        }
    }
}
