//! The three bodies `POST /alerts/{client}` accepts: the Alertmanager webhook (version 4), the
//! Grafana alerting webhook (Alertmanager's shape with extra fields), and a plain
//! `{"title","severity","status","fingerprint","source"}`. Unknown extra fields are ignored;
//! a missing required one is an error naming it.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;
use sha2::{Digest, Sha256};
use thiserror::Error;

use super::{Alert, MAX_TITLE};

#[derive(Debug, Error, PartialEq, Eq)]
pub enum AlertParseError {
    #[error("the body is not JSON ({0})")]
    NotJson(String),
    #[error("`{field}`: {message}")]
    Invalid { field: String, message: String },
}

/// Alertmanager's and Grafana's webhook body: the fields read here.
#[derive(Debug, Deserialize)]
struct GroupBody {
    alerts: Vec<GroupAlert>,
    version: Option<String>,
    #[serde(rename = "orgId")]
    org_id: Option<Value>,
}

#[derive(Debug, Deserialize)]
struct GroupAlert {
    status: String,
    labels: BTreeMap<String, String>,
    #[serde(default)]
    annotations: BTreeMap<String, String>,
    fingerprint: Option<String>,
    #[serde(rename = "generatorURL")]
    generator_url: Option<String>,
    #[serde(rename = "dashboardURL")]
    dashboard_url: Option<String>,
}

#[derive(Debug, Deserialize)]
struct PlainBody {
    title: String,
    severity: String,
    status: String,
    fingerprint: String,
    source: String,
    link: Option<String>,
}

fn typed<T: serde::de::DeserializeOwned>(value: Value) -> Result<T, AlertParseError> {
    serde_path_to_error::deserialize(value).map_err(|error| {
        let field = error.path().to_string();
        let message = error.inner().to_string();
        let message = match message.split_once(" at line") {
            Some((before, _)) => before.to_owned(),
            None => message,
        };
        AlertParseError::Invalid { field, message }
    })
}

fn firing(status: &str, field: &str) -> Result<bool, AlertParseError> {
    match status.to_ascii_lowercase().as_str() {
        "firing" | "alerting" | "triggered" => Ok(true),
        "resolved" | "ok" | "normal" => Ok(false),
        other => Err(AlertParseError::Invalid {
            field: field.to_owned(),
            message: format!("`{other}` is not `firing` or `resolved`"),
        }),
    }
}

fn short(text: &str) -> String {
    let line = text.lines().next().unwrap_or_default().trim();
    line.chars().take(MAX_TITLE).collect()
}

/// Alertmanager's own fingerprint is a hash of the labels; the same when an alert lacks one.
fn labels_fingerprint(labels: &BTreeMap<String, String>) -> String {
    let mut hash = Sha256::new();
    for (key, value) in labels {
        hash.update(key.as_bytes());
        hash.update([0]);
        hash.update(value.as_bytes());
        hash.update([0]);
    }
    hex::encode(&hash.finalize()[..8])
}

/// Every alert in `body`, or what is wrong with it.
pub fn parse(body: &[u8]) -> Result<Vec<Alert>, AlertParseError> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| AlertParseError::NotJson(e.to_string()))?;
    if !value.is_object() {
        return Err(AlertParseError::Invalid {
            field: ".".into(),
            message: "the body must be a JSON object".into(),
        });
    }
    if value.get("alerts").is_some() {
        return group_alerts(typed(value)?);
    }
    let plain: PlainBody = typed(value)?;
    for (field, text) in [
        ("title", &plain.title),
        ("fingerprint", &plain.fingerprint),
        ("severity", &plain.severity),
    ] {
        if text.trim().is_empty() {
            return Err(AlertParseError::Invalid {
                field: field.into(),
                message: "is empty".into(),
            });
        }
    }
    Ok(vec![Alert {
        fingerprint: plain.fingerprint.trim().chars().take(200).collect(),
        title: short(&plain.title),
        severity: plain.severity.trim().to_ascii_lowercase(),
        firing: firing(&plain.status, "status")?,
        source: short(&plain.source),
        link: plain.link,
    }])
}

fn group_alerts(body: GroupBody) -> Result<Vec<Alert>, AlertParseError> {
    // Grafana sends Alertmanager's shape with its own `orgId` (and version "1").
    let source = match (&body.org_id, body.version.as_deref()) {
        (Some(_), _) => "Grafana",
        (None, Some("4")) => "Alertmanager",
        _ => "Alertmanager",
    };
    body.alerts
        .into_iter()
        .enumerate()
        .map(|(index, alert)| {
            let title = alert
                .annotations
                .get("summary")
                .or_else(|| alert.annotations.get("title"))
                .or_else(|| alert.labels.get("alertname"))
                .cloned()
                .unwrap_or_else(|| format!("{source} alert"));
            let fingerprint = match alert.fingerprint.filter(|f| !f.is_empty()) {
                Some(fingerprint) => fingerprint,
                None => labels_fingerprint(&alert.labels),
            };
            Ok(Alert {
                fingerprint,
                title: short(&title),
                severity: alert
                    .labels
                    .get("severity")
                    .map_or_else(|| "warning".to_owned(), |s| s.to_ascii_lowercase()),
                firing: firing(&alert.status, &format!("alerts[{index}].status"))?,
                source: source.to_owned(),
                link: alert
                    .annotations
                    .get("runbook_url")
                    .cloned()
                    .or(alert.dashboard_url)
                    .or(alert.generator_url)
                    .filter(|url| url.starts_with("https://") || url.starts_with("http://")),
            })
        })
        .collect()
}

#[cfg(test)]
#[path = "parse_tests.rs"]
mod tests;
