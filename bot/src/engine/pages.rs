//! What a page says: PagerDuty's one line for an overdue update, and the room's word when a
//! page could not be sent. Wording is the engine's; `paging.rs` only carries it to PagerDuty.

use crate::domain::Incident;
use crate::effects::PageAction;

/// PagerDuty refuses a `payload.summary` longer than this.
pub const MAX_SUMMARY: usize = 1024;

/// The alert's one line in PagerDuty: whose incident, and what is overdue. Cut to PagerDuty's
/// limit on a character boundary, since a long title must not make the page bounce.
pub fn trigger_summary(client_name: &str, incident: &Incident, late_by: &str) -> String {
    let text = format!(
        "{client_name}: client update overdue by {late_by} for {} ({} {})",
        incident.id, incident.severity, incident.title
    );
    truncate(text, MAX_SUMMARY)
}

fn truncate(text: String, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text;
    }
    let mut cut: String = text.chars().take(max_chars - 1).collect();
    cut.push('…');
    cut
}

/// The room's word when a page could not be sent; `None` while it is still being retried.
pub fn failure_notice(
    action: PageAction,
    reason: &str,
    attempts: u32,
    gave_up: bool,
) -> Option<String> {
    if !gave_up {
        return None;
    }
    let what = match action {
        PageAction::Trigger => "page the on-call engineer another way",
        PageAction::Resolve => "resolve the PagerDuty alert by hand",
    };
    Some(format!(
        "⚠️ The PagerDuty {} for this incident was not sent: {reason}. Given up after {attempts} attempt(s); {what}.",
        action.as_str()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_text_is_cut_to_the_limit_on_a_character_boundary() {
        let cut = truncate("é".repeat(2000), MAX_SUMMARY);
        assert_eq!(cut.chars().count(), MAX_SUMMARY);
        assert!(cut.ends_with('…'));
        assert_eq!(truncate("short".into(), MAX_SUMMARY), "short");
    }

    #[test]
    fn the_room_hears_only_when_a_page_is_given_up() {
        assert_eq!(failure_notice(PageAction::Trigger, "x", 1, false), None);
        let text = failure_notice(PageAction::Trigger, "HTTP 400", 1, true).unwrap();
        assert!(
            text.contains("trigger") && text.contains("HTTP 400"),
            "{text}"
        );
    }
}
