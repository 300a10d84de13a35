//! Text as Discord shows it: Slack-flavoured mentions and bold turned into Discord markdown, and
//! long text kept within Discord's limits (2,000 characters of content, 4,096 of an embed).

use serde_json::{json, Value};

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

/// A message body (without components) carrying `text` (see [`shown`]).
pub fn message_body(text: &str) -> Value {
    match shown(text) {
        Shown::Content(content) => {
            json!({ "content": content, "allowed_mentions": { "parse": ["users"] } })
        }
        Shown::Embed(description) => json!({
            "embeds": [{ "description": description }],
            "allowed_mentions": { "parse": ["users"] },
        }),
    }
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
        let short = message_body("hello");
        assert_eq!(short["content"], "hello");
        let long = message_body(&"x".repeat(2500));
        assert!(long.get("content").is_none());
        assert_eq!(
            long["embeds"][0]["description"].as_str().unwrap().len(),
            2500
        );
        let huge = message_body(&"y".repeat(5000));
        let description = huge["embeds"][0]["description"].as_str().unwrap();
        assert_eq!(description.chars().count(), MAX_DESCRIPTION);
        assert!(description.ends_with('…'));
    }
}
