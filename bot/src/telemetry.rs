//! Logging and metrics set-up, once per process.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

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

fn describe() {
    metrics::describe_counter!(
        "commandpost_incidents_declared_total",
        "Incidents declared, by severity"
    );
    metrics::describe_counter!(
        "commandpost_commands_total",
        "Chat commands handled, by command and outcome"
    );
    metrics::describe_counter!(
        "commandpost_client_updates_total",
        "Client updates that reached the client, on time or late"
    );
    metrics::describe_counter!(
        "commandpost_update_delivery_failures_total",
        "Failed delivery attempts, by kind of destination"
    );
    metrics::describe_counter!(
        "commandpost_update_breaches_total",
        "Escalations for overdue client updates"
    );
    metrics::describe_gauge!(
        "commandpost_overdue_incidents",
        "Open incidents whose client update is overdue"
    );
}

/// Logs to stderr; `RUST_LOG` sets the level. The console keeps stdout for the chat.
pub fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
