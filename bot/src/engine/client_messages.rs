//! What the client reads: each status update and the resolution notice, rendered in the
//! client's time zone, to every client-facing destination of that client and nobody else's.

use serde_json::json;

use super::messages::{message, Deliveries};
use super::{Engine, EngineError};
use crate::domain::{EventKind, Incident, Stage, TimelineEvent};
use crate::effects::PageAction;
use crate::effects::{ClientUpdate, Delivery, Destination, MessageKind};
use crate::views::format_time;

/// What the client reads when the commander resolved without a summary or client text.
const RESOLVED_WITHOUT_WORDS: &str = "This incident is resolved.";

impl Engine {
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
        let mut deliveries = self.to_client(incident, &update, rendered, published.at)?;
        if incident.update_answers_page(*sequence) {
            deliveries.extend(self.page(incident, PageAction::Resolve, "client update published"));
        }
        Ok(deliveries)
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
        for name in self.platform_names() {
            if let Some(channel) = self.platforms[name].status_channel(client) {
                destinations.push(Destination::ClientChannel {
                    platform: name.to_owned(),
                    channel,
                });
            }
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
        deliveries.extend(self.oncall_notice(incident, MessageKind::Resolution, &text));
        deliveries.extend(to_client);
        if incident.page_open() {
            deliveries.extend(self.page(incident, PageAction::Resolve, "incident resolved"));
        }
        Ok(deliveries)
    }
}
