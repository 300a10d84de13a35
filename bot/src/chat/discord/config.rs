//! The `[discord]` section: the application, its guild, where escalations go, who may respond.

use secrecy::SecretString;
use serde::Deserialize;

use crate::config::{check_secret, ChatSection, ChatSettings, ConfigProblem};

/// `[discord]` in the application's configuration.
pub const SECTION: ChatSection = ChatSection::of::<DiscordConfig>(super::PLATFORM, &["gateway"]);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DiscordConfig {
    pub application_id: String,
    pub public_key: String,
    pub bot_token: SecretString,
    pub guild_id: String,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    #[serde(default)]
    pub gateway: bool,
    pub oncall_channel: String,
    /// Role ids whose members may use `/incident` and see incident rooms. Empty: managers only.
    #[serde(default)]
    pub responder_roles: Vec<String>,
}

fn default_api_url() -> String {
    super::DEFAULT_API_URL.into()
}

impl ChatSettings for DiscordConfig {
    fn problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        let key = &self.public_key;
        if key.len() != 64 || !key.chars().all(|c| c.is_ascii_hexdigit()) {
            problems.push(ConfigProblem {
                key: "discord.public_key".into(),
                message: "must be the application's Ed25519 public key: 64 hex characters".into(),
            });
        }
        check_secret(
            &mut problems,
            "discord.bot_token".into(),
            &self.bot_token,
            1,
        );
        for (index, role) in self.responder_roles.iter().enumerate() {
            if role.is_empty() || !role.chars().all(|c| c.is_ascii_digit()) {
                problems.push(ConfigProblem {
                    key: format!("discord.responder_roles[{index}]"),
                    message: format!("`{role}` is not a Discord role id (digits only)"),
                });
            }
        }
        problems
    }

    fn warnings(&self) -> Vec<ConfigProblem> {
        if !self.responder_roles.is_empty() {
            return Vec::new();
        }
        vec![ConfigProblem {
            key: "discord.responder_roles".into(),
            message: "is empty: only policy.managers may use /incident on Discord, and incident rooms are visible to them and the bot only".into(),
        }]
    }

    fn oncall_channel(&self) -> Option<&str> {
        Some(&self.oncall_channel)
    }
}
