//! `[log]`: how the process writes its log lines on stderr.

use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LogConfig {
    #[serde(default)]
    pub format: LogFormat,
}

/// `text` for people at a terminal, `json` (one object per line) for a log pipeline.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    Json,
}

impl LogFormat {
    /// `COMMANDPOST_LOG_FORMAT` for commands that read no configuration file (bench, kb);
    /// anything but `json` is text.
    pub fn from_env() -> LogFormat {
        match std::env::var("COMMANDPOST_LOG_FORMAT").as_deref() {
            Ok(value) if value.trim().eq_ignore_ascii_case("json") => LogFormat::Json,
            _ => LogFormat::Text,
        }
    }
}
