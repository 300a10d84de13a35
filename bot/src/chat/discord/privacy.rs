//! Incident rooms are private: the *Incidents* category (and every room in it) denies View
//! Channel to @everyone (a guild often holds the clients' staff too) and allows it to the
//! responder roles, the managers and the bot.

use serde_json::Value;
use serenity::all::{
    PermissionOverwrite, PermissionOverwriteType, Permissions, RoleId, UserId as MemberId,
};

use super::snowflake;
use super::DiscordConfig;

/// Pin Messages (bit 51) is newer than serenity's permission names; the bit is Discord's.
const PIN_MESSAGES: Permissions = Permissions::from_bits_retain(1 << 51);
/// What responders and managers need in a room.
const RESPONDER_ALLOW: Permissions = Permissions::VIEW_CHANNEL
    .union(Permissions::SEND_MESSAGES)
    .union(Permissions::READ_MESSAGE_HISTORY);
/// What the bot needs in a room (only permissions it holds in the guild may be granted).
const BOT_ALLOW: Permissions = RESPONDER_ALLOW
    .union(Permissions::EMBED_LINKS)
    .union(PIN_MESSAGES);

fn overwrite(
    kind: PermissionOverwriteType,
    allow: Permissions,
    deny: Permissions,
) -> PermissionOverwrite {
    PermissionOverwrite { allow, deny, kind }
}

/// The overwrites for the category and each room. @everyone's role id is the guild's id; the
/// bot's user id is the application's id (true of every bot user Discord creates for an app).
pub fn overwrites(config: &DiscordConfig, managers: &[String]) -> Vec<PermissionOverwrite> {
    let role = |id: &str| snowflake(id).map(|id| PermissionOverwriteType::Role(RoleId::new(id)));
    let member =
        |id: &str| snowflake(id).map(|id| PermissionOverwriteType::Member(MemberId::new(id)));
    let everyone = role(&config.guild_id)
        .map(|kind| overwrite(kind, Permissions::empty(), Permissions::VIEW_CHANNEL));
    let bot =
        member(&config.application_id).map(|kind| overwrite(kind, BOT_ALLOW, Permissions::empty()));
    let responders = config.responder_roles.iter().filter_map(|id| role(id));
    let managers = managers.iter().filter_map(|id| member(id));
    everyone
        .into_iter()
        .chain(bot)
        .chain(
            responders
                .chain(managers)
                .map(|kind| overwrite(kind, RESPONDER_ALLOW, Permissions::empty())),
        )
        .collect()
}

/// Whether a channel (as Discord lists it) already hides itself from @everyone.
pub fn is_private(channel: &Value, guild_id: &str) -> bool {
    let listed: Vec<PermissionOverwrite> =
        serde_json::from_value(channel["permission_overwrites"].clone()).unwrap_or_default();
    let everyone = snowflake(guild_id).map(|id| PermissionOverwriteType::Role(RoleId::new(id)));
    listed.iter().any(|overwrite| {
        Some(overwrite.kind) == everyone && overwrite.deny.contains(Permissions::VIEW_CHANNEL)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

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
        let list =
            serde_json::to_value(overwrites(&config, &["1500000000000000099".to_owned()])).unwrap();
        let list = list.as_array().unwrap();
        assert_eq!(list.len(), 4);
        assert_eq!(list[0]["id"], "1100000000000000003");
        assert_eq!(
            (&list[0]["type"], &list[0]["deny"]),
            (&json!(0), &json!("1024"))
        );
        assert_eq!(
            (&list[1]["id"], &list[1]["type"]),
            (&json!("1100000000000000001"), &json!(1))
        );
        assert_eq!(
            list[1]["allow"],
            (1u64 << 51 | 1 << 16 | 1 << 14 | 1 << 11 | 1 << 10).to_string()
        );
        for granted in &list[2..] {
            let allow: u64 = granted["allow"].as_str().unwrap().parse().unwrap();
            assert_eq!(allow, 1 << 16 | 1 << 11 | 1 << 10, "{granted}");
        }
        let listed = json!({ "permission_overwrites": [{ "id": "1100000000000000003", "type": 0, "allow": "0", "deny": "1024" }] });
        assert!(is_private(&listed, "1100000000000000003"));
        assert!(!is_private(
            &json!({ "permission_overwrites": [] }),
            "1100000000000000003"
        ));
    }
}
