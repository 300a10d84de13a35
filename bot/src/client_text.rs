//! Text typed by a client's staff (support questions) on its way into a message responders read.
//! Messages are written in Slack's flavour (`<@U1>` mentions, `*bold*`), which every adapter
//! understands; client text is escaped for it so that `<!channel>`, a `<@…>` mention or a
//! disguised `<https://evil|invoice>` link arrives as plain characters instead of a ping or a
//! phishing link. Discord turns the escapes into its own (see `chat::discord::format`).

/// Client text made inert in a Slack-flavoured message: `&`, `<` and `>` escaped as Slack
/// requires, and markdown link syntax `](` broken with a zero-width space (Discord renders
/// `[text](url)` as a disguised link; Slack shows the space as nothing).
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            _ => out.push(c),
        }
    }
    out.replace("](", "]\u{200B}(")
}

/// Client text fit to be an incident's title: letters, digits, spaces and plain punctuation
/// only, since a title reaches rooms, briefs, client updates and the status page.
pub fn title(text: &str) -> String {
    let kept: String = text
        .chars()
        .map(|c| {
            if c.is_alphanumeric() || " .,:;!?'\"-/()%".contains(c) {
                c
            } else {
                ' '
            }
        })
        .collect();
    kept.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Back from the escapes to what was typed, for adapters that show plain text (the console).
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace('\u{200B}', "")
        .replace("&amp;", "&")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pings_and_disguised_links_become_plain_characters() {
        assert_eq!(escape("<!channel> help"), "&lt;!channel&gt; help");
        assert_eq!(escape("<@U0BOSS> & co"), "&lt;@U0BOSS&gt; &amp; co");
        assert_eq!(
            escape("see <https://evil.example|your invoice>"),
            "see &lt;https://evil.example|your invoice&gt;"
        );
        assert_eq!(
            escape("[invoice](https://evil.example)"),
            "[invoice]\u{200B}(https://evil.example)"
        );
        assert_eq!(unescape(&escape("a <b> & [c](d)")), "a <b> & [c](d)");
    }

    #[test]
    fn titles_keep_words_and_drop_markup() {
        assert_eq!(
            title("<!here> VPN *down* for [all](http://x) users!"),
            "!here VPN down for all (http://x) users!"
        );
    }
}
