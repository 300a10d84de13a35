//! Review-page benchmark: a year of incidents (100,000 by default, over 20 clients) written
//! through the real store with their timelines and postmortems, then the real HTTP server is
//! asked for `/incidents` page 1 (plain and filtered) and a monthly report, with a signed-in
//! session; reports latency percentiles.

use std::sync::Arc;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use tokio::sync::watch;

use super::percentile;
use crate::clock::SystemClock;
use crate::config::Config;
use crate::domain::metrics::Month;
use crate::domain::review::Postmortem;
use crate::domain::{
    Actor, ClientId, EventKind, Incident, Role, Severity, Terms, TimelineEvent, UserId,
};
use crate::engine::{hash_token, new_token};
use crate::startup::{self, App};
use crate::store::{Change, ReviewStore, SignInLink, Store};

const CLIENTS: usize = 20;

fn bench_config(database_url: &str) -> Config {
    let mut text =
        format!("database_url = \"{database_url}\"\n[policy]\nmanagers = [\"console:maria\"]\n");
    for n in 0..CLIENTS {
        text.push_str(&format!(
            "[[clients]]\nid = \"client-{n}\"\nname = \"Client {n}\"\npublic_status = true\n"
        ));
    }
    Config::from_toml(&text, "bench", Vec::new()).expect("the bench configuration is valid")
}

pub struct PagesBenchReport {
    pub incidents: usize,
    pub backend: String,
    pub setup: Duration,
    /// (what, p50 ms, p99 ms, max ms, samples)
    pub timings: Vec<(String, f64, f64, f64, usize)>,
}

impl std::fmt::Display for PagesBenchReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(
            f,
            "backend: {}, incidents: {} over 365 days, {CLIENTS} clients",
            self.backend, self.incidents
        )?;
        writeln!(
            f,
            "setup (writing them through the store): {:.1} s",
            self.setup.as_secs_f64()
        )?;
        for (what, p50, p99, max, n) in &self.timings {
            writeln!(
                f,
                "{what}: p50 {p50:.1} ms, p99 {p99:.1} ms, max {max:.1} ms ({n} requests)"
            )?;
        }
        Ok(())
    }
}

/// One incident's whole life, as the engine would have written it.
fn history(
    id: crate::domain::IncidentId,
    n: usize,
    declared: DateTime<Utc>,
) -> (Incident, Vec<TimelineEvent>) {
    let policy = crate::domain::Policy::default();
    let contract = crate::domain::ClientPolicy::default();
    let alice = UserId::new("console:alice");
    let actor = Actor {
        user: alice.clone(),
        is_manager: false,
    };
    let severity = Severity::ALL[n % 4];
    let client = ClientId::parse(&format!("client-{}", n % CLIENTS)).expect("a valid id");
    let (mut incident, first) = Incident::declare(
        id,
        client,
        severity,
        format!("Outage number {n}"),
        &actor,
        declared,
        Terms {
            policy: &policy,
            client: &contract,
        },
    );
    let at = |minutes: i64| declared + chrono::Duration::minutes(minutes);
    let bot = |m: i64, kind| TimelineEvent {
        at: at(m),
        actor: None,
        kind,
    };
    let by = |m: i64, kind| TimelineEvent {
        at: at(m),
        actor: Some(alice.clone()),
        kind,
    };
    let late = n % 5 == 0;
    let second = if late { 52 } else { 40 };
    let mut events = vec![
        first,
        by(
            3,
            EventKind::RoleAssigned {
                role: Role::Comms,
                user: UserId::new("console:bob"),
                previous: None,
            },
        ),
        by(
            15,
            EventKind::UpdatePublished {
                sequence: 1,
                message: "We are investigating.".into(),
                due_at: Some(at(30)),
            },
        ),
        bot(
            15,
            EventKind::UpdateLanded {
                sequence: 1,
                destination: "status page".into(),
                due_at: Some(at(30)),
                on_time: true,
                next_update_due: Some(at(45)),
            },
        ),
        by(
            second,
            EventKind::UpdatePublished {
                sequence: 2,
                message: "A fix is being deployed.".into(),
                due_at: Some(at(45)),
            },
        ),
        bot(
            second,
            EventKind::UpdateLanded {
                sequence: 2,
                destination: "status page".into(),
                due_at: Some(at(45)),
                on_time: !late,
                next_update_due: Some(at(second + 30)),
            },
        ),
    ];
    if late {
        events.insert(
            4,
            bot(
                50,
                EventKind::UpdateEscalated {
                    due_at: at(45),
                    late_by_secs: 300,
                },
            ),
        );
    }
    events.push(by(
        60 + (n % 180) as i64,
        EventKind::Resolved {
            summary: Some("Fixed.".into()),
            client_message: None,
        },
    ));
    for event in &events[1..] {
        incident.apply(event);
    }
    (incident, events)
}

pub async fn run(
    database_url: &str,
    count: usize,
    samples: usize,
) -> anyhow::Result<PagesBenchReport> {
    let config = bench_config(database_url);
    let app = App::build(config, Arc::new(SystemClock), None, Vec::new()).await?;
    let store = app.store.clone();
    let now = Utc::now();
    let started = Instant::now();
    let span = chrono::Duration::days(365);
    for n in 0..count {
        let offset = span.num_milliseconds() * n as i64 / count.max(1) as i64;
        let declared = now - span + chrono::Duration::milliseconds(offset);
        let id = store.next_incident_id(2026).await?;
        let (incident, events) = history(id, n, declared);
        let resolved = events.last().map(|e| e.at).unwrap_or(declared);
        let mut draft = Postmortem::draft(
            incident.id.clone(),
            incident.client.clone(),
            Some("Fixed."),
            resolved,
        );
        draft.state = crate::domain::review::ReviewState::ALL[n % 3];
        let change = Change {
            incident,
            expected_version: 0,
            events,
            deliveries: Vec::new(),
            timer_at: None,
        };
        store.commit_resolution(change, &draft).await?;
    }
    let setup = started.elapsed();

    let token = new_token();
    store
        .create_sign_in(&SignInLink {
            token_hash: hash_token(&token),
            user: UserId::new("console:maria"),
            next_path: "/incidents".into(),
            created_at: now,
            expires_at: now + chrono::Duration::minutes(15),
            used_at: None,
        })
        .await?;
    let session = new_token();
    store
        .redeem_sign_in(
            &hash_token(&token),
            &hash_token(&session),
            now + chrono::Duration::hours(12),
            now,
        )
        .await?;
    let listener = startup::bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = watch::channel(false);
    let server = tokio::spawn(startup::serve_http(listener, app.router(), stopped));
    let http = reqwest::Client::new();
    let month = Month::of(now, chrono_tz::UTC).previous();
    let targets = [
        (
            "/incidents page 1".to_owned(),
            "/incidents".to_owned(),
            samples,
        ),
        (
            "/incidents page 1, one client and month".to_owned(),
            format!("/incidents?client=client-3&month={month}"),
            samples,
        ),
        (
            "/incidents page 1, review state approved".to_owned(),
            "/incidents?state=approved".to_owned(),
            samples,
        ),
        (
            "/incidents page 200".to_owned(),
            "/incidents?page=200".to_owned(),
            samples,
        ),
        (
            format!("/reports/client-3/{month} (with a 12-month trend)"),
            format!("/reports/client-3/{month}"),
            samples / 4,
        ),
    ];
    let mut timings = Vec::new();
    for (what, path, n) in targets {
        let url = format!("http://{addr}{path}");
        let mut times = Vec::with_capacity(n);
        for i in 0..n + 5 {
            let started = Instant::now();
            let response = http
                .get(&url)
                .header("cookie", format!("cp_session={session}"))
                .send()
                .await?;
            let status = response.status();
            let body = response.text().await?;
            anyhow::ensure!(status.is_success(), "{path} answered {status}: {body}");
            if i >= 5 {
                times.push(started.elapsed().as_secs_f64() * 1000.0);
            }
        }
        times.sort_by(f64::total_cmp);
        timings.push((
            what,
            percentile(&times, 0.5),
            percentile(&times, 0.99),
            times.last().copied().unwrap_or(0.0),
            n,
        ));
    }
    let _ = stop.send(true);
    let _ = server.await;
    Ok(PagesBenchReport {
        incidents: count,
        backend: format!("{:?}", store.backend()),
        setup,
        timings,
    })
}
