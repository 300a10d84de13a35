//! A fake Slack Web API (plus Socket Mode and `response_url` sinks) that accepts only what the
//! published API description and live Slack accept, answers like Slack, and records every call.

mod api;
mod messages;
mod people;
mod socket;
mod spec;
mod state;

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::server::{lock, parse_form, poll_until, FakeError, Served};
pub use people::{Membership, EXTERNAL_TEAM_ID};
use socket::SocketHub;
use spec::{Body, Rejection, SlackSpec, TokenKind};
pub use state::SlackMessage;
use state::World;

const BOT_TOKEN: &str = "xoxb-test";
const APP_TOKEN: &str = "xapp-test";

/// A failure to inject into the next call of a method.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// HTTP 429 with `Retry-After` (whole seconds) and `{"ok":false,"error":"ratelimited"}`.
    RateLimited {
        /// Value of the `Retry-After` header.
        retry_after_secs: u64,
    },
    /// HTTP 500 with `{"ok":false,"error":"internal_error"}`.
    ServerError,
    /// HTTP 200 with `{"ok":false,"error":<code>}`, e.g. `"channel_not_found"`.
    SlackError(String),
    /// Waits this long, then answers normally.
    Timeout(Duration),
}

/// One call to the Web API as the fake saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct SlackCall {
    /// The method, e.g. `chat.postMessage`.
    pub method: String,
    /// `GET` or `POST`.
    pub http_method: String,
    /// Arguments merged from the query string and the form or JSON body (without `token`).
    pub params: Map<String, Value>,
    /// HTTP status of the answer.
    pub status: u16,
    /// The JSON body of the answer.
    pub response: Value,
    /// The Slack error code when the answer was not `ok`.
    pub error: Option<String>,
    /// When the call arrived.
    pub at: SystemTime,
    /// How long the fake held the answer back (an injected [`Fault::Timeout`]).
    pub held: Option<Duration>,
}

/// A body POSTed to a `response_url` the fake handed out.
#[derive(Clone, Debug, PartialEq)]
pub struct ResponsePost {
    /// The id given to [`FakeSlack::response_url`].
    pub id: String,
    /// The body: parsed JSON, or the `payload` field of a form, or the raw text as a string.
    pub body: Value,
    /// When it arrived.
    pub at: SystemTime,
}

/// A channel as the fake holds it.
#[derive(Clone, Debug, PartialEq)]
pub struct SlackChannel {
    /// `C…` id.
    pub id: String,
    /// Name without `#`.
    pub name: String,
    /// Current topic.
    pub topic: String,
    /// Member user ids, the bot's included once it is in the channel.
    pub members: Vec<String>,
    /// Timestamps of pinned messages, in pin order.
    pub pins: Vec<String>,
    /// Whether it was created private.
    pub is_private: bool,
}

struct Inner {
    spec: Arc<SlackSpec>,
    addr: SocketAddr,
    world: Mutex<World>,
    calls: Mutex<Vec<SlackCall>>,
    rejected: Mutex<Vec<SlackCall>>,
    faults: Mutex<HashMap<String, VecDeque<Fault>>>,
    socket: Arc<SocketHub>,
    response_posts: Mutex<Vec<ResponsePost>>,
}

/// The fake Slack server. It stops when dropped.
pub struct FakeSlack {
    inner: Arc<Inner>,
    _served: Served,
}

impl FakeSlack {
    /// Starts the fake on `127.0.0.1` on a free port. Panics if it cannot (test support).
    pub async fn start() -> FakeSlack {
        match Self::try_start().await {
            Ok(fake) => fake,
            Err(e) => panic!("FakeSlack could not start: {e}"),
        }
    }

    /// Starts the fake on `127.0.0.1` on a free port.
    pub async fn try_start() -> Result<FakeSlack, FakeError> {
        let spec = SlackSpec::shared()?;
        let (listener, addr) = Served::bind().await?;
        let socket_url = format!(
            "ws://{addr}/socket-mode/link/?ticket=fake-ticket&app_id={}",
            state::APP_ID
        );
        let inner = Arc::new(Inner {
            spec,
            addr,
            world: Mutex::new(World::new(socket_url)),
            calls: Mutex::default(),
            rejected: Mutex::default(),
            faults: Mutex::default(),
            socket: Arc::new(SocketHub::default()),
            response_posts: Mutex::default(),
        });
        let router = Router::new()
            .route("/api/{method}", any(api::api))
            .route("/socket-mode/link", get(api::socket_mode))
            .route("/socket-mode/link/", get(api::socket_mode))
            .route("/response-url/{id}", post(api::response_url))
            .with_state(Arc::clone(&inner));
        Ok(FakeSlack {
            inner,
            _served: Served::serve(listener, router),
        })
    }

    /// Base URL of the Web API, e.g. `http://127.0.0.1:PORT/api` (the bot's `slack.api_url`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api", self.inner.addr)
    }

    /// The bot token (`xoxb-…`) the fake accepts.
    pub fn bot_token(&self) -> &'static str {
        BOT_TOKEN
    }

    /// The app-level token (`xapp-…`) `apps.connections.open` accepts.
    pub fn app_token(&self) -> &'static str {
        APP_TOKEN
    }

    /// The workspace id (`T…`) and the bot's user id (`U…`).
    pub fn team_and_bot_user(&self) -> (&'static str, &'static str) {
        (state::TEAM_ID, state::BOT_USER_ID)
    }

    /// Adds a public channel the bot is a member of.
    pub fn add_channel(&self, id: &str, name: &str) {
        lock(&self.inner.world).add_channel(id, name, true);
    }

    /// Adds a public channel the bot has not joined: posting there fails with `not_in_channel`.
    pub fn add_channel_without_bot(&self, id: &str, name: &str) {
        lock(&self.inner.world).add_channel(id, name, false);
    }

    /// Registers a user with a display name (any well-formed `U…` id exists anyway).
    pub fn add_user(&self, id: &str, name: &str) {
        lock(&self.inner.world).add_user(id, name, false);
    }

    /// Registers a guest or a Slack Connect user from another organisation.
    pub fn add_outsider(&self, id: &str, name: &str, membership: Membership) {
        lock(&self.inner.world).add_outsider(id, name, membership);
    }

    /// Registers a user group (`S…`) with its members.
    pub fn add_usergroup(&self, id: &str, members: &[&str]) {
        lock(&self.inner.world).add_usergroup(id, members);
    }

    /// Every channel, by id.
    pub fn channels(&self) -> Vec<SlackChannel> {
        lock(&self.inner.world)
            .channels
            .values()
            .map(|c| SlackChannel {
                id: c.id.clone(),
                name: c.name.clone(),
                topic: c.topic.clone(),
                members: c.members.clone(),
                pins: c.pins.clone(),
                is_private: c.is_private,
            })
            .collect()
    }

    /// The channel with this name, if any.
    pub fn channel_named(&self, name: &str) -> Option<SlackChannel> {
        self.channels().into_iter().find(|c| c.name == name)
    }

    /// Messages visible to everyone in a channel (ephemeral ones excluded), oldest first.
    pub fn messages_in(&self, channel: &str) -> Vec<SlackMessage> {
        self.all_messages(channel)
            .into_iter()
            .filter(|m| m.ephemeral_to.is_none())
            .collect()
    }

    /// Ephemeral messages posted in a channel, oldest first.
    pub fn ephemerals_in(&self, channel: &str) -> Vec<SlackMessage> {
        self.all_messages(channel)
            .into_iter()
            .filter(|m| m.ephemeral_to.is_some())
            .collect()
    }

    fn all_messages(&self, channel: &str) -> Vec<SlackMessage> {
        lock(&self.inner.world)
            .messages
            .iter()
            .filter(|m| m.channel == channel)
            .cloned()
            .collect()
    }

    /// Views opened, pushed, updated or published, as last stored (with `id`).
    pub fn views(&self) -> Vec<Value> {
        lock(&self.inner.world).views.values().cloned().collect()
    }

    /// Every call that passed validation (including ones answered with an error or a fault).
    pub fn calls(&self) -> Vec<SlackCall> {
        lock(&self.inner.calls).clone()
    }

    /// Accepted calls of one method.
    pub fn calls_to(&self, method: &str) -> Vec<SlackCall> {
        lock(&self.inner.calls)
            .iter()
            .filter(|c| c.method == method)
            .cloned()
            .collect()
    }

    /// Calls refused before reaching the method: unknown method, wrong verb or encoding,
    /// missing or wrong token, unknown, missing or mistyped arguments.
    pub fn rejected_calls(&self) -> Vec<SlackCall> {
        lock(&self.inner.rejected).clone()
    }

    /// Queues a fault for the next valid call of `method`; several apply in order.
    pub fn fail_next(&self, method: &str, fault: Fault) {
        lock(&self.inner.faults)
            .entry(method.to_string())
            .or_default()
            .push_back(fault);
    }

    /// Pushes a Socket Mode envelope (`{"type":"slash_commands","payload":…}` etc.) to the
    /// next open connection, now or when one opens. Returns its `envelope_id`.
    pub fn socket_send(&self, envelope: Value) -> String {
        self.inner.socket.push(envelope)
    }

    /// Acknowledgement frames received (`{"envelope_id":…, "payload"?:…}`), in order.
    pub fn socket_acks(&self) -> Vec<Value> {
        lock(&self.inner.socket.acks).clone()
    }

    /// Sends `{"type":"disconnect","reason":"refresh_requested"}` to every open connection
    /// and closes it.
    pub fn socket_disconnect(&self) {
        self.inner.socket.disconnect_all();
    }

    /// Every open Socket Mode connection stops answering (pings included) without closing.
    pub fn socket_go_silent(&self) {
        self.inner.socket.silence_all();
    }

    /// How many Socket Mode connections were opened so far.
    pub fn socket_connections(&self) -> usize {
        self.inner.socket.connections.load(Ordering::SeqCst)
    }

    /// How many Socket Mode connections are open now.
    pub fn socket_open_connections(&self) -> usize {
        self.inner.socket.open.load(Ordering::SeqCst)
    }

    /// A `response_url` on the fake that records what is POSTed to it.
    pub fn response_url(&self, id: &str) -> String {
        format!("http://{}/response-url/{id}", self.inner.addr)
    }

    /// Bodies POSTed to the fake's response URLs, in order.
    pub fn response_posts(&self) -> Vec<ResponsePost> {
        lock(&self.inner.response_posts).clone()
    }

    /// Waits (polling every 10 ms) until `condition` holds or `timeout` passes.
    pub async fn wait_until(
        &self,
        timeout: Duration,
        mut condition: impl FnMut(&Self) -> bool,
    ) -> bool {
        poll_until(timeout, || condition(self)).await
    }
}
