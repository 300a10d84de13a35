//! A client webhook on loopback that records every POST and answers from a script.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;

#[derive(Debug, Clone)]
pub struct WebhookCall {
    pub body: serde_json::Value,
    /// The body exactly as sent: what a signature covers.
    pub raw_body: String,
    pub idempotency_key: Option<String>,
    /// `webhook-id`, `webhook-timestamp`, `webhook-signature` when the delivery was signed.
    pub signature: Option<SignatureHeaders>,
    pub answered: u16,
}

#[derive(Debug, Clone)]
pub struct SignatureHeaders {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
}

#[derive(Default)]
struct Inner {
    script: VecDeque<(u16, Option<u64>)>,
    /// Requests to hold open this long before answering 503 (a hanging client endpoint).
    hangs: VecDeque<std::time::Duration>,
    calls: Vec<WebhookCall>,
}

#[derive(Clone, Default)]
pub struct FakeWebhook {
    inner: Arc<Mutex<Inner>>,
    addr: Option<SocketAddr>,
}

impl FakeWebhook {
    pub async fn start() -> Self {
        let mut hook = Self::default();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("a free port");
        hook.addr = Some(listener.local_addr().expect("an address"));
        let app = Router::new()
            .route("/hook", post(receive))
            .with_state(hook.inner.clone());
        tokio::spawn(async move { axum::serve(listener, app).await });
        hook
    }

    pub fn url(&self) -> String {
        format!("http://{}/hook", self.addr.expect("started"))
    }

    /// The next answers: a status and an optional `Retry-After` in seconds; then 200s.
    pub fn answer_next(&self, status: u16, retry_after: Option<u64>) {
        self.inner
            .lock()
            .unwrap()
            .script
            .push_back((status, retry_after));
    }

    /// The next request is held open for `duration` (then answered 503, recorded as status 0).
    pub fn hang_next(&self, duration: std::time::Duration) {
        self.inner.lock().unwrap().hangs.push_back(duration);
    }

    pub fn calls(&self) -> Vec<WebhookCall> {
        self.inner.lock().unwrap().calls.clone()
    }

    /// POSTs answered 2xx: deliveries the client actually received.
    pub fn received(&self) -> Vec<serde_json::Value> {
        self.calls()
            .into_iter()
            .filter(|c| (200..300).contains(&c.answered))
            .map(|c| c.body)
            .collect()
    }
}

async fn receive(
    State(inner): State<Arc<Mutex<Inner>>>,
    headers: HeaderMap,
    body: String,
) -> Response {
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let call = |answered| WebhookCall {
        body: serde_json::from_str(&body).unwrap_or(serde_json::Value::String(body.clone())),
        raw_body: body.clone(),
        idempotency_key: header("idempotency-key"),
        signature: match (
            header("webhook-id"),
            header("webhook-timestamp"),
            header("webhook-signature"),
        ) {
            (Some(id), Some(timestamp), Some(signature)) => Some(SignatureHeaders {
                id,
                timestamp,
                signature,
            }),
            _ => None,
        },
        answered,
    };
    let hang = {
        let mut inner = inner.lock().unwrap();
        let hang = inner.hangs.pop_front();
        if hang.is_some() {
            inner.calls.push(call(0));
        }
        hang
    };
    if let Some(duration) = hang {
        tokio::time::sleep(duration).await;
        return (StatusCode::SERVICE_UNAVAILABLE, "").into_response();
    }
    let mut inner = inner.lock().unwrap();
    let (status, retry_after) = inner.script.pop_front().unwrap_or((200, None));
    inner.calls.push(call(status));
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match retry_after {
        Some(seconds) => (status, [("retry-after", seconds.to_string())], "").into_response(),
        None => (status, "").into_response(),
    }
}
