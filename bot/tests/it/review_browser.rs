//! End to end in a real headless Chromium (Debian's `chromium` and `chromium-driver`), driven
//! through chromedriver: a manager signs in through the link from `/incident review`, opens an
//! incident, edits and approves its postmortem. A screenshot of each page is saved under
//! `target/screenshots/` for review. Fails loudly when Chromium is missing: it never skips.

use crate::review_support;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use review_support::World;
use serde_json::json;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// chromedriver on a free loopback port, stopped when dropped.
struct Driver {
    child: Child,
    port: u16,
    profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver() -> Driver {
    for program in [CHROMIUM, CHROMEDRIVER] {
        assert!(
            Path::new(program).exists(),
            "{program} is missing: install Debian's `chromium` and `chromium-driver` (apt-get install chromium chromium-driver); .ci/run does"
        );
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen on {port} within 20 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        port,
        profile: tempfile::tempdir().unwrap(),
    }
}

async fn browser(driver: &Driver) -> Client {
    let mut capabilities = serde_json::Map::new();
    capabilities.insert(
        "goog:chromeOptions".into(),
        json!({
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                "--disable-background-networking", "--disable-component-update", "--disable-sync",
                "--disable-dev-shm-usage", "--window-size=1280,1000",
                format!("--user-data-dir={}", driver.profile.path().display()),
            ],
        }),
    );
    // chromedriver is on loopback: plain HTTP, no TLS stack needed.
    ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(capabilities)
        .connect(&format!("http://127.0.0.1:{}", driver.port))
        .await
        .expect("chromedriver starts a Chromium session")
}

fn screenshots() -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

async fn shoot(client: &Client, name: &str) {
    let png = client.screenshot().await.expect("a screenshot");
    assert!(png.starts_with(b"\x89PNG"), "{name} is a PNG");
    std::fs::write(screenshots().join(format!("{name}.png")), png).unwrap();
}

/// Waits (10 s at most) until the element shows `expected`: a click's new page may take a moment.
async fn wait_for_text(client: &Client, css: &str, expected: &str) {
    let started = Instant::now();
    let mut seen = String::new();
    while started.elapsed() < Duration::from_secs(10) {
        if let Ok(element) = client.find(Locator::Css(css)).await {
            if let Ok(text) = element.text().await {
                if text == expected {
                    return;
                }
                seen = text;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("`{css}` shows `{seen}`, not `{expected}`");
}

#[tokio::test]
async fn a_manager_signs_in_edits_and_approves_a_postmortem_in_chromium() {
    let driver = start_driver();
    let world = World::new().await;
    let (room, id) = world
        .resolved_incident("acme", "Email is down for everyone")
        .await;
    let link = world.sign_in_link(Some(&room)).await;
    let client = browser(&driver).await;

    client.goto(&world.url(&link)).await.unwrap();
    shoot(&client, "01-sign-in").await;
    client
        .find(Locator::Id("sign-in"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("review"))
        .await
        .expect("signed in, on the incident");
    assert!(client.current_url().await.unwrap().path().ends_with(&id));
    shoot(&client, "02-incident-draft").await;

    let impact = client.find(Locator::Id("impact")).await.unwrap();
    impact.clear().await.unwrap();
    impact
        .send_keys("No mail for 37 minutes for every Acme user.")
        .await
        .unwrap();
    let item = client.find(Locator::Css("input[name=item]")).await.unwrap();
    item.send_keys("Automate certificate renewal")
        .await
        .unwrap();
    client
        .find(Locator::Css("input[name=owner]"))
        .await
        .unwrap()
        .send_keys("bob")
        .await
        .unwrap();
    client
        .find(Locator::Id("save"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "[role=status]", "Postmortem saved.").await;
    client
        .find(Locator::Id("submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#review-state", "in review").await;
    shoot(&client, "03-in-review").await;
    client
        .find(Locator::Id("approve"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for_text(&client, "#review-state", "approved").await;
    let source = client.source().await.unwrap();
    assert!(source.contains("Approved by @maria"));
    assert!(source.contains("Automate certificate renewal"));
    shoot(&client, "04-approved").await;

    client.goto(&world.url("/incidents")).await.unwrap();
    client
        .wait()
        .for_element(Locator::Css("table"))
        .await
        .unwrap();
    assert!(client.source().await.unwrap().contains(&id));
    shoot(&client, "05-incidents").await;
    client
        .goto(&world.url("/reports/acme/2026-11"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("h1")).await.unwrap();
    shoot(&client, "06-report").await;
    client
        .goto(&world.url("/status/acme?token=acme-status-token-0123456789"))
        .await
        .unwrap();
    client.wait().for_element(Locator::Css("h1")).await.unwrap();
    shoot(&client, "07-status").await;

    // The same pages on a phone-sized window.
    client.set_window_size(390, 844).await.unwrap();
    client
        .goto(&world.url(&format!("/incidents/{id}")))
        .await
        .unwrap();
    client
        .wait()
        .for_element(Locator::Id("review"))
        .await
        .unwrap();
    shoot(&client, "08-incident-phone").await;
    client.close().await.unwrap();
}
