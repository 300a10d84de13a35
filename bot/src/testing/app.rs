//! `spawn_app`: the real application on loopback, a fresh SQLite database and a manual clock.

use std::net::SocketAddr;
use std::sync::Arc;

use chrono::Utc;
use tokio::sync::watch;

use crate::chat::ChatPlatform;
use crate::clock::ManualClock;
use crate::config::Config;
use crate::engine::Engine;
use crate::startup::{self, App};

pub struct TestApp {
    pub app: App,
    /// Where the HTTP server listens.
    pub addr: SocketAddr,
    /// Where `/metrics` is served (`http.metrics_listen`).
    pub metrics_addr: SocketAddr,
    pub clock: ManualClock,
    stop: watch::Sender<bool>,
    pub dir: tempfile::TempDir,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    /// A URL on the private metrics listener.
    pub fn metrics_url(&self, path: &str) -> String {
        format!("http://{}{path}", self.metrics_addr)
    }

    /// Runs timers, then delivers until the outbox has nothing due (or 50 passes).
    pub async fn settle(&self) {
        settle(&self.app.engine).await;
    }
}

/// Runs `engine`'s timers, then delivers until the outbox has nothing due (or 50 passes): what
/// the background workers would do by now.
pub async fn settle(engine: &Engine) {
    engine.run_timers().await.expect("timers run");
    for _ in 0..50 {
        if engine.deliver_due().await.expect("deliveries run") == 0 {
            return;
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// Starts the app from a TOML configuration in which `{dir}` names a fresh temporary directory
/// (put `database_url = "sqlite://{dir}/test.db"` in it). The HTTP server listens on a free port;
/// no background workers run unless `workers` is true, so tests drive time and delivery themselves.
pub async fn spawn_app(
    config_toml: &str,
    workers: bool,
    extra: Vec<Arc<dyn ChatPlatform>>,
) -> TestApp {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let text = config_toml.replace("{dir}", &dir.path().display().to_string());
    let mut config = Config::from_toml(&text, "test config", Vec::new())
        .expect("the test configuration is valid");
    config.http.listen = SocketAddr::from(([127, 0, 0, 1], 0));
    let clock = ManualClock::at(Utc::now());
    let app = App::build(config, Arc::new(clock.clone()), None, extra)
        .await
        .expect("the app builds");
    let listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a free port");
    let addr = listener.local_addr().expect("a bound address");
    let metrics_listener = startup::bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .await
        .expect("a free port");
    let metrics_addr = metrics_listener.local_addr().expect("a bound address");
    let (stop, stopped) = watch::channel(false);
    tokio::spawn(startup::serve_http(listener, app.router(), stopped.clone()));
    tokio::spawn(startup::serve_http(
        metrics_listener,
        app.metrics_router(),
        stopped.clone(),
    ));
    if workers {
        app.spawn_workers(stopped.clone());
        app.spawn_connections(stopped);
    }
    TestApp {
        app,
        addr,
        metrics_addr,
        clock,
        stop,
        dir,
    }
}
