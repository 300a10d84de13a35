//! The slice of the Slack Web API the adapter calls, behind a small port, implemented with
//! slack-morphism's hyper client; every failure is classified for the outbox's retry policy.

use std::sync::Arc;
use std::time::Duration;

use async_trait::async_trait;
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use thiserror::Error;

use crate::chat::DeliveryError;

/// How long one Web API call may take before it counts as a timeout.
const CALL_TIMEOUT: Duration = Duration::from_secs(10);

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

    fn from_client(method: &'static str, error: SlackClientError) -> Self {
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

/// A created channel: its id and the name Slack kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    pub id: String,
    pub name: String,
}

/// The Web API methods Command Post uses.
#[async_trait]
pub trait SlackApi: Send + Sync + 'static {
    async fn create_channel(&self, name: &str) -> Result<Channel, ApiError>;
    async fn invite(&self, channel: &str, users: &[String]) -> Result<(), ApiError>;
    /// Posts a message; returns its `ts`.
    async fn post_message(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<String, ApiError>;
    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<(), ApiError>;
    async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<(), ApiError>;
    async fn pin(&self, channel: &str, ts: &str) -> Result<(), ApiError>;
    async fn set_topic(&self, channel: &str, topic: &str) -> Result<(), ApiError>;
    async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), ApiError>;
    /// `apps.connections.open` with the app-level token: a Socket Mode WebSocket URL.
    async fn open_socket(&self) -> Result<String, ApiError>;
    /// `conversations.open` with one user: the id of the bot's direct-message channel with them.
    async fn open_dm(&self, user: &str) -> Result<String, ApiError>;

    /// `auth.test`: the id of the workspace the bot token belongs to.
    async fn own_team(&self) -> Result<String, ApiError>;

    /// `users.info`: what decides whether a person is a full member of a workspace.
    async fn user_standing(&self, user: &str) -> Result<UserStanding, ApiError>;

    /// `usergroups.users.list`: the members of a user group.
    async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, ApiError>;
}

/// The parts of a Slack user that say who they are to this workspace.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserStanding {
    pub team_id: Option<String>,
    /// Multi- or single-channel guest.
    pub guest: bool,
    /// Slack Connect user from another organisation, or someone the bot may not fully see.
    pub stranger: bool,
    pub bot: bool,
    pub deleted: bool,
}

impl UserStanding {
    /// A full, active, human member of the workspace `team`.
    pub fn is_full_member_of(&self, team: &str) -> bool {
        self.team_id.as_deref() == Some(team)
            && !self.guest
            && !self.stranger
            && !self.bot
            && !self.deleted
    }
}

/// Connects to `api_url` with the bot token (and the app token, for Socket Mode).
/// `http://` URLs (test fakes) use plain TCP; anything else TLS with the system's roots.
pub fn connect(
    api_url: &str,
    bot_token: &SecretString,
    app_token: Option<&SecretString>,
) -> std::io::Result<Arc<dyn SlackApi>> {
    let api_url = api_url.trim_end_matches('/');
    let tokens = Tokens {
        bot: token(bot_token),
        app: app_token.map(token),
    };
    if api_url.starts_with("http://") {
        let connector = SlackClientHyperConnector::with_connector(HttpConnector::new())
            .with_slack_api_url(api_url);
        Ok(Arc::new(WebClient {
            client: SlackClient::new(connector),
            tokens,
        }))
    } else {
        let connector = SlackClientHyperConnector::new()?.with_slack_api_url(api_url);
        Ok(Arc::new(WebClient {
            client: SlackClient::new(connector),
            tokens,
        }))
    }
}

fn token(secret: &SecretString) -> SlackApiToken {
    SlackApiToken::new(SlackApiTokenValue(secret.expose_secret().to_owned()))
}

struct Tokens {
    bot: SlackApiToken,
    app: Option<SlackApiToken>,
}

/// slack-morphism's client on one connector type.
struct WebClient<C: SlackClientHttpConnector + Send + Sync> {
    client: SlackClient<C>,
    tokens: Tokens,
}

async fn timed<T>(
    method: &'static str,
    call: impl std::future::Future<Output = ClientResult<T>>,
) -> Result<T, ApiError> {
    match tokio::time::timeout(CALL_TIMEOUT, call).await {
        Ok(result) => result.map_err(|error| ApiError::from_client(method, error)),
        Err(_) => Err(ApiError::Timeout { method }),
    }
}

fn content(text: &str, blocks: Option<Vec<SlackBlock>>) -> SlackMessageContent {
    SlackMessageContent::new()
        .with_text(text.to_owned())
        .opt_blocks(blocks)
}

#[async_trait]
impl<C> SlackApi for WebClient<C>
where
    C: SlackClientHttpConnector + Send + Sync + 'static,
{
    async fn create_channel(&self, name: &str) -> Result<Channel, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiConversationsCreateRequest::new(name.to_owned());
        let created = timed(
            "conversations.create",
            session.conversations_create(&request),
        )
        .await?;
        Ok(Channel {
            id: created.channel.id.to_string(),
            name: created.channel.name.unwrap_or_else(|| name.to_owned()),
        })
    }

    async fn invite(&self, channel: &str, users: &[String]) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiConversationsInviteRequest::new(
            SlackChannelId(channel.to_owned()),
            users.iter().map(|u| SlackUserId(u.clone())).collect(),
        );
        timed(
            "conversations.invite",
            session.conversations_invite(&request),
        )
        .await
        .map(drop)
    }

    async fn post_message(
        &self,
        channel: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiChatPostMessageRequest::new(
            SlackChannelId(channel.to_owned()),
            content(text, blocks),
        );
        let posted = timed("chat.postMessage", session.chat_post_message(&request)).await?;
        Ok(posted.ts.to_string())
    }

    async fn post_ephemeral(
        &self,
        channel: &str,
        user: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiChatPostEphemeralRequest::new(
            SlackChannelId(channel.to_owned()),
            SlackUserId(user.to_owned()),
            content(text, blocks),
        );
        timed("chat.postEphemeral", session.chat_post_ephemeral(&request))
            .await
            .map(drop)
    }

    async fn update_message(
        &self,
        channel: &str,
        ts: &str,
        text: &str,
        blocks: Option<Vec<SlackBlock>>,
    ) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiChatUpdateRequest::new(
            SlackChannelId(channel.to_owned()),
            content(text, blocks),
            SlackTs(ts.to_owned()),
        );
        timed("chat.update", session.chat_update(&request))
            .await
            .map(drop)
    }

    async fn pin(&self, channel: &str, ts: &str) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request =
            SlackApiPinsAddRequest::new(SlackChannelId(channel.to_owned()), SlackTs(ts.to_owned()));
        timed("pins.add", session.pins_add(&request))
            .await
            .map(drop)
    }

    async fn set_topic(&self, channel: &str, topic: &str) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiConversationsSetTopicRequest::new(
            SlackChannelId(channel.to_owned()),
            topic.to_owned(),
        );
        timed(
            "conversations.setTopic",
            session.conversations_set_topic(&request),
        )
        .await
        .map(drop)
    }

    async fn open_view(&self, trigger_id: &str, view: SlackView) -> Result<(), ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiViewsOpenRequest::new(SlackTriggerId(trigger_id.to_owned()), view);
        timed("views.open", session.views_open(&request))
            .await
            .map(drop)
    }

    async fn open_dm(&self, user: &str) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request =
            SlackApiConversationsOpenRequest::new().with_users(vec![SlackUserId(user.to_owned())]);
        let opened = timed("conversations.open", session.conversations_open(&request)).await?;
        Ok(opened.channel.id.to_string())
    }

    async fn own_team(&self) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let answer = timed("auth.test", session.auth_test()).await?;
        Ok(answer.team_id.to_string())
    }

    async fn user_standing(&self, user: &str) -> Result<UserStanding, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiUsersInfoRequest::new(SlackUserId(user.to_owned()));
        let user = timed("users.info", session.users_info(&request))
            .await?
            .user;
        let flags = &user.flags;
        let yes = |flag: Option<bool>| flag.unwrap_or(false);
        Ok(UserStanding {
            team_id: user.team_id.map(|team| team.to_string()),
            guest: yes(flags.is_restricted) || yes(flags.is_ultra_restricted),
            stranger: yes(flags.is_stranger),
            bot: yes(flags.is_bot) || yes(flags.is_app_user),
            deleted: yes(user.deleted),
        })
    }

    async fn usergroup_members(&self, group: &str) -> Result<Vec<String>, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let request = SlackApiUserGroupsUsersListRequest::new(SlackUserGroupId(group.to_owned()));
        let answer = timed(
            "usergroups.users.list",
            session.usergroups_users_list(&request),
        )
        .await?;
        Ok(answer.users.into_iter().map(|u| u.to_string()).collect())
    }

    async fn open_socket(&self) -> Result<String, ApiError> {
        let method = "apps.connections.open";
        let token = self.tokens.app.as_ref().ok_or(ApiError::Transport {
            method,
            reason: "no app_token is configured".to_owned(),
        })?;
        let session = self.client.open_session(token);
        let opened = timed(
            method,
            session.apps_connections_open(&SlackApiAppsConnectionOpenRequest::new()),
        )
        .await?;
        Ok(opened.url.0.to_string())
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
