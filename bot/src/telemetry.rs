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

/// One counter the process exports.
pub struct CounterInfo {
    pub name: &'static str,
    pub help: &'static str,
}

/// Every counter, registered at 0 when the recorder is installed so that dashboards and alerts
/// (`increase(...) > 0`) see a series from the first scrape, not only after the first event.
pub const COUNTERS: &[CounterInfo] = &[
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
        name: "commandpost_l1_requests_total",
        help: "Level-1 questions asked, by client",
    },
    CounterInfo {
        name: "commandpost_l1_deflections_total",
        help: "Level-1 questions an article solved, by client",
    },
    CounterInfo {
        name: "commandpost_l1_escalations_total",
        help: "Level-1 questions handed to a person, by client",
    },
    CounterInfo {
        name: "commandpost_l1_burst_alerts_total",
        help: "Bursts of alike questions reported to on-call, by client",
    },
    CounterInfo {
        name: "commandpost_l1_tickets_throttled_total",
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

/// Logs to stderr; `RUST_LOG` sets the level. The console keeps stdout for the chat.
pub fn init_logging(default_level: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default_level));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}
