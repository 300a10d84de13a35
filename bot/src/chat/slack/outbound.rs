//! Slack's side of the outbox: opens incident rooms (create, invite, post and pin the brief,
//! set the topic), posts in rooms, the on-call channel and client status channels, and keeps
//! the pinned brief and the topic current.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use async_trait::async_trait;
use tracing::{info, instrument, warn};

use super::api::{Channel, SlackApi};
use super::{blocks, PLATFORM};
use crate::chat::{ChatPlatform, DeliveryError, RoomProgress};
use crate::domain::{room, Incident, UserId};
use crate::effects::{Destination, OpenedRoom, OutboxItem, Receipt};

/// How many suffixed names (`-2`, `-3`, …) to try when a room name is taken.
const NAME_ATTEMPTS: u32 = 20;
/// Slack's limit on a channel topic.
const TOPIC_MAX: usize = 250;

pub struct SlackPlatform {
    api: Arc<dyn SlackApi>,
    oncall_channel: String,
    timezone: chrono_tz::Tz,
    /// (channel, user) pairs already invited by this process.
    invited: Mutex<HashSet<(String, String)>>,
    /// The topic last set in each channel, to skip needless changes.
    topics: Mutex<HashMap<String, String>>,
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// Slack user ids (`U…`, `W…`); people from other platforms cannot be invited here.
fn slack_users(users: impl IntoIterator<Item = UserId>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for user in users {
        let id = user.as_str();
        if !id.contains(':') && !id.is_empty() && !out.iter().any(|u| u == id) {
            out.push(id.to_owned());
        }
    }
    out
}

/// `P1 · investigating · IC <@U1> · comms <@U2> · next client update 25 Nov 14:30 UTC`.
pub fn topic(incident: &Incident, timezone: chrono_tz::Tz) -> String {
    let mut parts = vec![
        incident.severity.to_string(),
        incident.stage.to_string(),
        format!("IC {}", incident.roles.commander.mention()),
    ];
    if let Some(comms) = &incident.roles.comms {
        parts.push(format!("comms {}", comms.mention()));
    }
    if incident.is_resolved() {
        parts.push("resolved".to_owned());
    } else if let Some(due) = incident.next_update_due {
        let local = due.with_timezone(&timezone);
        parts.push(format!(
            "next client update {}",
            local.format("%-d %b %H:%M %Z")
        ));
    }
    parts.join(" · ").chars().take(TOPIC_MAX).collect()
}

impl SlackPlatform {
    pub fn new(api: Arc<dyn SlackApi>, oncall_channel: String, timezone: chrono_tz::Tz) -> Self {
        Self {
            api,
            oncall_channel,
            timezone,
            invited: Mutex::new(HashSet::new()),
            topics: Mutex::new(HashMap::new()),
        }
    }

    fn room(incident: &Incident) -> Result<crate::domain::RoomRef, DeliveryError> {
        incident
            .room_on(PLATFORM)
            .filter(|room| !room.room.is_empty())
            .cloned()
            .ok_or_else(|| DeliveryError::transient("the incident's Slack room is not open yet"))
    }

    /// Creates the room's channel. When its name is taken by a channel this bot created that no
    /// incident owns, that channel is the one an earlier attempt created and could not record
    /// (the process stopped in between): it is taken, rather than a second one made.
    async fn create(
        &self,
        planned: &str,
        progress: &dyn RoomProgress,
    ) -> Result<Channel, DeliveryError> {
        let mut name = planned.to_owned();
        for attempt in 2..=NAME_ATTEMPTS + 1 {
            match self.api.create_channel(&name).await {
                Err(error) if error.code() == Some("name_taken") => {
                    if let Some(own) = self.api.own_channel_named(&name).await? {
                        if !progress.taken_by_another(&own.id).await? {
                            info!(channel = %own.id, "taking the room an earlier attempt created");
                            return Ok(own);
                        }
                    }
                    name = room::suffixed(planned, attempt);
                }
                other => return Ok(other?),
            }
        }
        Ok(self.api.create_channel(&name).await?)
    }

    /// Invites people not yet invited; a person who cannot be invited is logged, not fatal.
    async fn invite(&self, channel: &str, users: Vec<String>) -> Result<(), DeliveryError> {
        let fresh: Vec<String> = {
            let invited = lock(&self.invited);
            users
                .into_iter()
                .filter(|u| !invited.contains(&(channel.to_owned(), u.clone())))
                .collect()
        };
        if fresh.is_empty() {
            return Ok(());
        }
        let outcome = self.api.invite(channel, &fresh).await;
        let retry_singly = match &outcome {
            Ok(()) => false,
            Err(error) => {
                let delivery = DeliveryError::from(error.clone());
                if !delivery.permanent {
                    return Err(delivery);
                }
                fresh.len() > 1 && error.code() != Some("already_in_channel")
            }
        };
        let mut invited = Vec::new();
        if retry_singly {
            for user in &fresh {
                match self.api.invite(channel, std::slice::from_ref(user)).await {
                    Ok(()) => invited.push(user.clone()),
                    Err(error) if error.code() == Some("already_in_channel") => {
                        invited.push(user.clone())
                    }
                    Err(error) => warn!(%error, %user, "could not invite to the incident room"),
                }
            }
        } else {
            if let Err(error) = &outcome {
                if error.code() != Some("already_in_channel") {
                    warn!(%error, "could not invite to the incident room");
                }
            }
            invited = fresh;
        }
        let mut done = lock(&self.invited);
        done.extend(invited.into_iter().map(|u| (channel.to_owned(), u)));
        Ok(())
    }

    async fn refresh_topic(&self, channel: &str, incident: &Incident) {
        let topic = topic(incident, self.timezone);
        if lock(&self.topics).get(channel) == Some(&topic) {
            return;
        }
        match self.api.set_topic(channel, &topic).await {
            Ok(()) => {
                lock(&self.topics).insert(channel.to_owned(), topic);
            }
            Err(error) => warn!(%error, "could not set the room topic"),
        }
    }

    #[instrument(skip_all, fields(incident = %incident.id, channel = tracing::field::Empty))]
    /// Creates the channel, invites, posts and pins the brief and sets the topic, recording
    /// the channel and the brief on the incident as soon as each exists. A retry (after a
    /// failure or a restart) starts from what the incident records, so it never creates a
    /// second channel or posts a second brief. A crash between Slack creating the channel and the
    /// record being written is covered too: the retry finds the bot's unowned channel of that name.
    async fn open_room_recorded(
        &self,
        item: &OutboxItem,
        incident: &Incident,
        progress: &dyn RoomProgress,
    ) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        let recorded = incident
            .rooms
            .iter()
            .find(|room| room.platform == PLATFORM && !room.room.is_empty());
        let channel = match recorded {
            Some(room) => Channel {
                id: room.room.clone(),
                name: room.name.clone(),
            },
            None => {
                let planned = message
                    .room_name
                    .clone()
                    .ok_or_else(|| DeliveryError::permanent("room creation without a room name"))?;
                let channel = self.create(&planned, progress).await?;
                progress
                    .record(&OpenedRoom {
                        id: channel.id.clone(),
                        name: channel.name.clone(),
                        brief: None,
                    })
                    .await?;
                channel
            }
        };
        tracing::Span::current().record("channel", channel.id.as_str());
        let people = message
            .invite
            .iter()
            .cloned()
            .chain(incident.roles.everyone());
        self.invite(&channel.id, slack_users(people)).await?;
        let ts = match recorded.and_then(|room| room.brief.clone()) {
            Some(ts) => ts,
            None => {
                let blocks = blocks::message(&message.text, &message.actions);
                let ts = self
                    .api
                    .post_message(&channel.id, &message.text, blocks)
                    .await?;
                progress
                    .record(&OpenedRoom {
                        id: channel.id.clone(),
                        name: channel.name.clone(),
                        brief: Some(ts.clone()),
                    })
                    .await?;
                ts
            }
        };
        match self.api.pin(&channel.id, &ts).await {
            Ok(()) => {}
            Err(error) if error.code() == Some("already_pinned") => {}
            Err(error) => {
                let delivery = DeliveryError::from(error.clone());
                if !delivery.permanent {
                    return Err(delivery);
                }
                warn!(%error, "could not pin the brief");
            }
        }
        self.refresh_topic(&channel.id, incident).await;
        Ok(Receipt {
            id: channel.id.clone(),
            room: Some(OpenedRoom {
                id: channel.id,
                name: channel.name,
                brief: Some(ts),
            }),
        })
    }

    async fn post(&self, channel: &str, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        let message = &item.delivery.message;
        let blocks = blocks::message(&message.text, &message.actions);
        let ts = self
            .api
            .post_message(channel, &message.text, blocks)
            .await?;
        Ok(Receipt {
            id: format!("{channel}/{ts}"),
            room: None,
        })
    }

    async fn refresh_brief(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        let room = Self::room(incident)?;
        let text = &item.delivery.message.text;
        let blocks = blocks::message(text, &blocks::brief_actions(incident));
        let ts = match &room.brief {
            // Without `blocks`, chat.update keeps the old ones: an empty list takes the buttons away.
            Some(ts) => {
                let blocks = Some(blocks.unwrap_or_default());
                self.api
                    .update_message(&room.room, ts, text, blocks)
                    .await?;
                ts.clone()
            }
            // A room opened before briefs were remembered: post a fresh one and pin it.
            None => {
                let ts = self.api.post_message(&room.room, text, blocks).await?;
                if let Err(error) = self.api.pin(&room.room, &ts).await {
                    warn!(%error, "could not pin the brief");
                }
                ts
            }
        };
        self.invite(&room.room, slack_users(incident.roles.everyone()))
            .await?;
        self.refresh_topic(&room.room, incident).await;
        Ok(Receipt {
            id: format!("{}/{ts}", room.room),
            room: None,
        })
    }
}

#[async_trait]
impl ChatPlatform for SlackPlatform {
    fn name(&self) -> &'static str {
        PLATFORM
    }

    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        match &item.delivery.destination {
            // Rooms are opened through `open_room`, which records each step.
            Destination::OpenRoom { .. } => Err(DeliveryError::permanent(
                "Slack rooms are opened with their progress recorded",
            )),
            Destination::Room { .. } => self.post(&Self::room(incident)?.room, item).await,
            Destination::Brief { .. } => self.refresh_brief(item, incident).await,
            Destination::OnCall { .. } => self.post(&self.oncall_channel, item).await,
            // The only way a client update reaches a client on Slack: its own status channel.
            Destination::ClientChannel { channel, .. } => self.post(channel, item).await,
            Destination::DirectMessage { user, .. } => {
                self.direct_message(user, &item.delivery.message.text).await
            }
            other => Err(DeliveryError::permanent(format!(
                "Slack cannot deliver to {}",
                other.label()
            ))),
        }
    }

    /// Level-1 triage posts: tickets and burst alerts (with their buttons) in the on-call channel,
    /// hand-over notes in the client's support channel. Failures are classified as for `deliver`.
    async fn open_room(
        &self,
        item: &OutboxItem,
        incident: &Incident,
        progress: &dyn RoomProgress,
    ) -> Result<Receipt, DeliveryError> {
        self.open_room_recorded(item, incident, progress).await
    }

    async fn deliver_unbound(&self, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        match &item.delivery.destination {
            Destination::OnCall { .. } => self.post(&self.oncall_channel, item).await,
            Destination::SupportChannel { channel, .. } => self.post(channel, item).await,
            other => Err(DeliveryError::permanent(format!(
                "Slack cannot deliver to {} without an incident",
                other.label()
            ))),
        }
    }

    /// `conversations.open` with the person, then `chat.postMessage` in that channel.
    async fn direct_message(&self, user: &UserId, text: &str) -> Result<Receipt, DeliveryError> {
        let [slack_user] = slack_users([user.clone()])
            .try_into()
            .map_err(|_| DeliveryError::permanent(format!("{user} is not a Slack user")))?;
        let channel = self.api.open_dm(&slack_user).await?;
        let ts = self.api.post_message(&channel, text, None).await?;
        Ok(Receipt {
            id: format!("{channel}/{ts}"),
            room: None,
        })
    }
}
