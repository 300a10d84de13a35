//! `GET /status/{client}`, `/status/{client}.json` and `/status/{client}/feed.atom`: a client's
//! current incidents and their latest updates over the last 90 days, for that client only. Guarded by the client's
//! `status_token` (`?token=` or `Authorization: Bearer`, compared in constant time) unless the
//! client is configured `public_status = true`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, SecondsFormat, Utc};
use chrono_tz::Tz;
use secrecy::ExposeSecret;
use serde::Deserialize;
use serde_json::{json, Value};
use subtle::ConstantTimeEq;

use super::incidents::store_error;
use super::pages::CONTENT_SECURITY_POLICY;
use super::PagesState;
use crate::config::{frame_origin, ClientConfig};
use crate::postmortem::full_time;
use crate::store::StatusPost;

const DAYS: i64 = 90;

#[derive(Debug, Default, Deserialize)]
pub struct TokenQuery {
    token: Option<String>,
}

/// The token a request offers: `?token=` first, else `Authorization: Bearer`.
fn offered<'a>(query: &'a TokenQuery, headers: &'a HeaderMap) -> Option<&'a str> {
    query.token.as_deref().or_else(|| {
        headers
            .get(header::AUTHORIZATION)?
            .to_str()
            .ok()?
            .strip_prefix("Bearer ")
            .map(str::trim)
    })
}

/// The client, if the request may see its page; otherwise the refusal.
fn admit<'a>(
    state: &'a PagesState,
    client: &str,
    query: &TokenQuery,
    headers: &HeaderMap,
) -> Result<&'a ClientConfig, Box<Response>> {
    let not_found = || {
        state.pages.message(
            StatusCode::NOT_FOUND,
            "No status page",
            "There is no status page here.",
            None,
        )
    };
    let client = state
        .engine
        .config()
        .clients
        .iter()
        .find(|c| c.id.as_str() == client)
        .filter(|c| c.has_status_page())
        .ok_or_else(|| Box::new(not_found()))?;
    if client.public_status {
        return Ok(client);
    }
    let expected = client
        .status_token
        .as_ref()
        .ok_or_else(|| Box::new(not_found()))?;
    match offered(query, headers) {
        None => {
            let mut response = state.pages.message(StatusCode::UNAUTHORIZED, "Token needed", "This status page needs the token your provider gave you: add ?token=… to the address.", None);
            response.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                "Bearer".parse().expect("a valid header"),
            );
            Err(Box::new(response))
        }
        Some(token) if bool::from(token.as_bytes().ct_eq(expected.expose_secret().as_bytes())) => {
            Ok(client)
        }
        Some(_) => Err(Box::new(state.pages.message(
            StatusCode::FORBIDDEN,
            "Wrong token",
            "That token does not open this status page.",
            None,
        ))),
    }
}

/// One incident on the status page: its posts (newest first) and when it was resolved, if it was.
struct Group {
    open: bool,
    resolved_at: Option<DateTime<Utc>>,
    posts: Vec<StatusPost>,
}

/// Posts grouped by incident (newest first), each with whether the incident is still open.
async fn grouped(state: &PagesState, client: &ClientConfig) -> Result<Vec<Group>, Response> {
    let since = state.engine.clock().now() - Duration::days(DAYS);
    let store = state.engine.store();
    let posts = store
        .status_posts(&client.id, since)
        .await
        .map_err(store_error)?;
    let mut order: Vec<String> = Vec::new();
    let mut by_incident: HashMap<String, Vec<StatusPost>> = HashMap::new();
    for post in posts {
        let key = post.incident_id.to_string();
        if !by_incident.contains_key(&key) {
            order.push(key.clone());
        }
        by_incident.entry(key).or_default().push(post);
    }
    let mut groups = Vec::new();
    for key in order {
        let posts = by_incident.remove(&key).unwrap_or_default();
        let incident = match posts.first() {
            Some(post) => store
                .incident(&post.incident_id)
                .await
                .map_err(store_error)?
                .map(|found| found.incident),
            None => None,
        };
        groups.push(Group {
            open: incident.as_ref().is_some_and(|i| !i.is_resolved()),
            resolved_at: incident.and_then(|i| i.resolved_at),
            posts,
        });
    }
    Ok(groups)
}

/// An incident as the page and the JSON show it: every post with the stage it was published in,
/// times in the client's zone (for people) and RFC 3339 with its offset (for programs).
fn group_json(tz: Tz, group: &Group) -> Value {
    let latest = &group.posts[0];
    let machine = |at: DateTime<Utc>| {
        at.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    json!({
        "incident_id": latest.incident_id.as_str(),
        "title": latest.title,
        "severity": latest.severity,
        "stage": if group.resolved_at.is_some() { "resolved" } else { latest.stage.as_str() },
        "resolved_at": group.resolved_at.map(|at| full_time(at, tz)),
        "resolved_at_rfc3339": group.resolved_at.map(machine),
        "posts": group.posts.iter().map(|p| json!({
            "sequence": p.sequence,
            "stage": p.stage,
            "posted_at": full_time(p.posted_at, tz),
            "posted_at_rfc3339": machine(p.posted_at),
            "message": p.message,
        })).collect::<Vec<_>>(),
    })
}

/// What the HTML page and `/status/{client}.json` both show: the same data, so they agree.
async fn status_data(state: &PagesState, client: &ClientConfig) -> Result<Value, Response> {
    let groups = grouped(state, client).await?;
    let tz = state.engine.config().timezone_for(&client.id);
    let current: Vec<Value> = groups
        .iter()
        .filter(|g| g.open)
        .map(|g| group_json(tz, g))
        .collect();
    let past: Vec<Value> = groups
        .iter()
        .filter(|g| !g.open)
        .map(|g| group_json(tz, g))
        .collect();
    Ok(json!({
        "client": client.id.as_str(),
        "client_name": client.name,
        "now": full_time(state.engine.clock().now(), tz),
        "timezone": tz.name(),
        "current_count": current.len(),
        "current": current,
        "past": past,
    }))
}

/// The page's own policy: the strict one, with `frame-ancestors` naming the origins this client
/// listed (validated at start to be bare origins, so nothing can be smuggled into the header).
fn content_security_policy(client: &ClientConfig) -> Option<HeaderValue> {
    let origins: Vec<String> = client
        .status_frame_ancestors
        .iter()
        .filter_map(|origin| frame_origin(origin))
        .collect();
    if origins.is_empty() {
        return None;
    }
    let policy = CONTENT_SECURITY_POLICY.replace(
        "frame-ancestors 'none'",
        &format!("frame-ancestors {}", origins.join(" ")),
    );
    HeaderValue::from_str(&policy).ok()
}

/// `GET /status/{client}` and `GET /status/{client}.json` (the router sees one path segment).
pub async fn page(
    State(state): State<PagesState>,
    Path(client): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let (client, as_json) = match client.strip_suffix(".json") {
        Some(id) => (id, true),
        None => (client.as_str(), false),
    };
    let client = match admit(&state, client, &query, &headers) {
        Ok(client) => client,
        Err(response) => return *response,
    };
    let mut data = match status_data(&state, client).await {
        Ok(data) => data,
        Err(response) => return response,
    };
    let mut response = if as_json {
        axum::Json(data).into_response()
    } else {
        let feed = match &query.token {
            Some(token) => format!(
                "/status/{}/feed.atom?token={}",
                client.id,
                form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>()
            ),
            None => format!("/status/{}/feed.atom", client.id),
        };
        data["title"] = json!(format!("{} status", client.name));
        data["signed_in"] = Value::Null;
        data["feed"] = json!(feed);
        let mut response = state.pages.html(StatusCode::OK, "status", &data);
        if let Some(policy) = content_security_policy(client) {
            response
                .headers_mut()
                .insert(header::CONTENT_SECURITY_POLICY, policy);
        }
        response
    };
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a valid header"),
    );
    response
}

pub async fn feed(
    State(state): State<PagesState>,
    Path(client): Path<String>,
    Query(query): Query<TokenQuery>,
    headers: HeaderMap,
) -> Response {
    let client = match admit(&state, &client, &query, &headers) {
        Ok(client) => client,
        Err(response) => return *response,
    };
    let since = state.engine.clock().now() - Duration::days(DAYS);
    let posts = match state.engine.store().status_posts(&client.id, since).await {
        Ok(posts) => posts,
        Err(error) => return store_error(error),
    };
    let tz = state.engine.config().timezone_for(&client.id);
    let rfc3339 = |at: DateTime<Utc>| {
        at.with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    };
    let updated = posts
        .first()
        .map_or_else(|| state.engine.clock().now(), |p| p.posted_at);
    let data = json!({
        "client": client.id.as_str(),
        "client_name": client.name,
        "base": state.engine.config().http.public_url.trim_end_matches('/'),
        "updated": rfc3339(updated),
        "entries": posts.iter().map(|p| json!({
            "incident_id": p.incident_id.as_str(),
            "sequence": p.sequence,
            "title": p.title,
            "severity": p.severity,
            "stage": p.stage,
            "posted_at": rfc3339(p.posted_at),
            "posted_at_local": full_time(p.posted_at, tz),
            "message": p.message,
        })).collect::<Vec<_>>(),
    });
    match state.pages.render("feed", &data) {
        Ok(body) => (
            [(header::CONTENT_TYPE, "application/atom+xml; charset=utf-8")],
            body,
        )
            .into_response(),
        Err(response) => *response,
    }
}
