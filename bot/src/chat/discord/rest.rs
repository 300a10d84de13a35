//! Discord's REST API through serenity's routes and request building, with our own rate-limit
//! handling: serenity's built-in limiter retries a 429 inside the call for as long as Discord
//! asks (hiding it from the outbox, which must record and schedule the retry) and ignores the
//! `proxy` that points tests at a fake, so it is turned off and buckets are kept here instead.

use std::time::{Duration, Instant};

use serde_json::Value;
use serenity::http::{HttpBuilder, LightMethod, Request, Route};
use serenity::model::id::ApplicationId;
use thiserror::Error;
use tracing::{debug, instrument, warn};

use super::buckets::{Buckets, PROBE_POLL};
use super::DiscordConfig;
use super::{snowflake, DEFAULT_API_URL};
use crate::chat::DeliveryError;

/// A bucket or global limit shorter than this is waited out in the call; a longer one is
/// returned as [`RestError::RateLimited`] for the caller to retry later.
/// The longest wait a rate-limit header may impose; Discord's real resets are seconds.
const MAX_HEADER_WAIT: Duration = Duration::from_secs(3600);

/// Seconds from a header or body as a wait, never negative, NaN or large enough to overflow.
pub(super) fn bounded_wait(seconds: f64) -> Duration {
    if seconds.is_nan() || seconds <= 0.0 {
        return Duration::ZERO;
    }
    Duration::try_from_secs_f64(seconds)
        .unwrap_or(MAX_HEADER_WAIT)
        .min(MAX_HEADER_WAIT)
}

const MAX_INLINE_WAIT: Duration = Duration::from_secs(2);
/// One REST call, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, Error)]
pub enum RestError {
    #[error("Discord rate limit: retry after {:.1}s", .0.as_secs_f64())]
    RateLimited(Duration),
    #[error("Discord answered {status}: {message} (code {code})")]
    Api {
        status: u16,
        code: i64,
        message: String,
    },
    #[error("could not reach Discord: {0}")]
    Transport(String),
    #[error("{0}")]
    Invalid(String),
}

impl RestError {
    /// The outbox's view: rate limits and server trouble are retried, refusals are not.
    pub fn into_delivery(self, doing: &str) -> DeliveryError {
        let reason = format!("{doing}: {self}");
        match self {
            RestError::RateLimited(wait) => DeliveryError {
                reason,
                retry_after: Some(wait),
                permanent: false,
            },
            RestError::Api { status, .. } if status >= 500 => DeliveryError::transient(reason),
            RestError::Api { status: 401, .. } => DeliveryError::permanent(format!(
                "{doing}: Discord refused the bot token (401); check discord.bot_token"
            )),
            RestError::Api { .. } | RestError::Invalid(_) => DeliveryError::permanent(reason),
            RestError::Transport(_) => DeliveryError::transient(reason),
        }
    }

    /// Discord's JSON error code (10003 Unknown Channel, 50001 Missing Access, …).
    pub fn code(&self) -> Option<i64> {
        match self {
            RestError::Api { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// The bot's REST client.
pub struct DiscordRest {
    http: serenity::http::Http,
    client: reqwest::Client,
    application_id: ApplicationId,
    buckets: Buckets,
}

/// `https://discord.com/api/v10` → none (talk to Discord); `http://127.0.0.1:9/api/v10` → the
/// origin serenity substitutes for `https://discord.com`.
pub fn proxy_origin(api_url: &str) -> Result<Option<String>, String> {
    let api_url = api_url.trim_end_matches('/');
    if api_url == DEFAULT_API_URL {
        return Ok(None);
    }
    api_url
        .strip_suffix("/api/v10")
        .filter(|origin| origin.starts_with("http://") || origin.starts_with("https://"))
        .map(|origin| Some(origin.to_owned()))
        .ok_or_else(|| {
            format!("discord.api_url must be an http(s) URL ending in /api/v10, not `{api_url}`")
        })
}

/// serenity's `Http` for this configuration: our reqwest client, no built-in rate limiter, and
/// the fake's origin when `api_url` is not Discord's.
pub fn build_http(
    config: &DiscordConfig,
    client: reqwest::Client,
) -> Result<serenity::http::Http, String> {
    use secrecy::ExposeSecret;
    let application_id = snowflake(&config.application_id)
        .ok_or("discord.application_id must be the application's numeric id")?;
    let mut builder = HttpBuilder::new(config.bot_token.expose_secret())
        .client(client)
        .ratelimiter_disabled(true)
        .application_id(ApplicationId::new(application_id));
    if let Some(origin) = proxy_origin(&config.api_url)? {
        builder = builder.proxy(origin);
    }
    Ok(builder.build())
}

/// The HTTP client every Discord call goes through (rustls, a timeout per call).
pub fn http_client() -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .use_rustls_tls()
        .timeout(REQUEST_TIMEOUT)
        .build()
        .map_err(|e| format!("cannot build the HTTP client: {e}"))
}

impl DiscordRest {
    pub fn new(config: &DiscordConfig) -> Result<Self, String> {
        let client = http_client()?;
        let http = build_http(config, client.clone())?;
        let application_id = http
            .application_id()
            .ok_or("discord.application_id is missing")?;
        Ok(Self {
            http,
            client,
            application_id,
            buckets: Buckets::default(),
        })
    }

    pub fn application_id(&self) -> ApplicationId {
        self.application_id
    }

    /// One call; answers the JSON Discord sent (`Null` for 204).
    #[instrument(skip_all, fields(what = what))]
    pub async fn call(
        &self,
        what: &'static str,
        route: Route<'_>,
        method: LightMethod,
        body: Option<&Value>,
    ) -> Result<Value, RestError> {
        let bucket = route.ratelimiting_bucket();
        let bytes = body
            .map(serde_json::to_vec)
            .transpose()
            .map_err(|e| RestError::Invalid(e.to_string()))?;
        let request = Request::new(route, method)
            .body(bytes)
            .build(&self.client, self.http.token(), self.http.proxy.as_deref())
            .map_err(|e| RestError::Invalid(format!("cannot build the request: {e}")))?
            .build()
            .map_err(|e| RestError::Invalid(format!("cannot build the request: {e}")))?;
        let mut polled = Duration::ZERO;
        let wait = loop {
            match self.buckets.reserve(bucket) {
                Some(wait) => break wait + polled,
                None if polled < MAX_INLINE_WAIT => {
                    tokio::time::sleep(PROBE_POLL).await;
                    polled += PROBE_POLL;
                }
                None => return Err(RestError::RateLimited(PROBE_POLL)),
            }
        };
        let wait = wait.saturating_sub(polled);
        if wait + polled > MAX_INLINE_WAIT {
            self.buckets.release(bucket);
            return Err(RestError::RateLimited(wait));
        }
        if !wait.is_zero() {
            debug!(
                wait_ms = wait.as_millis() as u64,
                "waiting for the rate-limit bucket"
            );
            tokio::time::sleep(wait).await;
        }
        // The URL is not logged: interaction webhooks carry their token in the path.
        let response = self.client.execute(request).await.map_err(|e| {
            self.buckets.unanswered(bucket);
            RestError::Transport(transport_reason(e))
        })?;
        let status = response.status().as_u16();
        self.buckets.remember(bucket, response.headers());
        let headers = response.headers().clone();
        let text = response
            .text()
            .await
            .map_err(|e| RestError::Transport(transport_reason(e)))?;
        let json: Value = if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::Null)
        };
        match status {
            200..=299 => Ok(json),
            429 => {
                let retry_after = json
                    .get("retry_after")
                    .and_then(Value::as_f64)
                    .or_else(|| headers.get("retry-after")?.to_str().ok()?.parse().ok())
                    .unwrap_or(1.0);
                let wait = bounded_wait(retry_after);
                let global = json.get("global").and_then(Value::as_bool) == Some(true)
                    || headers.contains_key("x-ratelimit-global");
                self.buckets.limited(bucket, global, Instant::now() + wait);
                warn!(retry_after, global, "Discord rate limit hit");
                Err(RestError::RateLimited(wait))
            }
            _ => Err(RestError::Api {
                status,
                code: json.get("code").and_then(Value::as_i64).unwrap_or(0),
                message: json
                    .get("message")
                    .and_then(Value::as_str)
                    .unwrap_or("no message")
                    .to_owned(),
            }),
        }
    }

    /// Like [`call`](Self::call), but waits out rate limits (up to `patience` in all): for
    /// interaction answers, which have no outbox behind them.
    pub async fn call_patiently<'r>(
        &self,
        what: &'static str,
        route: impl Fn() -> Route<'r>,
        method: LightMethod,
        body: Option<&Value>,
        patience: Duration,
    ) -> Result<Value, RestError> {
        let started = Instant::now();
        loop {
            match self.call(what, route(), method, body).await {
                Err(RestError::RateLimited(wait)) if started.elapsed() + wait <= patience => {
                    tokio::time::sleep(wait).await;
                }
                other => return other,
            }
        }
    }
}

/// A transport failure in words, without the URL (it may hold an interaction token).
fn transport_reason(error: reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "connection failed".to_owned()
    } else {
        error.without_url().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn absurd_waits_are_bounded() {
        assert_eq!(bounded_wait(f64::NAN), Duration::ZERO);
        assert_eq!(bounded_wait(-3.0), Duration::ZERO);
        assert_eq!(bounded_wait(1.5), Duration::from_millis(1500));
        assert_eq!(bounded_wait(f64::INFINITY), MAX_HEADER_WAIT);
        assert_eq!(bounded_wait(1.8e19), MAX_HEADER_WAIT);
    }

    #[test]
    fn the_api_url_becomes_serenitys_proxy_origin() {
        assert_eq!(proxy_origin("https://discord.com/api/v10"), Ok(None));
        assert_eq!(
            proxy_origin("http://127.0.0.1:4000/api/v10/"),
            Ok(Some("http://127.0.0.1:4000".to_owned()))
        );
        assert!(proxy_origin("http://127.0.0.1:4000/").is_err());
    }

    #[test]
    fn errors_are_classified_for_the_outbox() {
        let limited = RestError::RateLimited(Duration::from_millis(1500)).into_delivery("posting");
        assert_eq!(limited.retry_after, Some(Duration::from_millis(1500)));
        assert!(!limited.permanent);
        let server = RestError::Api {
            status: 502,
            code: 0,
            message: "Bad Gateway".into(),
        };
        assert!(!server.into_delivery("posting").permanent);
        let access = RestError::Api {
            status: 403,
            code: 50001,
            message: "Missing Access".into(),
        };
        let access = access.into_delivery("posting to channel 1");
        assert!(access.permanent);
        assert!(
            access.reason.contains("Missing Access"),
            "{}",
            access.reason
        );
        let unknown = RestError::Api {
            status: 404,
            code: 10003,
            message: "Unknown Channel".into(),
        };
        assert!(unknown.into_delivery("posting").permanent);
        assert!(
            !RestError::Transport("timed out".into())
                .into_delivery("posting")
                .permanent
        );
    }
}
