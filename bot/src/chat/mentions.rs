//! The one mention rewriter every platform uses: the engine writes people as `<@ID>` with the
//! platform's user id (`<@U123>`, `<@discord:123>`, `<@console:alice>`); each platform says how
//! one id is shown to its people.

/// `text` with every `<@ID>` replaced by `render(ID)`; a `<@` without its `>` is kept as written.
pub fn rewrite_mentions(text: &str, render: impl Fn(&str) -> String) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(start) = rest.find("<@") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find('>') {
            Some(end) => {
                out.push_str(&render(&after[..end]));
                rest = &after[end + 1..];
            }
            None => {
                out.push_str("<@");
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_mention_is_rendered_and_broken_ones_are_kept() {
        let shout = |id: &str| format!("[{id}]");
        assert_eq!(
            rewrite_mentions("<@a> and <@b>, not <@c", shout),
            "[a] and [b], not <@c"
        );
        assert_eq!(rewrite_mentions("no one", shout), "no one");
        assert_eq!(rewrite_mentions("<@>", shout), "[]");
    }
}
