//! Who may use `/incident` on Slack: the people and user groups in `slack.responders`, or, when
//! that is absent, every full member of the bot's own workspace. Guests and Slack Connect users
//! (a client's staff in a shared channel) never are. Answers are cached briefly, because every
//! command and button asks and Slack's user methods are rate-limited.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{Mutex, OnceCell};
use tracing::warn;

use super::api::{ApiError, SlackApi};

/// How long a person's or a group's answer is reused. Long enough to keep Slack's tier-2/4
/// limits far away under a flood of clicks, short enough that removing someone takes effect soon.
const CACHE_FOR: Duration = Duration::from_secs(300);

pub(super) struct Responders {
    api: Arc<dyn SlackApi>,
    /// `slack.responders`: user ids (`U…`/`W…`) and user-group ids (`S…`).
    listed: Option<Vec<String>>,
    own_team: OnceCell<String>,
    people: Mutex<HashMap<String, (bool, Instant)>>,
    groups: Mutex<HashMap<String, (Vec<String>, Instant)>>,
}

impl Responders {
    pub(super) fn new(api: Arc<dyn SlackApi>, listed: Option<Vec<String>>) -> Self {
        Self {
            api,
            listed,
            own_team: OnceCell::new(),
            people: Mutex::new(HashMap::new()),
            groups: Mutex::new(HashMap::new()),
        }
    }

    /// Whether `user` is a responder. When Slack cannot be asked, the answer is no: a refused
    /// command can be typed again, a command from the wrong person cannot be taken back.
    pub(super) async fn includes(&self, user: &str) -> bool {
        if let Some((answer, at)) = self.people.lock().await.get(user) {
            if at.elapsed() < CACHE_FOR {
                return *answer;
            }
        }
        let answer = match self.decide(user).await {
            Ok(answer) => answer,
            Err(error) => {
                warn!(%error, user, "could not tell whether this person is a responder; refusing");
                return false;
            }
        };
        self.people
            .lock()
            .await
            .insert(user.to_owned(), (answer, Instant::now()));
        answer
    }

    async fn decide(&self, user: &str) -> Result<bool, ApiError> {
        let Some(listed) = &self.listed else {
            let team = self
                .own_team
                .get_or_try_init(|| self.api.own_team())
                .await?;
            return Ok(self.api.user_standing(user).await?.is_full_member_of(team));
        };
        if listed.iter().any(|id| id == user) {
            return Ok(true);
        }
        for group in listed.iter().filter(|id| id.starts_with('S')) {
            if self.group_members(group).await?.iter().any(|id| id == user) {
                return Ok(true);
            }
        }
        Ok(false)
    }

    async fn group_members(&self, group: &str) -> Result<Vec<String>, ApiError> {
        if let Some((members, at)) = self.groups.lock().await.get(group) {
            if at.elapsed() < CACHE_FOR {
                return Ok(members.clone());
            }
        }
        let members = self.api.usergroup_members(group).await?;
        self.groups
            .lock()
            .await
            .insert(group.to_owned(), (members.clone(), Instant::now()));
        Ok(members)
    }
}
