//! `GET /incidents` (filtered, paginated), `GET /incidents/{id}` (timeline, metrics and the
//! postmortem under review) and `GET /incidents/{id}.md` (the postmortem as markdown).

use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::Manager;
use super::PagesState;
use crate::domain::deadline::human_secs;
use crate::domain::metrics::Month;
use crate::domain::review::{Postmortem, ReviewState};
use crate::domain::{IncidentId, Severity};
use crate::postmortem::{full_time, ClientPostmortemView, PostmortemView, Sources};
use crate::store::ReviewFilter;

pub const PAGE_SIZE: i64 = 50;

/// The filters as they arrive; empty fields mean "all".
#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    client: Option<String>,
    severity: Option<String>,
    month: Option<String>,
    state: Option<String>,
    page: Option<i64>,
}

fn given(field: &Option<String>) -> Option<&str> {
    field.as_deref().map(str::trim).filter(|v| !v.is_empty())
}

pub fn store_error(error: impl std::fmt::Display) -> Response {
    tracing::error!(%error, "review page: the store failed");
    (
        StatusCode::SERVICE_UNAVAILABLE,
        "the database does not answer\n",
    )
        .into_response()
}

pub fn csrf_refused(state: &PagesState) -> Response {
    state.pages.message(
        StatusCode::FORBIDDEN,
        "Form refused",
        "The form was missing its security token, or it did not match your session. Reload the page and try again.",
        None,
    )
}

fn bad_request(state: &PagesState, message: &str) -> Response {
    state
        .pages
        .message(StatusCode::BAD_REQUEST, "Not understood", message, None)
}

/// `GET /incidents`.
pub async fn list(
    State(state): State<PagesState>,
    manager: Manager,
    Query(query): Query<ListQuery>,
) -> Response {
    let config = state.engine.config();
    let mut filter = ReviewFilter::default();
    if let Some(client) = given(&query.client) {
        match config.clients.iter().find(|c| c.id.as_str() == client) {
            Some(found) => filter.client = Some(found.id.clone()),
            None => {
                return bad_request(
                    &state,
                    &format!("`{client}` is not a client of this deployment."),
                )
            }
        }
    }
    if let Some(severity) = given(&query.severity) {
        match severity.parse::<Severity>() {
            Ok(parsed) => filter.severity = Some(parsed),
            Err(_) => {
                return bad_request(
                    &state,
                    &format!("`{severity}` is not a severity (P1 to P4)."),
                )
            }
        }
    }
    if let Some(month) = given(&query.month) {
        match Month::parse(month) {
            Some(parsed) => filter.declared = Some(parsed.range(config.timezone)),
            None => return bad_request(&state, &format!("`{month}` is not a month (YYYY-MM).")),
        }
    }
    if let Some(review) = given(&query.state) {
        match ReviewState::parse(review) {
            Some(parsed) => filter.state = Some(parsed),
            None => {
                return bad_request(
                    &state,
                    &format!("`{review}` is not a review state (draft, in_review, approved)."),
                )
            }
        }
    }
    // Bounded so `(page - 1) * PAGE_SIZE` cannot overflow, whatever the URL says.
    let page = query.page.unwrap_or(1).clamp(1, i64::MAX / PAGE_SIZE);
    let result = state
        .engine
        .store()
        .review_page(&filter, (page - 1) * PAGE_SIZE, PAGE_SIZE)
        .await;
    let found = match result {
        Ok(found) => found,
        Err(error) => return store_error(error),
    };
    let tz = config.timezone;
    let now = state.engine.clock().now();
    let rows: Vec<Value> = found
        .rows
        .iter()
        .map(|row| {
            let i = &row.incident;
            let client_name = config.client(&i.client).map_or(i.client.as_str(), |c| c.name.as_str());
            let open = (i.resolved_at.unwrap_or(now) - i.declared_at).num_seconds();
            json!({
                "id": i.id.as_str(),
                "title": i.title,
                "client_name": client_name,
                "severity": i.severity.as_str(),
                "declared_at": full_time(i.declared_at, tz),
                "duration": if i.is_resolved() { human_secs(open) } else { format!("{} (open)", human_secs(open)) },
                "updates": format!("{} of {}", i.updates_on_time, i.updates_on_time + i.updates_late),
                "state": row.state.map_or("open", |s| s.as_str()),
                "state_label": row.state.map_or("not resolved", |s| s.label()),
            })
        })
        .collect();
    let pages = ((found.total + PAGE_SIZE - 1) / PAGE_SIZE).max(1);
    let link = |to: i64| {
        let mut params: Vec<(&str, String)> = Vec::new();
        for (key, value) in [
            ("client", &query.client),
            ("severity", &query.severity),
            ("month", &query.month),
            ("state", &query.state),
        ] {
            if let Some(value) = given(value) {
                params.push((key, value.to_owned()));
            }
        }
        params.push(("page", to.to_string()));
        let encoded: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params)
            .finish();
        format!("/incidents?{encoded}")
    };
    let data = json!({
        "title": "Incidents",
        "signed_in": manager.user.as_str(),
        "csrf": manager.csrf,
        "clients": config.clients.iter().map(|c| json!({"id": c.id.as_str(), "name": c.name, "selected": filter.client.as_ref() == Some(&c.id)})).collect::<Vec<_>>(),
        "severities": Severity::ALL.iter().map(|s| json!({"name": s.as_str(), "selected": filter.severity == Some(*s)})).collect::<Vec<_>>(),
        "states": ReviewState::ALL.iter().map(|s| json!({"value": s.as_str(), "label": s.label(), "selected": filter.state == Some(*s)})).collect::<Vec<_>>(),
        "month": given(&query.month).unwrap_or_default(),
        "rows": rows,
        "total": found.total,
        "page": page,
        "pages": pages,
        "previous": (page > 1).then(|| link(page - 1)),
        "next": (page < pages).then(|| link(page + 1)),
    });
    state.pages.html(StatusCode::OK, "incidents", &data)
}

/// `GET /incidents/{id}` and `GET /incidents/{id}.md`.
pub async fn show(
    State(state): State<PagesState>,
    manager: Manager,
    Path(id): Path<String>,
    Query(flash): Query<Flash>,
) -> Response {
    match id.strip_suffix(".md") {
        Some(id) => markdown(&state, id).await,
        None => incident_page(&state, &manager, &id, flash.message(), None, StatusCode::OK).await,
    }
}

/// What the last form did, shown once after its redirect.
#[derive(Debug, Default, Deserialize)]
pub struct Flash {
    done: Option<String>,
}

impl Flash {
    fn message(&self) -> Option<&'static str> {
        Some(match self.done.as_deref()? {
            "saved" => "Postmortem saved.",
            "submit" => "Submitted for review.",
            "approve" => "Approved.",
            "reopen" => "Back to draft.",
            "commented" => "Comment added.",
            "published" => {
                "The client's version is on its way to the client's status destinations."
            }
            _ => return None,
        })
    }
}

/// Everything the incident page and the markdown export read.
struct Loaded {
    incident: crate::domain::Incident,
    timeline: Vec<crate::domain::TimelineEvent>,
    postmortem: Option<Postmortem>,
    comments: Vec<crate::domain::review::ReviewComment>,
}

async fn load(state: &PagesState, id: &str) -> Result<Loaded, Response> {
    let not_found = || {
        state.pages.message(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("There is no incident `{id}`."),
            Some(("/incidents", "All incidents")),
        )
    };
    let id = IncidentId::parse(id).map_err(|_| not_found())?;
    let store = state.engine.store();
    let incident = store
        .incident(&id)
        .await
        .map_err(store_error)?
        .ok_or_else(not_found)?
        .incident;
    Ok(Loaded {
        timeline: store.timeline(&id).await.map_err(store_error)?,
        postmortem: store.postmortem(&id).await.map_err(store_error)?,
        comments: store.review_comments(&id).await.map_err(store_error)?,
        incident,
    })
}

impl Loaded {
    fn sources<'a>(&'a self, state: &'a PagesState, placeholder: &'a Postmortem) -> Sources<'a> {
        Sources {
            config: state.engine.config(),
            incident: &self.incident,
            timeline: &self.timeline,
            postmortem: self.postmortem.as_ref().unwrap_or(placeholder),
            comments: &self.comments,
            now: state.engine.clock().now(),
        }
    }
}

async fn markdown(state: &PagesState, id: &str) -> Response {
    let loaded = match load(state, id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let placeholder = Postmortem::draft(
        loaded.incident.id.clone(),
        loaded.incident.client.clone(),
        loaded.incident.summary.as_deref(),
        loaded.incident.declared_at,
    );
    let view = PostmortemView::new(&loaded.sources(state, &placeholder));
    match state.engine.templates().render("postmortem", &view) {
        Ok(text) => (
            [
                (
                    header::CONTENT_TYPE,
                    "text/markdown; charset=utf-8".to_owned(),
                ),
                (
                    header::CONTENT_DISPOSITION,
                    format!("inline; filename=\"{}-postmortem.md\"", loaded.incident.id),
                ),
            ],
            text,
        )
            .into_response(),
        Err(error) => store_error(error),
    }
}

/// The incident page, with a notice (after a redirect) or a problem (a refused form).
pub async fn incident_page(
    state: &PagesState,
    manager: &Manager,
    id: &str,
    flash: Option<&str>,
    problem: Option<&str>,
    status: StatusCode,
) -> Response {
    let loaded = match load(state, id).await {
        Ok(loaded) => loaded,
        Err(response) => return response,
    };
    let incident = &loaded.incident;
    let placeholder = Postmortem::draft(
        incident.id.clone(),
        incident.client.clone(),
        incident.summary.as_deref(),
        incident.declared_at,
    );
    let sources = loaded.sources(state, &placeholder);
    let view = PostmortemView::new(&sources);
    let postmortem = loaded.postmortem.as_ref();
    let client_preview = postmortem.and_then(|_| {
        state
            .engine
            .templates()
            .render("client-postmortem", &ClientPostmortemView::new(&sources))
            .ok()
    });
    let transitions: Vec<Value> = match postmortem.map(|p| (p.state, p.published_at.is_some())) {
        Some((ReviewState::Draft, _)) => {
            vec![json!({"value": "submit", "label": "Submit for review", "style": ""})]
        }
        Some((ReviewState::InReview, _)) => vec![
            json!({"value": "approve", "label": "Approve", "style": ""}),
            json!({"value": "reopen", "label": "Back to draft", "style": "secondary"}),
        ],
        Some((ReviewState::Approved, false)) => {
            vec![json!({"value": "reopen", "label": "Reopen to edit", "style": "secondary"})]
        }
        _ => Vec::new(),
    };
    let mut item_rows: Vec<Value> = view.action_items.iter().map(|a| json!(a)).collect();
    item_rows.extend((0..2).map(|_| json!({"description": "", "owner": "", "due": ""})));
    let data = json!({
        "title": format!("{} {}", incident.id, incident.title),
        "signed_in": manager.user.as_str(),
        "csrf": manager.csrf,
        "flash": flash,
        "problem": problem,
        "month": Month::of(incident.declared_at, state.engine.config().timezone).to_string(),
        "has_postmortem": postmortem.is_some(),
        "editable": postmortem.is_some_and(|p| p.state != ReviewState::Approved),
        "publishable": postmortem.is_some_and(|p| p.check_publishable().is_ok()),
        "version": postmortem.map_or(0, |p| p.version),
        "transitions": transitions,
        "item_rows": item_rows,
        "client_preview": client_preview,
        "pm": view,
    });
    let mut response = state.pages.html(status, "incident", &data);
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        "no-store".parse().expect("a valid header"),
    );
    response
}
