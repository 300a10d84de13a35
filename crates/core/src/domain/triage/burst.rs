//! Bursts: when several people of one client asking alike (or saying the words of an outage)
//! is really a major incident.

use std::collections::BTreeSet;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::domain::ids::UserId;

/// Words too common to tell two questions apart.
const STOP_WORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "can", "cannot", "cant", "could", "do",
    "does", "for", "from", "get", "getting", "has", "have", "having", "help", "hi", "how", "i",
    "im", "in", "is", "it", "its", "just", "me", "my", "no", "not", "of", "on", "or", "our",
    "please", "so", "some", "that", "the", "there", "this", "to", "today", "up", "us", "was", "we",
    "what", "when", "why", "with", "working", "work", "you", "your", "again", "any", "anyone",
    "else", "also", "hello", "hey", "thanks", "still", "all", "now", "since", "morning",
];

/// What the people of a client say when it is an outage, not a how-to question.
pub const DEFAULT_OUTAGE_PHRASES: &[&str] = &[
    "everything is down",
    "everything's down",
    "nobody can log in",
    "no one can log in",
    "nobody can sign in",
    "no one can sign in",
    "nobody can access",
    "no one can access",
    "whole office",
    "entire office",
    "all users",
    "everyone is affected",
    "system is down",
    "systems are down",
    "site is down",
    "total outage",
    "outage",
];

#[derive(Debug, Clone, PartialEq)]
pub struct TriagePolicy {
    /// Different people of one client asking alike within `burst_window` that make a burst.
    pub burst_threshold: usize,
    pub burst_window: Duration,
    pub outage_phrases: Vec<String>,
}

impl Default for TriagePolicy {
    fn default() -> Self {
        Self {
            burst_threshold: 3,
            burst_window: Duration::from_secs(600),
            outage_phrases: DEFAULT_OUTAGE_PHRASES
                .iter()
                .map(|p| (*p).to_owned())
                .collect(),
        }
    }
}

/// A support question as triage remembers it.
#[derive(Debug, Clone, PartialEq)]
pub struct AskedQuestion {
    pub id: i64,
    pub asker: UserId,
    pub question: String,
    /// The best article offered, when one was.
    pub top_article: Option<String>,
    pub at: DateTime<Utc>,
    /// Already part of a burst the on-call team was told about.
    pub alerted: bool,
}

fn normalise(text: &str) -> String {
    text.to_lowercase().replace(['’', '\''], "")
}

/// The meaningful words of a question, crudely stemmed so `printers`/`printing` meet `printer`.
pub fn content_words(text: &str) -> BTreeSet<String> {
    normalise(text)
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| w.len() > 1 && !STOP_WORDS.contains(w))
        .map(|w| {
            let w = w.strip_suffix("ing").filter(|s| s.len() >= 4).unwrap_or(w);
            let w = w.strip_suffix("es").filter(|s| s.len() >= 4).unwrap_or(w);
            let w = w.strip_suffix('s').filter(|s| s.len() >= 3).unwrap_or(w);
            let w = w.strip_suffix("er").filter(|s| s.len() >= 4).unwrap_or(w);
            w.to_owned()
        })
        .collect()
}

/// Whether two questions are about the same thing: enough shared meaningful words.
pub fn similar(a: &str, b: &str) -> bool {
    let (a, b) = (content_words(a), content_words(b));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    let shared = a.intersection(&b).count();
    let smaller = a.len().min(b.len());
    shared >= 2 || (shared == 1 && smaller <= 2)
}

/// Whether the question says the words of an outage.
pub fn sounds_like_outage(question: &str, policy: &TriagePolicy) -> bool {
    let text = normalise(question);
    policy
        .outage_phrases
        .iter()
        .any(|phrase| text.contains(&normalise(phrase)))
}

fn alike(a: &AskedQuestion, b: &AskedQuestion) -> bool {
    matches!((&a.top_article, &b.top_article), (Some(x), Some(y)) if x == y)
        || similar(&a.question, &b.question)
}

/// The questions that together look like a major incident, if the newest one completes a burst:
/// at least `burst_threshold` different people asking alike within the window, not yet alerted.
/// Words of an outage make a burst on their own.
pub fn burst(
    newest: &AskedQuestion,
    recent: &[AskedQuestion],
    policy: &TriagePolicy,
    now: DateTime<Utc>,
) -> Option<Vec<i64>> {
    if newest.alerted {
        return None;
    }
    if sounds_like_outage(&newest.question, policy) {
        return Some(vec![newest.id]);
    }
    let window = chrono::Duration::from_std(policy.burst_window).unwrap_or(chrono::Duration::MAX);
    let mut members: Vec<&AskedQuestion> = recent
        .iter()
        .filter(|q| q.id != newest.id && !q.alerted && now - q.at <= window && alike(q, newest))
        .collect();
    members.push(newest);
    let askers: BTreeSet<&UserId> = members.iter().map(|q| &q.asker).collect();
    (askers.len() >= policy.burst_threshold.max(1)).then(|| {
        let mut ids: Vec<i64> = members.iter().map(|q| q.id).collect();
        ids.sort_unstable();
        ids
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t0() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 25, 9, 0, 0).unwrap()
    }

    fn asked(id: i64, who: &str, question: &str, minute: i64) -> AskedQuestion {
        AskedQuestion {
            id,
            asker: UserId::new(who),
            question: question.into(),
            top_article: None,
            at: t0() + chrono::Duration::minutes(minute),
            alerted: false,
        }
    }

    #[test]
    fn similar_questions_share_meaningful_words() {
        assert!(similar(
            "outlook keeps crashing when I open it",
            "Outlook crashes on open"
        ));
        assert!(similar(
            "VPN not connecting",
            "the vpn won't connect from home"
        ));
        assert!(!similar("printer is offline", "how do I reset my password"));
        assert!(!similar("hi", "hello"));
    }

    #[test]
    fn three_people_in_ten_minutes_make_a_burst() {
        let policy = TriagePolicy::default();
        let recent = vec![
            asked(1, "U1", "email not sending", 0),
            asked(2, "U2", "can't send email", 4),
        ];
        let third = asked(3, "U3", "my email won't send", 8);
        assert_eq!(
            burst(&third, &recent, &policy, third.at),
            Some(vec![1, 2, 3])
        );
        // The same person asking three times is not a burst.
        let repeat = asked(4, "U1", "email still not sending", 9);
        let mine = vec![
            asked(1, "U1", "email not sending", 0),
            asked(2, "U1", "can't send email", 4),
        ];
        assert_eq!(burst(&repeat, &mine, &policy, repeat.at), None);
    }

    #[test]
    fn old_or_alerted_or_different_questions_do_not_count() {
        let policy = TriagePolicy::default();
        let mut alerted = asked(2, "U2", "can't send email", 4);
        alerted.alerted = true;
        let recent = vec![
            asked(1, "U1", "email not sending", -30),
            alerted,
            asked(5, "U5", "printer offline", 5),
        ];
        let newest = asked(3, "U3", "my email won't send", 8);
        assert_eq!(burst(&newest, &recent, &policy, newest.at), None);
    }

    #[test]
    fn the_same_top_article_makes_questions_alike() {
        let policy = TriagePolicy::default();
        let mut a = asked(1, "U1", "cannot get in", 0);
        let mut b = asked(2, "U2", "locked", 1);
        let mut c = asked(3, "U3", "it says too many attempts", 2);
        for q in [&mut a, &mut b, &mut c] {
            q.top_article = Some("account-locked-out".into());
        }
        assert_eq!(burst(&c, &[a, b], &policy, c.at), Some(vec![1, 2, 3]));
    }

    #[test]
    fn outage_words_are_a_burst_on_their_own() {
        let policy = TriagePolicy::default();
        let newest = asked(9, "U9", "Nobody can log in at the Leeds office!!", 0);
        assert_eq!(burst(&newest, &[], &policy, newest.at), Some(vec![9]));
        assert!(!sounds_like_outage(
            "how do I log in to the portal",
            &policy
        ));
    }
}
