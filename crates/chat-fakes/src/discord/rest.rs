//! The REST entry point: route lookup, token and schema checks, injected faults, rate-limit
//! headers, and the gateway upgrade.

use super::*;
use std::time::Instant;

pub(super) async fn gateway_ws(
    State(inner): State<Arc<Inner>>,
    RawQuery(query): RawQuery,
    upgrade: WebSocketUpgrade,
) -> Response {
    let hub = Arc::clone(&inner.gateway);
    let query = query.as_deref().map(parse_form).unwrap_or_default();
    upgrade.on_upgrade(move |ws| gateway::run_connection(ws, hub, query))
}

fn answer(status: u16, body: Option<&Value>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match body {
        Some(b) => (code, Json(b.clone())).into_response(),
        None => code.into_response(),
    }
}

fn set_header(r: &mut Response, name: &'static str, value: String) {
    if let Ok(v) = HeaderValue::from_str(&value) {
        r.headers_mut().insert(HeaderName::from_static(name), v);
    }
}

/// Real bucket counting, on when a test asks for it.
pub(super) struct Limits {
    limit: u32,
    window: Duration,
    buckets: HashMap<String, (u32, Instant)>,
    pub(super) exceeded: usize,
    pub(super) lowest_remaining: Option<u32>,
}

impl Limits {
    pub(super) fn new(limit: u32, window: Duration) -> Self {
        Self {
            limit,
            window,
            buckets: HashMap::new(),
            exceeded: 0,
            lowest_remaining: None,
        }
    }

    /// Takes one request from the bucket of `method template` with its major parameter: the
    /// bucket's limit, what is left and when it resets, or `None` when it is empty.
    fn take(&mut self, key: String, message_route: bool) -> (u32, Option<u32>, f64) {
        let limit = if message_route {
            self.limit.div_ceil(2).max(1)
        } else {
            self.limit
        };
        let now = Instant::now();
        let (used, reset_at) = self
            .buckets
            .entry(key)
            .and_modify(|(used, reset_at)| {
                if *reset_at <= now {
                    *used = 0;
                    *reset_at = now + self.window;
                }
            })
            .or_insert((0, now + self.window));
        let reset_after = reset_at.saturating_duration_since(now).as_secs_f64();
        if *used >= limit {
            self.exceeded += 1;
            return (limit, None, reset_after);
        }
        *used += 1;
        let remaining = limit - *used;
        self.lowest_remaining = Some(
            self.lowest_remaining
                .map_or(remaining, |l| l.min(remaining)),
        );
        (limit, Some(remaining), reset_after)
    }
}

/// The major parameter that splits a route's bucket (Discord: channel, guild or webhook id).
fn major_parameter(params: &BTreeMap<String, String>) -> String {
    ["channel_id", "guild_id", "webhook_id"]
        .iter()
        .find_map(|name| params.get(*name).cloned())
        .unwrap_or_default()
}

fn rate_headers(r: &mut Response, template: &str, remaining: u32, reset_after: f64) {
    rate_headers_with_limit(r, template, 5, remaining, reset_after);
}

fn rate_headers_with_limit(
    r: &mut Response,
    template: &str,
    limit: u32,
    remaining: u32,
    reset_after: f64,
) {
    set_header(r, "x-ratelimit-limit", limit.to_string());
    set_header(r, "x-ratelimit-remaining", remaining.to_string());
    set_header(
        r,
        "x-ratelimit-reset",
        format!("{:.3}", epoch_secs_f64() + reset_after),
    );
    set_header(r, "x-ratelimit-reset-after", format!("{reset_after:.3}"));
    let bucket: u64 = template.bytes().fold(1469598103934665603u64, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(1099511628211)
    });
    set_header(r, "x-ratelimit-bucket", format!("{bucket:016x}"));
}

pub(super) async fn rest(
    State(inner): State<Arc<Inner>>,
    Path(path): Path<String>,
    method: Method,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let path = format!("/{path}");
    let query = query.as_deref().map(parse_form).unwrap_or_default();
    let mut call = DiscordCall {
        method: method.to_string(),
        path: path.clone(),
        template: String::new(),
        path_params: BTreeMap::new(),
        query: query.clone(),
        body: serde_json::from_slice(&body).ok(),
        status: 0,
        response: None,
        at: SystemTime::now(),
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let checked = match inner.spec.lookup(&method, &path) {
        Lookup::NotFound => Err(Refusal::new(404, 0, "404: Not Found")),
        Lookup::MethodNotAllowed => Err(Refusal::new(405, 0, "405: Method Not Allowed")),
        Lookup::Found(op, params) => {
            call.template = op.template.clone();
            call.path_params = params.clone();
            let auth = headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok());
            let bot_ok = auth == Some(format!("Bot {BOT_TOKEN}").as_str());
            let auth_refused = match op.auth {
                BotAuth::Required => !bot_ok,
                BotAuth::Optional => auth.is_some() && !bot_ok,
                BotAuth::NotAccepted => true,
            };
            if auth_refused {
                Err(Refusal::new(401, 0, "401: Unauthorized"))
            } else {
                inner.spec.check(op, &params, &query, &content_type, &body)
            }
        }
    };
    let parsed = match checked {
        Err(refusal) => {
            call.status = refusal.status;
            call.response = Some(refusal.body.clone());
            lock(&inner.rejected).push(call);
            return answer(refusal.status, Some(&refusal.body));
        }
        Ok(parsed) => parsed,
    };
    let fault = lock(&inner.faults)
        .get_mut(&(call.method.clone(), call.template.clone()))
        .and_then(VecDeque::pop_front);
    let mut response = match fault {
        Some(Fault::RateLimited { retry_after }) => {
            let body = json!({"message": "You are being rate limited.", "retry_after": retry_after, "global": false});
            call.status = 429;
            call.response = Some(body.clone());
            let mut r = answer(429, Some(&body));
            rate_headers(&mut r, &call.template, 0, retry_after);
            set_header(
                &mut r,
                "retry-after",
                format!("{}", retry_after.ceil() as u64),
            );
            set_header(&mut r, "x-ratelimit-scope", "user".into());
            lock(&inner.calls).push(call);
            return r;
        }
        Some(Fault::ServerError) => {
            let body = json!({"message": "500: Internal Server Error", "code": 0});
            call.status = 500;
            call.response = Some(body.clone());
            lock(&inner.calls).push(call);
            return answer(500, Some(&body));
        }
        Some(Fault::Timeout(delay)) => {
            tokio::time::sleep(delay).await;
            run_route(&inner, &mut call, parsed.as_ref())
        }
        None => {
            let key = format!(
                "{} {} {}",
                call.method,
                call.template,
                major_parameter(&call.path_params)
            );
            let message_route = call.method == "POST" && call.template.ends_with("/messages");
            let counted = lock(&inner.limits)
                .as_mut()
                .map(|limits| limits.take(key, message_route));
            match counted {
                Some((limit, None, reset_after)) => {
                    let body = json!({"message": "You are being rate limited.", "retry_after": reset_after, "global": false});
                    call.status = 429;
                    call.response = Some(body.clone());
                    let mut r = answer(429, Some(&body));
                    rate_headers_with_limit(&mut r, &call.template, limit, 0, reset_after);
                    set_header(
                        &mut r,
                        "retry-after",
                        format!("{}", reset_after.ceil() as u64),
                    );
                    set_header(&mut r, "x-ratelimit-scope", "user".into());
                    lock(&inner.calls).push(call);
                    return r;
                }
                Some((limit, Some(remaining), reset_after)) => {
                    let mut r = run_route(&inner, &mut call, parsed.as_ref());
                    rate_headers_with_limit(&mut r, &call.template, limit, remaining, reset_after);
                    lock(&inner.calls).push(call);
                    return r;
                }
                None => run_route(&inner, &mut call, parsed.as_ref()),
            }
        }
    };
    rate_headers(&mut response, &call.template, 4, 1.0);
    lock(&inner.calls).push(call);
    response
}

fn run_route(inner: &Inner, call: &mut DiscordCall, body: Option<&Value>) -> Response {
    let req = Req {
        method: &call.method,
        template: &call.template,
        params: &call.path_params,
        query: &call.query,
        body,
    };
    let (status, out) = match lock(&inner.world).handle(&req) {
        Ok((status, out)) => (status, out),
        Err(refusal) => (refusal.status, Some(refusal.body)),
    };
    call.status = status;
    call.response = out.clone();
    answer(status, out.as_ref())
}
