//! The HTTP server: health, metrics, the review and status pages, and (from adapters) the
//! platforms' inbound endpoints.

mod alerts;
mod auth;
mod csrf;
mod incidents;
mod pages;
mod render;
mod reports;
mod review_forms;
mod status;

pub use auth::SESSION_COOKIE;
pub use pages::PagesState;

use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::get;
use axum::Router;
use metrics_exporter_prometheus::PrometheusHandle;

use crate::store::Store;

#[derive(Clone)]
pub struct WebState {
    pub store: Arc<dyn Store>,
    pub metrics: PrometheusHandle,
    /// Behind the review and status pages.
    pub engine: Arc<crate::engine::Engine>,
}

/// The public listener: health, pages and (merged by the caller) the platforms' endpoints.
/// `/metrics` is not here: it would tell the internet how many incidents each client has.
pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .with_state(state.clone())
        .merge(alerts::routes(state.clone()))
        .merge(pages::routes(state.engine))
}

/// The private listener (`http.metrics_listen`): Prometheus metrics and health.
pub fn metrics_router(state: WebState) -> Router {
    Router::new()
        .route("/metrics", get(metrics))
        .route("/healthz", get(healthz))
        .with_state(state)
}

/// 200 while the store answers and the background worker keeps completing passes; 503 when not.
async fn healthz(State(state): State<WebState>) -> impl IntoResponse {
    if let Some(silent) = state.engine.heartbeat().stalled() {
        tracing::warn!(
            silent_secs = silent.as_secs(),
            "health check: the timer and delivery worker has not completed a pass"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!(
                "the timer and delivery worker has not completed a pass for {} s\n",
                silent.as_secs()
            ),
        );
    }
    if let Some((link, down)) = state.engine.links().down_too_long() {
        tracing::warn!(
            link,
            down_secs = down.as_secs(),
            "health check: a platform link is down"
        );
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("the {link} link has been down for {} s\n", down.as_secs()),
        );
    }
    match state.store.ping().await {
        Ok(()) => (StatusCode::OK, "ok\n".to_owned()),
        Err(error) => {
            tracing::warn!(%error, "health check: the store does not answer");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n".to_owned(),
            )
        }
    }
}

async fn metrics(State(state): State<WebState>) -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
}
