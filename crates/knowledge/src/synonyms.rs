//! Built-in synonym table for MSP support vocabulary, applied to questions at query time.
//!
//! Each group lists phrases that mean the same thing to a level-1 desk. When a question
//! contains one of them, the search also looks for the others (weighted below the words
//! the user actually typed). Phrases are matched on lowercase surface words, longest
//! first, before stop words are dropped, so "locked out" and "log in" survive.

use std::collections::HashMap;

/// The groups. A word or phrase may appear in more than one group.
const GROUPS: &[&[&str]] = &[
    &["password", "passcode", "pw", "pwd", "passwd", "credentials"],
    &[
        "sign in",
        "signin",
        "log in",
        "login",
        "logon",
        "log on",
        "logging in",
        "signing in",
    ],
    &[
        "mfa",
        "2fa",
        "two factor",
        "two-factor",
        "multi factor",
        "multifactor",
        "authenticator",
        "authenticator app",
        "2 step",
        "two step",
        "verification code",
        "otp",
        "sms",
    ],
    &["vpn", "remote access", "remote connection", "anyconnect"],
    &[
        "printer",
        "printing",
        "print",
        "printers",
        "copier",
        "photocopier",
        "mfp",
    ],
    &[
        "email", "e-mail", "mail", "emails", "outlook", "inbox", "owa", "webmail",
    ],
    &["wifi", "wi-fi", "wireless", "wlan", "wi fi"],
    &["internet", "wifi", "network", "ethernet", "broadband"],
    &[
        "laptop",
        "computer",
        "pc",
        "desktop",
        "notebook",
        "workstation",
        "machine",
        "macbook",
        "mac",
    ],
    &[
        "m365",
        "office 365",
        "o365",
        "microsoft 365",
        "office365",
        "microsoft account",
    ],
    &[
        "locked out",
        "lockout",
        "locked",
        "lock out",
        "account locked",
        "account blocked",
        "account disabled",
        "too many attempts",
    ],
    &["slow", "sluggish", "laggy", "lagging", "lag", "crawling"],
    &["teams", "ms teams", "microsoft teams"],
    &[
        "audio",
        "sound",
        "speaker",
        "speakers",
        "headset",
        "headphones",
        "hear",
    ],
    &["microphone", "mic", "muted", "mute", "unmute"],
    &["camera", "webcam", "web cam"],
    &["onedrive", "one drive"],
    &["sharepoint", "share point", "team site", "intranet"],
    &[
        "phishing",
        "phish",
        "fraud",
        "fraudulent",
        "impersonating",
        "impersonation",
        "smishing",
        "scam",
        "suspicious email",
        "fake email",
        "spoof",
    ],
    &[
        "new starter",
        "new hire",
        "new employee",
        "new joiner",
        "onboarding",
        "joiner",
        "new joiners",
        "new recruit",
        "new colleague",
        "new team member",
        "first day",
        "start date",
        "new starters",
    ],
    &[
        "leaver",
        "leavers",
        "offboarding",
        "leaving",
        "left the company",
        "resigned",
        "resigning",
        "resignation",
        "notice period",
        "last day",
        "quitting",
        "leaves the company",
        "leaving the company",
    ],
    &[
        "restore",
        "recover",
        "undelete",
        "get back",
        "deleted",
        "overwrote",
        "overwritten",
        "previous version",
        "older version",
        "version history",
        "recycle bin",
        "trash",
    ],
    &[
        "install",
        "installation",
        "installing",
        "download",
        "admin rights",
    ],
    &[
        "out of office",
        "ooo",
        "automatic reply",
        "auto reply",
        "autoreply",
        "away message",
        "holiday reply",
        "vacation reply",
        "vacation responder",
    ],
    &[
        "forgot",
        "forgotten",
        "forget",
        "dont remember",
        "cant remember",
        "dont know",
    ],
    &[
        "monitor",
        "second screen",
        "external monitor",
        "display",
        "external screen",
        "hdmi",
        "displayport",
    ],
    &["dock", "docking station", "docking", "usb-c hub"],
    &[
        "phone",
        "mobile",
        "iphone",
        "android",
        "cell",
        "smartphone",
        "ipad",
        "tablet",
        "samsung",
        "galaxy",
        "pixel",
    ],
    &[
        "licence",
        "license",
        "licences",
        "licenses",
        "licensing",
        "subscription",
    ],
    &[
        "shared mailbox",
        "shared inbox",
        "team mailbox",
        "group mailbox",
        "shared email",
    ],
    &["calendar", "diary", "schedule"],
    &["bitlocker", "recovery key", "recovery screen"],
    &["lost", "stolen", "left behind", "misplaced"],
    &["scan", "scanner", "scanning", "scans"],
    &[
        "update",
        "updates",
        "updating",
        "patch",
        "patches",
        "windows update",
    ],
    &["restart", "reboot", "rebooting", "restarting"],
    &[
        "crash",
        "crashing",
        "crashes",
        "keeps closing",
        "not responding",
        "hangs",
        "hanging",
        "hung",
        "unresponsive",
        "freezes",
        "frozen",
        "freeze",
        "freezing",
        "froze",
        "shuts down",
        "shutting down",
        "closes itself",
        "closes by itself",
        "quits",
    ],
    &["junk", "spam", "quarantine", "quarantined"],
    &["keyboard", "keyboards", "typing"],
    &["mouse", "mice", "trackpad", "cursor"],
    &[
        "storage",
        "disk space",
        "hard drive",
        "c drive",
        "drive full",
        "out of space",
    ],
    &["full", "quota", "storage limit"],
    &["access", "permission", "permissions", "rights"],
    &[
        "guest",
        "guests",
        "visitor",
        "visitors",
        "visiting",
        "contractor",
        "contractors",
    ],
    &[
        "hacked",
        "hack",
        "hacking",
        "compromised",
        "breached",
        "unauthorised",
        "unauthorized",
        "unusual sign in",
        "unusual activity",
    ],
    &[
        "notification",
        "notifications",
        "push",
        "push notification",
        "prompt",
        "prompts",
        "approval request",
        "approval requests",
    ],
    &[
        "set up",
        "setup",
        "setting up",
        "configure",
        "configuring",
        "configuration",
    ],
    &[
        "bounce",
        "bounced",
        "bounces",
        "bounceback",
        "undeliverable",
        "ndr",
        "non delivery",
        "delivery failure",
    ],
    &["delegate", "delegates", "delegation", "assistant"],
    &["intune", "company portal", "mdm"],
    &[
        "remote desktop",
        "rdp",
        "remote in",
        "remote into",
        "remote onto",
        "mstsc",
    ],
    &[
        "sync",
        "syncing",
        "synching",
        "synced",
        "synchronising",
        "synchronizing",
        "synchronise",
        "synchronize",
    ],
    &["browser", "chrome", "edge", "firefox", "safari"],
    &["cache", "cookies", "browsing data"],
    &["bitlocker", "encryption", "encrypted"],
    &[
        "badge",
        "badges",
        "card",
        "fob",
        "id card",
        "swipe card",
        "access card",
    ],
    &[
        "disconnect",
        "disconnects",
        "disconnecting",
        "disconnected",
        "dropping out",
        "drops out",
        "keeps dropping",
        "cutting out",
        "cuts out",
        "losing connection",
    ],
    &["startup", "start up", "boot", "booting", "boots", "boot up"],
    &["recognise", "recognised", "recognize", "recognized"],
    &[
        "authorise",
        "authorised",
        "authorize",
        "authorized",
        "authorisation",
        "authorization",
    ],
    &["favourite", "favourites", "favorite", "favorites"],
    &["send", "sent", "sending"],
    &["find", "found", "finding"],
    &["expired", "expiry", "expires", "expiring", "expire"],
    &[
        "blank",
        "white screen",
        "blank screen",
        "grey screen",
        "black screen",
    ],
    &[
        "expenses",
        "expense",
        "expense claim",
        "reimbursement",
        "receipts",
    ],
    &["sso", "single sign on", "single sign-on"],
    &["erp", "sap"],
    &["pdf", "acrobat", "adobe"],
    &["distribution list", "mailing list", "distro", "email group"],
    &["meeting", "call", "calls", "meetings"],
    &["recording", "recorded", "record"],
];

/// A group lookup built once per knowledge base: phrases as word lists, indexed by
/// their first word.
#[derive(Debug)]
pub(crate) struct Synonyms {
    /// Every group's phrases, as lowercase surface words.
    groups: Vec<Vec<Vec<String>>>,
    /// First word → (phrase words, group) for every phrase.
    by_first: HashMap<String, Vec<(Vec<String>, usize)>>,
}

/// One phrase of the question that belongs to synonym groups.
#[derive(Debug, PartialEq)]
pub(crate) struct SynonymMatch {
    /// How many question words the phrase covers.
    pub len: usize,
    /// Every phrase of every matching group, except the one typed, as surface words.
    pub alternatives: Vec<Vec<String>>,
}

impl Synonyms {
    /// Builds the lookup from the built-in table; `split` turns a phrase into words the
    /// same way questions are split.
    pub(crate) fn new(mut split: impl FnMut(&str) -> Vec<String>) -> Self {
        let groups: Vec<Vec<Vec<String>>> = GROUPS
            .iter()
            .map(|group| {
                group
                    .iter()
                    .map(|p| split(p))
                    .filter(|w| !w.is_empty())
                    .collect()
            })
            .collect();
        let mut by_first: HashMap<String, Vec<(Vec<String>, usize)>> = HashMap::new();
        for (g, group) in groups.iter().enumerate() {
            for phrase in group {
                by_first
                    .entry(phrase[0].clone())
                    .or_default()
                    .push((phrase.clone(), g));
            }
        }
        Synonyms { groups, by_first }
    }

    /// The longest phrase starting at `words[at]` that belongs to a group, if any.
    pub(crate) fn match_at(&self, words: &[String], at: usize) -> Option<SynonymMatch> {
        let candidates = self.by_first.get(words.get(at)?)?;
        let len = candidates
            .iter()
            .filter(|(phrase, _)| words[at..].starts_with(phrase))
            .map(|(phrase, _)| phrase.len())
            .max()?;
        let typed = &words[at..at + len];
        let mut alternatives: Vec<Vec<String>> = Vec::new();
        for (phrase, g) in candidates {
            if phrase.as_slice() != typed {
                continue;
            }
            for alt in &self.groups[*g] {
                if alt.as_slice() != typed && !alternatives.contains(alt) {
                    alternatives.push(alt.clone());
                }
            }
        }
        Some(SynonymMatch { len, alternatives })
    }

    /// The multi-word phrases of the table found in `words`, each joined into one word
    /// ("sign in" → "signin"). They are indexed alongside the text, so a question's
    /// phrase can be searched as a single term.
    pub(crate) fn joined_phrases(&self, words: &[String]) -> Vec<String> {
        let mut out = Vec::new();
        for at in 0..words.len() {
            for (phrase, _) in self.by_first.get(&words[at]).into_iter().flatten() {
                let joined = phrase.concat();
                if phrase.len() > 1 && words[at..].starts_with(phrase) && !out.contains(&joined) {
                    out.push(joined);
                }
            }
        }
        out
    }

    /// Single-word phrases within one edit of `word`: a typo of a synonym ("pasword").
    pub(crate) fn near_single_words(&self, word: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        for phrase in self.groups.iter().flatten() {
            if let [only] = phrase.as_slice() {
                if only.len() >= 5
                    && only != word
                    && crate::text::within_one_edit(only, word)
                    && !out.contains(&only.as_str())
                {
                    out.push(only);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text;

    fn table() -> Synonyms {
        let mut analyzer = text::surface_analyzer();
        Synonyms::new(|p| text::words(&mut analyzer, p))
    }

    fn words(s: &str) -> Vec<String> {
        s.split(' ').map(str::to_string).collect()
    }

    #[test]
    fn longest_phrase_wins_and_alternatives_exclude_typed() {
        let table = table();
        let found = table
            .match_at(&words("locked out again"), 0)
            .expect("match");
        assert_eq!(found.len, 2);
        assert!(found.alternatives.contains(&words("lockout")));
        assert!(!found.alternatives.contains(&words("locked out")));
    }

    #[test]
    fn hyphenated_variants_are_split_like_questions() {
        let table = table();
        let found = table.match_at(&words("wi fi down"), 0).expect("match");
        assert_eq!(found.len, 2);
        assert!(found.alternatives.contains(&words("wireless")));
    }

    #[test]
    fn words_in_two_groups_get_both() {
        let table = table();
        let found = table.match_at(&words("wifi"), 0).expect("match");
        assert!(found.alternatives.contains(&words("wireless")));
        assert!(found.alternatives.contains(&words("internet")));
    }

    #[test]
    fn phrases_in_text_are_joined() {
        let joined = table().joined_phrases(&words("cannot sign in to office 365 today"));
        assert!(joined.contains(&"signin".to_string()));
        assert!(joined.contains(&"office365".to_string()));
    }

    #[test]
    fn typo_of_a_synonym_is_found() {
        assert_eq!(table().near_single_words("pasword"), ["password"]);
    }
}
