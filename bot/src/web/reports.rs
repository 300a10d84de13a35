//! `GET /reports/{client}/{yyyy-mm}`: the monthly client report, printable.

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use serde_json::json;

use super::auth::Manager;
use super::incidents::store_error;
use super::PagesState;
use crate::domain::metrics::{LevelOne, LevelOneOutcome, Month};
use crate::domain::triage::TriageOutcome;
use crate::postmortem::report::{ReportInputs, ReportView};

pub async fn monthly(
    State(state): State<PagesState>,
    manager: Manager,
    Path((client, month)): Path<(String, String)>,
) -> Response {
    let config = state.engine.config();
    let Some(client) = config.clients.iter().find(|c| c.id.as_str() == client) else {
        return state.pages.message(
            StatusCode::NOT_FOUND,
            "Not found",
            &format!("`{client}` is not a client of this deployment."),
            Some(("/incidents", "All incidents")),
        );
    };
    let Some(month) = Month::parse(&month) else {
        return state.pages.message(
            StatusCode::BAD_REQUEST,
            "Not understood",
            &format!("`{month}` is not a month: write it YYYY-MM, e.g. 2026-11."),
            None,
        );
    };
    let tz = config.timezone;
    let (from, to) = month.range(tz);
    let mut year_start = month;
    for _ in 0..11 {
        year_start = year_start.previous();
    }
    let store = state.engine.store();
    let timelines = match store.client_timelines(&client.id, from, to).await {
        Ok(timelines) => timelines,
        Err(error) => return store_error(error),
    };
    let year = match store
        .client_incidents(&client.id, year_start.start(tz), to)
        .await
    {
        Ok(year) => year,
        Err(error) => return store_error(error),
    };
    let requests = match store.recent_triage_requests(&client.id, from).await {
        Ok(requests) => requests,
        Err(error) => return store_error(error),
    };
    let level_one =
        LevelOne::of(
            requests
                .iter()
                .filter(|r| r.created_at < to)
                .map(|r| match r.outcome {
                    TriageOutcome::Suggested => LevelOneOutcome::Open,
                    TriageOutcome::Solved => LevelOneOutcome::Solved,
                    TriageOutcome::Escalated
                    | TriageOutcome::Incident
                    | TriageOutcome::Answered => LevelOneOutcome::Escalated,
                }),
        );
    let view = ReportView::new(&ReportInputs {
        config,
        client: &client.id,
        month,
        timelines: &timelines,
        year: &year,
        level_one,
        now: state.engine.clock().now(),
    });
    let data = json!({
        "title": format!("{} {}", client.name, month.label()),
        "signed_in": manager.user.as_str(),
        "csrf": manager.csrf,
        "r": view,
    });
    state.pages.html(StatusCode::OK, "report", &data)
}
