//! Sign-in for the review pages: the single-use link from `/incident review` becomes a session
//! cookie (HttpOnly, SameSite=Lax, Secure over https); `Manager` guards every page behind it.

use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;
use chrono::Duration;
use serde_json::json;

use super::csrf;
use super::PagesState;
use crate::domain::UserId;
use crate::engine::{hash_token, new_token};
use crate::postmortem::full_time;

pub const SESSION_COOKIE: &str = "cp_session";
/// Ties the sign-in form to the browser that opened the link (against login CSRF).
const SIGN_IN_COOKIE: &str = "cp_signin";
const SESSION_HOURS: i64 = 12;

/// A cookie's value from the request's `Cookie` headers.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_owned())
}

/// Whether the browser reached us over TLS: the public URL says so, or the TLS-terminating
/// proxy in front does (`X-Forwarded-Proto: https`).
fn over_tls(state: &PagesState, headers: &HeaderMap) -> bool {
    state
        .engine
        .config()
        .http
        .public_url
        .starts_with("https://")
        || headers
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|proto| proto.eq_ignore_ascii_case("https"))
}

fn set_cookie(
    state: &PagesState,
    headers: &HeaderMap,
    name: &str,
    value: &str,
    path: &str,
    max_age: i64,
) -> HeaderValue {
    let secure = over_tls(state, headers);
    let text = format!(
        "{name}={value}; Path={path}; Max-Age={max_age}; HttpOnly; SameSite=Lax{}",
        if secure { "; Secure" } else { "" }
    );
    HeaderValue::from_str(&text).expect("cookie values are hex")
}

/// A signed-in manager, with the CSRF token their forms must carry.
#[derive(Debug, Clone)]
pub struct Manager {
    pub user: UserId,
    pub csrf: String,
    session_hash: String,
}

impl FromRequestParts<PagesState> for Manager {
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &PagesState) -> Result<Self, Response> {
        let now = state.engine.clock().now();
        let token = cookie(&parts.headers, SESSION_COOKIE);
        let session = match &token {
            Some(token) => state
                .engine
                .store()
                .session(&hash_token(token), now)
                .await
                .map_err(|error| {
                    tracing::error!(%error, "session lookup failed");
                    (
                        StatusCode::SERVICE_UNAVAILABLE,
                        "the database does not answer\n",
                    )
                        .into_response()
                })?,
            None => None,
        };
        match (session, token) {
            (Some(session), Some(token)) if state.engine.policy().is_manager(&session.user) => {
                Ok(Manager {
                    user: session.user,
                    csrf: csrf::token_for(&token),
                    session_hash: session.token_hash,
                })
            }
            (Some(session), _) => Err(state.pages.message(
                StatusCode::FORBIDDEN,
                "Managers only",
                &format!(
                    "You are signed in as {}, who is not listed in policy.managers. The review pages are for managers.",
                    session.user
                ),
                None,
            )),
            (None, _) if parts.method == Method::GET || parts.method == Method::HEAD => {
                let wanted = parts.uri.path_and_query().map_or("/incidents", |p| p.as_str());
                let next: String = form_urlencoded::byte_serialize(wanted.as_bytes()).collect();
                Err(Redirect::to(&format!("/signin?next={next}")).into_response())
            }
            (None, _) => Err(state.pages.message(
                StatusCode::FORBIDDEN,
                "Sign in first",
                "This needs a signed-in manager. Type /incident review in chat for a sign-in link.",
                Some(("/signin", "How to sign in")),
            )),
        }
    }
}

/// `GET /signin`: how to get in.
pub async fn explain(State(state): State<PagesState>) -> Response {
    state.pages.message(
        StatusCode::OK,
        "Sign in to the review pages",
        "The review pages are for managers. In Slack, Discord or the console, type /incident review: a single-use sign-in link, valid for 15 minutes, arrives by direct message.",
        None,
    )
}

fn refused(state: &PagesState, why: &str) -> Response {
    state.pages.message(
        StatusCode::FORBIDDEN,
        "This sign-in link cannot be used",
        &format!("{why} Type /incident review in chat for a new link."),
        None,
    )
}

/// `GET /signin/{token}`: a button to sign in, so link previews cannot use up the link.
pub async fn confirm(
    State(state): State<PagesState>,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Response {
    let now = state.engine.clock().now();
    let link = match state.engine.store().sign_in_link(&hash_token(&token)).await {
        Ok(link) => link,
        Err(error) => {
            tracing::error!(%error, "sign-in lookup failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n",
            )
                .into_response();
        }
    };
    let link = match link {
        None => return refused(&state, "This link is not one Command Post issued."),
        Some(link) if link.used_at.is_some() => {
            return refused(&state, "This link was already used.")
        }
        Some(link) if link.expires_at <= now => return refused(&state, "This link has expired."),
        Some(link) => link,
    };
    let form_token = new_token();
    let data = json!({
        "title": "Sign in",
        "signed_in": null,
        "user": link.user.as_str(),
        "expires": full_time(link.expires_at, state.engine.config().timezone),
        "token": token,
        "csrf": form_token,
    });
    let mut response = state.pages.html(StatusCode::OK, "signin", &data);
    let max_age = (link.expires_at - now).num_seconds().max(1);
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            &state,
            &headers,
            SIGN_IN_COOKIE,
            &form_token,
            "/signin",
            max_age,
        ),
    );
    response
}

/// `POST /signin/{token}`: uses the link once and opens a session.
pub async fn sign_in(
    State(state): State<PagesState>,
    Path(token): Path<String>,
    headers: HeaderMap,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let expected = cookie(&headers, SIGN_IN_COOKIE).unwrap_or_default();
    if !csrf::matches(&expected, csrf::field(&form, "csrf")) {
        return state.pages.message(
            StatusCode::FORBIDDEN,
            "Sign-in refused",
            "The form did not come from this browser's sign-in page. Open your link again.",
            None,
        );
    }
    let now = state.engine.clock().now();
    let session = new_token();
    let expires = now + Duration::hours(SESSION_HOURS);
    let redeemed = state
        .engine
        .store()
        .redeem_sign_in(&hash_token(&token), &hash_token(&session), expires, now)
        .await;
    let link = match redeemed {
        Ok(Some(link)) => link,
        Ok(None) => {
            return refused(
                &state,
                "This link was already used, has expired, or is unknown.",
            )
        }
        Err(error) => {
            tracing::error!(%error, "sign-in failed");
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                "the database does not answer\n",
            )
                .into_response();
        }
    };
    if !state.engine.policy().is_manager(&link.user) {
        let _ = state
            .engine
            .store()
            .end_session(&hash_token(&session))
            .await;
        return refused(
            &state,
            "The person this link was issued to is no longer a manager.",
        );
    }
    tracing::info!(user = %link.user, "signed in to the review pages");
    let next = match link.next_path.starts_with('/') && !link.next_path.starts_with("//") {
        true => link.next_path,
        false => "/incidents".to_owned(),
    };
    let mut response = Redirect::to(&next).into_response();
    let out = response.headers_mut();
    let age = SESSION_HOURS * 3600;
    out.append(
        header::SET_COOKIE,
        set_cookie(&state, &headers, SESSION_COOKIE, &session, "/", age),
    );
    out.append(
        header::SET_COOKIE,
        set_cookie(&state, &headers, SIGN_IN_COOKIE, "", "/signin", 0),
    );
    response
}

/// `POST /signout`: ends the session.
pub async fn sign_out(
    State(state): State<PagesState>,
    headers: HeaderMap,
    manager: Manager,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    if !csrf::matches(&manager.csrf, csrf::field(&form, "csrf")) {
        return super::incidents::csrf_refused(&state);
    }
    if let Err(error) = state
        .engine
        .store()
        .end_session(&manager.session_hash)
        .await
    {
        tracing::error!(%error, "sign-out failed");
    }
    let mut response = Redirect::to("/signin").into_response();
    response.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(&state, &headers, SESSION_COOKIE, "", "/", 0),
    );
    response
}
