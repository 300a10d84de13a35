//! Timer benchmark: thousands of open incidents whose nudges and escalations fall due over a
//! spread of time; reports how late each fired, peak memory, and the query plan that finds them.

use std::time::{Duration, Instant};

use async_trait::async_trait;
use chrono::Utc;
use tokio::sync::watch;

use super::{peak_rss_line, peak_rss_mib, percentile};
use crate::chat::{ChatPlatform, DeliveryError};
use crate::config::Config;
use crate::domain::{ClientId, Severity};
use crate::domain::{EventKind, Incident, Policy};
use crate::effects::{OutboxItem, Receipt};
use crate::store::{IncidentFilter, Store};

/// A platform that accepts everything at once, so the benchmark measures the bot.
pub(super) struct NullPlatform;

#[async_trait]
impl ChatPlatform for NullPlatform {
    fn name(&self) -> &'static str {
        "bench"
    }

    async fn deliver(
        &self,
        item: &OutboxItem,
        _incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        Ok(Receipt {
            id: item.id.to_string(),
            room: None,
        })
    }
}

pub struct TimerBenchReport {
    pub incidents: usize,
    pub backend: String,
    pub setup: Duration,
    pub fired: usize,
    pub expected: usize,
    pub delay_p50_ms: f64,
    pub delay_p99_ms: f64,
    pub delay_max_ms: f64,
    pub peak_rss_mib: Option<f64>,
    pub due_query_plan: String,
}

impl std::fmt::Display for TimerBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backend: {}, open incidents: {}",
            self.backend, self.incidents
        )?;
        writeln!(f, "set-up: {:.1} s", self.setup.as_secs_f64())?;
        writeln!(
            f,
            "timers fired: {} (every nudge and escalation due in the window, repeats included; {} first ones expected)",
            self.fired, self.expected
        )?;
        writeln!(
            f,
            "lateness after due: p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            self.delay_p50_ms, self.delay_p99_ms, self.delay_max_ms
        )?;
        writeln!(f, "{}", peak_rss_line(self.peak_rss_mib))?;
        write!(
            f,
            "query that finds due timers (one per tick, whatever the count): {}",
            self.due_query_plan
        )
    }
}

fn bench_config(database_url: &str) -> Config {
    let text = format!(
        r#"
database_url = "{database_url}"
[policy]
first_update_within = "20s"
update_every = "1h"
nudge_before = "10s"
escalate_after = "5s"
[[clients]]
id = "bench"
name = "Benchmark client"
public_status = true
"#
    );
    Config::from_toml(&text, "bench", Vec::new()).expect("the bench configuration is valid")
}

/// Declares `count` open incidents whose nudges fall due evenly over `spread` (as a 30-minute
/// cadence spreads them in real life), runs the real worker for `window`, and measures how late
/// every nudge and escalation that fell due in the window fired.
pub async fn run(
    database_url: &str,
    count: usize,
    spread: Duration,
    window: Duration,
) -> anyhow::Result<TimerBenchReport> {
    let config = bench_config(database_url);
    let policy: Policy = config.policy();
    let app = super::bench_app(config).await?;
    let store = app.store.clone();
    let setup_started = Instant::now();
    let start = Utc::now()
        + chrono::Duration::seconds(5)
        + chrono::Duration::from_std(setup_estimate(count))?;
    let client = ClientId::parse("bench")?;
    for n in 0..count {
        let offset = spread.mul_f64(n as f64 / count.max(1) as f64);
        // Declared so that the nudge (due − 10 s) falls at start + offset.
        let declared_at =
            start + chrono::Duration::from_std(offset)? - chrono::Duration::seconds(10);
        super::seed_incident(
            store.as_ref(),
            &policy,
            &client,
            n,
            Severity::P1,
            declared_at,
        )
        .await?;
    }
    let setup = setup_started.elapsed();
    let (stop, stopped) = watch::channel(false);
    let worker = app.spawn_workers(stopped);
    let end = start + chrono::Duration::from_std(window)?;
    tokio::time::sleep((end - Utc::now()).to_std().unwrap_or_default()).await;
    let _ = stop.send(true);
    let _ = worker.await;
    // Only timers due at least 2 s before the end count: later ones may legitimately be pending.
    let counted_until = end - chrono::Duration::seconds(2);

    let nudge_before = chrono::Duration::from_std(policy.nudge_before)?;
    let escalate_after = chrono::Duration::from_std(policy.escalate_after)?;
    let mut delays = Vec::new();
    let mut expected = 0;
    let incidents = store.incidents(&IncidentFilter::default()).await?;
    for incident in &incidents {
        let timeline = store.timeline(&incident.id).await?;
        let mut last_escalation = None;
        for event in timeline {
            let due = match event.kind {
                EventKind::UpdateNudged { due_at } => due_at - nudge_before,
                EventKind::UpdateEscalated { due_at, .. } => {
                    let due = last_escalation
                        .map_or(due_at + escalate_after, |last| last + escalate_after);
                    last_escalation = Some(event.at);
                    due
                }
                _ => continue,
            };
            delays.push((event.at - due).num_milliseconds().max(0) as f64);
        }
        // Every incident whose nudge (declared + 10 s) or first escalation (+ 25 s) fell due in
        // the window must have fired it.
        let declared = incident.declared_at;
        if declared + chrono::Duration::seconds(10) <= counted_until {
            expected += 1;
        }
        if declared + chrono::Duration::seconds(25) <= counted_until {
            expected += 1;
        }
    }
    delays.sort_by(f64::total_cmp);
    Ok(TimerBenchReport {
        incidents: count,
        backend: format!("{:?}", app.store.backend()),
        setup,
        fired: delays.len(),
        expected,
        delay_p50_ms: percentile(&delays, 0.5),
        delay_p99_ms: percentile(&delays, 0.99),
        delay_max_ms: delays.last().copied().unwrap_or_default(),
        peak_rss_mib: peak_rss_mib(),
        due_query_plan: app.store.explain_due_timers().await?,
    })
}

/// Rough time to insert the incidents, so the first timers do not fall due during set-up.
fn setup_estimate(count: usize) -> Duration {
    Duration::from_millis(count as u64 * 3)
}
