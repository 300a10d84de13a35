//! The application core's driver: turns a person's command, a timer or a delivery result into
//! domain decisions, and writes each decision with its outgoing messages in one transaction.

mod alerts;
mod client_messages;
mod commands;
mod delivery;
mod delivery_outcome;
mod dispatch;
mod error;
mod kb_draft;
mod links;
mod messages;
mod pages;
pub mod port;
mod review;
mod room_progress;
mod timers;
mod triage;
mod worker;

use std::collections::HashMap;
use std::sync::Arc;

use tokio::sync::Notify;

use crate::clock::Clock;
use crate::commands::{Command, UserRef};
use crate::config::Config;
use crate::domain::triage::TriagePolicy;
use crate::domain::{deadline, Actor, Incident, Policy, UserId};
use crate::kb::Knowledge;
use crate::store::{Change, Store};
use crate::templates::Templates;
use crate::views::ViewContext;
use port::ChatPlatform;

pub use alerts::AlertOutcome;
pub use dispatch::{IN_FLIGHT, LEASE, MAX_IN_FLIGHT, SLOW_AFTER};
pub use error::EngineError;
pub use links::{LinkHealth, LINK_DOWN_AFTER};
pub use review::{hash_token, new_token, SIGN_IN_VALID_MINUTES};
pub use worker::{Heartbeat, STALL_AFTER, TICK};

fn worker_id() -> String {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).expect("the operating system provides randomness");
    format!("{}-{}", std::process::id(), hex::encode(bytes))
}

/// Who should see a reply.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Only the person who asked (Slack ephemeral, Discord flag 64).
    Private,
    /// Everyone in the room where the command was typed.
    Room,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    pub text: String,
    pub visibility: Visibility,
    /// The room a new incident will open, for adapters that follow the person there.
    pub opened_room: Option<String>,
    /// The person asked to declare without arguments: platforms with forms show one.
    pub wants_declare_form: bool,
    /// Buttons offered with the reply (level-1 triage: solved / still need help).
    pub actions: Vec<crate::effects::Action>,
}

impl Response {
    fn private(text: impl Into<String>) -> Self {
        Self {
            text: text.into(),
            visibility: Visibility::Private,
            opened_room: None,
            wants_declare_form: false,
            actions: Vec::new(),
        }
    }

    fn room(text: impl Into<String>) -> Self {
        Self {
            visibility: Visibility::Room,
            ..Self::private(text)
        }
    }
}

/// One command from one person on one platform.
#[derive(Debug, Clone)]
pub struct Request {
    pub platform: &'static str,
    pub user: UserId,
    /// The channel the command was typed in, if any.
    pub room: Option<String>,
    pub command: Command,
    /// How this platform turns a mention into a user id.
    pub resolve_user: fn(&UserRef) -> UserId,
    /// The platform vouches that this person is one of the MSP's responders (Slack: listed in
    /// `slack.responders` or a full member of the bot's workspace; Discord: holds a responder
    /// role). Managers may command either way; everyone else may only ask for help.
    pub responder: bool,
}

pub struct Engine {
    store: Arc<dyn Store>,
    config: Arc<Config>,
    policy: Policy,
    templates: Arc<Templates>,
    clock: Arc<dyn Clock>,
    platforms: HashMap<&'static str, Arc<dyn ChatPlatform>>,
    webhook: Arc<dyn port::WebhookPort>,
    /// PagerDuty, when `[paging]` is configured.
    pager: Option<Arc<dyn port::PagerPort>>,
    /// Client email, when `[email]` is configured.
    email: Option<Arc<dyn port::EmailPort>>,
    /// Wakes the delivery loop as soon as something is written to the outbox.
    outbox_ready: Arc<Notify>,
    knowledge: Arc<Knowledge>,
    triage: TriagePolicy,
    heartbeat: Heartbeat,
    /// Long-lived platform links and since when they are down, for `/healthz`.
    links: LinkHealth,
    /// One client's alerts at a time, so a storm makes one proposal.
    alert_locks: alerts::AlertLocks,
    /// Every delivery in flight, slow ones included (see [`dispatch::MAX_IN_FLIGHT`]).
    all_in_flight: Arc<tokio::sync::Semaphore>,
    /// This process's name on outbox claims: `<pid>-<random>`, unique across replicas.
    worker_id: String,
}

impl Engine {
    pub fn new(
        store: Arc<dyn Store>,
        config: Arc<Config>,
        templates: Arc<Templates>,
        clock: Arc<dyn Clock>,
        platforms: Vec<Arc<dyn ChatPlatform>>,
        knowledge: Arc<Knowledge>,
        senders: port::Senders,
    ) -> Self {
        Self {
            email: senders.email,
            pager: senders.pager,
            policy: config.policy(),
            triage: config.triage.policy(),
            knowledge,
            store,
            config,
            templates,
            clock,
            platforms: platforms.into_iter().map(|p| (p.name(), p)).collect(),
            webhook: senders.webhook,
            outbox_ready: Arc::new(Notify::new()),
            heartbeat: Heartbeat::default(),
            links: LinkHealth::default(),
            alert_locks: alerts::AlertLocks::default(),
            all_in_flight: Arc::new(tokio::sync::Semaphore::new(dispatch::MAX_IN_FLIGHT)),
            worker_id: worker_id(),
        }
    }

    /// When the background worker last completed a pass, for `/healthz`.
    pub fn heartbeat(&self) -> &Heartbeat {
        &self.heartbeat
    }

    pub fn links(&self) -> &LinkHealth {
        &self.links
    }

    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    pub fn config(&self) -> &Arc<Config> {
        &self.config
    }

    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    pub fn knowledge(&self) -> &Arc<Knowledge> {
        &self.knowledge
    }

    pub fn outbox_ready(&self) -> Arc<Notify> {
        self.outbox_ready.clone()
    }

    /// Chat platforms in a stable order, for announcements on every one.
    fn platform_names(&self) -> Vec<&'static str> {
        let mut names: Vec<_> = self.platforms.keys().copied().collect();
        names.sort_unstable();
        names
    }

    fn actor(&self, user: &UserId) -> Actor {
        Actor {
            user: user.clone(),
            is_manager: self.policy.is_manager(user),
        }
    }

    fn view_context(&self) -> ViewContext<'_> {
        ViewContext {
            config: &self.config,
            policy: &self.policy,
            now: self.clock.now(),
            timezone: self.config.timezone,
        }
    }

    fn terms_for<'a>(
        &'a self,
        contract: &'a crate::domain::ClientPolicy,
    ) -> crate::domain::Terms<'a> {
        crate::domain::Terms {
            policy: &self.policy,
            client: contract,
        }
    }

    fn timer_at(&self, incident: &Incident) -> Option<chrono::DateTime<chrono::Utc>> {
        deadline::next_timer(incident, &self.policy).map(|timer| timer.at)
    }

    /// Commits and wakes the delivery loop when the change queued messages.
    async fn commit(&self, change: Change) -> Result<(), EngineError> {
        let queued = !change.deliveries.is_empty();
        self.store.commit(change).await?;
        if queued {
            self.outbox_ready.notify_one();
        }
        Ok(())
    }
}
