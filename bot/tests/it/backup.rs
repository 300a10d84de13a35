//! `commandpost backup` while incidents are being declared, `restore` into a fresh directory:
//! every incident and its timeline come back; a backup from a newer schema, a damaged one and a
//! restore over a database in use are refused, and PostgreSQL is pointed at pg_dump.

use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use commandpost::chat::ChatPlatform;
use commandpost::clock::ManualClock;
use commandpost::config::Config;
use commandpost::domain::{Incident, TimelineEvent};
use commandpost::startup::App;
use commandpost::store::{IncidentFilter, SqlStore, Store};
use commandpost::testing::console;
use commandpost::testing::recording::RecordingPlatform;
use sqlx::Connection;

const INCIDENTS: usize = 60;
const CLIENT: &str = "[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\npublic_status = true\n";

fn commandpost(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("COMMANDPOST_CONFIG")
        .output()
        .expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// A folder with `commandpost.toml` whose database is `name` beside it.
fn project(dir: &Path, name: &str) {
    std::fs::write(
        dir.join("commandpost.toml"),
        format!("database_url = \"sqlite://{name}\"\n{CLIENT}"),
    )
    .unwrap();
}

async fn declare(app: &App, n: usize) {
    let request = console::line(
        "alice",
        None,
        &format!("/incident declare P2 acme Outage number {n}"),
    );
    app.engine.handle(request).await.unwrap();
}

/// Every incident with its timeline, by id.
async fn everything(store: &SqlStore) -> Vec<(Incident, Vec<TimelineEvent>)> {
    let filter = IncidentFilter {
        client: None,
        open_only: false,
        limit: None,
    };
    let mut all = Vec::new();
    for incident in store.incidents(&filter).await.unwrap() {
        let timeline = store.timeline(&incident.id).await.unwrap();
        all.push((incident, timeline));
    }
    all.sort_by_key(|(incident, _)| incident.id.to_string());
    all
}

async fn restored(dir: &Path, name: &str) -> SqlStore {
    SqlStore::connect(&format!("sqlite://{}", dir.join(name).display()))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_backup_taken_while_declaring_restores_every_incident_and_timeline() {
    let live = tempfile::tempdir().unwrap();
    project(live.path(), "live.db");
    let config = Config::load(Some(&live.path().join("commandpost.toml"))).unwrap();
    let chat = Arc::new(RecordingPlatform::new("console"));
    let app = Arc::new(
        App::build(
            config,
            Arc::new(ManualClock::at(Utc::now())),
            None,
            vec![chat as Arc<dyn ChatPlatform>],
        )
        .await
        .unwrap(),
    );
    // The writer keeps declaring until the backup has finished, and a few more after, so the
    // backup certainly ran while incidents were being written.
    let backed_up = Arc::new(AtomicBool::new(false));
    let writer = {
        let app = app.clone();
        let backed_up = backed_up.clone();
        tokio::spawn(async move {
            let mut n = 0;
            while !backed_up.load(Ordering::SeqCst) || n < INCIDENTS {
                declare(&app, n).await;
                n += 1;
            }
            for _ in 0..5 {
                declare(&app, n).await;
                n += 1;
            }
        })
    };
    // Back up (a separate process, as an operator would) once declarations are under way.
    let filter = IncidentFilter {
        client: None,
        open_only: false,
        limit: None,
    };
    while app.store.incidents(&filter).await.unwrap().len() < 10 {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let during = {
        let dir = live.path().to_owned();
        tokio::task::spawn_blocking(move || {
            commandpost(
                &[
                    "backup",
                    "--config",
                    "commandpost.toml",
                    "--to",
                    "during.db",
                ],
                &dir,
            )
        })
        .await
        .unwrap()
    };
    backed_up.store(true, Ordering::SeqCst);
    assert!(during.status.success(), "{}", text(&during));
    assert!(
        text(&during).contains("backed up to during.db"),
        "{}",
        text(&during)
    );
    writer.await.unwrap();
    let after = commandpost(
        &["backup", "--config", "commandpost.toml", "--to", "after.db"],
        live.path(),
    );
    assert!(after.status.success(), "{}", text(&after));
    let source = everything(&app.store).await;
    assert!(source.len() >= INCIDENTS);

    // The backup taken during the writes is one consistent moment: the incidents it has are the
    // first ones, each with its timeline as it was (only the last one may have been mid-way).
    let fresh = tempfile::tempdir().unwrap();
    project(fresh.path(), "restored.db");
    let out = commandpost(
        &["restore", "--config", "commandpost.toml", "--from"],
        fresh.path(),
    );
    assert!(!out.status.success(), "--from needs a file");
    let backup = live.path().join("during.db");
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            backup.to_str().unwrap(),
        ],
        fresh.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(text(&out).contains("restored "), "{}", text(&out));
    let store = restored(fresh.path(), "restored.db").await;
    let copy = everything(&store).await;
    assert!(
        copy.len() >= 10,
        "the backup has what was declared before it"
    );
    assert!(copy.len() < source.len(), "and not what came after");
    for (n, (incident, timeline)) in copy.iter().enumerate() {
        let (original, original_timeline) = &source[n];
        assert_eq!(incident.id, original.id, "no incident missing before #{n}");
        assert!(!timeline.is_empty());
        assert_eq!(
            timeline[..],
            original_timeline[..timeline.len()],
            "{}: the timeline is the source's, up to the moment of the backup",
            incident.id
        );
        if n + 1 < copy.len() {
            assert_eq!(timeline, original_timeline, "{}", incident.id);
        }
    }
    store.close().await;

    // The backup taken after the writes restores everything, exactly.
    let fresh = tempfile::tempdir().unwrap();
    project(fresh.path(), "restored.db");
    let backup = live.path().join("after.db");
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            backup.to_str().unwrap(),
        ],
        fresh.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains(&format!("{} incident(s)", source.len())),
        "{}",
        text(&out)
    );
    let store = restored(fresh.path(), "restored.db").await;
    assert_eq!(everything(&store).await, source);
    // And the restored database serves: migrations are current, new incidents continue the count.
    store.migrate().await.unwrap();
}

#[tokio::test]
async fn restore_refuses_a_newer_schema_a_damaged_file_and_a_database_in_use() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path(), "cp.db");
    let script = "/incident declare P1 acme Mail is down\n/quit\n";
    let mut console = Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .args(["--config", "commandpost.toml"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    use std::io::Write;
    console
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    assert!(console.wait().unwrap().success());
    let out = commandpost(
        &["backup", "--config", "commandpost.toml", "--to", "good.db"],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    // A backup never overwrites a file.
    let again = commandpost(
        &["backup", "--config", "commandpost.toml", "--to", "good.db"],
        dir.path(),
    );
    assert!(!again.status.success());
    assert!(text(&again).contains("already exists"), "{}", text(&again));

    // A backup written by a later release: its migration table has a version this build lacks.
    std::fs::copy(dir.path().join("good.db"), dir.path().join("future.db")).unwrap();
    let mut conn = sqlx::SqliteConnection::connect(&format!(
        "sqlite://{}",
        dir.path().join("future.db").display()
    ))
    .await
    .unwrap();
    sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (99991231000000, 'from a later release', 1, X'00', 0)")
        .execute(&mut conn)
        .await
        .unwrap();
    conn.close().await.unwrap();

    let fresh = tempfile::tempdir().unwrap();
    project(fresh.path(), "restored.db");
    let future = dir.path().join("future.db");
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            future.to_str().unwrap(),
        ],
        fresh.path(),
    );
    assert!(!out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("schema version 99991231000000, newer than this build knows"),
        "{}",
        text(&out)
    );
    assert!(
        !fresh.path().join("restored.db").exists(),
        "nothing half-written"
    );

    let damaged = dir.path().join("damaged.db");
    std::fs::write(&damaged, b"not a database at all".repeat(300)).unwrap();
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            damaged.to_str().unwrap(),
        ],
        fresh.path(),
    );
    assert!(
        text(&out).contains("is not a Command Post backup"),
        "{}",
        text(&out)
    );
    assert!(!fresh.path().join("restored.db").exists());

    // Over the live database (it holds an incident): refused, then --replace keeps the old file.
    let good = dir.path().join("good.db");
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            good.to_str().unwrap(),
        ],
        dir.path(),
    );
    assert!(!out.status.success());
    assert!(
        text(&out).contains("already holds 1 incident(s)"),
        "{}",
        text(&out)
    );
    let out = commandpost(
        &[
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            good.to_str().unwrap(),
            "--replace",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(
        text(&out).contains("the previous database is now"),
        "{}",
        text(&out)
    );
    let kept = std::fs::read_dir(dir.path())
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("cp.db.before-restore-")
        });
    assert!(kept, "the replaced database is kept beside");
}

#[test]
fn postgresql_is_pointed_at_pg_dump() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("commandpost.toml"),
        format!("database_url = \"postgres://cp@127.0.0.1:1/cp\"\n{CLIENT}"),
    )
    .unwrap();
    for args in [
        ["backup", "--config", "commandpost.toml", "--to", "x.dump"],
        [
            "restore",
            "--config",
            "commandpost.toml",
            "--from",
            "x.dump",
        ],
    ] {
        let out = commandpost(&args, dir.path());
        assert!(!out.status.success());
        assert!(
            text(&out).contains("pg_dump --format=custom"),
            "{}",
            text(&out)
        );
        assert!(!dir.path().join("x.dump").exists());
    }
}
