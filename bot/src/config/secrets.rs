//! Secrets and access lists that must be strong enough to guard something: checked at start and
//! by `check`, named by key, never printed.

use secrecy::{ExposeSecret, SecretString};

use super::{Config, ConfigProblem};

/// Slack signs requests with a 32-character secret; anything shorter is a typo or a placeholder.
pub const MIN_SIGNING_SECRET: usize = 32;
/// Tokens in URLs and `Authorization` headers: 22 characters of base64 are 128 bits.
pub const MIN_URL_TOKEN: usize = 22;

fn check(problems: &mut Vec<ConfigProblem>, key: String, secret: &SecretString, min: usize) {
    let length = secret.expose_secret().trim().chars().count();
    if length == 0 {
        problems.push(ConfigProblem {
            key,
            message: "is empty; set the real secret".into(),
        });
    } else if length < min {
        problems.push(ConfigProblem {
            key,
            message: format!(
                "is too short to be safe ({length} characters; at least {min} are needed)"
            ),
        });
    }
}

pub fn problems(config: &Config) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    if let Some(slack) = &config.slack {
        check(&mut problems, "slack.bot_token".into(), &slack.bot_token, 1);
        check(
            &mut problems,
            "slack.signing_secret".into(),
            &slack.signing_secret,
            MIN_SIGNING_SECRET,
        );
        if let Some(app_token) = &slack.app_token {
            check(&mut problems, "slack.app_token".into(), app_token, 1);
        }
        for (index, id) in slack.responders.iter().flatten().enumerate() {
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
    }
    if let Some(discord) = &config.discord {
        check(
            &mut problems,
            "discord.bot_token".into(),
            &discord.bot_token,
            1,
        );
        for (index, role) in discord.responder_roles.iter().enumerate() {
            if role.is_empty() || !role.chars().all(|c| c.is_ascii_digit()) {
                problems.push(ConfigProblem {
                    key: format!("discord.responder_roles[{index}]"),
                    message: format!("`{role}` is not a Discord role id (digits only)"),
                });
            }
        }
    }
    for (index, client) in config.clients.iter().enumerate() {
        if let Some(token) = &client.status_token {
            check(
                &mut problems,
                format!("clients[{index}].status_token"),
                token,
                MIN_URL_TOKEN,
            );
        }
        if let Some(token) = &client.alert_token {
            check(
                &mut problems,
                format!("clients[{index}].alert_token"),
                token,
                MIN_URL_TOKEN,
            );
        }
    }
    problems
}

/// Advice that is not an error: settings that work but are probably not what was meant.
pub fn warnings(config: &Config) -> Vec<ConfigProblem> {
    let mut warnings = Vec::new();
    if let Some(discord) = &config.discord {
        if discord.responder_roles.is_empty() {
            warnings.push(ConfigProblem {
                key: "discord.responder_roles".into(),
                message: "is empty: only policy.managers may use /incident on Discord, and incident rooms are visible to them and the bot only".into(),
            });
        }
    }
    warnings
}
