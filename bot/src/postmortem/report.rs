//! The monthly client report: a month's incidents measured from their timelines, the month's
//! aggregate, level-1 support figures, and a twelve-month trend, as display strings.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::full_time;
use crate::config::Config;
use crate::domain::deadline::human_secs;
use crate::domain::metrics::{percent, Aggregate, IncidentMetrics, LevelOne, Month};
use crate::domain::{ClientId, EventKind, Incident, IncidentId, TimelineEvent};

fn mean(secs: Option<i64>) -> String {
    secs.map(human_secs).unwrap_or_else(|| "—".to_owned())
}

#[derive(Debug, Clone, Serialize)]
pub struct AggregateView {
    pub incidents: u32,
    pub resolved: u32,
    pub by_severity: Vec<(String, u32)>,
    pub mttr: String,
    pub mean_first_update: String,
    pub compliance: String,
    pub updates: String,
    pub breaches: u32,
    pub longest_silence: String,
}

impl AggregateView {
    pub fn new(a: &Aggregate) -> Self {
        Self {
            incidents: a.incidents,
            resolved: a.resolved,
            by_severity: a
                .by_severity
                .iter()
                .map(|(severity, count)| (severity.to_string(), *count))
                .collect(),
            mttr: mean(a.mttr),
            mean_first_update: mean(a.mean_first_update),
            compliance: percent(a.compliance()),
            updates: format!("{} of {} on time", a.updates_on_time, a.updates_due),
            breaches: a.breaches,
            longest_silence: human_secs(a.longest_silence),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportIncident {
    pub id: String,
    pub title: String,
    pub severity: String,
    pub declared_at: String,
    pub time_to_resolve: String,
    pub first_update: String,
    pub compliance: String,
    pub breaches: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct TrendRow {
    pub month: String,
    pub label: String,
    pub incidents: u32,
    pub mttr: String,
    pub breaches: u32,
}

#[derive(Debug, Clone, Serialize)]
pub struct LevelOneView {
    pub requests: u32,
    pub solved: u32,
    pub escalated: u32,
    pub deflection: String,
    pub escalation: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportView {
    pub client: String,
    pub client_name: String,
    pub month: String,
    pub month_label: String,
    pub previous: String,
    pub next: String,
    pub timezone: String,
    pub generated_at: String,
    pub summary: AggregateView,
    pub incidents: Vec<ReportIncident>,
    pub trend: Vec<TrendRow>,
    pub level_one: LevelOneView,
}

/// What a report is computed from.
pub struct ReportInputs<'a> {
    pub config: &'a Config,
    pub client: &'a ClientId,
    pub month: Month,
    /// The timelines of the incidents declared in the month.
    pub timelines: &'a [(IncidentId, Vec<TimelineEvent>)],
    /// The incidents of the twelve months ending with this one, for the trend.
    pub year: &'a [Incident],
    pub level_one: LevelOne,
    pub now: DateTime<Utc>,
}

impl ReportView {
    pub fn new(r: &ReportInputs<'_>) -> Self {
        let tz = r.config.timezone;
        let measured: Vec<(&IncidentId, &TimelineEvent, IncidentMetrics)> = r
            .timelines
            .iter()
            .filter_map(|(id, events)| {
                let metrics = IncidentMetrics::from_timeline(events, r.now)?;
                Some((id, events.first()?, metrics))
            })
            .collect();
        let aggregate = Aggregate::of(measured.iter().map(|(_, _, m)| m));
        let incidents = measured
            .iter()
            .map(|(id, declared, m)| ReportIncident {
                id: id.to_string(),
                title: match &declared.kind {
                    EventKind::Declared { title, .. } => title.clone(),
                    _ => String::new(),
                },
                severity: m.severity.to_string(),
                declared_at: full_time(m.declared_at, tz),
                time_to_resolve: m
                    .time_to_resolve
                    .map(human_secs)
                    .unwrap_or_else(|| "open".into()),
                first_update: mean(m.time_to_first_update),
                compliance: percent(m.compliance()),
                breaches: m.breaches,
            })
            .collect();
        Self {
            client: r.client.to_string(),
            client_name: r
                .config
                .client(r.client)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| r.client.to_string()),
            month: r.month.to_string(),
            month_label: r.month.label(),
            previous: r.month.previous().to_string(),
            next: r.month.next().to_string(),
            timezone: tz.name().to_owned(),
            generated_at: full_time(r.now, tz),
            summary: AggregateView::new(&aggregate),
            incidents,
            trend: trend(r),
            level_one: LevelOneView {
                requests: r.level_one.requests,
                solved: r.level_one.solved,
                escalated: r.level_one.escalated,
                deflection: percent(r.level_one.deflection_rate()),
                escalation: percent(r.level_one.escalation_rate()),
            },
        }
    }
}

/// Incidents, mean time to resolve and breaches of each of the twelve months, oldest first.
fn trend(r: &ReportInputs<'_>) -> Vec<TrendRow> {
    let tz = r.config.timezone;
    let mut months = vec![r.month];
    for _ in 0..11 {
        let earliest = months[0].previous();
        months.insert(0, earliest);
    }
    let mut by_month: BTreeMap<Month, (u32, u32, i64, u32)> = BTreeMap::new();
    for incident in r.year {
        let entry = by_month
            .entry(Month::of(incident.declared_at, tz))
            .or_default();
        entry.0 += 1;
        if let Some(resolved) = incident.resolved_at {
            entry.1 += 1;
            entry.2 += (resolved - incident.declared_at).num_seconds();
        }
        entry.3 += incident.breaches;
    }
    months
        .into_iter()
        .map(|month| {
            let (count, resolved, total, breaches) =
                by_month.get(&month).copied().unwrap_or_default();
            TrendRow {
                month: month.to_string(),
                label: month.label(),
                incidents: count,
                mttr: mean((resolved > 0).then(|| total / i64::from(resolved))),
                breaches,
            }
        })
        .collect()
}
