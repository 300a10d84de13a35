//! Logging and metrics set-up, once per process.

use std::io::IsTerminal;
use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

use tracing_subscriber::util::SubscriberInitExt;

use crate::config::LogFormat;

static METRICS: OnceLock<PrometheusHandle> = OnceLock::new();

/// The process's Prometheus recorder, installed on first use.
pub fn metrics() -> PrometheusHandle {
    METRICS
        .get_or_init(|| {
            let recorder = PrometheusBuilder::new().build_recorder();
            let handle = recorder.handle();
            // A second recorder (another test in this process) keeps the first one's data.
            let _ = metrics::set_global_recorder(recorder);
            describe();
            handle
        })
        .clone()
}

/// One counter the process exports.
pub struct CounterInfo {
    pub name: &'static str,
    pub help: &'static str,
}

/// Every counter, registered at 0 when the recorder is installed so that dashboards and alerts
/// (`increase(...) > 0`) see a series from the first scrape, not only after the first event.
pub const COUNTERS: &[CounterInfo] = &[
    CounterInfo {
        name: "commandpost_alerts_received_total",
        help: "Alerts from monitoring accepted by POST /alerts/{client}, by client",
    },
    CounterInfo {
        name: "commandpost_alerts_refused_total",
        help: "Alert posts refused (unauthorized, malformed), by reason",
    },
    CounterInfo {
        name: "commandpost_alert_proposals_total",
        help: "Possible major incidents proposed to on-call from alerts",
    },
    CounterInfo {
        name: "commandpost_alert_proposals_suppressed_total",
        help: "Alert groups not proposed because the client had a proposal within alerts.cooldown",
    },
    CounterInfo {
        name: "commandpost_alert_declarations_total",
        help: "Incidents declared at once from alerts (alerts.auto_declare)",
    },
    CounterInfo {
        name: "commandpost_outbox_deliveries_total",
        help: "Delivery attempts by kind of destination and outcome (delivered, retry, failed, taken_over)",
    },
    CounterInfo {
        name: "commandpost_outbox_lease_takeovers_total",
        help: "Deliveries whose claim another worker took over because the first seemed dead",
    },
    CounterInfo {
        name: "commandpost_incidents_declared_total",
        help: "Incidents declared, by severity",
    },
    CounterInfo {
        name: "commandpost_commands_total",
        help: "Chat commands handled, by command and outcome",
    },
    CounterInfo {
        name: "commandpost_commands_from_outsiders_total",
        help: "/incident commands refused because the person is not a responder, by platform",
    },
    CounterInfo {
        name: "commandpost_client_updates_total",
        help: "Client updates that reached the client, on time or late",
    },
    CounterInfo {
        name: "commandpost_update_delivery_failures_total",
        help: "Failed delivery attempts, by kind of destination",
    },
    CounterInfo {
        name: "commandpost_update_breaches_total",
        help: "Escalations for overdue client updates",
    },
    CounterInfo {
        name: "commandpost_timer_failures_total",
        help: "Timers that could not be fired (e.g. a broken template); the others go on",
    },
    CounterInfo {
        name: "commandpost_worker_panics_total",
        help: "Worker passes that panicked and were restarted",
    },
    CounterInfo {
        name: "commandpost_slack_requests_total",
        help: "Slack requests received, by kind and outcome",
    },
    CounterInfo {
        name: "commandpost_support_messages_total",
        help: "Plain messages seen in client support channels, by platform",
    },
    CounterInfo {
        name: "commandpost_triage_requests_total",
        help: "Level-1 questions asked, by client",
    },
    CounterInfo {
        name: "commandpost_triage_deflections_total",
        help: "Level-1 questions an article solved, by client",
    },
    CounterInfo {
        name: "commandpost_triage_escalations_total",
        help: "Level-1 questions handed to a person, by client",
    },
    CounterInfo {
        name: "commandpost_triage_burst_alerts_total",
        help: "Bursts of alike questions reported to on-call, by client",
    },
    CounterInfo {
        name: "commandpost_triage_tickets_throttled_total",
        help: "Tickets refused because one asker opened too many in an hour",
    },
];

fn describe() {
    for counter in COUNTERS {
        metrics::describe_counter!(counter.name, counter.help);
        metrics::counter!(counter.name).increment(0);
    }
    metrics::describe_gauge!(
        "commandpost_overdue_incidents",
        "Open incidents whose client update is overdue"
    );
    metrics::gauge!("commandpost_overdue_incidents").set(0.0);
    metrics::describe_gauge!(
        "commandpost_outbox_depth",
        "Pending deliveries, by kind of destination"
    );
    metrics::describe_gauge!(
        "commandpost_outbox_oldest_seconds",
        "Age of the oldest pending delivery, by kind of destination"
    );
    for kind in crate::effects::Destination::METRIC_LABELS {
        metrics::gauge!("commandpost_outbox_depth", "destination" => kind).set(0.0);
        metrics::gauge!("commandpost_outbox_oldest_seconds", "destination" => kind).set(0.0);
    }
}

/// The format logging was started with, once it has been.
static LOGGING: OnceLock<LogFormat> = OnceLock::new();

/// Logs to stderr; `RUST_LOG` sets the level. The console keeps stdout for the chat.
pub fn init_logging(default_level: &str, format: LogFormat) {
    let _ = LOGGING.set(format);
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = subscriber(filter, format, std::io::stderr, colour_on_stderr()).try_init();
}

/// Says why the process stops, where its log goes: with JSON logs, as one more JSON line (a
/// pipeline reading stderr must be able to parse every line); otherwise, and before logging
/// started (a configuration that does not load), as a plain line for the person at the terminal.
pub fn report_fatal(message: &str) {
    match LOGGING.get() {
        Some(LogFormat::Json) => tracing::error!(error = message, "commandpost stopped"),
        _ => eprintln!("commandpost: {message}"),
    }
}

/// The log subscriber. `json`: one object per line (timestamp, level, target, message, and the
/// fields of the current span and of every span it is in: incident, platform, user, command),
/// for a log pipeline. `ansi` only when a person is reading a terminal.
pub fn subscriber<W>(
    filter: tracing_subscriber::EnvFilter,
    format: LogFormat,
    writer: W,
    ansi: bool,
) -> Box<dyn tracing::Subscriber + Send + Sync>
where
    W: for<'a> tracing_subscriber::fmt::MakeWriter<'a> + Send + Sync + 'static,
{
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer);
    match format {
        LogFormat::Text => Box::new(builder.with_ansi(ansi).finish()),
        LogFormat::Json => Box::new(
            builder
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(true)
                .finish(),
        ),
    }
}

/// Escape codes only for a person at a terminal who has not asked for none (`NO_COLOR`).
fn colour_on_stderr() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none()
}

#[cfg(test)]
mod tests {
    use secrecy::SecretString;

    use super::*;
    use crate::testing::Written;

    fn logged(format: LogFormat, ansi: bool) -> String {
        let lines = Written::default();
        let sink = lines.clone();
        let subscriber = subscriber(
            tracing_subscriber::EnvFilter::new("info"),
            format,
            move || sink.clone(),
            ansi,
        );
        tracing::subscriber::with_default(subscriber, || {
            let secret = SecretString::from("xoxb-very-secret-token");
            let command = tracing::info_span!(
                "command",
                platform = "slack",
                user = "U0ALICE",
                command = "declare"
            );
            let _command = command.enter();
            let incident = tracing::info_span!("incident", incident = "INC-2026-0042");
            let _incident = incident.enter();
            tracing::info!(token = ?secret, "incident declared");
        });
        lines.text()
    }

    #[test]
    fn json_lines_carry_level_target_message_and_span_fields_but_no_secret() {
        let text = logged(LogFormat::Json, false);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert!(line["timestamp"].is_string(), "{line}");
        assert_eq!(line["level"], "INFO");
        assert_eq!(line["target"], "commandpost::telemetry::tests");
        assert_eq!(line["message"], "incident declared");
        assert_eq!(line["span"]["incident"], "INC-2026-0042");
        let spans = line["spans"].as_array().unwrap();
        assert_eq!(spans[0]["platform"], "slack");
        assert_eq!(spans[0]["user"], "U0ALICE");
        assert_eq!(spans[0]["command"], "declare");
        assert!(!text.contains("very-secret"), "{text}");
    }

    #[test]
    fn text_has_escape_codes_only_when_asked() {
        assert!(!logged(LogFormat::Text, false).contains('\x1b'));
        assert!(logged(LogFormat::Text, true).contains('\x1b'));
    }
}
