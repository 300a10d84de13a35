//! The buttons chat platforms carry for triage and alerts: which button an action is, what it
//! carries (a request id, or a burst's client and request ids written compactly so it fits
//! Slack's 2,000-character button values and Discord's 100-character custom ids), and the
//! command a click means.

use crate::commands::TriageCommand;
use crate::domain::ClientId;
use crate::effects::Action;

/// The most request ids a clicked Declare P1 button is read back into (ranges are expanded).
const MAX_IDS: usize = 500;

/// The triage buttons, and Declare P1 on an alert from monitoring.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Button {
    Solved,
    StillNeedHelp,
    Take,
    Declare,
    DeclareAlert,
}

impl Button {
    /// Its name inside action ids and custom ids (`cp_solved`, `cp:solved:12`).
    pub fn name(self) -> &'static str {
        match self {
            Button::Solved => "solved",
            Button::StillNeedHelp => "still_need_help",
            Button::Take => "take_ticket",
            Button::Declare => "declare_burst",
            Button::DeclareAlert => "declare_alert",
        }
    }

    pub fn from_name(name: &str) -> Option<Button> {
        [
            Button::Solved,
            Button::StillNeedHelp,
            Button::Take,
            Button::Declare,
            Button::DeclareAlert,
        ]
        .into_iter()
        .find(|button| button.name() == name)
    }

    /// What the person reads on it.
    pub fn label(self) -> &'static str {
        match self {
            Button::Solved => "This solved it",
            Button::StillNeedHelp => "I still need help",
            Button::Take => "Take it",
            Button::Declare | Button::DeclareAlert => "Declare P1",
        }
    }

    /// The command a click with this payload means; `None` for a payload the bot never wrote.
    pub fn command(self, payload: &str) -> Option<TriageCommand> {
        let request = || payload.trim().parse::<i64>().ok().filter(|id| *id > 0);
        Some(match self {
            Button::Solved => TriageCommand::Solved {
                request: request()?,
            },
            Button::StillNeedHelp => TriageCommand::StillNeedHelp {
                request: request()?,
            },
            Button::Take => TriageCommand::Take {
                request: request()?,
            },
            Button::DeclareAlert => {
                let (client, group) = payload.split_once(':')?;
                TriageCommand::DeclareFromAlert {
                    client: ClientId::parse(client).ok()?,
                    group: group.parse().ok().filter(|id: &i64| *id > 0)?,
                }
            }
            Button::Declare => {
                let (client, ids) = payload.split_once(':')?;
                TriageCommand::DeclareFromBurst {
                    client: ClientId::parse(client).ok()?,
                    requests: expand(ids)?,
                }
            }
        })
    }
}

/// The button for a triage action and its payload, at most `max` characters long; `None` for
/// actions that are not triage buttons. A burst with more requests than fit keeps its oldest
/// ones (those are what Declare P1 links to the incident).
pub fn button(action: &Action, max: usize) -> Option<(Button, String)> {
    match action {
        Action::Solved { request } => Some((Button::Solved, request.to_string())),
        Action::StillNeedHelp { request } => Some((Button::StillNeedHelp, request.to_string())),
        Action::TakeTicket { request } => Some((Button::Take, request.to_string())),
        Action::DeclareFromAlert { client, group } => {
            let payload = format!("{}:{group}", client.as_str());
            (payload.len() <= max).then_some((Button::DeclareAlert, payload))
        }
        Action::DeclareFromBurst { client, requests } => {
            let mut ids = requests.clone();
            loop {
                let payload = format!("{}:{}", client.as_str(), compact(&ids));
                if payload.len() <= max {
                    return Some((Button::Declare, payload));
                }
                if ids.len() <= 1 {
                    return None;
                }
                ids.pop();
            }
        }
        _ => None,
    }
    .filter(|(_, payload)| payload.len() <= max)
}

/// `[1, 2, 3, 5, 7, 8]` → `1-3,5,7-8`.
fn compact(ids: &[i64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let start = ids[i];
        let mut end = start;
        while i + 1 < ids.len() && ids[i + 1] == end + 1 {
            end += 1;
            i += 1;
        }
        parts.push(if end == start {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(",")
}

/// `1-3,5` → `[1, 2, 3, 5]`; `None` when malformed or larger than [`MAX_IDS`].
fn expand(text: &str) -> Option<Vec<i64>> {
    let mut ids = Vec::new();
    for part in text.split(',') {
        let (start, end) = match part.split_once('-') {
            Some((start, end)) => (start.parse::<i64>().ok()?, end.parse::<i64>().ok()?),
            None => {
                let id = part.parse::<i64>().ok()?;
                (id, id)
            }
        };
        if start <= 0 || end < start || (end - start) as usize >= MAX_IDS - ids.len() {
            return None;
        }
        ids.extend(start..=end);
    }
    (!ids.is_empty()).then_some(ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn burst(ids: Vec<i64>) -> Action {
        Action::DeclareFromBurst {
            client: ClientId::parse("acme").unwrap(),
            requests: ids,
        }
    }

    #[test]
    fn request_buttons_carry_the_id() {
        let (kind, payload) = button(&Action::TakeTicket { request: 42 }, 100).unwrap();
        assert_eq!((kind, payload.as_str()), (Button::Take, "42"));
        assert_eq!(
            kind.command(&payload),
            Some(TriageCommand::Take { request: 42 })
        );
        assert_eq!(
            Button::from_name(Button::Solved.name()),
            Some(Button::Solved)
        );
        assert!(button(&Action::Resolve, 100).is_none());
        assert!(Button::Solved.command("nope").is_none());
        assert!(Button::Solved.command("-3").is_none());
    }

    #[test]
    fn alert_buttons_carry_the_client_and_group() {
        let action = Action::DeclareFromAlert {
            client: ClientId::parse("acme").unwrap(),
            group: 42,
        };
        let (kind, payload) = button(&action, 100).unwrap();
        assert_eq!((kind, payload.as_str()), (Button::DeclareAlert, "acme:42"));
        assert_eq!(Button::from_name(kind.name()), Some(Button::DeclareAlert));
        assert_eq!(
            kind.command(&payload),
            Some(TriageCommand::DeclareFromAlert {
                client: ClientId::parse("acme").unwrap(),
                group: 42
            })
        );
        for bad in ["acme", "acme:", "acme:-1", "acme:x", "ACME:1"] {
            assert!(Button::DeclareAlert.command(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn bursts_are_written_as_ranges_and_read_back() {
        let (kind, payload) = button(&burst(vec![1, 2, 3, 5, 7, 8]), 100).unwrap();
        assert_eq!(payload, "acme:1-3,5,7-8");
        assert_eq!(
            kind.command(&payload),
            Some(TriageCommand::DeclareFromBurst {
                client: ClientId::parse("acme").unwrap(),
                requests: vec![1, 2, 3, 5, 7, 8],
            })
        );
        for bad in [
            "acme",
            "ACME:1",
            "acme:",
            "acme:3-1",
            "acme:1,x",
            "acme:1-100000",
        ] {
            assert!(Button::Declare.command(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn a_burst_too_long_keeps_its_oldest_requests() {
        let scattered: Vec<i64> = (0..40).map(|n| 1000 + n * 7).collect();
        let (_, payload) = button(&burst(scattered.clone()), 60).unwrap();
        assert!(payload.len() <= 60, "{payload}");
        let Some(TriageCommand::DeclareFromBurst { requests, .. }) =
            Button::Declare.command(&payload)
        else {
            panic!("{payload}");
        };
        assert_eq!(requests, scattered[..requests.len()].to_vec());
        assert!(requests.len() >= 10, "{requests:?}");
        assert!(button(&burst(vec![123_456]), 6).is_none());
    }
}
