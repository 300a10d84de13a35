//! Unit tests of the incident core's clock: deliveries and cadence, nudges, escalations and
//! the timers that fire them, and replaying a timeline.

use super::tests::{apply_all, mins, person, t0, World};
use super::*;

#[test]
fn delivery_lands_once_and_sets_the_cadence() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let published = incident
        .publish_update(&person("alice"), "On it", t0() + mins(10))
        .unwrap();
    incident.apply(&published);
    let landed_at = t0() + mins(11);
    let events = incident.record_delivery(
        1,
        "slack:C0ACME",
        landed_at,
        world.terms(),
        Some(t0() + mins(30)),
    );
    assert_eq!(events.len(), 2);
    assert!(matches!(
        events[0].kind,
        EventKind::UpdateLanded { on_time: true, .. }
    ));
    apply_all(&mut incident, events);
    assert_eq!(incident.next_update_due, Some(landed_at + mins(30)));
    assert_eq!(incident.updates_on_time, 1);
    // A second destination confirming the same update does not count it again.
    let again = incident.record_delivery(
        1,
        "webhook",
        landed_at,
        world.terms(),
        Some(t0() + mins(30)),
    );
    assert_eq!(again.len(), 1);
    assert!(matches!(again[0].kind, EventKind::UpdateDelivered { .. }));
}

#[test]
fn a_late_landing_counts_as_late() {
    let world = World::new();
    let incident = world.declare(Severity::P1);
    let events = incident.record_delivery(
        1,
        "webhook",
        t0() + mins(31),
        world.terms(),
        Some(t0() + mins(30)),
    );
    assert!(matches!(
        events[0].kind,
        EventKind::UpdateLanded { on_time: false, .. }
    ));
}

#[test]
fn severity_change_recomputes_the_due_time_and_separates_roles() {
    let world = World::new();
    let mut incident = world.declare(Severity::P3);
    assert_eq!(incident.next_update_due, None);
    let events = incident
        .assign(
            &person("alice"),
            Role::Comms,
            person("alice").user,
            t0(),
            &world.policy,
        )
        .unwrap();
    apply_all(&mut incident, events);
    let events = incident
        .change_severity(
            &person("alice"),
            Severity::P1,
            t0() + mins(5),
            world.terms(),
        )
        .unwrap();
    assert_eq!(events.len(), 2, "commander gives up comms on P1");
    apply_all(&mut incident, events);
    assert_eq!(incident.next_update_due, Some(t0() + mins(30)));
    assert_eq!(incident.roles.comms, None);
    // After an update lands, a P2 cadence counts from that landing.
    let landed = incident.record_delivery(
        1,
        "webhook",
        t0() + mins(20),
        world.terms(),
        incident.next_update_due,
    );
    apply_all(&mut incident, landed);
    let events = incident
        .change_severity(
            &person("alice"),
            Severity::P2,
            t0() + mins(25),
            world.terms(),
        )
        .unwrap();
    apply_all(&mut incident, events);
    assert_eq!(incident.next_update_due, Some(t0() + mins(80)));
}

#[test]
fn nudge_then_escalate_then_repeat_every_interval() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let due = t0() + mins(30);
    assert!(incident
        .fire_timer(t0() + mins(24), &world.policy)
        .is_none());
    let (kind, nudge) = incident.fire_timer(t0() + mins(25), &world.policy).unwrap();
    assert_eq!(kind, TimerKind::Nudge);
    incident.apply(&nudge);
    assert!(incident
        .fire_timer(t0() + mins(34), &world.policy)
        .is_none());
    let (kind, breach) = incident.fire_timer(t0() + mins(35), &world.policy).unwrap();
    assert_eq!(kind, TimerKind::Escalate);
    assert_eq!(
        breach.kind,
        EventKind::UpdateEscalated {
            due_at: due,
            late_by_secs: 300
        }
    );
    incident.apply(&breach);
    assert_eq!(incident.breaches, 1);
    assert!(incident
        .fire_timer(t0() + mins(39), &world.policy)
        .is_none());
    let (kind, _) = incident.fire_timer(t0() + mins(40), &world.policy).unwrap();
    assert_eq!(kind, TimerKind::Escalate);
}

#[test]
fn a_long_pause_fires_overdue_work_once() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    // The process slept from minute 1 to minute 120: one escalation, not a nudge plus seventeen.
    let late = t0() + mins(120);
    let (kind, event) = incident.fire_timer(late, &world.policy).unwrap();
    assert_eq!(kind, TimerKind::Escalate);
    incident.apply(&event);
    assert!(incident.fire_timer(late, &world.policy).is_none());
    assert_eq!(
        deadline::next_timer(&incident, &world.policy).unwrap().at,
        late + mins(5)
    );
}

#[test]
fn an_update_landing_clears_the_escalation_cycle() {
    let world = World::new();
    let mut incident = world.declare(Severity::P1);
    let (_, breach) = incident.fire_timer(t0() + mins(36), &world.policy).unwrap();
    incident.apply(&breach);
    let landed = incident.record_delivery(
        1,
        "webhook",
        t0() + mins(37),
        world.terms(),
        incident.next_update_due,
    );
    apply_all(&mut incident, landed);
    assert_eq!(incident.last_escalated_at, None);
    let next = deadline::next_timer(&incident, &world.policy).unwrap();
    assert_eq!(next.kind, TimerKind::Nudge);
    assert_eq!(next.at, t0() + mins(37 + 30 - 5));
}

#[test]
fn replay_rebuilds_the_same_state() {
    let world = World::new();
    let (mut incident, declared) = Incident::declare(
        IncidentId::new(2026, 7),
        ClientId::parse("acme").unwrap(),
        Severity::P1,
        "VPN down".into(),
        &person("alice"),
        t0(),
        world.terms(),
    );
    let mut timeline = vec![declared];
    let events = incident
        .assign(
            &person("alice"),
            Role::Comms,
            person("bob").user,
            t0(),
            &world.policy,
        )
        .unwrap();
    apply_all(&mut incident, events.clone());
    timeline.extend(events);
    let stage = incident
        .change_stage(&person("alice"), Stage::Monitoring, t0())
        .unwrap();
    incident.apply(&stage);
    timeline.push(stage);
    assert_eq!(
        Incident::replay(IncidentId::new(2026, 7), &timeline).unwrap(),
        incident
    );
}

#[test]
fn human_durations() {
    assert_eq!(deadline::human_secs(45), "45s");
    assert_eq!(deadline::human_secs(750), "12m 30s");
    assert_eq!(deadline::human_secs(3900), "1h 05m");
}
