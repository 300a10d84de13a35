//! A fake PagerDuty Events API v2 on loopback: `POST /v2/enqueue` validates each event the way
//! PagerDuty documents it (routing key, event action, dedup key, the trigger's payload, links and
//! images, no unknown top-level fields), answers 202 or 400 in PagerDuty's shapes, can be told to
//! answer 429 or 5xx next, and records every event it accepted.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde_json::{json, Map, Value};

use crate::server::Served;
use crate::FakeError;

/// An Events API v2 integration key is 32 characters.
pub const ROUTING_KEY_LEN: usize = 32;
pub const MAX_DEDUP_KEY: usize = 255;
pub const MAX_SUMMARY: usize = 1024;
const TOP_LEVEL: [&str; 8] = [
    "routing_key",
    "event_action",
    "dedup_key",
    "payload",
    "images",
    "links",
    "client",
    "client_url",
];
const ACTIONS: [&str; 3] = ["trigger", "acknowledge", "resolve"];
const SEVERITIES: [&str; 4] = ["critical", "error", "warning", "info"];

/// One request as the fake answered it.
#[derive(Debug, Clone)]
pub struct PagerCall {
    /// The body, parsed (a JSON string holding the raw text when it was not JSON).
    pub body: Value,
    pub status: u16,
}

#[derive(Default)]
struct Inner {
    /// Answers for the next requests, before validation: status and optional `Retry-After`.
    script: VecDeque<(u16, Option<u64>)>,
    calls: Vec<PagerCall>,
    accepted: Vec<Value>,
    /// Keys generated for triggers sent without a `dedup_key`.
    generated: u64,
}

/// The fake; it serves until the last clone is dropped.
#[derive(Clone)]
pub struct FakePagerDuty {
    inner: Arc<Mutex<Inner>>,
    addr: SocketAddr,
    _served: Arc<Served>,
}

impl FakePagerDuty {
    pub async fn start() -> Result<Self, FakeError> {
        let (listener, addr) = Served::bind().await?;
        let inner = Arc::new(Mutex::new(Inner::default()));
        let router = Router::new()
            .route("/v2/enqueue", post(enqueue))
            .with_state(inner.clone());
        let served = Served::serve(listener, router);
        Ok(Self {
            inner,
            addr,
            _served: Arc::new(served),
        })
    }

    /// The enqueue URL, for `paging.pagerduty_url`.
    pub fn url(&self) -> String {
        format!("http://{}/v2/enqueue", self.addr)
    }

    /// The next request is answered `status` (429, 500, 400…) whatever it holds, with
    /// `Retry-After` when given, in PagerDuty's shape for that status; then it validates again.
    pub fn answer_next(&self, status: u16, retry_after: Option<u64>) {
        let mut inner = self.inner.lock().expect("fake state lock");
        inner.script.push_back((status, retry_after));
    }

    /// Events answered 202, in order.
    pub fn accepted(&self) -> Vec<Value> {
        self.inner.lock().expect("fake state lock").accepted.clone()
    }

    /// Every request and its answer, in order.
    pub fn calls(&self) -> Vec<PagerCall> {
        self.inner.lock().expect("fake state lock").calls.clone()
    }
}

async fn enqueue(State(inner): State<Arc<Mutex<Inner>>>, body: Bytes) -> Response {
    let parsed: Option<Value> = serde_json::from_slice(&body).ok();
    let recorded = parsed
        .clone()
        .unwrap_or_else(|| Value::String(String::from_utf8_lossy(&body).into_owned()));
    let mut inner = inner.lock().expect("fake state lock");
    if let Some((status, retry_after)) = inner.script.pop_front() {
        inner.calls.push(PagerCall {
            body: recorded,
            status,
        });
        return scripted(status, retry_after);
    }
    let errors = match &parsed {
        Some(Value::Object(event)) => validate(event),
        _ => vec!["Event object is not valid JSON".to_owned()],
    };
    if !errors.is_empty() {
        inner.calls.push(PagerCall {
            body: recorded,
            status: 400,
        });
        let answer = json!({
            "status": "invalid event",
            "message": "Event object is invalid",
            "errors": errors,
        });
        return (StatusCode::BAD_REQUEST, Json(answer)).into_response();
    }
    let event = parsed.expect("validated as an object");
    let dedup_key = match event.get("dedup_key").and_then(Value::as_str) {
        Some(key) => key.to_owned(),
        None => {
            inner.generated += 1;
            format!("{:032x}", inner.generated)
        }
    };
    inner.calls.push(PagerCall {
        body: event.clone(),
        status: 202,
    });
    inner.accepted.push(event);
    let answer = json!({
        "status": "success",
        "message": "Event processed",
        "dedup_key": dedup_key,
    });
    (StatusCode::ACCEPTED, Json(answer)).into_response()
}

fn scripted(status: u16, retry_after: Option<u64>) -> Response {
    let code = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if status == 429 {
        json!({"status": "throttle event", "message": "Requests for this service are arriving too quickly.  Please retry later."})
    } else if status == 400 {
        json!({"status": "invalid event", "message": "Event object is invalid", "errors": ["the fake was told to refuse this event"]})
    } else {
        json!({"status": "error", "message": "Internal server error"})
    };
    match retry_after {
        Some(seconds) => (code, [("retry-after", seconds.to_string())], Json(body)).into_response(),
        None => (code, Json(body)).into_response(),
    }
}

/// PagerDuty's checks of one event; empty when it is valid. Messages name fields, never values
/// (a routing key must not come back in an error).
pub fn validate(event: &Map<String, Value>) -> Vec<String> {
    let mut errors = Vec::new();
    for key in event.keys() {
        if !TOP_LEVEL.contains(&key.as_str()) {
            errors.push(format!("'{key}' is not a valid field"));
        }
    }
    match event.get("routing_key") {
        None => errors.push("'routing_key' is missing".into()),
        Some(Value::String(key)) if key.chars().count() == ROUTING_KEY_LEN => {}
        Some(_) => errors.push(format!(
            "'routing_key' must be a string of {ROUTING_KEY_LEN} characters"
        )),
    }
    let action = event.get("event_action").and_then(Value::as_str);
    match (event.get("event_action"), action) {
        (None, _) => errors.push("'event_action' is missing".into()),
        (_, Some(action)) if ACTIONS.contains(&action) => {}
        _ => errors.push("'event_action' must be one of trigger, acknowledge, resolve".into()),
    }
    match event.get("dedup_key") {
        None if matches!(action, Some("acknowledge" | "resolve")) => {
            errors.push("'dedup_key' is required for acknowledge and resolve events".into())
        }
        None => {}
        Some(Value::String(key)) if !key.is_empty() && key.chars().count() <= MAX_DEDUP_KEY => {}
        Some(_) => errors.push(format!(
            "'dedup_key' must be a non-empty string of at most {MAX_DEDUP_KEY} characters"
        )),
    }
    if action == Some("trigger") {
        match event.get("payload") {
            Some(Value::Object(payload)) => validate_payload(payload, &mut errors),
            Some(_) => errors.push("'payload' must be an object".into()),
            None => errors.push("'payload' is required for trigger events".into()),
        }
    }
    for (field, required) in [("links", "href"), ("images", "src")] {
        match event.get(field) {
            None => {}
            Some(Value::Array(items)) => {
                for (index, item) in items.iter().enumerate() {
                    if !item.get(required).is_some_and(Value::is_string) {
                        errors.push(format!("'{field}[{index}].{required}' must be a string"));
                    }
                }
            }
            Some(_) => errors.push(format!("'{field}' must be an array")),
        }
    }
    for field in ["client", "client_url"] {
        if event.get(field).is_some_and(|v| !v.is_string()) {
            errors.push(format!("'{field}' must be a string"));
        }
    }
    errors
}

fn validate_payload(payload: &Map<String, Value>, errors: &mut Vec<String>) {
    match payload.get("summary").and_then(Value::as_str) {
        Some(summary) if !summary.is_empty() && summary.chars().count() <= MAX_SUMMARY => {}
        Some(_) => errors.push(format!(
            "'payload.summary' must be 1 to {MAX_SUMMARY} characters"
        )),
        None => errors.push("'payload.summary' is required".into()),
    }
    match payload.get("source").and_then(Value::as_str) {
        Some(source) if !source.is_empty() => {}
        _ => errors.push("'payload.source' is required".into()),
    }
    match payload.get("severity").and_then(Value::as_str) {
        Some(severity) if SEVERITIES.contains(&severity) => {}
        _ => errors.push("'payload.severity' must be one of critical, error, warning, info".into()),
    }
    if let Some(timestamp) = payload.get("timestamp") {
        if !timestamp.as_str().is_some_and(is_iso8601) {
            errors.push("'payload.timestamp' must be an ISO 8601 date and time".into());
        }
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM|±HHMM)`, with fields in range.
pub fn is_iso8601(text: &str) -> bool {
    let bytes = text.as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = text.get(range)?;
        if part.bytes().all(|b| b.is_ascii_digit()) {
            part.parse().ok()
        } else {
            None
        }
    };
    let (Some(_year), Some(month), Some(day), Some(hour), Some(minute), Some(second)) = (
        digits(0..4),
        digits(5..7),
        digits(8..10),
        digits(11..13),
        digits(14..16),
        digits(17..19),
    ) else {
        return false;
    };
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return false;
    }
    if !(1..=12).contains(&month)
        || !(1..=31).contains(&day)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return false;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let end = fraction
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(fraction.len());
        if end == 0 {
            return false;
        }
        rest = &fraction[end..];
    }
    match rest {
        "Z" | "z" => true,
        zone if zone.is_ascii() && zone.starts_with(['+', '-']) => {
            let zone = &zone[1..];
            let (h, m) = match zone.len() {
                5 if zone.as_bytes()[2] == b':' => (&zone[..2], &zone[3..]),
                4 => (&zone[..2], &zone[2..]),
                _ => return false,
            };
            h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit())
                && h.parse::<u32>().is_ok_and(|h| h <= 23)
                && m.parse::<u32>().is_ok_and(|m| m <= 59)
        }
        _ => false,
    }
}
