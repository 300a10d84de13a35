//! Secrets that must be strong enough to guard something: checked at start and by `check`, named
//! by key, never printed. Platforms' secrets are checked by their adapters with [`check`].

use secrecy::{ExposeSecret, SecretString};

use super::{Config, ConfigProblem};

/// Tokens in URLs and `Authorization` headers: 22 characters of base64 are 128 bits.
pub const MIN_URL_TOKEN: usize = 22;

/// Adds a problem under `key` when `secret` is empty or shorter than `min` characters.
pub fn check(problems: &mut Vec<ConfigProblem>, key: String, secret: &SecretString, min: usize) {
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
