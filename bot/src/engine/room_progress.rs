//! Room opening, recorded step by step on the incident's timeline (`RoomOpened`, first without
//! and then with the brief), so the room answers commands at once and a restart resumes.

use async_trait::async_trait;
use tracing::info;

use super::port::{DeliveryError, RoomProgress};
use super::Engine;
use crate::domain::{EventKind, IncidentId, TimelineEvent};
use crate::effects::OpenedRoom;
use crate::store::{Change, StoreError};

/// How often a step is re-recorded when another writer changed the incident meanwhile.
const CONFLICT_RETRIES: usize = 5;

pub(super) struct RoomRecorder<'a> {
    pub engine: &'a Engine,
    pub incident: IncidentId,
    pub platform: String,
}

#[async_trait]
impl RoomProgress for RoomRecorder<'_> {
    async fn taken_by_another(&self, room: &str) -> Result<bool, DeliveryError> {
        let owner = self
            .engine
            .store
            .incident_by_room(&self.platform, room)
            .await
            .map_err(|error| {
                DeliveryError::transient(format!("could not look the room up: {error}"))
            })?;
        Ok(owner.is_some_and(|owner| owner.incident.id != self.incident))
    }

    async fn record(&self, room: &OpenedRoom) -> Result<(), DeliveryError> {
        let failed = |error: StoreError| {
            DeliveryError::transient(format!("could not record the room's progress: {error}"))
        };
        for _ in 0..CONFLICT_RETRIES {
            let stored = self
                .engine
                .store
                .incident(&self.incident)
                .await
                .map_err(failed)?
                .ok_or_else(|| DeliveryError::permanent(format!("{} vanished", self.incident)))?;
            let known = stored.incident.rooms.iter().any(|known| {
                known.platform == self.platform
                    && known.room == room.id
                    && (room.brief.is_none() || known.brief == room.brief)
            });
            if known {
                return Ok(());
            }
            let event = TimelineEvent {
                at: self.engine.clock.now(),
                actor: None,
                kind: EventKind::RoomOpened {
                    platform: self.platform.clone(),
                    room: room.id.clone(),
                    name: room.name.clone(),
                    brief: room.brief.clone(),
                },
            };
            let mut next = stored.incident.clone();
            next.apply(&event);
            let change = Change {
                timer_at: self.engine.timer_at(&next),
                incident: next,
                expected_version: stored.version,
                events: vec![event],
                deliveries: Vec::new(),
            };
            match self.engine.store.commit(change).await {
                Ok(()) => {
                    info!(incident = %self.incident, room = %room.id, brief = room.brief.is_some(), "room progress recorded");
                    return Ok(());
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(error) => return Err(failed(error)),
            }
        }
        Err(DeliveryError::transient(
            "the incident kept changing while its room was being recorded",
        ))
    }
}
