//! The local console: a tiny chat client on the terminal (or a pipe), standing in for Slack and
//! Discord. Rooms, the on-call channel and each client's status channel appear as prefixed lines.

mod config;
mod output;
mod repl;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use async_trait::async_trait;

use super::{ChatPlatform, DeliveryError};
use crate::commands::{TriageCommand, UserRef};
use crate::config::ClientConfig;
use crate::domain::{Incident, UserId};
use crate::effects::{Action, Destination, OpenedRoom, OutboxItem, Receipt};

pub use config::ConsoleConfig;
pub use output::ConsoleOutput;
pub use repl::run;

pub const PLATFORM: &str = "console";

/// Every client has a status channel in the terminal, named by its id.
pub fn status_channel(client: &ClientConfig) -> String {
    client.id.to_string()
}

/// Every client has a support channel in the terminal: `support:<client>` (`/support`).
pub fn support_channel(client: &ClientConfig) -> String {
    format!("support:{}", client.id)
}

/// The console in the application's table of platforms: no HTTP endpoints or connections, and
/// its outbound side is made by `startup` with the terminal it writes to.
pub const ADAPTER: super::Adapter = super::Adapter {
    section: config::SECTION,
    outbound: |_| Ok(None),
    routes: |_| None,
    connections: |_, _| Vec::new(),
};

/// A console user id: `console:<name>`.
pub fn user_id(reference: &UserRef) -> UserId {
    let name = reference.0.strip_prefix("console:").unwrap_or(&reference.0);
    UserId::new(format!("console:{}", name.to_ascii_lowercase()))
}

/// The console's side of the outbox; it remembers the last draft offered in each room.
pub struct ConsolePlatform {
    output: Arc<ConsoleOutput>,
    drafts: Mutex<HashMap<String, String>>,
    /// What the last possible-major-incident message's Declare P1 button does, for
    /// `/declare-burst` and `/declare-alert`.
    last_proposal: Mutex<Option<TriageCommand>>,
}

/// What to type in the console instead of pressing a message's buttons.
fn triage_hint(actions: &[Action]) -> Option<String> {
    let hints: Vec<String> = actions
        .iter()
        .filter_map(|action| match action {
            Action::TakeTicket { request } => Some(format!("type /take {request} to take it")),
            Action::DeclareFromBurst { .. } => {
                Some("type /declare-burst to declare a P1 for these requests".to_owned())
            }
            Action::DeclareFromAlert { .. } => {
                Some("type /declare-alert to declare a P1 for this alert".to_owned())
            }
            _ => None,
        })
        .collect();
    (!hints.is_empty()).then(|| hints.join("; "))
}

impl ConsolePlatform {
    pub fn new(output: Arc<ConsoleOutput>) -> Self {
        Self {
            output,
            drafts: Mutex::new(HashMap::new()),
            last_proposal: Mutex::new(None),
        }
    }

    /// What Declare P1 on the last possible-major-incident message would do.
    pub fn last_proposal(&self) -> Option<TriageCommand> {
        self.last_proposal.lock().ok()?.clone()
    }

    /// The draft update the last nudge in `room` offered.
    pub fn draft_for(&self, room: &str) -> Option<String> {
        self.drafts.lock().ok()?.get(room).cloned()
    }
}

#[async_trait]
impl ChatPlatform for ConsolePlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    fn status_channel(&self, client: &ClientConfig) -> Option<String> {
        Some(status_channel(client))
    }

    fn support_channel(&self, client: &ClientConfig) -> Option<String> {
        Some(support_channel(client))
    }

    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        let room = || {
            incident
                .room_on(PLATFORM)
                .filter(|room| !room.room.is_empty())
                .map(|room| room.room.clone())
                .ok_or_else(|| {
                    DeliveryError::transient("the incident's console room is not open yet")
                })
        };
        match &item.delivery.destination {
            Destination::OpenRoom { .. } => {
                let name = message
                    .room_name
                    .clone()
                    .ok_or_else(|| DeliveryError::permanent("room creation without a room name"))?;
                self.output.room_opened(&name, &message.text);
                Ok(Receipt {
                    id: name.clone(),
                    room: Some(OpenedRoom {
                        id: name.clone(),
                        name,
                        brief: None,
                    }),
                })
            }
            Destination::Room { .. } => {
                let room = room()?;
                for action in &message.actions {
                    if let Action::PublishDraft { text } = action {
                        if let Ok(mut drafts) = self.drafts.lock() {
                            drafts.insert(room.clone(), text.clone());
                        }
                    }
                }
                let hint = message
                    .actions
                    .iter()
                    .any(|a| matches!(a, Action::PublishDraft { .. }))
                    .then_some("type /publish to send the draft as it is");
                self.output
                    .room_message(&room, message.kind, &message.text, hint);
                Ok(Receipt {
                    id: room,
                    room: None,
                })
            }
            // A terminal has no pinned messages; `/incident status` shows the same facts.
            Destination::Brief { .. } => Ok(Receipt {
                id: room()?,
                room: None,
            }),
            Destination::OnCall { .. } => {
                self.output.oncall_message(message.kind, &message.text);
                Ok(Receipt {
                    id: "oncall".into(),
                    room: None,
                })
            }
            Destination::ClientChannel { channel, .. } => {
                self.output.client_message(channel, &message.text);
                Ok(Receipt {
                    id: format!("status:{channel}"),
                    room: None,
                })
            }
            Destination::DirectMessage { user, .. } => {
                self.direct_message(user, &message.text).await
            }
            other => Err(DeliveryError::permanent(format!(
                "the console cannot deliver to {}",
                other.label()
            ))),
        }
    }

    async fn deliver_unbound(&self, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        for action in &message.actions {
            let declare = match action {
                Action::DeclareFromBurst { client, requests } => {
                    Some(TriageCommand::DeclareFromBurst {
                        client: client.clone(),
                        requests: requests.clone(),
                    })
                }
                Action::DeclareFromAlert { client, group } => {
                    Some(TriageCommand::DeclareFromAlert {
                        client: client.clone(),
                        group: *group,
                    })
                }
                _ => None,
            };
            if let (Some(declare), Ok(mut last)) = (declare, self.last_proposal.lock()) {
                *last = Some(declare);
            }
        }
        let text = match triage_hint(&message.actions) {
            Some(hint) => format!("{}\n({hint})", message.text),
            None => message.text.clone(),
        };
        match &item.delivery.destination {
            Destination::OnCall { .. } => {
                self.output.oncall_message(message.kind, &text);
                Ok(Receipt {
                    id: "oncall".into(),
                    room: None,
                })
            }
            Destination::SupportChannel { channel, .. } => {
                let client = channel.strip_prefix("support:").unwrap_or(channel);
                self.output.support_message(client, &text);
                Ok(Receipt {
                    id: channel.clone(),
                    room: None,
                })
            }
            Destination::DirectMessage { user, .. } => {
                self.direct_message(user, &message.text).await
            }
            other => Err(DeliveryError::permanent(format!(
                "the console cannot deliver to {}",
                other.label()
            ))),
        }
    }

    /// A line only that person is meant to read; the terminal is shared, so it is labelled.
    async fn direct_message(&self, user: &UserId, text: &str) -> Result<Receipt, DeliveryError> {
        self.output.direct(user.as_str(), text);
        Ok(Receipt {
            id: format!("dm:{user}"),
            room: None,
        })
    }
}
