//! Socket Mode: the WebSocket Slack opens for apps that use an app-level token instead of a
//! public HTTP endpoint. It greets with `hello`, pushes envelopes and expects
//! `{"envelope_id": …}` acknowledgements.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{json, Value};
use tokio::sync::{broadcast, Notify};

use super::state::APP_ID;
use crate::server::lock;

/// Shared state of every Socket Mode connection to one fake.
#[derive(Debug)]
pub(crate) struct SocketHub {
    queue: Mutex<VecDeque<Value>>,
    wake: Notify,
    disconnect: broadcast::Sender<()>,
    /// Connections that stop reading and writing without closing: a half-open link.
    silence: broadcast::Sender<()>,
    pub(crate) acks: Mutex<Vec<Value>>,
    pub(crate) connections: AtomicUsize,
    pub(crate) open: AtomicUsize,
    next_envelope: AtomicUsize,
}

impl Default for SocketHub {
    fn default() -> Self {
        SocketHub {
            queue: Mutex::new(VecDeque::new()),
            wake: Notify::new(),
            disconnect: broadcast::channel(8).0,
            silence: broadcast::channel(8).0,
            acks: Mutex::new(Vec::new()),
            connections: AtomicUsize::new(0),
            open: AtomicUsize::new(0),
            next_envelope: AtomicUsize::new(0),
        }
    }
}

impl SocketHub {
    /// Queues an envelope for the next open connection (or the next one to open), filling in
    /// `envelope_id` and `accepts_response_payload` when the test left them out.
    pub(crate) fn push(&self, mut envelope: Value) -> String {
        let n = self.next_envelope.fetch_add(1, Ordering::SeqCst) + 1;
        let id = match envelope.get("envelope_id").and_then(Value::as_str) {
            Some(id) => id.to_string(),
            None => format!("fake-envelope-{n}"),
        };
        if let Some(obj) = envelope.as_object_mut() {
            obj.insert("envelope_id".into(), json!(id));
            obj.entry("accepts_response_payload")
                .or_insert(json!(false));
        }
        lock(&self.queue).push_back(envelope);
        self.wake.notify_one();
        id
    }

    /// Sends `disconnect` to every open connection and closes it, as Slack does before it
    /// rotates its servers; the client is expected to open a new connection.
    pub(crate) fn disconnect_all(&self) {
        let _ = self.disconnect.send(());
    }

    /// Every open connection goes quiet: no frames, no pongs, the TCP connection left open, as
    /// when a NAT or proxy between the app and Slack forgets the flow.
    pub(crate) fn silence_all(&self) {
        let _ = self.silence.send(());
    }

    fn pop(&self) -> Option<Value> {
        lock(&self.queue).pop_front()
    }

    fn requeue(&self, envelope: Value) {
        lock(&self.queue).push_front(envelope);
        self.wake.notify_one();
    }
}

/// Runs one Socket Mode connection until either side closes it.
pub(crate) async fn run_connection(mut socket: WebSocket, hub: Arc<SocketHub>) {
    hub.connections.fetch_add(1, Ordering::SeqCst);
    let open = hub.open.fetch_add(1, Ordering::SeqCst) + 1;
    let mut disconnect = hub.disconnect.subscribe();
    let mut silence = hub.silence.subscribe();
    let hello = json!({
        "type": "hello",
        "num_connections": open,
        "debug_info": {
            "host": "applink-fake",
            "build_number": 1,
            "approximate_connection_time": 18060
        },
        "connection_info": {"app_id": APP_ID}
    });
    if socket
        .send(Message::Text(hello.to_string().into()))
        .await
        .is_ok()
    {
        let silenced = tokio::select! {
            _ = serve(&mut socket, &hub, &mut disconnect) => false,
            _ = silence.recv() => true,
        };
        if silenced {
            hub.open.fetch_sub(1, Ordering::SeqCst);
            // Hold the socket without reading it (reading would answer pings) until the fake stops.
            let _held = socket;
            std::future::pending::<()>().await;
            return;
        }
    }
    hub.open.fetch_sub(1, Ordering::SeqCst);
}

async fn serve(socket: &mut WebSocket, hub: &SocketHub, disconnect: &mut broadcast::Receiver<()>) {
    loop {
        while let Some(envelope) = hub.pop() {
            if socket
                .send(Message::Text(envelope.to_string().into()))
                .await
                .is_err()
            {
                hub.requeue(envelope);
                return;
            }
        }
        tokio::select! {
            _ = hub.wake.notified() => {}
            _ = disconnect.recv() => {
                let bye = json!({
                    "type": "disconnect",
                    "reason": "refresh_requested",
                    "debug_info": {"host": "applink-fake"}
                });
                let _ = socket.send(Message::Text(bye.to_string().into())).await;
                let _ = socket
                    .send(Message::Close(Some(CloseFrame { code: 1000, reason: "refresh".into() })))
                    .await;
                return;
            }
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if let Ok(frame) = serde_json::from_str::<Value>(text.as_str()) {
                        if frame.get("envelope_id").is_some() {
                            lock(&hub.acks).push(frame);
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
        }
    }
}
