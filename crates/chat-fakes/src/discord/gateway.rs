//! A fake Discord gateway: HELLO, IDENTIFY → READY, heartbeats, dispatches pushed by the test,
//! and RESUME with replay of missed events after a disconnect.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use axum::extract::ws::{CloseFrame, Message, WebSocket};
use serde_json::{json, Map, Value};
use tokio::sync::watch;

use super::state::{bot_user, APPLICATION_ID};
use crate::server::lock;

/// Intents Discord treats as privileged: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT.
const PRIVILEGED: u64 = (1 << 1) | (1 << 8) | (1 << 15);

#[derive(Debug, Default)]
struct Sessions {
    current: Option<(String, Vec<Value>)>,
    pending: Vec<(String, Value)>,
    count: u64,
}

/// Shared state of the fake gateway.
#[derive(Debug)]
pub(crate) struct GatewayHub {
    sessions: Mutex<Sessions>,
    version: watch::Sender<u64>,
    kick: watch::Sender<u64>,
    pub(crate) identifies: Mutex<Vec<Value>>,
    pub(crate) resumes: Mutex<Vec<Value>>,
    pub(crate) connections: AtomicUsize,
    pub(crate) heartbeats: AtomicUsize,
    pub(crate) heartbeat_interval: AtomicU64,
    pub(crate) privileged_allowed: AtomicU64,
    pub(crate) url: String,
    pub(crate) token: String,
    pub(crate) guilds: Mutex<Vec<String>>,
}

impl GatewayHub {
    pub(crate) fn new(url: String, token: String, guilds: Vec<String>) -> Self {
        GatewayHub {
            sessions: Mutex::default(),
            version: watch::channel(0).0,
            kick: watch::channel(0).0,
            identifies: Mutex::default(),
            resumes: Mutex::default(),
            connections: AtomicUsize::new(0),
            heartbeats: AtomicUsize::new(0),
            heartbeat_interval: AtomicU64::new(41_250),
            privileged_allowed: AtomicU64::new(PRIVILEGED),
            url,
            token,
            guilds: Mutex::new(guilds),
        }
    }

    /// Queues a dispatch (op 0) for the current session, or for the next READY.
    pub(crate) fn dispatch(&self, event: &str, data: Value) {
        let mut s = lock(&self.sessions);
        match &mut s.current {
            Some((_, log)) => push_frame(log, event, data),
            None => s.pending.push((event.to_string(), data)),
        }
        drop(s);
        self.version.send_modify(|v| *v += 1);
    }

    /// Closes every connection with 4000 (resumable), as when Discord drops a connection.
    pub(crate) fn disconnect(&self) {
        self.kick.send_modify(|v| *v += 1);
    }

    pub(crate) fn session_id(&self) -> Option<String> {
        lock(&self.sessions)
            .current
            .as_ref()
            .map(|(id, _)| id.clone())
    }

    fn start_session(&self, shard: Option<Value>) -> String {
        let mut s = lock(&self.sessions);
        s.count += 1;
        let id = format!("fakesession{:04}", s.count);
        let guilds: Vec<Value> = lock(&self.guilds)
            .iter()
            .map(|g| json!({"id": g, "unavailable": true}))
            .collect();
        let mut ready = json!({
            "v": 10, "user": bot_user(), "guilds": guilds, "session_id": id, "session_type": "normal",
            "resume_gateway_url": self.url, "application": {"id": APPLICATION_ID, "flags": 0},
            "private_channels": [], "presences": [], "relationships": [], "geo_ordered_rtc_regions": [], "auth": {},
        });
        if let Some(shard) = shard {
            ready["shard"] = shard;
        }
        let mut log = Vec::new();
        push_frame(&mut log, "READY", ready);
        for (event, data) in std::mem::take(&mut s.pending) {
            push_frame(&mut log, &event, data);
        }
        s.current = Some((id.clone(), log));
        id
    }

    fn resume(&self, session_id: &str) -> bool {
        let mut s = lock(&self.sessions);
        match &mut s.current {
            Some((id, log)) if id == session_id => {
                push_frame(log, "RESUMED", json!({}));
                true
            }
            _ => false,
        }
    }

    fn frames_after(&self, session_id: &str, seq: u64) -> Vec<Value> {
        match &lock(&self.sessions).current {
            Some((id, log)) if id == session_id => log.iter().skip(seq as usize).cloned().collect(),
            _ => Vec::new(),
        }
    }

    fn token_ok(&self, token: Option<&str>) -> bool {
        token
            .is_some_and(|t| t == self.token || t.strip_prefix("Bot ") == Some(self.token.as_str()))
    }
}

fn push_frame(log: &mut Vec<Value>, event: &str, data: Value) {
    let s = log.len() + 1;
    log.push(json!({"op": 0, "t": event, "s": s, "d": data}));
}

enum Step {
    Reply(Value),
    Close(u16, &'static str),
    Nothing,
}

struct Conn {
    session: Option<String>,
    sent: u64,
}

/// Runs one gateway connection.
pub(crate) async fn run_connection(
    mut ws: WebSocket,
    hub: std::sync::Arc<GatewayHub>,
    query: Map<String, Value>,
) {
    hub.connections.fetch_add(1, Ordering::SeqCst);
    if query.get("v").is_some_and(|v| v != "10") {
        return close(&mut ws, 4012, "Invalid API version").await;
    }
    if query.get("encoding").is_some_and(|e| e != "json") {
        return close(&mut ws, 4002, "The fake gateway speaks JSON only").await;
    }
    let interval = hub.heartbeat_interval.load(Ordering::SeqCst);
    if send(
        &mut ws,
        &json!({"op": 10, "s": null, "t": null, "d": {"heartbeat_interval": interval}}),
    )
    .await
    .is_err()
    {
        return;
    }
    let mut version = hub.version.subscribe();
    let mut kick = hub.kick.subscribe();
    kick.borrow_and_update();
    let mut conn = Conn {
        session: None,
        sent: 0,
    };
    loop {
        tokio::select! {
            incoming = ws.recv() => match incoming {
                Some(Ok(Message::Text(text))) => match step(&hub, &mut conn, text.as_str()) {
                    Step::Reply(v) => if send(&mut ws, &v).await.is_err() { return },
                    Step::Close(code, reason) => return close(&mut ws, code, reason).await,
                    Step::Nothing => {}
                },
                Some(Ok(Message::Binary(_))) => return close(&mut ws, 4002, "Decode error").await,
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {}
            },
            _ = version.changed() => {}
            _ = kick.changed() => return close(&mut ws, 4000, "Unknown error").await,
        }
        if let Some(session) = &conn.session {
            for frame in hub.frames_after(session, conn.sent) {
                if send(&mut ws, &frame).await.is_err() {
                    return;
                }
                conn.sent += 1;
            }
        }
    }
}

fn step(hub: &GatewayHub, conn: &mut Conn, text: &str) -> Step {
    let Ok(frame) = serde_json::from_str::<Value>(text) else {
        return Step::Close(4002, "Decode error");
    };
    let d = frame.get("d").cloned().unwrap_or(Value::Null);
    match frame.get("op").and_then(Value::as_u64) {
        Some(1) => {
            hub.heartbeats.fetch_add(1, Ordering::SeqCst);
            Step::Reply(json!({"op": 11, "s": null, "t": null, "d": null}))
        }
        Some(2) if conn.session.is_some() => Step::Close(4005, "Already authenticated."),
        Some(2) => identify(hub, conn, d),
        Some(6) if conn.session.is_some() => Step::Close(4005, "Already authenticated."),
        Some(6) => {
            lock(&hub.resumes).push(d.clone());
            if !hub.token_ok(d.get("token").and_then(Value::as_str)) {
                return Step::Close(4004, "Authentication failed.");
            }
            let session = d.get("session_id").and_then(Value::as_str).unwrap_or("");
            let seq = d.get("seq").and_then(Value::as_u64).unwrap_or(0);
            if hub.resume(session) {
                conn.session = Some(session.to_string());
                conn.sent = seq;
                Step::Nothing
            } else {
                Step::Reply(json!({"op": 9, "s": null, "t": null, "d": false}))
            }
        }
        Some(3 | 4 | 8 | 31) if conn.session.is_some() => Step::Nothing,
        Some(3 | 4 | 8 | 31) => Step::Close(4003, "Not authenticated."),
        _ => Step::Close(4001, "Unknown opcode."),
    }
}

fn identify(hub: &GatewayHub, conn: &mut Conn, d: Value) -> Step {
    lock(&hub.identifies).push(d.clone());
    if !hub.token_ok(d.get("token").and_then(Value::as_str)) {
        return Step::Close(4004, "Authentication failed.");
    }
    let props_ok = d
        .get("properties")
        .and_then(Value::as_object)
        .is_some_and(|p| {
            ["os", "browser", "device"]
                .iter()
                .all(|k| p.get(*k).is_some_and(Value::is_string))
        });
    if !props_ok {
        return Step::Close(4002, "Decode error");
    }
    let Some(intents) = d.get("intents").and_then(Value::as_u64) else {
        return Step::Close(4013, "Invalid intent(s).");
    };
    if intents & PRIVILEGED & !hub.privileged_allowed.load(Ordering::SeqCst) != 0 {
        return Step::Close(4014, "Disallowed intent(s).");
    }
    let shard = d.get("shard").cloned();
    if let Some(s) = &shard {
        let ok = s.as_array().is_some_and(|a| {
            a.len() == 2 && a[0].as_u64().zip(a[1].as_u64()).is_some_and(|(i, n)| i < n)
        });
        if !ok {
            return Step::Close(4010, "Invalid shard.");
        }
    }
    conn.session = Some(hub.start_session(shard));
    conn.sent = 0;
    Step::Nothing
}

async fn send(ws: &mut WebSocket, v: &Value) -> Result<(), axum::Error> {
    ws.send(Message::Text(v.to_string().into())).await
}

async fn close(ws: &mut WebSocket, code: u16, reason: &'static str) {
    let _ = ws
        .send(Message::Close(Some(CloseFrame {
            code,
            reason: reason.into(),
        })))
        .await;
}
