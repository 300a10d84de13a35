//! Scale-out with real parts: a throwaway PostgreSQL cluster, two `commandpost serve` processes
//! on it, HAProxy in front on loopback (configured from deploy/haproxy.cfg), and signed Slack
//! commands and events through the proxy against the fake Slack: 50 incidents across 20 clients,
//! nudges, escalations, client updates and support questions. One replica is SIGKILLed while
//! declarations are in flight. Every command is answered (retries land on the survivor), every
//! timer fires once, every update reaches its client once, no room is created twice.
//!
//! Timers run in other processes, so the manual clock cannot drive them: the policy uses
//! durations of seconds, and the test waits for states and asserts on counts and identities,
//! never on how long anything took.

use crate::scale_out_support;

use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use commandpost::domain::EventKind;
use commandpost::store::{SqlStore, Store};
use commandpost::testing::process::{free_port, ServeProcess};
use commandpost_chat_fakes::FakeSlack;
use scale_out_support::*;
use serde_json::Value;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_replicas_behind_haproxy_survive_a_sigkill_mid_traffic() {
    let started = Instant::now();
    let haproxy = haproxy_binary();
    assert!(haproxy.exists());
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    let database_url = commandpost::testing::postgres::fresh_database().await;
    let fake = Arc::new(FakeSlack::start().await);
    fake.add_channel(ONCALL, "oncall");
    fake.add_user("U0MANAGER", "manager");
    for client in 0..CLIENTS {
        fake.add_channel(
            &status_channel(client),
            &format!("client{client:02}-status"),
        );
        fake.add_channel(
            &support_channel(client),
            &format!("client{client:02}-support"),
        );
        fake.add_user(&responder(client), &format!("responder{client:02}"));
        fake.add_user(&format!("U0ASKER{client:02}"), &format!("asker{client:02}"));
    }

    let public = free_port();
    let ports = [free_port(), free_port()];
    let binary = Path::new(env!("CARGO_BIN_EXE_commandpost"));
    let mut replicas: Vec<ServeProcess> = ports
        .iter()
        .enumerate()
        .map(|(n, port)| {
            let config = dir.path().join(format!("replica{n}.toml"));
            std::fs::write(&config, replica_config(&database_url, &fake, *port, public)).unwrap();
            ServeProcess::start(
                binary,
                &config,
                *port,
                &dir.path().join(format!("replica{n}.log")),
                &[],
            )
        })
        .collect();
    for replica in &mut replicas {
        replica.wait_healthy(Duration::from_secs(60));
    }
    let _proxy = start_haproxy(dir.path(), public, &ports);
    let slack = Slack {
        http: reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap(),
        base: format!("http://127.0.0.1:{public}"),
        retries: Arc::new(AtomicUsize::new(0)),
    };
    wait_for("haproxy to pass requests", || {
        let http = slack.http.clone();
        let url = format!("{}/healthz", slack.base);
        async move {
            http.get(url)
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
        }
    })
    .await;

    // Declarations from 20 people at once; the first replica is killed once half are answered.
    let declared = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for person in 0..CLIENTS {
        let (slack, fake, declared) = (slack.clone(), fake.clone(), declared.clone());
        senders.push(tokio::spawn(async move {
            let mut answers = Vec::new();
            for n in (person..INCIDENTS).step_by(CLIENTS) {
                let id = format!("declare{n:02}");
                let text = format!("declare P1 client{:02} Outage number {n}", n % CLIENTS);
                let ack = slack
                    .command(&fake, &id, &responder(person), ONCALL, &text)
                    .await;
                declared.fetch_add(1, Ordering::SeqCst);
                answers.push((id, ack));
            }
            answers
        }));
    }
    let questions: Vec<_> = (0..CLIENTS)
        .map(|client| {
            let slack = slack.clone();
            tokio::spawn(async move { slack.support_question(client).await })
        })
        .collect();
    wait_for("half the declarations", || {
        let declared = declared.clone();
        async move { declared.load(Ordering::SeqCst) >= INCIDENTS / 2 }
    })
    .await;
    replicas[0].signal("KILL");
    let killed = replicas[0].wait_exit(Duration::from_secs(10));
    assert!(!killed.success(), "SIGKILL ends the replica: {killed}");

    let mut acks = Vec::new();
    for sender in senders {
        acks.extend(sender.await.unwrap());
    }
    for question in questions {
        question.await.unwrap();
    }
    // Slack retries an event it did not see acknowledged in time; a retry of a handled event
    // must not be handled again.
    for client in 0..CLIENTS / 2 {
        slack.support_question(client).await;
    }

    let store = SqlStore::connect(&database_url).await.unwrap();
    // Every incident gets its room, its nudge and at least one escalation before anyone writes
    // to the client.
    wait_for("rooms, nudges and escalations for every incident", || {
        let store = store.clone();
        async move {
            let all = everything(&store).await;
            all.len() == INCIDENTS
                && all.iter().all(|(incident, timeline)| {
                    incident
                        .room_on("slack")
                        .is_some_and(|room| !room.room.is_empty())
                        && count(timeline, |k| matches!(k, EventKind::UpdateNudged { .. })) >= 1
                        && count(timeline, |k| matches!(k, EventKind::UpdateEscalated { .. })) >= 1
                })
        }
    })
    .await;
    let mut updates = Vec::new();
    for (incident, _) in everything(&store).await {
        let room = incident.room_on("slack").unwrap().room.clone();
        let text = format!(
            "Update for {}: mail is flowing again for most users.",
            incident.id
        );
        let (slack, fake) = (slack.clone(), fake.clone());
        let owner = incident.roles.commander.to_string();
        updates.push(tokio::spawn(async move {
            let id = format!("update-{}", incident.id);
            let ack = slack
                .command(&fake, &id, &owner, &room, &format!("update {text}"))
                .await;
            (id, ack, incident.client.to_string(), text)
        }));
    }
    let mut published = Vec::new();
    for update in updates {
        published.push(update.await.unwrap());
    }
    wait_for("every update to land and the outbox to drain", || {
        let store = store.clone();
        async move {
            let all = everything(&store).await;
            let mut drained = true;
            for (incident, _) in &all {
                drained &= store.pending_deliveries(&incident.id).await.unwrap() == 0;
            }
            drained && all.iter().all(|(incident, _)| incident.updates_landed == 1)
        }
    })
    .await;

    // Every command answered, each declaration carried out exactly once.
    for (id, ack) in &acks {
        assert!(answered(ack, &fake, id), "{id} got no answer: {ack}");
    }
    for (id, ack, _, _) in &published {
        assert!(answered(ack, &fake, id), "{id} got no answer: {ack}");
    }
    let all = everything(&store).await;
    assert_each_declared_once(&all);
    assert_one_room_each(&fake, &all);
    assert_timers_fired_once(&fake, &all);
    assert_updates_delivered_once(&fake, &published);
    assert_one_request_per_question(&store).await;

    // The survivor's log is a pipeline's: one JSON object per line.
    let log = replicas[1].log();
    for line in log.lines() {
        serde_json::from_str::<Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
    assert!(
        fake.rejected_calls().is_empty(),
        "{:#?}",
        fake.rejected_calls()
    );
    // For the record (not asserted, it depends on timing): how many requests the proxy sent
    // again to the survivor, and how many replays found their command already carried out.
    let proxy_log = std::fs::read_to_string(dir.path().join("haproxy.log")).unwrap_or_default();
    let replayed = proxy_log
        .lines()
        .filter(|line| {
            line.split_whitespace()
                .any(|field| field.matches('/').count() == 4 && field.contains("/+"))
        })
        .count();
    let repeats = acks
        .iter()
        .map(|(_, ack)| ack)
        .chain(published.iter().map(|(_, ack, _, _)| ack))
        .filter(|ack| ack.to_string().contains("already carried out"))
        .count();
    println!(
        "scale-out: {INCIDENTS} incidents, {CLIENTS} clients; the proxy replayed {replayed} request(s), {repeats} found already carried out, {} client-side retries; {:.1?} in all",
        slack.retries.load(Ordering::SeqCst),
        started.elapsed()
    );
    store.close().await;
}
