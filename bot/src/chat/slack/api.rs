//! The slice of the Slack Web API the adapter calls, behind a small port, implemented with
//! slack-morphism's hyper client; every failure is classified for the outbox's retry policy.

use std::sync::Arc;

use async_trait::async_trait;
use hyper_util::client::legacy::connect::HttpConnector;
use secrecy::{ExposeSecret, SecretString};
use slack_morphism::prelude::*;

pub use super::api_error::ApiError;
use super::api_error::CALL_TIMEOUT;

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
    /// `auth.test` and `conversations.list` (public channels, archived ones left out): the
    /// channel called `name` that this bot created, if any.
    async fn own_channel_named(&self, name: &str) -> Result<Option<Channel>, ApiError>;
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

    async fn own_channel_named(&self, name: &str) -> Result<Option<Channel>, ApiError> {
        let session = self.client.open_session(&self.tokens.bot);
        let me = timed("auth.test", session.auth_test()).await?.user_id;
        let mut cursor: Option<SlackCursorId> = None;
        loop {
            let request = SlackApiConversationsListRequest::new()
                .with_exclude_archived(true)
                .with_limit(1000)
                .with_types(vec![SlackConversationType::Public])
                .opt_cursor(cursor);
            let page = timed("conversations.list", session.conversations_list(&request)).await?;
            let found = page.channels.into_iter().find(|channel| {
                channel.name.as_deref() == Some(name) && channel.creator.as_ref() == Some(&me)
            });
            if let Some(channel) = found {
                return Ok(Some(Channel {
                    id: channel.id.to_string(),
                    name: name.to_owned(),
                }));
            }
            cursor = page
                .response_metadata
                .and_then(|meta| meta.next_cursor)
                .filter(|next| !next.value().is_empty());
            if cursor.is_none() {
                return Ok(None);
            }
        }
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
