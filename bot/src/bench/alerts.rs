//! Alert intake benchmark: monitoring posting alerts for many clients over HTTP as fast as a
//! few senders can, while the same process keeps open incidents' timers; reports alerts/s
//! accepted, request latency and how late the timers fired.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use chrono::Utc;
use tokio::sync::watch;

use super::{peak_rss_line, peak_rss_mib, percentile};
use crate::config::Config;
use crate::domain::{ClientId, EventKind, Severity};
use crate::startup;
use crate::store::Store;

/// Requests in flight at once, as a handful of Alertmanagers would send.
const SENDERS: usize = 8;
const CLIENTS: usize = 50;

pub struct AlertBenchReport {
    pub backend: String,
    pub seconds: f64,
    pub accepted: usize,
    pub refused: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub timers_fired: usize,
    pub timer_p99_ms: f64,
    pub timer_max_ms: f64,
    pub peak_rss_mib: Option<f64>,
}

impl std::fmt::Display for AlertBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backend: {}, {SENDERS} senders, {CLIENTS} clients, {:.0} s",
            self.backend, self.seconds
        )?;
        writeln!(
            f,
            "alerts accepted: {} ({:.0}/s), refused: {}",
            self.accepted,
            self.accepted as f64 / self.seconds.max(0.001),
            self.refused
        )?;
        writeln!(
            f,
            "request latency: p50 {:.1} ms, p99 {:.1} ms",
            self.p50_ms, self.p99_ms
        )?;
        writeln!(
            f,
            "timers fired meanwhile: {}, lateness p99 {:.0} ms, max {:.0} ms",
            self.timers_fired, self.timer_p99_ms, self.timer_max_ms
        )?;
        write!(f, "{}", peak_rss_line(self.peak_rss_mib))
    }
}

fn token(client: usize) -> String {
    format!("bench-alert-token-{client:08}")
}

pub async fn run(
    database_url: &str,
    duration: Duration,
    incidents: usize,
) -> anyhow::Result<AlertBenchReport> {
    let mut text = format!(
        "database_url = \"{database_url}\"\n[policy]\nfirst_update_within = \"1h\"\nupdate_every = \"1h\"\nnudge_before = \"10s\"\nescalate_after = \"5s\"\n[alerts]\npropose = [\"critical\"]\n"
    );
    for n in 0..CLIENTS {
        text.push_str(&format!(
            "[[clients]]\nid = \"client-{n}\"\nname = \"Client {n}\"\npublic_status = true\nalert_token = \"{}\"\n",
            token(n)
        ));
    }
    let config = Config::from_toml(&text, "bench", Vec::new())?;
    let policy = config.policy();
    let app = super::bench_app(config).await?;
    // Open incidents whose nudges fall due during the run, as a busy day would have.
    let start = Utc::now() + chrono::Duration::seconds(3);
    for n in 0..incidents {
        let offset = duration.mul_f64(n as f64 / incidents.max(1) as f64);
        // First update due one hour after declaring: the nudge falls at start + offset.
        let declared_at = start + chrono::Duration::from_std(offset)? - chrono::Duration::hours(1)
            + chrono::Duration::seconds(10);
        let client = ClientId::parse(&format!("client-{}", n % CLIENTS))?;
        super::seed_incident(
            app.store.as_ref(),
            &policy,
            &client,
            n,
            Severity::P1,
            declared_at,
        )
        .await?;
    }
    let (stop, stopped) = watch::channel(false);
    let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    tokio::spawn(startup::serve_http(listener, app.router(), stopped.clone()));
    let worker = app.spawn_workers(stopped);
    let http = reqwest::Client::new();
    let began = Instant::now();
    let senders = (0..SENDERS).map(|sender| {
        let http = http.clone();
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            let mut refused = 0;
            let mut n = 0usize;
            while began.elapsed() < duration {
                let client = (sender + n * SENDERS) % CLIENTS;
                let severity = if n % 50 == 0 { "critical" } else { "warning" };
                let body = format!(
                    r#"{{"title":"Disk almost full on host-{n}","severity":"{severity}","status":"firing","fingerprint":"disk-{sender}-{}","source":"bench"}}"#,
                    n % 200
                );
                let sent = Instant::now();
                let answer = http
                    .post(format!("http://{addr}/alerts/client-{client}"))
                    .bearer_auth(token(client))
                    .header("content-type", "application/json")
                    .body(body)
                    .send()
                    .await;
                match answer {
                    Ok(answer) if answer.status().as_u16() == 202 => {
                        latencies.push(sent.elapsed().as_secs_f64() * 1000.0)
                    }
                    _ => refused += 1,
                }
                n += 1;
            }
            (latencies, refused)
        })
    });
    let mut latencies = Vec::new();
    let mut refused = 0;
    for sender in senders.collect::<Vec<_>>() {
        let (mine, theirs) = sender.await?;
        latencies.extend(mine);
        refused += theirs;
    }
    let seconds = began.elapsed().as_secs_f64();
    tokio::time::sleep(Duration::from_secs(2)).await;
    let _ = stop.send(true);
    let _ = worker.await;
    let nudge_before = chrono::Duration::from_std(policy.nudge_before)?;
    let mut lateness = Vec::new();
    for incident in app.store.incidents(&Default::default()).await? {
        for event in app.store.timeline(&incident.id).await? {
            if let EventKind::UpdateNudged { due_at } = event.kind {
                let due = due_at - nudge_before;
                lateness.push((event.at - due).num_milliseconds().max(0) as f64);
            }
        }
    }
    latencies.sort_by(f64::total_cmp);
    lateness.sort_by(f64::total_cmp);
    Ok(AlertBenchReport {
        backend: format!("{:?}", app.store.backend()),
        seconds,
        accepted: latencies.len(),
        refused,
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        timers_fired: lateness.len(),
        timer_p99_ms: percentile(&lateness, 0.99),
        timer_max_ms: lateness.last().copied().unwrap_or_default(),
        peak_rss_mib: peak_rss_mib(),
    })
}
