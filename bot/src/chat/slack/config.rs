//! The `[slack]` section: the app's tokens, where escalations go, who may use `/incident`.

use secrecy::SecretString;
use serde::Deserialize;

use crate::config::{check_secret, ChatSection, ChatSettings, ConfigProblem};

/// Slack signs requests with a 32-character secret; anything shorter is a typo or a placeholder.
pub const MIN_SIGNING_SECRET: usize = 32;

/// `[slack]` in the application's configuration.
pub const SECTION: ChatSection = ChatSection::of::<SlackConfig>(super::PLATFORM, &[]);

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SlackConfig {
    pub bot_token: SecretString,
    pub signing_secret: SecretString,
    pub app_token: Option<SecretString>,
    #[serde(default = "default_api_url")]
    pub api_url: String,
    pub oncall_channel: String,
    /// User ids (`U…`/`W…`) and user-group ids (`S…`) who may use `/incident`. Absent: every full
    /// member of the bot's own workspace (never guests, never Slack Connect users).
    pub responders: Option<Vec<String>>,
}

fn default_api_url() -> String {
    "https://slack.com/api".into()
}

impl ChatSettings for SlackConfig {
    fn problems(&self) -> Vec<ConfigProblem> {
        let mut problems = Vec::new();
        check_secret(&mut problems, "slack.bot_token".into(), &self.bot_token, 1);
        check_secret(
            &mut problems,
            "slack.signing_secret".into(),
            &self.signing_secret,
            MIN_SIGNING_SECRET,
        );
        if let Some(app_token) = &self.app_token {
            check_secret(&mut problems, "slack.app_token".into(), app_token, 1);
        }
        for (index, id) in self.responders.iter().flatten().enumerate() {
            let well_formed = id.len() > 1
                && matches!(id.as_bytes()[0], b'U' | b'W' | b'S')
                && id
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit());
            if !well_formed {
                problems.push(ConfigProblem {
                    key: format!("slack.responders[{index}]"),
                    message: format!("`{id}` is not a Slack user id (U…/W…) or user-group id (S…)"),
                });
            }
        }
        problems
    }

    fn oncall_channel(&self) -> Option<&str> {
        Some(&self.oncall_channel)
    }
}
