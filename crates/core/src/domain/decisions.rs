//! What each action does to an incident: permission checks, ICS rules, and the events they produce.

use chrono::{DateTime, Utc};

use super::{
    deadline::{self, TimerKind},
    error::DomainError,
    event::{EventKind, TimelineEvent},
    ids::{ClientId, IncidentId, UserId},
    incident::{Actor, Incident},
    policy::{Policy, Terms},
    roles::Role,
    severity::{Severity, Stage},
};

/// Longest client update accepted: fits a Discord embed and a Slack section with room for the template.
pub const MAX_UPDATE_CHARS: usize = 3000;

fn event(at: DateTime<Utc>, actor: &Actor, kind: EventKind) -> TimelineEvent {
    TimelineEvent {
        at,
        actor: Some(actor.user.clone()),
        kind,
    }
}

fn bot_event(at: DateTime<Utc>, kind: EventKind) -> TimelineEvent {
    TimelineEvent {
        at,
        actor: None,
        kind,
    }
}

impl Incident {
    /// Opens an incident; the declarer commands it until they hand over.
    pub fn declare(
        id: IncidentId,
        client: ClientId,
        severity: Severity,
        title: String,
        declarer: &Actor,
        now: DateTime<Utc>,
        terms: Terms<'_>,
    ) -> (Incident, TimelineEvent) {
        let declared = event(
            now,
            declarer,
            EventKind::Declared {
                client,
                severity,
                title,
                commander: declarer.user.clone(),
                next_update_due: deadline::first_update_due(terms, severity, now),
            },
        );
        let incident = Incident::from_declaration(id, &declared)
            .expect("a Declared event always builds an incident");
        (incident, declared)
    }

    fn describe_actor(&self, actor: &Actor) -> String {
        let roles = self.roles.roles_of(&actor.user);
        let mut names: Vec<&str> = roles.iter().map(|role| role.title()).collect();
        if actor.is_manager {
            names.push("a manager");
        }
        if names.is_empty() {
            format!("not in a role on {}", self.id)
        } else {
            names.join(" and ")
        }
    }

    fn refuse(&self, actor: &Actor, action: &'static str, allowed: &'static str) -> DomainError {
        DomainError::NotPermitted {
            action,
            allowed,
            you: self.describe_actor(actor),
        }
    }

    fn ensure_open(&self) -> Result<(), DomainError> {
        if self.is_resolved() {
            Err(DomainError::AlreadyResolved)
        } else {
            Ok(())
        }
    }

    fn commands(&self, actor: &Actor) -> bool {
        actor.is_manager || self.roles.commander == actor.user
    }

    /// An incident declared by monitoring (`alerts.auto_declare`) has no person in command
    /// until a responder takes it.
    pub fn commander_vacant(&self) -> bool {
        self.roles.commander.as_str().starts_with("alert:")
    }

    /// Assigns or hands over a role, enforcing who may and the comms/commander separation.
    pub fn assign(
        &self,
        actor: &Actor,
        role: Role,
        user: UserId,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Result<Vec<TimelineEvent>, DomainError> {
        self.ensure_open()?;
        if self.roles.holds(&user, role) {
            return Err(DomainError::AlreadyHolds { user, role });
        }
        let current = self.roles.holder(role).cloned();
        let permitted = match role {
            // Declared by monitoring: command is vacant, and any responder may take it.
            Role::Commander if self.commander_vacant() => actor.user == user || actor.is_manager,
            Role::Commander => self.commands(actor),
            Role::Sme => self.commands(actor) || actor.user == user,
            _ => {
                self.commands(actor)
                    || current.as_ref() == Some(&actor.user)
                    || (current.is_none() && actor.user == user)
            }
        };
        if !permitted {
            return Err(match role {
                Role::Commander => self.refuse(actor, "hand over command", "the commander or a manager"),
                _ => self.refuse(
                    actor,
                    "assign this role",
                    "the commander, a manager, or the current holder (anyone may take a vacant role themselves)",
                ),
            });
        }
        if policy.separates_comms(self.severity) {
            let conflated = match role {
                Role::Comms => (user == self.roles.commander).then_some("commander"),
                Role::Commander => {
                    (self.roles.comms.as_ref() == Some(&user)).then_some("comms lead")
                }
                _ => None,
            };
            if let Some(held) = conflated {
                return Err(DomainError::RoleConflation {
                    severity: self.severity,
                    user,
                    held,
                    role,
                });
            }
        }
        Ok(vec![event(
            now,
            actor,
            EventKind::RoleAssigned {
                role,
                user,
                previous: current,
            },
        )])
    }

    /// Validates a client update and gives it the next sequence number.
    pub fn publish_update(
        &self,
        actor: &Actor,
        message: &str,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, DomainError> {
        self.ensure_open()?;
        let may_publish =
            self.roles.commander == actor.user || self.roles.comms.as_ref() == Some(&actor.user);
        if !may_publish {
            return Err(self.refuse(
                actor,
                "publish a client update",
                "the comms lead or the commander",
            ));
        }
        let message = message.trim();
        if message.is_empty() {
            return Err(DomainError::EmptyUpdate);
        }
        let length = message.chars().count();
        if length > MAX_UPDATE_CHARS {
            return Err(DomainError::UpdateTooLong {
                length,
                limit: MAX_UPDATE_CHARS,
            });
        }
        Ok(event(
            now,
            actor,
            EventKind::UpdatePublished {
                sequence: self.updates_published + 1,
                message: message.to_owned(),
                due_at: self.next_update_due,
            },
        ))
    }

    pub fn change_stage(
        &self,
        actor: &Actor,
        stage: Stage,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, DomainError> {
        self.ensure_open()?;
        if !(self.commands(actor) || self.roles.ops.as_ref() == Some(&actor.user)) {
            return Err(self.refuse(
                actor,
                "change the stage",
                "the commander, the ops lead or a manager",
            ));
        }
        if stage == self.stage {
            return Err(DomainError::Unchanged(stage.to_string()));
        }
        Ok(event(
            now,
            actor,
            EventKind::StageChanged {
                from: self.stage,
                to: stage,
                client_draft: false,
            },
        ))
    }

    /// Changes the stage and asks for a client update about it, drafted for the comms lead to
    /// publish (nothing reaches the client by itself).
    pub fn change_stage_telling_client(
        &self,
        actor: &Actor,
        stage: Stage,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, DomainError> {
        let mut changed = self.change_stage(actor, stage, now)?;
        if let EventKind::StageChanged { client_draft, .. } = &mut changed.kind {
            *client_draft = true;
        }
        Ok(changed)
    }

    /// Re-rates the incident; the next update is recomputed, and a commander who was also
    /// comms lead gives up comms when the new severity separates the two.
    pub fn change_severity(
        &self,
        actor: &Actor,
        severity: Severity,
        now: DateTime<Utc>,
        terms: Terms<'_>,
    ) -> Result<Vec<TimelineEvent>, DomainError> {
        self.ensure_open()?;
        if !self.commands(actor) {
            return Err(self.refuse(actor, "change the severity", "the commander or a manager"));
        }
        if severity == self.severity {
            return Err(DomainError::Unchanged(severity.to_string()));
        }
        let mut events = vec![event(
            now,
            actor,
            EventKind::SeverityChanged {
                from: self.severity,
                to: severity,
                next_update_due: deadline::due_after_severity_change(terms, self, severity),
            },
        )];
        let conflated = self
            .roles
            .comms
            .as_ref()
            .filter(|comms| **comms == self.roles.commander);
        if let (true, Some(comms)) = (terms.policy.separates_comms(severity), conflated) {
            events.push(event(
                now,
                actor,
                EventKind::RoleVacated {
                    role: Role::Comms,
                    previous: comms.clone(),
                    reason: format!("on {severity} the commander may not also be comms lead"),
                },
            ));
        }
        Ok(events)
    }

    pub fn resolve(
        &self,
        actor: &Actor,
        summary: Option<String>,
        client_message: Option<String>,
        now: DateTime<Utc>,
    ) -> Result<TimelineEvent, DomainError> {
        self.ensure_open()?;
        if !self.commands(actor) {
            return Err(self.refuse(actor, "resolve the incident", "the commander or a manager"));
        }
        Ok(event(
            now,
            actor,
            EventKind::Resolved {
                summary,
                client_message,
            },
        ))
    }

    /// A destination confirmed update `sequence`; the first confirmation is when the client heard.
    pub fn record_delivery(
        &self,
        sequence: u32,
        destination: &str,
        now: DateTime<Utc>,
        terms: Terms<'_>,
        due_at: Option<DateTime<Utc>>,
    ) -> Vec<TimelineEvent> {
        let mut events = Vec::new();
        if sequence > self.updates_landed {
            events.push(bot_event(
                now,
                EventKind::UpdateLanded {
                    sequence,
                    destination: destination.to_owned(),
                    due_at,
                    on_time: due_at.is_none_or(|due| now <= due),
                    next_update_due: deadline::due_after_update(terms, self.severity, now),
                },
            ));
        }
        events.push(bot_event(
            now,
            EventKind::UpdateDelivered {
                sequence,
                destination: destination.to_owned(),
            },
        ));
        events
    }

    /// The nudge or escalation due at `now`, if any.
    pub fn fire_timer(
        &self,
        now: DateTime<Utc>,
        policy: &Policy,
    ) -> Option<(TimerKind, TimelineEvent)> {
        let timer = deadline::timer_firing(self, policy, now)?;
        let kind = match timer.kind {
            TimerKind::Nudge => EventKind::UpdateNudged {
                due_at: timer.update_due,
            },
            TimerKind::Escalate => EventKind::UpdateEscalated {
                due_at: timer.update_due,
                late_by_secs: (now - timer.update_due).num_seconds(),
            },
            TimerKind::CommanderMissing => EventKind::CommanderMissing {
                declared_by: self.roles.commander.clone(),
            },
        };
        Some((timer.kind, bot_event(now, kind)))
    }
}
