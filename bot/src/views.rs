//! The data templates see: an incident turned into display strings in the deployment's time zone.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::config::Config;
use crate::domain::{deadline::human_secs, Incident, Policy};

/// What a view needs besides the incident.
#[derive(Debug, Clone, Copy)]
pub struct ViewContext<'a> {
    pub config: &'a Config,
    pub policy: &'a Policy,
    pub now: DateTime<Utc>,
    /// The zone times are shown in: the team's, or the client's in what the client reads.
    pub timezone: Tz,
}

#[derive(Debug, Clone, Serialize)]
pub struct IncidentView {
    pub id: String,
    pub client: String,
    pub client_name: String,
    pub severity: String,
    pub stage: String,
    pub title: String,
    pub commander: String,
    /// Declared by monitoring: nobody commands until a responder takes it.
    pub commander_vacant: bool,
    pub comms: Option<String>,
    /// Comms is vacant on a severity where the commander may not write updates alone.
    pub comms_required: bool,
    pub ops: Option<String>,
    pub scribe: Option<String>,
    pub smes: Vec<String>,
    pub owner: String,
    pub next_update_due: Option<String>,
    pub next_update_in: Option<String>,
    pub updates_published: u32,
    pub updates_on_time: u32,
    pub updates_late: u32,
    pub breaches: u32,
    pub pending_deliveries: i64,
    pub declared_at: String,
    pub declared_by: String,
    pub open_for: String,
    pub link: String,
    pub room: String,
    pub summary: Option<String>,
    pub last_update: Option<String>,
}

/// `14:05 UTC` today, `24 Nov 14:05 UTC` on another day.
pub fn format_time(at: DateTime<Utc>, tz: Tz, now: DateTime<Utc>) -> String {
    let local = at.with_timezone(&tz);
    if local.date_naive() == now.with_timezone(&tz).date_naive() {
        local.format("%H:%M %Z").to_string()
    } else {
        local.format("%-d %b %H:%M %Z").to_string()
    }
}

/// `in 12m 00s` or `overdue by 3m 10s`.
pub fn relative(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (due - now).num_seconds();
    if secs >= 0 {
        format!("in {}", human_secs(secs))
    } else {
        format!("overdue by {}", human_secs(-secs))
    }
}

impl IncidentView {
    pub fn new(incident: &Incident, context: ViewContext<'_>, pending_deliveries: i64) -> Self {
        let tz = context.timezone;
        let now = context.now;
        let client_name = context
            .config
            .client(&incident.client)
            .map(|client| client.name.clone())
            .unwrap_or_else(|| incident.client.to_string());
        let mention = |user: &crate::domain::UserId| user.mention();
        let end = incident.resolved_at.unwrap_or(now);
        Self {
            id: incident.id.to_string(),
            client: incident.client.to_string(),
            client_name,
            severity: incident.severity.to_string(),
            stage: incident.stage.to_string(),
            title: incident.title.clone(),
            commander: mention(&incident.roles.commander),
            commander_vacant: incident.commander_vacant(),
            comms: incident.roles.comms.as_ref().map(mention),
            comms_required: incident.roles.comms.is_none()
                && context.policy.separates_comms(incident.severity),
            ops: incident.roles.ops.as_ref().map(mention),
            scribe: incident.roles.scribe.as_ref().map(mention),
            smes: incident.roles.smes.iter().map(mention).collect(),
            owner: mention(incident.update_owner()),
            next_update_due: incident
                .next_update_due
                .map(|due| format_time(due, tz, now)),
            next_update_in: incident.next_update_due.map(|due| relative(due, now)),
            updates_published: incident.updates_published,
            updates_on_time: incident.updates_on_time,
            updates_late: incident.updates_late,
            breaches: incident.breaches,
            pending_deliveries,
            declared_at: format_time(incident.declared_at, tz, now),
            declared_by: mention(&incident.declared_by),
            open_for: human_secs((end - incident.declared_at).num_seconds()),
            link: format!(
                "{}/incidents/{}",
                context.config.http.public_url.trim_end_matches('/'),
                incident.id
            ),
            room: incident
                .rooms
                .first()
                .map(|room| format!("#{}", room.name))
                .unwrap_or_else(|| "(opening)".to_owned()),
            summary: incident.summary.clone(),
            last_update: incident.last_update_message.clone(),
        }
    }
}

/// A view with extra fields for one template (nudge, escalation, client update…).
#[derive(Debug, Clone, Serialize)]
pub struct WithExtras<'a, E: Serialize> {
    #[serde(flatten)]
    pub incident: &'a IncidentView,
    #[serde(flatten)]
    pub extras: E,
}
