//! `commandpost check`: the configuration and every template, rendered with sample data.

use std::path::Path;

use chrono::{TimeZone, Utc};
use serde_json::{json, Value};

use crate::config::{locate, Config, ConfigProblem};
use crate::domain::{
    Actor, ClientId, ClientPolicy, Incident, IncidentId, Policy, Severity, Terms, UserId,
};
use crate::templates::Templates;
use crate::views::{IncidentView, ViewContext};

/// Sample data for each template, shaped exactly as the engine renders it.
pub fn template_samples(config: &Config) -> Vec<(&'static str, Value)> {
    let now = Utc
        .with_ymd_and_hms(2026, 11, 25, 9, 30, 0)
        .single()
        .unwrap_or_else(Utc::now);
    let policy = Policy::default();
    let contract = ClientPolicy::default();
    let actor = Actor {
        user: UserId::new("console:alice"),
        is_manager: false,
    };
    let client = config
        .clients
        .first()
        .map(|c| c.id.clone())
        .unwrap_or_else(|| ClientId::parse("demo").expect("a valid sample id"));
    let (incident, _) = Incident::declare(
        IncidentId::new(2026, 42),
        client,
        Severity::P1,
        "Email is down for everyone".into(),
        &actor,
        now,
        Terms {
            policy: &policy,
            client: &contract,
        },
    );
    let context = ViewContext {
        config,
        policy: &policy,
        now,
        timezone: config.timezone,
    };
    let view =
        serde_json::to_value(IncidentView::new(&incident, context, 0)).unwrap_or(Value::Null);
    let with = |extras: Value| {
        let mut merged = view.clone();
        if let (Some(target), Some(extras)) = (merged.as_object_mut(), extras.as_object()) {
            target.extend(extras.clone());
        }
        merged
    };
    let mut samples = vec![
        ("brief", view.clone()),
        ("status", view.clone()),
        (
            "client-update",
            with(
                json!({"message": "We are investigating.", "sequence": 1, "sent_at": "09:30 UTC"}),
            ),
        ),
        (
            "draft-update",
            with(json!({"next_due_after_this": "10:00 UTC"})),
        ),
        ("nudge", with(json!({"draft": "We are investigating."}))),
        (
            "stage-draft",
            with(json!({"draft": "Update on \"Email is down\": we are monitoring."})),
        ),
        (
            "escalation",
            with(json!({"due_at": "10:00 UTC", "late_by": "5m 00s", "managers": ["<@U0MANAGER>"]})),
        ),
        (
            "client-resolution",
            with(
                json!({"message": "Mail flows again.", "sequence": 3, "stage": "resolved", "sent_at": "10:40 UTC"}),
            ),
        ),
        (
            "client-email.html",
            with(
                json!({"message": "Mail flows again.", "paragraphs": ["Mail flows again."], "sequence": 3, "stage": "resolved", "resolved": true, "sent_at": "10:40 UTC", "status_page": null}),
            ),
        ),
        (
            "resolution",
            with(
                json!({"client_notice": "✅ Acme: Email is down is resolved (P1)\nMail flows again."}),
            ),
        ),
        (
            "announcement",
            with(json!({"room": "#inc-20261125-demo-email-is-down-for-everyone"})),
        ),
    ];
    samples.extend(crate::postmortem::template_samples(config, now));
    samples
}

/// What `commandpost check --config FILE` prints, and whether everything was valid.
pub struct Report {
    pub lines: Vec<String>,
    pub valid: bool,
}

/// Checks the configuration file, then (when it loads) the templates, the knowledge base and the
/// model; every problem and warning as `file:line: key: message`.
pub fn report(path: &Path) -> Report {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).unwrap_or_default();
    let config = match Config::load(Some(path)) {
        Ok(config) => config,
        Err(error) => {
            let mut lines = locate::error_lines(&file, &text, &error);
            lines.push(format!("{} problem(s) found", lines.len()));
            return Report {
                lines,
                valid: false,
            };
        }
    };
    let mut lines: Vec<String> = config
        .warnings()
        .iter()
        .map(|warning| {
            let line = locate::problem_line(&file, &text, warning);
            match line.split_once(": ") {
                Some((at, rest)) => format!("{at}: warning: {rest}"),
                None => line,
            }
        })
        .collect();
    let mut problems = problems(&config, &config.templates_dir);
    problems.extend(crate::kb_cli::problems(&config.kb_dir));
    if let Some(dir) = &config.triage.model_dir {
        if let Err(error) = commandpost_knowledge::Embedder::load(dir) {
            problems.push(locate::problem_line(
                &file,
                &text,
                &ConfigProblem {
                    key: "triage.model_dir".into(),
                    message: error.to_string(),
                },
            ));
        }
    }
    let valid = problems.is_empty();
    lines.extend(problems.iter().cloned());
    if valid {
        lines.push(format!(
            "{file}: configuration, templates and knowledge base are valid"
        ));
    } else {
        lines.push(format!("{} problem(s) found", problems.len()));
    }
    Report { lines, valid }
}

/// Every template problem found, as `file:line: message` lines.
pub fn problems(config: &Config, templates_dir: &Path) -> Vec<String> {
    Templates::check(Some(templates_dir), &template_samples(config))
        .into_iter()
        .map(|problem| problem.to_string())
        .collect()
}
