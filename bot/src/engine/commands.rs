//! One handler per chat command; each reads the incident, decides, and commits once.

use chrono::Datelike;
use tracing::{info, instrument};

use super::{messages::Deliveries, Engine, EngineError, Request, Response};
use crate::commands::{Command, IncidentCommand, TriageCommand, HELP_TEXT};
use crate::domain::{room, Actor, EventKind, Incident, TimelineEvent};
use crate::effects::Destination;
use crate::store::{Change, StoreError, Versioned};

/// What a command does, when only responders and managers may do it: every `/incident`
/// subcommand, taking a ticket and declaring from a burst. Asking for help and saying whether
/// the suggestions helped stay open to a client's staff.
fn responders_only(command: &Command) -> Option<&'static str> {
    match command {
        Command::Incident(_) => Some("use `/incident`"),
        Command::Triage(TriageCommand::Take { .. }) => Some("take a ticket"),
        Command::Triage(
            TriageCommand::DeclareFromBurst { .. } | TriageCommand::DeclareFromAlert { .. },
        ) => Some("declare an incident"),
        Command::Triage(TriageCommand::Solved { .. } | TriageCommand::StillNeedHelp { .. })
        | Command::Help { .. } => None,
    }
}

/// How often a command is re-decided when another writer changed the incident meanwhile.
const CONFLICT_RETRIES: usize = 3;

impl Engine {
    /// Handles one command. Errors are meant for the person who typed it, privately.
    #[instrument(skip_all, fields(platform = request.platform, user = %request.user, command))]
    pub async fn handle(&self, request: Request) -> Result<Response, EngineError> {
        let name = match &request.command {
            Command::Incident(command) => command.name(),
            Command::Help { .. } => "help-question",
            Command::Triage(triage) => triage.name(),
        };
        tracing::Span::current().record("command", name);
        let result = self.dispatch(&request).await;
        let outcome = match &result {
            Ok(_) => "ok",
            Err(error) if error.is_user_error() => "refused",
            Err(_) => "error",
        };
        metrics::counter!("commandpost_commands_total", "command" => name, "outcome" => outcome)
            .increment(1);
        if let Err(error) = &result {
            if error.is_user_error() {
                info!(%error, "command refused");
            } else {
                tracing::error!(%error, "command failed");
            }
        }
        result
    }

    async fn dispatch(&self, request: &Request) -> Result<Response, EngineError> {
        if let Some(action) = responders_only(&request.command) {
            if !(request.responder || self.policy.is_manager(&request.user)) {
                metrics::counter!("commandpost_commands_from_outsiders_total", "platform" => request.platform)
                    .increment(1);
                return Err(EngineError::NotResponder { action });
            }
        }
        let command = match &request.command {
            Command::Incident(command) => command,
            Command::Help { question } => return self.help(request, question).await,
            Command::Triage(triage) => return self.triage(request, triage).await,
        };
        match command {
            IncidentCommand::Help => Ok(Response::private(HELP_TEXT)),
            IncidentCommand::DeclarePrompt => Ok(Response {
                wants_declare_form: true,
                ..Response::private(format!(
                    "To declare, write `{}`",
                    crate::commands::usage_of("declare")
                ))
            }),
            IncidentCommand::Declare {
                severity,
                client,
                title,
            } => self
                .declare(request, *severity, client, title, &[])
                .await
                .map(|(_, response)| response),
            IncidentCommand::Review => self.review_link(request).await,
            IncidentCommand::KbDraft => self.kb_draft(request).await,
            IncidentCommand::Answer {
                request: ticket,
                article,
            } => self.answer_ticket(request, *ticket, article).await,
            other => self.in_room(request, other).await,
        }
    }

    /// Opens an incident; the declarer commands it. Returns it with the declarer's reply.
    /// `answers` are triage requests the incident is declared for, linked in the same
    /// transaction (and refused if another declaration linked them first).
    pub(super) async fn declare(
        &self,
        request: &Request,
        severity: crate::domain::Severity,
        client_id: &crate::domain::ClientId,
        title: &str,
        answers: &[i64],
    ) -> Result<(Incident, Response), EngineError> {
        let client = self
            .config
            .client(client_id)
            .ok_or_else(|| EngineError::UnknownClient {
                client: client_id.to_string(),
            })?;
        let now = self.clock.now();
        let actor = self.actor(&request.user);
        let contract = client.contract();
        let room_name = room::room_name(
            now.with_timezone(&self.config.timezone).date_naive(),
            client_id,
            title,
        );
        let id = self.store.next_incident_id(now.year()).await?;
        let (mut incident, declared) = Incident::declare(
            id,
            client_id.clone(),
            severity,
            title.to_owned(),
            &actor,
            now,
            self.terms_for(&contract),
        );
        let requested = TimelineEvent {
            at: now,
            actor: Some(actor.user.clone()),
            kind: EventKind::RoomRequested {
                platform: request.platform.to_owned(),
                name: room_name.clone(),
            },
        };
        incident.apply(&requested);
        let deliveries = self.declaration_messages(&incident, request.platform, &room_name)?;
        let change = Change {
            timer_at: self.timer_at(&incident),
            incident: incident.clone(),
            expected_version: 0,
            events: vec![declared, requested],
            deliveries,
        };
        if answers.is_empty() {
            self.commit(change).await?;
        } else {
            self.store.commit_linking(change, answers).await?;
            self.outbox_ready.notify_one();
        }
        info!(incident = %incident.id, "incident declared");
        metrics::counter!("commandpost_incidents_declared_total", "severity" => severity.as_str())
            .increment(1);
        let response = Response {
            opened_room: Some(room_name.clone()),
            ..Response::private(format!(
                "Declared {} ({severity}, {}): room #{room_name} is opening. You are incident commander until you hand over.",
                incident.id, client.name
            ))
        };
        Ok((incident, response))
    }
}

/// Words the person gets back, once the change and its messages are known.
type Reply = Box<dyn FnOnce(&Incident, &Deliveries) -> Response + Send>;

/// What a room command decided: a reply only, or events to write with their messages.
enum Decision {
    Reply(Response),
    Write {
        events: Vec<TimelineEvent>,
        reply: Reply,
    },
}

impl Engine {
    async fn in_room(
        &self,
        request: &Request,
        command: &IncidentCommand,
    ) -> Result<Response, EngineError> {
        let not_in_room = || EngineError::NotInRoom {
            command: command.name(),
        };
        let room = request.room.as_deref().ok_or_else(not_in_room)?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let Versioned { incident, version } = self
                .store
                .incident_by_room(request.platform, room)
                .await?
                .ok_or_else(not_in_room)?;
            let span = tracing::info_span!("incident", incident = %incident.id);
            let _entered = span.enter();
            let actor = self.actor(&request.user);
            let (events, reply) = match self.decide(&incident, &actor, request, command).await? {
                Decision::Reply(response) => return Ok(response),
                Decision::Write { events, reply } => (events, reply),
            };
            let mut next = incident.clone();
            for event in &events {
                next.apply(event);
            }
            let deliveries = self.messages_for(&next, &events)?;
            let response = reply(&next, &deliveries);
            let change = Change {
                timer_at: self.timer_at(&next),
                incident: next,
                expected_version: version,
                events,
                deliveries,
            };
            match self.commit_room_change(change).await {
                Err(EngineError::Store(StoreError::Conflict(_))) if attempt < CONFLICT_RETRIES => {
                    continue
                }
                Err(error) => return Err(error),
                Ok(()) => return Ok(response),
            }
        }
    }

    async fn decide(
        &self,
        incident: &Incident,
        actor: &Actor,
        request: &Request,
        command: &IncidentCommand,
    ) -> Result<Decision, EngineError> {
        let now = self.clock.now();
        let write =
            |events: Vec<TimelineEvent>, reply: Reply| Ok(Decision::Write { events, reply });
        match command {
            IncidentCommand::Status => {
                let pending = self.store.pending_deliveries(&incident.id).await?;
                let view = self.view(incident, pending);
                Ok(Decision::Reply(Response::room(
                    self.templates.render("status", &view)?,
                )))
            }
            IncidentCommand::Assign { role, user } => {
                let user = (request.resolve_user)(user);
                let events = incident.assign(actor, *role, user.clone(), now, &self.policy)?;
                let role = *role;
                write(
                    events,
                    Box::new(move |incident, _| {
                        Response::private(format!(
                            "{} is now {role} of {}.",
                            user.mention(),
                            incident.id
                        ))
                    }),
                )
            }
            IncidentCommand::Update { text } => {
                let event = incident.publish_update(actor, text, now)?;
                write(
                    vec![event],
                    Box::new(|incident, deliveries| {
                        let labels: Vec<String> = deliveries
                            .iter()
                            .filter(|(sequence, _)| sequence.is_some())
                            .map(|(_, delivery)| delivery.destination.label())
                            .collect();
                        Response::private(format!(
                            "Client update #{} of {} is on its way to: {}. The room hears if a destination fails.",
                            incident.updates_published,
                            incident.id,
                            labels.join(", ")
                        ))
                    }),
                )
            }
            IncidentCommand::Severity(severity) => {
                let events = incident.change_severity(
                    actor,
                    *severity,
                    now,
                    self.terms_for(&self.contract(incident)),
                )?;
                write(
                    events,
                    Box::new(|incident, _| {
                        Response::private(format!("{} is now {}.", incident.id, incident.severity))
                    }),
                )
            }
            IncidentCommand::Stage { stage, tell_client } => {
                let event = match tell_client {
                    true => incident.change_stage_telling_client(actor, *stage, now)?,
                    false => incident.change_stage(actor, *stage, now)?,
                };
                write(
                    vec![event],
                    Box::new(|incident, _| {
                        Response::private(format!("{} is now {}.", incident.id, incident.stage))
                    }),
                )
            }
            IncidentCommand::Resolve {
                summary,
                client_text,
            } => {
                let event = incident.resolve(actor, summary.clone(), client_text.clone(), now)?;
                write(
                    vec![event],
                    Box::new(|incident, _| {
                        Response::private(format!("{} is resolved.", incident.id))
                    }),
                )
            }
            other => Err(EngineError::NotInRoom {
                command: other.name(),
            }),
        }
    }

    /// The messages a room command's events send.
    fn messages_for(
        &self,
        incident: &Incident,
        events: &[TimelineEvent],
    ) -> Result<Deliveries, EngineError> {
        let mut deliveries = Vec::new();
        for event in events {
            match &event.kind {
                EventKind::UpdatePublished { .. } => {
                    deliveries.extend(self.client_update_messages(incident, event)?)
                }
                EventKind::Resolved { .. } => return self.resolution_messages(incident, event),
                EventKind::StageChanged {
                    client_draft: true, ..
                } => deliveries.extend(self.stage_draft_messages(incident)?),
                _ => {}
            }
        }
        let refresh_brief = !deliveries
            .iter()
            .any(|(_, d)| matches!(d.destination, Destination::Brief { .. }));
        deliveries.extend(self.room_notice(incident, Self::describe(events), refresh_brief)?);
        Ok(deliveries)
    }
}
