//! Rendering the messages a change sends, and choosing where they go.

use serde_json::json;

use super::pages;
use super::{Engine, EngineError};
use crate::domain::{deadline, Incident, TimelineEvent};
use crate::effects::PageAction;
use crate::effects::{Action, Delivery, Destination, MessageKind, OutgoingMessage};
use crate::views::{format_time, IncidentView, ViewContext, WithExtras};

pub(super) type Deliveries = Vec<(Option<u32>, Delivery)>;

pub(super) fn message(kind: MessageKind, incident: &Incident, text: String) -> OutgoingMessage {
    OutgoingMessage::new(kind, Some(incident.id.clone()), text)
}

impl Engine {
    pub(super) fn view(&self, incident: &Incident, pending_deliveries: i64) -> IncidentView {
        IncidentView::new(incident, self.view_context(), pending_deliveries)
    }

    pub(super) fn render(
        &self,
        name: &str,
        incident: &Incident,
        extras: serde_json::Value,
    ) -> Result<String, EngineError> {
        self.render_in(self.view_context(), name, incident, extras)
    }

    /// A client-facing text: every time in it in the client's own zone.
    pub(super) fn render_for_client(
        &self,
        name: &str,
        incident: &Incident,
        extras: serde_json::Value,
    ) -> Result<String, EngineError> {
        let context = ViewContext {
            timezone: self.config.timezone_for(&incident.client),
            ..self.view_context()
        };
        self.render_in(context, name, incident, extras)
    }

    fn render_in(
        &self,
        context: ViewContext<'_>,
        name: &str,
        incident: &Incident,
        extras: serde_json::Value,
    ) -> Result<String, EngineError> {
        let view = IncidentView::new(incident, context, 0);
        Ok(self.templates.render(
            name,
            &WithExtras {
                incident: &view,
                extras,
            },
        )?)
    }

    /// Room platforms this incident has (or is opening) a room on.
    fn room_platforms(&self, incident: &Incident) -> Vec<String> {
        // A room still being opened is included: its creation is queued first in the same lane.
        incident
            .rooms
            .iter()
            .map(|room| room.platform.clone())
            .collect()
    }

    /// A line in every room of the incident, plus a refresh of each pinned brief.
    pub(super) fn room_notice(
        &self,
        incident: &Incident,
        text: String,
        refresh_brief: bool,
    ) -> Result<Deliveries, EngineError> {
        let mut deliveries = Vec::new();
        let brief = if refresh_brief {
            Some(self.render("brief", incident, json!({}))?)
        } else {
            None
        };
        for platform in self.room_platforms(incident) {
            deliveries.push((
                None,
                Delivery {
                    destination: Destination::Room {
                        platform: platform.clone(),
                    },
                    message: message(MessageKind::Notice, incident, text.clone()),
                },
            ));
            if let Some(brief) = &brief {
                deliveries.push((
                    None,
                    Delivery {
                        destination: Destination::Brief { platform },
                        message: message(MessageKind::Brief, incident, brief.clone()),
                    },
                ));
            }
        }
        Ok(deliveries)
    }

    /// Describes events for the room, each line prefixed by who did it.
    pub(super) fn describe(events: &[TimelineEvent]) -> String {
        events
            .iter()
            .map(|event| match &event.actor {
                Some(actor) => format!("{}: {}", actor.mention(), event.kind.describe()),
                None => event.kind.describe(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The new room, its pinned brief, and the announcement on every platform's on-call channel.
    pub(super) fn declaration_messages(
        &self,
        incident: &Incident,
        platform: &str,
        room_name: &str,
    ) -> Result<Deliveries, EngineError> {
        let mut open = message(
            MessageKind::Brief,
            incident,
            self.render("brief", incident, json!({}))?,
        );
        open.room_name = Some(room_name.to_owned());
        open.invite = vec![incident.declared_by.clone()];
        open.actions = vec![Action::TakeComms, Action::ChangeStage, Action::Resolve];
        let mut deliveries = vec![(
            None,
            Delivery {
                destination: Destination::OpenRoom {
                    platform: platform.to_owned(),
                },
                message: open,
            },
        )];
        let announcement = self.render(
            "announcement",
            incident,
            json!({ "room": format!("#{room_name}") }),
        )?;
        for oncall in self.platform_names() {
            deliveries.push((
                None,
                Delivery {
                    destination: Destination::OnCall {
                        platform: oncall.to_owned(),
                    },
                    message: message(MessageKind::Announcement, incident, announcement.clone()),
                },
            ));
        }
        Ok(deliveries)
    }

    /// The draft a nudge offers: written from the stage and the last update.
    pub(super) fn draft_update(&self, incident: &Incident) -> Result<String, EngineError> {
        let contract = self.contract(incident);
        let next = deadline::due_after_update(
            self.terms_for(&contract),
            incident.severity,
            self.clock.now(),
        );
        // The draft is published to the client as written: its times are the client's.
        let tz = self.config.timezone_for(&incident.client);
        let next = next
            .map(|at| format_time(at, tz, self.clock.now()))
            .unwrap_or_else(|| "the end of the incident".to_owned());
        self.render_for_client(
            "draft-update",
            incident,
            json!({ "next_due_after_this": next }),
        )
    }

    pub(super) fn contract(&self, incident: &Incident) -> crate::domain::ClientPolicy {
        self.config
            .client(&incident.client)
            .map(|c| c.contract())
            .unwrap_or_default()
    }

    pub(super) fn nudge_messages(&self, incident: &Incident) -> Result<Deliveries, EngineError> {
        self.draft_messages(incident, "nudge")
    }

    /// `/incident stage … --tell-client`: a client update about the new stage, drafted for
    /// the comms lead in the room, with the same publish button as a nudge.
    pub(super) fn stage_draft_messages(
        &self,
        incident: &Incident,
    ) -> Result<Deliveries, EngineError> {
        self.draft_messages(incident, "stage-draft")
    }

    fn draft_messages(
        &self,
        incident: &Incident,
        template: &str,
    ) -> Result<Deliveries, EngineError> {
        let draft = self.draft_update(incident)?;
        let text = self.render(template, incident, json!({ "draft": draft }))?;
        Ok(self
            .room_platforms(incident)
            .into_iter()
            .map(|platform| {
                let mut nudge = message(MessageKind::Nudge, incident, text.clone());
                nudge.actions = vec![Action::PublishDraft {
                    text: draft.clone(),
                }];
                (
                    None,
                    Delivery {
                        destination: Destination::Room { platform },
                        message: nudge,
                    },
                )
            })
            .collect())
    }

    pub(super) fn escalation_messages(
        &self,
        incident: &Incident,
        due_at: chrono::DateTime<chrono::Utc>,
        late_by_secs: i64,
    ) -> Result<Deliveries, EngineError> {
        let managers: Vec<String> = self.policy.managers.iter().map(|m| m.mention()).collect();
        let text = self.render(
            "escalation",
            incident,
            json!({
                "due_at": format_time(due_at, self.config.timezone, self.clock.now()),
                "late_by": deadline::human_secs(late_by_secs),
                "managers": managers,
            }),
        )?;
        let mut deliveries: Deliveries = self
            .room_platforms(incident)
            .into_iter()
            .map(|platform| {
                (
                    None,
                    Delivery {
                        destination: Destination::Room { platform },
                        message: message(MessageKind::Escalation, incident, text.clone()),
                    },
                )
            })
            .collect();
        deliveries.extend(self.oncall_notice(incident, MessageKind::Escalation, &text));
        let client_name = self
            .config
            .client(&incident.client)
            .map_or_else(|| incident.client.to_string(), |c| c.name.clone());
        let summary =
            pages::trigger_summary(&client_name, incident, &deadline::human_secs(late_by_secs));
        deliveries.extend(self.page(incident, PageAction::Trigger, summary));
        Ok(deliveries)
    }

    /// `text` about the incident in the on-call channel of every platform.
    pub(super) fn oncall_notice(
        &self,
        incident: &Incident,
        kind: MessageKind,
        text: &str,
    ) -> Deliveries {
        self.platform_names()
            .into_iter()
            .map(|platform| {
                (
                    None,
                    Delivery {
                        destination: Destination::OnCall {
                            platform: platform.to_owned(),
                        },
                        message: message(kind, incident, text.to_owned()),
                    },
                )
            })
            .collect()
    }

    /// A PagerDuty event about the incident, when `[paging]` is configured (for a trigger, `text`
    /// is the alert's summary: see [`pages::trigger_summary`]). Any breach worth waking someone
    /// for queues one of these.
    pub(super) fn page(
        &self,
        incident: &Incident,
        action: PageAction,
        text: impl Into<String>,
    ) -> Option<(Option<u32>, Delivery)> {
        self.config.paging.as_ref()?;
        Some((
            None,
            Delivery {
                destination: Destination::Pager { action },
                message: message(MessageKind::Escalation, incident, text.into()),
            },
        ))
    }
}
