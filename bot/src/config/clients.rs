//! One client's settings: where it hears about incidents, its contract, the time zone it reads.

use std::collections::BTreeMap;
use std::time::Duration;

use secrecy::SecretString;
use serde::Deserialize;

use super::duration;
use crate::domain::{ClientId, ClientPolicy};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientConfig {
    pub id: ClientId,
    pub name: String,
    /// Its channels per chat platform: `[clients.channels.<platform>] status = "…", support = "…"`
    /// (the older `<platform>_status_channel` keys are moved here on load, see `load.rs`).
    #[serde(default)]
    pub channels: BTreeMap<String, ClientChannels>,
    pub webhook_url: Option<String>,
    /// Standard Webhooks secret (`whsec_<base64>`): every webhook delivery is signed with it.
    pub webhook_secret: Option<SecretString>,
    /// Addresses that get each update and the resolution notice by email.
    #[serde(default)]
    pub email_to: Vec<String>,
    /// The zone times are shown in to this client; absent: the deployment's `timezone`.
    pub timezone: Option<chrono_tz::Tz>,
    /// Origins (`https://intranet.example`) allowed to frame the status page.
    #[serde(default)]
    pub status_frame_ancestors: Vec<String>,
    #[serde(default, with = "duration::optional")]
    pub update_every: Option<Duration>,
    #[serde(default, with = "duration::optional")]
    pub first_update_within: Option<Duration>,
    pub status_token: Option<SecretString>,
    #[serde(default)]
    pub public_status: bool,
    /// Enables `POST /alerts/{client}` with `Authorization: Bearer <alert_token>`.
    pub alert_token: Option<SecretString>,
}

/// A client's channels on one chat platform.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientChannels {
    /// Where the client reads status updates (e.g. a Slack Connect channel).
    pub status: Option<String>,
    /// Where the client's staff ask level-1 questions.
    pub support: Option<String>,
}

impl ClientConfig {
    /// The client's status channel on `platform`, if it has one there.
    pub fn status_channel(&self, platform: &str) -> Option<&str> {
        self.channels.get(platform)?.status.as_deref()
    }

    /// The client's support channel on `platform`, if it has one there.
    pub fn support_channel(&self, platform: &str) -> Option<&str> {
        self.channels.get(platform)?.support.as_deref()
    }

    pub fn contract(&self) -> ClientPolicy {
        ClientPolicy {
            update_every: self.update_every,
            first_update_within: self.first_update_within,
        }
    }

    /// Whether the client's status page is a destination for updates.
    pub fn has_status_page(&self) -> bool {
        self.public_status || self.status_token.is_some()
    }
}

/// The SMTP server updates are sent through.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EmailConfig {
    /// lettre's URL form (`smtps://user:password@host:465`, `smtp://host:25?tls=required`); it
    /// carries the password, so it is a secret.
    pub smtp_url: SecretString,
    /// `Name <address>` the client sees as the sender.
    pub from: String,
}
