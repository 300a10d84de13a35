//! The `[console]` section: whether the terminal adapter runs beside a server, and as whom.

use serde::Deserialize;

use crate::config::{ChatSection, ChatSettings, Config};

/// `[console]` in the application's configuration.
pub const SECTION: ChatSection = ChatSection::of::<ConsoleConfig>(super::PLATFORM, &["enabled"]);

/// The terminal chat adapter; on by default only when `commandpost` runs without a subcommand.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConsoleConfig {
    #[serde(default = "yes")]
    pub enabled: bool,
    /// Who you are when the console starts (`/as NAME` switches).
    pub user: Option<String>,
}

fn yes() -> bool {
    true
}

impl ChatSettings for ConsoleConfig {}

impl ConsoleConfig {
    /// Whether the configuration turns the console on.
    pub fn enabled_in(config: &Config) -> bool {
        config
            .chat::<ConsoleConfig>()
            .is_some_and(|console| console.enabled)
    }

    /// Turns the console on, keeping its `user` if the file names one: the terminal is the chat
    /// when `commandpost` runs without a subcommand, whatever the file says.
    pub fn turn_on(config: &mut Config) {
        let user = config.chat::<ConsoleConfig>().and_then(|c| c.user.clone());
        config.set_chat(
            super::PLATFORM,
            ConsoleConfig {
                enabled: true,
                user,
            },
        );
    }
}
