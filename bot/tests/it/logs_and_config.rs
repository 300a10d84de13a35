//! Running it like production, the small parts: JSON logs a pipeline can read, no escape codes in
//! piped output, `--config` per subcommand and from `COMMANDPOST_CONFIG`, stray variables as
//! warnings, paths beside the config file, and `check` naming `file:line: key`.

use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use commandpost::testing::process::{free_port, ServeProcess};

const BINARY: &str = env!("CARGO_BIN_EXE_commandpost");

fn commandpost(args: &[&str], dir: &Path, env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(BINARY);
    command
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
        .env_remove("COMMANDPOST_CONFIG");
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().expect("the binary runs")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

const CLIENT: &str = "[[clients]]\nid = \"acme\"\nname = \"Acme Corp\"\npublic_status = true\n";

/// A config for `serve` on a free port; returns the port.
fn serve_config(dir: &Path, extra: &str) -> u16 {
    let port = free_port();
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    std::fs::write(
        dir.join("commandpost.toml"),
        format!("database_url = \"sqlite://serve.db\"\n{extra}\n[http]\nlisten = \"127.0.0.1:{port}\"\nmetrics_listen = \"127.0.0.1:0\"\n{CLIENT}"),
    )
    .unwrap();
    port
}

/// Starts serve, waits until it answers, stops it with SIGTERM and returns its whole log.
fn serve_log(dir: &Path, port: u16, env: &[(&str, &str)]) -> String {
    let mut serve = ServeProcess::start(
        Path::new(BINARY),
        &dir.join("commandpost.toml"),
        port,
        &dir.join("serve.log"),
        env,
    );
    serve.wait_healthy(Duration::from_secs(30));
    serve.signal("TERM");
    let status = serve.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "exit {status}:\n{}", serve.log());
    serve.log()
}

#[test]
fn serve_logs_one_json_object_per_line_that_jq_and_serde_read() {
    let dir = tempfile::tempdir().unwrap();
    let port = serve_config(dir.path(), "[log]\nformat = \"json\"");
    let log = serve_log(dir.path(), port, &[]);
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect();
    let listening = lines
        .iter()
        .find(|line| line["message"] == "listening")
        .unwrap_or_else(|| panic!("no `listening` line in:\n{log}"));
    assert_eq!(listening["level"], "INFO");
    assert!(listening["timestamp"].is_string(), "{listening}");
    assert!(listening["target"].is_string(), "{listening}");
    assert_eq!(listening["addr"], format!("127.0.0.1:{port}"));
    assert!(!log.contains('\x1b'), "escape codes in a JSON log:\n{log}");

    // What a pipeline would run: jq fails on any line that is not JSON, and finds the field.
    // (Not `-e`: jq 1.6 answers 4 for a filter whose last input selects nothing.)
    if which("jq") {
        let mut child = Command::new("jq")
            .args(["-r", "select(.message == \"listening\") | .addr"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(log.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "jq: {}", text(&out));
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            format!("127.0.0.1:{port}")
        );
    }
}

fn which(program: &str) -> bool {
    std::env::var_os("PATH")
        .is_some_and(|paths| std::env::split_paths(&paths).any(|dir| dir.join(program).is_file()))
}

#[test]
fn the_log_format_comes_from_the_environment_too_and_text_piped_has_no_escape_codes() {
    let dir = tempfile::tempdir().unwrap();
    let port = serve_config(dir.path(), "");
    let log = serve_log(dir.path(), port, &[]);
    assert!(log.contains("listening"), "{log}");
    assert!(
        !log.contains('\x1b'),
        "escape codes in piped output:\n{log}"
    );
    assert!(
        serde_json::from_str::<serde_json::Value>(log.lines().next().unwrap()).is_err(),
        "text by default: {log}"
    );

    let port = serve_config(dir.path(), "");
    let log = serve_log(dir.path(), port, &[("COMMANDPOST_LOG_FORMAT", "json")]);
    for line in log.lines() {
        serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| panic!("{e}: {line}"));
    }
}

#[test]
fn serve_migrate_and_check_say_config_is_required_in_their_help() {
    let dir = tempfile::tempdir().unwrap();
    for command in ["serve", "migrate", "check"] {
        let help = commandpost(&[command, "--help"], dir.path(), &[]);
        let printed = text(&help);
        assert!(help.status.success(), "{printed}");
        assert!(
            printed.contains(&format!("commandpost {command} --config <FILE>")),
            "{command}: the usage line names --config as required:\n{printed}"
        );
        assert!(printed.contains("COMMANDPOST_CONFIG"), "{printed}");
        let missing = commandpost(&[command], dir.path(), &[]);
        assert!(!missing.status.success(), "{command} ran without a config");
        assert!(
            text(&missing).contains("--config <FILE>"),
            "{}",
            text(&missing)
        );
    }
    let console = text(&commandpost(&["--help"], dir.path(), &[]));
    assert!(console.contains("built-in"), "{console}");
}

#[test]
fn commandpost_config_sets_the_path_and_stray_variables_only_warn() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::write(dir.path().join("commandpost.toml"), CLIENT).unwrap();
    let out = commandpost(
        &["check"],
        dir.path(),
        &[
            ("COMMANDPOST_CONFIG", "commandpost.toml"),
            ("COMMANDPOST_SLAK_TOKEN", "x"),
            ("COMMANDPOST_POLICY_NUDGE_BEFOR", "1m"),
        ],
    );
    let printed = text(&out);
    assert!(out.status.success(), "{printed}");
    assert!(
        printed.contains("commandpost.toml: configuration, templates and knowledge base are valid"),
        "{printed}"
    );
    assert!(
        printed.contains(
            "commandpost.toml: warning: COMMANDPOST_SLAK_TOKEN: is not a configuration key"
        ),
        "{printed}"
    );
    assert!(
        printed.contains("warning: COMMANDPOST_POLICY_NUDGE_BEFOR"),
        "{printed}"
    );
    let migrated = commandpost(
        &["migrate", "--config", "commandpost.toml"],
        dir.path(),
        &[("COMMANDPOST_SLAK_TOKEN", "x")],
    );
    assert!(migrated.status.success(), "{}", text(&migrated));
}

#[test]
fn relative_paths_in_the_config_are_beside_the_file_not_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let etc = dir.path().join("etc");
    std::fs::create_dir_all(etc.join("kb")).unwrap();
    std::fs::create_dir_all(etc.join("templates")).unwrap();
    std::fs::create_dir_all(dir.path().join("elsewhere")).unwrap();
    std::fs::write(
        etc.join("commandpost.toml"),
        format!("database_url = \"sqlite://state/cp.db?mode=rwc\"\ntemplates_dir = \"templates\"\nkb_dir = \"kb\"\n{CLIENT}"),
    )
    .unwrap();
    std::fs::create_dir_all(etc.join("state")).unwrap();
    let elsewhere = dir.path().join("elsewhere");
    let out = commandpost(
        &["migrate", "--config", "../etc/commandpost.toml"],
        &elsewhere,
        &[],
    );
    assert!(out.status.success(), "{}", text(&out));
    assert!(etc.join("state/cp.db").exists(), "{}", text(&out));
    assert!(!elsewhere.join("state").exists());

    // The templates and knowledge base beside the file are the ones checked.
    std::fs::write(etc.join("templates/status.hbs"), "{{no_such_field}}\n").unwrap();
    std::fs::write(
        etc.join("kb/broken.md"),
        "---\ntitle: \nclients: [all]\n---\nBody\n",
    )
    .unwrap();
    let out = commandpost(
        &["check", "--config", "../etc/commandpost.toml"],
        &elsewhere,
        &[],
    );
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    assert!(printed.contains("etc/templates/status.hbs:"), "{printed}");
    assert!(printed.contains("etc/kb/broken.md:"), "{printed}");
}

#[test]
fn check_names_file_line_and_key_for_every_config_problem() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "timezone = \"UTC\"\n\n[policy]\nnudge_before = \"soon\"\n",
    )
    .unwrap();
    let out = commandpost(&["check", "--config", "bad.toml"], dir.path(), &[]);
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    assert!(
        printed.contains("bad.toml:4: policy.nudge_before: "),
        "{printed}"
    );

    std::fs::write(
        dir.path().join("weak.toml"),
        "[[clients]]\nid = \"acme\"\nname = \"Acme\"\npublic_status = true\n\n[[clients]]\nid = \"globex\"\nname = \"Globex\"\nstatus_token = \"letmein-2024\"\n\n[[clients]]\nid = \"acme\"\nname = \"Acme again\"\npublic_status = true\n",
    )
    .unwrap();
    let out = commandpost(&["check", "--config", "weak.toml"], dir.path(), &[]);
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    assert!(
        printed.contains("weak.toml:9: clients[1].status_token: is too short"),
        "{printed}"
    );
    assert!(
        printed.contains("weak.toml:12: clients[2].id: "),
        "{printed}"
    );
    assert!(
        !printed.contains("letmein"),
        "a secret was printed: {printed}"
    );

    std::fs::write(
        dir.path().join("syntax.toml"),
        "[policy\nnudge_before = \"1m\"\n",
    )
    .unwrap();
    let out = commandpost(&["check", "--config", "syntax.toml"], dir.path(), &[]);
    assert!(text(&out).contains("syntax.toml:1: "), "{}", text(&out));
}

/// Polls `condition` until it holds; the bound only stops a hang (nothing here measures time).
fn eventually(serve: &ServeProcess, what: &str, condition: impl Fn(&str) -> bool) {
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while !condition(&serve.log()) {
        assert!(
            std::time::Instant::now() < deadline,
            "{what} never happened:\n{}",
            serve.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn serve_reloads_the_knowledge_base_on_sighup_and_when_a_file_changes() {
    let dir = tempfile::tempdir().unwrap();
    let port = serve_config(dir.path(), "kb_dir = \"kb\"");
    let article = |title: &str| {
        format!(
            "---\ntitle: {title}\nclients: [all]\ntags: [it]\n---\nTry turning it off and on.\n"
        )
    };
    std::fs::write(
        dir.path().join("kb/vpn.md"),
        article("VPN will not connect"),
    )
    .unwrap();
    let mut serve = ServeProcess::start(
        Path::new(BINARY),
        &dir.path().join("commandpost.toml"),
        port,
        &dir.path().join("serve.log"),
        &[],
    );
    serve.wait_healthy(Duration::from_secs(30));
    let reloads = |log: &str| log.matches("knowledge base reloaded").count();
    assert_eq!(reloads(&serve.log()), 0, "{}", serve.log());

    // Nothing changed on disk, so only the signal can cause this reload; the process lives on.
    serve.signal("HUP");
    eventually(&serve, "a reload on SIGHUP", |log| reloads(log) == 1);
    assert!(serve.log().contains("articles=1"), "{}", serve.log());

    // A new article is picked up without a signal.
    std::fs::write(
        dir.path().join("kb/printer.md"),
        article("Printer is offline"),
    )
    .unwrap();
    eventually(&serve, "a reload after a new file", |log| {
        reloads(log) == 2 && log.contains("articles=2")
    });

    serve.signal("TERM");
    let status = serve.wait_exit(Duration::from_secs(20));
    assert!(status.success(), "exit {status}:\n{}", serve.log());
}

#[test]
fn a_start_up_failure_is_one_more_json_line_when_logs_are_json() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = taken.local_addr().unwrap().port();
    std::fs::create_dir_all(dir.path().join("kb")).unwrap();
    std::fs::write(
        dir.path().join("commandpost.toml"),
        format!("database_url = \"sqlite://serve.db\"\n[http]\nlisten = \"127.0.0.1:{port}\"\nmetrics_listen = \"127.0.0.1:0\"\n{CLIENT}"),
    )
    .unwrap();
    let out = commandpost(
        &["serve", "--config", "commandpost.toml"],
        dir.path(),
        &[("COMMANDPOST_LOG_FORMAT", "json")],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("not JSON: {line}")))
        .collect();
    let last = lines.last().expect("a line saying why");
    assert_eq!(last["level"], "ERROR", "{stderr}");
    assert!(
        last["error"]
            .as_str()
            .is_some_and(|error| error.contains(&port.to_string())),
        "{stderr}"
    );
    drop(taken);
}
