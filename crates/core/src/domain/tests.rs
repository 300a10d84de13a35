//! Unit tests of the incident core: lifecycle, roles and refusals (deadlines and timers are in
//! `deadline_tests.rs`), and the helpers both share.

use std::time::Duration;

use chrono::{DateTime, TimeZone, Utc};

use super::*;

pub(super) fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
}

pub(super) fn mins(m: i64) -> chrono::Duration {
    chrono::Duration::minutes(m)
}

pub(super) fn person(name: &str) -> Actor {
    Actor {
        user: UserId::new(format!("console:{name}")),
        is_manager: false,
    }
}

pub(super) fn manager(name: &str) -> Actor {
    Actor {
        user: UserId::new(format!("console:{name}")),
        is_manager: true,
    }
}

pub(super) struct World {
    pub(super) policy: Policy,
    pub(super) client: ClientPolicy,
}

impl World {
    pub(super) fn new() -> Self {
        Self {
            policy: Policy::default(),
            client: ClientPolicy::default(),
        }
    }

    pub(super) fn terms(&self) -> Terms<'_> {
        Terms {
            policy: &self.policy,
            client: &self.client,
        }
    }

    pub(super) fn declare(&self, severity: Severity) -> Incident {
        Incident::declare(
            IncidentId::new(2026, 1),
            ClientId::parse("acme").unwrap(),
            severity,
            "Email down".into(),
            &person("alice"),
            t0(),
            self.terms(),
        )
        .0
    }
}

pub(super) fn apply_all(incident: &mut Incident, events: Vec<TimelineEvent>) {
    for event in &events {
        incident.apply(event);
    }
}

#[test]
fn the_declarer_commands_and_the_first_update_is_due_in_30_minutes() {
    let world = World::new();
    let incident = world.declare(Severity::P1);
    assert_eq!(incident.roles.commander, person("alice").user);
    assert_eq!(incident.roles.comms, None);
    assert_eq!(incident.stage, Stage::Investigating);
    assert_eq!(incident.next_update_due, Some(t0() + mins(30)));
    assert_eq!(incident.update_owner(), &person("alice").user);
}

#[test]
fn p3_has_no_update_due_unless_configured() {
    let mut world = World::new();
    assert_eq!(world.declare(Severity::P3).next_update_due, None);
    world
        .policy
        .cadence
        .insert(Severity::P3, Duration::from_secs(7200));
    assert_eq!(
        world.declare(Severity::P3).next_update_due,
        Some(t0() + mins(30))
    );
}

#[test]
fn contract_first_update_applies() {
    let mut world = World::new();
    world.client.first_update_within = Some(Duration::from_secs(900));
    assert_eq!(
        world.declare(Severity::P1).next_update_due,
        Some(t0() + mins(15))
    );
}

#[test]
fn on_p1_the_commander_may_not_also_be_comms() {
    let world = World::new();
    let incident = world.declare(Severity::P1);
    let error = incident
        .assign(
            &person("alice"),
            Role::Comms,
            person("alice").user,
            t0(),
            &world.policy,
        )
        .unwrap_err();
    assert!(matches!(error, DomainError::RoleConflation { .. }));
    assert!(error
        .to_string()
        .contains("on P1 the commander may not also be comms lead"));
}

#[test]
fn on_p3_the_commander_may_be_comms() {
    let world = World::new();
    let incident = world.declare(Severity::P3);
    assert!(incident
        .assign(
            &person("alice"),
            Role::Comms,
            person("alice").user,
            t0(),
            &world.policy
        )
        .is_ok());
}

#[test]
fn command_cannot_pass_to_the_comms_lead_on_p1() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let events = incident
        .assign(
            &person("alice"),
            Role::Comms,
            person("bob").user,
            t0(),
            &world.policy,
        )
        .unwrap();
    apply_all(&mut incident, events);
    let error = incident
        .assign(
            &person("alice"),
            Role::Commander,
            person("bob").user,
            t0(),
            &world.policy,
        )
        .unwrap_err();
    assert!(
        matches!(error, DomainError::RoleConflation { .. }),
        "{error}"
    );
}

#[test]
fn hand_over_is_recorded_with_the_previous_holder() {
    let world = World::new();
    let mut incident = world.declare(Severity::P2);
    let events = incident
        .assign(
            &person("alice"),
            Role::Commander,
            person("carol").user,
            t0() + mins(3),
            &world.policy,
        )
        .unwrap();
    assert_eq!(
        events[0].kind,
        EventKind::RoleAssigned {
            role: Role::Commander,
            user: person("carol").user,
            previous: Some(person("alice").user)
        }
    );
    apply_all(&mut incident, events);
    assert_eq!(incident.roles.commander, person("carol").user);
    // Alice no longer commands, so she cannot hand command back.
    let error = incident
        .assign(
            &person("alice"),
            Role::Commander,
            person("alice").user,
            t0(),
            &world.policy,
        )
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("only the commander or a manager may hand over command"),
        "{error}"
    );
}

#[test]
fn anyone_may_take_a_vacant_role_but_not_a_held_one() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let events = incident
        .assign(
            &person("bob"),
            Role::Comms,
            person("bob").user,
            t0(),
            &world.policy,
        )
        .unwrap();
    apply_all(&mut incident, events);
    let error = incident
        .assign(
            &person("dave"),
            Role::Comms,
            person("dave").user,
            t0(),
            &world.policy,
        )
        .unwrap_err();
    assert!(matches!(error, DomainError::NotPermitted { .. }));
    assert!(
        error
            .to_string()
            .contains("you are not in a role on INC-2026-0001"),
        "{error}"
    );
    // The holder may hand it over.
    assert!(incident
        .assign(
            &person("bob"),
            Role::Comms,
            person("dave").user,
            t0(),
            &world.policy
        )
        .is_ok());
    let error = incident
        .assign(
            &person("bob"),
            Role::Comms,
            person("bob").user,
            t0(),
            &world.policy,
        )
        .unwrap_err();
    assert!(matches!(error, DomainError::AlreadyHolds { .. }));
}

#[test]
fn managers_may_resolve_and_rerate_but_others_may_not() {
    let world = World::new();
    let incident = world.declare(Severity::P1);
    let error = incident
        .resolve(&person("bob"), None, None, t0())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("only the commander or a manager may resolve"),
        "{error}"
    );
    let error = incident
        .change_severity(&person("bob"), Severity::P2, t0(), world.terms())
        .unwrap_err();
    assert!(matches!(error, DomainError::NotPermitted { .. }));
    assert!(incident
        .resolve(&manager("maria"), Some("fixed".into()), None, t0())
        .is_ok());
    assert!(incident
        .change_severity(&manager("maria"), Severity::P2, t0(), world.terms())
        .is_ok());
}

#[test]
fn only_comms_or_commander_publish_and_updates_are_checked() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let error = incident
        .publish_update(&manager("maria"), "hello", t0())
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("the comms lead or the commander"),
        "{error}"
    );
    assert_eq!(
        incident
            .publish_update(&person("alice"), "   ", t0())
            .unwrap_err(),
        DomainError::EmptyUpdate
    );
    let long = "x".repeat(MAX_UPDATE_CHARS + 1);
    let error = incident
        .publish_update(&person("alice"), &long, t0())
        .unwrap_err();
    assert!(
        error.to_string().contains("limited to 3000 characters"),
        "{error}"
    );
    let published = incident
        .publish_update(&person("alice"), " We are on it. ", t0())
        .unwrap();
    assert_eq!(
        published.kind,
        EventKind::UpdatePublished {
            sequence: 1,
            message: "We are on it.".into(),
            due_at: Some(t0() + mins(30))
        }
    );
    incident.apply(&published);
    let second = incident
        .publish_update(&person("alice"), "More", t0())
        .unwrap();
    assert!(matches!(
        second.kind,
        EventKind::UpdatePublished { sequence: 2, .. }
    ));
}

#[test]
fn stage_changes_and_refusals() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    assert!(incident
        .change_stage(&person("bob"), Stage::Identified, t0())
        .is_err());
    let event = incident
        .change_stage(&person("alice"), Stage::Identified, t0())
        .unwrap();
    incident.apply(&event);
    assert_eq!(incident.stage, Stage::Identified);
    assert_eq!(
        incident
            .change_stage(&person("alice"), Stage::Identified, t0())
            .unwrap_err(),
        DomainError::Unchanged("identified".into())
    );
}

#[test]
fn nothing_happens_to_a_resolved_incident() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let resolved = incident
        .resolve(
            &person("alice"),
            Some("Mail flows".into()),
            None,
            t0() + mins(40),
        )
        .unwrap();
    incident.apply(&resolved);
    assert_eq!(incident.stage, Stage::Resolved);
    assert_eq!(incident.next_update_due, None);
    assert_eq!(deadline::next_timer(&incident, &world.policy), None);
    assert_eq!(
        incident
            .publish_update(&person("alice"), "late", t0())
            .unwrap_err(),
        DomainError::AlreadyResolved
    );
    assert_eq!(
        incident
            .resolve(&person("alice"), None, None, t0())
            .unwrap_err(),
        DomainError::AlreadyResolved
    );
}
