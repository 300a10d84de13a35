//! Checks that span several keys: unique clients, reachable destinations, no shared channels.

use std::collections::HashMap;
use std::fmt;

use super::Config;

/// One thing wrong with the configuration, with the key it concerns.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// `platforms`: every chat platform the bot has, which clients' `channels` may name.
pub fn problems(config: &Config, platforms: &[&str]) -> Vec<ConfigProblem> {
    let mut problems = Vec::new();
    let mut problem = |key: String, message: String| problems.push(ConfigProblem { key, message });

    let url = &config.database_url;
    if !(url.starts_with("sqlite:")
        || url.starts_with("postgres://")
        || url.starts_with("postgresql://"))
    {
        problem(
            "database_url".into(),
            "must start with sqlite:// or postgres://".into(),
        );
    }
    if !is_http_url(&config.http.public_url) {
        problem(
            "http.public_url".into(),
            "must be an http:// or https:// URL".into(),
        );
    }

    let mut seen_ids = HashMap::new();
    // Where each channel is used, so no two clients (or one client's status and support) share one.
    let mut channel_owner: HashMap<String, String> = HashMap::new();
    for (index, client) in config.clients.iter().enumerate() {
        let at = format!("clients[{index}]");
        if let Some(first) = seen_ids.insert(client.id.clone(), index) {
            problem(
                format!("{at}.id"),
                format!(
                    "`{}` is already the id of clients[{first}]; client ids must be unique",
                    client.id
                ),
            );
        }
        let has_destination = client.channels.values().any(|c| c.status.is_some())
            || client.webhook_url.is_some()
            || !client.email_to.is_empty()
            || client.has_status_page();
        if !has_destination {
            problem(
                at.clone(),
                format!(
                    "client `{}` has no status destination: set channels.<platform>.status, webhook_url, email_to, status_token or public_status = true",
                    client.id
                ),
            );
        }
        if let Some(url) = &client.webhook_url {
            if !is_http_url(url) {
                problem(
                    format!("{at}.webhook_url"),
                    "must be an http:// or https:// URL".into(),
                );
            }
        }
        for (platform, channels) in &client.channels {
            if !platforms.contains(&platform.as_str()) {
                problem(
                    format!("{at}.channels.{platform}"),
                    format!(
                        "`{platform}` is not a chat platform (known: {})",
                        platforms.join(", ")
                    ),
                );
            }
            let named = [("status", &channels.status), ("support", &channels.support)];
            for (kind, channel) in named {
                let Some(channel) = channel else { continue };
                let here = format!("{at}.channels.{platform}.{kind}");
                if let Some(owner) =
                    channel_owner.insert(format!("{platform}:{channel}"), here.clone())
                {
                    problem(
                        here,
                        format!("channel `{channel}` is also {owner}; each client needs channels of its own, or updates would reach the wrong client"),
                    );
                }
            }
        }
        for (platform, channel) in config.oncall_channels() {
            if channel_owner
                .get(&format!("{platform}:{channel}"))
                .is_some_and(|owner| owner.starts_with(&format!("{at}.")))
            {
                problem(
                    format!("{platform}.oncall_channel"),
                    format!("`{channel}` is also a channel of client `{}`; internal escalations must not reach a client", client.id),
                );
            }
        }
    }
    problems
}

fn is_http_url(url: &str) -> bool {
    url.starts_with("http://") || url.starts_with("https://")
}
