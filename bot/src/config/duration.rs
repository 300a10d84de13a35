//! Humantime durations (`30m`, `90s`, `1h 30m`) in the configuration.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{de::Error as _, Deserialize, Deserializer};

use crate::domain::Severity;

pub fn parse(raw: &str) -> Result<Duration, String> {
    let duration = humantime::parse_duration(raw.trim()).map_err(|e| {
        format!("`{raw}` is not a duration ({e}); write e.g. \"30m\", \"90s\" or \"1h 30m\"")
    })?;
    if duration.is_zero() {
        return Err(format!("`{raw}` is zero; durations must be positive"));
    }
    Ok(duration)
}

pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Duration, D::Error> {
    let raw = String::deserialize(deserializer)?;
    parse(&raw).map_err(D::Error::custom)
}

pub mod optional {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<Duration>, D::Error> {
        let raw = Option::<String>::deserialize(deserializer)?;
        raw.map(|raw| parse(&raw).map_err(D::Error::custom))
            .transpose()
    }
}

pub mod by_severity {
    use super::*;

    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<BTreeMap<Severity, Duration>, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(deserializer)?;
        raw.into_iter()
            .map(|(severity, duration)| {
                let severity: Severity = severity
                    .parse()
                    .map_err(|e| D::Error::custom(format!("cadence: {e}")))?;
                let duration = parse(&duration)
                    .map_err(|e| D::Error::custom(format!("cadence.{severity}: {e}")))?;
                Ok((severity, duration))
            })
            .collect()
    }
}
