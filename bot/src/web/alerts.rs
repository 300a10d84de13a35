//! `POST /alerts/{client}`: alerts from monitoring for one client, guarded by that client's
//! `alert_token` (`Authorization: Bearer`, compared in constant time). Nothing is read or
//! stored before the token matches; bodies over 1 MB are refused.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use secrecy::ExposeSecret;
use serde_json::json;
use subtle::ConstantTimeEq;

use super::WebState;
use crate::engine::AlertOutcome;

/// Alertmanager groups are a few kilobytes; a megabyte is a thousand alerts.
pub const MAX_BODY: usize = 1024 * 1024;

pub fn routes(state: WebState) -> Router {
    Router::new()
        .route("/alerts/{client}", post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

fn refuse(status: StatusCode, message: &str) -> Response {
    let mut response = (status, Json(json!({ "error": message }))).into_response();
    if status == StatusCode::UNAUTHORIZED {
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            "Bearer".parse().expect("a valid header"),
        );
    }
    response
}

async fn receive(
    State(state): State<WebState>,
    Path(client): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let config = state.engine.config();
    // An unknown client and a wrong token look the same: the answer names no client ids.
    let expected = config
        .clients
        .iter()
        .find(|c| c.id.as_str() == client)
        .and_then(|c| c.alert_token.as_ref().map(|token| (c.id.clone(), token)));
    let offered = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim);
    let client = match (expected, offered) {
        (Some((id, token)), Some(offered))
            if bool::from(offered.as_bytes().ct_eq(token.expose_secret().as_bytes())) =>
        {
            id
        }
        (_, None) => {
            metrics::counter!("commandpost_alerts_refused_total", "reason" => "unauthorized")
                .increment(1);
            return refuse(
                StatusCode::UNAUTHORIZED,
                "send the client's alert_token as `Authorization: Bearer <token>`",
            );
        }
        _ => {
            metrics::counter!("commandpost_alerts_refused_total", "reason" => "unauthorized")
                .increment(1);
            return refuse(
                StatusCode::UNAUTHORIZED,
                "that token does not open alerts for this client",
            );
        }
    };
    let alerts = match crate::alerts::parse(&body) {
        Ok(alerts) => alerts,
        Err(error) => {
            metrics::counter!("commandpost_alerts_refused_total", "reason" => "malformed")
                .increment(1);
            return refuse(StatusCode::BAD_REQUEST, &error.to_string());
        }
    };
    match state.engine.receive_alerts(&client, &alerts).await {
        Ok(outcomes) => {
            let count =
                |wanted: fn(&AlertOutcome) -> bool| outcomes.iter().filter(|o| wanted(o)).count();
            (
                StatusCode::ACCEPTED,
                Json(json!({
                    "accepted": outcomes.len(),
                    "proposed": count(|o| matches!(o, AlertOutcome::Proposed)),
                    "declared": count(|o| matches!(o, AlertOutcome::Declared(_))),
                    "noted": count(|o| matches!(o, AlertOutcome::Noted(_))),
                })),
            )
                .into_response()
        }
        Err(error) => {
            tracing::warn!(%error, "alerts could not be recorded");
            refuse(
                StatusCode::SERVICE_UNAVAILABLE,
                "the alerts could not be recorded; send them again",
            )
        }
    }
}
