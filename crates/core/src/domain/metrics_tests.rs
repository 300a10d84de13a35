//! Unit tests of the incident metrics and monthly aggregates, on hand-written timelines.

use chrono::{Duration, TimeZone};

use super::*;

fn t(minute: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap() + Duration::minutes(minute)
}

fn user(name: &str) -> UserId {
    UserId::new(format!("console:{name}"))
}

fn at(minute: i64, kind: EventKind) -> TimelineEvent {
    TimelineEvent {
        at: t(minute),
        actor: Some(user("alice")),
        kind,
    }
}

fn declared(due: Option<i64>) -> TimelineEvent {
    at(
        0,
        EventKind::Declared {
            client: crate::domain::ClientId::parse("acme").unwrap(),
            severity: Severity::P1,
            title: "Mail down".into(),
            commander: user("alice"),
            next_update_due: due.map(t),
        },
    )
}

fn published(minute: i64, sequence: u32, due: Option<i64>) -> TimelineEvent {
    at(
        minute,
        EventKind::UpdatePublished {
            sequence,
            message: format!("update {sequence}"),
            due_at: due.map(t),
        },
    )
}

fn landed(minute: i64, sequence: u32, due: Option<i64>, next: Option<i64>) -> TimelineEvent {
    at(
        minute,
        EventKind::UpdateLanded {
            sequence,
            destination: "status page".into(),
            due_at: due.map(t),
            on_time: due.is_none_or(|d| minute <= d),
            next_update_due: next.map(t),
        },
    )
}

fn resolved(minute: i64) -> TimelineEvent {
    at(
        minute,
        EventKind::Resolved {
            summary: None,
            client_message: None,
        },
    )
}

fn escalated(minute: i64, due: i64) -> TimelineEvent {
    at(
        minute,
        EventKind::UpdateEscalated {
            due_at: t(due),
            late_by_secs: (minute - due) * 60,
        },
    )
}

/// A P1: comms at 4m, update 1 on time (due 30), update 2 late (due 60, landed 70 after a
/// breach at 65), resolved at 90 with the next update due at 100 (not yet due).
fn typical() -> Vec<TimelineEvent> {
    vec![
        declared(Some(30)),
        at(
            4,
            EventKind::RoleAssigned {
                role: Role::Comms,
                user: user("bob"),
                previous: None,
            },
        ),
        published(20, 1, Some(30)),
        landed(21, 1, Some(30), Some(51)),
        published(50, 2, Some(51)),
        escalated(56, 51),
        landed(70, 2, Some(51), Some(100)),
        at(
            80,
            EventKind::RoleAssigned {
                role: Role::Commander,
                user: user("carol"),
                previous: Some(user("alice")),
            },
        ),
        resolved(90),
    ]
}

#[test]
fn a_typical_incident_is_measured_from_its_timeline() {
    let m = IncidentMetrics::from_timeline(&typical(), t(500)).unwrap();
    assert_eq!(m.time_to_commander, Some(0));
    assert_eq!(m.time_to_comms, Some(4 * 60));
    assert_eq!(m.time_to_first_update, Some(21 * 60));
    assert_eq!((m.updates_on_time, m.updates_due), (1, 2));
    assert_eq!(m.compliance(), Some(0.5));
    assert_eq!(m.breaches, 1);
    // Silences: 0→21, 21→70 (49m), 70→90.
    assert_eq!(m.longest_silence, 49 * 60);
    assert_eq!(m.time_to_resolve, Some(90 * 60));
    assert_eq!(m.updates.len(), 2);
    assert_eq!(m.updates[1].on_time, Some(false));
    assert_eq!(m.updates[1].landed_at, Some(t(70)));
    let handover = &m.handovers[2];
    assert_eq!(handover.role, Role::Commander);
    assert_eq!(handover.from, Some(user("alice")));
    assert_eq!(handover.to, Some(user("carol")));
}

#[test]
fn an_open_incident_counts_silence_and_a_missed_deadline_up_to_now() {
    let events = vec![declared(Some(30))];
    let m = IncidentMetrics::from_timeline(&events, t(45)).unwrap();
    assert_eq!(m.time_to_first_update, None);
    assert_eq!(m.longest_silence, 45 * 60);
    assert_eq!((m.updates_on_time, m.updates_due), (0, 1));
    assert_eq!(m.time_to_resolve, None);
    let early = IncidentMetrics::from_timeline(&events, t(10)).unwrap();
    assert_eq!(
        early.updates_due, 0,
        "a deadline still ahead is not counted"
    );
    assert_eq!(early.compliance(), None);
}

#[test]
fn resolving_past_a_deadline_counts_it_missed() {
    let events = vec![declared(Some(30)), resolved(40)];
    let m = IncidentMetrics::from_timeline(&events, t(500)).unwrap();
    assert_eq!((m.updates_on_time, m.updates_due), (0, 1));
    assert_eq!(
        m.longest_silence,
        40 * 60,
        "silence ends at resolution, not now"
    );
}

#[test]
fn updates_after_resolution_do_not_change_the_incidents_figures() {
    let mut events = vec![declared(None), resolved(30)];
    events.push(published(60, 1, None));
    events.push(landed(61, 1, None, None));
    let m = IncidentMetrics::from_timeline(&events, t(500)).unwrap();
    assert_eq!(m.time_to_first_update, None);
    assert_eq!(m.updates_due, 0);
    assert!(m.updates[0].after_resolution);
    assert_eq!(m.updates[0].landed_at, Some(t(61)));
}

#[test]
fn a_severity_change_past_due_counts_the_missed_deadline() {
    let events = vec![
        declared(Some(30)),
        at(
            35,
            EventKind::SeverityChanged {
                from: Severity::P1,
                to: Severity::P3,
                next_update_due: None,
            },
        ),
        resolved(50),
    ];
    let m = IncidentMetrics::from_timeline(&events, t(500)).unwrap();
    assert_eq!(m.severity, Severity::P3);
    assert_eq!((m.updates_on_time, m.updates_due), (0, 1));
}

#[test]
fn a_timeline_without_a_declaration_has_no_metrics() {
    assert!(IncidentMetrics::from_timeline(&[resolved(1)], t(2)).is_none());
    assert!(IncidentMetrics::from_timeline(&[], t(2)).is_none());
}

#[test]
fn aggregates_average_and_count_by_severity() {
    let first = IncidentMetrics::from_timeline(&typical(), t(500)).unwrap();
    let mut quick = vec![declared(None), published(5, 1, None)];
    quick.push(landed(6, 1, None, None));
    quick.push(resolved(30));
    let second = IncidentMetrics::from_timeline(&quick, t(500)).unwrap();
    let open = IncidentMetrics::from_timeline(&[declared(None)], t(10)).unwrap();
    let all = Aggregate::of([&first, &second, &open]);
    assert_eq!(all.incidents, 3);
    assert_eq!(all.resolved, 2);
    assert_eq!(all.by_severity.get(&Severity::P1), Some(&3));
    assert_eq!(all.mttr, Some((90 + 30) * 60 / 2));
    assert_eq!(all.mean_first_update, Some((21 + 6) * 60 / 2));
    assert_eq!((all.updates_on_time, all.updates_due), (1, 2));
    assert_eq!(percent(all.compliance()), "50%");
    assert_eq!(all.breaches, 1);
    assert_eq!(Aggregate::of([]).mttr, None);
    assert_eq!(percent(None), "n/a");
}

#[test]
fn months_parse_and_bound_in_the_deployment_time_zone() {
    assert_eq!(
        Month::parse("2026-11"),
        Some(Month {
            year: 2026,
            month: 11
        })
    );
    for bad in ["2026-13", "2026-1", "26-11", "2026/11", "", "2026-00"] {
        assert_eq!(Month::parse(bad), None, "{bad}");
    }
    let november = Month::parse("2026-11").unwrap();
    let (start, end) = november.range(chrono_tz::Europe::Berlin);
    assert_eq!(start, Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap());
    assert_eq!(end, Utc.with_ymd_and_hms(2026, 11, 30, 23, 0, 0).unwrap());
    assert_eq!(november.next().to_string(), "2026-12");
    assert_eq!(
        Month::parse("2026-12").unwrap().next().to_string(),
        "2027-01"
    );
    assert_eq!(
        Month::parse("2026-01").unwrap().previous().to_string(),
        "2025-12"
    );
    assert_eq!(november.label(), "November 2026");
    assert_eq!(
        Month::of(start, chrono_tz::Europe::Berlin).to_string(),
        "2026-11"
    );
}

#[test]
fn level_one_requests_give_deflection_and_escalation_rates() {
    use LevelOneOutcome::*;
    let figures = LevelOne::of([Solved, Solved, Escalated, Open]);
    assert_eq!(
        (figures.requests, figures.solved, figures.escalated),
        (4, 2, 1)
    );
    assert_eq!(percent(figures.deflection_rate()), "50%");
    assert_eq!(percent(figures.escalation_rate()), "25%");
    assert_eq!(LevelOne::of([]).deflection_rate(), None);
}
