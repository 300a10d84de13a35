//! Slack's HTTP endpoints: `POST /slack/commands`, `/slack/events`, `/slack/interactions`.
//! Each verifies the request signature before reading anything else; a request that fails
//! gets 401 and changes nothing.

use std::collections::HashMap;
use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::Value;
use tracing::{info, warn};

use super::commands::SlashCommand;
use super::reply::Ack;
use super::signature::{self, SIGNATURE_HEADER, TIMESTAMP_HEADER};
use super::Adapter;

pub(super) fn router(adapter: Arc<Adapter>) -> Router {
    Router::new()
        .route("/slack/commands", post(commands))
        .route("/slack/events", post(events))
        .route("/slack/interactions", post(interactions))
        .with_state(adapter)
}

fn header<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

/// The signature check every endpoint starts with: the 401 to answer, if it fails.
fn refusal(
    adapter: &Adapter,
    endpoint: &'static str,
    headers: &HeaderMap,
    body: &[u8],
) -> Option<Response> {
    let now = adapter.engine.clock().now();
    signature::verify(
        adapter.signing_secret.expose_secret().as_bytes(),
        header(headers, TIMESTAMP_HEADER),
        header(headers, SIGNATURE_HEADER),
        body,
        now,
    )
    .err()
    .map(|error| {
        info!(endpoint, reason = %error, "refused an unverified Slack request");
        metrics::counter!("commandpost_slack_requests_total", "endpoint" => endpoint, "outcome" => "refused")
            .increment(1);
        (StatusCode::UNAUTHORIZED, error.to_string()).into_response()
    })
}

fn respond(endpoint: &'static str, ack: Ack) -> Response {
    metrics::counter!("commandpost_slack_requests_total", "endpoint" => endpoint, "outcome" => "ok")
        .increment(1);
    match ack {
        Ack::Empty => StatusCode::OK.into_response(),
        Ack::Json(body) => Json(body).into_response(),
    }
}

fn bad_request(what: &str) -> Response {
    (StatusCode::BAD_REQUEST, format!("malformed Slack {what}")).into_response()
}

fn form(body: &[u8]) -> HashMap<String, String> {
    form_urlencoded::parse(body).into_owned().collect()
}

async fn commands(
    State(adapter): State<Arc<Adapter>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refusal(&adapter, "commands", &headers, &body) {
        return refused;
    }
    let fields = form(&body);
    let slash = match serde_json::to_value(fields).and_then(SlashCommand::from_payload) {
        Ok(slash) => slash,
        Err(_) => return bad_request("slash command"),
    };
    respond("commands", adapter.slash_command(slash).await)
}

async fn interactions(
    State(adapter): State<Arc<Adapter>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(refused) = refusal(&adapter, "interactions", &headers, &body) {
        return refused;
    }
    let payload = form(&body)
        .remove("payload")
        .and_then(|payload| serde_json::from_str::<Value>(&payload).ok());
    match payload {
        Some(payload) => respond("interactions", adapter.interaction(payload).await),
        None => bad_request("interaction"),
    }
}

async fn events(State(adapter): State<Arc<Adapter>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = refusal(&adapter, "events", &headers, &body) {
        return refused;
    }
    let Ok(event) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("event");
    };
    match adapter
        .event(event, header(&headers, "x-slack-retry-num"))
        .await
    {
        Ok(ack) => respond("events", ack),
        Err(error) => {
            warn!(%error, "could not record the event; Slack will retry it");
            StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
    }
}
