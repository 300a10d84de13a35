//! What postmortem templates see: an incident's timeline, metrics and written sections turned
//! into display strings in the deployment's time zone; the team's version and the client's.

pub mod report;
mod sample;

pub use sample::{sample, template_samples, Sample};

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Config;
use crate::domain::deadline::human_secs;
use crate::domain::metrics::{percent, IncidentMetrics};
use crate::domain::review::{Postmortem, ReviewComment};
use crate::domain::{EventKind, Incident, TimelineEvent, UserId};

/// `2026-11-25 09:30 CET`: documents show full dates.
pub fn full_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M %Z")
        .to_string()
}

fn optional_secs(secs: Option<i64>) -> String {
    secs.map(human_secs).unwrap_or_else(|| "—".to_owned())
}

/// `<@console:alice>` → `@alice` (`@U123` for Slack ids), for people reading a page.
pub fn display_mentions(text: &str) -> String {
    crate::domain::ids::rewrite_mentions(text, |id| {
        let name = id.split_once(':').map_or(id, |(_, name)| name);
        format!("@{name}")
    })
}

/// Every mention becomes `our team`: the client's version names nobody.
pub fn anonymise(text: &str) -> String {
    crate::domain::ids::rewrite_mentions(text, |_| "our team".to_owned())
}

fn person(user: &UserId) -> String {
    display_mentions(&user.mention())
}

#[derive(Debug, Clone, Serialize)]
pub struct Line {
    pub time: String,
    pub who: String,
    pub text: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct UpdateLine {
    pub sequence: u32,
    pub published_at: String,
    pub due_at: String,
    pub landed_at: String,
    pub verdict: String,
    pub message: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct MetricsView {
    pub time_to_commander: String,
    pub time_to_comms: String,
    pub time_to_first_update: String,
    pub compliance: String,
    pub longest_silence: String,
    pub time_to_resolve: String,
    pub breaches: u32,
}

impl MetricsView {
    /// For a timeline that cannot be measured (it does not start with a declaration).
    pub fn unknown() -> Self {
        let dash = || "—".to_owned();
        Self {
            time_to_commander: dash(),
            time_to_comms: dash(),
            time_to_first_update: dash(),
            compliance: dash(),
            longest_silence: dash(),
            time_to_resolve: dash(),
            breaches: 0,
        }
    }

    pub fn new(m: &IncidentMetrics) -> Self {
        Self {
            time_to_commander: optional_secs(m.time_to_commander),
            time_to_comms: optional_secs(m.time_to_comms),
            time_to_first_update: optional_secs(m.time_to_first_update),
            compliance: format!(
                "{} of {} on time ({})",
                m.updates_on_time,
                m.updates_due,
                percent(m.compliance())
            ),
            longest_silence: human_secs(m.longest_silence),
            time_to_resolve: optional_secs(m.time_to_resolve),
            breaches: m.breaches,
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ActionView {
    pub description: String,
    pub owner: String,
    pub due: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct CommentView {
    pub author: String,
    pub at: String,
    pub body: String,
}

/// The team's postmortem: everything, for `postmortem.hbs` and the review page.
#[derive(Debug, Clone, Serialize)]
pub struct PostmortemView {
    pub id: String,
    pub title: String,
    pub client: String,
    pub client_name: String,
    pub severity: String,
    pub stage: String,
    pub timezone: String,
    pub declared_at: String,
    pub resolved_at: Option<String>,
    pub state: String,
    pub state_label: String,
    pub summary: String,
    pub impact: String,
    pub contributing_factors: String,
    pub went_well: String,
    pub internal_notes: String,
    pub client_summary: String,
    pub roles: Vec<(String, String)>,
    pub handovers: Vec<Line>,
    pub timeline: Vec<Line>,
    pub updates: Vec<UpdateLine>,
    pub metrics: MetricsView,
    pub action_items: Vec<ActionView>,
    pub comments: Vec<CommentView>,
    pub reviewer: Option<String>,
    pub approved_at: Option<String>,
    pub published_at: Option<String>,
    pub updated: Option<String>,
    pub link: String,
}

/// Everything a postmortem page or document is made of.
pub struct Sources<'a> {
    pub config: &'a Config,
    pub incident: &'a Incident,
    pub timeline: &'a [TimelineEvent],
    pub postmortem: &'a Postmortem,
    pub comments: &'a [ReviewComment],
    pub now: DateTime<Utc>,
}

impl PostmortemView {
    pub fn new(s: &Sources<'_>) -> Self {
        let tz = s.config.timezone;
        let time = |at: DateTime<Utc>| full_time(at, tz);
        let incident = s.incident;
        let metrics = IncidentMetrics::from_timeline(s.timeline, s.now);
        let mut roles = vec![("Commander".to_owned(), person(&incident.roles.commander))];
        for (name, holder) in [
            ("Comms lead", &incident.roles.comms),
            ("Operations", &incident.roles.ops),
            ("Scribe", &incident.roles.scribe),
        ] {
            if let Some(user) = holder {
                roles.push((name.to_owned(), person(user)));
            }
        }
        for sme in &incident.roles.smes {
            roles.push(("Subject-matter expert".to_owned(), person(sme)));
        }
        let handovers = metrics
            .iter()
            .flat_map(|m| m.handovers.iter())
            .map(|h| Line {
                time: time(h.at),
                who: h
                    .to
                    .as_ref()
                    .map(person)
                    .unwrap_or_else(|| "(vacant)".into()),
                text: match &h.from {
                    Some(from) => format!("{} from {}", h.role, person(from)),
                    None => format!("{} taken up", h.role),
                },
            })
            .collect();
        let updates = metrics
            .iter()
            .flat_map(|m| m.updates.iter())
            .map(|u| UpdateLine {
                sequence: u.sequence,
                published_at: time(u.published_at),
                due_at: u.due_at.map(time).unwrap_or_else(|| "—".into()),
                landed_at: u
                    .landed_at
                    .map(time)
                    .unwrap_or_else(|| "not delivered".into()),
                verdict: match (u.after_resolution, u.on_time, u.landed_at) {
                    (true, _, _) => "after resolution",
                    (_, Some(true), _) => "on time",
                    (_, Some(false), _) => "late",
                    (_, None, Some(_)) => "no deadline",
                    (_, None, None) => "not delivered",
                }
                .to_owned(),
                message: u.message.clone(),
            })
            .collect();
        let p = s.postmortem;
        let client_name = s
            .config
            .client(&incident.client)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| incident.client.to_string());
        Self {
            id: incident.id.to_string(),
            title: incident.title.clone(),
            client: incident.client.to_string(),
            client_name,
            severity: incident.severity.to_string(),
            stage: incident.stage.to_string(),
            timezone: tz.name().to_owned(),
            declared_at: time(incident.declared_at),
            resolved_at: incident.resolved_at.map(time),
            state: p.state.as_str().to_owned(),
            state_label: p.state.label().to_owned(),
            summary: p.sections.summary.clone(),
            impact: p.sections.impact.clone(),
            contributing_factors: p.sections.contributing_factors.clone(),
            went_well: p.sections.went_well.clone(),
            internal_notes: p.sections.internal_notes.clone(),
            client_summary: p.sections.client_summary.clone(),
            roles,
            handovers,
            timeline: s
                .timeline
                .iter()
                .map(|event| Line {
                    time: time(event.at),
                    who: event
                        .actor
                        .as_ref()
                        .map(person)
                        .unwrap_or_else(|| "Command Post".into()),
                    text: display_mentions(&event.kind.describe()),
                })
                .collect(),
            updates,
            metrics: metrics
                .as_ref()
                .map(MetricsView::new)
                .unwrap_or_else(MetricsView::unknown),
            action_items: p
                .action_items
                .iter()
                .map(|a| ActionView {
                    description: a.description.clone(),
                    owner: a.owner.clone(),
                    due: a.due.map(|d| d.to_string()).unwrap_or_default(),
                })
                .collect(),
            comments: s
                .comments
                .iter()
                .map(|c| CommentView {
                    author: person(&c.author),
                    at: time(c.at),
                    body: c.body.clone(),
                })
                .collect(),
            reviewer: p.reviewer.as_ref().map(person),
            approved_at: p.approved_at.map(time),
            published_at: p.published_at.map(time),
            updated: p
                .updated_by
                .as_ref()
                .map(|by| format!("{} by {}", time(p.updated_at), person(by))),
            link: format!(
                "{}/incidents/{}",
                s.config.http.public_url.trim_end_matches('/'),
                incident.id
            ),
        }
    }
}

/// The client's version: no names, no internal notes, no contributing factors or owners.
#[derive(Debug, Clone, Serialize)]
pub struct ClientPostmortemView {
    pub id: String,
    pub title: String,
    pub client_name: String,
    pub severity: String,
    pub declared_at: String,
    pub resolved_at: Option<String>,
    pub duration: String,
    pub summary: String,
    pub impact: String,
    /// Stage changes and the updates the client received, nothing else.
    pub timeline: Vec<Line>,
    pub actions: Vec<String>,
}

impl ClientPostmortemView {
    /// Times in the client's own zone, not the team's.
    pub fn new(s: &Sources<'_>) -> Self {
        let tz = s.config.timezone_for(&s.incident.client);
        let team = PostmortemView::new(s);
        let sections = &s.postmortem.sections;
        let summary = match sections.client_summary.is_empty() {
            true => &sections.summary,
            false => &sections.client_summary,
        };
        let resolved = s.incident.resolved_at;
        let timeline = s
            .timeline
            .iter()
            .filter(|event| resolved.is_none_or(|at| event.at <= at))
            .filter_map(|event| {
                let text = match &event.kind {
                    EventKind::Declared { severity, .. } => format!("Incident opened ({severity})"),
                    EventKind::StageChanged { to, .. } => format!("Status: {to}"),
                    EventKind::UpdatePublished { message, .. } => anonymise(message),
                    EventKind::Resolved { .. } => "Resolved".to_owned(),
                    _ => return None,
                };
                Some(Line {
                    time: full_time(event.at, tz),
                    who: String::new(),
                    text,
                })
            })
            .collect();
        Self {
            id: team.id,
            title: anonymise(&s.incident.title),
            client_name: team.client_name,
            severity: team.severity,
            declared_at: full_time(s.incident.declared_at, tz),
            resolved_at: s.incident.resolved_at.map(|at| full_time(at, tz)),
            duration: team.metrics.time_to_resolve,
            summary: anonymise(summary),
            impact: anonymise(&sections.impact),
            timeline,
            actions: s
                .postmortem
                .action_items
                .iter()
                .map(|a| anonymise(&a.description))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests;
