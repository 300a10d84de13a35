//! Answers to people: what an acknowledgement carries, and replies sent after it (to the
//! `response_url` Slack gave, else through the Web API), ephemeral unless meant for the room.

use std::future::Future;
use std::time::Duration;

use serde_json::{json, Value};
use slack_morphism::prelude::{
    SlackBlock, SlackCommandEventResponse, SlackMessageContent, SlackMessageResponseType,
};
use tokio::task::JoinHandle;
use tracing::warn;

use super::{blocks, Adapter};
use crate::engine::{EngineError, Response, Visibility};

/// How long a handler may work before it must acknowledge: Slack waits 3 s, the network
/// takes some of that.
pub const ACK_BUDGET: Duration = Duration::from_millis(2000);

/// What an acknowledgement carries: nothing, or a JSON body (an immediate reply, a modal's
/// errors, a `url_verification` challenge).
#[derive(Debug, Clone, PartialEq)]
pub enum Ack {
    Empty,
    Json(Value),
}

/// A reply for the person who acted.
#[derive(Debug, Clone)]
pub struct Reply {
    pub text: String,
    /// Everyone in the channel sees it (`in_channel`); otherwise only the person.
    pub public: bool,
    pub blocks: Option<Vec<SlackBlock>>,
}

impl Reply {
    pub fn private(text: impl Into<String>) -> Self {
        Reply {
            text: text.into(),
            public: false,
            blocks: None,
        }
    }

    /// The engine's answer: errors and private answers ephemeral, room answers in the channel,
    /// with the response's actions as buttons.
    pub fn from_engine(result: &Result<Response, EngineError>) -> Self {
        match result {
            // Level-1 triage answers carry their buttons ("This solved it", …).
            Ok(response) => Reply {
                text: response.text.clone(),
                public: response.visibility == Visibility::Room,
                blocks: blocks::message(&response.text, &response.actions),
            },
            Err(error) => Reply::private(error.user_message()),
        }
    }

    /// The body of a slash command acknowledgement or a `response_url` post.
    pub fn to_json(&self) -> Value {
        let mut content = SlackMessageContent::new().with_text(self.text.clone());
        content.blocks = self.blocks.clone();
        let response = SlackCommandEventResponse::new(content).with_response_type(if self.public {
            SlackMessageResponseType::InChannel
        } else {
            SlackMessageResponseType::Ephemeral
        });
        serde_json::to_value(response).expect("a Slack response serialises to JSON")
    }
}

/// Where a reply can reach the person after the acknowledgement.
#[derive(Debug, Clone, Default)]
pub struct ReplyTo {
    pub response_url: Option<String>,
    pub channel: Option<String>,
    pub user: String,
}

impl Adapter {
    /// Sends a reply after the acknowledgement; failures are logged (the person can ask again).
    pub(super) async fn send_reply(&self, to: &ReplyTo, reply: &Reply) {
        if let Some(url) = &to.response_url {
            let mut body = reply.to_json();
            // Not in slack-morphism's response model: keep the message the button was on.
            body["replace_original"] = json!(false);
            match self.http.post(url).json(&body).send().await {
                Ok(answer) if answer.status().is_success() => return,
                Ok(answer) => warn!(status = %answer.status(), "response_url refused the reply"),
                Err(error) => warn!(error = %error.without_url(), "response_url unreachable"),
            }
        }
        let Some(channel) = &to.channel else {
            warn!("no way to reach the person with a reply");
            return;
        };
        let result = if reply.public {
            self.api
                .post_message(channel, &reply.text, reply.blocks.clone())
                .await
                .map(drop)
        } else {
            self.api
                .post_ephemeral(channel, &to.user, &reply.text, reply.blocks.clone())
                .await
        };
        if let Err(error) = result {
            warn!(%error, %channel, "could not post the reply");
        }
    }
}

/// How a piece of work stood when the acknowledgement was due.
pub enum Budget<T> {
    /// Finished in time: its output.
    Done(T),
    /// Still running: acknowledge now, then await the task.
    Later(JoinHandle<T>),
    /// It panicked (a bug, logged); acknowledge and carry on.
    Crashed,
}

/// Runs `work` in its own task, so it finishes even if the request goes away, and waits for it
/// up to [`ACK_BUDGET`].
pub async fn within_budget<T: Send + 'static>(
    work: impl Future<Output = T> + Send + 'static,
) -> Budget<T> {
    let mut task = tokio::spawn(work);
    match tokio::time::timeout(ACK_BUDGET, &mut task).await {
        Ok(Ok(output)) => Budget::Done(output),
        Ok(Err(error)) => {
            tracing::error!(%error, "a Slack handler failed");
            Budget::Crashed
        }
        Err(_) => Budget::Later(task),
    }
}
