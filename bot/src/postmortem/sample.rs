//! A sample resolved incident with its postmortem: what `commandpost check` renders the
//! postmortem templates with, and what their render tests look at.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde_json::Value;

use super::{ClientPostmortemView, PostmortemView, Sources};
use crate::config::Config;
use crate::domain::review::{ActionItem, Postmortem, ReviewComment, Sections};
use crate::domain::{
    Actor, ClientId, ClientPolicy, EventKind, Incident, IncidentId, Policy, Role, Severity, Stage,
    Terms, TimelineEvent, UserId,
};

/// The sample: an incident declared at `at`, its timeline, postmortem and a comment.
pub struct Sample {
    pub incident: Incident,
    pub timeline: Vec<TimelineEvent>,
    pub postmortem: Postmortem,
    pub comments: Vec<ReviewComment>,
}

impl Sample {
    pub fn sources<'a>(&'a self, config: &'a Config, now: DateTime<Utc>) -> Sources<'a> {
        Sources {
            config,
            incident: &self.incident,
            timeline: &self.timeline,
            postmortem: &self.postmortem,
            comments: &self.comments,
            now,
        }
    }
}

pub fn sample(config: &Config, at: DateTime<Utc>) -> Sample {
    let alice = UserId::new("console:alice");
    let policy = Policy::default();
    let client = config
        .clients
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_else(|| ClientId::parse("demo").expect("a valid sample id"));
    let actor = Actor {
        user: alice.clone(),
        is_manager: false,
    };
    let terms = Terms {
        policy: &policy,
        client: &ClientPolicy::default(),
    };
    let (mut incident, declared) = Incident::declare(
        IncidentId::new(2026, 42),
        client,
        Severity::P1,
        "Email is down for everyone".into(),
        &actor,
        at,
        terms,
    );
    let minutes = |m: i64| at + Duration::minutes(m);
    let event = |m: i64, actor: Option<&UserId>, kind: EventKind| TimelineEvent {
        at: minutes(m),
        actor: actor.cloned(),
        kind,
    };
    let bob = UserId::new("console:bob");
    let timeline = vec![
        declared,
        event(
            3,
            Some(&alice),
            EventKind::RoleAssigned {
                role: Role::Comms,
                user: bob.clone(),
                previous: None,
            },
        ),
        event(
            12,
            Some(&bob),
            EventKind::UpdatePublished {
                sequence: 1,
                message: "We are investigating an email outage.".into(),
                due_at: Some(minutes(30)),
            },
        ),
        event(
            12,
            None,
            EventKind::UpdateLanded {
                sequence: 1,
                destination: "status page".into(),
                due_at: Some(minutes(30)),
                on_time: true,
                next_update_due: Some(minutes(42)),
            },
        ),
        event(
            20,
            Some(&alice),
            EventKind::StageChanged {
                from: Stage::Investigating,
                to: Stage::Identified,
                client_draft: false,
            },
        ),
        event(
            40,
            Some(&alice),
            EventKind::Resolved {
                summary: Some("The mail relay's certificate expired; renewed.".into()),
                client_message: None,
            },
        ),
    ];
    for e in &timeline[1..] {
        incident.apply(e);
    }
    let mut postmortem = Postmortem::draft(
        incident.id.clone(),
        incident.client.clone(),
        incident.summary.as_deref(),
        minutes(40),
    );
    postmortem.sections = Sections {
        impact: "No mail was delivered for 40 minutes.".into(),
        contributing_factors: "Renewal was manual and nobody owned it.".into(),
        went_well: "The first update went out in 12 minutes.".into(),
        internal_notes: "Ask <@console:carol> about the monitoring gap.".into(),
        ..postmortem.sections
    };
    postmortem.action_items = vec![ActionItem {
        description: "Renew certificates automatically".into(),
        owner: "bob".into(),
        due: NaiveDate::from_ymd_opt(2026, 12, 15),
    }];
    let comments = vec![ReviewComment {
        incident_id: incident.id.clone(),
        author: UserId::new("console:maria"),
        body: "Add the monitoring gap to the factors.".into(),
        at: minutes(120),
    }];
    Sample {
        incident,
        timeline,
        postmortem,
        comments,
    }
}

/// Sample data for `postmortem.hbs` and `client-postmortem.hbs`, shaped as the engine renders them.
pub fn template_samples(config: &Config, now: DateTime<Utc>) -> Vec<(&'static str, Value)> {
    let sample = sample(config, now - Duration::hours(3));
    let sources = sample.sources(config, now);
    vec![
        (
            "postmortem",
            serde_json::to_value(PostmortemView::new(&sources)).unwrap_or(Value::Null),
        ),
        (
            "client-postmortem",
            serde_json::to_value(ClientPostmortemView::new(&sources)).unwrap_or(Value::Null),
        ),
    ]
}
