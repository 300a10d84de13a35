//! Level-1 triage buttons: solved, still need help, take a ticket, declare from a burst.

use super::triage::{quote, triage_message};
use super::{Engine, EngineError, Request, Response};
use crate::commands::TriageCommand;
use crate::domain::{ClientId, IncidentId, Severity};
use crate::effects::{Delivery, Destination};
use crate::store::{StoreError, SupportOutcome, SupportUpdate};

impl Engine {
    pub(super) async fn triage(
        &self,
        request: &Request,
        command: &TriageCommand,
    ) -> Result<Response, EngineError> {
        let id = match command {
            TriageCommand::Solved { request }
            | TriageCommand::StillNeedHelp { request }
            | TriageCommand::Take { request } => *request,
            TriageCommand::DeclareFromBurst { client, requests } => {
                return self.declare_from_burst(request, client, requests).await
            }
            TriageCommand::DeclareFromAlert { client, group } => {
                return self.declare_from_alert(request, client, *group).await
            }
        };
        let support = self
            .store
            .support_request(id)
            .await?
            .ok_or(EngineError::Unavailable(
                "that support request no longer exists",
            ))?;
        let now = self.clock.now();
        let client_label = support.client.to_string();
        match command {
            TriageCommand::Solved { .. } | TriageCommand::StillNeedHelp { .. }
                if support.asker != request.user =>
            {
                Err(EngineError::Unavailable(
                    "only the person who asked can say whether the suggestions helped",
                ))
            }
            TriageCommand::Solved { .. } => {
                if !self
                    .store
                    .update_support_request(
                        &support,
                        SupportUpdate::Solve { at: now },
                        Vec::new(),
                        now,
                    )
                    .await?
                {
                    return Err(EngineError::Unavailable(
                        "this request was already closed or handed to a person",
                    ));
                }
                metrics::counter!("commandpost_l1_deflections_total", "client" => client_label)
                    .increment(1);
                self.learn_from(&support).await?;
                Ok(Response::private("Glad that helped; marked as solved."))
            }
            TriageCommand::StillNeedHelp { .. } => {
                self.check_ticket_allowance(&support.client, &support.asker)
                    .await?;
                let mut escalated = support.clone();
                escalated.outcome = SupportOutcome::Escalated;
                let messages = self.ticket_messages(&escalated);
                if !self
                    .store
                    .update_support_request(
                        &support,
                        SupportUpdate::Escalate { at: now },
                        messages,
                        now,
                    )
                    .await?
                {
                    return Err(EngineError::Unavailable(
                        "this request was already closed or handed to a person",
                    ));
                }
                self.outbox_ready.notify_one();
                metrics::counter!("commandpost_l1_escalations_total", "client" => client_label)
                    .increment(1);
                Ok(Response::private(format!(
                    "I have passed it to the on-call team as {}. You will hear here who takes it.",
                    support.ticket()
                )))
            }
            TriageCommand::Take { .. } => {
                if let Some(taker) = &support.taken_by {
                    return Err(EngineError::Unavailable(if taker == &request.user {
                        "you have already taken this ticket"
                    } else {
                        "someone else has already taken this ticket"
                    }));
                }
                let told = Delivery {
                    destination: Destination::SupportChannel { platform: support.platform.clone(), channel: support.channel.clone() },
                    message: triage_message(
                        format!(
                            "{} {} from the service desk has taken your request {} and will be in touch.",
                            support.asker.mention(),
                            request.user.mention(),
                            support.ticket()
                        ),
                        Vec::new(),
                    ),
                };
                let update = SupportUpdate::Take {
                    by: request.user.clone(),
                    at: now,
                };
                if !self
                    .store
                    .update_support_request(&support, update, vec![told], now)
                    .await?
                {
                    return Err(EngineError::Unavailable(
                        "this ticket is not open for taking (taken or not escalated)",
                    ));
                }
                self.outbox_ready.notify_one();
                if let Some(escalated) = support.escalated_at {
                    let waited = (now - escalated).num_milliseconds().max(0) as f64 / 1000.0;
                    metrics::histogram!("commandpost_l1_time_to_take_seconds", "client" => client_label).record(waited);
                }
                Ok(Response::private(format!(
                    "You took {} ({}): {} asked {}.",
                    support.ticket(),
                    self.client_named(&support.client),
                    support.asker.mention(),
                    quote(&support.question)
                )))
            }
            TriageCommand::DeclareFromBurst { client, requests } => {
                self.declare_from_burst(request, client, requests).await
            }
            TriageCommand::DeclareFromAlert { client, group } => {
                self.declare_from_alert(request, client, *group).await
            }
        }
    }

    async fn declare_from_burst(
        &self,
        request: &Request,
        client: &ClientId,
        ids: &[i64],
    ) -> Result<Response, EngineError> {
        let mut questions = Vec::new();
        let mut found = Vec::new();
        for id in ids {
            if let Some(support) = self.store.support_request(*id).await? {
                if &support.client != client {
                    return Err(EngineError::Unavailable(
                        "those requests belong to another client",
                    ));
                }
                if let Some(incident) = &support.incident_id {
                    return Err(self.already_declared(incident).await);
                }
                questions.push(support.question);
                found.push(*id);
            }
        }
        let first: String = questions
            .first()
            .map(|q| crate::client_text::title(q).chars().take(60).collect())
            .unwrap_or_default();
        let title = format!("Reported by {} users: {}", ids.len().max(1), first.trim());
        match self
            .declare(request, Severity::P1, client, &title, &found)
            .await
        {
            Ok((_, response)) => Ok(response),
            // Someone clicked the same button a moment earlier and their declaration won.
            Err(EngineError::Store(StoreError::AlreadyLinked(id))) => {
                let support = self.store.support_request(id).await?;
                match support.and_then(|s| s.incident_id) {
                    Some(incident) => Err(self.already_declared(&incident).await),
                    None => Err(EngineError::Unavailable(
                        "those requests were just linked to an incident; see the on-call channel",
                    )),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// "This solved it": the question is kept as another phrasing of the first suggestion,
    /// for this client only, and searched with from now on (re-indexed off the async threads).
    async fn learn_from(&self, support: &crate::store::SupportRequest) -> Result<(), EngineError> {
        let Some(slug) = support.top_article() else {
            return Ok(());
        };
        self.store
            .learn_phrasing(&support.client, slug, &support.question, self.clock.now())
            .await?;
        let knowledge = self.knowledge.clone();
        let phrasing = (
            support.client.to_string(),
            slug.to_owned(),
            support.question.clone(),
        );
        tokio::task::spawn_blocking(move || knowledge.learn(phrasing));
        Ok(())
    }

    /// Tells the second person to click Declare who was first.
    async fn already_declared(&self, id: &IncidentId) -> EngineError {
        let by = match self.store.incident(id).await {
            Ok(Some(stored)) => format!(" by {}", stored.incident.declared_by.mention()),
            _ => String::new(),
        };
        EngineError::Refused(format!(
            "{id} was already declared for these requests{by}; see `/incident status` in its room"
        ))
    }
}
