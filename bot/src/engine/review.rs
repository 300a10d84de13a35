//! The engine's side of the review pages: the single-use sign-in link `/incident review` sends a
//! manager by direct message, the postmortem draft written in the same transaction as a
//! resolution, and publishing an approved postmortem's client version through the outbox.

use chrono::Duration;
use sha2::{Digest, Sha256};
use tracing::{info, warn};

use super::port::{ChatPlatform, DeliveryError};
use super::{Engine, EngineError, Request, Response};
use crate::domain::review::Postmortem;
use crate::domain::{EventKind, IncidentId, Policy, TimelineEvent, UserId};
use crate::effects::{Delivery, Destination, MessageKind, OutgoingMessage, Receipt};
use crate::postmortem::{ClientPostmortemView, Sources};
use crate::store::{Change, SignInLink, StoreError};
use crate::templates::Templates;

/// How long a sign-in link works, once.
pub const SIGN_IN_VALID_MINUTES: i64 = 15;

/// A fresh random token (256 bits, hex) for a link or a session cookie.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    hex::encode(bytes)
}

/// What the store keeps instead of a token: its SHA-256, hex.
pub fn hash_token(token: &str) -> String {
    hex::encode(Sha256::digest(token.as_bytes()))
}

impl Engine {
    pub fn templates(&self) -> &Templates {
        &self.templates
    }

    pub fn policy(&self) -> &Policy {
        &self.policy
    }

    /// `/incident review`: a manager gets a link by direct message; anyone else is told the rule.
    pub(super) async fn review_link(&self, request: &Request) -> Result<Response, EngineError> {
        if !self.policy.is_manager(&request.user) {
            return Err(EngineError::Refused(format!(
                "`/incident review` is for managers: only people listed in `policy.managers` get a sign-in link to the review pages, and {} is not listed. Ask an administrator to add you.",
                request.user.mention()
            )));
        }
        if !self.platforms.contains_key(request.platform) {
            return Err(EngineError::Refused(format!(
                "the {} adapter is not enabled",
                request.platform
            )));
        }
        let next_path = match &request.room {
            Some(room) => match self.store.incident_by_room(request.platform, room).await? {
                Some(found) => format!("/incidents/{}", found.incident.id),
                None => "/incidents".to_owned(),
            },
            None => "/incidents".to_owned(),
        };
        // Queued like any message (retried, counted); the link is minted only when it is sent.
        let mut message = OutgoingMessage::new(
            MessageKind::Notice,
            None,
            "A sign-in link to the review pages",
        );
        message.sign_in = Some(next_path);
        let delivery = Delivery {
            destination: Destination::DirectMessage {
                platform: request.platform.to_owned(),
                user: request.user.clone(),
            },
            message,
        };
        self.store
            .enqueue_private(&delivery, self.clock.now())
            .await?;
        self.outbox_ready.notify_one();
        info!(user = %request.user, "sign-in link queued");
        Ok(Response::private(format!(
            "A sign-in link to the review pages is on its way to you by direct message. It works once, within {SIGN_IN_VALID_MINUTES} minutes of arriving."
        )))
    }

    /// Mints a single-use sign-in link for `user` and sends it to them: called by the outbox
    /// worker, once per attempt (an attempt that failed leaves only an unused link to expire).
    pub(super) async fn send_sign_in(
        &self,
        adapter: &dyn ChatPlatform,
        user: &UserId,
        next_path: &str,
    ) -> Result<Receipt, DeliveryError> {
        let now = self.clock.now();
        let token = new_token();
        self.store
            .create_sign_in(&SignInLink {
                token_hash: hash_token(&token),
                user: user.clone(),
                next_path: next_path.to_owned(),
                created_at: now,
                expires_at: now + Duration::minutes(SIGN_IN_VALID_MINUTES),
                used_at: None,
            })
            .await
            .map_err(|e| {
                DeliveryError::transient(format!("the sign-in link was not stored: {e}"))
            })?;
        let url = format!(
            "{}/signin/{token}",
            self.config.http.public_url.trim_end_matches('/')
        );
        let text = format!(
            "Your sign-in link to the Command Post review pages (it works once, for {SIGN_IN_VALID_MINUTES} minutes; do not share it):\n{url}"
        );
        let receipt = adapter.direct_message(user, &text).await;
        if let Err(error) = &receipt {
            warn!(reason = %error.reason, "could not send the sign-in link");
        }
        receipt
    }

    /// Commits a room command's change; a resolution writes the postmortem draft with it.
    pub(super) async fn commit_room_change(&self, change: Change) -> Result<(), EngineError> {
        let resolved = change.events.iter().find_map(|event| match &event.kind {
            EventKind::Resolved { summary, .. } => Some((event.at, summary.clone())),
            _ => None,
        });
        let Some((at, summary)) = resolved else {
            return self.commit(change).await;
        };
        let incident = &change.incident;
        let draft = Postmortem::draft(
            incident.id.clone(),
            incident.client.clone(),
            summary.as_deref(),
            at,
        );
        let queued = !change.deliveries.is_empty();
        self.store.commit_resolution(change, &draft).await?;
        if queued {
            self.outbox_ready.notify_one();
        }
        Ok(())
    }

    /// Sends an approved postmortem's client version to every status destination of the
    /// client, as the next client update; returns where it is going.
    pub async fn publish_postmortem(
        &self,
        id: &IncidentId,
        manager: &UserId,
    ) -> Result<Vec<String>, EngineError> {
        for _ in 0..3 {
            let now = self.clock.now();
            let not_found = || EngineError::Refused(format!("{id} has no postmortem"));
            let stored = self.store.incident(id).await?.ok_or_else(not_found)?;
            let postmortem = self.store.postmortem(id).await?.ok_or_else(not_found)?;
            postmortem
                .check_publishable()
                .map_err(EngineError::Refused)?;
            let timeline = self.store.timeline(id).await?;
            let text = self.templates.render(
                "client-postmortem",
                &ClientPostmortemView::new(&Sources {
                    config: &self.config,
                    incident: &stored.incident,
                    timeline: &timeline,
                    postmortem: &postmortem,
                    comments: &[],
                    now,
                }),
            )?;
            let event = TimelineEvent {
                at: now,
                actor: Some(manager.clone()),
                kind: EventKind::UpdatePublished {
                    sequence: stored.incident.next_client_sequence(),
                    message: text.clone(),
                    due_at: None,
                },
            };
            let mut next = stored.incident.clone();
            next.apply(&event);
            let mut deliveries = self.client_update_messages(&next, &event)?;
            for (_, delivery) in &mut deliveries {
                // The report goes out as written, not wrapped in the status-update template.
                delivery.message.text = text.clone();
            }
            let labels = deliveries
                .iter()
                .map(|(_, d)| d.destination.label())
                .collect();
            let published = Postmortem {
                published_at: Some(now),
                updated_at: now,
                updated_by: Some(manager.clone()),
                ..postmortem.clone()
            };
            let change = Change {
                timer_at: self.timer_at(&next),
                incident: next,
                expected_version: stored.version,
                events: vec![event],
                deliveries,
            };
            match self
                .store
                .commit_publication(change, &published, postmortem.version)
                .await
            {
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(error.into()),
                Ok(()) => {
                    self.outbox_ready.notify_one();
                    info!(incident = %id, "client postmortem published");
                    return Ok(labels);
                }
            }
        }
        Err(EngineError::Store(StoreError::Conflict(id.clone())))
    }
}
