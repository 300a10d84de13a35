//! A chat platform that records what it is asked to deliver, and can be told to fail.

use std::collections::VecDeque;
use std::sync::Mutex;

use async_trait::async_trait;

use crate::chat::{console, ChatPlatform, DeliveryError};
use crate::config::ClientConfig;
use crate::domain::Incident;
use crate::effects::{Destination, OpenedRoom, OutboxItem, Receipt};

#[derive(Debug, Clone)]
pub struct Delivered {
    pub destination: Destination,
    pub text: String,
    pub incident: String,
    pub actions: Vec<crate::effects::Action>,
}

pub struct RecordingPlatform {
    name: &'static str,
    delivered: Mutex<Vec<Delivered>>,
    failures: Mutex<VecDeque<DeliveryError>>,
    /// Deliveries that panic instead of answering (a bug in an adapter, simulated).
    panics: std::sync::atomic::AtomicUsize,
}

impl RecordingPlatform {
    pub fn new(name: &'static str) -> Self {
        Self {
            name,
            delivered: Mutex::new(Vec::new()),
            failures: Mutex::new(VecDeque::new()),
            panics: std::sync::atomic::AtomicUsize::new(0),
        }
    }

    /// The next `count` deliveries panic, as a buggy adapter would.
    pub fn panic_next(&self, count: usize) {
        self.panics
            .store(count, std::sync::atomic::Ordering::SeqCst);
    }

    pub fn delivered(&self) -> Vec<Delivered> {
        self.delivered.lock().unwrap().clone()
    }

    /// What reached one destination, in order.
    pub fn texts_to(&self, matches: impl Fn(&Destination) -> bool) -> Vec<String> {
        self.delivered()
            .into_iter()
            .filter(|d| matches(&d.destination))
            .map(|d| d.text)
            .collect()
    }

    /// The next deliveries fail with these errors, in order.
    pub fn fail_next(&self, error: DeliveryError) {
        self.failures.lock().unwrap().push_back(error);
    }
}

#[async_trait]
impl ChatPlatform for RecordingPlatform {
    fn name(&self) -> &'static str {
        self.name
    }

    /// Standing in for the console, it has the console's channels; otherwise the configured ones.
    fn status_channel(&self, client: &ClientConfig) -> Option<String> {
        if self.name == console::PLATFORM {
            Some(console::status_channel(client))
        } else {
            client.status_channel(self.name).map(str::to_owned)
        }
    }

    fn support_channel(&self, client: &ClientConfig) -> Option<String> {
        if self.name == console::PLATFORM {
            Some(console::support_channel(client))
        } else {
            client.support_channel(self.name).map(str::to_owned)
        }
    }

    async fn deliver(
        &self,
        item: &OutboxItem,
        incident: &Incident,
    ) -> Result<Receipt, DeliveryError> {
        let panics = &self.panics;
        let ordering = std::sync::atomic::Ordering::SeqCst;
        if panics
            .fetch_update(ordering, ordering, |left| left.checked_sub(1))
            .is_ok()
        {
            panic!("the {} adapter panicked (simulated)", self.name);
        }
        if let Some(error) = self.failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        let message = &item.delivery.message;
        self.delivered.lock().unwrap().push(Delivered {
            destination: item.delivery.destination.clone(),
            text: message.text.clone(),
            incident: incident.id.to_string(),
            actions: message.actions.clone(),
        });
        let room = match &item.delivery.destination {
            Destination::OpenRoom { .. } => {
                let name = message.room_name.clone().unwrap_or_default();
                Some(OpenedRoom {
                    id: format!("R-{name}"),
                    name,
                    brief: Some("brief-1".into()),
                })
            }
            _ => None,
        };
        Ok(Receipt {
            id: format!("m{}", item.id),
            room,
        })
    }

    async fn direct_message(
        &self,
        user: &crate::domain::UserId,
        text: &str,
    ) -> Result<Receipt, DeliveryError> {
        if let Some(error) = self.failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        self.delivered.lock().unwrap().push(Delivered {
            destination: Destination::DirectMessage {
                platform: self.name.to_owned(),
                user: user.clone(),
            },
            text: text.to_owned(),
            incident: String::new(),
            actions: Vec::new(),
        });
        Ok(Receipt {
            id: format!("dm:{user}"),
            room: None,
        })
    }

    async fn deliver_unbound(&self, item: &OutboxItem) -> Result<Receipt, DeliveryError> {
        if let Some(error) = self.failures.lock().unwrap().pop_front() {
            return Err(error);
        }
        self.delivered.lock().unwrap().push(Delivered {
            destination: item.delivery.destination.clone(),
            text: item.delivery.message.text.clone(),
            incident: String::new(),
            actions: item.delivery.message.actions.clone(),
        });
        Ok(Receipt {
            id: format!("m{}", item.id),
            room: None,
        })
    }
}
