//! The console driven through a pipe, end to end: the real binary, a real SQLite file.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

const CONFIG: &str = r#"
database_url = "sqlite://{dir}/commandpost.db"
templates_dir = "{dir}/templates"
kb_dir = "{dir}/kb"

[http]
listen = "127.0.0.1:0"

[console]
user = "alice"

[policy]
first_update_within = "3s"
update_every = "30m"
nudge_before = "2s"
escalate_after = "1s"
managers = ["console:maria"]

[[clients]]
id = "acme"
name = "Acme Corp"
public_status = true

[[clients]]
id = "globex"
name = "Globex"
public_status = true
"#;

fn write_config(dir: &Path) -> std::path::PathBuf {
    std::fs::create_dir_all(dir.join("kb")).unwrap();
    std::fs::write(
        dir.join("kb/vpn-not-connecting.md"),
        "---\ntitle: VPN will not connect from home\nclients: [all]\ntags: [vpn]\n---\nRestart the VPN client and sign in again.\n",
    )
    .unwrap();
    let path = dir.join("commandpost.toml");
    std::fs::write(&path, CONFIG.replace("{dir}", &dir.display().to_string())).unwrap();
    path
}

/// Runs the console with `script` on stdin and returns what it printed.
fn console(config: &Path, script: &str) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_commandpost"))
        .arg("--config")
        .arg(config)
        .env("NO_COLOR", "1")
        .env_remove("RUST_LOG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[test]
fn a_whole_incident_from_the_console_survives_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let room = "inc-";
    let out = console(
        &config,
        "/incident declare P1 acme Email is down for everyone\n\
         /incident assign comms @alice\n\
         /incident assign comms @bob\n\
         /incident stage identified\n\
         /as bob\n\
         /incident update We found the fault in the mail gateway and are fixing it.\n\
         /as alice\n\
         /incident resolve Mail flows again\n",
    );
    assert!(out.contains("Declared INC-"), "{out}");
    assert!(out.contains(room));
    assert!(
        out.contains("COMMS LEAD: UNASSIGNED"),
        "the P1 brief flags the missing comms lead:\n{out}"
    );
    assert!(
        out.contains("on P1 the commander may not also be comms lead"),
        "self-assigning comms is refused:\n{out}"
    );
    assert!(out.contains("@bob is now comms lead"), "{out}");
    assert!(out.contains("stage investigating → identified"), "{out}");
    assert!(
        out.contains("⟫ acme status │ Acme Corp status update #1"),
        "the update reaches acme:\n{out}"
    );
    assert!(
        !out.contains("⟫ globex status"),
        "and no other client:\n{out}"
    );
    assert!(out.contains("Summary: Mail flows again"), "{out}");

    let after = console(&config, "/rooms\n");
    assert!(after.contains("No open incidents."), "{after}");
    let id = out
        .split_whitespace()
        .find(|word| word.starts_with("INC-"))
        .unwrap()
        .trim_end_matches(|c: char| !c.is_ascii_digit());
    let name = out
        .split_whitespace()
        .find(|word| word.starts_with("#inc-"))
        .unwrap()
        .trim_start_matches('#')
        .to_owned();
    let status = console(&config, &format!("/join {name}\n/incident status\n"));
    assert!(
        status.contains(&format!("{id} · P1 · resolved")),
        "{status}"
    );
    assert!(status.contains("Comms lead: @bob"), "{status}");
    assert!(status.contains("1 published · 1 on time"), "{status}");
}

#[test]
fn bad_input_gets_a_clear_private_answer_and_stores_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let out = console(
        &config,
        "/incident declare P9 acme Broken\n\
         /incident declare P1 initech Printer on fire\n\
         /incident declare P1 acme\n\
         /incident status\n\
         /incident explode\n\
         /frobnicate\n",
    );
    assert!(out.contains("`P9` is not a severity"), "{out}");
    assert!(out.contains("no client `initech` is configured"), "{out}");
    assert!(
        !out.contains("globex"),
        "the other clients are never listed: {out}"
    );
    assert!(out.contains("needs a title after the client id"), "{out}");
    assert!(out.contains("type it in the incident's room"), "{out}");
    assert!(
        out.contains("`explode` is not an /incident subcommand"),
        "{out}"
    );
    assert!(out.contains("`/frobnicate` is not a command"), "{out}");
    assert!(out.matches("(only you)").count() >= 6, "{out}");
    let rooms = console(&config, "/rooms\n");
    assert!(
        rooms.contains("No open incidents."),
        "nothing was stored:\n{rooms}"
    );
}

#[test]
fn the_console_shows_the_nudge_and_the_breach_on_the_real_clock() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    // First update due 3 s after declaring: nudge at 1 s, escalation at 4 s.
    let out = console(
        &config,
        "/incident declare P1 globex VPN down\n/wait 1500ms\n/as maria\n/wait 3500ms\n/as alice\n/publish\n",
    );
    assert!(
        out.contains("⏰ @alice the next client update"),
        "nudge:\n{out}"
    );
    assert!(out.contains("type /publish to send the draft"), "{out}");
    assert!(out.contains("BREACH on INC-"), "escalation:\n{out}");
    assert!(out.contains("@maria"), "managers are mentioned:\n{out}");
    assert!(
        out.contains("#oncall │ 🔴"),
        "escalation reaches on-call:\n{out}"
    );
    assert!(
        out.contains("⟫ globex status │ Globex status update #1"),
        "the draft was published:\n{out}"
    );
}

#[test]
fn level_one_triage_from_the_console() {
    let dir = tempfile::tempdir().unwrap();
    let config = write_config(dir.path());
    let out = console(
        &config,
        "/support acme\n\
         /as ann\n\
         /help my vpn will not connect\n\
         /solved\n\
         /as bob\n\
         /help the coffee machine is possessed\n\
         /as olga\n\
         /take TKT-0002\n",
    );
    assert!(out.contains("1. VPN will not connect from home"), "{out}");
    assert!(out.contains("(type /solved or /still-need-help)"), "{out}");
    assert!(out.contains("Glad that helped; marked as solved."), "{out}");
    assert!(
        out.contains(
            "No article fits this one, so I have passed it to the on-call team as TKT-0002"
        ),
        "{out}"
    );
    assert!(
        out.contains("#oncall │ 🎫 TKT-0002 · Acme Corp: @bob asked"),
        "{out}"
    );
    assert!(
        out.contains(
            "⟫ acme support │ @bob @olga from the service desk has taken your request TKT-0002"
        ),
        "{out}"
    );
}
