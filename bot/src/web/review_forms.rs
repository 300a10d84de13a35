//! The incident page's forms: save the postmortem, move it between review states, comment, and
//! publish the client's version. Each checks the CSRF token and the postmortem's version first.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use axum::Form;

use super::auth::Manager;
use super::csrf::{self, field};
use super::incidents::{csrf_refused, incident_page, store_error};
use super::PagesState;
use crate::domain::review::{ActionItem, Postmortem, ReviewComment, Sections, Transition};
use crate::domain::IncidentId;
use crate::engine::EngineError;
use crate::store::StoreError;

type Fields = Vec<(String, String)>;

const MAX_COMMENT_CHARS: usize = 5_000;

fn done(id: &IncidentId, what: &str) -> Response {
    Redirect::to(&format!("/incidents/{id}?done={what}#review")).into_response()
}

/// The checks every form shares: the CSRF token, the incident and its postmortem.
async fn postmortem_for(
    state: &PagesState,
    manager: &Manager,
    id: &str,
    form: &Fields,
) -> Result<(IncidentId, Postmortem), Response> {
    if !csrf::matches(&manager.csrf, field(form, "csrf")) {
        return Err(csrf_refused(state));
    }
    let missing = || {
        state.pages.message(
            StatusCode::NOT_FOUND,
            "No postmortem",
            &format!(
                "Incident `{id}` has no postmortem (it is drafted when the incident is resolved)."
            ),
            Some(("/incidents", "All incidents")),
        )
    };
    let id = IncidentId::parse(id).map_err(|_| missing())?;
    let postmortem = state
        .engine
        .store()
        .postmortem(&id)
        .await
        .map_err(store_error)?
        .ok_or_else(missing)?;
    Ok((id, postmortem))
}

/// As `postmortem_for`, for a form that changes the postmortem: one made from an older version
/// of it is refused, so nobody overwrites a change they have not seen.
async fn current_postmortem(
    state: &PagesState,
    manager: &Manager,
    id: &str,
    form: &Fields,
) -> Result<(IncidentId, Postmortem), Response> {
    let (id, postmortem) = postmortem_for(state, manager, id, form).await?;
    let version = field(form, "version").and_then(|v| v.parse::<i64>().ok());
    if version != Some(postmortem.version) {
        return Err(refuse(state, manager, &id, StatusCode::CONFLICT, STALE).await);
    }
    Ok((id, postmortem))
}

const STALE: &str = "Someone changed this postmortem after you opened it, so nothing was saved. Their version is below; make your change again.";

async fn refuse(
    state: &PagesState,
    manager: &Manager,
    id: &IncidentId,
    status: StatusCode,
    why: &str,
) -> Response {
    incident_page(state, manager, id.as_str(), None, Some(why), status).await
}

/// Action items from the form's rows (`item`, `owner`, `due`, in order).
fn action_items(form: &Fields) -> Result<Vec<ActionItem>, String> {
    let column = |name: &str| {
        form.iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect::<Vec<_>>()
    };
    let (items, owners, dues) = (column("item"), column("owner"), column("due"));
    let mut parsed = Vec::new();
    for (i, description) in items.iter().enumerate() {
        let owner = owners.get(i).copied().unwrap_or_default();
        let due = dues.get(i).copied().unwrap_or_default();
        if let Some(item) = ActionItem::parse(description, owner, due)? {
            parsed.push(item);
        }
    }
    Ok(parsed)
}

/// `POST /incidents/{id}/postmortem`: saves the sections and action items.
pub async fn save(
    State(state): State<PagesState>,
    manager: Manager,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let (id, postmortem) = match current_postmortem(&state, &manager, &id, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let text = |name: &str| field(&form, name).unwrap_or_default().to_owned();
    let sections = Sections {
        summary: text("summary"),
        impact: text("impact"),
        contributing_factors: text("contributing_factors"),
        went_well: text("went_well"),
        internal_notes: text("internal_notes"),
        client_summary: text("client_summary"),
    };
    let now = state.engine.clock().now();
    let edited =
        action_items(&form).and_then(|items| postmortem.edit(sections, items, &manager.user, now));
    let edited = match edited {
        Ok(edited) => edited,
        Err(why) => return refuse(&state, &manager, &id, StatusCode::BAD_REQUEST, &why).await,
    };
    store_postmortem(
        &state,
        &manager,
        &id,
        &edited,
        postmortem.version,
        None,
        "saved",
    )
    .await
}

/// `POST /incidents/{id}/transition`: submit, approve or reopen; noted in the comments.
pub async fn transition(
    State(state): State<PagesState>,
    manager: Manager,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let (id, postmortem) = match current_postmortem(&state, &manager, &id, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let requested = field(&form, "to").unwrap_or_default();
    let Some(move_to) = Transition::parse(requested) else {
        return refuse(
            &state,
            &manager,
            &id,
            StatusCode::BAD_REQUEST,
            "Unknown review step.",
        )
        .await;
    };
    let now = state.engine.clock().now();
    let next = match postmortem.transition(move_to, &manager.user, now) {
        Ok(next) => next,
        Err(why) => return refuse(&state, &manager, &id, StatusCode::CONFLICT, &why).await,
    };
    let note = ReviewComment {
        incident_id: id.clone(),
        author: manager.user.clone(),
        body: format!(
            "moved the postmortem from {} to {}",
            postmortem.state.label(),
            next.state.label()
        ),
        at: now,
    };
    store_postmortem(
        &state,
        &manager,
        &id,
        &next,
        postmortem.version,
        Some(&note),
        requested,
    )
    .await
}

/// Writes the postmortem if nobody saved it meanwhile; a stale page gets 409 and its edits back.
async fn store_postmortem(
    state: &PagesState,
    manager: &Manager,
    id: &IncidentId,
    postmortem: &Postmortem,
    version: i64,
    note: Option<&ReviewComment>,
    what: &str,
) -> Response {
    match state
        .engine
        .store()
        .save_postmortem(postmortem, version, note)
        .await
    {
        Ok(()) => done(id, what),
        Err(StoreError::Conflict(_)) => {
            refuse(state, manager, id, StatusCode::CONFLICT, STALE).await
        }
        Err(error) => store_error(error),
    }
}

/// `POST /incidents/{id}/comments`.
pub async fn comment(
    State(state): State<PagesState>,
    manager: Manager,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let (id, _) = match postmortem_for(&state, &manager, &id, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    let body = field(&form, "body")
        .unwrap_or_default()
        .trim()
        .replace("\r\n", "\n");
    if body.is_empty() || body.chars().count() > MAX_COMMENT_CHARS {
        let why = format!("A comment needs between 1 and {MAX_COMMENT_CHARS} characters.");
        return refuse(&state, &manager, &id, StatusCode::BAD_REQUEST, &why).await;
    }
    let comment = ReviewComment {
        incident_id: id.clone(),
        author: manager.user.clone(),
        body,
        at: state.engine.clock().now(),
    };
    match state.engine.store().add_review_comment(&comment).await {
        Ok(()) => done(&id, "commented"),
        Err(error) => store_error(error),
    }
}

/// `POST /incidents/{id}/publish`: the approved client version goes to the client.
pub async fn publish(
    State(state): State<PagesState>,
    manager: Manager,
    Path(id): Path<String>,
    Form(form): Form<Fields>,
) -> Response {
    let (id, _) = match postmortem_for(&state, &manager, &id, &form).await {
        Ok(found) => found,
        Err(response) => return response,
    };
    match state.engine.publish_postmortem(&id, &manager.user).await {
        Ok(_) => done(&id, "published"),
        Err(EngineError::Store(StoreError::Conflict(_))) => {
            refuse(&state, &manager, &id, StatusCode::CONFLICT, STALE).await
        }
        Err(EngineError::Store(error)) => store_error(error),
        Err(error) => {
            refuse(
                &state,
                &manager,
                &id,
                StatusCode::CONFLICT,
                &error.user_message(),
            )
            .await
        }
    }
}
