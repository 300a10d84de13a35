//! `[paging]`: escalations wake someone up through PagerDuty's Events API v2. Absent: no paging.

use secrecy::{ExposeSecret, SecretString};
use serde::Deserialize;

use super::{Config, ConfigProblem};

/// PagerDuty integration (routing) keys are 32 characters; anything else is a paste error.
pub const ROUTING_KEY_LEN: usize = 32;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PagingConfig {
    /// The Events API v2 integration key of the PagerDuty service to page. A secret.
    pub pagerduty_routing_key: SecretString,
    #[serde(default = "default_pagerduty_url")]
    pub pagerduty_url: String,
}

fn default_pagerduty_url() -> String {
    "https://events.pagerduty.com/v2/enqueue".into()
}

/// Problems with `[paging]`, named by key; the routing key itself is never quoted.
pub fn problems(config: &Config) -> Vec<ConfigProblem> {
    let Some(paging) = &config.paging else {
        return Vec::new();
    };
    let mut problems = Vec::new();
    let key = paging.pagerduty_routing_key.expose_secret();
    let length = key.chars().count();
    if length != ROUTING_KEY_LEN || !key.chars().all(|c| c.is_ascii_alphanumeric()) {
        problems.push(ConfigProblem {
            key: "paging.pagerduty_routing_key".into(),
            message: format!(
                "is not a PagerDuty integration key ({length} characters; an Events API v2 integration key is {ROUTING_KEY_LEN} letters and digits)"
            ),
        });
    }
    let url = &paging.pagerduty_url;
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        problems.push(ConfigProblem {
            key: "paging.pagerduty_url".into(),
            message: "must be an http:// or https:// URL".into(),
        });
    }
    problems
}

#[cfg(test)]
mod tests {
    use crate::config::{Config, ConfigError};

    const KEY: &str = "R0123456789abcdef0123456789ABCDE";

    fn load(paging: &str) -> Result<Config, ConfigError> {
        Config::from_toml(
            &format!("[[clients]]\nid = \"acme\"\nname = \"Acme\"\npublic_status = true\n{paging}"),
            "test",
            Vec::new(),
        )
    }

    #[test]
    fn absent_section_means_no_paging() {
        assert!(load("").unwrap().paging.is_none());
    }

    #[test]
    fn the_url_defaults_to_pagerduty() {
        let config = load(&format!("[paging]\npagerduty_routing_key = \"{KEY}\"\n")).unwrap();
        let paging = config.paging.unwrap();
        assert_eq!(
            paging.pagerduty_url,
            "https://events.pagerduty.com/v2/enqueue"
        );
    }

    #[test]
    fn a_short_or_malformed_key_is_refused_without_being_printed() {
        for bad in ["tooshort-secret-value", "R0123456789abcdef0123456789ABCD!"] {
            let error = load(&format!("[paging]\npagerduty_routing_key = \"{bad}\"\n"))
                .unwrap_err()
                .to_string();
            assert!(error.contains("paging.pagerduty_routing_key"), "{error}");
            assert!(!error.contains(bad), "the key leaked: {error}");
        }
    }

    #[test]
    fn a_key_of_the_wrong_type_does_not_leak_in_the_parse_error() {
        let error = load("[paging]\npagerduty_routing_key = 12345678901234567890\n")
            .unwrap_err()
            .to_string();
        assert!(!error.contains("12345678901234567890"), "{error}");
    }

    #[test]
    fn unknown_keys_and_bad_urls_are_named() {
        let error = load(&format!(
            "[paging]\npagerduty_routing_key = \"{KEY}\"\npagerduty_url = \"ftp://x\"\n"
        ))
        .unwrap_err()
        .to_string();
        assert!(error.contains("paging.pagerduty_url"), "{error}");
        assert!(load(&format!(
            "[paging]\npagerduty_routing_key = \"{KEY}\"\nservice_key = \"x\"\n"
        ))
        .is_err());
    }

    #[test]
    fn the_debug_form_hides_the_key() {
        let config = load(&format!("[paging]\npagerduty_routing_key = \"{KEY}\"\n")).unwrap();
        assert!(!format!("{:?}", config.paging).contains(KEY));
    }
}
