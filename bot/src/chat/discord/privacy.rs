//! Incident rooms are private: the *Incidents* category (and every room in it) denies View
//! Channel to @everyone (a guild often holds the clients' staff too) and allows it to the
//! responder roles, the managers and the bot.

use serde_json::{json, Value};

use crate::config::DiscordConfig;

const VIEW_CHANNEL: u64 = 1 << 10;
const SEND_MESSAGES: u64 = 1 << 11;
const EMBED_LINKS: u64 = 1 << 14;
const READ_MESSAGE_HISTORY: u64 = 1 << 16;
const PIN_MESSAGES: u64 = 1 << 51;
/// What responders and managers need in a room.
const RESPONDER_ALLOW: u64 = VIEW_CHANNEL | SEND_MESSAGES | READ_MESSAGE_HISTORY;
/// What the bot needs in a room (only permissions it holds in the guild may be granted).
const BOT_ALLOW: u64 = RESPONDER_ALLOW | EMBED_LINKS | PIN_MESSAGES;
/// Overwrite types: a role, or one member.
const ROLE: u8 = 0;
const MEMBER: u8 = 1;

/// The overwrites for the category and each room. @everyone's role id is the guild's id; the
/// bot's user id is the application's id (true of every bot user Discord creates for an app).
pub fn overwrites(config: &DiscordConfig, managers: &[String]) -> Value {
    let mut list = vec![
        json!({ "id": config.guild_id, "type": ROLE, "deny": VIEW_CHANNEL, "allow": 0 }),
        json!({ "id": config.application_id, "type": MEMBER, "allow": BOT_ALLOW, "deny": 0 }),
    ];
    list.extend(
        config
            .responder_roles
            .iter()
            .map(|role| json!({ "id": role, "type": ROLE, "allow": RESPONDER_ALLOW, "deny": 0 })),
    );
    list.extend(
        managers
            .iter()
            .map(|user| json!({ "id": user, "type": MEMBER, "allow": RESPONDER_ALLOW, "deny": 0 })),
    );
    Value::Array(list)
}

/// Whether a channel (as Discord lists it) already hides itself from @everyone.
pub fn is_private(channel: &Value, guild_id: &str) -> bool {
    channel["permission_overwrites"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|overwrite| {
            overwrite["id"] == guild_id
                && permission_bits(&overwrite["deny"]) & VIEW_CHANNEL == VIEW_CHANNEL
        })
}

/// Discord answers permission sets as decimal strings; requests may send integers.
fn permission_bits(value: &Value) -> u64 {
    value
        .as_u64()
        .or_else(|| value.as_str()?.parse().ok())
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> DiscordConfig {
        toml::from_str(
            r#"
application_id = "1100000000000000001"
public_key = "00"
bot_token = "token"
guild_id = "1100000000000000003"
oncall_channel = "1300000000000000010"
responder_roles = ["1700000000000000001"]
"#,
        )
        .unwrap()
    }

    #[test]
    fn everyone_is_denied_and_responders_managers_and_the_bot_allowed() {
        let config = config();
        let list = overwrites(&config, &["1500000000000000099".to_owned()]);
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[0]["id"], "1100000000000000003");
        assert_eq!(list[0]["deny"], VIEW_CHANNEL);
        for granted in &list[1..] {
            assert_eq!(
                granted["allow"].as_u64().unwrap() & VIEW_CHANNEL,
                VIEW_CHANNEL
            );
        }
        let listed = json!({ "permission_overwrites": [{ "id": "1100000000000000003", "type": 0, "allow": "0", "deny": "1024" }] });
        assert!(is_private(&listed, "1100000000000000003"));
        assert!(!is_private(
            &json!({ "permission_overwrites": [] }),
            "1100000000000000003"
        ));
    }
}
