//! Delivery benchmark: client updates across many clients, a share of whose webhooks never
//! answer (black-holed); how long the healthy ones take from publish to the client, with the
//! real worker and outbox, on SQLite or PostgreSQL.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::post;
use axum::Router;
use chrono::Utc;
use tokio::sync::watch;

use super::{peak_rss_line, peak_rss_mib, percentile};
use crate::commands::{Command, IncidentCommand, UserRef};
use crate::config::Config;
use crate::domain::UserId;
use crate::domain::{Actor, ClientId, Severity};
use crate::engine::{Request, IN_FLIGHT, MAX_IN_FLIGHT, SLOW_AFTER};

pub struct DeliveryBenchReport {
    pub backend: String,
    pub clients: usize,
    pub updates: usize,
    pub black_holed: usize,
    pub healthy_delivered: usize,
    pub healthy_expected: usize,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub peak_rss_mib: Option<f64>,
}

impl std::fmt::Display for DeliveryBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backend: {}, in flight: {IN_FLIGHT} (a delivery slower than {} s stops counting; {MAX_IN_FLIGHT} in all), clients: {}, updates: {}, black-holed webhooks: {}",
            self.backend,
            SLOW_AFTER.as_secs(),
            self.clients,
            self.updates,
            self.black_holed
        )?;
        writeln!(
            f,
            "healthy updates delivered: {} of {}",
            self.healthy_delivered, self.healthy_expected
        )?;
        writeln!(
            f,
            "publish to confirmed delivery (healthy): p50 {:.0} ms, p99 {:.0} ms, max {:.0} ms",
            self.p50_ms, self.p99_ms, self.max_ms
        )?;
        write!(f, "{}", peak_rss_line(self.peak_rss_mib))
    }
}

/// When each incident's update reached its client's webhook; black-holed ones never answer.
#[derive(Default)]
struct Hooks {
    received: Mutex<HashMap<String, Instant>>,
}

async fn hook(
    State(hooks): State<Arc<Hooks>>,
    Path(_client): Path<usize>,
    axum::Json(body): axum::Json<serde_json::Value>,
) -> StatusCode {
    let incident = body["incident_id"].as_str().unwrap_or_default().to_owned();
    hooks
        .received
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .entry(incident)
        .or_insert_with(Instant::now);
    StatusCode::OK
}

/// A black hole: accepts the request and never answers (the bot's webhook timeout ends it).
async fn black_hole() -> StatusCode {
    std::future::pending::<()>().await;
    StatusCode::OK
}

fn is_black_holed(client: usize, share: f64) -> bool {
    share > 0.0 && (client as f64 * share).floor() != ((client + 1) as f64 * share).floor()
}

pub async fn run(
    database_url: &str,
    clients: usize,
    updates: usize,
    black_holed_share: f64,
) -> anyhow::Result<DeliveryBenchReport> {
    let hooks = Arc::new(Hooks::default());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let router = Router::new()
        .route("/ok/{client}", post(hook))
        .route("/hole/{client}", post(black_hole))
        .with_state(hooks.clone());
    tokio::spawn(async move { axum::serve(listener, router).await });

    let mut text = format!(
        "database_url = \"{database_url}\"\n[policy]\nfirst_update_within = \"1h\"\nupdate_every = \"1h\"\n"
    );
    let mut black_holed = 0;
    for n in 0..clients {
        let path = if is_black_holed(n, black_holed_share) {
            black_holed += 1;
            "hole"
        } else {
            "ok"
        };
        text.push_str(&format!(
            "[[clients]]\nid = \"client-{n}\"\nname = \"Client {n}\"\nwebhook_url = \"http://{addr}/{path}/{n}\"\n"
        ));
    }
    let config = Config::from_toml(&text, "bench", Vec::new())?;
    let policy = config.policy();
    let app = super::bench_app(config).await?;
    let actor = Actor {
        user: UserId::new("bench:commander"),
        is_manager: false,
    };
    // One incident per update, its room already open, spread over the clients.
    let now = Utc::now();
    let mut ids = Vec::with_capacity(updates);
    for n in 0..updates {
        let client = ClientId::parse(&format!("client-{}", n % clients))?;
        let id = super::seed_incident(app.store.as_ref(), &policy, &client, n, Severity::P2, now)
            .await?;
        ids.push(id.to_string());
    }
    let (stop, stopped) = watch::channel(false);
    let worker = app.spawn_workers(stopped);
    let mut published = Vec::with_capacity(updates);
    for n in 0..updates {
        let request = Request {
            platform: "bench",
            user: actor.user.clone(),
            room: Some(format!("room-{n}")),
            command: Command::Incident(IncidentCommand::Update {
                text: format!("Update for outage {n}: we are investigating."),
            }),
            resolve_user: |user: &UserRef| UserId::new(format!("bench:{}", user.0)),
            responder: true,
        };
        app.engine.handle(request).await?;
        published.push(Instant::now());
    }
    // Updates whose client's webhook answers.
    let healthy: Vec<usize> = (0..updates)
        .filter(|n| !is_black_holed(n % clients, black_holed_share))
        .collect();
    let deadline = Instant::now() + Duration::from_secs(120);
    while Instant::now() < deadline {
        let received = hooks.received.lock().map(|r| r.len()).unwrap_or_default();
        if received >= healthy.len() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stop.send(true);
    let _ = worker.await;
    let received = hooks.received.lock().map(|r| r.clone()).unwrap_or_default();
    // Publish (the command answered) to the webhook's 2xx, for every healthy update.
    let mut latencies: Vec<f64> = healthy
        .iter()
        .filter_map(|n| {
            let at = received.get(&ids[*n])?;
            Some(at.saturating_duration_since(published[*n]).as_secs_f64() * 1000.0)
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    Ok(DeliveryBenchReport {
        backend: format!("{:?}", app.store.backend()),
        clients,
        updates,
        black_holed,
        healthy_delivered: latencies.len(),
        healthy_expected: healthy.len(),
        p50_ms: percentile(&latencies, 0.5),
        p99_ms: percentile(&latencies, 0.99),
        max_ms: latencies.last().copied().unwrap_or_default(),
        peak_rss_mib: peak_rss_mib(),
    })
}
