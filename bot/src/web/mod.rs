//! The HTTP server: health, metrics, the review and status pages, and (from adapters) the
//! platforms' inbound endpoints.

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

pub fn router(state: WebState) -> Router {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .with_state(state.clone())
        .merge(pages::routes(state.engine))
}

/// 200 while the store answers, 503 when it does not.
async fn healthz(State(state): State<WebState>) -> impl IntoResponse {
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
