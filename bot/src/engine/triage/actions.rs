//! Triage steps after the answer: solved, still need help, take a ticket, answer a ticket with
//! an article, declare from a burst.

use super::{quote, triage_message};
use crate::commands::TriageCommand;
use crate::domain::triage::{TriageChange, TriageOutcome, TriageRequest};
use crate::domain::{ClientId, IncidentId, Severity};
use crate::effects::{Delivery, Destination};
use crate::engine::{Engine, EngineError, Request, Response};
use crate::store::StoreError;

/// The steps of a request's life a click takes (declarations are handled apart).
enum Step {
    Solve,
    Escalate,
    Take,
}

impl Engine {
    pub(in crate::engine) async fn triage(
        &self,
        request: &Request,
        command: &TriageCommand,
    ) -> Result<Response, EngineError> {
        let (step, id) = match command {
            TriageCommand::Solved { request } => (Step::Solve, *request),
            TriageCommand::StillNeedHelp { request } => (Step::Escalate, *request),
            TriageCommand::Take { request } => (Step::Take, *request),
            TriageCommand::DeclareFromBurst { client, requests } => {
                return self.declare_from_burst(request, client, requests).await
            }
            TriageCommand::DeclareFromAlert { client, group } => {
                return self.declare_from_alert(request, client, *group).await
            }
        };
        let asked = self.stored_triage_request(id).await?;
        let now = self.clock.now();
        let by = &request.user;
        let client_label = asked.client.to_string();
        match step {
            Step::Solve => {
                let change = asked.solve(by, now).map_err(refused)?;
                self.apply(&asked, change, Vec::new()).await?;
                metrics::counter!("commandpost_triage_deflections_total", "client" => client_label)
                    .increment(1);
                self.learn_from(&asked, asked.top_article()).await;
                Ok(Response::private("Glad that helped; marked as solved."))
            }
            Step::Escalate => {
                let change = asked.escalate(by, now).map_err(refused)?;
                self.check_ticket_allowance(&asked.client, &asked.asker)
                    .await?;
                let escalated = TriageRequest {
                    outcome: TriageOutcome::Escalated,
                    ..asked.clone()
                };
                self.apply(&asked, change, self.ticket_messages(&escalated))
                    .await?;
                metrics::counter!("commandpost_triage_escalations_total", "client" => client_label)
                    .increment(1);
                Ok(Response::private(format!(
                    "I have passed it to the on-call team as {}. You will hear here who takes it.",
                    asked.ticket()
                )))
            }
            Step::Take => {
                let change = asked.take(by, now).map_err(refused)?;
                let told = self.tell_asker(
                    &asked,
                    format!(
                        "{} {} from the service desk has taken your request {} and will be in touch.",
                        asked.asker.mention(),
                        by.mention(),
                        asked.ticket()
                    ),
                );
                self.apply(&asked, change, vec![told]).await?;
                if let Some(escalated) = asked.escalated_at {
                    let waited = (now - escalated).num_milliseconds().max(0) as f64 / 1000.0;
                    metrics::histogram!("commandpost_triage_time_to_take_seconds", "client" => client_label).record(waited);
                }
                Ok(Response::private(format!(
                    "You took {} ({}): {} asked {}.",
                    asked.ticket(),
                    self.client_named(&asked.client),
                    asked.asker.mention(),
                    quote(&asked.question)
                )))
            }
        }
    }

    /// `/incident answer TKT-0004 <article>`: closes the ticket with the article that answered
    /// it. The asker is told which article; the question becomes another phrasing of that
    /// article for this client only. Only an article this client can see may be named.
    pub(in crate::engine) async fn answer_ticket(
        &self,
        request: &Request,
        id: i64,
        slug: &str,
    ) -> Result<Response, EngineError> {
        let asked = self.stored_triage_request(id).await?;
        let article = self
            .knowledge
            .article(slug)
            .filter(|article| article.is_visible_to(asked.client.as_str()))
            .ok_or_else(|| {
                EngineError::Refused(format!(
                    "{} can only be answered with an article its client can read; `{slug}` is not one",
                    asked.ticket()
                ))
            })?;
        let change = asked
            .answer(&request.user, slug, self.clock.now())
            .map_err(refused)?;
        let told = self.tell_asker(
            &asked,
            format!(
                "{} your request {} was answered: *{}*.",
                asked.asker.mention(),
                asked.ticket(),
                crate::client_text::escape(&article.title)
            ),
        );
        self.apply(&asked, change, vec![told]).await?;
        self.learn_from(&asked, Some(slug)).await;
        Ok(Response::private(format!(
            "{} is answered with `{slug}`; triage now knows {} as another way {} asks for it.",
            asked.ticket(),
            quote(&asked.question),
            self.client_named(&asked.client)
        )))
    }

    async fn stored_triage_request(&self, id: i64) -> Result<TriageRequest, EngineError> {
        self.store
            .triage_request(id)
            .await?
            .ok_or(EngineError::Unavailable(
                "that request or ticket does not exist",
            ))
    }

    /// A message to the asker, in the support channel they asked in.
    fn tell_asker(&self, asked: &TriageRequest, text: String) -> Delivery {
        Delivery {
            destination: Destination::SupportChannel {
                platform: asked.platform.clone(),
                channel: asked.channel.clone(),
            },
            message: triage_message(text, Vec::new()),
        }
    }

    /// Stores a change a triage rule allowed, with its messages; a click that lost the race
    /// to another one (the request moved on meanwhile) is told so.
    async fn apply(
        &self,
        asked: &TriageRequest,
        change: TriageChange,
        deliveries: Vec<Delivery>,
    ) -> Result<(), EngineError> {
        let sends = !deliveries.is_empty();
        let applied = self
            .store
            .apply_triage_change(asked, change, deliveries, self.clock.now())
            .await?;
        if !applied {
            return Err(EngineError::Unavailable(
                "this request changed a moment ago (someone else acted on it); look again",
            ));
        }
        if sends {
            self.outbox_ready.notify_one();
        }
        Ok(())
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
            if let Some(asked) = self.store.triage_request(*id).await? {
                if &asked.client != client {
                    return Err(EngineError::Unavailable(
                        "those requests belong to another client",
                    ));
                }
                if let Some(incident) = &asked.incident_id {
                    return Err(self.already_declared(incident).await);
                }
                questions.push(asked.question);
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
                let asked = self.store.triage_request(id).await?;
                match asked.and_then(|s| s.incident_id) {
                    Some(incident) => Err(self.already_declared(&incident).await),
                    None => Err(EngineError::Unavailable(
                        "those requests were just linked to an incident; see the on-call channel",
                    )),
                }
            }
            Err(other) => Err(other),
        }
    }

    /// The store kept the question as another phrasing of `slug` with the change; the search
    /// index learns it too (one question embedded, off the async threads), before the person
    /// is answered, so their next question already benefits.
    async fn learn_from(&self, asked: &TriageRequest, slug: Option<&str>) {
        let Some(slug) = slug else {
            return;
        };
        let knowledge = self.knowledge.clone();
        let phrasing = (
            asked.client.to_string(),
            slug.to_owned(),
            asked.question.clone(),
        );
        if let Err(error) = tokio::task::spawn_blocking(move || knowledge.learn(phrasing)).await {
            tracing::error!(%error, "learning a phrasing failed; it is used after the next restart");
        }
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

/// A triage rule's refusal, for the person who clicked or typed.
fn refused(refusal: crate::domain::triage::TriageRefusal) -> EngineError {
    EngineError::Refused(refusal.to_string())
}
