//! SIGKILL between "due" and "delivered": after a restart the client update arrives exactly once.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use commandpost::testing::webhook::FakeWebhook;

fn config(dir: &std::path::Path, hook: &FakeWebhook) -> std::path::PathBuf {
    let path = dir.join("commandpost.toml");
    std::fs::write(
        &path,
        format!(
            r#"
database_url = "sqlite://{dir}/commandpost.db"
[http]
listen = "127.0.0.1:0"
[console]
user = "alice"
[[clients]]
id = "acme"
name = "Acme Corp"
webhook_url = "{url}"
"#,
            dir = dir.display(),
            url = hook.url()
        ),
    )
    .unwrap();
    path
}

fn start(config: &std::path::Path, script: &str) -> std::process::Child {
    let mut child = Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .arg("--config")
        .arg(config)
        .env("NO_COLOR", "1")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin.write_all(script.as_bytes()).unwrap();
    // Keep stdin open in a thread so the console does not see the end of input and exit early.
    std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(60));
        drop(stdin);
    });
    child
}

async fn wait_for(what: &str, mut condition: impl FnMut() -> bool) {
    // Generous: the claim of a killed process lapses 15 s after it was taken.
    let deadline = Instant::now() + Duration::from_secs(40);
    while !condition() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_killed_process_delivers_the_pending_update_once_after_restart() {
    let hook = FakeWebhook::start().await;
    // The first attempt fails, so the update is due but not delivered when the process dies.
    hook.answer_next(500, None);
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &hook);
    let mut first = start(
        &config,
        "/incident declare P1 acme Email is down\n/incident update We are investigating.\n",
    );
    wait_for("the first webhook attempt", || !hook.calls().is_empty()).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(
        hook.received().is_empty(),
        "nothing was delivered before the kill"
    );

    let mut second = start(&config, "/wait 20s\n");
    wait_for("the delivery after restart", || !hook.received().is_empty()).await;
    // Give a duplicate every chance to show up before looking.
    tokio::time::sleep(Duration::from_secs(3)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    let received = hook.received();
    assert_eq!(received.len(), 1, "{:?}", hook.calls());
    assert_eq!(received[0]["sequence"], 1);
    assert_eq!(received[0]["client"], "acme");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_update_in_flight_when_the_process_dies_is_delivered_once_after_restart() {
    let hook = FakeWebhook::start().await;
    // The first attempt hangs: the process dies while the call is in flight, holding the claim.
    hook.hang_next(Duration::from_secs(120));
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &hook);
    let mut first = start(
        &config,
        "/incident declare P1 acme Email is down\n/incident update We are investigating.\n",
    );
    wait_for("the attempt in flight", || !hook.calls().is_empty()).await;
    first.kill().unwrap();
    first.wait().unwrap();
    assert!(hook.received().is_empty());

    // The claim is short (15 s) and was not extended after the kill, so the restarted
    // process takes the item over instead of waiting minutes.
    let mut second = start(&config, "/wait 50s\n");
    wait_for("the delivery after restart", || !hook.received().is_empty()).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    second.kill().unwrap();
    second.wait().unwrap();
    let received = hook.received();
    assert_eq!(received.len(), 1, "{:?}", hook.calls());
    assert_eq!(received[0]["sequence"], 1);
}
