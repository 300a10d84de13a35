//! Typed configuration: a TOML file, overridden by `COMMANDPOST_<SECTION>_<KEY>` variables.
//! Secrets are wrapped so they never reach logs or error messages.

mod alerts;
mod chat;
mod clients;
mod delivery;
mod duration;
mod env;
mod load;
pub mod locate;
mod log;
mod paging;
mod paths;
mod secrets;
mod validate;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::domain::{ClientId, Policy, Severity, UserId};

pub use alerts::{severity_rank, AlertsConfig};
pub use chat::{ChatSection, ChatSettings};
pub use clients::{ClientChannels, ClientConfig, EmailConfig};
pub use delivery::{frame_origin, webhook_key};
pub use log::{LogConfig, LogFormat};
pub use paging::PagingConfig;
pub use secrets::check as check_secret;
pub use validate::ConfigProblem;

/// The configuration used when no `--config` is given: one client, `demo`, console only.
pub const SAMPLE_CONFIG: &str = include_str!("../../sample-config.toml");

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read config file {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A syntax error carries the line, a typing error the key; never the offending text.
    #[error("config {origin}: {}", load::parse_detail(*line, key.as_deref(), message))]
    Parse {
        origin: String,
        line: Option<usize>,
        key: Option<String>,
        message: String,
    },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("config {origin} has {} problem(s):\n{}", .problems.len(), .problems.iter().map(|p| format!("  - {p}")).collect::<Vec<_>>().join("\n"))]
    Invalid {
        origin: String,
        problems: Vec<ConfigProblem>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    #[serde(default = "default_database_url")]
    pub database_url: String,
    #[serde(default = "default_templates_dir")]
    pub templates_dir: PathBuf,
    #[serde(default = "default_kb_dir")]
    pub kb_dir: PathBuf,
    /// IANA time zone for times shown to people (e.g. `Europe/London`).
    #[serde(default = "default_timezone")]
    pub timezone: chrono_tz::Tz,
    #[serde(default)]
    pub http: HttpConfig,
    #[serde(default)]
    pub policy: PolicyConfig,
    #[serde(default)]
    pub triage: TriageConfig,
    /// Status updates by email; absent: no client is written to.
    pub email: Option<EmailConfig>,
    /// How alerts from monitoring become proposals or incidents.
    #[serde(default)]
    pub alerts: AlertsConfig,
    /// Escalations page through PagerDuty; absent: no paging.
    pub paging: Option<PagingConfig>,
    #[serde(default)]
    pub clients: Vec<ClientConfig>,
    #[serde(default)]
    pub log: LogConfig,
    /// Where this configuration came from, for messages.
    #[serde(skip)]
    pub origin: String,
    /// `COMMANDPOST_*` variables that name no key: reported by `warnings`, otherwise ignored.
    #[serde(skip)]
    pub env_warnings: Vec<ConfigProblem>,
    /// The chat platforms' sections, typed by their adapters (see `chat.rs`): read them with
    /// [`Config::chat`].
    #[serde(skip)]
    chat_settings: BTreeMap<&'static str, Arc<dyn ChatSettings>>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct HttpConfig {
    #[serde(default = "default_listen")]
    pub listen: SocketAddr,
    #[serde(default = "default_public_url")]
    pub public_url: String,
    /// `/metrics` is served here only: `listen` faces the internet, this must not.
    #[serde(default = "default_metrics_listen")]
    pub metrics_listen: SocketAddr,
}

impl Default for HttpConfig {
    fn default() -> Self {
        Self {
            listen: default_listen(),
            public_url: default_public_url(),
            metrics_listen: default_metrics_listen(),
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PolicyConfig {
    #[serde(default = "minutes::<30>", with = "duration")]
    pub first_update_within: Duration,
    #[serde(default = "minutes::<30>", with = "duration")]
    pub update_every: Duration,
    #[serde(default = "default_cadence", with = "duration::by_severity")]
    pub cadence: BTreeMap<Severity, Duration>,
    #[serde(default = "minutes::<5>", with = "duration")]
    pub nudge_before: Duration,
    #[serde(default = "minutes::<5>", with = "duration")]
    pub escalate_after: Duration,
    #[serde(default = "default_separate")]
    pub separate_comms_for: Vec<Severity>,
    #[serde(default)]
    pub managers: Vec<String>,
}

impl Default for PolicyConfig {
    fn default() -> Self {
        toml::from_str("").expect("the empty policy takes every default")
    }
}

/// Level-1 triage: when similar requests are really a major incident.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TriageConfig {
    /// Different people of one client asking alike within `burst_window`.
    #[serde(default = "default_burst_threshold")]
    pub burst_threshold: usize,
    #[serde(default = "minutes::<10>", with = "duration")]
    pub burst_window: Duration,
    /// Words that flag an outage on their own; the built-in list when absent.
    pub outage_phrases: Option<Vec<String>>,
    /// Tickets one asker may open per hour; beyond it they are asked to wait (flood guard).
    #[serde(default = "default_tickets_per_hour")]
    pub tickets_per_hour: usize,
    /// A sentence-transformers model folder: search by meaning as well as words. Absent:
    /// words only, with a warning.
    pub model_dir: Option<PathBuf>,
    /// Where article embeddings are cached between starts; absent: `<kb_dir>/.embeddings`. Must
    /// be writable (a read-only knowledge base, as under the systemd unit, needs one elsewhere).
    pub embedding_cache: Option<PathBuf>,
}

impl Default for TriageConfig {
    fn default() -> Self {
        toml::from_str("").expect("the empty triage section takes every default")
    }
}

impl TriageConfig {
    pub fn policy(&self) -> crate::domain::triage::TriagePolicy {
        let defaults = crate::domain::triage::TriagePolicy::default();
        crate::domain::triage::TriagePolicy {
            burst_threshold: self.burst_threshold,
            burst_window: self.burst_window,
            outage_phrases: self
                .outage_phrases
                .clone()
                .unwrap_or(defaults.outage_phrases),
        }
    }
}

fn default_burst_threshold() -> usize {
    3
}

fn minutes<const M: u64>() -> Duration {
    Duration::from_secs(M * 60)
}
fn default_cadence() -> BTreeMap<Severity, Duration> {
    BTreeMap::from([(Severity::P2, minutes::<60>())])
}
fn default_separate() -> Vec<Severity> {
    vec![Severity::P1]
}
fn default_database_url() -> String {
    "sqlite://commandpost.db".into()
}
fn default_templates_dir() -> PathBuf {
    "incident-templates".into()
}
fn default_kb_dir() -> PathBuf {
    "kb".into()
}
fn default_timezone() -> chrono_tz::Tz {
    chrono_tz::UTC
}
fn default_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 8080))
}
fn default_tickets_per_hour() -> usize {
    10
}
fn default_metrics_listen() -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], 9464))
}
fn default_public_url() -> String {
    "http://127.0.0.1:8080".into()
}

impl Config {
    pub fn client(&self, id: &ClientId) -> Option<&ClientConfig> {
        self.clients.iter().find(|client| &client.id == id)
    }

    /// The time zone a client reads times in: its own, else the deployment's.
    pub fn timezone_for(&self, client: &ClientId) -> chrono_tz::Tz {
        self.client(client)
            .and_then(|client| client.timezone)
            .unwrap_or(self.timezone)
    }

    /// The domain policy these settings describe.
    pub fn policy(&self) -> Policy {
        let mut cadence = self.policy.cadence.clone();
        cadence.insert(Severity::P1, self.policy.update_every);
        Policy {
            first_update_within: self.policy.first_update_within,
            cadence,
            nudge_before: self.policy.nudge_before,
            escalate_after: self.policy.escalate_after,
            separate_comms_for: self.policy.separate_comms_for.clone(),
            managers: self.policy.managers.iter().map(UserId::new).collect(),
        }
    }

    /// Settings that work but are probably not what was meant (`check` and start print them).
    pub fn warnings(&self) -> Vec<ConfigProblem> {
        let mut warnings = self.env_warnings.clone();
        warnings.extend(self.chat_warnings());
        if self.triage.model_dir.is_none() {
            warnings.push(ConfigProblem {
                key: "triage.model_dir".into(),
                message: "is not set: level-1 triage searches by words only, which misses questions worded differently from the articles (see the README, Level-1 triage)".into(),
            });
        }
        warnings
    }
}

#[cfg(test)]
mod channels_tests;
#[cfg(test)]
pub(crate) mod tests;
