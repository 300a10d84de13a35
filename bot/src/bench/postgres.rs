//! A throwaway PostgreSQL cluster for `bench --backend postgres` and for tests: `initdb` in a temp dir as the `postgres` user,
//! listening on loopback on a free port, stopped when the test process exits.
//! It fails loudly when it cannot start: a test that needs PostgreSQL never skips in silence.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use sqlx::{Connection, Executor, PgConnection};

struct Cluster {
    port: u16,
    _dir: PathBuf,
    /// The watchdog shell; it ends with this process, so nobody waits on it.
    _watchdog: std::process::Child,
}

static CLUSTER: OnceLock<Cluster> = OnceLock::new();
static NEXT_DATABASE: AtomicU32 = AtomicU32::new(1);

fn find_binary(name: &str) -> PathBuf {
    let candidates = [
        "/usr/lib/postgresql/15/bin",
        "/usr/lib/postgresql/16/bin",
        "/usr/lib/postgresql/17/bin",
        "/usr/local/bin",
        "/usr/bin",
    ];
    candidates
        .iter()
        .map(|dir| Path::new(dir).join(name))
        .find(|path| path.exists())
        .unwrap_or_else(|| panic!("PostgreSQL's `{name}` is not installed (looked in {candidates:?}); install the postgresql package"))
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0"))
        .unwrap_or(false)
}

/// Runs a shell line as the `postgres` user when we are root (initdb refuses root), else as ourselves.
fn as_postgres(script: &str) -> Command {
    if is_root() {
        let mut command = Command::new("runuser");
        command.args(["-u", "postgres", "--", "sh", "-c", script]);
        command
    } else {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|addr| addr.port())
        .expect("a free loopback port")
}

fn start_cluster() -> Cluster {
    let dir = super::scratch::ScratchDir::new("commandpost-pg-")
        .expect("a temporary directory for PostgreSQL")
        .keep();
    if is_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(&dir)
            .status();
        assert!(
            status.is_ok_and(|s| s.success()),
            "cannot hand {} to the postgres user",
            dir.display()
        );
    }
    let data = dir.join("data");
    let initdb = find_binary("initdb");
    let output = as_postgres(&format!(
        "{} -D {} -U postgres -A trust --no-sync -E UTF8 --locale=C",
        initdb.display(),
        data.display()
    ))
    .output()
    .expect("initdb runs");
    assert!(
        output.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let port = free_port();
    let postgres = find_binary("postgres");
    // The watchdog stops the server when this test process is gone, however it ends, and then
    // removes the cluster's directory (a few hundred megabytes each; left behind, every test
    // process would leak one into /tmp).
    let script = format!(
        "{postgres} -D {data} -p {port} -k {dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200 > {dir}/server.log 2>&1 & pid=$!; \
         while [ -d /proc/{parent} ] && kill -0 $pid 2>/dev/null; do sleep 1; done; kill -INT $pid 2>/dev/null; \
         wait $pid; rm -rf {dir}",
        postgres = postgres.display(),
        data = data.display(),
        dir = dir.display(),
        parent = std::process::id(),
    );
    let watchdog = as_postgres(&script)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("postgres starts");
    let deadline = Instant::now() + Duration::from_secs(30);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        if Instant::now() > deadline {
            let log = std::fs::read_to_string(dir.join("server.log")).unwrap_or_default();
            panic!("PostgreSQL did not start on port {port} within 30 s:\n{log}");
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Cluster {
        port,
        _dir: dir,
        _watchdog: watchdog,
    }
}

/// The URL of a database on the shared cluster, started on first use.
pub fn database_url(database: &str) -> String {
    let cluster = CLUSTER.get_or_init(start_cluster);
    format!("postgres://postgres@127.0.0.1:{}/{database}", cluster.port)
}

/// Creates an empty database for one test and returns its URL.
pub async fn fresh_database() -> String {
    let admin = database_url("postgres");
    let name = format!(
        "test_{}_{}",
        std::process::id(),
        NEXT_DATABASE.fetch_add(1, Ordering::SeqCst)
    );
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut conn = loop {
        match PgConnection::connect(&admin).await {
            Ok(conn) => break conn,
            Err(error) if Instant::now() > deadline => {
                panic!("cannot connect to the test cluster: {error}")
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    };
    conn.execute(format!("CREATE DATABASE {name}").as_str())
        .await
        .expect("CREATE DATABASE works on the test cluster");
    conn.close().await.ok();
    database_url(&name)
}
