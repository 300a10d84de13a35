//! deploy/: the systemd unit passes `systemd-analyze verify` (when the tool is installed) with
//! the hardening operators expect, and the README links the deployment guide.

use std::path::{Path, PathBuf};
use std::process::Command;

const UNIT: &str = include_str!("../../../deploy/commandpost.service");
const README: &str = include_str!("../../../README.md");
const DEPLOY_README: &str = include_str!("../../../deploy/README.md");
const HAPROXY: &str = include_str!("../../../deploy/haproxy.cfg");

fn systemd_analyze() -> Option<PathBuf> {
    ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"]
        .iter()
        .map(PathBuf::from)
        .find(|path| path.exists())
}

/// The unit with the binary at `binary` (verify refuses a command that does not exist).
fn unit_for(binary: &Path) -> String {
    UNIT.replace("/usr/local/bin/commandpost", &binary.display().to_string())
}

#[test]
fn the_unit_is_hardened_and_serves_with_secrets_from_an_environment_file() {
    for setting in [
        "DynamicUser=yes",
        "ProtectSystem=strict",
        "StateDirectory=commandpost",
        "NoNewPrivileges=yes",
        "EnvironmentFile=/etc/commandpost/secrets.env",
        "ProtectHome=yes",
        "PrivateTmp=yes",
        "CapabilityBoundingSet=\n",
        "ExecStart=/usr/local/bin/commandpost serve --config /etc/commandpost/commandpost.toml",
    ] {
        assert!(UNIT.contains(setting), "the unit lacks {setting:?}");
    }
    let settings = UNIT
        .lines()
        .filter(|line| !line.trim_start().starts_with('#'));
    assert!(
        settings
            .into_iter()
            .all(|line| !line.contains("COMMANDPOST_SLACK_")),
        "no secret in the unit itself"
    );
}

#[test]
fn systemd_analyze_verify_accepts_the_unit_without_a_warning() {
    let Some(tool) = systemd_analyze() else {
        eprintln!("systemd-analyze is not installed: only the unit's settings were checked");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let unit = dir.path().join("commandpost.service");
    std::fs::write(
        &unit,
        unit_for(Path::new(env!("CARGO_BIN_EXE_commandpost"))),
    )
    .unwrap();
    let out = Command::new(&tool)
        .arg("verify")
        .arg(&unit)
        .output()
        .unwrap();
    let printed =
        String::from_utf8_lossy(&out.stderr).into_owned() + &String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{printed}");
    assert!(printed.trim().is_empty(), "warnings: {printed}");

    // A mistyped setting is caught the same way, so the check above can fail.
    let typo = dir.path().join("typo.service");
    std::fs::write(
        &typo,
        unit_for(Path::new(env!("CARGO_BIN_EXE_commandpost")))
            .replace("ProtectSystem=strict", "ProtectSystem=strcit"),
    )
    .unwrap();
    let out = Command::new(&tool)
        .arg("verify")
        .arg(&typo)
        .output()
        .unwrap();
    let printed = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() || !printed.trim().is_empty());
}

#[test]
fn the_readme_links_the_deployment_guide_and_metrics_stay_private() {
    assert!(
        README.contains("(deploy/README.md)"),
        "README links deploy/README.md"
    );
    for topic in ["Single machine", "Replicated", "/metrics", "TLS"] {
        assert!(
            DEPLOY_README.contains(topic),
            "deploy/README.md covers {topic}"
        );
    }
    let public = HAPROXY
        .lines()
        .find(|line| line.trim_start().starts_with("acl public"))
        .expect("the proxy names the public paths");
    assert!(!public.contains("/metrics"), "{public}");
    assert!(
        HAPROXY.contains("http-request deny"),
        "everything else is refused"
    );
}
