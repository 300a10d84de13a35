//! Why a command failed, and what the person is told.

use thiserror::Error;

use crate::commands::ParseError;
use crate::domain::DomainError;
use crate::store::StoreError;
use crate::templates::TemplateError;

#[derive(Debug, Error)]
pub enum EngineError {
    #[error(transparent)]
    Parse(#[from] ParseError),
    #[error(transparent)]
    Domain(#[from] DomainError),
    /// Never lists the configured clients: the person may be another client's staff.
    #[error("no client `{client}` is configured; check the client id with your on-call lead")]
    UnknownClient { client: String },
    #[error("only responders may {action}. If you need help, ask in your support channel with `/help <question>`; nothing was done")]
    NotResponder { action: &'static str },
    #[error("`/incident {command}` acts on an incident: type it in the incident's room")]
    NotInRoom { command: &'static str },
    #[error("client `{0}` has no status destination reachable from this deployment (its channels are on platforms that are not enabled); nothing was published")]
    NoDestination(String),
    #[error("{0}")]
    Unavailable(&'static str),
    /// Not allowed, or not possible now; the words say why and what to do.
    #[error("{0}")]
    Refused(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Template(#[from] TemplateError),
}

impl EngineError {
    /// What to tell the person: their mistakes verbatim, our failures without internals.
    pub fn user_message(&self) -> String {
        match self {
            EngineError::Store(StoreError::Conflict(id)) => {
                format!("{id} changed while your command ran; nothing was saved, please try again")
            }
            EngineError::Store(StoreError::AlreadyHandled(_)) => {
                "That command was already carried out (the same request arrived twice); nothing was done again.".to_owned()
            }
            EngineError::Store(_) => "Command Post could not save that (database problem); nothing was changed. Please try again, and tell your administrator if it persists.".to_owned(),
            EngineError::Template(error) => format!("a message template is broken, so nothing was changed: {error}"),
            other => other.to_string(),
        }
    }

    /// Whether this is the person's mistake (not worth an error log).
    pub fn is_user_error(&self) -> bool {
        !matches!(self, EngineError::Store(_) | EngineError::Template(_))
    }
}
