//! Chat platforms' sections (`[slack]`, `[discord]`, `[console]`, …) as the configuration sees
//! them: each is typed and checked by the adapter that owns it (`chat/<platform>/config.rs`), so
//! nothing here names a platform. The loader is handed the sections it may meet.

use std::any::Any;
use std::fmt::Debug;
use std::sync::Arc;

use serde::de::DeserializeOwned;

use super::{Config, ConfigProblem};

/// One platform's typed settings, kept in [`Config`] behind this trait and read back by the
/// adapter as its own type ([`Config::chat`]).
pub trait ChatSettings: Any + Debug + Send + Sync {
    /// What is wrong with the values (weak secrets, malformed ids), keyed `<platform>.<key>`.
    fn problems(&self) -> Vec<ConfigProblem> {
        Vec::new()
    }

    /// Settings that work but are probably not what was meant.
    fn warnings(&self) -> Vec<ConfigProblem> {
        Vec::new()
    }

    /// Where internal escalations go, which must never be a client's channel.
    fn oncall_channel(&self) -> Option<&str> {
        None
    }
}

/// Reads a section's TOML into its settings type; the error carries the key's path.
pub type ReadSection =
    fn(toml::Value) -> Result<Arc<dyn ChatSettings>, serde_path_to_error::Error<toml::de::Error>>;

/// A platform's section as an adapter declares it.
#[derive(Clone, Copy)]
pub struct ChatSection {
    /// The section's name, which is also the platform's name in clients' `channels`.
    pub name: &'static str,
    /// Keys whose `COMMANDPOST_<PLATFORM>_<KEY>` values are TOML (`true`, lists), not strings.
    pub typed_keys: &'static [&'static str],
    pub read: ReadSection,
}

impl ChatSection {
    /// The section `name`, typed as `T`.
    pub const fn of<T: ChatSettings + DeserializeOwned>(
        name: &'static str,
        typed_keys: &'static [&'static str],
    ) -> Self {
        Self {
            name,
            typed_keys,
            read: read_section::<T>,
        }
    }
}

fn read_section<T: ChatSettings + DeserializeOwned>(
    value: toml::Value,
) -> Result<Arc<dyn ChatSettings>, serde_path_to_error::Error<toml::de::Error>> {
    let settings: T = serde_path_to_error::deserialize(value)?;
    Ok(Arc::new(settings))
}

impl Config {
    /// A platform's settings as its adapter typed them; `None` when its section is absent.
    pub fn chat<T: ChatSettings>(&self) -> Option<&T> {
        self.chat_settings
            .values()
            .find_map(|settings| (settings.as_ref() as &dyn Any).downcast_ref::<T>())
    }

    /// Sets (or replaces) a platform's settings, as the console does when it is the terminal.
    pub fn set_chat(&mut self, platform: &'static str, settings: impl ChatSettings) {
        self.chat_settings.insert(platform, Arc::new(settings));
    }

    /// The platforms this configuration enables (tests check which sections were read; the
    /// application asks each adapter's own type instead).
    #[cfg(test)]
    pub(crate) fn chat_platforms(&self) -> impl Iterator<Item = &'static str> + '_ {
        self.chat_settings.keys().copied()
    }

    /// Every platform's problems and where each sends escalations, for the checks that span
    /// sections.
    pub(super) fn chat_problems(&self) -> Vec<ConfigProblem> {
        self.chat_settings
            .values()
            .flat_map(|s| s.problems())
            .collect()
    }

    pub(super) fn chat_warnings(&self) -> Vec<ConfigProblem> {
        self.chat_settings
            .values()
            .flat_map(|s| s.warnings())
            .collect()
    }

    pub(super) fn oncall_channels(&self) -> impl Iterator<Item = (&'static str, &str)> {
        self.chat_settings
            .iter()
            .filter_map(|(platform, settings)| Some((*platform, settings.oncall_channel()?)))
    }
}
