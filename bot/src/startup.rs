//! Wiring: opens the store, builds the engine and adapters, runs the workers and the web server.

use std::net::SocketAddr;
use std::sync::Arc;

use thiserror::Error;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::info;

use crate::chat::console::{ConsoleOutput, ConsolePlatform};
use crate::chat::ChatPlatform;
use crate::clock::Clock;
use crate::config::Config;
use crate::email::EmailSender;
use crate::engine::port::{EmailPort, PagerPort, Senders};
use crate::engine::Engine;
use crate::kb::Knowledge;
use crate::paging::PagerSender;
use crate::store::{SqlStore, Store, StoreError, TriageStore};
use crate::templates::{TemplateError, Templates};
use crate::web::{self, WebState};
use crate::webhook::WebhookSender;

#[derive(Debug, Error)]
pub enum StartupError {
    #[error("cannot open the database {url}: {source}")]
    Database { url: String, source: StoreError },
    #[error("cannot apply database migrations to {url}: {source}")]
    Migrate { url: String, source: StoreError },
    #[error("templates: {0}")]
    Templates(#[from] TemplateError),
    #[error(transparent)]
    Adapter(#[from] crate::chat::AdapterError),
    /// A configured model that cannot be used is refused rather than silently replaced by
    /// words-only search.
    #[error("triage.model_dir: {0}")]
    Model(commandpost_knowledge::ModelError),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Hides the password of a database URL in messages.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let credentials = &url[scheme + 3..at];
            match credentials.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..scheme + 3], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// Connects and migrates; says which of the two failed.
pub async fn open_store(config: &Config) -> Result<Arc<SqlStore>, StartupError> {
    let url = redact_url(&config.database_url);
    let store = SqlStore::connect(&config.database_url)
        .await
        .map_err(|source| StartupError::Database {
            url: url.clone(),
            source,
        })?;
    store
        .migrate()
        .await
        .map_err(|source| StartupError::Migrate { url, source })?;
    Ok(Arc::new(store))
}

/// The console adapter and its terminal output, when the console is on.
pub struct Console {
    pub platform: Arc<ConsolePlatform>,
    pub output: Arc<ConsoleOutput>,
}

pub struct App {
    pub engine: Arc<Engine>,
    pub store: Arc<SqlStore>,
    pub console: Option<Console>,
}

impl App {
    pub async fn build(
        config: Config,
        clock: Arc<dyn Clock>,
        console_output: Option<Arc<ConsoleOutput>>,
        extra_platforms: Vec<Arc<dyn ChatPlatform>>,
    ) -> Result<App, StartupError> {
        for warning in config.warnings() {
            tracing::warn!(key = %warning.key, "{}", warning.message);
        }
        let store = open_store(&config).await?;
        let templates = Arc::new(Templates::load(Some(&config.templates_dir))?);
        let mut platforms = crate::chat::outbound_platforms(&config)?;
        platforms.extend(extra_platforms);
        let console = console_output.map(|output| Console {
            platform: Arc::new(ConsolePlatform::new(output.clone())),
            output,
        });
        if let Some(console) = &console {
            platforms.push(console.platform.clone());
        }
        let model = match &config.triage.model_dir {
            Some(dir) => Some(Arc::new(
                commandpost_knowledge::Embedder::load(dir).map_err(StartupError::Model)?,
            )),
            None => None,
        };
        let learned = store
            .learned_phrasings(None)
            .await
            .map_err(|source| StartupError::Database {
                url: redact_url(&config.database_url),
                source,
            })?
            .into_iter()
            .map(|p| (p.client.to_string(), p.slug, p.question))
            .collect();
        let cache = config
            .triage
            .embedding_cache
            .clone()
            .unwrap_or_else(|| crate::kb::embedding_cache(&config.kb_dir));
        let knowledge = Arc::new(Knowledge::open(&config.kb_dir, &cache, model, learned));
        let senders = senders(&config);
        let engine = Arc::new(Engine::new(
            store.clone(),
            Arc::new(config),
            templates,
            clock,
            platforms,
            knowledge,
            senders,
        ));
        Ok(App {
            engine,
            store,
            console,
        })
    }

    /// Runs timers and deliveries until `shutdown` turns true. The worker sleeps until the
    /// earliest timer (at most a tick), and wakes at once when a command queues a message.
    pub fn spawn_workers(
        &self,
        mut shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        let engine = self.engine.clone();
        let wake = engine.outbox_ready();
        let permits = Arc::new(tokio::sync::Semaphore::new(crate::engine::IN_FLIGHT));
        tokio::spawn(async move {
            loop {
                let pause = supervised_pass(&engine, &permits).await;
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = wake.notified() => {}
                    _ = shutdown.changed() => {}
                }
                if *shutdown.borrow() {
                    info!("workers stopped");
                    return;
                }
            }
        })
    }

    /// Reloads the knowledge base when its files change or on SIGHUP, until shutdown.
    pub fn spawn_knowledge_watcher(
        &self,
        shutdown: watch::Receiver<bool>,
    ) -> tokio::task::JoinHandle<()> {
        self.engine.knowledge().clone().spawn_watcher(shutdown)
    }

    /// The public HTTP endpoints: health, pages, and each enabled platform's inbound routes.
    pub fn router(&self) -> axum::Router {
        web::router(self.web_state()).merge(crate::chat::inbound_routes(&self.engine))
    }

    /// The private endpoints for `http.metrics_listen`: `/metrics` and `/healthz`.
    pub fn metrics_router(&self) -> axum::Router {
        web::metrics_router(self.web_state())
    }

    /// Socket Mode, the Discord gateway: whatever connections the enabled platforms keep open.
    pub fn spawn_connections(
        &self,
        shutdown: watch::Receiver<bool>,
    ) -> Vec<tokio::task::JoinHandle<()>> {
        crate::chat::spawn_connections(&self.engine, shutdown)
    }

    pub fn web_state(&self) -> WebState {
        WebState {
            store: self.store.clone() as Arc<dyn Store>,
            metrics: crate::telemetry::metrics(),
            engine: self.engine.clone(),
        }
    }
}

/// One worker pass in its own task, so a panic (a bug, a destination's absurd answer) is
/// logged and counted and the loop goes on, instead of silently ending every delivery.
async fn supervised_pass(
    engine: &Arc<Engine>,
    permits: &Arc<tokio::sync::Semaphore>,
) -> std::time::Duration {
    let pass = tokio::spawn({
        let engine = engine.clone();
        let permits = permits.clone();
        async move { engine.work_once(&permits).await }
    });
    match pass.await {
        Ok(pause) => {
            engine.heartbeat().beat();
            pause
        }
        Err(error) => {
            metrics::counter!("commandpost_worker_panics_total").increment(1);
            tracing::error!(%error, "a worker pass panicked; the worker goes on");
            crate::engine::TICK
        }
    }
}

/// Binds the web server's address.
pub async fn bind(addr: SocketAddr) -> Result<TcpListener, StartupError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| StartupError::Listen { addr, source })
}

/// Serves HTTP until `shutdown` turns true, finishing requests in flight.
pub async fn serve_http(
    listener: TcpListener,
    router: axum::Router,
    mut shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    axum::serve(listener, router)
        .with_graceful_shutdown(async move {
            while !*shutdown.borrow() {
                if shutdown.changed().await.is_err() {
                    break;
                }
            }
        })
        .await
}

/// Resolves when SIGINT or SIGTERM arrives.
pub fn shutdown_signal() -> impl std::future::Future<Output = ()> {
    // The handlers are installed now, not at the first poll: a SIGTERM that arrives between
    // start-up and the wait must stop the process cleanly, not kill it by the default action.
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let mut interrupt = signal(SignalKind::interrupt()).expect("SIGINT handler installs");
        let mut terminate = signal(SignalKind::terminate()).expect("SIGTERM handler installs");
        async move {
            tokio::select! {
                _ = interrupt.recv() => {}
                _ = terminate.recv() => {}
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// The senders besides chat, as the configuration enables them: the composition root is the one
/// place that knows both the engine's ports and the adapters implementing them.
fn senders(config: &Config) -> Senders {
    Senders {
        webhook: Arc::new(WebhookSender::new()),
        email: config
            .email
            .as_ref()
            .and_then(EmailSender::new)
            .map(|sender| Arc::new(sender) as Arc<dyn EmailPort>),
        pager: config
            .paging
            .as_ref()
            .map(|paging| Arc::new(PagerSender::new(paging)) as Arc<dyn PagerPort>),
    }
}
