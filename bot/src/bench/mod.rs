//! `commandpost bench …`: measurements of the speed and memory targets, run on demand
//! (never as timed assertions in tests).

pub mod alerts;
pub mod delivery;
pub mod load;
pub mod pages;
pub mod postgres;
pub mod scratch;
pub mod timers;

use chrono::{DateTime, Utc};

use crate::domain::{deadline, Actor, ClientId, EventKind, Incident, IncidentId, Policy, Severity};
use crate::domain::{Terms, TimelineEvent, UserId};
use crate::store::{Change, Store};

/// The real application on `config`, its chat a platform that accepts everything at once, so
/// a benchmark measures the bot.
pub async fn bench_app(config: crate::config::Config) -> anyhow::Result<crate::startup::App> {
    Ok(crate::startup::App::build(
        config,
        std::sync::Arc::new(crate::clock::SystemClock),
        None,
        vec![std::sync::Arc::new(timers::NullPlatform)],
    )
    .await?)
}

/// An open incident `Outage <n>` for `client`, declared at `declared_at` by the bench's
/// commander with its room `room-<n>` already open on the bench platform, committed with its
/// timer: what every benchmark starts from.
pub async fn seed_incident(
    store: &dyn Store,
    policy: &Policy,
    client: &ClientId,
    n: usize,
    severity: Severity,
    declared_at: DateTime<Utc>,
) -> anyhow::Result<IncidentId> {
    let actor = Actor {
        user: UserId::new("bench:commander"),
        is_manager: false,
    };
    let contract = Default::default();
    let terms = Terms {
        policy,
        client: &contract,
    };
    let id = store.next_incident_id(2026).await?;
    let (mut incident, declared) = Incident::declare(
        id.clone(),
        client.clone(),
        severity,
        format!("Outage {n}"),
        &actor,
        declared_at,
        terms,
    );
    let opened = TimelineEvent {
        at: declared_at,
        actor: None,
        kind: EventKind::RoomOpened {
            platform: "bench".into(),
            room: format!("room-{n}"),
            name: format!("room-{n}"),
            brief: None,
        },
    };
    incident.apply(&opened);
    store
        .commit(Change {
            timer_at: deadline::next_timer(&incident, policy).map(|t| t.at),
            incident,
            expected_version: 0,
            events: vec![declared, opened],
            deliveries: Vec::new(),
        })
        .await?;
    Ok(id)
}

/// Peak resident memory of this process in MiB (Linux `VmHWM`), if the system tells.
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

/// "peak resident memory: …", as every benchmark's report ends (or says it cannot know).
pub fn peak_rss_line(peak_rss_mib: Option<f64>) -> String {
    match peak_rss_mib {
        Some(mib) => format!("peak resident memory: {mib:.1} MiB"),
        None => "peak resident memory: unknown on this system".to_owned(),
    }
}

/// The value below which `fraction` of the sorted samples fall.
pub fn percentile(sorted: &[f64], fraction: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let index = ((sorted.len() as f64 - 1.0) * fraction).round() as usize;
    sorted[index.min(sorted.len() - 1)]
}
