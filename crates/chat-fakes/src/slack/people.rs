//! People who are not full members of the fake workspace (guests, Slack Connect users from
//! another organisation) and user groups, answered as `users.info` and `usergroups.users.list` do.

use serde_json::{json, Map, Value};

use super::state::{user_json, Answer, World};

/// The team id Slack reports for users of another organisation in a Slack Connect channel.
pub const EXTERNAL_TEAM_ID: &str = "T0EXTERNAL";

/// How a person relates to the workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Membership {
    /// A multi-channel guest (`is_restricted`).
    Guest,
    /// A single-channel guest (`is_ultra_restricted`).
    SingleChannelGuest,
    /// A Slack Connect user from another organisation: their own team id.
    External,
}

impl World {
    pub(crate) fn add_outsider(&mut self, id: &str, name: &str, membership: Membership) {
        let mut user = user_json(id, name, false);
        match membership {
            Membership::Guest => user["is_restricted"] = json!(true),
            Membership::SingleChannelGuest => {
                user["is_restricted"] = json!(true);
                user["is_ultra_restricted"] = json!(true);
            }
            Membership::External => {
                user["team_id"] = json!(EXTERNAL_TEAM_ID);
                user["profile"]["team"] = json!(EXTERNAL_TEAM_ID);
            }
        }
        self.users.insert(id.to_owned(), user);
    }

    pub(crate) fn add_usergroup(&mut self, id: &str, members: &[&str]) {
        self.usergroups.insert(
            id.to_owned(),
            members.iter().map(|m| (*m).to_owned()).collect(),
        );
    }

    /// `usergroups.users.list`: `no_such_subteam` for an unknown group, as Slack answers.
    pub(crate) fn usergroup_users(&self, p: &Map<String, Value>) -> Answer {
        let group = p
            .get("usergroup")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let members = self.usergroups.get(group).ok_or("no_such_subteam")?;
        Ok(json!({ "users": members }))
    }
}
