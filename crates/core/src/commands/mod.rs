//! The chat grammar, shared by every platform: text in, a typed command or a helpful error out.

mod usage;

use std::fmt;

use thiserror::Error;

use crate::domain::{ClientId, DomainError, Role, Severity, Stage};

pub use usage::{usage_of, HELP_TEXT};

/// A person named in a command, as the platform wrote it (`U123`, `123`, `alice`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef(pub String);

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Incident(IncidentCommand),
    Help {
        question: String,
    },
    /// Level-1 triage buttons (and their console equivalents).
    Triage(TriageCommand),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageCommand {
    /// The asker says a suggested article answered the question.
    Solved { request: i64 },
    /// The asker says the suggestions did not help.
    StillNeedHelp { request: i64 },
    /// Someone on call takes an escalated request.
    Take { request: i64 },
    /// Someone on call declares a P1 for a burst of similar requests.
    DeclareFromBurst {
        client: ClientId,
        requests: Vec<i64>,
    },
    /// Someone on call declares a P1 for an alert group from monitoring.
    DeclareFromAlert { client: ClientId, group: i64 },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IncidentCommand {
    Declare {
        severity: Severity,
        client: ClientId,
        title: String,
    },
    /// `declare` with nothing after it: platforms with forms open one.
    DeclarePrompt,
    Assign {
        role: Role,
        user: UserRef,
    },
    Update {
        text: String,
    },
    Status,
    Severity(Severity),
    Stage {
        stage: Stage,
        /// `--tell-client`: draft a client update about the new stage for the comms lead.
        tell_client: bool,
    },
    Resolve {
        summary: Option<String>,
        /// What the client reads instead of the summary (`--client "…"`).
        client_text: Option<String>,
    },
    Review,
    KbDraft,
    /// Someone on call closes a ticket with the knowledge-base article that answered it.
    Answer {
        request: i64,
        article: String,
    },
    Help,
}

impl TriageCommand {
    /// The action's name, for metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            TriageCommand::Solved { .. } => "triage-solved",
            TriageCommand::StillNeedHelp { .. } => "triage-still-need-help",
            TriageCommand::Take { .. } => "triage-take",
            TriageCommand::DeclareFromBurst { .. } => "triage-declare",
            TriageCommand::DeclareFromAlert { .. } => "alert-declare",
        }
    }
}

impl IncidentCommand {
    /// The subcommand word, for metrics and logs.
    pub fn name(&self) -> &'static str {
        match self {
            IncidentCommand::Declare { .. } | IncidentCommand::DeclarePrompt => "declare",
            IncidentCommand::Assign { .. } => "assign",
            IncidentCommand::Update { .. } => "update",
            IncidentCommand::Status => "status",
            IncidentCommand::Severity(_) => "severity",
            IncidentCommand::Stage { .. } => "stage",
            IncidentCommand::Resolve { .. } => "resolve",
            IncidentCommand::Review => "review",
            IncidentCommand::KbDraft => "kb-draft",
            IncidentCommand::Answer { .. } => "answer",
            IncidentCommand::Help => "help",
        }
    }
}

/// What was wrong with a command, and how to write it right.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub struct ParseError {
    pub problem: String,
    pub usage: &'static str,
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}. Write it as: `{}`", self.problem, self.usage)
    }
}

fn problem(subcommand: &str, problem: impl Into<String>) -> ParseError {
    ParseError {
        problem: problem.into(),
        usage: usage_of(subcommand),
    }
}

fn from_domain(subcommand: &str, error: DomainError) -> ParseError {
    problem(subcommand, error.to_string())
}

/// Parses a whole line such as `/incident assign comms <@U123>` or `/help vpn is down`.
pub fn parse(line: &str) -> Result<Command, ParseError> {
    let line = line.trim();
    let (word, rest) = split_word(line);
    match word.to_ascii_lowercase().as_str() {
        "/incident" => parse_incident(rest).map(Command::Incident),
        "/help" => parse_help(rest),
        "" => Err(problem("", "the line is empty")),
        other => Err(problem("", format!("`{other}` is not a command"))),
    }
}

/// Parses `/help` arguments.
pub fn parse_help(text: &str) -> Result<Command, ParseError> {
    let question = text.trim();
    if question.is_empty() {
        return Err(problem("/help", "say what you need help with"));
    }
    Ok(Command::Help {
        question: question.to_owned(),
    })
}

/// Parses the text after `/incident`.
pub fn parse_incident(text: &str) -> Result<IncidentCommand, ParseError> {
    let (sub, rest) = split_word(text.trim());
    let sub = sub.to_ascii_lowercase();
    let single = |what: &str| -> Result<&str, ParseError> {
        let (value, extra) = split_word(rest);
        if value.is_empty() {
            return Err(problem(&sub, format!("`{sub}` needs {what}")));
        }
        if !extra.is_empty() {
            return Err(problem(
                &sub,
                format!("`{sub}` takes only {what}; `{extra}` is extra"),
            ));
        }
        Ok(value)
    };
    let no_arguments = |command: IncidentCommand| {
        if rest.is_empty() {
            Ok(command)
        } else {
            Err(problem(
                &sub,
                format!("`{sub}` takes no arguments; `{rest}` is extra"),
            ))
        }
    };
    match sub.as_str() {
        "declare" => parse_declare(rest),
        "assign" => parse_assign(rest),
        "update" => {
            if rest.is_empty() {
                Err(problem(
                    "update",
                    "`update` needs the text the client should read",
                ))
            } else {
                Ok(IncidentCommand::Update {
                    text: rest.to_owned(),
                })
            }
        }
        "status" => no_arguments(IncidentCommand::Status),
        "severity" => {
            let value = single("a severity (P1, P2, P3 or P4)")?;
            value
                .parse()
                .map(IncidentCommand::Severity)
                .map_err(|e| from_domain("severity", e))
        }
        "stage" => {
            let (rest, tell_client) = match rest.strip_suffix("--tell-client") {
                Some(before) => (before.trim_end(), true),
                None => (rest, false),
            };
            let (value, extra) = split_word(rest);
            if value.is_empty() {
                return Err(problem(
                    "stage",
                    "`stage` needs a stage (investigating, identified or monitoring)",
                ));
            }
            if !extra.is_empty() {
                return Err(problem("stage", format!("`{extra}` is extra")));
            }
            Stage::parse_settable(value)
                .map(|stage| IncidentCommand::Stage { stage, tell_client })
                .map_err(|e| from_domain("stage", e))
        }
        "resolve" => parse_resolve(rest),
        "review" => no_arguments(IncidentCommand::Review),
        "kb-draft" => no_arguments(IncidentCommand::KbDraft),
        "answer" => parse_answer(rest),
        "help" | "" => Ok(IncidentCommand::Help),
        other => Err(problem(
            "",
            format!("`{other}` is not an /incident subcommand"),
        )),
    }
}

/// `answer <TKT-0004> <article-slug>`: the ticket as people see it (`TKT-0004`, `tkt-4`, `4`).
fn parse_answer(rest: &str) -> Result<IncidentCommand, ParseError> {
    let (ticket, rest) = split_word(rest);
    let (article, extra) = split_word(rest);
    if ticket.is_empty() || article.is_empty() {
        return Err(problem(
            "answer",
            "`answer` needs the ticket and the slug of the article that answered it",
        ));
    }
    if !extra.is_empty() {
        return Err(problem("answer", format!("`{extra}` is extra")));
    }
    let digits = ticket
        .strip_prefix("TKT-")
        .or_else(|| ticket.strip_prefix("tkt-"))
        .or_else(|| ticket.strip_prefix('#'))
        .unwrap_or(ticket);
    let request = digits
        .parse::<i64>()
        .ok()
        .filter(|id| *id > 0)
        .ok_or_else(|| problem("answer", format!("`{ticket}` is not a ticket number")))?;
    let slug_ok = article
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !slug_ok {
        return Err(problem(
            "answer",
            format!("`{article}` is not an article slug (the file name without `.md`)"),
        ));
    }
    Ok(IncidentCommand::Answer {
        request,
        article: article.to_owned(),
    })
}

fn parse_declare(rest: &str) -> Result<IncidentCommand, ParseError> {
    if rest.is_empty() {
        return Ok(IncidentCommand::DeclarePrompt);
    }
    let (severity, rest) = split_word(rest);
    let severity: Severity = severity.parse().map_err(|e| from_domain("declare", e))?;
    let (client, title) = split_word(rest);
    if client.is_empty() {
        return Err(problem(
            "declare",
            "`declare` needs the client id after the severity",
        ));
    }
    let client = ClientId::parse(client).map_err(|e| from_domain("declare", e))?;
    if title.is_empty() {
        return Err(problem(
            "declare",
            "`declare` needs a title after the client id",
        ));
    }
    Ok(IncidentCommand::Declare {
        severity,
        client,
        title: title.to_owned(),
    })
}

fn parse_assign(rest: &str) -> Result<IncidentCommand, ParseError> {
    let (role, rest) = split_word(rest);
    if role.is_empty() {
        return Err(problem("assign", "`assign` needs a role and a person"));
    }
    let role: Role = role.parse().map_err(|e| from_domain("assign", e))?;
    let (user, extra) = split_word(rest);
    if user.is_empty() {
        return Err(problem(
            "assign",
            format!("`assign {}` needs the person to assign", role.as_str()),
        ));
    }
    if !extra.is_empty() {
        return Err(problem(
            "assign",
            format!("assign one person at a time; `{extra}` is extra"),
        ));
    }
    let user = parse_mention(user).ok_or_else(|| {
        problem(
            "assign",
            format!("`{user}` is not a person: mention them, e.g. @alice"),
        )
    })?;
    Ok(IncidentCommand::Assign { role, user })
}

/// Reads `<@U123>`, `<@U123|name>`, `<@!123>` or `@alice`.
pub fn parse_mention(token: &str) -> Option<UserRef> {
    let id = if let Some(inner) = token.strip_prefix("<@").and_then(|t| t.strip_suffix('>')) {
        let inner = inner.strip_prefix('!').unwrap_or(inner);
        inner.split('|').next().unwrap_or_default()
    } else {
        token.strip_prefix('@')?
    };
    let valid = !id.is_empty()
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ':'));
    valid.then(|| UserRef(id.to_owned()))
}

/// `[summary…] [--client "text for the client"]`: the flag may come anywhere after the summary.
fn parse_resolve(rest: &str) -> Result<IncidentCommand, ParseError> {
    let non_empty = |text: &str| {
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    };
    let Some(at) = rest.find("--client") else {
        return Ok(IncidentCommand::Resolve {
            summary: non_empty(rest),
            client_text: None,
        });
    };
    let summary = non_empty(&rest[..at]);
    let after = rest[at + "--client".len()..].trim();
    let text = match after.strip_prefix('"') {
        Some(quoted) => match quoted.strip_suffix('"') {
            Some(inner) => inner,
            None => {
                return Err(problem(
                    "resolve",
                    "the text after `--client` opens a quote that is never closed",
                ))
            }
        },
        None => after,
    };
    match non_empty(text) {
        Some(client_text) => Ok(IncidentCommand::Resolve {
            summary,
            client_text: Some(client_text),
        }),
        None => Err(problem(
            "resolve",
            "`--client` needs the text the client should read, e.g. --client \"Service is restored.\"",
        )),
    }
}

fn split_word(text: &str) -> (&str, &str) {
    let text = text.trim_start();
    match text.find(char::is_whitespace) {
        Some(end) => (&text[..end], text[end..].trim()),
        None => (text, ""),
    }
}

#[cfg(test)]
mod tests;
