//! A triage request's life and the rules for each step. Suggested articles are either solved by
//! the asker or escalated as a ticket; a responder takes the ticket and answers it, naming the
//! article that answered it when one did. Every rule is a function of the request as stored:
//! it returns the change to make or says why not, and the store applies a change only while the
//! request is still in the state the rule saw (two clicks racing cannot both win).

use chrono::{DateTime, Utc};
use thiserror::Error;

use crate::domain::ids::{ClientId, IncidentId, UserId};

/// Where a triage request stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriageOutcome {
    /// Articles were offered; the asker has not said whether they helped.
    Suggested,
    /// An article answered it: a deflection.
    Solved,
    /// Handed to a person as a ticket.
    Escalated,
    /// Answered with an open incident's status.
    Incident,
    /// A responder closed the ticket, naming the article that answered it.
    Answered,
}

impl TriageOutcome {
    pub fn as_str(self) -> &'static str {
        match self {
            TriageOutcome::Suggested => "suggested",
            TriageOutcome::Solved => "solved",
            TriageOutcome::Escalated => "escalated",
            TriageOutcome::Incident => "incident",
            TriageOutcome::Answered => "answered",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        Some(match raw {
            "suggested" => TriageOutcome::Suggested,
            "solved" => TriageOutcome::Solved,
            "escalated" => TriageOutcome::Escalated,
            "incident" => TriageOutcome::Incident,
            "answered" => TriageOutcome::Answered,
            _ => return None,
        })
    }
}

/// A question as first recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTriageRequest {
    pub client: ClientId,
    pub asker: UserId,
    pub platform: String,
    pub channel: String,
    pub question: String,
    pub suggestions: Vec<String>,
    pub outcome: TriageOutcome,
    pub incident_id: Option<IncidentId>,
    pub at: DateTime<Utc>,
}

/// A question as stored, with everything that happened to it since.
#[derive(Debug, Clone, PartialEq)]
pub struct TriageRequest {
    pub id: i64,
    pub client: ClientId,
    pub asker: UserId,
    pub platform: String,
    pub channel: String,
    pub question: String,
    pub suggestions: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub outcome: TriageOutcome,
    pub resolved_at: Option<DateTime<Utc>>,
    pub escalated_at: Option<DateTime<Utc>>,
    pub taken_by: Option<UserId>,
    pub taken_at: Option<DateTime<Utc>>,
    pub alerted: bool,
    pub incident_id: Option<IncidentId>,
    /// The article a responder named when answering the ticket.
    pub answer_article: Option<String>,
}

/// The state a change needs to find the request in when it is applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TriageState {
    pub outcome: TriageOutcome,
    /// The change also needs the ticket not taken yet.
    pub untaken: bool,
}

/// A change one of the rules allowed.
#[derive(Debug, Clone, PartialEq)]
pub enum TriageChange {
    /// Suggested → solved.
    Solve { at: DateTime<Utc> },
    /// Suggested → escalated.
    Escalate { at: DateTime<Utc> },
    /// Escalated and untaken → taken.
    Take { by: UserId, at: DateTime<Utc> },
    /// Escalated → answered with an article (taken by the answerer if nobody had it).
    Answer {
        by: UserId,
        article: String,
        at: DateTime<Utc>,
    },
}

impl TriageChange {
    /// The article this change says answered `request`'s question, which triage keeps as
    /// another phrasing of it for that client: the first suggestion when the asker says it
    /// solved it, the article a responder named when answering the ticket.
    pub fn lesson<'a>(&'a self, request: &'a TriageRequest) -> Option<&'a str> {
        match self {
            TriageChange::Solve { .. } => request.top_article(),
            TriageChange::Answer { article, .. } => Some(article),
            TriageChange::Escalate { .. } | TriageChange::Take { .. } => None,
        }
    }

    /// The state the request must still be in for this change to apply.
    pub fn requires(&self) -> TriageState {
        match self {
            TriageChange::Solve { .. } | TriageChange::Escalate { .. } => TriageState {
                outcome: TriageOutcome::Suggested,
                untaken: false,
            },
            TriageChange::Take { .. } => TriageState {
                outcome: TriageOutcome::Escalated,
                untaken: true,
            },
            TriageChange::Answer { .. } => TriageState {
                outcome: TriageOutcome::Escalated,
                untaken: false,
            },
        }
    }
}

/// Why a step cannot be taken.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TriageRefusal {
    #[error("only the person who asked can say whether the suggestions helped")]
    NotTheAsker,
    #[error("this request was already closed or handed to a person")]
    NoLongerSuggested,
    #[error("you have already taken this ticket")]
    AlreadyYours,
    #[error("someone else has already taken this ticket")]
    TakenBySomeoneElse,
    #[error("this request is not a ticket waiting for a person (it was {0})")]
    NotAnOpenTicket(&'static str),
}

impl TriageRequest {
    /// The ticket number people see once a request is escalated.
    pub fn ticket(&self) -> String {
        format!("TKT-{:04}", self.id)
    }

    pub fn top_article(&self) -> Option<&str> {
        self.suggestions.first().map(String::as_str)
    }

    /// "This solved it", clicked by `by`.
    pub fn solve(&self, by: &UserId, at: DateTime<Utc>) -> Result<TriageChange, TriageRefusal> {
        self.asker_decides(by)?;
        Ok(TriageChange::Solve { at })
    }

    /// "I still need help", clicked by `by`.
    pub fn escalate(&self, by: &UserId, at: DateTime<Utc>) -> Result<TriageChange, TriageRefusal> {
        self.asker_decides(by)?;
        Ok(TriageChange::Escalate { at })
    }

    /// A responder takes the ticket.
    pub fn take(&self, by: &UserId, at: DateTime<Utc>) -> Result<TriageChange, TriageRefusal> {
        self.open_ticket()?;
        match &self.taken_by {
            Some(taker) if taker == by => Err(TriageRefusal::AlreadyYours),
            Some(_) => Err(TriageRefusal::TakenBySomeoneElse),
            None => Ok(TriageChange::Take { by: by.clone(), at }),
        }
    }

    /// A responder closes the ticket with the article that answered it. Whether the article
    /// exists for this client is the knowledge base's to say, before this rule is asked.
    pub fn answer(
        &self,
        by: &UserId,
        article: &str,
        at: DateTime<Utc>,
    ) -> Result<TriageChange, TriageRefusal> {
        self.open_ticket()?;
        Ok(TriageChange::Answer {
            by: by.clone(),
            article: article.to_owned(),
            at,
        })
    }

    fn asker_decides(&self, by: &UserId) -> Result<(), TriageRefusal> {
        if by != &self.asker {
            return Err(TriageRefusal::NotTheAsker);
        }
        if self.outcome != TriageOutcome::Suggested {
            return Err(TriageRefusal::NoLongerSuggested);
        }
        Ok(())
    }

    fn open_ticket(&self) -> Result<(), TriageRefusal> {
        match self.outcome {
            TriageOutcome::Escalated => Ok(()),
            TriageOutcome::Suggested => Err(TriageRefusal::NotAnOpenTicket("not escalated")),
            TriageOutcome::Solved => Err(TriageRefusal::NotAnOpenTicket("solved by an article")),
            TriageOutcome::Incident => Err(TriageRefusal::NotAnOpenTicket(
                "answered with an incident's status",
            )),
            TriageOutcome::Answered => Err(TriageRefusal::NotAnOpenTicket("answered already")),
        }
    }
}
