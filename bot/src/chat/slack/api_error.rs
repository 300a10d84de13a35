//! Why a Slack Web API call failed, classified for the outbox's retry policy.

use std::time::Duration;

use slack_morphism::errors::SlackClientError;
use thiserror::Error;

use crate::chat::DeliveryError;

/// How long one Web API call may take before it counts as a timeout.
pub(super) const CALL_TIMEOUT: Duration = Duration::from_secs(10);

/// Slack error codes worth retrying; every other `ok: false` answer is permanent.
const TRANSIENT_CODES: &[&str] = &[
    "internal_error",
    "fatal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
    "rate_limited",
];

/// Why a Web API call failed.
#[derive(Debug, Clone, Error)]
pub enum ApiError {
    /// Slack answered `ok: false` with this error code.
    #[error("Slack answered `{code}` to {method}")]
    Slack { method: &'static str, code: String },
    #[error("Slack rate-limited {method} (HTTP 429)")]
    RateLimited {
        method: &'static str,
        retry_after: Option<Duration>,
    },
    #[error("Slack answered HTTP {status} to {method}")]
    Http { method: &'static str, status: u16 },
    #[error("{method} timed out after {}s", CALL_TIMEOUT.as_secs())]
    Timeout { method: &'static str },
    #[error("{method} failed: {reason}")]
    Transport {
        method: &'static str,
        reason: String,
    },
}

impl ApiError {
    /// The Slack error code, when Slack gave one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Slack { code, .. } => Some(code),
            _ => None,
        }
    }

    pub(super) fn from_client(method: &'static str, error: SlackClientError) -> Self {
        match error {
            SlackClientError::ApiError(e) => ApiError::Slack {
                method,
                code: e.code,
            },
            SlackClientError::RateLimitError(e) => ApiError::RateLimited {
                method,
                retry_after: e.retry_after,
            },
            SlackClientError::HttpError(e) => ApiError::Http {
                method,
                status: e.status_code.as_u16(),
            },
            // Transport, protocol and decoding failures: the connection or the answer broke.
            other => ApiError::Transport {
                method,
                reason: first_line(&other.to_string()),
            },
        }
    }
}

fn first_line(text: &str) -> String {
    text.lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(200)
        .collect()
}

impl From<ApiError> for DeliveryError {
    fn from(error: ApiError) -> Self {
        let reason = error.to_string();
        match &error {
            ApiError::RateLimited { retry_after, .. } => DeliveryError {
                reason,
                retry_after: Some(retry_after.unwrap_or(Duration::from_secs(1))),
                permanent: false,
            },
            ApiError::Slack { code, .. } if !TRANSIENT_CODES.contains(&code.as_str()) => {
                DeliveryError::permanent(reason)
            }
            ApiError::Http { status, .. } if (400..500).contains(status) && *status != 408 => {
                DeliveryError::permanent(reason)
            }
            _ => DeliveryError::transient(reason),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_are_classified_for_the_outbox() {
        let limited: DeliveryError = ApiError::RateLimited {
            method: "chat.postMessage",
            retry_after: Some(Duration::from_secs(7)),
        }
        .into();
        assert_eq!(limited.retry_after, Some(Duration::from_secs(7)));
        assert!(!limited.permanent);
        let server: DeliveryError = ApiError::Http {
            method: "chat.postMessage",
            status: 503,
        }
        .into();
        assert!(!server.permanent && server.retry_after.is_none());
        let timeout: DeliveryError = ApiError::Timeout { method: "pins.add" }.into();
        assert!(!timeout.permanent);
        for code in [
            "channel_not_found",
            "not_in_channel",
            "missing_scope",
            "invalid_auth",
        ] {
            let error: DeliveryError = ApiError::Slack {
                method: "chat.postMessage",
                code: code.to_owned(),
            }
            .into();
            assert!(error.permanent, "{code}");
            assert!(error.reason.contains(code), "{}", error.reason);
        }
        let internal: DeliveryError = ApiError::Slack {
            method: "chat.postMessage",
            code: "internal_error".to_owned(),
        }
        .into();
        assert!(!internal.permanent);
    }
}
