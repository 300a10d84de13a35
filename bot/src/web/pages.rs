//! The review and status pages' routes, their shared state and response headers.

use std::sync::Arc;

use axum::http::{header, HeaderValue};
use axum::middleware::map_response;
use axum::response::Response;
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

/// Pages are not framed by other sites and never tell the next site where the browser was
/// (sign-in links and status tokens live in URLs).
async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    response
}

pub fn routes(engine: Arc<Engine>) -> Router {
    let state = PagesState {
        engine,
        pages: Arc::new(Pages::new()),
    };
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
        .with_state(state)
}
