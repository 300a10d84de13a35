//! Socket Mode: instead of public HTTP endpoints, a WebSocket opened with `apps.connections.open`
//! (app-level token). Every envelope is acknowledged by its `envelope_id`, handled by the same
//! code as HTTP; the connection is reopened with backoff when it drops, and closed on shutdown.
//! Our own loop rather than slack-morphism's `SlackClientSocketModeListener`: that listener
//! acknowledges before the handler has stored the event (a crash would lose it) and does not
//! bound how long a silent connection is trusted. This one pings, gives up on a link that has
//! said nothing for `silent_after`, bounds connecting, and reports the link to `/healthz`.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use thiserror::Error;
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message;
use tracing::{info, warn};

use super::api::ApiError;
use super::commands::SlashCommand;
use super::reply::Ack;
use super::Adapter;

const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const MAX_BACKOFF: Duration = Duration::from_secs(60);
/// The name `/healthz` gives this link.
const LINK: &str = "Slack Socket Mode";

/// How often we ping, and how long a connection may say nothing (no frame, no pong) before it
/// is presumed half-open and replaced: well within the minute the link may be down unnoticed.
static PING_EVERY_MS: AtomicU64 = AtomicU64::new(15_000);
static SILENT_AFTER_MS: AtomicU64 = AtomicU64::new(40_000);
/// Opening `apps.connections.open` and the WebSocket handshake, each.
static CONNECT_TIMEOUT_MS: AtomicU64 = AtomicU64::new(10_000);

/// Tests shorten the timings so a half-open link is noticed in a fraction of a second.
#[doc(hidden)]
pub fn set_timings(ping_every: Duration, silent_after: Duration, connect_timeout: Duration) {
    PING_EVERY_MS.store(ping_every.as_millis() as u64, Ordering::Relaxed);
    SILENT_AFTER_MS.store(silent_after.as_millis() as u64, Ordering::Relaxed);
    CONNECT_TIMEOUT_MS.store(connect_timeout.as_millis() as u64, Ordering::Relaxed);
}

fn millis(setting: &AtomicU64) -> Duration {
    Duration::from_millis(setting.load(Ordering::Relaxed))
}

#[derive(Debug, Error)]
enum SocketError {
    #[error("apps.connections.open failed: {0}")]
    Open(#[from] ApiError),
    #[error("the Socket Mode WebSocket failed: {0}")]
    WebSocket(#[from] tokio_tungstenite::tungstenite::Error),
    #[error("connecting took longer than {0:?}")]
    ConnectTimeout(Duration),
    #[error("the connection said nothing for {0:?} (half-open); replacing it")]
    Silent(Duration),
}

/// How a connection ended.
enum Ended {
    Shutdown,
    /// Slack asked us to reconnect, or the connection closed after a `hello`.
    Disconnected,
}

/// Keeps a Socket Mode connection open until `shutdown` turns true.
pub(super) async fn run(adapter: Arc<Adapter>, mut shutdown: watch::Receiver<bool>) {
    let mut backoff = FIRST_BACKOFF;
    let links = adapter.engine.links();
    links.down(LINK);
    loop {
        if *shutdown.borrow() {
            links.up(LINK);
            return;
        }
        let result = connection(&adapter, &mut shutdown).await;
        links.down(LINK);
        match result {
            Ok(Ended::Shutdown) => {
                info!("Socket Mode closed for shutdown");
                links.up(LINK);
                return;
            }
            Ok(Ended::Disconnected) => {
                info!("Socket Mode connection ended; reconnecting");
                backoff = FIRST_BACKOFF;
            }
            Err(error) => {
                warn!(%error, retry_in_ms = backoff.as_millis() as u64, "Socket Mode connection failed");
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(backoff) => {}
            _ = shutdown.changed() => {}
        }
        backoff = (backoff * 2).min(MAX_BACKOFF);
    }
}

async fn connection(
    adapter: &Arc<Adapter>,
    shutdown: &mut watch::Receiver<bool>,
) -> Result<Ended, SocketError> {
    let limit = millis(&CONNECT_TIMEOUT_MS);
    let url = tokio::time::timeout(limit, adapter.api.open_socket())
        .await
        .map_err(|_| SocketError::ConnectTimeout(limit))??;
    let (socket, _) = tokio::time::timeout(limit, tokio_tungstenite::connect_async(url.as_str()))
        .await
        .map_err(|_| SocketError::ConnectTimeout(limit))??;
    let (mut sink, mut stream) = socket.split();
    let (acks, mut pending) = mpsc::channel::<Value>(64);
    let silent_after = millis(&SILENT_AFTER_MS);
    let mut ping = tokio::time::interval(millis(&PING_EVERY_MS));
    ping.tick().await;
    let mut last_heard = tokio::time::Instant::now();
    loop {
        let silence = tokio::time::sleep_until(last_heard + silent_after);
        tokio::select! {
            _ = silence => return Err(SocketError::Silent(silent_after)),
            _ = ping.tick() => sink.send(Message::Ping(Vec::new().into())).await?,
            changed = shutdown.changed() => {
                if changed.is_err() || *shutdown.borrow() {
                    let _ = sink.send(Message::Close(None)).await;
                    return Ok(Ended::Shutdown);
                }
            }
            Some(ack) = pending.recv() => {
                sink.send(Message::Text(ack.to_string().into())).await?;
            }
            frame = stream.next() => {
                if let Some(Ok(_)) = frame {
                    // Any frame (a pong included) shows the link is alive.
                    last_heard = tokio::time::Instant::now();
                }
                match frame {
                None | Some(Ok(Message::Close(_))) => return Ok(Ended::Disconnected),
                Some(Err(error)) => return Err(error.into()),
                Some(Ok(Message::Ping(data))) => sink.send(Message::Pong(data)).await?,
                Some(Ok(Message::Text(text))) => {
                    let Ok(envelope) = serde_json::from_str::<Value>(text.as_str()) else {
                        warn!("Socket Mode sent a frame that is not JSON");
                        continue;
                    };
                    match envelope.get("type").and_then(Value::as_str) {
                        Some("hello") => {
                            info!("Socket Mode connected");
                            adapter.engine.links().up(LINK);
                        }
                        Some("disconnect") => return Ok(Ended::Disconnected),
                        _ => spawn_envelope(adapter.clone(), envelope, acks.clone()),
                    }
                }
                Some(Ok(_)) => {}
                }
            }
        }
    }
}

/// Handles one envelope in its own task and queues its acknowledgement.
fn spawn_envelope(adapter: Arc<Adapter>, envelope: Value, acks: mpsc::Sender<Value>) {
    let Some(id) = envelope
        .get("envelope_id")
        .and_then(Value::as_str)
        .map(str::to_owned)
    else {
        return;
    };
    tokio::spawn(async move {
        let Some(ack) = handle(&adapter, &envelope).await else {
            return;
        };
        let mut frame = json!({ "envelope_id": id });
        let accepts_payload = envelope
            .get("accepts_response_payload")
            .and_then(Value::as_bool)
            .unwrap_or(false);
        if let (Ack::Json(payload), true) = (ack, accepts_payload) {
            frame["payload"] = payload;
        }
        let _ = acks.send(frame).await;
    });
}

/// The same handlers as HTTP; `None` leaves the envelope unacknowledged so Slack retries it.
/// The envelope is read here rather than as slack-morphism's `SlackSocketModeEvent`, whose
/// variants type the payload eagerly: its event model drops a message's text when any part of
/// the message does not match it (see `events.rs`), and the HTTP handlers already type each
/// payload with the care it needs.
async fn handle(adapter: &Arc<Adapter>, envelope: &Value) -> Option<Ack> {
    let payload = envelope.get("payload").cloned().unwrap_or_default();
    match envelope.get("type").and_then(Value::as_str) {
        Some("slash_commands") => match SlashCommand::from_payload(payload) {
            Ok(slash) => Some(adapter.slash_command(slash).await),
            Err(error) => {
                warn!(%error, "malformed slash command envelope");
                Some(Ack::Empty)
            }
        },
        Some("interactive") => Some(adapter.interaction(payload).await),
        Some("events_api") => {
            let retry = envelope
                .get("retry_attempt")
                .and_then(Value::as_u64)
                .filter(|n| *n > 0)
                .map(|n| n.to_string());
            match adapter.event(payload, retry.as_deref()).await {
                Ok(ack) => Some(ack),
                Err(error) => {
                    warn!(%error, "could not record the event; Slack will send it again");
                    None
                }
            }
        }
        _ => Some(Ack::Empty),
    }
}
