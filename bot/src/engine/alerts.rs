//! Alerts in: each alert is counted into its group; a new firing group is proposed to on-call
//! ("Possible major incident", with Declare P1) or declared at once (`alerts.auto_declare`);
//! repeats of a linked group are a timeline note, and a cleared one is told in the room.
//! Proposals are rate-limited per client (`alerts.cooldown`, unless the severity rises).

use std::collections::HashMap;
use std::sync::Arc;

use tracing::{info, instrument};

use super::triage::quote;
use super::{Engine, EngineError, Request, Response};
use crate::alerts::Alert;
use crate::commands::UserRef;
use crate::config::severity_rank;
use crate::domain::{ClientId, EventKind, IncidentId, Severity, TimelineEvent, UserId};
use crate::effects::Action;
use crate::store::{AlertGroup, Change};

/// What became of one alert.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AlertOutcome {
    /// On-call was asked whether to declare.
    Proposed,
    /// An incident was declared for it (`auto_declare`).
    Declared(IncidentId),
    /// Noted on the incident its group is linked to.
    Noted(IncidentId),
    /// Counted only: already proposed, below `alerts.propose`, or within the cooldown.
    Counted,
}

/// Serialises one client's alerts in this process, so a storm of them makes one proposal.
#[derive(Default)]
pub struct AlertLocks {
    clients: std::sync::Mutex<HashMap<ClientId, Arc<tokio::sync::Mutex<()>>>>,
}

impl AlertLocks {
    fn of(&self, client: &ClientId) -> Arc<tokio::sync::Mutex<()>> {
        let mut clients = self
            .clients
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        clients.entry(client.clone()).or_default().clone()
    }
}

impl Engine {
    /// Takes the alerts posted for `client`, in order; what became of each.
    #[instrument(skip_all, fields(client = %client, alerts = alerts.len()))]
    pub async fn receive_alerts(
        &self,
        client: &ClientId,
        alerts: &[Alert],
    ) -> Result<Vec<AlertOutcome>, EngineError> {
        let lock = self.alert_locks.of(client);
        let _serialised = lock.lock().await;
        let mut outcomes = Vec::with_capacity(alerts.len());
        for alert in alerts {
            metrics::counter!("commandpost_alerts_received_total", "client" => client.to_string())
                .increment(1);
            outcomes.push(self.receive_alert(client, alert).await?);
        }
        Ok(outcomes)
    }

    async fn receive_alert(
        &self,
        client: &ClientId,
        alert: &Alert,
    ) -> Result<AlertOutcome, EngineError> {
        let now = self.clock.now();
        let group = self.store.record_alert(client, alert, now).await?;
        if let Some(incident) = &group.incident_id {
            self.note_alert(incident, &group).await?;
            return Ok(AlertOutcome::Noted(incident.clone()));
        }
        if !alert.firing || group.proposed_at.is_some() {
            return Ok(AlertOutcome::Counted);
        }
        if let Some(severity) = self.config.alerts.auto_declare.get(&alert.severity) {
            let incident = self.auto_declare(&group, *severity).await?;
            return Ok(AlertOutcome::Declared(incident));
        }
        if !self.config.alerts.propose.contains(&alert.severity) {
            return Ok(AlertOutcome::Counted);
        }
        if let Some((at, severity)) = self.store.last_proposal(client).await? {
            let cooldown = chrono::Duration::from_std(self.config.alerts.cooldown)
                .unwrap_or(chrono::Duration::MAX);
            let rises = severity_rank(&alert.severity) > severity_rank(&severity);
            if now - at < cooldown && !rises {
                metrics::counter!("commandpost_alert_proposals_suppressed_total").increment(1);
                return Ok(AlertOutcome::Counted);
            }
        }
        let mut text = format!(
            "🚨 *Possible major incident for {}*: {} ({}, from {})",
            self.client_named(client),
            quote(&group.title),
            group.severity,
            group.source
        );
        if let Some(link) = &group.link {
            text.push_str(&format!("\n{link}"));
        }
        let action = Action::DeclareFromAlert {
            client: client.clone(),
            group: group.id,
        };
        self.store
            .propose_alert(group.id, self.oncall(&text, vec![action]), now)
            .await?;
        self.outbox_ready.notify_one();
        metrics::counter!("commandpost_alert_proposals_total").increment(1);
        info!(
            group = group.id,
            "possible major incident from monitoring proposed to on-call"
        );
        Ok(AlertOutcome::Proposed)
    }

    /// A repeat or a clearing of a linked group: a timeline note, and in the room when cleared.
    async fn note_alert(&self, id: &IncidentId, group: &AlertGroup) -> Result<(), EngineError> {
        let Some(stored) = self.store.incident(id).await? else {
            return Ok(());
        };
        let incident = stored.incident;
        let event = TimelineEvent {
            at: self.clock.now(),
            actor: None,
            kind: EventKind::AlertNoted {
                source: group.source.clone(),
                title: group.title.clone(),
                received: group.received,
                firing: group.firing,
            },
        };
        let deliveries = match (group.firing, incident.is_resolved()) {
            (false, false) => self.room_notice(
                &incident,
                format!(
                    "✅ All alerts for this incident have cleared ({} from {}); consider `/incident stage monitoring`.",
                    quote(&group.title),
                    group.source
                ),
                false,
            )?,
            _ => Vec::new(),
        };
        let mut next = incident.clone();
        next.apply(&event);
        self.commit(Change {
            timer_at: self.timer_at(&next),
            incident: next,
            expected_version: stored.version,
            events: vec![event],
            deliveries,
        })
        .await
    }

    /// `alerts.auto_declare`: declared at once, by "alert: <source>", and linked to the group.
    async fn auto_declare(
        &self,
        group: &AlertGroup,
        severity: Severity,
    ) -> Result<IncidentId, EngineError> {
        let declarer = UserId::new(format!("alert:{}", group.source.to_ascii_lowercase()));
        let request = Request {
            // With no chat platform there is nowhere to open a room: the incident is still
            // declared, and its room's delivery fails visibly as "the chat adapter is not enabled".
            platform: self.platform_names().first().copied().unwrap_or("chat"),
            user: declarer,
            room: None,
            command: crate::commands::Command::Incident(crate::commands::IncidentCommand::Status),
            resolve_user: |user: &UserRef| UserId::new(user.0.clone()),
            responder: true,
        };
        let (incident, _) = self
            .declare(&request, severity, &group.client, &group.title, &[])
            .await?;
        self.store.link_alert_group(group.id, &incident.id).await?;
        metrics::counter!("commandpost_alert_declarations_total").increment(1);
        info!(incident = %incident.id, group = group.id, "declared from an alert");
        Ok(incident.id)
    }

    /// Nobody took command of an incident monitoring declared: the room and every on-call
    /// channel hear it, naming the managers, like an escalation.
    pub(super) fn commander_missing_messages(
        &self,
        incident: &crate::domain::Incident,
    ) -> Result<super::messages::Deliveries, EngineError> {
        let managers: Vec<String> = self.policy.managers.iter().map(|m| m.mention()).collect();
        let text = format!(
            "🚨 *{} has had no commander for {} minutes* (declared by monitoring, {}). A responder takes it with `/incident assign commander @me`. {}",
            incident.id,
            crate::domain::deadline::COMMANDER_WITHIN.as_secs() / 60,
            incident.roles.commander.mention(),
            managers.join(" ")
        );
        let mut deliveries = self.room_notice(incident, text.clone(), false)?;
        let summary = format!(
            "{}: {} declared by monitoring has had no commander for {} minutes",
            self.client_named(&incident.client),
            incident.id,
            crate::domain::deadline::COMMANDER_WITHIN.as_secs() / 60
        );
        deliveries.extend(self.page(incident, crate::effects::PageAction::Trigger, summary));
        deliveries.extend(self.oncall_notice(
            incident,
            crate::effects::MessageKind::Escalation,
            &text,
        ));
        Ok(deliveries)
    }

    /// Declare P1 pressed on an alert proposal: declares and links the group, once.
    pub(super) async fn declare_from_alert(
        &self,
        request: &Request,
        client: &ClientId,
        group_id: i64,
    ) -> Result<Response, EngineError> {
        let group = self
            .store
            .alert_group(group_id)
            .await?
            .filter(|group| &group.client == client)
            .ok_or(EngineError::Unavailable("that alert is no longer known"))?;
        if let Some(incident) = &group.incident_id {
            return Err(EngineError::Refused(format!(
                "{incident} was already declared for this alert; see `/incident status` in its room"
            )));
        }
        let (incident, response) = self
            .declare(request, Severity::P1, client, &group.title, &[])
            .await?;
        if !self.store.link_alert_group(group.id, &incident.id).await? {
            info!(incident = %incident.id, "the alert was linked to another incident a moment earlier");
        }
        Ok(response)
    }
}
