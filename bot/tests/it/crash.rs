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

mod slack_room {
    //! SIGKILL while a Slack room is half open (created, brief posted, pin failing).

    use super::*;
    use commandpost_chat_fakes::slack::Fault;
    use commandpost_chat_fakes::{sign_slack, FakeSlack};

    const SECRET: &str = "crash-test-signing-secret-0123456789";

    fn free_port() -> u16 {
        std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port()
    }

    fn serve(config: &std::path::Path) -> std::process::Child {
        Command::new(env!("CARGO_BIN_EXE_commandpost"))
            .args(["serve", "--config"])
            .arg(config)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    }

    async fn declare(port: u16) -> Option<reqwest::Response> {
        let body = form_urlencoded::Serializer::new(String::new())
            .extend_pairs([
                ("command", "/incident"),
                ("text", "declare P1 acme Email is down"),
                ("user_id", "U0ALICE"),
                ("channel_id", "C0ONCALL"),
                ("team_id", "T0FAKETEAM"),
                // Slack sends both with every command; nothing listens on port 9.
                ("response_url", "http://127.0.0.1:9/commands/T0FAKETEAM/1/x"),
                ("trigger_id", &format!("{}.crash", std::process::id())),
            ])
            .finish();
        let timestamp = chrono::Utc::now().timestamp().to_string();
        reqwest::Client::new()
            .post(format!("http://127.0.0.1:{port}/slack/commands"))
            .header("content-type", "application/x-www-form-urlencoded")
            .header("x-slack-request-timestamp", &timestamp)
            .header(
                "x-slack-signature",
                sign_slack(SECRET, &timestamp, body.as_bytes()),
            )
            .body(body)
            .send()
            .await
            .ok()
    }

    #[tokio::test(flavor = "multi_thread")]
    async fn a_room_half_open_at_a_kill_is_finished_after_restart_and_never_created_twice() {
        let fake = FakeSlack::start().await;
        fake.add_channel("C0ONCALL", "oncall");
        fake.add_channel("C0ACMESTATUS", "acme-status");
        fake.fail_next("pins.add", Fault::ServerError);
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let config = dir.path().join("commandpost.toml");
        std::fs::write(
            &config,
            format!(
                "database_url = \"sqlite://{dir}/crash.db\"\nkb_dir = \"{dir}/kb\"\n\
                 [http]\nlisten = \"127.0.0.1:{port}\"\nmetrics_listen = \"127.0.0.1:{metrics}\"\n\
                 [slack]\nbot_token = \"xoxb-test\"\nsigning_secret = \"{SECRET}\"\napi_url = \"{api}\"\noncall_channel = \"C0ONCALL\"\n\
                 [[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\nslack_status_channel = \"C0ACMESTATUS\"\n",
                dir = dir.path().display(),
                metrics = free_port(),
                api = fake.api_url(),
            ),
        )
        .unwrap();
        let mut first = serve(&config);
        let mut answered = None;
        for _ in 0..300 {
            if let Ok(Some(response)) =
                tokio::time::timeout(Duration::from_secs(2), declare(port)).await
            {
                answered = Some(response.status());
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert_eq!(answered.map(|s| s.as_u16()), Some(200));
        wait_for("the failed pin", || !fake.calls_to("pins.add").is_empty()).await;
        first.kill().unwrap();
        first.wait().unwrap();
        let rooms = || {
            fake.channels()
                .into_iter()
                .filter(|c| c.name.starts_with("inc-"))
                .collect::<Vec<_>>()
        };
        assert_eq!(rooms().len(), 1);
        assert!(rooms()[0].pins.is_empty(), "killed before the pin");

        let mut second = serve(&config);
        wait_for("the pin after restart", || {
            rooms().first().is_some_and(|room| room.pins.len() == 1)
        })
        .await;
        wait_for("the announcement", || {
            fake.messages_in("C0ONCALL")
                .iter()
                .any(|m| m.text.as_deref().unwrap_or_default().contains("INC-"))
        })
        .await;
        tokio::time::sleep(Duration::from_secs(1)).await;
        second.kill().unwrap();
        second.wait().unwrap();
        assert_eq!(rooms().len(), 1, "one room in all");
        assert_eq!(fake.calls_to("conversations.create").len(), 1);
        let room = &rooms()[0];
        assert_eq!(fake.messages_in(&room.id).len(), 1, "one brief");
        let announcements = fake
            .messages_in("C0ONCALL")
            .into_iter()
            .filter(|m| m.text.as_deref().unwrap_or_default().contains("INC-"))
            .count();
        assert_eq!(announcements, 1, "announced once");
    }
}
