//! Rendering the messages a change sends, and choosing where they go.

use serde_json::json;

use super::{Engine, EngineError};
use crate::domain::{deadline, EventKind, Incident, Stage, TimelineEvent};
use crate::effects::{Action, ClientUpdate, Delivery, Destination, MessageKind, OutgoingMessage};
use crate::views::{format_time, IncidentView, ViewContext, WithExtras};

/// What the client reads when the commander resolved without a summary or client text.
const RESOLVED_WITHOUT_WORDS: &str = "This incident is resolved.";

pub(super) type Deliveries = Vec<(Option<u32>, Delivery)>;

fn message(kind: MessageKind, incident: &Incident, text: String) -> OutgoingMessage {
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

    /// The client update, to every client-facing destination of the incident's client that this
    /// deployment can reach, and to nobody else's.
    pub(super) fn client_update_messages(
        &self,
        incident: &Incident,
        published: &TimelineEvent,
    ) -> Result<Deliveries, EngineError> {
        let EventKind::UpdatePublished {
            sequence,
            message: text,
            due_at,
        } = &published.kind
        else {
            return Ok(Vec::new());
        };
        let client = self
            .config
            .client(&incident.client)
            .ok_or_else(|| EngineError::NoDestination(incident.client.to_string()))?;
        let update = ClientUpdate {
            incident_id: incident.id.clone(),
            client: incident.client.clone(),
            client_name: client.name.clone(),
            title: incident.title.clone(),
            severity: incident.severity,
            stage: incident.last_open_stage,
            message: text.clone(),
            sequence: *sequence,
            due_at: *due_at,
        };
        let rendered = self.render_for_client(
            "client-update",
            incident,
            json!({
                "message": text,
                "sequence": sequence,
                "stage": incident.last_open_stage.as_str(),
                "sent_at": format_time(published.at, self.config.timezone_for(&incident.client), published.at),
            }),
        )?;
        self.to_client(incident, &update, rendered, published.at)
    }

    /// Every client-facing destination of the incident's client that this deployment can reach,
    /// each carrying `rendered` and `update`; the outbox orders them by `update.sequence`.
    fn to_client(
        &self,
        incident: &Incident,
        update: &ClientUpdate,
        rendered: String,
        sent_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<Deliveries, EngineError> {
        let client = self
            .config
            .client(&incident.client)
            .ok_or_else(|| EngineError::NoDestination(incident.client.to_string()))?;
        let mut destinations = Vec::new();
        for (platform, channel) in [
            ("slack", &client.slack_status_channel),
            ("discord", &client.discord_status_channel),
        ] {
            if let (Some(channel), true) = (channel, self.platforms.contains_key(platform)) {
                destinations.push(Destination::ClientChannel {
                    platform: platform.to_owned(),
                    channel: channel.clone(),
                });
            }
        }
        if self.platforms.contains_key("console") {
            destinations.push(Destination::ClientChannel {
                platform: "console".to_owned(),
                channel: client.id.to_string(),
            });
        }
        if let Some(url) = &client.webhook_url {
            destinations.push(Destination::Webhook { url: url.clone() });
        }
        let html = match (client.email_to.is_empty(), self.email.is_some()) {
            (false, true) => {
                destinations.push(Destination::Email {
                    to: client.email_to.clone(),
                });
                Some(self.email_html(incident, client, update, sent_at)?)
            }
            _ => None,
        };
        if client.has_status_page() {
            destinations.push(Destination::StatusPage);
        }
        if destinations.is_empty() {
            return Err(EngineError::NoDestination(client.id.to_string()));
        }
        let kind = if update.stage == Stage::Resolved {
            MessageKind::Resolution
        } else {
            MessageKind::ClientUpdate
        };
        Ok(destinations
            .into_iter()
            .map(|destination| {
                let mut outgoing = message(kind, incident, rendered.clone());
                outgoing.update = Some(update.clone());
                if matches!(destination, Destination::Email { .. }) {
                    outgoing.html = html.clone();
                }
                (
                    Some(update.sequence),
                    Delivery {
                        destination,
                        message: outgoing,
                    },
                )
            })
            .collect())
    }

    /// The HTML part of a client email, from `client-email.html.hbs`.
    fn email_html(
        &self,
        incident: &Incident,
        client: &crate::config::ClientConfig,
        update: &ClientUpdate,
        sent_at: chrono::DateTime<chrono::Utc>,
    ) -> Result<String, EngineError> {
        let tz = self.config.timezone_for(&incident.client);
        let paragraphs: Vec<&str> = update
            .message
            .split('\n')
            .map(str::trim)
            .filter(|line| !line.is_empty())
            .collect();
        let status_page = client.public_status.then(|| {
            format!(
                "{}/status/{}",
                self.config.http.public_url.trim_end_matches('/'),
                client.id
            )
        });
        self.render_for_client(
            "client-email.html",
            incident,
            json!({
                "message": update.message,
                "paragraphs": paragraphs,
                "sequence": update.sequence,
                "stage": update.stage.as_str(),
                "resolved": update.stage == Stage::Resolved,
                "sent_at": format_time(sent_at, tz, sent_at),
                "status_page": status_page,
            }),
        )
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
        for platform in self.platform_names() {
            deliveries.push((
                None,
                Delivery {
                    destination: Destination::OnCall {
                        platform: platform.to_owned(),
                    },
                    message: message(MessageKind::Escalation, incident, text.clone()),
                },
            ));
        }
        Ok(deliveries)
    }

    /// The room and on-call channels hear the resolution, and the client gets the resolution
    /// notice (the `--client` text, else the summary) on every status destination, as the update
    /// after the last one published.
    pub(super) fn resolution_messages(
        &self,
        incident: &Incident,
        resolved: &TimelineEvent,
    ) -> Result<Deliveries, EngineError> {
        let EventKind::Resolved {
            summary,
            client_message,
        } = &resolved.kind
        else {
            return Ok(Vec::new());
        };
        let client_text = client_message
            .as_deref()
            .or(summary.as_deref())
            .unwrap_or(RESOLVED_WITHOUT_WORDS);
        let notice = self.render_for_client(
            "client-resolution",
            incident,
            json!({
                "message": client_text,
                "sequence": incident.resolution_sequence(),
                "stage": Stage::Resolved.as_str(),
                "sent_at": format_time(resolved.at, self.config.timezone_for(&incident.client), resolved.at),
            }),
        )?;
        let client_name = self
            .config
            .client(&incident.client)
            .map_or_else(|| incident.client.to_string(), |c| c.name.clone());
        let update = ClientUpdate {
            incident_id: incident.id.clone(),
            client: incident.client.clone(),
            client_name,
            title: incident.title.clone(),
            severity: incident.severity,
            stage: Stage::Resolved,
            message: client_text.to_owned(),
            sequence: incident.resolution_sequence(),
            due_at: None,
        };
        let to_client = self.to_client(incident, &update, notice.clone(), resolved.at)?;
        let text = self.render("resolution", incident, json!({ "client_notice": notice }))?;
        let mut deliveries = self.room_notice(incident, text.clone(), true)?;
        for platform in self.platform_names() {
            deliveries.push((
                None,
                Delivery {
                    destination: Destination::OnCall {
                        platform: platform.to_owned(),
                    },
                    message: message(MessageKind::Resolution, incident, text.clone()),
                },
            ));
        }
        deliveries.extend(to_client);
        Ok(deliveries)
    }
}
