//! A fake Discord HTTP API (v10) and gateway that accept only what Discord's published API
//! description and live behaviour accept, answer like Discord, and record every call.

mod apps;
mod gateway;
mod messages;
mod rest;
mod schema;
mod schema_errors;
mod spec;
mod state;

use std::collections::{BTreeMap, HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use axum::body::Bytes;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

pub use apps::{InteractionReply, ReplyKind};
use gateway::GatewayHub;
use spec::{BotAuth, DiscordSpec, Lookup, Refusal};
pub use state::{DiscordChannel, DiscordMessage};
use state::{Req, World};

use crate::server::{epoch_secs_f64, lock, parse_form, poll_until, FakeError, Served};

const BOT_TOKEN: &str = "fake-discord-bot-token";

/// A failure to inject into the next call of a route.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// HTTP 429 `{"message":"You are being rate limited.","retry_after":…,"global":false}`
    /// with `Retry-After` and `X-RateLimit-*` headers.
    RateLimited {
        /// Seconds to wait, as Discord sends them (fractional).
        retry_after: f64,
    },
    /// HTTP 500 `{"message":"500: Internal Server Error","code":0}`.
    ServerError,
    /// Waits this long, then answers normally.
    Timeout(Duration),
}

/// One REST call as the fake saw it.
#[derive(Clone, Debug, PartialEq)]
pub struct DiscordCall {
    /// HTTP method.
    pub method: String,
    /// Path below `/api/v10`, e.g. `/channels/123/messages`.
    pub path: String,
    /// The description's template, e.g. `/channels/{channel_id}/messages` (empty if none matched).
    pub template: String,
    /// Values of the template's parameters.
    pub path_params: BTreeMap<String, String>,
    /// Query parameters.
    pub query: Map<String, Value>,
    /// JSON body, if any.
    pub body: Option<Value>,
    /// HTTP status answered.
    pub status: u16,
    /// JSON answered, if any.
    pub response: Option<Value>,
    /// When it arrived.
    pub at: SystemTime,
}

struct Inner {
    spec: Arc<DiscordSpec>,
    world: Mutex<World>,
    calls: Mutex<Vec<DiscordCall>>,
    rejected: Mutex<Vec<DiscordCall>>,
    faults: Mutex<HashMap<(String, String), VecDeque<Fault>>>,
    gateway: Arc<GatewayHub>,
    /// When set, per-route buckets are counted for real (see [`FakeDiscord::enforce_rate_limits`]).
    limits: Mutex<Option<rest::Limits>>,
}

/// The fake Discord server. It stops when dropped.
pub struct FakeDiscord {
    inner: Arc<Inner>,
    addr: SocketAddr,
    _served: Served,
}

impl FakeDiscord {
    /// Starts the fake on `127.0.0.1` on a free port. Panics if it cannot (test support).
    pub async fn start() -> FakeDiscord {
        match Self::try_start().await {
            Ok(fake) => fake,
            Err(e) => panic!("FakeDiscord could not start: {e}"),
        }
    }

    /// Starts the fake on `127.0.0.1` on a free port.
    pub async fn try_start() -> Result<FakeDiscord, FakeError> {
        let spec = DiscordSpec::shared()?;
        let (listener, addr) = Served::bind().await?;
        let gateway_url = format!("ws://{addr}/gateway-ws");
        let gateway = GatewayHub::new(
            gateway_url.clone(),
            BOT_TOKEN.to_string(),
            vec![state::GUILD_ID.to_string()],
        );
        let inner = Arc::new(Inner {
            spec,
            world: Mutex::new(World::new(gateway_url)),
            calls: Mutex::default(),
            rejected: Mutex::default(),
            faults: Mutex::default(),
            gateway: Arc::new(gateway),
            limits: Mutex::default(),
        });
        let router = Router::new()
            .route("/api/v10/{*path}", any(rest::rest))
            .route("/gateway-ws", get(rest::gateway_ws))
            .route("/gateway-ws/", get(rest::gateway_ws))
            .with_state(Arc::clone(&inner));
        Ok(FakeDiscord {
            inner,
            addr,
            _served: Served::serve(listener, router),
        })
    }

    /// Base URL of the REST API, e.g. `http://127.0.0.1:PORT/api/v10` (the bot's `discord.api_url`).
    pub fn api_url(&self) -> String {
        format!("http://{}/api/v10", self.addr)
    }

    /// The origin, e.g. `http://127.0.0.1:PORT`: what serenity's `HttpBuilder::proxy` takes
    /// (serenity replaces `https://discord.com` in `https://discord.com/api/v10/…` with it).
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The gateway WebSocket URL (also answered by `GET /gateway` and `GET /gateway/bot`).
    pub fn gateway_url(&self) -> String {
        format!("ws://{}/gateway-ws", self.addr)
    }

    /// The bot token accepted (`Authorization: Bot <token>`).
    pub fn bot_token(&self) -> &'static str {
        BOT_TOKEN
    }

    /// The application id (also the webhook id of interaction follow-ups).
    pub fn application_id(&self) -> &'static str {
        state::APPLICATION_ID
    }

    /// The bot user's id.
    pub fn bot_user_id(&self) -> &'static str {
        state::BOT_USER_ID
    }

    /// The guild the bot is in from the start.
    pub fn guild_id(&self) -> &'static str {
        state::GUILD_ID
    }

    /// Adds another guild the bot is in (it also appears in READY).
    pub fn add_guild(&self, id: &str, name: &str) {
        lock(&self.inner.world)
            .guilds
            .insert(id.to_string(), name.to_string());
        lock(&self.inner.gateway.guilds).push(id.to_string());
    }

    /// Adds a text channel in [`guild_id`](Self::guild_id).
    pub fn add_channel(&self, id: &str, name: &str) {
        lock(&self.inner.world).add_channel(id, name, 0, state::GUILD_ID, None);
    }

    /// Adds a channel of any type (4 = category) in a guild, optionally under a category.
    pub fn add_channel_of(
        &self,
        guild: &str,
        id: &str,
        name: &str,
        kind: u64,
        parent: Option<&str>,
    ) {
        lock(&self.inner.world).add_channel(id, name, kind, guild, parent);
    }

    /// Every channel, including DMs the bot opened.
    pub fn channels(&self) -> Vec<DiscordChannel> {
        lock(&self.inner.world).channels.values().cloned().collect()
    }

    /// The first channel with this name.
    pub fn channel_named(&self, name: &str) -> Option<DiscordChannel> {
        self.channels().into_iter().find(|c| c.name == name)
    }

    /// Messages in a channel, oldest first: posted ones and interaction replies there.
    pub fn messages_in(&self, channel_id: &str) -> Vec<DiscordMessage> {
        lock(&self.inner.world)
            .messages
            .iter()
            .filter(|m| m.channel_id == channel_id)
            .cloned()
            .collect()
    }

    /// The registered application commands: global when `guild` is `None`.
    pub fn commands(&self, guild: Option<&str>) -> Vec<Value> {
        let world = lock(&self.inner.world);
        match guild {
            Some(g) => world
                .apps
                .guild_commands
                .get(g)
                .cloned()
                .unwrap_or_default(),
            None => world.apps.global_commands.clone(),
        }
    }

    /// Makes an interaction known (its payload's `id`, `token`, `channel_id`), so the bot may
    /// answer it; interactions pushed with `gateway_dispatch("INTERACTION_CREATE", …)` are
    /// registered automatically. Unknown interactions get 404 `Unknown interaction`.
    pub fn register_interaction(&self, payload: &Value) {
        lock(&self.inner.world).apps.register(payload);
    }

    /// Every answer to an interaction (callbacks, follow-ups, edits, deletes), in order.
    pub fn interaction_replies(&self) -> Vec<InteractionReply> {
        lock(&self.inner.world).apps.replies.clone()
    }

    /// Every call that passed validation (including faulted ones and semantic errors).
    pub fn calls(&self) -> Vec<DiscordCall> {
        lock(&self.inner.calls).clone()
    }

    /// Accepted calls of one route, e.g. `("POST", "/channels/{channel_id}/messages")`.
    pub fn calls_to(&self, method: &str, path_template: &str) -> Vec<DiscordCall> {
        lock(&self.inner.calls)
            .iter()
            .filter(|c| c.method == method && c.template == path_template)
            .cloned()
            .collect()
    }

    /// Calls refused before reaching the route: unknown route or method, bad or missing
    /// token, bad path or query parameter, body not matching the description.
    pub fn rejected_calls(&self) -> Vec<DiscordCall> {
        lock(&self.inner.rejected).clone()
    }

    /// Queues a fault for the next valid call of a route; several apply in order.
    /// Counts every bucket for real, as Discord does: a route and its major parameter (channel,
    /// guild, webhook) share `limit` requests per `window` (message creation gets half of it,
    /// so limits differ between routes); the headers count down, and a request beyond the
    /// bucket is answered 429 and recorded in [`Self::rate_limited`].
    pub fn enforce_rate_limits(&self, limit: u32, window: Duration) {
        *lock(&self.inner.limits) = Some(rest::Limits::new(limit, window));
    }

    /// Requests answered 429 because they exceeded an enforced bucket (injected faults excluded).
    pub fn rate_limited(&self) -> usize {
        lock(&self.inner.limits)
            .as_ref()
            .map_or(0, |limits| limits.exceeded)
    }

    /// The lowest `X-RateLimit-Remaining` any enforced bucket answered.
    pub fn lowest_remaining(&self) -> Option<u32> {
        lock(&self.inner.limits)
            .as_ref()
            .and_then(|limits| limits.lowest_remaining)
    }

    pub fn fail_next(&self, method: &str, path_template: &str, fault: Fault) {
        lock(&self.inner.faults)
            .entry((method.to_string(), path_template.to_string()))
            .or_default()
            .push_back(fault);
    }

    /// Sends a dispatch (op 0) to the connected bot, or after its next READY; an
    /// `INTERACTION_CREATE` payload is also registered for answering.
    pub fn gateway_dispatch(&self, event: &str, data: Value) {
        if event == "INTERACTION_CREATE" {
            self.register_interaction(&data);
        }
        self.inner.gateway.dispatch(event, data);
    }

    /// Closes every gateway connection with code 4000 (resumable); the bot should RESUME.
    pub fn gateway_disconnect(&self) {
        self.inner.gateway.disconnect();
    }

    /// IDENTIFY payloads (`d`) received, in order.
    pub fn gateway_identifies(&self) -> Vec<Value> {
        lock(&self.inner.gateway.identifies).clone()
    }

    /// RESUME payloads (`d`) received, in order.
    pub fn gateway_resumes(&self) -> Vec<Value> {
        lock(&self.inner.gateway.resumes).clone()
    }

    /// Gateway connections opened so far.
    pub fn gateway_connections(&self) -> usize {
        self.inner.gateway.connections.load(Ordering::SeqCst)
    }

    /// Heartbeats (op 1) received so far.
    pub fn gateway_heartbeats(&self) -> usize {
        self.inner.gateway.heartbeats.load(Ordering::SeqCst)
    }

    /// The current session id, once a client identified.
    pub fn gateway_session_id(&self) -> Option<String> {
        self.inner.gateway.session_id()
    }

    /// The `heartbeat_interval` sent in HELLO (default 41250 ms, as Discord).
    pub fn set_heartbeat_interval(&self, millis: u64) {
        self.inner
            .gateway
            .heartbeat_interval
            .store(millis, Ordering::SeqCst);
    }

    /// Which privileged intents the application has enabled (bits of GUILD_MEMBERS `1<<1`,
    /// GUILD_PRESENCES `1<<8`, MESSAGE_CONTENT `1<<15`); default all. Others close with 4014.
    pub fn set_privileged_intents(&self, allowed: u64) {
        self.inner
            .gateway
            .privileged_allowed
            .store(allowed, Ordering::SeqCst);
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
