//! When the next client update is due, and which timer (nudge or escalation) fires next.

use chrono::{DateTime, Duration as TimeDelta, Utc};

use super::{
    incident::Incident,
    policy::{Policy, Terms},
    severity::Severity,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimerKind {
    Nudge,
    Escalate,
    /// Declared by monitoring and still nobody in command: a breach that pages.
    CommanderMissing,
}

/// An incident monitoring declared must have a person in command within this long.
pub const COMMANDER_WITHIN: std::time::Duration = std::time::Duration::from_secs(5 * 60);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimerDue {
    pub at: DateTime<Utc>,
    pub kind: TimerKind,
    /// The client-update due time this timer is about.
    pub update_due: DateTime<Utc>,
}

fn delta(duration: std::time::Duration) -> TimeDelta {
    TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX)
}

/// The first update's due time for an incident declared (or re-rated) at `declared_at`.
pub fn first_update_due(
    terms: Terms<'_>,
    severity: Severity,
    declared_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    terms
        .first_update(severity)
        .map(|within| declared_at + delta(within))
}

/// The next due time after an update reached the client at `landed_at`.
pub fn due_after_update(
    terms: Terms<'_>,
    severity: Severity,
    landed_at: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    terms
        .cadence(severity)
        .map(|every| landed_at + delta(every))
}

/// The due time after a severity change: the first-update promise if nothing went out yet,
/// else the new cadence counted from the last update that reached the client.
pub fn due_after_severity_change(
    terms: Terms<'_>,
    incident: &Incident,
    severity: Severity,
) -> Option<DateTime<Utc>> {
    match incident.last_update_landed_at {
        Some(landed) => due_after_update(terms, severity, landed),
        None => first_update_due(terms, severity, incident.declared_at),
    }
}

/// The next timer of an open incident, or `None` when no update is due.
pub fn next_timer(incident: &Incident, policy: &Policy) -> Option<TimerDue> {
    if incident.is_resolved() {
        return None;
    }
    let commander_timer = (incident.commander_vacant() && !incident.commander_paged).then(|| {
        let at = incident.declared_at + delta(COMMANDER_WITHIN);
        TimerDue {
            at,
            kind: TimerKind::CommanderMissing,
            update_due: at,
        }
    });
    let update_timer = update_timer(incident, policy);
    match (commander_timer, update_timer) {
        (Some(commander), Some(update)) if update.at < commander.at => Some(update),
        (Some(commander), _) => Some(commander),
        (None, update) => update,
    }
}

fn update_timer(incident: &Incident, policy: &Policy) -> Option<TimerDue> {
    let update_due = incident.next_update_due?;
    let escalate_at = match incident.last_escalated_at {
        Some(last) => last + delta(policy.escalate_after),
        None => update_due + delta(policy.escalate_after),
    };
    let nudge_pending =
        incident.last_escalated_at.is_none() && incident.nudged_for != Some(update_due);
    if nudge_pending {
        return Some(TimerDue {
            at: update_due - delta(policy.nudge_before),
            kind: TimerKind::Nudge,
            update_due,
        });
    }
    Some(TimerDue {
        at: escalate_at,
        kind: TimerKind::Escalate,
        update_due,
    })
}

/// What fires at `now`: at most one timer, so a process that slept through several
/// intervals catches up once instead of once per missed interval.
pub fn timer_firing(incident: &Incident, policy: &Policy, now: DateTime<Utc>) -> Option<TimerDue> {
    let timer = next_timer(incident, policy)?;
    if timer.at > now {
        return None;
    }
    if timer.kind == TimerKind::CommanderMissing {
        return Some(timer);
    }
    let first_escalation = timer.update_due + delta(policy.escalate_after);
    if timer.kind == TimerKind::Nudge && now >= first_escalation {
        return Some(TimerDue {
            at: first_escalation,
            kind: TimerKind::Escalate,
            update_due: timer.update_due,
        });
    }
    Some(timer)
}

/// `1h 05m`, `12m 30s`, `45s`: lateness and durations for people.
pub fn human_secs(total: i64) -> String {
    let total = total.max(0);
    let (hours, minutes, seconds) = (total / 3600, (total % 3600) / 60, total % 60);
    if hours > 0 {
        format!("{hours}h {minutes:02}m")
    } else if minutes > 0 {
        format!("{minutes}m {seconds:02}s")
    } else {
        format!("{seconds}s")
    }
}
