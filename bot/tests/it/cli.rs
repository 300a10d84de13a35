//! The command line: `check`, `migrate`, `kb search`, and start-up failures that name the cause.

use std::path::Path;
use std::process::{Command, Output};

fn commandpost(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .args(args)
        .current_dir(dir)
        .env_remove("RUST_LOG")
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

const CONFIG: &str = r#"
database_url = "sqlite://commandpost.db"
templates_dir = "templates"
kb_dir = "kb"
[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true
"#;

fn project(dir: &Path) {
    std::fs::write(dir.join("commandpost.toml"), CONFIG).unwrap();
    std::fs::create_dir_all(dir.join("templates")).unwrap();
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    std::fs::write(
        dir.join("kb/vpn.md"),
        "---\ntitle: VPN will not connect\nclients: [all]\ntags: [vpn]\n---\nRestart the VPN client and sign in again.\n",
    )
    .unwrap();
}

#[test]
fn check_passes_on_a_good_project_and_names_every_problem_otherwise() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let good = commandpost(&["check", "--config", "commandpost.toml"], dir.path());
    assert!(good.status.success(), "{}", text(&good));

    std::fs::write(
        dir.path().join("templates/brief.hbs"),
        "line one\n{{#if severity}}\nnever closed\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("templates/status.hbs"),
        "{{no_such_field}}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("kb/broken.md"),
        "---\ntitle: \nclients: [all]\n---\nBody\n",
    )
    .unwrap();
    let bad = commandpost(&["check", "--config", "commandpost.toml"], dir.path());
    let out = text(&bad);
    assert!(!bad.status.success(), "{out}");
    assert!(out.contains("templates/brief.hbs:"), "{out}");
    assert!(out.contains("templates/status.hbs:"), "{out}");
    assert!(out.contains("broken.md:"), "{out}");
}

#[test]
fn a_bad_key_is_named_and_the_process_exits_non_zero() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("bad.toml"),
        "[policy]\nnudge_before = \"soon\"\n",
    )
    .unwrap();
    let out = commandpost(&["migrate", "--config", "bad.toml"], dir.path());
    assert!(!out.status.success());
    assert!(text(&out).contains("policy.nudge_before"), "{}", text(&out));
}

#[test]
fn check_and_serve_refuse_a_weak_secret_by_name_without_printing_it() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    std::fs::write(
        dir.path().join("weak.toml"),
        format!("{CONFIG}status_token = \"letmein-2024\"\n"),
    )
    .unwrap();
    for command in ["check", "serve"] {
        let out = commandpost(&[command, "--config", "weak.toml"], dir.path());
        let printed = text(&out);
        assert!(!out.status.success(), "{command}: {printed}");
        assert!(
            printed.contains("clients[0].status_token: is too short"),
            "{command}: {printed}"
        );
        assert!(
            !printed.contains("letmein"),
            "{command} printed the secret: {printed}"
        );
    }
}

#[test]
fn check_warns_that_discord_without_responder_roles_is_managers_only() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let discord = format!(
        "[discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\n",
        "ab".repeat(32)
    );
    std::fs::write(
        dir.path().join("discord.toml"),
        format!("{CONFIG}{discord}"),
    )
    .unwrap();
    let out = commandpost(&["check", "--config", "discord.toml"], dir.path());
    let printed = text(&out);
    assert!(out.status.success(), "a warning is not an error: {printed}");
    assert!(
        printed.contains("warning: discord.responder_roles"),
        "{printed}"
    );
}

#[test]
fn check_names_the_line_and_key_of_a_platform_sections_problems() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    // Line numbers below count from the end of CONFIG.
    let first = CONFIG.lines().count() + 1;
    let weak = "[slack]\nbot_token = \"xoxb-1\"\nsigning_secret = \"hunter2-7f3a\"\noncall_channel = \"C0ONCALL\"\n";
    std::fs::write(dir.path().join("weak.toml"), format!("{CONFIG}{weak}")).unwrap();
    let out = commandpost(&["check", "--config", "weak.toml"], dir.path());
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    let line = first + 2;
    assert!(
        printed.contains(&format!(
            "weak.toml:{line}: slack.signing_secret: is too short"
        )),
        "{printed}"
    );
    assert!(
        !printed.contains("hunter2"),
        "a secret was printed: {printed}"
    );

    let mistyped = format!(
        "[discord]\napplication_id = \"1\"\npublic_key = \"{}\"\nbot_token = \"t\"\nguild_id = \"2\"\noncall_channel = \"3\"\ngateway = \"yes\"\n",
        "ab".repeat(32)
    );
    std::fs::write(dir.path().join("typed.toml"), format!("{CONFIG}{mistyped}")).unwrap();
    let out = commandpost(&["check", "--config", "typed.toml"], dir.path());
    let printed = text(&out);
    assert!(!out.status.success(), "{printed}");
    let line = first + 6;
    assert!(
        printed.contains(&format!("typed.toml:{line}: discord.gateway: ")),
        "{printed}"
    );
}

#[test]
fn migrate_creates_the_database_and_a_corrupt_one_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let out = commandpost(&["migrate", "--config", "commandpost.toml"], dir.path());
    assert!(out.status.success(), "{}", text(&out));
    assert!(dir.path().join("commandpost.db").exists());
    // A write-ahead log left beside the file would let SQLite repair it; corrupt it for real.
    for side in ["commandpost.db-wal", "commandpost.db-shm"] {
        let _ = std::fs::remove_file(dir.path().join(side));
    }
    std::fs::write(
        dir.path().join("commandpost.db"),
        b"not a database at all".repeat(200),
    )
    .unwrap();
    let out = commandpost(&["migrate", "--config", "commandpost.toml"], dir.path());
    assert!(!out.status.success());
    assert!(
        text(&out).contains("cannot open the database"),
        "{}",
        text(&out)
    );
}

#[test]
fn kb_search_prints_json_and_an_empty_array_when_nothing_fits() {
    let dir = tempfile::tempdir().unwrap();
    project(dir.path());
    let out = commandpost(
        &[
            "kb",
            "search",
            "my vpn will not connect",
            "--kb",
            "kb",
            "--json",
        ],
        dir.path(),
    );
    assert!(out.status.success(), "{}", text(&out));
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits[0]["slug"], "vpn");
    assert!(hits[0]["score"].as_f64().unwrap() > 0.0);
    let out = commandpost(
        &[
            "kb",
            "search",
            "quantum banana orchestra",
            "--kb",
            "kb",
            "--json",
        ],
        dir.path(),
    );
    let hits: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(hits, serde_json::json!([]));
}
