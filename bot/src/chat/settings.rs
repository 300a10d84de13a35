//! Loading the configuration with every adapter's section. `Config::load` is defined here,
//! beside the adapter table, because only here are the platforms known: the configuration module
//! names none, and the adapters depend on it, never the other way round.

use std::path::Path;

use super::ADAPTERS;
use crate::config::{ChatSection, Config, ConfigError};

/// Every platform's configuration section, from the adapter table.
pub fn sections() -> Vec<ChatSection> {
    ADAPTERS.iter().map(|adapter| adapter.section).collect()
}

impl Config {
    /// Loads a file (or the built-in sample when `path` is `None`), applies the environment,
    /// validates. Relative paths in the file are taken relative to the file's folder.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Config::load_with(path, &sections())
    }

    /// A configuration from text, with `vars` as the environment.
    pub fn from_toml(
        text: &str,
        origin: &str,
        vars: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        Config::from_toml_with(text, origin, None, vars, &sections())
    }
}

#[cfg(test)]
#[path = "settings_tests.rs"]
mod tests;
