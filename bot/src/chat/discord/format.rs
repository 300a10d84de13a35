//! Text as Discord shows it: Slack-flavoured mentions and bold turned into Discord markdown, and
//! long text kept within Discord's limits (2,000 characters of content, 4,096 of an embed).

use serde_json::Value;
use serenity::builder::{
    CreateAllowedMentions, CreateEmbed, CreateInteractionResponseFollowup,
    CreateInteractionResponseMessage, CreateMessage, EditInteractionResponse, EditMessage,
};

use super::components::action_rows;
use crate::effects::Action;

/// Discord's limit on a message's `content` for bots.
pub const MAX_CONTENT: usize = 2000;
/// Discord's limit on an embed's description.
pub const MAX_DESCRIPTION: usize = 4096;
/// Discord's limit on an embed's title.
pub const MAX_TITLE: usize = 256;

/// `<@discord:123>` → `<@123>`; another platform's `<@U1>` → `@U1` (it cannot ping anyone here);
/// Slack's `*bold*` → `**bold**`.
pub fn discord_text(text: &str) -> String {
    text.lines()
        .map(|line| unescape(&bold(&mentions(line))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Slack's escapes (client text, see `client_text`) as Discord shows the characters literally:
/// a backslash stops `<@…>` from being a mention. Done after mentions, so an escaped one never is.
fn unescape(line: &str) -> String {
    line.replace("&lt;", "\\<")
        .replace("&gt;", "\\>")
        .replace("&amp;", "&")
}

/// `<@discord:123>` → `<@123>` (a Discord mention); another platform's id is shown as `@id`.
fn mentions(text: &str) -> String {
    crate::domain::ids::rewrite_mentions(text, |id| match id.strip_prefix("discord:") {
        Some(snowflake) => format!("<@{snowflake}>"),
        None => format!("@{id}"),
    })
}

/// Pairs of single `*` become `**`; a line with an odd number of them is left alone.
fn bold(line: &str) -> String {
    if line.contains("**") {
        return line.to_owned();
    }
    let parts: Vec<&str> = line.split('*').collect();
    if parts.len() < 3 || parts.len() % 2 == 0 {
        return line.to_owned();
    }
    parts.join("**")
}

/// At most `max` characters, with `…` at the end when cut.
pub fn truncate(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// How `text` is shown: as content when it fits, else as an embed's description, so nothing is
/// refused for length.
pub enum Shown {
    Content(String),
    Embed(String),
}

pub fn shown(text: &str) -> Shown {
    let text = discord_text(text);
    if text.chars().count() <= MAX_CONTENT {
        Shown::Content(text)
    } else {
        Shown::Embed(truncate(&text, MAX_DESCRIPTION))
    }
}

/// What every Discord message the bot writes carries: text, buttons, who may be pinged.
/// serenity's builders for a new message, an edit, an interaction's answer and a follow-up have
/// these methods alike but no trait in common; this is it.
pub trait Carries: Sized {
    fn with_content(self, content: String) -> Self;
    fn with_embed(self, embed: CreateEmbed) -> Self;
    fn with_rows(self, rows: Vec<serenity::builder::CreateActionRow>) -> Self;
    fn with_mentions(self, mentions: CreateAllowedMentions) -> Self;
}

macro_rules! carries {
    ($($builder:ty),*) => {$(
        impl Carries for $builder {
            fn with_content(self, content: String) -> Self {
                self.content(content)
            }
            fn with_embed(self, embed: CreateEmbed) -> Self {
                self.add_embed(embed)
            }
            fn with_rows(self, rows: Vec<serenity::builder::CreateActionRow>) -> Self {
                self.components(rows)
            }
            fn with_mentions(self, mentions: CreateAllowedMentions) -> Self {
                self.allowed_mentions(mentions)
            }
        }
    )*};
}

carries!(
    CreateMessage,
    EditMessage,
    CreateInteractionResponseMessage,
    EditInteractionResponse,
    CreateInteractionResponseFollowup
);

/// Only the people a message names are pinged, never roles or @everyone.
pub fn people_only() -> CreateAllowedMentions {
    CreateAllowedMentions::new().all_users(true)
}

/// `builder` carrying `text` (see [`shown`]) and buttons for `actions`, pinging as `mentions`.
pub fn carrying<B: Carries>(
    builder: B,
    text: &str,
    actions: &[Action],
    mentions: CreateAllowedMentions,
) -> B {
    let rows = action_rows(actions);
    let builder = builder.with_mentions(mentions);
    let builder = if rows.is_empty() {
        builder
    } else {
        builder.with_rows(rows)
    };
    match shown(text) {
        Shown::Content(content) => builder.with_content(content),
        Shown::Embed(description) => {
            builder.with_embed(CreateEmbed::new().description(description))
        }
    }
}

/// A builder as the JSON our own REST client sends.
pub fn serialised(builder: impl serde::Serialize) -> Value {
    serde_json::to_value(builder).expect("serenity's builders serialise to JSON")
}

/// A new message carrying `text` and buttons for `actions`, pinging only the people it names.
pub fn message_body(text: &str, actions: &[Action]) -> Value {
    serialised(carrying(CreateMessage::new(), text, actions, people_only()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mentions_and_bold_become_discord_markdown() {
        assert_eq!(
            discord_text("*Acme* down, <@discord:42> and <@U0MANAGER> paged"),
            "**Acme** down, <@42> and @U0MANAGER paged"
        );
        assert_eq!(discord_text("5 * 3 = 15"), "5 * 3 = 15");
        assert_eq!(discord_text("**already**"), "**already**");
        assert_eq!(discord_text("a <@unclosed"), "a <@unclosed");
        assert_eq!(discord_text("*one*\n*two*"), "**one**\n**two**");
        let typed_by_a_client = crate::client_text::escape("<@discord:42> & <@everyone>");
        assert_eq!(
            discord_text(&typed_by_a_client),
            "\\<@discord:42\\> & \\<@everyone\\>"
        );
    }

    #[test]
    fn long_text_goes_into_an_embed() {
        let short = message_body("hello", &[]);
        assert_eq!(short["content"], "hello");
        let long = message_body(&"x".repeat(2500), &[]);
        assert!(long.get("content").is_none());
        assert_eq!(
            long["embeds"][0]["description"].as_str().unwrap().len(),
            2500
        );
        let huge = message_body(&"y".repeat(5000), &[]);
        let description = huge["embeds"][0]["description"].as_str().unwrap();
        assert_eq!(description.chars().count(), MAX_DESCRIPTION);
        assert!(description.ends_with('…'));
    }
}
