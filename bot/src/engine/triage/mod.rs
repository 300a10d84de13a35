//! Level-1 triage: answering client questions from the knowledge base, handing the rest to a
//! person as tickets, and spotting bursts of alike questions that are really an incident.

mod actions;

use tracing::info;

use super::{Engine, EngineError, Request, Response, Visibility};
use crate::config::ClientConfig;
use crate::domain::triage::{self, AskedQuestion, NewTriageRequest, TriageOutcome, TriageRequest};
use crate::domain::{ClientId, Incident, UserId};
use crate::effects::{Action, Delivery, Destination, MessageKind, OutgoingMessage};
use crate::store::IncidentFilter;
use crate::views::format_time;

/// How much of an article's body a suggestion quotes.
const EXCERPT_CHARS: usize = 160;

pub(super) fn triage_message(text: String, actions: Vec<Action>) -> OutgoingMessage {
    OutgoingMessage {
        actions,
        ..OutgoingMessage::new(MessageKind::Triage, None, text)
    }
}

fn excerpt(body: &str) -> String {
    let line = body
        .lines()
        .map(str::trim)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .unwrap_or_default();
    let mut text: String = line.chars().take(EXCERPT_CHARS).collect();
    if line.chars().count() > EXCERPT_CHARS {
        text.push('…');
    }
    text
}

/// What someone typed, quoted and shortened, escaped so it cannot ping or link anywhere.
pub(super) fn quote(question: &str) -> String {
    let short: String = question.chars().take(200).collect();
    format!("“{}”", crate::client_text::escape(short.trim()))
}

impl Engine {
    pub(super) fn oncall(&self, text: &str, actions: Vec<Action>) -> Vec<Delivery> {
        self.platform_names()
            .into_iter()
            .map(|platform| Delivery {
                destination: Destination::OnCall {
                    platform: platform.to_owned(),
                },
                message: triage_message(text.to_owned(), actions.clone()),
            })
            .collect()
    }

    pub(super) fn client_named(&self, id: &ClientId) -> String {
        self.config
            .client(id)
            .map_or_else(|| id.to_string(), |c| c.name.clone())
    }

    /// The on-call ticket post for an escalated request.
    pub(super) fn ticket_messages(&self, request: &TriageRequest) -> Vec<Delivery> {
        let tried = if request.suggestions.is_empty() {
            "no article fits".to_owned()
        } else {
            format!(
                "suggested and not enough: {}",
                request.suggestions.join(", ")
            )
        };
        let text = format!(
            "🎫 *{}* · {}: {} asked {} ({tried}).",
            request.ticket(),
            self.client_named(&request.client),
            request.asker.mention(),
            quote(&request.question)
        );
        self.oncall(
            &text,
            vec![Action::TakeTicket {
                request: request.id,
            }],
        )
    }

    /// The client whose support channel on `platform` is `room`, as that platform sees it.
    fn support_client(&self, platform: &str, room: &str) -> Option<&crate::config::ClientConfig> {
        let platform = self.platforms.get(platform)?;
        self.config
            .clients
            .iter()
            .find(|client| platform.support_channel(client).as_deref() == Some(room))
    }

    /// `/help` (or a plain message in a support channel).
    pub(super) async fn help(
        &self,
        request: &Request,
        question: &str,
    ) -> Result<Response, EngineError> {
        let room = request.room.as_deref().unwrap_or_default();
        let client = self.support_client(request.platform, room).ok_or(EngineError::Unavailable(
            "`/help` answers in a client's support channel; ask there (or, in the console, `/support <client>` first)",
        ))?;
        let now = self.clock.now();
        metrics::counter!("commandpost_triage_requests_total", "client" => client.id.to_string())
            .increment(1);
        let new = |suggestions: Vec<String>, outcome, incident_id| NewTriageRequest {
            client: client.id.clone(),
            asker: request.user.clone(),
            platform: request.platform.to_owned(),
            channel: room.to_owned(),
            question: question.to_owned(),
            suggestions,
            outcome,
            incident_id,
            at: now,
        };
        if let Some(incident) = self.open_incident_about(client, question).await? {
            let stored = self
                .store
                .create_triage_request(
                    new(
                        Vec::new(),
                        TriageOutcome::Incident,
                        Some(incident.id.clone()),
                    ),
                    &|_| Vec::new(),
                )
                .await?;
            self.check_burst(&stored).await?;
            return Ok(Response {
                visibility: Visibility::Private,
                ..Response::private(self.incident_answer(client, &incident))
            });
        }
        // Embedding the question takes tens of milliseconds of CPU: off the async threads, so
        // slash-command acknowledgements never wait behind it.
        let hits = {
            let knowledge = self.knowledge.clone();
            let (client_id, question) = (client.id.to_string(), question.to_owned());
            tokio::task::spawn_blocking(move || {
                knowledge.search(&client_id, &question, crate::kb::SUGGESTIONS)
            })
            .await
            .unwrap_or_default()
        };
        let slugs: Vec<String> = hits.iter().map(|hit| hit.slug.clone()).collect();
        if slugs.is_empty() {
            self.check_ticket_allowance(&client.id, &request.user)
                .await?;
            metrics::counter!("commandpost_triage_escalations_total", "client" => client.id.to_string()).increment(1);
            let stored = self
                .store
                .create_triage_request(new(Vec::new(), TriageOutcome::Escalated, None), &|r| {
                    self.ticket_messages(r)
                })
                .await?;
            self.outbox_ready.notify_one();
            self.check_burst(&stored).await?;
            info!(ticket = %stored.ticket(), "no confident article: escalated");
            return Ok(Response::private(format!(
                "No article fits this one, so I have passed it to the on-call team as {}. You will hear here who takes it.",
                stored.ticket()
            )));
        }
        let stored = self
            .store
            .create_triage_request(new(slugs, TriageOutcome::Suggested, None), &|_| Vec::new())
            .await?;
        self.check_burst(&stored).await?;
        let mut text = format!("Here is what should help with {}:", quote(question));
        for (n, hit) in hits.iter().enumerate() {
            let body = self
                .knowledge
                .article(&hit.slug)
                .map(|a| excerpt(&a.body))
                .unwrap_or_default();
            text.push_str(&format!("\n{}. *{}* — {body}", n + 1, hit.title));
        }
        text.push_str("\nDid one of these solve it?");
        Ok(Response {
            actions: vec![
                Action::Solved { request: stored.id },
                Action::StillNeedHelp { request: stored.id },
            ],
            ..Response::private(text)
        })
    }

    /// Refuses a new ticket when this person opened `triage.tickets_per_hour` in the last hour:
    /// one asker (or a script in their name) must not bury the on-call channel.
    pub(super) async fn check_ticket_allowance(
        &self,
        client: &ClientId,
        asker: &UserId,
    ) -> Result<(), EngineError> {
        let now = self.clock.now();
        let hour_ago = now - chrono::Duration::hours(1);
        let opened = self
            .store
            .recent_triage_requests(client, hour_ago)
            .await?
            .iter()
            .filter(|r| &r.asker == asker && r.escalated_at.is_some_and(|at| at > hour_ago))
            .count();
        let allowed = self.config.triage.tickets_per_hour;
        if opened < allowed {
            return Ok(());
        }
        metrics::counter!("commandpost_triage_tickets_throttled_total", "client" => client.to_string())
            .increment(1);
        info!(%client, %asker, opened, "ticket refused: too many in the last hour");
        Err(EngineError::Refused(format!(
            "You have opened {opened} tickets in the last hour, the most one person can; the on-call team is working through them. Please wait a little before asking again, or add to a ticket you already have."
        )))
    }

    /// An open incident of this client that the question is about, if any.
    async fn open_incident_about(
        &self,
        client: &ClientConfig,
        question: &str,
    ) -> Result<Option<Incident>, EngineError> {
        let open = self
            .store
            .incidents(&IncidentFilter {
                client: Some(client.id.clone()),
                open_only: true,
                limit: Some(20),
            })
            .await?;
        let outage = triage::sounds_like_outage(question, &self.triage);
        Ok(open
            .into_iter()
            .find(|incident| outage || triage::similar(question, &incident.title)))
    }

    fn incident_answer(&self, client: &ClientConfig, incident: &Incident) -> String {
        let now = self.clock.now();
        let mut text = format!(
            "This looks like a known incident affecting {}: *{}* ({}, {}).",
            client.name, incident.title, incident.severity, incident.stage
        );
        match &incident.last_update_message {
            Some(update) => text.push_str(&format!("\nLatest update: {}", quote(update))),
            None => text.push_str("\nOur team is working on it."),
        }
        if let Some(due) = incident.next_update_due {
            text.push_str(&format!(
                " The next update is due by {}.",
                format_time(due, self.config.timezone_for(&incident.client), now)
            ));
        }
        text
    }

    /// Tells on-call once when alike questions of one client (or words of an outage) look like an incident.
    async fn check_burst(&self, newest: &TriageRequest) -> Result<(), EngineError> {
        let now = self.clock.now();
        let window =
            chrono::Duration::from_std(self.triage.burst_window).unwrap_or(chrono::Duration::MAX);
        let recent = self
            .store
            .recent_triage_requests(&newest.client, now - window)
            .await?;
        let asked = |r: &TriageRequest| AskedQuestion {
            id: r.id,
            asker: r.asker.clone(),
            question: r.question.clone(),
            top_article: r.top_article().map(str::to_owned),
            at: r.created_at,
            alerted: r.alerted || r.incident_id.is_some(),
        };
        let questions: Vec<AskedQuestion> = recent.iter().map(asked).collect();
        let Some(ids) = triage::burst(&asked(newest), &questions, &self.triage, now) else {
            return Ok(());
        };
        let members: Vec<&TriageRequest> = recent.iter().filter(|r| ids.contains(&r.id)).collect();
        let people: std::collections::BTreeSet<&UserId> =
            members.iter().map(|r| &r.asker).collect();
        let mut text = format!(
            "⚠️ *Possible major incident for {}*: {} {} asked alike in the last {} minutes:",
            self.client_named(&newest.client),
            people.len(),
            if people.len() == 1 {
                "person"
            } else {
                "people"
            },
            self.triage.burst_window.as_secs() / 60
        );
        for member in &members {
            text.push_str(&format!(
                "\n• {} ({})",
                quote(&member.question),
                member.asker.mention()
            ));
        }
        let action = Action::DeclareFromBurst {
            client: newest.client.clone(),
            requests: ids.clone(),
        };
        self.store
            .alert_burst(&newest.client, &ids, self.oncall(&text, vec![action]), now)
            .await?;
        self.outbox_ready.notify_one();
        metrics::counter!("commandpost_triage_burst_alerts_total", "client" => newest.client.to_string()).increment(1);
        info!(client = %newest.client, requests = ?ids, "possible major incident reported to on-call");
        Ok(())
    }
}
