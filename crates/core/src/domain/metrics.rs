//! How an incident went, measured from its timeline alone: pure functions, `now` passed in.
//! Per-incident figures (time to commander, comms lead and first client update, update
//! compliance, longest silence, time to resolve, breaches) and per-client monthly aggregates.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::{
    event::{EventKind, TimelineEvent},
    roles::Role,
    severity::Severity,
    UserId,
};

/// One client update: when it was published, when it was due and when the client had it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct UpdateRecord {
    pub sequence: u32,
    pub published_at: DateTime<Utc>,
    pub due_at: Option<DateTime<Utc>>,
    /// When the first client-facing destination confirmed it.
    pub landed_at: Option<DateTime<Utc>>,
    pub on_time: Option<bool>,
    pub message: String,
    /// Published after the incident was resolved (a published postmortem): not part of the
    /// incident's own communication figures.
    pub after_resolution: bool,
}

/// A role changing hands (or being taken up for the first time).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Handover {
    pub at: DateTime<Utc>,
    pub role: Role,
    pub from: Option<UserId>,
    pub to: Option<UserId>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IncidentMetrics {
    pub declared_at: DateTime<Utc>,
    pub severity: Severity,
    pub resolved_at: Option<DateTime<Utc>>,
    /// Seconds from declaration until someone commanded (the declarer commands at once).
    pub time_to_commander: Option<i64>,
    pub time_to_comms: Option<i64>,
    /// Seconds until the first client update reached the client.
    pub time_to_first_update: Option<i64>,
    /// Deadlines that fell due (met, missed, or passed unmet at resolution or `now`).
    pub updates_due: u32,
    pub updates_on_time: u32,
    /// The longest time the client heard nothing while the incident was open, in seconds.
    pub longest_silence: i64,
    pub time_to_resolve: Option<i64>,
    pub breaches: u32,
    pub updates: Vec<UpdateRecord>,
    pub handovers: Vec<Handover>,
}

impl IncidentMetrics {
    /// Compliance as a fraction of the updates that were due; `None` when none was due.
    pub fn compliance(&self) -> Option<f64> {
        (self.updates_due > 0)
            .then(|| f64::from(self.updates_on_time) / f64::from(self.updates_due))
    }

    /// Measures a timeline; `None` when it does not start with a declaration.
    pub fn from_timeline(events: &[TimelineEvent], now: DateTime<Utc>) -> Option<Self> {
        let first = events.first()?;
        let EventKind::Declared {
            severity,
            commander,
            next_update_due,
            ..
        } = &first.kind
        else {
            return None;
        };
        let declared_at = first.at;
        let secs = |at: DateTime<Utc>| (at - declared_at).num_seconds();
        let mut metrics = Self {
            declared_at,
            severity: *severity,
            resolved_at: None,
            time_to_commander: Some(0),
            time_to_comms: None,
            time_to_first_update: None,
            updates_due: 0,
            updates_on_time: 0,
            longest_silence: 0,
            time_to_resolve: None,
            breaches: 0,
            updates: Vec::new(),
            handovers: vec![Handover {
                at: declared_at,
                role: Role::Commander,
                from: None,
                to: Some(commander.clone()),
            }],
        };
        let mut current_due = *next_update_due;
        let mut last_heard = declared_at;
        for event in &events[1..] {
            let resolved = metrics.resolved_at.is_some();
            match &event.kind {
                EventKind::RoleAssigned {
                    role,
                    user,
                    previous,
                } => {
                    if *role == Role::Comms && metrics.time_to_comms.is_none() {
                        metrics.time_to_comms = Some(secs(event.at));
                    }
                    metrics.handovers.push(Handover {
                        at: event.at,
                        role: *role,
                        from: previous.clone(),
                        to: Some(user.clone()),
                    });
                }
                EventKind::RoleVacated { role, previous, .. } => metrics.handovers.push(Handover {
                    at: event.at,
                    role: *role,
                    from: Some(previous.clone()),
                    to: None,
                }),
                EventKind::SeverityChanged {
                    to,
                    next_update_due,
                    ..
                } if !resolved => {
                    metrics.severity = *to;
                    if current_due.is_some_and(|due| due < event.at) {
                        metrics.updates_due += 1;
                    }
                    current_due = *next_update_due;
                }
                EventKind::UpdatePublished {
                    sequence,
                    message,
                    due_at,
                } => metrics.updates.push(UpdateRecord {
                    sequence: *sequence,
                    published_at: event.at,
                    due_at: *due_at,
                    landed_at: None,
                    on_time: None,
                    message: message.clone(),
                    after_resolution: resolved,
                }),
                EventKind::UpdateLanded {
                    sequence,
                    next_update_due,
                    ..
                } => {
                    let landed = event.at;
                    let mut on_time = None;
                    if !resolved {
                        if metrics.time_to_first_update.is_none() {
                            metrics.time_to_first_update = Some(secs(landed));
                        }
                        metrics.longest_silence = metrics
                            .longest_silence
                            .max((landed - last_heard).num_seconds());
                        last_heard = landed;
                        if let Some(due) = current_due {
                            metrics.updates_due += 1;
                            if landed <= due {
                                metrics.updates_on_time += 1;
                            }
                            on_time = Some(landed <= due);
                        }
                        current_due = *next_update_due;
                    }
                    if let Some(update) =
                        metrics.updates.iter_mut().find(|u| u.sequence == *sequence)
                    {
                        update.landed_at = Some(landed);
                        update.on_time = on_time;
                    }
                }
                EventKind::UpdateEscalated { .. } if !resolved => metrics.breaches += 1,
                EventKind::Resolved { .. } if !resolved => {
                    metrics.resolved_at = Some(event.at);
                    metrics.time_to_resolve = Some(secs(event.at));
                }
                _ => {}
            }
        }
        let end = metrics.resolved_at.unwrap_or(now);
        if current_due.is_some_and(|due| due < end) {
            metrics.updates_due += 1;
        }
        metrics.longest_silence = metrics
            .longest_silence
            .max((end - last_heard).num_seconds());
        Some(metrics)
    }
}

/// A calendar month, as `yyyy-mm` in URLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    /// Parses `2026-11`; anything else (or month 13) is `None`.
    pub fn parse(text: &str) -> Option<Self> {
        let (year, month) = text.split_once('-')?;
        if year.len() != 4 || month.len() != 2 {
            return None;
        }
        let month = Self {
            year: year.parse().ok()?,
            month: month.parse().ok()?,
        };
        (1..=12).contains(&month.month).then_some(month)
    }

    pub fn of(at: DateTime<Utc>, tz: Tz) -> Self {
        let local = at.with_timezone(&tz);
        Self {
            year: local.year(),
            month: local.month(),
        }
    }

    pub fn next(self) -> Self {
        match self.month {
            12 => Self {
                year: self.year + 1,
                month: 1,
            },
            m => Self {
                year: self.year,
                month: m + 1,
            },
        }
    }

    pub fn previous(self) -> Self {
        match self.month {
            1 => Self {
                year: self.year - 1,
                month: 12,
            },
            m => Self {
                year: self.year,
                month: m - 1,
            },
        }
    }

    /// The instant the month starts in the deployment's time zone.
    pub fn start(self, tz: Tz) -> DateTime<Utc> {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        let midnight = date.and_hms_opt(0, 0, 0).unwrap_or_default();
        tz.from_local_datetime(&midnight)
            .earliest()
            .map(|local| local.with_timezone(&Utc))
            .unwrap_or_else(|| midnight.and_utc())
    }

    /// `[start, end)` of the month in UTC.
    pub fn range(self, tz: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
        (self.start(tz), self.next().start(tz))
    }

    /// `November 2026`.
    pub fn label(self) -> String {
        let date = NaiveDate::from_ymd_opt(self.year, self.month, 1).unwrap_or_default();
        date.format("%B %Y").to_string()
    }
}

impl std::fmt::Display for Month {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A client's month (or any group of incidents) in figures.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Aggregate {
    pub incidents: u32,
    pub resolved: u32,
    pub by_severity: BTreeMap<Severity, u32>,
    /// Mean time to resolve, in seconds, over resolved incidents.
    pub mttr: Option<i64>,
    /// Mean time to the first client update, over incidents that sent one.
    pub mean_first_update: Option<i64>,
    pub updates_due: u32,
    pub updates_on_time: u32,
    pub breaches: u32,
    /// The longest silence of any incident in the group.
    pub longest_silence: i64,
}

impl Aggregate {
    pub fn of<'a>(metrics: impl IntoIterator<Item = &'a IncidentMetrics>) -> Self {
        let mut aggregate = Self::default();
        let (mut resolve_total, mut first_total, mut first_count) = (0i64, 0i64, 0i64);
        for m in metrics {
            aggregate.incidents += 1;
            *aggregate.by_severity.entry(m.severity).or_default() += 1;
            if let Some(secs) = m.time_to_resolve {
                aggregate.resolved += 1;
                resolve_total += secs;
            }
            if let Some(secs) = m.time_to_first_update {
                first_count += 1;
                first_total += secs;
            }
            aggregate.updates_due += m.updates_due;
            aggregate.updates_on_time += m.updates_on_time;
            aggregate.breaches += m.breaches;
            aggregate.longest_silence = aggregate.longest_silence.max(m.longest_silence);
        }
        aggregate.mttr =
            (aggregate.resolved > 0).then(|| resolve_total / i64::from(aggregate.resolved));
        aggregate.mean_first_update = (first_count > 0).then(|| first_total / first_count);
        aggregate
    }

    pub fn compliance(&self) -> Option<f64> {
        (self.updates_due > 0)
            .then(|| f64::from(self.updates_on_time) / f64::from(self.updates_due))
    }
}

/// How a level-1 support request ended, as the monthly report counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LevelOneOutcome {
    /// Suggestions given, no answer yet.
    Open,
    /// The knowledge base answered it: deflected.
    Solved,
    /// Handed to a person (a ticket) or turned into an incident.
    Escalated,
}

/// Level-1 requests of a client's month: how many, and how many were deflected or escalated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct LevelOne {
    pub requests: u32,
    pub solved: u32,
    pub escalated: u32,
}

impl LevelOne {
    pub fn of(outcomes: impl IntoIterator<Item = LevelOneOutcome>) -> Self {
        let mut figures = Self::default();
        for outcome in outcomes {
            figures.requests += 1;
            match outcome {
                LevelOneOutcome::Solved => figures.solved += 1,
                LevelOneOutcome::Escalated => figures.escalated += 1,
                LevelOneOutcome::Open => {}
            }
        }
        figures
    }

    pub fn deflection_rate(&self) -> Option<f64> {
        (self.requests > 0).then(|| f64::from(self.solved) / f64::from(self.requests))
    }

    pub fn escalation_rate(&self) -> Option<f64> {
        (self.requests > 0).then(|| f64::from(self.escalated) / f64::from(self.requests))
    }
}

/// `93%`, or `n/a` when nothing was due.
pub fn percent(fraction: Option<f64>) -> String {
    match fraction {
        Some(f) => format!("{:.0}%", f * 100.0),
        None => "n/a".to_owned(),
    }
}

#[cfg(test)]
#[path = "metrics_tests.rs"]
mod tests;
