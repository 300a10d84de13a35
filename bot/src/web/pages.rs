//! The review and status pages' routes, their shared state and response headers.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::middleware::map_response;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;

use super::render::Pages;
use super::{auth, incidents, reports, review_forms, status};
use crate::engine::Engine;

/// What every page handler needs: the engine (store, config, clock, templates) and the HTML.
#[derive(Clone)]
pub struct PagesState {
    pub engine: Arc<Engine>,
    pub pages: Arc<Pages>,
}

pub const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/// Pages are not framed by other sites and never tell the next site where the browser was
/// (sign-in links and status tokens live in URLs).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    // A page that set its own policy names who may frame it (`frame-ancestors`); the legacy
    // header cannot list origins, so it is sent only with the default deny-all policy.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    // Pages are server-rendered HTML with inline styles and no scripts: nothing else may load,
    // so injected markup could neither run code nor send a form elsewhere. A route that sets
    // its own policy (a status page its client may embed) keeps it.
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        headers.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(CONTENT_SECURITY_POLICY),
        );
    }
    response
}

/// Page requests served at once. The store's pool holds 8 connections (PostgreSQL); capping
/// pages at half keeps the rest for chat commands and the worker however hard the public status
/// page or the sign-in form is hit. Requests beyond it are told to retry rather than queued.
pub const PAGE_CONCURRENCY: usize = 4;

async fn limit_concurrency(
    permits: Arc<tokio::sync::Semaphore>,
    request: axum::extract::Request,
    next: axum::middleware::Next,
) -> Response {
    let Ok(_permit) = permits.try_acquire() else {
        metrics::counter!("commandpost_pages_shed_total").increment(1);
        return (
            axum::http::StatusCode::SERVICE_UNAVAILABLE,
            [(header::RETRY_AFTER, "1")],
            "busy: try again in a second\n",
        )
            .into_response();
    };
    next.run(request).await
}

pub fn routes(engine: Arc<Engine>) -> Router {
    let state = PagesState {
        engine,
        pages: Arc::new(Pages::new()),
    };
    let permits = Arc::new(tokio::sync::Semaphore::new(PAGE_CONCURRENCY));
    Router::new()
        .route("/signin", get(auth::explain))
        .route("/signin/{token}", get(auth::confirm).post(auth::sign_in))
        .route("/signout", post(auth::sign_out))
        .route("/incidents", get(incidents::list))
        .route("/incidents/{id}", get(incidents::show))
        .route("/incidents/{id}/postmortem", post(review_forms::save))
        .route("/incidents/{id}/transition", post(review_forms::transition))
        .route("/incidents/{id}/comments", post(review_forms::comment))
        .route("/incidents/{id}/publish", post(review_forms::publish))
        .route("/reports/{client}/{month}", get(reports::monthly))
        .route("/status/{client}", get(status::page))
        .route("/status/{client}/feed.atom", get(status::feed))
        .layer(map_response(security_headers))
        .layer(axum::middleware::from_fn(move |request, next| {
            limit_concurrency(permits.clone(), request, next)
        }))
        .with_state(state)
}
