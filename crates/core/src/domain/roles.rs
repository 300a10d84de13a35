//! ICS roles and who holds them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{error::DomainError, ids::UserId};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Commander,
    Comms,
    Ops,
    Scribe,
    Sme,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Commander => "commander",
            Role::Comms => "comms",
            Role::Ops => "ops",
            Role::Scribe => "scribe",
            Role::Sme => "sme",
        }
    }

    /// The name people use for the role in messages.
    pub fn title(self) -> &'static str {
        match self {
            Role::Commander => "incident commander",
            Role::Comms => "comms lead",
            Role::Ops => "ops lead",
            Role::Scribe => "scribe",
            Role::Sme => "subject-matter expert",
        }
    }
}

impl FromStr for Role {
    type Err = DomainError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().as_str() {
            "commander" | "ic" => Ok(Role::Commander),
            "comms" | "communications" => Ok(Role::Comms),
            "ops" | "operations" => Ok(Role::Ops),
            "scribe" => Ok(Role::Scribe),
            "sme" => Ok(Role::Sme),
            _ => Err(DomainError::InvalidRole(s.to_owned())),
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.title())
    }
}

/// Who holds each role. One commander always; other single roles may be vacant; SMEs are a set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roles {
    pub commander: UserId,
    pub comms: Option<UserId>,
    pub ops: Option<UserId>,
    pub scribe: Option<UserId>,
    #[serde(default)]
    pub smes: Vec<UserId>,
}

impl Roles {
    pub fn led_by(commander: UserId) -> Self {
        Self {
            commander,
            comms: None,
            ops: None,
            scribe: None,
            smes: Vec::new(),
        }
    }

    pub fn holder(&self, role: Role) -> Option<&UserId> {
        match role {
            Role::Commander => Some(&self.commander),
            Role::Comms => self.comms.as_ref(),
            Role::Ops => self.ops.as_ref(),
            Role::Scribe => self.scribe.as_ref(),
            Role::Sme => None,
        }
    }

    pub fn holds(&self, user: &UserId, role: Role) -> bool {
        match role {
            Role::Sme => self.smes.contains(user),
            _ => self.holder(role) == Some(user),
        }
    }

    /// Every role the user holds, for telling them what they are.
    pub fn roles_of(&self, user: &UserId) -> Vec<Role> {
        [
            Role::Commander,
            Role::Comms,
            Role::Ops,
            Role::Scribe,
            Role::Sme,
        ]
        .into_iter()
        .filter(|role| self.holds(user, *role))
        .collect()
    }

    /// Everyone holding a role, commander first, without repeats.
    pub fn everyone(&self) -> Vec<UserId> {
        let mut people = vec![self.commander.clone()];
        for user in [&self.comms, &self.ops, &self.scribe]
            .into_iter()
            .flatten()
            .chain(self.smes.iter())
        {
            if !people.contains(user) {
                people.push(user.clone());
            }
        }
        people
    }

    pub(crate) fn set(&mut self, role: Role, user: Option<UserId>) {
        match role {
            Role::Commander => {
                if let Some(user) = user {
                    self.commander = user;
                }
            }
            Role::Comms => self.comms = user,
            Role::Ops => self.ops = user,
            Role::Scribe => self.scribe = user,
            Role::Sme => {
                if let Some(user) = user {
                    if !self.smes.contains(&user) {
                        self.smes.push(user);
                    }
                }
            }
        }
    }
}
