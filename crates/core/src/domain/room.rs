//! Incident room names: `inc-<yyyymmdd>-<client>-<slug-of-title>`, at most 80 characters of `a-z0-9-`.

use chrono::NaiveDate;

use super::ids::ClientId;

pub const MAX_ROOM_NAME: usize = 80;

pub fn room_name(date: NaiveDate, client: &ClientId, title: &str) -> String {
    let mut slug = String::new();
    for c in title.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_alphanumeric() {
            slug.push(c);
        } else if !slug.ends_with('-') && !slug.is_empty() {
            slug.push('-');
        }
    }
    let prefix = format!("inc-{}-{}", date.format("%Y%m%d"), client);
    let room = if slug.trim_matches('-').is_empty() {
        prefix
    } else {
        format!("{prefix}-{}", slug.trim_matches('-'))
    };
    let mut room: String = room.chars().take(MAX_ROOM_NAME).collect();
    while room.ends_with('-') {
        room.pop();
    }
    room
}

/// The name to try after `name` was taken: `-2`, `-3`… within the length limit.
pub fn suffixed(name: &str, attempt: u32) -> String {
    let suffix = format!("-{attempt}");
    let keep = MAX_ROOM_NAME.saturating_sub(suffix.len());
    let base: String = name.chars().take(keep).collect();
    format!("{}{suffix}", base.trim_end_matches('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 11, 25).unwrap()
    }

    #[test]
    fn names_are_lowercase_slugs() {
        let acme = ClientId::parse("acme").unwrap();
        assert_eq!(
            room_name(date(), &acme, "Email DOWN: nobody can log in!"),
            "inc-20261125-acme-email-down-nobody-can-log-in"
        );
        assert_eq!(room_name(date(), &acme, "💥💥"), "inc-20261125-acme");
        assert_eq!(
            room_name(date(), &acme, "Café — Wi-Fi"),
            "inc-20261125-acme-caf-wi-fi"
        );
    }

    #[test]
    fn names_fit_80_characters() {
        let acme = ClientId::parse("acme").unwrap();
        let name = room_name(date(), &acme, &"very long title ".repeat(20));
        assert!(name.len() <= 80, "{name}");
        assert!(!name.ends_with('-'));
        assert!(name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'));
        let again = suffixed(&name, 2);
        assert!(again.len() <= 80 && again.ends_with("-2"), "{again}");
    }
}
