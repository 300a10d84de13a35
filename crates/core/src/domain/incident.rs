//! Incident state, rebuilt by folding its timeline events.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    event::{EventKind, TimelineEvent},
    ids::{ClientId, IncidentId, UserId},
    roles::{Role, Roles},
    severity::{Severity, Stage},
};

/// The person acting, and whether policy lists them as a manager.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub user: UserId,
    pub is_manager: bool,
}

/// Where an incident's room lives on one platform; `room` is empty until the platform created it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoomRef {
    pub platform: String,
    pub room: String,
    pub name: String,
    /// The pinned brief's message id, once posted.
    #[serde(default)]
    pub brief: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Incident {
    pub id: IncidentId,
    pub client: ClientId,
    pub severity: Severity,
    pub title: String,
    pub stage: Stage,
    /// The stage before resolving, which a client update still reports.
    pub last_open_stage: Stage,
    pub declared_at: DateTime<Utc>,
    pub declared_by: UserId,
    pub resolved_at: Option<DateTime<Utc>>,
    pub summary: Option<String>,
    pub roles: Roles,
    pub rooms: Vec<RoomRef>,
    pub updates_published: u32,
    pub updates_landed: u32,
    pub updates_on_time: u32,
    pub updates_late: u32,
    pub breaches: u32,
    pub last_update_message: Option<String>,
    pub last_update_landed_at: Option<DateTime<Utc>>,
    pub next_update_due: Option<DateTime<Utc>>,
    /// The due time the comms lead was already nudged for.
    pub nudged_for: Option<DateTime<Utc>>,
    /// The last escalation for the current due time.
    pub last_escalated_at: Option<DateTime<Utc>>,
    /// Declared by monitoring and on-call was paged because nobody took command in time.
    #[serde(default)]
    pub commander_paged: bool,
    /// The client update that was overdue when the incident last escalated (and paged): the
    /// page stays open until that update is published or the incident is resolved.
    #[serde(default)]
    pub paged_for_update: Option<u32>,
}

impl Incident {
    /// Builds the incident from its first event; `None` if the event is not a declaration.
    pub fn from_declaration(id: IncidentId, event: &TimelineEvent) -> Option<Self> {
        let EventKind::Declared {
            client,
            severity,
            title,
            commander,
            next_update_due,
        } = &event.kind
        else {
            return None;
        };
        Some(Self {
            id,
            client: client.clone(),
            severity: *severity,
            title: title.clone(),
            stage: Stage::Investigating,
            last_open_stage: Stage::Investigating,
            declared_at: event.at,
            declared_by: commander.clone(),
            resolved_at: None,
            summary: None,
            roles: Roles::led_by(commander.clone()),
            rooms: Vec::new(),
            updates_published: 0,
            updates_landed: 0,
            updates_on_time: 0,
            updates_late: 0,
            breaches: 0,
            last_update_message: None,
            last_update_landed_at: None,
            next_update_due: *next_update_due,
            nudged_for: None,
            last_escalated_at: None,
            commander_paged: false,
            paged_for_update: None,
        })
    }

    pub fn is_resolved(&self) -> bool {
        self.resolved_at.is_some()
    }

    /// The client-facing sequence number of the resolution notice: the update after the last one
    /// published. It is not an update (nothing counts it as published, on time or late).
    pub fn resolution_sequence(&self) -> u32 {
        self.updates_published + 1
    }

    /// The sequence of the next client post: after the resolution notice once resolved, so a
    /// post-incident publication never takes the notice's place on the status page.
    pub fn next_client_sequence(&self) -> u32 {
        if self.is_resolved() {
            self.resolution_sequence() + 1
        } else {
            self.updates_published + 1
        }
    }

    /// Whether publishing update `sequence` answers an escalation (so the page is resolved).
    pub fn update_answers_page(&self, sequence: u32) -> bool {
        self.paged_for_update == Some(sequence)
    }

    /// Whether an escalation happened since the last update published: a page is still open.
    pub fn page_open(&self) -> bool {
        self.paged_for_update == Some(self.updates_published + 1)
    }

    pub fn room_on(&self, platform: &str) -> Option<&RoomRef> {
        self.rooms.iter().find(|room| room.platform == platform)
    }

    /// Who must write the next client update: the comms lead, or the commander while comms is vacant.
    pub fn update_owner(&self) -> &UserId {
        self.roles.comms.as_ref().unwrap_or(&self.roles.commander)
    }

    /// Applies one event; events are facts, so this never fails.
    pub fn apply(&mut self, event: &TimelineEvent) {
        match &event.kind {
            EventKind::Declared { .. } | EventKind::AlertNoted { .. } => {}
            EventKind::CommanderMissing { .. } => {
                self.commander_paged = true;
                self.breaches += 1;
                // Paged like an escalation: the next update or the resolution resolves it.
                self.paged_for_update = Some(self.updates_published + 1);
            }
            EventKind::RoleAssigned { role, user, .. } => self.roles.set(*role, Some(user.clone())),
            EventKind::RoleVacated { role, previous, .. } => {
                if *role == Role::Sme {
                    self.roles.smes.retain(|sme| sme != previous);
                } else if *role != Role::Commander {
                    self.roles.set(*role, None);
                }
            }
            EventKind::StageChanged { to, .. } => {
                self.stage = *to;
                self.last_open_stage = *to;
            }
            EventKind::SeverityChanged {
                to,
                next_update_due,
                ..
            } => {
                self.severity = *to;
                self.set_next_due(*next_update_due);
            }
            EventKind::UpdatePublished {
                sequence, message, ..
            } => {
                self.updates_published = self.updates_published.max(*sequence);
                self.last_update_message = Some(message.clone());
            }
            EventKind::UpdateLanded {
                sequence,
                on_time,
                next_update_due,
                ..
            } => {
                self.updates_landed = self.updates_landed.max(*sequence);
                if *on_time {
                    self.updates_on_time += 1;
                } else {
                    self.updates_late += 1;
                }
                self.last_update_landed_at = Some(event.at);
                if !self.is_resolved() {
                    self.set_next_due(*next_update_due);
                }
            }
            EventKind::UpdateDelivered { .. } | EventKind::DeliveryFailed { .. } => {}
            EventKind::UpdateNudged { due_at } => self.nudged_for = Some(*due_at),
            EventKind::UpdateEscalated { .. } => {
                self.breaches += 1;
                self.last_escalated_at = Some(event.at);
                self.paged_for_update = Some(self.updates_published + 1);
            }
            EventKind::RoomRequested { platform, name } => {
                if self.room_on(platform).is_none() {
                    self.rooms.push(RoomRef {
                        platform: platform.clone(),
                        room: String::new(),
                        name: name.clone(),
                        brief: None,
                    });
                }
            }
            EventKind::RoomOpened {
                platform,
                room,
                name,
                brief,
            } => {
                self.rooms.retain(|existing| &existing.platform != platform);
                self.rooms.push(RoomRef {
                    platform: platform.clone(),
                    room: room.clone(),
                    name: name.clone(),
                    brief: brief.clone(),
                });
            }
            EventKind::Resolved { summary, .. } => {
                self.stage = Stage::Resolved;
                self.resolved_at = Some(event.at);
                self.summary = summary.clone();
                self.next_update_due = None;
            }
        }
    }

    fn set_next_due(&mut self, due: Option<DateTime<Utc>>) {
        if self.next_update_due != due {
            self.last_escalated_at = None;
        }
        self.next_update_due = due;
    }

    /// Rebuilds the state from a whole timeline.
    pub fn replay(id: IncidentId, events: &[TimelineEvent]) -> Option<Self> {
        let (first, rest) = events.split_first()?;
        let mut incident = Self::from_declaration(id, first)?;
        for event in rest {
            incident.apply(event);
        }
        Some(incident)
    }
}
